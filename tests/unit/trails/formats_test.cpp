// The provider formats (hosts files, Suricata iprep, Zeek intel, abuse.ch CSVs):
// rows read into trails, bad rows reported with file:line, rows skipped on purpose,
// each format recognised by its first lines, and sources described by TrailSource.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "records.h"
#include "support/test_support.h"
#include "trails/formats.h"
#include "trails/loader.h"

namespace {

namespace fs = std::filesystem;
using spoor::IpAddress;
using spoor::test::address;
using spoor::test::cidr;
using spoor::test::domain;
using spoor::test::ip_port;
using spoor::test::TempDir;
using spoor::test::url;
using spoor::trails::detect_format;
using spoor::trails::format_from_name;
using spoor::trails::load_trails;
using spoor::trails::LoadReport;
using spoor::trails::MalformedLine;
using spoor::trails::SourceRank;
using spoor::trails::TrailFormat;
using spoor::trails::TrailLoadError;
using spoor::trails::TrailSet;
using spoor::trails::TrailSource;

// Laid out as the providers publish them (header lines, quoting, spacing), with
// made-up indicators and a few broken rows. Line numbers are noted where a test
// checks them.
const std::string kHosts =
    "# Title: a StevenBlack-style hosts file\n"  // 1
    "127.0.0.1 localhost\n"
    "127.0.0.1 localhost.localdomain\n"
    "255.255.255.255 broadcasthost\n"
    "::1 localhost ip6-localhost ip6-loopback\n"  // 5
    "fe80::1%lo0 localhost\n"
    "0.0.0.0 0.0.0.0\n"
    "\n"
    "0.0.0.0 Evil.COM # tracker\n"
    "127.0.0.1\ta.example   b.example.\n"  // 10
    "::1 v6.example\n"
    "0.0.0.0 bad_name! ok.example\n"
    "evil-without-address.example\n"
    "0.0.0.0\n";  // 14

const std::string kIprep =
    "# ip,category,score\n"  // 1
    "1.2.3.4,1,101\n"
    "10.9.0.0/16,2,88\n"
    "2001:db8::/32,1,50\n"
    "5.6.7.8,1,0\n"  // 5
    "5.6.7.9,9,50\n"
    "not-an-ip,1,50\n"
    "5.6.7.10,1,200\n"
    "5.6.7.11,1\n";  // 9

const std::string kIprepCategories =
    "1,CnC,Malware Command and Control Server\n"  // 1
    "2,Brute_Forcer,SSH or other brute forcer\n"
    "3,Compromised,Known compromised or Hostile, really\n"
    "4,Scanner,Known Scanner\n"
    "5,Spam,Known Spam Source\n"  // 5
    "1,Again,A second definition of 1\n"
    "x,Bad,Not a number\n";  // 7

const std::string kCertSha1 = "aabbccddeeff00112233445566778899aabbccdd";

const std::string kZeek =
    "#separator \\x09\n"  // 1
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tintel\n"  // 5
    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n"
    "#types\tstring\tenum\tstring\tstring\tstring\n"
    "1.2.3.4\tIntel::ADDR\tsource1\tSending phishing email\thttp://source1.example/1.2.3.4\n"
    "a.b.example\tIntel::DOMAIN\tsource2\t-\t-\n"
    "10.0.0.0/8\tIntel::SUBNET\tsource1\tInternal scanner\t-\n"  // 10
    "Evil.example/gate.php\tIntel::URL\tsource1\t(empty)\t-\n"
    "bare.example\tIntel::URL\tsource1\t-\t-\n"
    "Mozilla/5.0 (EvilBot)\tIntel::SOFTWARE\tsource3\tbot agent\t-\n"
    "EvilAgent/1.0\tIntel::USER_AGENT\tsource3\t-\t-\n"
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\tIntel::CERT_HASH\tsource4\t"
    "c2 certificate\t-\n"  // 15
    "e7d705a3286e19ea42f587b344ee6865\tIntel::JA3\tsource4\tc2 client\t-\n"
    "bad@example.com\tIntel::EMAIL\tsource1\t-\t-\n"
    "d41d8cd98f00b204e9800998ecf8427e\tIntel::FILE_HASH\tsource1\t-\t-\n"
    "not-an-ip\tIntel::ADDR\tsource1\t-\t-\n"
    "1.2.3.5\tIntel::ADDR\tsource1\n"  // 20
    "-\tIntel::DOMAIN\tsource1\t-\t-\n"
    "1.2.3.6\t-\tsource1\t-\t-\n";  // 22

const std::string kFeodo =
    "################################################################\n"  // 1
    "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\n"
    "# Last updated: 2024-06-18 07:00:00 UTC                        #\n"
    "################################################################\n"
    "#\n"  // 5
    "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
    "\"2021-01-17 07:30:05\",\"67.213.75.205\",\"443\",\"offline\",\"2021-08-18\",\"Dridex\"\n"
    "\"2023-12-30 13:56:31\",\"50.16.16.211\",\"8080\",\"online\",\"2024-06-18\",\"QakBot\"\n"
    "\"2024-01-01 00:00:00\",\"2001:db8::7\",\"443\",\"online\",\"2024-06-18\",\"Pikabot\"\n"
    "\"2024-01-01 00:00:00\",\"50.16.16.212\",\"0\",\"online\",\"2024-06-18\",\"QakBot\"\n"  // 10
    "\"2024-01-01 00:00:00\",\"50.16.16.213\",\"443\",\"online\"\n"
    "\"2024-01-01 00:00:00\",\"50.16.16.214\",\"443\",\"online\",\"2024-06-18\",\"\"\n"
    "# END 6 entries\n";

const std::string kUrlhaus =
    "################################################################\n"  // 1
    "# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\n"
    "################################################################\n"
    "#\n"
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"  // 5
    "\"3021497\",\"2024-06-18 16:02:21\",\"http://94.122.77.235:32794/Mozi.m\",\"online\","
    "\"2024-06-18 16:02:21\",\"malware_download\",\"elf,Mozi\","
    "\"https://urlhaus.abuse.ch/url/3021497/\",\"lrz_urlhaus\"\n"
    "\"3021496\",\"2024-06-18 16:02:19\",\"https://Evil2.example/payload?x=1\",\"online\",\"\","
    "\"malware_download\",\"ClearFake\",\"https://urlhaus.abuse.ch/url/3021496/\",\"anonymous\"\n"
    "\"3021495\",\"2024-06-18 16:00:19\",\"http://1.2.3.4\",\"offline\",\"\",\"malware_download\","
    "\"\",\"https://urlhaus.abuse.ch/url/3021495/\",\"geenensp\"\n"
    "\"3021494\",\"2024-06-18 16:00:19\",\"\",\"online\",\"\",\"\",\"\","
    "\"https://urlhaus.abuse.ch/url/3021494/\",\"geenensp\"\n"
    "\"3021493\",\"2024-06-18 16:00:19\",\"http://open.example/x\n";  // 10

const std::string kThreatfox =
    "################################################################\n"  // 1
    "# ThreatFox IOCs: additions - CSV format (full dump)           #\n"
    "################################################################\n"
    "#\n"
    "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\","
    "\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\","
    "\"is_compromised\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\n"  // 5
    "\"2024-07-16 06:45:19\", \"1301611\", \"http://rocheholding.example/rudolph/five/fre.php\", "
    "\"url\", \"botnet_cc\", \"win.lokipws\", \"Burkina,Loki,LokiBot,LokiPWS\", "
    "\"Loki Password Stealer (PWS)\", \"2024-07-16 08:11:39\", \"75\", \"False\", \"None\", "
    "\"lokibot\", \"0\", \"abuse_ch\"\n"
    "\"2024-07-16 05:25:36\", \"1301610\", \"8.134.12.90:7777\", \"ip:port\", \"botnet_cc\", "
    "\"win.cobalt_strike\", \"None\", \"Cobalt Strike\", \"\", \"100\", \"False\", \"None\", "
    "\"CobaltStrike\", \"0\", \"abuse_ch\"\n"
    "\"2024-07-16 05:25:35\", \"1301609\", \"Evil-C2.example\", \"domain\", \"botnet_cc\", "
    "\"win.asyncrat\", \"None\", \"AsyncRAT\", \"\", \"100\", \"False\", \"None\", \"None\", "
    "\"0\", \"abuse_ch\"\n"
    "\"2024-07-16 05:25:34\", \"1301608\", "
    "\"3dd25cbfe76db155615283f905992030468f3da93dd25cbfe76db15561528300\", \"sha256_hash\", "
    "\"payload\", \"win.vidar\", \"None\", \"Vidar\", \"\", \"95\", \"False\", \"None\", \"None\", "
    "\"0\", \"abuse_ch\"\n"
    "\"2024-07-16 05:25:33\", \"1301607\", \"d41d8cd98f00b204e9800998ecf8427e\", \"md5_hash\", "
    "\"payload\", \"win.vidar\", \"None\", \"Vidar\", \"\", \"95\", \"False\", \"None\", \"None\", "
    "\"0\", \"abuse_ch\"\n"  // 10
    "\"2024-07-16 05:25:32\", \"1301606\", \"8.134.12.91:99999\", \"ip:port\", \"botnet_cc\", "
    "\"win.cobalt_strike\", \"None\", \"Cobalt Strike\", \"\", \"100\", \"False\", \"None\", "
    "\"None\", \"0\", \"abuse_ch\"\n"
    "\"2024-07-16 05:25:31\", \"1301605\", \"not a domain\", \"domain\", \"botnet_cc\", "
    "\"win.asyncrat\", \"None\", \"AsyncRAT\", \"\", \"100\", \"False\", \"None\", \"None\", "
    "\"0\", \"abuse_ch\"\n"
    "# Number of entries: 7\n";

const std::string kSslblJa3 =
    "################################################################\n"  // 1
    "# abuse.ch SSLBL JA3 Fingerprint Blacklist (CSV)               #\n"
    "################################################################\n"
    "#\n"
    "# ja3_md5,Firstseen,Lastseen,Listingreason\n"  // 5
    "b386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:15,2019-07-27 20:42:54,Dridex\n"
    "1AA7BF8B97E540CA5EDD75F7B8384BFA,2017-07-14 20:23:38,2019-07-28 01:38:22,TrickBot\n"
    "not-a-hash,2017-07-14 20:23:38,2019-07-28 01:38:22,Junk\n";

const std::string kSslbl =
    "# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints)\n"
    "# Listingdate,SHA1,Listingreason\n"
    "2024-06-18 07:22:48,7D3BB4D6D0A7F1B0C4F9E1CBF2A1D9E6C0A5AD11,AsyncRAT C&C\n";

TrailSource source_of(const fs::path& path, std::optional<TrailFormat> format = std::nullopt) {
    TrailSource source;
    source.path = path;
    source.format = format;
    return source;
}

// A malformed line of `file` at `line` whose reason holds `reason`.
bool has_malformed(const LoadReport& report, const fs::path& file, std::size_t line,
                   std::string_view reason) {
    return std::any_of(report.malformed.begin(), report.malformed.end(),
                       [&](const MalformedLine& m) {
                           return m.file == file.string() && m.line == line &&
                                  m.reason.find(reason) != std::string::npos;
                       });
}

}  // namespace

