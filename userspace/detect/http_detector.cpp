#include "detect/http_detector.h"

#include <iterator>
#include <string>

namespace spoor::detect {
namespace {

// The name in a Host value; an IPv6 literal "[::1]:80" has none to match.
std::string_view host_name(std::string_view host) {
    return host.starts_with('[') ? std::string_view() : proto::host_without_port(host);
}

// Where a request is going: its host and origin-form path. An absolute target
// ("http://host/x", what proxies get) and a CONNECT target ("host:443") name the
// host themselves; otherwise it is the Host header, or the address without one.
struct Destination {
    std::string_view host;
    std::string_view path;
};

Destination destination(const proto::HttpRequest& request, std::string_view address) {
    std::string_view target = request.target;
    if (request.method == "CONNECT") {
        return {target, "/"};
    }
    if (const auto scheme = target.find("://");
        scheme != std::string_view::npos && !target.starts_with('/')) {
        target.remove_prefix(scheme + 3);
        const auto slash = target.find('/');
        return {target.substr(0, slash),
                slash == std::string_view::npos ? "/" : target.substr(slash)};
    }
    return {request.host.empty() ? address : request.host, target};
}

}  // namespace

HttpDetector::HttpDetector(const TrailContext& trails, const HttpHeuristicsConfig& heuristics,
                           std::shared_ptr<const trails::Whitelist> whitelist)
    : trails_(trails), heuristics_(heuristics, std::move(whitelist)) {}

void HttpDetector::inspect(const proto::Packet& packet, bool starts_head,
                           std::uint64_t timestamp_ns, std::string_view in_iface,
                           std::vector<Alert>& out, std::vector<std::uint64_t>* paths) {
    if (packet.payload.empty()) {
        return;
    }
    const Sink sink{packet, timestamp_ns, in_iface, out, paths};
    const auto key = FlowDirection::of(packet);
    if (starts_head) {
        // The usual case: a whole head in one segment, analysed without a copy.
        pending_.erase(key);
        if (analyse(packet.payload, sink) == proto::HttpStatus::Incomplete) {
            PendingHead& head = pending_.get(key);
            head.cursor.take(packet.tcp_seq, packet.payload);
            head.bytes.assign(packet.payload.begin(), packet.payload.end());
        }
        return;
    }
    PendingHead* head = pending_.find(key);
    if (head == nullptr) {
        return;  // a follow-up of a TLS handshake, or of a head already done with
    }
    const auto more = head->cursor.take(packet.tcp_seq, packet.payload);
    if (head->cursor.broken()) {
        ++stats_.heads_lost;
        pending_.erase(key);
        return;
    }
    head->bytes.insert(head->bytes.end(), more.begin(), more.end());
    if (analyse(head->bytes, sink) != proto::HttpStatus::Incomplete) {
        pending_.erase(key);
    }
}

proto::HttpStatus HttpDetector::analyse(std::span<const std::uint8_t> head, const Sink& sink) {
    const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
    const auto status =
        text.starts_with("HTTP/") ? analyse_response(head, sink) : analyse_request(head, sink);
    if (status == proto::HttpStatus::Malformed) {
        ++stats_.malformed;
    }
    return status;
}

proto::HttpStatus HttpDetector::analyse_request(std::span<const std::uint8_t> head,
                                                const Sink& sink) {
    const proto::Packet& packet = sink.packet;
    const auto status = proto::parse_http_request(head, request_);
    if (status != proto::HttpStatus::Ok) {
        return status;
    }
    ++stats_.requests;
    // Without a Host, the server's address as a Host header would write it ("[v6]"); formatted
    // only then, as nearly every request has a Host.
    std::string address;
    if (request_.host.empty()) {
        address = packet.dst.is_v4() ? packet.dst.to_string() : "[" + packet.dst.to_string() + "]";
    }
    const Destination where = destination(request_, address);
    const bool post = request_.method == "POST";

    if (sink.paths != nullptr && heuristics_.wants_paths() && request_.method != "CONNECT") {
        sink.paths->push_back(hash_string(first_path_segment(where.path)));
    }

    std::vector<Alert> alerts;
    // What every alert of the request carries: the EVE http object and the original client.
    const auto add = [&](Alert a) {
        a.app_proto = "http";
        a.http.emplace();
        a.http->hostname.assign(where.host);
        a.http->url.assign(request_.target);
        a.http->http_user_agent.assign(request_.user_agent);
        a.http->http_method.assign(request_.method);
        a.xff.assign(request_.forwarded_for);
        alerts.push_back(std::move(a));
    };
    const auto trail_alert = [&](const char* type, std::string trail, std::uint32_t record_id,
                                 const char* field) {
        const auto record = trails_.store->record(record_id);
        Alert a = flow_alert(packet, sink.timestamp_ns, sink.in_iface);
        a.trail_type = type;
        a.trail = std::move(trail);
        set_trail_record(a, record);
        a.matched_field = field;
        a.detector = "http";
        classify(a);
        add(std::move(a));
    };

    if (const auto name = host_name(where.host); !name.empty()) {
        if (auto match = trails_.domains->match(name)) {
            trail_alert("DNS", std::move(match->trail), match->record_id, "http.hostname");
        }
    }
    if (request_.method != "CONNECT") {
        if (auto match = trails_.urls->match(where.host, where.path, post ? request_.body : "")) {
            trail_alert("URL", std::move(match->trail), match->record_id, "http.url");
        }
    }
    bool ua_listed = false;
    if (!request_.user_agent.empty()) {
        if (const std::uint32_t record =
                trails_.store->index(trails::IndicatorKind::UserAgent).find(request_.user_agent);
            record != trails::kNoRecord) {
            trail_alert("UA", std::string(request_.user_agent), record, "http.http_user_agent");
            ua_listed = true;
        }
    }
    findings_.clear();
    const std::string_view text(reinterpret_cast<const char*>(head.data()), request_.head_size);
    const std::string_view headers = text.substr(std::min(text.find('\n') + 1, text.size()));
    heuristics_.check_request({request_, where.host, where.path, headers}, packet, ua_listed,
                              findings_);
    for (HttpFinding& finding : findings_) {
        add(heuristic_alert(packet, sink.timestamp_ns, sink.in_iface, finding.heuristic,
                            finding.trail_type, std::move(finding.trail), std::move(finding.info),
                            finding.matched_field));
        ++stats_.heuristic_alerts;
    }
    if (alerts.empty()) {
        return status;
    }
    auto& out = sink.out;
    const auto key = FlowDirection::of(packet);
    if (Waiting* earlier = waiting_.find(key)) {
        // A request after one whose response never came: that one waits no longer.
        std::move(earlier->alerts.begin(), earlier->alerts.end(), std::back_inserter(out));
        waiting_.erase(key);
    } else if (waiting_.full()) {
        release_oldest(out);
    }
    waiting_.get(key) = Waiting{std::move(alerts), sink.timestamp_ns};
    return status;
}

// Sequential keep-alive: the next response on a flow answers its latest request
// (clients do not pipeline).
proto::HttpStatus HttpDetector::analyse_response(std::span<const std::uint8_t> head,
                                                 const Sink& sink) {
    const proto::Packet& packet = sink.packet;
    // Only a response that completes waiting alerts, or that the heuristics look at, is worth
    // parsing.
    const FlowDirection request{packet.dst, packet.src, packet.dst_port, packet.src_port};
    Waiting* waiting = waiting_.find(request);
    if (waiting == nullptr && !heuristics_.wants_responses()) {
        return proto::HttpStatus::Ok;
    }
    const auto status = proto::parse_http_response(head, response_);
    if (status != proto::HttpStatus::Ok) {
        return status;
    }
    if (waiting != nullptr) {
        for (Alert& alert : waiting->alerts) {
            alert.http->status = response_.status;
            alert.http->http_content_type.assign(response_.content_type);
            sink.out.push_back(std::move(alert));
        }
        waiting_.erase(request);
    }
    findings_.clear();
    heuristics_.check_response(response_, {reinterpret_cast<const char*>(head.data()), head.size()},
                               packet, findings_);
    for (HttpFinding& finding : findings_) {
        Alert a = heuristic_alert(packet, sink.timestamp_ns, sink.in_iface, finding.heuristic,
                                  finding.trail_type, std::move(finding.trail),
                                  std::move(finding.info), finding.matched_field);
        a.app_proto = "http";
        a.from_server = true;
        a.http.emplace();
        a.http->status = response_.status;
        a.http->http_content_type.assign(response_.content_type);
        sink.out.push_back(std::move(a));
        ++stats_.heuristic_alerts;
    }
    return status;
}

void HttpDetector::expire(std::uint64_t now_ns, std::vector<Alert>& out) {
    while (waiting_.oldest() != nullptr &&
           now_ns >= waiting_.oldest()->since_ns + kResponseWaitNs) {
        release_oldest(out);
    }
}

void HttpDetector::flush(std::vector<Alert>& out) {
    while (waiting_.oldest() != nullptr) {
        release_oldest(out);
    }
}

void HttpDetector::release_oldest(std::vector<Alert>& out) {
    auto& alerts = waiting_.oldest()->alerts;
    std::move(alerts.begin(), alerts.end(), std::back_inserter(out));
    waiting_.pop_oldest();
}

}  // namespace spoor::detect
