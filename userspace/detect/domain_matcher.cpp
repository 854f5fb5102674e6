// One matcher serves one thread: match() updates the negative cache and uses a
// Hyperscan scratch space that cannot be shared. Matchers of several threads share
// the read-only tables (DomainTables) and keep those two of their own.
//
// Cost of a lookup: a name given as text is normalised into a stack buffer (a DNS
// name comes normalised from the parser), and its keyed tag looked up in the
// negative cache (the whole cost of a repeated benign name). Otherwise the hashes
// of all its parents come from one pass, each parent's word of the Bloom filter in
// front of the store's domain index is prefetched, so that the misses of a name
// with several parents overlap instead of queueing; then the regex trails, behind
// a literal prefilter. The DNS detector takes the first of these steps a few
// records early (advance()), so that what they fetch is there by the name's turn.
// The whitelist is consulted only when a trail matched (the outcome is the same,
// and most names match nothing), so stats().whitelisted counts alerts the
// whitelist silenced. Nothing allocates unless a trail matches (its text is
// built then).
#include "detect/domain_matcher.h"

#include "detect/hyperscan.h"
#include "detect/literal_prefilter.h"

#include <emmintrin.h>
#include <hs/hs.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/hashing.h"
#include "common/huge_array.h"
#include "common/text.h"

namespace spoor::detect {

namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxLabels = (kMaxName + 1) / 2;
constexpr std::string_view kLookupSite = ".ip-adress.com";
constexpr std::string_view kOnion = "onion";

// A lower-cased, validated name and where each of its labels starts: a view of
// a NameBuffer that normalise() filled, or of a DNS name as decoded.
struct Name {
    const char* text = nullptr;
    std::size_t size = 0;
    const std::uint8_t* starts = nullptr;
    std::size_t labels = 0;

