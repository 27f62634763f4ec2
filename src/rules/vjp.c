/* vjp.c — reverse-mode derivative (VJP) rules of the primitives, one table
 * built from prims.def that registry.c puts in the rule records.
 *
 * Rules compute only by binding primitives (never touching buffers), so an
 * outer tape records them (higher-order gradients) and a trace captures them
 * (compiled gradients).
 *
 * Conventions (JAX's):
 * - Cotangents pair with values through the bilinear form <a, b> = Re(sum a*b)
 *   (no conjugation). So a holomorphic f gets ct_in = ct_out * f'(z), and for
 *   a real-valued function of a complex z, ct_in = dL/dRe(z) - i dL/dIm(z).
 *   Hence abs(z) gets ct * conj(z)/|z| (0 at z = 0), real(z) gets
 *   complex(ct, 0) and imag(z) gets complex(0, -ct).
 * - max/min (elementwise and reductions): ties split the cotangent evenly.
 * - Integer and bool operands never get a cotangent.
 *
 * Every primitive's row must say what it does here: a rule, VJP_ZERO (the
 * derivative is zero wherever it exists, so the tape need not record it) or
 * VJP_NONE (the outputs are not differentiable: bool, integer or bit-level).
 * A new row in prims.def without one of these fails to compile, on purpose. */
#include "rules-impl.h"

#include <stdio.h>

/* ---- the rule context: operands, cotangent, owned temporaries ---- */
typedef struct {
    const char *name;
    const numc_params *pr;
    int nin;
    const numc_array *const *in;
    const numc_array *z; /* the primal output */
    const numc_array *g; /* its cotangent; never NULL inside a rule */
    numc_array **ct;
    numc_scope tmp; /* owned temporaries */
} vjp_ctx;

typedef numc_status (*rule_fn)(vjp_ctx *c);

static bool want(const vjp_ctx *c, int i) {
    return numc_dt_is_inexact(c->in[i]->dtype);
}

/* Sets input i's cotangent; v NULL means a helper failed (error already set). */
static numc_status put(vjp_ctx *c, int i, const numc_array *v) {
    if (!v) {
        numc_status st = numc_error_kind();
        return st ? st : numc_error_set(NUMC_ERR_RUNTIME, "vjp of %s failed", c->name);
    }
    numc_array_release(c->ct[i]);
    c->ct[i] = numc_array_retain((numc_array *)v);
    return NUMC_OK;
}

#define ARR(...) ((const numc_array *const[]){__VA_ARGS__})

static numc_array *bindp(vjp_ctx *c, numc_prim p, int nin, const numc_array *const *in,
                         const numc_params *pr) {
    return numc_scope_bind(&c->tmp, p, nin, in, pr);
}

static numc_array *un(vjp_ctx *c, numc_prim p, const numc_array *x) {
    return bindp(c, p, 1, ARR(x), NULL);
}

/* Binary primitive on operands of one shape and dtype. */
static numc_array *bin(vjp_ctx *c, numc_prim p, const numc_array *x, const numc_array *y) {
    return bindp(c, p, 2, ARR(x, y), NULL);
}

static numc_array *add(vjp_ctx *c, const numc_array *x, const numc_array *y) {
    return bin(c, NUMC_PRIM_ADD, x, y);
}
static numc_array *sub(vjp_ctx *c, const numc_array *x, const numc_array *y) {
    return bin(c, NUMC_PRIM_SUB, x, y);
}
static numc_array *mul(vjp_ctx *c, const numc_array *x, const numc_array *y) {
    return bin(c, NUMC_PRIM_MUL, x, y);
}
static numc_array *dvd(vjp_ctx *c, const numc_array *x, const numc_array *y) {
    return bin(c, NUMC_PRIM_DIV, x, y);
}
static numc_array *neg(vjp_ctx *c, const numc_array *x) {
    return un(c, NUMC_PRIM_NEG, x);
}

static numc_array *sel(vjp_ctx *c, const numc_array *pred, const numc_array *x,
                       const numc_array *y) {
    return bindp(c, NUMC_PRIM_SELECT, 3, ARR(pred, x, y), NULL);
}

static numc_array *cvt(vjp_ctx *c, const numc_array *x, numc_dtype dt) {
    return numc_scope_convert(&c->tmp, x, dt);
}

/* A 0-d constant of dtype dt (a CONSTANT node, so traces see a literal). */
static numc_array *cst(vjp_ctx *c, numc_dtype dt, double re, double im) {
    return numc_scope_const(&c->tmp, dt, re, im);
}

static numc_array *bcast(vjp_ctx *c, const numc_array *x, int nd, const int64_t *shape,
                         const int64_t *dims) {
    return numc_scope_broadcast_in_dim(&c->tmp, x, nd, shape, dims);
}

static numc_array *full(vjp_ctx *c, numc_dtype dt, double v, int nd, const int64_t *shape) {
    return numc_scope_full(&c->tmp, dt, v, nd, shape);
}

/* A constant with x's shape and dtype. */
static numc_array *full_like(vjp_ctx *c, const numc_array *x, double v) {
    if (!x) return NULL;
    return full(c, x->dtype, v, x->ndim, x->shape);
}

/* x <op> v, v taken in x's dtype. */
static numc_array *binc(vjp_ctx *c, numc_prim p, const numc_array *x, double v) {
    return bin(c, p, x, full_like(c, x, v));
}

static numc_array *reshape(vjp_ctx *c, const numc_array *x, int nd, const int64_t *shape) {
    return numc_scope_reshape(&c->tmp, x, nd, shape);
}

static numc_array *transpose(vjp_ctx *c, const numc_array *x, const int64_t *perm) {
    return numc_scope_transpose(&c->tmp, x, perm);
}

