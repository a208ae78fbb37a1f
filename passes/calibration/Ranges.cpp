//===- Ranges.cpp - Activation range selection from calibration stats -----===//

#include "passes/calibration/Ranges.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace q8::calibration {

Range finalizeRange(double lo, double hi, float min, float max) {
  lo = std::clamp(lo, (double)min, (double)max);
  hi = std::clamp(hi, (double)min, (double)max);
  Range r;
  r.lo = std::min((float)lo, 0.0f);
  r.hi = std::max((float)hi, 0.0f);
  return r;
}

std::vector<int64_t> foldAbs(const HistogramView &h) {
  int32_t half = h.bins / 2;
  std::vector<int64_t> fold(half, 0);
  if (!h.counts)
    return fold;
  for (int32_t j = 0; j < half; ++j)
    fold[j] = h.counts[half + j] + h.counts[half - 1 - j];
  return fold;
}

Range minMaxRange(float min, float max, int64_t count) {
  if (count <= 0)
    return {};
  return finalizeRange(min, max, min, max);
}

Range movingAverageRange(double emaMin, double emaMax, float min, float max,
                         int64_t count) {
  if (count <= 0)
    return {};
  return finalizeRange(emaMin, emaMax, min, max);
}

static bool hasData(const HistogramView &h) {
  return h.counts && h.bins >= 2 && h.count > 0;
}

/// The q-quantile (q in [0, 1]) of the signed histogram, values spread
/// uniformly over their bin.
static double quantile(const HistogramView &h, int64_t total, double q) {
  double w = 2.0 * h.range / h.bins;
  double target = q * (double)total;
  double cum = 0.0;
  int32_t last = -1;
  for (int32_t b = 0; b < h.bins; ++b) {
    int64_t c = h.counts[b];
    if (c == 0)
      continue;
    last = b;
    if (cum + (double)c >= target) {
      double frac = std::clamp((target - cum) / (double)c, 0.0, 1.0);
      return -h.range + ((double)b + frac) * w;
    }
    cum += (double)c;
  }
  return last < 0 ? 0.0 : -h.range + (last + 1) * w;
}

Range percentileRange(const HistogramView &h, double percentile) {
  if (!hasData(h))
    return {};
  if (h.range == 0.0) // every finite value was 0
    return finalizeRange(0, 0, h.min, h.max);
  int64_t total = 0;
  for (int32_t b = 0; b < h.bins; ++b)
    total += h.counts[b];
  double p = std::clamp(percentile, 50.0, 100.0) / 100.0;
  double lo = quantile(h, total, 1.0 - p);
  double hi = quantile(h, total, p);
  return finalizeRange(lo, hi, h.min, h.max);
}

/// MXNet/ONNX Runtime's smooth_distribution: moves eps onto every zero bin,
/// taking it evenly from the non-zero ones. False when all are zero.
static bool smooth(std::vector<double> &d) {
  const double eps = 1e-4;
  size_t zeros = 0;
  for (double v : d)
    zeros += v == 0.0;
  size_t nonzeros = d.size() - zeros;
  if (nonzeros == 0)
    return false;
  double eps1 = eps * (double)zeros / (double)nonzeros;
  for (double &v : d)
    v = v == 0.0 ? eps : std::max(v - eps1, 1e-7);
  return true;
}

static double klDivergence(const std::vector<double> &p,
                           const std::vector<double> &q) {
  double ps = 0.0, qs = 0.0;
  for (size_t j = 0; j < p.size(); ++j) {
    ps += p[j];
    qs += q[j];
  }
  double kl = 0.0;
  for (size_t j = 0; j < p.size(); ++j) {
    double pn = p[j] / ps, qn = q[j] / qs;
    kl += pn * std::log(pn / qn);
  }
  return kl;
}

