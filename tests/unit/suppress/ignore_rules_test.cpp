#include <doctest/doctest.h>

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "support/test_support.h"
#include "suppress/ignore_rules.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::suppress::IgnoreRuleError;
using spoor::suppress::IgnoreRules;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;
// 2027-01-31T00:00:00Z (date -u -d 2027-01-31 +%s).
constexpr std::uint64_t kJan31 = 1801353600 * kSecond;

IpAddress ip(const char* text) {
    const auto a = IpAddress::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

Alert alert(const char* src = "10.0.0.5", const char* dst = "10.9.9.9", std::uint16_t sport = 40000,
            std::uint16_t dport = 443) {
    Alert a;
    a.timestamp_ns = kJan31 - 3600 * kSecond;
    a.ip_proto = IPPROTO_TCP;
    a.src = ip(src);
    a.dst = ip(dst);
    a.src_port = sport;
    a.dst_port = dport;
    a.trail_type = "DNS";
    a.trail = "evil.example";
    a.info = "asyncrat (malware)";
    a.reference = "(static)";
    a.detector = "dns";
    return a;
}

IgnoreRules rules(const std::string& yaml) {
    return IgnoreRules::parse(yaml, "ignore.yaml");
}

bool ignored(const std::string& yaml, const Alert& a) {
    auto r = rules(yaml);
    return r.match(a) != nullptr;
}

// The error loading `text` as `file` gives; fails the test when it loads.
IgnoreRuleError error_of(const std::string& text, const std::string& file = "ignore.yaml") {
    try {
        IgnoreRules::parse(text, file);
    } catch (const IgnoreRuleError& e) {
        return e;
    }
    FAIL("loaded without an error: " << text);
    return IgnoreRuleError("", 0, "", "");
}

void check_error(const std::string& text, std::size_t line, const std::string& key,
                 const std::string& file = "ignore.yaml") {
    CAPTURE(text);
    const IgnoreRuleError e = error_of(text, file);
    CHECK(e.file() == file);
    CHECK(e.line() == line);
    CHECK(e.key() == key);
    const std::string prefix = file + ":" + std::to_string(line) + ": " + key;
    CHECK(std::string(e.what()).rfind(prefix, 0) == 0);
}

}  // namespace

TEST_CASE("ignore rules: src and dst take an address, a prefix or a list, v4 and v6") {
    CHECK(ignored("rules:\n- src: 10.0.0.5\n", alert()));
    CHECK_FALSE(ignored("rules:\n- src: 10.0.0.6\n", alert()));
    CHECK(ignored("rules:\n- src: 10.0.0.0/24\n", alert()));
    CHECK_FALSE(ignored("rules:\n- src: 10.0.1.0/24\n", alert()));
    // Host bits past the length are ignored, as operators write a host with its prefix.
    CHECK(ignored("rules:\n- src: 10.0.0.77/24\n", alert()));
    CHECK(ignored("rules:\n- src: [10.1.0.0/16, 10.0.0.5]\n", alert()));
    CHECK_FALSE(ignored("rules:\n- src: [10.1.0.0/16, 10.0.0.6]\n", alert()));
    // The destination is not the source.
    CHECK_FALSE(ignored("rules:\n- src: 10.9.9.9\n", alert()));
    CHECK(ignored("rules:\n- dst: 10.9.9.9\n", alert()));
    CHECK(ignored("rules:\n- dst: 10.9.0.0/16\n", alert()));
    CHECK_FALSE(ignored("rules:\n- dst: 10.0.0.5\n", alert()));

    const Alert v6 = alert("fd00:1::5", "2001:db8::9");
    CHECK(ignored("rules:\n- src: fd00:1::5\n", v6));
    CHECK(ignored("rules:\n- src: fd00::/8\n", v6));
    CHECK(ignored("rules:\n- dst: 2001:db8::/32\n", v6));
    CHECK_FALSE(ignored("rules:\n- src: fd00:2::/32\n", v6));
    CHECK_FALSE(ignored("rules:\n- dst: 2001:db9::/32\n", v6));
    // Families never mix: ::/0 is every v6 address and no v4 one.
    CHECK(ignored("rules:\n- src: ::/0\n", v6));
    CHECK_FALSE(ignored("rules:\n- src: ::/0\n", alert()));
    CHECK(ignored("rules:\n- src: 0.0.0.0/0\n", alert()));
    CHECK_FALSE(ignored("rules:\n- src: 0.0.0.0/0\n", v6));
}

