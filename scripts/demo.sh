#!/usr/bin/env bash
# Sets up, builds and runs q8's main job on the bundled example model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh" --target q8c

model=$root/examples/digits/digits_cnn.onnx
echo "== q8c $model --emit=mlir --summary"
"$build/bin/q8c" "$model" --emit=mlir --summary
