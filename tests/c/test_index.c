/* test_index.c — indexing and index assignment from C (numc_getitem,
 * numc_setitem, numc_nonzero) and the out=/in-place casting rules
 * (numc_fit_output): basic, advanced, boolean and mixed keys, newaxis and
 * Ellipsis, the in-place and copy paths of assignment, taped and traced
 * values, and the exact IndexError/ValueError/TypeError texts NumPy 2 gives.
 * Expected values are worked out by hand from x = arange(12).reshape(3, 4)
 * and x3 = arange(24).reshape(2, 3, 4).
 * (The CHECK macros are local until tests/c/check.h exists.) */
#include "numc.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V(...) ((const double[]){__VA_ARGS__})
#define S(...) ((const int64_t[]){__VA_ARGS__})
#define NV(...) (int)(sizeof(V(__VA_ARGS__)) / sizeof(double))

/* ---- key builders ---- */
#define I(v) ((numc_index){.kind = NUMC_INDEX_INT, .i = (v)})
#define ALL ((numc_index){.kind = NUMC_INDEX_SLICE})
#define SL(b, e, s)                                                                                \
    ((numc_index){.kind = NUMC_INDEX_SLICE,                                                        \
                  .start = (b),                                                                    \
                  .stop = (e),                                                                     \
                  .step = (s),                                                                     \
                  .has_start = 1,                                                                  \
                  .has_stop = 1,                                                                   \
                  .has_step = 1})
#define STEP(s) ((numc_index){.kind = NUMC_INDEX_SLICE, .step = (s), .has_step = 1})
#define NEW ((numc_index){.kind = NUMC_INDEX_NEWAXIS})
#define ELL ((numc_index){.kind = NUMC_INDEX_ELLIPSIS})
#define ARR(a) ((numc_index){.kind = NUMC_INDEX_ARRAY, .array = (a)})
#define BOOLX(b) ((numc_index){.kind = NUMC_INDEX_BOOL, .i = (b)})
#define KEY(...)                                                                                   \
    (int)(sizeof((numc_index[]){__VA_ARGS__}) / sizeof(numc_index)),                               \
        ((const numc_index[]){__VA_ARGS__})

static numc_array *mk(numc_dtype dt, int nd, const int64_t *shape, const double *v) {
    numc_array *base = numc_array_from_data(NUMC_FLOAT64, nd, shape, v);
    numc_array *r = base ? numc_astype(base, dt) : NULL;
    numc_array_release(base);
    if (!r) {
        fprintf(stderr, "cannot build a test array: %s\n", numc_error_message());
        exit(2);
    }
    return r;
}
#define IDX(...) mk(NUMC_INT64, 1, S(NV(__VA_ARGS__)), V(__VA_ARGS__))

static numc_array *iota(numc_dtype dt, int nd, const int64_t *shape) {
    numc_array *r = numc_arange(0, 24, 1, dt), *s = NULL;
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    if (r && n != 24) {
        numc_array *t = numc_arange(0, (double)n, 1, dt);
        numc_array_release(r);
        r = t;
    }
    s = r ? numc_reshape(r, nd, shape) : NULL;
    numc_array_release(r);
    if (!s) exit(2);
    return s;
}

#define CHECK_VAL(r, dt, nd, shape, ...)                                                           \
    check_array_(__FILE__, __LINE__, r, dt, nd, shape, V(__VA_ARGS__), 0)
/* Same, r not consumed. */
#define CHECK_KEEP(r, dt, nd, shape, ...)                                                          \
    check_array_(__FILE__, __LINE__, numc_array_retain(r), dt, nd, shape, V(__VA_ARGS__), 0)

static void check_err_(int line, bool failed, numc_status kind, const char *msg) {
    if (!failed) {
        fprintf(stderr, "%s:%d: expected an error (%s)\n", __FILE__, line, msg);
        failures++;
        return;
    }
    if (numc_error_kind() != kind || strcmp(numc_error_message(), msg) != 0) {
        fprintf(stderr, "%s:%d: error %d \"%s\",\n  expected %d \"%s\"\n", __FILE__, line,
                numc_error_kind(), numc_error_message(), kind, msg);
        failures++;
    }
    numc_error_clear();
}
/* r is consumed (an unexpected success is released). */
static bool null_or_release(numc_array *r) {
    if (r) numc_array_release(r);
    return r == NULL;
}
#define CHECK_ERR(r, kind, msg) check_err_(__LINE__, null_or_release(r), kind, msg)
#define CHECK_STATUS_ERR(st, kind, msg) check_err_(__LINE__, (st) != NUMC_OK, kind, msg)

