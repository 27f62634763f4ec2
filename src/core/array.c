/* array.c — array headers (freelisted), views, host data in and out (through
 * the buffer's device), scalars and the public accessors. Values are
 * immutable: a view shares the buffer. */
#include "codec.h"

static atomic_long live_arrays;

#define ARR_FREELIST_MAX 128
static _Thread_local numc_array *arr_freelist[ARR_FREELIST_MAX];
static _Thread_local int arr_nfree;

int64_t numc_live_arrays(void) {
    return atomic_load(&live_arrays);
}

void numc_contig_strides(int ndim, const int64_t *shape, int64_t *strides) {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = s;
        if (__builtin_mul_overflow(s, shape[i] > 0 ? shape[i] : 1, &s)) s = INT64_MAX;
    }
}

numc_status numc_shape_size(const char *fn, int ndim, const int64_t *shape, int64_t *size) {
    if (ndim < 0 || ndim > NUMC_MAX_DIMS)
        return numc_error_set(NUMC_ERR_VALUE,
                              "maximum supported dimension for an ndarray is "
                              "currently %d, found %d",
                              NUMC_MAX_DIMS, ndim);
    int64_t n = 1;
    bool overflow = false;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
        if (!overflow && __builtin_mul_overflow(n, shape[i], &n)) overflow = true;
    }
    if (overflow) {
        for (int i = 0; i < ndim; i++)
            if (shape[i] == 0) {
                *size = 0;
                return NUMC_OK;
            }
        return numc_error_set(NUMC_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                              "is larger than the maximum possible size.");
    }
    *size = n;
    return NUMC_OK;
}

void numc_array_update_flags(numc_array *a) {
    int64_t size = 1;
    for (int i = 0; i < a->ndim; i++)
        if (__builtin_mul_overflow(size, a->shape[i], &size)) size = INT64_MAX; /* see alloc_header */
    a->size = size;
    bool contig = true;
    int64_t s = 1;
    for (int i = a->ndim - 1; i >= 0; i--) {
        if (a->shape[i] != 1 && a->strides[i] != s) {
            contig = false;
            break;
        }
        if (__builtin_mul_overflow(s, a->shape[i], &s)) s = INT64_MAX;
    }
    if (contig)
        a->flags |= NUMC_AF_CONTIG;
    else
        a->flags &= ~NUMC_AF_CONTIG;
}

numc_array *numc_array_alloc_header(numc_dtype dt, int ndim, const int64_t *shape) {
    numc_array *a = arr_nfree ? arr_freelist[--arr_nfree] : malloc(sizeof *a);
    if (!a) {
        numc_error_set(NUMC_ERR_MEMORY, "Unable to allocate an array header");
        return NULL;
    }
    atomic_init(&a->refcount, 1);
    atomic_fetch_add_explicit(&live_arrays, 1, memory_order_relaxed);
    a->dtype = dt;
    a->ndim = ndim;
    a->flags = NUMC_AF_CONTIG;
    a->offset = 0;
    a->buffer = NULL;
    a->owner = NULL;
    a->payload = NULL;
    a->payload_free = NULL;
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        a->shape[i] = shape[i];
        a->strides[i] = s;
        /* a shape too large saturates here; whoever allocates checks the
         * size with numc_shape_size and raises NumPy's error */
        if (__builtin_mul_overflow(s, shape[i], &s)) s = INT64_MAX;
    }
    a->size = s;
    return a;
}

numc_array *numc_array_new(numc_dtype dt, int ndim, const int64_t *shape) {
    numc_array *a = numc_array_alloc_header(dt, ndim, shape);
    if (!a) return NULL;
    a->buffer = numc_buffer_new(numc_device_host(), (size_t)a->size * numc_dtype_info[dt].itemsize);
    if (!a->buffer) {
        numc_array_release(a);
        return NULL;
    }
    return a;
}

numc_array *numc_array_view(const numc_array *base, int ndim, const int64_t *shape,
                            const int64_t *strides, int64_t offset) {
    numc_array *a = numc_array_alloc_header(base->dtype, ndim, shape);
    if (!a) return NULL;
    for (int i = 0; i < ndim; i++)
        a->strides[i] = strides[i];
    a->offset = offset;
    a->buffer = base->buffer;
    numc_buffer_retain(a->buffer);
    numc_array_update_flags(a);
    return a;
}

