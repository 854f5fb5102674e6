#include <doctest/doctest.h>

#include <netinet/in.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "unit/suppress/alert_fixture.h"
#include "suppress/suppression.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::suppress::IgnoreRuleError;
using spoor::suppress::IgnoreRules;
using spoor::suppress::Suppression;
using spoor::suppress::SuppressionConfig;
using spoor::suppress::ThrottleConfig;
using spoor::suppress::Verdict;

using spoor::test::hit;
using spoor::test::kSecond;
using spoor::test::kT0;
using spoor::test::kWindow;

namespace {

Suppression with_rules(const std::string& yaml, bool show, ThrottleConfig throttle = {}) {
    return Suppression(IgnoreRules::parse(yaml, "ignore.yaml"), show, throttle);
}

}  // namespace

TEST_CASE("suppression: ignored alerts are dropped, or marked with show_suppressed") {
    const std::string yaml = "rules:\n- name: lab scanner\n  src: 10.0.0.66\n";
    for (const bool show : {false, true}) {
        CAPTURE(show);
        auto s = with_rules(yaml, show);
        std::vector<Verdict> out;
        s.admit(hit("10.0.0.66", "5.6.7.8", 0), out);
        if (show) {
            REQUIRE(out.size() == 1);
            CHECK(out[0].suppressed());
            CHECK(out[0].suppressed_by == "lab scanner");
            CHECK(out[0].alert.src == *IpAddress::parse("10.0.0.66"));
            CHECK_FALSE(out[0].alert.summary.has_value());
        } else {
            CHECK(out.empty());
        }
        out.clear();
        s.admit(hit("10.0.0.1", "5.6.7.8", kSecond), out);
        REQUIRE(out.size() == 1);
        CHECK_FALSE(out[0].suppressed());
        const auto stats = s.stats();
        CHECK(stats.alerts_in == 2);
        CHECK(stats.suppressed == 1);
        REQUIRE(stats.rules.size() == 1);
        CHECK(stats.rules[0].name == "lab scanner");
        CHECK(stats.rules[0].count == 1);
    }
}

TEST_CASE("suppression: ignored alerts never count towards the throttle") {
    auto s = with_rules("rules:\n- dst_port: 8080\n", false);
    std::vector<Verdict> out;
    for (int i = 0; i < 10; ++i) {
        s.admit(hit("10.0.0.1", "5.6.7.8", i * kSecond, 8080), out);
    }
    CHECK(out.empty());
    for (int i = 0; i < 3; ++i) {
        s.admit(hit("10.0.0.1", "5.6.7.8", (10 + i) * kSecond), out);
    }
    CHECK(out.size() == 3);
    s.admit(hit("10.0.0.1", "5.6.7.8", 13 * kSecond), out);
    CHECK(out.size() == 3);
    CHECK(s.stats().throttle.held == 1);
}

TEST_CASE("suppression: an ignored alert still moves time on: ended windows go out first") {
    auto s = with_rules("rules:\n- src: 10.0.0.66\n", true);
    std::vector<Verdict> out;
    for (int i = 0; i < 5; ++i) {
        s.admit(hit("10.0.0.1", "5.6.7.8", i * kSecond, static_cast<std::uint16_t>(i)), out);
    }
    REQUIRE(out.size() == 3);
    out.clear();
    s.admit(hit("10.0.0.66", "5.6.7.8", kWindow), out);
    REQUIRE(out.size() == 2);
    REQUIRE(out[0].alert.summary.has_value());
    CHECK_FALSE(out[0].suppressed());
    CHECK(out[0].alert.summary->count == 2);
    CHECK(out[0].alert.dst_port == 3);
    CHECK(out[1].suppressed());
}

TEST_CASE("suppression: tick and flush pass through to the throttle") {
    auto s = with_rules("", false);
    std::vector<Verdict> out;
    for (int i = 0; i < 6; ++i) {
        s.admit(hit("10.0.0.1", "a", i * kSecond), out);
    }
    for (int i = 0; i < 6; ++i) {
        s.admit(hit("10.0.0.2", "b", (30 + i) * kSecond), out);
    }
    out.clear();
    s.tick(kT0 + kWindow, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].alert.trail == "a");
    CHECK(out[0].alert.summary->count == 3);
    out.clear();
    s.flush(out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].alert.trail == "b");
    CHECK(out[0].alert.summary->count == 3);
    CHECK(s.stats().throttle.summaries == 2);
}

