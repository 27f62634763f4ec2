/* ew-math.c — the CPU loops of the transcendental elementwise primitives
 * (exp/log/trig/hyperbolic families, cbrt, atan2, float pow, complex sqrt) and
 * their table numc_ew_math_loops. float32/float64 use SLEEF's vectorised
 * <=1-ULP functions; float16/bfloat16 go through the float32 ones and round
 * once on store; complex uses libm's C99 functions plus NumPy's own formulas
 * where NumPy has them (exp2 expm1 log2 log10 log1p pow). */
#include "ew-impl.h"

#include <complex.h>
#include <sleef.h>
#undef I
#undef complex

/* ---- SLEEF vector width for this build ----
 * The ISA-specific entry points are called directly (no dispatcher), and
 * every element goes through the same vector function (the tail and strided
 * elements are staged through a buffer) so a value does not depend on where
 * in an array it sits. */
#if defined(__AVX512F__)
#include <immintrin.h>
#define EW_VL_F 16
#define EW_VL_D 8
#define EW_SLEEF_F(fn) Sleef_##fn##f16_u10avx512f
#define EW_SLEEF_D(fn) Sleef_##fn##d8_u10avx512f
#define EW_VLOAD_F(p) _mm512_loadu_ps(p)
#define EW_VLOAD_D(p) _mm512_loadu_pd(p)
#define EW_VSTORE_F(p, v) _mm512_storeu_ps(p, v)
#define EW_VSTORE_D(p, v) _mm512_storeu_pd(p, v)
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define EW_VL_F 8
#define EW_VL_D 4
#define EW_SLEEF_F(fn) Sleef_##fn##f8_u10avx2
#define EW_SLEEF_D(fn) Sleef_##fn##d4_u10avx2
#define EW_VLOAD_F(p) _mm256_loadu_ps(p)
#define EW_VLOAD_D(p) _mm256_loadu_pd(p)
#define EW_VSTORE_F(p, v) _mm256_storeu_ps(p, v)
#define EW_VSTORE_D(p, v) _mm256_storeu_pd(p, v)
#elif defined(__SSE2__)
#include <emmintrin.h>
#define EW_VL_F 4
#define EW_VL_D 2
#define EW_SLEEF_F(fn) Sleef_##fn##f4_u10sse2
#define EW_SLEEF_D(fn) Sleef_##fn##d2_u10sse2
#define EW_VLOAD_F(p) _mm_loadu_ps(p)
#define EW_VLOAD_D(p) _mm_loadu_pd(p)
#define EW_VSTORE_F(p, v) _mm_storeu_ps(p, v)
#define EW_VSTORE_D(p, v) _mm_storeu_pd(p, v)
#else
#define EW_VL_F 1
#define EW_VL_D 1
#define EW_SLEEF_F(fn) Sleef_##fn##f1_u10purec
#define EW_SLEEF_D(fn) Sleef_##fn##d1_u10purec
#define EW_VLOAD_F(p) (*(p))
#define EW_VLOAD_D(p) (*(p))
#define EW_VSTORE_F(p, v) (*(p) = (v))
#define EW_VSTORE_D(p, v) (*(p) = (v))
#endif

/* elements staged per block for strided and float16/bfloat16 operands */
#define EW_BLK 256

/* ---- range fix-ups ----
 * Some SLEEF functions give inf well before the true result overflows (their
 * documented domains end early): log1p, asinh, acosh for huge x, where the
 * results are log(x), sign(x) (log|x| + ln 2) and log(x) + ln 2 to within
 * rounding; sinh and cosh within ~1 of the overflow threshold, where libm's
 * long double functions take over. FIX(vx, vy) patches a vector of results; the
 * common case costs a compare per element. */
#define EW_DEF_FIX(name, T, V, VL, VLOAD, VSTORE, LOGV, TH, ABSIN, FORMULA)                        \
    static inline V name(V vx, V vy) {                                                             \
        T xs[VL], ys[VL], ls[VL];                                                                  \
        VSTORE(xs, vx);                                                                            \
        bool any = false;                                                                          \
        for (int j = 0; j < VL; j++)                                                               \
            any |= ABSIN(xs[j]) > TH;                                                              \
        if (!any) return vy;                                                                       \
        VSTORE(ys, vy);                                                                            \
        for (int j = 0; j < VL; j++)                                                               \
            ls[j] = EW_TG(xs[j], fabsf, fabs)(xs[j]);                                              \
        VSTORE(ls, LOGV(VLOAD(ls)));                                                               \
        for (int j = 0; j < VL; j++)                                                               \
            if (ABSIN(xs[j]) > TH) ys[j] = FORMULA(xs[j], ls[j]);                                  \
        return VLOAD(ys);                                                                          \
    }
