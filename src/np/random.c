/* random.c — numpy.random's streams in C: the MT19937 and PCG64 bit
 * generators, NumPy's SeedSequence, and the transforms that turn their words
 * into the exact values numpy.random returns for the same seed (bounded
 * integers by masked rejection or Lemire's method with NumPy's buffering of
 * narrow draws, the legacy polar Box-Muller gaussian, shuffling). The draw
 * order and every rounding step follow NumPy, since the point is identity. */
#include "bitgen-impl.h"
#include "np-impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* ---- MT19937 ---- */

static void mt_init(numc_bitgen *g, uint32_t seed) {
    memset(g, 0, sizeof *g);
    g->kind = NUMC_BITGEN_MT19937;
    g->mt[0] = seed;
    for (int i = 1; i < MT_N; i++)
        g->mt[i] = 1812433253u * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + (uint32_t)i;
    g->mt_pos = MT_N;
}

void numc_mt19937_seed(numc_bitgen *g, uint32_t seed) {
    mt_init(g, seed);
}

void numc_mt19937_seed_array(numc_bitgen *g, const uint32_t *key, int64_t n) {
    mt_init(g, 19650218u);
    uint32_t *mt = g->mt;
    int64_t i = 1, j = 0;
    for (int64_t k = n > MT_N ? n : MT_N; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= n) j = 0;
    }
    for (int k = MT_N - 1; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000u; /* the state must not be all zero */
}

static uint32_t mt_twist(uint32_t a, uint32_t b, uint32_t m) {
    uint32_t y = (a & 0x80000000u) | (b & 0x7fffffffu);
    return m ^ (y >> 1) ^ ((0u - (y & 1u)) & 0x9908b0dfu);
}

void np_mt_refill(numc_bitgen *g) {
    uint32_t *mt = g->mt;
    int i = 0;
    for (; i < MT_N - MT_M; i++)
        mt[i] = mt_twist(mt[i], mt[i + 1], mt[i + MT_M]);
    for (; i < MT_N - 1; i++)
        mt[i] = mt_twist(mt[i], mt[i + 1], mt[i + MT_M - MT_N]);
    mt[MT_N - 1] = mt_twist(mt[MT_N - 1], mt[0], mt[MT_M - 1]);
    g->mt_pos = 0;
}

/* ---- SeedSequence and PCG64 ---- */
enum { SS_POOL = 4 };
#define SS_INIT_A 0x43b0d7e5u
#define SS_MULT_A 0x931e8875u
#define SS_INIT_B 0x8b51f9ddu
#define SS_MULT_B 0x58f38dedu

static uint32_t ss_hashmix(uint32_t v, uint32_t *hash_const) {
    v ^= *hash_const;
    *hash_const *= SS_MULT_A;
    v *= *hash_const;
    return v ^ (v >> 16);
}

static uint32_t ss_mix(uint32_t x, uint32_t y) {
    uint32_t r = 0xca01f9ddu * x - 0x4973f715u * y;
    return r ^ (r >> 16);
}

void numc_seed_sequence_generate(const uint32_t *entropy, int64_t n, uint32_t *out, int64_t n_out) {
    uint32_t pool[SS_POOL], hc = SS_INIT_A;
    for (int i = 0; i < SS_POOL; i++)
        pool[i] = ss_hashmix(i < n ? entropy[i] : 0u, &hc);
    for (int s = 0; s < SS_POOL; s++)
        for (int d = 0; d < SS_POOL; d++)
            if (s != d) pool[d] = ss_mix(pool[d], ss_hashmix(pool[s], &hc));
    for (int64_t s = SS_POOL; s < n; s++)
        for (int d = 0; d < SS_POOL; d++)
            pool[d] = ss_mix(pool[d], ss_hashmix(entropy[s], &hc));
    uint32_t hb = SS_INIT_B;
    for (int64_t i = 0; i < n_out; i++) {
        uint32_t v = pool[i % SS_POOL] ^ hb;
        hb *= SS_MULT_B;
        v *= hb;
        out[i] = v ^ (v >> 16);
    }
}

