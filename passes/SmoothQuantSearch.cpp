//===- SmoothQuantSearch.cpp - score a SmoothQuant alpha on calibration rows ===//
//
// The products are taken on the integers, as the int8 kernels do: with
// qx = Q(x / s) - zx and qw = Q(W s), deq(qx) . deq(qw) = sx * sw_n *
// sum_k qx_k qw_kn, and that sum is exact: the integers are held in float
// (|qx qw| <= 255 * 127), summed in float over at most 256 k (< 2^24, so
// every partial sum is an exact float) and those sums in double. Float
// because it vectorizes on baseline x86-64 (SSE2 has no 32-bit integer
// multiply). Every loop runs in a fixed order, so the score, and the
// alpha it picks, are deterministic.
//
//===----------------------------------------------------------------------===//

#include "passes/SmoothQuantSearch.h"

#include "passes/QuantMath.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace q8;
using namespace q8::smoothquant;

calibration::Range
q8::smoothquant::smoothedRange(calibration::Range range,
                               llvm::ArrayRef<float> channelAbsmax,
                               llvm::ArrayRef<float> inverse) {
  assert(channelAbsmax.size() == inverse.size());
  calibration::Range out;
  for (size_t i = 0; i < inverse.size(); ++i) {
    float a = channelAbsmax[i];
    out.lo = std::min(out.lo, std::max(range.lo, -a) * inverse[i]);
    out.hi = std::max(out.hi, std::min(range.hi, a) * inverse[i]);
  }
  return out;
}

AlphaScorer::AlphaScorer(llvm::ArrayRef<float> rows, int64_t k,
                         llvm::ArrayRef<SearchWeights> consumers,
                         int32_t weightQmax)
    : rows(rows.begin(), rows.end()), k(k),
      rowCount(k ? static_cast<int64_t>(rows.size()) / k : 0),
      consumers(consumers.begin(), consumers.end()), weightQmax(weightQmax) {
  for (const SearchWeights &c : consumers) {
    std::vector<double> y(rowCount * c.n, 0.0);
    for (int64_t r = 0; r < rowCount; ++r)
      for (int64_t i = 0; i < k; ++i) {
        double x = rows[r * k + i];
        for (int64_t j = 0; j < c.n; ++j) {
          float w = c.transposed ? c.stored[j * k + i] : c.stored[i * c.n + j];
          y[r * c.n + j] += x * static_cast<double>(c.alpha * w);
        }
      }
    reference.push_back(std::move(y));
  }
}

double AlphaScorer::error(llvm::ArrayRef<float> s,
                          calibration::Range xRange) const {
  assert(s.empty() || static_cast<int64_t>(s.size()) == k);
  // The activation rows as q8-quantize's prescaled quantize computes them.
  quant::QuantParams px = quant::asymmetricU8(xRange.lo, xRange.hi);
  std::vector<float> qx(rows.size());
  for (int64_t r = 0; r < rowCount; ++r)
    for (int64_t i = 0; i < k; ++i) {
      float x = rows[r * k + i];
      if (!s.empty())
        x *= 1.0f / s[i];
      qx[r * k + i] = static_cast<float>(quant::quantize(x, px) - px.zeroPoint);
    }

  double total = 0.0;
  std::vector<float> w;
  std::vector<float> qw, part;
  std::vector<double> acc;
  std::vector<quant::QuantParams> pw;
  for (size_t ci = 0; ci < consumers.size(); ++ci) {
    const SearchWeights &c = consumers[ci];
    int64_t n = c.n;
    // W s, [K, N] row-major, and its per-output-channel int8 quantization.
    w.assign(k * n, 0.0f);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float stored = c.transposed ? c.stored[j * k + i] : c.stored[i * n + j];
        if (!s.empty())
          stored *= s[i];
        w[i * n + j] = c.alpha * stored;
      }
    pw.assign(n, quant::QuantParams());
    int64_t span = c.columnsPerChannel;
    for (int64_t j0 = 0; j0 < n; j0 += span) {
      float absmax = 0.0f;
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = j0; j < j0 + span; ++j)
          absmax = std::max(absmax, std::fabs(w[i * n + j]));
      for (int64_t j = j0; j < j0 + span; ++j)
        pw[j] = quant::symmetricI8(absmax, weightQmax);
    }
    qw.assign(k * n, 0);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        qw[i * n + j] = static_cast<float>(quant::quantize(w[i * n + j], pw[j]));

    // Blocks of rows share each weight row while it is in cache.
    const std::vector<double> &y = reference[ci];
    constexpr int64_t kRowBlock = 8;
    constexpr int64_t kExactTerms = 256; // 256 * 255 * 127 < 2^24
    acc.assign(kRowBlock * n, 0.0);
    part.assign(kRowBlock * n, 0.0f);
    for (int64_t r0 = 0; r0 < rowCount; r0 += kRowBlock) {
      int64_t block = std::min(kRowBlock, rowCount - r0);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t i0 = 0; i0 < k; i0 += kExactTerms) {
        std::fill(part.begin(), part.end(), 0.0f);
        for (int64_t i = i0; i < std::min(k, i0 + kExactTerms); ++i) {
          const float *row = &qw[i * n];
          for (int64_t r = 0; r < block; ++r) {
            float xv = qx[(r0 + r) * k + i];
            if (xv == 0.0f)
              continue;
            float *a = &part[r * n];
            for (int64_t j = 0; j < n; ++j)
              a[j] += xv * row[j];
          }
        }
        for (int64_t t = 0; t < block * n; ++t)
          acc[t] += part[t];
      }
      for (int64_t r = 0; r < block; ++r)
        for (int64_t j = 0; j < n; ++j) {
          double got =
              static_cast<double>(px.scale) * pw[j].scale * acc[r * n + j];
          double d = got - y[(r0 + r) * n + j];
          total += d * d;
        }
    }
  }
  return total;
}
