/* Harness for dims.test: dynamic dims in libq8rt without a compiled model
 * (q8_model_check's rules for them, q8_model_check_dims,
 * q8_tensor_resolve_dims, the element counts, q8_tensor_check and
 * q8_model_infer_dims / q8_model_validate_inputs). */
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>

static void dummyRun(void) {}
static int32_t dummyRunPacked(void *const *args) {
  (void)args;
  return Q8_OK;
}

static void report(const char *what, q8_status status, int32_t bad) {
  printf("%s: %s %d\n", what, q8_status_string(status), bad);
}

static void check(const char *what, const q8_model_desc *desc) {
  printf("%s: %s\n", what, q8_status_string(q8_model_check(desc)));
}

/* A model with two dynamic dims, batch in [1, 64] and seq in [1, 128]:
 * ids and mask [batch, seq] i64, pos [seq, 2] f32 -> y [batch, seq, 2]. */
#define BATCH Q8_DIM_OF_SYMBOL(0)
#define SEQ Q8_DIM_OF_SYMBOL(1)
static const q8_dim_desc dims2[2] = {{"batch", 1, 64}, {"seq", 1, 128}};
static const q8_tensor_desc inputs[3] = {
    {"ids", Q8_DTYPE_I64, 2, {BATCH, SEQ}},
    {"mask", Q8_DTYPE_I64, 2, {BATCH, SEQ}},
    {"pos", Q8_DTYPE_F32, 2, {SEQ, 2}},
};
static const q8_tensor_desc outputs[1] = {
    {"y", Q8_DTYPE_F32, 3, {BATCH, SEQ, 2}}};

static q8_model_desc model(void) {
  q8_model_desc desc = {
      .abi_version = Q8_ABI_VERSION,
      .num_inputs = 3,
      .num_outputs = 1,
      .flags = Q8_MODEL_DYNAMIC,
      .name = "m",
      .inputs = inputs,
      .outputs = outputs,
      .workspace_size = 64,
      .run = dummyRun,
      .run_packed = dummyRunPacked,
      .num_dims = 2,
      .dims = dims2,
  };
  return desc;
}

