/* test_function.c — the C API added with the one-way layers: the
 * traced-function cache (numc_function_*: trace once, call many times, one
 * trace per signature, values equal to eager, gradients through a cached
 * call, and against finite differences; entries: key bytes, state inputs,
 * binding data, forget/clear), numc_tape_jacobian (known values and central finite differences,
 * unconnected sources, one-shot tapes) and numc_stop_gradient. */
#include "numc.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double at(const numc_array *a, int64_t k) {
    double re = NAN, im = 0;
    if (!a || numc_array_get_f64(a, k, &re, &im) != NUMC_OK) return NAN;
    return re;
}

static numc_array *arr(int nd, const int64_t *shape, const double *v) {
    return numc_array_from_data(NUMC_FLOAT64, nd, shape, v);
}

static bool has_shape(const numc_array *a, int nd, const int64_t *shape) {
    return a && numc_array_ndim(a) == nd &&
           !memcmp(numc_array_shape(a), shape, sizeof(int64_t) * (size_t)nd);
}

/* ---- traced functions ---- */
typedef struct {
    int calls; /* how often the body ran (traced or eager) */
    bool freed;
} body_state;

/* (sin(x) * y + x, x - y) */
static numc_status body(void *payload, int nin, numc_array *const *in, int *nout,
                        numc_array ***out) {
    ((body_state *)payload)->calls++;
    if (nin != 2) return numc_error_set(NUMC_ERR_VALUE, "body: expected 2 inputs");
    numc_array *s = numc_sin(in[0]);
    numc_array *m = s ? numc_multiply(s, in[1]) : NULL;
    numc_array *r0 = m ? numc_add(m, in[0]) : NULL;
    numc_array *r1 = numc_subtract(in[0], in[1]);
    numc_array_release(s);
    numc_array_release(m);
    if (!r0 || !r1) {
        numc_array_release(r0);
        numc_array_release(r1);
        return numc_error_kind();
    }
    *out = malloc(2 * sizeof **out);
    (*out)[0] = r0;
    (*out)[1] = r1;
    *nout = 2;
    return NUMC_OK;
}

static void free_state(void *p) {
    ((body_state *)p)->freed = true;
}

