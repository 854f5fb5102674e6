// The feed policy: what downloaded feeds lose after the merge, and what the operator's
// lists always keep.
#include <doctest/doctest.h>

#include "support/test_support.h"
#include "trails/feed_policy.h"

using spoor::IpAddress;
using spoor::test::TempDir;
using namespace spoor::trails;

namespace {

void from_feed(TrailSet& set, IndicatorKind kind, const std::string& key, const char* feed) {
    set.add(kind, key, TrailRecord{"botnet c&c (malware)", feed}, SourceRank::Feed);
}

void from_custom(TrailSet& set, IndicatorKind kind, const std::string& key) {
    set.add(kind, key, TrailRecord{"internal blacklist", "(custom)"}, SourceRank::Custom);
}

bool has_ip(const TrailSet& set, const char* text) {
    return set.ips.contains(IpAddress::parse(text).value());
}

bool has_ip_port(const TrailSet& set, const char* text, std::uint16_t port) {
    return set.ipports.contains(IpPort{IpAddress::parse(text).value(), port});
}

bool has_cidr(const TrailSet& set, const char* text, std::uint8_t len) {
    return set.cidrs.contains(Prefix{IpAddress::parse(text).value(), len});
}

FeedPolicy policy_of(std::vector<std::string> feeds, std::size_t min_feeds) {
    FeedPolicy policy;
    policy.feed_references = std::move(feeds);
    policy.min_feeds = min_feeds;
    return policy;
}

}  // namespace

TEST_CASE("bogon addresses and prefixes leave feeds, never the operator's lists") {
    TrailSet set;
    from_feed(set, IndicatorKind::Ip, "10.1.2.3", "(a)");
    from_feed(set, IndicatorKind::Ip, "127.0.0.1", "(a)");
    from_feed(set, IndicatorKind::IpPort, "192.0.2.5:443", "(a)");
    from_feed(set, IndicatorKind::Ip, "2001:db8::1", "(a)");
    from_feed(set, IndicatorKind::Ip, "fe80::1", "(a)");
    from_feed(set, IndicatorKind::Ip, "239.1.1.1", "(a)");
    from_feed(set, IndicatorKind::Cidr, "172.16.5.0/24", "(a)");  // inside a bogon range
    from_feed(set, IndicatorKind::Cidr, "0.0.0.0/1", "(a)");      // holds several
    from_feed(set, IndicatorKind::Ip, "45.9.148.3", "(a)");
    from_feed(set, IndicatorKind::Cidr, "45.9.148.0/24", "(a)");
    from_feed(set, IndicatorKind::Domain, "evil.example", "(a)");
    // The operator lists private addresses of his own network: kept, also when a feed
    // names the same address.
    from_custom(set, IndicatorKind::Ip, "10.7.7.7");
    from_custom(set, IndicatorKind::Cidr, "192.168.0.0/16");
    from_feed(set, IndicatorKind::Ip, "10.7.7.7", "(a)");

    const auto report = apply_feed_policy(set, policy_of({"(a)"}, 1));
    CHECK(report.bogon == 8);
    CHECK(report.cdn == 0);
    CHECK(report.too_few_feeds == 0);
    CHECK_FALSE(has_ip(set, "10.1.2.3"));
    CHECK_FALSE(has_ip(set, "127.0.0.1"));
    CHECK_FALSE(has_ip_port(set, "192.0.2.5", 443));
    CHECK_FALSE(has_ip(set, "2001:db8::1"));
    CHECK_FALSE(has_ip(set, "fe80::1"));
    CHECK_FALSE(has_ip(set, "239.1.1.1"));
    CHECK_FALSE(has_cidr(set, "172.16.5.0", 24));
    CHECK_FALSE(has_cidr(set, "0.0.0.0", 1));
    CHECK(has_ip(set, "45.9.148.3"));
    CHECK(has_cidr(set, "45.9.148.0", 24));
    CHECK(set.domains.contains("evil.example"));
    CHECK(has_ip(set, "10.7.7.7"));
    CHECK(set.record(set.ips.at(IpAddress::parse("10.7.7.7").value())).reference ==
          "(custom) (+a)");
    CHECK(has_cidr(set, "192.168.0.0", 16));
}

