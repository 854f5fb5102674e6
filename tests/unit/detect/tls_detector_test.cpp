// TLS and QUIC analysis: SNI, JA3/JA4 and certificate trails, handshakes
// spread over segments, decrypted QUIC Initials.
#include <doctest/doctest.h>

#include "detect/tls_detector.h"
#include "frame_builder.h"
#include "proto/tls.h"

using namespace spoor;
using namespace spoor::test;
using trails::IndicatorKind;
using trails::SourceRank;

namespace {

// A TLS 1.2 server flight: ServerHello, then a Certificate whose only entry is `der`.
std::vector<std::uint8_t> server_flight(const std::vector<std::uint8_t>& der) {
    std::vector<std::uint8_t> hello = {0x02, 0x00, 0x00, 0x26, 0x03, 0x03};
    hello.resize(hello.size() + 32, 0x11);                // random
    hello.insert(hello.end(), {0x00, 0xc0, 0x2f, 0x00});  // no session id, a suite, no compression
    std::vector<std::uint8_t> cert = {0x0b};
    const auto put24 = [](std::vector<std::uint8_t>& out, std::size_t n) {
        out.insert(out.end(), {static_cast<std::uint8_t>(n >> 16),
                               static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    };
    put24(cert, der.size() + 6);
    put24(cert, der.size() + 3);
    put24(cert, der.size());
    cert.insert(cert.end(), der.begin(), der.end());
    std::vector<std::uint8_t> records;
    for (const auto* message : {&hello, &cert}) {
        records.insert(records.end(),
                       {0x16, 0x03, 0x03, static_cast<std::uint8_t>(message->size() >> 8),
                        static_cast<std::uint8_t>(message->size())});
        records.insert(records.end(), message->begin(), message->end());
    }
    return records;
}

using Trails = std::vector<std::pair<IndicatorKind, std::string>>;

struct Fixture {
    // The fixture's trails, and `extra` ones of "lab loader (malware)".
    explicit Fixture(const Trails& extra = {})
        : store([&] {
              trails::TrailSet s;
              s.add(IndicatorKind::Domain, "evil.example", {"lab c2 (malware)", "(static)"},
                    SourceRank::StaticMalware);
              // SHA-1 of "abc" (FIPS 180 test vector), as the DER of a stand-in certificate.
              s.add(IndicatorKind::CertSha1, "a9993e364706816aba3e25717850c26c9cd0d89d",
                    {"lab cert (malware)", "(static)"}, SourceRank::StaticMalware);
              for (const auto& [kind, key] : extra) {
                  s.add(kind, key, {"lab loader (malware)", "(static)"}, SourceRank::StaticMalware);
              }
              return trails::store_of(s);
          }()) {}

    std::shared_ptr<const trails::TrailStore> store;
    detect::TrailMatchers matchers{store, std::make_shared<trails::Whitelist>(), {}};
    detect::TlsDetector tls{matchers.context()};
    std::vector<detect::Alert> alerts;

    void see(const FrameSpec& spec, bool starts_record = true) {
        const auto frame = build_frame(spec);
        proto::Packet packet;
        REQUIRE(proto::decode_frame(frame, packet) == proto::DecodeStatus::Ok);
        if (packet.ip_proto == 17) {
            tls.inspect_quic(packet, 1'780'000'000'000'000'000ull, "eth0", alerts);
        } else {
            tls.inspect_tcp(packet, starts_record, 1'780'000'000'000'000'000ull, "eth0", alerts);
        }
    }
};

FrameSpec hello_segment(std::string_view sni, std::size_t size = 0) {
    FrameSpec spec = tcp("10.1.0.1", 42000, "10.2.0.43", 443, 0x18);
    spec.payload = tls_client_hello(sni, size);
    return spec;
}

// The JA4 of the hello tls_client_hello() builds, as the proto tests pin it down.
std::string hello_ja4(std::string_view sni, bool quic) {
    const auto record = tls_client_hello(sni);
    proto::ClientHello hello;
    REQUIRE(proto::parse_client_hello(std::span(record).subspan(9), hello) == proto::TlsStatus::Ok);
    return proto::ja4(hello, quic);
}

}  // namespace

TEST_CASE("a ClientHello with a listed SNI alerts with the tls object") {
    Fixture f;
    f.see(hello_segment("www.evil.example"));
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail_type == "SNI");
    CHECK(a.trail == "(www).evil.example");
    CHECK(a.app_proto == "tls");
    CHECK(a.detector == "tls");
    CHECK(a.matched_field == "tls.sni");
    CHECK(a.info == "lab c2 (malware)");
    REQUIRE(a.tls.has_value());
    CHECK(a.tls->sni == "www.evil.example");
    CHECK(a.tls->version == "TLS 1.3");
    CHECK(a.tls->ja4 == hello_ja4("www.evil.example", false));
    CHECK(a.tls->ja3.size() == 32);
    CHECK(f.tls.stats().client_hellos == 1);
}

TEST_CASE("a clean SNI stays silent; a hello padded past one segment still gives its SNI") {
    Fixture f;
    f.see(hello_segment("www.clean.example"));
    CHECK(f.alerts.empty());
    // 1.8 KB, like today's browsers with post-quantum key shares: three segments.
    const auto whole = hello_segment("cdn.evil.example", 1800);
    auto [first, rest] = split_segment(whole, 700);
    auto [second, third] = split_segment(rest, 700);
    f.see(first);
    f.see(second, false);
    CHECK(f.alerts.empty());
    f.see(third, false);
    REQUIRE(f.alerts.size() == 1);
    CHECK(f.alerts[0].trail == "(cdn).evil.example");
}

TEST_CASE("JA4 and JA3 trails match the hello's fingerprints") {
    const std::string ja4 = hello_ja4("a.clean.example", false);
    Fixture f({{IndicatorKind::Ja4, ja4}});
    f.see(hello_segment("a.clean.example"));
    REQUIRE(f.alerts.size() == 1);
    CHECK(f.alerts[0].trail_type == "JA4");
    CHECK(f.alerts[0].trail == ja4);
    CHECK(f.alerts[0].matched_field == "tls.ja4");
    Fixture both({{IndicatorKind::Ja4, ja4}, {IndicatorKind::Ja3, f.alerts[0].tls->ja3}});
    FrameSpec again = hello_segment("b.clean.example");
    again.sport = 42001;
    both.see(again);
    REQUIRE(both.alerts.size() == 2);
    CHECK(both.alerts[1].matched_field == "tls.ja3.hash");
}

TEST_CASE("a TLS 1.2 server's leaf certificate matches certificate trails, across segments") {
    Fixture f;
    FrameSpec flight = tcp("10.2.0.43", 443, "10.1.0.1", 42000, 0x18);
    flight.payload = server_flight({'a', 'b', 'c'});
    auto [first, second] = split_segment(flight, 50);
    f.see(first);
    CHECK(f.alerts.empty());
    f.see(second, false);
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail_type == "CERT");
    CHECK(a.trail == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(a.matched_field == "tls.fingerprint");
    CHECK(a.tls->fingerprint == "a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:d8:9d");
    CHECK(a.src == ip("10.2.0.43"));
    // Another certificate is silent.
    f.alerts.clear();
    flight.payload = server_flight({'a', 'b', 'd'});
    flight.sport = 8443;
    f.see(flight);
    CHECK(f.alerts.empty());
    CHECK(f.tls.stats().certificates == 2);
}

TEST_CASE("garbage after a record start is counted, never fatal; state stays bounded") {
    Fixture f;
    FrameSpec bad = tcp("10.1.0.1", 42000, "10.2.0.43", 443, 0x18);
    bad.payload = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0xff};
    f.see(bad);
    CHECK(f.alerts.empty());
    CHECK(f.tls.stats().malformed == 1);
    // Unfinished handshakes from more flows than the table holds: the oldest are forgotten.
    for (std::uint16_t port = 1; port <= detect::TlsDetector::kMaxFlows + 5; ++port) {
        FrameSpec part = hello_segment("x.clean.example", 1800);
        part.sport = port;
        f.see(split_segment(part, 600).first);
    }
    CHECK(f.tls.stats().flows_evicted == 5);
}

