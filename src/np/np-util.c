/* np-util.c — the NumPy layer's plumbing: returning out of a scope, the
 * NULL-propagating bind wrappers, broadcasting, axis normalisation and the
 * ufunc dtype rules shared by every src/np file. */
#include "np-impl.h"

#include <stdio.h>

/* ---- references ---- */
numc_array *np_new_ref(const numc_array *r) {
    if (!r) return NULL;
    if (!np_is_weak(r)) return numc_array_retain((numc_array *)r);
    /* an input returned unchanged would still read as a Python scalar */
    numc_params pr = {.n = r->ndim};
    for (int d = 0; d < r->ndim; d++)
        pr.i[d] = r->shape[d];
    return numc_bind1(NUMC_PRIM_RESHAPE, 1, NP_ARRAY_OF(r), &pr);
}

numc_array *np_ret(np_scope *s, const numc_array *r) {
    numc_array *out = np_new_ref(r);
    np_scope_end(s);
    return out;
}

/* ---- binding ---- */
numc_array *np_bind(np_scope *s, numc_prim p, int nin, const numc_array *const *in,
                    const numc_params *pr) {
    return numc_scope_bind(s, p, nin, in, pr);
}

numc_array *np_un(np_scope *s, numc_prim p, const numc_array *x) {
    return np_bind(s, p, 1, NP_ARRAY_OF(x), NULL);
}

bool np_same_shape(const numc_array *a, const numc_array *b) {
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

numc_array *np_bin(np_scope *s, numc_prim p, const numc_array *x, const numc_array *y) {
    if (!x || !y) return NULL;
    if (!np_same_shape(x, y)) {
        int nd;
        int64_t shape[NUMC_MAX_DIMS];
        if (np_broadcast_shapes(2, NP_ARRAY_OF(x, y), &nd, shape)) return NULL;
        x = np_bcast(s, x, nd, shape);
        y = np_bcast(s, y, nd, shape);
    }
    return np_bind(s, p, 2, NP_ARRAY_OF(x, y), NULL);
}

numc_array *np_sel(np_scope *s, const numc_array *c, const numc_array *x, const numc_array *y) {
    if (!c || !x || !y) return NULL;
    c = np_cvt(s, c, NUMC_BOOL);
    if (!c) return NULL;
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    if (np_broadcast_shapes(3, NP_ARRAY_OF(c, x, y), &nd, shape)) return NULL;
    c = np_bcast(s, c, nd, shape);
    x = np_bcast(s, x, nd, shape);
    y = np_bcast(s, y, nd, shape);
    return np_bind(s, NUMC_PRIM_SELECT, 3, NP_ARRAY_OF(c, x, y), NULL);
}

/* The scope builders (interp/scope.c) return x itself when there is nothing
 * to do; the np helpers hand back a scope reference in every case, so a
 * composition may release what it passed in. */
static numc_array *np_kept(np_scope *s, const numc_array *x, numc_array *r) {
    return r && r == x ? np_keep(s, numc_array_retain(r)) : r;
}

numc_array *np_cvt(np_scope *s, const numc_array *x, numc_dtype dt) {
    return np_kept(s, x, numc_scope_convert(s, x, dt));
}

numc_array *np_bcast(np_scope *s, const numc_array *x, int ndim, const int64_t *shape) {
    if (!x) return NULL;
    if (x->ndim == ndim &&
        (ndim == 0 || memcmp(x->shape, shape, sizeof(int64_t) * (size_t)ndim) == 0))
        return np_kept(s, x, (numc_array *)x);
    int64_t dims[NUMC_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++)
        dims[d] = ndim - x->ndim + d;
    return numc_scope_broadcast_in_dim(s, x, ndim, shape, dims);
}

numc_array *np_reshape(np_scope *s, const numc_array *x, int ndim, const int64_t *shape) {
    return np_kept(s, x, numc_scope_reshape(s, x, ndim, shape));
}

numc_array *np_ravel(np_scope *s, const numc_array *x) {
    if (!x) return NULL;
    int64_t n = x->size;
    return np_reshape(s, x, 1, &n);
}

numc_array *np_transpose(np_scope *s, const numc_array *x, const int64_t *perm) {
    return np_kept(s, x, numc_scope_transpose(s, x, perm));
}

numc_array *np_reduce(np_scope *s, numc_prim p, const numc_array *x, const int64_t *axes,
                      int naxes) {
    if (!x) return NULL;
    if (naxes == 0) return np_keep(s, numc_array_retain((numc_array *)x));
    numc_params pr = {.n = naxes};
    for (int k = 0; k < naxes; k++)
        pr.i[k] = axes[k];
    return np_bind(s, p, 1, NP_ARRAY_OF(x), &pr);
}

numc_array *np_const(np_scope *s, numc_dtype dt, double re, double im) {
    return numc_scope_const(s, dt, re, im);
}

numc_array *np_fill(np_scope *s, numc_dtype dt, double v, int ndim, const int64_t *shape) {
    return numc_scope_full(s, dt, v, ndim, shape);
}

numc_array *np_fill_like(np_scope *s, const numc_array *x, double v) {
    if (!x) return NULL;
    return np_fill(s, x->dtype, v, x->ndim, x->shape);
}

numc_array *np_binc(np_scope *s, numc_prim p, const numc_array *x, double v) {
    if (!x) return NULL;
    return np_bin(s, p, x, np_const(s, x->dtype, v, 0));
}

/* ---- shapes and axes ---- */
static const char *shape_fmt(char *buf, size_t n, int ndim, const int64_t *shape, const char *sep) {
    size_t k = 0;
    k += (size_t)snprintf(buf + k, n - k, "(");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? sep : "", (long long)shape[d]);
    if (k < n) snprintf(buf + k, n - k, ndim == 1 ? ",)" : ")");
    return buf;
}

