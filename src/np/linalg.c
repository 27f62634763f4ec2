/* linalg.c — matmul, dot, vdot, inner, outer and tensordot as dot_general
 * with NumPy's 1-D promotion rules, batch broadcasting and error messages. */
#include "np-impl.h"

#include <stdio.h>

/* dot_general of x and y (same dtype) contracting lc[k] with rc[k] over the
 * batch dims lb[k] / rb[k]; output: batch, lhs free, rhs free */
static numc_array *dot_general(np_scope *s, const numc_array *x, const numc_array *y, int nc,
                               const int64_t *lc, const int64_t *rc, int nb, const int64_t *lb,
                               const int64_t *rb) {
    if (!x || !y) return NULL;
    numc_params pr;
    int k = 0;
    pr.i[k++] = nc;
    for (int j = 0; j < nc; j++)
        pr.i[k++] = lc[j];
    for (int j = 0; j < nc; j++)
        pr.i[k++] = rc[j];
    pr.i[k++] = nb;
    for (int j = 0; j < nb; j++)
        pr.i[k++] = lb[j];
    for (int j = 0; j < nb; j++)
        pr.i[k++] = rb[j];
    pr.i[k++] = x->dtype;
    pr.n = k;
    pr.f = 0;
    pr.ptr = NULL;
    return np_bind(s, NUMC_PRIM_DOT_GENERAL, 2, NP_ARRAY_OF(x, y), &pr);
}

/* dot_general for the other files of src/np (einsum) */
numc_array *np_dot_general(np_scope *s, const numc_array *x, const numc_array *y, int nc,
                           const int64_t *lc, const int64_t *rc, int nb, const int64_t *lb,
                           const int64_t *rb) {
    return dot_general(s, x, y, nc, lc, rc, nb, lb, rb);
}

static const char MATMUL_SIG[] = "(n?,k),(k,m?)->(n?,m?)";

/* NumPy's gufunc message: each operand's shape, then its batch dims with
 * the core dims shown as "newaxis", then the core output shape */
