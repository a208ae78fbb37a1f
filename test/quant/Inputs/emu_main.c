/* Runs a one-input, one-output model compiled by q8 under vnni-emu (no OS,
   no libc) and compares its output bit for bit with the expected one.
   Compile with -include MODEL.h -DRUN=<model>_run -DWORKSPACE=... and the
   header emu_compare.py writes as -include too. */
#include "emu_model.h"

int emu_main(void) {
  enum { N = sizeof(expected_bits) / sizeof(expected_bits[0]) };
  void *workspace = emu_alloc(WORKSPACE, 64);
  float *output = emu_alloc(sizeof(float) * N, 64);
  EMU_CHECK(workspace && output);
  RUN((const float *)input_bits, output, workspace, NULL);
  return emu_compare_output(output);
}
