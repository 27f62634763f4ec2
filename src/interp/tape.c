/* tape.c — the tape interpreter (reverse-mode autodiff). While active it lets
 * its parent compute each primitive and records the ones that touch a watched
 * value; gradient() walks the records backwards through the VJP rules. Values
 * are immutable, so an array's address identifies it while the tape holds a
 * reference to it. */
#include "tape.h"
#include "../core/ptrmap.h"
#include "interp.h"

#include <stdio.h>

/* ---- the tape ---- */
/* A custom record (numc_tape_record_custom): a caller-supplied backward. */
typedef struct {
    numc_tape_custom_fn fn;
    void *payload;
    void (*payload_free)(void *);
} custom_rule;

typedef struct {
    numc_prim prim; /* NUMC_PRIM_COUNT for a custom record */
    int nin, nout;
    numc_params params;     /* only i[0..n) are meaningful */
    numc_array **in, **out; /* retained */
    custom_rule *custom;    /* custom records only */
} record;

struct numc_tape {
    numc_interp it;
    bool persistent, active, used, in_backward, paused;
    numc_ptrmap watched; /* key retained; value unused */
    record *recs;
    size_t nrecs, caprecs;
};

static bool is_inexact(const numc_array *a) {
    return numc_dt_is_inexact(a->dtype);
}

bool numc_tape_is_watched(const numc_tape *t, const numc_array *x) {
    return numc_ptrmap_slot((numc_ptrmap *)&t->watched, x, false) != NULL;
}

static numc_status watch(numc_tape *t, const numc_array *x) {
    if (numc_tape_is_watched(t, x)) return NUMC_OK;
    if (!numc_ptrmap_slot(&t->watched, x, true))
        return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    numc_array_retain((numc_array *)x);
    return NUMC_OK;
}

numc_status numc_tape_watch(numc_tape *t, const numc_array *x) {
    if (!is_inexact(x)) return NUMC_OK; /* TF ignores non-float watches */
    return watch(t, x);
}

/* Whether out[k] is an operand or an earlier output of the same bind. */
static bool out_aliases(int k, int nin, const numc_array *const *in, numc_array *const *out) {
    for (int i = 0; i < nin; i++)
        if (out[k] == in[i]) return true;
    for (int j = 0; j < k; j++)
        if (out[k] == out[j]) return true;
    return false;
}

