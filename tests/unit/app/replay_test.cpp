// `spoor replay` on the host path, as a user runs it: captures in, alert files out.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "app/options.h"
#include "frame_builder.h"
#include "support/pcap_file.h"
#include "support/test_support.h"

using namespace spoor::test;
using spoor::app::ReplayOptions;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint64_t kT0 = 1'780'000'000ull * kSecond;  // 2026-05-28

struct Lab {
    TempDir dir;
    std::string trails = dir.write("lab_c2.txt", "10.66.0.1\n10.55.0.1:4444\n").string();

    ReplayOptions options(std::vector<std::string> captures, const std::string& out) const {
        ReplayOptions o;
        o.captures = std::move(captures);
        o.trails = {trails};
        o.log_dir = (dir.path() / out).string();
        o.sensor_name = "replay-test";
        return o;
    }
    std::string capture(const std::string& name, const std::vector<TimedFrame>& frames,
                        std::uint32_t link_type = 1) const {
        const auto path = dir.path() / name;
        write_pcap(path, frames, link_type);
        return path.string();
    }
    // All alert lines written under `out`, in file-name order.
    std::string alerts_text(const std::string& out) const {
        std::string text;
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(dir.path() / out)) {
            files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f);
            text += std::string(std::istreambuf_iterator<char>(in), {});
        }
        return text;
    }
    std::vector<nlohmann::json> alerts(const std::string& out) const {
        std::vector<nlohmann::json> v;
        std::istringstream in(alerts_text(out));
        for (std::string line; std::getline(in, line);) {
            v.push_back(nlohmann::json::parse(line));
        }
        return v;
    }
};

TimedFrame syn_to_listed(std::uint64_t t, std::uint16_t sport) {
    return {t, build_frame(tcp("10.1.0.1", sport, "10.66.0.1", 443, 0x02))};
}

}  // namespace

TEST_CASE("evidence split across captures accumulates in one state") {
    Lab lab;
    const auto a = lab.capture("a.pcap", {syn_to_listed(kT0, 40000)});
    const auto b = lab.capture("b.pcap", {syn_to_listed(kT0 + 10 * kSecond, 40000),  // same flow
                                          syn_to_listed(kT0 + 11 * kSecond, 40001)});
    CHECK(spoor::app::run_replay(lab.options({a, b}, "ab")) == 0);
    const auto both = lab.alerts("ab");
    REQUIRE(both.size() == 2);  // the flow of a.pcap is not reported again from b.pcap
    CHECK(both[0]["src_port"] == 40000);
    CHECK(both[1]["src_port"] == 40001);
    CHECK(both[0]["timestamp"] == "2026-05-28T20:26:40.000000+0000");  // packet time
    CHECK_FALSE(both[0].contains("in_iface"));

    CHECK(spoor::app::run_replay(lab.options({b}, "b")) == 0);
    CHECK(lab.alerts("b").size() == 2);  // alone, b.pcap's first flow is new
}

TEST_CASE("two replays of the same captures write byte-identical output, summaries included") {
    Lab lab;
    std::vector<TimedFrame> frames;
    for (int i = 0; i < 50; ++i) {
        frames.push_back(
            syn_to_listed(kT0 + i * kSecond / 10, static_cast<std::uint16_t>(30000 + i)));
        frames.push_back({kT0 + i * kSecond / 10 + 1,
                          build_frame(tcp("10.55.0.1", 4444, "10.1.0.2",
                                          static_cast<std::uint16_t>(20000 + i), 0x12))});
    }
    const auto cap = lab.capture("many.pcap", frames);
    REQUIRE(spoor::app::run_replay(lab.options({cap}, "one")) == 0);
    REQUIRE(spoor::app::run_replay(lab.options({cap}, "two")) == 0);
    // Two (source, trail) keys of 50 alerts each in 5 s: three of each written as they came,
    // the other 47 in one summary each at the end of the input.
    const auto alerts = lab.alerts("one");
    REQUIRE(alerts.size() == 8);
    std::size_t summed = 0;
    for (const auto& a : alerts) {
        if (a.contains("throttle")) {
            CHECK(a["throttle"]["count"] == 47);
            summed += a["throttle"]["count"].get<std::size_t>();
        }
    }
    CHECK(summed == 94);
    CHECK(lab.alerts_text("one") == lab.alerts_text("two"));

    auto unthrottled = lab.options({cap}, "all");
    unthrottled.analysis.throttle_alerts = 0;
    REQUIRE(spoor::app::run_replay(unthrottled) == 0);
    CHECK(lab.alerts("all").size() == 100);
}

