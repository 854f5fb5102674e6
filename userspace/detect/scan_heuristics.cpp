#include "detect/scan_heuristics.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace spoor::detect {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kAck = 0x10;
constexpr std::uint16_t kDnsPort = 53;
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Multiply-shift hashing of fixed-width keys: the top 32 bits of b + sum(a_i * x_i) over the
// key's 32-bit words x_i, with random 64-bit a_i and b, is strongly universal (Dietzfelbinger;
// Thorup, "High Speed Hashing for Integers and Strings"). The keys are addresses and ports that
// whoever sends the traffic picks: with secret multipliers they cannot make keys collide on
// purpose and turn every probe into a long walk. Nothing decided depends on the hash, so the
// randomness never changes an alert.
class KeyedHash {
  public:
    static constexpr std::size_t kMaxWords = 9;

    KeyedHash() {
        std::random_device random;
        const auto draw = [&random] {
            return static_cast<std::uint64_t>(random()) << 32 |
                   static_cast<std::uint64_t>(random());
        };
        for (auto& m : multipliers_) {
            m = draw();
        }
        offset_ = draw();
    }

    template <std::size_t N>
    std::uint32_t operator()(const std::array<std::uint32_t, N>& words) const {
        static_assert(N <= kMaxWords);
        std::uint64_t h = offset_;
        for (std::size_t i = 0; i < N; ++i) {
            h += multipliers_[i] * words[i];
        }
        return static_cast<std::uint32_t>(h >> 32);
    }

  private:
    std::array<std::uint64_t, kMaxWords> multipliers_{};
    std::uint64_t offset_ = 0;
};

void put_address(std::uint32_t* words, const IpAddress& address) {
    std::memcpy(words, address.bytes.data(), address.bytes.size());
}

// Keys and items as hashed words. The family is hashed too: 1.2.3.4 and 102:304:: share bytes.

struct HostPair {
    IpAddress src, dst;
    bool operator==(const HostPair&) const = default;
};

std::array<std::uint32_t, 9> key_words(const HostPair& key) {
    std::array<std::uint32_t, 9> words{};
    put_address(&words[0], key.src);
    put_address(&words[4], key.dst);
    words[8] = static_cast<std::uint32_t>(key.src.family) |
               static_cast<std::uint32_t>(key.dst.family) << 8;
    return words;
}

struct HostPort {
    IpAddress src;
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};

std::array<std::uint32_t, 5> key_words(const HostPort& key) {
    std::array<std::uint32_t, 5> words{};
    put_address(&words[0], key.src);
    words[4] = static_cast<std::uint32_t>(key.src.family) | static_cast<std::uint32_t>(key.port)
                                                                << 8;
    return words;
}

// An item is hashed with the id of the key holding it: one index serves all keys.
std::array<std::uint32_t, 2> item_words(std::uint32_t owner, std::uint16_t port) {
    return {owner, port};
}

std::array<std::uint32_t, 3> item_words(std::uint32_t owner, std::uint64_t hash) {
    return {owner, static_cast<std::uint32_t>(hash), static_cast<std::uint32_t>(hash >> 32)};
}

std::array<std::uint32_t, 6> item_words(std::uint32_t owner, const IpAddress& host) {
    std::array<std::uint32_t, 6> words{};
    words[0] = owner;
    put_address(&words[1], host);
    words[5] = host.family;
    return words;
}

// An open-addressing index of node ids, keyed by a 32-bit hash tag (linear probing; deletion
// shifts the run back, so no tombstones pile up under churn). The nodes hold the keys: the
// caller says whether an id is the one sought, and the tag skips most others unread. It grows
// by doubling while its table grows, and never past twice the table's limit, so the steady
// state allocates nothing.
class SlotIndex {
  public:
    template <typename Matches>
    std::uint32_t find(std::uint32_t tag, Matches&& matches) const {
        if (size_ == 0) {
            return kNone;
        }
        for (std::size_t i = home(tag);; i = (i + 1) & mask_) {
            const Bucket& b = buckets_[i];
            if (b.id == kNone) {
                return kNone;
            }
            if (b.tag == tag && matches(b.id)) {
                return b.id;
            }
        }
    }

