#include "app/trail_loading.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

namespace spoor::app {

LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty) {
    LoadedTrails loaded;
    const std::vector<std::filesystem::path> paths(sources.begin(), sources.end());
    loaded.set = std::make_shared<trails::TrailSet>(trails::load_trails(paths, loaded.report));
    // The first lines name file and line; the rest only count, so a broken feed cannot flood logs.
    constexpr std::size_t kShown = 20;
    const auto& malformed = loaded.report.malformed;
    for (std::size_t i = 0; i < malformed.size() && i < kShown; ++i) {
        spdlog::warn("{}:{}: {}: {}", malformed[i].file, malformed[i].line, malformed[i].reason,
                     malformed[i].text);
    }
    if (malformed.size() > kShown) {
        spdlog::warn("... and {} more malformed trail lines", malformed.size() - kShown);
    }
    if (loaded.set->total() == 0 && !allow_empty) {
        throw std::runtime_error(
            "no trails loaded from the given --trails sources; refusing to "
            "watch with nothing to match (--allow-empty to start anyway)");
    }
    return loaded;
}

}  // namespace spoor::app
