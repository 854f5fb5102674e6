// The EVE protocol objects: `dns`, `http`, `tls` and `quic`.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "output/eve.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::detect::DnsInfo;
using spoor::detect::HttpInfo;
using spoor::detect::TlsInfo;

namespace {

Alert dns_alert(DnsInfo info) {
    Alert a;
    a.timestamp_ns = 1'780'000'000'000'000'000ull;
    a.src = *IpAddress::parse("10.1.0.1");
    a.dst = *IpAddress::parse("10.1.0.53");
    a.src_port = 40000;
    a.dst_port = 53;
    a.ip_proto = 17;
    a.app_proto = "dns";
    a.trail_type = "DNS";
    a.trail = "(a.b).evil.com";
    a.info = "lab (malware)";
    a.reference = "(static)";
    a.matched_field = "dns.rrname";
    a.detector = "dns";
    a.dns = std::move(info);
    spoor::detect::classify(a);
    return a;
}

}  // namespace

TEST_CASE("a query alert carries app_proto and the dns object") {
    const auto line =
        spoor::output::format_eve(dns_alert({"query", 4660, "a.b.evil.com", "A", "", {}}), "s");
    const auto j = nlohmann::json::parse(line);
    CHECK(j["app_proto"] == "dns");
    CHECK(j["dns"] ==
          nlohmann::json::parse(R"({"version":3,"type":"query","id":4660,"rrname":"a.b.evil.com",)"
                                R"("rrtype":"A"})"));
    // The dns object follows host, as Suricata orders its protocol objects after the flow.
    CHECK(line.find("\"host\":\"s\",\"dns\":{") != std::string::npos);
}

TEST_CASE("an answer alert lists rcode and answers") {
    DnsInfo info{"answer", 1, "www.sinkholed.example", "A", "NOERROR", {}};
    info.answers.push_back({"www.sinkholed.example", "CNAME", 60, "hole.example"});
    info.answers.push_back({"hole.example", "A", 300, "10.202.0.9"});
    const auto j = nlohmann::json::parse(spoor::output::format_eve(dns_alert(info), "s"));
    CHECK(j["dns"]["rcode"] == "NOERROR");
    REQUIRE(j["dns"]["answers"].size() == 2);
    CHECK(j["dns"]["answers"][1] ==
          nlohmann::json::parse(R"({"rrname":"hole.example","rrtype":"A","ttl":300,)"
                                R"("rdata":"10.202.0.9"})"));
}

TEST_CASE("alerts without DNS have no dns object") {
    Alert a = dns_alert({});
    a.dns.reset();
    CHECK_FALSE(nlohmann::json::parse(spoor::output::format_eve(a, "s")).contains("dns"));
}

TEST_CASE("an HTTP alert carries the http object, without the fields the transaction lacked") {
    Alert a = dns_alert({});
    a.dns.reset();
    a.app_proto = "http";
    a.dst_port = 80;
    a.ip_proto = 6;
    a.http = HttpInfo{"www.evil.example", "/gate.php?id=7", "LabBot/1.0", "GET", 0, ""};
    const auto line = spoor::output::format_eve(a, "s");
    const auto j = nlohmann::json::parse(line);
    CHECK(j["app_proto"] == "http");
    CHECK(j["http"] == nlohmann::json::parse(R"({"hostname":"www.evil.example",)"
                                             R"("url":"/gate.php?id=7","http_user_agent":)"
                                             R"("LabBot/1.0","http_method":"GET"})"));
    CHECK(line.find("\"host\":\"s\",\"http\":{") != std::string::npos);
    // With its response: status and content type.
    a.http->status = 200;
    a.http->http_content_type = "application/x-msdownload";
    const auto with = nlohmann::json::parse(spoor::output::format_eve(a, "s"));
    CHECK(with["http"]["status"] == 200);
    CHECK(with["http"]["http_content_type"] == "application/x-msdownload");
}

TEST_CASE("TLS and QUIC alerts carry the tls or the quic object") {
    Alert a = dns_alert({});
    a.dns.reset();
    a.app_proto = "tls";
    a.ip_proto = 6;
    a.tls = TlsInfo{"www.evil.example",
                    "TLS 1.3",
                    "0123456789abcdef0123456789abcdef",
                    "771,4865,0-43,29,0",
                    "t13d0506h2_0123456789ab_ba9876543210",
                    ""};
    auto j = nlohmann::json::parse(spoor::output::format_eve(a, "s"));
    CHECK(j["tls"] == nlohmann::json::parse(R"({"sni":"www.evil.example","version":"TLS 1.3",)"
                                            R"("ja3":{"hash":"0123456789abcdef0123456789abcdef",)"
                                            R"("string":"771,4865,0-43,29,0"},)"
                                            R"("ja4":"t13d0506h2_0123456789ab_ba9876543210"})"));
    CHECK_FALSE(j.contains("quic"));
    a.app_proto = "quic";
    a.ip_proto = 17;
    j = nlohmann::json::parse(spoor::output::format_eve(a, "s"));
    CHECK(j["quic"]["sni"] == "www.evil.example");
    CHECK_FALSE(j.contains("tls"));
    // A certificate alert has the fingerprint alone.
    a.app_proto = "tls";
    a.tls = TlsInfo{};
    a.tls->fingerprint = "a9:99:3e:36";
    j = nlohmann::json::parse(spoor::output::format_eve(a, "s"));
    CHECK(j["tls"] == nlohmann::json::parse(R"({"fingerprint":"a9:99:3e:36"})"));
}
