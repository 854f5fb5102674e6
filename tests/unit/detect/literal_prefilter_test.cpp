// The literal prefilter in front of the regex domain trails: which literals a
// pattern requires, and that the filter never turns away a name a pattern matches.
#include <doctest/doctest.h>

#include "detect/literal_prefilter.h"
#include "frame_builder.h"
#include "support/test_support.h"
#include "trails/loader.h"

using spoor::detect::LiteralPrefilter;
using spoor::detect::required_literals;
using Set = std::vector<std::string>;

namespace {

// The filter asked as the matcher asks it: `name` at the start of a buffer of the size the
// filter reads, and where its labels begin. The buffer holds 'g' past the name, which
// completes "abcdefg" below if read as the name's.
bool may_match(const LiteralPrefilter& filter, std::string_view name) {
    REQUIRE(name.size() <= 253);
    std::array<char, LiteralPrefilter::kBufferBytes> buffer;
    buffer.fill('g');
    std::copy(name.begin(), name.end(), buffer.begin());
    std::vector<std::uint8_t> starts{0};
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '.') {
            starts.push_back(static_cast<std::uint8_t>(i + 1));
        }
    }
    return filter.may_match({buffer.data(), name.size()}, starts);
}

Set literals(std::string_view pattern) {
    auto got = required_literals(pattern);
    REQUIRE(got.has_value());
    std::sort(got->begin(), got->end());
    return *got;
}

// A random pattern of the subset trail lists use, and a name it matches, built together: each
// quantifier and group picks its example by the same rule it writes (std::regex as a referee
// backtracks for minutes on nested quantifiers; the first test case checks the shapes).
struct Generated {
    std::string pattern;
    std::string example;
};

class Generator {
  public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    // A whole pattern: a sequence, or two at the top as alternatives, at times after a
    // zero-width assertion (which the wrapped pattern keeps at a label's start).
    Generated pattern() {
        Generated out;
        if (pick(4) == 0) {
            out.pattern = pick(2) ? "\\b" : "^";
        }
        const Generated first = sequence(2);
        out.pattern += first.pattern;
        out.example = first.example;
        if (pick(4) == 0) {
            const Generated second = sequence(2);
            out.pattern += "|" + second.pattern;
            if (pick(2)) {
                out.example = second.example;
            }
        }
        return out;
    }

    Generated sequence(int depth) {
        Generated out;
        const int parts = 1 + pick(4);
        for (int i = 0; i < parts; ++i) {
            const Generated atom = quantified(depth);
            out.pattern += atom.pattern;
            out.example += atom.example;
        }
        return out;
    }

  private:
    int pick(int n) { return static_cast<int>(rng_.next() % static_cast<std::uint64_t>(n)); }

    Generated quantified(int depth) {
        Generated atom = this->atom(depth);
        const int how = pick(6);
        if (how < 4 && atom.pattern.size() > 1 && atom.pattern[0] != '(' &&
            atom.pattern[0] != '\\' && atom.pattern[0] != '[') {
            atom.pattern = "(?:" + atom.pattern + ")";  // a run is quantified as a whole
        }
        switch (how) {
            case 0:  // optional: the example leaves it out or keeps it
                return {atom.pattern + "?", pick(2) ? "" : atom.example};
            case 1:
                return {atom.pattern + "+", atom.example + atom.example};
            case 2:
                return {atom.pattern + "{1,3}", atom.example};
            case 3:
                return {atom.pattern + "{2}", atom.example + atom.example};
            default:
                return atom;
        }
    }

    Generated atom(int depth) {
        static const std::string letters = "abcdefgxyz0189";
        switch (depth > 0 ? pick(5) : pick(3)) {
            case 0: {
                std::string run;
                for (int n = 1 + pick(5); n > 0; --n) {
                    run += letters[pick(static_cast<int>(letters.size()))];
                }
                return {run, run};
            }
            case 1:
                return pick(2) ? Generated{"\\.", "."} : Generated{"\\-", "-"};
            case 2:
                switch (pick(3)) {
                    case 0:
                        return {"[a-z]", std::string(1, "kqw"[pick(3)])};
                    case 1:
                        return {"[k9_]", std::string(1, "k9_"[pick(3)])};  // expanded
                    default:
                        return {"\\d", std::string(1, "357"[pick(3)])};
                }
            default: {
                // A group of alternatives; the example takes one of them.
                const int n = 1 + pick(3);
                const int chosen = pick(n);
                Generated out{pick(2) ? "(" : "(?:", ""};
                for (int i = 0; i < n; ++i) {
                    const Generated alt = sequence(depth - 1);
                    out.pattern += (i ? "|" : "") + alt.pattern;
                    if (i == chosen) {
                        out.example = alt.example;
                    }
                }
                out.pattern += ")";
                return out;
            }
        }
    }

