#!/usr/bin/env bash
# The long run of q8's differential graph fuzzer (test/fuzz/graph_fuzz.py):
#
#   bash scripts/fuzz.sh [N] [SEED]      # N graphs (default 1000) from SEED (default 0)
#
# Every graph is compiled fp32 and W8A8 (plain, --smoothquant, --smoothquant
# auto) for host and generic, run, and compared with ONNX Runtime (fp32) and
# with q8's own fp32 (int8). Failing graphs and their minimized forms go to
# $FUZZ_DIR (default build/fuzz/seed-S/{,min/}); one JSON line per graph to
# $FUZZ_DIR/log.jsonl. Parallel graphs: $JOBS (default: the CPU count).
# $INT8_PER_GRAPH=K runs every fp32 configuration but only K of the six int8
# ones per graph, rotating with the seed (more graphs per hour).
# Ends with the counts (graphs, passes, clean refusals, crashes, mismatches);
# exits 1 if any crash or mismatch occurred.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000}
seed=${2:-0}
dir=${FUZZ_DIR:-$root/build/fuzz}
jobs=${JOBS:-$(nproc)}
mkdir -p "$dir"
for tool in q8c q8-run; do
  if [ ! -x "$root/build/bin/$tool" ]; then
    echo "fuzz.sh: $root/build/bin/$tool is missing; run scripts/build.sh first" >&2
    exit 2
  fi
done
# A copy of the tools, so that a rebuild during the run does not pull them
# from under it.
mkdir -p "$dir/bin"
cp "$root/build/bin/q8c" "$root/build/bin/q8-run" "$dir/bin/"
exec /usr/bin/python3 "$root/test/fuzz/graph_fuzz.py" --seed "$seed" --count "$count" \
  --jobs "$jobs" --keep "$dir" --minimize --log "$dir/log.jsonl" --work "$dir/work" \
  --compiler "$dir/bin/q8c" --runner "$dir/bin/q8-run" \
  ${INT8_PER_GRAPH:+--int8-per-graph "$INT8_PER_GRAPH"}
