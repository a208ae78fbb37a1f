#!/usr/bin/env bash
# int8 against fp32 and against ONNX Runtime's int8, measured in the same run.
#
#   bench/int8.sh [--iters N] [--rounds R] [--model NAME] [--out DIR]
#                 [--runners q8-fp32,q8-int8,ort-fp32,ort-int8]
#                 [--threads 1,2]
#
# On one model (default: the encoder, 2-layer BERT-base), four runners, on
# each thread count of --threads (default 1; q8 on a q8_pool of that many
# threads, ORT with intra-op threads), interleaved within every round
# (q8-fp32, q8-int8, ort-fp32, ort-int8 on 1 thread, then on 2, ..., then
# the next round):
#
#   q8-fp32   q8c MODEL (as bench/run.sh's q8)
#   q8-int8   q8c MODEL --calibrate $OUT/MODEL (the sample inputs, one sample)
#             --calibration-table T --quantize w8a8 (minmax)
#   ort-fp32  ort-run.js MODEL (all graph optimizations, as bench/run.sh's ort)
#   ort-int8  ort-run.js on bench/make_qdq.py's QDQ copy of MODEL, from the same
#             table T: the same layers, ranges and int8 scheme as q8-int8;
#             --disable-optimizers MatMulAddFusion
#
# Before timing, bench/ort_profile.py checks from an ORT profile that ORT runs
# every QDQ MatMul as an int8 kernel; if not, ort-int8 is reported unavailable
# (with the reason) rather than timed as the fp32 path it would be.
# Per runner: min of the rounds' minima, median of their medians, max of their
# maxima (ms), then q8-int8/q8-fp32, q8-int8/ort-int8, q8-int8/ort-fp32 and
# ort-int8/ort-fp32 (below 1: the numerator is faster), per thread count;
# with several thread counts, each runner's speed-up over its first count.
# See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ITERS=20
ROUNDS=3
MODEL=encoder
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3   # Debian's interpreter: python3-onnx and numpy
RUNNERS=(q8-fp32 q8-int8 ort-fp32 ort-int8)
THREADS=(1)

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --runners) IFS=, read -r -a RUNNERS <<< "$2"; shift 2 ;;
    --threads) IFS=, read -r -a THREADS <<< "$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/int8.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done

INT8=$OUT/int8                  # q8-int8's object, the table, the QDQ model
TABLE=$INT8/$MODEL.calib.json
QDQ=$INT8/$MODEL.qdq.onnx

# q8_int8_build: the table and q8-int8's binary (one q8c run writes both),
# then the QDQ model from that table, each again only when stale.
q8_int8_build() {
  [ -f "$TABLE" ] && [ "$TABLE" -nt "$OUT/$MODEL.onnx" ] || rm -f "$INT8/$MODEL.o"
  q8_build "$INT8" "$MODEL" --calibrate "$OUT/$MODEL" --calibration-table "$TABLE" \
    --quantize w8a8 || return 1
  if [ ! -f "$QDQ" ] || [ "$TABLE" -nt "$QDQ" ] || [ "$ROOT/bench/make_qdq.py" -nt "$QDQ" ]; then
    "$PYTHON" "$ROOT/bench/make_qdq.py" "$OUT/$MODEL.onnx" "$TABLE" "$QDQ" >&2 || return 1
  fi
}

ORT_FLAGS=(--disable-optimizers MatMulAddFusion)

# ort_int8_check: why ort-int8 cannot be timed, or nothing when ORT's profile
# shows int8 kernels for every QDQ MatMul (bench/ort_profile.py).
ort_int8_check() {
  local dir=$tmp/profile
  mkdir -p "$dir"
  "$PYTHON" "$ROOT/bench/ort_profile.py" enable "$QDQ" "$dir/model.onnx" --opt-level all
  # shellcheck disable=SC2046
  (cd "$dir" && ORT_LOAD_CONFIG_FROM_MODEL=1 node "$ROOT/test/ort/ort-run.js" model.onnx \
     $(input_args "$MODEL") "${ORT_FLAGS[@]}" --threads 1 --bench 1 > /dev/null 2> stderr) ||
    { echo "ORT failed on $QDQ: $(tail -1 "$dir/stderr")"; return; }
  "$PYTHON" "$ROOT/bench/ort_profile.py" check "$QDQ" "$dir"/onnxruntime_profile_*.json > "$dir/check" ||
    { tail -1 "$dir/check"; return; }
  sed 's/^/  /' "$dir/check" >&2
  # The probe in ort-run.js: say once if the option could not be passed on.
  sed 's/^/  /' "$dir/stderr" >&2
}

# agreement: the relative L2 error of q8-int8's and ort-int8's outputs against
# ORT fp32 and against each other, on the sample inputs: both quantize the
# same layers from the same table, so they should land close together.
agreement() {
  local d=$tmp/out
  mkdir -p "$d/q8-int8"
  "$INT8/$MODEL-bench" 1 "$OUT/$MODEL/inputs" "$d/q8-int8" > /dev/null &&
  # shellcheck disable=SC2046
  node "$ROOT/test/ort/ort-run.js" "$OUT/$MODEL.onnx" $(input_args "$MODEL") --output-dir "$d/ort-fp32" &&
  # shellcheck disable=SC2046
  node "$ROOT/test/ort/ort-run.js" "$QDQ" $(input_args "$MODEL") "${ORT_FLAGS[@]}" --threads 1 --output-dir "$d/ort-int8" \
    2> /dev/null &&
  "$PYTHON" "$ROOT/bench/relative_error.py" "q8-int8 vs ort-fp32" "$d/q8-int8" "$d/ort-fp32" \
    "ort-int8 vs ort-fp32" "$d/ort-int8" "$d/ort-fp32" "q8-int8 vs ort-int8" "$d/q8-int8" "$d/ort-int8"
}

