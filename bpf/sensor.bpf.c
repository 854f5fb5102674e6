/* SPDX-License-Identifier: MIT */
/*
 * Thin entry points: XDP on ingress, TC (tcx) on egress. Both run the
 * shared classifier and, when it decides a packet leaves the kernel, copy
 * the header and up to `snaplen` bytes into the ring buffer.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "lib/env_kernel.h"
#include "lib/classify.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Copy length the verifier can prove to be within 0..SPOOR_SNAP_MAX. */
static __always_inline __u32 spoor_snap_len(__u32 copy_len)
{
    __u32 len = copy_len < spoor_cfg.snaplen ? copy_len : spoor_cfg.snaplen;

    barrier_var(len);
    len &= 2 * SPOOR_SNAP_MAX - 1;
    if (len > SPOOR_SNAP_MAX)
        len = SPOOR_SNAP_MAX;
    return len;
}

/* Wake the consumer only once enough is pending: per-record wakeups cost 2-3x throughput. */
static __always_inline __u64 spoor_wakeup_flag(void)
{
    return bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= spoor_cfg.wakeup_bytes
               ? BPF_RB_FORCE_WAKEUP
               : BPF_RB_NO_WAKEUP;
}

static __always_inline void spoor_submit(struct spoor_env *env, struct spoor_scratch *s, __u32 snap)
{
    __u64 size = sizeof(struct spoor_record) + snap;

    if (size > sizeof(*s))
        return;
    if (bpf_ringbuf_output(&records, s, size, spoor_wakeup_flag())) {
        spoor_env_count(env, SPOOR_CNT_RING_FULL, 1);
        return;
    }
    spoor_env_count(env, SPOOR_CNT_RECORDS, 1);
    spoor_env_count(env, SPOOR_CNT_RECORD_BYTES, size);
}

SEC("xdp")
int spoor_xdp(struct xdp_md *ctx)
{
    const __u8 *data = (const __u8 *)(long)ctx->data;
    const __u8 *data_end = (const __u8 *)(long)ctx->data_end;
    int verdict = spoor_cfg.drop_after_inspect ? XDP_DROP : XDP_PASS;
    struct spoor_env env = {};
    struct spoor_decision d;
    struct spoor_scratch *s;
    __u32 zero = 0, snap;
    /* Loaded without BPF_F_XDP_HAS_FRAGS: the frame is linear, all between data and data_end. */
    __u32 frame_len = data_end - data;

    env.counters = bpf_map_lookup_elem(&counters, &zero);
    if (!env.counters)
        return verdict;
    if (!spoor_classify(&env, data, data_end, frame_len, &d))
        return verdict;

    s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return verdict;
    snap = spoor_snap_len(d.copy_len);
    if (snap > 0 && bpf_xdp_load_bytes(ctx, 0, s->data, snap))
        snap = 0;
    spoor_record_header(&env, &d, ctx->ingress_ifindex, frame_len, SPOOR_DIR_INGRESS, snap,
                        &s->rec);
    spoor_submit(&env, s, snap);
    return verdict;
}

SEC("tc")
int spoor_tc_egress(struct __sk_buff *skb)
{
    const __u8 *data = (const __u8 *)(long)skb->data;
    const __u8 *data_end = (const __u8 *)(long)skb->data_end;
    struct spoor_env env = {};
    struct spoor_decision d;
    struct spoor_scratch *s;
    __u32 zero = 0, snap;

    env.counters = bpf_map_lookup_elem(&counters, &zero);
    if (!env.counters)
        return TC_ACT_UNSPEC;
    /* Headers may sit in paged data on egress: make the first bytes linear. */
    if (data + 128 > data_end) {
        bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
        data = (const __u8 *)(long)skb->data;
        data_end = (const __u8 *)(long)skb->data_end;
    }
    if (!spoor_classify(&env, data, data_end, skb->len, &d))
        return TC_ACT_UNSPEC;

    s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return TC_ACT_UNSPEC;
    snap = spoor_snap_len(d.copy_len);
    if (snap > 0 && bpf_skb_load_bytes(skb, 0, s->data, snap))
        snap = 0;
    spoor_record_header(&env, &d, skb->ifindex, skb->len, SPOOR_DIR_EGRESS, snap, &s->rec);
    spoor_submit(&env, s, snap);
    return TC_ACT_UNSPEC;
}
