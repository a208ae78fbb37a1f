/* q8_calib.h - calibration statistics collectors (streaming, bounded memory).
 *
 * Calibration runs a model with `q8.observe` points; each point calls
 * q8_calib_observe, which folds the observed f32 tensor into the statistics
 * of the session bound to the calling thread. Per tensor a session keeps:
 *
 *  - min/max over finite values, and moving-average min/max (the EMA of each
 *    observation's own min/max);
 *  - a symmetric histogram over [-R, R] (see "Histogram" below) from which
 *    passes/calibration/Ranges.h selects percentile, entropy (KL) and MSE
 *    ranges;
 *  - per-channel absmax along `channel_axis` (the contracted dimension of
 *    the matmul/conv that consumes the tensor: SmoothQuant's statistic);
 *  - a reservoir of rows (vectors along `channel_axis`) for searches that
 *    need real activations (SmoothQuant's alpha, layer sensitivity): a
 *    bottom-k sample, the `reservoir_rows` distinct rows with the smallest
 *    keys, a key being a seeded hash of the row's contents (ties broken by
 *    content); held in (key, content) order. A row's key depends on the row
 *    alone, so the reservoir does not depend on the order (or the batching)
 *    in which the rows arrive: the same samples in any order keep the same
 *    rows, byte for byte.
 *
 * NaNs and +-Infs are counted (nan_count, inf_count) and never folded into
 * min/max, EMA, histogram or absmax. Reservoir rows are copied as observed,
 * so they may hold non-finite values.
 *
 * Memory is allocated once, in q8_calib_create: O(bins + channels +
 * reservoir_rows * row_length) per tensor; recording never allocates.
 * Results depend only on the options and the sequence of recorded data:
 * identical inputs give byte-identical statistics. Only the EMA depends
 * on the order of the observations: min/max, counts, absmax, the histogram
 * and the reservoir are functions of the set of values (and rows) seen.
 *
 * Histogram. `bins` (even) bins over [-R, R], width w = 2R/bins, built so
 * that folding it gives the |x| histogram exactly. A finite value x has the
 * magnitude bin j = ceil(a) - 1 clamped to [0, bins/2 - 1], where
 * a = |x| * s in single precision and s = (bins/2)/R is `histogram_scale`
 * (a float value); x >= 0 (+0 and -0 included) goes to bin bins/2 + j,
 * x < 0 to bin bins/2 - 1 - j. So positive bin bins/2 + j holds
 * (j*w, (j+1)*w] and the first one also 0; negative bin bins/2 - 1 - j holds
 * [-(j+1)*w, -j*w): a value on an edge goes to the bin nearer 0, and
 * x = +-R to an outermost bin. Folding:
 * |x| bin j = hist[bins/2 + j] + hist[bins/2 - 1 - j].
 * R starts as the smallest power of two >= the first non-zero
 * observation's max |x| (at least 2^-100); until then R = 0 and only zeros
 * have been binned, all in bin bins/2. When a > bins/2 (x beyond R), R
 * doubles (repeatedly, s halves) and bins merge pairwise toward the center,
 * j -> j/2 on each side. With the ceil convention this is exact: halving s
 * halves a exactly, and ceil(c/2) - 1 = floor((ceil(c) - 1)/2), so the
 * merged histogram equals the one computed directly at the new R. R ends
 * as the smallest power of two >= the largest |x| seen, whatever the order
 * of the observations, and s = (bins/2)/R exactly (a float: bins/2 is an
 * integer below 2^24), so the histogram is the same for the same values in
 * any order.
 *
 * Thread safety: a session is used by one thread at a time (record and
 * observe are not synchronized); different sessions are independent.
 * q8_calib_bind is per thread.
 */
#ifndef Q8_CALIB_H
#define Q8_CALIB_H

#include "q8_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a session collects. */
typedef struct q8_calib_options {
  int32_t histogram_bins; /**< even; default 2048; 0 = no histogram (min/max,
                               EMA, absmax and reservoir only) */
  int32_t reservoir_rows; /**< rows kept per tensor (0 = none); default 64 */
  double ema_constant;    /**< m = (1-c)*m + c*observation_min (and max);
                               in [0, 1]; default 0.01 (ONNX Runtime's) */
  uint64_t seed;          /**< seeds the reservoir's row hash; default 0 */
} q8_calib_options;

/** Fills `options` with the defaults above. */
void q8_calib_options_default(q8_calib_options *options);