static numc_array *reduce(vjp_ctx *c, numc_prim p, const numc_array *x, const int64_t *axes,
                          int naxes) {
    if (!x) return NULL;
    if (naxes == 0) return (numc_array *)x;
    numc_params pr = {.n = naxes};
    memcpy(pr.i, axes, sizeof(int64_t) * (size_t)naxes);
    return bindp(c, p, 1, ARR(x), &pr);
}

static numc_array *sum_all(vjp_ctx *c, const numc_array *x) {
    if (!x) return NULL;
    int64_t axes[NUMC_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++)
        axes[d] = d;
    return reduce(c, NUMC_PRIM_REDUCE_SUM, x, axes, x->ndim);
}

static numc_array *scan(vjp_ctx *c, numc_prim p, const numc_array *x, int64_t axis,
                        int64_t reverse) {
    numc_params pr = {.n = 2, .i = {axis, reverse}};
    return bindp(c, p, 1, ARR(x), &pr);
}

static numc_array *pad(vjp_ctx *c, const numc_array *x, const numc_array *pv, const int64_t *lo,
                       const int64_t *hi, const int64_t *interior) {
    if (!x) return NULL;
    int nd = x->ndim;
    numc_params pr = {.n = 3 * nd};
    for (int d = 0; d < nd; d++) {
        pr.i[d] = lo[d];
        pr.i[nd + d] = hi[d];
        pr.i[2 * nd + d] = interior ? interior[d] : 0;
    }
    return bindp(c, NUMC_PRIM_PAD, 2, ARR(x, pv), &pr);
}

static numc_array *slice(vjp_ctx *c, const numc_array *x, const int64_t *start,
                         const int64_t *limit, const int64_t *stride) {
    if (!x) return NULL;
    int nd = x->ndim;
    numc_params pr = {.n = 3 * nd};
    for (int d = 0; d < nd; d++) {
        pr.i[d] = start[d];
        pr.i[nd + d] = limit[d];
        pr.i[2 * nd + d] = stride ? stride[d] : 1;
    }
    return bindp(c, NUMC_PRIM_SLICE, 1, ARR(x), &pr);
}

static numc_array *gather(vjp_ctx *c, const numc_array *x, const numc_array *idx, int64_t axis) {
    numc_params pr = {.n = 1, .i = {axis}};
    return bindp(c, NUMC_PRIM_GATHER, 2, ARR(x, idx), &pr);
}

static numc_array *scatter(vjp_ctx *c, const numc_array *x, const numc_array *idx,
                           const numc_array *upd, int64_t axis, int64_t mode) {
    numc_params pr = {.n = 2, .i = {axis, mode}};
    return bindp(c, NUMC_PRIM_SCATTER, 3, ARR(x, idx, upd), &pr);
}

static numc_array *iota(vjp_ctx *c, numc_dtype dt, int64_t dim, int nd, const int64_t *shape) {
    numc_params pr = {.n = 3 + nd, .i = {dt, dim, nd}};
    memcpy(pr.i + 3, shape, sizeof(int64_t) * (size_t)nd);
    return bindp(c, NUMC_PRIM_IOTA, 0, NULL, &pr);
}

/* ---- running a rule ---- */
static const char *shape_str(char *buf, size_t n, const numc_array *a) {
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < a->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ",%lld" : "%lld", (long long)a->shape[d]);
    if (k < n) snprintf(buf + k, n - k, ")");
    return buf;
}

static numc_status run_rule(const char *name, rule_fn fn, const numc_params *pr, int nin,
                            const numc_array *const *in, int nout, const numc_array *const *out,
                            const numc_array *const *ct_out, numc_array **ct_in) {
    for (int i = 0; i < nin; i++)
        ct_in[i] = NULL;
    if (nout < 1 || !ct_out[0]) return NUMC_OK; /* a symbolic zero in, zeros out */
    bool any = false;
    for (int i = 0; i < nin; i++)
        any |= numc_dt_is_inexact(in[i]->dtype);
    if (!any) return NUMC_OK;
    static const numc_params none;
    vjp_ctx c = {.name = name,
                 .pr = pr ? pr : &none,
                 .nin = nin,
                 .in = in,
                 .z = out[0],
                 .g = ct_out[0],
                 .ct = ct_in};
    numc_scope_init(&c.tmp);
    numc_status st = fn(&c);
    numc_scope_end(&c.tmp);
    for (int i = 0; i < nin && st == NUMC_OK; i++) {
        const numc_array *a = ct_in[i], *x = in[i];
        if (!a) continue;
        if (!numc_dt_is_inexact(x->dtype)) {
            numc_array_release(ct_in[i]);
            ct_in[i] = NULL;
            continue;
        }
        /* the tape sums cotangents with add, which needs exact agreement */
        if (a->dtype != x->dtype || a->ndim != x->ndim ||
            memcmp(a->shape, x->shape, sizeof(int64_t) * (size_t)x->ndim)) {
            char got[128], expected[128];
            st = numc_error_set(NUMC_ERR_RUNTIME,
                                "internal error: the VJP of %s gave operand %d a cotangent of "
                                "dtype %s and shape %s (expected %s and %s)",
                                name, i, numc_dtype_name(a->dtype), shape_str(got, sizeof got, a),
                                numc_dtype_name(x->dtype), shape_str(expected, sizeof expected, x));
        }
    }
    if (st != NUMC_OK) {
        for (int i = 0; i < nin; i++) {
            numc_array_release(ct_in[i]);
            ct_in[i] = NULL;
        }
    }
    return st;
}

