/* ext.c — the value facts and scalar reuse that numc-ext.h
 * offers language bindings; each is a few lines over core's private view of
 * an array. (numc-ext.h's tape API is defined in interp/tape.c.) */
#include "numc-ext.h"

#include "backend/device.h"
#include "interp/interp.h"

#include <stddef.h>

_Static_assert(offsetof(numc_array_head, flags) == offsetof(struct numc_array, flags) &&
                   offsetof(numc_array_head, dtype) == offsetof(struct numc_array, dtype) &&
                   offsetof(numc_array_head, ndim) == offsetof(struct numc_array, ndim) &&
                   NUMC_ARRAY_HEAD_WEAK == NUMC_AF_WEAK,
               "numc-ext.h's numc_array_head must match core's numc_array");

bool numc_array_is_concrete(const numc_array *a) {
    return a->buffer != NULL;
}

bool numc_array_is_plain(const numc_array *a) {
    return a->buffer && !a->owner && a->buffer->device->host_addressable;
}

numc_array *numc_array_strengthen(numc_array *a) {
    if (NUMC_LIKELY(!(a->flags & NUMC_AF_WEAK))) return a;
    if (atomic_load(&a->refcount) == 1 || !a->buffer) {
        a->flags &= ~NUMC_AF_WEAK;
        return a;
    }
    numc_array *v = numc_array_view(a, a->ndim, a->shape, a->strides, a->offset);
    if (!v) return a;
    v->flags &= ~NUMC_AF_WEAK;
    numc_array_release(a);
    return v;
}

bool numc_array_overwrite_scalar(numc_array *a, const void *val, size_t nbytes) {
    if (a->ndim != 0 || !(a->flags & NUMC_AF_WEAK) || !numc_array_is_plain(a) ||
        nbytes > numc_dtype_info[a->dtype].itemsize || atomic_load(&a->refcount) != 1 ||
        atomic_load(&a->buffer->refcount) != 1 || atomic_load(&a->buffer->exported))
        return false;
    memcpy(numc_array_ptr(a), val, nbytes);
    return true;
}

numc_array *numc_array_fresh_handle(const numc_array *a) {
    numc_params p = {.n = a->ndim};
    memcpy(p.i, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    const numc_array *in[1] = {a};
    return numc_bind1(NUMC_PRIM_RESHAPE, 1, in, &p);
}

