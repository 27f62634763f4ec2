/* manip2.c — more manipulation and creation functions: flips, rotations,
 * rolls, tiling, triangles and diagonals, atleast_nd, stacking and
 * splitting, whole-array comparisons, index arrays, along-axis indexing,
 * append/resize/select/compress/delete/insert, open grids. Composed of
 * layout primitives (slice, rev, pad, concatenate, broadcast_in_dim, select,
 * iota), so the shape-static ones are eager, differentiable, traceable and
 * batchable. */
#include "np-impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- flips, rotations, rolls, tiling ---- */

numc_array *numc_fliplr(const numc_array *m) {
    if (m->ndim < 2) {
        numc_error_set(NUMC_ERR_VALUE, "Input must be >= 2-d.");
        return NULL;
    }
    return numc_flip(m, (int64_t[]){1}, 1);
}

numc_array *numc_flipud(const numc_array *m) {
    if (m->ndim < 1) {
        numc_error_set(NUMC_ERR_VALUE, "Input must be >= 1-d.");
        return NULL;
    }
    return numc_flip(m, (int64_t[]){0}, 1);
}

numc_array *numc_rot90(const numc_array *m, int64_t k, const int64_t *axes, int naxes) {
    if (naxes != 2) {
        numc_error_set(NUMC_ERR_VALUE, "len(axes) must be 2.");
        return NULL;
    }
    int64_t a0 = axes[0], a1 = axes[1], nd = m->ndim;
    if (a0 == a1 || llabs(a0 - a1) == nd) {
        numc_error_set(NUMC_ERR_VALUE, "Axes must be different.");
        return NULL;
    }
    if (a0 >= nd || a0 < -nd || a1 >= nd || a1 < -nd) {
        char b[64];
        numc_error_set(NUMC_ERR_VALUE, "Axes=%s out of range for array of ndim=%d.",
                       np_tuple_str(b, sizeof b, 2, axes), m->ndim);
        return NULL;
    }
    a0 = a0 < 0 ? a0 + nd : a0;
    a1 = a1 < 0 ? a1 + nd : a1;
    k = ((k % 4) + 4) % 4;
    np_scope s;
    np_scope_init(&s);
    if (k == 0) return np_ret(&s, m);
    if (k == 2) return np_ret(&s, np_axis_rev(&s, np_axis_rev(&s, m, (int)a0), (int)a1));
    int64_t perm[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        perm[d] = d;
    perm[a0] = a1;
    perm[a1] = a0;
    if (k == 1) return np_ret(&s, np_transpose(&s, np_axis_rev(&s, m, (int)a1), perm));
    return np_ret(&s, np_axis_rev(&s, np_transpose(&s, m, perm), (int)a1));
}

/* a rolled by `shift` along ax (a view-free composition of two slices) */
static numc_array *roll_axis(np_scope *s, const numc_array *a, int ax, int64_t shift) {
    int64_t n = a ? a->shape[ax] : 0;
    if (!a || n == 0) return (numc_array *)a;
    int64_t k = ((shift % n) + n) % n;
    if (k == 0) return (numc_array *)a;
    return np_axis_cat3(s, np_axis_slice(s, a, ax, n - k, n), np_axis_slice(s, a, ax, 0, n - k),
                        NULL, ax);
}

numc_array *numc_roll(const numc_array *a, const int64_t *shift, int nshift, const int64_t *axes,
                      int naxes) {
    np_scope s;
    np_scope_init(&s);
    if (!axes) {
        int64_t total = 0;
        for (int i = 0; i < nshift; i++)
            total += shift[i];
        numc_array *r = roll_axis(&s, np_ravel(&s, a), 0, total);
        return np_ret(&s, np_reshape(&s, r, a->ndim, a->shape));
    }
    if (nshift != naxes && nshift != 1 && naxes != 1) {
        numc_error_set(NUMC_ERR_VALUE,
                       "shape mismatch: objects cannot be broadcast to a single "
                       "shape.  Mismatch is between arg 0 with shape (%d,) and "
                       "arg 1 with shape (%d,).",
                       nshift, naxes);
        return np_ret(&s, NULL);
    }
    int n = nshift > naxes ? nshift : naxes;
    int64_t total[NUMC_MAX_DIMS] = {0};
    for (int i = 0; i < n; i++) {
        int64_t ax;
        if (np_norm_axis(axes[naxes == 1 ? 0 : i], a->ndim, &ax, NULL)) return np_ret(&s, NULL);
        total[ax] += shift[nshift == 1 ? 0 : i];
    }
    numc_array *r = (numc_array *)a;
    for (int d = 0; d < a->ndim; d++)
        r = roll_axis(&s, r, d, total[d]);
    return np_ret(&s, r);
}

numc_array *numc_tile(const numc_array *a, const int64_t *reps, int nreps) {
    int nd = nreps > a->ndim ? nreps : a->ndim;
    if (nd > NUMC_MAX_DIMS || 2 * nd > NUMC_MAX_DIMS * 2) {
        numc_error_set(NUMC_ERR_VALUE, "numc.tile: too many dimensions");
        return NULL;
    }
    int64_t in[NUMC_MAX_DIMS], r[NUMC_MAX_DIMS], out[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        int da = d - (nd - a->ndim), dr = d - (nd - nreps);
        in[d] = da >= 0 ? a->shape[da] : 1;
        r[d] = dr >= 0 ? reps[dr] : 1;
        if (r[d] < 0) {
            numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
            return NULL;
        }
        out[d] = in[d] * r[d];
    }
    np_scope s;
    np_scope_init(&s);
    /* (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...), merged pairwise;
     * the interleaved shape may need twice the dims: tile in two halves then */
    numc_array *x = np_reshape(&s, a, nd, in);
    if (2 * nd <= NUMC_MAX_DIMS) {
        int64_t sh1[NUMC_MAX_DIMS], sh2[NUMC_MAX_DIMS];
        for (int d = 0; d < nd; d++) {
            sh1[2 * d] = 1, sh1[2 * d + 1] = in[d];
            sh2[2 * d] = r[d], sh2[2 * d + 1] = in[d];
        }
        x = np_bcast(&s, np_reshape(&s, x, 2 * nd, sh1), 2 * nd, sh2);
    } else {
        /* one axis at a time: concatenating r copies */
        for (int d = 0; x && d < nd; d++) {
            int64_t sh[NUMC_MAX_DIMS];
            memcpy(sh, x->shape, sizeof(int64_t) * (size_t)nd);
            sh[d] = r[d] * x->shape[d];
            numc_array *idx = np_keep(&s, numc_arange(0, (double)sh[d], 1, NUMC_INT64));
            idx = np_binc(&s, NUMC_PRIM_REM, idx, (double)(x->shape[d] ? x->shape[d] : 1));
            numc_params pr = {.n = 1, .i = {d}};
            x = idx ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, idx), &pr) : NULL;
        }
    }
    return np_ret(&s, np_reshape(&s, x, nd, out));
}

/* Concrete integer values of a small array (repeats, indices), or an error
 * naming `fn`. *out is malloc'ed. */
static numc_status read_ints(const numc_array *x, const char *fn, int64_t **out) {
    *out = NULL;
    if (!np_concrete(x))
        return numc_error_set(NUMC_ERR_TYPE,
                              "numc.%s: the values of this argument decide the result's shape; "
                              "pass a concrete array, not a traced one",
                              fn);
    int64_t *v = malloc(sizeof(int64_t) * (size_t)(x->size ? x->size : 1));
    if (!v) return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    for (int64_t i = 0; i < x->size; i++) {
        numc_value val;
        if (numc_array_item(x, i, &val)) {
            free(v);
            return numc_error_kind();
        }
        v[i] = val.kind == 'u'                      ? (int64_t)val.u
               : val.kind == 'f' || val.kind == 'c' ? (int64_t)val.re
                                                    : val.i;
    }
    *out = v;
    return NUMC_OK;
}

#define TOO_BIG                                                                                    \
    "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible size."
