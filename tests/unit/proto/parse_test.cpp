// The bounded L2-L4 parser (bpf/lib/parse.h) compiled for the host, on byte fixtures.
#include <doctest/doctest.h>

#include "proto/packet.h"
#include "frame_builder.h"

using spoor::proto::decode_frame;
using spoor::proto::DecodeStatus;
using spoor::proto::Packet;
using namespace spoor::test;

namespace {

Packet decode_ok(const std::vector<std::uint8_t>& frame) {
    Packet p;
    REQUIRE(decode_frame(frame, p) == DecodeStatus::Ok);
    return p;
}

DecodeStatus status_of(const std::vector<std::uint8_t>& frame) {
    Packet p;
    return decode_frame(frame, p);
}

}  // namespace

TEST_CASE("IPv4 TCP with payload") {
    const auto frame =
        build_frame(tcp("10.0.0.1", 1234, "10.0.0.2", 80, 0x18, "GET / HTTP/1.1\r\n"));
    const auto p = decode_ok(frame);  // the payload points into `frame`
    CHECK(p.src == ip("10.0.0.1"));
    CHECK(p.dst == ip("10.0.0.2"));
    CHECK(p.src_port == 1234);
    CHECK(p.dst_port == 80);
    CHECK(p.ip_proto == 6);
    CHECK(p.tcp_flags == 0x18);
    CHECK(std::string(p.payload.begin(), p.payload.end()) == "GET / HTTP/1.1\r\n");
}

TEST_CASE("Ethernet padding is not payload") {
    auto frame = build_frame(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10));
    frame.resize(60, 0);  // minimum Ethernet frame: 6 bytes of padding after a 54-byte ACK
    const auto p = decode_ok(frame);
    CHECK(p.payload.empty());
}

TEST_CASE("one VLAN tag and QinQ") {
    auto spec = udp("10.1.0.1", 5353, "10.1.0.2", 53, bytes("abc"));
    spec.vlans = {100};
    auto p = decode_ok(build_frame(spec));
    CHECK(p.vlan_count == 1);
    CHECK(p.vlan[0] == 100);
    CHECK(p.dst_port == 53);

    spec.vlans = {200, 300};
    p = decode_ok(build_frame(spec));
    CHECK(p.vlan_count == 2);
    CHECK(p.vlan[0] == 200);
    CHECK(p.vlan[1] == 300);
    CHECK(p.payload.size() == 3);
}

TEST_CASE("a third VLAN tag is beyond the parser and not IP") {
    auto frame = build_frame(udp("10.1.0.1", 1, "10.1.0.2", 2));
    // Insert a third 802.1Q tag after the MAC addresses.
    const std::vector<std::uint8_t> tag = {0x81, 0x00, 0x00, 0x01};
    auto spec = udp("10.1.0.1", 1, "10.1.0.2", 2);
    spec.vlans = {1, 2};
    frame = build_frame(spec);
    frame.insert(frame.begin() + 12, tag.begin(), tag.end());
    CHECK(status_of(frame) == DecodeStatus::NotIp);
}

TEST_CASE("IPv4 options move the L4 header") {
    auto spec = tcp("10.0.0.1", 1111, "10.0.0.2", 443, 0x02);
    spec.ip_options = {0x01, 0x01, 0x01, 0x00, 0x07, 0x04, 0x00, 0x00};  // NOP NOP NOP EOL, RR
    const auto p = decode_ok(build_frame(spec));
    CHECK(p.src_port == 1111);
    CHECK(p.dst_port == 443);
}

TEST_CASE("IPv4 fragments: the first has L4, later ones do not") {
    auto spec = udp("10.0.0.1", 1000, "10.0.0.2", 2000, std::vector<std::uint8_t>(40, 'x'));
    spec.more_fragments = true;
    auto p = decode_ok(build_frame(spec));
    CHECK(p.has_l4);
    CHECK_FALSE(p.fragment);
    CHECK(p.dst_port == 2000);

    spec.fragment_offset = 6;
    p = decode_ok(build_frame(spec));
    CHECK(p.fragment);
    CHECK_FALSE(p.has_l4);
    CHECK(p.dst_port == 0);
    CHECK(p.ip_proto == 17);
}

TEST_CASE("IPv6 with extension headers") {
    auto spec = tcp("fd00::1", 5000, "fd00::2", 443, 0x02);
    spec.ipv6_ext = {{0, 8}, {60, 16}, {43, 24}, {51, 12 + 4}};
    const auto p = decode_ok(build_frame(spec));
    CHECK(p.src == ip("fd00::1"));
    CHECK(p.ip_proto == 6);
    CHECK(p.src_port == 5000);
    CHECK(p.dst_port == 443);
}

TEST_CASE("IPv6: six extension headers parse, a seventh is too many") {
    auto spec = udp("fd00::1", 1, "fd00::2", 53, bytes("q"));
    spec.ipv6_ext = {{0, 8}, {60, 8}, {43, 8}, {60, 8}, {60, 8}, {60, 8}};
    CHECK(decode_ok(build_frame(spec)).dst_port == 53);
    spec.ipv6_ext.push_back({60, 8});
    CHECK(status_of(build_frame(spec)) == DecodeStatus::Malformed);
}

