/* SPDX-License-Identifier: MIT */
/*
 * The per-packet decision: parse, match both addresses against the trail
 * tables, suppress repeats per flow and indicator, select candidates and
 * say how many bytes leave. Written against an environment (`struct
 * spoor_env` and the spoor_env_* functions) that the includer defines
 * first: kernel maps in env_kernel.h, userspace tables in the host build.
 *
 * Hot-path cost on a miss: one parse and one filter-bitmap load per address.
 */
#ifndef SPOOR_CLASSIFY_H
#define SPOOR_CLASSIFY_H

#include "candidate.h"

struct spoor_decision {
    __u32 reasons;    /* enum spoor_reason bits; 0: nothing leaves the kernel */
    __u32 generation; /* trail slot matched against */
    __u32 copy_len;   /* frame bytes the record should carry (before the snaplen cap) */
    struct spoor_hit hits[SPOOR_SIDES];
};

SPOOR_INLINE void spoor_set_hit(struct spoor_hit *hit, const struct spoor_trail_value *v, __u8 kind)
{
    hit->trail_id = v->trail_id;
    hit->kind = kind;
    hit->prefix_len = (__u8)v->prefix_len;
}

/*
 * The most specific trail matching one address: IP:port, then the exact
 * address, then the longest prefix. The filter bitmap skips the lookups
 * that cannot match.
 */
SPOOR_INLINE void spoor_match_address(struct spoor_env *env, __u32 gen, const __u8 *addr,
                                      __u8 family, __u16 port, int has_port,
                                      struct spoor_hit *hit)
{
    const struct spoor_trail_value *v;
    __u32 bucket = spoor_filter_bucket(addr, family);

    if (spoor_env_filter(env, gen, SPOOR_FILTER_EXACT, bucket)) {
        if (has_port) {
            v = spoor_env_lookup_ipport(env, gen, addr, family, port);
            if (v) {
                spoor_set_hit(hit, v, SPOOR_HIT_IPPORT);
                return;
            }
        }
        v = spoor_env_lookup_exact(env, gen, addr, family);
        if (v) {
            spoor_set_hit(hit, v, SPOOR_HIT_IP);
            return;
        }
    }
    if (spoor_env_filter(env, gen, SPOOR_FILTER_PREFIX, bucket) ||
        (family == SPOOR_FAMILY_V6 && spoor_env_gen_flags(env, gen) & SPOOR_GEN_V6_SHORT_PREFIX)) {
        v = spoor_env_lookup_prefix(env, gen, addr, family);
        if (v)
            spoor_set_hit(hit, v, SPOOR_HIT_CIDR);
    }
}

/* Flow key with its endpoints ordered, so both directions of a flow map to one key. */
SPOOR_INLINE void spoor_flow_key_folded(const struct spoor_packet *pkt, struct spoor_flow_key *key)
{
    __u64 s[2], t[2];
    int swap;

    /* Any total order will do; comparing native 64-bit words keeps the verifier's paths few. */
    __builtin_memcpy(s, pkt->src, 16);
    __builtin_memcpy(t, pkt->dst, 16);
    if (s[0] != t[0])
        swap = s[0] > t[0];
    else if (s[1] != t[1])
        swap = s[1] > t[1];
    else
        swap = pkt->sport > pkt->dport;
    __builtin_memcpy(key->src, swap ? pkt->dst : pkt->src, 16);
    __builtin_memcpy(key->dst, swap ? pkt->src : pkt->dst, 16);
    key->sport = swap ? pkt->dport : pkt->sport;
    key->dport = swap ? pkt->sport : pkt->dport;
    key->proto = pkt->proto;
    key->family = pkt->family;
    key->pad = 0;
}

SPOOR_INLINE void spoor_flow_key_directional(const struct spoor_packet *pkt,
                                             struct spoor_flow_key *key)
{
    __builtin_memcpy(key->src, pkt->src, 16);
    __builtin_memcpy(key->dst, pkt->dst, 16);
    key->sport = pkt->sport;
    key->dport = pkt->dport;
    key->proto = pkt->proto;
    key->family = pkt->family;
    key->pad = 0;
}

