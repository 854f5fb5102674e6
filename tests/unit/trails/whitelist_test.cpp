// The whitelist: Maltrail's whitelist.txt format, names with their parents,
// addresses exact or inside a prefix.
#include <doctest/doctest.h>

#include <string>

#include "support/test_support.h"
#include "trails/whitelist.h"

namespace {

using spoor::IpAddress;
using spoor::trails::LoadReport;
using spoor::trails::TrailLoadError;
using spoor::trails::Whitelist;

IpAddress ip(const char* text) {
    const auto addr = IpAddress::parse(text);
    REQUIRE(addr.has_value());
    return *addr;
}

}  // namespace

TEST_CASE("whitelist: a file of names, addresses, CIDRs and comments") {
    spoor::test::TempDir dir;
    const auto file = dir.write("whitelist.txt",
                                "# Copyright line\n"
                                "\n"
                                "Example.COM\n"
                                "good.org.   # trailing comment\n"
                                "192.0.2.7\n"
                                "2001:db8::1\n"
                                "198.51.100.0/24\n"
                                "2001:db8:aa::/48\n"
                                "198.51.100.0/24\n"
                                "not a name\n"
                                "10.0.0.0/33\n"
                                "www.nirsoft.net/utils\n");
    Whitelist whitelist;
    LoadReport report;
    whitelist.load(file, report);
    CHECK(report.files == 1);
    CHECK(report.lines == 7);
    CHECK(whitelist.size() == 6);  // the repeated range counts once
    REQUIRE(report.malformed.size() == 3);
    CHECK(report.malformed[0].file == file.string());
    CHECK(report.malformed[0].line == 10);
    CHECK(report.malformed[0].text == "not a name");
    CHECK(report.malformed[1].line == 11);
    CHECK(report.malformed[1].reason == "bad prefix length");
    CHECK(report.malformed[2].line == 12);  // a URL: not something this list can hold

    CHECK(whitelist.has_name("example.com"));
    CHECK(whitelist.has_name("good.org"));
    CHECK(whitelist.has_address(ip("192.0.2.7")));
    CHECK(whitelist.has_address(ip("2001:db8::1")));
    CHECK(whitelist.has_address(ip("198.51.100.200")));
    CHECK(whitelist.has_address(ip("2001:db8:aa:ffff::5")));
    CHECK_FALSE(whitelist.has_address(ip("192.0.2.8")));
    CHECK_FALSE(whitelist.has_address(ip("198.51.101.1")));
    CHECK_FALSE(whitelist.has_address(ip("2001:db8:ab::1")));
}

TEST_CASE("whitelist: a name is listed when it or any parent is") {
    Whitelist whitelist;
    whitelist.add_domain("Example.com.");
    whitelist.add_domain("lan");
    CHECK(whitelist.has_name("example.com"));
    CHECK(whitelist.has_name("a.b.example.com"));
    CHECK(whitelist.has_name("printer.lan"));
    CHECK(whitelist.has_name("a-rather-long-label-for-no-short-string.example.com"));
    CHECK_FALSE(whitelist.has_name("notexample.com"));
    CHECK_FALSE(whitelist.has_name("example.com.evil.net"));
    CHECK_FALSE(whitelist.has_name("com"));
    CHECK_FALSE(whitelist.has_name(""));
    CHECK(whitelist.size() == 2);
}

TEST_CASE("whitelist: addresses match exactly or inside a prefix, per family") {
    Whitelist whitelist;
    whitelist.add_address(ip("8.8.8.8"), 32);
    whitelist.add_address(ip("10.1.2.3"), 8);  // stored masked
    whitelist.add_address(ip("fe80::"), 10);
    CHECK(whitelist.has_address(ip("8.8.8.8")));
    CHECK_FALSE(whitelist.has_address(ip("8.8.8.9")));
    CHECK(whitelist.has_address(ip("10.255.0.1")));
    CHECK_FALSE(whitelist.has_address(ip("11.0.0.1")));
    CHECK(whitelist.has_address(ip("fe80::1234")));
    CHECK_FALSE(whitelist.has_address(ip("fec0::1")));
    // An IPv4 address never falls inside an IPv6 prefix, nor the other way round.
    CHECK_FALSE(whitelist.has_address(ip("::ffff:8.8.8.8")));
    CHECK(whitelist.size() == 3);
}

TEST_CASE("whitelist: a file that cannot be read throws") {
    spoor::test::TempDir dir;
    Whitelist whitelist;
    LoadReport report;
    CHECK_THROWS_AS(whitelist.load(dir.path() / "missing.txt", report), TrailLoadError);
}

TEST_CASE("whitelist: Maltrail's whitelist.txt") {
    const auto data = spoor::test::maltrail_data();
    if (!data) {
        MESSAGE("../shared/data/maltrail not found: skipped");
        return;
    }
    Whitelist whitelist;
    LoadReport report;
    whitelist.load(*data / "whitelist.txt", report);
    CHECK(whitelist.size() > 3000);
    // The lines that are neither a name nor an address: a URL and an address with a port.
    REQUIRE(report.malformed.size() == 2);
    CHECK(report.malformed[0].text == "www.nirsoft.net/utils");
    CHECK(report.malformed[1].text == "185.125.188.59:443");
    CHECK(report.malformed[1].reason ==
          "ipport entries are not supported (names and addresses only)");
    CHECK(whitelist.has_name("localhost"));
    CHECK(whitelist.has_name("www.google.com"));
    CHECK(whitelist.has_name("e-x.not.fyi"));  // listed as "E-X.not.fyi"
    CHECK_FALSE(whitelist.has_name("evil.example"));
    CHECK(whitelist.has_address(ip("8.8.8.8")));
    CHECK(whitelist.has_address(ip("92.222.150.60")));  // listed with a trailing comment
    CHECK(whitelist.has_address(ip("74.125.1.2")));     // inside 74.125.0.0/16
    CHECK(whitelist.has_address(ip("2606:4700:4700::1111")));
    CHECK_FALSE(whitelist.has_address(ip("192.0.2.1")));
}
