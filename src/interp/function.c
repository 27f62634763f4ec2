/* function.c — the traced-function cache (numc_function, numc.h): trace a
 * numc_traced_fn once per signature, optimise the graph, run the cached graph
 * on later calls. The signature is what the trace sees of each input: dtype,
 * weak flag and shape (not the tracer kind, so a call under vmap or an outer
 * trace reuses the eager call's graph), as python/numc/function.c keys its
 * cache. Entries are kept in a list searched by hash: a function has few
 * signatures. */
#include "interp.h"

#include <pthread.h>

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    size_t keylen;
    numc_graph *g;
    unsigned char key[];
} entry;

struct numc_function {
    numc_traced_fn fn;
    void *payload;
    void (*payload_free)(void *);
    pthread_mutex_t lock;
    entry *entries;
    atomic_llong traces;
};

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
    return f;
}

void numc_function_free(numc_function *f) {
    if (!f) return;
    for (entry *e = f->entries, *next; e; e = next) {
        next = e->next;
        numc_graph_release(e->g);
        free(e);
    }
    pthread_mutex_destroy(&f->lock);
    if (f->payload_free) f->payload_free(f->payload);
    free(f);
}

int64_t numc_function_trace_count(const numc_function *f) {
    return atomic_load(&((numc_function *)f)->traces);
}

/* The signature of in[0..nin): per input dtype, weak, ndim, shape. */
static size_t key_len(int nin, const numc_array *const *in) {
    size_t n = 0;
    for (int k = 0; k < nin; k++)
        n += 3 + sizeof(int64_t) * (size_t)in[k]->ndim;
    return n;
}
static uint64_t key_fill(unsigned char *b, int nin, const numc_array *const *in) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    size_t len = 0;
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
    return h;
}

static numc_graph *lookup(numc_function *f, uint64_t h, const unsigned char *key, size_t len) {
    numc_graph *g = NULL;
    pthread_mutex_lock(&f->lock);
    for (entry *e = f->entries; e && !g; e = e->next)
        if (e->hash == h && e->keylen == len && !memcmp(e->key, key, len))
            g = numc_graph_retain(e->g);
    pthread_mutex_unlock(&f->lock);
    return g;
}

/* Caches g under key (another thread may have traced the same signature:
 * the first one stays). Returns the cached graph, retained. */
static numc_graph *insert(numc_function *f, uint64_t h, const unsigned char *key, size_t len,
                          numc_graph *g) {
    entry *e = malloc(sizeof *e + len);
    if (!e) return oom(), NULL;
    e->hash = h;
    e->keylen = len;
    memcpy(e->key, key, len);
    e->g = numc_graph_retain(g);
    pthread_mutex_lock(&f->lock);
    numc_graph *have = NULL;
    for (entry *o = f->entries; o && !have; o = o->next)
        if (o->hash == h && o->keylen == len && !memcmp(o->key, key, len)) have = o->g;
    if (!have) {
        e->next = f->entries;
        f->entries = e;
        have = g;
    }
    numc_graph_retain(have);
    pthread_mutex_unlock(&f->lock);
    if (have != g) {
        numc_graph_release(e->g);
        free(e);
    }
    return have;
}

/* Traces fn on tracers with in's avals into an optimised graph; captured
 * tracers of an outer trace come back in *ncap / *cap. */
static numc_graph *trace(numc_function *f, int nin, const numc_array *const *in, int *ncap,
                         numc_array ***cap) {
    *ncap = 0;
    *cap = NULL;
    numc_trace *t = numc_trace_begin();
    if (!t) return NULL;
    atomic_fetch_add(&f->traces, 1);
    numc_array **tin = calloc((size_t)nin + 1, sizeof *tin);
    numc_status st = tin ? NUMC_OK : oom();
    for (int k = 0; !st && k < nin; k++)
        if (!(tin[k] = numc_trace_input(t, in[k]->dtype, in[k]->ndim, in[k]->shape,
                                        numc_array_is_weak(in[k]))))
            st = numc_error_kind();
    int nout = 0;
    numc_array **outs = NULL;
    if (!st) st = f->fn(f->payload, nin, tin, &nout, &outs);
    numc_graph *g = NULL;
    if (!st)
        g = numc_trace_end(t, nout, (const numc_array *const *)outs, ncap, cap);
    else
        numc_trace_abort(t);
    if (g && numc_graph_optimise(g)) {
        numc_graph_release(g);
        g = NULL;
    }
    if (!g && *cap) {
        for (int k = 0; k < *ncap; k++)
            numc_array_release((*cap)[k]);
        free(*cap);
        *cap = NULL;
        *ncap = 0;
    }
    for (int k = 0; outs && k < nout; k++)
        numc_array_release(outs[k]);
    free(outs);
    for (int k = 0; tin && k < nin; k++)
        numc_array_release(tin[k]);
    free(tin);
    return g;
}

numc_status numc_function_call(numc_function *f, int nin, const numc_array *const *in, int nout_max,
                               numc_array **out, int *nout) {
    if (nout) *nout = 0;
    unsigned char kbuf[256];
    size_t len = key_len(nin, in);
    unsigned char *key = len <= sizeof kbuf ? kbuf : malloc(len);
    if (!key) return oom();
    uint64_t h = key_fill(key, nin, in);
    numc_graph *g = lookup(f, h, key, len);
    int ncap = 0;
    numc_array **cap = NULL;
    numc_status st = NUMC_OK;
    if (!g) {
        numc_graph *fresh = trace(f, nin, in, &ncap, &cap);
        if (!fresh)
            st = numc_error_kind();
        else if (ncap == 0) {
            g = insert(f, h, key, len, fresh); /* a capture-free graph is reusable */
            numc_graph_release(fresh);
            if (!g) st = numc_error_kind();
        } else {
            g = fresh;
        }
    }
    if (key != kbuf) free(key);
    const numc_array **args = NULL;
    if (!st && g->noutputs > nout_max)
        st = numc_error_set(NUMC_ERR_VALUE,
                            "numc_function_call: the function returns %d arrays, but out has "
                            "room for %d",
                            g->noutputs, nout_max);
    if (!st && !(args = malloc(sizeof *args * (size_t)(nin + ncap + 1)))) st = oom();
    if (!st) {
        for (int k = 0; k < nin; k++)
            args[k] = in[k];
        for (int k = 0; k < ncap; k++)
            args[nin + k] = cap[k];
        st = numc_graph_execute(g, nin + ncap, args, out);
        if (!st && nout) *nout = g->noutputs;
    }
    free(args);
    for (int k = 0; k < ncap; k++)
        numc_array_release(cap[k]);
    free(cap);
    numc_graph_release(g);
    return st;
}
