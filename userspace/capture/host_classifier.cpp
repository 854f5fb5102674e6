#include "capture/host_classifier.h"

#include <algorithm>
#include <cstring>

#include "bpf/filter_image.h"

// --- the host environment of bpf/lib/classify.h ----------------------------
// classify.h calls spoor_env_* functions on a `struct spoor_env`; the kernel
// build defines them over maps (env_kernel.h), this file over HostTables.

struct spoor_env {
    spoor::capture::HostTables* tables;
    __u64 now;  // packet time of the frame being classified
};

static inline void spoor_env_count(struct spoor_env* env, __u32 counter, __u64 value);
static inline __u64 spoor_env_now(struct spoor_env* env);
static inline __u32 spoor_env_generation(struct spoor_env* env);
static inline __u32 spoor_env_gen_flags(struct spoor_env* env, __u32 gen);
static inline __u32 spoor_env_filter_bits(struct spoor_env* env, __u32 gen, __u32 bucket);
static inline const struct spoor_trail_value* spoor_env_lookup_exact(struct spoor_env* env,
                                                                     __u32 gen, const __u8* addr,
                                                                     __u8 family);
static inline const struct spoor_trail_value* spoor_env_lookup_prefix(struct spoor_env* env,
                                                                      __u32 gen, const __u8* addr,
                                                                      __u8 family);
static inline const struct spoor_trail_value* spoor_env_lookup_ipport(struct spoor_env* env,
                                                                      __u32 gen, const __u8* addr,
                                                                      __u8 family, __u16 port);
static inline int spoor_env_dedup_claim(struct spoor_env* env, const struct spoor_dedup_key* key,
                                        __u64 now);
static inline int spoor_env_udp_triple_claim(struct spoor_env* env,
                                             const struct spoor_udp_triple_key* key, __u64 now);
static inline struct spoor_followup_slot* spoor_env_followup_slot(struct spoor_env* env,
                                                                  __u32 index);

#include "lib/classify.h"

namespace spoor::capture {
namespace {

// Hash of the raw bytes of a fixed-layout ABI key (padding is always zeroed), a word at a time.
template <typename Key>
std::uint64_t key_hash(const Key& key) {
    static_assert(sizeof(Key) % 4 == 0);
    const auto* p = reinterpret_cast<const unsigned char*>(&key);
    std::uint64_t h = 0x9e3779b97f4a7c15ull;
    std::size_t i = 0;
    for (; i + 8 <= sizeof(Key); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (i < sizeof(Key)) {
        std::uint32_t w;
        std::memcpy(&w, p + i, 4);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    }
    return h ^ (h >> 29);
}

// A bounded "last seen" table like the kernel's LRU maps, without allocation after start-up:
// set-associative, 8 ways a set, and a full set gives up its least recently claimed entry.
// Like the kernel's LRU (per-CPU lists, approximate), it bounds memory, not exact recency.
template <typename Key>
class SeenTable {
  public:
    explicit SeenTable(std::size_t capacity) {
        std::size_t sets = 1;
        while (sets * kWays < capacity) {
            sets <<= 1;
        }
        slots_.resize(sets * kWays);
        set_mask_ = sets - 1;
    }

    // The kernel's claim: true when the key is absent or was last claimed a window ago.
    bool claim(const Key& key, std::uint64_t now, std::uint64_t window) {
        Slot* set = &slots_[(key_hash(key) & set_mask_) * kWays];
        Slot* victim = set;
        for (Slot* slot = set; slot != set + kWays; ++slot) {
            if (slot->used && std::memcmp(&slot->key, &key, sizeof(Key)) == 0) {
                if (now - slot->seen < window) {
                    return false;
                }
                slot->seen = now;
                return true;
            }
            if (!slot->used || (victim->used && slot->seen < victim->seen)) {
                victim = slot;
            }
        }
        *victim = Slot{key, now, true};
        return true;
    }

  private:
    static constexpr std::size_t kWays = 8;
    struct Slot {
        Key key{};
        std::uint64_t seen = 0;
        bool used = false;
    };
    std::vector<Slot> slots_;
    std::size_t set_mask_ = 0;
};

}  // namespace

struct HostTables {
    std::shared_ptr<const trails::TrailStore> trails;
    bpf::SensorConfig config;
    bpf::FilterImage filter;
    std::vector<std::uint8_t> prefix_lengths[2];  // per family (v4, v6), longest first
    spoor_trail_value found{};                    // value returned by the last lookup
    // The kernel maps' sizes (abi.h): the same bounds, the same behaviour.
    SeenTable<spoor_dedup_key> dedup{SPOOR_DEDUP_ENTRIES};
    SeenTable<spoor_udp_triple_key> udp_triples{SPOOR_UDP_TRIPLE_ENTRIES};
    std::vector<spoor_followup_slot> followups =
        std::vector<spoor_followup_slot>(SPOOR_FOLLOWUP_SLOTS);
    spoor_counters counters{};

