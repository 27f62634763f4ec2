/* control.c — the rules of the control-flow primitives (call, cond, while,
 * scan_loop; PF_BODIES), registered in their rule records like any other:
 * inference and output count (from the bodies), direct (eager) execution,
 * and the strategy for binding them under other transforms. Their VJP is in
 * call_vjp.c, their batching rules in batch.c, and the C API that traces
 * bodies (numc_cond, numc_while_loop, numc_scan) in control_api.c.
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
 * (numc_call_vjp, call_vjp.c) differentiates the body graph into a cached
 * backward graph, and its batching rule runs the body on the batch tracers.
 *
 * Under a tape or vmap (anything but a trace on top) the other primitives inline:
 * bodies run op by op through numc_bind, so the transform sees them. A cond
 * whose index is not concrete then becomes a select between all branches, and
 * a scan unrolls; a while loop whose predicate is not concrete cannot be
 * differentiated (its trip count is data-dependent): a tape watching its
 * operands makes it an error. */
#include "rules-impl.h"

#include <stdio.h>

void numc_ctl_aval_str(char *buf, size_t n, const numc_aval *av) {
    int w = snprintf(buf, n, "%s[", numc_dtype_name(av->dtype));
    for (int d = 0; d < av->ndim && w < (int)n - 24; d++)
        w += snprintf(buf + w, n - (size_t)w, d ? ",%lld" : "%lld", (long long)av->shape[d]);
    snprintf(buf + w, n - (size_t)w, "]");
}