static void test_basic(void) {
    numc_array *x = iota(NUMC_FLOAT64, 2, S(3, 4));
    CHECK_VAL(numc_getitem(x, KEY(I(1))), NUMC_FLOAT64, 1, S(4), 4, 5, 6, 7);
    CHECK_VAL(numc_getitem(x, KEY(I(-1), SL(1, 3, 1))), NUMC_FLOAT64, 1, S(2), 9, 10);
    CHECK_VAL(numc_getitem(x, KEY(ALL, STEP(-2))), NUMC_FLOAT64, 2, S(3, 2), 3, 1, 7, 5, 11, 9);
    CHECK_VAL(numc_getitem(x, KEY(NEW, I(1), ELL)), NUMC_FLOAT64, 2, S(1, 4), 4, 5, 6, 7);
    CHECK_VAL(numc_getitem(x, KEY(ELL, I(2))), NUMC_FLOAT64, 1, S(3), 2, 6, 10);
    CHECK_VAL(numc_getitem(x, KEY(SL(-100, 100, 2), NEW, I(-4))), NUMC_FLOAT64, 2, S(2, 1), 0, 8);
    CHECK_VAL(numc_getitem(x, KEY(SL(1, 1, 1))), NUMC_FLOAT64, 2, S(0, 4), 0);
    CHECK_VAL(numc_getitem(x, KEY(I(2), I(3))), NUMC_FLOAT64, 0, NULL, 11);
    /* a view on an eager value: same buffer, no copy */
    numc_array *row = numc_getitem(x, KEY(I(1)));
    CHECK(row && (const double *)numc_array_data(row) == (const double *)numc_array_data(x) + 4);
    numc_array_release(row);
    /* a concrete 0-d integer array indexes like an integer */
    numc_array *two = mk(NUMC_INT32, 0, NULL, V(2));
    CHECK_VAL(numc_getitem(x, KEY(ARR(two), I(0))), NUMC_FLOAT64, 0, NULL, 8);
    numc_array_release(two);
    numc_array_release(x);
}

static void test_advanced(void) {
    numc_array *x = iota(NUMC_FLOAT64, 2, S(3, 4)), *x3 = iota(NUMC_INT64, 3, S(2, 3, 4));
    numc_array *r20 = IDX(2, 0), *c1m1 = IDX(1, -1), *c03 = IDX(0, 3), *i01 = IDX(0, 1),
               *i12 = IDX(1, 2), *i02 = IDX(0, 2), *i13 = IDX(1, 3);
    CHECK_VAL(numc_getitem(x, KEY(ARR(r20))), NUMC_FLOAT64, 2, S(2, 4), 8, 9, 10, 11, 0, 1, 2, 3);
    CHECK_VAL(numc_getitem(x, KEY(ARR(i02), ARR(c1m1))), NUMC_FLOAT64, 1, S(2), 1, 11);
    CHECK_VAL(numc_getitem(x, KEY(ALL, ARR(c03))), NUMC_FLOAT64, 2, S(3, 2), 0, 3, 4, 7, 8, 11);
    /* advanced indices separated by a slice: their dims go first */
    CHECK_VAL(numc_getitem(x3, KEY(ARR(i01), ALL, ARR(i12))), NUMC_INT64, 2, S(2, 3), 1, 5, 9, 14,
              18, 22);
    /* adjacent advanced indices: their dims stay in place */
    CHECK_VAL(numc_getitem(x3, KEY(ALL, ARR(i02), ARR(i13))), NUMC_INT64, 2, S(2, 2), 1, 11, 13,
              23);
    /* an integer with an index array is advanced too (broadcast, 0-d); here a
     * new axis separates them, so the broadcast dim goes first */
    CHECK_VAL(numc_getitem(x3, KEY(I(1), NEW, ARR(i02))), NUMC_INT64, 3, S(2, 1, 4), 12, 13, 14, 15,
              20, 21, 22, 23);
    /* boolean masks */
    numc_array *five = numc_scalar_i64(5), *m = numc_greater(x, five);
    CHECK_VAL(numc_getitem(x, KEY(ARR(m))), NUMC_FLOAT64, 1, S(6), 6, 7, 8, 9, 10, 11);
    numc_array *rows = mk(NUMC_BOOL, 1, S(3), V(1, 0, 1));
    CHECK_VAL(numc_getitem(x, KEY(ARR(rows))), NUMC_FLOAT64, 2, S(2, 4), 0, 1, 2, 3, 8, 9, 10, 11);
    CHECK_VAL(numc_getitem(x, KEY(ARR(rows), I(1))), NUMC_FLOAT64, 1, S(2), 1, 9);
    CHECK_VAL(numc_getitem(x, KEY(BOOLX(1), I(0))), NUMC_FLOAT64, 2, S(1, 4), 0, 1, 2, 3);
    CHECK_VAL(numc_getitem(x, KEY(BOOLX(0))), NUMC_FLOAT64, 3, S(0, 3, 4), 0);
    /* nonzero */
    numc_array *nz[2] = {0};
    numc_array *d = mk(NUMC_BOOL, 2, S(2, 2), V(1, 0, 0, 1));
    CHECK(numc_nonzero(d, nz) == NUMC_OK);
    CHECK_VAL(nz[0], NUMC_INT64, 1, S(2), 0, 1);
    CHECK_VAL(nz[1], NUMC_INT64, 1, S(2), 0, 1);
    numc_array *tmp[] = {x, x3, r20, c1m1, c03, i01, i12, i02, i13, five, m, rows, d};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        numc_array_release(tmp[i]);
}

