/* fuse.c — the fusion pass and the memory planner (graph.h, "fusion").
 *
 * Grouping is one forward sweep over the (topologically ordered) nodes. An
 * elementwise node joins the open group that produced one of its operands
 * (same shape) or starts a new one. A group runs at its last member, so it
 * must close as soon as any node outside it reads one of its values: that
 * reader comes before the group's execution point, and later members would
 * otherwise run after it (or form a cycle through it). broadcast_in_dim nodes
 * whose operand is materialised are folded: the program reads the operand
 * with the broadcast's dim map, and the node itself runs only when something
 * outside a group needs its value. Groups with fewer than two ops are
 * dissolved (eager's kernel is the same loop, without the bookkeeping).
 *
 * Then: which member values a group must write (read outside it, or graph
 * outputs), when every materialised value dies under this schedule, and the
 * arena: group outputs that are not graph outputs get offsets in one buffer,
 * two values sharing bytes only when their lifetimes (extended through every
 * node that may return a view of them) do not overlap, and a group output
 * written over an input that dies at its group when that is safe. */
#include "graph.h"

#include <stdlib.h>

/* ops per group: with at most 3 operands each, registers (<= 64), inputs and
 * outputs stay within the executor's fixed tables */
#define FUSE_MAX_OPS 16
#define ARENA_ALIGN 64

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "fusion: out of memory");
}

void numc_fusion_free(numc_fusion *f) {
    if (!f) return;
    for (int k = 0; k < f->ngroups; k++) {
        numc_fgroup *gr = &f->groups[k];
        free(gr->prog);
        free(gr->members);
        free(gr->fold);
        free(gr->in_vals);
        free(gr->out_vals);
    }
    free(f->groups);
    free(f->node_group);
    for (int i = 0; f->dead_after && i < f->nnodes; i++)
        free(f->dead_after[i]);
    free(f->dead_after);
    free(f->ndead);
    free(f->arena_off);
    numc_buffer *a = atomic_load(&f->arena);
    if (a) numc_buffer_release(a);
    free(f);
}

static bool fusible(const numc_graph *g, const numc_gnode *n) {
    if (!(numc_prim_info[n->prim].flags & PF_EW) || n->nout != 1 ||
        n->nin > NUMC_FUSED_MAX_OPERANDS || n->nin < 1)
        return false;
    const numc_aval *av = &g->values[n->out[0]].aval;
    for (int k = 0; k < n->nin; k++) {
        const numc_aval *iv = &g->values[n->in[k]].aval;
        if (iv->ndim != av->ndim ||
            memcmp(iv->shape, av->shape, sizeof(int64_t) * (size_t)av->ndim))
            return false;
    }
    return true;
}

static bool same_shape(const numc_aval *a, const numc_aval *b) {
    return a->ndim == b->ndim && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim);
}

/* working state of the sweep */
typedef struct {
    int *grp;      /* per node: group id or -1 */
    bool *closed;  /* per group */
    int *nops;     /* per group */
    int *shape_of; /* per group: a member node (its output shape is the group's) */
    int *prod;     /* per value: producing node or -1 */
    int ng;
} sweep;

static int value_group(const sweep *s, int v) {
    return s->prod[v] >= 0 ? s->grp[s->prod[v]] : -1;
}

/* Whether value v (read by a member of group gid) is a foldable broadcast:
 * produced by a broadcast_in_dim whose operand is not gid's own value. */
static bool foldable(const numc_graph *g, const sweep *s, int v, int gid) {
    int p = s->prod[v];
    if (p < 0 || g->nodes[p].prim != NUMC_PRIM_BROADCAST_IN_DIM) return false;
    int u = g->nodes[p].in[0];
    return value_group(s, u) != gid || gid < 0;
}

