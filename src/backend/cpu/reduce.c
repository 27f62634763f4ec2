/* reduce.c — CPU kernels for reduce_sum/prod/max/min/and/or and argmax/argmin.
 *
 * Every (op, dtype) pair is described by a small table of loops over an
 * accumulator type (float for float16/bfloat16, the dtype itself otherwise);
 * one geometry driver runs them. The driver puts kept dims first and sorted
 * reduced dims last, then picks one of two shapes of loop:
 *   per-output: each output reduces strided 1-d lines (inner reduced axis);
 *   row mode:   a tile of kept-inner outputs accumulates whole rows, which
 *               vectorises across the kept axis (e.g. sum over axis 0).
 * Floating sums are pairwise in both modes (leaves of many lanes, a tree
 * above), as accurate as NumPy's and SIMD friendly. Few outputs over many
 * elements split the outermost reduced axis across threads; the partials are
 * merged afterwards. */
#include "struct-ops.h"

/* ---- op tables ---- */

typedef struct {
    size_t asz;                                                    /* accumulator bytes */
    void (*ident)(void *acc, int64_t n);                           /* acc[0..n) = identity */
    void (*red1d)(void *acc, const char *p, int64_t n, int64_t s); /* *acc = op over n elems */
    void (*rows)(void *acc, const char *p, int64_t n, int64_t s);  /* acc[j] op= x[j] */
    void (*rows4)(void *acc, const char *const *q, int64_t n, int64_t s); /* four rows */
    void (*merge)(void *acc, const void *b, int64_t n);                   /* acc[j] op= b[j] */
    void (*store)(char *dst, const void *acc, int64_t n);                 /* contiguous dst */
} red_ops;

#define DEFINE_COMMON(NAME, T, ACC, LOAD, STORE, IDENT, OP)                                        \
    static void NAME##_ident(void *a, int64_t n) {                                                 \
        ACC *x = a;                                                                                \
        for (int64_t j = 0; j < n; j++)                                                            \
            x[j] = IDENT;                                                                          \
    }                                                                                              \
    static void NAME##_rows(void *av, const char *p, int64_t n, int64_t s) {                       \
        ACC *acc = av;                                                                             \
        if (s == (int64_t)sizeof(T)) {                                                             \
            const T *x = (const T *)p;                                                             \
            for (int64_t j = 0; j < n; j++)                                                        \
                acc[j] = OP(acc[j], LOAD(x[j]));                                                   \
        } else {                                                                                   \
            for (int64_t j = 0; j < n; j++)                                                        \
                acc[j] = OP(acc[j], LOAD(LOADT(T, p + j * s)));                                    \
        }                                                                                          \
    }                                                                                              \
    /* four rows at once: pairs them first, and touches acc a quarter as often */                  \
    static void NAME##_rows4(void *av, const char *const *q, int64_t n, int64_t s) {               \
        ACC *acc = av;                                                                             \
        if (s == (int64_t)sizeof(T)) {                                                             \
            const T *x0 = (const T *)q[0], *x1 = (const T *)q[1];                                  \
            const T *x2 = (const T *)q[2], *x3 = (const T *)q[3];                                  \
            for (int64_t j = 0; j < n; j++)                                                        \
                acc[j] =                                                                           \
                    OP(acc[j], OP(OP(LOAD(x0[j]), LOAD(x1[j])), OP(LOAD(x2[j]), LOAD(x3[j]))));    \
        } else {                                                                                   \
            for (int64_t j = 0; j < n; j++) {                                                      \
                ACC v0 = LOAD(LOADT(T, q[0] + j * s)), v1 = LOAD(LOADT(T, q[1] + j * s));          \
                ACC v2 = LOAD(LOADT(T, q[2] + j * s)), v3 = LOAD(LOADT(T, q[3] + j * s));          \
                acc[j] = OP(acc[j], OP(OP(v0, v1), OP(v2, v3)));                                   \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_merge(void *av, const void *bv, int64_t n) {                                \
        ACC *acc = av;                                                                             \
        const ACC *b = bv;                                                                         \
        for (int64_t j = 0; j < n; j++)                                                            \
            acc[j] = OP(acc[j], b[j]);                                                             \
    }                                                                                              \
    static void NAME##_store(char *d, const void *av, int64_t n) {                                 \
        T *o = (T *)d;                                                                             \
        const ACC *a = av;                                                                         \
        for (int64_t j = 0; j < n; j++)                                                            \
            o[j] = STORE(a[j]);                                                                    \
    }

/* Order-insensitive ops (ints, max/min, bool): many independent lanes. */
#define DEFINE_RED1D_LANES(NAME, T, ACC, LOAD, IDENT, OP)                                          \
    static void NAME##_red1d(void *av, const char *p, int64_t n, int64_t s) {                      \
        ACC r = IDENT;                                                                             \
        if (s == (int64_t)sizeof(T)) {                                                             \
            const T *x = (const T *)p;                                                             \
            ACC acc[32];                                                                           \
            for (int k = 0; k < 32; k++)                                                           \
                acc[k] = IDENT;                                                                    \
            int64_t i = 0;                                                                         \
            for (; i + 32 <= n; i += 32)                                                           \
                for (int k = 0; k < 32; k++)                                                       \
                    acc[k] = OP(acc[k], LOAD(x[i + k]));                                           \
            for (; i < n; i++)                                                                     \
                acc[0] = OP(acc[0], LOAD(x[i]));                                                   \
            for (int w = 16; w >= 1; w /= 2)                                                       \
                for (int k = 0; k < w; k++)                                                        \
                    acc[k] = OP(acc[k], acc[k + w]);                                               \
            r = acc[0];                                                                            \
        } else {                                                                                   \
            for (int64_t i = 0; i < n; i++)                                                        \
                r = OP(r, LOAD(LOADT(T, p + i * s)));                                              \
        }                                                                                          \
        *(ACC *)av = r;                                                                            \
    }

/* Order-sensitive ops without a pairwise form (float/complex prod, complex
 * max/min): sequential, as NumPy does. */
#define DEFINE_RED1D_SEQ(NAME, T, ACC, LOAD, IDENT, OP)                                            \
    static void NAME##_red1d(void *av, const char *p, int64_t n, int64_t s) {                      \
        ACC r = IDENT;                                                                             \
        for (int64_t i = 0; i < n; i++)                                                            \
            r = OP(r, LOAD(LOADT(T, p + i * s)));                                                  \
        *(ACC *)av = r;                                                                            \
    }

#define DEFINE_TABLE(NAME, ACC)                                                                    \
    static const red_ops NAME##_ops = {sizeof(ACC),  NAME##_ident, NAME##_red1d, NAME##_rows,      \
                                       NAME##_rows4, NAME##_merge, NAME##_store};

#define DEFINE_LANES(NAME, T, ACC, LOAD, STORE, IDENT, OP)                                         \
    DEFINE_COMMON(NAME, T, ACC, LOAD, STORE, IDENT, OP)                                            \
    DEFINE_RED1D_LANES(NAME, T, ACC, LOAD, IDENT, OP)                                              \
    DEFINE_TABLE(NAME, ACC)