    // `id` must be absent.
    void insert(std::uint32_t tag, std::uint32_t id) {
        if ((size_ + 1) * 2 > buckets_.size()) {
            grow();
        }
        place({id, tag});
        ++size_;
    }

    // `id` must be present under `tag`.
    void erase(std::uint32_t tag, std::uint32_t id) {
        std::size_t hole = home(tag);
        while (buckets_[hole].id != id) {
            hole = (hole + 1) & mask_;
        }
        // Move back each later entry of the run that may sit in the hole: one whose home is
        // not cyclically after the hole. The run then still reaches every entry from its home.
        for (std::size_t j = (hole + 1) & mask_; buckets_[j].id != kNone; j = (j + 1) & mask_) {
            if (((j - home(buckets_[j].tag)) & mask_) >= ((j - hole) & mask_)) {
                buckets_[hole] = buckets_[j];
                hole = j;
            }
        }
        buckets_[hole] = Bucket{};
        --size_;
    }

  private:
    struct Bucket {
        std::uint32_t id = kNone;
        std::uint32_t tag = 0;
    };

    // The tag's top bits: multiply-shift puts its best bits at the top.
    std::size_t home(std::uint32_t tag) const { return tag >> shift_; }

    void place(Bucket bucket) {
        std::size_t i = home(bucket.tag);
        while (buckets_[i].id != kNone) {
            i = (i + 1) & mask_;
        }
        buckets_[i] = bucket;
    }

    void grow() {
        const std::size_t capacity = std::max<std::size_t>(16, buckets_.size() * 2);
        std::vector<Bucket> old(capacity);
        old.swap(buckets_);
        mask_ = capacity - 1;
        shift_ = 32 - std::countr_zero(capacity);
        for (const Bucket& b : old) {
            if (b.id != kNone) {
                place(b);
            }
        }
    }

    std::vector<Bucket> buckets_;
    std::size_t mask_ = 0;
    int shift_ = 32;
    std::size_t size_ = 0;
};

struct WindowLimits {
    std::uint64_t window_ns;
    std::size_t threshold;
    std::size_t max_items_per_key;
    std::size_t max_keys;
    std::size_t max_items;
};

// Distinct items per key inside a sliding window of packet time, with at most one alert per
// key per window. Keys are kept in order of last use (the least recently seen goes first when
// full); each key's items in order of last sighting, so the expired ones are at the front.
// Nodes live in two arrays and are reused through free lists.
//
// Packets may come slightly out of order: a key's clock never goes back (a late packet counts
// as seen at the key's newest time), so its items stay in order and no difference of times
// can underflow. The price: a packet stamped far in the future holds its own key's clock there
// (that key's items then last longer); other keys keep their own time.
template <typename Key, typename Item>
class WindowTable {
  public:
    explicit WindowTable(const WindowLimits& limits) : limits_(limits) {}

    // Records that `key` met `item`; true when that makes the key alert: a new item took it
    // past the threshold and it has not alerted within the window.
    bool observe(const Key& key, const Item& item, std::uint64_t timestamp_ns) {
        ++stats_.events;
        reclaim_stale(timestamp_ns);

        const std::uint32_t key_tag = hash_(key_words(key));
        std::uint32_t k =
            key_index_.find(key_tag, [&](std::uint32_t id) { return keys_[id].key == key; });
        if (k == kNone) {
            k = add_key(key, key_tag, timestamp_ns);
        } else {
            unlink_key(k);
            push_key_front(k);
        }

        const std::uint64_t now = std::max(timestamp_ns, keys_[k].newest);
        keys_[k].newest = now;
        while (keys_[k].oldest_item != kNone &&
               now - items_[keys_[k].oldest_item].stamp >= limits_.window_ns) {
            drop_item(keys_[k].oldest_item);  // out of the window: forgotten, not evicted
        }

        const std::uint32_t item_tag = hash_(item_words(k, item));
        const std::uint32_t found = item_index_.find(item_tag, [&](std::uint32_t id) {
            return items_[id].owner == k && items_[id].item == item;
        });
        if (found != kNone) {
            // A repeat adds nothing, but it was seen now: it stays in the window longer.
            unlink_item(found);
            items_[found].stamp = now;
            append_item(k, found);
            return false;
        }

        if (keys_[k].item_count >= limits_.max_items_per_key) {
            // Forgetting the oldest never hides a scan: while the cap is above the threshold,
            // the newest items alone decide whether the key is over it.
            drop_item(keys_[k].oldest_item);
            ++stats_.items_evicted;
        } else if (item_count_ >= limits_.max_items) {
            // `k` is the most recent key, and not the only one: it holds less than
            // max_items_per_key <= max_items items.
            drop_oldest_key(timestamp_ns, k);
        }
        add_item(k, item, item_tag, now);

        KeyNode& node = keys_[k];
        if (node.item_count > limits_.threshold && now >= node.silent_until) {
            node.silent_until = now > std::numeric_limits<std::uint64_t>::max() - limits_.window_ns
                                    ? std::numeric_limits<std::uint64_t>::max()
                                    : now + limits_.window_ns;
            ++stats_.alerts;
            return true;
        }
        return false;
    }