numc_array *numc_array_retain(numc_array *a) {
    if (a) atomic_fetch_add_explicit(&a->refcount, 1, memory_order_relaxed);
    return a;
}

void numc_array_release(numc_array *a) {
    if (!a) return;
    if (atomic_fetch_sub_explicit(&a->refcount, 1, memory_order_acq_rel) != 1) return;
    if (a->buffer) numc_buffer_release(a->buffer);
    if (a->payload_free) a->payload_free(a->payload);
    atomic_fetch_sub_explicit(&live_arrays, 1, memory_order_relaxed);
    if (arr_nfree < ARR_FREELIST_MAX)
        arr_freelist[arr_nfree++] = a;
    else
        free(a);
}

int numc_array_ndim(const numc_array *a) {
    return a->ndim;
}
const int64_t *numc_array_shape(const numc_array *a) {
    return a->shape;
}
const int64_t *numc_array_strides(const numc_array *a) {
    return a->strides;
}
int64_t numc_array_size(const numc_array *a) {
    return a->size;
}
numc_dtype numc_array_dtype(const numc_array *a) {
    return a->dtype;
}
bool numc_array_is_weak(const numc_array *a) {
    return (a->flags & NUMC_AF_WEAK) != 0;
}
bool numc_array_is_contiguous(const numc_array *a) {
    return (a->flags & NUMC_AF_CONTIG) != 0;
}
const void *numc_array_data(const numc_array *a) {
    if (!a->buffer || !a->buffer->device->host_addressable) return NULL;
    return numc_array_ptr(a);
}
void numc_array_mark_exported(numc_array *a) {
    if (a->buffer) atomic_store(&a->buffer->exported, 1);
}

numc_array *numc_array_from_strided(numc_dtype dt, int ndim, const int64_t *shape,
                                    const int64_t *byte_strides, const void *data) {
    int64_t size;
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) {
        numc_error_set(NUMC_ERR_TYPE, "data type not understood");
        return NULL;
    }
    if (numc_shape_size("array", ndim, shape, &size)) return NULL;
    numc_array *a = numc_array_new(dt, ndim, shape);
    if (!a) return NULL;
    size_t isz = numc_dtype_info[dt].itemsize;
    if (!data)
        memset(a->buffer->data, 0, (size_t)size * isz);
    else if (!byte_strides)
        memcpy(a->buffer->data, data, (size_t)size * isz);
    else
        numc_strided_copy(a->buffer->data, data, ndim, shape, byte_strides, isz);
    return a;
}

numc_array *numc_array_from_foreign(numc_dtype dt, int ndim, const int64_t *shape,
                                    const int64_t *byte_strides, const void *data,
                                    void (*release)(void *owner), void *owner) {
    int64_t size;
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) {
        numc_error_set(NUMC_ERR_TYPE, "data type not understood");
        return NULL;
    }
    if (numc_shape_size("array", ndim, shape, &size)) return NULL;
    int64_t isz = (int64_t)numc_dtype_info[dt].itemsize, strides[NUMC_MAX_DIMS];
    if (!byte_strides) numc_contig_strides(ndim, shape, strides);
    /* the lowest and highest addresses the view touches */
    int64_t lo = 0, hi = isz;
    for (int i = 0; i < ndim; i++) {
        int64_t bs = byte_strides ? byte_strides[i] : strides[i] * isz;
        if (bs % isz) {
            numc_error_set(NUMC_ERR_VALUE, "numc_array_from_foreign: stride not a multiple of "
                                           "the itemsize");
            return NULL;
        }
        strides[i] = bs / isz;
        if (shape[i] > 1 && bs < 0) lo += bs * (shape[i] - 1);
        if (shape[i] > 1 && bs > 0) hi += bs * (shape[i] - 1);
    }
    if ((uintptr_t)data % (uintptr_t)isz) {
        numc_error_set(NUMC_ERR_VALUE, "numc_array_from_foreign: misaligned data");
        return NULL;
    }
    numc_array *a = numc_array_alloc_header(dt, ndim, shape);
    if (!a) return NULL;
    char *base = (char *)data + lo;
    a->buffer = numc_buffer_foreign(base, size ? (size_t)(hi - lo) : 0, release, owner);
    if (!a->buffer) {
        numc_array_release(a);
        return NULL;
    }
    for (int i = 0; i < ndim; i++)
        a->strides[i] = strides[i];
    a->offset = -lo / isz;
    numc_array_update_flags(a);
    return a;
}

