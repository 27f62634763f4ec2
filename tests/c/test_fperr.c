/* test_fperr.c — the C API of issue 8's breadth part 3: np.seterr's modes and
 * handler around eager operations (flags raised by the kernels, on the
 * thread pool too, reported in NumPy's order and words), and the print
 * options a C user sets (legacy modes, a formatter callback) against strings
 * NumPy 2.4 printed. */
#include "check.h"

static int nreports;
static char last[128];
static numc_status record(numc_fp_mode mode, const char *errtype, const char *op, int status) {
    nreports++;
    snprintf(last, sizeof last, "%d %s in %s (%d)", (int)mode, errtype, op, status);
    return mode == NUMC_FPMODE_RAISE ? numc_error_set(NUMC_ERR_RUNTIME, "raised") : NUMC_OK;
}

static numc_array *f64s(int64_t n, const double *v) {
    return numc_array_from_data(NUMC_FLOAT64, 1, &n, v);
}

static void test_fp_modes(void) {
    numc_fp_errstate s, saved;
    numc_geterr(&saved);
    CHECK(saved.divide == NUMC_FPMODE_WARN && saved.over == NUMC_FPMODE_WARN &&
          saved.under == NUMC_FPMODE_IGNORE && saved.invalid == NUMC_FPMODE_WARN);
    numc_set_fp_handler(record);
    numc_array *a = f64s(2, (double[]){1.0, 0.0}), *z = f64s(2, (double[]){0.0, 0.0});

    nreports = 0;
    numc_array *r = numc_divide(a, z);
    CHECK(r != NULL);
    numc_array_release(r);
    CHECK(nreports == 2); /* divide, then invalid */
    CHECK(strcmp(last, "1 invalid value in divide (9)") == 0);

    s = saved;
    s.divide = NUMC_FPMODE_RAISE;
    CHECK(numc_seterr(&s) == NUMC_OK);
    nreports = 0;
    r = numc_divide(a, z);
    CHECK(r == NULL && numc_error_kind() == NUMC_ERR_RUNTIME && nreports == 1);
    numc_error_clear();

    s.divide = s.over = s.under = s.invalid = NUMC_FPMODE_IGNORE;
    CHECK(numc_seterr(&s) == NUMC_OK);
    nreports = 0;
    r = numc_divide(a, z);
    CHECK(r != NULL && nreports == 0);
    numc_array_release(r);

    /* a large division runs on the pool: the workers' flags come back */
    s = saved;
    CHECK(numc_seterr(&s) == NUMC_OK);
    int64_t n = 1 << 20;
    numc_array *big = numc_zeros(1, &n, NUMC_FLOAT64);
    nreports = 0;
    r = numc_divide(big, big);
    CHECK(r != NULL && nreports == 1);
    CHECK(strcmp(last, "1 invalid value in divide (8)") == 0);
    numc_array_release(r);
    numc_array_release(big);

    s.divide = (numc_fp_mode)42;
    CHECK(numc_seterr(&s) == NUMC_ERR_VALUE);
    numc_error_clear();
    numc_seterr(&saved);
    numc_set_fp_handler(NULL);
    numc_array_release(a);
    numc_array_release(z);
}

static void expect(const char *what, char *got, const char *want) {
    checks++;
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "%s:\n  want: %s\n  got:  %s\n", what, want, got ? got : "NULL");
        failures++;
    }
    free(got);
}

static char *bracket(void *ctx, numc_dtype dt, const void *elem) {
    (void)ctx;
    char *s = malloc(32);
    if (s) snprintf(s, 32, "<%g>", dt == NUMC_FLOAT64 ? *(const double *)elem : 0.0);
    return s;
}

static char *failing(void *ctx, numc_dtype dt, const void *elem) {
    (void)ctx, (void)dt, (void)elem;
    numc_error_set(NUMC_ERR_VALUE, "formatter failed");
    return NULL;
}

static void test_print_options(void) {
    numc_print_options o;
    numc_print_options_default(&o);
    CHECK(o.legacy == NUMC_PRINT_LEGACY_NONE && o.formatter == NULL);
    numc_array *a = f64s(3, (double[]){1.5, -2.25, 1e-5});
    expect("default", numc_format_repr(a, &o), "array([ 1.50e+00, -2.25e+00,  1.00e-05])");
    o.legacy = 113;
    expect("legacy 1.13", numc_format_repr(a, &o),
           "array([  1.50000000e+00,  -2.25000000e+00,   1.00000000e-05])");
    numc_print_options_default(&o);
    o.formatter = bracket;
    expect("formatter", numc_format_array2string(a, &o, ", ", "", ""), "[<1.5>, <-2.25>, <1e-05>]");
    o.formatter = failing;
    CHECK(numc_format_repr(a, &o) == NULL && numc_error_kind() == NUMC_ERR_VALUE);
    numc_error_clear();
    numc_array_release(a);

    int64_t n = 2000;
    numc_array *r = numc_arange(0, (double)n, 1, NUMC_INT64);
    numc_print_options_default(&o);
    o.legacy = 121;
    expect("legacy 1.21 drops shape=", numc_format_repr(r, &o),
           "array([   0,    1,    2, ..., 1997, 1998, 1999])");
    numc_array_release(r);

    numc_print_options_default(&o);
    o.legacy = 7;
    CHECK(numc_set_print_options(&o) == NUMC_ERR_VALUE);
    numc_error_clear();
}

int main(void) {
    test_fp_modes();
    test_print_options();
    return CHECK_DONE();
}
