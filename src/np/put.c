/* put.c — NumPy's flat in-place writers np.put and np.place (index
 * assignment on the target handle, so in place when nothing else sees the
 * buffer), and np.shares_memory / np.may_share_memory on numc arrays. */
#include "np-impl.h"

#include <stdlib.h>
#include <string.h>

/* values flattened, cast to dt and repeated cyclically to n elements */
static numc_array *cycle_values(np_scope *s, const numc_array *values, numc_dtype dt, int64_t n) {
    numc_array *v = np_ravel(s, np_cvt(s, values, dt));
    if (!v) return NULL;
    return np_keep(s, numc_resize(v, 1, &n));
}

numc_status numc_put(numc_array **target, const numc_array *indices, const numc_array *values,
                     const char *mode) {
    numc_array *a = *target;
    int m = !strcmp(mode, "raise") ? 0 : !strcmp(mode, "wrap") ? 1 : !strcmp(mode, "clip") ? 2 : -1;
    if (m < 0)
        return numc_error_set(NUMC_ERR_VALUE, "clipmode must be one of 'clip', 'raise', or 'wrap'");
    if (numc_dtype_kind(indices->dtype) == 'c')
        return numc_error_set(NUMC_ERR_TYPE,
                              "Cannot cast array data from dtype('%s') to dtype('int64') "
                              "according to the rule 'same_kind'",
                              numc_dtype_name(indices->dtype));
    int64_t n = a->size, ni = indices->size;
    if (ni == 0 || values->size == 0) return NUMC_OK;
    if (n == 0) return numc_error_set(NUMC_ERR_INDEX, "cannot replace elements of an empty array");
    np_scope s;
    np_scope_init(&s);
    numc_array *idx = np_ravel(&s, np_cvt(&s, indices, NUMC_INT64));
    if (idx && m == 0) {
        if (!np_concrete(idx)) {
            np_scope_end(&s);
            return numc_error_set(NUMC_ERR_TYPE, "put: mode='raise' needs concrete indices; use "
                                                 "mode='wrap' or mode='clip' under a transform");
        }
        const int64_t *p = numc_array_data(idx);
        for (int64_t q = 0; p && q < ni; q++)
            if (p[q] < -n || p[q] >= n) {
                np_scope_end(&s);
                return numc_error_set(NUMC_ERR_INDEX,
                                      "index %lld is out of bounds for axis 0 with size %lld",
                                      (long long)p[q], (long long)n);
            }
    }
    numc_array *nn = np_const(&s, NUMC_INT64, (double)n, 0);
    if (m == 0) /* negative indices count from the end */
        idx = np_keep(&s, numc_remainder(idx, nn));
    else if (m == 1)
        idx = np_keep(&s, numc_remainder(idx, nn));
    else
        idx = np_keep(&s, numc_clip(idx, np_const(&s, NUMC_INT64, 0, 0),
                                    np_const(&s, NUMC_INT64, (double)(n - 1), 0)));
    numc_array *v = cycle_values(&s, values, a->dtype, ni);
    if (!idx || !v) {
        np_scope_end(&s);
        return numc_error_kind();
    }
    numc_status st;
    if (a->ndim <= 1) {
        numc_index key = {.kind = NUMC_INDEX_ARRAY, .array = idx};
        st = a->ndim == 0
                 ? numc_setitem(
                       target, 0, NULL,
                       np_keep(&s,
                               numc_getitem(v, 1, &(numc_index){.kind = NUMC_INDEX_INT, .i = -1})))
                 : numc_setitem(target, 1, &key, v);
    } else {
        numc_array *multi[NUMC_MAX_DIMS];
        st = numc_unravel_index(idx, a->ndim, a->shape, false, multi);
        if (!st) {
            numc_index key[NUMC_MAX_DIMS];
            for (int d = 0; d < a->ndim; d++) {
                np_keep(&s, multi[d]);
                key[d] = (numc_index){.kind = NUMC_INDEX_ARRAY, .array = multi[d]};
            }
            st = numc_setitem(target, a->ndim, key, v);
        }
    }
    np_scope_end(&s);
    return st;
}

