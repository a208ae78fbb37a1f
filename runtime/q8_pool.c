/* q8_pool.c - the thread pool behind q8_pool.h.
 *
 * One job at a time: the caller publishes (task, context, count) and bumps
 * `generation`; a worker that sees the new generation joins the job (counts
 * itself in `joined`, then checks the job is still open), claims slices of
 * the iterations from an atomic counter until none are left, and leaves.
 * The caller claims slices too, then closes the job and waits only for the
 * workers that joined it: a worker the OS has not scheduled yet is not
 * waited for (on a loaded machine that wait would be a whole time slice per
 * loop), and when it runs it finds the job closed or gone and touches
 * nothing. Between jobs a worker spins briefly (a model's loops follow
 * each other within microseconds), yields, and then sleeps on a condition
 * variable until the next job or the pool's end.
 */
#define _POSIX_C_SOURCE 200809L

#include "q8_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* A waiting worker pauses this often, then yields this often, before it
 * goes to sleep: together some hundred microseconds, longer than the gap
 * between two loops of a model, shorter than the gap between two model
 * calls of a typical caller. Yielding leaves the core to other threads on
 * a machine with more runnable threads than cores. */
#define Q8_POOL_SPIN 4000
#define Q8_POOL_YIELDS 100

struct q8_pool {
  int threads; /* the caller included */
  pthread_t *workers;

  /* The job; written by the caller before `generation` is bumped. */
  q8_pool_task task;
  void *context;
  int64_t count;
  int64_t slice;
  atomic_llong next;        /* first iteration nobody has claimed */
  atomic_int joined;        /* workers inside a job */
  atomic_ullong open;       /* the generation of the open job, 0: none */
  atomic_ullong generation; /* bumped once per job, from 1 */
  atomic_int busy;          /* a caller owns the pool */

  pthread_mutex_t mutex; /* guards sleepers and stop, with `wake` */
  pthread_cond_t wake;
  int sleepers;
  int stop;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claims and runs slices of the current job until none are left. */
static void run_slices(q8_pool *pool) {
  int64_t count = pool->count, slice = pool->slice;
  for (;;) {
    int64_t begin = atomic_fetch_add_explicit(&pool->next, slice,
                                              memory_order_relaxed);
    if (begin >= count)
      return;
    int64_t end = begin + slice < count ? begin + slice : count;
    pool->task(pool->context, begin, end);
  }
}

/* Waits until `generation` differs from `seen` (returned) or the pool
 * stops (returns `seen`, with `*stop` set). */
static unsigned long long wait_for_job(q8_pool *pool, unsigned long long seen,
                                       int *stop) {
  for (int spin = 0; spin < Q8_POOL_SPIN + Q8_POOL_YIELDS; ++spin) {
    unsigned long long current =
        atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (current != seen)
      return current;
    if (spin < Q8_POOL_SPIN)
      cpu_relax();
    else
      sched_yield();
  }
  unsigned long long current;
  pthread_mutex_lock(&pool->mutex);
  ++pool->sleepers;
  while (!pool->stop &&
         (current = atomic_load_explicit(&pool->generation,
                                         memory_order_acquire)) == seen)
    pthread_cond_wait(&pool->wake, &pool->mutex);
  --pool->sleepers;
  *stop = pool->stop;
  pthread_mutex_unlock(&pool->mutex);
  return *stop ? seen : current;
}

static void *worker_main(void *arg) {
  q8_pool *pool = arg;
  unsigned long long seen = 0;
  for (;;) {
    int stop = 0;
    seen = wait_for_job(pool, seen, &stop);
    if (stop)
      return NULL;
    /* Join, then check that the job seen is the open one: the caller
     * publishes a job's fields before its generation and closes it before
     * it waits for `joined` to drain (sequentially consistent, so either
     * the caller waits for this worker or the worker sees the job closed).
     * A worker that woke for a job long gone finds another generation open
     * and touches nothing. */
    atomic_fetch_add(&pool->joined, 1);
    if (atomic_load(&pool->open) == seen)
      run_slices(pool);
    atomic_fetch_sub_explicit(&pool->joined, 1, memory_order_release);
  }
}

q8_status q8_pool_create(int threads, q8_pool **pool) {
  if (!pool)
    return Q8_ERROR_INVALID_ARGUMENT;
  *pool = NULL;
  if (threads < 1 || threads > Q8_POOL_MAX_THREADS)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_pool *p = calloc(1, sizeof *p);
  if (!p)
    return Q8_ERROR_OUT_OF_MEMORY;
  p->threads = threads;
  atomic_init(&p->next, 0);
  atomic_init(&p->joined, 0);
  atomic_init(&p->open, 0);
  atomic_init(&p->generation, 0);
  atomic_init(&p->busy, 0);
  if (pthread_mutex_init(&p->mutex, NULL) != 0) {
    free(p);
    return Q8_ERROR_OUT_OF_MEMORY;
  }
  if (pthread_cond_init(&p->wake, NULL) != 0) {
    pthread_mutex_destroy(&p->mutex);
    free(p);
    return Q8_ERROR_OUT_OF_MEMORY;
  }
  if (threads > 1) {
    p->workers = calloc((size_t)threads - 1, sizeof *p->workers);
    if (!p->workers) {
      q8_pool_destroy(p);
      return Q8_ERROR_OUT_OF_MEMORY;
    }
    for (int i = 0; i < threads - 1; ++i) {
      if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
        p->threads = i + 1; /* the ones started, for destroy */
        q8_pool_destroy(p);
        return Q8_ERROR_OUT_OF_MEMORY;
      }
    }
  }
  *pool = p;
  return Q8_OK;
}

