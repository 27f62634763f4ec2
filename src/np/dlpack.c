/* dlpack.c — DLPack export and import (numc_to_dlpack, numc_from_dlpack):
 * the managed tensors, their deleters and the rule for sharing memory.
 * Values are immutable, so an export shares numc's memory and says so with
 * DLPACK_FLAG_BITMASK_READ_ONLY; an import shares the producer's memory when
 * nobody can write it any more (read-only, or a fresh copy made for us) or
 * when the caller forbids a copy, and copies it once otherwise. */
#include "np-impl.h"

#include "numc-dlpack.h"

#include <stdlib.h>
#include <string.h>

/* ---- dtypes ---- */

static DLDataType dl_dtype(numc_dtype dt) {
    DLDataType d = {0, (uint8_t)(numc_dtype_itemsize(dt) * 8), 1};
    switch (numc_dtype_kind(dt)) {
    case 'b':
        d.code = kDLBool;
        break;
    case 'i':
        d.code = kDLInt;
        break;
    case 'u':
        d.code = kDLUInt;
        break;
    case 'c':
        d.code = kDLComplex;
        break;
    default:
        d.code = dt == NUMC_BFLOAT16 ? kDLBfloat : kDLFloat;
        break;
    }
    return d;
}

static numc_dtype dtype_from_dl(DLDataType d) {
    if (d.lanes != 1) return NUMC_DTYPE_NONE;
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++) {
        DLDataType o = dl_dtype((numc_dtype)i);
        if (o.code == d.code && o.bits == d.bits) return (numc_dtype)i;
    }
    return NUMC_DTYPE_NONE;
}

/* ---- export ---- */

/* What a managed tensor keeps alive: the shared value or a host copy. The
 * managed tensor is the record's first member, so its deleter finds it. */
typedef struct {
    union {
        DLManagedTensor legacy;
        DLManagedTensorVersioned versioned;
    } m;
    numc_array *arr; /* shared value (NULL for a copy) */
    void *host;      /* malloc'ed C-order copy (NULL when shared) */
    int64_t shape[NUMC_MAX_DIMS];
    int64_t strides[NUMC_MAX_DIMS];
} dl_export;

static void export_free(dl_export *e) {
    if (e->arr) numc_array_release(e->arr);
    free(e->host);
    free(e);
}

static void delete_legacy(DLManagedTensor *t) {
    export_free(t->manager_ctx);
}

static void delete_versioned(DLManagedTensorVersioned *t) {
    export_free(t->manager_ctx);
}

void *numc_to_dlpack(numc_array *a, bool versioned, numc_dlpack_copy copy) {
    if (!np_concrete(a)) {
        numc_error_set(NUMC_ERR_TYPE, "__dlpack__() needs a concrete value, not a tracer");
        return NULL;
    }
    const void *data = numc_array_data(a);
    if (!data && copy == NUMC_DLPACK_NO_COPY) {
        numc_error_set(NUMC_ERR_VALUE,
                       "__dlpack__: the array is not in host memory and copy=False forbids a copy");
        return NULL;
    }
    dl_export *e = calloc(1, sizeof *e);
    if (!e) {
        numc_error_set(NUMC_ERR_MEMORY, "__dlpack__: out of memory");
        return NULL;
    }
    int nd = numc_array_ndim(a);
    numc_dtype dt = numc_array_dtype(a);
    memcpy(e->shape, numc_array_shape(a), (size_t)nd * sizeof(int64_t));
    int copied = copy == NUMC_DLPACK_COPY || !data;
    if (copied) {
        size_t n = (size_t)numc_array_size(a) * numc_dtype_itemsize(dt);
        e->host = malloc(n ? n : 1);
        if (!e->host) {
            free(e);
            numc_error_set(NUMC_ERR_MEMORY, "__dlpack__: out of memory");
            return NULL;
        }
        if (numc_array_to_host(a, e->host) != NUMC_OK) {
            export_free(e);
            return NULL;
        }
        numc_contig_strides(nd, e->shape, e->strides);
        data = e->host;
    } else {
        e->arr = numc_array_retain(a);
        numc_array_mark_exported(a);
        memcpy(e->strides, numc_array_strides(a), (size_t)nd * sizeof(int64_t));
    }
    DLTensor *t = versioned ? &e->m.versioned.dl_tensor : &e->m.legacy.dl_tensor;
    t->data = (void *)data;
    t->device.device_type = kDLCPU;
    t->device.device_id = 0;
    t->ndim = nd;
    t->dtype = dl_dtype(dt);
    t->shape = e->shape;
    t->strides = e->strides;
    t->byte_offset = 0;
    if (versioned) {
        e->m.versioned.version.major = DLPACK_MAJOR_VERSION;
        e->m.versioned.version.minor = DLPACK_MINOR_VERSION;
        e->m.versioned.manager_ctx = e;
        e->m.versioned.deleter = delete_versioned;
        e->m.versioned.flags =
            copied ? DLPACK_FLAG_BITMASK_IS_COPIED : DLPACK_FLAG_BITMASK_READ_ONLY;
    } else {
        e->m.legacy.manager_ctx = e;
        e->m.legacy.deleter = delete_legacy;
    }
    return &e->m;
}

