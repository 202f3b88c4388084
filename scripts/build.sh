#!/usr/bin/env bash
# Configures and builds fheq (Release) into ./build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FHEQ_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
