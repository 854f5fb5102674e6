// A necessary condition in front of the regex domain trails. Hyperscan costs
// about 2.5 ns a byte on a short name here (70 ns for a typical one, most of a
// cold lookup), yet nearly every regex trail holds a literal that any match
// must contain ("backdates[0-9]{1,2}\.(com|net)" cannot match a name without
// "backdates"). required_literals() finds such literals; LiteralPrefilter tells
// whether a name holds one (a bit per 3-byte prefix turns most names away, the
// rest are compared). Only then is the name scanned; a pattern without a usable
// literal makes every name scanned, so the filter saves work, never a match.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spoor::detect {

// Literals (lower-cased, sorted) one of which every match of `pattern` contains,
// each at least `min_length` (and 3) long; nullopt when the pattern has no such set or uses
// syntax this reading does not know (then it must always be scanned).
std::optional<std::vector<std::string>> required_literals(std::string_view pattern,
                                                          std::size_t min_length = 3);

class LiteralPrefilter {
  public:
    // Adds a pattern's literals; a pattern without them (nullopt) makes may_match() always true.
    void add(const std::optional<std::vector<std::string>>& literals);

    // Whether `name` (lower-case) contains one of the literals added.
    bool may_match(std::string_view name) const;

  private:
    static std::uint32_t slot(std::uint32_t gram) { return (gram * 0x9e3779b1u) >> 16; }

    std::array<std::uint64_t, 1024> bits_{};  // 65,536 bits: 8 KiB, in L1 with room to spare
    std::unordered_map<std::uint32_t, std::vector<std::string>> by_gram_;
    bool always_ = false;
};

}  // namespace spoor::detect
