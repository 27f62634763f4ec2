/* batch.c — the batch interpreter (vmap). Its tracers carry (value, batch
 * axis): the value is an array of the interpreter below (concrete, or another
 * interpreter's tracer) that holds every example stacked along the batch
 * axis. A tracer's own header shows the per-example aval (the batch axis
 * removed), so the NumPy layer above sees unbatched shapes.
 *
 * process(): a primitive none of whose operands is one of this interpreter's
 * tracers goes down the stack unchanged. Otherwise the primitive's batching
 * rule (its rule record's, src/rules/batch.c) runs on the underlying values,
 * binding primitives through numc_bind, and its outputs are wrapped as new
 * tracers. Per primitive this costs one inference (errors come out in
 * per-example terms), the rule's binds, and one header (+ a freelisted
 * payload) per output. A primitive without a rule, or every primitive under
 * numc_batch_force_fallback, takes the loop-and-stack fallback (below). */
#include "batch.h"

struct numc_batch {
    numc_interp it;
    int64_t size;
    atomic_long refcount; /* 1 for begin..end, +1 per live tracer */
    bool active;
};

/* A tracer's payload. The tracer keeps its interpreter alive, so a leaked
 * tracer can never be mistaken for a later interpreter's (same address). */
typedef struct btr {
    numc_array *val;
    int bdim;
    struct numc_batch *b;
    struct btr *next; /* freelist link */
} btr;

#define BTR_FREELIST_MAX 256
static _Thread_local btr *btr_free_list;
static _Thread_local int btr_nfree;
static atomic_int force_fallback;

bool numc_batch_force_fallback(bool on) {
    return atomic_exchange(&force_fallback, on ? 1 : 0) != 0;
}

static void batch_decref(struct numc_batch *b) {
    if (atomic_fetch_sub_explicit(&b->refcount, 1, memory_order_acq_rel) == 1) free(b);
}

static void btr_free(void *p) {
    btr *t = p;
    numc_array_release(t->val);
    batch_decref(t->b);
    if (btr_nfree < BTR_FREELIST_MAX) {
        t->next = btr_free_list;
        btr_free_list = t;
        btr_nfree++;
    } else {
        free(t);
    }
}

/* Wraps value v (steals it) batched along bdim as a tracer of b. */
static numc_array *make_tracer(struct numc_batch *b, numc_array *v, int bdim) {
    int64_t shape[NUMC_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < v->ndim; i++)
        if (i != bdim) shape[nd++] = v->shape[i];
    btr *t = btr_free_list;
    if (t) {
        btr_free_list = t->next;
        btr_nfree--;
    } else if (!(t = malloc(sizeof *t))) {
        numc_array_release(v);
        numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
        return NULL;
    }
    numc_array *a = numc_array_alloc_header(v->dtype, nd, shape);
    if (!a) {
        numc_array_release(v);
        t->next = btr_free_list;
        btr_free_list = t;
        btr_nfree++;
        return NULL;
    }
    t->val = v;
    t->bdim = bdim;
    t->b = b;
    atomic_fetch_add_explicit(&b->refcount, 1, memory_order_relaxed);
    a->owner = &b->it;
    a->payload = t;
    a->payload_free = btr_free;
    return a;
}

static inline bool owns(const numc_interp *self, const numc_array *a) {
    return a->owner == self;
}

/* Runs a rule with the context's temporaries set up and released; on failure
 * the outputs are NULL. */
static numc_status apply(numc_batch_rule rule, numc_batch_ctx *c) {
    numc_scope_init(&c->tmp);
    for (int k = 0; k < c->nout; k++) {
        c->out[k] = NULL;
        c->out_bdim[k] = NUMC_NOT_MAPPED;
    }
    numc_status st = rule(c);
    for (int k = 0; k < c->nout && st == NUMC_OK; k++)
        if (!c->out[k])
            st = numc_error_set(NUMC_ERR_RUNTIME,
                                "internal error: the batching rule of %s "
                                "set no output %d",
                                numc_prim_info[c->prim].name, k);
    numc_scope_end(&c->tmp);
    if (st) {
        for (int k = 0; k < c->nout; k++) {
            numc_array_release(c->out[k]);
            c->out[k] = NULL;
        }
    }
    return st;
}

