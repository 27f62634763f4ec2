/* unary.c — NumPy's unary ufuncs (NUMC_UNARY_API): NumPy's loop dtype for
 * each input type, the errors NumPy raises for unsupported types, and the
 * compositions for functions that have no primitive of their own. */
#include "np-impl.h"

static const char BOOL_LOOP_ERR[] =
    "ufunc '%s' did not contain a loop with signature matching types "
    "<class 'numpy.dtypes.BoolDType'> -> None";

/* x converted to NumPy's float loop of an inexact ufunc; complex allowed or
 * rejected with NumPy's TypeError. */
static numc_array *float_operand(np_scope *s, const numc_array *x, const char *ufunc,
                                 bool complex_ok) {
    if (!complex_ok && numc_dt_is_complex(x->dtype)) {
        np_err_ufunc_types(ufunc);
        return NULL;
    }
    return np_cvt(s, x, np_inexact_loop(1, &x));
}

static numc_array *float_fn(const numc_array *x, numc_prim p, const char *ufunc, bool complex_ok) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_un(&s, p, float_operand(&s, x, ufunc, complex_ok)));
}

/* Compositions on float16/bfloat16 run in float32 and round once at the end,
 * as NumPy's half loops call the float32 function. */
static numc_dtype work_dtype(numc_dtype d) {
    return numc_dt_is_half(d) ? NUMC_FLOAT32 : d;
}

/* A bool array of x's shape filled with v (predicates that are constant for
 * a dtype, e.g. isnan of an int). */
static numc_array *const_bool(np_scope *s, const numc_array *x, bool v) {
    return np_fill(s, NUMC_BOOL, v, x->ndim, x->shape);
}

numc_array *numc_negative(const numc_array *x) {
    if (x->dtype == NUMC_BOOL) {
        numc_error_set(NUMC_ERR_TYPE,
                       "The numpy boolean negative, the `-` operator, is not supported, use the "
                       "`~` operator or the logical_not function instead.");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_un(&s, NUMC_PRIM_NEG, x));
}

numc_array *numc_positive(const numc_array *x) {
    if (x->dtype == NUMC_BOOL) {
        numc_error_set(NUMC_ERR_TYPE, BOOL_LOOP_ERR, "positive");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, x);
}

numc_array *numc_absolute(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (x->dtype == NUMC_BOOL || numc_dt_is_unsigned(x->dtype)) return np_ret(&s, x);
    return np_ret(&s, np_un(&s, NUMC_PRIM_ABS, x));
}

numc_array *numc_fabs(const numc_array *x) {
    return float_fn(x, NUMC_PRIM_ABS, "fabs", false);
}

/* NumPy 2's complex sign, z / |z|, with npy_csign's cases for zeros and
 * infinities. */
static numc_array *complex_sign(np_scope *s, const numc_array *z) {
    numc_array *re = np_un(s, NUMC_PRIM_REAL, z), *im = np_un(s, NUMC_PRIM_IMAG, z);
    numc_array *a = np_un(s, NUMC_PRIM_ABS, z);
    if (!re || !im || !a) return NULL;
    numc_array *ainf = np_un(s, NUMC_PRIM_ISINF, a), *azero = np_binc(s, NUMC_PRIM_EQ, a, 0);
    numc_array *rinf = np_un(s, NUMC_PRIM_ISINF, re), *iinf = np_un(s, NUMC_PRIM_ISINF, im);
    numc_array *zero = np_fill_like(s, re, 0), *nan = np_fill_like(s, re, NAN);
    numc_array *parts[2];
    for (int k = 0; k < 2; k++) {
        numc_array *v = k ? im : re, *vinf = k ? iinf : rinf, *oinf = k ? rinf : iinf;
        numc_array *at_inf =
            np_sel(s, vinf, np_sel(s, oinf, nan, np_un(s, NUMC_PRIM_SIGN, v)), zero);
        numc_array *finite = np_sel(s, azero, zero, np_bin(s, NUMC_PRIM_DIV, v, a));
        parts[k] = np_sel(s, ainf, at_inf, finite);
    }
    return np_bin(s, NUMC_PRIM_COMPLEX, parts[0], parts[1]);
}

numc_array *numc_sign(const numc_array *x) {
    if (x->dtype == NUMC_BOOL) {
        numc_error_set(NUMC_ERR_TYPE, BOOL_LOOP_ERR, "sign");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_complex(x->dtype)) return np_ret(&s, complex_sign(&s, x));
    return np_ret(&s, np_un(&s, NUMC_PRIM_SIGN, x));
}

