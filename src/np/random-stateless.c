/* random-stateless.c — numc.random's functional generator, as TF's stateless
 * ops and JAX's keys: a key is a uint32 array of shape (2,); every draw is a
 * pure function of the key, composed from the threefry2x32 primitive and
 * elementwise primitives, so it gives the same numbers eagerly, under
 * numc.function, under vmap (a batch of keys) and on any device. Counters are
 * iota: word i of a draw of n words is threefry(key, (i, i + n/2)). */
#include "np-impl.h"

#include <math.h>
#include <stdio.h>

numc_array *numc_random_key(uint64_t seed) {
    uint32_t w[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
    int64_t two = 2;
    return numc_array_from_data(NUMC_UINT32, 1, &two, w);
}

/* the key's two words as 0-d arrays, or ValueError naming the function */
static numc_status key_words(np_scope *s, const char *fn, const numc_array *key, numc_array **k0,
                             numc_array **k1) {
    if (!key) return numc_error_kind();
    if (key->dtype != NUMC_UINT32 || key->ndim != 1 || key->shape[0] != 2)
        return numc_error_set(NUMC_ERR_VALUE,
                              "%s: a key is a uint32 array of shape (2,) (numc.random.key), "
                              "got %s array of ndim %d",
                              fn, numc_dtype_name(key->dtype), key->ndim);
    *k0 = np_reshape(s, np_axis_slice(s, key, 0, 0, 1), 0, NULL);
    *k1 = np_reshape(s, np_axis_slice(s, key, 0, 1, 2), 0, NULL);
    return *k0 && *k1 ? NUMC_OK : numc_error_kind();
}

static numc_array *iota_u32(np_scope *s, int64_t n) {
    numc_params pr = {.n = 4, .i = {NUMC_UINT32, 0, 1, n}};
    return np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pr);
}

/* n uint32 words of the key's stream, flat */
static numc_array *words32(np_scope *s, const numc_array *k0, const numc_array *k1, int64_t n) {
    if (n > ((int64_t)1 << 32)) {
        numc_error_set(NUMC_ERR_VALUE, "random: at most 2**32 words per draw, asked for %lld",
                       (long long)n);
        return NULL;
    }
    int64_t m = (n + 1) / 2;
    numc_array *c0 = iota_u32(s, m);
    numc_array *c1 = np_binc(s, NUMC_PRIM_ADD, c0, (double)m);
    const numc_array *ops[4] = {np_bcast(s, k0, 1, &m), np_bcast(s, k1, 1, &m), c0, c1};
    for (int i = 0; i < 4; i++)
        if (!ops[i]) return NULL;
    numc_array *y[2] = {NULL, NULL};
    if (numc_bind(NUMC_PRIM_THREEFRY2X32, 4, ops, NULL, y) != NUMC_OK) return NULL;
    np_keep(s, y[0]);
    np_keep(s, y[1]);
    return np_axis_slice(s, np_axis_cat3(s, y[0], y[1], NULL, 0), 0, 0, n);
}

static numc_status check_shape(const char *fn, int ndim, const int64_t *shape, int64_t *n) {
    return numc_shape_size(fn, ndim, shape, n);
}

/* n words as uint64 (two uint32 words each) */
static numc_array *words64(np_scope *s, const numc_array *k0, const numc_array *k1, int64_t n) {
    numc_array *w = words32(s, k0, k1, 2 * n);
    numc_array *hi = np_cvt(s, np_axis_slice(s, w, 0, 0, n), NUMC_UINT64);
    numc_array *lo = np_cvt(s, np_axis_slice(s, w, 0, n, 2 * n), NUMC_UINT64);
    return np_bin(s, NUMC_PRIM_OR, np_binc(s, NUMC_PRIM_SHL, hi, 32.0), lo);
}

numc_array *numc_random_bits(const numc_array *key, int ndim, const int64_t *shape, numc_dtype dt) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t n;
    if (dt != NUMC_UINT32 && dt != NUMC_UINT64)
        numc_error_set(NUMC_ERR_TYPE, "bits: dtype must be uint32 or uint64, got %s",
                       numc_dtype_name(dt));
    else if (!key_words(&s, "bits", key, &k0, &k1) && !check_shape("bits", ndim, shape, &n))
        r = np_reshape(&s, dt == NUMC_UINT32 ? words32(&s, k0, k1, n) : words64(&s, k0, k1, n),
                       ndim, shape);
    return np_ret(&s, r);
}

numc_array *numc_random_split(const numc_array *key, int64_t num) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    if (num < 0)
        numc_error_set(NUMC_ERR_VALUE, "split: num must be non-negative, got %lld", (long long)num);
    else if (!key_words(&s, "split", key, &k0, &k1)) {
        int64_t sh[2] = {num, 2};
        r = np_reshape(&s, words32(&s, k0, k1, 2 * num), 2, sh);
    }
    return np_ret(&s, r);
}

