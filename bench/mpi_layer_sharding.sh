#!/usr/bin/env bash
# MPI layer sharding on one machine (issue #13): the shipped CNN compiled with defaults, N encrypted test images,
# evaluated by 1 rank × 1 thread and by K ranks × 1 thread (`fheq run --mpi`); prints the machine, the
# parameters, both evaluation times, the speed-up, whether the outputs are byte-identical, and a projection for
# M machines from the single-process run's per-layer PBS time and exchanged bytes (bench/mpi_projection.awk).
# Usage: bench/mpi_layer_sharding.sh [MODEL=models/fmnist_cnn_fhe.onnx] [N=1] [K=2]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli="${FHEQ_CLI:-$root/build/tools/fheq/fheq}"
model="${1:-$root/models/fmnist_cnn_fhe.onnx}"
count="${2:-1}"
ranks="${3:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%F)"
"$cli" compile "$model" --dataset fashion-mnist -o "$work/ART" > "$work/compile.txt"
grep -E "^parameters|^PBS per sample" "$work/compile.txt"
# k·N: the dimension of every PBS output (what the ranks exchange)
dim=$(sed -n 's/^parameters.*k=\([0-9]*\), N=\([0-9]*\).*/\1 \2/p' "$work/compile.txt" | awk '{ print $1 * $2 }')
"$cli" keygen "$work/ART" -o "$work/KEYS" > /dev/null
"$cli" encrypt "$work/ART" --key "$work/KEYS/secret.key" --dataset fashion-mnist --count "$count" -o "$work/IN.ct" > /dev/null
"$cli" run "$work/ART" "$work/IN.ct" --eval-keys "$work/KEYS/eval.keys" -o "$work/OUT1.ct" --threads 1 > "$work/run1.txt"
one=$(grep -o "[0-9.]* ms evaluation" "$work/run1.txt" | cut -d' ' -f1)
many=$(mpirun --oversubscribe -np "$ranks" "$cli" run --mpi "$work/ART" "$work/IN.ct" --eval-keys "$work/KEYS/eval.keys" \
  -o "$work/OUTK.ct" --threads 1 | grep -o "[0-9.]* ms evaluation" | cut -d' ' -f1)
same=$(cmp -s "$work/OUT1.ct" "$work/OUTK.ct" && echo "identical" || echo "DIFFERENT")
echo "$model, $count image(s): 1 rank x 1 thread ${one} ms; $ranks ranks x 1 thread ${many} ms;" \
  "speed-up $(awk -v a="$one" -v b="$many" 'BEGIN { printf "%.3f", a / b }'); outputs $same"
# Beyond this machine: 10 GbE links (1.25 GB/s), 50 us per collective step.
awk -v dim="$dim" -v threads=1 -v bw=1.25e9 -v lat=50e-6 -f "$root/bench/mpi_projection.awk" "$work/run1.txt"
