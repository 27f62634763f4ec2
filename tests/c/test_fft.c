/* test_fft.c — numc's FFT (src/backend/cpu/fft.c through numc_fft_*) against
 * a long-double DFT: relative RMS error of fft for lengths 1..4096 and a
 * set of awkward ones (powers of two, smooth, prime, Bluestein lengths up to
 * 65537; the longest are checked on a sample of bins), of rfft/irfft (even
 * and odd lengths, through the half-length algorithm) and of complex64;
 * round trips, the norm modes and NumPy's errors through the C API. */
#include "check.h"

#include <math.h>

#define PI_L 3.141592653589793238462643383279502884L

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) { /* xorshift: reproducible, in (-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 4503599627370496.0 - 1.0;
}

/* exp(-2 pi i m/n) for m < n, in long double */
static void unit_table(int64_t n, long double *c, long double *s) {
    for (int64_t m = 0; m < n; m++) {
        long double a = 2 * PI_L * (long double)m / (long double)n;
        c[m] = cosl(a);
        s[m] = -sinl(a);
    }
}

/* relative RMS error of got (complex, interleaved) against the DFT of x over
 * the bins ks[0..nk) */
static double dft_error(int64_t n, const double *x, const double *got, const int64_t *ks,
                        int64_t nk, int sign) {
    long double *c = malloc(sizeof(long double) * (size_t)n);
    long double *s = malloc(sizeof(long double) * (size_t)n);
    unit_table(n, c, s);
    long double num = 0, den = 0;
    for (int64_t q = 0; q < nk; q++) {
        int64_t k = ks[q];
        long double re = 0, im = 0;
        int64_t m = 0;
        for (int64_t j = 0; j < n; j++) {
            long double wr = c[m], wi = -sign * s[m];
            re += x[2 * j] * wr - x[2 * j + 1] * wi;
            im += x[2 * j] * wi + x[2 * j + 1] * wr;
            m += k;
            if (m >= n) m -= n;
        }
        long double dr = got[2 * q] - re, di = got[2 * q + 1] - im;
        num += dr * dr + di * di;
        den += re * re + im * im;
    }
    free(c);
    free(s);
    return den > 0 ? (double)sqrtl(num / den) : (double)sqrtl(num);
}

static numc_array *cplx(int64_t n, const double *x) {
    return numc_array_from_data(NUMC_COMPLEX128, 1, &n, x);
}

/* fft (sign -1) or ifft*n (sign +1) of a random signal against the DFT;
 * transforms longer than `full` are checked on 48 bins spread over the
 * spectrum */
static double fft_error(int64_t n, int sign, int64_t full) {
    double *x = malloc(sizeof(double) * 2 * (size_t)n);
    double *y = malloc(sizeof(double) * 2 * (size_t)n);
    for (int64_t j = 0; j < 2 * n; j++)
        x[j] = urand();
    numc_array *a = cplx(n, x);
    numc_array *r = sign < 0 ? numc_fft_fft(a, NUMC_FFT_DEFAULT, -1, NUMC_FFT_NORM_BACKWARD)
                             : numc_fft_ifft(a, NUMC_FFT_DEFAULT, -1, NUMC_FFT_NORM_FORWARD);
    double err = 1;
    if (r && numc_array_to_host(r, y) == NUMC_OK) {
        int64_t nk = n <= full ? n : 48;
        int64_t *ks = malloc(sizeof(int64_t) * (size_t)nk);
        double *g = malloc(sizeof(double) * 2 * (size_t)nk);
        for (int64_t q = 0; q < nk; q++) {
            ks[q] = nk == n ? q : (q * 7919 + q * q) % n;
            g[2 * q] = y[2 * ks[q]];
            g[2 * q + 1] = y[2 * ks[q] + 1];
        }
        err = dft_error(n, x, g, ks, nk, sign);
        free(ks);
        free(g);
    }
    numc_array_release(a);
    numc_array_release(r);
    free(x);
    free(y);
    return err;
}

/* rfft of a real signal against the DFT's first n/2+1 bins, and irfft back */
static void check_real(int64_t n) {
    double *x = malloc(sizeof(double) * (size_t)n), *xc = calloc(2 * (size_t)n, sizeof(double));
    int64_t m = n / 2 + 1;
    double *y = malloc(sizeof(double) * 2 * (size_t)m), *back = malloc(sizeof(double) * (size_t)n);
    int64_t *ks = malloc(sizeof(int64_t) * (size_t)m);
    for (int64_t j = 0; j < n; j++)
        xc[2 * j] = x[j] = urand();
    for (int64_t k = 0; k < m; k++)
        ks[k] = k;
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, 1, &n, x);
    numc_array *r = numc_fft_rfft(a, NUMC_FFT_DEFAULT, 0, NUMC_FFT_NORM_BACKWARD);
    CHECK(r && numc_array_shape(r)[0] == m && numc_array_dtype(r) == NUMC_COMPLEX128);
    if (r && numc_array_to_host(r, y) == NUMC_OK) {
        double e = dft_error(n, xc, y, ks, m, -1);
        if (e > 5e-16) FAIL("rfft(%lld): relative RMS error %g", (long long)n, e);
        checks++;
    }
    numc_array *b = r ? numc_fft_irfft(r, n, 0, NUMC_FFT_NORM_BACKWARD) : NULL;
    if (b && numc_array_to_host(b, back) == NUMC_OK) {
        double num = 0, den = 0;
        for (int64_t j = 0; j < n; j++) {
            num += (back[j] - x[j]) * (back[j] - x[j]);
            den += x[j] * x[j];
        }
        if (sqrt(num / den) > 8e-16)
            FAIL("irfft(rfft(x)) (%lld): relative RMS error %g", (long long)n, sqrt(num / den));
        checks++;
    } else {
        FAIL("irfft(%lld) failed: %s", (long long)n, numc_error_message());
    }
    numc_array_release(a);
    numc_array_release(r);
    numc_array_release(b);
    free(x);
    free(xc);
    free(y);
    free(back);
    free(ks);
}

