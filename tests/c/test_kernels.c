/* test_kernels.c — the structural CPU kernels (layout, reduce, scan,
 * dot_general, index) called directly on hand-built arrays, including
 * non-contiguous views, against hand-computed values. */
#include "backend/cpu/cpu.h"
#include "check.h"

#include <stdio.h>

static numc_array *make(numc_dtype dt, int ndim, const int64_t *shape, const void *data) {
    numc_array *a = numc_array_new(dt, ndim, shape);
    if (data) memcpy(numc_array_ptr(a), data, (size_t)a->size * numc_dtype_info[dt].itemsize);
    return a;
}

static numc_params params(int n, const int64_t *v) {
    numc_params p;
    memset(&p, 0, sizeof p);
    p.n = n;
    if (n) memcpy(p.i, v, sizeof(int64_t) * (size_t)n);
    return p;
}

/* a strided view of base's buffer (element strides, element offset) */
static numc_array *view(const numc_array *base, int ndim, const int64_t *shape,
                        const int64_t *strides, int64_t offset) {
    return numc_array_view(base, ndim, shape, strides, base->offset + offset);
}

#define RUN(fn, prim, nin, ins, pr, o)                                                             \
    do {                                                                                           \
        numc_array *outs_[1] = {(o)};                                                              \
        CHECK(fn(NUMC_PRIM_##prim, (nin), (const numc_array *const *)(ins), &(pr), outs_) ==       \
              NUMC_OK);                                                                            \
    } while (0)

static bool eq_f64(const numc_array *a, const double *want, int64_t n) {
    const double *d = (const double *)numc_array_ptr(a);
    for (int64_t i = 0; i < n; i++)
        if (!(d[i] == want[i] || (isnan(d[i]) && isnan(want[i])))) {
            fprintf(stderr, "  element %lld: got %g want %g\n", (long long)i, d[i], want[i]);
            return false;
        }
    return true;
}

static bool eq_i64(const numc_array *a, const int64_t *want, int64_t n) {
    const int64_t *d = (const int64_t *)numc_array_ptr(a);
    for (int64_t i = 0; i < n; i++)
        if (d[i] != want[i]) {
            fprintf(stderr, "  element %lld: got %lld want %lld\n", (long long)i, (long long)d[i],
                    (long long)want[i]);
            return false;
        }
    return true;
}

static void test_layout(void) {
    /* iota along dim 1 of (2, 3), int32 */
    int64_t sh23[2] = {2, 3};
    numc_array *o = numc_array_new(NUMC_INT32, 2, sh23);
    int64_t pi[5] = {NUMC_INT32, 1, 2, 2, 3};
    numc_params p = params(5, pi);
    RUN(numc_cpu_layout, IOTA, 0, NULL, p, o);
    const int32_t *io = (const int32_t *)numc_array_ptr(o);
    CHECK(io[0] == 0 && io[1] == 1 && io[2] == 2 && io[3] == 0 && io[5] == 2);
    numc_array_release(o);

    /* pad [1 2 3] with lo=1, hi=-1 (crop), interior=1, value 9 -> [9 1 9 2 9] */
    int64_t s3 = 3, s5 = 5;
    double x3[3] = {1, 2, 3}, nine = 9;
    numc_array *x = make(NUMC_FLOAT64, 1, &s3, x3);
    numc_array *pv = make(NUMC_FLOAT64, 0, NULL, &nine);
    o = numc_array_new(NUMC_FLOAT64, 1, &s5);
    int64_t pp[3] = {1, -1, 1};
    p = params(3, pp);
    const numc_array *pin[2] = {x, pv};
    RUN(numc_cpu_layout, PAD, 2, pin, p, o);
    CHECK(eq_f64(o, (double[]){9, 1, 9, 2, 9}, 5));
    numc_array_release(o);

    /* concatenate [1 2 3] with its reversed view along axis 0 */
    int64_t s6 = 6, m1 = -1;
    numc_array *xr = view(x, 1, &s3, &m1, 2);
    o = numc_array_new(NUMC_FLOAT64, 1, &s6);
    int64_t zero = 0;
    p = params(1, &zero);
    const numc_array *cin[2] = {x, xr};
    RUN(numc_cpu_layout, CONCATENATE, 2, cin, p, o);
    CHECK(eq_f64(o, (double[]){1, 2, 3, 3, 2, 1}, 6));
    numc_array_release(o);

    /* transpose fallback on a view: (2,3) data viewed as (3,2) transposed */
    double d6[6] = {0, 1, 2, 3, 4, 5};
    numc_array *m = make(NUMC_FLOAT64, 2, sh23, d6);
    int64_t sh32[2] = {3, 2}, st32[2] = {1, 3};
    numc_array *mt = view(m, 2, sh32, st32, 0); /* mt[i][j] = m[j][i] */
    o = numc_array_new(NUMC_FLOAT64, 2, sh23);
    int64_t perm[2] = {1, 0};
    p = params(2, perm);
    const numc_array *tin[1] = {mt};
    RUN(numc_cpu_layout, TRANSPOSE, 1, tin, p, o);
    CHECK(eq_f64(o, d6, 6));
    numc_array_release(o);
    numc_array_release(mt);
    numc_array_release(m);
    numc_array_release(xr);
    numc_array_release(x);
    numc_array_release(pv);
}

static void test_reduce(void) {
    /* (3, 4) float64 0..11, viewed transposed as (4, 3) */
    double d[12];
    for (int i = 0; i < 12; i++)
        d[i] = i;
    int64_t sh34[2] = {3, 4}, sh43[2] = {4, 3}, st43[2] = {1, 4}, s4 = 4, s3 = 3;
    numc_array *a = make(NUMC_FLOAT64, 2, sh34, d);
    numc_array *at = view(a, 2, sh43, st43, 0);
    const numc_array *in[1] = {at};
    int64_t ax0 = 0, ax1 = 1, both[2] = {0, 1};
    numc_params p = params(1, &ax0);
    numc_array *o3 = numc_array_new(NUMC_FLOAT64, 1, &s3);
    RUN(numc_cpu_reduce, REDUCE_SUM, 1, in, p, o3); /* row sums of a */
    CHECK(eq_f64(o3, (double[]){6, 22, 38}, 3));
    numc_array *o4 = numc_array_new(NUMC_FLOAT64, 1, &s4);
    p = params(1, &ax1);
    RUN(numc_cpu_reduce, REDUCE_MAX, 1, in, p, o4); /* column maxima of a */
    CHECK(eq_f64(o4, (double[]){8, 9, 10, 11}, 4));
    numc_array *o0 = numc_array_new(NUMC_FLOAT64, 0, NULL);
    p = params(2, both);
    RUN(numc_cpu_reduce, REDUCE_PROD, 1, in, p, o0);
    CHECK(eq_f64(o0, (double[]){0}, 1));

    /* NaN propagates through max; argmax finds the first NaN, else the first max */
    double dn[5] = {1, 7, NAN, 7, NAN};
    int64_t s5 = 5;
    numc_array *xn = make(NUMC_FLOAT64, 1, &s5, dn);
    const numc_array *nin[1] = {xn};
    p = params(1, &ax0);
    RUN(numc_cpu_reduce, REDUCE_MAX, 1, nin, p, o0);
    CHECK(isnan(((double *)numc_array_ptr(o0))[0]));
    numc_array *oi = numc_array_new(NUMC_INT64, 0, NULL);
    int64_t pa[2] = {0, NUMC_INT64};
    p = params(2, pa);
    RUN(numc_cpu_reduce, ARGMAX, 1, nin, p, oi);
    CHECK(eq_i64(oi, (int64_t[]){2}, 1));
    double *xd = (double *)numc_array_ptr(xn);
    xd[2] = xd[4] = 0;
    RUN(numc_cpu_reduce, ARGMAX, 1, nin, p, oi);
    CHECK(eq_i64(oi, (int64_t[]){1}, 1));

    /* int8 sums wrap */
    int8_t i8[4] = {100, 100, 100, -1};
    numc_array *x8 = make(NUMC_INT8, 1, &s4, i8);
    numc_array *o8 = numc_array_new(NUMC_INT8, 0, NULL);
    const numc_array *in8[1] = {x8};
    p = params(1, &ax0);
    RUN(numc_cpu_reduce, REDUCE_SUM, 1, in8, p, o8);
    CHECK(*(int8_t *)numc_array_ptr(o8) == (int8_t)43);

    /* pairwise float32 sum: 2^22 copies of 0.1f stay close to the exact sum
     * (a naive loop drifts by several percent) */
    int64_t big = 1 << 22;
    numc_array *xf = numc_array_new(NUMC_FLOAT32, 1, &big);
    float *fp = (float *)numc_array_ptr(xf);
    for (int64_t i = 0; i < big; i++)
        fp[i] = 0.1f;
    numc_array *of = numc_array_new(NUMC_FLOAT32, 0, NULL);
    const numc_array *inf[1] = {xf};
    RUN(numc_cpu_reduce, REDUCE_SUM, 1, inf, p, of);
    double exact = (double)0.1f * (double)big;
    CHECK(fabs(*(float *)numc_array_ptr(of) - exact) / exact < 1e-6);

    numc_array *arr[] = {a, at, o3, o4, o0, xn, oi, x8, o8, xf, of};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
        numc_array_release(arr[i]);
}

static void test_scan(void) {
    double d[4] = {1, 2, 3, 4};
    int64_t s4 = 4;
    numc_array *x = make(NUMC_FLOAT64, 1, &s4, d);
    numc_array *o = numc_array_new(NUMC_FLOAT64, 1, &s4);
    const numc_array *in[1] = {x};
    int64_t fwd[2] = {0, 0}, rev[2] = {0, 1};
    numc_params p = params(2, fwd);
    RUN(numc_cpu_scan, CUMSUM, 1, in, p, o);
    CHECK(eq_f64(o, (double[]){1, 3, 6, 10}, 4));
    p = params(2, rev);
    RUN(numc_cpu_scan, CUMSUM, 1, in, p, o);
    CHECK(eq_f64(o, (double[]){10, 9, 7, 4}, 4));
    /* cummax over axis 0 of a (2, 2) view: columns advance together */
    int64_t sh22[2] = {2, 2}, st22[2] = {1, 2};
    numc_array *xt = view(x, 2, sh22, st22, 0); /* [[1 3] [2 4]] */
    numc_array *o2 = numc_array_new(NUMC_FLOAT64, 2, sh22);
    const numc_array *in2[1] = {xt};
    p = params(2, fwd);
    RUN(numc_cpu_scan, CUMPROD, 1, in2, p, o2);
    CHECK(eq_f64(o2, (double[]){1, 3, 2, 12}, 4));
    numc_array_release(xt);
    numc_array_release(o2);
    numc_array_release(x);
    numc_array_release(o);
}

static void test_dot(void) {
    /* lhs: a transposed view (2,3) of a (3,2) buffer; rhs (3,2) contiguous */
    double l[6] = {1, 4, 2, 5, 3, 6};    /* as (3,2); its transpose is [[1 2 3] [4 5 6]] */
    double r[6] = {7, 8, 9, 10, 11, 12}; /* [[7 8] [9 10] [11 12]] */
    int64_t sh32[2] = {3, 2}, sh23[2] = {2, 3}, st23[2] = {1, 2}, sh22[2] = {2, 2};
    numc_array *lb = make(NUMC_FLOAT64, 2, sh32, l);
    numc_array *lt = view(lb, 2, sh23, st23, 0);
    numc_array *rb = make(NUMC_FLOAT64, 2, sh32, r);
    numc_array *o = numc_array_new(NUMC_FLOAT64, 2, sh22);
    numc_params p = params(5, (int64_t[]){1, 1, 0, 0, NUMC_FLOAT64});
    const numc_array *in[2] = {lt, rb};
    RUN(numc_cpu_dot_general, DOT_GENERAL, 2, in, p, o);
    CHECK(eq_f64(o, (double[]){58, 64, 139, 154}, 4));

    /* the same product with both operands reversed along the contraction
     * (negative strides force packing) gives the same result */
    int64_t rst[2] = {1, -2}, rst2[2] = {-2, 1};
    numc_array *lrev = view(lb, 2, sh23, rst, 4);  /* [[3 2 1] [6 5 4]] */
    numc_array *rrev = view(rb, 2, sh32, rst2, 4); /* [[11 12] [9 10] [7 8]] */
    const numc_array *in2[2] = {lrev, rrev};
    RUN(numc_cpu_dot_general, DOT_GENERAL, 2, in2, p, o);
    CHECK(eq_f64(o, (double[]){58, 64, 139, 154}, 4));

    /* int32 batched: batch dim 0 on both, contract lhs 2 with rhs 1 */
    int32_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {1, 0, 0, 1, 2, 0, 0, 2};
    int64_t sh222[3] = {2, 2, 2};
    numc_array *ai = make(NUMC_INT32, 3, sh222, a), *bi = make(NUMC_INT32, 3, sh222, b);
    numc_array *oi = numc_array_new(NUMC_INT32, 3, sh222);
    numc_params pb = params(7, (int64_t[]){1, 2, 1, 1, 0, 0, NUMC_INT32});
    const numc_array *ini[2] = {ai, bi};
    RUN(numc_cpu_dot_general, DOT_GENERAL, 2, ini, pb, oi);
    const int32_t *r32 = (const int32_t *)numc_array_ptr(oi);
    CHECK(r32[0] == 1 && r32[1] == 2 && r32[3] == 4 && r32[4] == 10 && r32[7] == 16);

    /* bool: logical or of ands */
    uint8_t ba[4] = {1, 0, 0, 0}, bb[4] = {0, 1, 1, 1};
    numc_array *xa = make(NUMC_BOOL, 2, sh22, ba), *xb = make(NUMC_BOOL, 2, sh22, bb);
    numc_array *ob = numc_array_new(NUMC_BOOL, 2, sh22);
    numc_params pbo = params(5, (int64_t[]){1, 1, 0, 0, NUMC_BOOL});
    const numc_array *inb[2] = {xa, xb};
    RUN(numc_cpu_dot_general, DOT_GENERAL, 2, inb, pbo, ob);
    const uint8_t *rb8 = (const uint8_t *)numc_array_ptr(ob);
    CHECK(rb8[0] == 0 && rb8[1] == 1 && rb8[2] == 0 && rb8[3] == 0);

    numc_array *arr[] = {lb, lt, rb, o, lrev, rrev, ai, bi, oi, xa, xb, ob};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
        numc_array_release(arr[i]);
}

static void test_index(void) {
    double d[6] = {10, 11, 12, 13, 14, 15};
    int64_t s6 = 6, s4 = 4, s3 = 3;
    numc_array *x = make(NUMC_FLOAT64, 1, &s6, d);
    int32_t ix[4] = {5, 0, 5, 2};
    numc_array *idx = make(NUMC_INT32, 1, &s4, ix);
    numc_array *o = numc_array_new(NUMC_FLOAT64, 1, &s4);
    int64_t zero = 0;
    numc_params p = params(1, &zero);
    const numc_array *gin[2] = {x, idx};
    RUN(numc_cpu_index, GATHER, 2, gin, p, o);
    CHECK(eq_f64(o, (double[]){15, 10, 15, 12}, 4));

    /* scatter: add accumulates duplicates, set lets the later one win */
    double u[4] = {1, 2, 3, 4};
    numc_array *upd = make(NUMC_FLOAT64, 1, &s4, u);
    numc_array *o6 = numc_array_new(NUMC_FLOAT64, 1, &s6);
    const numc_array *sin[3] = {x, idx, upd};
    numc_params padd = params(2, (int64_t[]){0, 1}), pset = params(2, (int64_t[]){0, 0});
    RUN(numc_cpu_index, SCATTER, 3, sin, padd, o6);
    CHECK(eq_f64(o6, (double[]){12, 11, 16, 13, 14, 19}, 6));
    RUN(numc_cpu_index, SCATTER, 3, sin, pset, o6);
    CHECK(eq_f64(o6, (double[]){2, 11, 4, 13, 14, 3}, 6));

    /* out-of-range indices are an IndexError */
    ix[1] = 6;
    numc_array *bad = make(NUMC_INT32, 1, &s4, ix);
    const numc_array *bin[2] = {x, bad};
    numc_array *outs[1] = {o};
    CHECK(numc_cpu_index(NUMC_PRIM_GATHER, 2, bin, &p, outs) == NUMC_ERR_INDEX);

    /* dynamic_slice clamps the start: start 5 with size 3 reads [3, 6) */
    int64_t st = 5;
    numc_array *s = make(NUMC_INT64, 0, NULL, &st);
    numc_array *o3 = numc_array_new(NUMC_FLOAT64, 1, &s3);
    const numc_array *din[2] = {x, s};
    numc_params psz = params(1, &s3);
    RUN(numc_cpu_index, DYNAMIC_SLICE, 2, din, psz, o3);
    CHECK(eq_f64(o3, (double[]){13, 14, 15}, 3));
    /* dynamic_update_slice writes [1 2 3] at the same clamped start */
    const numc_array *uin[3] = {x, upd, s};
    numc_array *u3 = make(NUMC_FLOAT64, 1, &s3, u);
    uin[1] = u3;
    numc_params none = params(0, NULL);
    RUN(numc_cpu_index, DYNAMIC_UPDATE_SLICE, 3, uin, none, o6);
    CHECK(eq_f64(o6, (double[]){10, 11, 12, 1, 2, 3}, 6));

    /* in place (the output is x's own buffer) with an update that overlaps
     * it: the update must be read as it was before the write */
    numc_array *y = make(NUMC_FLOAT64, 1, &s6, d);
    numc_array *yself = view(y, 1, &s6, (int64_t[]){1}, 0);
    numc_array *ysrc = view(y, 1, &s3, (int64_t[]){1}, 0); /* y[0:3] */
    int64_t two = 2;
    numc_array *s2 = make(NUMC_INT64, 0, NULL, &two);
    const numc_array *ain[3] = {y, ysrc, s2};
    RUN(numc_cpu_index, DYNAMIC_UPDATE_SLICE, 3, ain, none, yself);
    CHECK(eq_f64(yself, (double[]){10, 11, 10, 11, 12, 15}, 6));

    numc_array *arr[] = {x, idx, o, upd, o6, bad, s, o3, u3, y, yself, ysrc, s2};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
        numc_array_release(arr[i]);
}

int main(void) {
    test_layout();
    test_reduce();
    test_scan();
    test_dot();
    test_index();
    return CHECK_DONE();
}
