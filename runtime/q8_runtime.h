/* q8_runtime.h - the plain-C runtime that q8-compiled models link against.
 *
 * Descriptor access, status strings, input validation, dynamic dims (their
 * bounds, inference from input shapes, the driver that runs a batched
 * model one item at a time and the one that checks a call of a model with
 * dynamic extents), CPU feature detection and the loader of
 * external weights files. C11, libc only. Every function is thread-safe:
 * none keeps mutable state, and q8_cpu_features_detect only reads
 * cpuid/xgetbv. Memory is owned by the caller; only q8_weights_load
 * allocates when asked to, and q8_run_batched for models with more than
 * Q8_BATCHED_STACK_ARGS arguments.
 */
#ifndef Q8_RUNTIME_H
#define Q8_RUNTIME_H

#include "q8_abi.h"
#include "q8_pool.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A human-readable name for `status` ("ok", "shape mismatch", ...). Never
 *  NULL; unknown codes give "unknown status". */
const char *q8_status_string(q8_status status);

/** The name of `dtype` ("f32", "bf16", "u64", "bool", ...: the Q8_DTYPE_
 *  suffix in lower case), or "unknown". */
const char *q8_dtype_name(q8_dtype dtype);

/** Size in bytes of one element of `dtype` (1 for bool), or 0 if unknown. */
size_t q8_dtype_size(q8_dtype dtype);

/** Checks that `desc` comes from a compatible emitter and is well formed:
 *  Q8_ERROR_ABI_MISMATCH for another version, else Q8_ERROR_INVALID_ARGUMENT
 *  unless every name and entry point is set, `flags` holds only known bits,
 *  `reserved` is 0, every tensor has a known dtype and a rank in
 *  [0, Q8_MAX_RANK], and the dims agree with Q8_MODEL_DYNAMIC: with it,
 *  num_dims >= 1 named dims with 1 <= min <= max; without it, num_dims ==
 *  0. Every negative tensor dim must name one of them (Q8_DIM_SYMBOL(d) <
 *  num_dims). */
q8_status q8_model_check(const q8_model_desc *desc);

/** Looks up an input or output by name; NULL if absent. */
const q8_tensor_desc *q8_model_find_input(const q8_model_desc *desc,
                                          const char *name);
const q8_tensor_desc *q8_model_find_output(const q8_model_desc *desc,
                                           const char *name);

/** Number of elements of `tensor` (1 for rank 0); -1 when it has a dynamic
 *  dim (see q8_tensor_num_elements_at) or the count exceeds INT64_MAX; 0
 *  for NULL. */
int64_t q8_tensor_num_elements(const q8_tensor_desc *tensor);

/** Number of elements of `tensor`, one of `desc`'s, when its dynamic dims
 *  have the values `dims` (desc->num_dims of them; NULL for a tensor
 *  without dynamic dims). -1 when a dim names no symbol of `desc`, `dims`
 *  is missing, or the count exceeds INT64_MAX; 0 for a NULL tensor. */
int64_t q8_tensor_num_elements_at(const q8_model_desc *desc,
                                  const q8_tensor_desc *tensor,
                                  const int64_t *dims);

/** Checks one caller tensor (dtype, rank, dims) against `expected`. A
 *  dynamic expected dim (negative) accepts any positive value: without the
 *  model's descriptor its bounds are unknown, so q8_model_infer_dims (or
 *  q8_model_validate_inputs) checks those. Returns Q8_ERROR_DTYPE_MISMATCH,
 *  or Q8_ERROR_SHAPE_MISMATCH for another rank or dim. */
q8_status q8_tensor_check(const q8_tensor_desc *expected, q8_dtype dtype,
                          int32_t rank, const int64_t *dims);

/** Checks the values `dims` of `desc`'s dynamic dims (num_dims of them;
 *  NULL is accepted only when there are none) against their bounds.
 *  Returns Q8_OK, Q8_ERROR_SHAPE_MISMATCH with `*bad_index` (when not
 *  NULL) the index of the first value outside [min, max], or
 *  Q8_ERROR_INVALID_ARGUMENT (NULL desc or dims) with `*bad_index` -1. */
q8_status q8_model_check_dims(const q8_model_desc *desc, const int64_t *dims,
                              int32_t *bad_index);

/** Writes `tensor`'s tensor->rank dims to `out`, each dynamic one replaced
 *  by its value in `dims` (desc->num_dims values, as a dynamic entry point
 *  takes them): the shape of that tensor in a call with those dims. Does
 *  not check the values' bounds (q8_model_check_dims does). Returns Q8_OK,
 *  or Q8_ERROR_INVALID_ARGUMENT for a NULL tensor or out, or a dynamic dim
 *  that names no symbol of `desc` (or with NULL desc or dims). */
