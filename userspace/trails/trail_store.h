// The trails as every stage reads them: a compiled store (store_format.h),
// mapped from a file that `spoor trails compile` wrote, or built in memory from
// sources by the same writer. Read-only, searched in place, shared by every
// analysis thread; a reload makes a new one and the old one goes with its last
// reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/hashing.h"
#include "common/huge_array.h"
#include "proto/address.h"
#include "trails/store_format.h"
#include "trails/trail_set.h"

namespace spoor::trails {

inline constexpr std::uint32_t kNoRecord = 0xffffffffu;

// A store that cannot be used: the message names the file and what is wrong.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct RecordView {
    std::string_view info;
    std::string_view reference;
    std::uint8_t severity = 0;  // 0: derived from info and reference
};

// The hash of a domain key: its labels chained from the right, so that a matcher
// hashes all the parents of a name in one pass (the same chain, label by label).
std::uint64_t hash_domain(std::string_view domain);
// The hash an index of that kind of hash files `key` under.
std::uint64_t hash_key(store::KeyHash hash, std::string_view key);

// Keys searched with a string_view, without building a string.
using KeySet = std::unordered_set<std::string, TextHash, std::equal_to<>>;

// One indicator kind's hash table, as laid out in the store; in a layered store
// (TrailStore::layered) with the operator's own table in front of it and the keys
// the operator removed taken out.
class KeyIndex {
  public:
    KeyIndex() = default;

    std::size_t size() const {
        return entries_.size() - hidden_ + (overlay_ != nullptr ? overlay_->size() : 0);
    }
    std::uint64_t hash(std::string_view key) const { return hash_key(hash_, key); }

    // Only the Bloom filter's word: a key it turns away, the usual answer, never
    // touches the slots.
    void prefetch(std::uint64_t h) const {
        if (!bloom_.empty()) {
            __builtin_prefetch(&bloom_word(h));
        }
    }
    // False when the key of hash `h` is surely absent, the usual answer: the Bloom filters'
    // word alone, inline, so that a caller trying several keys calls find() only for the few
    // that may be here.
    bool may_hold(std::uint64_t h) const {
        return bloom_holds(h) | (overlay_ != nullptr && overlay_->bloom_holds(h));
    }
    // The key's record, or kNoRecord; `h` is hash(key).
    std::uint32_t find(std::string_view key, std::uint64_t h) const {
        if (overlay_ != nullptr) {
            if (const std::uint32_t r = overlay_->find(key, h); r != kNoRecord) {
                return r + overlay_records_;
            }
        }
        const std::uint32_t r = find_here(key, h);
        return r != kNoRecord && removed_ != nullptr && removed_->contains(key) ? kNoRecord : r;
    }
    std::uint32_t find(std::string_view key) const { return find(key, hash(key)); }

    // fn(key, record) for every key once: the base's in key order (but those the operator
    // removed or listed again), then the operator's.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const auto [key, record] = item(i);
            if (record != kNoRecord && !(hidden_ != 0 && hidden(key))) {
                fn(key, record);
            }
        }
        if (overlay_ != nullptr) {
            for (std::size_t i = 0; i < overlay_->entries_.size(); ++i) {
                const auto [key, record] = overlay_->item(i);
                fn(key, record + overlay_records_);
            }
        }
    }

  private:
    friend class TrailStore;
    struct Item {
        std::string_view key;
        std::uint32_t record;
    };
    Item item(std::size_t i) const;
    const std::uint64_t& bloom_word(std::uint64_t h) const {
        return bloom_[bloom::word(h, bloom_.size())];
    }
    bool bloom_holds(std::uint64_t h) const {
        return !bloom_.empty() && (bloom_word(h) & bloom::bits(h)) == bloom::bits(h);
    }
    std::uint32_t find_here(std::string_view key, std::uint64_t h) const;
    // A base key the operator removed, or listed again (the operator's record wins).
    bool hidden(std::string_view key) const {
        return (removed_ != nullptr && removed_->contains(key)) ||
               (overlay_ != nullptr && overlay_->find_here(key, hash(key)) != kNoRecord);
    }

    std::span<const store::Entry> entries_;
    std::span<const store::Slot> slots_;
    std::span<const std::uint64_t> bloom_;
    std::string_view strings_;
    store::KeyHash hash_ = store::KeyHash::Bytes;
    std::uint32_t records_ = 0;  // the store's record count: an entry naming more is damaged
    // Layered only: the operator's table, its records numbered after the base's, the base
    // keys taken out, and how many base keys are hidden (removed, or listed again).
    const KeyIndex* overlay_ = nullptr;
    std::uint32_t overlay_records_ = 0;
    const KeySet* removed_ = nullptr;
    std::size_t hidden_ = 0;
};

// The keys of the address kinds in the store: family, then the address in network
// order, with the prefix length or the port between them.
namespace store_keys {

struct Buffer {
    std::array<char, 20> bytes{};
    std::uint8_t size = 0;
    std::string_view view() const { return {bytes.data(), size}; }
};

Buffer ip(const IpAddress& addr);
Buffer prefix(const Prefix& prefix);  // addr masked to len
Buffer ip_port(const IpPort& ip_port);

// Back from a key, for `trails lookup` and for filling the kernel's maps; false for a
// key of another shape.
bool parse_ip(std::string_view key, IpAddress& out);
bool parse_prefix(std::string_view key, Prefix& out);
bool parse_ip_port(std::string_view key, IpPort& out);

}  // namespace store_keys

