/* buffer.c — reference-counted device buffers, the caching allocator and the
 * CPU device's memory side (host allocation, host copies).
 * Freed blocks are kept in per-size-class free lists (powers of two up to
 * 4 MiB, 2 MiB multiples above) so steady-state loops never reach malloc or
 * page-fault fresh memory; on failure the cache is released and retried. */
#include "core-impl.h"

#include <pthread.h>
#include <sys/mman.h>

#define NUMC_ALIGN 64
#define SMALL_CLASSES 23 /* 64 B .. 4 MiB, powers of two */
#define LARGE_STEP (2u << 20)
#define CACHE_LIMIT ((size_t)4 << 30)

typedef struct block {
    struct block *next;
    void *ptr;
    size_t capacity;
} block;

struct numc_allocator {
    pthread_mutex_t lock;
    void *(*raw_alloc)(void *ctx, size_t nbytes);
    void (*raw_free)(void *ctx, void *p, size_t nbytes);
    void *ctx;
    block *small[SMALL_CLASSES];
    block *large;
    block *spare; /* recycled list nodes */
    numc_alloc_stats stats;
};

/* Big buffers are 2 MiB aligned and ask for transparent huge pages, as NumPy
 * does: page faults and TLB misses otherwise dominate memory-bound kernels. */
#define HUGE_THRESHOLD ((size_t)4 << 20)
#define HUGE_ALIGN ((size_t)2 << 20)
static void *cpu_raw_alloc(void *ctx, size_t n) {
    (void)ctx;
    if (n < HUGE_THRESHOLD) return aligned_alloc(NUMC_ALIGN, n);
    void *p = aligned_alloc(HUGE_ALIGN, (n + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN);
#ifdef MADV_HUGEPAGE
    if (p) madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}
static void cpu_raw_free(void *ctx, void *p, size_t n) {
    (void)ctx;
    (void)n;
    free(p);
}

numc_allocator *numc_allocator_create(void *(*raw_alloc)(void *, size_t),
                                      void (*raw_free)(void *, void *, size_t), void *ctx) {
    numc_allocator *al = calloc(1, sizeof *al);
    if (!al) return NULL;
    pthread_mutex_init(&al->lock, NULL);
    al->raw_alloc = raw_alloc;
    al->raw_free = raw_free;
    al->ctx = ctx;
    return al;
}

static numc_allocator cpu_allocator = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .raw_alloc = cpu_raw_alloc, .raw_free = cpu_raw_free};
numc_allocator *numc_allocator_cpu(void) {
    return &cpu_allocator;
}

