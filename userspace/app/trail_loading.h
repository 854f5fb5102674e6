// Loading the trail sources a command was given, the same way for `run` and
// `replay`: malformed lines are logged with file:line, an empty set refused.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "app/analyzer.h"
#include "app/options.h"
#include "trails/loader.h"

namespace spoor::app {

struct LoadedTrails {
    std::shared_ptr<const trails::TrailSet> set;
    trails::LoadReport report;
};

// Throws (with the flag to use) when nothing was loaded and `allow_empty` is false.
LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty);

// What `run` and `replay` share of the analysis: the sensor's name, the whitelist files (read
// here; malformed lines logged with file:line and skipped) and extra internal suffixes.
AnalyzerConfig analysis_config(const std::string& sensor_name, const AnalysisOptions& options);
// The same on another thread, started now, so that compiling the web-attack patterns and
// reading the lists overlaps the loading of the trails; get() rethrows its errors.
std::future<AnalyzerConfig> start_analysis_config(std::string sensor_name, AnalysisOptions options);

}  // namespace spoor::app