TEST_CASE("ignore rules drop what they name, or show it as suppressed; an expired rule does not") {
    Lab lab;
    const auto cap = lab.capture("c.pcap", {syn_to_listed(kT0, 1), syn_to_listed(kT0 + 1, 2)});
    auto options = lab.options({cap}, "ignored");
    options.analysis.ignore_rules = {
        lab.dir.write("rules.yaml", "rules:\n  - name: lab c2\n    dst: 10.66.0.0/16\n").string()};
    REQUIRE(spoor::app::run_replay(options) == 0);
    CHECK(lab.alerts("ignored").empty());

    options.log_dir = (lab.dir.path() / "shown").string();
    options.analysis.show_suppressed = true;
    REQUIRE(spoor::app::run_replay(options) == 0);
    const auto shown = lab.alerts("shown");
    REQUIRE(shown.size() == 2);
    CHECK(shown[0]["event_type"] == "suppressed");
    CHECK(shown[0]["suppressed"]["rule"] == "lab c2");

    options.log_dir = (lab.dir.path() / "expired").string();
    options.analysis.show_suppressed = false;
    options.analysis.ignore_rules = {lab.dir
                                         .write("old.yaml",
                                                "rules:\n  - dst: 10.66.0.1\n"
                                                "    expires: 2026-01-01\n")
                                         .string()};
    REQUIRE(spoor::app::run_replay(options) == 0);
    CHECK(lab.alerts("expired").size() == 2);
}

TEST_CASE("a truncated capture: alerts before the cut stay, the error names the record, exit 1") {
    Lab lab;
    const auto cut =
        lab.capture("cut.pcap", {syn_to_listed(kT0, 1), syn_to_listed(kT0 + 1, 2),
                                 syn_to_listed(kT0 + 2, 3), syn_to_listed(kT0 + 3, 4)});
    std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 20);
    const auto after = lab.capture("after.pcap", {syn_to_listed(kT0 + 4, 5)});
    CHECK(spoor::app::run_replay(lab.options({cut, after}, "cut")) == 1);
    const auto alerts = lab.alerts("cut");
    REQUIRE(alerts.size() == 4);  // three before the cut, and the next capture still ran
    CHECK(alerts[2]["src_port"] == 3);
    CHECK(alerts[3]["src_port"] == 5);
}

TEST_CASE("a missing capture is an error, the others still run") {
    Lab lab;
    const auto ok = lab.capture("ok.pcap", {syn_to_listed(kT0, 7)});
    CHECK(spoor::app::run_replay(lab.options({(lab.dir.path() / "nope.pcap").string(), ok}, "m")) ==
          1);
    CHECK(lab.alerts("m").size() == 1);
}

TEST_CASE("raw-IP and PPPoE captures alert like Ethernet ones") {
    Lab lab;
    auto frame = build_frame(tcp("10.1.0.1", 5555, "10.66.0.1", 443, 0x02));
    const std::vector<std::uint8_t> ip_only(frame.begin() + 14, frame.end());
    const auto raw = lab.capture("raw.pcap", {{kT0, ip_only}}, 101);

    auto pppoe = frame;
    pppoe[12] = 0x88;
    pppoe[13] = 0x64;
    const auto len = static_cast<std::uint8_t>(ip_only.size() + 2);
    const std::vector<std::uint8_t> head = {0x11, 0, 0, 1, 0, len, 0x00, 0x21};
    pppoe.insert(pppoe.begin() + 14, head.begin(), head.end());
    pppoe[14 + 8 + 20 + 1] = 0xb4;  // source port 5556: another flow
    const auto ppp = lab.capture("pppoe.pcap", {{kT0 + kSecond, pppoe}});

    CHECK(spoor::app::run_replay(lab.options({raw, ppp}, "links")) == 0);
    CHECK(lab.alerts("links").size() == 2);
}