q8_status q8_tensor_resolve_dims(const q8_model_desc *desc,
                                 const q8_tensor_desc *tensor,
                                 const int64_t *dims, int64_t *out);

/** Derives the values of `desc`'s dynamic dims from the caller's input
 *  tensors: `inputs` describes num_inputs tensors (dtype, rank, dims), one
 *  per model input, in order. Each tensor must match its input as
 *  q8_tensor_check says, static dims exactly; every dim that names a
 *  symbol gives its value, which must lie in the symbol's [min, max] and be
 *  the same wherever the symbol appears. On success `dims` (when not NULL:
 *  desc->num_dims entries) receives the values; with NULL this only checks.
 *  Returns Q8_OK; Q8_ERROR_COUNT_MISMATCH; Q8_ERROR_DTYPE_MISMATCH or
 *  Q8_ERROR_SHAPE_MISMATCH (another rank, a static dim that differs, a
 *  value out of bounds or inconsistent with an earlier one) with
 *  `*bad_index` (when not NULL) the offending input's index; or
 *  Q8_ERROR_INVALID_ARGUMENT (NULL pointers, a dim naming no symbol, or a
 *  symbol that no input has) with `*bad_index` -1. A static descriptor
 *  (num_dims 0) has nothing to derive: this checks the inputs exactly. */
q8_status q8_model_infer_dims(const q8_model_desc *desc,
                              const q8_tensor_desc *inputs,
                              uint32_t num_inputs, int64_t *dims,
                              int32_t *bad_index);

/** Checks a whole call: `num_inputs` input descriptors against the model's
 *  inputs, in order (as q8_model_infer_dims does: a dynamic model's dims
 *  must be within bounds and consistent), and the workspace pointer's
 *  alignment (NULL is accepted only when the model needs no workspace). On
 *  failure, `*bad_index` (when not NULL) receives the index of the
 *  offending input, or -1. */
q8_status q8_model_validate_inputs(const q8_model_desc *desc,
                                   const q8_tensor_desc *inputs,
                                   uint32_t num_inputs, const void *workspace,
                                   int32_t *bad_index);

/** q8_run_batched builds the per-item argument array on its stack for up
 *  to this many arguments and allocates it (malloc) beyond. */
#define Q8_BATCHED_STACK_ARGS 64

/** Runs a model whose dynamic dims are batch dims one batch item at a
 *  time: what the `<model>_run` of such a model calls (the compiler
 *  compiles it for one item, every dynamic dim 1).
 *
 *  `args` are the dynamic model's packed arguments: args[0] the `const
 *  int64_t *dims`, then the inputs, the outputs, the workspace, the weights
 *  (with Q8_MODEL_EXTERNAL_WEIGHTS) and the pool. `item` is the static
 *  entry point compiled for one item: it takes the same arguments without
 *  the dims (inputs, outputs, workspace, [weights], pool), every tensor
 *  with its dynamic dim 1, and its workspace needs item_workspace_size
 *  bytes.
 *
 *  `desc` must have exactly one dynamic dim (num_dims == 1), the batch, and
 *  each tensor at most one dim naming it, at some position p. For the n =
 *  dims[0] items b = 0 .. n-1, a tensor with its batch at p has outer =
 *  the product of its dims before p and inner_bytes = the product of its
 *  dims after p times its dtype's size; item b's tensor is the caller's
 *  [outer, n, inner] array at batch index b. With outer <= 1 the item gets
 *  a pointer into the caller's tensor (its base + b * inner_bytes; no
 *  copy). Otherwise the item's tensor lives in a staging buffer in the
 *  workspace: an input's outer chunks of inner_bytes are copied in from the
 *  caller's offsets (o * n + b) * inner_bytes before the item runs, and an
 *  output's copied back to them after. Tensors without a batch dim are
 *  passed as they are: inputs shared by every item, and outputs written by
 *  every item, identically.
 *
 *  Workspace layout (the compiler sizes desc->workspace_size by the same
 *  rule; it is part of the ABI): [0, item_workspace_size) is the item's
 *  workspace, the caller's workspace pointer itself. Then, for each input
 *  in order and then each output in order that needs staging (outer > 1),
 *  one buffer of outer * inner_bytes bytes, the first at
 *  align64(item_workspace_size) and each next one at the first multiple of
 *  64 at or after the end of the one before. desc->workspace_size must
 *  reach at least the end of the last buffer (or item_workspace_size
 *  without any).
 *
 *  Before anything is read or written this checks: Q8_ERROR_INVALID_ARGUMENT
 *  for a NULL desc, item or args, a descriptor that q8_model_check rejects
 *  or that breaks the rules above (num_dims != 1, two batch dims in one
 *  tensor, a workspace_size below the layout's or below
 *  item_workspace_size), a NULL dims or tensor pointer, a NULL workspace
 *  when desc->workspace_size > 0, or NULL weights when desc->weights_size >
 *  0; Q8_ERROR_MISALIGNED for a workspace or weights not aligned to
 *  Q8_WORKSPACE_ALIGNMENT / Q8_WEIGHTS_ALIGNMENT; Q8_ERROR_SHAPE_MISMATCH
 *  for dims[0] outside the batch's [min, max], or so large that a caller's
 *  tensor would exceed PTRDIFF_MAX bytes;
 *  Q8_ERROR_OUT_OF_MEMORY if the argument array cannot be allocated. Then
 *  it runs the items in order and returns Q8_OK, or the status of the first
 *  item that returns one (the items after it do not run, and the outputs
 *  hold what the items before it wrote). Like the entry point, concurrent
 *  calls are safe when each has its own outputs, workspace and pool. */
