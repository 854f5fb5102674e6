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

# Wall seconds and peak RSS (KiB) of a command, its output discarded.
measure() {
    local out=$work/time
    /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>"$work/stderr" ||
        { cat "$work/stderr" >&2; exit 1; }
    cat "$out"
}
best_of() {  # best of 3 wall times; RSS of the last
    local best=999999 rss=0 t r
    for _ in 1 2 3; do
        read -r t r < <(measure "$@")
        best=$(python3 -c "print(min($best, $t))")
        rss=$r
    done
    echo "$best $rss"
}

"$build/spoor-pcapgen" -o "$work/empty.pcap" --mix bulk --packets 0 2>/dev/null
read -r startup rss0 < <(best_of "$build/spoor" replay --trails "$trails" "$work/empty.pcap")
printf 'start-up (load %s, build tables): %.2f s, peak RSS %.0f MiB\n' \
    "$(basename "$trails")" "$startup" "$(python3 -c "print($rss0/1024)")"
printf '%-10s %10s %12s %12s %8s %10s\n' mix packets "read ns/pkt" "spoor ns/pkt" ratio "RSS MiB"
for mix in bulk candidate; do
    "$build/spoor-pcapgen" -o "$work/$mix.pcap" --mix "$mix" --packets "$packets" 2>/dev/null
    read -r base _ < <(best_of "$build/bench/pcap_read_loop" "$work/$mix.pcap")
    read -r total rss < <(best_of "$build/spoor" replay --trails "$trails" "$work/$mix.pcap")
    python3 - "$mix" "$packets" "$base" "$total" "$startup" "$rss" <<'PY'
import sys
mix, packets, base, total, startup, rss = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
read_ns = base * 1e9 / packets
spoor_ns = max(total - startup, 0) * 1e9 / packets
print(f"{mix:<10} {packets:>10} {read_ns:>12.1f} {spoor_ns:>12.1f} {spoor_ns / read_ns:>7.2f}x {rss / 1024:>10.0f}")
PY
done
echo "(best of 3 runs each; spoor ns/packet = (replay time - start-up) / packets)"