static void test_function_cache(void) {
    body_state state = {0};
    numc_function *f = numc_function_new(body, &state, free_state);
    CHECK(f && numc_function_trace_count(f) == 0);
    int64_t shape[1] = {4};
    for (int it = 0; it < 20; it++) {
        double xv[4], yv[4];
        for (int k = 0; k < 4; k++) {
            xv[k] = 0.3 * k - 0.7 + 0.05 * it;
            yv[k] = 1.5 - 0.2 * k * it;
        }
        numc_array *x = arr(1, shape, xv), *y = arr(1, shape, yv);
        const numc_array *in[2] = {x, y};
        numc_array *out[3] = {0};
        int n = -1;
        CHECK(numc_function_call(f, 2, in, 3, out, &n) == NUMC_OK && n == 2);
        /* eager: the body on concrete values */
        int en = 0;
        numc_array **eo = NULL;
        CHECK(body(&state, 2, (numc_array *const *)in, &en, &eo) == NUMC_OK && en == 2);
        for (int j = 0; j < 2 && eo; j++) {
            CHECK(has_shape(out[j], 1, shape) && numc_array_dtype(out[j]) == NUMC_FLOAT64);
            for (int k = 0; k < 4; k++) {
                double want = at(eo[j], k), got = at(out[j], k);
                CHECK(got == want);
                double ref = j == 0 ? sin(xv[k]) * yv[k] + xv[k] : xv[k] - yv[k];
                CHECK(fabs(got - ref) <= 1e-15 * (1 + fabs(ref)));
            }
        }
        for (int j = 0; j < 2; j++) {
            numc_array_release(out[j]);
            if (eo) numc_array_release(eo[j]);
        }
        free(eo);
        numc_array_release(x);
        numc_array_release(y);
    }
    /* 20 calls: one trace, then 20 eager reference runs of the body */
    CHECK(numc_function_trace_count(f) == 1);
    CHECK(state.calls == 21);

    /* a new shape retraces once; the old shape stays cached */
    int64_t s2[2] = {2, 3};
    double v6[6] = {1, 2, 3, 4, 5, 6};
    numc_array *a = arr(2, s2, v6), *b = arr(2, s2, v6);
    const numc_array *in2[2] = {a, b};
    numc_array *o2[2] = {0};
    for (int it = 0; it < 3; it++) {
        CHECK(numc_function_call(f, 2, in2, 2, o2, NULL) == NUMC_OK);
        CHECK(has_shape(o2[0], 2, s2) && fabs(at(o2[0], 5) - (sin(6.0) * 6 + 6)) < 1e-12);
        CHECK(has_shape(o2[1], 2, s2) && at(o2[1], 3) == 0);
        numc_array_release(o2[0]);
        numc_array_release(o2[1]);
    }
    CHECK(numc_function_trace_count(f) == 2);
    /* a weak (Python scalar) input is another signature than a strong 0-d one */
    numc_array *w = numc_scalar_f64(2.0), *sx = numc_array_from_data(NUMC_FLOAT64, 0, NULL, v6);
    CHECK(w && numc_array_is_weak(w) && !numc_array_is_weak(sx));
    const numc_array *in3[2] = {sx, w}, *in4[2] = {sx, sx};
    CHECK(numc_function_call(f, 2, in3, 2, o2, NULL) == NUMC_OK);
    CHECK(fabs(at(o2[0], 0) - (sin(1.0) * 2 + 1)) < 1e-15 && at(o2[1], 0) == -1);
    numc_array_release(o2[0]);
    numc_array_release(o2[1]);
    CHECK(numc_function_trace_count(f) == 3);
    CHECK(numc_function_call(f, 2, in4, 2, o2, NULL) == NUMC_OK);
    numc_array_release(o2[0]);
    numc_array_release(o2[1]);
    CHECK(numc_function_trace_count(f) == 4);
    CHECK(numc_function_call(f, 2, in3, 2, o2, NULL) == NUMC_OK);
    numc_array_release(o2[0]);
    numc_array_release(o2[1]);
    CHECK(numc_function_trace_count(f) == 4);

    /* too little room for the outputs; a wrong arity fails in the body */
    numc_array *one[1] = {0};
    CHECK(numc_function_call(f, 2, in2, 1, one, NULL) == NUMC_ERR_VALUE && one[0] == NULL);
    CHECK(numc_function_call(f, 1, in2, 2, o2, NULL) == NUMC_ERR_VALUE);

    /* gradients through a cached call (one `call` record on the tape) */
    double xv[3] = {0.1, -0.4, 1.3}, yv[3] = {2.0, 0.5, -1.0};
    int64_t s3[1] = {3};
    numc_array *x = arr(1, s3, xv), *y = arr(1, s3, yv);
    int64_t before = numc_function_trace_count(f);
    for (int it = 0; it < 2; it++) {
        numc_tape *t = numc_tape_new(false);
        CHECK(numc_tape_watch(t, x) == NUMC_OK && numc_tape_watch(t, y) == NUMC_OK);
        const numc_array *in[2] = {x, y};
        numc_array *o[2] = {0};
        CHECK(numc_function_call(f, 2, in, 2, o, NULL) == NUMC_OK);
        numc_tape_stop(t);
        const numc_array *src[2] = {x, y};
        numc_array *g[2] = {0};
        CHECK(numc_tape_gradient(t, o[0], 2, src, NULL, false, g) == NUMC_OK);
        for (int k = 0; k < 3; k++) {
            CHECK(fabs(at(g[0], k) - (cos(xv[k]) * yv[k] + 1)) < 1e-14);
            CHECK(fabs(at(g[1], k) - sin(xv[k])) < 1e-15);
        }
        numc_array_release(g[0]);
        numc_array_release(g[1]);
        numc_array_release(o[0]);
        numc_array_release(o[1]);
        numc_tape_free(t);
    }
    CHECK(numc_function_trace_count(f) == before + 1);
    numc_array_release(x);
    numc_array_release(y);
    numc_array_release(a);
    numc_array_release(b);
    numc_array_release(w);
    numc_array_release(sx);
    numc_function_free(f);
    CHECK(state.freed);
}

