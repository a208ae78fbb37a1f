/* q8_runtime.h - the plain-C runtime that q8-compiled models link against.
 *
 * Descriptor access, status strings, input validation, CPU feature
 * detection and the loader of external weights files. C11, libc only.
 * Every function is thread-safe: none keeps mutable state, and
 * q8_cpu_features_detect only reads cpuid/xgetbv. Memory is owned by the
 * caller; only q8_weights_load allocates, and only when asked to.
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

/** Checks that `desc` comes from a compatible emitter and is well formed. */
q8_status q8_model_check(const q8_model_desc *desc);

/** Looks up an input or output by name; NULL if absent. */
const q8_tensor_desc *q8_model_find_input(const q8_model_desc *desc,
                                          const char *name);
const q8_tensor_desc *q8_model_find_output(const q8_model_desc *desc,
                                           const char *name);

/** Number of elements of `tensor` (1 for rank 0). */
int64_t q8_tensor_num_elements(const q8_tensor_desc *tensor);

/** Checks one caller tensor (dtype, rank, dims) against `expected`. */
q8_status q8_tensor_check(const q8_tensor_desc *expected, q8_dtype dtype,
                          int32_t rank, const int64_t *dims);

/** Checks a whole call: `num_inputs` input descriptors against the model's
 *  inputs, in order, and the workspace pointer's alignment (NULL is accepted
 *  only when the model needs no workspace). On failure, `*bad_index` (when
 *  not NULL) receives the index of the offending input, or -1. */
q8_status q8_model_validate_inputs(const q8_model_desc *desc,
                                   const q8_tensor_desc *inputs,
                                   uint32_t num_inputs, const void *workspace,
                                   int32_t *bad_index);

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
