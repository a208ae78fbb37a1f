#!/usr/bin/env bash
# Builds q8 with AddressSanitizer + UndefinedBehaviorSanitizer (Q8_SANITIZE)
# in build-asan/ and runs the whole lit suite with it. Ends with a line
# "tests: N passed, N failed" like scripts/test.sh. Slow: a second full
# build, and every tool runs instrumented.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_ASAN_BUILD_DIR:-$root/build-asan}

"$root/scripts/setup.sh"
# The sanitizer runtimes for clang-22.
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends libclang-rt-22-dev
fi
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQ8_SANITIZE=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
cmake --build "$build" "$@"
Q8_BUILD_DIR=$build exec "$root/scripts/lit-summary.sh"
