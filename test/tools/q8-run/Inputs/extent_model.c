/* A hand-written model whose dim `seq`, in [2, 32], is a run-time extent of
 * its code, laid out as q8c lays out one (q8_abi.h): `ext_run_packed`
 * hands the call to q8_run_extents, which checks it and calls the C code
 * `code` once with the dims first, as a compiled model's entry point does.
 *   x f32 [2, seq] -> y f32 [seq]   y = x[0] + 10 * x[1]
 *   k i32 [3]      -> n i64 [1]     n = seq + k[0] + k[1] + k[2]
 * seq sits at dim 1 of x and dim 0 of y. */
#include "q8_runtime.h"

#define SEQ Q8_DIM_OF_SYMBOL(0)

static const q8_dim_desc dims[1] = {{"seq", 2, 32}};
static const q8_tensor_desc inputs[2] = {
    {"x", Q8_DTYPE_F32, 2, {2, SEQ}},
    {"k", Q8_DTYPE_I32, 1, {3}},
};
static const q8_tensor_desc outputs[2] = {
    {"y", Q8_DTYPE_F32, 1, {SEQ}},
    {"n", Q8_DTYPE_I64, 1, {1}},
};

/* The code: dims, x, k, y, n, workspace, pool. */
static int32_t code(void *const *args) {
  int64_t seq = *(const int64_t *)args[0];
  const float *x = args[1];
  const int32_t *k = args[2];
  float *y = args[3];
  int64_t *n = args[4];
  for (int64_t s = 0; s < seq; ++s)
    y[s] = x[s] + 10 * x[seq + s];
  n[0] = seq + k[0] + k[1] + k[2];
  return Q8_OK;
}

int32_t ext_run_packed(void *const *args);

q8_status ext_run(const int64_t *seq, const float *x, const int32_t *k,
                  float *y, int64_t *n, void *workspace, q8_pool *pool) {
  void *args[7] = {(void *)seq, (void *)x, (void *)k, y, n, workspace, pool};
  return (q8_status)ext_run_packed(args);
}

const q8_model_desc ext_q8_desc = {
    .abi_version = Q8_ABI_VERSION,
    .num_inputs = 2,
    .num_outputs = 2,
    .flags = Q8_MODEL_DYNAMIC,
    .name = "ext",
    .inputs = inputs,
    .outputs = outputs,
    .workspace_size = 64,
    .run = (q8_run_fn)ext_run,
    .run_packed = ext_run_packed,
    .target = "generic",
    .num_dims = 1,
    .dims = dims,
};

int32_t ext_run_packed(void *const *args) {
  return q8_run_extents(&ext_q8_desc, code, args);
}
