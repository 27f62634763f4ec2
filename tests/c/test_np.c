/* test_np.c — the NumPy layer (src/np) against values and errors NumPy 2.x
 * gives for the same calls: dtype rules, NEP 50 weak scalars, compositions
 * (floor_divide, fmod, logaddexp, ldexp, ...), reductions, manipulation,
 * indexing, linear algebra and the error messages. */
#include "check.h"
#include "numc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An array of dtype dt from double values (complex: re, im pairs). */
static numc_array *mk(numc_dtype dt, int nd, const int64_t *shape, const double *v) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    bool cx = numc_dtype_kind(dt) == 'c';
    numc_array *base = numc_array_from_data(cx ? NUMC_COMPLEX128 : NUMC_FLOAT64, nd, shape, v);
    numc_array *r = base ? numc_astype(base, dt) : NULL;
    numc_array_release(base);
    if (!r) {
        fprintf(stderr, "cannot build a test array: %s\n", numc_error_message());
        exit(2);
    }
    (void)n;
    return r;
}

#define V(...) ((const double[]){__VA_ARGS__})
#define S(...) ((const int64_t[]){__VA_ARGS__})
#define A1(dt, ...) mk(dt, 1, S(sizeof(V(__VA_ARGS__)) / sizeof(double)), V(__VA_ARGS__))

#define CHECK1(r, dt, tol, ...)                                                                    \
    CHECK(r, dt, 1,                                                                                \
          S(sizeof(V(__VA_ARGS__)) / sizeof(double) / (numc_dtype_kind(dt) == 'c' ? 2 : 1)),       \
          V(__VA_ARGS__), tol)
#define CHECK_ERR CHECK_ERROR /* the name this file's bodies use */

static void test_unary(void) {
    numc_array *i8 = A1(NUMC_INT8, 1, 4, 9), *b = A1(NUMC_BOOL, 1, 0);
    CHECK1(numc_sqrt(i8), NUMC_FLOAT16, 0, 1, 2, 3);
    CHECK1(numc_exp(b), NUMC_FLOAT16, 1e-3, 2.71875, 1);
    numc_array *i16 = A1(NUMC_INT16, 4), *i32 = A1(NUMC_INT32, 4);
    CHECK1(numc_sqrt(i16), NUMC_FLOAT32, 0, 2);
    CHECK1(numc_sqrt(i32), NUMC_FLOAT64, 0, 2);
    CHECK_ERR(numc_negative(b), NUMC_ERR_TYPE,
              "The numpy boolean negative, the `-` operator, is not supported, use the `~` "
              "operator or the logical_not function instead.");
    CHECK1(numc_square(b), NUMC_INT8, 0, 1, 0);
    CHECK1(numc_floor(i8), NUMC_INT8, 0, 1, 4, 9);
    numc_array *r = A1(NUMC_INT32, 0, 1, -1, 2, -2);
    CHECK1(numc_reciprocal(r), NUMC_INT32, 0, -2147483648.0, 1, -1, 0, 0);
    numc_array *f = A1(NUMC_FLOAT64, -1.5, -0.0, 2.5, INFINITY, NAN);
    CHECK1(numc_fix(f), NUMC_FLOAT64, 0, -1, -0.0, 2, INFINITY, NAN);
    CHECK1(numc_rint(f), NUMC_FLOAT64, 0, -2, -0.0, 2, INFINITY, NAN);
    CHECK1(numc_isposinf(f), NUMC_BOOL, 0, 0, 0, 0, 1, 0);
    CHECK1(numc_signbit(f), NUMC_BOOL, 0, 1, 1, 0, 0, 0);
    CHECK1(numc_invert(i8), NUMC_INT8, 0, -2, -5, -10);
    CHECK_ERR(numc_invert(f), NUMC_ERR_TYPE,
              "ufunc 'invert' not supported for the input types, and the inputs could not be "
              "safely coerced to any supported types according to the casting rule ''safe''");
    numc_array *neg = A1(NUMC_INT8, -128, -1, 3);
    CHECK1(numc_bitwise_count(neg), NUMC_UINT8, 0, 1, 1, 2);
    numc_array *z = mk(NUMC_COMPLEX128, 1, S(3), V(3, 4, 0, 0, INFINITY, 1));
    CHECK1(numc_absolute(z), NUMC_FLOAT64, 0, 5, 0, INFINITY);
    CHECK1(numc_sign(z), NUMC_COMPLEX128, 1e-15, 0.6, 0.8, 0, 0, 1, 0);
    CHECK1(numc_angle(i8), NUMC_FLOAT16, 0, 0, 0, 0);
    CHECK1(numc_angle(b), NUMC_FLOAT64, 0, 0, 0);
    CHECK1(numc_iscomplex(z), NUMC_BOOL, 0, 1, 0, 1);
    numc_array *s = A1(NUMC_FLOAT64, 0, 0.5, 1);
    CHECK1(numc_sinc(s), NUMC_FLOAT64, 1e-12, 1, 0.63661977236758134, 3.8981718325193755e-17);
    numc_array *deg = A1(NUMC_FLOAT32, 180);
    CHECK1(numc_deg2rad(deg), NUMC_FLOAT32, 0, (float)M_PI);
    numc_array_release(deg);
    CHECK1(numc_isnan(i8), NUMC_BOOL, 0, 0, 0, 0);
    numc_array *w = numc_scalar_i64(4);
    CHECK(numc_sqrt(w), NUMC_FLOAT64, 0, NULL, V(2), 0);
    CHECK(numc_positive(w), NUMC_INT64, 0, NULL, V(4), 0);
    numc_array_release(w);
    numc_array_release(i8), numc_array_release(b), numc_array_release(i16);
    numc_array_release(i32), numc_array_release(r), numc_array_release(f);
    numc_array_release(neg), numc_array_release(z), numc_array_release(s);
}