numc_array *numc_repeat(const numc_array *a, const numc_array *repeats, const int64_t *axis) {
    char k = numc_dtype_kind(repeats->dtype);
    if (k != 'i' && k != 'u' && k != 'b') {
        numc_error_set(NUMC_ERR_TYPE,
                       "Cannot cast %s from dtype('%s') to dtype('int64') according to the "
                       "rule 'safe'",
                       repeats->ndim ? "array data" : "scalar", numc_dtype_name(repeats->dtype));
        return NULL;
    }
    if (repeats->ndim > 1) {
        numc_error_set(NUMC_ERR_VALUE, "object too deep for desired array");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    int64_t ax = 0;
    if (!axis) {
        x = np_ravel(&s, a);
    } else if (np_norm_axis(*axis, a->ndim, &ax, NULL)) {
        return np_ret(&s, NULL);
    }
    if (!x) return np_ret(&s, NULL);
    int64_t n = x->shape[ax];
    if (repeats->size != 1 && repeats->size != n) {
        numc_error_set(NUMC_ERR_VALUE,
                       "operands could not be broadcast together with shape (%lld,) (%lld,)",
                       (long long)n, (long long)repeats->size);
        return np_ret(&s, NULL);
    }
    int64_t *rv;
    if (read_ints(repeats, "repeat", &rv)) return np_ret(&s, NULL);
    int64_t total = 0;
    for (int64_t i = 0; i < repeats->size; i++) {
        if (rv[i] < 0) {
            free(rv);
            numc_error_set(NUMC_ERR_VALUE, "repeats may not contain negative values.");
            return np_ret(&s, NULL);
        }
    }
    numc_array *r;
    if (repeats->size == 1) {
        /* (.., n, 1, ..) broadcast to (.., n, rep, ..) and merged */
        int64_t sh[NUMC_MAX_DIMS + 1], out[NUMC_MAX_DIMS];
        int nd = x->ndim;
        if (nd + 1 > NUMC_MAX_DIMS) {
            free(rv);
            numc_error_set(NUMC_ERR_VALUE, "numc.repeat: too many dimensions");
            return np_ret(&s, NULL);
        }
        for (int d = 0, j = 0; d < nd; d++) {
            sh[j++] = x->shape[d];
            out[d] = x->shape[d];
            if (d == ax) {
                sh[j++] = 1;
                if (__builtin_mul_overflow(out[d], rv[0], &out[d])) {
                    free(rv);
                    numc_error_set(NUMC_ERR_VALUE, TOO_BIG);
                    return np_ret(&s, NULL);
                }
            }
        }
        numc_array *e = np_reshape(&s, x, nd + 1, sh);
        sh[ax + 1] = rv[0];
        r = np_reshape(&s, np_bcast(&s, e, nd + 1, sh), nd, out);
    } else {
        for (int64_t i = 0; i < n; i++)
            if (__builtin_add_overflow(total, rv[i], &total) ||
                total > (int64_t)(SIZE_MAX / sizeof(int64_t))) {
                free(rv);
                numc_error_set(NUMC_ERR_VALUE, TOO_BIG);
                return np_ret(&s, NULL);
            }
        int64_t *idx = malloc(sizeof(int64_t) * (size_t)(total ? total : 1));
        if (!idx) {
            free(rv);
            numc_error_set(NUMC_ERR_MEMORY, "out of memory");
            return np_ret(&s, NULL);
        }
        for (int64_t i = 0, j = 0; i < n; i++)
            for (int64_t t = 0; t < rv[i]; t++)
                idx[j++] = i;
        numc_array *ia = np_keep(&s, numc_array_from_data(NUMC_INT64, 1, &total, idx));
        free(idx);
        numc_params pr = {.n = 1, .i = {ax}};
        r = ia ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, ia), &pr) : NULL;
    }
    free(rv);
    return np_ret(&s, r);
}

/* ---- triangles and diagonals ---- */

/* bool (n, m) mask (j - i) <cmp> k */
static numc_array *offset_mask(np_scope *s, int64_t n, int64_t m, int64_t k, numc_prim cmp) {
    numc_params pi = {.n = 5, .i = {NUMC_INT64, 0, 2, n, m}};
    numc_params pj = {.n = 5, .i = {NUMC_INT64, 1, 2, n, m}};
    numc_array *i = np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pi);
    numc_array *j = np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pj);
    return np_binc(s, cmp, np_bin(s, NUMC_PRIM_SUB, j, i), (double)k);
}

static numc_array *tri_mask(np_scope *s, int64_t n, int64_t m, int64_t k) {
    return offset_mask(s, n, m, k, NUMC_PRIM_LE);
}

numc_array *numc_tri(int64_t n, int64_t m, int64_t k, numc_dtype dt) {
    /* NumPy builds it from arange(N) and arange(M): negative sizes are empty */
    n = n < 0 ? 0 : n;
    m = m < 0 ? 0 : m;
    if (dt == NUMC_DTYPE_NONE) dt = numc_default_float();
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_cvt(&s, tri_mask(&s, n, m, k), dt));
}

static numc_array *tri_part(const numc_array *a, int64_t k, bool lower) {
    if (a->ndim == 0) {
        numc_error_set(NUMC_ERR_TYPE, "tri() missing 1 required positional argument: 'N'");
        return NULL;
    }
    int64_t n = a->ndim >= 2 ? a->shape[a->ndim - 2] : a->shape[0], m = a->shape[a->ndim - 1];
    np_scope s;
    np_scope_init(&s);
    numc_array *mask = tri_mask(&s, n, m, lower ? k : k - 1);
    numc_array *z = np_const(&s, a->dtype, 0, 0);
    return np_ret(&s, lower ? np_sel(&s, mask, a, z) : np_sel(&s, mask, z, a));
}

numc_array *numc_tril(const numc_array *a, int64_t k) {
    return tri_part(a, k, true);
}

numc_array *numc_triu(const numc_array *a, int64_t k) {
    return tri_part(a, k, false);
}

numc_array *numc_diagonal(const numc_array *a, int64_t offset, int64_t axis1, int64_t axis2) {
    if (a->ndim < 2) {
        numc_error_set(NUMC_ERR_VALUE, "diag requires an array of at least two dimensions");
        return NULL;
    }
    int64_t x, y;
    if (np_norm_axis(axis1, a->ndim, &x, "axis1: ") || np_norm_axis(axis2, a->ndim, &y, "axis2: "))
        return NULL;
    if (x == y) {
        numc_error_set(NUMC_ERR_VALUE, "axis1 and axis2 cannot be the same");
        return NULL;
    }
    int nd = a->ndim;
    int64_t perm[NUMC_MAX_DIMS];
    for (int d = 0, j = 0; d < nd; d++)
        if (d != x && d != y) perm[j++] = d;
    perm[nd - 2] = x;
    perm[nd - 1] = y;
    np_scope s;
    np_scope_init(&s);
    numc_array *t = np_transpose(&s, a, perm);
    if (!t) return np_ret(&s, NULL);
    int64_t p = t->shape[nd - 2], q = t->shape[nd - 1];
    /* cut the offset off, then the diagonal of a (p, q) block is every
     * (q + 1)-th element of its flattening */
    if (offset >= 0) {
        int64_t o = offset < q ? offset : q;
        t = np_axis_slice(&s, t, nd - 1, o, q);
    } else {
        int64_t o = -offset < p ? -offset : p;
        t = np_axis_slice(&s, t, nd - 2, o, p);
    }
    if (!t) return np_ret(&s, NULL);
    p = t->shape[nd - 2], q = t->shape[nd - 1];
    int64_t len = p < q ? p : q;
    int64_t sh[NUMC_MAX_DIMS];
    memcpy(sh, t->shape, sizeof(int64_t) * (size_t)nd);
    sh[nd - 2] = p * q;
    numc_array *f = np_reshape(&s, t, nd - 1, sh);
    numc_array *r;
    if (len == 0) {
        r = np_axis_slice(&s, f, nd - 2, 0, 0);
    } else {
        numc_params pr = {.n = 3 * (nd - 1)};
        for (int d = 0; d < nd - 1; d++) {
            pr.i[d] = 0;
            pr.i[nd - 1 + d] = d == nd - 2 ? (len - 1) * (q + 1) + 1 : sh[d];
            pr.i[2 * (nd - 1) + d] = d == nd - 2 ? q + 1 : 1;
        }
        r = f ? np_bind(&s, NUMC_PRIM_SLICE, 1, NP_ARRAY_OF(f), &pr) : NULL;
    }
    return np_ret(&s, r);
}

numc_array *numc_diagonal_sum(const numc_array *a, int64_t offset, int64_t axis1, int64_t axis2,
                              numc_dtype dt) {
    numc_array *d = numc_diagonal(a, offset, axis1, axis2);
    if (!d) return NULL;
    int64_t ax = d->ndim - 1;
    numc_array *r = numc_sum(d, &ax, 1, false, dt);
    numc_array_release(d);
    return r;
}

