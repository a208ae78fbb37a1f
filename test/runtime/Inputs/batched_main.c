/* Harness for batched.test: q8_run_batched on a fake dynamic model whose
 * one-item entry point is the C function `item` below.
 *
 * The model, with batch in [1, 8]:
 *   x f32 [3, batch, 4]  -> y f32 [3, batch, 4]   y[o] = x[o] * 2 + bias + o
 *   z i32 [batch, 2]     -> w i32 [batch, 2]      w = z * 3
 *   bias f32 [4]         -> s f32 [4]             s = bias * 2 (every item)
 * x and y have their batch inside (outer 3: staged through the workspace),
 * z and w outermost (outer 1: the item gets pointers into them), bias and s
 * none (passed as they are). The item's workspace is ITEM_WORKSPACE bytes;
 * the layout then puts x's staging buffer (48 bytes) at 128 and y's at 192,
 * so the model's workspace is 240 bytes. y's term o (its index before the
 * batch dim) tells whether the item got the right chunks of x.
 *
 * The caller's inputs sit on a read-only page: the driver may only read
 * them. */
#define _POSIX_C_SOURCE 200809L
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ITEM_WORKSPACE 100
#define WORKSPACE 240
#define MAX_BATCH 8
#define BATCH Q8_DIM_OF_SYMBOL(0)

static const q8_dim_desc batchDim[1] = {{"batch", 1, MAX_BATCH}};
static const q8_tensor_desc inputs[3] = {
    {"x", Q8_DTYPE_F32, 3, {3, BATCH, 4}},
    {"z", Q8_DTYPE_I32, 2, {BATCH, 2}},
    {"bias", Q8_DTYPE_F32, 1, {4}},
};
static const q8_tensor_desc outputs[3] = {
    {"y", Q8_DTYPE_F32, 3, {3, BATCH, 4}},
    {"w", Q8_DTYPE_I32, 2, {BATCH, 2}},
    {"s", Q8_DTYPE_F32, 1, {4}},
};

/* What the item saw, for the checks in main. */
static int poolAt = 7; /* 8 with external weights */
static int calls;
static int failAt = -1;
static unsigned char *workspaceSeen;
static long xOffset, yOffset; /* from the workspace; -1: not inside it */
static int wrongPool;

/* The pool and weights pointers the caller passes: the item must get them
 * unchanged. */
static char poolToken;
static alignas(64) char weightsToken[64];

static long offsetIn(const void *p) {
  long offset = (long)((const unsigned char *)p - workspaceSeen);
  return offset >= 0 && offset < WORKSPACE ? offset : -1;
}

/* The one-item entry point: args are x, z, bias, y, w, s, workspace, then
 * the weights with Q8_MODEL_EXTERNAL_WEIGHTS (poolAt 8), then the pool. */
static int32_t item(void *const *args) {
  const float *x = args[0], *bias = args[2];
  const int32_t *z = args[1];
  float *y = args[3], *s = args[5];
  int32_t *w = args[4];
  unsigned char *workspace = args[6];
  if (calls == failAt) {
    ++calls;
    return Q8_ERROR_OUT_OF_MEMORY;
  }
  ++calls;
  xOffset = offsetIn(x);
  yOffset = offsetIn(y);
  wrongPool |= args[poolAt] != &poolToken;
  wrongPool |= poolAt == 8 && args[7] != weightsToken;
  /* The item owns its workspace: scribbling over all of it must not reach
   * the staging buffers after it. */
  if (workspace != workspaceSeen)
    xOffset = yOffset = -2;
  memset(workspace, 0xab, ITEM_WORKSPACE);
  for (int o = 0; o < 3; ++o)
    for (int j = 0; j < 4; ++j)
      y[o * 4 + j] = x[o * 4 + j] * 2 + bias[j] + (float)o;
  for (int j = 0; j < 2; ++j)
    w[j] = z[j] * 3;
  for (int j = 0; j < 4; ++j)
    s[j] = bias[j] * 2;
  return Q8_OK;
}

static void dummyRun(void) {}

static q8_model_desc model(void) {
  q8_model_desc desc = {
      .abi_version = Q8_ABI_VERSION,
      .num_inputs = 3,
      .num_outputs = 3,
      .flags = Q8_MODEL_DYNAMIC,
      .name = "fake",
      .inputs = inputs,
      .outputs = outputs,
      .workspace_size = WORKSPACE,
      .run = dummyRun,
      .run_packed = item, /* any non-NULL entry for q8_model_check */
      .num_dims = 1,
      .dims = batchDim,
  };
  return desc;
}

/* The caller's tensors for up to MAX_BATCH items: the inputs on a page of
 * their own (made read-only by setUpInputs), the outputs. */
typedef struct callerInputs {
  float x[3 * MAX_BATCH * 4];
  int32_t z[MAX_BATCH * 2];
  float bias[4];
} callerInputs;
static const float *x, *bias;
static const int32_t *z;
static float y[3 * MAX_BATCH * 4], s[4];
static int32_t w[MAX_BATCH * 2];
static alignas(64) unsigned char workspace[WORKSPACE + 64];

