/* control.c — control-flow primitives (call, cond, while, scan_loop): their
 * inference, their direct (eager) execution, the strategy for binding them
 * under other transforms, and the C API that traces bodies into subgraphs
 * (numc_cond, numc_while_loop, numc_scan).
 *
 * Operand layouts (also in prims.def):
 *   call       (inputs...)                         bodies {g}
 *   cond       (index, operands...)                bodies {branch_0, ...}
 *   while      (cond consts, body consts, carry)   bodies {cond, body}; i = [ncc, nbc]
 *   scan_loop  (consts, carry, xs)                 bodies {body}; i = [nc, ncarry, length, reverse]
 * A body's inputs are (its consts..., the carry..., the x slices...) and every
 * branch of a cond takes all the cond's operands (captures included).
 *
 * `call` stays one primitive under every transform: its VJP rule
 * (numc_call_vjp, below) differentiates the body graph into a cached
 * backward graph, and its batching rule runs the body on the batch tracers.
 *
 * Under a tape or vmap (anything but a trace on top) the other primitives inline:
 * bodies run op by op through numc_bind, so the transform sees them. A cond
 * whose index is not concrete then becomes a select between all branches, and
 * a scan unrolls; a while loop whose predicate is not concrete cannot be
 * differentiated (its trip count is data-dependent): a tape watching its
 * operands makes it an error. */
#include "graph.h"
#include "../interp/tape.h"

#include <stdio.h>

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "control flow: out of memory");
}

static bool aval_eq(const numc_aval *a, const numc_aval *b) {
    return a->dtype == b->dtype && a->ndim == b->ndim &&
           memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim) == 0;
}
static bool aval_is(const numc_aval *a, const numc_array *x) {
    return a->dtype == x->dtype && a->ndim == x->ndim &&
           memcmp(a->shape, x->shape, sizeof(int64_t) * (size_t)a->ndim) == 0;
}
static const numc_aval *in_aval(const numc_graph *g, int k) {
    return &g->values[g->inputs[k]].aval;
}
static const numc_aval *out_aval(const numc_graph *g, int k) {
    return &g->values[g->outputs[k]].aval;
}

static void aval_str(char *buf, size_t n, const numc_aval *av) {
    int w = snprintf(buf, n, "%s[", numc_dtype_name(av->dtype));
    for (int d = 0; d < av->ndim && w < (int)n - 24; d++)
        w += snprintf(buf + w, n - (size_t)w, d ? ",%lld" : "%lld", (long long)av->shape[d]);
    snprintf(buf + w, n - (size_t)w, "]");
}

static numc_status mismatch(const char *prim, const char *what, int k, const numc_aval *want,
                            const numc_aval *got) {
    char a[128], b[128];
    aval_str(a, sizeof a, want);
    aval_str(b, sizeof b, got);
    return numc_error_set(NUMC_ERR_TYPE, "%s: %s %d must be %s, got %s", prim, what, k, a, b);
}

static numc_status check_ins(const char *prim, const numc_graph *g, int first, int n,
                             const numc_array *const *in) {
    for (int k = 0; k < n; k++)
        if (!aval_is(in_aval(g, first + k), in[k])) {
            numc_aval got = {.dtype = in[k]->dtype, .ndim = in[k]->ndim};
            memcpy(got.shape, in[k]->shape, sizeof(int64_t) * (size_t)in[k]->ndim);
            return mismatch(prim, "operand", k, in_aval(g, first + k), &got);
        }
    return NUMC_OK;
}

/* ---- inference ---- */
numc_status numc_control_infer(numc_prim p, int nin, const numc_array *const *in,
                               const numc_params *pr, numc_aval *out) {
    const char *name = numc_prim_info[p].name;
    const numc_subgraphs *s = pr ? pr->ptr : NULL;
    if (!s || s->n < 1) return numc_error_set(NUMC_ERR_VALUE, "%s: missing body", name);
    const numc_graph *g = s->g[0];
    switch (p) {
    case NUMC_PRIM_CALL:
        if (nin != g->ninputs)
            return numc_error_set(NUMC_ERR_VALUE, "call: expected %d operands, got %d", g->ninputs,
                                  nin);
        if (check_ins(name, g, 0, nin, in)) return numc_error_kind();
        for (int k = 0; k < g->noutputs; k++)
            out[k] = *out_aval(g, k);
        return NUMC_OK;
    case NUMC_PRIM_COND:
        if (nin < 1 || in[0]->ndim != 0 ||
            !(in[0]->dtype == NUMC_BOOL || numc_dt_is_int(in[0]->dtype)))
            return numc_error_set(NUMC_ERR_TYPE, "cond: the index must be a 0-d bool or integer");
        for (int b = 0; b < s->n; b++) {
            const numc_graph *h = s->g[b];
            if (h->ninputs != nin - 1 || h->noutputs != g->noutputs)
                return numc_error_set(NUMC_ERR_VALUE, "cond: branch %d has the wrong arity", b);
            if (check_ins(name, h, 0, nin - 1, in + 1)) return numc_error_kind();
            for (int k = 0; k < g->noutputs; k++)
                if (!aval_eq(out_aval(h, k), out_aval(g, k)))
                    return mismatch(name, "branch output", k, out_aval(g, k), out_aval(h, k));
        }
        for (int k = 0; k < g->noutputs; k++)
            out[k] = *out_aval(g, k);
        return NUMC_OK;
    case NUMC_PRIM_WHILE: {
        if (s->n != 2 || !pr || pr->n != 2)
            return numc_error_set(NUMC_ERR_VALUE, "while: bad parameters");
        const numc_graph *c = s->g[0], *b = s->g[1];
        int ncc = (int)pr->i[0], nbc = (int)pr->i[1], ncarry = b->noutputs;
        if (ncc < 0 || nbc < 0 || nin != ncc + nbc + ncarry || c->ninputs != ncc + ncarry ||
            b->ninputs != nbc + ncarry || c->noutputs != 1)
            return numc_error_set(NUMC_ERR_VALUE, "while: bad operand counts");
        const numc_aval *pa = out_aval(c, 0);
        if (pa->dtype != NUMC_BOOL || pa->ndim != 0)
            return numc_error_set(NUMC_ERR_TYPE, "while: the condition must be a 0-d bool");
        if (check_ins(name, c, 0, ncc, in) || check_ins(name, c, ncc, ncarry, in + ncc + nbc) ||
            check_ins(name, b, 0, nbc, in + ncc) || check_ins(name, b, nbc, ncarry, in + ncc + nbc))
            return numc_error_kind();
        for (int k = 0; k < ncarry; k++) {
            if (!aval_eq(out_aval(b, k), in_aval(b, nbc + k)))
                return mismatch(name, "body output", k, in_aval(b, nbc + k), out_aval(b, k));
            out[k] = *out_aval(b, k);
        }
        return NUMC_OK;
    }
    case NUMC_PRIM_SCAN_LOOP: {
        if (!pr || pr->n != 4) return numc_error_set(NUMC_ERR_VALUE, "scan_loop: bad parameters");
        int nc = (int)pr->i[0], ncarry = (int)pr->i[1];
        int64_t length = pr->i[2];
        int nxs = nin - nc - ncarry, nys = g->noutputs - ncarry;
        if (nc < 0 || ncarry < 0 || nxs < 0 || nys < 0 || length < 0 || g->ninputs != nin)
            return numc_error_set(NUMC_ERR_VALUE, "scan_loop: bad operand counts");
        if (check_ins(name, g, 0, nc + ncarry, in)) return numc_error_kind();
        for (int k = 0; k < nxs; k++) {
            const numc_array *x = in[nc + ncarry + k];
            const numc_aval *sl = in_aval(g, nc + ncarry + k);
            if (x->ndim != sl->ndim + 1 || x->shape[0] != length || x->dtype != sl->dtype ||
                memcmp(x->shape + 1, sl->shape, sizeof(int64_t) * (size_t)sl->ndim))
                return numc_error_set(NUMC_ERR_VALUE,
                                      "scan_loop: xs %d must have leading dimension %lld and "
                                      "the body's slice shape",
                                      k, (long long)length);
        }
        for (int k = 0; k < ncarry; k++) {
            if (!aval_eq(out_aval(g, k), in_aval(g, nc + k)))
                return mismatch(name, "carry output", k, in_aval(g, nc + k), out_aval(g, k));
            out[k] = *out_aval(g, k);
        }
        for (int k = 0; k < nys; k++) {
            const numc_aval *y = out_aval(g, ncarry + k);
            if (y->ndim + 1 > NUMC_MAX_DIMS)
                return numc_error_set(NUMC_ERR_VALUE, "scan_loop: too many dimensions");
            numc_aval *o = &out[ncarry + k];
            o->dtype = y->dtype;
            o->ndim = y->ndim + 1;
            o->shape[0] = length;
            memcpy(o->shape + 1, y->shape, sizeof(int64_t) * (size_t)y->ndim);
        }
        return NUMC_OK;
    }
    default:
        return numc_error_set(NUMC_ERR_VALUE, "%s is not a control primitive", name);
    }
}

