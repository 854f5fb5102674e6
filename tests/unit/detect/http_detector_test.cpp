// HTTP analysis: Maltrail's URL candidates, Host and user-agent trails, heads
// spread over segments.
#include <doctest/doctest.h>

#include "detect/http_detector.h"
#include "frame_builder.h"

using namespace spoor;
using namespace spoor::test;
using trails::IndicatorKind;
using trails::SourceRank;

namespace {

trails::TrailSet url_trails(std::initializer_list<const char*> urls) {
    trails::TrailSet set;
    for (const char* url : urls) {
        set.add(IndicatorKind::Url, url, {"lab dropper (malware)", "(static)"},
                SourceRank::StaticMalware);
    }
    return set;
}

// The trail text a request matches, "-" when nothing does.
std::string url_match(detect::UrlMatcher& matcher, std::string_view host, std::string_view path,
                      std::string_view body = {}) {
    const auto match = matcher.match(host, path, body);
    return match ? match->trail : "-";
}

struct Fixture {
    std::shared_ptr<const trails::TrailStore> store = [] {
        auto s = url_trails({"/gate.php", "files.example/payload/"});
        s.add(IndicatorKind::Domain, "evil.example", {"lab c2 (malware)", "(static)"},
              SourceRank::StaticMalware);
        s.add(IndicatorKind::UserAgent, "LabBot/1.0 (x)", {"labbot (malware)", "(static)"},
              SourceRank::StaticMalware);
        return trails::store_of(s);
    }();
    detect::TrailMatchers matchers{store, std::make_shared<trails::Whitelist>(), {}};
    detect::HttpDetector http{matchers.context()};
    std::vector<detect::Alert> alerts;

    static constexpr std::uint64_t kTime = 1'780'000'000'000'000'000ull;

    void see(const FrameSpec& spec, bool starts_head = true) {
        const auto frame = build_frame(spec);
        proto::Packet packet;
        REQUIRE(proto::decode_frame(frame, packet) == proto::DecodeStatus::Ok);
        http.inspect(packet, starts_head, kTime, "eth0", alerts);
    }
    // Every alert made, also those still waiting for a response.
    const std::vector<detect::Alert>& all() {
        http.flush(alerts);
        return alerts;
    }
};

FrameSpec request(std::string_view method, std::string_view host, std::string_view path,
                  std::string_view ua = "curl/7.88.1") {
    FrameSpec spec = tcp("10.1.0.1", 41000, "10.2.0.80", 80, 0x18);
    spec.payload = http_request(method, host, path, ua);
    return spec;
}

std::vector<std::string> trails_of(const std::vector<detect::Alert>& alerts) {
    std::vector<std::string> out;
    for (const auto& a : alerts) {
        out.push_back(a.trail_type + " " + a.trail);
    }
    return out;
}

}  // namespace

TEST_CASE("URL candidates: the path, bare or after the host, first hit shown as host(/rest)") {
    detect::UrlMatcher m(trails::store_of(
        url_trails({"/malicious-login.php", "evil.example/dl/x.exe", "/kit/", "/panel/index"})));
    // A path trail matches on any host; the host is the unmatched part.
    CHECK(url_match(m, "a.example", "/malicious-login.php") == "(a.example)/malicious-login.php");
    CHECK(url_match(m, "a.example", "/malicious-login.php?u=1") ==
          "(a.example)/malicious-login.php(?u=1)");
    // A host-prefixed trail needs its host.
    CHECK(url_match(m, "evil.example", "/dl/x.exe") == "evil.example/dl/x.exe");
    CHECK(url_match(m, "other.example", "/dl/x.exe") == "-");
    // Case and the default port do not matter.
    CHECK(url_match(m, "EVIL.example:80", "/DL/x.EXE") == "evil.example/dl/x.exe");
    // Parent directory (a trailing slash in the trail is the same directory), and the path
    // without its extension.
    CHECK(url_match(m, "b.example", "/kit/landing.html") == "(b.example)/kit(/landing.html)");
    CHECK(url_match(m, "b.example", "/kit/") == "(b.example)/kit(/)");
    CHECK(url_match(m, "b.example", "/panel/index.php?id=3") ==
          "(b.example)/panel/index(.php?id=3)");
    // Look-alikes stay silent.
    CHECK(url_match(m, "b.example", "/kitten/landing.html") == "-");
    CHECK(url_match(m, "b.example", "/malicious-login.php5") == "-");
    CHECK(url_match(m, "b.example", "/") == "-");
}

