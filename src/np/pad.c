/* pad.c — np.pad: every mode but median (constant, edge, linear_ramp,
 * maximum, mean, minimum, reflect, symmetric, wrap, empty), following NumPy's
 * step-by-step algorithm so that large widths and reflect_type='odd' match
 * it; composed of slice, rev, concatenate and broadcast, so it is eager,
 * differentiable, traceable and batchable. */
#include "np-impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x (length 1 along ax) repeated w times along ax */
static numc_array *ax_repeat1(np_scope *s, const numc_array *x, int ax, int64_t w) {
    if (!x) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    shape[ax] = w;
    return np_bcast(s, x, x->ndim, shape);
}

/* ---- np.pad ---- */

/* NumPy's _as_pairs: x broadcast to (ndim, 2) (a size-1 x everywhere, a
 * size-2 x not shaped (2, 1) as (before, after) for every axis). Returns a
 * scope reference. */
static numc_array *as_pairs(np_scope *s, const numc_array *x, int ndim, const char *what) {
    int64_t to[2] = {ndim, 2};
    if (x->ndim < 3 && (x->size == 1 || (x->size == 2 && !(x->ndim == 2 && x->shape[1] == 1))))
        x = np_ravel(s, x);
    if (!x) return NULL;
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    numc_array *tmp = np_fill(s, x->dtype, 0, 2, to);
    if (!tmp || np_broadcast_shapes(2, NP_ARRAY_OF(x, tmp), &nd, shape) || nd != 2 ||
        shape[0] != ndim || shape[1] != 2) {
        char b1[200], b2[64];
        numc_error_set(NUMC_ERR_VALUE,
                       "operands could not be broadcast together with remapped shapes "
                       "[original->remapped]: %s and requested shape %s (np.pad %s)",
                       np_shape_str(b1, sizeof b1, x->ndim, x->shape),
                       np_shape_str(b2, sizeof b2, 2, to), what);
        return NULL;
    }
    return np_bcast(s, x, 2, to);
}

/* Concrete integer pairs (pad_width, stat_length), read without binding
 * (under a trace the conversion would be traced): rounded, non-negative,
 * broadcast as as_pairs does. */
static numc_status index_pairs(np_scope *s, const numc_array *x, int ndim, const char *what,
                               int64_t *out) {
    if (!np_concrete(x))
        return numc_error_set(NUMC_ERR_TYPE, "np.pad: %s must be concrete (not traced)", what);
    if (!as_pairs(s, x, ndim, what)) return numc_error_kind(); /* the shape check */
    int64_t rows = 1, cols = 1;
    bool flat =
        x->ndim < 3 && (x->size == 1 || (x->size == 2 && !(x->ndim == 2 && x->shape[1] == 1)));
    if (flat) {
        cols = x->size;
    } else {
        cols = x->ndim >= 1 ? x->shape[x->ndim - 1] : 1;
        rows = x->ndim == 2 ? x->shape[0] : 1;
    }
    for (int d = 0; d < ndim; d++)
        for (int side = 0; side < 2; side++) {
            int64_t flat_i = (rows == 1 ? 0 : d) * cols + (cols == 1 ? 0 : side);
            double re = 0, im = 0;
            numc_status st = numc_array_get_f64(x, flat_i, &re, &im);
            if (st) return st;
            out[2 * d + side] = (int64_t)rint(re);
            if (out[2 * d + side] < 0)
                return numc_error_set(NUMC_ERR_VALUE, "index can't contain negative values");
        }
    return NUMC_OK;
}

/* element [d, side] of a (ndim, 2) array as a 0-d scope reference */
static numc_array *pair_at(np_scope *s, const numc_array *p, int d, int side) {
    int64_t start[2] = {d, side}, stop[2] = {d + 1, side + 1}, step[2] = {1, 1};
    return np_reshape(s, np_keep(s, numc_slice(p, start, stop, step)), 0, NULL);
}

/* 2 * edge - chunk in the array's type (NumPy's int64 for bool, stored back
 * as bool) */
