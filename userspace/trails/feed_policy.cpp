#include "trails/feed_policy.h"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "common/text.h"
#include "trails/keys.h"

namespace spoor::trails {

namespace {

// Not globally reachable, per the IANA special-purpose address registries that RFC 6890
// set up (the RFC named is the one that assigned each block), plus multicast, which no
// host answers from.
constexpr const char* kBogons[] = {
    "0.0.0.0/8",        // "this network" (RFC 791, RFC 6890)
    "10.0.0.0/8",       // private use (RFC 1918)
    "100.64.0.0/10",    // shared address space, carrier-grade NAT (RFC 6598)
    "127.0.0.0/8",      // loopback (RFC 1122)
    "169.254.0.0/16",   // link local (RFC 3927)
    "172.16.0.0/12",    // private use (RFC 1918)
    "192.0.0.0/24",     // IETF protocol assignments (RFC 6890)
    "192.0.2.0/24",     // documentation, TEST-NET-1 (RFC 5737)
    "192.88.99.0/24",   // 6to4 relay anycast, deprecated (RFC 7526)
    "192.168.0.0/16",   // private use (RFC 1918)
    "198.18.0.0/15",    // benchmarking (RFC 2544)
    "198.51.100.0/24",  // documentation, TEST-NET-2 (RFC 5737)
    "203.0.113.0/24",   // documentation, TEST-NET-3 (RFC 5737)
    "224.0.0.0/4",      // multicast (RFC 5771)
    "240.0.0.0/4",      // reserved (RFC 1112), with limited broadcast (RFC 919)
    "::/128",           // unspecified (RFC 4291)
    "::1/128",          // loopback (RFC 4291)
    "::ffff:0:0/96",    // IPv4-mapped (RFC 4291): never on the wire
    "64:ff9b:1::/48",   // local-use IPv4/IPv6 translation (RFC 8215)
    "100::/64",         // discard-only (RFC 6666)
    "2001:2::/48",      // benchmarking (RFC 5180)
    "2001:10::/28",     // ORCHID, deprecated (RFC 4843)
    "2001:db8::/32",    // documentation (RFC 3849)
    "3fff::/20",        // documentation (RFC 9637)
    "5f00::/16",        // segment routing SIDs (RFC 9602)
    "fc00::/7",         // unique local (RFC 4193)
    "fe80::/10",        // link-local unicast (RFC 4291)
    "fec0::/10",        // site-local, deprecated (RFC 3879)
    "ff00::/8",         // multicast (RFC 4291)
};

// A prefix, or an address as its /32 or /128.
bool parse_range(std::string_view text, Prefix& out) {
    if (keys::parse_prefix(text, out) == keys::Parse::Ok) {
        return true;
    }
    if (text.find('/') != std::string_view::npos) {
        return false;
    }
    const auto addr = IpAddress::parse(text);
    if (!addr) {
        return false;
    }
    out = Prefix{*addr, static_cast<std::uint8_t>(addr->bits())};
    return true;
}

// What the policy knows of one record: whether it is the feeds' own, and which feeds.
class RecordOrigins {
  public:
    RecordOrigins(const TrailSet& set, const FeedPolicy& policy)
        : set_(set), known_(set.records().size(), 0) {
        feeds_.insert(policy.feed_references.begin(), policy.feed_references.end());
    }

    bool feeds_own(std::uint32_t id) {
        std::uint8_t& known = known_[id];
        if (known == 0) {
            known = feeds_own_uncached(id) ? 2 : 1;
        }
        return known == 2;
    }

  private:
    bool feeds_own_uncached(std::uint32_t id) const {
        // A better rank than Feed means an operator's list gave it.
        if (set_.rank(id) != SourceRank::Feed) {
            return false;
        }
        const auto references = set_.references(id);
        return std::all_of(references.begin(), references.end(),
                           [this](std::string_view r) { return feeds_.contains(r); });
    }

    const TrailSet& set_;
    std::unordered_set<std::string, TextHash, std::equal_to<>> feeds_;
    std::vector<std::uint8_t> known_;  // per record: 0 not yet asked, 1 no, 2 yes
};

// Who names an address that some feed names: the distinct feeds, and whether any
// operator's list names it too (then it needs no corroboration).
struct Corroboration {
    std::vector<std::string_view> feeds;
    bool operator_named = false;
};

}  // namespace

void AddressRanges::add(const Prefix& prefix) {
    const Prefix masked{prefix.addr.masked(prefix.len), prefix.len};
    prefixes_.insert(masked);
    auto& lengths = lengths_[family_index(masked.addr)];
    if (std::find(lengths.begin(), lengths.end(), masked.len) == lengths.end()) {
        lengths.push_back(masked.len);
    }
}

void AddressRanges::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw FeedPolicyError(file.string() + ": cannot read ranges file");
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = line;
        text = trim(text.substr(0, text.find('#')));
        if (text.empty()) {
            continue;
        }
        Prefix prefix;
        if (!parse_range(text, prefix)) {
            throw FeedPolicyError(file.string() + ":" + std::to_string(number) +
                                  ": not an address or prefix: '" + std::string(text) + "'");
        }
        add(prefix);
    }
    if (in.bad()) {
        throw FeedPolicyError(file.string() + ": read error");
    }
}

