#include "app/trail_loading.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <filesystem>
#include <stdexcept>

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

void append_internal_suffixes(detect::DomainMatcherConfig& config,
                              const std::vector<std::string>& suffixes) {
    for (auto suffix : suffixes) {
        while (!suffix.empty() && suffix.front() == '.') {
            suffix.erase(suffix.begin());
        }
        while (!suffix.empty() && suffix.back() == '.') {
            suffix.pop_back();
        }
        for (auto& c : suffix) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (!suffix.empty()) {
            config.internal_suffixes.push_back(suffix);
        }
    }
}

std::shared_ptr<const trails::Whitelist> load_whitelists(const std::vector<std::string>& files) {
    auto whitelist = std::make_shared<trails::Whitelist>();
    trails::LoadReport report;
    for (const auto& file : files) {
        whitelist->load(file, report);
    }
    log_malformed(report.malformed, "whitelist");
    return whitelist;
}

LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty) {
    LoadedTrails loaded;
    const std::vector<std::filesystem::path> paths(sources.begin(), sources.end());
    loaded.set = std::make_shared<trails::TrailSet>(trails::load_trails(paths, loaded.report));
    log_malformed(loaded.report.malformed, "trail");
    if (loaded.set->total() == 0 && !allow_empty) {
        throw std::runtime_error(
            "no trails loaded from the given --trails sources; refusing to "
            "watch with nothing to match (--allow-empty to start anyway)");
    }
    return loaded;
}

}  // namespace spoor::app
