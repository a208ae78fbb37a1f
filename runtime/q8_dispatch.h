/* q8_dispatch.h - which code variant of a `--target all` model runs.
 *
 * An object compiled with `q8c --target all` holds one variant of the model
 * per q8_target below and exports `<model>_run` as a dispatcher: each call
 * asks q8_dispatch_target() which variant to run and forwards its arguments
 * to it. The choice is made once per process (cached in an atomic; racing
 * first calls compute the same value) from CPUID, or from the environment
 * variable Q8_FORCE_TARGET=<name>, which is for testing:
 *
 * - unset or empty: the best variant the CPU runs, in the order
 *   avx512-vnni, avx512, avx-vnni, avx2, generic;
 * - a variant the CPU runs: that one;
 * - an unknown name, or a variant the CPU lacks features for: the
 *   process never runs another variant silently, nor one that would die on
 *   SIGILL. The first call of a model prints one line to stderr naming the
 *   problem and exits with status Q8_DISPATCH_EXIT_STATUS (78, sysexits'
 *   EX_CONFIG: a configuration error). A driver that wants to refuse more
 *   politely asks q8_target_choose() before calling (q8-run does).
 *
 * Everything here is C11 and needs from libc only getenv, fputs/stderr and
 * exit (no stdio formatting), so that a bare-metal harness (vnni-emu) can
 * link it by defining those four. Thread-safe.
 */
#ifndef Q8_DISPATCH_H
#define Q8_DISPATCH_H

#include "q8_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The variants of a `--target all` object, by the --target names they are
 *  compiled for. The values are the dispatcher's switch cases in emitted
 *  objects: stable, new variants only get new values. */
typedef enum q8_target {
  Q8_TARGET_GENERIC = 0,     /**< "generic": x86-64, SSE2 */
  Q8_TARGET_AVX2 = 1,        /**< "avx2": x86-64-v3 */
  Q8_TARGET_AVX512 = 2,      /**< "avx512": x86-64-v4 */
  Q8_TARGET_AVX_VNNI = 3,    /**< "avx-vnni": x86-64-v3 + AVX-VNNI */
  Q8_TARGET_AVX512_VNNI = 4, /**< "avx512-vnni": x86-64-v4 + AVX512-VNNI */
  Q8_TARGET_COUNT = 5
} q8_target;

/** The process exit status when Q8_FORCE_TARGET names an unknown variant or
 *  one this CPU cannot run, at a dispatcher's first call. */
#define Q8_DISPATCH_EXIT_STATUS 78

/** The environment variable that overrides the dispatcher's choice. */
#define Q8_FORCE_TARGET_ENV "Q8_FORCE_TARGET"

/** The --target name of `target` ("avx512-vnni"), or NULL when out of
 *  range. */
const char *q8_target_name(q8_target target);

/** The target named `name`, or -1 for a name that is none of them. */
int q8_target_from_name(const char *name);

/** Q8_CPU_* bits that code compiled for `target` needs (0 when out of
 *  range). */
uint64_t q8_target_cpu_features(q8_target target);

/** The Q8_CPU_* bits this CPU has, from cpuid, counting AVX and AVX-512
 *  only when the OS saves their registers (xgetbv). 0 on non-x86 builds. */
uint64_t q8_cpu_detect(void);

/** Writes the names of the features in `bits` ("avx512 avx512vnni"),
 *  space-separated and NUL-terminated, into `out` (truncated to `size`);
 *  returns `out`. */
char *q8_cpu_features_string(uint64_t bits, char *out, size_t size);

/** The best variant for a CPU with `cpu` (Q8_CPU_* bits): the first of
 *  avx512-vnni, avx512, avx-vnni, avx2, generic whose features it has. */
q8_target q8_target_best(uint64_t cpu);

/** The variant a `--target all` dispatcher runs on this CPU, with
 *  Q8_FORCE_TARGET honoured: Q8_OK and `*chosen`, or, when the variable
 *  names an unknown variant (Q8_ERROR_INVALID_ARGUMENT) or one the CPU
 *  lacks features for (Q8_ERROR_UNSUPPORTED_CPU), that status and a
 *  one-line reason in `message` (truncated to `size`; may be NULL).
 *  `*forced` (may be NULL) says whether the variable chose. Not cached. */
q8_status q8_target_choose(q8_target *chosen, int *forced, char *message,
                           size_t size);

/** What an emitted dispatcher calls on every call: q8_target_choose's
 *  variant, decided at the first call and cached. Where it fails, prints
 *  its reason to stderr and exits with Q8_DISPATCH_EXIT_STATUS. */
int32_t q8_dispatch_target(void);

#ifdef __cplusplus
}
#endif

#endif /* Q8_DISPATCH_H */
