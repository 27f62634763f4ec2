/* random-rng.c — stateful generators that keep working under numc.function:
 * a numc_rng owns a bit generator; its draws run directly when no trace is
 * active, and under a trace become host_call nodes holding the generator, so
 * every call of the compiled function draws anew and advances the state
 * exactly as the same eager calls would (in program order). Under vmap a
 * draw whose parameters are not batched is drawn once and shared by the
 * batch; batched parameters draw example by example. */
#include "np-impl.h"

#include <stdlib.h>
#include <string.h>

struct numc_rng {
    int refs;
    numc_bitgen g;
};

numc_rng *numc_rng_new(void) {
    numc_rng *r = calloc(1, sizeof *r);
    if (!r) {
        numc_error_set(NUMC_ERR_MEMORY, "numc_rng_new: out of memory");
        return NULL;
    }
    r->refs = 1;
    return r;
}

numc_rng *numc_rng_retain(numc_rng *r) {
    if (r) __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
    return r;
}

void numc_rng_release(numc_rng *r) {
    if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) free(r);
}

numc_bitgen *numc_rng_bitgen(numc_rng *r) {
    return &r->g;
}

/* ---- one deferred draw ---- */

typedef enum { D_DIST, D_F32, D_RANDOM, D_UNIFORM, D_BOUNDED } draw_kind;

typedef struct {
    draw_kind kind;
    numc_random_dist dist;
    numc_dtype dt;
    bool sized, masked;
    double lo, hi;
    uint64_t off, range;
    int ndim;
    int64_t shape[NUMC_MAX_DIMS];
} draw_args;

static numc_array *draw_now(numc_bitgen *g, const draw_args *a, int nin,
                            const numc_array *const *in) {
    switch (a->kind) {
    case D_DIST:
        (void)nin;
        return numc_random_draw(g, a->dist, in, a->sized, a->ndim, a->shape);
    case D_F32:
        return numc_random_draw_f32(g, a->dist, a->ndim, a->shape);
    case D_RANDOM:
        return numc_random_random(g, a->dt, a->ndim, a->shape);
    case D_UNIFORM:
        return numc_random_uniform(g, a->lo, a->hi, a->ndim, a->shape);
    default:
        return numc_random_bounded(g, a->dt, a->off, a->range, a->masked, a->ndim, a->shape);
    }
}

typedef struct {
    numc_host_fn fn;
    numc_rng *rng;
    draw_args args;
} draw_fn;

static numc_status draw_run(numc_host_fn *self, int nin, const numc_array *const *in,
                            numc_array *out) {
    draw_fn *d = (draw_fn *)self;
    numc_array *r = draw_now(&d->rng->g, &d->args, nin, in);
    if (!r) return numc_error_kind();
    numc_status st = numc_array_to_host(r, numc_array_ptr(out));
    numc_array_release(r);
    return st;
}

static void draw_destroy(numc_host_fn *self) {
    draw_fn *d = (draw_fn *)self;
    numc_rng_release(d->rng);
    free(d);
}

static bool tracing(void) {
    for (numc_interp *it = numc_interp_current(); it; it = it->parent)
        if (numc_interp_is_trace(it)) return true;
    return false;
}

numc_status numc_rng_require_eager(const char *fn) {
    if (!tracing()) return NUMC_OK;
    return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                          "%s: not supported inside numc.function (it would be traced once and "
                          "replayed); draw indices with integers() or use the stateless draws",
                          fn);
}

