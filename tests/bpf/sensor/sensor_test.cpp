// The XDP and TC programs under BPF_PROG_TEST_RUN: trail hits on both sides,
// misses, every candidate class, per-flow dedup, verdicts and counters.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "harness.h"
#include "frame_builder.h"

using namespace spoor;
using namespace spoor::test;
using trails::IndicatorKind;
using trails::SourceRank;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint64_t kT0 = 1000 * kSecond;

// One record id per info so a hit's trail_id says which trail matched.
trails::TrailSet fixture_trails() {
    trails::TrailSet set;
    set.add(IndicatorKind::Ip, "10.66.0.1", {"exact v4 (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "fd66::1", {"exact v6 (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Cidr, "10.77.0.0/24", {"cidr24", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::Cidr, "10.88.0.0/14", {"cidr14", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::Cidr, "fd77::/64", {"cidr v6 64", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::Cidr, "fd99::/16", {"cidr v6 16", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::IpPort, "10.55.0.1:4444", {"ipport", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::IpPort, "[fd55::1]:8443", {"ipport v6", "(static)"},
            SourceRank::StaticTop);
    // Listed both exactly and with a port: the port match is the more specific one.
    set.add(IndicatorKind::Ip, "10.44.0.1", {"exact both", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::IpPort, "10.44.0.1:443", {"port both", "(static)"},
            SourceRank::StaticTop);
    return set;
}

struct Fixture {
    trails::TrailSet trails = fixture_trails();
    SensorHarness sensor;
    Fixture() { sensor.install(trails); }

    std::string info_of(const spoor_hit& hit) const { return trails.record(hit.trail_id).info; }
    Outcome run(const FrameSpec& spec, std::uint64_t t = kT0, bpf::Hook hook = bpf::Hook::Xdp) {
        const auto frame = build_frame(spec);
        return sensor.run(frame, t, hook);
    }
};

// A mid-flow ACK: no candidate reason, so only a trail hit can make a record.
FrameSpec ack(std::string_view src, std::uint16_t sport, std::string_view dst,
              std::uint16_t dport) {
    return tcp(src, sport, dst, dport, 0x10);
}

}  // namespace

TEST_CASE("a miss stays in the kernel and passes") {
    Fixture f;
    const auto out = f.run(ack("10.1.0.1", 40000, "10.1.0.2", 22));
    CHECK(out.verdict == XDP_PASS);
    CHECK(out.records.empty());
    CHECK(out.counter(SPOOR_CNT_PACKETS) == 1);
    CHECK(out.counter(SPOOR_CNT_HITS) == 0);
    CHECK(out.counter(SPOOR_CNT_RECORDS) == 0);
}

TEST_CASE("exact IPv4 hit on the destination and on the source") {
    Fixture f;
    const auto spec = ack("10.1.0.1", 40000, "10.66.0.1", 80);
    auto out = f.run(spec);
    const auto& rec = out.only_record();
    CHECK(rec.header.reasons == SPOOR_REASON_HIT);
    CHECK(rec.header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IP);
    CHECK(rec.header.hits[SPOOR_SIDE_DST].prefix_len == 32);
    CHECK(f.info_of(rec.header.hits[SPOOR_SIDE_DST]) == "exact v4 (malware)");
    CHECK(rec.header.hits[SPOOR_SIDE_SRC].kind == SPOOR_HIT_NONE);
    CHECK(rec.header.generation == 0);
    CHECK(rec.header.timestamp_ns == kT0);
    CHECK(rec.header.direction == SPOOR_DIR_INGRESS);
    CHECK(rec.data == build_frame(spec));  // whole frame under the snaplen
    CHECK(out.counter(SPOOR_CNT_HITS) == 1);
    CHECK(out.counter(SPOOR_CNT_REASON_HIT) == 1);

    out = f.run(ack("10.66.0.1", 80, "10.1.0.9", 40001));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_SRC].kind == SPOOR_HIT_IP);
}

TEST_CASE("CIDR hits: a /24, a /14 spanning many filter buckets, IPv6 /64 and /16") {
    Fixture f;
    auto out = f.run(ack("10.1.0.1", 1000, "10.77.0.200", 80));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_CIDR);
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].prefix_len == 24);
    CHECK(f.info_of(out.only_record().header.hits[SPOOR_SIDE_DST]) == "cidr24");

    out = f.run(ack("10.91.255.7", 1000, "10.1.0.1", 80));  // last /24 of 10.88.0.0/14
    CHECK(out.only_record().header.hits[SPOOR_SIDE_SRC].prefix_len == 14);
    CHECK(f.run(ack("10.92.0.1", 1000, "10.1.0.1", 80)).records.empty());  // just past it

    out = f.run(ack("fd77::abcd", 1000, "fd00::1", 80));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_SRC].prefix_len == 64);
    out = f.run(ack("fd00::1", 1000, "fd99:1234::1", 80));  // shorter than the hashed /48
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].prefix_len == 16);
}

