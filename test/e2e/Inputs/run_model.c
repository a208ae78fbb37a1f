/* run_model.c - runs any q8-compiled model on .npy inputs, writes .npy outputs.
 *
 *   cc -include model.h -DQ8_DESCRIPTOR=model_descriptor run_model.c model.o
 *   ./run OUTDIR IN0.npy IN1.npy ...
 *
 * Inputs come in the model's input order and are checked against its
 * descriptor (dtype and shape; a model with dynamic dims takes them from
 * the inputs' shapes, and shapes its outputs by them); each output is
 * written to OUTDIR/<name>.npy.
 * The descriptor makes one harness serve every model, so the tests compare
 * what the compiler emits, not per-model glue. The I/O lives in
 * tools/common/model_io.h (-Itools/common), shared with q8-run and
 * bench/q8_bench.c; it calls the model through its packed entry point.
 */
#define _POSIX_C_SOURCE 200809L
#include "model_io.h"

#include <errno.h>
#include <sys/stat.h>

#ifndef Q8_DESCRIPTOR
#error "define Q8_DESCRIPTOR to the generated <model>_descriptor"
#endif

int main(int argc, char **argv) {
  const q8_model_desc *desc = Q8_DESCRIPTOR();
  int nin = desc ? (int)desc->num_inputs : 0;
  if (!desc || argc != 2 + nin) {
    fprintf(stderr, "usage: %s OUTDIR IN0.npy ... (%s has %d inputs)\n",
            argv[0], desc ? desc->name : "?", nin);
    return 1;
  }
  q8_io io;
  if (q8_io_load(desc, (const char *const *)argv + 2, &io, "run_model") != 0)
    return 1;
  if (q8_io_run(desc, &io) != 0)
    return 1;
  if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "run_model: cannot create %s\n", argv[1]);
    return 1;
  }
  if (q8_io_write_outputs(desc, &io, argv[1]) != 0)
    return 1;
  q8_io_free(&io);
  return 0;
}