/* ---- helpers that bind primitives (so they work under any transform) ---- */
static numc_array *bind1(numc_prim p, int nin, const numc_array *const *in, const numc_params *pr,
                         bool eager) {
    numc_array *out = NULL;
    numc_status st = eager ? numc_eager_run(p, nin, in, pr, &out) : numc_bind(p, nin, in, pr, &out);
    return st ? NULL : out;
}

/* x[t] (drops axis 0) */
static numc_array *take_row(const numc_array *x, int64_t t, bool eager) {
    if (eager && x->buffer)
        return numc_array_view(x, x->ndim - 1, x->shape + 1, x->strides + 1,
                               x->offset + t * x->strides[0]);
    numc_params sl = {.n = 3 * x->ndim};
    for (int d = 0; d < x->ndim; d++) {
        sl.i[d] = d == 0 ? t : 0;
        sl.i[x->ndim + d] = d == 0 ? t + 1 : x->shape[d];
        sl.i[2 * x->ndim + d] = 1;
    }
    const numc_array *in[1] = {x};
    numc_array *s = bind1(NUMC_PRIM_SLICE, 1, in, &sl, false);
    if (!s) return NULL;
    numc_params rs = {.n = x->ndim - 1};
    memcpy(rs.i, x->shape + 1, sizeof(int64_t) * (size_t)(x->ndim - 1));
    in[0] = s;
    numc_array *r = bind1(NUMC_PRIM_RESHAPE, 1, in, &rs, false);
    numc_array_release(s);
    return r;
}

/* Stacks rows[0..length) (each of aval y) along a new axis 0. */
static numc_array *stack_rows(numc_array **rows, int64_t length, const numc_aval *y, bool eager) {
    if (length == 0) {
        int64_t shape[NUMC_MAX_DIMS];
        shape[0] = 0;
        memcpy(shape + 1, y->shape, sizeof(int64_t) * (size_t)y->ndim);
        return numc_array_new(y->dtype, y->ndim + 1, shape);
    }
    const numc_array **parts = malloc(sizeof *parts * (size_t)length);
    if (!parts) return oom(), NULL;
    numc_params rs = {.n = y->ndim + 1};
    rs.i[0] = 1;
    memcpy(rs.i + 1, y->shape, sizeof(int64_t) * (size_t)y->ndim);
    numc_status st = NUMC_OK;
    int64_t made = 0;
    for (; made < length; made++) {
        const numc_array *in[1] = {rows[made]};
        if (!(parts[made] = bind1(NUMC_PRIM_RESHAPE, 1, in, &rs, eager))) {
            st = numc_error_kind();
            break;
        }
    }
    numc_array *r = NULL;
    if (!st) {
        if (length > INT32_MAX) st = numc_error_set(NUMC_ERR_VALUE, "scan: too long");
        numc_params cc = {.n = 1, .i = {0}};
        if (!st) r = bind1(NUMC_PRIM_CONCATENATE, (int)length, parts, &cc, eager);
    }
    for (int64_t k = 0; k < made; k++)
        numc_array_release((numc_array *)parts[k]);
    free(parts);
    return r;
}

static numc_status read_index(const numc_array *idx, int n, int *branch) {
    double re = 0, im = 0;
    numc_status st = numc_array_get_f64(idx, 0, &re, &im);
    if (st) return st;
    int64_t k = (int64_t)re;
    if (k < 0) k = 0;
    if (k > n - 1) k = n - 1;
    *branch = (int)k;
    return NUMC_OK;
}

static numc_status read_bool(const numc_array *p, bool *v) {
    double re = 0, im = 0;
    numc_status st = numc_array_get_f64(p, 0, &re, &im);
    *v = re != 0;
    return st;
}

/* runs a body with the right mode */
static numc_status body(numc_graph *g, int nin, const numc_array *const *in, numc_array **out,
                        bool eager) {
    return eager ? numc_graph_run_eager(g, nin, in, out) : numc_graph_run(g, nin, in, out);
}

static void release_all(numc_array **a, int n) {
    for (int k = 0; k < n; k++) {
        numc_array_release(a[k]);
        a[k] = NULL;
    }
}

static numc_status run_while(const numc_subgraphs *s, const numc_params *pr, int nin,
                             const numc_array *const *in, numc_array **out, bool eager) {
    numc_graph *c = s->g[0], *b = s->g[1];
    int ncc = (int)pr->i[0], nbc = (int)pr->i[1], ncarry = nin - ncc - nbc;
    const numc_array **cin = malloc(sizeof *cin * (size_t)(ncc + ncarry + 1));
    const numc_array **bin = malloc(sizeof *bin * (size_t)(nbc + ncarry + 1));
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_status st = cin && bin && carry ? NUMC_OK : oom();
    for (int k = 0; !st && k < ncc; k++)
        cin[k] = in[k];
    for (int k = 0; !st && k < nbc; k++)
        bin[k] = in[ncc + k];
    for (int k = 0; !st && k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)in[ncc + nbc + k]);
    while (!st) {
        for (int k = 0; k < ncarry; k++)
            cin[ncc + k] = bin[nbc + k] = carry[k];
        numc_array *pred = NULL;
        st = body(c, ncc + ncarry, cin, &pred, eager);
        if (st) break;
        bool go = false;
        if (!pred->buffer) {
            /* the predicate is traced or batched: this loop cannot run here */
            st = numc_tracer_check(pred, "while_loop condition");
            numc_array_release(pred);
            break;
        }
        st = read_bool(pred, &go);
        numc_array_release(pred);
        if (st || !go) break;
        numc_array **next = out; /* reuse out[] as scratch */
        st = body(b, nbc + ncarry, bin, next, eager);
        if (st) break;
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = next[k];
            next[k] = NULL;
        }
    }
    if (!st)
        for (int k = 0; k < ncarry; k++)
            out[k] = carry[k];
    else if (carry)
        release_all(carry, ncarry);
    free(cin);
    free(bin);
    free(carry);
    return st;
}

