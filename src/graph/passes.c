/* passes.c — graph passes: common-subexpression elimination, constant
 * folding, dead-code elimination, compaction and the liveness analysis the
 * executor uses. Each is one sweep over the nodes in topological order; value
 * ids never move (a merged value's uses are redirected to its representative).
 * Control primitives take part like any other node: they are pure, and their
 * bodies were optimised when they were traced. Folding evaluates through the
 * function its caller passes (graph never executes by itself). */
#include "graph.h"

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "graph: out of memory");
}

/* Redirects every use of a value to repl[value]. */
static void apply_repl(numc_graph *g, const int *repl) {
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        for (int k = 0; k < n->nin; k++)
            n->in[k] = repl[n->in[k]];
    }
    for (int k = 0; k < g->noutputs; k++)
        g->outputs[k] = repl[g->outputs[k]];
    g->analysed = false;
}

static int *identity(int n) {
    int *r = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (r)
        for (int i = 0; i < n; i++)
            r[i] = i;
    return r;
}

/* ---- CSE ---- */
static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t node_hash(const numc_gnode *n) {
    uint64_t h = mix(0, (uint64_t)n->prim);
    h = mix(h, (uint64_t)n->params.n);
    for (int k = 0; k < n->params.n; k++)
        h = mix(h, (uint64_t)n->params.i[k]);
    uint64_t fb;
    memcpy(&fb, &n->params.f, sizeof fb);
    h = mix(h, fb);
    h = mix(h, (uint64_t)(uintptr_t)n->params.ptr);
    h = mix(h, (uint64_t)n->nin);
    for (int k = 0; k < n->nin; k++)
        h = mix(h, (uint64_t)n->in[k]);
    return h;
}

static bool node_equal(const numc_gnode *a, const numc_gnode *b) {
    if (a->prim != b->prim || a->nin != b->nin || a->nout != b->nout ||
        a->params.n != b->params.n || a->params.ptr != b->params.ptr ||
        memcmp(&a->params.f, &b->params.f, sizeof a->params.f))
        return false;
    if (memcmp(a->params.i, b->params.i, sizeof(int64_t) * (size_t)a->params.n)) return false;
    return memcmp(a->in, b->in, sizeof(int) * (size_t)a->nin) == 0;
}

/* Small constants with equal dtype, shape and bytes become one value. */
#define CSE_CONST_MAX_BYTES 256
static bool const_key(const numc_gvalue *v, unsigned char *bytes, size_t *nbytes) {
    const numc_array *a = v->konst;
    if (!a || !a->buffer) return false; /* read through the device: any device will do */
    size_t nb = (size_t)a->size * numc_dtype_info[a->dtype].itemsize;
    if (nb > CSE_CONST_MAX_BYTES) return false;
    if (numc_array_to_host(a, bytes) != NUMC_OK) {
        numc_error_clear();
        return false;
    }
    *nbytes = nb;
    return true;
}

static numc_status merge_constants(numc_graph *g, int *repl, int *merged) {
    int *seen = malloc(sizeof(int) * (size_t)(g->nvalues + 1));
    if (!seen) return oom();
    int nseen = 0;
    unsigned char a[CSE_CONST_MAX_BYTES], b[CSE_CONST_MAX_BYTES];
    for (int v = 0; v < g->nvalues; v++) {
        const numc_gvalue *gv = &g->values[v];
        size_t na, nb;
        if (gv->kind != GV_CONST || repl[v] != v || !const_key(gv, a, &na)) continue;
        int found = -1;
        for (int s = 0; s < nseen && found < 0; s++) {
            const numc_gvalue *o = &g->values[seen[s]];
            if (o->aval.dtype != gv->aval.dtype || o->aval.ndim != gv->aval.ndim ||
                memcmp(o->aval.shape, gv->aval.shape, sizeof(int64_t) * (size_t)gv->aval.ndim) ||
                ((o->konst->flags ^ gv->konst->flags) & NUMC_AF_WEAK))
                continue;
            if (const_key(o, b, &nb) && nb == na && memcmp(a, b, na) == 0) found = seen[s];
        }
        if (found >= 0) {
            repl[v] = found;
            (*merged)++;
        } else if (nseen < 256) {
            seen[nseen++] = v;
        }
    }
    free(seen);
    return NUMC_OK;
}