#define DEFINE_SEQ(NAME, T, ACC, LOAD, STORE, IDENT, OP)                                           \
    DEFINE_COMMON(NAME, T, ACC, LOAD, STORE, IDENT, OP)                                            \
    DEFINE_RED1D_SEQ(NAME, T, ACC, LOAD, IDENT, OP)                                                \
    DEFINE_TABLE(NAME, ACC)

/* ---- pairwise float sums ----
 * Leaves of PW_BLOCK reals summed into PW_LANES lanes (16 adds per lane), the
 * halves of larger ranges summed recursively and added lane by lane. Split
 * points are multiples of PW_LANES, so in an interleaved complex array even
 * lanes only ever see real parts and odd lanes imaginary parts. */
#define PW_LANES 32
#define PW_BLOCK 512

#define DEFINE_PAIRWISE(R, T, ACC, LOAD)                                                           \
    static void pw_contig_##R(ACC *lanes, const T *x, int64_t n) {                                 \
        if (n <= PW_BLOCK) {                                                                       \
            ACC acc[PW_LANES];                                                                     \
            for (int k = 0; k < PW_LANES; k++)                                                     \
                acc[k] = lanes[k];                                                                 \
            int64_t i = 0;                                                                         \
            for (; i + PW_LANES <= n; i += PW_LANES)                                               \
                for (int k = 0; k < PW_LANES; k++)                                                 \
                    acc[k] += LOAD(x[i + k]);                                                      \
            for (int k = 0; i + k < n; k++)                                                        \
                acc[k] += LOAD(x[i + k]);                                                          \
            for (int k = 0; k < PW_LANES; k++)                                                     \
                lanes[k] = acc[k];                                                                 \
            return;                                                                                \
        }                                                                                          \
        int64_t h = n / 2 / PW_LANES * PW_LANES;                                                   \
        ACC right[PW_LANES] = {0};                                                                 \
        pw_contig_##R(lanes, x, h);                                                                \
        pw_contig_##R(right, x + h, n - h);                                                        \
        for (int k = 0; k < PW_LANES; k++)                                                         \
            lanes[k] += right[k];                                                                  \
    }                                                                                              \
    static ACC pw_strided_##R(const char *p, int64_t n, int64_t s) {                               \
        if (n <= PW_BLOCK / 4) {                                                                   \
            ACC acc[8] = {0};                                                                      \
            int64_t i = 0;                                                                         \
            for (; i + 8 <= n; i += 8)                                                             \
                for (int k = 0; k < 8; k++)                                                        \
                    acc[k] += LOAD(LOADT(T, p + (i + k) * s));                                     \
            for (int k = 0; i + k < n; k++)                                                        \
                acc[k] += LOAD(LOADT(T, p + (i + k) * s));                                         \
            return ((acc[0] + acc[1]) + (acc[2] + acc[3])) +                                       \
                   ((acc[4] + acc[5]) + (acc[6] + acc[7]));                                        \
        }                                                                                          \
        int64_t h = n / 2 / 8 * 8;                                                                 \
        return pw_strided_##R(p, h, s) + pw_strided_##R(p + h * s, n - h, s);                      \
    }                                                                                              \
    /* sums n elements of nc interleaved components (1 real, 2 complex) */                         \
    static void pw_sum_##R(ACC *res, const char *p, int64_t n, int64_t s, int nc) {                \
        if (s == (int64_t)sizeof(T) * nc && n * nc <= 128) {                                       \
            /* short rows: one vector of lanes, less fixed cost */                                 \
            const T *x = (const T *)p;                                                             \
            ACC acc[8] = {0};                                                                      \
            int64_t i = 0, m = n * nc;                                                             \
            for (; i + 8 <= m; i += 8)                                                             \
                for (int k = 0; k < 8; k++)                                                        \
                    acc[k] += LOAD(x[i + k]);                                                      \
            for (int k = 0; i + k < m; k++)                                                        \
                acc[k] += LOAD(x[i + k]);                                                          \
            for (int w = 4; w >= nc; w /= 2)                                                       \
                for (int k = 0; k < w; k++)                                                        \
                    acc[k] += acc[k + w];                                                          \
            for (int c = 0; c < nc; c++)                                                           \
                res[c] = acc[c];                                                                   \
        } else if (s == (int64_t)sizeof(T) * nc) {                                                 \
            ACC lanes[PW_LANES] = {0};                                                             \
            pw_contig_##R(lanes, (const T *)p, n *nc);                                             \
            for (int w = PW_LANES / 2; w >= nc; w /= 2)                                            \
                for (int k = 0; k < w; k++)                                                        \
                    lanes[k] += lanes[k + w];                                                      \
            for (int c = 0; c < nc; c++)                                                           \
                res[c] = lanes[c];                                                                 \
        } else {                                                                                   \
            for (int c = 0; c < nc; c++)                                                           \
                res[c] = pw_strided_##R(p + c * (int64_t)sizeof(T), n, s);                         \
        }                                                                                          \
    }

DEFINE_PAIRWISE(f32, float, float, LD_ID)
DEFINE_PAIRWISE(f64, double, double, LD_ID)
DEFINE_PAIRWISE(f16, uint16_t, float, LD_F16)
DEFINE_PAIRWISE(bf16, uint16_t, float, LD_BF16)

#define DEFINE_SUM_PW(NAME, T, ACC, LOAD, STORE, R, NC)                                            \
    DEFINE_COMMON(NAME, T, ACC, LOAD, STORE, (ACC){0}, OP_ADD)                                     \
    static void NAME##_red1d(void *av, const char *p, int64_t n, int64_t s) {                      \
        pw_sum_##R((void *)av, p, n, s, NC);                                                       \
    }                                                                                              \
    DEFINE_TABLE(NAME, ACC)

/* ---- instantiations ---- */

/* bool: sum/max are logical or, prod/min logical and (as NumPy's add/multiply
 * on bool). */
DEFINE_LANES(b_or, uint8_t, uint8_t, LD_BOOL, LD_ID, 0, OP_OR)
DEFINE_LANES(b_and, uint8_t, uint8_t, LD_BOOL, LD_ID, 1, OP_AND)

