/* ew-impl.h — machinery shared by the CPU elementwise kernels (elementwise.c,
 * ew-arith.c, ew-math.c, ew-convert.c, copy.c): the kernel class of each
 * dtype, the loop templates every kernel is stamped from, and the tables and
 * helpers those files export to each other. Internal to src/backend/cpu. */
#ifndef NUMC_EW_IMPL_H
#define NUMC_EW_IMPL_H

#include "cpu.h"

#include <math.h>

/* ---- kernel classes ----
 * Kernels are written once per class and stamped per dtype; the class of a
 * dtype is the last column of NUMC_DTYPE_LIST:
 *   B bool   S signed int   U unsigned int   H float16/bfloat16 (storage
 *   only: computed in float32)   F float32/float64   C complex. */
#define EW_CAT(a, b) EW_CAT_(a, b)
#define EW_CAT_(a, b) a##b

/* The compute type of a class and the load/store between storage and compute
 * values. H converts; B normalises any nonzero byte to 1. */
#define EW_CT_B(E, t) t
#define EW_CT_S(E, t) t
#define EW_CT_U(E, t) t
#define EW_CT_F(E, t) t
#define EW_CT_C(E, t) t
#define EW_CT_H(E, t) float
#define EW_LD_B(E, x) ((uint8_t)((x) != 0))
#define EW_LD_S(E, x) (x)
#define EW_LD_U(E, x) (x)
#define EW_LD_F(E, x) (x)
#define EW_LD_C(E, x) (x)
#define EW_LD_H(E, x) ew_ld_##E(x)
#define EW_ST_B(E, v) (v)
#define EW_ST_S(E, v) (v)
#define EW_ST_U(E, v) (v)
#define EW_ST_F(E, v) (v)
#define EW_ST_C(E, v) (v)
#define EW_ST_H(E, v) ew_st_##E(v)

/* float16 <-> float32/float64 in plain integer and float operations: the same
 * results as the _Float16 casts of core-impl.h (round to nearest even; nans
 * stay nans), but gcc 12 vectorises these and not the casts. Checked against
 * the casts for every float16 and every float32. */
static inline float ew_bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint32_t ew_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline double ew_bits_f64(uint64_t u) {
    double f;
    memcpy(&f, &u, 8);
    return f;
}
static inline uint64_t ew_f64_bits(double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}
/* Finite halves: the bits shifted into float position read as a float 2^112
 * too small (subnormals included), so one exact multiply rebiases them. */
static inline float ew_f16_to_f32(uint16_t h) {
    const uint32_t em = h & 0x7fffu, sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t u = em << 13;
    const uint32_t fin = ew_f32_bits(ew_bits_f32(u) * 0x1p112f);
    const uint32_t inf = u | 0x7f800000u | (em > 0x7c00u ? 0x00400000u : 0);
    return ew_bits_f32((em >= 0x7c00u ? inf : fin) | sign);
}
/* Three cases, selected without branches: results below 2^-14 come from
 * adding 0.5 (whose ulp is the float16 subnormal step, so the float adder does
 * the rounding); normal ones rebias the exponent and round the 13 dropped bits
 * to even by integer addition (a carry may reach inf, as it should); >= 2^16,
 * inf and nan map to inf / quiet nan. */
