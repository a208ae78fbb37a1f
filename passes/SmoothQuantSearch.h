//===- SmoothQuantSearch.h - score a SmoothQuant alpha on calibration rows -*- C++ -*-===//
//
// `q8c --smoothquant auto` picks alpha per activation: for each candidate it
// simulates what q8-quantize will build (x / s as uint8 per tensor from the
// range of x / s, W * s as int8 per output channel) on the calibration
// table's reservoir rows of x, and measures the squared error of the
// consumers' outputs against fp32 x . W. This file holds that arithmetic
// (all quantization through passes/QuantMath.h) and the bounded range of
// x / s that q8-smoothquant records for q8-quantize, so that the search
// and the marker use one formula.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_SMOOTHQUANTSEARCH_H
#define Q8_PASSES_SMOOTHQUANTSEARCH_H

#include "passes/calibration/Ranges.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace q8::smoothquant {

/// The range of x / s for a table range [lo, hi] of x: channel j of x lies
/// in [max(lo, -a_j), min(hi, a_j)] (a = channel absmax), times inverse_j
/// (= 1 / s_j); the result is [min_j, max_j] of those bounds (and holds 0).
calibration::Range smoothedRange(calibration::Range range,
                                 llvm::ArrayRef<float> channelAbsmax,
                                 llvm::ArrayRef<float> inverse);

/// One consumer's weights as stored: W[k, n] = alpha * stored[k * n + n]
/// ([K, N]), or alpha * stored[n * K + k] when transposed (gemm transB).
/// `columnsPerChannel` consecutive columns share one output channel's int8
/// scale: a convolution's [K = C, N = M * taps] matrix of its taps, each
/// tap a matmul of the same channel vectors, quantized per output channel
/// m over all of its taps as q8-quantize does.
struct SearchWeights {
  llvm::ArrayRef<float> stored;
  int64_t n = 0;
  bool transposed = false;
  float alpha = 1.0f;
  int64_t columnsPerChannel = 1;
};

/// The consumers of one activation and the reservoir rows of it; holds the
/// fp32 reference outputs y = x . W (computed once).
class AlphaScorer {
public:
  /// `rows`: rowCount x k values of x, row-major. `weightQmax`: 127, or 63
  /// for q8-quantize's weight-bits=7.
  AlphaScorer(llvm::ArrayRef<float> rows, int64_t k,
              llvm::ArrayRef<SearchWeights> consumers, int32_t weightQmax);

  /// Sum over consumers and rows of |deq(Q(x / s)) . deq(Q(W s)) - x . W|^2,
  /// x / s quantized uint8 asymmetric from `xRange`, W s int8 symmetric per
  /// output channel (the stored weight times s_k, then times alpha, as
  /// q8-smoothquant and q8-quantize compute it). Empty `s`: no smoothing
  /// (x quantized from `xRange` as it is).
  double error(llvm::ArrayRef<float> s, calibration::Range xRange) const;

private:
  std::vector<float> rows;
  int64_t k, rowCount;
  std::vector<SearchWeights> consumers;
  int32_t weightQmax;
  std::vector<std::vector<double>> reference; ///< per consumer, rows x n
};

} // namespace q8::smoothquant

#endif // Q8_PASSES_SMOOTHQUANTSEARCH_H
