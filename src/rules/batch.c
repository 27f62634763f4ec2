/* batch.c — the batching rules (vmap) of the primitives, one table built from
 * prims.def that registry.c puts in the rule records: a new row without a
 * `batch_<name>` entry here fails to compile, on purpose. The batch
 * interpreter's machinery (apply, the loop-and-stack fallback) is in
 * interp/batch.c; rules call down into it.
 *
 * A rule gets each operand's value and batch axis (NUMC_NOT_MAPPED when the
 * operand does not depend on the batch) and binds primitives (numc_bind only)
 * to compute the batched outputs, reporting each output's batch axis. The
 * families:
 * - elementwise: batch axes brought to one position (the first batched
 *   operand's), unbatched operands broadcast in with broadcast_in_dim (a view
 *   when eager); one bind.
 * - layout, reductions, scans: the per-example parameters are shifted around
 *   the batch axis; one bind, no data movement beyond the primitive's own.
 * - dot_general: two batched operands get one more batch-dimension pair; an
 *   unbatched operand leaves the other's batch axis as a free dimension.
 * - gather/scatter with batched indices: the batch axis and the indexed axis
 *   are merged into one and the indices offset per example; dynamic_slice and
 *   dynamic_update_slice with batched starts become a gather/scatter of
 *   linear indices.
 * - control flow (call, cond, while, scan_loop): the bodies run inline on the
 *   operands as bound (this interpreter's tracers), so each node is batched
 *   by its own rule; cond with a batched index runs every branch and selects;
 *   while with a batched predicate runs until no example continues, freezing
 *   the finished ones with select. Where a decision needs a value that is not
 *   concrete (vmap inside a trace) they take the loop-and-stack fallback.
 * The fallback (interp/batch.c) also backs the numc_batch_force_fallback debug
 * switch that the tests use to check every rule against it. */
#include "rules-impl.h"

#define NM NUMC_NOT_MAPPED
#define ARR(...) ((const numc_array *const[]){__VA_ARGS__})

/* ---- outputs ---- */
static numc_status put(numc_batch_ctx *c, int k, const numc_array *v, int bdim) {
    return numc_batch_put(c, k, v, bdim);
}

/* ---- binding helpers (NULL in, NULL out: a chain checks once, at put) ---- */
static numc_array *bindp(numc_batch_ctx *c, numc_prim p, int nin, const numc_array *const *in,
                         const numc_params *pr) {
    return numc_scope_bind(&c->tmp, p, nin, in, pr);
}

static numc_array *bin(numc_batch_ctx *c, numc_prim p, const numc_array *x, const numc_array *y) {
    return bindp(c, p, 2, ARR(x, y), NULL);
}

static numc_array *cst(numc_batch_ctx *c, numc_dtype dt, double v) {
    return numc_scope_const(&c->tmp, dt, v, 0);
}

static numc_array *bcast(numc_batch_ctx *c, const numc_array *x, int nd, const int64_t *shape,
                         const int64_t *dims) {
    return numc_scope_broadcast_in_dim(&c->tmp, x, nd, shape, dims);
}

static numc_array *full(numc_batch_ctx *c, numc_dtype dt, double v, int nd, const int64_t *shape) {
    return numc_scope_full(&c->tmp, dt, v, nd, shape);
}

static numc_array *full_like(numc_batch_ctx *c, const numc_array *x, double v) {
    return x ? full(c, x->dtype, v, x->ndim, x->shape) : NULL;
}

static numc_array *binc(numc_batch_ctx *c, numc_prim p, const numc_array *x, double v) {
    return bin(c, p, x, full_like(c, x, v));
}

static numc_array *cvt(numc_batch_ctx *c, const numc_array *x, numc_dtype dt) {
    return numc_scope_convert(&c->tmp, x, dt);
}

static numc_array *reshape(numc_batch_ctx *c, const numc_array *x, int nd, const int64_t *shape) {
    return numc_scope_reshape(&c->tmp, x, nd, shape);
}

static numc_array *transpose(numc_batch_ctx *c, const numc_array *x, const int64_t *perm) {
    return numc_scope_transpose(&c->tmp, x, perm);
}

/* Moves axis `from` of x to position `to` (the others keep their order). */
static numc_array *moveaxis(numc_batch_ctx *c, const numc_array *x, int from, int to) {
    if (!x || from == to) return (numc_array *)x;
    int64_t perm[NUMC_MAX_DIMS];
    for (int i = 0, j = 0; i < x->ndim; i++) {
        if (i == to)
            perm[i] = from;
        else {
            if (j == from) j++;
            perm[i] = j++;
        }
    }
    return transpose(c, x, perm);
}

static numc_array *iota(numc_batch_ctx *c, numc_dtype dt, int64_t dim, int nd,
                        const int64_t *shape) {
    numc_params pr = {.n = 3 + nd, .i = {dt, dim, nd}};
    memcpy(pr.i + 3, shape, sizeof(int64_t) * (size_t)nd);
    return bindp(c, NUMC_PRIM_IOTA, 0, NULL, &pr);
}

static numc_array *gather(numc_batch_ctx *c, const numc_array *x, const numc_array *idx,
                          int64_t axis) {
    numc_params pr = {.n = 1, .i = {axis}};
    return bindp(c, NUMC_PRIM_GATHER, 2, ARR(x, idx), &pr);
}

static numc_array *scatter(numc_batch_ctx *c, const numc_array *x, const numc_array *idx,
                           const numc_array *upd, int64_t axis, int64_t mode) {
    numc_params pr = {.n = 2, .i = {axis, mode}};
    return bindp(c, NUMC_PRIM_SCATTER, 3, ARR(x, idx, upd), &pr);
}

