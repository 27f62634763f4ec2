/* core-impl.h — internal view of the core objects: buffer, array, dtype helpers,
 * half-precision conversions, the thread pool. Everything in src/ includes this;
 * nothing outside src/ may. */
#ifndef NUMC_CORE_IMPL_H
#define NUMC_CORE_IMPL_H

#include "numc.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NUMC_LIKELY(x) __builtin_expect(!!(x), 1)
#define NUMC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- dtype info ---- */
typedef struct {
    const char *name;
    size_t itemsize;
    char kind;
} numc_dtype_info_t;
extern const numc_dtype_info_t numc_dtype_info[NUMC_DTYPE_COUNT];

static inline bool numc_dt_is_float(numc_dtype d) {
    return numc_dtype_info[d].kind == 'f';
}
static inline bool numc_dt_is_complex(numc_dtype d) {
    return numc_dtype_info[d].kind == 'c';
}
static inline bool numc_dt_is_inexact(numc_dtype d) {
    char k = numc_dtype_info[d].kind;
    return k == 'f' || k == 'c';
}
static inline bool numc_dt_is_int(numc_dtype d) {
    char k = numc_dtype_info[d].kind;
    return k == 'i' || k == 'u';
}
static inline bool numc_dt_is_signed(numc_dtype d) {
    return numc_dtype_info[d].kind == 'i';
}
static inline bool numc_dt_is_unsigned(numc_dtype d) {
    return numc_dtype_info[d].kind == 'u';
}
static inline bool numc_dt_is_half(numc_dtype d) {
    return d == NUMC_FLOAT16 || d == NUMC_BFLOAT16;
}
/* complex64 -> float32, complex128 -> float64, others unchanged */
numc_dtype numc_dt_real_of(numc_dtype d);
/* float32/float16/bfloat16 -> complex64, float64 -> complex128 */
numc_dtype numc_dt_complex_of(numc_dtype d);
/* NumPy's default float result for an int/bool input of an inexact function
 * (honours the default float type and allow_float64) */
numc_dtype numc_dt_float_for(numc_dtype d);
/* maps float64/complex128 to float32/complex64 when float64 is not allowed */
numc_dtype numc_dt_canonical(numc_dtype d);

/* ---- half conversions (round to nearest even) ---- */
static inline float numc_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint16_t numc_f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
static inline float numc_f16_to_f32(uint16_t h) {
#if defined(__FLT16_MAX__) && !defined(NUMC_NO_FLOAT16)
    _Float16 v;
    memcpy(&v, &h, 2);
    return (float)v;
#else
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu, u;
    if (exp == 0) {
        if (man == 0)
            u = sign;
        else { /* subnormal */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400u));
            u = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31)
        u = sign | 0x7f800000u | (man << 13);
    else
        u = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &u, 4);
    return f;
#endif
}
static inline uint16_t numc_f32_to_f16(float f) {
#if defined(__FLT16_MAX__) && !defined(NUMC_NO_FLOAT16)
    _Float16 v = (_Float16)f;
    uint16_t h;
    memcpy(&h, &v, 2);
    return h;
#else
#error "numc needs a compiler with _Float16 (gcc >= 12 on x86-64)"
#endif
}
/* double -> half must round once (not via float32) to match NumPy */
static inline uint16_t numc_f64_to_f16(double d) {
    _Float16 v = (_Float16)d;
    uint16_t h;
    memcpy(&h, &v, 2);
    return h;
}
uint16_t numc_f64_to_bf16(double d);

/* ---- buffers and the caching allocator ---- */
/* A caching allocator over one device's raw allocation functions: freed blocks
 * go to per-size-class free lists and are reused; on allocation failure the
 * cache is trimmed and the request retried. */
typedef struct numc_allocator numc_allocator;
numc_allocator *numc_allocator_create(void *(*raw_alloc)(void *ctx, size_t nbytes),
                                      void (*raw_free)(void *ctx, void *p, size_t nbytes),
                                      void *ctx);
numc_allocator *numc_allocator_cpu(void);
void numc_allocator_get_stats(numc_allocator *al, numc_alloc_stats *out);
void numc_allocator_release_cache(numc_allocator *al);

/* ---- devices ----
 * A device owns memory: its caching allocator, copies between its memory and
 * the host, and (installed by the backend that registers it) the kernels that
 * run primitives on it. Core reaches a device only through these pointers; the
 * registry (lookup by name, enumeration) lives in src/backend/device.c. */
typedef enum { NUMC_DEVICE_CPU = 0, NUMC_DEVICE_CUDA = 1 } numc_device_kind;
struct numc_params;
typedef struct numc_device numc_device;
struct numc_device {
    const char *name; /* "cpu:0" */
    numc_device_kind kind;
    int index;
    bool host_addressable; /* buffer->data is host memory (the CPU device) */
    numc_allocator *allocator;
    /* Copies the ndim-d region at device address src (element strides in
     * bytes; byte_strides NULL: contiguous) into host dst in C order. */
    numc_status (*to_host)(numc_device *d, void *dst, const void *src, int ndim,
                           const int64_t *shape, const int64_t *byte_strides, size_t itemsize);
    /* Copies n contiguous bytes from host src to device address dst. */
    numc_status (*from_host)(numc_device *d, void *dst, const void *src, size_t n);
    void (*synchronize)(numc_device *d);
    /* Runs primitive `prim` (a numc_prim): outputs are preallocated,
     * C-contiguous, on this device. Set by the backend when it registers
     * the device; NULL before. */
    numc_status (*exec)(numc_device *d, int prim, int nin, const numc_array *const *in,
                        const struct numc_params *params, numc_array *const *out);
};
/* The CPU device ("cpu:0"): host memory, numc_allocator_cpu(). New arrays
 * made by core (from host data, scalars) live on it. */