numc_status numc_batch_put(numc_batch_ctx *c, int k, const numc_array *v, int bdim) {
    if (!v) {
        numc_status st = numc_error_kind();
        return st ? st
                  : numc_error_set(NUMC_ERR_RUNTIME, "vmap of %s failed",
                                   numc_prim_info[c->prim].name);
    }
    numc_array_release(c->out[k]);
    c->out[k] = numc_array_retain((numc_array *)v);
    c->out_bdim[k] = bdim;
    return NUMC_OK;
}

/* ---- the loop-and-stack fallback ---- */

/* Example i of operand j: a slice along its batch axis, the axis dropped. */
static numc_array *example(numc_batch_ctx *c, int j, int64_t i) {
    const numc_array *x = c->in[j];
    int b = c->bdim[j], nd = x->ndim;
    numc_params pr = {.n = 3 * nd};
    int64_t shape[NUMC_MAX_DIMS];
    for (int d = 0, k = 0; d < nd; d++) {
        pr.i[d] = d == b ? i : 0;
        pr.i[nd + d] = d == b ? i + 1 : x->shape[d];
        pr.i[2 * nd + d] = 1;
        if (d != b) shape[k++] = x->shape[d];
    }
    return numc_scope_reshape(&c->tmp, numc_scope_bind(&c->tmp, NUMC_PRIM_SLICE, 1, &x, &pr),
                              nd - 1, shape);
}

numc_status numc_batch_fallback(numc_batch_ctx *c) {
    int nin = c->nin, nout = c->nout;
    int64_t n = c->size;
    if (n == 0) {
        static const int64_t no_dims[1];
        for (int k = 0; k < nout; k++) {
            int64_t shape[NUMC_MAX_DIMS];
            shape[0] = 0;
            memcpy(shape + 1, c->out_aval[k].shape, sizeof(int64_t) * (size_t)c->out_aval[k].ndim);
            numc_array *z = numc_scope_const(&c->tmp, c->out_aval[k].dtype, 0, 0);
            numc_status st = numc_batch_put(
                c, k,
                numc_scope_broadcast_in_dim(&c->tmp, z, c->out_aval[k].ndim + 1, shape, no_dims),
                0);
            if (st) return st;
        }
        return NUMC_OK;
    }
    const numc_array **ops = malloc(sizeof *ops * (size_t)(nin > 0 ? nin : 1));
    numc_array **pieces = calloc((size_t)(n * nout), sizeof *pieces);
    numc_array **res = malloc(sizeof *res * (size_t)(nout > 0 ? nout : 1));
    numc_status st =
        ops && pieces && res ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    for (int64_t i = 0; i < n && !st; i++) {
        for (int j = 0; j < nin; j++)
            ops[j] = c->bdim[j] == NUMC_NOT_MAPPED ? c->in[j] : example(c, j, i);
        for (int j = 0; j < nin && !st; j++)
            if (!ops[j]) st = numc_error_kind();
        if (!st && !(st = numc_bind(c->prim, nin, ops, c->pr, res))) {
            for (int k = 0; k < nout; k++) {
                const numc_array *r = res[k];
                numc_params pr = {.n = r->ndim + 1};
                pr.i[0] = 1;
                memcpy(pr.i + 1, r->shape, sizeof(int64_t) * (size_t)r->ndim);
                if (!st && !(pieces[k * n + i] = numc_bind1(NUMC_PRIM_RESHAPE, 1, &r, &pr)))
                    st = numc_error_kind();
            }
            for (int k = 0; k < nout; k++)
                numc_array_release(res[k]);
        }
        /* drop the slices of this example */
        numc_scope_release_to(&c->tmp, 0);
    }
    numc_params cat = {.n = 1, .i = {0}};
    for (int k = 0; k < nout && !st; k++)
        st = numc_batch_put(
            c, k,
            numc_scope_keep(&c->tmp, numc_bind1(NUMC_PRIM_CONCATENATE, (int)n,
                                                (const numc_array *const *)pieces + k * n, &cat)),
            0);
    if (pieces)
        for (int64_t i = 0; i < n * nout; i++)
            numc_array_release(pieces[i]);
    free(pieces);
    free(ops);
    free(res);
    return st;
}

