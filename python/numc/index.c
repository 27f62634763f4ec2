/* index.c — ndarray.__getitem__ / __setitem__ with NumPy's rules: integers,
 * slices with steps, Ellipsis, None, integer and boolean arrays (advanced
 * indexing, broadcasting the index arrays and placing their dims the way NumPy
 * does). Eager values take a C fast path (one view header, no numc_bind);
 * traced or taped values go through numc_slice / numc_take / numc_reshape so
 * transforms see every step. A traced 0-d integer index (a loop counter under
 * numc.function, a vmapped index) is a gather on its axis. Assignment
 * computes the functional update and writes in place only when nothing else
 * can observe the buffer. */
#include "pynumc.h"

#include "core/core-impl.h"
#include "interp/interp.h"

int pynumc_is_eager(const numc_array *a) {
    return a->owner == NULL && a->buffer != NULL && numc_interp_current() == numc_interp_eager();
}

enum { IX_INT, IX_SLICE, IX_NEWAXIS, IX_ELLIPSIS, IX_ARRAY, IX_MASK, IX_BOOL };

typedef struct {
    int kind;
    int64_t i;       /* IX_INT value, IX_BOOL value */
    PyObject *slice; /* IX_SLICE (borrowed) */
    numc_array *arr; /* IX_ARRAY / IX_MASK (owned) */
} ixitem;

typedef struct {
    int n;
    ixitem it[NUMC_MAX_DIMS * 2 + 2];
    int n_adv;    /* arrays, masks, bool scalars */
    int n_traced; /* of which traced 0-d integers */
} ixkey;

static void key_free(ixkey *k) {
    for (int i = 0; i < k->n; i++)
        if (k->it[i].arr) numc_array_release(k->it[i].arr);
}

static int bad_index(void) {
    PyErr_SetString(PyExc_IndexError,
                    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                    "integer or boolean arrays are valid indices");
    return -1;
}

static int parse_item(PyObject *o, ixitem *it, ixkey *k) {
    it->arr = NULL;
    if (PyLong_CheckExact(o)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_IndexError, "cannot fit 'int' into an index-sized integer");
            return -1;
        }
        it->kind = IX_INT;
        it->i = v;
        return 0;
    }
    if (PySlice_Check(o)) {
        it->kind = IX_SLICE;
        it->slice = o;
        return 0;
    }
    if (o == Py_None) {
        it->kind = IX_NEWAXIS;
        return 0;
    }
    if (o == Py_Ellipsis) {
        it->kind = IX_ELLIPSIS;
        return 0;
    }
    if (PyBool_Check(o)) {
        it->kind = IX_BOOL;
        it->i = o == Py_True;
        k->n_adv++;
        return 0;
    }
    int is_arraylike =
        NumcArray_Check(o) || PyList_Check(o) || PyTuple_Check(o) || pynumc_is_numpy_object(o);
    if (!is_arraylike) {
        if (PyIndex_Check(o) && !PyFloat_Check(o)) {
            Py_ssize_t v = PyNumber_AsSsize_t(o, PyExc_IndexError);
            if (v == -1 && PyErr_Occurred()) return -1;
            it->kind = IX_INT;
            it->i = v;
            return 0;
        }
        return bad_index();
    }
    numc_array *a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    if (!a) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            return bad_index();
        }
        return -1;
    }
    numc_dtype dt = numc_array_dtype(a);
    char kind = numc_dtype_kind(dt);
    if (kind == 'f' && numc_array_size(a) == 0 && !NumcArray_Check(o) &&
        (PyList_Check(o) || PyTuple_Check(o))) {
        numc_array *c = numc_astype(a, NUMC_INT64); /* [] indexes like an empty intp array */
        numc_array_release(a);
        if (!c) return pynumc_raise(), -1;
        a = c;
        kind = 'i';
    }
    if (kind == 'b') {
        if (numc_array_ndim(a) == 0) {
            if (!a->buffer) {
                /* a[b] adds an axis of length b: a shape that depends on data */
                numc_tracer_check(a, "bool");
                numc_array_release(a);
                return pynumc_raise(), -1;
            }
            PyObject *v = pynumc_item(a, 0);
            numc_array_release(a);
            if (!v) return -1;
            it->kind = IX_BOOL;
            it->i = v == Py_True;
            Py_DECREF(v);
        } else {
            it->kind = IX_MASK;
            it->arr = a;
        }
        k->n_adv++;
        return 0;
    }
    if (kind != 'i' && kind != 'u') {
        numc_array_release(a);
        PyErr_SetString(PyExc_IndexError,
                        "arrays used as indices must be of integer (or boolean) type");
        return -1;
    }
    if (numc_array_ndim(a) == 0 && !PyList_Check(o) && !PyTuple_Check(o) && !a->buffer) {
        /* a traced integer (the fori_loop counter under numc.function, a
         * vmapped index): a 0-d index array, which selects what the integer
         * would and adds no axis. apply_advanced gathers with numc_take on
         * its axis, which wraps negatives as where(i < 0, i + n, i) in numc
         * ops (with other index arrays the flat index is built the same
         * way), so x[i], x[i, 1:], x[:, i] trace, batch and differentiate.
         * An out-of-range value is reported by the gather when it runs. */
        if (numc_tracer_kind_of(a) == NUMC_TRACER_LEAKED) {
            numc_tracer_check(a, "index");
            numc_array_release(a);
            return pynumc_raise(), -1;
        }
        it->kind = IX_ARRAY;
        it->arr = a;
        k->n_adv++;
        k->n_traced++;
        return 0;
    }
    if (numc_array_ndim(a) == 0 && !PyList_Check(o) && !PyTuple_Check(o)) {
        /* 0-d integer arrays index like integers */
        PyObject *v = pynumc_item(a, 0);
        numc_array_release(a);
        if (!v) return -1;
        it->kind = IX_INT;
        it->i = PyLong_AsLongLong(v);
        Py_DECREF(v);
        return PyErr_Occurred() ? -1 : 0;
    }
    it->kind = IX_ARRAY;
    it->arr = a;
    k->n_adv++;
    return 0;
}