TEST_CASE("the bogon list holds the special-purpose ranges, not public space") {
    const AddressRanges& bogons = bogon_ranges();
    for (const char* inside : {"0.1.2.3", "100.64.0.1", "169.254.9.9", "192.0.0.8", "198.18.0.1",
                               "198.51.100.7", "203.0.113.9", "255.255.255.255", "::", "::1",
                               "::ffff:1.2.3.4", "fc00::1", "fd12::1", "ff02::1", "3fff::1"}) {
        CAPTURE(inside);
        CHECK(bogons.contains(IpAddress::parse(inside).value()));
    }
    for (const char* outside :
         {"1.1.1.1", "45.9.148.3", "100.63.255.255", "100.128.0.0", "172.32.0.1", "198.20.0.1",
          "223.255.255.255", "2a00:1450::1", "2001:4860::8888"}) {
        CAPTURE(outside);
        CHECK_FALSE(bogons.contains(IpAddress::parse(outside).value()));
    }
}

TEST_CASE("CDN ranges leave feeds: a prefix inside one or holding one goes too") {
    TempDir dir;
    const auto file = dir.write("cdn.txt",
                                "# a CDN's ranges\n"
                                "104.16.0.0/13\n"
                                "\n"
                                "151.101.1.1   # one address\n"
                                "2606:4700::/32\n");
    FeedPolicy policy = policy_of({"(a)", "(b)", "(c)"}, 1);
    policy.cdn.load(file);
    CHECK(policy.cdn.size() == 3);

    TrailSet set;
    from_feed(set, IndicatorKind::Ip, "104.17.3.4", "(a)");
    from_feed(set, IndicatorKind::IpPort, "151.101.1.1:443", "(b)");
    from_feed(set, IndicatorKind::Ip, "2606:4700::6810:1", "(c)");
    from_feed(set, IndicatorKind::Cidr, "104.18.0.0/16", "(a)");  // inside
    from_feed(set, IndicatorKind::Cidr, "104.0.0.0/8", "(a)");    // holds it
    from_feed(set, IndicatorKind::Ip, "104.24.0.1", "(a)");       // just past the /13
    from_custom(set, IndicatorKind::Ip, "104.16.0.1");            // the operator's own

    const auto report = apply_feed_policy(set, policy);
    CHECK(report.cdn == 5);
    CHECK(report.bogon == 0);
    CHECK(set.ips.size() == 2);
    CHECK(has_ip(set, "104.24.0.1"));
    CHECK(has_ip(set, "104.16.0.1"));
    CHECK(set.ipports.empty());
    CHECK(set.cidrs.empty());
}

TEST_CASE("Maltrail's CDN list, read at run time, drops a Cloudflare address a feed names") {
    const auto shared = spoor::test::shared_dir();
    if (!shared || !std::filesystem::exists(*shared / "data/maltrail/cdn_ranges.txt")) {
        MESSAGE("../shared/data/maltrail/cdn_ranges.txt absent: skipped");
        return;
    }
    FeedPolicy policy = policy_of({"(a)"}, 1);
    policy.cdn.load(*shared / "data/maltrail/cdn_ranges.txt");
    CHECK(policy.cdn.size() > 100);
    TrailSet set;
    from_feed(set, IndicatorKind::Ip, "104.16.1.1", "(a)");  // cloudflare.com/ips-v4
    from_feed(set, IndicatorKind::Ip, "45.9.148.3", "(a)");
    CHECK(apply_feed_policy(set, policy).cdn == 1);
    CHECK(set.ips.size() == 1);
}