TEST_CASE("ignore rules: ports, a number or a list, on TCP and UDP alerts only") {
    CHECK(ignored("rules:\n- dst_port: 443\n", alert()));
    CHECK_FALSE(ignored("rules:\n- dst_port: 80\n", alert()));
    CHECK(ignored("rules:\n- dst_port: [80, 443]\n", alert()));
    CHECK(ignored("rules:\n- src_port: 40000\n", alert()));
    CHECK_FALSE(ignored("rules:\n- src_port: 443\n", alert()));
    CHECK(ignored("rules:\n- src_port: [1, 40000]\n", alert()));
    Alert udp = alert();
    udp.ip_proto = IPPROTO_UDP;
    CHECK(ignored("rules:\n- dst_port: 443\n", udp));
    // An ICMP alert has no ports: port 0 is not "no port".
    Alert icmp = alert();
    icmp.ip_proto = IPPROTO_ICMP;
    icmp.src_port = icmp.dst_port = 0;
    CHECK_FALSE(ignored("rules:\n- dst_port: 0\n", icmp));
    Alert tcp0 = alert();
    tcp0.dst_port = 0;
    CHECK(ignored("rules:\n- dst_port: 0\n", tcp0));
    CHECK(ignored("rules:\n- dst_port: 65535\n", alert("10.0.0.5", "10.9.9.9", 1, 65535)));
}

TEST_CASE("ignore rules: trail is the whole trail text, any case") {
    CHECK(ignored("rules:\n- trail: evil.example\n", alert()));
    CHECK(ignored("rules:\n- trail: EVIL.Example\n", alert()));
    CHECK_FALSE(ignored("rules:\n- trail: evil\n", alert()));
    CHECK_FALSE(ignored("rules:\n- trail: www.evil.example\n", alert()));
    Alert upper = alert();
    upper.trail = "Mozilla/5.0 (EvilBot)";
    CHECK(ignored("rules:\n- trail: mozilla/5.0 (evilbot)\n", upper));
}

TEST_CASE("ignore rules: heuristic and type") {
    Alert scan = alert();
    scan.heuristic = "port-scan";
    scan.trail_type = "IP";
    CHECK(ignored("rules:\n- heuristic: port-scan\n", scan));
    CHECK(ignored("rules:\n- heuristic: Port-Scan\n", scan));
    CHECK_FALSE(ignored("rules:\n- heuristic: udp-scan\n", scan));
    // A trail hit has no heuristic.
    CHECK_FALSE(ignored("rules:\n- heuristic: port-scan\n", alert()));
    // A name no heuristic has is a typo that would never match: refused.
    check_error("rules:\n- heuristic: port-scans\n", 2, "heuristic");
    // An expiry alone names no alert: it would drop every alert until then.
    check_error("rules:\n- expires: 2030-01-01\n", 2, "");

    CHECK(ignored("rules:\n- type: DNS\n", alert()));
    CHECK(ignored("rules:\n- type: dns\n", alert()));
    CHECK_FALSE(ignored("rules:\n- type: SNI\n", alert()));
    CHECK(ignored("rules:\n- type: IP\n", scan));
    for (const char* type : {"IP", "IPORT", "CIDR", "DNS", "URL", "HTTP", "UA", "PATH", "PORT",
                             "CERT", "SNI", "JA4"}) {
        CAPTURE(type);
        Alert a = alert();
        a.trail_type = type;
        CHECK(ignored(std::string("rules:\n- type: ") + type + "\n", a));
    }
}

