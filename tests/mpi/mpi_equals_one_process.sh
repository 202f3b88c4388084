#!/usr/bin/env bash
# `mpirun -np K fheq run --mpi` writes exactly the bytes of a lone `fheq run` (K = 2, 3, 4 on one machine,
# oversubscribed): digits_mlp compiled with defaults (128-bit parameters), 8 encrypted test samples.
# Usage: mpi_equals_one_process.sh FHEQ_CLI SOURCE_DIR
set -euo pipefail
cli="$1"
source_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
"$cli" compile "$source_dir/models/digits_mlp.onnx" --dataset digits -o "$work/ART" > /dev/null
"$cli" keygen "$work/ART" -o "$work/KEYS" > /dev/null
"$cli" encrypt "$work/ART" --key "$work/KEYS/secret.key" --dataset digits --count 8 -o "$work/IN.ct" > /dev/null
"$cli" run "$work/ART" "$work/IN.ct" --eval-keys "$work/KEYS/eval.keys" -o "$work/OUT.ct" --quiet > /dev/null
for ranks in 2 3 4; do
  mpirun --oversubscribe -np "$ranks" "$cli" run --mpi "$work/ART" "$work/IN.ct" --eval-keys "$work/KEYS/eval.keys" \
    -o "$work/OUT_$ranks.ct" --threads 1 --quiet > /dev/null
  if cmp -s "$work/OUT.ct" "$work/OUT_$ranks.ct"; then
    echo "$ranks ranks: OUT.ct identical to the single-process run"
  else
    echo "FAIL: $ranks ranks: OUT.ct differs from the single-process run" >&2
    exit 1
  fi
done