static inline uint16_t ew_f32_to_f16(float x) {
    const uint32_t b = ew_f32_bits(x), f = b & 0x7fffffffu, sign = (b >> 16) & 0x8000u;
    const uint32_t sub = ew_f32_bits(ew_bits_f32(f) + 0.5f) - 0x3f000000u;
    const uint32_t norm = (f + 0xc8000fffu + ((f >> 13) & 1u)) >> 13;
    const uint32_t big = f > 0x7f800000u ? 0x7e00u | ((f >> 13) & 0x3ffu) : 0x7c00u;
    return (uint16_t)((f >= 0x47800000u ? big : f < 0x38800000u ? sub : norm) | sign);
}
/* The same from float64 in one rounding (2^28 has the subnormal step as ulp). */
static inline uint16_t ew_f64_to_f16(double x) {
    const uint64_t b = ew_f64_bits(x), f = b & 0x7fffffffffffffffu;
    const uint32_t sign = (uint32_t)(b >> 48) & 0x8000u;
    const uint64_t sub = ew_f64_bits(ew_bits_f64(f) + 0x1p28) - 0x41b0000000000000u;
    const uint64_t norm = (f - 0x3f00000000000000u + 0x1ffffffffffu + ((f >> 42) & 1u)) >> 42;
    const uint64_t big = f > 0x7ff0000000000000u ? 0x7e00u | ((f >> 42) & 0x3ffu) : 0x7c00u;
    return (uint16_t)((f >= 0x40f0000000000000u  ? big
                       : f < 0x3f10000000000000u ? sub
                                                 : norm) |
                      sign);
}

static inline float ew_ld_FLOAT16(uint16_t h) {
    return ew_f16_to_f32(h);
}
static inline float ew_ld_BFLOAT16(uint16_t h) {
    return numc_bf16_to_f32(h);
}
static inline uint16_t ew_st_FLOAT16(float f) {
    return ew_f32_to_f16(f);
}
/* numc_f32_to_bf16 without the branch, so it vectorises */
static inline uint16_t ew_f32_to_bf16(float f) {
    const uint32_t u = ew_f32_bits(f);
    const uint32_t rne = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16, qnan = (u >> 16) | 0x40u;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? qnan : rne);
}
static inline uint16_t ew_st_BFLOAT16(float f) {
    return ew_f32_to_bf16(f);
}

/* Contiguous blocks of halves <-> float32. float16 uses the F16C/AVX-512
 * conversion instructions where the build has them (one instruction per
 * vector; identical results to the scalar helpers above). */
#if defined(__AVX512F__) || defined(__F16C__)
#include <immintrin.h>
#endif
static inline void ew_ldblk_FLOAT16(const uint16_t *restrict x, float *restrict y, int64_t m) {
    int64_t j = 0;
#if defined(__AVX512F__)
    for (; j + 16 <= m; j += 16)
        _mm512_storeu_ps(y + j, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(x + j))));
#elif defined(__F16C__)
    for (; j + 8 <= m; j += 8)
        _mm256_storeu_ps(y + j, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + j))));
#endif
    for (; j < m; j++)
        y[j] = ew_f16_to_f32(x[j]);
}
static inline void ew_stblk_FLOAT16(const float *restrict x, uint16_t *restrict y, int64_t m) {
    int64_t j = 0;
#if defined(__AVX512F__)
    for (; j + 16 <= m; j += 16)
        _mm256_storeu_si256((__m256i *)(y + j),
                            _mm512_cvtps_ph(_mm512_loadu_ps(x + j), _MM_FROUND_TO_NEAREST_INT));
#elif defined(__F16C__)
    for (; j + 8 <= m; j += 8)
        _mm_storeu_si128((__m128i *)(y + j),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + j), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; j < m; j++)
        y[j] = ew_f32_to_f16(x[j]);
}
static inline void ew_ldblk_BFLOAT16(const uint16_t *restrict x, float *restrict y, int64_t m) {
    for (int64_t j = 0; j < m; j++)
        y[j] = numc_bf16_to_f32(x[j]);
}
static inline void ew_stblk_BFLOAT16(const float *restrict x, uint16_t *restrict y, int64_t m) {
    for (int64_t j = 0; j < m; j++)
        y[j] = ew_f32_to_bf16(x[j]);
}

/* The real type of a complex storage type, and the complex type holding a
 * pair of real compute values. */
#define EW_REAL_OF(t) __typeof__(((t *)0)->re)
#define EW_CPLX_OF(r)                                                                              \
    __typeof__(_Generic((r)0, float : (numc_complex64){0, 0}, double : (numc_complex128){0, 0}))

