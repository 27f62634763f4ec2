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
 * in its rule record (cond/while/scan inlining under a tape) uses it.
 *
 * A graph with a fusion plan (graph/fuse.c; numc.function builds one unless
 * jit is off) runs in the direct mode by that plan: each fused group at its
 * last member through the device's fused executor, its outputs that never
 * leave the call placed in the plan's arena buffer (reused across calls
 * while nothing else holds it), values released at the plan's death points.
 * Elementwise results stay bit-identical: the fused executor runs eager's
 * loops. */
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

/* The arena for one call: the cached buffer when nothing else holds it, or a
 * new one (a result of the last call may still view the cached one). */
static numc_buffer *arena_take(numc_fusion *fz) {
    numc_buffer *b = atomic_exchange(&fz->arena, NULL);
    if (b && atomic_load(&b->refcount) == 1) return b;
    if (b) numc_buffer_release(b);
    b = numc_buffer_new(numc_device_host(), (size_t)fz->arena_bytes);
    if (b) atomic_fetch_add(&fz->arena_allocs, 1);
    return b;
}
static void arena_put(numc_fusion *fz, numc_buffer *b) {
    numc_buffer *old = atomic_exchange(&fz->arena, b);
    if (old) numc_buffer_release(old);
}

static numc_status run_eager_node(const numc_gnode *n, numc_array **slot) {
    const numc_array *ops[NUMC_FUSED_MAX_OPERANDS + 1];
    numc_array *res[1] = {NULL};
    for (int k = 0; k < n->nin; k++)
        ops[k] = slot[n->in[k]];
    numc_status st = numc_eager_run(n->prim, n->nin, ops, &n->params, res);
    if (!st) slot[n->out[0]] = res[0];
    return st;
}

/* Node by node, when the device has no fused kernel for the group. */
static numc_status run_group_nodes(const numc_graph *g, const numc_fgroup *gr, numc_array **slot) {
    numc_status st = NUMC_OK;
    for (int q = 0; q < gr->nfold && !st; q++) {
        const numc_gnode *b = &g->nodes[gr->fold[q]];
        if (!slot[b->out[0]]) st = run_eager_node(b, slot);
    }
    for (int m = 0; m < gr->nmembers && !st; m++)
        st = run_eager_node(&g->nodes[gr->members[m]], slot);
    return st;
}

static numc_status run_group(const numc_graph *g, const numc_fusion *fz, const numc_fgroup *gr,
                             numc_array **slot, numc_buffer *arena) {
    const numc_fused_prog *p = gr->prog;
    const numc_array *ins_inl[32];
    numc_array *outs_inl[16];
    const numc_array **ins = p->nin <= 32 ? ins_inl : malloc(sizeof *ins * (size_t)p->nin);
    numc_array **outs = p->nout <= 16 ? outs_inl : calloc((size_t)p->nout, sizeof *outs);
    numc_status st = ins && outs ? NUMC_OK : oom();
    for (int k = 0; !st && k < p->nin; k++)
        ins[k] = slot[gr->in_vals[k]];
    int made = 0;
    for (int k = 0; !st && k < p->nout; k++) {
        const int v = gr->out_vals[k];
        const numc_aval *av = &g->values[v].aval;
        numc_array *o = numc_array_alloc_header(av->dtype, av->ndim, av->shape);
        if (!o) {
            st = numc_error_kind();
            break;
        }
        outs[made++] = o;
        const int64_t isz = (int64_t)numc_dtype_info[av->dtype].itemsize;
        if (arena && fz->arena_off[v] >= 0) {
            o->buffer = arena;
            numc_buffer_retain(arena);
            o->offset = fz->arena_off[v] / isz;
        } else if (!(o->buffer = numc_buffer_new(numc_device_host(), (size_t)(o->size * isz)))) {
            st = numc_error_kind();
        }
    }
    if (!st) st = numc_fused_run(p, ins, (numc_array *const *)outs);
    if (!st) {
        for (int k = 0; k < p->nout; k++)
            slot[gr->out_vals[k]] = outs[k];
        made = 0;
    }
    for (int k = 0; k < made; k++)
        numc_array_release(outs[k]);
    if (st == NUMC_ERR_NOT_IMPLEMENTED) {
        numc_error_clear();
        st = run_group_nodes(g, gr, slot);
    }
    if (ins != ins_inl) free(ins);
    if (outs != outs_inl) free(outs);
    return st;
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
    numc_fusion *fz = eager ? g->fusion : NULL;
    numc_buffer *arena = fz && fz->arena_bytes ? arena_take(fz) : NULL;
    const numc_array *ops_inl[16];
    numc_array *res_inl[8];
    for (int i = 0; i < g->nnodes && !st; i++) {
        const numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        if (fz && fz->node_group[i] >= 0) {
            const numc_fgroup *gr = &fz->groups[fz->node_group[i]];
            if (gr->pos != i) continue;
            if ((st = run_group(g, fz, gr, slot, arena))) break;
            for (int k = 0; k < fz->ndead[i]; k++) {
                numc_array_release(slot[fz->dead_after[i][k]]);
                slot[fz->dead_after[i][k]] = NULL;
            }
            continue;
        }
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
        const int nd = fz ? fz->ndead[i] : n->ndead;
        const int *dead = fz ? fz->dead_after[i] : n->dead_after;
        for (int k = 0; k < nd; k++) {
            numc_array_release(slot[dead[k]]);
            slot[dead[k]] = NULL;
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
    if (arena) arena_put(fz, arena);
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