/* ---- import ---- */

static void release_legacy(void *p) {
    DLManagedTensor *t = p;
    if (t->deleter) t->deleter(t);
}

static void release_versioned(void *p) {
    DLManagedTensorVersioned *t = p;
    if (t->deleter) t->deleter(t);
}

numc_array *numc_from_dlpack(void *managed, bool versioned, numc_dlpack_copy copy) {
    if (!managed) {
        numc_error_set(NUMC_ERR_VALUE, "from_dlpack: no tensor");
        return NULL;
    }
    DLManagedTensorVersioned *mv = managed;
    DLManagedTensor *ml = managed;
    const DLTensor *dl = versioned ? &mv->dl_tensor : &ml->dl_tensor;
    uint64_t flags = versioned ? mv->flags : 0;
    if (versioned && mv->version.major > DLPACK_MAJOR_VERSION) {
        numc_error_set(NUMC_ERR_VALUE, "from_dlpack: DLPack version %u.%u is newer than %d.%d",
                       (unsigned)mv->version.major, (unsigned)mv->version.minor,
                       DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION);
        return NULL;
    }
    numc_dtype dt = dtype_from_dl(dl->dtype);
    if (dl->device.device_type != kDLCPU && dl->device.device_type != kDLCUDAHost) {
        numc_error_set(NUMC_ERR_VALUE,
                       "from_dlpack: only host (CPU) memory can be imported, "
                       "not DLPack device type %d",
                       (int)dl->device.device_type);
        return NULL;
    }
    if (dt == NUMC_DTYPE_NONE) {
        numc_error_set(
            NUMC_ERR_VALUE, "from_dlpack: unsupported DLPack dtype (code %u, %u bits, %u lanes)",
            (unsigned)dl->dtype.code, (unsigned)dl->dtype.bits, (unsigned)dl->dtype.lanes);
        return NULL;
    }
    if (dl->ndim < 0 || dl->ndim > NUMC_MAX_DIMS) {
        numc_error_set(NUMC_ERR_VALUE, "from_dlpack: %d dimensions (numc supports at most %d)",
                       (int)dl->ndim, NUMC_MAX_DIMS);
        return NULL;
    }
    int nd = dl->ndim;
    int64_t size = 1, bs[NUMC_MAX_DIMS];
    int64_t isz = (int64_t)numc_dtype_itemsize(dt);
    bool contig = true;
    int64_t expect = 1;
    for (int i = nd - 1; i >= 0; i--) {
        size *= dl->shape[i];
        int64_t s = dl->strides ? dl->strides[i] : expect;
        bs[i] = s * isz;
        if (dl->shape[i] != 1 && s != expect) contig = false;
        expect *= dl->shape[i];
    }
    const char *data = (const char *)dl->data + dl->byte_offset;
    numc_array *r = NULL;
    bool share = copy == NUMC_DLPACK_NO_COPY ||
                 (copy == NUMC_DLPACK_COPY_IF_NEEDED &&
                  (flags & (DLPACK_FLAG_BITMASK_READ_ONLY | DLPACK_FLAG_BITMASK_IS_COPIED)));
    if (size == 0) {
        r = numc_array_from_data(dt, nd, dl->shape, NULL);
    } else if (share) {
        r = numc_array_from_foreign(dt, nd, dl->shape, bs, data,
                                    versioned ? release_versioned : release_legacy, managed);
        if (r) return r; /* the deleter runs when the last array over it goes */
        if (copy == NUMC_DLPACK_NO_COPY) {
            numc_error_set(NUMC_ERR_VALUE, "from_dlpack: the tensor's memory is not aligned to "
                                           "its itemsize and copy=False forbids a copy");
            return NULL;
        }
        numc_error_clear();
    }
    if (!r) r = numc_array_from_strided(dt, nd, dl->shape, contig ? NULL : bs, data);
    if (!r) return NULL;
    if (versioned)
        release_versioned(managed);
    else
        release_legacy(managed);
    return r;
}
