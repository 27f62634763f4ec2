/* random-dist.c — NumPy's continuous and discrete distributions on numc's bit
 * generators: the ziggurat tables (computed at first use by the recipe NumPy's
 * tables come from), Generator's samplers (ziggurat normal and exponential,
 * Marsaglia-Tsang gamma, PTRS Poisson, BTPE binomial, ...), RandomState's
 * legacy variants (polar Box-Muller gaussians, -log(1-u) exponentials), the
 * parameter checks with NumPy's messages and the broadcasting of parameters
 * against size=. Which algorithm runs follows the generator: MT19937 is
 * RandomState, PCG64 is Generator. */
#include "bitgen-impl.h"
#include "np-impl.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* ziggurat tables                                                          */

/* 256 layers of equal area under exp(-x^2/2) (normal) and exp(-x) (exponential).
 * The outermost edge r and the layer area v are NumPy's; the inner edges come
 * from x[i-1] = f^-1(f(x[i]) + v / x[i]) downwards from x[255] = r, x[0] = 0.
 * k[i] is the fast-acceptance bound x[i-1] / x[i] in units of the draw's
 * integer scale, w[i] = x[i] / scale and f[i] = f(x[i]); layer 0 is the base
 * strip with its tail (w[0] = v / f(r)).
 *
 * Same numbers as NumPy need NumPy's edges bit for bit. NumPy generated its
 * normal edges in double and its exponential edges in extended precision, on
 * a platform whose exp/log round differently from glibc in a few places; the
 * recurrence (double, resp. long double, here) gives all other edges exactly,
 * and the few that differ are listed below as measured from NumPy's output
 * (tests/python/test_random.py checks every layer's draws against NumPy). */
#define ZIG_NOR_R 3.6541528853610087963519472518
#define ZIG_NOR_INV_R 0.27366123732975827203338247596
#define ZIG_NOR_V 0.0049286732339746519
#define ZIG_EXP_R 7.6971174701310497140446280481
#define ZIG_EXP_RL 7.6971174701310497140446280481L
#define ZIG_EXP_VL 0.0039496598225815571993L

typedef struct {
    int i;
    double x;
} zig_edge;

static const zig_edge zig_nor_measured[] = {
    {1, 0x1.b8d0be3fdf6c6p-3},  {2, 0x1.250af3c2c5bb4p-2},  {3, 0x1.57cb938443b61p-2},
    {4, 0x1.801fce82fa70cp-2},  {5, 0x1.a230c2e4cd0bcp-2},  {6, 0x1.c004d2f3861f7p-2},
    {7, 0x1.dac2f5a747274p-2},  {8, 0x1.f32482d4cd5c3p-2},  {9, 0x1.04d32278ebbadp-1},
    {10, 0x1.0f5053b025d43p-1}, {11, 0x1.192a697413677p-1}, {12, 0x1.227a28f7a1af5p-1},
    {13, 0x1.2b52e3863d880p-1}, {14, 0x1.33c3fc05791f5p-1}, {15, 0x1.3bd9ec1a2b12fp-1},
    {16, 0x1.439ef8dff9b55p-1}, {17, 0x1.4b1bb363dfea7p-1}, {18, 0x1.52575621ad374p-1},
    {19, 0x1.59580a707ce96p-1}, {20, 0x1.60231cfd97eeap-1}, {21, 0x1.66bd261a37c3dp-1},
    {22, 0x1.6d2a292000570p-1}, {23, 0x1.736dad346f8a6p-1}, {24, 0x1.798ad10b32a77p-1},
    {25, 0x1.7f845ad46f543p-1}, {26, 0x1.855cc53430a77p-1}, {27, 0x1.8b1649e7b769ap-1},
    {28, 0x1.90b2ea94ecf98p-1}, {29, 0x1.96347822c1eeap-1}, {30, 0x1.9b9c98e38c546p-1},
    {31, 0x1.a0eccdca4a72cp-1}, {32, 0x1.a62676d77cd59p-1}, {33, 0x1.ab4ad6e101630p-1},
    {34, 0x1.b05b16d136c9cp-1}, {35, 0x1.b558487427a29p-1}, {36, 0x1.ba4368e529f3ap-1},
    {37, 0x1.bf1d62abf8232p-1},
};

