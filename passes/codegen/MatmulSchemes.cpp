//===- MatmulSchemes.cpp - how a matmul multiplies on a target ------------===//
//
// q8-matmul-kernels' choices for one matmul on one target (MatmulKernels.cpp
// describes the kernels): the dot instruction and its k group, the register
// blocking of a kernel and the K block.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/MatmulKernels.h"

#include <cstdlib>

using namespace mlir;

namespace q8::matmul {

int64_t rowsFor(int64_t vectors, int64_t registers, const DotScheme &scheme) {
  bool madd = scheme.kind == DotScheme::MaddUbsw ||
              scheme.kind == DotScheme::MaddWd;
  if (madd && registers >= 32)
    return vectors >= 4 ? 5 : vectors == 3 ? 6 : vectors == 2 ? 8 : 12;
  if (madd)
    return vectors >= 2 ? 4 : 8;
  if (registers >= 32)
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : vectors == 2 ? 12 : 16;
  return vectors >= 2 ? 6 : 12;
}

Blocking chooseBlocking(int64_t nVectors, int64_t registers,
                        const DotScheme &scheme) {
  static constexpr int64_t wide[] = {3, 4, 2}, narrow[] = {2};
  ArrayRef<int64_t> preference =
      registers >= 32 ? ArrayRef<int64_t>(wide) : ArrayRef<int64_t>(narrow);
  int64_t vectors = preference.front();
  for (int64_t candidate : preference)
    if (nVectors % candidate == 0) {
      vectors = candidate;
      break;
    }
  vectors = std::min(vectors, nVectors);
  return {rowsFor(vectors, registers, scheme), vectors};
}

int64_t chooseKBlock(int64_t k, int64_t m, const DotScheme &scheme,
                     int64_t panelColumns, const q8::TargetInfo &target) {
  // Per k: the B panel's bytes (re-read by every row block of the panel)
  // and A's (all m rows, re-read by every panel). Both stay in L2 for a
  // whole K block when they fit three quarters of it; the rest is for the
  // C rows and output lines streaming past. Fewer, deeper K blocks are
  // better: every block but the last stores and reloads C's partial sums
  // (on the 128x768x3072 MatMul, one K block of 768 instead of two of 384
  // is 5-7 % faster on every route).
  int64_t aBytes = scheme.kind == DotScheme::Fma       ? 4
                   : scheme.kind == DotScheme::MaddWd ? 2
                                                      : 1;
  int64_t bBytes = scheme.packed.getIntOrFloatBitWidth() / 8;
  int64_t perK = m * aBytes + panelColumns * bBytes;
  int64_t limit = target.l2Bytes * 3 / 4 / std::max<int64_t>(perK, 1);
  if (k <= limit)
    return k;
  for (int64_t block = std::max<int64_t>(limit, 128); block >= 128; --block)
    if (k % block == 0 && block % scheme.group == 0)
      return block;
  return k;
}

namespace {

/// True if vpmaddubsw is exact on B: every pair of consecutive k (as the
/// group-4 packing pairs them) has |b0| + |b1| <= 128, so u8 * b0 + u8 * b1
/// stays within int16 (255 * 128 = 32640).
bool pairSumsFitInt16(const ConstantB &b, int64_t k, int64_t n) {
  for (int64_t kk = 0; kk + 1 < k; kk += 2)
    for (int64_t nn = 0; nn < n; ++nn)
      if (std::abs(b.at(kk, nn)) + std::abs(b.at(kk + 1, nn)) > 128)
        return false;
  return true;
}

} // namespace

std::optional<DotScheme> chooseScheme(MLIRContext *context,
                                      const MatmulInfo &info,
                                      const q8::TargetInfo &target,
                                      const std::optional<ConstantB> &b) {
  Type f32 = Float32Type::get(context);
  Type i8 = IntegerType::get(context, 8), i16 = IntegerType::get(context, 16),
       i32 = IntegerType::get(context, 32);
  if (info.element == Element::F32)
    return DotScheme{DotScheme::Fma, target.f32Lanes, 1, f32, f32};
  if (info.aMap.getNumResults() == 0 ||
      info.aMap.getDimPosition(info.aMap.getNumResults() - 1) != info.kDim ||
      !hasUnitInnerStride(cast<MemRefType>(info.a.getType())))
    return std::nullopt;
  std::optional<DotScheme> scheme;
  int64_t k = info.extents[info.kDim], n = info.extents[info.nDim];
  switch (target.int8Dot) {
  case q8::Int8Dot::None:
    return std::nullopt;
  case q8::Int8Dot::Vnni256:
  case q8::Int8Dot::Vnni512:
    scheme = DotScheme{DotScheme::Vnni,
                       target.int8Dot == q8::Int8Dot::Vnni512 ? 16 : 8, 4, i8,
                       i32};
    break;
  case q8::Int8Dot::Madd256:
  case q8::Int8Dot::Madd512: {
    int64_t lanes = target.int8Dot == q8::Int8Dot::Madd512 ? 16 : 8;
    // Weights known at compile time may qualify for vpmaddubsw; others
    // take the exact path.
    scheme = b && pairSumsFitInt16(*b, k, n)
                 ? DotScheme{DotScheme::MaddUbsw, lanes, 4, i8, i32}
                 : DotScheme{DotScheme::MaddWd, lanes, 2, i16, i32};
    break;
  }
  }
  if (k % scheme->group != 0)
    return std::nullopt;
  return scheme;
}

} // namespace q8::matmul