static void test_errors(void) {
    numc_array *x = iota(NUMC_FLOAT64, 2, S(3, 4));
    numc_array *f = mk(NUMC_FLOAT64, 1, S(1), V(0)), *m2 = mk(NUMC_BOOL, 1, S(2), V(1, 0));
    numc_array *i01 = IDX(0, 1), *i012 = IDX(0, 1, 2), *i5 = IDX(5);
    CHECK_ERR(numc_getitem(x, KEY(I(3))), NUMC_ERR_INDEX,
              "index 3 is out of bounds for axis 0 with size 3");
    CHECK_ERR(numc_getitem(x, KEY(I(-4))), NUMC_ERR_INDEX,
              "index -4 is out of bounds for axis 0 with size 3");
    CHECK_ERR(numc_getitem(x, KEY(I(0), I(4))), NUMC_ERR_INDEX,
              "index 4 is out of bounds for axis 1 with size 4");
    CHECK_ERR(numc_getitem(x, KEY(I(0), I(0), I(0))), NUMC_ERR_INDEX,
              "too many indices for array: array is 2-dimensional, but 3 were indexed");
    CHECK_ERR(numc_getitem(x, KEY(ELL, NEW, ELL)), NUMC_ERR_INDEX,
              "an index can only have a single ellipsis ('...')");
    CHECK_ERR(numc_getitem(x, KEY(ARR(f))), NUMC_ERR_INDEX,
              "arrays used as indices must be of integer (or boolean) type");
    CHECK_ERR(numc_getitem(x, KEY(ARR(m2))), NUMC_ERR_INDEX,
              "boolean index did not match indexed array along axis 0; size of axis is 3 but "
              "size of corresponding boolean axis is 2");
    CHECK_ERR(numc_getitem(x, KEY(ARR(i01), ARR(i012))), NUMC_ERR_INDEX,
              "shape mismatch: indexing arrays could not be broadcast together");
    CHECK_ERR(numc_getitem(x, KEY(ARR(i5))), NUMC_ERR_INDEX,
              "index 5 is out of bounds for axis 0 with size 3");
    CHECK_ERR(numc_getitem(x, KEY(ALL, STEP(0))), NUMC_ERR_VALUE, "slice step cannot be zero");
    numc_array *t = numc_copy(x), *before = t, *v3 = IDX(1, 2, 3);
    CHECK_STATUS_ERR(numc_setitem(&t, KEY(I(0)), v3), NUMC_ERR_VALUE,
                     "could not broadcast input array from shape (3,) into shape (4,)");
    CHECK_STATUS_ERR(numc_setitem(&t, KEY(ARR(i01)), v3), NUMC_ERR_VALUE,
                     "could not broadcast input array from shape (3,) into shape (2,4)");
    CHECK_STATUS_ERR(numc_setitem(&t, KEY(I(7)), v3), NUMC_ERR_INDEX,
                     "index 7 is out of bounds for axis 0 with size 3");
    CHECK(t == before); /* failures leave the target alone */
    /* casting for out= and in-place operators */
    numc_array *ir = IDX(1, 2, 3, 4), *io = iota(NUMC_INT64, 2, S(3, 4));
    CHECK_ERR(numc_fit_output(x, io, "add"), NUMC_ERR_TYPE,
              "Cannot cast ufunc 'add' output from dtype('float64') to dtype('int64') with "
              "casting rule 'same_kind'");
    CHECK_ERR(numc_fit_output(v3, x, "multiply"), NUMC_ERR_VALUE,
              "non-broadcastable output operand with shape (3,4) doesn't match the broadcast "
              "shape (3,)");
    CHECK_VAL(numc_fit_output(ir, x, "add"), NUMC_FLOAT64, 2, S(3, 4), 1, 2, 3, 4, 1, 2, 3, 4, 1, 2,
              3, 4);
    CHECK_VAL(numc_cast_for_output(ir, NUMC_INT32, "add"), NUMC_INT32, 1, S(4), 1, 2, 3, 4);
    numc_array *tmp[] = {x, f, m2, i01, i012, i5, t, v3, ir, io};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        numc_array_release(tmp[i]);
}

