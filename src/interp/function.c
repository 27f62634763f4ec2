/* function.c — the traced-function cache (numc_function, numc.h): trace a
 * numc_traced_fn once per signature, optimise the graph, run the cached graph
 * on later calls. The signature is the caller's key bytes (what the arrays do
 * not say: Python's argument structure and static values) followed by what
 * the trace sees of each input: dtype, weak flag and shape (not the tracer
 * kind, so a call under vmap or an outer trace reuses the eager call's
 * graph). An entry also remembers the state inputs its body read (mutable
 * values such as Python Variables, passed anew at each call) and data the
 * binding attaches. Entries are kept in a list searched by hash: a function
 * has few signatures. */
#include "interp.h"

#include <pthread.h>

typedef struct {
    numc_dtype dt;
    int ndim;
    int64_t shape[NUMC_MAX_DIMS];
} state_aval;

struct numc_function_entry {
    atomic_int refs;
    numc_function_entry *next;
    numc_graph *g;
    int ncap; /* captured tracers of an outer trace: an uncached entry */
    numc_array **cap;
    int nstate;       /* state inputs kept */
    int *state_index; /* per kept one: what numc_function_state_input returned */
    state_aval *state_aval;
    void *data;
    void (*data_free)(void *);
    uint64_t hash;
    size_t extlen, keylen;
    unsigned char key[];
};

struct numc_function {
    numc_traced_fn fn;
    void *payload;
    void (*payload_free)(void *);
    pthread_mutex_t lock;
    numc_function_entry *entries;
    atomic_llong traces;
    atomic_int jit; /* numc_jit_mode */
};

/* The traces in progress on this thread, innermost first: where
 * numc_function_state_input finds its trace. */
typedef struct tracing {
    numc_function *f;
    numc_trace *t;
    int nstate;
    numc_array **state; /* the values made state inputs (retained) */
    int cap;
    struct tracing *outer;
} tracing;
static _Thread_local tracing *tracing_top;

static numc_status oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "numc_function: out of memory");
}

numc_function *numc_function_new(numc_traced_fn fn, void *payload, void (*payload_free)(void *)) {
    if (!fn) {
        numc_error_set(NUMC_ERR_VALUE, "numc_function_new: fn must not be NULL");
        return NULL;
    }
    numc_function *f = calloc(1, sizeof *f);
    if (!f) return oom(), NULL;
    f->fn = fn;
    f->payload = payload;
    f->payload_free = payload_free;
    pthread_mutex_init(&f->lock, NULL);
    atomic_init(&f->traces, 0);
    atomic_init(&f->jit, NUMC_JIT_DEFAULT);
    return f;
}

numc_status numc_function_set_jit(numc_function *f, numc_jit_mode mode) {
    if (mode < NUMC_JIT_DEFAULT || mode > NUMC_JIT_ALL)
        return numc_error_set(NUMC_ERR_VALUE, "numc_function_set_jit: unknown mode %d", (int)mode);
    atomic_store(&f->jit, (int)mode);
    numc_function_clear(f);
    return NUMC_OK;
}

numc_jit_mode numc_function_jit(const numc_function *f) {
    int m = atomic_load(&((numc_function *)f)->jit);
    if (m != NUMC_JIT_DEFAULT) return (numc_jit_mode)m;
    const char *env = getenv("NUMC_JIT");
    if (env && env[0] >= '0' && env[0] <= '2' && !env[1]) return (numc_jit_mode)(env[0] - '0');
    return NUMC_JIT_FUSE;
}

void numc_function_entry_release(numc_function_entry *e) {
    if (!e || atomic_fetch_sub(&e->refs, 1) != 1) return;
    if (e->data_free) e->data_free(e->data);
    numc_graph_release(e->g);
    for (int k = 0; k < e->ncap; k++)
        numc_array_release(e->cap[k]);
    free(e->cap);
    free(e->state_index);
    free(e->state_aval);
    free(e);
}

void numc_function_clear(numc_function *f) {
    pthread_mutex_lock(&f->lock);
    numc_function_entry *e = f->entries;
    f->entries = NULL;
    pthread_mutex_unlock(&f->lock);
    for (numc_function_entry *next; e; e = next) {
        next = e->next;
        numc_function_entry_release(e);
    }
}

