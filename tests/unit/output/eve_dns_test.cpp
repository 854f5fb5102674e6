// The EVE `dns` object of DNS alerts.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "output/eve.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::detect::DnsInfo;

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