/* ---- loop templates ----
 * Every loop has numc_ew_loop's signature. The contiguous case is its own
 * loop with restrict pointers so gcc vectorises it; the other cases walk byte
 * strides. An output that exactly aliases an input (in-place update) is fine:
 * each element is read before it is written. */
#define EW_LOOP_SIG(fname)                                                                         \
    void fname(char **args, const int64_t *steps, int64_t n, const numc_params *prm)

/* y = ST(OP(LD(x))): TI/TO storage types, CT the compute type, LDM/STM
 * load/store macros called as LDM(E, x), OP called as OP(E, CT, x). */
#define EW_DEF_UNARY(fname, E, TI, TO, CT, LDM, STM, OP)                                           \
    static EW_LOOP_SIG(fname) {                                                                    \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        if (s0 == (int64_t)sizeof(TI) && s1 == (int64_t)sizeof(TO)) {                              \
            const TI *restrict x = (const TI *)args[0];                                            \
            TO *restrict y = (TO *)args[1];                                                        \
            for (int64_t i = 0; i < n; i++)                                                        \
                y[i] = STM(E, OP(E, CT, LDM(E, x[i])));                                            \
        } else {                                                                                   \
            const char *xp = args[0];                                                              \
            char *yp = args[1];                                                                    \
            for (int64_t i = 0; i < n; i++, xp += s0, yp += s1)                                    \
                *(TO *)yp = STM(E, OP(E, CT, LDM(E, *(const TI *)xp)));                            \
        }                                                                                          \
    }

/* z = ST(OP(LD(a), LD(b))); a broadcast scalar operand (step 0) gets its own
 * vectorisable loop because `x * 2` is the most common broadcast. */
#define EW_DEF_BINARY(fname, E, TI, TO, CT, LDM, STM, OP)                                          \
    static EW_LOOP_SIG(fname) {                                                                    \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1], s2 = steps[2];                                 \
        const int64_t si = (int64_t)sizeof(TI), so = (int64_t)sizeof(TO);                          \
        if (s2 == so && s0 == si && s1 == si) {                                                    \
            const TI *restrict a = (const TI *)args[0];                                            \
            const TI *restrict b = (const TI *)args[1];                                            \
            TO *restrict z = (TO *)args[2];                                                        \
            for (int64_t i = 0; i < n; i++)                                                        \
                z[i] = STM(E, OP(E, CT, LDM(E, a[i]), LDM(E, b[i])));                              \
        } else if (s2 == so && s0 == 0 && s1 == si) {                                              \
            const CT av = LDM(E, *(const TI *)args[0]);                                            \
            const TI *restrict b = (const TI *)args[1];                                            \
            TO *restrict z = (TO *)args[2];                                                        \
            for (int64_t i = 0; i < n; i++)                                                        \
                z[i] = STM(E, OP(E, CT, av, LDM(E, b[i])));                                        \
        } else if (s2 == so && s0 == si && s1 == 0) {                                              \
            const TI *restrict a = (const TI *)args[0];                                            \
            const CT bv = LDM(E, *(const TI *)args[1]);                                            \
            TO *restrict z = (TO *)args[2];                                                        \
            for (int64_t i = 0; i < n; i++)                                                        \
                z[i] = STM(E, OP(E, CT, LDM(E, a[i]), bv));                                        \
        } else {                                                                                   \
            const char *ap = args[0], *bp = args[1];                                               \
            char *zp = args[2];                                                                    \
            for (int64_t i = 0; i < n; i++, ap += s0, bp += s1, zp += s2)                          \
                *(TO *)zp = STM(E, OP(E, CT, LDM(E, *(const TI *)ap), LDM(E, *(const TI *)bp)));   \
        }                                                                                          \
    }

/* float16/bfloat16 loops with contiguous operands run in blocks: convert the
 * inputs to float32 blocks, apply OP, store the block (STBLK) - so the
 * conversions vectorise. Other layouts go element by element. A step-0
 * operand is converted once. */