TEST_CASE("ignore rules: expires stops a rule exactly at its time") {
    const std::string by_time = "rules:\n- src: 10.0.0.5\n  expires: 2027-01-31T00:00:00Z\n";
    const std::string by_date = "rules:\n- src: 10.0.0.5\n  expires: 2027-01-31\n";
    for (const auto& yaml : {by_time, by_date}) {
        CAPTURE(yaml);
        Alert a = alert();
        a.timestamp_ns = kJan31 - 1;
        CHECK(ignored(yaml, a));
        a.timestamp_ns = kJan31;
        CHECK_FALSE(ignored(yaml, a));
        a.timestamp_ns = kJan31 + 1;
        CHECK_FALSE(ignored(yaml, a));
    }
    // A time of day and a fraction of a second.
    const std::string precise = "rules:\n- src: 10.0.0.5\n  expires: 2027-01-31T12:30:15.25Z\n";
    const std::uint64_t at = kJan31 + (12 * 3600 + 30 * 60 + 15) * kSecond + 250'000'000;
    Alert a = alert();
    a.timestamp_ns = at - 1;
    CHECK(ignored(precise, a));
    a.timestamp_ns = at;
    CHECK_FALSE(ignored(precise, a));
    // Leap day.
    a.timestamp_ns = 1835395200 * kSecond - 1;  // 2028-02-29T00:00:00Z - 1 ns
    CHECK(ignored("rules:\n- src: 10.0.0.5\n  expires: 2028-02-29\n", a));
    a.timestamp_ns += 1;
    CHECK_FALSE(ignored("rules:\n- src: 10.0.0.5\n  expires: 2028-02-29\n", a));
}

TEST_CASE("ignore rules: match searches trail, info, HTTP, DNS and TLS fields, any case") {
    const auto with_match = [](const char* pattern) {
        return std::string("rules:\n- match: '") + pattern + "'\n";
    };
    CHECK(ignored(with_match("^evil\\.ex"), alert()));
    CHECK(ignored(with_match("ASYNCRAT"), alert()));  // info, any case
    CHECK_FALSE(ignored(with_match("^example"), alert()));
    CHECK_FALSE(ignored(with_match("nothing-like-it"), alert()));

    Alert http = alert();
    http.http = spoor::detect::HttpInfo{};
    http.http->hostname = "updates.vendor.test";
    http.http->url = "/download/agent.exe?id=7";
    http.http->http_user_agent = "Vendor-Updater/2.1";
    CHECK(ignored(with_match("\\.exe\\?id=[0-9]+$"), http));
    CHECK(ignored(with_match("^vendor-updater/"), http));
    CHECK(ignored(with_match("^updates\\.vendor"), http));
    CHECK_FALSE(ignored(with_match("\\.dll"), http));

    Alert dns = alert();
    dns.dns = spoor::detect::DnsInfo{};
    dns.dns->rrname = "wpad.corp.test";
    CHECK(ignored(with_match("^wpad\\."), dns));
    CHECK_FALSE(ignored(with_match("^wpad\\."), alert()));

    Alert tls = alert();
    tls.tls = spoor::detect::TlsInfo{};
    tls.tls->sni = "telemetry.vendor.test";
    CHECK(ignored(with_match("^telemetry\\."), tls));

    // A match never spans two fields.
    CHECK_FALSE(ignored(with_match("example.*asyncrat"), alert()));
}

TEST_CASE("ignore rules: every field named must match") {
    const std::string yaml =
        "rules:\n"
        "- src: 10.0.0.0/24\n"
        "  dst_port: 443\n"
        "  trail: evil.example\n"
        "  type: DNS\n"
        "  match: asyncrat\n";
    CHECK(ignored(yaml, alert()));
    CHECK_FALSE(ignored(yaml, alert("10.0.1.5")));
    CHECK_FALSE(ignored(yaml, alert("10.0.0.5", "10.9.9.9", 40000, 80)));
    Alert other_trail = alert();
    other_trail.trail = "good.example";
    CHECK_FALSE(ignored(yaml, other_trail));
    Alert other_type = alert();
    other_type.trail_type = "SNI";
    CHECK_FALSE(ignored(yaml, other_type));
    Alert other_info = alert();
    other_info.info = "phishing (suspicious)";
    CHECK_FALSE(ignored(yaml, other_info));
}

TEST_CASE("ignore rules: names, first match wins, per-rule counts") {
    auto r = rules(
        "rules:\n"
        "- src: 10.0.0.5\n"
        "- name: our scanner\n"
        "  src: 10.0.0.0/24\n"
        "- dst_port: 443\n");
    REQUIRE(r.size() == 3);
    const std::string* hit = r.match(alert());
    REQUIRE(hit != nullptr);
    CHECK(*hit == "rule 1");
    hit = r.match(alert("10.0.0.6"));
    REQUIRE(hit != nullptr);
    CHECK(*hit == "our scanner");
    hit = r.match(alert("10.7.0.1"));
    REQUIRE(hit != nullptr);
    CHECK(*hit == "rule 3");
    CHECK(r.match(alert("10.7.0.1", "10.9.9.9", 1, 80)) == nullptr);
    r.match(alert("10.0.0.9"));

    // Read from another thread, as `spoor stats` does.
    std::vector<spoor::suppress::RuleCount> counts;
    std::thread reader([&] { counts = r.counts(); });
    reader.join();
    REQUIRE(counts.size() == 3);
    CHECK(counts[0].name == "rule 1");
    CHECK(counts[0].count == 1);
    CHECK(counts[1].name == "our scanner");
    CHECK(counts[1].count == 2);
    CHECK(counts[2].name == "rule 3");
    CHECK(counts[2].count == 1);
}

