/* trace.c — the trace interpreter (graph mode). While active it computes
 * nothing: each primitive is inferred (so shape and dtype errors surface at
 * bind time) and appended as a node to the graph being built; its results are
 * tracers, arrays without a buffer whose owner is this interpreter and whose
 * payload names the graph value they stand for.
 *
 * Operands the trace does not own are lifted: a concrete array becomes a
 * constant of the graph, and a tracer of an outer transform (an enclosing
 * trace, a vmap) becomes an extra graph input that the caller passes when it
 * runs the graph ("captured", as JAX closes over outer tracers).
 *
 * The trace state is reference counted: each tracer holds a reference, so a
 * tracer that outlives its trace (a leaked tracer) still knows, safely, that
 * its trace has ended and every use reports that clearly. */
#include "../core/ptrmap.h"
#include "interp.h"

#include <stdio.h>

struct numc_trace {
    numc_interp it;
    atomic_long refcount; /* the builder + one per live tracer */
    bool active;
    numc_graph *g;
    numc_ptrmap lifted;    /* operand not owned here -> value id (keys retained) */
    numc_array **captured; /* outer tracers lifted as inputs, in input order */
    int ncaptured, capcaptured;
};

typedef struct {
    numc_trace *t;
    int id;
} tracer_payload;

static void trace_unref(numc_trace *t) {
    if (atomic_fetch_sub_explicit(&t->refcount, 1, memory_order_acq_rel) != 1) return;
    numc_graph_release(t->g);
    free(t);
}

static void tracer_free(void *p) {
    tracer_payload *tp = p;
    trace_unref(tp->t);
    free(tp);
}

bool numc_is_trace_tracer(const numc_array *a) {
    return !a->buffer && a->payload_free == tracer_free;
}

static const tracer_payload *payload_of(const numc_array *a) {
    return numc_is_trace_tracer(a) ? a->payload : NULL;
}

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "trace: out of memory");
}

/* ---- tracers ---- */
static numc_array *new_tracer(numc_trace *t, int id) {
    const numc_aval *av = &t->g->values[id].aval;
    tracer_payload *tp = malloc(sizeof *tp);
    if (!tp) return oom(), NULL;
    numc_array *a = numc_array_alloc_header(av->dtype, av->ndim, av->shape);
    if (!a) {
        free(tp);
        return NULL;
    }
    atomic_fetch_add_explicit(&t->refcount, 1, memory_order_relaxed);
    tp->t = t;
    tp->id = id;
    a->owner = &t->it;
    a->payload = tp;
    a->payload_free = tracer_free;
    return a;
}

static numc_status leaked(const char *what) {
    return numc_error_set(NUMC_ERR_VALUE,
                          "%s: an operand is a leaked tracer: a traced value of a numc.function "
                          "(or of a numc.cond/while_loop/fori_loop/scan body) was used after its "
                          "trace ended. Return values from the traced function instead of storing "
                          "them outside it",
                          what);
}

