/* Runs a one-input, one-output model compiled by q8 under vnni-emu (no OS,
   no libc) and compares its output bit for bit with the expected one.
   Compile with -include MODEL.h -DRUN=<model>_run -DWORKSPACE=... and the
   header emu_compare.py writes as -include too. */
#include "emu.h"

/* The runtime's thread pool needs an OS; here the pool is NULL, and a NULL
   pool runs every loop on the calling thread, as this does. */
void q8_pool_parallel_for(q8_pool *pool, int64_t count,
                          void (*task)(void *, int64_t, int64_t),
                          void *context) {
  (void)pool;
  if (count > 0)
    task(context, 0, count);
}

int emu_main(void) {
  enum { N = sizeof(expected_bits) / sizeof(expected_bits[0]) };
  void *workspace = emu_alloc(WORKSPACE, 64);
  float *output = emu_alloc(sizeof(float) * N, 64);
  EMU_CHECK(workspace && output);
  RUN((const float *)input_bits, output, workspace, NULL);
  const unsigned *got = (const unsigned *)output;
  int wrong = 0;
  for (int i = 0; i < N; ++i)
    if (got[i] != expected_bits[i]) {
      if (wrong < 4)
        emu_printf("element %d: 0x%08x, expected 0x%08x\n", i, got[i],
                   expected_bits[i]);
      ++wrong;
    }
  emu_printf("%d of %d outputs differ\n", wrong, (int)N);
  return wrong != 0;
}