static const zig_edge zig_exp_measured[] = {
    {1, 0x1.0589d8b5d4119p-4},   {2, 0x1.ad6b2495b4d2bp-4},   {3, 0x1.19335a95b8dbap-3},
    {4, 0x1.522e6e54a2a73p-3},   {5, 0x1.85090fbc27a80p-3},   {6, 0x1.b38d1ef79b7ccp-3},
    {7, 0x1.decd8b76dbd98p-3},   {9, 0x1.170db24d6f670p-2},   {12, 0x1.4c515c60bfe21p-2},
    {13, 0x1.5cdf89d024ac3p-2},  {14, 0x1.6cf40f0a72bbdp-2},  {15, 0x1.7c9cdda17d019p-2},
    {18, 0x1.a97c8be5d5203p-2},  {20, 0x1.c5f7bd78c3f89p-2},  {30, 0x1.247d26538ff2ep-1},
    {32, 0x1.30c9aa526da4bp-1},  {33, 0x1.36dd2e26d8202p-1},  {34, 0x1.3ce53d12162a0p-1},
    {35, 0x1.42e28ca706748p-1},  {37, 0x1.4ebf86bcd0b93p-1},  {49, 0x1.93853bdfda244p-1},
    {50, 0x1.991de42ad1338p-1},  {52, 0x1.a4442be14884ap-1},  {55, 0x1.b4e5f794c979bp-1},
    {56, 0x1.ba6beb33f8f89p-1},  {66, 0x1.f14c6e202949fp-1},  {91, 0x1.3d8ddc08d336dp+0},
    {141, 0x1.d6c43ed1ea3fep+0}, {144, 0x1.e1337b426509bp+0}, {179, 0x1.37211f88ca856p+1},
};

typedef struct {
    uint64_t k[256];
    double w[256], f[256];
} zig_table;

typedef struct {
    uint32_t k[256];
    float w[256], f[256];
} zig_table_f;

static zig_table zig_nor, zig_exp;
static zig_table_f zig_nor_f, zig_exp_f;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static double pdf_nor(double x) {
    return exp(-0.5 * x * x);
}
static double pdf_exp(double x) {
    return exp(-x);
}

/* the tables from the edges x[] and the base strip's width w0 */
static void zig_fill(zig_table *t, zig_table_f *tf, const double *x, double w0,
                     double (*pdf)(double), double base0, double scale, double scale_f) {
    t->k[0] = (uint64_t)nearbyint(base0 * scale);
    tf->k[0] = (uint32_t)nearbyint(base0 * scale_f);
    for (int i = 1; i < 256; i++) {
        t->k[i] = (uint64_t)nearbyint(x[i - 1] / x[i] * scale);
        tf->k[i] = (uint32_t)nearbyint(x[i - 1] / x[i] * scale_f);
    }
    for (int i = 0; i < 256; i++) {
        double w = i == 0 ? w0 : x[i];
        t->w[i] = w / scale;
        tf->w[i] = (float)(w / scale_f);
        t->f[i] = pdf(x[i]);
        tf->f[i] = (float)pdf(x[i]);
    }
}

static void zig_init(void) {
    double x[256];
    /* normal: the recurrence in double */
    x[255] = ZIG_NOR_R;
    for (int i = 254; i >= 1; i--)
        x[i] = sqrt(-2.0 * log(pdf_nor(x[i + 1]) + ZIG_NOR_V / x[i + 1]));
    x[0] = 0.0;
    for (size_t j = 0; j < sizeof zig_nor_measured / sizeof *zig_nor_measured; j++)
        x[zig_nor_measured[j].i] = zig_nor_measured[j].x;
    double fr = pdf_nor(ZIG_NOR_R);
    zig_fill(&zig_nor, &zig_nor_f, x, ZIG_NOR_V / fr, pdf_nor, ZIG_NOR_R * fr / ZIG_NOR_V, 0x1p52,
             0x1p23);
    /* exponential: the recurrence in long double */
    long double xl[256];
    xl[255] = ZIG_EXP_RL;
    for (int i = 254; i >= 1; i--)
        xl[i] = -logl(expl(-xl[i + 1]) + ZIG_EXP_VL / xl[i + 1]);
    xl[0] = 0.0L;
    for (int i = 0; i < 256; i++)
        x[i] = (double)xl[i];
    for (size_t j = 0; j < sizeof zig_exp_measured / sizeof *zig_exp_measured; j++)
        x[zig_exp_measured[j].i] = zig_exp_measured[j].x;
    long double er = expl(-ZIG_EXP_RL);
    zig_fill(&zig_exp, &zig_exp_f, x, (double)(ZIG_EXP_VL / er), pdf_exp,
             (double)(ZIG_EXP_RL * er / ZIG_EXP_VL), 0x1p53, 0x1p23);
    /* the float widths round the extended edges once (no double rounding) */
    for (int i = 1; i < 256; i++)
        if ((double)xl[i] == x[i]) zig_exp_f.w[i] = (float)(xl[i] / 0x1p23L);
}

/* ------------------------------------------------------------------------ */
/* the basic draws                                                          */

static double next_double(numc_bitgen *g) {
    return np_bg_next_double(g);
}

static float next_float(numc_bitgen *g) {
    return (float)(np_bg_next32(g) >> 8) * (1.0f / 16777216.0f);
}

/* Generator.standard_normal: the ziggurat on one 64-bit word (8 bits layer,
 * 1 bit sign, 52 bits magnitude) */