TEST_CASE("ignore rules: empty files and lists hold no rules") {
    for (const char* yaml : {"", "# nothing yet\n", "rules:\n", "rules: []\n"}) {
        CAPTURE(yaml);
        auto r = rules(yaml);
        CHECK(r.size() == 0);
        CHECK(r.match(alert()) == nullptr);
    }
    IgnoreRules none;
    CHECK(none.size() == 0);
    CHECK(none.match(alert()) == nullptr);
    CHECK(none.counts().empty());
}

TEST_CASE("ignore rules: every load error names file, line and key") {
    // Unknown keys, in a rule and at the top.
    check_error("rules:\n- src: 10.0.0.5\n  sorce: 10.0.0.6\n", 3, "sorce");
    check_error("version: 2\nrules:\n- src: 10.0.0.5\n", 1, "version");
    // Addresses and prefixes.
    check_error("rules:\n- src: 10.0.0.300\n", 2, "src");
    check_error("rules:\n- dst: 10.0.0.0/33\n", 2, "dst");
    check_error("rules:\n- dst: fd00::/129\n", 2, "dst");
    check_error("rules:\n- src: evil.example\n", 2, "src");
    check_error("rules:\n- src:\n  - 10.0.0.1\n  - 10.0.0.0/40\n", 4, "src");
    check_error("rules:\n- src: []\n", 2, "src");
    check_error("rules:\n- src: {a: b}\n", 2, "src");
    // Ports.
    check_error("rules:\n- dst_port: 65536\n", 2, "dst_port");
    check_error("rules:\n- dst_port: -1\n", 2, "dst_port");
    check_error("rules:\n- src_port: http\n", 2, "src_port");
    check_error("rules:\n- src_port: [80, 8o80]\n", 2, "src_port");
    // Times.
    check_error("rules:\n- src: 10.0.0.5\n  expires: 2027-02-30\n", 3, "expires");
    check_error("rules:\n- src: 10.0.0.5\n  expires: tomorrow\n", 3, "expires");
    check_error("rules:\n- src: 10.0.0.5\n  expires: 2027-01-31T00:00:00\n", 3, "expires");
    check_error("rules:\n- src: 10.0.0.5\n  expires: 2027-01-31T24:00:00Z\n", 3, "expires");
    check_error("rules:\n- src: 10.0.0.5\n  expires: 2027-01-31T00:00:00+01:00\n", 3, "expires");
    check_error("rules:\n- src: 10.0.0.5\n  expires: 1969-12-31\n", 3, "expires");
    // Patterns: unbalanced, and one that matches everything, even nothing.
    check_error("rules:\n- match: '(evil'\n", 2, "match");
    check_error("rules:\n- match: 'x*'\n", 2, "match");
    // Types and other values.
    check_error("rules:\n- type: DOMAIN\n", 2, "type");
    check_error("rules:\n- trail: ''\n", 2, "trail");
    check_error("rules:\n- heuristic: [a, b]\n", 2, "heuristic");
    check_error("rules:\n- src: 10.0.0.5\n  src: 10.0.0.6\n", 3, "src");
    // A rule that names nothing would ignore everything.
    check_error("rules:\n- src: 10.0.0.5\n- name: everything\n", 3, "");
    check_error("rules:\n- {}\n", 2, "");
    // Shapes and syntax.
    check_error("rules:\n- 10.0.0.5\n", 2, "");
    check_error("rules: 10.0.0.5\n", 1, "rules");
    check_error("- src: 10.0.0.5\n", 1, "");
    check_error("rules:\n- src: [10.0.0.5\n", 3, "");
    // A name given twice: the second one is at fault.
    check_error("rules:\n- name: a\n  src: 10.0.0.5\n- name: a\n  src: 10.0.0.6\n", 4, "name");
    check_error("rules:\n- src: 10.0.0.5\n- name: rule 1\n  src: 10.0.0.6\n", 3, "name");
}

