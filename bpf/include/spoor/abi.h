/* SPDX-License-Identifier: MIT */
/*
 * The ABI between the BPF programs and userspace: record layout, counter
 * indexes, map keys and values, limits. Included by sensor.bpf.c, by the
 * host build of bpf/lib and by the C++ daemon, so it holds only plain C
 * structs of fixed-width fields with explicit padding.
 */
#ifndef SPOOR_ABI_H
#define SPOOR_ABI_H

#include <linux/types.h>

/* --- limits ------------------------------------------------------------- */

#define SPOOR_SNAP_DEFAULT 2048 /* bytes of packet copied into a record */
#define SPOOR_SNAP_MAX 4096     /* upper bound of --snaplen (power of two) */
#define SPOOR_GENERATIONS 2     /* trail-table slots: active + the one being built */
#define SPOOR_MAX_IFACES 16     /* interfaces one daemon may watch */

/*
 * Prefilter: two bits per IPv4 /24 (IPv6 addresses are hashed on their first
 * 48 bits into the same space): "an exact or IP:port trail lies here" and "a
 * CIDR trail overlaps here". Clear bits prove a miss, so the miss path costs
 * one array load per address instead of hash and LPM lookups. Both bits of a
 * bucket sit in the same u64 word: one load answers both questions.
 */
#define SPOOR_FILTER_BUCKET_BITS 24
/* Words per generation: 32 buckets a word. */
#define SPOOR_FILTER_WORDS (1u << (SPOOR_FILTER_BUCKET_BITS - 5))
enum spoor_filter_bit {
    SPOOR_FILTER_EXACT = 1u << 0,  /* exact address or IP:port trails in this bucket */
    SPOOR_FILTER_PREFIX = 1u << 1, /* a CIDR trail overlaps this bucket */
};
#define SPOOR_FILTER_ENTRIES (SPOOR_GENERATIONS * SPOOR_FILTER_WORDS)

/* Per-generation flags (spoor_runtime.gen_flags). */
enum spoor_gen_flag {
    /* An IPv6 CIDR shorter than /48 exists: it cannot be expressed in the
     * hashed filter, so every IPv6 address needs the LPM lookup. */
    SPOOR_GEN_V6_SHORT_PREFIX = 1u << 0,
};

/* --- records ------------------------------------------------------------ */

/* Why a packet left the kernel (spoor_record.reasons, a bit set). */
enum spoor_reason {
    SPOOR_REASON_HIT = 1u << 0,        /* an IP, CIDR or IP:port trail matched */
    SPOOR_REASON_DNS = 1u << 1,        /* UDP or TCP port 53 */
    SPOOR_REASON_FLOW_START = 1u << 2, /* SYN / NULL / FIN / XMAS probe, or new UDP triple */
    SPOOR_REASON_HTTP = 1u << 3,       /* TCP payload starting an HTTP request or response */
    SPOOR_REASON_TLS = 1u << 4,        /* TLS ClientHello, ServerHello or Certificate */
    SPOOR_REASON_QUIC = 1u << 5,       /* QUIC long-header Initial */
    SPOOR_REASON_FOLLOWUP = 1u << 6,   /* next segment of an HTTP head / TLS handshake */
};
#define SPOOR_REASON_COUNT 7

enum spoor_direction {
    SPOOR_DIR_INGRESS = 0, /* XDP */
    SPOOR_DIR_EGRESS = 1,  /* TC egress */
};

enum spoor_hit_kind {
    SPOOR_HIT_NONE = 0,
    SPOOR_HIT_IP = 1,     /* exact /32 or /128 */
    SPOOR_HIT_IPPORT = 2, /* address and port */
    SPOOR_HIT_CIDR = 3,   /* true prefix */
};

enum spoor_side {
    SPOOR_SIDE_SRC = 0,
    SPOOR_SIDE_DST = 1,
    SPOOR_SIDES = 2,
};

/* The most specific trail that matched one side of the packet. */
struct spoor_hit {
    __u32 trail_id;  /* index into the userspace trail records of `generation` */
    __u8 kind;       /* enum spoor_hit_kind; NONE when this side did not match */
    __u8 prefix_len; /* matched prefix length (32/128 for exact) */
    __u16 pad;
};

/* Fixed header of every ring-buffer record; `snap_len` packet bytes follow. */
struct spoor_record {
    __u64 timestamp_ns; /* packet time: bpf_ktime_get_ns() live, the test clock in test runs */
    __u32 ifindex;
    __u32 packet_len; /* length on the wire (of the frame as the hook saw it) */
    __u32 reasons;    /* enum spoor_reason bits */
    __u32 generation; /* trail generation the hits were matched against (spoor_runtime) */
    __u16 snap_len;   /* bytes of packet data after this header */
    __u8 direction;   /* enum spoor_direction */
    __u8 pad[5];
    struct spoor_hit hits[SPOOR_SIDES]; /* indexed by enum spoor_side */
};

