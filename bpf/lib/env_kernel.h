/* SPDX-License-Identifier: MIT */
/*
 * The kernel environment of the classifier: maps, runtime globals and the
 * spoor_env_* functions classify.h calls. BPF build only.
 *
 * Trail maps are outer ARRAY_OF_MAPS with SPOOR_GENERATIONS slots; the
 * generation word in `spoor_rt` counts installs, and its low bit says which
 * slot is live. Userspace builds a complete new set of inner maps in the spare
 * slot, then writes the next generation, so a reload never exposes a
 * half-built table; records carry the generation they were matched against.
 */
#ifndef SPOOR_ENV_KERNEL_H
#define SPOOR_ENV_KERNEL_H

#include "filter.h"
#include "flow.h"

#define SPOOR_RING_BYTES (8u << 20)

/*
 * clang 14 emits only a forward declaration for a struct that appears in an
 * inner-map template alone; these unused globals force full BTF for them.
 */
struct spoor_trail_value spoor_btf_trail_value __attribute__((unused));
struct spoor_lpm4_key spoor_btf_lpm4_key __attribute__((unused));
struct spoor_lpm6_key spoor_btf_lpm6_key __attribute__((unused));
struct spoor_ipport_key spoor_btf_ipport_key __attribute__((unused));

/* Inner-map templates: userspace creates real inner maps of the same type/key/value. */
struct spoor_inner_exact4 {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct spoor_trail_value);
};
struct spoor_inner_exact6 {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, __u8[16]);
    __type(value, struct spoor_trail_value);
};
struct spoor_inner_lpm4 {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct spoor_lpm4_key);
    __type(value, struct spoor_trail_value);
};
struct spoor_inner_lpm6 {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct spoor_lpm6_key);
    __type(value, struct spoor_trail_value);
};
struct spoor_inner_ipport {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct spoor_ipport_key);
    __type(value, struct spoor_trail_value);
};

#define SPOOR_OUTER(name, inner)                                                                   \
    struct {                                                                                       \
        __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                                                  \
        __uint(max_entries, SPOOR_GENERATIONS);                                                    \
        __type(key, __u32);                                                                        \
        __array(values, struct inner);                                                             \
    } name SEC(".maps")

SPOOR_OUTER(trails_exact4, spoor_inner_exact4);
SPOOR_OUTER(trails_exact6, spoor_inner_exact6);
SPOOR_OUTER(trails_lpm4, spoor_inner_lpm4);
SPOOR_OUTER(trails_lpm6, spoor_inner_lpm6);
SPOOR_OUTER(trails_ipport, spoor_inner_ipport);

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SPOOR_FILTER_ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} trail_filter SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, SPOOR_DEDUP_ENTRIES);
    __type(key, struct spoor_dedup_key);
    __type(value, __u64); /* packet time of the last record */
} dedup SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, SPOOR_UDP_TRIPLE_ENTRIES);
    __type(key, struct spoor_udp_triple_key);
    __type(value, __u64); /* packet time last seen */
} udp_triples SEC(".maps");

/*
 * Follow-ups are looked up for every TCP data segment, so they live in a
 * direct-mapped array (an inlined load) rather than a hash map: a slot holds
 * one flow; a colliding flow that arms later takes the slot over.
 */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SPOOR_FOLLOWUP_SLOTS);
    __type(key, __u32);
    __type(value, struct spoor_followup_slot);
} followups SEC(".maps");

/* All counters of a CPU in one value: one lookup per packet, then plain adds. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct spoor_counters);
} counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, SPOOR_RING_BYTES);
} records SEC(".maps");

/* A record under construction: header + snap, too large for the 512-byte stack. */
struct spoor_scratch {
    struct spoor_record rec;
    __u8 data[SPOOR_SNAP_MAX];
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct spoor_scratch);
} scratch SEC(".maps");

volatile struct spoor_runtime spoor_rt;
const volatile struct spoor_config spoor_cfg = {
    .snaplen = SPOOR_SNAP_DEFAULT,
    .drop_after_inspect = 0,
    .dedup_window_ns = 60ull * 1000000000ull,
    .wakeup_bytes = 256u << 10,
};

/* Per-packet state of the kernel environment. */
struct spoor_env {
    struct spoor_counters *counters; /* this CPU's */
    __u64 now;                       /* packet time, read on first use (0: not yet) */
};