void q8_pool_destroy(q8_pool *pool) {
  if (!pool)
    return;
  if (pool->workers) {
    pthread_mutex_lock(&pool->mutex);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    /* A spinning worker sleeps within its spins and yields, then sees
     * `stop`. */
    for (int i = 0; i < pool->threads - 1; ++i)
      pthread_join(pool->workers[i], NULL);
    free(pool->workers);
  }
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
  free(pool);
}

int q8_pool_threads(const q8_pool *pool) { return pool ? pool->threads : 1; }

void q8_pool_parallel_for(q8_pool *pool, int64_t count, q8_pool_task task,
                          void *context) {
  if (count <= 0)
    return;
  int expected = 0;
  if (!pool || pool->threads == 1 || count == 1 ||
      !atomic_compare_exchange_strong(&pool->busy, &expected, 1)) {
    task(context, 0, count);
    return;
  }
  /* No worker is inside a job here: the previous call waited for them. */
  pool->task = task;
  pool->context = context;
  pool->count = count;
  /* About four slices per thread: dynamic claiming evens out threads that
   * the OS delays, while each slice stays a whole tile row or panel. */
  int64_t slice = count / (4 * (int64_t)pool->threads);
  pool->slice = slice < 1 ? 1 : slice;
  atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
  /* Open, then announce: a worker that sees the new generation finds it
   * open (only the pool's owner, this caller, writes either). */
  unsigned long long generation =
      atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
  atomic_store(&pool->open, generation);
  atomic_store_explicit(&pool->generation, generation, memory_order_release);
  pthread_mutex_lock(&pool->mutex);
  if (pool->sleepers)
    pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);

  run_slices(pool);
  /* Every slice is claimed; close the job and wait for the workers that
   * joined it (they finish their slices and leave). */
  atomic_store(&pool->open, 0);
  for (int spin = 0; atomic_load(&pool->joined) != 0; ++spin) {
    if (spin < Q8_POOL_SPIN)
      cpu_relax();
    else
      sched_yield();
  }
  atomic_store_explicit(&pool->busy, 0, memory_order_release);
}