numc_device *numc_device_host(void);

typedef struct numc_buffer {
    atomic_long refcount;
    numc_device *device; /* never NULL */
    void *data;          /* a device address */
    size_t nbytes;
    size_t capacity;     /* size class actually allocated */
    atomic_int exported; /* a foreign view exists: never update in place */
    /* memory owned outside numc (numc_array_from_foreign): released through
     * this instead of the allocator; NULL for numc's own buffers */
    void (*foreign_release)(void *owner);
    void *foreign_owner;
} numc_buffer;

/* An uninitialised buffer of nbytes from dev's allocator. */
numc_buffer *numc_buffer_new(numc_device *dev, size_t nbytes);
static inline void numc_buffer_retain(numc_buffer *b) {
    atomic_fetch_add_explicit(&b->refcount, 1, memory_order_relaxed);
}
void numc_buffer_release(numc_buffer *b);
/* A buffer over host memory numc does not own, marked exported; release(owner)
 * runs when its last reference goes. */
numc_buffer *numc_buffer_foreign(void *data, size_t nbytes, void (*release)(void *), void *owner);
/* Copies the ndim-d region at host src (byte strides) to host dst in C order. */
void numc_strided_copy(char *dst, const char *src, int ndim, const int64_t *shape,
                       const int64_t *byte_strides, size_t itemsize);

/* ---- arrays ---- */
enum {
    NUMC_AF_WEAK = 1,   /* a Python scalar in promotion (NEP 50) */
    NUMC_AF_CONTIG = 2, /* C-contiguous (strides are the C-order ones) */
};

struct numc_interp;
struct numc_array {
    atomic_long refcount;
    numc_dtype dtype;
    int ndim;
    int flags;
    int64_t size;
    int64_t offset;            /* in elements, into buffer */
    numc_buffer *buffer;       /* NULL for tracers */
    struct numc_interp *owner; /* NULL for concrete (eager) values */
    void *payload;             /* the owner's per-value data */
    void (*payload_free)(void *);
    int64_t shape[NUMC_MAX_DIMS];
    int64_t strides[NUMC_MAX_DIMS]; /* in elements */
};

/* A new array header with shape set, C-contiguous strides, no buffer. */
numc_array *numc_array_alloc_header(numc_dtype dt, int ndim, const int64_t *shape);
/* Header + a fresh (uninitialised) buffer on the CPU device. */
numc_array *numc_array_new(numc_dtype dt, int ndim, const int64_t *shape);
/* A view of `base`'s buffer with the given geometry (retains the buffer). */
numc_array *numc_array_view(const numc_array *base, int ndim, const int64_t *shape,
                            const int64_t *strides, int64_t offset);
/* Recomputes size and the CONTIG flag from shape/strides. */
void numc_array_update_flags(numc_array *a);
void numc_contig_strides(int ndim, const int64_t *shape, int64_t *strides);
static inline char *numc_array_ptr(const numc_array *a) {
    return (char *)a->buffer->data + a->offset * (int64_t)numc_dtype_info[a->dtype].itemsize;
}
/* Checked shape product: error (ValueError) on negative or overflowing shapes. */
numc_status numc_shape_size(const char *fn, int ndim, const int64_t *shape, int64_t *size);

/* ---- thread pool ---- */
/* Runs fn(ctx, begin, end) over [0, n) split into chunks across the pool's
 * threads; runs inline when n * cost_per_item is small. Blocks until done. */
typedef void (*numc_parallel_fn)(void *ctx, int64_t begin, int64_t end);
void numc_parallel_for(int64_t n, int64_t cost_per_item, numc_parallel_fn fn, void *ctx);
/* Work below this many "cost units" runs on the calling thread. */
#define NUMC_PARALLEL_THRESHOLD (1 << 16)

/* ---- floating-point flags (fperr.c; issue 8, breadth3) ---- */
/* Whether some np.seterr mode of this thread is not 'ignore'. */
extern _Thread_local bool numc_fp_checking;
/* The IEEE flags raised so far in this thread as NUMC_FPE_* bits; clears them. */
int numc_fpflags_take(void);
/* Raises NUMC_FPE_* flags in this thread (the pool hands workers' flags back). */
void numc_fpflags_raise(int flags);
/* Reports flags raised by ufunc `op` as the thread's modes say. */
numc_status numc_fp_report(const char *op, int flags);
/* Suspends the reports where NumPy computes under errstate(all='ignore')
 * (isclose) or where no NumPy operation runs (backward passes). */
static inline bool numc_fp_pause(void) {
    bool was = numc_fp_checking;
    numc_fp_checking = false;
    return was;
}
static inline void numc_fp_resume(bool was) {
    numc_fp_checking = was;
}

#endif
