/* scan.c — CPU kernels for cumsum, cumprod, cummax and cummin: inclusive scans
 * along one axis, optionally reversed. They run sequentially along the axis,
 * like NumPy's accumulate, and float16/bfloat16 round to storage precision
 * after every step, as NumPy does when it writes each partial result. When the
 * axis is not the innermost one, a tile of neighbouring lines advances
 * together so the loop vectorises across them. */
#include "struct-ops.h"

typedef struct {
    size_t asz;
    /* out[t*os] = x[0] op ... op x[t*s] for t < n (byte strides) */
    void (*line)(char *out, int64_t os, const char *p, int64_t s, int64_t n);
    /* one step for n side-by-side lines: acc[j] op= x[j*s]; out[j] = acc[j] */
    void (*rows)(void *acc, char *out, const char *p, int64_t n, int64_t s, bool first);
} scan_ops;

/* A step stores through T and reloads, which rounds halves to storage
 * precision and is the identity for every other dtype. */
#define DEFINE_SCAN(NAME, T, ACC, LOAD, STORE, OP)                                                 \
    static void NAME##_line(char *out, int64_t os, const char *p, int64_t s, int64_t n) {          \
        ACC acc = LOAD(LOADT(T, p));                                                               \
        T o = STORE(acc);                                                                          \
        memcpy(out, &o, sizeof o);                                                                 \
        for (int64_t t = 1; t < n; t++) {                                                          \
            acc = OP(acc, LOAD(LOADT(T, p + t * s)));                                              \
            o = STORE(acc);                                                                        \
            memcpy(out + t * os, &o, sizeof o);                                                    \
            acc = LOAD(o);                                                                         \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_rows(void *av, char *outc, const char *p, int64_t n, int64_t s,             \
                            bool first) {                                                          \
        ACC *acc = av;                                                                             \
        T *out = (T *)outc;                                                                        \
        if (first) {                                                                               \
            for (int64_t j = 0; j < n; j++) {                                                      \
                T o = STORE(LOAD(LOADT(T, p + j * s)));                                            \
                out[j] = o;                                                                        \
                acc[j] = LOAD(o);                                                                  \
            }                                                                                      \
        } else if (s == (int64_t)sizeof(T)) {                                                      \
            const T *x = (const T *)p;                                                             \
            for (int64_t j = 0; j < n; j++) {                                                      \
                T o = STORE(OP(acc[j], LOAD(x[j])));                                               \
                out[j] = o;                                                                        \
                acc[j] = LOAD(o);                                                                  \
            }                                                                                      \
        } else {                                                                                   \
            for (int64_t j = 0; j < n; j++) {                                                      \
                T o = STORE(OP(acc[j], LOAD(LOADT(T, p + j * s))));                                \
                out[j] = o;                                                                        \
                acc[j] = LOAD(o);                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static const scan_ops NAME##_sops = {sizeof(ACC), NAME##_line, NAME##_rows};

DEFINE_SCAN(b_or, uint8_t, uint8_t, LD_BOOL, LD_ID, OP_OR)
DEFINE_SCAN(b_and, uint8_t, uint8_t, LD_BOOL, LD_ID, OP_AND)

#define DEFINE_SCAN_INT(SFX, T)                                                                    \
    DEFINE_SCAN(SFX##_sum, T, T, LD_ID, LD_ID, SFX##_isum)                                         \
    DEFINE_SCAN(SFX##_prod, T, T, LD_ID, LD_ID, SFX##_iprod)                                       \
    DEFINE_SCAN(SFX##_max, T, T, LD_ID, LD_ID, OP_GT)                                              \
    DEFINE_SCAN(SFX##_min, T, T, LD_ID, LD_ID, OP_LT)
DEFINE_SCAN_INT(i8, int8_t)
DEFINE_SCAN_INT(i16, int16_t)
DEFINE_SCAN_INT(i32, int32_t)
DEFINE_SCAN_INT(i64, int64_t)
DEFINE_SCAN_INT(u8, uint8_t)
DEFINE_SCAN_INT(u16, uint16_t)
DEFINE_SCAN_INT(u32, uint32_t)
DEFINE_SCAN_INT(u64, uint64_t)

#define DEFINE_SCAN_FLOAT(SFX, T, ACC, LOAD, STORE)                                                \
    DEFINE_SCAN(SFX##_sum, T, ACC, LOAD, STORE, OP_ADD)                                            \
    DEFINE_SCAN(SFX##_prod, T, ACC, LOAD, STORE, OP_MUL)                                           \
    DEFINE_SCAN(SFX##_max, T, ACC, LOAD, STORE, OP_FMAX)                                           \
    DEFINE_SCAN(SFX##_min, T, ACC, LOAD, STORE, OP_FMIN)
DEFINE_SCAN_FLOAT(f16, uint16_t, float, LD_F16, ST_F16)
DEFINE_SCAN_FLOAT(bf16, uint16_t, float, LD_BF16, ST_BF16)
DEFINE_SCAN_FLOAT(f32, float, float, LD_ID, LD_ID)
DEFINE_SCAN_FLOAT(f64, double, double, LD_ID, LD_ID)

#define DEFINE_SCAN_COMPLEX(SFX, C)                                                                \
    DEFINE_SCAN(SFX##_sum, C, C, LD_ID, LD_ID, SFX##_add)                                          \
    DEFINE_SCAN(SFX##_prod, C, C, LD_ID, LD_ID, SFX##_mul)                                         \
    DEFINE_SCAN(SFX##_max, C, C, LD_ID, LD_ID, SFX##_max)                                          \
    DEFINE_SCAN(SFX##_min, C, C, LD_ID, LD_ID, SFX##_min)
DEFINE_SCAN_COMPLEX(c64, numc_complex64)
DEFINE_SCAN_COMPLEX(c128, numc_complex128)

static const scan_ops *scan_ops_for(numc_prim p, numc_dtype dt) {
#define ROW4(S)                                                                                    \
    { &S##_sum_sops, &S##_prod_sops, &S##_max_sops, &S##_min_sops }
    static const scan_ops *const table[NUMC_DTYPE_COUNT][4] = {
        /* bool: + is or, * is and (NumPy's add/multiply on bool) */
        [NUMC_BOOL] = {&b_or_sops, &b_and_sops, &b_or_sops, &b_and_sops},
        [NUMC_INT8] = ROW4(i8),
        [NUMC_INT16] = ROW4(i16),
        [NUMC_INT32] = ROW4(i32),
        [NUMC_INT64] = ROW4(i64),
        [NUMC_UINT8] = ROW4(u8),
        [NUMC_UINT16] = ROW4(u16),
        [NUMC_UINT32] = ROW4(u32),
        [NUMC_UINT64] = ROW4(u64),
        [NUMC_FLOAT16] = ROW4(f16),
        [NUMC_BFLOAT16] = ROW4(bf16),
        [NUMC_FLOAT32] = ROW4(f32),
        [NUMC_FLOAT64] = ROW4(f64),
        [NUMC_COMPLEX64] = ROW4(c64),
        [NUMC_COMPLEX128] = ROW4(c128),
    };
#undef ROW4
    int k;
    switch (p) {
    case NUMC_PRIM_CUMSUM:
        k = 0;
        break;
    case NUMC_PRIM_CUMPROD:
        k = 1;
        break;
    case NUMC_PRIM_CUMMAX:
        k = 2;
        break;
    case NUMC_PRIM_CUMMIN:
        k = 3;
        break;
    default:
        return NULL;
    }
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) return NULL;
    return table[dt][k];
}

#define SCAN_TILE 512 /* side-by-side lines advanced together */

typedef struct {
    const scan_ops *ops;
    const char *base;
    char *out;
    int64_t isz;
    bool rev;
    int no, ni; /* coalesced outer / inner dims */
    int64_t oshape[NUMC_MAX_DIMS], ost[NUMC_MAX_DIMS];
    int64_t ishape[NUMC_MAX_DIMS], ist[NUMC_MAX_DIMS];
    int64_t n, s;             /* the scanned axis */
    int64_t inner;            /* product of ishape */
    int64_t w, irows, ntiles; /* last inner dim, rows of it, tiles per row */
} scan_ctx;

static void scan_lines(void *vctx, int64_t begin, int64_t end) {
    const scan_ctx *c = vctx;
    int64_t last = c->rev ? c->n - 1 : 0, dir = c->rev ? -1 : 1;
    for (int64_t o = begin; o < end; o++) {
        const char *p = c->base + numc_struct_offset(c->no, c->oshape, c->ost, o) + last * c->s;
        char *q = c->out + (o * c->n + last) * c->isz;
        c->ops->line(q, dir * c->isz, p, dir * c->s, c->n);
    }
}

static void scan_tiles(void *vctx, int64_t begin, int64_t end) {
    const scan_ctx *c = vctx;
    _Alignas(16) char acc[SCAN_TILE * 16];
    int64_t sl = c->ist[c->ni - 1];
    for (int64_t u = begin; u < end; u++) {
        int64_t tile = u % c->ntiles, rest = u / c->ntiles;
        int64_t r = rest % c->irows, o = rest / c->irows;
        int64_t j0 = tile * SCAN_TILE, len = c->w - j0 < SCAN_TILE ? c->w - j0 : SCAN_TILE;
        const char *p = c->base + numc_struct_offset(c->no, c->oshape, c->ost, o) +
                        numc_struct_offset(c->ni - 1, c->ishape, c->ist, r) + j0 * sl;
        char *q = c->out + ((o * c->n) * c->inner + r * c->w + j0) * c->isz;
        for (int64_t step = 0; step < c->n; step++) {
            int64_t t = c->rev ? c->n - 1 - step : step;
            c->ops->rows(acc, q + t * c->inner * c->isz, p + t * c->s, len, sl, step == 0);
        }
    }
}

numc_status numc_cpu_scan(numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out) {
    if (nin != 1)
        return numc_error_set(NUMC_ERR_VALUE, "%s takes 1 operand", numc_prim_info[p].name);
    const numc_array *x = in[0];
    numc_array *y = out[0];
    const scan_ops *ops = scan_ops_for(p, x->dtype);
    if (!ops || y->dtype != x->dtype)
        return numc_error_set(NUMC_ERR_TYPE, "%s: unsupported dtype %s", numc_prim_info[p].name,
                              numc_dtype_info[x->dtype].name);
    int axis = params->n >= 1 ? (int)params->i[0] : 0;
    if (axis < 0 || axis >= x->ndim || y->size != x->size)
        return numc_error_set(NUMC_ERR_AXIS, "%s: axis %d out of range for ndim %d",
                              numc_prim_info[p].name, axis, x->ndim);
    if (x->size == 0) return NUMC_OK;
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.ops = ops;
    c.base = numc_array_ptr(x);
    c.out = numc_array_ptr(y);
    c.isz = (int64_t)numc_struct_isz(x->dtype);
    c.rev = params->n >= 2 && params->i[1] != 0;
    int64_t xs[NUMC_MAX_DIMS] = {0};
    numc_struct_byte_strides(x, xs);
    for (int d = 0; d < axis; d++) {
        c.oshape[c.no] = x->shape[d];
        c.ost[c.no++] = xs[d];
    }
    for (int d = axis + 1; d < x->ndim; d++) {
        c.ishape[c.ni] = x->shape[d];
        c.ist[c.ni++] = xs[d];
    }
    c.n = x->shape[axis];
    c.s = xs[axis];
    c.inner = numc_struct_prod(c.ni, c.ishape);
    int64_t outer = numc_struct_prod(c.no, c.oshape);
    /* the output is C-contiguous, so merging input-contiguous dims is safe */
    int64_t *op_[1] = {c.ost}, *ip_[1] = {c.ist};
    c.no = numc_struct_coalesce(c.no, c.oshape, 1, op_);
    c.ni = numc_struct_coalesce(c.ni, c.ishape, 1, ip_);
    if (c.ni == 0) {
        numc_parallel_for(outer, c.n, scan_lines, &c);
        return NUMC_OK;
    }
    c.w = c.ishape[c.ni - 1];
    c.irows = c.inner / c.w;
    c.ntiles = (c.w + SCAN_TILE - 1) / SCAN_TILE;
    numc_parallel_for(outer * c.irows * c.ntiles, c.n * (c.w < SCAN_TILE ? c.w : SCAN_TILE),
                      scan_tiles, &c);
    return NUMC_OK;
}
