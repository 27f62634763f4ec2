/* reduce.c — reductions (sum prod max min any all mean ptp var std
 * count_nonzero), argmax/argmin and the cumulative sums/products, with
 * NumPy's axis handling, keepdims, accumulator dtypes and empty-input rules. */
#include "np-impl.h"

typedef struct {
    int64_t axes[NUMC_MAX_DIMS];
    int n;
    int64_t kshape[NUMC_MAX_DIMS]; /* the keepdims shape */
    int64_t count;                 /* elements reduced into each output */
    bool empty_axis;               /* some reduced axis has length 0 */
} red_axes;

/* ufunc_axis0: NumPy's ufunc reductions accept a single axis 0 or -1 on a
 * 0-d array (and reduce nothing); mean/var/std do not. */
static numc_status red_setup_(const numc_array *a, const int64_t *axes, int naxes, red_axes *r,
                              bool ufunc_axis0) {
    if (ufunc_axis0 && a->ndim == 0 && axes && naxes == 1 && (axes[0] == 0 || axes[0] == -1)) {
        r->n = 0;
    } else if (np_norm_axes(axes, naxes, a->ndim, r->axes, &r->n)) {
        return numc_error_kind();
    }
    memcpy(r->kshape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    r->count = 1;
    r->empty_axis = false;
    for (int k = 0; k < r->n; k++) {
        r->count *= a->shape[r->axes[k]];
        r->empty_axis |= a->shape[r->axes[k]] == 0;
        r->kshape[r->axes[k]] = 1;
    }
    return NUMC_OK;
}

static numc_status red_setup(const numc_array *a, const int64_t *axes, int naxes, red_axes *r) {
    return red_setup_(a, axes, naxes, r, true);
}

static numc_array *finish(np_scope *s, const numc_array *a, numc_array *r, const red_axes *ra,
                          bool keepdims) {
    return keepdims ? np_reshape(s, r, a->ndim, ra->kshape) : r;
}

/* NumPy's accumulator for sum/prod/cumsum/cumprod: small ints widen to the
 * platform integer of their signedness, bool to the default int. */
static numc_dtype sum_dtype(numc_dtype d) {
    if (d == NUMC_BOOL) return numc_default_int();
    if (numc_dt_is_signed(d) && numc_dtype_itemsize(d) < 8) return NUMC_INT64;
    if (numc_dt_is_unsigned(d) && numc_dtype_itemsize(d) < 8) return NUMC_UINT64;
    return d;
}

static numc_array *reduce_op(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                             numc_dtype dt, numc_prim p) {
    red_axes ra;
    if (red_setup(a, axes, naxes, &ra)) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *x = np_cvt(&s, a, dt);
    if (dt == NUMC_BOOL && p == NUMC_PRIM_REDUCE_SUM) p = NUMC_PRIM_REDUCE_OR;
    if (dt == NUMC_BOOL && p == NUMC_PRIM_REDUCE_PROD) p = NUMC_PRIM_REDUCE_AND;
    numc_array *r = np_reduce(&s, p, x, ra.axes, ra.n);
    return np_ret(&s, finish(&s, a, r, &ra, keepdims));
}

numc_array *numc_sum(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    return reduce_op(a, axes, naxes, keepdims, dt == NUMC_DTYPE_NONE ? sum_dtype(a->dtype) : dt,
                     NUMC_PRIM_REDUCE_SUM);
}

numc_array *numc_prod(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                      numc_dtype dt) {
    return reduce_op(a, axes, naxes, keepdims, dt == NUMC_DTYPE_NONE ? sum_dtype(a->dtype) : dt,
                     NUMC_PRIM_REDUCE_PROD);
}

static numc_array *extreme(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                           numc_dtype dt, bool is_max) {
    red_axes ra;
    if (red_setup(a, axes, naxes, &ra)) return NULL;
    if (ra.empty_axis) {
        numc_error_set(NUMC_ERR_VALUE,
                       "zero-size array to reduction operation %s which has no identity",
                       is_max ? "maximum" : "minimum");
        return NULL;
    }
    if (dt == NUMC_DTYPE_NONE) dt = a->dtype;
    numc_prim p = dt == NUMC_BOOL ? (is_max ? NUMC_PRIM_REDUCE_OR : NUMC_PRIM_REDUCE_AND)
                                  : (is_max ? NUMC_PRIM_REDUCE_MAX : NUMC_PRIM_REDUCE_MIN);
    return reduce_op(a, axes, naxes, keepdims, dt, p);
}

numc_array *numc_max(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    return extreme(a, axes, naxes, keepdims, dt, true);
}

numc_array *numc_min(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    return extreme(a, axes, naxes, keepdims, dt, false);
}

numc_array *numc_any(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    return reduce_op(a, axes, naxes, keepdims, NUMC_BOOL, NUMC_PRIM_REDUCE_OR);
}

numc_array *numc_all(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    return reduce_op(a, axes, naxes, keepdims, NUMC_BOOL, NUMC_PRIM_REDUCE_AND);
}

numc_array *numc_ptp(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt) {
    np_scope s;
    np_scope_init(&s);
    numc_array *hi = np_keep(&s, numc_max(a, axes, naxes, keepdims, dt));
    numc_array *lo = hi ? np_keep(&s, numc_min(a, axes, naxes, keepdims, dt)) : NULL;
    return np_ret(&s, lo ? np_keep(&s, numc_subtract(hi, lo)) : NULL);
}

/* The accumulator of mean/var/std: integers -> default float, float16 ->
 * float32 (the result is cast back to float16, as NumPy's _mean does). */
static numc_dtype mean_dtype(numc_dtype d, numc_dtype dt, numc_dtype *result) {
    *result = NUMC_DTYPE_NONE;
    if (dt != NUMC_DTYPE_NONE) return dt;
    if (d == NUMC_BOOL || numc_dt_is_int(d)) return numc_dt_canonical(numc_default_float());
    if (numc_dt_is_half(d)) {
        *result = d;
        return NUMC_FLOAT32;
    }
    return d;
}

/* sum / n in the accumulator's type (an integer accumulator divides in
 * float64 and truncates, as NumPy's unsafe out= cast does) */
static numc_array *divide_count(np_scope *s, numc_array *sum, double n) {
    if (!sum) return NULL;
    if (numc_dt_is_inexact(sum->dtype)) return np_binc(s, NUMC_PRIM_DIV, sum, n);
    numc_array *f = np_cvt(s, sum, NUMC_FLOAT64);
    return np_cvt(s, np_binc(s, NUMC_PRIM_DIV, f, n), sum->dtype);
}

numc_array *numc_mean(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                      numc_dtype dt) {
    red_axes ra;
    if (red_setup_(a, axes, naxes, &ra, false)) return NULL;
    numc_dtype result, acc = mean_dtype(a->dtype, dt, &result);
    np_scope s;
    np_scope_init(&s);
    numc_array *sum = np_reduce(&s, NUMC_PRIM_REDUCE_SUM, np_cvt(&s, a, acc), ra.axes, ra.n);
    numc_array *r = divide_count(&s, sum, (double)ra.count);
    if (result != NUMC_DTYPE_NONE) r = np_cvt(&s, r, result);
    return np_ret(&s, finish(&s, a, r, &ra, keepdims));
}

static numc_array *variance(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                            numc_dtype dt, double ddof, bool root) {
    red_axes ra;
    if (red_setup_(a, axes, naxes, &ra, false)) return NULL;
    numc_dtype result, acc = mean_dtype(a->dtype, dt, &result);
    np_scope s;
    np_scope_init(&s);
    /* NumPy's _var: the mean with keepdims, x = a - mean in the promoted
     * type, |x|^2 summed in the accumulator, / max(n - ddof, 0) */
    numc_array *sum = np_reduce(&s, NUMC_PRIM_REDUCE_SUM, np_cvt(&s, a, acc), ra.axes, ra.n);
    numc_array *mean = np_reshape(&s, divide_count(&s, sum, (double)ra.count), a->ndim, ra.kshape);
    numc_dtype xt = numc_promote_types(a->dtype, acc);
    numc_array *x = np_bin(&s, NUMC_PRIM_SUB, np_cvt(&s, a, xt), np_cvt(&s, mean, xt));
    numc_array *sq;
    if (numc_dt_is_complex(xt)) {
        numc_array *re = np_un(&s, NUMC_PRIM_REAL, x), *im = np_un(&s, NUMC_PRIM_IMAG, x);
        sq = np_bin(&s, NUMC_PRIM_ADD, np_bin(&s, NUMC_PRIM_MUL, re, re),
                    np_bin(&s, NUMC_PRIM_MUL, im, im));
    } else {
        sq = np_bin(&s, NUMC_PRIM_MUL, x, x);
    }
    numc_dtype sacc = numc_dt_is_complex(acc) ? numc_dt_real_of(acc) : acc;
    numc_array *ss = np_reduce(&s, NUMC_PRIM_REDUCE_SUM, np_cvt(&s, sq, sacc), ra.axes, ra.n);
    double n = (double)ra.count - ddof;
    numc_array *r = divide_count(&s, ss, n > 0 ? n : 0);
    if (result != NUMC_DTYPE_NONE) r = np_cvt(&s, r, result);
    if (root) r = np_un(&s, NUMC_PRIM_SQRT, r);
    return np_ret(&s, finish(&s, a, r, &ra, keepdims));
}

numc_array *numc_var(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt, double ddof) {
    return variance(a, axes, naxes, keepdims, dt, ddof, false);
}

numc_array *numc_std(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt, double ddof) {
    return variance(a, axes, naxes, keepdims, dt, ddof, true);
}

numc_array *numc_count_nonzero(const numc_array *a, const int64_t *axes, int naxes, bool keepdims) {
    red_axes ra;
    if (red_setup(a, axes, naxes, &ra)) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *b = np_cvt(&s, np_cvt(&s, a, NUMC_BOOL), NUMC_INT64);
    numc_array *r = np_reduce(&s, NUMC_PRIM_REDUCE_SUM, b, ra.axes, ra.n);
    return np_ret(&s, finish(&s, a, r, &ra, keepdims));
}

static numc_array *arg_extreme(const numc_array *a, const int64_t *axis, bool keepdims, numc_prim p,
                               const char *name) {
    np_scope s;
    np_scope_init(&s);
    numc_array *x;
    int64_t ax = 0, kshape[NUMC_MAX_DIMS];
    int knd = a->ndim;
    if (!axis) {
        /* flattened; keepdims keeps every axis as length 1 */
        x = np_ravel(&s, a);
        for (int d = 0; d < knd; d++)
            kshape[d] = 1;
    } else if (a->ndim == 0) {
        /* NumPy treats a 0-d array as 1-d here */
        if (np_norm_axis(*axis, 1, &ax, NULL)) return np_ret(&s, NULL);
        int64_t one = 1;
        x = np_reshape(&s, a, 1, &one);
    } else {
        if (np_norm_axis(*axis, a->ndim, &ax, NULL)) return np_ret(&s, NULL);
        x = np_keep(&s, numc_array_retain((numc_array *)a));
        memcpy(kshape, a->shape, sizeof(int64_t) * (size_t)knd);
        kshape[ax] = 1;
    }
    if (!x) return np_ret(&s, NULL);
    if (x->shape[ax] == 0) {
        numc_error_set(NUMC_ERR_VALUE, "attempt to get %s of an empty sequence", name);
        return np_ret(&s, NULL);
    }
    numc_params pr = {.n = 2, .i = {ax, NUMC_INT64}};
    numc_array *r = np_bind(&s, p, 1, NP_ARRAY_OF(x), &pr);
    if (keepdims) r = np_reshape(&s, r, knd, kshape);
    return np_ret(&s, r);
}

numc_array *numc_argmax(const numc_array *a, const int64_t *axis, bool keepdims) {
    return arg_extreme(a, axis, keepdims, NUMC_PRIM_ARGMAX, "argmax");
}

numc_array *numc_argmin(const numc_array *a, const int64_t *axis, bool keepdims) {
    return arg_extreme(a, axis, keepdims, NUMC_PRIM_ARGMIN, "argmin");
}

static numc_array *cumulative(const numc_array *a, const int64_t *axis, numc_dtype dt,
                              numc_prim p) {
    np_scope s;
    np_scope_init(&s);
    numc_array *x;
    int64_t ax = 0;
    if (!axis || a->ndim == 0) {
        /* flattened; a 0-d array counts as 1-d */
        if (axis && np_norm_axis(*axis, 1, &ax, NULL)) return np_ret(&s, NULL);
        x = np_ravel(&s, a);
    } else {
        if (np_norm_axis(*axis, a->ndim, &ax, NULL)) return np_ret(&s, NULL);
        x = np_keep(&s, numc_array_retain((numc_array *)a));
    }
    x = np_cvt(&s, x, dt == NUMC_DTYPE_NONE ? sum_dtype(a->dtype) : dt);
    numc_params pr = {.n = 2, .i = {ax, 0}};
    return np_ret(&s, np_bind(&s, p, 1, NP_ARRAY_OF(x), &pr));
}

numc_array *numc_cumsum(const numc_array *a, const int64_t *axis, numc_dtype dt) {
    return cumulative(a, axis, dt, NUMC_PRIM_CUMSUM);
}

numc_array *numc_cumprod(const numc_array *a, const int64_t *axis, numc_dtype dt) {
    return cumulative(a, axis, dt, NUMC_PRIM_CUMPROD);
}

/* np.cumulative_sum/prod: unlike cumsum, no flattening of an n-d input, and
 * include_initial puts the identity in front along the axis. */
static numc_array *cumulative_api(const numc_array *a, const int64_t *axis, numc_dtype dt,
                                  bool include_initial, numc_prim p, double identity) {
    if (!axis && a->ndim > 1) {
        numc_error_set(NUMC_ERR_VALUE, "For arrays which have more than one dimension ``axis`` "
                                       "argument is required.");
        return NULL;
    }
    int64_t ax = axis ? *axis : 0;
    np_scope s;
    np_scope_init(&s);
    numc_array *r = np_keep(&s, cumulative(a, &ax, dt, p));
    if (!r || !include_initial) return np_ret(&s, r);
    int64_t k = 0, shape[NUMC_MAX_DIMS];
    if (np_norm_axis(ax, r->ndim, &k, NULL)) return np_ret(&s, NULL);
    memcpy(shape, r->shape, sizeof(int64_t) * (size_t)r->ndim);
    shape[k] = 1;
    numc_array *init = np_fill(&s, r->dtype, identity, r->ndim, shape);
    if (!init) return np_ret(&s, NULL);
    return np_ret(&s, np_keep(&s, numc_concatenate(2, NP_ARRAY_OF(init, r), &k)));
}

numc_array *numc_cumulative_sum(const numc_array *a, const int64_t *axis, numc_dtype dt,
                                bool include_initial) {
    return cumulative_api(a, axis, dt, include_initial, NUMC_PRIM_CUMSUM, 0);
}

numc_array *numc_cumulative_prod(const numc_array *a, const int64_t *axis, numc_dtype dt,
                                 bool include_initial) {
    return cumulative_api(a, axis, dt, include_initial, NUMC_PRIM_CUMPROD, 1);
}
