//===- CalibTest.cpp - Unit tests of the calibration collectors and ranges ===//
//
// Each check prints "ok|FAIL <name>: <computed> vs <expected>" and the run
// ends with "N passed, M failed" (exit 1 on any failure). Every statistic is
// compared against a direct computation on crafted data in this file.
// `q8-calib-test --bench` times q8_calib_record instead; `q8-calib-test
// --extent ...` calibrates a model with a dynamic extent (ExtentCalibTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/calibration/Ranges.h"
#include "q8_calib.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace q8::calibration;

static int passed = 0, failed = 0;

static void check(bool ok, const std::string &name, const std::string &got,
                  const std::string &want) {
  std::printf("%s %s: %s vs %s\n", ok ? "ok" : "FAIL", name.c_str(),
              got.c_str(), want.c_str());
  (ok ? passed : failed)++;
}

static std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

static void checkEq(const std::string &name, double got, double want) {
  check(got == want || (std::isnan(got) && std::isnan(want)), name, fmt(got),
        fmt(want));
}

static void checkNear(const std::string &name, double got, double want,
                      double tol) {
  check(std::fabs(got - want) <= tol, name, fmt(got),
        fmt(want) + " +-" + fmt(tol));
}

static void checkTrue(const std::string &name, bool ok,
                      const std::string &what) {
  check(ok, name, ok ? "true" : "false", what);
}

static q8_calib_tensor tensor(const char *name, std::vector<int64_t> dims,
                              int32_t axis) {
  q8_calib_tensor t{};
  t.name = name;
  t.rank = (int32_t)dims.size();
  for (size_t d = 0; d < dims.size(); ++d)
    t.dims[d] = dims[d];
  t.channel_axis = axis;
  return t;
}

static q8_calib_options options(int32_t bins, int32_t rows = 0) {
  q8_calib_options o;
  q8_calib_options_default(&o);
  o.histogram_bins = bins;
  o.reservoir_rows = rows;
  return o;
}

/// Records a dense row-major 1-D or N-D buffer.
static q8_status recordDense(q8_calib_session *s, int32_t id,
                             const std::vector<float> &data,
                             std::vector<int64_t> sizes) {
  std::vector<int64_t> strides(sizes.size(), 1);
  for (int d = (int)sizes.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * sizes[d + 1];
  return q8_calib_record(s, id, data.data(), sizes.data(), strides.data());
}

static q8_calib_stats stats(q8_calib_session *s, int32_t id) {
  q8_calib_stats st{};
  q8_calib_get(s, id, &st);
  return st;
}

/// Whether the reservoir holds `row` (bit for bit) exactly once.
static bool heldRow(const q8_calib_stats &st, const std::vector<float> &row) {
  int found = 0;
  for (int64_t r = 0; r < st.reservoir_rows; ++r)
    found += (int64_t)row.size() == st.row_length &&
             std::memcmp(st.reservoir + r * st.row_length, row.data(),
                         row.size() * sizeof(float)) == 0;
  return found == 1;
}

static HistogramView viewOf(const q8_calib_stats &st) {
  HistogramView h;
  h.counts = st.histogram;
  h.bins = st.bins;
  h.range = st.histogram_range;
  h.min = st.min;
  h.max = st.max;
  h.count = st.count;
  return h;
}

/// The histogram computed directly (the documented convention) at scale s.
static std::vector<int64_t> directHistogram(const std::vector<float> &values,
                                            int32_t bins, double s) {
  std::vector<int64_t> h(bins, 0);
  int32_t half = bins / 2;
  for (float v : values) {
    if (!std::isfinite(v))
      continue;
    float a = std::fabs(v) * (float)s; // single precision, as documented
    int32_t j = std::max(0, (int32_t)std::ceil(a) - 1);
    j = std::min(j, half - 1);
    h[v < 0 ? half - 1 - j : half + j]++;
  }
  return h;
}

static double lcg(uint64_t &state) { // deterministic data in [0, 1)
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(state >> 11) / 9007199254740992.0;
}

static void testMinMaxEma() {
  q8_calib_tensor t = tensor("x", {2, 3}, -1);
  q8_calib_options o = options(16);
  o.ema_constant = 0.25;
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  std::vector<std::vector<float>> obs = {{0.5f, -2.0f, 3.0f, 1.0f, 0.0f, 2.0f},
                                         {-1.0f, 4.0f, 0.0f, 0.5f, 1.5f, 2.5f},
                                         {-3.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f}};
  double emaMin = 0, emaMax = 0;
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < obs.size(); ++i) {
    recordDense(s, 0, obs[i], {2, 3});
    float omn = *std::min_element(obs[i].begin(), obs[i].end());
    float omx = *std::max_element(obs[i].begin(), obs[i].end());
    mn = std::min(mn, omn);
    mx = std::max(mx, omx);
    emaMin = i == 0 ? omn : 0.75 * emaMin + 0.25 * omn;
    emaMax = i == 0 ? omx : 0.75 * emaMax + 0.25 * omx;
    q8_calib_stats st = stats(s, 0);
    checkEq("ema.min[" + std::to_string(i) + "]", st.ema_min, emaMin);
    checkEq("ema.max[" + std::to_string(i) + "]", st.ema_max, emaMax);
  }
  q8_calib_stats st = stats(s, 0);
  checkEq("minmax.min", st.min, mn);
  checkEq("minmax.max", st.max, mx);
  checkEq("minmax.count", (double)st.count, 18);
  checkEq("minmax.observations", (double)st.observations, 3);
  Range r = minMaxRange(st.min, st.max, st.count);
  checkEq("range.minmax.lo", r.lo, -3.0);
  checkEq("range.minmax.hi", r.hi, 4.0);
  r = movingAverageRange(st.ema_min, st.ema_max, st.min, st.max, st.count);
  checkEq("range.ema.lo", r.lo, (float)emaMin);
  checkEq("range.ema.hi", r.hi, (float)emaMax);
  // Non-negative data: the range still contains 0.
  r = minMaxRange(0.5f, 6.0f, 10);
  checkEq("range.minmax.contains0", r.lo, 0.0);
  q8_calib_destroy(s);
}

