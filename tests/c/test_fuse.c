/* test_fuse.c — the fusion pass and memory planner (graph/fuse.c) and the
 * fused executor behind numc_function: the groups formed (members, reads,
 * writes, folded broadcasts, groups closed by outside readers), results
 * bit-identical to the same function run node by node, and the arena (values
 * placed, reuse across calls, no placement of values that leave the call). */
#include "interp/interp.h"
#include "check.h"

static numc_array *vec(numc_dtype dt, int ndim, const int64_t *shape, double start, double step) {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++)
        v[i] = start + step * (double)(i % 17) - 0.01 * (double)i;
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, ndim, shape, v);
    free(v);
    numc_array *r = numc_astype(a, dt);
    numc_array_release(a);
    return r;
}

static numc_array **one(numc_array *y, int *nout) {
    numc_array **o = malloc(sizeof *o);
    o[0] = y;
    *nout = 1;
    return o;
}

/* a*b + c*d */
static numc_status f_abcd(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    numc_array *x = numc_multiply(in[0], in[1]), *y = numc_multiply(in[2], in[3]);
    *out = one(numc_add(x, y), nout);
    numc_array_release(x);
    numc_array_release(y);
    return NUMC_OK;
}

/* exp(x + bias) * 2 with bias broadcast along rows */
static numc_status f_bias(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    numc_array *s = numc_add(in[0], in[1]), *e = numc_exp(s), *two = numc_scalar_f64(2.0);
    *out = one(numc_multiply(e, two), nout);
    numc_array_release(s);
    numc_array_release(e);
    numc_array_release(two);
    return NUMC_OK;
}

/* t = a*b + a; s = sum(t, 1); returns (s*s + s, t*3 if p) : t read by a
 * reduction (closes its group), intermediate in the arena unless returned */
static numc_status f_reduce(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    numc_array *m = numc_multiply(in[0], in[1]), *t = numc_add(m, in[0]);
    int64_t ax = 1;
    numc_array *s = numc_sum(t, &ax, 1, false, NUMC_DTYPE_NONE);
    numc_array *q = numc_multiply(s, s), *y = numc_add(q, s);
    *out = malloc(sizeof **out * 2);
    (*out)[0] = y;
    *nout = 1;
    if (p) {
        int64_t flat = t->size;
        (*out)[1] = numc_reshape(t, 1, &flat);
        *nout = 2;
    }
    numc_array_release(m);
    numc_array_release(t);
    numc_array_release(s);
    numc_array_release(q);
    return NUMC_OK;
}

/* where(x > 0, sqrt(x), -x) as float32 -> float64 */
static numc_status f_select(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    numc_array *z = numc_scalar_f64(0.0), *c = numc_greater(in[0], z), *r = numc_sqrt(in[0]);
    numc_array *n = numc_negative(in[0]), *w = numc_where(c, r, n);
    *out = one(numc_astype(w, NUMC_FLOAT64), nout);
    numc_array_release(z);
    numc_array_release(c);
    numc_array_release(r);
    numc_array_release(n);
    numc_array_release(w);
    return NUMC_OK;
}

static bool bit_equal(const numc_array *a, const numc_array *b) {
    if (!a || !b || a->dtype != b->dtype || a->ndim != b->ndim || a->size != b->size) return false;
    for (int64_t i = 0; i < a->size; i++) {
        double x = check_at(a, i), y = check_at(b, i);
        if (memcmp(&x, &y, sizeof x) && !(isnan(x) && isnan(y))) return false;
    }
    return true;
}

/* Calls fn fused and unfused; checks results are bit-identical; returns the
 * fused function (for plan checks) with its outputs released. */
