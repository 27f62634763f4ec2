/* tape.c — the tape interpreter (reverse-mode autodiff). While active it lets
 * its parent compute each primitive and records the ones that touch a watched
 * value; gradient() walks the records backwards through the VJP rules. Values
 * are immutable, so an array's address identifies it while the tape holds a
 * reference to it. */
#include "../prim/prim.h"

#include <stdio.h>

/* ---- a pointer-keyed hash map (value: a retained array or a marker) ---- */
typedef struct {
    const numc_array **keys;
    numc_array **vals;
    size_t cap, n;
} ptrmap;

static size_t ptr_hash(const void *p) {
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0xed5ad4bbu;
    x ^= x >> 11;
    return (size_t)x;
}

static numc_array **map_slot(ptrmap *m, const numc_array *k, bool insert) {
    if (insert && (m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        ptrmap g = {calloc(ncap, sizeof *g.keys), calloc(ncap, sizeof *g.vals), ncap, 0};
        if (!g.keys || !g.vals) {
            free(g.keys);
            free(g.vals);
            return NULL;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = ptr_hash(m->keys[i]) & (ncap - 1);
                while (g.keys[j]) j = (j + 1) & (ncap - 1);
                g.keys[j] = m->keys[i];
                g.vals[j] = m->vals[i];
                g.n++;
            }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    if (!m->cap) return NULL;
    size_t j = ptr_hash(k) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == k) return &m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!insert) return NULL;
    m->keys[j] = k;
    m->vals[j] = NULL;
    m->n++;
    return &m->vals[j];
}

static void map_clear(ptrmap *m, bool release_keys) {
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] && release_keys) numc_array_release((numc_array *)m->keys[i]);
        if (m->keys[i]) numc_array_release(m->vals[i]);
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- the tape ---- */
typedef struct {
    numc_prim prim;
    int nin, nout;
    numc_params params;       /* only i[0..n) are meaningful */
    numc_array **in, **out;   /* retained */
} record;

struct numc_tape {
    numc_interp it;
    bool persistent, active, used, in_backward;
    ptrmap watched;           /* key retained; value unused (NULL) */
    record *recs;
    size_t nrecs, caprecs;
};

static bool is_inexact(const numc_array *a) { return numc_dt_is_inexact(a->dtype); }

bool numc_tape_is_watched(const numc_tape *t, const numc_array *x) {
    return map_slot((ptrmap *)&t->watched, x, false) != NULL;
}

static numc_status watch(numc_tape *t, const numc_array *x) {
    if (numc_tape_is_watched(t, x)) return NUMC_OK;
    numc_array **slot = map_slot(&t->watched, x, true);
    if (!slot) return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    numc_array_retain((numc_array *)x);
    return NUMC_OK;
}

numc_status numc_tape_watch(numc_tape *t, const numc_array *x) {
    if (!is_inexact(x)) return NUMC_OK; /* TF ignores non-float watches */
    return watch(t, x);
}

static numc_status tape_process(numc_interp *self, numc_prim p, int nin,
                                const numc_array *const *in, const numc_params *params,
                                numc_array **out) {
    numc_tape *t = self->state;
    numc_status st = numc_interp_forward(self, p, nin, in, params, out);
    if (st || t->in_backward) return st;
    bool any = false;
    for (int i = 0; i < nin && !any; i++) any = numc_tape_is_watched(t, in[i]);
    if (!any || !numc_prim_vjp(p)) return NUMC_OK;
    int nout = numc_prim_info[p].nout;
    bool diff_out = false;
    for (int k = 0; k < nout; k++) {
        for (int i = 0; i < nin; i++)
            if (out[k] == in[i]) return NUMC_OK; /* an identity: nothing to record */
        diff_out |= is_inexact(out[k]);
    }
    if (!diff_out) return NUMC_OK;
    if (t->nrecs == t->caprecs) {
        size_t nc = t->caprecs ? t->caprecs * 2 : 64;
        record *r = realloc(t->recs, nc * sizeof *r);
        if (!r) return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
        t->recs = r;
        t->caprecs = nc;
    }
    record *r = &t->recs[t->nrecs];
    r->prim = p;
    r->nin = nin;
    r->nout = nout;
    r->params.n = params ? params->n : 0;
    if (params) {
        memcpy(r->params.i, params->i, sizeof(int64_t) * (size_t)params->n);
        r->params.f = params->f;
        r->params.ptr = params->ptr;
    }
    r->in = malloc(sizeof(numc_array *) * (size_t)(nin + nout));
    if (!r->in) return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    r->out = r->in + nin;
    for (int i = 0; i < nin; i++) r->in[i] = numc_array_retain((numc_array *)in[i]);
    for (int k = 0; k < nout; k++) {
        r->out[k] = numc_array_retain(out[k]);
        if (is_inexact(out[k]) && watch(t, out[k])) return numc_error_kind();
    }
    t->nrecs++;
    return NUMC_OK;
}

