#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test with ctest; then the same suite
# once more in an AddressSanitizer + UndefinedBehaviorSanitizer build (build-sanitize/; any finding fails it).
#   scripts/test.sh                 both runs (what CI runs)
#   scripts/test.sh --no-sanitize   the Release run only
#   scripts/test.sh --sanitize      the sanitizer run only
# Further arguments go to ctest (e.g. -R KeyHygiene).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
release=1
sanitize=1
case "${1:-}" in
  --no-sanitize) sanitize=0; shift ;;
  --sanitize) release=0; shift ;;
esac
"$root/scripts/install-deps.sh"
if [ "$release" = 1 ]; then
  "$root/scripts/build.sh"
  (cd "${FHEQ_BUILD_DIR:-$root/build}" && ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@")
fi
if [ "$sanitize" = 1 ]; then
  # No benchmarks; -O1 keeps the sanitized suite within a few minutes. Leak checking stays on (ASan's default).
  sanitize_dir="${FHEQ_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  FHEQ_BUILD_DIR="$sanitize_dir" "$root/scripts/build.sh" -DFHEQ_SANITIZE=ON -DFHEQ_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g"
  (cd "$sanitize_dir" && UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    ctest --output-on-failure -j"$(nproc)" --timeout 1800 "$@")
fi
