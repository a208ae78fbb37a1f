/* q8_calib.c - calibration statistics collectors (see q8_calib.h). */
#include "q8_calib.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define Q8_INLINE static inline __attribute__((always_inline))
#define Q8_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define Q8_INLINE static inline
#define Q8_UNLIKELY(x) (x)
#endif

typedef struct calib_tensor {
  char *name;
  int32_t rank;
  int32_t channel_axis;
  int64_t dims[Q8_MAX_RANK];

  int64_t observations, count, nan_count, inf_count;
  float min, max;
  int ema_init;
  double ema_min, ema_max;

  int64_t *hist;  /* bins counts, then a sink for non-finite values */
  double range;   /* R; 0 until the first non-zero finite value */
  double scale;   /* (bins/2)/R as a float, exact powers of two apart after
                     re-binning */

  int64_t channels;
  float *absmax;  /* channels */

  int64_t capacity; /* reservoir rows allocated (0 without channel axis) */
  int64_t held, rows_seen;
  float *reservoir; /* capacity x channels, in (key, content) order */
  uint64_t *keys;   /* capacity: each held row's hash, ascending */
  uint64_t hash_seed;
} calib_tensor;

struct q8_calib_session {
  q8_calib_options options;
  int32_t count;
  int32_t half; /* bins/2 */
  calib_tensor *tensors;
  int64_t observe_errors;
  q8_status last_error;
};

void q8_calib_options_default(q8_calib_options *options) {
  if (!options)
    return;
  options->histogram_bins = 2048;
  options->reservoir_rows = 64;
  options->ema_constant = 0.01;
  options->seed = 0;
}

/* splitmix64: a tiny, well-mixed, fully deterministic generator. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void q8_calib_destroy(q8_calib_session *session) {
  if (!session)
    return;
  if (q8_calib_bound() == session)
    q8_calib_bind(NULL);
  if (session->tensors) {
    for (int32_t i = 0; i < session->count; ++i) {
      calib_tensor *t = &session->tensors[i];
      free(t->name);
      free(t->hist);
      free(t->absmax);
      free(t->reservoir);
      free(t->keys);
    }
    free(session->tensors);
  }
  free(session);
}

static int tensor_valid(const q8_calib_tensor *t) {
  if (!t->name || t->rank < 0 || t->rank > Q8_MAX_RANK)
    return 0;
  if (t->channel_axis < -1 || t->channel_axis >= t->rank)
    return 0;
  for (int32_t d = 0; d < t->rank; ++d)
    if (t->dims[d] < -1)
      return 0;
  if (t->channel_axis >= 0 && t->dims[t->channel_axis] < 0)
    return 0;
  return 1;
}

q8_calib_session *q8_calib_create(const q8_calib_options *options,
                                  const q8_calib_tensor *tensors,
                                  int32_t count) {
  q8_calib_options opts;
  if (options)
    opts = *options;
  else
    q8_calib_options_default(&opts);
  if (count < 0 || (count > 0 && !tensors))
    return NULL;
  if (opts.histogram_bins < 0 || opts.histogram_bins % 2 != 0 ||
      opts.reservoir_rows < 0 || !(opts.ema_constant >= 0.0) ||
      !(opts.ema_constant <= 1.0))
    return NULL;
  for (int32_t i = 0; i < count; ++i)
    if (!tensor_valid(&tensors[i]))
      return NULL;

  q8_calib_session *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->options = opts;
  s->half = opts.histogram_bins / 2;
  s->last_error = Q8_OK;
  s->tensors = calloc(count > 0 ? (size_t)count : 1, sizeof(calib_tensor));
  if (!s->tensors) {
    free(s);
    return NULL;
  }
  s->count = count;
  for (int32_t i = 0; i < count; ++i) {
    const q8_calib_tensor *in = &tensors[i];
    calib_tensor *t = &s->tensors[i];
    size_t len = strlen(in->name);
    t->name = malloc(len + 1);
    t->hist = calloc((size_t)opts.histogram_bins + 1, sizeof(int64_t));
    if (!t->name || !t->hist)
      goto oom;
    memcpy(t->name, in->name, len + 1);
    t->rank = in->rank;
    t->channel_axis = in->channel_axis;
    for (int32_t d = 0; d < in->rank; ++d)
      t->dims[d] = in->dims[d];
    if (in->channel_axis >= 0) {
      t->channels = in->dims[in->channel_axis];
      t->absmax = calloc(t->channels > 0 ? (size_t)t->channels : 1,
                         sizeof(float));
      if (!t->absmax)
        goto oom;
      t->capacity = t->channels > 0 ? opts.reservoir_rows : 0;
      if (t->capacity > 0) {
        if ((uint64_t)t->channels > SIZE_MAX / sizeof(float) /
                                        (uint64_t)t->capacity)
          goto oom;
        t->reservoir =
            malloc((size_t)t->capacity * (size_t)t->channels * sizeof(float));
        t->keys = malloc((size_t)t->capacity * sizeof(uint64_t));
        if (!t->reservoir || !t->keys)
          goto oom;
      }
    }
    /* One hash per tensor: the seed mixed with the id. */
    uint64_t mix = opts.seed ^ (0xD1B54A32D192ED03ull * (uint64_t)(i + 1));
    t->hash_seed = splitmix64(&mix);
  }
  return s;
