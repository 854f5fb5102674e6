// Scan heuristics (port scan, UDP scan, infection spread) and the local networks they read:
// thresholds at their limit and one past it, the sliding window, what never counts, and the
// bounds of their state under floods.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "detect/local_networks.h"
#include "detect/scan_heuristics.h"
#include "frame_builder.h"

using namespace spoor;
using namespace spoor::test;

namespace {

constexpr std::uint64_t kT0 = 1'780'000'000'000'000'000ull;
constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint8_t kSyn = 0x02;

proto::Packet decode(const FrameSpec& spec, std::vector<std::uint8_t>& frame) {
    frame = build_frame(spec);
    proto::Packet packet;
    REQUIRE(proto::decode_frame(frame, packet) == proto::DecodeStatus::Ok);
    return packet;
}

// 10.a.b.c from a number: as many distinct addresses as a flood needs.
IpAddress ten_net(std::uint32_t n) {
    const std::uint8_t bytes[4] = {10, static_cast<std::uint8_t>(n >> 16),
                                   static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    return IpAddress::from_bytes(4, bytes);
}

struct Fixture {
    detect::ScanHeuristics scans;
    std::vector<detect::Alert> alerts;
    std::vector<std::uint8_t> frame;

    explicit Fixture(detect::ScanConfig config = {}, detect::LocalNetworks local = {})
        : scans(std::move(config), std::move(local)) {}

    // Returns the number of alerts the packet added.
    std::size_t see(const FrameSpec& spec, std::uint64_t time = kT0) {
        const std::size_t before = alerts.size();
        scans.observe(decode(spec, frame), time, "eth0", alerts);
        return alerts.size() - before;
    }

    // SYNs (or other probes) from src to dst on ports first..last, all at `time`; the alerts
    // they added.
    std::size_t tcp_ports(std::string_view src, std::string_view dst, std::uint16_t first,
                          std::uint16_t last, std::uint64_t time = kT0, std::uint8_t flags = kSyn) {
        std::size_t added = 0;
        for (unsigned port = first; port <= last; ++port) {
            added += see(tcp(src, 41000, dst, static_cast<std::uint16_t>(port), flags), time);
        }
        return added;
    }

    std::size_t udp_ports(std::string_view src, std::string_view dst, std::uint16_t first,
                          std::uint16_t last, std::uint64_t time = kT0) {
        std::size_t added = 0;
        for (unsigned port = first; port <= last; ++port) {
            added += see(udp(src, 41000, dst, static_cast<std::uint16_t>(port)), time);
        }
        return added;
    }

    // SYNs from src to `count` hosts prefix+1.. on `port`.
    std::size_t syn_hosts(std::string_view src, std::string_view prefix, unsigned count,
                          std::uint16_t port, std::uint64_t time = kT0) {
        std::size_t added = 0;
        for (unsigned host = 1; host <= count; ++host) {
            const std::string dst = std::string(prefix) + std::to_string(host);
            added += see(tcp(src, 41000, dst, port), time);
        }
        return added;
    }
};

void check_classified(const detect::Alert& a, int severity) {
    CHECK(a.reference == "(heuristic)");
    CHECK(a.detector == "heuristic");
    CHECK(a.severity == severity);
    CHECK(a.category == detect::category_for(severity));
    CHECK(a.signature == "SPOOR " + a.trail_type + " " + a.info);
    CHECK(a.signature_id == detect::signature_id_for(a.trail_type, a.info));
    CHECK(a.in_iface == "eth0");
}

}  // namespace

// ---- port scan ----

TEST_CASE("port scan: ten ports stay silent, the eleventh alerts once, with its fields") {
    Fixture f;
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 10) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + 7) == 1);
    const auto& a = f.alerts.at(0);
    CHECK(a.trail_type == "IP");
    CHECK(a.trail == "10.1.0.5");
    CHECK(a.info == "potential port scanning");
    CHECK(a.matched_field == "src_ip");
    CHECK(a.src == ip("10.1.0.5"));
    CHECK(a.dst == ip("10.1.0.9"));
    CHECK(a.src_port == 41000);
    CHECK(a.dst_port == 11);
    CHECK(a.ip_proto == 6);
    CHECK(a.timestamp_ns == kT0 + 7);
    check_classified(a, 3);  // "scanning": Detection of a Network Scan

    // The rest of the scan, inside the window: the key stays silent.
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 12, 500, kT0 + 5 * kSecond) == 0);
    const auto stats = f.scans.stats().port_scan;
    CHECK(stats.events == 500);
    CHECK(stats.alerts == 1);
    CHECK(stats.keys == 1);
    CHECK(stats.items == 500);
    CHECK(stats.keys_evicted == 0);
    CHECK(stats.items_evicted == 0);
}

