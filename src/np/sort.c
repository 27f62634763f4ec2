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

/* The keys carry themselves: no iota, and the kernel needs no permutation. */
static numc_array *sort_values(np_scope *s, const numc_array *x, int64_t ax) {
    numc_params pr = {.n = 1, .i = {ax}};
    numc_array *r[2] = {NULL, NULL};
    if (!x || numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(x, x), &pr, r)) return NULL;
    np_keep(s, r[1]);
    return np_keep(s, r[0]);
}

numc_array *numc_sort(const numc_array *a, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    numc_array *x = sort_operand(&s, a, axis, false, &ax);
    return np_ret(&s, sort_values(&s, x, ax));
}

numc_array *numc_argsort(const numc_array *a, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    numc_array *x = sort_operand(&s, a, axis, true, &ax), *r = NULL;
    if (x && sort_pair(&s, x, ax, NULL, &r)) r = NULL;
    return np_ret(&s, r);
}

/* ---- compositions shared below ---- */

/* The permutation p applied along axis ax: y'[j] = y[p[j]]. Sorting by the
 * inverse permutation (argsort of p) carries y into place with static shapes,
 * so this works under every transform. A scope reference. */
static numc_array *permute(np_scope *s, const numc_array *y, const numc_array *p, int64_t ax) {
    numc_array *inv = NULL, *r[2] = {NULL, NULL};
    if (!y || !p || sort_pair(s, p, ax, NULL, &inv)) return NULL;
    numc_params pr = {.n = 1, .i = {ax}};
    if (numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(inv, y), &pr, r)) return NULL;
    np_keep(s, r[0]);
    return np_keep(s, r[1]);
}

/* The inverse of permute: y'[p[j]] = y[j]. */
static numc_array *unpermute(np_scope *s, const numc_array *y, const numc_array *p, int64_t ax) {
    numc_array *r[2] = {NULL, NULL};
    numc_params pr = {.n = 1, .i = {ax}};
    if (!y || !p || numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(p, y), &pr, r)) return NULL;
    np_keep(s, r[0]);
    return np_keep(s, r[1]);
}

static numc_array *keep2(np_scope *s, numc_array *(*f)(const numc_array *, const numc_array *),
                         const numc_array *x, const numc_array *y) {
    return x && y ? np_keep(s, f(x, y)) : NULL;
}

static numc_array *cat2(np_scope *s, const numc_array *x, const numc_array *y) {
    int64_t ax = 0;
    return x && y ? np_keep(s, numc_concatenate(2, NP_ARRAY_OF(x, y), &ax)) : NULL;
}

/* x[lo:hi] of a 1-d array */
static numc_array *slice1(np_scope *s, const numc_array *x, int64_t lo, int64_t hi) {
    int64_t step = 1;
    return x ? np_keep(s, numc_slice(x, &lo, &hi, &step)) : NULL;
}

static numc_array *iota1(np_scope *s, int64_t n) {
    numc_params ip = {.n = 4, .i = {NUMC_INT64, 0, 1, n}};
    return np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &ip);
}

/* ---- searchsorted ---- */

numc_array *numc_searchsorted(const numc_array *a, const numc_array *v, bool right,
                              const numc_array *sorter) {
    if (a->ndim != 1) {
        numc_error_set(NUMC_ERR_VALUE, a->ndim ? "object too deep for desired array"
                                               : "object of too small depth for desired array");
        return NULL;
    }
    if (sorter && sorter->size != a->size) {
        numc_error_set(NUMC_ERR_VALUE, "sorter.size must equal a.size");
        return NULL;
    }
    if (sorter && !numc_dt_is_int(sorter->dtype)) {
        numc_error_set(NUMC_ERR_TYPE, "sorter must only contain integers");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(a, v));
    int64_t n = a->size, m = v->size, ax0 = 0;
    numc_array *sa = sorter ? np_keep(&s, numc_take(a, sorter, &ax0)) : (numc_array *)a;
    numc_array *keys_a = np_cvt(&s, sa, dt), *keys_v = np_cvt(&s, np_ravel(&s, v), dt);
    numc_array *tag_a = np_fill(&s, NUMC_INT64, -1, 1, &n), *tag_v = iota1(&s, m);
    /* A stable sort of v's and a's values together puts each v before
     * (left) or after (right) the a's equal to it; the a's before it count. */
    numc_array *keys = right ? cat2(&s, keys_a, keys_v) : cat2(&s, keys_v, keys_a);
    numc_array *tags = right ? cat2(&s, tag_a, tag_v) : cat2(&s, tag_v, tag_a);
    numc_array *st = NULL, *r = NULL;
    if (keys && tags) {
        numc_params pr = {.n = 1, .i = {0}};
        numc_array *o[2] = {NULL, NULL};
        if (!numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(keys, tags), &pr, o)) {
            np_keep(&s, o[0]);
            st = np_keep(&s, o[1]);
        }
    }
    if (st) {
        int64_t ax = 0;
        numc_array *is_a = np_cvt(&s, np_binc(&s, NUMC_PRIM_LT, st, 0), NUMC_INT64);
        numc_array *cnt = is_a ? np_keep(&s, numc_cumsum(is_a, &ax, NUMC_INT64)) : NULL;
        /* sorting by tag brings the a's (-1) first, then v's counts in order */
        numc_array *o[2] = {NULL, NULL};
        numc_params pr = {.n = 1, .i = {0}};
        if (cnt && !numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(st, cnt), &pr, o)) {
            np_keep(&s, o[0]);
            np_keep(&s, o[1]);
            r = np_reshape(&s, slice1(&s, o[1], n, n + m), v->ndim, v->shape);
        }
    }
    return np_ret(&s, r);
}

