/* The thread pool on its own (runtime/q8_pool.h): argument checks, every
 * iteration run exactly once for many counts and thread counts, a NULL
 * pool, a loop started from inside a loop (the busy pool runs it on its
 * caller), two callers sharing a pool, and real parallelism: a loop of two
 * iterations whose first waits until a second thread is inside. */
#define _POSIX_C_SOURCE 200809L

#include "q8_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { MAX_COUNT = 5000 };

typedef struct {
  atomic_int hits[MAX_COUNT];
} marks;

static void mark(void *context, int64_t begin, int64_t end) {
  marks *m = context;
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&m->hits[i], 1);
}

/* 1 if every iteration of [0, count) ran exactly once. */
static int run_once(q8_pool *pool, int64_t count) {
  static marks m;
  for (int i = 0; i < MAX_COUNT; ++i)
    atomic_store(&m.hits[i], 0);
  q8_pool_parallel_for(pool, count, mark, &m);
  for (int64_t i = 0; i < MAX_COUNT; ++i)
    if (atomic_load(&m.hits[i]) != (i < count ? 1 : 0))
      return 0;
  return 1;
}

typedef struct {
  q8_pool *pool;
  marks inner;
} nested_context;

static void nested(void *context, int64_t begin, int64_t end) {
  nested_context *n = context;
  for (int64_t i = begin; i < end; ++i)
    q8_pool_parallel_for(n->pool, 10, mark, &n->inner);
}

typedef struct {
  atomic_int inside;
  atomic_int timed_out;
} rendezvous;

/* Iteration 0 waits (up to 20 s) until iteration 1 has started: only a
 * second thread can start it while iteration 0 runs. */
static void meet(void *context, int64_t begin, int64_t end) {
  rendezvous *r = context;
  for (int64_t i = begin; i < end; ++i) {
    atomic_fetch_add(&r->inside, 1);
    if (i != 0)
      continue;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&r->inside) < 2) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec - start.tv_sec > 20) {
        atomic_store(&r->timed_out, 1);
        return;
      }
    }
  }
}

typedef struct {
  q8_pool *pool;
  int index;
  int ok;
} caller;

static void *call_many(void *arg) {
  caller *c = arg;
  static marks per_caller[2];
  marks *m = &per_caller[c->index];
  int good = 1;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 300; ++i)
      atomic_store(&m->hits[i], 0);
    q8_pool_parallel_for(c->pool, 300, mark, m);
    for (int i = 0; i < 300; ++i)
      good &= atomic_load(&m->hits[i]) == 1;
  }
  c->ok = good;
  return NULL;
}

int main(void) {
  q8_pool *pool = (q8_pool *)1;
  printf("create 0: %d, null: %d\n", q8_pool_create(0, &pool) ==
                                          Q8_ERROR_INVALID_ARGUMENT &&
                                      pool == NULL,
         q8_pool_create(2, NULL) == Q8_ERROR_INVALID_ARGUMENT);
  printf("create too many: %d\n",
         q8_pool_create(Q8_POOL_MAX_THREADS + 1, &pool) ==
             Q8_ERROR_INVALID_ARGUMENT);
  printf("null pool: threads %d, once %d\n", q8_pool_threads(NULL),
         run_once(NULL, 777));
  q8_pool_destroy(NULL);

  static const int64_t counts[] = {0, 1, 2, 3, 7, 64, 1000, MAX_COUNT};
  for (int threads = 1; threads <= 4; ++threads) {
    if (q8_pool_create(threads, &pool) != Q8_OK)
      return 1;
    int ok = q8_pool_threads(pool) == threads;
    for (int repeat = 0; repeat < 10; ++repeat)
      for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c)
        ok &= run_once(pool, counts[c]);
    printf("threads %d: every iteration once: %d\n", threads, ok);
    q8_pool_destroy(pool);
  }

  if (q8_pool_create(3, &pool) != Q8_OK)
    return 1;
  static nested_context n;
  n.pool = pool;
  q8_pool_parallel_for(pool, 4, nested, &n);
  int nested_ok = 1;
  for (int i = 0; i < 10; ++i)
    nested_ok &= atomic_load(&n.inner.hits[i]) == 4;
  printf("nested: %d\n", nested_ok);

  caller callers[2] = {{pool, 0, 0}, {pool, 1, 0}};
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i)
    pthread_create(&threads[i], NULL, call_many, &callers[i]);
  for (int i = 0; i < 2; ++i)
    pthread_join(threads[i], NULL);
  printf("shared by two callers: %d %d\n", callers[0].ok, callers[1].ok);
  q8_pool_destroy(pool);

  if (q8_pool_create(2, &pool) != Q8_OK)
    return 1;
  static rendezvous r;
  q8_pool_parallel_for(pool, 2, meet, &r);
  printf("two threads inside at once: %d\n",
         atomic_load(&r.inside) == 2 && !atomic_load(&r.timed_out));
  q8_pool_destroy(pool);
  return 0;
}
