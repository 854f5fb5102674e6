// load_trails on small trees written by the test: folder classes and info
// names, source ranking across files and sources, trails.csv, archives, errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "records.h"
#include "support/test_support.h"
#include "trails/loader.h"

namespace {

namespace fs = std::filesystem;
using spoor::IpAddress;
using spoor::test::address;
using spoor::test::domain;
using spoor::test::TempDir;
using spoor::trails::IndicatorKind;
using spoor::trails::load_trails;
using spoor::trails::LoadReport;
using spoor::trails::MalformedLine;
using spoor::trails::TrailLoadError;
using spoor::trails::TrailSet;

// A miniature Maltrail static tree under <root>/trails/static.
void write_static_tree(const TempDir& dir) {
    dir.write("trails/static/malware/asyncrat.txt",
              "# Reference: https://example.org/asyncrat\n"
              "asyncrat-c2.com\n"
              "shared.com\n"
              "9.9.9.9:4444 # panel\n"
              "161.35.41.9:53:53\n");
    dir.write("trails/static/malware/icarus _ransomware.txt", "icarus.com\nshared.com\n");
    dir.write("trails/static/malware/zeus.txt", "shared.com\nzeus.com\n");
    dir.write("trails/static/malicious/bad_proxy.txt", "proxy.com\r\nshared-mal.com\r\n");
    dir.write("trails/static/suspicious/parking_site.txt",
              "192.64.119.0/24\nshared-mal.com\nparked.com\n");
    dir.write("trails/static/mass_scanner_cidr.txt", "192.64.119.0/24\n");
    dir.write("trails/static/mass_scanner.txt", "185.216.140.249\t# scanner.openportstats.com\n");
    dir.write("trails/static/__init__.py", "evil-python.com\n");
}

bool has_malformed(const LoadReport& report, std::string_view file_suffix, std::size_t line,
                   std::string_view text) {
    return std::any_of(report.malformed.begin(), report.malformed.end(),
                       [&](const MalformedLine& m) {
                           return m.file.ends_with(file_suffix) && m.line == line && m.text == text;
                       });
}

int run(const std::string& command) {
    return std::system(command.c_str());
}

}  // namespace

TEST_CASE("static tree: info from file and class folder, rank from the folder") {
    TempDir dir;
    write_static_tree(dir);
    LoadReport report;
    const TrailSet set = load_trails({dir.path() / "trails/static"}, report);

    CHECK(report.files == 7);  // __init__.py is no list
    CHECK(report.lines == 14);
    REQUIRE(report.malformed.size() == 1);
    CHECK(report.malformed[0].file == (dir.path() / "trails/static/malware/asyncrat.txt").string());
    CHECK(report.malformed[0].line == 5);
    CHECK(report.malformed[0].text == "161.35.41.9:53:53");
    CHECK_FALSE(report.malformed[0].reason.empty());

    CHECK(domain(set, "asyncrat-c2.com").info == "asyncrat (malware)");
    CHECK(domain(set, "asyncrat-c2.com").reference == "(static)");
    // A space in the file name stays; '_' becomes a space.
    CHECK(domain(set, "icarus.com").info == "icarus  ransomware (malware)");
    CHECK(domain(set, "proxy.com").info == "bad proxy (malicious)");
    CHECK(domain(set, "parked.com").info == "parking site (suspicious)");
    // Top-level files of a static tree: no class, still static.
    CHECK(address(set, "185.216.140.249").info == "mass scanner");
    CHECK(address(set, "185.216.140.249").reference == "(static)");
    CHECK(set.domains.count("evil-python.com") == 0);
    CHECK(set.ipports.size() == 1);
}

TEST_CASE("static tree: the better folder wins, a tie goes to the first path in sorted order") {
    TempDir dir;
    write_static_tree(dir);
    LoadReport report;
    const TrailSet set = load_trails({dir.path() / "trails/static"}, report);

    // Three malware files: "asyncrat" sorts first.
    CHECK(domain(set, "shared.com").info == "asyncrat (malware)");
    CHECK(domain(set, "shared.com").reference == "(static)");
    // malicious beats suspicious although "suspicious/" is read after "malicious/".
    CHECK(domain(set, "shared-mal.com").info == "bad proxy (malicious)");
    // suspicious beats a top-level file read before it ("mass_scanner_cidr" < "suspicious/").
    const auto& cidr = set.record(set.cidrs.at({IpAddress::parse("192.64.119.0").value(), 24}));
    CHECK(cidr.info == "parking site (suspicious)");
    CHECK(cidr.reference == "(static)");
}