void numc_pcg64_seed(numc_bitgen *g, const uint32_t *entropy, int64_t n) {
    uint32_t w[8];
    numc_seed_sequence_generate(entropy, n, w, 8);
    /* generate_state(4, uint64): word pairs read little-endian */
    uint64_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (uint64_t)w[2 * i] | ((uint64_t)w[2 * i + 1] << 32);
    memset(g, 0, sizeof *g);
    g->kind = NUMC_BITGEN_PCG64;
    u128 init = ((u128)v[0] << 64) | v[1], seq = ((u128)v[2] << 64) | v[3];
    u128 inc = (seq << 1) | 1u, st = 0;
    st = st * PCG_MULT + inc;
    st += init;
    st = st * PCG_MULT + inc;
    u128_put(g->pcg_state, st);
    u128_put(g->pcg_inc, inc);
}

uint32_t numc_bitgen_next32(numc_bitgen *g) {
    return np_bg_next32(g);
}

uint64_t numc_bitgen_next64(numc_bitgen *g) {
    return np_bg_next64(g);
}

double numc_bitgen_next_double(numc_bitgen *g) {
    return np_bg_next_double(g);
}

static uint64_t mask_of(uint64_t v) {
    for (int s = 1; s <= 32; s *= 2)
        v |= v >> s;
    return v;
}

uint64_t numc_random_interval(numc_bitgen *g, uint64_t max) {
    if (max == 0) return 0;
    uint64_t mask = mask_of(max), v;
    if (max <= 0xffffffffu) {
        while ((v = (np_bg_next32(g) & mask)) > max) {
        }
    } else {
        while ((v = (np_bg_next64(g) & mask)) > max) {
        }
    }
    return v;
}

/* ---- filling arrays ---- */
static int64_t count_of(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
            return -1;
        }
        n *= shape[i];
    }
    return n;
}

/* a host buffer for n items of dt, turned into the result array */
static void *scratch(numc_dtype dt, int64_t n) {
    void *p = malloc((size_t)(n > 0 ? n : 1) * numc_dtype_itemsize(dt));
    if (!p) numc_error_set(NUMC_ERR_MEMORY, "random: out of memory");
    return p;
}

/* the result array itself, filled in place */
static numc_array *result_new(numc_dtype dt, int ndim, const int64_t *shape, void **data) {
    numc_array *r = numc_array_new(dt, ndim, shape);
    *data = r ? numc_array_ptr(r) : NULL;
    return r;
}

static numc_array *finish(numc_dtype dt, int ndim, const int64_t *shape, void *buf) {
    numc_array *r = numc_array_from_data(dt, ndim, shape, buf);
    free(buf);
    return r;
}

numc_array *numc_random_random(numc_bitgen *g, numc_dtype dt, int ndim, const int64_t *shape) {
    if (dt != NUMC_FLOAT64 && dt != NUMC_FLOAT32) {
        numc_error_set(NUMC_ERR_TYPE, "Unsupported dtype dtype('%s') for random",
                       numc_dtype_name(dt));
        return NULL;
    }
    int64_t n = count_of(ndim, shape);
    void *buf;
    numc_array *r = n < 0 ? NULL : result_new(dt, ndim, shape, &buf);
    if (!r) return NULL;
    if (dt == NUMC_FLOAT64) {
        double *o = buf;
        if (g->kind == NUMC_BITGEN_PCG64)
            for (int64_t i = 0; i < n; i++)
                o[i] = (double)(np_pcg_next64(g) >> 11) * (1.0 / 9007199254740992.0);
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = np_bg_next_double(g);
    } else {
        float *o = buf;
        for (int64_t i = 0; i < n; i++)
            o[i] = (float)(np_bg_next32(g) >> 8) * (1.0f / 16777216.0f);
    }
    return r;
}

