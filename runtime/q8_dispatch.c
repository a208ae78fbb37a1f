/* q8_dispatch.c - CPUID and Q8_FORCE_TARGET pick a `--target all` variant.
 *
 * Its own cpuid reading rather than q8_cpu_features_detect (q8_runtime.c):
 * the variants need the whole x86-64-v3/v4 feature set (F16C, BMI, LZCNT,
 * MOVBE, AVX-512 CD/DQ too), and this file must link without the rest of
 * libq8rt (stdio, files) into a bare-metal harness (vnni-emu). */
#include "q8_dispatch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define Q8_DISPATCH_X86 1
#endif

static const char *const targetNames[Q8_TARGET_COUNT] = {
    "generic", "avx2", "avx512", "avx-vnni", "avx512-vnni"};

#define Q8_CPU_V3                                                              \
  (Q8_CPU_X86_64_V2 | Q8_CPU_AVX2 | Q8_CPU_FMA | Q8_CPU_F16C | Q8_CPU_BMI)
#define Q8_CPU_V4 (Q8_CPU_V3 | Q8_CPU_AVX512)

/* What each variant's code may use: its LLVM CPU (x86-64, x86-64-v3,
 * x86-64-v4) and extra features (compiler/codegen/Target.cpp). */
static const uint64_t targetNeeds[Q8_TARGET_COUNT] = {
    0, Q8_CPU_V3, Q8_CPU_V4, Q8_CPU_V3 | Q8_CPU_AVXVNNI,
    Q8_CPU_V4 | Q8_CPU_AVX512VNNI};

/* Best first. AVX-512 before AVX-VNNI: twice the f32 lanes, and no CPU has
 * AVX-VNNI with AVX-512 but without AVX512-VNNI. */
static const q8_target preference[Q8_TARGET_COUNT] = {
    Q8_TARGET_AVX512_VNNI, Q8_TARGET_AVX512, Q8_TARGET_AVX_VNNI,
    Q8_TARGET_AVX2, Q8_TARGET_GENERIC};

static const struct {
  uint64_t bit;
  const char *name;
} featureNames[] = {
    {Q8_CPU_X86_64_V2, "x86-64-v2"}, {Q8_CPU_AVX2, "avx2"},
    {Q8_CPU_FMA, "fma"},             {Q8_CPU_F16C, "f16c"},
    {Q8_CPU_BMI, "bmi"},             {Q8_CPU_AVX512, "avx512"},
    {Q8_CPU_AVX512VNNI, "avx512vnni"}, {Q8_CPU_AVXVNNI, "avxvnni"}};

const char *q8_target_name(q8_target target) {
  if ((unsigned)target >= Q8_TARGET_COUNT)
    return NULL;
  return targetNames[target];
}

int q8_target_from_name(const char *name) {
  if (!name)
    return -1;
  for (int i = 0; i < Q8_TARGET_COUNT; ++i)
    if (strcmp(name, targetNames[i]) == 0)
      return i;
  return -1;
}

uint64_t q8_target_cpu_features(q8_target target) {
  if ((unsigned)target >= Q8_TARGET_COUNT)
    return 0;
  return targetNeeds[target];
}

#ifdef Q8_DISPATCH_X86
static uint64_t readXcr0(void) {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
}

#define BIT(reg, n) (((reg) >> (n)) & 1u)
#endif

