// Maltrail's DNS heuristics: exhaustion, excessive NXDOMAIN, DGA, long domain, at their limits,
// across their windows and under floods.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "detect/dns_heuristics.h"
#include "frame_builder.h"

using namespace spoor;
using namespace spoor::test;

namespace {

constexpr std::uint64_t kT0 = 1'780'000'000'000'000'000ull;
constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint8_t kNxdomain = 3;

// Frames built and parsed as the sensor would see them; each call returns the alerts it added.
struct Sensor {
    explicit Sensor(detect::DnsHeuristicsConfig config = {}) : heuristics(config) {}

    detect::DnsHeuristics heuristics;
    std::vector<detect::Alert> alerts;
    std::unique_ptr<proto::DnsMessage> message = std::make_unique<proto::DnsMessage>();
    std::vector<std::uint8_t> frame;  // keeps the packet's payload alive
    proto::Packet packet;

    const proto::DnsName& decode(const FrameSpec& spec) {
        frame = build_frame(spec);
        if (proto::decode_frame(frame, packet) != proto::DecodeStatus::Ok ||
            proto::parse_dns(packet.payload, *message) != proto::DnsStatus::Ok ||
            message->question_count != 1 || !message->questions[0].name.valid) {
            FAIL("test frame did not decode");
        }
        return message->questions[0].name;
    }

    std::size_t query(std::string_view name, std::uint64_t at) {
        const auto& n = decode(udp("10.1.0.1", 40000, "10.1.0.53", 53, dns_query(name, kDnsA, 7)));
        const auto before = alerts.size();
        heuristics.on_query(n, packet, at, "eth0", alerts);
        return alerts.size() - before;
    }

    std::size_t nxdomain(std::string_view name, std::uint64_t at) {
        const auto& n = decode(
            udp("10.1.0.53", 53, "10.1.0.1", 40000, dns_response(name, kDnsA, 7, kNxdomain, {})));
        if (message->rcode != kNxdomain) {
            FAIL("not an NXDOMAIN");
        }
        const auto before = alerts.size();
        heuristics.on_nxdomain(n, packet, at, "eth0", alerts);
        return alerts.size() - before;
    }
};

proto::DnsName dns_name(std::string_view text) {
    Sensor s;
    return s.decode(udp("10.1.0.1", 40000, "10.1.0.53", 53, dns_query(text, kDnsA, 1)));
}

detect::DnsHeuristicsConfig small_exhaustion() {
    detect::DnsHeuristicsConfig c;
    c.exhaustion_subdomains = 5;
    c.max_items_per_key = 32;  // above nxdomain_answers (20) too
    return c;
}

void check_heuristic_alert(const detect::Alert& a, const std::string& trail,
                           const std::string& info, std::uint64_t at) {
    CHECK(a.trail == trail);
    CHECK(a.info == info);
    CHECK(a.trail_type == "DNS");
    CHECK(a.reference == "(heuristic)");
    CHECK(a.matched_field == "dns.rrname");
    CHECK(a.detector == "heuristic");
    CHECK(a.app_proto == "dns");
    CHECK(a.timestamp_ns == at);
    CHECK(a.in_iface == "eth0");
    CHECK(a.ip_proto == 17);
    CHECK(a.severity == 2);
    CHECK(a.category == "Potentially Bad Traffic");
    CHECK(a.signature == "SPOOR DNS " + info);
    CHECK(a.signature_id >= 1'000'000'000u);
    CHECK_FALSE(a.dns.has_value());  // the caller holds the message and attaches it
}

}  // namespace

// --- exhaustion ---

TEST_CASE("dns heuristics: exhaustion at 1000 distinct subdomains is silent, the 1001st alerts") {
    Sensor s;
    std::uint64_t t = kT0;
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(s.query("s" + std::to_string(i) + ".victim.example", t += 1'000'000) == 0);
    }
    // Repeats are not new subdomains.
    for (int i = 0; i < 300; ++i) {
        REQUIRE(s.query("s" + std::to_string(i) + ".victim.example", t += 1'000'000) == 0);
    }
    REQUIRE(s.query("x.y.victim.example", t += 1'000'000) == 1);
    const auto& a = s.alerts[0];
    check_heuristic_alert(a, "victim.example", "potential dns exhaustion (suspicious)", t);
    CHECK(a.src.to_string() == "10.1.0.1");
    CHECK(a.dst.to_string() == "10.1.0.53");
    CHECK(a.src_port == 40000);
    CHECK(a.dst_port == 53);
    // Once per base per window.
    for (int i = 0; i < 100; ++i) {
        CHECK(s.query("more" + std::to_string(i) + ".victim.example", t += 1'000'000) == 0);
    }
    CHECK(s.heuristics.stats().alerts == 1);
}