static void testNonFinite() {
  q8_calib_tensor t = tensor("x", {8}, 0);
  q8_calib_options o = options(16);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> a = {nan, 1.0f, -inf, -2.0f, inf, 0.5f, nan, 0.25f};
  recordDense(s, 0, a, {8});
  // An observation of only non-finite values changes neither range nor EMA.
  std::vector<float> b = {nan, nan, inf, inf, -inf, nan, nan, nan};
  recordDense(s, 0, b, {8});
  q8_calib_stats st = stats(s, 0);
  checkEq("nonfinite.nan_count", (double)st.nan_count, 7);
  checkEq("nonfinite.inf_count", (double)st.inf_count, 5);
  checkEq("nonfinite.count", (double)st.count, 3 + 0 + 1);
  checkEq("nonfinite.min", st.min, -2.0);
  checkEq("nonfinite.max", st.max, 1.0);
  checkEq("nonfinite.ema_min", st.ema_min, -2.0);
  checkEq("nonfinite.range", st.histogram_range, 2.0);
  int64_t sum = 0;
  for (int32_t b2 = 0; b2 < st.bins; ++b2)
    sum += st.histogram[b2];
  checkEq("nonfinite.histogram_sum", (double)sum, (double)st.count);
  checkEq("nonfinite.absmax[0]", st.channel_absmax[0], 0.0); // only NaN
  checkEq("nonfinite.absmax[3]", st.channel_absmax[3], 2.0);
  q8_calib_destroy(s);
}

static void testChannelAbsmax() {
  // Inner axis, non-contiguous: a [4][3] view of every other column of a
  // [4][6] buffer, contracted over the 3 columns.
  std::vector<float> buf(24);
  uint64_t seed = 1;
  for (float &v : buf)
    v = (float)(lcg(seed) * 20.0 - 10.0);
  {
    q8_calib_tensor t = tensor("inner", {4, 3}, 1);
    q8_calib_options o = options(64, 8);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    int64_t sizes[2] = {4, 3}, strides[2] = {6, 2};
    q8_calib_record(s, 0, buf.data() + 1, sizes, strides);
    q8_calib_stats st = stats(s, 0);
    bool same = st.channels == 3;
    for (int c = 0; c < 3 && same; ++c) {
      float want = 0;
      for (int r = 0; r < 4; ++r)
        want = std::max(want, std::fabs(buf[1 + r * 6 + c * 2]));
      same = st.channel_absmax[c] == want;
    }
    checkTrue("absmax.inner_strided", same, "direct loop");
    // Rows along the channel dim, fewer than the capacity: every row of
    // the data, in the reservoir's (key, content) order.
    bool rows = st.reservoir_rows == 4 && st.row_length == 3;
    for (int r = 0; r < 4 && rows; ++r)
      rows = heldRow(st, {buf[1 + r * 6], buf[1 + r * 6 + 2],
                          buf[1 + r * 6 + 4]});
    checkTrue("reservoir.inner_strided_equals_data", rows, "rows of the view");
    q8_calib_destroy(s);
  }
  {
    // Outer axis, transposed: a [3][4] view (channel axis 0) of a [4][3]
    // buffer read column-wise, strides {1, 3}; plus a leading size-1 dim
    // and a trailing dim, [1][3][4][2] with strides {0, 1, 6, 3}... keep it
    // to the [3][4] transpose and a [2][3][4] NCHW-like slice below.
    q8_calib_tensor t = tensor("outer", {3, 4}, 0);
    q8_calib_options o = options(64, 8);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    int64_t sizes[2] = {3, 4}, strides[2] = {1, 3};
    q8_calib_record(s, 0, buf.data(), sizes, strides);
    q8_calib_stats st = stats(s, 0);
    bool same = st.channels == 3;
    for (int c = 0; c < 3 && same; ++c) {
      float want = 0;
      for (int r = 0; r < 4; ++r)
        want = std::max(want, std::fabs(buf[c + r * 3]));
      same = st.channel_absmax[c] == want;
    }
    checkTrue("absmax.outer_transposed", same, "direct loop");
    // One row per index of the other dim: row r = (x[0][r], x[1][r], x[2][r]).
    bool rows = st.reservoir_rows == 4 && st.row_length == 3;
    for (int r = 0; r < 4 && rows; ++r)
      rows = heldRow(st, {buf[r * 3], buf[r * 3 + 1], buf[r * 3 + 2]});
    checkTrue("reservoir.outer_equals_data", rows, "columns of the view");
    q8_calib_destroy(s);
  }
  {
    // NCHW contracted over C: [2][3][2][2] taken from a [2][3][2][4]
    // buffer (every other W), channel axis 1.
    std::vector<float> big(2 * 3 * 2 * 4);
    for (float &v : big)
      v = (float)(lcg(seed) * 8.0 - 4.0);
    q8_calib_tensor t = tensor("nchw", {2, 3, 2, 2}, 1);
    q8_calib_options o = options(64, 0);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    int64_t sizes[4] = {2, 3, 2, 2}, strides[4] = {24, 8, 4, 2};
    q8_calib_record(s, 0, big.data(), sizes, strides);
    q8_calib_stats st = stats(s, 0);
    bool same = st.channels == 3;
    for (int c = 0; c < 3 && same; ++c) {
      float want = 0;
      for (int n = 0; n < 2; ++n)
        for (int h = 0; h < 2; ++h)
          for (int w = 0; w < 2; ++w)
            want = std::max(want, std::fabs(big[n * 24 + c * 8 + h * 4 + w * 2]));
      same = st.channel_absmax[c] == want;
    }
    checkTrue("absmax.nchw_strided", same, "direct loop");
    q8_calib_destroy(s);
  }
}