TEST_CASE("port scan: repeats of a port do not count, and each key counts apart") {
    Fixture f;
    for (int round = 0; round < 5; ++round) {
        CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 10) == 0);
    }
    // The same ports on another host, and from another source: other keys.
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.10", 1, 10) == 0);
    CHECK(f.tcp_ports("10.1.0.6", "10.1.0.9", 11, 20) == 0);
    CHECK(f.alerts.empty());
    CHECK(f.scans.stats().port_scan.keys == 3);
    CHECK(f.scans.stats().port_scan.items == 30);
}

TEST_CASE("port scan: NULL, FIN and XMAS probes count; bare ACKs, SYN-ACKs and resets never") {
    Fixture f;
    const std::uint8_t probes[] = {0x00, 0x01, 0x29, 0x02, 0x03};  // NULL, FIN, XMAS, SYN, SYN+FIN
    std::uint16_t port = 1;
    for (int i = 0; i < 10; ++i) {
        CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", port++, probes[i % 5])) == 0);
    }
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", port++, 0x29)) == 1);  // XMAS, the 11th

    // Answers and resets from many ports of a busy host: no scan.
    for (const std::uint8_t flags : {0x10, 0x12, 0x04, 0x14, 0x18, 0x11}) {
        CHECK(f.tcp_ports("10.1.0.20", "10.1.0.21", 1, 100, kT0, flags) == 0);
    }
    CHECK(f.scans.stats().port_scan.events == 11);
}

TEST_CASE("port scan: ports older than the window drop out") {
    Fixture f;
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 5, kT0) == 0);
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 6, 10, kT0 + 20 * kSecond) == 0);
    // 31 s on: ports 1-5 are out, 6-10 in; 11 makes six.
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + 31 * kSecond) == 0);
    CHECK(f.scans.stats().port_scan.items == 6);
    // Five more make eleven inside the window: the last one alerts, not before.
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 12, 15, kT0 + 35 * kSecond) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 16), kT0 + 35 * kSecond) == 1);
    CHECK(f.alerts.at(0).dst_port == 16);
}

TEST_CASE("port scan: the window's edge, and a repeat keeps its port inside it") {
    Fixture f;
    const std::uint64_t window = detect::ScanConfig{}.window_ns;
    // An item counts while it is younger than the window.
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 10, kT0) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + window - 1) == 1);

    // Port 1 seen again 25 s later is still in the window 40 s after its first sighting.
    Fixture g;
    CHECK(g.see(tcp("10.1.0.5", 41000, "10.1.0.9", 1), kT0) == 0);
    CHECK(g.see(tcp("10.1.0.5", 41000, "10.1.0.9", 1), kT0 + 25 * kSecond) == 0);
    CHECK(g.tcp_ports("10.1.0.5", "10.1.0.9", 2, 10, kT0 + 40 * kSecond) == 0);
    CHECK(g.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + 40 * kSecond) == 1);

    // At exactly a window of age it no longer counts.
    Fixture h;
    CHECK(h.tcp_ports("10.1.0.5", "10.1.0.9", 1, 10, kT0) == 0);
    CHECK(h.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + window) == 0);
}