static const numc_interp_vtable tape_vt = {"tape", tape_process};

numc_tape *numc_tape_new(bool persistent) {
    numc_tape *t = calloc(1, sizeof *t);
    if (!t) {
        numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
        return NULL;
    }
    t->it.vt = &tape_vt;
    t->it.state = t;
    t->persistent = persistent;
    t->active = true;
    numc_interp_push(&t->it);
    return t;
}

void numc_tape_stop(numc_tape *t) {
    if (t && t->active) {
        numc_interp_pop(&t->it);
        t->active = false;
    }
}

static void drop_records(numc_tape *t) {
    for (size_t k = 0; k < t->nrecs; k++) {
        record *r = &t->recs[k];
        for (int i = 0; i < r->nin + r->nout; i++) numc_array_release(r->in[i]);
        free(r->in);
    }
    free(t->recs);
    t->recs = NULL;
    t->nrecs = t->caprecs = 0;
}

void numc_tape_free(numc_tape *t) {
    if (!t) return;
    numc_tape_stop(t);
    drop_records(t);
    map_clear(&t->watched, true);
    free(t);
}

static numc_array *filled(const numc_array *like, double v) {
    numc_array *s = numc_scalar_of(like->dtype, v, 0);
    if (!s || like->ndim == 0) return s;
    numc_params bc = {.n = 1 + like->ndim};
    bc.i[0] = like->ndim;
    memcpy(bc.i + 1, like->shape, sizeof(int64_t) * (size_t)like->ndim);
    const numc_array *in[1] = {s};
    numc_array *r = numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, in, &bc);
    numc_array_release(s);
    return r;
}

/* ct[key] += v (v consumed). */
static numc_status accumulate(ptrmap *ct, const numc_array *key, numc_array *v) {
    numc_array **slot = map_slot(ct, key, true);
    if (!slot) {
        numc_array_release(v);
        return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    }
    if (!*slot) {
        *slot = v;
        return NUMC_OK;
    }
    const numc_array *in[2] = {*slot, v};
    numc_array *sum = numc_bind1(NUMC_PRIM_ADD, 2, in, NULL);
    numc_array_release(v);
    if (!sum) return numc_error_kind();
    numc_array_release(*slot);
    *slot = sum;
    return NUMC_OK;
}