oom:
  q8_calib_destroy(s);
  return NULL;
}

int32_t q8_calib_tensor_count(const q8_calib_session *session) {
  return session ? session->count : 0;
}

int32_t q8_calib_find(const q8_calib_session *session, const char *name) {
  if (!session || !name)
    return -1;
  for (int32_t i = 0; i < session->count; ++i)
    if (strcmp(session->tensors[i].name, name) == 0)
      return i;
  return -1;
}

/* ---- histogram ---------------------------------------------------------- */

/* Merges the histogram 2^k-fold toward the center: magnitude bin j -> j>>k
 * on both sides. In place: targets never exceed sources, and sources are
 * visited in increasing order. */
static void hist_merge(int64_t *hist, int32_t half, int k) {
  int64_t *pos = hist + half;  /* pos[j]: magnitude bin j, x >= 0 */
  int64_t *neg = hist + half - 1; /* neg[-j]: magnitude bin j, x < 0 */
  for (int32_t j = 1; j < half; ++j) {
    int32_t to = k > 30 ? 0 : j >> k;
    if (to == j)
      continue;
    pos[to] += pos[j];
    pos[j] = 0;
    neg[-to] += neg[-j];
    neg[-j] = 0;
  }
}

/* `a` = |x| * scale exceeded bins/2: doubles R until it does not. */
static void hist_grow(calib_tensor *t, int32_t half, float a) {
  int k = 0;
  while (a > (float)half) {
    a *= 0.5f;
    ++k;
  }
  hist_merge(t->hist, half, k);
  /* Exact powers of two (R and the scale stay normal floats), without
   * libm's ldexp. */
  for (int i = 0; i < k; ++i) {
    t->range *= 2.0;
    t->scale *= 0.5f;
  }
}

/* Smallest starting R, so that (bins/2)/R stays a normal float. */
#define Q8_CALIB_MIN_RANGE 0x1p-100f

/* The first non-zero maximum |x|: R = the smallest power of two >= m,
 * scale = (bins/2)/R, exact (bins/2 is an integer below 2^24, R a power of
 * two). R only ever doubles after this, so it ends as the smallest power
 * of two >= every |x| observed, whatever their order: the histogram does
 * not depend on the order of the observations. With an exact scale,
 * |x| <= R gives |x| * s <= bins/2 (rounding is monotonic and R * s is a
 * float), so values up to R stay in range. */
static void hist_start(calib_tensor *t, int32_t half, float m) {
  if (m < Q8_CALIB_MIN_RANGE)
    m = Q8_CALIB_MIN_RANGE;
  double r = Q8_CALIB_MIN_RANGE;
  while (r < m)
    r *= 2.0; /* exact; at most 2^128 */
  t->range = r;
  t->scale = (float)((double)half / r);
}

/* ---- one observation ----------------------------------------------------- */

/* A view with size-1 dims dropped and contiguous neighbours merged (never
 * the channel dim), so that the inner loop is as long as possible. */
typedef struct view {
  int32_t rank;
  int32_t chan; /* index of the channel dim in the view, or -1 */
  int64_t size[Q8_MAX_RANK];
  int64_t stride[Q8_MAX_RANK];
} view;