static numc_array *odd_reflect(np_scope *s, const numc_array *e, const numc_array *chunk) {
    if (!e || !chunk) return NULL;
    numc_dtype dt = chunk->dtype, ct = dt == NUMC_BOOL ? NUMC_INT64 : dt;
    numc_array *ec = np_cvt(s, e, ct);
    numc_array *r =
        np_bin(s, NUMC_PRIM_SUB, np_bin(s, NUMC_PRIM_ADD, ec, ec), np_cvt(s, chunk, ct));
    return np_cvt(s, r, dt);
}

/* one step of NumPy's _set_reflect_both on the filled part x along ax */
static numc_array *reflect_step(np_scope *s, const numc_array *x, int ax, int64_t *L, int64_t *R,
                                int64_t period, bool include_edge, bool odd) {
    int64_t v = x->shape[ax], old, eo;
    if (include_edge) {
        old = v / period * period;
        eo = 1;
    } else {
        old = (v - 1) / (period - 1) * (period - 1);
        eo = 0;
    }
    numc_array *left = NULL, *right = NULL;
    if (*L > 0) {
        int64_t c = old < *L ? old : *L;
        left = np_axis_rev(s, np_axis_slice(s, x, ax, 1 - eo, c + 1 - eo), ax);
        if (odd) left = odd_reflect(s, np_axis_slice(s, x, ax, 0, 1), left);
        *L -= c;
    }
    if (*R > 0) {
        int64_t c = old < *R ? old : *R;
        right = np_axis_rev(s, np_axis_slice(s, x, ax, v + eo - 1 - c, v + eo - 1), ax);
        if (odd) right = odd_reflect(s, np_axis_slice(s, x, ax, v - 1, v), right);
        *R -= c;
    }
    return np_axis_cat3(s, left, x, right, ax);
}

/* one step of NumPy's _set_wrap_both */
static numc_array *wrap_step(np_scope *s, const numc_array *x, int ax, int64_t *L, int64_t *R,
                             int64_t period) {
    int64_t v = x->shape[ax], p = v / period * period;
    numc_array *left = NULL, *right = NULL;
    if (*L > 0) {
        int64_t c = p < *L ? p : *L;
        left = np_axis_slice(s, x, ax, p - c, p);
        *L -= c;
    }
    if (*R > 0) {
        int64_t c = p < *R ? p : *R;
        right = np_axis_slice(s, x, ax, v - p, v - p + c);
        *R -= c;
    }
    return np_axis_cat3(s, left, x, right, ax);
}

/* the stat-mode value of one side: reduce over `len` elements at that end */
static numc_array *pad_stat(np_scope *s, const numc_array *x, int ax, int64_t len, bool right,
                            const char *mode) {
    int64_t n = x->shape[ax];
    numc_array *chunk =
        right ? np_axis_slice(s, x, ax, n - len, n) : np_axis_slice(s, x, ax, 0, len);
    if (!chunk) return NULL;
    int64_t axes[1] = {ax};
    numc_array *r;
    if (!strcmp(mode, "maximum")) {
        r = np_keep(s, numc_max(chunk, axes, 1, true, NUMC_DTYPE_NONE));
    } else if (!strcmp(mode, "minimum")) {
        r = np_keep(s, numc_min(chunk, axes, 1, true, NUMC_DTYPE_NONE));
    } else {
        r = np_keep(s, numc_mean(chunk, axes, 1, true, NUMC_DTYPE_NONE));
        /* NumPy rounds the mean (half to even) before storing it in an
         * integer array */
        if (r && numc_dt_is_int(x->dtype)) r = np_un(s, NUMC_PRIM_RINT, r);
    }
    return np_cvt(s, r, x->dtype);
}

/* linear ramp from `end` (0-d) towards the edge slice e over w steps, as
 * np.linspace(end, e, w, endpoint=False) computes it (float64 or
 * complex128, floored for integer arrays), reversed on the right side */
