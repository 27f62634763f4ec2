/* index.c — NumPy's indexing a[key] (numc_getitem): parsing a key of
 * numc_index items, basic indices as views on eager values and as slice /
 * rev / reshape on traced ones, advanced (integer, boolean, mixed) indices as
 * one gather, np.nonzero for masks; basic slicing (numc_slice) and np.take. */
#include "index-impl.h"

numc_array *numc_slice(const numc_array *a, const int64_t *start, const int64_t *stop,
                       const int64_t *step) {
    int nd = a->ndim;
    numc_params sl = {.n = 3 * nd}, rv = {.n = 0};
    bool identity = true;
    for (int d = 0; d < nd; d++) {
        int64_t len = a->shape[d], st = step[d], b = start[d], e = stop[d], n = 0;
        if (st == 0) {
            numc_error_set(NUMC_ERR_VALUE, "slice step cannot be zero");
            return NULL;
        }
        /* clamp as slice.indices(len) would, in case the caller did not */
        if (st > 0) {
            b = b < 0 ? 0 : b > len ? len : b;
            e = e < 0 ? 0 : e > len ? len : e;
            if (e > b) n = (e - b + st - 1) / st;
        } else {
            b = b < -1 ? -1 : b > len - 1 ? len - 1 : b;
            e = e < -1 ? -1 : e > len - 1 ? len - 1 : e;
            if (b > e) n = (b - e - st - 1) / -st;
        }
        int64_t lo = 0, stride = 1;
        if (n > 0 && st > 0) {
            lo = b;
            stride = st;
        } else if (n > 0) {
            /* a negative step reads the reversed axis forwards */
            rv.i[rv.n++] = d;
            lo = len - 1 - b;
            stride = -st;
        }
        int64_t hi = n > 0 ? lo + (n - 1) * stride + 1 : 0;
        sl.i[d] = lo;
        sl.i[nd + d] = hi;
        sl.i[2 * nd + d] = stride;
        identity &= lo == 0 && hi == len && stride == 1;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    if (rv.n) x = np_bind(&s, NUMC_PRIM_REV, 1, NP_ARRAY_OF(x), &rv);
    if (!identity) x = np_bind(&s, NUMC_PRIM_SLICE, 1, NP_ARRAY_OF(x), &sl);
    return np_ret(&s, x);
}

numc_array *numc_take(const numc_array *a, const numc_array *indices, const int64_t *axis) {
    numc_dtype it = indices->dtype;
    if (it != NUMC_BOOL && !numc_dt_is_int(it)) {
        numc_error_set(NUMC_ERR_TYPE,
                       "Cannot cast array data from dtype('%s') to dtype('int64') according to "
                       "the rule 'same_kind'",
                       numc_dtype_name(it));
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    int64_t ax = 0;
    if (!axis)
        x = np_ravel(&s, a);
    else if (np_norm_axis(*axis, a->ndim, &ax, NULL))
        return np_ret(&s, NULL);
    if (!x) return np_ret(&s, NULL);
    int64_t dim = x->shape[ax];
    if (dim == 0 && indices->size > 0) {
        numc_error_set(NUMC_ERR_INDEX, "cannot do a non-empty take from an empty axes.");
        return np_ret(&s, NULL);
    }
    numc_array *idx = np_cvt(&s, indices, NUMC_INT64);
    numc_params pr = {.n = 1, .i = {ax}};
    if (np_concrete(indices)) {
        /* concrete indices: the kernel wraps the negative ones and raises
         * NumPy's IndexError (gather's i[1] = 1). Under a trace of x the
         * bind only records, so the range is checked here, at trace time. */
        if (!np_concrete(x)) {
            for (int64_t i = 0; i < indices->size; i++) {
                double v, im;
                if (numc_array_get_f64(indices, i, &v, &im)) return np_ret(&s, NULL);
                if (v < (double)-dim || v >= (double)dim) {
                    numc_error_set(NUMC_ERR_INDEX,
                                   "index %.0f is out of bounds for axis %lld with "
                                   "size %lld",
                                   v, (long long)ax, (long long)dim);
                    return np_ret(&s, NULL);
                }
            }
        }
        if (numc_dt_is_signed(it)) pr = (numc_params){.n = 2, .i = {ax, 1}};
    } else if (numc_dt_is_signed(it)) {
        /* traced indices: wrap them by select */
        idx = np_sel(&s, np_binc(&s, NUMC_PRIM_LT, idx, 0),
                     np_binc(&s, NUMC_PRIM_ADD, idx, (double)dim), idx);
    }
    return np_ret(&s, np_bind(&s, NUMC_PRIM_GATHER, 2, NP_ARRAY_OF(x, idx), &pr));
}

bool numc_array_is_eager(const numc_array *a) {
    return a->owner == NULL && a->buffer != NULL && numc_interp_current() == numc_interp_eager();
}

numc_status ix_out_of_bounds(int64_t i, int axis, int64_t n) {
    return numc_error_set(NUMC_ERR_INDEX, "index %lld is out of bounds for axis %d with size %lld",
                          (long long)i, axis, (long long)n);
}

/* A concrete array's elements as a malloc'ed C-order host copy of dtype dt. */
static void *host_copy(const numc_array *a, numc_dtype dt) {
    numc_array *c = a->dtype == dt ? numc_array_retain((numc_array *)a) : numc_astype(a, dt);
    if (!c) return NULL;
    size_t n = (size_t)c->size * numc_dtype_itemsize(dt);
    void *buf = malloc(n ? n : 1);
    if (!buf)
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    else if (numc_array_to_host(c, buf) != NUMC_OK) {
        free(buf);
        buf = NULL;
    }
    numc_array_release(c);
    return buf;
}

/* ---- parsing ---- */

static numc_status parse_item(const numc_index *x, ix_item *it, ix_key *k) {
    it->arr = NULL;
    it->src = NULL;
    switch (x->kind) {
    case NUMC_INDEX_INT:
        it->kind = IX_INT;
        it->i = x->i;
        return NUMC_OK;
    case NUMC_INDEX_SLICE:
        it->kind = IX_SLICE;
        it->src = x;
        return NUMC_OK;
    case NUMC_INDEX_NEWAXIS:
        it->kind = IX_NEWAXIS;
        return NUMC_OK;
    case NUMC_INDEX_BOOL:
        it->kind = IX_BOOL;
        it->i = x->i != 0;
        k->n_adv++;
        return NUMC_OK;
    case NUMC_INDEX_ARRAY:
        break;
    default:
        return numc_error_set(NUMC_ERR_INDEX, "invalid index kind %d", (int)x->kind);
    }
    const numc_array *a = x->array;
    if (!a) return numc_error_set(NUMC_ERR_INDEX, "index array is NULL");
    char kind = numc_dtype_kind(a->dtype);
    if (kind == 'b') {
        if (a->ndim == 0) {
            /* a[b] adds an axis of length b: a shape that depends on data */
            if (!a->buffer) return numc_tracer_check(a, "bool");
            uint8_t v;
            if (numc_array_to_host(a, &v) != NUMC_OK) return numc_error_kind();
            it->kind = IX_BOOL;
            it->i = v != 0;
        } else {
            it->kind = IX_MASK;
            it->arr = a;
        }
        k->n_adv++;
        return NUMC_OK;
    }
    if (kind != 'i' && kind != 'u')
        return numc_error_set(NUMC_ERR_INDEX,
                              "arrays used as indices must be of integer (or boolean) type");
    if (a->ndim == 0 && !a->buffer) {
        /* a traced integer (the fori_loop counter under numc.function, a
         * vmapped index): a 0-d index array, which selects what the integer
         * would and adds no axis. ix_apply_advanced gathers with numc_take on
         * its axis, which wraps negatives as where(i < 0, i + n, i) in numc
         * ops (with other index arrays the flat index is built the same
         * way), so x[i], x[i, 1:], x[:, i] trace, batch and differentiate.
         * An out-of-range value is reported by the gather when it runs. */
        if (numc_tracer_kind_of(a) == NUMC_TRACER_LEAKED) return numc_tracer_check(a, "index");
        it->kind = IX_ARRAY;
        it->arr = a;
        k->n_adv++;
        k->n_traced++;
        return NUMC_OK;
    }
    if (a->ndim == 0) {
        /* 0-d integer arrays index like integers */
        if (a->dtype == NUMC_UINT64) {
            uint64_t v;
            if (numc_array_to_host(a, &v) != NUMC_OK) return numc_error_kind();
            if (v > (uint64_t)INT64_MAX)
                return numc_error_set(NUMC_ERR_OVERFLOW, "int too big to convert");
            it->i = (int64_t)v;
        } else {
            int64_t *v = host_copy(a, NUMC_INT64);
            if (!v) return numc_error_kind();
            it->i = *v;
            free(v);
        }
        it->kind = IX_INT;
        return NUMC_OK;
    }
    it->kind = IX_ARRAY;
    it->arr = a;
    k->n_adv++;
    return NUMC_OK;
}

static numc_status too_many(int ndim, long long n) {
    return numc_error_set(NUMC_ERR_INDEX,
                          "too many indices for array: array is %d-dimensional, but %lld were "
                          "indexed",
                          ndim, n);
}

numc_status ix_parse(ix_key *k, int n, const numc_index *idx, int ndim) {
    k->n = 0;
    k->n_adv = 0;
    k->n_traced = 0;
    if (n > NUMC_MAX_INDICES) return too_many(ndim, n);
    if (n < 0) return numc_error_set(NUMC_ERR_VALUE, "negative index count %d", n);
    int consumed = 0, ellipsis = -1;
    for (int i = 0; i < n; i++) {
        if (idx[i].kind == NUMC_INDEX_ELLIPSIS) {
            if (ellipsis >= 0)
                return numc_error_set(NUMC_ERR_INDEX,
                                      "an index can only have a single ellipsis ('...')");
            ellipsis = k->n;
            continue;
        }
        ix_item *it = &k->it[k->n];
        numc_status st = parse_item(&idx[i], it, k);
        if (st != NUMC_OK) return st;
        k->n++;
        switch (it->kind) {
        case IX_NEWAXIS:
        case IX_BOOL:
            break;
        case IX_MASK:
            consumed += it->arr->ndim;
            break;
        default:
            consumed++;
            break;
        }
    }
    if (consumed > ndim) return too_many(ndim, consumed);
    /* the Ellipsis (explicit or implied at the end) becomes full slices */
    int fill = ndim - consumed;
    int at = ellipsis >= 0 ? ellipsis : k->n;
    if (fill > 0) {
        memmove(&k->it[at + fill], &k->it[at], (size_t)(k->n - at) * sizeof(ix_item));
        for (int j = 0; j < fill; j++)
            k->it[at + j] = (ix_item){.kind = IX_SLICE};
        k->n += fill;
    }
    return NUMC_OK;
}

/* ---- basic indexing ---- */

numc_status ix_slice_bounds(const numc_index *s, int64_t n, int64_t *start, int64_t *step,
                            int64_t *len) {
    if (!s) {
        *start = 0;
        *step = 1;
        *len = n;
        return NUMC_OK;
    }
    /* Python's PySlice_Unpack + PySlice_AdjustIndices */
    int64_t sk = s->has_step ? s->step : 1;
    if (sk == 0) return numc_error_set(NUMC_ERR_VALUE, "slice step cannot be zero");
    if (sk < -INT64_MAX) sk = -INT64_MAX;
    int64_t b = s->has_start ? s->start : sk < 0 ? INT64_MAX : 0;
    int64_t e = s->has_stop ? s->stop : sk < 0 ? INT64_MIN : INT64_MAX;
    if (b < 0) {
        b += n;
        if (b < 0) b = sk < 0 ? -1 : 0;
    } else if (b >= n) {
        b = sk < 0 ? n - 1 : n;
    }
    if (e < 0) {
        e += n;
        if (e < 0) e = sk < 0 ? -1 : 0;
    } else if (e >= n) {
        e = sk < 0 ? n - 1 : n;
    }
    if (sk < 0)
        *len = e < b ? (b - e - 1) / -sk + 1 : 0;
    else
        *len = b < e ? (e - b - 1) / sk + 1 : 0;
    *start = b;
    *step = sk;
    return NUMC_OK;
}

numc_status ix_geometry(const ix_key *k, int ndim, const int64_t *shape, const int64_t *strides,
                        ix_geo *g) {
    (void)ndim;
    int d = 0;
    g->ndim = 0;
    g->offset = 0;
    for (int j = 0; j < k->n; j++) {
        const ix_item *it = &k->it[j];
        if (it->kind == IX_NEWAXIS) {
            if (g->ndim >= NUMC_MAX_DIMS) goto too_many_dims;
            g->shape[g->ndim] = 1;
            g->strides[g->ndim++] = 0;
            continue;
        }
        int64_t n = shape[d];
        if (it->kind == IX_INT) {
            int64_t i = it->i < 0 ? it->i + n : it->i;
            if (i < 0 || i >= n) return ix_out_of_bounds(it->i, d, n);
            g->offset += i * strides[d];
            g->start[d] = i;
            g->step[d] = 1;
            g->len[d] = -1; /* dropped */
        } else {
            int64_t st, sk, len;
            if (ix_slice_bounds(it->src, n, &st, &sk, &len) != NUMC_OK) return numc_error_kind();
            if (g->ndim >= NUMC_MAX_DIMS) goto too_many_dims;
            g->shape[g->ndim] = len;
            g->strides[g->ndim++] = len > 1 ? strides[d] * sk : strides[d];
            if (len > 0) g->offset += st * strides[d];
            g->start[d] = st;
            g->step[d] = sk;
            g->len[d] = len;
        }
        d++;
    }
    return NUMC_OK;
too_many_dims:
    return numc_error_set(NUMC_ERR_INDEX, "numc arrays support at most %d dimensions",
                          NUMC_MAX_DIMS);
}

/* The traced form of a basic index: slice (positive steps), flip the
 * negative-step axes, reshape to drop integer axes and add new ones. */
static numc_array *basic_traced(const numc_array *a, const ix_geo *g) {
    int nd = a->ndim;
    int64_t start[NUMC_MAX_DIMS], stop[NUMC_MAX_DIMS], step[NUMC_MAX_DIMS], flip[NUMC_MAX_DIMS];
    int nflip = 0, trivial = 1;
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
        if (start[d] != 0 || stop[d] != a->shape[d] || step[d] != 1) trivial = 0;
    }
    numc_array *r = trivial ? numc_array_retain((numc_array *)a) : numc_slice(a, start, stop, step);
    if (r && nflip) {
        numc_array *f = numc_flip(r, flip, nflip);
        numc_array_release(r);
        r = f;
    }
    if (!r) return NULL;
    bool same = g->ndim == nd;
    for (int i = 0; same && i < nd; i++)
        same = r->shape[i] == g->shape[i];
    if (!same) {
        numc_array *s = numc_reshape(r, g->ndim, g->shape);
        numc_array_release(r);
        r = s;
    }
    return r;
}

static numc_array *apply_basic(const numc_array *a, const ix_key *k) {
    ix_geo g;
    if (ix_geometry(k, a->ndim, a->shape, a->strides, &g) != NUMC_OK) return NULL;
    if (numc_array_is_eager(a))
        return numc_array_view(a, g.ndim, g.shape, g.strides, a->offset + g.offset);
    return basic_traced(a, &g);
}

/* ---- nonzero (concrete only: the output shape depends on the data) ---- */

/* A 0-d input counts as 1-d here, as a 0-d boolean index needs. */
static numc_status np_nonzero_1d(const numc_array *a, numc_array **out) {
    int nd = a->ndim;
    if (!a->buffer) return numc_tracer_check(a, "nonzero");
    uint8_t *host = host_copy(a, NUMC_BOOL);
    if (!host) return numc_error_kind();
    int64_t size = a->size, count = 0;
    for (int64_t i = 0; i < size; i++)
        count += host[i] != 0;
    int outnd = nd ? nd : 1;
    int64_t *idx = malloc((size_t)(count ? count : 1) * (size_t)outnd * sizeof(int64_t));
    if (!idx) {
        free(host);
        return numc_error_set(NUMC_ERR_MEMORY, "out of memory");
    }
    int64_t c = 0;
    for (int64_t i = 0; i < size; i++) {
        if (!host[i]) continue;
        int64_t rem = i;
        for (int d = nd - 1; d >= 0; d--) {
            idx[(int64_t)d * count + c] = rem % a->shape[d];
            rem /= a->shape[d];
        }
        if (nd == 0) idx[c] = 0;
        c++;
    }
    free(host);
    numc_status st = NUMC_OK;
    for (int d = 0; d < outnd; d++) {
        out[d] = numc_array_from_data(NUMC_INT64, 1, &count, idx + (int64_t)d * count);
        if (!out[d]) {
            np_release_n(out, d);
            st = numc_error_kind();
            break;
        }
    }
    free(idx);
    return st;
}

numc_status numc_nonzero(const numc_array *a, numc_array **out) {
    if (a->ndim == 0)
        return numc_error_set(NUMC_ERR_VALUE,
                              "Calling nonzero on 0d arrays is not allowed. Use "
                              "np.atleast_1d(scalar).nonzero() instead.");
    return np_nonzero_1d(a, out);
}

/* ---- advanced indexing ---- */

/* Wraps negatives and checks bounds of one concrete index array, and
 * accumulates idx * mult into flat. */
static numc_status accumulate_flat(const numc_array *ix, int64_t dim, int axis, int64_t mult,
                                   int64_t *flat, int64_t n) {
    int64_t *h = host_copy(ix, NUMC_INT64);
    if (!h) return numc_error_kind();
    for (int64_t i = 0; i < n; i++) {
        int64_t v = h[i];
        if (v < 0) v += dim;
        if (v < 0 || v >= dim) {
            int64_t bad = h[i];
            free(h);
            return ix_out_of_bounds(bad, axis, dim);
        }
        flat[i] += v * mult;
    }
    free(h);
    return NUMC_OK;
}

/* The flat index over the merged advanced dims, built in numc ops (traced
 * index arrays): sum_j where(i_j < 0, i_j + dim_j, i_j) * mult_j. */
static numc_array *traced_flat(int nadv, numc_array *const *bc, const int64_t *dims) {
    np_scope s;
    np_scope_init(&s);
    numc_array *flat = NULL;
    int64_t mult = 1;
    for (int j = nadv - 1; j >= 0; j--) {
        numc_array *w = np_sel(&s, np_binc(&s, NUMC_PRIM_LT, bc[j], 0),
                               np_binc(&s, NUMC_PRIM_ADD, bc[j], (double)dims[j]), bc[j]);
        numc_array *term = np_binc(&s, NUMC_PRIM_MUL, np_cvt(&s, w, NUMC_INT64), (double)mult);
        flat = flat ? np_bin(&s, NUMC_PRIM_ADD, flat, term) : term;
        mult *= dims[j];
    }
    return np_ret(&s, flat);
}

numc_array *ix_apply_advanced(const numc_array *a, const ix_key *k) {
    const int64_t *shape = a->shape;
    /* 1. expand masks into one index array per dim (nonzero), bool scalars into
     *    a new axis indexed by [0] or []; integers become 0-d index arrays */
    ix_key basic;
    basic.n = 0;
    basic.n_adv = 0;
    basic.n_traced = 0;
    numc_array *adv[NUMC_MAX_INDICES + NUMC_MAX_DIMS];
    int adv_src_dim[NUMC_MAX_INDICES + NUMC_MAX_DIMS], adv_pos[NUMC_MAX_INDICES + NUMC_MAX_DIMS];
    int nadv = 0, d = 0, xdim = 0, nbc = 0;
    numc_array *res = NULL, *x = NULL, *flat = NULL;
    numc_array *bc[NUMC_MAX_INDICES + NUMC_MAX_DIMS];
    for (int j = 0; j < k->n; j++) {
        const ix_item *it = &k->it[j];
        ix_item *b = &basic.it[basic.n];
        *b = (ix_item){.kind = IX_SLICE};
        if (nadv >= NUMC_MAX_DIMS * 2 - 1 || basic.n >= NUMC_MAX_DIMS * 2) {
            numc_error_set(NUMC_ERR_INDEX, "too many indices");
            goto done;
        }
        switch (it->kind) {
        case IX_NEWAXIS:
            b->kind = IX_NEWAXIS;
            basic.n++;
            xdim++;
            break;
        case IX_SLICE:
            *b = *it;
            basic.n++;
            d++;
            xdim++;
            break;
        case IX_INT: {
            int64_t v = it->i < 0 ? it->i + shape[d] : it->i;
            if (v < 0 || v >= shape[d]) {
                ix_out_of_bounds(it->i, d, shape[d]);
                goto done;
            }
            static const int64_t noshape[1];
            adv[nadv] = numc_array_from_data(NUMC_INT64, 0, noshape, &v);
            if (!adv[nadv]) goto done;
            adv_src_dim[nadv] = d;
            adv_pos[nadv++] = xdim++;
            basic.n++;
            d++;
            break;
        }
        case IX_ARRAY:
            adv[nadv] = numc_array_retain((numc_array *)it->arr);
            adv_src_dim[nadv] = d;
            adv_pos[nadv++] = xdim++;
            basic.n++;
            d++;
            break;
        case IX_BOOL: {
            int64_t cnt = it->i ? 1 : 0, zero = 0;
            adv[nadv] = numc_array_from_data(NUMC_INT64, 1, &cnt, &zero);
            if (!adv[nadv]) goto done;
            adv_src_dim[nadv] = -1;
            adv_pos[nadv++] = xdim++;
            b->kind = IX_NEWAXIS;
            basic.n++;
            break;
        }
        case IX_MASK: {
            int mnd = it->arr->ndim;
            const int64_t *mshape = it->arr->shape;
            for (int m = 0; m < mnd; m++)
                if (mshape[m] != shape[d + m]) {
                    numc_error_set(NUMC_ERR_INDEX,
                                   "boolean index did not match indexed array along axis %d; "
                                   "size of axis is %lld but size of corresponding boolean axis "
                                   "is %lld",
                                   d + m, (long long)shape[d + m], (long long)mshape[m]);
                    goto done;
                }
            if (!numc_array_is_eager(it->arr) && it->arr->owner != NULL) {
                numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                               "boolean mask indexing needs concrete values (its result shape "
                               "depends on the data); it is not available under numc.function");
                goto done;
            }
            if (np_nonzero_1d(it->arr, &adv[nadv]) != NUMC_OK) goto done;
            for (int m = 0; m < mnd; m++) {
                adv_src_dim[nadv] = d;
                adv_pos[nadv++] = xdim++;
                basic.it[basic.n++] = (ix_item){.kind = IX_SLICE};
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
    if (!x) goto done;
    /* 3. broadcast the index arrays together */
    if (numc_broadcast_arrays(nadv, (const numc_array *const *)adv, bc) != NUMC_OK) {
        numc_error_set(NUMC_ERR_INDEX,
                       "shape mismatch: indexing arrays could not be broadcast together");
        goto done;
    }
    nbc = nadv;
    bool adjacent = true;
    for (int j = 1; j < nadv; j++)
        adjacent &= adv_pos[j] == adv_pos[j - 1] + 1;
    int p = adjacent && nadv > 0 ? adv_pos[0] : 0;
    int xnd = x->ndim;
    /* 4. bring the advanced dims together at p, merge them, take once */
    if (nadv == 1) {
        res = numc_take(x, bc[0], &(int64_t){adv_pos[0]});
        goto done;
    }
    int64_t perm[NUMC_MAX_DIMS * 2];
    int np = 0;
    bool is_adv[NUMC_MAX_DIMS * 2] = {0};
    for (int j = 0; j < nadv; j++)
        is_adv[adv_pos[j]] = true;
    for (int i = 0; i < xnd && np < p; i++)
        if (!is_adv[i]) perm[np++] = i;
    for (int j = 0; j < nadv; j++)
        perm[np++] = adv_pos[j];
    for (int i = 0; i < xnd; i++)
        if (!is_adv[i] && (adjacent ? i > adv_pos[nadv - 1] : 1)) perm[np++] = i;
    int64_t dims[NUMC_MAX_DIMS * 2], merged = 1;
    for (int j = 0; j < nadv; j++) {
        dims[j] = x->shape[adv_pos[j]];
        merged *= dims[j];
    }
    numc_array *xt = numc_transpose(x, perm, xnd);
    if (!xt) goto done;
    int64_t mshape[NUMC_MAX_DIMS * 2];
    int mnd = 0;
    for (int i = 0; i < p; i++)
        mshape[mnd++] = xt->shape[i];
    mshape[mnd++] = merged;
    for (int i = p + nadv; i < xnd; i++)
        mshape[mnd++] = xt->shape[i];
    numc_array *xm = numc_reshape(xt, mnd, mshape);
    numc_array_release(xt);
    if (!xm) goto done;
    /* flat index over the merged dims (host when the indices are concrete) */
    bool concrete = true;
    for (int j = 0; j < nadv; j++)
        concrete &= bc[j]->owner == NULL;
    if (concrete) {
        int64_t bsize = bc[0]->size;
        int64_t *f = calloc((size_t)(bsize ? bsize : 1), sizeof(int64_t));
        if (!f) {
            numc_array_release(xm);
            numc_error_set(NUMC_ERR_MEMORY, "out of memory");
            goto done;
        }
        int64_t mult = 1;
        for (int j = nadv - 1; j >= 0; j--) {
            int axis = adv_src_dim[j] < 0 ? 0 : adv_src_dim[j];
            if (accumulate_flat(bc[j], dims[j], axis, mult, f, bsize) != NUMC_OK) {
                free(f);
                numc_array_release(xm);
                goto done;
            }
            mult *= dims[j];
        }
        flat = numc_array_from_data(NUMC_INT64, bc[0]->ndim, bc[0]->shape, f);
        free(f);
    } else {
        flat = traced_flat(nadv, bc, dims);
    }
    if (flat) res = numc_take(xm, flat, &(int64_t){p});
    numc_array_release(xm);
done:
    np_release_n(adv, nadv);
    np_release_n(bc, nbc);
    if (x) numc_array_release(x);
    if (flat) numc_array_release(flat);
    return res;
}

numc_array *numc_getitem(const numc_array *a, int n, const numc_index *idx) {
    int nd = a->ndim;
    /* a[i]: the hot path */
    if (n == 1 && idx[0].kind == NUMC_INDEX_INT && nd > 0) {
        int64_t i = idx[0].i, len = a->shape[0];
        int64_t j = i < 0 ? i + len : i;
        if (j < 0 || j >= len) {
            ix_out_of_bounds(i, 0, len);
            return NULL;
        }
        if (numc_array_is_eager(a))
            return numc_array_view(a, nd - 1, a->shape + 1, a->strides + 1,
                                   a->offset + j * a->strides[0]);
    }
    /* a[start:stop:step] on an eager value: a view, without the key parser */
    if (n == 1 && idx[0].kind == NUMC_INDEX_SLICE && nd > 0 && numc_array_is_eager(a)) {
        int64_t st, sk, len, shape[NUMC_MAX_DIMS], strides[NUMC_MAX_DIMS];
        if (ix_slice_bounds(&idx[0], a->shape[0], &st, &sk, &len) != NUMC_OK) return NULL;
        memcpy(shape, a->shape, sizeof(int64_t) * (size_t)nd);
        memcpy(strides, a->strides, sizeof(int64_t) * (size_t)nd);
        shape[0] = len;
        if (len > 1) strides[0] *= sk;
        return numc_array_view(a, nd, shape, strides,
                               a->offset + (len > 0 ? st * a->strides[0] : 0));
    }
    ix_key k;
    if (ix_parse(&k, n, idx, nd) != NUMC_OK) return NULL;
    return k.n_adv ? ix_apply_advanced(a, &k) : apply_basic(a, &k);
}
