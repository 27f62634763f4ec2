/* struct-ops.h — scalar loads, stores and binary ops with NumPy's semantics,
 * shared by the reduction, scan and scatter kernels. An accumulator type ACC
 * is float for float16/bfloat16 and the dtype itself otherwise. */
#ifndef NUMC_CPU_STRUCT_OPS_H
#define NUMC_CPU_STRUCT_OPS_H

#include "struct-util.h"

#define LD_ID(v) (v)
#define LD_BOOL(v) ((uint8_t)((v) != 0))
#define LD_F16(v) numc_f16_to_f32(v)
#define LD_BF16(v) numc_bf16_to_f32(v)
#define ST_F16(a) numc_f32_to_f16(a)
#define ST_BF16(a) numc_f32_to_bf16(a)

#define OP_ADD(a, b) ((a) + (b))
#define OP_MUL(a, b) ((a) * (b))
#define OP_GT(a, b) ((b) > (a) ? (b) : (a))
#define OP_LT(a, b) ((b) < (a) ? (b) : (a))
/* np.maximum/np.minimum: a NaN anywhere wins and sticks */
#define OP_FMAX(a, b) ((((b) > (a)) | ((b) != (b))) ? (b) : (a))
#define OP_FMIN(a, b) ((((b) < (a)) | ((b) != (b))) ? (b) : (a))
#define OP_OR(a, b) ((uint8_t)((a) | (b)))
#define OP_AND(a, b) ((uint8_t)((a) & (b)))

/* Whole-vector NaN-propagating max/min for float32/float64. GCC leaves the
 * scalar select form of these loops unvectorised, so hot loops spell them
 * with vector extensions (lowered to whatever the target ISA offers). They
 * are macros so that no vector type crosses a call boundary (-Wpsabi). */
typedef float numc_vf32 __attribute__((vector_size(64)));
typedef int32_t numc_vi32 __attribute__((vector_size(64)));
typedef double numc_vf64 __attribute__((vector_size(64)));
typedef int64_t numc_vi64 __attribute__((vector_size(64)));
#define VSEL(TAKE, X, M, VI) ((__typeof__(M))(((TAKE) & (VI)(X)) | (~(TAKE) & (VI)(M))))
#define VMAX(M, X, VI) VSEL(((X) > (M)) | ((X) != (X)), X, M, VI)
#define VMIN(M, X, VI) VSEL(((X) < (M)) | ((X) != (X)), X, M, VI)

/* Loads one T from a possibly unaligned strided position. */
#define LOADT(T, p)                                                                                \
    ({                                                                                             \
        T v_;                                                                                      \
        memcpy(&v_, (p), sizeof(T));                                                               \
        v_;                                                                                        \
    })

/* complex: componentwise add, the textbook product, and max/min ordered
 * lexicographically with NumPy's NaN rule (an operand with a NaN part wins
 * and then sticks). */
#define STRUCT_DEFINE_COMPLEX_OPS(SFX, C)                                                          \
    static inline C SFX##_add(C a, C b) {                                                          \
        return (C){a.re + b.re, a.im + b.im};                                                      \
    }                                                                                              \
    static inline C SFX##_mul(C a, C b) {                                                          \
        return (C){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};                          \
    }                                                                                              \
    static inline bool SFX##_nan(C a) {                                                            \
        return a.re != a.re || a.im != a.im;                                                       \
    }                                                                                              \
    static inline C SFX##_max(C a, C b) {                                                          \
        bool ge =                                                                                  \
            (a.re > b.re && !SFX##_nan(a) && !SFX##_nan(b)) || (a.re == b.re && a.im >= b.im);     \
        return (ge || SFX##_nan(a)) ? a : b;                                                       \
    }                                                                                              \
    static inline C SFX##_min(C a, C b) {                                                          \
        bool le =                                                                                  \
            (a.re < b.re && !SFX##_nan(a) && !SFX##_nan(b)) || (a.re == b.re && a.im <= b.im);     \
        return (le || SFX##_nan(a)) ? a : b;                                                       \
    }

/* Integer sum/prod wrap modulo 2^bits, computed in uint64 to avoid signed
 * overflow (and int promotion of narrow unsigned types). */
#define STRUCT_DEFINE_INT_OPS(SFX, T)                                                              \
    static inline T SFX##_isum(T a, T b) {                                                         \
        return (T)((uint64_t)a + (uint64_t)b);                                                     \
    }                                                                                              \
    static inline T SFX##_iprod(T a, T b) {                                                        \
        return (T)((uint64_t)a * (uint64_t)b);                                                     \
    }

STRUCT_DEFINE_INT_OPS(i8, int8_t)
STRUCT_DEFINE_INT_OPS(i16, int16_t)
STRUCT_DEFINE_INT_OPS(i32, int32_t)
STRUCT_DEFINE_INT_OPS(i64, int64_t)
STRUCT_DEFINE_INT_OPS(u8, uint8_t)
STRUCT_DEFINE_INT_OPS(u16, uint16_t)
STRUCT_DEFINE_INT_OPS(u32, uint32_t)
STRUCT_DEFINE_INT_OPS(u64, uint64_t)
STRUCT_DEFINE_COMPLEX_OPS(c64, numc_complex64)
STRUCT_DEFINE_COMPLEX_OPS(c128, numc_complex128)

#endif
