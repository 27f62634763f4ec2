/* ew-expr.h — the elementwise expression of every operation, defined once:
 * the kernel class of each dtype, the compute type and load/store of each
 * class, the scalar helpers the expressions call (half conversions, complex
 * arithmetic, NumPy's integer and float rules) and, per class, the op lists
 * mapping each primitive to its expression (EW_ARITH_OPS_<class>) plus the
 * transcendental list (EW_MATH_UNARY/BINARY). The CPU loops
 * (cpu/ew-arith.c, cpu/ew-math.c) stamp these; a code generator or a device
 * emitter expands the same rows, and EW_EXPR_TEXT1/2 give an expression as
 * C source text (numc_ew_expr_text in ew-expr.c tabulates it). Scalar code
 * only: vector intrinsics and SLEEF stay in cpu/. */
#ifndef NUMC_EW_EXPR_H
#define NUMC_EW_EXPR_H

#include "../prim/prim.h"

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

/* The real type of a complex storage type, and the complex type holding a
 * pair of real compute values. */
#define EW_REAL_OF(t) __typeof__(((t *)0)->re)
#define EW_CPLX_OF(r)                                                                              \
    __typeof__(_Generic((r)0, float : (numc_complex64){0, 0}, double : (numc_complex128){0, 0}))

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

/* ---- ops shared by several classes ---- */
#define EWO_ID(E, T, x) (x)
#define EWO_ZERO(E, T, x) ((void)(x), (T)0)
#define EWO_FALSE(E, T, x) ((void)(x), 0)
#define EWO_TRUE(E, T, x) ((void)(x), 1)
#define EWO_EQ(E, T, a, b) ((a) == (b))
#define EWO_NE(E, T, a, b) ((a) != (b))
#define EWO_LT(E, T, a, b) ((a) < (b))
#define EWO_LE(E, T, a, b) ((a) <= (b))
#define EWO_GT(E, T, a, b) ((a) > (b))
#define EWO_GE(E, T, a, b) ((a) >= (b))
#define EWO_AND(E, T, a, b) ((T)((a) & (b)))
#define EWO_OR(E, T, a, b) ((T)((a) | (b)))
#define EWO_XOR(E, T, a, b) ((T)((a) ^ (b)))
#define EWO_BITNOT(E, T, x) ((T) ~(x))
#define EWO_IMAX(E, T, a, b) ((a) > (b) ? (a) : (b))
#define EWO_IMIN(E, T, a, b) ((a) < (b) ? (a) : (b))

/* ---- bool: loads normalise to 0/1, so add = or, mul = and (NumPy) ---- */
#define EWO_LNOT(E, T, x) ((T)((x) ^ 1))

/* ---- integers: wrap-around arithmetic done in uint64_t (no signed-overflow
 * UB), NumPy's zero-division and shift rules ---- */
#define EW_BITS(T) ((uint64_t)sizeof(T) * 8)
#define EWO_INEG(E, T, x) ((T)(0 - (uint64_t)(x)))
#define EWO_IADD(E, T, a, b) ((T)((uint64_t)(a) + (uint64_t)(b)))
#define EWO_ISUB(E, T, a, b) ((T)((uint64_t)(a) - (uint64_t)(b)))
#define EWO_IMUL(E, T, a, b) ((T)((uint64_t)(a) * (uint64_t)(b)))
#define EWO_SABS(E, T, x) ((x) < 0 ? (T)(0 - (uint64_t)(x)) : (x))
#define EWO_SSIGN(E, T, x) ((T)(((x) > 0) - ((x) < 0)))
#define EWO_USIGN(E, T, x) ((T)((x) > 0))
#define EWO_SLT0(E, T, x) ((x) < 0)
/* bitwise_count of a signed value counts the bits of its magnitude */
#define EWO_SPOPC(E, T, x) ((T)__builtin_popcountll((x) < 0 ? 0 - (uint64_t)(x) : (uint64_t)(x)))
#define EWO_UPOPC(E, T, x) ((T)__builtin_popcountll((uint64_t)(x)))
/* np.floor_divide: x // 0 == 0, MIN // -1 == MIN (wraps) */
#define EWO_SFDIV(E, T, a, b)                                                                      \
    ({                                                                                             \
        T a_ = (a), b_ = (b), q_;                                                                  \
        if (b_ == 0)                                                                               \
            q_ = 0;                                                                                \
        else if (b_ == -1)                                                                         \
            q_ = (T)(0 - (uint64_t)a_);                                                            \
        else {                                                                                     \
            q_ = (T)(a_ / b_);                                                                     \
            if (((a_ < 0) != (b_ < 0)) && (T)(q_ * b_) != a_) q_--;                                \
        }                                                                                          \
        q_;                                                                                        \
    })
