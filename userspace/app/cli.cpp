#include "app/cli.h"

#include <functional>

#include "app/control.h"
#include "app/yaml_config.h"
#include "detect/alert.h"
#include "spoor/abi.h"

namespace spoor::app {
namespace {

// The heuristics' thresholds, each a flag (and a key of the YAML config).
void add_heuristic_options(CLI::App& sub, HeuristicOptions& o) {
    std::string names;
    for (const char* name : detect::kHeuristicNames) {
        names += names.empty() ? name : std::string(", ") + name;
    }
    sub.add_option("--disable-heuristic", o.disable, "Turn a heuristic off, repeatable: " + names)
        ->check(CLI::IsMember(std::vector<std::string>(detect::kHeuristicNames.begin(),
                                                       detect::kHeuristicNames.end())));
    sub.add_option("--local-net", o.local_net,
                   "A local prefix, repeatable; replaces the defaults (RFC 1918, 100.64/10, "
                   "127/8, 169.254/16, ::1, fc00::/7, fe80::/10). Infection spread counts local "
                   "sources only");
    const auto positive = [&sub](const char* flag, auto& value, const char* what) {
        sub.add_option(flag, value, what)->check(CLI::PositiveNumber)->capture_default_str();
    };
    positive("--scan-window", o.scan_window_s, "Seconds of the scan heuristics' sliding window");
    positive("--port-scan-ports", o.port_scan_ports,
             "TCP port scan: more than N destination ports, one source to one host");
    positive("--udp-scan-ports", o.udp_scan_ports,
             "UDP scan: more than N destination ports, one source to one host");
    positive("--infection-hosts", o.infection_hosts,
             "Infection spread: SYNs from a local host to more than N hosts on a worm port");
    positive("--web-scan-paths", o.web_scan_paths,
             "Web scanning: more than N distinct first path segments, one source to one server");
    positive("--dns-exhaustion-window", o.exhaustion_window_s,
             "Seconds in which DNS exhaustion counts subdomains");
    positive("--dns-exhaustion-subdomains", o.exhaustion_subdomains,
             "DNS exhaustion: more than N distinct subdomains of one domain");
    positive("--nxdomain-window", o.nxdomain_window_s,
             "Seconds in which NXDOMAIN answers are counted");
    positive("--nxdomain-answers", o.nxdomain_answers,
             "Excessive NXDOMAIN: more than N answers for one name or *.domain");
    positive("--dga-entropy", o.dga_entropy,
             "DGA: entropy (bits a character) above which an NXDOMAIN name alerts");
    positive("--dga-consonants", o.dga_consonants,
             "DGA: more than N consonants in an NXDOMAIN name's first label");
    positive("--long-label", o.long_label, "Long domain: a first label longer than N characters");
    sub.add_option("--suspicious-ua", o.suspicious_ua,
                   "A list of suspicious User-Agent patterns (Maltrail ua.txt format: one regex "
                   "a line); requests whose User-Agent matches alert as UA")
        ->check(CLI::ExistingFile);
    sub.add_flag("--http-missing-host", o.missing_host,
                 "Alert on HTTP requests without a Host header (off: some odd clients omit it)");
    positive("--heuristic-keys", o.max_keys,
             "Keys (sources, domains...) each heuristic table holds; the oldest go first");
    positive("--heuristic-items", o.max_items,
             "Distinct items (ports, hosts, names) remembered per key");
}

// Options of the analysis shared by run and replay.
void add_analysis_options(CLI::App& sub, AnalysisOptions& o) {
    sub.add_option("--whitelist", o.whitelist,
                   "Known-good names and addresses (Maltrail whitelist.txt format), repeatable: "
                   "a listed name or any name under it never alerts")
        ->check(CLI::ExistingFile);
    sub.add_option("--internal-suffix", o.internal_suffix,
                   "A private DNS suffix never matched, repeatable (always: localhost, local, lan, "
                   "intranet, home.arpa, in-addr.arpa, ip6.arpa)");
    sub.add_option("--cache-dir", o.cache_dir,
                   "Keep compiled pattern databases here, so that a start does not compile "
                   "the same patterns again ('' for nowhere)")
        ->capture_default_str();
    sub.add_option("--threads", o.threads,
                   "Analysis threads; a flow's records always go to one of them, and the "
                   "alerts are the same at any count")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    add_heuristic_options(sub, o.heuristics);
    sub.add_option("--ignore-rules", o.ignore_rules,
                   "Ignore rules, repeatable: a YAML file (`rules:` list; each rule may name src, "
                   "dst, src_port, dst_port, trail, type, heuristic, match, expires) or a "
                   "Maltrail ignore_events .txt file (src_ip;src_port;dst_ip;dst_port, * any)")
        ->check(CLI::ExistingFile);
    sub.add_flag("--show-suppressed", o.show_suppressed,
                 "Write alerts an ignore rule took as event_type \"suppressed\", naming the rule");
    sub.add_option("--throttle-alerts", o.throttle_alerts,
                   "Alerts written per source and trail per throttle window; later ones are "
                   "written as one summary when the window closes (0: no throttle)")
        ->capture_default_str();
    sub.add_option("--throttle-window", o.throttle_window_s, "Seconds of a throttle window")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub.add_option("--throttle-keys", o.throttle_keys,
                   "Open throttle windows at most; when full the oldest closes early (its "
                   "summary written)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

void add_run(CLI::App& cli, RunOptions& o) {
    auto* run = cli.add_subcommand(
        "run", "Attach to interfaces and write an alert for every trail hit (needs root)");
    // --config belongs to the top level (CLI11 reads config files there); let it follow `run`.
    run->fallthrough();
    run->footer(
        "Examples:\n"
        "  spoor run                                  default-route interface, default trails\n"
        "  spoor run -i eth1 --trails /etc/spoor/my-list.txt\n"
        "  spoor run -i span0 --mirror                mirror/SPAN port: both directions arrive "
        "as ingress\n"
        "  spoor run --config /etc/spoor/spoor.yaml   flags from a YAML file\n"
        "Every flag is also a key of the YAML --config file (flags given here win), e.g.\n"
        "  interface: [eth0]\n  trails: [/var/lib/spoor/trails.spoor]\n"
        "  log-dir: /var/log/spoor\n");
    run->add_option("-i,--interface", o.interfaces,
                    "Interface to watch, repeatable (default: the default-route interface)");
    run->add_option("--xdp-mode", o.xdp_mode,
                    "auto tries native XDP and falls back to generic (skb) mode")
        ->check(CLI::IsMember({"auto", "native", "skb"}))
        ->capture_default_str();
    run->add_flag("--mirror", o.mirror,
                  "The interface is a mirror/SPAN port: inspect ingress (both directions arrive "
                  "there) and drop after inspection");
    run->add_option("--direction", o.direction,
                    "ingress, egress or both (default: both on a host interface, ingress with "
                    "--mirror)")
        ->check(CLI::IsMember({"ingress", "egress", "both"}));
    run->add_option("--attach", o.attach,
                    "link: bpf_link, detached when spoor exits (even on kill -9); libxdp: share "
                    "the interface through libxdp's dispatcher where the kernel supports it")
        ->check(CLI::IsMember({"link", "libxdp"}))
        ->capture_default_str();
    run->add_option("--trails", o.trails,
                    "A compiled store (spoor trails compile), or trail sources, repeatable: "
                    "Maltrail static folder, .tar.xz/.tar.gz of one, trails.csv or a plain list")
        ->capture_default_str();
    run->add_flag("--allow-empty", o.allow_empty, "Start even when no trail was loaded");
    add_analysis_options(*run, o.analysis);
    run->add_option("--log-dir", o.log_dir,
                    "Append alerts to DIR/eve-YYYY-MM-DD.json ('' for none)")
        ->capture_default_str();
    run->add_flag("-q,--quiet", o.quiet, "Do not print alerts on stdout");
    run->add_option("--control-socket", o.control_socket, "Unix socket for stats/status/reload")
        ->capture_default_str();
    run->add_option("--custom-trails", o.custom_trails,
                    "The operator's own trails (spoor trails add|rm), laid over --trails at "
                    "start and at every reload")
        ->capture_default_str();
    run->add_option("--update-interval", o.update_interval_h,
                    "With a compiled store as --trails: update it (spoor trails update: feeds, "
                    "static set) and reload every this many hours (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    run->add_option("--update-source", o.update_sources,
                    "Source the scheduled update compiles with the feeds, repeatable (default: "
                    "/var/lib/spoor/trails)");
    run->add_option("--feeds", o.feeds_dir,
                    "Feed definitions of the scheduled update (default: /etc/spoor/feeds, "
                    "else the repository's trails/feeds)");
    run->add_option("--max-trail-age", o.max_trail_age_h,
                    "Warn, at start and every hour, when the trails were compiled longer ago "
                    "than this many hours (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    run->add_flag("--watch-trails,!--no-watch-trails", o.watch_trails,
                  "Reload when a trail source changes (a store compiled over the old one, a "
                  "list edited)")
        ->capture_default_str();
    run->add_option("--sensor-name", o.sensor_name,
                    "Value of `host` in alerts (default: hostname)");
    run->add_option("--snaplen", o.snaplen, "Packet bytes copied to userspace per record")
        ->check(CLI::Range(64, SPOOR_SNAP_MAX))
        ->capture_default_str();
    run->add_option("--dedup-window", o.dedup_window_s,
                    "Seconds during which a flow reports a trail once")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

void add_replay(CLI::App& cli, ReplayOptions& o) {
    auto* replay = cli.add_subcommand(
        "replay",
        "Run captures through the sensor's classifier and write the alerts it would have");
    replay->fallthrough();  // --config is a top-level option
    replay->footer(
        "Examples:\n"
        "  spoor replay --trails /var/lib/spoor/trails.spoor day1.pcap day2.pcapng\n"
        "  tcpdump -i eth0 -w - | spoor replay -          from stdin\n"
        "  spoor replay --kernel capture.pcap             through the loaded XDP program (root)\n"
        "Captures go through one state in order; time is the packets' own. Alerts go to stdout\n"
        "(or --log-dir), the summary to stderr; exit status 1 if a capture was cut short.\n");
    replay->add_option("captures", o.captures, "pcap or pcapng files, - for stdin")->required();
    replay->add_option("--trails", o.trails, "Trail source, repeatable (as for run)")
        ->capture_default_str();
    replay->add_flag("--allow-empty", o.allow_empty, "Replay even when no trail was loaded");
    add_analysis_options(*replay, o.analysis);
    replay->add_option("--log-dir", o.log_dir, "Write DIR/eve-YYYY-MM-DD.json instead of stdout");
    replay->add_flag("--kernel", o.kernel,
                     "Run every packet through the loaded XDP program (BPF_PROG_TEST_RUN, root)");
    replay->add_option("--sensor-name", o.sensor_name,
                       "Value of `host` in alerts (default: hostname)");
    replay->add_option("--snaplen", o.snaplen, "Packet bytes a record carries")
        ->check(CLI::Range(64, SPOOR_SNAP_MAX))
        ->capture_default_str();
    replay
        ->add_option("--dedup-window", o.dedup_window_s,
                     "Seconds during which a flow reports a trail once")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

CLI::App* add_client(CLI::App& cli, const char* name, const char* what, ClientOptions& o) {
    auto* sub = cli.add_subcommand(name, what);
    sub->add_option("--control-socket", o.socket, "The daemon's control socket")
        ->capture_default_str();
    sub->add_flag("--json", o.json, "Print the daemon's JSON answer unchanged");
    return sub;
}

void add_trails(CLI::App& cli, TrailsCompileOptions& compile, TrailsLookupOptions& lookup,
                TrailsChangeOptions& change) {
    auto* trails = cli.add_subcommand("trails", "Compile trail stores and look values up in them");
    trails->require_subcommand(1);

    auto* c = trails->add_subcommand(
        "compile", "Read trail sources once into a store file that run and replay map at once");
    c->footer(
        "Examples:\n"
        "  spoor trails compile /var/lib/spoor/trails /etc/spoor/custom.txt -o "
        "/var/lib/spoor/trails.spoor\n"
        "  spoor run --trails /var/lib/spoor/trails.spoor\n"
        "Sources are what --trails takes (folders, archives, trails.csv, plain lists). The store "
        "is\nwritten beside FILE and renamed into place: a reader never sees half of one.\n");
    c->add_option("sources", compile.sources, "Trail sources, in order")->required();
    c->add_option("-o,--output", compile.output, "The store file to write")->required();
    c->add_flag("--allow-empty", compile.allow_empty, "Write a store even when no trail was read");

    auto* l =
        trails->add_subcommand("lookup", "What values match, and why, as the sensor sees them");
    l->footer(
        "Examples:\n"
        "  spoor trails lookup --trails /var/lib/spoor/trails.spoor 45.9.148.3 www.evil.example\n"
        "  spoor trails lookup 1.2.3.4:4444 evil.example/gate.php ua:BadBot ja3:<md5>\n"
        "A value is read by the trail line rules (an address, address:port, CIDR, domain, URL or\n"
        "a typed ua:/sha1:/ja3:/ja4: value) and looked up by the sensor's own matchers: a\n"
        "domain's parents and regex trails, an address's prefixes. Exit status 0 when some value\n"
        "matched.\n");
    l->add_option("values", lookup.values, "Values to look up")->required();
    l->add_option("--trails", lookup.trails, "A store or trail sources, repeatable (as for run)")
        ->capture_default_str();
    l->add_option("--whitelist", lookup.whitelist, "Whitelist file, repeatable (as for run)");
    l->add_flag("--json", lookup.json, "One JSON array of answers");

    change.client.socket = kDefaultControlSocket;
    auto* a = add_client(*trails, "add",
                         "Add a trail to the running daemon at once (kernel and userspace), kept "
                         "in its custom trails file",
                         change.client);
    a->footer(
        "Examples:\n"
        "  spoor trails add 10.9.8.7 --info 'our pentest box (suspicious)' --severity 3\n"
        "  spoor trails add evil.example --info 'phishing kit (malware)'\n"
        "The value follows the trail line rules (as trails lookup). The daemon swaps in a new\n"
        "generation without reading its sources again; the change survives restarts and\n"
        "reloads (run --custom-trails).\n");
    a->add_option("value", change.value, "The trail")->required();
    a->add_option("--info", change.info, "What it is (default: custom)");
    a->add_option("--severity", change.severity, "1 (high) to 3 (low); default: by the rules")
        ->check(CLI::Range(1, 3));
    auto* r = add_client(*trails, "rm",
                         "Never alert on a trail again: the daemon's own, or one a list holds",
                         change.client);
    r->add_option("value", change.value, "The trail")->required();
}

// `spoor trails update`, under the `trails` command.
void add_trails_update(CLI::App& trails, TrailsUpdateOptions& o) {
    auto* u = trails.add_subcommand(
        "update",
        "Download the enabled feeds, merge them with the static and custom trails, "
        "compile the store and tell the running sensor to reload");
    u->footer(
        "Examples:\n"
        "  spoor trails update                      the enabled feeds, every path at its default\n"
        "  spoor trails update --from /media/usb/feeds   air-gapped: files named after the "
        "feeds\n"
        "  spoor trails update --cdn-ranges /etc/spoor/cdn_ranges.txt --min-feeds 2\n"
        "A feed whose new copy fails (HTTP error, timeout), shows another format, or holds\n"
        "under half the indicators of its last good copy keeps that copy. Downloaded feeds lose\n"
        "addresses in bogon and CDN ranges, and an address only feeds name needs --min-feeds of\n"
        "them; the --trails sources keep everything.\n");
    u->add_option("--feeds", o.feeds_dir,
                  "Folder of feed definitions (*.conf); default /etc/spoor/feeds, else the "
                  "repository's trails/feeds");
    u->add_option("--cache", o.cache_dir, "Folder of the last good copy of each feed")
        ->capture_default_str();
    u->add_option("--from", o.from,
                  "Import feeds from this folder (files named after the feeds: feodo, "
                  "feodo.csv) or one such file instead of downloading");
    u->add_option("--trails", o.trails,
                  "Static or custom trail source to merge, repeatable; default "
                  "/var/lib/spoor/trails if it exists (trails add|rm need no merging: the "
                  "sensor lays them over every store)");
    u->add_option("-o,--output", o.output, "The store file to write")->capture_default_str();
    u->add_option("--min-feeds", o.min_feeds,
                  "Feeds that must name an address that only feeds name")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    u->add_option("--cdn-ranges", o.cdn_ranges,
                  "File of CDN prefixes (one a line) dropped from downloaded feeds, repeatable")
        ->check(CLI::ExistingFile);
    u->add_option("--control-socket", o.control_socket, "The running sensor's control socket")
        ->capture_default_str();
    u->add_flag("!--no-reload", o.reload, "Write the store only; do not tell the sensor");
    u->add_option("--timeout", o.timeout_s, "Seconds a download may take")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

}  // namespace

std::unique_ptr<CLI::App> make_cli(CommandLine& values) {
    auto cli = std::make_unique<CLI::App>(
        "spoor: a network sensor that matches traffic against threat-intelligence trails in XDP "
        "and writes Suricata-EVE JSON alerts");
    cli->require_subcommand(1);
    cli->add_option("--log-level", values.log_level,
                    "debug, info, warn or error (logs go to stderr)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
        ->capture_default_str();
    cli->config_formatter(std::make_shared<YamlConfig>(*cli));
    cli->set_config("--config", "",
                    "YAML file of `run` and `replay` flags (keys: the long flag names)")
        ->check(CLI::ExistingFile);

    add_run(*cli, values.run);
    add_replay(*cli, values.replay);
    values.client.socket = kDefaultControlSocket;
    add_client(*cli, "stats", "Counters of the running daemon (kernel, queues, outputs)",
               values.client);
    add_client(*cli, "status", "Interfaces, modes and trails of the running daemon", values.client);
    auto* reload = add_client(*cli, "reload",
                              "Read the running daemon's trail sources again and swap them in "
                              "without missing a packet (also: SIGUSR2, or a change of a source)",
                              values.client);
    reload->add_flag("--force", values.client.force,
                     "Take a set under half the size of the one in use (refused otherwise, as "
                     "the sign of a broken source)");
    add_trails(*cli, values.trails_compile, values.trails_lookup, values.trails_change);
    add_trails_update(*cli->get_subcommand("trails"), values.trails_update);
    // One value per occurrence of a repeatable flag (`--trails A --trails B`): CLI11 would
    // otherwise read the arguments after `--whitelist FILE` as more files, not as captures
    // or values.
    const std::function<void(CLI::App&)> one_value_each = [&](CLI::App& app) {
        for (CLI::Option* option : app.get_options()) {
            if (!option->get_positional()) {
                option->allow_extra_args(false);
            }
        }
        for (CLI::App* sub : app.get_subcommands({})) {
            one_value_each(*sub);
        }
    };
    one_value_each(*cli);
    return cli;
}

}  // namespace spoor::app
