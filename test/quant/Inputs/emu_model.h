/* What the vnni-emu model harnesses (emu_main.c, emu_dispatch.c) share:
   the thread pool's loop for a NULL pool (no OS, so no threads: one slice
   on the calling thread, which is what a NULL pool means) and the bit for
   bit comparison of the model's output with expected_bits (the header
   emu_compare.py writes, -include'd before this file). */
#ifndef Q8_TEST_EMU_MODEL_H
#define Q8_TEST_EMU_MODEL_H

#include "emu.h"
#include "q8_pool.h"

/* Weak: a harness linked with an object that defines it keeps that one. */
__attribute__((weak)) void q8_pool_parallel_for(q8_pool *pool, int64_t count,
                                                q8_pool_task task,
                                                void *context) {
  (void)pool;
  if (count > 0)
    task(context, 0, count);
}

/* Prints the first differing elements and the count; 1 if any differ. */
static int emu_compare_output(const float *output) {
  enum { N = sizeof(expected_bits) / sizeof(expected_bits[0]) };
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

#endif