/* --- counters (one per-CPU struct, summed by userspace) ------------------- */

enum spoor_counter {
    SPOOR_CNT_PACKETS = 0,
    SPOOR_CNT_BYTES,
    SPOOR_CNT_NON_IP,    /* neither IPv4 nor IPv6 after L2 */
    SPOOR_CNT_MALFORMED, /* truncated or inconsistent headers */
    SPOOR_CNT_FRAGMENTS, /* non-first fragments (no L4 header) */
    SPOOR_CNT_RECORDS,
    SPOOR_CNT_RECORD_BYTES,
    SPOOR_CNT_REASON_HIT, /* one counter per enum spoor_reason bit, in bit order */
    SPOOR_CNT_REASON_DNS,
    SPOOR_CNT_REASON_FLOW_START,
    SPOOR_CNT_REASON_HTTP,
    SPOOR_CNT_REASON_TLS,
    SPOOR_CNT_REASON_QUIC,
    SPOOR_CNT_REASON_FOLLOWUP,
    SPOOR_CNT_HITS,             /* trail hits before dedup */
    SPOOR_CNT_DEDUP_SUPPRESSED, /* hits already reported for this flow and indicator */
    SPOOR_CNT_RING_FULL,        /* records lost: ring buffer reservation failed */
    SPOOR_CNT_MAX,
};

struct spoor_counters {
    __u64 c[SPOOR_CNT_MAX];
};

/* --- map keys and values ------------------------------------------------ */

/* Addresses are 16 bytes everywhere; IPv4 uses the first 4 (network order), rest zero. */
#define SPOOR_FAMILY_V4 4
#define SPOOR_FAMILY_V6 6

struct spoor_lpm4_key {
    __u32 prefixlen;
    __u8 addr[4];
};

struct spoor_lpm6_key {
    __u32 prefixlen;
    __u8 addr[16];
};

struct spoor_ipport_key {
    __u8 addr[16];
    __u16 port; /* host order */
    __u8 family;
    __u8 pad;
};

/* Value of every trail map. */
struct spoor_trail_value {
    __u32 trail_id;
    __u32 prefix_len; /* of the stored entry: 32/128 for exact maps */
};

/* A directional 5-tuple. */
struct spoor_flow_key {
    __u8 src[16];
    __u8 dst[16];
    __u16 sport; /* host order; ICMP: type, code */
    __u16 dport;
    __u8 proto;
    __u8 family;
    __u16 pad;
};

/* Dedup: one record per flow (both directions folded) and indicator. */
struct spoor_dedup_key {
    struct spoor_flow_key flow; /* endpoints ordered, so A->B and B->A are one flow */
    __u8 addr[16];              /* the indicator: address or prefix */
    __u16 port;                 /* IP:port indicators */
    __u8 kind;                  /* enum spoor_hit_kind */
    __u8 prefix_len;
};

/* First UDP datagram of each new source/destination/port triple. */
struct spoor_udp_triple_key {
    __u8 src[16];
    __u8 dst[16];
    __u16 dport;
    __u8 family;
    __u8 pad;
};

/* Segments still to forward after an HTTP head or TLS record that did not fit. */
#define SPOOR_FOLLOWUP_SEGMENTS 8
#define SPOOR_FOLLOWUP_SLOTS 16384 /* power of two */
/* LRU map sizes, kept by replay's host tables too */
#define SPOOR_DEDUP_ENTRIES 65536
#define SPOOR_UDP_TRIPLE_ENTRIES 65536

struct spoor_followup_slot {
    struct spoor_flow_key key;
    __u32 remaining;
    __u32 pad;
};

/* --- runtime globals (.bss, written by userspace through the skeleton) --- */

struct spoor_runtime {
    __u32 active_gen; /* trail generation in use; its slot: active_gen % SPOOR_GENERATIONS */
    __u32 pad;
    __u64 test_clock_ns;                /* non-zero: the packet time for BPF_PROG_TEST_RUN */
    __u32 gen_flags[SPOOR_GENERATIONS]; /* enum spoor_gen_flag per slot */
};

/* --- load-time configuration (.rodata) ---------------------------------- */

struct spoor_config {
    __u32 snaplen;            /* <= SPOOR_SNAP_MAX */
    __u32 drop_after_inspect; /* --mirror: XDP_DROP instead of XDP_PASS */
    __u64 dedup_window_ns;    /* per (flow, indicator); also the UDP triple idle time */
    __u64 wakeup_bytes;       /* wake the consumer once this much is pending */
};

#endif /* SPOOR_ABI_H */
