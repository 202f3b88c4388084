#!/usr/bin/env bash
# Regenerate every reference model (ONNX, state_dict, reference vectors, models.json).
#   models/build_all.sh            train all six, one after another (≈10 min on 1 core)
#   models/build_all.sh digits_mlp train only the named models
# Uses Debian's Python on purpose: torch 1.13 / onnx 1.12 live there, not in the first python3 on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
if [ "$#" -eq 0 ]; then
  set -- digits_mlp fmnist_mlp_sigmoid fmnist_mlp_relu fmnist_cnn fmnist_mlp_fhe fmnist_cnn_fhe
fi
for model in "$@"; do
  "$py" "$here/train.py" --model "$model"
done
