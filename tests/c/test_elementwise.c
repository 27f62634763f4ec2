/* test_elementwise.c — the CPU elementwise kernels against hand-computed
 * values: float16/bfloat16 round to nearest even on store, NumPy's integer
 * division/remainder/shift rules, NaN-propagating maximum, complex order and
 * division, casts (float -> int without UB, float64 -> float16 rounding
 * once), and strided, reversed and broadcast operands through the nd driver
 * (numc_cpu_elementwise, numc_cpu_copy), including a threaded size; the
 * expressions' text (ew-expr.h) covers exactly the CPU loops. */
#include "backend/cpu/cpu.h"
#include "backend/ew-expr.h"
#include "check.h"

#include <stdio.h>

static numc_array *from(numc_dtype dt, int64_t n, const void *data) {
    return numc_array_from_data(dt, 1, &n, data);
}

/* Runs primitive p on 1-d inputs of n elements into a new array of dtype od. */
static numc_array *run(numc_prim p, numc_dtype od, int nin, const numc_array *const *in,
                       const numc_params *prm) {
    numc_array *o = numc_array_new(od, in[nin - 1]->ndim, in[nin - 1]->shape);
    numc_status st = numc_cpu_elementwise(p, nin, in, prm, &o);
    CHECK(st == NUMC_OK);
    return o;
}

#define DATA(T, a) ((const T *)(const void *)numc_array_ptr(a))

static void test_half_rounding(void) {
    /* 1 + 2^-11 is halfway between float16 1.0 and its successor: ties go to
     * the even neighbour, so 1.0 + 2^-11 -> 1.0 and (1 + 2^-10) + 2^-11 -> 1 + 2^-9 */
    uint16_t a[3] = {0x3c00, 0x3c01, 0x7bff}, b[3] = {0x1000, 0x1000, 0x5000};
    numc_array *x = from(NUMC_FLOAT16, 3, a), *y = from(NUMC_FLOAT16, 3, b);
    const numc_array *in[2] = {x, y};
    numc_array *z = run(NUMC_PRIM_ADD, NUMC_FLOAT16, 2, in, NULL);
    CHECK(DATA(uint16_t, z)[0] == 0x3c00);
    CHECK(DATA(uint16_t, z)[1] == 0x3c02);
    CHECK(DATA(uint16_t, z)[2] == 0x7c00); /* 65504 + 32 overflows to inf */
    numc_array_release(z);
    numc_array_release(x);
    numc_array_release(y);

    /* bfloat16: 1 + 2^-8 is the tie */
    uint16_t c[2] = {0x3f80, 0x3f81}, d[2] = {0x3b80, 0x3b80};
    x = from(NUMC_BFLOAT16, 2, c);
    y = from(NUMC_BFLOAT16, 2, d);
    const numc_array *in2[2] = {x, y};
    z = run(NUMC_PRIM_ADD, NUMC_BFLOAT16, 2, in2, NULL);
    CHECK(DATA(uint16_t, z)[0] == 0x3f80);
    CHECK(DATA(uint16_t, z)[1] == 0x3f82);
    numc_array_release(z);
    numc_array_release(x);
    numc_array_release(y);

    /* float64 -> float16 rounds once: via float32 the 2^-40 would be lost and
     * the tie would round down */
    double e[2] = {1.0 + 0x1p-11 + 0x1p-40, 1.0 + 0x1p-11};
    x = from(NUMC_FLOAT64, 2, e);
    numc_params cv = {.n = 1, .i = {NUMC_FLOAT16}};
    const numc_array *in3[1] = {x};
    z = run(NUMC_PRIM_CONVERT, NUMC_FLOAT16, 1, in3, &cv);
    CHECK(DATA(uint16_t, z)[0] == 0x3c01);
    CHECK(DATA(uint16_t, z)[1] == 0x3c00);
    numc_array_release(z);
    numc_array_release(x);

    /* float16 exp goes through float32 and rounds once: exp(1) = 2.71828 -> 0x4170 */
    uint16_t one = 0x3c00;
    x = from(NUMC_FLOAT16, 1, &one);
    const numc_array *in4[1] = {x};
    z = run(NUMC_PRIM_EXP, NUMC_FLOAT16, 1, in4, NULL);
    CHECK(DATA(uint16_t, z)[0] == 0x4170);
    numc_array_release(z);
    numc_array_release(x);
}

