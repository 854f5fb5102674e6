// TrailSet: key normalisation, record interning and the merge rules of
// DESIGN.md "Trail types" (better source keeps the info, every source named).
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "trails/trail_set.h"

namespace {

using spoor::IpAddress;
using spoor::trails::IndicatorKind;
using spoor::trails::IpPort;
using spoor::trails::Prefix;
using spoor::trails::SourceRank;
using spoor::trails::TrailRecord;
using spoor::trails::TrailSet;

IpAddress ip(const char* text) {
    return IpAddress::parse(text).value();
}

const TrailRecord& ip_record(const TrailSet& set, const char* text) {
    return set.record(set.ips.at(ip(text)));
}

const TrailRecord kStatic{"asyncrat (malware)", "(static)"};
const TrailRecord kSuspicious{"parking site (suspicious)", "(static)"};
const TrailRecord kCustom{"my list", "(custom)"};

}  // namespace

TEST_CASE("kind_name names every kind") {
    using spoor::trails::kind_name;
    CHECK(std::string(kind_name(IndicatorKind::Ip)) == "ip");
    CHECK(std::string(kind_name(IndicatorKind::IpPort)) == "ipport");
    CHECK(std::string(kind_name(IndicatorKind::Cidr)) == "cidr");
    CHECK(std::string(kind_name(IndicatorKind::Domain)) == "domain");
    CHECK(std::string(kind_name(IndicatorKind::RegexDomain)) == "regex_domain");
    CHECK(std::string(kind_name(IndicatorKind::Url)) == "url");
    CHECK(std::string(kind_name(IndicatorKind::UserAgent)) == "ua");
    CHECK(std::string(kind_name(IndicatorKind::CertSha1)) == "sha1");
    CHECK(std::string(kind_name(IndicatorKind::Ja3)) == "ja3");
    CHECK(std::string(kind_name(IndicatorKind::Ja4)) == "ja4");
}

TEST_CASE("address keys are parsed, masked, and exact prefixes stored as addresses") {
    TrailSet set;
    set.add(IndicatorKind::Ip, "1.2.3.4", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "2001:db8::1", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Cidr, "10.1.2.3/8", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Cidr, "2001:db8:ff::/32", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Cidr, "5.6.7.8/32", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Cidr, "2001:db8::2/128", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::IpPort, "1.2.3.4:80", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::IpPort, "[2001:db8::1]:443", kStatic, SourceRank::StaticMalware);

    CHECK(set.ips.size() == 4);
    CHECK(set.ips.count(ip("5.6.7.8")) == 1);
    CHECK(set.ips.count(ip("2001:db8::2")) == 1);
    CHECK(set.cidrs.size() == 2);
    CHECK(set.cidrs.count(Prefix{ip("10.0.0.0"), 8}) == 1);
    CHECK(set.cidrs.count(Prefix{ip("2001:db8::"), 32}) == 1);
    CHECK(set.ipports.count(IpPort{ip("1.2.3.4"), 80}) == 1);
    CHECK(set.ipports.count(IpPort{ip("2001:db8::1"), 443}) == 1);
    CHECK(set.count(IndicatorKind::Ip) == 4);
    CHECK(set.count(IndicatorKind::Cidr) == 2);
    CHECK(set.count(IndicatorKind::IpPort) == 2);
    CHECK(set.total() == 8);

    // A masked duplicate is the same prefix.
    set.add(IndicatorKind::Cidr, "10.200.0.0/8", kStatic, SourceRank::StaticMalware);
    CHECK(set.cidrs.size() == 2);
}

TEST_CASE("string kinds land in their own maps") {
    TrailSet set;
    set.add(IndicatorKind::Domain, "evil.com", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::RegexDomain, "evil[0-9]+\\.com", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Url, "evil.com/x", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::UserAgent, "EvilBot", kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::CertSha1, std::string(40, 'a'), kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Ja3, std::string(32, 'b'), kStatic, SourceRank::StaticMalware);
    set.add(IndicatorKind::Ja4, "t13d1516h2_8daaf6152771_b186095e22b6", kStatic,
            SourceRank::StaticMalware);
    for (std::size_t k = 0; k < spoor::trails::kIndicatorKinds; ++k) {
        const auto kind = static_cast<IndicatorKind>(k);
        const bool address = kind == IndicatorKind::Ip || kind == IndicatorKind::IpPort ||
                             kind == IndicatorKind::Cidr;
        CAPTURE(spoor::trails::kind_name(kind));
        CHECK(set.count(kind) == (address ? 0u : 1u));
    }
    CHECK(set.total() == 7);
    CHECK(set.domains.count("evil.com") == 1);
    CHECK(set.user_agents.count("EvilBot") == 1);
}

TEST_CASE("bad address keys are refused") {
    TrailSet set;
    CHECK_THROWS_AS(set.add(IndicatorKind::Ip, "evil.com", kStatic, SourceRank::Custom),
                    std::invalid_argument);
    CHECK_THROWS_AS(set.add(IndicatorKind::Cidr, "10.0.0.0/33", kStatic, SourceRank::Custom),
                    std::invalid_argument);
    CHECK_THROWS_AS(set.add(IndicatorKind::IpPort, "1.2.3.4:0", kStatic, SourceRank::Custom),
                    std::invalid_argument);
    CHECK(set.total() == 0);
}

