// `spoor trails compile` and `spoor trails lookup`: the trail store from the
// operator's side. Lookup goes through the sensor's own matchers, so that what it
// says is what the sensor would alert on.
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "app/options.h"
#include "app/trail_loading.h"
#include "detect/alert.h"
#include "detect/trail_context.h"
#include "trails/keys.h"
#include "trails/loader.h"
#include "trails/trail_store.h"

namespace spoor::app {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Steps of a long compile on one line of a terminal; nothing when stderr is not one
// (the summary that follows says it all in a log).
class Progress {
  public:
    Progress() : terminal_(::isatty(STDERR_FILENO) == 1) {}
    ~Progress() { clear(); }

    void step(const std::string& what) {
        if (terminal_) {
            std::fprintf(stderr, "\r\033[K%s (%.1f s)", what.c_str(), seconds_since(start_));
            std::fflush(stderr);
        }
    }
    void clear() {
        if (terminal_) {
            std::fprintf(stderr, "\r\033[K");
            std::fflush(stderr);
        }
    }

  private:
    bool terminal_;
    Clock::time_point start_ = Clock::now();
};

std::string mib(std::size_t bytes) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
}

// One trail a value matched: the alert's type and trail text, how it was found.
struct Found {
    std::string type;
    std::string trail;
    std::string how;
    std::uint32_t record;
};

class Lookup {
  public:
    Lookup(std::shared_ptr<const trails::TrailStore> store,
           std::shared_ptr<const trails::Whitelist> whitelist)
        : store_(std::move(store)),
          whitelist_(std::move(whitelist)),
          matchers_(store_, whitelist_, {}),
          prefix_lengths_{store_->prefix_lengths(4), store_->prefix_lengths(6)} {}

    // The value read by the trail line rules, then looked up as the sensor would meet it.
    std::vector<Found> find(std::string_view value, std::string& why_not) {
        trails::ParsedLine parsed{trails::IndicatorKind::Ip, {}};
        if (!trails::parse_trail_line(value, parsed, why_not)) {
            if (why_not.empty()) {
                why_not = "empty";
            }
            return {};
        }
        std::vector<Found> found;
        const auto add = [&](const char* type, std::string trail, std::string how,
                             std::uint32_t record) {
            if (record != trails::kNoRecord) {
                found.push_back({type, std::move(trail), std::move(how), record});
            }
        };
        const auto address = [&](const IpAddress& addr) {
            if (whitelist_->has_address(addr)) {
                why_not = "whitelisted";
                return;
            }
            add("IP", addr.to_string(), "exact", store_->find_ip(addr));
            for (const std::uint8_t len : prefix_lengths_[addr.is_v4() ? 0 : 1]) {
                const trails::Prefix prefix{addr.masked(len), len};
                add("CIDR", addr.to_string(), "in " + trails::keys::prefix_text(prefix),
                    store_->find_prefix(prefix));
            }
        };
        const std::string& key = parsed.key;
        switch (parsed.kind) {
            case trails::IndicatorKind::Ip:
                address(*IpAddress::parse(key));
                break;
            case trails::IndicatorKind::IpPort: {
                trails::IpPort ip_port;
                trails::keys::parse_ip_port(key, ip_port);
                add("IPORT", key, "exact", store_->find_ip_port(ip_port));
                address(ip_port.addr);
                break;
            }
            case trails::IndicatorKind::Cidr: {
                trails::Prefix prefix;
                trails::keys::parse_prefix(key, prefix);
                add("CIDR", key, "exact", store_->find_prefix(prefix));
                break;
            }
            case trails::IndicatorKind::Domain:
                if (auto match = matchers_.domains().match(key)) {
                    add("DNS", std::move(match->trail), detect::rule_name(match->rule),
                        match->record_id);
                } else if (matchers_.domains().stats().whitelisted > whitelisted_) {
                    why_not = "whitelisted";
                }
                whitelisted_ = matchers_.domains().stats().whitelisted;
                break;
            case trails::IndicatorKind::Url: {
                const auto slash = key.find('/');
                if (auto match = matchers_.context().urls->match(key.substr(0, slash),
                                                                 key.substr(slash), "")) {
                    add("URL", std::move(match->trail), "url", match->record_id);
                }
                break;
            }
            case trails::IndicatorKind::RegexDomain:
            case trails::IndicatorKind::UserAgent:
            case trails::IndicatorKind::CertSha1:
            case trails::IndicatorKind::Ja3:
            case trails::IndicatorKind::Ja4:
                add(type_of(parsed.kind), key, "exact", store_->index(parsed.kind).find(key));
                break;
        }
        return found;
    }