    const spoor_trail_value* found_value(std::uint32_t id, std::uint32_t prefix_len) {
        found = {id, prefix_len};
        return &found;
    }
};

}  // namespace spoor::capture

using spoor::IpAddress;
using spoor::trails::IpPort;
using spoor::trails::Prefix;

static inline void spoor_env_count(struct spoor_env* env, __u32 counter, __u64 value) {
    if (counter < SPOOR_CNT_MAX) {
        env->tables->counters.c[counter] += value;
    }
}

static inline __u64 spoor_env_now(struct spoor_env* env) {
    return env->now;
}

// Replay loads one trail set: it lives in generation 0.
static inline __u32 spoor_env_generation(struct spoor_env*) {
    return 0;
}

static inline __u32 spoor_env_gen_flags(struct spoor_env* env, __u32) {
    return env->tables->filter.gen_flags;
}

static inline __u32 spoor_env_filter_bits(struct spoor_env* env, __u32, __u32 bucket) {
    const auto word = env->tables->filter.words[spoor_filter_index(0, bucket)];
    return (word >> spoor_filter_shift(bucket)) & 3;
}

static inline const struct spoor_trail_value* spoor_env_lookup_exact(struct spoor_env* env, __u32,
                                                                     const __u8* addr,
                                                                     __u8 family) {
    const std::uint32_t id = env->tables->trails->find_ip(IpAddress::from_bytes(family, addr));
    return id == spoor::trails::kNoRecord ? nullptr
                                          : env->tables->found_value(id, family == 4 ? 32 : 128);
}

static inline const struct spoor_trail_value* spoor_env_lookup_prefix(struct spoor_env* env, __u32,
                                                                      const __u8* addr,
                                                                      __u8 family) {
    const auto address = IpAddress::from_bytes(family, addr);
    for (const std::uint8_t len : env->tables->prefix_lengths[family == 4 ? 0 : 1]) {
        const std::uint32_t id = env->tables->trails->find_prefix(Prefix{address.masked(len), len});
        if (id != spoor::trails::kNoRecord) {
            return env->tables->found_value(id, static_cast<std::uint32_t>(len));
        }
    }
    return nullptr;
}

static inline const struct spoor_trail_value* spoor_env_lookup_ipport(struct spoor_env* env, __u32,
                                                                      const __u8* addr, __u8 family,
                                                                      __u16 port) {
    const std::uint32_t id =
        env->tables->trails->find_ip_port(IpPort{IpAddress::from_bytes(family, addr), port});
    return id == spoor::trails::kNoRecord ? nullptr
                                          : env->tables->found_value(id, family == 4 ? 32 : 128);
}

static inline int spoor_env_dedup_claim(struct spoor_env* env, const struct spoor_dedup_key* key,
                                        __u64 now) {
    return env->tables->dedup.claim(*key, now, env->tables->config.dedup_window_ns);
}

static inline int spoor_env_udp_triple_claim(struct spoor_env* env,
                                             const struct spoor_udp_triple_key* key, __u64 now) {
    return env->tables->udp_triples.claim(*key, now, env->tables->config.dedup_window_ns);
}

static inline struct spoor_followup_slot* spoor_env_followup_slot(struct spoor_env* env,
                                                                  __u32 index) {
    return &env->tables->followups[index & (SPOOR_FOLLOWUP_SLOTS - 1)];
}

namespace spoor::capture {

HostClassifier::HostClassifier(std::shared_ptr<const trails::TrailStore> trails,
                               const bpf::SensorConfig& config)
    : tables_(std::make_unique<HostTables>()) {
    tables_->filter = bpf::build_filter(*trails);
    tables_->prefix_lengths[0] = trails->prefix_lengths(4);
    tables_->prefix_lengths[1] = trails->prefix_lengths(6);
    tables_->trails = std::move(trails);
    tables_->config = config;
}

HostClassifier::~HostClassifier() = default;

const spoor_counters& HostClassifier::counters() const {
    return tables_->counters;
}

bool HostClassifier::classify(std::span<const std::uint8_t> frame, std::uint64_t time_ns,
                              std::vector<std::uint8_t>& record) {
    spoor_env env{tables_.get(), time_ns};
    spoor_decision d;
    const auto frame_len = static_cast<__u32>(frame.size());
    if (!spoor_classify(&env, frame.data(), frame.data() + frame.size(), frame_len, &d)) {
        return false;
    }
    const auto snap = std::min({d.copy_len, tables_->config.snaplen, frame_len});
    spoor_record header{};
    spoor_record_header(&env, &d, 0, frame_len, SPOOR_DIR_INGRESS, snap, &header);
    record.resize(sizeof(header) + snap);
    std::memcpy(record.data(), &header, sizeof(header));
    std::memcpy(record.data() + sizeof(header), frame.data(), snap);
    spoor_env_count(&env, SPOOR_CNT_RECORDS, 1);
    spoor_env_count(&env, SPOOR_CNT_RECORD_BYTES, record.size());
    return true;
}

}  // namespace spoor::capture
