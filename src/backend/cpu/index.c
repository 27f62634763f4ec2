/* index.c — CPU kernels for gather (np.take on one axis), scatter (its
 * inverse, with set/add/mul/min/max), dynamic_slice and dynamic_update_slice.
 * Scatter and dynamic_update_slice skip the initial copy when the eager
 * interpreter hands them an output that already is the operand's buffer
 * (the in-place update of a uniquely owned value). */
#include "struct-ops.h"

/* ---- indices ---- */

/* The indices as a C-order int64 vector, checked against [0, dim) — or,
 * with wrap, against [-dim, dim) with the negative ones wrapped by adding
 * dim, as NumPy does (the error names the index as given). *owned says
 * whether the caller must free the result. */
static numc_status load_indices(const numc_array *idx, int64_t dim, int axis, bool wrap,
                                const int64_t **out, bool *owned) {
    *owned = false;
    int64_t n = idx->size;
    if (!numc_dt_is_int(idx->dtype) && idx->dtype != NUMC_BOOL)
        return numc_error_set(NUMC_ERR_TYPE, "indices must be integers, not %s",
                              numc_dtype_info[idx->dtype].name);
    const int64_t *v;
    if (idx->dtype == NUMC_INT64 && (idx->flags & NUMC_AF_CONTIG) && n > 0) {
        v = (const int64_t *)numc_array_ptr(idx);
    } else {
        int64_t *w = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
        if (!w) return numc_error_set(NUMC_ERR_MEMORY, "out of memory loading indices");
        int64_t st[NUMC_MAX_DIMS];
        numc_struct_byte_strides(idx, st);
        const char *base = n > 0 ? numc_array_ptr(idx) : NULL;
        for (int64_t i = 0; i < n; i++)
            w[i] = numc_struct_load_i64(idx->dtype,
                                        base + numc_struct_offset(idx->ndim, idx->shape, st, i));
        v = w;
        *owned = true;
    }
    int64_t lo = wrap ? -dim : 0;
    for (int64_t i = 0; i < n; i++) {
        if (v[i] >= 0 && v[i] < dim) continue;
        if (v[i] >= lo && v[i] < 0) {
            /* negative and wrapping: wrap in place, in a copy if the
             * vector still is the operand's buffer */
            if (!*owned) {
                int64_t *w = malloc(sizeof(int64_t) * (size_t)n);
                if (!w) return numc_error_set(NUMC_ERR_MEMORY, "out of memory loading indices");
                memcpy(w, v, sizeof(int64_t) * (size_t)n);
                v = w;
                *owned = true;
            }
            ((int64_t *)v)[i] += dim;
            continue;
        }
        int64_t bad = v[i];
        if (*owned) free((void *)v);
        *owned = false;
        return numc_error_set(NUMC_ERR_INDEX,
                              "index %lld is out of bounds for axis %d with size %lld",
                              (long long)bad, axis, (long long)dim);
    }
    *out = v;
    return NUMC_OK;
}

/* ---- gather ---- */

typedef struct {
    const char *x;
    char *out;
    size_t isz;
    const int64_t *ix;
    int64_t ni, sa; /* index count, axis byte stride */
    int no;         /* outer dims (before the axis) */
    int64_t oshape[NUMC_MAX_DIMS], ost[NUMC_MAX_DIMS];
    int nin; /* inner dims (after the axis), coalesced */
    int64_t ishape[NUMC_MAX_DIMS], ist[NUMC_MAX_DIMS], ids[NUMC_MAX_DIMS];
    int64_t inner;
} gather_ctx;

#define GATHER_ELEMS(T)                                                                            \
    for (int64_t t = t0; t < t1; t++)                                                              \
        memcpy(d + (t - t0) * (int64_t)sizeof(T), src + c->ix[t] * c->sa, sizeof(T));              \
    break;

