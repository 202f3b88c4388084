#!/usr/bin/env bash
# FHE-friendly training, measured with the CLI only: for each model, n_bits and TLU rounding R,
# the float and quantized (PTQ, unrounded) accuracy, the simulated FHE accuracy (rounded circuit +
# the noise of the chosen TFHE parameters, all 10,000 Fashion-MNIST test images, seed 1), the
# parameter set the compiler picks and its estimated latency per image (cost model of
# docs/COMPILER.md §3.3, 2 threads: an estimate, not a measurement).
# drop = float - simulate, in points. w_bits: weight bits (--n-bits-weights; "=" means n_bits).
# Usage: bench/fhe_friendly_sweep.sh [MODEL.onnx ...]
#   default models: models/fmnist_mlp_sigmoid.onnx models/fmnist_mlp_fhe.onnx
#   N_BITS="8 7 6" ROUNDINGS="3 4 5 6 7" WEIGHT_BITS="= 3" override the grid;
#   FHEQ_BIN (or FHEQ_BUILD_DIR) the binary. About 3 s per row (60 rows by default).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${FHEQ_BIN:-${FHEQ_BUILD_DIR:-$root/build}/tools/fheq/fheq}"
py=/usr/bin/python3
if [ "$#" -eq 0 ]; then
  set -- "$root/models/fmnist_mlp_sigmoid.onnx" "$root/models/fmnist_mlp_fhe.onnx"
fi
printf "date %s, host %s, %s cores, binary %s\n" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(hostname)" "$(nproc)" "$bin"
printf "fheq eval MODEL --dataset fashion-mnist --n-bits B [--n-bits-weights W] --mode simulate --rounding R --json (calibration: 1000 train images; est = cost model, 2 threads)\n"
printf "%-20s %-6s %-6s %-3s %-7s %-9s %-8s %-6s %-42s %-4s %-9s %s\n" \
  model n_bits w_bits R float quantized simulate drop params p pbs est_ms/img
for model in "$@"; do
  for bits in ${N_BITS:-8 7 6}; do
   for wbits in ${WEIGHT_BITS:-= 3}; do
    weights=()
    [ "$wbits" = "=" ] || weights=(--n-bits-weights "$wbits")
    for r in ${ROUNDINGS:-3 4 5 6 7}; do
      json="$("$bin" eval "$model" --dataset fashion-mnist --n-bits "$bits" "${weights[@]}" --mode simulate \
              --rounding "$r" --json 2>/dev/null)" || { printf "%-20s %-6s %-6s %-3s compile/eval failed\n" \
                                          "$(basename "$model" .onnx)" "$bits" "$wbits" "$r"; continue; }
      "$py" -c '
import json, sys
j = json.loads(sys.argv[1]); c = j["compile"]
print("%-20s %-6d %-6s %-3s %-7.4f %-9.4f %-8.4f %-6.2f %-42s %-4d %-9d %.0f" % (sys.argv[2], j["n_bits"],
      j["n_bits_by_role"]["weights"], c["rounding"],
      j["float_accuracy"], j["quantized_accuracy"], j["fhe_accuracy"],
      100 * (j["float_accuracy"] - j["fhe_accuracy"]), j["params"], c["max_bit_width"], c["pbs_count"],
      c["estimated_latency_ms"]))' "$json" "$(basename "$model" .onnx)"
    done
   done
  done
done
