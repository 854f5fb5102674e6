// parse_trail_line: one accepted and one rejected (or differently read) case per
// rule of DESIGN.md "Trail line rules".
#include <doctest/doctest.h>

#include <string>

#include "trails/loader.h"

namespace {

using spoor::trails::IndicatorKind;
using spoor::trails::parse_trail_line;
using spoor::trails::ParsedLine;

struct Result {
    bool ok = false;
    IndicatorKind kind = IndicatorKind::Ip;
    std::string key;
    std::string reason;
};

Result parse(std::string_view line) {
    ParsedLine out{IndicatorKind::Ip, {}};
    Result r;
    r.ok = parse_trail_line(line, out, r.reason);
    r.kind = out.kind;
    r.key = out.key;
    return r;
}

void check_accepted(std::string_view line, IndicatorKind kind, std::string_view key) {
    CAPTURE(line);
    const Result r = parse(line);
    CHECK(r.ok);
    CHECK(r.reason.empty());
    CHECK(spoor::trails::kind_name(r.kind) == std::string(spoor::trails::kind_name(kind)));
    CHECK(r.key == key);
}

void check_malformed(std::string_view line, std::string_view reason) {
    CAPTURE(line);
    const Result r = parse(line);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == reason);
}

constexpr std::string_view kNotATrail = "not an address, CIDR, URL or domain";

}  // namespace

TEST_CASE("comments: whole-line and trailing comments are stripped") {
    check_accepted("1.2.3.4 # scanner", IndicatorKind::Ip, "1.2.3.4");
    check_accepted("185.216.140.249\t# scanner.openportstats.com", IndicatorKind::Ip,
                   "185.216.140.249");
    check_accepted("  evil.com   ", IndicatorKind::Domain, "evil.com");
    // Nothing left: not an error, so no reason.
    check_malformed("# Reference: https://example.org/report", "");
    check_malformed("   ", "");
    check_malformed("", "");
    // A '#' inside a token is data, not a comment (real lines in the static set).
    check_accepted("webhook.site/#!/view/22e2/", IndicatorKind::Url, "webhook.site/#!/view/22e2/");
}

TEST_CASE("scheme: any scheme:// is stripped, lookalikes are not") {
    check_accepted("https://evil.com/a/b.php?x=1", IndicatorKind::Url, "evil.com/a/b.php?x=1");
    check_accepted("ftp://files.evil.com/x.exe", IndicatorKind::Url, "files.evil.com/x.exe");
    check_accepted("git+ssh://evil.com/repo", IndicatorKind::Url, "evil.com/repo");
    // Not a scheme (must start with a letter, needs "://"): kept as written.
    check_accepted("evil.com:8080/x", IndicatorKind::Url, "evil.com:8080/x");
    check_accepted("1http://x/y", IndicatorKind::Url, "1http://x/y");
    check_malformed("http://", "URL without a host");
}

TEST_CASE("scheme: a bare http://host is the URL trail host/, not an IP or domain trail") {
    check_accepted("http://158.69.57.135", IndicatorKind::Url, "158.69.57.135/");
    check_accepted("HTTP://Evil.COM", IndicatorKind::Url, "evil.com/");
    check_accepted("http://evil.com:8080", IndicatorKind::Url, "evil.com:8080/");
    check_accepted("http://evil.com?q=1", IndicatorKind::Url, "evil.com/?q=1");
    // With a path the path stays as it is, and an address in the host is no CIDR.
    check_accepted("http://158.69.57.135/24", IndicatorKind::Url, "158.69.57.135/24");
    // Without the scheme, the same host is an address trail.
    check_accepted("158.69.57.135", IndicatorKind::Ip, "158.69.57.135");
}

