// An alert: what was seen, which trail matched, and the classification that
// DESIGN.md "Alert JSON" derives from the trail's info and reference.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/address.h"
#include "proto/packet.h"
#include "trails/trail_store.h"

namespace spoor::detect {

// The DNS message an alert came from, as EVE's `dns` object shows it.
struct DnsInfo {
    struct Answer {
        std::string rrname;
        std::string rrtype;  // "A", "AAAA", "CNAME"
        std::uint32_t ttl = 0;
        std::string rdata;  // address or target name
    };
    std::string type;  // "query" or "answer"
    std::uint16_t id = 0;
    std::string rrname;
    std::string rrtype;
    std::string rcode;  // answers only
    std::vector<Answer> answers;
};

// The HTTP transaction an alert came from, as EVE's `http` object shows it.
struct HttpInfo {
    std::string hostname;
    std::string url;  // the target as sent
    std::string http_user_agent;
    std::string http_method;
    // From the response, when it came within the wait (0 / empty otherwise).
    int status = 0;
    std::string http_content_type;
};

// The TLS (or QUIC) handshake an alert came from, as EVE's `tls` (`quic`) object shows it.
struct TlsInfo {
    std::string sni;
    std::string version;  // "TLS 1.3", "TLS 1.2", ...
    std::string ja3;      // MD5, with the string it hashes
    std::string ja3_string;
    std::string ja4;
    std::string fingerprint;  // server certificate SHA-1, "aa:bb:..."
};

// Every heuristic, by the name its alerts carry (Alert::heuristic), --disable-heuristic takes
// and ignore rules name. "missing-host" is off unless asked for (--http-missing-host).
inline constexpr std::array<const char*, 14> kHeuristicNames = {
    "port-scan", "udp-scan",    "infection",     "dns-exhaustion", "nxdomain",
    "dga",       "long-domain", "web-scan",      "web-attack",     "suspicious-ua",
    "download",  "proxy-probe", "http-response", "missing-host"};

struct Alert {
    std::uint64_t timestamp_ns = 0;  // packet time, nanoseconds since the Unix epoch (UTC)
    std::string in_iface;            // interface name; empty in replay without one
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;  // TCP/UDP only
    std::uint16_t dst_port = 0;
    std::uint8_t ip_proto = 0;   // IPPROTO_* number
    std::uint8_t icmp_type = 0;  // ICMP / ICMPv6 only
    std::uint8_t icmp_code = 0;
    std::string app_proto;  // "dns", "http", "tls"...; empty: not known, omitted
    std::optional<DnsInfo> dns;
    std::optional<HttpInfo> http;
    std::optional<TlsInfo> tls;  // written as `quic` when app_proto is "quic"

    // The matched trail.
    std::string trail_type;     // "IP", "IPORT", "CIDR", "DNS", ...
    std::string trail;          // the indicator as listed: "1.2.3.4", "10.0.0.0/8", "1.2.3.4:80"
    std::string info;           // "asyncrat (malware)"
    std::string reference;      // "(static)"
    std::string matched_field;  // "src_ip", "dest_ip", "dest_ip:dest_port", ...
    std::string detector;       // "xdp", "dns", "http", "tls", "heuristic"
    // Made of what a server sent (a DNS answer, an HTTP response, a certificate): the host
    // it is about, the one that asked, is then `dst`, not `src`.
    bool from_server = false;
    // Heuristic alerts: which heuristic, by the name --disable-heuristic and ignore rules use
    // ("port-scan", "web-attack", ...); empty for trail hits.
    std::string heuristic;
    // HTTP alerts: the original client a proxy named (X-Forwarded-For and kin), as sent.
    std::string xff;
    // A throttle summary: this alert stands for `count` alerts of the same source and trail
    // that were held back, the first and last at these packet times.
    struct Summary {
        std::uint64_t count = 0;
        std::uint64_t first_ns = 0;
        std::uint64_t last_ns = 0;
    };
    std::optional<Summary> summary;

    // The trail's own severity when an operator set one (trails add --severity), else 0.
    int listed_severity = 0;
    // Derived by classify(): DESIGN.md severity/category/signature rules.
    int severity = 2;
    std::string category;
    std::uint32_t signature_id = 0;
    std::string signature;
};

// An alert about `packet`: its time, interface and flow fields filled in, the trail still empty.
Alert flow_alert(const proto::Packet& packet, std::uint64_t timestamp_ns,
                 std::string_view in_iface);

// A heuristic's alert about `packet`, classified: reference "(heuristic)", detector "heuristic".
Alert heuristic_alert(const proto::Packet& packet, std::uint64_t timestamp_ns,
                      std::string_view in_iface, const char* heuristic, const char* trail_type,
                      std::string trail, std::string info, const char* matched_field);

// Severity from info and reference, first rule that matches wins (DESIGN.md).
int severity_for(const std::string& info, const std::string& reference);
// 1 "A Network Trojan was detected", 2 "Potentially Bad Traffic", 3 "Detection of a Network Scan".
const char* category_for(int severity);
// 1,000,000,000 + FNV-1a-32("<TYPE>|<info>") mod 1,000,000,000.
std::uint32_t signature_id_for(const std::string& trail_type, const std::string& info);
// Fills severity (the listed one, else by the rules), category, signature_id and signature
// ("SPOOR <TYPE> <info>").
void classify(Alert& alert);

// What the trail that matched says: info, reference and listed severity.
void set_trail_record(Alert& alert, const trails::RecordView& record);

}  // namespace spoor::detect
