#!/usr/bin/env bash
# The int8 GEMM against its instruction's peak, measured in the same run.
#
#   bench/gemm_peak.sh [--iters N] [--rounds R] [--variants V[,V...]]
#                      [--seconds S] [--out DIR]
#
# (a) bench/gemm_peak.c: each route's peak MAC/s on this CPU at its current
#     clock, a register-only loop of the route's dot sequence on 12
#     independent accumulators (vpdpbusd zmm, {vex} vpdpbusd ymm where the
#     CPU has AVX-VNNI, vpmaddubsw+vpmaddwd+vpaddd ymm and zmm, vpmaddwd+vpaddd
#     ymm and zmm for the exact 8-bit route, vfmadd231ps ymm and zmm).
# (b) the bench model `matmul` (MatMul [128,768] x constant [768,3072],
#     bench/run.sh) compiled by build/bin/q8c for each variant below, timed by
#     bench/q8_bench.c on one thread (N iterations after a warm-up):
#
#     avx2-w8      --target avx2, W8A8 (8-bit weights)
#     avx2-w7      --target avx2, W8A8 --weight-bits 7
#     avx512       --target avx512, W8A8
#     avx512-vnni  --target avx512-vnni, W8A8 (run only where the CPU has it)
#     fp32-avx2    --target avx2, fp32
#     fp32-avx512  --target avx512, fp32
#
# W8A8 is calibrated (minmax) on the model's sample input, as bench/int8.sh
# does. The route a variant took is read from its object's disassembly (the
# dot instruction and register width q8-matmul-kernels emitted), not assumed.
# R rounds (default 5), each the peaks then every variant (interleaved, so
# drift in the machine hits all alike). Per variant: time (ms) and GMAC/s as
# min / median / max over the rounds (min of minima, median of medians, max
# of maxima; the GMAC/s columns are 128*768*3072 over the time columns, so
# min GMAC/s comes from the max time), and % of the route's peak (the best
# peak of the rounds). See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ITERS=20
ROUNDS=5
SECONDS_PER_ROUTE=0.3
OUT=$ROOT/build/bench
PYTHON=/usr/bin/python3
VARIANTS=(avx2-w8 avx2-w7 avx512 avx512-vnni fp32-avx2 fp32-avx512)
MACS=$((128 * 768 * 3072))

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --variants) IFS=, read -r -a VARIANTS <<< "$2"; shift 2 ;;
    --seconds) SECONDS_PER_ROUTE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench/gemm_peak.sh: unknown argument $1" >&2; usage 1 >&2 ;;
  esac
done

DIR=$OUT/gemm
OBJDUMP=/usr/lib/llvm-22/bin/llvm-objdump

# q8c's arguments for a variant.
variant_args() {
  local int8=(--calibrate "$OUT/matmul" --calibration-table "$DIR/matmul.calib.json" --quantize w8a8)
  case $1 in
    avx2-w8) echo --target avx2 "${int8[@]}" ;;
    avx2-w7) echo --target avx2 "${int8[@]}" --weight-bits 7 ;;
    avx512) echo --target avx512 "${int8[@]}" ;;
    avx512-vnni) echo --target avx512-vnni "${int8[@]}" ;;
    fp32-avx2) echo --target avx2 ;;
    fp32-avx512) echo --target avx512 ;;
    *) return 1 ;;
  esac
}

# The CPU feature a variant needs to run here.
variant_feature() {
  case $1 in
    avx512-vnni) echo avx512_vnni ;;
    avx512|fp32-avx512) echo avx512bw ;;
    *) echo avx2 ;;
  esac
}

# route OBJECT: the peak route (a gemm_peak.c name) of the dot instructions
# the object multiplies with.
route_of() {
  local asm
  asm=$("$OBJDUMP" -d --no-show-raw-insn "$1")
  if grep -q 'vpdpbusd.*zmm' <<< "$asm"; then echo vnni-zmm
  elif grep -q 'vpdpbusd.*ymm' <<< "$asm"; then echo vnni-ymm
  elif grep -q 'vpmaddubsw.*zmm' <<< "$asm"; then echo ubsw-zmm
  elif grep -q 'vpmaddubsw.*ymm' <<< "$asm"; then echo ubsw-ymm
  elif grep -q 'vpmaddwd.*zmm' <<< "$asm"; then echo wd-zmm
  elif grep -q 'vpmaddwd.*ymm' <<< "$asm"; then echo wd-ymm
  elif grep -q 'vfmadd[0-9]*ps.*zmm' <<< "$asm"; then echo fp32-zmm
  elif grep -q 'vfmadd[0-9]*ps.*ymm' <<< "$asm"; then echo fp32-ymm
  else echo unknown
  fi
}

