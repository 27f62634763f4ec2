/* test_format.c — numc_array_repr/str against strings NumPy 2.4 (and
 * ml_dtypes for bfloat16) printed for the same arrays: every dtype family,
 * 0-d, empty, multi-d, summarised, strided views and the print options.
 * These pin the C API; randomised comparison over every dtype and shape
 * belongs with the Python tests, where NumPy is at hand. */
#include "core/core-impl.h"
#include "np/format.h"
#include "check.h"

#include <stdio.h>

static void expect(const char *what, char *got, const char *want) {
    checks++;
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "%s:\n  want: %s\n  got:  %s (%s)\n", what, want, got ? got : "NULL",
                got ? "" : numc_error_message());
        failures++;
    }
    free(got);
}

static void check(const char *name, numc_array *a, const char *repr, const char *str) {
    if (!a) {
        fprintf(stderr, "%s: could not build the array: %s\n", name, numc_error_message());
        failures++;
        return;
    }
    char what[128];
    snprintf(what, sizeof what, "%s repr", name);
    expect(what, numc_array_repr(a), repr);
    if (str) {
        snprintf(what, sizeof what, "%s str", name);
        expect(what, numc_array_str(a), str);
    }
    numc_array_release(a);
}

static numc_array *f64s(int ndim, const int64_t *shape, const double *v) {
    return numc_array_from_data(NUMC_FLOAT64, ndim, shape, v);
}

/* Half types are stored as bit patterns; round each double once. */
static numc_array *halfs(numc_dtype dt, int64_t n, const double *v) {
    uint16_t h[16];
    for (int64_t i = 0; i < n; i++)
        h[i] = dt == NUMC_FLOAT16 ? numc_f64_to_f16(v[i]) : numc_f64_to_bf16(v[i]);
    return numc_array_from_data(dt, 1, &n, h);
}

static void test_dtypes(void) {
    int64_t n3 = 3, n2 = 2, n5 = 5;
    check("float64", f64s(1, &n3, (double[]){1, 2.5, -3.25}), "array([ 1.  ,  2.5 , -3.25])",
          "[ 1.    2.5  -3.25]");

    int32_t i32[6] = {1, 2, 3, 4, 5, 6};
    check("int32", numc_array_from_data(NUMC_INT32, 2, (int64_t[]){2, 3}, i32),
          "array([[1, 2, 3],\n       [4, 5, 6]], dtype=int32)", "[[1 2 3]\n [4 5 6]]");

    int64_t i64[24];
    for (int i = 0; i < 24; i++)
        i64[i] = i;
    check("int64 3-d", numc_array_from_data(NUMC_INT64, 3, (int64_t[]){2, 3, 4}, i64),
          "array([[[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]],\n\n"
          "       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]])",
          "[[[ 0  1  2  3]\n  [ 4  5  6  7]\n  [ 8  9 10 11]]\n\n"
          " [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]");

    float f32[3] = {0.1f, 1e-5f, 123456.0f};
    check("float32 scientific", numc_array_from_data(NUMC_FLOAT32, 1, &n3, f32),
          "array([1.00000e-01, 1.00000e-05, 1.23456e+05], dtype=float32)",
          "[1.00000e-01 1.00000e-05 1.23456e+05]");

    check("bfloat16", halfs(NUMC_BFLOAT16, 2, (double[]){1, 2.5}),
          "array([1, 2.5], dtype=bfloat16)", "[1 2.5]");
    /* float16's scientific cut-off is 1e3, not float64's 1e8 */
    check("float16", halfs(NUMC_FLOAT16, 2, (double[]){1000, 1}),
          "array([1.e+03, 1.e+00], dtype=float16)", "[1.e+03 1.e+00]");

    numc_complex128 c[2] = {{1, 2}, {3.5, -1e-3}};
    check("complex128", numc_array_from_data(NUMC_COMPLEX128, 1, &n2, c),
          "array([1. +2.e+00j, 3.5-1.e-03j])", "[1. +2.e+00j 3.5-1.e-03j]");

    check("non-finite", f64s(1, &n5, (double[]){NAN, INFINITY, -INFINITY, 1, -0.0}),
          "array([ nan,  inf, -inf,   1.,  -0.])", "[ nan  inf -inf   1.  -0.]");

    uint8_t b[2] = {1, 0};
    check("bool", numc_array_from_data(NUMC_BOOL, 1, &n2, b), "array([ True, False])",
          "[ True False]");

    uint64_t u[2] = {0, UINT64_MAX};
    check("uint64", numc_array_from_data(NUMC_UINT64, 1, &n2, u),
          "array([                   0, 18446744073709551615], dtype=uint64)",
          "[                   0 18446744073709551615]");
}