    std::string_view view() const { return {text, size}; }
    // Label `i` alone (i < labels: the starts lie inside the name, as built).
    std::string_view label(std::size_t i) const {
        const std::size_t end = i + 1 < labels ? starts[i + 1] - 1u : size;
        return {text + starts[i], end - starts[i]};
    }
};

struct NameBuffer {
    // Room for a trailing dot (stripped) and for normalise()'s last 16-byte store.
    std::array<char, kMaxName + 1 + 16> text;
    std::array<std::uint8_t, kMaxName + 2> starts;
};

// The texts of Names lie in buffers of at least this size (NameBuffer, DnsName), which the
// hashes read whole words and blocks of, and the regex prefilter whole vectors: the 16-byte
// block holding a name's last byte, or a label's first word, may reach past the name (into
// bytes normalise() zeroes, or what a DnsName held before).
constexpr std::size_t kNameBufferBytes = 256;
static_assert(sizeof(NameBuffer::text) >= kNameBufferBytes &&
              sizeof(proto::DnsName::text) >= kNameBufferBytes &&
              kNameBufferBytes >= LiteralPrefilter::kBufferBytes &&
              kMaxName / 16 * 16 + 16 <= kNameBufferBytes && kMaxName < NhHash::kMaxBytes);

// Whether advance()'s step 2 hashes the suffixes of a name of `labels` labels that the
// negative cache does not hold; the lookup's last step uses those hashes only then.
bool hashed_ahead(std::size_t labels) {
    return labels > 0 && labels <= DomainMatcher::kProbedLabels;
}

// A decoded DNS name is normalised already.
Name name_of(const proto::DnsName& dns) {
    return {dns.text, dns.length, dns.starts, dns.labels};
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// ":" and 1..5 digits.
bool is_port(std::string_view s) {
    return s.size() >= 2 && s.size() <= 6 && s[0] == ':' &&
           std::all_of(s.begin() + 1, s.end(), is_digit);
}

// One 16-byte block of a name: the bytes lower-cased, which of them may be in a
// name ([a-z0-9_.-] after lower-casing) and which are dots, as bit masks. SSE2,
// which every x86-64 has: normalising is a fixed cost of every lookup, and a byte
// at a time it cost more than the negative cache's probe.
struct Block {
    __m128i lower;
    unsigned valid;
    unsigned dots;
};

__m128i load_block(const char* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

Block classify_block(__m128i v) {
    const auto in_range = [](__m128i v, char lo, char hi) {
        return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                             _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    // Bytes from 0x80 up are negative as signed chars: in no range, so invalid.
    const __m128i lower =
        _mm_or_si128(v, _mm_and_si128(in_range(v, 'A', 'Z'), _mm_set1_epi8(0x20)));
    const __m128i dots = _mm_cmpeq_epi8(lower, _mm_set1_epi8('.'));
    __m128i valid = _mm_or_si128(in_range(lower, 'a', 'z'), in_range(lower, '0', '9'));
    valid = _mm_or_si128(valid, _mm_cmpeq_epi8(lower, _mm_set1_epi8('-')));
    valid = _mm_or_si128(valid, _mm_cmpeq_epi8(lower, _mm_set1_epi8('_')));
    valid = _mm_or_si128(valid, dots);
    return {lower, static_cast<unsigned>(_mm_movemask_epi8(valid)),
            static_cast<unsigned>(_mm_movemask_epi8(dots))};
}

// Rule 1: lower-case, drop ":port" and then a trailing dot, and accept only
// labels of [a-z0-9_-], 1..63 long, 253 in all. Sixteen bytes at a time: the
// first byte no name may hold ends the name, and each dot starts a label.
bool normalise(std::string_view in, NameBuffer& buffer, Name& out) {
    const std::size_t limit = std::min(in.size(), kMaxName + 1);
    std::size_t size = 0;
    std::size_t labels = 1;
    buffer.starts[0] = 0;
    for (std::size_t at = 0; at < limit; at += 16) {
        const std::size_t left = limit - at;
        std::size_t overlap = 0;  // bytes of the block before `at`, already taken
        Block block;
        if (left >= 16) {
            block = classify_block(load_block(in.data() + at));
        } else if (at == 0) {
            // A short name: its bytes, then zeros, which end it.
            const std::uint64_t low = load_partial(in.data(), std::min<std::size_t>(left, 8));
            const std::uint64_t high = left > 8 ? load_partial(in.data() + 8, left - 8) : 0;
            block = classify_block(
                _mm_set_epi64x(static_cast<long long>(high), static_cast<long long>(low)));
        } else {
            // The last 16 bytes, overlapping the block before: the masks lose the
            // overlap, and the store writes those bytes again as they were.
            overlap = 16 - left;
            block = classify_block(load_block(in.data() + limit - 16));
            block.valid >>= overlap;
            block.dots >>= overlap;
        }
        _mm_storeu_si128(reinterpret_cast<__m128i*>(buffer.text.data() + at - overlap),
                         block.lower);
        const unsigned ended = ~block.valid & 0xffffu;
        const std::size_t taken = std::min<std::size_t>(std::countr_zero(ended | 0x10000u), left);
        for (unsigned dots = block.dots & ((1u << taken) - 1); dots != 0; dots &= dots - 1) {
            buffer.starts[labels++] = static_cast<std::uint8_t>(at + std::countr_zero(dots) + 1);
        }
        size = at + taken;
        if (taken < 16) {
            break;
        }
    }
    if (size < in.size() && !is_port(in.substr(size))) {
        return false;
    }
    if (size > 0 && buffer.text[size - 1] == '.') {
        --size;
        --labels;
    }
    if (size == 0 || size > kMaxName) {
        return false;
    }
    std::memset(buffer.text.data() + size, 0, 16);  // what hashes and the prefilter read past it
    out = Name{buffer.text.data(), size, buffer.starts.data(), labels};
    for (std::size_t i = 0; i < labels; ++i) {
        const std::size_t length = out.label(i).size();
        if (length == 0 || length > kMaxLabel) {
            return false;
        }
    }
    return true;
}

// A name whose last label is all digits is an address, which the IP trails cover.
bool is_address(const Name& name) {
    const std::string_view last = name.label(name.labels - 1);
    return std::all_of(last.begin(), last.end(), is_digit);
}

// `name` is `suffix` or lies under it.
bool is_under(std::string_view name, std::string_view suffix) {
    return name.ends_with(suffix) &&
           (name.size() == suffix.size() || name[name.size() - suffix.size() - 1] == '.');
}

// Rule 5: "ns1.", "ns.", "mx2.", "nic." — a zone's own servers, which sit under
// the zone that a suspicious or sinkhole trail names without being its content.
bool looks_like_name_server(const Name& name) {
    if (name.labels < 2) {
        return false;
    }
    std::string_view first = name.view().substr(0, name.starts[1] - 1);
    for (const std::string_view role : {"nic", "ns", "mx"}) {
        if (first.starts_with(role)) {
            first.remove_prefix(role.size());
            return std::all_of(first.begin(), first.end(), is_digit);
        }
    }
    return false;
}

// `word` in `text` between non-alphanumerics: "dynamic domain (suspicious)" is a
// dynamic DNS provider, "dynamicrat (malware)" a malware family.
bool has_word(std::string_view text, std::string_view word) {
    const auto is_alnum = [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c); };
    for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        const auto end = at + word.size();
        if ((at == 0 || !is_alnum(text[at - 1])) && (end == text.size() || !is_alnum(text[end]))) {
            return true;
        }
    }
    return false;
}

enum RecordRule : std::uint8_t {
    kSubdomainsOnly = 1,     // rule 4: dynamic DNS and free web hosting providers
    kNotForNameServers = 2,  // rule 5: suspicious and sinkhole trails
};

std::uint8_t rules_for(const trails::RecordView& record) {
    std::uint8_t rules = 0;
    if (has_word(record.info, "dynamic") || has_word(record.info, "free web")) {
        rules |= kSubdomainsOnly;
    }
    if (has_word(record.info, "suspicious") || has_word(record.info, "sinkhole")) {
        rules |= kNotForNameServers;
    }
    return rules;
}

// hashes[i] = trails::hash_domain(the name from label i on) for every label i: the same chain, in
// one pass from the right. A label's word is read whole (hash_chain_padded) unless it lies at the
// very end of the buffer.
void suffix_hashes(const Name& name, std::uint64_t* hashes) {
    std::uint64_t h = kHashSeed;
    for (std::size_t i = name.labels; i-- > 0;) {
        const std::string_view label = name.label(i);
        h = std::size_t{name.starts[i]} + 8 <= kNameBufferBytes ? hash_chain_padded(h, label)
                                                                : hash_chain(h, label);
        hashes[i] = finish_hash(h);
    }
}

using trails::kNoRecord;

// Names that matched nothing, so that a repeated benign name costs one probe.
// A name is remembered as 32 bits of a keyed hash (NhHash, under a key drawn at
// start; SipHash cost as much as the rest of a cached lookup together): no
// text to compare, so a bucket of fifteen fits a cache line (the cache of a busy
// sensor then stays in L2), and without the key nobody can make a malicious
// name collide with a cached benign one to silence it (by chance: 30 in 2^32 a
// lookup, while such a name is cached). Each name has two buckets and goes into
// the emptier one, which keeps buckets from overflowing (a full pair forgets
// its oldest name) at eleven names a bucket on average.
// Once `capacity` names are held, the next one makes the cache forget everything
// by moving to a new generation, O(1): a bucket of an older generation counts as
// empty. A sensor whose benign names outnumber the capacity pays a burst of cold
// lookups each time; up to it, every name stays.
class NegativeCache {
  public:
    using Key = DomainMatcher::NameKey;

    explicit NegativeCache(std::size_t capacity)
        : capacity_(capacity), buckets_(capacity == 0 ? 0 : capacity / 11 + 2, Bucket{}) {}

    // A Name's text lies in a buffer of kNameBufferBytes: the padded hash may read its last
    // block whole.
    Key key(const Name& name) const {
        const std::uint64_t h = hash_.padded(name.text, name.size);
        const auto tag = std::max<std::uint32_t>(static_cast<std::uint32_t>(h), 1);
        const std::uint64_t count = buckets_.size();
        // Both buckets from the high half (the second from it multiplied by an odd number,
        // which stirs its low bits up), without a division. Not from the tag: names of one
        // tag would then share a bucket, and a name would find a cached name of its tag
        // there with a chance of one in 2^33 for every name cached, not of 2 in the buckets'
        // count.
        const auto high = static_cast<std::uint32_t>(h >> 32);
        const auto stirred = static_cast<std::uint32_t>(high * 0x9e3779b9u);
        return {static_cast<std::uint32_t>((std::uint64_t{high} * count) >> 32),
                static_cast<std::uint32_t>((std::uint64_t{stirred} * count) >> 32), tag};
    }

    // Both buckets at once: a name may be in either, and the second miss then
    // overlaps the first instead of following it.
    void prefetch(const Key& key) const {
        if (!buckets_.empty()) {
            __builtin_prefetch(&buckets_[key.first]);
            __builtin_prefetch(&buckets_[key.second]);
        }
    }

    bool contains(const Key& key) const {
        // Both buckets compared in vectors, one test at the end: a branch on which bucket
        // holds the name (as `a | b` of two bools compiled) goes either way at random.
        return !buckets_.empty() &&
               _mm_movemask_epi8(_mm_or_si128(holding(buckets_[key.first], key.tag),
                                              holding(buckets_[key.second], key.tag))) != 0;
    }

    void insert(const Key& key) {
        if (buckets_.empty()) {
            return;
        }
        if (held_ == capacity_) {
            held_ = 0;
            ++generation_;
        }
        Bucket& a = current(buckets_[key.first]);
        Bucket& b = current(buckets_[key.second]);
        Bucket& bucket = free_ways(b) > free_ways(a) ? b : a;
        if (bucket.ways.back() == 0) {
            ++held_;
        }
        std::copy_backward(bucket.ways.begin(), bucket.ways.end() - 1, bucket.ways.end());
        bucket.ways[0] = key.tag;
    }

  private:
    static constexpr std::size_t kWays = 15;

    struct alignas(64) Bucket {
        std::uint32_t generation = 0;
        std::array<std::uint32_t, kWays> ways{};  // newest first, free (0) ones last
    };
    static_assert(sizeof(Bucket) == 64 && offsetof(Bucket, ways) == 4);

    // Which ways of the bucket hold `value`, four bits a way: its cache line as four
    // vectors, all fifteen ways compared at once (the first lane, the generation, left out).
    static std::uint64_t ways_equal(const Bucket& bucket, std::uint32_t value) {
        const auto* line = reinterpret_cast<const __m128i*>(&bucket);
        const __m128i want = _mm_set1_epi32(static_cast<int>(value));
        const auto equal = [&](int i) {
            return static_cast<std::uint64_t>(
                _mm_movemask_epi8(_mm_cmpeq_epi32(_mm_load_si128(line + i), want)));
        };
        return (equal(0) & ~0xfull) | equal(1) << 16 | equal(2) << 32 | equal(3) << 48;
    }

    // Lanes all ones where a way of `bucket` holds `tag`, if the bucket is of the current
    // generation (none otherwise): the first lane's generation compared with the current one
    // and spread over all lanes, then shifted out of the ways' compare.
    __m128i holding(const Bucket& bucket, std::uint32_t tag) const {
        const auto* line = reinterpret_cast<const __m128i*>(&bucket);
        const auto t = static_cast<int>(tag);
        const __m128i want = _mm_set1_epi32(t);
        const __m128i head = _mm_cmpeq_epi32(
            _mm_load_si128(line), _mm_setr_epi32(static_cast<int>(generation_), t, t, t));
        __m128i ways = _mm_or_si128(_mm_cmpeq_epi32(_mm_load_si128(line + 1), want),
                                    _mm_cmpeq_epi32(_mm_load_si128(line + 2), want));
        ways = _mm_or_si128(ways, _mm_cmpeq_epi32(_mm_load_si128(line + 3), want));
        ways = _mm_or_si128(ways, _mm_srli_si128(head, 4));
        return _mm_and_si128(ways, _mm_shuffle_epi32(head, 0));
    }

    Bucket& current(Bucket& bucket) const {
        if (bucket.generation != generation_) {
            bucket = Bucket{generation_, {}};
        }
        return bucket;
    }

    // Free ways come last: where the first one is says how many there are (none: the bit
    // past the last way).
    static int free_ways(const Bucket& bucket) {
        return (64 - std::countr_zero(ways_equal(bucket, 0) | std::uint64_t{1} << 63)) / 4;
    }

    NhHash hash_;
    std::size_t capacity_;
    HugeArray<Bucket> buckets_;
    std::size_t held_ = 0;
    std::uint32_t generation_ = 1;
};

// Regex domain trails are domain-shaped patterns ("[a-z0-9]{10}\.temp\.swtest\.ru",
// "byethost[0-9]+\.com"): like a domain trail they name a zone, so a pattern must
// match the whole name or a whole suffix that starts on a label boundary. Maltrail
// searches them unanchored, which also flags "mybyethost1.com" or
// "helplog123.tk.example.net"; the anchors keep a pattern to the names it spells.
// A pattern's own leading ^ or trailing $ still work (^ then means the whole
// name); one elsewhere is as Hyperscan takes it, or refused. Caseless,
// because a line keeps its case ("\D" is not "\d") while names are lower-cased.
// As every match ends with the name, a regex trail's text has no "(suffix)".
class RegexDomains {
  public:
    struct Pattern {
        std::string_view text;
        std::uint32_t record;
    };

    // Compiles `patterns` (in text order, so that ids, and ties between patterns, do not
    // depend on where they came from).
    explicit RegexDomains(std::span<const Pattern> patterns) {
        std::vector<std::string> wrapped;
        for (const auto& [text, record] : patterns) {
            // Checked alone first: a pattern that parses is balanced, so the wrapping
            // group below cannot be closed early by the pattern ("a)|(b").
            const std::string pattern(text);
            if (const auto why = hyperscan::check(pattern.c_str(), HS_FLAG_CASELESS)) {
                skip(text, *why);
                continue;
            }
            // Hyperscan refuses a ^ inside a group: a pattern that opens with one
            // already says "the whole name", so it takes the outer anchor's place.
            if (pattern.starts_with('^')) {
                wrapped.push_back("^(?:" + pattern.substr(1) + ")$");
            } else {
                wrapped.push_back("(?:^|\\.)(?:" + pattern + ")$");
            }
            texts_.push_back(pattern);
            records_.push_back(record);
        }
        compile(wrapped);
        finish();
    }

    // What serialize() wrote, without compiling; nullopt (and a log line saying why) when
    // the bytes are not such databases or Hyperscan cannot take them on this machine (a
    // store compiled for another CPU or by another Hyperscan).
    static std::optional<RegexDomains> deserialize(std::span<const std::byte> bytes,
                                                   std::size_t record_count) {
        ByteReader in{bytes};
        RegexDomains out;
        std::uint32_t magic = 0;
        std::uint32_t count = 0;
        if (!in.read(magic) || magic != kMagic || !in.read(count) || count > bytes.size()) {
            spdlog::warn("{}: the store's compiled databases are malformed: compiling them", kWhat);
            return std::nullopt;
        }
        for (std::uint32_t i = 0; i < count; ++i) {
            std::uint32_t record = 0;
            std::string_view text;
            if (!in.read(record) || !in.read_text(text) || record >= record_count) {
                spdlog::warn("{}: the store's pattern list is damaged: compiling them", kWhat);
                return std::nullopt;
            }
            out.records_.push_back(record);
            out.texts_.emplace_back(text);
        }
        for (hyperscan::Database* db : {&out.filter_, &out.locate_}) {
            std::string_view blob;
            hs_database_t* raw = nullptr;
            if (!in.read_text(blob) ||
                hs_deserialize_database(blob.data(), blob.size(), &raw) != HS_SUCCESS) {
                spdlog::warn(
                    "{}: Hyperscan cannot load the store's databases here: compiling "
                    "them",
                    kWhat);
                return std::nullopt;
            }
            db->reset(raw);
        }
        out.finish();
        return out;
    }

    // The patterns Hyperscan took, their records and both databases, for a store.
    std::vector<std::byte> serialize() const {
        std::vector<std::byte> out;
        const auto put = [&out](const void* data, std::size_t size) {
            const auto* p = static_cast<const std::byte*>(data);
            out.insert(out.end(), p, p + size);
        };
        const auto put_text = [&](std::string_view text) {
            const auto size = static_cast<std::uint64_t>(text.size());
            put(&size, sizeof(size));
            put(text.data(), text.size());
        };
        const auto count = static_cast<std::uint32_t>(records_.size());
        put(&kMagic, sizeof(kMagic));
        put(&count, sizeof(count));
        for (std::size_t i = 0; i < records_.size(); ++i) {
            put(&records_[i], sizeof(records_[i]));
            put_text(texts_[i]);
        }
        for (const hyperscan::Database* db : {&filter_, &locate_}) {
            char* bytes = nullptr;
            std::size_t size = 0;
            if (!*db || hs_serialize_database(db->get(), &bytes, &size) != HS_SUCCESS) {
                put_text({});
                continue;
            }
            put_text({bytes, size});
            std::free(bytes);  // Hyperscan's default allocator is malloc
        }
        return out;
    }

    // The leftmost (longest) match of any pattern, as [begin, end of name) with
    // `begin` on a label start; ties go to the first pattern in text order.
    struct Match {
        std::size_t begin = 0;
        std::uint32_t record = kNoRecord;
    };
    // Hyperscan's scratch space is per thread: each matcher has its own (scratch()).
    hyperscan::Scratch scratch() const { return hyperscan::clone(prototype_, kWhat); }

    Match search(const Name& name, hs_scratch_t* scratch) const {
        Match best;
        if (!filter_ || !prefilter_.may_match(name.view(), {name.starts, name.labels})) {
            return best;
        }
        const auto data = name.text;
        const auto size = static_cast<unsigned int>(name.size);
        const auto stop = [](unsigned int, unsigned long long, unsigned long long, unsigned int,
                             void*) -> int { return 1; };
        if (hs_scan(filter_.get(), data, size, 0, scratch, stop, nullptr) != HS_SCAN_TERMINATED) {
            return best;
        }
        struct Leftmost {
            unsigned long long from = std::numeric_limits<unsigned long long>::max();
            unsigned int id = 0;
        } leftmost;
        const auto keep = [](unsigned int id, unsigned long long from, unsigned long long,
                             unsigned int, void* ctx) -> int {
            auto& l = *static_cast<Leftmost*>(ctx);
            if (from < l.from || (from == l.from && id < l.id)) {
                l.from = from;
                l.id = id;
            }
            return 0;
        };
        if (hs_scan(locate_.get(), data, size, 0, scratch, keep, &leftmost) != HS_SUCCESS ||
            leftmost.from == std::numeric_limits<unsigned long long>::max() ||
            leftmost.id >= records_.size()) {  // a database that is not these patterns
            return best;  // the databases disagree: Hyperscan's start tracking gave up
        }
        // A match that starts past 0 starts at the dot before its first label.
        best.begin = leftmost.from == 0 ? 0 : static_cast<std::size_t>(leftmost.from) + 1;
        best.record = records_[leftmost.id];
        return best;
    }

  private:
    static constexpr std::string_view kWhat = "regex domain trails";

    // A line Hyperscan refuses is one bad trail, not a reason to run without the
    // others: it is logged by name and left out.
    static void skip(std::string_view pattern, std::string_view why) {
        spdlog::warn("regex domain trail '{}' skipped: {}", pattern, why);
    }

    RegexDomains() = default;

    static constexpr std::uint32_t kMagic = 0x31445852;  // "RXD1"

    // Reads what serialize() wrote, bounds checked.
    struct ByteReader {
        std::span<const std::byte> bytes;
        std::size_t at = 0;

        template <typename T>
        bool read(T& value) {
            if (bytes.size() - at < sizeof(T)) {
                return false;
            }
            std::memcpy(&value, bytes.data() + at, sizeof(T));
            at += sizeof(T);
            return true;
        }
        bool read_text(std::string_view& text) {
            std::uint64_t size = 0;
            if (!read(size) || bytes.size() - at < size) {
                return false;
            }
            text = {reinterpret_cast<const char*>(bytes.data() + at),
                    static_cast<std::size_t>(size)};
            at += static_cast<std::size_t>(size);
            return true;
        }
    };

    // The database, or null with the index of the expression Hyperscan refused in `bad`.
    hyperscan::Database compile_one(const std::vector<std::string>& wrapped, unsigned int flag,
                                    std::size_t& bad) const {
        std::vector<hyperscan::Expression> expressions;
        expressions.reserve(wrapped.size());
        for (std::size_t i = 0; i < wrapped.size(); ++i) {
            expressions.push_back({wrapped[i].c_str(), flag, static_cast<unsigned int>(i)});
        }
        hyperscan::Compiled compiled = hyperscan::compile(expressions, kWhat);
        if (compiled.refused) {
            bad = *compiled.refused;
            skip(texts_[bad], compiled.error);
        }
        return std::move(compiled.database);
    }

    // Two databases of the same patterns. Start of match costs Hyperscan about
    // three times the scan, and almost no name matches: `filter_` answers whether
    // any pattern matches and stops at the first; only then does `locate_` find
    // where the leftmost match starts.
    void compile(std::vector<std::string>& wrapped) {
        // Hyperscan names the first expression it refuses; drop it and compile again.
        while (!wrapped.empty()) {
            std::size_t bad = 0;
            locate_ = compile_one(wrapped, HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST, bad);
            if (locate_) {
                filter_ = compile_one(wrapped, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, bad);
                if (filter_) {
                    break;
                }
                locate_.reset();
            }
            wrapped.erase(wrapped.begin() + static_cast<std::ptrdiff_t>(bad));
            texts_.erase(texts_.begin() + static_cast<std::ptrdiff_t>(bad));
            records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(bad));
        }
    }

    // What both ways of making the databases share: the prefilter and one scratch.
    void finish() {
        for (const std::string& text : texts_) {
            prefilter_.add(required_literals(text));
        }
        prototype_ = hyperscan::scratch_for({filter_.get(), locate_.get()}, kWhat);
    }

    LiteralPrefilter prefilter_;  // of the patterns Hyperscan took
    hyperscan::Database filter_;
    hyperscan::Database locate_;
    hyperscan::Scratch prototype_;        // sized for both databases; matchers clone it
    std::vector<std::string> texts_;      // by Hyperscan id
    std::vector<std::uint32_t> records_;  // by Hyperscan id
};

// A trail that matched: the name's text [begin, end) is the trail's key.
struct Hit {
    std::uint32_t record = kNoRecord;
    std::size_t begin = 0;
    std::size_t end = 0;
    DomainRule rule = DomainRule::Exact;
};

// "(a.b).evil.com", "abc.onion(.ws)", "x(.ip-adress.com)": the part the trail
// names, with the rest of the name in parentheses.
std::string trail_text(const Name& name, const Hit& hit) {
    const std::string_view text = name.view();
    std::string out;
    out.reserve(text.size() + 4);
    if (hit.begin > 0) {
        out += '(';
        out += text.substr(0, hit.begin - 1);
        out += ").";
    }
    out += text.substr(hit.begin, hit.end - hit.begin);
    if (hit.end < text.size()) {
        out += '(';
        out += text.substr(hit.end);
        out += ')';
    }
    return out;
}

std::shared_ptr<const trails::TrailStore> require(
    std::shared_ptr<const trails::TrailStore> trails) {
    if (!trails) {
        throw std::invalid_argument("DomainMatcher needs trails");
    }
    return trails;
}

// The store's regex domain trails, in text order as the index keeps them.
std::vector<RegexDomains::Pattern> regex_patterns(const trails::KeyIndex& index) {
    std::vector<RegexDomains::Pattern> patterns;
    patterns.reserve(index.size());
    index.for_each([&](std::string_view key, std::uint32_t record) {
        patterns.push_back({key, record});
    });
    // In text order, operator's patterns among the others, as compile_regex_domains() has them.
    std::sort(patterns.begin(), patterns.end(),
              [](const auto& a, const auto& b) { return a.text < b.text; });
    return patterns;
}

// The databases a compiled store carries, else compiled now.
RegexDomains regex_domains_of(const trails::TrailStore& trails) {
    const auto compiled = trails.regex_database();
    if (!compiled.empty()) {
        if (auto loaded = RegexDomains::deserialize(compiled, trails.record_count())) {
            return std::move(*loaded);
        }
    }
    return RegexDomains(regex_patterns(trails.index(trails::IndicatorKind::RegexDomain)));
}

}  // namespace