numc_array *numc_diag(const numc_array *v, int64_t k) {
    if (v->ndim == 2) return numc_diagonal(v, k, 0, 1);
    if (v->ndim != 1) {
        numc_error_set(NUMC_ERR_VALUE, "Input must be 1- or 2-d.");
        return NULL;
    }
    int64_t ak = k < 0 ? -k : k, n = v->shape[0] + ak;
    np_scope s;
    np_scope_init(&s);
    numc_params pp = {.n = 3, .i = {0, ak, 0}};
    numc_array *z = np_const(&s, v->dtype, 0, 0);
    numc_array *vp = z ? np_bind(&s, NUMC_PRIM_PAD, 2, NP_ARRAY_OF(v, z), &pp) : NULL;
    int64_t shape[2] = {n, n};
    /* k >= 0: row i holds v[i] at column i + k; k < 0: column j holds v[j] */
    numc_array *full = k >= 0 ? np_bcast(&s, np_reshape(&s, vp, 2, (int64_t[]){n, 1}), 2, shape)
                              : np_bcast(&s, vp, 2, shape);
    return np_ret(&s, np_sel(&s, offset_mask(&s, n, n, k, NUMC_PRIM_EQ), full, z));
}

numc_array *numc_diagflat(const numc_array *v, int64_t k) {
    np_scope s;
    np_scope_init(&s);
    numc_array *f = np_ravel(&s, v);
    return np_ret(&s, f ? np_keep(&s, numc_diag(f, k)) : NULL);
}

/* ---- atleast_nd, stacking and splitting ---- */

static numc_array *atleast(const numc_array *a, int n) {
    np_scope s;
    np_scope_init(&s);
    if (a->ndim >= n) return np_ret(&s, a);
    int64_t sh[3] = {1, 1, 1};
    if (a->ndim == 1) sh[n == 3 ? 1 : n - 1] = a->shape[0];
    if (a->ndim == 2) sh[0] = a->shape[0], sh[1] = a->shape[1];
    return np_ret(&s, np_reshape(&s, a, n, sh));
}

numc_array *numc_atleast_1d(const numc_array *a) {
    return atleast(a, 1);
}
numc_array *numc_atleast_2d(const numc_array *a) {
    return atleast(a, 2);
}
numc_array *numc_atleast_3d(const numc_array *a) {
    return atleast(a, 3);
}

/* each input through `prep`, then concatenated along ax */
static numc_array *prep_concat(int n, const numc_array *const *in,
                               numc_array *(*prep)(const numc_array *), int64_t ax) {
    if (n <= 0) {
        numc_error_set(NUMC_ERR_VALUE, "need at least one array to concatenate");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array **v = malloc(sizeof(*v) * (size_t)n);
    if (!v) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        return NULL;
    }
    bool ok = true;
    for (int i = 0; i < n; i++)
        ok &= (v[i] = np_keep(&s, prep(in[i]))) != NULL;
    numc_array *r = ok ? np_keep(&s, numc_concatenate(n, v, &ax)) : NULL;
    free(v);
    return np_ret(&s, r);
}

/* a column: 0-d and 1-d inputs as (n, 1) */
static numc_array *as_column(const numc_array *a) {
    if (a->ndim >= 2) return np_new_ref(a);
    int64_t sh[2] = {a->size, 1};
    return numc_reshape(a, 2, sh);
}

numc_array *numc_column_stack(int n, const numc_array *const *in) {
    return prep_concat(n, in, as_column, 1);
}

numc_array *numc_dstack(int n, const numc_array *const *in) {
    return prep_concat(n, in, numc_atleast_3d, 2);
}

numc_status numc_array_split(const numc_array *a, int64_t sections, const int64_t *indices,
                             int nindices, int64_t axis, numc_array ***out, int *nout) {
    if (indices) return numc_split(a, 0, indices, nindices, axis, out, nout);
    *out = NULL;
    *nout = 0;
    if (sections <= 0)
        return numc_error_set(NUMC_ERR_VALUE, "number sections must be larger than 0.");
    if (axis < -a->ndim || axis >= a->ndim)
        return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range");
    if (sections > (1 << 24)) return numc_error_set(NUMC_ERR_VALUE, "too many sections");
    int64_t len = a->shape[axis < 0 ? axis + a->ndim : axis];
    int64_t each = len / sections, extras = len % sections;
    int64_t *div = malloc(sizeof(int64_t) * (size_t)sections);
    if (!div) return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    /* the first `extras` sections get one more element */
    for (int64_t k = 1, at = 0; k < sections; k++)
        div[k - 1] = at += each + (k - 1 < extras);
    numc_status st = numc_split(a, 0, div, (int)(sections - 1), axis, out, nout);
    free(div);
    return st;
}

static numc_status split_min_nd(const numc_array *a, int nd, const char *name, int64_t axis,
                                int64_t sections, const int64_t *indices, int nindices,
                                numc_array ***out, int *nout) {
    *out = NULL;
    *nout = 0;
    if (a->ndim < nd)
        return numc_error_set(NUMC_ERR_VALUE, "%s only works on arrays of %d or more dimensions",
                              name, nd);
    return numc_split(a, sections, indices, nindices, axis, out, nout);
}

numc_status numc_hsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout) {
    return split_min_nd(a, 1, "hsplit", a->ndim > 1 ? 1 : 0, sections, indices, nindices, out,
                        nout);
}

numc_status numc_vsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout) {
    return split_min_nd(a, 2, "vsplit", 0, sections, indices, nindices, out, nout);
}

numc_status numc_dsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout) {
    return split_min_nd(a, 3, "dsplit", 2, sections, indices, nindices, out, nout);
}

numc_status numc_unstack(const numc_array *a, int64_t axis, numc_array ***out, int *nout) {
    *out = NULL;
    *nout = 0;
    if (a->ndim == 0) return numc_error_set(NUMC_ERR_VALUE, "Input array must be at least 1-d.");
    int64_t ax;
    if (np_norm_axis(axis, a->ndim, &ax, NULL)) return numc_error_kind();
    int64_t n = a->shape[ax];
    numc_array **res = calloc((size_t)(n ? n : 1), sizeof(*res));
    if (!res) return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    int64_t sh[NUMC_MAX_DIMS];
    for (int d = 0, j = 0; d < a->ndim; d++)
        if (d != ax) sh[j++] = a->shape[d];
    for (int64_t i = 0; i < n; i++) {
        np_scope s;
        np_scope_init(&s);
        res[i] =
            np_ret(&s, np_reshape(&s, np_axis_slice(&s, a, (int)ax, i, i + 1), a->ndim - 1, sh));
        if (!res[i]) {
            np_release_n(res, i);
            free(res);
            return numc_error_kind();
        }
    }
    *out = res;
    *nout = (int)n;
    return NUMC_OK;
}

/* ---- comparisons of whole arrays ---- */

static numc_array *isclose_(const numc_array *a, const numc_array *b, double rtol, double atol,
                            bool equal_nan);

/* NumPy compares under errstate(invalid='ignore'): inf - inf reports nothing. */
numc_array *numc_isclose(const numc_array *a, const numc_array *b, double rtol, double atol,
                         bool equal_nan) {
    bool fp = numc_fp_pause();
    numc_array *r = isclose_(a, b, rtol, atol, equal_nan);
    numc_fp_resume(fp);
    return r;
}

static numc_array *isclose_(const numc_array *a, const numc_array *b, double rtol, double atol,
                            bool equal_nan) {
    np_scope s;
    np_scope_init(&s);
    /* NumPy compares against y in result_type(y, 1.0) */
    numc_array *y;
    if (np_is_weak(b)) {
        /* a Python int becomes a Python float; floats and complex stay */
        if (numc_dt_is_inexact(b->dtype)) {
            y = (numc_array *)b;
        } else if (np_concrete(b)) {
            y = np_keep(&s, numc_scalar_f64(np_scalar_value(b)));
        } else {
            y = np_keep(&s, numc_astype(b, NUMC_FLOAT64));
            if (y) numc_trace_mark_weak(y, true);
        }
    } else {
        numc_array *one = np_keep(&s, numc_scalar_f64(1.0));
        numc_dtype yt = one ? numc_result_type(2, NP_ARRAY_OF(b, one)) : NUMC_DTYPE_NONE;
        y = np_keep(&s, yt != NUMC_DTYPE_NONE ? numc_astype(b, yt) : NULL);
    }
    if (!y) return np_ret(&s, NULL);
    numc_array *at = np_keep(&s, numc_scalar_f64(atol)), *rt = np_keep(&s, numc_scalar_f64(rtol));
    if (!at || !rt) return np_ret(&s, NULL);
    numc_array *diff = np_keep(&s, numc_subtract(a, y));
    numc_array *lhs = diff ? np_keep(&s, numc_absolute(diff)) : NULL;
    numc_array *ay = np_keep(&s, numc_absolute(y));
    numc_array *tol = ay ? np_keep(&s, numc_multiply(rt, ay)) : NULL;
    tol = tol ? np_keep(&s, numc_add(at, tol)) : NULL;
    numc_array *close = lhs && tol ? np_keep(&s, numc_less_equal(lhs, tol)) : NULL;
    numc_array *fin = np_keep(&s, numc_isfinite(y));
    numc_array *r = close && fin ? np_keep(&s, numc_logical_and(close, fin)) : NULL;
    numc_array *eq = np_keep(&s, numc_equal(a, y));
    r = r && eq ? np_keep(&s, numc_logical_or(r, eq)) : NULL;
    if (r && equal_nan) {
        numc_array *na = np_keep(&s, numc_isnan(a)), *ny = np_keep(&s, numc_isnan(y));
        numc_array *both = na && ny ? np_keep(&s, numc_logical_and(na, ny)) : NULL;
        r = both ? np_keep(&s, numc_logical_or(r, both)) : NULL;
    }
    return np_ret(&s, r);
}