static void testRebin() {
  // R starts at 1 (a power of two), then 5.5 and -100 double it to 8 and
  // 128: the merged histogram must equal the one computed at R = 128.
  for (int32_t bins : {16, 2048}) {
    q8_calib_tensor t = tensor("x", {-1}, -1);
    q8_calib_options o = options(bins);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    std::vector<float> all;
    uint64_t seed = 7;
    std::vector<std::vector<float>> obs(3);
    for (int i = 0; i < 1000; ++i)
      obs[0].push_back((float)(lcg(seed) * 2.0 - 1.0));
    obs[0].push_back(1.0f);
    obs[0].push_back(0.0f);
    obs[0].push_back(-0.0f);
    for (int i = 0; i < 1000; ++i)
      obs[1].push_back((float)(lcg(seed) * 11.0 - 5.5));
    obs[1].push_back(5.5f);
    obs[1].push_back(0.5f); // an edge at R = 8 for 16 bins
    for (int i = 0; i < 1000; ++i)
      obs[2].push_back((float)(lcg(seed) * 3.0 - 1.5));
    obs[2].push_back(-100.0f);
    obs[2].push_back(-16.0f); // an edge at R = 128 for 16 bins
    for (auto &v : obs) {
      recordDense(s, 0, v, {(int64_t)v.size()});
      all.insert(all.end(), v.begin(), v.end());
    }
    q8_calib_stats st = stats(s, 0);
    std::string tag = "rebin" + std::to_string(bins);
    checkEq(tag + ".range", st.histogram_range, 128.0);
    checkEq(tag + ".scale", st.histogram_scale, (bins / 2) / 128.0);
    std::vector<int64_t> direct =
        directHistogram(all, bins, (bins / 2) / 128.0);
    checkTrue(tag + ".equals_direct",
              std::equal(direct.begin(), direct.end(), st.histogram),
              "histogram at R=128");
    int64_t sum = 0;
    for (int32_t b = 0; b < bins; ++b)
      sum += st.histogram[b];
    checkEq(tag + ".sum", (double)sum, (double)all.size());
    q8_calib_destroy(s);
  }
  // A first maximum that is not a power of two: R is the power of two
  // above it, and the histogram is exact against the documented formula
  // at the reported scale.
  {
    q8_calib_tensor t = tensor("y", {500}, -1);
    q8_calib_options o = options(2048);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    std::vector<float> all;
    uint64_t seed = 11;
    for (int k = 0; k < 6; ++k) {
      std::vector<float> v(500);
      double span = 0.7 * std::pow(3.1, k);
      for (float &x : v)
        x = (float)((lcg(seed) * 2.0 - 1.0) * span);
      recordDense(s, 0, v, {500});
      all.insert(all.end(), v.begin(), v.end());
    }
    q8_calib_stats st = stats(s, 0);
    std::vector<int64_t> direct =
        directHistogram(all, 2048, st.histogram_scale);
    float mx = 0;
    for (float x : all)
      mx = std::max(mx, std::fabs(x));
    checkTrue("rebin.odd_start.equals_direct",
              std::equal(direct.begin(), direct.end(), st.histogram),
              "histogram at the reported scale");
    checkTrue("rebin.odd_start.covers", st.histogram_range >= mx &&
                                            st.histogram_range < 2 * mx,
              "max|x| <= R < 2 max|x|");
    int exponent;
    checkTrue("rebin.odd_start.power_of_two",
              std::frexp(st.histogram_range, &exponent) == 0.5 &&
                  st.histogram_scale * st.histogram_range == 1024,
              "R = 2^e, s = (bins/2)/R exactly");
    q8_calib_destroy(s);
  }
}

