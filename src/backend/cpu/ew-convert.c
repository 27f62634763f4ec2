/* ew-convert.c — the CPU loops of convert (every pair of the 15 dtypes, with
 * NumPy's casting results), bitcast, select, and the plain copy loops that
 * copy.c and bitcast share. */
#include "ew-impl.h"

/* ---- convert ----
 * A conversion goes through a block of "wide" values that hold every source
 * value exactly: int64 (bool, signed), uint64 (unsigned), double (float16 ..
 * float64) or complex128. Storing from the wide value then rounds once, so
 * int64 -> float32 and float64 -> float16 round directly, as NumPy does. This
 * needs 15 loads and 15 x 4 stores instead of 225 pair loops; both passes run
 * over an L1-resident block and vectorise. */
enum { EW_WIDE_I, EW_WIDE_U, EW_WIDE_D, EW_WIDE_D16, EW_WIDE_Z, EW_WIDE_COUNT };
#define EW_CVBLK 512
typedef union {
    int64_t i[EW_CVBLK];
    uint64_t u[EW_CVBLK];
    double d[EW_CVBLK];
    numc_complex128 z[EW_CVBLK];
} ew_wide_block;

#define EW_WIDE_OF_B(E) I
#define EW_WIDE_OF_S(E) I
#define EW_WIDE_OF_U(E) U
#define EW_WIDE_OF_H(E) EW_WIDE_HALF_##E
#define EW_WIDE_HALF_FLOAT16 D16
#define EW_WIDE_HALF_BFLOAT16 D
#define EW_WIDE_OF_F(E) D
#define EW_WIDE_OF_C(E) Z
#define EW_WTYPE_I int64_t
#define EW_WTYPE_U uint64_t
#define EW_WTYPE_D double
#define EW_WTYPE_D16 double /* a float16 value: differs from D only into uint32 */
#define EW_WTYPE_Z numc_complex128

/* wide value of one source element, per source class (kind D16 is D for
 * float16 sources, see EW_FROMWIDE_U_E) */
#define EW_TOWIDE_B(E, x) ((int64_t)((x) != 0))
#define EW_TOWIDE_S(E, x) ((int64_t)(x))
#define EW_TOWIDE_U(E, x) ((uint64_t)(x))
#define EW_TOWIDE_H(E, x) ((double)ew_ld_##E(x))
#define EW_TOWIDE_F(E, x) ((double)(x))
#define EW_TOWIDE_C(E, x) ((numc_complex128){(double)(x).re, (double)(x).im})

/* Float -> int as NumPy's casts behave on x86-64 (cvttsd2si semantics, no C
 * UB): out-of-range and nan give INT_MIN of the 32/64-bit conversion, narrower
 * types truncate the 32-bit result, unsigned 32/64-bit go through the signed
 * conversion of x - 2^31 / x - 2^63 when x is that large. */
static inline int32_t ew_cvtt32(double x) {
    return (x > -2147483649.0 && x < 2147483648.0) ? (int32_t)x : INT32_MIN;
}
static inline int64_t ew_cvtt64(double x) {
    return (x >= -9223372036854775808.0 && x < 9223372036854775808.0) ? (int64_t)x : INT64_MIN;
}
static inline uint32_t ew_cvttu32(double x) {
    return x >= 2147483648.0 ? (uint32_t)ew_cvtt32(x - 2147483648.0) ^ 0x80000000u
                             : (uint32_t)ew_cvtt32(x);
}
static inline uint64_t ew_cvttu64(double x) {
    return x >= 9223372036854775808.0
               ? (uint64_t)ew_cvtt64(x - 9223372036854775808.0) ^ 0x8000000000000000u
               : (uint64_t)ew_cvtt64(x);
}
#define EW_F2S(t, x) (sizeof(t) <= 4 ? (t)ew_cvtt32(x) : (t)ew_cvtt64(x))
#define EW_F2U(t, x)                                                                               \
    (sizeof(t) < 4 ? (t)ew_cvtt32(x) : sizeof(t) == 4 ? (t)ew_cvttu32(x) : (t)ew_cvttu64(x))