#define EW_HBLK 256
#define EW_DEF_UNARY_H(fname, E, TI, TO, CT, LDM, STM, OP, STBLK)                                  \
    static EW_LOOP_SIG(fname) {                                                                    \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        if (s0 == (int64_t)sizeof(TI) && s1 == (int64_t)sizeof(TO)) {                              \
            float xb[EW_HBLK];                                                                     \
            __typeof__(OP(E, CT, xb[0])) rb[EW_HBLK];                                              \
            const TI *x = (const TI *)args[0];                                                     \
            TO *y = (TO *)args[1];                                                                 \
            for (int64_t i = 0; i < n; i += EW_HBLK) {                                             \
                const int64_t m = n - i < EW_HBLK ? n - i : EW_HBLK;                               \
                ew_ldblk_##E(x + i, xb, m);                                                        \
                for (int64_t j = 0; j < m; j++)                                                    \
                    rb[j] = OP(E, CT, xb[j]);                                                      \
                STBLK(E, rb, y + i, m);                                                            \
            }                                                                                      \
        } else {                                                                                   \
            const char *xp = args[0];                                                              \
            char *yp = args[1];                                                                    \
            for (int64_t i = 0; i < n; i++, xp += s0, yp += s1)                                    \
                *(TO *)yp = STM(E, OP(E, CT, LDM(E, *(const TI *)xp)));                            \
        }                                                                                          \
    }
#define EW_DEF_BINARY_H(fname, E, TI, TO, CT, LDM, STM, OP, STBLK)                                 \
    static EW_LOOP_SIG(fname) {                                                                    \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1], s2 = steps[2];                                 \
        const int64_t si = (int64_t)sizeof(TI), so = (int64_t)sizeof(TO);                          \
        if (s2 == so && (s0 == si || s0 == 0) && (s1 == si || s1 == 0)) {                          \
            float ab[EW_HBLK], bb[EW_HBLK];                                                        \
            __typeof__(OP(E, CT, ab[0], bb[0])) rb[EW_HBLK];                                       \
            const TI *a = (const TI *)args[0], *b = (const TI *)args[1];                           \
            TO *z = (TO *)args[2];                                                                 \
            if (s0 == 0)                                                                           \
                for (int64_t j = 0; j < EW_HBLK; j++)                                              \
                    ab[j] = LDM(E, a[0]);                                                          \
            if (s1 == 0)                                                                           \
                for (int64_t j = 0; j < EW_HBLK; j++)                                              \
                    bb[j] = LDM(E, b[0]);                                                          \
            for (int64_t i = 0; i < n; i += EW_HBLK) {                                             \
                const int64_t m = n - i < EW_HBLK ? n - i : EW_HBLK;                               \
                if (s0) ew_ldblk_##E(a + i, ab, m);                                                \
                if (s1) ew_ldblk_##E(b + i, bb, m);                                                \
                for (int64_t j = 0; j < m; j++)                                                    \
                    rb[j] = OP(E, CT, ab[j], bb[j]);                                               \
                STBLK(E, rb, z + i, m);                                                            \
            }                                                                                      \
        } else {                                                                                   \
            const char *ap = args[0], *bp = args[1];                                               \
            char *zp = args[2];                                                                    \
            for (int64_t i = 0; i < n; i++, ap += s0, bp += s1, zp += s2)                          \
                *(TO *)zp = STM(E, OP(E, CT, LDM(E, *(const TI *)ap), LDM(E, *(const TI *)bp)));   \
        }                                                                                          \
    }
/* block stores of a staged loop's results: halves, or element copies */
#define EW_STBLK_HALF(E, r, y, m) ew_stblk_##E(r, y, m)
#define EW_STBLK_COPY(E, r, y, m)                                                                  \
    do {                                                                                           \
        for (int64_t j_ = 0; j_ < (m); j_++)                                                       \
            (y)[j_] = (r)[j_];                                                                     \
    } while (0)
