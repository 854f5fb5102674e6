#include <doctest/doctest.h>

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "detect/alert.h"
#include "output/eve.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::output::community_id_v1;
using spoor::output::flow_id;
using spoor::output::format_eve;
using spoor::output::format_timestamp;

namespace {

IpAddress ip(const char* text) {
    const auto a = IpAddress::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

// For TCP/UDP/SCTP `a`/`b` are the ports, for ICMP/ICMPv6 the type and code, as
// in the Community ID test tables; other protocols ignore them.
Alert flow(std::uint8_t proto, const char* src, const char* dst, unsigned a = 0, unsigned b = 0) {
    Alert alert;
    alert.ip_proto = proto;
    alert.src = ip(src);
    alert.dst = ip(dst);
    if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
        alert.icmp_type = static_cast<std::uint8_t>(a);
        alert.icmp_code = static_cast<std::uint8_t>(b);
    } else {
        alert.src_port = static_cast<std::uint16_t>(a);
        alert.dst_port = static_cast<std::uint16_t>(b);
    }
    return alert;
}

constexpr std::uint64_t kSecond = 1'000'000'000;
// 2026-08-07T09:14:22Z (date -u -d @1786094062).
constexpr std::uint64_t kAug7 = 1786094062 * kSecond;
// 2026-08-08T00:00:00Z.
constexpr std::uint64_t kAug8Midnight = 1786147200 * kSecond;

// The alert of the golden line: asyncrat C2 5.6.7.8 contacted over TLS.
Alert golden_alert() {
    Alert a = flow(IPPROTO_TCP, "1.2.3.4", "5.6.7.8", 1122, 3344);
    a.timestamp_ns = kAug7 + 117'034'567;
    a.in_iface = "eth0";
    a.app_proto = "tls";
    a.trail_type = "IP";
    a.trail = "5.6.7.8";
    a.info = "asyncrat (malware)";
    a.reference = "(static)";
    a.matched_field = "dest_ip";
    a.detector = "xdp";
    spoor::detect::classify(a);
    return a;
}

}  // namespace

