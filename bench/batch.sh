#!/usr/bin/env bash
# Throughput against batch size, and dynamic-batch objects against static
# ones, measured in one run.
#
#   bench/batch.sh [--batches 1,2,4,8,16,32,64] [--static 1,32] [--iters N]
#                  [--rounds R] [--threads N] [--models encoder,cnn]
#                  [--out DIR]
#
# Models (test/models/make_models.py), re-declared with a dynamic batch dim
# ('batch') the way exporters write one:
#   encoder  the BERT-like encoder (2 layers, hidden 768, seq 128): its
#            reshapes already read the batch from Shape ops
#   cnn      the ResNet/MobileNetV2-like CNN
# Per model, one dynamic q8 object per mode (fp32; W8A8 calibrated on the
# model's sample input) runs every batch of --batches, next to ONNX
# Runtime fp32 and ORT int8 (bench/make_qdq.py's QDQ copy from q8c's
# calibration table); the inputs are the sample input repeated. Then, for
# each batch of --static, a static object compiled for that batch
# (--input-shape; int8 calibrated on the same sample, repeated) against the
# dynamic one at the same batch. Runners are
# interleaved within a round; times are min / median / max over rounds
# (bench/lib.sh's summarize), in ms per call, with items/s at the median.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
BATCHES=(1 2 4 8 16 32 64)
STATIC=(1 32)
ITERS=5
ROUNDS=3
THREADS=1
MODELS=(encoder cnn)
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --batches) IFS=, read -r -a BATCHES <<< "$2"; shift 2 ;;
    --static) IFS=, read -r -a STATIC <<< "$2"; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --models) IFS=, read -r -a MODELS <<< "$2"; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/batch.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done
why=$(q8_available) && [ -z "$why" ] || { echo "bench/batch.sh: $why" >&2; exit 1; }
DIR=$OUT/batch
mkdir -p "$DIR"

# dynamic NAME: $DIR/NAME.onnx, the generated model with dim 0 of every
# input and output named 'batch'; $DIR/NAME/bB/*.npy, its sample input
# repeated B times, for every batch measured.
dynamic() {
  generate_model "$1"
  local all
  all=$(printf '%s\n' "${BATCHES[@]}" "${STATIC[@]}" | sort -nu | tr '\n' ',')
  "$PYTHON" - "$OUT/$1.onnx" "$OUT/$1/inputs" "$DIR/$1" "$all" <<'EOF'
import os, sys
import numpy as np
import onnx
src, inputs, dst, batches = sys.argv[1:]
m = onnx.load(src)
for v in list(m.graph.input) + list(m.graph.output):
    v.type.tensor_type.shape.dim[0].dim_param = "batch"
del m.graph.value_info[:]
onnx.save(m, dst + ".onnx")
for b in (int(x) for x in batches.split(",") if x):
    os.makedirs(f"{dst}/b{b}", exist_ok=True)
    for f in os.listdir(inputs):
        a = np.load(os.path.join(inputs, f))
        np.save(f"{dst}/b{b}/{f}", np.repeat(a, b, axis=0))
EOF
}

