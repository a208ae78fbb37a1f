#!/usr/bin/env bash
# The speed table: q8 fp32, q8 int8, ORT fp32 and ORT int8 on the int8
# bench models and the model zoo, on 1 and 2 threads, measured in one run.
#
#   bench/zoo.sh [--iters N] [--rounds R] [--threads 1,2] [--only NAME,...]
#                [--zoo DIR] [--out DIR]
#
# Models: `matmul` and `encoder` (test/models/make_models.py, as bench/run.sh
# and bench/int8.sh time them) and every zoo model of
# test/models/make_exported.py that --zoo DIR holds (default build/zoo-full,
# what test/models/zoo.py writes: NAME.onnx, NAME/calibration/,
# NAME/eval/e00/); --only picks some. Per model:
#
#   q8-fp32   q8c NAME.onnx (host target), bench/q8_bench.c
#   q8-int8   q8c --calibrate (the zoo's calibration samples; the bench
#             models' one sample input) --quantize w8a8
#   ort-fp32  test/ort/ort-run.js, all graph optimizations
#   ort-int8  ort-run.js on bench/make_qdq.py's QDQ copy of the model from
#             q8c's calibration table: the same layers, ranges and scheme
#
# each on every --threads count (q8: a q8_pool of that many threads; ORT:
# intra-op threads), interleaved within a round (model by model: every
# runner on every thread count, then the next model; then the next round).
# Times are the min of the rounds' minima, the median of their medians and
# the max of their maxima (ms). The table prints, per model and thread
# count, those times and q8-int8/q8-fp32 and q8-int8/ort-int8 at the
# minima and medians (below 1: q8 int8 is faster), then each runner's
# speed-up on the last thread count over the first. What a runner cannot do
# is printed as "-" with the reason below the table. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ITERS=20
ROUNDS=3
THREADS=(1 2)
ONLY=
ZOO=$ROOT/build/zoo-full
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3
RUNNERS=(q8-fp32 q8-int8 ort-fp32 ort-int8)
ZOO_MODELS=(mobilenet_v2 mobilenet_v3 resnet18 nhwc_cnn fpn transformer vit silero_vad lstm_vad gru)

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) IFS=, read -r -a THREADS <<< "$2"; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --zoo) ZOO=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/zoo.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done

DIR=$OUT/zoo
declare -A MODEL_ONNX=() INPUTS=() CALIBRATE=() WHY=()

# add_model NAME ONNX INPUTDIR CALIBRATION: one row of the table.
MODELS=()
add_model() {
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$1,"* ]]; then
    return
  fi
  MODELS+=("$1")
  MODEL_ONNX[$1]=$2 INPUTS[$1]=$3 CALIBRATE[$1]=$4
}

# build NAME: the q8 binaries, the table and the QDQ model, each only when
# stale (q8_build_model's rules); a failure is recorded in WHY[NAME:RUNNER].
build() {
  local name=$1 onnx=${MODEL_ONNX[$1]} d=$DIR/$1
  mkdir -p "$d/fp32" "$d/int8"
  q8_build_model "$onnx" "$d/fp32" "$name" 2> "$d/fp32.log" ||
    WHY[$name:q8-fp32]="q8c fp32 failed: $(tail -1 "$d/fp32.log")"
  if q8_build_model "$onnx" "$d/int8" "$name" --calibrate "${CALIBRATE[$name]}" \
       --calibration-table "$d/table.json" --quantize w8a8 2> "$d/int8.log"; then
    if [ ! -f "$d/qdq.onnx" ] || [ "$d/table.json" -nt "$d/qdq.onnx" ]; then
      "$PYTHON" "$ROOT/bench/make_qdq.py" "$onnx" "$d/table.json" "$d/qdq.onnx" \
        > "$d/qdq.log" 2>&1 || WHY[$name:ort-int8]="make_qdq failed: $(tail -1 "$d/qdq.log")"
    fi
  else
    WHY[$name:q8-int8]="q8c w8a8 failed: $(tail -1 "$d/int8.log")"
    WHY[$name:ort-int8]="no calibration table (q8c w8a8 failed)"
  fi
}

# run RUNNER NAME THREADS: one runner line.
run() {
  local name=$2 d=$DIR/$2 in=${INPUTS[$2]}
  case $1 in
    q8-fp32) "$d/fp32/$name-bench" --threads "$3" "$ITERS" "$in" ;;
    q8-int8) "$d/int8/$name-bench" --threads "$3" "$ITERS" "$in" ;;
    # shellcheck disable=SC2046
    ort-fp32) node "$ROOT/test/ort/ort-run.js" "${MODEL_ONNX[$name]}" $(input_args_in "$in") \
                --threads "$3" --bench "$ITERS" ;;
    # shellcheck disable=SC2046
    ort-int8) node "$ROOT/test/ort/ort-run.js" "$d/qdq.onnx" $(input_args_in "$in") \
                --threads "$3" --bench "$ITERS" ;;
  esac 2> /dev/null || echo "$1: unavailable (failed to run)"
}