static void view_build(view *v, int32_t rank, int32_t channel_axis,
                       const int64_t *sizes, const int64_t *strides) {
  v->rank = 0;
  v->chan = -1;
  for (int32_t d = 0; d < rank; ++d) {
    int is_chan = d == channel_axis;
    if (sizes[d] == 1 && !is_chan)
      continue;
    int32_t r = v->rank;
    if (r > 0 && !is_chan && v->chan != r - 1 &&
        v->stride[r - 1] == sizes[d] * strides[d]) {
      v->size[r - 1] *= sizes[d];
      v->stride[r - 1] = strides[d];
      continue;
    }
    if (is_chan)
      v->chan = r;
    v->size[r] = sizes[d];
    v->stride[r] = strides[d];
    v->rank = r + 1;
  }
  if (v->rank == 0) {
    v->rank = 1;
    v->size[0] = 1;
    v->stride[0] = 1;
  }
}

typedef struct acc {
  float mn, mx;
  int64_t nan, inf, finite;
} acc;

/* Elements per chunk of the hot loop: its bin indices live on the stack. */
#define Q8_CALIB_CHUNK 256

/* The hot loop: one run of n elements at stride st. `chan_vec` (channel =
 * element index) or `chan_one` (one channel for the run) or neither. Called
 * with constant st/chan arguments so that each combination specializes.
 * Per chunk: (1) extent, non-finite count and channel absmax, (2) re-bin if
 * the chunk exceeds R, (3) bin indices, (4) the increments. (1) and (3) are
 * branch-free and vectorize at stride 1; non-finite values go to the spare
 * bin `bins`, which nothing reads. */
Q8_INLINE void run(calib_tensor *t, int32_t half, const float *p, int64_t n,
                   int64_t st, float *chan_vec, float *chan_one, acc *A) {
  int64_t *hist = t->hist;
  const int32_t spare = 2 * half;
  float mn = A->mn, mx = A->mx;
  int32_t idx[Q8_CALIB_CHUNK];
  for (int64_t i0 = 0; i0 < n; i0 += Q8_CALIB_CHUNK) {
    int32_t m = n - i0 < Q8_CALIB_CHUNK ? (int32_t)(n - i0) : Q8_CALIB_CHUNK;
    const float *q = p + i0 * st;
    /* Extent in the integer domain (finite floats ordered as int32 keys,
     * magnitudes as their bits), which vectorizes without fast-math. */
    int32_t cm = 0, cmn = INT32_MAX, cmx = INT32_MIN;
    int32_t bad = 0;
    for (int32_t i = 0; i < m; ++i) {
      int32_t bits;
      memcpy(&bits, &q[i * st], sizeof bits);
      int32_t mag = bits & 0x7fffffff;
      int fin = mag < 0x7f800000;
      int32_t key = bits ^ ((bits >> 31) & 0x7fffffff);
      bad += !fin;
      int32_t fmag = fin ? mag : 0;
      int32_t lo = fin ? key : INT32_MAX, hi = fin ? key : INT32_MIN;
      cm = fmag > cm ? fmag : cm;
      cmn = lo < cmn ? lo : cmn;
      cmx = hi > cmx ? hi : cmx;
    }
    if (chan_vec) {
      /* Non-negative floats order as their bits. */
      float *cv = chan_vec + i0;
      for (int32_t i = 0; i < m; ++i) {
        int32_t bits, old;
        memcpy(&bits, &q[i * st], sizeof bits);
        memcpy(&old, &cv[i], sizeof old);
        int32_t mag = bits & 0x7fffffff;
        mag = mag < 0x7f800000 && mag > old ? mag : old;
        memcpy(&cv[i], &mag, sizeof mag);
      }
    }
    if (cmn <= cmx) { /* some finite value */
      int32_t lob = cmn ^ ((cmn >> 31) & 0x7fffffff);
      int32_t hib = cmx ^ ((cmx >> 31) & 0x7fffffff);
      float fl, fh;
      memcpy(&fl, &lob, sizeof fl);
      memcpy(&fh, &hib, sizeof fh);
      fl += 0.0f; /* -0 -> +0 */
      fh += 0.0f;
      mn = fl < mn ? fl : mn;
      mx = fh > mx ? fh : mx;
    }
    float cmf;
    memcpy(&cmf, &cm, sizeof cmf);
    if (chan_one)
      *chan_one = cmf > *chan_one ? cmf : *chan_one;
    if (Q8_UNLIKELY(bad)) {
      for (int32_t i = 0; i < m; ++i) {
        float v = q[i * st];
        if (v != v)
          A->nan++;
        else if (__builtin_fabsf(v) > FLT_MAX)
          A->inf++;
      }
      A->finite -= bad;
    }
    if (!half) { /* no histogram: min/max, EMA and absmax only */
      A->finite += m;
      continue;
    }
    float s = (float)t->scale;
    if (Q8_UNLIKELY(cmf * s > (float)half)) {
      hist_grow(t, half, cmf * s);
      s = (float)t->scale;
    }
    for (int32_t i = 0; i < m; ++i) {
      float v = q[i * st];
      float av = __builtin_fabsf(v);
      int fin = av <= FLT_MAX;
      float a = fin ? av * s : 0.0f;
      int32_t k = (int32_t)a; /* ceil(a) - 1, and 0 for a == 0 */
      k -= (float)k == a;
      k = k < 0 ? 0 : k;
      int32_t b = v < 0.0f ? half - 1 - k : half + k;
      idx[i] = fin ? b : spare;
    }
    for (int32_t i = 0; i < m; ++i)
      hist[idx[i]]++;
    A->finite += m;
  }
  A->mn = mn;
  A->mx = mx;
}