TEST_CASE("port scan: a key alerts again only once a window has passed since its alert") {
    Fixture f;
    const std::uint64_t window = detect::ScanConfig{}.window_ns;
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 11, kT0) == 1);
    // A scan that goes on: one new port a second, silent for the rest of the window.
    for (std::uint16_t s = 1; s < 30; ++s) {
        CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 100 + s), kT0 + s * kSecond) == 0);
    }
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 200), kT0 + window - 1) == 0);
    // A window after the alert, with 29 ports still inside it: the next new port alerts again.
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 201), kT0 + window) == 1);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 202), kT0 + window + 1) == 0);
    CHECK(f.scans.stats().port_scan.alerts == 2);
}

TEST_CASE("port scan: packets slightly out of order neither underflow nor expire what is new") {
    Fixture f;
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 10, kT0 + 5 * kSecond) == 0);
    // Another key's packet from earlier: the newer key must not look older than a window.
    CHECK(f.see(tcp("10.1.0.6", 41000, "10.1.0.9", 1), kT0) == 0);
    CHECK(f.see(tcp("10.1.0.6", 41000, "10.1.0.9", 2), 1) == 0);  // far in the past
    // A late repeat adds nothing; a late new port is the eleventh.
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 3), kT0 + 4 * kSecond) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.1.0.9", 11), kT0 + 4 * kSecond) == 1);
    CHECK(f.scans.stats().port_scan.keys == 2);
    CHECK(f.scans.stats().port_scan.keys_evicted == 0);
}

// ---- UDP scan ----

TEST_CASE("udp scan: ten ports stay silent, the eleventh alerts once, with its fields") {
    Fixture f;
    CHECK(f.udp_ports("10.1.0.5", "10.1.0.9", 1000, 1009) == 0);
    CHECK(f.see(udp("10.1.0.5", 41000, "10.1.0.9", 1010)) == 1);
    CHECK(f.udp_ports("10.1.0.5", "10.1.0.9", 1011, 1100) == 0);
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail_type == "IP");
    CHECK(a.trail == "10.1.0.5");
    CHECK(a.info == "potential udp scanning");
    CHECK(a.matched_field == "src_ip");
    CHECK(a.ip_proto == 17);
    CHECK(a.dst_port == 1010);
    check_classified(a, 3);
    CHECK(f.scans.stats().udp_scan.alerts == 1);
    CHECK(f.scans.stats().port_scan.events == 0);
}

TEST_CASE("udp scan: DNS never counts, from or to port 53, and repeats do not count") {
    Fixture f;
    // A resolver answering clients on many ports, and a client querying from many ports.
    for (std::uint16_t port = 2000; port < 2100; ++port) {
        CHECK(f.see(udp("10.1.0.53", 53, "10.1.0.5", port)) == 0);
        CHECK(f.see(udp("10.1.0.5", port, "10.1.0.53", 53)) == 0);
    }
    for (int round = 0; round < 3; ++round) {
        CHECK(f.udp_ports("10.1.0.5", "10.1.0.9", 1000, 1009) == 0);
    }
    CHECK(f.scans.stats().udp_scan.events == 30);
    CHECK(f.alerts.empty());
}

// ---- infection ----

TEST_CASE("infection: SYNs from a local host to 32 hosts on 445 stay silent, the 33rd alerts") {
    Fixture f;
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 32, 445) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.3.1.1", 445), kT0 + 3) == 1);
    CHECK(f.syn_hosts("10.1.0.5", "10.3.2.", 100, 445) == 0);
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail_type == "PORT");
    CHECK(a.trail == "445");
    CHECK(a.info == "potential infection");
    CHECK(a.matched_field == "dest_port");
    CHECK(a.src == ip("10.1.0.5"));
    CHECK(a.dst == ip("10.3.1.1"));
    CHECK(a.dst_port == 445);
    CHECK(a.timestamp_ns == kT0 + 3);
    check_classified(a, 2);  // no keyword: Potentially Bad Traffic
    // Each of those hosts saw one port: no port scan.
    CHECK(f.scans.stats().port_scan.alerts == 0);
}

