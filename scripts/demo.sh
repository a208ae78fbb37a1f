#!/usr/bin/env bash
# Sets up, builds and runs q8's main job on the bundled example model:
# import it (summary), compile it to an object and a C header in fp32 and in
# int8 (W8A8, calibrated on 64 training images), link a small C program
# against each and classify the 360 held-out digits with both: accuracy and
# median time per image.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_BUILD_DIR:-$root/build}
demo=$build/demo
digits=$root/examples/digits

"$root/scripts/setup.sh"
"$root/scripts/build.sh" --target q8c q8rt

model=$digits/digits_cnn.onnx
echo "== q8c $model --emit=none --summary"
"$build/bin/q8c" "$model" --emit=none --summary

echo "== fp32: q8c $model -o $demo/fp32/digits_cnn"
"$build/bin/q8c" "$model" -o "$demo/fp32/digits_cnn"
echo "== int8: q8c $model --calibrate $digits/calibration --quantize w8a8 -o $demo/int8/digits_cnn"
"$build/bin/q8c" "$model" --calibrate "$digits/calibration" --quantize w8a8 \
  -o "$demo/int8/digits_cnn"

for precision in fp32 int8; do
  out=$demo/$precision
  ls -l "$out/digits_cnn.o" "$out/digits_cnn.h"
  echo "== $precision: clang-22 examples/digits/classify.c $out/digits_cnn.o libq8rt.a"
  clang-22 -std=c11 -O2 -Wall -Werror -I"$out" -I"$root/runtime" -I"$root/tools/common" \
    "$digits/classify.c" "$out/digits_cnn.o" "$build/lib/libq8rt.a" -o "$out/classify"
  echo "== $precision: classify the held-out split"
  "$out/classify" "$digits/test_images.npy" "$digits/test_labels.npy"
done
