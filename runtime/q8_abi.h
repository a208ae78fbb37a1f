/* q8_abi.h - the ABI between q8-compiled models and the code that runs them.
 *
 * The compiler's header emitter writes descriptors of these types, and the
 * runtime reads them, so both include this one file. Any change to a struct
 * below changes Q8_ABI_VERSION; the static_asserts pin the layouts so that a
 * change cannot slip in unnoticed.
 *
 * A compiled model's entry point is
 *   void <model>_run(const float *in0, ..., float *out0, ..., void *workspace,
 *                    q8_pool *pool);
 * with each tensor's pointer typed by its dtype (see q8_dtype), or, for a
 * model compiled with external weights (q8c --external-weights),
 *   void <model>_run(..., void *workspace, const void *weights,
 *                    q8_pool *pool);
 * where `weights` holds the contents of the model's .weights file and
 * `pool` the threads to run on (q8_pool.h; NULL: the calling thread only).
 * Inputs and weights are read-only, outputs and the workspace are
 * caller-owned, dense, row-major, and the workspace and the weights are
 * aligned to Q8_WORKSPACE_ALIGNMENT / Q8_WEIGHTS_ALIGNMENT bytes. The entry
 * point touches no global state: concurrent calls are safe as long as each
 * call has its own outputs, workspace and pool (the weights may be
 * shared).
 *
 * Every model also exports a packed entry point with one signature for all
 * models,
 *   void <model>_run_packed(void *const *args);
 * where args[0 .. num_inputs) are the inputs, the next num_outputs entries
 * the outputs, then the workspace (then the weights, with
 * Q8_MODEL_EXTERNAL_WEIGHTS), then the pool: the typed entry point's
 * arguments, in order,
 * as an array. It calls the typed entry point and nothing else, so a
 * generic driver (q8-run, a test harness, a binding) calls any model
 * through its descriptor without knowing its arity.
 *
 * A model with dynamic dims (Q8_MODEL_DYNAMIC: q8c kept a batch dim of its
 * inputs open, `--input-shape x=?,3,224,224` or a dim the model declares
 * dynamic) takes their values first and returns a status:
 *   q8_status <model>_run(const int64_t *dims, const float *in0, ...,
 *                         float *out0, ..., void *workspace, q8_pool *pool);
 * where dims[i] is the value of the descriptor's dims[i] (q8_dim_desc) for
 * this call. Every tensor dim that names one (a negative entry of
 * q8_tensor_desc.dims, see Q8_DIM_SYMBOL) has that extent in this call,
 * inputs and outputs alike, so the caller knows each output's shape before
 * the call (q8_tensor_resolve_dims). A value outside its [min, max] returns
 * Q8_ERROR_SHAPE_MISMATCH before anything is read or written; the
 * workspace's size does not depend on the dims. Its packed entry point
 * takes `dims` as args[0], before the inputs.
 *
 * A dynamic model is one of two kinds, alike to its callers (same
 * descriptor, same entry points) and told apart only by its object's
 * insides: a batch model's code is compiled for one item and the entry
 * point runs it once per item (q8_run_batched, q8_runtime.h); an extent
 * model's code takes the dims itself and handles them as run-time extents
 * (a sequence length, say), its workspace planned for the dims' upper
 * bounds, and the entry point checks the call and runs it once
 * (q8_run_extents).
 *
 * The object also exports the model's descriptor as the data symbol
 * `const q8_model_desc <model>_q8_desc`, which is how a driver finds it in
 * a shared object (dlsym); the header's `<model>_descriptor()` returns an
 * identical one.
 */
#ifndef Q8_ABI_H
#define Q8_ABI_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped on every incompatible change to the structs or the entry point.
 *  2: q8_model_desc gained `flags` (was `reserved`) and `weights_size`.
 *  3: q8_model_desc gained `run_packed`.
 *  4: the entry point takes a trailing `q8_pool *pool`.
 *  5: q8_model_desc gained `target` and `cpu_features` (the ISA its code
 *     needs, which drivers check before a call; q8_dispatch.h).
 *  6: dynamic dims: q8_model_desc gained `num_dims` and `dims`, a tensor
 *     dim below zero names one, Q8_MODEL_DYNAMIC entry points take `dims`
 *     first and return a q8_status, and run_packed returns a q8_status. */
#define Q8_ABI_VERSION 6

/** Alignment, in bytes, that a model's workspace must have. */
#define Q8_WORKSPACE_ALIGNMENT 64

/** Alignment, in bytes, of external weights in memory, and of every tensor's
 *  offset inside a .weights file. */
#define Q8_WEIGHTS_ALIGNMENT 64

