/* q8_math.c - f64 exp and log for compiled models, without libm.
 *
 * Compiled models call no libm: f32 transcendental math is expanded into
 * polynomials in the generated code (q8-approximate-math), and the few f64
 * functions models use (ReduceLogSumExp, Exp and Log on double tensors)
 * come from here. The algorithms are fdlibm's (Sun Microsystems, 1993:
 * e_exp.c and e_log.c): argument reduction by ln 2 and a minimax
 * polynomial, accurate to within 1 ulp. */

#include "q8_abi.h"

#include <stdint.h>
#include <string.h>

static uint64_t bitsOf(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static double fromBits(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* x * 2^k for k in [-1074 - 53, 1024 + 53]: in two steps, so that neither
 * the scale nor an intermediate overflows or loses a subnormal's bits to
 * an early rounding. */
static double scale2(double x, int k) {
  if (k > 1023) {
    x *= fromBits((uint64_t)(1023 + 1023) << 52); /* 2^1023 */
    k -= 1023;
    if (k > 1023)
      k = 1023;
  } else if (k < -1022) {
    x *= fromBits((uint64_t)(1023 - 1022 + 53) << 52); /* 2^-969 */
    k += 1022 - 53;
    if (k < -1022)
      k = -1022;
  }
  return x * fromBits((uint64_t)(1023 + k) << 52);
}

double q8_math_exp(double x) {
  static const double ln2Hi = 6.93147180369123816490e-01,
                      ln2Lo = 1.90821492927058770002e-10,
                      invLn2 = 1.44269504088896338700e+00,
                      P1 = 1.66666666666666019037e-01,
                      P2 = -2.77777777770155933842e-03,
                      P3 = 6.61375632143793436117e-05,
                      P4 = -1.65339022054652515390e-06,
                      P5 = 4.13813679705723846039e-08;
  if (x != x)
    return x;
  if (x > 7.09782712893383973096e+02)
    return fromBits(0x7ff0000000000000ull); /* overflow: +inf */
  if (x < -7.45133219101941108420e+02)
    return 0.0;
  int k = (int)(x * invLn2 + (x < 0 ? -0.5 : 0.5));
  double hi = x - k * ln2Hi, lo = k * ln2Lo, r = hi - lo;
  double t = r * r;
  double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  return scale2(y, k);
}

double q8_math_log(double x) {
  static const double ln2Hi = 6.93147180369123816490e-01,
                      ln2Lo = 1.90821492927058770002e-10,
                      Lg1 = 6.666666666666735130e-01,
                      Lg2 = 3.999999999940941908e-01,
                      Lg3 = 2.857142874366239149e-01,
                      Lg4 = 2.222219843214978396e-01,
                      Lg5 = 1.818357216161805012e-01,
                      Lg6 = 1.531383769920937332e-01,
                      Lg7 = 1.479819860511658591e-01;
  if (x != x)
    return x;
  if (x < 0)
    return fromBits(0x7ff8000000000000ull); /* NaN */
  if (x == 0)
    return fromBits(0xfff0000000000000ull); /* -inf */
  uint64_t u = bitsOf(x);
  if (u == 0x7ff0000000000000ull)
    return x;
  int k = 0;
  if (u < 0x0010000000000000ull) { /* subnormal: scale up by 2^54 */
    x *= 18014398509481984.0;
    u = bitsOf(x);
    k = -54;
  }
  k += (int)(u >> 52) - 1023;
  /* The mantissa m in [sqrt(2)/2, sqrt(2)), x = m * 2^k. */
  double m = fromBits((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    ++k;
  }
  double f = m - 1.0;
  double s = f / (2.0 + f), z = s * s, w = z * z;
  double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  double R = t2 + t1, hfsq = 0.5 * f * f;
  return k * ln2Hi - ((hfsq - (s * (hfsq + R) + k * ln2Lo)) - f);
}
