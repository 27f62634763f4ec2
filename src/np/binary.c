/* binary.c — NumPy's binary ufuncs (NUMC_BINARY_API) and divmod: NEP 50
 * promotion with the OverflowError for out-of-range Python ints, NumPy's loop
 * choice per ufunc, and the compositions for floor_divide (floats), fmod,
 * fmax/fmin, heaviside, logaddexp(2), ldexp and the exact mixed
 * signed/unsigned comparisons.
 *
 * Primitive semantics relied on: div of integers floors (x // 0 == 0), rem is
 * NumPy's remainder (sign of the divisor; exact, fmod-based for floats;
 * x % 0 == 0 for integers), max/min propagate NaN. */
#include "np-impl.h"

/* Promotes a and b to `loop` (after the NEP 50 check) and broadcasts them. */
static bool prep2(np_scope *s, const numc_array *a, const numc_array *b, numc_dtype loop,
                  numc_array **x, numc_array **y) {
    if (loop == NUMC_DTYPE_NONE) return false;
    const numc_array *in[2] = {a, b};
    if (np_check_weak_ints(2, in, loop)) return false;
    numc_array *o[2];
    if (np_prepare(s, 2, in, loop, o)) return false;
    *x = o[0];
    *y = o[1];
    return true;
}

static numc_dtype rtype2(const numc_array *a, const numc_array *b) {
    /* the common case needs no promotion table */
    if (a->dtype == b->dtype && !np_is_weak(a) && !np_is_weak(b)) return a->dtype;
    return numc_result_type(2, NP_ARRAY_OF(a, b));
}

/* The loop of the arithmetic ufuncs that have no bool loop (bool -> int8). */
static numc_dtype int8_for_bool(numc_dtype dt) {
    return dt == NUMC_BOOL ? NUMC_INT8 : dt;
}