TEST_CASE("lower-case: names and URLs are folded, regex domains and UAs are not") {
    check_accepted("EVIL.Example.COM", IndicatorKind::Domain, "evil.example.com");
    check_accepted("Evil.com/Path/File.EXE", IndicatorKind::Url, "evil.com/path/file.exe");
    check_accepted("2001:DB8::ABCD", IndicatorKind::Ip, "2001:db8::abcd");
    check_accepted("Foo[0-9]\\D\\.com", IndicatorKind::RegexDomain, "Foo[0-9]\\D\\.com");
    check_accepted("ua:\\Aagent\\Z", IndicatorKind::UserAgent, "\\Aagent\\Z");
}

TEST_CASE("CIDR: v4 and v6 prefixes are masked; a length past the width is malformed") {
    check_accepted("10.1.2.3/8", IndicatorKind::Cidr, "10.0.0.0/8");
    check_accepted("192.64.119.0/24", IndicatorKind::Cidr, "192.64.119.0/24");
    check_accepted("2001:DB8:1::5/32", IndicatorKind::Cidr, "2001:db8::/32");
    check_accepted("0.0.0.0/0", IndicatorKind::Cidr, "0.0.0.0/0");
    check_malformed("10.0.0.0/33", "bad prefix length");
    check_malformed("2001:db8::/129", "bad prefix length");
    // Not CIDR-shaped: a path on an address host.
    check_accepted("10.0.0.0/8x", IndicatorKind::Url, "10.0.0.0/8x");
    check_accepted("10.0.0/8", IndicatorKind::Url, "10.0.0/8");
}

TEST_CASE("CIDR: a full-width prefix is an exact address") {
    check_accepted("1.2.3.4/32", IndicatorKind::Ip, "1.2.3.4");
    check_accepted("2001:db8::1/128", IndicatorKind::Ip, "2001:db8::1");
    check_accepted("1.2.3.4/31", IndicatorKind::Cidr, "1.2.3.4/31");
}

TEST_CASE("IP:port: v4 and bracketed v6, port 1..65535") {
    check_accepted("213.152.161.99:47390", IndicatorKind::IpPort, "213.152.161.99:47390");
    check_accepted("1.2.3.4:1", IndicatorKind::IpPort, "1.2.3.4:1");
    check_accepted("1.2.3.4:65535", IndicatorKind::IpPort, "1.2.3.4:65535");
    check_accepted("[2001:DB8:0:0:0:0:0:7F9]:443", IndicatorKind::IpPort, "[2001:db8::7f9]:443");
    // Unbracketed v6 text is an address: its colons are not a port separator.
    check_accepted("2001:db8::1:80", IndicatorKind::Ip, "2001:db8::1:80");
}

TEST_CASE("IP:port: a port outside 1..65535 is malformed") {
    check_malformed("1.2.3.4:0", "bad port");
    check_malformed("1.2.3.4:65536", "bad port");
    check_malformed("178.236.246.50:80800", "bad port");
    check_malformed("1.2.3.4:", "bad port");
    check_malformed("1.2.3.4:http", "bad port");
    check_malformed("[2001:db8::1]:0", "bad port");
}

TEST_CASE("regex domain: a domain-shaped line with regex characters keeps its text") {
    check_accepted("backdates[0-9]{1,2}\\.(com|net)", IndicatorKind::RegexDomain,
                   "backdates[0-9]{1,2}\\.(com|net)");
    check_accepted("nklmtf[0-9][^.]*[0-9].t35.com", IndicatorKind::RegexDomain,
                   "nklmtf[0-9][^.]*[0-9].t35.com");
    check_accepted("(?:gomon|perevod)\\.ru", IndicatorKind::RegexDomain, "(?:gomon|perevod)\\.ru");
    check_accepted("*.evil.com", IndicatorKind::RegexDomain, "*.evil.com");
    // Whitespace: not domain-shaped.
    check_malformed("evil (copy).com", kNotATrail);
    // Regex-looking characters without them: a plain name.
    check_accepted("a-b_c.evil.com", IndicatorKind::Domain, "a-b_c.evil.com");
}

