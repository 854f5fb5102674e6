#include "detect/dns_detector.h"

#include <netinet/in.h>

#include <algorithm>
#include <string>

namespace spoor::detect {
namespace {

constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypePtr = 12;
constexpr std::uint16_t kTypeAaaa = 28;

// "sinkhole shadowserver (malware)" -> "shadowserver": who runs the sinkhole.
std::string sinkhole_owner(std::string_view info) {
    auto name = info.substr(0, info.find(" ("));
    if (const auto at = name.find("sinkhole"); at != std::string_view::npos) {
        name.remove_prefix(at + 8);
    }
    while (!name.empty() && (name.front() == ' ' || name.front() == '_')) {
        name.remove_prefix(1);
    }
    return name.empty() ? "unknown" : std::string(name);
}

// The questions names are checked in: class IN, not a reverse lookup, a host name.
bool is_checked(const proto::DnsQuestion& q) {
    return q.qclass == kClassIn && q.qtype != kTypePtr && q.name.valid;
}

}  // namespace

DnsDetector::DnsDetector(const TrailContext& trails) : trails_(trails) {}

void DnsDetector::prepare(const proto::Packet& packet, const DomainMatcher& names) {
    if (packet.ip_proto != IPPROTO_UDP || packet.payload.empty() || waiting_ == kMaxAhead) {
        return;
    }
    Parsed& parsed = ahead_[(next_ + waiting_++) % kMaxAhead];
    parsed.payload = packet.payload.data();
    parsed.matcher = &names;
    parsed.status = proto::parse_dns(packet.payload, parsed.message);
    for (auto& lookup : parsed.lookups) {
        lookup.steps = 0;  // what the message parsed here before took is not this one's
    }
    // Advanced when one, then two, were prepared after it.
    for (std::size_t back = 2; back <= std::min<std::size_t>(waiting_, 3); ++back) {
        advance(ahead_[(next_ + waiting_ - back) % kMaxAhead]);
    }
}

void DnsDetector::advance(Parsed& parsed) {
    if (parsed.status != proto::DnsStatus::Ok || parsed.message.response) {
        return;  // only the questions of queries are matched
    }
    for (std::size_t i = 0; i < parsed.message.question_count; ++i) {
        if (is_checked(parsed.message.questions[i])) {
            parsed.matcher->advance(parsed.message.questions[i].name, parsed.lookups[i]);
        }
    }
}

void DnsDetector::forget_prepared() {
    waiting_ = 0;
}

DnsDetector::Parsed* DnsDetector::take_prepared(const std::uint8_t* payload) {
    while (waiting_ > 0) {
        Parsed& front = ahead_[next_];
        next_ = (next_ + 1) % kMaxAhead;
        --waiting_;
        if (front.payload == payload) {
            return &front;
        }
    }
    return nullptr;
}

void DnsDetector::inspect(const proto::Packet& packet, std::uint64_t timestamp_ns,
                          std::string_view in_iface, std::vector<Alert>& out,
                          std::vector<DnsNameSeen>* names) {
    if (packet.payload.empty()) {
        return;
    }
    if (packet.ip_proto == IPPROTO_UDP) {
        inspect_message(packet.payload, take_prepared(packet.payload.data()), packet, timestamp_ns,
                        in_iface, out, names);
        return;
    }
    tcp_streams_.get(FlowDirection::of(packet))
        .feed(packet.payload, [&](std::span<const std::uint8_t> message) {
            inspect_message(message, nullptr, packet, timestamp_ns, in_iface, out, names);
        });
}

void DnsDetector::inspect_message(std::span<const std::uint8_t> bytes, const Parsed* prepared,
                                  const proto::Packet& packet, std::uint64_t timestamp_ns,
                                  std::string_view in_iface, std::vector<Alert>& out,
                                  std::vector<DnsNameSeen>* names) {
    ++stats_.messages;
    if (prepared == nullptr) {
        direct_.status = proto::parse_dns(bytes, direct_.message);
        prepared = &direct_;
    }
    current_ = prepared;
    if (current_->status != proto::DnsStatus::Ok) {
        ++stats_.malformed;
        return;
    }
    if (names != nullptr) {
        report_names(*names);
    }
    const Seen seen{packet, timestamp_ns, in_iface};
    if (current_->message.response) {
        check_answers(seen, out);
    } else {
        check_questions(seen, out);
    }
}

void DnsDetector::report_names(std::vector<DnsNameSeen>& names) const {
    constexpr std::uint8_t kNxdomain = 3;
    const proto::DnsMessage& message = current_->message;
    if (message.response) {
        if (message.rcode == kNxdomain && message.question_count > 0 &&
            message.questions[0].name.valid) {
            names.push_back({message.questions[0].name, true});
        }
        return;
    }
    for (std::size_t i = 0; i < message.question_count; ++i) {
        const auto& q = message.questions[i];
        if (is_checked(q) && q.name.labels > 0) {
            names.push_back({q.name, false});
        }
    }
}

// Built only once something matched: most messages alert on nothing.
Alert DnsDetector::dns_alert(const Seen& seen) {
    Alert alert = flow_alert(seen.packet, seen.timestamp_ns, seen.in_iface);
    alert.app_proto = "dns";
    alert.trail_type = "DNS";
    alert.detector = "dns";
    return alert;
}

// Names are matched in queries: a response repeats the question of the same flow.
void DnsDetector::check_questions(const Seen& seen, std::vector<Alert>& out) {
    const proto::DnsMessage& message = current_->message;
    for (std::size_t i = 0; i < message.question_count; ++i) {
        const auto& q = message.questions[i];
        if (!is_checked(q)) {
            continue;
        }
        // The lookup prepare() began, if the same matcher did.
        const auto match = current_->matcher == trails_.domains
                               ? trails_.domains->match(q.name, current_->lookups[i])
                               : trails_.domains->match(q.name);
        if (!match) {
            continue;
        }
        const auto record = trails_.store->record(match->record_id);
        Alert alert = dns_alert(seen);
        alert.trail = match->trail;
        set_trail_record(alert, record);
        alert.matched_field = "dns.rrname";
        alert.dns = DnsInfo{"query",
                            message.id,
                            std::string(q.name.view()),
                            std::string(proto::dns_type_name(q.qtype)),
                            {},
                            {}};
        classify(alert);
        out.push_back(std::move(alert));
    }
}

// An answer pointing at a sinkhole or a parking service says what became of the name. Most
// answers point at neither: the alert's strings are built only once one does.
void DnsDetector::check_answers(const Seen& seen, std::vector<Alert>& out) {
    const proto::DnsMessage& message = current_->message;
    if (message.question_count == 0) {
        return;
    }
    for (std::size_t i = 0; i < message.answer_count; ++i) {
        const auto& a = message.answers[i];
        if (a.type != kTypeA && a.type != kTypeAaaa) {
            continue;
        }
        const std::uint32_t id = trails_.store->find_ip(a.address);
        if (id == trails::kNoRecord) {
            continue;
        }
        const auto record = trails_.store->record(id);
        std::string verdict;
        if (record.info.find("sinkhole") != std::string_view::npos) {
            verdict = "sinkholed by " + sinkhole_owner(record.info) + " (malware)";
        } else if (record.info.find("parking") != std::string_view::npos) {
            verdict = "parked site (suspicious)";
        } else {
            continue;  // the address itself alerts through the kernel's IP trails when used
        }
        Alert alert = dns_alert(seen);
        alert.dns = answer_info();
        alert.trail = alert.dns->rrname;
        alert.info = verdict;
        alert.reference = record.reference;
        alert.matched_field = "dns.answers.rdata";
        alert.from_server = true;
        classify(alert);
        out.push_back(std::move(alert));
        return;  // one verdict per message
    }
}

DnsInfo DnsDetector::answer_info() const {
    const proto::DnsMessage& message = current_->message;
    const auto& question = message.questions[0];
    DnsInfo info{"answer",
                 message.id,
                 std::string(question.name.view()),
                 std::string(proto::dns_type_name(question.qtype)),
                 std::string(proto::dns_rcode_name(message.rcode)),
                 {}};
    for (std::size_t i = 0; i < message.answer_count; ++i) {
        const auto& a = message.answers[i];
        info.answers.push_back(
            {std::string(a.name.view()), std::string(proto::dns_type_name(a.type)), a.ttl,
             a.type == kTypeCname ? std::string(a.target.view()) : a.address.to_string()});
    }
    return info;
}

}  // namespace spoor::detect
