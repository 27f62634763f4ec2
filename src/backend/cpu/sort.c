/* sort.c — the sort primitive's CPU kernel: a stable sort of each row along
 * one axis of the keys (in[0]), carrying a second operand (in[1]) through the
 * same permutation. Ordering is NumPy's: NaNs last, -0.0 equal to 0.0,
 * complex lexicographic on (real, imag) with NaNs after everything else.
 * Real keys become order-preserving unsigned integers and go through an LSD
 * radix sort (stable by construction); complex keys use a merge sort. Rows are
 * split over the thread pool. */
#include "struct-util.h"

#include <stdlib.h>

#define SORT_SMALL 24

typedef struct {
    const char *kbase, *vbase;
    char *kout, *vout;
    numc_dtype kdt;
    size_t ksz, vsz;
    int no, ni;
    int64_t oshape[NUMC_MAX_DIMS], kost[NUMC_MAX_DIMS], vost[NUMC_MAX_DIMS];
    int64_t ishape[NUMC_MAX_DIMS], kist[NUMC_MAX_DIMS], vist[NUMC_MAX_DIMS];
    int64_t n, ks, vs, inner;
    int keybits; /* significant bits of the radix key; 0 = complex (merge sort) */
    bool same;   /* the carried operand is the keys (np.sort): no permutation needed */
} sort_ctx;

/* ---- order-preserving keys ---- */

static inline uint64_t key_f32(float v) {
    uint32_t u;
    if (v != v) return 0xFFFFFFFFu; /* every NaN last, in input order */
    if (v == 0) v = 0;              /* -0.0 ties with 0.0 as in NumPy */
    memcpy(&u, &v, 4);
    return (u & 0x80000000u) ? (uint32_t)~u : (u | 0x80000000u);
}
static inline uint64_t key_f64(double v) {
    uint64_t u;
    if (v != v) return UINT64_MAX;
    if (v == 0) v = 0;
    memcpy(&u, &v, 8);
    return (u & 0x8000000000000000u) ? ~u : (u | 0x8000000000000000u);
}
/* float16 (emask 0x7c00) and bfloat16 (emask 0x7f80) bit patterns */
static inline uint64_t key_half(uint16_t h, uint16_t emask) {
    if ((h & emask) == emask && (h & (uint16_t) ~(emask | 0x8000u))) return 0xFFFFu;
    if ((h & 0x7FFFu) == 0) h = 0;
    return (h & 0x8000u) ? (uint16_t)~h : (uint16_t)(h | 0x8000u);
}

static int key_bits(numc_dtype dt) {
    switch (dt) {
    case NUMC_BOOL:
    case NUMC_INT8:
    case NUMC_UINT8:
        return 8;
    case NUMC_INT16:
    case NUMC_UINT16:
    case NUMC_FLOAT16:
    case NUMC_BFLOAT16:
        return 16;
    case NUMC_INT32:
    case NUMC_UINT32:
    case NUMC_FLOAT32:
        return 32;
    case NUMC_INT64:
    case NUMC_UINT64:
    case NUMC_FLOAT64:
        return 64;
    default:
        return 0;
    }
}

/* keys[j] = key of row element j (stride s bytes) */
static void load_keys(numc_dtype dt, const char *p, int64_t s, int64_t n, uint64_t *keys) {
#define KEYLOOP(T, EXPR)                                                                           \
    for (int64_t j = 0; j < n; j++) {                                                              \
        T v;                                                                                       \
        memcpy(&v, p + j * s, sizeof v);                                                           \
        keys[j] = (EXPR);                                                                          \
    }                                                                                              \
    break;
    switch (dt) {
    case NUMC_BOOL:
    case NUMC_UINT8:
        KEYLOOP(uint8_t, v)
    case NUMC_INT8:
        KEYLOOP(uint8_t, (uint8_t)(v ^ 0x80u))
    case NUMC_UINT16:
        KEYLOOP(uint16_t, v)
    case NUMC_INT16:
        KEYLOOP(uint16_t, (uint16_t)(v ^ 0x8000u))
    case NUMC_UINT32:
        KEYLOOP(uint32_t, v)
    case NUMC_INT32:
        KEYLOOP(uint32_t, v ^ 0x80000000u)
    case NUMC_UINT64:
        KEYLOOP(uint64_t, v)
    case NUMC_INT64:
        KEYLOOP(uint64_t, v ^ 0x8000000000000000u)
    case NUMC_FLOAT16:
        KEYLOOP(uint16_t, key_half(v, 0x7C00u))
    case NUMC_BFLOAT16:
        KEYLOOP(uint16_t, key_half(v, 0x7F80u))
    case NUMC_FLOAT32:
        KEYLOOP(float, key_f32(v))
    case NUMC_FLOAT64:
        KEYLOOP(double, key_f64(v))
    default:
        break;
    }
#undef KEYLOOP
}