TEST_CASE("dns heuristics: exhaustion window slides; alerts again only after a window") {
    Sensor s(small_exhaustion());
    for (int i = 0; i < 5; ++i) {
        CHECK(s.query("old" + std::to_string(i) + ".victim.example", kT0) == 0);
    }
    // 60 s later the five have left the window: one new subdomain is the only one counted.
    CHECK(s.query("new.victim.example", kT0 + 60 * kSecond) == 0);
    // Three at 100 s and three at 150 s: six within 60 s, the sixth alerts.
    for (int i = 0; i < 3; ++i) {
        CHECK(s.query("a" + std::to_string(i) + ".victim.example", kT0 + 100 * kSecond) == 0);
    }
    for (int i = 0; i < 2; ++i) {
        CHECK(s.query("b" + std::to_string(i) + ".victim.example", kT0 + 150 * kSecond) == 0);
    }
    CHECK(s.query("b2.victim.example", kT0 + 150 * kSecond) == 1);
    // Held back until 60 s after that alert, however many more come.
    for (int i = 0; i < 10; ++i) {
        CHECK(s.query("c" + std::to_string(i) + ".victim.example", kT0 + 180 * kSecond) == 0);
    }
    CHECK(s.query("d.victim.example", kT0 + 209 * kSecond) == 0);
    // At 210 s the ten of 180 s and d still count: alerts again.
    CHECK(s.query("e.victim.example", kT0 + 210 * kSecond) == 1);
    CHECK(s.alerts.size() == 2);
}

TEST_CASE("dns heuristics: exhaustion counts a subdomain for exactly one window") {
    Sensor s(small_exhaustion());
    CHECK(s.query("s0.victim.example", kT0) == 0);
    for (int i = 1; i < 5; ++i) {
        CHECK(s.query("s" + std::to_string(i) + ".victim.example", kT0 + 30 * kSecond) == 0);
    }
    // s0 was seen 60 s ago: out, so s5 makes five, not six.
    CHECK(s.query("s5.victim.example", kT0 + 60 * kSecond) == 0);
    CHECK(s.query("s6.victim.example", kT0 + 60 * kSecond) == 1);
}

TEST_CASE("dns heuristics: exhaustion counts at the latest packet time when packets come late") {
    Sensor s(small_exhaustion());
    for (int i = 0; i < 5; ++i) {
        CHECK(s.query("a" + std::to_string(i) + ".victim.example", kT0 + 100 * kSecond) == 0);
    }
    // Stamped 90 s earlier: counted as seen at 100 s, not as already out of the window.
    CHECK(s.query("late.victim.example", kT0 + 10 * kSecond) == 1);
    CHECK(s.alerts[0].timestamp_ns == kT0 + 10 * kSecond);  // the alert keeps its packet's time
}

TEST_CASE("dns heuristics: exhaustion bases under co.uk-style registries take three labels") {
    CHECK(detect::dns_base(dns_name("www.bbc.co.uk")) == "bbc.co.uk");
    CHECK(detect::dns_base(dns_name("x.y.com.au")) == "y.com.au");
    CHECK(detect::dns_base(dns_name("a.b.ac.jp")) == "b.ac.jp");
    CHECK(detect::dns_base(dns_name("a.b.gov.br")) == "b.gov.br");
    CHECK(detect::dns_base(dns_name("x.co.uk")) == "x.co.uk");
    CHECK(detect::dns_base(dns_name("co.uk")) == "co.uk");
    CHECK(detect::dns_base(dns_name("a.b.example.de")) == "example.de");
    CHECK(detect::dns_base(dns_name("a.b.co.com")) == "co.com");  // not a country code
    CHECK(detect::dns_base(dns_name("a.b.shop.uk")) == "shop.uk");
    CHECK(detect::dns_base(dns_name("www.example.com")) == "example.com");

    Sensor s(small_exhaustion());
    // Subdomains of different companies under co.uk do not add up.
    for (int i = 0; i < 10; ++i) {
        CHECK(s.query("www.company" + std::to_string(i) + ".co.uk", kT0) == 0);
    }
    for (int i = 0; i < 5; ++i) {
        CHECK(s.query("s" + std::to_string(i) + ".victim.co.uk", kT0) == 0);
    }
    REQUIRE(s.query("s5.victim.co.uk", kT0) == 1);
    check_heuristic_alert(s.alerts[0], "victim.co.uk", "potential dns exhaustion (suspicious)",
                          kT0);
    for (int i = 0; i < 6; ++i) {
        s.query("s" + std::to_string(i) + ".deep.victim.com.au", kT0);
    }
    REQUIRE(s.alerts.size() == 2);
    CHECK(s.alerts[1].trail == "victim.com.au");
}