static void remapped(char *buf, size_t len, const numc_array *v) {
    int nb = v->ndim > 2 ? v->ndim - 2 : 0, ncore = v->ndim == 1 ? 1 : 2;
    char orig[400];
    size_t k =
        (size_t)snprintf(buf, len, "%s->(", np_shape_str(orig, sizeof orig, v->ndim, v->shape));
    for (int d = 0; d < nb && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%lld,", (long long)v->shape[d]);
    for (int c = 0; c < ncore && k < len; c++)
        k += (size_t)snprintf(buf + k, len - k, c ? ",newaxis" : "newaxis");
    if (k < len) snprintf(buf + k, len - k, nb + ncore == 1 ? ",)" : ")");
}

static numc_array *batch_mismatch(const numc_array *a, const numc_array *b, int64_t n, int64_t m) {
    char ra[900], rb[900], rq[100];
    int64_t req[2];
    int nreq = 0;
    if (a->ndim > 1) req[nreq++] = n;
    if (b->ndim > 1) req[nreq++] = m;
    remapped(ra, sizeof ra, a);
    remapped(rb, sizeof rb, b);
    numc_error_set(NUMC_ERR_VALUE,
                   "operands could not be broadcast together with remapped shapes "
                   "[original->remapped]: %s %s  and requested shape %s",
                   ra, rb, np_shape_str(rq, sizeof rq, nreq, req));
    return NULL;
}

numc_array *numc_matmul(const numc_array *a, const numc_array *b) {
    for (int i = 0; i < 2; i++) {
        const numc_array *v = i ? b : a;
        if (v->ndim == 0) {
            numc_error_set(NUMC_ERR_VALUE,
                           "matmul: Input operand %d does not have enough dimensions (has 0, "
                           "gufunc core with signature %s requires 1)",
                           i, MATMUL_SIG);
            return NULL;
        }
    }
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(a, b));
    if (dt == NUMC_DTYPE_NONE) return NULL;
    /* 1-D operands become a row (lhs) / column (rhs) and lose it again */
    int64_t as[NUMC_MAX_DIMS + 1], bs[NUMC_MAX_DIMS + 1];
    int an = a->ndim, bn = b->ndim;
    if (an == 1) {
        as[0] = 1;
        as[1] = a->shape[0];
        an = 2;
    } else {
        memcpy(as, a->shape, sizeof(int64_t) * (size_t)an);
    }
    if (bn == 1) {
        bs[0] = b->shape[0];
        bs[1] = 1;
        bn = 2;
    } else {
        memcpy(bs, b->shape, sizeof(int64_t) * (size_t)bn);
    }
    int64_t n = as[an - 2], k = as[an - 1], k2 = bs[bn - 2], m = bs[bn - 1];
    if (k != k2) {
        numc_error_set(NUMC_ERR_VALUE,
                       "matmul: Input operand 1 has a mismatch in its core dimension 0, with "
                       "gufunc signature %s (size %lld is different from %lld)",
                       MATMUL_SIG, (long long)k2, (long long)k);
        return NULL;
    }
    /* broadcast the batch dimensions */
    int na = an - 2, nbb = bn - 2, nb = na > nbb ? na : nbb;
    int64_t batch[NUMC_MAX_DIMS];
    for (int d = 0; d < nb; d++) {
        int64_t x = d - (nb - na) >= 0 ? as[d - (nb - na)] : 1;
        int64_t y = d - (nb - nbb) >= 0 ? bs[d - (nb - nbb)] : 1;
        if (x != y && x != 1 && y != 1) return batch_mismatch(a, b, n, m);
        batch[d] = x == 1 ? y : x;
    }
    int64_t fa[NUMC_MAX_DIMS + 1], fb[NUMC_MAX_DIMS + 1];
    memcpy(fa, batch, sizeof(int64_t) * (size_t)nb);
    memcpy(fb, batch, sizeof(int64_t) * (size_t)nb);
    fa[nb] = n;
    fa[nb + 1] = k;
    fb[nb] = k;
    fb[nb + 1] = m;
    if (nb + 2 > NUMC_MAX_DIMS) {
        numc_error_set(NUMC_ERR_VALUE, "matmul: too many dimensions");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *x = np_bcast(&s, np_reshape(&s, np_cvt(&s, a, dt), an, as), nb + 2, fa);
    numc_array *y = np_bcast(&s, np_reshape(&s, np_cvt(&s, b, dt), bn, bs), nb + 2, fb);
    int64_t lc = nb + 1, rc = nb, bd[NUMC_MAX_DIMS];
    for (int d = 0; d < nb; d++)
        bd[d] = d;
    numc_array *r = dot_general(&s, x, y, 1, &lc, &rc, nb, bd, bd);
    if (a->ndim == 1 || b->ndim == 1) {
        int64_t os[NUMC_MAX_DIMS + 2];
        int on = nb;
        memcpy(os, batch, sizeof(int64_t) * (size_t)nb);
        if (a->ndim > 1) os[on++] = n;
        if (b->ndim > 1) os[on++] = m;
        r = np_reshape(&s, r, on, os);
    }
    return np_ret(&s, r);
}

static numc_array *not_aligned(const numc_array *a, const numc_array *b, int da, int db) {
    char x[400], y[400];
    numc_error_set(NUMC_ERR_VALUE, "shapes %s and %s not aligned: %lld (dim %d) != %lld (dim %d)",
                   np_shape_str(x, sizeof x, a->ndim, a->shape),
                   np_shape_str(y, sizeof y, b->ndim, b->shape), (long long)a->shape[da], da,
                   (long long)b->shape[db], db);
    return NULL;
}

/* sum over a's axis da and b's axis db: a free dims then b free dims, as
 * np.dot / np.inner lay them out */
static numc_array *contract1(const numc_array *a, const numc_array *b, int64_t da, int64_t db,
                             bool conj_a) {
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(a, b));
    if (dt == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *x = np_cvt(&s, a, dt), *y = np_cvt(&s, b, dt);
    if (conj_a && numc_dt_is_complex(dt)) x = np_un(&s, NUMC_PRIM_CONJ, x);
    return np_ret(&s, dot_general(&s, x, y, 1, &da, &db, 0, NULL, NULL));
}

numc_array *numc_dot(const numc_array *a, const numc_array *b) {
    if (a->ndim == 0 || b->ndim == 0) return numc_multiply(a, b);
    int da = a->ndim - 1, db = b->ndim == 1 ? 0 : b->ndim - 2;
    if (a->shape[da] != b->shape[db]) return not_aligned(a, b, da, db);
    return contract1(a, b, da, db, false);
}

numc_array *numc_inner(const numc_array *a, const numc_array *b) {
    if (a->ndim == 0 || b->ndim == 0) return numc_multiply(a, b);
    int da = a->ndim - 1, db = b->ndim - 1;
    if (a->shape[da] != b->shape[db]) {
        /* NumPy moves b's last axis next to last and reports that shape */
        int64_t bs[NUMC_MAX_DIMS];
        memcpy(bs, b->shape, sizeof(int64_t) * (size_t)b->ndim);
        if (b->ndim > 1) {
            bs[b->ndim - 2] = b->shape[b->ndim - 1];
            bs[b->ndim - 1] = b->shape[b->ndim - 2];
        }
        char x[400], y[400];
        numc_error_set(
            NUMC_ERR_VALUE, "shapes %s and %s not aligned: %lld (dim %d) != %lld (dim %d)",
            np_shape_str(x, sizeof x, a->ndim, a->shape), np_shape_str(y, sizeof y, b->ndim, bs),
            (long long)a->shape[da], da, (long long)b->shape[db], b->ndim > 1 ? b->ndim - 2 : 0);
        return NULL;
    }
    return contract1(a, b, da, db, false);
}

numc_array *numc_vdot(const numc_array *a, const numc_array *b) {
    if (a->size != b->size) {
        numc_error_set(NUMC_ERR_VALUE, "cannot reshape array of size %lld into shape (%lld,)",
                       (long long)b->size, (long long)a->size);
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *x = np_ravel(&s, a), *y = np_ravel(&s, b);
    if (!x || !y) return np_ret(&s, NULL);
    return np_ret(&s, np_keep(&s, contract1(x, y, 0, 0, true)));
}

numc_array *numc_outer(const numc_array *a, const numc_array *b) {
    np_scope s;
    np_scope_init(&s);
    int64_t sa[2] = {a->size, 1}, sb[2] = {1, b->size};
    numc_array *x = np_reshape(&s, a, 2, sa), *y = np_reshape(&s, b, 2, sb);
    if (!x || !y) return np_ret(&s, NULL);
    return np_ret(&s, np_keep(&s, numc_multiply(x, y)));
}

numc_array *numc_tensordot(const numc_array *a, const numc_array *b, const int64_t *axes_a,
                           const int64_t *axes_b, int n) {
    int64_t la[NUMC_MAX_DIMS], lb[NUMC_MAX_DIMS];
    if (n < 0 || n > NUMC_MAX_DIMS) {
        numc_error_set(NUMC_ERR_VALUE, "shape-mismatch for sum");
        return NULL;
    }
    if (!axes_a) {
        /* tensordot(a, b, n): a's last n axes with b's first n */
        if (n > a->ndim || n > b->ndim) {
            numc_error_set(NUMC_ERR_VALUE, "shape-mismatch for sum");
            return NULL;
        }
        for (int k = 0; k < n; k++) {
            la[k] = a->ndim - n + k;
            lb[k] = k;
        }
    } else {
        for (int k = 0; k < n; k++) {
            if (np_norm_axis(axes_a[k], a->ndim, &la[k], NULL) ||
                np_norm_axis(axes_b[k], b->ndim, &lb[k], NULL))
                return NULL;
        }
    }
    for (int k = 0; k < n; k++) {
        if (a->shape[la[k]] != b->shape[lb[k]]) {
            numc_error_set(NUMC_ERR_VALUE, "shape-mismatch for sum");
            return NULL;
        }
    }
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(a, b));
    if (dt == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s,
                  dot_general(&s, np_cvt(&s, a, dt), np_cvt(&s, b, dt), n, la, lb, 0, NULL, NULL));
}
