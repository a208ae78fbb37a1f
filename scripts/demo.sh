#!/usr/bin/env bash
# Sets up, builds and runs q8's main job on the bundled example model:
# import it (summary), compile it to an object and a C header, link a small
# C program against it and classify the 360 held-out digits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_BUILD_DIR:-$root/build}
demo=$build/demo

"$root/scripts/setup.sh"
"$root/scripts/build.sh" --target q8c q8rt

model=$root/examples/digits/digits_cnn.onnx
echo "== q8c $model --emit=none --summary"
"$build/bin/q8c" "$model" --emit=none --summary

echo "== q8c $model -o $demo/digits_cnn"
"$build/bin/q8c" "$model" -o "$demo/digits_cnn"
ls -l "$demo/digits_cnn.o" "$demo/digits_cnn.h"

echo "== clang-22 examples/digits/classify.c $demo/digits_cnn.o libq8rt.a"
clang-22 -std=c11 -O2 -Wall -Werror -I"$demo" -I"$root/runtime" -I"$root/tools/common" \
  "$root/examples/digits/classify.c" "$demo/digits_cnn.o" \
  "$build/lib/libq8rt.a" -o "$demo/classify"

echo "== classify the held-out split"
"$demo/classify" "$root/examples/digits/test_images.npy" \
  "$root/examples/digits/test_labels.npy"