#define RULE(name)                                                                                 \
    static numc_status rule_##name(vjp_ctx *c);                                                    \
    static numc_status vjp_##name(const numc_params *pr, int nin, const numc_array *const *in,     \
                                  int nout, const numc_array *const *out,                          \
                                  const numc_array *const *ct_out, numc_array **ct_in) {           \
        return run_rule(#name, rule_##name, pr, nin, in, nout, out, ct_out, ct_in);                \
    }                                                                                              \
    static numc_status rule_##name(vjp_ctx *c)

#define X0 (c->in[0])
#define X1 (c->in[1])
#define Z (c->z)
#define G (c->g)

/* Elementwise rules of the form ct = g * f'(x). */
#define DERIV_RULE(name, expr)                                                                     \
    RULE(name) {                                                                                   \
        return put(c, 0, mul(c, G, (expr)));                                                       \
    }

/* ---- elementwise, unary ---- */
RULE(neg) {
    return put(c, 0, neg(c, G));
}

RULE(abs) {
    const numc_array *x = X0;
    if (numc_dt_is_complex(x->dtype)) {
        /* conj(x)/|x|, with |x| = 0 replaced by 1 so the origin gets 0 */
        const numc_array *r =
            sel(c, bin(c, NUMC_PRIM_EQ, Z, full_like(c, Z, 0)), full_like(c, Z, 1), Z);
        const numc_array *gr = dvd(c, G, r);
        return put(
            c, 0,
            mul(c, bin(c, NUMC_PRIM_COMPLEX, gr, full_like(c, gr, 0)), un(c, NUMC_PRIM_CONJ, x)));
    }
    /* JAX's choice: slope +1 at 0 (including -0.0) */
    return put(c, 0, sel(c, bin(c, NUMC_PRIM_GE, x, full_like(c, x, 0)), G, neg(c, G)));
}

DERIV_RULE(exp, Z)
DERIV_RULE(exp2, binc(c, NUMC_PRIM_MUL, Z, M_LN2))
DERIV_RULE(expm1, binc(c, NUMC_PRIM_ADD, Z, 1))

RULE(log) {
    return put(c, 0, dvd(c, G, X0));
}
RULE(log2) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_MUL, X0, M_LN2)));
}
RULE(log10) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_MUL, X0, M_LN10)));
}
RULE(log1p) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_ADD, X0, 1)));
}

/* d sqrt(x) = 1 / (2 sqrt(x)) */
RULE(sqrt) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_MUL, Z, 2)));
}
/* d x^-1/2 = -1/2 x^-1/2 / x */
RULE(rsqrt) {
    return put(c, 0, mul(c, G, dvd(c, binc(c, NUMC_PRIM_MUL, Z, -0.5), X0)));
}
/* d x^1/3 = 1 / (3 cbrt(x)^2): no 0/0 at x = 0 (it is inf there, as it should) */
RULE(cbrt) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_MUL, mul(c, Z, Z), 3)));
}

DERIV_RULE(sin, un(c, NUMC_PRIM_COS, X0))
RULE(cos) {
    return put(c, 0, neg(c, mul(c, G, un(c, NUMC_PRIM_SIN, X0))));
}
DERIV_RULE(tan, binc(c, NUMC_PRIM_ADD, mul(c, Z, Z), 1))

/* sqrt(1 - x^2), the denominator of asin' and acos' */
static numc_array *sqrt_1mx2(vjp_ctx *c, const numc_array *x) {
    return un(c, NUMC_PRIM_SQRT, sub(c, full_like(c, x, 1), mul(c, x, x)));
}
RULE(asin) {
    return put(c, 0, dvd(c, G, sqrt_1mx2(c, X0)));
}
RULE(acos) {
    return put(c, 0, neg(c, dvd(c, G, sqrt_1mx2(c, X0))));
}
RULE(atan) {
    return put(c, 0, dvd(c, G, binc(c, NUMC_PRIM_ADD, mul(c, X0, X0), 1)));
}

DERIV_RULE(sinh, un(c, NUMC_PRIM_COSH, X0))
DERIV_RULE(cosh, un(c, NUMC_PRIM_SINH, X0))
DERIV_RULE(tanh, sub(c, full_like(c, Z, 1), mul(c, Z, Z)))

RULE(asinh) {
    return put(c, 0, dvd(c, G, un(c, NUMC_PRIM_SQRT, binc(c, NUMC_PRIM_ADD, mul(c, X0, X0), 1))));
}
/* sqrt(x-1) sqrt(x+1) rather than sqrt(x^2-1): the same for real x > 1, and
 * on the principal branch for complex x */
RULE(acosh) {
    const numc_array *x = X0;
    const numc_array *d = mul(c, un(c, NUMC_PRIM_SQRT, binc(c, NUMC_PRIM_SUB, x, 1)),
                              un(c, NUMC_PRIM_SQRT, binc(c, NUMC_PRIM_ADD, x, 1)));
    return put(c, 0, dvd(c, G, d));
}
RULE(atanh) {
    return put(c, 0, dvd(c, G, sub(c, full_like(c, X0, 1), mul(c, X0, X0))));
}

RULE(real) {
    if (!numc_dt_is_complex(X0->dtype)) return put(c, 0, G);
    return put(c, 0, bin(c, NUMC_PRIM_COMPLEX, G, full_like(c, G, 0)));
}
/* <imag(t), g> = <t, -i g> */
RULE(imag) {
    if (!numc_dt_is_complex(X0->dtype)) return NUMC_OK;
    return put(c, 0, bin(c, NUMC_PRIM_COMPLEX, full_like(c, G, 0), neg(c, G)));
}
RULE(conj) {
    if (!numc_dt_is_complex(X0->dtype)) return put(c, 0, G);
    return put(c, 0, un(c, NUMC_PRIM_CONJ, G));
}

