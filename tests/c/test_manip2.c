/* test_manip2.c — the manip2 functions through the C API (src/np/manip2.c):
 * values against NumPy's (written out), NumPy's errors, the in-place
 * functions' update of the caller's reference, and a gradient through np.pad
 * on a tape against the count of each input element in the result. */
#include "check.h"
#include "numc.h"

#define V(...) ((const double[]){__VA_ARGS__})
#define S(...) ((const int64_t[]){__VA_ARGS__})

#define arr check_arr

static void test_pad(void) {
    numc_array *a = arr(NUMC_INT32, 1, S(3), V(1, 2, 3));
    numc_array *w = arr(NUMC_INT64, 1, S(2), V(2, 3));
    /* np.pad([1, 2, 3], (2, 3), 'reflect') */
    CHECK(numc_pad(a, w, "reflect", NULL, NULL, NULL, NULL), NUMC_INT32, 1, S(8),
          V(3, 2, 1, 2, 3, 2, 1, 2), 0);
    /* reflect_type='odd' */
    CHECK(numc_pad(a, w, "symmetric", NULL, NULL, NULL, "odd"), NUMC_INT32, 1, S(8),
          V(0, 1, 1, 2, 3, 3, 4, 5), 0);
    CHECK(numc_pad(a, w, "wrap", NULL, NULL, NULL, NULL), NUMC_INT32, 1, S(8),
          V(2, 3, 1, 2, 3, 1, 2, 3), 0);
    numc_array *cv = numc_scalar_f64(7.9);
    CHECK(numc_pad(a, w, "constant", cv, NULL, NULL, NULL), NUMC_INT32, 1, S(8),
          V(7, 7, 1, 2, 3, 7, 7, 7), 0);
    CHECK_ERROR(numc_pad(a, w, "median", NULL, NULL, NULL, NULL), NUMC_ERR_NOT_IMPLEMENTED,
                "numc.pad: mode 'median' is not supported yet");
    CHECK_ERROR(numc_pad(a, w, "bogus", NULL, NULL, NULL, NULL), NUMC_ERR_VALUE,
                "mode 'bogus' is not supported");
    CHECK_ERROR(numc_pad(a, w, "edge", cv, NULL, NULL, NULL), NUMC_ERR_VALUE,
                "unsupported keyword arguments for mode 'edge': {'constant_values'}");
    numc_array *fw = numc_scalar_f64(1.0);
    CHECK_ERROR(numc_pad(a, fw, "edge", NULL, NULL, NULL, NULL), NUMC_ERR_TYPE,
                "`pad_width` must be of integral type.");
    numc_array_release(fw);
    numc_array_release(cv);
    numc_array_release(w);
    numc_array_release(a);
}

static void test_pad_gradient(void) {
    /* d sum(pad(x, 2, 'symmetric')) / dx counts each element's copies:
     * np.pad([a, b, c], 2, 'symmetric') = [b a a b c c b] */
    numc_array *x = arr(NUMC_FLOAT64, 1, S(3), V(1.5, -2, 4));
    numc_array *w = numc_scalar_i64(2);
    numc_tape *t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, x) == NUMC_OK);
    numc_array *p = numc_pad(x, w, "symmetric", NULL, NULL, NULL, NULL);
    numc_array *s = p ? numc_sum(p, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_tape_stop(t);
    numc_array *g = NULL;
    CHECK(s &&
          numc_tape_gradient(t, s, 1, (const numc_array *const[]){x}, NULL, false, &g) == NUMC_OK);
    if (g) CHECK(g, NUMC_FLOAT64, 1, S(3), V(2, 3, 2), 0);
    numc_tape_free(t);
    numc_array_release(s);
    numc_array_release(p);
    numc_array_release(w);
    numc_array_release(x);
}

static void test_triangles_diagonals(void) {
    numc_array *m = arr(NUMC_FLOAT32, 2, S(3, 3), V(1, 2, 3, 4, 5, 6, 7, 8, 9));
    CHECK(numc_tril(m, 0), NUMC_FLOAT32, 2, S(3, 3), V(1, 0, 0, 4, 5, 0, 7, 8, 9), 0);
    CHECK(numc_triu(m, 1), NUMC_FLOAT32, 2, S(3, 3), V(0, 2, 3, 0, 0, 6, 0, 0, 0), 0);
    CHECK(numc_diagonal(m, -1, 0, 1), NUMC_FLOAT32, 1, S(2), V(4, 8), 0);
    CHECK(numc_diagonal_sum(m, 0, 0, 1, NUMC_DTYPE_NONE), NUMC_FLOAT32, 0, S(0), V(15), 0);
    CHECK(numc_rot90(m, 1, S(0, 1), 2), NUMC_FLOAT32, 2, S(3, 3), V(3, 6, 9, 2, 5, 8, 1, 4, 7), 0);
    CHECK_ERROR(numc_rot90(m, 1, S(0, 5), 2), NUMC_ERR_VALUE,
                "Axes=(0, 5) out of range for array of ndim=2.");
    numc_array *idx = arr(NUMC_INT64, 2, S(3, 1), V(2, 0, 1));
    CHECK(numc_take_along_axis(m, idx, S(1)), NUMC_FLOAT32, 2, S(3, 1), V(3, 4, 8), 0);
    /* fill_diagonal updates the caller's reference (m2 is not shared: no
     * other reference sees the change) */
    numc_array *m2 = numc_copy(m), *v = numc_scalar_f64(-1);
    CHECK(numc_fill_diagonal(&m2, v, false) == NUMC_OK);
    CHECK(m2, NUMC_FLOAT32, 2, S(3, 3), V(-1, 2, 3, 4, -1, 6, 7, 8, -1), 0);
    CHECK(m, NUMC_FLOAT32, 2, S(3, 3), V(1, 2, 3, 4, 5, 6, 7, 8, 9), 0);
    numc_array_release(v);
    numc_array_release(idx);
}

static void test_repeat_roll_tile(void) {
    numc_array *a = arr(NUMC_INT64, 2, S(2, 2), V(1, 2, 3, 4));
    numc_array *r = arr(NUMC_INT64, 1, S(2), V(2, 1));
    CHECK(numc_repeat(a, r, S(0)), NUMC_INT64, 2, S(3, 2), V(1, 2, 1, 2, 3, 4), 0);
    CHECK(numc_roll(a, S(1), 1, NULL, 0), NUMC_INT64, 2, S(2, 2), V(4, 1, 2, 3), 0);
    CHECK(numc_tile(a, S(1, 2), 2), NUMC_INT64, 2, S(2, 4), V(1, 2, 1, 2, 3, 4, 3, 4), 0);
    numc_array *neg = arr(NUMC_INT64, 1, S(1), V(-1));
    CHECK_ERROR(numc_repeat(a, neg, NULL), NUMC_ERR_VALUE,
                "repeats may not contain negative values.");
    numc_array_release(neg);
    numc_array_release(r);
    numc_array_release(a);
}

int main(void) {
    test_pad();
    test_pad_gradient();
    test_triangles_diagonals();
    test_repeat_roll_tile();
    return CHECK_DONE();
}