static numc_status run_scan(const numc_subgraphs *s, const numc_params *pr, int nin,
                            const numc_array *const *in, numc_array **out, bool eager) {
    numc_graph *g = s->g[0];
    int nc = (int)pr->i[0], ncarry = (int)pr->i[1];
    int64_t length = pr->i[2];
    bool reverse = pr->i[3] != 0;
    int nxs = nin - nc - ncarry, nys = g->noutputs - ncarry;
    const numc_array **bin = malloc(sizeof *bin * (size_t)(nin + 1));
    numc_array **res = calloc((size_t)g->noutputs + 1, sizeof *res);
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_array **xt = calloc((size_t)nxs + 1, sizeof *xt);
    numc_array **rows = calloc((size_t)nys * (size_t)length + 1, sizeof *rows);
    numc_status st = bin && res && carry && xt && rows ? NUMC_OK : oom();
    for (int k = 0; !st && k < nc; k++)
        bin[k] = in[k];
    for (int k = 0; !st && k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)in[nc + k]);
    for (int64_t it = 0; !st && it < length; it++) {
        int64_t t = reverse ? length - 1 - it : it;
        for (int k = 0; k < ncarry; k++)
            bin[nc + k] = carry[k];
        for (int k = 0; k < nxs && !st; k++) {
            xt[k] = take_row(in[nc + ncarry + k], t, eager);
            if (!xt[k]) st = numc_error_kind();
            bin[nc + ncarry + k] = xt[k];
        }
        if (!st) st = body(g, nin, bin, res, eager);
        release_all(xt, nxs);
        if (st) break;
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = res[k];
        }
        for (int k = 0; k < nys; k++)
            rows[(size_t)k * (size_t)length + (size_t)t] = res[ncarry + k];
    }
    for (int k = 0; !st && k < nys; k++) {
        out[ncarry + k] = stack_rows(rows + (size_t)k * (size_t)length, length,
                                     &g->values[g->outputs[ncarry + k]].aval, eager);
        if (!out[ncarry + k]) {
            st = numc_error_kind();
            release_all(out + ncarry, k);
        }
    }
    if (!st)
        for (int k = 0; k < ncarry; k++)
            out[k] = carry[k];
    else if (carry)
        release_all(carry, ncarry);
    if (rows) release_all(rows, nys * (int)length);
    free(bin);
    free(res);
    free(carry);
    free(xt);
    free(rows);
    return st;
}

numc_status numc_control_eager(numc_prim p, int nin, const numc_array *const *in,
                               const numc_params *pr, numc_array **out) {
    const numc_subgraphs *s = pr ? pr->ptr : NULL;
    int nout = numc_graph_prim_nout(p, pr);
    if (nout < 0) return numc_error_kind();
    for (int k = 0; k < nin; k++)
        if (!in[k]->buffer) return numc_tracer_check(in[k], numc_prim_info[p].name);
    numc_aval avs[8], *av = nout <= 8 ? avs : malloc(sizeof *av * (size_t)nout);
    if (!av) return oom();
    numc_status st = numc_control_infer(p, nin, in, pr, av);
    if (av != avs) free(av);
    if (st) return st;
    switch (p) {
    case NUMC_PRIM_CALL:
        return numc_graph_run_eager(s->g[0], nin, in, out);
    case NUMC_PRIM_COND: {
        int b;
        if ((st = read_index(in[0], s->n, &b))) return st;
        return numc_graph_run_eager(s->g[b], nin - 1, in + 1, out);
    }
    case NUMC_PRIM_WHILE:
        return run_while(s, pr, nin, in, out, true);
    case NUMC_PRIM_SCAN_LOOP:
        return run_scan(s, pr, nin, in, out, true);
    default:
        return numc_error_set(NUMC_ERR_VALUE, "%s is not a control primitive",
                              numc_prim_info[p].name);
    }
}

/* ---- binding under transforms ---- */
static numc_array *const_like(numc_dtype dt, double v) {
    numc_array *c = numc_scalar_of(dt, v, 0);
    if (!c) return NULL;
    numc_params pr = {.n = 0, .ptr = c};
    numc_array *r = numc_bind1(NUMC_PRIM_CONSTANT, 0, NULL, &pr);
    numc_array_release(c);
    return r;
}

static numc_array *bcast_to(const numc_array *x, const numc_aval *av) {
    if (av->ndim == 0) return numc_array_retain((numc_array *)x);
    numc_params bc = {.n = 1 + av->ndim};
    bc.i[0] = av->ndim;
    memcpy(bc.i + 1, av->shape, sizeof(int64_t) * (size_t)av->ndim);
    const numc_array *in[1] = {x};
    return numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, in, &bc);
}

/* cond with a non-concrete index under a tape or vmap: every branch runs and
 * select picks (out = branch k where index == k, clamped like XLA). */
static numc_status cond_select(const numc_subgraphs *s, int nin, const numc_array *const *in,
                               numc_array **out) {
    int nout = s->g[0]->noutputs;
    numc_array **tmp = calloc((size_t)nout + 1, sizeof *tmp);
    if (!tmp) return oom();
    numc_status st = numc_graph_run(s->g[0], nin - 1, in + 1, out);
    const numc_array *idx = in[0];
    for (int b = 1; !st && b < s->n; b++) {
        st = numc_graph_run(s->g[b], nin - 1, in + 1, tmp);
        if (st) break;
        numc_array *mask;
        if (idx->dtype == NUMC_BOOL) {
            mask = numc_array_retain((numc_array *)idx);
        } else {
            numc_array *kc = const_like(idx->dtype, b);
            const numc_array *ci[2] = {idx, kc};
            mask = kc ? numc_bind1(b == s->n - 1 ? NUMC_PRIM_GE : NUMC_PRIM_EQ, 2, ci, NULL) : NULL;
            numc_array_release(kc);
        }
        if (!mask) st = numc_error_kind();
        for (int k = 0; !st && k < nout; k++) {
            const numc_aval *av = &s->g[0]->values[s->g[0]->outputs[k]].aval;
            numc_array *m = bcast_to(mask, av);
            const numc_array *si[3] = {m, tmp[k], out[k]};
            numc_array *r = m ? numc_bind1(NUMC_PRIM_SELECT, 3, si, NULL) : NULL;
            numc_array_release(m);
            if (!r) {
                st = numc_error_kind();
                break;
            }
            numc_array_release(out[k]);
            out[k] = r;
        }
        numc_array_release(mask);
        release_all(tmp, nout);
    }
    if (st) release_all(out, nout);
    free(tmp);
    return st;
}

