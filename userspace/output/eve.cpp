#include "output/eve.h"

#include <netinet/in.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/digest.h"

namespace spoor::output {

namespace {

// One side of a flow as the Community ID spec and flow_id see it: ICMP carries
// its type and its counterpart type (or code) in place of the ports.
struct Endpoint {
    const IpAddress* addr;
    std::uint16_t port;
};

std::span<const std::uint8_t> address_bytes(const IpAddress& a) {
    return {a.bytes.data(), a.is_v4() ? 4u : 16u};
}

bool endpoint_less(const Endpoint& a, const Endpoint& b) {
    const auto x = address_bytes(*a.addr);
    const auto y = address_bytes(*b.addr);
    if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) {
        return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
    }
    return a.port < b.port;
}

bool has_ports(std::uint8_t proto) {
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

bool is_icmp(std::uint8_t proto) {
    return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

// The request/reply pairs the Community ID spec takes from Zeek: a type in a pair
// maps to (type, counterpart type) and both directions land on one flow; any
// other type is one-way, maps to (type, code) and is never reordered.
std::optional<std::uint8_t> icmp_counterpart(std::uint8_t proto, std::uint8_t type) {
    static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, 5> v4 = {{
        {8, 0},    // echo request / reply
        {13, 14},  // timestamp request / reply
        {15, 16},  // information request / reply
        {10, 9},   // router solicitation / advertisement
        {17, 18},  // address mask request / reply
    }};
    static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, 6> v6 = {{
        {128, 129},  // echo request / reply
        {130, 131},  // multicast listener query / report
        {133, 134},  // router solicitation / advertisement
        {135, 136},  // neighbour solicitation / advertisement
        {139, 140},  // node information ("who are you") query / reply
        {144, 145},  // home agent address discovery request / reply
    }};
    const auto lookup = [type](const auto& pairs) -> std::optional<std::uint8_t> {
        for (const auto& [a, b] : pairs) {
            if (type == a) {
                return b;
            }
            if (type == b) {
                return a;
            }
        }
        return std::nullopt;
    };
    return proto == IPPROTO_ICMP ? lookup(v4) : lookup(v6);
}

struct FlowKey {
    Endpoint first;
    Endpoint second;
    bool ports;  // whether the ports take part at all (TCP, UDP, SCTP, ICMP)
};

// The endpoints in the order they are hashed. `order_one_way`: whether one-way
// ICMP is reordered too (flow_id: yes, one flow per address pair; Community ID:
// no, the spec keeps such messages directional).
FlowKey flow_key(const detect::Alert& alert, bool order_one_way) {
    Endpoint src{&alert.src, alert.src_port};
    Endpoint dst{&alert.dst, alert.dst_port};
    bool ordered = true;
    if (is_icmp(alert.ip_proto)) {
        const auto counterpart = icmp_counterpart(alert.ip_proto, alert.icmp_type);
        src.port = alert.icmp_type;
        dst.port = counterpart.value_or(alert.icmp_code);
        ordered = counterpart.has_value() || order_one_way;
    }
    const bool ports = has_ports(alert.ip_proto) || is_icmp(alert.ip_proto);
    if (!ports) {
        src.port = dst.port = 0;
    }
    if (ordered && endpoint_less(dst, src)) {
        std::swap(src, dst);
    }
    return {src, dst, ports};
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

const char* proto_name(std::uint8_t proto) {
    switch (proto) {
        case IPPROTO_TCP:
            return "TCP";
        case IPPROTO_UDP:
            return "UDP";
        case IPPROTO_ICMP:
            return "ICMP";
        case IPPROTO_ICMPV6:
            return "IPv6-ICMP";
        default:
            return nullptr;
    }
}

nlohmann::ordered_json one(const std::string& value) {
    return nlohmann::ordered_json::array({value});
}

// EVE's `dns` object (version 3 field names as the issue fixes them).
nlohmann::ordered_json dns_object(const detect::DnsInfo& dns) {
    nlohmann::ordered_json d;
    d["version"] = 3;
    d["type"] = dns.type;
    d["id"] = dns.id;
    d["rrname"] = dns.rrname;
    d["rrtype"] = dns.rrtype;
    if (!dns.rcode.empty()) {
        d["rcode"] = dns.rcode;
    }
    if (!dns.answers.empty()) {
        nlohmann::ordered_json answers = nlohmann::ordered_json::array();
        for (const auto& a : dns.answers) {
            answers.push_back(
                {{"rrname", a.rrname}, {"rrtype", a.rrtype}, {"ttl", a.ttl}, {"rdata", a.rdata}});
        }
        d["answers"] = std::move(answers);
    }
    return d;
}

// Suricata's `http` object; fields the transaction did not carry are left out.
nlohmann::ordered_json http_object(const detect::HttpInfo& http) {
    nlohmann::ordered_json h;
    const auto put = [&h](const char* key, const std::string& value) {
        if (!value.empty()) {
            h[key] = value;
        }
    };
    put("hostname", http.hostname);
    put("url", http.url);
    put("http_user_agent", http.http_user_agent);
    put("http_content_type", http.http_content_type);
    put("http_method", http.http_method);
    if (http.status != 0) {
        h["status"] = http.status;
    }
    return h;
}

// Suricata's `tls` object (and, for QUIC, its `quic` object, which has the same fields).
nlohmann::ordered_json tls_object(const detect::TlsInfo& tls) {
    nlohmann::ordered_json t;
    if (!tls.sni.empty()) {
        t["sni"] = tls.sni;
    }
    if (!tls.version.empty()) {
        t["version"] = tls.version;
    }
    if (!tls.fingerprint.empty()) {
        t["fingerprint"] = tls.fingerprint;
    }
    if (!tls.ja3.empty()) {
        t["ja3"] = {{"hash", tls.ja3}, {"string", tls.ja3_string}};
    }
    if (!tls.ja4.empty()) {
        t["ja4"] = tls.ja4;
    }
    return t;
}

}  // namespace

std::string format_timestamp(std::uint64_t ns_since_epoch) {
    using namespace std::chrono;
    const sys_time<nanoseconds> t{nanoseconds{ns_since_epoch}};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<microseconds>(t - day)};
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06lld+0000",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<long long>(hms.subseconds().count()));
    return buf;
}

std::string community_id_v1(const detect::Alert& alert, std::uint16_t seed) {
    const FlowKey key = flow_key(alert, /*order_one_way=*/false);
    std::vector<std::uint8_t> input;
    input.reserve(2 + 16 + 16 + 2 + 4);
    put_u16(input, seed);
    put_bytes(input, address_bytes(*key.first.addr));
    put_bytes(input, address_bytes(*key.second.addr));
    input.push_back(alert.ip_proto);
    input.push_back(0);  // padding: the spec aligns the input on 32 bits
    if (key.ports) {
        put_u16(input, key.first.port);
        put_u16(input, key.second.port);
    }

    const proto::Digest sha1 = proto::digest(proto::DigestKind::Sha1, input);
    if (sha1.size == 0) {
        // Only a broken libcrypto gets here; an alert without the id beats no alert.
        return {};
    }
    // base64 of 20 bytes: 28 characters plus the terminating NUL EVP_EncodeBlock writes.
    std::array<unsigned char, 4 * ((sizeof(sha1.bytes) + 2) / 3) + 1> b64{};
    const int b64_len = EVP_EncodeBlock(b64.data(), sha1.bytes.data(), static_cast<int>(sha1.size));
    return "1:" + std::string(reinterpret_cast<const char*>(b64.data()), b64_len);
}

std::uint64_t flow_id(const detect::Alert& alert) {
    // FNV-1a-64 over the direction-independent tuple; the 51 bits keep it exact in
    // the doubles of JavaScript-based EVE readers, as Suricata's flow_id does.
    const FlowKey key = flow_key(alert, /*order_one_way=*/true);
    std::uint64_t hash = 14695981039346656037ull;
    const auto mix = [&hash](std::span<const std::uint8_t> bytes) {
        for (const std::uint8_t b : bytes) {
            hash ^= b;
            hash *= 1099511628211ull;
        }
    };
    std::vector<std::uint8_t> input;
    input.push_back(alert.src.family);
    input.push_back(alert.ip_proto);
    put_bytes(input, address_bytes(*key.first.addr));
    put_bytes(input, address_bytes(*key.second.addr));
    put_u16(input, key.first.port);
    put_u16(input, key.second.port);
    mix(input);
    const std::uint64_t id = hash & ((std::uint64_t{1} << 51) - 1);
    // 0 reads as "no flow" in EVE consumers.
    return id == 0 ? 1 : id;
}

std::string format_eve(const detect::Alert& alert, std::string_view host,
                       std::string_view suppressed_by) {
    nlohmann::ordered_json j;
    j["timestamp"] = format_timestamp(alert.timestamp_ns);
    j["flow_id"] = flow_id(alert);
    if (!alert.in_iface.empty()) {
        j["in_iface"] = alert.in_iface;
    }
    j["event_type"] = suppressed_by.empty() ? "alert" : "suppressed";
    const bool ports = alert.ip_proto == IPPROTO_TCP || alert.ip_proto == IPPROTO_UDP;
    j["src_ip"] = alert.src.to_string();
    if (ports) {
        j["src_port"] = alert.src_port;
    }
    j["dest_ip"] = alert.dst.to_string();
    if (ports) {
        j["dest_port"] = alert.dst_port;
    }
    const char* name = proto_name(alert.ip_proto);
    j["proto"] = name != nullptr ? std::string(name) : std::to_string(alert.ip_proto);
    // Where Suricata writes them: right after proto.
    if (is_icmp(alert.ip_proto)) {
        j["icmp_type"] = alert.icmp_type;
        j["icmp_code"] = alert.icmp_code;
    }
    if (!alert.app_proto.empty()) {
        j["app_proto"] = alert.app_proto;
    }
    j["community_id"] = community_id_v1(alert);
    j["host"] = std::string(host);
    if (alert.dns) {
        j["dns"] = dns_object(*alert.dns);
    }
    if (alert.http) {
        j["http"] = http_object(*alert.http);
    }
    if (alert.tls) {
        j[alert.app_proto == "quic" ? "quic" : "tls"] = tls_object(*alert.tls);
    }

    nlohmann::ordered_json metadata;
    metadata["trail"] = one(alert.trail);
    metadata["trail_type"] = one(alert.trail_type);
    metadata["info"] = one(alert.info);
    metadata["reference"] = one(alert.reference);
    metadata["matched_field"] = one(alert.matched_field);
    metadata["detector"] = one(alert.detector);
    if (!alert.heuristic.empty()) {
        metadata["heuristic"] = one(alert.heuristic);
    }

    nlohmann::ordered_json& a = j["alert"];
    a["action"] = "allowed";
    a["gid"] = 1;
    a["signature_id"] = alert.signature_id;
    a["rev"] = 1;
    a["signature"] = alert.signature;
    a["category"] = alert.category;
    a["severity"] = alert.severity;
    a["metadata"] = std::move(metadata);

    if (!alert.xff.empty()) {
        j["xff"] = alert.xff;
    }
    if (alert.summary) {
        j["throttle"] = {{"count", alert.summary->count},
                         {"first", format_timestamp(alert.summary->first_ns)},
                         {"last", format_timestamp(alert.summary->last_ns)}};
    }
    if (!suppressed_by.empty()) {
        j["suppressed"] = {{"rule", std::string(suppressed_by)}};
    }

    // Trail text can come from the wire: invalid UTF-8 becomes U+FFFD instead of
    // throwing, so one odd packet cannot cost the alert.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace spoor::output