static inline uint16_t ew_st64_FLOAT16(double d) {
    return ew_f64_to_f16(d);
}
static inline uint16_t ew_st64_BFLOAT16(double d) {
    return numc_f64_to_bf16(d);
}

/* destination value from a wide value v, per destination class and wide kind;
 * complex -> real takes the real part */
#define EW_FROMWIDE_B_I(E, t, v) ((t)((v) != 0))
#define EW_FROMWIDE_B_U(E, t, v) ((t)((v) != 0))
#define EW_FROMWIDE_B_D(E, t, v) ((t)((v) != 0))
#define EW_FROMWIDE_B_Z(E, t, v) ((t)((v).re != 0 || (v).im != 0))
#define EW_FROMWIDE_S_I(E, t, v) ((t)(v))
#define EW_FROMWIDE_S_U(E, t, v) ((t)(v))
#define EW_FROMWIDE_S_D(E, t, v) EW_F2S(t, v)
#define EW_FROMWIDE_S_Z(E, t, v) EW_F2S(t, (v).re)
#define EW_FROMWIDE_U_I EW_FROMWIDE_S_I
#define EW_FROMWIDE_U_U EW_FROMWIDE_S_U
#define EW_FROMWIDE_U_D(E, t, v) EW_F2U(t, v)
#define EW_FROMWIDE_U_Z(E, t, v) EW_F2U(t, (v).re)
/* NumPy's float16 -> uint32 goes through the 64-bit conversion (nan -> 0) */
#define EW_FROMWIDE_U_D16(E, t, v) (sizeof(t) == 4 ? (t)ew_cvtt64(v) : EW_F2U(t, v))
#define EW_FROMWIDE_B_D16 EW_FROMWIDE_B_D
#define EW_FROMWIDE_S_D16 EW_FROMWIDE_S_D
#define EW_FROMWIDE_F_D16 EW_FROMWIDE_F_D
#define EW_FROMWIDE_H_D16 EW_FROMWIDE_H_D
#define EW_FROMWIDE_C_D16 EW_FROMWIDE_C_D
#define EW_FROMWIDE_F_I(E, t, v) ((t)(v))
#define EW_FROMWIDE_F_U(E, t, v) ((t)(v))
#define EW_FROMWIDE_F_D(E, t, v) ((t)(v))
#define EW_FROMWIDE_F_Z(E, t, v) ((t)(v).re)
/* ints reach a half through float32, as NumPy and ml_dtypes do */
#define EW_FROMWIDE_H_I(E, t, v) ew_st_##E((float)(v))
#define EW_FROMWIDE_H_U(E, t, v) ew_st_##E((float)(v))
#define EW_FROMWIDE_H_D(E, t, v) ew_st64_##E(v)
#define EW_FROMWIDE_H_Z(E, t, v) ew_st64_##E((v).re)
#define EW_FROMWIDE_C_I(E, t, v) ((t){(EW_REAL_OF(t))(v), 0})
#define EW_FROMWIDE_C_U(E, t, v) ((t){(EW_REAL_OF(t))(v), 0})
#define EW_FROMWIDE_C_D(E, t, v) ((t){(EW_REAL_OF(t))(v), 0})
#define EW_FROMWIDE_C_Z(E, t, v) ((t){(EW_REAL_OF(t))(v).re, (EW_REAL_OF(t))(v).im})

typedef void (*ew_cv_store_fn)(const void *wide, char *dst, int64_t step, int64_t m);

/* ew_cvst_<E>_<W>: store m wide values of kind W into dtype E */
#define EW_DEF_CVSTORE(E, t, K, W)                                                                 \
    static void ew_cvst_##E##_##W(const void *wide, char *dst, int64_t step, int64_t m) {          \
        const EW_WTYPE_##W *restrict w = (const EW_WTYPE_##W *)wide;                               \
        if (step == (int64_t)sizeof(t)) {                                                          \
            t *restrict y = (t *)(void *)dst;                                                      \
            for (int64_t j = 0; j < m; j++)                                                        \
                y[j] = EW_FROMWIDE_##K##_##W(E, t, w[j]);                                          \
        } else {                                                                                   \
            for (int64_t j = 0; j < m; j++, dst += step)                                           \
                *(t *)(void *)dst = EW_FROMWIDE_##K##_##W(E, t, w[j]);                             \
        }                                                                                          \
    }
