//===- QuantMath.cpp - the one source of truth for quantization arithmetic ===//

#include "passes/QuantMath.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace q8::quant;

int32_t q8::quant::weightQmax(int weightBits) {
  assert((weightBits == 8 || weightBits == 7) && "8- or 7-bit weights");
  return weightBits == 7 ? 63 : 127;
}

int32_t q8::quant::weightStorageMin(int weightBits) {
  return weightBits == 7 ? -weightQmax(weightBits) : -128;
}

QuantParams q8::quant::asymmetricU8(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  QuantParams p;
  p.qmin = 0;
  p.qmax = 255;
  if (!(hi > lo)) // also catches NaN
    return p;
  p.scale = static_cast<float>((static_cast<double>(hi) - lo) / 255.0);
  double zero = std::nearbyint(-static_cast<double>(lo) / p.scale);
  p.zeroPoint = static_cast<int32_t>(std::clamp(zero, 0.0, 255.0));
  return p;
}

QuantParams q8::quant::symmetricI8(float absmax, int32_t qmax) {
  assert(qmax > 0 && qmax <= 127 && "int8 symmetric qmax");
  QuantParams p;
  p.qmin = -qmax;
  p.qmax = qmax;
  p.zeroPoint = 0;
  absmax = std::fabs(absmax);
  if (absmax > 0 && std::isfinite(absmax))
    p.scale = absmax / static_cast<float>(qmax);
  return p;
}

int32_t q8::quant::quantize(float x, const QuantParams &p) {
  if (std::isnan(x))
    return std::clamp(p.zeroPoint, p.qmin, p.qmax);
  // In float, as ONNX's reference QuantizeLinear and ONNX Runtime's MLAS
  // compute it (one division, then rounding): a quotient that overflows is
  // infinite and clamps. The default rounding mode is to nearest, ties to
  // even. The generated code does the same operations (quantizeScalar).
  float q = std::nearbyint(x / p.scale) + static_cast<float>(p.zeroPoint);
  return static_cast<int32_t>(std::clamp(q, static_cast<float>(p.qmin),
                                         static_cast<float>(p.qmax)));
}

float q8::quant::dequantize(int32_t q, const QuantParams &p) {
  return p.scale * static_cast<float>(q - p.zeroPoint);
}

FixedMultiplier q8::quant::fixedMultiplier(double real) {
  assert(real >= 0 && real < 2147483648.0 && "multiplier out of range");
  FixedMultiplier m;
  if (real == 0)
    return m;
  int exponent;
  double mantissa = std::frexp(real, &exponent); // real = mantissa * 2^exp
  int64_t q = static_cast<int64_t>(std::llround(mantissa * (1ll << 31)));
  if (q == (1ll << 31)) { // rounded up to 1.0
    q /= 2;
    ++exponent;
  }
  m.multiplier = static_cast<int32_t>(q);
  m.shift = -exponent;
  return m;
}

namespace {

/// gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31).
int32_t roundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && a == b)
    return std::numeric_limits<int32_t>::max();
  int64_t ab = static_cast<int64_t>(a) * b;
  int64_t nudge = ab >= 0 ? (1ll << 30) : 1 - (1ll << 30);
  return static_cast<int32_t>((ab + nudge) / (1ll << 31));
}

/// Arithmetic shift right by `shift` >= 0, rounding half away from zero.
int64_t roundingShiftRight(int64_t x, int32_t shift) {
  if (shift <= 0)
    return x;
  int64_t half = 1ll << (shift - 1);
  return x >= 0 ? (x + half) >> shift : -((-x + half) >> shift);
}

} // namespace

int32_t q8::quant::requantize(int32_t acc, const FixedMultiplier &m,
                              int32_t zeroPoint, int32_t qmin, int32_t qmax) {
  int64_t scaled;
  if (m.shift >= 0) {
    scaled = roundingShiftRight(roundingDoublingHighMul(acc, m.multiplier),
                                m.shift);
  } else {
    // A multiplier >= 1: shift left first (saturating), then multiply.
    // A product, not acc << -shift: shifting a negative value left is
    // undefined in C++17 (UBSan).
    int64_t wide = static_cast<int64_t>(acc) * (int64_t(1) << -m.shift);
    int32_t left = static_cast<int32_t>(std::clamp<int64_t>(
        wide, std::numeric_limits<int32_t>::min(),
        std::numeric_limits<int32_t>::max()));
    scaled = roundingDoublingHighMul(left, m.multiplier);
  }
  return static_cast<int32_t>(
      std::clamp<int64_t>(scaled + zeroPoint, qmin, qmax));
}

int32_t q8::quant::quantizeBias(float bias, float inputScale,
                                float weightScale) {
  double scale = static_cast<double>(inputScale) * weightScale;
  if (!(scale > 0) || std::isnan(bias))
    return 0;
  double q = std::nearbyint(bias / scale);
  return static_cast<int32_t>(
      std::clamp(q, static_cast<double>(std::numeric_limits<int32_t>::min()),
                 static_cast<double>(std::numeric_limits<int32_t>::max())));
}

int32_t q8::quant::zeroPointCorrection(int32_t inputZeroPoint,
                                       llvm::ArrayRef<int8_t> weightColumn) {
  int64_t sum = 0;
  for (int8_t w : weightColumn)
    sum += w;
  return static_cast<int32_t>(-static_cast<int64_t>(inputZeroPoint) * sum);
}

std::vector<float>
q8::quant::smoothQuantScales(llvm::ArrayRef<float> activationAbsmax,
                             llvm::ArrayRef<float> weightAbsmax, float alpha) {
  assert(activationAbsmax.size() == weightAbsmax.size());
  std::vector<float> scales(activationAbsmax.size(), 1.0f);
  for (size_t j = 0; j < scales.size(); ++j) {
    double x = std::fabs(activationAbsmax[j]), w = std::fabs(weightAbsmax[j]);
    if (!(x > 0) || !(w > 0) || !std::isfinite(x) || !std::isfinite(w))
      continue;
    double s = std::pow(x, alpha) / std::pow(w, 1.0 - alpha);
    scales[j] = static_cast<float>(std::clamp(s, 1e-5, 1e5));
  }
  return scales;
}
