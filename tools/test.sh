#!/usr/bin/env bash
# Builds spoor with warnings as errors and sanitizers and runs every test tier:
#   unit  (no root), bpf (BPF_PROG_TEST_RUN), netns (real traffic through veth).
# Root tiers skip without root on a laptop; under CI=true they must run.
#
#   tools/test.sh            everything (as root)
#   tools/test.sh -L unit    one tier (arguments go to ctest)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
    tools/setup.sh --deps-only
else
    echo "test.sh: not root: skipping package installation and the root tiers" >&2
fi

BUILD_DIR=${BUILD_DIR:-build-test}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSPOOR_WERROR=ON \
      -DSPOOR_SANITIZE=ON >/dev/null
cmake --build "$BUILD_DIR" -j2
cd "$BUILD_DIR"
ctest --output-on-failure "$@"