TEST_CASE("hosts file: every name a domain trail, localhost boilerplate skipped silently") {
    TempDir dir;
    const auto file = dir.write("blocked_hosts.txt", kHosts);
    LoadReport report;
    const TrailSet set = load_trails({file}, report);

    CHECK(set.total() == 5);
    CHECK(report.lines == 5);
    CHECK(set.domains.count("evil.com") == 1);
    CHECK(set.domains.count("a.example") == 1);
    CHECK(set.domains.count("b.example") == 1);  // its trailing dot dropped
    CHECK(set.domains.count("v6.example") == 1);
    CHECK(set.domains.count("ok.example") == 1);
    CHECK(set.domains.count("localhost") == 0);
    CHECK(set.domains.count("ip6-loopback") == 0);
    CHECK(set.ips.empty());  // neither the address column nor "0.0.0.0 0.0.0.0"
    // A list of the operator's: named after the file, custom.
    CHECK(domain(set, "evil.com").info == "blocked hosts");
    CHECK(domain(set, "evil.com").reference == "(custom)");

    CHECK(report.skipped == 0);
    REQUIRE(report.malformed.size() == 3);
    CHECK(has_malformed(report, file, 12, "'bad_name!'"));
    CHECK(has_malformed(report, file, 13, "not a hosts line"));
    CHECK(has_malformed(report, file, 14, "not a hosts line"));
}