/* floor/ceil/trunc: integers (and bool) are returned unchanged, as in NumPy 2. */
static numc_array *round_fn(const numc_array *x, numc_prim p, const char *ufunc) {
    if (numc_dt_is_complex(x->dtype)) {
        np_err_ufunc_types(ufunc);
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_float(x->dtype)) return np_ret(&s, x);
    return np_ret(&s, np_un(&s, p, x));
}

numc_array *numc_floor(const numc_array *x) {
    return round_fn(x, NUMC_PRIM_FLOOR, "floor");
}
numc_array *numc_ceil(const numc_array *x) {
    return round_fn(x, NUMC_PRIM_CEIL, "ceil");
}
numc_array *numc_trunc(const numc_array *x) {
    return round_fn(x, NUMC_PRIM_TRUNC, "trunc");
}
/* np.fix is ceil below zero and floor above: trunc, NaN and signed zeros included */
numc_array *numc_fix(const numc_array *x) {
    return round_fn(x, NUMC_PRIM_TRUNC, "trunc");
}

numc_array *numc_rint(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_complex(x->dtype)) {
        numc_array *re = np_un(&s, NUMC_PRIM_RINT, np_un(&s, NUMC_PRIM_REAL, x));
        numc_array *im = np_un(&s, NUMC_PRIM_RINT, np_un(&s, NUMC_PRIM_IMAG, x));
        return np_ret(&s, np_bin(&s, NUMC_PRIM_COMPLEX, re, im));
    }
    numc_array *f = float_operand(&s, x, "rint", true);
    /* an integer converted to float is already integral */
    if (f && !numc_dt_is_float(x->dtype)) return np_ret(&s, f);
    return np_ret(&s, np_un(&s, NUMC_PRIM_RINT, f));
}

#define FLOAT_UNARY(name, prim, cplx)                                                              \
    numc_array *numc_##name(const numc_array *x) {                                                 \
        return float_fn(x, prim, #name, cplx);                                                     \
    }
FLOAT_UNARY(exp, NUMC_PRIM_EXP, true)
FLOAT_UNARY(exp2, NUMC_PRIM_EXP2, true)
FLOAT_UNARY(expm1, NUMC_PRIM_EXPM1, true)
FLOAT_UNARY(log, NUMC_PRIM_LOG, true)
FLOAT_UNARY(log2, NUMC_PRIM_LOG2, true)
FLOAT_UNARY(log10, NUMC_PRIM_LOG10, true)
FLOAT_UNARY(log1p, NUMC_PRIM_LOG1P, true)
FLOAT_UNARY(sqrt, NUMC_PRIM_SQRT, true)
FLOAT_UNARY(cbrt, NUMC_PRIM_CBRT, false)
FLOAT_UNARY(sin, NUMC_PRIM_SIN, true)
FLOAT_UNARY(cos, NUMC_PRIM_COS, true)
FLOAT_UNARY(tan, NUMC_PRIM_TAN, true)
FLOAT_UNARY(arcsin, NUMC_PRIM_ASIN, true)
FLOAT_UNARY(arccos, NUMC_PRIM_ACOS, true)
FLOAT_UNARY(arctan, NUMC_PRIM_ATAN, true)
FLOAT_UNARY(sinh, NUMC_PRIM_SINH, true)
FLOAT_UNARY(cosh, NUMC_PRIM_COSH, true)
FLOAT_UNARY(tanh, NUMC_PRIM_TANH, true)
FLOAT_UNARY(arcsinh, NUMC_PRIM_ASINH, true)
FLOAT_UNARY(arccosh, NUMC_PRIM_ACOSH, true)
FLOAT_UNARY(arctanh, NUMC_PRIM_ATANH, true)
#undef FLOAT_UNARY

numc_array *numc_square(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    /* NumPy has no bool loop: bool squares as int8 */
    numc_array *v = np_cvt(&s, x, x->dtype == NUMC_BOOL ? NUMC_INT8 : x->dtype);
    return np_ret(&s, np_bin(&s, NUMC_PRIM_MUL, v, v));
}