static double zig_normal(numc_bitgen *g) {
    for (;;) {
        uint64_t r = np_bg_next64(g);
        int idx = (int)(r & 0xff);
        r >>= 8;
        uint64_t rabs = (r >> 1) & 0x000fffffffffffffull;
        double x = (double)rabs * zig_nor.w[idx];
        if (r & 1) x = -x;
        if (rabs < zig_nor.k[idx]) return x;
        if (idx == 0) {
            for (;;) { /* the tail beyond r, by Marsaglia's exponential method */
                double xx = -ZIG_NOR_INV_R * log1p(-next_double(g));
                double yy = -log1p(-next_double(g));
                if (yy + yy > xx * xx) return (rabs >> 8) & 1 ? -(ZIG_NOR_R + xx) : ZIG_NOR_R + xx;
            }
        }
        if ((zig_nor.f[idx - 1] - zig_nor.f[idx]) * next_double(g) + zig_nor.f[idx] <
            exp(-0.5 * x * x))
            return x;
    }
}

static float zig_normal_f(numc_bitgen *g) {
    for (;;) {
        uint32_t r = np_bg_next32(g);
        int idx = (int)(r & 0xff);
        uint32_t sign = (r >> 8) & 1, rabs = (r >> 9) & 0x007fffffu;
        float x = (float)rabs * zig_nor_f.w[idx];
        if (sign) x = -x;
        if (rabs < zig_nor_f.k[idx]) return x;
        if (idx == 0) {
            for (;;) {
                float xx = -(float)ZIG_NOR_INV_R * log1pf(-next_float(g));
                float yy = -log1pf(-next_float(g));
                if (yy + yy > xx * xx)
                    return (rabs >> 8) & 1 ? -((float)ZIG_NOR_R + xx) : (float)ZIG_NOR_R + xx;
            }
        }
        if ((zig_nor_f.f[idx - 1] - zig_nor_f.f[idx]) * next_float(g) + zig_nor_f.f[idx] <
            expf(-0.5f * x * x))
            return x;
    }
}

/* Generator.standard_exponential: the ziggurat on 53 bits (8 layer, 53 magnitude) */
static double zig_exponential(numc_bitgen *g) {
    for (;;) {
        uint64_t ri = np_bg_next64(g) >> 3;
        int idx = (int)(ri & 0xff);
        ri >>= 8;
        double x = (double)ri * zig_exp.w[idx];
        if (ri < zig_exp.k[idx]) return x;
        if (idx == 0) return ZIG_EXP_R - log1p(-next_double(g));
        if ((zig_exp.f[idx - 1] - zig_exp.f[idx]) * next_double(g) + zig_exp.f[idx] < exp(-x))
            return x;
    }
}

static float zig_exponential_f(numc_bitgen *g) {
    for (;;) {
        uint32_t ri = np_bg_next32(g) >> 1;
        int idx = (int)(ri & 0xff);
        ri >>= 8;
        float x = (float)ri * zig_exp_f.w[idx];
        if (ri < zig_exp_f.k[idx]) return x;
        if (idx == 0) return (float)ZIG_EXP_R - log1pf(-next_float(g));
        if ((zig_exp_f.f[idx - 1] - zig_exp_f.f[idx]) * next_float(g) + zig_exp_f.f[idx] < expf(-x))
            return x;
    }
}

/* RandomState's gaussian: polar Box-Muller, the second value of each pair
 * cached in the generator */