static numc_status group_nodes(numc_graph *g, sweep *s) {
    for (int i = 0; i < g->nnodes; i++) {
        numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        if (!fusible(g, n)) {
            /* an outside reader closes the groups it reads from */
            for (int k = 0; k < n->nin; k++) {
                int gid = value_group(s, n->in[k]);
                if (gid >= 0) s->closed[gid] = true;
            }
            continue;
        }
        const numc_aval *av = &g->values[n->out[0]].aval;
        int join = -1;
        for (int k = 0; k < n->nin && join < 0; k++) {
            int gid = value_group(s, n->in[k]);
            if (gid >= 0 && !s->closed[gid] && s->nops[gid] < FUSE_MAX_OPS &&
                same_shape(&g->values[g->nodes[s->shape_of[gid]].out[0]].aval, av))
                join = gid;
        }
        if (join < 0) {
            join = s->ng++;
            s->closed[join] = false;
            s->nops[join] = 0;
            s->shape_of[join] = i;
        }
        /* other open groups of this shape that n reads merge into join (none
         * of their values was read outside them yet); the rest close */
        for (int k = 0; k < n->nin; k++) {
            int gid = value_group(s, n->in[k]);
            if (gid < 0 || gid == join) continue;
            if (!s->closed[gid] && s->nops[gid] + s->nops[join] < FUSE_MAX_OPS &&
                same_shape(&g->values[g->nodes[s->shape_of[gid]].out[0]].aval, av)) {
                for (int m = 0; m < i; m++)
                    if (s->grp[m] == gid) s->grp[m] = join;
                s->nops[join] += s->nops[gid];
                s->nops[gid] = 0;
                s->closed[gid] = true;
            } else {
                s->closed[gid] = true;
            }
        }
        s->grp[i] = join;
        s->nops[join]++;
    }
    return NUMC_OK;
}