TEST_CASE("URL: anything with '/' that is no CIDR is kept literally, regex characters too") {
    check_accepted("evil.com/a(b)?c*+[x]\\y", IndicatorKind::Url, "evil.com/a(b)?c*+[x]\\y");
    check_accepted("/wp-content/plugins/x.php", IndicatorKind::Url, "/wp-content/plugins/x.php");
    check_accepted("/CJ Path V_10.3.apk", IndicatorKind::Url, "/cj path v_10.3.apk");
    check_accepted("/00O0o0##########00.doc", IndicatorKind::Url, "/00o0o0##########00.doc");
}

TEST_CASE("typed trails: ua:, sha1:, ja3:, ja4:") {
    check_accepted("ua:Mozilla/4.0 (compatible; EvilBot)", IndicatorKind::UserAgent,
                   "Mozilla/4.0 (compatible; EvilBot)");
    check_accepted("UA: sqlmap ", IndicatorKind::UserAgent, "sqlmap");
    check_accepted("sha1:AABBCCDDEEFF00112233445566778899AABBCCDD", IndicatorKind::CertSha1,
                   "aabbccddeeff00112233445566778899aabbccdd");
    check_accepted("sha1:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD",
                   IndicatorKind::CertSha1, "aabbccddeeff00112233445566778899aabbccdd");
    check_accepted("ja3:E7D705A3286E19EA42F587B344EE6865", IndicatorKind::Ja3,
                   "e7d705a3286e19ea42f587b344ee6865");
    check_accepted("ja4:t13d1516h2_8daaf6152771_b186095e22b6", IndicatorKind::Ja4,
                   "t13d1516h2_8daaf6152771_b186095e22b6");
    check_accepted("ja4:T13D1516H2_8DAAF6152771_B186095E22B6 # cobalt", IndicatorKind::Ja4,
                   "t13d1516h2_8daaf6152771_b186095e22b6");

    check_malformed("ua:", "empty user agent");
    check_malformed("sha1:abcd", "bad sha1 (want 40 hex digits)");
    check_malformed("sha1:zzbbccddeeff00112233445566778899aabbccdd",
                    "bad sha1 (want 40 hex digits)");
    check_malformed("ja3:123", "bad ja3 (want 32 hex digits)");
    check_malformed("ja4:t13d 1516", "bad ja4 fingerprint");
    // Without a prefix, a hash is just an odd name: the prefix is what types it.
    check_accepted("e7d705a3286e19ea42f587b344ee6865", IndicatorKind::Domain,
                   "e7d705a3286e19ea42f587b344ee6865");
}

TEST_CASE("domain: valid names, trailing dot and zone suffixes") {
    check_accepted("evil.com.", IndicatorKind::Domain, "evil.com");
    check_accepted(".cc", IndicatorKind::Domain, "cc");
    check_accepted(".eu.org", IndicatorKind::Domain, "eu.org");
    check_accepted("xn--eepass-vbb.info    # was: ķeepass.info", IndicatorKind::Domain,
                   "xn--eepass-vbb.info");
    check_accepted(std::string(63, 'a') + ".com", IndicatorKind::Domain,
                   std::string(63, 'a') + ".com");

    check_malformed(std::string(64, 'a') + ".com", kNotATrail);
    check_malformed(
        "support\xc2\xac"
        "forum.org",
        kNotATrail);
    check_malformed("evil..com", kNotATrail);
    check_malformed(".", kNotATrail);
    // All-digit top label: a mistyped address, not a name.
    check_malformed("c91.196.152.28", kNotATrail);
    check_malformed("1.2.3.4.5", kNotATrail);
}

TEST_CASE("malformed: lines no rule accepts") {
    check_malformed("161.35.41.9:53:53", kNotATrail);
    check_malformed("46.8.120.153::8080", kNotATrail);
    check_malformed("evil.com:8080", kNotATrail);
    check_malformed("300.1.1.1", kNotATrail);
}
