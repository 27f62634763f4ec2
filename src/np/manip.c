/* manip.c — shape manipulation: reshape, ravel, transpose and friends,
 * expand_dims/squeeze, broadcasting, concatenate/stack/hstack/vstack, split
 * and flip, as layout primitives with NumPy's argument checks and errors. */
#include "np-impl.h"

#include <stdio.h>

numc_array *numc_reshape(const numc_array *a, int ndim, const int64_t *shape) {
    if (numc_check_ndim(ndim)) return NULL;
    int64_t out[NUMC_MAX_DIMS], known = 1;
    int unknown = -1;
    bool overflow = false;
    for (int d = 0; d < ndim; d++) {
        out[d] = shape[d];
        if (shape[d] < 0) {
            /* NumPy takes any negative entry as the unknown one */
            if (unknown >= 0) {
                numc_error_set(NUMC_ERR_VALUE, "can only specify one unknown dimension");
                return NULL;
            }
            unknown = d;
        } else if (__builtin_mul_overflow(known, shape[d], &known)) {
            overflow = true;
        }
    }
    for (int d = 0; d < ndim && overflow; d++)
        if (shape[d] == 0) overflow = false, known = 0; /* a zero dim wins over overflow */
    bool ok;
    if (overflow) {
        ok = false;
    } else if (unknown >= 0) {
        ok = known != 0 && a->size % known == 0;
        if (ok) out[unknown] = a->size / known;
    } else {
        ok = known == a->size;
    }
    if (!ok) {
        char msg[600];
        size_t k = (size_t)snprintf(msg, sizeof msg, "(");
        for (int d = 0; d < ndim && k < sizeof msg; d++) {
            if (d == unknown)
                k += (size_t)snprintf(msg + k, sizeof msg - k, "%snewaxis", d ? "," : "");
            else
                k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%lld", d ? "," : "",
                                      (long long)shape[d]);
        }
        if (k < sizeof msg) snprintf(msg + k, sizeof msg - k, ndim == 1 ? ",)" : ")");
        numc_error_set(NUMC_ERR_VALUE, "cannot reshape array of size %lld into shape %s",
                       (long long)a->size, msg);
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_reshape(&s, a, ndim, out));
}

numc_array *numc_ravel(const numc_array *a) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_ravel(&s, a));
}

numc_array *numc_transpose(const numc_array *a, const int64_t *perm, int nperm) {
    int64_t p[NUMC_MAX_DIMS];
    bool seen[NUMC_MAX_DIMS] = {false};
    if (!perm) {
        for (int d = 0; d < a->ndim; d++)
            p[d] = a->ndim - 1 - d;
    } else {
        if (nperm != a->ndim) {
            numc_error_set(NUMC_ERR_VALUE, "axes don't match array");
            return NULL;
        }
        for (int d = 0; d < nperm; d++) {
            if (np_norm_axis(perm[d], a->ndim, &p[d], NULL)) return NULL;
            if (seen[p[d]]) {
                numc_error_set(NUMC_ERR_VALUE, "repeated axis in transpose");
                return NULL;
            }
            seen[p[d]] = true;
        }
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_transpose(&s, a, p));
}

numc_array *numc_matrix_transpose(const numc_array *a) {
    if (a->ndim < 2) {
        numc_error_set(NUMC_ERR_VALUE, "Input array must be at least 2-dimensional, but it is %d",
                       a->ndim);
        return NULL;
    }
    int64_t p[NUMC_MAX_DIMS];
    for (int d = 0; d < a->ndim; d++)
        p[d] = d;
    p[a->ndim - 2] = a->ndim - 1;
    p[a->ndim - 1] = a->ndim - 2;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_transpose(&s, a, p));
}

numc_array *numc_swapaxes(const numc_array *a, int64_t a1, int64_t a2) {
    int64_t x, y, p[NUMC_MAX_DIMS];
    if (np_norm_axis(a1, a->ndim, &x, "axis1: ") || np_norm_axis(a2, a->ndim, &y, "axis2: "))
        return NULL;
    for (int d = 0; d < a->ndim; d++)
        p[d] = d;
    p[x] = y;
    p[y] = x;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_transpose(&s, a, p));
}

static numc_status norm_axis_list(const int64_t *in, int n, int ndim, int64_t *out,
                                  const char *what) {
    bool seen[NUMC_MAX_DIMS + 1] = {false};
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s: ", what);
    for (int k = 0; k < n; k++) {
        if (np_norm_axis(in[k], ndim, &out[k], prefix)) return numc_error_kind();
        if (seen[out[k]])
            return numc_error_set(NUMC_ERR_VALUE, "repeated axis in `%s` argument", what);
        seen[out[k]] = true;
    }
    return NUMC_OK;
}