/* x with a new axis of the batch size at position `to` (a broadcast). */
static numc_array *insert_batch(numc_batch_ctx *c, const numc_array *x, int to) {
    if (!x) return NULL;
    int nd = x->ndim + 1;
    int64_t shape[NUMC_MAX_DIMS], dims[NUMC_MAX_DIMS];
    for (int i = 0, j = 0; i < nd; i++) {
        if (i == to)
            shape[i] = c->size;
        else {
            dims[j] = i;
            shape[i] = x->shape[j++];
        }
    }
    return bcast(c, x, nd, shape, dims);
}

/* Operand i with its batch axis at `to` (broadcast in when unbatched). */
static numc_array *at(numc_batch_ctx *c, int i, int to) {
    int b = c->bdim[i];
    return b == NM ? insert_batch(c, c->in[i], to) : moveaxis(c, c->in[i], b, to);
}

/* The actual axis of per-example axis a when the batch axis is b. */
static inline int64_t ax(int b, int64_t a) {
    return b == NM || a < b ? a : a + 1;
}

static int first_batched(const numc_batch_ctx *c) {
    for (int i = 0; i < c->nin; i++)
        if (c->bdim[i] != NM) return c->bdim[i];
    return NM;
}

/* Binds the row's primitive with new operands and params; output 0 at bdim. */
static numc_status rebind(numc_batch_ctx *c, int nin, const numc_array *const *in,
                          const numc_params *pr, int bdim) {
    return put(c, 0, bindp(c, c->prim, nin, in, pr), bdim);
}

/* ---- elementwise ---- */
static numc_status batch_ew(numc_batch_ctx *c) {
    int d = first_batched(c);
    const numc_array *ops[4];
    for (int i = 0; i < c->nin; i++)
        ops[i] = c->bdim[i] == d ? c->in[i] : at(c, i, d);
    return rebind(c, c->nin, ops, c->pr, d);
}

/* ---- layout ---- */
static numc_status batch_reshape(numc_batch_ctx *c) {
    /* Keep the batch axis where it is when the per-example dims before it
     * fill a prefix of the new shape exactly: then (pre, n, post) reshapes
     * to (new[:k], n, new[k:]) example by example (a view when eager);
     * moving the axis to the front instead would force a copy. */
    const numc_array *x = c->in[0];
    int b = c->bdim[0];
    int64_t pre = 1;
    for (int i = 0; i < b; i++)
        pre *= x->shape[i];
    int64_t acc = 1;
    int k = 0;
    while (k < c->pr->n && acc < pre)
        acc *= c->pr->i[k++];
    if (acc == pre && pre > 0) {
        numc_params pr = {.n = c->pr->n + 1};
        memcpy(pr.i, c->pr->i, sizeof(int64_t) * (size_t)k);
        pr.i[k] = c->size;
        memcpy(pr.i + k + 1, c->pr->i + k, sizeof(int64_t) * (size_t)(c->pr->n - k));
        return rebind(c, 1, c->in, &pr, k);
    }
    numc_params pr = {.n = c->pr->n + 1};
    pr.i[0] = c->size;
    memcpy(pr.i + 1, c->pr->i, sizeof(int64_t) * (size_t)c->pr->n);
    return rebind(c, 1, ARR(at(c, 0, 0)), &pr, 0);
}

static numc_status batch_broadcast_in_dim(numc_batch_ctx *c) {
    const numc_array *x = c->in[0];
    int b = c->bdim[0];
    int nd = (int)c->pr->i[0];
    const int64_t *shape = c->pr->i + 1, *dims = c->pr->i + 1 + nd;
    /* the output batch axis goes right after the previous input dim's, which
     * keeps the dimension map increasing */
    int ob = b == 0 ? 0 : (int)dims[b - 1] + 1;
    numc_params pr = {.n = 1 + (nd + 1) + x->ndim};
    pr.i[0] = nd + 1;
    for (int i = 0, j = 0; i < nd + 1; i++)
        pr.i[1 + i] = i == ob ? c->size : shape[j++];
    int64_t *nd_ = pr.i + 2 + nd;
    for (int j = 0; j < x->ndim; j++)
        nd_[j] = j == b ? ob : j < b ? dims[j] : dims[j - 1] + 1;
    return rebind(c, 1, ARR(x), &pr, ob);
}

static numc_status batch_transpose(numc_batch_ctx *c) {
    int b = c->bdim[0];
    int nd = c->in[0]->ndim;
    numc_params pr = {.n = nd};
    for (int i = 0, j = 0; i < nd; i++)
        pr.i[i] = i == b ? b : ax(b, c->pr->i[j++]);
    return rebind(c, 1, c->in, &pr, b);
}

static numc_status batch_slice(numc_batch_ctx *c) {
    int b = c->bdim[0];
    int nd = c->in[0]->ndim, pnd = nd - 1;
    numc_params pr = {.n = 3 * nd};
    for (int i = 0, j = 0; i < nd; i++) {
        if (i == b) {
            pr.i[i] = 0;
            pr.i[nd + i] = c->size;
            pr.i[2 * nd + i] = 1;
        } else {
            pr.i[i] = c->pr->i[j];
            pr.i[nd + i] = c->pr->i[pnd + j];
            pr.i[2 * nd + i] = c->pr->i[2 * pnd + j];
            j++;
        }
    }
    return rebind(c, 1, c->in, &pr, b);
}

static numc_status batch_rev(numc_batch_ctx *c) {
    int b = c->bdim[0];
    numc_params pr = {.n = c->pr->n};
    for (int k = 0; k < c->pr->n; k++)
        pr.i[k] = ax(b, c->pr->i[k]);
    return rebind(c, 1, c->in, &pr, b);
}