static void test_binary(void) {
    numc_array *u8 = A1(NUMC_UINT8, 1, 2), *w300 = numc_scalar_i64(300);
    CHECK_ERR(numc_add(u8, w300), NUMC_ERR_OVERFLOW, "Python integer 300 out of bounds for uint8");
    CHECK1(numc_equal(u8, w300), NUMC_BOOL, 0, 0, 0);
    CHECK1(numc_less(u8, w300), NUMC_BOOL, 0, 1, 1);
    numc_array *w15 = numc_scalar_f64(1.5), *f32 = A1(NUMC_FLOAT32, 1, 2);
    CHECK1(numc_add(f32, w15), NUMC_FLOAT32, 0, 2.5, 3.5);
    numc_array *i8 = A1(NUMC_INT8, 7, -7, 7, -7, 5, -128), *d8 = A1(NUMC_INT8, 2, 2, -2, -2, 0, -1);
    CHECK1(numc_add(i8, w15), NUMC_FLOAT64, 0, 8.5, -5.5, 8.5, -5.5, 6.5, -126.5);
    CHECK1(numc_divide(i8, d8), NUMC_FLOAT64, 0, 3.5, -3.5, -3.5, 3.5, INFINITY, 128);
    CHECK1(numc_floor_divide(i8, d8), NUMC_INT8, 0, 3, -4, -4, 3, 0, -128);
    CHECK1(numc_remainder(i8, d8), NUMC_INT8, 0, 1, 1, -1, -1, 0, 0);
    CHECK1(numc_fmod(i8, d8), NUMC_INT8, 0, 1, -1, 1, -1, 0, 0);
    numc_array *fa = A1(NUMC_FLOAT64, 7, -7, 7, -7, 0, -0.0, 5, INFINITY, 1, 1e300);
    numc_array *fb = A1(NUMC_FLOAT64, 2, 2, -2, -2, 3, 3, 0, 2, INFINITY, 1e-300);
    CHECK1(numc_floor_divide(fa, fb), NUMC_FLOAT64, 0, 3, -4, -4, 3, 0, -0.0, INFINITY, NAN, 0,
           INFINITY);
    CHECK1(numc_remainder(fa, fb), NUMC_FLOAT64, 0, 1, 1, -1, -1, 0, 0, NAN, NAN, 1,
           fmod(1e300, 1e-300));
    CHECK1(numc_fmod(fa, fb), NUMC_FLOAT64, 0, 1, -1, 1, -1, 0, -0.0, NAN, NAN, 1,
           fmod(1e300, 1e-300));
    numc_array *wm1 = numc_scalar_i64(-1);
    CHECK_ERR(numc_power(i8, wm1), NUMC_ERR_VALUE,
              "Integers to negative integer powers are not allowed.");
    CHECK_ERR(numc_bitwise_and(f32, f32), NUMC_ERR_TYPE,
              "ufunc 'bitwise_and' not supported for the input types, and the inputs could not "
              "be safely coerced to any supported types according to the casting rule ''safe''");
    numc_array *m23 = mk(NUMC_FLOAT64, 2, S(2, 3), V(1, 2, 3, 4, 5, 6));
    numc_array *v4 = A1(NUMC_FLOAT64, 1, 2, 3, 4);
    CHECK_ERR(numc_add(m23, v4), NUMC_ERR_VALUE,
              "operands could not be broadcast together with shapes (2,3) (4,) ");
    numc_array *col = mk(NUMC_FLOAT64, 2, S(2, 1), V(10, 20));
    CHECK(numc_add(m23, col), NUMC_FLOAT64, 2, S(2, 3), V(11, 12, 13, 24, 25, 26), 0);
    numc_array *b = A1(NUMC_BOOL, 1, 0);
    CHECK1(numc_add(b, b), NUMC_BOOL, 0, 1, 0);
    CHECK1(numc_floor_divide(b, b), NUMC_INT8, 0, 1, 0);
    CHECK_ERR(numc_subtract(b, b), NUMC_ERR_TYPE,
              "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, "
              "the `^` operator, or the logical_xor function instead.");
    numc_array *u8b = A1(NUMC_UINT8, 3, 3, 3, 3, 0, 0);
    CHECK1(numc_arctan2(i8, u8b), NUMC_FLOAT16, 1e-3, 1.1659, -1.1659, 1.1659, -1.1659, 1.5708,
           -1.5708);
    numc_array *x = A1(NUMC_FLOAT64, INFINITY, -INFINITY, NAN, 1, 2);
    numc_array *y = A1(NUMC_FLOAT64, INFINITY, -INFINITY, 1, NAN, 3);
    CHECK1(numc_logaddexp(x, y), NUMC_FLOAT64, 1e-15, INFINITY, -INFINITY, NAN, NAN,
           3.3132616875182228);
    CHECK1(numc_fmax(x, y), NUMC_FLOAT64, 0, INFINITY, -INFINITY, 1, 1, 3);
    numc_array *h = A1(NUMC_FLOAT64, NAN, -0.0, 0, -1, 1), *h0 = numc_scalar_f64(0.5);
    CHECK1(numc_heaviside(h, h0), NUMC_FLOAT64, 0, NAN, 0.5, 0.5, 0, 1);
    numc_array *m = A1(NUMC_FLOAT64, 1e-300, 1e300, 5e-324, 3),
               *e = A1(NUMC_INT64, -800, -2000, 2097, 2000);
    CHECK1(numc_ldexp(m, e), NUMC_FLOAT64, 0, 0, ldexp(1e300, -2000), ldexp(5e-324, 2097),
           INFINITY);
    numc_array *big = mk(NUMC_INT64, 1, S(1), V(9223372036854775807.0));
    numc_array *ubig = mk(NUMC_UINT64, 1, S(1), V(9223372036854775808.0));
    numc_array *im1 = A1(NUMC_INT64, -1);
    CHECK1(numc_less(im1, ubig), NUMC_BOOL, 0, 1);
    CHECK1(numc_equal(big, ubig), NUMC_BOOL, 0, 0);
    numc_array *out[2];
    if (numc_divmod(fa, fb, out) == NUMC_OK) {
        CHECK1(out[0], NUMC_FLOAT64, 0, 3, -4, -4, 3, 0, -0.0, INFINITY, NAN, 0, INFINITY);
        numc_array_release(out[1]);
    } else {
        FAIL("divmod: %s", numc_error_message());
    }
    numc_array *mf = A1(NUMC_FLOAT64, -1.5, -0.0, INFINITY);
    if (numc_modf(mf, out) == NUMC_OK) {
        CHECK1(out[0], NUMC_FLOAT64, 0, -0.5, -0.0, 0);
        CHECK1(out[1], NUMC_FLOAT64, 0, -1, -0.0, INFINITY);
    } else {
        FAIL("modf: %s", numc_error_message());
    }
    numc_array *c = A1(NUMC_BOOL, 1, 0);
    CHECK1(numc_where(c, u8, w300), NUMC_UINT8, 0, 1, 44);
    numc_array *wm1b = numc_scalar_i64(-1), *w3 = numc_scalar_i64(3),
               *u3 = A1(NUMC_UINT8, 1, 5, 200);
    CHECK1(numc_clip(u3, wm1b, w3), NUMC_UINT8, 0, 1, 3, 3);
    numc_array *rd = A1(NUMC_FLOAT64, 1.2345, -2.5, 15, 25);
    CHECK1(numc_round(rd, 2), NUMC_FLOAT64, 0, 1.23, -2.5, 15, 25);
    CHECK1(numc_round(rd, -1), NUMC_FLOAT64, 0, 0, -0.0, 20, 20);
    numc_array *ri = A1(NUMC_UINT8, 15, 25, 255);
    CHECK1(numc_round(ri, -1), NUMC_UINT8, 0, 20, 20, 4);
    numc_array *list[] = {u8, w300, w15, f32, i8, d8,  fa,   fb,  wm1, m23,  v4, col, b,  u8b, x,
                          y,  h,    h0,  m,   e,  big, ubig, im1, c,   wm1b, w3, u3,  rd, ri,  mf};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        numc_array_release(list[i]);
}

