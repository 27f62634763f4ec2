/* test_vjp.c — every VJP rule in src/rules/vjp.c against central finite
 * differences in float64 / complex128, plus exact checks of the tie and
 * zero conventions, and second-order checks (a rule differentiated by the
 * tape, through the rules of the primitives it binds, against finite
 * differences of the rule's output).
 *
 * Pairing (JAX's): L(x) = Re(sum f(x) * ct). For an input element x_k,
 * dL/dRe(x_k) must equal Re(ct_in_k) and dL/dIm(x_k) must equal -Im(ct_in_k). */
#include "interp/interp.h"
#include "check.h"

#include <stdio.h>

static int second_checks;

/* ---- host values ---- */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double urand(double lo, double hi) {
    return check_urand(&rng_state, lo, hi);
}

/* An array of dtype dt from host doubles (im may be NULL). */
static numc_array *mk(numc_dtype dt, int nd, const int64_t *shape, const double *re,
                      const double *im) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    size_t isz = numc_dtype_itemsize(dt);
    char *buf = calloc((size_t)(n ? n : 1), isz);
    for (int64_t k = 0; k < n; k++) {
        double r = re ? re[k] : 0, i = im ? im[k] : 0;
        char *p = buf + (size_t)k * isz;
        switch (dt) {
        case NUMC_FLOAT64:
            *(double *)p = r;
            break;
        case NUMC_FLOAT32:
            *(float *)p = (float)r;
            break;
        case NUMC_COMPLEX128:
            ((double *)p)[0] = r, ((double *)p)[1] = i;
            break;
        case NUMC_COMPLEX64:
            ((float *)p)[0] = (float)r, ((float *)p)[1] = (float)i;
            break;
        case NUMC_INT64:
            *(int64_t *)p = (int64_t)r;
            break;
        case NUMC_BOOL:
            *(uint8_t *)p = r != 0;
            break;
        default:
            abort();
        }
    }
    numc_array *a = numc_array_from_data(dt, nd, shape, buf);
    free(buf);
    return a;
}

static numc_array *rnd(numc_dtype dt, int nd, const int64_t *shape, double lo, double hi) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    double *re = malloc(sizeof(double) * (size_t)(n + 1)),
           *im = malloc(sizeof(double) * (size_t)(n + 1));
    for (int64_t k = 0; k < n; k++) {
        re[k] = urand(lo, hi);
        im[k] = numc_dtype_kind(dt) == 'c' ? urand(lo, hi) : 0;
    }
    numc_array *a = mk(dt, nd, shape, re, im);
    free(re);
    free(im);
    return a;
}

static numc_array *vals(numc_dtype dt, int nd, const int64_t *shape, const double *re) {
    return mk(dt, nd, shape, re, NULL);
}

static void get(const numc_array *a, int64_t k, double *re, double *im) {
    if (numc_array_get_f64(a, k, re, im) != NUMC_OK) *re = *im = NAN;
}

/* Re(sum a * w) */
static double pair(const numc_array *a, const numc_array *w) {
    double s = 0;
    for (int64_t k = 0; k < numc_array_size(a); k++) {
        double ar, ai, wr, wi;
        get(a, k, &ar, &ai);
        get(w, k, &wr, &wi);
        s += ar * wr - ai * wi;
    }
    return s;
}

/* A copy of a with element k moved by (dr + i di). */
static numc_array *nudge(const numc_array *a, int64_t k, double dr, double di) {
    int64_t n = numc_array_size(a);
    double *re = malloc(sizeof(double) * (size_t)(n + 1)),
           *im = malloc(sizeof(double) * (size_t)(n + 1));
    for (int64_t j = 0; j < n; j++)
        get(a, j, &re[j], &im[j]);
    re[k] += dr;
    im[k] += di;
    numc_array *r = mk(numc_array_dtype(a), numc_array_ndim(a), numc_array_shape(a), re, im);
    free(re);
    free(im);
    return r;
}

static numc_array *like(const numc_array *a, double lo, double hi) {
    return rnd(numc_array_dtype(a), numc_array_ndim(a), numc_array_shape(a), lo, hi);
}

/* ---- one test case: a primitive, its params and inputs ---- */
#define MAXIN 8
typedef struct {
    const char *name;
    numc_prim p;
    numc_params pr;
    int nin;
    numc_array *in[MAXIN];
    double eps, tol;
    bool no_second; /* skip the second-order check */
    unsigned skip;  /* inputs (bit mask) not checked: derivative undefined there */
} vcase;

static bool inexact(const numc_array *a) {
    char k = numc_dtype_kind(numc_array_dtype(a));
    return k == 'f' || k == 'c';
}

/* out = p(in); the rule's cotangents for output cotangent ct. */
static numc_status apply(const vcase *c, numc_array *const *in, const numc_array *ct,
                         numc_array **out, numc_array **ct_in) {
    for (int i = 0; i < c->nin; i++)
        ct_in[i] = NULL;
    *out = numc_bind1(c->p, c->nin, (const numc_array *const *)in, &c->pr);
    if (!*out) return numc_error_kind();
    numc_vjp_rule rule = numc_prim_vjp(c->p);
    if (!rule) return NUMC_OK;
    const numc_array *outs[1] = {*out}, *cts[1] = {ct};
    return rule(&c->pr, c->nin, (const numc_array *const *)in, 1, outs, cts, ct_in);
}

static void release_all(numc_array **a, int n) {
    for (int i = 0; i < n; i++) {
        numc_array_release(a[i]);
        a[i] = NULL;
    }
}

