// Maltrail's DNS heuristics over decoded names, on packet time:
//  - DNS exhaustion ("water torture"): more than N distinct subdomains of one base within a
//    window, the signature of random-subdomain floods against a zone's name servers;
//  - excessive NXDOMAIN: more than N "no such name" answers for one name, or for any name under
//    one base, within a window (a bot walking its domain list, a broken tunnel);
//  - DGA: an NXDOMAIN for a two-label name whose first label looks random (entropy, consonants);
//  - long domain: a query whose first label is very long (DNS tunnels, encoded data).
// Windows slide: an item seen at t counts at time `now` while now - t < window. Repeated alerts
// for one key are held back for a window after the last one. Every table is bounded (keys: least
// recently seen forgotten and counted; items per key: oldest forgotten and counted) and keys
// whose items have all expired are dropped as time moves on, so memory follows the traffic of
// the last window, never the whole capture.
//
// Memory at the bounds: the exhaustion table holds at most max_keys bases of at most
// max_items_per_key subdomains, 16 bytes each (a hash and a time: the text is not kept); with
// the defaults that is 50,000 x 1,024 x 16 B = 800 MB, but reaching it takes 51 million distinct
// names within one exhaustion window (60 s), since idle bases expire. The NXDOMAIN tables keep
// for each key its name and its last nxdomain_answers + 1 answers, 16 bytes each (under 1 KB a
// name key: 50 MB at 50,000), and for a base up to kShownPrefixes prefix texts as well (under
// 4 KB even when all ten are 250 characters long: 200 MB at 50,000, reached only by an hour of
// NXDOMAIN answers for long random names under 50,000 bases).
//
// The alerts carry no `dns` object: the caller holds the message (id, type) and may attach it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/alert.h"
#include "proto/dns.h"
#include "proto/packet.h"

namespace spoor::detect {

struct DnsHeuristicsConfig {
    std::uint64_t exhaustion_window_ns = 60'000'000'000;
    // More than this many distinct subdomains of one base within the window -> one alert
    // (DESIGN.md "Thresholds": it fires on the 1,001st distinct subdomain by default).
    std::size_t exhaustion_subdomains = 1000;
    std::uint64_t nxdomain_window_ns = 3'600'000'000'000;
    // More than this many NXDOMAIN answers for one name, or for "*.base", within the window.
    std::size_t nxdomain_answers = 20;
    // DGA: NXDOMAIN for a two-label name without '-' whose first label's Shannon entropy (bits
    // per character) is above this...
    double entropy_bits = 3.5;
    // ... or else that holds more than this many consonants (letters other than a, e, i, o, u;
    // 'y' counts, as in Maltrail: in random labels it is one more letter among 21).
    std::size_t consonants = 9;
    // A query whose first label is longer than this, without '-'.
    std::size_t long_label = 24;
    // Keys per table (bases for exhaustion, names and bases for NXDOMAIN); when full, the key
    // seen least recently is forgotten (counted).
    std::size_t max_keys = 50'000;
    // Items remembered per key: distinct subdomains of a base, answer times of an NXDOMAIN key.
    // Must be above exhaustion_subdomains and nxdomain_answers, or the count could never pass
    // them: validate() says so and the constructor refuses such a configuration.
    std::size_t max_items_per_key = 1024;
    // Distinct subdomains remembered over all bases (16 bytes each): without it the bound
    // would be max_keys * max_items_per_key (51 million). When full, the base seen least
    // recently other than the one at hand is forgotten (counted in keys_evicted).
    std::size_t max_items = 262'144;
    bool exhaustion = true, nxdomain = true, dga = true, long_domain = true;
};

struct DnsHeuristicsStats {
    std::uint64_t exhaustion_keys = 0;     // bases tracked now
    std::uint64_t nxdomain_name_keys = 0;  // names tracked now
    std::uint64_t nxdomain_base_keys = 0;  // "*.base" tracked now
    std::uint64_t keys_evicted = 0;        // forgotten while active because a table was full
    std::uint64_t items_evicted = 0;       // a key's oldest subdomain forgotten (key was full)
    std::uint64_t keys_expired = 0;        // dropped once all their items were out of the window
    std::uint64_t alerts = 0;
};

class DnsHeuristics {
  public:
    // Distinct prefixes written in the trail of a "*.base" NXDOMAIN alert, the most recent ones,
    // sorted; a trailing "..." element says more were seen.
    static constexpr std::size_t kShownPrefixes = 10;

    // Why `config` cannot work, or empty when it can.
    static std::string validate(const DnsHeuristicsConfig& config);
    // Throws std::invalid_argument with validate()'s message.
    explicit DnsHeuristics(DnsHeuristicsConfig config);
    DnsHeuristics(const DnsHeuristics&) = delete;  // its tables report drops to it
    DnsHeuristics& operator=(const DnsHeuristics&) = delete;