static void test_reduce(void) {
    numc_array *i8 = mk(NUMC_INT8, 2, S(2, 3), V(100, 100, 3, -4, 5, -6));
    int64_t ax0 = 0, ax1 = 1, ax5 = 5;
    CHECK(numc_sum(i8, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_INT64, 0, NULL, V(198), 0);
    CHECK1(numc_sum(i8, &ax0, 1, false, NUMC_DTYPE_NONE), NUMC_INT64, 0, 96, 105, -3);
    CHECK(numc_sum(i8, &ax1, 1, true, NUMC_DTYPE_NONE), NUMC_INT64, 2, S(2, 1), V(203, -5), 0);
    CHECK(numc_sum(i8, NULL, 0, false, NUMC_INT8), NUMC_INT8, 0, NULL, V(-58), 0);
    CHECK(numc_mean(i8, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_FLOAT64, 0, NULL, V(33), 0);
    CHECK_ERR(numc_sum(i8, &ax5, 1, false, NUMC_DTYPE_NONE), NUMC_ERR_AXIS,
              "axis 5 is out of bounds for array of dimension 2");
    numc_array *b = A1(NUMC_BOOL, 1, 1, 0);
    CHECK(numc_sum(b, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_INT64, 0, NULL, V(2), 0);
    CHECK(numc_any(b, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_BOOL, 0, NULL, V(1), 0);
    CHECK(numc_all(b, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_BOOL, 0, NULL, V(0), 0);
    numc_array *empty = mk(NUMC_FLOAT64, 2, S(3, 0), V(0));
    CHECK_ERR(numc_max(empty, &ax1, 1, false, NUMC_DTYPE_NONE), NUMC_ERR_VALUE,
              "zero-size array to reduction operation maximum which has no identity");
    CHECK1(numc_sum(empty, &ax1, 1, false, NUMC_DTYPE_NONE), NUMC_FLOAT64, 0, 0, 0, 0);
    CHECK1(numc_prod(empty, &ax1, 1, false, NUMC_DTYPE_NONE), NUMC_FLOAT64, 0, 1, 1, 1);
    numc_array *c = mk(NUMC_COMPLEX128, 1, S(2), V(1, 1, 2, 0));
    CHECK(numc_var(c, NULL, 0, false, NUMC_DTYPE_NONE, 0), NUMC_FLOAT64, 0, NULL, V(0.5), 1e-15);
    CHECK(numc_mean(c, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_COMPLEX128, 0, NULL, V(1.5, 0.5), 0);
    numc_array *h = A1(NUMC_FLOAT16, 1, 2, 4);
    CHECK(numc_mean(h, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_FLOAT16, 0, NULL, V(2.333984375), 0);
    numc_array *f = mk(NUMC_FLOAT64, 2, S(2, 3), V(1, 5, 3, 9, 2, 9));
    CHECK(numc_std(f, &ax1, 1, false, NUMC_DTYPE_NONE, 1), NUMC_FLOAT64, 1, S(2),
          V(2, 4.0414518843273806), 1e-12);
    CHECK(numc_ptp(f, NULL, 0, false, NUMC_DTYPE_NONE), NUMC_FLOAT64, 0, NULL, V(8), 0);
    CHECK(numc_argmax(f, NULL, false), NUMC_INT64, 0, NULL, V(3), 0);
    CHECK1(numc_argmin(f, &ax1, false), NUMC_INT64, 0, 0, 1);
    CHECK(numc_argmax(f, &ax0, true), NUMC_INT64, 2, S(1, 3), V(1, 0, 1), 0);
    CHECK(numc_count_nonzero(i8, NULL, 0, false), NUMC_INT64, 0, NULL, V(6), 0);
    CHECK1(numc_cumsum(i8, NULL, NUMC_DTYPE_NONE), NUMC_INT64, 0, 100, 200, 203, 199, 204, 198);
    CHECK(numc_cumprod(f, &ax0, NUMC_DTYPE_NONE), NUMC_FLOAT64, 2, S(2, 3), V(1, 5, 3, 9, 10, 27),
          0);
    numc_array *list[] = {i8, b, empty, c, h, f};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        numc_array_release(list[i]);
}

static void test_manip(void) {
    numc_array *a = mk(NUMC_INT32, 2, S(2, 3), V(0, 1, 2, 3, 4, 5));
    CHECK_ERR(numc_reshape(a, 1, S(4)), NUMC_ERR_VALUE,
              "cannot reshape array of size 6 into shape (4,)");
    CHECK_ERR(numc_reshape(a, 2, S(4, -1)), NUMC_ERR_VALUE,
              "cannot reshape array of size 6 into shape (4,newaxis)");
    CHECK(numc_reshape(a, 2, S(-1, 2)), NUMC_INT32, 2, S(3, 2), V(0, 1, 2, 3, 4, 5), 0);
    CHECK(numc_transpose(a, NULL, 0), NUMC_INT32, 2, S(3, 2), V(0, 3, 1, 4, 2, 5), 0);
    CHECK_ERR(numc_transpose(a, S(0, 0), 2), NUMC_ERR_VALUE, "repeated axis in transpose");
    CHECK(numc_expand_dims(a, S(0, 3), 2), NUMC_INT32, 4, S(1, 2, 3, 1), V(0, 1, 2, 3, 4, 5), 0);
    CHECK(numc_flip(a, S(1), 1), NUMC_INT32, 2, S(2, 3), V(2, 1, 0, 5, 4, 3), 0);
    numc_array *seven = A1(NUMC_INT8, 7);
    CHECK(numc_broadcast_to(seven, 2, S(2, 2)), NUMC_INT8, 2, S(2, 2), V(7, 7, 7, 7), 0);
    numc_array_release(seven);
    numc_array *b = mk(NUMC_FLOAT32, 2, S(2, 2), V(9, 8, 7, 6));
    const numc_array *ab[] = {a, b};
    int64_t ax1 = 1, ax0 = 0;
    CHECK(numc_concatenate(2, ab, &ax1), NUMC_FLOAT64, 2, S(2, 5), V(0, 1, 2, 9, 8, 3, 4, 5, 7, 6),
          0);
    CHECK_ERR(numc_concatenate(2, ab, &ax0), NUMC_ERR_VALUE,
              "all the input array dimensions except for the concatenation axis must match "
              "exactly, but along dimension 1, the array at index 0 has size 3 and the array at "
              "index 1 has size 2");
    const numc_array *bb[] = {b, b};
    CHECK(numc_stack(2, bb, 2), NUMC_FLOAT32, 3, S(2, 2, 2), V(9, 9, 8, 8, 7, 7, 6, 6), 0);
    CHECK(numc_vstack(2, bb), NUMC_FLOAT32, 2, S(4, 2), V(9, 8, 7, 6, 9, 8, 7, 6), 0);
    numc_array **parts;
    int n;
    if (numc_split(a, 0, S(1, 5), 2, 1, &parts, &n) == NUMC_OK) {
        if (n != 3) FAIL("split: %d parts", n);
        CHECK(parts[0], NUMC_INT32, 2, S(2, 1), V(0, 3), 0);
        CHECK(parts[1], NUMC_INT32, 2, S(2, 2), V(1, 2, 4, 5), 0);
        CHECK(parts[2], NUMC_INT32, 2, S(2, 0), V(0), 0);
        free(parts);
    } else {
        FAIL("split: %s", numc_error_message());
    }
    CHECK(numc_moveaxis(a, S(0), S(-1), 1), NUMC_INT32, 2, S(3, 2), V(0, 3, 1, 4, 2, 5), 0);
    CHECK(numc_slice(a, S(1, 2), S(-1, -1), S(-1, -2)), NUMC_INT32, 2, S(2, 2), V(5, 3, 2, 0), 0);
    numc_array *idx = A1(NUMC_INT64, 2, -1, 0);
    CHECK(numc_take(a, idx, &ax1), NUMC_INT32, 2, S(2, 3), V(2, 2, 0, 5, 5, 3), 0);
    numc_array *bad = A1(NUMC_INT64, 5);
    CHECK_ERR(numc_take(a, bad, &ax0), NUMC_ERR_INDEX,
              "index 5 is out of bounds for axis 0 with size 2");
    numc_array_release(a), numc_array_release(b), numc_array_release(idx), numc_array_release(bad);
}

static void test_creation_linalg(void) {
    CHECK1(numc_arange(0, 1, 0.25, NUMC_FLOAT64), NUMC_FLOAT64, 0, 0, 0.25, 0.5, 0.75);
    CHECK1(numc_arange(0.5, 5, 1.5, NUMC_INT64), NUMC_INT64, 0, 0, 2, 4);
    CHECK1(numc_linspace(0, 1, 5, true, NUMC_DTYPE_NONE), NUMC_FLOAT64, 0, 0, 0.25, 0.5, 0.75, 1);
    CHECK1(numc_linspace(-1, 1, 5, true, NUMC_INT64), NUMC_INT64, 0, -1, -1, 0, 0, 1);
    CHECK(numc_eye(2, 3, 1, NUMC_INT8), NUMC_INT8, 2, S(2, 3), V(0, 1, 0, 0, 0, 1), 0);
    CHECK_ERR(numc_zeros(2, S(2, -1), NUMC_DTYPE_NONE), NUMC_ERR_VALUE,
              "negative dimensions are not allowed");
    numc_array *w = numc_scalar_i64(3);
    CHECK(numc_full(1, S(2), w, NUMC_DTYPE_NONE), NUMC_INT64, 1, S(2), V(3, 3), 0);
    numc_array_release(w);

    numc_array *a = mk(NUMC_FLOAT64, 2, S(2, 3), V(1, 2, 3, 4, 5, 6));
    numc_array *b = mk(NUMC_INT32, 2, S(3, 2), V(1, -1, 2, 0, 3, 2));
    numc_array *v = A1(NUMC_FLOAT32, 1, 2, 3);
    CHECK(numc_matmul(a, b), NUMC_FLOAT64, 2, S(2, 2), V(14, 5, 32, 8), 0);
    CHECK1(numc_matmul(a, v), NUMC_FLOAT64, 0, 14, 32);
    CHECK_ERR(numc_matmul(a, a), NUMC_ERR_VALUE,
              "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
              "signature (n?,k),(k,m?)->(n?,m?) (size 2 is different from 3)");
    numc_array *bt = mk(NUMC_FLOAT64, 3, S(2, 1, 3), V(1, 0, 0, 0, 1, 0));
    CHECK(numc_matmul(bt, b), NUMC_FLOAT64, 3, S(2, 1, 2), V(1, -1, 2, 0), 0);
    CHECK_ERR(numc_dot(a, a), NUMC_ERR_VALUE,
              "shapes (2,3) and (2,3) not aligned: 3 (dim 1) != 2 (dim 0)");
    CHECK(numc_inner(v, v), NUMC_FLOAT32, 0, NULL, V(14), 0);
    numc_array *c = mk(NUMC_COMPLEX128, 1, S(2), V(1, 1, 0, 2));
    CHECK(numc_vdot(c, c), NUMC_COMPLEX128, 0, NULL, V(6, 0), 0);
    CHECK(numc_outer(v, v), NUMC_FLOAT32, 2, S(3, 3), V(1, 2, 3, 2, 4, 6, 3, 6, 9), 0);
    CHECK_ERR(numc_tensordot(a, b, NULL, NULL, 2), NUMC_ERR_VALUE, "shape-mismatch for sum");
    CHECK(numc_tensordot(a, b, S(1, 0), S(0, 1), 2), NUMC_FLOAT64, 0, NULL, V(22), 0);
    numc_array *bm = mk(NUMC_BOOL, 2, S(2, 2), V(1, 0, 1, 1));
    CHECK(numc_matmul(bm, bm), NUMC_BOOL, 2, S(2, 2), V(1, 0, 1, 1), 0);
    numc_array_release(a), numc_array_release(b), numc_array_release(v);
    numc_array_release(bt), numc_array_release(c), numc_array_release(bm);

    numc_finfo_t fi;
    if (numc_finfo(NUMC_FLOAT16, &fi) || fi.eps != 0.0009765625 || fi.max != 65504 ||
        fi.precision != 3 || fi.smallest_subnormal != ldexp(1, -24))
        FAIL("finfo(float16)");
    numc_iinfo_t ii;
    if (numc_iinfo(NUMC_INT8, &ii) || ii.min != -128 || ii.max != 127) FAIL("iinfo(int8)");
    if (numc_iinfo(NUMC_FLOAT64, &ii) != NUMC_ERR_VALUE ||
        strcmp(numc_error_message(), "Invalid integer data type 'f'.") != 0)
        FAIL("iinfo(float64) must fail");
    numc_error_clear();
}

int main(void) {
    int64_t live = numc_live_arrays();
    test_unary();
    test_binary();
    test_reduce();
    test_manip();
    test_creation_linalg();
    if (numc_live_arrays() != live)
        FAIL("%lld arrays leaked", (long long)(numc_live_arrays() - live));
    return CHECK_DONE();
}
