/* q8_pool.h - the thread pool q8-compiled models run their loops on.
 *
 * A model's entry point takes a `q8_pool *` as its last argument. NULL, or
 * a pool of one thread, runs everything on the calling thread and starts
 * no thread. A pool of N threads holds N - 1 workers; during a call the
 * caller is the N-th. The model splits its matmuls, convolutions and
 * elementwise loops into iterations that write disjoint parts of their
 * outputs and compute each part exactly as one thread would, so the
 * results are bit-identical whatever the thread count.
 *
 * A pool runs one parallel loop at a time. Two threads may share a pool:
 * a loop that finds the pool busy runs on its caller alone (same results,
 * no deadlock); for parallel model calls, give each caller its own pool.
 * C11 with POSIX threads (part of libc on glibc >= 2.34).
 */
#ifndef Q8_POOL_H
#define Q8_POOL_H

#include "q8_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most threads a pool may have. */
#define Q8_POOL_MAX_THREADS 256

/** Creates a pool of `threads` threads (1 to Q8_POOL_MAX_THREADS; 1 starts
 *  no thread) into `*pool`. Returns Q8_OK, Q8_ERROR_INVALID_ARGUMENT (NULL
 *  pool, a count out of range) or Q8_ERROR_OUT_OF_MEMORY (memory, or the
 *  system refused a thread); on failure `*pool` is NULL. */
q8_status q8_pool_create(int threads, q8_pool **pool);

/** Stops the workers and frees the pool; NULL is a no-op. No call may be
 *  running on it. */
void q8_pool_destroy(q8_pool *pool);

/** The pool's thread count, the caller included (1 for NULL). */
int q8_pool_threads(const q8_pool *pool);

/** One slice [begin, end) of a parallel loop's iterations. */
typedef void (*q8_pool_task)(void *context, int64_t begin, int64_t end);

/** Runs task over [0, count) on the pool's threads and the caller, in
 *  slices, and returns when every iteration has run. Compiled models call
 *  it (Q8_POOL_PARALLEL_FOR); the slices' boundaries never change what an
 *  iteration computes. */
void q8_pool_parallel_for(q8_pool *pool, int64_t count, q8_pool_task task,
                          void *context);

#ifdef __cplusplus
}
#endif

#endif /* Q8_POOL_H */