/* Max finite |x| over the view (for the histogram's first range). */
static float view_absmax(const float *data, const view *v) {
  int64_t idx[Q8_MAX_RANK] = {0};
  int32_t last = v->rank - 1;
  int64_t n = v->size[last], st = v->stride[last];
  float m = 0.0f;
  for (;;) {
    const float *p = data;
    for (int32_t d = 0; d < last; ++d)
      p += idx[d] * v->stride[d];
    for (int64_t i = 0; i < n; ++i) {
      float av = __builtin_fabsf(p[i * st]);
      if (av <= FLT_MAX && av > m)
        m = av;
    }
    int32_t d = last - 1;
    while (d >= 0 && ++idx[d] == v->size[d])
      idx[d--] = 0;
    if (d < 0)
      return m;
  }
}

static void fold_values(calib_tensor *t, int32_t half, const float *data,
                        const view *v, acc *A) {
  int64_t idx[Q8_MAX_RANK] = {0};
  int32_t last = v->rank - 1;
  int64_t n = v->size[last], st = v->stride[last];
  int inner_chan = v->chan == last;
  int outer_chan = v->chan >= 0 && v->chan < last;
  for (;;) {
    const float *p = data;
    for (int32_t d = 0; d < last; ++d)
      p += idx[d] * v->stride[d];
    if (st == 1) {
      if (inner_chan)
        run(t, half, p, n, 1, t->absmax, NULL, A);
      else if (outer_chan)
        run(t, half, p, n, 1, NULL, &t->absmax[idx[v->chan]], A);
      else
        run(t, half, p, n, 1, NULL, NULL, A);
    } else {
      if (inner_chan)
        run(t, half, p, n, st, t->absmax, NULL, A);
      else if (outer_chan)
        run(t, half, p, n, st, NULL, &t->absmax[idx[v->chan]], A);
      else
        run(t, half, p, n, st, NULL, NULL, A);
    }
    int32_t d = last - 1;
    while (d >= 0 && ++idx[d] == v->size[d])
      idx[d--] = 0;
    if (d < 0)
      return;
  }
}

/* ---- the reservoir ------------------------------------------------------ */

/* The reservoir is a bottom-k sample: every row gets a key, a hash of its
 * contents (the bits of its floats) and the tensor's seed, and the
 * reservoir holds the rows with the smallest keys, ties broken by content,
 * each distinct row once. A row's key depends on nothing but the row, so
 * the rows kept do not depend on the order in which the rows (the samples,
 * the batches) arrive, and are a uniform sample of the distinct rows. */

static inline uint32_t float_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Sixteen independent 32-bit lanes, h = (h ^ x) * m each, which
 * vectorize on SSE2 (no 64-bit lane multiply there), then splitmix's
 * finalizer over them. Every step is a bijection of its lane (m odd), so
 * rows that differ in one element never collide. */