static void testReservoir() {
  // x[B=5][S=3][K=4] contracted over K: 15 rows per observation, 8 kept.
  q8_calib_tensor t = tensor("x", {5, 3, 4}, 2);
  q8_calib_options o = options(64, 8);
  o.seed = 42;
  q8_calib_session *a = q8_calib_create(&o, &t, 1);
  q8_calib_session *b = q8_calib_create(&o, &t, 1);
  o.seed = 43;
  q8_calib_session *c = q8_calib_create(&o, &t, 1);
  std::vector<std::vector<float>> rows;
  uint64_t seed = 3;
  for (int k = 0; k < 10; ++k) {
    std::vector<float> v(60);
    for (float &x : v)
      x = (float)lcg(seed);
    for (int r = 0; r < 15; ++r)
      rows.emplace_back(v.begin() + r * 4, v.begin() + r * 4 + 4);
    recordDense(a, 0, v, {5, 3, 4});
    recordDense(b, 0, v, {5, 3, 4});
    recordDense(c, 0, v, {5, 3, 4});
  }
  q8_calib_stats sa = stats(a, 0), sb = stats(b, 0), sc = stats(c, 0);
  checkEq("reservoir.rows_seen", (double)sa.rows_seen, 150);
  checkEq("reservoir.rows_held", (double)sa.reservoir_rows, 8);
  checkTrue("reservoir.deterministic",
            std::memcmp(sa.reservoir, sb.reservoir, 8 * 4 * sizeof(float)) ==
                0,
            "same seed, same rows");
  checkTrue("reservoir.seeded",
            std::memcmp(sa.reservoir, sc.reservoir, 8 * 4 * sizeof(float)) !=
                0,
            "another seed, other rows");
  bool members = true, distinct = true;
  std::vector<size_t> picked;
  for (int r = 0; r < 8; ++r) {
    size_t found = rows.size();
    for (size_t i = 0; i < rows.size(); ++i)
      if (std::equal(rows[i].begin(), rows[i].end(), sa.reservoir + r * 4))
        found = i;
    members = members && found < rows.size();
    distinct = distinct &&
               std::find(picked.begin(), picked.end(), found) == picked.end();
    picked.push_back(found);
  }
  checkTrue("reservoir.rows_are_data_rows", members && distinct,
            "8 distinct observed rows");
  // Some row from a late observation made it in: the sample is over all
  // of them, not the first ones.
  bool late = false;
  for (size_t p : picked)
    late = late || p >= 15;
  checkTrue("reservoir.replaces", late, "a row after the first observation");
  // The same rows in another order (observations reversed, rows within
  // each reversed too) or batched differently (all 150 rows in one
  // observation) keep the same reservoir, byte for byte: a row's key is a
  // hash of its contents alone.
  o.seed = 42;
  q8_calib_tensor t2 = tensor("x", {-1, 4}, 1);
  q8_calib_session *d = q8_calib_create(&o, &t2, 1);
  q8_calib_session *e = q8_calib_create(&o, &t2, 1);
  std::vector<float> reversed, all;
  for (size_t i = rows.size(); i-- > 0;)
    reversed.insert(reversed.end(), rows[i].begin(), rows[i].end());
  for (const std::vector<float> &row : rows)
    all.insert(all.end(), row.begin(), row.end());
  for (int k = 0; k < 10; ++k)
    recordDense(d, 0,
                std::vector<float>(reversed.begin() + k * 60,
                                   reversed.begin() + k * 60 + 60),
                {15, 4});
  recordDense(e, 0, all, {150, 4});
  // Copies of rows are one row: a third session sees every row twice.
  q8_calib_session *f = q8_calib_create(&o, &t2, 1);
  recordDense(f, 0, all, {150, 4});
  recordDense(f, 0, reversed, {150, 4});
  q8_calib_stats sd = stats(d, 0), se = stats(e, 0), sf = stats(f, 0);
  checkTrue("reservoir.order_independent",
            sd.reservoir_rows == 8 &&
                std::memcmp(sa.reservoir, sd.reservoir, 8 * 4 * 4) == 0,
            "rows reversed, same reservoir");
  checkTrue("reservoir.batching_independent",
            se.reservoir_rows == 8 &&
                std::memcmp(sa.reservoir, se.reservoir, 8 * 4 * 4) == 0,
            "one observation, same reservoir");
  checkTrue("reservoir.copies_once",
            sf.rows_seen == 300 && sf.reservoir_rows == 8 &&
                std::memcmp(sa.reservoir, sf.reservoir, 8 * 4 * 4) == 0,
            "every row twice, same reservoir");
  // Fewer distinct rows than the capacity: each held once.
  q8_calib_session *g = q8_calib_create(&o, &t2, 1);
  for (int k = 0; k < 3; ++k)
    recordDense(g, 0, std::vector<float>(all.begin(), all.begin() + 20),
                {5, 4});
  q8_calib_stats sg = stats(g, 0);
  bool five = sg.reservoir_rows == 5;
  for (int r = 0; r < 5 && five; ++r)
    five = heldRow(sg, rows[r]);
  checkTrue("reservoir.distinct_rows", five, "5 distinct rows of 15");
  q8_calib_destroy(d);
  q8_calib_destroy(e);
  q8_calib_destroy(f);
  q8_calib_destroy(g);
  q8_calib_destroy(a);
  q8_calib_destroy(b);
  q8_calib_destroy(c);
}