/* A tape below the current top (up to the nearest trace) watching one of the
 * operands? Then a while loop with a traced predicate cannot be recorded. */
static bool watched_by_a_tape(int nin, const numc_array *const *in) {
    for (numc_interp *it = numc_interp_current(); it && it != numc_interp_eager();
         it = it->parent) {
        if (strcmp(it->vt->name, "trace") == 0) break;
        if (strcmp(it->vt->name, "tape") != 0) continue;
        for (int k = 0; k < nin; k++)
            if (numc_tape_is_watched((const numc_tape *)it->state, in[k])) return true;
    }
    return false;
}

static bool all_concrete(int nin, const numc_array *const *in) {
    for (int k = 0; k < nin; k++)
        if (!in[k]->buffer) return false;
    return true;
}

numc_status numc_control_bind(numc_prim p, int nin, const numc_array *const *in,
                              const numc_params *pr, numc_array **out) {
    if (numc_interp_current() == numc_interp_eager())
        return numc_control_eager(p, nin, in, pr, out);
    /* call is a primitive of its own under every transform: a tape records
     * one record (numc_call_vjp), a trace one node, vmap runs its rule */
    if (numc_trace_is_current() || p == NUMC_PRIM_CALL) return numc_bind(p, nin, in, pr, out);
    int nout = numc_graph_prim_nout(p, pr);
    if (nout < 0) return numc_error_kind();
    numc_aval avs[8], *av = nout <= 8 ? avs : malloc(sizeof *av * (size_t)nout);
    if (!av) return oom();
    numc_status st = numc_control_infer(p, nin, in, pr, av);
    if (av != avs) free(av);
    if (st) return st;
    const numc_subgraphs *s = pr->ptr;
    switch (p) {
    case NUMC_PRIM_COND:
        if (in[0]->buffer) {
            int b;
            if ((st = read_index(in[0], s->n, &b))) return st;
            return numc_graph_run(s->g[b], nin - 1, in + 1, out);
        }
        return cond_select(s, nin, in, out);
    case NUMC_PRIM_SCAN_LOOP:
        return run_scan(s, pr, nin, in, out, false);
    case NUMC_PRIM_WHILE: {
        /* run it here when the predicate turns out concrete on every step */
        numc_graph *c = s->g[0];
        int ncc = (int)pr->i[0], nbc = (int)pr->i[1], ncarry = nin - ncc - nbc;
        const numc_array **cin = malloc(sizeof *cin * (size_t)(ncc + ncarry + 1));
        if (!cin) return oom();
        for (int k = 0; k < ncc; k++)
            cin[k] = in[k];
        for (int k = 0; k < ncarry; k++)
            cin[ncc + k] = in[ncc + nbc + k];
        numc_array *pred = NULL;
        st = numc_graph_run(c, ncc + ncarry, cin, &pred);
        free(cin);
        if (st) return st;
        bool concrete = pred->buffer != NULL;
        numc_array_release(pred);
        if (concrete && all_concrete(nin, in)) return run_while(s, pr, nin, in, out, false);
        if (watched_by_a_tape(nin, in))
            return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                                  "Reverse-mode differentiation does not work for numc.while_loop "
                                  "with a dynamic trip count; use numc.fori_loop (with concrete "
                                  "bounds) or numc.scan");
        if (concrete) return run_while(s, pr, nin, in, out, false);
        return numc_bind(p, nin, in, pr, out);
    }
    default:
        return numc_error_set(NUMC_ERR_VALUE, "%s is not a control primitive",
                              numc_prim_info[p].name);
    }
}

/* ---- the VJP of call: the body graph, transformed ---- */
const int numc_call_vjp_inline_marker = 0;

static bool aval_inexact(const numc_aval *av) {
    return numc_dt_is_inexact(av->dtype);
}

/* Traces the backward body of g (see numc_call_vjp in graph.h). NULL with the
 * error set if g cannot be differentiated that way. */
static numc_subgraphs *trace_call_bwd(numc_graph *g) {
    int nin = g->ninputs, nout = g->noutputs, nct = 0, nsrc = 0;
    for (int k = 0; k < nout; k++)
        nct += aval_inexact(out_aval(g, k));
    for (int k = 0; k < nin; k++)
        nsrc += aval_inexact(in_aval(g, k));
    numc_array **tin = calloc((size_t)(nin + nct) + 1, sizeof *tin), **tct = tin ? tin + nin : NULL;
    numc_array **outs = calloc((size_t)nout + 1, sizeof *outs);
    numc_array **grads = calloc((size_t)nsrc + 1, sizeof *grads);
    const numc_array **targets = calloc((size_t)nct + 1, sizeof *targets);
    const numc_array **srcs = calloc((size_t)nsrc + 1, sizeof *srcs);
    numc_status st = tin && outs && grads && targets && srcs ? NUMC_OK : oom();
    numc_trace *t = st ? NULL : numc_trace_begin();
    if (!st && !t) st = numc_error_kind();
    for (int k = 0; !st && k < nin; k++) {
        const numc_gvalue *v = &g->values[g->inputs[k]];
        if (!(tin[k] = numc_trace_input(t, v->aval.dtype, v->aval.ndim, v->aval.shape, v->weak)))
            st = numc_error_kind();
    }
    for (int k = 0, j = 0; !st && k < nout; k++) {
        const numc_aval *av = out_aval(g, k);
        if (!aval_inexact(av)) continue;
        if (!(tct[j++] = numc_trace_input(t, av->dtype, av->ndim, av->shape, false)))
            st = numc_error_kind();
    }
    numc_tape *tp = st ? NULL : numc_tape_new(false);
    if (!st && !tp) st = numc_error_kind();
    for (int k = 0; !st && k < nin; k++)
        st = numc_tape_watch(tp, tin[k]);
    bool ran = false;
    if (!st) ran = !(st = numc_graph_run(g, nin, (const numc_array *const *)tin, outs));
    if (tp) numc_tape_stop(tp);
    for (int k = 0, j = 0; !st && k < nout; k++)
        if (aval_inexact(out_aval(g, k))) targets[j++] = outs[k];
    for (int k = 0, j = 0; !st && k < nin; k++)
        if (aval_inexact(in_aval(g, k))) srcs[j++] = tin[k];
    if (!st)
        st = numc_tape_gradient_n(tp, nct, targets, (const numc_array *const *)tct, nsrc, srcs,
                                  true, grads);
    numc_tape_free(tp);
    numc_graph *h = NULL;
    if (t) {
        if (!st) {
            h = numc_trace_end(t, nsrc, (const numc_array *const *)grads, NULL, NULL);
            if (!h || numc_graph_optimise(h)) st = numc_error_kind();
        } else {
            numc_trace_abort(t);
        }
    }
    if (ran) release_all(outs, nout);
    if (tin) release_all(tin, nin + nct);
    if (grads) release_all(grads, nsrc);
    free(tin);
    free(outs);
    free(grads);
    free(targets);
    free(srcs);
    numc_subgraphs *s = !st && h ? numc_subgraphs_new(1, &h) : NULL;
    numc_graph_release(h);
    return s;
}