numc_array *numc_array_from_data(numc_dtype dt, int ndim, const int64_t *shape, const void *data) {
    return numc_array_from_strided(dt, ndim, shape, NULL, data);
}

numc_status numc_array_to_host(const numc_array *a, void *dst) {
    if (!a->buffer) return numc_error_set(NUMC_ERR_TYPE, "cannot read the value of a traced array");
    size_t isz = numc_dtype_info[a->dtype].itemsize;
    numc_device *dev = a->buffer->device;
    if (a->flags & NUMC_AF_CONTIG) {
        int64_t n = a->size;
        return dev->to_host(dev, dst, numc_array_ptr(a), 1, &n, NULL, isz);
    }
    int64_t bs[NUMC_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++)
        bs[i] = a->strides[i] * (int64_t)isz;
    return dev->to_host(dev, dst, numc_array_ptr(a), a->ndim, a->shape, bs, isz);
}

numc_value numc_value_load(numc_dtype dt, const void *src) {
    return numc_codec_load(dt, src);
}
void numc_value_store(numc_dtype dt, void *dst, numc_value v) {
    numc_codec_store(dt, dst, v);
}

numc_array *numc_scalar_of(numc_dtype dt, double re, double im) {
    numc_array *a = numc_array_new(dt, 0, NULL);
    if (a) numc_codec_store(dt, a->buffer->data, numc_value_c128(re, im));
    return a;
}

static numc_array *weak(numc_array *a) {
    if (a) a->flags |= NUMC_AF_WEAK;
    return a;
}
numc_array *numc_scalar_bool(bool v) {
    return weak(numc_scalar_of(NUMC_BOOL, v, 0));
}
numc_array *numc_scalar_i64(int64_t v) {
    numc_array *a = numc_array_new(NUMC_INT64, 0, NULL);
    if (a) *(int64_t *)a->buffer->data = v; /* exact, not via double */
    return weak(a);
}
numc_array *numc_scalar_f64(double v) {
    return weak(numc_scalar_of(NUMC_FLOAT64, v, 0));
}
numc_array *numc_scalar_c128(double re, double im) {
    return weak(numc_scalar_of(NUMC_COMPLEX128, re, im));
}

numc_status numc_array_item(const numc_array *a, int64_t flat, numc_value *out) {
    if (!a->buffer) return numc_error_set(NUMC_ERR_TYPE, "cannot read the value of a traced array");
    if (flat < 0 || flat >= a->size)
        return numc_error_set(NUMC_ERR_INDEX, "index %lld is out of bounds for size %lld",
                              (long long)flat, (long long)a->size);
    int64_t off = 0;
    for (int d = a->ndim - 1; d >= 0; d--) {
        off += (flat % a->shape[d]) * a->strides[d];
        flat /= a->shape[d];
    }
    size_t isz = numc_dtype_info[a->dtype].itemsize;
    unsigned char tmp[16];
    numc_device *dev = a->buffer->device;
    numc_status st =
        dev->to_host(dev, tmp, numc_array_ptr(a) + off * (int64_t)isz, 0, NULL, NULL, isz);
    if (st) return st;
    *out = numc_codec_load(a->dtype, tmp);
    return NUMC_OK;
}

numc_status numc_array_get_f64(const numc_array *a, int64_t flat, double *re, double *im) {
    numc_value v;
    numc_status st = numc_array_item(a, flat, &v);
    if (st) return st;
    *re = numc_value_re(v);
    *im = numc_value_im(v);
    return NUMC_OK;
}
