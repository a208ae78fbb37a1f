#!/usr/bin/env bash
# Configures (once) and builds q8 in build/ (or $Q8_BUILD_DIR) with clang-22,
# lld and ccache; $Q8_CMAKE_ARGS adds cmake options to that first configure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_BUILD_DIR:-$root/build}
# Paths relative to the checkout in ccache's hashes: a fresh clone elsewhere
# (as CI makes) still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}

if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit ${Q8_CMAKE_ARGS:-}
fi
cmake --build "$build" "$@"