static numc_status batch_pad(numc_batch_ctx *c) {
    const int64_t *p = c->pr->i;
    if (c->bdim[1] == NM) {
        int b = c->bdim[0], nd = c->in[0]->ndim, pnd = nd - 1;
        numc_params pr = {.n = 3 * nd};
        for (int i = 0, j = 0; i < nd; i++) {
            if (i == b)
                pr.i[i] = pr.i[nd + i] = pr.i[2 * nd + i] = 0;
            else {
                pr.i[i] = p[j];
                pr.i[nd + i] = p[pnd + j];
                pr.i[2 * nd + i] = p[2 * pnd + j];
                j++;
            }
        }
        return rebind(c, 2, c->in, &pr, b);
    }
    /* a batched padding value: pad with zeros, then select the padding
     * value where a (per-example) mask of the original elements is false */
    const numc_array *x = at(c, 0, 0), *pv = c->in[1]; /* pv: (n,) */
    if (!x) return put(c, 0, NULL, 0);
    int nd = x->ndim, pnd = nd - 1;
    numc_params pr = {.n = 3 * nd};
    numc_params mp = {.n = 3 * pnd};
    for (int i = 0; i < nd; i++) {
        pr.i[i] = i ? p[i - 1] : 0;
        pr.i[nd + i] = i ? p[pnd + i - 1] : 0;
        pr.i[2 * nd + i] = i ? p[2 * pnd + i - 1] : 0;
    }
    memcpy(mp.i, p, sizeof(int64_t) * (size_t)(3 * pnd));
    const numc_array *padded = bindp(c, NUMC_PRIM_PAD, 2, ARR(x, cst(c, x->dtype, 0)), &pr);
    const numc_array *ones = full(c, NUMC_BOOL, 1, pnd, x->shape + 1);
    const numc_array *mask = bindp(c, NUMC_PRIM_PAD, 2, ARR(ones, cst(c, NUMC_BOOL, 0)), &mp);
    if (!padded || !mask) return put(c, 0, NULL, 0);
    int64_t dims[NUMC_MAX_DIMS];
    for (int i = 0; i < pnd; i++)
        dims[i] = i + 1;
    const numc_array *maskb = bcast(c, mask, nd, padded->shape, dims);
    const int64_t zero[1] = {0};
    const numc_array *pvb = bcast(c, pv, nd, padded->shape, zero);
    return put(c, 0, bindp(c, NUMC_PRIM_SELECT, 3, ARR(maskb, padded, pvb), NULL), 0);
}

static numc_status batch_concatenate(numc_batch_ctx *c) {
    int d = first_batched(c);
    const numc_array *inl[16];
    const numc_array **ops = c->nin <= 16 ? inl : malloc(sizeof *ops * (size_t)c->nin);
    if (!ops) return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    for (int i = 0; i < c->nin; i++)
        ops[i] = c->bdim[i] == d ? c->in[i] : at(c, i, d);
    numc_params pr = {.n = 1, .i = {ax(d, c->pr->i[0])}};
    numc_status st = rebind(c, c->nin, ops, &pr, d);
    if (ops != inl) free(ops);
    return st;
}

/* ---- reductions and scans ---- */
static numc_status batch_reduce(numc_batch_ctx *c) {
    int b = c->bdim[0], ob = b;
    numc_params pr = {.n = c->pr->n};
    const numc_array *x = c->in[0];
    bool unit = true, drop[NUMC_MAX_DIMS] = {0};
    for (int k = 0; k < c->pr->n; k++) {
        pr.i[k] = ax(b, c->pr->i[k]);
        if (pr.i[k] < b) ob--;
        unit &= x->shape[pr.i[k]] == 1;
        drop[pr.i[k]] = true;
    }
    if (unit) {
        /* reducing unit axes only (a VJP's sum over broadcast dims of size
         * 1): the values stay, a reshape drops the axes */
        int64_t shape[NUMC_MAX_DIMS];
        int nd = 0;
        for (int i = 0; i < x->ndim; i++)
            if (!drop[i]) shape[nd++] = x->shape[i];
        return put(c, 0, reshape(c, x, nd, shape), ob);
    }
    return rebind(c, 1, c->in, &pr, ob);
}

static numc_status batch_argminmax(numc_batch_ctx *c) {
    int b = c->bdim[0];
    numc_params pr = {.n = 2, .i = {ax(b, c->pr->i[0]), c->pr->i[1]}};
    return rebind(c, 1, c->in, &pr, pr.i[0] < b ? b - 1 : b);
}

static numc_status batch_scan(numc_batch_ctx *c) {
    int b = c->bdim[0];
    numc_params pr = {.n = 2, .i = {ax(b, c->pr->i[0]), c->pr->i[1]}};
    return rebind(c, 1, c->in, &pr, b);
}

/* ---- dot_general ---- */

