// DNS analysis of decoded packets: which messages alert, with what.
#include <doctest/doctest.h>

#include "common/lookahead.h"
#include "detect/dns_detector.h"
#include "frame_builder.h"

using namespace spoor;
using namespace spoor::test;
using trails::IndicatorKind;
using trails::SourceRank;

namespace {

struct Fixture {
    std::shared_ptr<const trails::TrailStore> store = [] {
        trails::TrailSet s;
        s.add(IndicatorKind::Domain, "evil.example", {"lab c2 (malware)", "(static)"},
              SourceRank::StaticMalware);
        s.add(IndicatorKind::Ip, "10.202.0.9", {"sinkhole labhole (malware)", "(static)"},
              SourceRank::StaticMalware);
        s.add(IndicatorKind::Ip, "10.203.0.1", {"parking site (suspicious)", "(static)"},
              SourceRank::StaticSuspicious);
        s.add(IndicatorKind::Ip, "10.204.0.1", {"asyncrat (malware)", "(static)"},
              SourceRank::StaticMalware);
        return trails::store_of(s);
    }();
    detect::TrailMatchers matchers{store, std::make_shared<trails::Whitelist>(), {}};
    detect::DnsDetector dns{matchers.context()};
    std::vector<std::uint8_t> frame;  // keeps the decoded packet's payload alive
    std::vector<detect::Alert> alerts;

    void see(const FrameSpec& spec) {
        frame = build_frame(spec);
        proto::Packet packet;
        REQUIRE(proto::decode_frame(frame, packet) == proto::DecodeStatus::Ok);
        dns.inspect(packet, 1'780'000'000'000'000'000ull, "eth0", alerts);
    }
};

FrameSpec query(std::string_view name, std::uint16_t qtype = 1, std::uint16_t sport = 40000) {
    return udp("10.1.0.1", sport, "10.1.0.53", 53, dns_query(name, qtype, 77));
}

FrameSpec answer(std::string_view name, const char* address) {
    return udp("10.1.0.53", 53, "10.1.0.1", 40000, dns_response(name, 1, 77, 0, {ip(address)}));
}

}  // namespace

TEST_CASE("a query for a listed name alerts with the dns object") {
    Fixture f;
    f.see(query("a.b.evil.example"));
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail == "(a.b).evil.example");
    CHECK(a.trail_type == "DNS");
    CHECK(a.info == "lab c2 (malware)");
    CHECK(a.app_proto == "dns");
    CHECK(a.matched_field == "dns.rrname");
    CHECK(a.detector == "dns");
    CHECK(a.severity == 1);
    REQUIRE(a.dns.has_value());
    CHECK(a.dns->type == "query");
    CHECK(a.dns->id == 77);
    CHECK(a.dns->rrname == "a.b.evil.example");
    CHECK(a.dns->rrtype == "A");
}

TEST_CASE("PTR queries, clean names and the response to a listed query stay silent") {
    Fixture f;
    f.see(query("evil.example", 12));  // PTR
    f.see(query("www.clean.example"));
    f.see(answer("evil.example", "10.201.0.5"));  // the query already alerted, if seen
    CHECK(f.alerts.empty());
}

TEST_CASE("answers pointing at a sinkhole or a parking service name the name") {
    Fixture f;
    f.see(answer("www.taken-down.example", "10.202.0.9"));
    f.see(answer("www.parked.example", "10.203.0.1"));
    f.see(answer("www.other.example", "10.204.0.1"));  // listed, but not a sinkhole or parking
    REQUIRE(f.alerts.size() == 2);
    CHECK(f.alerts[0].info == "sinkholed by labhole (malware)");
    CHECK(f.alerts[0].trail == "www.taken-down.example");
    CHECK(f.alerts[0].matched_field == "dns.answers.rdata");
    CHECK(f.alerts[0].dns->type == "answer");
    CHECK(f.alerts[0].dns->rcode == "NOERROR");
    REQUIRE(f.alerts[0].dns->answers.size() == 1);
    CHECK(f.alerts[0].dns->answers[0].rdata == "10.202.0.9");
    CHECK(f.alerts[1].info == "parked site (suspicious)");
    CHECK(f.alerts[1].severity == 2);
}

TEST_CASE("DNS over TCP: a message split over segments, two messages in one") {
    Fixture f;
    const auto stream = dns_over_tcp(dns_query("x.evil.example", 1, 5));
    auto first = tcp("10.1.0.1", 41000, "10.1.0.53", 53, 0x18);
    first.payload.assign(stream.begin(), stream.begin() + 10);
    auto second = tcp("10.1.0.1", 41000, "10.1.0.53", 53, 0x18);
    second.payload.assign(stream.begin() + 10, stream.end());
    f.see(first);
    CHECK(f.alerts.empty());
    f.see(second);
    REQUIRE(f.alerts.size() == 1);
    CHECK(f.alerts[0].trail == "(x).evil.example");

    auto both = tcp("10.1.0.1", 41001, "10.1.0.53", 53, 0x18);
    both.payload = dns_over_tcp(dns_query("y.evil.example", 1, 6));
    const auto more = dns_over_tcp(dns_query("z.evil.example", 1, 7));
    both.payload.insert(both.payload.end(), more.begin(), more.end());
    f.see(both);
    CHECK(f.alerts.size() == 3);
}

TEST_CASE("malformed messages are counted, never fatal") {
    Fixture f;
    f.see(udp("10.1.0.1", 40000, "10.1.0.53", 53, {0x12, 0x34, 0x01}));
    auto loop = dns_query("evil.example", 1, 1);
    loop.resize(12);
    loop[5] = 1;                                        // one question...
    loop.insert(loop.end(), {0xc0, 0x0c, 0, 1, 0, 1});  // ...whose name points at itself
    f.see(udp("10.1.0.1", 40000, "10.1.0.53", 53, loop));
    CHECK(f.alerts.empty());
    CHECK(f.dns.stats().messages == 2);
    CHECK(f.dns.stats().malformed == 2);
}