/* ---- elementwise, binary ---- */
RULE(add) {
    numc_status st = want(c, 0) ? put(c, 0, G) : NUMC_OK;
    return st || !want(c, 1) ? st : put(c, 1, G);
}
RULE(sub) {
    numc_status st = want(c, 0) ? put(c, 0, G) : NUMC_OK;
    return st || !want(c, 1) ? st : put(c, 1, neg(c, G));
}
RULE(mul) {
    numc_status st = want(c, 0) ? put(c, 0, mul(c, G, X1)) : NUMC_OK;
    return st || !want(c, 1) ? st : put(c, 1, mul(c, G, X0));
}
/* d(x/y)/dy = -(x/y)/y */
RULE(div) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *gx = dvd(c, G, X1);
    numc_status st = put(c, 0, gx);
    return st ? st : put(c, 1, neg(c, mul(c, gx, Z)));
}
/* x = q*y + r with q an integer (truncated or floored, whichever the kernel
 * uses): recover q from the primal values, so the rule follows the kernel. */
RULE(rem) {
    if (!want(c, 0)) return NUMC_OK;
    numc_status st = put(c, 0, G);
    if (st) return st;
    const numc_array *q = un(c, NUMC_PRIM_RINT, dvd(c, sub(c, X0, Z), X1));
    return put(c, 1, neg(c, mul(c, G, q)));
}
/* z = x^y. dz/dx = y x^(y-1), taken as 0 where y = 0 (so 0^0 has slope 0,
 * not 0*inf); dz/dy = z log(x), taken as 0 at x = 0 (z is 0 or 1 there). */
RULE(pow) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *x = X0, *y = X1;
    const numc_array *zero = full_like(c, x, 0), *one = full_like(c, x, 1);
    const numc_array *dx = sel(c, bin(c, NUMC_PRIM_EQ, y, zero), zero,
                               mul(c, y, bin(c, NUMC_PRIM_POW, x, sub(c, y, one))));
    numc_status st = put(c, 0, mul(c, G, dx));
    if (st) return st;
    const numc_array *lx = un(c, NUMC_PRIM_LOG, sel(c, bin(c, NUMC_PRIM_EQ, x, zero), one, x));
    return put(c, 1, mul(c, G, mul(c, Z, lx)));
}
/* The operand equal to the result takes the cotangent; a tie splits it. */
static numc_status minmax_rule(vjp_ctx *c) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *ex = bin(c, NUMC_PRIM_EQ, X0, Z), *ey = bin(c, NUMC_PRIM_EQ, X1, Z);
    const numc_array *zero = full_like(c, G, 0), *half = full_like(c, G, 0.5),
                     *one = full_like(c, G, 1);
    const numc_array *wx = sel(c, ex, sel(c, ey, half, one), zero);
    const numc_array *wy = sel(c, ey, sel(c, ex, half, one), zero);
    numc_status st = put(c, 0, mul(c, G, wx));
    return st ? st : put(c, 1, mul(c, G, wy));
}
RULE(max) {
    return minmax_rule(c);
}
RULE(min) {
    return minmax_rule(c);
}
/* z = atan2(a, b): dz/da = b/(a^2+b^2), dz/db = -a/(a^2+b^2) */
RULE(atan2) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *a = X0, *b = X1;
    const numc_array *gd = dvd(c, G, add(c, mul(c, a, a), mul(c, b, b)));
    numc_status st = put(c, 0, mul(c, gd, b));
    return st ? st : put(c, 1, neg(c, mul(c, gd, a)));
}
/* z = hypot(a, b): dz/da = a/z; at the origin, 0 (a subgradient) */
RULE(hypot) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *r =
        sel(c, bin(c, NUMC_PRIM_EQ, Z, full_like(c, Z, 0)), full_like(c, Z, 1), Z);
    const numc_array *gr = dvd(c, G, r);
    numc_status st = put(c, 0, mul(c, gr, X0));
    return st ? st : put(c, 1, mul(c, gr, X1));
}
/* z = |a| sign(b): dz/da = sign(a) sign(b) (signs by the sign bit); b gets 0 */
RULE(copysign) {
    if (!want(c, 0)) return NUMC_OK;
    const numc_array *one = full_like(c, X0, 1);
    const numc_array *s =
        mul(c, bin(c, NUMC_PRIM_COPYSIGN, one, X0), bin(c, NUMC_PRIM_COPYSIGN, one, X1));
    return put(c, 0, mul(c, G, s));
}
/* <re + i im, g> = <re, Re g> - <im, Im g>; half-precision parts make a
 * complex64, so the parts of g go back to their dtype */
RULE(complex) {
    numc_dtype dt = X0->dtype;
    numc_status st = put(c, 0, cvt(c, un(c, NUMC_PRIM_REAL, G), dt));
    return st ? st : put(c, 1, neg(c, cvt(c, un(c, NUMC_PRIM_IMAG, G), dt)));
}

/* ---- elementwise, other ---- */
RULE(select) {
    const numc_array *zero = full_like(c, G, 0);
    numc_status st = want(c, 1) ? put(c, 1, sel(c, X0, G, zero)) : NUMC_OK;
    return st || !want(c, 2) ? st : put(c, 2, sel(c, X0, zero, G));
}

/* Back to the input's dtype; complex -> real keeps the real part of the
 * input (so the input gets complex(g, 0)), real -> complex gives Re(g). */
RULE(convert) {
    numc_dtype from = X0->dtype, to = Z->dtype;
    if (!numc_dt_is_inexact(from) || !numc_dt_is_inexact(to)) return NUMC_OK;
    if (numc_dt_is_complex(from) && !numc_dt_is_complex(to)) {
        const numc_array *gr = cvt(c, G, numc_dt_real_of(from));
        return put(c, 0, bin(c, NUMC_PRIM_COMPLEX, gr, full_like(c, gr, 0)));
    }
    if (!numc_dt_is_complex(from) && numc_dt_is_complex(to))
        return put(c, 0, cvt(c, un(c, NUMC_PRIM_REAL, G), from));
    return put(c, 0, cvt(c, G, from));
}

/* ---- layout ---- */
RULE(reshape) {
    return put(c, 0, reshape(c, G, X0->ndim, X0->shape));
}