# Runners: run_RUNNER ITERS THREADS prints one line "RUNNER: min X ms,
# median Y ms, max Z ms" or "RUNNER: unavailable (REASON)".
run_q8_fp32() {
  "$OUT/q8/$MODEL-bench" --threads "$2" "$1" "$OUT/$MODEL/inputs" ||
    echo "q8: unavailable (failed to run)"
}
run_q8_int8() {
  "$INT8/$MODEL-bench" --threads "$2" "$1" "$OUT/$MODEL/inputs" ||
    echo "q8: unavailable (failed to run)"
}
run_ort_fp32() {
  # shellcheck disable=SC2046
  node "$ROOT/test/ort/ort-run.js" "$OUT/$MODEL.onnx" $(input_args "$MODEL") --threads "$2" --bench "$1"
}
run_ort_int8() {
  # shellcheck disable=SC2046
  node "$ROOT/test/ort/ort-run.js" "$QDQ" $(input_args "$MODEL") "${ORT_FLAGS[@]}" --threads "$2" \
    --bench "$1" 2> >(grep -v 'ignores sessionOptions.extra' >&2)   # said once, by ort_int8_check
}

main() {
  mkdir -p "$OUT"
  generate_model "$MODEL"
  tmp=$(mktemp -d)   # global: the EXIT trap runs after main returns
  trap 'rm -rf "$tmp"' EXIT
  local runner round line stats why q8why int8why=unbuilt
  local -A unavailable
  q8why=$(q8_available)
  for runner in "${RUNNERS[@]}"; do
    case $runner in
      q8-fp32)
        [ -n "$q8why" ] || q8_build "$OUT/q8" "$MODEL" || q8why="compiling or linking $MODEL failed"
        [ -z "$q8why" ] || unavailable[$runner]=$q8why ;;
      q8-int8|ort-int8)  # both need q8c's table
        if [ "$int8why" = unbuilt ]; then
          int8why=$q8why
          [ -n "$int8why" ] || q8_int8_build || int8why="calibrating, quantizing or linking $MODEL failed"
        fi
        [ -z "$int8why" ] || unavailable[$runner]=$int8why
        if [ "$runner" = ort-int8 ] && [ -z "$int8why" ]; then
          why=$(ort_int8_check)
          [ -z "$why" ] || unavailable[$runner]=$why
        fi ;;
      ort-fp32) ;;
      *) echo "bench/int8.sh: unknown runner $runner" >&2; exit 1 ;;
    esac
  done

  local threads key
  for ((round = 1; round <= ROUNDS; round++)); do
    for threads in "${THREADS[@]}"; do
      for runner in "${RUNNERS[@]}"; do
        key=$runner@$threads
        [ -z "${unavailable[$runner]:-}" ] && [ -z "${unavailable[$key]:-}" ] || continue
        line=$("run_${runner//-/_}" "$ITERS" "$threads")
        stats=$(parse_stats "$line")
        if [ -n "$stats" ]; then
          echo "$stats" >> "$tmp/$key"
        else
          unavailable[$key]=${line#*: }
        fi
      done
    done
  done

  local -A result
  local pair a b
  for threads in "${THREADS[@]}"; do
    echo "q8 int8 bench: $MODEL, $ITERS iterations x $ROUNDS rounds, $threads thread(s), times in ms (min / median / max)"
    for runner in "${RUNNERS[@]}"; do
      key=$runner@$threads
      if [ -z "${unavailable[$runner]:-}${unavailable[$key]:-}" ] && [ -f "$tmp/$key" ]; then
        result[$key]=$(summarize "$tmp/$key")
        read -r mn md mx <<< "${result[$key]}"
        printf '  %-18s min %9.3f  median %9.3f  max %9.3f\n' "$runner:" "$mn" "$md" "$mx"
      else
        printf '  %-18s unavailable (%s)\n' "$runner:" \
          "${unavailable[$runner]:-${unavailable[$key]:-not run}}"
      fi
    done
    for pair in q8-int8/q8-fp32 q8-int8/ort-int8 q8-int8/ort-fp32 ort-int8/ort-fp32; do
      a=${pair%/*}@$threads b=${pair#*/}@$threads
      if [ -n "${result[$a]:-}" ] && [ -n "${result[$b]:-}" ]; then
        ratio_line "$pair" "${result[$a]}" "${result[$b]}"
      fi
    done
  done
  # Speed-ups: a runner's time on its first thread count over each other.
  if [ "${#THREADS[@]}" -gt 1 ]; then
    echo "speed-up over ${THREADS[0]} thread(s) (time at ${THREADS[0]} / time at N; above 1: faster)"
    for threads in "${THREADS[@]:1}"; do
      for runner in "${RUNNERS[@]}"; do
        a=$runner@$threads b=$runner@${THREADS[0]}
        if [ -n "${result[$a]:-}" ] && [ -n "${result[$b]:-}" ]; then
          ratio_line "$runner x$threads" "${result[$b]}" "${result[$a]}"
        fi
      done
    done
  fi
  if [ -n "${result[q8-int8@${THREADS[0]}]:-}" ] && [ -n "${result[ort-int8@${THREADS[0]}]:-}" ]; then
    echo "outputs on the sample inputs:"
    agreement | sed 's/^/  /' || echo "  (comparing the outputs failed)"
  fi
}

main