int main(void) {
    /* every length 1..1024 and every 17th up to 4096, both directions (all
     * bins up to n = 256) */
    double worst = 0;
    int64_t worst_n = 0;
    for (int64_t n = 1; n <= 4096; n += n < 1024 ? 1 : 17)
        for (int sign = -1; sign <= 1; sign += 2) {
            double e = fft_error(n, sign, 256);
            if (e > worst) {
                worst = e;
                worst_n = n;
            }
        }
    printf("fft, lengths 1..4096: worst relative RMS error %.3g (n=%lld)\n", worst,
           (long long)worst_n);
    if (worst > 1e-15)
        FAIL("fft 1..4096: worst relative RMS error %g at n=%lld", worst, (long long)worst_n);
    checks++;
    /* awkward lengths: powers of two, smooth, primes (generic radix and
     * Bluestein), products with a large prime */
    const int64_t awkward[] = {512,  997,  1000, 1009, 1024, 2310,  2048,  3125,
                               4093, 4096, 4099, 6561, 8192, 10007, 65536, 65537};
    for (size_t q = 0; q < sizeof awkward / sizeof *awkward; q++) {
        double e = fft_error(awkward[q], -1, 1024);
        /* NumPy's pocketfft: 6.6e-16 at 10007, 9.7e-16 at 65537 (Bluestein) */
        if (e > 1e-15) FAIL("fft(%lld): relative RMS error %g", (long long)awkward[q], e);
        checks++;
    }
    /* real transforms: even (half-length algorithm) and odd lengths */
    const int64_t reals[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 30, 97, 100, 128, 1000, 1001, 4096};
    for (size_t q = 0; q < sizeof reals / sizeof *reals; q++)
        check_real(reals[q]);

    /* complex64: single-precision error level */
    {
        int64_t n = 1000;
        float xf[2000];
        double xd[2000], y[2000];
        int64_t ks[1000];
        for (int j = 0; j < 2000; j++)
            xd[j] = xf[j] = (float)urand();
        for (int k = 0; k < 1000; k++)
            ks[k] = k;
        numc_array *a = numc_array_from_data(NUMC_COMPLEX64, 1, &n, xf);
        numc_array *r = numc_fft_fft(a, NUMC_FFT_DEFAULT, -1, NUMC_FFT_NORM_BACKWARD);
        CHECK(r && numc_array_dtype(r) == NUMC_COMPLEX64);
        numc_array *r64 = r ? numc_astype(r, NUMC_COMPLEX128) : NULL;
        if (r64 && numc_array_to_host(r64, y) == NUMC_OK) {
            double e = dft_error(n, xd, y, ks, n, -1);
            if (e > 2e-7) FAIL("complex64 fft(1000): relative RMS error %g", e);
            checks++;
        }
        numc_array_release(a);
        numc_array_release(r);
        numc_array_release(r64);
    }

    /* norms, n= padding, 2-d */
    {
        const double x[] = {1, 0, 2, 0, 3, 0, 4, 0};
        int64_t n4 = 4, n6 = 6;
        numc_array *a = cplx(4, x);
        CHECK(numc_fft_fft(a, NUMC_FFT_DEFAULT, 0, NUMC_FFT_NORM_BACKWARD), NUMC_COMPLEX128, 1, &n4,
              ((const double[]){10, 0, -2, 2, -2, 0, -2, -2}), 1e-15);
        CHECK(numc_fft_fft(a, NUMC_FFT_DEFAULT, 0, NUMC_FFT_NORM_ORTHO), NUMC_COMPLEX128, 1, &n4,
              ((const double[]){5, 0, -1, 1, -1, 0, -1, -1}), 1e-15);
        CHECK(numc_fft_ifft(a, NUMC_FFT_DEFAULT, 0, NUMC_FFT_NORM_BACKWARD), NUMC_COMPLEX128, 1,
              &n4, ((const double[]){2.5, 0, -0.5, -0.5, -0.5, 0, -0.5, 0.5}), 1e-15);
        /* n=6 zero-pads: fft([1,2,3,4,0,0])[0] = 10 */
        numc_array *p = numc_fft_fft(a, 6, 0, NUMC_FFT_NORM_BACKWARD);
        CHECK(p && numc_array_shape(p)[0] == n6 && fabs(check_at(p, 0) - 10) < 1e-14);
        numc_array_release(p);
        int64_t s2[2] = {2, 2};
        numc_array *m = numc_array_from_data(NUMC_COMPLEX128, 2, s2, x);
        CHECK(numc_fft_fft2(m, NULL, 0, NULL, 0, NUMC_FFT_NORM_BACKWARD), NUMC_COMPLEX128, 2, s2,
              ((const double[]){10, 0, -2, 0, -4, 0, 0, 0}), 1e-15);
        numc_array_release(m);

        /* NumPy's errors */
        CHECK_ERROR(numc_fft_fft(a, 0, 0, NUMC_FFT_NORM_BACKWARD), NUMC_ERR_VALUE,
                    "Invalid number of FFT data points (0) specified.");
        CHECK_ERROR(numc_fft_fft(a, 4, 1, NUMC_FFT_NORM_BACKWARD), NUMC_ERR_AXIS,
                    "axis 1 is out of bounds for array of dimension 1");
        CHECK_ERROR(numc_fft_rfft(a, NUMC_FFT_DEFAULT, 0, NUMC_FFT_NORM_BACKWARD), NUMC_ERR_TYPE,
                    "ufunc 'rfft_n_even' not supported for the input types, and the inputs "
                    "could not be safely coerced to any supported types according to the "
                    "casting rule ''safe''");
        int64_t s1 = 3, ax2[2] = {0, 1};
        CHECK_ERROR(numc_fft_fftn(a, &s1, 1, ax2, 2, NUMC_FFT_NORM_BACKWARD), NUMC_ERR_VALUE,
                    "Shape and axes have different lengths.");
        CHECK_ERROR(numc_fft_fftfreq(0, 1.0), NUMC_ERR_ZERO_DIVISION, "float division by zero");
        numc_array_release(a);
    }

    /* frequencies and shifts */
    {
        int64_t n5 = 5, n3 = 3;
        CHECK(numc_fft_fftfreq(5, 0.5), NUMC_FLOAT64, 1, &n5,
              ((const double[]){0, 0.4, 0.8, -0.8, -0.4}), 0);
        CHECK(numc_fft_rfftfreq(5, 0.5), NUMC_FLOAT64, 1, &n3, ((const double[]){0, 0.4, 0.8}), 0);
        const double v[] = {0, 1, 2, 3, 4};
        numc_array *a = numc_array_from_data(NUMC_FLOAT64, 1, &n5, v);
        CHECK(numc_fft_fftshift(a, NULL, 0), NUMC_FLOAT64, 1, &n5,
              ((const double[]){3, 4, 0, 1, 2}), 0);
        CHECK(numc_fft_ifftshift(a, NULL, 0), NUMC_FLOAT64, 1, &n5,
              ((const double[]){2, 3, 4, 0, 1}), 0);
        numc_array_release(a);
    }
    return CHECK_DONE();
}