# cell NAME KEY: "min/median" of a result, or "-".
cell() {
  local r=${RESULT[$1:$2]:-}
  if [ -z "$r" ]; then echo "-"; return; fi
  read -r mn md _ <<< "$r"
  printf '%.3f/%.3f' "$mn" "$md"
}

# ratio NAME A B: A/B at the minima and the medians, or "-".
ratio() {
  local a=${RESULT[$1:$2]:-} b=${RESULT[$1:$3]:-}
  if [ -z "$a" ] || [ -z "$b" ]; then echo "-"; return; fi
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.2f/%.2f", x[1] / y[1], x[2] / y[2] }'
}

main() {
  local q8why
  q8why=$(q8_available)
  if [ -n "$q8why" ]; then echo "bench/zoo.sh: $q8why" >&2; exit 1; fi
  mkdir -p "$OUT" "$DIR"
  generate_model matmul
  generate_model encoder
  add_model matmul "$OUT/matmul.onnx" "$OUT/matmul/inputs" "$OUT/matmul"
  add_model encoder "$OUT/encoder.onnx" "$OUT/encoder/inputs" "$OUT/encoder"
  local name
  for name in "${ZOO_MODELS[@]}"; do
    if [ -f "$ZOO/$name.onnx" ] && [ -d "$ZOO/$name/eval/e00" ]; then
      add_model "$name" "$ZOO/$name.onnx" "$ZOO/$name/eval/e00" "$ZOO/$name/calibration"
    fi
  done
  for name in "${MODELS[@]}"; do
    echo "building $name" >&2
    build "$name"
  done

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  local round runner threads line stats key
  for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${MODELS[@]}"; do
      for threads in "${THREADS[@]}"; do
        for runner in "${RUNNERS[@]}"; do
          key=$name:$runner:$threads
          [ -z "${WHY[$name:$runner]:-}" ] && [ -z "${WHY[$key]:-}" ] || continue
          line=$(run "$runner" "$name" "$threads")
          stats=$(parse_stats "$line")
          if [ -n "$stats" ]; then
            echo "$stats" >> "$tmp/$key"
          else
            WHY[$key]=${line#*: }
          fi
        done
      done
    done
  done

  declare -gA RESULT
  for key in "$tmp"/*; do
    [ -f "$key" ] && RESULT[$(basename "$key")]=$(summarize "$key")
  done
  echo "q8 speed table: $ITERS iterations x $ROUNDS rounds; ms as min/median; ratios at the minima/medians (below 1: q8 int8 is faster)"
  echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo
  echo "| model | threads | q8 fp32 | q8 int8 | ORT fp32 | ORT int8 | q8 int8 / q8 fp32 | q8 int8 / ORT int8 |"
  echo "|---|---|---|---|---|---|---|---|"
  for name in "${MODELS[@]}"; do
    for threads in "${THREADS[@]}"; do
      echo "| $name | $threads | $(cell "$name" "q8-fp32:$threads") | $(cell "$name" "q8-int8:$threads")" \
        "| $(cell "$name" "ort-fp32:$threads") | $(cell "$name" "ort-int8:$threads")" \
        "| $(ratio "$name" "q8-int8:$threads" "q8-fp32:$threads")" \
        "| $(ratio "$name" "q8-int8:$threads" "ort-int8:$threads") |"
    done
  done
  if [ "${#THREADS[@]}" -gt 1 ]; then
    local first=${THREADS[0]} last=${THREADS[-1]}
    echo
    echo "speed-up, time on $first thread(s) / time on $last (min/median; above 1: faster):"
    echo
    echo "| model | q8 fp32 | q8 int8 | ORT fp32 | ORT int8 |"
    echo "|---|---|---|---|---|"
    for name in "${MODELS[@]}"; do
      printf '| %s' "$name"
      for runner in "${RUNNERS[@]}"; do
        printf ' | %s' "$(ratio "$name" "$runner:$first" "$runner:$last")"
      done
      echo " |"
    done
  fi
  if [ "${#WHY[@]}" -gt 0 ]; then
    echo
    echo "not measured:"
    for key in "${!WHY[@]}"; do
      echo "  $key: ${WHY[$key]}"
    done | sort
  fi
}

main