TEST_CASE("Suricata iprep: categories name the rows, wherever the categories file stands") {
    TempDir dir;
    const auto iprep = dir.write("reputation.list", kIprep);
    const auto categories = dir.write("categories.txt", kIprepCategories);
    LoadReport report;
    // The categories file comes last, and is still read before the reputation file.
    const TrailSet set = load_trails({iprep, categories}, report);

    CHECK(report.files == 2);
    CHECK(address(set, "1.2.3.4").info == "cnc (reputation)");
    CHECK(address(set, "1.2.3.4").reference == "(iprep)");
    CHECK(cidr(set, "10.9.0.0", 16).info == "brute forcer (reputation)");
    CHECK(cidr(set, "2001:db8::", 32).info == "cnc (reputation)");
    CHECK(set.total() == 3);
    CHECK(report.lines == 3);
    // Score 0 is "no data": passed over, not an error.
    CHECK(set.ips.count(IpAddress::parse("5.6.7.8").value()) == 0);
    CHECK(report.skipped == 1);

    REQUIRE(report.malformed.size() == 6);
    CHECK(has_malformed(report, categories, 6, "category 1 defined again"));
    CHECK(has_malformed(report, categories, 7, "expected id,short name,description"));
    CHECK(has_malformed(report, iprep, 6, "category 9 is not in the categories file"));
    CHECK(has_malformed(report, iprep, 7, "'not-an-ip'"));
    CHECK(has_malformed(report, iprep, 8, "bad score"));
    CHECK(has_malformed(report, iprep, 9, "expected ip,category,score"));
}