/* The one un-broadcasting rule: sum the new dims and the stretched unit
 * dims, then reshape (the summed-away unit dims come back as 1s). */
RULE(broadcast_in_dim) {
    const numc_array *x = X0;
    int nd = (int)c->pr->i[0];
    const int64_t *oshape = c->pr->i + 1, *dims = c->pr->i + 1 + nd;
    bool kept[NUMC_MAX_DIMS] = {false};
    for (int i = 0; i < x->ndim; i++)
        if (x->shape[i] == oshape[dims[i]]) kept[dims[i]] = true;
    int64_t axes[NUMC_MAX_DIMS];
    int na = 0;
    for (int d = 0; d < nd; d++)
        if (!kept[d]) axes[na++] = d;
    return put(c, 0, reshape(c, reduce(c, NUMC_PRIM_REDUCE_SUM, G, axes, na), x->ndim, x->shape));
}

RULE(transpose) {
    int64_t inv[NUMC_MAX_DIMS];
    for (int d = 0; d < X0->ndim; d++)
        inv[c->pr->i[d]] = d;
    return put(c, 0, transpose(c, G, inv));
}

/* The cotangent goes back to the sliced positions: pad with zeros, the
 * stride becoming interior padding. */
RULE(slice) {
    const numc_array *x = X0;
    int nd = x->ndim;
    int64_t lo[NUMC_MAX_DIMS], hi[NUMC_MAX_DIMS], in_[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        int64_t n = Z->shape[d], s = c->pr->i[d], st = c->pr->i[2 * nd + d];
        if (n == 0) {
            lo[d] = x->shape[d];
            hi[d] = in_[d] = 0;
        } else {
            lo[d] = s;
            in_[d] = st - 1;
            hi[d] = x->shape[d] - (s + (n - 1) * st + 1);
        }
    }
    return put(c, 0, pad(c, G, cst(c, G->dtype, 0, 0), lo, hi, in_));
}

RULE(rev) {
    return put(c, 0, bindp(c, NUMC_PRIM_REV, 1, ARR(G), c->pr));
}

/* Operand: undo lo/hi (negative ones crop, so padding back with zeros gives
 * the cropped elements their zero cotangent), then take every
 * (interior+1)-th element. Padding value: the sum of the cotangent over the
 * positions it filled, found with a 0/1 mask built by the same pad. */
RULE(pad) {
    const numc_array *x = X0;
    int nd = x->ndim;
    const int64_t *lo = c->pr->i, *hi = c->pr->i + nd, *interior = c->pr->i + 2 * nd;
    numc_status st = NUMC_OK;
    if (want(c, 0)) {
        int64_t nlo[NUMC_MAX_DIMS], nhi[NUMC_MAX_DIMS], zero[NUMC_MAX_DIMS], stride[NUMC_MAX_DIMS];
        for (int d = 0; d < nd; d++) {
            nlo[d] = -lo[d];
            nhi[d] = -hi[d];
            zero[d] = 0;
            stride[d] = interior[d] + 1;
        }
        const numc_array *u = pad(c, G, cst(c, G->dtype, 0, 0), nlo, nhi, NULL);
        st = put(c, 0, u ? slice(c, u, zero, u->shape, stride) : NULL);
    }
    if (st || !want(c, 1)) return st;
    const numc_array *mask = pad(c, full_like(c, x, 0), cst(c, x->dtype, 1, 0), lo, hi, interior);
    return put(c, 1, sum_all(c, mul(c, G, mask)));
}

RULE(concatenate) {
    int64_t axis = c->pr->i[0], off = 0;
    int nd = Z->ndim;
    int64_t start[NUMC_MAX_DIMS], limit[NUMC_MAX_DIMS];
    for (int k = 0; k < c->nin; k++) {
        const numc_array *x = c->in[k];
        for (int d = 0; d < nd; d++) {
            start[d] = 0;
            limit[d] = G->shape[d];
        }
        start[axis] = off;
        limit[axis] = off + x->shape[axis];
        off += x->shape[axis];
        if (!want(c, k)) continue;
        numc_status st = put(c, k, slice(c, G, start, limit, NULL));
        if (st) return st;
    }
    return NUMC_OK;
}

/* ---- reductions ---- */
/* The input dims a reduction kept, in order (the output's dims). */
static int kept_dims(const vjp_ctx *c, int64_t *kept) {
    bool red[NUMC_MAX_DIMS] = {false};
    for (int k = 0; k < c->pr->n; k++)
        red[c->pr->i[k]] = true;
    int n = 0;
    for (int d = 0; d < X0->ndim; d++)
        if (!red[d]) kept[n++] = d;
    return n;
}

/* A reduction's output (or its cotangent) broadcast back over the input. */
static numc_array *unreduce(vjp_ctx *c, const numc_array *v) {
    int64_t kept[NUMC_MAX_DIMS];
    kept_dims(c, kept);
    return bcast(c, v, X0->ndim, X0->shape, kept);
}

RULE(reduce_sum) {
    return put(c, 0, unreduce(c, G));
}

/* d prod / d x_j = the product of the others, computed exactly (zeros
 * included) as exclusive prefix times exclusive suffix products over the
 * reduced dims flattened to one trailing axis. */