TEST_CASE("ignore rules: Maltrail's ignore_events.txt format") {
    auto r = IgnoreRules::parse(
        "# src_ip;src_port;dst_ip;dst_port\n"
        "\n"
        "10.0.0.5;*;*;*\n"
        "*;*;*;22   # ssh\n"
        "* ; 53 ; 10.8.8.8 ; *\n"
        "*;*;fd00::/8;*\n",
        "ignore_events.txt");
    REQUIRE(r.size() == 4);
    const auto name_of = [&r](const Alert& a) {
        const std::string* name = r.match(a);
        return name == nullptr ? std::string() : *name;
    };
    CHECK(name_of(alert()) == "rule 1");
    CHECK(name_of(alert("10.1.1.1", "10.9.9.9", 40000, 22)) == "rule 2");
    CHECK(name_of(alert("10.1.1.1", "10.8.8.8", 53, 9999)) == "rule 3");
    CHECK(name_of(alert("10.1.1.1", "10.8.8.9", 53, 9999)).empty());
    CHECK(name_of(alert("fd00::1", "fd00::2")) == "rule 4");
    CHECK(name_of(alert("10.1.1.1")).empty());

    check_error("10.0.0.5;*;*\n", 1, "", "ignore_events.txt");
    check_error("# fine\n10.0.0.300;*;*;*\n", 2, "src_ip", "ignore_events.txt");
    check_error("*;x;*;*\n", 1, "src_port", "ignore_events.txt");
    check_error("*;*;*;70000\n", 1, "dst_port", "ignore_events.txt");
    check_error("*;*;*;*\n", 1, "", "ignore_events.txt");

    // The file Maltrail ships is all comments: it loads, with no rules.
    if (const auto maltrail = spoor::test::maltrail_data()) {
        CHECK(IgnoreRules::load({(*maltrail / "ignore_events.txt").string()}).size() == 0);
    }
}

TEST_CASE("ignore rules: files are read in order, names count over all of them") {
    spoor::test::TempDir dir;
    const auto yaml = dir.write("ignore.yaml",
                                "rules:\n"
                                "- src: 10.0.0.5\n"
                                "- name: proxy\n"
                                "  dst: 10.9.9.9\n"
                                "  dst_port: 3128\n");
    const auto txt = dir.write("ignore_events.txt", "*;*;*;22\n");
    auto r = IgnoreRules::load({yaml.string(), txt.string()});
    REQUIRE(r.size() == 3);
    const auto counts = r.counts();
    CHECK(counts[0].name == "rule 1");
    CHECK(counts[1].name == "proxy");
    CHECK(counts[2].name == "rule 3");
    const std::string* hit = r.match(alert("10.1.1.1", "10.2.2.2", 40000, 22));
    REQUIRE(hit != nullptr);
    CHECK(*hit == "rule 3");

    // All or nothing: a bad second file fails the load, naming itself.
    const auto bad = dir.write("bad.yaml", "rules:\n- src: 10.0.0.5\n- dst_port: 99999\n");
    try {
        IgnoreRules::load({yaml.string(), bad.string()});
        FAIL("loaded a bad file");
    } catch (const IgnoreRuleError& e) {
        CHECK(e.file() == bad.string());
        CHECK(e.line() == 3);
        CHECK(e.key() == "dst_port");
    }
    // Names must differ across files too.
    const auto twice = dir.write("twice.yaml", "rules:\n- name: proxy\n  dst: 10.1.1.1\n");
    try {
        IgnoreRules::load({yaml.string(), twice.string()});
        FAIL("loaded a name twice");
    } catch (const IgnoreRuleError& e) {
        CHECK(e.file() == twice.string());
        CHECK(e.line() == 2);
        CHECK(e.key() == "name");
        CHECK(std::string(e.what()).find(yaml.string() + ":3") != std::string::npos);
    }
    // A file that is not there.
    const std::string missing = (dir.path() / "missing.yaml").string();
    try {
        IgnoreRules::load({missing});
        FAIL("loaded a missing file");
    } catch (const IgnoreRuleError& e) {
        CHECK(e.file() == missing);
        CHECK(e.line() == 0);
    }
}