static numc_array *pad_ramp(np_scope *s, const numc_array *e, const numc_array *end, int ax,
                            int64_t w, bool right) {
    numc_dtype dt = e->dtype;
    numc_dtype ct =
        numc_dt_is_complex(dt) || numc_dt_is_complex(end->dtype) ? NUMC_COMPLEX128 : NUMC_FLOAT64;
    int64_t shape[NUMC_MAX_DIMS];
    memcpy(shape, e->shape, sizeof(int64_t) * (size_t)e->ndim);
    shape[ax] = w;
    numc_params pr = {.n = 3 + e->ndim, .i = {ct, ax, e->ndim}};
    for (int d = 0; d < e->ndim; d++)
        pr.i[3 + d] = shape[d];
    numc_array *i = np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pr);
    numc_array *st = np_cvt(s, end, ct), *ec = np_cvt(s, e, ct);
    numc_array *step = np_binc(s, NUMC_PRIM_DIV, np_bin(s, NUMC_PRIM_SUB, ec, st), (double)w);
    numc_array *y = np_bin(s, NUMC_PRIM_ADD, np_bin(s, NUMC_PRIM_MUL, i, step), st);
    if (numc_dt_is_int(dt)) y = np_un(s, NUMC_PRIM_FLOOR, y);
    y = np_cvt(s, y, dt);
    return right ? np_axis_rev(s, y, ax) : y;
}

static const char *const pad_modes[] = {"constant",  "edge",   "linear_ramp", "maximum",
                                        "mean",      "median", "minimum",     "reflect",
                                        "symmetric", "wrap",   "empty"};