/* The cached backward body (borrowed: g keeps it), or NUMC_CALL_VJP_INLINE. */
static numc_subgraphs *call_bwd(numc_graph *g) {
    numc_subgraphs *s = atomic_load(&g->vjp_body);
    if (s) return s;
    s = trace_call_bwd(g);
    if (!s) {
        if (numc_error_kind() == NUMC_ERR_MEMORY) return NULL;
        numc_error_clear();
        s = NUMC_CALL_VJP_INLINE;
    }
    numc_subgraphs *expected = NULL;
    if (!atomic_compare_exchange_strong(&g->vjp_body, &expected, s)) {
        if (s != NUMC_CALL_VJP_INLINE) numc_subgraphs_release(s);
        s = expected;
    }
    return s;
}

/* A zero cotangent of aval av, bound (so any transform sees a constant). */
static numc_array *zeros_of(const numc_aval *av) {
    numc_array *z = const_like(av->dtype, 0);
    if (!z) return NULL;
    numc_array *r = bcast_to(z, av);
    numc_array_release(z);
    return r;
}

/* The fallback: the body re-run node by node under a local tape (on fresh
 * handles of the inputs, so an operand passed twice gets its own share). */
static numc_status call_vjp_inline(numc_graph *g, int nin, const numc_array *const *in,
                                   const numc_array *const *ct_out, numc_array **ct_in) {
    int nout = g->noutputs;
    numc_array **fresh = calloc((size_t)nin + 1, sizeof *fresh);
    numc_array **outs = calloc((size_t)nout + 1, sizeof *outs);
    const numc_array **targets = calloc((size_t)nout + 1, sizeof *targets);
    const numc_array **ogs = calloc((size_t)nout + 1, sizeof *ogs);
    numc_status st = fresh && outs && targets && ogs ? NUMC_OK : oom();
    for (int k = 0; !st && k < nin; k++) {
        numc_params rs = {.n = in[k]->ndim};
        memcpy(rs.i, in[k]->shape, sizeof(int64_t) * (size_t)in[k]->ndim);
        if (!(fresh[k] = numc_bind1(NUMC_PRIM_RESHAPE, 1, in + k, &rs))) st = numc_error_kind();
    }
    numc_tape *tp = st ? NULL : numc_tape_new(false);
    if (!st && !tp) st = numc_error_kind();
    for (int k = 0; !st && k < nin; k++)
        st = numc_tape_watch(tp, fresh[k]);
    bool ran = false;
    if (!st) ran = !(st = numc_graph_run(g, nin, (const numc_array *const *)fresh, outs));
    if (tp) numc_tape_stop(tp);
    int nt = 0;
    for (int k = 0; !st && k < nout; k++)
        if (ct_out[k] && numc_dt_is_inexact(outs[k]->dtype)) {
            targets[nt] = outs[k];
            ogs[nt++] = ct_out[k];
        }
    if (!st)
        st = numc_tape_gradient_n(tp, nt, targets, ogs, nin, (const numc_array *const *)fresh,
                                  false, ct_in);
    numc_tape_free(tp);
    if (ran) release_all(outs, nout);
    if (fresh) release_all(fresh, nin);
    free(fresh);
    free(outs);
    free(targets);
    free(ogs);
    return st;
}

numc_status numc_call_vjp(const numc_params *pr, int nin, const numc_array *const *in, int nout,
                          const numc_array *const *out, const numc_array *const *ct_out,
                          numc_array **ct_in) {
    (void)out; /* outputs the tape found aliased to an input are NULL here */
    const numc_subgraphs *s = pr ? pr->ptr : NULL;
    if (!s || s->n != 1 || s->g[0]->ninputs != nin || s->g[0]->noutputs != nout)
        return numc_error_set(NUMC_ERR_VALUE, "vjp of call: bad parameters");
    numc_graph *g = s->g[0];
    for (int k = 0; k < nin; k++)
        ct_in[k] = NULL;
    numc_subgraphs *b = call_bwd(g);
    if (!b) return numc_error_kind();
    if (b == NUMC_CALL_VJP_INLINE) return call_vjp_inline(g, nin, in, ct_out, ct_in);
    int nct = 0, nsrc = b->g[0]->noutputs;
    for (int k = 0; k < nout; k++)
        nct += aval_inexact(out_aval(g, k));
    const numc_array **bin = calloc((size_t)(nin + nct) + 1, sizeof *bin);
    numc_array **zeros = calloc((size_t)nct + 1, sizeof *zeros);
    numc_array **grads = calloc((size_t)nsrc + 1, sizeof *grads);
    numc_status st = bin && zeros && grads ? NUMC_OK : oom();
    for (int k = 0; !st && k < nin; k++)
        bin[k] = in[k];
    for (int k = 0, j = 0; !st && k < nout; k++) {
        if (!aval_inexact(out_aval(g, k))) continue;
        if (ct_out[k]) {
            bin[nin + j++] = ct_out[k];
        } else {
            if (!(zeros[j] = zeros_of(out_aval(g, k)))) st = numc_error_kind();
            bin[nin + j] = zeros[j];
            j++;
        }
    }
    if (!st) {
        numc_params bp = {.n = 0, .ptr = b};
        st = numc_bind(NUMC_PRIM_CALL, nin + nct, bin, &bp, grads);
    }
    for (int k = 0, j = 0; !st && k < nin; k++)
        if (aval_inexact(in_aval(g, k))) {
            ct_in[k] = grads[j];
            grads[j++] = NULL;
        }
    if (st && grads) release_all(grads, nsrc);
    if (zeros) release_all(zeros, nct);
    free(bin);
    free(zeros);
    free(grads);
    return st;
}

/* ---- tracing bodies: the C API ---- */
typedef struct {
    numc_graph *g;
    int ncap;
    numc_array **cap; /* values to pass for the captured inputs */
    int nout;
} traced;

static void traced_free(traced *t) {
    numc_graph_release(t->g);
    for (int k = 0; k < t->ncap; k++)
        numc_array_release(t->cap[k]);
    free(t->cap);
    memset(t, 0, sizeof *t);
}

/* Traces fn on fresh tracers with the avals of args (weak flags kept). */
static numc_status trace_fn(numc_traced_fn fn, void *payload, int nargs,
                            const numc_array *const *args, traced *out) {
    memset(out, 0, sizeof *out);
    numc_trace *t = numc_trace_begin();
    if (!t) return numc_error_kind();
    numc_array **tin = calloc((size_t)nargs + 1, sizeof *tin);
    numc_status st = tin ? NUMC_OK : oom();
    for (int k = 0; !st && k < nargs; k++) {
        tin[k] = numc_trace_input(t, args[k]->dtype, args[k]->ndim, args[k]->shape,
                                  numc_array_is_weak(args[k]));
        if (!tin[k]) st = numc_error_kind();
    }
    int nout = 0;
    numc_array **outs = NULL;
    if (!st) st = fn(payload, nargs, tin, &nout, &outs);
    if (!st) {
        out->g = numc_trace_end(t, nout, (const numc_array *const *)outs, &out->ncap, &out->cap);
        if (!out->g)
            st = numc_error_kind();
        else
            st = numc_graph_optimise(out->g);
        out->nout = nout;
    } else {
        numc_trace_abort(t);
    }
    if (outs) release_all(outs, nout);
    free(outs);
    if (tin) release_all(tin, nargs);
    free(tin);
    if (st) traced_free(out);
    return st;
}

