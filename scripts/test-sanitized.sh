#!/usr/bin/env bash
# Builds q8 with AddressSanitizer + UndefinedBehaviorSanitizer (Q8_SANITIZE)
# in build-asan/ and runs the whole lit suite with it. Ends with a line
# "tests: N passed, N failed" like scripts/test.sh. Slow: a second full
# build, and every tool runs instrumented.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export Q8_BUILD_DIR=${Q8_ASAN_BUILD_DIR:-$root/build-asan}

"$root/scripts/setup.sh"
# The sanitizer runtimes for clang-22.
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends libclang-rt-22-dev
fi
Q8_CMAKE_ARGS="-DQ8_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo" "$root/scripts/build.sh" "$@"
exec "$root/scripts/lit-summary.sh"