static double legacy_gauss(numc_bitgen *g) {
    if (g->has_gauss) {
        g->has_gauss = 0;
        double t = g->gauss;
        g->gauss = 0.0;
        return t;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * next_double(g) - 1.0;
        x2 = 2.0 * next_double(g) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    g->gauss = f * x1;
    g->has_gauss = 1;
    return f * x2;
}

static bool legacy(const numc_bitgen *g) {
    return g->kind == NUMC_BITGEN_MT19937;
}

static double std_normal(numc_bitgen *g) {
    return legacy(g) ? legacy_gauss(g) : zig_normal(g);
}

static double std_exponential(numc_bitgen *g) {
    return legacy(g) ? -log(1.0 - next_double(g)) : zig_exponential(g);
}

/* Marsaglia and Tsang's method (shape > 1), Johnk-like rejection below 1 */
static double std_gamma(numc_bitgen *g, double shape) {
    if (shape == 1.0) return std_exponential(g);
    if (shape == 0.0) return 0.0;
    if (shape < 1.0) {
        for (;;) {
            double u = next_double(g), v = std_exponential(g);
            if (u <= 1.0 - shape) {
                double x = pow(u, 1.0 / shape);
                if (x <= v) return x;
            } else {
                double y = -log((1.0 - u) / shape);
                double x = pow(1.0 - shape + shape * y, 1.0 / shape);
                if (x <= v + y) return x;
            }
        }
    }
    double b = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * b);
    for (;;) {
        double x, v;
        do {
            x = std_normal(g);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = next_double(g);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return b * v;
        if (log(u) < 0.5 * x * x + b * (1.0 - v + log(v))) return b * v;
    }
}

static double beta_draw(numc_bitgen *g, double a, double b) {
    if (a <= 1.0 && b <= 1.0) {
        for (;;) { /* Johnk's algorithm; U = V = 0 (about 1 in 1e106) is redrawn */
            double u = next_double(g), v = next_double(g);
            double x = pow(u, 1.0 / a), y = pow(v, 1.0 / b), xpy = x + y;
            if (xpy <= 1.0 && u + v > 0.0) {
                if (xpy > 0) return x / xpy;
                double lx = log(u) / a, ly = log(v) / b, lm = lx > ly ? lx : ly;
                lx -= lm;
                ly -= lm;
                return exp(lx - log(exp(lx) + exp(ly)));
            }
        }
    }
    double ga = std_gamma(g, a), gb = std_gamma(g, b);
    return ga / (ga + gb);
}

static double chisquare_draw(numc_bitgen *g, double df) {
    return 2.0 * std_gamma(g, df / 2.0);
}

/* log(Gamma(x)) by Stirling's series with the argument raised to 7 first:
 * the exact value the Poisson rejection test of NumPy compares against */
static double loggam(double x) {
    static const double a[10] = {8.333333333333333e-02, -2.777777777777778e-03,
                                 7.936507936507937e-04, -5.952380952380952e-04,
                                 8.417508417508418e-04, -1.917526917526918e-03,
                                 6.410256410256410e-03, -2.955065359477124e-02,
                                 1.796443723688307e-01, -1.39243221690590e+00};
    if (x == 1.0 || x == 2.0) return 0.0;
    int64_t n = x < 7.0 ? (int64_t)(7 - x) : 0;
    double x0 = x + (double)n, x2 = (1.0 / x0) * (1.0 / x0);
    double gl0 = a[9];
    for (int k = 8; k >= 0; k--) {
        gl0 *= x2;
        gl0 += a[k];
    }
    double gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * log(x0) - x0;
    if (x < 7.0)
        for (int64_t k = 1; k <= n; k++) {
            gl -= log(x0 - 1.0);
            x0 -= 1.0;
        }
    return gl;
}

/* Hörmann's transformed rejection with squeeze (PTRS) for lam >= 10,
 * multiplication of uniforms below */
static int64_t poisson_draw(numc_bitgen *g, double lam) {
    if (lam >= 10) {
        double slam = sqrt(lam), loglam = log(lam), b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        for (;;) {
            double u = next_double(g) - 0.5, v = next_double(g), us = 0.5 - fabs(u);
            int64_t k = (int64_t)floor((2 * a / us + b) * u + lam + 0.43);
            if (us >= 0.07 && v <= vr) return k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
                -lam + (double)k * loglam - loggam((double)k + 1))
                return k;
        }
    }
    if (lam == 0) return 0;
    double enlam = exp(-lam), prod = 1.0;
    int64_t x = 0;
    for (;;) {
        prod *= next_double(g);
        if (prod > enlam)
            x += 1;
        else
            return x;
    }
}

/* binomial by inversion (n p <= 30) */
static int64_t binomial_inversion(numc_bitgen *g, int64_t n, double p) {
    double q = 1.0 - p, qn = exp((double)n * log(q)), np = (double)n * p;
    double bound = fmin((double)n, np + 10.0 * sqrt(np * q + 1));
    int64_t x = 0;
    double px = qn, u = next_double(g);
    while (u > px) {
        x++;
        if ((double)x > bound) {
            x = 0;
            px = qn;
            u = next_double(g);
        } else {
            u -= px;
            px = ((double)(n - x + 1) * p * px) / ((double)x * q);
        }
    }
    return x;
}

/* Stirling-series correction terms of the BTPE acceptance test */
static double btpe_corr(double v) {
    double v2 = v * v;
    return (13680. - (462. - (132. - (99. - 140. / v2) / v2) / v2) / v2) / v / 166320.;
}

/* Kachitvichyanukul and Schmeiser's BTPE (p <= 0.5, n p > 30): a triangle,
 * two parallelograms and two exponential tails over the mode, then an exact
 * (near the mode) or squeezed (far from it) acceptance test */