static bool close_to(double num, double ana, double tol) {
    if (isnan(num) || isnan(ana)) return false;
    return fabs(num - ana) <= tol * (1 + fabs(ana));
}

/* L(x) = <p(x), ct> with input i replaced by xi */
static double loss(const vcase *c, int i, numc_array *xi, const numc_array *ct) {
    numc_array *in[MAXIN];
    memcpy(in, c->in, sizeof in);
    in[i] = xi;
    numc_array *out = numc_bind1(c->p, c->nin, (const numc_array *const *)in, &c->pr);
    double v = out ? pair(out, ct) : NAN;
    numc_array_release(out);
    return v;
}

/* Compares an analytic cotangent with central differences of f over every
 * element (real and imaginary parts) of input i. */
typedef double (*scalar_fn)(const vcase *c, int i, numc_array *xi, const void *ctx);

static bool fd_compare(const vcase *c, int i, const numc_array *ana, scalar_fn f, const void *ctx,
                       const char *what) {
    const numc_array *x = c->in[i];
    bool cplx = numc_dtype_kind(numc_array_dtype(x)) == 'c', ok = true;
    double eps = c->eps ? c->eps : 1e-6, tol = c->tol ? c->tol : 1e-6;
    for (int64_t k = 0; k < numc_array_size(x) && ok; k++) {
        double ar = 0, ai = 0;
        if (ana) get(ana, k, &ar, &ai);
        for (int part = 0; part < (cplx ? 2 : 1); part++) {
            numc_array *xp = nudge(x, k, part ? 0 : eps, part ? eps : 0);
            numc_array *xm = nudge(x, k, part ? 0 : -eps, part ? -eps : 0);
            double num = (f(c, i, xp, ctx) - f(c, i, xm, ctx)) / (2 * eps);
            numc_array_release(xp);
            numc_array_release(xm);
            double want = part ? -ai : ar;
            if (!close_to(num, want, tol)) {
                fprintf(stderr,
                        "%s: %s of input %d, element %lld (%s part): finite "
                        "difference %.10g, rule %.10g\n",
                        c->name, what, i, (long long)k, part ? "imag" : "real", num, want);
                ok = false;
            }
        }
    }
    return ok;
}

static double loss_fn(const vcase *c, int i, numc_array *xi, const void *ctx) {
    return loss(c, i, xi, ctx);
}

/* ---- second order: H(x) = <rule(x, ct)[j], w> ---- */
typedef struct {
    int j;
    const numc_array *ct, *w;
} second_ctx;

static double rule_pair(const vcase *c, int i, numc_array *xi, const void *vctx) {
    const second_ctx *s = vctx;
    numc_array *in[MAXIN], *out = NULL, *cti[MAXIN];
    memcpy(in, c->in, sizeof in);
    in[i] = xi;
    double v = NAN;
    if (apply(c, in, s->ct, &out, cti) == NUMC_OK) v = cti[s->j] ? pair(cti[s->j], s->w) : 0;
    numc_array_release(out);
    release_all(cti, c->nin);
    return v;
}

static void check_second(const vcase *c, const numc_array *ct) {
    for (int j = 0; j < c->nin; j++) {
        if (!inexact(c->in[j]) || (c->skip >> j & 1)) continue;
        numc_array *w = like(c->in[j], -1, 1);
        /* record the forward and the rule on a tape watching the inputs */
        numc_tape *t = numc_tape_new(false);
        for (int i = 0; i < c->nin; i++)
            numc_tape_watch(t, c->in[i]);
        numc_array *out = NULL, *cti[MAXIN];
        numc_status st = apply(c, c->in, ct, &out, cti);
        numc_tape_stop(t);
        numc_array *grads[MAXIN] = {0};
        if (st == NUMC_OK && cti[j])
            st = numc_tape_gradient(t, cti[j], c->nin, (const numc_array *const *)c->in, w, true,
                                    grads);
        CHECK(st == NUMC_OK);
        if (st == NUMC_OK) {
            second_ctx s = {j, ct, w};
            for (int i = 0; i < c->nin; i++) {
                if (!inexact(c->in[i]) || (c->skip >> i & 1)) continue;
                char what[64];
                snprintf(what, sizeof what, "second order (d ct_in[%d])", j);
                CHECK(fd_compare(c, i, grads[i], rule_pair, &s, what));
                second_checks++;
            }
        }
        numc_tape_free(t);
        release_all(grads, c->nin);
        release_all(cti, c->nin);
        numc_array_release(out);
        numc_array_release(w);
    }
}

/* The rule runs in the narrower float types too (where the forward does):
 * every primitive it binds must support them, and its cotangents keep the
 * inputs' dtypes (the rule runner checks that). */
