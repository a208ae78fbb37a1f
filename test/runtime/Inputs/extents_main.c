/* Harness for extents.test: q8_run_extents on a fake dynamic model whose
 * code is the C function `run` below.
 *
 * The model, with seq in [2, 16] (a dim its code handles at run time):
 *   x f32 [3, seq]  -> y f32 [seq, 3]   y = x transposed, + bias[i]
 *   bias f32 [3]    -> n i64 []         n = seq
 * x has the dim inside, y outermost, bias and n none. Its workspace is
 * WORKSPACE bytes, planned for seq = 16. */
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#define WORKSPACE 128
#define MAX_SEQ 16
#define SEQ Q8_DIM_OF_SYMBOL(0)

static const q8_dim_desc seqDim[1] = {{"seq", 2, MAX_SEQ}};
static const q8_tensor_desc inputs[2] = {
    {"x", Q8_DTYPE_F32, 2, {3, SEQ}},
    {"bias", Q8_DTYPE_F32, 1, {3}},
};
static const q8_tensor_desc outputs[2] = {
    {"y", Q8_DTYPE_F32, 2, {SEQ, 3}},
    {"n", Q8_DTYPE_I64, 0, {0}},
};

/* What the model's code saw, for the checks in main. */
static int calls;
static void *const *argsSeen;
static int32_t result = Q8_OK;

/* The model's code: args are dims, x, bias, y, n, workspace, pool (or the
 * weights before the pool). */
static int32_t run(void *const *args) {
  ++calls;
  argsSeen = args;
  int64_t seq = *(const int64_t *)args[0];
  const float *x = args[1], *bias = args[2];
  float *y = args[3];
  for (int64_t s = 0; s < seq; ++s)
    for (int i = 0; i < 3; ++i)
      y[s * 3 + i] = x[i * seq + s] + bias[i];
  *(int64_t *)args[4] = seq;
  memset(args[5], 0xab, WORKSPACE); /* the whole planned workspace */
  return result;
}

static void dummyRun(void) {}

static q8_model_desc model(void) {
  q8_model_desc desc = {
      .abi_version = Q8_ABI_VERSION,
      .num_inputs = 2,
      .num_outputs = 2,
      .flags = Q8_MODEL_DYNAMIC,
      .name = "fake",
      .inputs = inputs,
      .outputs = outputs,
      .workspace_size = WORKSPACE,
      .run = dummyRun,
      .run_packed = run, /* any non-NULL entry for q8_model_check */
      .num_dims = 1,
      .dims = seqDim,
  };
  return desc;
}

static float x[3 * MAX_SEQ], bias[3] = {100, 200, 300}, y[MAX_SEQ * 3];
static int64_t n;
static alignas(64) unsigned char workspace[WORKSPACE + 64];
static char poolToken;

#define SENTINEL 0x5a

static void fill(void) {
  memset(y, SENTINEL, sizeof y);
  memset(&n, SENTINEL, sizeof n);
  calls = 0;
  argsSeen = NULL;
}

static int untouched(void) {
  const unsigned char *p = (const unsigned char *)y;
  for (size_t i = 0; i < sizeof y; ++i)
    if (p[i] != SENTINEL)
      return 0;
  const unsigned char *q = (const unsigned char *)&n;
  for (size_t i = 0; i < sizeof n; ++i)
    if (q[i] != SENTINEL)
      return 0;
  return 1;
}

/* Elements of y's first seq rows that differ from the model's definition,
 * plus bytes past them that are not the sentinel. */
static int mismatches(int64_t seq) {
  int bad = n != seq;
  for (int64_t s = 0; s < seq; ++s)
    for (int i = 0; i < 3; ++i)
      bad += y[s * 3 + i] != x[i * seq + s] + bias[i];
  const unsigned char *rest = (const unsigned char *)&y[seq * 3];
  for (size_t i = 0; i < sizeof y - (size_t)seq * 3 * sizeof y[0]; ++i)
    bad += rest[i] != SENTINEL;
  return bad;
}

/* The packed arguments of one call; `call` fills them. */
static void *args[7];

static q8_status call(const q8_model_desc *desc, const int64_t *dims,
                      unsigned char *work) {
  void *filled[7] = {(void *)dims, x, bias, y, &n, work, &poolToken};
  memcpy(args, filled, sizeof args);
  return q8_run_extents(desc, run, args);
}

/* A call that must fail before touching anything. */
static void refused(const char *what, const q8_model_desc *desc,
                    const int64_t *dims, unsigned char *work) {
  fill();
  q8_status status = call(desc, dims, work);
  printf("%s: %s, calls %d, outputs untouched %d\n", what,
         q8_status_string(status), calls, untouched());
}