static int setUpInputs(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t size = (sizeof(callerInputs) + page - 1) / page * page;
  callerInputs *inputs = aligned_alloc(page, size);
  if (!inputs)
    return 1;
  for (int i = 0; i < 3 * MAX_BATCH * 4; ++i)
    inputs->x[i] = (float)i * 0.5f - 7;
  for (int i = 0; i < MAX_BATCH * 2; ++i)
    inputs->z[i] = i * 11 - 20;
  const float biasValues[4] = {0.5f, -1, 8, 0.25f};
  memcpy(inputs->bias, biasValues, sizeof biasValues);
  x = inputs->x;
  z = inputs->z;
  bias = inputs->bias;
  return mprotect(inputs, size, PROT_READ);
}

#define SENTINEL 0x5a

static void fill(void) {
  memset(y, SENTINEL, sizeof y);
  memset(w, SENTINEL, sizeof w);
  memset(s, SENTINEL, sizeof s);
  calls = 0;
  xOffset = yOffset = -1;
  wrongPool = 0;
}

/* Whether the `bytes` at p all hold the sentinel. */
static int isSentinel(const void *p, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i)
    if (((const unsigned char *)p)[i] != SENTINEL)
      return 0;
  return 1;
}

/* Elements of the first `done` of n items that differ from the model's
 * definition and elements of the others that are not the sentinel,
 * indexing the caller's [3, n, 4] and [n, 2] arrays directly; s must be
 * written when any item was; and bytes past the n items must hold the
 * sentinel. */
static int mismatchesAfter(int n, int done) {
  int bad = 0;
  for (int o = 0; o < 3; ++o)
    for (int b = 0; b < n; ++b)
      for (int j = 0; j < 4; ++j) {
        int i = (o * n + b) * 4 + j;
        bad += b < done ? y[i] != x[i] * 2 + bias[j] + (float)o
                        : !isSentinel(&y[i], sizeof y[i]);
      }
  for (int i = 0; i < n * 2; ++i)
    bad += i / 2 < done ? w[i] != z[i] * 3 : !isSentinel(&w[i], sizeof w[i]);
  if (done == 0)
    return bad + !isSentinel(s, sizeof s);
  for (int j = 0; j < 4; ++j)
    bad += s[j] != bias[j] * 2;
  bad += !isSentinel(&y[3 * n * 4], sizeof y - 3 * n * 4 * sizeof y[0]);
  bad += !isSentinel(&w[n * 2], sizeof w - n * 2 * sizeof w[0]);
  return bad;
}

static int mismatches(int n) { return mismatchesAfter(n, n); }

/* Whether every output byte still holds the sentinel. */
static int untouched(void) {
  return isSentinel(y, sizeof y) && isSentinel(w, sizeof w) &&
         isSentinel(s, sizeof s);
}

/* The item's workspace size that `call` passes. */
static uint64_t itemWorkspace = ITEM_WORKSPACE;

static q8_status call(const q8_model_desc *desc, const int64_t *dims,
                      unsigned char *work) {
  void *args[9] = {(void *)dims, (void *)x, (void *)z, (void *)bias,
                   y,           w,         s,         work,
                   &poolToken};
  workspaceSeen = work;
  return q8_run_batched(desc, item, itemWorkspace, args);
}

/* A call that must fail before touching anything. */
static void refused(const char *what, const q8_model_desc *desc,
                    const int64_t *dims, unsigned char *work) {
  fill();
  q8_status status = call(desc, dims, work);
  printf("%s: %s, calls %d, outputs untouched %d\n", what,
         q8_status_string(status), calls, untouched());
}

/* A model with more arguments than q8_run_batched keeps on its stack:
 * y [batch] = x [batch] + the sum of WIDE static inputs c_k [1] = k. */
#define WIDE (Q8_BATCHED_STACK_ARGS + 6)

static int32_t wideItem(void *const *args) {
  float sum = *(const float *)args[0];
  for (int k = 1; k <= WIDE; ++k)
    sum += *(const float *)args[k];
  *(float *)args[WIDE + 1] = sum;
  return Q8_OK;
}

static void wide(void) {
  static q8_tensor_desc wideInputs[WIDE + 1], wideOutput[1];
  static float c[WIDE], xs[4] = {1, 2, 3, 4}, ys[4];
  static void *args[WIDE + 5];
  wideInputs[0] = (q8_tensor_desc){"x", Q8_DTYPE_F32, 1, {BATCH}};
  wideOutput[0] = (q8_tensor_desc){"y", Q8_DTYPE_F32, 1, {BATCH}};
  const int64_t four = 4;
  args[0] = (void *)&four;
  args[1] = xs;
  for (int k = 0; k < WIDE; ++k) {
    wideInputs[k + 1] = (q8_tensor_desc){"c", Q8_DTYPE_F32, 1, {1}};
    c[k] = (float)(k + 1);
    args[k + 2] = &c[k];
  }
  args[WIDE + 2] = ys;
  q8_model_desc desc = model();
  desc.num_inputs = WIDE + 1;
  desc.num_outputs = 1;
  desc.inputs = wideInputs;
  desc.outputs = wideOutput;
  desc.workspace_size = 0;
  q8_status status = q8_run_batched(&desc, wideItem, 0, args);
  /* 1 + ... + WIDE = 2485 for WIDE 70. */
  printf("wide, %u args: %s, y = %g %g %g %g\n",
         (unsigned)Q8_MODEL_NUM_ARGS(&desc), q8_status_string(status), ys[0],
         ys[1], ys[2], ys[3]);
}