TEST_CASE("URL candidates: query without values, the first parameter, a POST body, the root page") {
    detect::UrlMatcher m(trails::store_of(
        url_trails({"/c.php?id=", "/api.php?a=&b=", "/post.php?cmd=ping", "10.9.9.9/"})));
    CHECK(url_match(m, "h.example", "/c.php?id=17&x=2") == "(h.example)/c.php?id=(17&x=2)");
    CHECK(url_match(m, "h.example", "/api.php?a=1&b=2") == "(h.example)/api.php?a=&b=");
    CHECK(url_match(m, "h.example", "/api.php?a=1&c=2") == "-");
    CHECK(url_match(m, "h.example", "/post.php", "cmd=ping") == "(h.example)/post.php?cmd=ping");
    CHECK(url_match(m, "h.example", "/post.php", "cmd=pong") == "-");
    // "10.9.9.9/" lists the address's root page.
    CHECK(url_match(m, "10.9.9.9", "/") == "10.9.9.9(/)");
    CHECK(url_match(m, "10.9.9.9", "/other") == "-");
}

TEST_CASE("a request alerts on its Host, its URL and its user agent, with the http object") {
    Fixture f;
    f.see(request("GET", "www.evil.example", "/gate.php?id=1", "LabBot/1.0 (x)"));
    REQUIRE(f.all().size() == 3);
    CHECK(trails_of(f.all()) == std::vector<std::string>{"DNS (www).evil.example",
                                                         "URL (www.evil.example)/gate.php(?id=1)",
                                                         "UA LabBot/1.0 (x)"});
    const auto& a = f.all()[1];
    CHECK(a.app_proto == "http");
    CHECK(a.detector == "http");
    CHECK(a.matched_field == "http.url");
    CHECK(a.info == "lab dropper (malware)");
    REQUIRE(a.http.has_value());
    CHECK(a.http->hostname == "www.evil.example");
    CHECK(a.http->url == "/gate.php?id=1");
    CHECK(a.http->http_method == "GET");
    CHECK(a.http->http_user_agent == "LabBot/1.0 (x)");
    CHECK(f.all()[0].matched_field == "http.hostname");
    CHECK(f.all()[2].matched_field == "http.http_user_agent");
}

TEST_CASE("clean requests, look-alike user agents and responses stay silent") {
    Fixture f;
    f.see(request("GET", "www.clean.example", "/index.html"));
    f.see(request("GET", "www.clean.example", "/", "labbot/1.0 (x)"));
    FrameSpec response = tcp("10.2.0.80", 80, "10.1.0.1", 41000, 0x18);
    response.payload = http_response(200, "text/html", "<title>/gate.php</title>");
    f.see(response);
    CHECK(f.all().empty());
    CHECK(f.http.stats().requests == 2);
}

TEST_CASE("proxy requests name the host in the target; CONNECT names host:port") {
    Fixture f;
    f.see(request("GET", "proxy.lan", "http://files.example/payload/stage2.bin"));
    f.see(request("CONNECT", "cdn.evil.example:443", "cdn.evil.example:443"));
    CHECK(trails_of(f.all()) == std::vector<std::string>{"URL files.example/payload(/stage2.bin)",
                                                         "DNS (cdn).evil.example"});
}

TEST_CASE("a head spread over three segments is analysed once it is whole") {
    Fixture f;
    const auto whole = request("GET", "www.evil.example", "/gate.php");
    auto [first, rest] = split_segment(whole, 20);
    auto [second, third] = split_segment(rest, 25);
    f.see(first);
    CHECK(f.all().empty());
    f.see(second, false);
    f.see(second, false);  // a retransmission adds nothing
    CHECK(f.all().empty());
    f.see(third, false);
    CHECK(trails_of(f.all()) ==
          std::vector<std::string>{"DNS (www).evil.example", "URL (www.evil.example)/gate.php"});
}

