/* layout.c — CPU kernels for iota, constant, pad, concatenate and the
 * materialising fallback of reshape/transpose/slice/rev/broadcast_in_dim; also
 * the strided N-d copy (struct-util.h) that every structural kernel uses. */
#include "struct-util.h"

/* ---- strided copy ---- */

typedef struct {
    size_t isz;
    int nd; /* coalesced dims; the last one is the row */
    int64_t shape[NUMC_MAX_DIMS], ds[NUMC_MAX_DIMS], ss[NUMC_MAX_DIMS];
    int64_t piece, npieces; /* a row is cut into npieces of `piece` elements */
    char *dst;
    const char *src;
} copy_ctx;

#define COPY_LOOP(T)                                                                               \
    for (int64_t i = 0; i < n; i++)                                                                \
        memcpy(d + i * dstep, s + i * sstep, sizeof(T));

static void copy_row(char *d, int64_t dstep, const char *s, int64_t sstep, int64_t n, size_t isz) {
    if (dstep == (int64_t)isz && sstep == (int64_t)isz) {
        memcpy(d, s, (size_t)n * isz);
        return;
    }
    /* fixed-size memcpy compiles to a single load/store per element */
    switch (isz) {
    case 1:
        COPY_LOOP(uint8_t) break;
    case 2:
        COPY_LOOP(uint16_t) break;
    case 4:
        COPY_LOOP(uint32_t) break;
    case 8:
        COPY_LOOP(uint64_t) break;
    case 16:
        COPY_LOOP(numc_complex128) break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(d + i * dstep, s + i * sstep, isz);
    }
}

static void copy_task(void *vctx, int64_t begin, int64_t end) {
    const copy_ctx *c = vctx;
    int nd = c->nd;
    int64_t row_len = c->shape[nd - 1];
    for (int64_t t = begin; t < end; t++) {
        int64_t row = t / c->npieces, piece = t - row * c->npieces;
        int64_t j0 = piece * c->piece;
        int64_t n = row_len - j0 < c->piece ? row_len - j0 : c->piece;
        int64_t doff = numc_struct_offset(nd - 1, c->shape, c->ds, row) + j0 * c->ds[nd - 1];
        int64_t soff = numc_struct_offset(nd - 1, c->shape, c->ss, row) + j0 * c->ss[nd - 1];
        copy_row(c->dst + doff, c->ds[nd - 1], c->src + soff, c->ss[nd - 1], n, c->isz);
    }
}

static void copy_impl(bool parallel, size_t isz, int ndim, const int64_t *shape, char *dst,
                      const int64_t *dst_strides, const char *src, const int64_t *src_strides) {
    copy_ctx c;
    c.isz = isz;
    c.dst = dst;
    c.src = src;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 0) return;
        c.shape[d] = shape[d];
        c.ds[d] = dst_strides[d];
        c.ss[d] = src_strides[d];
    }
    int64_t *st[2] = {c.ds, c.ss};
    c.nd = numc_struct_coalesce(ndim, c.shape, 2, st);
    if (c.nd == 0) {
        memcpy(dst, src, isz);
        return;
    }
    int64_t row_len = c.shape[c.nd - 1];
    int64_t rows = numc_struct_prod(c.nd - 1, c.shape);
    /* long rows are cut so a single huge row still uses every thread */
    c.piece = row_len;
    if (rows < 64 && row_len >= (1 << 15)) c.piece = 1 << 14;
    c.npieces = (row_len + c.piece - 1) / c.piece;
    if (parallel)
        numc_parallel_for(rows * c.npieces, c.piece * (int64_t)isz / 4 + 1, copy_task, &c);
    else
        copy_task(&c, 0, rows * c.npieces);
}

void numc_struct_copy(size_t isz, int ndim, const int64_t *shape, char *dst,
                      const int64_t *dst_strides, const char *src, const int64_t *src_strides) {
    copy_impl(true, isz, ndim, shape, dst, dst_strides, src, src_strides);
}