    spoor::test::Rng rng_;
};

}  // namespace

TEST_CASE("required literals of the shapes real regex trails have") {
    // A literal that begins the pattern begins a label: given with a dot before it.
    CHECK(literals("backdates[0-9]{1,2}\\.(com|net)") == Set{".backdates"});
    CHECK(literals("nklmtf[0-9][^.]*[0-9].t35.com") == Set{".nklmtf"});  // '.' is any byte
    CHECK(literals("ByteHost[0-9]+\\.com") == Set{".bytehost"});         // names are lower-case
    CHECK(literals("\\b(abcd1234|onedsblobprd[a-z0-9]{1,})\\.[a-z0-9.]+") ==
          Set{".abcd1234", ".onedsblobprd"});  // through a zero-width assertion and a group
    CHECK(literals("[a-z0-9]{10}\\.temp\\.swtest\\.ru") == Set{".temp.swtest.ru"});
    CHECK(literals("q(l|r)[0-9]{5,6}\\.pw") == Set{".pw"});
    // A class of a few characters is the set of them ("v,plata" is for the filter to drop).
    CHECK(literals("(gomon|perevod|v[i,y]plata)[0-9]{2,3}\\.ru") ==
          Set{".gomon", ".perevod", ".v,plata", ".viplata", ".vyplata"});
    // After something else, a literal may begin anywhere in a label.
    CHECK(literals("(advert|\\w{1,3}xspot)[0-9][0-9a-z]+\\.(com|club)") == Set{".advert", "xspot"});
    CHECK(literals("^[a-z]{1,3}\\-leboncoin\\.(com|me)$") ==
          Set{"-leboncoin.com", "-leboncoin.me"});
    CHECK(literals("(www\\.)?evil12[0-9]\\.com") == Set{"evil12"});  // after a skipped group
    CHECK(literals("(x[0-9]abcde)+\\.com") == Set{"abcde"});
    // Literals next to a group of literals join it.
    CHECK(literals("^[a-z]{2}\\-[a-z]{2,3}\\.(top|club)$") == Set{".club", ".top"});
    CHECK(literals("seek[0-9]+\\.(mootseek|zootseek)\\.com") ==
          Set{".mootseek.com", ".zootseek.com"});
    // Ties go to the later part, and a label's start does not count as a byte: "www." is
    // what benign names share most.
    CHECK(literals("www\\.[a-z]{1}\\-[a-z]{1,3}\\.top$") == Set{".top"});
}

TEST_CASE("patterns without a literal of three bytes, or with unknown syntax, give none") {
    for (const std::string pattern :
         {"[a-z]+\\.t", "ab?c", "[ab][cd]", "[a-z]{2}[xy]{2}", "(abc)?\\.x", "(abc|[0-9]+)\\.x",
          "a(?=bcd)", "\\x41bcd", "abc\\1", "(abc", "abc)", "*abc", "[abc", "a{x}bcd",
          "ab[[:digit:]]xyz", "[[:alpha:]]abc"}) {
        CAPTURE(pattern);
        CHECK_FALSE(required_literals(pattern).has_value());
    }
}

TEST_CASE("the filter turns away names without any literal, and lets through those with one") {
    LiteralPrefilter filter;
    filter.add(required_literals("backdates[0-9]{1,2}\\.(com|net)"));
    filter.add(required_literals("q(l|r)[0-9]{5,6}\\.pw"));
    CHECK(may_match(filter, "backdates12.com"));
    CHECK(may_match(filter, "x.ql12345.pw"));
    CHECK_FALSE(may_match(filter, "www.example.com"));
    CHECK_FALSE(may_match(filter, "ba"));
    CHECK_FALSE(may_match(filter, ""));
    filter.add(std::nullopt);  // a pattern it cannot read: every name is scanned
    CHECK(may_match(filter, "www.example.com"));
}

TEST_CASE("soundness: a name a generated pattern matches always passes the filter") {
    // As the matcher wraps it, a pattern matches from a label's start to the name's end.
    Generator generate(2026);
    int with_literals = 0;
    for (int i = 0; i < 20000; ++i) {
        const Generated g = generate.pattern();
        CAPTURE(g.pattern);
        CAPTURE(g.example);
        LiteralPrefilter filter;
        const auto required = required_literals(g.pattern);
        with_literals += required.has_value();
        filter.add(required);
        CHECK(may_match(filter, g.example));
        CHECK(may_match(filter, "pre." + g.example));
    }
    CHECK(with_literals > 2000);  // the property is tested on filters that filter
}

