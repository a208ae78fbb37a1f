//===- QuantMathTest.cpp - unit tests of passes/QuantMath -----------------===//
//
// Each check compares QuantMath with a direct computation written out here
// (in long double or exact integer arithmetic), and prints one line:
//   ok|FAIL <name>: <got> vs <want>
// then "N passed, N failed"; the exit code is 1 on any failure.
//
//===----------------------------------------------------------------------===//

#include "passes/QuantMath.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

using namespace q8::quant;

static int passed = 0, failed = 0;

static void check(bool ok, const std::string &name, double got, double want) {
  std::printf("%s %s: %.9g vs %.9g\n", ok ? "ok" : "FAIL", name.c_str(), got,
              want);
  (ok ? passed : failed)++;
}
static void checkEq(const std::string &name, double got, double want) {
  check(got == want, name, got, want);
}

/// Reference: round half to even, by hand.
static long double roundHalfEven(long double x) {
  long double f = std::floor(x), d = x - f;
  if (d > 0.5L)
    return f + 1;
  if (d < 0.5L)
    return f;
  return std::fmod(f, 2.0L) == 0 ? f : f + 1;
}

static void testAsymmetric() {
  // [-1, 3]: scale 4/255, zero point round(255/4) = round(63.75) = 64.
  QuantParams p = asymmetricU8(-1.0f, 3.0f);
  checkEq("asym.scale", p.scale, (float)(4.0 / 255.0));
  checkEq("asym.zero_point", p.zeroPoint, 64);
  checkEq("asym.qmin", p.qmin, 0);
  checkEq("asym.qmax", p.qmax, 255);
  // A range that excludes 0 is widened to hold it.
  QuantParams pos = asymmetricU8(2.0f, 5.0f);
  checkEq("asym.widened.zero_point", pos.zeroPoint, 0);
  checkEq("asym.widened.scale", pos.scale, (float)(5.0 / 255.0));
  QuantParams neg = asymmetricU8(-6.0f, -1.0f);
  checkEq("asym.negative.zero_point", neg.zeroPoint, 255);
  // 0 is exact: quantize(0) is the zero point, dequantizes to 0.
  checkEq("asym.zero_exact", dequantize(quantize(0.0f, p), p), 0);
  // Empty range.
  QuantParams empty = asymmetricU8(0.0f, 0.0f);
  checkEq("asym.empty.scale", empty.scale, 1);
  checkEq("asym.empty.zero_point", empty.zeroPoint, 0);
}

static void testSymmetric() {
  QuantParams p = symmetricI8(2.54f);
  checkEq("sym.scale", p.scale, 2.54f / 127);
  checkEq("sym.range", p.qmin, -127);
  checkEq("sym.zero_point", p.zeroPoint, 0);
  QuantParams seven = symmetricI8(2.52f, 63);
  checkEq("sym7.scale", seven.scale, 2.52f / 63);
  checkEq("sym7.max", quantize(100.0f, seven), 63);
  checkEq("sym7.min", quantize(-100.0f, seven), -63);
  checkEq("sym.zero.scale", symmetricI8(0.0f).scale, 1);
}

static void testRounding() {
  QuantParams unit{1.0f, 0, -128, 127};
  // Ties go to even, as ONNX QuantizeLinear: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2.
  const float ties[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f};
  for (float x : ties)
    checkEq("round.tie(" + std::to_string(x) + ")", quantize(x, unit),
            (double)roundHalfEven(x));
  // Clamping at both ends; NaN to the zero point.
  checkEq("clamp.high", quantize(1e30f, unit), 127);
  checkEq("clamp.low", quantize(-1e30f, unit), -128);
  checkEq("clamp.inf", quantize(INFINITY, unit), 127);
  checkEq("nan", quantize(NAN, unit), 0);
  // A sweep against ONNX's QuantizeLinear (the quotient in float, then
  // rounded half to even) with a zero point; against the exact quotient it
  // may differ only where float rounding moved the quotient onto or across
  // a tie (within one float ulp of one).
  QuantParams p = asymmetricU8(-0.7f, 2.3f);
  int mismatches = 0, nearTieOnly = 0;
  for (int i = -4000; i <= 4000; ++i) {
    float x = i * 0.001f;
    float quotient = x / p.scale;
    long double q = roundHalfEven((long double)quotient) + p.zeroPoint;
    q = std::fmin(std::fmax(q, 0.0L), 255.0L);
    mismatches += quantize(x, p) != (int32_t)q;
    long double exact = (long double)x / p.scale;
    long double e = roundHalfEven(exact) + p.zeroPoint;
    e = std::fmin(std::fmax(e, 0.0L), 255.0L);
    long double tie = std::floor(exact) + 0.5L;
    if ((int32_t)e != quantize(x, p) &&
        std::fabs((double)(exact - tie)) > std::ldexp(std::fabs(quotient), -23))
      ++nearTieOnly;
  }
  checkEq("sweep.exact.far.from.ties", nearTieOnly, 0);
  checkEq("sweep.mismatches", mismatches, 0);
  // Dequantize is the affine map.
  checkEq("dequantize", dequantize(200, p), p.scale * (200 - p.zeroPoint));
}