/* the Python bool of all(x) (x concrete) */
static numc_status all_true(numc_array *x, bool *out) {
    if (!x) return numc_error_kind();
    numc_array *r = numc_all(x, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array_release(x);
    if (!r) return numc_error_kind();
    numc_value v = {0};
    numc_status st = numc_array_item(r, 0, &v);
    numc_array_release(r);
    *out = v.i != 0;
    return st;
}

numc_status numc_allclose(const numc_array *a, const numc_array *b, double rtol, double atol,
                          bool equal_nan, bool *out) {
    return all_true(numc_isclose(a, b, rtol, atol, equal_nan), out);
}

numc_status numc_array_equal(const numc_array *a, const numc_array *b, bool equal_nan, bool *out) {
    *out = false;
    if (!np_same_shape(a, b)) return NUMC_OK;
    np_scope s;
    np_scope_init(&s);
    numc_array *eq = np_keep(&s, numc_equal(a, b));
    if (eq && equal_nan) {
        /* NaN positions must agree; there the values count as equal */
        numc_array *na = np_keep(&s, numc_isnan(a)), *nb = np_keep(&s, numc_isnan(b));
        numc_array *bothnan = na && nb ? np_keep(&s, numc_logical_and(na, nb)) : NULL;
        numc_array *samenan = na && nb ? np_keep(&s, numc_equal(na, nb)) : NULL;
        numc_array *e = bothnan ? np_keep(&s, numc_logical_or(eq, bothnan)) : NULL;
        eq = e && samenan ? np_keep(&s, numc_logical_and(e, samenan)) : NULL;
    }
    numc_array *r = np_ret(&s, eq);
    return all_true(r, out);
}

numc_status numc_array_equiv(const numc_array *a, const numc_array *b, bool *out) {
    *out = false;
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    if (np_broadcast_shapes(2, NP_ARRAY_OF(a, b), &nd, shape)) {
        numc_error_clear();
        return NUMC_OK;
    }
    return all_true(numc_equal(a, b), out);
}

bool numc_iscomplexobj(const numc_array *x) {
    return numc_dtype_kind(x->dtype) == 'c';
}

bool numc_isrealobj(const numc_array *x) {
    return !numc_iscomplexobj(x);
}

/* ---- non-finite values ---- */

static numc_array *replace_nonfinite(np_scope *s, const numc_array *x, double nan, double posinf,
                                     double neginf) {
    numc_array *r = np_sel(s, np_un(s, NUMC_PRIM_ISNAN, x), np_fill_like(s, x, nan), x);
    r = np_sel(s, x ? np_keep(s, numc_isposinf(x)) : NULL, np_fill_like(s, x, posinf), r);
    return np_sel(s, x ? np_keep(s, numc_isneginf(x)) : NULL, np_fill_like(s, x, neginf), r);
}

numc_array *numc_nan_to_num(const numc_array *x, double nan, const double *posinf,
                            const double *neginf) {
    np_scope s;
    np_scope_init(&s);
    if (!numc_dt_is_inexact(x->dtype)) return np_ret(&s, x);
    numc_finfo_t fi;
    if (numc_finfo(x->dtype, &fi)) return np_ret(&s, NULL);
    double pi = posinf ? *posinf : fi.max, ni = neginf ? *neginf : -fi.max;
    if (!numc_dt_is_complex(x->dtype)) return np_ret(&s, replace_nonfinite(&s, x, nan, pi, ni));
    numc_array *re = replace_nonfinite(&s, np_un(&s, NUMC_PRIM_REAL, x), nan, pi, ni);
    numc_array *im = replace_nonfinite(&s, np_un(&s, NUMC_PRIM_IMAG, x), nan, pi, ni);
    return np_ret(&s,
                  re && im ? np_bind(&s, NUMC_PRIM_COMPLEX, 2, NP_ARRAY_OF(re, im), NULL) : NULL);
}

numc_array *numc_asarray_chkfinite(const numc_array *a, numc_dtype dt) {
    numc_array *r = dt == NUMC_DTYPE_NONE ? np_new_ref(a) : numc_astype(a, dt);
    if (!r || !numc_dt_is_inexact(r->dtype)) return r;
    bool ok = false;
    numc_status st = all_true(numc_isfinite(r), &ok);
    if (st == NUMC_OK && !ok) numc_error_set(NUMC_ERR_VALUE, "array must not contain infs or NaNs");
    if (st != NUMC_OK || !ok) {
        numc_array_release(r);
        return NULL;
    }
    return r;
}

/* ---- index arrays ---- */

static numc_array *host_i64(int64_t n, const int64_t *v) {
    return numc_array_from_data(NUMC_INT64, 1, &n, v);
}

/* (rows, cols) of the (n, m) positions with (j - i) <= k (lower) or >= k */
static numc_status tri_positions(int64_t n, int64_t m, int64_t k, bool lower, numc_array **out) {
    out[0] = out[1] = NULL;
    n = n < 0 ? 0 : n;
    m = m < 0 ? 0 : m;
    if (n && m > INT64_MAX / n) return numc_error_set(NUMC_ERR_VALUE, "array is too big");
    int64_t *r = malloc(sizeof(int64_t) * (size_t)(n * m + 1));
    int64_t *c = malloc(sizeof(int64_t) * (size_t)(n * m + 1));
    if (!r || !c) {
        free(r);
        free(c);
        return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    }
    int64_t cnt = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++)
            if (lower ? j - i <= k : j - i >= k) r[cnt] = i, c[cnt++] = j;
    out[0] = host_i64(cnt, r);
    out[1] = host_i64(cnt, c);
    free(r);
    free(c);
    if (!out[0] || !out[1]) {
        numc_array_release(out[0]);
        numc_array_release(out[1]);
        out[0] = out[1] = NULL;
        return numc_error_kind();
    }
    return NUMC_OK;
}

numc_status numc_tril_indices(int64_t n, int64_t k, int64_t m, numc_array **out) {
    return tri_positions(n, m, k, true, out);
}

numc_status numc_triu_indices(int64_t n, int64_t k, int64_t m, numc_array **out) {
    return tri_positions(n, m, k, false, out);
}

static numc_status need_2d(const numc_array *a) {
    if (a->ndim != 2) return numc_error_set(NUMC_ERR_VALUE, "input array must be 2-d");
    return NUMC_OK;
}

numc_status numc_tril_indices_from(const numc_array *a, int64_t k, numc_array **out) {
    if (need_2d(a)) return numc_error_kind();
    return tri_positions(a->shape[0], a->shape[1], k, true, out);
}

numc_status numc_triu_indices_from(const numc_array *a, int64_t k, numc_array **out) {
    if (need_2d(a)) return numc_error_kind();
    return tri_positions(a->shape[0], a->shape[1], k, false, out);
}

numc_status numc_diag_indices(int64_t n, int ndim, numc_array **out) {
    if (ndim < 0 || ndim > NUMC_MAX_DIMS)
        return numc_error_set(NUMC_ERR_VALUE, "numc.diag_indices: ndim out of range");
    for (int d = 0; d < ndim; d++) {
        out[d] = numc_arange(0, (double)(n < 0 ? 0 : n), 1, NUMC_INT64);
        if (!out[d]) {
            np_release_n(out, d);
            return numc_error_kind();
        }
    }
    return NUMC_OK;
}

numc_status numc_diag_indices_from(const numc_array *a, numc_array **out) {
    if (a->ndim < 2) return numc_error_set(NUMC_ERR_VALUE, "input array must be at least 2-d");
    for (int d = 1; d < a->ndim; d++)
        if (a->shape[d] != a->shape[0])
            return numc_error_set(NUMC_ERR_VALUE,
                                  "All dimensions of input must be of equal length");
    return numc_diag_indices(a->shape[0], a->ndim, out);
}

/* iota along axis d of an ndim-dimensional array that is length n there and
 * 1 elsewhere */
