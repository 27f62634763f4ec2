/* fft.c — inference of the fft primitive (issue 9): checks the parameters
 * (kind, direction, norm, unique in-range axes, lengths >= 1), that the
 * operand has the dtype of its kind and each length (n/2+1 on c2r's last
 * axis) along its axis, and gives the output's shape and dtype. */
#include "prim.h"

static numc_status fft_bad(const char *what) {
    return numc_error_set(NUMC_ERR_VALUE, "fft: %s", what);
}

numc_status numc_prim_infer_fft(const numc_array *x, const numc_params *pr, numc_aval *out) {
    if (pr->n < 4) return fft_bad("bad parameters");
    int64_t kind = pr->i[0], inv = pr->i[1], norm = pr->i[2], na = pr->i[3];
    if (kind < 0 || kind > 2 || inv < 0 || inv > 1 || norm < 0 || norm > 2 || na < 1 ||
        na > x->ndim || pr->n != 4 + 2 * na)
        return fft_bad("bad parameters");
    if ((kind == 1 && inv) || (kind == 2 && !inv)) return fft_bad("r2c is forward and c2r inverse");
    bool cin = numc_dt_is_complex(x->dtype);
    bool ok = kind == 1 ? (x->dtype == NUMC_FLOAT32 || x->dtype == NUMC_FLOAT64)
                        : (x->dtype == NUMC_COMPLEX64 || x->dtype == NUMC_COMPLEX128);
    if (!ok)
        return fft_bad(kind == 1 ? "r2c needs float32 or float64"
                                 : "needs complex64 or complex128");
    out->ndim = x->ndim;
    memcpy(out->shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    const int64_t *axes = pr->i + 4, *lens = pr->i + 4 + na;
    for (int64_t k = 0; k < na; k++) {
        int64_t ax = axes[k], n = lens[k];
        if (ax < 0 || ax >= x->ndim) return fft_bad("axis out of range");
        for (int64_t j = 0; j < k; j++)
            if (axes[j] == ax) return fft_bad("repeated axis");
        if (n < 1) return fft_bad("lengths must be positive");
        bool last = k == na - 1;
        int64_t want = last && kind == 2 ? n / 2 + 1 : n;
        if (x->shape[ax] != want) return fft_bad("operand length does not match");
        out->shape[ax] = last && kind == 1 ? n / 2 + 1 : n;
    }
    if (kind == 2)
        out->dtype = x->dtype == NUMC_COMPLEX64 ? NUMC_FLOAT32 : NUMC_FLOAT64;
    else
        out->dtype = cin ? x->dtype : (x->dtype == NUMC_FLOAT32 ? NUMC_COMPLEX64 : NUMC_COMPLEX128);
    return NUMC_OK;
}