numc_status numc_tape_gradient(numc_tape *t, const numc_array *target, int nsources,
                               const numc_array *const *sources,
                               const numc_array *output_gradient, bool unconnected_zero,
                               numc_array **grads) {
    for (int i = 0; i < nsources; i++) grads[i] = NULL;
    if (t->used && !t->persistent)
        return numc_error_set(NUMC_ERR_RUNTIME,
                              "A non-persistent GradientTape can only be used to compute one set "
                              "of gradients (or jacobians)");
    t->used = true;
    if (output_gradient &&
        (output_gradient->ndim != target->ndim ||
         memcmp(output_gradient->shape, target->shape, sizeof(int64_t) * (size_t)target->ndim)))
        return numc_error_set(NUMC_ERR_VALUE,
                              "gradient: output_gradients must have the target's shape");
    ptrmap ct = {0};
    numc_status st = NUMC_OK;
    numc_array *seed = NULL;
    if (is_inexact(target) && numc_tape_is_watched(t, target)) {
        if (output_gradient) {
            numc_params cv = {.n = 1, .i = {target->dtype}};
            const numc_array *in[1] = {output_gradient};
            seed = numc_bind1(NUMC_PRIM_CONVERT, 1, in, &cv);
        } else {
            seed = filled(target, 1.0);
        }
        if (!seed) return numc_error_kind();
        st = accumulate(&ct, target, seed);
    }
    t->in_backward = true;
    for (size_t k = t->nrecs; k-- > 0 && st == NUMC_OK;) {
        record *r = &t->recs[k];
        const numc_array *cto[4] = {NULL, NULL, NULL, NULL};
        bool any = false;
        for (int o = 0; o < r->nout; o++) {
            numc_array **slot = map_slot(&ct, r->out[o], false);
            cto[o] = slot ? *slot : NULL;
            any |= cto[o] != NULL;
        }
        if (!any) continue;
        numc_array *cti[NUMC_MAX_DIMS + 2] = {0};
        numc_array **ctin = r->nin <= NUMC_MAX_DIMS + 2 ? cti : calloc((size_t)r->nin, sizeof *ctin);
        if (!ctin) {
            st = numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
            break;
        }
        st = numc_prim_vjp(r->prim)(&r->params, r->nin, (const numc_array *const *)r->in,
                                    r->nout, (const numc_array *const *)r->out, cto, ctin);
        for (int i = 0; i < r->nin; i++) {
            if (!ctin[i]) continue;
            if (st == NUMC_OK && is_inexact(r->in[i]) && numc_tape_is_watched(t, r->in[i]))
                st = accumulate(&ct, r->in[i], ctin[i]);
            else numc_array_release(ctin[i]);
        }
        if (ctin != cti) free(ctin);
    }
    t->in_backward = false;
    for (int i = 0; i < nsources && st == NUMC_OK; i++) {
        numc_array **slot = map_slot(&ct, sources[i], false);
        if (slot && *slot) grads[i] = numc_array_retain(*slot);
        else if (unconnected_zero && is_inexact(sources[i]))
            st = (grads[i] = filled(sources[i], 0.0)) ? NUMC_OK : numc_error_kind();
    }
    map_clear(&ct, false);
    if (st) {
        for (int i = 0; i < nsources; i++) {
            numc_array_release(grads[i]);
            grads[i] = NULL;
        }
    }
    if (!t->persistent) drop_records(t);
    return st;
}

numc_status numc_value_and_grad(numc_fn f, void *payload, int nargs, numc_array *const *args,
                                int nargnums, const int *argnums, numc_array **value,
                                numc_array **grads) {
    *value = NULL;
    for (int k = 0; k < nargnums; k++) {
        int a = argnums[k];
        if (a < 0 || a >= nargs)
            return numc_error_set(NUMC_ERR_VALUE, "value_and_grad: argnums %d out of range", a);
        if (!is_inexact(args[a]))
            return numc_error_set(NUMC_ERR_TYPE,
                                  "grad requires real- or complex-valued inputs (input dtype that "
                                  "is a sub-dtype of np.inexact), but got %s",
                                  numc_dtype_name(args[a]->dtype));
    }
    numc_tape *t = numc_tape_new(false);
    if (!t) return numc_error_kind();
    numc_status st = NUMC_OK;
    for (int k = 0; k < nargnums && !st; k++) st = watch(t, args[argnums[k]]);
    numc_array *v = NULL;
    if (!st) st = f(payload, nargs, args, &v);
    numc_tape_stop(t);
    if (!st && v->ndim != 0)
        st = numc_error_set(NUMC_ERR_VALUE,
                            "grad requires scalar outputs (an array of dimension 0), got an "
                            "array of dimension %d",
                            v->ndim);
    else if (!st && !numc_dt_is_float(v->dtype))
        st = numc_error_set(NUMC_ERR_TYPE, "grad requires real-valued outputs (output dtype that "
                                           "is a sub-dtype of np.floating), but got %s",
                            numc_dtype_name(v->dtype));
    const numc_array *src[NUMC_MAX_DIMS];
    if (!st && nargnums > NUMC_MAX_DIMS)
        st = numc_error_set(NUMC_ERR_VALUE, "value_and_grad: too many argnums");
    for (int k = 0; !st && k < nargnums; k++) src[k] = args[argnums[k]];
    if (!st) st = numc_tape_gradient(t, v, nargnums, src, NULL, true, grads);
    numc_tape_free(t);
    if (st) {
        numc_array_release(v);
        return st;
    }
    *value = v;
    return NUMC_OK;
}