const char* rule_name(DomainRule rule) {
    switch (rule) {
        case DomainRule::Exact:
            return "exact";
        case DomainRule::Parent:
            return "parent";
        case DomainRule::Embedded:
            return "embedded";
        case DomainRule::Regex:
            return "regex";
    }
    return "?";
}

std::vector<std::byte> compile_regex_domains(const trails::TrailSet& set) {
    std::vector<RegexDomains::Pattern> patterns;
    for (const auto& [text, record] : set.regex_domains) {
        patterns.push_back({text, record});
    }
    std::sort(patterns.begin(), patterns.end(),
              [](const auto& a, const auto& b) { return a.text < b.text; });
    return RegexDomains(patterns).serialize();
}

// What every matcher of one trail store shares, read-only: the index, the regex
// databases, the rules and the internal suffixes.
struct DomainTables {
    DomainTables(std::shared_ptr<const trails::TrailStore> trails_in,
                 std::shared_ptr<const trails::Whitelist> whitelist_in,
                 const DomainMatcherConfig& config)
        : trails(std::move(trails_in)),
          whitelist(std::move(whitelist_in)),
          index(trails->index(trails::IndicatorKind::Domain)),
          regex(regex_domains_of(*trails)) {
        rules.reserve(trails->record_count());
        for (std::uint32_t id = 0; id < trails->record_count(); ++id) {
            rules.push_back(rules_for(trails->record(id)));
        }
        for (std::string_view suffix : config.internal_suffixes) {
            while (suffix.starts_with('.')) {
                suffix.remove_prefix(1);
            }
            while (suffix.ends_with('.')) {
                suffix.remove_suffix(1);
            }
            if (!suffix.empty()) {
                std::string lower(suffix);
                std::transform(lower.begin(), lower.end(), lower.begin(), to_lower_ascii);
                internal.push_back(std::move(lower));
            }
        }
        internal.push_back("localhost");
        for (const std::string& suffix : internal) {
            const auto dot = suffix.rfind('.');
            internal_last_labels.push_back(dot == std::string::npos
                                               ? std::string_view(suffix)
                                               : std::string_view(suffix).substr(dot + 1));
            const std::string_view last = internal_last_labels.back();
            internal_filter[last.size() % 64] |= first_byte_bit(last);
        }
    }

