// The layout of a compiled trail store (`spoor trails compile`): one file that
// `run` and `replay` map read-only and search in place, with nothing to parse.
//
//   Header | Section[count] | sections, each 64-byte aligned
//
// Sections: Records (interned info/reference/severity), Strings (every text and
// key the others point into), Meta (JSON: what was compiled from), one Index per
// indicator kind, and optionally RegexDatabase (the regex domain trails as
// serialised Hyperscan databases, read by detection, opaque here).
//
// An Index is a hash table over the kind's keys:
//   IndexHeader | Entry[entry_count] (sorted by key) | Slot[slot_count] | Bloom words
// A key's 64-bit hash picks its first slot (low bits, linear probing) and its
// tag (high half); the Bloom filter (common/hashing.h) in front answers most
// absent keys in one memory access. Keys are text, but for the address kinds
// (store_keys in trail_store.h): the family byte and the address in network
// order, with the prefix length or the port.
//
// Little-endian, as the machines it runs on; a file of another version or one
// cut short is refused with a message, never read.
#pragma once

#include <array>
#include <cstdint>

namespace spoor::trails::store {

inline constexpr std::array<char, 8> kMagic = {'S', 'P', 'O', 'O', 'R', 'T', 'S', '\n'};
// 2: Bloom filters of three bits a key in 12 (common/hashing.h); 1 had two in 8.
inline constexpr std::uint32_t kVersion = 2;
inline constexpr std::uint32_t kAlign = 64;
inline constexpr std::uint32_t kNoEntry = 0xffffffffu;

struct Header {
    std::array<char, 8> magic;
    std::uint32_t version;
    std::uint32_t section_count;  // Section entries right after the header
    std::uint64_t file_size;
    std::uint64_t created_unix_ns;  // when it was compiled
    std::uint64_t indicators;       // in all indexes
    std::uint32_t records;
    std::uint32_t reserved[5];
};
static_assert(sizeof(Header) == 64);

enum class SectionId : std::uint32_t {
    Records = 1,
    Strings = 2,
    Meta = 3,
    Index = 4,  // `kind` says which IndicatorKind
    RegexDatabase = 5,
};

struct Section {
    SectionId id;
    std::uint32_t kind;  // IndicatorKind for an Index, else 0
    std::uint64_t offset;
    std::uint64_t size;
};
static_assert(sizeof(Section) == 24);

struct Record {
    std::uint32_t info_offset;  // into Strings
    std::uint32_t reference_offset;
    std::uint16_t info_size;
    std::uint16_t reference_size;
    std::uint8_t severity;  // 1..3 as the operator set it; 0: derived from info and reference
    std::uint8_t reserved[3];
};
static_assert(sizeof(Record) == 16);

// How an index hashes its keys.
enum class KeyHash : std::uint32_t {
    Bytes = 0,   // hash_string() of the key
    Labels = 1,  // hash_domain(): labels chained from the right, so that one pass over a
                 // name gives the hashes of all its parents
};

struct IndexHeader {
    std::uint32_t kind;  // IndicatorKind
    KeyHash hash;
    std::uint64_t entry_count;
    std::uint64_t slot_count;  // a power of two, at least 1.5 times entry_count
    std::uint64_t bloom_words;
};
static_assert(sizeof(IndexHeader) == 32);

struct Entry {
    std::uint32_t key_offset;  // into Strings
    std::uint32_t key_size;
    std::uint32_t record;
    std::uint32_t reserved;
};
static_assert(sizeof(Entry) == 16);

struct Slot {
    std::uint32_t tag;    // high half of the key's hash
    std::uint32_t entry;  // kNoEntry when free
};
static_assert(sizeof(Slot) == 8);

}  // namespace spoor::trails::store