/* Indicator part of the dedup key: what matched, not where it sits in a table. */
SPOOR_INLINE void spoor_dedup_indicator(struct spoor_dedup_key *key, const struct spoor_hit *hit,
                                        const __u8 *addr, __u16 port)
{
    __u64 half[2];
    __u32 len = hit->prefix_len;

    /* Keep the first prefix_len bits (IPv4 sits in the first 4 bytes, so /n means the same). */
    __builtin_memcpy(half, addr, 16);
    half[0] = bpf_be64_to_cpu(half[0]);
    half[1] = bpf_be64_to_cpu(half[1]);
    half[0] &= len >= 64 ? ~0ull : len == 0 ? 0 : ~0ull << (64 - len);
    half[1] &= len >= 128 ? ~0ull : len <= 64 ? 0 : ~0ull << (128 - len);
    half[0] = bpf_cpu_to_be64(half[0]);
    half[1] = bpf_cpu_to_be64(half[1]);
    __builtin_memcpy(key->addr, half, 16);
    key->port = hit->kind == SPOOR_HIT_IPPORT ? port : 0;
    key->kind = hit->kind;
    key->prefix_len = hit->prefix_len;
}

/* Keep a hit only if this flow has not reported this indicator within the window. */
SPOOR_INLINE int spoor_hit_is_new(struct spoor_env *env, const struct spoor_packet *pkt,
                                  const struct spoor_hit *hit, const __u8 *addr, __u16 port,
                                  __u64 now)
{
    struct spoor_dedup_key key;

    __builtin_memset(&key, 0, sizeof(key));
    spoor_flow_key_folded(pkt, &key.flow);
    spoor_dedup_indicator(&key, hit, addr, port);
    return spoor_env_dedup_claim(env, &key, now);
}

/* TCP segments after an incomplete HTTP head or TLS record, bounded by SPOOR_FOLLOWUP_SEGMENTS. */
SPOOR_INLINE __u32 spoor_followup_reason(struct spoor_env *env, const struct spoor_packet *pkt,
                                         int start_incomplete)
{
    struct spoor_flow_key key;

    spoor_flow_key_directional(pkt, &key);
    if (start_incomplete) {
        spoor_env_followup_arm(env, &key, SPOOR_FOLLOWUP_SEGMENTS);
        return 0;
    }
    return spoor_env_followup_take(env, &key) ? SPOOR_REASON_FOLLOWUP : 0;
}

SPOOR_INLINE int spoor_udp_triple_is_new(struct spoor_env *env, const struct spoor_packet *pkt,
                                         __u64 now)
{
    struct spoor_udp_triple_key key;

    __builtin_memcpy(key.src, pkt->src, 16);
    __builtin_memcpy(key.dst, pkt->dst, 16);
    key.dport = pkt->dport;
    key.family = pkt->family;
    key.pad = 0;
    return spoor_env_udp_triple_claim(env, &key, now);
}

/* Reasons that need the payload in the record; a flow start alone is headers only. */
#define SPOOR_REASONS_WITH_PAYLOAD                                                              \
    (SPOOR_REASON_HIT | SPOOR_REASON_DNS | SPOOR_REASON_HTTP | SPOOR_REASON_TLS |              \
     SPOOR_REASON_QUIC | SPOOR_REASON_FOLLOWUP)

SPOOR_INLINE void spoor_count_reasons(struct spoor_env *env, __u32 reasons)
{
    SPOOR_UNROLL
    for (int i = 0; i < SPOOR_REASON_COUNT; i++)
        spoor_env_count(env, SPOOR_CNT_REASON_HIT + i, (reasons >> i) & 1);
}