RULE(reduce_prod) {
    const numc_array *x = X0;
    if (c->pr->n == 0) return put(c, 0, G);
    int nd = x->ndim;
    int64_t perm[NUMC_MAX_DIMS], inv[NUMC_MAX_DIMS], tshape[NUMC_MAX_DIMS];
    int nk = kept_dims(c, perm);
    for (int k = 0; k < c->pr->n; k++)
        perm[nk + k] = c->pr->i[k];
    int64_t mshape[NUMC_MAX_DIMS + 1], n = 1;
    for (int d = 0; d < nd; d++) {
        inv[perm[d]] = d;
        tshape[d] = x->shape[perm[d]];
        if (d < nk)
            mshape[d] = tshape[d];
        else
            n *= tshape[d];
    }
    mshape[nk] = n;
    const numc_array *xf = reshape(c, transpose(c, x, perm), nk + 1, mshape);
    int64_t lo[NUMC_MAX_DIMS + 1] = {0}, hi[NUMC_MAX_DIMS + 1] = {0};
    const numc_array *one = cst(c, x->dtype, 1, 0);
    lo[nk] = 1, hi[nk] = -1;
    const numc_array *left = pad(c, scan(c, NUMC_PRIM_CUMPROD, xf, nk, 0), one, lo, hi, NULL);
    lo[nk] = -1, hi[nk] = 1;
    const numc_array *right = pad(c, scan(c, NUMC_PRIM_CUMPROD, xf, nk, 1), one, lo, hi, NULL);
    int64_t gdims[NUMC_MAX_DIMS];
    for (int d = 0; d < nk; d++)
        gdims[d] = d;
    const numc_array *gb = bcast(c, G, nk + 1, mshape, gdims);
    const numc_array *ct = mul(c, gb, mul(c, left, right));
    return put(c, 0, transpose(c, reshape(c, ct, nd, tshape), inv));
}

/* As JAX: the cotangent is split evenly among the elements equal to the
 * result. */
static numc_status reduce_chooser(vjp_ctx *c) {
    const numc_array *x = X0;
    const numc_array *ind = cvt(c, bin(c, NUMC_PRIM_EQ, x, unreduce(c, Z)), x->dtype);
    const numc_array *cnt = reduce(c, NUMC_PRIM_REDUCE_SUM, ind, c->pr->i, c->pr->n);
    return put(c, 0, mul(c, ind, unreduce(c, dvd(c, G, cnt))));
}
RULE(reduce_max) {
    return reduce_chooser(c);
}
RULE(reduce_min) {
    return reduce_chooser(c);
}

/* ---- scans ---- */
RULE(cumsum) {
    return put(c, 0, scan(c, NUMC_PRIM_CUMSUM, G, c->pr->i[0], !c->pr->i[1]));
}

/* d z_i / d x_j = z_i / x_j for j <= i: correct for nonzero inputs; a zero
 * input gives inf/nan in its own cotangent. */
RULE(cumprod) {
    const numc_array *s = scan(c, NUMC_PRIM_CUMSUM, mul(c, G, Z), c->pr->i[0], !c->pr->i[1]);
    return put(c, 0, dvd(c, s, X0));
}

/* Each output takes its value from one input: the latest position (in scan
 * order) whose element equals the running extreme (PyTorch's choice for
 * ties; a NaN is its own source). Those sources are found with a running
 * max/min of their indices, and the cotangent is scatter-added to them
 * through flat indices, since gather/scatter index one axis for all rows. */
static numc_status cum_chooser(vjp_ctx *c) {
    const numc_array *x = X0;
    int64_t axis = c->pr->i[0], reverse = c->pr->i[1];
    int nd = x->ndim;
    if (x->size == 0) return put(c, 0, G);
    int64_t stride = 1, n = x->size;
    for (int d = (int)axis + 1; d < nd; d++)
        stride *= x->shape[d];
    const numc_array *pos = iota(c, NUMC_INT64, axis, nd, x->shape);
    const numc_array *rec =
        bin(c, NUMC_PRIM_OR, bin(c, NUMC_PRIM_EQ, x, Z), un(c, NUMC_PRIM_ISNAN, x));
    const numc_array *src;
    if (reverse)
        src = scan(c, NUMC_PRIM_CUMMIN,
                   sel(c, rec, pos, full(c, NUMC_INT64, (double)x->shape[axis], nd, x->shape)),
                   axis, 1);
    else
        src = scan(c, NUMC_PRIM_CUMMAX, sel(c, rec, pos, full(c, NUMC_INT64, -1, nd, x->shape)),
                   axis, 0);
    const numc_array *flat = reshape(c, iota(c, NUMC_INT64, 0, 1, &n), nd, x->shape);
    const numc_array *idx = add(c, flat, binc(c, NUMC_PRIM_MUL, sub(c, src, pos), (double)stride));
    const numc_array *s =
        scatter(c, full(c, x->dtype, 0, 1, &n), reshape(c, idx, 1, &n), reshape(c, G, 1, &n), 0, 1);
    return put(c, 0, reshape(c, s, nd, x->shape));
}
RULE(cummax) {
    return cum_chooser(c);
}
RULE(cummin) {
    return cum_chooser(c);
}

/* ---- contraction ---- */
typedef struct {
    int nc, nb;
    const int64_t *lc, *rc, *lb, *rb;
} dot_dims;

static dot_dims dot_dims_of(const numc_params *pr) {
    dot_dims d;
    d.nc = (int)pr->i[0];
    d.lc = pr->i + 1;
    d.rc = pr->i + 1 + d.nc;
    d.nb = (int)pr->i[1 + 2 * d.nc];
    d.lb = pr->i + 2 + 2 * d.nc;
    d.rb = d.lb + d.nb;
    return d;
}

static numc_array *dot(vjp_ctx *c, const numc_array *a, const numc_array *b, int nc,
                       const int64_t *ac, const int64_t *bc, int nb, const int64_t *ab,
                       const int64_t *bb, numc_dtype out) {
    numc_params pr = {.n = 0};
    pr.i[pr.n++] = nc;
    for (int k = 0; k < nc; k++)
        pr.i[pr.n++] = ac[k];
    for (int k = 0; k < nc; k++)
        pr.i[pr.n++] = bc[k];
    pr.i[pr.n++] = nb;
    for (int k = 0; k < nb; k++)
        pr.i[pr.n++] = ab[k];
    for (int k = 0; k < nb; k++)
        pr.i[pr.n++] = bb[k];
    pr.i[pr.n++] = out;
    return bindp(c, NUMC_PRIM_DOT_GENERAL, 2, ARR(a, b), &pr);
}

