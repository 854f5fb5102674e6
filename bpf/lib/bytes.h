/* SPDX-License-Identifier: MIT */
/* Big-endian loads from byte pointers: no alignment assumptions, same code in BPF and host. */
#ifndef SPOOR_BYTES_H
#define SPOOR_BYTES_H

#include "compat.h"

SPOOR_INLINE __u16 spoor_load_be16(const __u8 *p)
{
    return (__u16)((p[0] << 8) | p[1]);
}

SPOOR_INLINE __u32 spoor_load_u32(const __u8 *p)
{
    return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

#endif /* SPOOR_BYTES_H */