/* now, or as a host_call node of result dtype dt and shape (ndim, shape) */
static numc_array *draw(numc_rng *r, const draw_args *a, int nin, const numc_array *const *in,
                        numc_dtype dt, int ndim, const int64_t *shape) {
    if (!r) {
        numc_error_set(NUMC_ERR_VALUE, "numc_rng: NULL generator");
        return NULL;
    }
    bool now = !tracing();
    for (int k = 0; k < nin && now; k++)
        now = in[k] && in[k]->owner == NULL && in[k]->buffer; /* batched: bind */
    if (now) return draw_now(&r->g, a, nin, in);
    draw_fn *d = calloc(1, sizeof *d);
    if (!d) {
        numc_error_set(NUMC_ERR_MEMORY, "random: out of memory");
        return NULL;
    }
    d->fn.refs = 1;
    d->fn.run = draw_run;
    d->fn.destroy = draw_destroy;
    d->rng = numc_rng_retain(r);
    d->args = *a;
    numc_params pr = {.n = 2 + ndim, .ptr = d};
    pr.i[0] = dt;
    pr.i[1] = ndim;
    for (int k = 0; k < ndim; k++)
        pr.i[2 + k] = shape[k];
    numc_array *out = numc_bind1(NUMC_PRIM_HOST_CALL, nin, in, &pr);
    numc_host_fn_release(&d->fn);
    return out;
}

static numc_status shape_of(const char *fn, int ndim, const int64_t *shape) {
    int64_t n;
    return numc_shape_size(fn, ndim, shape, &n);
}

numc_array *numc_rng_draw(numc_rng *r, numc_random_dist d, const numc_array *const *params,
                          bool sized, int ndim, const int64_t *shape) {
    const numc_random_dist_info *info = numc_random_dist_params(d);
    if (!info) {
        numc_error_set(NUMC_ERR_VALUE, "numc_rng_draw: unknown distribution %d", (int)d);
        return NULL;
    }
    draw_args a = {.kind = D_DIST, .dist = d, .sized = sized, .ndim = ndim};
    memcpy(a.shape, shape, sizeof(int64_t) * (size_t)ndim);
    int ond = ndim;
    int64_t osh[NUMC_MAX_DIMS];
    memcpy(osh, shape, sizeof(int64_t) * (size_t)ndim);
    if (!sized && info->nparams > 0 &&
        np_broadcast_shapes(info->nparams, params, &ond, osh) != NUMC_OK)
        return NULL;
    if (!sized && info->nparams == 0) ond = 0;
    if (shape_of(info->name, ond, osh) != NUMC_OK) return NULL;
    return draw(r, &a, info->nparams, params, info->integer ? NUMC_INT64 : NUMC_FLOAT64, ond, osh);
}

numc_array *numc_rng_draw_f32(numc_rng *r, numc_random_dist d, int ndim, const int64_t *shape) {
    draw_args a = {.kind = D_F32, .dist = d, .ndim = ndim};
    memcpy(a.shape, shape, sizeof(int64_t) * (size_t)ndim);
    if (shape_of("random", ndim, shape) != NUMC_OK) return NULL;
    return draw(r, &a, 0, NULL, NUMC_FLOAT32, ndim, shape);
}

numc_array *numc_rng_random(numc_rng *r, numc_dtype dt, int ndim, const int64_t *shape) {
    draw_args a = {.kind = D_RANDOM, .dt = dt, .ndim = ndim};
    memcpy(a.shape, shape, sizeof(int64_t) * (size_t)ndim);
    if (shape_of("random", ndim, shape) != NUMC_OK) return NULL;
    return draw(r, &a, 0, NULL, dt, ndim, shape);
}

numc_array *numc_rng_uniform(numc_rng *r, double low, double high, int ndim, const int64_t *shape) {
    draw_args a = {.kind = D_UNIFORM, .lo = low, .hi = high, .ndim = ndim};
    memcpy(a.shape, shape, sizeof(int64_t) * (size_t)ndim);
    if (shape_of("uniform", ndim, shape) != NUMC_OK) return NULL;
    return draw(r, &a, 0, NULL, NUMC_FLOAT64, ndim, shape);
}

numc_array *numc_rng_bounded(numc_rng *r, numc_dtype dt, uint64_t off, uint64_t rng, bool masked,
                             int ndim, const int64_t *shape) {
    draw_args a = {
        .kind = D_BOUNDED, .dt = dt, .off = off, .range = rng, .masked = masked, .ndim = ndim};
    memcpy(a.shape, shape, sizeof(int64_t) * (size_t)ndim);
    if (shape_of("integers", ndim, shape) != NUMC_OK) return NULL;
    return draw(r, &a, 0, NULL, dt, ndim, shape);
}
