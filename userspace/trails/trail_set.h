// The loaded trail set: every indicator, keyed by kind, pointing at a shared
// record of info and reference. Built by load_trails(); read by the BPF map
// builder (IP, CIDR, IP:port) and by later detection stages (names, URLs...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/address.h"

namespace spoor::trails {

// Kinds of indicator a trail line can hold (DESIGN.md "Trail line rules").
enum class IndicatorKind : std::uint8_t {
    Ip,           // exact IPv4 / IPv6 address
    IpPort,       // address and port, TCP or UDP
    Cidr,         // true prefix (a /32 or /128 is stored as Ip)
    Domain,       // exact name, matched with its parents
    RegexDomain,  // domain-shaped line with regex characters
    Url,          // URL or path, literal
    UserAgent,    // ua:<text>
    CertSha1,     // sha1:<hex>
    Ja3,          // ja3:<hex>
    Ja4,          // ja4:<fp>
};
inline constexpr std::size_t kIndicatorKinds = 10;
const char* kind_name(IndicatorKind kind);  // "ip", "ipport", "cidr", "domain", ...

// Where a trail came from, best first: on a conflict the better source keeps the info.
enum class SourceRank : std::uint8_t {
    Custom = 0,
    StaticMalware = 1,
    StaticMalicious = 2,
    StaticSuspicious = 3,
    StaticTop = 4,
    Feed = 5,
};

// Shared by every indicator with the same info and reference.
struct TrailRecord {
    std::string info;       // e.g. "asyncrat (malware)"
    std::string reference;  // e.g. "(static)", "(static) (+custom)"
    std::uint8_t severity =
        0;  // 1..3 as an operator set it (trails add); 0: from info and reference
};

struct Prefix {
    IpAddress addr;  // masked to len
    std::uint8_t len = 0;
    auto operator<=>(const Prefix&) const = default;
};
struct PrefixHash {
    std::size_t operator()(const Prefix& p) const noexcept;
};

struct IpPort {
    IpAddress addr;
    std::uint16_t port = 0;
    auto operator<=>(const IpPort&) const = default;
};
struct IpPortHash {
    std::size_t operator()(const IpPort& p) const noexcept;
};

// Indicator text -> record id, searchable with a string_view (no string built per lookup).
struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
        return std::hash<std::string_view>{}(text);
    }
};
using TextIndex = std::unordered_map<std::string, std::uint32_t, TextHash, std::equal_to<>>;

class TrailSet {
  public:
    // Indicator -> index into records().
    std::unordered_map<IpAddress, std::uint32_t, IpAddressHash> ips;
    std::unordered_map<Prefix, std::uint32_t, PrefixHash> cidrs;
    std::unordered_map<IpPort, std::uint32_t, IpPortHash> ipports;
    TextIndex domains;        // lower-case, no trailing dot
    TextIndex regex_domains;  // pattern text as listed
    TextIndex urls;           // as normalised by the line rules
    TextIndex user_agents;
    TextIndex cert_sha1;
    TextIndex ja3;
    TextIndex ja4;

    const std::vector<TrailRecord>& records() const { return records_; }
    const TrailRecord& record(std::uint32_t id) const { return records_.at(id); }

    std::size_t count(IndicatorKind kind) const;
    std::size_t total() const;  // all indicators of all kinds

    // Adds or merges one indicator (the loader's single entry point; also for tests).
    // On a conflict the better rank keeps the info (a tie keeps the first added);
    // the reference names every distinct source: "<winner ref> (+<other ref>)...".
    void add(IndicatorKind kind, const std::string& key, const TrailRecord& record,
             SourceRank rank);
    // `key` is the normalised indicator text: "1.2.3.4", "10.0.0.0/8", "1.2.3.4:80",
    // "[2001:db8::1]:443", "evil.com", "evil.com/path", ...

    // Where record `id` came from, for rules applied once every source is loaded (the feed
    // policy, feed_policy.h): the rank of its best source, and every distinct reference it
    // names, the winner's first. An indicator may be erased from its map afterwards; its
    // record then stays, unused.
    SourceRank rank(std::uint32_t id) const { return sources_.at(id).rank; }
    std::vector<std::string_view> references(std::uint32_t id) const;

  private:
    // What a record was built from. The rank lives here rather than per indicator:
    // records are interned by (info, reference, rank), so an indicator's rank is
    // its record's, at no cost per indicator.
    struct RecordSource {
        SourceRank rank = SourceRank::Feed;
        std::string own_reference;        // the winner's reference
        std::vector<std::string> others;  // other references, in the order met
    };

    std::uint32_t intern(const std::string& info, const std::string& own_reference,
                         std::vector<std::string> others, SourceRank rank, std::uint8_t severity);
    std::uint32_t merge(std::uint32_t current, const TrailRecord& record, SourceRank rank);
    template <typename Map, typename Key>
    void upsert(Map& map, Key&& key, const TrailRecord& record, SourceRank rank);

    std::vector<TrailRecord> records_;
    std::vector<RecordSource> sources_;                        // parallel to records_
    std::unordered_map<std::string, std::uint32_t> interned_;  // info \0 reference \0 rank
    // The loader adds runs of indicators with one record: remember the last one.
    std::uint32_t last_id_ = 0;
    bool has_last_ = false;
};

}  // namespace spoor::trails