static size_t size_class(size_t n, int *cls) {
    if (n <= 64) {
        *cls = 0;
        return 64;
    }
    if (n <= ((size_t)64 << (SMALL_CLASSES - 1))) {
        int c = 64 - __builtin_clzll((unsigned long long)(n - 1)) - 6;
        *cls = c;
        return (size_t)64 << c;
    }
    *cls = -1;
    return (n + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
}

static block **list_for(numc_allocator *al, int cls) {
    return cls >= 0 ? &al->small[cls] : &al->large;
}

static void release_cache_locked(numc_allocator *al) {
    for (int c = -1; c < SMALL_CLASSES; c++) {
        block **l = list_for(al, c);
        while (*l) {
            block *b = *l;
            *l = b->next;
            al->raw_free(al->ctx, b->ptr, b->capacity);
            al->stats.bytes_cached -= b->capacity;
            b->next = al->spare;
            al->spare = b;
        }
    }
}

static void note_alloc_locked(numc_allocator *al, size_t cap) {
    al->stats.bytes_in_use += cap;
    if (al->stats.bytes_in_use > al->stats.peak_bytes_in_use)
        al->stats.peak_bytes_in_use = al->stats.bytes_in_use;
    al->stats.n_live_buffers++;
}

static void *cache_alloc(numc_allocator *al, size_t nbytes, size_t *capacity) {
    int cls;
    size_t cap = size_class(nbytes, &cls);
    *capacity = cap;
    pthread_mutex_lock(&al->lock);
    al->stats.n_allocs++;
    for (block **p = list_for(al, cls); *p; p = &(*p)->next) {
        if ((*p)->capacity != cap) continue;
        block *b = *p;
        void *ptr = b->ptr;
        *p = b->next;
        b->next = al->spare;
        al->spare = b;
        al->stats.n_cache_hits++;
        al->stats.bytes_cached -= cap;
        note_alloc_locked(al, cap);
        pthread_mutex_unlock(&al->lock);
        return ptr;
    }
    pthread_mutex_unlock(&al->lock);
    void *ptr = al->raw_alloc(al->ctx, cap);
    if (!ptr) {
        numc_allocator_release_cache(al);
        ptr = al->raw_alloc(al->ctx, cap);
        if (!ptr) return NULL;
    }
    pthread_mutex_lock(&al->lock);
    al->stats.n_system_allocs++;
    note_alloc_locked(al, cap);
    pthread_mutex_unlock(&al->lock);
    return ptr;
}

static void cache_free(numc_allocator *al, void *ptr, size_t cap) {
    int cls;
    size_class(cap, &cls);
    pthread_mutex_lock(&al->lock);
    al->stats.bytes_in_use -= cap;
    al->stats.n_live_buffers--;
    if (al->stats.bytes_cached + cap > CACHE_LIMIT) release_cache_locked(al);
    block *b = al->spare;
    if (b)
        al->spare = b->next;
    else
        b = malloc(sizeof *b);
    if (!b) {
        pthread_mutex_unlock(&al->lock);
        al->raw_free(al->ctx, ptr, cap);
        return;
    }
    b->ptr = ptr;
    b->capacity = cap;
    block **l = list_for(al, cls);
    b->next = *l;
    *l = b;
    al->stats.bytes_cached += cap;
    pthread_mutex_unlock(&al->lock);
}

void numc_allocator_get_stats(numc_allocator *al, numc_alloc_stats *out) {
    pthread_mutex_lock(&al->lock);
    *out = al->stats;
    pthread_mutex_unlock(&al->lock);
}

void numc_allocator_release_cache(numc_allocator *al) {
    pthread_mutex_lock(&al->lock);
    release_cache_locked(al);
    pthread_mutex_unlock(&al->lock);
}

void numc_allocator_stats(numc_alloc_stats *out) {
    numc_allocator_get_stats(numc_allocator_cpu(), out);
}
void numc_allocator_trim(void) {
    numc_allocator_release_cache(numc_allocator_cpu());
}

/* Buffer headers are small and frequent: a thread-local freelist avoids malloc
 * on the eager hot path. */
#define BUF_FREELIST_MAX 64
static _Thread_local numc_buffer *buf_freelist[BUF_FREELIST_MAX];
static _Thread_local int buf_nfree;

numc_buffer *numc_buffer_new(numc_device *dev, size_t nbytes) {
    numc_buffer *b = buf_nfree ? buf_freelist[--buf_nfree] : malloc(sizeof *b);
    if (!b) {
        numc_error_set(NUMC_ERR_MEMORY, "Unable to allocate buffer header");
        return NULL;
    }
    size_t cap;
    void *p = cache_alloc(dev->allocator, nbytes ? nbytes : 1, &cap);
    if (!p) {
        if (buf_nfree < BUF_FREELIST_MAX)
            buf_freelist[buf_nfree++] = b;
        else
            free(b);
        numc_error_set(NUMC_ERR_MEMORY, "Unable to allocate %zu bytes for an array", nbytes);
        return NULL;
    }
    atomic_init(&b->refcount, 1);
    atomic_init(&b->exported, 0);
    b->foreign_release = NULL;
    b->foreign_owner = NULL;
    b->device = dev;
    b->data = p;
    b->nbytes = nbytes;
    b->capacity = cap;
    return b;
}

/* A buffer header over foreign host memory (see numc_array_from_foreign). */
numc_buffer *numc_buffer_foreign(void *data, size_t nbytes, void (*release)(void *), void *owner) {
    numc_buffer *b = buf_nfree ? buf_freelist[--buf_nfree] : malloc(sizeof *b);
    if (!b) {
        numc_error_set(NUMC_ERR_MEMORY, "Unable to allocate buffer header");
        return NULL;
    }
    atomic_init(&b->refcount, 1);
    atomic_init(&b->exported, 1);
    b->foreign_release = release;
    b->foreign_owner = owner;
    b->device = numc_device_host();
    b->data = data;
    b->nbytes = nbytes;
    b->capacity = nbytes;
    return b;
}

void numc_buffer_release(numc_buffer *b) {
    if (atomic_fetch_sub_explicit(&b->refcount, 1, memory_order_acq_rel) != 1) return;
    if (b->foreign_release)
        b->foreign_release(b->foreign_owner);
    else
        cache_free(b->device->allocator, b->data, b->capacity);
    if (buf_nfree < BUF_FREELIST_MAX)
        buf_freelist[buf_nfree++] = b;
    else
        free(b);
}

void numc_strided_copy(char *dst, const char *src, int ndim, const int64_t *shape,
                       const int64_t *byte_strides, size_t itemsize) {
    int64_t size = 1;
    for (int d = 0; d < ndim; d++)
        size *= shape[d];
    if (size == 0) return;
    int64_t idx[NUMC_MAX_DIMS] = {0};
    const char *p = src;
    for (int64_t k = 0; k < size; k++) {
        memcpy(dst, p, itemsize);
        dst += itemsize;
        for (int d = ndim - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                p += byte_strides[d];
                break;
            }
            p -= byte_strides[d] * (shape[d] - 1);
            idx[d] = 0;
        }
    }
}

/* ---- the CPU device's memory side (its kernels are installed by
 * src/backend when it registers the device) ---- */
static numc_status host_to_host(numc_device *d, void *dst, const void *src, int ndim,
                                const int64_t *shape, const int64_t *byte_strides,
                                size_t itemsize) {
    (void)d;
    if (byte_strides) {
        numc_strided_copy(dst, src, ndim, shape, byte_strides, itemsize);
        return NUMC_OK;
    }
    size_t n = itemsize;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    if (n) memcpy(dst, src, n);
    return NUMC_OK;
}
static numc_status host_from_host(numc_device *d, void *dst, const void *src, size_t n) {
    (void)d;
    if (n) memcpy(dst, src, n);
    return NUMC_OK;
}
static void host_synchronize(numc_device *d) {
    (void)d;
}

static numc_device host_device = {
    .name = "cpu:0",
    .kind = NUMC_DEVICE_CPU,
    .index = 0,
    .host_addressable = true,
    .allocator = &cpu_allocator,
    .to_host = host_to_host,
    .from_host = host_from_host,
    .synchronize = host_synchronize,
    .exec = NULL,
};

numc_device *numc_device_host(void) {
    return &host_device;
}
