// What `spoor trails update` does to the trails of downloaded feeds once every source is
// loaded (docs/TRAIL_FORMATS.md "Feeds"): addresses in bogon or CDN ranges go, and an
// address that only feeds name needs several of them. Trails of lists an operator gives
// (static, custom, any --trails source) are never touched: an internal blacklist of
// private addresses is legitimate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "trails/trail_set.h"

namespace spoor::trails {

// A ranges file that cannot be used: the message names the file (and line).
class FeedPolicyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// IPv4 and IPv6 prefixes, asked whether an address lies in one of them or a prefix
// overlaps one.
class AddressRanges {
  public:
    void add(const Prefix& prefix);
    // Adds the prefixes of a file: one a line (`a.b.c.d/n`, `v6/n`, or an address for
    // its /32 or /128), `#` comments, blank lines; Maltrail's cdn_ranges.txt is such a
    // file. Throws FeedPolicyError naming file:line for any other line, and naming the
    // file when it cannot be read: a policy read in part would keep what it should drop.
    void load(const std::filesystem::path& file);

    bool contains(const IpAddress& addr) const;
    // `prefix` lies inside a range, or holds one.
    bool overlaps(const Prefix& prefix) const;
    std::size_t size() const { return prefixes_.size(); }

  private:
    static std::size_t family_index(const IpAddress& addr) { return addr.is_v4() ? 0 : 1; }

    std::unordered_set<Prefix, PrefixHash> prefixes_;
    std::array<std::vector<std::uint8_t>, 2> lengths_;  // distinct lengths, per family
};

// Address space no public host holds: the special-purpose registries of RFC 6890 (as
// IANA keeps them, with later RFCs' entries) that are not globally reachable, plus
// multicast and the reserved 240/4. Facts from the RFCs; the list is in the .cpp.
const AddressRanges& bogon_ranges();

struct FeedPolicy {
    // The references of the downloaded feeds: a feed's identity. A trail is a feed's
    // own when every reference it names is one of these; naming any other (a static
    // list, a custom list, a trails.csv of the operator's) exempts it.
    std::vector<std::string> feed_references;
    AddressRanges cdn;
    // An address (Ip and IpPort trails of it together) that only feeds name must be
    // named by at least this many distinct feeds.
    std::size_t min_feeds = 3;
};

// Indicators dropped, by the first rule that dropped them.
struct FeedPolicyReport {
    std::size_t bogon = 0;          // Ip / IpPort inside a bogon range, CIDR overlapping one
    std::size_t cdn = 0;            // the same for CDN ranges
    std::size_t too_few_feeds = 0;  // Ip / IpPort of an address named by too few feeds
    std::size_t total() const { return bogon + cdn + too_few_feeds; }
};

// Applies the policy to the Ip, IpPort and Cidr trails that are feeds' own (see
// FeedPolicy), in this order: bogon ranges, CDN ranges, then the count of feeds naming
// the address. CIDR trails are not counted: a feed lists a prefix on purpose (a hoster's
// network), and other feeds rarely list the very same prefix. Other kinds are kept.
FeedPolicyReport apply_feed_policy(TrailSet& set, const FeedPolicy& policy);

}  // namespace spoor::trails