static numc_array *simple(const numc_array *a, const numc_array *b, numc_prim p, numc_dtype loop) {
    /* fast path (small-op latency): operands already in the loop's dtype and
     * shape go straight to the primitive */
    if (a->dtype == loop && b->dtype == loop && np_same_shape(a, b) && !np_is_weak(a) &&
        !np_is_weak(b)) {
        static const numc_params none;
        return numc_bind1(p, 2, NP_ARRAY_OF(a, b), &none);
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y;
    if (!prep2(&s, a, b, loop, &x, &y)) return np_ret(&s, NULL);
    return np_ret(&s, np_bin(&s, p, x, y));
}

/* result_type, rejecting complex as the integer-style ufuncs do */
static numc_dtype rtype_real(const numc_array *a, const numc_array *b, const char *ufunc) {
    numc_dtype dt = rtype2(a, b);
    if (dt != NUMC_DTYPE_NONE && numc_dt_is_complex(dt)) {
        np_err_ufunc_types(ufunc);
        return NUMC_DTYPE_NONE;
    }
    return dt;
}

numc_array *numc_add(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    /* bool + bool is logical or */
    return simple(a, b, dt == NUMC_BOOL ? NUMC_PRIM_OR : NUMC_PRIM_ADD, dt);
}

numc_array *numc_subtract(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    if (dt == NUMC_BOOL) {
        numc_error_set(NUMC_ERR_TYPE,
                       "numpy boolean subtract, the `-` operator, is not supported, use the "
                       "bitwise_xor, the `^` operator, or the logical_xor function instead.");
        return NULL;
    }
    return simple(a, b, NUMC_PRIM_SUB, dt);
}

numc_array *numc_multiply(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    return simple(a, b, dt == NUMC_BOOL ? NUMC_PRIM_AND : NUMC_PRIM_MUL, dt);
}

numc_array *numc_divide(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    /* true division of integers gives the default float, not the small
     * float of the legacy loops */
    if (dt != NUMC_DTYPE_NONE && !numc_dt_is_inexact(dt))
        dt = numc_dt_canonical(numc_default_float());
    return simple(a, b, NUMC_PRIM_DIV, dt);
}

/* x and y share a float dtype and shape: q = x // y and m = x % y exactly
 * as NumPy's npy_divmod computes them. */
static void float_divmod(np_scope *s, numc_array *x, numc_array *y, numc_array **q,
                         numc_array **m) {
    numc_array *fm =
        np_bin(s, NUMC_PRIM_COPYSIGN,
               np_bin(s, NUMC_PRIM_REM, np_un(s, NUMC_PRIM_ABS, x), np_un(s, NUMC_PRIM_ABS, y)),
               x); /* fmod(x, y) */
    numc_array *quot = np_bin(s, NUMC_PRIM_DIV, x, y);
    numc_array *div = np_bin(s, NUMC_PRIM_DIV, np_bin(s, NUMC_PRIM_SUB, x, fm), y);
    numc_array *adj = np_bin(
        s, NUMC_PRIM_AND, np_binc(s, NUMC_PRIM_NE, fm, 0),
        np_bin(s, NUMC_PRIM_NE, np_binc(s, NUMC_PRIM_LT, y, 0), np_binc(s, NUMC_PRIM_LT, fm, 0)));
    numc_array *zero = np_fill_like(s, x, 0);
    numc_array *mod = np_sel(s, adj, np_bin(s, NUMC_PRIM_ADD, fm, y), fm);
    mod = np_sel(s, np_binc(s, NUMC_PRIM_EQ, fm, 0), np_bin(s, NUMC_PRIM_COPYSIGN, zero, y), mod);
    div = np_sel(s, adj, np_binc(s, NUMC_PRIM_SUB, div, 1), div);
    numc_array *fl = np_un(s, NUMC_PRIM_FLOOR, div);
    fl = np_sel(s, np_binc(s, NUMC_PRIM_GT, np_bin(s, NUMC_PRIM_SUB, div, fl), 0.5),
                np_binc(s, NUMC_PRIM_ADD, fl, 1), fl);
    numc_array *fq =
        np_sel(s, np_binc(s, NUMC_PRIM_NE, div, 0), fl, np_bin(s, NUMC_PRIM_COPYSIGN, zero, quot));
    numc_array *bz = np_binc(s, NUMC_PRIM_EQ, y, 0);
    *q = np_sel(s, bz, quot, fq);
    *m = np_sel(s, bz, fm, mod);
}

static numc_status divmod_impl(const numc_array *a, const numc_array *b, numc_array **q,
                               numc_array **m, const char *ufunc) {
    numc_dtype dt = rtype_real(a, b, ufunc);
    if (dt == NUMC_DTYPE_NONE) return numc_error_kind();
    dt = int8_for_bool(dt);
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y, *rq = NULL, *rm = NULL;
    if (!prep2(&s, a, b, dt, &x, &y)) {
        np_scope_end(&s);
        return numc_error_kind();
    }
    if (numc_dt_is_int(dt)) {
        if (q) rq = np_bin(&s, NUMC_PRIM_DIV, x, y);
        if (m) rm = np_bin(&s, NUMC_PRIM_REM, x, y);
    } else {
        numc_dtype w = numc_dt_is_half(dt) ? NUMC_FLOAT32 : dt;
        float_divmod(&s, np_cvt(&s, x, w), np_cvt(&s, y, w), &rq, &rm);
        rq = np_cvt(&s, rq, dt);
        rm = np_cvt(&s, rm, dt);
    }
    if ((q && !rq) || (m && !rm)) {
        np_scope_end(&s);
        return numc_error_kind();
    }
    if (q) *q = numc_array_retain(rq);
    if (m) *m = numc_array_retain(rm);
    np_scope_end(&s);
    return NUMC_OK;
}

numc_array *numc_floor_divide(const numc_array *a, const numc_array *b) {
    numc_array *q = NULL;
    return divmod_impl(a, b, &q, NULL, "floor_divide") ? NULL : q;
}

numc_status numc_divmod(const numc_array *a, const numc_array *b, numc_array **out) {
    return divmod_impl(a, b, &out[0], &out[1], "divmod");
}

numc_array *numc_remainder(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype_real(a, b, "remainder");
    if (dt == NUMC_DTYPE_NONE) return NULL;
    return simple(a, b, NUMC_PRIM_REM, int8_for_bool(dt));
}

numc_array *numc_fmod(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype_real(a, b, "fmod");
    if (dt == NUMC_DTYPE_NONE) return NULL;
    dt = int8_for_bool(dt);
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y;
    if (!prep2(&s, a, b, dt, &x, &y)) return np_ret(&s, NULL);
    if (numc_dt_is_unsigned(dt)) return np_ret(&s, np_bin(&s, NUMC_PRIM_REM, x, y));
    if (numc_dt_is_signed(dt)) {
        /* C's truncated remainder from the floored one: they differ by y
         * exactly when the floored result's sign differs from x's */
        numc_array *r = np_bin(&s, NUMC_PRIM_REM, x, y);
        numc_array *fix = np_bin(&s, NUMC_PRIM_AND, np_binc(&s, NUMC_PRIM_NE, r, 0),
                                 np_bin(&s, NUMC_PRIM_NE, np_binc(&s, NUMC_PRIM_LT, r, 0),
                                        np_binc(&s, NUMC_PRIM_LT, x, 0)));
        return np_ret(&s, np_sel(&s, fix, np_bin(&s, NUMC_PRIM_SUB, r, y), r));
    }
    /* floats: the floored remainder of |x|, |y| is fmod's magnitude, exactly */
    numc_array *r =
        np_bin(&s, NUMC_PRIM_REM, np_un(&s, NUMC_PRIM_ABS, x), np_un(&s, NUMC_PRIM_ABS, y));
    return np_ret(&s, np_bin(&s, NUMC_PRIM_COPYSIGN, r, x));
}

/* NumPy raises for negative integer exponents; the check needs the values,
 * so it happens only when the exponent is concrete. */
static numc_status check_int_exponent(const numc_array *b) {
    if (!np_concrete(b) || !numc_dt_is_signed(b->dtype)) return NUMC_OK;
    for (int64_t i = 0; i < b->size; i++) {
        double re, im;
        if (numc_array_get_f64(b, i, &re, &im)) return numc_error_kind();
        if (re < 0)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "Integers to negative integer powers are not allowed.");
    }
    return NUMC_OK;
}

