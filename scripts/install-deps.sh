#!/usr/bin/env bash
# Installs the Debian packages fheq needs to build, test and run, if any are missing.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libfftw3-dev libssl-dev libcpp-httplib-dev libopenmpi-dev openmpi-bin
  dataset-fashion-mnist python3-sklearn
  pybind11-dev python3-dev python3-numpy python3-pytest  # the Python package (build/python) and its tests
)
if [ "${FHEQ_WITH_PYTHON:-0}" = "1" ]; then
  # Only for retraining/exporting models and the PyTorch comparison (never on the FHE path).
  packages+=(python3-torch python3-onnx)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fheq: installing missing packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
