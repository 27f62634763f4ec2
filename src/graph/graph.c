/* graph.c — the graph IR: building, reference counting, inspection. See
 * graph.h for the layout and its invariants. */
#include "graph.h"

#include <stdarg.h>
#include <stdio.h>

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "graph: out of memory");
}

numc_graph *numc_graph_new(void) {
    numc_graph *g = calloc(1, sizeof *g);
    if (!g) {
        oom();
        return NULL;
    }
    atomic_init(&g->refcount, 1);
    atomic_init(&g->vjp_body, NULL);
    return g;
}

numc_graph *numc_graph_retain(numc_graph *g) {
    if (g) atomic_fetch_add_explicit(&g->refcount, 1, memory_order_relaxed);
    return g;
}
numc_graph *numc_graph_ref(numc_graph *g) {
    return numc_graph_retain(g);
}

const int numc_call_vjp_inline_marker = 0;

void numc_params_ptr_retain(numc_prim p, const void *ptr) {
    if (!ptr) return;
    if (p == NUMC_PRIM_CONSTANT)
        numc_array_retain((numc_array *)ptr);
    else if (p == NUMC_PRIM_HOST_CALL)
        numc_host_fn_retain((numc_host_fn *)ptr);
    else if (numc_prim_info[p].flags & PF_BODIES)
        numc_subgraphs_retain((numc_subgraphs *)ptr);
}
void numc_params_ptr_release(numc_prim p, const void *ptr) {
    if (!ptr) return;
    if (p == NUMC_PRIM_CONSTANT)
        numc_array_release((numc_array *)ptr);
    else if (p == NUMC_PRIM_HOST_CALL)
        numc_host_fn_release((numc_host_fn *)ptr);
    else if (numc_prim_info[p].flags & PF_BODIES)
        numc_subgraphs_release((numc_subgraphs *)ptr);
}

void numc_graph_release(numc_graph *g) {
    if (!g || atomic_fetch_sub_explicit(&g->refcount, 1, memory_order_acq_rel) != 1) return;
    numc_subgraphs *vb = atomic_load(&g->vjp_body);
    if (vb && vb != NUMC_CALL_VJP_INLINE) numc_subgraphs_release(vb);
    numc_fusion_free(g->fusion);
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        numc_params_ptr_release(n->prim, n->params.ptr);
        free(n->in);
        free(n->dead_after);
    }
    for (int v = 0; v < g->nvalues; v++)
        if (g->values[v].kind == GV_CONST) numc_array_release(g->values[v].konst);
    free(g->nodes);
    free(g->values);
    free(g->inputs);
    free(g->outputs);
    free(g->const_ids);
    free(g);
}
void numc_graph_unref(numc_graph *g) {
    numc_graph_release(g);
}

static int new_value(numc_graph *g, const numc_aval *av, int kind) {
    if (g->nvalues == g->capvalues) {
        int nc = g->capvalues ? g->capvalues * 2 : 32;
        numc_gvalue *v = realloc(g->values, sizeof *v * (size_t)nc);
        if (!v) return oom(), -1;
        g->values = v;
        g->capvalues = nc;
    }
    numc_gvalue *v = &g->values[g->nvalues];
    memset(v, 0, sizeof *v);
    v->aval = *av;
    v->kind = (uint8_t)kind;
    v->producer = -1;
    g->analysed = false;
    return g->nvalues++;
}

int numc_graph_add_input(numc_graph *g, const numc_aval *av, bool weak) {
    if (g->ninputs == g->capinputs) {
        int nc = g->capinputs ? g->capinputs * 2 : 8;
        int *in = realloc(g->inputs, sizeof *in * (size_t)nc);
        if (!in) return oom(), -1;
        g->inputs = in;
        g->capinputs = nc;
    }
    int id = new_value(g, av, GV_INPUT);
    if (id < 0) return -1;
    g->values[id].weak = weak;
    g->values[id].producer = g->ninputs;
    g->inputs[g->ninputs++] = id;
    return id;
}