numc_array *numc_power(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    dt = int8_for_bool(dt);
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y;
    if (!prep2(&s, a, b, dt, &x, &y)) return np_ret(&s, NULL);
    if (numc_dt_is_int(dt) && check_int_exponent(b)) return np_ret(&s, NULL);
    return np_ret(&s, np_bin(&s, NUMC_PRIM_POW, x, y));
}

numc_array *numc_float_power(const numc_array *a, const numc_array *b) {
    numc_dtype dt = rtype2(a, b);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    dt = numc_dt_canonical(numc_dt_is_complex(dt) ? NUMC_COMPLEX128 : NUMC_FLOAT64);
    return simple(a, b, NUMC_PRIM_POW, dt);
}

numc_array *numc_maximum(const numc_array *a, const numc_array *b) {
    return simple(a, b, NUMC_PRIM_MAX, rtype2(a, b));
}

numc_array *numc_minimum(const numc_array *a, const numc_array *b) {
    return simple(a, b, NUMC_PRIM_MIN, rtype2(a, b));
}

/* NaN mask of a float or complex value */
static numc_array *nan_mask(np_scope *s, const numc_array *x) {
    if (!x) return NULL;
    if (!numc_dt_is_complex(x->dtype)) return np_un(s, NUMC_PRIM_ISNAN, x);
    return np_bin(s, NUMC_PRIM_OR, np_un(s, NUMC_PRIM_ISNAN, np_un(s, NUMC_PRIM_REAL, x)),
                  np_un(s, NUMC_PRIM_ISNAN, np_un(s, NUMC_PRIM_IMAG, x)));
}

static numc_array *fminmax(const numc_array *a, const numc_array *b, numc_prim p) {
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y;
    if (!prep2(&s, a, b, rtype2(a, b), &x, &y)) return np_ret(&s, NULL);
    numc_array *r = np_bin(&s, p, x, y);
    if (!numc_dt_is_inexact(x->dtype)) return np_ret(&s, r);
    /* the NaN-ignoring variants: a NaN loses to a number */
    r = np_sel(&s, nan_mask(&s, x), y, r);
    return np_ret(&s, np_sel(&s, nan_mask(&s, y), x, r));
}

numc_array *numc_fmax(const numc_array *a, const numc_array *b) {
    return fminmax(a, b, NUMC_PRIM_MAX);
}
numc_array *numc_fmin(const numc_array *a, const numc_array *b) {
    return fminmax(a, b, NUMC_PRIM_MIN);
}

/* The float loop of a real-only inexact binary ufunc. */
static numc_dtype float_loop2(const numc_array *a, const numc_array *b, const char *ufunc) {
    numc_dtype dt = np_inexact_loop(2, NP_ARRAY_OF(a, b));
    if (dt != NUMC_DTYPE_NONE && numc_dt_is_complex(dt)) {
        np_err_ufunc_types(ufunc);
        return NUMC_DTYPE_NONE;
    }
    return dt;
}