static void test_int_rules(void) {
    int8_t a[6] = {-128, 7, -7, 7, 0, 100}, b[6] = {-1, 0, 2, -2, 0, 3};
    numc_array *x = from(NUMC_INT8, 6, a), *y = from(NUMC_INT8, 6, b);
    const numc_array *in[2] = {x, y};
    numc_array *q = run(NUMC_PRIM_DIV, NUMC_INT8, 2, in, NULL);
    numc_array *r = run(NUMC_PRIM_REM, NUMC_INT8, 2, in, NULL);
    numc_array *m = run(NUMC_PRIM_MUL, NUMC_INT8, 2, in, NULL);
    const int8_t wq[6] = {-128, 0, -4, -4, 0, 33}, wr[6] = {0, 0, 1, -1, 0, 1};
    const int8_t wm[6] = {-128, 0, -14, -14, 0, 44};
    for (int i = 0; i < 6; i++) {
        CHECK(DATA(int8_t, q)[i] == wq[i]);
        CHECK(DATA(int8_t, r)[i] == wr[i]);
        CHECK(DATA(int8_t, m)[i] == wm[i]);
    }
    numc_array_release(q);
    numc_array_release(r);
    numc_array_release(m);
    numc_array_release(x);
    numc_array_release(y);

    int8_t s[4] = {1, -8, -8, 3}, k[4] = {8, 9, -1, 2};
    x = from(NUMC_INT8, 4, s);
    y = from(NUMC_INT8, 4, k);
    const numc_array *in2[2] = {x, y};
    numc_array *shl = run(NUMC_PRIM_SHL, NUMC_INT8, 2, in2, NULL);
    numc_array *shr = run(NUMC_PRIM_SHR, NUMC_INT8, 2, in2, NULL);
    CHECK(DATA(int8_t, shl)[0] == 0 && DATA(int8_t, shl)[3] == 12);
    CHECK(DATA(int8_t, shr)[1] == -1 && DATA(int8_t, shr)[2] == -1 && DATA(int8_t, shr)[3] == 0);
    numc_array_release(shl);
    numc_array_release(shr);
    numc_array_release(x);
    numc_array_release(y);

    /* bool add is logical or; NEG has no bool loop (NumPy raises) */
    uint8_t t[2] = {1, 0};
    x = from(NUMC_BOOL, 2, t);
    const numc_array *in3[2] = {x, x};
    numc_array *o = run(NUMC_PRIM_ADD, NUMC_BOOL, 2, in3, NULL);
    CHECK(DATA(uint8_t, o)[0] == 1 && DATA(uint8_t, o)[1] == 0);
    numc_array_release(o);
    CHECK(numc_cpu_ew_loop(NUMC_PRIM_NEG, NUMC_BOOL, NULL) == NULL);
    o = numc_array_new(NUMC_BOOL, 1, x->shape);
    CHECK(numc_cpu_elementwise(NUMC_PRIM_NEG, 1, in3, NULL, &o) == NUMC_ERR_TYPE);
    numc_error_clear();
    numc_array_release(o);
    numc_array_release(x);
}

static void test_float_rules(void) {
    double a[5] = {NAN, 1.0, -0.0, -5.0, 5.0}, b[5] = {1.0, NAN, 2.0, 3.0, -3.0};
    numc_array *x = from(NUMC_FLOAT64, 5, a), *y = from(NUMC_FLOAT64, 5, b);
    const numc_array *in[2] = {x, y};
    numc_array *mx = run(NUMC_PRIM_MAX, NUMC_FLOAT64, 2, in, NULL);
    numc_array *rm = run(NUMC_PRIM_REM, NUMC_FLOAT64, 2, in, NULL);
    CHECK(isnan(DATA(double, mx)[0]) && isnan(DATA(double, mx)[1]));
    CHECK(DATA(double, mx)[3] == 3.0);
    CHECK(DATA(double, rm)[3] == 1.0 && DATA(double, rm)[4] == -1.0); /* sign of divisor */
    CHECK(DATA(double, rm)[2] == 0.0 && !signbit(DATA(double, rm)[2]));
    numc_array_release(mx);
    numc_array_release(rm);
    numc_array_release(x);
    numc_array_release(y);

    /* float -> int casts without UB: nan and out-of-range give INT_MIN, as
     * NumPy's casts do on x86-64 */
    float f[4] = {NAN, 3e9f, -2.7f, 300.5f};
    x = from(NUMC_FLOAT32, 4, f);
    const numc_array *in2[1] = {x};
    numc_params c32 = {.n = 1, .i = {NUMC_INT32}}, c8 = {.n = 1, .i = {NUMC_UINT8}};
    numc_array *i32 = run(NUMC_PRIM_CONVERT, NUMC_INT32, 1, in2, &c32);
    numc_array *u8 = run(NUMC_PRIM_CONVERT, NUMC_UINT8, 1, in2, &c8);
    CHECK(DATA(int32_t, i32)[0] == INT32_MIN && DATA(int32_t, i32)[1] == INT32_MIN);
    CHECK(DATA(int32_t, i32)[2] == -2 && DATA(int32_t, i32)[3] == 300);
    CHECK(DATA(uint8_t, u8)[2] == 254 && DATA(uint8_t, u8)[3] == 44);
    numc_array_release(i32);
    numc_array_release(u8);

    /* exp/log through SLEEF: within 1 ULP of libm's double results */
    numc_array *e = run(NUMC_PRIM_EXP, NUMC_FLOAT32, 1, in2, NULL);
    CHECK(isnan(DATA(float, e)[0]) && isinf(DATA(float, e)[1]));
    CHECK(fabsf(DATA(float, e)[2] - (float)exp(-2.7)) <= 1.2e-7f * (float)exp(-2.7));
    numc_array_release(e);
    numc_array_release(x);
}