static numc_status batch_dot_general(numc_batch_ctx *c) {
    const int64_t *p = c->pr->i;
    int nc = (int)p[0];
    const int64_t *lc = p + 1, *rc = p + 1 + nc;
    int nb = (int)p[1 + 2 * nc];
    const int64_t *lbt = p + 2 + 2 * nc, *rbt = p + 2 + 2 * nc + nb;
    int64_t dt = p[c->pr->n - 1];
    int bl = c->bdim[0], br = c->bdim[1];
    const numc_array *l = c->in[0];
    bool both = bl != NM && br != NM;
    int nb2 = nb + both;
    numc_params pr = {.n = 3 + 2 * nc + 2 * nb2};
    int64_t *q = pr.i;
    q[0] = nc;
    for (int k = 0; k < nc; k++) {
        q[1 + k] = ax(bl, lc[k]);
        q[1 + nc + k] = ax(br, rc[k]);
    }
    q[1 + 2 * nc] = nb2;
    int64_t *qlb = q + 2 + 2 * nc, *qrb = qlb + nb2;
    if (both) {
        qlb[0] = bl;
        qrb[0] = br;
    }
    for (int k = 0; k < nb; k++) {
        qlb[both + k] = ax(bl, lbt[k]);
        qrb[both + k] = ax(br, rbt[k]);
    }
    q[pr.n - 1] = dt;
    int ob = 0;
    if (!both) {
        /* the batched side's batch axis stays a free dimension: its output
         * position is after the batch dims (and the lhs free dims for the
         * rhs), counting the free dims that precede it */
        bool used[NUMC_MAX_DIMS] = {0};
        int bs = bl != NM ? bl : br;
        const int64_t *sc = bl != NM ? q + 1 : q + 1 + nc, *sb = bl != NM ? qlb : qrb;
        for (int k = 0; k < nc; k++)
            used[sc[k]] = true;
        for (int k = 0; k < nb; k++)
            used[sb[k]] = true;
        ob = nb;
        if (bl == NM) ob += l->ndim - nc - nb; /* the lhs free dims come first */
        for (int i = 0; i < bs; i++)
            ob += !used[i];
    }
    return rebind(c, 2, c->in, &pr, ob);
}

/* ---- indexing ---- */

/* Indices (operand i, batched) as int64 with the batch axis at 0, clamped to
 * [0, dim) and offset by example * dim: indices into the merged
 * (batch x dim) axis. */
static numc_array *merged_indices(numc_batch_ctx *c, int i, int64_t dim, bool wrap) {
    const numc_array *idx = cvt(c, at(c, i, 0), NUMC_INT64);
    if (!idx) return NULL;
    if (wrap) /* negative indices wrap (gather's i[1] = 1) */
        idx =
            bindp(c, NUMC_PRIM_SELECT, 3,
                  ARR(binc(c, NUMC_PRIM_LT, idx, 0), binc(c, NUMC_PRIM_ADD, idx, (double)dim), idx),
                  NULL);
    idx = bin(c, NUMC_PRIM_MAX, binc(c, NUMC_PRIM_MIN, idx, (double)(dim > 0 ? dim - 1 : 0)),
              full_like(c, idx, 0));
    const numc_array *off = iota(c, NUMC_INT64, 0, idx->ndim, idx->shape);
    return bin(c, NUMC_PRIM_ADD, idx, binc(c, NUMC_PRIM_MUL, off, (double)dim));
}

/* x (batch axis at 0) with axis 1 + axis merged into the batch axis:
 * (n, pre, A, post) -> (n * A, pre, post). */
static numc_array *merge_axis(numc_batch_ctx *c, const numc_array *x0, int64_t axis) {
    const numc_array *x1 = moveaxis(c, x0, (int)axis + 1, 1);
    if (!x1) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    shape[0] = x1->shape[0] * x1->shape[1];
    for (int i = 2; i < x1->ndim; i++)
        shape[i - 1] = x1->shape[i];
    return reshape(c, x1, x1->ndim - 1, shape);
}

static numc_status batch_gather(numc_batch_ctx *c) {
    const numc_array *idx = c->in[1];
    int bx = c->bdim[0], bi = c->bdim[1];
    int64_t axis = c->pr->i[0];
    bool wrap = c->pr->n >= 2 && c->pr->i[1] == 1;
    if (bi == NM) {
        int64_t a = ax(bx, axis);
        numc_params pr = {.n = wrap ? 2 : 1, .i = {a, wrap}};
        return rebind(c, 2, c->in, &pr, bx < a ? bx : bx - 1 + idx->ndim);
    }
    if (bx == NM) {
        return rebind(c, 2, c->in, c->pr, (int)axis + bi);
    }
    /* both batched: one gather on the merged (batch x axis) dimension */
    const numc_array *x0 = at(c, 0, 0);
    if (!x0) return put(c, 0, NULL, 0);
    int64_t dim = x0->shape[axis + 1];
    int npre = (int)axis, npost = x0->ndim - 2 - (int)axis, ni = idx->ndim - 1;
    const numc_array *g = gather(c, merge_axis(c, x0, axis), merged_indices(c, 1, dim, wrap), 0);
    /* g: (n, I..., pre..., post...) -> (n, pre..., I..., post...) */
    int64_t perm[NUMC_MAX_DIMS];
    int k = 0;
    perm[k++] = 0;
    for (int i = 0; i < npre; i++)
        perm[k++] = 1 + ni + i;
    for (int i = 0; i < ni; i++)
        perm[k++] = 1 + i;
    for (int i = 0; i < npost; i++)
        perm[k++] = 1 + ni + npre + i;
    return put(c, 0, transpose(c, g, perm), 0);
}

static numc_status batch_scatter(numc_batch_ctx *c) {
    int64_t axis = c->pr->i[0], mode = c->pr->i[1];
    const numc_array *x0 = at(c, 0, 0), *u0 = at(c, 2, 0);
    if (c->bdim[1] == NM) {
        numc_params pr = {.n = 2, .i = {axis + 1, mode}};
        return rebind(c, 3, ARR(x0, c->in[1], u0), &pr, 0);
    }
    if (!x0 || !u0) return put(c, 0, NULL, 0);
    int nd = x0->ndim;
    int64_t dim = x0->shape[axis + 1];
    const numc_array *idx = c->in[1];
    int ni = idx->ndim - 1, npre = (int)axis, npost = nd - 2 - (int)axis;
    /* updates (n, pre, I, post) -> (n, I, pre, post), the merged gather's layout */
    int64_t perm[NUMC_MAX_DIMS];
    int k = 0;
    perm[k++] = 0;
    for (int i = 0; i < ni; i++)
        perm[k++] = 1 + npre + i;
    for (int i = 0; i < npre; i++)
        perm[k++] = 1 + i;
    for (int i = 0; i < npost; i++)
        perm[k++] = 1 + npre + ni + i;
    const numc_array *s = scatter(c, merge_axis(c, x0, axis), merged_indices(c, 1, dim, false),
                                  transpose(c, u0, perm), 0, mode);
    if (!s) return put(c, 0, NULL, 0);
    /* (n * A, pre, post) -> (n, A, pre, post) -> (n, pre, A, post) */
    int64_t shape[NUMC_MAX_DIMS];
    shape[0] = c->size;
    shape[1] = dim;
    for (int i = 1; i < s->ndim; i++)
        shape[i + 1] = s->shape[i];
    return put(c, 0, moveaxis(c, reshape(c, s, nd, shape), 1, (int)axis + 1), 0);
}