uint64_t q8_cpu_detect(void) {
  uint64_t bits = 0;
#ifdef Q8_DISPATCH_X86
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return 0;
  unsigned ecx1 = ecx;
  unsigned lahf = 0, lzcnt = 0;
  if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx)) {
    lahf = BIT(ecx, 0);
    lzcnt = BIT(ecx, 5);
  }
  if (BIT(ecx1, 0) && BIT(ecx1, 9) && BIT(ecx1, 13) && BIT(ecx1, 19) &&
      BIT(ecx1, 20) && BIT(ecx1, 23) && lahf)
    bits |= Q8_CPU_X86_64_V2;
  /* AVX state saved by the OS (XCR0 bits 1, 2), and AVX-512's (5, 6, 7). */
  int ymm = BIT(ecx1, 27) && BIT(ecx1, 28) && (readXcr0() & 0x6) == 0x6;
  int zmm = ymm && (readXcr0() & 0xe0) == 0xe0;
  if (ymm && BIT(ecx1, 12))
    bits |= Q8_CPU_FMA;
  if (ymm && BIT(ecx1, 29))
    bits |= Q8_CPU_F16C;
  if (__get_cpuid_max(0, NULL) < 7)
    return bits;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  unsigned maxSubleaf = eax, ebx7 = ebx, ecx7 = ecx;
  if (ymm && BIT(ebx7, 5))
    bits |= Q8_CPU_AVX2;
  if (BIT(ebx7, 3) && BIT(ebx7, 8) && lzcnt && BIT(ecx1, 22))
    bits |= Q8_CPU_BMI;
  /* F, DQ, CD, BW, VL. */
  if (zmm && BIT(ebx7, 16) && BIT(ebx7, 17) && BIT(ebx7, 28) &&
      BIT(ebx7, 30) && BIT(ebx7, 31))
    bits |= Q8_CPU_AVX512;
  if (zmm && BIT(ecx7, 11))
    bits |= Q8_CPU_AVX512VNNI;
  if (maxSubleaf >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    if (ymm && BIT(eax, 4))
      bits |= Q8_CPU_AVXVNNI;
  }
#endif
  return bits;
}

/* Appends `text` to the NUL-terminated `out` of `size` bytes, truncating.
 * (No snprintf: see the header.) */
static void append(char *out, size_t size, const char *text) {
  if (!out || !size)
    return;
  size_t used = strlen(out);
  size_t room = size - 1 - used;
  size_t length = strlen(text);
  if (length > room)
    length = room;
  memcpy(out + used, text, length);
  out[used + length] = '\0';
}

char *q8_cpu_features_string(uint64_t bits, char *out, size_t size) {
  if (!out || !size)
    return out;
  out[0] = '\0';
  for (size_t i = 0; i < sizeof(featureNames) / sizeof(featureNames[0]); ++i)
    if (bits & featureNames[i].bit) {
      if (out[0])
        append(out, size, " ");
      append(out, size, featureNames[i].name);
    }
  return out;
}

q8_target q8_target_best(uint64_t cpu) {
  for (int i = 0; i < Q8_TARGET_COUNT; ++i)
    if ((targetNeeds[preference[i]] & ~cpu) == 0)
      return preference[i];
  return Q8_TARGET_GENERIC;
}

q8_status q8_target_choose(q8_target *chosen, int *forced, char *message,
                           size_t size) {
  if (message && size)
    message[0] = '\0';
  if (forced)
    *forced = 0;
  if (!chosen)
    return Q8_ERROR_INVALID_ARGUMENT;
  uint64_t cpu = q8_cpu_detect();
  *chosen = q8_target_best(cpu);
  const char *name = getenv(Q8_FORCE_TARGET_ENV);
  if (!name || !*name)
    return Q8_OK;
  int target = q8_target_from_name(name);
  append(message, size, Q8_FORCE_TARGET_ENV "=");
  append(message, size, name);
  if (target < 0) {
    append(message, size, " names no variant of a --target all object "
                          "(expected generic, avx2, avx512, avx-vnni or "
                          "avx512-vnni)");
    return Q8_ERROR_INVALID_ARGUMENT;
  }
  uint64_t missing = targetNeeds[target] & ~cpu;
  if (missing) {
    char features[96];
    append(message, size, ": this CPU lacks ");
    append(message, size, q8_cpu_features_string(missing, features,
                                                  sizeof(features)));
    append(message, size, ", which the ");
    append(message, size, name);
    append(message, size, " variant needs");
    return Q8_ERROR_UNSUPPORTED_CPU;
  }
  *chosen = (q8_target)target;
  if (forced)
    *forced = 1;
  return Q8_OK;
}

int32_t q8_dispatch_target(void) {
  /* -1: not decided yet. Relaxed: every thread that races here computes
   * the same value from the same CPU and environment. */
  static atomic_int cached = -1;
  int target = atomic_load_explicit(&cached, memory_order_relaxed);
  if (target >= 0)
    return target;
  q8_target chosen;
  char message[256];
  if (q8_target_choose(&chosen, NULL, message, sizeof(message)) != Q8_OK) {
    fputs("q8: ", stderr);
    fputs(message, stderr);
    fputs("; exiting (status 78)\n", stderr);
    exit(Q8_DISPATCH_EXIT_STATUS);
  }
  atomic_store_explicit(&cached, (int)chosen, memory_order_relaxed);
  return (int32_t)chosen;
}
