/* fft.c — the fft primitive's VJP and batching rules (issue 9).
 *
 * VJP, in JAX's convention (cotangents pair through Re(sum a*b), no
 * conjugation; the same rules as jax.lax.fft's transpose):
 * - c2c: the DFT matrix is symmetric, so the transpose of a scaled DFT is the
 *   same scaled DFT: the cotangent goes through the very same fft.
 * - r2c = slice(c2c(complex(x))): the cotangent is zero-padded back to n
 *   along the real axis, goes through the forward c2c, and its real part is
 *   x's cotangent.
 * - c2r: its transpose is conj(mask * r2c(ct)), the mask weighting by 2 the
 *   bins that stand for two (conjugate) entries of the full spectrum, i.e.
 *   every bin except 0 and (even n) n/2.
 * Batching: the transform only moves along its axes, so the batch axis is
 * one more untouched dimension and the axes shift past it. */
#include "rules-impl.h"

#define ARR(...) ((const numc_array *const[]){__VA_ARGS__})

/* fft params with another kind/direction, same norm, axes and lengths */
static numc_params fft_params_as(const numc_params *pr, int kind, int inv) {
    numc_params q = *pr;
    q.i[0] = kind;
    q.i[1] = inv;
    return q;
}

static numc_array *fft_mask(numc_scope *s, const numc_array *y, int ax, int64_t n) {
    numc_params ip = {.n = 3 + y->ndim, .i = {NUMC_INT64, ax, y->ndim}};
    memcpy(ip.i + 3, y->shape, sizeof(int64_t) * (size_t)y->ndim);
    numc_array *io = numc_scope_bind(s, NUMC_PRIM_IOTA, 0, NULL, &ip);
    numc_array *pred = numc_scope_bind(
        s, NUMC_PRIM_EQ, 2, ARR(io, numc_scope_full(s, NUMC_INT64, 0, y->ndim, y->shape)), NULL);
    if (n % 2 == 0) {
        numc_array *e = numc_scope_bind(
            s, NUMC_PRIM_EQ, 2,
            ARR(io, numc_scope_full(s, NUMC_INT64, (double)(n / 2), y->ndim, y->shape)), NULL);
        pred = numc_scope_bind(s, NUMC_PRIM_OR, 2, ARR(pred, e), NULL);
    }
    numc_array *one = numc_scope_full(s, y->dtype, 1, y->ndim, y->shape);
    numc_array *two = numc_scope_full(s, y->dtype, 2, y->ndim, y->shape);
    return numc_scope_bind(s, NUMC_PRIM_SELECT, 3, ARR(pred, one, two), NULL);
}

numc_status numc_rules_fft_vjp(const numc_params *pr, int nin, const numc_array *const *in,
                               int nout, const numc_array *const *out,
                               const numc_array *const *ct_out, numc_array **ct_in) {
    (void)nin;
    (void)nout;
    (void)out;
    ct_in[0] = NULL;
    const numc_array *g = ct_out[0], *x = in[0];
    if (!g) return NUMC_OK;
    int kind = (int)pr->i[0], na = (int)pr->i[3];
    int ax = (int)pr->i[4 + na - 1];
    int64_t n = pr->i[4 + 2 * na - 1];
    numc_scope s;
    numc_scope_init(&s);
    numc_array *r = NULL;
    if (kind == 0) {
        r = numc_scope_bind(&s, NUMC_PRIM_FFT, 1, ARR(g), pr);
    } else if (kind == 1) {
        numc_params pp = {.n = 3 * g->ndim};
        pp.i[g->ndim + ax] = n - g->shape[ax];
        numc_array *zero = numc_scope_const(&s, g->dtype, 0, 0);
        numc_array *gp = numc_scope_bind(&s, NUMC_PRIM_PAD, 2, ARR(g, zero), &pp);
        numc_params q = fft_params_as(pr, 0, 0);
        numc_array *f = numc_scope_bind(&s, NUMC_PRIM_FFT, 1, ARR(gp), &q);
        r = numc_scope_bind(&s, NUMC_PRIM_REAL, 1, ARR(f), NULL);
    } else {
        numc_params q = fft_params_as(pr, 1, 0);
        numc_array *f = numc_scope_bind(&s, NUMC_PRIM_FFT, 1, ARR(g), &q);
        numc_array *m = f ? fft_mask(&s, f, ax, n) : NULL;
        numc_array *fm = numc_scope_bind(&s, NUMC_PRIM_MUL, 2, ARR(f, m), NULL);
        r = numc_scope_bind(&s, NUMC_PRIM_CONJ, 1, ARR(fm), NULL);
    }
    if (r && r->dtype != x->dtype) r = numc_scope_convert(&s, r, x->dtype);
    numc_status st = r ? NUMC_OK : numc_error_kind();
    if (r) ct_in[0] = numc_array_retain(r);
    numc_scope_end(&s);
    if (!r && !st) st = numc_error_set(NUMC_ERR_RUNTIME, "vjp of fft failed");
    return st;
}

numc_status numc_rules_fft_batch(numc_batch_ctx *c) {
    int d = c->bdim[0];
    numc_params q = *c->pr;
    int na = (int)q.i[3];
    for (int k = 0; k < na; k++)
        if (q.i[4 + k] >= d) q.i[4 + k]++;
    numc_array *r = numc_bind1(NUMC_PRIM_FFT, 1, c->in, &q);
    numc_status st = numc_batch_put(c, 0, r, d);
    numc_array_release(r);
    return st;
}
