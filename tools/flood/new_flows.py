"""New TCP flows at a steady rate: SYN frames from one source to listed
destinations, each from the next source port, the destinations in turn. The
live-reload test's load: every flow to a listed address must alert exactly
once while the trails are reloaded under it. Private addresses only; run it
inside a test namespace. Runs until --count flows or SIGTERM, then prints
{"sent": N, "first_port": P} (flow i: source port P + i, destination i mod D).

  new_flows.py --iface vc --dst-mac 02:.. --src 10.200.0.1 --dst 10.230.0.1,10.230.0.2 --rate 1000
"""
import argparse
import ipaddress
import json
import signal
import socket
import sys
import time

from syn_flood import mac, syn_frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--dst-mac", required=True)
    parser.add_argument("--src", required=True, help="source address (private)")
    parser.add_argument("--dst", required=True, help="destinations, comma-separated (private)")
    parser.add_argument("--rate", type=int, default=1000, help="new flows a second")
    parser.add_argument("--count", type=int, default=40000, help="at most this many flows")
    parser.add_argument("--first-port", type=int, default=20000)
    args = parser.parse_args()

    src = ipaddress.ip_address(args.src)
    dsts = [ipaddress.ip_address(d) for d in args.dst.split(",")]
    for address in [src, *dsts]:
        if not address.is_private:
            sys.exit(f"new_flows: {address} is not a private address")
    if args.first_port + args.count > 65536:
        sys.exit("new_flows: --first-port + --count passes port 65535")

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    src_mac = sock.getsockname()[4]
    dst_mac = mac(args.dst_mac)
    start = time.monotonic()
    sent = 0
    while sent < args.count and not stopping:
        # Paced against the start, so that a late frame does not slow the ones after it.
        due = start + sent / args.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        sock.send(syn_frame(src_mac, dst_mac, src, dsts[sent % len(dsts)],
                            args.first_port + sent, 80, sent))
        sent += 1
    sock.close()
    print(json.dumps({"sent": sent, "first_port": args.first_port}))


if __name__ == "__main__":
    main()
