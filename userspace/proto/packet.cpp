#include "proto/packet.h"

#include "lib/parse.h"

namespace spoor::proto {

DecodeStatus decode_frame(std::span<const std::uint8_t> frame, Packet& out) {
    spoor_packet pkt{};
    const auto* begin = frame.data();
    const auto status =
        spoor_parse_frame(begin, begin + frame.size(), static_cast<__u32>(frame.size()), &pkt);
    if (status == SPOOR_PARSE_NOT_IP) {
        return DecodeStatus::NotIp;
    }
    if (status != SPOOR_PARSE_OK) {
        return DecodeStatus::Malformed;
    }
    out = Packet{};
    out.src = IpAddress::from_bytes(pkt.family, pkt.src);
    out.dst = IpAddress::from_bytes(pkt.family, pkt.dst);
    out.ip_proto = pkt.proto;
    out.has_l4 = pkt.has_l4 != 0;
    out.fragment = pkt.fragment != 0;
    out.vlan_count = pkt.vlan_count;
    out.vlan[0] = pkt.vlan[0];
    out.vlan[1] = pkt.vlan[1];
    if (out.has_l4) {
        out.src_port = pkt.sport;
        out.dst_port = pkt.dport;
        out.tcp_flags = pkt.tcp_flags;
        out.icmp_type = pkt.icmp_type;
        out.icmp_code = pkt.icmp_code;
        out.payload = frame.subspan(pkt.payload_off, pkt.payload_len);
        if (pkt.proto == SPOOR_IPPROTO_TCP) {
            // The shared parser checked that the whole TCP header is in the frame.
            const auto* seq = begin + pkt.l4_off + 4;
            out.tcp_seq =
                static_cast<std::uint32_t>(seq[0]) << 24 | seq[1] << 16 | seq[2] << 8 | seq[3];
        }
    }
    return DecodeStatus::Ok;
}

}  // namespace spoor::proto