TEST_CASE("infection: each listed port counts apart; repeats and other ports do not count") {
    Fixture f;
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 20, 445) == 0);
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 20, 3389) == 0);  // (src, 3389) is another key
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 20, 445) == 0);   // repeats
    CHECK(f.syn_hosts("10.1.0.5", "10.4.0.", 100, 80) == 0);   // not on the list
    CHECK(f.scans.stats().infection.keys == 2);
    CHECK(f.scans.stats().infection.items == 40);
    CHECK(f.syn_hosts("10.1.0.5", "10.5.0.", 13, 445) == 1);  // 20 + 13 = 33 hosts on 445
    CHECK(f.alerts.at(0).trail == "445");
}

TEST_CASE("infection: only SYNs count: probes without SYN, SYN-ACKs and ACKs never do") {
    Fixture f;
    for (const std::uint8_t flags : {0x00, 0x01, 0x29, 0x12, 0x10, 0x14}) {
        for (unsigned host = 1; host <= 40; ++host) {
            f.see(tcp("10.1.0.5", 41000, "10.3.0." + std::to_string(host), 445, flags));
        }
    }
    CHECK(f.alerts.empty());
    CHECK(f.scans.stats().infection.events == 0);
}

TEST_CASE("infection: a source outside the local networks never triggers it") {
    Fixture f;
    CHECK(f.syn_hosts("198.51.100.7", "10.3.0.", 100, 445) == 0);
    CHECK(f.syn_hosts("2001:db8::7", "2001:db8:1::", 100, 445) == 0);
    CHECK(f.scans.stats().infection.events == 0);
}

TEST_CASE("infection: custom local prefixes decide which sources are local") {
    Fixture f({}, detect::LocalNetworks({"10.9.0.0/16"}));
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 100, 445) == 0);  // external here
    CHECK(f.syn_hosts("10.9.3.4", "10.3.0.", 32, 445) == 0);
    CHECK(f.see(tcp("10.9.3.4", 41000, "10.3.1.1", 445)) == 1);
    CHECK(f.alerts.at(0).src == ip("10.9.3.4"));

    // Nothing local: no source is.
    Fixture none({}, detect::LocalNetworks(std::vector<std::string>{}));
    CHECK(none.syn_hosts("10.9.3.4", "10.3.0.", 100, 445) == 0);
}

TEST_CASE("infection: custom port list and threshold") {
    detect::ScanConfig config;
    config.infection_ports = {2222};
    config.infection_hosts = 3;
    Fixture f(config);
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 10, 445) == 0);  // no longer listed
    CHECK(f.syn_hosts("10.1.0.5", "10.3.0.", 3, 2222) == 0);
    CHECK(f.see(tcp("10.1.0.5", 41000, "10.3.0.4", 2222)) == 1);
    CHECK(f.alerts.at(0).trail == "2222");
}

// ---- configuration ----

TEST_CASE("scan heuristics: each heuristic can be disabled on its own") {
    detect::ScanConfig config;
    SUBCASE("port scan") {
        config.port_scan = false;
    }
    SUBCASE("udp scan") {
        config.udp_scan = false;
    }
    SUBCASE("infection") {
        config.infection = false;
    }
    Fixture f(config);
    const std::size_t tcp_alerts = f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 11);
    const std::size_t udp_alerts = f.udp_ports("10.1.0.5", "10.1.0.9", 1, 11);
    const std::size_t infection_alerts = f.syn_hosts("10.1.0.6", "10.3.0.", 33, 445);
    CHECK(tcp_alerts == (config.port_scan ? 1 : 0));
    CHECK(udp_alerts == (config.udp_scan ? 1 : 0));
    CHECK(infection_alerts == (config.infection ? 1 : 0));
    const auto stats = f.scans.stats();
    CHECK((stats.port_scan.events == 0) == !config.port_scan);
    CHECK((stats.udp_scan.events == 0) == !config.udp_scan);
    CHECK((stats.infection.events == 0) == !config.infection);
}