#define EW_ID1(x) (x)
#define EW_FABS1(x) EW_TG(x, fabsf, fabs)(x)
#define EW_LN2 0.693147180559945309417232121458176568
#define EW_F_LOG1P(x, l) (l)
#define EW_F_ASINH(x, l) EW_TG(x, copysignf, copysign)((l) + (__typeof__(x))EW_LN2, x)
#define EW_F_ACOSH(x, l) ((l) + (__typeof__(x))EW_LN2)
/* in long double: glibc's sinhf and sinh are 2 ULP off near overflow */
#define EW_F_SINH(x, l) ((__typeof__(x))sinhl((long double)(x)))
#define EW_F_COSH(x, l) ((__typeof__(x))coshl((long double)(x)))
#define EW_DEF_FIXES(sfx, T, V, VL, VLOAD, VSTORE, LOGV, BIG, HYP)                                 \
    EW_DEF_FIX(ew_fix_log1p_##sfx, T, V, VL, VLOAD, VSTORE, LOGV, BIG, EW_ID1, EW_F_LOG1P)         \
    EW_DEF_FIX(ew_fix_asinh_##sfx, T, V, VL, VLOAD, VSTORE, LOGV, BIG, EW_FABS1, EW_F_ASINH)       \
    EW_DEF_FIX(ew_fix_acosh_##sfx, T, V, VL, VLOAD, VSTORE, LOGV, BIG, EW_ID1, EW_F_ACOSH)         \
    EW_DEF_FIX(ew_fix_sinh_##sfx, T, V, VL, VLOAD, VSTORE, LOGV, HYP, EW_FABS1, EW_F_SINH)         \
    EW_DEF_FIX(ew_fix_cosh_##sfx, T, V, VL, VLOAD, VSTORE, LOGV, HYP, EW_FABS1, EW_F_COSH)
EW_DEF_FIXES(f, float, __typeof__(EW_VLOAD_F((float *)0)), EW_VL_F, EW_VLOAD_F, EW_VSTORE_F,
             EW_SLEEF_F(log), 0x1p40f, 88.0f)
EW_DEF_FIXES(d, double, __typeof__(EW_VLOAD_D((double *)0)), EW_VL_D, EW_VLOAD_D, EW_VSTORE_D,
             EW_SLEEF_D(log), 0x1p200, 709.0)

/* ---- contiguous vector kernels: ew_v<op>_f / ew_v<op>_d ---- */
#define EW_DEF_VEC1_(name, T, VL, VFN, VLOAD, VSTORE, FIX)                                         \
    static void name(const T *x, T *y, int64_t n) {                                                \
        int64_t i = 0;                                                                             \
        for (; i + VL <= n; i += VL) {                                                             \
            __typeof__(VLOAD(x)) v = VLOAD(x + i);                                                 \
            VSTORE(y + i, FIX(v, VFN(v)));                                                         \
        }                                                                                          \
        if (i < n) {                                                                               \
            T buf[VL] = {0};                                                                       \
            memcpy(buf, x + i, (size_t)(n - i) * sizeof(T));                                       \
            __typeof__(VLOAD(x)) v = VLOAD(buf);                                                   \
            VSTORE(buf, FIX(v, VFN(v)));                                                           \
            memcpy(y + i, buf, (size_t)(n - i) * sizeof(T));                                       \
        }                                                                                          \
    }
#define EW_DEF_VEC2_(name, T, VL, VFN, VLOAD, VSTORE)                                              \
    static void name(const T *a, const T *b, T *y, int64_t n) {                                    \
        int64_t i = 0;                                                                             \
        for (; i + VL <= n; i += VL)                                                               \
            VSTORE(y + i, VFN(VLOAD(a + i), VLOAD(b + i)));                                        \
        if (i < n) {                                                                               \
            T ba[VL] = {0}, bb[VL] = {0};                                                          \
            memcpy(ba, a + i, (size_t)(n - i) * sizeof(T));                                        \
            memcpy(bb, b + i, (size_t)(n - i) * sizeof(T));                                        \
            VSTORE(ba, VFN(VLOAD(ba), VLOAD(bb)));                                                 \
            memcpy(y + i, ba, (size_t)(n - i) * sizeof(T));                                        \
        }                                                                                          \
    }
#define EW_NOFIX(vx, vy) (vy)
#define EW_FIXSEL_NOFIX(op, sfx) EW_NOFIX
#define EW_FIXSEL_FIX(op, sfx) ew_fix_##op##_##sfx
#define EW_DEF_VEC1(P, op, cx, fix, ...)                                                           \
    EW_DEF_VEC1_(ew_v##op##_f, float, EW_VL_F, EW_SLEEF_F(op), EW_VLOAD_F, EW_VSTORE_F,            \
                 EW_FIXSEL_##fix(op, f))                                                           \
    EW_DEF_VEC1_(ew_v##op##_d, double, EW_VL_D, EW_SLEEF_D(op), EW_VLOAD_D, EW_VSTORE_D,           \
                 EW_FIXSEL_##fix(op, d))
#define EW_DEF_VEC2(P, op, cx, fix, ...)                                                           \
    EW_DEF_VEC2_(ew_v##op##_f, float, EW_VL_F, EW_SLEEF_F(op), EW_VLOAD_F, EW_VSTORE_F)            \
    EW_DEF_VEC2_(ew_v##op##_d, double, EW_VL_D, EW_SLEEF_D(op), EW_VLOAD_D, EW_VSTORE_D)
EW_MATH_UNARY(EW_DEF_VEC1, )
EW_MATH_BINARY(EW_DEF_VEC2, )

/* ---- loops over the vector kernels ----
 * F: contiguous runs go straight to the kernel; anything else is gathered
 * into a block. H: always staged through a float32 block (whole contiguous
 * blocks convert with ew_ldblk/ew_stblk). */
#define EW_GATHER(buf, p, s, m, t, E, K)                                                           \
    do {                                                                                           \
        if ((s) == (int64_t)sizeof(t)) {                                                           \
            EW_LDBLK_##K(E, (const t *)(const void *)(p), buf, m);                                 \
        } else {                                                                                   \
            for (int64_t j = 0; j < (m); j++)                                                      \
                (buf)[j] = EW_LD_##K(E, *(const t *)(const void *)((p) + j * (s)));                \
        }                                                                                          \
    } while (0)
#define EW_SCATTER(buf, p, s, m, t, E, K)                                                          \
    do {                                                                                           \
        if ((s) == (int64_t)sizeof(t)) {                                                           \
            EW_STBLK_##K(E, buf, (t *)(void *)(p), m);                                             \
        } else {                                                                                   \
            for (int64_t j = 0; j < (m); j++)                                                      \
                *(t *)(void *)((p) + j * (s)) = EW_ST_##K(E, (buf)[j]);                            \
        }                                                                                          \
    } while (0)
#define EW_LDBLK_H(E, x, y, m) ew_ldblk_##E(x, y, m)
#define EW_STBLK_H(E, x, y, m) ew_stblk_##E(x, y, m)
#define EW_LDBLK_F(E, x, y, m) memcpy(y, x, (size_t)(m) * sizeof(*(y)))
#define EW_STBLK_F(E, x, y, m) memcpy(y, x, (size_t)(m) * sizeof(*(y)))
#define EW_STAMP_VEC1_(f, E, t, K, op, CT, DIRECT)                                                 \
    static EW_LOOP_SIG(f) {                                                                        \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        if (DIRECT && s0 == (int64_t)sizeof(t) && s1 == (int64_t)sizeof(t)) {                      \
            EW_TG((CT)0, ew_v##op##_f, ew_v##op##_d)                                               \
            ((const CT *)(const void *)args[0], (CT *)(void *)args[1], n);                         \
            return;                                                                                \
        }                                                                                          \
        CT buf[EW_BLK];                                                                            \
        const char *xp = args[0];                                                                  \
        char *yp = args[1];                                                                        \
        for (int64_t i = 0; i < n; i += EW_BLK) {                                                  \
            int64_t m = n - i < EW_BLK ? n - i : EW_BLK;                                           \
            EW_GATHER(buf, xp, s0, m, t, E, K);                                                    \
            EW_TG((CT)0, ew_v##op##_f, ew_v##op##_d)(buf, buf, m);                                 \
            EW_SCATTER(buf, yp, s1, m, t, E, K);                                                   \
            xp += m * s0;                                                                          \
            yp += m * s1;                                                                          \
        }                                                                                          \
    }
#define EW_STAMP_VEC2_(f, E, t, K, op, CT, DIRECT)                                                 \
    static EW_LOOP_SIG(f) {                                                                        \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1], s2 = steps[2];                                 \
        if (DIRECT && s0 == (int64_t)sizeof(t) && s1 == (int64_t)sizeof(t) &&                      \
            s2 == (int64_t)sizeof(t)) {                                                            \
            EW_TG((CT)0, ew_v##op##_f, ew_v##op##_d)                                               \
            ((const CT *)(const void *)args[0], (const CT *)(const void *)args[1],                 \
             (CT *)(void *)args[2], n);                                                            \
            return;                                                                                \
        }                                                                                          \
        CT ba[EW_BLK], bb[EW_BLK];                                                                 \
        const char *ap = args[0], *bp = args[1];                                                   \
        char *yp = args[2];                                                                        \
        for (int64_t i = 0; i < n; i += EW_BLK) {                                                  \
            int64_t m = n - i < EW_BLK ? n - i : EW_BLK;                                           \
            EW_GATHER(ba, ap, s0, m, t, E, K);                                                     \
            EW_GATHER(bb, bp, s1, m, t, E, K);                                                     \
            EW_TG((CT)0, ew_v##op##_f, ew_v##op##_d)(ba, bb, ba, m);                               \
            EW_SCATTER(ba, yp, s2, m, t, E, K);                                                    \
            ap += m * s0;                                                                          \
            bp += m * s1;                                                                          \
            yp += m * s2;                                                                          \
        }                                                                                          \
    }
#define EW_STAMP_VEC1(f, E, t, K, op) EW_STAMP_VEC1_(f, E, t, K, op, EW_CT_##K(E, t), EW_DIRECT_##K)
#define EW_STAMP_VEC2(f, E, t, K, op) EW_STAMP_VEC2_(f, E, t, K, op, EW_CT_##K(E, t), EW_DIRECT_##K)
#define EW_DIRECT_F 1
#define EW_DIRECT_H 0

/* ---- complex ----
 * libm's C99 functions are what NumPy calls on glibc (npy_cexp -> cexp ...). */
#define EW_CX(z) __builtin_complex((z).re, (z).im)
#define EW_CLIBM(E, T, op, fn)                                                                     \
    static inline T ew_c_##op##_##E(T z) {                                                         \
        __typeof__(EW_CX(z)) r = EW_TG(z.re, fn##f, fn)(EW_CX(z));                                 \
        return ew_c_mk_##E(__real__ r, __imag__ r);                                                \
    }
#define EW_CMATH_HELPERS_C(E, T)                                                                   \
    EW_CLIBM(E, T, exp, cexp)                                                                      \
    EW_CLIBM(E, T, log, clog)                                                                      \
    EW_CLIBM(E, T, sqrt, csqrt)                                                                    \
    EW_CLIBM(E, T, sin, csin)                                                                      \
    EW_CLIBM(E, T, cos, ccos)                                                                      \
    EW_CLIBM(E, T, tan, ctan)                                                                      \
    EW_CLIBM(E, T, asin, casin)                                                                    \
    EW_CLIBM(E, T, acos, cacos)                                                                    \
    EW_CLIBM(E, T, atan, catan)                                                                    \
    EW_CLIBM(E, T, sinh, csinh)                                                                    \
    EW_CLIBM(E, T, cosh, ccosh)                                                                    \
    EW_CLIBM(E, T, tanh, ctanh)                                                                    \
    EW_CLIBM(E, T, asinh, casinh)                                                                  \
    EW_CLIBM(E, T, acosh, cacosh)                                                                  \
    EW_CLIBM(E, T, atanh, catanh)                                                                  \
    static inline T ew_c_cpow_##E(T a, T b) {                                                      \
        __typeof__(EW_CX(a)) r = EW_TG(a.re, cpowf, cpow)(EW_CX(a), EW_CX(b));                     \
        return ew_c_mk_##E(__real__ r, __imag__ r);                                                \
    }                                                                                              \
    static inline T ew_c_rsqrt_##E(T z) {                                                          \
        return ew_c_div_##E(ew_c_mk_##E(1, 0), ew_c_sqrt_##E(z));                                  \
    }                                                                                              \
    /* NumPy's nc_exp2 / nc_log2 / nc_log10: scale by ln 2, log2(e), log10(e) */                   \
    static inline T ew_c_exp2_##E(T z) {                                                           \
        const ew_r_##E ln2 = (ew_r_##E)0.693147180559945309417232121458176568;                     \
        return ew_c_exp_##E(ew_c_mk_##E(z.re * ln2, z.im * ln2));                                  \
    }                                                                                              \
    static inline T ew_c_log2_##E(T z) {                                                           \
        const ew_r_##E k = (ew_r_##E)1.442695040888963407359924681001892137;                       \
        T l = ew_c_log_##E(z);                                                                     \
        return ew_c_mk_##E(l.re * k, l.im * k);                                                    \
    }                                                                                              \
    static inline T ew_c_log10_##E(T z) {                                                          \
        const ew_r_##E k = (ew_r_##E)0.434294481903251827651128918916605082;                       \
        T l = ew_c_log_##E(z);                                                                     \
        return ew_c_mk_##E(l.re * k, l.im * k);                                                    \
    }                                                                                              \
    /* NumPy's nc_expm1: exp(z) - 1 without cancellation for small z */                            \
    static inline T ew_c_expm1_##E(T z) {                                                          \
        ew_r_##E h = EW_TG(z.im, sinf, sin)(z.im / 2);                                             \
        return ew_c_mk_##E(EW_TG(z.re, expm1f, expm1)(z.re) * EW_TG(z.im, cosf, cos)(z.im) -       \
                               2 * h * h,                                                          \
                           EW_TG(z.re, expf, exp)(z.re) * EW_TG(z.im, sinf, sin)(z.im));           \
    }                                                                                              \
    /* NumPy's nc_log1p: log|1+z| + i arg(1+z) */                                                  \
    static inline T ew_c_log1p_##E(T z) {                                                          \
        ew_r_##E re1 = z.re + 1;                                                                   \
        return ew_c_mk_##E(EW_TG(z.re, logf, log)(EW_TG(z.re, hypotf, hypot)(re1, z.im)),          \
                           EW_TG(z.re, atan2f, atan2)(z.im, re1));                                 \
    }                                                                                              \
    /* NumPy's nc_pow: exact small integer powers by repeated multiplication,                      \
     * 0**b special cases, libm's cpow otherwise */                                                \
    static inline T ew_c_pow_##E(T a, T b) {                                                       \
        const T one = ew_c_mk_##E(1, 0);                                                           \
        if (b.re == 0 && b.im == 0) return one;                                                    \
        if (a.re == 0 && a.im == 0) {                                                              \
            if (b.re > 0) return ew_c_mk_##E(0, 0);                                                \
            return ew_c_mk_##E(NAN, NAN);                                                          \
        }                                                                                          \
        if (b.im == 0 && b.re > -100 && b.re < 100 && b.re == (int)b.re) {                         \
            int k = (int)b.re;                                                                     \
            if (k == 1) return a;                                                                  \
            if (k == 2) return ew_c_mul_##E(a, a);                                                 \
            if (k == 3) return ew_c_mul_##E(a, ew_c_mul_##E(a, a));                                \
            unsigned e = (unsigned)(k < 0 ? -k : k);                                               \
            T r = one, p = a;                                                                      \
            for (;;) {                                                                             \
                if (e & 1) r = ew_c_mul_##E(r, p);                                                 \
                e >>= 1;                                                                           \
                if (!e) break;                                                                     \
                p = ew_c_mul_##E(p, p);                                                            \
            }                                                                                      \
            return k < 0 ? ew_c_div_##E(one, r) : r;                                               \
        }                                                                                          \
        return ew_c_cpow_##E(a, b);                                                                \
    }
#define EW_CMATH_HELPERS_B(E, T)
#define EW_CMATH_HELPERS_S(E, T)
#define EW_CMATH_HELPERS_U(E, T)
#define EW_CMATH_HELPERS_H(E, T)
#define EW_CMATH_HELPERS_F(E, T)
#define EW_CMATH_HELPERS_X_(E, n, t, s, k, K) EW_CAT(EW_CMATH_HELPERS_, K)(E, t)
NUMC_DTYPE_LIST(EW_CMATH_HELPERS_X_)

/* complex rows call their helper ew_c_<op>_<E> directly */
#define EW_STAMP_CFN1(f, E, t, K, op)                                                              \
    static EW_LOOP_SIG(f) {                                                                        \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1];                                                \
        const char *xp = args[0];                                                                  \
        char *yp = args[1];                                                                        \
        for (int64_t i = 0; i < n; i++, xp += s0, yp += s1)                                        \
            *(t *)yp = ew_c_##op##_##E(*(const t *)xp);                                            \
    }
#define EW_STAMP_CFN2(f, E, t, K, op)                                                              \
    static EW_LOOP_SIG(f) {                                                                        \
        (void)prm;                                                                                 \
        const int64_t s0 = steps[0], s1 = steps[1], s2 = steps[2];                                 \
        const char *ap = args[0], *bp = args[1];                                                   \
        char *yp = args[2];                                                                        \
        for (int64_t i = 0; i < n; i++, ap += s0, bp += s1, yp += s2)                              \
            *(t *)yp = ew_c_##op##_##E(*(const t *)ap, *(const t *)bp);                            \
    }

/* ---- the op lists (see EW_STAMP in ew-impl.h) ---- */
#define EW_ROW_VEC1(P, op, cx, fix, M, E, t, K) M(E, t, K, P, op, VEC1, op)
#define EW_ROW_VEC2(P, op, cx, fix, M, E, t, K) M(E, t, K, P, op, VEC2, op)
#define EW_ROWS_SLEEF(M, E, t, K)                                                                  \
    EW_MATH_UNARY(EW_ROW_VEC1, M, E, t, K)                                                         \
    EW_MATH_BINARY(EW_ROW_VEC2, M, E, t, K)
#define EW_MATH_OPS_F(M, E, t, K) EW_ROWS_SLEEF(M, E, t, K)
#define EW_MATH_OPS_H(M, E, t, K) EW_ROWS_SLEEF(M, E, t, K)

#define EW_ROW_CFN1(P, op, cx, fix, M, E, t, K) EW_ROW_CFN1_##cx(P, op, M, E, t, K)
#define EW_ROW_CFN1_C(P, op, M, E, t, K) M(E, t, K, P, op, CFN1, op)
#define EW_ROW_CFN1_N(P, op, M, E, t, K)
#define EW_ROW_CFN2(P, op, cx, fix, M, E, t, K) EW_ROW_CFN2_##cx(P, op, M, E, t, K)
#define EW_ROW_CFN2_C(P, op, M, E, t, K) M(E, t, K, P, op, CFN2, op)
#define EW_ROW_CFN2_N(P, op, M, E, t, K)
#define EW_MATH_OPS_C(M, E, t, K)                                                                  \
    EW_MATH_UNARY(EW_ROW_CFN1, M, E, t, K)                                                         \
    EW_MATH_BINARY(EW_ROW_CFN2, M, E, t, K)                                                        \
    EW_MATH_COMPLEX_UNARY(EW_ROW_CFN1, M, E, t, K)
#define EW_MATH_OPS_B(M, E, t, K)
#define EW_MATH_OPS_S(M, E, t, K)
#define EW_MATH_OPS_U(M, E, t, K)

#define EW_GEN_LOOPS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_MATH_OPS, EW_STAMP, E, t, K)
NUMC_DTYPE_LIST(EW_GEN_LOOPS)

#define EW_GEN_CELLS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_MATH_OPS, EW_CELL, E, t, K)
const numc_ew_table numc_ew_math_loops = {NUMC_DTYPE_LIST(EW_GEN_CELLS)};
