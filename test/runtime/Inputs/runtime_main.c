/* Harness for runtime.test: exercises libq8rt without a compiled model. */
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>

static void dummyRun(void) {}
static int32_t dummyRunPacked(void *const *args) {
  (void)args;
  return Q8_OK;
}

static const char *yesNo(bool value) { return value ? "yes" : "no"; }

int main(void) {
  printf("status 0: %s\n", q8_status_string(Q8_OK));
  printf("status 3: %s\n", q8_status_string(Q8_ERROR_SHAPE_MISMATCH));
  printf("status 99: %s\n", q8_status_string((q8_status)99));
  printf("dtype %s %zu, i8 %zu, i64 %zu, unknown %zu\n",
         q8_dtype_name(Q8_DTYPE_F32), q8_dtype_size(Q8_DTYPE_F32),
         q8_dtype_size(Q8_DTYPE_I8), q8_dtype_size(Q8_DTYPE_I64),
         q8_dtype_size((q8_dtype)42));
  printf("dtypes:");
  for (int d = Q8_DTYPE_F32; d <= Q8_DTYPE_BOOL; ++d)
    printf(" %s=%zu", q8_dtype_name((q8_dtype)d), q8_dtype_size((q8_dtype)d));
  printf("\n");

  q8_tensor_desc inputs[2] = {
      {"x", Q8_DTYPE_F32, 2, {3, 4}},
      {"w", Q8_DTYPE_I8, 1, {5}},
  };
  q8_tensor_desc outputs[1] = {{"y", Q8_DTYPE_F32, 1, {3}}};
  q8_model_desc desc = {Q8_ABI_VERSION, 2, 1, 0, "m", inputs, outputs,
                        128, 0, dummyRun, dummyRunPacked, "generic", 0,
                        0, 0, NULL};
  printf("check valid: %s\n", q8_status_string(q8_model_check(&desc)));
  q8_model_desc unpacked = desc;
  unpacked.run_packed = NULL;
  printf("check no packed entry: %s\n",
         q8_status_string(q8_model_check(&unpacked)));
  printf("packed args: %u\n", (unsigned)Q8_MODEL_NUM_ARGS(&desc));
  printf("check null: %s\n", q8_status_string(q8_model_check(NULL)));
  q8_model_desc old = desc;
  old.abi_version = Q8_ABI_VERSION + 1;
  printf("check abi: %s\n", q8_status_string(q8_model_check(&old)));
  q8_tensor_desc badInputs[2] = {inputs[0], inputs[1]};
  badInputs[1].rank = Q8_MAX_RANK + 1;
  q8_model_desc bad = desc;
  bad.inputs = badInputs;
  printf("check bad rank: %s\n", q8_status_string(q8_model_check(&bad)));

  printf("find x: %d\n", (int)(q8_model_find_input(&desc, "x") - inputs));
  printf("find y output: %d\n",
         q8_model_find_output(&desc, "y") == &outputs[0]);
  printf("find missing: %s\n",
         q8_model_find_input(&desc, "nope") ? "found" : "null");
  printf("elements: %lld\n", (long long)q8_tensor_num_elements(&inputs[0]));

  static alignas(64) unsigned char workspace[256];
  q8_tensor_desc given[2] = {inputs[0], inputs[1]};
  int32_t index = 0;
  q8_status status;
  status = q8_model_validate_inputs(&desc, given, 2, workspace, &index);
  printf("validate ok: %s %d\n", q8_status_string(status), index);
  status = q8_model_validate_inputs(&desc, given, 1, workspace, &index);
  printf("validate count: %s %d\n", q8_status_string(status), index);
  given[1].dims[0] = 6;
  status = q8_model_validate_inputs(&desc, given, 2, workspace, &index);
  printf("validate dims: %s %d\n", q8_status_string(status), index);
  given[1] = inputs[1];
  given[0].rank = 3;
  status = q8_model_validate_inputs(&desc, given, 2, workspace, &index);
  printf("validate rank: %s %d\n", q8_status_string(status), index);
  given[0] = inputs[0];
  given[1].dtype = Q8_DTYPE_U8;
  status = q8_model_validate_inputs(&desc, given, 2, workspace, &index);
  printf("validate dtype: %s %d\n", q8_status_string(status), index);
  given[1] = inputs[1];
  status = q8_model_validate_inputs(&desc, given, 2, NULL, &index);
  printf("validate null workspace: %s %d\n", q8_status_string(status), index);
  status = q8_model_validate_inputs(&desc, given, 2, workspace + 4, &index);
  printf("validate misaligned: %s %d\n", q8_status_string(status), index);

  q8_cpu_features cpu;
  printf("detect: %s\n", q8_status_string(q8_cpu_features_detect(&cpu)));
  __builtin_cpu_init();
  printf("avx2 agrees: %s\n",
         yesNo(cpu.avx2 == (bool)__builtin_cpu_supports("avx2")));
  printf("fma agrees: %s\n",
         yesNo(cpu.fma == (bool)__builtin_cpu_supports("fma")));
  printf("avx512f agrees: %s\n",
         yesNo(cpu.avx512f == (bool)__builtin_cpu_supports("avx512f")));
  printf("avx512vnni agrees: %s\n",
         yesNo(cpu.avx512vnni == (bool)__builtin_cpu_supports("avx512vnni")));
  bool implied = (!cpu.avx512vl || cpu.avx512f) &&
                 (!cpu.avx512bw || cpu.avx512f) &&
                 (!cpu.avx512vnni || cpu.avx512f);
  printf("implications hold: %s\n", yesNo(implied));
  return 0;
}