TEST_CASE("an address only feeds name needs N distinct feeds, IP and IP:port together") {
    TrailSet set;
    // Three feeds, one of them as IP:port: kept.
    from_feed(set, IndicatorKind::Ip, "45.9.148.3", "(a)");
    from_feed(set, IndicatorKind::Ip, "45.9.148.3", "(b)");
    from_feed(set, IndicatorKind::IpPort, "45.9.148.3:443", "(c)");
    // Two feeds, one of them twice: dropped.
    from_feed(set, IndicatorKind::Ip, "45.9.148.4", "(a)");
    from_feed(set, IndicatorKind::Ip, "45.9.148.4", "(a)");
    from_feed(set, IndicatorKind::IpPort, "45.9.148.4:80", "(b)");
    // One feed, but the operator lists the address too (as IP:port): corroborated.
    from_feed(set, IndicatorKind::Ip, "45.9.148.5", "(a)");
    from_custom(set, IndicatorKind::IpPort, "45.9.148.5:22");
    // A trails.csv of the operator's ranks its rows as feeds; its reference is not a
    // downloaded feed's, so it counts as the operator's.
    set.add(IndicatorKind::Ip, "45.9.148.6", TrailRecord{"scanner", "(alienvault)"},
            SourceRank::Feed);
    // Prefixes and names are not counted.
    from_feed(set, IndicatorKind::Cidr, "45.9.149.0/24", "(a)");
    from_feed(set, IndicatorKind::Domain, "evil.example", "(b)");

    const auto report = apply_feed_policy(set, policy_of({"(a)", "(b)", "(c)"}, 3));
    CHECK(report.too_few_feeds == 2);
    CHECK(report.total() == 2);
    CHECK(has_ip(set, "45.9.148.3"));
    CHECK(has_ip_port(set, "45.9.148.3", 443));
    CHECK(set.record(set.ips.at(IpAddress::parse("45.9.148.3").value())).reference == "(a) (+b)");
    CHECK_FALSE(has_ip(set, "45.9.148.4"));
    CHECK_FALSE(has_ip_port(set, "45.9.148.4", 80));
    CHECK(has_ip(set, "45.9.148.5"));
    CHECK(has_ip_port(set, "45.9.148.5", 22));
    CHECK(has_ip(set, "45.9.148.6"));
    CHECK(has_cidr(set, "45.9.149.0", 24));
    CHECK(set.domains.contains("evil.example"));
}

TEST_CASE("static and custom lists win over feeds and name every source") {
    TrailSet set;
    from_feed(set, IndicatorKind::Ip, "45.9.148.7", "(a)");
    set.add(IndicatorKind::Ip, "45.9.148.7", TrailRecord{"asyncrat (malware)", "(static)"},
            SourceRank::StaticMalware);
    from_feed(set, IndicatorKind::Ip, "45.9.148.7", "(b)");
    const auto id = set.ips.at(IpAddress::parse("45.9.148.7").value());
    CHECK(set.rank(id) == SourceRank::StaticMalware);
    CHECK(set.references(id) == std::vector<std::string_view>{"(static)", "(a)", "(b)"});

    CHECK(apply_feed_policy(set, policy_of({"(a)", "(b)"}, 3)).total() == 0);
    CHECK(set.record(set.ips.at(IpAddress::parse("45.9.148.7").value())).info ==
          "asyncrat (malware)");
}

TEST_CASE("a ranges file with a line that is no prefix is refused with file:line") {
    TempDir dir;
    const auto file = dir.write("cdn.txt", "104.16.0.0/13\n\n104.16.0.0/33\n");
    AddressRanges ranges;
    CHECK_THROWS_WITH_AS(ranges.load(file),
                         (file.string() + ":3: not an address or prefix: "
                                          "'104.16.0.0/33'")
                             .c_str(),
                         FeedPolicyError);
    CHECK_THROWS_AS(ranges.load(dir.path() / "absent.txt"), FeedPolicyError);
}