TEST_CASE("scan heuristics: thresholds are configurable (more than N fires on N+1)") {
    detect::ScanConfig config;
    config.port_scan_ports = 3;
    config.udp_scan_ports = 0;  // any UDP datagram past DNS
    Fixture f(config);
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 3) == 0);
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 4, 4) == 1);
    CHECK(f.udp_ports("10.1.0.5", "10.1.0.9", 7, 7) == 1);
}

TEST_CASE("scan heuristics: a config that cannot work is refused") {
    const auto refused = [](auto change) {
        detect::ScanConfig config;
        change(config);
        CHECK_THROWS_AS(detect::ScanHeuristics(config, {}), std::invalid_argument);
    };
    refused([](detect::ScanConfig& c) { c.window_ns = 0; });
    refused([](detect::ScanConfig& c) { c.max_keys = 0; });
    refused([](detect::ScanConfig& c) { c.port_scan_ports = 1024; });  // could never fire
    refused([](detect::ScanConfig& c) { c.max_items_per_key = 32; });  // infection: 32 hosts
    refused([](detect::ScanConfig& c) { c.max_items = 100; });
    // A disabled heuristic's threshold is not checked.
    detect::ScanConfig config;
    config.infection = false;
    config.max_items_per_key = 32;
    CHECK_NOTHROW(detect::ScanHeuristics(config, {}));
}

TEST_CASE("scan heuristics: ICMP, fragments and other protocols are ignored") {
    Fixture f;
    for (int i = 0; i < 50; ++i) {
        f.see(icmp_echo("10.1.0.5", "10.1.0.9"));
    }
    FrameSpec fragment = tcp("10.1.0.5", 41000, "10.1.0.9", 80);
    fragment.fragment_offset = 10;
    f.see(fragment);
    const auto stats = f.scans.stats();
    CHECK(stats.port_scan.events + stats.udp_scan.events + stats.infection.events == 0);
}

// ---- IPv6 ----

TEST_CASE("scan heuristics over IPv6: port scan, udp scan and infection") {
    Fixture f;
    CHECK(f.tcp_ports("2001:db8::5", "2001:db8::9", 1, 10) == 0);
    CHECK(f.tcp_ports("2001:db8::5", "2001:db8::9", 11, 11) == 1);
    CHECK(f.alerts.back().trail == "2001:db8::5");
    CHECK(f.alerts.back().info == "potential port scanning");

    CHECK(f.udp_ports("2001:db8::5", "2001:db8::9", 1, 10) == 0);
    CHECK(f.udp_ports("2001:db8::5", "2001:db8::9", 11, 11) == 1);
    CHECK(f.alerts.back().info == "potential udp scanning");

    CHECK(f.syn_hosts("fd00::5", "fd00:1::", 32, 3389) == 0);  // fc00::/7 is local
    CHECK(f.syn_hosts("fd00::5", "fd00:2::", 1, 3389) == 1);
    CHECK(f.alerts.back().trail == "3389");
    CHECK(f.alerts.back().src == ip("fd00::5"));
}

TEST_CASE("scan heuristics: an IPv4 and an IPv6 key with the same bytes are apart") {
    Fixture f;
    // 10.0.0.1 and a00:1:: share their first four bytes; together they would be twelve ports.
    CHECK(f.tcp_ports("10.0.0.1", "10.0.0.2", 1, 6) == 0);
    CHECK(f.tcp_ports("a00:1::", "a00:2::", 7, 12) == 0);
    CHECK(f.scans.stats().port_scan.keys == 2);
}

// ---- bounds ----

