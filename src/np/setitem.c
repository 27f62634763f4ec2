/* setitem.c — NumPy's index assignment a[key] = value (numc_setitem): the
 * decision between writing into the buffer (nothing else can observe it) and
 * the functional update, the one broadcast check of assigned values, and the
 * functional updates themselves: a basic region with dynamic_update_slice
 * when every step is 1 and pad (interior padding spreads strided regions)
 * plus select otherwise; advanced and traced-integer keys with select.
 *
 * The in-place write is the one place the NumPy layer touches a buffer: it
 * is what makes `a[i] = v` on an unshared eager array O(region). */
#include "index-impl.h"

static numc_array *bind_unary(numc_prim p, const numc_array *x, const numc_params *pr) {
    const numc_array *in[1] = {x};
    return numc_bind1(p, 1, in, pr);
}

numc_array *np_fit_value(np_scope *s, const numc_array *v, numc_dtype dt, int nd,
                         const int64_t *shape) {
    if (!v) return NULL;
    int vn = v->ndim, lead = 0;
    /* NumPy lets leading 1s of the value go: a[0] = [[1, 2, 3]] for a row */
    while (vn - lead > nd && v->shape[lead] == 1)
        lead++;
    bool ok = vn - lead <= nd;
    for (int i = 0; ok && i < vn - lead; i++) {
        int64_t sv = v->shape[vn - 1 - i], t = shape[nd - 1 - i];
        ok = sv == t || sv == 1;
    }
    if (!ok) {
        char vs[NUMC_MAX_DIMS * 24], ts[NUMC_MAX_DIMS * 24];
        numc_error_set(
            NUMC_ERR_VALUE, "could not broadcast input array from shape %s into shape %s",
            np_shape_str(vs, sizeof vs, vn, v->shape), np_shape_str(ts, sizeof ts, nd, shape));
        return NULL;
    }
    const numc_array *c = np_cvt(s, v, dt);
    if (lead) c = np_reshape(s, c, vn - lead, v->shape + lead);
    return np_bcast(s, c, nd, shape);
}