#define FLOAT_BINARY(name, prim)                                                                   \
    numc_array *numc_##name(const numc_array *a, const numc_array *b) {                            \
        return simple(a, b, prim, float_loop2(a, b, #name));                                       \
    }
FLOAT_BINARY(arctan2, NUMC_PRIM_ATAN2)
FLOAT_BINARY(hypot, NUMC_PRIM_HYPOT)
FLOAT_BINARY(nextafter, NUMC_PRIM_NEXTAFTER)
FLOAT_BINARY(copysign, NUMC_PRIM_COPYSIGN)
#undef FLOAT_BINARY

/* ---- comparisons ---- */
static numc_prim mirror_cmp(numc_prim p) {
    switch (p) {
    case NUMC_PRIM_LT:
        return NUMC_PRIM_GT;
    case NUMC_PRIM_LE:
        return NUMC_PRIM_GE;
    case NUMC_PRIM_GT:
        return NUMC_PRIM_LT;
    case NUMC_PRIM_GE:
        return NUMC_PRIM_LE;
    default:
        return p;
    }
}

/* The value of `x <p> y` when y is larger than every value x can hold. */
static bool cmp_below(numc_prim p) {
    return p == NUMC_PRIM_NE || p == NUMC_PRIM_LT || p == NUMC_PRIM_LE;
}

/* signed x vs uint64 y, exactly (NumPy 2 does not go through float64 here) */
static numc_array *cmp_signed_unsigned(np_scope *s, const numc_array *x, const numc_array *y,
                                       numc_prim p) {
    numc_array *neg = np_binc(s, NUMC_PRIM_LT, x, 0);
    numc_array *xu = np_cvt(s, np_cvt(s, x, NUMC_INT64), NUMC_UINT64);
    numc_array *c = np_bin(s, p, xu, y);
    if (cmp_below(p)) return np_bin(s, NUMC_PRIM_OR, neg, c);
    return np_bin(s, NUMC_PRIM_AND, np_un(s, NUMC_PRIM_NOT, neg), c);
}

static numc_array *compare(const numc_array *a, const numc_array *b, numc_prim p) {
    numc_dtype dt = rtype2(a, b);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_int(dt)) {
        /* NumPy 2 compares with an out-of-range Python int by value: the
         * result is the same for every element */
        numc_iinfo_t ii;
        numc_iinfo(dt, &ii);
        for (int k = 0; k < 2; k++) {
            const numc_array *w = k ? b : a;
            if (!np_is_weak(w) || !numc_dt_is_int(w->dtype) || !np_concrete(w)) continue;
            double v = np_scalar_value(w);
            if (v >= (double)ii.min && v <= (double)ii.max) continue;
            numc_prim q = k ? p : mirror_cmp(p); /* as "strong <q> weak" */
            bool r = v > (double)ii.max ? cmp_below(q) : !cmp_below(q) || q == NUMC_PRIM_NE;
            if (q == NUMC_PRIM_EQ) r = false;
            int nd;
            int64_t shape[NUMC_MAX_DIMS];
            if (np_broadcast_shapes(2, NP_ARRAY_OF(a, b), &nd, shape)) return np_ret(&s, NULL);
            return np_ret(&s, np_fill(&s, NUMC_BOOL, r, nd, shape));
        }
    }
    bool au = a->dtype == NUMC_UINT64, bu = b->dtype == NUMC_UINT64;
    bool as = numc_dt_is_signed(a->dtype), bs = numc_dt_is_signed(b->dtype);
    if (!np_is_weak(a) && !np_is_weak(b) && ((as && bu) || (au && bs))) {
        int nd;
        int64_t shape[NUMC_MAX_DIMS];
        if (np_broadcast_shapes(2, NP_ARRAY_OF(a, b), &nd, shape)) return np_ret(&s, NULL);
        numc_array *x = np_bcast(&s, a, nd, shape), *y = np_bcast(&s, b, nd, shape);
        if (as) return np_ret(&s, cmp_signed_unsigned(&s, x, y, p));
        return np_ret(&s, cmp_signed_unsigned(&s, y, x, mirror_cmp(p)));
    }
    numc_array *x, *y;
    if (!prep2(&s, a, b, dt, &x, &y)) return np_ret(&s, NULL);
    return np_ret(&s, np_bin(&s, p, x, y));
}

