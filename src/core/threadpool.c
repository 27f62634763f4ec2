/* threadpool.c — a fixed pool of worker threads (NUMC_NUM_THREADS, default =
 * cores) that splits large kernels. The calling thread takes part; nested or
 * concurrent calls run inline instead of deadlocking. */
#include "core-impl.h"

#include <pthread.h>
#include <unistd.h>

typedef struct {
    pthread_mutex_t lock; /* guards the fields below */
    pthread_cond_t wake, done;
    pthread_mutex_t dispatch; /* one parallel region at a time */
    int nthreads;             /* including the caller */
    int started;              /* workers created */
    int active;               /* workers with ids below this take part */
    uint64_t generation;
    int pending;
    numc_parallel_fn fn;
    void *ctx;
    int64_t n, chunk;
    int fpflags; /* IEEE flags the workers raised (NUMC_FPE_*) */
} pool_t;

static pool_t pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
                      .wake = PTHREAD_COND_INITIALIZER,
                      .done = PTHREAD_COND_INITIALIZER,
                      .dispatch = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static _Thread_local int in_parallel;

static void run_chunk(int64_t id) {
    int64_t b = id * pool.chunk, e = b + pool.chunk;
    if (e > pool.n) e = pool.n;
    if (b < e) pool.fn(pool.ctx, b, e);
}

static void *worker(void *arg) {
    int64_t id = (int64_t)(intptr_t)arg;
    uint64_t seen = 0;
    in_parallel = 1;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        /* workers beyond a lowered thread count sleep through regions */
        while (pool.generation == seen || id >= pool.active)
            pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.generation;
        pthread_mutex_unlock(&pool.lock);
        numc_fpflags_take();
        run_chunk(id);
        int fp = numc_fpflags_take();
        pthread_mutex_lock(&pool.lock);
        pool.fpflags |= fp;
        if (--pool.pending == 0) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

static void pool_init(void) {
    const char *env = getenv("NUMC_NUM_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    pool.nthreads = (int)n;
}

static void start_workers(void) {
    /* Workers are created lazily, the first time work is big enough. */
    for (int i = pool.started + 1; i < pool.nthreads; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, worker, (void *)(intptr_t)i) != 0) {
            pool.nthreads = i;
            pthread_attr_destroy(&attr);
            break;
        }
        pthread_attr_destroy(&attr);
        pool.started = i;
    }
}

int numc_num_threads(void) {
    pthread_once(&pool_once, pool_init);
    return pool.nthreads;
}

void numc_set_num_threads(int n) {
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool.dispatch);
    /* Workers already started stay; those with ids >= n get empty chunks. */
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    pool.nthreads = n;
    pthread_mutex_unlock(&pool.dispatch);
}

void numc_parallel_for(int64_t n, int64_t cost_per_item, numc_parallel_fn fn, void *ctx) {
    if (n <= 0) return;
    pthread_once(&pool_once, pool_init);
    int nt = pool.nthreads;
    if (nt <= 1 || in_parallel || n < 2 || n * cost_per_item < NUMC_PARALLEL_THRESHOLD ||
        pthread_mutex_trylock(&pool.dispatch) != 0) {
        fn(ctx, 0, n);
        return;
    }
    if (pool.started + 1 < nt) start_workers();
    nt = pool.started + 1 < pool.nthreads ? pool.started + 1 : pool.nthreads;
    if (nt > n) nt = (int)n;
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunk = (n + nt - 1) / nt;
    pool.active = nt;
    pool.pending = nt - 1;
    pool.fpflags = 0;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    in_parallel = 1;
    run_chunk(0);
    in_parallel = 0;
    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.lock);
    int fp = pool.fpflags;
    pthread_mutex_unlock(&pool.lock);
    numc_fpflags_raise(fp); /* as if the caller had run every chunk */
    pthread_mutex_unlock(&pool.dispatch);
}
