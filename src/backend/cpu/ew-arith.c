/* ew-arith.c — the CPU loops of the non-transcendental elementwise primitives
 * (arithmetic, rounding, comparisons, bitwise, classification, integer power)
 * for every dtype, with NumPy's ufunc semantics, and their table
 * numc_ew_arith_loops. Transcendentals live in ew-math.c. */
#include "ew-impl.h"

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

/* ---- the op lists: one row per (primitive, class) this file implements ----
 * Row: M(E, t, K, PRIM, op, SHAPE, OP); see EW_STAMP in ew-impl.h. */
#define EW_ROWS_COMPARE(M, E, t, K, PFX)                                                           \
    M(E, t, K, EQ, eq, B_BOOL, PFX##EQ)                                                            \
    M(E, t, K, NE, ne, B_BOOL, PFX##NE)                                                            \
    M(E, t, K, LT, lt, B_BOOL, PFX##LT)                                                            \
    M(E, t, K, LE, le, B_BOOL, PFX##LE)                                                            \
    M(E, t, K, GT, gt, B_BOOL, PFX##GT)                                                            \
    M(E, t, K, GE, ge, B_BOOL, PFX##GE)

#define EW_OPS_B(M, E, t, K)                                                                       \
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
#define EW_OPS_S(M, E, t, K) EW_ROWS_INT(M, E, t, K, S)
#define EW_OPS_U(M, E, t, K) EW_ROWS_INT(M, E, t, K, U)

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

#define EW_OPS_F(M, E, t, K)                                                                       \
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

#define EW_OPS_H(M, E, t, K)                                                                       \
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

#define EW_OPS_C(M, E, t, K)                                                                       \
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

#define EW_GEN_LOOPS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_STAMP, E, t, K)
NUMC_DTYPE_LIST(EW_GEN_LOOPS)

#define EW_GEN_CELLS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_CELL, E, t, K)
const numc_ew_table numc_ew_arith_loops = {NUMC_DTYPE_LIST(EW_GEN_CELLS)};
