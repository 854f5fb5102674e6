#include "detect/dns_heuristics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <utility>

#include "common/hashing.h"

namespace spoor::detect {
namespace {

constexpr const char* kExhaustion = "potential dns exhaustion (suspicious)";
constexpr const char* kExcessive = "excessive no such domain (suspicious)";
constexpr const char* kEntropy = "entropy threshold no such domain (suspicious)";
constexpr const char* kConsonant = "consonant threshold no such domain (suspicious)";
constexpr const char* kLong = "long domain (suspicious)";

// Label `i` of `name`, without its dot.
std::string_view label(const proto::DnsName& name, std::size_t i) {
    const std::size_t begin = name.starts[i];
    const std::size_t end = i + 1 < name.labels ? name.starts[i + 1] - 1u : name.length;
    return name.view().substr(begin, end - begin);
}

bool is_number_0_255(std::string_view text) {
    if (text.empty() || text.size() > 3) {
        return false;
    }
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= 255;
}

bool is_lower_alpha(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Reverse lookups (in-addr.arpa, ip6.arpa) come in bursts of distinct names from any busy mail
// or log server, and many end in NXDOMAIN: they say nothing about a zone being attacked or a
// bot's domain list. Maltrail ignores queries under "arpa" altogether.
bool is_reverse_zone(const proto::DnsName& name) {
    return label(name, name.labels - 1u) == "arpa";
}

// Names that clients make up under their own domain by design, one per host or search-list
// entry (Maltrail's local lookups): many distinct ones are normal.
bool is_local_lookup(std::string_view name) {
    return name.starts_with("wpad.") || name.starts_with("autodiscover.") ||
           name.starts_with("_ldap._tcp.");
}

}  // namespace

std::string_view dns_base(const proto::DnsName& name) {
    if (name.labels < 2) {
        return {};
    }
    const std::size_t n = name.labels;
    bool three = false;
    if (n >= 3) {
        // Second-level registries under country codes: "x.co.uk" is x's domain, not co.uk's.
        static constexpr std::array<std::string_view, 7> kSecondLevel = {"co",  "com", "net", "org",
                                                                         "gov", "edu", "ac"};
        const auto tld = label(name, n - 1);
        const auto sld = label(name, n - 2);
        three = tld.size() == 2 && is_lower_alpha(tld) &&
                std::find(kSecondLevel.begin(), kSecondLevel.end(), sld) != kSecondLevel.end();
    }
    return name.view().substr(name.starts[n - (three ? 3 : 2)]);
}

bool dns_reversed_ipv4(const proto::DnsName& name) {
    if (name.labels < 4) {
        return false;
    }
    for (std::size_t i = 0; i < 4; ++i) {
        if (!is_number_0_255(label(name, i))) {
            return false;
        }
    }
    return true;
}

double label_entropy(std::string_view label) {
    if (label.empty()) {
        return 0.0;
    }
    std::array<std::uint32_t, 256> counts{};
    for (const char c : label) {
        ++counts[static_cast<unsigned char>(c)];
    }
    // H = -sum p log2 p with p = c/n, written as log2 n - (sum c log2 c) / n: exact for the
    // power-of-two cases (eight distinct characters give exactly 3 bits).
    const double n = static_cast<double>(label.size());
    double sum = 0.0;
    for (const auto c : counts) {
        if (c > 1) {
            sum += c * std::log2(static_cast<double>(c));
        }
    }
    return std::log2(n) - sum / n;
}

std::size_t label_consonants(std::string_view label) {
    return static_cast<std::size_t>(std::count_if(label.begin(), label.end(), [](char c) {
        return c >= 'a' && c <= 'z' && c != 'a' && c != 'e' && c != 'i' && c != 'o' && c != 'u';
    }));
}

// --- RecentTable ---

template <typename Value>
std::size_t DnsHeuristics::RecentTable<Value>::Hash::operator()(std::string_view s) const noexcept {
    return static_cast<std::size_t>(finish_hash(hash_chain(seed, s)));
}

template <typename Value>
Value& DnsHeuristics::RecentTable<Value>::touch(std::string_view key, std::uint64_t now) {
    if (const auto it = index_.find(key); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        it->second->last_seen = now;
        return it->second->value;
    }
    if (index_.size() >= capacity_ && !order_.empty()) {
        drop_oldest();
        ++evicted_;
    }
    order_.push_front(Entry{std::string(key), now, Value{}});
    index_.emplace(order_.front().key, order_.begin());
    return order_.front().value;
}

template <typename Value>
bool DnsHeuristics::RecentTable<Value>::evict_oldest() {
    if (order_.size() < 2) {
        return false;  // the key at hand, seen last, stays
    }
    drop_oldest();
    ++evicted_;
    return true;
}

template <typename Value>
void DnsHeuristics::RecentTable<Value>::expire(std::uint64_t now, std::uint64_t window) {
    // Most recently seen first, and time never runs backwards: the stale keys are at the back,
    // so this costs one comparison when nothing expires.
    while (!order_.empty() && now - order_.back().last_seen >= window) {
        drop_oldest();
        ++expired_;
    }
}

template <typename Value>
void DnsHeuristics::RecentTable<Value>::drop_oldest() {
    if (dropped_) {
        dropped_(order_.back().value);
    }
    index_.erase(order_.back().key);
    order_.pop_back();
}

// --- DnsHeuristics ---

std::string DnsHeuristics::validate(const DnsHeuristicsConfig& c) {
    if (c.max_keys == 0) {
        return "dns heuristics: max_keys must be at least 1";
    }
    if (c.exhaustion && c.exhaustion_window_ns == 0) {
        return "dns heuristics: exhaustion_window_ns must be above 0";
    }
    if (c.nxdomain && c.nxdomain_window_ns == 0) {
        return "dns heuristics: nxdomain_window_ns must be above 0";
    }
    // A key remembering no more items than the threshold could never count past it.
    if (c.exhaustion && c.max_items_per_key <= c.exhaustion_subdomains) {
        return "dns heuristics: max_items_per_key (" + std::to_string(c.max_items_per_key) +
               ") must be above exhaustion_subdomains (" + std::to_string(c.exhaustion_subdomains) +
               ")";
    }
    if (c.nxdomain && c.max_items_per_key <= c.nxdomain_answers) {
        return "dns heuristics: max_items_per_key (" + std::to_string(c.max_items_per_key) +
               ") must be above nxdomain_answers (" + std::to_string(c.nxdomain_answers) + ")";
    }
    if (c.exhaustion && c.max_items < c.max_items_per_key) {
        return "dns heuristics: max_items (" + std::to_string(c.max_items) +
               ") must be at least max_items_per_key (" + std::to_string(c.max_items_per_key) + ")";
    }
    return {};
}

namespace {

DnsHeuristicsConfig checked(DnsHeuristicsConfig config) {
    if (auto error = DnsHeuristics::validate(config); !error.empty()) {
        throw std::invalid_argument(error);
    }
    return config;
}

// Only ever compared for equality or used to pick a bucket: a collision costs at most one
// uncounted subdomain, and a secret seed keeps anyone from making one on purpose.
std::uint64_t random_seed() {
    std::random_device device;
    return std::uint64_t{device()} << 32 | device();
}

}  // namespace

DnsHeuristics::DnsHeuristics(DnsHeuristicsConfig config)
    : config_(checked(std::move(config))),
      seed_(random_seed()),
      subdomains_(config_.max_keys, seed_),
      nx_names_(config_.max_keys, seed_ ^ 1),
      nx_bases_(config_.max_keys, seed_ ^ 2) {
    subdomains_.on_drop([this](const Subdomains& s) { subdomain_items_ -= s.hashes.size(); });
}

DnsHeuristicsStats DnsHeuristics::stats() const {
    DnsHeuristicsStats s;
    s.exhaustion_keys = subdomains_.size();
    s.nxdomain_name_keys = nx_names_.size();
    s.nxdomain_base_keys = nx_bases_.size();
    s.keys_evicted = subdomains_.evicted() + nx_names_.evicted() + nx_bases_.evicted();
    s.items_evicted = items_evicted_;
    s.keys_expired = subdomains_.expired() + nx_names_.expired() + nx_bases_.expired();
    s.alerts = alerts_;
    return s;
}

// Packets from several interfaces or capture files may arrive slightly out of order; counting
// them at the latest time seen keeps every window moving forward only (and the tables ordered).
std::uint64_t DnsHeuristics::advance(std::uint64_t timestamp_ns) {
    now_ = std::max(now_, timestamp_ns);
    return now_;
}

std::uint64_t DnsHeuristics::hash(std::string_view text) const {
    return finish_hash(hash_chain(seed_ ^ 3, text));
}

void DnsHeuristics::on_query(const proto::DnsName& name, const proto::Packet& packet,
                             std::uint64_t timestamp_ns, std::string_view in_iface,
                             std::vector<Alert>& out) {
    // A single label is a local host name (or a search-list probe), never a zone's subdomain.
    if (!name.valid || name.labels < 2) {
        return;
    }
    const std::uint64_t now = advance(timestamp_ns);
    if (config_.long_domain) {
        // A '-' marks a label made for people to read ("the-quick-brown-fox-..."); tunnels and
        // encoded data use dense alphabets.
        const auto first = label(name, 0);
        if (first.size() > config_.long_label && first.find('-') == std::string_view::npos) {
            emit("long-domain", std::string(name.view()), kLong, packet, timestamp_ns, in_iface,
                 out);
        }
    }
    if (config_.exhaustion) {
        subdomains_.expire(now, config_.exhaustion_window_ns);
        if (is_reverse_zone(name) || dns_reversed_ipv4(name) || is_local_lookup(name.view())) {
            return;
        }
        const auto base = dns_base(name);
        if (base.size() >= name.length) {
            return;  // the base itself: no subdomain to count
        }
        const auto subdomain = name.view().substr(0, name.length - base.size() - 1);
        if (subdomain_flood(base, subdomain, now)) {
            emit("dns-exhaustion", std::string(base), kExhaustion, packet, timestamp_ns, in_iface,
                 out);
        }
    }
}

bool DnsHeuristics::subdomain_flood(std::string_view base, std::string_view subdomain,
                                    std::uint64_t now) {
    const std::uint64_t window = config_.exhaustion_window_ns;
    Subdomains& s = subdomains_.touch(base, now);
    if (!s.hashes.empty() && now - s.oldest >= window) {
        // Something may have left the window: drop what did, so the size is the count.
        std::size_t kept = 0;
        std::uint64_t oldest = now;
        for (std::size_t i = 0; i < s.hashes.size(); ++i) {
            if (now - s.seen[i] < window) {
                s.hashes[kept] = s.hashes[i];
                s.seen[kept] = s.seen[i];
                oldest = std::min(oldest, s.seen[i]);
                ++kept;
            }
        }
        subdomain_items_ -= s.hashes.size() - kept;
        s.hashes.resize(kept);
        s.seen.resize(kept);
        s.oldest = oldest;
    }
    if (s.hashes.empty()) {
        s.oldest = now;
    }
    const std::uint64_t h = hash(subdomain);
    // A linear scan: most bases have a handful of subdomains, and a flooded one at most
    // max_items_per_key hashes in one contiguous array.
    const auto it = std::find(s.hashes.begin(), s.hashes.end(), h);
    if (it != s.hashes.end()) {
        s.seen[static_cast<std::size_t>(it - s.hashes.begin())] = now;
    } else if (s.hashes.size() >= config_.max_items_per_key) {
        // Full (max_items_per_key > threshold, so the threshold was already passed): the
        // subdomain seen longest ago makes room.
        const auto at = static_cast<std::size_t>(std::min_element(s.seen.begin(), s.seen.end()) -
                                                 s.seen.begin());
        s.hashes[at] = h;
        s.seen[at] = now;
        ++items_evicted_;
    } else {
        // A new item: over the budget of all bases, the base seen longest ago makes room
        // (`s` was just seen, so it is never that one).
        while (subdomain_items_ >= config_.max_items && subdomains_.evict_oldest()) {
        }
        s.hashes.push_back(h);
        s.seen.push_back(now);
        ++subdomain_items_;
    }
    if (s.hashes.size() <= config_.exhaustion_subdomains ||
        (s.alerted_at && now - *s.alerted_at < window)) {
        return false;
    }
    s.alerted_at = now;
    return true;
}

void DnsHeuristics::on_nxdomain(const proto::DnsName& name, const proto::Packet& packet,
                                std::uint64_t timestamp_ns, std::string_view in_iface,
                                std::vector<Alert>& out) {
    if (!name.valid || name.labels < 2) {
        return;
    }
    const std::uint64_t now = advance(timestamp_ns);
    if (config_.dga && name.labels == 2) {
        // A domain generation algorithm registers only some of the names it tries: the rest
        // come back NXDOMAIN, and their labels look random where people's names do not.
        const auto first = label(name, 0);
        if (!first.empty() && first.find('-') == std::string_view::npos) {
            if (label_entropy(first) > config_.entropy_bits) {
                emit("dga", std::string(name.view()), kEntropy, packet, timestamp_ns, in_iface,
                     out);
            } else if (label_consonants(first) > config_.consonants) {
                emit("dga", std::string(name.view()), kConsonant, packet, timestamp_ns, in_iface,
                     out);
            }
        }
    }
    if (!config_.nxdomain) {
        return;
    }
    const std::uint64_t window = config_.nxdomain_window_ns;
    nx_names_.expire(now, window);
    nx_bases_.expire(now, window);
    // DNSBL lookups answer "not listed" with NXDOMAIN, many times an hour, by design.
    if (is_reverse_zone(name) || dns_reversed_ipv4(name)) {
        return;
    }
    if (excessive(nx_names_.touch(name.view(), now), now, 0)) {
        emit("nxdomain", std::string(name.view()), kExcessive, packet, timestamp_ns, in_iface, out);
    }
    const auto base = dns_base(name);
    if (base.size() >= name.length) {
        return;  // no subdomain: "*.base" counts names under the base only
    }
    const auto prefix = name.view().substr(0, name.length - base.size() - 1);
    const std::uint64_t h = hash(prefix);
    Answers& answers = nx_bases_.touch(base, now);
    // Remember the text of the most recently seen distinct prefixes for the trail.
    auto& shown = answers.shown;
    if (const auto it = std::find_if(shown.begin(), shown.end(),
                                     [h](const Answers::Shown& s) { return s.hash == h; });
        it != shown.end()) {
        it->seen = now;
    } else if (shown.size() < kShownPrefixes) {
        shown.push_back({std::string(prefix), h, now});
    } else {
        auto& stale = *std::min_element(
            shown.begin(), shown.end(),
            [](const Answers::Shown& a, const Answers::Shown& b) { return a.seen < b.seen; });
        stale = {std::string(prefix), h, now};
    }
    if (excessive(answers, now, h)) {
        emit("nxdomain", wildcard_trail(answers, now, window, base), kExcessive, packet,
             timestamp_ns, in_iface, out);
    }
}

// Records an answer; true when more than nxdomain_answers fell within the window and the key
// has not alerted within the last window. Only the latest N + 1 answers are kept: there are
// more than N within the window exactly when the oldest of those is within it.
bool DnsHeuristics::excessive(Answers& answers, std::uint64_t now, std::uint64_t prefix) const {
    const std::size_t keep = config_.nxdomain_answers + 1;
    const std::uint64_t window = config_.nxdomain_window_ns;
    if (answers.ring.size() < keep) {
        answers.ring.push_back({now, prefix});  // in time order: the oldest stays at next == 0
    } else {
        answers.ring[answers.next] = {now, prefix};
        answers.next = (answers.next + 1) % keep;
    }
    if (answers.ring.size() < keep || now - answers.ring[answers.next].at >= window ||
        (answers.alerted_at && now - *answers.alerted_at < window)) {
        return false;
    }
    answers.alerted_at = now;
    return true;
}

// "(a,b,c).base": the distinct prefixes among the answers within the window, sorted. The shown
// texts are the most recently seen distinct prefixes, so they are all of those answers' prefixes
// when there are at most kShownPrefixes, and the most recent ones otherwise ("..." then ends the
// list: a trail stays a readable size however random the prefixes).
std::string DnsHeuristics::wildcard_trail(const Answers& answers, std::uint64_t now,
                                          std::uint64_t window, std::string_view base) {
    std::vector<std::uint64_t> counted;
    for (const auto& a : answers.ring) {
        if (now - a.at < window) {
            counted.push_back(a.prefix);
        }
    }
    std::sort(counted.begin(), counted.end());
    counted.erase(std::unique(counted.begin(), counted.end()), counted.end());
    std::vector<std::string_view> names;
    for (const auto& s : answers.shown) {
        if (std::binary_search(counted.begin(), counted.end(), s.hash)) {
            names.push_back(s.text);
        }
    }
    std::sort(names.begin(), names.end());
    std::string trail = "(";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            trail += ',';
        }
        trail += names[i];
    }
    if (counted.size() > names.size()) {
        trail += names.empty() ? "..." : ",...";
    }
    trail += ").";
    trail += base;
    return trail;
}

void DnsHeuristics::emit(const char* heuristic, std::string trail, const char* info,
                         const proto::Packet& packet, std::uint64_t timestamp_ns,
                         std::string_view in_iface, std::vector<Alert>& out) {
    Alert alert = heuristic_alert(packet, timestamp_ns, in_iface, heuristic, "DNS",
                                  std::move(trail), info, "dns.rrname");
    alert.app_proto = "dns";
    // NXDOMAIN and DGA alerts are made of the resolver's answer.
    alert.from_server = info == kExcessive || info == kEntropy || info == kConsonant;
    out.push_back(std::move(alert));
    ++alerts_;
}

}  // namespace spoor::detect