/** q8_model_desc.flags: the entry point takes a trailing `const void
 *  *weights` argument (the model's .weights file, weights_size bytes). */
#define Q8_MODEL_EXTERNAL_WEIGHTS 1u
/** q8_model_desc.flags: the model has dynamic dims (num_dims of them); the
 *  entry point takes their values first and returns a q8_status. */
#define Q8_MODEL_DYNAMIC 2u

/** Largest tensor rank a descriptor can describe. */
#define Q8_MAX_RANK 8

/** Status codes returned by the runtime (and, later, by entry points). */
typedef enum q8_status {
  Q8_OK = 0,
  Q8_ERROR_INVALID_ARGUMENT = 1, /**< a null pointer or out-of-range index */
  Q8_ERROR_ABI_MISMATCH = 2,     /**< descriptor from another ABI version */
  Q8_ERROR_SHAPE_MISMATCH = 3,   /**< a tensor's rank or dims differ */
  Q8_ERROR_DTYPE_MISMATCH = 4,   /**< a tensor's element type differs */
  Q8_ERROR_COUNT_MISMATCH = 5,   /**< wrong number of inputs or outputs */
  Q8_ERROR_UNSUPPORTED_CPU = 6,  /**< the CPU lacks features the code needs */
  Q8_ERROR_MISALIGNED = 7,       /**< workspace or weights misaligned */
  Q8_ERROR_IO = 8,               /**< a file cannot be opened or read */
  Q8_ERROR_SIZE_MISMATCH = 9,    /**< a weights file has the wrong size */
  Q8_ERROR_OUT_OF_MEMORY = 10,   /**< an allocation failed */
} q8_status;

/** Element types. Values are stable: they appear in emitted descriptors,
 *  so new types only ever get new values (adding one is compatible and
 *  keeps Q8_ABI_VERSION; a runtime that predates it rejects descriptors
 *  that use it as malformed).
 *
 *  Storage, one element each, little-endian, dense:
 *  - F16: IEEE binary16; BF16: the upper 16 bits of an IEEE binary32. Both
 *    cross the C prototype as `uint16_t` (the raw bits), since C has no
 *    portable half type.
 *  - BOOL: one byte. Models write 0 or 1 and read any nonzero byte as true
 *    (numpy's and ONNX's bool layout), whatever the model computes bools in
 *    internally. Its C type is `bool`. */
typedef enum q8_dtype {
  Q8_DTYPE_F32 = 0,
  Q8_DTYPE_I8 = 1,
  Q8_DTYPE_U8 = 2,
  Q8_DTYPE_I32 = 3,
  Q8_DTYPE_I64 = 4,
  Q8_DTYPE_F16 = 5,
  Q8_DTYPE_BF16 = 6,
  Q8_DTYPE_F64 = 7,
  Q8_DTYPE_I16 = 8,
  Q8_DTYPE_U16 = 9,
  Q8_DTYPE_U32 = 10,
  Q8_DTYPE_U64 = 11,
  Q8_DTYPE_BOOL = 12,
} q8_dtype;

/** One input or output of a model. */
typedef struct q8_tensor_desc {
  const char *name;
  int32_t dtype; /**< a q8_dtype */
  int32_t rank;
  int64_t dims[Q8_MAX_RANK];
} q8_tensor_desc;

/** A thread pool (q8_pool.h); opaque. */
typedef struct q8_pool q8_pool;

/** The entry point, type-erased: inputs then outputs, then the workspace
 *  (then the weights, with Q8_MODEL_EXTERNAL_WEIGHTS), then the pool. */
typedef void (*q8_run_fn)(void);

/** The packed entry point: `args` holds the typed entry point's arguments
 *  in order (the dims with Q8_MODEL_DYNAMIC, inputs, outputs, workspace,
 *  then the weights with Q8_MODEL_EXTERNAL_WEIGHTS, then the pool);
 *  Q8_MODEL_NUM_ARGS of them. Only the array's pointers are read, not
 *  changed. Returns Q8_OK, or what the typed entry point returns (a
 *  q8_status; models without dynamic dims always succeed). */
typedef int32_t (*q8_run_packed_fn)(void *const *args);

/** How many entries a packed call's `args` holds for `desc`. */
#define Q8_MODEL_NUM_ARGS(desc)                                               \
  ((desc)->num_inputs + (desc)->num_outputs + 2u +                           \
   (((desc)->flags & Q8_MODEL_EXTERNAL_WEIGHTS) ? 1u : 0u) +                 \
   (((desc)->flags & Q8_MODEL_DYNAMIC) ? 1u : 0u))

/** A dynamic dim of a model: a value the caller gives at each call
 *  (Q8_MODEL_DYNAMIC). Tensor dims that have this extent name it by index
 *  (Q8_DIM_SYMBOL). */