namespace {

// Decoded UDP packets whose payloads stay where they are while the test runs.
struct Packets {
    std::vector<std::vector<std::uint8_t>> frames;
    std::vector<proto::Packet> packets;

    explicit Packets(const std::vector<FrameSpec>& specs) {
        frames.reserve(specs.size());
        packets.resize(specs.size());
        for (std::size_t i = 0; i < specs.size(); ++i) {
            frames.push_back(build_frame(specs[i]));
            REQUIRE(proto::decode_frame(frames.back(), packets[i]) == proto::DecodeStatus::Ok);
        }
    }
};

std::vector<std::string> trails_of(const std::vector<detect::Alert>& alerts) {
    std::vector<std::string> out;
    for (const auto& a : alerts) {
        out.push_back(a.trail + " " + a.info);
    }
    return out;
}

}  // namespace

TEST_CASE("packets prepared a few ahead alert as packets inspected as they come") {
    std::vector<FrameSpec> specs;
    for (int i = 0; i < 40; ++i) {
        const std::string name =
            "h" + std::to_string(i % 13) + (i % 5 == 0 ? ".evil.example" : ".clean.example");
        specs.push_back(i % 7 == 3 ? answer(name, "10.202.0.9")
                                   : query(name, i % 11 == 0 ? 12 : 1));
    }
    specs.push_back(udp("10.1.0.1", 40000, "10.1.0.53", 53, {0x12, 0x34, 0x01}));  // malformed
    const Packets input(specs);

    Fixture direct;
    for (const auto& packet : input.packets) {
        direct.dns.inspect(packet, 1, "eth0", direct.alerts);
    }
    Fixture ahead;
    constexpr std::size_t kAhead = 3;
    spoor::visit_ahead(
        input.packets.size(), kAhead,
        [&](std::size_t i) { ahead.dns.prepare(input.packets[i], ahead.matchers.domains()); },
        [&](std::size_t i) { ahead.dns.inspect(input.packets[i], 1, "eth0", ahead.alerts); });
    CHECK(!direct.alerts.empty());
    CHECK(trails_of(ahead.alerts) == trails_of(direct.alerts));
    CHECK(ahead.dns.stats().messages == direct.dns.stats().messages);
    CHECK(ahead.dns.stats().malformed == 1);
    // The prepared names were answered by their keys: the repeats found the cache.
    CHECK(ahead.matchers.domains().stats().cache_hits ==
          direct.matchers.domains().stats().cache_hits);
}

TEST_CASE("packets prepared with one generation's matcher and inspected under another") {
    Fixture f;  // its trails list evil.example
    const auto without = trails::store_of(trails::TrailSet{});
    detect::TrailMatchers old_generation{without, std::make_shared<trails::Whitelist>(), {}};
    // Benign to the old trails, so their matcher's cache holds it: a lookup taken on by that
    // matcher's steps would find it there.
    CHECK_FALSE(old_generation.domains().match("a.evil.example").has_value());
    const Packets input(
        {query("a.evil.example"), query("a.evil.example"), query("a.evil.example")});
    // Prepared against the old trails (the first probed, the second keyed, the third only
    // parsed), inspected once the detector reads the new ones: each name is looked up in the
    // trails it is inspected with, not by what the old matcher found.
    for (const auto& packet : input.packets) {
        f.dns.prepare(packet, old_generation.domains());
    }
    for (const auto& packet : input.packets) {
        f.dns.inspect(packet, 1, "eth0", f.alerts);
    }
    REQUIRE(f.alerts.size() == 3);
    for (const auto& alert : f.alerts) {
        CHECK(alert.trail == "(a).evil.example");
    }
    CHECK(old_generation.domains().stats().lookups == 1);
}

TEST_CASE("prepared packets not inspected are dropped, and a full queue prepares no more") {
    Fixture f;
    std::vector<FrameSpec> specs;
    for (int i = 0; i < 8; ++i) {
        specs.push_back(query("n" + std::to_string(i) + ".evil.example"));
    }
    const Packets input(specs);
    const auto& domains = f.matchers.domains();
    // 0 and 1 prepared; inspecting 1 drops 0, which is then parsed where it is inspected.
    f.dns.prepare(input.packets[0], domains);
    f.dns.prepare(input.packets[1], domains);
    f.dns.inspect(input.packets[1], 1, "eth0", f.alerts);
    f.dns.inspect(input.packets[0], 1, "eth0", f.alerts);
    // More than the queue holds: the rest are parsed at inspection.
    for (std::size_t i = 2; i < input.packets.size(); ++i) {
        f.dns.prepare(input.packets[i], domains);
    }
    for (std::size_t i = 2; i < input.packets.size(); ++i) {
        f.dns.inspect(input.packets[i], 1, "eth0", f.alerts);
    }
    // What a batch's end forgets is parsed again if it comes.
    f.dns.prepare(input.packets[2], domains);
    f.dns.forget_prepared();
    f.dns.inspect(input.packets[2], 1, "eth0", f.alerts);
    REQUIRE(f.alerts.size() == 9);
    CHECK(f.alerts[0].trail == "(n1).evil.example");
    CHECK(f.alerts[1].trail == "(n0).evil.example");
    for (std::size_t i = 2; i < 8; ++i) {
        CHECK(f.alerts[i].trail == "(n" + std::to_string(i) + ").evil.example");
    }
    CHECK(f.alerts[8].trail == "(n2).evil.example");
    CHECK(f.dns.stats().messages == 9);
}
