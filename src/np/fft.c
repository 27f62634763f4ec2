/* fft.c — numpy.fft (issue 9): argument rules and NumPy's messages, the
 * dtype each transform computes in, zero-padding/cropping to the requested
 * lengths, and the `fft` primitive (one bind for a whole n-d transform over
 * distinct axes; a chain of 1-d ones, in NumPy's order, when axes repeat).
 * Also fftfreq/rfftfreq and fftshift/ifftshift. */
#include "np-impl.h"

#include "numc.h"

enum { K_C2C = 0, K_R2C = 1, K_C2R = 2 };

/* The primitive's norm code: 0 none, 1 1/sqrt(N), 2 1/N. */
static int norm_code(numc_fft_norm norm, bool forward) {
    if (norm == NUMC_FFT_NORM_ORTHO) return 1;
    bool scaled = (norm == NUMC_FFT_NORM_FORWARD) == forward;
    return scaled ? 2 : 0;
}

static numc_status check_norm(numc_fft_norm norm) {
    if ((int)norm < 0 || (int)norm > 2)
        return numc_error_set(NUMC_ERR_VALUE,
                              "Invalid norm value %d; should be \"backward\","
                              "\"ortho\" or \"forward\".",
                              (int)norm);
    return NUMC_OK;
}

static numc_status bad_n(int64_t n) {
    return numc_error_set(NUMC_ERR_VALUE, "Invalid number of FFT data points (%lld) specified.",
                          (long long)n);
}

/* The dtype a kind computes in (its operand's), from the input dtype. */
static numc_status compute_dtype(const char *who, int kind, int64_t n, numc_dtype in,
                                 numc_dtype *out) {
    bool single =
        in == NUMC_FLOAT32 || in == NUMC_FLOAT16 || in == NUMC_BFLOAT16 || in == NUMC_COMPLEX64;
    if (kind == K_R2C) {
        if (numc_dt_is_complex(in))
            return numc_error_set(NUMC_ERR_TYPE,
                                  "ufunc '%s' not supported for the input types, and the inputs "
                                  "could not be safely coerced to any supported types according "
                                  "to the casting rule ''safe''",
                                  n % 2 == 0 ? "rfft_n_even" : "rfft_n_odd");
        *out = single ? NUMC_FLOAT32 : NUMC_FLOAT64;
    } else {
        *out = single ? NUMC_COMPLEX64 : NUMC_COMPLEX128;
    }
    (void)who;
    return NUMC_OK;
}

/* x zero-padded or cropped to len along ax. */
static numc_array *resize(np_scope *s, const numc_array *x, int ax, int64_t len) {
    if (!x) return NULL;
    int64_t have = x->shape[ax];
    if (have == len) return (numc_array *)x;
    if (have > len) return np_axis_slice(s, x, ax, 0, len);
    numc_params pp = {.n = 3 * x->ndim};
    pp.i[x->ndim + ax] = len - have;
    numc_array *z = np_const(s, x->dtype, 0, 0);
    return z ? np_bind(s, NUMC_PRIM_PAD, 2, NP_ARRAY_OF(x, z), &pp) : NULL;
}

/* One primitive over distinct, normalised axes with resolved lengths. */
static numc_array *transform(np_scope *s, const numc_array *x, int kind, bool inv, int norm, int na,
                             const int64_t *axes, const int64_t *lens) {
    numc_params pr = {.n = 4 + 2 * na, .i = {kind, inv, norm, na}};
    for (int k = 0; k < na && x; k++) {
        pr.i[4 + k] = axes[k];
        pr.i[4 + na + k] = lens[k];
        int64_t want = (kind == K_C2R && k == na - 1) ? lens[k] / 2 + 1 : lens[k];
        x = resize(s, x, (int)axes[k], want);
    }
    return x ? np_bind(s, NUMC_PRIM_FFT, 1, NP_ARRAY_OF(x), &pr) : NULL;
}

