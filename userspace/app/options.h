// What `spoor run` is asked to do, from flags and the YAML config file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spoor::app {

// The store tools/setup.sh compiles from the trails it installs (and `trails update` compiles
// again): what `run`, `replay` and `trails lookup` read unless told otherwise.
inline constexpr const char* kDefaultTrailSources = "/var/lib/spoor/trails.spoor";

// Thresholds of the heuristics (Maltrail's defaults; "more than N" fires on the N+1-th).
struct HeuristicOptions {
    std::vector<std::string> disable;    // by name: see detect::kHeuristicNames
    std::vector<std::string> local_net;  // local prefixes; empty: DESIGN.md's defaults
    double scan_window_s = 30;
    std::size_t port_scan_ports = 10;
    std::size_t udp_scan_ports = 10;
    std::size_t infection_hosts = 32;
    std::size_t web_scan_paths = 10;
    double exhaustion_window_s = 60;
    std::size_t exhaustion_subdomains = 1000;
    double nxdomain_window_s = 3600;
    std::size_t nxdomain_answers = 20;
    double dga_entropy = 3.5;
    std::size_t dga_consonants = 9;
    std::size_t long_label = 24;
    std::size_t max_keys = 50'000;  // per table
    std::size_t max_items = 1024;   // per key
    std::string suspicious_ua;      // a list of User-Agent patterns (Maltrail ua.txt); empty: none
    bool missing_host = false;      // alert on HTTP requests without Host
};

// What run and replay analyse alike.
struct AnalysisOptions {
    std::vector<std::string> whitelist;          // files of known-good names and addresses
    std::vector<std::string> internal_suffix;    // names never matched, beside the defaults
    unsigned threads = 1;                        // analysis workers
    std::string cache_dir = "/var/cache/spoor";  // compiled Hyperscan databases; "": none
    HeuristicOptions heuristics;
    std::vector<std::string> ignore_rules;  // YAML (or Maltrail .txt) ignore rule files
    bool show_suppressed = false;           // write ignored alerts as event_type "suppressed"
    std::size_t throttle_alerts = 3;        // per (source, trail) per window; 0: no throttle
    double throttle_window_s = 60;
    std::size_t throttle_keys = 65'536;
};

struct RunOptions {
    std::vector<std::string> interfaces;  // empty: the default-route interface
    std::string xdp_mode = "auto";        // auto | native | skb
    bool mirror = false;                  // SPAN/mirror port: drop after inspection
    std::string direction;                // ingress | egress | both; empty: by --mirror
    std::string attach = "link";          // link | libxdp
    std::vector<std::string> trails = {kDefaultTrailSources};
    bool allow_empty = false;
    AnalysisOptions analysis;
    std::string log_dir = "/var/log/spoor";  // empty: no alert files
    bool quiet = false;                      // no alerts on stdout
    std::string control_socket = "/run/spoor/spoor.sock";
    bool watch_trails = true;     // reload when a trail source changes
    double max_trail_age_h = 48;  // older trails are warned about, at start and hourly; 0: never
    // With a compiled store as --trails: `trails update` into it every so many hours (0: never),
    // from these sources (empty: the update's default) and feed definitions (empty: its default).
    double update_interval_h = 24;
    std::vector<std::string> update_sources;
    std::string feeds_dir;
    // The operator's own trails (trails add|rm), laid over --trails at start and every reload.
    std::string custom_trails = "/var/lib/spoor/custom-trails.txt";
    std::string sensor_name;  // empty: the host name
    std::uint32_t snaplen = 2048;
    double dedup_window_s = 60;
    std::size_t queue_records = 256;   // analysis queue, in batches of records
    std::size_t queue_alerts = 65536;  // per output
};

int run_daemon(const RunOptions& options);

// What `spoor replay` is asked to do.
struct ReplayOptions {
    std::vector<std::string> captures;  // pcap / pcapng files, "-" for stdin, in order
    std::vector<std::string> trails = {kDefaultTrailSources};
    bool allow_empty = false;
    AnalysisOptions analysis;
    std::string log_dir;  // empty: alerts on stdout
    bool kernel = false;  // run every packet through the loaded XDP program (root)
    std::string sensor_name;
    std::uint32_t snaplen = 2048;
    double dedup_window_s = 60;
};

// Exit status: 0, or 1 when a capture could not be read to its end.
int run_replay(const ReplayOptions& options);

// `spoor trails compile SOURCE... -o FILE`.
struct TrailsCompileOptions {
    std::vector<std::string> sources;
    std::string output;
    bool allow_empty = false;
};
int run_trails_compile(const TrailsCompileOptions& options);

// `spoor trails lookup VALUE...`: what each value matches and why.
struct TrailsLookupOptions {
    std::vector<std::string> values;
    std::vector<std::string> trails = {kDefaultTrailSources};
    std::vector<std::string> whitelist;
    bool json = false;
};
// Exit status: 0 when some value matched a trail, 1 when none did.
int run_trails_lookup(const TrailsLookupOptions& options);

}  // namespace spoor::app
