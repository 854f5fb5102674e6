// Loading the trails a command was given, the same way for `run`, `replay` and
// `trails`: a compiled store is mapped; sources are read (malformed lines logged
// with file:line) and compiled in memory by the same writer. An empty set is refused.
#pragma once

#include <cstddef>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/analyzer.h"
#include "app/options.h"
#include "trails/custom_trails.h"
#include "trails/loader.h"

namespace spoor::app {

struct LoadedTrails {
    std::shared_ptr<const trails::TrailStore> store;
    trails::LoadReport report;  // of the sources read (empty for a compiled store)
};

// Throws (with the flag to use) when nothing was loaded and `allow_empty` is false, and
// when a compiled store comes with other sources (a store is complete: compile them all).
LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty);

// The operator's custom trails file (`trails add|rm`), read at every start and reload; its
// malformed lines are logged with file:line. A file that does not exist holds none.
trails::CustomTrails load_custom_trails(const std::filesystem::path& file);

// A loud warning when `store` was compiled more than `max_age_h` hours before `now_unix_ns`
// (0: no limit); nullopt when it is fresh. Sources compiled at start are as new as the start.
std::optional<std::string> stale_trails_warning(const trails::TrailStore& store, double max_age_h,
                                                std::uint64_t now_unix_ns);
// Hours since `store` was compiled.
double trail_age_hours(const trails::TrailStore& store, std::uint64_t now_unix_ns);

// Reads trail sources into a set, logging malformed lines.
trails::TrailSet read_trail_sources(const std::vector<std::string>& sources,
                                    trails::LoadReport& report);
// The same for sources that name their format, info, reference or rank (feeds).
trails::TrailSet read_trail_sources(const std::vector<trails::TrailSource>& sources,
                                    trails::LoadReport& report);
// Compiles `set` into a store image (its regex domain trails compiled for detection, `meta`
// saying what it was made of) and writes it to `output` through a rename, as `trails
// compile` and `trails update` do. Returns the image's size in bytes.
std::size_t save_compiled_store(const trails::TrailSet& set, std::string_view meta,
                                const std::filesystem::path& output);
// The Meta section of a store made of `sources`: JSON naming them, with the report's counts.
std::string store_meta(const std::vector<std::string>& sources, const trails::LoadReport& report);

// What `run` and `replay` share of the analysis: the sensor's name, the whitelist files (read
// here; malformed lines logged with file:line and skipped) and extra internal suffixes.
AnalyzerConfig analysis_config(const std::string& sensor_name, const AnalysisOptions& options);
// The same on another thread, started now, so that compiling the web-attack patterns and
// reading the lists overlaps the loading of the trails; get() rethrows its errors. Sets the
// folder of compiled pattern databases (options.cache_dir) for the whole process first.
std::future<AnalyzerConfig> start_analysis_config(std::string sensor_name, AnalysisOptions options);

}  // namespace spoor::app