/* Linear indices into the flattened batched operand (n * P,) of the region
 * of per-example `sizes` starting at starts in[first..] (clamped as XLA
 * does): shape (n, sizes...). pshape: the per-example shape. */
static numc_array *region_indices(numc_batch_ctx *c, int first, int pnd, const int64_t *pshape,
                                  const int64_t *sizes) {
    int nd = pnd + 1;
    int64_t shape[NUMC_MAX_DIMS], stride[NUMC_MAX_DIMS], P = 1;
    shape[0] = c->size;
    for (int i = pnd - 1; i >= 0; i--) {
        stride[i] = P;
        P *= pshape[i];
    }
    memcpy(shape + 1, sizes, sizeof(int64_t) * (size_t)pnd);
    const numc_array *L = binc(c, NUMC_PRIM_MUL, iota(c, NUMC_INT64, 0, nd, shape), (double)P);
    const int64_t zero[1] = {0};
    for (int k = 0; k < pnd; k++) {
        int i = first + k;
        const numc_array *s = cvt(c, c->bdim[i] == NM ? c->in[i] : at(c, i, 0), NUMC_INT64);
        if (c->bdim[i] == NM) s = bcast(c, s, 1, shape, zero);
        s = bin(c, NUMC_PRIM_MAX, binc(c, NUMC_PRIM_MIN, s, (double)(pshape[k] - sizes[k])),
                full_like(c, s, 0));
        const numc_array *pos = bin(c, NUMC_PRIM_ADD, bcast(c, s, nd, shape, zero),
                                    iota(c, NUMC_INT64, k + 1, nd, shape));
        L = bin(c, NUMC_PRIM_ADD, L, binc(c, NUMC_PRIM_MUL, pos, (double)stride[k]));
    }
    return (numc_array *)L;
}

static bool starts_batched(const numc_batch_ctx *c, int first) {
    for (int i = first; i < c->nin; i++)
        if (c->bdim[i] != NM) return true;
    return false;
}

static numc_array *flatten(numc_batch_ctx *c, const numc_array *x) {
    if (!x) return NULL;
    int64_t n = x->size;
    return reshape(c, x, 1, &n);
}

static numc_status batch_dynamic_slice(numc_batch_ctx *c) {
    const numc_array *x = c->in[0];
    int pnd = c->nin - 1;
    if (!starts_batched(c, 1)) {
        /* the batch axis is sliced whole, from a start of 0 */
        int b = c->bdim[0];
        const numc_array *inl[NUMC_MAX_DIMS + 2];
        numc_params pr = {.n = pnd + 1};
        inl[0] = x;
        for (int i = 0, j = 0; i < pnd + 1; i++) {
            if (i == b) {
                inl[1 + i] = cst(c, NUMC_INT64, 0);
                pr.i[i] = c->size;
            } else {
                inl[1 + i] = c->in[1 + j];
                pr.i[i] = c->pr->i[j++];
            }
        }
        return rebind(c, pnd + 2, inl, &pr, b);
    }
    const numc_array *x0 = at(c, 0, 0);
    if (!x0) return put(c, 0, NULL, 0);
    const int64_t *sizes = c->pr->i;
    int64_t oshape[NUMC_MAX_DIMS];
    oshape[0] = c->size;
    memcpy(oshape + 1, sizes, sizeof(int64_t) * (size_t)pnd);
    int64_t osize = c->size;
    for (int i = 0; i < pnd; i++)
        osize *= sizes[i];
    if (osize == 0) return put(c, 0, full(c, x->dtype, 0, pnd + 1, oshape), 0);
    const numc_array *L = region_indices(c, 1, pnd, x0->shape + 1, sizes);
    return put(c, 0, gather(c, flatten(c, x0), L, 0), 0);
}

static numc_status batch_dynamic_update_slice(numc_batch_ctx *c) {
    int pnd = c->nin - 2;
    const numc_array *x0 = at(c, 0, 0), *u0 = at(c, 1, 0);
    if (!x0 || !u0) return put(c, 0, NULL, 0);
    if (!starts_batched(c, 2)) {
        const numc_array *inl[NUMC_MAX_DIMS + 3];
        inl[0] = x0;
        inl[1] = u0;
        inl[2] = cst(c, NUMC_INT64, 0);
        for (int i = 0; i < pnd; i++)
            inl[3 + i] = c->in[2 + i];
        return rebind(c, pnd + 3, inl, c->pr, 0);
    }
    if (u0->size == 0) return put(c, 0, x0, 0);
    const numc_array *L = region_indices(c, 2, pnd, x0->shape + 1, u0->shape + 1);
    const numc_array *s = scatter(c, flatten(c, x0), flatten(c, L), flatten(c, u0), 0, 0);
    return put(c, 0, reshape(c, s, x0->ndim, x0->shape), 0);
}

/* ---- control flow ---- */

