#!/usr/bin/env bash
# What an int8 compile costs against fp32 (issue 13: at most twice the fp32
# compile plus calibration), on the model zoo (test/models/make_exported.py):
#
#   bench/compile_time.sh [--rounds R] [--only NAME,...]
#
# Per model and round, interleaved: `q8c MODEL -o fp32` and
# `q8c MODEL --calibrate NAME/calibration --quantize w8a8 -o int8` (the
# default int8 compile: calibration, quantization, the layer error on its
# own thread, fusion, codegen), both with --time. Calibration is the int8
# run's own "calibration" phase (its JIT and the samples). Prints, per
# model, min/median/max over the rounds of: the fp32 compile, calibration,
# the int8 compile, and the ratio int8 / (2 x fp32 + calibration), which
# the target holds at or below 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench/compile-time
PYTHON=/usr/bin/python3
source "$ROOT/bench/lib.sh"
rounds=3
only=mobilenet_v2,resnet18,transformer,vit,silero_vad,lstm_vad
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "compile_time.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
q8c=$ROOT/build/bin/q8c
[ -x "$q8c" ] || { echo "compile_time.sh: build first (scripts/build.sh)" >&2; exit 2; }
mkdir -p "$OUT"
IFS=, read -r -a models <<< "$only"
for m in "${models[@]}"; do
  if [ ! -f "$OUT/$m.onnx" ] || [ "$ROOT/test/models/make_exported.py" -nt "$OUT/$m.onnx" ]; then
    "$PYTHON" "$ROOT/test/models/make_exported.py" "$OUT" --only "$m" > /dev/null
  fi
done

# seconds FIELD LOG: the phase's seconds from q8c's --time line.
seconds() { sed -n "s/^time: .*$1 \([0-9.]*\) s.*/\1/p" "$2"; }

echo "host: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for m in "${models[@]}"; do
    d=$OUT/run/$m
    mkdir -p "$d"
    "$q8c" "$OUT/$m.onnx" -o "$d/fp32" --time 2> "$d/fp32.log"
    "$q8c" "$OUT/$m.onnx" -o "$d/int8" --calibrate "$OUT/$m/calibration" \
      --quantize w8a8 --time 2> "$d/int8.log"
    fp32=$(seconds total "$d/fp32.log")
    calib=$(seconds calibration "$d/int8.log")
    int8=$(seconds total "$d/int8.log")
    echo "$fp32 $calib $int8" >> "$OUT/$m.r$$"
  done
done
printf '%-14s %-22s %-22s %-22s %s\n' model "fp32 s (min med max)" "calibration s" "int8 s" \
  "int8 / (2 fp32 + calibration)"
for m in "${models[@]}"; do
  awk -v m="$m" '
    { f[NR] = $1; c[NR] = $2; q[NR] = $3; x[NR] = $3 / (2 * $1 + $2) }
    function stats(a,   n, i, j, t, s) {
      n = NR; for (i = 1; i <= n; i++) s[i] = a[i]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
      return sprintf("%.2f %.2f %.2f", s[1], (n % 2) ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2, s[n])
    }
    END { printf "%-14s %-22s %-22s %-22s %s\n", m, stats(f), stats(c), stats(q), stats(x) }' \
    "$OUT/$m.r$$"
  rm -f "$OUT/$m.r$$"
done