/* Decide what one frame produces. Returns d->reasons (0: nothing leaves). */
SPOOR_INLINE __u32 spoor_classify(struct spoor_env *env, const __u8 *data, const __u8 *data_end,
                                  __u32 frame_len, struct spoor_decision *d)
{
    struct spoor_packet pkt;
    __u64 now;
    __u32 gen;
    int status, has_port, followup = 0;

    __builtin_memset(d, 0, sizeof(*d));
    __builtin_memset(&pkt, 0, sizeof(pkt));
    spoor_env_count(env, SPOOR_CNT_PACKETS, 1);
    spoor_env_count(env, SPOOR_CNT_BYTES, frame_len);

    status = spoor_parse_frame(data, data_end, frame_len, &pkt);
    if (status == SPOOR_PARSE_NOT_IP) {
        spoor_env_count(env, SPOOR_CNT_NON_IP, 1);
        return 0;
    }
    if (status != SPOOR_PARSE_OK) {
        spoor_env_count(env, SPOOR_CNT_MALFORMED, 1);
        return 0;
    }
    if (pkt.fragment)
        spoor_env_count(env, SPOOR_CNT_FRAGMENTS, 1);

    now = spoor_env_now(env);
    gen = spoor_env_generation(env);
    d->generation = gen;

    has_port = pkt.has_l4 &&
               (pkt.proto == SPOOR_IPPROTO_TCP || pkt.proto == SPOOR_IPPROTO_UDP);
    spoor_match_address(env, gen, pkt.src, pkt.family, pkt.sport, has_port,
                        &d->hits[SPOOR_SIDE_SRC]);
    spoor_match_address(env, gen, pkt.dst, pkt.family, pkt.dport, has_port,
                        &d->hits[SPOOR_SIDE_DST]);

    if (d->hits[SPOOR_SIDE_SRC].kind) {
        spoor_env_count(env, SPOOR_CNT_HITS, 1);
        if (spoor_hit_is_new(env, &pkt, &d->hits[SPOOR_SIDE_SRC], pkt.src, pkt.sport, now)) {
            d->reasons |= SPOOR_REASON_HIT;
        } else {
            spoor_env_count(env, SPOOR_CNT_DEDUP_SUPPRESSED, 1);
            d->hits[SPOOR_SIDE_SRC].kind = SPOOR_HIT_NONE;
        }
    }
    if (d->hits[SPOOR_SIDE_DST].kind) {
        spoor_env_count(env, SPOOR_CNT_HITS, 1);
        if (spoor_hit_is_new(env, &pkt, &d->hits[SPOOR_SIDE_DST], pkt.dst, pkt.dport, now)) {
            d->reasons |= SPOOR_REASON_HIT;
        } else {
            spoor_env_count(env, SPOOR_CNT_DEDUP_SUPPRESSED, 1);
            d->hits[SPOOR_SIDE_DST].kind = SPOOR_HIT_NONE;
        }
    }

    if (pkt.has_l4) {
        if (spoor_is_dns(&pkt))
            d->reasons |= SPOOR_REASON_DNS;
        if (spoor_is_tcp_flow_start(&pkt))
            d->reasons |= SPOOR_REASON_FLOW_START;
        else if (pkt.proto == SPOOR_IPPROTO_UDP && spoor_udp_triple_is_new(env, &pkt, now))
            d->reasons |= SPOOR_REASON_FLOW_START;
        d->reasons |= spoor_payload_reasons(&pkt, data, data_end, &followup);
        if (pkt.proto == SPOOR_IPPROTO_TCP && pkt.payload_len > 0 &&
            !(d->reasons & (SPOOR_REASON_HTTP | SPOOR_REASON_TLS | SPOOR_REASON_DNS)))
            d->reasons |= spoor_followup_reason(env, &pkt, 0);
        else if (followup)
            spoor_followup_reason(env, &pkt, 1);
    }

    if (!d->reasons)
        return 0;
    spoor_count_reasons(env, d->reasons);
    d->copy_len = (d->reasons & SPOOR_REASONS_WITH_PAYLOAD) ? frame_len
                  : pkt.payload_off                         ? pkt.payload_off
                                                            : frame_len;
    return d->reasons;
}

#endif /* SPOOR_CLASSIFY_H */