main() {
  mkdir -p "$DIR"
  generate_model matmul
  local why
  why=$(q8_available)
  [ -z "$why" ] || { echo "bench/gemm_peak.sh: $why" >&2; exit 1; }
  if [ ! -x "$DIR/gemm_peak" ] || [ "$ROOT/bench/gemm_peak.c" -nt "$DIR/gemm_peak" ]; then
    clang-22 -O2 -Wall -Werror "$ROOT/bench/gemm_peak.c" -o "$DIR/gemm_peak"
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT

  local v runnable=() args
  for v in "${VARIANTS[@]}"; do
    if ! grep -qw "$(variant_feature "$v")" /proc/cpuinfo; then
      echo "$v: unavailable (this CPU has no $(variant_feature "$v"))" > "$tmp/$v.why"
      continue
    fi
    # shellcheck disable=SC2046
    if ! q8_build "$DIR/$v" matmul $(variant_args "$v") 2> "$tmp/$v.log"; then
      echo "$v: unavailable (compiling failed: $(tail -1 "$tmp/$v.log"))" > "$tmp/$v.why"
      continue
    fi
    route_of "$DIR/$v/matmul.o" > "$tmp/$v.route"
    runnable+=("$v")
  done

  local round line stats r
  for ((round = 1; round <= ROUNDS; round++)); do
    "$DIR/gemm_peak" "$SECONDS_PER_ROUTE" > "$tmp/peak.$round"
    for v in "${runnable[@]}"; do
      line=$("$DIR/$v/matmul-bench" "$ITERS" "$OUT/matmul/inputs")
      stats=$(parse_stats "$line")
      [ -n "$stats" ] && echo "$stats" >> "$tmp/$v.times"
    done
  done

  echo "q8 GEMM vs peak: MatMul 128x768x3072, $ITERS iterations x $ROUNDS rounds, 1 thread"
  # The clock: the fastest round's (a round whose add chain was preempted
  # reads slow).
  local ghz
  ghz=$(sed -n 's/^clock: \([0-9.]*\) GHz.*/\1/p' "$tmp"/peak.* | sort -n | tail -1)
  echo "host: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, clock $ghz GHz (dependent adds)"
  echo "peaks (best of the rounds; MAC/cycle at that clock):"
  local -A peak
  while read -r r gmacs what; do
    peak[$r]=$gmacs
    awk -v r="$r" -v g="$gmacs" -v c="$ghz" -v w="$what" \
      'BEGIN { printf "  %-10s %7.1f GMAC/s %6.1f MAC/cycle  %s\n", r, g, g / c, w }'
  done < <(cat "$tmp"/peak.* |
             sed -n 's/^\([a-z0-9-]*\): \([0-9.]*\) GMAC\/s, [0-9.]* MAC\/cycle  \(.*\)$/\1 \2 \3/p' |
             sort -k1,1 -k2,2nr | awk '!seen[$1]++')
  grep -h unavailable "$tmp"/peak.1 | sed 's/^/  /' || true
  printf '%-12s %-9s %-26s    %-26s    %s\n' variant route "ms min/median/max" \
    "GMAC/s min/median/max" "% of peak min/median/max"
  local mn md mx
  for v in "${VARIANTS[@]}"; do
    if [ -f "$tmp/$v.why" ]; then
      cat "$tmp/$v.why"
      continue
    fi
    r=$(cat "$tmp/$v.route")
    read -r mn md mx <<< "$(summarize "$tmp/$v.times")"
    awk -v v="$v" -v r="$r" -v mn="$mn" -v md="$md" -v mx="$mx" -v macs="$MACS" \
        -v p="${peak[$r]:-0}" 'BEGIN {
      lo = macs / (mx * 1e6); me = macs / (md * 1e6); hi = macs / (mn * 1e6)
      printf "%-12s %-9s %8.3f %8.3f %8.3f    %8.1f %8.1f %8.1f", v, r, mn, md, mx, lo, me, hi
      if (p > 0) printf "    %5.1f %5.1f %5.1f", 100 * lo / p, 100 * me / p, 100 * hi / p
      printf "\n" }'
  done
}

main