/* which template a class's SAME / BOOL / CPLX rows use */
#define EW_UNARY_B(f, E, TI, TO, CT, LDM, STM, OP, STBLK)                                          \
    EW_DEF_UNARY(f, E, TI, TO, CT, LDM, STM, OP)
#define EW_UNARY_S EW_UNARY_B
#define EW_UNARY_U EW_UNARY_B
#define EW_UNARY_F EW_UNARY_B
#define EW_UNARY_C EW_UNARY_B
/* staging pays for float16 (hardware conversions); bfloat16's shift-and-round
 * conversions vectorise in place */
#define EW_UNARY_H(f, E, ...) EW_UNARY_H_##E(f, E, __VA_ARGS__)
#define EW_UNARY_H_FLOAT16 EW_DEF_UNARY_H
#define EW_UNARY_H_BFLOAT16 EW_UNARY_B
#define EW_BINARY_B(f, E, TI, TO, CT, LDM, STM, OP, STBLK)                                         \
    EW_DEF_BINARY(f, E, TI, TO, CT, LDM, STM, OP)
#define EW_BINARY_S EW_BINARY_B
#define EW_BINARY_U EW_BINARY_B
#define EW_BINARY_F EW_BINARY_B
#define EW_BINARY_C EW_BINARY_B
#define EW_BINARY_H(f, E, ...) EW_BINARY_H_##E(f, E, __VA_ARGS__)
#define EW_BINARY_H_FLOAT16 EW_DEF_BINARY_H
#define EW_BINARY_H_BFLOAT16 EW_BINARY_B

#define EW_LD_RAW(E, x) (x)
#define EW_ST_RAW(E, v) (v)
#define EW_ST_BOOLOUT(E, v) ((uint8_t)(v))

/* Stamps the loop ew_<op>_<E> of one op-list row for dtype E (storage type
 * t) of class K. SHAPE says how the output relates to the input:
 *   U_/B_ unary / binary, then
 *   SAME  same dtype          BOOL  bool output
 *   REAL  complex -> its real type (no LD/ST)
 *   RAW   same dtype, the op sees storage values (no LD/ST)
 *   RAWBOOL  bool output, the op sees storage values
 *   CPLX  two reals -> the complex of their compute type
 * (a file may add shapes of its own: ew-math.c's SLEEF and complex loops).
 * Row ops are called OP(E, T, x...) with T the compute type. */
#define EW_STAMP(E, t, K, P, op, SHAPE, OP) EW_STAMP_##SHAPE(ew_##op##_##E, E, t, K, OP)
#define EW_STAMP_U_SAME(f, E, t, K, OP)                                                            \
    EW_UNARY_##K(f, E, t, t, EW_CT_##K(E, t), EW_LD_##K, EW_ST_##K, OP, EW_STBLK_HALF)
#define EW_STAMP_U_BOOL(f, E, t, K, OP)                                                            \
    EW_UNARY_##K(f, E, t, uint8_t, EW_CT_##K(E, t), EW_LD_##K, EW_ST_BOOLOUT, OP, EW_STBLK_COPY)
#define EW_STAMP_U_REAL(f, E, t, K, OP)                                                            \
    EW_DEF_UNARY(f, E, t, EW_REAL_OF(t), t, EW_LD_RAW, EW_ST_RAW, OP)
#define EW_STAMP_U_RAW(f, E, t, K, OP) EW_DEF_UNARY(f, E, t, t, t, EW_LD_RAW, EW_ST_RAW, OP)
#define EW_STAMP_U_RAWBOOL(f, E, t, K, OP)                                                         \
    EW_DEF_UNARY(f, E, t, uint8_t, t, EW_LD_RAW, EW_ST_BOOLOUT, OP)
#define EW_STAMP_B_SAME(f, E, t, K, OP)                                                            \
    EW_BINARY_##K(f, E, t, t, EW_CT_##K(E, t), EW_LD_##K, EW_ST_##K, OP, EW_STBLK_HALF)
