#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, runs fheq on the embedded default model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"${FHEQ_BUILD_DIR:-$root/build}/tools/fheq/fheq" demo "$@"