numc_array *numc_moveaxis(const numc_array *a, const int64_t *src, const int64_t *dst, int n) {
    int64_t s_[NUMC_MAX_DIMS + 1], d_[NUMC_MAX_DIMS + 1], order[NUMC_MAX_DIMS];
    /* more axes than dimensions must repeat one: the checks below say which */
    if (n > a->ndim) n = a->ndim + 1;
    if (norm_axis_list(src, n, a->ndim, s_, "source") ||
        norm_axis_list(dst, n, a->ndim, d_, "destination"))
        return NULL;
    /* NumPy: the untouched axes in order, then each source inserted at its
     * destination in increasing destination order */
    bool moved[NUMC_MAX_DIMS] = {false};
    int64_t placed[NUMC_MAX_DIMS];
    for (int k = 0; k < n; k++)
        moved[s_[k]] = true;
    for (int d = 0; d < a->ndim; d++)
        placed[d] = -1;
    for (int k = 0; k < n; k++)
        placed[d_[k]] = s_[k];
    int next = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (placed[d] >= 0) {
            order[d] = placed[d];
            continue;
        }
        while (moved[next])
            next++;
        order[d] = next++;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_transpose(&s, a, order));
}

numc_array *numc_expand_dims(const numc_array *a, const int64_t *axes, int naxes) {
    int nd = a->ndim + naxes;
    if (numc_check_ndim(nd)) return NULL;
    bool is_new[NUMC_MAX_DIMS] = {false};
    for (int k = 0; k < naxes; k++) {
        int64_t ax;
        if (np_norm_axis(axes[k], nd, &ax, NULL)) return NULL;
        if (is_new[ax]) {
            numc_error_set(NUMC_ERR_VALUE, "repeated axis");
            return NULL;
        }
        is_new[ax] = true;
    }
    int64_t shape[NUMC_MAX_DIMS];
    for (int d = 0, j = 0; d < nd; d++)
        shape[d] = is_new[d] ? 1 : a->shape[j++];
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_reshape(&s, a, nd, shape));
}

numc_array *numc_squeeze(const numc_array *a, const int64_t *axes, int naxes) {
    bool drop[NUMC_MAX_DIMS] = {false};
    if (!axes) {
        for (int d = 0; d < a->ndim; d++)
            drop[d] = a->shape[d] == 1;
    } else {
        int64_t ax[NUMC_MAX_DIMS];
        int n;
        if (np_norm_axes(axes, naxes, a->ndim, ax, &n)) return NULL;
        for (int k = 0; k < n; k++) {
            if (a->shape[ax[k]] != 1) {
                numc_error_set(NUMC_ERR_VALUE, "cannot select an axis to squeeze out which has "
                                               "size not equal to one");
                return NULL;
            }
            drop[ax[k]] = true;
        }
    }
    int64_t shape[NUMC_MAX_DIMS];
    int nd = 0;
    for (int d = 0; d < a->ndim; d++)
        if (!drop[d]) shape[nd++] = a->shape[d];
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_reshape(&s, a, nd, shape));
}

numc_array *numc_broadcast_to(const numc_array *a, int ndim, const int64_t *shape) {
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) {
            numc_error_set(NUMC_ERR_VALUE, "all elements of broadcast shape must be non-negative");
            return NULL;
        }
    }
    if (ndim < a->ndim) {
        numc_error_set(NUMC_ERR_VALUE,
                       "input operand has more dimensions than allowed by the axis remapping");
        return NULL;
    }
    for (int d = 0; d < a->ndim; d++) {
        int64_t v = a->shape[d];
        if (v != 1 && v != shape[ndim - a->ndim + d]) {
            char x[400], y[400];
            numc_error_set(NUMC_ERR_VALUE,
                           "operands could not be broadcast together with remapped shapes "
                           "[original->remapped]: %s  and requested shape %s",
                           np_shape_str(x, sizeof x, a->ndim, a->shape),
                           np_shape_str(y, sizeof y, ndim, shape));
            return NULL;
        }
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_bcast(&s, a, ndim, shape));
}