bool AddressRanges::contains(const IpAddress& addr) const {
    for (const std::uint8_t len : lengths_[family_index(addr)]) {
        if (prefixes_.contains(Prefix{addr.masked(len), len})) {
            return true;
        }
    }
    return false;
}

bool AddressRanges::overlaps(const Prefix& prefix) const {
    for (const std::uint8_t len : lengths_[family_index(prefix.addr)]) {
        if (len <= prefix.len && prefixes_.contains(Prefix{prefix.addr.masked(len), len})) {
            return true;
        }
    }
    // Ranges longer than the prefix: one of them inside it. Feeds list few prefixes, so a
    // walk over the ranges per prefix costs little.
    return std::any_of(prefixes_.begin(), prefixes_.end(), [&prefix](const Prefix& range) {
        return range.addr.family == prefix.addr.family && range.len > prefix.len &&
               range.addr.masked(prefix.len) == prefix.addr;
    });
}

const AddressRanges& bogon_ranges() {
    static const AddressRanges ranges = [] {
        AddressRanges built;
        for (const char* text : kBogons) {
            Prefix prefix;
            keys::parse_prefix(text, prefix);
            built.add(prefix);
        }
        return built;
    }();
    return ranges;
}

FeedPolicyReport apply_feed_policy(TrailSet& set, const FeedPolicy& policy) {
    FeedPolicyReport report;
    RecordOrigins origins(set, policy);
    const AddressRanges& bogons = bogon_ranges();

    // First the addresses that some feed names, then who else names them: only those are
    // counted, so a large static set costs one lookup per address.
    std::unordered_map<IpAddress, Corroboration, IpAddressHash> named;
    const auto count_feeds = [&](const IpAddress& addr, std::uint32_t id) {
        if (!origins.feeds_own(id)) {
            return;
        }
        auto& feeds = named[addr].feeds;
        for (const std::string_view reference : set.references(id)) {
            if (std::find(feeds.begin(), feeds.end(), reference) == feeds.end()) {
                feeds.push_back(reference);
            }
        }
    };
    const auto count_operator = [&](const IpAddress& addr, std::uint32_t id) {
        if (!origins.feeds_own(id)) {
            if (const auto it = named.find(addr); it != named.end()) {
                it->second.operator_named = true;
            }
        }
    };
    for (const auto& [addr, id] : set.ips) {
        count_feeds(addr, id);
    }
    for (const auto& [ip_port, id] : set.ipports) {
        count_feeds(ip_port.addr, id);
    }
    for (const auto& [addr, id] : set.ips) {
        count_operator(addr, id);
    }
    for (const auto& [ip_port, id] : set.ipports) {
        count_operator(ip_port.addr, id);
    }

    // Bogon ranges first, then CDN ranges: true when one of them takes the trail, counted.
    const auto dropped_by_ranges = [&](const auto& in_ranges) {
        if (in_ranges(bogons)) {
            ++report.bogon;
            return true;
        }
        if (in_ranges(policy.cdn)) {
            ++report.cdn;
            return true;
        }
        return false;
    };
    const auto drop_address = [&](const IpAddress& addr, std::uint32_t id) {
        if (!origins.feeds_own(id)) {
            return false;
        }
        if (dropped_by_ranges([&addr](const AddressRanges& r) { return r.contains(addr); })) {
            return true;
        }
        const Corroboration& who = named.at(addr);
        if (!who.operator_named && who.feeds.size() < policy.min_feeds) {
            ++report.too_few_feeds;
            return true;
        }
        return false;
    };
    std::erase_if(set.ips,
                  [&](const auto& entry) { return drop_address(entry.first, entry.second); });
    std::erase_if(set.ipports,
                  [&](const auto& entry) { return drop_address(entry.first.addr, entry.second); });
    std::erase_if(set.cidrs, [&](const auto& entry) {
        const auto& [prefix, id] = entry;
        return origins.feeds_own(id) &&
               dropped_by_ranges([&prefix](const AddressRanges& r) { return r.overlaps(prefix); });
    });
    return report;
}

}  // namespace spoor::trails
