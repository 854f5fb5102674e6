// The same classifier decides in the kernel and on the host: a fixture capture
// covering every candidate class and trail kind gives byte-identical records
// through HostClassifier and through the XDP program (BPF_PROG_TEST_RUN), and
// `spoor replay` writes byte-identical alerts with and without --kernel.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "app/options.h"
#include "capture/host_classifier.h"
#include "capture/pcap_source.h"
#include "frame_builder.h"
#include "harness.h"
#include "support/pcap_file.h"
#include "support/test_support.h"
#include "trails/loader.h"

using namespace spoor;
using namespace spoor::test;

namespace {

constexpr std::uint64_t kMs = 1'000'000ull;
constexpr std::uint64_t kT0 = 1'780'000'000'000'000'000ull;

const char* kTrails = "10.66.0.1\n10.77.0.0/24\n10.55.0.1:4444\nfd66::1\nfd77::/64\n10.88.0.0/14\n";

FrameSpec with_payload(FrameSpec spec, std::vector<std::uint8_t> payload) {
    spec.payload = std::move(payload);
    return spec;
}

std::vector<std::uint8_t> pppoe(std::vector<std::uint8_t> frame) {
    const auto len = static_cast<std::uint16_t>(frame.size() - 14 + 2);
    frame[12] = 0x88;
    frame[13] = 0x64;
    const std::vector<std::uint8_t> head = {
        0x11, 0,   0, 1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len),
        0x00, 0x21};
    frame.insert(frame.begin() + 14, head.begin(), head.end());
    return frame;
}