double entropyThreshold(const HistogramView &h,
                        const EntropyOptions &options) {
  if (!hasData(h) || h.range == 0.0)
    return 0.0;
  std::vector<int64_t> fold = foldAbs(h);
  const int32_t half = h.bins / 2;
  const int32_t levels = std::max<int32_t>(1, options.quantizedBins);
  const double w = h.range / half;
  if (half <= levels) // nothing to choose: the whole range
    return h.range;

  // suffix[i] = sum of fold[i:], the outliers of candidate i.
  std::vector<int64_t> suffix(half + 1, 0);
  for (int32_t j = half - 1; j >= 0; --j)
    suffix[j] = suffix[j + 1] + fold[j];

  std::vector<double> p, q;
  double best = std::numeric_limits<double>::infinity();
  int32_t bestI = half;
  for (int32_t i = levels; i <= half; ++i) {
    p.assign(fold.begin(), fold.begin() + i);
    p[i - 1] += (double)suffix[i];
    q.assign(i, 0.0);
    int32_t merged = i / levels;
    for (int32_t g = 0; g < levels; ++g) {
      int32_t start = g * merged;
      int32_t stop = g == levels - 1 ? i : start + merged;
      double level = 0.0;
      int32_t nonzero = 0;
      for (int32_t j = start; j < stop; ++j) {
        level += (double)fold[j];
        nonzero += p[j] != 0.0;
      }
      if (nonzero == 0)
        continue;
      double each = level / nonzero;
      for (int32_t j = start; j < stop; ++j)
        q[j] = p[j] != 0.0 ? each : 0.0;
    }
    if (!smooth(p) || !smooth(q))
      continue;
    double kl = klDivergence(p, q);
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return bestI * w;
}

Range entropyRange(const HistogramView &h, const EntropyOptions &options) {
  if (!hasData(h))
    return {};
  double t = entropyThreshold(h, options);
  return finalizeRange(std::max((double)h.min, -t), std::min((double)h.max, t),
                       h.min, h.max);
}

namespace {
/// Prefix sums of count, count*center and count*center^2 over signed bins.
struct Moments {
  std::vector<double> s0, s1, s2;
  explicit Moments(const HistogramView &h) : s0(h.bins + 1), s1(h.bins + 1),
                                             s2(h.bins + 1) {
    double w = 2.0 * h.range / h.bins;
    for (int32_t b = 0; b < h.bins; ++b) {
      double c = -h.range + (b + 0.5) * w, n = (double)h.counts[b];
      s0[b + 1] = s0[b] + n;
      s1[b + 1] = s1[b] + n * c;
      s2[b + 1] = s2[b] + n * c * c;
    }
  }
  /// Sum over bins [from, to) of count * (center - x)^2.
  double squared(int32_t from, int32_t to, double x) const {
    if (to <= from)
      return 0.0;
    double n = s0[to] - s0[from], s = s1[to] - s1[from],
           ss = s2[to] - s2[from];
    return std::max(0.0, ss - 2.0 * x * s + x * x * n);
  }
};

/// Number of bins whose center is below x (centers increase with b).
int32_t binsBelow(const HistogramView &h, double x) {
  double w = 2.0 * h.range / h.bins;
  int32_t b = (int32_t)std::clamp(std::floor((x + h.range) / w - 0.5) + 1.0,
                                  0.0, (double)h.bins);
  // Fix up the floating-point estimate.
  while (b > 0 && -h.range + (b - 1 + 0.5) * w >= x)
    --b;
  while (b < h.bins && -h.range + (b + 0.5) * w < x)
    ++b;
  return b;
}

/// Error of [lo, hi] given the bins below lo ([0, below)) and above hi
/// ([above, bins)).
double rangeError(const Moments &m, int32_t bins, int32_t below, int32_t above,
                  double lo, double hi) {
  double inside = m.s0[above] - m.s0[below];
  double step = (hi - lo) / 255.0;
  return inside * step * step / 12.0 + m.squared(0, below, lo) +
         m.squared(above, bins, hi);
}
} // namespace

double quantizationError(const HistogramView &h, double lo, double hi) {
  if (!hasData(h) || h.range == 0.0)
    return 0.0;
  Moments m(h);
  int32_t below = binsBelow(h, lo);
  int32_t above = std::max(below, binsBelow(h, std::nextafter(hi, INFINITY)));
  return rangeError(m, h.bins, below, above, lo, hi);
}

Range mseRange(const HistogramView &h) {
  if (!hasData(h))
    return {};
  if (h.range == 0.0)
    return finalizeRange(0, 0, h.min, h.max);
  const int32_t half = h.bins / 2;
  const double w = h.range / half;
  Moments m(h);
  // Bins whose center is below min / above max: a clamped candidate's
  // boundary is the larger (smaller) of its edge's and these.
  double mn = std::min((double)h.min, 0.0), mx = std::max((double)h.max, 0.0);
  int32_t belowMin = binsBelow(h, mn);
  int32_t aboveMax = binsBelow(h, std::nextafter(mx, INFINITY));
  double best = std::numeric_limits<double>::infinity();
  double bestLo = mn, bestHi = mx;
  for (int32_t kl = 0; kl <= half; ++kl) {
    double lo = std::max(-kl * w, mn);
    int32_t below = std::max(half - kl, belowMin);
    for (int32_t kh = 0; kh <= half; ++kh) {
      double hi = std::min(kh * w, mx);
      int32_t above = std::max(below, std::min(half + kh, aboveMax));
      double e = rangeError(m, h.bins, below, above, lo, hi);
      if (e < best) {
        best = e;
        bestLo = lo;
        bestHi = hi;
      }
    }
  }
  return finalizeRange(bestLo, bestHi, h.min, h.max);
}

} // namespace q8::calibration