/* ---- lexsort, partition ---- */

numc_array *numc_lexsort(int n, const numc_array *const *keys, int64_t axis) {
    if (n < 1) {
        numc_error_set(NUMC_ERR_TYPE, "need sequence of keys with len > 0 in lexsort");
        return NULL;
    }
    for (int k = 1; k < n; k++)
        if (!np_same_shape(keys[k], keys[0])) {
            numc_error_set(NUMC_ERR_VALUE, "all keys need to be the same shape");
            return NULL;
        }
    np_scope s;
    np_scope_init(&s);
    int64_t ax = 0;
    bool flat = keys[0]->ndim == 0;
    if (!flat && np_norm_axis(axis, keys[0]->ndim, &ax, NULL)) return np_ret(&s, NULL);
    /* the last key is the primary one: sort by the others first, stably */
    numc_array *p = NULL;
    for (int k = 0; k < n; k++) {
        numc_array *key = flat ? np_ravel(&s, keys[k]) : (numc_array *)keys[k];
        if (k == 0) {
            if (sort_pair(&s, key, ax, NULL, &p)) p = NULL;
            continue;
        }
        numc_array *kp = permute(&s, key, p, ax), *o[2] = {NULL, NULL};
        numc_params pr = {.n = 1, .i = {ax}};
        if (!kp || numc_bind(NUMC_PRIM_SORT, 2, NP_ARRAY_OF(kp, p), &pr, o)) {
            p = NULL;
            break;
        }
        np_keep(&s, o[0]);
        p = np_keep(&s, o[1]);
    }
    return np_ret(&s, p);
}

/* A full sort satisfies partition's contract: every kth element is in its
 * sorted place with nothing larger before it and nothing smaller after. */
static numc_array *partition(const numc_array *a, const int64_t *kth, int nkth, const int64_t *axis,
                             bool arg) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    numc_array *x = sort_operand(&s, a, axis, false, &ax), *r = NULL;
    if (!x) return np_ret(&s, NULL);
    int64_t len = x->shape[ax];
    for (int i = 0; i < nkth; i++) {
        int64_t k = kth[i] < 0 ? kth[i] + len : kth[i];
        if (k < 0 || k >= len) {
            numc_error_set(NUMC_ERR_VALUE, "kth(=%lld) out of bounds (%lld)", (long long)k,
                           (long long)len);
            return np_ret(&s, NULL);
        }
    }
    if (sort_pair(&s, x, ax, arg ? NULL : &r, arg ? &r : NULL)) r = NULL;
    return np_ret(&s, r);
}

numc_array *numc_partition(const numc_array *a, const int64_t *kth, int nkth, const int64_t *axis) {
    return partition(a, kth, nkth, axis, false);
}

numc_array *numc_argpartition(const numc_array *a, const int64_t *kth, int nkth,
                              const int64_t *axis) {
    return partition(a, kth, nkth, axis, true);
}

/* ---- data-dependent shapes: eager only ---- */

static bool eager_only(const char *fn, const numc_array *a) {
    if (a->buffer) return true;
    numc_error_set(NUMC_ERR_TYPE,
                   "%s: the shape of its result depends on the values of its input, which a "
                   "traced array (numc.function, vmap) does not have; call it eagerly (numc "
                   "has no static size= argument for it yet)",
                   fn);
    return false;
}