TEST_CASE("Suricata iprep without a categories file: rows named by their number") {
    TempDir dir;
    const auto iprep = dir.write("reputation.list", kIprep);
    LoadReport report;
    const TrailSet set = load_trails({iprep}, report);
    CHECK(address(set, "1.2.3.4").info == "iprep category 1");
    CHECK(address(set, "5.6.7.9").info == "iprep category 9");  // no file, so no unknown id
    CHECK(cidr(set, "10.9.0.0", 16).info == "iprep category 2");
    CHECK(report.malformed.size() == 3);
}

TEST_CASE("Zeek intel: types mapped, meta columns, nulls; other types skipped, bad rows named") {
    TempDir dir;
    const auto file = dir.write("intel.dat", kZeek);
    LoadReport report;
    const TrailSet set = load_trails({file}, report);

    CHECK(address(set, "1.2.3.4").info == "sending phishing email");
    CHECK(address(set, "1.2.3.4").reference == "(source1)");
    // No description: the source names the trail.
    CHECK(domain(set, "a.b.example").info == "source2");
    CHECK(domain(set, "a.b.example").reference == "(source2)");
    CHECK(cidr(set, "10.0.0.0", 8).info == "internal scanner");
    // Zeek's URLs come without "http://": a host alone is its root page, as the line rules say.
    CHECK(url(set, "evil.example/gate.php").info == "source1");  // "(empty)" is no description
    CHECK(set.urls.count("bare.example/") == 1);
    CHECK(set.domains.count("bare.example") == 0);
    // User agents keep their case: they are matched as sent.
    CHECK(set.user_agents.count("Mozilla/5.0 (EvilBot)") == 1);
    CHECK(set.user_agents.count("EvilAgent/1.0") == 1);
    REQUIRE(set.cert_sha1.count(kCertSha1) == 1);
    CHECK(set.record(set.cert_sha1.at(kCertSha1)).info == "c2 certificate");
    CHECK(set.ja3.count("e7d705a3286e19ea42f587b344ee6865") == 1);
    CHECK(set.total() == 9);
    CHECK(report.lines == 9);

    CHECK(report.skipped == 2);  // Intel::EMAIL, Intel::FILE_HASH
    REQUIRE(report.malformed.size() == 4);
    CHECK(has_malformed(report, file, 19, "'not-an-ip'"));
    CHECK(has_malformed(report, file, 20, "expected 5 fields, found 3"));
    CHECK(has_malformed(report, file, 21, "empty domain"));
    CHECK(has_malformed(report, file, 22, "no indicator_type"));
}

TEST_CASE("Zeek intel: the header lines set separator and null marker; a bad #fields stops") {
    TempDir dir;
    const auto piped = dir.write("piped.intel",
                                 "#separator \\x7c\n"
                                 "#unset_field|NULL\n"
                                 "#fields|indicator|indicator_type|meta.source\n"
                                 "evil.example|Intel::DOMAIN|NULL\n");
    const auto headless = dir.write("headless.intel",
                                    "#fields\tindicator\tmeta.source\n"
                                    "evil2.example\tsomeone\n"
                                    "evil3.example\tsomeone\n");
    LoadReport report;
    const TrailSet set = load_trails({piped, headless}, report);

    CHECK(domain(set, "evil.example").info == "zeek intel");
    CHECK(domain(set, "evil.example").reference == "(zeek)");
    CHECK(set.total() == 1);
    // Without an indicator_type column no row can be read: said once, at the header.
    REQUIRE(report.malformed.size() == 1);
    CHECK(has_malformed(report, headless, 1, "#fields must name indicator and indicator_type"));
}

