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

/* Messages that used to be raised by the extension only. */
static void test_moved_messages(void) {
    /* np.result_type() */
    CHECK_ERROR(failed(numc_result_type(0, NULL) == NUMC_DTYPE_NONE ? numc_error_kind() : NUMC_OK),
                NUMC_ERR_VALUE, "at least one array or dtype is required");
    numc_array *c = vec(NUMC_BOOL, 3, V(1, 0, 1)), *x = vec(NUMC_FLOAT64, 3, V(1, 2, 3));
    int64_t n3 = 3, n2 = 2;
    /* np.where(c, x) / np.where(c, y=x) */
    const char *both = "either both or neither of x and y should be given";
    CHECK_ERROR(numc_where(c, x, NULL), NUMC_ERR_VALUE, both);
    CHECK_ERROR(numc_where(c, NULL, x), NUMC_ERR_VALUE, both);
    CHECK(numc_where(c, x, c), NUMC_FLOAT64, 1, &n3, V(1, 0, 3), 0);
    /* np.nonzero(np.array(1)) */
    numc_array *s = numc_scalar_f64(1.0), *nz[NUMC_MAX_DIMS] = {NULL};
    CHECK_ERROR(failed(numc_nonzero(s, nz)), NUMC_ERR_VALUE,
                "Calling nonzero on 0d arrays is not allowed. Use "
                "np.atleast_1d(scalar).nonzero() instead.");
    CHECK(numc_nonzero(c, nz) == NUMC_OK);
    CHECK(nz[0], NUMC_INT64, 1, &n2, V(0, 2), 0);
    /* np.cumulative_sum(np.ones((2, 3))) needs an axis; 1-d and 0-d do not */
    int64_t sh[2] = {2, 3};
    numc_array *m = numc_ones(2, sh, NUMC_INT32);
    CHECK_ERROR(numc_cumulative_sum(m, NULL, NUMC_DTYPE_NONE, false), NUMC_ERR_VALUE,
                "For arrays which have more than one dimension ``axis`` argument is required.");
    CHECK_ERROR(numc_cumulative_prod(m, NULL, NUMC_DTYPE_NONE, true), NUMC_ERR_VALUE,
                "For arrays which have more than one dimension ``axis`` argument is required.");
    /* np.cumulative_sum(np.ones((2, 3), np.int32), axis=1, include_initial=True) */
    int64_t ax = 1, sh4[2] = {2, 4}, n4 = 4, n1 = 1;
    CHECK(numc_cumulative_sum(m, &ax, NUMC_DTYPE_NONE, true), NUMC_INT64, 2, sh4,
          V(0, 1, 2, 3, 0, 1, 2, 3), 0);
    /* np.cumulative_prod([1., 2., 3.], include_initial=True) */
    CHECK(numc_cumulative_prod(x, NULL, NUMC_DTYPE_NONE, true), NUMC_FLOAT64, 1, &n4, V(1, 1, 2, 6),
          0);
    /* np.cumulative_sum(np.float64(1)): a 0-d input scans as one element */
    CHECK(numc_cumulative_sum(s, NULL, NUMC_DTYPE_NONE, false), NUMC_FLOAT64, 1, &n1, V(1), 0);
    /* np.zeros((1,) * 70), np.expand_dims with too many axes */
    CHECK(numc_check_ndim(0) == NUMC_OK && numc_check_ndim(NUMC_MAX_DIMS) == NUMC_OK);
    char msg[128];
    snprintf(msg, sizeof msg,
             "maximum supported dimension for an ndarray is currently %d, found %d", NUMC_MAX_DIMS,
             NUMC_MAX_DIMS + 6);
    CHECK_ERROR(failed(numc_check_ndim(NUMC_MAX_DIMS + 6)), NUMC_ERR_VALUE, msg);
    int64_t many[NUMC_MAX_DIMS + 6] = {0};
    CHECK_ERROR(numc_expand_dims(m, many, NUMC_MAX_DIMS + 4), NUMC_ERR_VALUE, msg);
    /* np.dtype('foo'), np.dtype("it's") */
    numc_dtype dt = NUMC_DTYPE_NONE;
    CHECK_ERROR(failed(numc_dtype_parse("foo", &dt)), NUMC_ERR_TYPE,
                "data type 'foo' not understood");
    CHECK_ERROR(failed(numc_dtype_parse("it's", &dt)), NUMC_ERR_TYPE,
                "data type \"it's\" not understood");
    CHECK_ERROR(failed(numc_dtype_parse("V2", &dt)), NUMC_ERR_TYPE,
                "data type 'V2' not understood");
    const struct {
        const char *name;
        numc_dtype dt;
    } names[] = {{"float32", NUMC_FLOAT32}, {"<f8", NUMC_FLOAT64},      {"=i2", NUMC_INT16},
                 {"|b1", NUMC_BOOL},        {"c16", NUMC_COMPLEX128},   {"f2", NUMC_FLOAT16},
                 {"E", NUMC_BFLOAT16},      {"intc", NUMC_INT32},       {"ubyte", NUMC_UINT8},
                 {"P", NUMC_UINT64},        {"bfloat16", NUMC_BFLOAT16}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        CHECK(numc_dtype_parse(names[i].name, &dt) == NUMC_OK && dt == names[i].dt);
    numc_array_release(m);
    numc_array_release(s);
    numc_array_release(x);
    numc_array_release(c);
}

int main(void) {
    test_casting_order();
    test_axis_item();
    test_isdtype();
    test_ufunc_dtype();
    test_engine_checks();
    test_moved_messages();
    CHECK(numc_live_arrays() == 0);
    return CHECK_DONE();
}
