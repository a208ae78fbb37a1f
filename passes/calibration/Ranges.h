//===- Ranges.h - Activation range selection from calibration stats -------===//
//
// Pure functions that pick the [lo, hi] range of a uint8 asymmetric,
// per-tensor activation from the statistics the runtime's collectors
// (runtime/q8_calib.h) gathered: min/max, moving-average min/max, and the
// symmetric histogram (percentile, entropy/KL, MSE).
//
// Every result is clamped to the observed finite [min, max] and then widened
// to contain 0, since a quantized range must represent 0 exactly. Without
// finite data (count 0) every method gives [0, 0].
//
// The histogram is the collectors': `bins` (even) counts over [-R, R], bin
// width w = 2R/bins, signed bin b covering [-R + b*w, -R + (b+1)*w], and
// folding bins/2 + j with bins/2 - 1 - j gives the |x| histogram, whose bin j
// covers [j*w, (j+1)*w].
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CALIBRATION_RANGES_H
#define Q8_PASSES_CALIBRATION_RANGES_H

#include <cstdint>
#include <vector>

namespace q8::calibration {

/// A real range [lo, hi] with lo <= 0 <= hi.
struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

/// A read-only view of one tensor's histogram and finite extent, as in
/// q8_calib_stats (histogram, bins, histogram_range, min, max, count).
struct HistogramView {
  const int64_t *counts = nullptr; ///< `bins` counts
  int32_t bins = 0;                ///< even
  double range = 0.0;              ///< R: the bins cover [-R, R]
  float min = 0.0f;                ///< finite minimum observed
  float max = 0.0f;                ///< finite maximum observed
  int64_t count = 0;               ///< finite values (the histogram's sum)
};

/// Clamps [lo, hi] to [min, max] and widens it to contain 0.
Range finalizeRange(double lo, double hi, float min, float max);

/// The folded |x| histogram: bins/2 counts, bin j covering [j*w, (j+1)*w].
std::vector<int64_t> foldAbs(const HistogramView &h);

/// [min, max] (widened to contain 0).
Range minMaxRange(float min, float max, int64_t count);

/// [ema_min, ema_max], clamped to [min, max], widened to contain 0.
Range movingAverageRange(double emaMin, double emaMax, float min, float max,
                         int64_t count);

/// lo = the (100-p)-th and hi = the p-th percentile of the signed
/// distribution, interpolated linearly inside the bin where the cumulative
/// count crosses p% (values spread uniformly over their bin). p in (50, 100];
/// ONNX Runtime's default is 99.999, q8's 99.99.
Range percentileRange(const HistogramView &h, double percentile = 99.99);

/// Options of the entropy (KL) calibrator.
struct EntropyOptions {
  int32_t quantizedBins = 128; ///< target levels (TensorRT: 128)
};

/// The TensorRT/ONNX Runtime KL-divergence threshold on the |x| histogram:
/// for every candidate i from quantizedBins to bins/2 fold bins, P is
/// fold[0:i] with the outliers fold[i:] added to P[i-1]; Q quantizes
/// fold[0:i] to quantizedBins levels (i / quantizedBins bins each, the last
/// level also taking the remainder) and spreads each level's count evenly
/// over the bins of its group where P is non-zero; both are smoothed (eps
/// 1e-4 moved onto zero bins) and normalized; T = i*w for the i with the
/// least KL(P||Q) (the first on ties). Returns T (0 without data).
double entropyThreshold(const HistogramView &h,
                        const EntropyOptions &options = {});

/// [max(min, -T), min(max, T)] for T = entropyThreshold (lo = 0 for
/// non-negative data), widened to contain 0.
Range entropyRange(const HistogramView &h, const EntropyOptions &options = {});

/// Expected squared error of uint8 asymmetric quantization of the histogram
/// (each bin's count at its center c) with the range [lo, hi]: a value
/// inside contributes step^2/12 (step = (hi - lo)/255), one outside its
/// clipping error (c - clamp(c, lo, hi))^2. Summed over counts, not divided.
double quantizationError(const HistogramView &h, double lo, double hi);

/// The range minimizing quantizationError over the grid: lo in
/// {-k*w : k = 0..bins/2} and hi in {k*w : k = 0..bins/2} (w = 2R/bins,
/// every bin edge on each side of 0), each clamped to [min, max], searched
/// exhaustively in O(bins^2) with prefix sums (the first minimum in
/// increasing k_lo, then k_hi, wins).
Range mseRange(const HistogramView &h);

} // namespace q8::calibration

#endif // Q8_PASSES_CALIBRATION_RANGES_H
