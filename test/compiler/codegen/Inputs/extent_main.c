/* Harness for extent-dim.mlir: the entry points and descriptor that the
 * emitters give a model whose code takes its dim `seq` as a run-time
 * extent (y = x + 1, x [1, seq, 4], y [seq, 4], seq in [1, 16]). */
#include "m.h"

#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>
#include <string.h>

static float x[M_X_ELEMENTS_MAX], y[M_Y_ELEMENTS_MAX];
static alignas(64) unsigned char workspace[M_WORKSPACE_SIZE + 64];

#define SENTINEL 0x5a

/* Elements of y's first seq * 4 that are not x + 1, and bytes after them
 * that are not the sentinel. */
static int mismatches(int64_t seq) {
  int bad = 0;
  for (int64_t i = 0; i < seq * 4; ++i)
    bad += y[i] != x[i] + 1;
  const unsigned char *rest = (const unsigned char *)&y[seq * 4];
  for (size_t i = 0; i < sizeof y - (size_t)seq * 4 * sizeof y[0]; ++i)
    bad += rest[i] != SENTINEL;
  return bad;
}

static void call(const char *what, const int64_t *dims, const float *in,
                 void *work) {
  memset(y, SENTINEL, sizeof y);
  q8_status status = m_run(dims, in, y, work, NULL);
  printf("%s: %s, mismatches %d\n", what, q8_status_string(status),
         mismatches(status == Q8_OK ? *dims : 0));
}

int main(void) {
  for (int i = 0; i < M_X_ELEMENTS_MAX; ++i)
    x[i] = (float)i * 0.5f;
  printf("seq in [%d, %d], x dim1 %d, elements max %d, workspace %d\n",
         M_SEQ_MIN, M_SEQ_MAX, M_X_DIM1, M_X_ELEMENTS_MAX, M_WORKSPACE_SIZE);

  /* The object's descriptor and the header's agree. */
  const q8_model_desc *desc = &m_q8_desc, *inline_desc = m_descriptor();
  printf("check: %s, flags %u, dims %u: %s [%lld, %lld], x {%lld, %lld, "
         "%lld}, y {%lld, %lld}, same as header %d\n",
         q8_status_string(q8_model_check(desc)), desc->flags, desc->num_dims,
         desc->dims[0].name, (long long)desc->dims[0].min,
         (long long)desc->dims[0].max, (long long)desc->inputs[0].dims[0],
         (long long)desc->inputs[0].dims[1],
         (long long)desc->inputs[0].dims[2],
         (long long)desc->outputs[0].dims[0],
         (long long)desc->outputs[0].dims[1],
         inline_desc->run == desc->run &&
             inline_desc->run_packed == desc->run_packed &&
             inline_desc->workspace_size == desc->workspace_size &&
             inline_desc->dims[0].max == desc->dims[0].max &&
             memcmp(inline_desc->inputs[0].dims, desc->inputs[0].dims,
                    sizeof desc->inputs[0].dims) == 0);

  const int64_t one = 1, three = 3, sixteen = 16, zero = 0, seventeen = 17;
  call("seq 1", &one, x, workspace);
  call("seq 3", &three, x, workspace);
  call("seq 16", &sixteen, x, workspace);

  /* Through the descriptor, with the dims a driver infers from x's shape. */
  q8_tensor_desc given = desc->inputs[0];
  given.dims[1] = 7;
  int64_t dims[1] = {0}, yDims[2];
  q8_model_infer_dims(desc, &given, 1, dims, NULL);
  q8_tensor_resolve_dims(desc, &desc->outputs[0], dims, yDims);
  memset(y, SENTINEL, sizeof y);
  void *args[5] = {dims, x, y, workspace, NULL};
  q8_status status = (q8_status)desc->run_packed(args);
  printf("packed, seq %lld, y [%lld, %lld]: %s, mismatches %d\n",
         (long long)dims[0], (long long)yDims[0], (long long)yDims[1],
         q8_status_string(status), mismatches(7));

  /* Refused before anything is written. */
  call("seq 0", &zero, x, workspace);
  call("seq 17", &seventeen, x, workspace);
  call("null dims", NULL, x, workspace);
  call("null x", &three, NULL, workspace);
  call("null workspace", &three, x, NULL);
  call("misaligned workspace", &three, x, workspace + 4);
  return 0;
}