TEST_CASE("exact IPv6 hit") {
    Fixture f;
    const auto out = f.run(ack("fd00::5", 1000, "fd66::1", 443));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IP);
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].prefix_len == 128);
}

TEST_CASE("IP:port matches TCP and UDP on that port only") {
    Fixture f;
    auto out = f.run(ack("10.1.0.1", 40000, "10.55.0.1", 4444));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IPPORT);
    out = f.run(udp("10.1.0.1", 40000, "10.55.0.1", 4444));
    CHECK((out.only_record().header.reasons & SPOOR_REASON_HIT));
    CHECK(f.run(ack("10.1.0.1", 40000, "10.55.0.1", 4445)).records.empty());
    out = f.run(ack("fd00::1", 40000, "fd55::1", 8443));
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IPPORT);
}

TEST_CASE("the most specific trail wins: IP:port before the exact address") {
    Fixture f;
    auto out = f.run(ack("10.1.0.1", 40000, "10.44.0.1", 443));
    CHECK(f.info_of(out.only_record().header.hits[SPOOR_SIDE_DST]) == "port both");
    out = f.run(ack("10.1.0.1", 40000, "10.44.0.1", 80));
    CHECK(f.info_of(out.only_record().header.hits[SPOOR_SIDE_DST]) == "exact both");
}

TEST_CASE("dedup: one record per flow and indicator per window, both directions") {
    Fixture f;
    CHECK(f.run(ack("10.1.0.1", 40000, "10.66.0.1", 80), kT0).records.size() == 1);
    auto out = f.run(ack("10.1.0.1", 40000, "10.66.0.1", 80), kT0 + kSecond);
    CHECK(out.records.empty());
    CHECK(out.counter(SPOOR_CNT_DEDUP_SUPPRESSED) == 1);
    CHECK(f.run(ack("10.66.0.1", 80, "10.1.0.1", 40000), kT0 + 2 * kSecond).records.empty());
    // Another flow to the same indicator is another alert.
    CHECK(f.run(ack("10.1.0.1", 40001, "10.66.0.1", 80), kT0 + 2 * kSecond).records.size() == 1);
    // The window (60 s) ends.
    CHECK(f.run(ack("10.1.0.1", 40000, "10.66.0.1", 80), kT0 + 61 * kSecond).records.size() == 1);
}

TEST_CASE("dedup is keyed by the indicator: a CIDR hit keeps its own entry") {
    Fixture f;
    CHECK(f.run(ack("10.1.0.1", 1, "10.77.0.5", 80)).records.size() == 1);
    CHECK(f.run(ack("10.1.0.1", 1, "10.77.0.5", 80), kT0 + 1).records.empty());
}