numc_array *numc_pad(const numc_array *a, const numc_array *pad_width, const char *mode,
                     const numc_array *constant_values, const numc_array *end_values,
                     const numc_array *stat_length, const char *reflect_type) {
    bool known = false;
    for (size_t k = 0; k < sizeof pad_modes / sizeof *pad_modes; k++)
        known |= !strcmp(mode, pad_modes[k]);
    if (!known) {
        numc_error_set(NUMC_ERR_VALUE, "mode '%s' is not supported", mode);
        return NULL;
    }
    /* NumPy refuses keywords the mode does not take */
    const char *bad = constant_values && strcmp(mode, "constant") ? "constant_values"
                      : end_values && strcmp(mode, "linear_ramp") ? "end_values"
                      : stat_length && strcmp(mode, "maximum") && strcmp(mode, "minimum") &&
                              strcmp(mode, "mean") && strcmp(mode, "median")
                          ? "stat_length"
                      : reflect_type && strcmp(mode, "reflect") && strcmp(mode, "symmetric")
                          ? "reflect_type"
                          : NULL;
    if (bad) {
        numc_error_set(NUMC_ERR_VALUE, "unsupported keyword arguments for mode '%s': {'%s'}", mode,
                       bad);
        return NULL;
    }
    char k = numc_dtype_kind(pad_width->dtype);
    if (k != 'i') {
        numc_error_set(NUMC_ERR_TYPE, "`pad_width` must be of integral type.");
        return NULL;
    }
    if (!strcmp(mode, "median")) {
        numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "numc.pad: mode 'median' is not supported yet");
        return NULL;
    }
    int nd = a->ndim;
    np_scope s;
    np_scope_init(&s);
    int64_t w[2 * NUMC_MAX_DIMS + 2], sl[2 * NUMC_MAX_DIMS + 2];
    if (index_pairs(&s, pad_width, nd, "pad_width", w)) return np_ret(&s, NULL);
    if (stat_length && index_pairs(&s, stat_length, nd, "stat_length", sl)) return np_ret(&s, NULL);
    int64_t out_shape[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        out_shape[d] = a->shape[d] + w[2 * d] + w[2 * d + 1];
    numc_array *x = (numc_array *)a;

    if (!strcmp(mode, "constant")) {
        numc_array *cv = constant_values ? as_pairs(&s, constant_values, nd, "constant_values")
                                         : np_fill(&s, a->dtype, 0, 2, (int64_t[]){nd, 2});
        for (int d = 0; x && cv && d < nd; d++)
            for (int side = 0; side < 2; side++) {
                if (!w[2 * d + side]) continue;
                numc_params pr = {.n = 3 * nd};
                pr.i[(side ? nd : 0) + d] = w[2 * d + side];
                numc_array *val = np_cvt(&s, pair_at(&s, cv, d, side), a->dtype);
                x = val ? np_bind(&s, NUMC_PRIM_PAD, 2, NP_ARRAY_OF(x, val), &pr) : NULL;
            }
        return np_ret(&s, cv ? x : NULL);
    }
    if (!strcmp(mode, "empty")) {
        /* NumPy leaves the pad area uninitialised; numc fills it with zeros */
        numc_params pr = {.n = 3 * nd};
        for (int d = 0; d < nd; d++) {
            pr.i[d] = w[2 * d];
            pr.i[nd + d] = w[2 * d + 1];
        }
        numc_array *z = np_const(&s, a->dtype, 0, 0);
        return np_ret(&s, z ? np_bind(&s, NUMC_PRIM_PAD, 2, NP_ARRAY_OF(a, z), &pr) : NULL);
    }
    if (a->size == 0) {
        for (int d = 0; d < nd; d++)
            if (a->shape[d] == 0 && (w[2 * d] || w[2 * d + 1])) {
                numc_error_set(NUMC_ERR_VALUE,
                               "can't extend empty axis %d using modes other than 'constant' or "
                               "'empty'",
                               d);
                return np_ret(&s, NULL);
            }
        return np_ret(&s, np_fill(&s, a->dtype, 0, nd, out_shape));
    }
    numc_array *ev = NULL;
    if (!strcmp(mode, "linear_ramp"))
        ev = end_values ? as_pairs(&s, end_values, nd, "end_values")
                        : np_fill(&s, NUMC_INT64, 0, 2, (int64_t[]){nd, 2});
    bool odd = reflect_type && !strcmp(reflect_type, "odd");
    for (int d = 0; x && d < nd; d++) {
        int64_t L = w[2 * d], R = w[2 * d + 1], n = a->shape[d];
        if (!L && !R) continue;
        bool refl = !strcmp(mode, "reflect") || !strcmp(mode, "symmetric");
        if (!strcmp(mode, "edge") || (refl && n == 1)) {
            x = np_axis_cat3(&s, ax_repeat1(&s, np_axis_slice(&s, x, d, 0, 1), d, L), x,
                             ax_repeat1(&s, np_axis_slice(&s, x, d, n - 1, n), d, R), d);
        } else if (refl) {
            while (x && (L > 0 || R > 0))
                x = reflect_step(&s, x, d, &L, &R, n, !strcmp(mode, "symmetric"), odd);
        } else if (!strcmp(mode, "wrap")) {
            while (x && (L > 0 || R > 0))
                x = wrap_step(&s, x, d, &L, &R, n);
        } else if (!strcmp(mode, "linear_ramp")) {
            if (!ev) return np_ret(&s, NULL);
            numc_array *l =
                L ? pad_ramp(&s, np_axis_slice(&s, x, d, 0, 1), pair_at(&s, ev, d, 0), d, L, false)
                  : NULL;
            numc_array *r = R ? pad_ramp(&s, np_axis_slice(&s, x, d, n - 1, n),
                                         pair_at(&s, ev, d, 1), d, R, true)
                              : NULL;
            if ((L && !l) || (R && !r)) return np_ret(&s, NULL);
            x = np_axis_cat3(&s, l, x, r, d);
        } else { /* maximum, minimum, mean */
            int64_t ll = stat_length ? sl[2 * d] : n, rl = stat_length ? sl[2 * d + 1] : n;
            ll = ll < n ? ll : n;
            rl = rl < n ? rl : n;
            if ((ll == 0 || rl == 0) && strcmp(mode, "mean")) {
                numc_error_set(NUMC_ERR_VALUE, "stat_length of 0 yields no value for padding");
                return np_ret(&s, NULL);
            }
            numc_array *l = L ? ax_repeat1(&s, pad_stat(&s, x, d, ll, false, mode), d, L) : NULL;
            numc_array *r = R ? ax_repeat1(&s, pad_stat(&s, x, d, rl, true, mode), d, R) : NULL;
            if ((L && !l) || (R && !r)) return np_ret(&s, NULL);
            x = np_axis_cat3(&s, l, x, r, d);
        }
    }
    return np_ret(&s, x);
}