    // Rule 2, before any trail: the configured suffixes, and localhost (with the
    // names under it, RFC 6761) whatever the configuration says. A bit for each
    // length and first byte of their last labels turns most names away at once.
    bool is_internal(const Name& name) const {
        const std::string_view last = name.label(name.labels - 1);
        if ((internal_filter[last.size() % 64] & first_byte_bit(last)) == 0) {
            return false;
        }
        for (std::size_t i = 0; i < internal.size(); ++i) {
            if (last == internal_last_labels[i] && is_under(name.view(), internal[i])) {
                return true;
            }
        }
        return false;
    }

    // Of a label's first byte, the low six bits: a letter's differ from one another.
    static std::uint64_t first_byte_bit(std::string_view label) {
        return std::uint64_t{1} << (static_cast<unsigned char>(label[0]) & 63);
    }

    // Rules 4 and 5 for a trail found at `begin` of the name.
    bool alerts(const Name& name, std::uint32_t record, std::size_t begin) const {
        const std::uint8_t rule = rules[record];
        if ((rule & kNotForNameServers) && looks_like_name_server(name)) {
            return false;
        }
        if (rule & kSubdomainsOnly) {
            // The provider's own name and its web site are not one of its customers.
            const bool own_site = begin == 0 || (begin == 4 && name.view().starts_with("www."));
            if (own_site) {
                return false;
            }
        }
        return true;
    }

