// Suricata-EVE-compatible alert JSON (DESIGN.md "Alert JSON"), one object per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "detect/alert.h"

namespace spoor::output {

// "2026-08-07T09:14:22.117034+0000" (UTC, microseconds).
std::string format_timestamp(std::uint64_t ns_since_epoch);

// Community ID v1 ("1:<base64 sha1>"), seed 0 unless given; ICMP/ICMPv6 per the spec.
std::string community_id_v1(const detect::Alert& alert, std::uint16_t seed = 0);

// 51-bit flow id, the same for both directions of a flow.
std::uint64_t flow_id(const detect::Alert& alert);

// The EVE object for one alert, without a trailing newline. `host` is the sensor name.
// `suppressed_by` non-empty: the alert was taken by that ignore rule and is written for the
// record (--show-suppressed) as event_type "suppressed" with "suppressed":{"rule":...}, so
// that consumers counting event_type "alert" do not count it.
// A throttle summary (Alert::summary) adds "throttle":{"count","first","last"}, an HTTP
// client a proxy named adds "xff" (Suricata's X-Forwarded-For extra-data key).
std::string format_eve(const detect::Alert& alert, std::string_view host,
                       std::string_view suppressed_by = {});

}  // namespace spoor::output