/* Binds at the level of the operands as bound (tracers): no temporaries kept. */
static numc_array *tbind(numc_prim p, int nin, const numc_array *const *in, const numc_params *pr) {
    for (int i = 0; i < nin; i++)
        if (!in[i]) return NULL;
    static const numc_params none;
    return numc_bind1(p, nin, in, pr ? pr : &none);
}

static void release_n(numc_array **a, int n) {
    for (int i = 0; i < n; i++) {
        numc_array_release(a[i]);
        a[i] = NULL;
    }
}

/* The rule's outputs from tracer-level results o[0..nout) (consumed). */
static numc_status outputs_from(numc_batch_ctx *c, numc_array **o) {
    numc_status st = NUMC_OK;
    for (int k = 0; k < c->nout; k++) {
        const numc_array *v;
        int bd;
        if (!st) {
            if (!o[k])
                st = numc_error_set(NUMC_ERR_RUNTIME, "vmap of %s: missing output",
                                    numc_prim_info[c->prim].name);
            else if (numc_batch_unpack(c->self, o[k], &v, &bd))
                st = put(c, k, v, bd);
            else
                st = put(c, k, o[k], NM);
        }
        numc_array_release(o[k]);
        o[k] = NULL;
    }
    return st;
}

/* A 0-d value's truth when concrete: 1 true, 0 false, -1 not concrete. */
static int concrete_truth(const numc_array *p) {
    if (!p || !p->buffer) return -1;
    double re = 0, im = 0;
    if (numc_array_get_f64(p, 0, &re, &im)) return -1;
    return re != 0 || im != 0;
}

/* Whether some example of a batched predicate (value v) is true: 1, 0, or -1
 * when v is not concrete. */
static int any_true(const numc_array *v) {
    numc_array *b = v->dtype == NUMC_BOOL ? numc_array_retain((numc_array *)v)
                                          : tbind(NUMC_PRIM_CONVERT, 1, ARR(v),
                                                  &(numc_params){.n = 1, .i = {NUMC_BOOL}});
    if (!b) return -1;
    numc_params pr = {.n = b->ndim};
    for (int i = 0; i < b->ndim; i++)
        pr.i[i] = i;
    numc_array *r = b->ndim ? tbind(NUMC_PRIM_REDUCE_OR, 1, ARR(b), &pr) : numc_array_retain(b);
    numc_array_release(b);
    int t = concrete_truth(r);
    numc_array_release(r);
    return t;
}

static numc_status batch_call(numc_batch_ctx *c) {
    if (numc_trace_is_current()) return numc_batch_fallback(c);
    const numc_subgraphs *s = c->pr->ptr;
    numc_array **o = calloc((size_t)c->nout + 1, sizeof *o);
    if (!o) return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    numc_status st = numc_graph_run(s->g[0], c->nin, c->orig, o);
    if (!st) st = outputs_from(c, o);
    free(o);
    return st;
}

static numc_status batch_cond(numc_batch_ctx *c) {
    if (numc_trace_is_current()) return numc_batch_fallback(c);
    const numc_subgraphs *s = c->pr->ptr;
    const numc_array *idx = c->orig[0];
    int nout = c->nout, nb = s->n;
    numc_array **o = calloc((size_t)(2 * nout) + 1, sizeof *o), **tmp = o + nout;
    if (!o) return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    numc_status st;
    int truth = c->bdim[0] == NM ? concrete_truth(idx) : -1;
    if (truth >= 0) {
        /* an unbatched concrete index: run its branch (clamped as XLA does) */
        double re = 0, im = 0;
        numc_array_get_f64(idx, 0, &re, &im);
        int64_t k = (int64_t)re;
        k = k < 0 ? 0 : k > nb - 1 ? nb - 1 : k;
        st = numc_graph_run(s->g[k], c->nin - 1, c->orig + 1, o);
    } else {
        /* every branch, then select per example */
        st = numc_graph_run(s->g[0], c->nin - 1, c->orig + 1, o);
        for (int b = 1; !st && b < nb; b++) {
            st = numc_graph_run(s->g[b], c->nin - 1, c->orig + 1, tmp);
            numc_array *mask = NULL;
            if (!st) {
                if (idx->dtype == NUMC_BOOL) {
                    mask = numc_array_retain((numc_array *)idx);
                } else {
                    numc_array *kc = numc_ctl_const(idx->dtype, b);
                    mask = tbind(b == nb - 1 ? NUMC_PRIM_GE : NUMC_PRIM_EQ, 2, ARR(idx, kc), NULL);
                    numc_array_release(kc);
                }
                if (!mask) st = numc_error_kind();
            }
            for (int k = 0; !st && k < nout; k++) {
                numc_array *m = numc_ctl_bcast_to(mask, c->out_aval[k].ndim, c->out_aval[k].shape);
                numc_array *r = tbind(NUMC_PRIM_SELECT, 3, ARR(m, tmp[k], o[k]), NULL);
                numc_array_release(m);
                if (!r)
                    st = numc_error_kind();
                else {
                    numc_array_release(o[k]);
                    o[k] = r;
                }
            }
            numc_array_release(mask);
            release_n(tmp, nout);
        }
    }
    if (!st) st = outputs_from(c, o);
    release_n(o, 2 * nout);
    free(o);
    return st;
}

