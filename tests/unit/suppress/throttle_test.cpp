#include <doctest/doctest.h>

#include <netinet/in.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "suppress/throttle.h"
#include "unit/suppress/alert_fixture.h"

using spoor::IpAddress;
using spoor::detect::Alert;
using spoor::suppress::Throttle;
using spoor::suppress::ThrottleConfig;
using spoor::suppress::Verdict;

using spoor::test::hit;
using spoor::test::kSecond;
using spoor::test::kT0;
using spoor::test::kWindow;

namespace {

std::vector<Verdict> admit(Throttle& t, Alert a) {
    std::vector<Verdict> out;
    t.admit(std::move(a), out);
    return out;
}

// Admits `count` alerts of one key, one a second from `at`, tagged 1, 2, ...; returns how
// many were written.
std::size_t burst(Throttle& t, const char* src, const char* trail, std::uint64_t at, int count) {
    std::size_t written = 0;
    for (int i = 0; i < count; ++i) {
        written +=
            admit(t, hit(src, trail, at + i * kSecond, static_cast<std::uint16_t>(i + 1))).size();
    }
    return written;
}

void check_summary(const Verdict& v, const char* src, std::uint64_t count, std::uint64_t first,
                   std::uint64_t last, std::uint16_t tag) {
    CHECK_FALSE(v.suppressed());
    REQUIRE(v.alert.summary.has_value());
    CHECK(v.alert.src == *IpAddress::parse(src));
    CHECK(v.alert.summary->count == count);
    CHECK(v.alert.summary->first_ns == kT0 + first);
    CHECK(v.alert.summary->last_ns == kT0 + last);
    CHECK(v.alert.timestamp_ns == kT0 + last);
    // The template is the first held alert.
    CHECK(v.alert.dst_port == tag);
}

}  // namespace

TEST_CASE("throttle: three pass, the rest of the window is one summary when a later alert comes") {
    Throttle t;
    // Ten alerts in ten seconds: 1..3 written, 4..10 held.
    for (int i = 0; i < 10; ++i) {
        const auto out = admit(t, hit("10.0.0.1", "5.6.7.8", i * kSecond, i + 1));
        if (i < 3) {
            REQUIRE(out.size() == 1);
            CHECK_FALSE(out[0].alert.summary.has_value());
            CHECK(out[0].alert.dst_port == i + 1);
        } else {
            CHECK(out.empty());
        }
    }
    CHECK(t.stats().held == 7);
    CHECK(t.stats().open_windows == 1);
    // Another key, just before the window ends: nothing closes.
    auto out = admit(t, hit("10.0.0.2", "5.6.7.8", kWindow - 1));
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].alert.summary.has_value());
    // At the window's end: the summary, then the alert that closed it.
    out = admit(t, hit("10.0.0.3", "5.6.7.8", kWindow, 99));
    REQUIRE(out.size() == 2);
    check_summary(out[0], "10.0.0.1", 7, 3 * kSecond, 9 * kSecond, 4);
    CHECK(out[1].alert.dst_port == 99);
    CHECK_FALSE(out[1].alert.summary.has_value());
    const auto s = t.stats();
    CHECK(s.held == 7);
    CHECK(s.summaries == 1);
    CHECK(s.closed_early == 0);
    CHECK(s.open_windows == 2);
}

TEST_CASE("throttle: the window's own key opens a new window at its end") {
    Throttle t;
    CHECK(burst(t, "10.0.0.1", "5.6.7.8", 0, 5) == 3);
    // Within the window: held.
    CHECK(admit(t, hit("10.0.0.1", "5.6.7.8", kWindow - 1, 6)).empty());
    // At its end: the summary, and the alert is the first of a new window.
    auto out = admit(t, hit("10.0.0.1", "5.6.7.8", kWindow, 7));
    REQUIRE(out.size() == 2);
    check_summary(out[0], "10.0.0.1", 3, 3 * kSecond, kWindow - 1, 4);
    CHECK(out[1].alert.dst_port == 7);
    CHECK(burst(t, "10.0.0.1", "5.6.7.8", kWindow + 1, 2) == 2);
    CHECK(admit(t, hit("10.0.0.1", "5.6.7.8", kWindow + 5)).empty());
}