static void gather_task(void *vctx, int64_t begin, int64_t end) {
    const gather_ctx *c = vctx;
    int64_t u = begin;
    while (u < end) {
        int64_t o = u / c->ni, t0 = u - o * c->ni;
        int64_t t1 = c->ni < t0 + (end - u) ? c->ni : t0 + (end - u);
        const char *src = c->x + numc_struct_offset(c->no, c->oshape, c->ost, o);
        char *d = c->out + (size_t)(u * c->inner) * c->isz;
        if (c->inner == 1) {
            switch (c->isz) {
            case 1:
                GATHER_ELEMS(uint8_t)
            case 2:
                GATHER_ELEMS(uint16_t)
            case 4:
                GATHER_ELEMS(uint32_t)
            case 8:
                GATHER_ELEMS(uint64_t)
            default:
                GATHER_ELEMS(numc_complex128)
            }
        } else {
            for (int64_t t = t0; t < t1; t++)
                numc_struct_copy_serial(c->isz, c->nin, c->ishape,
                                        d + (size_t)((t - t0) * c->inner) * c->isz, c->ids,
                                        src + c->ix[t] * c->sa, c->ist);
        }
        u += t1 - t0;
    }
}

static numc_status run_gather(const numc_array *x, const numc_array *idx, const numc_params *pr,
                              numc_array *out) {
    int axis = pr->n >= 1 ? (int)pr->i[0] : 0;
    if (axis < 0 || axis >= x->ndim)
        return numc_error_set(NUMC_ERR_AXIS, "gather: axis %d out of range for ndim %d", axis,
                              x->ndim);
    gather_ctx c;
    memset(&c, 0, sizeof c);
    c.isz = numc_struct_isz(x->dtype);
    c.ni = idx->size;
    int64_t xs[NUMC_MAX_DIMS] = {0};
    numc_struct_byte_strides(x, xs);
    int64_t outer = 1;
    for (int d = 0; d < axis; d++) {
        c.oshape[c.no] = x->shape[d];
        c.ost[c.no++] = xs[d];
        outer *= x->shape[d];
    }
    for (int d = axis + 1; d < x->ndim; d++) {
        c.ishape[c.nin] = x->shape[d];
        c.ist[c.nin++] = xs[d];
    }
    c.inner = numc_struct_prod(c.nin, c.ishape);
    if (out->size != outer * c.ni * c.inner || out->dtype != x->dtype)
        return numc_error_set(NUMC_ERR_VALUE, "gather: output does not match the operands");
    const int64_t *ix;
    bool owned;
    bool wrap = pr->n >= 2 && pr->i[1] == 1;
    numc_status st = load_indices(idx, x->shape[axis], axis, wrap, &ix, &owned);
    if (st != NUMC_OK) return st;
    if (out->size > 0) {
        c.x = numc_array_ptr(x);
        c.out = numc_array_ptr(out);
        c.ix = ix;
        c.sa = xs[axis];
        numc_struct_contig_bytes(c.nin, c.ishape, c.isz, c.ids);
        int64_t *sp[2] = {c.ist, c.ids};
        c.nin = numc_struct_coalesce(c.nin, c.ishape, 2, sp);
        numc_parallel_for(outer * c.ni, c.inner + 4, gather_task, &c);
    }
    if (owned) free((void *)ix);
    return NUMC_OK;
}

/* ---- scatter ---- */

enum { SC_SET, SC_ADD, SC_MUL, SC_MIN, SC_MAX };

/* dst[j] = dst[j] op src[j*s] for a contiguous dst row. Halves round after
 * each update, as NumPy's ufunc.at does. */
typedef void (*apply_fn)(char *dst, const char *src, int64_t n, int64_t s);

#define DEFINE_APPLY(NAME, T, ACC, LOAD, STORE, OP)                                                \
    static void NAME(char *dc, const char *src, int64_t n, int64_t s) {                            \
        T *d = (T *)dc;                                                                            \
        for (int64_t j = 0; j < n; j++)                                                            \
            d[j] = STORE(OP(LOAD(d[j]), LOAD(LOADT(T, src + j * s))));                             \
    }