/* The n-d transform with axes already normalised and lengths resolved (each
 * >= 1). Distinct axes: one bind; repeated ones: NumPy's chain of 1-d
 * transforms (each axis padded right before its own transform). */
static numc_array *run(np_scope *s, const char *who, const numc_array *a, int kind, bool inv,
                       numc_fft_norm norm, int na, const int64_t *axes, const int64_t *lens) {
    numc_dtype dt = NUMC_COMPLEX128;
    int64_t nlast = na ? lens[na - 1] : 1;
    if (compute_dtype(who, kind, nlast, a->dtype, &dt)) return NULL;
    numc_array *x = np_cvt(s, a, dt);
    if (!x || na == 0) return x;
    int code = norm_code(norm, !inv);
    bool distinct = true;
    for (int k = 0; k < na; k++)
        for (int j = 0; j < k; j++)
            if (axes[j] == axes[k]) distinct = false;
    if (distinct) return transform(s, x, kind, inv, code, na, axes, lens);
    if (kind == K_C2C) {
        for (int k = na - 1; k >= 0 && x; k--)
            x = transform(s, x, K_C2C, inv, code, 1, axes + k, lens + k);
    } else if (kind == K_R2C) {
        x = transform(s, x, K_R2C, false, code, 1, axes + na - 1, lens + na - 1);
        for (int k = na - 2; k >= 0 && x; k--)
            x = transform(s, x, K_C2C, false, code, 1, axes + k, lens + k);
    } else {
        for (int k = 0; k < na - 1 && x; k++)
            x = transform(s, x, K_C2C, true, code, 1, axes + k, lens + k);
        if (x) x = transform(s, x, K_C2R, true, code, 1, axes + na - 1, lens + na - 1);
    }
    return x;
}

/* The output dtype NumPy gives c2r: the real type of the input's precision
 * (float16 stays float16). */
static numc_array *c2r_result(np_scope *s, const numc_array *a, numc_array *y) {
    if (!y) return NULL;
    if (a->dtype == NUMC_FLOAT16 || a->dtype == NUMC_BFLOAT16) return np_cvt(s, y, a->dtype);
    return y;
}

/* ---- 1-d ---- */

static numc_array *fft1(const char *who, const numc_array *a, int64_t n, int64_t axis,
                        numc_fft_norm norm, int kind, bool inv, bool herm) {
    int nd = a->ndim;
    if (n == NUMC_FFT_DEFAULT) {
        if (axis < -nd || axis >= nd)
            return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range"), NULL;
        int64_t m = a->shape[axis < 0 ? axis + nd : axis];
        n = kind == K_C2R ? (m - 1) * 2 : m;
    }
    if (n < 1) return bad_n(n), NULL;
    if (check_norm(norm)) return NULL;
    int64_t ax;
    if (np_norm_axis(axis, nd, &ax, NULL)) return NULL;
    np_scope s;
    np_scope_init(&s);
    const numc_array *x = a;
    if (herm && kind == K_C2R && numc_dt_is_complex(a->dtype)) x = np_un(&s, NUMC_PRIM_CONJ, a);
    /* hfft/ihfft: irfft/rfft with the norm's direction swapped */
    numc_fft_norm eff = norm;
    if (herm && norm != NUMC_FFT_NORM_ORTHO)
        eff = norm == NUMC_FFT_NORM_BACKWARD ? NUMC_FFT_NORM_FORWARD : NUMC_FFT_NORM_BACKWARD;
    numc_array *y = x ? run(&s, who, x, kind, inv, eff, 1, &ax, &n) : NULL;
    if (kind == K_C2R) y = c2r_result(&s, a, y);
    if (herm && kind == K_R2C && y) y = np_un(&s, NUMC_PRIM_CONJ, y);
    return np_ret(&s, y);
}