numc_array *numc_setitem_slice(const numc_array *a, const int64_t *start, const int64_t *stop,
                               const int64_t *step, const numc_array *value) {
    int nd = a->ndim;
    int64_t lo[NUMC_MAX_DIMS], n[NUMC_MAX_DIMS], st[NUMC_MAX_DIMS];
    bool flip[NUMC_MAX_DIMS], unit = true;
    for (int i = 0; i < nd; i++) {
        int64_t s = step[i];
        if (s == 0) {
            numc_error_set(NUMC_ERR_VALUE, "slice step cannot be zero");
            return NULL;
        }
        int64_t cnt = s > 0 ? (stop[i] > start[i] ? (stop[i] - start[i] + s - 1) / s : 0)
                            : (start[i] > stop[i] ? (start[i] - stop[i] - s - 1) / -s : 0);
        n[i] = cnt;
        flip[i] = s < 0 && cnt > 1;
        st[i] = s > 0 ? s : -s;
        lo[i] = s > 0 ? start[i] : start[i] + s * (cnt - 1); /* lowest touched index */
        if (cnt <= 1) st[i] = 1;
        if (st[i] != 1) unit = false;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *upd = np_new_ref(np_fit_value(&s, value, a->dtype, nd, n));
    np_scope_end(&s);
    if (!upd) return NULL;
    numc_params rv = {.n = 0};
    for (int i = 0; i < nd; i++)
        if (flip[i]) rv.i[rv.n++] = i;
    if (rv.n) {
        numc_array *f = bind_unary(NUMC_PRIM_REV, upd, &rv);
        numc_array_release(upd);
        if (!(upd = f)) return NULL;
    }
    for (int i = 0; i < nd; i++)
        if (n[i] == 0) { /* nothing to write */
            numc_array_release(upd);
            return numc_array_retain((numc_array *)a);
        }
    numc_array *res = NULL;
    if (unit) {
        const numc_array *in[2 + NUMC_MAX_DIMS] = {a, upd};
        numc_array *idx[NUMC_MAX_DIMS] = {0};
        bool ok = true;
        for (int i = 0; i < nd; i++)
            ok &= (in[2 + i] = idx[i] = numc_scalar_of(NUMC_INT64, (double)lo[i], 0)) != NULL;
        if (ok) res = numc_bind1(NUMC_PRIM_DYNAMIC_UPDATE_SLICE, 2 + nd, in, NULL);
        for (int i = 0; i < nd; i++)
            numc_array_release(idx[i]);
        numc_array_release(upd);
        return res;
    }
    /* strided region: spread the update and a mask over a's shape with pad */
    numc_params pp = {.n = 3 * nd};
    for (int i = 0; i < nd; i++) {
        int64_t extent = (n[i] - 1) * st[i] + 1;
        pp.i[i] = lo[i];
        pp.i[nd + i] = a->shape[i] - lo[i] - extent;
        pp.i[2 * nd + i] = st[i] - 1;
    }
    numc_array *zero = numc_scalar_of(a->dtype, 0, 0), *f = numc_scalar_of(NUMC_BOOL, 0, 0),
               *t = numc_scalar_of(NUMC_BOOL, 1, 0);
    numc_array *mask1 = NULL, *padded = NULL, *mask = NULL;
    if (zero && f && t) {
        numc_params bc = {.n = 1 + nd};
        bc.i[0] = nd;
        memcpy(bc.i + 1, n, sizeof(int64_t) * (size_t)nd);
        mask1 = bind_unary(NUMC_PRIM_BROADCAST_IN_DIM, t, &bc);
        const numc_array *pin[2] = {upd, zero};
        padded = numc_bind1(NUMC_PRIM_PAD, 2, pin, &pp);
        if (mask1 && padded) {
            const numc_array *min[2] = {mask1, f};
            mask = numc_bind1(NUMC_PRIM_PAD, 2, min, &pp);
            if (mask) {
                const numc_array *sin[3] = {mask, padded, a};
                res = numc_bind1(NUMC_PRIM_SELECT, 3, sin, NULL);
            }
        }
    }
    numc_array *tmp[] = {zero, f, t, mask1, padded, mask, upd};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        numc_array_release(tmp[i]);
    return res;
}

/* ---- numc_setitem ---- */

/* Whether an update may write into a's buffer: nothing else can observe it. */
static bool writable_in_place(const numc_array *a) {
    if (!(numc_array_is_eager(a) && atomic_load(&a->refcount) == 1 &&
          atomic_load(&a->buffer->refcount) == 1 && !atomic_load(&a->buffer->exported) &&
          numc_array_data(a) != NULL))
        return false;
    /* a broadcast view aliases its own elements */
    for (int i = 0; i < a->ndim; i++)
        if (a->strides[i] == 0 && a->shape[i] > 1) return false;
    return true;
}

/* The value fitted to (nd, shape) in dt, as a C-order host copy in buf (of
 * `cap` bytes) or in a malloc'ed buffer when it does not fit: *out is what to
 * read and to free() when it differs from buf. */
static numc_status value_host(const numc_array *v, numc_dtype dt, int nd, const int64_t *shape,
                              char *buf, size_t cap, char **out) {
    np_scope s;
    np_scope_init(&s);
    numc_array *full = np_fit_value(&s, v, dt, nd, shape);
    numc_status st = full ? NUMC_OK : numc_error_kind();
    if (full) {
        size_t n = (size_t)full->size * numc_dtype_itemsize(dt);
        *out = n <= cap ? buf : malloc(n ? n : 1);
        if (!*out)
            st = numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        else if ((st = numc_array_to_host(full, *out)) != NUMC_OK && *out != buf)
            free(*out);
    }
    np_scope_end(&s);
    return st;
}

/* Writes the C-order host values into dst's region g (dst's own strides). */
static void write_region(numc_array *dst, const ix_geo *g, const char *src) {
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
static numc_array *setitem_basic_functional(const numc_array *a, const ix_geo *g,
                                            const numc_array *value) {
    int nd = a->ndim;
    int64_t region[NUMC_MAX_DIMS], start[NUMC_MAX_DIMS], stop[NUMC_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        region[d] = g->len[d] < 0 ? 1 : g->len[d];
        start[d] = g->start[d];
        stop[d] = g->len[d] < 0 ? g->start[d] + 1 : g->start[d] + g->len[d] * g->step[d];
        if (g->step[d] < 0 && stop[d] < -1) stop[d] = -1;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *full = np_fit_value(&s, value, a->dtype, g->ndim, g->shape);
    numc_array *shaped = np_reshape(&s, full, nd, region);
    numc_array *r = shaped ? numc_setitem_slice(a, start, stop, g->step, shaped) : NULL;
    np_scope_end(&s);
    return r;
}

/* a[advanced key] = value under a transform: where(mask, take(value, src), a)
 * with the mask and source positions computed on the host, so the update
 * differentiates through both a and value. Needs concrete positions. */
static numc_array *setitem_advanced_functional(const numc_array *a, const numc_array *positions,
                                               const numc_array *value) {
    if (positions->owner || !positions->buffer) {
        numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                       "assignment through integer or boolean arrays needs concrete indices; "
                       "it is not available under numc.function or vmap");
        return NULL;
    }
    int64_t count = positions->size, size = a->size;
    if (count == 0) return numc_array_retain((numc_array *)a);
    np_scope s;
    np_scope_init(&s);
    numc_array *full = np_fit_value(&s, value, a->dtype, positions->ndim, positions->shape);
    numc_array *flat = np_reshape(&s, full, 1, &count), *res = NULL;
    int64_t *pos = NULL, *srcbuf = NULL;
    uint8_t *maskbuf = NULL;
    if (!flat) goto done;
    pos = malloc((size_t)count * sizeof(int64_t));
    srcbuf = calloc((size_t)size, sizeof(int64_t));
    maskbuf = calloc((size_t)size, 1);
    if (!pos || !srcbuf || !maskbuf) {
        numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        goto done;
    }
    if (numc_array_to_host(positions, pos) != NUMC_OK) goto done;
    for (int64_t c = 0; c < count; c++) { /* the last write to a position wins */
        srcbuf[pos[c]] = c;
        maskbuf[pos[c]] = 1;
    }
    numc_array *src = np_keep(&s, numc_array_from_data(NUMC_INT64, a->ndim, a->shape, srcbuf));
    numc_array *mask = np_keep(&s, numc_array_from_data(NUMC_BOOL, a->ndim, a->shape, maskbuf));
    if (!src || !mask) goto done;
    int64_t axis0 = 0;
    numc_array *g = np_keep(&s, numc_take(flat, src, &axis0));
    res = np_new_ref(np_sel(&s, mask, g, a));
done:
    free(pos);
    free(srcbuf);
    free(maskbuf);
    np_scope_end(&s);
    return res;
}

/* a[i, :, j] = value with traced integers (and plain integers and full
 * slices): where(index masks, value spread over a's shape, a). */
static numc_array *setitem_traced_ints(const numc_array *a, const ix_key *k,
                                       const numc_array *value) {
    int nd = a->ndim;
    const int64_t *shape = a->shape;
    int64_t region[NUMC_MAX_DIMS], rshape[NUMC_MAX_DIMS];
    int rnd = 0, d = 0;
    np_scope s;
    np_scope_init(&s);
    numc_array *mask = NULL, *res = NULL;
    for (int j = 0; j < k->n; j++) {
        const ix_item *it = &k->it[j];
        if (it->kind == IX_SLICE) {
            int64_t st, sk, len;
            if (ix_slice_bounds(it->src, shape[d], &st, &sk, &len) != NUMC_OK) goto done;
            if (len == shape[d] && sk == 1) {
                region[d] = rshape[rnd++] = shape[d];
                d++;
                continue;
            }
        }
        if (it->kind != IX_INT && !(it->kind == IX_ARRAY && it->arr->ndim == 0)) {
            numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                           "assignment with a traced index supports integers and full slices");
            goto done;
        }
        /* cond = (iota along d == index), wrapped for negative indices */
        int64_t n = shape[d], one_shape[NUMC_MAX_DIMS];
        for (int q = 0; q < nd; q++)
            one_shape[q] = q == d ? n : 1;
        const numc_array *idx =
            it->kind == IX_INT ? np_const(&s, NUMC_INT64, (double)it->i, 0) : it->arr;
        numc_array *w = np_sel(&s, np_binc(&s, NUMC_PRIM_LT, idx, 0),
                               np_binc(&s, NUMC_PRIM_ADD, idx, (double)n), idx);
        numc_array *io = np_keep(&s, numc_arange(0, (double)n, 1, NUMC_INT64));
        numc_array *cond =
            np_bin(&s, NUMC_PRIM_EQ, np_reshape(&s, io, nd, one_shape), np_cvt(&s, w, NUMC_INT64));
        if (!cond) goto done;
        mask = mask ? np_bin(&s, NUMC_PRIM_AND, mask, cond) : cond;
        if (!mask) goto done;
        region[d++] = 1;
    }
    if (!mask) {
        numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "unsupported traced assignment");
        goto done;
    }
    numc_array *v = np_fit_value(&s, value, a->dtype, rnd, rshape);
    res = np_new_ref(np_sel(&s, mask, np_bcast(&s, np_reshape(&s, v, nd, region), nd, shape), a));
done:
    np_scope_end(&s);
    return res;
}