numc_array *numc_random_fold_in(const numc_array *key, uint32_t data) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    if (!key_words(&s, "fold_in", key, &k0, &k1)) {
        int64_t one = 1;
        const numc_array *ops[4] = {np_reshape(&s, k0, 1, &one), np_reshape(&s, k1, 1, &one),
                                    np_fill(&s, NUMC_UINT32, (double)data, 1, &one),
                                    np_fill(&s, NUMC_UINT32, 0.0, 1, &one)};
        numc_array *y[2] = {NULL, NULL};
        if (ops[0] && ops[1] && ops[2] && ops[3] &&
            numc_bind(NUMC_PRIM_THREEFRY2X32, 4, ops, NULL, y) == NUMC_OK) {
            np_keep(&s, y[0]);
            np_keep(&s, y[1]);
            r = np_axis_cat3(&s, y[0], y[1], NULL, 0);
        }
    }
    return np_ret(&s, r);
}

/* n uniforms in [0, 1) of a float dtype (half types through float32): the
 * top mantissa bits of the words under the exponent of 1.0, minus 1 */
static numc_array *unit(np_scope *s, const numc_array *k0, const numc_array *k1, int64_t n,
                        numc_dtype dt) {
    numc_array *u;
    if (dt == NUMC_FLOAT64) {
        numc_array *w = np_binc(s, NUMC_PRIM_SHR, words64(s, k0, k1, n), 12.0);
        w = np_binc(s, NUMC_PRIM_OR, w, 4607182418800017408.0); /* 0x3FF0000000000000 */
        numc_params pr = {.n = 1, .i = {NUMC_FLOAT64}};
        u = np_bind(s, NUMC_PRIM_BITCAST, 1, NP_ARRAY_OF(w), &pr);
    } else {
        numc_array *w = np_binc(s, NUMC_PRIM_SHR, words32(s, k0, k1, n), 9.0);
        w = np_binc(s, NUMC_PRIM_OR, w, 1065353216.0); /* 0x3F800000 */
        numc_params pr = {.n = 1, .i = {NUMC_FLOAT32}};
        u = np_bind(s, NUMC_PRIM_BITCAST, 1, NP_ARRAY_OF(w), &pr);
    }
    return np_binc(s, NUMC_PRIM_SUB, u, 1.0);
}

static numc_dtype compute_float(numc_dtype dt) {
    return dt == NUMC_FLOAT64 ? NUMC_FLOAT64 : NUMC_FLOAT32;
}

static numc_status check_float(const char *fn, numc_dtype dt) {
    if (dt == NUMC_FLOAT64 || dt == NUMC_FLOAT32 || dt == NUMC_FLOAT16 || dt == NUMC_BFLOAT16)
        return NUMC_OK;
    return numc_error_set(NUMC_ERR_TYPE, "%s: dtype must be a real float type, got %s", fn,
                          numc_dtype_name(dt));
}

numc_array *numc_random_stateless_uniform(const numc_array *key, int ndim, const int64_t *shape,
                                          numc_dtype dt, double minval, double maxval) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t n;
    if (!check_float("stateless_uniform", dt) &&
        !key_words(&s, "stateless_uniform", key, &k0, &k1) &&
        !check_shape("stateless_uniform", ndim, shape, &n)) {
        numc_dtype ct = compute_float(dt);
        numc_array *u = unit(&s, k0, k1, n, ct);
        u = np_binc(&s, NUMC_PRIM_ADD, np_binc(&s, NUMC_PRIM_MUL, u, maxval - minval), minval);
        r = np_cvt(&s, np_reshape(&s, u, ndim, shape), dt);
    }
    return np_ret(&s, r);
}

/* Box-Muller on 2n uniforms: sqrt(-2 log(1 - u)) cos(2 pi v) */
static numc_array *gauss(np_scope *s, const numc_array *k0, const numc_array *k1, int64_t n,
                         numc_dtype ct) {
    numc_array *u = unit(s, k0, k1, 2 * n, ct);
    numc_array *a = np_axis_slice(s, u, 0, 0, n), *b = np_axis_slice(s, u, 0, n, 2 * n);
    numc_array *one_minus = np_bin(s, NUMC_PRIM_SUB, np_const(s, ct, 1.0, 0), a);
    numc_array *rad = np_un(s, NUMC_PRIM_SQRT,
                            np_binc(s, NUMC_PRIM_MUL, np_un(s, NUMC_PRIM_LOG, one_minus), -2.0));
    numc_array *ang = np_un(s, NUMC_PRIM_COS, np_binc(s, NUMC_PRIM_MUL, b, 2.0 * M_PI));
    return np_bin(s, NUMC_PRIM_MUL, rad, ang);
}