static void test_complex(void) {
    numc_complex128 a[3] = {{1, 2}, {NAN, 0}, {1, 1}}, b[3] = {{1, 1}, {1, 0}, {0, 2}};
    numc_array *x = from(NUMC_COMPLEX128, 3, a), *y = from(NUMC_COMPLEX128, 3, b);
    const numc_array *in[2] = {x, y};
    numc_array *gt = run(NUMC_PRIM_GT, NUMC_BOOL, 2, in, NULL);
    numc_array *dv = run(NUMC_PRIM_DIV, NUMC_COMPLEX128, 2, in, NULL);
    CHECK(DATA(uint8_t, gt)[0] == 1 && DATA(uint8_t, gt)[1] == 0 && DATA(uint8_t, gt)[2] == 1);
    /* (1+2j)/(1+1j) = 1.5+0.5j; (1+1j)/2j = 0.5-0.5j */
    CHECK(DATA(numc_complex128, dv)[0].re == 1.5 && DATA(numc_complex128, dv)[0].im == 0.5);
    CHECK(DATA(numc_complex128, dv)[2].re == 0.5 && DATA(numc_complex128, dv)[2].im == -0.5);
    numc_array_release(gt);
    numc_array_release(dv);
    const numc_array *in1[1] = {y};
    numc_array *ab = run(NUMC_PRIM_ABS, NUMC_FLOAT64, 1, in1, NULL);
    CHECK(DATA(double, ab)[1] == 1.0 && DATA(double, ab)[2] == 2.0);
    numc_array_release(ab);
    numc_array_release(x);
    numc_array_release(y);
}

static void test_strided(void) {
    /* x = arange(12).reshape(3, 4); out = x.T[::-1] + row, row broadcast along
     * the first axis: out[i][j] = x[j][3-i] + row[j] */
    float xs[12], row[3] = {100, 200, 300};
    for (int i = 0; i < 12; i++)
        xs[i] = (float)i;
    int64_t shape[2] = {3, 4};
    numc_array *x = numc_array_from_data(NUMC_FLOAT32, 2, shape, xs);
    int64_t vshape[2] = {4, 3}, vstr[2] = {-1, 4};
    numc_array *v = numc_array_view(x, 2, vshape, vstr, 3);
    int64_t three = 3;
    numc_array *r = numc_array_from_data(NUMC_FLOAT32, 1, &three, row);
    int64_t bstr[2] = {0, 1};
    numc_array *rb = numc_array_view(r, 2, vshape, bstr, 0);
    const numc_array *in[2] = {v, rb};
    numc_array *o = run(NUMC_PRIM_ADD, NUMC_FLOAT32, 2, in, NULL);
    bool ok = true;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            ok &= DATA(float, o)[i * 3 + j] == xs[j * 4 + 3 - i] + row[j];
    CHECK(ok);
    numc_array *c = numc_array_new(NUMC_FLOAT32, 2, vshape);
    CHECK(numc_cpu_copy(v, c) == NUMC_OK);
    ok = true;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            ok &= DATA(float, c)[i * 3 + j] == xs[j * 4 + 3 - i];
    CHECK(ok);
    /* select with a broadcast scalar operand */
    uint8_t pv[3] = {1, 0, 1};
    numc_array *p = numc_array_from_data(NUMC_BOOL, 1, &three, pv);
    numc_array *pb = numc_array_view(p, 2, vshape, bstr, 0);
    float zero = 0;
    numc_array *z = numc_array_from_data(NUMC_FLOAT32, 0, NULL, &zero);
    int64_t zstr[2] = {0, 0};
    numc_array *zb = numc_array_view(z, 2, vshape, zstr, 0);
    const numc_array *sin_[3] = {pb, v, zb};
    numc_array *s = run(NUMC_PRIM_SELECT, NUMC_FLOAT32, 3, sin_, NULL);
    ok = true;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            ok &= DATA(float, s)[i * 3 + j] == (pv[j] ? xs[j * 4 + 3 - i] : 0.0f);
    CHECK(ok);
    numc_array *arrs[] = {x, v, r, rb, o, c, p, pb, z, zb, s};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++)
        numc_array_release(arrs[i]);
}