/* Parses key and expands the Ellipsis; checks the count against ndim. */
static int parse_key(PyObject *key, int ndim, ixkey *k) {
    k->n = 0;
    k->n_adv = 0;
    k->n_traced = 0;
    PyObject *const *items = &key;
    Py_ssize_t n = 1;
    if (PyTuple_Check(key)) {
        items = &PyTuple_GET_ITEM(key, 0);
        n = PyTuple_GET_SIZE(key);
    }
    if (n > NUMC_MAX_DIMS * 2) {
        PyErr_Format(PyExc_IndexError,
                     "too many indices for array: array is %d-dimensional, but "
                     "%zd were indexed",
                     ndim, n);
        return -1;
    }
    int consumed = 0, ellipsis = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        ixitem *it = &k->it[k->n];
        if (parse_item(items[i], it, k) < 0) {
            key_free(k);
            return -1;
        }
        k->n++;
        switch (it->kind) {
        case IX_ELLIPSIS:
            if (ellipsis >= 0) {
                key_free(k);
                PyErr_SetString(PyExc_IndexError,
                                "an index can only have a single ellipsis ('...')");
                return -1;
            }
            ellipsis = k->n - 1;
            break;
        case IX_NEWAXIS:
        case IX_BOOL:
            break;
        case IX_MASK:
            consumed += numc_array_ndim(it->arr);
            break;
        default:
            consumed++;
            break;
        }
    }
    if (consumed > ndim) {
        key_free(k);
        PyErr_Format(PyExc_IndexError,
                     "too many indices for array: array is %d-dimensional, but "
                     "%d were indexed",
                     ndim, consumed);
        return -1;
    }
    /* the Ellipsis (explicit or implied at the end) becomes full slices */
    int fill = ndim - consumed;
    int at = ellipsis >= 0 ? ellipsis : k->n;
    if (ellipsis >= 0) {
        memmove(&k->it[at], &k->it[at + 1], (size_t)(k->n - at - 1) * sizeof(ixitem));
        k->n--;
    }
    if (fill > 0) {
        if (ellipsis >= 0)
            memmove(&k->it[at + fill], &k->it[at], (size_t)(k->n - at) * sizeof(ixitem));
        for (int j = 0; j < fill; j++) {
            k->it[at + j].kind = IX_SLICE;
            k->it[at + j].slice = NULL; /* ':' */
            k->it[at + j].arr = NULL;
        }
        k->n += fill;
    }
    return 0;
}

static int index_error(int64_t i, int axis, int64_t n) {
    PyErr_Format(PyExc_IndexError, "index %lld is out of bounds for axis %d with size %lld",
                 (long long)i, axis, (long long)n);
    return -1;
}

/* Slice bounds for a dim of length n: start, step and count. */
static int slice_bounds(PyObject *s, int64_t n, int64_t *start, int64_t *step, int64_t *len) {
    if (!s) {
        *start = 0;
        *step = 1;
        *len = n;
        return 0;
    }
    Py_ssize_t st, sp, sk;
    if (PySlice_Unpack(s, &st, &sp, &sk) < 0) return -1;
    *len = PySlice_AdjustIndices((Py_ssize_t)n, &st, &sp, sk);
    *start = st;
    *step = sk;
    return 0;
}

/* Geometry of a basic index (ints, slices, newaxis only) applied to a value of
 * the given shape/strides: out shape/strides, element offset delta, and the
 * per-input-dim (start, step, len) used by the traced path. */
typedef struct {
    int ndim;
    int64_t shape[NUMC_MAX_DIMS], strides[NUMC_MAX_DIMS];
    int64_t offset;
    int64_t start[NUMC_MAX_DIMS], step[NUMC_MAX_DIMS], len[NUMC_MAX_DIMS];
} basicgeo;

static int basic_geometry(const ixkey *k, int ndim, const int64_t *shape, const int64_t *strides,
                          basicgeo *g) {
    int d = 0;
    g->ndim = 0;
    g->offset = 0;
    for (int j = 0; j < k->n; j++) {
        const ixitem *it = &k->it[j];
        if (it->kind == IX_NEWAXIS) {
            if (g->ndim >= NUMC_MAX_DIMS) goto too_many;
            g->shape[g->ndim] = 1;
            g->strides[g->ndim++] = 0;
            continue;
        }
        int64_t n = shape[d];
        if (it->kind == IX_INT) {
            int64_t i = it->i < 0 ? it->i + n : it->i;
            if (i < 0 || i >= n) return index_error(it->i, d, n);
            g->offset += i * strides[d];
            g->start[d] = i;
            g->step[d] = 1;
            g->len[d] = -1; /* dropped */
        } else {
            int64_t st, sk, len;
            if (slice_bounds(it->slice, n, &st, &sk, &len) < 0) return -1;
            if (g->ndim >= NUMC_MAX_DIMS) goto too_many;
            g->shape[g->ndim] = len;
            g->strides[g->ndim++] = len > 1 ? strides[d] * sk : strides[d];
            if (len > 0) g->offset += st * strides[d];
            g->start[d] = st;
            g->step[d] = sk;
            g->len[d] = len;
        }
        d++;
    }
    return 0;
too_many:
    PyErr_Format(PyExc_IndexError, "numc arrays support at most %d dimensions", NUMC_MAX_DIMS);
    return -1;
}