/** One observed value. The session copies `name` and the dims. */
typedef struct q8_calib_tensor {
  const char *name;
  int32_t rank; /**< 0..Q8_MAX_RANK */
  /** Sizes; -1 marks a dimension whose size may change between
   *  observations (never the channel axis). */
  int64_t dims[Q8_MAX_RANK];
  /** The contracted dimension: per-channel absmax and reservoir rows run
   *  along it; -1 = none (no per-channel statistics, no reservoir). */
  int32_t channel_axis;
} q8_calib_tensor;

typedef struct q8_calib_session q8_calib_session;

/** A session for `count` tensors (ids 0..count-1, in order). `options` may
 *  be NULL (defaults). NULL on bad arguments (odd or < 2 bins, negative
 *  reservoir, EMA constant outside [0, 1], bad rank/dims/channel axis, NULL
 *  name) or when out of memory. */
q8_calib_session *q8_calib_create(const q8_calib_options *options,
                                  const q8_calib_tensor *tensors,
                                  int32_t count);

/** Frees a session (NULL is a no-op). Unbinds it from the calling thread if
 *  bound there; binding it elsewhere and destroying it is the caller's bug. */
void q8_calib_destroy(q8_calib_session *session);

/** Records one observation of tensor `id`: a strided f32 view, `sizes` and
 *  `strides` in elements (any sign, 0 allowed), rank = the tensor's rank.
 *  Q8_ERROR_INVALID_ARGUMENT for a bad id or NULL pointers (data may be NULL
 *  only when the view has no elements), Q8_ERROR_SHAPE_MISMATCH when a size
 *  differs from a static dim. A view without elements counts as an
 *  observation and changes nothing else. */
q8_status q8_calib_record(q8_calib_session *session, int32_t id,
                          const float *data, const int64_t *sizes,
                          const int64_t *strides);

/** The entry compiled code calls. `memref` is the ranked descriptor of an
 *  MLIR memref of f32,
 *    {float *allocated; float *aligned; int64_t offset;
 *     int64_t sizes[rank]; int64_t strides[rank];}
 *  (what an unranked memref points to). Records into the session bound to
 *  the calling thread; a no-op when none is bound. Failures (bad id, rank
 *  or shape) are counted in the session, see q8_calib_observe_errors. */
void q8_calib_observe(int64_t id, int64_t rank, const void *memref);

/** Binds `session` as the calling thread's current session; NULL unbinds. */
void q8_calib_bind(q8_calib_session *session);

/** The calling thread's bound session, or NULL. */
q8_calib_session *q8_calib_bound(void);

/** Number of q8_calib_observe calls into `session` that failed, and the
 *  status of the last failure (Q8_OK when none; `last` may be NULL). */
int64_t q8_calib_observe_errors(const q8_calib_session *session,
                                q8_status *last);

/** Number of tensors in `session` (0 for NULL). */
int32_t q8_calib_tensor_count(const q8_calib_session *session);

/** The id of the tensor named `name`, or -1. Linear search. */
int32_t q8_calib_find(const q8_calib_session *session, const char *name);

/** Statistics of one tensor. Pointers point into the session and stay valid
 *  until the next record/observe of that tensor or q8_calib_destroy. */
typedef struct q8_calib_stats {
  const char *name;
  int64_t observations;               /**< record calls, empty views too */
  int64_t count, nan_count, inf_count; /**< finite values folded in, NaNs,
                                            +-Infs (never folded) */
  float min, max;          /**< over finite values; 0, 0 while count == 0 */
  double ema_min, ema_max; /**< the first observation with a finite value
                                initializes; later ones blend; 0 until then */
  int32_t bins;            /**< histogram bins (even) */
  double histogram_range;  /**< R: bins cover [-R, R]; 0 until a non-zero */
  double histogram_scale;  /**< s (a float value): magnitude bin =
                                ceil(|x| * s) - 1, in single precision */
  const int64_t *histogram; /**< `bins` counts, see the header comment */
  int64_t channels;              /**< dims[channel_axis], 0 without axis */
  const float *channel_absmax;   /**< `channels` values; 0 for a channel
                                      without finite values */
  int64_t reservoir_rows;  /**< rows held: min(distinct rows, capacity) */
  int64_t row_length;      /**< = channels */
  const float *reservoir;  /**< reservoir_rows x row_length, row-major, in
                                (key, content) order */
  int64_t rows_seen;       /**< rows offered to the reservoir so far */
} q8_calib_stats;

/** Fills `out` with tensor `id`'s statistics. */
q8_status q8_calib_get(const q8_calib_session *session, int32_t id,
                       q8_calib_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* Q8_CALIB_H */