#define INLINE_OPS 40
#define INLINE_OUTS 8

static numc_status batch_process(numc_interp *self, numc_prim p, int nin,
                                 const numc_array *const *in, const numc_params *params,
                                 numc_array **out) {
    struct numc_batch *b = self->state;
    bool any = false;
    for (int i = 0; i < nin && !any; i++)
        any = owns(self, in[i]);
    if (!any) return numc_interp_forward(self, p, nin, in, params, out);

    const numc_prim_info_t *info = &numc_prim_info[p];
    static const numc_params none;
    if (!params) params = &none;
    int nout = numc_prim_nout(p, params);
    if (nout < 0) return numc_error_kind();
    numc_aval av_inl[INLINE_OUTS], *av = av_inl;
    numc_array *res_inl[INLINE_OUTS] = {0}, **res = res_inl;
    int obd_inl[INLINE_OUTS], *obd = obd_inl;
    if (nout > INLINE_OUTS) {
        av = malloc(sizeof *av * (size_t)nout);
        res = calloc((size_t)nout, sizeof *res);
        obd = malloc(sizeof *obd * (size_t)nout);
        if (!av || !res || !obd) {
            free(av);
            free(res);
            free(obd);
            return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
        }
    }
    numc_status st = numc_prim_infer(p, nin, in, params, av);
    if (st) goto done;

    const numc_array *vin[INLINE_OPS];
    int bdin[INLINE_OPS];
    const numc_array **vals = vin;
    int *bd = bdin;
    if (nin > INLINE_OPS) {
        vals = malloc(sizeof *vals * (size_t)nin);
        bd = malloc(sizeof *bd * (size_t)nin);
        if (!vals || !bd) {
            free(vals);
            free(bd);
            st = numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
            goto done;
        }
    }
    for (int i = 0; i < nin; i++) {
        if (owns(self, in[i])) {
            const btr *t = in[i]->payload;
            vals[i] = t->val;
            bd[i] = t->bdim;
        } else {
            vals[i] = in[i];
            bd[i] = NUMC_NOT_MAPPED;
        }
    }
    numc_batch_ctx c = {.prim = p,
                        .self = self,
                        .orig = in,
                        .pr = params,
                        .nin = nin,
                        .nout = nout,
                        .in = vals,
                        .bdim = bd,
                        .out_aval = av,
                        .size = b->size,
                        .out = res,
                        .out_bdim = obd};
    numc_batch_rule rule = numc_prim_rules[p].batch;
    if (!rule || atomic_load_explicit(&force_fallback, memory_order_relaxed))
        rule = numc_batch_fallback;
    st = apply(rule, &c);
    if (vals != vin) {
        free(vals);
        free(bd);
    }
    if (st) goto done;
    /* check each output against inference, then wrap it */
    for (int k = 0; k < nout; k++) {
        numc_array *v = res[k];
        int d = obd[k];
        bool ok = v->dtype == av[k].dtype;
        if (d == NUMC_NOT_MAPPED) {
            ok = ok && v->ndim == av[k].ndim &&
                 !memcmp(v->shape, av[k].shape, sizeof(int64_t) * (size_t)v->ndim);
        } else {
            ok = ok && d >= 0 && d < v->ndim && v->ndim == av[k].ndim + 1 && v->shape[d] == b->size;
            for (int i = 0, j = 0; ok && i < v->ndim; i++)
                if (i != d) ok = v->shape[i] == av[k].shape[j++];
        }
        if (!ok) {
            st = numc_error_set(NUMC_ERR_RUNTIME,
                                "internal error: the batching rule of %s gave output %d of "
                                "dtype %s, ndim %d, batch axis %d (expected %s, ndim %d)",
                                info->name, k, numc_dtype_name(v->dtype), v->ndim, d,
                                numc_dtype_name(av[k].dtype), av[k].ndim);
            break;
        }
    }
    if (st) {
        for (int k = 0; k < nout; k++)
            numc_array_release(res[k]);
        goto done;
    }
    for (int k = 0; k < nout; k++) {
        if (obd[k] == NUMC_NOT_MAPPED) {
            out[k] = res[k]; /* no batched dependence: the plain value */
            res[k] = NULL;
            continue;
        }
        out[k] = make_tracer(b, res[k], obd[k]);
        res[k] = NULL;
        if (!out[k]) {
            st = numc_error_kind();
            for (int j = 0; j < k; j++) {
                numc_array_release(out[j]);
                out[j] = NULL;
            }
            for (int j = k + 1; j < nout; j++)
                numc_array_release(res[j]);
            break;
        }
    }
done:
    if (av != av_inl) {
        free(av);
        free(res);
        free(obd);
    }
    return st;
}