void numc_function_free(numc_function *f) {
    if (!f) return;
    numc_function_clear(f);
    pthread_mutex_destroy(&f->lock);
    if (f->payload_free) f->payload_free(f->payload);
    free(f);
}

int64_t numc_function_trace_count(const numc_function *f) {
    return atomic_load(&((numc_function *)f)->traces);
}

/* The signature: ext[0..extlen), then per input dtype, weak, ndim, shape. */
static size_t key_len(size_t extlen, int nin, const numc_array *const *in) {
    size_t n = extlen;
    for (int k = 0; k < nin; k++)
        n += 3 + sizeof(int64_t) * (size_t)in[k]->ndim;
    return n;
}
static uint64_t key_fill(unsigned char *b, const void *ext, size_t extlen, int nin,
                         const numc_array *const *in) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    if (extlen) memcpy(b, ext, extlen);
    size_t len = extlen;
    for (int k = 0; k < nin; k++) {
        const numc_array *a = in[k];
        b[len++] = (unsigned char)a->dtype;
        b[len++] = (unsigned char)numc_array_is_weak(a);
        b[len++] = (unsigned char)a->ndim;
        memcpy(b + len, a->shape, sizeof(int64_t) * (size_t)a->ndim);
        len += sizeof(int64_t) * (size_t)a->ndim;
    }
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h ^ extlen;
}

static bool same_key(const numc_function_entry *e, uint64_t h, size_t extlen,
                     const unsigned char *key, size_t len) {
    return e->hash == h && e->keylen == len && e->extlen == extlen && !memcmp(e->key, key, len);
}

static numc_function_entry *find(numc_function *f, uint64_t h, size_t extlen,
                                 const unsigned char *key, size_t len) {
    numc_function_entry *r = NULL;
    pthread_mutex_lock(&f->lock);
    for (numc_function_entry *e = f->entries; e && !r; e = e->next)
        if (same_key(e, h, extlen, key, len)) {
            atomic_fetch_add(&e->refs, 1);
            r = e;
        }
    pthread_mutex_unlock(&f->lock);
    return r;
}

/* Caches e (another thread may have traced the same signature: the first one
 * stays). Returns the cached entry, retained; e's reference is consumed. */
static numc_function_entry *insert(numc_function *f, numc_function_entry *e) {
    numc_function_entry *have = NULL;
    pthread_mutex_lock(&f->lock);
    for (numc_function_entry *o = f->entries; o && !have; o = o->next)
        if (same_key(o, e->hash, e->extlen, e->key, e->keylen)) have = o;
    if (!have) {
        e->next = f->entries;
        f->entries = e;
        atomic_fetch_add(&e->refs, 1); /* the cache's reference */
        have = e;
    } else {
        atomic_fetch_add(&have->refs, 1);
    }
    pthread_mutex_unlock(&f->lock);
    if (have != e) numc_function_entry_release(e);
    return have;
}

void numc_function_forget(numc_function *f, numc_function_entry *e) {
    bool found = false;
    pthread_mutex_lock(&f->lock);
    for (numc_function_entry **p = &f->entries; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            e->next = NULL;
            found = true;
            break;
        }
    pthread_mutex_unlock(&f->lock);
    if (found) numc_function_entry_release(e);
}

int numc_function_state_input(numc_function *f, const numc_array *value) {
    tracing *tc = tracing_top;
    while (tc && tc->f != f)
        tc = tc->outer;
    if (!tc) {
        numc_error_set(NUMC_ERR_VALUE, "numc_function_state_input: the function is not tracing");
        return -1;
    }
    if (numc_tracer_kind_of(value) != NUMC_TRACER_NONE) {
        numc_error_set(NUMC_ERR_VALUE, "numc_function_state_input: the value must be concrete");
        return -1;
    }
    if (tc->nstate == tc->cap) {
        int nc = tc->cap ? 2 * tc->cap : 8;
        numc_array **ns = realloc(tc->state, sizeof *ns * (size_t)nc);
        if (!ns) return oom(), -1;
        tc->state = ns;
        tc->cap = nc;
    }
    if (numc_trace_input_for(tc->t, value) < 0) return -1;
    tc->state[tc->nstate] = numc_array_retain((numc_array *)value);
    return tc->nstate++;
}

