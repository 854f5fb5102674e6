#include "app/trail_loading.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "detect/domain_matcher.h"
#include "detect/hyperscan.h"
#include "detect/user_agents.h"
#include "detect/web_attacks.h"

namespace spoor::app {

namespace {

// The first lines name file and line; the rest only count, so a broken list cannot flood logs.
void log_malformed(const std::vector<trails::MalformedLine>& malformed, const char* what) {
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < malformed.size() && i < kShown; ++i) {
        spdlog::warn("{}:{}: {}: {}", malformed[i].file, malformed[i].line, malformed[i].reason,
                     malformed[i].text);
    }
    if (malformed.size() > kShown) {
        spdlog::warn("... and {} more malformed {} lines", malformed.size() - kShown, what);
    }
}

}  // namespace

trails::CustomTrails load_custom_trails(const std::filesystem::path& file) {
    trails::LoadReport report;
    auto custom = trails::CustomTrails::load(file, report);
    log_malformed(report.malformed, "custom trail");
    return custom;
}

AnalyzerConfig analysis_config(const std::string& sensor_name, const AnalysisOptions& options) {
    AnalyzerConfig config;
    config.host = sensor_name;
    auto whitelist = std::make_shared<trails::Whitelist>();
    trails::LoadReport report;
    for (const auto& file : options.whitelist) {
        whitelist->load(file, report);
    }
    log_malformed(report.malformed, "whitelist");
    config.whitelist = std::move(whitelist);
    // The matcher trims and lower-cases them.
    auto& suffixes = config.domains.internal_suffixes;
    suffixes.insert(suffixes.end(), options.internal_suffix.begin(), options.internal_suffix.end());
    config.threads = options.threads;
    const auto& h = options.heuristics;
    const auto enabled = [&h](std::string_view name) {
        return std::find(h.disable.begin(), h.disable.end(), name) == h.disable.end();
    };
    // Each heuristic remembers at most --heuristic-items per key: a threshold at or above it
    // could never be passed. Said in the flags' words, before the detectors say it in theirs.
    struct Limit {
        const char* flag;
        std::size_t value;
        const char* heuristic;
    };
    for (const Limit& limit :
         {Limit{"--port-scan-ports", h.port_scan_ports, "port-scan"},
          Limit{"--udp-scan-ports", h.udp_scan_ports, "udp-scan"},
          Limit{"--infection-hosts", h.infection_hosts, "infection"},
          Limit{"--web-scan-paths", h.web_scan_paths, "web-scan"},
          Limit{"--dns-exhaustion-subdomains", h.exhaustion_subdomains, "dns-exhaustion"},
          Limit{"--nxdomain-answers", h.nxdomain_answers, "nxdomain"}}) {
        if (enabled(limit.heuristic) && limit.value >= h.max_items) {
            throw std::invalid_argument(
                std::string(limit.flag) + " (" + std::to_string(limit.value) +
                ") must be below --heuristic-items (" + std::to_string(h.max_items) + ")");
        }
    }
    const auto ns = [](double seconds) { return static_cast<std::uint64_t>(seconds * 1e9); };
    auto& scans = config.scans;
    scans.window_ns = ns(h.scan_window_s);
    scans.port_scan_ports = h.port_scan_ports;
    scans.udp_scan_ports = h.udp_scan_ports;
    scans.infection_hosts = h.infection_hosts;
    scans.max_keys = h.max_keys;
    scans.max_items_per_key = h.max_items;
    // The budget over all keys of a table grows with the per-key limit when that is raised.
    scans.max_items = std::max(scans.max_items, h.max_items);
    scans.port_scan = enabled("port-scan");
    scans.udp_scan = enabled("udp-scan");
    scans.infection = enabled("infection");
    scans.web_scan_paths = h.web_scan_paths;
    scans.web_scan = enabled("web-scan");
    auto& http = config.http;
    http.web_attack = enabled("web-attack");
    http.suspicious_ua = enabled("suspicious-ua");
    http.download = enabled("download");
    http.proxy_probe = enabled("proxy-probe");
    http.http_response = enabled("http-response");
    http.missing_host = h.missing_host && enabled("missing-host");
    if (http.web_attack) {
        http.attacks = std::make_shared<const detect::WebAttackPatterns>();
    }
    if (http.suspicious_ua && !h.suspicious_ua.empty()) {
        http.user_agents = detect::SuspiciousUserAgents::load(h.suspicious_ua);
    }
    auto& dns = config.dns_heuristics;
    dns.exhaustion_window_ns = ns(h.exhaustion_window_s);
    dns.exhaustion_subdomains = h.exhaustion_subdomains;
    dns.nxdomain_window_ns = ns(h.nxdomain_window_s);
    dns.nxdomain_answers = h.nxdomain_answers;
    dns.entropy_bits = h.dga_entropy;
    dns.consonants = h.dga_consonants;
    dns.long_label = h.long_label;
    dns.max_keys = h.max_keys;
    dns.max_items_per_key = h.max_items;
    dns.max_items = std::max(dns.max_items, h.max_items);
    dns.exhaustion = enabled("dns-exhaustion");
    dns.nxdomain = enabled("nxdomain");
    dns.dga = enabled("dga");
    dns.long_domain = enabled("long-domain");
    config.local_networks = h.local_net;
    auto& suppression = config.suppression;
    suppression.ignore_files = options.ignore_rules;
    suppression.show_suppressed = options.show_suppressed;
    suppression.throttle.max_per_window = options.throttle_alerts;
    suppression.throttle.window_ns = ns(options.throttle_window_s);
    suppression.throttle.max_keys = options.throttle_keys;
    return config;
}