/* ---- jacobian ---- */
static void test_jacobian_known(void) {
    /* y = W @ x: dy/dx = W (2,3); dy/dW[i, j, k] = (i == j) x[k] */
    int64_t ws[2] = {2, 3}, xs[1] = {3};
    double wv[6] = {1, 2, 3, 4, 5, 6}, xv[3] = {0.5, -1, 2};
    numc_array *W = arr(2, ws, wv), *x = arr(1, xs, xv), *z = arr(1, xs, xv);
    numc_tape *t = numc_tape_new(true);
    CHECK(numc_tape_watch(t, W) == NUMC_OK && numc_tape_watch(t, x) == NUMC_OK &&
          numc_tape_watch(t, z) == NUMC_OK);
    numc_array *y = numc_matmul(W, x);
    numc_tape_stop(t);
    const numc_array *src[3] = {x, W, z};
    numc_array *jac[3] = {0};
    CHECK(numc_tape_jacobian(t, y, 3, src, false, jac) == NUMC_OK);
    int64_t js0[2] = {2, 3}, js1[3] = {2, 2, 3};
    CHECK(has_shape(jac[0], 2, js0) && numc_array_dtype(jac[0]) == NUMC_FLOAT64);
    for (int k = 0; k < 6; k++)
        CHECK(at(jac[0], k) == wv[k]);
    CHECK(has_shape(jac[1], 3, js1));
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 3; k++)
                CHECK(at(jac[1], (i * 2 + j) * 3 + k) == (i == j ? xv[k] : 0));
    CHECK(jac[2] == NULL); /* z is unconnected */
    for (int s = 0; s < 3; s++)
        numc_array_release(jac[s]);
    /* unconnected_zero: zeros of shape target + source; a persistent tape
     * answers again */
    CHECK(numc_tape_jacobian(t, y, 3, src, true, jac) == NUMC_OK);
    CHECK(has_shape(jac[2], 2, js0) && at(jac[2], 0) == 0 && at(jac[2], 5) == 0);
    for (int s = 0; s < 3; s++)
        numc_array_release(jac[s]);
    numc_tape_free(t);

    /* a one-shot tape answers one jacobian call */
    t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, x) == NUMC_OK);
    numc_array *y2 = numc_multiply(x, x);
    numc_tape_stop(t);
    CHECK(numc_tape_jacobian(t, y2, 1, src, false, jac) == NUMC_OK);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            CHECK(at(jac[0], i * 3 + k) == (i == k ? 2 * xv[k] : 0));
    numc_array_release(jac[0]);
    CHECK(numc_tape_jacobian(t, y2, 1, src, false, jac) == NUMC_ERR_RUNTIME && !jac[0]);
    numc_tape_free(t);
    numc_array_release(y);
    numc_array_release(y2);
    numc_array_release(W);
    numc_array_release(x);
    numc_array_release(z);
}

/* f(X) = (sin(X) + X * X) * exp(X), elementwise: (2, 3) -> (2, 3) */
static numc_array *fd_fn(const numc_array *X) {
    numc_array *s = numc_sin(X), *sq = numc_multiply(X, X);
    numc_array *r = s && sq ? numc_add(s, sq) : NULL;
    numc_array *e = r ? numc_exp(X) : NULL;
    numc_array *out = e ? numc_multiply(r, e) : NULL;
    numc_array_release(s);
    numc_array_release(sq);
    numc_array_release(r);
    numc_array_release(e);
    return out;
}