static void test_shapes(void) {
    /* 0-d: repr keeps the array form, str prints the scalar */
    check("0-d float64", numc_array_from_data(NUMC_FLOAT64, 0, NULL, (double[]){1.5}), "array(1.5)",
          "1.5");
    check("0-d bool", numc_array_from_data(NUMC_BOOL, 0, NULL, (uint8_t[]){1}), "array(True)",
          "True");
    check("0-d float32", numc_array_from_data(NUMC_FLOAT32, 0, NULL, (float[]){1e20f}),
          "array(1.e+20, dtype=float32)", "1e+20");
    check("0-d complex", numc_array_from_data(NUMC_COMPLEX128, 0, NULL, (double[]){1, 2}),
          "array(1.+2.j)", "(1+2j)");
    uint16_t bf = numc_f64_to_bf16(2.5);
    check("0-d bfloat16", numc_array_from_data(NUMC_BFLOAT16, 0, NULL, &bf),
          "array(2.5, dtype=bfloat16)", "2.5");

    int64_t zero = 0;
    check("empty float32", numc_array_from_data(NUMC_FLOAT32, 1, &zero, NULL),
          "array([], dtype=float32)", "[]");
    check("empty (0, 3)", numc_array_from_data(NUMC_FLOAT64, 2, (int64_t[]){0, 3}, NULL),
          "array([], shape=(0, 3), dtype=float64)", "[]");

    /* summarised past the threshold, with shape= in the repr */
    int64_t n = 2000;
    int64_t *r = malloc(sizeof(int64_t) * 2000);
    for (int i = 0; i < 2000; i++)
        r[i] = i;
    check("arange(2000)", numc_array_from_data(NUMC_INT64, 1, &n, r),
          "array([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,))",
          "[   0    1    2 ... 1997 1998 1999]");
    free(r);

    /* line wrapping at 75 columns */
    double lin[20];
    for (int i = 0; i < 20; i++)
        lin[i] = i / 19.0;
    int64_t n20 = 20;
    check("linspace(0, 1, 20)", f64s(1, &n20, lin),
          "array([0.        , 0.05263158, 0.10526316, 0.15789474, 0.21052632,\n"
          "       0.26315789, 0.31578947, 0.36842105, 0.42105263, 0.47368421,\n"
          "       0.52631579, 0.57894737, 0.63157895, 0.68421053, 0.73684211,\n"
          "       0.78947368, 0.84210526, 0.89473684, 0.94736842, 1.        ])",
          "[0.         0.05263158 0.10526316 0.15789474 0.21052632 0.26315789\n"
          " 0.31578947 0.36842105 0.42105263 0.47368421 0.52631579 0.57894737\n"
          " 0.63157895 0.68421053 0.73684211 0.78947368 0.84210526 0.89473684\n"
          " 0.94736842 1.        ]");

    /* a strided view prints in its logical (C) order */
    double six[6] = {0, 1, 2, 3, 4, 5};
    numc_array *a = f64s(2, (int64_t[]){2, 3}, six);
    check("transposed view", numc_transpose(a, NULL, 0),
          "array([[0., 3.],\n       [1., 4.],\n       [2., 5.]])", "[[0. 3.]\n [1. 4.]\n [2. 5.]]");
    numc_array_release(a);
}

static void test_options(void) {
    numc_print_options saved, o;
    numc_get_print_options(&saved);
    int64_t n2 = 2, n10 = 10;
    int64_t ten[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    o = saved;
    o.precision = 3;
    numc_set_print_options(&o);
    check("precision=3", f64s(1, &n2, (double[]){1.0 / 3, 2.0 / 3}), "array([0.333, 0.667])", NULL);

    o = saved;
    o.threshold = 5;
    o.edgeitems = 2;
    numc_set_print_options(&o);
    check("threshold=5 edgeitems=2", numc_array_from_data(NUMC_INT64, 1, &n10, ten),
          "array([0, 1, ..., 8, 9], shape=(10,))", NULL);

    o = saved;
    o.suppress = true;
    numc_set_print_options(&o);
    check("suppress", f64s(1, &n2, (double[]){1e-6, 1}), "array([0.000001, 1.      ])", NULL);

    o = saved;
    o.sign = '+';
    numc_set_print_options(&o);
    check("sign=+", f64s(1, &n2, (double[]){1, -2}), "array([+1., -2.])", NULL);

    o = saved;
    o.linewidth = 20;
    numc_set_print_options(&o);
    check("linewidth=20", numc_array_from_data(NUMC_INT64, 1, &n10, ten),
          "array([0, 1, 2, 3,\n       4, 5, 6, 7,\n       8, 9])", NULL);

    o = saved;
    o.sign = 'x';
    if (numc_set_print_options(&o) != NUMC_ERR_VALUE) {
        fprintf(stderr, "a bad sign option was accepted\n");
        failures++;
    }
    numc_set_print_options(&saved);

    /* np.format_float_positional / scientific */
    expect("format_float_positional",
           numc_format_float(0.1f, NUMC_FLOAT32, false, true, true, -1, -1, false, 'k', -1, -1, -1),
           "0.1");
    expect(
        "format_float_scientific",
        numc_format_float(1.0 / 3, NUMC_FLOAT64, true, true, true, 4, -1, false, 'k', -1, -1, -1),
        "3.3333e-01");
    expect("scalar str", numc_format_scalar_str(NUMC_FLOAT32, (float[]){1e-4f}), "1e-04");
}

/* numc_array_print writes str() and a newline, as Python's print() does. */
static void test_print(void) {
    int64_t n2 = 2;
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, 1, &n2, (double[]){0.5, 2});
    FILE *f = tmpfile();
    if (!a || !f) {
        fprintf(stderr, "test_print: setup failed\n");
        failures++;
        if (f) fclose(f);
        numc_array_release(a);
        return;
    }
    numc_array_print(a, f);
    char buf[64] = {0};
    rewind(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    numc_array_release(a);
    if (got != 10 || strcmp(buf, "[0.5 2. ]\n") != 0) {
        fprintf(stderr, "numc_array_print wrote \"%s\"\n", buf);
        failures++;
    }
}

int main(void) {
    int64_t live0 = numc_live_arrays();
    test_dtypes();
    test_shapes();
    test_options();
    test_print();
    if (numc_live_arrays() != live0)
        FAIL("leaked %lld arrays", (long long)(numc_live_arrays() - live0));
    return CHECK_DONE();
}