    // A query's name (class IN, as the parser decoded it: lower-case; only names valid as host
    // names are passed). Exhaustion and long domain.
    void on_query(const proto::DnsName& name, const proto::Packet& packet,
                  std::uint64_t timestamp_ns, std::string_view in_iface, std::vector<Alert>& out);
    // A response with rcode NXDOMAIN for `name` (the question). Excessive NXDOMAIN and DGA.
    void on_nxdomain(const proto::DnsName& name, const proto::Packet& packet,
                     std::uint64_t timestamp_ns, std::string_view in_iface,
                     std::vector<Alert>& out);

    DnsHeuristicsStats stats() const;

  private:
    // Keys (names, bases) with their state, most recently seen first. Keys are attacker-chosen,
    // so the index hashes them with a per-instance secret seed (no crafted collision chains).
    template <typename Value>
    class RecentTable {
      public:
        RecentTable(std::size_t capacity, std::uint64_t seed)
            : capacity_(capacity), index_(16, Hash{seed}) {}

        // The state of `key`, made when absent (evicting the least recently seen key when
        // full), marked as seen at `now`.
        Value& touch(std::string_view key, std::uint64_t now);
        // Forgets the key seen least recently, unless it is the only one (counted as evicted).
        bool evict_oldest();
        // Called with the state of every key the table forgets.
        void on_drop(std::function<void(const Value&)> dropped) { dropped_ = std::move(dropped); }
        // Drops the keys last seen `window` or more before `now`: their items no longer count
        // and their alerts are no longer held back, so nothing is lost.
        void expire(std::uint64_t now, std::uint64_t window);

        std::size_t size() const { return index_.size(); }
        std::uint64_t evicted() const { return evicted_; }
        std::uint64_t expired() const { return expired_; }

      private:
        struct Entry {
            std::string key;
            std::uint64_t last_seen = 0;
            Value value;
        };
        struct Hash {
            std::uint64_t seed;
            std::size_t operator()(std::string_view s) const noexcept;
        };
        using Iterator = typename std::list<Entry>::iterator;

        std::size_t capacity_;
        std::list<Entry> order_;  // most recently seen first; nodes never move, keys stay put
        std::unordered_map<std::string_view, Iterator, Hash> index_;  // views into order_'s keys
        std::uint64_t evicted_ = 0;
        std::uint64_t expired_ = 0;
        std::function<void(const Value&)> dropped_;

        void drop_oldest();
    };

    // Distinct subdomains of one base: hashes and when each was last seen.
    struct Subdomains {
        std::vector<std::uint64_t> hashes;
        std::vector<std::uint64_t> seen;
        std::uint64_t oldest = 0;  // at most min(seen): purging is needed only once it expires
        std::optional<std::uint64_t> alerted_at;
    };
    // The latest answers (up to nxdomain_answers + 1) of an NXDOMAIN key, oldest at `next` once
    // full; for a base, which prefix each answer was for.
    struct Answers {
        struct Answer {
            std::uint64_t at = 0;
            std::uint64_t prefix = 0;  // hash of the prefix ("*.base" keys only)
        };
        struct Shown {
            std::string text;
            std::uint64_t hash = 0;
            std::uint64_t seen = 0;
        };
        std::vector<Answer> ring;
        std::size_t next = 0;
        std::vector<Shown> shown;  // "*.base" keys: the most recently seen distinct prefixes
        std::optional<std::uint64_t> alerted_at;
    };

    std::uint64_t advance(std::uint64_t timestamp_ns);
    std::uint64_t hash(std::string_view text) const;
    bool subdomain_flood(std::string_view base, std::string_view subdomain, std::uint64_t now);
    bool excessive(Answers& answers, std::uint64_t now, std::uint64_t prefix) const;
    static std::string wildcard_trail(const Answers& answers, std::uint64_t now,
                                      std::uint64_t window, std::string_view base);
    void emit(const char* heuristic, std::string trail, const char* info,
              const proto::Packet& packet, std::uint64_t timestamp_ns, std::string_view in_iface,
              std::vector<Alert>& out);

    DnsHeuristicsConfig config_;
    std::uint64_t seed_;
    std::uint64_t now_ = 0;  // latest packet time seen: windows never run backwards
    RecentTable<Subdomains> subdomains_;
    RecentTable<Answers> nx_names_;
    RecentTable<Answers> nx_bases_;
    std::uint64_t items_evicted_ = 0;
    std::size_t subdomain_items_ = 0;  // over all bases, at most config_.max_items
    std::uint64_t alerts_ = 0;
};

// The registrable part of a name as these heuristics see it: its last two labels, or three when
// the second-level label is a public-suffix style one under a two-letter country code ("co.uk",
// "com.au", "ac.jp"). Empty for a name of fewer than two labels.
std::string_view dns_base(const proto::DnsName& name);
// DNSBL-style and reverse-address names: the first four labels are numbers 0-255 (a reversed
// IPv4 address: "4.3.2.1.zen.spamhaus.org").
bool dns_reversed_ipv4(const proto::DnsName& name);
// Shannon entropy of `label`'s characters, in bits per character (0 for an empty label).
double label_entropy(std::string_view label);
// Letters of `label` other than a, e, i, o, u ('y' counts).
std::size_t label_consonants(std::string_view label);

}  // namespace spoor::detect