    ScanTableStats stats() const {
        ScanTableStats stats = stats_;
        stats.keys = key_count_;
        stats.items = item_count_;
        return stats;
    }

  private:
    struct KeyNode {
        Key key;
        std::uint32_t tag = 0;
        std::uint32_t newer = kNone;  // use order
        std::uint32_t older = kNone;  // (and the free list)
        std::uint32_t oldest_item = kNone;
        std::uint32_t newest_item = kNone;
        std::uint32_t item_count = 0;
        std::uint64_t newest = 0;        // latest packet time seen for the key
        std::uint64_t silent_until = 0;  // no alert before this time
    };
    struct ItemNode {
        Item item;
        std::uint32_t owner = kNone;
        std::uint32_t tag = 0;
        std::uint32_t older = kNone;
        std::uint32_t newer = kNone;  // (and the free list)
        std::uint64_t stamp = 0;      // last sighting
    };

    // A key with nothing left inside the window and not silenced: dropping it loses nothing.
    // (Its silence ends at most a window after its newest time.)
    bool stale(std::uint32_t k, std::uint64_t timestamp_ns) const {
        return timestamp_ns >= keys_[k].newest &&
               timestamp_ns - keys_[k].newest >= limits_.window_ns;
    }

    // A little of the cleanup at each packet, from the least recently seen end: at most one
    // key is added per packet, so two keep pace, and memory held for a burst is given back to
    // the free lists once its window has passed.
    void reclaim_stale(std::uint64_t timestamp_ns) {
        for (int n = 0; n < 2 && oldest_key_ != kNone && stale(oldest_key_, timestamp_ns); ++n) {
            drop_key(oldest_key_);
        }
    }

    // Evidence first: a flood of one-probe keys (spoofed sources) must not push out a key that
    // has gathered items, such as a real scan going on during the flood. Among the few least
    // recently seen keys, the first holding at most one item goes; when none does, the least
    // recently seen. `keep` (the key at hand) never goes.
    void drop_oldest_key(std::uint64_t timestamp_ns, std::uint32_t keep = kNone) {
        constexpr int kLook = 8;
        std::uint32_t victim = oldest_key_ != keep ? oldest_key_ : keys_[oldest_key_].newer;
        std::uint32_t k = victim;
        for (int n = 0; n < kLook && k != kNone; ++n, k = keys_[k].newer) {
            if (k != keep && keys_[k].item_count <= 1) {
                victim = k;
                break;
            }
        }
        if (!stale(victim, timestamp_ns)) {
            ++stats_.keys_evicted;
        }
        drop_key(victim);
    }

    std::uint32_t add_key(const Key& key, std::uint32_t tag, std::uint64_t timestamp_ns) {
        if (key_count_ >= limits_.max_keys) {
            drop_oldest_key(timestamp_ns);
        }
        std::uint32_t k = free_keys_;
        if (k != kNone) {
            free_keys_ = keys_[k].older;
            keys_[k] = KeyNode{};
        } else {
            k = static_cast<std::uint32_t>(keys_.size());
            keys_.emplace_back();
        }
        keys_[k].key = key;
        keys_[k].tag = tag;
        push_key_front(k);
        key_index_.insert(tag, k);
        ++key_count_;
        return k;
    }