#define DEFINE_APPLY4(SFX, T, ACC, LOAD, STORE, ADD, MUL, MIN, MAX)                                \
    DEFINE_APPLY(SFX##_add, T, ACC, LOAD, STORE, ADD)                                              \
    DEFINE_APPLY(SFX##_mul, T, ACC, LOAD, STORE, MUL)                                              \
    DEFINE_APPLY(SFX##_min, T, ACC, LOAD, STORE, MIN)                                              \
    DEFINE_APPLY(SFX##_max, T, ACC, LOAD, STORE, MAX)

DEFINE_APPLY4(ap_b, uint8_t, uint8_t, LD_BOOL, LD_ID, OP_OR, OP_AND, OP_AND, OP_OR)
#define DEFINE_APPLY_INT(SFX, T)                                                                   \
    DEFINE_APPLY4(ap_##SFX, T, T, LD_ID, LD_ID, SFX##_isum, SFX##_iprod, OP_LT, OP_GT)
DEFINE_APPLY_INT(i8, int8_t)
DEFINE_APPLY_INT(i16, int16_t)
DEFINE_APPLY_INT(i32, int32_t)
DEFINE_APPLY_INT(i64, int64_t)
DEFINE_APPLY_INT(u8, uint8_t)
DEFINE_APPLY_INT(u16, uint16_t)
DEFINE_APPLY_INT(u32, uint32_t)
DEFINE_APPLY_INT(u64, uint64_t)
DEFINE_APPLY4(ap_f16, uint16_t, float, LD_F16, ST_F16, OP_ADD, OP_MUL, OP_FMIN, OP_FMAX)
DEFINE_APPLY4(ap_bf16, uint16_t, float, LD_BF16, ST_BF16, OP_ADD, OP_MUL, OP_FMIN, OP_FMAX)
DEFINE_APPLY4(ap_f32, float, float, LD_ID, LD_ID, OP_ADD, OP_MUL, OP_FMIN, OP_FMAX)
DEFINE_APPLY4(ap_f64, double, double, LD_ID, LD_ID, OP_ADD, OP_MUL, OP_FMIN, OP_FMAX)
DEFINE_APPLY4(ap_c64, numc_complex64, numc_complex64, LD_ID, LD_ID, c64_add, c64_mul, c64_min,
              c64_max)
DEFINE_APPLY4(ap_c128, numc_complex128, numc_complex128, LD_ID, LD_ID, c128_add, c128_mul, c128_min,
              c128_max)

static apply_fn apply_for(numc_dtype dt, int mode) {
#define ROW4(S)                                                                                    \
    { S##_add, S##_mul, S##_min, S##_max }
    static const apply_fn table[NUMC_DTYPE_COUNT][4] = {
        [NUMC_BOOL] = ROW4(ap_b),          [NUMC_INT8] = ROW4(ap_i8),
        [NUMC_INT16] = ROW4(ap_i16),       [NUMC_INT32] = ROW4(ap_i32),
        [NUMC_INT64] = ROW4(ap_i64),       [NUMC_UINT8] = ROW4(ap_u8),
        [NUMC_UINT16] = ROW4(ap_u16),      [NUMC_UINT32] = ROW4(ap_u32),
        [NUMC_UINT64] = ROW4(ap_u64),      [NUMC_FLOAT16] = ROW4(ap_f16),
        [NUMC_BFLOAT16] = ROW4(ap_bf16),   [NUMC_FLOAT32] = ROW4(ap_f32),
        [NUMC_FLOAT64] = ROW4(ap_f64),     [NUMC_COMPLEX64] = ROW4(ap_c64),
        [NUMC_COMPLEX128] = ROW4(ap_c128),
    };
#undef ROW4
    return table[dt][mode - 1];
}

#define SCATTER_CHUNK 4096 /* inner elements per work unit */

typedef struct {
    char *out;
    const char *upd;
    size_t isz;
    apply_fn apply; /* NULL: set */
    const int64_t *ix;
    int64_t ni, dim; /* index count, x.shape[axis] */
    int no;          /* outer dims of updates (shared with x) */
    int64_t oshape[NUMC_MAX_DIMS], ost[NUMC_MAX_DIMS];
    int nt; /* index dims of updates */
    int64_t tshape[NUMC_MAX_DIMS], tst[NUMC_MAX_DIMS];
    int nin; /* inner dims of updates (all but the last: rows) */
    int64_t ishape[NUMC_MAX_DIMS], ist[NUMC_MAX_DIMS];
    int64_t inner, w, sw, irows, nchunks;
} scatter_ctx;

static void scatter_task(void *vctx, int64_t begin, int64_t end) {
    const scatter_ctx *c = vctx;
    for (int64_t u = begin; u < end; u++) {
        int64_t ch = u % c->nchunks, rest = u / c->nchunks;
        int64_t r = rest % c->irows, o = rest / c->irows;
        int64_t j0 = ch * SCATTER_CHUNK,
                len = c->w - j0 < SCATTER_CHUNK ? c->w - j0 : SCATTER_CHUNK;
        const char *src0 = c->upd + numc_struct_offset(c->no, c->oshape, c->ost, o) +
                           numc_struct_offset(c->nin - 1, c->ishape, c->ist, r) + j0 * c->sw;
        char *dst0 = c->out + (size_t)((o * c->dim) * c->inner + r * c->w + j0) * c->isz;
        /* in index order, so later duplicates win for set */
        for (int64_t t = 0; t < c->ni; t++) {
            const char *src = src0 + numc_struct_offset(c->nt, c->tshape, c->tst, t);
            char *dst = dst0 + (size_t)(c->ix[t] * c->inner) * c->isz;
            if (c->apply)
                c->apply(dst, src, len, c->sw);
            else if (c->sw == (int64_t)c->isz)
                memcpy(dst, src, (size_t)len * c->isz);
            else
                for (int64_t j = 0; j < len; j++)
                    memcpy(dst + (size_t)j * c->isz, src + j * c->sw, c->isz);
        }
    }
}

/* The output starts as a copy of x unless it already is x's buffer. */
static void init_from(const numc_array *x, numc_array *out) {
    if (out->buffer == x->buffer && out->offset == x->offset) {
        int64_t cs[NUMC_MAX_DIMS];
        numc_contig_strides(x->ndim, x->shape, cs);
        bool contig = true;
        for (int d = 0; d < x->ndim; d++)
            contig = contig && (x->shape[d] <= 1 || x->strides[d] == cs[d]);
        if (contig) return;
    }
    if (out->size) numc_struct_copy_array(x, numc_array_ptr(out));
}

/* An operand that shares the output's buffer (possible when the update runs
 * in place) is read from a private copy, or writes would feed later reads.
 * Returns the operand itself or a new reference the caller releases. */
static const numc_array *unaliased(const numc_array *a, const numc_array *out, numc_array **own) {
    *own = NULL;
    if (a->buffer != out->buffer || a->size == 0) return a;
    numc_array *c = numc_array_new(a->dtype, a->ndim, a->shape);
    if (!c) return NULL;
    numc_struct_copy_array(a, numc_array_ptr(c));
    *own = c;
    return c;
}

static numc_status run_scatter(const numc_array *x, const numc_array *idx0, const numc_array *upd0,
                               const numc_params *pr, numc_array *out) {
    int axis = pr->n >= 1 ? (int)pr->i[0] : 0;
    int mode = pr->n >= 2 ? (int)pr->i[1] : SC_SET;
    if (axis < 0 || axis >= x->ndim)
        return numc_error_set(NUMC_ERR_AXIS, "scatter: axis %d out of range for ndim %d", axis,
                              x->ndim);
    if (mode < SC_SET || mode > SC_MAX)
        return numc_error_set(NUMC_ERR_VALUE, "scatter: unknown mode %d", mode);
    /* updates: x.shape[:axis] + indices.shape + x.shape[axis+1:] */
    bool ok = upd0->dtype == x->dtype && out->dtype == x->dtype && out->size == x->size &&
              upd0->ndim == x->ndim - 1 + idx0->ndim;
    for (int d = 0; ok && d < upd0->ndim; d++) {
        int64_t want = d < axis                ? x->shape[d]
                       : d < axis + idx0->ndim ? idx0->shape[d - axis]
                                               : x->shape[d - idx0->ndim + 1];
        ok = upd0->shape[d] == want;
    }
    if (!ok)
        return numc_error_set(NUMC_ERR_VALUE,
                              "scatter: updates do not match the operand and indices");
    numc_array *own_idx, *own_upd;
    const numc_array *idx = unaliased(idx0, out, &own_idx), *upd = unaliased(upd0, out, &own_upd);
    if (!idx || !upd) {
        numc_array_release(own_idx);
        numc_array_release(own_upd);
        return numc_error_set(NUMC_ERR_MEMORY, "scatter: out of memory");
    }
    const int64_t *ix;
    bool owned;
    numc_status st = load_indices(idx, x->shape[axis], axis, false, &ix, &owned);
    if (st != NUMC_OK) {
        numc_array_release(own_idx);
        numc_array_release(own_upd);
        return st;
    }
    init_from(x, out);
    scatter_ctx c;
    memset(&c, 0, sizeof c);
    c.isz = numc_struct_isz(x->dtype);
    c.apply = mode == SC_SET ? NULL : apply_for(x->dtype, mode);
    c.ix = ix;
    c.ni = idx->size;
    c.dim = x->shape[axis];
    int64_t us[NUMC_MAX_DIMS] = {0};
    numc_struct_byte_strides(upd, us);
    int64_t outer = 1;
    for (int d = 0; d < axis; d++) {
        c.oshape[c.no] = upd->shape[d];
        c.ost[c.no++] = us[d];
        outer *= upd->shape[d];
    }
    for (int d = axis; d < axis + idx->ndim; d++) {
        c.tshape[c.nt] = upd->shape[d];
        c.tst[c.nt++] = us[d];
    }
    for (int d = axis + idx->ndim; d < upd->ndim; d++) {
        c.ishape[c.nin] = upd->shape[d];
        c.ist[c.nin++] = us[d];
    }
    c.inner = numc_struct_prod(c.nin, c.ishape);
    if (outer * c.ni * c.inner > 0) {
        /* the inner dims are C-contiguous in the output, so coalescing on
         * the updates' strides alone is safe */
        int64_t *sp[1] = {c.ist};
        c.nin = numc_struct_coalesce(c.nin, c.ishape, 1, sp);
        if (c.nin == 0) {
            c.nin = 1;
            c.ishape[0] = 1;
            c.ist[0] = 0;
        }
        c.w = c.ishape[c.nin - 1];
        c.sw = c.ist[c.nin - 1];
        c.irows = c.inner / c.w;
        c.nchunks = (c.w + SCATTER_CHUNK - 1) / SCATTER_CHUNK;
        c.out = numc_array_ptr(out);
        c.upd = numc_array_ptr(upd);
        numc_parallel_for(outer * c.irows * c.nchunks,
                          c.ni * (c.w < SCATTER_CHUNK ? c.w : SCATTER_CHUNK), scatter_task, &c);
    }
    if (owned) free((void *)ix);
    numc_array_release(own_idx);
    numc_array_release(own_upd);
    return NUMC_OK;
}

/* ---- dynamic slices ---- */

/* Start of dim d, clamped into [0, dim - size] as XLA does. */
static int64_t clamp_start(const numc_array *s, int64_t dim, int64_t size) {
    int64_t v = numc_struct_load_i64(s->dtype, numc_array_ptr(s));
    if (v > dim - size) v = dim - size;
    if (v < 0) v = 0;
    return v;
}

static numc_status check_starts(int nin, const numc_array *const *in, int first, int nd) {
    if (nin != first + nd)
        return numc_error_set(NUMC_ERR_VALUE, "expected %d start indices, got %d", nd, nin - first);
    for (int k = first; k < nin; k++)
        if (in[k]->ndim != 0 || numc_dt_is_inexact(in[k]->dtype))
            return numc_error_set(NUMC_ERR_TYPE, "start indices must be 0-d integers");
    return NUMC_OK;
}

static numc_status run_dynamic_slice(int nin, const numc_array *const *in, const numc_params *pr,
                                     numc_array *out) {
    const numc_array *x = in[0];
    int nd = x->ndim;
    numc_status st = check_starts(nin, in, 1, nd);
    if (st != NUMC_OK) return st;
    if (pr->n < nd || out->ndim != nd || out->dtype != x->dtype)
        return numc_error_set(NUMC_ERR_VALUE, "dynamic_slice: malformed parameters");
    int64_t xs[NUMC_MAX_DIMS] = {0}, ds[NUMC_MAX_DIMS] = {0};
    numc_struct_byte_strides(x, xs);
    size_t isz = numc_struct_isz(x->dtype);
    const char *src = numc_array_ptr(x);
    for (int d = 0; d < nd; d++) {
        int64_t size = pr->i[d];
        if (size < 0 || size > x->shape[d] || out->shape[d] != size)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "dynamic_slice: slice size %lld does not fit dim %lld",
                                  (long long)size, (long long)x->shape[d]);
        src += clamp_start(in[1 + d], x->shape[d], size) * xs[d];
    }
    if (out->size == 0) return NUMC_OK;
    numc_struct_contig_bytes(nd, out->shape, isz, ds);
    numc_struct_copy(isz, nd, out->shape, numc_array_ptr(out), ds, src, xs);
    return NUMC_OK;
}

static numc_status run_dynamic_update_slice(int nin, const numc_array *const *in, numc_array *out) {
    if (nin < 2)
        return numc_error_set(NUMC_ERR_VALUE, "dynamic_update_slice takes x, update and starts");
    const numc_array *x = in[0], *u = in[1];
    int nd = x->ndim;
    numc_status st = check_starts(nin, in, 2, nd);
    if (st != NUMC_OK) return st;
    if (u->ndim != nd || u->dtype != x->dtype || out->dtype != x->dtype || out->size != x->size)
        return numc_error_set(NUMC_ERR_VALUE,
                              "dynamic_update_slice: update does not match the operand");
    for (int d = 0; d < nd; d++)
        if (u->shape[d] > x->shape[d])
            return numc_error_set(NUMC_ERR_VALUE,
                                  "dynamic_update_slice: update is larger than the operand");
    if (u->size == 0) {
        init_from(x, out);
        return NUMC_OK;
    }
    numc_array *own;
    u = unaliased(u, out, &own);
    if (!u) return numc_error_set(NUMC_ERR_MEMORY, "dynamic_update_slice: out of memory");
    init_from(x, out);
    size_t isz = numc_struct_isz(x->dtype);
    int64_t os[NUMC_MAX_DIMS] = {0}, us[NUMC_MAX_DIMS] = {0};
    numc_struct_contig_bytes(nd, out->shape, isz, os);
    numc_struct_byte_strides(u, us);
    char *dst = numc_array_ptr(out);
    for (int d = 0; d < nd; d++)
        dst += clamp_start(in[2 + d], x->shape[d], u->shape[d]) * os[d];
    numc_struct_copy(isz, nd, u->shape, dst, os, numc_array_ptr(u), us);
    numc_array_release(own);
    return NUMC_OK;
}

numc_status numc_cpu_index(numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array *const *out) {
    switch (p) {
    case NUMC_PRIM_GATHER:
        if (nin != 2) return numc_error_set(NUMC_ERR_VALUE, "gather takes 2 operands");
        return run_gather(in[0], in[1], params, out[0]);
    case NUMC_PRIM_SCATTER:
        if (nin != 3) return numc_error_set(NUMC_ERR_VALUE, "scatter takes 3 operands");
        return run_scatter(in[0], in[1], in[2], params, out[0]);
    case NUMC_PRIM_DYNAMIC_SLICE:
        if (nin < 1) return numc_error_set(NUMC_ERR_VALUE, "dynamic_slice takes an operand");
        return run_dynamic_slice(nin, in, params, out[0]);
    case NUMC_PRIM_DYNAMIC_UPDATE_SLICE:
        return run_dynamic_update_slice(nin, in, out[0]);
    default:
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "cpu index: unsupported primitive %s",
                              numc_prim_info[p].name);
    }
}