#define EW_DEF_CVSTORES_(E, t, K)                                                                  \
    EW_DEF_CVSTORE(E, t, K, I)                                                                     \
    EW_DEF_CVSTORE(E, t, K, U)                                                                     \
    EW_DEF_CVSTORE(E, t, K, D)                                                                     \
    EW_DEF_CVSTORE(E, t, K, D16)                                                                   \
    EW_DEF_CVSTORE(E, t, K, Z)
#define EW_DEF_CVSTORES(E, n, t, s, k, K) EW_DEF_CVSTORES_(E, t, K)
NUMC_DTYPE_LIST(EW_DEF_CVSTORES)

#define EW_CVSTORE_ROW(E, n, t, s, k, K)                                                           \
    [NUMC_##E] = {ew_cvst_##E##_I, ew_cvst_##E##_U, ew_cvst_##E##_D, ew_cvst_##E##_D16,            \
                  ew_cvst_##E##_Z},
static const ew_cv_store_fn ew_cv_stores[NUMC_DTYPE_COUNT][EW_WIDE_COUNT] = {
    NUMC_DTYPE_LIST(EW_CVSTORE_ROW)};

/* ew_convert_<E>: the convert loop from dtype E; the target is params->i[0].
 * A contiguous source that already is its wide type skips the first pass. */
#define EW_DEF_CONVERT_(E, t, K, W)                                                                \
    static EW_LOOP_SIG(ew_convert_##E) {                                                           \
        const ew_cv_store_fn store = ew_cv_stores[prm->i[0]][EW_WIDE_##W];                         \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        if (s0 == (int64_t)sizeof(t) && __builtin_types_compatible_p(t, EW_WTYPE_##W)) {           \
            store(args[0], args[1], s1, n);                                                        \
            return;                                                                                \
        }                                                                                          \
        ew_wide_block blk;                                                                         \
        EW_WTYPE_##W *restrict w = (EW_WTYPE_##W *)(void *)&blk;                                   \
        const char *xp = args[0];                                                                  \
        char *yp = args[1];                                                                        \
        for (int64_t i = 0; i < n; i += EW_CVBLK) {                                                \
            int64_t m = n - i < EW_CVBLK ? n - i : EW_CVBLK;                                       \
            if (s0 == (int64_t)sizeof(t)) {                                                        \
                const t *restrict x = (const t *)(const void *)xp;                                 \
                for (int64_t j = 0; j < m; j++)                                                    \
                    w[j] = EW_TOWIDE_##K(E, x[j]);                                                 \
            } else {                                                                               \
                for (int64_t j = 0; j < m; j++)                                                    \
                    w[j] = EW_TOWIDE_##K(E, *(const t *)(const void *)(xp + j * s0));              \
            }                                                                                      \
            store(w, yp, s1, m);                                                                   \
            xp += m * s0;                                                                          \
            yp += m * s1;                                                                          \
        }                                                                                          \
    }
#define EW_DEF_CONVERT__(E, t, K, W) EW_DEF_CONVERT_(E, t, K, W)
#define EW_DEF_CONVERT(E, n, t, s, k, K) EW_DEF_CONVERT__(E, t, K, EW_CAT(EW_WIDE_OF_, K)(E))
NUMC_DTYPE_LIST(EW_DEF_CONVERT)

#define EW_CONVERT_CELL(E, n, t, s, k, K) [NUMC_##E] = ew_convert_##E,
static const numc_ew_loop ew_convert_loops[NUMC_DTYPE_COUNT] = {NUMC_DTYPE_LIST(EW_CONVERT_CELL)};

/* ---- copy / select, by item size ---- */
typedef struct {
    uint64_t lo, hi;
} ew_u128;
#define EW_SIZES(Y) Y(1, uint8_t) Y(2, uint16_t) Y(4, uint32_t) Y(8, uint64_t) Y(16, ew_u128)

#define EW_DEF_COPY(s, T)                                                                          \
    static EW_LOOP_SIG(ew_copy_##s) {                                                              \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        if (s0 == s && s1 == s) {                                                                  \
            memmove(args[1], args[0], (size_t)n *s);                                               \
        } else if (s0 == 0) {                                                                      \
            const T v = *(const T *)(const void *)args[0];                                         \
            char *yp = args[1];                                                                    \
            for (int64_t i = 0; i < n; i++, yp += s1)                                              \
                *(T *)(void *)yp = v;                                                              \
        } else {                                                                                   \
            const char *xp = args[0];                                                              \
            char *yp = args[1];                                                                    \
            for (int64_t i = 0; i < n; i++, xp += s0, yp += s1)                                    \
                *(T *)(void *)yp = *(const T *)(const void *)xp;                                   \
        }                                                                                          \
    }