TEST_CASE("abuse.ch Feodo Tracker: IP:port trails named by their malware") {
    TempDir dir;
    const auto file = dir.write("ipblocklist.csv", kFeodo);
    LoadReport report;
    const TrailSet set = load_trails({file}, report);

    CHECK(ip_port(set, "67.213.75.205", 443).info == "dridex (malware)");
    CHECK(ip_port(set, "67.213.75.205", 443).reference == "(feodotracker.abuse.ch)");
    CHECK(ip_port(set, "50.16.16.211", 8080).info == "qakbot (malware)");
    CHECK(ip_port(set, "2001:db8::7", 443).info == "pikabot (malware)");
    CHECK(ip_port(set, "50.16.16.214", 443).info == "botnet c&c (malware)");
    CHECK(set.total() == 4);
    CHECK(set.ips.empty());  // an address with a port is no trail on the whole address

    REQUIRE(report.malformed.size() == 2);
    CHECK(has_malformed(report, file, 10, "bad port"));
    CHECK(has_malformed(report, file, 11, "expected 6 fields"));
}

TEST_CASE("abuse.ch URLhaus: URL trails by the line rules, columns placed by the header") {
    TempDir dir;
    const auto file = dir.write("urlhaus.csv", kUrlhaus);
    LoadReport report;
    const TrailSet set = load_trails({file}, report);

    CHECK(url(set, "94.122.77.235:32794/mozi.m").info == "malware distribution");
    CHECK(url(set, "94.122.77.235:32794/mozi.m").reference == "(urlhaus.abuse.ch)");
    CHECK(set.urls.count("evil2.example/payload?x=1") == 1);
    // A bare "http://<address>" is that host's root page, not a trail on the address.
    CHECK(set.urls.count("1.2.3.4/") == 1);
    CHECK(set.ips.empty());
    CHECK(set.total() == 3);
    REQUIRE(report.malformed.size() == 2);
    CHECK(has_malformed(report, file, 9, "empty url"));
    CHECK(has_malformed(report, file, 10, "unterminated quote"));

    SUBCASE("a header that moves the url column") {
        const auto moved =
            dir.write("moved.csv",
                      "# id,dateadded,url_status,url\n"
                      "\"1\",\"2024-06-18\",\"online\",\"http://moved.example/a\"\n");
        LoadReport moved_report;
        const TrailSet moved_set = load_trails({moved}, moved_report);
        CHECK(moved_set.urls.count("moved.example/a") == 1);
        CHECK(moved_report.malformed.empty());
    }
    SUBCASE("a header without a url column") {
        const auto headless = dir.write("headless.csv",
                                        "# id,dateadded,link\n"
                                        "\"1\",\"2024-06-18\",\"http://nowhere.example/a\"\n");
        LoadReport headless_report;
        const TrailSet headless_set = load_trails({headless}, headless_report);
        CHECK(headless_set.total() == 0);
        REQUIRE(headless_report.malformed.size() == 1);
        CHECK(has_malformed(headless_report, headless, 1, "header has no column 'url'"));
    }
}

TEST_CASE("abuse.ch ThreatFox: ip:port, domain and URL IOCs; hashes skipped") {
    TempDir dir;
    const auto file = dir.write("full.csv", kThreatfox);
    LoadReport report;
    const TrailSet set = load_trails({file}, report);

    CHECK(url(set, "rocheholding.example/rudolph/five/fre.php").info ==
          "loki password stealer (pws) (malware)");
    CHECK(url(set, "rocheholding.example/rudolph/five/fre.php").reference ==
          "(threatfox.abuse.ch)");
    CHECK(ip_port(set, "8.134.12.90", 7777).info == "cobalt strike (malware)");
    CHECK(domain(set, "evil-c2.example").info == "asyncrat (malware)");
    CHECK(set.total() == 3);
    CHECK(report.skipped == 2);
    REQUIRE(report.malformed.size() == 2);
    CHECK(has_malformed(report, file, 11, "bad port"));
    CHECK(has_malformed(report, file, 12, "'not a domain'"));
}

