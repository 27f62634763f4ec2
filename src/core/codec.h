/* codec.h — the scalar codec, generated from NUMC_DTYPE_LIST: load one
 * element of any dtype into a numc_value (int64 / uint64 / double / complex)
 * and store a numc_value as any dtype with NumPy's casts. The per-class
 * macros NUMC_CODEC_LD_<class> / NUMC_CODEC_ST_<class> are usable in typed
 * loops (a constant kind folds away); numc_codec_load/store switch on the
 * dtype once per element. */
#ifndef NUMC_CODEC_H
#define NUMC_CODEC_H

#include "core-impl.h"

static inline numc_value numc_value_i64(int64_t v) {
    return (numc_value){.kind = 'i', .i = v};
}
static inline numc_value numc_value_u64(uint64_t v) {
    return (numc_value){.kind = 'u', .u = v};
}
static inline numc_value numc_value_f64(double v) {
    return (numc_value){.kind = 'f', .re = v};
}
static inline numc_value numc_value_c128(double re, double im) {
    return (numc_value){.kind = 'c', .re = re, .im = im};
}
static inline double numc_value_re(numc_value v) {
    return v.kind == 'u' ? (double)v.u : v.kind == 'b' || v.kind == 'i' ? (double)v.i : v.re;
}
static inline double numc_value_im(numc_value v) {
    return v.kind == 'c' ? v.im : 0;
}
static inline bool numc_value_nonzero(numc_value v) {
    return v.kind == 'u'                    ? v.u != 0
           : v.kind == 'b' || v.kind == 'i' ? v.i != 0
                                            : v.re != 0 || (v.kind == 'c' && v.im != 0);
}

/* ---- per class: storage value x of type t <-> numc_value ---- */
#define NUMC_CODEC_LD_B(E, t, x) ((numc_value){.kind = 'b', .i = (x) != 0})
#define NUMC_CODEC_LD_S(E, t, x) numc_value_i64((int64_t)(x))
#define NUMC_CODEC_LD_U(E, t, x) numc_value_u64((uint64_t)(x))
#define NUMC_CODEC_LD_H(E, t, x) numc_value_f64(numc_half_to_f32_##E(x))
#define NUMC_CODEC_LD_F(E, t, x) numc_value_f64((double)(x))
#define NUMC_CODEC_LD_C(E, t, x) numc_value_c128((double)(x).re, (double)(x).im)

/* integers from integers wrap, from floats truncate (C's conversion) */
#define NUMC_CODEC_INT_(t, v)                                                                      \
    ((v).kind == 'u' ? (t)(v).u : (v).kind == 'b' || (v).kind == 'i' ? (t)(v).i : (t)(v).re)
/* floats from int64/uint64 round once (not via double) */
#define NUMC_CODEC_FLT_(t, v)                                                                      \
    ((v).kind == 'u' ? (t)(v).u : (v).kind == 'b' || (v).kind == 'i' ? (t)(v).i : (t)(v).re)
#define NUMC_CODEC_ST_B(E, t, v) ((t)numc_value_nonzero(v))
#define NUMC_CODEC_ST_S(E, t, v) NUMC_CODEC_INT_(t, v)
#define NUMC_CODEC_ST_U(E, t, v) NUMC_CODEC_INT_(t, v)
#define NUMC_CODEC_ST_H(E, t, v) numc_f64_to_half_##E(numc_value_re(v))
#define NUMC_CODEC_ST_F(E, t, v) NUMC_CODEC_FLT_(t, v)
#define NUMC_CODEC_ST_C(E, t, v)                                                                   \
    ((t){NUMC_CODEC_FLT_(__typeof__(((t *)0)->re), v), (__typeof__(((t *)0)->re))numc_value_im(v)})

/* the two half formats by dtype name */
#define numc_half_to_f32_FLOAT16 numc_f16_to_f32
#define numc_half_to_f32_BFLOAT16 numc_bf16_to_f32
#define numc_f64_to_half_FLOAT16 numc_f64_to_f16
#define numc_f64_to_half_BFLOAT16 numc_f64_to_bf16

/* Typed load/store of one element at p (any alignment). */
#define NUMC_CODEC_LOAD(E, t, K, p)                                                                \
    ({                                                                                             \
        t x_;                                                                                      \
        memcpy(&x_, (p), sizeof x_);                                                               \
        NUMC_CODEC_LD_##K(E, t, x_);                                                               \
    })
#define NUMC_CODEC_STORE(E, t, K, p, v)                                                            \
    do {                                                                                           \
        t x_ = NUMC_CODEC_ST_##K(E, t, v);                                                         \
        memcpy((p), &x_, sizeof x_);                                                               \
    } while (0)

static inline numc_value numc_codec_load(numc_dtype dt, const void *p) {
    switch (dt) {
#define NUMC_X_(E, n, t, s, k, K)                                                                  \
    case NUMC_##E:                                                                                 \
        return NUMC_CODEC_LOAD(E, t, K, p);
        NUMC_DTYPE_LIST(NUMC_X_)
#undef NUMC_X_
    default:
        return numc_value_i64(0);
    }
}

static inline void numc_codec_store(numc_dtype dt, void *p, numc_value v) {
    switch (dt) {
#define NUMC_X_(E, n, t, s, k, K)                                                                  \
    case NUMC_##E:                                                                                 \
        NUMC_CODEC_STORE(E, t, K, p, v);                                                           \
        break;
        NUMC_DTYPE_LIST(NUMC_X_)
#undef NUMC_X_
    default:
        break;
    }
}

#endif