static void dtype_sweep(const vcase *c) {
    static const numc_dtype real_dts[3] = {NUMC_FLOAT32, NUMC_FLOAT16, NUMC_BFLOAT16};
    for (int k = 0; k < 3; k++) {
        vcase n = *c;
        bool ok = true;
        for (int i = 0; i < c->nin; i++) {
            numc_dtype dt = numc_array_dtype(c->in[i]);
            if (dt == NUMC_FLOAT64)
                dt = real_dts[k];
            else if (dt == NUMC_COMPLEX128)
                dt = NUMC_COMPLEX64;
            n.in[i] = numc_astype(c->in[i], dt);
            ok &= n.in[i] != NULL;
        }
        if (ok && c->p == NUMC_PRIM_CONVERT)
            n.pr.i[0] = numc_array_dtype(n.in[0]) == NUMC_COMPLEX64 ? NUMC_FLOAT32 : NUMC_COMPLEX64;
        if (ok && c->p == NUMC_PRIM_DOT_GENERAL) n.pr.i[n.pr.n - 1] = numc_array_dtype(n.in[0]);
        numc_array *probe =
            ok ? numc_bind1(n.p, n.nin, (const numc_array *const *)n.in, &n.pr) : NULL;
        if (probe) {
            numc_array *g = numc_ones_like(probe, NUMC_DTYPE_NONE), *out = NULL, *cti[MAXIN];
            numc_status st = g ? apply(&n, n.in, g, &out, cti) : numc_error_kind();
            if (st != NUMC_OK)
                fprintf(stderr, "%s in %s: rule failed: %s\n", c->name,
                        numc_dtype_name(numc_array_dtype(n.in[0])), numc_error_message());
            CHECK(st == NUMC_OK);
            if (st == NUMC_OK) release_all(cti, n.nin);
            numc_array_release(out);
            numc_array_release(g);
        } else if (getenv("TEST_VJP_VERBOSE"))
            fprintf(stderr, "%s: skipped in %s (forward: %s)\n", c->name,
                    numc_dtype_name(real_dts[k]), numc_error_message());
        numc_error_clear();
        numc_array_release(probe);
        release_all(n.in, n.nin);
    }
}

/* The first-order check (and the second-order one unless the case opts
 * out); consumes the case's inputs. */
static void run(vcase c) {
    int64_t live = numc_live_arrays() - c.nin; /* the inputs are released here */
    numc_array *out = NULL, *cti[MAXIN];
    numc_array *probe = numc_bind1(c.p, c.nin, (const numc_array *const *)c.in, &c.pr);
    if (!probe) {
        fprintf(stderr, "%s: forward failed: %s\n", c.name, numc_error_message());
        failures++;
        release_all(c.in, c.nin);
        return;
    }
    numc_array *ct = like(probe, -1, 1);
    numc_array_release(probe);
    numc_status st = apply(&c, c.in, ct, &out, cti);
    if (st != NUMC_OK) fprintf(stderr, "%s: rule failed: %s\n", c.name, numc_error_message());
    CHECK(st == NUMC_OK);
    if (st == NUMC_OK) {
        for (int i = 0; i < c.nin; i++) {
            if (!inexact(c.in[i])) {
                CHECK(cti[i] == NULL);
                continue;
            }
            if (c.skip >> i & 1) continue;
            CHECK(fd_compare(&c, i, cti[i], loss_fn, ct, "cotangent"));
        }
        if (!c.no_second && numc_prim_vjp(c.p)) check_second(&c, ct);
        dtype_sweep(&c);
    }
    release_all(cti, c.nin);
    numc_array_release(out);
    numc_array_release(ct);
    release_all(c.in, c.nin);
    int64_t leaked = numc_live_arrays() - live;
    if (leaked) fprintf(stderr, "%s: %lld arrays leaked\n", c.name, (long long)leaked);
    CHECK(leaked == 0);
}

/* ---- the cases ---- */
#define F64 NUMC_FLOAT64
#define C128 NUMC_COMPLEX128
#define SH(...) ((const int64_t[]){__VA_ARGS__})
#define NDIM(...) ((int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
#define R(dt, lo, hi, ...) rnd(dt, NDIM(__VA_ARGS__), SH(__VA_ARGS__), lo, hi)

static numc_array *i64(int nd, const int64_t *shape, const double *v) {
    return vals(NUMC_INT64, nd, shape, v);
}

static void unary(const char *name, numc_prim p, numc_dtype dt, double lo, double hi) {
    run((vcase){.name = name, .p = p, .nin = 1, .in = {R(dt, lo, hi, 2, 3)}});
}

static void binary(const char *name, numc_prim p, numc_dtype dt, double lo0, double hi0, double lo1,
                   double hi1) {
    run((vcase){
        .name = name, .p = p, .nin = 2, .in = {R(dt, lo0, hi0, 3, 2), R(dt, lo1, hi1, 3, 2)}});
}