TEST_CASE("throttle: tick closes windows that ended, and only those") {
    Throttle t;
    burst(t, "10.0.0.1", "5.6.7.8", 0, 4);
    burst(t, "10.0.0.2", "5.6.7.8", 10 * kSecond, 6);
    std::vector<Verdict> out;
    t.tick(kT0 + kWindow - 1, out);
    CHECK(out.empty());
    t.tick(kT0 + kWindow, out);
    REQUIRE(out.size() == 1);
    check_summary(out[0], "10.0.0.1", 1, 3 * kSecond, 3 * kSecond, 4);
    CHECK(t.stats().open_windows == 1);
    out.clear();
    // Time never goes back: an older tick closes nothing more.
    t.tick(kT0, out);
    CHECK(out.empty());
    t.tick(kT0 + 10 * kSecond + kWindow, out);
    REQUIRE(out.size() == 1);
    check_summary(out[0], "10.0.0.2", 3, 13 * kSecond, 15 * kSecond, 4);
    CHECK(t.stats().open_windows == 0);
}

TEST_CASE("throttle: flush writes every held window; windows without held alerts write nothing") {
    Throttle t;
    burst(t, "10.0.0.1", "5.6.7.8", 0, 3);  // nothing held
    burst(t, "10.0.0.2", "5.6.7.8", 0, 8);
    burst(t, "10.0.0.3", "5.6.7.8", kSecond, 4);
    std::vector<Verdict> out;
    t.flush(out);
    REQUIRE(out.size() == 2);
    // In the order the windows opened.
    check_summary(out[0], "10.0.0.2", 5, 3 * kSecond, 7 * kSecond, 4);
    check_summary(out[1], "10.0.0.3", 1, 4 * kSecond, 4 * kSecond, 4);
    CHECK(t.stats().open_windows == 0);
    CHECK(t.stats().summaries == 2);
    // After a flush every key starts afresh.
    CHECK(burst(t, "10.0.0.2", "5.6.7.8", 9 * kSecond, 3) == 3);
}

TEST_CASE("throttle: keys are independent: source, trail text and trail type") {
    Throttle t;
    CHECK(burst(t, "10.0.0.1", "5.6.7.8", 0, 4) == 3);
    CHECK(burst(t, "10.0.0.2", "5.6.7.8", 0, 4) == 3);
    CHECK(burst(t, "10.0.0.1", "5.6.7.9", 0, 4) == 3);
    CHECK(burst(t, "fd00::1", "5.6.7.8", 0, 4) == 3);
    // The same text as another type of trail is another trail.
    std::size_t written = 0;
    for (int i = 0; i < 4; ++i) {
        Alert a = hit("10.0.0.1", "5.6.7.8", i * kSecond);
        a.trail_type = "CIDR";
        written += admit(t, std::move(a)).size();
    }
    CHECK(written == 3);
    // 1.2.3.4 and 102:304:: share their first bytes, not their family.
    CHECK(burst(t, "1.2.3.4", "x", 0, 3) == 3);
    CHECK(burst(t, "102:304::", "x", 0, 3) == 3);
    CHECK(t.stats().open_windows == 7);
    CHECK(t.stats().held == 5);
    std::vector<Verdict> out;
    t.flush(out);
    CHECK(out.size() == 5);
}

TEST_CASE("throttle: alerts made of answers and certificates count per client, not server") {
    // One resolver answering a sinkholed name to four clients, four times each: every client
    // keeps its own window, so none of them disappears into another's summary.
    Throttle t;
    std::size_t written = 0;
    for (const char* client : {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}) {
        for (int i = 0; i < 4; ++i) {
            Alert a = hit("10.0.0.53", "sinkhole.example", i * kSecond);
            a.dst = *IpAddress::parse(client);
            a.trail_type = "DNS";
            a.dns.emplace();
            a.dns->type = "answer";
            a.from_server = true;
            written += admit(t, std::move(a)).size();
        }
    }
    CHECK(written == 12);
    CHECK(t.stats().open_windows == 4);
    // A server's certificate counts by the client it was sent to, as well.
    for (const char* client : {"10.0.1.1", "10.0.1.2"}) {
        Alert cert = hit("10.0.0.80", "aa:bb", 0);
        cert.dst = *IpAddress::parse(client);
        cert.trail_type = "CERT";
        cert.tls.emplace();
        cert.from_server = true;
        admit(t, std::move(cert));
    }
    CHECK(t.stats().open_windows == 6);
    // A query's alert counts by its source, as any other.
    Alert query = hit("10.0.0.53", "sinkhole.example", 0);
    query.dns.emplace();
    query.dns->type = "query";
    admit(t, std::move(query));
    CHECK(t.stats().open_windows == 7);
}