/* Puts a traced body's inputs in the order (captures..., explicit...) or, with
 * a union list, (explicit..., union...) adding unused inputs for the captures
 * this body lacks. */
static numc_status order_inputs(traced *t, int nexplicit, bool captures_first, int nunion,
                                numc_array *const *uni) {
    numc_graph *g = t->g;
    int n = captures_first ? g->ninputs : nexplicit + nunion;
    int *ids = malloc(sizeof(int) * (size_t)(n + 1));
    if (!ids) return oom();
    if (captures_first) {
        for (int k = 0; k < t->ncap; k++)
            ids[k] = g->inputs[nexplicit + k];
        for (int k = 0; k < nexplicit; k++)
            ids[t->ncap + k] = g->inputs[k];
    } else {
        for (int k = 0; k < nexplicit; k++)
            ids[k] = g->inputs[k];
        for (int u = 0; u < nunion; u++) {
            int found = -1;
            for (int k = 0; k < t->ncap && found < 0; k++)
                if (t->cap[k] == uni[u]) found = g->inputs[nexplicit + k];
            if (found < 0) {
                numc_aval av = {.dtype = uni[u]->dtype, .ndim = uni[u]->ndim};
                memcpy(av.shape, uni[u]->shape, sizeof(int64_t) * (size_t)av.ndim);
                found = numc_graph_add_input(g, &av, numc_array_is_weak(uni[u]));
                if (found < 0) {
                    free(ids);
                    return numc_error_kind();
                }
            }
            ids[nexplicit + u] = found;
        }
    }
    numc_status st = numc_graph_set_inputs(g, n, ids);
    free(ids);
    if (!st) st = numc_graph_analyse(g);
    return st;
}

static numc_status outputs_differ(const char *what, const numc_graph *a, const numc_graph *b) {
    if (a->noutputs != b->noutputs)
        return numc_error_set(NUMC_ERR_TYPE, "%s: the functions return %d and %d arrays", what,
                              a->noutputs, b->noutputs);
    for (int k = 0; k < a->noutputs; k++)
        if (!aval_eq(out_aval(a, k), out_aval(b, k))) {
            char x[128], y[128];
            aval_str(x, sizeof x, out_aval(a, k));
            aval_str(y, sizeof y, out_aval(b, k));
            return numc_error_set(NUMC_ERR_TYPE,
                                  "%s: output %d has type %s in one branch and %s in another; "
                                  "they must have identical shapes and dtypes",
                                  what, k, x, y);
        }
    return NUMC_OK;
}

numc_status numc_cond(const numc_array *index, int nbranches, const numc_traced_fn *branches,
                      void *const *payloads, int nops, const numc_array *const *ops, int *nout,
                      numc_array ***out) {
    *nout = 0;
    *out = NULL;
    if (nbranches < 1) return numc_error_set(NUMC_ERR_VALUE, "cond: needs at least one branch");
    if (index->ndim != 0 || !(index->dtype == NUMC_BOOL || numc_dt_is_int(index->dtype)))
        return numc_error_set(NUMC_ERR_TYPE,
                              "cond: the predicate must be a scalar (0-d) boolean or integer, got "
                              "%s with %d dimensions",
                              numc_dtype_name(index->dtype), index->ndim);
    if (index->buffer) {
        int b;
        numc_status st = read_index(index, nbranches, &b);
        if (st) return st;
        return branches[b](payloads[b], nops, (numc_array *const *)ops, nout, out);
    }
    if (numc_tracer_kind_of(index) == NUMC_TRACER_LEAKED) return numc_tracer_check(index, "cond");
    traced *tr = calloc((size_t)nbranches, sizeof *tr);
    if (!tr) return oom();
    numc_status st = NUMC_OK;
    int nb = 0;
    for (; nb < nbranches && !st; nb++)
        st = trace_fn(branches[nb], payloads[nb], nops, ops, &tr[nb]);
    if (st) nb--;
    for (int b = 1; !st && b < nbranches; b++)
        st = outputs_differ("cond", tr[0].g, tr[b].g);
    /* the union of every branch's captures */
    int nuni = 0;
    numc_array **uni = NULL;
    for (int b = 0; !st && b < nbranches; b++)
        nuni += tr[b].ncap;
    if (!st) uni = malloc(sizeof *uni * (size_t)(nuni + 1));
    if (!st && !uni) st = oom();
    if (!st) {
        nuni = 0;
        for (int b = 0; b < nbranches; b++)
            for (int k = 0; k < tr[b].ncap; k++) {
                bool dup = false;
                for (int u = 0; u < nuni && !dup; u++)
                    dup = uni[u] == tr[b].cap[k];
                if (!dup) uni[nuni++] = tr[b].cap[k];
            }
    }
    for (int b = 0; !st && b < nbranches; b++)
        st = order_inputs(&tr[b], nops, false, nuni, uni);
    numc_subgraphs *s = NULL;
    if (!st) {
        numc_graph **gs = malloc(sizeof *gs * (size_t)nbranches);
        if (!gs) st = oom();
        for (int b = 0; !st && b < nbranches; b++)
            gs[b] = tr[b].g;
        if (!st && !(s = numc_subgraphs_new(nbranches, gs))) st = numc_error_kind();
        free(gs);
    }
    const numc_array **in = NULL;
    if (!st) {
        in = malloc(sizeof *in * (size_t)(1 + nops + nuni));
        if (!in) st = oom();
    }
    if (!st) {
        in[0] = index;
        for (int k = 0; k < nops; k++)
            in[1 + k] = ops[k];
        for (int u = 0; u < nuni; u++)
            in[1 + nops + u] = uni[u];
        int no = tr[0].g->noutputs;
        *out = calloc((size_t)no + 1, sizeof **out);
        if (!*out) st = oom();
        numc_params pr = {.n = 1, .i = {nbranches}, .ptr = s};
        if (!st) st = numc_control_bind(NUMC_PRIM_COND, 1 + nops + nuni, in, &pr, *out);
        if (!st)
            *nout = no;
        else {
            free(*out);
            *out = NULL;
        }
    }
    free(in);
    free(uni);
    numc_subgraphs_release(s);
    for (int b = 0; b < nb; b++)
        traced_free(&tr[b]);
    free(tr);
    return st;
}

/* The carry's avals after weak inputs adopt what the body makes of them
 * (a Python-scalar 0 carried through x + float32 becomes float32). Returns
 * true when some carry value was converted (retrace). */
