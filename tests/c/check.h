/* check.h — the assertions every C test uses, so a failure reads the same in
 * each of them:
 *   CHECK(cond)                                  a condition holds
 *   CHECK(result, dtype, ndim, shape, values, tol)
 *                                                an array result (consumed) has
 *                                                this dtype, shape and values
 *                                                (doubles; complex: re, im pairs;
 *                                                tol 0: exact, signed zeros too)
 *   CHECK_ERROR(result, kind, message)           the call failed (NULL) with this
 *                                                kind and exactly NumPy's message
 *   FAIL(format, ...)                            an unconditional failure
 *   return CHECK_DONE();                         main's summary line and status
 * Each test is one translation unit, so the tallies are file statics. */
#ifndef NUMC_TESTS_CHECK_H
#define NUMC_TESTS_CHECK_H

#include "numc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        checks++;                                                                                  \
        failures++;                                                                                \
    } while (0)

#define CHECK_COND_(text, c)                                                                       \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__,      \
                    text, numc_error_message());                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Equal as the array check means it: NaN matches NaN; tol 0 also tells
 * signed zeros apart. */
static inline bool check_same_(double a, double b, double tol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return tol > 0 || a != 0 || signbit(a) == signbit(b);
    return fabs(a - b) <= tol * fabs(b);
}

static inline void check_array_(const char *file, int line, numc_array *r, numc_dtype dt, int nd,
                                const int64_t *shape, const double *v, double tol) {
    checks++;
    if (!r) {
        fprintf(stderr, "%s:%d: unexpected error: %s\n", file, line, numc_error_message());
        failures++;
        numc_error_clear();
        return;
    }
    if (numc_array_dtype(r) != dt) {
        fprintf(stderr, "%s:%d: dtype %s, expected %s\n", file, line,
                numc_dtype_name(numc_array_dtype(r)), numc_dtype_name(dt));
        failures++;
    } else if (numc_array_ndim(r) != nd ||
               (nd && memcmp(numc_array_shape(r), shape, sizeof(int64_t) * (size_t)nd))) {
        fprintf(stderr, "%s:%d: wrong shape\n", file, line);
        failures++;
    } else if (numc_array_is_weak(r)) {
        fprintf(stderr, "%s:%d: result is weak\n", file, line);
        failures++;
    } else {
        bool cx = numc_dtype_kind(dt) == 'c';
        for (int64_t i = 0; i < numc_array_size(r); i++) {
            double re, im;
            numc_array_get_f64(r, i, &re, &im);
            double wr = cx ? v[2 * i] : v[i], wi = cx ? v[2 * i + 1] : 0;
            if (!check_same_(re, wr, tol) || !check_same_(im, wi, tol)) {
                fprintf(stderr, "%s:%d: value[%lld] = %.17g%+.17gj, expected %.17g%+.17gj\n", file,
                        line, (long long)i, re, im, wr, wi);
                failures++;
                break;
            }
        }
    }
    numc_array_release(r);
}

/* CHECK with one argument is a condition, with six an array result; the
 * condition is quoted as written, before macro expansion. */
#define CHECK_ARITY_(text, ...) _Static_assert(0, "CHECK takes 1 or 6 arguments")
#define CHECK_PICK_(_1, _2, _3, _4, _5, _6, name, ...) name
#define CHECK_ARRAY_(text, r, dt, nd, shape, vals, tol)                                            \
    check_array_(__FILE__, __LINE__, r, dt, nd, shape, vals, tol)
#define CHECK(...)                                                                                 \
    CHECK_PICK_(__VA_ARGS__, CHECK_ARRAY_, CHECK_ARITY_, CHECK_ARITY_, CHECK_ARITY_, CHECK_ARITY_, \
                CHECK_COND_, )                                                                     \
    (#__VA_ARGS__, __VA_ARGS__)

static inline void check_error_(const char *file, int line, numc_array *r, numc_status kind,
                                const char *msg) {
    checks++;
    if (r) {
        fprintf(stderr, "%s:%d: expected an error (%s)\n", file, line, msg);
        failures++;
        numc_array_release(r);
        return;
    }
    if (numc_error_kind() != kind || strcmp(numc_error_message(), msg) != 0) {
        fprintf(stderr, "%s:%d: error\n  want: %d \"%s\"\n  got:  %d \"%s\"\n", file, line, kind,
                msg, numc_error_kind(), numc_error_message());
        failures++;
    }
    numc_error_clear();
}
#define CHECK_ERROR(r, kind, msg) check_error_(__FILE__, __LINE__, r, kind, msg)

/* The summary line, named after the test file; main returns its value. */
static inline int check_done_(const char *file) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    int len = (int)strcspn(base, ".");
    if (failures) {
        fprintf(stderr, "%.*s: %d failure(s) in %d checks\n", len, base, failures, checks);
        return 1;
    }
    printf("%.*s: all %d checks passed\n", len, base, checks);
    return 0;
}
#define CHECK_DONE() check_done_(__FILE__)

/* ---- helpers shared by the tests ---- */
/* Element `flat` (C order of the array's own shape) as a double. */
static inline double check_at(const numc_array *a, int64_t flat) {
    double re = NAN, im;
    CHECK_COND_("numc_array_get_f64", numc_array_get_f64(a, flat, &re, &im) == NUMC_OK);
    return re;
}

/* float64 0, 1, 2, ... of the given shape. */
static inline numc_array *check_arange_f64(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    double *d = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++)
        d[i] = (double)i;
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, ndim, shape, d);
    free(d);
    return a;
}

/* A reproducible uniform double in [lo, hi) (xorshift64 over *state). */
/* An array of dtype dt and the given shape from float64 values (C order). */
static inline numc_array *check_arr(numc_dtype dt, int nd, const int64_t *shape, const double *v) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    numc_array *f = numc_array_from_data(NUMC_FLOAT64, 1, &n, v);
    numc_array *r = numc_reshape(f, nd, shape), *c = numc_astype(r, dt);
    numc_array_release(f);
    numc_array_release(r);
    return c;
}

static inline double check_urand(uint64_t *state, double lo, double hi) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return lo + (hi - lo) * (double)(x >> 11) / 9007199254740992.0;
}

#endif