/* The traced form of a basic index: slice (positive steps), flip the
 * negative-step axes, reshape to drop integer axes and add new ones. */
static numc_array *basic_traced(numc_array *a, const basicgeo *g) {
    int nd = numc_array_ndim(a);
    int64_t start[NUMC_MAX_DIMS], stop[NUMC_MAX_DIMS], step[NUMC_MAX_DIMS], flip[NUMC_MAX_DIMS];
    int nflip = 0, trivial = 1;
    const int64_t *shape = numc_array_shape(a);
    for (int d = 0; d < nd; d++) {
        int64_t len = g->len[d] < 0 ? 1 : g->len[d];
        int64_t s = g->start[d], k = g->step[d];
        if (len == 0) {
            start[d] = stop[d] = 0;
            step[d] = 1;
        } else if (k > 0) {
            start[d] = s;
            stop[d] = s + (len - 1) * k + 1;
            step[d] = k;
        } else {
            start[d] = s + (len - 1) * k;
            stop[d] = s + 1;
            step[d] = -k;
            if (len > 1) flip[nflip++] = d;
        }
        if (start[d] != 0 || stop[d] != shape[d] || step[d] != 1) trivial = 0;
    }
    numc_array *r = trivial ? numc_array_retain(a) : numc_slice(a, start, stop, step);
    if (r && nflip) {
        numc_array *f = numc_flip(r, flip, nflip);
        numc_array_release(r);
        r = f;
    }
    if (!r) return (numc_array *)pynumc_raise();
    int same = g->ndim == nd;
    for (int i = 0; same && i < nd; i++)
        same = numc_array_shape(r)[i] == g->shape[i];
    if (!same) {
        numc_array *s = numc_reshape(r, g->ndim, g->shape);
        numc_array_release(r);
        r = s;
        if (!r) pynumc_raise();
    }
    return r;
}

static numc_array *apply_basic(numc_array *a, const ixkey *k) {
    basicgeo g;
    if (basic_geometry(k, numc_array_ndim(a), numc_array_shape(a), numc_array_strides(a), &g) < 0)
        return NULL;
    if (pynumc_is_eager(a)) {
        numc_array *r = numc_array_view(a, g.ndim, g.shape, g.strides, a->offset + g.offset);
        if (!r) pynumc_raise();
        return r;
    }
    return basic_traced(a, &g);
}

/* ---- nonzero (eager only: the output shape depends on the data) ---- */

int pynumc_nonzero(numc_array *a, numc_array **out) {
    int nd = numc_array_ndim(a);
    numc_array *b = a;
    if (numc_array_dtype(a) != NUMC_BOOL) {
        numc_array *zero = numc_scalar_bool(false);
        b = zero ? numc_not_equal(a, zero) : NULL;
        if (zero) numc_array_release(zero);
        if (!b) return pynumc_raise(), -1;
    }
    uint8_t *host = pynumc_host_copy(b);
    if (b != a) numc_array_release(b);
    if (!host) return -1;
    int64_t size = numc_array_size(a), count = 0;
    for (int64_t i = 0; i < size; i++)
        count += host[i] != 0;
    int outnd = nd ? nd : 1;
    int64_t *idx = malloc((size_t)(count ? count : 1) * (size_t)outnd * sizeof(int64_t));
    if (!idx) {
        free(host);
        PyErr_NoMemory();
        return -1;
    }
    const int64_t *shape = numc_array_shape(a);
    int64_t c = 0;
    for (int64_t i = 0; i < size; i++) {
        if (!host[i]) continue;
        int64_t rem = i;
        for (int d = nd - 1; d >= 0; d--) {
            idx[(int64_t)d * count + c] = rem % shape[d];
            rem /= shape[d];
        }
        if (nd == 0) idx[c] = 0;
        c++;
    }
    free(host);
    int ok = 0;
    for (int d = 0; d < outnd; d++) {
        out[d] = numc_array_from_data(NUMC_INT64, 1, &count, idx + (int64_t)d * count);
        if (!out[d]) {
            for (int j = 0; j < d; j++)
                numc_array_release(out[j]);
            ok = -1;
            pynumc_raise();
            break;
        }
    }
    free(idx);
    return ok;
}

/* ---- advanced indexing ---- */

/* Wraps negatives and checks bounds of one concrete index array (host), and
 * accumulates idx * mult into flat. */
static int accumulate_flat(numc_array *ix, int64_t dim, int axis, int64_t mult, int64_t *flat,
                           int64_t n) {
    numc_array *c = ix;
    if (numc_array_dtype(ix) != NUMC_INT64) {
        c = numc_astype(ix, NUMC_INT64);
        if (!c) return pynumc_raise(), -1;
    }
    int64_t *h = pynumc_host_copy(c);
    if (c != ix) numc_array_release(c);
    if (!h) return -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = h[i];
        if (v < 0) v += dim;
        if (v < 0 || v >= dim) {
            int64_t bad = h[i];
            free(h);
            return index_error(bad, axis, dim);
        }
        flat[i] += v * mult;
    }
    free(h);
    return 0;
}

