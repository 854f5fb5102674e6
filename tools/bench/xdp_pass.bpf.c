/* SPDX-License-Identifier: MIT */
/* The baseline of the XDP benchmark: a program that only returns XDP_PASS. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("xdp")
int bench_xdp_pass(struct xdp_md* ctx) {
    return XDP_PASS;
}
