/* SPDX-License-Identifier: MIT */
/*
 * Bounded L2-L4 parser over (data, data_end). Every read is preceded by a
 * bounds check against data_end, so the same code satisfies the verifier
 * and is safe on hostile bytes in the host build (replay, unit tests).
 *
 * Handles Ethernet with up to two VLAN tags (802.1Q / 802.1ad) and PPPoE
 * session frames, IPv4 with options, IPv6 with up to SPOOR_IPV6_EXT_MAX
 * extension headers, and the TCP, UDP, ICMP and ICMPv6 headers. Non-first
 * fragments carry no L4 header.
 */
#ifndef SPOOR_PARSE_H
#define SPOOR_PARSE_H

#include "bytes.h"
#include "spoor/abi.h"

#define SPOOR_VLAN_MAX 2
#define SPOOR_IPV6_EXT_MAX 6

#define SPOOR_ETH_HLEN 14
#define SPOOR_ETH_P_IP 0x0800
#define SPOOR_ETH_P_IPV6 0x86DD
#define SPOOR_ETH_P_8021Q 0x8100
#define SPOOR_ETH_P_8021AD 0x88A8
#define SPOOR_ETH_P_PPPOE_SESSION 0x8864
#define SPOOR_PPP_IPV4 0x0021
#define SPOOR_PPP_IPV6 0x0057
#define SPOOR_PPPOE_HLEN 8 /* PPPoE header (6) + PPP protocol (2) */

#define SPOOR_IPPROTO_ICMP 1
#define SPOOR_IPPROTO_TCP 6
#define SPOOR_IPPROTO_UDP 17
#define SPOOR_IPPROTO_ICMPV6 58

#define SPOOR_TCP_FIN 0x01
#define SPOOR_TCP_SYN 0x02
#define SPOOR_TCP_RST 0x04
#define SPOOR_TCP_PSH 0x08
#define SPOOR_TCP_ACK 0x10
#define SPOOR_TCP_URG 0x20

enum spoor_parse_status {
    SPOOR_PARSE_OK = 0,
    SPOOR_PARSE_NOT_IP = 1,    /* ARP, LLDP, ... : nothing to inspect */
    SPOOR_PARSE_MALFORMED = 2, /* truncated or inconsistent header */
};

/* What the parser learned. Offsets are from the start of the frame. */
struct spoor_packet {
    __u8 src[16]; /* IPv4 in the first 4 bytes, network order */
    __u8 dst[16];
    __u16 sport; /* host order; 0 without a TCP/UDP header */
    __u16 dport;
    __u16 l3_off;
    __u16 l4_off; /* 0 when there is no L4 header (non-first fragment, unknown proto) */
    __u16 payload_off;
    __u16 payload_len; /* L4 payload present in the frame, bounded by the IP length */
    __u16 vlan[SPOOR_VLAN_MAX];
    __u8 vlan_count;
    __u8 family; /* SPOOR_FAMILY_V4 / _V6 */
    __u8 proto;  /* IP protocol of the L4 header (after IPv6 extension headers) */
    __u8 tcp_flags;
    __u8 fragment; /* 1: non-first fragment */
    __u8 icmp_type;
    __u8 icmp_code;
    __u8 has_l4;               /* 1: sport/dport (or ICMP type/code) and payload are valid */
} __attribute__((aligned(8))); /* word loads of the addresses */

/* L4 header at `l4` (offset l4_off), IP payload ends at offset ip_end_off. */
SPOOR_INLINE int spoor_parse_l4(const __u8 *l4, const __u8 *data_end, __u32 l4_off,
                                __u32 ip_end_off, struct spoor_packet *pkt)
{
    __u32 hlen;

    switch (pkt->proto) {
    case SPOOR_IPPROTO_TCP: {
        if (l4 + 20 > data_end)
            return SPOOR_PARSE_MALFORMED;
        hlen = (__u32)(l4[12] >> 4) * 4;
        if (hlen < 20 || l4 + hlen > data_end)
            return SPOOR_PARSE_MALFORMED;
        pkt->sport = spoor_load_be16(l4);
        pkt->dport = spoor_load_be16(l4 + 2);
        pkt->tcp_flags = l4[13];
        break;
    }
    case SPOOR_IPPROTO_UDP:
        if (l4 + 8 > data_end)
            return SPOOR_PARSE_MALFORMED;
        hlen = 8;
        pkt->sport = spoor_load_be16(l4);
        pkt->dport = spoor_load_be16(l4 + 2);
        break;
    case SPOOR_IPPROTO_ICMP:
    case SPOOR_IPPROTO_ICMPV6:
        if (l4 + 4 > data_end)
            return SPOOR_PARSE_MALFORMED;
        hlen = 4;
        pkt->icmp_type = l4[0];
        pkt->icmp_code = l4[1];
        break;
    default:
        return SPOOR_PARSE_OK; /* an IP protocol we do not look into */
    }

    pkt->has_l4 = 1;
    pkt->l4_off = (__u16)l4_off;
    pkt->payload_off = (__u16)(l4_off + hlen);
    if (ip_end_off > l4_off + hlen)
        pkt->payload_len = (__u16)(ip_end_off - l4_off - hlen);
    return SPOOR_PARSE_OK;
}