static numc_status prune_state(numc_function_entry *e, int nin, const tracing *tc);
/* The graph of a finished trace: optimised, unread state inputs dropped (the
 * entry records the kept ones), fused unless jit is off. */
static numc_status finish_graph(numc_function_entry *e, int nin, const tracing *tc) {
    numc_status st = numc_graph_optimise(e->g);
    if (!st && tc->nstate) st = prune_state(e, nin, tc);
    if (!st && numc_function_jit(tc->f) != NUMC_JIT_OFF) st = numc_graph_fuse(e->g);
    return st;
}

static numc_status prune_state(numc_function_entry *e, int nin, const tracing *tc) {
    numc_status st = NUMC_OK;
    bool *kept = calloc((size_t)tc->nstate, sizeof *kept);
    if (!kept) return oom();
    st = numc_graph_prune_inputs(e->g, nin, tc->nstate, kept);
    int n = 0;
    for (int k = 0; !st && k < tc->nstate; k++)
        n += kept[k];
    e->state_index = malloc(sizeof *e->state_index * (size_t)(n + 1));
    e->state_aval = malloc(sizeof *e->state_aval * (size_t)(n + 1));
    if (!st && (!e->state_index || !e->state_aval)) st = oom();
    for (int k = 0; !st && k < tc->nstate; k++) {
        if (!kept[k]) continue;
        const numc_array *v = tc->state[k];
        state_aval *av = &e->state_aval[e->nstate];
        av->dt = v->dtype;
        av->ndim = v->ndim;
        memcpy(av->shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
        e->state_index[e->nstate++] = k;
    }
    free(kept);
    return st ? st : numc_graph_optimise(e->g);
}

/* Traces fn on tracers with in's avals into e's graph; captured tracers of
 * an outer trace go to e->cap. */
static numc_status trace(numc_function *f, numc_function_entry *e, int nin,
                         const numc_array *const *in) {
    numc_trace *t = numc_trace_begin();
    if (!t) return numc_error_kind();
    tracing tc = {.f = f, .t = t, .outer = tracing_top};
    numc_array **tin = calloc((size_t)nin + 1, sizeof *tin);
    numc_status st = tin ? NUMC_OK : oom();
    for (int k = 0; !st && k < nin; k++)
        if (!(tin[k] = numc_trace_input(t, in[k]->dtype, in[k]->ndim, in[k]->shape,
                                        numc_array_is_weak(in[k]))))
            st = numc_error_kind();
    int nout = 0;
    numc_array **outs = NULL;
    if (!st) {
        tracing_top = &tc;
        st = f->fn(f->payload, nin, tin, &nout, &outs);
        tracing_top = tc.outer;
    }
    if (!st) {
        e->g = numc_trace_end(t, nout, (const numc_array *const *)outs, &e->ncap, &e->cap);
        st = e->g ? finish_graph(e, nin, &tc) : numc_error_kind();
    } else {
        numc_trace_abort(t);
    }
    if (!st) atomic_fetch_add(&f->traces, 1);
    for (int k = 0; outs && k < nout; k++)
        numc_array_release(outs[k]);
    free(outs);
    for (int k = 0; tin && k < nin; k++)
        numc_array_release(tin[k]);
    free(tin);
    for (int k = 0; k < tc.nstate; k++)
        numc_array_release(tc.state[k]);
    free(tc.state);
    return st;
}

numc_status numc_function_lookup(numc_function *f, const void *key, size_t keylen, int nin,
                                 const numc_array *const *in, numc_function_entry **out,
                                 bool *traced) {
    *out = NULL;
    if (traced) *traced = false;
    unsigned char kbuf[256];
    size_t len = key_len(keylen, nin, in);
    unsigned char *kb = len <= sizeof kbuf ? kbuf : malloc(len);
    if (!kb) return oom();
    uint64_t h = key_fill(kb, key, keylen, nin, in);
    numc_function_entry *e = find(f, h, keylen, kb, len);
    numc_status st = NUMC_OK;
    if (!e) {
        e = calloc(1, sizeof *e + len);
        if (!e) st = oom();
        if (!st) {
            atomic_init(&e->refs, 1);
            e->hash = h;
            e->extlen = keylen;
            e->keylen = len;
            memcpy(e->key, kb, len);
            st = trace(f, e, nin, in);
        }
        if (st) {
            numc_function_entry_release(e);
            e = NULL;
        } else if (e->ncap == 0) {
            numc_function_entry *fresh = e;
            e = insert(f, e); /* a capture-free graph is reusable */
            if (traced) *traced = e == fresh;
        } else if (traced) {
            *traced = true;
        }
    }
    if (kb != kbuf) free(kb);
    *out = e;
    return st;
}

numc_graph *numc_function_entry_graph(const numc_function_entry *e) {
    return e->g;
}
void *numc_function_entry_data(const numc_function_entry *e) {
    return e->data;
}
void numc_function_entry_set_data(numc_function_entry *e, void *data, void (*data_free)(void *)) {
    if (e->data_free) e->data_free(e->data);
    e->data = data;
    e->data_free = data_free;
}
int numc_function_entry_num_state(const numc_function_entry *e) {
    return e->nstate;
}
int numc_function_entry_state_index(const numc_function_entry *e, int k) {
    return k >= 0 && k < e->nstate ? e->state_index[k] : -1;
}

bool numc_function_entry_state_matches(const numc_function_entry *e,
                                       const numc_array *const *state) {
    for (int k = 0; k < e->nstate; k++) {
        const numc_array *now = state[k];
        const state_aval *was = &e->state_aval[k];
        if (now->dtype != was->dt || now->ndim != was->ndim ||
            memcmp(now->shape, was->shape, sizeof(int64_t) * (size_t)was->ndim))
            return false;
    }
    return true;
}

numc_status numc_function_entry_run(const numc_function_entry *e, int nin,
                                    const numc_array *const *in, const numc_array *const *state,
                                    numc_array **out) {
    int n = nin + e->nstate + e->ncap;
    if (n != e->g->ninputs)
        return numc_error_set(NUMC_ERR_VALUE,
                              "numc_function_entry_run: %d arguments and %d state values given, "
                              "but the function was traced with %d and %d",
                              nin, e->nstate, e->g->ninputs - e->nstate - e->ncap, e->nstate);
    if (n == nin) return numc_graph_execute(e->g, nin, in, out);
    const numc_array *inl[16];
    const numc_array **args = n <= 16 ? inl : malloc(sizeof *args * (size_t)n);
    if (!args) return oom();
    for (int k = 0; k < nin; k++)
        args[k] = in[k];
    for (int k = 0; k < e->nstate; k++)
        args[nin + k] = state[k];
    for (int k = 0; k < e->ncap; k++)
        args[nin + e->nstate + k] = e->cap[k];
    numc_status st = numc_graph_execute(e->g, n, args, out);
    if (args != inl) free(args);
    return st;
}

numc_status numc_function_call(numc_function *f, int nin, const numc_array *const *in, int nout_max,
                               numc_array **out, int *nout) {
    if (nout) *nout = 0;
    numc_function_entry *e;
    numc_status st = numc_function_lookup(f, NULL, 0, nin, in, &e, NULL);
    if (!st && e->nstate)
        st = numc_error_set(NUMC_ERR_VALUE, "numc_function_call: the function reads state; use "
                                            "numc_function_lookup and numc_function_entry_run");
    if (!st && e->g->noutputs > nout_max)
        st = numc_error_set(NUMC_ERR_VALUE,
                            "numc_function_call: the function returns %d arrays, but out has "
                            "room for %d",
                            e->g->noutputs, nout_max);
    if (!st) st = numc_function_entry_run(e, nin, in, NULL, out);
    if (!st && nout) *nout = e->g->noutputs;
    numc_function_entry_release(e);
    return st;
}
