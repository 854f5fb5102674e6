// Reading trail sources from disk: Maltrail static folders, trails.csv
// (trail,info,reference), plain lists, .tar.xz / .tar.gz archives of a static
// folder, and the formats providers publish (hosts files, Suricata IP reputation,
// Zeek intel, abuse.ch CSVs: docs/TRAIL_FORMATS.md). Line rules and source
// ranking: DESIGN.md "Trail line rules".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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
    // Well-formed rows that name nothing spoor matches (file hashes, e-mail addresses,
    // reputation score 0): not errors, yet the operator can see they were passed over.
    std::size_t skipped = 0;
    std::vector<MalformedLine> malformed;
};

// How one trail file is read (docs/TRAIL_FORMATS.md).
enum class TrailFormat : std::uint8_t {
    List,             // one trail a line, the line rules
    Csv,              // trails.csv: trail,info[,reference[,type]]
    Hosts,            // hosts file: <address> <name>...
    Iprep,            // Suricata IP reputation: ip,category,score
    IprepCategories,  // Suricata reputation categories: id,short name,description
    Zeek,             // Zeek intel framework file
    Feodo,            // abuse.ch Feodo Tracker IP blocklist CSV
    Urlhaus,          // abuse.ch URLhaus CSV
    Threatfox,        // abuse.ch ThreatFox CSV
    Sslbl,            // abuse.ch SSLBL certificate SHA1 CSV
    SslblJa3,         // abuse.ch SSLBL JA3 fingerprint CSV
};

// The format a feed definition names: "list", "csv", "hosts", "iprep",
// "iprep-categories", "zeek", "feodo", "urlhaus", "threatfox", "sslbl", "sslbl-ja3"
// (ASCII case ignored); nullopt for any other name.
std::optional<TrailFormat> format_from_name(std::string_view name);
// The name of a format, as format_from_name() takes it.
std::string_view format_name(TrailFormat format);
// Every format name, comma-separated, for messages.
std::string format_names();

// One source to load, as a feed definition describes it.
struct TrailSource {
    std::filesystem::path path;
    // Unset: a single file is recognised by its content, else read by its extension
    // (.csv as trails.csv, anything else as a list). Set: the file is read so, and a
    // folder or archive is refused (a format describes one file).
    std::optional<TrailFormat> format;
    std::optional<std::string> info;       // replaces the info of every trail it gives
    std::optional<std::string> reference;  // replaces the reference of every trail it gives
    // The rank of its trails, except where the source ranks them itself: files in
    // class folders by their folder, trails.csv rows by their reference column.
    SourceRank rank = SourceRank::Custom;
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
// Suricata categories files among the sources (recognised by content, or named
// IprepCategories) are read first, and every iprep file of the same call takes its
// categories from them, wherever they stand in the list.
TrailSet load_trails(const std::vector<TrailSource>& sources, LoadReport& report);

// The operator's paths: each one a TrailSource with nothing but its path (rank Custom).
TrailSet load_trails(const std::vector<std::filesystem::path>& paths, LoadReport& report);

}  // namespace spoor::trails