TEST_CASE("format_timestamp: UTC, microseconds, +0000") {
    CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000000+0000");
    CHECK(format_timestamp(kAug7 + 117'034'000) == "2026-08-07T09:14:22.117034+0000");
    // Nanoseconds are truncated, never rounded up into the next microsecond.
    CHECK(format_timestamp(kAug7 + 117'034'999) == "2026-08-07T09:14:22.117034+0000");
    CHECK(format_timestamp(kAug7 + 999'999'999) == "2026-08-07T09:14:22.999999+0000");
    // The date changes exactly at UTC midnight.
    CHECK(format_timestamp(kAug8Midnight - 1) == "2026-08-07T23:59:59.999999+0000");
    CHECK(format_timestamp(kAug8Midnight) == "2026-08-08T00:00:00.000000+0000");
    // Year boundary and leap day (epochs from Python's datetime).
    CHECK(format_timestamp(1767225600 * kSecond - 1) == "2025-12-31T23:59:59.999999+0000");
    CHECK(format_timestamp(1709208000 * kSecond + 5'000) == "2024-02-29T12:00:00.000005+0000");
}

// Vectors from corelight/community-id-spec, baseline/README.md, tables "Default
// settings" and "A custom seed=1 value" (the ICMP rows give type and code in the
// port columns).
TEST_CASE("community_id_v1: community-id-spec baseline tables") {
    struct Vector {
        std::uint8_t proto;
        const char* src;
        const char* dst;
        unsigned a, b;
        const char* seed0;
        const char* seed1;
    };
    const char* v6a = "fe80:0001:0203:0405:0607:0809:0A0B:0C0D";
    const char* v6b = "fe80:1011:1213:1415:1617:1819:1A1B:1C1D";
    const Vector vectors[] = {
        {6, "1.2.3.4", "5.6.7.8", 1122, 3344,
         "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
        {6, "5.6.7.8", "1.2.3.4", 3344, 1122,
         "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
        {17, "1.2.3.4", "5.6.7.8", 1122, 3344,
         "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
        {17, "5.6.7.8", "1.2.3.4", 3344, 1122,
         "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
        {132, "1.2.3.4", "5.6.7.8", 1122, 3344,
         "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
        {132, "5.6.7.8", "1.2.3.4", 3344, 1122,
         "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
        // ICMP echo request and its reply: one flow.
        {1, "1.2.3.4", "5.6.7.8", 8, 0,
         "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
        {1, "5.6.7.8", "1.2.3.4", 0, 0,
         "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
        // Time exceeded: one-way.
        {1, "1.2.3.4", "5.6.7.8", 11, 0,
         "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", "1:1DD7cWGC/Yg91YGsQeni8du3pIA="},
        {58, v6a, v6b, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
        {58, v6b, v6a, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
        {58, v6a, v6b, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s="},
        // RSVP: a protocol without ports hashes the addresses only.
        {46, "1.2.3.4", "5.6.7.8", 0, 0,
         "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
        {46, "5.6.7.8", "1.2.3.4", 0, 0,
         "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
        {46, v6a, v6b, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
        {46, v6b, v6a, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.src);
        CAPTURE(v.proto);
        CAPTURE(v.a);
        const Alert alert = flow(v.proto, v.src, v.dst, v.a, v.b);
        CHECK(community_id_v1(alert) == v.seed0);
        CHECK(community_id_v1(alert, 1) == v.seed1);
    }
}

// Vectors from corelight/pycommunityid, tests/communityid_test.py (the reference
// implementation's tests: default and seed=1 columns), and from
// community-id-spec baseline/baseline_deflt.json (seed 0 only; there the ports
// of ICMP rows are already mapped, so the code below is 0 and the types are
// the ones whose mapped port pairs the file lists).
TEST_CASE("community_id_v1: pycommunityid and baseline JSON vectors") {
    struct Vector {
        std::uint8_t proto;
        const char* src;
        const char* dst;
        unsigned a, b;
        const char* seed0;
        const char* seed1;  // nullptr: the source gives none
    };
    const Vector vectors[] = {
        // pycommunityid test_icmp: echo and reply are one flow; for a paired type
        // the code is ignored (0/20), for unpaired type 20 it counts.
        {1, "192.168.0.89", "192.168.0.1", 8, 0,
         "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
        {1, "192.168.0.1", "192.168.0.89", 0, 8,
         "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
        {1, "192.168.0.89", "192.168.0.1", 20, 0,
         "1:3o2RFccXzUgjl7zDpqmY7yJi8rI=", "1:lCXHHxavE1Vq3oX9NH5ladQg02o="},
        {1, "192.168.0.89", "192.168.0.1", 20, 1,
         "1:tz/fHIDUHs19NkixVVoOZywde+I=", "1:Ie3wmFyxiEyikbsbcO03d2nh+PM="},
        {1, "192.168.0.1", "192.168.0.89", 0, 20,
         "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
        // pycommunityid test_icmp6: neighbour solicitation/advertisement pair up;
        // destination unreachable (3) is one-way, so its direction counts.
        {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0,
         "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
        {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0,
         "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
        {58, "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
         "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=", "1:OlOWx9psIbBFi7lOCw/4MhlKR9M="},
        {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 3, 0,
         "1:/OGBt9BN1ofenrmSPWYicpij2Vc=", "1:Ij4ZxnC87/MXzhOjvH2vHu7LRmE="},
        // pycommunityid test_sctp, test_tcp (incl. its issue #3 case), test_udp, test_ip.
        {132, "192.168.170.8", "192.168.170.56", 7, 80,
         "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU="},
        {132, "192.168.170.56", "192.168.170.8", 80, 7,
         "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU="},
        {6, "128.232.110.120", "66.35.250.204", 34855, 80,
         "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
        {6, "66.35.250.204", "128.232.110.120", 80, 34855,
         "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
        {6, "10.0.0.1", "10.0.0.2", 10, 11569,
         "1:SXBGMX1lBOwhhoDrZynfROxnhnM=", "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo="},
        {17, "192.168.1.52", "8.8.8.8", 54585, 53,
         "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
        {17, "8.8.8.8", "192.168.1.52", 53, 54585,
         "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
        {46, "10.1.24.4", "10.1.12.1", 0, 0,
         "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=", "1:BK3BVW3U2eemuwVQVN3zd/GULno="},
        {46, "10.1.12.1", "10.1.24.4", 0, 0,
         "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=", "1:BK3BVW3U2eemuwVQVN3zd/GULno="},
        // baseline_deflt.json: ICMPv6 router solicitation/advertisement and echo,
        // one-way ICMPv6 (type 3 code 0, type 1 code 4), ICMP time exceeded, TCP over IPv6.
        {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0,
         "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", nullptr},
        {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0,
         "1:pkvHqCL88/tg1k4cPigmZXUtL00=", nullptr},
        {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0,
         "1:zavyT/cezQr1fmImYCwYnMXbgck=", nullptr},
        {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0,
         "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", nullptr},
        {58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0,
         "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", nullptr},
        {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
         "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", nullptr},
        {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
         "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", nullptr},
        {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=", nullptr},
        {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
         "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", nullptr},
        {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
         "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", nullptr},
        {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", nullptr},
        {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", nullptr},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.src);
        CAPTURE(v.proto);
        CAPTURE(v.a);
        const Alert alert = flow(v.proto, v.src, v.dst, v.a, v.b);
        CHECK(community_id_v1(alert) == v.seed0);
        if (v.seed1 != nullptr) {
            CHECK(community_id_v1(alert, 1) == v.seed1);
        }
    }
}

TEST_CASE("flow_id: 51 bits, non-zero, the same in both directions") {
    const Alert pairs[][2] = {
        {flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40000, 443),
         flow(IPPROTO_TCP, "10.0.0.2", "10.0.0.1", 443, 40000)},
        {flow(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 5353, 53),
         flow(IPPROTO_UDP, "10.0.0.2", "10.0.0.1", 53, 5353)},
        {flow(IPPROTO_TCP, "fd00::1", "fd00::2", 40000, 80),
         flow(IPPROTO_TCP, "fd00::2", "fd00::1", 80, 40000)},
        // Same address, the ports decide the order.
        {flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.1", 40000, 80),
         flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.1", 80, 40000)},
        // Echo request and reply.
        {flow(IPPROTO_ICMP, "10.0.0.1", "10.0.0.2", 8, 0),
         flow(IPPROTO_ICMP, "10.0.0.2", "10.0.0.1", 0, 0)},
        {flow(IPPROTO_ICMPV6, "fd00::1", "fd00::2", 128, 0),
         flow(IPPROTO_ICMPV6, "fd00::2", "fd00::1", 129, 0)},
        // Unlike the Community ID, one-way ICMP keeps one flow per address pair.
        {flow(IPPROTO_ICMP, "10.0.0.1", "10.0.0.2", 3, 3),
         flow(IPPROTO_ICMP, "10.0.0.2", "10.0.0.1", 3, 3)},
        {flow(47, "10.0.0.1", "10.0.0.2"), flow(47, "10.0.0.2", "10.0.0.1")},
    };
    for (const auto& [there, back] : pairs) {
        CAPTURE(there.src.to_string());
        CAPTURE(int{there.ip_proto});
        const std::uint64_t id = flow_id(there);
        CHECK(id != 0);
        CHECK(id < (std::uint64_t{1} << 51));
        CHECK(flow_id(back) == id);
    }
    // Another port, protocol or peer is another flow.
    const std::uint64_t base = flow_id(flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40000, 443));
    CHECK(flow_id(flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 40001, 443)) != base);
    CHECK(flow_id(flow(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 40000, 443)) != base);
    CHECK(flow_id(flow(IPPROTO_TCP, "10.0.0.1", "10.0.0.3", 40000, 443)) != base);
}

TEST_CASE("format_eve: golden alert line") {
    // flow_id: FNV-1a-64 over family 4, proto 6, 1.2.3.4, 5.6.7.8, ports 1122 and 3344
    // (big-endian), masked to 51 bits, computed with Python. community_id: the
    // spec's TCP vector for this tuple. signature_id: see tests/unit/detect.
    const std::string expected =
        R"j({"timestamp":"2026-08-07T09:14:22.117034+0000","flow_id":1241334647684612,)j"
        R"j("in_iface":"eth0","event_type":"alert","src_ip":"1.2.3.4","src_port":1122,)j"
        R"j("dest_ip":"5.6.7.8","dest_port":3344,"proto":"TCP","app_proto":"tls",)j"
        R"j("community_id":"1:wCb3OG7yAFWelaUydu0D+125CLM=","host":"sensor-1",)j"
        R"j("alert":{"action":"allowed","gid":1,"signature_id":1778383493,"rev":1,)j"
        R"j("signature":"SPOOR IP asyncrat (malware)",)j"
        R"j("category":"A Network Trojan was detected","severity":1,)j"
        R"j("metadata":{"trail":["5.6.7.8"],"trail_type":["IP"],)j"
        R"j("info":["asyncrat (malware)"],"reference":["(static)"],)j"
        R"j("matched_field":["dest_ip"],"detector":["xdp"]}}})j";
    CHECK(format_eve(golden_alert(), "sensor-1") == expected);
}

TEST_CASE("format_eve: fields and types read back") {
    Alert a = golden_alert();
    a.in_iface.clear();
    a.app_proto.clear();
    const std::string line = format_eve(a, "sensor-1");
    REQUIRE_FALSE(line.empty());
    CHECK(line.back() == '}');
    CHECK(line.find('\n') == std::string::npos);

    const auto j = nlohmann::json::parse(line);
    CHECK(j.at("timestamp") == "2026-08-07T09:14:22.117034+0000");
    CHECK(j.at("flow_id").is_number_unsigned());
    CHECK(j.at("flow_id").get<std::uint64_t>() == flow_id(a));
    CHECK_FALSE(j.contains("in_iface"));
    CHECK_FALSE(j.contains("app_proto"));
    CHECK(j.at("event_type") == "alert");
    CHECK(j.at("src_ip") == "1.2.3.4");
    CHECK(j.at("src_port").is_number_unsigned());
    CHECK(j.at("src_port") == 1122);
    CHECK(j.at("dest_ip") == "5.6.7.8");
    CHECK(j.at("dest_port") == 3344);
    CHECK(j.at("proto") == "TCP");
    CHECK_FALSE(j.contains("icmp_type"));
    CHECK(j.at("community_id") == community_id_v1(a));
    CHECK(j.at("host") == "sensor-1");

    const auto& alert = j.at("alert");
    CHECK(alert.at("action") == "allowed");
    CHECK(alert.at("gid") == 1);
    CHECK(alert.at("signature_id").is_number_unsigned());
    CHECK(alert.at("signature_id") == a.signature_id);
    CHECK(alert.at("rev") == 1);
    CHECK(alert.at("signature") == "SPOOR IP asyncrat (malware)");
    CHECK(alert.at("category") == "A Network Trojan was detected");
    CHECK(alert.at("severity").is_number_integer());
    CHECK(alert.at("severity") == 1);

    const auto& metadata = alert.at("metadata");
    CHECK(metadata.size() == 6);
    const std::pair<const char*, std::string> expected[] = {
        {"trail", "5.6.7.8"},      {"trail_type", "IP"},         {"info", "asyncrat (malware)"},
        {"reference", "(static)"}, {"matched_field", "dest_ip"}, {"detector", "xdp"},
    };
    for (const auto& [key, value] : expected) {
        CAPTURE(key);
        const auto& field = metadata.at(key);
        REQUIRE(field.is_array());
        REQUIRE(field.size() == 1);
        CHECK(field[0].is_string());
        CHECK(field[0] == value);
    }
}

TEST_CASE("format_eve: ICMP alerts carry type and code, no ports") {
    Alert a = golden_alert();
    a.ip_proto = IPPROTO_ICMP;
    a.app_proto.clear();
    a.icmp_type = 8;
    a.icmp_code = 0;
    const std::string line = format_eve(a, "sensor-1");
    // flow_id from Python as in the golden test, with proto 1 and ports 8 and 0
    // (echo request: type and counterpart type); community_id: the spec's vector.
    CHECK(line.find(R"("flow_id":1780011400482398,)") != std::string::npos);
    CHECK(line.find(
              R"("src_ip":"1.2.3.4","dest_ip":"5.6.7.8","proto":"ICMP",)"
              R"("icmp_type":8,"icmp_code":0,"community_id":"1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",)") !=
          std::string::npos);

    const auto j = nlohmann::json::parse(line);
    CHECK_FALSE(j.contains("src_port"));
    CHECK_FALSE(j.contains("dest_port"));
    CHECK(j.at("icmp_type") == 8);
    CHECK(j.at("icmp_code") == 0);

    Alert v6 = flow(IPPROTO_ICMPV6, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
                    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0);
    const auto j6 = nlohmann::json::parse(format_eve(v6, "sensor-1"));
    CHECK(j6.at("proto") == "IPv6-ICMP");
    CHECK(j6.at("src_ip") == "fe80:1:203:405:607:809:a0b:c0d");
    CHECK(j6.at("icmp_type") == 128);
    CHECK(j6.at("community_id") == "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
    CHECK_FALSE(j6.contains("src_port"));
}

TEST_CASE("format_eve: protocols without a name are numbers, without ports") {
    const auto j = nlohmann::json::parse(format_eve(flow(47, "10.0.0.1", "10.0.0.2"), "s"));
    CHECK(j.at("proto") == "47");
    CHECK_FALSE(j.contains("src_port"));
    CHECK_FALSE(j.contains("icmp_type"));
    CHECK(nlohmann::json::parse(format_eve(flow(17, "10.0.0.1", "10.0.0.2", 1, 2), "s"))
              .at("proto") == "UDP");
}

TEST_CASE("format_eve: invalid UTF-8 in trail text is replaced, not thrown") {
    Alert a = golden_alert();
    a.trail_type = "UA";
    a.trail = "curl\xff\xfe/7";
    a.info = "bad\xc3";          // truncated two-byte sequence
    spoor::detect::classify(a);  // the signature carries the info, bad byte and all
    std::string line;
    REQUIRE_NOTHROW(line = format_eve(a, "sensor-1"));
    const auto j = nlohmann::json::parse(line);
    const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
    const auto trail = j.at("alert").at("metadata").at("trail")[0].get<std::string>();
    CHECK(trail.rfind("curl", 0) == 0);
    CHECK(trail.find(replacement) != std::string::npos);
    CHECK(trail.find('\xff') == std::string::npos);
    CHECK(trail.substr(trail.size() - 2) == "/7");
    const auto info = j.at("alert").at("metadata").at("info")[0].get<std::string>();
    CHECK(info == "bad" + replacement);
    CHECK(j.at("alert").at("signature") == "SPOOR UA bad" + replacement);
}

namespace {

// The golden line with `tail` spliced in before its final brace.
std::string golden_with(const std::string& tail) {
    std::string line = format_eve(golden_alert(), "sensor-1");
    return line.substr(0, line.size() - 1) + tail + "}";
}

}  // namespace

TEST_CASE("format_eve: a suppressed alert is the same object as event_type suppressed") {
    const Alert a = golden_alert();
    std::string expected = golden_with(R"(,"suppressed":{"rule":"lab scanner"})");
    const std::string from = R"("event_type":"alert")";
    expected.replace(expected.find(from), from.size(), R"("event_type":"suppressed")");
    CHECK(format_eve(a, "sensor-1", "lab scanner") == expected);
    // An empty rule name is the normal alert, byte for byte.
    CHECK(format_eve(a, "sensor-1", "") == format_eve(a, "sensor-1"));

    auto j = nlohmann::json::parse(format_eve(a, "sensor-1", "rule 3"));
    CHECK(j.at("event_type") == "suppressed");
    CHECK(j.at("suppressed") == nlohmann::json{{"rule", "rule 3"}});
    j.erase("suppressed");
    j["event_type"] = "alert";
    CHECK(j == nlohmann::json::parse(format_eve(a, "sensor-1")));
}

TEST_CASE("format_eve: a throttle summary carries its count and first and last times") {
    Alert a = golden_alert();
    a.summary = Alert::Summary{7, kAug7 + 1'500'000, kAug7 + 41 * kSecond + 999'999'999};
    CHECK(format_eve(a, "sensor-1") ==
          golden_with(R"(,"throttle":{"count":7,"first":"2026-08-07T09:14:22.001500+0000",)"
                      R"("last":"2026-08-07T09:15:03.999999+0000"})"));
    const auto j = nlohmann::json::parse(format_eve(a, "sensor-1"));
    CHECK(j.at("event_type") == "alert");
    CHECK(j.at("throttle").at("count").is_number_unsigned());
}

TEST_CASE("format_eve: xff names the client behind a proxy") {
    Alert a = golden_alert();
    a.xff = "10.20.30.40";
    CHECK(format_eve(a, "sensor-1") == golden_with(R"(,"xff":"10.20.30.40")"));
    // As sent, odd bytes and all.
    a.xff = "203.0.113.7, \xff";
    const auto j = nlohmann::json::parse(format_eve(a, "sensor-1"));
    CHECK(j.at("xff") == "203.0.113.7, \xEF\xBF\xBD");
}

TEST_CASE("format_eve: heuristic alerts name their heuristic in metadata") {
    Alert a = golden_alert();
    a.heuristic = "port-scan";
    a.detector = "heuristic";
    const std::string line = format_eve(a, "sensor-1");
    CHECK(line.find(R"("detector":["heuristic"],"heuristic":["port-scan"]}})") !=
          std::string::npos);
    const auto j = nlohmann::json::parse(line);
    CHECK(j.at("alert").at("metadata").size() == 7);
    CHECK(j.at("alert").at("metadata").at("heuristic") == nlohmann::json::array({"port-scan"}));
}

TEST_CASE("format_eve: every addition at once, in a fixed order") {
    Alert a = golden_alert();
    a.heuristic = "web-scan";
    a.xff = "10.1.1.1";
    a.summary = Alert::Summary{2, kAug7, kAug7 + kSecond};
    const std::string line = format_eve(a, "sensor-1", "noisy proxy");
    const auto at = [&line](const char* key) { return line.find(key); };
    CHECK(at(R"("event_type":"suppressed")") < at(R"("alert":)"));
    CHECK(at(R"("heuristic":["web-scan"])") < at(R"("xff":)"));
    CHECK(at(R"("xff":)") < at(R"("throttle":)"));
    CHECK(at(R"("throttle":)") < at(R"("suppressed":{"rule":"noisy proxy"}})"));
}