numc_array *numc_equal(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_EQ);
}
numc_array *numc_not_equal(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_NE);
}
numc_array *numc_less(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_LT);
}
numc_array *numc_less_equal(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_LE);
}
numc_array *numc_greater(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_GT);
}
numc_array *numc_greater_equal(const numc_array *a, const numc_array *b) {
    return compare(a, b, NUMC_PRIM_GE);
}

/* ---- logical and bitwise ---- */
static numc_array *logical(const numc_array *a, const numc_array *b, numc_prim p) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_bin(&s, p, np_cvt(&s, a, NUMC_BOOL), np_cvt(&s, b, NUMC_BOOL)));
}

numc_array *numc_logical_and(const numc_array *a, const numc_array *b) {
    return logical(a, b, NUMC_PRIM_AND);
}
numc_array *numc_logical_or(const numc_array *a, const numc_array *b) {
    return logical(a, b, NUMC_PRIM_OR);
}
numc_array *numc_logical_xor(const numc_array *a, const numc_array *b) {
    return logical(a, b, NUMC_PRIM_XOR);
}

static numc_array *bitwise(const numc_array *a, const numc_array *b, numc_prim p, const char *ufunc,
                           bool bool_ok) {
    numc_dtype dt = rtype2(a, b);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    if (dt != NUMC_BOOL && !numc_dt_is_int(dt)) {
        np_err_ufunc_types(ufunc);
        return NULL;
    }
    return simple(a, b, p, bool_ok ? dt : int8_for_bool(dt));
}

numc_array *numc_bitwise_and(const numc_array *a, const numc_array *b) {
    return bitwise(a, b, NUMC_PRIM_AND, "bitwise_and", true);
}
numc_array *numc_bitwise_or(const numc_array *a, const numc_array *b) {
    return bitwise(a, b, NUMC_PRIM_OR, "bitwise_or", true);
}
numc_array *numc_bitwise_xor(const numc_array *a, const numc_array *b) {
    return bitwise(a, b, NUMC_PRIM_XOR, "bitwise_xor", true);
}
numc_array *numc_left_shift(const numc_array *a, const numc_array *b) {
    return bitwise(a, b, NUMC_PRIM_SHL, "left_shift", false);
}
numc_array *numc_right_shift(const numc_array *a, const numc_array *b) {
    return bitwise(a, b, NUMC_PRIM_SHR, "right_shift", false);
}

/* ---- compositions ---- */
numc_array *numc_heaviside(const numc_array *a, const numc_array *b) {
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *h;
    if (!prep2(&s, a, b, float_loop2(a, b, "heaviside"), &x, &h)) return np_ret(&s, NULL);
    numc_array *r =
        np_sel(&s, np_binc(&s, NUMC_PRIM_LT, x, 0), np_fill_like(&s, x, 0), np_fill_like(&s, x, 1));
    r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, x, 0), h, r);
    return np_ret(&s, np_sel(&s, np_un(&s, NUMC_PRIM_ISNAN, x), x, r));
}

/* npy_logaddexp(2): x == y gives x + log(2) (so equal infinities stay
 * finite-free of NaN); otherwise max + log1p(exp(-|x - y|)). */
static numc_array *logaddexp_impl(const numc_array *a, const numc_array *b, bool base2) {
    np_scope s;
    np_scope_init(&s);
    numc_array *x, *y;
    if (!prep2(&s, a, b, float_loop2(a, b, base2 ? "logaddexp2" : "logaddexp"), &x, &y))
        return np_ret(&s, NULL);
    numc_dtype out = x->dtype, w = numc_dt_is_half(out) ? NUMC_FLOAT32 : out;
    x = np_cvt(&s, x, w);
    y = np_cvt(&s, y, w);
    numc_array *nd =
        np_un(&s, NUMC_PRIM_NEG, np_un(&s, NUMC_PRIM_ABS, np_bin(&s, NUMC_PRIM_SUB, x, y)));
    numc_array *t =
        np_un(&s, NUMC_PRIM_LOG1P, np_un(&s, base2 ? NUMC_PRIM_EXP2 : NUMC_PRIM_EXP, nd));
    if (base2)
        t = np_binc(&s, NUMC_PRIM_MUL, t, w == NUMC_FLOAT64 ? M_LOG2E : (double)(float)M_LOG2E);
    numc_array *r = np_bin(&s, NUMC_PRIM_ADD, np_bin(&s, NUMC_PRIM_MAX, x, y), t);
    numc_array *same = np_binc(&s, NUMC_PRIM_ADD, x,
                               base2 ? 1.0 : (w == NUMC_FLOAT64 ? M_LN2 : (double)(float)M_LN2));
    r = np_sel(&s, np_bin(&s, NUMC_PRIM_EQ, x, y), same, r);
    return np_ret(&s, np_cvt(&s, r, out));
}