#define EW_STAMP_B_BOOL(f, E, t, K, OP)                                                            \
    EW_BINARY_##K(f, E, t, uint8_t, EW_CT_##K(E, t), EW_LD_##K, EW_ST_BOOLOUT, OP, EW_STBLK_COPY)
#define EW_STAMP_B_RAW(f, E, t, K, OP) EW_DEF_BINARY(f, E, t, t, t, EW_LD_RAW, EW_ST_RAW, OP)
#define EW_STAMP_B_CPLX(f, E, t, K, OP)                                                            \
    EW_BINARY_##K(f, E, t, EW_CPLX_OF(EW_CT_##K(E, t)), EW_CT_##K(E, t), EW_LD_##K, EW_ST_RAW, OP, \
                  EW_STBLK_COPY)

/* The table cell of one op-list row. */
#define EW_CELL(E, t, K, P, op, SHAPE, OP) [NUMC_PRIM_##P][NUMC_##E] = ew_##op##_##E,

/* Applies M (EW_STAMP or EW_CELL) to every row of dtype E's op list. The
 * lists are file-local macros EW_OPS_<class>(M, E, t, K) of the including
 * file, so each file builds its own table from its own rows:
 *     #define EW_GEN(E, n, t, s, k, K) EW_FOR_DTYPE(EW_STAMP, E, t, K)
 *     NUMC_DTYPE_LIST(EW_GEN) */
#define EW_FOR_DTYPE(M, E, t, K) EW_OPS_##K(M, E, t, K)

/* ---- scalar helpers shared by several files ---- */
#define EW_TG(x, f, d) _Generic((x), float : f, double : d)

/* gcc 12's vectoriser fuses a*b+c shapes that look like complex arithmetic
 * into fmaddsub even under -ffp-contract=off; passing a product through an
 * empty asm keeps it a separately rounded value. */
#define EW_NOFUSE(x) __asm__("" : "+x"(x))

/* Complex arithmetic for each complex dtype E (ew_c_<op>_<E>), following
 * NumPy's loops: no C99 Annex G fix-ups in products, Smith's division,
 * lexicographic order in which a NaN imaginary part makes `<` false. */