// Every candidate class and trail kind, repeats for dedup and follow-ups, hostile frames.
std::vector<TimedFrame> fixture() {
    std::vector<FrameSpec> specs = {
        tcp("10.1.0.1", 40000, "10.66.0.1", 443, 0x02),         // SYN to a listed IP
        tcp("10.66.0.1", 443, "10.1.0.1", 40000, 0x12),         // its answer: deduplicated
        tcp("10.1.0.1", 40000, "10.66.0.1", 443, 0x10),         // mid-flow: deduplicated
        tcp("10.66.0.1", 80, "10.1.0.9", 41000, 0x10),          // from a listed IP
        tcp("10.1.0.1", 40001, "10.77.0.5", 80, 0x02),          // CIDR /24
        tcp("10.1.0.1", 40002, "10.91.255.1", 80, 0x10),        // CIDR /14, far bucket
        tcp("10.1.0.1", 40003, "10.55.0.1", 4444, 0x02),        // IP:port
        tcp("10.1.0.1", 40004, "10.55.0.1", 4445, 0x02),        // same IP, other port
        udp("10.1.0.1", 40005, "10.55.0.1", 4444, bytes("u")),  // IP:port over UDP
        tcp("fd00::1", 40006, "fd66::1", 443, 0x02),            // IPv6 exact
        tcp("fd00::1", 40007, "fd77::99", 443, 0x02),           // IPv6 CIDR
        icmp_echo("10.1.0.1", "10.66.0.1"),                     // ICMP to a listed IP
        udp("10.1.0.1", 53000, "10.1.0.53", 53, bytes("\x12\x34\x01\x00\x00\x01")),  // DNS
        tcp("10.1.0.1", 53001, "10.1.0.53", 53, 0x18, "\x00\x1c\x12\x34"),           // DNS over TCP
        tcp("10.1.0.1", 1, "10.1.0.2", 22, 0x00),                                    // NULL probe
        tcp("10.1.0.1", 2, "10.1.0.2", 22, 0x01),                                    // FIN probe
        tcp("10.1.0.1", 3, "10.1.0.2", 22, 0x29),                                    // XMAS probe
        tcp("10.1.0.1", 40010, "10.1.0.2", 80, 0x18, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        tcp("10.1.0.2", 80, "10.1.0.1", 40010, 0x18, "HTTP/1.1 200 OK\r\n\r\n"),
        tcp("10.1.0.1", 40011, "10.1.0.2", 80, 0x18, "GET /long HTTP/1.1\r\nHost: a\r\n"),
        tcp("10.1.0.1", 40011, "10.1.0.2", 80, 0x18, "User-Agent: b\r\n\r\n"),  // follow-up
        tcp("10.1.0.1", 40020, "10.1.0.2", 443, 0x18),  // TLS hello, one segment
        tcp("10.1.0.1", 40021, "10.1.0.2", 443, 0x18),  // TLS hello, first of two
        tcp("10.1.0.1", 40021, "10.1.0.2", 443, 0x18, std::string(500, 'c')),  // ...second
        udp("10.1.0.1", 50000, "10.1.0.2", 443,
            {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0}),                  // QUIC Initial
        tcp("10.1.0.1", 40030, "10.1.0.2", 443, 0x10, std::string(1400, 'd')),  // bulk: stays
        udp("10.1.0.1", 40040, "10.1.0.2", 5000, bytes("first")),               // new UDP triple
        udp("10.1.0.1", 40041, "10.1.0.2", 5000, bytes("again")),  // same triple: stays
    };
    // A post-quantum-sized hello over two segments: the second is a follow-up.
    const auto [first, second] =
        split_segment(with_payload(tcp("10.1.0.1", 40021, "10.1.0.2", 443, 0x18),
                                   tls_client_hello("split.example.com", 1800)),
                      1400);
    specs.push_back(first);
    specs.push_back(second);
    // DNS over TCP.
    specs.push_back(with_payload(tcp("10.1.0.1", 53001, "10.1.0.53", 53, 0x18),
                                 dns_over_tcp(dns_query("b.example.com", 28, 8))));
    auto vlan = tcp("10.1.0.1", 40050, "10.66.0.1", 8080, 0x02);
    vlan.vlans = {100};
    specs.push_back(vlan);
    auto qinq = tcp("10.1.0.1", 40051, "10.66.0.1", 8080, 0x02);
    qinq.vlans = {200, 300};
    specs.push_back(qinq);
    auto fragment = udp("10.1.0.1", 1, "10.66.0.1", 2, std::vector<std::uint8_t>(16, 'f'));
    fragment.fragment_offset = 10;
    specs.push_back(fragment);

    std::vector<TimedFrame> frames;
    std::uint64_t t = kT0;
    for (const auto& s : specs) {
        frames.push_back({t += kMs, build_frame(s)});
    }
    frames.push_back({t += kMs, pppoe(build_frame(tcp("10.1.0.1", 40060, "10.66.0.1", 25, 0x02)))});
    auto cut = build_frame(tcp("10.1.0.1", 1, "10.66.0.1", 80, 0x02));
    cut.resize(30);
    frames.push_back({t += kMs, cut});  // truncated IPv4 header
    std::vector<std::uint8_t> arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    frames.push_back({t += kMs, arp});  // not IP
    // After the dedup window the first flow reports again.
    frames.push_back(
        {t + 61'000 * kMs, build_frame(tcp("10.1.0.1", 40000, "10.66.0.1", 443, 0x10))});
    return frames;
}

std::string read_all(const std::filesystem::path& dir) {
    std::string text;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(e.path());
        text += std::string(std::istreambuf_iterator<char>(in), {});
    }
    return text;
}

}  // namespace

TEST_CASE("host classifier and XDP program produce identical records for the fixture") {
    TempDir dir;
    const auto trails_path = dir.write("lab.txt", kTrails);
    trails::LoadReport report;
    const auto set = trails::load_trails({trails_path}, report);
    write_pcap(dir.path() / "fixture.pcap", fixture());

    capture::HostClassifier host(trails::store_of(set), {});
    SensorHarness kernel;
    kernel.install(set);
    capture::PcapSource source((dir.path() / "fixture.pcap").string());
    capture::CapturedFrame frame;
    std::vector<std::uint8_t> host_record;
    std::size_t packets = 0, records = 0;
    std::uint32_t reasons_seen = 0;
    while (source.next(frame)) {
        ++packets;
        const bool host_has = host.classify(frame.frame, frame.timestamp_ns, host_record);
        const auto out = kernel.run(frame.frame, frame.timestamp_ns);
        INFO("packet ", packets);
        REQUIRE(out.records.size() == (host_has ? 1u : 0u));
        if (!host_has) {
            continue;
        }
        ++records;
        spoor_record h;
        std::memcpy(&h, host_record.data(), sizeof(h));
        auto k = out.records.front().header;
        k.ifindex = h.ifindex;  // the test-run device is not an interface of ours
        CHECK(std::memcmp(&h, &k, sizeof(h)) == 0);
        CHECK(std::vector<std::uint8_t>(host_record.begin() + sizeof(h), host_record.end()) ==
              out.records.front().data);
        reasons_seen |= h.reasons;
    }
    CHECK(packets == fixture().size());
    CHECK(reasons_seen == (1u << SPOOR_REASON_COUNT) - 1);  // every class is in the fixture
    const auto kernel_counters = kernel.object().read_counters();
    for (int c = 0; c < SPOOR_CNT_MAX; ++c) {
        if (c == SPOOR_CNT_RING_FULL) {
            continue;
        }
        INFO("counter ", bpf::counter_name(c));
        // The harness created the object for this test alone, so totals compare directly.
        CHECK(host.counters().c[c] == kernel_counters[c]);
    }
    MESSAGE(packets << " packets, " << records << " records identical on both paths");
}

TEST_CASE("spoor replay and spoor replay --kernel write the same alerts") {
    TempDir dir;
    const auto trails_path = dir.write("lab.txt", kTrails).string();
    const auto capture = (dir.path() / "fixture.pcap").string();
    write_pcap(capture, fixture());
    app::ReplayOptions o;
    o.captures = {capture};
    o.trails = {trails_path};
    o.sensor_name = "parity";
    o.analysis.throttle_alerts = 0;  // every alert compared, none summed up
    o.log_dir = (dir.path() / "host").string();
    REQUIRE(app::run_replay(o) == 0);
    o.kernel = true;
    o.log_dir = (dir.path() / "kernel").string();
    REQUIRE(app::run_replay(o) == 0);
    const auto host = read_all(dir.path() / "host");
    CHECK(host == read_all(dir.path() / "kernel"));
    CHECK(std::count(host.begin(), host.end(), '\n') >= 14);
}