/* a[advanced key] = value on an eager a: the flat C-order positions of the
 * selected elements (a's iota indexed by the key), then written into a's
 * buffer (in place) or into a fresh copy of a. */
static numc_status setitem_advanced_eager(numc_array **target, const numc_array *positions,
                                          const numc_array *value) {
    numc_array *a = *target, *dst = NULL;
    int nd = a->ndim;
    size_t isz = numc_dtype_itemsize(a->dtype);
    char small[64], *vals = NULL;
    int64_t *pos = NULL, count = positions->size;
    numc_status st =
        value_host(value, a->dtype, positions->ndim, positions->shape, small, sizeof small, &vals);
    if (st != NUMC_OK) return st;
    if (writable_in_place(a)) {
        dst = a;
    } else {
        dst = numc_array_new(a->dtype, nd, a->shape);
        if (!dst || (st = numc_array_to_host(a, numc_array_ptr(dst))) != NUMC_OK) {
            if (!dst) st = numc_error_kind();
            goto done;
        }
    }
    pos = malloc((size_t)(count ? count : 1) * sizeof(int64_t));
    if (!pos) {
        st = numc_error_set(NUMC_ERR_MEMORY, "out of memory");
        goto done;
    }
    if ((st = numc_array_to_host(positions, pos)) != NUMC_OK) goto done;
    bool contig = numc_array_is_contiguous(dst);
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
done:
    free(pos);
    if (vals != small) free(vals);
    if (st == NUMC_OK && dst != a) {
        numc_array_release(a);
        *target = dst;
    } else if (st != NUMC_OK && dst && dst != a) {
        numc_array_release(dst);
    }
    return st;
}