TEST_CASE(
    "scan heuristics: a flood of 200,000 sources stays within max_keys; a real scan "
    "in it is still caught") {
    detect::ScanConfig config;
    Fixture f(config);
    std::vector<std::uint8_t> frame;
    // One SYN to 445 from each of 200,000 local sources: a new key in the port scan table and
    // in the infection table each time.
    proto::Packet flood = decode(tcp("10.0.0.1", 41000, "10.1.0.9", 445), frame);
    std::vector<std::uint8_t> scan_frame;
    proto::Packet scan = decode(tcp("10.200.0.7", 41000, "10.1.0.10", 1), scan_frame);
    std::vector<std::uint8_t> spread_frame;
    proto::Packet spread = decode(tcp("10.200.0.8", 41000, "10.1.0.10", 445), spread_frame);

    std::size_t port_scan_alerts = 0;
    std::size_t infection_alerts = 0;
    std::size_t over_bound = 0;
    std::uint64_t time = kT0;
    for (std::uint32_t n = 0; n < 200'000; ++n) {
        time += 1000;  // 0.2 s in all: everything stays inside the window
        flood.src = ten_net(n);
        f.scans.observe(flood, time, "eth0", f.alerts);
        if (n % 1000 == 999) {
            // Every thousandth packet: the scanner's next port, the spreader's next host.
            const std::uint32_t step = n / 1000 + 1;
            scan.dst_port = static_cast<std::uint16_t>(step);
            spread.dst = ten_net(0x10000 + step);
            std::vector<detect::Alert> found;
            f.scans.observe(scan, time, "eth0", found);
            f.scans.observe(spread, time, "eth0", found);
            for (const auto& a : found) {
                port_scan_alerts += a.info == "potential port scanning" ? 1 : 0;
                infection_alerts += a.info == "potential infection" ? 1 : 0;
            }
        }
        const auto stats = f.scans.stats();
        over_bound += stats.port_scan.keys > config.max_keys ? 1 : 0;
        over_bound += stats.infection.keys > config.max_keys ? 1 : 0;
    }
    CHECK(over_bound == 0);
    CHECK(f.alerts.empty());  // the flood alone: one port and one host per key
    CHECK(port_scan_alerts == 1);
    CHECK(infection_alerts == 1);

    const auto stats = f.scans.stats();
    CHECK(stats.port_scan.keys == config.max_keys);
    CHECK(stats.infection.keys == config.max_keys);
    // All keys are live (no window passed), so every one past max_keys was an eviction. Port
    // scan: 200,000 flood keys, the scanner's, and the spreader's 200 (one per host). Infection:
    // 200,000 flood keys, the spreader's, and the scanner's SYNs to 135 and 139 (listed ports).
    CHECK(stats.port_scan.keys_evicted == 200'000 + 1 + 200 - config.max_keys);
    CHECK(stats.infection.keys_evicted == 200'000 + 1 + 2 - config.max_keys);
    CHECK(stats.port_scan.events == 200'000 + 200 + 200);
    CHECK(stats.infection.events == 200'000 + 200 + 2);
    // The scanner's key kept its 200 ports; every other key holds one item.
    CHECK(stats.port_scan.items == config.max_keys - 1 + 200);
    CHECK(stats.infection.items == config.max_keys - 1 + 200);
}

TEST_CASE("port scan: thousands of ports for one key keep at most max_items_per_key") {
    detect::ScanConfig config;
    Fixture f(config);
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 1, 5000) == 1);
    auto stats = f.scans.stats().port_scan;
    CHECK(stats.items == config.max_items_per_key);
    CHECK(stats.items_evicted == 5000 - config.max_items_per_key);
    // The newest ports are the ones kept: a repeat of one adds nothing.
    CHECK(f.tcp_ports("10.1.0.5", "10.1.0.9", 4990, 5000) == 0);
    CHECK(f.scans.stats().port_scan.items_evicted == stats.items_evicted);
    // Another scan meanwhile is still caught.
    CHECK(f.tcp_ports("10.1.0.6", "10.1.0.9", 1, 11) == 1);
    CHECK(f.udp_ports("10.1.0.5", "10.1.0.9", 1, 3000) == 1);
    CHECK(f.scans.stats().udp_scan.items == config.max_items_per_key);
}

TEST_CASE("scan heuristics: the item budget of a table evicts the least recently seen key") {
    detect::ScanConfig config;
    config.max_items = 2048;
    Fixture f(config);
    CHECK(f.tcp_ports("10.1.0.1", "10.1.0.9", 1, 1000) == 1);
    CHECK(f.tcp_ports("10.1.0.2", "10.1.0.9", 1, 1000) == 1);
    CHECK(f.tcp_ports("10.1.0.3", "10.1.0.9", 1, 100) == 1);  // 2100 items wanted
    auto stats = f.scans.stats().port_scan;
    CHECK(stats.items <= config.max_items);
    CHECK(stats.keys == 2);
    CHECK(stats.keys_evicted == 1);
    CHECK(stats.items == 1100);
    // The first source was forgotten, so it counts from nothing again.
    CHECK(f.tcp_ports("10.1.0.1", "10.1.0.9", 1, 10, kT0 + kSecond) == 0);
}

TEST_CASE("scan heuristics: keys whose window has passed are reclaimed, not counted as evicted") {
    detect::ScanConfig config;
    config.max_keys = 10;
    Fixture f(config);
    for (unsigned i = 1; i <= 10; ++i) {
        f.tcp_ports("10.1.0." + std::to_string(i), "10.1.0.200", 1, 5, kT0);
    }
    CHECK(f.scans.stats().port_scan.keys == 10);
    for (unsigned i = 11; i <= 20; ++i) {
        f.tcp_ports("10.1.0." + std::to_string(i), "10.1.0.200", 1, 5, kT0 + 31 * kSecond);
    }
    auto stats = f.scans.stats().port_scan;
    CHECK(stats.keys == 10);
    CHECK(stats.items == 50);
    CHECK(stats.keys_evicted == 0);
    // Now full of live keys: the next new one evicts and counts.
    f.tcp_ports("10.1.0.21", "10.1.0.200", 1, 1, kT0 + 32 * kSecond);
    CHECK(f.scans.stats().port_scan.keys_evicted == 1);
    CHECK(f.scans.stats().port_scan.keys == 10);
}

// ---- local networks ----

TEST_CASE("local networks: the defaults") {
    const detect::LocalNetworks local;
    CHECK(local.size() == detect::LocalNetworks::default_prefixes().size());
    for (const char* inside :
         {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.5.5", "100.64.0.1",
          "100.127.255.255", "127.0.0.1", "169.254.1.1", "::1", "fc00::1", "fd12:3456::1",
          "fe80::1", "febf::1"}) {
        CHECK_MESSAGE(local.contains(ip(inside)), inside);
    }
    for (const char* outside : {"172.15.255.255", "172.32.0.0", "192.169.0.1", "100.63.255.255",
                                "100.128.0.1", "128.0.0.1", "169.255.0.1", "198.51.100.1", "::2",
                                "fec0::1", "fbff::1", "2001:db8::1", "::ffff:198.51.100.1"}) {
        CHECK_MESSAGE(!local.contains(ip(outside)), outside);
    }
    CHECK(!local.contains(IpAddress{}));  // no address at all
}

TEST_CASE("local networks: custom prefixes, bare addresses, host bits and blanks") {
    const detect::LocalNetworks local(
        {"10.9.0.0/16", " 192.168.1.7/24 ", "2001:db8::1", "198.51.100.0/31"});
    CHECK(local.size() == 4);
    CHECK(local.contains(ip("10.9.200.1")));
    CHECK(!local.contains(ip("10.10.0.1")));
    CHECK(!local.contains(ip("172.16.0.1")));  // the defaults are replaced, not extended
    CHECK(local.contains(ip("192.168.1.200")));
    CHECK(!local.contains(ip("192.168.2.1")));
    CHECK(local.contains(ip("2001:db8::1")));
    CHECK(!local.contains(ip("2001:db8::2")));
    CHECK(local.contains(ip("198.51.100.1")));
    CHECK(!local.contains(ip("198.51.100.2")));

    const detect::LocalNetworks all_v4({"0.0.0.0/0"});
    CHECK(all_v4.contains(ip("198.51.100.1")));
    CHECK(!all_v4.contains(ip("::1")));  // a v4 prefix never holds a v6 address
    const detect::LocalNetworks all_v6({"::/0"});
    CHECK(all_v6.contains(ip("2001:db8::1")));
    CHECK(!all_v6.contains(ip("10.0.0.1")));
    CHECK(detect::LocalNetworks(std::vector<std::string>{}).size() == 0);
}

TEST_CASE("local networks: a bad entry is refused with its text in the message") {
    for (const char* bad :
         {"10.0.0.0/33", "fc00::/129", "10.0.0/8", "not-a-prefix", "", "10.0.0.0/", "10.0.0.0/-1",
          "10.0.0.0/8/9", "fe80::/1x", "10.0.0.0 /8", "300.0.0.0/8"}) {
        CAPTURE(bad);
        try {
            detect::LocalNetworks local({"10.0.0.0/8", bad});
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find("'" + std::string(bad) + "'") != std::string::npos);
        }
    }
}

TEST_CASE("scan: a flood of one-probe sources does not push out a scan in progress") {
    detect::ScanConfig config;
    config.max_keys = 100;
    Fixture f(config);
    std::size_t alerts = 0;
    unsigned spoofed = 0;
    for (std::uint16_t port = 1; port <= 11; ++port) {
        alerts += f.see(tcp("10.9.0.1", 41000, "10.2.0.3", port, kSyn));
        // Once the scan has shown two ports, more new sources between two probes than the
        // table holds keys.
        for (int i = 0; i < (port < 2 ? 10 : 300); ++i, ++spoofed) {
            f.see(tcp(
                "10.200." + std::to_string(spoofed / 250) + "." + std::to_string(1 + spoofed % 250),
                40000, "10.2.0.2", 80, kSyn));
        }
    }
    CHECK(alerts == 1);
    CHECK(f.scans.stats().port_scan.keys <= 100);
}

// ---- web scanning ----

TEST_CASE("web scan: ten first path segments stay silent, the eleventh alerts once") {
    Fixture f;
    const auto packet = decode(tcp("10.9.0.1", 41000, "10.1.0.80", 80, 0x18), f.frame);
    const auto path = [&](std::uint64_t segment, std::uint64_t time = kT0) {
        const std::size_t before = f.alerts.size();
        f.scans.observe_http_path(packet, segment, time, "eth0", f.alerts);
        return f.alerts.size() - before;
    };
    for (std::uint64_t segment = 1; segment <= 10; ++segment) {
        CHECK(path(segment) == 0);
        CHECK(path(segment) == 0);  // a repeat adds nothing
    }
    CHECK(path(11) == 1);
    const auto& a = f.alerts.at(0);
    CHECK(a.trail_type == "PATH");
    CHECK(a.trail == "*");
    CHECK(a.info == "potential web scanning");
    CHECK(a.heuristic == "web-scan");
    CHECK(a.app_proto == "http");
    CHECK(a.matched_field == "http.url");
    check_classified(a, 3);                    // "scanning"
    CHECK(path(12) == 0);                      // once per window
    CHECK(path(13, kT0 + 31 * kSecond) == 0);  // the window slid past the first ten
    CHECK(f.scans.stats().web_scan.alerts == 1);

    detect::ScanConfig off;
    off.web_scan = false;
    Fixture g(off);
    for (std::uint64_t segment = 1; segment <= 20; ++segment) {
        g.scans.observe_http_path(packet, segment, kT0, "eth0", g.alerts);
    }
    CHECK(g.alerts.empty());
}
