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
#include "filter.h"
#include "flow.h"

struct spoor_decision {
    __u32 reasons;    /* enum spoor_reason bits; 0: nothing leaves the kernel */
    __u32 generation; /* trail generation matched against (its slot: the low bit) */
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
                                      __u8 family, __u16 port, int has_port, struct spoor_hit *hit)
{
    const struct spoor_trail_value *v;
    __u32 bits = spoor_env_filter_bits(env, gen, spoor_filter_bucket(addr, family));

    if (bits & SPOOR_FILTER_EXACT) {
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
    if ((bits & SPOOR_FILTER_PREFIX) ||
        (family == SPOOR_FAMILY_V6 && spoor_env_gen_flags(env, gen) & SPOOR_GEN_V6_SHORT_PREFIX)) {
        v = spoor_env_lookup_prefix(env, gen, addr, family);
        if (v)
            spoor_set_hit(hit, v, SPOOR_HIT_CIDR);
    }
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
                                  const struct spoor_hit *hit, const __u8 *addr, __u16 port)
{
    struct spoor_dedup_key key;

    __builtin_memset(&key, 0, sizeof(key));
    spoor_flow_key_folded(pkt, &key.flow);
    spoor_dedup_indicator(&key, hit, addr, port);
    return spoor_env_dedup_claim(env, &key, spoor_env_now(env));
}

/*
 * Follow-ups: a direct-mapped array of directional flows with segments still
 * to forward. A flow that arms later takes a colliding slot over; the
 * bounded cost of a collision is a follow-up segment not forwarded.
 */
SPOOR_INLINE void spoor_followup_arm(struct spoor_env *env, const struct spoor_packet *pkt)
{
    struct spoor_followup_slot *slot = spoor_env_followup_slot(env, spoor_followup_index(pkt));

    if (!slot)
        return;
    spoor_flow_key_directional(pkt, &slot->key);
    slot->remaining = SPOOR_FOLLOWUP_SEGMENTS;
}

SPOOR_INLINE int spoor_followup_take(struct spoor_env *env, const struct spoor_packet *pkt)
{
    struct spoor_followup_slot *slot = spoor_env_followup_slot(env, spoor_followup_index(pkt));
    struct spoor_flow_key key;

    if (!slot || !slot->remaining)
        return 0; /* the common case: one array load */
    spoor_flow_key_directional(pkt, &key);
    if (!spoor_flow_key_equal(&slot->key, &key))
        return 0;
    slot->remaining -= 1;
    return 1;
}

SPOOR_INLINE int spoor_udp_triple_is_new(struct spoor_env *env, const struct spoor_packet *pkt)
{
    struct spoor_udp_triple_key key;

    __builtin_memcpy(key.src, pkt->src, 16);
    __builtin_memcpy(key.dst, pkt->dst, 16);
    key.dport = pkt->dport;
    key.family = pkt->family;
    key.pad = 0;
    return spoor_env_udp_triple_claim(env, &key, spoor_env_now(env));
}

/*
 * Why a packet is worth a record apart from trail hits (DESIGN.md "What
 * leaves the kernel"). Ordered so that the common miss, a TCP segment in
 * the middle of a flow, returns after a few compares and one array load.
 */
SPOOR_INLINE __u32 spoor_candidate_reasons(struct spoor_env *env, const struct spoor_packet *pkt,
                                           const __u8 *data, const __u8 *data_end)
{
    __u32 reasons = spoor_is_dns(pkt) ? SPOOR_REASON_DNS : 0;
    const __u8 *payload = spoor_payload(pkt, data);
    __u32 start;
    int followup;

    if (pkt->proto == SPOOR_IPPROTO_TCP) {
        if (spoor_is_tcp_flow_start(pkt))
            reasons |= SPOOR_REASON_FLOW_START;
        if (!payload || (reasons & SPOOR_REASON_DNS))
            return reasons; /* DNS over TCP is selected whole */
        start = spoor_tcp_start_reasons(payload, pkt->payload_len, data_end, &followup);
        if (start) {
            if (followup)
                spoor_followup_arm(env, pkt);
            return reasons | start;
        }
        return spoor_followup_take(env, pkt) ? reasons | SPOOR_REASON_FOLLOWUP : reasons;
    }
    if (pkt->proto == SPOOR_IPPROTO_UDP) {
        if (spoor_udp_triple_is_new(env, pkt))
            reasons |= SPOOR_REASON_FLOW_START;
        if (payload && !(reasons & SPOOR_REASON_DNS) && spoor_is_quic_initial(payload, data_end))
            reasons |= SPOOR_REASON_QUIC;
    }
    return reasons;
}

/* Reasons that need the payload in the record; a flow start alone is headers only. */
#define SPOOR_REASONS_WITH_PAYLOAD                                                                 \
    (SPOOR_REASON_HIT | SPOOR_REASON_DNS | SPOOR_REASON_HTTP | SPOOR_REASON_TLS |                  \
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
    __u32 gen;
    int status, has_port;

    /* Field by field: a memset of the whole decision costs more on the miss path. */
    d->reasons = 0;
    d->copy_len = 0;
    __builtin_memset(d->hits, 0, sizeof(d->hits));
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

    gen = spoor_env_generation(env);
    d->generation = gen;
    gen &= SPOOR_GENERATIONS - 1; /* the maps' slot */

    has_port = pkt.has_l4 && (pkt.proto == SPOOR_IPPROTO_TCP || pkt.proto == SPOOR_IPPROTO_UDP);
    spoor_match_address(env, gen, pkt.src, pkt.family, pkt.sport, has_port,
                        &d->hits[SPOOR_SIDE_SRC]);
    spoor_match_address(env, gen, pkt.dst, pkt.family, pkt.dport, has_port,
                        &d->hits[SPOOR_SIDE_DST]);

    if (d->hits[SPOOR_SIDE_SRC].kind) {
        spoor_env_count(env, SPOOR_CNT_HITS, 1);
        if (spoor_hit_is_new(env, &pkt, &d->hits[SPOOR_SIDE_SRC], pkt.src, pkt.sport)) {
            d->reasons |= SPOOR_REASON_HIT;
        } else {
            spoor_env_count(env, SPOOR_CNT_DEDUP_SUPPRESSED, 1);
            d->hits[SPOOR_SIDE_SRC].kind = SPOOR_HIT_NONE;
        }
    }
    if (d->hits[SPOOR_SIDE_DST].kind) {
        spoor_env_count(env, SPOOR_CNT_HITS, 1);
        if (spoor_hit_is_new(env, &pkt, &d->hits[SPOOR_SIDE_DST], pkt.dst, pkt.dport)) {
            d->reasons |= SPOOR_REASON_HIT;
        } else {
            spoor_env_count(env, SPOOR_CNT_DEDUP_SUPPRESSED, 1);
            d->hits[SPOOR_SIDE_DST].kind = SPOOR_HIT_NONE;
        }
    }

    if (pkt.has_l4)
        d->reasons |= spoor_candidate_reasons(env, &pkt, data, data_end);

    if (!d->reasons)
        return 0;
    spoor_count_reasons(env, d->reasons);
    d->copy_len = (d->reasons & SPOOR_REASONS_WITH_PAYLOAD) ? frame_len
                  : pkt.payload_off                         ? pkt.payload_off
                                                            : frame_len;
    return d->reasons;
}

/* The fixed header of the record for a decision; `snap` frame bytes follow it. */
SPOOR_INLINE void spoor_record_header(struct spoor_env *env, const struct spoor_decision *d,
                                      __u32 ifindex, __u32 frame_len, __u8 direction, __u32 snap,
                                      struct spoor_record *rec)
{
    rec->timestamp_ns = spoor_env_now(env);
    rec->ifindex = ifindex;
    rec->packet_len = frame_len;
    rec->reasons = d->reasons;
    rec->generation = d->generation;
    rec->snap_len = (__u16)snap;
    rec->direction = direction;
    rec->hits[SPOOR_SIDE_SRC] = d->hits[SPOOR_SIDE_SRC];
    rec->hits[SPOOR_SIDE_DST] = d->hits[SPOOR_SIDE_DST];
}

#endif /* SPOOR_CLASSIFY_H */