TEST_CASE("custom lists beat static ones, in either order, and both are named") {
    TempDir dir;
    write_static_tree(dir);
    const auto custom = dir.write("custom/my_blocklist.txt", "shared.com\n9.9.9.9:4444\n");
    for (const bool custom_first : {false, true}) {
        CAPTURE(custom_first);
        const std::vector<fs::path> sources =
            custom_first ? std::vector<fs::path>{custom, dir.path() / "trails/static"}
                         : std::vector<fs::path>{dir.path() / "trails/static", custom};
        LoadReport report;
        const TrailSet set = load_trails(sources, report);
        CHECK(domain(set, "shared.com").info == "my blocklist");
        CHECK(domain(set, "shared.com").reference == "(custom) (+static)");
        CHECK(domain(set, "zeus.com").reference == "(static)");
        CHECK(report.files == 8);
    }
}

TEST_CASE("a folder without class folders is custom; a class folder given itself is static") {
    TempDir dir;
    dir.write("lists/office_blocklist.txt", "evil.com\n");
    dir.write("lists/more/extra.txt", "extra.com\n");
    dir.write("static/malware/emotet.txt", "emotet.com\n");
    LoadReport report;
    const TrailSet set =
        load_trails({dir.path() / "lists", dir.path() / "static/malware/"}, report);
    CHECK(domain(set, "evil.com").info == "office blocklist");
    CHECK(domain(set, "evil.com").reference == "(custom)");
    CHECK(domain(set, "extra.com").reference == "(custom)");
    CHECK(domain(set, "emotet.com").info == "emotet (malware)");
    CHECK(domain(set, "emotet.com").reference == "(static)");
    CHECK(report.files == 3);
}

TEST_CASE("a list named directly is custom; any extension but .csv and archives") {
    TempDir dir;
    // With a UTF-8 byte order mark and CRLF line ends, as Windows editors write.
    const auto list = dir.write("feeds/bad_hosts.list",
                                "\xEF\xBB\xBF"
                                "evil.com\r\n1.2.3.4/32\r\n");
    LoadReport report;
    const TrailSet set = load_trails({list}, report);
    CHECK(domain(set, "evil.com").info == "bad hosts");
    CHECK(domain(set, "evil.com").reference == "(custom)");
    CHECK(address(set, "1.2.3.4").info == "bad hosts");
    CHECK(report.files == 1);
    CHECK(report.lines == 2);
}

TEST_CASE("trails.csv: quoting, header, reference ranks and the type column") {
    TempDir dir;
    const auto csv = dir.write("trails.csv",
                               "trail,info,reference\n"
                               "\"evil.com\",\"bad, very bad (malware)\",\"(custom)\"\n"
                               "1.2.3.4,\"say \"\"hi\"\"\",abuse.ch\n"
                               "\\Aagent\\Z,bad agent,(static),ua\n"
                               "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD,"
                               "bad cert,(static),sha1\n"
                               "t13d1516h2_8daaf6152771_b186095e22b6,c2 tls,feed.org,ja4\n"
                               "# a comment row\n"
                               "\n"
                               "lonely.com\n"
                               "5.6.7.8,not a domain,feed.org,domain\n"
                               "\"open.com,x\n"
                               "good.com,ok,feed.org,unknown\n"
                               "161.35.41.9:53:53,x,feed.org\n");
    LoadReport report;
    const TrailSet set = load_trails({csv}, report);

    CHECK(report.files == 1);
    CHECK(report.lines == 5);
    CHECK(set.domains.count("trail") == 0);  // header skipped
    CHECK(domain(set, "evil.com").info == "bad, very bad (malware)");
    CHECK(domain(set, "evil.com").reference == "(custom)");
    CHECK(address(set, "1.2.3.4").info == "say \"hi\"");
    CHECK(address(set, "1.2.3.4").reference == "abuse.ch");
    CHECK(set.user_agents.count("\\Aagent\\Z") == 1);
    CHECK(set.cert_sha1.count("aabbccddeeff00112233445566778899aabbccdd") == 1);
    CHECK(set.ja4.count("t13d1516h2_8daaf6152771_b186095e22b6") == 1);

    const std::string name = csv.string();
    REQUIRE(report.malformed.size() == 5);
    CHECK(has_malformed(report, name, 9, "lonely.com"));
    CHECK(has_malformed(report, name, 10, "5.6.7.8,not a domain,feed.org,domain"));
    CHECK(has_malformed(report, name, 11, "\"open.com,x"));
    CHECK(has_malformed(report, name, 12, "good.com,ok,feed.org,unknown"));
    CHECK(has_malformed(report, name, 13, "161.35.41.9:53:53,x,feed.org"));
}

