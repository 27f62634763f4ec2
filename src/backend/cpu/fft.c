/* fft.c — the fft primitive's CPU kernel and numc's own FFT (BSD: no FFTW).
 *
 * Engine (fft-impl.h, instantiated for float and double): mixed-radix
 * Stockham passes of radix 4, 2, 3, 5 and generic odd radices, Bluestein's
 * algorithm where a large prime factor would make the direct transform slow,
 * and real transforms through a half-length complex one. Twiddles are
 * computed in long double from exact fractions k/n (quadrant-reduced, then a
 * two-level table), so each is within half an ulp of the true value.
 * Plans are cached by (length, real/complex, precision), least recently used
 * first out.
 *
 * Kernel: the transform runs axis by axis (c2r: the complex axes first, the
 * real one last; r2c: the real axis first). Lines along an axis are gathered
 * into contiguous buffers (several neighbouring lines at once when the axis
 * is strided, so the copies read whole cache lines), transformed and
 * scattered with the normalisation; lines are split over the thread pool, and
 * a single long line splits each radix pass instead. */
#include "struct-util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__AVX2__)
#define FFT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FFT_CLONES
#endif

#define FFT_MAX_FACTORS 64
#define FFT_MAX_GENERIC 127 /* largest odd radix done directly */

/* ---- twiddles in long double ---- */

#define FFT_PI_L 3.141592653589793238462643383279502884L

/* exp(-2 pi i k/n) for any k: the angle is reduced to a quadrant with exact
 * integer arithmetic, so multiples of a quarter turn are exact. */
static void fft_unit(int64_t n, int64_t k, long double *re, long double *im) {
    k %= n;
    if (k < 0) k += n;
    /* 4k = q n + r, angle = q pi/2 + pi r / (2n) */
    __int128 k4 = (__int128)k * 4;
    int q = (int)(k4 / n);
    int64_t r = (int64_t)(k4 - (__int128)q * n);
    long double x = FFT_PI_L * (long double)r / (2.0L * (long double)n);
    long double c = cosl(x), s = sinl(x), t;
    for (int j = 0; j < q; j++) { /* rotate by +90 degrees */
        t = c;
        c = -s;
        s = t;
    }
    *re = c;
    *im = -s;
}

/* W_n^k for k in [0, n) as the product of two table entries (k = a*L + b):
 * O(sqrt n) sinl/cosl per plan, each value still accurate to ~1e-19. */
typedef struct {
    int64_t n, L;
    long double *a, *b; /* (re, im) pairs */
} fft_sctab;

static bool fft_sctab_init(fft_sctab *t, int64_t n) {
    int64_t L = (int64_t)ceill(sqrtl((long double)n));
    if (L < 1) L = 1;
    int64_t nb = n / L + 1;
    t->n = n;
    t->L = L;
    t->a = malloc(sizeof(long double) * 2 * (size_t)L);
    t->b = malloc(sizeof(long double) * 2 * (size_t)nb);
    if (!t->a || !t->b) {
        free(t->a);
        free(t->b);
        return false;
    }
    for (int64_t j = 0; j < L; j++)
        fft_unit(n, j, t->a + 2 * j, t->a + 2 * j + 1);
    for (int64_t j = 0; j < nb; j++)
        fft_unit(n, j * L, t->b + 2 * j, t->b + 2 * j + 1);
    return true;
}

static void fft_sctab_free(fft_sctab *t) {
    free(t->a);
    free(t->b);
}

static inline void fft_sctab_get(const fft_sctab *t, int64_t k, long double *re, long double *im) {
    k %= t->n;
    int64_t hi = k / t->L, lo = k - hi * t->L;
    const long double *x = t->a + 2 * lo, *y = t->b + 2 * hi;
    if (hi == 0) {
        *re = x[0];
        *im = x[1];
        return;
    }
    if (lo == 0) {
        *re = y[0];
        *im = y[1];
        return;
    }
    *re = x[0] * y[0] - x[1] * y[1];
    *im = x[0] * y[1] + x[1] * y[0];
}

/* ---- lengths ---- */

/* Radix-4 passes first, then 2, 3, 5 and odd primes. (A radix-8 butterfly
 * measured slower: its 16 complex temporaries spill on x86-64.) */
