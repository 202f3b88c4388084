#!/usr/bin/env bash
# PTQ accuracy sweep with the CLI: float vs quantized (clear) accuracy of a model on the 10,000
# Fashion-MNIST test images, n_bits 2..8 × calibration {minmax, percentile, mse} × {per-tensor, per-channel}.
# agree = agreement_with_float, the fraction of test images whose quantized argmax equals the float argmax.
# Usage: bench/ptq_accuracy.sh [MODEL.onnx] [DATASET]   (FHEQ_BIN overrides the fheq binary)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${FHEQ_BIN:-${FHEQ_BUILD_DIR:-$root/build}/tools/fheq/fheq}"
model="${1:-$root/models/fmnist_mlp_sigmoid.onnx}"
dataset="${2:-fashion-mnist}"
py=/usr/bin/python3
printf "model %s, dataset %s (calibration: 1000 train samples)\n" "$(basename "$model")" "$dataset"
printf "%-6s %-11s %-12s %-9s %-10s %-8s %-8s %-9s %s\n" n_bits calibration weights float quantized drop agree max_bits pbs
for bits in 8 7 6 5 4 3 2; do
  for cal in minmax percentile mse; do
    for pc in "" --per-channel; do
      json="$("$bin" eval "$model" --dataset "$dataset" --n-bits "$bits" --calibration "$cal" $pc --json 2>/dev/null)"
      "$py" -c '
import json, sys
j = json.loads(sys.argv[1])
print("%-6d %-11s %-12s %-9.4f %-10.4f %-8.2f %-8.4f %-9d %d" % (j["n_bits"], j["calibration"],
      "per-channel" if j["per_channel"] else "per-tensor", j["float_accuracy"], j["quantized_accuracy"],
      j["accuracy_drop_points"], j["agreement_with_float"], j["max_bit_width"], j["pbs_count"]))' "$json"
    done
  done
done