static numc_array *apply_advanced(numc_array *a, ixkey *k) {
    const int64_t *shape = numc_array_shape(a);
    /* 1. expand masks into one index array per dim (nonzero), bool scalars into
     *    a new axis indexed by [0] or []; integers become 0-d index arrays */
    ixkey basic;
    basic.n = 0;
    basic.n_adv = 0;
    numc_array *adv[NUMC_MAX_DIMS * 2];
    int adv_src_dim[NUMC_MAX_DIMS * 2], adv_pos[NUMC_MAX_DIMS * 2];
    int nadv = 0, d = 0, xdim = 0;
    numc_array *res = NULL, *x = NULL, *flat = NULL;
    numc_array *bc[NUMC_MAX_DIMS * 2];
    int nbc = 0;
    for (int j = 0; j < k->n; j++) {
        ixitem *it = &k->it[j];
        ixitem *b = &basic.it[basic.n];
        b->arr = NULL;
        if (nadv >= NUMC_MAX_DIMS * 2 - 1 || basic.n >= NUMC_MAX_DIMS * 2) {
            PyErr_SetString(PyExc_IndexError, "too many indices");
            goto fail;
        }
        switch (it->kind) {
        case IX_NEWAXIS:
            b->kind = IX_NEWAXIS;
            basic.n++;
            xdim++;
            break;
        case IX_SLICE:
            *b = *it;
            b->arr = NULL;
            basic.n++;
            d++;
            xdim++;
            break;
        case IX_INT: {
            int64_t v = it->i < 0 ? it->i + shape[d] : it->i;
            if (v < 0 || v >= shape[d]) {
                index_error(it->i, d, shape[d]);
                goto fail;
            }
            static const int64_t noshape[1];
            adv[nadv] = numc_array_from_data(NUMC_INT64, 0, noshape, &v);
            if (!adv[nadv]) goto numc_fail;
            adv_src_dim[nadv] = d;
            adv_pos[nadv++] = xdim++;
            b->kind = IX_SLICE;
            b->slice = NULL;
            basic.n++;
            d++;
            break;
        }
        case IX_ARRAY:
            adv[nadv] = numc_array_retain(it->arr);
            adv_src_dim[nadv] = d;
            adv_pos[nadv++] = xdim++;
            b->kind = IX_SLICE;
            b->slice = NULL;
            basic.n++;
            d++;
            break;
        case IX_BOOL: {
            int64_t cnt = it->i ? 1 : 0, zero = 0;
            adv[nadv] = numc_array_from_data(NUMC_INT64, 1, &cnt, &zero);
            if (!adv[nadv]) goto numc_fail;
            adv_src_dim[nadv] = -1;
            adv_pos[nadv++] = xdim++;
            b->kind = IX_NEWAXIS;
            basic.n++;
            break;
        }
        case IX_MASK: {
            int mnd = numc_array_ndim(it->arr);
            const int64_t *mshape = numc_array_shape(it->arr);
            for (int m = 0; m < mnd; m++)
                if (mshape[m] != shape[d + m]) {
                    PyErr_Format(PyExc_IndexError,
                                 "boolean index did not match indexed array along axis %d; size "
                                 "of axis is %lld but size of corresponding boolean axis is %lld",
                                 d + m, (long long)shape[d + m], (long long)mshape[m]);
                    goto fail;
                }
            if (!pynumc_is_eager(it->arr) && it->arr->owner != NULL) {
                PyErr_SetString(PyExc_NotImplementedError,
                                "boolean mask indexing needs concrete values (its result shape "
                                "depends on the data); it is not available under numc.function");
                goto fail;
            }
            if (pynumc_nonzero(it->arr, &adv[nadv]) < 0) goto fail;
            for (int m = 0; m < mnd; m++) {
                adv_src_dim[nadv] = d;
                adv_pos[nadv++] = xdim++;
                b = &basic.it[basic.n++];
                b->kind = IX_SLICE;
                b->slice = NULL;
                b->arr = NULL;
                d++;
            }
            break;
        }
        default:
            break;
        }
    }
    /* 2. the basic part (slices and new axes) */
    x = apply_basic(a, &basic);
    if (!x) goto fail;
    /* 3. broadcast the index arrays together */
    if (numc_broadcast_arrays(nadv, (const numc_array *const *)adv, bc) != NUMC_OK) {
        PyErr_SetString(PyExc_IndexError, "shape mismatch: indexing arrays could not be "
                                          "broadcast together");
        numc_error_clear();
        goto fail;
    }
    nbc = nadv;
    int adjacent = 1;
    for (int j = 1; j < nadv; j++)
        adjacent &= adv_pos[j] == adv_pos[j - 1] + 1;
    int p = adjacent ? adv_pos[0] : 0;
    const int64_t *xshape = numc_array_shape(x);
    int xnd = numc_array_ndim(x);
    /* 4. bring the advanced dims together at p, merge them, take once */
    if (nadv == 1) {
        res = numc_take(x, bc[0], &(int64_t){adv_pos[0]});
        if (!res) goto numc_fail;
        goto done;
    }
    int64_t perm[NUMC_MAX_DIMS * 2];
    int np = 0;
    int is_adv[NUMC_MAX_DIMS * 2] = {0};
    for (int j = 0; j < nadv; j++)
        is_adv[adv_pos[j]] = 1;
    for (int i = 0; i < xnd && np < p; i++)
        if (!is_adv[i]) perm[np++] = i;
    for (int j = 0; j < nadv; j++)
        perm[np++] = adv_pos[j];
    for (int i = 0; i < xnd; i++)
        if (!is_adv[i] && (adjacent ? i > adv_pos[nadv - 1] : 1)) perm[np++] = i;
    int64_t dims[NUMC_MAX_DIMS * 2], merged = 1;
    for (int j = 0; j < nadv; j++) {
        dims[j] = xshape[adv_pos[j]];
        merged *= dims[j];
    }
    numc_array *xt = numc_transpose(x, perm, xnd);
    if (!xt) goto numc_fail;
    int64_t mshape[NUMC_MAX_DIMS * 2];
    int mnd = 0;
    const int64_t *tshape = numc_array_shape(xt);
    for (int i = 0; i < p; i++)
        mshape[mnd++] = tshape[i];
    mshape[mnd++] = merged;
    for (int i = p + nadv; i < xnd; i++)
        mshape[mnd++] = tshape[i];
    numc_array *xm = numc_reshape(xt, mnd, mshape);
    numc_array_release(xt);
    if (!xm) goto numc_fail;
    /* flat index over the merged dims (host when the indices are concrete) */
    int bnd = numc_array_ndim(bc[0]);
    const int64_t *bshape = numc_array_shape(bc[0]);
    int64_t bsize = numc_array_size(bc[0]);
    int concrete = 1;
    for (int j = 0; j < nadv; j++)
        concrete &= bc[j]->owner == NULL;
    if (concrete) {
        int64_t *f = calloc((size_t)(bsize ? bsize : 1), sizeof(int64_t));
        if (!f) {
            numc_array_release(xm);
            PyErr_NoMemory();
            goto fail;
        }
        int64_t mult = 1;
        for (int j = nadv - 1; j >= 0; j--) {
            int axis = adv_src_dim[j] < 0 ? 0 : adv_src_dim[j];
            if (accumulate_flat(bc[j], dims[j], axis, mult, f, bsize) < 0) {
                free(f);
                numc_array_release(xm);
                goto fail;
            }
            mult *= dims[j];
        }
        flat = numc_array_from_data(NUMC_INT64, bnd, bshape, f);
        free(f);
    } else {
        int64_t mult = 1;
        for (int j = nadv - 1; j >= 0 && (j == nadv - 1 || flat); j--) {
            numc_array *m = numc_scalar_i64(mult), *dimv = numc_scalar_i64(dims[j]);
            numc_array *zero = numc_scalar_i64(0);
            numc_array *neg = numc_less(bc[j], zero);
            numc_array *wrapped = numc_add(bc[j], dimv);
            numc_array *w = numc_where(neg, wrapped, bc[j]);
            numc_array *term = w ? numc_multiply(w, m) : NULL;
            numc_array *acc = flat ? (term ? numc_add(flat, term) : NULL) : term;
            if (flat && term) numc_array_release(term);
            if (flat) numc_array_release(flat);
            flat = acc;
            numc_array *tmp[] = {m, dimv, zero, neg, wrapped, w};
            for (size_t t = 0; t < sizeof tmp / sizeof *tmp; t++)
                if (tmp[t]) numc_array_release(tmp[t]);
            mult *= dims[j];
        }
    }
    if (!flat) {
        numc_array_release(xm);
        goto numc_fail;
    }
    res = numc_take(xm, flat, &(int64_t){p});
    numc_array_release(xm);
    if (!res) goto numc_fail;
    goto done;
numc_fail:
    pynumc_raise();
fail:
    if (res) numc_array_release(res);
    res = NULL;
done:
    for (int j = 0; j < nadv; j++)
        numc_array_release(adv[j]);
    for (int j = 0; j < nbc; j++)
        numc_array_release(bc[j]);
    if (x) numc_array_release(x);
    if (flat) numc_array_release(flat);
    return res;
}

