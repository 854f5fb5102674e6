// The operator's own changes to the trails, made with `spoor trails add|rm` while
// the sensor runs, kept in one file that every start and reload read again, and
// laid over whatever trails the sensor was given (TrailStore::layered):
//
//   # comment
//   <value>[<TAB><info>[<TAB><severity 1..3>]]   a trail of the operator's
//   !<value>                                       a listed trail never to alert on
//
// Values follow the trail line rules (an address, CIDR, address:port, domain,
// URL, or a typed ua:/sha1:/ja3:/ja4: value). The operator's trails rank as
// custom (reference "(custom)"), so they win over every list.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trails/loader.h"
#include "trails/trail_set.h"
#include "trails/trail_store.h"

namespace spoor::trails {

class CustomTrails {
  public:
    struct Trail {
        IndicatorKind kind;
        std::string key;  // as the line rules normalise it
        std::string info;
        std::uint8_t severity = 0;  // 0: from the info and reference
    };

    // Reads `file`; an absent file is an empty list. Malformed lines go to
    // report.malformed (file:line) and are skipped. Throws TrailLoadError when the file
    // exists but cannot be read.
    static CustomTrails load(const std::filesystem::path& file, LoadReport& report);

    // Adds or replaces a trail (and forgets a removal of it). Throws std::invalid_argument
    // saying why when the line rules refuse `value` or `severity` is past 3.
    void add(std::string_view value, std::string info, std::uint8_t severity);
    // Never alert on `value` again: the operator's trail goes, and a listed one is masked.
    // Throws std::invalid_argument as add() does.
    void remove(std::string_view value);

    // Writes the list through a temporary file renamed into place. Throws TrailLoadError.
    void save(const std::filesystem::path& file) const;

    const std::vector<Trail>& added() const { return added_; }
    const std::vector<std::pair<IndicatorKind, std::string>>& removed() const { return removed_; }
    bool empty() const { return added_.empty() && removed_.empty(); }

    // `base` with this list laid over it (itself when the list is empty).
    std::shared_ptr<const TrailStore> over(std::shared_ptr<const TrailStore> base) const;

  private:
    static ParsedLine parse(std::string_view value);

    std::vector<Trail> added_;
    std::vector<std::pair<IndicatorKind, std::string>> removed_;
};

}  // namespace spoor::trails
