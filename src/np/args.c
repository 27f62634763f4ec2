/* args.c — the NumPy layer's checks of its arguments (casting and order
 * names, axes, item indices, dtype and kind names) with the exceptions and
 * messages NumPy gives, and the ufunc dtype= rule; bindings call these so
 * that a C caller and a Python user see the same errors. */
#include "np-impl.h"

numc_status numc_check_casting(const char *casting) {
    static const char *const names[] = {"no", "equiv", "safe", "same_kind", "unsafe"};
    for (size_t i = 0; casting && i < sizeof names / sizeof *names; i++)
        if (strcmp(casting, names[i]) == 0) return NUMC_OK;
    return numc_error_set(NUMC_ERR_VALUE,
                          "casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe'");
}

numc_status numc_check_order(const char *order) {
    if (!order || !strcmp(order, "C") || !strcmp(order, "K") || !strcmp(order, "A")) return NUMC_OK;
    if (!strcmp(order, "F"))
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                              "numc arrays are C-ordered: order='F' is not supported");
    return numc_error_set(NUMC_ERR_VALUE, "order must be one of 'C', 'F', 'A', or 'K'");
}

numc_status numc_normalize_axis(int64_t axis, int ndim, int64_t *out) {
    int64_t k = axis < 0 ? axis + ndim : axis;
    if (k < 0 || k >= ndim)
        return numc_error_set(NUMC_ERR_AXIS, "axis %lld is out of bounds for array of dimension %d",
                              (long long)axis, ndim);
    *out = k;
    return NUMC_OK;
}

numc_status numc_check_ndim(int64_t ndim) {
    if (ndim >= 0 && ndim <= NUMC_MAX_DIMS) return NUMC_OK;
    return numc_error_set(NUMC_ERR_VALUE,
                          "maximum supported dimension for an ndarray is currently %d, found %lld",
                          NUMC_MAX_DIMS, (long long)ndim);
}

numc_status numc_item_index(const numc_array *a, int nidx, const int64_t *idx, int64_t *flat) {
    if (nidx == 0) {
        if (a->size != 1)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "can only convert an array of size 1 to a Python scalar");
        *flat = 0;
        return NUMC_OK;
    }
    if (nidx == 1) {
        int64_t i = idx[0] < 0 ? idx[0] + a->size : idx[0];
        if (i < 0 || i >= a->size) return numc_error_set(NUMC_ERR_INDEX, "index out of bounds");
        *flat = i;
        return NUMC_OK;
    }
    if (nidx != a->ndim)
        return numc_error_set(NUMC_ERR_VALUE, "incorrect number of indices for array");
    int64_t f = 0;
    for (int d = 0; d < nidx; d++) {
        int64_t i = idx[d] < 0 ? idx[d] + a->shape[d] : idx[d];
        if (i < 0 || i >= a->shape[d]) return numc_error_set(NUMC_ERR_INDEX, "index out of bounds");
        f = f * a->shape[d] + i;
    }
    *flat = f;
    return NUMC_OK;
}

numc_status numc_isdtype(numc_dtype dt, const char *kind, bool *out) {
    static const struct {
        const char *name, *kinds;
    } rows[] = {{"bool", "b"},      {"signed integer", "i"}, {"unsigned integer", "u"},
                {"integral", "iu"}, {"real floating", "f"},  {"complex floating", "c"},
                {"numeric", "iufc"}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (strcmp(kind, rows[i].name) == 0) {
            *out = strchr(rows[i].kinds, numc_dtype_kind(dt)) != NULL;
            return NUMC_OK;
        }
    return numc_error_set(NUMC_ERR_VALUE,
                          "kind argument is a string, but '%s' is not a known kind name", kind);
}

/* ---- ufunc dtype=: the inputs are cast to dtype, the loop runs there, and a
 * non-bool result is cast to dtype too (comparisons stay bool) ---- */

static const numc_array *cast_in(const numc_array *a, numc_dtype dt, numc_array **owned) {
    *owned = NULL;
    if (dt == NUMC_DTYPE_NONE || a->dtype == dt) return a;
    return *owned = numc_astype(a, dt);
}

static numc_array *cast_out(numc_array *r, numc_dtype dt) {
    if (!r || dt == NUMC_DTYPE_NONE || r->dtype == dt || numc_dtype_kind(r->dtype) == 'b') return r;
    numc_array *c = numc_astype(r, dt);
    numc_array_release(r);
    return c;
}

numc_array *numc_ufunc_unary(numc_unary_fn f, const numc_array *x, numc_dtype dtype) {
    if (dtype == NUMC_DTYPE_NONE) return f(x);
    numc_array *cx;
    const numc_array *xx = cast_in(x, dtype, &cx);
    numc_array *r = xx ? cast_out(f(xx), dtype) : NULL;
    if (cx) numc_array_release(cx);
    return r;
}

numc_array *numc_ufunc_binary(numc_binary_fn f, const numc_array *x, const numc_array *y,
                              numc_dtype dtype) {
    if (dtype == NUMC_DTYPE_NONE) return f(x, y);
    numc_array *cx, *cy = NULL;
    const numc_array *xx = cast_in(x, dtype, &cx), *yy = xx ? cast_in(y, dtype, &cy) : NULL;
    numc_array *r = yy ? cast_out(f(xx, yy), dtype) : NULL;
    if (cx) numc_array_release(cx);
    if (cy) numc_array_release(cy);
    return r;
}

numc_status numc_ufunc_divmod(const numc_array *x, const numc_array *y, numc_dtype dtype,
                              numc_array **out) {
    numc_array *cx, *cy = NULL;
    const numc_array *xx = cast_in(x, dtype, &cx), *yy = xx ? cast_in(y, dtype, &cy) : NULL;
    numc_status st = yy ? numc_divmod(xx, yy, out) : numc_error_kind();
    if (cx) numc_array_release(cx);
    if (cy) numc_array_release(cy);
    return st;
}