static int fft_factorize(int64_t n, int *f) {
    int nf = 0;
    while (n % 4 == 0) {
        f[nf++] = 4;
        n /= 4;
    }
    if (n % 2 == 0) {
        f[nf++] = 2;
        n /= 2;
    }
    for (int64_t p = 3; p * p <= n; p += 2)
        while (n % p == 0) {
            f[nf++] = (int)p;
            n /= p;
        }
    if (n > 1) f[nf++] = (int)n;
    return nf;
}

static int64_t fft_largest_factor(int64_t n) {
    int64_t big = 1;
    while (n % 2 == 0) {
        big = 2;
        n /= 2;
    }
    for (int64_t p = 3; p * p <= n; p += 2)
        while (n % p == 0) {
            big = p;
            n /= p;
        }
    return n > 1 ? n : big;
}

/* The smallest 2^a 3^b 5^c >= n. */
static int64_t fft_good_size(int64_t n) {
    if (n <= 6) return n;
    int64_t best = 2 * n;
    for (int64_t f5 = 1; f5 < best; f5 *= 5)
        for (int64_t f35 = f5; f35 < best; f35 *= 3) {
            int64_t x = f35;
            while (x < n)
                x *= 2;
            if (x < best) best = x;
        }
    return best;
}

/* An operation count of the direct transform: each prime factor p costs
 * about p per element (generic radices a little more). */
static double fft_cost(int64_t n) {
    double c = 0;
    int64_t m = n;
    for (int64_t p = 2; p * p <= m; p += p == 2 ? 1 : 2)
        while (m % p == 0) {
            c += p <= 5 ? (double)p : 1.1 * (double)p;
            m /= p;
        }
    if (m > 1) c += m <= 5 ? (double)m : 1.1 * (double)m;
    return c * (double)n;
}

static bool fft_use_bluestein(int64_t n) {
    if (n < 50) return fft_largest_factor(n) > FFT_MAX_GENERIC;
    if (fft_largest_factor(n) > FFT_MAX_GENERIC) return true;
    /* Bluestein rounds more (two transforms of ~2n, the chirps): it must
     * win clearly */
    int64_t m = fft_good_size(2 * n - 1);
    return 2.0 * fft_cost(m) * 2.0 < fft_cost(n);
}

/* ---- the engine, once per precision ---- */

typedef struct {
    float r, i;
} fft_cf;
typedef struct {
    double r, i;
} fft_cd;

/* ---- one axis ---- */

enum { FFT_C2C = 0, FFT_R2C = 1, FFT_C2R = 2 };

typedef struct {
    int mode, fwd;
    int64_t n, lin, lout; /* transform length; elements read / written per line */
    const char *src;
    char *dst;
    int64_t ss, ds; /* byte strides along the axis */
    int no;         /* the other dims */
    int64_t oshape[NUMC_MAX_DIMS], sst[NUMC_MAX_DIMS], dst_st[NUMC_MAX_DIMS];
    int64_t nlines, group;
    double scale;
    const void *plan;
    int64_t scratch; /* complex elements the plan needs */
    bool failed;
} fft_stage;

#define R float
#define C fft_cf
#define FN(x) x##_f
#include "fft-impl.h"

#define R double
#define C fft_cd
#define FN(x) x##_d
#include "fft-impl.h"

/* ---- the plan cache ---- */

#define FFT_CACHE 16

typedef struct {
    int64_t n;
    int real, dbl;
    void *plan;
    int refs;
    uint64_t stamp;
} fft_entry;

static fft_entry fft_cache[FFT_CACHE];
static uint64_t fft_clock;
static pthread_mutex_t fft_lock = PTHREAD_MUTEX_INITIALIZER;

static void *fft_plan_new(int64_t n, int real, int dbl) {
    if (real) return dbl ? (void *)rplan_new_d(n) : (void *)rplan_new_f(n);
    return dbl ? (void *)cplan_new_d(n) : (void *)cplan_new_f(n);
}

static void fft_plan_free(void *p, int real, int dbl) {
    if (real) {
        if (dbl)
            rplan_free_d(p);
        else
            rplan_free_f(p);
    } else if (dbl) {
        cplan_free_d(p);
    } else {
        cplan_free_f(p);
    }
}

