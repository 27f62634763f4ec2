/* test_tape.c — the C tape API (numc.h: numc_tape_*, numc_value_and_grad)
 * and the tape's internal extensions (interp/tape.h): first and second order
 * gradients, persistent and one-shot tapes, output gradients, several
 * targets, unconnected and integer sources, custom records with a callback,
 * pausing, out-of-order stops, error kinds, and no leaked arrays. */
#include "interp/tape.h"
#include "interp/interp.h"
#include "check.h"

#include <math.h>
#include <stdio.h>

static numc_array *vec(int n, const double *v) {
    int64_t shape[1] = {n};
    return numc_array_from_data(NUMC_FLOAT64, 1, shape, v);
}

static double at(const numc_array *a, int64_t k) {
    double re = NAN, im = 0;
    if (!a || numc_array_get_f64(a, k, &re, &im) != NUMC_OK) return NAN;
    return re;
}

static bool near(double a, double b) {
    return fabs(a - b) <= 1e-12 * (1 + fabs(b));
}

static void rel(numc_array *a) {
    numc_array_release(a);
}

/* ---- first order: sum(x * x) and sum(sin(x) * w) ---- */
static void first_order(void) {
    double xv[3] = {1, -2, 0.5};
    numc_array *x = vec(3, xv);
    numc_tape *t = numc_tape_new(false);
    CHECK(t && numc_tape_watch(t, x) == NUMC_OK && numc_tape_is_watched(t, x));
    numc_array *xx = numc_multiply(x, x);
    numc_array *y = numc_sum(xx, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_tape_stop(t);
    numc_array *g = NULL;
    const numc_array *src[1] = {x};
    CHECK(numc_tape_gradient(t, y, 1, src, NULL, false, &g) == NUMC_OK);
    for (int k = 0; k < 3; k++)
        CHECK(near(at(g, k), 2 * xv[k]));
    rel(g);
    /* a one-shot tape answers once */
    g = NULL;
    CHECK(numc_tape_gradient(t, y, 1, src, NULL, false, &g) == NUMC_ERR_RUNTIME && g == NULL);
    numc_error_clear();
    numc_tape_free(t);
    rel(xx);
    rel(y);
    rel(x);
}

/* ---- persistent tapes, output gradients, unconnected and int sources ---- */
static void persistent_and_sources(void) {
    double xv[3] = {0.3, -1.2, 2.0}, wv[3] = {1, 2, -3};
    numc_array *x = vec(3, xv), *w = vec(3, wv), *u = vec(3, wv);
    int64_t shape[1] = {3};
    int64_t iv[3] = {1, 2, 3};
    numc_array *xi = numc_array_from_data(NUMC_INT64, 1, shape, iv);
    numc_tape *t = numc_tape_new(true);
    CHECK(numc_tape_watch(t, x) == NUMC_OK);
    CHECK(numc_tape_watch(t, u) == NUMC_OK);
    CHECK(numc_tape_watch(t, xi) == NUMC_OK && !numc_tape_is_watched(t, xi)); /* ints ignored */
    numc_array *s = numc_sin(x);
    numc_tape_stop(t);
    const numc_array *src[3] = {x, u, xi};
    numc_array *g[3];
    for (int rep = 0; rep < 2; rep++) {
        CHECK(numc_tape_gradient(t, s, 3, src, w, false, g) == NUMC_OK);
        for (int k = 0; k < 3; k++)
            CHECK(near(at(g[0], k), wv[k] * cos(xv[k])));
        CHECK(g[1] == NULL && g[2] == NULL);
        for (int i = 0; i < 3; i++)
            rel(g[i]);
    }
    CHECK(numc_tape_gradient(t, s, 3, src, NULL, true, g) == NUMC_OK);
    CHECK(g[1] && near(at(g[1], 0), 0) && near(at(g[1], 2), 0) && g[2] == NULL);
    for (int k = 0; k < 3; k++)
        CHECK(near(at(g[0], k), cos(xv[k])));
    for (int i = 0; i < 3; i++)
        rel(g[i]);
    /* the output gradient must have the target's shape */
    numc_array *bad = vec(2, wv);
    CHECK(numc_tape_gradient(t, s, 1, src, bad, false, g) == NUMC_ERR_VALUE);
    numc_error_clear();
    rel(bad);
    /* several targets in one pass: d(sum(s) + sum(3 x))/dx */
    numc_array *three = numc_scalar_f64(3.0);
    numc_tape_resume(t);
    numc_array *x3 = numc_multiply(x, three);
    numc_tape_stop(t);
    const numc_array *tg[2] = {s, x3};
    CHECK(numc_tape_gradient_n(t, 2, tg, NULL, 1, src, false, g) == NUMC_OK);
    for (int k = 0; k < 3; k++)
        CHECK(near(at(g[0], k), cos(xv[k]) + 3));
    rel(g[0]);
    numc_tape_free(t);
    rel(three);
    rel(x3);
    rel(s);
    rel(x);
    rel(w);
    rel(u);
    rel(xi);
}

/* ---- nested tapes: second and third order of x^3 ---- */
static void nested(void) {
    double xv[2] = {0.7, -1.5};
    numc_array *x = vec(2, xv);
    numc_tape *t3 = numc_tape_new(false);
    numc_tape *t2 = numc_tape_new(false);
    numc_tape *t1 = numc_tape_new(false);
    numc_tape_watch(t3, x);
    numc_tape_watch(t2, x);
    numc_tape_watch(t1, x);
    numc_array *x2 = numc_multiply(x, x);
    numc_array *y = numc_multiply(x2, x);
    numc_tape_stop(t1);
    const numc_array *src[1] = {x};
    numc_array *g1 = NULL, *g2 = NULL, *g3 = NULL;
    CHECK(numc_tape_gradient(t1, y, 1, src, NULL, false, &g1) == NUMC_OK); /* 3x^2 */
    numc_tape_stop(t2);
    CHECK(numc_tape_gradient(t2, g1, 1, src, NULL, false, &g2) == NUMC_OK); /* 6x */
    numc_tape_stop(t3);
    CHECK(numc_tape_gradient(t3, g2, 1, src, NULL, false, &g3) == NUMC_OK); /* 6 */
    for (int k = 0; k < 2; k++) {
        CHECK(near(at(g1, k), 3 * xv[k] * xv[k]));
        CHECK(near(at(g2, k), 6 * xv[k]));
        CHECK(near(at(g3, k), 6));
    }
    numc_tape_free(t1);
    numc_tape_free(t2);
    numc_tape_free(t3);
    rel(g1);
    rel(g2);
    rel(g3);
    rel(x2);
    rel(y);
    rel(x);
}

/* ---- numc_value_and_grad over a C callback with a payload ---- */
typedef struct {
    numc_array *w;
    int calls;
} payload_t;

/* f(x, z) = sum(w * sin(x) * z) */
static numc_status fn(void *p, int nargs, numc_array *const *args, numc_array **result) {
    payload_t *pl = p;
    pl->calls++;
    numc_array *s = numc_sin(args[0]);
    numc_array *sw = s ? numc_multiply(s, pl->w) : NULL;
    numc_array *swz = sw ? numc_multiply(sw, args[1]) : NULL;
    *result = swz ? numc_sum(swz, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    rel(s);
    rel(sw);
    rel(swz);
    return *result ? NUMC_OK : numc_error_kind();
}

static numc_status fn_vector(void *p, int nargs, numc_array *const *args, numc_array **result) {
    *result = numc_sin(args[0]);
    return *result ? NUMC_OK : numc_error_kind();
}

static void value_and_grad(void) {
    double xv[3] = {0.1, 0.9, -2.0}, wv[3] = {2, -1, 0.5}, zv[3] = {1.5, 2, 3};
    payload_t pl = {vec(3, wv), 0};
    numc_array *args[2] = {vec(3, xv), vec(3, zv)};
    int argnums[2] = {0, 1};
    numc_array *value = NULL, *g[2] = {NULL, NULL};
    CHECK(numc_value_and_grad(fn, &pl, 2, args, 2, argnums, &value, g) == NUMC_OK);
    CHECK(pl.calls == 1);
    double expect = 0;
    for (int k = 0; k < 3; k++)
        expect += wv[k] * sin(xv[k]) * zv[k];
    CHECK(near(at(value, 0), expect));
    for (int k = 0; k < 3; k++) {
        CHECK(near(at(g[0], k), wv[k] * cos(xv[k]) * zv[k]));
        CHECK(near(at(g[1], k), wv[k] * sin(xv[k])));
    }
    rel(value);
    rel(g[0]);
    rel(g[1]);
    /* the same array passed twice is two inputs (grad wrt the first only) */
    numc_array *same[2] = {args[0], args[0]};
    CHECK(numc_value_and_grad(fn, &pl, 2, same, 1, argnums, &value, g) == NUMC_OK);
    /* the differentiated argument gets a fresh handle, so the second
     * operand is a constant: d sum(w sin(x) z)/dx at z = x is w cos(x) x */
    for (int k = 0; k < 3; k++)
        CHECK(near(at(g[0], k), wv[k] * cos(xv[k]) * xv[k]));
    rel(value);
    rel(g[0]);
    /* errors: non-scalar output, integer input, argnums out of range */
    CHECK(numc_value_and_grad(fn_vector, &pl, 2, args, 1, argnums, &value, g) == NUMC_ERR_VALUE);
    CHECK(value == NULL);
    numc_error_clear();
    int64_t shape[1] = {3}, iv[3] = {1, 2, 3};
    numc_array *ia[2] = {numc_array_from_data(NUMC_INT64, 1, shape, iv), args[1]};
    CHECK(numc_value_and_grad(fn, &pl, 2, ia, 1, argnums, &value, g) == NUMC_ERR_TYPE);
    numc_error_clear();
    int bad = 5;
    CHECK(numc_value_and_grad(fn, &pl, 2, args, 1, &bad, &value, g) == NUMC_ERR_VALUE);
    numc_error_clear();
    rel(ia[0]);
    rel(args[0]);
    rel(args[1]);
    rel(pl.w);
}

/* ---- second order through numc_value_and_grad inside a tape ---- */
static numc_status cube_sum(void *p, int nargs, numc_array *const *args, numc_array **result) {
    numc_array *x2 = numc_multiply(args[0], args[0]);
    numc_array *x3 = x2 ? numc_multiply(x2, args[0]) : NULL;
    *result = x3 ? numc_sum(x3, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    rel(x2);
    rel(x3);
    return *result ? NUMC_OK : numc_error_kind();
}

static void grad_of_grad(void) {
    double xv[3] = {0.5, -1, 2};
    numc_array *x = vec(3, xv);
    numc_tape *outer = numc_tape_new(false);
    numc_tape_watch(outer, x);
    int argnums[1] = {0};
    numc_array *v = NULL, *g = NULL;
    CHECK(numc_value_and_grad(cube_sum, NULL, 1, &x, 1, argnums, &v, &g) == NUMC_OK);
    numc_tape_stop(outer);
    numc_array *h = NULL;
    const numc_array *src[1] = {x};
    CHECK(numc_tape_gradient(outer, g, 1, src, NULL, false, &h) == NUMC_OK);
    for (int k = 0; k < 3; k++) {
        CHECK(near(at(g, k), 3 * xv[k] * xv[k]));
        CHECK(near(at(h, k), 6 * xv[k]));
    }
    numc_tape_free(outer);
    rel(v);
    rel(g);
    rel(h);
    rel(x);
}

/* ---- custom records: a C backward with a payload ---- */
typedef struct {
    int calls;
    int freed;
    double scale;
} custom_t;

static numc_status custom_bwd(void *p, int nin, const numc_array *const *in, int nout,
                              const numc_array *const *out, const numc_array *const *ct_out,
                              numc_array **ct_in) {
    custom_t *c = p;
    c->calls++;
    if (!ct_out[0]) return NUMC_OK;
    numc_array *s = numc_scalar_f64(c->scale);
    ct_in[0] = numc_multiply(ct_out[0], s);
    rel(s);
    return ct_in[0] ? NUMC_OK : numc_error_kind();
}

static void custom_free(void *p) {
    ((custom_t *)p)->freed++;
}

static void custom_records(void) {
    double xv[2] = {1, 2};
    numc_array *x = vec(2, xv);
    custom_t c = {0, 0, 10.0};
    numc_tape *t = numc_tape_new(true);
    numc_tape_watch(t, x);
    const numc_array *ins[1] = {x};
    CHECK(numc_tape_innermost(1, ins) == t);
    /* the "forward": computed while the tape is paused, then recorded as one op */
    numc_tape_set_recording(t, false);
    CHECK(!numc_tape_is_recording(t));
    CHECK(numc_tape_innermost(1, ins) == NULL);
    numc_array *y = numc_exp(x);
    numc_tape_set_recording(t, true);
    CHECK(!numc_tape_is_watched(t, y));
    /* an output that is an input is refused (and the payload is freed) */
    numc_array *xo[1] = {x};
    custom_t c2 = {0, 0, 1.0};
    CHECK(numc_tape_record_custom(t, 1, ins, 1, xo, custom_bwd, &c2, custom_free) ==
          NUMC_ERR_VALUE);
    CHECK(c2.freed == 1);
    numc_error_clear();
    numc_array *outs[1] = {y};
    CHECK(numc_tape_record_custom(t, 1, ins, 1, outs, custom_bwd, &c, custom_free) == NUMC_OK);
    CHECK(numc_tape_is_watched(t, y));
    numc_array *z = numc_multiply(y, y); /* recorded normally: dz/dy = 2y */
    numc_tape_stop(t);
    const numc_array *src[1] = {x};
    numc_array *g = NULL;
    CHECK(numc_tape_gradient(t, z, 1, src, NULL, false, &g) == NUMC_OK);
    for (int k = 0; k < 2; k++)
        CHECK(near(at(g, k), 2 * exp(xv[k]) * 10));
    CHECK(c.calls == 1);
    rel(g);
    CHECK(numc_tape_accessed(t, x) && numc_tape_accessed(t, y) && !numc_tape_accessed(t, z));
    numc_tape_clear(t);
    CHECK(c.freed == 1);
    CHECK(!numc_tape_accessed(t, x));
    numc_tape_free(t);
    rel(y);
    rel(z);
    rel(x);
}

/* ---- stack discipline: tapes stopped out of order, resumed ---- */
static void stack_order(void) {
    double xv[2] = {1, 2};
    numc_array *x = vec(2, xv);
    numc_interp *base = numc_interp_current();
    numc_tape *a = numc_tape_new(true);
    numc_tape *b = numc_tape_new(true);
    numc_tape_watch(a, x);
    numc_tape_watch(b, x);
    numc_tape_stop(a); /* not on top: unlinked from under b */
    CHECK(!numc_tape_is_active(a) && numc_tape_is_active(b));
    numc_array *y = numc_exp(x); /* only b records */
    CHECK(numc_tape_is_watched(b, y) && !numc_tape_is_watched(a, y));
    numc_tape_stop(b);
    CHECK(numc_interp_current() == base);
    CHECK(numc_tape_resume(a) == NUMC_OK);
    CHECK(numc_tape_resume(a) == NUMC_ERR_RUNTIME);
    numc_error_clear();
    numc_array *y2 = numc_exp(x);
    CHECK(numc_tape_is_watched(a, y2));
    numc_tape_free(a); /* stops it */
    CHECK(numc_interp_current() == base);
    numc_tape_free(b);
    rel(y);
    rel(y2);
    rel(x);
}

int main(void) {
    int64_t live = numc_live_arrays();
    first_order();
    persistent_and_sources();
    nested();
    value_and_grad();
    grad_of_grad();
    custom_records();
    stack_order();
    CHECK(numc_live_arrays() == live);
    return CHECK_DONE();
}