#define DEFINE_INT(SFX, T, TMIN, TMAX)                                                             \
    DEFINE_LANES(SFX##_sum, T, T, LD_ID, LD_ID, 0, SFX##_isum)                                     \
    DEFINE_LANES(SFX##_prod, T, T, LD_ID, LD_ID, 1, SFX##_iprod)                                   \
    DEFINE_LANES(SFX##_max, T, T, LD_ID, LD_ID, TMIN, OP_GT)                                       \
    DEFINE_LANES(SFX##_min, T, T, LD_ID, LD_ID, TMAX, OP_LT)

DEFINE_INT(i8, int8_t, INT8_MIN, INT8_MAX)
DEFINE_INT(i16, int16_t, INT16_MIN, INT16_MAX)
DEFINE_INT(i32, int32_t, INT32_MIN, INT32_MAX)
DEFINE_INT(i64, int64_t, INT64_MIN, INT64_MAX)
DEFINE_INT(u8, uint8_t, 0, UINT8_MAX)
DEFINE_INT(u16, uint16_t, 0, UINT16_MAX)
DEFINE_INT(u32, uint32_t, 0, UINT32_MAX)
DEFINE_INT(u64, uint64_t, 0, UINT64_MAX)

#define DEFINE_FLOAT(SFX, T, ACC, LOAD, STORE, R)                                                  \
    DEFINE_SUM_PW(SFX##_sum, T, ACC, LOAD, STORE, R, 1)                                            \
    DEFINE_SEQ(SFX##_prod, T, ACC, LOAD, STORE, 1, OP_MUL)

/* float32/float64 max and min: the contiguous loops on whole vectors */
#define DEFINE_FMINMAX(NAME, T, VT, VI, IDENT, VOP, OP)                                            \
    static void NAME##_ident(void *a, int64_t n) {                                                 \
        T *x = a;                                                                                  \
        for (int64_t j = 0; j < n; j++)                                                            \
            x[j] = IDENT;                                                                          \
    }                                                                                              \
    static void NAME##_red1d(void *av, const char *p, int64_t n, int64_t s) {                      \
        enum { L = sizeof(VT) / sizeof(T) };                                                       \
        T r = IDENT;                                                                               \
        int64_t i = 0;                                                                             \
        if (s == (int64_t)sizeof(T) && n >= 2 * L) {                                               \
            const T *x = (const T *)p;                                                             \
            VT a0, a1, v0, v1;                                                                     \
            memcpy(&a0, x, sizeof a0);                                                             \
            memcpy(&a1, x + L, sizeof a1);                                                         \
            for (i = 2 * L; i + 2 * L <= n; i += 2 * L) {                                          \
                memcpy(&v0, x + i, sizeof v0);                                                     \
                memcpy(&v1, x + i + L, sizeof v1);                                                 \
                a0 = VOP(a0, v0, VI);                                                              \
                a1 = VOP(a1, v1, VI);                                                              \
            }                                                                                      \
            a0 = VOP(a0, a1, VI);                                                                  \
            T l[L];                                                                                \
            memcpy(l, &a0, sizeof l);                                                              \
            for (int k = 0; k < L; k++)                                                            \
                r = OP(r, l[k]);                                                                   \
        }                                                                                          \
        for (; i < n; i++)                                                                         \
            r = OP(r, LOADT(T, p + i * s));                                                        \
        *(T *)av = r;                                                                              \
    }                                                                                              \
    static void NAME##_merge(void *av, const void *bv, int64_t n) {                                \
        enum { L = sizeof(VT) / sizeof(T) };                                                       \
        T *acc = av;                                                                               \
        const T *b = bv;                                                                           \
        int64_t j = 0;                                                                             \
        for (; j + L <= n; j += L) {                                                               \
            VT a, v;                                                                               \
            memcpy(&a, acc + j, sizeof a);                                                         \
            memcpy(&v, b + j, sizeof v);                                                           \
            a = VOP(a, v, VI);                                                                     \
            memcpy(acc + j, &a, sizeof a);                                                         \
        }                                                                                          \
        for (; j < n; j++)                                                                         \
            acc[j] = OP(acc[j], b[j]);                                                             \
    }                                                                                              \
    static void NAME##_rows(void *av, const char *p, int64_t n, int64_t s) {                       \
        T *acc = av;                                                                               \
        if (s == (int64_t)sizeof(T)) {                                                             \
            NAME##_merge(av, p, n);                                                                \
        } else {                                                                                   \
            for (int64_t j = 0; j < n; j++)                                                        \
                acc[j] = OP(acc[j], LOADT(T, p + j * s));                                          \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_rows4(void *av, const char *const *q, int64_t n, int64_t s) {               \
        for (int u = 0; u < 4; u++)                                                                \
            NAME##_rows(av, q[u], n, s);                                                           \
    }                                                                                              \
    static void NAME##_store(char *d, const void *av, int64_t n) {                                 \
        memcpy(d, av, (size_t)n * sizeof(T));                                                      \
    }                                                                                              \
    DEFINE_TABLE(NAME, T)

DEFINE_FLOAT(f16, uint16_t, float, LD_F16, ST_F16, f16)
DEFINE_FLOAT(bf16, uint16_t, float, LD_BF16, ST_BF16, bf16)
DEFINE_FLOAT(f32, float, float, LD_ID, LD_ID, f32)
DEFINE_FLOAT(f64, double, double, LD_ID, LD_ID, f64)
DEFINE_LANES(f16_max, uint16_t, float, LD_F16, ST_F16, -INFINITY, OP_FMAX)
DEFINE_LANES(f16_min, uint16_t, float, LD_F16, ST_F16, INFINITY, OP_FMIN)
DEFINE_LANES(bf16_max, uint16_t, float, LD_BF16, ST_BF16, -INFINITY, OP_FMAX)
DEFINE_LANES(bf16_min, uint16_t, float, LD_BF16, ST_BF16, INFINITY, OP_FMIN)
DEFINE_FMINMAX(f32_max, float, numc_vf32, numc_vi32, -INFINITY, VMAX, OP_FMAX)
DEFINE_FMINMAX(f32_min, float, numc_vf32, numc_vi32, INFINITY, VMIN, OP_FMIN)
DEFINE_FMINMAX(f64_max, double, numc_vf64, numc_vi64, -INFINITY, VMAX, OP_FMAX)
DEFINE_FMINMAX(f64_min, double, numc_vf64, numc_vi64, INFINITY, VMIN, OP_FMIN)

#define DEFINE_COMPLEX(SFX, C, R)                                                                  \
    DEFINE_COMMON(SFX##_sum, C, C, LD_ID, LD_ID, ((C){0, 0}), SFX##_add)                           \
    static void SFX##_sum_red1d(void *av, const char *p, int64_t n, int64_t s) {                   \
        pw_sum_##R((void *)av, p, n, s, 2);                                                        \
    }                                                                                              \
    DEFINE_TABLE(SFX##_sum, C)                                                                     \
    DEFINE_SEQ(SFX##_prod, C, C, LD_ID, LD_ID, ((C){1, 0}), SFX##_mul)                             \
    DEFINE_SEQ(SFX##_cmax, C, C, LD_ID, LD_ID, ((C){-INFINITY, -INFINITY}), SFX##_max)             \
    DEFINE_SEQ(SFX##_cmin, C, C, LD_ID, LD_ID, ((C){INFINITY, INFINITY}), SFX##_min)

DEFINE_COMPLEX(c64, numc_complex64, f32)
DEFINE_COMPLEX(c128, numc_complex128, f64)

enum { OPK_SUM, OPK_PROD, OPK_MAX, OPK_MIN, OPK_AND, OPK_OR };

static const red_ops *ops_for(int opk, numc_dtype dt) {
#define ROW4(A, B, C, D)                                                                           \
    { &A##_ops, &B##_ops, &C##_ops, &D##_ops }
    static const red_ops *const table[NUMC_DTYPE_COUNT][4] = {
        [NUMC_BOOL] = ROW4(b_or, b_and, b_or, b_and),
        [NUMC_INT8] = ROW4(i8_sum, i8_prod, i8_max, i8_min),
        [NUMC_INT16] = ROW4(i16_sum, i16_prod, i16_max, i16_min),
        [NUMC_INT32] = ROW4(i32_sum, i32_prod, i32_max, i32_min),
        [NUMC_INT64] = ROW4(i64_sum, i64_prod, i64_max, i64_min),
        [NUMC_UINT8] = ROW4(u8_sum, u8_prod, u8_max, u8_min),
        [NUMC_UINT16] = ROW4(u16_sum, u16_prod, u16_max, u16_min),
        [NUMC_UINT32] = ROW4(u32_sum, u32_prod, u32_max, u32_min),
        [NUMC_UINT64] = ROW4(u64_sum, u64_prod, u64_max, u64_min),
        [NUMC_FLOAT16] = ROW4(f16_sum, f16_prod, f16_max, f16_min),
        [NUMC_BFLOAT16] = ROW4(bf16_sum, bf16_prod, bf16_max, bf16_min),
        [NUMC_FLOAT32] = ROW4(f32_sum, f32_prod, f32_max, f32_min),
        [NUMC_FLOAT64] = ROW4(f64_sum, f64_prod, f64_max, f64_min),
        [NUMC_COMPLEX64] = ROW4(c64_sum, c64_prod, c64_cmax, c64_cmin),
        [NUMC_COMPLEX128] = ROW4(c128_sum, c128_prod, c128_cmax, c128_cmin),
    };
#undef ROW4
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) return NULL;
    if (opk == OPK_AND) return dt == NUMC_BOOL ? &b_and_ops : NULL;
    if (opk == OPK_OR) return dt == NUMC_BOOL ? &b_or_ops : NULL;
    return table[dt][opk];
}

/* ---- geometry driver ---- */

/* Row mode accumulates a tile of up to ROW_TILE_BYTES of kept outputs over
 * whole rows: long contiguous runs keep the hardware prefetcher streaming,
 * and the tile stays in L1/L2. */
#define ROW_TILE_BYTES 32768
#define ROW_LEAF 128 /* rows summed straight into one tile before pairing */
#define MAX_ASZ 16

typedef struct {
    const red_ops *ops;
    const char *base;
    char *out;
    size_t osz;
    int nk, nr;
    int64_t kshape[NUMC_MAX_DIMS], kst[NUMC_MAX_DIMS];
    int64_t rshape[NUMC_MAX_DIMS], rst[NUMC_MAX_DIMS];
    int64_t k;    /* outputs */
    int64_t rin;  /* product of rshape[1..nr) */
    int64_t rmid; /* product of rshape[1..nr-1) (lines per R0 step) */
    bool rows;
    int64_t tile;          /* row mode: outputs per tile */
    size_t slot;           /* row mode: bytes of one scratch tile */
    atomic_int failed;     /* a task could not get its scratch memory */
    int64_t nsplit, chunk; /* R0 is cut into nsplit chunks of `chunk` */
    char *partials;        /* nsplit x k accumulators, or NULL */
} red_ctx;

/* Byte offset of reduced element f of the chunk starting at R0 = a. */
static inline int64_t red_off(const red_ctx *c, int64_t a, int64_t f) {
    int64_t q = f / c->rin;
    return (a + q) * c->rst[0] +
           numc_struct_offset(c->nr - 1, c->rshape + 1, c->rst + 1, f - q * c->rin);
}

/* Byte offset of line l (all reduced dims but the last) in the chunk at R0 = a. */
static inline int64_t line_off(const red_ctx *c, int64_t a, int64_t l) {
    int64_t q = l / c->rmid;
    return (a + q) * c->rst[0] +
           numc_struct_offset(c->nr - 2, c->rshape + 1, c->rst + 1, l - q * c->rmid);
}

/* acc = reduction of lines [lo, hi), combined pairwise. */
static void lines_pw(const red_ctx *c, void *acc, const char *p, int64_t a, int64_t lo,
                     int64_t hi) {
    const red_ops *o = c->ops;
    int64_t n = c->rshape[c->nr - 1], s = c->rst[c->nr - 1];
    _Alignas(16) char t[MAX_ASZ];
    if (hi - lo <= 8) {
        o->red1d(acc, p + line_off(c, a, lo), n, s);
        for (int64_t l = lo + 1; l < hi; l++) {
            o->red1d(t, p + line_off(c, a, l), n, s);
            o->merge(acc, t, 1);
        }
        return;
    }
    int64_t mid = lo + (hi - lo) / 2;
    lines_pw(c, acc, p, a, lo, mid);
    lines_pw(c, t, p, a, mid, hi);
    o->merge(acc, t, 1);
}

static void reduce_one(const red_ctx *c, void *acc, const char *p, int64_t a, int64_t b) {
    if (c->nr == 1)
        c->ops->red1d(acc, p + a * c->rst[0], b - a, c->rst[0]);
    else
        lines_pw(c, acc, p, a, 0, (b - a) * c->rmid);
}

/* acc[0..len) op= rows [lo, hi) of the chunk at R0 = a, combined pairwise;
 * scratch holds one tile per recursion level. */
static void rows_pw(const red_ctx *c, void *acc, const char *p, int64_t len, int64_t a, int64_t lo,
                    int64_t hi, char *scratch, int level) {
    const red_ops *o = c->ops;
    int64_t sc = c->kst[c->nk - 1];
    if (hi - lo <= ROW_LEAF) {
        int64_t f = lo;
        /* Rows that follow each other in memory are one long stream, best
         * read in order; otherwise four rows at a time keep more loads in
         * flight and touch acc less often. */
        bool adjacent = c->nr == 1 && c->rst[0] == len * sc;
        for (; !adjacent && f + 4 <= hi; f += 4) {
            const char *q[4];
            for (int u = 0; u < 4; u++)
                q[u] = p + red_off(c, a, f + u);
            o->rows4(acc, q, len, sc);
        }
        for (; f < hi; f++)
            o->rows(acc, p + red_off(c, a, f), len, sc);
        return;
    }
    int64_t mid = lo + (hi - lo) / 2;
    rows_pw(c, acc, p, len, a, lo, mid, scratch, level);
    char *t = scratch + (size_t)level * c->slot;
    o->ident(t, len);
    rows_pw(c, t, p, len, a, mid, hi, scratch, level + 1);
    o->merge(acc, t, len);
}

/* scratch tiles: one per pairwise level plus the output tile */
static int levels_for(int64_t n) {
    int l = 1;
    while (n > ROW_LEAF) {
        n = (n + 1) / 2;
        l++;
    }
    return l + 1;
}

/* Outputs [ob, oe) over R0 chunk `chunk`; results go to the output
 * (converted) or to this chunk's partials. */
static void red_block(const red_ctx *c, int64_t ob, int64_t oe, int64_t chunk, char *scratch) {
    const red_ops *o = c->ops;
    int64_t a = chunk * c->chunk, b = a + c->chunk;
    if (b > c->rshape[0]) b = c->rshape[0];
    char *part = c->partials ? c->partials + (size_t)(chunk * c->k) * o->asz : NULL;
    if (!c->rows) {
        _Alignas(16) char acc[MAX_ASZ];
        for (int64_t i = ob; i < oe; i++) {
            const char *p = c->base + numc_struct_offset(c->nk, c->kshape, c->kst, i);
            void *dst = part ? part + (size_t)i * o->asz : acc;
            reduce_one(c, dst, p, a, b);
            if (!part) o->store(c->out + (size_t)i * c->osz, acc, 1);
        }
        return;
    }
    char *tile = scratch;
    scratch += c->slot;
    int64_t w = c->kshape[c->nk - 1], sc = c->kst[c->nk - 1];
    int64_t count = (b - a) * c->rin;
    for (int64_t i = ob; i < oe;) {
        int64_t ko = i / w, j0 = i - ko * w;
        int64_t len = w - j0;
        if (len > oe - i) len = oe - i;
        if (len > c->tile) len = c->tile;
        const char *p = c->base + numc_struct_offset(c->nk - 1, c->kshape, c->kst, ko) + j0 * sc;
        void *acc = part ? part + (size_t)i * o->asz : tile;
        o->ident(acc, len);
        rows_pw(c, acc, p, len, a, 0, count, scratch, 0);
        if (!part) o->store(c->out + (size_t)i * c->osz, acc, len);
        i += len;
    }
}

/* Row mode's scratch: the output tile plus one tile per pairwise level. */
static char *row_scratch(red_ctx *c) {
    if (!c->rows) return NULL;
    char *s = malloc((size_t)(levels_for(c->chunk * c->rin) + 1) * c->slot);
    if (!s) atomic_store(&c->failed, 1);
    return s;
}

static void task_outputs(void *vctx, int64_t begin, int64_t end) {
    red_ctx *c = vctx;
    char *scratch = row_scratch(c);
    if (c->rows && !scratch) return;
    red_block(c, begin, end, 0, scratch);
    free(scratch);
}

static void task_chunks(void *vctx, int64_t begin, int64_t end) {
    red_ctx *c = vctx;
    char *scratch = row_scratch(c);
    if (c->rows && !scratch) return;
    for (int64_t t = begin; t < end; t++)
        red_block(c, 0, c->k, t, scratch);
    free(scratch);
}

typedef struct {
    int64_t n, s;
} dim_pair;

static int cmp_reduced(const void *x, const void *y) {
    /* outermost first: larger strides first, broadcast (0) dims outermost */
    const dim_pair *a = x, *b = y;
    uint64_t sa = a->s ? (uint64_t)a->s : UINT64_MAX, sb = b->s ? (uint64_t)b->s : UINT64_MAX;
    return sa < sb ? 1 : sa > sb ? -1 : 0;
}

static numc_status run_reduce(const red_ops *ops, const numc_array *x, const int64_t *axes,
                              int naxes, numc_array *out) {
    red_ctx c;
    memset(&c, 0, sizeof c);
    c.ops = ops;
    c.out = numc_array_ptr(out);
    c.osz = numc_struct_isz(out->dtype);
    bool is_red[NUMC_MAX_DIMS] = {false};
    for (int k = 0; k < naxes; k++) {
        if (axes[k] < 0 || axes[k] >= x->ndim)
            return numc_error_set(NUMC_ERR_AXIS, "reduce: axis %lld out of range",
                                  (long long)axes[k]);
        is_red[axes[k]] = true;
    }
    int64_t xs[NUMC_MAX_DIMS];
    numc_struct_byte_strides(x, xs);
    const char *base = numc_array_ptr(x);
    dim_pair rd[NUMC_MAX_DIMS];
    int nr = 0, nk = 0;
    int64_t r = 1;
    for (int d = 0; d < x->ndim; d++) {
        if (is_red[d]) {
            r *= x->shape[d];
            int64_t s = xs[d];
            /* reduction order is free, so walk reversed dims forwards */
            if (s < 0 && x->shape[d] > 0) {
                base += (x->shape[d] - 1) * s;
                s = -s;
            }
            rd[nr++] = (dim_pair){x->shape[d], s};
        } else {
            c.kshape[nk] = x->shape[d];
            c.kst[nk++] = xs[d];
        }
    }
    c.k = numc_struct_prod(nk, c.kshape);
    if (c.k != out->size)
        return numc_error_set(NUMC_ERR_VALUE, "reduce: output has %lld elements, expected %lld",
                              (long long)out->size, (long long)c.k);
    if (c.k == 0) return NUMC_OK;
    if (r == 0) {
        /* empty reduction: the identity (max/min of nothing is rejected upstream) */
        _Alignas(16) char acc[MAX_ASZ];
        ops->ident(acc, 1);
        for (int64_t i = 0; i < c.k; i++)
            ops->store(c.out + (size_t)i * c.osz, acc, 1);
        return NUMC_OK;
    }
    qsort(rd, (size_t)nr, sizeof rd[0], cmp_reduced);
    for (int d = 0; d < nr; d++) {
        c.rshape[d] = rd[d].n;
        c.rst[d] = rd[d].s;
    }
    int64_t *kp[1] = {c.kst}, *rp[1] = {c.rst};
    c.nk = numc_struct_coalesce(nk, c.kshape, 1, kp);
    c.nr = numc_struct_coalesce(nr, c.rshape, 1, rp);
    if (c.nr == 0) {
        c.nr = 1;
        c.rshape[0] = 1;
        c.rst[0] = 0;
    }
    c.base = base;
    c.rin = numc_struct_prod(c.nr - 1, c.rshape + 1);
    c.rmid = numc_struct_prod(c.nr - 2 > 0 ? c.nr - 2 : 0, c.rshape + 1);
    int64_t kin = c.nk ? c.kshape[c.nk - 1] : 1;
    int64_t kin_s = c.nk ? c.kst[c.nk - 1] : 0;
    if (kin_s < 0) kin_s = -kin_s;
    /* Reducing only extent-1 axes (r == 1) is an elementwise op(identity, x):
     * row mode does it as one vectorised pass per tile instead of a call
     * per output. */
    c.rows = c.nk > 0 && kin >= 2 && (r == 1 || kin_s < c.rst[c.nr - 1]);

    int threads = numc_num_threads();
    c.nsplit = 1;
    c.chunk = c.rshape[0];
    c.tile = (int64_t)(ROW_TILE_BYTES / ops->asz);
    if (c.tile > kin) c.tile = kin;
    c.slot = ((size_t)c.tile * ops->asz + 63) & ~(size_t)63;
    atomic_init(&c.failed, 0);
    /* Split the reduction itself when the outputs alone cannot keep the
     * threads busy: few outputs, or row mode over few kept rows (threads
     * then stream disjoint bands of rows instead of interleaved columns). */
    bool big = threads > 1 && c.k * r >= (1 << 17) && c.rshape[0] >= 2;
    int64_t want = 0;
    if (big && c.k < 2 * threads) {
        want = 4 * (int64_t)threads;
        if (want > c.k * r / (1 << 15)) want = c.k * r / (1 << 15);
    } else if (big && c.rows && c.k / kin < 2 * threads && c.rshape[0] >= 4 * threads &&
               c.k * (int64_t)ops->asz <= (16 << 20)) {
        want = 2 * (int64_t)threads;
    }
    if (want > c.rshape[0]) want = c.rshape[0];
    if (want >= 2) {
        c.chunk = (c.rshape[0] + want - 1) / want;
        c.nsplit = (c.rshape[0] + c.chunk - 1) / c.chunk;
    }
    if (c.nsplit == 1) {
        numc_parallel_for(c.k, r, task_outputs, &c);
        if (atomic_load(&c.failed)) return numc_error_set(NUMC_ERR_MEMORY, "reduce: out of memory");
        return NUMC_OK;
    }
    c.partials = malloc((size_t)(c.nsplit * c.k) * ops->asz);
    if (!c.partials) return numc_error_set(NUMC_ERR_MEMORY, "reduce: out of memory");
    numc_parallel_for(c.nsplit, c.k * c.chunk * c.rin, task_chunks, &c);
    if (atomic_load(&c.failed)) {
        free(c.partials);
        return numc_error_set(NUMC_ERR_MEMORY, "reduce: out of memory");
    }
    /* chunks hold comparable amounts, so a plain left fold keeps the
     * pairwise error bound */
    for (int64_t t = 1; t < c.nsplit; t++)
        ops->merge(c.partials, c.partials + (size_t)(t * c.k) * ops->asz, c.k);
    ops->store(c.out, c.partials, c.k);
    free(c.partials);
    return NUMC_OK;
}

/* ---- argmax / argmin ----
 * NumPy's rules: the first occurrence wins; the first NaN counts as the
 * extreme (and stops the search); complex compares lexicographically. */

#define ARG_TILE 512

typedef struct {
    _Alignas(16) char best[MAX_ASZ];
    int64_t idx;
} arg_res;

typedef struct {
    size_t asz;
    /* scans n elements (indices i0 ...) starting from *r (idx < 0: empty) */
    void (*scan)(arg_res *r, const char *p, int64_t n, int64_t s, int64_t i0);
    /* row step: best[j]/idx[j] updated by element j of row i */
    void (*rows)(void *best, int64_t *idx, const char *p, int64_t n, int64_t s, int64_t i);
    /* whether candidate b replaces a (a earlier, b later) */
    bool (*better)(const void *a, const void *b);
} arg_ops;

#define ISNAN_NO(x) false
#define ISNAN_F(x) ((x) != (x))
#define ISNAN_C(x) ((x).re != (x).re || (x).im != (x).im)
#define BT_GT(x, m) ((x) > (m))
#define BT_LT(x, m) ((x) < (m))
#define BT_FGT(x, m) (!((x) <= (m)))
#define BT_FLT(x, m) (!((x) >= (m)))
#define BT_CGT(x, m) ((x).re > (m).re || ((x).re == (m).re && (x).im > (m).im) || ISNAN_C(x))
#define BT_CLT(x, m) ((x).re < (m).re || ((x).re == (m).re && (x).im < (m).im) || ISNAN_C(x))

/* Block hooks: the best element of contiguous block x[i, e) and its first
 * index (false when the block is too short to bother; the scan then goes
 * element by element). The running best is only replaced by a strictly
 * better block result, which keeps NumPy's first-occurrence rule. */

/* generic: one vectorised pass for the block extreme, then its first
 * occurrence (or the first NaN) */
#define DEFINE_BLOCK_VEC(NAME, T, ACC, LOAD, ISNAN, EXT, CMP)                                      \
    static inline bool NAME##_block(const T *x, int64_t i, int64_t e, ACC *r, int64_t *ri) {       \
        if (e - i < 16) return false;                                                              \
        ACC v[16];                                                                                 \
        for (int k = 0; k < 16; k++)                                                               \
            v[k] = LOAD(x[i + k]);                                                                 \
        int64_t j = i + 16;                                                                        \
        for (; j + 16 <= e; j += 16)                                                               \
            for (int k = 0; k < 16; k++)                                                           \
                v[k] = EXT(v[k], LOAD(x[j + k]));                                                  \
        for (; j < e; j++)                                                                         \
            v[0] = EXT(v[0], LOAD(x[j]));                                                          \
        for (int w = 8; w >= 1; w /= 2)                                                            \
            for (int k = 0; k < w; k++)                                                            \
                v[k] = EXT(v[k], v[k + w]);                                                        \
        j = i;                                                                                     \
        if (ISNAN(v[0]))                                                                           \
            while (!ISNAN(LOAD(x[j])))                                                             \
                j++;                                                                               \
        else                                                                                       \
            while (!(LOAD(x[j]) == v[0]))                                                          \
                j++;                                                                               \
        *r = LOAD(x[j]);                                                                           \
        *ri = j;                                                                                   \
        return true;                                                                               \
    }

/* float32/float64: lanes carry their best value and its index, so one pass
 * finds both; a NaN anywhere sends us back for the first one */
#define DEFINE_BLOCK_SIMD(NAME, T, VT, VI, CMP)                                                    \
    static inline bool NAME##_block(const T *x, int64_t i, int64_t e, T *r, int64_t *ri) {         \
        enum { L = sizeof(VT) / sizeof(T) };                                                       \
        if (e - i < 2 * L) return false;                                                           \
        /* two independent chains (even and odd vectors) for more ILP */                           \
        VT b0, b1, v0, v1;                                                                         \
        VI i0, i1, c0, nan;                                                                        \
        memcpy(&b0, x + i, sizeof b0);                                                             \
        memcpy(&b1, x + i + L, sizeof b1);                                                         \
        for (int k = 0; k < L; k++)                                                                \
            i0[k] = k;                                                                             \
        i1 = i0 + L;                                                                               \
        c0 = i0 + 2 * L;                                                                           \
        nan = (b0 != b0) | (b1 != b1);                                                             \
        int64_t j = i + 2 * L;                                                                     \
        for (; j + 2 * L <= e; j += 2 * L) {                                                       \
            memcpy(&v0, x + j, sizeof v0);                                                         \
            memcpy(&v1, x + j + L, sizeof v1);                                                     \
            VI t0 = v0 CMP b0, t1 = v1 CMP b1;                                                     \
            b0 = VSEL(t0, v0, b0, VI);                                                             \
            b1 = VSEL(t1, v1, b1, VI);                                                             \
            i0 = (t0 & c0) | (~t0 & i0);                                                           \
            i1 = (t1 & (c0 + L)) | (~t1 & i1);                                                     \
            nan |= (v0 != v0) | (v1 != v1);                                                        \
            c0 += 2 * L;                                                                           \
        }                                                                                          \
        T m = b0[0];                                                                               \
        int64_t mi = i0[0];                                                                        \
        bool any_nan = false;                                                                      \
        for (int k = 0; k < L; k++) {                                                              \
            any_nan = any_nan || nan[k] != 0;                                                      \
            if (b0[k] CMP m || (b0[k] == m && i0[k] < mi)) {                                       \
                m = b0[k];                                                                         \
                mi = i0[k];                                                                        \
            }                                                                                      \
            if (b1[k] CMP m || (b1[k] == m && i1[k] < mi)) {                                       \
                m = b1[k];                                                                         \
                mi = i1[k];                                                                        \
            }                                                                                      \
        }                                                                                          \
        for (; j < e; j++) {                                                                       \
            any_nan = any_nan || x[j] != x[j];                                                     \
            if (x[j] CMP m) {                                                                      \
                m = x[j];                                                                          \
                mi = j - i;                                                                        \
            }                                                                                      \
        }                                                                                          \
        if (any_nan) {                                                                             \
            for (j = i; x[j] == x[j]; j++) {                                                       \
            }                                                                                      \
            m = x[j];                                                                              \
            mi = j - i;                                                                            \
        }                                                                                          \
        *r = m;                                                                                    \
        *ri = i + mi;                                                                              \
        return true;                                                                               \
    }

#define DEFINE_BLOCK_NONE(NAME, T, ACC)                                                            \
    static inline bool NAME##_block(const T *x, int64_t i, int64_t e, ACC *r, int64_t *ri) {       \
        (void)x, (void)i, (void)e, (void)r, (void)ri;                                              \
        return false;                                                                              \
    }

#define ARG_BLOCK 4096

#define DEFINE_ARG(NAME, T, ACC, LOAD, BETTER, ISNAN, BLOCKDEF)                                    \
    BLOCKDEF                                                                                       \
    static void NAME##_scan(arg_res *res, const char *p, int64_t n, int64_t s, int64_t i0) {       \
        ACC m;                                                                                     \
        int64_t idx = res->idx, i = 0;                                                             \
        if (idx < 0) {                                                                             \
            if (n == 0) return;                                                                    \
            m = LOAD(LOADT(T, p));                                                                 \
            idx = i0;                                                                              \
            i = 1;                                                                                 \
        } else {                                                                                   \
            memcpy(&m, res->best, sizeof m);                                                       \
        }                                                                                          \
        if (!ISNAN(m)) {                                                                           \
            int64_t e = n;                                                                         \
            while (i < n) {                                                                        \
                ACC r;                                                                             \
                int64_t ri;                                                                        \
                if (s == (int64_t)sizeof(T)) {                                                     \
                    e = i + ARG_BLOCK < n ? i + ARG_BLOCK : n;                                     \
                    if (NAME##_block((const T *)p, i, e, &r, &ri)) {                               \
                        if (BETTER(r, m)) {                                                        \
                            m = r;                                                                 \
                            idx = i0 + ri;                                                         \
                            if (ISNAN(m)) break;                                                   \
                        }                                                                          \
                        i = e;                                                                     \
                        continue;                                                                  \
                    }                                                                              \
                }                                                                                  \
                for (; i < e; i++) {                                                               \
                    ACC v = LOAD(LOADT(T, p + i * s));                                             \
                    if (BETTER(v, m)) {                                                            \
                        m = v;                                                                     \
                        idx = i0 + i;                                                              \
                        if (ISNAN(m)) break;                                                       \
                    }                                                                              \
                }                                                                                  \
                if (ISNAN(m)) break;                                                               \
            }                                                                                      \
        }                                                                                          \
        memcpy(res->best, &m, sizeof m);                                                           \
        res->idx = idx;                                                                            \
    }                                                                                              \
    static void NAME##_rows(void *bv, int64_t *idx, const char *p, int64_t n, int64_t s,           \
                            int64_t i) {                                                           \
        ACC *best = bv;                                                                            \
        for (int64_t j = 0; j < n; j++) {                                                          \
            ACC v = LOAD(LOADT(T, p + j * s));                                                     \
            if (i == 0 || (!ISNAN(best[j]) && BETTER(v, best[j]))) {                               \
                best[j] = v;                                                                       \
                idx[j] = i;                                                                        \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static bool NAME##_better(const void *av, const void *bv) {                                    \
        ACC a, b;                                                                                  \
        memcpy(&a, av, sizeof a);                                                                  \
        memcpy(&b, bv, sizeof b);                                                                  \
        return !ISNAN(a) && BETTER(b, a);                                                          \
    }                                                                                              \
    static const arg_ops NAME##_aops = {sizeof(ACC), NAME##_scan, NAME##_rows, NAME##_better};

#define DEFINE_ARG_PAIR_VEC(SFX, T, ACC, LOAD, GT, LT, ISNAN, EMAX, EMIN)                          \
    DEFINE_ARG(SFX##_amax, T, ACC, LOAD, GT, ISNAN,                                                \
               DEFINE_BLOCK_VEC(SFX##_amax, T, ACC, LOAD, ISNAN, EMAX, >))                         \
    DEFINE_ARG(SFX##_amin, T, ACC, LOAD, LT, ISNAN,                                                \
               DEFINE_BLOCK_VEC(SFX##_amin, T, ACC, LOAD, ISNAN, EMIN, <))
#define DEFINE_ARG_PAIR_SIMD(SFX, T, VT, VI)                                                       \
    DEFINE_ARG(SFX##_amax, T, T, LD_ID, BT_FGT, ISNAN_F,                                           \
               DEFINE_BLOCK_SIMD(SFX##_amax, T, VT, VI, >))                                        \
    DEFINE_ARG(SFX##_amin, T, T, LD_ID, BT_FLT, ISNAN_F,                                           \
               DEFINE_BLOCK_SIMD(SFX##_amin, T, VT, VI, <))
#define DEFINE_ARG_PAIR_C(SFX, C)                                                                  \
    DEFINE_ARG(SFX##_amax, C, C, LD_ID, BT_CGT, ISNAN_C, DEFINE_BLOCK_NONE(SFX##_amax, C, C))      \
    DEFINE_ARG(SFX##_amin, C, C, LD_ID, BT_CLT, ISNAN_C, DEFINE_BLOCK_NONE(SFX##_amin, C, C))

DEFINE_ARG_PAIR_VEC(b, uint8_t, uint8_t, LD_BOOL, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(i8, int8_t, int8_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(i16, int16_t, int16_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(i32, int32_t, int32_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(i64, int64_t, int64_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(u8, uint8_t, uint8_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(u16, uint16_t, uint16_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(u32, uint32_t, uint32_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(u64, uint64_t, uint64_t, LD_ID, BT_GT, BT_LT, ISNAN_NO, OP_GT, OP_LT)
DEFINE_ARG_PAIR_VEC(f16, uint16_t, float, LD_F16, BT_FGT, BT_FLT, ISNAN_F, OP_FMAX, OP_FMIN)
DEFINE_ARG_PAIR_VEC(bf16, uint16_t, float, LD_BF16, BT_FGT, BT_FLT, ISNAN_F, OP_FMAX, OP_FMIN)
DEFINE_ARG_PAIR_SIMD(f32, float, numc_vf32, numc_vi32)
DEFINE_ARG_PAIR_SIMD(f64, double, numc_vf64, numc_vi64)
DEFINE_ARG_PAIR_C(c64, numc_complex64)
DEFINE_ARG_PAIR_C(c128, numc_complex128)

static const arg_ops *arg_ops_for(bool is_max, numc_dtype dt) {
#define P(S)                                                                                       \
    { &S##_amax_aops, &S##_amin_aops }
    static const arg_ops *const table[NUMC_DTYPE_COUNT][2] = {
        [NUMC_BOOL] = P(b),      [NUMC_INT8] = P(i8),       [NUMC_INT16] = P(i16),
        [NUMC_INT32] = P(i32),   [NUMC_INT64] = P(i64),     [NUMC_UINT8] = P(u8),
        [NUMC_UINT16] = P(u16),  [NUMC_UINT32] = P(u32),    [NUMC_UINT64] = P(u64),
        [NUMC_FLOAT16] = P(f16), [NUMC_BFLOAT16] = P(bf16), [NUMC_FLOAT32] = P(f32),
        [NUMC_FLOAT64] = P(f64), [NUMC_COMPLEX64] = P(c64), [NUMC_COMPLEX128] = P(c128),
    };
#undef P
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) return NULL;
    return table[dt][is_max ? 0 : 1];
}

typedef struct {
    const arg_ops *ops;
    const char *base;
    char *out;
    numc_dtype odt;
    int nk;
    int64_t kshape[NUMC_MAX_DIMS], kst[NUMC_MAX_DIMS];
    int64_t n, s; /* the reduced axis */
    int64_t k;
    bool rows;
    int64_t nsplit, chunk;
    arg_res *partials; /* nsplit x k */
} arg_ctx;

static inline void store_index(arg_ctx *c, int64_t i, int64_t v) {
    if (c->odt == NUMC_INT64)
        ((int64_t *)c->out)[i] = v;
    else
        numc_struct_store_i64(c->odt, c->out + (size_t)i * numc_struct_isz(c->odt), v);
}

static void arg_task_outputs(void *vctx, int64_t begin, int64_t end) {
    arg_ctx *c = vctx;
    if (!c->rows) {
        for (int64_t i = begin; i < end; i++) {
            arg_res r = {.idx = -1};
            c->ops->scan(&r, c->base + numc_struct_offset(c->nk, c->kshape, c->kst, i), c->n, c->s,
                         0);
            store_index(c, i, r.idx);
        }
        return;
    }
    _Alignas(16) char best[ARG_TILE * MAX_ASZ];
    int64_t idx[ARG_TILE];
    int64_t w = c->kshape[c->nk - 1], sc = c->kst[c->nk - 1];
    for (int64_t i = begin; i < end;) {
        int64_t ko = i / w, j0 = i - ko * w, len = w - j0;
        if (len > end - i) len = end - i;
        if (len > ARG_TILE) len = ARG_TILE;
        const char *p = c->base + numc_struct_offset(c->nk - 1, c->kshape, c->kst, ko) + j0 * sc;
        for (int64_t t = 0; t < c->n; t++)
            c->ops->rows(best, idx, p + t * c->s, len, sc, t);
        for (int64_t j = 0; j < len; j++)
            store_index(c, i + j, idx[j]);
        i += len;
    }
}

static void arg_task_chunks(void *vctx, int64_t begin, int64_t end) {
    arg_ctx *c = vctx;
    for (int64_t t = begin; t < end; t++) {
        int64_t a = t * c->chunk, len = c->n - a < c->chunk ? c->n - a : c->chunk;
        for (int64_t i = 0; i < c->k; i++) {
            arg_res *r = &c->partials[t * c->k + i];
            r->idx = -1;
            const char *p = c->base + numc_struct_offset(c->nk, c->kshape, c->kst, i);
            c->ops->scan(r, p + a * c->s, len, c->s, a);
        }
    }
}

static numc_status run_arg(const arg_ops *ops, const numc_array *x, int axis, numc_array *out) {
    if (axis < 0 || axis >= x->ndim)
        return numc_error_set(NUMC_ERR_AXIS, "argmax/argmin: axis %d out of range", axis);
    if (!numc_dt_is_int(out->dtype))
        return numc_error_set(NUMC_ERR_TYPE, "argmax/argmin: index dtype must be an integer");
    arg_ctx c;
    memset(&c, 0, sizeof c);
    c.ops = ops;
    c.out = numc_array_ptr(out);
    c.odt = out->dtype;
    c.base = numc_array_ptr(x);
    int64_t xs[NUMC_MAX_DIMS];
    numc_struct_byte_strides(x, xs);
    for (int d = 0; d < x->ndim; d++) {
        if (d == axis) continue;
        c.kshape[c.nk] = x->shape[d];
        c.kst[c.nk++] = xs[d];
    }
    c.n = x->shape[axis];
    c.s = xs[axis];
    c.k = numc_struct_prod(c.nk, c.kshape);
    if (c.k != out->size)
        return numc_error_set(NUMC_ERR_VALUE, "argmax/argmin: output size mismatch");
    if (c.k == 0) return NUMC_OK;
    if (c.n == 0)
        return numc_error_set(NUMC_ERR_VALUE, "attempt to get argmax of an empty sequence");
    int64_t *kp[1] = {c.kst};
    c.nk = numc_struct_coalesce(c.nk, c.kshape, 1, kp);
    int64_t kin_s = c.nk ? c.kst[c.nk - 1] : 0;
    int64_t as = c.s < 0 ? -c.s : c.s;
    if (kin_s < 0) kin_s = -kin_s;
    c.rows = c.nk > 0 && c.kshape[c.nk - 1] >= 2 && kin_s < as;
    int threads = numc_num_threads();
    if (!c.rows && threads > 1 && c.k < 2 * threads && c.k * c.n >= (1 << 17)) {
        int64_t want = 4 * (int64_t)threads;
        c.chunk = (c.n + want - 1) / want;
        c.nsplit = (c.n + c.chunk - 1) / c.chunk;
        c.partials = malloc(sizeof(arg_res) * (size_t)(c.nsplit * c.k));
        if (!c.partials) return numc_error_set(NUMC_ERR_MEMORY, "argmax: out of memory");
        numc_parallel_for(c.nsplit, c.k * c.chunk, arg_task_chunks, &c);
        /* earlier chunks win ties: a later chunk replaces only if strictly better */
        for (int64_t i = 0; i < c.k; i++) {
            arg_res *r = &c.partials[i];
            for (int64_t t = 1; t < c.nsplit; t++) {
                arg_res *q = &c.partials[t * c.k + i];
                if (q->idx >= 0 && ops->better(r->best, q->best)) *r = *q;
            }
            store_index(&c, i, r->idx);
        }
        free(c.partials);
        return NUMC_OK;
    }
    numc_parallel_for(c.k, c.n, arg_task_outputs, &c);
    return NUMC_OK;
}

numc_status numc_cpu_reduce(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array *const *out) {
    if (nin != 1)
        return numc_error_set(NUMC_ERR_VALUE, "%s takes 1 operand", numc_prim_info[p].name);
    const numc_array *x = in[0];
    if (p == NUMC_PRIM_ARGMAX || p == NUMC_PRIM_ARGMIN) {
        const arg_ops *ops = arg_ops_for(p == NUMC_PRIM_ARGMAX, x->dtype);
        if (!ops || params->n < 1)
            return numc_error_set(NUMC_ERR_TYPE, "%s: unsupported dtype %s", numc_prim_info[p].name,
                                  numc_dtype_info[x->dtype].name);
        return run_arg(ops, x, (int)params->i[0], out[0]);
    }
    int opk;
    switch (p) {
    case NUMC_PRIM_REDUCE_SUM:
        opk = OPK_SUM;
        break;
    case NUMC_PRIM_REDUCE_PROD:
        opk = OPK_PROD;
        break;
    case NUMC_PRIM_REDUCE_MAX:
        opk = OPK_MAX;
        break;
    case NUMC_PRIM_REDUCE_MIN:
        opk = OPK_MIN;
        break;
    case NUMC_PRIM_REDUCE_AND:
        opk = OPK_AND;
        break;
    case NUMC_PRIM_REDUCE_OR:
        opk = OPK_OR;
        break;
    default:
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "cpu reduce: unsupported primitive %s",
                              numc_prim_info[p].name);
    }
    const red_ops *ops = ops_for(opk, x->dtype);
    if (!ops || out[0]->dtype != x->dtype)
        return numc_error_set(NUMC_ERR_TYPE, "%s: unsupported dtype %s", numc_prim_info[p].name,
                              numc_dtype_info[x->dtype].name);
    return run_reduce(ops, x, params->i, params->n, out[0]);
}
