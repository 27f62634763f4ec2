/* ew-impl.h — machinery shared by the CPU elementwise kernels (elementwise.c,
 * ew-arith.c, ew-math.c, ew-convert.c, copy.c): the kernel class of each
 * dtype, the loop templates every kernel is stamped from, and the tables and
 * helpers those files export to each other. Internal to src/backend/cpu. */
#ifndef NUMC_EW_IMPL_H
#define NUMC_EW_IMPL_H

#include "cpu.h"

#include <math.h>

#include "../ew-expr.h"

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
 * lists are macros L_<class>(M, E, t, K) (../ew-expr.h's EW_ARITH_OPS,
 * ew-math.c's EW_MATH_OPS), so each file builds its own table from its rows:
 *     #define EW_GEN(E, n, t, s, k, K) EW_FOR_DTYPE(EW_ARITH_OPS, EW_STAMP, E, t, K)
 *     NUMC_DTYPE_LIST(EW_GEN) */
#define EW_FOR_DTYPE(L, M, E, t, K) L##_##K(M, E, t, K)

typedef numc_ew_loop numc_ew_table[NUMC_PRIM_COUNT][NUMC_DTYPE_COUNT];
/* ew-arith.c and ew-math.c */
extern const numc_ew_table numc_ew_arith_loops, numc_ew_math_loops;
/* ew-convert.c */
numc_ew_loop numc_ew_convert_loop(numc_dtype from, numc_dtype to);
numc_ew_loop numc_ew_bitcast_loop(numc_dtype from, numc_dtype to);
numc_ew_loop numc_ew_select_loop(numc_dtype dt);
numc_ew_loop numc_ew_copy_loop(size_t itemsize);

/* elementwise.c: rough time per element of primitive p on dtype dt relative
 * to a float32 add (fused.c sums it over a program). */
int64_t numc_cpu_ew_cost(numc_prim p, numc_dtype dt);
/* elementwise.c: the dtype p's loop writes for (first data) input dtype dt. */
numc_dtype numc_cpu_ew_out_dtype(numc_prim p, numc_dtype dt, const numc_params *params);
/* Below this much work (elements x cost) a kernel runs on the calling thread:
 * waking the pool costs more than it saves. */
#define EW_PAR_MIN_WORK ((int64_t)1 << 18)

/* elementwise.c: the nd driver behind numc_cpu_elementwise and numc_cpu_copy.
 * Runs `loop` over out's (C-contiguous) shape; in[i] have out's shape with
 * arbitrary strides. cost ~ work per element (1 = an add). */
numc_status numc_ew_drive(numc_ew_loop loop, int nin, const numc_array *const *in, numc_array *out,
                          const numc_params *params, int64_t cost);

#endif