/* ---- LSD radix sorts (passes where every key shares the
 * digit are skipped) ---- */

/* 11-bit digits: 3 passes for 32-bit keys, 6 for 64-bit, counts in L1/L2 */
#define RADIX_BITS 11
#define RADIX_N (1 << RADIX_BITS)
#define RADIX_MASK (RADIX_N - 1)

/* bucket counts -> each bucket's first output position */
static void bucket_starts(int64_t *cnt) {
    int64_t pos = 0;
    for (int b = 0; b < RADIX_N; b++) {
        int64_t c = cnt[b];
        cnt[b] = pos;
        pos += c;
    }
}

/* a[j] = key << 32 | j: the index in the low half makes every value unique, so
 * sorting the packed words is stable on the key. Returns the sorted buffer. */
static uint64_t *radix_packed(uint64_t *a, uint64_t *tmp, int64_t n, int keybits) {
    int npass = (keybits + RADIX_BITS - 1) / RADIX_BITS;
    int64_t(*cnt)[RADIX_N] = calloc((size_t)npass, sizeof *cnt);
    if (!cnt) return NULL;
    for (int64_t j = 0; j < n; j++)
        for (int d = 0; d < npass; d++)
            cnt[d][(a[j] >> (32 + RADIX_BITS * d)) & RADIX_MASK]++;
    for (int d = 0; d < npass; d++) {
        int sh = 32 + RADIX_BITS * d;
        if (cnt[d][(a[0] >> sh) & RADIX_MASK] == n) continue;
        bucket_starts(cnt[d]);
        for (int64_t j = 0; j < n; j++)
            tmp[cnt[d][(a[j] >> sh) & RADIX_MASK]++] = a[j];
        uint64_t *t = a;
        a = tmp;
        tmp = t;
    }
    free(cnt);
    return a;
}

/* (keys, idx) pairs for 64-bit keys; sorted in place (copied back if needed). */
static bool radix_pairs(uint64_t *k, int64_t *idx, uint64_t *kt, int64_t *it, int64_t n) {
    enum { NPASS = (64 + RADIX_BITS - 1) / RADIX_BITS };
    int64_t(*cnt)[RADIX_N] = calloc(NPASS, sizeof *cnt);
    if (!cnt) return false;
    for (int64_t j = 0; j < n; j++)
        for (int d = 0; d < NPASS; d++)
            cnt[d][(k[j] >> (RADIX_BITS * d)) & RADIX_MASK]++;
    int64_t *i0 = idx;
    for (int d = 0; d < NPASS; d++) {
        int sh = RADIX_BITS * d;
        if (cnt[d][(k[0] >> sh) & RADIX_MASK] == n) continue;
        bucket_starts(cnt[d]);
        for (int64_t j = 0; j < n; j++) {
            int64_t q = cnt[d][(k[j] >> sh) & RADIX_MASK]++;
            kt[q] = k[j];
            it[q] = idx[j];
        }
        uint64_t *tk = k;
        k = kt;
        kt = tk;
        int64_t *ti = idx;
        idx = it;
        it = ti;
    }
    if (idx != i0) memcpy(i0, idx, sizeof(int64_t) * (size_t)n);
    free(cnt);
    return true;
}

/* ---- complex: merge sort of indices ---- */

static inline int cnan_class(double re, double im) {
    return (re != re) * 2 + (im != im);
}
/* NumPy's complex order: [R + Rj, R + nanj, nan + Rj, nan + nanj] */
static inline bool c_less(const double *a, const double *b) {
    int ca = cnan_class(a[0], a[1]), cb = cnan_class(b[0], b[1]);
    if (ca != cb) return ca < cb;
    switch (ca) {
    case 0:
        return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
    case 1:
        return a[0] < b[0];
    case 2:
        return a[1] < b[1];
    default:
        return false;
    }
}

static void merge_sort_c(const double *v, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t lo = 0; lo < n; lo += SORT_SMALL) {
        int64_t hi = lo + SORT_SMALL < n ? lo + SORT_SMALL : n;
        for (int64_t j = lo + 1; j < hi; j++) {
            int64_t x = idx[j], q = j;
            while (q > lo && c_less(v + 2 * x, v + 2 * idx[q - 1])) {
                idx[q] = idx[q - 1];
                q--;
            }
            idx[q] = x;
        }
    }
    int64_t *src = idx, *dst = tmp;
    for (int64_t w = SORT_SMALL; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                dst[o++] = c_less(v + 2 * src[b], v + 2 * src[a]) ? src[b++] : src[a++];
            while (a < mid)
                dst[o++] = src[a++];
            while (b < hi)
                dst[o++] = src[b++];
        }
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx) memcpy(idx, src, sizeof(int64_t) * (size_t)n);
}