for m in "${MODELS[@]}"; do
  dynamic "$m"
  onnx=$DIR/$m.onnx
  q8_build_model "$onnx" "$DIR/$m/fp32" "$m"
  q8_build_model "$onnx" "$DIR/$m/int8" "$m" --calibrate "$OUT/$m" \
    --calibration-table "$DIR/$m/table.json" --quantize w8a8 2> "$DIR/$m/int8.log" ||
    { echo "bench/batch.sh: q8c failed: $DIR/$m/int8.log" >&2; exit 1; }
  "$PYTHON" "$ROOT/bench/make_qdq.py" "$onnx" "$DIR/$m/table.json" "$DIR/$m/qdq.onnx" \
    > "$DIR/$m/qdq.log" 2>&1
  for b in "${STATIC[@]}"; do
    shapes=()
    for f in "$DIR/$m/b$b"/*.npy; do
      shapes+=(--input-shape "$(basename "$f" .npy)=$("$PYTHON" -c \
        "import numpy as np, sys; print(','.join(map(str, np.load(sys.argv[1]).shape)))" "$f")")
    done
    q8_build_model "$onnx" "$DIR/$m/static$b-fp32" "$m" "${shapes[@]}"
    # Calibrated on the sample repeated b times: the same minmax ranges as
    # the dynamic object's (a table records the shapes it was made for).
    mkdir -p "$DIR/$m/calibrate$b" && ln -sfn "$DIR/$m/b$b" "$DIR/$m/calibrate$b/sample"
    q8_build_model "$onnx" "$DIR/$m/static$b-int8" "$m" "${shapes[@]}" \
      --calibrate "$DIR/$m/calibrate$b" --calibration-table "$DIR/$m/static$b.json" \
      --quantize w8a8 2> "$DIR/$m/static$b-int8.log" ||
      { echo "bench/batch.sh: q8c failed: $DIR/$m/static$b-int8.log" >&2; exit 1; }
  done
done

rm -f "$DIR"/*.times
for ((r = 1; r <= ROUNDS; r++)); do
  for m in "${MODELS[@]}"; do
    for b in "${BATCHES[@]}"; do
      in=$DIR/$m/b$b
      for mode in fp32 int8; do
        time_runner "$m.$b.q8-$mode" "$DIR/$m/$mode/$m-bench" --threads "$THREADS" "$ITERS" "$in"
      done
      time_runner "$m.$b.ort-fp32" node "$ROOT/test/ort/ort-run.js" "$DIR/$m.onnx" \
        $(input_args_in "$in") --threads "$THREADS" --bench "$ITERS"
      time_runner "$m.$b.ort-int8" node "$ROOT/test/ort/ort-run.js" "$DIR/$m/qdq.onnx" \
        $(input_args_in "$in") --threads "$THREADS" --bench "$ITERS"
    done
    for b in "${STATIC[@]}"; do
      in=$DIR/$m/b$b
      for mode in fp32 int8; do
        time_runner "$m.$b.dyn-$mode" "$DIR/$m/$mode/$m-bench" --threads "$THREADS" "$ITERS" "$in"
        time_runner "$m.$b.static-$mode" "$DIR/$m/static$b-$mode/$m-bench" \
          --threads "$THREADS" "$ITERS" "$in"
      done
    done
  done
done

stat() { summarize "$DIR/$1.times"; }
median() { stat "$1" | awk '{ print $2 }'; }
echo "bench/batch.sh: $ROUNDS rounds x $ITERS calls, $THREADS thread(s); ms per call min/median, items/s at the median"
for m in "${MODELS[@]}"; do
  echo
  echo "$m: throughput against batch size"
  printf '| %5s | %-22s | %-22s | %-22s | %-22s |\n' batch "q8 fp32" "q8 int8" "ORT fp32" "ORT int8"
  printf '|------:|:---|:---|:---|:---|\n'
  for b in "${BATCHES[@]}"; do
    row=$(printf '| %5s |' "$b")
    for runner in q8-fp32 q8-int8 ort-fp32 ort-int8; do
      read -r mn md _ <<< "$(stat "$m.$b.$runner")"
      row+=$(awk -v mn="$mn" -v md="$md" -v b="$b" \
        'BEGIN { printf " %8.2f/%-8.2f %6.0f/s |", mn, md, b * 1000 / md }')
    done
    echo "$row"
  done
  echo
  echo "$m: dynamic object / static object at the same batch (min, median)"
  for b in "${STATIC[@]}"; do
    for mode in fp32 int8; do
      ratio_line "batch $b $mode" "$(stat "$m.$b.dyn-$mode")" "$(stat "$m.$b.static-$mode")"
    done
  done
done