/* The cotangent of one operand ("self", dims sb/sc) given the other ("oth",
 * dims ob/oc). g's dims are batch, lhs free, rhs free; oth's free dims start
 * at g's dim goth. Contract those with oth's free dims, batch over the batch
 * dims: the result is batch, self's free dims, then oth's contracting dims
 * in increasing order; transpose it into self's layout, where self's
 * contracting dim sc[k] is paired with oc[k]. */
static numc_array *dot_ct(vjp_ctx *c, const numc_array *g, const numc_array *self,
                          const numc_array *oth, int nc, const int64_t *sc, const int64_t *oc,
                          int nb, const int64_t *sb, const int64_t *ob, int goth) {
    bool oused[NUMC_MAX_DIMS] = {false}, sused[NUMC_MAX_DIMS] = {false};
    for (int k = 0; k < nb; k++)
        oused[ob[k]] = sused[sb[k]] = true;
    for (int k = 0; k < nc; k++)
        oused[oc[k]] = sused[sc[k]] = true;
    int64_t gc[NUMC_MAX_DIMS], ofree[NUMC_MAX_DIMS], gb[NUMC_MAX_DIMS];
    int nof = 0;
    for (int d = 0; d < oth->ndim; d++)
        if (!oused[d]) {
            gc[nof] = goth + nof;
            ofree[nof++] = d;
        }
    for (int k = 0; k < nb; k++)
        gb[k] = k;
    const numc_array *r = dot(c, g, oth, nof, gc, ofree, nb, gb, ob, self->dtype);
    int64_t perm[NUMC_MAX_DIMS];
    for (int k = 0; k < nb; k++)
        perm[sb[k]] = k;
    int nsf = 0;
    for (int d = 0; d < self->ndim; d++)
        if (!sused[d]) perm[d] = nb + nsf++;
    for (int k = 0; k < nc; k++) {
        int rank = 0; /* position of oc[k] among oth's contracting dims, sorted */
        for (int j = 0; j < nc; j++)
            rank += oc[j] < oc[k];
        perm[sc[k]] = nb + nsf + rank;
    }
    return transpose(c, r, perm);
}

RULE(dot_general) {
    const numc_array *a = X0, *b = X1;
    if (!want(c, 0)) return NUMC_OK;
    dot_dims d = dot_dims_of(c->pr);
    const numc_array *g = cvt(c, G, a->dtype);
    int nlf = a->ndim - d.nb - d.nc;
    numc_status st = put(c, 0, dot_ct(c, g, a, b, d.nc, d.lc, d.rc, d.nb, d.lb, d.rb, d.nb + nlf));
    if (st) return st;
    return put(c, 1, dot_ct(c, g, b, a, d.nc, d.rc, d.lc, d.nb, d.rb, d.lb, d.nb));
}

/* ---- indexing ---- */
RULE(gather) {
    int64_t axis = c->pr->i[0];
    const numc_array *idx = X1;
    if (c->pr->n >= 2 && c->pr->i[1] == 1) {
        /* wrapping indices: scatter the cotangent to the same, wrapped,
         * positions (scatter wants them in [0, dim)) */
        idx = cvt(c, idx, NUMC_INT64);
        idx = sel(c, binc(c, NUMC_PRIM_LT, idx, 0),
                  binc(c, NUMC_PRIM_ADD, idx, (double)X0->shape[axis]), idx);
    }
    return put(c, 0, scatter(c, full_like(c, X0, 0), idx, G, axis, 1));
}

enum { SC_SET, SC_ADD, SC_MUL, SC_MIN, SC_MAX };

RULE(scatter) {
    const numc_array *x = X0, *idx = X1, *u = c->in[2];
    int64_t axis = c->pr->i[0], mode = c->pr->i[1];
    numc_status st;
    switch (mode) {
    case SC_SET: {
        /* written positions lose their cotangent; of several updates to one
         * position only the one the kernel kept (found by scattering ids the
         * same way) gets it */
        st = put(c, 0, scatter(c, G, idx, full_like(c, u, 0), axis, SC_SET));
        if (st || u->size == 0) return st;
        int64_t nu = u->size;
        const numc_array *ids = reshape(c, iota(c, NUMC_INT64, 0, 1, &nu), u->ndim, u->shape);
        const numc_array *owner =
            scatter(c, full(c, NUMC_INT64, -1, x->ndim, x->shape), idx, ids, axis, SC_SET);
        const numc_array *won = bin(c, NUMC_PRIM_EQ, gather(c, owner, idx, axis), ids);
        return put(c, 2, sel(c, won, gather(c, G, idx, axis), full_like(c, u, 0)));
    }
    case SC_ADD:
        st = put(c, 0, G);
        return st ? st : put(c, 2, gather(c, G, idx, axis));
    case SC_MUL: {
        /* z = x * (product of the updates at each position). The updates'
         * cotangent divides by the update, so it needs nonzero updates. */
        st = put(c, 0, mul(c, G, scatter(c, full_like(c, x, 1), idx, u, axis, SC_MUL)));
        if (st) return st;
        return put(c, 2, dvd(c, gather(c, mul(c, G, Z), idx, axis), u));
    }
    case SC_MIN:
    case SC_MAX: {
        /* as reduce_max: split evenly among the operand and updates that
         * equal the result */
        const numc_array *ix = cvt(c, bin(c, NUMC_PRIM_EQ, x, Z), x->dtype);
        const numc_array *iu = cvt(c, bin(c, NUMC_PRIM_EQ, u, gather(c, Z, idx, axis)), u->dtype);
        const numc_array *w = dvd(c, G, scatter(c, ix, idx, iu, axis, SC_ADD));
        st = put(c, 0, mul(c, w, ix));
        return st ? st : put(c, 2, mul(c, gather(c, w, idx, axis), iu));
    }
    default:
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "vjp of scatter: unknown mode %lld",
                              (long long)mode);
    }
}

