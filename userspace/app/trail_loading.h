// Loading the trail sources a command was given, the same way for `run` and
// `replay`: malformed lines are logged with file:line, an empty set refused.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "detect/domain_matcher.h"
#include "trails/loader.h"
#include "trails/whitelist.h"

namespace spoor::app {

struct LoadedTrails {
    std::shared_ptr<const trails::TrailSet> set;
    trails::LoadReport report;
};

// Throws (with the flag to use) when nothing was loaded and `allow_empty` is false.
LoadedTrails load_trail_sources(const std::vector<std::string>& sources, bool allow_empty);

// Adds operator-given internal suffixes (lower-cased, dots trimmed) to the defaults.
void append_internal_suffixes(detect::DomainMatcherConfig& config,
                              const std::vector<std::string>& suffixes);

// Reads whitelist files (malformed lines are logged with file:line and skipped).
std::shared_ptr<const trails::Whitelist> load_whitelists(const std::vector<std::string>& files);

}  // namespace spoor::app