std::future<AnalyzerConfig> start_analysis_config(std::string sensor_name,
                                                  AnalysisOptions options) {
    // Here, before the thread: the trails loaded beside it compile patterns too.
    detect::hyperscan::set_cache_dir(options.cache_dir);
    return std::async(std::launch::async,
                      [name = std::move(sensor_name), options = std::move(options)] {
                          return analysis_config(name, options);
                      });
}

trails::TrailSet read_trail_sources(const std::vector<std::string>& sources,
                                    trails::LoadReport& report) {
    const std::vector<std::filesystem::path> paths(sources.begin(), sources.end());
    trails::TrailSet set = trails::load_trails(paths, report);
    log_malformed(report.malformed, "trail");
    return set;
}

trails::TrailSet read_trail_sources(const std::vector<trails::TrailSource>& sources,
                                    trails::LoadReport& report) {
    trails::TrailSet set = trails::load_trails(sources, report);
    log_malformed(report.malformed, "trail");
    return set;
}

std::size_t save_compiled_store(const trails::TrailSet& set, std::string_view meta,
                                const std::filesystem::path& output) {
    const auto regex = detect::compile_regex_domains(set);
    const auto image = trails::write_store_image(set, meta, regex);
    trails::save_store_file(output, image);
    return image.size();
}

std::string store_meta(const std::vector<std::string>& sources, const trails::LoadReport& report) {
    nlohmann::json meta;
    meta["sources"] = sources;
    meta["files"] = report.files;
    meta["lines"] = report.lines;
    meta["malformed"] = report.malformed.size();
    return meta.dump();
}

double trail_age_hours(const trails::TrailStore& store, std::uint64_t now_unix_ns) {
    const std::uint64_t created = store.created_unix_ns();
    return now_unix_ns > created ? static_cast<double>(now_unix_ns - created) / 3.6e12 : 0;
}

std::optional<std::string> stale_trails_warning(const trails::TrailStore& store, double max_age_h,
                                                std::uint64_t now_unix_ns) {
    const double age = trail_age_hours(store, now_unix_ns);
    if (max_age_h <= 0 || age <= max_age_h) {
        return std::nullopt;
    }
    char text[256];
    std::snprintf(text, sizeof(text),
                  "STALE TRAILS: %s was compiled %.0f hours ago (limit %.0f): new threats are "
                  "not in it; run `spoor trails update` (or compile it again)",
                  store.origin().c_str(), age, max_age_h);
    return text;
}

LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty) {
    LoadedTrails loaded;
    const auto store = std::find_if(sources.begin(), sources.end(), [](const std::string& s) {
        return trails::TrailStore::is_store_file(s);
    });
    if (store != sources.end()) {
        if (sources.size() > 1) {
            throw std::runtime_error(
                "--trails " + *store +
                " is a compiled store, which holds every trail it was compiled from: give it "
                "alone, or compile the other sources into it (spoor trails compile SOURCE... -o "
                "FILE)");
        }
        loaded.store = trails::TrailStore::open(*store);
    } else {
        const trails::TrailSet set = read_trail_sources(sources, loaded.report);
        loaded.store = trails::store_of(set, store_meta(sources, loaded.report));
    }
    if (loaded.store->total() == 0 && !allow_empty) {
        throw std::runtime_error(
            "no trails loaded from the given --trails sources; refusing to "
            "watch with nothing to match (--allow-empty to start anyway)");
    }
    return loaded;
}

}  // namespace spoor::app
