/* SPDX-License-Identifier: MIT */
/*
 * Flow keys built from a parsed packet: directional (follow-ups) and folded
 * (dedup: both directions of a flow share one key), and the slot of a flow
 * in the direct-mapped follow-up array.
 */
#ifndef SPOOR_FLOW_H
#define SPOOR_FLOW_H

#include "parse.h"

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

SPOOR_INLINE int spoor_flow_key_equal(const struct spoor_flow_key *a,
                                      const struct spoor_flow_key *b)
{
    const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

    return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Slot of the packet's directional flow in the follow-up array; cheap, so every data segment can
 * ask. */
SPOOR_INLINE __u32 spoor_followup_index(const struct spoor_packet *pkt)
{
    __u32 s[4], t[4], h;

    __builtin_memcpy(s, pkt->src, 16);
    __builtin_memcpy(t, pkt->dst, 16);
    h = (s[0] ^ s[3]) * 0x9e3779b1u;
    h = (h ^ t[0] ^ t[3]) * 0x85ebca6bu;
    h = (h ^ ((__u32)pkt->sport << 16 | pkt->dport)) * 0xc2b2ae35u;
    return (h >> 16) & (SPOOR_FOLLOWUP_SLOTS - 1);
}

#endif /* SPOOR_FLOW_H */