static numc_status adopt_body_types(const char *what, const numc_graph *g, int first_out,
                                    int ncarry, numc_array **carry, bool *changed) {
    *changed = false;
    for (int k = 0; k < ncarry; k++) {
        const numc_aval *o = out_aval(g, first_out + k);
        if (aval_is(o, carry[k])) continue;
        bool shape_ok = o->ndim == carry[k]->ndim &&
                        !memcmp(o->shape, carry[k]->shape, sizeof(int64_t) * (size_t)o->ndim);
        if (shape_ok && numc_array_is_weak(carry[k])) {
            numc_params cv = {.n = 1, .i = {o->dtype}};
            const numc_array *ci[1] = {carry[k]};
            numc_array *c = numc_bind1(NUMC_PRIM_CONVERT, 1, ci, &cv);
            if (!c) return numc_error_kind();
            numc_array_release(carry[k]);
            carry[k] = c;
            *changed = true;
            continue;
        }
        numc_aval want = {.dtype = carry[k]->dtype, .ndim = carry[k]->ndim};
        memcpy(want.shape, carry[k]->shape, sizeof(int64_t) * (size_t)want.ndim);
        char x[128], y[128];
        aval_str(x, sizeof x, &want);
        aval_str(y, sizeof y, o);
        return numc_error_set(NUMC_ERR_TYPE,
                              "%s: the body must return the carry with the type it received: "
                              "carry %d is %s on input but %s on output",
                              what, k, x, y);
    }
    return NUMC_OK;
}

static numc_status call_checked(numc_traced_fn fn, void *payload, int nin, numc_array *const *in,
                                int want, const char *what, numc_array ***out) {
    int n = 0;
    numc_status st = fn(payload, nin, in, &n, out);
    if (st) return st;
    if (n != want) {
        release_all(*out, n);
        free(*out);
        *out = NULL;
        return numc_error_set(NUMC_ERR_TYPE, "%s: the function returned %d arrays, expected %d",
                              what, n, want);
    }
    return NUMC_OK;
}

static numc_status while_staged(numc_traced_fn cond, void *cp, numc_traced_fn bodyf, void *bp,
                                int ncarry, numc_array **carry, numc_array **out) {
    traced tc = {0}, tb = {0};
    numc_status st = NUMC_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        traced_free(&tb);
        st = trace_fn(bodyf, bp, ncarry, (const numc_array *const *)carry, &tb);
        if (st) return st;
        if (tb.g->noutputs != ncarry) {
            traced_free(&tb);
            return numc_error_set(NUMC_ERR_TYPE,
                                  "while_loop: body_fun returned %d arrays, expected %d",
                                  tb.g->noutputs, ncarry);
        }
        bool changed;
        if ((st = adopt_body_types("while_loop", tb.g, 0, ncarry, carry, &changed))) break;
        if (!changed) break;
    }
    if (!st) st = trace_fn(cond, cp, ncarry, (const numc_array *const *)carry, &tc);
    if (!st && (tc.g->noutputs != 1 || out_aval(tc.g, 0)->ndim != 0 ||
                out_aval(tc.g, 0)->dtype != NUMC_BOOL))
        st = numc_error_set(NUMC_ERR_TYPE,
                            "while_loop: cond_fun must return a boolean scalar (a 0-d bool array)");
    if (!st) st = order_inputs(&tc, ncarry, true, 0, NULL);
    if (!st) st = order_inputs(&tb, ncarry, true, 0, NULL);
    numc_subgraphs *s = NULL;
    const numc_array **in = NULL;
    if (!st) {
        numc_graph *gs[2] = {tc.g, tb.g};
        s = numc_subgraphs_new(2, gs);
        in = malloc(sizeof *in * (size_t)(tc.ncap + tb.ncap + ncarry + 1));
        if (!s || !in) st = s ? oom() : numc_error_kind();
    }
    if (!st) {
        int n = 0;
        for (int k = 0; k < tc.ncap; k++)
            in[n++] = tc.cap[k];
        for (int k = 0; k < tb.ncap; k++)
            in[n++] = tb.cap[k];
        for (int k = 0; k < ncarry; k++)
            in[n++] = carry[k];
        numc_params pr = {.n = 2, .i = {tc.ncap, tb.ncap}, .ptr = s};
        st = numc_control_bind(NUMC_PRIM_WHILE, n, in, &pr, out);
    }
    free(in);
    numc_subgraphs_release(s);
    traced_free(&tc);
    traced_free(&tb);
    return st;
}

numc_status numc_while_loop(numc_traced_fn cond, void *cond_payload, numc_traced_fn bodyf,
                            void *body_payload, int ncarry, const numc_array *const *init,
                            numc_array **out) {
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    if (!carry) return oom();
    for (int k = 0; k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)init[k]);
    numc_status st = NUMC_OK;
    bool staged = numc_trace_is_current();
    /* Python-style: run while the predicate is concrete */
    while (!staged) {
        numc_array **p = NULL;
        st = call_checked(cond, cond_payload, ncarry, carry, 1, "while_loop cond_fun", &p);
        if (st) break;
        numc_array *pred = p[0];
        free(p);
        if (pred->ndim != 0 || pred->dtype != NUMC_BOOL) {
            st = numc_error_set(NUMC_ERR_TYPE,
                                "while_loop: cond_fun must return a boolean scalar (a 0-d bool "
                                "array), got %s with %d dimensions",
                                numc_dtype_name(pred->dtype), pred->ndim);
            numc_array_release(pred);
            break;
        }
        if (!pred->buffer) {
            bool leak = numc_tracer_kind_of(pred) == NUMC_TRACER_LEAKED;
            numc_array_release(pred);
            if (leak) {
                st =
                    numc_error_set(NUMC_ERR_VALUE, "while_loop: cond_fun returned a leaked tracer");
                break;
            }
            staged = true;
            break;
        }
        bool go = false;
        st = read_bool(pred, &go);
        numc_array_release(pred);
        if (st || !go) break;
        numc_array **next = NULL;
        st = call_checked(bodyf, body_payload, ncarry, carry, ncarry, "while_loop body_fun", &next);
        if (st) break;
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = next[k];
        }
        free(next);
    }
    if (!st && staged)
        st = while_staged(cond, cond_payload, bodyf, body_payload, ncarry, carry, out);
    else if (!st)
        for (int k = 0; k < ncarry; k++)
            out[k] = numc_array_retain(carry[k]);
    release_all(carry, ncarry);
    free(carry);
    return st;
}