TEST_CASE("a QUIC client Initial is decrypted and its SNI matched") {
    Fixture f;
    const std::vector<std::uint8_t> dcid = {1, 2, 3, 4, 5, 6, 7, 8};
    f.see(udp("10.1.0.1", 50000, "10.2.0.43", 443,
              quic_client_hello(dcid, tls_client_hello("video.evil.example"))));
    REQUIRE(f.alerts.size() == 1);
    const auto& a = f.alerts[0];
    CHECK(a.trail_type == "SNI");
    CHECK(a.trail == "(video).evil.example");
    CHECK(a.app_proto == "quic");
    CHECK(a.detector == "quic");
    CHECK(a.matched_field == "quic.sni");
    CHECK(a.tls->ja4 == hello_ja4("video.evil.example", true));
    CHECK(a.tls->ja4.starts_with("q13"));
    // The connection's later Initials do not alert again; the builder's undecryptable stand-in
    // is counted.
    f.see(udp("10.1.0.1", 50000, "10.2.0.43", 443,
              quic_client_hello(dcid, tls_client_hello("video.evil.example"))));
    f.see(udp("10.1.0.1", 50001, "10.2.0.43", 443, quic_initial(dcid)));
    CHECK(f.alerts.size() == 1);
    CHECK(f.tls.stats().quic_initials == 2);
    CHECK(f.tls.stats().quic_undecrypted == 1);
}

TEST_CASE("IPv6: a ClientHello and a QUIC Initial over IPv6 alert like over IPv4") {
    Fixture f;
    FrameSpec hello = tcp("fd00::1", 42000, "fd00::443", 443, 0x18);
    hello.payload = tls_client_hello("v6.evil.example");
    f.see(hello);
    f.see(udp("fd00::1", 50000, "fd00::443", 443,
              quic_client_hello({9, 9, 9, 9}, tls_client_hello("q6.evil.example"))));
    REQUIRE(f.alerts.size() == 2);
    CHECK(f.alerts[0].trail == "(v6).evil.example");
    CHECK(f.alerts[0].src == ip("fd00::1"));
    CHECK(f.alerts[1].trail == "(q6).evil.example");
    CHECK(f.alerts[1].dst == ip("fd00::443"));
}