/* ---- rows ---- */

/* out[j] = row[idx[j]] for an itemsize-sz element type */
static void permute(size_t sz, char *out, int64_t os, const char *p, int64_t s, const int64_t *idx,
                    int64_t n) {
#define PERM(T)                                                                                    \
    for (int64_t j = 0; j < n; j++)                                                                \
        memcpy(out + j * os, p + idx[j] * s, sizeof(T));                                           \
    break;
    switch (sz) {
    case 1:
        PERM(uint8_t)
    case 2:
        PERM(uint16_t)
    case 4:
        PERM(uint32_t)
    case 8:
        PERM(uint64_t)
    default:
        for (int64_t j = 0; j < n; j++)
            memcpy(out + j * os, p + idx[j] * s, sz);
    }
#undef PERM
}

/* Writes the stable sorting permutation of the row at p into idx, using
 * scratch (3n uint64 words). */
static bool row_perm(const sort_ctx *c, const char *p, int64_t *idx, uint64_t *scratch) {
    int64_t n = c->n;
    if (c->keybits == 0) {
        double *v = (double *)scratch; /* 2n doubles */
        bool c64 = c->kdt == NUMC_COMPLEX64;
        for (int64_t j = 0; j < n; j++) {
            if (c64) {
                numc_complex64 z;
                memcpy(&z, p + j * c->ks, sizeof z);
                v[2 * j] = z.re;
                v[2 * j + 1] = z.im;
            } else {
                memcpy(v + 2 * j, p + j * c->ks, 16);
            }
            idx[j] = j;
        }
        merge_sort_c(v, idx, (int64_t *)(scratch + 2 * n), n);
        return true;
    }
    uint64_t *k = scratch;
    load_keys(c->kdt, p, c->ks, n, k);
    if (n <= SORT_SMALL) {
        for (int64_t j = 0; j < n; j++) {
            int64_t q = j;
            while (q > 0 && k[idx[q - 1]] > k[j]) {
                idx[q] = idx[q - 1];
                q--;
            }
            idx[q] = j;
        }
        return true;
    }
    if (c->keybits <= 32 && n <= (int64_t)UINT32_MAX) {
        uint64_t *a = scratch + n;
        for (int64_t j = 0; j < n; j++)
            a[j] = k[j] << 32 | (uint64_t)j;
        uint64_t *r = radix_packed(a, k, n, c->keybits);
        if (!r) return false;
        for (int64_t j = 0; j < n; j++)
            idx[j] = (int64_t)(r[j] & 0xFFFFFFFFu);
        return true;
    }
    for (int64_t j = 0; j < n; j++)
        idx[j] = j;
    return radix_pairs(k, idx, scratch + n, (int64_t *)(scratch + 2 * n), n);
}

/* Keys sorted with no permutation wanted (the operand carried is the keys
 * themselves, as np.sort binds it): each key's raw bits ride along in the
 * radix sort instead of its index, so no gather follows. LSD radix sorts only
 * the key digits, so equal keys (-0.0 and 0.0, NaNs) keep their input order.
 * Writes the row to out and out2 (stride os bytes); false when it cannot (complex,
 * short rows) or memory fails (*oom). scratch: 3n words, tmp: n. */
/* out[j] = the low sz bytes of r[j] (little-endian) */
static void store_low(size_t sz, char *out, int64_t os, const uint64_t *r, int64_t n) {
#define STORE(T)                                                                                   \
    for (int64_t j = 0; j < n; j++) {                                                              \
        T v = (T)r[j];                                                                             \
        memcpy(out + j * os, &v, sizeof v);                                                        \
    }                                                                                              \
    break;
    switch (sz) {
    case 1:
        STORE(uint8_t)
    case 2:
        STORE(uint16_t)
    case 4:
        STORE(uint32_t)
    default:
        STORE(uint64_t)
    }
#undef STORE
}