numc_array *numc_random_uniform(numc_bitgen *g, double low, double high, int ndim,
                                const int64_t *shape) {
    double range = high - low;
    if (!isfinite(range)) {
        /* RandomState and Generator word it differently */
        numc_error_set(NUMC_ERR_OVERFLOW, g->kind == NUMC_BITGEN_MT19937
                                              ? "Range exceeds valid bounds"
                                              : "high - low range exceeds valid bounds");
        return NULL;
    }
    int64_t n = count_of(ndim, shape);
    void *buf;
    numc_array *r = n < 0 ? NULL : result_new(NUMC_FLOAT64, ndim, shape, &buf);
    if (!r) return NULL;
    double *o = buf;
    for (int64_t i = 0; i < n; i++)
        o[i] = low + range * np_bg_next_double(g);
    return r;
}

/* Narrow draws share one 32-bit word, low bits first, as NumPy buffers them
 * for the length of one fill. */
typedef struct {
    uint32_t buf;
    int left;
} narrow_buf;

static uint32_t narrow_next(numc_bitgen *g, narrow_buf *b, int bits) {
    if (b->left == 0) {
        b->buf = np_bg_next32(g);
        b->left = 32 / bits - 1;
    } else {
        b->buf >>= bits;
        b->left--;
    }
    return bits == 32 ? b->buf : b->buf & ((1u << bits) - 1u);
}

/* one draw in [0, rng] from words of `bits` bits (8, 16, 32 or 64) */
static uint64_t bounded_draw(numc_bitgen *g, narrow_buf *b, int bits, uint64_t rng, uint64_t mask,
                             bool masked) {
    uint64_t top = bits == 64 ? UINT64_MAX : (1ull << bits) - 1u;
    if (rng == top) return bits == 64 ? np_bg_next64(g) : narrow_next(g, b, bits);
    if (masked) {
        uint64_t v;
        do {
            v = (bits == 64 ? np_bg_next64(g) : narrow_next(g, b, bits)) & mask;
        } while (v > rng);
        return v;
    }
    uint64_t excl = rng + 1;
    if (bits == 64) {
        u128 m = (u128)np_bg_next64(g) * excl;
        if ((uint64_t)m < excl) {
            uint64_t threshold = (UINT64_MAX - rng) % excl;
            while ((uint64_t)m < threshold)
                m = (u128)np_bg_next64(g) * excl;
        }
        return (uint64_t)(m >> 64);
    }
    uint64_t m = (uint64_t)narrow_next(g, b, bits) * excl;
    if ((m & top) < excl) {
        uint64_t threshold = (top - rng) % excl;
        while ((m & top) < threshold)
            m = (uint64_t)narrow_next(g, b, bits) * excl;
    }
    return m >> bits;
}

numc_array *numc_random_bounded(numc_bitgen *g, numc_dtype dt, uint64_t off, uint64_t rng,
                                bool masked, int ndim, const int64_t *shape) {
    if (!numc_dt_is_int(dt) && dt != NUMC_BOOL) {
        numc_error_set(NUMC_ERR_TYPE, "Unsupported dtype dtype('%s') for randint",
                       numc_dtype_name(dt));
        return NULL;
    }
    int64_t n = count_of(ndim, shape);
    size_t isz = numc_dtype_itemsize(dt);
    unsigned char *o = n < 0 ? NULL : scratch(dt, n);
    if (!o) return NULL;
    int bits = (int)isz * 8;
    uint64_t top = bits == 64 ? UINT64_MAX : (1ull << bits) - 1u;
    off &= top;
    rng &= top;
    narrow_buf b = {0, 0};
    /* 64-bit ranges that fit 32 bits draw from 32-bit words, as NumPy does */
    int wbits = bits == 64 && rng <= 0xffffffffu ? 32 : bits;
    uint64_t mask = mask_of(rng);
    for (int64_t i = 0; i < n; i++) {
        uint64_t v;
        if (dt == NUMC_BOOL)
            v = rng == 0 ? off : narrow_next(g, &b, 1);
        else
            v = rng == 0 ? off : (off + bounded_draw(g, &b, wbits, rng, mask, masked)) & top;
        switch (isz) {
        case 1:
            o[i] = (unsigned char)v;
            break;
        case 2: {
            uint16_t t = (uint16_t)v;
            memcpy(o + 2 * i, &t, 2);
        } break;
        case 4: {
            uint32_t t = (uint32_t)v;
            memcpy(o + 4 * i, &t, 4);
        } break;
        default:
            memcpy(o + 8 * i, &v, 8);
        }
    }
    return finish(dt, ndim, shape, o);
}

