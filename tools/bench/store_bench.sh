#!/usr/bin/env bash
# Trail store and live reload benchmark (issue 6), with the full real trail set:
#   - compile time, and store size against the text it was made of;
#   - replay start-up from the store beside start-up from the sources (same run), with
#     the pattern cache cold and warm, and RSS against the store's size;
#   - run start-up (as root, on a veth in a namespace of its own): trails read, kernel
#     maps filled (entries/s);
#   - reload time, and the daemon's memory before and at its peak across 5 reloads
#     (anonymous, PSS and RSS);
#   - trails add / rm latency through the control socket.
#
#   tools/bench/store_bench.sh [BUILD_DIR]
# Needs a release build and ../shared/data/maltrail beside the repo; the run part needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
spoor=$build/spoor
sources=${SPOOR_BENCH_TRAILS:-../shared/data/maltrail/static-trails.tar.xz}
work=$(mktemp -d)
ns=spoor-bench-$$
cleanup() {
    [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
[ -x "$spoor" ] || { echo "store_bench: $spoor missing: build it first" >&2; exit 1; }
[ -e "$sources" ] || { echo "store_bench: no trails at $sources" >&2; exit 1; }

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
mib() { python3 -c "print(f'{$1 / 1048576:.1f}')"; }
# Wall seconds and peak RSS (KiB) of a command, its output discarded.
timed() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" ||
        { cat "$work/stderr" >&2; exit 1; }
    cat "$work/time"
}
best_of_3() {  # "seconds KiB" of the fastest of three runs
    local best=999999 rss=0 t r
    for _ in 1 2 3; do
        read -r t r < <(timed "$@")
        if python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t rss=$r; fi
    done
    echo "$best $rss"
}

# The text the store is made of: an archive's members, uncompressed.
case "$sources" in
    *.tar.*|*.tgz|*.txz) text_bytes=$(tar -xaf "$sources" -O | wc -c) ;;
    *) text_bytes=$(du -sb "$sources" | cut -f1) ;;
esac

store=$work/trails.spoor
read -r compile_s compile_rss < <(timed "$spoor" trails compile "$sources" -o "$store")
store_bytes=$(stat -c %s "$store")

python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' \
    "$work/empty.pcap"
cache=$work/cache
read -r cold_s _ < <(timed "$spoor" replay --cache-dir "$cache" --trails "$store" "$work/empty.pcap")
read -r store_s store_rss < <(best_of_3 "$spoor" replay --cache-dir "$cache" --trails "$store" \
    "$work/empty.pcap")
read -r text_s text_rss < <(best_of_3 "$spoor" replay --cache-dir "$cache" --trails "$sources" \
    "$work/empty.pcap")

echo "trails: $sources ($(mib "$text_bytes") MiB of text)"
printf '%-46s %10s %10s\n' "" "value" "ratio"
printf '%-46s %9ss\n' "compile (trails compile)" "$compile_s"
printf '%-46s %7s MiB %9sx\n' "store size / text size" "$(mib "$store_bytes")" \
    "$(ratio "$store_bytes" "$text_bytes")"
printf '%-46s %9ss %9sx\n' "replay start-up from sources (baseline)" "$text_s" 1.00
printf '%-46s %9ss %9sx\n' "replay start-up from the store, pattern cache" "$store_s" \
    "$(ratio "$store_s" "$text_s")"
printf '%-46s %9ss %9sx\n' "replay start-up from the store, cache cold" "$cold_s" \
    "$(ratio "$cold_s" "$text_s")"
printf '%-46s %7s MiB %9sx\n' "replay RSS from sources / store size" "$(mib $((text_rss * 1024)))" \
    "$(ratio $((text_rss * 1024)) "$store_bytes")"
printf '%-46s %7s MiB %9sx\n' "replay RSS from the store / store size" \
    "$(mib $((store_rss * 1024)))" "$(ratio $((store_rss * 1024)) "$store_bytes")"

if [ "$(id -u)" -ne 0 ]; then
    echo "(not root: run start-up, reload and add/rm not measured)"
    exit 0
fi
ip netns add "$ns"
ip -n "$ns" link add vb0 type veth peer name vb1
ip -n "$ns" link set vb0 up
ip -n "$ns" link set vb1 up
socket=$work/spoor.sock
ip netns exec "$ns" "$spoor" run -i vb0 --trails "$store" --cache-dir "$cache" --quiet \
    --log-dir '' --control-socket "$socket" --custom-trails "$work/custom.txt" \
    --no-watch-trails 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 600); do
    grep -q "kernel maps filled" "$work/daemon.log" && break
    kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
    sleep 0.1
done
startup=$(grep -o "trails read in .*" "$work/daemon.log")
query() { ip netns exec "$ns" "$spoor" "$@" --json --control-socket "$socket"; }
# Memory while reloading, sampled every 20 ms: the stores are file mappings (page cache,
# shared, reclaimable), so what a reload costs is anonymous memory, and PSS counts each file
# page once however many generations map it. RSS counts a page per mapping.
rollup_kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$daemon/smaps_rollup"; }
anon_before=$(rollup_kib Anonymous)
pss_before=$(rollup_kib Pss)
rss_before=$(rollup_kib Rss)
( peak_anon=0 peak_pss=0 peak_rss=0
  while [ ! -e "$work/stop-sampling" ]; do
      a=$(rollup_kib Anonymous) p=$(rollup_kib Pss) r=$(rollup_kib Rss)
      [ "$a" -gt "$peak_anon" ] && peak_anon=$a
      [ "$p" -gt "$peak_pss" ] && peak_pss=$p
      [ "$r" -gt "$peak_rss" ] && peak_rss=$r
      echo "$peak_anon $peak_pss $peak_rss" >"$work/peaks"
      sleep 0.02
  done ) &
sampler=$!
reload_best=999999
for _ in 1 2 3 4 5; do
    s=$(query reload | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
    reload_best=$(python3 -c "print(f'{min($reload_best, $s):.3f}')")
done
touch "$work/stop-sampling"
wait "$sampler"
read -r peak_anon peak_pss peak_rss <"$work/peaks"
wall() {  # seconds a command takes, its output discarded
    local start
    start=$(date +%s%N)
    "$@" >/dev/null
    python3 -c "print(f'{($(date +%s%N) - $start) / 1e9:.3f}')"
}
add_s=$(wall query trails add 10.255.0.1 --info bench)
rm_s=$(wall query trails rm 10.255.0.1)

printf '%-46s %s\n' "run start-up" "$startup"
printf '%-46s %9ss\n' "reload from the store (best of 5)" "$reload_best"
printf '%-46s %7s MiB -> %s MiB %sx\n' "anonymous memory: before -> peak in reloads" \
    "$(mib $((anon_before * 1024)))" "$(mib $((peak_anon * 1024)))" \
    "$(ratio "$peak_anon" "$anon_before")"
printf '%-46s %7s MiB -> %s MiB %sx\n' "PSS: before -> peak in reloads" \
    "$(mib $((pss_before * 1024)))" "$(mib $((peak_pss * 1024)))" \
    "$(ratio "$peak_pss" "$pss_before")"
printf '%-46s %7s MiB -> %s MiB %sx\n' "RSS: before -> peak in reloads" \
    "$(mib $((rss_before * 1024)))" "$(mib $((peak_rss * 1024)))" \
    "$(ratio "$peak_rss" "$rss_before")"
printf '%-46s %9ss\n' "trails add through the control socket" "$add_s"
printf '%-46s %9ss\n' "trails rm through the control socket" "$rm_s"