numc_array *numc_random_stateless_normal(const numc_array *key, int ndim, const int64_t *shape,
                                         numc_dtype dt, double mean, double stddev) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t n;
    if (!check_float("stateless_normal", dt) && !key_words(&s, "stateless_normal", key, &k0, &k1) &&
        !check_shape("stateless_normal", ndim, shape, &n)) {
        numc_array *z = gauss(&s, k0, k1, n, compute_float(dt));
        z = np_binc(&s, NUMC_PRIM_ADD, np_binc(&s, NUMC_PRIM_MUL, z, stddev), mean);
        r = np_cvt(&s, np_reshape(&s, z, ndim, shape), dt);
    }
    return np_ret(&s, r);
}

numc_array *numc_random_stateless_integers(const numc_array *key, int ndim, const int64_t *shape,
                                           int64_t minval, int64_t maxval, numc_dtype dt) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t n;
    if (!numc_dt_is_int(dt))
        numc_error_set(NUMC_ERR_TYPE, "stateless_integers: dtype must be an integer type, got %s",
                       numc_dtype_name(dt));
    else if (maxval <= minval)
        numc_error_set(NUMC_ERR_VALUE, "stateless_integers: minval must be less than maxval");
    else if (!key_words(&s, "stateless_integers", key, &k0, &k1) &&
             !check_shape("stateless_integers", ndim, shape, &n)) {
        /* a 64-bit word modulo the range: bias below range / 2**64 */
        uint64_t range = (uint64_t)maxval - (uint64_t)minval;
        numc_array *w = np_bin(&s, NUMC_PRIM_REM, words64(&s, k0, k1, n),
                               np_const(&s, NUMC_UINT64, (double)range, 0));
        if (range > ((uint64_t)1 << 53)) /* the range constant must be exact */
            numc_error_set(NUMC_ERR_VALUE, "stateless_integers: range above 2**53");
        else {
            numc_array *v = np_binc(&s, NUMC_PRIM_ADD, np_cvt(&s, w, NUMC_INT64), (double)minval);
            r = np_cvt(&s, np_reshape(&s, v, ndim, shape), dt);
        }
    }
    return np_ret(&s, r);
}

numc_array *numc_random_stateless_bernoulli(const numc_array *key, const numc_array *p, int ndim,
                                            const int64_t *shape) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t n;
    if (p && !key_words(&s, "stateless_bernoulli", key, &k0, &k1) &&
        !check_shape("stateless_bernoulli", ndim, shape, &n)) {
        numc_array *u = np_reshape(&s, unit(&s, k0, k1, n, NUMC_FLOAT64), ndim, shape);
        r = np_bin(&s, NUMC_PRIM_LT, u, np_cvt(&s, p, NUMC_FLOAT64));
        if (r && r->ndim != ndim) {
            numc_error_set(NUMC_ERR_VALUE, "stateless_bernoulli: p does not broadcast to shape");
            r = NULL;
        }
    }
    return np_ret(&s, r);
}

numc_array *numc_random_stateless_categorical(const numc_array *key, const numc_array *logits,
                                              int64_t axis) {
    np_scope s;
    np_scope_init(&s);
    numc_array *k0 = NULL, *k1 = NULL, *r = NULL;
    int64_t ax;
    if (logits && !key_words(&s, "stateless_categorical", key, &k0, &k1) &&
        !np_norm_axis(axis, logits->ndim, &ax, NULL)) {
        numc_dtype ct = logits->dtype == NUMC_FLOAT64 ? NUMC_FLOAT64 : NUMC_FLOAT32;
        numc_array *lg = np_cvt(&s, logits, ct);
        /* Gumbel noise -log(-log(u)) with u in (0, 1): the Gumbel-max trick */
        numc_array *u = unit(&s, k0, k1, logits->size, ct);
        double tiny = ct == NUMC_FLOAT64 ? 2.2250738585072014e-308 : 1.1754943508222875e-38;
        u = np_bin(&s, NUMC_PRIM_MAX, u, np_const(&s, ct, tiny, 0));
        numc_array *g =
            np_un(&s, NUMC_PRIM_NEG,
                  np_un(&s, NUMC_PRIM_LOG, np_un(&s, NUMC_PRIM_NEG, np_un(&s, NUMC_PRIM_LOG, u))));
        numc_array *z = np_bin(&s, NUMC_PRIM_ADD, lg,
                               np_reshape(&s, g, lg ? lg->ndim : 0, lg ? lg->shape : NULL));
        if (z) r = np_keep(&s, numc_argmax(z, &ax, false));
    }
    return np_ret(&s, r);
}
