/* setitem.c — the functional update behind `a[basic index] = value`: the
 * region is written with dynamic_update_slice when every step is 1, and with
 * pad (interior padding spreads strided regions) plus select otherwise. */
#include "../interp/interp.h"

static numc_array *bind_unary(numc_prim p, const numc_array *x, const numc_params *pr) {
    const numc_array *in[1] = {x};
    return numc_bind1(p, 1, in, pr);
}

/* value -> a's dtype, broadcast to `shape` (NumPy's right-aligned rule). */
static numc_array *fit_value(const numc_array *v, numc_dtype dt, int nd, const int64_t *shape) {
    numc_params cv = {.n = 1, .i = {dt}};
    numc_array *c = bind_unary(NUMC_PRIM_CONVERT, v, &cv);
    if (!c) return NULL;
    if (c->ndim > nd) {
        /* leading unit dims of the value may be dropped, as NumPy allows */
        int extra = c->ndim - nd;
        for (int i = 0; i < extra; i++)
            if (c->shape[i] != 1) goto mismatch;
        numc_params rs = {.n = nd};
        memcpy(rs.i, c->shape + extra, sizeof(int64_t) * (size_t)nd);
        numc_array *r = bind_unary(NUMC_PRIM_RESHAPE, c, &rs);
        numc_array_release(c);
        if (!r) return NULL;
        c = r;
    }
    numc_params bc = {.n = 1 + nd + c->ndim};
    bc.i[0] = nd;
    memcpy(bc.i + 1, shape, sizeof(int64_t) * (size_t)nd);
    int off = nd - c->ndim;
    for (int i = 0; i < c->ndim; i++) {
        if (c->shape[i] != 1 && c->shape[i] != shape[off + i]) goto mismatch;
        bc.i[1 + nd + i] = off + i;
    }
    numc_array *b = bind_unary(NUMC_PRIM_BROADCAST_IN_DIM, c, &bc);
    numc_array_release(c);
    return b;
mismatch : {
    char vs[128] = "(", ts[128] = "(";
    for (int i = 0, k = 1; i < c->ndim; i++)
        k += snprintf(vs + k, sizeof vs - (size_t)k, i ? ",%lld" : "%lld", (long long)c->shape[i]);
    for (int i = 0, k = 1; i < nd; i++)
        k += snprintf(ts + k, sizeof ts - (size_t)k, i ? ",%lld" : "%lld", (long long)shape[i]);
    strcat(vs, ")");
    strcat(ts, ")");
    numc_error_set(NUMC_ERR_VALUE, "could not broadcast input array from shape %s into shape %s",
                   vs, ts);
    numc_array_release(c);
    return NULL;
}
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
    numc_array *upd = fit_value(value, a->dtype, nd, n);
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