    void drop_key(std::uint32_t k) {
        while (keys_[k].oldest_item != kNone) {
            drop_item(keys_[k].oldest_item);
        }
        key_index_.erase(keys_[k].tag, k);
        unlink_key(k);
        keys_[k].older = free_keys_;
        free_keys_ = k;
        --key_count_;
    }

    void push_key_front(std::uint32_t k) {
        keys_[k].newer = kNone;
        keys_[k].older = newest_key_;
        if (newest_key_ != kNone) {
            keys_[newest_key_].newer = k;
        } else {
            oldest_key_ = k;
        }
        newest_key_ = k;
    }

    void unlink_key(std::uint32_t k) {
        const KeyNode& node = keys_[k];
        (node.newer != kNone ? keys_[node.newer].older : newest_key_) = node.older;
        (node.older != kNone ? keys_[node.older].newer : oldest_key_) = node.newer;
    }

    void add_item(std::uint32_t k, const Item& item, std::uint32_t tag, std::uint64_t now) {
        std::uint32_t i = free_items_;
        if (i != kNone) {
            free_items_ = items_[i].newer;
        } else {
            i = static_cast<std::uint32_t>(items_.size());
            items_.emplace_back();
        }
        items_[i].item = item;
        items_[i].owner = k;
        items_[i].tag = tag;
        items_[i].stamp = now;
        append_item(k, i);
        item_index_.insert(tag, i);
        ++keys_[k].item_count;
        ++item_count_;
    }

    void drop_item(std::uint32_t i) {
        const std::uint32_t k = items_[i].owner;
        item_index_.erase(items_[i].tag, i);
        unlink_item(i);
        --keys_[k].item_count;
        --item_count_;
        items_[i].owner = kNone;
        items_[i].newer = free_items_;
        free_items_ = i;
    }

    void append_item(std::uint32_t k, std::uint32_t i) {
        KeyNode& node = keys_[k];
        items_[i].newer = kNone;
        items_[i].older = node.newest_item;
        if (node.newest_item != kNone) {
            items_[node.newest_item].newer = i;
        } else {
            node.oldest_item = i;
        }
        node.newest_item = i;
    }

    void unlink_item(std::uint32_t i) {
        const ItemNode& item = items_[i];
        KeyNode& node = keys_[item.owner];
        (item.newer != kNone ? items_[item.newer].older : node.newest_item) = item.older;
        (item.older != kNone ? items_[item.older].newer : node.oldest_item) = item.newer;
    }

    WindowLimits limits_;
    KeyedHash hash_;
    std::vector<KeyNode> keys_;
    std::vector<ItemNode> items_;
    SlotIndex key_index_;
    SlotIndex item_index_;
    std::uint32_t newest_key_ = kNone;
    std::uint32_t oldest_key_ = kNone;
    std::uint32_t free_keys_ = kNone;
    std::uint32_t free_items_ = kNone;
    std::size_t key_count_ = 0;
    std::size_t item_count_ = 0;
    ScanTableStats stats_;
};

void require(bool ok, const char* what) {
    if (!ok) {
        throw std::invalid_argument(std::string("scan heuristics: ") + what);
    }
}

}  // namespace

namespace {
using PortTable = WindowTable<HostPair, std::uint16_t>;  // destination ports per (src, dst)
using HostTable = WindowTable<HostPort, IpAddress>;      // destination hosts per (src, port)
using PathTable = WindowTable<HostPair, std::uint64_t>;  // first path segments per (src, dst)
}  // namespace

struct ScanHeuristics::Tables {
    PortTable port_scan;
    PortTable udp_scan;
    HostTable infection;
    PathTable web_scan;
};