TEST_CASE("candidates: DNS, flow starts, HTTP, TLS, QUIC") {
    Fixture f;
    auto out = f.run(udp("10.1.0.1", 40000, "10.1.0.53", 53, bytes("\x12\x34\x01\x00")));
    CHECK((out.only_record().header.reasons & SPOOR_REASON_DNS));

    const auto syn = tcp("10.1.0.1", 40000, "10.1.0.2", 443, 0x02);
    out = f.run(syn);
    CHECK(out.only_record().header.reasons == SPOOR_REASON_FLOW_START);
    CHECK(out.only_record().header.snap_len == 14 + 20 + 20);  // headers only

    out = f.run(tcp("10.1.0.1", 40000, "10.1.0.2", 80, 0x18, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(out.only_record().header.reasons == SPOOR_REASON_HTTP);

    auto hello = tcp("10.1.0.1", 40002, "10.1.0.2", 443, 0x18);
    hello.payload = {0x16, 0x03, 0x01, 0x00, 0x20, 0x01};
    hello.payload.resize(0x25, 0);
    CHECK(f.run(hello).only_record().header.reasons == SPOOR_REASON_TLS);

    std::vector<std::uint8_t> initial = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    out = f.run(udp("10.1.0.1", 50000, "10.1.0.2", 443, initial));
    CHECK((out.only_record().header.reasons & SPOOR_REASON_QUIC));
    CHECK(out.counter(SPOOR_CNT_REASON_QUIC) == 1);
    // A DNS datagram that happens to look like QUIC is DNS.
    out = f.run(udp("10.1.0.1", 50001, "10.1.0.2", 53, initial));
    CHECK(out.only_record().header.reasons == (SPOOR_REASON_DNS | SPOOR_REASON_FLOW_START));
}

TEST_CASE("UDP: the first datagram of a new source/destination/port triple") {
    Fixture f;
    const auto d = udp("10.1.0.1", 40000, "10.1.0.2", 5000, bytes("x"));
    auto out = f.run(d, kT0);
    CHECK(out.only_record().header.reasons == SPOOR_REASON_FLOW_START);
    CHECK(out.only_record().header.snap_len == 14 + 20 + 8);  // compact: headers only
    CHECK(f.run(d, kT0 + kSecond).records.empty());
    CHECK(f.run(udp("10.1.0.1", 40001, "10.1.0.2", 5000), kT0 + kSecond)
              .records.empty());  // same triple
    CHECK(f.run(udp("10.1.0.1", 40000, "10.1.0.2", 5001), kT0 + kSecond).records.size() == 1);
}

TEST_CASE("follow-up: segments after a TLS record that did not fit, bounded") {
    Fixture f;
    auto hello = tcp("10.1.0.1", 40000, "10.1.0.2", 443, 0x18);
    hello.payload = {0x16, 0x03, 0x01, 0x07, 0x00, 0x01};  // 1792-byte record in a short segment
    hello.payload.resize(1000, 0);
    CHECK(f.run(hello).only_record().header.reasons == SPOOR_REASON_TLS);
    const auto rest = tcp("10.1.0.1", 40000, "10.1.0.2", 443, 0x18, std::string(797, 'z'));
    for (int i = 0; i < SPOOR_FOLLOWUP_SEGMENTS; ++i) {
        CHECK(f.run(rest).only_record().header.reasons == SPOOR_REASON_FOLLOWUP);
    }
    CHECK(f.run(rest).records.empty());
    // The other direction of the flow was never armed.
    CHECK(f.run(tcp("10.1.0.2", 443, "10.1.0.1", 40000, 0x18, "data")).records.empty());
}

TEST_CASE("follow-up after an HTTP head without its blank line") {
    Fixture f;
    CHECK(f.run(tcp("10.1.0.1", 1, "10.1.0.2", 80, 0x18, "GET /a HTTP/1.1\r\nHost: a\r\n"))
              .only_record()
              .header.reasons == SPOOR_REASON_HTTP);
    CHECK(f.run(tcp("10.1.0.1", 1, "10.1.0.2", 80, 0x18, "User-Agent: x\r\n\r\n"))
              .only_record()
              .header.reasons == SPOOR_REASON_FOLLOWUP);
}

TEST_CASE("snaplen caps the copy; the record keeps the wire length") {
    bpf::SensorConfig config;
    config.snaplen = 128;
    SensorHarness sensor(config);
    sensor.install(fixture_trails());
    const auto frame =
        build_frame(tcp("10.1.0.1", 1, "10.66.0.1", 80, 0x10, std::string(1000, 'a')));
    const auto out = sensor.run(frame, kT0);
    CHECK(out.only_record().header.snap_len == 128);
    CHECK(out.only_record().header.packet_len == frame.size());
    CHECK(out.only_record().data == std::vector<std::uint8_t>(frame.begin(), frame.begin() + 128));
}

TEST_CASE("mirror mode drops after inspection") {
    bpf::SensorConfig config;
    config.drop_after_inspect = true;
    SensorHarness sensor(config);
    sensor.install(fixture_trails());
    const auto out = sensor.run(build_frame(ack("10.1.0.1", 1, "10.66.0.1", 80)), kT0);
    CHECK(out.verdict == XDP_DROP);
    CHECK(out.records.size() == 1);
}

TEST_CASE("malformed and non-IP frames are counted, never recorded") {
    Fixture f;
    auto frame = build_frame(tcp("10.1.0.1", 1, "10.66.0.1", 80));
    frame.resize(30);
    auto out = f.sensor.run(frame, kT0);
    CHECK(out.records.empty());
    CHECK(out.counter(SPOOR_CNT_MALFORMED) == 1);
    std::vector<std::uint8_t> arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
                                     0,    0,    0,    0,    1,    0x08, 0x06};
    arp.resize(60, 0);
    out = f.sensor.run(arp, kT0);
    CHECK(out.counter(SPOOR_CNT_NON_IP) == 1);
    CHECK(out.verdict == XDP_PASS);
}

TEST_CASE("non-first fragments are counted and matched on addresses only") {
    Fixture f;
    auto spec = udp("10.1.0.1", 1, "10.66.0.1", 2, std::vector<std::uint8_t>(16, 'f'));
    spec.fragment_offset = 10;
    const auto out = f.run(spec);
    CHECK(out.counter(SPOOR_CNT_FRAGMENTS) == 1);
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IP);
}