static void elementwise_cases(void) {
    unary("neg", NUMC_PRIM_NEG, F64, -2, 2);
    unary("abs", NUMC_PRIM_ABS, F64, -2, 2);
    unary("sign", NUMC_PRIM_SIGN, F64, -2, 2);
    unary("floor", NUMC_PRIM_FLOOR, F64, -2.1, 2.1);
    unary("ceil", NUMC_PRIM_CEIL, F64, -2.1, 2.1);
    unary("rint", NUMC_PRIM_RINT, F64, -2.1, 2.1);
    unary("trunc", NUMC_PRIM_TRUNC, F64, -2.1, 2.1);
    unary("exp", NUMC_PRIM_EXP, F64, -2, 2);
    unary("exp2", NUMC_PRIM_EXP2, F64, -2, 2);
    unary("expm1", NUMC_PRIM_EXPM1, F64, -2, 2);
    unary("log", NUMC_PRIM_LOG, F64, 0.3, 3);
    unary("log2", NUMC_PRIM_LOG2, F64, 0.3, 3);
    unary("log10", NUMC_PRIM_LOG10, F64, 0.3, 3);
    unary("log1p", NUMC_PRIM_LOG1P, F64, -0.5, 3);
    unary("sqrt", NUMC_PRIM_SQRT, F64, 0.3, 3);
    unary("rsqrt", NUMC_PRIM_RSQRT, F64, 0.3, 3);
    unary("cbrt", NUMC_PRIM_CBRT, F64, -3, 3);
    unary("sin", NUMC_PRIM_SIN, F64, -3, 3);
    unary("cos", NUMC_PRIM_COS, F64, -3, 3);
    unary("tan", NUMC_PRIM_TAN, F64, -1.2, 1.2);
    unary("asin", NUMC_PRIM_ASIN, F64, -0.9, 0.9);
    unary("acos", NUMC_PRIM_ACOS, F64, -0.9, 0.9);
    unary("atan", NUMC_PRIM_ATAN, F64, -3, 3);
    unary("sinh", NUMC_PRIM_SINH, F64, -2, 2);
    unary("cosh", NUMC_PRIM_COSH, F64, -2, 2);
    unary("tanh", NUMC_PRIM_TANH, F64, -2, 2);
    unary("asinh", NUMC_PRIM_ASINH, F64, -3, 3);
    unary("acosh", NUMC_PRIM_ACOSH, F64, 1.2, 3);
    unary("atanh", NUMC_PRIM_ATANH, F64, -0.9, 0.9);
    unary("real(f64)", NUMC_PRIM_REAL, F64, -2, 2);
    unary("imag(f64)", NUMC_PRIM_IMAG, F64, -2, 2);

    binary("add", NUMC_PRIM_ADD, F64, -2, 2, -2, 2);
    binary("sub", NUMC_PRIM_SUB, F64, -2, 2, -2, 2);
    binary("mul", NUMC_PRIM_MUL, F64, -2, 2, -2, 2);
    binary("div", NUMC_PRIM_DIV, F64, -2, 2, 0.5, 2);
    binary("rem", NUMC_PRIM_REM, F64, -5, 5, 0.7, 1.9);
    binary("pow", NUMC_PRIM_POW, F64, 0.3, 2, -2, 2);
    binary("max", NUMC_PRIM_MAX, F64, -2, 2, -2, 2);
    binary("min", NUMC_PRIM_MIN, F64, -2, 2, -2, 2);
    binary("atan2", NUMC_PRIM_ATAN2, F64, -2, 2, -2, 2);
    binary("hypot", NUMC_PRIM_HYPOT, F64, -2, 2, -2, 2);
    binary("copysign", NUMC_PRIM_COPYSIGN, F64, -2, 2, -2, 2);
    /* nextafter(x, y) - x is one ulp, so finite differences see slope 1 in
     * x; the rule is zero on purpose (TF's NotDifferentiable; JAX has none) */
    CHECK(numc_prim_vjp(NUMC_PRIM_NEXTAFTER) == NULL);
    /* pow with a negative base and integral exponents */
    {
        double y[6] = {2, 3, -1, 2, 1, 3};
        run((vcase){.name = "pow(x<0, int y)",
                    .p = NUMC_PRIM_POW,
                    .nin = 2,
                    .in = {R(F64, -2, -0.5, 3, 2), vals(F64, 2, SH(3, 2), y)},
                    .skip = 2});
    }

    /* select: the predicate gets nothing */
    {
        double pv[6] = {1, 0, 0, 1, 1, 0};
        run((vcase){
            .name = "select",
            .p = NUMC_PRIM_SELECT,
            .nin = 3,
            .in = {vals(NUMC_BOOL, 2, SH(2, 3), pv), R(F64, -1, 1, 2, 3), R(F64, -1, 1, 2, 3)}});
    }
    /* convert: linear, so a coarse step is exact up to float32 rounding */
    run((vcase){.name = "convert f32->f64",
                .p = NUMC_PRIM_CONVERT,
                .pr = {.n = 1, .i = {F64}},
                .nin = 1,
                .in = {R(NUMC_FLOAT32, -2, 2, 2, 3)},
                .eps = 1.0 / 64,
                .tol = 1e-5});
    run((vcase){.name = "convert f64->c128",
                .p = NUMC_PRIM_CONVERT,
                .pr = {.n = 1, .i = {C128}},
                .nin = 1,
                .in = {R(F64, -2, 2, 2, 3)}});
    run((vcase){.name = "convert c128->f64",
                .p = NUMC_PRIM_CONVERT,
                .pr = {.n = 1, .i = {F64}},
                .nin = 1,
                .in = {R(C128, -2, 2, 2, 3)}});
    {
        double iv[6] = {1, 2, 3, 4, 5, 6};
        run((vcase){.name = "convert i64->f64",
                    .p = NUMC_PRIM_CONVERT,
                    .pr = {.n = 1, .i = {F64}},
                    .nin = 1,
                    .in = {i64(2, SH(2, 3), iv)}});
    }
}

static void complex_cases(void) {
    unary("neg c", NUMC_PRIM_NEG, C128, -1, 1);
    unary("abs c", NUMC_PRIM_ABS, C128, -1, 1);
    unary("exp c", NUMC_PRIM_EXP, C128, -1, 1);
    unary("log c", NUMC_PRIM_LOG, C128, 0.2, 1);
    unary("sqrt c", NUMC_PRIM_SQRT, C128, 0.2, 1);
    unary("sin c", NUMC_PRIM_SIN, C128, -1, 1);
    unary("cos c", NUMC_PRIM_COS, C128, -1, 1);
    unary("tanh c", NUMC_PRIM_TANH, C128, -1, 1);
    unary("asin c", NUMC_PRIM_ASIN, C128, 0.1, 0.6);
    unary("acosh c", NUMC_PRIM_ACOSH, C128, 0.2, 1);
    unary("real c", NUMC_PRIM_REAL, C128, -1, 1);
    unary("imag c", NUMC_PRIM_IMAG, C128, -1, 1);
    unary("conj c", NUMC_PRIM_CONJ, C128, -1, 1);
    binary("mul c", NUMC_PRIM_MUL, C128, -1, 1, -1, 1);
    binary("div c", NUMC_PRIM_DIV, C128, -1, 1, 0.5, 1);
    binary("pow c", NUMC_PRIM_POW, C128, 0.3, 1, -1, 1);
    binary("complex", NUMC_PRIM_COMPLEX, F64, -1, 1, -1, 1);
}