numc_status numc_graph_cse(numc_graph *g) {
    int *repl = identity(g->nvalues);
    size_t cap = 16;
    while (cap < (size_t)g->nnodes * 2)
        cap *= 2;
    int *table = malloc(sizeof(int) * cap);
    if (!repl || !table) {
        free(repl);
        free(table);
        return oom();
    }
    for (size_t i = 0; i < cap; i++)
        table[i] = -1;
    int merged = 0;
    numc_status st = merge_constants(g, repl, &merged);
    for (int i = 0; !st && i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        for (int k = 0; k < n->nin; k++)
            n->in[k] = repl[n->in[k]];
        if (numc_prim_info[n->prim].flags & PF_EFFECT) continue;
        size_t j = (size_t)node_hash(n) & (cap - 1);
        int hit = -1;
        while (table[j] >= 0) {
            if (node_equal(&g->nodes[table[j]], n)) {
                hit = table[j];
                break;
            }
            j = (j + 1) & (cap - 1);
        }
        if (hit < 0) {
            table[j] = i;
            continue;
        }
        for (int k = 0; k < n->nout; k++)
            repl[n->out[k]] = g->nodes[hit].out[k];
        n->dead = true;
        merged++;
    }
    if (!st) apply_repl(g, repl);
    g->stats.cse_merged += merged;
    free(repl);
    free(table);
    return st;
}

/* ---- constant folding ---- */
numc_status numc_graph_fold(numc_graph *g, numc_apply_fn eval) {
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        if (n->dead || n->nout < 1 || (numc_prim_info[n->prim].flags & PF_EFFECT)) continue;
        bool all = true;
        for (int k = 0; k < n->nin && all; k++)
            all = g->values[n->in[k]].kind == GV_CONST;
        if (!all) continue;
        int64_t total = 0;
        for (int k = 0; k < n->nout; k++) {
            const numc_aval *av = &g->values[n->out[k]].aval;
            int64_t s = 1;
            for (int d = 0; d < av->ndim; d++)
                s *= av->shape[d];
            total += s;
        }
        if (total > NUMC_FOLD_MAX_ELEMENTS) continue;
        /* a broadcast or iota costs nothing to recompute: materialise only small ones */
        if ((n->prim == NUMC_PRIM_BROADCAST_IN_DIM || n->prim == NUMC_PRIM_IOTA) && total > 1024)
            continue;
        const numc_array *ins[8], **in = n->nin <= 8 ? ins : malloc(sizeof *in * (size_t)n->nin);
        numc_array *outs[4], **out = n->nout <= 4 ? outs : calloc((size_t)n->nout, sizeof *out);
        numc_status st = in && out ? NUMC_OK : oom();
        for (int k = 0; !st && k < n->nin; k++)
            in[k] = g->values[n->in[k]].konst;
        if (!st) st = eval(n->prim, n->nin, in, &n->params, out);
        if (!st) {
            for (int k = 0; k < n->nout; k++) {
                numc_gvalue *v = &g->values[n->out[k]];
                v->kind = GV_CONST;
                v->konst = out[k];
                v->producer = -1;
            }
            n->dead = true;
            g->stats.folded++;
        } else {
            /* leave it to run time, which reports the error if it recurs */
            numc_error_clear();
        }
        if (in != ins) free(in);
        if (out != outs) free(out);
    }
    g->analysed = false;
    return NUMC_OK;
}

/* ---- DCE ---- */
numc_status numc_graph_dce(numc_graph *g) {
    bool *live = calloc((size_t)g->nvalues + 1, sizeof *live);
    if (!live) return oom();
    for (int k = 0; k < g->noutputs; k++)
        live[g->outputs[k]] = true;
    for (int i = g->nnodes; i-- > 0;) {
        numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        bool any = (numc_prim_info[n->prim].flags & PF_EFFECT) != 0;
        for (int k = 0; k < n->nout && !any; k++)
            any = live[n->out[k]];
        if (!any) {
            n->dead = true;
            g->stats.dce_removed++;
            continue;
        }
        for (int k = 0; k < n->nin; k++)
            live[n->in[k]] = true;
    }
    free(live);
    g->analysed = false;
    return NUMC_OK;
}