TEST_CASE("abuse.ch SSLBL: JA3 fingerprints, and certificates by their header") {
    TempDir dir;
    const auto ja3 = dir.write("ja3_fingerprints.csv", kSslblJa3);
    // Named .txt: the header, not the name, says what it is.
    const auto certs = dir.write("sslblacklist.txt", kSslbl);
    LoadReport report;
    const TrailSet set = load_trails({ja3, certs}, report);

    REQUIRE(set.ja3.count("b386946a5a44d1ddcc843bc75336dfce") == 1);
    const auto& dridex = set.record(set.ja3.at("b386946a5a44d1ddcc843bc75336dfce"));
    CHECK(dridex.info == "dridex (malware)");
    CHECK(dridex.reference == "(sslbl.abuse.ch)");
    CHECK(set.ja3.count("1aa7bf8b97e540ca5edd75f7b8384bfa") == 1);
    REQUIRE(set.cert_sha1.count("7d3bb4d6d0a7f1b0c4f9e1cbf2a1d9e6c0a5ad11") == 1);
    CHECK(set.record(set.cert_sha1.at("7d3bb4d6d0a7f1b0c4f9e1cbf2a1d9e6c0a5ad11")).info ==
          "asyncrat c&c (malware)");
    CHECK(set.total() == 3);
    REQUIRE(report.malformed.size() == 1);
    CHECK(has_malformed(report, ja3, 8, "bad ja3"));
}

TEST_CASE("detect_format: each format from its first lines, anything else left to the name") {
    CHECK(detect_format(kHosts) == TrailFormat::Hosts);
    CHECK(detect_format(kIprep) == TrailFormat::Iprep);
    CHECK(detect_format(kIprepCategories) == TrailFormat::IprepCategories);
    CHECK(detect_format(kZeek) == TrailFormat::Zeek);
    CHECK(detect_format("#fields\tindicator\tindicator_type\n") == TrailFormat::Zeek);
    CHECK(detect_format(kFeodo) == TrailFormat::Feodo);
    CHECK(detect_format(kUrlhaus) == TrailFormat::Urlhaus);
    CHECK(detect_format(kThreatfox) == TrailFormat::Threatfox);
    CHECK(detect_format(kSslbl) == TrailFormat::Sslbl);
    CHECK(detect_format(kSslblJa3) == TrailFormat::SslblJa3);

    // Maltrail's own lists and trails.csv show no format: their names decide.
    CHECK(detect_format("") == std::nullopt);
    CHECK(detect_format("# Reference: https://example.org\n1.2.3.4\nevil.com\n") == std::nullopt);
    CHECK(detect_format("185.216.140.249\t# scanner.example\n") == std::nullopt);
    CHECK(detect_format("trail,info,reference\nevil.com,bad,(custom)\n") == std::nullopt);
    CHECK(detect_format("2024-06-18 07:22:48," + kCertSha1 + ",AsyncRAT C&C\n") == std::nullopt);
    // Rows must agree: one hosts-looking line among trails is no hosts file.
    CHECK(detect_format("0.0.0.0 evil.com\nother.com\n") == std::nullopt);
    // A header comment after the first rows is not the file's.
    CHECK(detect_format("0.0.0.0 a.example\n# ja3_md5,Firstseen,Lastseen,Listingreason\n") ==
          TrailFormat::Hosts);
    // A head cut mid-line is judged on its whole lines.
    CHECK(detect_format(kIprep.substr(0, kIprep.find("10.9.0.0") + 4)) == TrailFormat::Iprep);
}

TEST_CASE("files in a folder are read by their extension, as Maltrail's tree always was") {
    TempDir dir;
    dir.write("lists/hosts.txt", "0.0.0.0 evil.example\n");
    dir.write("lists/feodo.csv", kFeodo);
    LoadReport report;
    const TrailSet set = load_trails({dir.path() / "lists"}, report);
    CHECK(set.domains.count("evil.example") == 0);
    CHECK(set.ipports.empty());
    CHECK(report.malformed.size() > 1);
}