static numc_array *axis_iota(np_scope *s, numc_dtype dt, int d, int ndim, int64_t n) {
    numc_params pr = {.n = 3 + ndim, .i = {dt, d, ndim}};
    for (int j = 0; j < ndim; j++)
        pr.i[3 + j] = j == d ? n : 1;
    return np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pr);
}

numc_status numc_indices(int ndim, const int64_t *dims, numc_dtype dt, bool sparse,
                         numc_array **out) {
    if (dt == NUMC_DTYPE_NONE) dt = numc_default_int();
    if (ndim > NUMC_MAX_DIMS - 1) return numc_error_set(NUMC_ERR_VALUE, "too many dimensions");
    for (int d = 0; d < ndim; d++)
        if (dims[d] < 0)
            return numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
    np_scope s;
    np_scope_init(&s);
    if (sparse) {
        for (int d = 0; d < ndim; d++) {
            out[d] = np_new_ref(np_cvt(&s, axis_iota(&s, NUMC_INT64, d, ndim, dims[d]), dt));
            if (!out[d]) {
                np_release_n(out, d);
                np_scope_end(&s);
                return numc_error_kind();
            }
        }
        np_scope_end(&s);
        return NUMC_OK;
    }
    int64_t shape[NUMC_MAX_DIMS];
    shape[0] = ndim;
    memcpy(shape + 1, dims, sizeof(int64_t) * (size_t)ndim);
    numc_params pr = {.n = 3 + ndim + 1, .i = {NUMC_INT64, 0, ndim + 1}};
    for (int j = 0; j <= ndim; j++)
        pr.i[3 + j] = shape[j];
    /* res[i] = iota along dims[i]: select per leading index */
    numc_array *lead = np_bind(&s, NUMC_PRIM_IOTA, 0, NULL, &pr),
               *r = np_fill(&s, NUMC_INT64, 0, ndim + 1, shape);
    for (int d = 0; d < ndim; d++) {
        pr.i[1] = d + 1;
        numc_array *it = np_bind(&s, NUMC_PRIM_IOTA, 0, NULL, &pr);
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, lead, (double)d), it, r);
    }
    out[0] = np_ret(&s, np_cvt(&s, r, dt));
    return out[0] ? NUMC_OK : numc_error_kind();
}

numc_status numc_meshgrid(int n, const numc_array *const *xi, bool sparse, bool xy,
                          numc_array **out) {
    if (n > NUMC_MAX_DIMS) return numc_error_set(NUMC_ERR_VALUE, "too many arrays for meshgrid");
    np_scope s;
    np_scope_init(&s);
    numc_array *v[NUMC_MAX_DIMS];
    int64_t shape[NUMC_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        /* 'xy' swaps the first two axes of the grid */
        int at = xy && n > 1 && i < 2 ? 1 - i : i;
        int64_t sh[NUMC_MAX_DIMS];
        for (int d = 0; d < n; d++)
            sh[d] = d == at ? xi[i]->size : 1;
        shape[at] = xi[i]->size;
        v[i] = np_reshape(&s, xi[i], n, sh);
    }
    for (int i = 0; i < n; i++) {
        numc_array *r = sparse ? v[i] : np_bcast(&s, v[i], n, shape);
        /* a fresh value, as NumPy's copy=True gives */
        out[i] = r ? numc_copy(r) : NULL;
        if (!out[i]) {
            np_release_n(out, i);
            np_scope_end(&s);
            return numc_error_kind();
        }
    }
    np_scope_end(&s);
    return NUMC_OK;
}

/* ---- along-axis indexing ---- */

/* the fancy key arr[aranges..., indices, ...] of np.take_along_axis; items
 * hold scope references */
static numc_status along_axis_key(np_scope *s, const numc_array *arr, const numc_array *indices,
                                  const int64_t *axis, const numc_array **flat, numc_index *key,
                                  int *nkey) {
    char k = numc_dtype_kind(indices->dtype);
    if (k != 'i' && k != 'u')
        return numc_error_set(NUMC_ERR_INDEX, "`indices` must be an integer array");
    *flat = arr;
    if (!axis) {
        if (indices->ndim != 1)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "when axis=None, `indices` must have a single dimension.");
        *flat = np_ravel(s, arr);
        if (!*flat) return numc_error_kind();
        key[0] = (numc_index){.kind = NUMC_INDEX_ARRAY, .array = indices};
        *nkey = 1;
        return NUMC_OK;
    }
    int64_t ax;
    if (np_norm_axis(*axis, arr->ndim, &ax, NULL)) return numc_error_kind();
    if (arr->ndim != indices->ndim)
        return numc_error_set(NUMC_ERR_VALUE,
                              "`indices` and `arr` must have the same number of dimensions");
    for (int d = 0; d < arr->ndim; d++) {
        const numc_array *it =
            d == ax ? indices : axis_iota(s, NUMC_INT64, d, arr->ndim, arr->shape[d]);
        if (!it) return numc_error_kind();
        key[d] = (numc_index){.kind = NUMC_INDEX_ARRAY, .array = it};
    }
    *nkey = arr->ndim;
    return NUMC_OK;
}

numc_array *numc_take_along_axis(const numc_array *arr, const numc_array *indices,
                                 const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    numc_index key[NUMC_MAX_DIMS];
    const numc_array *flat;
    int n;
    if (along_axis_key(&s, arr, indices, axis, &flat, key, &n)) return np_ret(&s, NULL);
    return np_ret(&s, np_keep(&s, numc_getitem(flat, n, key)));
}

numc_status numc_put_along_axis(numc_array **target, const numc_array *indices,
                                const numc_array *values, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    numc_index key[NUMC_MAX_DIMS];
    const numc_array *flat;
    int n;
    numc_status st = along_axis_key(&s, *target, indices, axis, &flat, key, &n);
    if (st == NUMC_OK && !axis) {
        /* arr.flat[indices] = values: update the flattened value, reshape back */
        numc_array *f = np_new_ref(flat);
        st = f ? numc_setitem(&f, n, key, values) : numc_error_kind();
        numc_array *r = st == NUMC_OK ? numc_reshape(f, (*target)->ndim, (*target)->shape) : NULL;
        numc_array_release(f);
        if (st == NUMC_OK && !r) st = numc_error_kind();
        if (r) {
            numc_array_release(*target);
            *target = r;
        }
    } else if (st == NUMC_OK) {
        st = numc_setitem(target, n, key, values);
    }
    np_scope_end(&s);
    return st;
}

numc_status numc_fill_diagonal(numc_array **target, const numc_array *val, bool wrap) {
    const numc_array *a = *target;
    if (a->ndim < 2) return numc_error_set(NUMC_ERR_VALUE, "array must be at least 2-d");
    int64_t step, end = a->size;
    if (a->ndim == 2) {
        step = a->shape[1] + 1;
        if (!wrap) end = a->shape[1] * a->shape[1] < a->size ? a->shape[1] * a->shape[1] : a->size;
    } else {
        for (int d = 1; d < a->ndim; d++)
            if (a->shape[d] != a->shape[0])
                return numc_error_set(NUMC_ERR_VALUE,
                                      "All dimensions of input must be of equal length");
        step = 1;
        int64_t p = 1;
        for (int d = 0; d < a->ndim - 1; d++)
            step += p *= a->shape[d];
    }
    int64_t cnt = end > 0 ? (end - 1) / step + 1 : 0;
    if (cnt == 0 || val->size == 0) return NUMC_OK;
    int64_t *pos = malloc(sizeof(int64_t) * (size_t)cnt),
            *vi = malloc(sizeof(int64_t) * (size_t)cnt);
    if (!pos || !vi) {
        free(pos);
        free(vi);
        return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    }
    /* a.flat[:end:step] = val, val repeated as flat assignment repeats it */
    for (int64_t i = 0; i < cnt; i++)
        pos[i] = i * step, vi[i] = i % val->size;
    np_scope s;
    np_scope_init(&s);
    numc_array *p = np_keep(&s, host_i64(cnt, pos)), *q = np_keep(&s, host_i64(cnt, vi));
    free(pos);
    free(vi);
    numc_array *v = np_cvt(&s, np_ravel(&s, val), a->dtype);
    numc_params g = {.n = 1, .i = {0}}, sc = {.n = 2, .i = {0, 0}};
    v = v && q ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(v, q), &g) : NULL;
    numc_array *f = np_ravel(&s, a);
    f = f && p && v ? np_bind(&s, NUMC_PRIM_SCATTER, 3, NP_ARRAY_OF(f, p, v), &sc) : NULL;
    numc_array *r = np_ret(&s, np_reshape(&s, f, a->ndim, a->shape));
    if (!r) return numc_error_kind();
    numc_array_release(*target);
    *target = r;
    return NUMC_OK;
}