/* Builds group gid's program and tables. members[0..nm) in order. */
static numc_status build_group(numc_graph *g, const sweep *s, int gid, const int *members, int nm,
                               const int *nouter_uses, numc_fgroup *gr) {
    numc_gvalue *vals = g->values;
    /* registers: value -> reg (via a small search; groups are small) */
    int cap = nm * (NUMC_FUSED_MAX_OPERANDS + 1);
    int *rv = malloc(sizeof(int) * (size_t)cap);    /* reg -> value read/written */
    int *rsrc = malloc(sizeof(int) * (size_t)cap);  /* input regs: value loaded */
    int *rfold = malloc(sizeof(int) * (size_t)cap); /* input regs: folding node or -1 */
    int *last = malloc(sizeof(int) * (size_t)cap);  /* reg -> last op reading it */
    bool *isin = calloc((size_t)cap, sizeof(bool));
    int *fold = malloc(sizeof(int) * (size_t)cap);
    if (!rv || !rsrc || !rfold || !last || !isin || !fold) {
        free(rv), free(rsrc), free(rfold), free(last), free(isin), free(fold);
        return oom();
    }
    int nreg = 0, nin = 0, nout = 0, nfold = 0;
    for (int m = 0; m < nm; m++) {
        const numc_gnode *n = &g->nodes[members[m]];
        for (int k = 0; k < n->nin; k++) {
            int v = n->in[k], r = -1;
            for (int q = 0; q < nreg && r < 0; q++)
                if (rv[q] == v) r = q;
            if (r >= 0) continue;
            r = nreg++;
            rv[r] = v;
            isin[r] = true;
            last[r] = -1;
            nin++;
            if (foldable(g, s, v, gid)) {
                int p = s->prod[v];
                rsrc[r] = g->nodes[p].in[0];
                rfold[r] = p;
                bool seen = false;
                for (int q = 0; q < nfold; q++)
                    seen |= fold[q] == p;
                if (!seen) fold[nfold++] = p;
            } else {
                rsrc[r] = v;
                rfold[r] = -1;
            }
        }
        int r = nreg++;
        rv[r] = n->out[0];
        isin[r] = false;
        last[r] = -1;
        if (nouter_uses[n->out[0]]) nout++;
    }
    numc_fused_prog *p = numc_fused_prog_new(nreg, nin, nm, nout);
    gr->members = malloc(sizeof(int) * (size_t)nm);
    gr->in_vals = malloc(sizeof(int) * (size_t)(nin + 1));
    gr->out_vals = malloc(sizeof(int) * (size_t)(nout + 1));
    gr->fold = fold;
    gr->nfold = nfold;
    numc_status st = p && gr->members && gr->in_vals && gr->out_vals ? NUMC_OK : oom();
    gr->prog = p;
    if (!st) {
        const numc_aval *av = &vals[g->nodes[members[nm - 1]].out[0]].aval;
        p->ndim = av->ndim;
        p->size = 1;
        for (int d = 0; d < av->ndim; d++) {
            p->shape[d] = av->shape[d];
            p->size *= av->shape[d];
        }
        memcpy(gr->members, members, sizeof(int) * (size_t)nm);
        gr->nmembers = nm;
        gr->pos = members[nm - 1];
        int ki = 0, ko = 0;
        for (int r = 0; r < nreg; r++) {
            p->dtype[r] = vals[rv[r]].aval.dtype;
            if (isin[r]) {
                numc_fused_in *fi = &p->in[ki];
                fi->reg = r;
                fi->ndim = -1;
                if (rfold[r] >= 0) {
                    const numc_gnode *b = &g->nodes[rfold[r]];
                    const int ond = (int)b->params.i[0], xnd = vals[rsrc[r]].aval.ndim;
                    fi->ndim = xnd;
                    for (int d = 0; d < xnd; d++)
                        fi->dims[d] = (int8_t)b->params.i[1 + ond + d];
                }
                gr->in_vals[ki++] = rsrc[r];
            } else if (nouter_uses[rv[r]]) {
                p->out[ko] = r;
                gr->out_vals[ko++] = rv[r];
            }
        }
        /* ops over registers; scratch slots by liveness inside the program */
        int reg_of_out = 0;
        for (int m = 0; m < nm; m++) {
            const numc_gnode *n = &g->nodes[members[m]];
            numc_fused_op *op = &p->ops[m];
            op->prim = n->prim;
            op->nin = n->nin;
            op->params = n->params;
            for (int k = 0; k < n->nin; k++) {
                int r = 0;
                while (rv[r] != n->in[k])
                    r++;
                op->in[k] = r;
                last[r] = m;
            }
            while (rv[reg_of_out] != n->out[0])
                reg_of_out++;
            op->out = reg_of_out;
        }
        int *free_slots = malloc(sizeof(int) * (size_t)(nreg + 1));
        int nfree = 0, nslots = 0;
        if (!free_slots) st = oom();
        for (int r = 0; !st && r < nreg; r++)
            p->slot[r] = -1;
        for (int r = 0; !st && r < nreg; r++)
            if (isin[r]) p->slot[r] = nslots++; /* gathered per tile when strided */
        for (int m = 0; !st && m < nm; m++) {
            const numc_fused_op *op = &p->ops[m];
            if (!nouter_uses[rv[op->out]])
                p->slot[op->out] = nfree ? free_slots[--nfree] : nslots++;
            /* operands whose last reader this is give their slot back (after
             * the result took one: a loop's output may not overlap an input
             * of another itemsize) */
            for (int k = 0; k < op->nin; k++) {
                int r = op->in[k];
                bool dup = false;
                for (int q = 0; q < k; q++)
                    dup |= op->in[q] == r;
                if (!dup && last[r] == m && !isin[r] && p->slot[r] >= 0)
                    free_slots[nfree++] = p->slot[r];
            }
        }
        p->nslots = nslots;
        free(free_slots);
    }
    free(rv), free(rsrc), free(rfold), free(last), free(isin);
    return st;
}

/* The schedule's release points: each materialised node value dies after
 * the last step reading it (a group reads at its position). */