static numc_status tape_process(numc_interp *self, numc_prim p, int nin,
                                const numc_array *const *in, const numc_params *params,
                                numc_array **out) {
    numc_tape *t = self->state;
    numc_status st = numc_interp_forward(self, p, nin, in, params, out);
    if (st || t->in_backward || t->paused) return st;
    bool any = false;
    for (int i = 0; i < nin && !any; i++)
        any = numc_tape_is_watched(t, in[i]);
    if (!any || !numc_prim_vjp(p)) return NUMC_OK;
    int nout = numc_prim_nout(p, params); /* call: as many as its body */
    if (nout < 0) return numc_error_kind();
    /* An output that is an operand (or an earlier output) already shares that
     * value's cotangent slot: a single-output primitive returning an operand
     * is an identity with nothing to record; a multi-output one is recorded
     * with that output left out (NULL), so its cotangent is not counted twice. */
    bool diff_out = false;
    for (int k = 0; k < nout; k++) {
        bool alias = out_aliases(k, nin, in, out);
        if (alias && nout == 1) return NUMC_OK; /* an identity: nothing to record */
        if (!alias) diff_out |= is_inexact(out[k]);
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
    r->custom = NULL;
    r->params.n = params ? params->n : 0;
    r->params.ptr = NULL;
    if (params) {
        memcpy(r->params.i, params->i, sizeof(int64_t) * (size_t)params->n);
        r->params.f = params->f;
    }
    r->in = malloc(sizeof(numc_array *) * (size_t)(nin + nout));
    if (!r->in) return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    if (params) {
        r->params.ptr = params->ptr;
        numc_params_ptr_retain(p, params->ptr);
    }
    r->out = r->in + nin;
    for (int i = 0; i < nin; i++)
        r->in[i] = numc_array_retain((numc_array *)in[i]);
    for (int k = 0; k < nout; k++)
        r->out[k] = NULL;
    t->nrecs++; /* complete from here on (drop_records releases it) */
    for (int k = 0; k < nout; k++) {
        bool alias = out_aliases(k, nin, in, out);
        if (alias) continue;
        r->out[k] = numc_array_retain(out[k]);
        if (is_inexact(out[k]) && watch(t, out[k])) return numc_error_kind();
    }
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

/* Stops recording. A tape that is not on top of the stack (tapes exited out
 * of order) is unlinked from the middle of the chain. */
void numc_tape_stop(numc_tape *t) {
    if (!t || !t->active) return;
    numc_interp *child = NULL, *it = numc_interp_current();
    while (it && it != &t->it) {
        child = it;
        it = it->parent;
    }
    if (it == &t->it) {
        if (!child)
            numc_interp_pop(&t->it);
        else
            child->parent = t->it.parent;
    }
    t->active = false;
}

numc_status numc_tape_resume(numc_tape *t) {
    if (t->active)
        return numc_error_set(NUMC_ERR_RUNTIME,
                              "Tape is still recording, This can happen if you try to re-enter an "
                              "already-active tape.");
    numc_interp_push(&t->it);
    t->active = true;
    return NUMC_OK;
}

bool numc_tape_is_active(const numc_tape *t) {
    return t->active;
}
void numc_tape_set_recording(numc_tape *t, bool on) {
    t->paused = !on;
}
bool numc_tape_is_recording(const numc_tape *t) {
    return t->active && !t->paused;
}

numc_tape *numc_tape_innermost(int n, const numc_array *const *xs) {
    for (numc_interp *it = numc_interp_current(); it; it = it->parent) {
        if (it->vt != &tape_vt) continue;
        numc_tape *t = it->state;
        if (t->paused || t->in_backward) continue;
        for (int i = 0; i < n; i++)
            if (xs[i] && is_inexact(xs[i]) && numc_tape_is_watched(t, xs[i])) return t;
    }
    return NULL;
}

bool numc_tape_stack_watches(int n, const numc_array *const *xs) {
    for (numc_interp *it = numc_interp_current(); it && it != numc_interp_eager();
         it = it->parent) {
        if (numc_interp_is_trace(it)) break;
        if (it->vt != &tape_vt) continue;
        for (int i = 0; i < n; i++)
            if (numc_tape_is_watched((const numc_tape *)it->state, xs[i])) return true;
    }
    return false;
}

bool numc_tape_accessed(const numc_tape *t, const numc_array *x) {
    for (size_t k = 0; k < t->nrecs; k++)
        for (int i = 0; i < t->recs[k].nin; i++)
            if (t->recs[k].in[i] == x) return true;
    return false;
}

size_t numc_tape_num_records(const numc_tape *t) {
    return t->nrecs;
}

const char *numc_tape_record_name(const numc_tape *t, size_t k) {
    if (k >= t->nrecs) return NULL;
    return t->recs[k].custom ? "custom" : numc_prim_info[t->recs[k].prim].name;
}

static numc_status grow_records(numc_tape *t) {
    if (t->nrecs < t->caprecs) return NUMC_OK;
    size_t nc = t->caprecs ? t->caprecs * 2 : 64;
    record *r = realloc(t->recs, nc * sizeof *r);
    if (!r) return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    t->recs = r;
    t->caprecs = nc;
    return NUMC_OK;
}

numc_status numc_tape_record_custom(numc_tape *t, int nin, const numc_array *const *in, int nout,
                                    numc_array *const *out, numc_tape_custom_fn fn, void *payload,
                                    void (*payload_free)(void *)) {
    numc_status st = NUMC_OK;
    custom_rule *c = NULL;
    for (int k = 0; k < nout && !st; k++) {
        for (int i = 0; i < nin; i++)
            if (out[k] == in[i])
                st = numc_error_set(
                    NUMC_ERR_VALUE,
                    "custom record: an output is also an input (pass a fresh handle)");
        if (!st && numc_tape_is_watched(t, out[k]))
            st = numc_error_set(NUMC_ERR_VALUE, "custom record: an output is already on the tape");
    }
    if (!st) st = grow_records(t);
    if (!st && !(c = malloc(sizeof *c)))
        st = numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    numc_array **io = st ? NULL : malloc(sizeof(numc_array *) * (size_t)(nin + nout + 1));
    if (!st && !io) st = numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    if (st) {
        free(c);
        if (payload_free) payload_free(payload);
        return st;
    }
    record *r = &t->recs[t->nrecs];
    r->in = io;
    c->fn = fn;
    c->payload = payload;
    c->payload_free = payload_free;
    r->prim = NUMC_PRIM_COUNT;
    r->nin = nin;
    r->nout = nout;
    r->params.n = 0;
    r->custom = c;
    r->out = r->in + nin;
    for (int i = 0; i < nin; i++)
        r->in[i] = numc_array_retain((numc_array *)in[i]);
    for (int k = 0; k < nout; k++)
        r->out[k] = numc_array_retain(out[k]);
    t->nrecs++;
    for (int k = 0; k < nout && !st; k++)
        if (is_inexact(out[k])) st = watch(t, out[k]);
    return st;
}

static void drop_records(numc_tape *t) {
    for (size_t k = 0; k < t->nrecs; k++) {
        record *r = &t->recs[k];
        for (int i = 0; i < r->nin + r->nout; i++)
            numc_array_release(r->in[i]);
        free(r->in);
        if (!r->custom) numc_params_ptr_release(r->prim, r->params.ptr);
        if (r->custom) {
            if (r->custom->payload_free) r->custom->payload_free(r->custom->payload);
            free(r->custom);
        }
    }
    free(t->recs);
    t->recs = NULL;
    t->nrecs = t->caprecs = 0;
}

void numc_tape_clear(numc_tape *t) {
    drop_records(t);
}

void numc_tape_free(numc_tape *t) {
    if (!t) return;
    numc_tape_stop(t);
    drop_records(t);
    numc_ptrmap_clear(&t->watched, true, false);
    free(t);
}

/* A new array of (dt, nd, shape) filled with v. */
static numc_array *filled_as(numc_dtype dt, int nd, const int64_t *shape, double v) {
    numc_array *s = numc_scalar_of(dt, v, 0);
    if (!s || nd == 0) return s;
    numc_params bc = {.n = 1 + nd};
    bc.i[0] = nd;
    memcpy(bc.i + 1, shape, sizeof(int64_t) * (size_t)nd);
    const numc_array *in[1] = {s};
    numc_array *r = numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, in, &bc);
    numc_array_release(s);
    return r;
}
static numc_array *filled(const numc_array *like, double v) {
    return filled_as(like->dtype, like->ndim, like->shape, v);
}

/* ct[key] += v (v consumed). */
static numc_status accumulate(numc_ptrmap *ct, const numc_array *key, numc_array *v) {
    numc_ptrmap_val *slot = numc_ptrmap_slot(ct, key, true);
    if (!slot) {
        numc_array_release(v);
        return numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
    }
    if (!slot->arr) {
        slot->arr = v;
        return NUMC_OK;
    }
    const numc_array *in[2] = {slot->arr, v};
    numc_array *sum = numc_bind1(NUMC_PRIM_ADD, 2, in, NULL);
    numc_array_release(v);
    if (!sum) return numc_error_kind();
    numc_array_release(slot->arr);
    slot->arr = sum;
    return NUMC_OK;
}

numc_status numc_tape_gradient(numc_tape *t, const numc_array *target, int nsources,
                               const numc_array *const *sources, const numc_array *output_gradient,
                               bool unconnected_zero, numc_array **grads) {
    const numc_array *tg[1] = {target}, *og[1] = {output_gradient};
    return numc_tape_gradient_n(t, 1, tg, og, nsources, sources, unconnected_zero, grads);
}

/* Runs one record's backward: a VJP rule, or a custom record's callback. */
static numc_status record_vjp(record *r, const numc_array *const *cto, numc_array **ctin) {
    bool fp = numc_fp_pause(); /* a backward pass reports no floating-point errors */
    numc_status st;
    if (r->custom)
        st = r->custom->fn(r->custom->payload, r->nin, (const numc_array *const *)r->in, r->nout,
                           (const numc_array *const *)r->out, cto, ctin);
    else
        st = numc_prim_vjp(r->prim)(&r->params, r->nin, (const numc_array *const *)r->in, r->nout,
                                    (const numc_array *const *)r->out, cto, ctin);
    numc_fp_resume(fp);
    return st;
}

/* A non-persistent tape answers one gradient or jacobian call (TF's rule). */
static bool tape_used_up(const numc_tape *t) {
    if (!t->used || t->persistent) return false;
    numc_error_set(NUMC_ERR_RUNTIME, "A non-persistent GradientTape can only be used to compute "
                                     "one set of gradients (or jacobians)");
    return true;
}

numc_status numc_tape_gradient_n(numc_tape *t, int ntargets, const numc_array *const *targets,
                                 const numc_array *const *output_gradients, int nsources,
                                 const numc_array *const *sources, bool unconnected_zero,
                                 numc_array **grads) {
    for (int i = 0; i < nsources; i++)
        grads[i] = NULL;
    if (numc_prim_rules_check("GradientTape.gradient")) return numc_error_kind();
    if (tape_used_up(t)) return numc_error_kind();
    for (int k = 0; k < ntargets; k++) {
        const numc_array *target = targets[k], *og = output_gradients ? output_gradients[k] : NULL;
        if (og && (og->ndim != target->ndim ||
                   memcmp(og->shape, target->shape, sizeof(int64_t) * (size_t)target->ndim)))
            return numc_error_set(NUMC_ERR_VALUE,
                                  "gradient: output_gradients must have the target's shape");
    }
    t->used = true;
    numc_ptrmap ct = {0};
    numc_status st = NUMC_OK;
    for (int k = 0; k < ntargets && st == NUMC_OK; k++) {
        const numc_array *target = targets[k], *og = output_gradients ? output_gradients[k] : NULL;
        if (!is_inexact(target) || !numc_tape_is_watched(t, target)) continue;
        numc_array *seed;
        if (og) {
            numc_params cv = {.n = 1, .i = {target->dtype}};
            const numc_array *in[1] = {og};
            seed = numc_bind1(NUMC_PRIM_CONVERT, 1, in, &cv);
        } else {
            seed = filled(target, 1.0);
        }
        st = seed ? accumulate(&ct, target, seed) : numc_error_kind();
    }
    bool was_in_backward = t->in_backward;
    t->in_backward = true;
    for (size_t k = t->nrecs; k-- > 0 && st == NUMC_OK;) {
        record *r = &t->recs[k];
        const numc_array *cto_inl[4] = {NULL, NULL, NULL, NULL};
        const numc_array **cto = r->nout <= 4 ? cto_inl : calloc((size_t)r->nout, sizeof *cto);
        if (!cto) {
            st = numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
            break;
        }
        bool any = false;
        for (int o = 0; o < r->nout; o++) {
            numc_ptrmap_val *slot = r->out[o] ? numc_ptrmap_slot(&ct, r->out[o], false) : NULL;
            cto[o] = slot ? slot->arr : NULL;
            any |= cto[o] != NULL;
        }
        if (!any) {
            if (cto != cto_inl) free(cto);
            continue;
        }
        numc_array *cti[NUMC_MAX_DIMS + 2] = {0};
        numc_array **ctin =
            r->nin <= NUMC_MAX_DIMS + 2 ? cti : calloc((size_t)r->nin, sizeof *ctin);
        if (!ctin) {
            if (cto != cto_inl) free(cto);
            st = numc_error_set(NUMC_ERR_MEMORY, "GradientTape: out of memory");
            break;
        }
        st = record_vjp(r, cto, ctin);
        for (int i = 0; i < r->nin; i++) {
            if (!ctin[i]) continue;
            if (st == NUMC_OK && is_inexact(r->in[i]) && numc_tape_is_watched(t, r->in[i]))
                st = accumulate(&ct, r->in[i], ctin[i]);
            else
                numc_array_release(ctin[i]);
        }
        if (ctin != cti) free(ctin);
        if (cto != cto_inl) free(cto);
    }
    t->in_backward = was_in_backward;
    for (int i = 0; i < nsources && st == NUMC_OK; i++) {
        if (!sources[i]) continue;
        numc_ptrmap_val *slot = numc_ptrmap_slot(&ct, sources[i], false);
        if (slot && slot->arr)
            grads[i] = numc_array_retain(slot->arr);
        else if (unconnected_zero && is_inexact(sources[i]))
            st = (grads[i] = filled(sources[i], 0.0)) ? NUMC_OK : numc_error_kind();
    }
    numc_ptrmap_clear(&ct, false, true);
    if (st) {
        for (int i = 0; i < nsources; i++) {
            numc_array_release(grads[i]);
            grads[i] = NULL;
        }
    }
    if (!t->persistent) drop_records(t);
    return st;
}

/* Column s of the jacobian: rows[e] (e < n; NULL = zero) are d target[e] /
 * d x, stacked along a new axis and shaped target.shape + x.shape. */
static numc_array *jacobian_of(const numc_array *target, const numc_array *x, numc_array **rows,
                               int64_t n, int ns) {
    numc_scope sc;
    numc_scope_init(&sc);
    int nd = target->ndim + x->ndim;
    int64_t shape[NUMC_MAX_DIMS], row_shape[NUMC_MAX_DIMS];
    memcpy(shape, target->shape, sizeof(int64_t) * (size_t)target->ndim);
    memcpy(shape + target->ndim, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    row_shape[0] = 1;
    memcpy(row_shape + 1, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    const numc_array **col = malloc(sizeof *col * (size_t)n);
    numc_array *zero_row = NULL, *r = NULL;
    numc_status st = col ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "jacobian: out of memory");
    for (int64_t e = 0; !st && e < n; e++) {
        const numc_array *g = rows[e * ns];
        if (!g && !zero_row && !(zero_row = numc_scope_keep(&sc, filled(x, 0.0))))
            st = numc_error_kind();
        if (!st && !(col[e] = numc_scope_reshape(&sc, g ? g : zero_row, x->ndim + 1, row_shape)))
            st = numc_error_kind();
    }
    if (!st && n > INT32_MAX) st = numc_error_set(NUMC_ERR_VALUE, "jacobian: target too large");
    numc_params cat = {.n = 1, .i = {0}};
    const numc_array *stacked =
        st ? NULL : numc_scope_bind(&sc, NUMC_PRIM_CONCATENATE, (int)n, col, &cat);
    const numc_array *j = numc_scope_reshape(&sc, stacked, nd, shape);
    if (j) r = numc_array_retain((numc_array *)j);
    free(col);
    numc_scope_end(&sc);
    return r;
}

numc_status numc_tape_jacobian(numc_tape *t, const numc_array *target, int nsources,
                               const numc_array *const *sources, bool unconnected_zero,
                               numc_array **jac) {
    for (int s = 0; s < nsources; s++)
        jac[s] = NULL;
    if (tape_used_up(t)) return numc_error_kind();
    for (int s = 0; s < nsources; s++)
        if (sources[s] && target->ndim + sources[s]->ndim > NUMC_MAX_DIMS)
            return numc_error_set(NUMC_ERR_VALUE, "jacobian: the result has too many dimensions");
    int64_t n = target->size;
    numc_array **rows = calloc((size_t)(n * nsources + 1), sizeof *rows);
    double *buf = calloc((size_t)n + 1, sizeof *buf);
    numc_status st =
        rows && buf ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "jacobian: out of memory");
    /* one backward pass per element of target: the records must survive them */
    bool persistent = t->persistent;
    t->persistent = true;
    for (int64_t e = 0; !st && e < n; e++) {
        buf[e] = 1.0; /* a float64 one-hot seed; gradient converts it */
        numc_array *seed = numc_array_from_data(NUMC_FLOAT64, target->ndim, target->shape, buf);
        buf[e] = 0.0;
        const numc_array *tg[1] = {target}, *og[1] = {seed};
        st = seed
                 ? numc_tape_gradient_n(t, 1, tg, og, nsources, sources, false, rows + e * nsources)
                 : numc_error_kind();
        numc_array_release(seed);
    }
    t->persistent = persistent;
    t->used = true;
    if (!persistent) drop_records(t);
    for (int s = 0; !st && s < nsources; s++) {
        const numc_array *x = sources[s];
        if (!x || !is_inexact(x)) continue;
        bool any = false;
        for (int64_t e = 0; e < n; e++)
            any |= rows[e * nsources + s] != NULL;
        if (!any && !unconnected_zero) continue;
        if (!any || n == 0) {
            int64_t shape[NUMC_MAX_DIMS];
            memcpy(shape, target->shape, sizeof(int64_t) * (size_t)target->ndim);
            memcpy(shape + target->ndim, x->shape, sizeof(int64_t) * (size_t)x->ndim);
            jac[s] = filled_as(x->dtype, target->ndim + x->ndim, shape, 0.0);
        } else {
            jac[s] = jacobian_of(target, x, rows + s, n, nsources);
        }
        if (!jac[s]) st = numc_error_kind();
    }
    if (rows)
        for (int64_t k = 0; k < n * nsources; k++)
            numc_array_release(rows[k]);
    free(rows);
    free(buf);
    if (st)
        for (int s = 0; s < nsources; s++) {
            numc_array_release(jac[s]);
            jac[s] = NULL;
        }
    return st;
}

numc_array *numc_stop_gradient(const numc_array *x) {
    return numc_bind1(NUMC_PRIM_STOP_GRADIENT, 1, &x, NULL);
}

/* A new handle for a's value through a differentiable identity (reshape to
 * its own shape): outer tapes record it, so higher order stays connected,
 * and a tape watching it watches nothing else. */
static numc_array *fresh_handle(const numc_array *a) {
    numc_params p = {.n = a->ndim};
    memcpy(p.i, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    const numc_array *in[1] = {a};
    return numc_bind1(NUMC_PRIM_RESHAPE, 1, in, &p);
}

/* The differentiated arguments get fresh handles, so an array passed twice
 * (or also captured by f) is independent inputs, as in JAX. */
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
    if (nargnums > NUMC_MAX_DIMS)
        return numc_error_set(NUMC_ERR_VALUE, "value_and_grad: too many argnums");
    numc_array **fa = calloc((size_t)nargs + 1, sizeof *fa);
    bool *fresh = calloc((size_t)nargs + 1, sizeof *fresh);
    numc_status st =
        fa && fresh ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "value_and_grad: out of memory");
    for (int i = 0; !st && i < nargs; i++)
        fa[i] = args[i];
    for (int k = 0; !st && k < nargnums; k++) {
        int a = argnums[k];
        if (fresh[a]) continue;
        fa[a] = fresh_handle(args[a]);
        fresh[a] = true;
        if (!fa[a]) st = numc_error_kind();
    }
    numc_tape *t = st ? NULL : numc_tape_new(false);
    if (!st && !t) st = numc_error_kind();
    for (int k = 0; k < nargnums && !st; k++)
        st = watch(t, fa[argnums[k]]);
    numc_array *v = NULL;
    if (!st) st = f(payload, nargs, fa, &v);
    numc_tape_stop(t);
    if (!st && v->ndim != 0)
        st = numc_error_set(NUMC_ERR_VALUE,
                            "grad requires scalar outputs (an array of dimension 0), got an "
                            "array of dimension %d",
                            v->ndim);
    else if (!st && !numc_dt_is_float(v->dtype))
        st = numc_error_set(NUMC_ERR_TYPE,
                            "grad requires real-valued outputs (output dtype that "
                            "is a sub-dtype of np.floating), but got %s",
                            numc_dtype_name(v->dtype));
    const numc_array *src[NUMC_MAX_DIMS];
    for (int k = 0; !st && k < nargnums; k++)
        src[k] = fa[argnums[k]];
    if (!st) st = numc_tape_gradient(t, v, nargnums, src, NULL, true, grads);
    numc_tape_free(t);
    for (int i = 0; fa && fresh && i < nargs; i++)
        if (fresh[i]) numc_array_release(fa[i]);
    free(fa);
    free(fresh);
    if (st) {
        numc_array_release(v);
        return st;
    }
    *value = v;
    return NUMC_OK;
}