static void testPercentile() {
  // N values evenly spaced over (-1, 1): the p-th percentile is known.
  const int n = 2048 * 50;
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = (float)(-1.0 + (i + 0.5) * (2.0 / n));
  q8_calib_tensor t = tensor("u", {n}, -1);
  q8_calib_options o = options(2048);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  recordDense(s, 0, v, {n});
  q8_calib_stats st = stats(s, 0);
  HistogramView h = viewOf(st);
  double w = 2.0 * st.histogram_range / st.bins;
  for (double p : {99.99, 99.0, 90.0}) {
    // Direct: linear interpolation between order statistics.
    auto direct = [&](double q) {
      double rank = q * (n - 1);
      int lo = (int)std::floor(rank);
      double f = rank - lo;
      return v[lo] + f * (v[std::min(lo + 1, n - 1)] - v[lo]);
    };
    Range r = percentileRange(h, p);
    std::string tag = "percentile" + fmt(p);
    checkNear(tag + ".hi", r.hi, direct(p / 100), w / 4);
    checkNear(tag + ".lo", r.lo, direct(1 - p / 100), w / 4);
    checkNear(tag + ".hi_uniform", r.hi, -1 + 2 * p / 100, w / 4);
  }
  // Non-negative data: lo = 0.
  std::vector<float> pos(v.begin() + n / 2, v.end());
  q8_calib_tensor t2 = tensor("pos", {(int64_t)pos.size()}, -1);
  q8_calib_session *s2 = q8_calib_create(&o, &t2, 1);
  recordDense(s2, 0, pos, {(int64_t)pos.size()});
  Range r = percentileRange(viewOf(stats(s2, 0)), 99.99);
  checkEq("percentile.nonneg.lo", r.lo, 0.0);
  checkNear("percentile.nonneg.hi", r.hi, 0.9998, w / 4);
  q8_calib_destroy(s);
  q8_calib_destroy(s2);
}

static void testEntropy() {
  // Body: |x| <= 1 over 128 bins of the final histogram (R = 8, w = 1/128)
  // with counts alternating 100/300 (merging neighbours costs KL), both
  // signs; an isolated outlier at 8 (10 values). TensorRT's KL keeps all
  // 128 body bins at single-bin resolution and clips the outlier: T = 1.
  std::vector<float> body;
  for (int j = 0; j < 128; ++j) {
    int cnt = j % 2 ? 300 : 100;
    for (int k = 0; k < cnt; ++k) {
      float x = (float)((j + (k + 0.5) / cnt) / 128.0);
      body.push_back(x);
      body.push_back(-x);
    }
  }
  body.push_back(1.0f);
  body.push_back(-1.0f);
  q8_calib_tensor t = tensor("e", {-1}, -1);
  q8_calib_options o = options(2048);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  recordDense(s, 0, body, {(int64_t)body.size()});
  std::vector<float> outlier(10, 8.0f);
  recordDense(s, 0, outlier, {10});
  q8_calib_stats st = stats(s, 0);
  checkEq("entropy.histogram_range", st.histogram_range, 8.0);
  double thr = entropyThreshold(viewOf(st));
  checkEq("entropy.threshold", thr, 1.0);
  Range r = entropyRange(viewOf(st));
  checkEq("entropy.lo", r.lo, -1.0);
  checkEq("entropy.hi", r.hi, 1.0);
  checkTrue("entropy.clips_outlier_keeps_body", r.hi < 8.0f && r.hi >= 1.0f,
            "1 <= hi < 8");
  // Without the outlier, the same body: its whole extent.
  q8_calib_session *s2 = q8_calib_create(&o, &t, 1);
  recordDense(s2, 0, body, {(int64_t)body.size()});
  Range r2 = entropyRange(viewOf(stats(s2, 0)));
  checkEq("entropy.body_only.hi", r2.hi, 1.0);
  q8_calib_destroy(s);
  q8_calib_destroy(s2);
}