TEST_CASE("dns heuristics: exhaustion skips DNSBL-style, reverse and local lookups") {
    CHECK(detect::dns_reversed_ipv4(dns_name("4.3.2.1.zen.spamhaus.example")));
    CHECK(detect::dns_reversed_ipv4(dns_name("255.0.0.10.in-addr.arpa")));
    CHECK_FALSE(detect::dns_reversed_ipv4(dns_name("256.3.2.1.zen.spamhaus.example")));
    CHECK_FALSE(detect::dns_reversed_ipv4(dns_name("3.2.1.zen.spamhaus.example")));
    CHECK_FALSE(detect::dns_reversed_ipv4(dns_name("1234.3.2.1.bl.example")));

    Sensor s(small_exhaustion());
    for (int i = 0; i < 20; ++i) {
        const auto n = std::to_string(i);
        CHECK(s.query(n + ".3.2.1.zen.spamhaus.example", kT0) == 0);
        CHECK(s.query("wpad.site" + n + ".corp.example", kT0) == 0);
        CHECK(s.query("autodiscover.team" + n + ".corp.example", kT0) == 0);
        CHECK(s.query("_ldap._tcp.dc" + n + ".corp.example", kT0) == 0);
        CHECK(s.query(n + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                      kT0) == 0);
    }
    CHECK(s.heuristics.stats().exhaustion_keys == 0);
    // Four labels, but 300 is no IPv4 byte: counted.
    for (int i = 0; i < 5; ++i) {
        CHECK(s.query(std::to_string(i) + ".2.1.300.victim.example", kT0) == 0);
    }
    CHECK(s.query("5.2.1.300.victim.example", kT0) == 1);
}

TEST_CASE("dns heuristics: exhaustion keeps at most max_items_per_key subdomains a base") {
    auto config = small_exhaustion();
    config.max_items_per_key = 8;
    config.nxdomain = false;  // 8 could not count past its 20 answers
    Sensor s(config);
    for (int i = 0; i < 20; ++i) {
        s.query("s" + std::to_string(i) + ".victim.example", kT0 + static_cast<std::uint64_t>(i));
    }
    CHECK(s.alerts.size() == 1);  // the sixth; then held back
    CHECK(s.heuristics.stats().items_evicted == 12);
}

// --- excessive NXDOMAIN ---

TEST_CASE("dns heuristics: 20 NXDOMAIN answers for a name are silent, the 21st alerts") {
    Sensor s;
    std::uint64_t t = kT0;
    for (int i = 0; i < 20; ++i) {
        REQUIRE(s.nxdomain("gone.example", t += kSecond) == 0);
    }
    REQUIRE(s.nxdomain("gone.example", t += kSecond) == 1);
    const auto& a = s.alerts[0];
    check_heuristic_alert(a, "gone.example", "excessive no such domain (suspicious)", t);
    CHECK(a.src.to_string() == "10.1.0.53");
    CHECK(a.src_port == 53);
    // Once per name per window.
    for (int i = 0; i < 50; ++i) {
        CHECK(s.nxdomain("gone.example", t += kSecond) == 0);
    }
}