EW_SIZES(EW_DEF_COPY)

/* select(pred, a, b): bitwise copies, so nan payloads survive as in NumPy's where */
#define EW_DEF_SELECT(s, T)                                                                        \
    static EW_LOOP_SIG(ew_select_##s) {                                                            \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1], s2 = steps[2], s3 = steps[3];                  \
        if (s0 == 1 && s3 == s && (s1 == s || s1 == 0) && (s2 == s || s2 == 0)) {                  \
            const uint8_t *restrict p = (const uint8_t *)args[0];                                  \
            const T *restrict a = (const T *)(const void *)args[1];                                \
            const T *restrict b = (const T *)(const void *)args[2];                                \
            T *restrict y = (T *)(void *)args[3];                                                  \
            const int64_t ia = s1 ? 1 : 0, ib = s2 ? 1 : 0;                                        \
            if (ia && ib) {                                                                        \
                for (int64_t i = 0; i < n; i++)                                                    \
                    y[i] = p[i] ? a[i] : b[i];                                                     \
            } else {                                                                               \
                for (int64_t i = 0; i < n; i++)                                                    \
                    y[i] = p[i] ? a[i * ia] : b[i * ib];                                           \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        const char *pp = args[0], *ap = args[1], *bp = args[2];                                    \
        char *yp = args[3];                                                                        \
        for (int64_t i = 0; i < n; i++, pp += s0, ap += s1, bp += s2, yp += s3)                    \
            *(T *)(void *)yp = *(const T *)(const void *)(*pp ? ap : bp);                          \
    }
EW_SIZES(EW_DEF_SELECT)

numc_ew_loop numc_ew_copy_loop(size_t itemsize) {
    switch (itemsize) {
#define EW_COPY_CASE(s, T)                                                                         \
    case s:                                                                                        \
        return ew_copy_##s;
        EW_SIZES(EW_COPY_CASE)
#undef EW_COPY_CASE
    }
    return NULL;
}

numc_ew_loop numc_ew_select_loop(numc_dtype dt) {
    if ((unsigned)dt >= NUMC_DTYPE_COUNT) return NULL;
    switch (numc_dtype_info[dt].itemsize) {
#define EW_SELECT_CASE(s, T)                                                                       \
    case s:                                                                                        \
        return ew_select_##s;
        EW_SIZES(EW_SELECT_CASE)
#undef EW_SELECT_CASE
    }
    return NULL;
}

numc_ew_loop numc_ew_convert_loop(numc_dtype from, numc_dtype to) {
    if ((unsigned)from >= NUMC_DTYPE_COUNT || (unsigned)to >= NUMC_DTYPE_COUNT) return NULL;
    if (from == to) return numc_ew_copy_loop(numc_dtype_info[from].itemsize);
    return ew_convert_loops[from];
}

numc_ew_loop numc_ew_bitcast_loop(numc_dtype from, numc_dtype to) {
    if ((unsigned)from >= NUMC_DTYPE_COUNT || (unsigned)to >= NUMC_DTYPE_COUNT) return NULL;
    if (numc_dtype_info[from].itemsize != numc_dtype_info[to].itemsize) return NULL;
    return numc_ew_copy_loop(numc_dtype_info[from].itemsize);
}