static void test_jacobian_finite_differences(void) {
    int64_t xs[2] = {2, 3};
    double xv[6] = {0.3, -0.8, 1.1, 0.05, -1.4, 0.7};
    numc_array *X = arr(2, xs, xv);
    numc_tape *t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, X) == NUMC_OK);
    numc_array *Y = fd_fn(X);
    numc_tape_stop(t);
    numc_array *J = NULL;
    const numc_array *src[1] = {X};
    CHECK(numc_tape_jacobian(t, Y, 1, src, false, &J) == NUMC_OK);
    int64_t js[4] = {2, 3, 2, 3};
    CHECK(has_shape(J, 4, js));
    const double h = 1e-6;
    for (int k = 0; k < 6; k++) {
        double p[6], m[6];
        memcpy(p, xv, sizeof p);
        memcpy(m, xv, sizeof m);
        p[k] += h;
        m[k] -= h;
        numc_array *Xp = arr(2, xs, p), *Xm = arr(2, xs, m);
        numc_array *Yp = fd_fn(Xp), *Ym = fd_fn(Xm);
        for (int i = 0; i < 6; i++) {
            double fd = (at(Yp, i) - at(Ym, i)) / (2 * h);
            CHECK(fabs(at(J, i * 6 + k) - fd) < 1e-6 * (1 + fabs(fd)));
        }
        numc_array_release(Xp);
        numc_array_release(Xm);
        numc_array_release(Yp);
        numc_array_release(Ym);
    }
    numc_array_release(J);
    /* too many dimensions for the result */
    int64_t big[NUMC_MAX_DIMS / 2 + 1];
    for (int d = 0; d < NUMC_MAX_DIMS / 2 + 1; d++)
        big[d] = 1;
    numc_array *B = numc_array_from_data(NUMC_FLOAT64, NUMC_MAX_DIMS / 2 + 1, big, xv);
    numc_tape *t2 = numc_tape_new(true);
    CHECK(numc_tape_watch(t2, B) == NUMC_OK);
    numc_array *B2 = numc_multiply(B, B);
    numc_tape_stop(t2);
    const numc_array *bs[1] = {B};
    CHECK(numc_tape_jacobian(t2, B2, 1, bs, false, &J) == NUMC_ERR_VALUE && J == NULL);
    numc_tape_free(t2);
    numc_array_release(B);
    numc_array_release(B2);
    numc_tape_free(t);
    numc_array_release(X);
    numc_array_release(Y);
}

/* ---- stop_gradient ---- */
static void test_stop_gradient(void) {
    int64_t xs[1] = {3};
    double xv[3] = {1.5, -2, 0.25};
    numc_array *x = arr(1, xs, xv);
    numc_tape *t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, x) == NUMC_OK);
    numc_array *c = numc_stop_gradient(x);
    CHECK(c && c != x && has_shape(c, 1, xs) && at(c, 1) == -2);
    /* y = x * x + stop_gradient(x) * x: dy/dx = 2x + x */
    numc_array *sq = numc_multiply(x, x), *cx = numc_multiply(c, x);
    numc_array *y = numc_add(sq, cx);
    numc_tape_stop(t);
    numc_array *g = NULL;
    const numc_array *src[1] = {x};
    CHECK(numc_tape_gradient(t, y, 1, src, NULL, false, &g) == NUMC_OK);
    for (int k = 0; k < 3; k++)
        CHECK(at(g, k) == 3 * xv[k]);
    numc_array_release(g);
    numc_tape_free(t);
    /* nothing but the stopped value: unconnected */
    t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, x) == NUMC_OK);
    numc_array *c2 = numc_stop_gradient(x), *y2 = numc_multiply(c2, c2);
    numc_tape_stop(t);
    CHECK(numc_tape_gradient(t, y2, 1, src, NULL, false, &g) == NUMC_OK && g == NULL);
    numc_tape_free(t);
    numc_array_release(c2);
    numc_array_release(y2);
    numc_array_release(c);
    numc_array_release(sq);
    numc_array_release(cx);
    numc_array_release(y);
    numc_array_release(x);
}

/* ---- differentiating through a cached call, against finite differences ---- */
typedef struct {
    numc_function *f;
} loss_state;

