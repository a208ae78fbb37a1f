#!/usr/bin/env bash
# The cost of calibration: per-sample time of the instrumented model against
# plain fp32 inference, and peak memory on a 12-layer BERT-base.
#
#   bench/calibration.sh [--samples N] [--rounds R] [--model NAME] [--no-memory]
#
# Per round, interleaved: q8-run --bench N (plain fp32, the same code
# generation), then q8c --calibrate random over N samples with min/max only
# (--histogram-bins 0 --reservoir-rows 0), then with everything (2048-bin
# histograms, per-channel absmax, a 64-row reservoir). Each prints
# min/median/max ms per sample; the script combines the rounds (min of
# minima, median of medians, max of maxima) and prints the ratios
# calibration/fp32. Then /usr/bin/time measures q8c's peak RSS calibrating a
# 12-layer BERT-base (hidden 768, seq 128) on 4 samples with histograms.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
SAMPLES=32
ROUNDS=3
MODEL=encoder
MEMORY=1
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3

while [ $# -gt 0 ]; do
  case $1 in
    --samples) SAMPLES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --no-memory) MEMORY=0; shift ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/calibration.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

Q8C=$ROOT/build/bin/q8c
Q8RUN=$ROOT/build/bin/q8-run
mkdir -p "$OUT"
if [ ! -f "$OUT/$MODEL.onnx" ] || [ "$ROOT/test/models/make_models.py" -nt "$OUT/$MODEL.onnx" ]; then
  "$PYTHON" "$ROOT/test/models/make_models.py" "$OUT" --only "$MODEL" > /dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

inputs=()
for f in "$OUT/$MODEL/inputs"/*.npy; do
  inputs+=(--input "$(basename "$f" .npy)=$f")
done

# stats LINE: "min median max" from "...min X ms, median Y ms, max Z ms".
stats() {
  sed -n 's/.*min \([0-9.]*\) ms, median \([0-9.]*\) ms, max \([0-9.]*\) ms.*/\1 \2 \3/p' <<< "$1"
}

for ((round = 1; round <= ROUNDS; round++)); do
  stats "$("$Q8RUN" "$OUT/$MODEL.onnx" "${inputs[@]}" --bench "$SAMPLES" | grep '^q8: min')" >> "$tmp/fp32"
  stats "$("$Q8C" "$OUT/$MODEL.onnx" --emit=none --calibrate random --calibration-samples "$SAMPLES" \
    --histogram-bins 0 --reservoir-rows 0 --calibration-table "$tmp/minmax.json" 2>&1 | grep 'per sample')" >> "$tmp/minmax"
  stats "$("$Q8C" "$OUT/$MODEL.onnx" --emit=none --calibrate random --calibration-samples "$SAMPLES" \
    --calibration-table "$tmp/full.json" 2>&1 | grep 'per sample')" >> "$tmp/full"
done


echo "q8 calibration bench: $MODEL, $SAMPLES samples x $ROUNDS rounds, ms per sample (min / median / max)"
read -r fmn fmd fmx <<< "$(summarize "$tmp/fp32")"
printf '  %-22s min %9.3f  median %9.3f  max %9.3f\n' "fp32 inference:" "$fmn" "$fmd" "$fmx"
for mode in minmax full; do
  read -r mn md mx <<< "$(summarize "$tmp/$mode")"
  label="calibration $mode:"
  printf '  %-22s min %9.3f  median %9.3f  max %9.3f\n' "$label" "$mn" "$md" "$mx"
  awk -v a="$mn" -v b="$fmn" -v c="$md" -v d="$fmd" -v e="$mx" -v f="$fmx" -v m="$mode" \
    'BEGIN { printf "  %-22s min %9.2f  median %9.2f  max %9.2f\n", m "/fp32:", a / b, c / d, e / f }'
done

if [ "$MEMORY" = 1 ]; then
  BERT=$OUT/bert12
  if [ ! -f "$BERT/encoder.onnx" ] || [ "$ROOT/test/models/make_models.py" -nt "$BERT/encoder.onnx" ]; then
    "$PYTHON" "$ROOT/test/models/make_models.py" "$BERT" --only encoder --layers 12 > /dev/null
  fi
  /usr/bin/time -f '%M' -o "$tmp/rss" "$Q8C" "$BERT/encoder.onnx" --emit=none --calibrate random \
    --calibration-samples 4 --calibration-table "$tmp/bert12.json" 2> "$tmp/bert12.log" ||
    { cat "$tmp/bert12.log" >&2; exit 1; }
  awk '{ printf "  12-layer BERT-base, histograms: peak RSS %.0f MiB\n", $1 / 1024 }' "$tmp/rss"
  grep 'calibration:' "$tmp/bert12.log" | sed 's/^/  /'
fi