int numc_graph_add_const(numc_graph *g, numc_array *value) {
    numc_aval av = {.dtype = value->dtype, .ndim = value->ndim};
    memcpy(av.shape, value->shape, sizeof(int64_t) * (size_t)value->ndim);
    int id = new_value(g, &av, GV_CONST);
    if (id < 0) return -1;
    g->values[id].konst = numc_array_retain(value);
    return id;
}

numc_status numc_graph_add_node(numc_graph *g, numc_prim p, int nin, const int *in,
                                const numc_params *params, int nout, const numc_aval *out_avals,
                                int *out_ids) {
    if (g->nnodes == g->capnodes) {
        int nc = g->capnodes ? g->capnodes * 2 : 32;
        numc_gnode *n = realloc(g->nodes, sizeof *n * (size_t)nc);
        if (!n) return oom();
        g->nodes = n;
        g->capnodes = nc;
    }
    int *ids = malloc(sizeof(int) * (size_t)(nin + nout > 0 ? nin + nout : 1));
    if (!ids) return oom();
    for (int i = 0; i < nin; i++) {
        if (in[i] < 0 || in[i] >= g->nvalues) {
            free(ids);
            return numc_error_set(NUMC_ERR_VALUE, "graph: bad operand id %d", in[i]);
        }
        ids[i] = in[i];
    }
    int node = g->nnodes;
    for (int k = 0; k < nout; k++) {
        int id = new_value(g, &out_avals[k], GV_NODE);
        if (id < 0) {
            free(ids);
            return numc_error_kind();
        }
        g->values[id].producer = node;
        g->values[id].out_index = k;
        ids[nin + k] = id;
        out_ids[k] = id;
    }
    numc_gnode *n = &g->nodes[node];
    memset(n, 0, sizeof *n);
    n->prim = p;
    if (params) {
        n->params.n = params->n;
        memcpy(n->params.i, params->i, sizeof(int64_t) * (size_t)params->n);
        n->params.f = params->f;
        n->params.ptr = params->ptr;
        numc_params_ptr_retain(p, params->ptr);
    }
    n->nin = nin;
    n->nout = nout;
    n->in = ids;
    n->out = ids + nin;
    g->nnodes++;
    g->analysed = g->optimised = false;
    return NUMC_OK;
}

numc_status numc_graph_set_outputs(numc_graph *g, int n, const int *ids) {
    int *o = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!o) return oom();
    for (int k = 0; k < n; k++) {
        if (ids[k] < 0 || ids[k] >= g->nvalues) {
            free(o);
            return numc_error_set(NUMC_ERR_VALUE, "graph: bad output id %d", ids[k]);
        }
        o[k] = ids[k];
    }
    free(g->outputs);
    g->outputs = o;
    g->noutputs = n;
    g->analysed = false;
    return NUMC_OK;
}

numc_status numc_graph_set_inputs(numc_graph *g, int n, const int *ids) {
    int *o = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!o) return oom();
    for (int k = 0; k < n; k++) {
        if (ids[k] < 0 || ids[k] >= g->nvalues || g->values[ids[k]].kind != GV_INPUT) {
            free(o);
            return numc_error_set(NUMC_ERR_VALUE, "graph: %d is not an input", ids[k]);
        }
        o[k] = ids[k];
        g->values[ids[k]].producer = k;
    }
    free(g->inputs);
    g->inputs = o;
    g->ninputs = g->capinputs = n;
    g->analysed = false;
    return NUMC_OK;
}

numc_subgraphs *numc_subgraphs_new(int n, numc_graph *const *g) {
    numc_subgraphs *s = malloc(sizeof *s + sizeof(numc_graph *) * (size_t)n);
    if (!s) {
        oom();
        return NULL;
    }
    atomic_init(&s->refcount, 1);
    s->n = n;
    for (int k = 0; k < n; k++)
        s->g[k] = numc_graph_retain(g[k]);
    return s;
}

numc_subgraphs *numc_subgraphs_retain(numc_subgraphs *s) {
    if (s) atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed);
    return s;
}

void numc_subgraphs_release(numc_subgraphs *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel) != 1) return;
    for (int k = 0; k < s->n; k++)
        numc_graph_release(s->g[k]);
    free(s);
}