static void layout_cases(void) {
    run((vcase){.name = "reshape",
                .p = NUMC_PRIM_RESHAPE,
                .pr = {.n = 2, .i = {3, 2}},
                .nin = 1,
                .in = {R(F64, -1, 1, 2, 3)}});
    /* (3,1) -> (2,3,4): a new leading dim and a stretched unit dim */
    run((vcase){.name = "broadcast_in_dim",
                .p = NUMC_PRIM_BROADCAST_IN_DIM,
                .pr = {.n = 6, .i = {3, 2, 3, 4, 1, 2}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 1)}});
    /* (3,) -> (3,2) along dim 0; a unit dim kept as a unit dim */
    run((vcase){.name = "broadcast_in_dim 2",
                .p = NUMC_PRIM_BROADCAST_IN_DIM,
                .pr = {.n = 6, .i = {3, 3, 1, 2, 0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 1)}});
    run((vcase){.name = "broadcast_in_dim 0-d",
                .p = NUMC_PRIM_BROADCAST_IN_DIM,
                .pr = {.n = 3, .i = {2, 2, 3}},
                .nin = 1,
                .in = {rnd(F64, 0, NULL, -1, 1)}});
    run((vcase){.name = "transpose",
                .p = NUMC_PRIM_TRANSPOSE,
                .pr = {.n = 3, .i = {2, 0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 2, 3, 4)}});
    /* x[1:5:2, 0:6:3] and x[0:4:3, 2:2] (an empty result) */
    run((vcase){.name = "slice strided",
                .p = NUMC_PRIM_SLICE,
                .pr = {.n = 6, .i = {1, 0, 5, 6, 2, 3}},
                .nin = 1,
                .in = {R(F64, -1, 1, 5, 6)}});
    run((vcase){.name = "slice strided 2",
                .p = NUMC_PRIM_SLICE,
                .pr = {.n = 6, .i = {0, 1, 4, 5, 3, 2}},
                .nin = 1,
                .in = {R(F64, -1, 1, 5, 6)}});
    run((vcase){.name = "slice empty",
                .p = NUMC_PRIM_SLICE,
                .pr = {.n = 6, .i = {0, 2, 4, 2, 3, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 5, 6)}});
    run((vcase){.name = "rev",
                .p = NUMC_PRIM_REV,
                .pr = {.n = 1, .i = {1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 2, 3)}});
    /* lo (1,-1), hi (-1,2), interior (1,2) on a (3,4) */
    run((vcase){.name = "pad",
                .p = NUMC_PRIM_PAD,
                .pr = {.n = 6, .i = {1, -1, -1, 2, 1, 2}},
                .nin = 2,
                .in = {R(F64, -1, 1, 3, 4), rnd(F64, 0, NULL, -1, 1)}});
    run((vcase){.name = "pad crop",
                .p = NUMC_PRIM_PAD,
                .pr = {.n = 3, .i = {-2, -3, 2}},
                .nin = 2,
                .in = {R(F64, -1, 1, 5), rnd(F64, 0, NULL, -1, 1)}});
    run((vcase){.name = "concatenate",
                .p = NUMC_PRIM_CONCATENATE,
                .pr = {.n = 1, .i = {1}},
                .nin = 3,
                .in = {R(F64, -1, 1, 2, 1), R(F64, -1, 1, 2, 3), R(F64, -1, 1, 2, 2)}});
}

static void reduce_cases(void) {
    run((vcase){.name = "reduce_sum",
                .p = NUMC_PRIM_REDUCE_SUM,
                .pr = {.n = 2, .i = {0, 2}},
                .nin = 1,
                .in = {R(F64, -1, 1, 2, 3, 4)}});
    run((vcase){.name = "reduce_prod",
                .p = NUMC_PRIM_REDUCE_PROD,
                .pr = {.n = 2, .i = {0, 2}},
                .nin = 1,
                .in = {R(F64, 0.5, 1.5, 2, 3, 2)}});
    run((vcase){.name = "reduce_prod c",
                .p = NUMC_PRIM_REDUCE_PROD,
                .pr = {.n = 1, .i = {1}},
                .nin = 1,
                .in = {R(C128, -1, 1, 2, 3)}});
    {
        /* rows with no, one and two zeros: still exact (the product is
         * multilinear, so finite differences are exact there too) */
        double v[12] = {1.5, -2, 0.5, 3, 0, 2, -1, 0.5, 0, 2, 0, 1.5};
        run((vcase){.name = "reduce_prod zeros",
                    .p = NUMC_PRIM_REDUCE_PROD,
                    .pr = {.n = 1, .i = {1}},
                    .nin = 1,
                    .in = {vals(F64, 2, SH(3, 4), v)},
                    .no_second = true});
    }
    run((vcase){.name = "reduce_prod all",
                .p = NUMC_PRIM_REDUCE_PROD,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, 0.5, 1.5, 2, 3)}});
    run((vcase){.name = "reduce_sum all",
                .p = NUMC_PRIM_REDUCE_SUM,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 2, 3)}});
    run((vcase){.name = "reduce_max",
                .p = NUMC_PRIM_REDUCE_MAX,
                .pr = {.n = 1, .i = {1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 4)}});
    run((vcase){.name = "reduce_min",
                .p = NUMC_PRIM_REDUCE_MIN,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 4)}});
    run((vcase){.name = "cumsum",
                .p = NUMC_PRIM_CUMSUM,
                .pr = {.n = 2, .i = {1, 0}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 4)}});
    run((vcase){.name = "cumsum reverse",
                .p = NUMC_PRIM_CUMSUM,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 4)}});
    run((vcase){.name = "cumprod",
                .p = NUMC_PRIM_CUMPROD,
                .pr = {.n = 2, .i = {1, 0}},
                .nin = 1,
                .in = {R(F64, 0.5, 1.5, 3, 4)}});
    run((vcase){.name = "cumprod reverse",
                .p = NUMC_PRIM_CUMPROD,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, -1.5, -0.5, 3, 4)}});
    run((vcase){.name = "cummax",
                .p = NUMC_PRIM_CUMMAX,
                .pr = {.n = 2, .i = {1, 0}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 5)}});
    run((vcase){.name = "cummax reverse",
                .p = NUMC_PRIM_CUMMAX,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 5, 3)}});
    run((vcase){.name = "cummin",
                .p = NUMC_PRIM_CUMMIN,
                .pr = {.n = 2, .i = {1, 0}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 5)}});
    run((vcase){.name = "cummin reverse",
                .p = NUMC_PRIM_CUMMIN,
                .pr = {.n = 2, .i = {1, 1}},
                .nin = 1,
                .in = {R(F64, -1, 1, 3, 5)}});
}

