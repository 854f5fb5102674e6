/* SPDX-License-Identifier: MIT */
/*
 * Layout of the trail prefilter bitmap (see SPOOR_FILTER_* in abi.h).
 * Userspace sets the bits when it builds a generation; the classifier tests
 * them before any hash or LPM lookup.
 */
#ifndef SPOOR_FILTER_H
#define SPOOR_FILTER_H

#include "bytes.h"
#include "spoor/abi.h"

/* Filter bucket of an address: its /24 for IPv4, a hash of its /48 for IPv6. */
SPOOR_INLINE __u32 spoor_filter_bucket(const __u8 *addr, __u8 family)
{
    __u32 h;

    if (family == SPOOR_FAMILY_V4) {
        __builtin_memcpy(&h, addr, 4);
        return bpf_ntohl(h) >> 8;
    }
    /* Multiplicative hash of the first 48 bits, top 24 bits kept. */
    h = spoor_load_u32(addr) * 0x9e3779b1u;
    h ^= (((__u32)addr[4] << 8) | addr[5]) * 0x85ebca6bu;
    return h >> (32 - SPOOR_FILTER_BUCKET_BITS);
}

/* Index of the filter word holding `bucket` in generation `gen`. */
SPOOR_INLINE __u32 spoor_filter_index(__u32 gen, __u32 bucket)
{
    return gen * SPOOR_FILTER_WORDS + (bucket >> 5);
}

/* Shift that brings the bucket's two enum spoor_filter_bit bits to the bottom of its word. */
SPOOR_INLINE __u32 spoor_filter_shift(__u32 bucket)
{
    return (bucket & 31) * 2;
}

#endif /* SPOOR_FILTER_H */