/// Raw-value MSE of uint8 asymmetric quantization with [lo, hi], over
/// (value, multiplicity) pairs.
static double rawError(const std::vector<std::pair<float, int>> &v, double lo,
                       double hi) {
  double step = (hi - lo) / 255.0, e = 0.0;
  for (auto [x, n] : v) {
    if (x < lo)
      e += n * (x - lo) * (x - lo);
    else if (x > hi)
      e += n * (x - hi) * (x - hi);
    else
      e += n * step * step / 12.0;
  }
  return e;
}

static void testMse() {
  // 256 bins, final R = 2 (w = 1/64): R starts at 0.5, the body doubles it
  // to 1, the outliers to 2. Body and outliers sit on bin centers, so the
  // histogram model is exact and the optimum over the documented grid is
  // found by brute force on the raw values (0.5, the first maximum, is an
  // edge: the histogram sees it at its bin center 0.4921875).
  for (int outliers : {1, 4000}) {
    std::vector<std::pair<float, int>> raw = {{0.4921875f, 1}};
    std::vector<float> body;
    for (int b = -64; b < 64; ++b) {
      float x = (float)((b + 0.5) / 64.0);
      raw.push_back({x, 1000});
      body.insert(body.end(), 1000, x);
    }
    const float out = 97.5f / 64.0f; // 1.5234375
    raw.push_back({out, outliers});
    std::vector<float> far(outliers, out);
    q8_calib_tensor t = tensor("m", {-1}, -1);
    q8_calib_options o = options(256);
    q8_calib_session *s = q8_calib_create(&o, &t, 1);
    recordDense(s, 0, {0.5f}, {1});
    recordDense(s, 0, body, {(int64_t)body.size()});
    recordDense(s, 0, far, {(int64_t)far.size()});
    q8_calib_stats st = stats(s, 0);
    HistogramView h = viewOf(st);
    Range r = mseRange(h);
    const double w = 2.0 / 128;
    double mn = std::min((double)st.min, 0.0),
           mx = std::max((double)st.max, 0.0);
    double best = INFINITY, bestLo = 0, bestHi = 0;
    for (int kl = 0; kl <= 128; ++kl)
      for (int kh = 0; kh <= 128; ++kh) {
        double lo = std::max(-kl * w, mn), hi = std::min(kh * w, mx);
        double e = rawError(raw, lo, hi);
        if (e < best) {
          best = e;
          bestLo = lo;
          bestHi = hi;
        }
      }
    std::string tag = "mse" + std::to_string(outliers);
    checkEq(tag + ".histogram_range", st.histogram_range, 2.0);
    double got = rawError(raw, r.lo, r.hi);
    checkNear(tag + ".error_vs_bruteforce", got, best, best * 1e-9);
    checkNear(tag + ".lo", r.lo, bestLo, 1e-6);
    checkNear(tag + ".hi", r.hi, bestHi, 1e-6);
    checkNear(tag + ".model_error", quantizationError(h, r.lo, r.hi), got,
              got * 1e-9);
    if (outliers == 1)
      checkTrue(tag + ".clips", r.hi < out && r.hi >= 1.0f,
                "1 <= hi < 1.5234375");
    else
      checkTrue(tag + ".keeps", r.hi >= out, "hi covers the mass at 1.5234375");
    q8_calib_destroy(s);
  }
}

static void testObserve() {
  q8_calib_tensor ts[2] = {tensor("a", {2, 3}, 1), tensor("b", {4}, -1)};
  q8_calib_options o = options(64, 4);
  q8_calib_session *s = q8_calib_create(&o, ts, 2);
  checkEq("observe.find", q8_calib_find(s, "b"), 1);
  // A rank-2 descriptor: {allocated, aligned, offset, sizes[2], strides[2]},
  // viewing the [2][3] block at offset 1 of a [2][4] buffer.
  float buf[8] = {9, 1, -2, 3, 9, -4, 5, 6};
  struct {
    float *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } desc = {buf, buf, 1, {2, 3}, {4, 1}};
  q8_calib_observe(0, 2, &desc); // unbound: a no-op
  checkEq("observe.unbound", (double)stats(s, 0).observations, 0);
  q8_calib_bind(s);
  checkTrue("observe.bound", q8_calib_bound() == s, "bound session");
  q8_calib_observe(0, 2, &desc);
  q8_calib_stats st = stats(s, 0);
  checkEq("observe.observations", (double)st.observations, 1);
  checkEq("observe.min", st.min, -4.0);
  checkEq("observe.max", st.max, 6.0);
  checkEq("observe.absmax[1]", st.channel_absmax[1], 5.0);
  checkEq("observe.rows", (double)st.reservoir_rows, 2);
  checkTrue("observe.row1", heldRow(st, {-4, 5, 6}), "(-4, 5, 6) held");
  q8_calib_observe(0, 1, &desc); // wrong rank
  q8_calib_observe(7, 2, &desc); // bad id
  q8_status last;
  checkEq("observe.errors", (double)q8_calib_observe_errors(s, &last), 2);
  checkEq("observe.last_error", last, Q8_ERROR_INVALID_ARGUMENT);
  q8_calib_bind(nullptr);
  q8_calib_observe(0, 2, &desc);
  checkEq("observe.unbound_again", (double)stats(s, 0).observations, 1);
  // Shape mismatch through record.
  int64_t sizes[2] = {3, 3}, strides[2] = {3, 1};
  checkEq("record.shape_mismatch", q8_calib_record(s, 0, buf, sizes, strides),
          Q8_ERROR_SHAPE_MISMATCH);
  q8_calib_destroy(s);
}