TEST_CASE("format_from_name: the names feed definitions use") {
    CHECK(format_from_name("list") == TrailFormat::List);
    CHECK(format_from_name("csv") == TrailFormat::Csv);
    CHECK(format_from_name("hosts") == TrailFormat::Hosts);
    CHECK(format_from_name("iprep") == TrailFormat::Iprep);
    CHECK(format_from_name("iprep-categories") == TrailFormat::IprepCategories);
    CHECK(format_from_name("zeek") == TrailFormat::Zeek);
    CHECK(format_from_name("feodo") == TrailFormat::Feodo);
    CHECK(format_from_name("urlhaus") == TrailFormat::Urlhaus);
    CHECK(format_from_name("ThreatFox") == TrailFormat::Threatfox);
    CHECK(format_from_name("sslbl") == TrailFormat::Sslbl);
    CHECK(format_from_name("sslbl-ja3") == TrailFormat::SslblJa3);
    CHECK(format_from_name("stix") == std::nullopt);
    CHECK(format_from_name("") == std::nullopt);
}

TEST_CASE("TrailSource: an explicit format reads what content cannot tell") {
    TempDir dir;
    // A Feodo dump without its header: read in the documented column order.
    const auto bare = dir.write("c2.dat",
                                "\"2024-01-01 00:00:00\",\"1.2.3.4\",\"443\",\"online\","
                                "\"2024-06-18\",\"Emotet\"\n");
    {
        LoadReport report;
        const TrailSet set = load_trails({bare}, report);
        CHECK(set.total() == 0);  // read as a list, the row is no trail
        CHECK(report.malformed.size() == 1);
    }
    LoadReport report;
    const TrailSet set =
        load_trails(std::vector<TrailSource>{source_of(bare, TrailFormat::Feodo)}, report);
    CHECK(ip_port(set, "1.2.3.4", 443).info == "emotet (malware)");
    CHECK(report.malformed.empty());
}

TEST_CASE("TrailSource: info and reference replace the format's, rank decides conflicts") {
    TempDir dir;
    const auto feodo = dir.write("feodo.csv", kFeodo);
    const auto mine = dir.write("my_c2s.txt", "50.16.16.211:8080\n");

    TrailSource feed = source_of(feodo);
    feed.info = "c2 server (malware)";
    feed.reference = "(my feed)";
    feed.rank = SourceRank::Feed;
    for (const bool feed_first : {true, false}) {
        CAPTURE(feed_first);
        const std::vector<TrailSource> sources =
            feed_first ? std::vector<TrailSource>{feed, source_of(mine)}
                       : std::vector<TrailSource>{source_of(mine), feed};
        LoadReport report;
        const TrailSet set = load_trails(sources, report);
        CHECK(ip_port(set, "67.213.75.205", 443).info == "c2 server (malware)");
        CHECK(ip_port(set, "67.213.75.205", 443).reference == "(my feed)");
        // The operator's list (a plain path: custom) keeps its info on the shared trail.
        CHECK(ip_port(set, "50.16.16.211", 8080).info == "my c2s");
        CHECK(ip_port(set, "50.16.16.211", 8080).reference == "(custom) (+my feed)");
    }

    // A list given a feed's rank and no reference says it is a feed's.
    TrailSource list = source_of(mine, TrailFormat::List);
    list.rank = SourceRank::Feed;
    LoadReport report;
    const TrailSet set = load_trails(std::vector<TrailSource>{list}, report);
    CHECK(ip_port(set, "50.16.16.211", 8080).reference == "(feed)");
}

TEST_CASE("TrailSource: categories named by format; formats refused for folders; errors") {
    TempDir dir;
    const auto iprep = dir.write("a/reputation.list", kIprep);
    // Content alone would not tell this one: a single row with a spaced short name.
    const auto categories = dir.write("b/cats", "1,Command and Control,CnC servers\n");
    LoadReport report;
    const TrailSet set = load_trails(
        std::vector<TrailSource>{source_of(iprep, format_from_name("iprep")),
                                 source_of(categories, format_from_name("iprep-categories"))},
        report);
    CHECK(address(set, "1.2.3.4").info == "command and control (reputation)");

    const fs::path folder = dir.path() / "a";
    CHECK_THROWS_WITH_AS(
        load_trails(std::vector<TrailSource>{source_of(folder, TrailFormat::Hosts)}, report),
        doctest::Contains(folder.string().c_str()), TrailLoadError);
    const fs::path missing = dir.path() / "missing.csv";
    CHECK_THROWS_WITH_AS(
        load_trails(std::vector<TrailSource>{source_of(missing, TrailFormat::Urlhaus)}, report),
        doctest::Contains(missing.string().c_str()), TrailLoadError);
}
