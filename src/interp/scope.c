/* scope.c — numc_scope: a growable list of temporaries released together,
 * shared by the NumPy layer and the VJP and batching rules. */
#include "interp.h"

void numc_scope_init(numc_scope *s) {
    s->n = 0;
    s->cap = NUMC_SCOPE_INLINE;
    s->a = s->inl;
}

numc_array *numc_scope_keep(numc_scope *s, numc_array *a) {
    if (!a) return NULL;
    if (s->n == s->cap) {
        int cap = s->cap * 2;
        numc_array **na = malloc(sizeof(*na) * (size_t)cap);
        if (!na) {
            numc_array_release(a);
            numc_error_set(NUMC_ERR_MEMORY, "out of memory");
            return NULL;
        }
        memcpy(na, s->a, sizeof(*na) * (size_t)s->n);
        if (s->a != s->inl) free(s->a);
        s->a = na;
        s->cap = cap;
    }
    s->a[s->n++] = a;
    return a;
}

void numc_scope_release_to(numc_scope *s, int mark) {
    while (s->n > mark)
        numc_array_release(s->a[--s->n]);
}

void numc_scope_end(numc_scope *s) {
    numc_scope_release_to(s, 0);
    if (s->a != s->inl) free(s->a);
    numc_scope_init(s);
}

numc_array *numc_scope_bind(numc_scope *s, numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *pr) {
    for (int i = 0; i < nin; i++)
        if (!in[i]) return NULL;
    static const numc_params none;
    return numc_scope_keep(s, numc_bind1(p, nin, in, pr ? pr : &none));
}

numc_array *numc_scope_const(numc_scope *s, numc_dtype dt, double re, double im) {
    numc_array *v = numc_scalar_of(dt, re, im);
    if (!v) return NULL;
    numc_params pr = {.n = 0, .ptr = v};
    numc_array *r = numc_bind1(NUMC_PRIM_CONSTANT, 0, NULL, &pr);
    numc_array_release(v);
    return numc_scope_keep(s, r);
}

numc_array *numc_scope_convert(numc_scope *s, const numc_array *x, numc_dtype dt) {
    if (!x || x->dtype == dt) return (numc_array *)x;
    numc_params pr = {.n = 1, .i = {dt}};
    return numc_scope_bind(s, NUMC_PRIM_CONVERT, 1, &x, &pr);
}

numc_array *numc_scope_reshape(numc_scope *s, const numc_array *x, int nd, const int64_t *shape) {
    if (!x) return NULL;
    if (x->ndim == nd && (nd == 0 || !memcmp(x->shape, shape, sizeof(int64_t) * (size_t)nd)))
        return (numc_array *)x;
    numc_params pr = {.n = nd};
    if (nd) memcpy(pr.i, shape, sizeof(int64_t) * (size_t)nd); /* shape may be NULL for 0-d */
    return numc_scope_bind(s, NUMC_PRIM_RESHAPE, 1, &x, &pr);
}

numc_array *numc_scope_transpose(numc_scope *s, const numc_array *x, const int64_t *perm) {
    if (!x) return NULL;
    bool ident = true;
    for (int d = 0; d < x->ndim; d++)
        ident &= perm[d] == d;
    if (ident) return (numc_array *)x;
    numc_params pr = {.n = x->ndim};
    memcpy(pr.i, perm, sizeof(int64_t) * (size_t)x->ndim);
    return numc_scope_bind(s, NUMC_PRIM_TRANSPOSE, 1, &x, &pr);
}

numc_array *numc_scope_full(numc_scope *s, numc_dtype dt, double v, int nd, const int64_t *shape) {
    static const int64_t no_dims[1];
    numc_array *c = numc_scope_const(s, dt, v, 0);
    return nd == 0 ? c : numc_scope_broadcast_in_dim(s, c, nd, shape, no_dims);
}

numc_array *numc_scope_broadcast_in_dim(numc_scope *s, const numc_array *x, int nd,
                                        const int64_t *shape, const int64_t *dims) {
    if (!x) return NULL;
    numc_params pr = {.n = 1 + nd + x->ndim};
    pr.i[0] = nd;
    if (nd) memcpy(pr.i + 1, shape, sizeof(int64_t) * (size_t)nd);
    if (x->ndim) memcpy(pr.i + 1 + nd, dims, sizeof(int64_t) * (size_t)x->ndim);
    return numc_scope_bind(s, NUMC_PRIM_BROADCAST_IN_DIM, 1, &x, &pr);
}
