/* run_model.c - runs any q8-compiled model on .npy inputs, writes .npy outputs.
 *
 *   cc -include model.h -DQ8_DESCRIPTOR=model_descriptor run_model.c model.o
 *   ./run OUTDIR IN0.npy IN1.npy ...
 *
 * Inputs come in the model's input order and are checked against its
 * descriptor (dtype and shape); each output is written to OUTDIR/<name>.npy.
 * The descriptor makes one harness serve every model, so the tests compare
 * what the compiler emits, not per-model glue.
 */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"
#include "q8_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef Q8_DESCRIPTOR
#error "define Q8_DESCRIPTOR to the generated <model>_descriptor"
#endif

/* The largest inputs + outputs + workspace the call switch below spells out. */
#define MAX_ARGS 8

typedef void *ptr;

/* Calls the type-erased entry point with its exact arity: every argument is
 * a pointer, so each case is the model's real prototype up to pointer types. */
static int call(q8_run_fn run, int n, ptr *a) {
  switch (n) {
#define FN(...) ((void (*)(__VA_ARGS__))run)
  case 2: FN(ptr, ptr)(a[0], a[1]); return 0;
  case 3: FN(ptr, ptr, ptr)(a[0], a[1], a[2]); return 0;
  case 4: FN(ptr, ptr, ptr, ptr)(a[0], a[1], a[2], a[3]); return 0;
  case 5: FN(ptr, ptr, ptr, ptr, ptr)(a[0], a[1], a[2], a[3], a[4]); return 0;
  case 6:
    FN(ptr, ptr, ptr, ptr, ptr, ptr)(a[0], a[1], a[2], a[3], a[4], a[5]);
    return 0;
  case 7:
    FN(ptr, ptr, ptr, ptr, ptr, ptr, ptr)
    (a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    return 0;
  case 8:
    FN(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr)
    (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    return 0;
#undef FN
  default:
    return 1;
  }
}

int main(int argc, char **argv) {
  const q8_model_desc *desc = Q8_DESCRIPTOR();
  if (q8_model_check(desc) != Q8_OK) {
    fprintf(stderr, "run_model: bad descriptor\n");
    return 1;
  }
  int nin = (int)desc->num_inputs, nout = (int)desc->num_outputs;
  if (argc != 2 + nin) {
    fprintf(stderr, "usage: %s OUTDIR IN0.npy ... (%s has %d inputs)\n",
            argv[0], desc->name, nin);
    return 1;
  }
  if (nin + nout + 1 > MAX_ARGS) {
    fprintf(stderr, "run_model: %d inputs and %d outputs are too many\n", nin,
            nout);
    return 1;
  }
  ptr args[MAX_ARGS];
  npy_array arrays[MAX_ARGS];
  q8_tensor_desc given[MAX_ARGS];
  for (int i = 0; i < nin; ++i) {
    const q8_tensor_desc *want = &desc->inputs[i];
    if (npy_read(argv[2 + i], &arrays[i]) != 0)
      return 1;
    given[i] = *want;
    given[i].dtype = arrays[i].dtype;
    given[i].rank = arrays[i].rank;
    memcpy(given[i].dims, arrays[i].dims, sizeof given[i].dims);
    args[i] = arrays[i].data;
  }
  void *workspace = NULL;
  if (desc->workspace_size)
    workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT, desc->workspace_size);
  int32_t bad = -1;
  q8_status status = q8_model_validate_inputs(desc, given, (uint32_t)nin,
                                              workspace, &bad);
  if (status != Q8_OK) {
    fprintf(stderr, "run_model: %s%s: %s\n", bad >= 0 ? "input " : "",
            bad >= 0 ? desc->inputs[bad].name : "workspace",
            q8_status_string(status));
    return 1;
  }
  for (int i = 0; i < nout; ++i) {
    const q8_tensor_desc *out = &desc->outputs[i];
    size_t bytes = (size_t)q8_tensor_num_elements(out) *
                   q8_dtype_size((q8_dtype)out->dtype);
    args[nin + i] = calloc(bytes ? bytes : 1, 1);
  }
  args[nin + nout] = workspace;
  if (call(desc->run, nin + nout + 1, args) != 0)
    return 1;

  if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "run_model: cannot create %s\n", argv[1]);
    return 1;
  }
  for (int i = 0; i < nout; ++i) {
    const q8_tensor_desc *out = &desc->outputs[i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", argv[1], out->name);
    if (npy_write(path, out, args[nin + i]) != 0)
      return 1;
    free(args[nin + i]);
  }
  for (int i = 0; i < nin; ++i)
    free(arrays[i].data);
  free(workspace);
  return 0;
}
