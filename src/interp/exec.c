/* exec.c — the graph executor, and the public numc_graph_optimise (the graph
 * passes with numc_eager_run as constant folding's evaluator). Runs the nodes in their
 * (topological) order over a table of value slots: inputs and constants are borrowed, node results
 * owned and released right after their last use (computed once by numc_graph_analyse).
 *
 * Two modes. With no transform active (the common case) each node computes
 * directly through numc_eager_run, the same kernels eager mode uses, so
 * results are bit-identical to eager. When a transform is active (a tape
 * recording, a vmap, an enclosing trace) each node is bound with numc_bind
 * instead, so the transform sees every primitive: the graph is inlined into
 * it (control bodies, and call's batching rule, run that way).
 *
 * numc_graph_execute (a numc.function's call) goes through numc_graph_call
 * instead: under a transform the whole graph is ONE `call` primitive, whose
 * VJP (rules/call_vjp.c) and batching rules transform the body graph.
 * Nodes are bound with numc_bind_staged, so a primitive with a bind strategy
 * in its rule record (cond/while/scan inlining under a tape) uses it. */
#include "interp.h"

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "graph: out of memory");
}

static numc_status check_inputs(const numc_graph *g, int nin, const numc_array *const *in) {
    if (nin != g->ninputs)
        return numc_error_set(NUMC_ERR_VALUE, "graph: expected %d inputs, got %d", g->ninputs, nin);
    for (int k = 0; k < nin; k++) {
        const numc_aval *av = &g->values[g->inputs[k]].aval;
        const numc_array *a = in[k];
        if (a->dtype != av->dtype || a->ndim != av->ndim ||
            memcmp(a->shape, av->shape, sizeof(int64_t) * (size_t)a->ndim))
            return numc_error_set(NUMC_ERR_VALUE,
                                  "graph: input %d has dtype %s and %d dimensions, but the graph "
                                  "was traced for %s with %d dimensions (or another shape)",
                                  k, numc_dtype_name(a->dtype), a->ndim, numc_dtype_name(av->dtype),
                                  av->ndim);
    }
    return NUMC_OK;
}

static numc_status run(numc_graph *g, int nin, const numc_array *const *in, numc_array **out,
                       bool eager) {
    numc_status st = check_inputs(g, nin, in);
    if (st) return st;
    if (!g->analysed && (st = numc_graph_analyse(g))) return st;
    if (eager)
        for (int k = 0; k < nin; k++)
            if (!in[k]->buffer) return numc_tracer_check(in[k], "graph input");
    numc_array *stack_slots[64];
    numc_array **slot = g->nvalues <= 64 ? stack_slots : malloc(sizeof *slot * (size_t)g->nvalues);
    if (!slot) return oom();
    memset(slot, 0, sizeof *slot * (size_t)g->nvalues);
    for (int k = 0; k < nin; k++)
        slot[g->inputs[k]] = (numc_array *)in[k];
    for (int c = 0; c < g->nconst; c++)
        slot[g->const_ids[c]] = g->values[g->const_ids[c]].konst;
    const numc_array *ops_inl[16];
    numc_array *res_inl[8];
    for (int i = 0; i < g->nnodes && !st; i++) {
        const numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        const numc_array **ops = n->nin <= 16 ? ops_inl : malloc(sizeof *ops * (size_t)n->nin);
        numc_array **res = n->nout <= 8 ? res_inl : malloc(sizeof *res * (size_t)n->nout);
        if (!ops || !res) st = oom();
        for (int k = 0; !st && k < n->nin; k++)
            ops[k] = slot[n->in[k]];
        for (int k = 0; !st && k < n->nout; k++)
            res[k] = NULL;
        if (!st)
            st = eager ? numc_eager_run(n->prim, n->nin, ops, &n->params, res)
                       : numc_bind_staged(n->prim, n->nin, ops, &n->params, res);
        if (!st)
            for (int k = 0; k < n->nout; k++)
                slot[n->out[k]] = res[k];
        if (ops && ops != ops_inl) free(ops);
        if (res && res != res_inl) free(res);
        if (st) break;
        for (int k = 0; k < n->ndead; k++) {
            numc_array_release(slot[n->dead_after[k]]);
            slot[n->dead_after[k]] = NULL;
        }
    }
    if (!st)
        for (int k = 0; k < g->noutputs; k++)
            out[k] = numc_array_retain(slot[g->outputs[k]]);
    /* what is still owned: the outputs' own references, or everything live
     * at the point of an error */
    for (int v = 0; v < g->nvalues; v++)
        if (g->values[v].kind == GV_NODE) numc_array_release(slot[v]);
    if (slot != stack_slots) free(slot);
    return st;
}

numc_status numc_graph_run(numc_graph *g, int nin, const numc_array *const *in, numc_array **out) {
    return run(g, nin, in, out, numc_interp_current() == numc_interp_eager());
}

numc_status numc_graph_run_eager(numc_graph *g, int nin, const numc_array *const *in,
                                 numc_array **out) {
    return run(g, nin, in, out, true);
}

numc_status numc_graph_call(numc_graph *g, int nin, const numc_array *const *in, numc_array **out) {
    if (numc_interp_current() == numc_interp_eager()) return run(g, nin, in, out, true);
    numc_status st = check_inputs(g, nin, in);
    if (st) return st;
    numc_subgraphs *s = numc_subgraphs_new(1, &g);
    if (!s) return numc_error_kind();
    numc_params pr = {.n = 0, .ptr = s};
    st = numc_bind(NUMC_PRIM_CALL, nin, in, &pr, out);
    numc_subgraphs_release(s);
    return st;
}

numc_status numc_graph_optimise(numc_graph *g) {
    return numc_graph_optimise_with(g, numc_eager_run);
}

numc_status numc_graph_execute(numc_graph *g, int nin, const numc_array *const *in,
                               numc_array **out) {
    return numc_graph_call(g, nin, in, out);
}