static numc_status batch_while(numc_batch_ctx *c) {
    if (numc_trace_is_current()) return numc_batch_fallback(c);
    const numc_subgraphs *s = c->pr->ptr;
    int ncc = (int)c->pr->i[0], nbc = (int)c->pr->i[1], ncarry = c->nin - ncc - nbc;
    size_t n = (size_t)(ncc + nbc + 3 * ncarry + 1);
    const numc_array **args = malloc(sizeof *args * n);
    numc_array **carry = calloc((size_t)(2 * ncarry) + 1, sizeof *carry), **next = carry + ncarry;
    if (!args || !carry) {
        free(args);
        free(carry);
        return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    }
    for (int k = 0; k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)c->orig[ncc + nbc + k]);
    numc_status st = NUMC_OK;
    bool fallback = false;
    for (;;) {
        /* the predicate on (cond consts, carry) */
        for (int k = 0; k < ncc; k++)
            args[k] = c->orig[k];
        for (int k = 0; k < ncarry; k++)
            args[ncc + k] = carry[k];
        numc_array *pred = NULL;
        if ((st = numc_graph_run(s->g[0], ncc + ncarry, args, &pred))) break;
        const numc_array *pv;
        int pbd, go;
        bool batched = numc_batch_unpack(c->self, pred, &pv, &pbd);
        go = batched ? any_true(pv) : concrete_truth(pred);
        if (go < 0) {
            numc_array_release(pred);
            fallback = true;
            break;
        }
        if (!go) {
            numc_array_release(pred);
            break;
        }
        /* one step of the body on (body consts, carry) */
        for (int k = 0; k < nbc; k++)
            args[k] = c->orig[ncc + k];
        for (int k = 0; k < ncarry; k++)
            args[nbc + k] = carry[k];
        st = numc_graph_run(s->g[1], nbc + ncarry, args, next);
        /* examples whose predicate is false keep their carry */
        for (int k = 0; !st && batched && k < ncarry; k++) {
            numc_array *m = numc_ctl_bcast_to(pred, carry[k]->ndim, carry[k]->shape);
            numc_array *r = tbind(NUMC_PRIM_SELECT, 3, ARR(m, next[k], carry[k]), NULL);
            numc_array_release(m);
            if (!r) st = numc_error_kind();
            numc_array_release(next[k]);
            next[k] = r;
        }
        numc_array_release(pred);
        if (st) {
            release_n(next, ncarry);
            break;
        }
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = next[k];
            next[k] = NULL;
        }
    }
    if (!st && !fallback) st = outputs_from(c, carry);
    release_n(carry, ncarry);
    free(carry);
    free(args);
    if (!st && fallback) return numc_batch_fallback(c);
    return st;
}

static numc_status batch_scan_loop(numc_batch_ctx *c) {
    if (numc_trace_is_current()) return numc_batch_fallback(c);
    const numc_subgraphs *s = c->pr->ptr;
    numc_graph *g = s->g[0];
    int nc = (int)c->pr->i[0], ncarry = (int)c->pr->i[1];
    int64_t length = c->pr->i[2];
    bool reverse = c->pr->i[3] != 0;
    int nxs = c->nin - nc - ncarry, nys = c->nout - ncarry;
    const numc_array **args = malloc(sizeof *args * (size_t)(c->nin + 1));
    numc_array **o = calloc((size_t)(c->nout + nxs) + 1, sizeof *o), **xt = o + c->nout;
    numc_array **ys = calloc((size_t)(nys * length) + 1, sizeof *ys);
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_status st =
        args && o && ys && carry ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    for (int k = 0; !st && k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)c->orig[nc + k]);
    for (int64_t t = 0; !st && t < length; t++) {
        int64_t at = reverse ? length - 1 - t : t;
        /* x slices at `at` */
        for (int j = 0; !st && j < nxs; j++) {
            const numc_array *x = c->orig[nc + ncarry + j];
            numc_params sp = {.n = 3 * x->ndim};
            for (int d = 0; d < x->ndim; d++) {
                sp.i[d] = d ? 0 : at;
                sp.i[x->ndim + d] = d ? x->shape[d] : at + 1;
                sp.i[2 * x->ndim + d] = 1;
            }
            numc_params rp = {.n = x->ndim - 1};
            memcpy(rp.i, x->shape + 1, sizeof(int64_t) * (size_t)(x->ndim - 1));
            numc_array *sl = tbind(NUMC_PRIM_SLICE, 1, ARR(x), &sp);
            xt[j] = tbind(NUMC_PRIM_RESHAPE, 1, ARR(sl), &rp);
            numc_array_release(sl);
            if (!xt[j]) st = numc_error_kind();
        }
        for (int k = 0; k < nc; k++)
            args[k] = c->orig[k];
        for (int k = 0; k < ncarry; k++)
            args[nc + k] = carry[k];
        for (int j = 0; j < nxs; j++)
            args[nc + ncarry + j] = xt[j];
        if (!st) st = numc_graph_run(g, c->nin, args, o);
        release_n(xt, nxs);
        if (st) break;
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = o[k];
            o[k] = NULL;
        }
        /* ys stacked in index order: a leading unit axis now, concatenated below */
        for (int j = 0; !st && j < nys; j++) {
            numc_array *y = o[ncarry + j];
            numc_params rp = {.n = y->ndim + 1};
            rp.i[0] = 1;
            memcpy(rp.i + 1, y->shape, sizeof(int64_t) * (size_t)y->ndim);
            ys[j * length + at] = tbind(NUMC_PRIM_RESHAPE, 1, ARR(y), &rp);
            if (!ys[j * length + at]) st = numc_error_kind();
        }
        release_n(o + ncarry, nys);
    }
    for (int k = 0; !st && k < ncarry; k++) {
        o[k] = carry[k];
        carry[k] = NULL;
    }
    for (int j = 0; !st && j < nys; j++) {
        const numc_aval *av = &c->out_aval[ncarry + j];
        if (length == 0) {
            numc_array *z = numc_ctl_const(av->dtype, 0);
            o[ncarry + j] = z ? numc_ctl_bcast_to(z, av->ndim, av->shape) : NULL;
            numc_array_release(z);
        } else {
            numc_params cp = {.n = 1, .i = {0}};
            o[ncarry + j] = tbind(NUMC_PRIM_CONCATENATE, (int)length,
                                  (const numc_array *const *)ys + j * length, &cp);
        }
        if (!o[ncarry + j]) st = numc_error_kind();
    }
    if (!st) st = outputs_from(c, o);
    if (o) release_n(o, c->nout);
    if (ys) release_n(ys, (int)(nys * length));
    if (carry) release_n(carry, ncarry);
    free(args);
    free(o);
    free(ys);
    free(carry);
    return st;
}