static numc_params dot_params(int nc, const int64_t *lc, const int64_t *rc, int nb,
                              const int64_t *lb, const int64_t *rb) {
    numc_params pr = {.n = 0};
    pr.i[pr.n++] = nc;
    for (int k = 0; k < nc; k++)
        pr.i[pr.n++] = lc[k];
    for (int k = 0; k < nc; k++)
        pr.i[pr.n++] = rc[k];
    pr.i[pr.n++] = nb;
    for (int k = 0; k < nb; k++)
        pr.i[pr.n++] = lb[k];
    for (int k = 0; k < nb; k++)
        pr.i[pr.n++] = rb[k];
    pr.i[pr.n++] = F64;
    return pr;
}

static void dot_cases(void) {
    run((vcase){.name = "dot matmul",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(1, SH(1), SH(0), 0, NULL, NULL),
                .nin = 2,
                .in = {R(F64, -1, 1, 2, 3), R(F64, -1, 1, 3, 4)}});
    /* batched matmul (2,3,4) x (2,4,5) -> (2,3,5) */
    run((vcase){.name = "dot batch",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(1, SH(2), SH(1), 1, SH(0), SH(0)),
                .nin = 2,
                .in = {R(F64, -1, 1, 2, 3, 4), R(F64, -1, 1, 2, 4, 5)}});
    /* batch dims not leading: (3,2,4) x (4,5,2), contract 2<->0, batch 1<->2
     * -> (2, 3, 5) */
    run((vcase){.name = "dot batch inner",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(1, SH(2), SH(0), 1, SH(1), SH(2)),
                .nin = 2,
                .in = {R(F64, -1, 1, 3, 2, 4), R(F64, -1, 1, 4, 5, 2)}});
    /* two contracting dims paired out of order: (2,3,4) x (4,3,5) with
     * lhs 1<->rhs 1 and lhs 2<->rhs 0 -> (2, 5) */
    run((vcase){.name = "dot two contract",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(2, SH(1, 2), SH(1, 0), 0, NULL, NULL),
                .nin = 2,
                .in = {R(F64, -1, 1, 2, 3, 4), R(F64, -1, 1, 4, 3, 5)}});
    /* outer product (no contraction) and a full contraction to 0-d */
    run((vcase){.name = "dot outer",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(0, NULL, NULL, 0, NULL, NULL),
                .nin = 2,
                .in = {R(F64, -1, 1, 3), R(F64, -1, 1, 2)}});
    run((vcase){.name = "dot full",
                .p = NUMC_PRIM_DOT_GENERAL,
                .pr = dot_params(2, SH(0, 1), SH(1, 0), 0, NULL, NULL),
                .nin = 2,
                .in = {R(F64, -1, 1, 2, 3), R(F64, -1, 1, 3, 2)}});
    {
        numc_params pr = dot_params(1, SH(1), SH(0), 0, NULL, NULL);
        pr.i[pr.n - 1] = C128;
        run((vcase){.name = "dot complex",
                    .p = NUMC_PRIM_DOT_GENERAL,
                    .pr = pr,
                    .nin = 2,
                    .in = {R(C128, -1, 1, 2, 3), R(C128, -1, 1, 3, 2)}});
    }
}

