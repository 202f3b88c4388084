#!/usr/bin/env bash
# Users' own networks with DEFAULT options (only the dataset given): every zoo model (models/zoo/, plainly
# trained, not tuned for fheq) and every shipped model. Per model: float / quantized / FHE-simulate accuracy on
# the test split, the rounding loss measured there (quantized − simulate, same images) next to the one the
# compile report predicted (simulated on held-back TRAIN images), PBS per sample, parameters, estimated
# latency, compile time; and the measured encrypted latency (execute mode) for the models cheap enough.
# Usage: bench/zoo.sh [--count N] [--execute-count N] [MODEL.onnx ...]   (FHEQ_BIN overrides the binary)
#   --count N          simulate on the first N test images (default: all)
#   --execute-count N  encrypted images for models estimated ≤ 20 s/image (default 5; 0: skip)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${FHEQ_BIN:-${FHEQ_BUILD_DIR:-$root/build}/tools/fheq/fheq}"
py=/usr/bin/python3
count=0
execute_count=5
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --execute-count) execute_count="$2"; shift 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
if [ ${#models[@]} -eq 0 ]; then
  models=("$root"/models/zoo/*.onnx)
  for m in fmnist_mlp_sigmoid fmnist_mlp_relu fmnist_cnn fmnist_cnn_fhe fmnist_mlp_fhe digits_mlp; do
    models+=("$root/models/$m.onnx")
  done
fi
dataset_of() {  # the dataset recorded next to the model (zoo.json or models.json)
  "$py" - "$1" "$root" <<'EOF'
import json, os, sys
name = os.path.splitext(os.path.basename(sys.argv[1]))[0]
for f in ("models/zoo/zoo.json", "models/models.json", "models/qat/qat.json"):
    path = os.path.join(sys.argv[2], f)
    if os.path.exists(path):
        d = json.load(open(path))
        if name in d:
            print(d[name]["dataset"].replace("_", "-")); sys.exit(0)
print("fashion-mnist")
EOF
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%F)"
echo "command: bench/zoo.sh --count $count --execute-count $execute_count (default compile options, seed 1)"
printf "| model | float | quantized | simulate | sim − float | loss measured | loss predicted | PBS | parameters | est. ms/img | compile s | execute ms/img (n) | execute acc. |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
for m in "${models[@]}"; do
  ds="$(dataset_of "$m")"
  args=(eval "$m" --dataset "$ds" --mode simulate --json)
  [ "$count" -gt 0 ] && args+=(--count "$count")
  sim="$("$bin" "${args[@]}" 2>/dev/null)" || { echo "| $(basename "$m") | failed: $("$bin" "${args[@]}" 2>&1 >/dev/null | tail -1) |"; continue; }
  exe="{}"
  est="$("$py" -c 'import json,sys; print(int(json.loads(sys.argv[1])["compile"]["estimated_latency_ms"]))' "$sim")"
  if [ "$execute_count" -gt 0 ] && [ "$est" -le 20000 ]; then
    exe="$("$bin" eval "$m" --dataset "$ds" --mode execute --count "$execute_count" --json 2>/dev/null)" || exe="{}"
  fi
  "$py" - "$m" "$sim" "$exe" <<'EOF'
import json, os, sys
name = os.path.splitext(os.path.basename(sys.argv[1]))[0]
s, e = json.loads(sys.argv[2]), json.loads(sys.argv[3])
c = s["compile"]
pred = c.get("prediction", {}).get("rounding_loss")
ex = "%.0f (%d)" % (e["latency_ms_per_sample"], e["fhe_samples"]) if e else "–"
exacc = "%.4f" % e["fhe_accuracy"] if e else "–"
print("| %s | %.4f | %.4f | %.4f (%d) | %+.2f | %.2f | %s | %d | %s | %.0f | %.1f | %s | %s |" % (
    name, s["float_accuracy"], s["quantized_accuracy"], s["fhe_accuracy"], s["fhe_samples"],
    100 * (s["fhe_accuracy"] - s["float_accuracy"]), s["rounding_loss_points"],
    "%.2f" % (100 * pred) if pred is not None else "–", c["pbs_count"], c["params"]["name"],
    c["estimated_latency_ms"], c["compile_seconds"], ex, exacc))
EOF
done