TEST_CASE("a head with a missing segment is dropped and counted") {
    Fixture f;
    const auto whole = request("GET", "www.evil.example", "/gate.php");
    auto [first, rest] = split_segment(whole, 20);
    auto [second, third] = split_segment(rest, 25);
    f.see(first);
    f.see(third, false);  // `second` never arrived
    f.see(second, false);
    CHECK(f.all().empty());
    CHECK(f.http.stats().heads_lost == 1);
}

TEST_CASE("follow-up segments of flows without a pending head are ignored; bounds hold") {
    Fixture f;
    f.see(tcp("10.1.0.1", 41000, "10.2.0.80", 80, 0x18, "more body bytes"), false);
    CHECK(f.all().empty());
    // Unfinished heads from more flows than the table holds: the oldest are forgotten.
    for (std::uint16_t port = 1; port <= detect::HttpDetector::kMaxFlows + 10; ++port) {
        f.see(tcp("10.1.0.1", port, "10.2.0.80", 80, 0x18, "GET /gate.php HTTP/1.1\r\nHo"));
    }
    CHECK(f.http.stats().flows_evicted == 10);
}

TEST_CASE("IPv6: a request over IPv6 alerts; without a Host the address is the host") {
    Fixture f;
    FrameSpec spec = tcp("fd00::1", 41000, "fd00::80", 80, 0x18);
    spec.payload = http_request("GET", "www.evil.example", "/x", "curl/7.88.1");
    f.see(spec);
    spec.payload = bytes("GET /gate.php HTTP/1.0\r\n\r\n");
    spec.sport = 41001;
    f.see(spec);
    CHECK(trails_of(f.all()) ==
          std::vector<std::string>{"DNS (www).evil.example", "URL ([fd00::80])/gate.php"});
    CHECK(f.all()[1].http->hostname == "[fd00::80]");
}

TEST_CASE("a request's alerts wait for its response and carry its status and content type") {
    Fixture f;
    f.see(request("GET", "www.evil.example", "/gate.php"));
    CHECK(f.alerts.empty());  // waiting
    FrameSpec response = tcp("10.2.0.80", 80, "10.1.0.1", 41000, 0x18);
    response.payload = http_response(404, "text/html; charset=utf-8", "<title>gone</title>");
    f.see(response);
    REQUIRE(f.alerts.size() == 2);
    for (const auto& a : f.alerts) {
        CHECK(a.http->status == 404);
        CHECK(a.http->http_content_type == "text/html; charset=utf-8");
        CHECK(a.src == ip("10.1.0.1"));  // still the request's direction
    }
    // A response on another flow completes nothing.
    f.alerts.clear();
    f.see(request("GET", "www.evil.example", "/"));
    response.dport = 41001;
    f.see(response);
    CHECK(f.alerts.empty());
}

TEST_CASE("without a response, alerts go out when the wait ends, or at the end") {
    Fixture f;
    f.see(request("GET", "www.evil.example", "/"));
    f.http.expire(Fixture::kTime + detect::HttpDetector::kResponseWaitNs - 1, f.alerts);
    CHECK(f.alerts.empty());
    f.http.expire(Fixture::kTime + detect::HttpDetector::kResponseWaitNs, f.alerts);
    REQUIRE(f.alerts.size() == 1);
    CHECK(f.alerts[0].http->status == 0);
    // Another request on the same flow releases the first one's alerts at once.
    f.alerts.clear();
    f.see(request("GET", "www.evil.example", "/"));
    f.see(request("GET", "www.evil.example", "/gate.php"));
    CHECK(f.alerts.size() == 1);
    f.http.flush(f.alerts);
    CHECK(f.alerts.size() == 3);
}

TEST_CASE("a full table of waiting flows writes its oldest flow's alerts: nothing is lost") {
    Fixture f;
    for (std::uint16_t port = 1; port <= detect::HttpDetector::kMaxFlows + 3; ++port) {
        FrameSpec spec = request("GET", "www.evil.example", "/");
        spec.sport = port;
        f.see(spec);
    }
    CHECK(f.alerts.size() == 3);
    CHECK(f.alerts[0].src_port == 1);
    f.http.flush(f.alerts);
    CHECK(f.alerts.size() == detect::HttpDetector::kMaxFlows + 3);
}
