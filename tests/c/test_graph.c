/* test_graph.c — graph mode from C: tracing numc_ functions into a graph,
 * the passes (DCE, CSE, constant folding), executing the graph (directly and
 * under a tape), leaked tracers, and the control-flow API (numc_cond,
 * numc_while_loop, numc_scan) traced and eager. */
#include "interp/interp.h"
#include "check.h"

#include <stdio.h>

static numc_array *vec(int64_t n, double start, double step) {
    double *d = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++)
        d[i] = start + step * (double)i;
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, 1, &n, d);
    free(d);
    return a;
}

static bool equal(const numc_array *a, const numc_array *b) {
    if (a->dtype != b->dtype || a->ndim != b->ndim || a->size != b->size) return false;
    for (int64_t i = 0; i < a->size; i++) {
        double x = check_at(a, i), y = check_at(b, i);
        if (memcmp(&x, &y, sizeof x)) return false;
    }
    return true;
}

/* y = sin(x) * sin(x) + exp(c) with c constant, plus a dead value */
static numc_array *body_fn(const numc_array *x, numc_array **dead) {
    numc_array *s1 = numc_sin(x), *s2 = numc_sin(x);
    numc_array *p = numc_multiply(s1, s2);
    numc_array *c = vec(x->shape[0], 1.0, 0.5);
    numc_array *e = numc_exp(c);
    numc_array *y = numc_add(p, e);
    if (dead) *dead = numc_cos(x);
    numc_array_release(s1);
    numc_array_release(s2);
    numc_array_release(p);
    numc_array_release(c);
    numc_array_release(e);
    return y;
}

