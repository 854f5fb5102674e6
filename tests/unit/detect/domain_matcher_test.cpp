// Maltrail's domain rules, one positive and one negative case each, the
// negative cache, and the real static set with Maltrail's whitelist.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "detect/domain_matcher.h"
#include "frame_builder.h"
#include "proto/dns.h"
#include "support/test_support.h"
#include "trails/loader.h"

namespace {

using spoor::detect::DomainMatch;
using spoor::detect::DomainMatcher;
using spoor::detect::DomainMatcherConfig;
using spoor::trails::IndicatorKind;
using spoor::trails::SourceRank;
using spoor::trails::TrailRecord;
using spoor::trails::TrailSet;
using spoor::trails::TrailStore;
using spoor::trails::Whitelist;

struct Trail {
    IndicatorKind kind;
    std::string key;
    std::string info;
};

std::shared_ptr<const TrailStore> store_of(const std::vector<Trail>& trails) {
    TrailSet set;
    for (const auto& trail : trails) {
        set.add(trail.kind, trail.key, TrailRecord{trail.info, "(static)"},
                SourceRank::StaticMalware);
    }
    return spoor::trails::store_of(set);
}

Trail domain(std::string key, std::string info = "evil (malware)") {
    return Trail{IndicatorKind::Domain, std::move(key), std::move(info)};
}

Trail regex(std::string pattern, std::string info = "generic (malware)") {
    return Trail{IndicatorKind::RegexDomain, std::move(pattern), std::move(info)};
}

// A matcher over `trails`, and what it says about names as "trail|info" (or "-").
class Fixture {
  public:
    explicit Fixture(const std::vector<Trail>& trails,
                     std::shared_ptr<const Whitelist> whitelist = nullptr,
                     DomainMatcherConfig config = {})
        : store_(store_of(trails)), matcher_(store_, std::move(whitelist), std::move(config)) {}

    std::string operator()(std::string_view name) {
        const auto match = matcher_.match(name);
        if (!match) {
            return "-";
        }
        return match->trail + "|" + std::string(store_->record(match->record_id).info);
    }

    DomainMatcher& matcher() { return matcher_; }

  private:
    std::shared_ptr<const TrailStore> store_;
    DomainMatcher matcher_;
};

}  // namespace

TEST_CASE("rule 1: upper case, a trailing dot and :port are normalised away") {
    Fixture match({domain("evil.com")});
    CHECK(match("evil.com") == "evil.com|evil (malware)");
    CHECK(match("EVIL.Com") == "evil.com|evil (malware)");
    CHECK(match("evil.com.") == "evil.com|evil (malware)");
    CHECK(match("evil.com:8080") == "evil.com|evil (malware)");
    CHECK(match("WWW.Evil.COM.:443") == "(www).evil.com|evil (malware)");
}

TEST_CASE("rule 1: invalid names never match") {
    Fixture match({domain("evil.com"), domain("com")});
    const std::string long_label(64, 'a');
    // 253 characters at most: 3 labels of 63, then 57 or 58 and "com" (a parent trail).
    const std::string label63(63, 'a');
    const std::string long_prefix = label63 + "." + label63 + "." + label63 + ".";
    const std::string longest = long_prefix + std::string(57, 'b') + ".com";
    const std::string too_long = long_prefix + std::string(58, 'b') + ".com";
    REQUIRE(longest.size() == 253);
    for (const std::string& name :
         {std::string(), std::string("."), std::string("evil..com"), std::string(".evil.com"),
          std::string("evil.com.."), std::string("ev il.com"), std::string("\xc3\xa9vil.com"),
          std::string("evil.com:"), std::string("evil.com:http"), std::string("evil.com:123456"),
          std::string("[::1]:53"), std::string("1.2.3.4"), long_label + ".com", too_long}) {
        CAPTURE(name);
        CHECK(match(name) == "-");
    }
    CHECK(match(longest) == "(" + longest.substr(0, 249) + ").com|evil (malware)");
}