    // Tries the name's text from each label in [first, last) up to `end`, longest first.
    // Most keys the Bloom filter turns away, inline: only the others are looked up.
    Hit walk(const Name& name, std::size_t first, std::size_t last, std::size_t end,
             const std::uint64_t* hashes) const {
        for (std::size_t i = first; i < last; ++i) {
            const std::size_t begin = name.starts[i];
            const std::string_view key{name.text + begin, end - begin};
            const std::uint64_t h = hashes ? hashes[i] : trails::hash_domain(key);
            if (!index.may_hold(h)) {
                continue;
            }
            const std::uint32_t record = index.find(key, h);
            if (record != kNoRecord && alerts(name, record, begin)) {
                return Hit{record, begin, end};
            }
        }
        return {};
    }

    // Rules 6 and 7: a name that embeds another one, tried before the parents,
    // whose hits (the gateway, the lookup site) say less than the embedded name.
    Hit embedded(const Name& name) const {
        const std::string_view text = name.view();
        if (text.size() > kLookupSite.size() && text.ends_with(kLookupSite)) {
            const std::size_t end = text.size() - kLookupSite.size();
            std::size_t last = 0;
            while (last < name.labels && name.starts[last] < end) {
                ++last;
            }
            if (const Hit hit = walk(name, 0, last, end, nullptr); hit.record != kNoRecord) {
                return hit;
            }
        }
        // "x.onion.<gateway>": the service itself, down to but not including the
        // bare "onion" label, which names every hidden service at once.
        for (std::size_t j = 1; j + 1 < name.labels; ++j) {
            if (name.label(j) == kOnion) {
                return walk(name, 0, j, name.starts[j] + kOnion.size(), nullptr);
            }
        }
        return {};
    }