TEST_CASE("throttle: a full table closes the oldest window early, losing nothing") {
    ThrottleConfig config;
    config.max_keys = 2;
    Throttle t(config);
    std::uint64_t in = 0;
    std::uint64_t written = 0;
    std::uint64_t summed = 0;
    const auto count = [&](const std::vector<Verdict>& out) {
        for (const auto& v : out) {
            if (v.alert.summary) {
                summed += v.alert.summary->count;
            } else {
                ++written;
            }
        }
    };
    const auto feed = [&](const char* src, std::uint64_t at, int n) {
        for (int i = 0; i < n; ++i) {
            ++in;
            count(admit(t, hit(src, "5.6.7.8", at + i * kSecond, i + 1)));
        }
    };
    feed("10.0.0.1", 0, 6);
    feed("10.0.0.2", kSecond, 2);
    // A third key: the oldest window (10.0.0.1) goes, with its summary, before the alert.
    ++in;
    auto out = admit(t, hit("10.0.0.3", "5.6.7.8", 2 * kSecond, 50));
    REQUIRE(out.size() == 2);
    check_summary(out[0], "10.0.0.1", 3, 3 * kSecond, 5 * kSecond, 4);
    CHECK(out[1].alert.dst_port == 50);
    count(out);
    // A fourth: 10.0.0.2 held nothing, so it goes quietly, but counted.
    ++in;
    out = admit(t, hit("10.0.0.4", "5.6.7.8", 3 * kSecond));
    CHECK(out.size() == 1);
    count(out);
    auto s = t.stats();
    CHECK(s.closed_early == 2);
    CHECK(s.open_windows == 2);
    // 10.0.0.1 is a new key again: its first alerts pass.
    feed("10.0.0.1", 4 * kSecond, 5);
    out.clear();
    t.flush(out);
    count(out);
    CHECK(in == written + summed);
    s = t.stats();
    CHECK(s.held == summed);
    CHECK(s.closed_early == 3);
}

TEST_CASE("throttle: alerts a little out of time order stay counted") {
    Throttle t;
    CHECK(burst(t, "10.0.0.1", "5.6.7.8", 10 * kSecond, 3) == 3);
    // An HTTP alert released late carries an older time: held in the open window.
    CHECK(admit(t, hit("10.0.0.1", "5.6.7.8", 8 * kSecond, 4)).empty());
    CHECK(admit(t, hit("10.0.0.1", "5.6.7.8", 20 * kSecond, 5)).empty());
    // A late alert of a new key opens its window at the latest time seen (20 s), so the
    // windows still end in the order they opened.
    CHECK(burst(t, "10.0.0.2", "5.6.7.8", 0, 4) == 3);
    std::vector<Verdict> out;
    t.tick(kT0 + 10 * kSecond + kWindow, out);
    REQUIRE(out.size() == 1);
    check_summary(out[0], "10.0.0.1", 2, 8 * kSecond, 20 * kSecond, 4);
    out.clear();
    t.tick(kT0 + 20 * kSecond + kWindow - 1, out);
    CHECK(out.empty());
    t.tick(kT0 + 20 * kSecond + kWindow, out);
    REQUIRE(out.size() == 1);
    check_summary(out[0], "10.0.0.2", 1, 3 * kSecond, 3 * kSecond, 4);
}

TEST_CASE("throttle: other limits, and off") {
    ThrottleConfig config;
    config.max_per_window = 1;
    config.window_ns = 5 * kSecond;
    Throttle one(config);
    CHECK(burst(one, "10.0.0.1", "5.6.7.8", 0, 5) == 1);
    auto out = admit(one, hit("10.0.0.1", "5.6.7.8", 5 * kSecond, 6));
    REQUIRE(out.size() == 2);
    check_summary(out[0], "10.0.0.1", 4, kSecond, 4 * kSecond, 2);

    config.max_per_window = 0;
    Throttle off(config);
    CHECK(burst(off, "10.0.0.1", "5.6.7.8", 0, 1000) == 1000);
    std::vector<Verdict> flushed;
    off.flush(flushed);
    off.tick(kT0 + 10 * kWindow, flushed);
    CHECK(flushed.empty());
    const auto s = off.stats();
    CHECK(s.held == 0);
    CHECK(s.open_windows == 0);

    ThrottleConfig bad;
    bad.window_ns = 0;
    CHECK_THROWS_AS(Throttle{bad}, std::invalid_argument);
    bad = ThrottleConfig{};
    bad.max_keys = 0;
    CHECK_THROWS_AS(Throttle{bad}, std::invalid_argument);
    // Off, the other limits do not matter.
    bad.max_per_window = 0;
    CHECK_NOTHROW(Throttle{bad});
}