void numc_struct_copy_serial(size_t isz, int ndim, const int64_t *shape, char *dst,
                             const int64_t *dst_strides, const char *src,
                             const int64_t *src_strides) {
    copy_impl(false, isz, ndim, shape, dst, dst_strides, src, src_strides);
}

void numc_struct_copy_array(const numc_array *src, char *dst) {
    int64_t ss[NUMC_MAX_DIMS], ds[NUMC_MAX_DIMS];
    size_t isz = numc_struct_isz(src->dtype);
    numc_struct_byte_strides(src, ss);
    numc_struct_contig_bytes(src->ndim, src->shape, isz, ds);
    numc_struct_copy(isz, src->ndim, src->shape, dst, ds, numc_array_ptr(src), ss);
}

void numc_struct_fill(char *dst, int64_t n, size_t isz, const void *val) {
    if (n <= 0) return;
    const uint8_t *v = val;
    bool zero = true;
    for (size_t k = 0; k < isz; k++)
        zero = zero && v[k] == 0;
    if (zero) {
        memset(dst, 0, (size_t)n * isz);
        return;
    }
    if (isz == 1) {
        memset(dst, v[0], (size_t)n);
        return;
    }
    /* doubling memcpy: log(n) calls, each as fast as memcpy gets */
    memcpy(dst, val, isz);
    int64_t have = 1;
    while (have < n) {
        int64_t m = have < n - have ? have : n - have;
        memcpy(dst + have * (int64_t)isz, dst, (size_t)m * isz);
        have += m;
    }
}

/* ---- scalar conversions (the core codec) ---- */

int64_t numc_struct_load_i64(numc_dtype dt, const void *p) {
    numc_value v = numc_codec_load(dt, p);
    return v.kind == 'u' ? (int64_t)v.u : v.kind == 'b' || v.kind == 'i' ? v.i : (int64_t)v.re;
}

void numc_struct_store_i64(numc_dtype dt, void *p, int64_t v) {
    numc_codec_store(dt, p, numc_value_i64(v));
}

/* ---- iota ---- */

typedef struct {
    numc_dtype dt;
    char *out;
    int64_t len, inner; /* value = (flat / inner) % len */
} iota_ctx;

static void iota_task(void *vctx, int64_t begin, int64_t end) {
    const iota_ctx *c = vctx;
    switch (c->dt) {
#define IOTA_CASE(E, n, t, s, k, K)                                                                \
    case NUMC_##E: {                                                                               \
        t *o = (t *)c->out;                                                                        \
        for (int64_t q = begin; q < end; q++) {                                                    \
            const t v = NUMC_CODEC_ST_##K(E, t, numc_value_i64(q % c->len));                       \
            for (int64_t j = 0; j < c->inner; j++)                                                 \
                o[q * c->inner + j] = v;                                                           \
        }                                                                                          \
        break;                                                                                     \
    }
        NUMC_DTYPE_LIST(IOTA_CASE)
#undef IOTA_CASE
    default:
        break;
    }
}

static numc_status run_iota(const numc_params *pr, numc_array *out) {
    int dim = pr->n >= 2 ? (int)pr->i[1] : 0;
    if (out->ndim == 0) {
        numc_struct_store_i64(out->dtype, numc_array_ptr(out), 0);
        return NUMC_OK;
    }
    if (dim < 0 || dim >= out->ndim)
        return numc_error_set(NUMC_ERR_VALUE, "iota: dimension %d out of range for ndim %d", dim,
                              out->ndim);
    if (out->size == 0) return NUMC_OK;
    iota_ctx c = {out->dtype, numc_array_ptr(out), out->shape[dim],
                  numc_struct_prod(out->ndim - dim - 1, out->shape + dim + 1)};
    numc_parallel_for(out->size / c.inner, c.inner, iota_task, &c);
    return NUMC_OK;
}

/* ---- pad ---- */

