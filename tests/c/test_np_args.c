/* test_np_args.c — the NumPy layer's argument checks (src/np/args.c and the
 * checks numc_split, numc_linspace, numc_arange and the device registry
 * make): the exception kind and NumPy's exact message for each bad argument,
 * the accepted values, and the ufunc dtype= rule against NumPy's results. */
#include "check.h"
#include "numc.h"

/* A status-returning call as CHECK_ERROR sees it: NULL when it failed. */
static numc_array *failed(numc_status st) {
    return st == NUMC_OK ? numc_scalar_bool(true) : NULL;
}

static numc_array *vec(numc_dtype dt, int64_t n, const double *v) {
    numc_array *d = numc_array_from_data(NUMC_FLOAT64, 1, &n, v);
    numc_array *r = numc_astype(d, dt);
    numc_array_release(d);
    return r;
}

#define V(...) ((const double[]){__VA_ARGS__})

static void test_casting_order(void) {
    const char *ok[] = {"no", "equiv", "safe", "same_kind", "unsafe"};
    for (int i = 0; i < 5; i++)
        CHECK(numc_check_casting(ok[i]) == NUMC_OK);
    const char *msg = "casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe'";
    CHECK_ERROR(failed(numc_check_casting("sometimes")), NUMC_ERR_VALUE, msg);
    CHECK_ERROR(failed(numc_check_casting(NULL)), NUMC_ERR_VALUE, msg);

    CHECK(numc_check_order(NULL) == NUMC_OK);
    CHECK(numc_check_order("C") == NUMC_OK && numc_check_order("K") == NUMC_OK &&
          numc_check_order("A") == NUMC_OK);
    CHECK_ERROR(failed(numc_check_order("F")), NUMC_ERR_NOT_IMPLEMENTED,
                "numc arrays are C-ordered: order='F' is not supported");
    CHECK_ERROR(failed(numc_check_order("X")), NUMC_ERR_VALUE,
                "order must be one of 'C', 'F', 'A', or 'K'");
}

static void test_axis_item(void) {
    int64_t k = -1;
    CHECK(numc_normalize_axis(-1, 3, &k) == NUMC_OK && k == 2);
    CHECK(numc_normalize_axis(0, 1, &k) == NUMC_OK && k == 0);
    CHECK_ERROR(failed(numc_normalize_axis(3, 3, &k)), NUMC_ERR_AXIS,
                "axis 3 is out of bounds for array of dimension 3");
    CHECK_ERROR(failed(numc_normalize_axis(-4, 3, &k)), NUMC_ERR_AXIS,
                "axis -4 is out of bounds for array of dimension 3");
    CHECK_ERROR(failed(numc_normalize_axis(0, 0, &k)), NUMC_ERR_AXIS,
                "axis 0 is out of bounds for array of dimension 0");

    int64_t shape[2] = {2, 3}, flat = -1;
    numc_array *a = numc_zeros(2, shape, NUMC_FLOAT64);
    CHECK(numc_item_index(a, 1, (int64_t[]){-1}, &flat) == NUMC_OK && flat == 5);
    CHECK(numc_item_index(a, 2, (int64_t[]){1, -3}, &flat) == NUMC_OK && flat == 3);
    CHECK_ERROR(failed(numc_item_index(a, 0, NULL, &flat)), NUMC_ERR_VALUE,
                "can only convert an array of size 1 to a Python scalar");
    CHECK_ERROR(failed(numc_item_index(a, 1, (int64_t[]){6}, &flat)), NUMC_ERR_INDEX,
                "index out of bounds");
    CHECK_ERROR(failed(numc_item_index(a, 2, (int64_t[]){2, 0}, &flat)), NUMC_ERR_INDEX,
                "index out of bounds");
    CHECK_ERROR(failed(numc_item_index(a, 3, (int64_t[]){0, 0, 0}, &flat)), NUMC_ERR_VALUE,
                "incorrect number of indices for array");
    numc_array_release(a);
    numc_array *s = numc_scalar_f64(2.5);
    CHECK(numc_item_index(s, 0, NULL, &flat) == NUMC_OK && flat == 0);
    numc_array_release(s);
}

static void test_isdtype(void) {
    bool r = false;
    CHECK(numc_isdtype(NUMC_UINT8, "integral", &r) == NUMC_OK && r);
    CHECK(numc_isdtype(NUMC_UINT8, "signed integer", &r) == NUMC_OK && !r);
    CHECK(numc_isdtype(NUMC_BOOL, "numeric", &r) == NUMC_OK && !r);
    CHECK(numc_isdtype(NUMC_COMPLEX64, "numeric", &r) == NUMC_OK && r);
    CHECK(numc_isdtype(NUMC_BFLOAT16, "real floating", &r) == NUMC_OK && r);
    CHECK(numc_isdtype(NUMC_BOOL, "bool", &r) == NUMC_OK && r);
    CHECK_ERROR(failed(numc_isdtype(NUMC_INT8, "integer", &r)), NUMC_ERR_VALUE,
                "kind argument is a string, but 'integer' is not a known kind name");
}

