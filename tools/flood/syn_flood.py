#!/usr/bin/env python3
"""SYNs from many spoofed sources, written as raw Ethernet frames on an
interface: the bounded-state test of the scan heuristics (a flood of unique
keys). Sources are drawn from a private prefix the caller gives, never a
public one; run it inside a test namespace.

  syn_flood.py --iface vc --dst-mac 02:.. --dst 10.200.0.2 --sources 10.200.0.0/16 --count 20000
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn_frame(src_mac, dst_mac, src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src.packed, dst.packed, 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), seq & 0xFFFF, 0, 64,
                     socket.IPPROTO_TCP, 0, src.packed, dst.packed)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def mac(text):
    return bytes(int(part, 16) for part in text.split(":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--dst-mac", required=True)
    parser.add_argument("--dst", required=True, help="destination address (private)")
    parser.add_argument("--sources", required=True, help="private prefix to draw sources from")
    parser.add_argument("--count", type=int, default=10000, help="frames, each from a new source")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    dst = ipaddress.ip_address(args.dst)
    sources = ipaddress.ip_network(args.sources)
    for address, what in ((dst, "--dst"), (sources.network_address, "--sources")):
        if not address.is_private:
            sys.exit(f"syn_flood: {what} must be a private address, not {address}")
    if args.count > sources.num_addresses - 2:
        sys.exit(f"syn_flood: {sources} holds fewer than {args.count} sources")

    rng = random.Random(args.seed)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    src_mac = sock.getsockname()[4]
    dst_mac = mac(args.dst_mac)
    first = int(sources.network_address) + 1
    for i in range(args.count):
        src = ipaddress.ip_address(first + i)
        if src == dst:
            continue
        sock.send(syn_frame(src_mac, dst_mac, src, dst, rng.randrange(1024, 65535),
                            rng.choice((80, 443, 22, 445)), rng.getrandbits(32)))
    sock.close()


if __name__ == "__main__":
    main()
