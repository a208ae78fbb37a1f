/* A hand-written model with a dynamic batch dim, in [1, 64], laid out as
 * q8c lays out one (q8_abi.h), for the drivers' tests without the
 * compiler: its `fake_run_packed` runs the one-item C function `item`
 * through q8_run_batched, as a compiled batched model's entry point does.
 *   x f32 [batch, 3] -> y f32 [batch, 3]   y = x * 2 + 1
 *   m i64 [2, batch] -> n i64 [2, batch]   n = m * 10 (staged: batch inside)
 * The item needs no workspace; m's and n's staging buffers (16 bytes each)
 * sit at 0 and 64. */
#include "dynamic_model.h"

#include "q8_runtime.h"

#define BATCH Q8_DIM_OF_SYMBOL(0)

static const q8_dim_desc dims[1] = {{"batch", 1, 64}};
static const q8_tensor_desc inputs[2] = {
    {"x", Q8_DTYPE_F32, 2, {BATCH, 3}},
    {"m", Q8_DTYPE_I64, 2, {2, BATCH}},
};
static const q8_tensor_desc outputs[2] = {
    {"y", Q8_DTYPE_F32, 2, {BATCH, 3}},
    {"n", Q8_DTYPE_I64, 2, {2, BATCH}},
};

/* One item: x, m, y, n, workspace, pool. */
static int32_t item(void *const *args) {
  const float *x = args[0];
  const int64_t *m = args[1];
  float *y = args[2];
  int64_t *n = args[3];
  for (int j = 0; j < 3; ++j)
    y[j] = x[j] * 2 + 1;
  for (int o = 0; o < 2; ++o)
    n[o] = m[o] * 10;
  return Q8_OK;
}

int32_t fake_run_packed(void *const *args);

q8_status fake_run(const int64_t *batch, const float *x, const int64_t *m,
                   float *y, int64_t *n, void *workspace, q8_pool *pool) {
  void *args[7] = {(void *)batch, (void *)x, (void *)m, y, n, workspace,
                   pool};
  return (q8_status)fake_run_packed(args);
}

const q8_model_desc fake_q8_desc = {
    .abi_version = Q8_ABI_VERSION,
    .num_inputs = 2,
    .num_outputs = 2,
    .flags = Q8_MODEL_DYNAMIC,
    .name = "fake",
    .inputs = inputs,
    .outputs = outputs,
    .workspace_size = 80,
    .run = (q8_run_fn)fake_run,
    .run_packed = fake_run_packed,
    .target = "generic",
    .num_dims = 1,
    .dims = dims,
};

int32_t fake_run_packed(void *const *args) {
  return q8_run_batched(&fake_q8_desc, item, 0, args);
}

const q8_model_desc *fake_descriptor(void) { return &fake_q8_desc; }