static int64_t binomial_btpe(numc_bitgen *g, int64_t n, double p) {
    double r = fmin(p, 1.0 - p), q = 1.0 - r, fm = (double)n * r + r;
    int64_t m = (int64_t)floor(fm);
    double p1 = floor(2.195 * sqrt((double)n * r * q) - 4.6 * q) + 0.5;
    double xm = (double)m + 0.5, xl = xm - p1, xr = xm + p1;
    double c = 0.134 + 20.5 / (15.3 + (double)m);
    double a = (fm - xl) / (fm - xl * r), laml = a * (1.0 + a / 2.0);
    a = (xr - fm) / (xr * q);
    double lamr = a * (1.0 + a / 2.0);
    double p2 = p1 * (1.0 + 2.0 * c), p3 = p2 + c / laml, p4 = p3 + c / lamr;
    double nrq = (double)n * r * q;
    for (;;) {
        double u = next_double(g) * p4, v = next_double(g);
        int64_t y;
        if (u <= p1) { /* the triangle: accepted at once */
            return (int64_t)floor(xm - p1 * v + u);
        }
        if (u <= p2) {
            double x = xl + (u - p1) / c;
            v = v * c + 1.0 - fabs((double)m - x + 0.5) / p1;
            if (v > 1.0) continue;
            y = (int64_t)floor(x);
        } else if (u <= p3) {
            y = (int64_t)floor(xl + log(v) / laml);
            if (y < 0 || v == 0.0) continue;
            v = v * (u - p2) * laml;
        } else {
            y = (int64_t)floor(xr - log(v) / lamr);
            if (y > n || v == 0.0) continue;
            v = v * (u - p3) * lamr;
        }
        int64_t k = llabs(y - m);
        if (!(k > 20 && (double)k < nrq / 2.0 - 1)) {
            double s = r / q, aa = s * (double)(n + 1), f = 1.0;
            if (m < y)
                for (int64_t i = m + 1; i <= y; i++)
                    f *= aa / (double)i - s;
            else if (m > y)
                for (int64_t i = y + 1; i <= m; i++)
                    f /= aa / (double)i - s;
            if (v > f) continue;
            return y;
        }
        double kd = (double)k;
        double rho = (kd / nrq) * ((kd * (kd / 3.0 + 0.625) + 0.16666666666666666) / nrq + 0.5);
        double t = -kd * kd / (2 * nrq), A = log(v);
        if (A < t - rho) return y;
        if (A > t + rho) continue;
        double x1 = (double)(y + 1), f1 = (double)(m + 1), z = (double)(n + 1 - m),
               w = (double)(n - y + 1);
        if (A > xm * log(f1 / x1) + ((double)(n - m) + 0.5) * log(z / w) +
                    (double)(y - m) * log(w * r / (x1 * q)) + btpe_corr(f1) + btpe_corr(z) +
                    btpe_corr(x1) + btpe_corr(w))
            continue;
        return y;
    }
}

static int64_t binomial_draw(numc_bitgen *g, int64_t n, double p) {
    if (n == 0 || p == 0.0) return 0;
    if (p <= 0.5)
        return p * (double)n <= 30.0 ? binomial_inversion(g, n, p) : binomial_btpe(g, n, p);
    double q = 1.0 - p;
    return n - (q * (double)n <= 30.0 ? binomial_inversion(g, n, q) : binomial_btpe(g, n, q));
}

/* ------------------------------------------------------------------------ */
/* the distributions                                                        */

/* NumPy's parameter checks (numpy.random._common's constraint kinds) */
typedef enum {
    CK_NONE,
    CK_NON_NEGATIVE, /* "x < 0" (NaN passes) */
    CK_POSITIVE,     /* "x <= 0" (NaN passes) */
    CK_BOUNDED_0_1,  /* "x < 0, x > 1 or x is NaN" */
    CK_BOUNDED_GT_0_1,
    CK_POISSON, /* "x value too large", "x < 0 or x is NaN" */
} check_kind;

typedef struct {
    numc_random_dist_info info;
    check_kind check[3];
} dist_row;