static void index_cases(void) {
    double ix[4] = {2, 0, 2, 3};
    run((vcase){.name = "gather axis 0",
                .p = NUMC_PRIM_GATHER,
                .pr = {.n = 1, .i = {0}},
                .nin = 2,
                .in = {R(F64, -1, 1, 4, 3), i64(2, SH(2, 2), ix)}});
    double ix1[3] = {1, 1, 0};
    run((vcase){.name = "gather axis 1",
                .p = NUMC_PRIM_GATHER,
                .pr = {.n = 1, .i = {1}},
                .nin = 2,
                .in = {R(F64, -1, 1, 2, 3, 2), i64(1, SH(3), ix1)}});
    /* scatter along axis 1 of a (2,4) at indices [1,3,1] (a duplicate):
     * updates (2,3) */
    double sx[3] = {1, 3, 1};
    const char *names[5] = {"scatter set", "scatter add", "scatter mul", "scatter min",
                            "scatter max"};
    for (int mode = 0; mode < 5; mode++) {
        double lo = mode == 2 ? 0.5 : -1, hi = mode == 2 ? 1.5 : 1;
        run((vcase){.name = names[mode],
                    .p = NUMC_PRIM_SCATTER,
                    .pr = {.n = 2, .i = {1, mode}},
                    .nin = 3,
                    .in = {R(F64, lo, hi, 2, 4), i64(1, SH(3), sx), R(F64, lo, hi, 2, 3)}});
    }
    /* 2-D indices along axis 0 of a (3,2): updates (2,2,2) */
    double sx2[4] = {2, 0, 0, 1};
    run((vcase){.name = "scatter add 2-D indices",
                .p = NUMC_PRIM_SCATTER,
                .pr = {.n = 2, .i = {0, 1}},
                .nin = 3,
                .in = {R(F64, -1, 1, 3, 2), i64(2, SH(2, 2), sx2), R(F64, -1, 1, 2, 2, 2)}});
    run((vcase){.name = "scatter set 2-D indices",
                .p = NUMC_PRIM_SCATTER,
                .pr = {.n = 2, .i = {0, 0}},
                .nin = 3,
                .in = {R(F64, -1, 1, 3, 2), i64(2, SH(2, 2), sx2), R(F64, -1, 1, 2, 2, 2)}});
    double s0[2] = {1, 2};
    run((vcase){.name = "dynamic_slice",
                .p = NUMC_PRIM_DYNAMIC_SLICE,
                .pr = {.n = 2, .i = {2, 3}},
                .nin = 3,
                .in = {R(F64, -1, 1, 4, 5), i64(0, NULL, s0), i64(0, NULL, s0 + 1)}});
    double s1[2] = {4, -1}; /* clamped to (2, 0) */
    run((vcase){.name = "dynamic_slice clamped",
                .p = NUMC_PRIM_DYNAMIC_SLICE,
                .pr = {.n = 2, .i = {2, 3}},
                .nin = 3,
                .in = {R(F64, -1, 1, 4, 5), i64(0, NULL, s1), i64(0, NULL, s1 + 1)}});
    run((vcase){
        .name = "dynamic_update_slice",
        .p = NUMC_PRIM_DYNAMIC_UPDATE_SLICE,
        .nin = 4,
        .in = {R(F64, -1, 1, 4, 5), R(F64, -1, 1, 2, 3), i64(0, NULL, s0), i64(0, NULL, s0 + 1)}});
}

/* ---- exact checks of conventions at non-differentiable points ---- */
static numc_array *rule1(numc_prim p, const numc_params *pr, int nin, const numc_array **in,
                         const numc_array *g, int which) {
    numc_array *out = numc_bind1(p, nin, in, pr), *cti[MAXIN] = {0};
    if (!out) return NULL;
    const numc_array *outs[1] = {out}, *cts[1] = {g};
    numc_status st = numc_prim_vjp(p)(pr, nin, in, 1, outs, cts, cti);
    numc_array_release(out);
    numc_array *r = NULL;
    if (st == NUMC_OK) {
        r = cti[which];
        cti[which] = NULL;
    }
    release_all(cti, nin);
    return r;
}

static bool equals(const numc_array *a, const double *want, int64_t n) {
    if (!a || numc_array_size(a) < n) return false; /* compares the first n */
    for (int64_t k = 0; k < n; k++) {
        double re, im;
        get(a, k, &re, &im);
        if (fabs(re - want[k]) > 1e-12) return false;
    }
    return true;
}