numc_array *numc_random_permutation_index(numc_bitgen *g, int64_t n) {
    if (n < 0) {
        numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
        return NULL;
    }
    int64_t *p = scratch(NUMC_INT64, n);
    if (!p) return NULL;
    for (int64_t i = 0; i < n; i++)
        p[i] = i;
    for (int64_t i = n - 1; i >= 1; i--) {
        int64_t j = (int64_t)numc_random_interval(g, (uint64_t)i), t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    return finish(NUMC_INT64, 1, &n, p);
}

numc_status numc_random_check_p(const numc_bitgen *g, const double *p, int64_t n,
                                int64_t pop_size) {
    /* RandomState and Generator word these differently */
    bool gen = g->kind != NUMC_BITGEN_MT19937;
    if (n != pop_size)
        return numc_error_set(NUMC_ERR_VALUE, gen ? "a and p must have same size"
                                                  : "'a' and 'p' must have same size");
    for (int64_t i = 0; i < n; i++)
        if (isnan(p[i]))
            return numc_error_set(NUMC_ERR_VALUE, "%srobabilities contain NaN", gen ? "P" : "p");
    for (int64_t i = 0; i < n; i++)
        if (p[i] < 0)
            return numc_error_set(NUMC_ERR_VALUE, "%srobabilities are not non-negative",
                                  gen ? "P" : "p");
    /* NumPy's compensated sum, against sqrt(eps) */
    double sum = n > 0 ? p[0] : 0.0, c = 0.0;
    for (int64_t i = 1; i < n; i++) {
        double y = p[i] - c, t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    if (fabs(sum - 1.0) > sqrt(2.220446049250313e-16))
        return numc_error_set(NUMC_ERR_VALUE, "%s",
                              gen ? "Probabilities do not sum to 1. See Notes section of "
                                    "docstring for more information."
                                  : "probabilities do not sum to 1");
    return NUMC_OK;
}

/* one draw in [0, rng] by Lemire's method, as NumPy's random_bounded_uint64 */
static uint64_t lemire_one(numc_bitgen *g, uint64_t rng) {
    narrow_buf b = {0, 0};
    return rng == 0 ? 0 : bounded_draw(g, &b, rng <= 0xffffffffu ? 32 : 64, rng, 0, false);
}

numc_array *numc_random_sample_indices(numc_bitgen *g, int64_t pop, int64_t count, bool shuffle) {
    if (count < 0 || count > pop) {
        numc_error_set(NUMC_ERR_VALUE, count < 0 ? "negative dimensions are not allowed"
                                                 : "Cannot take a larger sample than "
                                                   "population when replace is False");
        return NULL;
    }
    int64_t *o = scratch(NUMC_INT64, count);
    if (!o) return NULL;
    if (pop > 10000 && count > pop / 50) {
        /* many of a large population: shuffle the tail of 0..pop-1 */
        int64_t *all = scratch(NUMC_INT64, pop);
        if (!all) {
            free(o);
            return NULL;
        }
        for (int64_t i = 0; i < pop; i++)
            all[i] = i;
        int64_t first = pop - count > 1 ? pop - count : 1;
        for (int64_t i = pop - 1; i >= first; i--) {
            int64_t j = (int64_t)lemire_one(g, (uint64_t)i), t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        memcpy(o, all + pop - count, (size_t)count * sizeof(int64_t));
        free(all);
        return finish(NUMC_INT64, 1, &count, o);
    }
    /* Floyd's algorithm; an open-addressing set of what was taken */
    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)count)
        cap *= 2;
    int64_t *set = malloc(cap * sizeof(int64_t));
    if (!set) {
        free(o);
        numc_error_set(NUMC_ERR_MEMORY, "random: out of memory");
        return NULL;
    }
    for (uint64_t i = 0; i < cap; i++)
        set[i] = -1;
    for (int64_t j = pop - count; j < pop; j++) {
        int64_t v = (int64_t)lemire_one(g, (uint64_t)j);
        uint64_t at = (uint64_t)v & (cap - 1);
        while (set[at] != -1 && set[at] != v)
            at = (at + 1) & (cap - 1);
        if (set[at] == v) { /* taken: j itself is new */
            v = j;
            at = (uint64_t)v & (cap - 1);
            while (set[at] != -1)
                at = (at + 1) & (cap - 1);
        }
        set[at] = v;
        o[j - pop + count] = v;
    }
    free(set);
    if (shuffle)
        for (int64_t i = count - 1; i >= 1; i--) {
            int64_t k = (int64_t)lemire_one(g, (uint64_t)i), t = o[i];
            o[i] = o[k];
            o[k] = t;
        }
    return finish(NUMC_INT64, 1, &count, o);
}

/* cnt indices drawn with probabilities p: the cumulative sum normalised by
 * its last value (in order, as NumPy's cumsum), searched (side right) */
static int cdf_draws(numc_bitgen *g, const double *p, int64_t n, int64_t cnt, int64_t *o) {
    double *cdf = scratch(NUMC_FLOAT64, n);
    if (!cdf) return -1;
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++)
        cdf[i] = acc += p[i];
    for (int64_t i = 0; i < n; i++)
        cdf[i] /= acc;
    for (int64_t k = 0; k < cnt; k++) {
        double u = np_bg_next_double(g);
        int64_t lo = 0, hi = n; /* first index with cdf > u */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (cdf[mid] <= u)
                lo = mid + 1;
            else
                hi = mid;
        }
        o[k] = lo;
    }
    free(cdf);
    return 0;
}