/* nonzero(ravel(a))[0] as a scope reference */
static numc_array *flat_nonzero(np_scope *s, const numc_array *a) {
    numc_array *x = np_ravel(s, a), *nz = NULL;
    if (!x || numc_nonzero(x, &nz)) return NULL;
    return np_keep(s, nz);
}

numc_array *numc_argwhere(const numc_array *a) {
    if (!eager_only("argwhere", a)) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *nz[NUMC_MAX_DIMS] = {NULL}, *r = NULL;
    int k = a->ndim ? a->ndim : 1;
    /* nonzero refuses 0-d input; a 0-d argwhere counts its one element */
    static const int64_t one[1] = {1};
    const numc_array *src = a->ndim ? a : np_reshape(&s, a, 1, one);
    if (!src || numc_nonzero(src, nz)) return np_ret(&s, NULL);
    for (int i = 0; i < k; i++)
        np_keep(&s, nz[i]);
    if (a->ndim == 0) {
        int64_t sh[2] = {nz[0]->size, 0};
        r = np_fill(&s, NUMC_INT64, 0, 2, sh);
    } else {
        r = np_keep(&s, numc_stack(k, (const numc_array *const *)nz, 1));
    }
    return np_ret(&s, r);
}

numc_array *numc_flatnonzero(const numc_array *a) {
    if (!eager_only("flatnonzero", a)) return NULL;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, flat_nonzero(&s, a));
}

numc_array *numc_extract(const numc_array *cond, const numc_array *arr) {
    if (!eager_only("extract", cond)) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *idx = flat_nonzero(&s, cond);
    return np_ret(&s, idx ? np_keep(&s, numc_take(arr, idx, NULL)) : NULL);
}

/* ---- unique ---- */

/* out[i] = new references to r[i] when all n exist; else the error. */
static numc_status outputs(int n, const numc_array *const *r, numc_array **out) {
    for (int i = 0; i < n; i++)
        if (!r[i]) {
            numc_status st = numc_error_kind();
            return st ? st : numc_error_set(NUMC_ERR_RUNTIME, "internal error: no result");
        }
    for (int i = 0; i < n; i++)
        out[i] = np_new_ref(r[i]);
    return NUMC_OK;
}

/* Marks the first of each run of equal neighbours in sorted rows y (n rows
 * along axis 0): mask[0] = true, mask[i] = y[i] != y[i-1]. rows: y is 2-d and
 * rows differ where any element does; otherwise NaNs are one value when
 * equal_nan. */
static numc_array *run_starts(np_scope *s, const numc_array *y, bool rows, bool equal_nan) {
    int64_t n = y->shape[0], one = 1, lo[2] = {0, 0}, hi[2] = {n - 1, 0}, st[2] = {1, 1};
    if (rows) hi[1] = y->shape[1];
    numc_array *prev = np_keep(s, numc_slice(y, lo, hi, st));
    lo[0] = 1;
    hi[0] = n;
    numc_array *next = np_keep(s, numc_slice(y, lo, hi, st));
    numc_array *neq = keep2(s, numc_not_equal, next, prev);
    if (rows) {
        int64_t ax1 = 1;
        neq = neq ? np_keep(s, numc_any(neq, &ax1, 1, false, NUMC_DTYPE_NONE)) : NULL;
    } else if (equal_nan && numc_dt_is_inexact(y->dtype)) {
        numc_array *both = np_bin(s, NUMC_PRIM_AND, np_un(s, NUMC_PRIM_ISNAN, next),
                                  np_un(s, NUMC_PRIM_ISNAN, prev));
        neq = np_bin(s, NUMC_PRIM_AND, neq, np_un(s, NUMC_PRIM_NOT, both));
    }
    return cat2(s, np_fill(s, NUMC_BOOL, 1, 1, &one), neq);
}