const char *np_shape_str(char *buf, size_t n, int ndim, const int64_t *shape) {
    return shape_fmt(buf, n, ndim, shape, ",");
}

const char *np_tuple_str(char *buf, size_t n, int ndim, const int64_t *shape) {
    return shape_fmt(buf, n, ndim, shape, ", ");
}

numc_status np_broadcast_shapes(int n, const numc_array *const *in, int *ndim, int64_t *shape) {
    int nd = 0;
    for (int i = 0; i < n; i++)
        if (in[i]->ndim > nd) nd = in[i]->ndim;
    for (int d = 0; d < nd; d++)
        shape[d] = 1;
    for (int i = 0; i < n; i++) {
        const numc_array *a = in[i];
        for (int d = 0; d < a->ndim; d++) {
            int64_t *o = &shape[nd - a->ndim + d], v = a->shape[d];
            if (v == *o || v == 1) continue;
            if (*o == 1) {
                *o = v;
                continue;
            }
            char msg[1024];
            size_t k = 0;
            for (int j = 0; j < n && k < sizeof msg; j++) {
                char b[400];
                k += (size_t)snprintf(msg + k, sizeof msg - k, "%s ",
                                      np_shape_str(b, sizeof b, in[j]->ndim, in[j]->shape));
            }
            return numc_error_set(NUMC_ERR_VALUE,
                                  "operands could not be broadcast together with shapes %s", msg);
        }
    }
    *ndim = nd;
    return NUMC_OK;
}

numc_status np_norm_axis(int64_t axis, int ndim, int64_t *out, const char *prefix) {
    if (axis < -ndim || axis >= ndim)
        return numc_error_set(NUMC_ERR_AXIS,
                              "%saxis %lld is out of bounds for array of dimension %d",
                              prefix ? prefix : "", (long long)axis, ndim);
    *out = axis < 0 ? axis + ndim : axis;
    return NUMC_OK;
}

numc_status np_norm_axes(const int64_t *axes, int naxes, int ndim, int64_t *out, int *nout) {
    bool seen[NUMC_MAX_DIMS] = {false};
    if (!axes) {
        for (int d = 0; d < ndim; d++)
            out[d] = d;
        *nout = ndim;
        return NUMC_OK;
    }
    for (int k = 0; k < naxes; k++) {
        int64_t a = 0;
        if (np_norm_axis(axes[k], ndim, &a, NULL)) return numc_error_kind();
        if (seen[a]) return numc_error_set(NUMC_ERR_VALUE, "duplicate value in 'axis'");
        seen[a] = true;
    }
    int n = 0;
    for (int d = 0; d < ndim; d++)
        if (seen[d]) out[n++] = d;
    *nout = n;
    return NUMC_OK;
}

/* ---- dtype rules ---- */
numc_dtype np_ufunc_float(numc_dtype d) {
    return numc_dt_is_inexact(d) ? d : numc_dt_float_for(d);
}