numc_array *numc_reciprocal(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    numc_dtype dt = x->dtype == NUMC_BOOL ? NUMC_INT8 : x->dtype;
    numc_array *v = np_cvt(&s, x, dt);
    if (numc_dt_is_float(dt))
        return np_ret(&s, np_bin(&s, NUMC_PRIM_DIV, np_fill_like(&s, v, 1), v));
    if (numc_dt_is_complex(dt)) {
        /* NumPy's complex reciprocal is Smith's formula on the parts, not a
         * complex division: it rounds differently and gives nan+nanj at 0 */
        numc_array *re = np_un(&s, NUMC_PRIM_REAL, v), *im = np_un(&s, NUMC_PRIM_IMAG, v);
        numc_array *small =
            np_bin(&s, NUMC_PRIM_LE, np_un(&s, NUMC_PRIM_ABS, im), np_un(&s, NUMC_PRIM_ABS, re));
        numc_array *r =
            np_sel(&s, small, np_bin(&s, NUMC_PRIM_DIV, im, re), np_bin(&s, NUMC_PRIM_DIV, re, im));
        numc_array *d =
            np_sel(&s, small, np_bin(&s, NUMC_PRIM_ADD, re, np_bin(&s, NUMC_PRIM_MUL, im, r)),
                   np_bin(&s, NUMC_PRIM_ADD, np_bin(&s, NUMC_PRIM_MUL, re, r), im));
        numc_array *one = np_fill_like(&s, d, 1);
        numc_array *out_re =
            np_sel(&s, small, np_bin(&s, NUMC_PRIM_DIV, one, d), np_bin(&s, NUMC_PRIM_DIV, r, d));
        numc_array *out_im = np_un(
            &s, NUMC_PRIM_NEG,
            np_sel(&s, small, np_bin(&s, NUMC_PRIM_DIV, r, d), np_bin(&s, NUMC_PRIM_DIV, one, d)));
        return np_ret(&s, np_bin(&s, NUMC_PRIM_COMPLEX, out_re, out_im));
    }
    /* NumPy computes (T)(1.0 / x): 1 and -1 survive, everything else
     * truncates to 0, and 1/0 = inf casts to INT_MIN for 32/64-bit signed
     * types on x86 (0 for the narrower and the unsigned ones). */
    bool wide_signed = dt == NUMC_INT32 || dt == NUMC_INT64;
    numc_array *r = np_fill_like(&s, v, 0);
    if (wide_signed) {
        numc_iinfo_t ii;
        numc_iinfo(dt, &ii);
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, v, 0), np_fill_like(&s, v, (double)ii.min), r);
    }
    if (numc_dt_is_signed(dt))
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, v, -1), np_fill_like(&s, v, -1), r);
    r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, v, 1), np_fill_like(&s, v, 1), r);
    return np_ret(&s, r);
}

/* x * c in the float loop; c rounded to the loop's float type as NumPy's C
 * constants are (float for half/float32, double for float64). */
static numc_array *scale_fn(const numc_array *x, const char *ufunc, double c64, float c32) {
    np_scope s;
    np_scope_init(&s);
    numc_array *v = float_operand(&s, x, ufunc, false);
    if (!v) return np_ret(&s, NULL);
    numc_dtype out = v->dtype, w = work_dtype(out);
    numc_array *r = np_binc(&s, NUMC_PRIM_MUL, np_cvt(&s, v, w), w == NUMC_FLOAT64 ? c64 : c32);
    return np_ret(&s, np_cvt(&s, r, out));
}

numc_array *numc_deg2rad(const numc_array *x) {
    return scale_fn(x, "deg2rad", M_PI / 180.0, (float)M_PI / 180.0f);
}
numc_array *numc_rad2deg(const numc_array *x) {
    return scale_fn(x, "rad2deg", 180.0 / M_PI, 180.0f / (float)M_PI);
}

/* isnan/isinf/isfinite: constant for integers; complex combines both parts. */
static numc_array *float_pred(const numc_array *x, numc_prim p, bool int_value) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_inexact(x->dtype)) return np_ret(&s, const_bool(&s, x, int_value));
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, np_un(&s, p, x));
    numc_array *re = np_un(&s, p, np_un(&s, NUMC_PRIM_REAL, x));
    numc_array *im = np_un(&s, p, np_un(&s, NUMC_PRIM_IMAG, x));
    return np_ret(&s, np_bin(&s, p == NUMC_PRIM_ISFINITE ? NUMC_PRIM_AND : NUMC_PRIM_OR, re, im));
}

numc_array *numc_isnan(const numc_array *x) {
    return float_pred(x, NUMC_PRIM_ISNAN, false);
}
numc_array *numc_isinf(const numc_array *x) {
    return float_pred(x, NUMC_PRIM_ISINF, false);
}
numc_array *numc_isfinite(const numc_array *x) {
    return float_pred(x, NUMC_PRIM_ISFINITE, true);
}

