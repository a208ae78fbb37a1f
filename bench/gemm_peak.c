/* gemm_peak.c - the peak multiply-accumulate rate of each GEMM route's dot
 * sequence on this CPU, at its current clock (bench/gemm_peak.sh).
 *
 *   clang-22 -O2 bench/gemm_peak.c -o gemm_peak
 *   ./gemm_peak [SECONDS_PER_ROUTE]
 *
 * Each route is a register-only loop: the instruction sequence one
 * accumulator step of q8-matmul-kernels' micro-kernel issues
 * (passes/codegen/MatmulKernels.cpp), on enough independent accumulators
 * that latency does not bound it, with no memory operands. What it measures
 * is the issue rate of the execution units, which a GEMM can approach but
 * not pass. Per route, one line
 *
 *   ROUTE: GMACS MAC/s-in-GMAC, X MAC/cycle
 *
 * where the cycle rate comes from a chain of dependent 1-cycle integer adds
 * timed the same way (a guess at the clock: exact on cores whose ALU adds
 * take one cycle, which x86 cores have for decades). Routes the CPU lacks
 * print "ROUTE: unavailable (no FEATURE)". Each rate is the best of 20
 * repetitions, as a peak should be.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* 12 accumulators x 8 steps per loop trip, unrolled by the assembler. The
 * operands live in registers 12..15; the int8 routes' temporaries rotate
 * through 12 more on 32-register targets (zmm16..) or reuse one per
 * accumulator pair on AVX2 (renaming removes the false dependence). */
#define ACC12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* vfmadd231ps: 1 instruction, lanes MACs. */
#define FMA_Y(i) "vfmadd231ps %%ymm12, %%ymm13, %%ymm" #i "\n\t"
#define FMA_Z(i) "vfmadd231ps %%zmm12, %%zmm13, %%zmm" #i "\n\t"
/* vpdpbusd: 1 instruction, 4 x lanes MACs. */
#define VNNI_Z(i) "vpdpbusd %%zmm13, %%zmm12, %%zmm" #i "\n\t"
#define VNNI_Y(i) "%{vex%} vpdpbusd %%ymm13, %%ymm12, %%ymm" #i "\n\t"
/* vpmaddubsw + vpmaddwd by ones + vpaddd: 3 instructions, 4 x lanes MACs. */
#define UBSW_Y(i)                                                              \
  "vpmaddubsw %%ymm13, %%ymm12, %%ymm15\n\t"                                   \
  "vpmaddwd %%ymm14, %%ymm15, %%ymm15\n\t"                                     \
  "vpaddd %%ymm15, %%ymm" #i ", %%ymm" #i "\n\t"
/* vpmaddwd on i16 + vpaddd: 2 instructions, 2 x lanes MACs. */
#define WD_Y(i)                                                                \
  "vpmaddwd %%ymm13, %%ymm12, %%ymm15\n\t"                                     \
  "vpaddd %%ymm15, %%ymm" #i ", %%ymm" #i "\n\t"

/* The zmm temporaries of the int8 routes: zmm16 .. zmm27. */
#define T16(i) T16_##i
#define T16_0 "16"
#define T16_1 "17"
#define T16_2 "18"
#define T16_3 "19"
#define T16_4 "20"
#define T16_5 "21"
#define T16_6 "22"
#define T16_7 "23"
#define T16_8 "24"
#define T16_9 "25"
#define T16_10 "26"
#define T16_11 "27"
#define UBSW_Z(i)                                                              \
  "vpmaddubsw %%zmm13, %%zmm12, %%zmm" T16(i) "\n\t"                           \
  "vpmaddwd %%zmm14, %%zmm" T16(i) ", %%zmm" T16(i) "\n\t"                     \
  "vpaddd %%zmm" T16(i) ", %%zmm" #i ", %%zmm" #i "\n\t"
#define WD_Z(i)                                                                \
  "vpmaddwd %%zmm13, %%zmm12, %%zmm" T16(i) "\n\t"                             \
  "vpaddd %%zmm" T16(i) ", %%zmm" #i ", %%zmm" #i "\n\t"

#define CLOBBER_Y                                                              \
  "ymm0", "ymm1", "ymm2", "ymm3", "ymm4", "ymm5", "ymm6", "ymm7", "ymm8",      \
      "ymm9", "ymm10", "ymm11", "ymm12", "ymm13", "ymm14", "ymm15"
#define CLOBBER_Z                                                              \
  CLOBBER_Y, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22",    \
      "xmm23", "xmm24", "xmm25", "xmm26", "xmm27"

/* The loop over `trips`; the setup zeroes the accumulators and sets the
 * operands (small values: the int8 routes never saturate, not that timing
 * cares). */