#define R_ NAN
static const dist_row dist_rows[NUMC_RANDOM_DIST_COUNT] = {
    [NUMC_RANDOM_NORMAL] = {{"normal", 2, 0, {"loc", "scale"}, {0.0, 1.0}},
                            {CK_NONE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_STANDARD_NORMAL] = {{"standard_normal", 0, 0, {0}, {0}}, {0}},
    [NUMC_RANDOM_EXPONENTIAL] = {{"exponential", 1, 0, {"scale"}, {1.0}}, {CK_NON_NEGATIVE}},
    [NUMC_RANDOM_STANDARD_EXPONENTIAL] = {{"standard_exponential", 0, 0, {0}, {0}}, {0}},
    [NUMC_RANDOM_STANDARD_GAMMA] = {{"standard_gamma", 1, 0, {"shape"}, {R_}}, {CK_NON_NEGATIVE}},
    [NUMC_RANDOM_GAMMA] = {{"gamma", 2, 0, {"shape", "scale"}, {R_, 1.0}},
                           {CK_NON_NEGATIVE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_BETA] = {{"beta", 2, 0, {"a", "b"}, {R_, R_}}, {CK_POSITIVE, CK_POSITIVE}},
    [NUMC_RANDOM_CHISQUARE] = {{"chisquare", 1, 0, {"df"}, {R_}}, {CK_POSITIVE}},
    [NUMC_RANDOM_F] = {{"f", 2, 0, {"dfnum", "dfden"}, {R_, R_}}, {CK_POSITIVE, CK_POSITIVE}},
    [NUMC_RANDOM_STANDARD_CAUCHY] = {{"standard_cauchy", 0, 0, {0}, {0}}, {0}},
    [NUMC_RANDOM_STANDARD_T] = {{"standard_t", 1, 0, {"df"}, {R_}}, {CK_POSITIVE}},
    [NUMC_RANDOM_LOGNORMAL] = {{"lognormal", 2, 0, {"mean", "sigma"}, {0.0, 1.0}},
                               {CK_NONE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_LAPLACE] = {{"laplace", 2, 0, {"loc", "scale"}, {0.0, 1.0}},
                             {CK_NONE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_GUMBEL] = {{"gumbel", 2, 0, {"loc", "scale"}, {0.0, 1.0}},
                            {CK_NONE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_LOGISTIC] = {{"logistic", 2, 0, {"loc", "scale"}, {0.0, 1.0}},
                              {CK_NONE, CK_NON_NEGATIVE}},
    [NUMC_RANDOM_RAYLEIGH] = {{"rayleigh", 1, 0, {"scale"}, {1.0}}, {CK_NON_NEGATIVE}},
    [NUMC_RANDOM_WEIBULL] = {{"weibull", 1, 0, {"a"}, {R_}}, {CK_NON_NEGATIVE}},
    [NUMC_RANDOM_PARETO] = {{"pareto", 1, 0, {"a"}, {R_}}, {CK_POSITIVE}},
    [NUMC_RANDOM_POWER] = {{"power", 1, 0, {"a"}, {R_}}, {CK_POSITIVE}},
    [NUMC_RANDOM_WALD] = {{"wald", 2, 0, {"mean", "scale"}, {R_, R_}}, {CK_POSITIVE, CK_POSITIVE}},
    [NUMC_RANDOM_TRIANGULAR] = {{"triangular", 3, 0, {"left", "mode", "right"}, {R_, R_, R_}}, {0}},
    [NUMC_RANDOM_POISSON] = {{"poisson", 1, 1, {"lam"}, {1.0}}, {CK_POISSON}},
    [NUMC_RANDOM_GEOMETRIC] = {{"geometric", 1, 1, {"p"}, {R_}}, {CK_BOUNDED_GT_0_1}},
    [NUMC_RANDOM_BINOMIAL] = {{"binomial", 2, 1, {"n", "p"}, {R_, R_}},
                              {CK_NON_NEGATIVE, CK_BOUNDED_0_1}},
};
#undef R_

const numc_random_dist_info *numc_random_dist_params(numc_random_dist d) {
    return d >= 0 && d < NUMC_RANDOM_DIST_COUNT ? &dist_rows[d].info : NULL;
}

static double sample(numc_bitgen *g, numc_random_dist d, const double *p) {
    bool leg = legacy(g);
    switch (d) {
    case NUMC_RANDOM_NORMAL:
        return p[0] + p[1] * std_normal(g);
    case NUMC_RANDOM_STANDARD_NORMAL:
        return std_normal(g);
    case NUMC_RANDOM_EXPONENTIAL:
        return p[0] * std_exponential(g);
    case NUMC_RANDOM_STANDARD_EXPONENTIAL:
        return std_exponential(g);
    case NUMC_RANDOM_STANDARD_GAMMA:
        return std_gamma(g, p[0]);
    case NUMC_RANDOM_GAMMA:
        return p[1] * std_gamma(g, p[0]);
    case NUMC_RANDOM_BETA:
        return beta_draw(g, p[0], p[1]);
    case NUMC_RANDOM_CHISQUARE:
        return chisquare_draw(g, p[0]);
    case NUMC_RANDOM_F:
        return (chisquare_draw(g, p[0]) * p[1]) / (chisquare_draw(g, p[1]) * p[0]);
    case NUMC_RANDOM_STANDARD_CAUCHY: {
        double num = std_normal(g);
        return num / std_normal(g);
    }
    case NUMC_RANDOM_STANDARD_T: {
        double num = std_normal(g), den = std_gamma(g, p[0] / 2);
        return sqrt(p[0] / 2) * num / sqrt(den);
    }
    case NUMC_RANDOM_LOGNORMAL:
        return exp(p[0] + p[1] * std_normal(g));
    case NUMC_RANDOM_LAPLACE:
        for (;;) { /* u = 0 is redrawn */
            double u = next_double(g);
            if (u >= 0.5) return p[0] - p[1] * log(2.0 - u - u);
            if (u > 0.0) return p[0] + p[1] * log(u + u);
        }
    case NUMC_RANDOM_GUMBEL:
        for (;;) {
            double u = 1.0 - next_double(g);
            if (u < 1.0) return p[0] - p[1] * log(-log(u));
        }
    case NUMC_RANDOM_LOGISTIC:
        for (;;) {
            double u = next_double(g);
            if (u > 0.0) return p[0] + p[1] * log(u / (1.0 - u));
        }
    case NUMC_RANDOM_RAYLEIGH: /* RandomState's own rounding: -2 log1p(-u) */
        return leg ? p[0] * sqrt(-2.0 * log1p(-next_double(g)))
                   : p[0] * sqrt(2.0 * zig_exponential(g));
    case NUMC_RANDOM_WEIBULL:
        return p[0] == 0.0 ? 0.0 : pow(std_exponential(g), 1.0 / p[0]);
    case NUMC_RANDOM_PARETO:
        return leg ? exp(std_exponential(g) / p[0]) - 1 : expm1(std_exponential(g) / p[0]);
    case NUMC_RANDOM_POWER:
        return leg ? pow(1 - exp(-std_exponential(g)), 1.0 / p[0])
                   : pow(-expm1(-std_exponential(g)), 1.0 / p[0]);
    case NUMC_RANDOM_WALD: {
        double mean = p[0], scale = p[1], mu_2l = mean / (2 * scale);
        double y = std_normal(g);
        y = mean * y * y;
        double x = mean + mu_2l * (y - sqrt(4 * scale * y + y * y));
        double u = next_double(g);
        return u <= mean / (mean + x) ? x : mean * mean / x;
    }
    case NUMC_RANDOM_TRIANGULAR: {
        double left = p[0], mode = p[1], right = p[2], base = right - left;
        double leftbase = mode - left, ratio = leftbase / base;
        double leftprod = leftbase * base, rightprod = (right - mode) * base;
        double u = next_double(g);
        return u <= ratio ? left + sqrt(u * leftprod) : right - sqrt((1.0 - u) * rightprod);
    }
    default:
        return 0.0;
    }
}

static int64_t sample_int(numc_bitgen *g, numc_random_dist d, const double *p) {
    switch (d) {
    case NUMC_RANDOM_POISSON:
        return poisson_draw(g, p[0]);
    case NUMC_RANDOM_GEOMETRIC: {
        double q = p[0];
        if (q >= 0.333333333333333333333333) { /* search */
            int64_t x = 1;
            double sum = q, prod = q, u = next_double(g);
            while (u > sum) {
                prod *= 1.0 - q;
                sum += prod;
                x++;
            }
            return x;
        }
        double z = legacy(g) ? ceil(log(1.0 - next_double(g)) / log(1.0 - q))
                             : ceil(-zig_exponential(g) / log1p(-q));
        return z >= 9.223372036854776e+18 ? INT64_MAX : (int64_t)z;
    }
    case NUMC_RANDOM_BINOMIAL:
        return binomial_draw(g, (int64_t)p[0], p[1]);
    default:
        return 0;
    }
}

/* ---- checks ---- */

static numc_status check_values(const char *name, check_kind k, const double *v, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        switch (k) {
        case CK_NON_NEGATIVE:
            if (!isnan(x) && signbit(x)) return numc_error_set(NUMC_ERR_VALUE, "%s < 0", name);
            break;
        case CK_POSITIVE:
            if (x <= 0) return numc_error_set(NUMC_ERR_VALUE, "%s <= 0", name);
            break;
        case CK_BOUNDED_0_1:
            if (!(x >= 0 && x <= 1))
                return numc_error_set(NUMC_ERR_VALUE, "%s < 0, %s > 1 or %s is NaN", name, name,
                                      name);
            break;
        case CK_BOUNDED_GT_0_1:
            if (!(x > 0 && x <= 1))
                return numc_error_set(NUMC_ERR_VALUE, "%s <= 0, %s > 1 or %s contains NaNs", name,
                                      name, name);
            break;
        default:
            break;
        }
    }
    if (k == CK_POISSON) { /* every value is checked against the bound first */
        const double lam_max = 9.223372036854776e18 - sqrt(9.223372036854776e18) * 10;
        for (int64_t i = 0; i < n; i++)
            if (!(v[i] <= lam_max) && !isnan(v[i]))
                return numc_error_set(NUMC_ERR_VALUE, "%s value too large", name);
        for (int64_t i = 0; i < n; i++)
            if (!(v[i] >= 0.0))
                return numc_error_set(NUMC_ERR_VALUE, "%s < 0 or %s is NaN", name, name);
    }
    return NUMC_OK;
}

/* triangular's relations between its parameters, over the broadcast */
static numc_status check_triangular(double *const *pv, const int64_t *step, int64_t n) {
    static const char *msg[3] = {"left > mode", "mode > right", "left == right"};
    for (int c = 0; c < 3; c++)
        for (int64_t i = 0; i < n; i++) {
            double l = pv[0][i * step[0]], m = pv[1][i * step[1]], r = pv[2][i * step[2]];
            if ((c == 0 && l > m) || (c == 1 && m > r) || (c == 2 && l == r))
                return numc_error_set(NUMC_ERR_VALUE, "%s", msg[c]);
        }
    return NUMC_OK;
}

/* ---- the driver ---- */

numc_array *numc_random_draw(numc_bitgen *g, numc_random_dist d, const numc_array *const *params,
                             bool sized, int ndim, const int64_t *shape) {
    if (d < 0 || d >= NUMC_RANDOM_DIST_COUNT) {
        numc_error_set(NUMC_ERR_VALUE, "numc_random_draw: unknown distribution %d", (int)d);
        return NULL;
    }
    pthread_once(&zig_once, zig_init);
    const dist_row *row = &dist_rows[d];
    int np = row->info.nparams;
    for (int j = 0; j < np; j++)
        if (!params[j]) {
            numc_error_set(NUMC_ERR_VALUE, "%s: parameter %s missing", row->info.name,
                           row->info.param[j]);
            return NULL;
        }
    /* the result's shape: size=, else the parameters' broadcast */
    int ond = 0;
    int64_t oshape[NUMC_MAX_DIMS];
    numc_array *bc[3] = {0};
    double *pv[3] = {0};
    int64_t step[3] = {0};
    numc_array *out = NULL;
    if (sized) {
        ond = ndim;
        memcpy(oshape, shape, sizeof(int64_t) * (size_t)ndim);
    } else if (np > 0) {
        numc_array *tmp[3] = {0};
        if (numc_broadcast_arrays(np, params, tmp) != NUMC_OK) return NULL;
        ond = numc_array_ndim(tmp[0]);
        memcpy(oshape, numc_array_shape(tmp[0]), sizeof(int64_t) * (size_t)ond);
        np_release_n(tmp, np);
    }
    int64_t n;
    if (numc_shape_size(row->info.name, ond, oshape, &n) != NUMC_OK) return NULL;
    /* each parameter as float64 host values: one value (stride 0) when 0-d */
    for (int j = 0; j < np; j++) {
        numc_array *f = numc_astype(params[j], NUMC_FLOAT64);
        if (!f) goto fail;
        if (numc_array_ndim(f) == 0) {
            bc[j] = f;
            step[j] = 0;
        } else {
            bc[j] = numc_broadcast_to(f, ond, oshape);
            numc_array_release(f);
            if (!bc[j]) goto fail;
            step[j] = 1;
        }
        int64_t cnt = step[j] ? n : 1;
        pv[j] = malloc(sizeof(double) * (size_t)(cnt > 0 ? cnt : 1));
        if (!pv[j]) {
            numc_error_set(NUMC_ERR_MEMORY, "%s: out of memory", row->info.name);
            goto fail;
        }
        if (numc_array_to_host(bc[j], pv[j]) != NUMC_OK) goto fail;
        if (check_values(row->info.param[j], row->check[j], pv[j], cnt) != NUMC_OK) goto fail;
    }
    if (d == NUMC_RANDOM_TRIANGULAR && check_triangular(pv, step, n) != NUMC_OK) goto fail;
    out = numc_array_new(row->info.integer ? NUMC_INT64 : NUMC_FLOAT64, ond, oshape);
    if (!out) goto fail;
    double pe[3] = {0};
    if (row->info.integer) {
        int64_t *o = (int64_t *)numc_array_ptr(out);
        for (int64_t i = 0; i < n; i++) {
            for (int j = 0; j < np; j++)
                pe[j] = pv[j][i * step[j]];
            o[i] = sample_int(g, d, pe);
        }
    } else {
        double *o = (double *)numc_array_ptr(out);
        for (int64_t i = 0; i < n; i++) {
            for (int j = 0; j < np; j++)
                pe[j] = pv[j][i * step[j]];
            o[i] = sample(g, d, pe);
        }
    }
fail:
    for (int j = 0; j < np; j++) {
        free(pv[j]);
        if (bc[j]) numc_array_release(bc[j]);
    }
    return out;
}

numc_array *numc_random_draw_f32(numc_bitgen *g, numc_random_dist d, int ndim,
                                 const int64_t *shape) {
    if (d != NUMC_RANDOM_STANDARD_NORMAL && d != NUMC_RANDOM_STANDARD_EXPONENTIAL) {
        numc_error_set(NUMC_ERR_TYPE, "%s: float32 draws are not supported",
                       d >= 0 && d < NUMC_RANDOM_DIST_COUNT ? dist_rows[d].info.name : "random");
        return NULL;
    }
    int64_t n;
    if (numc_shape_size(dist_rows[d].info.name, ndim, shape, &n) != NUMC_OK) return NULL;
    pthread_once(&zig_once, zig_init);
    numc_array *out = numc_array_new(NUMC_FLOAT32, ndim, shape);
    if (!out) return NULL;
    float *o = (float *)numc_array_ptr(out);
    for (int64_t i = 0; i < n; i++)
        o[i] = d == NUMC_RANDOM_STANDARD_NORMAL ? zig_normal_f(g) : zig_exponential_f(g);
    return out;
}