/* L(x, y) = sum(f(x, y)[0] * f(x, y)[1]) with f the cached body above */
static numc_status loss(void *payload, int nargs, numc_array *const *args, numc_array **result) {
    numc_function *f = ((loss_state *)payload)->f;
    numc_array *o[2] = {0};
    numc_status st = numc_function_call(f, nargs, (const numc_array *const *)args, 2, o, NULL);
    numc_array *p = st ? NULL : numc_multiply(o[0], o[1]);
    *result = p ? numc_sum(p, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_array_release(p);
    numc_array_release(o[0]);
    numc_array_release(o[1]);
    return st ? st : *result ? NUMC_OK : numc_error_kind();
}

static double loss_at(loss_state *ls, const double *xv, const double *yv, int64_t n) {
    numc_array *x = arr(1, &n, xv), *y = arr(1, &n, yv), *r = NULL;
    numc_array *const in[2] = {x, y};
    double v = loss(ls, 2, in, &r) == NUMC_OK ? at(r, 0) : NAN;
    numc_array_release(r);
    numc_array_release(x);
    numc_array_release(y);
    return v;
}

static void test_grad_through_function_fd(void) {
    body_state state = {0};
    loss_state ls = {numc_function_new(body, &state, NULL)};
    CHECK(ls.f != NULL);
    int64_t n = 5;
    double xv[5] = {0.3, -1.2, 2.0, 0.05, -0.7}, yv[5] = {1.1, 0.4, -0.9, 2.5, -1.6};
    numc_array *x = arr(1, &n, xv), *y = arr(1, &n, yv);
    numc_array *const args[2] = {x, y};
    int argnums[2] = {0, 1};
    numc_array *value = NULL, *grads[2] = {0};
    CHECK(numc_value_and_grad(loss, &ls, 2, args, 2, argnums, &value, grads) == NUMC_OK);
    CHECK(fabs(at(value, 0) - loss_at(&ls, xv, yv, n)) < 1e-12);
    const double h = 1e-6;
    for (int which = 0; which < 2; which++) {
        CHECK(has_shape(grads[which], 1, &n) && numc_array_dtype(grads[which]) == NUMC_FLOAT64);
        for (int k = 0; k < 5; k++) {
            double xp[5], yp[5], xm[5], ym[5];
            memcpy(xp, xv, sizeof xv);
            memcpy(xm, xv, sizeof xv);
            memcpy(yp, yv, sizeof yv);
            memcpy(ym, yv, sizeof yv);
            (which ? yp : xp)[k] += h;
            (which ? ym : xm)[k] -= h;
            double fd = (loss_at(&ls, xp, yp, n) - loss_at(&ls, xm, ym, n)) / (2 * h);
            double got = at(grads[which], k);
            if (!(fabs(got - fd) <= 1e-6 * (1 + fabs(fd))))
                FAIL("d L / d %s[%d]: %.12g, finite differences %.12g", which ? "y" : "x", k, got,
                     fd);
        }
    }
    /* the tape's call and the 40 finite-difference calls share one trace */
    CHECK(numc_function_trace_count(ls.f) == 1 && state.calls == 1);
    numc_array_release(value);
    numc_array_release(grads[0]);
    numc_array_release(grads[1]);
    numc_array_release(x);
    numc_array_release(y);
    numc_function_free(ls.f);
}

/* ---- entries: key bytes, state inputs, binding data ---- */
typedef struct {
    numc_function *f;
    const numc_array *scale, *unused; /* state offered to the trace */
    int traces;
} state_body;

/* x * scale; `unused` is offered as state but not read */
static numc_status scaled(void *payload, int nin, numc_array *const *in, int *nout,
                          numc_array ***out) {
    state_body *sb = payload;
    sb->traces++;
    if (numc_function_state_input(sb->f, sb->unused) != 0 ||
        numc_function_state_input(sb->f, sb->scale) != 1)
        return numc_error_kind();
    numc_array *r = nin == 1 ? numc_multiply(in[0], sb->scale) : NULL;
    if (!r) return nin == 1 ? numc_error_kind() : numc_error_set(NUMC_ERR_VALUE, "one input");
    *out = malloc(sizeof **out);
    (*out)[0] = r;
    *nout = 1;
    return NUMC_OK;
}

static int data_freed;
static void count_free(void *p) {
    data_freed += *(int *)p;
}

static void test_entries_and_state(void) {
    int64_t n = 3, n4 = 4;
    double xv[3] = {1, -2, 0.5}, sv[3] = {2, 3, 4}, s2v[3] = {-1, 0.5, 10}, s4v[4] = {1, 2, 3, 4};
    numc_array *x = arr(1, &n, xv), *s = arr(1, &n, sv), *s2 = arr(1, &n, s2v);
    numc_array *s4 = arr(1, &n4, s4v), *u = arr(1, &n, xv);
    state_body sb = {.scale = s, .unused = u};
    sb.f = numc_function_new(scaled, &sb, NULL);
    CHECK(sb.f && numc_function_state_input(sb.f, s) == -1 && numc_error_kind() == NUMC_ERR_VALUE);
    const numc_array *in[1] = {x};
    numc_function_entry *e = NULL, *e2 = NULL;
    bool traced = false;
    CHECK(numc_function_lookup(sb.f, "A", 1, 1, in, &e, &traced) == NUMC_OK && traced);
    /* only the state the graph reads stays: scale, offered second */
    CHECK(numc_function_entry_num_state(e) == 1 && numc_function_entry_state_index(e, 0) == 1 &&
          numc_function_entry_state_index(e, 1) == -1);
    CHECK(numc_graph_num_inputs(numc_function_entry_graph(e)) == 2);
    int one = 1;
    numc_function_entry_set_data(e, &one, count_free);
    CHECK(numc_function_entry_data(e) == &one);
    /* state is read at each run, not frozen at trace time */
    const numc_array *st2[1] = {s2};
    numc_array *out = NULL;
    CHECK(numc_function_entry_state_matches(e, st2));
    CHECK(numc_function_entry_run(e, 1, in, st2, &out) == NUMC_OK);
    CHECK(out, NUMC_FLOAT64, 1, &n, ((double[]){-1, -1, 5}), 0);
    /* same key: the cached entry; another key: another trace */
    CHECK(numc_function_lookup(sb.f, "A", 1, 1, in, &e2, &traced) == NUMC_OK && !traced && e2 == e);
    numc_function_entry_release(e2);
    CHECK(numc_function_lookup(sb.f, "B", 1, 1, in, &e2, &traced) == NUMC_OK && traced && e2 != e &&
          numc_function_entry_data(e2) == NULL);
    numc_function_entry_release(e2);
    CHECK(numc_function_trace_count(sb.f) == 2 && sb.traces == 2);
    /* state of another shape no longer matches: forget and retrace */
    const numc_array *st4[1] = {s4};
    CHECK(!numc_function_entry_state_matches(e, st4));
    numc_function_forget(sb.f, e);
    CHECK(data_freed == 0); /* the caller's reference keeps it */
    numc_function_entry_release(e);
    CHECK(data_freed == 1);
    sb.scale = s4;
    numc_array *x4 = arr(1, &n4, s4v);
    const numc_array *in4[1] = {x4};
    CHECK(numc_function_lookup(sb.f, "A", 1, 1, in4, &e, &traced) == NUMC_OK && traced);
    CHECK(numc_function_entry_run(e, 1, in4, st4, &out) == NUMC_OK);
    CHECK(out, NUMC_FLOAT64, 1, &n4, ((double[]){1, 4, 9, 16}), 0);
    CHECK(numc_function_entry_run(e, 2, in4, st4, &out) == NUMC_ERR_VALUE);
    /* numc_function_call (no key bytes: a new signature, traced) refuses a
     * function that reads state */
    numc_array *o1[1] = {0};
    CHECK(numc_function_call(sb.f, 1, in4, 1, o1, NULL) == NUMC_ERR_VALUE && !o1[0]);
    numc_function_entry_release(e);
    numc_function_clear(sb.f);
    CHECK(numc_function_lookup(sb.f, "A", 1, 1, in4, &e, &traced) == NUMC_OK && traced);
    numc_function_entry_release(e);
    CHECK(numc_function_trace_count(sb.f) == 5);
    numc_function_free(sb.f);
    numc_array_release(x4);
    numc_array_release(x);
    numc_array_release(s);
    numc_array_release(s2);
    numc_array_release(s4);
    numc_array_release(u);
}

int main(void) {
    int64_t live = numc_live_arrays();
    test_function_cache();
    test_grad_through_function_fd();
    test_entries_and_state();
    test_jacobian_known();
    test_jacobian_finite_differences();
    test_stop_gradient();
    CHECK(numc_live_arrays() == live);
    return CHECK_DONE();
}