TEST_CASE("IPv6 fragment header: offset zero has L4, non-zero does not") {
    auto spec = udp("fd00::1", 7, "fd00::2", 9, bytes("data"));
    spec.ipv6_fragment_header = true;
    spec.more_fragments = true;
    auto p = decode_ok(build_frame(spec));
    CHECK(p.has_l4);
    CHECK(p.dst_port == 9);
    spec.fragment_offset = 100;
    p = decode_ok(build_frame(spec));
    CHECK(p.fragment);
    CHECK_FALSE(p.has_l4);
}

TEST_CASE("ICMP and ICMPv6 carry type and code") {
    auto p = decode_ok(build_frame(icmp_echo("10.0.0.1", "10.0.0.2")));
    CHECK(p.ip_proto == 1);
    CHECK(p.icmp_type == 8);
    CHECK(p.has_l4);
    p = decode_ok(build_frame(icmp_echo("fd00::1", "fd00::2")));
    CHECK(p.ip_proto == 58);
    CHECK(p.icmp_type == 128);
}

TEST_CASE("non-IP frames") {
    std::vector<std::uint8_t> arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
                                     0,    0,    0,    0,    1,    0x08, 0x06};
    arp.resize(42, 0);
    CHECK(status_of(arp) == DecodeStatus::NotIp);
}

TEST_CASE("every truncation of a valid frame is rejected or decoded, never read past the end") {
    for (const auto& spec : {tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x18, "payload"),
                             udp("fd00::1", 1, "fd00::2", 53, bytes("abcd"))}) {
        auto full = build_frame(spec);
        for (std::size_t len = 0; len < full.size(); ++len) {
            // A heap copy of exactly `len` bytes lets the sanitizer catch any over-read.
            std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(len));
            Packet p;
            const auto status = decode_frame(cut, p);
            if (status == DecodeStatus::Ok) {
                CHECK(p.payload.size() <= cut.size());
            }
        }
    }
    // Headers cut inside each layer.
    const auto frame = build_frame(tcp("10.0.0.1", 1, "10.0.0.2", 2));
    CHECK(status_of({frame.begin(), frame.begin() + 10}) == DecodeStatus::Malformed);  // Ethernet
    CHECK(status_of({frame.begin(), frame.begin() + 30}) == DecodeStatus::Malformed);  // IPv4
    CHECK(status_of({frame.begin(), frame.begin() + 40}) == DecodeStatus::Malformed);  // TCP
}

TEST_CASE("inconsistent headers are malformed") {
    auto frame = build_frame(tcp("10.0.0.1", 1, "10.0.0.2", 2));
    auto bad_ihl = frame;
    bad_ihl[14] = 0x44;  // IHL 4 < 5
    CHECK(status_of(bad_ihl) == DecodeStatus::Malformed);
    auto bad_version = frame;
    bad_version[14] = 0x65;
    CHECK(status_of(bad_version) == DecodeStatus::Malformed);
    auto bad_doff = frame;
    bad_doff[14 + 20 + 12] = 0x30;  // TCP data offset 12 bytes
    CHECK(status_of(bad_doff) == DecodeStatus::Malformed);
}

TEST_CASE("PPPoE session frames carry IPv4 and IPv6; PPP control frames are not IP") {
    const auto pppoe = [](std::vector<std::uint8_t> frame, std::uint16_t ppp_proto) {
        // Ethernet type -> 0x8864, then version/type, code, session id, length, PPP protocol.
        const auto ip_bytes = static_cast<std::uint16_t>(frame.size() - 14 + 2);
        frame[12] = 0x88;
        frame[13] = 0x64;
        const std::vector<std::uint8_t> head = {0x11,
                                                0x00,
                                                0x12,
                                                0x34,
                                                static_cast<std::uint8_t>(ip_bytes >> 8),
                                                static_cast<std::uint8_t>(ip_bytes),
                                                static_cast<std::uint8_t>(ppp_proto >> 8),
                                                static_cast<std::uint8_t>(ppp_proto)};
        frame.insert(frame.begin() + 14, head.begin(), head.end());
        return frame;
    };
    auto p = decode_ok(pppoe(build_frame(tcp("10.0.0.1", 1, "10.0.0.2", 443)), 0x0021));
    CHECK(p.dst == ip("10.0.0.2"));
    CHECK(p.dst_port == 443);
    p = decode_ok(pppoe(build_frame(udp("fd00::1", 1, "fd00::2", 53)), 0x0057));
    CHECK(p.dst == ip("fd00::2"));
    CHECK(p.dst_port == 53);
    CHECK(status_of(pppoe(build_frame(udp("10.0.0.1", 1, "10.0.0.2", 2)), 0xc021)) ==
          DecodeStatus::NotIp);  // LCP
    auto cut = pppoe(build_frame(udp("10.0.0.1", 1, "10.0.0.2", 2)), 0x0021);
    cut.resize(18);
    CHECK(status_of(cut) == DecodeStatus::Malformed);
}