/// histogram_bins = 0: min/max, counts and absmax as with a histogram, and
/// no histogram at all (the cheap mode for min/max calibration).
static void testNoHistogram() {
  q8_calib_tensor t = tensor("x", {2, 3}, 1);
  q8_calib_options o = options(0);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  checkTrue("nohist.create", s != nullptr, "session");
  if (!s)
    return;
  std::vector<float> data = {-2, 1, NAN, 4, -8, 0.5f};
  recordDense(s, 0, data, {2, 3});
  q8_calib_stats st = stats(s, 0);
  checkEq("nohist.min", st.min, -8);
  checkEq("nohist.max", st.max, 4);
  checkEq("nohist.count", (double)st.count, 5);
  checkEq("nohist.nan", (double)st.nan_count, 1);
  checkEq("nohist.bins", st.bins, 0);
  checkEq("nohist.range", st.histogram_range, 0);
  checkEq("nohist.absmax0", st.channel_absmax[0], 4);
  checkEq("nohist.absmax1", st.channel_absmax[1], 8);
  checkEq("nohist.absmax2", st.channel_absmax[2], 0.5);
  q8_calib_destroy(s);
}

static void testBadArgs() {
  q8_calib_tensor t = tensor("x", {4}, 0);
  q8_calib_options o = options(15);
  checkTrue("create.odd_bins", q8_calib_create(&o, &t, 1) == nullptr, "NULL");
  o = options(16);
  o.ema_constant = 1.5;
  checkTrue("create.bad_ema", q8_calib_create(&o, &t, 1) == nullptr, "NULL");
  q8_calib_tensor bad = tensor("x", {4}, 1);
  o = options(16);
  checkTrue("create.bad_axis", q8_calib_create(&o, &bad, 1) == nullptr,
            "NULL");
  q8_calib_tensor dyn = tensor("x", {-1}, 0);
  checkTrue("create.dynamic_channel", q8_calib_create(&o, &dyn, 1) == nullptr,
            "NULL");
  q8_calib_session *s = q8_calib_create(nullptr, &t, 1);
  checkTrue("create.defaults", s != nullptr, "session");
  q8_calib_stats st = stats(s, 0);
  checkEq("defaults.bins", st.bins, 2048);
  Range r = percentileRange(viewOf(st));
  checkEq("empty.percentile.hi", r.hi, 0.0);
  q8_calib_destroy(s);
}

static void testDeterminism() {
  // Two sessions fed the same observations give byte-identical statistics.
  q8_calib_tensor t = tensor("x", {16, 32}, 1);
  q8_calib_options o = options(2048, 16);
  o.seed = 5;
  q8_calib_session *a = q8_calib_create(&o, &t, 1);
  q8_calib_session *b = q8_calib_create(&o, &t, 1);
  uint64_t seed = 9;
  for (int k = 0; k < 20; ++k) {
    std::vector<float> v(512);
    for (float &x : v)
      x = (float)((lcg(seed) - 0.5) * (k + 1));
    recordDense(a, 0, v, {16, 32});
    recordDense(b, 0, v, {16, 32});
  }
  q8_calib_stats sa = stats(a, 0), sb = stats(b, 0);
  bool same = std::memcmp(sa.histogram, sb.histogram, 2048 * 8) == 0 &&
              std::memcmp(sa.channel_absmax, sb.channel_absmax, 32 * 4) == 0 &&
              std::memcmp(sa.reservoir, sb.reservoir, 16 * 32 * 4) == 0 &&
              std::memcmp(&sa.ema_min, &sb.ema_min, 8) == 0 &&
              sa.min == sb.min && sa.max == sb.max;
  checkTrue("determinism.identical", same, "byte-identical stats");
  q8_calib_destroy(a);
  q8_calib_destroy(b);
  // The same observations in the reverse order: the histogram (its R
  // included), min/max, absmax and reservoir agree byte for byte; only the
  // EMA may not. 2000 bins: bins/2 not a power of two.
  o = options(2000, 16);
  std::vector<std::vector<float>> obs;
  for (int k = 0; k < 20; ++k) {
    std::vector<float> v(512);
    for (float &x : v)
      x = (float)((lcg(seed) - 0.5) * (k % 7 + 1) * 3.3);
    obs.push_back(v);
  }
  a = q8_calib_create(&o, &t, 1);
  b = q8_calib_create(&o, &t, 1);
  for (int k = 0; k < 20; ++k) {
    recordDense(a, 0, obs[k], {16, 32});
    recordDense(b, 0, obs[19 - k], {16, 32});
  }
  sa = stats(a, 0);
  sb = stats(b, 0);
  std::vector<float> all;
  for (const std::vector<float> &v : obs)
    all.insert(all.end(), v.begin(), v.end());
  std::vector<int64_t> direct = directHistogram(all, 2000, sa.histogram_scale);
  same = sa.histogram_range == sb.histogram_range &&
         sa.histogram_scale == sb.histogram_scale &&
         std::memcmp(sa.histogram, sb.histogram, 2000 * 8) == 0 &&
         std::memcmp(sa.channel_absmax, sb.channel_absmax, 32 * 4) == 0 &&
         std::memcmp(sa.reservoir, sb.reservoir, 16 * 32 * 4) == 0 &&
         sa.min == sb.min && sa.max == sb.max &&
         std::equal(direct.begin(), direct.end(), sa.histogram);
  checkTrue("determinism.order_independent", same,
            "reversed observations, same statistics");
  q8_calib_destroy(a);
  q8_calib_destroy(b);
}

