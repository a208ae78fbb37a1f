#!/usr/bin/env bash
# q8 benchmarks against ONNX Runtime, measured in the same run.
#
#   bench/run.sh [--iters N] [--rounds R] [--only NAME[,NAME...]] [--out DIR]
#                [--runners ort,q8]
#
# Generates the benchmark models (test/models/make_models.py: matmul, the
# BERT-like encoder at its defaults: 2 layers, hidden 768, 12 heads, ffn 3072,
# seq 128, and the small CNN) into build/bench/, then, R rounds over the
# models, runs each runner for N timed iterations on one thread, the runners
# interleaved (ort, q8, ort, q8, ...) so that drift in the machine hits both
# alike. Per model it prints every runner's min/median/max over all rounds
# (min of the rounds' minima, median of their medians, max of their maxima)
# and the ratio q8/ort of each.
#
# The q8 runner compiles each model with build/bin/q8c (fp32) and times it with
# bench/q8_bench.c linked against build/lib/libq8rt.a (see bench/README.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ITERS=50
ROUNDS=3
ONLY=matmul,encoder,cnn
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3   # Debian's interpreter: python3-onnx and numpy
RUNNERS=(ort q8)

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --runners) IFS=, read -r -a RUNNERS <<< "$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done
IFS=, read -r -a MODELS <<< "$ONLY"

generate_models() {
  local name
  for name in "${MODELS[@]}"; do
    generate_model "$name"
  done
}

# Runners. run_RUNNER NAME ITERS prints exactly one line,
#   "RUNNER: min X ms, median Y ms, max Z ms"
# or "RUNNER: unavailable (REASON)" when it cannot run that model.

run_ort() {
  # shellcheck disable=SC2046
  node "$ROOT/test/ort/ort-run.js" "$OUT/$1.onnx" $(input_args "$1") --threads 1 --bench "$2"
}

run_q8() {
  # fp32; the quantized modes are bench/int8.sh's runners.
  # q8's generated code is single-threaded, so "one thread" holds as is.
  local why
  why=$(q8_available)
  if [ -n "$why" ]; then
    echo "q8: unavailable ($why)"
  elif ! q8_build "$OUT/q8" "$1"; then
    echo "q8: unavailable (compiling or linking $1 failed)"
  else
    "$OUT/q8/$1-bench" "$2" "$OUT/$1/inputs" || echo "q8: unavailable ($1 failed to run)"
  fi
}

main() {
  mkdir -p "$OUT"
  generate_models
  local name runner round line stats
  tmp=$(mktemp -d)   # global: the EXIT trap runs after main returns
  trap 'rm -rf "$tmp"' EXIT

  for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${MODELS[@]}"; do
      for runner in "${RUNNERS[@]}"; do
        line=$("run_$runner" "$name" "$ITERS")
        stats=$(parse_stats "$line")
        if [ -n "$stats" ]; then
          echo "$stats" >> "$tmp/$name.$runner"
        else
          echo "${line#*: }" > "$tmp/$name.$runner.why"
        fi
      done
    done
  done

  echo "q8 bench: $ITERS iterations x $ROUNDS rounds, 1 thread, times in ms (min / median / max)"
  local -A result
  for name in "${MODELS[@]}"; do
    echo "$name:"
    for runner in "${RUNNERS[@]}"; do
      if [ -f "$tmp/$name.$runner" ]; then
        result[$runner]=$(summarize "$tmp/$name.$runner")
        read -r mn md mx <<< "${result[$runner]}"
        printf '  %-6s min %9.3f  median %9.3f  max %9.3f\n' "$runner:" "$mn" "$md" "$mx"
      else
        result[$runner]=
        printf '  %-6s %s\n' "$runner:" "$(cat "$tmp/$name.$runner.why")"
      fi
    done
    if [ -n "${result[ort]:-}" ] && [ -n "${result[q8]:-}" ]; then
      read -r omn omd omx <<< "${result[ort]}"
      read -r qmn qmd qmx <<< "${result[q8]}"
      awk -v a="$qmn" -v b="$omn" -v c="$qmd" -v d="$omd" -v e="$qmx" -v f="$omx" \
        'BEGIN { printf "  q8/ort min %9.2f  median %9.2f  max %9.2f\n", a / b, c / d, e / f }'
    fi
  done
}

main
