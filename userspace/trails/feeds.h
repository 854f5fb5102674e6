// Feed definitions: one file per feed (`trails/feeds/*.conf`, docs/TRAIL_FORMATS.md
// "Feeds") saying where `spoor trails update` downloads it from, how it is read and whose
// it is. `key = value` lines, `#` comment lines:
//
//   name = feodo
//   url = https://feodotracker.abuse.ch/downloads/ipblocklist.csv
//   format = feodo
//   reference = (feodotracker.abuse.ch)
//   enabled = true
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "trails/loader.h"

namespace spoor::trails {

// A definition that cannot be used: the message names the file (and line) and why.
class FeedDefinitionError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct FeedDefinition {
    std::filesystem::path file;  // the definition, for messages
    // Names the cached copy and the file `--from` imports: letters, digits, `.`, `_`, `-`
    // (default: the definition's file name without extension).
    std::string name;
    std::string url;  // http:// or https://
    TrailFormat format = TrailFormat::List;
    std::optional<std::string> info;  // replaces the format's info of every trail
    // The feed's identity in the merge and the policy: every trail it gives carries it.
    // Default "(<name>)", so that two feeds never share one by accident.
    std::string reference;
    std::vector<std::string> headers;  // extra request headers, "Name: value" (API keys)
    bool enabled = false;              // a feed is fetched only once an operator says so
};

// Reads one definition. Throws FeedDefinitionError: file:line for a line that is not
// `key = value`, an unknown or repeated key, a bad value (format name, url scheme, name
// characters, enabled not true/false, a header without `:`, the reference `(custom)` or
// `(static)`, which belong to the operator's lists); the file alone when it cannot be
// read or lacks url or format.
FeedDefinition read_feed_definition(const std::filesystem::path& file);

// Every `*.conf` of `folder` (not its subfolders), sorted by file name. Throws
// FeedDefinitionError for a bad definition, two definitions of one name, or a folder
// that cannot be read.
std::vector<FeedDefinition> read_feed_definitions(const std::filesystem::path& folder);

}  // namespace spoor::trails