q8_status q8_run_batched(const q8_model_desc *desc, q8_run_packed_fn item,
                         uint64_t item_workspace_size, void *const *args);

/** Runs a model whose dynamic dims are extents inside its code (the
 *  compiler kept the dims dynamic in the kernels, e.g. a sequence length
 *  under attention): what the `<model>_run` of such a model calls.
 *
 *  `args` are the dynamic model's packed arguments, as for q8_run_batched:
 *  args[0] the `const int64_t *dims`, then the inputs, the outputs, the
 *  workspace, the weights (with Q8_MODEL_EXTERNAL_WEIGHTS) and the pool.
 *  `run` is the model's code, packed: it takes the same array (the dims
 *  included) and must only be called with dims within their bounds; its
 *  workspace, desc->workspace_size bytes, is planned for the upper bounds.
 *  Any number of dynamic dims, at any positions of any tensors.
 *
 *  Before anything is read or written this checks: Q8_ERROR_INVALID_ARGUMENT
 *  for a NULL desc, run or args, a descriptor that q8_model_check rejects
 *  or that lacks Q8_MODEL_DYNAMIC, a NULL dims or tensor pointer, a NULL
 *  workspace when desc->workspace_size > 0, or NULL weights when
 *  desc->weights_size > 0; Q8_ERROR_MISALIGNED for a workspace or weights
 *  not aligned to Q8_WORKSPACE_ALIGNMENT / Q8_WEIGHTS_ALIGNMENT;
 *  Q8_ERROR_SHAPE_MISMATCH for a dim outside its [min, max], or dims at
 *  which a caller's tensor would exceed PTRDIFF_MAX bytes. Then it calls
 *  run(args) once, with `args` unchanged, and returns what it returns.
 *  Like the entry point, concurrent calls are safe when each has its own
 *  outputs, workspace and pool. */
q8_status q8_run_extents(const q8_model_desc *desc, q8_run_packed_fn run,
                         void *const *args);

/** Loads a model's external weights (the `<model>.weights` file that
 *  `q8c --external-weights` writes) for its entry point's `weights`
 *  argument. `size` is the model's `<MODEL>_WEIGHTS_SIZE` (or its
 *  descriptor's weights_size); the file must hold exactly that many bytes.
 *  With `buffer` (Q8_WEIGHTS_ALIGNMENT-aligned, `size` bytes) the file is
 *  read into it; with NULL, into memory this allocates, aligned to
 *  Q8_WEIGHTS_ALIGNMENT, to release with q8_weights_free. `*weights`
 *  receives the memory (NULL when `size` is 0, or on failure).
 *  Returns Q8_OK, Q8_ERROR_INVALID_ARGUMENT (NULL path or weights),
 *  Q8_ERROR_MISALIGNED (buffer), Q8_ERROR_IO (cannot open or read),
 *  Q8_ERROR_SIZE_MISMATCH (the file has another size) or
 *  Q8_ERROR_OUT_OF_MEMORY. */
q8_status q8_weights_load(const char *path, uint64_t size, void *buffer,
                          void **weights);

/** Frees what q8_weights_load allocated (not a caller's buffer); NULL is
 *  a no-op. */
void q8_weights_free(void *weights);

/** x86-64 features that select code variants. */
typedef struct q8_cpu_features {
  bool avx2;
  bool fma;
  bool avx512f;
  bool avx512bw;
  bool avx512vl;
  bool avx512vnni;
  bool avxvnni;
} q8_cpu_features;

/** Fills `features` from cpuid, counting a feature only when the OS also
 *  saves its registers (xgetbv). All false on non-x86 builds. */
q8_status q8_cpu_features_detect(q8_cpu_features *features);

#ifdef __cplusplus
}
#endif

#endif /* Q8_RUNTIME_H */