#define EW_CPLX_HELPERS_C(E, T)                                                                    \
    typedef EW_REAL_OF(T) ew_r_##E;                                                                \
    static inline T ew_c_mk_##E(ew_r_##E re, ew_r_##E im) {                                        \
        T z = {re, im};                                                                            \
        return z;                                                                                  \
    }                                                                                              \
    static inline T ew_c_neg_##E(T a) {                                                            \
        return ew_c_mk_##E(-a.re, -a.im);                                                          \
    }                                                                                              \
    static inline T ew_c_conj_##E(T a) {                                                           \
        return ew_c_mk_##E(a.re, -a.im);                                                           \
    }                                                                                              \
    static inline T ew_c_add_##E(T a, T b) {                                                       \
        return ew_c_mk_##E(a.re + b.re, a.im + b.im);                                              \
    }                                                                                              \
    static inline T ew_c_sub_##E(T a, T b) {                                                       \
        return ew_c_mk_##E(a.re - b.re, a.im - b.im);                                              \
    }                                                                                              \
    /* NumPy's SIMD product: fma(ar, br, -(ai bi)), fma(ar, bi, ai br). Spelled                    \
     * out because gcc's vectoriser fuses the textbook form into fmaddsub even                     \
     * under -ffp-contract=off, which would make results depend on layout. */                      \
    static inline T ew_c_mul_##E(T a, T b) {                                                       \
        return ew_c_mk_##E(EW_TG(a.re, fmaf, fma)(a.re, b.re, -(a.im * b.im)),                     \
                           EW_TG(a.re, fmaf, fma)(a.re, b.im, a.im * b.re));                       \
    }                                                                                              \
    /* Smith's division with separately rounded products, as NumPy's scalar                        \
     * loop does (EW_NOFUSE: see ew_c_mul) */                                                      \
    static inline T ew_c_div_##E(T a, T b) {                                                       \
        ew_r_##E br = EW_TG(b.re, fabsf, fabs)(b.re);                                              \
        ew_r_##E bi = EW_TG(b.im, fabsf, fabs)(b.im);                                              \
        if (br >= bi) {                                                                            \
            if (br == 0 && bi == 0) /* complex inf or nan, as NumPy */                             \
                return ew_c_mk_##E(a.re / br, a.im / br);                                          \
            ew_r_##E rat = b.im / b.re, d = b.im * rat, p = a.im * rat, q = a.re * rat;            \
            EW_NOFUSE(d);                                                                          \
            EW_NOFUSE(p);                                                                          \
            EW_NOFUSE(q);                                                                          \
            ew_r_##E scl = (ew_r_##E)1 / (b.re + d);                                               \
            return ew_c_mk_##E((a.re + p) * scl, (a.im - q) * scl);                                \
        }                                                                                          \
        ew_r_##E rat = b.re / b.im, d = b.re * rat, p = a.re * rat, q = a.im * rat;                \
        EW_NOFUSE(d);                                                                              \
        EW_NOFUSE(p);                                                                              \
        EW_NOFUSE(q);                                                                              \
        ew_r_##E scl = (ew_r_##E)1 / (b.im + d);                                                   \
        return ew_c_mk_##E((p + a.im) * scl, (q - a.re) * scl);                                    \
    }                                                                                              \
    /* |z| exactly as NumPy's SIMD loop computes it (all layouts use it):                          \
     * inf wins over nan, then larger * sqrt(1 + (smaller/larger)^2) with a fma */                 \
    static inline ew_r_##E ew_c_abs_##E(T a) {                                                     \
        ew_r_##E re = EW_TG(a.re, fabsf, fabs)(a.re);                                              \
        ew_r_##E im = EW_TG(a.im, fabsf, fabs)(a.im);                                              \
        const bool reinf = isinf(re), iminf = isinf(im);                                           \
        if (reinf) im = (ew_r_##E)INFINITY;                                                        \
        if (iminf) re = (ew_r_##E)INFINITY;                                                        \
        const bool renan = isnan(re), imnan = isnan(im);                                           \
        if (renan) im = (ew_r_##E)NAN;                                                             \
        if (imnan) re = (ew_r_##E)NAN;                                                             \
        ew_r_##E big = re > im ? re : im, small = re > im ? im : re;                               \
        ew_r_##E rat = (big == 0 || isinf(small)) ? 0 : small / big;                               \
        return EW_TG(rat, sqrtf, sqrt)(EW_TG(rat, fmaf, fma)(rat, rat, 1)) * big;                  \
    }                                                                                              \
    static inline T ew_c_sign_##E(T a) { /* z/|z| (NumPy 2, libm's hypot) */                       \
        ew_r_##E m = EW_TG(a.re, hypotf, hypot)(a.re, a.im);                                       \
        if (isnan(m)) return ew_c_mk_##E(NAN, NAN);                                                \
        if (isinf(m)) {                                                                            \
            if (isinf(a.re) && isinf(a.im)) return ew_c_mk_##E(NAN, NAN);                          \
            if (isinf(a.re)) return ew_c_mk_##E(a.re > 0 ? 1 : -1, 0);                             \
            return ew_c_mk_##E(0, a.im > 0 ? 1 : -1);                                              \
        }                                                                                          \
        if (m == 0) return ew_c_mk_##E(0, 0);                                                      \
        return ew_c_mk_##E(a.re / m, a.im / m);                                                    \
    }                                                                                              \
    static inline T ew_c_rint_##E(T a) {                                                           \
        return ew_c_mk_##E(EW_TG(a.re, rintf, rint)(a.re), EW_TG(a.im, rintf, rint)(a.im));        \
    }                                                                                              \
    static inline bool ew_c_isnan_##E(T a) {                                                       \
        return isnan(a.re) || isnan(a.im);                                                         \
    }                                                                                              \
    static inline bool ew_c_isinf_##E(T a) {                                                       \
        return isinf(a.re) || isinf(a.im);                                                         \
    }                                                                                              \
    static inline bool ew_c_isfinite_##E(T a) {                                                    \
        return isfinite(a.re) && isfinite(a.im);                                                   \
    }                                                                                              \
    static inline bool ew_c_eq_##E(T a, T b) {                                                     \
        return a.re == b.re && a.im == b.im;                                                       \
    }                                                                                              \
    static inline bool ew_c_ne_##E(T a, T b) {                                                     \
        return a.re != b.re || a.im != b.im;                                                       \
    }                                                                                              \
    static inline bool ew_c_ordered_##E(T a, T b) {                                                \
        return !isnan(a.im) && !isnan(b.im);                                                       \
    }                                                                                              \
    static inline bool ew_c_lt_##E(T a, T b) {                                                     \
        return (a.re < b.re && ew_c_ordered_##E(a, b)) || (a.re == b.re && a.im < b.im);           \
    }                                                                                              \
    static inline bool ew_c_le_##E(T a, T b) {                                                     \
        return (a.re < b.re && ew_c_ordered_##E(a, b)) || (a.re == b.re && a.im <= b.im);          \
    }                                                                                              \
    static inline bool ew_c_gt_##E(T a, T b) {                                                     \
        return (a.re > b.re && ew_c_ordered_##E(a, b)) || (a.re == b.re && a.im > b.im);           \
    }                                                                                              \
    static inline bool ew_c_ge_##E(T a, T b) {                                                     \
        return (a.re > b.re && ew_c_ordered_##E(a, b)) || (a.re == b.re && a.im >= b.im);          \
    }                                                                                              \
    /* maximum/minimum propagate a NaN in either part of either operand */                         \
    static inline T ew_c_max_##E(T a, T b) {                                                       \
        return (isnan(a.re) || isnan(a.im) || ew_c_ge_##E(a, b)) ? a : b;                          \
    }                                                                                              \
    static inline T ew_c_min_##E(T a, T b) {                                                       \
        return (isnan(a.re) || isnan(a.im) || ew_c_le_##E(a, b)) ? a : b;                          \
    }