numc_status numc_broadcast_arrays(int n, const numc_array *const *in, numc_array **out) {
    int nd = 0, setter[NUMC_MAX_DIMS];
    int64_t shape[NUMC_MAX_DIMS];
    for (int i = 0; i < n; i++)
        if (in[i]->ndim > nd) nd = in[i]->ndim;
    for (int d = 0; d < nd; d++) {
        shape[d] = 1;
        setter[d] = -1;
    }
    for (int i = 0; i < n; i++) {
        for (int d = 0; d < in[i]->ndim; d++) {
            int o = nd - in[i]->ndim + d;
            int64_t v = in[i]->shape[d];
            if (v == 1 || v == shape[o]) continue;
            if (shape[o] == 1) {
                shape[o] = v;
                setter[o] = i;
                continue;
            }
            const numc_array *f = in[setter[o]];
            char x[400], y[400];
            return numc_error_set(NUMC_ERR_VALUE,
                                  "shape mismatch: objects cannot be broadcast to a single "
                                  "shape.  Mismatch is between arg %d with shape %s and arg %d "
                                  "with shape %s.",
                                  setter[o], np_tuple_str(x, sizeof x, f->ndim, f->shape), i,
                                  np_tuple_str(y, sizeof y, in[i]->ndim, in[i]->shape));
        }
    }
    np_scope s;
    np_scope_init(&s);
    for (int i = 0; i < n; i++) {
        numc_array *r = np_bcast(&s, in[i], nd, shape);
        out[i] = np_new_ref(r);
        if (!out[i]) {
            np_release_n(out, i);
            np_scope_end(&s);
            return numc_error_kind();
        }
    }
    np_scope_end(&s);
    return NUMC_OK;
}

/* in[] converted to their common dtype and joined along `axis`; the checks
 * are the caller's */
static numc_array *join(np_scope *s, int n, const numc_array *const *in, int64_t axis) {
    numc_dtype dt = numc_result_type(n, in);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    const numc_array **conv = malloc(sizeof(*conv) * (size_t)n);
    if (!conv) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        conv[i] = np_cvt(s, in[i], dt);
    numc_array *r;
    if (n == 1) {
        r = (numc_array *)conv[0];
    } else {
        numc_params pr = {.n = 1, .i = {axis}};
        r = np_bind(s, NUMC_PRIM_CONCATENATE, n, conv, &pr);
    }
    free(conv);
    return r;
}

numc_array *numc_concatenate(int n, const numc_array *const *in, const int64_t *axis) {
    if (n <= 0) {
        numc_error_set(NUMC_ERR_VALUE, "need at least one array to concatenate");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    if (!axis) {
        const numc_array **flat = malloc(sizeof(*flat) * (size_t)n);
        if (!flat) {
            numc_error_set(NUMC_ERR_MEMORY, "out of memory");
            return np_ret(&s, NULL);
        }
        bool ok = true;
        for (int i = 0; i < n; i++)
            ok &= (flat[i] = np_ravel(&s, in[i])) != NULL;
        numc_array *r = ok ? join(&s, n, flat, 0) : NULL;
        free(flat);
        return np_ret(&s, r);
    }
    const numc_array *f = in[0];
    if (f->ndim == 0) {
        numc_error_set(NUMC_ERR_VALUE, "zero-dimensional arrays cannot be concatenated");
        return np_ret(&s, NULL);
    }
    int64_t ax;
    if (np_norm_axis(*axis, f->ndim, &ax, NULL)) return np_ret(&s, NULL);
    for (int i = 1; i < n; i++) {
        if (in[i]->ndim != f->ndim) {
            numc_error_set(NUMC_ERR_VALUE,
                           "all the input arrays must have same number of dimensions, but the "
                           "array at index 0 has %d dimension(s) and the array at index %d has "
                           "%d dimension(s)",
                           f->ndim, i, in[i]->ndim);
            return np_ret(&s, NULL);
        }
        for (int d = 0; d < f->ndim; d++) {
            if (d != ax && in[i]->shape[d] != f->shape[d]) {
                numc_error_set(NUMC_ERR_VALUE,
                               "all the input array dimensions except for the concatenation "
                               "axis must match exactly, but along dimension %d, the array at "
                               "index 0 has size %lld and the array at index %d has size %lld",
                               d, (long long)f->shape[d], i, (long long)in[i]->shape[d]);
                return np_ret(&s, NULL);
            }
        }
    }
    return np_ret(&s, join(&s, n, in, ax));
}

numc_array *numc_stack(int n, const numc_array *const *in, int64_t axis) {
    if (n <= 0) {
        numc_error_set(NUMC_ERR_VALUE, "need at least one array to stack");
        return NULL;
    }
    for (int i = 1; i < n; i++) {
        if (!np_same_shape(in[i], in[0])) {
            numc_error_set(NUMC_ERR_VALUE, "all input arrays must have the same shape");
            return NULL;
        }
    }
    int nd = in[0]->ndim + 1;
    int64_t ax;
    if (np_norm_axis(axis, nd, &ax, NULL)) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    for (int d = 0, j = 0; d < nd; d++)
        shape[d] = d == ax ? 1 : in[0]->shape[j++];
    np_scope s;
    np_scope_init(&s);
    const numc_array **ex = malloc(sizeof(*ex) * (size_t)n);
    if (!ex) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        return np_ret(&s, NULL);
    }
    bool ok = true;
    for (int i = 0; i < n; i++)
        ok &= (ex[i] = np_reshape(&s, in[i], nd, shape)) != NULL;
    numc_array *r = ok ? join(&s, n, ex, ax) : NULL;
    free(ex);
    return np_ret(&s, r);
}

