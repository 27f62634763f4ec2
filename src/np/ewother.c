/* ewother.c — the elementwise functions that are not plain ufuncs: where,
 * clip, round (np.round / around), modf and sinc (built on where). */
#include "np-impl.h"

numc_status numc_modf(const numc_array *x, numc_array **out) {
    if (numc_dt_is_complex(x->dtype)) return np_err_ufunc_types("modf");
    np_scope s;
    np_scope_init(&s);
    numc_array *v = np_cvt(&s, x, np_inexact_loop(1, &x));
    numc_array *ip = np_un(&s, NUMC_PRIM_TRUNC, v);
    /* C's modf: the fraction keeps x's sign (also for -0.0 and integral
     * negatives) and is +-0 for infinities */
    numc_array *frac = np_bin(&s, NUMC_PRIM_COPYSIGN, np_bin(&s, NUMC_PRIM_SUB, v, ip), v);
    numc_array *zero = np_bin(&s, NUMC_PRIM_COPYSIGN, np_fill_like(&s, v, 0), v);
    frac = np_sel(&s, np_un(&s, NUMC_PRIM_ISINF, v), zero, frac);
    if (!frac || !ip) {
        np_scope_end(&s);
        return numc_error_kind();
    }
    out[0] = numc_array_retain(frac);
    out[1] = numc_array_retain(ip);
    np_scope_end(&s);
    return NUMC_OK;
}

numc_array *numc_where(const numc_array *cond, const numc_array *x, const numc_array *y) {
    if (!x || !y) {
        /* where(cond) alone is numc_nonzero: its result is a tuple */
        numc_error_set(NUMC_ERR_VALUE, "either both or neither of x and y should be given");
        return NULL;
    }
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(x, y));
    if (dt == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    /* np.where casts Python ints without NEP 50's range check (they wrap) */
    return np_ret(&s, np_sel(&s, cond, np_cvt(&s, x, dt), np_cvt(&s, y, dt)));
}

/* A weak Python int bound outside an integer dtype's range clips nothing
 * (or everything): NumPy 2's clip replaces it by the dtype's limit. */
static const numc_array *clip_bound(np_scope *s, const numc_array *v, numc_dtype dt) {
    if (!v || !numc_dt_is_int(dt) || !np_is_weak(v) || !numc_dt_is_int(v->dtype) || !np_concrete(v))
        return v;
    numc_iinfo_t ii;
    numc_iinfo(dt, &ii);
    double x = np_scalar_value(v);
    if (x < (double)ii.min) return np_const(s, dt, (double)ii.min, 0);
    if (x > (double)ii.max) return np_const(s, dt, (double)ii.max, 0);
    return v;
}

numc_array *numc_clip(const numc_array *a, const numc_array *lo, const numc_array *hi) {
    np_scope s;
    np_scope_init(&s);
    if (!lo && !hi) return np_ret(&s, a);
    const numc_array *ops[3] = {a, lo ? lo : hi, hi};
    numc_dtype dt = numc_result_type(lo && hi ? 3 : 2, ops);
    if (dt == NUMC_DTYPE_NONE) return np_ret(&s, NULL);
    lo = clip_bound(&s, lo, dt);
    hi = clip_bound(&s, hi, dt);
    const numc_array *bounds[2] = {lo, hi};
    for (int k = 0; k < 2; k++)
        if (bounds[k] && np_check_weak_ints(1, &bounds[k], dt)) return np_ret(&s, NULL);
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    const numc_array *all[3] = {a, lo ? lo : a, hi ? hi : a};
    if (np_broadcast_shapes(3, all, &nd, shape)) return np_ret(&s, NULL);
    numc_array *r = np_bcast(&s, np_cvt(&s, a, dt), nd, shape);
    /* NumPy's clip is minimum(maximum(a, lo), hi), NaN propagating */
    if (lo) r = np_bin(&s, NUMC_PRIM_MAX, r, np_cvt(&s, lo, dt));
    if (hi) r = np_bin(&s, NUMC_PRIM_MIN, r, np_cvt(&s, hi, dt));
    return np_ret(&s, r);
}

static double power_of_ten(int64_t n) {
    double r = 1;
    for (int64_t i = 0; i < n && r < INFINITY; i++)
        r *= 10.0;
    return r;
}

/* NumPy's float rounding: x * 10^d, rint, / 10^d (the factor rounded to the
 * array's dtype, as a Python float operand is). */
static numc_array *round_float(np_scope *s, const numc_array *x, int64_t decimals) {
    if (decimals == 0) return np_un(s, NUMC_PRIM_RINT, x);
    double f = power_of_ten(decimals < 0 ? -decimals : decimals);
    numc_prim up = decimals > 0 ? NUMC_PRIM_MUL : NUMC_PRIM_DIV;
    numc_prim down = decimals > 0 ? NUMC_PRIM_DIV : NUMC_PRIM_MUL;
    return np_binc(s, down, np_un(s, NUMC_PRIM_RINT, np_binc(s, up, x, f)), f);
}

numc_array *numc_round(const numc_array *a, int64_t decimals) {
    np_scope s;
    np_scope_init(&s);
    numc_dtype dt = a->dtype;
    if (numc_dt_is_complex(dt)) {
        numc_array *re = round_float(&s, np_un(&s, NUMC_PRIM_REAL, a), decimals);
        numc_array *im = round_float(&s, np_un(&s, NUMC_PRIM_IMAG, a), decimals);
        return np_ret(&s, np_bin(&s, NUMC_PRIM_COMPLEX, re, im));
    }
    if (dt == NUMC_BOOL) {
        /* NumPy rounds bool through the float ufuncs into a bool output */
        if (decimals == 0) return np_ret(&s, np_keep(&s, numc_rint(a)));
        numc_error_set(NUMC_ERR_TYPE,
                       "Cannot cast ufunc '%s' output from dtype('float64') to dtype('bool') "
                       "with casting rule 'same_kind'",
                       decimals > 0 ? "multiply" : "divide");
        return np_ret(&s, NULL);
    }
    if (numc_dt_is_int(dt)) {
        if (decimals >= 0) return np_ret(&s, a);
        numc_dtype f = numc_dt_canonical(NUMC_FLOAT64);
        return np_ret(&s, np_cvt(&s, round_float(&s, np_cvt(&s, a, f), decimals), dt));
    }
    return np_ret(&s, round_float(&s, a, decimals));
}

numc_array *numc_sinc(const numc_array *x) {
    /* NumPy: x = pi * x; y = where(x, x, eps); sin(y) / y, with pi a Python
     * float and eps finfo(x.dtype).eps (1e-20 for complex) */
    np_scope s;
    np_scope_init(&s);
    numc_array *pi = np_keep(&s, numc_scalar_f64(M_PI));
    numc_array *px = pi ? np_keep(&s, numc_multiply(pi, x)) : NULL;
    if (!px) return np_ret(&s, NULL);
    numc_finfo_t fi;
    numc_array *eps = numc_dt_is_float(px->dtype) && !numc_finfo(px->dtype, &fi)
                          ? np_const(&s, px->dtype, fi.eps, 0)
                          : np_keep(&s, numc_scalar_f64(1.0e-20));
    numc_array *y = eps ? np_keep(&s, numc_where(px, px, eps)) : NULL;
    numc_array *sy = y ? np_keep(&s, numc_sin(y)) : NULL;
    return np_ret(&s, sy ? np_keep(&s, numc_divide(sy, y)) : NULL);
}