// A trail's key as the store's index of `kind` holds it, from its key as the trail line rules
// give it (TrailSet's): the binary form of the address kinds, a URL without trailing slashes.
std::string store_key(IndicatorKind kind, std::string_view key);

class TrailStore {
  public:
    // Maps a compiled store. Throws StoreError naming the file: unreadable, not a
    // store, another version, cut short, or a section out of bounds.
    static std::shared_ptr<const TrailStore> open(const std::filesystem::path& file);
    // A store image made by write_store_image(), kept in memory; `origin` names it in
    // errors and status.
    static std::shared_ptr<const TrailStore> from_image(std::vector<std::byte> image,
                                                        std::string origin);
    // `base` with the operator's own changes on top (trails add|rm), without copying it:
    // `custom`'s trails are found first (their records numbered after the base's), and a
    // base trail named in `removed` (kind and normalised key, as the trail line rules give
    // them) is found no more.
    static std::shared_ptr<const TrailStore> layered(
        std::shared_ptr<const TrailStore> base, const TrailSet& custom,
        const std::vector<std::pair<IndicatorKind, std::string>>& removed);
    // The file starts with the store's magic (cheap: reads 8 bytes).
    static bool is_store_file(const std::filesystem::path& file);

    ~TrailStore();
    TrailStore(const TrailStore&) = delete;
    TrailStore& operator=(const TrailStore&) = delete;

    const std::string& origin() const { return origin_; }
    std::size_t bytes() const { return image_.size(); }
    std::uint64_t created_unix_ns() const { return header().created_unix_ns; }
    bool mapped() const { return mapping_ != nullptr; }

    std::size_t record_count() const {
        return records_.size() + (overlay_ != nullptr ? overlay_->record_count() : 0);
    }
    // Throws std::out_of_range for an id the store does not hold.
    RecordView record(std::uint32_t id) const;

    const KeyIndex& index(IndicatorKind kind) const {
        return indexes_[static_cast<std::size_t>(kind)];
    }
    std::size_t count(IndicatorKind kind) const { return index(kind).size(); }
    std::size_t total() const;

    // kNoRecord when absent.
    std::uint32_t find_ip(const IpAddress& addr) const;
    std::uint32_t find_prefix(const Prefix& prefix) const;
    std::uint32_t find_ip_port(const IpPort& ip_port) const;

    // The lengths of the store's prefixes of one family (4 or 6), longest first: where an
    // address is looked up, most specific first, to find the prefixes that hold it.
    std::vector<std::uint8_t> prefix_lengths(std::uint8_t family) const;

    // fn(indicator, record) for every address, prefix or address and port, in key order.
    template <typename Fn>
    void for_each_ip(Fn&& fn) const {
        for_each_key<IpAddress>(IndicatorKind::Ip, store_keys::parse_ip, fn);
    }
    template <typename Fn>
    void for_each_prefix(Fn&& fn) const {
        for_each_key<Prefix>(IndicatorKind::Cidr, store_keys::parse_prefix, fn);
    }
    template <typename Fn>
    void for_each_ip_port(Fn&& fn) const {
        for_each_key<IpPort>(IndicatorKind::IpPort, store_keys::parse_ip_port, fn);
    }

    // What it was compiled from (JSON text written by the compiler), may be empty.
    std::string_view meta() const { return meta_; }
    // The regex domain trails compiled for detection (detect::compile_regex_domains); empty
    // when the store has none, or when the operator's trails laid over it change its regex
    // trails (the databases would not know them).
    std::span<const std::byte> regex_database() const { return regex_database_; }

  private:
    TrailStore() = default;
    // A key that does not parse (a damaged file) is skipped.
    template <typename Key, typename Parse, typename Fn>
    void for_each_key(IndicatorKind kind, Parse parse, Fn& fn) const {
        Key key{};
        index(kind).for_each([&](std::string_view text, std::uint32_t record) {
            if (parse(text, key)) {
                fn(key, record);
            }
        });
    }
    void bind();  // validates the image and sets the views below
    // Copies the slots and Bloom filters of the larger indexes into huge pages (file
    // mappings get none): a cold lookup then misses the cache but not also the TLB.
    void pin_hot_indexes();
    const store::Header& header() const;

    std::string origin_;
    std::shared_ptr<const TrailStore> base_;     // layered: the store whose image this reads
    std::shared_ptr<const TrailStore> overlay_;  // layered: the operator's trails
    std::array<KeySet, kIndicatorKinds> removed_;
    void* mapping_ = nullptr;  // the file's mapping, or null for an image in memory
    std::vector<std::byte> owned_;
    std::span<const std::byte> image_;
    std::span<const store::Record> records_;
    std::string_view strings_;
    std::string_view meta_;
    std::span<const std::byte> regex_database_;
    std::array<KeyIndex, kIndicatorKinds> indexes_;
    std::vector<HugeArray<store::Slot>> hot_slots_;
    std::vector<HugeArray<std::uint64_t>> hot_bloom_;
};

// Writes `set` as a store image. `meta` (JSON text) says what it was made of;
// `regex_database` is what detection compiled of the regex domain trails (may be empty).
std::vector<std::byte> write_store_image(const TrailSet& set, std::string_view meta,
                                         std::span<const std::byte> regex_database);

// `set` as a store kept in memory (without regex databases: the matcher compiles them).
std::shared_ptr<const TrailStore> store_of(const TrailSet& set, std::string_view meta = {});

// Writes an image to `file` through a temporary file in the same folder renamed into
// place, so that a reader sees the old store or the new one, never half of one.
// Throws StoreError naming the file.
void save_store_file(const std::filesystem::path& file, std::span<const std::byte> image);

}  // namespace spoor::trails
