// A necessary condition in front of the regex domain trails. Hyperscan costs
// about 2.5 ns a byte on a short name here (70 ns for a typical one, most of a
// cold lookup), yet nearly every regex trail holds a literal that any match
// must contain ("backdates[0-9]{1,2}\.(com|net)" cannot match a name without
// "backdates"). required_literals() finds such literals; LiteralPrefilter tells
// whether a name holds one. Only then is the name scanned; a pattern without a
// usable literal makes every name scanned, so the filter saves work, never a match.
#pragma once

#include <emmintrin.h>

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
// syntax this reading does not know (then it must always be scanned). A literal that begins
// with a dot is at a label's start: after a dot, or at the name's start without the dot; a
// literal that begins the pattern is given so ("backdates[0-9]\.com" gives ".backdates"), as
// the matcher anchors patterns at a label's start.
std::optional<std::vector<std::string>> required_literals(std::string_view pattern,
                                                          std::size_t min_length = 3);

class LiteralPrefilter {
  public:
    // Adds a pattern's literals; a pattern without them (nullopt), or with one shorter than 3
    // bytes (which required_literals() never gives), makes may_match() always true.
    void add(const std::optional<std::vector<std::string>>& literals);

    // Whether `name` (lower-case) contains one of the literals added. `label_starts` says where its
    // labels begin (0 first; a dot before each other), where the literals that begin with a dot are
    // looked for: on real trails, all but a few. The few others are looked for at every position at
    // once, by their first two bytes in SSE2, and many others a few bytes apart (see Grams). Reads
    // whole vectors: the name must lie at the start of a buffer of kBufferBytes, all readable (the
    // matcher's).
    static constexpr std::size_t kBufferBytes = 256;
    bool may_match(std::string_view name, std::span<const std::uint8_t> label_starts) const;

  private:
    // Literals, by their 3-byte grams at the first `offsets` offsets into them: a bit per gram
    // turns most positions of a name away, the rest are compared. When more than
    // kPairedLiterals may begin anywhere, they are probed so a few bytes apart, the shortest
    // of them less two, which is why those that begin a label are kept apart: a TLD such as
    // ".pw" would make the step one byte.
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
        // Registers every literal again, at `new_offsets` offsets.
        void reindex(std::size_t new_offsets);
        // Whether a literal of these holds the 3 bytes of `name` at `at` where it says: the
        // bit inline, the rest (rarely needed) not.
        bool found(std::string_view name, std::size_t at) const {
            const std::uint32_t gram = gram_at(name.data() + at);
            return has(gram) && compare(name, static_cast<std::ptrdiff_t>(at), gram);
        }
        // Whether a literal that begins with a dot begins the name, without its dot: its gram
        // at -1, a dot before the name's first two bytes.
        bool found_at_start(std::string_view name) const {
            const std::uint32_t gram = ('.' | gram_at(name.data()) << 8) & 0xffffffu;
            return has(gram) && compare(name, -1, gram);
        }
        bool has(std::uint32_t gram) const {
            return bits[slot(gram) >> 6] >> (slot(gram) & 63) & 1;
        }
        // Whether a literal of `gram`'s entries is in `name` with the gram at `at` (-1: a dot
        // before the name).
        bool compare(std::string_view name, std::ptrdiff_t at, std::uint32_t gram) const;

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

    // Up to this many distinct literals found anywhere are looked for at every position at
    // once.
    static constexpr std::size_t kPairedLiterals = 8;
    // A first byte and a second, each in every lane.
    struct Pair {
        __m128i first, second;
    };
    // Counts a literal of anywhere_ among the paired ones if it is new, and pairs_ again from
    // their first two bytes; none past kPairedLiterals.
    void pair(const std::string& literal);
    // Whether a literal of anywhere_ begins at a position of `name` where one of `pairs_` does.
    bool found_by_pairs(std::string_view name) const;

    Grams at_labels_;  // literals that begin with a dot, by their first gram
    Grams anywhere_;   // the others, by their first `offsets` grams: the step between probes
    std::vector<std::string> paired_;  // anywhere_'s distinct literals, up to one too many
    std::vector<Pair> pairs_;          // their first two bytes, each once, while few enough
    bool always_ = false;
};

}  // namespace spoor::detect