namespace {

// What rule 1 says, written plainly: the matcher's normaliser is written for speed.
std::optional<std::string> reference_normalise(std::string name) {
    if (const auto colon = name.find(':'); colon != std::string::npos) {
        const std::string port = name.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string::npos) {
            return std::nullopt;
        }
        name.erase(colon);
    }
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    if (name.empty() || name.size() > 253) {
        return std::nullopt;
    }
    for (char& c : name) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    std::string label;
    for (std::size_t start = 0;;) {
        const auto dot = name.find('.', start);
        label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (label.empty() || label.size() > 63 ||
            label.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") !=
                std::string::npos) {
            return std::nullopt;
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    if (label.find_first_not_of("0123456789") == std::string::npos) {
        return std::nullopt;
    }
    return name;
}

}  // namespace

TEST_CASE("rule 1: random and hostile names normalise as the rule says") {
    // A regex trail that matches any name shows the normalised name as its text.
    DomainMatcherConfig config;
    config.internal_suffixes.clear();
    config.negative_cache_entries = 0;
    Fixture match({regex(".+", "any")}, nullptr, config);
    std::mt19937 random(12345);
    const std::string alphabet = "abcxyzABCXYZ0189-_.......:";
    int valid = 0;
    int long_valid = 0;
    const std::string label_bytes = "abcxyzABCXYZ0189-_";
    for (int i = 0; i < 20000; ++i) {
        std::string name;
        if (i % 10 == 0) {
            // Names near the length limits, built of labels up to 63 long (and sometimes 64).
            const std::size_t target = 240 + random() % 20;
            while (name.size() < target) {
                name += name.empty() ? "" : ".";
                const std::size_t length = 1 + random() % 64;
                for (std::size_t j = 0; j < length; ++j) {
                    name += label_bytes[random() % label_bytes.size()];
                }
            }
            name += i % 30 == 0 ? "." : i % 50 == 0 ? ":53" : "";
        } else {
            const std::size_t length = random() % 40;
            for (std::size_t j = 0; j < length; ++j) {
                const auto pick = random() % 100;
                name +=
                    pick < 2 ? static_cast<char>(random() % 256) : alphabet[pick % alphabet.size()];
            }
        }
        CAPTURE(name);
        const auto expected = reference_normalise(name);
        const std::string got = match(name);
        if (expected && *expected != "localhost" && !expected->ends_with(".localhost")) {
            CHECK(got == *expected + "|any");
            ++valid;
            long_valid += expected->size() > 200;
        } else {
            CHECK(got == "-");
        }
    }
    // Enough of both kinds to mean something.
    CHECK(valid > 2000);
    CHECK(long_valid > 50);
}

TEST_CASE("a name as the DNS parser decodes it matches as its text does") {
    DomainMatcherConfig config;
    config.negative_cache_entries = 0;  // each lookup on its own
    Fixture match({domain("evil.example"), regex("[a-z]+\\.dga\\.example", "dga (malware)")},
                  nullptr, config);
    const auto dns_match = [&match](std::string_view name) -> std::string {
        const auto message = spoor::test::dns_query(name, 1, 7);
        auto parsed = std::make_unique<spoor::proto::DnsMessage>();
        REQUIRE(spoor::proto::parse_dns(message, *parsed) == spoor::proto::DnsStatus::Ok);
        const auto m = match.matcher().match(parsed->questions[0].name);
        return m ? m->trail : "-";
    };
    for (const std::string& name : std::vector<std::string>{
             "evil.example", "A.B.Evil.Example", "qwerty.DGA.example", "clean.example",
             "evil.example.10", "x.1.2.3.4", "_sip.evil.example", "a-b.dga.example", "localhost"}) {
        CAPTURE(name);
        const std::string text = match(name);
        CHECK(dns_match(name) == text.substr(0, text.find('|')));
    }
    // Bytes no host name holds, which the parser marks, never match.
    CHECK(dns_match(std::string("ev\xc3\xa9l.evil.example")) == "-");
}

TEST_CASE("rule 1: names of many labels, up to the most a valid name can have") {
    Fixture match({domain("a")});
    std::string most;  // 127 one-letter labels: 253 characters
    for (int i = 0; i < 126; ++i) {
        most += "a.";
    }
    most += "a";
    REQUIRE(most.size() == 253);
    const std::string shown = "(" + most.substr(0, 251) + ").a|evil (malware)";
    CHECK(match(most) == shown);
    CHECK(match(most + ".") == shown);
    CHECK(match(most + ":53") == shown);
    // More labels than fit in 253 characters, and hostile runs of dots.
    for (const std::string& name : {most + ".a", "a." + most + ".", std::string(300, '.'),
                                    std::string(254, '.'), std::string(129, '.') + "a"}) {
        CAPTURE(name);
        CHECK(match(name) == "-");
    }
}

TEST_CASE("rule 3: every domain of a large set is found, and names beside them are not") {
    // Enough domains that the index's filter is many words wide.
    std::vector<Trail> trails;
    for (int i = 0; i < 50000; ++i) {
        trails.push_back(domain("d" + std::to_string(i) + ".example"));
    }
    DomainMatcherConfig config;
    config.negative_cache_entries = 0;
    Fixture match(trails, nullptr, config);
    for (int i = 0; i < 50000; ++i) {
        const std::string name = "d" + std::to_string(i) + ".example";
        CAPTURE(name);
        REQUIRE(match(name) == name + "|evil (malware)");
        REQUIRE(match("www." + name) == "(www)." + name + "|evil (malware)");
        REQUIRE(match("e" + std::to_string(i) + ".example") == "-");
    }
}

TEST_CASE("rule 2: localhost, internal suffixes and PTR names never match") {
    Fixture match({domain("localhost"), domain("evil.lan"), domain("in-addr.arpa"),
                   domain("ip6.arpa"), domain("printer.local"), domain("home.arpa"),
                   domain("corp.example"), domain("lanparty.com")});
    CHECK(match("localhost") == "-");
    CHECK(match("LOCALHOST.") == "-");
    CHECK(match("evil.lan") == "-");
    CHECK(match("printer.local") == "-");
    CHECK(match("router.home.arpa") == "-");
    CHECK(match("4.3.2.1.in-addr.arpa") == "-");
    CHECK(match("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa") == "-");
    // A suffix is a whole label: "lanparty.com" is not under "lan".
    CHECK(match("lanparty.com") == "lanparty.com|evil (malware)");
    CHECK(match("x.corp.example") == "(x).corp.example|evil (malware)");

    DomainMatcherConfig config;
    config.internal_suffixes = {"Corp.Example."};
    Fixture configured({domain("corp.example"), domain("localhost"), domain("evil.lan")}, nullptr,
                       config);
    CHECK(configured("x.corp.example") == "-");
    CHECK(configured("localhost") == "-");  // whatever the configuration says
    CHECK(configured("evil.lan") == "evil.lan|evil (malware)");
}

TEST_CASE("rule 2: a whitelisted name or parent beats a trail") {
    auto whitelist = std::make_shared<Whitelist>();
    whitelist->add_domain("good.com");
    whitelist->add_domain("example.org");
    Fixture match({domain("good.com"), domain("bad.example.org"), domain("example.org.evil.com"),
                   domain("evil.com")},
                  whitelist);
    CHECK(match("good.com") == "-");
    CHECK(match("x.bad.example.org") == "-");
    CHECK(match.matcher().stats().whitelisted == 2);
    CHECK(match("example.org.evil.com") == "example.org.evil.com|evil (malware)");
    CHECK(match("evil.com") == "evil.com|evil (malware)");
    CHECK(match.matcher().stats().whitelisted == 2);
}

TEST_CASE("rule 3: exact, then parents, longest first, down to a bare TLD") {
    Fixture match({domain("evil.com", "evil (malware)"), domain("b.evil.com", "worse (malware)"),
                   domain("cc", "domain (suspicious)")});
    CHECK(match("evil.com") == "evil.com|evil (malware)");
    CHECK(match("a.evil.com") == "(a).evil.com|evil (malware)");
    CHECK(match("a.b.evil.com") == "(a).b.evil.com|worse (malware)");
    CHECK(match("b.evil.com") == "b.evil.com|worse (malware)");
    CHECK(match("x.y.cc") == "(x.y).cc|domain (suspicious)");
    CHECK(match("notevil.com") == "-");
    CHECK(match("evil.com.au") == "-");
    CHECK(match("com") == "-");
}

TEST_CASE("rule 4: dynamic DNS and free web hosting trails alert for subdomains only") {
    Fixture match({domain("dyndns.org", "dynamic domain (suspicious)"),
                   domain("freehost.com", "free web hosting (suspicious)"),
                   domain("c2.example", "dynamicrat (malware)")});
    CHECK(match("dyndns.org") == "-");
    CHECK(match("www.dyndns.org") == "-");  // the provider's own site
    CHECK(match("freehost.com") == "-");
    CHECK(match("x.dyndns.org") == "(x).dyndns.org|dynamic domain (suspicious)");
    CHECK(match("www.x.dyndns.org") == "(www.x).dyndns.org|dynamic domain (suspicious)");
    CHECK(match("site.freehost.com") == "(site).freehost.com|free web hosting (suspicious)");
    // "dynamic" as a word: a malware family called dynamicrat is not a DNS provider.
    CHECK(match("c2.example") == "c2.example|dynamicrat (malware)");
}

TEST_CASE("rule 5: name-server names do not alert on suspicious or sinkhole trails") {
    Fixture match({domain("nobel.su", "domain (suspicious)"),
                   domain("sinkhole.example", "sinkhole shadowserver (malware)"),
                   domain("bad.com", "evil (malware)")});
    for (const char* name : {"ns1.nobel.su", "ns.nobel.su", "mx.nobel.su", "mx10.nobel.su",
                             "nic.nobel.su", "ns2.sinkhole.example"}) {
        CAPTURE(name);
        CHECK(match(name) == "-");
    }
    CHECK(match("www.nobel.su") == "(www).nobel.su|domain (suspicious)");
    CHECK(match("nsa.nobel.su") == "(nsa).nobel.su|domain (suspicious)");
    CHECK(match("nobel.su") == "nobel.su|domain (suspicious)");
    CHECK(match("x.sinkhole.example") == "(x).sinkhole.example|sinkhole shadowserver (malware)");
    CHECK(match("ns1.bad.com") == "(ns1).bad.com|evil (malware)");
}

TEST_CASE("rule 6: x.onion behind a gateway alerts as x.onion(.gateway)") {
    Fixture match({domain("abcdefghijklmnop.onion", "ransom (malware)"),
                   domain("onion.ws", "onion (suspicious)")});
    CHECK(match("abcdefghijklmnop.onion.ws") == "abcdefghijklmnop.onion(.ws)|ransom (malware)");
    CHECK(match("www.abcdefghijklmnop.onion.to") ==
          "(www).abcdefghijklmnop.onion(.to)|ransom (malware)");
    CHECK(match("abcdefghijklmnop.onion") == "abcdefghijklmnop.onion|ransom (malware)");
    // Another service through a listed gateway is the gateway's trail; through an
    // unlisted one, nothing: the bare "onion" label is no trail of its own.
    CHECK(match("qrstuvwxyz234567.onion.ws") == "(qrstuvwxyz234567).onion.ws|onion (suspicious)");
    CHECK(match("qrstuvwxyz234567.onion.to") == "-");
}

TEST_CASE("rule 7: x.ip-adress.com alerts when x is a trail") {
    Fixture match({domain("evil.com"), domain("cc", "domain (suspicious)")});
    CHECK(match("evil.com.ip-adress.com") == "evil.com(.ip-adress.com)|evil (malware)");
    CHECK(match("www.evil.com.ip-adress.com") == "(www).evil.com(.ip-adress.com)|evil (malware)");
    CHECK(match("good.com.ip-adress.com") == "-");
    CHECK(match("ip-adress.com") == "-");

    Fixture listed({domain("evil.com"), domain("ip-adress.com", "ipinfo (suspicious)")});
    CHECK(listed("evil.com.ip-adress.com") == "evil.com(.ip-adress.com)|evil (malware)");
    CHECK(listed("good.com.ip-adress.com") == "(good.com).ip-adress.com|ipinfo (suspicious)");
}

TEST_CASE("rule 8: regex domain trails match a whole name or a whole-label suffix") {
    Fixture match({regex("[a-z0-9]{10}\\.temp\\.swtest\\.ru"),
                   regex("byethost[0-9]+\\.com", "domain (suspicious)"),
                   regex("^[a-z]{1}\\-[a-z]{1,3}\\.top$", "android roamingmantis (malware)"),
                   regex("www\\.[a-z]{2}\\-[a-z]{2,3}\\.(top|club)$"),
                   regex("HELPLOG[0-9]{3,4}\\.(ml|ga|gq|tk|cf)"),
                   domain("abcde99999.temp.swtest.ru", "x")});
    CHECK(match("abcde12345.temp.swtest.ru") == "abcde12345.temp.swtest.ru|generic (malware)");
    CHECK(match("www.abcde12345.temp.swtest.ru") ==
          "(www).abcde12345.temp.swtest.ru|generic (malware)");
    CHECK(match("a.b.byethost12.com") == "(a.b).byethost12.com|domain (suspicious)");
    CHECK(match("a-bc.top") == "a-bc.top|android roamingmantis (malware)");
    CHECK(match("helplog123.tk") == "helplog123.tk|generic (malware)");  // caseless
    CHECK(match("m.www.ab-cd.club") == "(m).www.ab-cd.club|generic (malware)");
    // Exact and parent trails come first.
    CHECK(match("abcde99999.temp.swtest.ru") == "abcde99999.temp.swtest.ru|x");
    CHECK(match("www.abcde99999.temp.swtest.ru") == "(www).abcde99999.temp.swtest.ru|x");

    CHECK(match("mybyethost12.com") == "-");            // not on a label boundary
    CHECK(match("byethost12.com.example.net") == "-");  // not a suffix
    CHECK(match("x.a-bc.top") == "-");                  // the pattern's own ^
    CHECK(match("helplog12.tk") == "-");
    CHECK(match("abcde123456.temp.swtest.ru") == "-");
    CHECK(match("ns1.byethost12.com") == "-");  // rule 5 holds for regex trails too
}

TEST_CASE("rule 8: a pattern Hyperscan refuses is skipped, the others still match") {
    Fixture match({regex("(unclosed\\.com"), regex("a)|(b"), regex("x(?<=y)+\\.com"), regex("z*"),
                   regex("good[0-9]+\\.com")});
    CHECK(match("good1.com") == "good1.com|generic (malware)");
    CHECK(match("unclosed.com") == "-");
    CHECK(match("a") == "-");
    CHECK(match("b") == "-");
    CHECK(match("zz") == "-");

    Fixture none({regex("(bad")});
    CHECK(none("bad.com") == "-");
}

TEST_CASE("which rule found a trail is told") {
    const auto store =
        store_of({domain("evil.com"), domain("hidden.onion"), regex("dga[0-9]+\\.example")});
    DomainMatcher matcher(store, nullptr, {});
    const auto rule = [&](std::string_view name) {
        const auto match = matcher.match(name);
        return match ? std::string(spoor::detect::rule_name(match->rule)) : "-";
    };
    CHECK(rule("evil.com") == "exact");
    CHECK(rule("a.evil.com") == "parent");
    CHECK(rule("hidden.onion.ws") == "embedded");
    CHECK(rule("dga42.example") == "regex");
    CHECK(rule("good.com") == "-");
}

TEST_CASE("rule 8: regex databases a store carries are used; damaged ones are compiled again") {
    TrailSet set;
    set.add(IndicatorKind::RegexDomain, "dga[0-9]+\\.example",
            TrailRecord{"dga (malware)", "(static)"}, SourceRank::StaticMalware);
    set.add(IndicatorKind::RegexDomain, "(refused", TrailRecord{"bad (malware)", "(static)"},
            SourceRank::StaticMalware);
    auto compiled = spoor::detect::compile_regex_domains(set);
    REQUIRE(compiled.size() > 16);
    const auto matches = [&](std::span<const std::byte> database) {
        const auto store = spoor::trails::TrailStore::from_image(
            spoor::trails::write_store_image(set, "", database), "test");
        DomainMatcher matcher(store, nullptr, {});
        const auto match = matcher.match("a.dga7.example");
        return match ? match->trail + "|" + std::string(store->record(match->record_id).info) : "-";
    };
    CHECK(matches(compiled) == "(a).dga7.example|dga (malware)");
    // Cut short, or not databases at all: the patterns are compiled from the store's index.
    CHECK(matches(std::span(compiled).first(compiled.size() / 2)) ==
          "(a).dga7.example|dga (malware)");
    std::vector<std::byte> garbage(64, std::byte{0x5a});
    CHECK(matches(garbage) == "(a).dga7.example|dga (malware)");
}

TEST_CASE("rule 9: the negative cache answers a repeated benign name") {
    Fixture match({domain("evil.com")});
    CHECK(match("benign.org") == "-");
    CHECK(match.matcher().stats().cache_hits == 0);
    CHECK(match("Benign.ORG.") == "-");  // the same name once normalised
    CHECK(match.matcher().stats().cache_hits == 1);
    // A match is never cached: it alerts every time.
    CHECK(match("evil.com") == "evil.com|evil (malware)");
    CHECK(match("evil.com") == "evil.com|evil (malware)");
    const auto& stats = match.matcher().stats();
    CHECK(stats.cache_hits == 1);
    CHECK(stats.lookups == 4);
    CHECK(stats.matches == 2);
}

namespace {

std::unique_ptr<spoor::proto::DnsMessage> decoded(std::string_view name) {
    auto parsed = std::make_unique<spoor::proto::DnsMessage>();
    REQUIRE(spoor::proto::parse_dns(spoor::test::dns_query(name, 1, 7), *parsed) ==
            spoor::proto::DnsStatus::Ok);
    return parsed;
}

// A decoded name's lookup in its three steps, or with the second left out.
std::optional<DomainMatch> in_steps(DomainMatcher& matcher, const spoor::proto::DnsName& name,
                                    bool probe = true) {
    DomainMatcher::Lookup lookup;
    matcher.advance(name, lookup);
    if (probe) {
        matcher.advance(name, lookup);
    }
    return matcher.match(name, lookup);
}

}  // namespace

TEST_CASE("rule 9: a name prefetched as the DNS parser decodes it, then matched by its key") {
    Fixture match({domain("evil.com")});
    auto& matcher = match.matcher();
    const auto benign = decoded("Benign.ORG");
    const auto& name = benign->questions[0].name;
    CHECK_FALSE(in_steps(matcher, name, false).has_value());
    CHECK(matcher.stats().cache_hits == 0);
    // One entry, whichever way the name comes: by key, probed, decoded, or as text.
    CHECK_FALSE(in_steps(matcher, name, false).has_value());
    CHECK_FALSE(in_steps(matcher, name).has_value());
    CHECK_FALSE(matcher.match(name).has_value());
    CHECK(match("benign.org") == "-");
    CHECK(matcher.stats().cache_hits == 4);
    const auto found = in_steps(matcher, decoded("www.evil.com")->questions[0].name, false);
    REQUIRE(found.has_value());
    CHECK(found->trail == "(www).evil.com");
    // Names no lookup would match (internal, addresses) are cached as well.
    CHECK(match("printer.lan") == "-");
    CHECK(match("printer.lan") == "-");
    CHECK(matcher.stats().cache_hits == 5);
}

TEST_CASE("rule 9: names probed ahead match as names looked up at once, whatever their labels") {
    const std::vector<Trail> trails = {domain("evil.com"), domain("x.bad.net"),
                                       domain("lookup.ip-adress.com"),
                                       regex("byethost[0-9]+\\.com")};
    Fixture probed(trails);
    Fixture direct(trails);
    std::string deep = "evil.com";  // past the labels step 2 hashes: match() hashes them
    for (std::size_t i = 0; i < DomainMatcher::kProbedLabels + 2; ++i) {
        deep = "l" + std::to_string(i) + "." + deep;
    }
    for (const std::string& name : std::vector<std::string>{
             "evil.com", "a.b.evil.com", "x.bad.net", "y.bad.net", "lookup.ip-adress.com",
             "a.lookup.ip-adress.com", "www.byethost12.com", "benign.org", "printer.lan",
             "10.1.2.3", deep}) {
        CAPTURE(name);
        const auto message = decoded(name);
        const auto a = in_steps(probed.matcher(), message->questions[0].name);
        const auto b = direct.matcher().match(message->questions[0].name);
        REQUIRE(a.has_value() == b.has_value());
        if (a) {
            CHECK(a->trail == b->trail);
            CHECK(a->record_id == b->record_id);
            CHECK(a->rule == b->rule);
        }
    }
    CHECK(probed.matcher().stats().matches == direct.matcher().stats().matches);
    CHECK(probed.matcher().stats().matches == 7);
}

TEST_CASE("rule 9: a name cached between its probe and its match counts as cached once") {
    Fixture match({domain("evil.com")});
    auto& matcher = match.matcher();
    const auto message = decoded("benign.org");
    const auto& name = message->questions[0].name;
    // Two queries of one name a record apart, both probed before either is matched.
    DomainMatcher::Lookup first, second;
    for (int step = 0; step < 2; ++step) {
        matcher.advance(name, first);
        matcher.advance(name, second);
    }
    CHECK_FALSE(first.cached);
    CHECK_FALSE(second.cached);
    CHECK_FALSE(matcher.match(name, first).has_value());
    CHECK_FALSE(matcher.match(name, second).has_value());
    CHECK(matcher.stats().cache_hits == 1);
    DomainMatcher::Lookup third;
    matcher.advance(name, third);
    matcher.advance(name, third);
    CHECK(third.cached);
}

TEST_CASE("rule 9: the negative cache holds at most its capacity") {
    DomainMatcherConfig config;
    config.negative_cache_entries = 7;
    Fixture match({domain("evil.com")}, nullptr, config);
    const auto& stats = match.matcher().stats();
    std::vector<std::string> names;
    for (int i = 0; i < 7; ++i) {
        names.push_back("host" + std::to_string(i) + ".example.net");
    }
    for (const auto& name : names) {
        match(name);
    }
    for (const auto& name : names) {
        match(name);
    }
    CHECK(stats.cache_hits == 7);  // every name up to the capacity stays
    // An eighth name does not fit: the cache starts over with it alone.
    match("host7.example.net");
    match("host7.example.net");
    CHECK(stats.cache_hits == 8);
    match(names[0]);
    CHECK(stats.cache_hits == 8);

    // 500 names in 47 buckets: the fullest holds 12 to 14 (simulated: 12 or more in all but
    // one run in 20,000, 15 in none), so ways reach the last of the line's four vectors, each
    // pushed a way on at every name after it, and none is forgotten.
    config.negative_cache_entries = 500;
    Fixture deeper({domain("evil.com")}, nullptr, config);
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < 500; ++i) {
            deeper("host" + std::to_string(i) + ".example.org");
        }
    }
    CHECK(deeper.matcher().stats().cache_hits == 500);

    config.negative_cache_entries = 0;
    Fixture uncached({domain("evil.com")}, nullptr, config);
    uncached("benign.org");
    uncached("benign.org");
    CHECK(uncached.matcher().stats().cache_hits == 0);
}

