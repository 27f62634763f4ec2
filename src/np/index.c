/* index.c — basic slicing (numc_slice, behind ndarray.__getitem__) via rev +
 * slice, and np.take via gather after wrapping negative indices. */
#include "np-impl.h"

numc_array *numc_slice(const numc_array *a, const int64_t *start, const int64_t *stop,
                       const int64_t *step) {
    int nd = a->ndim;
    numc_params sl = {.n = 3 * nd}, rv = {.n = 0};
    bool identity = true;
    for (int d = 0; d < nd; d++) {
        int64_t len = a->shape[d], st = step[d], b = start[d], e = stop[d], n = 0;
        if (st == 0) {
            numc_error_set(NUMC_ERR_VALUE, "slice step cannot be zero");
            return NULL;
        }
        /* clamp as slice.indices(len) would, in case the caller did not */
        if (st > 0) {
            b = b < 0 ? 0 : b > len ? len : b;
            e = e < 0 ? 0 : e > len ? len : e;
            if (e > b) n = (e - b + st - 1) / st;
        } else {
            b = b < -1 ? -1 : b > len - 1 ? len - 1 : b;
            e = e < -1 ? -1 : e > len - 1 ? len - 1 : e;
            if (b > e) n = (b - e - st - 1) / -st;
        }
        int64_t lo = 0, stride = 1;
        if (n > 0 && st > 0) {
            lo = b;
            stride = st;
        } else if (n > 0) {
            /* a negative step reads the reversed axis forwards */
            rv.i[rv.n++] = d;
            lo = len - 1 - b;
            stride = -st;
        }
        int64_t hi = n > 0 ? lo + (n - 1) * stride + 1 : 0;
        sl.i[d] = lo;
        sl.i[nd + d] = hi;
        sl.i[2 * nd + d] = stride;
        identity &= lo == 0 && hi == len && stride == 1;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    if (rv.n) x = np_bind(&s, NUMC_PRIM_REV, 1, NP_ARRAY_OF(x), &rv);
    if (!identity) x = np_bind(&s, NUMC_PRIM_SLICE, 1, NP_ARRAY_OF(x), &sl);
    return np_ret(&s, x);
}

numc_array *numc_take(const numc_array *a, const numc_array *indices, const int64_t *axis) {
    numc_dtype it = indices->dtype;
    if (it != NUMC_BOOL && !numc_dt_is_int(it)) {
        numc_error_set(NUMC_ERR_TYPE,
                       "Cannot cast array data from dtype('%s') to dtype('int64') according to "
                       "the rule 'same_kind'",
                       numc_dtype_name(it));
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    int64_t ax = 0;
    if (!axis)
        x = np_ravel(&s, a);
    else if (np_norm_axis(*axis, a->ndim, &ax, NULL))
        return np_ret(&s, NULL);
    if (!x) return np_ret(&s, NULL);
    int64_t dim = x->shape[ax];
    if (dim == 0 && indices->size > 0) {
        numc_error_set(NUMC_ERR_INDEX, "cannot do a non-empty take from an empty axes.");
        return np_ret(&s, NULL);
    }
    numc_array *idx = np_cvt(&s, indices, NUMC_INT64);
    numc_params pr = {.n = 1, .i = {ax}};
    if (np_concrete(indices)) {
        /* concrete indices: the kernel wraps the negative ones and raises
         * NumPy's IndexError (gather's i[1] = 1). Under a trace of x the
         * bind only records, so the range is checked here, at trace time. */
        if (!np_concrete(x)) {
            for (int64_t i = 0; i < indices->size; i++) {
                double v, im;
                if (numc_array_get_f64(indices, i, &v, &im)) return np_ret(&s, NULL);
                if (v < (double)-dim || v >= (double)dim) {
                    numc_error_set(NUMC_ERR_INDEX,
                                   "index %.0f is out of bounds for axis %lld with "
                                   "size %lld",
                                   v, (long long)ax, (long long)dim);
                    return np_ret(&s, NULL);
                }
            }
        }
        if (numc_dt_is_signed(it)) pr = (numc_params){.n = 2, .i = {ax, 1}};
    } else if (numc_dt_is_signed(it)) {
        /* traced indices: wrap them by select */
        idx = np_sel(&s, np_binc(&s, NUMC_PRIM_LT, idx, 0),
                     np_binc(&s, NUMC_PRIM_ADD, idx, (double)dim), idx);
    }
    return np_ret(&s, np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, idx), &pr));
}
