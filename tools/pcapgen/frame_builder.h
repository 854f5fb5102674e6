// Builds Ethernet frames for tests and the capture generator: VLAN tags, IPv4 options, IPv6
// extension headers, fragments, TCP/UDP/ICMP with any payload. Checksums are left zero: neither the
// classifier nor the kernel's XDP/test-run path checks them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/address.h"

namespace spoor::test {

struct FrameSpec {
    IpAddress src;
    IpAddress dst;
    std::uint8_t proto = 6;  // IPPROTO_TCP
    std::uint16_t sport = 40000;
    std::uint16_t dport = 80;
    std::uint8_t tcp_flags = 0x02;  // SYN
    std::uint8_t icmp_type = 8;
    std::uint8_t icmp_code = 0;
    std::vector<std::uint8_t> payload;
    std::vector<std::uint16_t> vlans;      // outermost first; first is 802.1ad when two
    std::vector<std::uint8_t> ip_options;  // IPv4, multiple of 4 bytes
    // IPv6 extension headers: each {next-header code, total length in bytes (multiple of 8)}.
    std::vector<std::pair<std::uint8_t, std::uint16_t>> ipv6_ext;
    std::uint16_t fragment_offset = 0;  // in 8-byte units; non-zero: a non-first fragment
    bool more_fragments = false;
    bool ipv6_fragment_header = false;  // add a fragment header carrying fragment_offset
};

IpAddress ip(std::string_view text);  // aborts on a bad literal (test input)
std::vector<std::uint8_t> bytes(std::string_view text);
std::vector<std::uint8_t> build_frame(const FrameSpec& spec);

// Shorthands for the common cases.
FrameSpec tcp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::uint8_t flags = 0x02, std::string_view payload = {});
FrameSpec udp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::vector<std::uint8_t> payload = {});
FrameSpec icmp_echo(std::string_view src, std::string_view dst);

}  // namespace spoor::test