static numc_status run_pad(const numc_array *x, const numc_array *padv, const numc_params *pr,
                           numc_array *out) {
    int nd = x->ndim;
    size_t isz = numc_struct_isz(x->dtype);
    if (pr->n < 3 * nd || out->ndim != nd || padv->dtype != x->dtype)
        return numc_error_set(NUMC_ERR_VALUE, "pad: malformed parameters");
    bool need_fill = false;
    for (int d = 0; d < nd; d++)
        need_fill = need_fill || pr->i[d] != 0 || pr->i[nd + d] != 0 || pr->i[2 * nd + d] != 0;
    if (need_fill) numc_struct_fill(numc_array_ptr(out), out->size, isz, numc_array_ptr(padv));

    /* Element j of x lands at lo + j*(interior+1); copy the j range that
     * lands inside the output (negative lo/hi crop). */
    int64_t shape[NUMC_MAX_DIMS], ss[NUMC_MAX_DIMS], ds[NUMC_MAX_DIMS], ocs[NUMC_MAX_DIMS];
    numc_struct_byte_strides(x, ss);
    numc_struct_contig_bytes(nd, out->shape, isz, ocs);
    const char *src = numc_array_ptr(x);
    char *dst = numc_array_ptr(out);
    for (int d = 0; d < nd; d++) {
        int64_t n = x->shape[d], lo = pr->i[d], step = pr->i[2 * nd + d] + 1, od = out->shape[d];
        if (step < 1) return numc_error_set(NUMC_ERR_VALUE, "pad: negative interior padding");
        int64_t j0 = lo >= 0 ? 0 : (-lo + step - 1) / step;
        int64_t j1 = od - 1 - lo < 0 ? 0 : (od - 1 - lo) / step + 1;
        if (j1 > n) j1 = n;
        if (j0 >= j1) return NUMC_OK; /* nothing of x survives */
        shape[d] = j1 - j0;
        src += j0 * ss[d];
        dst += (lo + j0 * step) * ocs[d];
        ds[d] = ocs[d] * step;
    }
    numc_struct_copy(isz, nd, shape, dst, ds, src, ss);
    return NUMC_OK;
}

/* ---- concatenate ---- */

static numc_status run_concat(int nin, const numc_array *const *in, const numc_params *pr,
                              numc_array *out) {
    int nd = out->ndim;
    int axis = pr->n >= 1 ? (int)pr->i[0] : 0;
    if (axis < 0 || axis >= nd)
        return numc_error_set(NUMC_ERR_AXIS, "concatenate: axis %d out of range", axis);
    size_t isz = numc_struct_isz(out->dtype);
    int64_t ds[NUMC_MAX_DIMS], ss[NUMC_MAX_DIMS];
    numc_struct_contig_bytes(nd, out->shape, isz, ds);
    int64_t pos = 0;
    for (int k = 0; k < nin; k++) {
        const numc_array *a = in[k];
        if (a->ndim != nd || a->dtype != out->dtype || pos + a->shape[axis] > out->shape[axis])
            return numc_error_set(NUMC_ERR_VALUE, "concatenate: operand %d does not fit", k);
        numc_struct_byte_strides(a, ss);
        numc_struct_copy(isz, nd, a->shape, numc_array_ptr(out) + pos * ds[axis], ds,
                         numc_array_ptr(a), ss);
        pos += a->shape[axis];
    }
    return NUMC_OK;
}

/* ---- view fallbacks: compute the view's geometry over x, then copy ---- */