numc_status numc_graph_prune_inputs(numc_graph *g, int first, int n, bool *kept) {
    if (first < 0 || n < 0 || first + n > g->ninputs)
        return numc_error_set(NUMC_ERR_VALUE, "numc_graph_prune_inputs: bad range");
    bool *used = calloc((size_t)g->nvalues + 1, sizeof *used);
    int *ids = malloc(sizeof(int) * (size_t)(g->ninputs + 1));
    if (!used || !ids) {
        free(used);
        free(ids);
        return oom();
    }
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].nin; k++)
            used[g->nodes[i].in[k]] = true;
    for (int k = 0; k < g->noutputs; k++)
        used[g->outputs[k]] = true;
    int m = 0;
    for (int k = 0; k < g->ninputs; k++) {
        bool keep = k < first || k >= first + n || used[g->inputs[k]];
        if (k >= first && k < first + n) kept[k - first] = keep;
        if (keep) ids[m++] = g->inputs[k];
    }
    numc_status st = numc_graph_set_inputs(g, m, ids);
    free(used);
    free(ids);
    return st;
}

/* ---- public inspection ---- */
int numc_graph_num_inputs(const numc_graph *g) {
    return g->ninputs;
}
int numc_graph_num_outputs(const numc_graph *g) {
    return g->noutputs;
}

static void value_info(const numc_graph *g, int id, numc_dtype *dt, int *ndim,
                       const int64_t **shape) {
    const numc_aval *av = &g->values[id].aval;
    if (dt) *dt = av->dtype;
    if (ndim) *ndim = av->ndim;
    if (shape) *shape = av->shape;
}
void numc_graph_input_info(const numc_graph *g, int i, numc_dtype *dt, int *ndim,
                           const int64_t **shape) {
    value_info(g, g->inputs[i], dt, ndim, shape);
}
void numc_graph_output_info(const numc_graph *g, int i, numc_dtype *dt, int *ndim,
                            const int64_t **shape) {
    value_info(g, g->outputs[i], dt, ndim, shape);
}

void numc_graph_get_stats(const numc_graph *g, numc_graph_stats *out) {
    int consts = 0;
    bool *seen = calloc((size_t)g->nvalues + 1, 1);
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int v = g->nodes[i].in[k];
            if (g->values[v].kind == GV_CONST && seen && !seen[v]) seen[v] = true, consts++;
        }
    for (int k = 0; k < g->noutputs; k++) {
        int v = g->outputs[k];
        if (g->values[v].kind == GV_CONST && seen && !seen[v]) seen[v] = true, consts++;
    }
    free(seen);
    out->traced_nodes = g->stats.traced_nodes;
    out->cse_merged = g->stats.cse_merged;
    out->folded = g->stats.folded;
    out->dce_removed = g->stats.dce_removed;
    out->nodes = g->nnodes;
    out->constants = consts;
    out->inputs = g->ninputs;
    out->outputs = g->noutputs;
}

/* ---- text form ---- */
typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t nc = (b->cap ? b->cap * 2 : 256) + (size_t)k;
        char *s = realloc(b->s, nc);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = nc;
    }
}

static void put_aval(sbuf *b, const numc_aval *av) {
    put(b, "%s[", numc_dtype_name(av->dtype));
    for (int d = 0; d < av->ndim; d++)
        put(b, d ? ",%lld" : "%lld", (long long)av->shape[d]);
    put(b, "]");
}

