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
#include <cstring>
#include <optional>
#include <span>
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

    // Whether `name` (lower-case) contains one of the literals added. `label_starts` says
    // where its labels begin (0 first; a dot before each other), where the literals that
    // begin with a dot are looked for. The others are looked for a few bytes apart, the
    // shortest of them less two, which is why they are kept apart: a TLD such as ".pw" would
    // make the step one byte. Reads a word at a time: one byte past the name must be
    // readable (a std::string's terminator; the rest of the matcher's name buffers).
    bool may_match(std::string_view name, std::span<const std::uint8_t> label_starts) const;

  private:
    // Literals, by their 3-byte grams at the first `offsets` offsets into them: a bit per gram
    // turns most positions of a name away, the rest are compared.
    struct Grams {
        struct Entry {
            std::uint32_t literal;  // index into `literals`
            std::uint8_t offset;    // of the gram in the literal
        };
        std::vector<std::string> literals;
        std::size_t offsets = 1;
        std::array<std::uint64_t, 1024> bits{};  // 65,536 bits: 8 KiB; both tables fit L1
        std::unordered_map<std::uint32_t, std::vector<Entry>> entries;

        // Adds a literal at least offsets + 2 bytes long.
        void add(std::string literal);
        // Registers every literal again, at `offsets` offsets.
        void reindex(std::size_t offsets);
        // Whether a literal of these holds the 3 bytes of `name` at `at` where it says: the
        // bit inline, the rest (rarely needed) not.
        bool found(std::string_view name, std::size_t at) const {
            const std::uint32_t gram = gram_at(name.data() + at);
            return (bits[slot(gram) >> 6] >> (slot(gram) & 63) & 1) && compare(name, at, gram);
        }
        bool compare(std::string_view name, std::size_t at, std::uint32_t gram) const;

      private:
        void index(std::uint32_t literal);
    };
    // The three bytes at `p`, by one load of four (the fourth must be readable).
    static std::uint32_t gram_at(const char* p) {
        std::uint32_t word;
        std::memcpy(&word, p, sizeof(word));
        return word & 0xffffffu;  // little-endian: the first three bytes
    }
    static std::uint32_t slot(std::uint32_t gram) { return (gram * 0x9e3779b1u) >> 16; }

    Grams at_dots_;   // literals that begin with a dot, by their first gram
    Grams anywhere_;  // the others, by their first `offsets` grams: the step between probes
    bool always_ = false;
};

}  // namespace spoor::detect