#define Q8_KEY_LANES 16
static uint64_t row_key(uint64_t seed, const float *p, int64_t len,
                        int64_t st) {
  const uint32_t m = 0x9E3779B1u;
  uint32_t h[Q8_KEY_LANES];
  for (int l = 0; l < Q8_KEY_LANES; ++l)
    h[l] = (uint32_t)(seed >> 32) + (uint32_t)l * 0x85EBCA77u;
  int64_t i = 0;
  if (st == 1) {
    for (; i + Q8_KEY_LANES <= len; i += Q8_KEY_LANES)
      for (int l = 0; l < Q8_KEY_LANES; ++l)
        h[l] = (h[l] ^ float_bits(p[i + l])) * m;
  } else {
    for (; i + Q8_KEY_LANES <= len; i += Q8_KEY_LANES)
      for (int l = 0; l < Q8_KEY_LANES; ++l)
        h[l] = (h[l] ^ float_bits(p[(i + l) * st])) * m;
  }
  for (int l = 0; i < len; ++i, ++l)
    h[l] = (h[l] ^ float_bits(p[i * st])) * m;
  uint64_t key = mix64(seed ^ (uint64_t)len);
  for (int l = 0; l < Q8_KEY_LANES; l += 2)
    key = mix64(key ^ ((uint64_t)h[l] << 32 | h[l + 1]));
  return key;
}

/* The content order of a row `p` (stride st) against a held row `q`: the
 * float bit patterns, lexicographically. */
static int row_compare(const float *p, int64_t st, const float *q,
                       int64_t len) {
  for (int64_t c = 0; c < len; ++c) {
    uint32_t a = float_bits(p[c * st]), b = float_bits(q[c]);
    if (a != b)
      return a < b ? -1 : 1;
  }
  return 0;
}

/* Offers one row (len values at stride st) to the reservoir. */
static void offer_row(calib_tensor *t, const float *p, int64_t st) {
  int64_t len = t->channels;
  uint64_t key = row_key(t->hash_seed, p, len, st);
  t->rows_seen++;
  if (t->held == t->capacity && key > t->keys[t->held - 1])
    return; /* the common case once the reservoir is full */
  /* The first held row not before (key, row); an equal one is a copy. */
  int64_t lo = 0, hi = t->held;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int before = t->keys[mid] < key ||
                 (t->keys[mid] == key &&
                  row_compare(p, st, t->reservoir + mid * len, len) > 0);
    if (before)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == t->capacity)
    return;
  if (lo < t->held && t->keys[lo] == key &&
      row_compare(p, st, t->reservoir + lo * len, len) == 0)
    return;
  int64_t moved = (t->held < t->capacity ? t->held : t->capacity - 1) - lo;
  memmove(t->keys + lo + 1, t->keys + lo, (size_t)moved * sizeof(uint64_t));
  memmove(t->reservoir + (lo + 1) * len, t->reservoir + lo * len,
          (size_t)(moved * len) * sizeof(float));
  if (t->held < t->capacity)
    t->held++;
  t->keys[lo] = key;
  float *dst = t->reservoir + lo * len;
  if (st == 1)
    memcpy(dst, p, (size_t)len * sizeof(float));
  else
    for (int64_t c = 0; c < len; ++c)
      dst[c] = p[c * st];
}

/* Every row (vector along the channel dim) of the view. */
static void sample_rows(calib_tensor *t, const float *data, const view *v) {
  int64_t idx[Q8_MAX_RANK] = {0};
  int64_t cst = v->stride[v->chan];
  for (;;) {
    const float *p = data;
    for (int32_t d = 0; d < v->rank; ++d)
      if (d != v->chan)
        p += idx[d] * v->stride[d];
    offer_row(t, p, cst);
    int32_t d = v->rank - 1;
    for (; d >= 0; --d) {
      if (d == v->chan)
        continue;
      if (++idx[d] < v->size[d])
        break;
      idx[d] = 0;
    }
    if (d < 0)
      return;
  }
}