numc_status numc_place(numc_array **target, const numc_array *mask, const numc_array *vals) {
    numc_array *a = *target;
    if (mask->size != a->size)
        return numc_error_set(NUMC_ERR_VALUE, "place: mask and data must be the same size");
    if (!np_concrete(mask))
        return numc_error_set(NUMC_ERR_TYPE,
                              "place: the mask must be concrete (the number of places depends "
                              "on it); use numc.where under a transform");
    np_scope s;
    np_scope_init(&s);
    numc_array *mb = np_reshape(&s, np_cvt(&s, mask, NUMC_BOOL), a->ndim, a->shape);
    numc_array *cnt = mb ? np_keep(&s, numc_count_nonzero(mb, NULL, 0, false)) : NULL;
    if (!cnt) {
        np_scope_end(&s);
        return numc_error_kind();
    }
    int64_t k = (int64_t)np_scalar_value(cnt);
    if (k == 0) {
        np_scope_end(&s);
        return NUMC_OK;
    }
    if (vals->size == 0) {
        np_scope_end(&s);
        return numc_error_set(NUMC_ERR_VALUE, "Cannot insert from an empty array!");
    }
    numc_array *v = cycle_values(&s, vals, a->dtype, k);
    numc_status st =
        v ? numc_setitem(target, 1, &(numc_index){.kind = NUMC_INDEX_ARRAY, .array = mb}, v)
          : numc_error_kind();
    np_scope_end(&s);
    return st;
}

/* ---- memory overlap ---- */

/* [lo, hi) bytes that a spans (hi == lo when empty) */
static void extent(const numc_array *a, intptr_t *lo, intptr_t *hi) {
    intptr_t base = (intptr_t)numc_array_data(a);
    int64_t isz = (int64_t)numc_dtype_itemsize(a->dtype), l = 0, h = 0;
    *lo = *hi = base;
    if (a->size == 0) return;
    for (int d = 0; d < a->ndim; d++) {
        int64_t span = (a->shape[d] - 1) * a->strides[d] * isz;
        if (span < 0)
            l += span;
        else
            h += span;
    }
    *lo = base + (intptr_t)l;
    *hi = base + (intptr_t)h + (intptr_t)isz;
}

static int cmp_ptr(const void *x, const void *y) {
    intptr_t a = *(const intptr_t *)x, b = *(const intptr_t *)y;
    return (a > b) - (a < b);
}

/* every element's starting address, sorted */
static intptr_t *addresses(const numc_array *a) {
    intptr_t *p = malloc(sizeof(intptr_t) * (size_t)(a->size ? a->size : 1));
    if (!p) return NULL;
    intptr_t base = (intptr_t)numc_array_data(a);
    int64_t isz = (int64_t)numc_dtype_itemsize(a->dtype), ix[NUMC_MAX_DIMS] = {0};
    for (int64_t k = 0; k < a->size; k++) {
        int64_t off = 0;
        for (int d = 0; d < a->ndim; d++)
            off += ix[d] * a->strides[d];
        p[k] = base + (intptr_t)(off * isz);
        for (int d = a->ndim - 1; d >= 0; d--) {
            if (++ix[d] < a->shape[d]) break;
            ix[d] = 0;
        }
    }
    qsort(p, (size_t)a->size, sizeof *p, cmp_ptr);
    return p;
}

numc_status numc_shares_memory(const numc_array *a, const numc_array *b, bool exact, bool *out) {
    *out = false;
    if (!np_concrete(a) || !np_concrete(b))
        return numc_error_set(NUMC_ERR_TYPE,
                              "shares_memory: traced values have no memory to compare");
    if (!numc_array_data(a) || !numc_array_data(b) || !a->size || !b->size) return NUMC_OK;
    intptr_t al, ah, bl, bh;
    extent(a, &al, &ah);
    extent(b, &bl, &bh);
    if (ah <= bl || bh <= al) return NUMC_OK;
    if (!exact) {
        *out = true;
        return NUMC_OK;
    }
    intptr_t *pa = addresses(a), *pb = addresses(b);
    if (!pa || !pb) {
        free(pa);
        free(pb);
        return numc_error_set(NUMC_ERR_MEMORY, "shares_memory: out of memory");
    }
    intptr_t sa = (intptr_t)numc_dtype_itemsize(a->dtype),
             sb = (intptr_t)numc_dtype_itemsize(b->dtype);
    int64_t i = 0, j = 0;
    while (i < a->size && j < b->size) {
        if (pa[i] < pb[j] + sb && pb[j] < pa[i] + sa) {
            *out = true;
            break;
        }
        if (pa[i] < pb[j])
            i++;
        else
            j++;
    }
    free(pa);
    free(pb);
    return NUMC_OK;
}