TEST_CASE("records are interned: indicators with the same source share one") {
    TrailSet set;
    for (int i = 0; i < 1000; ++i) {
        const std::string number = std::to_string(i);
        set.add(IndicatorKind::Domain, std::string("d").append(number).append(".com"), kStatic,
                SourceRank::StaticMalware);
        set.add(IndicatorKind::Domain, std::string("s").append(number).append(".com"), kCustom,
                SourceRank::Custom);
    }
    CHECK(set.total() == 2000);
    CHECK(set.records().size() == 2);
    CHECK(set.domains.at("d1.com") == set.domains.at("d999.com"));
    CHECK(set.domains.at("d1.com") != set.domains.at("s1.com"));
}

TEST_CASE("merge: a better source keeps the info whatever the order") {
    SUBCASE("custom after static") {
        TrailSet set;
        set.add(IndicatorKind::Ip, "1.2.3.4", kStatic, SourceRank::StaticMalware);
        set.add(IndicatorKind::Ip, "1.2.3.4", kCustom, SourceRank::Custom);
        CHECK(ip_record(set, "1.2.3.4").info == "my list");
        CHECK(ip_record(set, "1.2.3.4").reference == "(custom) (+static)");
    }
    SUBCASE("custom before static") {
        TrailSet set;
        set.add(IndicatorKind::Ip, "1.2.3.4", kCustom, SourceRank::Custom);
        set.add(IndicatorKind::Ip, "1.2.3.4", kStatic, SourceRank::StaticMalware);
        CHECK(ip_record(set, "1.2.3.4").info == "my list");
        CHECK(ip_record(set, "1.2.3.4").reference == "(custom) (+static)");
    }
    SUBCASE("malware beats suspicious, both static: one reference") {
        TrailSet set;
        set.add(IndicatorKind::Domain, "evil.com", kSuspicious, SourceRank::StaticSuspicious);
        set.add(IndicatorKind::Domain, "evil.com", kStatic, SourceRank::StaticMalware);
        set.add(IndicatorKind::Domain, "evil.com", kSuspicious, SourceRank::StaticSuspicious);
        const auto& rec = set.record(set.domains.at("evil.com"));
        CHECK(rec.info == "asyncrat (malware)");
        CHECK(rec.reference == "(static)");
    }
    SUBCASE("suspicious does not beat malware") {
        TrailSet set;
        set.add(IndicatorKind::Domain, "evil.com", kStatic, SourceRank::StaticMalware);
        set.add(IndicatorKind::Domain, "evil.com", kSuspicious, SourceRank::StaticSuspicious);
        CHECK(set.record(set.domains.at("evil.com")).info == "asyncrat (malware)");
    }
    SUBCASE("a feed loses to static and is named") {
        TrailSet set;
        set.add(IndicatorKind::Domain, "evil.com", TrailRecord{"malware", "abuse.ch"},
                SourceRank::Feed);
        set.add(IndicatorKind::Domain, "evil.com", kStatic, SourceRank::StaticMalware);
        const auto& rec = set.record(set.domains.at("evil.com"));
        CHECK(rec.info == "asyncrat (malware)");
        CHECK(rec.reference == "(static) (+abuse.ch)");
    }
}

TEST_CASE("merge: a tie keeps the first added, each reference named once") {
    TrailSet set;
    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"alpha (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"beta (malware)", "(static)"},
            SourceRank::StaticMalware);
    CHECK(ip_record(set, "1.2.3.4").info == "alpha (malware)");
    CHECK(ip_record(set, "1.2.3.4").reference == "(static)");

    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"x", "(custom)"}, SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"y", "(custom)"}, SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"z", "feed.org"}, SourceRank::Feed);
    CHECK(ip_record(set, "1.2.3.4").info == "alpha (malware)");
    CHECK(ip_record(set, "1.2.3.4").reference == "(static) (+custom) (+feed.org)");

    // A new winner puts its reference first and keeps naming the others once.
    set.add(IndicatorKind::Ip, "1.2.3.4", TrailRecord{"mine", "(custom)"}, SourceRank::Custom);
    CHECK(ip_record(set, "1.2.3.4").info == "mine");
    CHECK(ip_record(set, "1.2.3.4").reference == "(custom) (+static) (+feed.org)");

    // Other indicators of the first source still point at the plain record.
    set.add(IndicatorKind::Ip, "5.6.7.8", TrailRecord{"alpha (malware)", "(static)"},
            SourceRank::StaticMalware);
    CHECK(ip_record(set, "5.6.7.8").reference == "(static)");
}

TEST_CASE("merge: the rank stays with the indicator, not the record text") {
    // Same info and reference from two ranks: the worse one must not win a later tie.
    TrailSet set;
    set.add(IndicatorKind::Domain, "a.com", TrailRecord{"x", "(static)"}, SourceRank::StaticTop);
    set.add(IndicatorKind::Domain, "b.com", TrailRecord{"x", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Domain, "a.com", TrailRecord{"y (suspicious)", "(static)"},
            SourceRank::StaticSuspicious);
    set.add(IndicatorKind::Domain, "b.com", TrailRecord{"y (suspicious)", "(static)"},
            SourceRank::StaticSuspicious);
    CHECK(set.record(set.domains.at("a.com")).info == "y (suspicious)");
    CHECK(set.record(set.domains.at("b.com")).info == "x");
}

TEST_CASE("hashes spread prefixes and ports") {
    const spoor::trails::PrefixHash prefix_hash;
    const spoor::trails::IpPortHash port_hash;
    CHECK(prefix_hash(Prefix{ip("10.0.0.0"), 8}) != prefix_hash(Prefix{ip("10.0.0.0"), 16}));
    CHECK(port_hash(IpPort{ip("1.2.3.4"), 80}) != port_hash(IpPort{ip("1.2.3.4"), 81}));
    CHECK(prefix_hash(Prefix{ip("10.0.0.0"), 8}) == prefix_hash(Prefix{ip("10.0.0.0"), 8}));
}