/* A plan, and whether it is cached (*slot >= 0) or the caller's to free. */
static void *fft_plan_get(int64_t n, int real, int dbl, int *slot) {
    pthread_mutex_lock(&fft_lock);
    for (int s = 0; s < FFT_CACHE; s++) {
        fft_entry *e = &fft_cache[s];
        if (e->plan && e->n == n && e->real == real && e->dbl == dbl) {
            e->refs++;
            e->stamp = ++fft_clock;
            *slot = s;
            pthread_mutex_unlock(&fft_lock);
            return e->plan;
        }
    }
    pthread_mutex_unlock(&fft_lock);
    void *p = fft_plan_new(n, real, dbl);
    *slot = -1;
    if (!p) return NULL;
    pthread_mutex_lock(&fft_lock);
    int victim = -1;
    for (int s = 0; s < FFT_CACHE; s++) {
        fft_entry *e = &fft_cache[s];
        if (!e->plan) {
            victim = s;
            break;
        }
        if (e->refs == 0 && (victim < 0 || e->stamp < fft_cache[victim].stamp)) victim = s;
    }
    if (victim >= 0) {
        fft_entry *e = &fft_cache[victim];
        if (e->plan) fft_plan_free(e->plan, e->real, e->dbl);
        *e = (fft_entry){n, real, dbl, p, 1, ++fft_clock};
        *slot = victim;
    }
    pthread_mutex_unlock(&fft_lock);
    return p;
}

static void fft_plan_put(void *p, int real, int dbl, int slot) {
    if (slot < 0) {
        fft_plan_free(p, real, dbl);
        return;
    }
    pthread_mutex_lock(&fft_lock);
    fft_cache[slot].refs--;
    pthread_mutex_unlock(&fft_lock);
}

static numc_status fft_run_stage(fft_stage *st, bool dbl, int64_t esz_in, int64_t esz_out) {
    /* neighbouring lines travel together when the axis is strided */
    bool contig = st->ss == esz_in && st->ds == esz_out;
    st->group = contig ? 1 : 8;
    int64_t ngroups = (st->nlines + st->group - 1) / st->group;
    int64_t logn = 1;
    for (int64_t m = st->n; m > 1; m >>= 1)
        logn++;
    int64_t cost = st->group * st->n * logn * 4;
    numc_parallel_for(ngroups, cost, dbl ? fft_lines_d : fft_lines_f, st);
    return st->failed ? numc_error_set(NUMC_ERR_MEMORY, "fft: out of memory") : NUMC_OK;
}

/* Sets the other-dims geometry of a stage along axis ax of shape. */
static void fft_stage_geom(fft_stage *st, int ndim, const int64_t *shape, const int64_t *sbytes,
                           const int64_t *dbytes, int ax) {
    st->no = 0;
    st->nlines = 1;
    for (int d = 0; d < ndim; d++) {
        if (d == ax) continue;
        st->oshape[st->no] = shape[d];
        st->sst[st->no] = sbytes[d];
        st->dst_st[st->no] = dbytes[d];
        st->no++;
        st->nlines *= shape[d];
    }
    st->ss = sbytes[ax];
    st->ds = dbytes[ax];
}