numc_dtype np_inexact_loop(int n, const numc_array *const *in) {
    numc_dtype dt = numc_result_type(n, in);
    if (dt == NUMC_DTYPE_NONE || numc_dt_is_inexact(dt)) return dt;
    /* All operands are bool/int here. NumPy picks the first float loop every
     * operand casts to safely, which is not the float of the promoted int
     * type: int8 with uint8 is float16, not float32. A weak Python int takes
     * the strong integer's type, or int64 when the others are bool. */
    bool strong_int = false;
    for (int i = 0; i < n; i++)
        if (!np_is_weak(in[i]) && numc_dt_is_int(in[i]->dtype)) strong_int = true;
    numc_dtype f = NUMC_DTYPE_NONE;
    for (int i = 0; i < n; i++) {
        numc_dtype d = in[i]->dtype;
        if (np_is_weak(in[i])) {
            if (!numc_dt_is_int(d) || strong_int) continue;
            d = numc_default_int();
        }
        numc_dtype fi = np_ufunc_float(d);
        f = f == NUMC_DTYPE_NONE ? fi : numc_promote_types(f, fi);
    }
    return f == NUMC_DTYPE_NONE ? np_ufunc_float(dt) : f;
}

numc_status np_err_ufunc_types(const char *ufunc) {
    return numc_error_set(NUMC_ERR_TYPE,
                          "ufunc '%s' not supported for the input types, and the inputs could "
                          "not be safely coerced to any supported types according to the "
                          "casting rule ''safe''",
                          ufunc);
}

bool np_concrete(const numc_array *a) {
    return a && !a->owner && a->buffer;
}

double np_scalar_value(const numc_array *a) {
    double re = NAN, im = 0;
    if (np_concrete(a) && a->size > 0) numc_array_get_f64(a, 0, &re, &im);
    return re;
}

numc_status np_check_weak_ints(int n, const numc_array *const *in, numc_dtype loop) {
    if (!numc_dt_is_int(loop)) return NUMC_OK;
    for (int i = 0; i < n; i++) {
        const numc_array *a = in[i];
        if (!np_is_weak(a) || !numc_dt_is_int(a->dtype) || !np_concrete(a)) continue;
        /* the weak value is a Python int held as int64: exact in a double
         * for every type narrower than 64 bits, which is where it matters */
        double v = np_scalar_value(a);
        numc_iinfo_t ii;
        numc_iinfo(loop, &ii);
        if (v < (double)ii.min || v > (double)ii.max)
            return numc_error_set(NUMC_ERR_OVERFLOW, "Python integer %.0f out of bounds for %s", v,
                                  numc_dtype_name(loop));
    }
    return NUMC_OK;
}

numc_status np_prepare(np_scope *s, int n, const numc_array *const *in, numc_dtype dt,
                       numc_array **out) {
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    for (int i = 0; i < n; i++)
        if (!in[i]) return numc_error_kind() ? numc_error_kind() : NUMC_ERR_VALUE;
    if (np_broadcast_shapes(n, in, &nd, shape)) return numc_error_kind();
    for (int i = 0; i < n; i++) {
        out[i] = np_bcast(s, np_cvt(s, in[i], dt), nd, shape);
        if (!out[i]) return numc_error_kind();
    }
    return NUMC_OK;
}

void np_release_n(numc_array **arrs, int64_t n) {
    for (int64_t j = 0; j < n; j++) {
        numc_array_release(arrs[j]);
        arrs[j] = NULL;
    }
}

/* ---- along one axis ---- */
numc_array *np_axis_slice(np_scope *s, const numc_array *a, int ax, int64_t lo, int64_t hi) {
    if (!a) return NULL;
    if (lo == 0 && hi == a->shape[ax]) return np_keep(s, numc_array_retain((numc_array *)a));
    numc_params pr = {.n = 3 * a->ndim};
    for (int d = 0; d < a->ndim; d++) {
        pr.i[d] = d == ax ? lo : 0;
        pr.i[a->ndim + d] = d == ax ? hi : a->shape[d];
        pr.i[2 * a->ndim + d] = 1;
    }
    return np_bind(s, NUMC_PRIM_SLICE, 1, NP_ARRAY_OF(a), &pr);
}

numc_array *np_axis_rev(np_scope *s, const numc_array *a, int ax) {
    numc_params pr = {.n = 1, .i = {ax}};
    return a ? np_bind(s, NUMC_PRIM_REV, 1, NP_ARRAY_OF(a), &pr) : NULL;
}

numc_array *np_axis_cat3(np_scope *s, const numc_array *l, const numc_array *mid,
                         const numc_array *r, int ax) {
    if (!mid) return NULL;
    const numc_array *in[3];
    int n = 0;
    if (l && l->shape[ax] > 0) in[n++] = l;
    in[n++] = mid;
    if (r && r->shape[ax] > 0) in[n++] = r;
    if (n == 1) return (numc_array *)mid;
    numc_params pr = {.n = 1, .i = {ax}};
    return np_bind(s, NUMC_PRIM_CONCATENATE, n, in, &pr);
}
