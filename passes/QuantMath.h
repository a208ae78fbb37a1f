//===- QuantMath.h - the one source of truth for quantization arithmetic -*- C++ -*-===//
//
// Every number the int8 path computes at compile time comes from here:
// scales and zero points from calibrated ranges, rounding and clamping of
// quantized values, the fixed-point multipliers that requantize int32
// accumulators, and SmoothQuant's per-channel scales. The passes use these
// functions and the generated code implements exactly `requantize` below,
// so the tests can check one against the other.
//
// Conventions (DESIGN.md): activations uint8 asymmetric per tensor,
// weights int8 symmetric per output channel (qmax 127, or 63 for the 7-bit
// weights that keep AVX2's vpmaddubsw from saturating), rounding half to
// even as ONNX's QuantizeLinear does.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_QUANTMATH_H
#define Q8_PASSES_QUANTMATH_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace q8::quant {

/// x = scale * (q - zeroPoint), q in [qmin, qmax].
struct QuantParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  int32_t qmin = 0;
  int32_t qmax = 255;
};

/// The largest |q| of an int8 weight of `weightBits` (8 or 7) bits: 127, or
/// 63 for the 7-bit weights that keep AVX2's vpmaddubsw pair sums
/// (255 * 63 * 2 < 32767) from saturating.
int32_t weightQmax(int weightBits);

/// The least storage value of such a weight's !quant.uniform type: -128
/// (the full i8 range), or -63 (symmetric) for 7-bit weights.
int32_t weightStorageMin(int weightBits);

/// uint8 asymmetric parameters for the range [lo, hi], widened to hold 0
/// so that 0 is exactly representable: scale = (hi - lo) / 255, zero point
/// round(-lo / scale) clamped to [0, 255]. An empty range (lo == hi == 0)
/// gets scale 1, zero point 0.
QuantParams asymmetricU8(float lo, float hi);

/// int8 symmetric parameters for |x| <= absmax: scale = absmax / qmax,
/// zero point 0, values in [-qmax, qmax] (qmax = 127, or 63 for 7-bit
/// weights). absmax == 0 gets scale 1.
QuantParams symmetricI8(float absmax, int32_t qmax = 127);

/// round-half-to-even(x / scale) + zeroPoint, clamped to [qmin, qmax], in
/// float as ONNX's QuantizeLinear is (the quotient rounded to float first).
/// NaN quantizes to the zero point.
int32_t quantize(float x, const QuantParams &p);

/// scale * (q - zeroPoint).
float dequantize(int32_t q, const QuantParams &p);

/// A positive real multiplier as m * 2^-shift with m a Q31 fixed-point
/// value in [2^30, 2^31) (gemmlowp/TFLite's representation): what turns an
/// int32 accumulator at scale sx*sw into an output at scale sy.
struct FixedMultiplier {
  int32_t multiplier = 0; ///< Q31, 0 only for a zero real multiplier
  int32_t shift = 0;      ///< right shift after the Q31 product; may be < 0
};

/// Represents `real` (>= 0, < 2^31) as a FixedMultiplier, rounding the
/// mantissa to nearest.
FixedMultiplier fixedMultiplier(double real);

/// The requantization the generated code performs:
///   round(acc * m / 2^31) (rounding doubling high multiply), then a
///   rounding (half away from zero) arithmetic shift right by `shift`,
///   plus zeroPoint, clamped to [qmin, qmax].
int32_t requantize(int32_t acc, const FixedMultiplier &m, int32_t zeroPoint,
                   int32_t qmin, int32_t qmax);

/// The bias of an int8 matmul/conv output channel, in int32 at scale
/// sx * sw: round-half-to-even(b / (sx * sw)), saturated to int32.
int32_t quantizeBias(float bias, float inputScale, float weightScale);

/// The zero-point correction folded into the bias: an activation zero
/// point zx contributes -zx * sum_k Wq[k] to every output of the channel.
int32_t zeroPointCorrection(int32_t inputZeroPoint,
                            llvm::ArrayRef<int8_t> weightColumn);

/// SmoothQuant's per-input-channel scales
///   s_j = max|X_j|^alpha / max|W_j|^(1 - alpha),
/// with s_j = 1 where either absmax is 0 (nothing to balance), and s_j
/// kept in [1e-5, 1e5] so that neither side underflows.
std::vector<float> smoothQuantScales(llvm::ArrayRef<float> activationAbsmax,
                                     llvm::ArrayRef<float> weightAbsmax,
                                     float alpha);

} // namespace q8::quant

#endif // Q8_PASSES_QUANTMATH_H