bool numc_batch_unpack(const numc_interp *self, const numc_array *a, const numc_array **val,
                       int *bdim) {
    if (!owns(self, a)) return false;
    const btr *t = a->payload;
    *val = t->val;
    *bdim = t->bdim;
    return true;
}

static const numc_interp_vtable batch_vt = {"batch", batch_process};

numc_batch *numc_batch_begin(int64_t size) {
    if (size < 0) {
        numc_error_set(NUMC_ERR_VALUE, "vmap: negative batch size %lld", (long long)size);
        return NULL;
    }
    struct numc_batch *b = calloc(1, sizeof *b);
    if (!b) {
        numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
        return NULL;
    }
    b->it.vt = &batch_vt;
    b->it.state = b;
    b->size = size;
    atomic_init(&b->refcount, 1);
    b->active = true;
    numc_interp_push(&b->it);
    return b;
}

void numc_batch_end(numc_batch *b) {
    if (!b) return;
    if (b->active) {
        numc_interp_pop(&b->it);
        b->active = false;
    }
    batch_decref(b);
}

int64_t numc_batch_size(const numc_batch *b) {
    return b->size;
}

bool numc_batch_is_batched(const numc_batch *b, const numc_array *y) {
    return y && owns(&b->it, y);
}

static numc_array *bind_transpose(const numc_array *x, const int64_t *perm) {
    numc_params pr = {.n = x->ndim};
    memcpy(pr.i, perm, sizeof(int64_t) * (size_t)x->ndim);
    return numc_bind1(NUMC_PRIM_TRANSPOSE, 1, (const numc_array *const[]){x}, &pr);
}

numc_array *numc_batch_wrap(numc_batch *b, const numc_array *x, int axis) {
    if (!b->active) {
        numc_error_set(NUMC_ERR_VALUE, "vmap: the batch interpreter has ended");
        return NULL;
    }
    int nd = x->ndim;
    if (axis < -nd || axis >= nd) {
        numc_error_set(NUMC_ERR_VALUE,
                       "vmap was requested to map its argument along axis %d, which implies "
                       "that its rank should be at least %d, but is only %d",
                       axis, axis < 0 ? -axis : axis + 1, nd);
        return NULL;
    }
    if (axis < 0) axis += nd;
    if (x->shape[axis] != b->size) {
        numc_error_set(NUMC_ERR_VALUE,
                       "vmap got inconsistent sizes for array axes to be mapped: the batch "
                       "size is %lld but axis %d has size %lld",
                       (long long)b->size, axis, (long long)x->shape[axis]);
        return NULL;
    }
    return make_tracer(b, numc_array_retain((numc_array *)x), axis);
}