TEST_CASE("dns heuristics: nxdomain for one name under a base alerts for the name and *.base") {
    Sensor s;
    for (int i = 0; i < 20; ++i) {
        REQUIRE(s.nxdomain("c2.evil.example", kT0) == 0);
    }
    REQUIRE(s.nxdomain("c2.evil.example", kT0) == 2);
    CHECK(s.alerts[0].trail == "c2.evil.example");
    CHECK(s.alerts[1].trail == "(c2).evil.example");
    CHECK(s.alerts[1].info == "excessive no such domain (suspicious)");
}

TEST_CASE("dns heuristics: nxdomain for *.base names the distinct prefixes, sorted") {
    Sensor s;
    const char* names[] = {"c.evil.example", "a.evil.example", "b.x.evil.example"};
    for (int i = 0; i < 20; ++i) {
        REQUIRE(s.nxdomain(names[i % 3], kT0) == 0);  // seven or fewer for each name
    }
    REQUIRE(s.nxdomain(names[20 % 3], kT0) == 1);
    check_heuristic_alert(s.alerts[0], "(a,b.x,c).evil.example",
                          "excessive no such domain (suspicious)", kT0);
}

TEST_CASE("dns heuristics: nxdomain *.base trail lists at most kShownPrefixes prefixes") {
    static_assert(detect::DnsHeuristics::kShownPrefixes == 10);
    Sensor s;
    for (int i = 0; i < 21; ++i) {
        const std::string prefix = "p" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        s.nxdomain(prefix + ".dga.co.uk", kT0 + static_cast<std::uint64_t>(i));
    }
    REQUIRE(s.alerts.size() == 1);
    // The ten most recent of the 21 distinct prefixes, sorted, then "..." for the rest.
    CHECK(s.alerts[0].trail == "(p11,p12,p13,p14,p15,p16,p17,p18,p19,p20,...).dga.co.uk");
}

TEST_CASE("dns heuristics: nxdomain window slides; alerts again only after a window") {
    Sensor s;
    constexpr std::uint64_t kHour = 3600 * kSecond;
    for (int i = 0; i < 20; ++i) {
        CHECK(s.nxdomain("gone.example", kT0) == 0);
    }
    // An hour later those twenty no longer count.
    CHECK(s.nxdomain("gone.example", kT0 + kHour) == 0);
    // Twenty at 1 h 30 min and the one of 1 h: 21 within the hour, the last alerts.
    for (int i = 0; i < 19; ++i) {
        CHECK(s.nxdomain("gone.example", kT0 + kHour + kHour / 2) == 0);
    }
    CHECK(s.nxdomain("gone.example", kT0 + kHour + kHour / 2) == 1);
    const std::uint64_t alerted = kT0 + kHour + kHour / 2;
    for (int i = 0; i < 21; ++i) {
        CHECK(s.nxdomain("gone.example", alerted + 10 * kSecond) == 0);
    }
    CHECK(s.nxdomain("gone.example", alerted + kHour - 1) == 0);
    // An hour after the alert, with more than 20 still within the hour: alerts again.
    CHECK(s.nxdomain("gone.example", alerted + kHour) == 1);
}

TEST_CASE("dns heuristics: nxdomain counts an answer for exactly one window") {
    Sensor s;
    constexpr std::uint64_t kHour = 3600 * kSecond;
    CHECK(s.nxdomain("gone.example", kT0) == 0);
    for (int i = 0; i < 19; ++i) {
        CHECK(s.nxdomain("gone.example", kT0 + kHour / 2) == 0);
    }
    // The first answer is an hour old: out, so this is the 20th within the hour, not the 21st.
    CHECK(s.nxdomain("gone.example", kT0 + kHour) == 0);
    CHECK(s.nxdomain("gone.example", kT0 + kHour) == 1);
}