static void convention_cases(void) {
    int64_t live = numc_live_arrays();
    double xv[4] = {1, 3, 3, 2}, yv[4] = {1, 0, 3, 5}, gv[4] = {1, 2, 4, 8};
    numc_array *x = vals(F64, 1, SH(4), xv), *y = vals(F64, 1, SH(4), yv),
               *g = vals(F64, 1, SH(4), gv);
    const numc_array *xy[2] = {x, y}, *xx[1] = {x};
    numc_params none = {.n = 0};
    /* max(x, y): ties split in half */
    numc_array *a = rule1(NUMC_PRIM_MAX, &none, 2, xy, g, 0);
    CHECK(equals(a, (double[]){0.5, 2, 2, 0}, 4));
    numc_array_release(a);
    a = rule1(NUMC_PRIM_MIN, &none, 2, xy, g, 1);
    CHECK(equals(a, (double[]){0.5, 2, 2, 0}, 4));
    numc_array_release(a);
    /* reduce_max over [1,3,3,2]: the two 3s share it */
    numc_params r0 = {.n = 1, .i = {0}};
    numc_array *g0 = numc_scalar_of(F64, 6, 0);
    a = rule1(NUMC_PRIM_REDUCE_MAX, &r0, 1, xx, g0, 0);
    CHECK(equals(a, (double[]){0, 3, 3, 0}, 4));
    numc_array_release(a);
    /* cummax [1,3,3,2] = [1,3,3,3]: outputs 2 and 3 come from the latest 3 */
    numc_params sc = {.n = 2, .i = {0, 0}};
    a = rule1(NUMC_PRIM_CUMMAX, &sc, 1, xx, g, 0);
    CHECK(equals(a, (double[]){1, 2, 12, 0}, 4));
    numc_array_release(a);
    /* reverse cummin [1,3,3,2] = [1,2,2,2]: all but the first come from the 2 */
    numc_params scr = {.n = 2, .i = {0, 1}};
    a = rule1(NUMC_PRIM_CUMMIN, &scr, 1, xx, g, 0);
    CHECK(equals(a, (double[]){1, 0, 0, 14}, 4));
    numc_array_release(a);
    /* abs at 0 has slope +1 (JAX); pow(0, y) */
    double zv[4] = {0, -0.0, -2, 2};
    numc_array *z = vals(F64, 1, SH(4), zv);
    const numc_array *zz[1] = {z};
    a = rule1(NUMC_PRIM_ABS, &none, 1, zz, g, 0);
    CHECK(equals(a, (double[]){1, 2, -4, 8}, 4));
    numc_array_release(a);
    double bv[4] = {0, 0, 0, 0}, ev[4] = {0, 1, 2, 0.5};
    numc_array *b = vals(F64, 1, SH(4), bv), *e = vals(F64, 1, SH(4), ev);
    const numc_array *be[2] = {b, e};
    a = rule1(NUMC_PRIM_POW, &none, 2, be, g, 0); /* y x^(y-1) at 0: 0, 1, 0, inf */
    CHECK(a && equals(a, (double[]){0, 2, 0}, 3));
    numc_array_release(a);
    a = rule1(NUMC_PRIM_POW, &none, 2, be, g, 1); /* z log x at 0: taken as 0 */
    CHECK(equals(a, (double[]){0, 0, 0, 0}, 4));
    numc_array_release(a);
    /* hypot at the origin: 0 */
    a = rule1(NUMC_PRIM_HYPOT, &none, 2, (const numc_array *[]){b, b}, g, 0);
    CHECK(equals(a, (double[]){0, 0, 0, 0}, 4));
    numc_array_release(a);
    /* a symbolic-zero cotangent gives symbolic zeros */
    numc_array *cti[2] = {x, x}, *out = numc_bind1(NUMC_PRIM_MUL, 2, xy, &none);
    const numc_array *outs[1] = {out}, *nocts[1] = {NULL};
    CHECK(numc_prim_vjp(NUMC_PRIM_MUL)(&none, 2, xy, 1, outs, nocts, cti) == NUMC_OK && !cti[0] &&
          !cti[1]);
    numc_array_release(out);
    /* rows without rules */
    CHECK(numc_prim_vjp(NUMC_PRIM_EQ) == NULL && numc_prim_vjp(NUMC_PRIM_FLOOR) == NULL &&
          numc_prim_vjp(NUMC_PRIM_STOP_GRADIENT) == NULL && numc_prim_vjp(NUMC_PRIM_EXP) != NULL);
    numc_array *tmp[] = {x, y, g, g0, z, b, e};
    release_all(tmp, 7);
    CHECK(numc_live_arrays() == live);
}

/* float32 cotangents keep float32 (dtype agreement is checked by the rule
 * runner, which errors otherwise) */
static void dtype_cases(void) {
    numc_dtype dts[3] = {NUMC_FLOAT32, NUMC_FLOAT16, NUMC_COMPLEX64};
    numc_prim ps[4] = {NUMC_PRIM_EXP, NUMC_PRIM_TANH, NUMC_PRIM_SQRT, NUMC_PRIM_ABS};
    for (int d = 0; d < 3; d++)
        for (int k = 0; k < 4; k++) {
            if (dts[d] == NUMC_FLOAT16 && k == 3) continue;
            numc_array *x64 = R(F64, 0.5, 1.5, 2, 2), *x = numc_astype(x64, dts[d]);
            numc_array_release(x64);
            if (!x) continue; /* float16 not built yet */
            const numc_array *in[1] = {x};
            numc_array *out = numc_bind1(ps[k], 1, in, NULL);
            numc_array *g = out ? numc_ones_like(out, NUMC_DTYPE_NONE) : NULL;
            numc_array *a = g ? rule1(ps[k], &(numc_params){0}, 1, in, g, 0) : NULL;
            CHECK(a && numc_array_dtype(a) == dts[d]);
            numc_array_release(a);
            numc_array_release(g);
            numc_array_release(out);
            numc_array_release(x);
        }
}

/* ---- fft (issue 9) ----
 * params {kind (0 c2c, 1 r2c, 2 c2r), inverse, norm, naxes, axes, lengths};
 * c2r's operand has n/2+1 along its real (last) axis, whose imaginary parts
 * at bins 0 and n/2 it ignores (their cotangent is 0, as the FD says). */
static void fft_cases(void) {
    static const struct {
        const char *name;
        int64_t pr[8], shape[2]; /* operand: float64 for r2c, complex128 otherwise */
    } cases[] = {
        {"fft c2c", {0, 0, 0, 1, 1, 3}, {2, 3}},
        {"fft c2c inverse ortho 2-d", {0, 1, 1, 2, 1, 0, 3, 2}, {2, 3}},
        {"fft r2c even", {1, 0, 2, 1, 1, 4}, {2, 4}},
        {"fft r2c odd 2-d", {1, 0, 0, 2, 0, 1, 3, 5}, {3, 5}},
        {"fft c2r even", {2, 1, 2, 1, 1, 4}, {2, 3}},
        {"fft c2r odd 2-d", {2, 1, 1, 2, 0, 1, 2, 5}, {2, 3}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        vcase c = {.name = cases[k].name, .p = NUMC_PRIM_FFT, .nin = 1};
        c.pr.n = 4 + 2 * (int)cases[k].pr[3];
        memcpy(c.pr.i, cases[k].pr, sizeof cases[k].pr);
        c.in[0] = rnd(cases[k].pr[0] == 1 ? F64 : C128, 2, cases[k].shape, -1, 1);
        run(c);
    }
}

int main(void) {
    elementwise_cases();
    complex_cases();
    layout_cases();
    reduce_cases();
    dot_cases();
    index_cases();
    convention_cases();
    dtype_cases();
    fft_cases(); /* ---- fft (issue 9) ---- */
    printf("test_vjp: %d second-order checks\n", second_checks);
    return CHECK_DONE();
}