static numc_status plan_deaths(numc_graph *g, numc_fusion *f, int *lastuse) {
    const int nn = g->nnodes;
    for (int v = 0; v < g->nvalues; v++)
        lastuse[v] = -1;
    for (int i = 0; i < nn; i++) {
        const numc_gnode *n = &g->nodes[i];
        if (n->dead || f->node_group[i] >= 0) continue;
        for (int k = 0; k < n->nin; k++)
            lastuse[n->in[k]] = i;
    }
    for (int k = 0; k < f->ngroups; k++) {
        const numc_fgroup *gr = &f->groups[k];
        for (int q = 0; q < gr->prog->nin; q++)
            if (lastuse[gr->in_vals[q]] < gr->pos) lastuse[gr->in_vals[q]] = gr->pos;
    }
    for (int k = 0; k < g->noutputs; k++)
        lastuse[g->outputs[k]] = nn;
    f->dead_after = calloc((size_t)nn + 1, sizeof *f->dead_after);
    f->ndead = calloc((size_t)nn + 1, sizeof *f->ndead);
    if (!f->dead_after || !f->ndead) return oom();
    /* where each value is produced under the schedule */
    for (int pass = 0; pass < 2; pass++) {
        for (int v = 0; v < g->nvalues; v++) {
            const numc_gvalue *gv = &g->values[v];
            if (gv->kind != GV_NODE || lastuse[v] == nn) continue;
            int pi = gv->producer, grp = f->node_group[pi];
            int at = grp >= 0 ? f->groups[grp].pos : pi;
            if (grp >= 0) {
                /* only the values the group writes are materialised */
                bool written = false;
                for (int q = 0; q < f->groups[grp].prog->nout; q++)
                    written |= f->groups[grp].out_vals[q] == v;
                if (!written) continue;
            }
            int when = lastuse[v] > at ? lastuse[v] : at;
            if (pass == 0)
                f->ndead[when]++;
            else
                f->dead_after[when][f->ndead[when]++] = v;
        }
        if (pass == 0)
            for (int i = 0; i < nn; i++) {
                if (f->ndead[i] && !(f->dead_after[i] = malloc(sizeof(int) * (size_t)f->ndead[i])))
                    return oom();
                f->ndead[i] = 0;
            }
    }
    return NUMC_OK;
}

/* Whether running p may return a view of (or the same array as) an operand:
 * the eager interpreter's views (layout primitives, a same-dtype convert,
 * stop_gradient) and primitives with their own eager rule (control flow can
 * return an input). Every other kernel writes a fresh output. */
static bool may_alias(numc_prim p) {
    return (numc_prim_info[p].flags & PF_LAYOUT) || p == NUMC_PRIM_CONVERT ||
           p == NUMC_PRIM_STOP_GRADIENT || numc_prim_rules[p].eager != NULL;
}

/* An arena input of v's group whose bytes v may take over: it dies at this
 * group (its last reader, no views of it outlive it), has v's shape, dtype
 * size and bytes, is read in place (not through a folded broadcast), and no
 * op after the one writing v reads it (within a tile every op runs before the
 * next, and a loop may write over exactly the input it reads). -1 if none. */
static int donor(const numc_graph *g, const numc_fusion *f, int v, const int64_t *end,
                 const int64_t *bytes, const bool *donated) {
    const int pi = g->values[v].producer, k = f->node_group[pi];
    if (k < 0) return -1;
    const numc_fgroup *gr = &f->groups[k];
    const numc_fused_prog *p = gr->prog;
    int rv = -1, opv = -1;
    for (int q = 0; q < p->nout; q++)
        if (gr->out_vals[q] == v) rv = p->out[q];
    for (int i = 0; i < p->nops; i++)
        if (p->ops[i].out == rv) opv = i;
    if (opv < 0) return -1;
    for (int q = 0; q < p->nin; q++) {
        const int w = gr->in_vals[q], rw = p->in[q].reg;
        if (g->values[w].kind != GV_NODE || f->arena_off[w] < 0 || donated[w] ||
            end[w] != gr->pos || p->in[q].ndim >= 0 || bytes[w] != bytes[v] ||
            numc_dtype_info[p->dtype[rw]].itemsize != numc_dtype_info[p->dtype[rv]].itemsize)
            continue;
        bool later = false;
        for (int i = opv + 1; i < p->nops && !later; i++)
            for (int a = 0; a < p->ops[i].nin; a++)
                later |= p->ops[i].in[a] == rw;
        if (!later) return w;
    }
    return -1;
}

/* The arena: offsets for group outputs that do not leave the call. A value
 * stays reserved until its last reader, and until the last reader of any
 * value a node that may return a view computed from it. */