numc_status numc_setitem(numc_array **target, int n, const numc_index *idx,
                         const numc_array *value) {
    if (!target || !*target || !value)
        return numc_error_set(NUMC_ERR_VALUE, "numc_setitem: target and value are required");
    numc_array *a = *target, *r = NULL;
    ix_key k;
    if (ix_parse(&k, n, idx, a->ndim) != NUMC_OK) return numc_error_kind();
    if (!k.n_adv) {
        ix_geo g;
        if (ix_geometry(&k, a->ndim, a->shape, a->strides, &g) != NUMC_OK) return numc_error_kind();
        if (!writable_in_place(a)) {
            r = setitem_basic_functional(a, &g, value);
        } else {
            /* nothing else can see the buffer: write the region in place */
            char small[64], *vals;
            numc_status st =
                value_host(value, a->dtype, g.ndim, g.shape, small, sizeof small, &vals);
            if (st != NUMC_OK) return st;
            write_region(a, &g, vals);
            if (vals != small) free(vals);
            return NUMC_OK;
        }
    } else if (k.n_traced) {
        r = setitem_traced_ints(a, &k, value);
    } else {
        /* flat C-order positions of the selected elements: index an iota */
        numc_array *iota = numc_arange(0, (double)a->size, 1, NUMC_INT64);
        numc_array *shaped = iota ? numc_reshape(iota, a->ndim, a->shape) : NULL;
        if (iota) numc_array_release(iota);
        numc_array *positions = shaped ? ix_apply_advanced(shaped, &k) : NULL;
        if (shaped) numc_array_release(shaped);
        if (!positions) return numc_error_kind();
        if (numc_array_is_eager(a)) {
            numc_status st = setitem_advanced_eager(target, positions, value);
            numc_array_release(positions);
            return st;
        }
        r = setitem_advanced_functional(a, positions, value);
        numc_array_release(positions);
    }
    if (!r) return numc_error_kind();
    numc_array_release(a);
    *target = r;
    return NUMC_OK;
}