static numc_function *compare(numc_traced_fn fn, void *payload, int nin,
                              const numc_array *const *in) {
    numc_function *fused = numc_function_new(fn, payload, NULL);
    numc_function *plain = numc_function_new(fn, payload, NULL);
    CHECK(numc_function_set_jit(fused, NUMC_JIT_FUSE) == NUMC_OK);
    CHECK(numc_function_set_jit(plain, NUMC_JIT_OFF) == NUMC_OK);
    CHECK(numc_function_jit(plain) == NUMC_JIT_OFF);
    numc_array *a[4] = {0}, *b[4] = {0};
    int na = 0, nb = 0;
    for (int rep = 0; rep < 2; rep++) {
        CHECK(numc_function_call(fused, nin, in, 4, a, &na) == NUMC_OK);
        CHECK(numc_function_call(plain, nin, in, 4, b, &nb) == NUMC_OK);
        CHECK(na == nb && na > 0);
        for (int k = 0; k < na; k++) {
            CHECK(bit_equal(a[k], b[k]));
            numc_array_release(a[k]);
            numc_array_release(b[k]);
        }
    }
    numc_function_free(plain);
    return fused;
}

static numc_graph *graph_of(numc_function *f, int nin, const numc_array *const *in) {
    numc_function_entry *e;
    CHECK(numc_function_lookup(f, NULL, 0, nin, in, &e, NULL) == NUMC_OK);
    numc_graph *g = numc_function_entry_graph(e);
    numc_function_entry_release(e); /* the cache keeps it */
    return g;
}

static void test_four_inputs_one_group(void) {
    int64_t n = 300001; /* many tiles, split across threads, a short last tile */
    numc_array *in[4];
    for (int k = 0; k < 4; k++)
        in[k] = vec(NUMC_FLOAT32, 1, &n, 0.5 * k, 0.25);
    numc_function *f = compare(f_abcd, NULL, 4, (const numc_array *const *)in);
    numc_graph *g = graph_of(f, 4, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->ngroups == 1);
    const numc_fgroup *gr = &g->fusion->groups[0];
    CHECK(gr->nmembers == 3 && gr->prog->nops == 3 && gr->prog->nin == 4 && gr->prog->nout == 1);
    CHECK(gr->out_vals[0] == g->outputs[0] && gr->pos == gr->members[2]);
    CHECK(g->fusion->arena_values == 0); /* nothing intermediate is materialised */
    numc_fusion_stats s;
    numc_graph_fusion_stats(g, &s);
    CHECK(s.groups == 1 && s.fused_ops == 3);
    char *txt = numc_graph_lower_text(g);
    CHECK(txt && strstr(txt, "fusion group 0: 3 ops") && strstr(txt, "ops mul mul add"));
    free(txt);
    numc_function_free(f);
    for (int k = 0; k < 4; k++)
        numc_array_release(in[k]);
}

static void test_broadcast_folded(void) {
    int64_t sh[2] = {37, 70}, bs = 70;
    numc_array *in[2] = {vec(NUMC_FLOAT64, 2, sh, -1, 0.1), vec(NUMC_FLOAT64, 1, &bs, 0.3, -0.05)};
    numc_function *f = compare(f_bias, NULL, 2, (const numc_array *const *)in);
    numc_graph *g = graph_of(f, 2, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->ngroups == 1);
    const numc_fgroup *gr = &g->fusion->groups[0];
    CHECK(gr->prog->nops == 3 && gr->nfold >= 1);
    bool bias_folded = false;
    for (int q = 0; q < gr->prog->nin; q++)
        if (gr->in_vals[q] == g->inputs[1])
            bias_folded = gr->prog->in[q].ndim == 1 && gr->prog->in[q].dims[0] == 1;
    CHECK(bias_folded);
    for (int q = 0; q < gr->nfold; q++) /* skipped: only the group reads it */
        CHECK(g->fusion->node_group[gr->fold[q]] == 0);
    numc_function_free(f);
    /* a transposed (strided) operand is gathered per tile */
    int64_t perm[2] = {1, 0};
    numc_array *xt = numc_transpose(in[0], perm, 2);
    numc_array *bt = vec(NUMC_FLOAT64, 1, &sh[0], 0.1, 0.01);
    const numc_array *in2[2] = {xt, bt};
    numc_function_free(compare(f_bias, NULL, 2, in2));
    numc_array_release(xt);
    numc_array_release(bt);
    numc_array_release(in[0]);
    numc_array_release(in[1]);
}