numc_array *numc_signbit(const numc_array *x) {
    if (numc_dt_is_complex(x->dtype)) {
        np_err_ufunc_types("signbit");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_float(x->dtype)) return np_ret(&s, np_un(&s, NUMC_PRIM_SIGNBIT, x));
    if (numc_dt_is_signed(x->dtype)) return np_ret(&s, np_binc(&s, NUMC_PRIM_LT, x, 0));
    return np_ret(&s, const_bool(&s, x, false));
}

static numc_array *inf_side(const numc_array *x, bool negative) {
    if (numc_dt_is_complex(x->dtype)) {
        numc_error_set(NUMC_ERR_TYPE,
                       "This operation is not supported for %s values because it would be "
                       "ambiguous.",
                       numc_dtype_name(x->dtype));
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_float(x->dtype)) return np_ret(&s, const_bool(&s, x, false));
    numc_array *sb = np_un(&s, NUMC_PRIM_SIGNBIT, x);
    if (!negative) sb = np_un(&s, NUMC_PRIM_NOT, sb);
    return np_ret(&s, np_bin(&s, NUMC_PRIM_AND, np_un(&s, NUMC_PRIM_ISINF, x), sb));
}

numc_array *numc_isposinf(const numc_array *x) {
    return inf_side(x, false);
}
numc_array *numc_isneginf(const numc_array *x) {
    return inf_side(x, true);
}

numc_array *numc_logical_not(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_un(&s, NUMC_PRIM_NOT, np_cvt(&s, x, NUMC_BOOL)));
}

numc_array *numc_invert(const numc_array *x) {
    if (x->dtype != NUMC_BOOL && !numc_dt_is_int(x->dtype)) {
        np_err_ufunc_types("invert");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_un(&s, NUMC_PRIM_NOT, x));
}

numc_array *numc_bitwise_count(const numc_array *x) {
    if (x->dtype != NUMC_BOOL && !numc_dt_is_int(x->dtype)) {
        np_err_ufunc_types("bitwise_count");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *v = x->dtype == NUMC_BOOL ? np_cvt(&s, x, NUMC_UINT8)
                                          : np_keep(&s, numc_array_retain((numc_array *)x));
    /* NumPy counts the bits of |x| for signed types */
    if (numc_dt_is_signed(x->dtype)) v = np_un(&s, NUMC_PRIM_ABS, v);
    return np_ret(&s, np_cvt(&s, np_un(&s, NUMC_PRIM_POPCOUNT, v), NUMC_UINT8));
}

numc_array *numc_real(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, x);
    return np_ret(&s, np_un(&s, NUMC_PRIM_REAL, x));
}

numc_array *numc_imag(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, np_fill_like(&s, x, 0));
    return np_ret(&s, np_un(&s, NUMC_PRIM_IMAG, x));
}

numc_array *numc_conjugate(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_complex(x->dtype)) return np_ret(&s, np_un(&s, NUMC_PRIM_CONJ, x));
    /* the ufunc has no bool loop: bool goes through int8 */
    return np_ret(&s, x->dtype == NUMC_BOOL ? np_cvt(&s, x, NUMC_INT8) : x);
}

numc_array *numc_angle(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (numc_dt_is_complex(x->dtype)) {
        numc_array *re = np_un(&s, NUMC_PRIM_REAL, x), *im = np_un(&s, NUMC_PRIM_IMAG, x);
        return np_ret(&s, np_bin(&s, NUMC_PRIM_ATAN2, im, re));
    }
    /* np.angle of a real array is arctan2(0, x) with 0 a Python int, which
     * decides the dtype (bool -> float64, int8 -> float16) */
    numc_array *zero = np_keep(&s, numc_scalar_i64(0));
    return np_ret(&s, np_keep(&s, zero ? numc_arctan2(zero, x) : NULL));
}

numc_array *numc_iscomplex(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, const_bool(&s, x, false));
    return np_ret(&s, np_binc(&s, NUMC_PRIM_NE, np_un(&s, NUMC_PRIM_IMAG, x), 0));
}

numc_array *numc_isreal(const numc_array *x) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, const_bool(&s, x, true));
    return np_ret(&s, np_binc(&s, NUMC_PRIM_EQ, np_un(&s, NUMC_PRIM_IMAG, x), 0));
}