TEST_CASE("the alerts are the same, line for line, at 1, 2 and 4 analysis threads") {
    // Trail hits, DNS, HTTP (answered or not, some attacks) and TLS split over segments, on
    // many flows, interleaved with every heuristic's evidence spread over many flows too, and
    // the throttle summing up what repeats.
    Lab lab;
    lab.trails = lab.dir.write("lab_mixed.txt", "10.66.0.1\nevil.example\n/gate.php\n").string();
    std::vector<TimedFrame> frames;
    std::uint64_t t = kT0;
    const auto at = [&t] { return t += kSecond / 1000; };
    for (std::uint16_t i = 0; i < 300; ++i) {
        const std::string client =
            "10.1." + std::to_string(i % 7) + "." + std::to_string(1 + i % 200);
        const auto port = static_cast<std::uint16_t>(30000 + i);
        frames.push_back({at(), build_frame(tcp(client, port, "10.66.0.1", 443, 0x02))});
        frames.push_back(
            {at(),
             build_frame(udp(client, port, "10.1.0.53", 53,
                             dns_query(i % 3 ? "www.clean.example" : "x.evil.example", 1, i)))});
        FrameSpec get = tcp(client, port, "10.2.0.80", 80, 0x18);
        get.payload = http_request("GET", i % 2 ? "www.evil.example" : "clean.example",
                                   i % 5 ? "/gate.php" : "/", "curl/8");
        frames.push_back({at(), build_frame(get)});
        if (i % 4) {  // some responses come, some do not
            FrameSpec response = tcp("10.2.0.80", 80, client, port, 0x18);
            response.payload = http_response(200 + i % 3, "text/html", "ok");
            frames.push_back({at(), build_frame(response)});
        }
        // Heuristics: a port scan and a UDP scan from one host, an infection spread from
        // another, random NXDOMAIN names under one domain, long names, an exhaustion.
        frames.push_back({at(), build_frame(tcp("10.9.0.1", 40000, "10.2.0.99",
                                                static_cast<std::uint16_t>(1 + i), 0x02))});
        frames.push_back({at(), build_frame(udp("10.9.0.1", 40000, "10.2.0.98",
                                                static_cast<std::uint16_t>(1000 + i), {}))});
        frames.push_back({at(), build_frame(tcp("10.9.0.2", static_cast<std::uint16_t>(40000 + i),
                                                "10.3." + std::to_string(i / 250) + "." +
                                                    std::to_string(1 + i % 250),
                                                445, 0x02))});
        if (i % 10 == 0) {  // one attacker, the same attack: the throttle sums it up
            FrameSpec attack =
                tcp("10.9.0.4", static_cast<std::uint16_t>(60000 + i), "10.2.0.80", 80, 0x18);
            attack.payload = http_request("GET", "clean.example",
                                          "/item?id=1%27%20UNION%20SELECT%201,2--", "curl/8");
            frames.push_back({at(), build_frame(attack)});
        }
        // Web scanning: one host asking one server for many first path segments, a flow each.
        FrameSpec probe =
            tcp("10.9.0.3", static_cast<std::uint16_t>(50000 + i), "10.2.0.81", 80, 0x18);
        probe.payload = http_request("GET", "10.2.0.81", "/p" + std::to_string(i % 40) + "/x", "");
        frames.push_back({at(), build_frame(probe)});
        const std::string random = "bcdfghjklmn" + std::to_string(i) + ".example";
        frames.push_back({at(), build_frame(udp("10.1.0.53", 53, client, port,
                                                dns_response(random, 1, i, 3, {})))});
        frames.push_back(
            {at(),
             build_frame(udp("10.1.0.53", 53, client, port,
                             dns_response("h" + std::to_string(i) + ".nx.example", 1, i, 3, {})))});
        frames.push_back(
            {at(),
             build_frame(udp(client, port, "10.1.0.53", 53,
                             dns_query("s" + std::to_string(i) + ".exhaust.example", 1, i)))});
        if (i % 50 == 0) {
            frames.push_back({at(), build_frame(udp(client, port, "10.1.0.53", 53,
                                                    dns_query("averyveryverylonglabelwithoutdash" +
                                                                  std::to_string(i) + ".example",
                                                              1, i)))});
        }
        FrameSpec hello =
            tcp(client, static_cast<std::uint16_t>(port + 1000), "10.2.0.43", 443, 0x18);
        hello.payload = tls_client_hello(i % 2 ? "cdn.evil.example" : "cdn.clean.example", 1800, i);
        auto [first, second] = split_segment(hello, 900);
        frames.push_back({at(), build_frame(first)});
        frames.push_back({at(), build_frame(second)});
    }
    const auto cap = lab.capture("mixed.pcap", frames);
    std::vector<std::string> texts;
    for (const unsigned threads : {1u, 2u, 4u}) {
        auto options = lab.options({cap}, "threads" + std::to_string(threads));
        options.analysis.threads = threads;
        options.analysis.heuristics.exhaustion_subdomains = 100;
        REQUIRE(spoor::app::run_replay(options) == 0);
        texts.push_back(lab.alerts_text("threads" + std::to_string(threads)));
    }
    CHECK(texts[0].size() > 1000);
    CHECK(texts[0].find("\"throttle\"") != std::string::npos);  // summaries in order too
    for (const std::string heuristic :
         {"potential port scanning", "potential udp scanning", "potential infection",
          "potential dns exhaustion", "excessive no such domain", "long domain",
          "threshold no such domain", "potential web scanning", "potential sql injection"}) {
        CAPTURE(heuristic);
        CHECK(texts[0].find(heuristic) != std::string::npos);
    }
    CHECK(texts[1] == texts[0]);
    CHECK(texts[2] == texts[0]);
}

TEST_CASE("a whitelisted address or prefix never alerts, whatever trail lists it") {
    Lab lab;
    const auto cap = lab.capture(
        "listed.pcap", {syn_to_listed(kT0, 30000),
                        {kT0 + 1, build_frame(tcp("10.1.0.2", 30001, "10.55.0.1", 4444, 0x02))}});
    auto options = lab.options({cap}, "plain");
    REQUIRE(spoor::app::run_replay(options) == 0);
    CHECK(lab.alerts("plain").size() == 2);
    options = lab.options({cap}, "whitelisted");
    options.analysis.whitelist = {lab.dir.write("whitelist.txt", "10.66.0.0/24\n").string()};
    REQUIRE(spoor::app::run_replay(options) == 0);
    const auto alerts = lab.alerts("whitelisted");
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0]["dest_ip"] == "10.55.0.1");
}