/* ---- no operands: never batched ---- */
static numc_status batch_no_operands(numc_batch_ctx *c) {
    return numc_error_set(NUMC_ERR_RUNTIME, "internal error: %s has no operands to batch",
                          numc_prim_info[c->prim].name);
}

/* ---- sort: the batch axis is one more row dimension ---- */
static numc_status batch_sort(numc_batch_ctx *c) {
    int d = first_batched(c);
    const numc_array *ops[2];
    for (int i = 0; i < 2; i++)
        ops[i] = c->bdim[i] == d ? c->in[i] : at(c, i, d);
    if (!ops[0] || !ops[1]) return put(c, 0, NULL, d);
    numc_params pr = {.n = 1, .i = {ax(d, c->pr->i[0])}};
    numc_array *r[2] = {NULL, NULL};
    numc_status st = numc_bind(NUMC_PRIM_SORT, 2, ops, &pr, r);
    if (st) return st;
    st = put(c, 0, r[0], d);
    if (!st) st = put(c, 1, r[1], d);
    numc_array_release(r[0]);
    numc_array_release(r[1]);
    return st;
}

/* ---- threefry2x32: elementwise over four operands, two results ---- */
static numc_status batch_threefry2x32(numc_batch_ctx *c) {
    int d = first_batched(c);
    const numc_array *ops[4];
    for (int i = 0; i < 4; i++)
        ops[i] = c->bdim[i] == d ? c->in[i] : at(c, i, d);
    for (int i = 0; i < 4; i++)
        if (!ops[i]) return put(c, 0, NULL, d);
    numc_array *r[2] = {NULL, NULL};
    numc_status st = numc_bind(NUMC_PRIM_THREEFRY2X32, 4, ops, c->pr, r);
    if (st) return st;
    st = put(c, 0, r[0], d);
    if (!st) st = put(c, 1, r[1], d);
    numc_array_release(r[0]);
    numc_array_release(r[1]);
    return st;
}

/* ---- host_call: the function once per example ---- */
#define batch_host_call numc_batch_fallback

/* ---- the table ---- */
#define batch_constant batch_no_operands
#define batch_iota batch_no_operands
/* elementwise */
#define batch_neg batch_ew
#define batch_abs batch_ew
#define batch_sign batch_ew
#define batch_floor batch_ew
#define batch_ceil batch_ew
#define batch_rint batch_ew
#define batch_trunc batch_ew
#define batch_exp batch_ew
#define batch_exp2 batch_ew
#define batch_expm1 batch_ew
#define batch_log batch_ew
#define batch_log2 batch_ew
#define batch_log10 batch_ew
#define batch_log1p batch_ew
#define batch_sqrt batch_ew
#define batch_rsqrt batch_ew
#define batch_cbrt batch_ew
#define batch_sin batch_ew
#define batch_cos batch_ew
#define batch_tan batch_ew
#define batch_asin batch_ew
#define batch_acos batch_ew
#define batch_atan batch_ew
#define batch_sinh batch_ew
#define batch_cosh batch_ew
#define batch_tanh batch_ew
#define batch_asinh batch_ew
#define batch_acosh batch_ew
#define batch_atanh batch_ew
#define batch_isnan batch_ew
#define batch_isinf batch_ew
#define batch_isfinite batch_ew
#define batch_signbit batch_ew
#define batch_not batch_ew
#define batch_popcount batch_ew
#define batch_real batch_ew
#define batch_imag batch_ew
#define batch_conj batch_ew
#define batch_add batch_ew
#define batch_sub batch_ew
#define batch_mul batch_ew
#define batch_div batch_ew
#define batch_rem batch_ew
#define batch_pow batch_ew
#define batch_max batch_ew
#define batch_min batch_ew
#define batch_atan2 batch_ew
#define batch_hypot batch_ew
#define batch_nextafter batch_ew
#define batch_copysign batch_ew
#define batch_eq batch_ew
#define batch_ne batch_ew
#define batch_lt batch_ew
#define batch_le batch_ew
#define batch_gt batch_ew
#define batch_ge batch_ew
#define batch_and batch_ew
#define batch_or batch_ew
#define batch_xor batch_ew
#define batch_shl batch_ew
#define batch_shr batch_ew
#define batch_complex batch_ew
#define batch_select batch_ew
#define batch_convert batch_ew
#define batch_bitcast batch_ew
#define batch_stop_gradient batch_ew
/* reductions and scans */
#define batch_reduce_sum batch_reduce
#define batch_reduce_prod batch_reduce
#define batch_reduce_max batch_reduce
#define batch_reduce_min batch_reduce
#define batch_reduce_and batch_reduce
#define batch_reduce_or batch_reduce
#define batch_argmax batch_argminmax
#define batch_argmin batch_argminmax
#define batch_cumsum batch_scan
#define batch_cumprod batch_scan
#define batch_cummax batch_scan
#define batch_cummin batch_scan
/* ---- fft (issue 9) ---- */
#define batch_fft numc_rules_fft_batch /* fft.c */

const numc_batch_rule numc_rules_batch[NUMC_PRIM_COUNT] = {
#define X(E, name, nin, nout, flags) [NUMC_PRIM_##E] = batch_##name,
#include "../prim/prims.def"
#undef X
};