/* ---- appending, resizing, selecting ---- */

numc_array *numc_append(const numc_array *arr, const numc_array *values, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    if (axis) return np_ret(&s, np_keep(&s, numc_concatenate(2, NP_ARRAY_OF(arr, values), axis)));
    const numc_array *a = arr->ndim == 1 ? arr : np_ravel(&s, arr);
    const numc_array *v = np_ravel(&s, values);
    int64_t ax = 0;
    return np_ret(&s, a && v ? np_keep(&s, numc_concatenate(2, NP_ARRAY_OF(a, v), &ax)) : NULL);
}

numc_array *numc_resize(const numc_array *a, int ndim, const int64_t *shape) {
    int64_t size = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) {
            numc_error_set(NUMC_ERR_VALUE, "all elements of `new_shape` must be non-negative");
            return NULL;
        }
        size *= shape[d];
    }
    np_scope s;
    np_scope_init(&s);
    if (a->size == 0 || size == 0) return np_ret(&s, np_fill(&s, a->dtype, 0, ndim, shape));
    /* the flattened array repeated cyclically */
    numc_array *i = np_keep(&s, numc_arange(0, (double)size, 1, NUMC_INT64));
    i = np_binc(&s, NUMC_PRIM_REM, i, (double)a->size);
    numc_params pr = {.n = 1, .i = {0}};
    numc_array *f = np_ravel(&s, a);
    f = f && i ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(f, i), &pr) : NULL;
    return np_ret(&s, np_reshape(&s, f, ndim, shape));
}

numc_array *numc_vander(const numc_array *x, int64_t n, bool increasing) {
    if (x->ndim != 1) {
        numc_error_set(NUMC_ERR_VALUE, "x must be a one-dimensional array or sequence.");
        return NULL;
    }
    if (n < 0) n = x->shape[0];
    numc_dtype dt = numc_promote_types(x->dtype, NUMC_INT64);
    int64_t len = x->shape[0], shape[2] = {len, n > 1 ? n - 1 : 0};
    np_scope s;
    np_scope_init(&s);
    numc_array *xc = np_cvt(&s, x, dt);
    numc_array *cols = np_bcast(&s, np_reshape(&s, xc, 2, (int64_t[]){len, 1}), 2, shape);
    /* x, x*x, x*x*x, ... by repeated multiplication, as NumPy accumulates */
    int64_t ax = 1;
    numc_array *pw = cols ? np_keep(&s, numc_cumprod(cols, &ax, dt)) : NULL;
    numc_array *ones = np_fill(&s, dt, 1, 2, (int64_t[]){len, n > 0 ? 1 : 0});
    numc_array *r = np_axis_cat3(&s, ones, pw, NULL, 1);
    return np_ret(&s, increasing ? r : np_axis_rev(&s, r, 1));
}

numc_array *numc_logspace(double start, double stop, int64_t num, bool endpoint, double base,
                          numc_dtype dt) {
    np_scope s;
    np_scope_init(&s);
    numc_array *y = np_keep(&s, numc_linspace(start, stop, num, endpoint, NUMC_FLOAT64));
    numc_array *b = np_keep(&s, numc_array_from_data(NUMC_FLOAT64, 0, NULL, &base));
    numc_array *r = y && b ? np_keep(&s, numc_power(b, y)) : NULL;
    return np_ret(&s, np_cvt(&s, r, dt == NUMC_DTYPE_NONE ? NUMC_FLOAT64 : dt));
}

/* the concrete minimum and maximum of an integer array (*any false when
 * empty or traced) */
static numc_status int_range(const numc_array *x, int64_t *lo, int64_t *hi, bool *any) {
    *any = false;
    if (!np_concrete(x) || x->size == 0) return NUMC_OK;
    numc_array *mn = numc_min(x, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array *mx = mn ? numc_max(x, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_value a = {0}, b = {0};
    numc_status st = mx ? numc_array_item(mn, 0, &a) : numc_error_kind();
    if (st == NUMC_OK) st = numc_array_item(mx, 0, &b);
    numc_array_release(mn);
    numc_array_release(mx);
    *lo = a.kind == 'u' ? (int64_t)a.u : a.i;
    *hi = b.kind == 'u' ? (int64_t)b.u : b.i;
    *any = st == NUMC_OK;
    return st;
}

static numc_status need_int(const numc_array *x, const char *msg) {
    char k = numc_dtype_kind(x->dtype);
    if (k != 'i' && k != 'u') return numc_error_set(NUMC_ERR_TYPE, "%s", msg);
    return NUMC_OK;
}

numc_status numc_unravel_index(const numc_array *indices, int ndim, const int64_t *dims,
                               bool fortran, numc_array **out) {
    if (need_int(indices, "only int indices permitted")) return numc_error_kind();
    int64_t size = 1, lo, hi;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] < 0) return numc_error_set(NUMC_ERR_VALUE, "dimensions must be non-negative");
        size *= dims[d];
    }
    bool any;
    if (int_range(indices, &lo, &hi, &any)) return numc_error_kind();
    if (any && (lo < 0 || hi >= size))
        return numc_error_set(NUMC_ERR_VALUE,
                              "index %lld is out of bounds for array with size %lld",
                              (long long)(lo < 0 ? lo : hi), (long long)size);
    np_scope s;
    np_scope_init(&s);
    numc_array *x = np_cvt(&s, indices, NUMC_INT64);
    int64_t stride = 1;
    for (int k = 0; k < ndim; k++) {
        int d = fortran ? k : ndim - 1 - k;
        numc_array *q = np_binc(&s, NUMC_PRIM_DIV, x, (double)stride);
        numc_array *r = dims[d] ? np_binc(&s, NUMC_PRIM_REM, q, (double)dims[d]) : q;
        out[d] = np_new_ref(r);
        stride *= dims[d] ? dims[d] : 1;
    }
    np_scope_end(&s);
    bool ok = true;
    for (int d = 0; d < ndim; d++)
        ok &= out[d] != NULL;
    if (!ok) {
        np_release_n(out, ndim);
        return numc_error_kind();
    }
    return NUMC_OK;
}

