/* call_vjp.c — the VJP rule of `call`: the body graph, transformed. The first
 * time, it traces "run the body under a tape, then the tape's gradient with
 * the given cotangents" into a backward graph, cached on the body (inputs: the
 * body's inputs then the cotangents of its inexact outputs; outputs: the
 * cotangents of its inexact inputs), and binds a `call` of it, so
 * grad(function(f)) runs a compiled backward pass and higher orders
 * differentiate that call in turn. A body that cannot be traced that way (a
 * while_loop whose trip count depends on the inputs) is differentiated by
 * re-running it node by node under a local tape on the concrete values. */
#include "rules-impl.h"

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
    numc_status st = tin && outs && grads && targets && srcs ? NUMC_OK : numc_ctl_oom();
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
    numc_array *z = numc_ctl_const(av->dtype, 0);
    if (!z) return NULL;
    numc_array *r = numc_ctl_bcast_to(z, av->ndim, av->shape);
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
    numc_status st = fresh && outs && targets && ogs ? NUMC_OK : numc_ctl_oom();
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
    numc_status st = bin && zeros && grads ? NUMC_OK : numc_ctl_oom();
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