numc_array *pynumc_getitem(numc_array *a, PyObject *key) {
    int nd = numc_array_ndim(a);
    /* a[i]: the hot path */
    if (PyLong_CheckExact(key) && nd > 0) {
        int overflow;
        long long i = PyLong_AsLongLongAndOverflow(key, &overflow);
        int64_t n = numc_array_shape(a)[0];
        int64_t j = i < 0 ? i + n : i;
        if (overflow || j < 0 || j >= n) {
            if (overflow)
                PyErr_SetString(PyExc_IndexError, "cannot fit 'int' into an index-sized integer");
            else
                index_error(i, 0, n);
            return NULL;
        }
        if (pynumc_is_eager(a)) {
            numc_array *r = numc_array_view(a, nd - 1, a->shape + 1, a->strides + 1,
                                            a->offset + j * a->strides[0]);
            if (!r) pynumc_raise();
            return r;
        }
    }
    ixkey k;
    if (parse_key(key, nd, &k) < 0) return NULL;
    numc_array *r = k.n_adv ? apply_advanced(a, &k) : apply_basic(a, &k);
    key_free(&k);
    return r;
}

/* ---- assignment ---- */

static int broadcast_error(const numc_array *v, int nd, const int64_t *shape) {
    char a[NUMC_MAX_DIMS * 24] = "(", b[NUMC_MAX_DIMS * 24] = "(";
    int vn = numc_array_ndim(v);
    const int64_t *vs = numc_array_shape(v);
    for (int i = 0; i < vn; i++)
        sprintf(a + strlen(a), i ? ",%lld" : "%lld", (long long)vs[i]);
    strcat(a, vn == 1 ? ",)" : ")");
    for (int i = 0; i < nd; i++)
        sprintf(b + strlen(b), i ? ",%lld" : "%lld", (long long)shape[i]);
    strcat(b, nd == 1 ? ",)" : ")");
    PyErr_Format(PyExc_ValueError, "could not broadcast input array from shape %s into shape %s", a,
                 b);
    return -1;
}