static numc_status plan_arena(numc_graph *g, numc_fusion *f, const int *lastuse) {
    const int nn = g->nnodes, nv = g->nvalues;
    int64_t *end = malloc(sizeof(int64_t) * (size_t)nv);
    int64_t *start = malloc(sizeof(int64_t) * (size_t)nv);
    int64_t *bytes = malloc(sizeof(int64_t) * (size_t)nv);
    int *order = malloc(sizeof(int) * (size_t)nv);
    bool *donated = calloc((size_t)nv, sizeof(bool));
    f->arena_off = malloc(sizeof(int64_t) * (size_t)nv);
    if (!end || !start || !bytes || !order || !donated || !f->arena_off) {
        free(end), free(start), free(bytes), free(order), free(donated);
        return oom();
    }
    for (int v = 0; v < nv; v++) {
        end[v] = lastuse[v];
        f->arena_off[v] = -1;
    }
    for (int i = nn - 1; i >= 0; i--) {
        const numc_gnode *n = &g->nodes[i];
        if (n->dead || f->node_group[i] >= 0 || !may_alias(n->prim)) continue;
        int64_t e = i;
        for (int k = 0; k < n->nout; k++)
            if (end[n->out[k]] > e) e = end[n->out[k]];
        for (int k = 0; k < n->nin; k++)
            if (end[n->in[k]] < e) end[n->in[k]] = e;
    }
    int na = 0;
    for (int k = 0; k < f->ngroups; k++) {
        const numc_fgroup *gr = &f->groups[k];
        for (int q = 0; q < gr->prog->nout; q++) {
            int v = gr->out_vals[q];
            if (end[v] >= nn) continue; /* leaves the call (maybe as a view) */
            const numc_aval *av = &g->values[v].aval;
            int64_t sz = (int64_t)numc_dtype_info[av->dtype].itemsize;
            for (int d = 0; d < av->ndim; d++)
                sz *= av->shape[d];
            if (sz == 0) continue;
            bytes[v] = (sz + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
            start[v] = gr->pos;
            order[na++] = v;
        }
    }
    /* in order of production (insertion sort: few values) */
    for (int a = 1; a < na; a++)
        for (int b = a; b > 0 && start[order[b - 1]] > start[order[b]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    int64_t total = 0;
    for (int a = 0; a < na; a++) {
        int v = order[a];
        int w = donor(g, f, v, end, bytes, donated);
        if (w >= 0) { /* written in place over a dead input */
            donated[w] = true;
            f->arena_off[v] = f->arena_off[w];
            f->inplace++;
            continue;
        }
        int64_t off = 0; /* first fit */
        for (bool moved = true; moved;) {
            moved = false;
            for (int b = 0; b < a; b++) {
                int w = order[b];
                bool overlap_time = start[w] <= end[v] && start[v] <= end[w];
                bool overlap_mem =
                    f->arena_off[w] < off + bytes[v] && off < f->arena_off[w] + bytes[w];
                if (overlap_time && overlap_mem) {
                    off = f->arena_off[w] + bytes[w];
                    moved = true;
                }
            }
        }
        f->arena_off[v] = off;
        if (off + bytes[v] > total) total = off + bytes[v];
    }
    f->arena_bytes = total;
    f->arena_values = na;
    free(end), free(start), free(bytes), free(order), free(donated);
    return NUMC_OK;
}

numc_status numc_graph_fuse(numc_graph *g) {
    numc_fusion_free(g->fusion);
    g->fusion = NULL;
    numc_status st = g->analysed ? NUMC_OK : numc_graph_analyse(g);
    if (st) return st;
    const int nn = g->nnodes, nv = g->nvalues;
    sweep s = {0};
    s.grp = malloc(sizeof(int) * (size_t)(nn + 1));
    s.closed = malloc(sizeof(bool) * (size_t)(nn + 1));
    s.nops = malloc(sizeof(int) * (size_t)(nn + 1));
    s.shape_of = malloc(sizeof(int) * (size_t)(nn + 1));
    s.prod = malloc(sizeof(int) * (size_t)(nv + 1));
    int *outer = calloc((size_t)nv + 1, sizeof(int));
    int *lastuse = malloc(sizeof(int) * (size_t)(nv + 1));
    int *members = malloc(sizeof(int) * (size_t)(nn + 1));
    numc_fusion *f = calloc(1, sizeof *f);
    if (!s.grp || !s.closed || !s.nops || !s.shape_of || !s.prod || !outer || !lastuse ||
        !members || !f) {
        st = oom();
        goto done;
    }
    atomic_init(&f->arena, NULL);
    atomic_init(&f->arena_allocs, 0);
    f->nnodes = nn;
    for (int i = 0; i < nn; i++)
        s.grp[i] = -1;
    for (int v = 0; v < nv; v++)
        s.prod[v] = g->values[v].kind == GV_NODE ? g->values[v].producer : -1;
    group_nodes(g, &s);
    /* dissolve groups of one op */
    for (int i = 0; i < nn; i++)
        if (s.grp[i] >= 0 && s.nops[s.grp[i]] < 2) s.grp[i] = -1;
    /* values read outside their group (by plain nodes, other groups, folded
     * broadcasts that still run, or as graph outputs) must be written */
    for (int i = 0; i < nn; i++) {
        const numc_gnode *n = &g->nodes[i];
        if (n->dead) continue;
        for (int k = 0; k < n->nin; k++) {
            int v = n->in[k], pg = value_group(&s, v);
            if (pg >= 0 && pg != s.grp[i]) outer[v]++;
        }
    }
    for (int k = 0; k < g->noutputs; k++)
        outer[g->outputs[k]]++;
    f->node_group = malloc(sizeof(int) * (size_t)(nn + 1));
    f->groups = calloc((size_t)(s.ng + 1), sizeof *f->groups);
    if (!f->node_group || !f->groups) {
        st = oom();
        goto done;
    }
    for (int i = 0; i < nn; i++)
        f->node_group[i] = -1;
    int *renum = s.nops; /* reused: old group id -> new */
    for (int gid = 0; gid < s.ng && !st; gid++) {
        int nm = 0;
        for (int i = 0; i < nn; i++)
            if (s.grp[i] == gid) members[nm++] = i;
        renum[gid] = -1;
        if (nm < 2) continue;
        numc_fgroup *gr = &f->groups[f->ngroups];
        st = build_group(g, &s, gid, members, nm, outer, gr);
        if (st) break;
        renum[gid] = f->ngroups++;
        f->fused_ops += nm;
        for (int m = 0; m < nm; m++)
            f->node_group[members[m]] = renum[gid];
    }
    /* a folded broadcast is skipped when only groups that folded it read it */
    for (int k = 0; k < f->ngroups && !st; k++) {
        numc_fgroup *gr = &f->groups[k];
        for (int q = 0; q < gr->nfold; q++) {
            int b = gr->fold[q], v = g->nodes[b].out[0];
            bool outside = false;
            for (int i = 0; i < nn && !outside; i++) {
                const numc_gnode *n = &g->nodes[i];
                if (n->dead) continue;
                for (int j = 0; j < n->nin; j++)
                    outside |= n->in[j] == v && f->node_group[i] < 0;
            }
            for (int j = 0; j < g->noutputs; j++)
                outside |= g->outputs[j] == v;
            if (!outside && f->node_group[b] < 0) f->node_group[b] = k;
        }
    }
    if (!st) st = plan_deaths(g, f, lastuse);
    if (!st) st = plan_arena(g, f, lastuse);
done:
    free(s.grp), free(s.closed), free(s.nops), free(s.shape_of), free(s.prod);
    free(outer), free(lastuse), free(members);
    if (st || (f && f->ngroups == 0)) {
        numc_fusion_free(f);
        return st;
    }
    g->fusion = f;
    return NUMC_OK;
}

void numc_graph_fusion_stats(const numc_graph *g, numc_fusion_stats *out) {
    memset(out, 0, sizeof *out);
    const numc_fusion *f = g->fusion;
    if (!f) return;
    out->groups = f->ngroups;
    out->fused_ops = f->fused_ops;
    out->arena_values = f->arena_values;
    out->arena_inplace = f->inplace;
    out->arena_bytes = f->arena_bytes;
    out->arena_allocs = atomic_load(&((numc_fusion *)f)->arena_allocs);
}

char *numc_graph_lower_text(const numc_graph *g) {
    return numc_graph_fused_to_string(g);
}