static void testZerosFirst() {
  // R waits for a non-zero value; zeros (and -0) go to bin bins/2 meanwhile
  // and stay there once R is set. A rank-0 tensor is one element.
  q8_calib_tensor t = tensor("z", {4}, -1);
  q8_calib_options o = options(16);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  recordDense(s, 0, {0.0f, -0.0f, 0.0f, 0.0f}, {4});
  q8_calib_stats st = stats(s, 0);
  checkEq("zeros.range_waits", st.histogram_range, 0.0);
  checkEq("zeros.center_bin", (double)st.histogram[8], 4);
  checkEq("zeros.min_is_positive_zero", std::signbit(st.min), 0);
  recordDense(s, 0, {0.0f, 2.0f, -1.0f, 0.5f}, {4});
  st = stats(s, 0);
  checkEq("zeros.range", st.histogram_range, 2.0);
  // w = 0.25: 2 -> bin 15, -1 -> magnitude bin 3 -> bin 4, 0.5 -> bin 9.
  bool bins = st.histogram[8] == 5 && st.histogram[15] == 1 &&
              st.histogram[4] == 1 && st.histogram[9] == 1;
  checkTrue("zeros.bins", bins, "8:5 15:1 4:1 9:1");
  q8_calib_tensor scalar = tensor("s", {}, -1);
  q8_calib_session *s0 = q8_calib_create(&o, &scalar, 1);
  float one = -3.5f;
  q8_calib_record(s0, 0, &one, nullptr, nullptr);
  checkEq("scalar.min", stats(s0, 0).min, -3.5);
  q8_calib_destroy(s);
  q8_calib_destroy(s0);
}

static int bench() {
  const int64_t rows = 128, cols = 768, n = rows * cols;
  std::vector<float> v(n);
  uint64_t seed = 1;
  for (float &x : v)
    x = (float)((lcg(seed) - 0.5) * 6.0);
  q8_calib_tensor t = tensor("x", {rows, cols}, 1);
  q8_calib_options o = options(2048, 64);
  q8_calib_session *s = q8_calib_create(&o, &t, 1);
  // The fastest of many calls: robust against a loaded machine.
  const int iters = 300;
  auto time = [&](auto &&body) {
    double best = INFINITY;
    for (int i = 0; i < iters; ++i) {
      auto start = std::chrono::steady_clock::now();
      body();
      std::chrono::duration<double> d =
          std::chrono::steady_clock::now() - start;
      best = std::min(best, d.count());
    }
    return best;
  };
  recordDense(s, 0, v, {rows, cols});
  double rec = time([&] { recordDense(s, 0, v, {rows, cols}); });
  std::vector<float> dst(n);
  double copy = time([&] {
    std::memcpy(dst.data(), v.data(), n * sizeof(float));
    asm volatile("" ::"r"(dst.data()) : "memory");
  });
  volatile float sink = 0;
  double sum = time([&] {
    float acc = 0;
    for (int64_t i = 0; i < n; ++i)
      acc += v[i];
    sink = acc;
  });
  (void)sink;
  double bytes = n * 4.0;
  std::printf("record 128x768 (hist 2048, absmax, reservoir 64): %.3f us, "
              "%.2f ns/elem, %.2f GB/s\n",
              rec * 1e6, rec / n * 1e9, bytes / rec / 1e9);
  std::printf("memcpy: %.3f us (%.2f GB/s); sum loop: %.3f us (%.2f ns/elem)\n",
              copy * 1e6, bytes / copy / 1e9, sum * 1e6, sum / n * 1e9);
  q8_calib_destroy(s);
  return 0;
}

int extentMain(int argc, char **argv);

int main(int argc, char **argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0)
    return bench();
  if (argc > 1 && std::strcmp(argv[1], "--extent") == 0)
    return extentMain(argc, argv);
  testMinMaxEma();
  testNonFinite();
  testChannelAbsmax();
  testRebin();
  testZerosFirst();
  testReservoir();
  testPercentile();
  testEntropy();
  testMse();
  testObserve();
  testNoHistogram();
  testBadArgs();
  testDeterminism();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