static void dump(sbuf *b, const numc_graph *g, int indent, const numc_fusion *fz) {
    put(b, "graph(");
    for (int k = 0; k < g->ninputs; k++) {
        const numc_gvalue *v = &g->values[g->inputs[k]];
        put(b, "%s%%%d: ", k ? ", " : "", g->inputs[k]);
        put_aval(b, &v->aval);
        if (v->weak) put(b, " weak");
    }
    put(b, ") {\n");
    for (int v = 0; v < g->nvalues; v++) {
        const numc_gvalue *gv = &g->values[v];
        if (gv->kind != GV_CONST) continue;
        bool used = false;
        for (int i = 0; i < g->nnodes && !used; i++)
            for (int k = 0; k < g->nodes[i].nin; k++)
                used |= g->nodes[i].in[k] == v;
        for (int k = 0; k < g->noutputs; k++)
            used |= g->outputs[k] == v;
        if (!used) continue;
        put(b, "%*s%%%d = const ", indent + 2, "", v);
        put_aval(b, &gv->aval);
        if (gv->konst->size == 1 && gv->konst->buffer) {
            double re = 0, im = 0;
            numc_array_get_f64(gv->konst, 0, &re, &im);
            put(b, " %.17g", re);
        }
        put(b, "\n");
    }
    for (int i = 0; i < g->nnodes; i++) {
        const numc_gnode *n = &g->nodes[i];
        put(b, "%*s", indent + 2, "");
        for (int k = 0; k < n->nout; k++)
            put(b, "%s%%%d", k ? ", " : "", n->out[k]);
        put(b, " = %s(", numc_prim_info[n->prim].name);
        for (int k = 0; k < n->nin; k++)
            put(b, "%s%%%d", k ? ", " : "", n->in[k]);
        put(b, ")");
        if (n->params.n) {
            put(b, " {");
            for (int k = 0; k < n->params.n; k++)
                put(b, k ? ",%lld" : "%lld", (long long)n->params.i[k]);
            put(b, "}");
        }
        if (n->nout) {
            put(b, " : ");
            put_aval(b, &g->values[n->out[0]].aval);
        }
        if (fz && fz->node_group[i] >= 0)
            put(b, "  # fusion group %d%s", fz->node_group[i],
                fz->groups[fz->node_group[i]].pos == i ? " (runs here)" : "");
        put(b, "\n");
        if ((numc_prim_info[n->prim].flags & PF_BODIES) && n->params.ptr) {
            const numc_subgraphs *s = n->params.ptr;
            for (int k = 0; k < s->n; k++) {
                put(b, "%*s  body %d: ", indent + 2, "", k);
                dump(b, s->g[k], indent + 4, NULL);
            }
        }
    }
    put(b, "%*s  return (", indent, "");
    for (int k = 0; k < g->noutputs; k++)
        put(b, "%s%%%d", k ? ", " : "", g->outputs[k]);
    put(b, ")\n%*s}\n", indent, "");
    for (int k = 0; fz && k < fz->ngroups; k++) {
        const numc_fgroup *gr = &fz->groups[k];
        const numc_fused_prog *p = gr->prog;
        put(b, "fusion group %d: %d ops over shape (", k, p->nops);
        for (int d = 0; d < p->ndim; d++)
            put(b, d ? ",%lld" : "%lld", (long long)p->shape[d]);
        put(b, "), %d scratch tiles\n  reads", p->nslots);
        for (int q = 0; q < p->nin; q++) {
            put(b, " %%%d", gr->in_vals[q]);
            if (p->in[q].ndim >= 0) put(b, "(broadcast)");
        }
        put(b, "\n  ops");
        for (int q = 0; q < p->nops; q++)
            put(b, " %s", numc_prim_info[p->ops[q].prim].name);
        put(b, "\n  writes");
        for (int q = 0; q < p->nout; q++) {
            put(b, " %%%d", gr->out_vals[q]);
            if (fz->arena_off[gr->out_vals[q]] >= 0)
                put(b, "(arena+%lld)", (long long)fz->arena_off[gr->out_vals[q]]);
        }
        put(b, "\n");
    }
    if (fz)
        put(b, "arena: %lld bytes for %d values (%d written in place)\n",
            (long long)fz->arena_bytes, fz->arena_values, fz->inplace);
}

static char *to_string(const numc_graph *g, const numc_fusion *fz) {
    sbuf b = {0};
    dump(&b, g, 0, fz);
    if (b.oom || !b.s) {
        free(b.s);
        oom();
        return NULL;
    }
    return b.s;
}
char *numc_graph_to_string(const numc_graph *g) {
    return to_string(g, NULL);
}
char *numc_graph_dump(const numc_graph *g) {
    return numc_graph_to_string(g);
}
char *numc_graph_fused_to_string(const numc_graph *g) {
    return to_string(g, g->fusion);
}
