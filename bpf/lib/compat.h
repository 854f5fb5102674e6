/* SPDX-License-Identifier: MIT */
/*
 * What differs between the BPF build (clang -target bpf) and the host build
 * (the C++ daemon, unit tests, replay) of the header-only libraries in
 * bpf/lib. Everything else in bpf/lib is written once for both.
 */
#ifndef SPOOR_COMPAT_H
#define SPOOR_COMPAT_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#define SPOOR_INLINE static __always_inline
#define SPOOR_UNROLL _Pragma("unroll")
#else
#include <string.h>
#define SPOOR_INLINE static inline
#define SPOOR_UNROLL
#ifndef barrier_var
#define barrier_var(var) (void)0
#endif
#endif

#endif /* SPOOR_COMPAT_H */