numc_status numc_scan(numc_traced_fn f, void *payload, int ncarry, const numc_array *const *init,
                      int nxs, const numc_array *const *xs, int64_t length, bool reverse,
                      numc_array **carry_out, int *nys, numc_array ***ys) {
    *nys = 0;
    *ys = NULL;
    for (int k = 0; k < nxs; k++) {
        if (xs[k]->ndim < 1)
            return numc_error_set(NUMC_ERR_VALUE, "scan: xs must have a leading axis to scan over");
        if (length < 0) length = xs[k]->shape[0];
        if (xs[k]->shape[0] != length)
            return numc_error_set(
                NUMC_ERR_VALUE, "scan got values with different leading axis sizes: %lld and %lld",
                (long long)length, (long long)xs[k]->shape[0]);
    }
    if (length < 0)
        return numc_error_set(NUMC_ERR_VALUE, "scan: length must be given when xs is empty");
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_array **xt = calloc((size_t)(ncarry + nxs) + 1, sizeof *xt);
    if (!carry || !xt) {
        free(carry);
        free(xt);
        return oom();
    }
    for (int k = 0; k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)init[k]);
    numc_status st = NUMC_OK;
    if (!numc_trace_is_current() && length > 0) {
        /* Python-style loop: whatever transform is active sees each step */
        numc_array **rows = NULL;
        int ny = -1;
        for (int64_t it = 0; it < length && !st; it++) {
            int64_t t = reverse ? length - 1 - it : it;
            for (int k = 0; k < ncarry; k++)
                xt[k] = carry[k];
            int made = 0;
            for (; made < nxs && !st; made++) {
                xt[ncarry + made] = take_row(xs[made], t, false);
                if (!xt[ncarry + made]) st = numc_error_kind();
            }
            if (st) made--;
            int n = 0;
            numc_array **res = NULL;
            if (!st) st = f(payload, ncarry + nxs, xt, &n, &res);
            for (int k = 0; k < made; k++)
                numc_array_release(xt[ncarry + k]);
            if (st) break;
            if (n < ncarry || (ny >= 0 && n - ncarry != ny)) {
                release_all(res, n);
                free(res);
                st = numc_error_set(NUMC_ERR_TYPE, "scan: the function returned %d arrays", n);
                break;
            }
            if (ny < 0) {
                ny = n - ncarry;
                rows = calloc((size_t)ny * (size_t)length + 1, sizeof *rows);
                if (!rows) {
                    release_all(res, n);
                    free(res);
                    st = oom();
                    break;
                }
            }
            for (int k = 0; k < ncarry; k++) {
                if (res[k]->dtype != carry[k]->dtype || res[k]->ndim != carry[k]->ndim ||
                    memcmp(res[k]->shape, carry[k]->shape,
                           sizeof(int64_t) * (size_t)res[k]->ndim)) {
                    if (!numc_array_is_weak(carry[k]) || res[k]->ndim != carry[k]->ndim)
                        st = numc_error_set(NUMC_ERR_TYPE,
                                            "scan: the function must return the carry with the "
                                            "type and shape it received (carry %d)",
                                            k);
                }
                numc_array_release(carry[k]);
                carry[k] = res[k];
            }
            for (int k = 0; k < ny; k++)
                rows[(size_t)k * (size_t)length + (size_t)t] = res[ncarry + k];
            free(res);
        }
        if (!st && ny > 0) {
            *ys = calloc((size_t)ny, sizeof **ys);
            if (!*ys) st = oom();
            for (int k = 0; !st && k < ny; k++) {
                numc_array *r0 = rows[(size_t)k * (size_t)length];
                numc_aval av = {.dtype = r0->dtype, .ndim = r0->ndim};
                memcpy(av.shape, r0->shape, sizeof(int64_t) * (size_t)r0->ndim);
                for (int64_t t = 1; t < length && !st; t++) {
                    const numc_array *r = rows[(size_t)k * (size_t)length + (size_t)t];
                    if (!aval_is(&av, r))
                        st = numc_error_set(NUMC_ERR_TYPE,
                                            "scan: output %d changes shape or dtype between steps",
                                            k);
                }
                if (!st &&
                    !((*ys)[k] = stack_rows(rows + (size_t)k * (size_t)length, length, &av, false)))
                    st = numc_error_kind();
                if (st) release_all(*ys, k);
            }
            if (st) {
                free(*ys);
                *ys = NULL;
            } else {
                *nys = ny;
            }
        }
        if (rows) release_all(rows, ny * (int)length);
        free(rows);
        if (!st)
            for (int k = 0; k < ncarry; k++)
                carry_out[k] = numc_array_retain(carry[k]);
    } else {
        /* staged: one scan_loop node (also the length-0 case, which needs the
         * body's output types) */
        const numc_array **sl = malloc(sizeof *sl * (size_t)(ncarry + nxs + 1));
        numc_array **rowt = calloc((size_t)nxs + 1, sizeof *rowt);
        traced tf = {0};
        if (!sl || !rowt) st = oom();
        for (int k = 0; !st && k < nxs; k++) {
            /* a tracer-free stand-in with the slice's aval */
            rowt[k] = numc_array_new(xs[k]->dtype, xs[k]->ndim - 1, xs[k]->shape + 1);
            if (!rowt[k]) st = numc_error_kind();
        }
        for (int attempt = 0; !st && attempt < 3; attempt++) {
            for (int k = 0; k < ncarry; k++)
                sl[k] = carry[k];
            for (int k = 0; k < nxs; k++)
                sl[ncarry + k] = rowt[k];
            traced_free(&tf);
            st = trace_fn(f, payload, ncarry + nxs, sl, &tf);
            if (st) break;
            if (tf.g->noutputs < ncarry) {
                st = numc_error_set(NUMC_ERR_TYPE,
                                    "scan: the function returned %d arrays, expected at least %d",
                                    tf.g->noutputs, ncarry);
                break;
            }
            bool changed;
            if ((st = adopt_body_types("scan", tf.g, 0, ncarry, carry, &changed)) || !changed)
                break;
        }
        if (!st) st = order_inputs(&tf, ncarry + nxs, true, 0, NULL);
        numc_subgraphs *s = NULL;
        const numc_array **in = NULL;
        numc_array **res = NULL;
        int nout = tf.g ? tf.g->noutputs : 0;
        if (!st) {
            s = numc_subgraphs_new(1, &tf.g);
            in = malloc(sizeof *in * (size_t)(tf.ncap + ncarry + nxs + 1));
            res = calloc((size_t)nout + 1, sizeof *res);
            if (!s || !in || !res) st = s ? oom() : numc_error_kind();
        }
        if (!st) {
            int n = 0;
            for (int k = 0; k < tf.ncap; k++)
                in[n++] = tf.cap[k];
            for (int k = 0; k < ncarry; k++)
                in[n++] = carry[k];
            for (int k = 0; k < nxs; k++)
                in[n++] = xs[k];
            numc_params pr = {.n = 4, .i = {tf.ncap, ncarry, length, reverse ? 1 : 0}, .ptr = s};
            st = numc_control_bind(NUMC_PRIM_SCAN_LOOP, n, in, &pr, res);
        }
        if (!st) {
            for (int k = 0; k < ncarry; k++)
                carry_out[k] = res[k];
            if (nout > ncarry) {
                *ys = malloc(sizeof **ys * (size_t)(nout - ncarry));
                if (!*ys) {
                    release_all(res, nout);
                    st = oom();
                } else {
                    for (int k = ncarry; k < nout; k++)
                        (*ys)[k - ncarry] = res[k];
                    *nys = nout - ncarry;
                }
            }
        }
        free(res);
        free(in);
        numc_subgraphs_release(s);
        traced_free(&tf);
        if (rowt) release_all(rowt, nxs);
        free(rowt);
        free(sl);
    }
    release_all(carry, ncarry);
    free(carry);
    free(xt);
    return st;
}