static void test_threaded(void) {
    /* big enough to be split across the pool: (1024, 1024) transposed + 1 */
    int64_t shape[2] = {1024, 1024};
    int64_t n = shape[0] * shape[1];
    int32_t *d = malloc(sizeof(int32_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++)
        d[i] = (int32_t)i;
    numc_array *x = numc_array_from_data(NUMC_INT32, 2, shape, d);
    int64_t tstr[2] = {1, 1024};
    numc_array *t = numc_array_view(x, 2, shape, tstr, 0);
    int32_t one = 1;
    numc_array *s = numc_array_from_data(NUMC_INT32, 0, NULL, &one);
    int64_t zstr[2] = {0, 0};
    numc_array *sb = numc_array_view(s, 2, shape, zstr, 0);
    const numc_array *in[2] = {t, sb};
    numc_array *o = run(NUMC_PRIM_ADD, NUMC_INT32, 2, in, NULL);
    bool ok = true;
    for (int64_t i = 0; i < 1024; i++)
        for (int64_t j = 0; j < 1024; j++)
            ok &= DATA(int32_t, o)[i * 1024 + j] == j * 1024 + i + 1;
    CHECK(ok);
    free(d);
    numc_array *arrs[] = {x, t, s, sb, o};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++)
        numc_array_release(arrs[i]);
}

static void test_expr_text(void) {
    CHECK(strcmp(numc_ew_expr_text(NUMC_PRIM_ADD, NUMC_FLOAT32), "((a) + (b))") == 0);
    CHECK(strcmp(numc_ew_expr_text(NUMC_PRIM_ADD, NUMC_INT32),
                 "((int32_t)((uint64_t)(a) + (uint64_t)(b)))") == 0);
    CHECK(strcmp(numc_ew_expr_text(NUMC_PRIM_ADD, NUMC_COMPLEX64), "ew_c_add_COMPLEX64(a, b)") ==
          0);
    CHECK(strstr(numc_ew_expr_text(NUMC_PRIM_EXP, NUMC_FLOAT32), "expf") != NULL);
    CHECK(strstr(numc_ew_expr_text(NUMC_PRIM_EXP, NUMC_FLOAT16), "expf") != NULL);
    CHECK(strcmp(numc_ew_expr_text(NUMC_PRIM_EXP, NUMC_COMPLEX128), "ew_c_exp_COMPLEX128(x)") == 0);
    CHECK(numc_ew_expr_text(NUMC_PRIM_SQRT, NUMC_INT32) == NULL);
    CHECK(numc_ew_expr_text(NUMC_PRIM_DOT_GENERAL, NUMC_FLOAT32) == NULL);
    /* every elementwise loop of the CPU has its expression and vice versa
     * (select/convert/bitcast move data and have none) */
    numc_params prm = {0};
    for (int p = 0; p < NUMC_PRIM_COUNT; p++) {
        if (!(numc_prim_info[p].flags & PF_EW) || p == NUMC_PRIM_SELECT || p == NUMC_PRIM_CONVERT ||
            p == NUMC_PRIM_BITCAST)
            continue;
        for (int dt = 0; dt < NUMC_DTYPE_COUNT; dt++) {
            bool loop = numc_cpu_ew_loop((numc_prim)p, (numc_dtype)dt, &prm) != NULL;
            bool text = numc_ew_expr_text((numc_prim)p, (numc_dtype)dt) != NULL;
            if (loop != text)
                fprintf(stderr, "%s %s: loop %d text %d\n", numc_prim_info[p].name,
                        numc_dtype_name((numc_dtype)dt), loop, text);
            CHECK(loop == text);
        }
    }
}

int main(void) {
    test_half_rounding();
    test_int_rules();
    test_float_rules();
    test_complex();
    test_strided();
    test_threaded();
    test_expr_text();
    return CHECK_DONE();
}