q8_status q8_calib_record(q8_calib_session *session, int32_t id,
                          const float *data, const int64_t *sizes,
                          const int64_t *strides) {
  if (!session || id < 0 || id >= session->count)
    return Q8_ERROR_INVALID_ARGUMENT;
  calib_tensor *t = &session->tensors[id];
  if (t->rank > 0 && (!sizes || !strides))
    return Q8_ERROR_INVALID_ARGUMENT;
  int64_t elements = 1;
  for (int32_t d = 0; d < t->rank; ++d) {
    if (sizes[d] < 0)
      return Q8_ERROR_INVALID_ARGUMENT;
    if (t->dims[d] >= 0 && sizes[d] != t->dims[d])
      return Q8_ERROR_SHAPE_MISMATCH;
    elements *= sizes[d];
  }
  if (elements > 0 && !data)
    return Q8_ERROR_INVALID_ARGUMENT;
  t->observations++;
  if (elements == 0)
    return Q8_OK;

  const int64_t one = 1;
  view v;
  view_build(&v, t->rank, t->channel_axis, t->rank ? sizes : &one,
             t->rank ? strides : &one);
  int32_t half = session->half;
  if (t->range == 0.0 && half) {
    float m = view_absmax(data, &v);
    if (m > 0.0f)
      hist_start(t, half, m);
  }
  acc A = {FLT_MAX, -FLT_MAX, 0, 0, 0};
  fold_values(t, half, data, &v, &A);
  t->nan_count += A.nan;
  t->inf_count += A.inf;
  if (A.finite > 0) {
    if (t->count == 0) {
      t->min = A.mn;
      t->max = A.mx;
    } else {
      t->min = A.mn < t->min ? A.mn : t->min;
      t->max = A.mx > t->max ? A.mx : t->max;
    }
    t->count += A.finite;
    double c = session->options.ema_constant;
    if (!t->ema_init) {
      t->ema_min = A.mn;
      t->ema_max = A.mx;
      t->ema_init = 1;
    } else {
      t->ema_min = (1.0 - c) * t->ema_min + c * (double)A.mn;
      t->ema_max = (1.0 - c) * t->ema_max + c * (double)A.mx;
    }
  }
  if (t->capacity > 0)
    sample_rows(t, data, &v);
  return Q8_OK;
}

/* ---- the compiled-code entry --------------------------------------------- */

static _Thread_local q8_calib_session *bound_session;

void q8_calib_bind(q8_calib_session *session) { bound_session = session; }

q8_calib_session *q8_calib_bound(void) { return bound_session; }

/* The ranked memref descriptor: sizes[rank] then strides[rank] follow. */
typedef struct memref_prefix {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t shape[]; /* sizes[rank], strides[rank] */
} memref_prefix;

void q8_calib_observe(int64_t id, int64_t rank, const void *memref) {
  q8_calib_session *s = bound_session;
  if (!s)
    return;
  q8_status status = Q8_ERROR_INVALID_ARGUMENT;
  if (memref && id >= 0 && id < s->count) {
    if (rank != s->tensors[id].rank) {
      status = Q8_ERROR_SHAPE_MISMATCH;
    } else {
      const memref_prefix *m = memref;
      status = q8_calib_record(s, (int32_t)id,
                               m->aligned ? m->aligned + m->offset : NULL,
                               m->shape, m->shape + rank);
    }
  }
  if (status != Q8_OK) {
    s->observe_errors++;
    s->last_error = status;
  }
}

int64_t q8_calib_observe_errors(const q8_calib_session *session,
                                q8_status *last) {
  if (last)
    *last = session ? session->last_error : Q8_OK;
  return session ? session->observe_errors : 0;
}

q8_status q8_calib_get(const q8_calib_session *session, int32_t id,
                       q8_calib_stats *out) {
  if (!session || !out || id < 0 || id >= session->count)
    return Q8_ERROR_INVALID_ARGUMENT;
  const calib_tensor *t = &session->tensors[id];
  out->name = t->name;
  out->observations = t->observations;
  out->count = t->count;
  out->nan_count = t->nan_count;
  out->inf_count = t->inf_count;
  out->min = t->count ? t->min : 0.0f;
  out->max = t->count ? t->max : 0.0f;
  out->ema_min = t->ema_init ? t->ema_min : 0.0;
  out->ema_max = t->ema_init ? t->ema_max : 0.0;
  out->bins = session->options.histogram_bins;
  out->histogram_range = t->range;
  out->histogram_scale = t->scale;
  out->histogram = t->hist;
  out->channels = t->channels;
  out->channel_absmax = t->absmax;
  out->reservoir_rows = t->held;
  out->row_length = t->channels;
  out->reservoir = t->reservoir;
  out->rows_seen = t->rows_seen;
  return Q8_OK;
}