static void test_trace_and_run(void) {
    int64_t n = 5;
    numc_trace *t = numc_trace_begin();
    CHECK(t && numc_trace_active());
    numc_array *x = numc_trace_input(t, NUMC_FLOAT64, 1, &n, false);
    CHECK(x && !x->buffer && numc_tracer_kind_of(x) == NUMC_TRACER_LIVE);
    CHECK(numc_tracer_check(x, "bool") == NUMC_ERR_TYPE);
    CHECK(strstr(numc_error_message(), "numc.cond") != NULL);
    numc_error_clear();
    numc_array *dead = NULL;
    numc_array *y = body_fn(x, &dead);
    CHECK(y && !y->buffer);
    /* shape errors surface at bind time */
    numc_array *bad = vec(3, 0, 1);
    numc_array *z = numc_add(x, bad);
    CHECK(z == NULL);
    numc_error_clear();
    numc_graph *g = numc_trace_end(t, 1, (const numc_array *const *)&y, NULL, NULL);
    CHECK(g && !numc_trace_active());
    CHECK(numc_tracer_kind_of(y) == NUMC_TRACER_LEAKED);
    CHECK(numc_tracer_check(y, "float") == NUMC_ERR_VALUE);
    CHECK(strstr(numc_error_message(), "leaked") != NULL);
    numc_error_clear();
    CHECK(numc_sum(y, NULL, 0, false, NUMC_DTYPE_NONE) == NULL); /* leaked: an error, no crash */
    numc_error_clear();

    CHECK(numc_graph_optimise(g) == NUMC_OK);
    numc_graph_stats s;
    numc_graph_get_stats(g, &s);
    CHECK(s.cse_merged >= 1);  /* the second sin */
    CHECK(s.folded >= 1);      /* exp of a constant */
    CHECK(s.dce_removed >= 1); /* cos */
    CHECK(s.nodes == 3);       /* sin, mul, add */
    CHECK(s.inputs == 1 && s.outputs == 1);
    char *dump = numc_graph_dump(g);
    CHECK(dump && strstr(dump, "sin(") && !strstr(dump, "cos("));
    free(dump);

    numc_array *xc = vec(n, -1.0, 0.7);
    numc_array *out = NULL;
    CHECK(numc_graph_execute(g, 1, (const numc_array *const *)&xc, &out) == NUMC_OK);
    numc_array *exp = body_fn(xc, NULL);
    CHECK(out && exp && equal(out, exp));
    numc_array_release(out);
    /* wrong input shape */
    CHECK(numc_graph_execute(g, 1, (const numc_array *const *)&bad, &out) != NUMC_OK);
    numc_error_clear();

    /* under a tape: the graph's nodes are recorded (inlined) */
    numc_tape *tape = numc_tape_new(false);
    CHECK(numc_tape_watch(tape, xc) == NUMC_OK);
    out = NULL;
    CHECK(numc_graph_execute(g, 1, (const numc_array *const *)&xc, &out) == NUMC_OK);
    numc_tape_stop(tape);
    numc_array *grad = NULL;
    numc_array *tot = numc_sum(out, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_tape_free(tape);
    tape = numc_tape_new(false);
    CHECK(numc_tape_watch(tape, xc) == NUMC_OK);
    numc_array *o2 = NULL;
    CHECK(numc_graph_execute(g, 1, (const numc_array *const *)&xc, &o2) == NUMC_OK);
    numc_array *t2 = numc_sum(o2, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_tape_stop(tape);
    const numc_array *src[1] = {xc};
    CHECK(numc_tape_gradient(tape, t2, 1, src, NULL, false, &grad) == NUMC_OK);
    /* d/dx sin^2 = 2 sin cos = sin(2x) */
    for (int64_t i = 0; grad && i < n; i++) {
        double v = check_at(xc, i);
        CHECK(fabs(check_at(grad, i) - sin(2 * v)) < 1e-12);
    }
    numc_tape_free(tape);
    numc_array_release(grad);
    numc_array_release(o2);
    numc_array_release(t2);
    numc_array_release(tot);
    numc_array_release(out);
    numc_array_release(exp);
    numc_array_release(xc);
    numc_array_release(bad);
    numc_array_release(dead);
    numc_array_release(x);
    numc_array_release(y);
    numc_graph_unref(g);
}

/* a graph built by hand: inputs, a constant, nodes, outputs */
static void test_build_by_hand(void) {
    numc_graph *g = numc_graph_new();
    numc_aval av = {.dtype = NUMC_FLOAT64, .ndim = 1, .shape = {4}};
    int a = numc_graph_add_input(g, &av, false);
    numc_array *k = vec(4, 10, 1);
    int c = numc_graph_add_const(g, k);
    int in[2] = {a, c}, o1, o2, o3;
    CHECK(numc_graph_add_node(g, NUMC_PRIM_ADD, 2, in, NULL, 1, &av, &o1) == NUMC_OK);
    CHECK(numc_graph_add_node(g, NUMC_PRIM_ADD, 2, in, NULL, 1, &av, &o2) == NUMC_OK); /* CSE */
    int in2[2] = {o1, o2};
    CHECK(numc_graph_add_node(g, NUMC_PRIM_MUL, 2, in2, NULL, 1, &av, &o3) == NUMC_OK);
    CHECK(numc_graph_set_outputs(g, 1, &o3) == NUMC_OK);
    CHECK(numc_graph_optimise(g) == NUMC_OK);
    CHECK(g->nnodes == 2 && g->stats.cse_merged == 1);
    numc_array *x = vec(4, 0, 1), *out = NULL;
    CHECK(numc_graph_run(g, 1, (const numc_array *const *)&x, &out) == NUMC_OK);
    for (int i = 0; out && i < 4; i++)
        CHECK(check_at(out, i) == (10.0 + 2 * i) * (10.0 + 2 * i));
    /* intermediates are released after their last use: only the output lives */
    CHECK(out && atomic_load(&out->refcount) == 1);
    numc_array_release(out);
    numc_array_release(x);
    numc_array_release(k);
    numc_graph_release(g);
}

/* ---- control flow ---- */
static numc_status double_it(void *p, int nin, numc_array *const *in, int *nout,
                             numc_array ***out) {
    *nout = 1;
    *out = malloc(sizeof **out);
    numc_array *two = numc_scalar_f64(2.0);
    (*out)[0] = numc_multiply(in[0], two);
    numc_array_release(two);
    return (*out)[0] ? NUMC_OK : numc_error_kind();
}
static numc_status negate(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    *nout = 1;
    *out = malloc(sizeof **out);
    (*out)[0] = numc_negative(in[0]);
    return (*out)[0] ? NUMC_OK : numc_error_kind();
}
static numc_status sum_below(void *p, int nin, numc_array *const *in, int *nout,
                             numc_array ***out) {
    *nout = 1;
    *out = malloc(sizeof **out);
    numc_array *sq = numc_multiply(in[0], in[0]);
    numc_array *s = numc_sum(sq, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array_release(sq);
    numc_array *lim = numc_scalar_f64(100.0);
    (*out)[0] = numc_less(s, lim);
    numc_array_release(s);
    numc_array_release(lim);
    return (*out)[0] ? NUMC_OK : numc_error_kind();
}
/* scan step: carry += x; y = carry * x */
static numc_status step(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    *nout = 2;
    *out = malloc(sizeof **out * 2);
    (*out)[0] = numc_add(in[0], in[1]);
    (*out)[1] = numc_multiply((*out)[0], in[1]);
    return (*out)[0] && (*out)[1] ? NUMC_OK : numc_error_kind();
}

/* runs the control flow on x (eager or inside a trace) */
static void control(const numc_array *x, numc_array **r_cond, numc_array **r_while,
                    numc_array **r_carry, numc_array **r_ys) {
    numc_array *s = numc_sum(x, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array *zero = numc_scalar_f64(0.0);
    numc_array *pred = numc_greater(s, zero);
    numc_traced_fn br[2] = {negate, double_it};
    void *pl[2] = {NULL, NULL};
    int nout = 0;
    numc_array **out = NULL;
    CHECK(numc_cond(pred, 2, br, pl, 1, &x, &nout, &out) == NUMC_OK && nout == 1);
    *r_cond = out ? out[0] : NULL;
    free(out);
    CHECK(numc_while_loop(sum_below, NULL, double_it, NULL, 1, &x, r_while) == NUMC_OK);
    numc_array *init = numc_scalar_of(NUMC_FLOAT64, 0, 0);
    int nys = 0;
    numc_array **ys = NULL;
    CHECK(numc_scan(step, NULL, 1, (const numc_array *const *)&init, 1, &x, -1, false, r_carry,
                    &nys, &ys) == NUMC_OK &&
          nys == 1);
    *r_ys = ys ? ys[0] : NULL;
    free(ys);
    numc_array_release(init);
    numc_array_release(s);
    numc_array_release(zero);
    numc_array_release(pred);
}

static void test_control_flow(void) {
    numc_array *xs[2] = {vec(4, 1, 1), vec(4, -3, 0.5)};
    for (int k = 0; k < 2; k++) {
        numc_array *x = xs[k];
        numc_array *ec, *ew, *ecar, *eys;
        control(x, &ec, &ew, &ecar, &eys);
        double sx = 0;
        for (int i = 0; i < 4; i++)
            sx += check_at(x, i);
        for (int i = 0; ec && i < 4; i++)
            CHECK(check_at(ec, i) == (sx > 0 ? 2 : -1) * check_at(x, i));
        double acc = 0;
        for (int i = 0; eys && i < 4; i++) {
            acc += check_at(x, i);
            CHECK(check_at(eys, i) == acc * check_at(x, i));
        }
        CHECK(ecar && check_at(ecar, 0) == acc);

        /* traced: cond / while / scan_loop nodes */
        int64_t n = 4;
        numc_trace *t = numc_trace_begin();
        numc_array *tx = numc_trace_input(t, NUMC_FLOAT64, 1, &n, false);
        numc_array *r[4];
        control(tx, &r[0], &r[1], &r[2], &r[3]);
        numc_graph *g = numc_trace_end(t, 4, (const numc_array *const *)r, NULL, NULL);
        CHECK(g != NULL);
        if (!g) continue;
        CHECK(numc_graph_optimise(g) == NUMC_OK);
        char *dump = numc_graph_dump(g);
        CHECK(dump && strstr(dump, "cond(") && strstr(dump, "while(") &&
              strstr(dump, "scan_loop("));
        free(dump);
        numc_array *out[4] = {0};
        CHECK(numc_graph_execute(g, 1, (const numc_array *const *)&x, out) == NUMC_OK);
        CHECK(out[0] && equal(out[0], ec));
        CHECK(out[1] && equal(out[1], ew));
        CHECK(out[2] && equal(out[2], ecar));
        CHECK(out[3] && equal(out[3], eys));
        for (int i = 0; i < 4; i++) {
            numc_array_release(out[i]);
            numc_array_release(r[i]);
        }
        numc_array_release(tx);
        numc_graph_unref(g);
        numc_array_release(ec);
        numc_array_release(ew);
        numc_array_release(ecar);
        numc_array_release(eys);
    }
    numc_array_release(xs[0]);
    numc_array_release(xs[1]);
}

int main(void) {
    int64_t live0 = numc_live_arrays();
    test_trace_and_run();
    test_build_by_hand();
    test_control_flow();
    int64_t leaked = numc_live_arrays() - live0;
    CHECK(leaked == 0);
    if (leaked) fprintf(stderr, "%lld arrays leaked\n", (long long)leaked);
    return CHECK_DONE();
}
