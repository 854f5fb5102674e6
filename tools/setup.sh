#!/usr/bin/env bash
# Installs what spoor needs on Debian 12, builds the release binary and
# installs the default trail set (Maltrail's static trails).
#
# As root:
#   tools/setup.sh                                   download trails from Maltrail upstream
#   tools/setup.sh --trails-from static-trails.tar.xz    offline: a local copy (archive or folder)
#   tools/setup.sh --deps-only                       packages only (used by tools/test.sh)
#
# Then: build/spoor run    (see README.md)
set -euo pipefail

TRAILS_DIR=/var/lib/spoor/trails
STORE=/var/lib/spoor/trails.spoor
TRAILS_URL=https://github.com/stamparm/maltrail/archive/refs/heads/master.tar.gz
BUILD_DIR=build
trails_from=""
deps_only=0

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --trails-from) trails_from=${2:?--trails-from needs a file or folder}; shift 2 ;;
        --deps-only) deps_only=1; shift ;;
        --build-dir) BUILD_DIR=${2:?--build-dir needs a folder}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (it installs packages and writes $TRAILS_DIR)" >&2
    exit 1
fi
cd "$(dirname "$0")/.."

# Build, runtime and test dependencies, all from Debian 12.
packages=(
    build-essential cmake ninja-build pkg-config clang clang-format llvm bpftool
    libbpf-dev libxdp-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libyaml-cpp-dev
    libarchive-dev libssl-dev libpcap-dev libhyperscan-dev doctest-dev libcurl4-openssl-dev
    iproute2 iputils-ping netcat-openbsd curl python3 xz-utils ca-certificates
    bind9-dnsutils dnsmasq-base nmap
)
echo "setup: installing packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
[ "$deps_only" -eq 1 ] && exit 0

echo "setup: building release binaries in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j2 --target spoor

# Trails: replace the managed folder as a whole, so a re-run never mixes versions.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
if [ -z "$trails_from" ]; then
    echo "setup: downloading Maltrail static trails"
    if ! curl -fsSL --max-time 300 "$TRAILS_URL" -o "$staging/maltrail.tar.gz"; then
        echo "setup: cannot download $TRAILS_URL; offline, give a local copy:" >&2
        echo "  tools/setup.sh --trails-from PATH/static-trails.tar.xz" >&2
        exit 1
    fi
    trails_from="$staging/maltrail.tar.gz"
fi
mkdir -p "$staging/trails"
if [ -d "$trails_from" ]; then
    cp -a "$trails_from/." "$staging/trails/"
elif [ -f "$trails_from" ]; then
    tar -xf "$trails_from" -C "$staging/trails"
else
    echo "setup: --trails-from $trails_from: no such file or folder" >&2
    exit 1
fi
# Keep only the static trail tree (an upstream snapshot also holds code and docs).
static=$(find "$staging/trails" -type d -path '*trails/static' | head -n 1)
[ -n "$static" ] || static="$staging/trails"
if [ -z "$(find "$static" -name '*.txt' -print -quit)" ]; then
    echo "setup: no trail lists (*.txt) found in $trails_from" >&2
    exit 1
fi
mkdir -p "$(dirname "$TRAILS_DIR")"
rm -rf "$TRAILS_DIR.new"
cp -a "$static" "$TRAILS_DIR.new"
rm -rf "$TRAILS_DIR"
mv "$TRAILS_DIR.new" "$TRAILS_DIR"
echo "setup: $(find "$TRAILS_DIR" -name '*.txt' | wc -l) trail files in $TRAILS_DIR"
# The store `run` maps at start (the default --trails): read once here, not at every start.
"$BUILD_DIR/spoor" trails compile "$TRAILS_DIR" -o "$STORE"
echo "setup: done. Start the sensor (as root) with: $BUILD_DIR/spoor run"