numc_array *numc_random_choice_cdf(numc_bitgen *g, const double *p, int64_t n, int ndim,
                                   const int64_t *shape) {
    int64_t cnt = count_of(ndim, shape);
    int64_t *o = cnt < 0 ? NULL : scratch(NUMC_INT64, cnt);
    if (!o) return NULL;
    if (cdf_draws(g, p, n, cnt, o) < 0) {
        free(o);
        return NULL;
    }
    return finish(NUMC_INT64, ndim, shape, o);
}

numc_array *numc_random_choice_unique(numc_bitgen *g, const double *p, int64_t n, int ndim,
                                      const int64_t *shape) {
    int64_t cnt = count_of(ndim, shape), nonzero = 0;
    if (cnt < 0) return NULL;
    for (int64_t i = 0; i < n; i++)
        nonzero += p[i] > 0;
    if (nonzero < cnt) {
        numc_error_set(NUMC_ERR_VALUE, "Fewer non-zero entries in p than size");
        return NULL;
    }
    double *q = scratch(NUMC_FLOAT64, n);
    int64_t *o = q ? scratch(NUMC_INT64, cnt) : NULL, *fresh = o ? scratch(NUMC_INT64, cnt) : NULL;
    bool *seen = fresh ? calloc((size_t)(n > 0 ? n : 1), sizeof(bool)) : NULL;
    int64_t done = 0;
    if (seen) memcpy(q, p, (size_t)n * sizeof(double));
    /* rounds of draws for the places left, from p with what was taken zeroed,
     * keeping each new index's first occurrence in draw order */
    while (seen && done < cnt) {
        for (int64_t k = 0; k < done; k++)
            q[o[k]] = 0.0;
        int64_t m = cnt - done;
        if (cdf_draws(g, q, n, m, fresh) < 0) break;
        for (int64_t k = 0; k < m; k++)
            if (!seen[fresh[k]]) {
                seen[fresh[k]] = true;
                o[done++] = fresh[k];
            }
    }
    bool ok = seen && done == cnt;
    free(q);
    free(fresh);
    free(seen);
    if (!ok) {
        if (o) free(o);
        if (!numc_error_kind()) numc_error_set(NUMC_ERR_MEMORY, "random: out of memory");
        return NULL;
    }
    return finish(NUMC_INT64, ndim, shape, o);
}
