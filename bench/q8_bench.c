/* q8_bench.c - times a q8-compiled model, the q8 runner of bench/run.sh.
 *
 *   clang-22 -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -include model.h -DQ8_DESCRIPTOR=model_descriptor \
 *     -Iruntime -Itools/common bench/q8_bench.c \
 *     model.o libq8rt.a -o q8_bench
 *   ./q8_bench [--threads N] ITERS INDIR [OUTDIR]
 *
 * Reads each model input from INDIR/<input name>.npy (checked against the
 * descriptor by model_io.h, as test/e2e's run_model.c does; a model with
 * dynamic dims runs at the dims the files' shapes give), warms up with
 * min(10, ITERS) calls as test/ort/ort-run.js --bench does, then times ITERS
 * calls (on N threads, a q8_pool, with --threads; else on this one thread)
 * and prints bench/README.md's runner line
 *   q8: min X ms, median Y ms, max Z ms
 * With OUTDIR (which must exist), it then writes the outputs of the last call
 * to OUTDIR/<output name>.npy, so the binary that is timed is the one whose
 * results bench/int8.sh compares.
 */
/* clock_gettime needs _POSIX_C_SOURCE before the first system header, and
 * -include model.h comes first: so it is on the command line, as above. */
#include "model_io.h"

#include <time.h>

#ifndef Q8_DESCRIPTOR
#error "define Q8_DESCRIPTOR to the generated <model>_descriptor"
#endif

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const q8_model_desc *desc = Q8_DESCRIPTOR();
  const char *self = argv[0];
  long threads = 1;
  if (argc >= 3 && strcmp(argv[1], "--threads") == 0) {
    threads = strtol(argv[2], NULL, 10);
    argc -= 2;
    argv += 2;
  }
  long iters = argc == 3 || argc == 4 ? strtol(argv[1], NULL, 10) : 0;
  if (!desc || iters <= 0 || threads < 1 || threads > Q8_POOL_MAX_THREADS) {
    fprintf(stderr, "usage: %s [--threads N] ITERS INDIR [OUTDIR]\n", self);
    return 1;
  }
  int nin = (int)desc->num_inputs;
  char(*names)[4096] = malloc(sizeof *names * (size_t)(nin ? nin : 1));
  const char **paths = malloc(sizeof *paths * (size_t)(nin ? nin : 1));
  if (!names || !paths) {
    fprintf(stderr, "q8_bench: out of memory\n");
    return 1;
  }
  for (int i = 0; i < nin; ++i) {
    snprintf(names[i], sizeof names[i], "%s/%s.npy", argv[2],
             desc->inputs[i].name);
    paths[i] = names[i];
  }
  q8_io io;
  int loaded = q8_io_load(desc, paths, &io, "q8_bench");
  free(paths);
  free(names);
  if (loaded != 0)
    return 1;
  q8_pool *pool = NULL;
  if (q8_pool_create((int)threads, &pool) != Q8_OK) {
    fprintf(stderr, "q8_bench: cannot start %ld threads\n", threads);
    return 1;
  }
  io.args[io.nargs - 1] = pool;
  for (long i = 0; i < (iters < 10 ? iters : 10); ++i)
    if (q8_io_run(desc, &io) != 0)
      return 1;
  double *times = (double *)malloc((size_t)iters * sizeof *times);
  for (long i = 0; i < iters; ++i) {
    double t0 = now_ms();
    q8_io_run(desc, &io);
    times[i] = now_ms() - t0;
  }
  qsort(times, (size_t)iters, sizeof *times, by_value);
  printf("q8: min %.3f ms, median %.3f ms, max %.3f ms\n", times[0],
         times[iters >> 1], times[iters - 1]);
  free(times);
  int status = argc == 4 ? q8_io_write_outputs(desc, &io, argv[3]) : 0;
  q8_io_free(&io);
  q8_pool_destroy(pool);
  return status != 0;
}