int main(void) {
  for (int i = 0; i < 3 * MAX_SEQ; ++i)
    x[i] = (float)i;
  const q8_model_desc desc = model();
  printf("check: %s, packed args %u\n",
         q8_status_string(q8_model_check(&desc)),
         (unsigned)Q8_MODEL_NUM_ARGS(&desc));

  /* In bounds: one call, with the caller's array itself. */
  for (int64_t seq = 2; seq <= MAX_SEQ; seq += 7) {
    fill();
    q8_status status = call(&desc, &seq, workspace);
    printf("seq=%lld: %s, calls %d, same args %d, mismatches %d\n",
           (long long)seq, q8_status_string(status), calls,
           argsSeen == args && args[0] == &seq && args[6] == &poolToken,
           mismatches(seq));
  }

  /* The code's own status comes back. */
  fill();
  result = Q8_ERROR_OUT_OF_MEMORY;
  const int64_t five = 5;
  printf("code fails: %s, calls %d\n",
         q8_status_string(call(&desc, &five, workspace)), calls);
  result = Q8_OK;

  /* External weights sit between the workspace and the pool. */
  static alignas(64) char weights[64];
  q8_model_desc external = desc;
  external.flags |= Q8_MODEL_EXTERNAL_WEIGHTS;
  external.weights_size = sizeof weights;
  void *withWeights[8] = {(void *)&five, x, bias, y, &n, workspace, weights,
                          &poolToken};
  fill();
  printf("weights: %s, calls %d\n",
         q8_status_string(q8_run_extents(&external, run, withWeights)),
         calls);
  withWeights[6] = weights + 1;
  fill();
  printf("misaligned weights: %s, calls %d\n",
         q8_status_string(q8_run_extents(&external, run, withWeights)),
         calls);
  withWeights[6] = NULL;
  printf("null weights: %s, calls %d\n",
         q8_status_string(q8_run_extents(&external, run, withWeights)),
         calls);

  const int64_t one = 1, zero = 0, seventeen = MAX_SEQ + 1;
  refused("seq 1 (below min 2)", &desc, &one, workspace);
  refused("seq 0", &desc, &zero, workspace);
  refused("seq 17 (above max 16)", &desc, &seventeen, workspace);
  refused("null dims", &desc, NULL, workspace);
  refused("misaligned workspace", &desc, &five, workspace + 8);
  refused("null workspace", &desc, &five, NULL);

  /* A NULL tensor, input or output. */
  for (int i = 1; i <= 4; ++i) {
    fill();
    void *nullTensor[7] = {(void *)&five, x, bias, y, &n, workspace,
                           &poolToken};
    nullTensor[i] = NULL;
    printf("null tensor %d: %s, calls %d, outputs untouched %d\n", i,
           q8_status_string(q8_run_extents(&desc, run, nullTensor)), calls,
           untouched());
  }
  fill();
  printf("null run: %s\n",
         q8_status_string(q8_run_extents(&desc, NULL, args)));
  printf("null args: %s\n",
         q8_status_string(q8_run_extents(&desc, run, NULL)));
  printf("null desc: %s\n",
         q8_status_string(q8_run_extents(NULL, run, args)));

  /* Within an unbounded dim's bounds, but no [seq, 3] f32 array fits. */
  const int64_t huge = INT64_MAX / 4;
  q8_dim_desc unbounded[1] = {{"seq", 2, INT64_MAX}};
  q8_model_desc open = desc;
  open.dims = unbounded;
  refused("seq INT64_MAX/4 unbounded", &open, &huge, workspace);

  /* Descriptors it cannot run. */
  q8_model_desc fixed = desc;
  fixed.flags = 0;
  fixed.num_dims = 0;
  fixed.dims = NULL;
  refused("static model", &fixed, &five, workspace);
  q8_model_desc old = desc;
  old.abi_version = Q8_ABI_VERSION - 1;
  refused("another ABI", &old, &five, workspace);

  /* Two dims are fine: any number, at any position. */
  q8_dim_desc two[2] = {seqDim[0], {"unused", 1, 4}};
  q8_model_desc twoDims = desc;
  twoDims.num_dims = 2;
  twoDims.dims = two;
  const int64_t dims2[2] = {3, 4};
  fill();
  q8_status status = call(&twoDims, dims2, workspace);
  printf("two dims: %s, calls %d, mismatches %d\n", q8_status_string(status),
         calls, mismatches(3));
  refused("two dims, second above max", &twoDims,
          (const int64_t[2]){3, 5}, workspace);
  return 0;
}
