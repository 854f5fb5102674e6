#include "detect/alert.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "common/text.h"

namespace spoor::detect {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    // ASCII only on purpose: the keywords are ASCII, and a locale-aware tolower
    // would make classification depend on the environment.
    std::transform(out.begin(), out.end(), out.begin(), to_lower_ascii);
    return out;
}

bool contains_any(const std::string& haystack, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(), [&](std::string_view needle) {
        return haystack.find(needle) != std::string::npos;
    });
}

}  // namespace

Alert flow_alert(const proto::Packet& packet, std::uint64_t timestamp_ns,
                 std::string_view in_iface) {
    Alert alert;
    alert.timestamp_ns = timestamp_ns;
    alert.in_iface = in_iface;
    alert.src = packet.src;
    alert.dst = packet.dst;
    alert.src_port = packet.src_port;
    alert.dst_port = packet.dst_port;
    alert.ip_proto = packet.ip_proto;
    alert.icmp_type = packet.icmp_type;
    alert.icmp_code = packet.icmp_code;
    return alert;
}

Alert heuristic_alert(const proto::Packet& packet, std::uint64_t timestamp_ns,
                      std::string_view in_iface, const char* heuristic, const char* trail_type,
                      std::string trail, std::string info, const char* matched_field) {
    Alert alert = flow_alert(packet, timestamp_ns, in_iface);
    alert.trail_type = trail_type;
    alert.trail = std::move(trail);
    alert.info = std::move(info);
    alert.reference = "(heuristic)";
    alert.matched_field = matched_field;
    alert.detector = "heuristic";
    alert.heuristic = heuristic;
    classify(alert);
    return alert;
}

int severity_for(const std::string& info, const std::string& reference) {
    // Plain substring matching, as DESIGN.md ("contains") and Maltrail do, so
    // "mass scanners" and "(malware)" both match; the order below is the rule order.
    const std::string ref = lower(reference);
    // A merged reference names custom lists as "(+custom)", which is not "(custom)":
    // only an indicator whose winning source is a custom list gets the custom severity.
    if (ref.find("(custom)") != std::string::npos) {
        return 1;
    }
    const std::string text = lower(info);
    if (contains_any(text, {"potential malware site", "malware distribution"})) {
        return 2;
    }
    if (contains_any(text, {"mass scanner"})) {
        return 3;
    }
    if (contains_any(text, {"malware", "ransomware", "adversary"})) {
        return 1;
    }
    if (contains_any(text,
                     {"reputation", "attacker", "spammer", "compromised", "crawler", "scanning"})) {
        return 3;
    }
    return 2;
}

const char* category_for(int severity) {
    switch (severity) {
        case 1:
            return "A Network Trojan was detected";
        case 3:
            return "Detection of a Network Scan";
        default:
            return "Potentially Bad Traffic";
    }
}

std::uint32_t signature_id_for(const std::string& trail_type, const std::string& info) {
    std::uint32_t hash = 2166136261u;
    const auto mix = [&hash](std::string_view bytes) {
        for (const unsigned char c : bytes) {
            hash ^= c;
            hash *= 16777619u;
        }
    };
    mix(trail_type);
    mix("|");
    mix(info);
    return 1'000'000'000u + hash % 1'000'000'000u;
}

void classify(Alert& alert) {
    alert.severity = alert.listed_severity != 0 ? alert.listed_severity
                                                : severity_for(alert.info, alert.reference);
    alert.category = category_for(alert.severity);
    alert.signature_id = signature_id_for(alert.trail_type, alert.info);
    alert.signature = "SPOOR " + alert.trail_type + " " + alert.info;
}

void set_trail_record(Alert& alert, const trails::RecordView& record) {
    alert.info = record.info;
    alert.reference = record.reference;
    alert.listed_severity = record.severity;
}

}  // namespace spoor::detect