numc_status numc_cpu_fft(numc_prim p, int nin, const numc_array *const *in, const numc_params *pr,
                         numc_array *const *out) {
    (void)p;
    (void)nin;
    const numc_array *x = in[0];
    numc_array *y = out[0];
    int kind = (int)pr->i[0], inv = (int)pr->i[1], norm = (int)pr->i[2], na = (int)pr->i[3];
    const int64_t *axes = pr->i + 4, *lens = pr->i + 4 + na;
    if (y->size == 0) return NUMC_OK;
    bool dbl = y->dtype == NUMC_FLOAT64 || y->dtype == NUMC_COMPLEX128;
    int64_t rsz = dbl ? 8 : 4, csz = 2 * rsz;
    long double total = 1;
    for (int k = 0; k < na; k++)
        total *= (long double)lens[k];
    double scale = norm == 0   ? 1.0
                   : norm == 1 ? (double)(1.0L / sqrtl(total))
                               : (double)(1.0L / total);
    int nd = x->ndim;
    int64_t xb[NUMC_MAX_DIMS], yb[NUMC_MAX_DIMS], tb[NUMC_MAX_DIMS];
    numc_struct_byte_strides(x, xb);
    numc_struct_contig_bytes(nd, y->shape, (size_t)(kind == FFT_C2R ? rsz : csz), yb);
    char *yp = numc_array_ptr(y);
    const char *xp = numc_array_ptr(x);
    numc_status status = NUMC_OK;
    char *tmp = NULL;

    /* the complex axes, in order; for r2c they follow the real axis */
    int first = kind == FFT_R2C ? na - 1 : 0, nc = kind == FFT_C2C ? na : na - 1;
    const char *src = xp;
    const int64_t *sb = xb;
    char *cdst = yp;
    const int64_t *cshape = y->shape, *cb = yb;
    if (kind == FFT_R2C) {
        fft_stage st = {.mode = FFT_R2C,
                        .fwd = 1,
                        .n = lens[na - 1],
                        .lin = lens[na - 1],
                        .lout = lens[na - 1] / 2 + 1,
                        .src = xp,
                        .dst = yp,
                        .scale = nc == 0 ? scale : 1.0};
        fft_stage_geom(&st, nd, x->shape, xb, yb, (int)axes[na - 1]);
        int slot;
        st.plan = fft_plan_get(st.n, 1, dbl, &slot);
        if (!st.plan) return numc_error_set(NUMC_ERR_MEMORY, "fft: out of memory");
        st.scratch = dbl ? rplan_scratch_d(st.plan) : rplan_scratch_f(st.plan);
        status = fft_run_stage(&st, dbl, rsz, csz);
        fft_plan_put((void *)st.plan, 1, dbl, slot);
        if (status) return status;
        src = yp;
        sb = yb;
        first = 0;
    } else if (kind == FFT_C2R && nc > 0) {
        int64_t cnt = x->size;
        tmp = malloc((size_t)(cnt * csz));
        if (!tmp) return numc_error_set(NUMC_ERR_MEMORY, "fft: out of memory");
        numc_struct_contig_bytes(nd, x->shape, (size_t)csz, tb);
        cdst = tmp;
        cshape = x->shape;
        cb = tb;
    }
    for (int k = first; k < first + nc && !status; k++) {
        fft_stage st = {.mode = FFT_C2C,
                        .fwd = !inv,
                        .n = lens[k],
                        .lin = lens[k],
                        .lout = lens[k],
                        .src = src,
                        .dst = cdst,
                        .scale = (kind != FFT_C2R && k == first + nc - 1) ? scale : 1.0};
        fft_stage_geom(&st, nd, cshape, sb, cb, (int)axes[k]);
        int slot;
        st.plan = fft_plan_get(st.n, 0, dbl, &slot);
        if (!st.plan) {
            status = numc_error_set(NUMC_ERR_MEMORY, "fft: out of memory");
            break;
        }
        st.scratch = dbl ? cplan_scratch_d(st.plan) : cplan_scratch_f(st.plan);
        status = fft_run_stage(&st, dbl, csz, csz);
        fft_plan_put((void *)st.plan, 0, dbl, slot);
        src = cdst;
        sb = cb;
    }
    if (!status && kind == FFT_C2R) {
        int64_t n = lens[na - 1];
        fft_stage st = {.mode = FFT_C2R,
                        .fwd = 0,
                        .n = n,
                        .lin = n / 2 + 1,
                        .lout = n,
                        .src = src,
                        .dst = yp,
                        .scale = scale};
        fft_stage_geom(&st, nd, x->shape, sb, yb, (int)axes[na - 1]);
        int slot;
        st.plan = fft_plan_get(n, 1, dbl, &slot);
        if (!st.plan) {
            status = numc_error_set(NUMC_ERR_MEMORY, "fft: out of memory");
        } else {
            st.scratch = dbl ? rplan_scratch_d(st.plan) : rplan_scratch_f(st.plan);
            status = fft_run_stage(&st, dbl, csz, rsz);
            fft_plan_put((void *)st.plan, 1, dbl, slot);
        }
    }
    free(tmp);
    return status;
}
