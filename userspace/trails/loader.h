// Reading trail sources from disk: Maltrail static folders, trails.csv
// (trail,info,reference), plain lists, and .tar.xz / .tar.gz archives of a
// static folder. Line rules and source ranking: DESIGN.md "Trail line rules".
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "trails/trail_set.h"

namespace spoor::trails {

// A line that no rule accepts, reported and skipped.
struct MalformedLine {
    std::string file;  // path as given (inside an archive: "archive.tar.xz:trails/static/x.txt")
    std::size_t line = 0;
    std::string text;
    std::string reason;
};

struct LoadReport {
    std::size_t files = 0;  // list files read
    std::size_t lines = 0;  // indicator lines accepted (before merging duplicates)
    std::vector<MalformedLine> malformed;
};

// A source that cannot be read at all (missing path, corrupt archive...):
// the message names the path and what went wrong.
class TrailLoadError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parse one trail line (after comment stripping) into kind + normalised key.
// Returns false and sets `reason` for a malformed line; an empty / comment-only
// line returns false with an empty reason (not an error).
struct ParsedLine {
    IndicatorKind kind;
    std::string key;
};
bool parse_trail_line(std::string_view line, ParsedLine& out, std::string& reason);

// Loads every source (files, folders, archives) into one set, in a stable order.
TrailSet load_trails(const std::vector<std::filesystem::path>& sources, LoadReport& report);

}  // namespace spoor::trails