static void test_reader_closes_group_and_arena(void) {
    int64_t sh[2] = {64, 300};
    numc_array *in[2] = {vec(NUMC_FLOAT32, 2, sh, 0.5, 0.1), vec(NUMC_FLOAT32, 2, sh, -0.7, 0.2)};
    numc_function *f = compare(f_reduce, NULL, 2, (const numc_array *const *)in);
    numc_graph *g = graph_of(f, 2, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->ngroups == 2);
    const numc_fusion *fz = g->fusion;
    const numc_fgroup *g0 = &fz->groups[0], *g1 = &fz->groups[1];
    CHECK(g0->prog->nops == 2 && g0->prog->nout == 1 && g1->prog->nops == 2);
    /* t (read by the reduction) goes to the arena: it never leaves the call */
    CHECK(fz->arena_values == 1 && fz->arena_off[g0->out_vals[0]] == 0);
    CHECK(fz->arena_bytes >= 64 * 300 * 4);
    /* the arena is allocated once and reused while no result holds it */
    for (int rep = 0; rep < 3; rep++) {
        numc_array *o[2];
        int no;
        CHECK(numc_function_call(f, 2, (const numc_array *const *)in, 2, o, &no) == NUMC_OK);
        numc_array_release(o[0]);
    }
    numc_fusion_stats s;
    numc_graph_fusion_stats(g, &s);
    CHECK(s.arena_allocs == 1 && s.arena_values == 1);
    numc_function_free(f);

    /* returned through a view (reshape), t must not live in the arena: the
     * first call's result survives the second call */
    numc_function *fv = compare(f_reduce, (void *)1, 2, (const numc_array *const *)in);
    g = graph_of(fv, 2, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->arena_values == 0);
    numc_array *o1[2], *o2[2];
    int no;
    CHECK(numc_function_call(fv, 2, (const numc_array *const *)in, 2, o1, &no) == NUMC_OK);
    double first = check_at(o1[1], 7);
    numc_array *other[2] = {in[1], in[0]};
    CHECK(numc_function_call(fv, 2, (const numc_array *const *)other, 2, o2, &no) == NUMC_OK);
    CHECK(check_at(o1[1], 7) == first);
    for (int k = 0; k < 2; k++) {
        numc_array_release(o1[k]);
        numc_array_release(o2[k]);
    }
    numc_function_free(fv);
    numc_array_release(in[0]);
    numc_array_release(in[1]);
}

static void test_select_convert_and_jit_off(void) {
    int64_t n = 3001;
    numc_array *x = vec(NUMC_FLOAT32, 1, &n, -2, 0.3);
    numc_function *f = compare(f_select, NULL, 1, (const numc_array *const *)&x);
    numc_graph *g = graph_of(f, 1, (const numc_array *const *)&x);
    CHECK(g->fusion && g->fusion->ngroups == 1 && g->fusion->groups[0].prog->nops == 5);
    numc_function_free(f);
    numc_function *off = numc_function_new(f_select, NULL, NULL);
    CHECK(numc_function_set_jit(off, NUMC_JIT_OFF) == NUMC_OK);
    g = graph_of(off, 1, (const numc_array *const *)&x);
    CHECK(g->fusion == NULL);
    CHECK(numc_function_set_jit(off, (numc_jit_mode)7) == NUMC_ERR_VALUE);
    numc_error_clear();
    numc_function_free(off);
    numc_array_release(x);
}

/* A group the device cannot run (here: an op without a fused loop) runs its
 * members node by node, with the same results. */
static void test_fallback_node_by_node(void) {
    int64_t n = 777;
    numc_array *in[4];
    for (int k = 0; k < 4; k++)
        in[k] = vec(NUMC_FLOAT64, 1, &n, 0.25 * k, 0.5);
    numc_function *f = numc_function_new(f_abcd, NULL, NULL);
    numc_graph *g = graph_of(f, 4, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->ngroups == 1);
    numc_fused_op *op = &g->fusion->groups[0].prog->ops[0];
    numc_prim saved = op->prim;
    op->prim = NUMC_PRIM_IOTA; /* no elementwise loop */
    numc_array *got, *exp;
    int no;
    CHECK(numc_function_call(f, 4, (const numc_array *const *)in, 1, &got, &no) == NUMC_OK);
    op->prim = saved;
    numc_array *x = numc_multiply(in[0], in[1]), *y = numc_multiply(in[2], in[3]);
    exp = numc_add(x, y);
    CHECK(bit_equal(got, exp));
    numc_array_release(x);
    numc_array_release(y);
    numc_array_release(got);
    numc_array_release(exp);
    numc_function_free(f);
    for (int k = 0; k < 4; k++)
        numc_array_release(in[k]);
}