/* The value as a C-order host buffer of the target dtype and region shape. */
static void *value_host(PyObject *value, numc_dtype dt, int nd, const int64_t *shape) {
    numc_array *v = pynumc_asarray(value, dt);
    if (!v) return NULL;
    int vn = numc_array_ndim(v);
    const int64_t *vs = numc_array_shape(v);
    int ok = vn <= nd;
    /* NumPy lets leading 1s of the value go: a[0] = [[1, 2, 3]] for a row */
    int lead = 0;
    while (!ok || vn - lead > nd) {
        if (lead < vn && vs[lead] == 1) {
            lead++;
            ok = 1;
        } else {
            ok = 0;
            break;
        }
    }
    for (int i = 0; ok && i < vn - lead; i++) {
        int64_t s = vs[vn - 1 - i], t = shape[nd - 1 - i];
        ok = s == t || s == 1;
    }
    if (!ok) {
        broadcast_error(v, nd, shape);
        numc_array_release(v);
        return NULL;
    }
    numc_array *b = v;
    if (lead) {
        b = numc_reshape(v, vn - lead, vs + lead);
        if (!b) {
            numc_array_release(v);
            return pynumc_raise();
        }
    }
    numc_array *full = numc_broadcast_to(b, nd, shape);
    if (b != v) numc_array_release(b);
    numc_array_release(v);
    if (!full) return pynumc_raise();
    void *h = pynumc_host_copy(full);
    numc_array_release(full);
    return h;
}

/* Whether an update may write into a's buffer: nothing else can observe it. */
static int writable_in_place(numc_array *a) {
    if (!(pynumc_is_eager(a) && atomic_load(&a->refcount) == 1 &&
          atomic_load(&a->buffer->refcount) == 1 && !atomic_load(&a->buffer->exported) &&
          numc_array_data(a) != NULL))
        return 0;
    /* a broadcast view aliases its own elements */
    for (int i = 0; i < a->ndim; i++)
        if (a->strides[i] == 0 && a->shape[i] > 1) return 0;
    return 1;
}

/* Writes the C-order host values into dst's region g (dst's own strides). */
static void write_region(numc_array *dst, const basicgeo *g, const char *src) {
    size_t isz = numc_dtype_itemsize(dst->dtype);
    int64_t count = 1;
    for (int i = 0; i < g->ndim; i++)
        count *= g->shape[i];
    int64_t idx[NUMC_MAX_DIMS] = {0};
    char *p = numc_array_ptr(dst) + g->offset * (int64_t)isz;
    for (int64_t c = 0; c < count; c++, src += isz) {
        int64_t off = 0;
        for (int i = 0; i < g->ndim; i++)
            off += idx[i] * g->strides[i];
        memcpy(p + off * (int64_t)isz, src, isz);
        for (int i = g->ndim - 1; i >= 0; i--) {
            if (++idx[i] < g->shape[i]) break;
            idx[i] = 0;
        }
    }
}

/* a[basic key] = value through numc_setitem_slice (works under transforms):
 * the value is fitted to the indexed shape, then given the region's shape
 * (integer-indexed axes as length 1). */
static numc_array *setitem_basic_functional(numc_array *a, const basicgeo *g, PyObject *value) {
    int nd = numc_array_ndim(a);
    numc_array *v = pynumc_asarray(value, numc_array_dtype(a));
    if (!v) return NULL;
    int vn = numc_array_ndim(v);
    const int64_t *vs = numc_array_shape(v);
    int lead = 0;
    while (vn - lead > g->ndim && vs[lead] == 1)
        lead++;
    int ok = vn - lead <= g->ndim;
    for (int i = 0; ok && i < vn - lead; i++) {
        int64_t sv = vs[vn - 1 - i], t = g->shape[g->ndim - 1 - i];
        ok = sv == t || sv == 1;
    }
    if (!ok) {
        broadcast_error(v, g->ndim, g->shape);
        numc_array_release(v);
        return NULL;
    }
    numc_array *full = numc_broadcast_to(v, g->ndim, g->shape);
    numc_array_release(v);
    if (!full) return (numc_array *)pynumc_raise();
    int64_t region[NUMC_MAX_DIMS], start[NUMC_MAX_DIMS], stop[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        region[d] = g->len[d] < 0 ? 1 : g->len[d];
        start[d] = g->start[d];
        stop[d] = g->len[d] < 0 ? g->start[d] + 1 : g->start[d] + g->len[d] * g->step[d];
        if (g->step[d] < 0 && stop[d] < -1) stop[d] = -1;
    }
    numc_array *shaped = numc_reshape(full, nd, region);
    numc_array_release(full);
    if (!shaped) return (numc_array *)pynumc_raise();
    numc_array *r = numc_setitem_slice(a, start, stop, g->step, shaped);
    numc_array_release(shaped);
    if (!r) pynumc_raise();
    return r;
}