static void testMultiplier() {
  const double reals[] = {0.0003, 0.0123456, 0.25, 0.5, 0.999999999, 1.0,
                          1.5, 3.75, 1234.5};
  for (double real : reals) {
    FixedMultiplier m = fixedMultiplier(real);
    long double back = (long double)m.multiplier / 2147483648.0L *
                       std::pow(2.0L, -m.shift);
    check(std::fabs((double)(back - real)) <= real * std::ldexp(1.0, -30),
          "multiplier(" + std::to_string(real) + ")", (double)back, real);
    check(m.multiplier >= (1 << 30), "multiplier.normalized", m.multiplier,
          1 << 30);
  }
  checkEq("multiplier.zero", fixedMultiplier(0).multiplier, 0);
}

static void testRequantize() {
  // Against round-half-away(acc * real) + zp, clamped, over a grid of
  // accumulators and multipliers (the fixed-point result may differ from
  // the exact product only where the product is within 2^-31 of a tie).
  const double reals[] = {0.00071, 0.0123, 0.33, 0.5, 0.75, 1.0, 2.5};
  int mismatches = 0, total = 0;
  for (double real : reals) {
    FixedMultiplier m = fixedMultiplier(real);
    long double exactReal = (long double)m.multiplier / 2147483648.0L *
                            std::pow(2.0L, -m.shift);
    for (int64_t acc = -300000; acc <= 300000; acc += 997) {
      long double y = acc * exactReal;
      long double r = std::fabs(y - std::trunc(y)) == 0.5L
                          ? (y > 0 ? std::ceil(y) : std::floor(y))
                          : std::round(y);
      long double want = std::fmin(std::fmax(r + 3, -128.0L), 127.0L);
      int32_t got = requantize((int32_t)acc, m, 3, -128, 127);
      mismatches += got != (int32_t)want;
      ++total;
    }
  }
  check(mismatches == 0, "requantize.grid(" + std::to_string(total) + ")",
        mismatches, 0);
  // Saturation: a huge accumulator clamps.
  FixedMultiplier big = fixedMultiplier(4.0);
  checkEq("requantize.saturate",
          requantize(std::numeric_limits<int32_t>::max(), big, 0, 0, 255), 255);
  checkEq("requantize.zero_multiplier", requantize(12345, {}, 7, 0, 255), 7);
}

static void testBiasAndCorrection() {
  // b / (sx * sw), half to even: 0.15 / (0.1 * 0.5) = 3 exactly-ish.
  checkEq("bias", quantizeBias(0.15f, 0.1f, 0.5f),
          (double)roundHalfEven(0.15L / ((long double)0.1f * 0.5f)));
  checkEq("bias.negative", quantizeBias(-2.0f, 0.01f, 0.02f),
          (double)roundHalfEven(-2.0L / ((long double)0.01f * 0.02f)));
  checkEq("bias.saturate", quantizeBias(1e30f, 1e-3f, 1e-3f),
          std::numeric_limits<int32_t>::max());
  const int8_t column[] = {5, -3, 127, -128, 0};
  checkEq("zero_point_correction", zeroPointCorrection(128, column),
          -128.0 * (5 - 3 + 127 - 128 + 0));
}

static void testSmoothQuant() {
  const float x[] = {8.0f, 1.0f, 0.0f, 50.0f};
  const float w[] = {2.0f, 4.0f, 3.0f, 0.0f};
  std::vector<float> s = smoothQuantScales(x, w, 0.5f);
  checkEq("smooth.s0", s[0], (float)(std::sqrt(8.0) / std::sqrt(2.0)));
  checkEq("smooth.s1", s[1], (float)(1.0 / std::sqrt(4.0)));
  checkEq("smooth.zero_activation", s[2], 1);
  checkEq("smooth.zero_weight", s[3], 1);
  // alpha = 1: s = max|X|, which flattens every activation channel to 1.
  std::vector<float> one = smoothQuantScales(x, w, 1.0f);
  checkEq("smooth.alpha1", one[0], 8);
  // alpha = 0: s = 1 / max|W|.
  std::vector<float> zero = smoothQuantScales(x, w, 0.0f);
  checkEq("smooth.alpha0", zero[1], 0.25f);
  // The balance SmoothQuant promises at alpha 0.5: max|X_j/s_j| equals
  // max|W_j*s_j|.
  check(std::fabs(x[0] / s[0] - w[0] * s[0]) < 1e-6, "smooth.balanced",
        x[0] / s[0], w[0] * s[0]);
}

int main() {
  testAsymmetric();
  testSymmetric();
  testRounding();
  testMultiplier();
  testRequantize();
  testBiasAndCorrection();
  testSmoothQuant();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