SPOOR_INLINE void spoor_env_count(struct spoor_env *env, __u32 counter, __u64 value)
{
    if (counter < SPOOR_CNT_MAX)
        env->counters->c[counter] += value;
}

/* The clock costs a helper call: only packets that need a time (hits, UDP, records) read it. */
SPOOR_INLINE __u64 spoor_env_now(struct spoor_env *env)
{
    if (!env->now) {
        __u64 t = spoor_rt.test_clock_ns;

        env->now = t ? t : bpf_ktime_get_ns();
    }
    return env->now;
}

SPOOR_INLINE __u32 spoor_env_generation(struct spoor_env *env)
{
    return spoor_rt.active_gen;
}

SPOOR_INLINE __u32 spoor_env_gen_flags(struct spoor_env *env, __u32 gen)
{
    return spoor_rt.gen_flags[gen & (SPOOR_GENERATIONS - 1)];
}

/* The bucket's enum spoor_filter_bit bits. */
SPOOR_INLINE __u32 spoor_env_filter_bits(struct spoor_env *env, __u32 gen, __u32 bucket)
{
    __u32 index = spoor_filter_index(gen, bucket);
    __u64 *word = bpf_map_lookup_elem(&trail_filter, &index);

    return word ? (*word >> spoor_filter_shift(bucket)) & 3 : 0;
}

SPOOR_INLINE const struct spoor_trail_value *
spoor_env_lookup_exact(struct spoor_env *env, __u32 gen, const __u8 *addr, __u8 family)
{
    void *inner;

    if (family == SPOOR_FAMILY_V4) {
        __u32 key;

        inner = bpf_map_lookup_elem(&trails_exact4, &gen);
        if (!inner)
            return 0;
        __builtin_memcpy(&key, addr, 4);
        return bpf_map_lookup_elem(inner, &key);
    }
    inner = bpf_map_lookup_elem(&trails_exact6, &gen);
    if (!inner)
        return 0;
    return bpf_map_lookup_elem(inner, addr);
}

SPOOR_INLINE const struct spoor_trail_value *
spoor_env_lookup_prefix(struct spoor_env *env, __u32 gen, const __u8 *addr, __u8 family)
{
    void *inner;

    if (family == SPOOR_FAMILY_V4) {
        struct spoor_lpm4_key key = {.prefixlen = 32};

        inner = bpf_map_lookup_elem(&trails_lpm4, &gen);
        if (!inner)
            return 0;
        __builtin_memcpy(key.addr, addr, 4);
        return bpf_map_lookup_elem(inner, &key);
    } else {
        struct spoor_lpm6_key key = {.prefixlen = 128};

        inner = bpf_map_lookup_elem(&trails_lpm6, &gen);
        if (!inner)
            return 0;
        __builtin_memcpy(key.addr, addr, 16);
        return bpf_map_lookup_elem(inner, &key);
    }
}

SPOOR_INLINE const struct spoor_trail_value *
spoor_env_lookup_ipport(struct spoor_env *env, __u32 gen, const __u8 *addr, __u8 family, __u16 port)
{
    struct spoor_ipport_key key;
    void *inner = bpf_map_lookup_elem(&trails_ipport, &gen);

    if (!inner)
        return 0;
    __builtin_memcpy(key.addr, addr, 16);
    key.port = port;
    key.family = family;
    key.pad = 0;
    return bpf_map_lookup_elem(inner, &key);
}

/* Claim a (key, now) slot in a "seen at" LRU: true when absent or older than the window. */
SPOOR_INLINE int spoor_env_claim_window(void *map, const void *key, __u64 now)
{
    __u64 *seen = bpf_map_lookup_elem(map, key);

    if (seen && now - *seen < spoor_cfg.dedup_window_ns)
        return 0;
    bpf_map_update_elem(map, key, &now, BPF_ANY);
    return 1;
}

SPOOR_INLINE int spoor_env_dedup_claim(struct spoor_env *env, const struct spoor_dedup_key *key,
                                       __u64 now)
{
    return spoor_env_claim_window(&dedup, key, now);
}

SPOOR_INLINE int spoor_env_udp_triple_claim(struct spoor_env *env,
                                            const struct spoor_udp_triple_key *key, __u64 now)
{
    return spoor_env_claim_window(&udp_triples, key, now);
}

SPOOR_INLINE struct spoor_followup_slot *spoor_env_followup_slot(struct spoor_env *env, __u32 index)
{
    return bpf_map_lookup_elem(&followups, &index);
}

#endif /* SPOOR_ENV_KERNEL_H */