#define FFT1_API(name, kind, inv, herm)                                                            \
    numc_array *numc_fft_##name(const numc_array *a, int64_t n, int64_t axis,                      \
                                numc_fft_norm norm) {                                              \
        return fft1(#name, a, n, axis, norm, kind, inv, herm);                                     \
    }
FFT1_API(fft, K_C2C, false, false)
FFT1_API(ifft, K_C2C, true, false)
FFT1_API(rfft, K_R2C, false, false)
FFT1_API(irfft, K_C2R, true, false)
FFT1_API(hfft, K_C2R, true, true)
FFT1_API(ihfft, K_R2C, false, true)
#undef FFT1_API

/* ---- n-d: NumPy's _cook_nd_args ---- */

static numc_array *fftn(const char *who, const numc_array *a, const int64_t *s_in, int ns,
                        const int64_t *axes_in, int naxes, numc_fft_norm norm, int kind, bool inv,
                        bool two) {
    static const int64_t last2[2] = {-2, -1};
    if (two && !axes_in) {
        axes_in = last2;
        naxes = 2;
    }
    int nd = a->ndim;
    int64_t s[NUMC_MAX_DIMS], axes[NUMC_MAX_DIMS];
    int na;
    bool shapeless = s_in == NULL;
    if (shapeless) {
        if (!axes_in) {
            na = nd;
            for (int d = 0; d < nd; d++)
                s[d] = a->shape[d];
        } else {
            na = naxes;
            if (na > NUMC_MAX_DIMS)
                return numc_error_set(NUMC_ERR_VALUE, "%s: too many axes", who), NULL;
            for (int k = 0; k < na; k++) {
                int64_t ax = axes_in[k];
                if (ax < -nd || ax >= nd)
                    return numc_error_set(NUMC_ERR_INDEX,
                                          "index %lld is out of bounds for axis 0 with size %d",
                                          (long long)ax, nd),
                           NULL;
                s[k] = a->shape[ax < 0 ? ax + nd : ax];
            }
        }
    } else {
        na = ns;
        if (na > NUMC_MAX_DIMS)
            return numc_error_set(NUMC_ERR_VALUE, "%s: too many axes", who), NULL;
        memcpy(s, s_in, sizeof(int64_t) * (size_t)na);
    }
    if (!axes_in) {
        for (int k = 0; k < na; k++)
            axes[k] = k - na;
    } else {
        if (naxes != na)
            return numc_error_set(NUMC_ERR_VALUE, "Shape and axes have different lengths."), NULL;
        memcpy(axes, axes_in, sizeof(int64_t) * (size_t)na);
    }
    if (kind == K_C2R && shapeless) {
        if (na == 0) return numc_error_set(NUMC_ERR_INDEX, "list index out of range"), NULL;
        int64_t ax = axes[na - 1];
        if (ax < -nd || ax >= nd)
            return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range"), NULL;
        s[na - 1] = (a->shape[ax < 0 ? ax + nd : ax] - 1) * 2;
    }
    if (kind != K_C2C && na == 0)
        return numc_error_set(NUMC_ERR_INDEX, "list index out of range"), NULL;
    for (int k = 0; k < na; k++) {
        int64_t ax = axes[k];
        if (s[k] != -1 && s[k] != NUMC_FFT_DEFAULT) continue;
        if (ax < -nd || ax >= nd)
            return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range"), NULL;
        int64_t m = a->shape[ax < 0 ? ax + nd : ax];
        /* None keeps the 1-d default (irfft's last axis: 2(m-1)); -1 the axis */
        s[k] = (s[k] == NUMC_FFT_DEFAULT && kind == K_C2R && k == na - 1) ? (m - 1) * 2 : m;
    }
    /* NumPy transforms the last axis first: its errors come first */
    for (int k = na - 1; k >= 0; k--) {
        if (s[k] < 1) return bad_n(s[k]), NULL;
        if (check_norm(norm)) return NULL;
        if (np_norm_axis(axes[k], nd, &axes[k], NULL)) return NULL;
    }
    if (check_norm(norm)) return NULL;
    np_scope sc;
    np_scope_init(&sc);
    if (na == 0) return np_ret(&sc, a); /* no axes: NumPy returns the input as it is */
    numc_array *y = run(&sc, who, a, kind, inv, norm, na, axes, s);
    /* NumPy's irfftn runs ifft first (half input becomes complex64) unless
     * the real axis is the only one */
    if (kind == K_C2R && na == 1) y = c2r_result(&sc, a, y);
    return np_ret(&sc, y);
}

#define FFTN_API(name, kind, inv, two)                                                             \
    numc_array *numc_fft_##name(const numc_array *a, const int64_t *s, int ns,                     \
                                const int64_t *axes, int naxes, numc_fft_norm norm) {              \
        return fftn(#name, a, s, ns, axes, naxes, norm, kind, inv, two);                           \
    }
FFTN_API(fftn, K_C2C, false, false)
FFTN_API(ifftn, K_C2C, true, false)
FFTN_API(rfftn, K_R2C, false, false)
FFTN_API(irfftn, K_C2R, true, false)
FFTN_API(fft2, K_C2C, false, true)
FFTN_API(ifft2, K_C2C, true, true)
FFTN_API(rfft2, K_R2C, false, true)
FFTN_API(irfft2, K_C2R, true, true)
#undef FFTN_API

/* ---- frequencies and shifts ---- */

static numc_array *freqs(int64_t n, double d, bool full) {
    double nd = (double)n * d;
    if (nd == 0) return numc_error_set(NUMC_ERR_ZERO_DIVISION, "float division by zero"), NULL;
    if (n < 0) return numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed"), NULL;
    double val = 1.0 / nd;
    int64_t len = full ? n : n / 2 + 1;
    np_scope s;
    np_scope_init(&s);
    numc_params ip = {.n = 4, .i = {NUMC_INT64, 0, 1, len}};
    numc_array *k = np_bind(&s, NUMC_PRIM_IOTA, 0, NULL, &ip);
    if (full) {
        /* [0, ..., (n-1)/2, -(n/2), ..., -1] */
        int64_t half = (n - 1) / 2 + 1;
        numc_array *lt = np_binc(&s, NUMC_PRIM_LT, k, (double)half);
        k = np_sel(&s, lt, k, np_binc(&s, NUMC_PRIM_SUB, k, (double)n));
    }
    numc_array *f = np_cvt(&s, k, NUMC_FLOAT64);
    return np_ret(&s, np_binc(&s, NUMC_PRIM_MUL, f, val));
}

numc_array *numc_fft_fftfreq(int64_t n, double d) {
    return freqs(n, d, true);
}
numc_array *numc_fft_rfftfreq(int64_t n, double d) {
    return freqs(n, d, false);
}

static numc_array *shift(const numc_array *x, const int64_t *axes_in, int naxes, bool inverse) {
    int nd = x->ndim;
    int64_t axes[NUMC_MAX_DIMS], sh[NUMC_MAX_DIMS];
    int na = axes_in ? naxes : nd;
    if (na > NUMC_MAX_DIMS) return numc_error_set(NUMC_ERR_VALUE, "fftshift: too many axes"), NULL;
    if (na == 0)
        return numc_error_set(NUMC_ERR_VALUE, "not enough values to unpack (expected 2, got 0)"),
               NULL;
    for (int k = 0; k < na; k++) {
        int64_t ax = axes_in ? axes_in[k] : k;
        if (ax < -nd || ax >= nd)
            return numc_error_set(NUMC_ERR_INDEX, "tuple index out of range"), NULL;
        int64_t m = x->shape[ax < 0 ? ax + nd : ax];
        axes[k] = ax;
        sh[k] = inverse ? -(m / 2) : m / 2;
    }
    return numc_roll(x, sh, na, axes, na);
}

numc_array *numc_fft_fftshift(const numc_array *x, const int64_t *axes, int naxes) {
    return shift(x, axes, naxes, false);
}
numc_array *numc_fft_ifftshift(const numc_array *x, const int64_t *axes, int naxes) {
    return shift(x, axes, naxes, true);
}