static void test_assign(void) {
    /* in place: the only reference, buffer never exported */
    numc_array *t = iota(NUMC_FLOAT64, 2, S(3, 4)), *t0 = t;
    const void *data = numc_array_data(t);
    numc_array *hundred = numc_scalar_f64(100);
    CHECK(numc_setitem(&t, KEY(I(1), SL(1, 3, 1)), hundred) == NUMC_OK);
    CHECK(t == t0 && numc_array_data(t) == data);
    CHECK_KEEP(t, NUMC_FLOAT64, 2, S(3, 4), 0, 1, 2, 3, 4, 100, 100, 7, 8, 9, 10, 11);
    numc_array *i02 = IDX(0, 2), *z = IDX(0, 0), *neg = mk(NUMC_FLOAT64, 1, S(2), V(-1, -2));
    CHECK(numc_setitem(&t, KEY(ARR(i02), ARR(z)), neg) == NUMC_OK);
    CHECK(t == t0 && numc_array_data(t) == data);
    CHECK_KEEP(t, NUMC_FLOAT64, 2, S(3, 4), -1, 1, 2, 3, 4, 100, 100, 7, -2, 9, 10, 11);
    /* the value's leading length-1 dims may go; strided negative steps */
    numc_array *row = mk(NUMC_FLOAT64, 2, S(1, 4), V(1, 2, 3, 4));
    CHECK(numc_setitem(&t, KEY(I(0), STEP(-1)), row) == NUMC_OK);
    CHECK_KEEP(t, NUMC_FLOAT64, 2, S(3, 4), 4, 3, 2, 1, 4, 100, 100, 7, -2, 9, 10, 11);

    /* copy path: a previously taken reference keeps the old value */
    numc_array *ref = numc_array_retain(t);
    numc_array *five = numc_scalar_f64(5);
    CHECK(numc_setitem(&t, KEY(ELL, I(0)), five) == NUMC_OK);
    CHECK(t != ref);
    CHECK_KEEP(t, NUMC_FLOAT64, 2, S(3, 4), 5, 3, 2, 1, 5, 100, 100, 7, 5, 9, 10, 11);
    CHECK_KEEP(ref, NUMC_FLOAT64, 2, S(3, 4), 4, 3, 2, 1, 4, 100, 100, 7, -2, 9, 10, 11);
    numc_array_release(ref);
    /* a view shares the buffer: assigning through a mask copies */
    numc_array *view = numc_getitem(t, KEY(I(2)));
    numc_array *lim = numc_scalar_f64(6), *m = numc_greater(t, lim), *zero = numc_scalar_f64(0);
    numc_array *tb = t;
    CHECK(numc_setitem(&t, KEY(ARR(m)), zero) == NUMC_OK);
    CHECK(t != tb);
    CHECK_KEEP(t, NUMC_FLOAT64, 2, S(3, 4), 5, 3, 2, 1, 5, 0, 0, 0, 5, 0, 0, 0);
    CHECK_VAL(view, NUMC_FLOAT64, 1, S(4), 5, 9, 10, 11);
    numc_array_release(tb); /* the mask's operand kept the old value alive */
    /* unsafe cast to the target's dtype, as NumPy's setitem */
    numc_array *it = iota(NUMC_INT32, 1, S(4)), *frac = numc_scalar_f64(2.7);
    CHECK(numc_setitem(&it, KEY(STEP(2)), frac) == NUMC_OK);
    CHECK_VAL(it, NUMC_INT32, 1, S(4), 2, 1, 2, 3);
    numc_array *tmp[] = {t, hundred, i02, z, neg, row, five, lim, m, zero, frac};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        numc_array_release(tmp[i]);
}