ScanHeuristics::ScanHeuristics(ScanConfig config, LocalNetworks local)
    : config_(std::move(config)), local_(std::move(local)) {
    const ScanConfig& c = config_;
    require(c.window_ns > 0, "window_ns must be above 0");
    require(c.max_keys > 0 && c.max_keys < kNone, "max_keys must be in 1..2^32-2");
    require(c.max_items < kNone, "max_items must be below 2^32-1");
    require(c.max_items >= c.max_items_per_key, "max_items must be at least max_items_per_key");
    // A key holding at most max_items_per_key items can never hold more than the threshold.
    require(!c.port_scan || c.max_items_per_key > c.port_scan_ports,
            "max_items_per_key must be above port_scan_ports");
    require(!c.udp_scan || c.max_items_per_key > c.udp_scan_ports,
            "max_items_per_key must be above udp_scan_ports");
    require(!c.infection || c.max_items_per_key > c.infection_hosts,
            "max_items_per_key must be above infection_hosts");
    require(!c.web_scan || c.max_items_per_key > c.web_scan_paths,
            "max_items_per_key must be above web_scan_paths");
    for (const std::uint16_t port : c.infection_ports) {
        infection_ports_.set(port);
    }
    const auto limits = [&c](std::size_t threshold) {
        return WindowLimits{c.window_ns, threshold, c.max_items_per_key, c.max_keys, c.max_items};
    };
    tables_ = std::make_unique<Tables>(
        Tables{PortTable(limits(c.port_scan_ports)), PortTable(limits(c.udp_scan_ports)),
               HostTable(limits(c.infection_hosts)), PathTable(limits(c.web_scan_paths))});
}

ScanHeuristics::~ScanHeuristics() = default;
ScanHeuristics::ScanHeuristics(ScanHeuristics&&) noexcept = default;
ScanHeuristics& ScanHeuristics::operator=(ScanHeuristics&&) noexcept = default;

void ScanHeuristics::observe(const proto::Packet& packet, std::uint64_t timestamp_ns,
                             std::string_view in_iface, std::vector<Alert>& out) {
    if (!packet.has_l4) {
        return;  // a later fragment: no ports
    }
    if (packet.ip_proto == kTcp) {
        // An ACK answers or continues a connection and a RST ends one: neither probes a port.
        // SYN, NULL, FIN and XMAS probes all reach here.
        if ((packet.tcp_flags & (kAck | kRst)) != 0) {
            return;
        }
        if (config_.port_scan &&
            tables_->port_scan.observe({packet.src, packet.dst}, packet.dst_port, timestamp_ns)) {
            out.push_back(heuristic_alert(packet, timestamp_ns, in_iface, "port-scan", "IP",
                                          packet.src.to_string(), "potential port scanning",
                                          "src_ip"));
        }
        // Worms open real connections: only a SYN, and only from inside, where the infected
        // host would be.
        if (config_.infection && (packet.tcp_flags & kSyn) != 0 &&
            infection_ports_.test(packet.dst_port) && local_.contains(packet.src) &&
            tables_->infection.observe({packet.src, packet.dst_port}, packet.dst, timestamp_ns)) {
            out.push_back(heuristic_alert(packet, timestamp_ns, in_iface, "infection", "PORT",
                                          std::to_string(packet.dst_port), "potential infection",
                                          "dest_port"));
        }
        return;
    }
    if (packet.ip_proto == kUdp && config_.udp_scan) {
        // A resolver talks to many ports of its clients (and they to it): DNS is no scan.
        if (packet.src_port == kDnsPort || packet.dst_port == kDnsPort) {
            return;
        }
        if (tables_->udp_scan.observe({packet.src, packet.dst}, packet.dst_port, timestamp_ns)) {
            out.push_back(heuristic_alert(packet, timestamp_ns, in_iface, "udp-scan", "IP",
                                          packet.src.to_string(), "potential udp scanning",
                                          "src_ip"));
        }
    }
}

void ScanHeuristics::observe_http_path(const proto::Packet& packet, std::uint64_t segment_hash,
                                       std::uint64_t timestamp_ns, std::string_view in_iface,
                                       std::vector<Alert>& out) {
    if (config_.web_scan &&
        tables_->web_scan.observe({packet.src, packet.dst}, segment_hash, timestamp_ns)) {
        Alert alert = heuristic_alert(packet, timestamp_ns, in_iface, "web-scan", "PATH", "*",
                                      "potential web scanning", "http.url");
        alert.app_proto = "http";
        out.push_back(std::move(alert));
    }
}

ScanStats ScanHeuristics::stats() const {
    return {tables_->port_scan.stats(), tables_->udp_scan.stats(), tables_->infection.stats(),
            tables_->web_scan.stats()};
}

}  // namespace spoor::detect
