// DNS analysis of decoded packets: which messages alert, with what.
#include <doctest/doctest.h>

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