#define EW_CPLX_HELPERS_B(E, T)
#define EW_CPLX_HELPERS_S(E, T)
#define EW_CPLX_HELPERS_U(E, T)
#define EW_CPLX_HELPERS_H(E, T)
#define EW_CPLX_HELPERS_F(E, T)
#define EW_CPLX_HELPERS_X_(E, n, t, s, k, K) EW_CPLX_HELPERS_##K(E, t)
NUMC_DTYPE_LIST(EW_CPLX_HELPERS_X_)
#undef EW_CPLX_HELPERS_X_

typedef numc_ew_loop numc_ew_table[NUMC_PRIM_COUNT][NUMC_DTYPE_COUNT];
/* ew-arith.c and ew-math.c */
extern const numc_ew_table numc_ew_arith_loops, numc_ew_math_loops;
/* ew-convert.c */
numc_ew_loop numc_ew_convert_loop(numc_dtype from, numc_dtype to);
numc_ew_loop numc_ew_bitcast_loop(numc_dtype from, numc_dtype to);
numc_ew_loop numc_ew_select_loop(numc_dtype dt);
numc_ew_loop numc_ew_copy_loop(size_t itemsize);

/* elementwise.c: the nd driver behind numc_cpu_elementwise and numc_cpu_copy.
 * Runs `loop` over out's (C-contiguous) shape; in[i] have out's shape with
 * arbitrary strides. cost ~ work per element (1 = an add). */
numc_status numc_ew_drive(numc_ew_loop loop, int nin, const numc_array *const *in, numc_array *out,
                          const numc_params *params, int64_t cost);

#endif