/* atleast_1d / atleast_2d then concatenate along `axis` */
static numc_array *stack_atleast(int n, const numc_array *const *in, int min_nd, int64_t axis) {
    if (n <= 0) {
        numc_error_set(NUMC_ERR_VALUE, "need at least one array to concatenate");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array **v = malloc(sizeof(*v) * (size_t)n);
    if (!v) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        return np_ret(&s, NULL);
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const numc_array *a = in[i];
        if (a->ndim >= min_nd) {
            v[i] = a;
            continue;
        }
        int64_t shape[2] = {1, 1};
        if (a->ndim == 1) shape[min_nd - 1] = a->shape[0];
        ok &= (v[i] = np_reshape(&s, a, min_nd, shape)) != NULL;
    }
    numc_array *r = NULL;
    if (ok) {
        int64_t ax = min_nd == 1 && v[0]->ndim == 1 ? 0 : axis;
        r = np_keep(&s, numc_concatenate(n, v, &ax));
    }
    free(v);
    return np_ret(&s, r);
}

numc_array *numc_hstack(int n, const numc_array *const *in) {
    return stack_atleast(n, in, 1, 1);
}

numc_array *numc_vstack(int n, const numc_array *const *in) {
    return stack_atleast(n, in, 2, 0);
}

/* a[lo:hi] along axis (lo <= hi, both within the axis) */
/* a Python slice bound, clipped as a[i:] clips it */
static int64_t clip_bound(int64_t i, int64_t n) {
    if (i < 0) i += n;
    return i < 0 ? 0 : i > n ? n : i;
}

numc_status numc_split(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                       int64_t axis, numc_array ***out, int *nout) {
    *out = NULL;
    *nout = 0;
    if (!indices && sections == 0)
        return numc_error_set(NUMC_ERR_ZERO_DIVISION, "integer modulo by zero");
    if (!indices && sections < 0)
        return numc_error_set(NUMC_ERR_VALUE, "number sections must be larger than 0.");
    /* np.split indexes a.shape[axis] in Python: a bad axis is an IndexError */
    if (axis < -a->ndim || axis >= a->ndim)
        return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range");
    int64_t ax = axis < 0 ? axis + a->ndim : axis;
    int64_t len = a->shape[ax];
    if (sections > 0 && len % sections)
        return numc_error_set(NUMC_ERR_VALUE, "array split does not result in an equal division");
    int64_t nparts = sections > 0 ? sections : (int64_t)nindices + 1;
    if (nparts > (1 << 24)) return numc_error_set(NUMC_ERR_VALUE, "too many sections");
    numc_array **res = calloc((size_t)nparts, sizeof(*res));
    if (!res) return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    np_scope s;
    np_scope_init(&s);
    for (int64_t k = 0; k < nparts; k++) {
        int64_t lo, hi;
        if (sections > 0) {
            lo = k * (len / sections);
            hi = lo + len / sections;
        } else {
            lo = k == 0 ? 0 : clip_bound(indices[k - 1], len);
            hi = k == nparts - 1 ? len : clip_bound(indices[k], len);
            if (hi < lo) hi = lo;
        }
        numc_array *p = np_axis_slice(&s, a, (int)ax, lo, hi);
        res[k] = p ? numc_array_retain(p) : NULL;
        np_scope_end(&s);
        if (!res[k]) {
            np_release_n(res, k);
            free(res);
            return numc_error_kind();
        }
    }
    *out = res;
    *nout = (int)nparts;
    return NUMC_OK;
}

numc_array *numc_flip(const numc_array *a, const int64_t *axes, int naxes) {
    int64_t ax[NUMC_MAX_DIMS];
    int n = 0;
    if (!axes) {
        for (int d = 0; d < a->ndim; d++)
            ax[n++] = d;
    } else {
        bool seen[NUMC_MAX_DIMS] = {false};
        for (int k = 0; k < naxes; k++) {
            if (np_norm_axis(axes[k], a->ndim, &ax[n], NULL)) return NULL;
            if (seen[ax[n]]) {
                numc_error_set(NUMC_ERR_VALUE, "repeated axis");
                return NULL;
            }
            seen[ax[n++]] = true;
        }
    }
    np_scope s;
    np_scope_init(&s);
    if (n == 0) return np_ret(&s, a);
    numc_params pr = {.n = n};
    for (int k = 0; k < n; k++)
        pr.i[k] = ax[k];
    return np_ret(&s, np_bind(&s, NUMC_PRIM_REV, 1, NP_ARRAY_OF(a), &pr));
}
