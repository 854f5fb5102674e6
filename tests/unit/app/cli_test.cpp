// The command line as users type it, and the YAML config file feeding the same options.
#include <doctest/doctest.h>

#include <vector>

#include "app/cli.h"
#include "app/trail_loading.h"
#include "support/test_support.h"

using spoor::app::CommandLine;
using spoor::test::TempDir;

namespace {

// Parses `args` (without the program name) into `values`.
void parse(CommandLine& values, std::vector<std::string> args) {
    auto cli = spoor::app::make_cli(values);
    args.insert(args.begin(), "spoor");
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    cli->parse(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("run flags") {
    CommandLine v;
    parse(v, {"run", "-i", "eth1", "-i", "eth2", "--mirror", "--xdp-mode", "skb", "--trails", "/a",
              "--trails", "/b", "--log-dir", "", "--snaplen", "256", "--dedup-window", "5"});
    CHECK(v.run.interfaces == std::vector<std::string>{"eth1", "eth2"});
    CHECK(v.run.mirror);
    CHECK(v.run.xdp_mode == "skb");
    CHECK(v.run.trails == std::vector<std::string>{"/a", "/b"});
    CHECK(v.run.log_dir.empty());
    CHECK(v.run.snaplen == 256);
    CHECK(v.run.dedup_window_s == 5);
}

TEST_CASE("defaults an operator relies on") {
    CommandLine v;
    parse(v, {"run"});
    CHECK(v.run.interfaces.empty());  // the default-route interface
    CHECK(v.run.xdp_mode == "auto");
    CHECK(v.run.attach == "link");
    CHECK(v.run.trails == std::vector<std::string>{"/var/lib/spoor/trails.spoor"});
    CHECK(v.run.log_dir == "/var/log/spoor");
    CHECK(v.run.snaplen == 2048);
    CHECK(v.run.dedup_window_s == 60);
}

TEST_CASE("bad values are refused by name") {
    CommandLine v;
    CHECK_THROWS_AS(parse(v, {"run", "--xdp-mode", "fast"}), CLI::ValidationError);
    CHECK_THROWS_AS(parse(v, {"run", "--snaplen", "10"}), CLI::ValidationError);
    CHECK_THROWS_AS(parse(v, {"run", "--direction", "sideways"}), CLI::ValidationError);
    CHECK_THROWS_AS(parse(v, {"run", "--config", "/nonexistent.yaml"}), CLI::ValidationError);
}

TEST_CASE("every flag has a key in the YAML config; flags on the command line win") {
    TempDir dir;
    const auto config = dir.write("spoor.yaml",
                                  "interface: [eth0, eth1]\n"
                                  "xdp-mode: native\n"
                                  "mirror: true\n"
                                  "trails:\n  - /var/lib/spoor/trails\n  - /etc/spoor/custom.txt\n"
                                  "log-dir: /srv/alerts\n"
                                  "sensor-name: branch-office\n"
                                  "dedup-window: 30\n");
    CommandLine v;
    parse(v, {"run", "--config", config.string(), "--log-dir", "/tmp/override"});
    CHECK(v.run.interfaces == std::vector<std::string>{"eth0", "eth1"});
    CHECK(v.run.xdp_mode == "native");
    CHECK(v.run.mirror);
    CHECK(v.run.trails ==
          std::vector<std::string>{"/var/lib/spoor/trails", "/etc/spoor/custom.txt"});
    CHECK(v.run.log_dir == "/tmp/override");
    CHECK(v.run.sensor_name == "branch-office");
    CHECK(v.run.dedup_window_s == 30);
}

TEST_CASE("a misspelt key, a bad value and broken YAML in the config are errors") {
    TempDir dir;
    CommandLine v;
    try {
        parse(v, {"run", "--config", dir.write("a.yaml", "log_dir: /x\n").string()});
        FAIL("misspelt key accepted");
    } catch (const CLI::ConversionError& e) {
        CHECK(std::string(e.what()).find("unknown key 'log_dir' (line 1)") != std::string::npos);
    }
    CHECK_THROWS_AS(parse(v, {"run", "--config", dir.write("b.yaml", "xdp-mode: fast\n").string()}),
                    CLI::ValidationError);
    try {
        parse(v, {"run", "--config", dir.write("c.yaml", "interface: [eth0\n").string()});
        FAIL("broken YAML accepted");
    } catch (const CLI::ConversionError& e) {
        CHECK(std::string(e.what()).find("line") != std::string::npos);
    }
    CHECK_THROWS_AS(parse(v, {"run", "--config", dir.write("d.yaml", "- eth0\n").string()}),
                    CLI::ConversionError);
}

TEST_CASE("one config file serves run and replay: each takes the keys it has") {
    TempDir dir;
    const auto config =
        dir.write("spoor.yaml", "interface: [eth0]\ntrails: [/srv/trails]\ndedup-window: 5\n");
    CommandLine v;
    parse(v, {"replay", "--config", config.string(), "day1.pcap", "day2.pcap"});
    CHECK(v.replay.trails == std::vector<std::string>{"/srv/trails"});
    CHECK(v.replay.dedup_window_s == 5);
    CHECK(v.replay.captures == std::vector<std::string>{"day1.pcap", "day2.pcap"});
    CHECK_FALSE(v.replay.kernel);
}

TEST_CASE("client commands") {
    CommandLine v;
    parse(v, {"stats", "--json", "--control-socket", "/tmp/s.sock"});
    CHECK(v.client.json);
    CHECK(v.client.socket == "/tmp/s.sock");
    CommandLine d;
    parse(d, {"status"});
    CHECK(d.client.socket == "/run/spoor/spoor.sock");
}

TEST_CASE("web heuristics, ignore rules and the throttle come from flags and YAML") {
    TempDir dir;
    const auto rules = dir.write("rules.yaml", "rules:\n  - dst_port: 22\n");
    const auto config = dir.write("spoor.yaml",
                                  "throttle-alerts: 5\n"
                                  "throttle-window: 30\n"
                                  "show-suppressed: true\n"
                                  "web-scan-paths: 20\n"
                                  "http-missing-host: true\n"
                                  "ignore-rules: [" +
                                      rules.string() + "]\n");
    CommandLine v;
    parse(v, {"replay", "--config", config.string(), "--disable-heuristic", "download",
              "--throttle-keys", "100", "x.pcap"});
    const auto analysis = spoor::app::analysis_config("s", v.replay.analysis);
    CHECK(analysis.suppression.throttle.max_per_window == 5);
    CHECK(analysis.suppression.throttle.window_ns == 30'000'000'000ull);
    CHECK(analysis.suppression.throttle.max_keys == 100);
    CHECK(analysis.suppression.show_suppressed);
    CHECK(analysis.suppression.ignore_files == std::vector<std::string>{rules.string()});
    CHECK(analysis.scans.web_scan_paths == 20);
    CHECK(analysis.http.missing_host);
    CHECK_FALSE(analysis.http.download);
    CHECK(analysis.http.web_attack);
    CHECK(analysis.http.attacks != nullptr);
    CHECK(analysis.http.user_agents == nullptr);  // no list given

    CHECK_THROWS_AS(parse(v, {"replay", "--suspicious-ua", "/nonexistent/ua.txt", "x.pcap"}),
                    CLI::ValidationError);
    CHECK_THROWS_AS(parse(v, {"replay", "--ignore-rules", "/nonexistent.yaml", "x.pcap"}),
                    CLI::ValidationError);
    const auto ua = dir.write("ua.txt", "# list\nsqlmap\n");
    CommandLine with_ua;
    parse(with_ua, {"replay", "--suspicious-ua", ua.string(), "x.pcap"});
    CHECK(spoor::app::analysis_config("s", with_ua.replay.analysis).http.user_agents->size() == 1);
}

TEST_CASE("heuristic thresholds, switches and local networks come from flags and YAML") {
    TempDir dir;
    const auto config = dir.write("spoor.yaml",
                                  "port-scan-ports: 5\n"
                                  "scan-window: 10\n"
                                  "disable-heuristic: [dga, long-domain]\n"
                                  "local-net: [10.9.0.0/16]\n"
                                  "threads: 4\n");
    CommandLine v;
    parse(v, {"replay", "--config", config.string(), "--nxdomain-answers", "7", "x.pcap"});
    const auto& h = v.replay.analysis.heuristics;
    CHECK(h.port_scan_ports == 5);
    CHECK(h.scan_window_s == 10);
    CHECK(h.nxdomain_answers == 7);
    CHECK(h.disable == std::vector<std::string>{"dga", "long-domain"});
    CHECK(h.local_net == std::vector<std::string>{"10.9.0.0/16"});
    CHECK(v.replay.analysis.threads == 4);

    const auto analysis = spoor::app::analysis_config("s", v.replay.analysis);
    CHECK(analysis.scans.port_scan_ports == 5);
    CHECK(analysis.scans.window_ns == 10'000'000'000ull);
    CHECK(analysis.dns_heuristics.nxdomain_answers == 7);
    CHECK_FALSE(analysis.dns_heuristics.dga);
    CHECK_FALSE(analysis.dns_heuristics.long_domain);
    CHECK(analysis.dns_heuristics.exhaustion);
    CHECK(analysis.threads == 4);

    CHECK_THROWS_AS(parse(v, {"replay", "--disable-heuristic", "scans", "x.pcap"}),
                    CLI::ValidationError);
    CHECK_THROWS_AS(parse(v, {"replay", "--threads", "0", "x.pcap"}), CLI::ValidationError);
    CommandLine fresh;
    parse(fresh, {"replay", "--heuristic-items", "8", "x.pcap"});
    try {
        spoor::app::analysis_config("s", fresh.replay.analysis);
        FAIL("a threshold past the item limit accepted");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()) ==
              "--port-scan-ports (10) must be below --heuristic-items (8)");
    }
}

TEST_CASE("trails update flags, and defaults that name the installed paths") {
    CommandLine defaults;
    parse(defaults, {"trails", "update"});
    CHECK(defaults.trails_update.feeds_dir.empty());  // /etc/spoor/feeds, else the repository's
    CHECK(defaults.trails_update.cache_dir == "/var/lib/spoor/feeds");
    CHECK(defaults.trails_update.output == "/var/lib/spoor/trails.spoor");
    CHECK(defaults.trails_update.trails.empty());
    CHECK(defaults.trails_update.min_feeds == 3);
    CHECK(defaults.trails_update.control_socket == "/run/spoor/spoor.sock");
    CHECK(defaults.trails_update.reload);

    TempDir dir;
    const auto cdn = dir.write("cdn.txt", "104.16.0.0/13\n");
    CommandLine v;
    parse(v, {"trails",
              "update",
              "--feeds",
              "/f",
              "--cache",
              "/c",
              "--from",
              "/usb",
              "--trails",
              "/a",
              "--trails",
              "/b",
              "-o",
              "/out.spoor",
              "--min-feeds",
              "2",
              "--cdn-ranges",
              cdn.string(),
              "--control-socket",
              "/s.sock",
              "--no-reload",
              "--timeout",
              "5"});
    const auto& u = v.trails_update;
    CHECK(u.feeds_dir == "/f");
    CHECK(u.cache_dir == "/c");
    CHECK(u.from == "/usb");
    CHECK(u.trails == std::vector<std::string>{"/a", "/b"});
    CHECK(u.output == "/out.spoor");
    CHECK(u.min_feeds == 2);
    CHECK(u.cdn_ranges == std::vector<std::string>{cdn.string()});
    CHECK(u.control_socket == "/s.sock");
    CHECK_FALSE(u.reload);
    CHECK(u.timeout_s == 5);
    CHECK_THROWS_AS(parse(v, {"trails", "update", "--min-feeds", "0"}), CLI::ValidationError);
}