    Hit find(const Name& name, const std::uint64_t* hashes, hs_scratch_t* scratch) const {
        // The regex scan comes last in precedence but runs first: it is work for the CPU
        // while the Bloom words hash_suffixes() fetched are on their way (a record early
        // after advance()'s step 2, just now otherwise).
        const auto match = regex.search(name, scratch);
        if (Hit hit = walk(name, 0, 1, name.size, hashes); hit.record != kNoRecord) {
            return hit;
        }
        if (Hit hit = embedded(name); hit.record != kNoRecord) {
            hit.rule = DomainRule::Embedded;
            return hit;
        }
        if (Hit hit = walk(name, 1, name.labels, name.size, hashes); hit.record != kNoRecord) {
            hit.rule = DomainRule::Parent;
            return hit;
        }
        if (match.record != kNoRecord && alerts(name, match.record, match.begin)) {
            return Hit{match.record, match.begin, name.size, DomainRule::Regex};
        }
        return {};
    }

    std::shared_ptr<const trails::TrailStore> trails;
    std::shared_ptr<const trails::Whitelist> whitelist;
    const trails::KeyIndex& index;  // of `trails`
    RegexDomains regex;
    std::vector<std::uint8_t> rules;  // RecordRule bits by record id
    std::vector<std::string> internal;
    std::vector<std::string_view> internal_last_labels;  // of each, in `internal`
    // By a last label's length (mod 64), the first_byte_bit() of each of those.
    std::array<std::uint64_t, 64> internal_filter{};
};