static bool row_values(const sort_ctx *c, const char *p, char *out, char *out2, int64_t os,
                       uint64_t *scratch, int64_t *tmp, bool *oom) {
    int64_t n = c->n;
    size_t sz = c->ksz;
    if (c->keybits == 0 || n <= SORT_SMALL) return false;
    uint64_t *k = scratch, *r;
    load_keys(c->kdt, p, c->ks, n, k);
    if (c->keybits <= 32 && n <= (int64_t)UINT32_MAX) {
        uint64_t *a = scratch + n;
#define PACK(T)                                                                                    \
    for (int64_t j = 0; j < n; j++) {                                                              \
        T raw;                                                                                     \
        memcpy(&raw, p + j * c->ks, sizeof raw);                                                   \
        a[j] = k[j] << 32 | raw;                                                                   \
    }                                                                                              \
    break;
        switch (sz) {
        case 1:
            PACK(uint8_t)
        case 2:
            PACK(uint16_t)
        default:
            PACK(uint32_t)
        }
#undef PACK
        r = radix_packed(a, k, n, c->keybits);
    } else {
        int64_t *raw = (int64_t *)(scratch + 2 * n);
        for (int64_t j = 0; j < n; j++)
            memcpy(raw + j, p + j * c->ks, 8);
        r = radix_pairs(k, raw, scratch + n, tmp, n) ? (uint64_t *)raw : NULL;
    }
    if (!r) {
        *oom = true;
        return false;
    }
    store_low(sz, out, os, r, n);
    if (out2) store_low(sz, out2, os, r, n);
    return true;
}

typedef struct {
    const sort_ctx *c;
    bool failed;
} sort_job;

static void sort_rows(void *vjob, int64_t begin, int64_t end) {
    sort_job *job = vjob;
    const sort_ctx *c = job->c;
    int64_t n = c->n;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)n);
    uint64_t *scratch = malloc(sizeof(uint64_t) * 3 * (size_t)n);
    if (!idx || !scratch) {
        job->failed = true;
        goto done;
    }
    for (int64_t r = begin; r < end; r++) {
        int64_t o = r / c->inner, i = r % c->inner;
        const char *kp = c->kbase + numc_struct_offset(c->no, c->oshape, c->kost, o) +
                         numc_struct_offset(c->ni, c->ishape, c->kist, i);
        const char *vp = c->vbase + numc_struct_offset(c->no, c->oshape, c->vost, o) +
                         numc_struct_offset(c->ni, c->ishape, c->vist, i);
        int64_t ooff = o * n * c->inner + i, kos = c->inner * (int64_t)c->ksz;
        char *ko = c->kout + ooff * (int64_t)c->ksz, *vo = c->vout + ooff * (int64_t)c->vsz;
        bool oom = false;
        if (c->same && row_values(c, kp, ko, vo, kos, scratch, idx, &oom)) continue;
        if (oom || !row_perm(c, kp, idx, scratch)) {
            job->failed = true;
            goto done;
        }
        permute(c->ksz, ko, kos, kp, c->ks, idx, n);
        permute(c->vsz, vo, c->inner * (int64_t)c->vsz, vp, c->vs, idx, n);
    }
done:
    free(idx);
    free(scratch);
}

numc_status numc_cpu_sort(numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out) {
    (void)p;
    if (nin != 2 || params->n != 1)
        return numc_error_set(NUMC_ERR_VALUE, "sort: takes (keys, values) and an axis");
    const numc_array *k = in[0], *v = in[1];
    int axis = (int)params->i[0];
    if (k->size == 0) return NUMC_OK;
    sort_ctx c;
    memset(&c, 0, sizeof c);
    c.kbase = numc_array_ptr(k);
    c.vbase = numc_array_ptr(v);
    c.kout = numc_array_ptr(out[0]);
    c.vout = numc_array_ptr(out[1]);
    c.kdt = k->dtype;
    c.ksz = numc_struct_isz(k->dtype);
    c.vsz = numc_struct_isz(v->dtype);
    c.keybits = key_bits(k->dtype);
    c.same = k == v;
    int64_t kb[NUMC_MAX_DIMS], vb[NUMC_MAX_DIMS];
    numc_struct_byte_strides(k, kb);
    numc_struct_byte_strides(v, vb);
    for (int d = 0; d < k->ndim; d++) {
        if (d == axis) continue;
        bool outer = d < axis;
        int *nd = outer ? &c.no : &c.ni;
        (outer ? c.oshape : c.ishape)[*nd] = k->shape[d];
        (outer ? c.kost : c.kist)[*nd] = kb[d];
        (outer ? c.vost : c.vist)[*nd] = vb[d];
        (*nd)++;
    }
    c.n = k->shape[axis];
    c.ks = kb[axis];
    c.vs = vb[axis];
    c.inner = numc_struct_prod(c.ni, c.ishape);
    int64_t rows = numc_struct_prod(c.no, c.oshape) * c.inner;
    sort_job job = {&c, false};
    int64_t lg = 1;
    while (((int64_t)1 << lg) < c.n && lg < 62)
        lg++;
    numc_parallel_for(rows, c.n * (c.keybits ? 4 : lg), sort_rows, &job);
    if (job.failed) return numc_error_set(NUMC_ERR_MEMORY, "sort: out of memory");
    return NUMC_OK;
}
