// Candidate selection (bpf/lib/candidate.h) compiled for the host.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>

#include "lib/candidate.h"
#include "frame_builder.h"

using namespace spoor::test;

namespace {

struct Verdict {
    __u32 reasons;
    int followup;
    bool flow_start;
    bool dns;
};

Verdict classify(const FrameSpec& spec) {
    const auto frame = build_frame(spec);
    spoor_packet pkt{};
    REQUIRE(spoor_parse_frame(frame.data(), frame.data() + frame.size(),
                              static_cast<__u32>(frame.size()), &pkt) == SPOOR_PARSE_OK);
    Verdict v{};
    const auto* end = frame.data() + frame.size();
    if (const auto* payload = spoor_payload(&pkt, frame.data())) {
        if (pkt.proto == SPOOR_IPPROTO_TCP) {
            v.reasons = spoor_tcp_start_reasons(payload, pkt.payload_len, end, &v.followup);
        } else if (spoor_is_quic_initial(payload, end)) {
            v.reasons = SPOOR_REASON_QUIC;
        }
    }
    v.flow_start = spoor_is_tcp_flow_start(&pkt);
    v.dns = spoor_is_dns(&pkt);
    return v;
}

std::vector<std::uint8_t> tls_client_hello(std::uint16_t record_len, std::size_t present) {
    std::vector<std::uint8_t> p(present, 0xab);
    const std::uint8_t head[] = {0x16,
                                 0x03,
                                 0x01,
                                 static_cast<std::uint8_t>(record_len >> 8),
                                 static_cast<std::uint8_t>(record_len),
                                 0x01};
    std::copy(std::begin(head), std::end(head), p.begin());
    return p;
}

}  // namespace

TEST_CASE("HTTP request methods and responses start a candidate") {
    for (const char* head :
         {"GET / HTTP/1.1\r\n\r\n", "POST /x HTTP/1.1\r\n\r\n", "HEAD / HTTP/1.0\r\n\r\n",
          "PUT /a HTTP/1.1\r\n\r\n", "DELETE /a HTTP/1.1\r\n\r\n", "OPTIONS * HTTP/1.1\r\n\r\n",
          "CONNECT h:443 HTTP/1.1\r\n\r\n", "PATCH /p HTTP/1.1\r\n\r\n", "TRACE / HTTP/1.1\r\n\r\n",
          "HTTP/1.1 200 OK\r\n\r\n"}) {
        const auto v = classify(tcp("10.0.0.1", 40000, "10.0.0.2", 8080, 0x18, head));
        CHECK_MESSAGE(v.reasons == SPOOR_REASON_HTTP, head);
        CHECK_MESSAGE(v.followup == 0, head);
    }
    for (const char* other : {"GETX / HTTP", "get / HTTP/1.1", "HTTP/2.0 200", "SSH-2.0-OpenSSH"}) {
        CHECK_MESSAGE(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x18, other)).reasons == 0, other);
    }
}

TEST_CASE("an HTTP head without its blank line continues in the next segment") {
    const auto v =
        classify(tcp("10.0.0.1", 1, "10.0.0.2", 80, 0x18, "GET /long HTTP/1.1\r\nHost: a\r\n"));
    CHECK(v.reasons == SPOOR_REASON_HTTP);
    CHECK(v.followup == 1);
}

TEST_CASE("TLS handshake records") {
    auto v = classify([] {
        auto s = tcp("10.0.0.1", 1, "10.0.0.2", 443, 0x18);
        s.payload = tls_client_hello(200, 205);
        return s;
    }());
    CHECK(v.reasons == SPOOR_REASON_TLS);
    CHECK(v.followup == 0);

    v = classify([] {  // a 1.8 KB hello split over two segments
        auto s = tcp("10.0.0.1", 1, "10.0.0.2", 443, 0x18);
        s.payload = tls_client_hello(1800, 1400);
        return s;
    }());
    CHECK(v.reasons == SPOOR_REASON_TLS);
    CHECK(v.followup == 1);

    auto app_data = tcp("10.0.0.1", 1, "10.0.0.2", 443, 0x18);
    app_data.payload = {0x17, 0x03, 0x03, 0x00, 0x10, 0x00};
    CHECK(classify(app_data).reasons == 0);
    auto finished = tcp("10.0.0.1", 1, "10.0.0.2", 443, 0x18);
    finished.payload = {0x16, 0x03, 0x03, 0x00, 0x10, 20};  // handshake type 20: not selected
    CHECK(classify(finished).reasons == 0);
}

TEST_CASE("QUIC Initial v1 and v2, not other long headers or short headers") {
    std::vector<std::uint8_t> v1 = {0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(classify(udp("10.0.0.1", 50000, "10.0.0.2", 443, v1)).reasons == SPOOR_REASON_QUIC);
    std::vector<std::uint8_t> v2 = {0xd3, 0x6b, 0x33, 0x43, 0xcf, 0x08, 1, 2};
    CHECK(classify(udp("10.0.0.1", 50000, "10.0.0.2", 443, v2)).reasons == SPOOR_REASON_QUIC);
    std::vector<std::uint8_t> v1_handshake = {0xe3, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2};
    CHECK(classify(udp("10.0.0.1", 50000, "10.0.0.2", 443, v1_handshake)).reasons == 0);
    std::vector<std::uint8_t> short_header = {0x43, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2};
    CHECK(classify(udp("10.0.0.1", 50000, "10.0.0.2", 443, short_header)).reasons == 0);
}

TEST_CASE("flow starts: SYN and NULL/FIN/XMAS probes, not ACK or RST") {
    CHECK(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x02)).flow_start);        // SYN
    CHECK(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x00)).flow_start);        // NULL
    CHECK(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x01)).flow_start);        // FIN
    CHECK(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x29)).flow_start);        // XMAS
    CHECK_FALSE(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x12)).flow_start);  // SYN-ACK
    CHECK_FALSE(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10)).flow_start);  // ACK
    CHECK_FALSE(classify(tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x04)).flow_start);  // RST
}

TEST_CASE("DNS on port 53 either way, UDP and TCP") {
    CHECK(classify(udp("10.0.0.1", 40000, "10.0.0.2", 53)).dns);
    CHECK(classify(udp("10.0.0.2", 53, "10.0.0.1", 40000)).dns);
    CHECK(classify(tcp("10.0.0.1", 40000, "10.0.0.2", 53, 0x18, "xx")).dns);
    CHECK_FALSE(classify(udp("10.0.0.1", 40000, "10.0.0.2", 5353)).dns);
}
