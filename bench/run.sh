#!/usr/bin/env bash
# q8 benchmarks against ONNX Runtime, measured in the same run.
#
#   bench/run.sh [--iters N] [--rounds R] [--only NAME[,NAME...]] [--out DIR]
#                [--runners ort,q8]
#
# Generates the benchmark models (test/models/make_models.py: matmul, and the
# BERT-like encoder at its defaults: 2 layers, hidden 768, 12 heads, ffn 3072,
# seq 128) into build/bench/, then, R rounds over the models, runs each runner
# for N timed iterations on one thread, the runners interleaved (ort, q8, ort,
# q8, ...) so that drift in the machine hits both alike. Per model it prints
# every runner's min/median/max over all rounds (min of the rounds' minima,
# median of their medians, max of their maxima) and, once q8 can run, the
# ratio q8/ort of each.
#
# Today only the ORT runner exists: q8's column arrives with code generation
# (see bench/README.md for the runner contract it will follow).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ITERS=50
ROUNDS=3
ONLY=matmul,encoder
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

# generate_models: writes $OUT/NAME.onnx and $OUT/NAME/inputs/*.npy, again
# only when make_models.py is newer than a model (its output is deterministic).
generate_models() {
  local name
  for name in "${MODELS[@]}"; do
    if [ ! -f "$OUT/$name.onnx" ] || [ "$ROOT/test/models/make_models.py" -nt "$OUT/$name.onnx" ]; then
      "$PYTHON" "$ROOT/test/models/make_models.py" "$OUT" --only "$name"
    fi
  done
}

# input_args NAME: "--input INPUT=FILE.npy" for each of NAME's sample inputs.
input_args() {
  local f
  for f in "$OUT/$1/inputs"/*.npy; do
    printf -- '--input %s=%s ' "$(basename "$f" .npy)" "$f"
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
  # Arrives with code generation: compile $OUT/$1.onnx with q8c into an object,
  # link it with libq8rt into a bench harness (or use q8-run), run it on the
  # same inputs on one thread and print the same line as ort-run.js --bench.
  echo "q8: unavailable (arrives with code generation)"
}

# parse_stats LINE: "min median max" from a runner's line, or nothing.
parse_stats() {
  sed -n 's/^[a-z0-9]*: min \([0-9.]*\) ms, median \([0-9.]*\) ms, max \([0-9.]*\) ms$/\1 \2 \3/p' <<< "$1"
}

# summarize FILE: per-round "min median max" lines -> one combined line.
summarize() {
  sort -n -k2 "$1" | awk '{ mn[NR] = $1; md[NR] = $2; mx[NR] = $3 }
    END { lo = mn[1]; hi = mx[1]
          for (i = 2; i <= NR; i++) { if (mn[i] < lo) lo = mn[i]; if (mx[i] > hi) hi = mx[i] }
          med = (NR % 2) ? md[(NR + 1) / 2] : (md[NR / 2] + md[NR / 2 + 1]) / 2
          printf "%.3f %.3f %.3f\n", lo, med, hi }'
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
