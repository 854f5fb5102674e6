// Maltrail's rules for matching a DNS name (or an HTTP Host / TLS SNI later)
// against domain trails: exact then parents, regex domains (Hyperscan), the
// whitelist, internal names, and a bounded cache of names that matched nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/dns.h"
#include "trails/trail_set.h"
#include "trails/trail_store.h"
#include "trails/whitelist.h"

namespace spoor::detect {

struct DomainMatcherConfig {
    // Never matched: the names themselves and everything under them.
    std::vector<std::string> internal_suffixes = {"intranet",  "lan",          "home.arpa", "local",
                                                  "localhost", "in-addr.arpa", "ip6.arpa"};
    std::size_t negative_cache_entries = 65536;
};

// Which rule found a trail for a name.
enum class DomainRule : std::uint8_t {
    Exact,     // the name is the trail
    Parent,    // a parent of the name is ("(a.b).evil.com")
    Embedded,  // a name inside it is: "x.onion(.gateway)", "x(.ip-adress.com)"
    Regex,     // a regex domain trail matched
};
const char* rule_name(DomainRule rule);  // "exact", "parent", "embedded", "regex"

struct DomainMatch {
    std::string trail;        // as shown in alerts: "(a.b).evil.com", "x.onion(.gateway)", ...
    std::uint32_t record_id;  // the store's record of the trail that matched
    DomainRule rule = DomainRule::Exact;
};

struct DomainMatcherStats {
    std::uint64_t lookups = 0;
    std::uint64_t cache_hits = 0;  // names answered by the negative cache: benign, internal
                                   // or an address
    std::uint64_t whitelisted = 0;
    std::uint64_t matches = 0;

    DomainMatcherStats& operator+=(const DomainMatcherStats& other) {
        lookups += other.lookups;
        cache_hits += other.cache_hits;
        whitelisted += other.whitelisted;
        matches += other.matches;
        return *this;
    }
};

class DomainMatcher {
  public:
    // Takes the regex domain trails' databases from the store when it carries them
    // (compile_regex_domains), else compiles them once, all together, for Hyperscan. A pattern
    // Hyperscan refuses is logged (a warning naming it) and left out: one bad line does not
    // cost the other trails. Throws std::invalid_argument without trails, std::runtime_error
    // when Hyperscan fails for the set as a whole.
    DomainMatcher(std::shared_ptr<const trails::TrailStore> trails,
                  std::shared_ptr<const trails::Whitelist> whitelist, DomainMatcherConfig config);
    // A matcher for another thread: the same tables (shared, read-only), a cache of its own.
    DomainMatcher(const DomainMatcher& tables_of, std::size_t negative_cache_entries);
    ~DomainMatcher();
    DomainMatcher(const DomainMatcher&) = delete;  // share with the constructor above
    DomainMatcher& operator=(const DomainMatcher&) = delete;

    // Normalises `name` (lower-case, trailing dot and ":port" stripped, validated) and applies
    // the rules; nullopt when nothing matches or a rule says not to alert.
    std::optional<DomainMatch> match(std::string_view name);
    // The same for a name as the DNS parser decodes it (lower-cased, labels found), which
    // skips normalising: what costs most in the lookup of a name the cache holds. Its hashes
    // read whole words of the name's buffer, past its end too: a DnsName's text must have
    // been initialised (a DnsMessage value-initialised once, then parsed into again and again).
    std::optional<DomainMatch> match(const proto::DnsName& name);

    // Where a name sits in this matcher's negative cache: its two buckets and its keyed tag.
    // Valid for this matcher only.
    struct NameKey {
        std::uint32_t first = 0, second = 0;
        std::uint32_t tag = 0;  // never 0, which marks a free way
    };
    // A name's lookup in three steps, which a caller that knows its next names (the DNS
    // detector does) runs a few records apart: what each step fetches then arrives while
    // the records in between are worked on, and a benign name's lookup reads only lines
    // already in the L1 cache.
    //   1. The name's key; its negative cache lines fetched.
    //   2. Those lines read; for a name they do not hold, the hashes of its suffixes (up to
    //      kProbedLabels labels) computed and their Bloom words fetched.
    //   3. The rest, with what the steps before found.
    // advance() takes the next of the first two (nothing past them); match() takes the
    // lookup from where it stands (from the start when no step was taken). Valid for this
    // matcher only.
    static constexpr std::size_t kProbedLabels = 8;
    struct Lookup {
        std::uint8_t steps = 0;  // taken: 0, 1 (`key`) or 2 (`cached`, and `hashes` if not)
        NameKey key;
        bool cached = false;  // the negative cache held the name at step 2
        std::array<std::uint64_t, kProbedLabels> hashes;
    };
    void advance(const proto::DnsName& name, Lookup& lookup) const {
        // Inline: where a caller's call sites each take one step, the branch is theirs and
        // predicted (one function branching on the step cost a warm lookup 2 ns).
        if (lookup.steps == 0) {
            take_first_step(name, lookup);
        } else if (lookup.steps == 1) {
            take_second_step(name, lookup);
        }
    }
    std::optional<DomainMatch> match(const proto::DnsName& name, const Lookup& lookup);

    const DomainMatcherStats& stats() const { return stats_; }

  private:
    void take_first_step(const proto::DnsName& name, Lookup& lookup) const;
    void take_second_step(const proto::DnsName& name, Lookup& lookup) const;

    struct Impl;
    std::unique_ptr<Impl> impl_;
    DomainMatcherStats stats_;
};

// The regex domain trails of `set` compiled as DomainMatcher uses them, serialised for a
// compiled store (trails::write_store_image): a matcher over that store starts without
// compiling them again.
std::vector<std::byte> compile_regex_domains(const trails::TrailSet& set);

}  // namespace spoor::detect