TEST_CASE("rule 9: a long name is cached like a short one") {
    Fixture match({domain("evil.com")});
    const std::string name = std::string(63, 'x') + "." + std::string(63, 'y') + ".example.net";
    match(name);
    match(name);
    CHECK(match.matcher().stats().cache_hits == 1);
}

TEST_CASE("a matcher needs trails") {
    CHECK_THROWS_AS(DomainMatcher(nullptr, nullptr, {}), std::invalid_argument);
}

TEST_CASE("real data: static trails and Maltrail's whitelist") {
    const auto data = spoor::test::maltrail_data();
    if (!data) {
        MESSAGE("../shared/data/maltrail not found: skipped");
        return;
    }
    spoor::trails::LoadReport report;
    const auto store = spoor::trails::store_of(
        spoor::trails::load_trails({*data / "static-trails.tar.xz"}, report));
    auto whitelist = std::make_shared<Whitelist>();
    spoor::trails::LoadReport whitelist_report;
    whitelist->load(*data / "whitelist.txt", whitelist_report);
    DomainMatcher matcher(store, whitelist, {});
    const auto info = [&](std::string_view name) -> std::string {
        const auto match = matcher.match(name);
        return match ? match->trail + "|" + std::string(store->record(match->record_id).info) : "-";
    };

    // Listed names, as listed and under a parent.
    CHECK(info("queda212.duckdns.org") == "queda212.duckdns.org|asyncrat (malware)");
    CHECK(info("cdn.queda212.duckdns.org") == "(cdn).queda212.duckdns.org|asyncrat (malware)");
    CHECK(info("22222222222qerho.onion") == "22222222222qerho.onion|bad service (malicious)");
    CHECK(info("22222222222qerho.onion.ws") ==
          "22222222222qerho.onion(.ws)|bad service (malicious)");
    // Providers: their own names are silent, their customers are not.
    CHECK(info("duckdns.org") == "-");
    CHECK(info("someone.duckdns.org") == "(someone).duckdns.org|dynamic domain (suspicious)");
    CHECK(info("site.000webhostapp.com") ==
          "(site).000webhostapp.com|free web hosting (suspicious)");
    // Maltrail lists ".tk" as a whole zone.
    CHECK(info("whatever.tk") == "(whatever).tk|domain (suspicious)");
    // Real regex lines: "vh[0-9]{6}\.eurodir\.ru" (azorult), "byethost[0-9]+\.com".
    CHECK(info("vh123456.eurodir.ru") == "vh123456.eurodir.ru|azorult (malware)");
    CHECK(info("www.byethost7.com") == "(www).byethost7.com|domain (suspicious)");
    CHECK(info("vh1234567.eurodir.ru") == "-");
    // "[a-z0-9]{10}\.temp\.swtest\.ru" never gets the chance: its zone is a trail.
    CHECK(info("abcde12345.temp.swtest.ru") == "(abcde12345).temp.swtest.ru|domain (suspicious)");

    // Listed as trails, but whitelisted (the name itself, or its parent).
    CHECK(info("mr.un1k0d3r.com") == "-");
    CHECK(info("00aa8b953d76040d.azureedge.net") == "-");
    CHECK(info("site.weebly.com") == "-");
    CHECK(info("google.com") == "-");
    CHECK(matcher.stats().whitelisted == 3);
}

TEST_CASE("a matcher for another thread shares the tables and keeps a cache of its own") {
    Fixture match({domain("evil.example"), regex("[a-z]+\\.dga\\.example", "dga (malware)")});
    DomainMatcher other(match.matcher(), 1024);
    for (const std::string name : {"a.evil.example", "qwerty.dga.example", "clean.example"}) {
        CAPTURE(name);
        const auto mine = match.matcher().match(name);
        const auto theirs = other.match(name);
        REQUIRE(mine.has_value() == theirs.has_value());
        if (mine) {
            CHECK(mine->trail == theirs->trail);
            CHECK(mine->record_id == theirs->record_id);
        }
    }
    // Each remembers only its own lookups.
    CHECK(other.match("clean.example") == std::nullopt);
    CHECK(other.stats().cache_hits == 1);
    CHECK(match.matcher().stats().cache_hits == 0);
}
