// Host-side view of one captured frame, decoded by the same bounded parser
// the kernel runs (bpf/lib/parse.h), so both sides agree on every offset.
#pragma once

#include <cstdint>
#include <span>

#include "proto/address.h"

namespace spoor::proto {

enum class DecodeStatus { Ok, NotIp, Malformed };

struct Packet {
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;  // TCP/UDP only
    std::uint16_t dst_port = 0;
    std::uint8_t ip_proto = 0;
    std::uint8_t tcp_flags = 0;
    std::uint32_t tcp_seq = 0;   // TCP only: sequence number of the first payload byte
    std::uint8_t icmp_type = 0;  // ICMP / ICMPv6 only
    std::uint8_t icmp_code = 0;
    bool has_l4 = false;    // ports (or ICMP type/code) and payload are valid
    bool fragment = false;  // non-first fragment: no L4 header
    std::uint8_t vlan_count = 0;
    std::uint16_t vlan[2] = {};
    std::span<const std::uint8_t> payload;  // L4 payload present in the frame
};

// Decodes an Ethernet frame (as captured, possibly cut at snaplen).
DecodeStatus decode_frame(std::span<const std::uint8_t> frame, Packet& out);

}  // namespace spoor::proto