/* A long chain splits into groups of bounded size, still bit-identical. */
static numc_status f_chain(void *p, int nin, numc_array *const *in, int *nout, numc_array ***out) {
    numc_array *acc = numc_array_retain(in[0]);
    for (int k = 0; k < 40; k++) {
        numc_array *t = (k % 3 == 0)   ? numc_multiply(acc, in[1 + k % 3])
                        : (k % 3 == 1) ? numc_add(acc, in[1 + k % 3])
                                       : numc_subtract(acc, in[1 + k % 3]);
        numc_array_release(acc);
        acc = t;
    }
    *out = one(acc, nout);
    return NUMC_OK;
}

static void test_long_chain(void) {
    int64_t n = 2500;
    numc_array *in[4];
    for (int k = 0; k < 4; k++)
        in[k] = vec(NUMC_FLOAT32, 1, &n, 0.1 * k, 0.01);
    numc_function *f = compare(f_chain, NULL, 4, (const numc_array *const *)in);
    numc_graph *g = graph_of(f, 4, (const numc_array *const *)in);
    CHECK(g->fusion && g->fusion->ngroups == 3 && g->fusion->fused_ops == 40);
    for (int k = 0; k < g->fusion->ngroups; k++)
        CHECK(g->fusion->groups[k].prog->nops <= 16);
    numc_function_free(f);
    for (int k = 0; k < 4; k++)
        numc_array_release(in[k]);
}

/* t = a*b + a (read by a sum and by the next group, whose last reader it
 * is); v = t*3 - 1 written over t's bytes; returns sum(t) + sum(v) */
static numc_status f_inplace(void *p, int nin, numc_array *const *in, int *nout,
                             numc_array ***out) {
    numc_array *m = numc_multiply(in[0], in[1]), *t = numc_add(m, in[0]);
    numc_array *s = numc_sum(t, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array *three = numc_scalar_f64(3.0), *one_ = numc_scalar_f64(1.0);
    numc_array *t3 = numc_multiply(t, three), *v = numc_subtract(t3, one_);
    numc_array *sv = numc_sum(v, NULL, 0, false, NUMC_DTYPE_NONE);
    *out = one(numc_add(s, sv), nout);
    numc_array *rel[] = {m, t, s, three, one_, t3, v, sv};
    for (size_t k = 0; k < sizeof rel / sizeof *rel; k++)
        numc_array_release(rel[k]);
    return NUMC_OK;
}

static void test_inplace_over_dead_input(void) {
    int64_t sh[2] = {50, 40};
    numc_array *in[2] = {vec(NUMC_FLOAT32, 2, sh, 0.5, 0.1), vec(NUMC_FLOAT32, 2, sh, -0.7, 0.2)};
    numc_function *f = compare(f_inplace, NULL, 2, (const numc_array *const *)in);
    numc_graph *g = graph_of(f, 2, (const numc_array *const *)in);
    numc_fusion_stats s;
    numc_graph_fusion_stats(g, &s);
    CHECK(s.groups == 2 && s.arena_values == 2 && s.arena_inplace == 1);
    CHECK(s.arena_bytes == 50 * 40 * 4); /* one buffer's worth for both */
    numc_function_free(f);
    numc_array_release(in[0]);
    numc_array_release(in[1]);
}

int main(void) {
    int64_t live0 = numc_live_arrays();
    test_four_inputs_one_group();
    test_broadcast_folded();
    test_reader_closes_group_and_arena();
    test_select_convert_and_jit_off();
    test_fallback_node_by_node();
    test_long_chain();
    test_inplace_over_dead_input();
    int64_t leaked = numc_live_arrays() - live0;
    CHECK(leaked == 0);
    if (leaked) fprintf(stderr, "%lld arrays leaked\n", (long long)leaked);
    return CHECK_DONE();
}