static numc_status run_view_copy(numc_prim p, const numc_array *x, const numc_params *pr,
                                 numc_array *out) {
    int nd = x->ndim, ond = out->ndim;
    int64_t shape[NUMC_MAX_DIMS], st[NUMC_MAX_DIMS], ds[NUMC_MAX_DIMS], xs[NUMC_MAX_DIMS];
    size_t isz = numc_struct_isz(x->dtype);
    numc_struct_byte_strides(x, xs);
    const char *src = numc_array_ptr(x);
    int vnd = ond;
    switch (p) {
    case NUMC_PRIM_RESHAPE:
        /* C-order traversal of x is C-order traversal of the result */
        if (x->size != out->size) return numc_error_set(NUMC_ERR_VALUE, "reshape: size mismatch");
        vnd = nd;
        memcpy(shape, x->shape, sizeof(int64_t) * (size_t)nd);
        memcpy(st, xs, sizeof(int64_t) * (size_t)nd);
        break;
    case NUMC_PRIM_TRANSPOSE:
        if (ond != nd || pr->n < nd)
            return numc_error_set(NUMC_ERR_VALUE, "transpose: bad permutation");
        for (int d = 0; d < nd; d++) {
            int64_t q = pr->i[d];
            if (q < 0 || q >= nd)
                return numc_error_set(NUMC_ERR_VALUE, "transpose: bad permutation");
            shape[d] = x->shape[q];
            st[d] = xs[q];
        }
        break;
    case NUMC_PRIM_SLICE:
        if (ond != nd || pr->n < 3 * nd)
            return numc_error_set(NUMC_ERR_VALUE, "slice: malformed parameters");
        for (int d = 0; d < nd; d++) {
            int64_t start = pr->i[d], stride = pr->i[2 * nd + d];
            shape[d] = out->shape[d];
            st[d] = xs[d] * stride;
            if (shape[d] > 0) src += start * xs[d];
        }
        break;
    case NUMC_PRIM_REV:
        memcpy(shape, x->shape, sizeof(int64_t) * (size_t)nd);
        memcpy(st, xs, sizeof(int64_t) * (size_t)nd);
        for (int k = 0; k < pr->n; k++) {
            int64_t d = pr->i[k];
            if (d < 0 || d >= nd) return numc_error_set(NUMC_ERR_AXIS, "rev: axis out of range");
            if (shape[d] > 0) src += (shape[d] - 1) * st[d];
            st[d] = -st[d];
        }
        break;
    case NUMC_PRIM_BROADCAST_IN_DIM:
        if (pr->n < 1 + ond + nd)
            return numc_error_set(NUMC_ERR_VALUE, "broadcast_in_dim: malformed parameters");
        for (int d = 0; d < ond; d++) {
            shape[d] = out->shape[d];
            st[d] = 0;
        }
        for (int k = 0; k < nd; k++) {
            int64_t d = pr->i[1 + ond + k];
            if (d < 0 || d >= ond || (x->shape[k] != 1 && x->shape[k] != out->shape[d]))
                return numc_error_set(NUMC_ERR_VALUE, "broadcast_in_dim: incompatible dims");
            if (x->shape[k] != 1) st[d] = xs[k];
        }
        break;
    default:
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "cpu layout: unsupported primitive %s",
                              numc_prim_info[p].name);
    }
    numc_struct_contig_bytes(vnd, shape, isz, ds);
    numc_struct_copy(isz, vnd, shape, numc_array_ptr(out), ds, src, st);
    return NUMC_OK;
}

numc_status numc_cpu_layout(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array *const *out) {
    numc_array *o = out[0];
    switch (p) {
    case NUMC_PRIM_IOTA:
        return run_iota(params, o);
    case NUMC_PRIM_CONSTANT: {
        const numc_array *v = params->ptr;
        if (!v || v->dtype != o->dtype || v->size != o->size || !v->buffer)
            return numc_error_set(NUMC_ERR_VALUE, "constant: value does not match the output");
        if (o->size) numc_struct_copy_array(v, numc_array_ptr(o));
        return NUMC_OK;
    }
    case NUMC_PRIM_PAD:
        if (nin != 2) return numc_error_set(NUMC_ERR_VALUE, "pad takes 2 operands");
        return run_pad(in[0], in[1], params, o);
    case NUMC_PRIM_CONCATENATE:
        return run_concat(nin, in, params, o);
    default:
        if (nin != 1)
            return numc_error_set(NUMC_ERR_VALUE, "%s takes 1 operand", numc_prim_info[p].name);
        if (o->size == 0) return NUMC_OK;
        return run_view_copy(p, in[0], params, o);
    }
}