    nlohmann::json describe(const Found& f) const {
        const auto record = store_->record(f.record);
        const std::string info(record.info);
        const std::string reference(record.reference);
        return {{"type", f.type},
                {"trail", f.trail},
                {"how", f.how},
                {"info", info},
                {"reference", reference},
                {"severity", record.severity != 0 ? int{record.severity}
                                                  : detect::severity_for(info, reference)}};
    }

  private:
    static const char* type_of(trails::IndicatorKind kind) {
        switch (kind) {
            case trails::IndicatorKind::UserAgent:
                return "UA";
            case trails::IndicatorKind::CertSha1:
                return "CERT";
            case trails::IndicatorKind::Ja3:
            case trails::IndicatorKind::Ja4:
                return "JA4";
            default:
                return "DNS";  // a regex domain trail looked up as itself
        }
    }

    std::shared_ptr<const trails::TrailStore> store_;
    std::shared_ptr<const trails::Whitelist> whitelist_;
    detect::TrailMatchers matchers_;
    std::vector<std::uint8_t> prefix_lengths_[2];  // per family, longest first
    std::uint64_t whitelisted_ = 0;
};

}  // namespace

int run_trails_compile(const TrailsCompileOptions& o) {
    if (o.output.empty()) {
        throw std::runtime_error("trails compile needs -o FILE (where to write the store)");
    }
    Progress progress;
    const auto start = Clock::now();
    progress.step("reading " + std::to_string(o.sources.size()) + " trail sources");
    trails::LoadReport report;
    const trails::TrailSet set = read_trail_sources(o.sources, report);
    if (set.total() == 0 && !o.allow_empty) {
        throw std::runtime_error(
            "no trails in the given sources; refusing to write an empty "
            "store (--allow-empty to write one anyway)");
    }
    const double read_s = seconds_since(start);
    progress.step("compiling " + std::to_string(set.total()) + " trails, " +
                  std::to_string(set.count(trails::IndicatorKind::RegexDomain)) + " of them regex");
    const std::size_t bytes = save_compiled_store(set, store_meta(o.sources, report), o.output);
    progress.clear();
    spdlog::info(
        "{}: {} trails ({} ip, {} cidr, {} ip:port, {} domain, {} regex, {} url, {} "
        "other) from {} files, {} malformed lines; {}; read in {:.2f} s, compiled in "
        "{:.2f} s",
        o.output, set.total(), set.count(trails::IndicatorKind::Ip),
        set.count(trails::IndicatorKind::Cidr), set.count(trails::IndicatorKind::IpPort),
        set.count(trails::IndicatorKind::Domain), set.count(trails::IndicatorKind::RegexDomain),
        set.count(trails::IndicatorKind::Url),
        set.count(trails::IndicatorKind::UserAgent) + set.count(trails::IndicatorKind::CertSha1) +
            set.count(trails::IndicatorKind::Ja3) + set.count(trails::IndicatorKind::Ja4),
        report.files, report.malformed.size(), mib(bytes), read_s, seconds_since(start) - read_s);
    return 0;
}

int run_trails_lookup(const TrailsLookupOptions& o) {
    const auto store = load_trail_sources(o.trails, true).store;
    auto whitelist = std::make_shared<trails::Whitelist>();
    trails::LoadReport report;
    for (const auto& file : o.whitelist) {
        whitelist->load(file, report);
    }
    Lookup lookup(store, whitelist);
    nlohmann::json answers = nlohmann::json::array();
    bool any = false;
    for (const std::string& value : o.values) {
        std::string why_not;
        const auto found = lookup.find(value, why_not);
        any = any || !found.empty();
        nlohmann::json matches = nlohmann::json::array();
        for (const Found& f : found) {
            matches.push_back(lookup.describe(f));
        }
        if (o.json) {
            answers.push_back({{"value", value}, {"matches", matches}});
            if (found.empty() && !why_not.empty()) {
                answers.back()["not_matched"] = why_not;
            }
            continue;
        }
        if (found.empty()) {
            std::cout << value << ": no trail" << (why_not.empty() ? "" : " (" + why_not + ")")
                      << "\n";
        }
        for (const auto& m : matches) {
            std::cout << value << ": " << m["type"].get<std::string>() << " trail "
                      << m["trail"].get<std::string>() << " (" << m["how"].get<std::string>()
                      << "): " << m["info"].get<std::string>() << ", reference "
                      << m["reference"].get<std::string>() << ", severity "
                      << m["severity"].get<int>() << "\n";
        }
    }
    if (o.json) {
        std::cout << answers.dump(2) << "\n";
    }
    return any ? 0 : 1;
}

}  // namespace spoor::app
