/* The bochs 2.7 defect that keeps CNNs' AVX-512 int8 code from running
   under vnni-emu: EVEX vpinsrb with a memory operand and an 8-bit
   displacement scales the displacement by 2 (as vpinsrw's disp8*N would)
   instead of 1, so `vpinsrb $0, 3(A)` reads A[6]. Built natively (-DNATIVE)
   it reads A[3]. Returns 0 when the byte is right. */
#ifdef NATIVE
#include <stdio.h>
#define emu_printf printf
int emu_main(void);
int main(void) { return emu_main(); }
#else
#include "emu.h"
#endif
static unsigned char A[64] __attribute__((aligned(64))), R[16] __attribute__((aligned(16)));
__attribute__((target("avx512f,avx512bw,avx512vl"))) int emu_main(void) {
  for (int i = 0; i < 64; ++i) A[i] = (unsigned char)i;
  __asm__ volatile("vpxord %%xmm18, %%xmm18, %%xmm18\n\t"
                   "vpinsrb $0, 3(%1), %%xmm18, %%xmm18\n\t"
                   "vmovdqu8 %%xmm18, (%0)" : : "r"(R), "r"(A) : "memory", "xmm18");
  emu_printf("vpinsrb $0, 3(A), xmm18: byte 0 = %d (A[3] = 3)\n", R[0]);
  return R[0] != 3;
}
