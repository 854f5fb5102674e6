#include "frame_builder.h"

#include <cstdio>
#include <cstdlib>

namespace spoor::test {
namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void put_addr(std::vector<std::uint8_t>& out, const IpAddress& a) {
    out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + (a.is_v4() ? 4 : 16));
}

std::vector<std::uint8_t> l4_segment(const FrameSpec& s) {
    std::vector<std::uint8_t> l4;
    switch (s.proto) {
        case 6:
            put16(l4, s.sport);
            put16(l4, s.dport);
            l4.insert(l4.end(), {0, 0, 0, 1, 0, 0, 0, 0});  // seq, ack
            l4.push_back(5 << 4);                           // data offset: 20 bytes
            l4.push_back(s.tcp_flags);
            put16(l4, 65535);
            l4.insert(l4.end(), {0, 0, 0, 0});  // checksum, urgent pointer
            break;
        case 17:
            put16(l4, s.sport);
            put16(l4, s.dport);
            put16(l4, static_cast<std::uint16_t>(8 + s.payload.size()));
            put16(l4, 0);
            break;
        case 1:
        case 58:
            l4.insert(l4.end(), {s.icmp_type, s.icmp_code, 0, 0, 0, 1, 0, 1});
            break;
        default:
            break;
    }
    l4.insert(l4.end(), s.payload.begin(), s.payload.end());
    return l4;
}

}  // namespace

IpAddress ip(std::string_view text) {
    auto a = IpAddress::parse(text);
    if (!a) {
        std::fprintf(stderr, "bad test address %.*s\n", static_cast<int>(text.size()), text.data());
        std::abort();
    }
    return *a;
}

std::vector<std::uint8_t> bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

std::vector<std::uint8_t> build_frame(const FrameSpec& s) {
    std::vector<std::uint8_t> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    const bool v4 = s.src.is_v4();
    for (std::size_t i = 0; i < s.vlans.size(); ++i) {
        put16(f, i == 0 && s.vlans.size() > 1 ? 0x88a8 : 0x8100);
        put16(f, s.vlans[i]);
    }
    put16(f, v4 ? 0x0800 : 0x86dd);

    // Non-first fragments carry only payload bytes, no L4 header.
    const bool later_fragment = s.fragment_offset != 0;
    auto l4 = later_fragment ? s.payload : l4_segment(s);
    if (v4) {
        const auto ihl = static_cast<std::uint8_t>(5 + s.ip_options.size() / 4);
        f.push_back(static_cast<std::uint8_t>(0x40 | ihl));
        f.push_back(0);
        put16(f, static_cast<std::uint16_t>(ihl * 4 + l4.size()));
        put16(f, 0x1234);
        put16(f, static_cast<std::uint16_t>((s.more_fragments ? 0x2000 : 0) | s.fragment_offset));
        f.push_back(64);
        f.push_back(s.proto);
        put16(f, 0);
        put_addr(f, s.src);
        put_addr(f, s.dst);
        f.insert(f.end(), s.ip_options.begin(), s.ip_options.end());
    } else {
        std::vector<std::uint8_t> ext;
        // Chain: the listed extension headers, then an optional fragment header, then L4.
        std::vector<std::pair<std::uint8_t, std::uint16_t>> chain = s.ipv6_ext;
        if (s.ipv6_fragment_header) {
            chain.push_back({44, 8});
        }
        for (std::size_t i = 0; i < chain.size(); ++i) {
            const std::uint8_t next = i + 1 < chain.size() ? chain[i + 1].first : s.proto;
            const auto [code, len] = chain[i];
            std::vector<std::uint8_t> h(len, 0);
            h[0] = next;
            if (code == 44) {
                const auto off = static_cast<std::uint16_t>((s.fragment_offset << 3) |
                                                            (s.more_fragments ? 1 : 0));
                h[2] = static_cast<std::uint8_t>(off >> 8);
                h[3] = static_cast<std::uint8_t>(off);
            } else if (code == 51) {
                h[1] = static_cast<std::uint8_t>(len / 4 - 2);
            } else {
                h[1] = static_cast<std::uint8_t>(len / 8 - 1);
            }
            ext.insert(ext.end(), h.begin(), h.end());
        }
        f.insert(f.end(), {0x60, 0, 0, 0});
        put16(f, static_cast<std::uint16_t>(ext.size() + l4.size()));
        f.push_back(chain.empty() ? s.proto : chain.front().first);
        f.push_back(64);
        put_addr(f, s.src);
        put_addr(f, s.dst);
        f.insert(f.end(), ext.begin(), ext.end());
    }
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
}

FrameSpec tcp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::uint8_t flags, std::string_view payload) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = 6;
    s.sport = sport;
    s.dport = dport;
    s.tcp_flags = flags;
    s.payload = bytes(payload);
    return s;
}

FrameSpec udp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::vector<std::uint8_t> payload) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = 17;
    s.sport = sport;
    s.dport = dport;
    s.payload = std::move(payload);
    return s;
}

FrameSpec icmp_echo(std::string_view src, std::string_view dst) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = s.src.is_v4() ? 1 : 58;
    s.icmp_type = s.src.is_v4() ? 8 : 128;
    s.sport = s.dport = 0;
    return s;
}

}  // namespace spoor::test
