#!/usr/bin/env bash
# A dynamic sequence length (a dynamic extent: docs/dynamic-shapes.md)
# against static objects, measured in one run.
#
#   bench/extent.sh [--seqs 8,16,32,64,128] [--static 16,128] [--max 128]
#                   [--iters N] [--rounds R] [--threads N] [--out DIR]
#
# The BERT-like encoder (test/models/make_models.py: 2 layers, hidden 768,
# seq 128) with dim 1 of input_ids, attention_mask and the output named
# 'seq', compiled once with seq in [1, --max] per mode (fp32; W8A8
# calibrated on samples of every --seqs length, one table), runs every
# length of --seqs next to ONNX Runtime fp32 and ORT int8 (bench/
# make_qdq.py's QDQ copy of the dynamic model from the same table). Then,
# for each length of --static, a static object compiled for that length
# (fp32, and int8 from the same table) against the dynamic one at that
# length. Runners are interleaved within a round; times are min / median /
# max over rounds (bench/lib.sh's summarize), in ms per call, with tokens/s
# at the median.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
SEQS=(8 16 32 64 128)
STATIC=(16 128)
MAX=128
ITERS=5
ROUNDS=3
THREADS=1
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --seqs) IFS=, read -r -a SEQS <<< "$2"; shift 2 ;;
    --static) IFS=, read -r -a STATIC <<< "$2"; shift 2 ;;
    --max) MAX=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/extent.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done
why=$(q8_available) && [ -z "$why" ] || { echo "bench/extent.sh: $why" >&2; exit 1; }
DIR=$OUT/extent
M=encoder
mkdir -p "$DIR"

# $DIR/encoder.onnx with dim 1 named 'seq'; $DIR/encoder/s<N>/*.npy, inputs
# of N tokens (the last eighth masked), for every length measured; and
# $DIR/encoder/calibration/s<N>: the same, as calibration samples.
generate_model "$M"
all=$(printf '%s\n' "${SEQS[@]}" "${STATIC[@]}" | sort -nu | tr '\n' ',')
"$PYTHON" - "$OUT/$M.onnx" "$DIR/$M" "$all" <<'EOF'
import os, sys
import numpy as np
import onnx
src, dst, seqs = sys.argv[1:]
m = onnx.load(src)
for v in list(m.graph.input) + list(m.graph.output):
    v.type.tensor_type.shape.dim[1].dim_param = "seq"
del m.graph.value_info[:]
onnx.save(m, dst + ".onnx")
rng = np.random.RandomState(7)
for s in (int(x) for x in seqs.split(",") if x):
    ids = rng.randint(0, 1000, size=(1, s)).astype(np.int64)
    mask = np.ones((1, s), dtype=np.int64)
    mask[:, s - max(1, s // 8):] = 0
    for d in (f"{dst}/s{s}", f"{dst}/calibration/s{s:04d}"):
        os.makedirs(d, exist_ok=True)
        np.save(f"{d}/input_ids.npy", ids)
        np.save(f"{d}/attention_mask.npy", mask)
EOF
onnx=$DIR/$M.onnx
dyn=(--input-shape "input_ids=1,1..$MAX" --input-shape "attention_mask=1,1..$MAX")
q8_build_model "$onnx" "$DIR/fp32" "$M" "${dyn[@]}"
q8_build_model "$onnx" "$DIR/int8" "$M" "${dyn[@]}" --calibrate "$DIR/$M/calibration" \
  --calibration-table "$DIR/table.json" --quantize w8a8 2> "$DIR/int8.log" ||
  { echo "bench/extent.sh: q8c failed: $DIR/int8.log" >&2; exit 1; }
"$PYTHON" "$ROOT/bench/make_qdq.py" "$onnx" "$DIR/table.json" "$DIR/qdq.onnx" \
  > "$DIR/qdq.log" 2>&1
for s in "${STATIC[@]}"; do
  fixed=(--input-shape "input_ids=1,$s" --input-shape "attention_mask=1,$s")
  q8_build_model "$onnx" "$DIR/static$s-fp32" "$M" "${fixed[@]}"
  q8_build_model "$onnx" "$DIR/static$s-int8" "$M" "${fixed[@]}" \
    --calibration-table "$DIR/table.json" --quantize w8a8 2> "$DIR/static$s-int8.log" ||
    { echo "bench/extent.sh: q8c failed: $DIR/static$s-int8.log" >&2; exit 1; }
done

rm -f "$DIR"/*.times
for ((r = 1; r <= ROUNDS; r++)); do
  for s in "${SEQS[@]}"; do
    in=$DIR/$M/s$s
    for mode in fp32 int8; do
      time_runner "$s.q8-$mode" "$DIR/$mode/$M-bench" --threads "$THREADS" "$ITERS" "$in"
    done
    time_runner "$s.ort-fp32" node "$ROOT/test/ort/ort-run.js" "$onnx" \
      $(input_args_in "$in") --threads "$THREADS" --bench "$ITERS"
    time_runner "$s.ort-int8" node "$ROOT/test/ort/ort-run.js" "$DIR/qdq.onnx" \
      $(input_args_in "$in") --threads "$THREADS" --bench "$ITERS"
  done
  for s in "${STATIC[@]}"; do
    in=$DIR/$M/s$s
    for mode in fp32 int8; do
      time_runner "$s.dyn-$mode" "$DIR/$mode/$M-bench" --threads "$THREADS" "$ITERS" "$in"
      time_runner "$s.static-$mode" "$DIR/static$s-$mode/$M-bench" \
        --threads "$THREADS" "$ITERS" "$in"
    done
  done
done

stat() { summarize "$DIR/$1.times"; }
echo "bench/extent.sh: $ROUNDS rounds x $ITERS calls, $THREADS thread(s); ms per call min/median, tokens/s at the median"
echo
echo "$M: seq in [1, $MAX], one object per mode, against sequence length"
printf '| %5s | %-22s | %-22s | %-22s | %-22s |\n' seq "q8 fp32" "q8 int8" "ORT fp32" "ORT int8"
printf '|------:|:---|:---|:---|:---|\n'
for s in "${SEQS[@]}"; do
  row=$(printf '| %5s |' "$s")
  for runner in q8-fp32 q8-int8 ort-fp32 ort-int8; do
    read -r mn md _ <<< "$(stat "$s.$runner")"
    row+=$(awk -v mn="$mn" -v md="$md" -v s="$s" \
      'BEGIN { printf " %8.2f/%-8.2f %6.0f/s |", mn, md, s * 1000 / md }')
  done
  echo "$row"
done
echo
echo "$M: dynamic object / static object at the same length (min, median)"
for s in "${STATIC[@]}"; do
  for mode in fp32 int8; do
    ratio_line "seq $s $mode" "$(stat "$s.dyn-$mode")" "$(stat "$s.static-$mode")"
  done
done