/* a[advanced key] = value under a transform: where(mask, take(value, src), a)
 * with the mask and source positions computed on the host, so the update
 * differentiates through both a and value. Needs concrete positions. */
static numc_array *setitem_advanced_functional(numc_array *a, numc_array *positions,
                                               PyObject *value) {
    if (positions->owner || !positions->buffer) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "assignment through integer or boolean arrays needs concrete indices; "
                        "it is not available under numc.function or vmap");
        return NULL;
    }
    int nd = numc_array_ndim(a);
    int rnd = numc_array_ndim(positions);
    const int64_t *rshape = numc_array_shape(positions);
    int64_t count = numc_array_size(positions), size = numc_array_size(a);
    if (count == 0) return numc_array_retain(a);
    numc_array *v = pynumc_asarray(value, numc_array_dtype(a));
    if (!v) return NULL;
    int vn = numc_array_ndim(v), lead = 0;
    const int64_t *vs = numc_array_shape(v);
    while (vn - lead > rnd && vs[lead] == 1)
        lead++;
    int ok = vn - lead <= rnd;
    for (int i = 0; ok && i < vn - lead; i++) {
        int64_t sv = vs[vn - 1 - i], t = rshape[rnd - 1 - i];
        ok = sv == t || sv == 1;
    }
    if (!ok) {
        broadcast_error(v, rnd, rshape);
        numc_array_release(v);
        return NULL;
    }
    numc_array *res = NULL, *full = NULL, *flat = NULL, *src = NULL, *mask = NULL, *g = NULL;
    int64_t *pos = NULL, *srcbuf = NULL;
    uint8_t *maskbuf = NULL;
    if (lead) {
        numc_array *r = numc_reshape(v, vn - lead, vs + lead);
        numc_array_release(v);
        if (!(v = r)) goto numc_fail;
    }
    if (!(full = numc_broadcast_to(v, rnd, rshape))) goto numc_fail;
    if (!(flat = numc_reshape(full, 1, &count))) goto numc_fail;
    pos = pynumc_host_copy(positions);
    srcbuf = calloc((size_t)size, sizeof(int64_t));
    maskbuf = calloc((size_t)size, 1);
    if (!pos) goto fail;
    if (!srcbuf || !maskbuf) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int64_t c = 0; c < count; c++) { /* the last write to a position wins */
        srcbuf[pos[c]] = c;
        maskbuf[pos[c]] = 1;
    }
    src = numc_array_from_data(NUMC_INT64, nd, numc_array_shape(a), srcbuf);
    mask = numc_array_from_data(NUMC_BOOL, nd, numc_array_shape(a), maskbuf);
    if (!src || !mask) goto numc_fail;
    int64_t axis0 = 0;
    if (!(g = numc_take(flat, src, &axis0))) goto numc_fail;
    res = numc_where(mask, g, a);
    if (!res) goto numc_fail;
    goto fail; /* cleanup */
numc_fail:
    pynumc_raise();
fail : {
    numc_array *tmp[] = {v, full, flat, src, mask, g};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        if (tmp[i]) numc_array_release(tmp[i]);
    free(pos);
    free(srcbuf);
    free(maskbuf);
    return res;
}
}

/* a[i, :, j] = value with traced integers (and plain integers and full
 * slices): where(index masks, value spread over a's shape, a). */
