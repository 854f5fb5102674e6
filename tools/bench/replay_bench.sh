#!/usr/bin/env bash
# Replay benchmark (issue 3): 1,000,000-packet captures of two mixes replayed
# with the full real trail set, beside a bare libpcap read loop over the same
# file, in the same run. Prints ns/packet (start-up subtracted), start-up and
# peak RSS, and the ratios to the read loop.
#
#   tools/bench/replay_bench.sh [BUILD_DIR] [PACKETS]
# Needs a release build (cmake --build BUILD_DIR) and ../shared/data/maltrail beside the repo.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
packets=${2:-1000000}
trails=${SPOOR_BENCH_TRAILS:-../shared/data/maltrail/static-trails.tar.xz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in "$build/spoor" "$build/spoor-pcapgen" "$build/bench/pcap_read_loop"; do
    [ -x "$tool" ] || { echo "replay_bench: $tool missing: build it first" >&2; exit 1; }
done
[ -e "$trails" ] || { echo "replay_bench: no trails at $trails" >&2; exit 1; }

# "wall-seconds peak-RSS-KiB packet-loop-seconds" of a command, its output discarded. The
# loop time is what spoor replay's summary reports for reading and analysing the packets,
# so start-up (loading trails, building tables) is not in it; for the bare loop it is 0.
measure() {
    local out=$work/time
    /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>"$work/stderr" ||
        { cat "$work/stderr" >&2; exit 1; }
    local loop
    loop=$(sed -n 's/.* in \([0-9.]*\) s (.*/\1/p' "$work/stderr" | tail -n 1)
    echo "$(cat "$out") ${loop:-0}"
}
best_of() {  # the run with the shortest wall time of 3
    local best="" t r l bt=999999
    for _ in 1 2 3; do
        read -r t r l < <(measure "$@")
        if python3 -c "import sys; sys.exit(0 if $t < $bt else 1)"; then
            bt=$t
            best="$t $r $l"
        fi
    done
    echo "$best"
}

printf '%-10s %9s %12s %12s %7s %10s %8s\n' mix packets "read ns/pkt" "spoor ns/pkt" ratio \
    "start-up s" "RSS MiB"
for mix in bulk candidate; do
    "$build/spoor-pcapgen" -o "$work/$mix.pcap" --mix "$mix" --packets "$packets" 2>/dev/null
    read -r base _ _ < <(best_of "$build/bench/pcap_read_loop" "$work/$mix.pcap")
    read -r total rss loop < <(best_of "$build/spoor" replay --trails "$trails" "$work/$mix.pcap")
    python3 - "$mix" "$packets" "$base" "$total" "$loop" "$rss" <<'PY'
import sys
mix, packets, base, total, loop, rss = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
read_ns = base * 1e9 / packets
spoor_ns = loop * 1e9 / packets
print(f"{mix:<10} {packets:>9} {read_ns:>12.1f} {spoor_ns:>12.1f} {spoor_ns / read_ns:>6.2f}x "
      f"{total - loop:>10.2f} {rss / 1024:>8.0f}")
PY
done
echo "(best of 3 runs each, full real trail set $(basename "$trails"); spoor ns/packet from the"
echo " packet loop replay reports, start-up = wall time - packet loop)"
