# Shared by the bench scripts (sourced, not run). The functions read the
# caller's ROOT (the checkout), OUT (build/bench) and PYTHON.

# summarize FILE: per-round "min median max" lines -> one combined line:
# the min of the minima, the median of the medians, the max of the maxima.
summarize() {
  sort -n -k2 "$1" | awk '{ mn[NR] = $1; md[NR] = $2; mx[NR] = $3 }
    END { lo = mn[1]; hi = mx[1]
          for (i = 2; i <= NR; i++) { if (mn[i] < lo) lo = mn[i]; if (mx[i] > hi) hi = mx[i] }
          med = (NR % 2) ? md[(NR + 1) / 2] : (md[NR / 2] + md[NR / 2 + 1]) / 2
          printf "%.3f %.3f %.3f\n", lo, med, hi }'
}

# parse_stats LINE: "min median max" from a runner's line, or nothing.
parse_stats() {
  sed -n 's/^[a-z0-9-]*: min \([0-9.]*\) ms, median \([0-9.]*\) ms, max \([0-9.]*\) ms$/\1 \2 \3/p' <<< "$1"
}

# ratio_line LABEL "MIN MED MAX" "MIN MED MAX": LABEL and a / b of each.
ratio_line() {
  local amn amd amx bmn bmd bmx
  read -r amn amd amx <<< "$2"
  read -r bmn bmd bmx <<< "$3"
  awk -v l="$1" -v a="$amn" -v b="$bmn" -v c="$amd" -v d="$bmd" -v e="$amx" -v f="$bmx" \
    'BEGIN { printf "  %-18s min %9.2f  median %9.2f  max %9.2f\n", l, a / b, c / d, e / f }'
}

# generate_model NAME: writes $OUT/NAME.onnx and $OUT/NAME/inputs/*.npy, again
# only when make_models.py is newer than the model (its output is deterministic).
generate_model() {
  if [ ! -f "$OUT/$1.onnx" ] || [ "$ROOT/test/models/make_models.py" -nt "$OUT/$1.onnx" ]; then
    "$PYTHON" "$ROOT/test/models/make_models.py" "$OUT" --only "$1" > /dev/null
  fi
}

# input_args NAME: "--input INPUT=FILE.npy" for each of NAME's sample inputs.
input_args() {
  input_args_in "$OUT/$1/inputs"
}

# input_args_in DIR: "--input INPUT=FILE.npy" for each DIR/INPUT.npy.
input_args_in() {
  local f
  for f in "$1"/*.npy; do
    printf -- '--input %s=%s ' "$(basename "$f" .npy)" "$f"
  done
}

# q8_build DIR NAME [Q8C_ARG...]: q8_build_model of $OUT/NAME.onnx.
q8_build() {
  q8_build_model "$OUT/$2.onnx" "$@"
}

# q8_build_model MODEL.onnx DIR NAME [Q8C_ARG...]: compiles MODEL.onnx with
# q8c (and the extra arguments, e.g. --quantize w8a8) into DIR/NAME.{o,h}
# and links bench/q8_bench.c against it and libq8rt into DIR/NAME-bench,
# each step again only when its inputs are newer than its output.
q8_build_model() {
  local model=$1 dir=$2 name=$3
  shift 3
  local bin=$ROOT/build/bin/q8c rt=$ROOT/build/lib/libq8rt.a
  local obj=$dir/$name.o exe=$dir/$name-bench
  mkdir -p "$dir"
  if [ ! -f "$obj" ] || [ "$model" -nt "$obj" ] || [ "$bin" -nt "$obj" ]; then
    "$bin" "$model" "$@" -o "$dir/$name" >&2 || return 1
  fi
  if [ ! -x "$exe" ] || [ "$obj" -nt "$exe" ] || [ "$rt" -nt "$exe" ] ||
     [ "$ROOT/bench/q8_bench.c" -nt "$exe" ] ||
     [ "$ROOT/tools/common/model_io.h" -nt "$exe" ]; then
    clang-22 -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Werror -I"$dir" -I"$ROOT/runtime" \
      -I"$ROOT/tools/common" \
      -include "$dir/$name.h" -DQ8_DESCRIPTOR="${name}_descriptor" \
      "$ROOT/bench/q8_bench.c" "$obj" "$rt" -o "$exe" >&2 || return 1
  fi
}

# q8_available: nothing when q8c and q8rt are built, else why not.
q8_available() {
  if [ ! -x "$ROOT/build/bin/q8c" ] || [ ! -f "$ROOT/build/lib/libq8rt.a" ]; then
    echo "build q8c and q8rt first: scripts/build.sh"
  fi
}

# time_runner LABEL CMD...: one round of CMD, its "min median max" appended
# to $DIR/LABEL.times (DIR: the caller's output folder; $0 names the
# script in errors).
time_runner() {
  local label=$1 line stats
  shift
  line=$("$@" 2>&1 | tail -1) || { echo "$0: $label failed: $line" >&2; exit 1; }
  stats=$(parse_stats "$line")
  [ -n "$stats" ] || { echo "$0: $label printed: $line" >&2; exit 1; }
  echo "$stats" >> "$DIR/$label.times"
}