TEST_CASE("suppression: rule files from the configuration") {
    spoor::test::TempDir dir;
    SuppressionConfig config;
    config.ignore_files = {dir.write("ignore.yaml", "rules:\n- trail: 5.6.7.8\n").string()};
    config.throttle.max_per_window = 1;
    Suppression s(config);
    std::vector<Verdict> out;
    s.admit(hit("10.0.0.1", "5.6.7.8", 0), out);
    s.admit(hit("10.0.0.1", "5.6.7.9", 0), out);
    s.admit(hit("10.0.0.1", "5.6.7.9", 1), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].alert.trail == "5.6.7.9");
    CHECK(s.stats().suppressed == 1);

    config.ignore_files.push_back(dir.write("bad.yaml", "rules:\n- src: nowhere\n").string());
    CHECK_THROWS_AS(Suppression{config}, IgnoreRuleError);
}

// Whatever comes in, in whatever order of keys and times: every alert is written, or counted
// in exactly one summary, or taken by a rule; and the first alerts of each window pass.
TEST_CASE("suppression: nothing is lost over random alerts") {
    for (const bool show : {false, true}) {
        CAPTURE(show);
        std::mt19937_64 random(show ? 7 : 8);
        ThrottleConfig throttle;
        throttle.window_ns = 20 * kSecond;
        throttle.max_keys = 16;  // small, so that full tables close windows early
        auto s = with_rules(
            "rules:\n"
            "- src: 10.0.0.3\n"
            "- trail: t5\n"
            "  dst_port: 8080\n",
            show, throttle);
        std::uint64_t in = 0;
        std::uint64_t written = 0;
        std::uint64_t summed = 0;
        std::uint64_t suppressed = 0;
        const auto count = [&](std::vector<Verdict>& out) {
            for (const auto& v : out) {
                if (v.suppressed()) {
                    ++suppressed;
                    CHECK_FALSE(v.alert.summary.has_value());
                } else if (v.alert.summary) {
                    CHECK(v.alert.summary->count > 0);
                    CHECK(v.alert.summary->first_ns <= v.alert.summary->last_ns);
                    CHECK(v.alert.timestamp_ns == v.alert.summary->last_ns);
                    summed += v.alert.summary->count;
                } else {
                    ++written;
                }
            }
            out.clear();
        };
        std::vector<Verdict> out;
        std::uint64_t now = 0;
        for (int i = 0; i < 5000; ++i) {
            now += random() % (kSecond / 2);
            // Now and then an alert released late, up to 2 s back.
            const std::uint64_t at =
                random() % 10 == 0 && now > 2 * kSecond ? now - random() % (2 * kSecond) : now;
            const std::string src = "10.0.0." + std::to_string(random() % 12);
            const std::string trail = "t" + std::to_string(random() % 8);
            const auto port = static_cast<std::uint16_t>(random() % 3 == 0 ? 8080 : 443);
            ++in;
            s.admit(hit(src, trail, at, port), out);
            if (random() % 50 == 0) {
                s.tick(kT0 + now, out);
            }
            count(out);
        }
        s.flush(out);
        count(out);

        const auto stats = s.stats();
        CHECK(stats.alerts_in == in);
        CHECK(stats.throttle.held == summed);
        CHECK(stats.throttle.open_windows == 0);
        CHECK(stats.throttle.closed_early > 0);
        CHECK(stats.suppressed > 0);
        CHECK(stats.rules[0].count + stats.rules[1].count == stats.suppressed);
        if (show) {
            CHECK(suppressed == stats.suppressed);
        } else {
            CHECK(suppressed == 0);
        }
        CHECK(in == written + summed + stats.suppressed);
        // The throttle did hold things back.
        CHECK(summed > 0);
        CHECK(written < in - stats.suppressed);
    }
}