/* NumPy's loops handle infinite operands without a floating-point report;
 * the composition's inf - inf would raise 'invalid'. */
static numc_array *logaddexp_quiet(const numc_array *a, const numc_array *b, bool base2) {
    bool fp = numc_fp_pause();
    numc_array *r = logaddexp_impl(a, b, base2);
    numc_fp_resume(fp);
    return r;
}
numc_array *numc_logaddexp(const numc_array *a, const numc_array *b) {
    return logaddexp_quiet(a, b, false);
}
numc_array *numc_logaddexp2(const numc_array *a, const numc_array *b) {
    return logaddexp_quiet(a, b, true);
}

numc_array *numc_ldexp(const numc_array *a, const numc_array *b) {
    /* loops (float, C int/long) -> float: the exponent must be an integer
     * that casts safely to int64; the mantissa picks the float type, a
     * Python int mantissa the smallest (float16) */
    numc_dtype bd = b->dtype, fd = NUMC_DTYPE_NONE;
    bool b_ok = bd == NUMC_BOOL || (numc_dt_is_int(bd) && (bd != NUMC_UINT64 || np_is_weak(b)));
    if (numc_dt_is_float(a->dtype))
        fd = np_is_weak(a) ? numc_dt_canonical(numc_default_float()) : a->dtype;
    else if (!numc_dt_is_complex(a->dtype))
        fd = np_is_weak(a) ? NUMC_FLOAT16 : np_ufunc_float(a->dtype);
    if (!b_ok || fd == NUMC_DTYPE_NONE) {
        np_err_ufunc_types("ldexp");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_dtype w = numc_dt_is_half(fd) ? NUMC_FLOAT32 : fd;
    int64_t lim = w == NUMC_FLOAT64 ? 2200 : 320;
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    if (np_broadcast_shapes(2, NP_ARRAY_OF(a, b), &nd, shape)) return np_ret(&s, NULL);
    numc_array *x = np_bcast(&s, np_cvt(&s, np_cvt(&s, a, fd), w), nd, shape);
    numc_array *n = np_bcast(&s, np_cvt(&s, b, NUMC_INT64), nd, shape);
    /* x * 2^n as three exact power-of-two factors, so that neither 2^n nor
     * an intermediate overflows before the result does; beyond +-lim every
     * finite x overflows or underflows anyway */
    n = np_bin(&s, NUMC_PRIM_MIN, np_bin(&s, NUMC_PRIM_MAX, n, np_fill_like(&s, n, (double)-lim)),
               np_fill_like(&s, n, (double)lim));
    numc_array *n1 = np_binc(&s, NUMC_PRIM_DIV, n, 3);
    numc_array *n2 = np_binc(&s, NUMC_PRIM_DIV, np_bin(&s, NUMC_PRIM_SUB, n, n1), 2);
    numc_array *n3 = np_bin(&s, NUMC_PRIM_SUB, np_bin(&s, NUMC_PRIM_SUB, n, n1), n2);
    numc_array *parts[3] = {n1, n2, n3};
    /* 2^k built from its bits (biased exponent shifted into place) is exact */
    bool dbl = w == NUMC_FLOAT64;
    numc_dtype bits = dbl ? NUMC_INT64 : NUMC_INT32;
    numc_params to_float = {.n = 1, .i = {w}};
    for (int k = 0; k < 3; k++) {
        numc_array *e = np_cvt(&s, np_binc(&s, NUMC_PRIM_ADD, parts[k], dbl ? 1023 : 127), bits);
        e = np_binc(&s, NUMC_PRIM_SHL, e, dbl ? 52 : 23);
        x = np_bin(&s, NUMC_PRIM_MUL, x,
                   np_bind(&s, NUMC_PRIM_BITCAST, 1, NP_ARRAY_OF(e), &to_float));
    }
    return np_ret(&s, np_cvt(&s, x, fd));
}
