#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test with ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "${FHEQ_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