static void aval_of(const numc_array *a, numc_aval *av) {
    av->dtype = a->dtype;
    av->ndim = a->ndim;
    memcpy(av->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
}

/* The value id of operand a in t's graph, lifting it when t does not own it. */
static int value_of(numc_trace *t, const numc_array *a, const char *what) {
    const tracer_payload *tp = payload_of(a);
    if (tp && tp->t == t) return tp->id;
    numc_ptrmap_val *slot = numc_ptrmap_slot(&t->lifted, a, false);
    if (slot) return (int)slot->id;
    if (tp && !tp->t->active) return leaked(what), -1;
    int id;
    if (a->buffer) {
        id = numc_graph_add_const(t->g, (numc_array *)a);
    } else {
        /* a tracer of an outer transform: an extra input */
        if (t->ncaptured == t->capcaptured) {
            int nc = t->capcaptured ? t->capcaptured * 2 : 8;
            numc_array **c = realloc(t->captured, sizeof *c * (size_t)nc);
            if (!c) return oom(), -1;
            t->captured = c;
            t->capcaptured = nc;
        }
        numc_aval av;
        aval_of(a, &av);
        id = numc_graph_add_input(t->g, &av, numc_array_is_weak(a));
        if (id >= 0) t->captured[t->ncaptured++] = numc_array_retain((numc_array *)a);
    }
    if (id < 0) return -1;
    slot = numc_ptrmap_slot(&t->lifted, a, true);
    if (!slot) return oom(), -1;
    numc_array_retain((numc_array *)a);
    slot->id = id;
    return id;
}

/* ---- the interpreter ---- */
static numc_status trace_process(numc_interp *self, numc_prim p, int nin,
                                 const numc_array *const *in, const numc_params *params,
                                 numc_array **out) {
    numc_trace *t = self->state;
    const char *name = numc_prim_info[p].name;
    int nout = numc_prim_nout(p, params);
    if (nout < 0) return numc_error_kind();
    numc_aval avs[4], *av = nout <= 4 ? avs : malloc(sizeof *av * (size_t)nout);
    int ids_in[8], *ids = nin <= 8 ? ids_in : malloc(sizeof(int) * (size_t)nin);
    int ids_out[4], *oids = nout <= 4 ? ids_out : malloc(sizeof(int) * (size_t)nout);
    numc_status st = NUMC_OK;
    if (!av || !ids || !oids) {
        st = oom();
        goto done;
    }
    for (int i = 0; i < nin; i++)
        if (!in[i]->buffer && payload_of(in[i]) && !payload_of(in[i])->t->active) {
            st = leaked(name);
            goto done;
        }
    st = numc_prim_infer(p, nin, in, params, av);
    if (st) goto done;
    /* what eager returns as the operand itself stays the same value here */
    if (p == NUMC_PRIM_CONVERT && in[0]->dtype == av[0].dtype && !numc_array_is_weak(in[0])) {
        out[0] = numc_array_retain((numc_array *)in[0]);
        goto done;
    }
    if (p == NUMC_PRIM_CONSTANT) {
        int id = value_of(t, params->ptr, name);
        if (id < 0)
            st = numc_error_kind();
        else if (!(out[0] = new_tracer(t, id)))
            st = numc_error_kind();
        goto done;
    }
    for (int i = 0; i < nin; i++)
        if ((ids[i] = value_of(t, in[i], name)) < 0) {
            st = numc_error_kind();
            goto done;
        }
    st = numc_graph_add_node(t->g, p, nin, ids, params, nout, av, oids);
    if (st) goto done;
    for (int k = 0; k < nout; k++) {
        out[k] = new_tracer(t, oids[k]);
        if (!out[k]) {
            st = numc_error_kind();
            for (int j = 0; j < k; j++) {
                numc_array_release(out[j]);
                out[j] = NULL;
            }
            break;
        }
    }
done:
    if (av != avs) free(av);
    if (ids != ids_in) free(ids);
    if (oids != ids_out) free(oids);
    return st;
}

static const numc_interp_vtable trace_vt = {"trace", trace_process};

bool numc_trace_is_current(void) {
    return numc_interp_current()->vt == &trace_vt;
}
bool numc_interp_is_trace(const numc_interp *it) {
    return it->vt == &trace_vt;
}
bool numc_trace_active(void) {
    return numc_trace_is_current();
}

numc_trace *numc_trace_begin(void) {
    numc_trace *t = calloc(1, sizeof *t);
    if (!t) return oom(), NULL;
    t->g = numc_graph_new();
    if (!t->g) {
        free(t);
        return NULL;
    }
    atomic_init(&t->refcount, 1);
    t->active = true;
    t->it.vt = &trace_vt;
    t->it.state = t;
    numc_interp_push(&t->it);
    return t;
}

numc_array *numc_trace_input(numc_trace *t, numc_dtype dt, int ndim, const int64_t *shape,
                             bool weak) {
    if (!t->active) {
        numc_error_set(NUMC_ERR_VALUE, "numc_trace_input: the trace has ended");
        return NULL;
    }
    if (ndim < 0 || ndim > NUMC_MAX_DIMS) {
        numc_error_set(NUMC_ERR_VALUE, "numc_trace_input: bad ndim %d", ndim);
        return NULL;
    }
    numc_aval av = {.dtype = dt, .ndim = ndim};
    if (ndim) memcpy(av.shape, shape, sizeof(int64_t) * (size_t)ndim);
    int id = numc_graph_add_input(t->g, &av, weak);
    if (id < 0) return NULL;
    numc_array *a = new_tracer(t, id);
    if (a && weak) a->flags |= NUMC_AF_WEAK;
    return a;
}

int numc_trace_input_for(numc_trace *t, const numc_array *value) {
    if (!t->active) {
        numc_error_set(NUMC_ERR_VALUE, "numc_trace_input_for: the trace has ended");
        return -1;
    }
    numc_ptrmap_val *slot = numc_ptrmap_slot(&t->lifted, value, false);
    if (slot) return numc_error_set(NUMC_ERR_VALUE, "numc_trace_input_for: already an input"), -1;
    numc_aval av;
    aval_of(value, &av);
    int id = numc_graph_add_input(t->g, &av, numc_array_is_weak(value));
    if (id < 0) return -1;
    slot = numc_ptrmap_slot(&t->lifted, value, true);
    if (!slot) return oom(), -1;
    numc_array_retain((numc_array *)value);
    slot->id = id;
    return t->g->ninputs - 1;
}

/* Ends t: pops it and marks it inactive (its tracers become leaked). */
static void finish(numc_trace *t) {
    if (!t->active) return;
    t->active = false;
    numc_interp_pop(&t->it);
    numc_ptrmap_clear(&t->lifted, true, false);
}

static void drop_captured(numc_trace *t) {
    for (int k = 0; k < t->ncaptured; k++)
        numc_array_release(t->captured[k]);
    free(t->captured);
    t->captured = NULL;
    t->ncaptured = 0;
}

void numc_trace_abort(numc_trace *t) {
    if (!t) return;
    bool on_top = numc_interp_current() == &t->it;
    finish(t);
    drop_captured(t);
    if (on_top) trace_unref(t);
    /* else something pushed above it is still active: keep t alive (leak)
     * rather than leave a dangling interpreter on the stack */
}

numc_graph *numc_trace_end(numc_trace *t, int nout, const numc_array *const *outs, int *ncaptured,
                           numc_array ***captured) {
    if (ncaptured) *ncaptured = 0;
    if (captured) *captured = NULL;
    if (numc_interp_current() != &t->it) {
        numc_error_set(NUMC_ERR_RUNTIME,
                       "numc_trace_end: a transformation started inside the traced function "
                       "(a GradientTape, vmap, ...) is still active");
        numc_trace_abort(t);
        return NULL;
    }
    numc_status st = NUMC_OK;
    int ids_in[8], *ids = nout <= 8 ? ids_in : malloc(sizeof(int) * (size_t)nout);
    if (!ids) st = oom();
    for (int k = 0; !st && k < nout; k++)
        if ((ids[k] = value_of(t, outs[k], "numc_trace_end")) < 0) st = numc_error_kind();
    if (!st) st = numc_graph_set_outputs(t->g, nout, ids);
    if (ids != ids_in) free(ids);
    if (!st && t->ncaptured && !captured)
        st = numc_error_set(NUMC_ERR_VALUE,
                            "numc_trace_end: the traced function captured a traced value of an "
                            "outer transformation");
    if (st) {
        numc_trace_abort(t);
        return NULL;
    }
    finish(t);
    numc_graph *g = numc_graph_retain(t->g);
    g->stats.traced_nodes = g->nnodes;
    if (captured) {
        *ncaptured = t->ncaptured;
        *captured = t->captured; /* ownership moves to the caller */
        t->captured = NULL;
        t->ncaptured = 0;
    }
    drop_captured(t);
    trace_unref(t);
    return g;
}

/* ---- conversions of traced values ---- */
numc_tracer_kind numc_tracer_kind_of(const numc_array *a) {
    if (a->buffer) return NUMC_TRACER_NONE;
    const tracer_payload *tp = payload_of(a);
    if (!tp) return NUMC_TRACER_OTHER;
    return tp->t->active ? NUMC_TRACER_LIVE : NUMC_TRACER_LEAKED;
}

numc_status numc_tracer_check(const numc_array *a, const char *what) {
    char shape[256];
    int n = snprintf(shape, sizeof shape, "(");
    for (int d = 0; d < a->ndim && n < (int)sizeof shape - 32; d++)
        n += snprintf(shape + n, sizeof shape - (size_t)n,
                      a->ndim == 1 ? "%lld,"
                      : d          ? ", %lld"
                                   : "%lld",
                      (long long)a->shape[d]);
    snprintf(shape + n, sizeof shape - (size_t)n, ")");
    switch (numc_tracer_kind_of(a)) {
    case NUMC_TRACER_NONE:
        return NUMC_OK;
    case NUMC_TRACER_LIVE:
        return numc_error_set(
            NUMC_ERR_TYPE,
            "%s() was called on a traced array (shape %s, dtype %s) inside numc.function: a "
            "traced value has no concrete value, so Python control flow (if/while/for, bool(), "
            "int(), len(), iteration) cannot depend on it. Use numc.cond, numc.while_loop, "
            "numc.fori_loop or numc.scan for data-dependent control flow, or pass the value as a "
            "static argument (static_argnums / static_argnames)",
            what, shape, numc_dtype_name(a->dtype));
    case NUMC_TRACER_LEAKED:
        return numc_error_set(
            NUMC_ERR_VALUE,
            "%s() of a leaked tracer (shape %s, dtype %s): this value was traced inside a "
            "numc.function (or a numc.cond/while_loop/fori_loop/scan body) whose trace has "
            "ended, so it has no value. Return values from the traced function instead of "
            "storing them outside it",
            what, shape, numc_dtype_name(a->dtype));
    default:
        return numc_error_set(
            NUMC_ERR_TYPE,
            "%s() was called on a transformed value (shape %s, dtype %s, under %s) that has no "
            "concrete value. Use numc.cond, numc.while_loop, numc.fori_loop or numc.scan for "
            "data-dependent control flow",
            what, shape, numc_dtype_name(a->dtype), a->owner ? "a transformation" : "nothing");
    }
}

void numc_trace_mark_weak(numc_array *a, bool weak) {
    if (!numc_is_trace_tracer(a)) return;
    if (weak)
        a->flags |= NUMC_AF_WEAK;
    else
        a->flags &= ~NUMC_AF_WEAK;
}