static numc_status mismatch(const char *prim, const char *what, int k, const numc_aval *want,
                            const numc_aval *got) {
    char a[128], b[128];
    numc_ctl_aval_str(a, sizeof a, want);
    numc_ctl_aval_str(b, sizeof b, got);
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

/* ---- inference and output count ---- */
int numc_control_nout(numc_prim p, const numc_params *pr) {
    const numc_subgraphs *s = pr ? pr->ptr : NULL;
    if (!s || s->n < 1) {
        numc_error_set(NUMC_ERR_VALUE, "%s: missing body", numc_prim_info[p].name);
        return -1;
    }
    if (p == NUMC_PRIM_WHILE) /* {cond, body}: the carry is the body's outputs */
        return s->n == 2 ? s->g[1]->noutputs
                         : (numc_error_set(NUMC_ERR_VALUE, "while: needs cond and body"), -1);
    return s->g[0]->noutputs;
}

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
numc_array *numc_ctl_take_row(const numc_array *x, int64_t t, bool eager) {
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
numc_array *numc_ctl_stack_rows(numc_array **rows, int64_t length, const numc_aval *y, bool eager) {
    if (length == 0) {
        int64_t shape[NUMC_MAX_DIMS];
        shape[0] = 0;
        memcpy(shape + 1, y->shape, sizeof(int64_t) * (size_t)y->ndim);
        return numc_array_new(y->dtype, y->ndim + 1, shape);
    }
    const numc_array **parts = malloc(sizeof *parts * (size_t)length);
    if (!parts) return numc_ctl_oom(), NULL;
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

numc_status numc_ctl_read_index(const numc_array *idx, int n, int *branch) {
    double re = 0, im = 0;
    numc_status st = numc_array_get_f64(idx, 0, &re, &im);
    if (st) return st;
    int64_t k = (int64_t)re;
    if (k < 0) k = 0;
    if (k > n - 1) k = n - 1;
    *branch = (int)k;
    return NUMC_OK;
}

numc_status numc_ctl_read_bool(const numc_array *p, bool *v) {
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

static numc_status run_while(const numc_subgraphs *s, const numc_params *pr, int nin,
                             const numc_array *const *in, numc_array **out, bool eager) {
    numc_graph *c = s->g[0], *b = s->g[1];
    int ncc = (int)pr->i[0], nbc = (int)pr->i[1], ncarry = nin - ncc - nbc;
    const numc_array **cin = malloc(sizeof *cin * (size_t)(ncc + ncarry + 1));
    const numc_array **bin = malloc(sizeof *bin * (size_t)(nbc + ncarry + 1));
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_status st = cin && bin && carry ? NUMC_OK : numc_ctl_oom();
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
        st = numc_ctl_read_bool(pred, &go);
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
    numc_status st = bin && res && carry && xt && rows ? NUMC_OK : numc_ctl_oom();
    for (int k = 0; !st && k < nc; k++)
        bin[k] = in[k];
    for (int k = 0; !st && k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)in[nc + k]);
    for (int64_t it = 0; !st && it < length; it++) {
        int64_t t = reverse ? length - 1 - it : it;
        for (int k = 0; k < ncarry; k++)
            bin[nc + k] = carry[k];
        for (int k = 0; k < nxs && !st; k++) {
            xt[k] = numc_ctl_take_row(in[nc + ncarry + k], t, eager);
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
        out[ncarry + k] = numc_ctl_stack_rows(rows + (size_t)k * (size_t)length, length,
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
    int nout = numc_control_nout(p, pr);
    if (nout < 0) return numc_error_kind();
    for (int k = 0; k < nin; k++)
        if (!in[k]->buffer) return numc_tracer_check(in[k], numc_prim_info[p].name);
    numc_aval avs[8], *av = nout <= 8 ? avs : malloc(sizeof *av * (size_t)nout);
    if (!av) return numc_ctl_oom();
    numc_status st = numc_control_infer(p, nin, in, pr, av);
    if (av != avs) free(av);
    if (st) return st;
    switch (p) {
    case NUMC_PRIM_CALL:
        return numc_graph_run_eager(s->g[0], nin, in, out);
    case NUMC_PRIM_COND: {
        int b;
        if ((st = numc_ctl_read_index(in[0], s->n, &b))) return st;
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
numc_array *numc_ctl_const(numc_dtype dt, double v) {
    numc_array *c = numc_scalar_of(dt, v, 0);
    if (!c) return NULL;
    numc_params pr = {.n = 0, .ptr = c};
    numc_array *r = numc_bind1(NUMC_PRIM_CONSTANT, 0, NULL, &pr);
    numc_array_release(c);
    return r;
}

numc_array *numc_ctl_bcast_to(const numc_array *x, int nd, const int64_t *shape) {
    if (!x) return NULL;
    if (nd == 0) return numc_array_retain((numc_array *)x);
    numc_params bc = {.n = 1 + nd};
    bc.i[0] = nd;
    memcpy(bc.i + 1, shape, sizeof(int64_t) * (size_t)nd);
    const numc_array *in[1] = {x};
    return numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, in, &bc);
}

/* cond with a non-concrete index under a tape or vmap: every branch runs and
 * select picks (out = branch k where index == k, clamped like XLA). */
static numc_status cond_select(const numc_subgraphs *s, int nin, const numc_array *const *in,
                               numc_array **out) {
    int nout = s->g[0]->noutputs;
    numc_array **tmp = calloc((size_t)nout + 1, sizeof *tmp);
    if (!tmp) return numc_ctl_oom();
    numc_status st = numc_graph_run(s->g[0], nin - 1, in + 1, out);
    const numc_array *idx = in[0];
    for (int b = 1; !st && b < s->n; b++) {
        st = numc_graph_run(s->g[b], nin - 1, in + 1, tmp);
        if (st) break;
        numc_array *mask;
        if (idx->dtype == NUMC_BOOL) {
            mask = numc_array_retain((numc_array *)idx);
        } else {
            numc_array *kc = numc_ctl_const(idx->dtype, b);
            const numc_array *ci[2] = {idx, kc};
            mask = kc ? numc_bind1(b == s->n - 1 ? NUMC_PRIM_GE : NUMC_PRIM_EQ, 2, ci, NULL) : NULL;
            numc_array_release(kc);
        }
        if (!mask) st = numc_error_kind();
        for (int k = 0; !st && k < nout; k++) {
            const numc_aval *av = &s->g[0]->values[s->g[0]->outputs[k]].aval;
            numc_array *m = numc_ctl_bcast_to(mask, av->ndim, av->shape);
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
    int nout = numc_control_nout(p, pr);
    if (nout < 0) return numc_error_kind();
    numc_aval avs[8], *av = nout <= 8 ? avs : malloc(sizeof *av * (size_t)nout);
    if (!av) return numc_ctl_oom();
    numc_status st = numc_control_infer(p, nin, in, pr, av);
    if (av != avs) free(av);
    if (st) return st;
    const numc_subgraphs *s = pr->ptr;
    switch (p) {
    case NUMC_PRIM_COND:
        if (in[0]->buffer) {
            int b;
            if ((st = numc_ctl_read_index(in[0], s->n, &b))) return st;
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
        if (!cin) return numc_ctl_oom();
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
        /* a tape would have to record a loop whose trip count it cannot know */
        if (numc_tape_stack_watches(nin, in))
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