TEST_CASE("soundness: with many patterns in one filter too (literals probed a few bytes apart)") {
    Generator generate(7);
    for (int filters = 0; filters < 50; ++filters) {
        LiteralPrefilter filter;
        std::vector<Generated> added;
        while (added.size() < 200) {
            Generated g = generate.pattern();
            if (const auto required = required_literals(g.pattern)) {
                filter.add(required);
                added.push_back(std::move(g));
            }
        }
        for (const Generated& g : added) {
            CAPTURE(g.pattern);
            CAPTURE(g.example);
            CHECK(may_match(filter, g.example));
            CHECK(may_match(filter, "pre." + g.example));
        }
    }
}

TEST_CASE("real data: every regex domain trail has literals, so the filter filters") {
    const auto data = spoor::test::maltrail_data();
    if (!data) {
        MESSAGE("../shared/data/maltrail not found: skipped");
        return;
    }
    spoor::trails::LoadReport report;
    const auto set = spoor::trails::load_trails({*data / "static-trails.tar.xz"}, report);
    REQUIRE(set.regex_domains.size() > 20);
    LiteralPrefilter filter;
    for (const auto& [pattern, record] : set.regex_domains) {
        CAPTURE(pattern);
        const auto required = required_literals(pattern);
        CHECK(required.has_value());
        filter.add(required);
    }
    // Real matches get through; everyday names mostly do not.
    CHECK(may_match(filter, "vh123456.eurodir.ru"));
    CHECK(may_match(filter, "www.byethost7.com"));
    CHECK_FALSE(may_match(filter, "www.example.com"));
    CHECK_FALSE(may_match(filter, "mail.google.com"));
    // Literals that begin a pattern are looked for where labels begin.
    CHECK(may_match(filter, "backdates12.com"));
    CHECK(may_match(filter, "a.vyplata123.ru"));
    CHECK_FALSE(may_match(filter, "mybackdates12.com"));
    CHECK_FALSE(may_match(filter, "a.xvyplata123.ru"));
}

TEST_CASE("a literal is found wherever it starts, and never in bytes past the name") {
    // Few literals found anywhere are compared at every position; many are probed a few bytes
    // apart, by their first grams.
    for (const int others : {0, 20}) {
        CAPTURE(others);
        LiteralPrefilter filter;
        filter.add(Set{"lmnopqrstuvw"});  // twelve bytes: a probe every ten...
        filter.add(Set{"abcdefg"});       // ...then seven: every five, the first indexed again
        filter.add(Set{".pw"});           // one that begins a label does not shorten the step
        filter.add(Set{".top"});
        for (int i = 0; i < others; ++i) {
            filter.add(Set{"zz" + std::to_string(1000 + i)});
        }
        for (std::size_t at = 0; at < 40; ++at) {
            const std::string pad(at, 'y');
            CAPTURE(at);
            CHECK(may_match(filter, pad + "abcdefg.com"));
            CHECK(may_match(filter, pad + "lmnopqrstuvw.com"));
            CHECK(may_match(filter, pad + "abcdefg"));
            CHECK_FALSE(may_match(filter, pad + "lmnopqrstuvx.com"));
            CHECK_FALSE(may_match(filter, pad + "abcdefh.com"));
            CHECK_FALSE(may_match(filter, pad + "abcdef"));  // the buffer holds 'g' after it
            CHECK(may_match(filter, "a" + pad + "x.pw"));
            CHECK(may_match(filter, "top.a" + pad));  // a label's start: the name's too
            CHECK_FALSE(may_match(filter, "a" + pad + "top.com"));
            CHECK_FALSE(may_match(filter, "a" + pad + "x.p"));
        }
        // Names as long as names are: the last positions of a full buffer.
        const std::string label(63, 'y');
        const std::string longest = label + "." + label + "." + label + "." + label.substr(0, 61);
        REQUIRE(longest.size() == 253);
        CHECK_FALSE(may_match(filter, longest));
        CHECK(may_match(filter, longest.substr(0, 246) + "abcdefg"));
        CHECK(may_match(filter, longest.substr(0, 250) + ".pw"));
        CHECK(may_match(filter, "pw"));
        CHECK_FALSE(may_match(filter, "p"));
    }
}

TEST_CASE("a literal shorter than a gram makes the filter let every name through") {
    LiteralPrefilter filter;
    filter.add(Set{"evil"});
    CHECK_FALSE(may_match(filter, "www.example.com"));
    filter.add(Set{"ab"});
    CHECK(may_match(filter, "www.example.com"));
}

TEST_CASE("a literal no name can hold is left out: its pattern never lets a name through") {
    LiteralPrefilter filter;
    filter.add(required_literals("\\[fe80::1\\]:135"));
    CHECK_FALSE(may_match(filter, "fe80.135.example.com"));
    filter.add(Set{"evil"});
    CHECK(may_match(filter, "www.evil.com"));
}