// One matcher's own: the negative cache and the Hyperscan scratch.
struct DomainMatcher::Impl {
    using Lookup = DomainMatcher::Lookup;

    Impl(std::shared_ptr<const DomainTables> tables_in, std::size_t cache_entries)
        : tables(std::move(tables_in)), cache(cache_entries), scratch(tables->regex.scratch()) {}

    // The rest of `lookup`, from the steps advance() took (at least the first: `key`).
    std::optional<DomainMatch> lookup(const Name& name, const Lookup& lookup,
                                      DomainMatcherStats& stats) {
        ++stats.lookups;
        // First, as it is all a repeated benign name costs; a name that rule 2 or the one on
        // addresses turns away is cached like one that matched nothing. A name step 2 did not
        // find may have been cached since (the same name a record or two earlier).
        if ((lookup.steps == 2 && lookup.cached) || cache.contains(lookup.key)) {
            ++stats.cache_hits;
            return std::nullopt;
        }
        const bool hashed = lookup.steps == 2 && hashed_ahead(name.labels);
        return look_up_uncached(name, lookup.key, hashed ? lookup.hashes.data() : nullptr, stats);
    }

    // The hashes of all the name's suffixes, into `hashes`, and their Bloom words fetched.
    void hash_suffixes(const Name& name, std::uint64_t* hashes) const {
        suffix_hashes(name, hashes);
        for (std::size_t i = 0; i < name.labels; ++i) {
            tables->index.prefetch(hashes[i]);
        }
    }