TEST_CASE("an SSLBL-style certificate list gives certificate trails named by their reason") {
    TempDir dir;
    const auto csv = dir.write("sslblacklist.csv",
                               "# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints)\n"
                               "# Listingdate,SHA1,Listingreason\n"
                               "2024-06-18 07:22:48,7D3BB4D6D0A7F1B0C4F9E1CBF2A1D9E6C0A5AD11,"
                               "AsyncRAT C&C\n"
                               "2024-06-17 10:01:02,a9993e364706816aba3e25717850c26c9cd0d89d,"
                               "Dridex malware distribution\n"
                               "2024-06-17 10:01:02,a9993e36470681,too short\n");
    LoadReport report;
    const TrailSet set = load_trails({csv}, report);
    CHECK(report.lines == 2);
    REQUIRE(set.cert_sha1.count("7d3bb4d6d0a7f1b0c4f9e1cbf2a1d9e6c0a5ad11") == 1);
    const auto& record = set.record(set.cert_sha1.at("7d3bb4d6d0a7f1b0c4f9e1cbf2a1d9e6c0a5ad11"));
    CHECK(record.info == "asyncrat c&c (malware)");
    CHECK(record.reference == "(sslbl.abuse.ch)");
    CHECK(set.cert_sha1.count("a9993e364706816aba3e25717850c26c9cd0d89d") == 1);
    // A row with a short digest is not SSLBL's: read as trails.csv, it is malformed.
    REQUIRE(report.malformed.size() == 1);
    CHECK(has_malformed(report, csv.string(), 5, "2024-06-17 10:01:02,a9993e36470681,too short"));
}

TEST_CASE("trails.csv ranks: (custom) beats (static) beats a feed") {
    TempDir dir;
    const auto feed = dir.write("a/feed.csv", "evil.com,feed info,abuse.ch\n");
    const auto stat = dir.write("b/static.csv", "evil.com,static info,(static)\n");
    const auto mine = dir.write("c/mine.csv", "trail,info,reference\nevil.com,mine,(custom)\n");
    {
        LoadReport report;
        const TrailSet set = load_trails({feed, stat}, report);
        CHECK(domain(set, "evil.com").info == "static info");
        CHECK(domain(set, "evil.com").reference == "(static) (+abuse.ch)");
    }
    {
        LoadReport report;
        const TrailSet set = load_trails({feed, stat, mine}, report);
        CHECK(domain(set, "evil.com").info == "mine");
        CHECK(domain(set, "evil.com").reference == "(custom) (+static) (+abuse.ch)");
    }
}

TEST_CASE("archives: read in place, classified like folders, entries named archive:path") {
    TempDir dir;
    write_static_tree(dir);
    dir.write("trails/static/feeds.csv", "csv-only.com,from csv,(static)\n");
    const fs::path archive = dir.path() / "static-trails.tar.gz";
    REQUIRE(run("tar -czf '" + archive.string() + "' -C '" + dir.path().string() + "' trails") ==
            0);

    LoadReport from_archive;
    const TrailSet a = load_trails({archive}, from_archive);
    LoadReport from_folder;
    const TrailSet f = load_trails({dir.path() / "trails/static"}, from_folder);

    CHECK(from_archive.files == 8);
    CHECK(from_archive.lines == from_folder.lines);
    CHECK(a.total() == f.total());
    CHECK(domain(a, "shared.com").info == "asyncrat (malware)");
    CHECK(domain(a, "icarus.com").info == "icarus  ransomware (malware)");
    CHECK(domain(a, "shared-mal.com").info == "bad proxy (malicious)");
    CHECK(address(a, "185.216.140.249").info == "mass scanner");
    CHECK(address(a, "185.216.140.249").reference == "(static)");
    CHECK(domain(a, "csv-only.com").info == "from csv");
    REQUIRE(from_archive.malformed.size() == 1);
    CHECK(from_archive.malformed[0].file ==
          archive.string() + ":trails/static/malware/asyncrat.txt");
    CHECK(from_archive.malformed[0].line == 5);

    SUBCASE("xz too") {
        const fs::path xz = dir.path() / "static-trails.tar.xz";
        REQUIRE(run("tar -cJf '" + xz.string() + "' -C '" + dir.path().string() + "' trails") == 0);
        LoadReport report;
        const TrailSet x = load_trails({xz}, report);
        CHECK(x.total() == a.total());
        CHECK(domain(x, "shared.com").info == "asyncrat (malware)");
    }
}

TEST_CASE("errors: a missing path or an unreadable archive names the path") {
    TempDir dir;
    const fs::path missing = dir.path() / "no-such-trails";
    LoadReport report;
    try {
        load_trails({missing}, report);
        FAIL("no error for a missing path");
    } catch (const TrailLoadError& e) {
        CHECK(std::string(e.what()).find(missing.string()) != std::string::npos);
        CHECK(std::string(e.what()).find("no such file") != std::string::npos);
    }

    const auto corrupt = dir.write("broken.tar.gz", "this is not gzip at all\n");
    CHECK_THROWS_WITH_AS(load_trails({corrupt}, report),
                         doctest::Contains(corrupt.string().c_str()), TrailLoadError);

    // A truncated archive fails as a whole rather than loading half a tree.
    write_static_tree(dir);
    const fs::path archive = dir.path() / "cut.tar.xz";
    REQUIRE(run("tar -cJf '" + archive.string() + "' -C '" + dir.path().string() + "' trails") ==
            0);
    fs::resize_file(archive, fs::file_size(archive) / 2);
    CHECK_THROWS_AS(load_trails({archive}, report), TrailLoadError);
}