int main(void) {
  const q8_model_desc desc = model();
  check("check dynamic", &desc);
  printf("packed args: %u\n", (unsigned)Q8_MODEL_NUM_ARGS(&desc));

  /* q8_model_check: the dims agree with the flag, and are well formed. */
  q8_model_desc bad = desc;
  bad.num_dims = 0;
  check("check no dims", &bad);
  bad = desc;
  bad.dims = NULL;
  check("check null dims", &bad);
  bad = desc;
  bad.flags = 0;
  check("check dims without flag", &bad);
  bad = desc;
  bad.flags |= 4u;
  check("check unknown flag", &bad);
  bad = desc;
  bad.reserved = 1;
  check("check reserved", &bad);
  q8_dim_desc badDims[2] = {dims2[0], dims2[1]};
  bad = desc;
  bad.dims = badDims;
  badDims[1].name = NULL;
  check("check unnamed", &bad);
  badDims[1] = dims2[1];
  badDims[1].min = 0;
  check("check min 0", &bad);
  badDims[1].min = 9;
  badDims[1].max = 8;
  check("check min above max", &bad);
  badDims[1].min = 8;
  check("check min equals max", &bad);
  /* A tensor dim that names a third symbol, or a huge negative one (which
   * an int32_t symbol index would wrap into range). */
  q8_tensor_desc badOutputs[1] = {outputs[0]};
  bad = desc;
  bad.outputs = badOutputs;
  badOutputs[0].dims[2] = Q8_DIM_OF_SYMBOL(2);
  check("check unknown symbol", &bad);
  badOutputs[0].dims[2] = INT64_MIN;
  check("check dim INT64_MIN", &bad);
  badOutputs[0].dims[2] = -1 - (int64_t)UINT32_MAX - 1;
  check("check dim wrapping to symbol 0", &bad);

  /* q8_model_check_dims: each value in its [min, max]. */
  int32_t index = 7;
  int64_t values[2] = {64, 1};
  report("dims ok", q8_model_check_dims(&desc, values, &index), index);
  values[0] = 65;
  report("dims above", q8_model_check_dims(&desc, values, &index), index);
  values[0] = 1;
  values[1] = 0;
  report("dims zero", q8_model_check_dims(&desc, values, &index), index);
  values[1] = -3;
  report("dims negative", q8_model_check_dims(&desc, values, &index), index);
  values[1] = 129;
  report("dims seq above", q8_model_check_dims(&desc, values, &index), index);
  report("dims null", q8_model_check_dims(&desc, NULL, &index), index);
  q8_model_desc fixed = desc;
  fixed.flags = 0;
  fixed.num_dims = 0;
  fixed.dims = NULL;
  report("dims static null", q8_model_check_dims(&fixed, NULL, &index),
         index);

  /* Shapes and element counts at given dims. */
  const int64_t at[2] = {4, 7};
  int64_t shape[Q8_MAX_RANK] = {0};
  q8_status status = q8_tensor_resolve_dims(&desc, &outputs[0], at, shape);
  printf("resolve y: %s [%lld, %lld, %lld]\n", q8_status_string(status),
         (long long)shape[0], (long long)shape[1], (long long)shape[2]);
  status = q8_tensor_resolve_dims(&desc, &inputs[2], at, shape);
  printf("resolve pos: %s [%lld, %lld]\n", q8_status_string(status),
         (long long)shape[0], (long long)shape[1]);
  printf("resolve no dims: %s\n",
         q8_status_string(q8_tensor_resolve_dims(&desc, &inputs[0], NULL,
                                                 shape)));
  printf("resolve unknown symbol: %s\n",
         q8_status_string(
             q8_tensor_resolve_dims(&desc, &badOutputs[0], at, shape)));
  const q8_tensor_desc plain = {"p", Q8_DTYPE_F32, 2, {3, 5}};
  status = q8_tensor_resolve_dims(NULL, &plain, NULL, shape);
  printf("resolve static: %s [%lld, %lld]\n", q8_status_string(status),
         (long long)shape[0], (long long)shape[1]);
  printf("elements: static %lld, dynamic %lld, at %lld, at no dims %lld\n",
         (long long)q8_tensor_num_elements(&plain),
         (long long)q8_tensor_num_elements(&outputs[0]),
         (long long)q8_tensor_num_elements_at(&desc, &outputs[0], at),
         (long long)q8_tensor_num_elements_at(&desc, &outputs[0], NULL));
  const int64_t huge[2] = {INT64_MAX / 2, 3};
  printf("elements overflow: %lld\n",
         (long long)q8_tensor_num_elements_at(&desc, &inputs[0], huge));

  /* q8_tensor_check has no bounds: any positive value for a dynamic dim. */
  const int64_t seven[2] = {7, 7}, zero[2] = {0, 7};
  printf("tensor check dynamic 7: %s\n",
         q8_status_string(q8_tensor_check(&inputs[0], Q8_DTYPE_I64, 2,
                                          seven)));
  printf("tensor check dynamic 0: %s\n",
         q8_status_string(q8_tensor_check(&inputs[0], Q8_DTYPE_I64, 2, zero)));

  /* q8_model_infer_dims from the caller's tensors. */
  q8_tensor_desc given[3] = {
      {"ids", Q8_DTYPE_I64, 2, {4, 7}},
      {"mask", Q8_DTYPE_I64, 2, {4, 7}},
      {"pos", Q8_DTYPE_F32, 2, {7, 2}},
  };
  int64_t inferred[2] = {0, 0};
  status = q8_model_infer_dims(&desc, given, 3, inferred, &index);
  printf("infer: %s %d -> batch %lld seq %lld\n", q8_status_string(status),
         index, (long long)inferred[0], (long long)inferred[1]);
  report("infer check only", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);
  given[0].dims[0] = 70;
  given[1].dims[0] = 70;
  report("infer above bound",
         q8_model_infer_dims(&desc, given, 3, NULL, &index), index);
  given[0].dims[0] = 4;
  report("infer disagree", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);
  given[1].dims[0] = 4;
  given[2].dims[0] = 8;
  report("infer disagree later", q8_model_infer_dims(&desc, given, 3, NULL,
                                                     &index),
         index);
  given[2].dims[0] = 7;
  given[2].dims[1] = 3;
  report("infer static dim", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);
  given[2].dims[1] = 2;
  given[1].dtype = Q8_DTYPE_I32;
  report("infer dtype", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);
  given[1].dtype = Q8_DTYPE_I64;
  given[0].rank = 3;
  report("infer rank", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);
  given[0].rank = 2;
  report("infer count", q8_model_infer_dims(&desc, given, 2, NULL, &index),
         index);
  report("infer ok again", q8_model_infer_dims(&desc, given, 3, NULL, &index),
         index);

  /* One symbol twice in one tensor: [batch, batch]. */
  const q8_tensor_desc square[1] = {{"sq", Q8_DTYPE_F32, 2, {BATCH, BATCH}}};
  q8_model_desc squared = desc;
  squared.num_inputs = 1;
  squared.inputs = square;
  squared.num_dims = 1;
  squared.num_outputs = 0;
  q8_tensor_desc sq = {"sq", Q8_DTYPE_F32, 2, {3, 3}};
  report("infer square", q8_model_infer_dims(&squared, &sq, 1, inferred,
                                             &index),
         index);
  sq.dims[1] = 4;
  report("infer not square", q8_model_infer_dims(&squared, &sq, 1, inferred,
                                                 &index),
         index);

  /* A symbol that only an output has: nothing gives its value. */
  q8_model_desc orphan = desc;
  orphan.num_inputs = 1;
  orphan.inputs = &inputs[2];
  report("infer orphan symbol", q8_model_infer_dims(&orphan, &given[2], 1,
                                                    inferred, &index),
         index);

  /* q8_model_validate_inputs goes through the same inference. */
  static alignas(64) unsigned char workspace[64];
  report("validate dynamic",
         q8_model_validate_inputs(&desc, given, 3, workspace, &index), index);
  given[2].dims[0] = 129;
  given[0].dims[1] = 129;
  given[1].dims[1] = 129;
  report("validate above bound",
         q8_model_validate_inputs(&desc, given, 3, workspace, &index), index);
  return 0;
}