#define EWO_UFDIV(E, T, a, b) ((b) == 0 ? (T)0 : (T)((a) / (b)))
/* np.remainder: the sign of the divisor; x % 0 == 0 */
#define EWO_SREM(E, T, a, b)                                                                       \
    ({                                                                                             \
        T a_ = (a), b_ = (b), r_ = 0;                                                              \
        if (b_ != 0 && b_ != -1) {                                                                 \
            r_ = (T)(a_ % b_);                                                                     \
            if (r_ != 0 && ((r_ < 0) != (b_ < 0))) r_ = (T)(r_ + b_);                              \
        }                                                                                          \
        r_;                                                                                        \
    })
#define EWO_UREM(E, T, a, b) ((b) == 0 ? (T)0 : (T)((a) % (b)))
/* Integer power by squaring, wrapping. NumPy rejects negative exponents
 * before the loop runs; here they give the truncated real result. */
static inline uint64_t ew_upow(uint64_t base, uint64_t e) {
    uint64_t r = 1;
    while (e) {
        if (e & 1) r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}
#define EWO_SPOW(E, T, a, b)                                                                       \
    ((b) >= 0    ? (T)ew_upow((uint64_t)(a), (uint64_t)(b))                                        \
     : (a) == 1  ? (T)1                                                                            \
     : (a) == -1 ? (T)(((b)&1) ? -1 : 1)                                                           \
                 : (T)0)
#define EWO_UPOW(E, T, a, b) ((T)ew_upow((uint64_t)(a), (uint64_t)(b)))
/* Shifts by >= the bit width (or by a negative count) give 0, or -1 for an
 * arithmetic right shift of a negative value (NumPy's npy_lshift/npy_rshift). */
#define EWO_SSHL(E, T, a, b)                                                                       \
    ((uint64_t)(int64_t)(b) < EW_BITS(T) ? (T)((uint64_t)(a) << (b)) : (T)0)
#define EWO_USHL(E, T, a, b) ((uint64_t)(b) < EW_BITS(T) ? (T)((uint64_t)(a) << (b)) : (T)0)
#define EWO_SSHR(E, T, a, b)                                                                       \
    ((uint64_t)(int64_t)(b) < EW_BITS(T) ? (T)((a) >> (b)) : (T)((a) < 0 ? -1 : 0))
#define EWO_USHR(E, T, a, b) ((uint64_t)(b) < EW_BITS(T) ? (T)((a) >> (b)) : (T)0)

/* ---- floats (F computes in its own type, H in float32) ---- */
static inline float ew_fremf(float a, float b) {
    float m = fmodf(a, b);
    if (b == 0) return m; /* nan */
    if (m != 0) {
        if ((b < 0) != (m < 0)) m += b;
    } else {
        m = copysignf(0.0f, b);
    }
    return m;
}
static inline double ew_frem(double a, double b) {
    double m = fmod(a, b);
    if (b == 0) return m;
    if (m != 0) {
        if ((b < 0) != (m < 0)) m += b;
    } else {
        m = copysign(0.0, b);
    }
    return m;
}
#define EWO_FNEG(E, T, x) (-(x))
#define EWO_FABS(E, T, x) EW_TG(x, fabsf, fabs)(x)
/* np.sign: nan stays nan, -0.0 gives +0.0 */
#define EWO_FSIGN(E, T, x) ((x) > 0 ? (T)1 : (x) < 0 ? (T)-1 : (x) == 0 ? (T)0 : (x))
#define EWO_FFLOOR(E, T, x) EW_TG(x, floorf, floor)(x)
#define EWO_FCEIL(E, T, x) EW_TG(x, ceilf, ceil)(x)
#define EWO_FRINT(E, T, x) EW_TG(x, rintf, rint)(x)
#define EWO_FTRUNC(E, T, x) EW_TG(x, truncf, trunc)(x)
#define EWO_FSQRT(E, T, x) EW_TG(x, sqrtf, sqrt)(x)
#define EWO_FRSQRT(E, T, x) ((T)1 / EW_TG(x, sqrtf, sqrt)(x))
#define EWO_FISNAN(E, T, x) (isnan(x) != 0)
#define EWO_FISINF(E, T, x) (isinf(x) != 0)
#define EWO_FISFINITE(E, T, x) (isfinite(x) != 0)
#define EWO_FSIGNBIT(E, T, x) (signbit(x) != 0)
#define EWO_FADD(E, T, a, b) ((a) + (b))
#define EWO_FSUB(E, T, a, b) ((a) - (b))
#define EWO_FMUL(E, T, a, b) ((a) * (b))
#define EWO_FDIV(E, T, a, b) ((a) / (b))
#define EWO_FREM(E, T, a, b) EW_TG(a, ew_fremf, ew_frem)(a, b)
/* np.maximum/minimum: a nan in either operand wins; of two zeros the second
 * operand is returned (as NumPy's SIMD loops do) */
#define EWO_FMAX(E, T, a, b) ((isnan(a) || (a) > (b)) ? (a) : (b))
#define EWO_FMIN(E, T, a, b) ((isnan(a) || (a) < (b)) ? (a) : (b))
#define EWO_FHYPOT(E, T, a, b) EW_TG(a, hypotf, hypot)(a, b)
#define EWO_FNEXTAFTER(E, T, a, b) EW_TG(a, nextafterf, nextafter)(a, b)
#define EWO_FCOPYSIGN(E, T, a, b) EW_TG(a, copysignf, copysign)(a, b)
#define EWO_MKCPLX(E, T, a, b) ((EW_CPLX_OF(T)){(a), (b)})

/* ---- float16 / bfloat16 on storage bits, where NumPy (and ml_dtypes) do
 * not round-trip through float32 ---- */
#define EW_HINF_FLOAT16 0x7c00u
#define EW_HINF_BFLOAT16 0x7f80u
#define EW_HNAN_FLOAT16 0x7e00u
#define EW_HNAN_BFLOAT16 0x7fc0u
#define EWO_HISNAN(E, T, x) (((x)&0x7fffu) > EW_HINF_##E)
#define EWO_HISINF(E, T, x) (((x)&0x7fffu) == EW_HINF_##E)
#define EWO_HISFINITE(E, T, x) (((x)&0x7fffu) < EW_HINF_##E)
#define EWO_HSIGNBIT(E, T, x) (((x)&0x8000u) != 0)
#define EWO_HNEG(E, T, x) ((T)((x) ^ 0x8000u))
#define EWO_HABS(E, T, x) ((T)((x)&0x7fffu))
#define EWO_HCOPYSIGN(E, T, a, b) ((T)(((a)&0x7fffu) | ((b)&0x8000u)))
/* pick the operand's bits so nan payloads and signed zeros survive */
#define EWO_HMAX(E, T, a, b) ((isnan(ew_ld_##E(a)) || ew_ld_##E(a) > ew_ld_##E(b)) ? (a) : (b))
#define EWO_HMIN(E, T, a, b) ((isnan(ew_ld_##E(a)) || ew_ld_##E(a) < ew_ld_##E(b)) ? (a) : (b))
/* np.sign on float16 gives +0.0 for -0.0; ml_dtypes' bfloat16 keeps x */
#define EWO_HSIGN(E, T, x) EWO_HSIGN_##E(T, x)
#define EWO_HSIGN_FLOAT16(T, x) EWO_FSIGN(, T, x)
#define EWO_HSIGN_BFLOAT16(T, x) ((x) > 0 ? (T)1 : (x) < 0 ? (T)-1 : (x))
/* nextafter in the 16-bit format itself (npy_half_nextafter; ml_dtypes):
 * equal operands give x, a nan operand gives the canonical quiet nan */
static inline uint16_t ew_hnextafter(uint16_t x, uint16_t y, float fx, float fy, uint16_t nan) {
    if (isnan(fx) || isnan(fy)) return nan;
    if (fx == fy) return x;
    if ((x & 0x7fffu) == 0) return (uint16_t)((y & 0x8000u) | 1u);
    /* away from zero is +1 in sign-magnitude */
    bool up = fy > fx;
    bool neg = (x & 0x8000u) != 0;
    return (uint16_t)(up != neg ? x + 1 : x - 1);
}
#define EWO_HNEXTAFTER(E, T, a, b) ew_hnextafter(a, b, ew_ld_##E(a), ew_ld_##E(b), EW_HNAN_##E)

/* ---- complex ---- */
#define EWO_CNEG(E, T, x) ew_c_neg_##E(x)
#define EWO_CCONJ(E, T, x) ew_c_conj_##E(x)
#define EWO_CABS(E, T, x) ew_c_abs_##E(x)
#define EWO_CSIGN(E, T, x) ew_c_sign_##E(x)
#define EWO_CRINT(E, T, x) ew_c_rint_##E(x)
#define EWO_CREAL(E, T, x) ((x).re)
#define EWO_CIMAG(E, T, x) ((x).im)
#define EWO_CISNAN(E, T, x) ew_c_isnan_##E(x)
#define EWO_CISINF(E, T, x) ew_c_isinf_##E(x)
#define EWO_CISFINITE(E, T, x) ew_c_isfinite_##E(x)
#define EWO_CADD(E, T, a, b) ew_c_add_##E(a, b)
#define EWO_CSUB(E, T, a, b) ew_c_sub_##E(a, b)
#define EWO_CMUL(E, T, a, b) ew_c_mul_##E(a, b)
#define EWO_CDIV(E, T, a, b) ew_c_div_##E(a, b)
#define EWO_CMAX(E, T, a, b) ew_c_max_##E(a, b)
#define EWO_CMIN(E, T, a, b) ew_c_min_##E(a, b)
#define EWO_CEQ(E, T, a, b) ew_c_eq_##E(a, b)
#define EWO_CNE(E, T, a, b) ew_c_ne_##E(a, b)
#define EWO_CLT(E, T, a, b) ew_c_lt_##E(a, b)
#define EWO_CLE(E, T, a, b) ew_c_le_##E(a, b)
#define EWO_CGT(E, T, a, b) ew_c_gt_##E(a, b)
#define EWO_CGE(E, T, a, b) ew_c_ge_##E(a, b)

/* ---- the op lists: one row per (primitive, class) ----
 * Row: M(E, t, K, PRIM, op, SHAPE, OP): dtype E of storage type t and class
 * K; primitive NUMC_PRIM_<PRIM>; `op` names the loop; SHAPE relates the
 * output to the inputs (U_/B_ unary/binary; SAME, BOOL output, REAL part,
 * RAW storage bits, RAWBOOL, CPLX from two reals); OP(E, T, x...) is the
 * expression with T the compute type (EW_CT_<K>). */
#define EW_ROWS_COMPARE(M, E, t, K, PFX)                                                           \
    M(E, t, K, EQ, eq, B_BOOL, PFX##EQ)                                                            \
    M(E, t, K, NE, ne, B_BOOL, PFX##NE)                                                            \
    M(E, t, K, LT, lt, B_BOOL, PFX##LT)                                                            \
    M(E, t, K, LE, le, B_BOOL, PFX##LE)                                                            \
    M(E, t, K, GT, gt, B_BOOL, PFX##GT)                                                            \
    M(E, t, K, GE, ge, B_BOOL, PFX##GE)

#define EW_ARITH_OPS_B(M, E, t, K)                                                                 \
    M(E, t, K, ABS, abs, U_SAME, EWO_ID)                                                           \
    M(E, t, K, FLOOR, floor, U_SAME, EWO_ID)                                                       \
    M(E, t, K, CEIL, ceil, U_SAME, EWO_ID)                                                         \
    M(E, t, K, RINT, rint, U_SAME, EWO_ID)                                                         \
    M(E, t, K, TRUNC, trunc, U_SAME, EWO_ID)                                                       \
    M(E, t, K, ISNAN, isnan, U_BOOL, EWO_FALSE)                                                    \
    M(E, t, K, ISINF, isinf, U_BOOL, EWO_FALSE)                                                    \
    M(E, t, K, ISFINITE, isfinite, U_BOOL, EWO_TRUE)                                               \
    M(E, t, K, SIGNBIT, signbit, U_BOOL, EWO_FALSE)                                                \
    M(E, t, K, NOT, not, U_SAME, EWO_LNOT)                                                         \
    M(E, t, K, ADD, add, B_SAME, EWO_OR)                                                           \
    M(E, t, K, MUL, mul, B_SAME, EWO_AND)                                                          \
    M(E, t, K, MAX, max, B_SAME, EWO_OR)                                                           \
    M(E, t, K, MIN, min, B_SAME, EWO_AND)                                                          \
    M(E, t, K, AND, and, B_SAME, EWO_AND)                                                          \
    M(E, t, K, OR, or, B_SAME, EWO_OR)                                                             \
    M(E, t, K, XOR, xor, B_SAME, EWO_XOR)                                                          \
    EW_ROWS_COMPARE(M, E, t, K, EWO_)

#define EW_ROWS_INT(M, E, t, K, X)                                                                 \
    M(E, t, K, NEG, neg, U_SAME, EWO_INEG)                                                         \
    M(E, t, K, ABS, abs, U_SAME, EWO_##X##ABS)                                                     \
    M(E, t, K, SIGN, sign, U_SAME, EWO_##X##SIGN)                                                  \
    M(E, t, K, FLOOR, floor, U_SAME, EWO_ID)                                                       \
    M(E, t, K, CEIL, ceil, U_SAME, EWO_ID)                                                         \
    M(E, t, K, RINT, rint, U_SAME, EWO_ID)                                                         \
    M(E, t, K, TRUNC, trunc, U_SAME, EWO_ID)                                                       \
    M(E, t, K, ISNAN, isnan, U_BOOL, EWO_FALSE)                                                    \
    M(E, t, K, ISINF, isinf, U_BOOL, EWO_FALSE)                                                    \
    M(E, t, K, ISFINITE, isfinite, U_BOOL, EWO_TRUE)                                               \
    M(E, t, K, SIGNBIT, signbit, U_BOOL, EWO_##X##LT0)                                             \
    M(E, t, K, NOT, not, U_SAME, EWO_BITNOT)                                                       \
    M(E, t, K, POPCOUNT, popcount, U_SAME, EWO_##X##POPC)                                          \
    M(E, t, K, REAL, real, U_SAME, EWO_ID)                                                         \
    M(E, t, K, IMAG, imag, U_SAME, EWO_ZERO)                                                       \
    M(E, t, K, CONJ, conj, U_SAME, EWO_ID)                                                         \
    M(E, t, K, ADD, add, B_SAME, EWO_IADD)                                                         \
    M(E, t, K, SUB, sub, B_SAME, EWO_ISUB)                                                         \
    M(E, t, K, MUL, mul, B_SAME, EWO_IMUL)                                                         \
    M(E, t, K, DIV, div, B_SAME, EWO_##X##FDIV)                                                    \
    M(E, t, K, REM, rem, B_SAME, EWO_##X##REM)                                                     \
    M(E, t, K, POW, pow, B_SAME, EWO_##X##POW)                                                     \
    M(E, t, K, MAX, max, B_SAME, EWO_IMAX)                                                         \
    M(E, t, K, MIN, min, B_SAME, EWO_IMIN)                                                         \
    M(E, t, K, AND, and, B_SAME, EWO_AND)                                                          \
    M(E, t, K, OR, or, B_SAME, EWO_OR)                                                             \
    M(E, t, K, XOR, xor, B_SAME, EWO_XOR)                                                          \
    M(E, t, K, SHL, shl, B_SAME, EWO_##X##SHL)                                                     \
    M(E, t, K, SHR, shr, B_SAME, EWO_##X##SHR)                                                     \
    EW_ROWS_COMPARE(M, E, t, K, EWO_)
#define EWO_ULT0 EWO_FALSE
#define EWO_UABS EWO_ID
#define EW_ARITH_OPS_S(M, E, t, K) EW_ROWS_INT(M, E, t, K, S)
#define EW_ARITH_OPS_U(M, E, t, K) EW_ROWS_INT(M, E, t, K, U)

/* rows computed on float values, shared by F and H */
#define EW_ROWS_FLOAT(M, E, t, K)                                                                  \
    M(E, t, K, FLOOR, floor, U_SAME, EWO_FFLOOR)                                                   \
    M(E, t, K, CEIL, ceil, U_SAME, EWO_FCEIL)                                                      \
    M(E, t, K, RINT, rint, U_SAME, EWO_FRINT)                                                      \
    M(E, t, K, TRUNC, trunc, U_SAME, EWO_FTRUNC)                                                   \
    M(E, t, K, SQRT, sqrt, U_SAME, EWO_FSQRT)                                                      \
    M(E, t, K, RSQRT, rsqrt, U_SAME, EWO_FRSQRT)                                                   \
    M(E, t, K, ADD, add, B_SAME, EWO_FADD)                                                         \
    M(E, t, K, SUB, sub, B_SAME, EWO_FSUB)                                                         \
    M(E, t, K, MUL, mul, B_SAME, EWO_FMUL)                                                         \
    M(E, t, K, DIV, div, B_SAME, EWO_FDIV)                                                         \
    M(E, t, K, REM, rem, B_SAME, EWO_FREM)                                                         \
    M(E, t, K, HYPOT, hypot, B_SAME, EWO_FHYPOT)                                                   \
    M(E, t, K, COMPLEX, complex, B_CPLX, EWO_MKCPLX)                                               \
    EW_ROWS_COMPARE(M, E, t, K, EWO_)

#define EW_ARITH_OPS_F(M, E, t, K)                                                                 \
    EW_ROWS_FLOAT(M, E, t, K)                                                                      \
    M(E, t, K, ISNAN, isnan, U_BOOL, EWO_FISNAN)                                                   \
    M(E, t, K, ISINF, isinf, U_BOOL, EWO_FISINF)                                                   \
    M(E, t, K, ISFINITE, isfinite, U_BOOL, EWO_FISFINITE)                                          \
    M(E, t, K, SIGNBIT, signbit, U_BOOL, EWO_FSIGNBIT)                                             \
    M(E, t, K, NEG, neg, U_SAME, EWO_FNEG)                                                         \
    M(E, t, K, ABS, abs, U_SAME, EWO_FABS)                                                         \
    M(E, t, K, SIGN, sign, U_SAME, EWO_FSIGN)                                                      \
    M(E, t, K, REAL, real, U_SAME, EWO_ID)                                                         \
    M(E, t, K, IMAG, imag, U_SAME, EWO_ZERO)                                                       \
    M(E, t, K, CONJ, conj, U_SAME, EWO_ID)                                                         \
    M(E, t, K, MAX, max, B_SAME, EWO_FMAX)                                                         \
    M(E, t, K, MIN, min, B_SAME, EWO_FMIN)                                                         \
    M(E, t, K, NEXTAFTER, nextafter, B_SAME, EWO_FNEXTAFTER)                                       \
    M(E, t, K, COPYSIGN, copysign, B_SAME, EWO_FCOPYSIGN)

#define EW_ARITH_OPS_H(M, E, t, K)                                                                 \
    EW_ROWS_FLOAT(M, E, t, K)                                                                      \
    M(E, t, K, ISNAN, isnan, U_RAWBOOL, EWO_HISNAN)                                                \
    M(E, t, K, ISINF, isinf, U_RAWBOOL, EWO_HISINF)                                                \
    M(E, t, K, ISFINITE, isfinite, U_RAWBOOL, EWO_HISFINITE)                                       \
    M(E, t, K, SIGNBIT, signbit, U_RAWBOOL, EWO_HSIGNBIT)                                          \
    M(E, t, K, NEG, neg, U_RAW, EWO_HNEG)                                                          \
    M(E, t, K, ABS, abs, U_RAW, EWO_HABS)                                                          \
    M(E, t, K, SIGN, sign, U_SAME, EWO_HSIGN)                                                      \
    M(E, t, K, REAL, real, U_RAW, EWO_ID)                                                          \
    M(E, t, K, IMAG, imag, U_RAW, EWO_ZERO)                                                        \
    M(E, t, K, CONJ, conj, U_RAW, EWO_ID)                                                          \
    M(E, t, K, MAX, max, B_RAW, EWO_HMAX)                                                          \
    M(E, t, K, MIN, min, B_RAW, EWO_HMIN)                                                          \
    M(E, t, K, NEXTAFTER, nextafter, B_RAW, EWO_HNEXTAFTER)                                        \
    M(E, t, K, COPYSIGN, copysign, B_RAW, EWO_HCOPYSIGN)

#define EW_ARITH_OPS_C(M, E, t, K)                                                                 \
    M(E, t, K, NEG, neg, U_SAME, EWO_CNEG)                                                         \
    M(E, t, K, ABS, abs, U_REAL, EWO_CABS)                                                         \
    M(E, t, K, SIGN, sign, U_SAME, EWO_CSIGN)                                                      \
    M(E, t, K, RINT, rint, U_SAME, EWO_CRINT)                                                      \
    M(E, t, K, ISNAN, isnan, U_BOOL, EWO_CISNAN)                                                   \
    M(E, t, K, ISINF, isinf, U_BOOL, EWO_CISINF)                                                   \
    M(E, t, K, ISFINITE, isfinite, U_BOOL, EWO_CISFINITE)                                          \
    M(E, t, K, REAL, real, U_REAL, EWO_CREAL)                                                      \
    M(E, t, K, IMAG, imag, U_REAL, EWO_CIMAG)                                                      \
    M(E, t, K, CONJ, conj, U_SAME, EWO_CCONJ)                                                      \
    M(E, t, K, ADD, add, B_SAME, EWO_CADD)                                                         \
    M(E, t, K, SUB, sub, B_SAME, EWO_CSUB)                                                         \
    M(E, t, K, MUL, mul, B_SAME, EWO_CMUL)                                                         \
    M(E, t, K, DIV, div, B_SAME, EWO_CDIV)                                                         \
    M(E, t, K, MAX, max, B_SAME, EWO_CMAX)                                                         \
    M(E, t, K, MIN, min, B_SAME, EWO_CMIN)                                                         \
    EW_ROWS_COMPARE(M, E, t, K, EWO_C)

/* ---- transcendentals ----
 * Row (PRIM, fn, cx, fix): fn is the C99 scalar function (fn##f for float;
 * float16/bfloat16 compute in float32 and round once on store), which
 * EW_MATH1/EW_MATH2 spell as an expression; cx says whether NumPy has a
 * complex loop (C: the helper ew_c_<fn>_<E> of the backend) or not (N); fix
 * whether SLEEF's vector routine, which the CPU backend maps fn to, needs
 * its range fix-up there (FIX or NOFIX). */
#define EW_MATH_UNARY(Y, ...)                                                                      \
    Y(EXP, exp, C, NOFIX, __VA_ARGS__)                                                             \
    Y(EXP2, exp2, C, NOFIX, __VA_ARGS__)                                                           \
    Y(EXPM1, expm1, C, NOFIX, __VA_ARGS__)                                                         \
    Y(LOG, log, C, NOFIX, __VA_ARGS__) Y(LOG2, log2, C, NOFIX, __VA_ARGS__)                        \
        Y(LOG10, log10, C, NOFIX, __VA_ARGS__) Y(LOG1P, log1p, C, FIX, __VA_ARGS__)                \
            Y(CBRT, cbrt, N, NOFIX, __VA_ARGS__) Y(SIN, sin, C, NOFIX, __VA_ARGS__)                \
                Y(COS, cos, C, NOFIX, __VA_ARGS__) Y(TAN, tan, C, NOFIX, __VA_ARGS__)              \
                    Y(ASIN, asin, C, NOFIX, __VA_ARGS__) Y(ACOS, acos, C, NOFIX, __VA_ARGS__)      \
                        Y(ATAN, atan, C, NOFIX, __VA_ARGS__) Y(SINH, sinh, C, FIX, __VA_ARGS__)    \
                            Y(COSH, cosh, C, FIX, __VA_ARGS__)                                     \
                                Y(TANH, tanh, C, NOFIX, __VA_ARGS__)                               \
                                    Y(ASINH, asinh, C, FIX, __VA_ARGS__)                           \
                                        Y(ACOSH, acosh, C, FIX, __VA_ARGS__)                       \
                                            Y(ATANH, atanh, C, NOFIX, __VA_ARGS__)
#define EW_MATH_BINARY(Y, ...)                                                                     \
    Y(ATAN2, atan2, N, NOFIX, __VA_ARGS__) Y(POW, pow, C, NOFIX, __VA_ARGS__)

/* complex-only rows of the transcendental kind (real classes compute these
 * in EW_ARITH_OPS) */
#define EW_MATH_COMPLEX_UNARY(Y, ...)                                                              \
    Y(SQRT, sqrt, C, NOFIX, __VA_ARGS__) Y(RSQRT, rsqrt, C, NOFIX, __VA_ARGS__)
#define EW_MATH1(E, T, x, fn) EW_TG(x, fn##f, fn)(x)
#define EW_MATH2(E, T, a, b, fn) EW_TG(a, fn##f, fn)(a, b)

/* ---- expressions as text ----
 * The expansion of OP for dtype E (compute type T) over operands named x, or
 * a and b, as a string literal:
 *     EW_EXPR_TEXT2(EWO_FADD, FLOAT32, float) is "((a) + (b))" */
#define EW_STR_(...) #__VA_ARGS__
#define EW_XSTR_(...) EW_STR_(__VA_ARGS__)
#define EW_EXPR_TEXT1(OP, E, T) EW_XSTR_(OP(E, T, x))
#define EW_EXPR_TEXT2(OP, E, T) EW_XSTR_(OP(E, T, a, b))

/* C source text of the expression primitive p applies to dtype dt's compute
 * values (operands x, or a and b), or NULL when p has no expression for dt. */
const char *numc_ew_expr_text(numc_prim p, numc_dtype dt);

#endif
