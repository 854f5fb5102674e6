// Alerts for the suppression stage's tests: a trail hit from a given source at a given
// offset from a fixed packet time.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "detect/alert.h"

namespace spoor::test {

inline constexpr std::uint64_t kSecond = 1'000'000'000;
inline constexpr std::uint64_t kT0 = 1786094062 * kSecond;  // 2026-08-07T09:14:22Z
inline constexpr std::uint64_t kWindow = 60 * kSecond;      // the throttle's default

// An alert from `src` on IP trail `trail` at kT0 + `at`, to 10.9.9.9 port `dport` (which
// also tells alerts of one key apart).
inline detect::Alert hit(const std::string& src, const std::string& trail, std::uint64_t at,
                         std::uint16_t dport = 443) {
    detect::Alert a;
    a.timestamp_ns = kT0 + at;
    a.ip_proto = IPPROTO_TCP;
    a.src = *IpAddress::parse(src);
    a.dst = *IpAddress::parse("10.9.9.9");
    a.src_port = 40000;
    a.dst_port = dport;
    a.trail_type = "IP";
    a.trail = trail;
    a.info = "asyncrat (malware)";
    return a;
}

}  // namespace spoor::test