RULE(dynamic_slice) {
    const numc_array *in[2 + NUMC_MAX_DIMS];
    in[0] = full_like(c, X0, 0);
    in[1] = G;
    for (int i = 1; i < c->nin; i++)
        in[1 + i] = c->in[i];
    return put(c, 0, bindp(c, NUMC_PRIM_DYNAMIC_UPDATE_SLICE, c->nin + 1, in, NULL));
}

RULE(dynamic_update_slice) {
    const numc_array *u = X1;
    const numc_array *in[2 + NUMC_MAX_DIMS];
    in[0] = G;
    in[1] = full_like(c, u, 0);
    for (int i = 2; i < c->nin; i++)
        in[i] = c->in[i];
    numc_status st = put(c, 0, bindp(c, NUMC_PRIM_DYNAMIC_UPDATE_SLICE, c->nin, in, NULL));
    if (st) return st;
    numc_params pr = {.n = u->ndim};
    memcpy(pr.i, u->shape, sizeof(int64_t) * (size_t)u->ndim);
    in[1] = G;
    return put(c, 1, bindp(c, NUMC_PRIM_DYNAMIC_SLICE, c->nin - 1, in + 1, &pr));
}

/* ---- sort ----
 * Each output is an input permuted along the axis; the cotangents go back
 * through the inverse permutation. Sorting the permutation (as keys) carries a
 * cotangent (as values) back to where its element came from, so the rule is
 * itself a sort and differentiable again. The permutation is recomputed with
 * an iota carried along the keys: the sort is stable, so it is the forward's. */
static numc_status vjp_sort(const numc_params *pr, int nin, const numc_array *const *in, int nout,
                            const numc_array *const *out, const numc_array *const *ct_out,
                            numc_array **ct_in) {
    (void)out;
    for (int i = 0; i < nin; i++)
        ct_in[i] = NULL;
    bool need[2] = {false, false};
    for (int i = 0; i < 2 && i < nout; i++)
        need[i] = ct_out[i] && numc_dt_is_inexact(in[i]->dtype);
    if (!need[0] && !need[1]) return NUMC_OK;
    const numc_array *x = in[0];
    numc_params ip = {.n = 3 + x->ndim, .i = {NUMC_INT64, pr->i[0], x->ndim}};
    memcpy(ip.i + 3, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    numc_array *iota = numc_bind1(NUMC_PRIM_IOTA, 0, NULL, &ip);
    if (!iota) return numc_error_kind();
    numc_array *s[2] = {NULL, NULL};
    numc_status st = numc_bind(NUMC_PRIM_SORT, 2, ARR(x, iota), pr, s);
    numc_array_release(iota);
    if (st) return st;
    numc_array_release(s[0]);
    for (int i = 0; i < 2 && !st; i++) {
        if (!need[i]) continue;
        numc_array *r[2] = {NULL, NULL};
        st = numc_bind(NUMC_PRIM_SORT, 2, ARR(s[1], ct_out[i]), pr, r);
        if (st) break;
        numc_array_release(r[0]);
        ct_in[i] = r[1];
    }
    numc_array_release(s[1]);
    if (st)
        for (int i = 0; i < nin; i++) {
            numc_array_release(ct_in[i]);
            ct_in[i] = NULL;
        }
    return st;
}

/* ---- the table ---- */
#define VJP_ZERO NULL /* zero derivative wherever it exists: nothing to record */
#define VJP_NONE NULL /* outputs not differentiable (bool, integer, bit-level) */

#define vjp_constant VJP_ZERO
#define vjp_iota VJP_ZERO
#define vjp_threefry2x32 VJP_NONE
#define vjp_host_call VJP_NONE
#define vjp_sign VJP_ZERO
#define vjp_floor VJP_ZERO
#define vjp_ceil VJP_ZERO
#define vjp_rint VJP_ZERO
#define vjp_trunc VJP_ZERO
#define vjp_nextafter VJP_ZERO
#define vjp_bitcast VJP_ZERO
#define vjp_stop_gradient VJP_ZERO
#define vjp_isnan VJP_NONE
#define vjp_isinf VJP_NONE
#define vjp_isfinite VJP_NONE
#define vjp_signbit VJP_NONE
#define vjp_not VJP_NONE
#define vjp_popcount VJP_NONE
#define vjp_eq VJP_NONE
#define vjp_ne VJP_NONE
#define vjp_lt VJP_NONE
#define vjp_le VJP_NONE
#define vjp_gt VJP_NONE
#define vjp_ge VJP_NONE
#define vjp_and VJP_NONE
#define vjp_or VJP_NONE
#define vjp_xor VJP_NONE
#define vjp_shl VJP_NONE
#define vjp_shr VJP_NONE
#define vjp_reduce_and VJP_NONE
#define vjp_reduce_or VJP_NONE
#define vjp_argmax VJP_NONE
#define vjp_argmin VJP_NONE
#define vjp_call numc_call_vjp /* call_vjp.c: transforms the body graph */
#define vjp_cond VJP_NONE
#define vjp_while VJP_NONE
#define vjp_scan_loop VJP_NONE
/* ---- fft (issue 9) ---- */
#define vjp_fft numc_rules_fft_vjp /* fft.c */

const numc_vjp_rule numc_rules_vjp[NUMC_PRIM_COUNT] = {
#define X(E, name, nin, nout, flags) [NUMC_PRIM_##E] = vjp_##name,
#include "../prim/prims.def"
#undef X
};
