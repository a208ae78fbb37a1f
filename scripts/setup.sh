#!/usr/bin/env bash
# Installs everything q8 needs to build and test on Debian 12, as root.
# Idempotent: when every package is already there it changes nothing.
set -euo pipefail

packages=(
  cmake ninja-build ccache
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  python3-onnx python3-numpy libonnx-testdata
  # test/models/make_exported.py exports torchvision and PyTorch models.
  python3-torch python3-torchvision
  qemu-user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

# ONNX Runtime, the oracle and performance peer, from npm (pinned in
# test/ort/package.json). --ignore-scripts: its postinstall would try to
# download CUDA providers that q8 never uses.
if ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs npm
fi
ort_dir=$(cd "$(dirname "$0")/../test/ort" && pwd)
if [[ ! -f $ort_dir/node_modules/onnxruntime-node/package.json ]]; then
  echo "setup: installing onnxruntime-node into $ort_dir"
  (cd "$ort_dir" && npm install --ignore-scripts --no-package-lock --no-audit --no-fund --loglevel=error)
fi

# vnni-emu (bochs), which runs the AVX-512-VNNI kernels on machines without
# VNNI, where the checkout sits next to the team's shared tools.
vnni_emu=$(cd "$(dirname "$0")/.." && pwd)/../shared/vnni-emu
if [[ -x $vnni_emu/install-deps ]]; then
  "$vnni_emu/install-deps"
fi