numc_array *numc_batch_unwrap(numc_batch *b, const numc_array *y, int out_axis) {
    if (owns(&b->it, y)) {
        const btr *t = y->payload;
        const numc_array *v = t->val;
        if (out_axis == NUMC_NOT_MAPPED) {
            numc_error_set(NUMC_ERR_VALUE, "vmap has mapped output but out_axes is None");
            return NULL;
        }
        int nd = v->ndim;
        if (out_axis < -nd || out_axis >= nd) {
            numc_error_set(NUMC_ERR_AXIS,
                           "vmap: out_axes %d is out of bounds for an output of "
                           "rank %d",
                           out_axis, nd);
            return NULL;
        }
        if (out_axis < 0) out_axis += nd;
        if (out_axis == t->bdim) return numc_array_retain(t->val);
        int64_t perm[NUMC_MAX_DIMS];
        for (int i = 0, j = 0; i < nd; i++) {
            if (i == out_axis)
                perm[i] = t->bdim;
            else {
                if (j == t->bdim) j++;
                perm[i] = j++;
            }
        }
        return bind_transpose(v, perm);
    }
    if (out_axis == NUMC_NOT_MAPPED) return numc_array_retain((numc_array *)y);
    int nd = y->ndim + 1;
    if (out_axis < -nd || out_axis >= nd) {
        numc_error_set(NUMC_ERR_AXIS, "vmap: out_axes %d is out of bounds for an output of rank %d",
                       out_axis, nd);
        return NULL;
    }
    if (out_axis < 0) out_axis += nd;
    numc_params pr = {.n = 1 + nd + y->ndim};
    pr.i[0] = nd;
    for (int i = 0, j = 0; i < nd; i++) {
        if (i == out_axis)
            pr.i[1 + i] = b->size;
        else {
            pr.i[1 + nd + j] = i;
            pr.i[1 + i] = y->shape[j++];
        }
    }
    return numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, (const numc_array *const[]){y}, &pr);
}

numc_status numc_vmap(numc_fn f, void *payload, int nargs, numc_array *const *args,
                      const int *in_axes, int out_axis, numc_array **result) {
    *result = NULL;
    if (numc_prim_rules_check("vmap")) return numc_error_kind();
    int64_t size = -1;
    for (int i = 0; i < nargs; i++) {
        int ax = in_axes ? in_axes[i] : 0;
        if (ax == NUMC_NOT_MAPPED) continue;
        int nd = args[i]->ndim;
        if (ax < -nd || ax >= nd)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "vmap was requested to map its argument along axis %d, which "
                                  "implies that its rank should be at least %d, but is only %d",
                                  ax, ax < 0 ? -ax : ax + 1, nd);
        int64_t s = args[i]->shape[ax < 0 ? ax + nd : ax];
        if (size >= 0 && s != size)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "vmap got inconsistent sizes for array axes to be mapped: "
                                  "argument 0 has size %lld, argument %d has size %lld",
                                  (long long)size, i, (long long)s);
        size = s;
    }
    if (size < 0)
        return numc_error_set(NUMC_ERR_VALUE,
                              "vmap must have at least one non-None value in in_axes");
    numc_array *inl[16];
    numc_array **w = nargs <= 16 ? inl : calloc((size_t)nargs, sizeof *w);
    if (!w) return numc_error_set(NUMC_ERR_MEMORY, "vmap: out of memory");
    numc_batch *b = numc_batch_begin(size);
    numc_status st = b ? NUMC_OK : numc_error_kind();
    int made = 0;
    for (; made < nargs && !st; made++) {
        int ax = in_axes ? in_axes[made] : 0;
        w[made] = ax == NUMC_NOT_MAPPED ? numc_array_retain(args[made])
                                        : numc_batch_wrap(b, args[made], ax);
        if (!w[made]) st = numc_error_kind();
    }
    numc_array *y = NULL;
    if (!st) st = f(payload, nargs, w, &y);
    if (!st) {
        *result = numc_batch_unwrap(b, y, out_axis);
        if (!*result) st = numc_error_kind();
    }
    numc_array_release(y);
    for (int i = 0; i < made; i++)
        numc_array_release(w[i]);
    if (w != inl) free(w);
    numc_batch_end(b);
    return st;
}