typedef struct q8_dim_desc {
  const char *name; /**< the model's dim_param ("batch"), or "dim<i>" */
  int64_t min;      /**< smallest value a call may give (>= 1) */
  int64_t max;      /**< largest; INT64_MAX when the model sets no bound */
} q8_dim_desc;

/** A q8_tensor_desc dim below zero is dynamic: the value of the model's
 *  dims[Q8_DIM_SYMBOL(d)] at each call. */
#define Q8_DIM_SYMBOL(d) ((int32_t)(-1 - (d)))
#define Q8_DIM_OF_SYMBOL(i) ((int64_t)(-1 - (int64_t)(i)))

/** Everything a generic driver needs to call a model. */
typedef struct q8_model_desc {
  uint32_t abi_version; /**< Q8_ABI_VERSION of the emitter */
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t flags;        /**< Q8_MODEL_* bits */
  const char *name;
  const q8_tensor_desc *inputs;
  const q8_tensor_desc *outputs;
  uint64_t workspace_size; /**< bytes; 0 means the workspace may be NULL */
  uint64_t weights_size;   /**< bytes of the .weights file (0 without
                                Q8_MODEL_EXTERNAL_WEIGHTS) */
  q8_run_fn run;           /**< cast to the prototype in the model's header */
  q8_run_packed_fn run_packed; /**< `<model>_run_packed`: any arity */
  const char *target;      /**< the --target it was compiled for ("avx2",
                                "all", "host", ...); NULL if not recorded */
  uint64_t cpu_features;   /**< Q8_CPU_* bits its code needs (0: any
                                x86-64, e.g. generic and all) */
  uint32_t num_dims;       /**< dynamic dims (0 without Q8_MODEL_DYNAMIC) */
  uint32_t reserved;       /**< 0 */
  const q8_dim_desc *dims; /**< num_dims of them, or NULL */
} q8_model_desc;

/** q8_model_desc.cpu_features bits: groups of x86-64 features, each what
 *  LLVM's CPU levels and q8's targets add (checked by q8_cpu_detect,
 *  q8_dispatch.h). */
#define Q8_CPU_X86_64_V2 (1u << 0)  /**< sse3 ssse3 sse4.1 sse4.2 popcnt cx16 */
#define Q8_CPU_AVX2 (1u << 1)       /**< avx avx2 (and the OS saves ymm) */
#define Q8_CPU_FMA (1u << 2)
#define Q8_CPU_F16C (1u << 3)
#define Q8_CPU_BMI (1u << 4)        /**< bmi1 bmi2 lzcnt movbe */
#define Q8_CPU_AVX512 (1u << 5)     /**< avx512 f cd bw dq vl (and zmm saved) */
#define Q8_CPU_AVX512VNNI (1u << 6)
#define Q8_CPU_AVXVNNI (1u << 7)

#if defined(__cplusplus)
#define Q8_STATIC_ASSERT static_assert
#else
#define Q8_STATIC_ASSERT _Static_assert
#endif
Q8_STATIC_ASSERT(sizeof(q8_tensor_desc) == 16 + 8 * Q8_MAX_RANK,
                 "q8_tensor_desc layout changed: bump Q8_ABI_VERSION");
Q8_STATIC_ASSERT(sizeof(q8_dim_desc) == 24,
                 "q8_dim_desc layout changed: bump Q8_ABI_VERSION");
Q8_STATIC_ASSERT(sizeof(q8_model_desc) == 104,
                 "q8_model_desc layout changed: bump Q8_ABI_VERSION");
Q8_STATIC_ASSERT(offsetof(q8_model_desc, weights_size) == 48 &&
                     offsetof(q8_model_desc, run) == 56 &&
                     offsetof(q8_model_desc, run_packed) == 64 &&
                     offsetof(q8_model_desc, target) == 72 &&
                     offsetof(q8_model_desc, cpu_features) == 80 &&
                     offsetof(q8_model_desc, num_dims) == 88 &&
                     offsetof(q8_model_desc, dims) == 96,
                 "q8_model_desc layout changed: bump Q8_ABI_VERSION");
#undef Q8_STATIC_ASSERT

/* f64 exp and log (q8_math.c, within 1 ulp, no libm): compiled models call
 * these by name (Q8_MATH_EXP_F64, Q8_MATH_LOG_F64) for f64 math, so that
 * they link against libc and libq8rt only. Thread-safe. */
#define Q8_MATH_EXP_F64 "q8_math_exp"
#define Q8_MATH_LOG_F64 "q8_math_log"
double q8_math_exp(double x);
double q8_math_log(double x);

#ifdef __cplusplus
}
#endif

#endif /* Q8_ABI_H */