numc_array *numc_ravel_multi_index(int n, const numc_array *const *multi, int ndim,
                                   const int64_t *dims, const char *mode, bool fortran) {
    if (n != ndim) {
        numc_error_set(NUMC_ERR_VALUE, "parameter multi_index must be a sequence of length %d",
                       ndim);
        return NULL;
    }
    int m = !strcmp(mode, "raise") ? 0 : !strcmp(mode, "wrap") ? 1 : !strcmp(mode, "clip") ? 2 : -1;
    if (m < 0) {
        numc_error_set(NUMC_ERR_VALUE, "clipmode must be one of 'clip', 'raise', or 'wrap'");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *cv[NUMC_MAX_DIMS];
    for (int d = 0; d < n; d++) {
        if (need_int(multi[d], "only int indices permitted")) return np_ret(&s, NULL);
        int64_t lo, hi;
        bool any;
        if (int_range(multi[d], &lo, &hi, &any)) return np_ret(&s, NULL);
        if (m == 0 && any && (lo < 0 || hi >= dims[d])) {
            numc_error_set(NUMC_ERR_VALUE, "invalid entry in coordinates array");
            return np_ret(&s, NULL);
        }
        numc_array *x = np_cvt(&s, multi[d], NUMC_INT64);
        double dim = (double)dims[d];
        if (m == 1 && dims[d]) {
            /* Python's modulo: the remainder takes the divisor's sign */
            x = np_binc(&s, NUMC_PRIM_REM,
                        np_binc(&s, NUMC_PRIM_ADD, np_binc(&s, NUMC_PRIM_REM, x, dim), dim), dim);
        } else if (m == 2) {
            x = np_binc(&s, NUMC_PRIM_MAX, np_binc(&s, NUMC_PRIM_MIN, x, dim - 1), 0);
        }
        cv[d] = x;
    }
    numc_array *r = NULL;
    int64_t stride = 1;
    for (int k = 0; k < n; k++) {
        int d = fortran ? k : n - 1 - k;
        numc_array *t = np_binc(&s, NUMC_PRIM_MUL, cv[d], (double)stride);
        r = r && t ? np_keep(&s, numc_add(r, t)) : t;
        stride *= dims[d];
    }
    if (n == 0) r = np_const(&s, NUMC_INT64, 0, 0);
    return np_ret(&s, r);
}

numc_array *numc_select(int n, const numc_array *const *conds, const numc_array *const *choices,
                        const numc_array *dflt) {
    if (n == 0) {
        numc_error_set(NUMC_ERR_VALUE, "select with an empty condition list is not possible");
        return NULL;
    }
    const numc_array **all = malloc(sizeof(*all) * (size_t)(2 * n + 1));
    if (!all) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        all[i] = choices[i];
    all[n] = dflt;
    numc_dtype dt = numc_result_type(n + 1, all);
    for (int i = 0; i < n; i++)
        all[n + 1 + i] = conds[i];
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    numc_status st =
        dt == NUMC_DTYPE_NONE ? numc_error_kind() : np_broadcast_shapes(2 * n + 1, all, &nd, shape);
    free(all);
    if (st) return NULL;
    for (int i = 0; i < n; i++)
        if (conds[i]->dtype != NUMC_BOOL) {
            numc_error_set(NUMC_ERR_TYPE, "invalid entry %d in condlist: should be boolean ndarray",
                           i);
            return NULL;
        }
    np_scope s;
    np_scope_init(&s);
    /* the first true condition wins: apply them from the last */
    numc_array *r = np_bcast(&s, np_cvt(&s, dflt, dt), nd, shape);
    for (int i = n - 1; i >= 0; i--)
        r = np_sel(&s, np_bcast(&s, conds[i], nd, shape), np_cvt(&s, choices[i], dt), r);
    return np_ret(&s, r);
}

/* positions of the nonzero entries of a concrete array */
static numc_status true_positions(const numc_array *cond, int64_t **pos, int64_t *cnt) {
    *pos = NULL;
    *cnt = 0;
    if (!np_concrete(cond))
        return numc_error_set(NUMC_ERR_TYPE,
                              "numc: a boolean condition decides the result's shape; pass a "
                              "concrete array, not a traced one");
    int64_t *p = malloc(sizeof(int64_t) * (size_t)(cond->size + 1));
    if (!p) return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    for (int64_t i = 0; i < cond->size; i++) {
        numc_value v;
        if (numc_array_item(cond, i, &v)) {
            free(p);
            return numc_error_kind();
        }
        bool nz = v.kind == 'u'                    ? v.u != 0
                  : v.kind == 'f' || v.kind == 'c' ? (v.re != 0 || v.im != 0)
                                                   : v.i != 0;
        if (nz) p[(*cnt)++] = i;
    }
    *pos = p;
    return NUMC_OK;
}

/* x and the normalised axis (x flattened when axis is NULL); scope refs */
static const numc_array *axis_or_flat(np_scope *s, const numc_array *a, const int64_t *axis,
                                      int64_t *ax) {
    *ax = 0;
    if (!axis) return np_ravel(s, a);
    if (np_norm_axis(*axis, a->ndim, ax, NULL)) return NULL;
    return a;
}

numc_array *numc_compress(const numc_array *condition, const numc_array *a, const int64_t *axis) {
    if (condition->ndim != 1) {
        numc_error_set(NUMC_ERR_VALUE, "condition must be a 1-d array");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    int64_t ax, *pos, cnt;
    const numc_array *x = axis_or_flat(&s, a, axis, &ax);
    if (!x || true_positions(condition, &pos, &cnt)) return np_ret(&s, NULL);
    if (cnt && pos[cnt - 1] >= x->shape[ax]) {
        numc_error_set(NUMC_ERR_INDEX, "index %lld is out of bounds for axis %lld with size %lld",
                       (long long)pos[cnt - 1], (long long)ax, (long long)x->shape[ax]);
        free(pos);
        return np_ret(&s, NULL);
    }
    numc_array *idx = np_keep(&s, host_i64(cnt, pos));
    free(pos);
    numc_params pr = {.n = 1, .i = {ax}};
    return np_ret(&s, idx ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, idx), &pr) : NULL);
}

/* marks the positions obj removes (keep[i] = false) */
static numc_status delete_marks(const numc_array *obj, int64_t n, int64_t ax, bool *keep) {
    int64_t *vals = NULL, cnt = 0;
    numc_status st = NUMC_OK;
    if (obj->dtype == NUMC_BOOL) {
        if (obj->ndim != 1 || obj->size != n)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "boolean array argument obj to delete must be one dimensional "
                                  "and match the axis length of %lld",
                                  (long long)n);
        st = true_positions(obj, &vals, &cnt);
        for (int64_t i = 0; st == NUMC_OK && i < cnt; i++)
            keep[vals[i]] = false;
        free(vals);
        return st;
    }
    char k = numc_dtype_kind(obj->dtype);
    if (k != 'i' && k != 'u' && obj->size > 0)
        return numc_error_set(NUMC_ERR_INDEX,
                              "arrays used as indices must be of integer (or boolean) type");
    st = read_ints(obj, "delete", &vals);
    for (int64_t i = 0; st == NUMC_OK && i < obj->size; i++) {
        int64_t j = vals[i];
        if (j < -n || j >= n)
            st = numc_error_set(NUMC_ERR_INDEX,
                                "index %lld is out of bounds for axis %lld with size %lld",
                                (long long)j, (long long)ax, (long long)n);
        else
            keep[j < 0 ? j + n : j] = false;
    }
    free(vals);
    return st;
}

numc_array *numc_delete(const numc_array *arr, const numc_array *obj, const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    const numc_array *x = axis_or_flat(&s, arr, axis, &ax);
    if (!x) return np_ret(&s, NULL);
    int64_t n = x->shape[ax], cnt = 0;
    bool *keep = malloc(sizeof(bool) * (size_t)(n + 1));
    int64_t *pos = malloc(sizeof(int64_t) * (size_t)(n + 1));
    numc_status st = keep && pos ? NUMC_OK : numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    for (int64_t i = 0; st == NUMC_OK && i < n; i++)
        keep[i] = true;
    if (st == NUMC_OK) st = delete_marks(obj, n, ax, keep);
    for (int64_t i = 0; st == NUMC_OK && i < n; i++)
        if (keep[i]) pos[cnt++] = i;
    numc_array *idx = st == NUMC_OK ? np_keep(&s, host_i64(cnt, pos)) : NULL;
    free(keep);
    free(pos);
    numc_params pr = {.n = 1, .i = {ax}};
    return np_ret(&s, idx ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, idx), &pr) : NULL);
}

numc_array *numc_trim_zeros(const numc_array *a, const char *trim, const int64_t *axes, int naxes) {
    bool f = false, b = false, bad = !*trim;
    for (const char *c = trim; *c; c++) {
        if (*c == 'f' || *c == 'F')
            bad |= f, f = true;
        else if (*c == 'b' || *c == 'B')
            bad |= b, b = true;
        else
            bad = true;
    }
    if (bad) {
        numc_error_set(NUMC_ERR_VALUE, "unexpected character(s) in `trim`: '%s'", trim);
        return NULL;
    }
    int64_t ax[NUMC_MAX_DIMS];
    int nax;
    if (np_norm_axes(axes, naxes, a->ndim, ax, &nax)) return NULL;
    np_scope s;
    np_scope_init(&s);
    if (nax == 0) return np_ret(&s, a);
    if (!np_concrete(a)) {
        numc_error_set(NUMC_ERR_TYPE, "numc.trim_zeros: the values decide the result's shape; "
                                      "pass a concrete array, not a traced one");
        return np_ret(&s, NULL);
    }
    numc_array *nz = np_binc(&s, NUMC_PRIM_NE, a, 0);
    int64_t start[NUMC_MAX_DIMS], stop[NUMC_MAX_DIMS];
    bool empty = false;
    for (int d = 0; nz && d < a->ndim; d++) {
        int64_t other[NUMC_MAX_DIMS];
        int no = 0;
        for (int j = 0; j < a->ndim; j++)
            if (j != d) other[no++] = j;
        numc_array *any = np_keep(&s, numc_any(nz, other, no, false, NUMC_DTYPE_NONE));
        int64_t *pos, cnt;
        if (!any || true_positions(any, &pos, &cnt)) return np_ret(&s, NULL);
        if (cnt == 0) empty = true;
        start[d] = cnt ? pos[0] : 0;
        stop[d] = cnt ? pos[cnt - 1] + 1 : 0;
        free(pos);
    }
    if (!nz) return np_ret(&s, NULL);
    numc_array *r = (numc_array *)a;
    for (int k = 0; k < nax; k++) {
        int d = (int)ax[k];
        int64_t lo = empty ? 0 : f ? start[d] : 0, hi = empty ? 0 : b ? stop[d] : a->shape[d];
        r = np_axis_slice(&s, r, d, lo, hi);
    }
    return np_ret(&s, r);
}

/* ---- open grids and geometric sequences ---- */