int main(void) {
  if (setUpInputs() != 0) {
    printf("cannot set up the read-only inputs\n");
    return 1;
  }
  const q8_model_desc desc = model();
  printf("check: %s, packed args %u\n",
         q8_status_string(q8_model_check(&desc)),
         (unsigned)Q8_MODEL_NUM_ARGS(&desc));

  for (int64_t n = 1; n <= MAX_BATCH; n += n < 5 ? 4 : 3) {
    fill();
    q8_status status = call(&desc, &n, workspace);
    printf("n=%lld: %s, calls %d, mismatches %d, x at %ld, y at %ld, "
           "pool forwarded %d\n",
           (long long)n, q8_status_string(status), calls, mismatches((int)n),
           xOffset, yOffset, !wrongPool);
  }

  /* The weights, with Q8_MODEL_EXTERNAL_WEIGHTS, sit between the
   * workspace and the pool. */
  q8_model_desc external = desc;
  external.flags |= Q8_MODEL_EXTERNAL_WEIGHTS;
  external.weights_size = sizeof weightsToken;
  const int64_t three = 3;
  fill();
  poolAt = 8;
  void *withWeights[10] = {(void *)&three, (void *)x,    (void *)z,
                           (void *)bias,   y,            w,
                           s,              workspace,    weightsToken,
                           &poolToken};
  workspaceSeen = workspace;
  q8_status weighted =
      q8_run_batched(&external, item, ITEM_WORKSPACE, withWeights);
  printf("weights: %s, calls %d, mismatches %d, pool and weights "
         "forwarded %d\n",
         q8_status_string(weighted), calls, mismatches(3), !wrongPool);
  withWeights[8] = weightsToken + 1;
  printf("misaligned weights: %s\n",
         q8_status_string(
             q8_run_batched(&external, item, ITEM_WORKSPACE, withWeights)));
  withWeights[8] = NULL;
  printf("null weights: %s\n",
         q8_status_string(
             q8_run_batched(&external, item, ITEM_WORKSPACE, withWeights)));
  poolAt = 7;

  /* The first failing item's status; the ones after it do not run. */
  fill();
  failAt = 2;
  const int64_t five = 5;
  q8_status failed = call(&desc, &five, workspace);
  printf("item fails: %s, calls %d, mismatches with 2 items done %d\n",
         q8_status_string(failed), calls, mismatchesAfter(5, 2));
  failAt = -1;

  const int64_t zero = 0, negative = -1, nine = MAX_BATCH + 1;
  refused("batch 0", &desc, &zero, workspace);
  refused("batch -1", &desc, &negative, workspace);
  refused("batch 9", &desc, &nine, workspace);
  const int64_t huge = INT64_MAX;
  q8_dim_desc unbounded[1] = {{"batch", 1, INT64_MAX}};
  q8_model_desc open = desc;
  open.dims = unbounded;
  refused("batch INT64_MAX unbounded", &open, &huge, workspace);
  refused("null dims", &desc, NULL, workspace);
  refused("misaligned workspace", &desc, &five, workspace + 8);
  refused("null workspace", &desc, &five, NULL);

  /* A NULL tensor. */
  fill();
  void *nullTensor[9] = {(void *)&five, (void *)x, NULL, (void *)bias, y,
                         w,             s,         workspace, NULL};
  printf("null tensor: %s, calls %d, outputs untouched %d\n",
         q8_status_string(q8_run_batched(&desc, item, ITEM_WORKSPACE,
                                         nullTensor)),
         calls, untouched());
  printf("null item: %s\n",
         q8_status_string(q8_run_batched(&desc, NULL, ITEM_WORKSPACE,
                                         nullTensor)));

  /* Descriptors it cannot run. */
  q8_model_desc small = desc;
  small.workspace_size = WORKSPACE - 1;
  refused("workspace below the layout", &small, &five, workspace);
  itemWorkspace = WORKSPACE + 1;
  refused("workspace below the item's", &desc, &five, workspace);
  itemWorkspace = ITEM_WORKSPACE;
  q8_dim_desc two[2] = {batchDim[0], {"seq", 1, 4}};
  q8_model_desc twoDims = desc;
  twoDims.num_dims = 2;
  twoDims.dims = two;
  refused("two dims", &twoDims, &five, workspace);
  q8_tensor_desc doubled[3] = {inputs[0], inputs[1], inputs[2]};
  doubled[1].dims[1] = BATCH;
  q8_model_desc twice = desc;
  twice.inputs = doubled;
  refused("two batch dims in a tensor", &twice, &five, workspace);
  q8_model_desc fixed = desc;
  fixed.flags = 0;
  refused("static model", &fixed, &five, workspace);
  wide();
  return 0;
}