    // The rest, out of line so that the probe above stays small enough to inline. `hashes`
    // are those of hash_suffixes(), or null to compute them here.
    [[gnu::noinline]] std::optional<DomainMatch> look_up_uncached(const Name& name,
                                                                  const NegativeCache::Key& cached,
                                                                  const std::uint64_t* hashes,
                                                                  DomainMatcherStats& stats) {
        if (is_address(name) || tables->is_internal(name)) {
            cache.insert(cached);
            return std::nullopt;
        }
        std::array<std::uint64_t, kMaxLabels> computed;
        if (hashes == nullptr) {
            hash_suffixes(name, computed.data());
            hashes = computed.data();
        }
        Hit hit = tables->find(name, hashes, scratch.get());
        if (hit.record != kNoRecord && tables->whitelist &&
            tables->whitelist->has_name(name.view())) {
            ++stats.whitelisted;
            hit.record = kNoRecord;
        }
        if (hit.record == kNoRecord) {
            cache.insert(cached);
            return std::nullopt;
        }
        ++stats.matches;
        return DomainMatch{trail_text(name, hit), hit.record, hit.rule};
    }

    std::shared_ptr<const DomainTables> tables;
    NegativeCache cache;
    hyperscan::Scratch scratch;
};

DomainMatcher::DomainMatcher(std::shared_ptr<const trails::TrailStore> trails,
                             std::shared_ptr<const trails::Whitelist> whitelist,
                             DomainMatcherConfig config)
    : impl_(std::make_unique<Impl>(std::make_shared<const DomainTables>(
                                       require(std::move(trails)), std::move(whitelist), config),
                                   config.negative_cache_entries)) {}

DomainMatcher::DomainMatcher(const DomainMatcher& tables_of, std::size_t negative_cache_entries)
    : impl_(std::make_unique<Impl>(tables_of.impl_->tables, negative_cache_entries)) {}

DomainMatcher::~DomainMatcher() = default;

std::optional<DomainMatch> DomainMatcher::match(std::string_view input) {
    NameBuffer buffer;
    Name name;
    if (!normalise(input, buffer, name)) {
        ++stats_.lookups;
        return std::nullopt;
    }
    Lookup lookup;
    lookup.steps = 1;
    lookup.key = impl_->cache.key(name);
    return impl_->lookup(name, lookup, stats_);
}

std::optional<DomainMatch> DomainMatcher::match(const proto::DnsName& dns) {
    Lookup lookup;
    advance(dns, lookup);
    return match(dns, lookup);
}

void DomainMatcher::take_first_step(const proto::DnsName& dns, Lookup& lookup) const {
    lookup.key = impl_->cache.key(name_of(dns));
    impl_->cache.prefetch(lookup.key);
    lookup.steps = 1;
}

void DomainMatcher::take_second_step(const proto::DnsName& dns, Lookup& lookup) const {
    lookup.cached = impl_->cache.contains(lookup.key);
    if (!lookup.cached && dns.valid && hashed_ahead(dns.labels)) {
        impl_->hash_suffixes(name_of(dns), lookup.hashes.data());
    }
    lookup.steps = 2;
}

std::optional<DomainMatch> DomainMatcher::match(const proto::DnsName& dns, const Lookup& lookup) {
    if (!dns.valid || dns.labels == 0) {
        ++stats_.lookups;
        return std::nullopt;
    }
    if (lookup.steps == 0) {
        return match(dns);  // no step taken yet: the first one now
    }
    return impl_->lookup(name_of(dns), lookup, stats_);
}

}  // namespace spoor::detect