numc_status numc_ix(int n, const numc_array *const *in, numc_array **out) {
    if (n > NUMC_MAX_DIMS) return numc_error_set(NUMC_ERR_VALUE, "too many arguments to ix_");
    for (int k = 0; k < n; k++) {
        const numc_array *a = in[k];
        numc_array *r = NULL;
        if (a->ndim != 1) {
            numc_error_set(NUMC_ERR_VALUE, "Cross index must be 1 dimensional");
        } else if (a->dtype == NUMC_BOOL) {
            numc_array *nz = NULL;
            if (numc_nonzero(a, &nz) == NUMC_OK) r = nz;
        } else {
            r = np_new_ref(a);
        }
        int64_t sh[NUMC_MAX_DIMS];
        for (int d = 0; d < n; d++)
            sh[d] = 1;
        if (r) sh[k] = r->size;
        out[k] = r ? numc_reshape(r, n, sh) : NULL;
        numc_array_release(r);
        if (!out[k]) {
            np_release_n(out, k);
            return numc_error_kind();
        }
    }
    return NUMC_OK;
}

numc_array *numc_geomspace(double start, double stop, int64_t num, bool endpoint, numc_dtype dt) {
    if (start == 0 || stop == 0) {
        numc_error_set(NUMC_ERR_VALUE, "Geometric sequence cannot include zero");
        return NULL;
    }
    if (num < 0) {
        numc_error_set(NUMC_ERR_VALUE, "Number of samples, %lld, must be non-negative.",
                       (long long)num);
        return NULL;
    }
    /* NumPy: logspace between the logs of |start| and stop * sign(start),
     * the ends stored exactly, the sign put back */
    double sg = start < 0 ? -1.0 : 1.0, a = start / sg, b = stop / sg;
    np_scope s;
    np_scope_init(&s);
    numc_array *r =
        np_keep(&s, numc_logspace(log10(a), log10(b), num, endpoint, 10.0, NUMC_FLOAT64));
    numc_array *i = np_keep(&s, numc_arange(0, (double)num, 1, NUMC_INT64));
    if (num > 0) r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, i, 0), np_fill_like(&s, r, a), r);
    if (num > 1 && endpoint)
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, i, (double)(num - 1)), np_fill_like(&s, r, b), r);
    r = np_binc(&s, NUMC_PRIM_MUL, r, sg);
    if (dt == NUMC_DTYPE_NONE) dt = NUMC_FLOAT64;
    if (numc_dt_is_int(dt)) r = np_un(&s, NUMC_PRIM_FLOOR, r);
    return np_ret(&s, np_cvt(&s, r, dt));
}

/* ---- insert ---- */

numc_array *numc_insert(const numc_array *arr, const numc_array *obj, const numc_array *values,
                        const int64_t *axis) {
    np_scope s;
    np_scope_init(&s);
    int64_t ax;
    const numc_array *x = axis ? arr : arr->ndim == 1 ? arr : np_ravel(&s, arr);
    if (!x || np_norm_axis(axis ? *axis : x->ndim - 1, x->ndim, &ax, NULL)) return np_ret(&s, NULL);
    if (obj->ndim > 1) {
        numc_error_set(NUMC_ERR_VALUE,
                       "index array argument obj to insert must be one dimensional or scalar");
        return np_ret(&s, NULL);
    }
    char k = numc_dtype_kind(obj->dtype);
    if (k != 'i' && k != 'u' && k != 'b' && obj->size > 0) {
        numc_error_set(NUMC_ERR_INDEX,
                       "arrays used as indices must be of integer (or boolean) type");
        return np_ret(&s, NULL);
    }
    int64_t n = x->shape[ax], *idx;
    if (read_ints(obj, "insert", &idx)) return np_ret(&s, NULL);
    int nd = x->ndim;
    int64_t region[NUMC_MAX_DIMS];
    memcpy(region, x->shape, sizeof(int64_t) * (size_t)nd);
    const numc_array *v = np_cvt(&s, values, x->dtype);
    int64_t numnew = obj->size, *fin = NULL;
    numc_status st = v ? NUMC_OK : numc_error_kind();
    if (st == NUMC_OK && obj->size == 1) {
        /* one position: values (ndmin = ndim) fill a block there; a scalar
         * obj takes the values' first axis as the inserted one */
        int64_t at = idx[0];
        if (at < -n || at > n)
            st = numc_error_set(NUMC_ERR_INDEX,
                                "index %lld is out of bounds for axis %lld with size %lld",
                                (long long)at, (long long)ax, (long long)n);
        at = at < 0 ? at + n : at;
        if (st == NUMC_OK && v->ndim < nd) {
            int64_t sh[NUMC_MAX_DIMS];
            for (int d = 0; d < nd; d++)
                sh[d] = d < nd - v->ndim ? 1 : v->shape[d - (nd - v->ndim)];
            v = np_reshape(&s, v, nd, sh);
        }
        if (st == NUMC_OK && v && obj->ndim == 0 && nd > 0)
            v = np_keep(&s, numc_moveaxis(v, (int64_t[]){0}, &ax, 1));
        if (st == NUMC_OK && !v) st = numc_error_kind();
        if (st == NUMC_OK && v->ndim != nd) {
            char b[128];
            st = numc_error_set(NUMC_ERR_VALUE, "could not broadcast input array from shape %s",
                                np_tuple_str(b, sizeof b, v->ndim, v->shape));
        }
        numnew = st == NUMC_OK ? v->shape[ax] : 0;
        fin = st == NUMC_OK ? malloc(sizeof(int64_t) * (size_t)(numnew + 1)) : NULL;
        for (int64_t j = 0; fin && j < numnew; j++)
            fin[j] = at + j;
    } else if (st == NUMC_OK) {
        /* NumPy: indices shifted by the count of earlier insertions, in a
         * stable order of the requested positions */
        fin = malloc(sizeof(int64_t) * (size_t)(numnew + 1));
        for (int64_t j = 0; fin && j < numnew; j++) {
            if (idx[j] < -n || idx[j] > n) {
                st = numc_error_set(NUMC_ERR_INDEX,
                                    "index %lld is out of bounds for axis %lld with size %lld",
                                    (long long)idx[j], (long long)ax, (long long)(n + numnew));
                break;
            }
            fin[j] = idx[j] < 0 ? idx[j] + n : idx[j];
        }
        for (int64_t j = 0; fin && st == NUMC_OK && j < numnew; j++) {
            int64_t before = 0;
            for (int64_t i = 0; i < numnew; i++)
                before += fin[i] < fin[j] || (fin[i] == fin[j] && i < j);
            idx[j] = fin[j] + before;
        }
        for (int64_t j = 0; fin && st == NUMC_OK && j < numnew; j++)
            fin[j] = idx[j];
    }
    if (st == NUMC_OK && !fin) st = numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    region[ax] = numnew;
    int ndv;
    int64_t bs[NUMC_MAX_DIMS];
    if (st == NUMC_OK &&
        (np_broadcast_shapes(2, NP_ARRAY_OF(v, np_fill(&s, v->dtype, 0, nd, region)), &ndv, bs) ||
         ndv != nd)) {
        char b1[128], b2[128];
        numc_error_clear();
        st = numc_error_set(NUMC_ERR_VALUE,
                            "could not broadcast input array from shape %s into shape %s",
                            np_tuple_str(b1, sizeof b1, v->ndim, v->shape),
                            np_tuple_str(b2, sizeof b2, nd, region));
    }
    for (int d = 0; st == NUMC_OK && d < nd; d++)
        if (bs[d] != region[d]) {
            char b1[128], b2[128];
            st = numc_error_set(NUMC_ERR_VALUE,
                                "could not broadcast input array from shape %s into shape %s",
                                np_tuple_str(b1, sizeof b1, v->ndim, v->shape),
                                np_tuple_str(b2, sizeof b2, nd, region));
        }
    /* concatenate [x, values] and gather each output position's source */
    int64_t total = n + numnew,
            *src = st == NUMC_OK ? malloc(sizeof(int64_t) * (size_t)(total + 1)) : NULL;
    if (st == NUMC_OK && !src) st = numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    if (st == NUMC_OK) {
        for (int64_t p = 0; p < total; p++)
            src[p] = -1;
        for (int64_t j = 0; j < numnew; j++)
            src[fin[j]] = n + j;
        for (int64_t p = 0, i = 0; p < total; p++)
            if (src[p] < 0) src[p] = i++;
    }
    free(idx);
    free(fin);
    numc_array *r = NULL;
    if (st == NUMC_OK) {
        numc_array *vb = np_bcast(&s, v, nd, region);
        numc_array *c = np_axis_cat3(&s, NULL, x, vb, (int)ax);
        numc_array *si = np_keep(&s, host_i64(total, src));
        numc_params pr = {.n = 1, .i = {ax}};
        r = c && si ? np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(c, si), &pr) : NULL;
    }
    free(src);
    return np_ret(&s, r);
}