TEST_CASE("dns heuristics: nxdomain skips DNSBL-style and reverse names") {
    Sensor s;
    for (int i = 0; i < 30; ++i) {
        CHECK(s.nxdomain("4.3.2.1.zen.spamhaus.example", kT0) == 0);
        CHECK(s.nxdomain(std::to_string(i) + ".3.2.1.zen.spamhaus.example", kT0) == 0);
        CHECK(s.nxdomain("9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                         kT0) == 0);
    }
    CHECK(s.heuristics.stats().nxdomain_name_keys == 0);
    CHECK(s.heuristics.stats().nxdomain_base_keys == 0);
}

// --- DGA ---

TEST_CASE("dns heuristics: DGA label entropy and consonants, by hand") {
    CHECK(detect::label_entropy("abcdefgh") == 3.0);          // 8 equally likely: log2 8
    CHECK(detect::label_entropy("abcdefghijklmnop") == 4.0);  // 16 distinct: log2 16
    CHECK(detect::label_entropy("aaaa") == 0.0);
    CHECK(detect::label_entropy("aabb") == 1.0);
    CHECK(detect::label_entropy("") == 0.0);
    // Four characters twice and eight once in 16: 4 x 2/16 x 3 + 8 x 1/16 x 4 = 1.5 + 2 = 3.5.
    CHECK(detect::label_entropy("aaeeiioou0123456") == 3.5);
    // Nine distinct in 9: log2 9 = 3.17; ten: log2 10 = 3.32.
    CHECK(detect::label_entropy("bcdfghjkl") == doctest::Approx(3.169925));
    CHECK(detect::label_entropy("bcdfghjklm") == doctest::Approx(3.321928));
    // 17 characters, four twice: log2 17 - 8/17 = 4.087463 - 0.470588 = 3.616875.
    CHECK(detect::label_entropy("aaeeiioou01234567") == doctest::Approx(3.616875));

    CHECK(detect::label_consonants("google") == 3);
    CHECK(detect::label_consonants("rhythm") == 6);       // 'y' counts
    CHECK(detect::label_consonants("bcdfghjkly") == 10);  // 'y' counts
    CHECK(detect::label_consonants("aeiou0123_") == 0);   // digits and '_' are no letters
}

TEST_CASE("dns heuristics: DGA entropy at 3.5 is silent, above it alerts") {
    Sensor s;
    CHECK(s.nxdomain("aaeeiioou0123456.example", kT0) == 0);  // exactly 3.5, no consonants
    REQUIRE(s.nxdomain("aaeeiioou01234567.example", kT0) == 1);
    check_heuristic_alert(s.alerts[0], "aaeeiioou01234567.example",
                          "entropy threshold no such domain (suspicious)", kT0);
    // Random and consonant-heavy: the entropy rule decides, one alert.
    REQUIRE(s.nxdomain("xkqwzlvbnmfghjdp.example", kT0) == 1);
    CHECK(s.alerts[1].info == "entropy threshold no such domain (suspicious)");
}

TEST_CASE("dns heuristics: DGA consonants at 9 are silent, 10 alert ('y' counts)") {
    Sensor s;
    CHECK(s.nxdomain("bcdfghjkl.example", kT0) == 0);  // 9 consonants, entropy 3.17
    REQUIRE(s.nxdomain("bcdfghjklm.example", kT0) == 1);
    check_heuristic_alert(s.alerts[0], "bcdfghjklm.example",
                          "consonant threshold no such domain (suspicious)", kT0);
    REQUIRE(s.nxdomain("bcdfghjkly.example", kT0) == 1);
    CHECK(s.alerts[1].info == "consonant threshold no such domain (suspicious)");
    // Repeated letters: low entropy (2 bits), 12 consonants.
    REQUIRE(s.nxdomain("bbbcccdddfff.example", kT0) == 1);
    CHECK(s.alerts[2].info == "consonant threshold no such domain (suspicious)");
}

TEST_CASE("dns heuristics: DGA only for two-label names without '-', only on NXDOMAIN") {
    Sensor s;
    CHECK(s.nxdomain("xkqwzlvbn-mfghjdp.example", kT0) == 0);  // '-'
    CHECK(s.nxdomain("xkqwzlvbnmfghjdp.evil.example", kT0) == 0);
    CHECK(s.nxdomain("www.xkqwzlvbnmfghjdp.example", kT0) == 0);
    CHECK(s.query("xkqwzlvbnmfghjdp.example", kT0) == 0);  // a query: the name may exist
    CHECK(s.nxdomain("google.example", kT0) == 0);
}

// --- long domain ---

TEST_CASE("dns heuristics: long domain at 24 characters is silent, 25 alert") {
    Sensor s;
    const std::string label24(24, 'q');
    const std::string label25 = "abcdefghijklmnopqrstuvwxy";
    REQUIRE(label25.size() == 25);
    CHECK(s.query(label24 + ".tunnel.example", kT0) == 0);
    REQUIRE(s.query(label25 + ".tunnel.example", kT0) == 1);
    check_heuristic_alert(s.alerts[0], label25 + ".tunnel.example", "long domain (suspicious)",
                          kT0);
    CHECK(s.query(std::string(63, '7') + ".example", kT0) == 1);
}

TEST_CASE("dns heuristics: long domain skips labels with '-' and labels after the first") {
    Sensor s;
    CHECK(s.query("abcdefghijklm-nopqrstuvwxyz0123.example", kT0) == 0);
    CHECK(s.query("www." + std::string(40, 'z') + ".example", kT0) == 0);
    CHECK(s.nxdomain(std::string(30, 'a') + ".example", kT0) == 0);  // responses: DGA's business
}

// --- switches, configuration, bounds ---

TEST_CASE("dns heuristics: disabled heuristics are silent") {
    auto traffic = [](Sensor& s) {
        for (int i = 0; i < 6; ++i) {
            s.query("s" + std::to_string(i) + ".victim.example", kT0);  // exhaustion
        }
        for (int i = 0; i < 21; ++i) {
            s.nxdomain("gone.example", kT0);  // excessive NXDOMAIN (name only: two labels)
        }
        s.nxdomain("xkqwzlvbnmfghjdp.example", kT0);                // DGA
        s.query("abcdefghijklmnopqrstuvwxyz.tunnel.example", kT0);  // long
    };
    auto config = small_exhaustion();
    {
        Sensor all(config);
        traffic(all);
        REQUIRE(all.alerts.size() == 4);
        CHECK(all.alerts[0].info == "potential dns exhaustion (suspicious)");
        CHECK(all.alerts[1].info == "excessive no such domain (suspicious)");
        CHECK(all.alerts[2].info == "entropy threshold no such domain (suspicious)");
        CHECK(all.alerts[3].info == "long domain (suspicious)");
    }
    const std::pair<bool detect::DnsHeuristicsConfig::*, const char*> switches[] = {
        {&detect::DnsHeuristicsConfig::exhaustion, "potential dns exhaustion (suspicious)"},
        {&detect::DnsHeuristicsConfig::nxdomain, "excessive no such domain (suspicious)"},
        {&detect::DnsHeuristicsConfig::dga, "entropy threshold no such domain (suspicious)"},
        {&detect::DnsHeuristicsConfig::long_domain, "long domain (suspicious)"},
    };
    for (const auto& [flag, info] : switches) {
        const char* disabled = info;
        CAPTURE(disabled);
        auto off = config;
        off.*flag = false;
        Sensor s(off);
        traffic(s);
        CHECK(s.alerts.size() == 3);
        for (const auto& a : s.alerts) {
            CHECK(a.info != info);
        }
    }
    auto none = config;
    none.exhaustion = none.nxdomain = none.dga = none.long_domain = false;
    Sensor silent(none);
    traffic(silent);
    CHECK(silent.alerts.empty());
    CHECK(silent.heuristics.stats().exhaustion_keys == 0);
    CHECK(silent.heuristics.stats().nxdomain_name_keys == 0);
}

TEST_CASE("dns heuristics: a configuration whose keys cannot count past a threshold is refused") {
    detect::DnsHeuristicsConfig c;
    CHECK(detect::DnsHeuristics::validate(c).empty());
    c.max_items_per_key = 1000;  // == exhaustion_subdomains: the 1001st could never be counted
    CHECK(detect::DnsHeuristics::validate(c).find("exhaustion_subdomains") != std::string::npos);
    CHECK_THROWS_AS(detect::DnsHeuristics{c}, std::invalid_argument);
    c.exhaustion = false;  // then only nxdomain_answers (20) matters
    CHECK(detect::DnsHeuristics::validate(c).empty());
    c.max_items_per_key = 20;
    CHECK(detect::DnsHeuristics::validate(c).find("nxdomain_answers") != std::string::npos);
    c = {};
    c.max_keys = 0;
    CHECK_THROWS_AS(detect::DnsHeuristics{c}, std::invalid_argument);
}

TEST_CASE("dns heuristics: 100,000 distinct bases stay within max_keys; exhaustion still caught") {
    detect::DnsHeuristicsConfig config;
    config.max_keys = 1000;
    Sensor s(config);
    std::uint64_t t = kT0;
    std::size_t largest = 0;
    int victims = 0;
    for (int i = 0; i < 100'000; ++i) {
        s.query("h.flood" + std::to_string(i) + ".example", t += 10'000);
        if (i % 99 == 98 && victims < 1001) {
            s.query("s" + std::to_string(victims++) + ".victim.example", t += 10'000);
        }
        if (i % 1000 == 0) {
            largest = std::max<std::size_t>(largest, s.heuristics.stats().exhaustion_keys);
        }
    }
    REQUIRE(victims == 1001);
    CHECK(largest <= 1000);
    const auto stats = s.heuristics.stats();
    CHECK(stats.exhaustion_keys == 1000);
    CHECK(stats.keys_evicted == 100'001 - 1000);  // every distinct base, less those still held
    CHECK(stats.keys_expired == 0);
    REQUIRE(s.alerts.size() == 1);
    CHECK(s.alerts[0].trail == "victim.example");
    CHECK(s.alerts[0].info == "potential dns exhaustion (suspicious)");

    // A window later every idle base is dropped on the next query: memory follows the traffic.
    s.query("quiet.example", t + 60 * kSecond);
    CHECK(s.heuristics.stats().exhaustion_keys == 0);  // "quiet.example" is a base: not counted
    CHECK(s.heuristics.stats().keys_expired == 1000);
}

TEST_CASE("dns heuristics: 100,000 distinct NXDOMAIN names stay within max_keys; still caught") {
    detect::DnsHeuristicsConfig config;
    config.max_keys = 1000;
    Sensor s(config);
    std::uint64_t t = kT0;
    std::size_t largest_names = 0, largest_bases = 0;
    int gone = 0;
    for (int i = 0; i < 100'000; ++i) {
        s.nxdomain("n.flood" + std::to_string(i) + ".example", t += 10'000);
        if (i % 500 == 499 && gone < 21) {
            s.nxdomain("c2.evil.example", t += 10'000);
            ++gone;
        }
        if (i % 1000 == 0) {
            const auto stats = s.heuristics.stats();
            largest_names = std::max<std::size_t>(largest_names, stats.nxdomain_name_keys);
            largest_bases = std::max<std::size_t>(largest_bases, stats.nxdomain_base_keys);
        }
    }
    REQUIRE(gone == 21);
    CHECK(largest_names <= 1000);
    CHECK(largest_bases <= 1000);
    const auto stats = s.heuristics.stats();
    CHECK(stats.nxdomain_name_keys == 1000);
    CHECK(stats.nxdomain_base_keys == 1000);
    CHECK(stats.keys_evicted == 2 * (100'001 - 1000));
    REQUIRE(s.alerts.size() == 2);
    CHECK(s.alerts[0].trail == "c2.evil.example");
    CHECK(s.alerts[1].trail == "(c2).evil.example");
}

TEST_CASE("dns heuristics: subdomains over all bases stay within max_items, the oldest base goes") {
    detect::DnsHeuristicsConfig config;
    config.exhaustion_subdomains = 100;
    config.max_items_per_key = 200;
    config.max_items = 1000;
    Sensor s(config);
    // 50 bases of 30 subdomains each: 1,500 items asked for, 1,000 allowed.
    for (int base = 0; base < 50; ++base) {
        for (int sub = 0; sub < 30; ++sub) {
            s.query("s" + std::to_string(sub) + ".b" + std::to_string(base) + ".example",
                    kT0 + static_cast<std::uint64_t>(base));
        }
    }
    const auto stats = s.heuristics.stats();
    CHECK(stats.exhaustion_keys <= 1000 / 30 + 1);
    CHECK(stats.keys_evicted >= 50 - (1000 / 30 + 1));
    // A real exhaustion still gets through.
    std::size_t alerts = 0;
    for (int sub = 0; sub < 101; ++sub) {
        alerts += s.query("x" + std::to_string(sub) + ".victim.example", kT0 + 100);
    }
    CHECK(alerts == 1);
    detect::DnsHeuristicsConfig bad;
    bad.max_items = 10;
    CHECK(detect::DnsHeuristics::validate(bad).find("max_items (10)") != std::string::npos);
}