/* Taped values index and assign through primitives: gradients flow. */
static void test_tape(void) {
    numc_array *x = iota(NUMC_FLOAT64, 2, S(3, 4)), *v = mk(NUMC_FLOAT64, 1, S(4), V(1, 1, 1, 1));
    numc_array *i02 = IDX(0, 2), *i13 = IDX(1, 3);
    numc_tape *tape = numc_tape_new(true);
    numc_tape_watch(tape, x);
    numc_tape_watch(tape, v);
    numc_array *g = numc_getitem(x, KEY(ARR(i02), ARR(i13)));
    numc_array *sg = g ? numc_sum(g, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_array *t = numc_array_retain(x), *told = t;
    CHECK(numc_setitem(&t, KEY(I(0)), v) == NUMC_OK);
    CHECK(t != told); /* taped: never in place */
    numc_array_release(told);
    numc_array *st = numc_sum(t, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_tape_stop(tape);
    numc_array *gr[2] = {0};
    CHECK(sg && numc_tape_gradient(tape, sg, 1, (const numc_array *const[]){x}, NULL, true, gr) ==
                    NUMC_OK);
    CHECK_VAL(gr[0], NUMC_FLOAT64, 2, S(3, 4), 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    CHECK(st && numc_tape_gradient(tape, st, 2, (const numc_array *const[]){x, v}, NULL, true,
                                   gr) == NUMC_OK);
    CHECK_VAL(gr[0], NUMC_FLOAT64, 2, S(3, 4), 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    CHECK_VAL(gr[1], NUMC_FLOAT64, 1, S(4), 1, 1, 1, 1);
    numc_tape_free(tape);
    numc_array *tmp[] = {x, v, i02, i13, g, sg, t, st};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        if (tmp[i]) numc_array_release(tmp[i]);
}

/* A traced value and a traced 0-d integer index: the graph gathers. */
static void test_trace(void) {
    numc_trace *tr = numc_trace_begin();
    numc_array *xt = numc_trace_input(tr, NUMC_FLOAT64, 2, S(3, 4), false);
    numc_array *it = numc_trace_input(tr, NUMC_INT64, 0, NULL, false);
    numc_array *y = numc_getitem(xt, KEY(ARR(it), SL(1, 3, 1)));
    numc_array *w = numc_getitem(xt, KEY(STEP(-1), I(0)));
    CHECK(y && w);
    numc_graph *gr = y && w ? numc_trace_end(tr, 2, (const numc_array *const[]){y, w}, NULL, NULL)
                            : (numc_trace_abort(tr), NULL);
    numc_array *tmp[] = {xt, it, y, w};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
        if (tmp[i]) numc_array_release(tmp[i]);
    if (!gr) return;
    numc_array *x = iota(NUMC_FLOAT64, 2, S(3, 4)), *i = mk(NUMC_INT64, 0, NULL, V(-1));
    numc_array *out[2] = {0};
    CHECK(numc_graph_execute(gr, 2, (const numc_array *const[]){x, i}, out) == NUMC_OK);
    CHECK_VAL(out[0], NUMC_FLOAT64, 1, S(2), 9, 10);
    CHECK_VAL(out[1], NUMC_FLOAT64, 1, S(3), 8, 4, 0);
    numc_graph_unref(gr);
    numc_array_release(x);
    numc_array_release(i);
}

int main(void) {
    int64_t live = numc_live_arrays();
    test_basic();
    test_advanced();
    test_errors();
    test_assign();
    test_tape();
    test_trace();
    if (numc_live_arrays() != live)
        FAIL("%lld arrays leaked", (long long)(numc_live_arrays() - live));
    return CHECK_DONE();
}
