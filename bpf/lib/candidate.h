/* SPDX-License-Identifier: MIT */
/*
 * Candidate selection from the bytes of one packet: which application
 * protocols start here (DESIGN.md "What leaves the kernel"). Pure
 * functions over the parsed packet and its payload; no maps, no state.
 */
#ifndef SPOOR_CANDIDATE_H
#define SPOOR_CANDIDATE_H

#include "parse.h"

#define SPOOR_DNS_PORT 53
#define SPOOR_OFFSET_MAX 0x3fff

#define SPOOR_FOURCC(a, b, c, d) (((__u32)(a) << 24) | ((__u32)(b) << 16) | ((__u32)(c) << 8) | (d))

/* First four bytes of an HTTP/1.x request method or of a response status line. */
SPOOR_INLINE int spoor_is_http_start(const __u8 *p, const __u8 *data_end)
{
    __u32 w;

    if (p + 8 > data_end)
        return 0;
    w = spoor_load_u32(p);
    switch (w) {
    case SPOOR_FOURCC('G', 'E', 'T', ' '):
    case SPOOR_FOURCC('P', 'O', 'S', 'T'):
    case SPOOR_FOURCC('H', 'E', 'A', 'D'):
    case SPOOR_FOURCC('P', 'U', 'T', ' '):
    case SPOOR_FOURCC('D', 'E', 'L', 'E'):
    case SPOOR_FOURCC('O', 'P', 'T', 'I'):
    case SPOOR_FOURCC('C', 'O', 'N', 'N'):
    case SPOOR_FOURCC('P', 'A', 'T', 'C'):
    case SPOOR_FOURCC('T', 'R', 'A', 'C'):
        return 1;
    case SPOOR_FOURCC('H', 'T', 'T', 'P'):
        return spoor_load_u32(p + 4) == SPOOR_FOURCC('/', '1', '.', p[7]);
    default:
        return 0;
    }
}

/* A TLS handshake record carrying ClientHello (1), ServerHello (2) or Certificate (11). */
SPOOR_INLINE int spoor_is_tls_handshake(const __u8 *p, const __u8 *data_end)
{
    if (p + 6 > data_end)
        return 0;
    if (p[0] != 0x16 || p[1] != 0x03 || p[2] > 0x04)
        return 0;
    return p[5] == 1 || p[5] == 2 || p[5] == 11;
}

/* Bytes of the TLS record starting at p, header included. */
SPOOR_INLINE __u32 spoor_tls_record_size(const __u8 *p)
{
    return 5u + spoor_load_be16(p + 3);
}

#define SPOOR_QUIC_V1 0x00000001u
#define SPOOR_QUIC_V2 0x6b3343cfu

/* QUIC long header, fixed bit set, Initial packet type of v1 (0b00) or v2 (0b01). */
SPOOR_INLINE int spoor_is_quic_initial(const __u8 *p, const __u8 *data_end)
{
    __u32 version;
    __u8 type;

    if (p + 7 > data_end)
        return 0;
    if ((p[0] & 0xc0) != 0xc0)
        return 0;
    version = spoor_load_u32(p + 1);
    type = (p[0] >> 4) & 0x03;
    if (version == SPOOR_QUIC_V1)
        return type == 0;
    if (version == SPOOR_QUIC_V2)
        return type == 1;
    return 0;
}

/* A SYN, or a NULL / FIN / XMAS probe: a TCP segment without ACK or RST opens or probes a flow. */
SPOOR_INLINE int spoor_is_tcp_flow_start(const struct spoor_packet *pkt)
{
    return pkt->proto == SPOOR_IPPROTO_TCP && !(pkt->tcp_flags & (SPOOR_TCP_ACK | SPOOR_TCP_RST));
}

SPOOR_INLINE int spoor_is_dns(const struct spoor_packet *pkt)
{
    return (pkt->proto == SPOOR_IPPROTO_UDP || pkt->proto == SPOOR_IPPROTO_TCP) &&
           (pkt->sport == SPOOR_DNS_PORT || pkt->dport == SPOOR_DNS_PORT);
}

/* The L4 payload as a packet pointer the verifier accepts, or 0 when there is none. */
SPOOR_INLINE const __u8 *spoor_payload(const struct spoor_packet *pkt, const __u8 *data)
{
    __u32 off = pkt->payload_off;

    if (!pkt->has_l4 || pkt->payload_len == 0)
        return 0;
    /* A bound the verifier can add to a packet pointer (headers never reach this far). */
    barrier_var(off);
    if (off > SPOOR_OFFSET_MAX)
        return 0;
    return data + off;
}

/*
 * HTTP or TLS starting in a TCP payload of `len` bytes at p. *followup is set
 * when the head or record visibly continues in the next segment of this
 * direction: an HTTP head not ending in CRLFCRLF, a TLS record longer than
 * the segment.
 */
SPOOR_INLINE __u32 spoor_tcp_start_reasons(const __u8 *p, __u32 len, const __u8 *data_end,
                                           int *followup)
{
    const __u8 *tail;

    *followup = 0;
    if (spoor_is_http_start(p, data_end)) {
        if (len < 4)
            return SPOOR_REASON_HTTP;
        len -= 4;
        barrier_var(len);
        if (len > SPOOR_OFFSET_MAX)
            return SPOOR_REASON_HTTP;
        tail = p + len;
        if (tail + 4 > data_end)
            return SPOOR_REASON_HTTP;
        *followup = !(tail[0] == '\r' && tail[1] == '\n' && tail[2] == '\r' && tail[3] == '\n');
        return SPOOR_REASON_HTTP;
    }
    if (spoor_is_tls_handshake(p, data_end)) {
        *followup = spoor_tls_record_size(p) > len;
        return SPOOR_REASON_TLS;
    }
    return 0;
}

#endif /* SPOOR_CANDIDATE_H */