#define LOOP(NAME, STEP, CLOBBERS, TARGET)                               \
  __attribute__((target(TARGET))) static void NAME(long trips) {               \
    __asm__ volatile(                                                          \
        "vpxor %%xmm0, %%xmm0, %%xmm0\n\t"                                     \
        "vmovdqa %%xmm0, %%xmm1\n\t vmovdqa %%xmm0, %%xmm2\n\t"               \
        "vmovdqa %%xmm0, %%xmm3\n\t vmovdqa %%xmm0, %%xmm4\n\t"               \
        "vmovdqa %%xmm0, %%xmm5\n\t vmovdqa %%xmm0, %%xmm6\n\t"               \
        "vmovdqa %%xmm0, %%xmm7\n\t vmovdqa %%xmm0, %%xmm8\n\t"               \
        "vmovdqa %%xmm0, %%xmm9\n\t vmovdqa %%xmm0, %%xmm10\n\t"              \
        "vmovdqa %%xmm0, %%xmm11\n\t"                                          \
        "vpcmpeqd %%ymm12, %%ymm12, %%ymm12\n\t"                                \
        "vpsrlw $15, %%ymm12, %%ymm14\n\t"                                     \
        "vpsrlw $14, %%ymm12, %%ymm13\n\t"                                     \
        "vpsrlw $14, %%ymm12, %%ymm12\n\t"                                     \
        "1:\n\t" ACC12(STEP) ACC12(STEP) ACC12(STEP) ACC12(STEP)               \
            ACC12(STEP) ACC12(STEP) ACC12(STEP) ACC12(STEP)                    \
        "dec %0\n\t"                                                           \
        "jnz 1b\n\t"                                                           \
        "vzeroupper\n\t"                                                       \
        : "+r"(trips)                                                          \
        :                                                                      \
        : CLOBBERS, "cc");                                                     \
  }

LOOP(fma_ymm, FMA_Y, CLOBBER_Y, "avx2,fma")
LOOP(fma_zmm, FMA_Z, CLOBBER_Z, "avx512f,avx512bw")
LOOP(vnni_zmm, VNNI_Z, CLOBBER_Z, "avx512f,avx512bw,avx512vnni")
LOOP(vnni_ymm, VNNI_Y, CLOBBER_Y, "avx2,avxvnni")
LOOP(ubsw_ymm, UBSW_Y, CLOBBER_Y, "avx2")
LOOP(ubsw_zmm, UBSW_Z, CLOBBER_Z, "avx512f,avx512bw")
LOOP(wd_ymm, WD_Y, CLOBBER_Y, "avx2")
LOOP(wd_zmm, WD_Z, CLOBBER_Z, "avx512f,avx512bw")

/* 96 dependent 1-cycle adds per trip: the clock. */
static void adds(long trips) {
  long x = 1;
  __asm__ volatile("1:\n\t"
                   ".rept 96\n\t add %1, %1\n\t .endr\n\t"
                   "dec %0\n\t"
                   "jnz 1b\n\t"
                   : "+r"(trips), "+r"(x)
                   :
                   : "cc");
}

/* Best rate of 20 repetitions of about `seconds` / 20 each, in steps per
 * second (a step: one accumulator's instruction sequence, or one add).
 * Short repetitions: on a shared machine some run without being preempted,
 * and the best of them is the core's rate. */
static double rate(void (*loop)(long), double seconds) {
  long trips = 100;
  /* Calibrate the trip count to about seconds / 20. */
  for (;;) {
    double t0 = now_s();
    loop(trips);
    double t = now_s() - t0;
    if (t > seconds / 200)
      break;
    trips *= 2;
  }
  double best = 0;
  for (int rep = 0; rep < 20; ++rep) {
    double t0 = now_s();
    loop(trips * 10);
    double t = now_s() - t0;
    double r = (double)trips * 10 * 96 / t;
    if (r > best)
      best = r;
  }
  return best;
}

struct route {
  const char *name;   /* the name gemm_peak.sh reads */
  const char *what;   /* the instruction sequence */
  const char *feature; /* __builtin_cpu_supports name */
  void (*loop)(long);
  int macs;           /* MACs per accumulator step */
};

static int supported(const char *feature) {
  /* __builtin_cpu_supports needs literal names. */
  if (!strcmp(feature, "avx2"))
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!strcmp(feature, "avx512bw"))
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw");
  if (!strcmp(feature, "avx512vnni"))
    return __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
  if (!strcmp(feature, "avxvnni"))
    return __builtin_cpu_supports("avxvnni");
  return 0;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  if (seconds <= 0) {
    fprintf(stderr, "usage: %s [SECONDS_PER_ROUTE]\n", argv[0]);
    return 1;
  }
  static const struct route routes[] = {
      {"fp32-ymm", "vfmadd231ps ymm", "avx2", fma_ymm, 8},
      {"fp32-zmm", "vfmadd231ps zmm", "avx512bw", fma_zmm, 16},
      {"vnni-zmm", "vpdpbusd zmm", "avx512vnni", vnni_zmm, 64},
      {"vnni-ymm", "{vex} vpdpbusd ymm", "avxvnni", vnni_ymm, 32},
      {"ubsw-ymm", "vpmaddubsw+vpmaddwd+vpaddd ymm", "avx2", ubsw_ymm, 32},
      {"ubsw-zmm", "vpmaddubsw+vpmaddwd+vpaddd zmm", "avx512bw", ubsw_zmm, 64},
      {"wd-ymm", "vpmaddwd+vpaddd ymm (i16)", "avx2", wd_ymm, 16},
      {"wd-zmm", "vpmaddwd+vpaddd zmm (i16)", "avx512bw", wd_zmm, 32},
  };
  double hz = rate(adds, seconds);
  printf("clock: %.2f GHz (dependent adds)\n", hz * 1e-9);
  for (size_t i = 0; i < sizeof routes / sizeof *routes; ++i) {
    const struct route *r = &routes[i];
    if (!supported(r->feature)) {
      printf("%s: unavailable (no %s)\n", r->name, r->feature);
      continue;
    }
    /* Steps are per accumulator: 12 per ACC12, 8 ACC12 per trip, i.e. the
     * same 96 per trip as the adds. */
    double macs = rate(r->loop, seconds) * r->macs;
    printf("%s: %.1f GMAC/s, %.1f MAC/cycle  (%s)\n", r->name, macs * 1e-9,
           macs / hz, r->what);
  }
  return 0;
}
