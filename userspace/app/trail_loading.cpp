#include "app/trail_loading.h"

#include <spdlog/spdlog.h>

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
    return config;
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