/* np.add(x, y, dtype=...) and friends: inputs cast, result in dtype unless bool. */
static void test_ufunc_dtype(void) {
    numc_array *x = vec(NUMC_INT64, 3, V(1, 2, 3)), *y = vec(NUMC_INT64, 3, V(2, 2, 2));
    int64_t n3 = 3;
    /* np.add([1,2,3], [2,2,2], dtype=np.float32) */
    CHECK(numc_ufunc_binary(numc_add, x, y, NUMC_FLOAT32), NUMC_FLOAT32, 1, &n3, V(3, 4, 5), 0);
    /* np.true_divide(..., dtype=np.float32): computed in float32 */
    CHECK(numc_ufunc_binary(numc_divide, x, y, NUMC_FLOAT32), NUMC_FLOAT32, 1, &n3, V(0.5, 1, 1.5),
          0);
    /* np.less(x, y, dtype=np.float64): the comparison stays bool */
    CHECK(numc_ufunc_binary(numc_less, x, y, NUMC_FLOAT64), NUMC_BOOL, 1, &n3, V(1, 0, 0), 0);
    CHECK(numc_ufunc_binary(numc_add, x, y, NUMC_DTYPE_NONE), NUMC_INT64, 1, &n3, V(3, 4, 5), 0);
    /* np.sqrt([1,2,3], dtype=np.float32) */
    CHECK(numc_ufunc_unary(numc_sqrt, x, NUMC_FLOAT32), NUMC_FLOAT32, 1, &n3,
          V(1, 1.41421353816986083984375, 1.73205077648162841796875), 0);
    /* np.negative(np.array([1.5, -2.5]), dtype=np.int8): inputs cast unsafely */
    numc_array *f = vec(NUMC_FLOAT64, 2, V(1.5, -2.5));
    int64_t n2 = 2;
    CHECK(numc_ufunc_unary(numc_negative, f, NUMC_INT8), NUMC_INT8, 1, &n2, V(-1, 2), 0);
    numc_array *out[2] = {NULL, NULL};
    CHECK(numc_ufunc_divmod(x, y, NUMC_FLOAT64, out) == NUMC_OK);
    CHECK(out[0], NUMC_FLOAT64, 1, &n3, V(0, 1, 1), 0);
    CHECK(out[1], NUMC_FLOAT64, 1, &n3, V(1, 0, 1), 0);
    numc_array_release(f);
    numc_array_release(x);
    numc_array_release(y);
}

static void test_engine_checks(void) {
    int64_t n = 6;
    numc_array *a = numc_zeros(1, &n, NUMC_FLOAT64), **parts = NULL;
    int nparts = 0;
    CHECK_ERROR(failed(numc_split(a, 0, NULL, 0, 0, &parts, &nparts)), NUMC_ERR_ZERO_DIVISION,
                "integer modulo by zero");
    CHECK_ERROR(failed(numc_split(a, -2, NULL, 0, 0, &parts, &nparts)), NUMC_ERR_VALUE,
                "number sections must be larger than 0.");
    /* an empty index list is one part, not a zero section count */
    int64_t none[1];
    CHECK(numc_split(a, 0, none, 0, 0, &parts, &nparts) == NUMC_OK && nparts == 1);
    for (int i = 0; i < nparts; i++)
        numc_array_release(parts[i]);
    free(parts);
    numc_array_release(a);
    CHECK_ERROR(numc_linspace(0, 1, -3, true, NUMC_DTYPE_NONE), NUMC_ERR_VALUE,
                "Number of samples, -3, must be non-negative.");
    CHECK_ERROR(numc_arange(0, 5, 0, NUMC_INT64), NUMC_ERR_ZERO_DIVISION, "division by zero");
    CHECK(numc_device_find("cpu") == 0 && numc_device_find("cpu:0") == 0);
    CHECK_ERROR(failed(numc_device_find("gpu:1") >= 0 ? NUMC_OK : numc_error_kind()),
                NUMC_ERR_VALUE, "unknown device 'gpu:1' (available: cpu:0)");
}

int main(void) {
    test_casting_order();
    test_axis_item();
    test_isdtype();
    test_ufunc_dtype();
    test_engine_checks();
    CHECK(numc_live_arrays() == 0);
    return CHECK_DONE();
}