SPOOR_INLINE int spoor_parse_ipv4(const __u8 *ip, const __u8 *data_end, __u32 l3_off,
                                  __u32 frame_len, struct spoor_packet *pkt)
{
    __u32 ihl, total, ip_end_off;

    if (ip + 20 > data_end)
        return SPOOR_PARSE_MALFORMED;
    if ((ip[0] >> 4) != 4)
        return SPOOR_PARSE_MALFORMED;
    ihl = (__u32)(ip[0] & 0x0f) * 4;
    total = spoor_load_be16(ip + 2);
    if (ihl < 20 || total < ihl || ip + ihl > data_end)
        return SPOOR_PARSE_MALFORMED;

    pkt->family = SPOOR_FAMILY_V4;
    pkt->proto = ip[9];
    /* The rest of the 16-byte fields stays zero: the caller zeroed pkt. */
    __builtin_memcpy(pkt->src, ip + 12, 4);
    __builtin_memcpy(pkt->dst, ip + 16, 4);

    /* Fragment offset != 0: the L4 header is in the first fragment only. */
    if (spoor_load_be16(ip + 6) & 0x1fff) {
        pkt->fragment = 1;
        return SPOOR_PARSE_OK;
    }
    /* A capture may hold less than the IP length (snaplen) or more (Ethernet padding). */
    ip_end_off = l3_off + total;
    if (ip_end_off > frame_len)
        ip_end_off = frame_len;
    return spoor_parse_l4(ip + ihl, data_end, l3_off + ihl, ip_end_off, pkt);
}

SPOOR_INLINE int spoor_parse_ipv6(const __u8 *ip, const __u8 *data_end, __u32 l3_off,
                                  __u32 frame_len, struct spoor_packet *pkt)
{
    const __u8 *hdr;
    __u32 off, ip_end_off;
    __u8 next;

    if (ip + 40 > data_end)
        return SPOOR_PARSE_MALFORMED;
    if ((ip[0] >> 4) != 6)
        return SPOOR_PARSE_MALFORMED;

    pkt->family = SPOOR_FAMILY_V6;
    __builtin_memcpy(pkt->src, ip + 8, 16);
    __builtin_memcpy(pkt->dst, ip + 24, 16);
    ip_end_off = l3_off + 40 + spoor_load_be16(ip + 4);
    if (ip_end_off > frame_len)
        ip_end_off = frame_len;

    next = ip[6];
    hdr = ip + 40;
    off = l3_off + 40;
    SPOOR_UNROLL
    for (int i = 0; i < SPOOR_IPV6_EXT_MAX; i++) {
        __u32 len;

        switch (next) {
        case 0:   /* hop-by-hop options */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
            if (hdr + 2 > data_end)
                return SPOOR_PARSE_MALFORMED;
            len = ((__u32)hdr[1] + 1) * 8;
            break;
        case 51: /* authentication header: length in 4-octet units, minus 2 */
            if (hdr + 2 > data_end)
                return SPOOR_PARSE_MALFORMED;
            len = ((__u32)hdr[1] + 2) * 4;
            break;
        case 44: /* fragment */
            if (hdr + 8 > data_end)
                return SPOOR_PARSE_MALFORMED;
            if (spoor_load_be16(hdr + 2) & 0xfff8) {
                pkt->proto = hdr[0];
                pkt->fragment = 1;
                return SPOOR_PARSE_OK;
            }
            len = 8;
            break;
        default:
            goto done;
        }
        next = hdr[0];
        hdr += len;
        off += len;
    }
    /* Still an extension header after the limit: we cannot reach L4. */
    if (next == 0 || next == 43 || next == 60 || next == 135 || next == 51 || next == 44)
        return SPOOR_PARSE_MALFORMED;
done:
    pkt->proto = next;
    if (next == 59) /* no next header */
        return SPOOR_PARSE_OK;
    return spoor_parse_l4(hdr, data_end, off, ip_end_off, pkt);
}

/* Parse one frame. `pkt` must be zeroed by the caller. */
SPOOR_INLINE int spoor_parse_frame(const __u8 *data, const __u8 *data_end, __u32 frame_len,
                                   struct spoor_packet *pkt)
{
    const __u8 *pos = data;
    __u32 off = SPOOR_ETH_HLEN;
    __u16 proto;

    if (pos + SPOOR_ETH_HLEN > data_end)
        return SPOOR_PARSE_MALFORMED;
    proto = spoor_load_be16(pos + 12);
    pos += SPOOR_ETH_HLEN;

    SPOOR_UNROLL
    for (int i = 0; i < SPOOR_VLAN_MAX; i++) {
        if (proto != SPOOR_ETH_P_8021Q && proto != SPOOR_ETH_P_8021AD)
            break;
        if (pos + 4 > data_end)
            return SPOOR_PARSE_MALFORMED;
        pkt->vlan[i] = spoor_load_be16(pos) & 0x0fff;
        pkt->vlan_count = (__u8)(i + 1);
        proto = spoor_load_be16(pos + 2);
        pos += 4;
        off += 4;
    }

    /* PPPoE session (DSL uplinks, RFC 2516): the PPP protocol says IPv4 or IPv6. */
    if (proto == SPOOR_ETH_P_PPPOE_SESSION) {
        if (pos + SPOOR_PPPOE_HLEN > data_end)
            return SPOOR_PARSE_MALFORMED;
        switch (spoor_load_be16(pos + 6)) {
        case SPOOR_PPP_IPV4:
            proto = SPOOR_ETH_P_IP;
            break;
        case SPOOR_PPP_IPV6:
            proto = SPOOR_ETH_P_IPV6;
            break;
        default:
            return SPOOR_PARSE_NOT_IP; /* LCP, IPCP, ... */
        }
        pos += SPOOR_PPPOE_HLEN;
        off += SPOOR_PPPOE_HLEN;
    }

    pkt->l3_off = (__u16)off;
    if (proto == SPOOR_ETH_P_IP)
        return spoor_parse_ipv4(pos, data_end, off, frame_len, pkt);
    if (proto == SPOOR_ETH_P_IPV6)
        return spoor_parse_ipv6(pos, data_end, off, frame_len, pkt);
    return SPOOR_PARSE_NOT_IP;
}

#endif /* SPOOR_PARSE_H */