static numc_array *setitem_traced_ints(numc_array *a, const ixkey *k, PyObject *value) {
    int nd = numc_array_ndim(a);
    const int64_t *shape = numc_array_shape(a);
    numc_array *mask = NULL, *res = NULL, *v = NULL;
    int64_t region[NUMC_MAX_DIMS], rshape[NUMC_MAX_DIMS];
    int rnd = 0, d = 0;
    for (int j = 0; j < k->n; j++) {
        const ixitem *it = &k->it[j];
        int full_slice = it->kind == IX_SLICE;
        if (full_slice && it->slice) {
            Py_ssize_t st, sp, sk;
            if (PySlice_Unpack(it->slice, &st, &sp, &sk) < 0) goto fail;
            full_slice =
                PySlice_AdjustIndices((Py_ssize_t)shape[d], &st, &sp, sk) == shape[d] && sk == 1;
        }
        if (full_slice) {
            region[d] = rshape[rnd++] = shape[d];
            d++;
            continue;
        }
        if (it->kind != IX_INT && !(it->kind == IX_ARRAY && numc_array_ndim(it->arr) == 0)) {
            PyErr_SetString(PyExc_NotImplementedError,
                            "assignment with a traced index supports integers and full slices");
            goto fail;
        }
        /* cond = (iota along d == index), wrapped for negative indices */
        int64_t n = shape[d], one_shape[NUMC_MAX_DIMS];
        for (int q = 0; q < nd; q++)
            one_shape[q] = q == d ? n : 1;
        numc_array *idx = it->kind == IX_INT ? numc_scalar_i64(it->i) : numc_array_retain(it->arr);
        numc_array *zero = numc_scalar_i64(0), *nn = numc_scalar_i64(n);
        numc_array *neg = idx && zero ? numc_less(idx, zero) : NULL;
        numc_array *wr = neg && nn ? numc_add(idx, nn) : NULL;
        numc_array *w = wr ? numc_where(neg, wr, idx) : NULL;
        numc_array *io = numc_arange(0, (double)n, 1, NUMC_INT64);
        numc_array *ios = io ? numc_reshape(io, nd, one_shape) : NULL;
        numc_array *cond = ios && w ? numc_equal(ios, w) : NULL;
        numc_array *tmp[] = {idx, zero, nn, neg, wr, w, io, ios};
        for (size_t t = 0; t < sizeof tmp / sizeof *tmp; t++)
            if (tmp[t]) numc_array_release(tmp[t]);
        if (!cond) goto numc_fail;
        if (mask) {
            numc_array *m2 = numc_logical_and(mask, cond);
            numc_array_release(mask);
            numc_array_release(cond);
            if (!(mask = m2)) goto numc_fail;
        } else {
            mask = cond;
        }
        region[d++] = 1;
    }
    if (!mask) {
        PyErr_SetString(PyExc_NotImplementedError, "unsupported traced assignment");
        goto fail;
    }
    v = pynumc_asarray(value, numc_array_dtype(a));
    if (!v) goto fail;
    int vn = numc_array_ndim(v), lead = 0;
    const int64_t *vs = numc_array_shape(v);
    while (vn - lead > rnd && vs[lead] == 1)
        lead++;
    int ok = vn - lead <= rnd;
    for (int i = 0; ok && i < vn - lead; i++) {
        int64_t sv = vs[vn - 1 - i], t = rshape[rnd - 1 - i];
        ok = sv == t || sv == 1;
    }
    if (!ok) {
        broadcast_error(v, rnd, rshape);
        goto fail;
    }
    numc_array *vv = lead ? numc_reshape(v, vn - lead, vs + lead) : numc_array_retain(v);
    numc_array *vb = vv ? numc_broadcast_to(vv, rnd, rshape) : NULL;
    numc_array *vr = vb ? numc_reshape(vb, nd, region) : NULL;
    numc_array *vf = vr ? numc_broadcast_to(vr, nd, shape) : NULL;
    if (vf) res = numc_where(mask, vf, a);
    numc_array *tmp[] = {vv, vb, vr, vf};
    for (size_t t = 0; t < sizeof tmp / sizeof *tmp; t++)
        if (tmp[t]) numc_array_release(tmp[t]);
    if (!res) goto numc_fail;
    goto fail; /* cleanup */
numc_fail:
    pynumc_raise();
fail:
    if (mask) numc_array_release(mask);
    if (v) numc_array_release(v);
    return res;
}

numc_array *pynumc_setitem(numc_array *a, PyObject *key, PyObject *value) {
    int nd = numc_array_ndim(a);
    numc_dtype dt = numc_array_dtype(a);
    size_t isz = numc_dtype_itemsize(dt);
    ixkey k;
    if (parse_key(key, nd, &k) < 0) return NULL;
    numc_array *dst = NULL, *positions = NULL;
    void *vals = NULL;
    basicgeo g;
    if (!k.n_adv) {
        int r = basic_geometry(&k, nd, a->shape, a->strides, &g);
        key_free(&k);
        if (r < 0) return NULL;
        if (!writable_in_place(a)) return setitem_basic_functional(a, &g, value);
        /* nothing else can see the buffer: write the region in place */
        vals = value_host(value, dt, g.ndim, g.shape);
        if (!vals) return NULL;
        write_region(a, &g, vals);
        free(vals);
        return numc_array_retain(a);
    }
    if (k.n_traced) {
        numc_array *r = setitem_traced_ints(a, &k, value);
        key_free(&k);
        return r;
    }
    /* flat C-order positions of the selected elements: index an iota */
    int64_t size = numc_array_size(a);
    numc_array *iota = numc_arange(0, (double)size, 1, NUMC_INT64);
    numc_array *shaped = iota ? numc_reshape(iota, nd, a->shape) : NULL;
    if (iota) numc_array_release(iota);
    if (!shaped) {
        pynumc_raise();
        goto fail;
    }
    positions = apply_advanced(shaped, &k);
    numc_array_release(shaped);
    if (!positions) goto fail;
    if (!pynumc_is_eager(a)) {
        dst = setitem_advanced_functional(a, positions, value);
        numc_array_release(positions);
        key_free(&k);
        return dst;
    }
    vals = value_host(value, dt, numc_array_ndim(positions), numc_array_shape(positions));
    if (!vals) goto fail;
    if (writable_in_place(a)) {
        dst = numc_array_retain(a);
    } else {
        dst = numc_array_new(dt, nd, a->shape);
        if (!dst || numc_array_to_host(a, numc_array_ptr(dst)) != NUMC_OK) {
            pynumc_raise();
            goto fail;
        }
    }
    int64_t *pos = pynumc_host_copy(positions);
    if (!pos) goto fail;
    int64_t count = numc_array_size(positions);
    int contig = numc_array_is_contiguous(dst);
    char *base = numc_array_ptr(dst);
    const char *src = vals;
    for (int64_t c = 0; c < count; c++, src += isz) {
        int64_t off = pos[c];
        if (!contig) {
            int64_t rem = pos[c];
            off = 0;
            for (int i = nd - 1; i >= 0; i--) {
                off += (rem % dst->shape[i]) * dst->strides[i];
                rem /= dst->shape[i];
            }
        }
        memcpy(base + off * (int64_t)isz, src, isz);
    }
    free(pos);
    free(vals);
    numc_array_release(positions);
    key_free(&k);
    return dst;
fail:
    free(vals);
    if (dst) numc_array_release(dst);
    if (positions) numc_array_release(positions);
    key_free(&k);
    return NULL;
}
