/* sort.c — NumPy's sorting and searching functions (sort, argsort), composed
 * on the stable `sort` primitive: the keys carry an int64 iota along the
 * sorted axis, which becomes the permutation. Every sort is stable, so
 * NumPy's kind= choices all give the stable answer (the extension accepts and
 * ignores kind=). */
#include "np-impl.h"

/* The keys along axis `ax` sorted (out[0], may be NULL) and their stable
 * permutation as int64 (out[1], may be NULL): scope references. */
static numc_status sort_pair(np_scope *s, const numc_array *x, int64_t ax, numc_array **keys,
                             numc_array **perm) {
    numc_params ip = {.n = 3 + x->ndim, .i = {NUMC_INT64, ax, x->ndim}};
    memcpy(ip.i + 3, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    numc_array *iota = np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &ip);
    if (!iota) return numc_error_kind();
    numc_params pr = {.n = 1, .i = {ax}};
    numc_array *r[2] = {NULL, NULL};
    numc_status st = numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(x, iota), &pr, r);
    if (st) return st;
    if (keys) *keys = r[0];
    if (perm) *perm = r[1];
    np_keep(s, r[0]);
    np_keep(s, r[1]);
    return NUMC_OK;
}

/* The operand to sort and its axis: flattened when axis is NULL (or, for
 * argsort, when a is 0-d, as NumPy does). A scope reference. */
static numc_array *sort_operand(np_scope *s, const numc_array *a, const int64_t *axis,
                                bool ravel_0d, int64_t *ax) {
    *ax = 0;
    if (!axis || (ravel_0d && a->ndim == 0)) return np_ravel(s, a);
    if (np_norm_axis(*axis, a->ndim, ax, NULL)) return NULL;
    return np_keep(s, numc_array_retain((numc_array *)a));
}

numc_array *numc_sort(const numc_array *a, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    numc_array *x = sort_operand(&s, a, axis, false, &ax), *r = NULL;
    if (x && sort_pair(&s, x, ax, &r, NULL)) r = NULL;
    return np_ret(&s, r);
}

numc_array *numc_argsort(const numc_array *a, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    numc_array *x = sort_operand(&s, a, axis, true, &ax), *r = NULL;
    if (x && sort_pair(&s, x, ax, NULL, &r)) r = NULL;
    return np_ret(&s, r);
}