numc_status numc_unique(const numc_array *a, const int64_t *axis, bool equal_nan,
                        numc_array **out) {
    for (int i = 0; i < 4; i++)
        out[i] = NULL;
    if (!eager_only("unique", a)) return numc_error_kind();
    np_scope s;
    np_scope_init(&s);
    numc_status st = NUMC_ERR_RUNTIME;
    int64_t ax = 0, n, z = 0, one = 1;
    numc_array *x, *sorted = NULL, *perm = NULL;
    bool rows = axis != NULL;
    int64_t rest = 1;
    if (rows) {
        if (np_norm_axis(*axis, a->ndim, &ax, NULL)) goto done;
        x = np_keep(&s, numc_moveaxis(a, &ax, &z, 1));
        n = a->shape[ax];
        for (int d = 0; d < a->ndim; d++)
            if (d != ax) rest *= a->shape[d];
        int64_t sh2[2] = {n, rest};
        x = np_reshape(&s, x, 2, sh2);
        if (!x) goto done;
        /* rows in lexicographic order: the last lexsort key is the primary */
        const numc_array **cols = calloc((size_t)(rest ? rest : 1), sizeof *cols);
        if (!cols) {
            numc_error_set(NUMC_ERR_MEMORY, "unique: out of memory");
            goto done;
        }
        int64_t ax1 = 1;
        bool ok = true;
        for (int64_t j = 0; j < rest && ok; j++) {
            numc_array *jj = np_const(&s, NUMC_INT64, (double)j, 0);
            cols[rest - 1 - j] = jj ? np_keep(&s, numc_take(x, jj, &ax1)) : NULL;
            ok = cols[rest - 1 - j] != NULL;
        }
        if (ok) perm = rest ? np_keep(&s, numc_lexsort((int)rest, cols, 0)) : iota1(&s, n);
        free(cols);
        sorted = perm ? np_keep(&s, numc_take(x, perm, &z)) : NULL;
    } else {
        x = np_ravel(&s, a);
        n = a->size;
        if (!x || sort_pair(&s, x, 0, &sorted, &perm)) goto done;
    }
    if (!sorted) goto done;
    numc_array *first = NULL, *values, *index, *inverse = NULL, *counts;
    if (n == 0) {
        first = perm;
    } else {
        numc_array *mask = run_starts(&s, sorted, rows, equal_nan);
        if (!mask) goto done;
        first = flat_nonzero(&s, mask);
        numc_array *c = np_binc(&s, NUMC_PRIM_SUB,
                                mask ? np_keep(&s, numc_cumsum(mask, &z, NUMC_INT64)) : NULL, 1);
        inverse = unpermute(&s, c, perm, 0);
    }
    if (!first) goto done;
    int64_t k = first->size;
    values = np_keep(&s, numc_take(sorted, first, &z));
    index = np_keep(&s, numc_take(perm, first, &z));
    if (n == 0) inverse = perm;
    numc_array *ends =
        cat2(&s, slice1(&s, first, 1, k), np_fill(&s, NUMC_INT64, (double)n, 1, &one));
    if (n == 0) ends = first;
    counts = keep2(&s, numc_subtract, ends, first);
    if (!rows) {
        inverse = np_reshape(&s, inverse, a->ndim, a->shape);
    } else if (values) {
        int64_t vs[NUMC_MAX_DIMS];
        vs[0] = k;
        for (int d = 0, j = 1; d < a->ndim; d++)
            if (d != ax) vs[j++] = a->shape[d];
        values = np_reshape(&s, values, a->ndim, vs);
        values = values ? np_keep(&s, numc_moveaxis(values, &z, &ax, 1)) : NULL;
    }
    st = outputs(4, NP_ARRAY_OF(values, index, inverse, counts), out);
done:
    if (st && numc_error_kind()) st = numc_error_kind();
    np_scope_end(&s);
    return st;
}

/* unique values of a (flattened), NaNs as one */
static numc_array *unique_values(np_scope *s, const numc_array *a) {
    numc_array *o[4];
    if (!a || numc_unique(a, NULL, true, o)) return NULL;
    for (int i = 1; i < 4; i++)
        numc_array_release(o[i]);
    return np_keep(s, o[0]);
}

/* ---- sets ---- */

numc_array *numc_isin(const numc_array *element, const numc_array *test, bool invert) {
    np_scope s;
    np_scope_init(&s);
    numc_array *srt = NULL, *r;
    int64_t n = test->size;
    if (n == 0) {
        r = np_fill(&s, NUMC_BOOL, invert, element->ndim, element->shape);
        return np_ret(&s, r);
    }
    numc_array *t = np_ravel(&s, test);
    if (!t || sort_pair(&s, t, 0, &srt, NULL)) return np_ret(&s, NULL);
    numc_array *idx = np_keep(&s, numc_searchsorted(srt, element, false, NULL));
    idx = np_bin(&s, NUMC_PRIM_MIN, idx, np_fill(&s, NUMC_INT64, (double)(n - 1), 0, NULL));
    numc_array *found = idx ? np_keep(&s, numc_take(srt, idx, NULL)) : NULL;
    r = keep2(&s, numc_equal, found, element);
    if (invert && r) r = np_un(&s, NUMC_PRIM_NOT, r);
    if (r && !np_same_shape(r, element)) r = np_reshape(&s, r, element->ndim, element->shape);
    return np_ret(&s, r);
}