TEST_CASE("TC egress runs the same classifier and marks the direction") {
    Fixture f;
    const auto out = f.run(ack("10.1.0.1", 40000, "10.66.0.1", 80), kT0, bpf::Hook::TcEgress);
    CHECK(out.verdict == static_cast<std::uint32_t>(TC_ACT_UNSPEC));
    CHECK(out.only_record().header.direction == SPOOR_DIR_EGRESS);
    CHECK(out.only_record().header.hits[SPOOR_SIDE_DST].kind == SPOOR_HIT_IP);
}

TEST_CASE("each install fills the other slot and numbers the next generation") {
    Fixture f;
    trails::TrailSet next;
    next.add(IndicatorKind::Ip, "10.99.0.1", {"next generation", "(custom)"}, SourceRank::Custom);
    const auto stats = f.sensor.install(next);
    CHECK(stats.generation == 1);
    CHECK(stats.slot == 1);
    auto out = f.sensor.run(build_frame(ack("10.1.0.1", 1, "10.99.0.1", 80)), kT0);
    CHECK(out.only_record().header.generation == 1);
    CHECK(f.sensor.run(build_frame(ack("10.1.0.1", 2, "10.66.0.1", 80)), kT0).records.empty());
    // The third reuses slot 0, and records say generation 2: the store of generation 0 is
    // not the one to decode them with.
    const auto third = f.sensor.install(fixture_trails());
    CHECK(third.generation == 2);
    CHECK(third.slot == 0);
    out = f.sensor.run(build_frame(ack("10.1.0.1", 3, "10.66.0.1", 80)), kT0);
    CHECK(out.only_record().header.generation == 2);
    CHECK(f.sensor.run(build_frame(ack("10.1.0.1", 4, "10.99.0.1", 80)), kT0).records.empty());
}
