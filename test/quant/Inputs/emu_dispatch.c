/* Runs a one-input, one-output `--target all` model under vnni-emu (no OS,
   no libc) through its dispatcher, says which variant the dispatcher chose,
   and compares the output bit for bit with the expected one.

   Compile with -include MODEL.h -include DATA.h (emu_compare.py)
   -DDESCRIPTOR=<model>_descriptor -DWORKSPACE=<MODEL>_WORKSPACE_SIZE, and
   link runtime/q8_dispatch.c (built for x86_64-linux-gnu, -ffreestanding)
   beside it: this file gives it the four libc pieces it uses (getenv,
   fputs, stderr, exit). -DFORCE='"avx2"' plays Q8_FORCE_TARGET=avx2.
   -DFAKE_DISPATCH=N instead defines q8_dispatch_target() itself, returning
   N whatever the CPU (to show which code each of the dispatcher's cases
   reaches). The model is called through its packed entry point, so any
   trailing arguments (the pool) are NULL. */
#include "emu_model.h"
#include "q8_dispatch.h"

#ifdef FAKE_DISPATCH
int32_t q8_dispatch_target(void) { return FAKE_DISPATCH; }
#else
void *stderr;
int fputs(const char *text, void *stream) {
  (void)stream;
  emu_print(text);
  return 0;
}
_Noreturn void exit(int status) { emu_exit(status); }
char *getenv(const char *name) {
#ifdef FORCE
  if (strcmp(name, Q8_FORCE_TARGET_ENV) == 0)
    return (char *)FORCE;
#endif
  (void)name;
  return 0;
}
#endif


int emu_main(void) {
  enum { N = sizeof(expected_bits) / sizeof(expected_bits[0]) };
  const q8_model_desc *desc = DESCRIPTOR();
#ifndef FAKE_DISPATCH
  emu_printf("variant: %s\n", q8_target_name(q8_dispatch_target()));
#endif
  void *workspace = emu_alloc(WORKSPACE, 64);
  float *output = emu_alloc(sizeof(float) * N, 64);
  EMU_CHECK(workspace && output);
  void *args[16] = {0};
  EMU_CHECK(Q8_MODEL_NUM_ARGS(desc) <= 16);
  args[0] = (void *)input_bits;
  args[1] = output;
  args[2] = workspace;
  desc->run_packed(args);
  return emu_compare_output(output);
}