numc_array *numc_union1d(const numc_array *a, const numc_array *b) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, unique_values(&s, cat2(&s, np_ravel(&s, a), np_ravel(&s, b))));
}

numc_array *numc_setdiff1d(const numc_array *a, const numc_array *b, bool assume_unique) {
    np_scope s;
    np_scope_init(&s);
    numc_array *ua = assume_unique ? np_ravel(&s, a) : unique_values(&s, a);
    numc_array *keep = ua ? np_keep(&s, numc_isin(ua, b, true)) : NULL;
    return np_ret(&s, keep ? np_keep(&s, numc_extract(keep, ua)) : NULL);
}

numc_array *numc_setxor1d(const numc_array *a, const numc_array *b, bool assume_unique) {
    np_scope s;
    np_scope_init(&s);
    numc_array *ua = assume_unique ? np_ravel(&s, a) : unique_values(&s, a);
    numc_array *ub = assume_unique ? np_ravel(&s, b) : unique_values(&s, b);
    numc_array *aux = cat2(&s, ua, ub), *srt = NULL;
    if (!aux || sort_pair(&s, aux, 0, &srt, NULL)) return np_ret(&s, NULL);
    int64_t n = srt->size, one = 1;
    if (n == 0) return np_ret(&s, srt);
    /* keep the values whose run has length one */
    numc_array *t = np_fill(&s, NUMC_BOOL, 1, 1, &one);
    numc_array *ne = keep2(&s, numc_not_equal, slice1(&s, srt, 1, n), slice1(&s, srt, 0, n - 1));
    numc_array *flag = cat2(&s, cat2(&s, t, ne), t);
    numc_array *keep =
        np_bin(&s, NUMC_PRIM_AND, slice1(&s, flag, 1, n + 1), slice1(&s, flag, 0, n));
    return np_ret(&s, keep ? np_keep(&s, numc_extract(keep, srt)) : NULL);
}

numc_status numc_intersect1d(const numc_array *a, const numc_array *b, bool assume_unique,
                             numc_array **out) {
    out[0] = out[1] = out[2] = NULL;
    np_scope s;
    np_scope_init(&s);
    numc_status st = NUMC_ERR_RUNTIME;
    numc_array *ua, *ub, *ia = NULL, *ib = NULL, *o[4];
    if (assume_unique) {
        ua = np_ravel(&s, a);
        ub = np_ravel(&s, b);
    } else {
        ua = ub = NULL;
        if (!numc_unique(a, NULL, true, o)) {
            ua = np_keep(&s, o[0]);
            ia = np_keep(&s, o[1]);
            numc_array_release(o[2]);
            numc_array_release(o[3]);
        }
        if (ua && !numc_unique(b, NULL, true, o)) {
            ub = np_keep(&s, o[0]);
            ib = np_keep(&s, o[1]);
            numc_array_release(o[2]);
            numc_array_release(o[3]);
        }
    }
    numc_array *aux = cat2(&s, ua, ub), *srt = NULL, *perm = NULL;
    if (!aux || sort_pair(&s, aux, 0, &srt, &perm)) goto done;
    int64_t n = srt->size, z = 0;
    numc_array *lo = NULL, *hi, *plo = NULL, *phi = NULL;
    if (n == 0) {
        lo = srt;
        plo = phi = perm;
    } else {
        numc_array *eq = keep2(&s, numc_equal, slice1(&s, srt, 1, n), slice1(&s, srt, 0, n - 1));
        numc_array *idx = eq ? flat_nonzero(&s, eq) : NULL;
        lo = idx ? np_keep(&s, numc_take(srt, idx, &z)) : NULL;
        plo = idx ? np_keep(&s, numc_take(perm, idx, &z)) : NULL;
        hi = idx ? np_binc(&s, NUMC_PRIM_ADD, idx, 1) : NULL;
        phi = hi ? np_keep(&s, numc_take(perm, hi, &z)) : NULL;
    }
    phi = np_binc(&s, NUMC_PRIM_SUB, phi, (double)(ua ? ua->size : 0));
    if (!assume_unique) {
        plo = plo && ia ? np_keep(&s, numc_take(ia, plo, &z)) : NULL;
        phi = phi && ib ? np_keep(&s, numc_take(ib, phi, &z)) : NULL;
    }
    st = outputs(3, NP_ARRAY_OF(lo, plo, phi), out);
done:
    if (st && numc_error_kind()) st = numc_error_kind();
    np_scope_end(&s);
    return st;
}