/* Drops dead nodes and releases constants nothing refers to. */
void numc_graph_compact(numc_graph *g) {
    numc_fusion_free(g->fusion); /* it names nodes by index */
    g->fusion = NULL;
    int j = 0;
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        if (n->dead) {
            for (int k = 0; k < n->nout; k++)
                if (g->values[n->out[k]].kind == GV_NODE) g->values[n->out[k]].kind = GV_DEAD;
            numc_params_ptr_release(n->prim, n->params.ptr);
            free(n->in);
            free(n->dead_after);
            continue;
        }
        if (j != i) g->nodes[j] = *n;
        for (int k = 0; k < g->nodes[j].nout; k++)
            g->values[g->nodes[j].out[k]].producer = j;
        j++;
    }
    g->nnodes = j;
    bool *used = calloc((size_t)g->nvalues + 1, sizeof *used);
    if (used) {
        for (int i = 0; i < g->nnodes; i++)
            for (int k = 0; k < g->nodes[i].nin; k++)
                used[g->nodes[i].in[k]] = true;
        for (int k = 0; k < g->noutputs; k++)
            used[g->outputs[k]] = true;
        for (int v = 0; v < g->nvalues; v++)
            if (g->values[v].kind == GV_CONST && !used[v] && g->values[v].konst) {
                numc_array_release(g->values[v].konst);
                g->values[v].konst = NULL;
            }
        free(used);
    }
    g->analysed = false;
}

/* ---- liveness ---- */
numc_status numc_graph_analyse(numc_graph *g) {
    for (int v = 0; v < g->nvalues; v++) {
        g->values[v].nuses = 0;
        g->values[v].last_use = -1;
    }
    g->work = 0;
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        for (int k = 0; k < n->nin; k++) {
            numc_gvalue *v = &g->values[n->in[k]];
            v->nuses++;
            v->last_use = i;
        }
        for (int k = 0; k < n->nout; k++) {
            const numc_aval *av = &g->values[n->out[k]].aval;
            int64_t s = 1;
            for (int d = 0; d < av->ndim; d++)
                s *= av->shape[d];
            g->work += s;
        }
    }
    for (int k = 0; k < g->noutputs; k++) {
        numc_gvalue *v = &g->values[g->outputs[k]];
        v->nuses++;
        v->last_use = g->nnodes;
    }
    /* each owned (node-produced) value dies after its last use, or right
     * after its producer when nothing uses it */
    int *cnt = calloc((size_t)g->nnodes + 1, sizeof *cnt);
    if (!cnt) return oom();
    for (int v = 0; v < g->nvalues; v++) {
        const numc_gvalue *gv = &g->values[v];
        if (gv->kind != GV_NODE || gv->last_use == g->nnodes) continue;
        cnt[gv->last_use >= 0 ? gv->last_use : gv->producer]++;
    }
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        free(n->dead_after);
        n->dead_after = cnt[i] ? malloc(sizeof(int) * (size_t)cnt[i]) : NULL;
        n->ndead = 0;
        if (cnt[i] && !n->dead_after) {
            free(cnt);
            return oom();
        }
    }
    for (int v = 0; v < g->nvalues; v++) {
        const numc_gvalue *gv = &g->values[v];
        if (gv->kind != GV_NODE || gv->last_use == g->nnodes) continue;
        numc_gnode *n = &g->nodes[gv->last_use >= 0 ? gv->last_use : gv->producer];
        n->dead_after[n->ndead++] = v;
    }
    free(cnt);
    int nc = 0;
    for (int v = 0; v < g->nvalues; v++)
        if (g->values[v].kind == GV_CONST && g->values[v].nuses) nc++;
    free(g->const_ids);
    g->const_ids = malloc(sizeof(int) * (size_t)(nc ? nc : 1));
    if (!g->const_ids) return oom();
    g->nconst = 0;
    for (int v = 0; v < g->nvalues; v++)
        if (g->values[v].kind == GV_CONST && g->values[v].nuses) g->const_ids[g->nconst++] = v;
    g->analysed = true;
    return NUMC_OK;
}

numc_status numc_graph_optimise_with(numc_graph *g, numc_apply_fn eval) {
    if (g->optimised && g->analysed) return NUMC_OK;
    numc_status st = numc_graph_cse(g);
    if (!st) st = numc_graph_fold(g, eval);
    if (!st) st = numc_graph_cse(g);
    if (!st) st = numc_graph_dce(g);
    if (st) return st;
    numc_graph_compact(g);
    st = numc_graph_analyse(g);
    if (!st) g->optimised = true;
    return st;
}
