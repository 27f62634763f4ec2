/* test_engine.c — the engine below the NumPy layer: numc_bind on layout
 * primitives gives O(1) views with the right geometry, reshape copies only
 * when the strides demand it, the interpreter stack routes to eager, and the
 * thread pool covers every index exactly once. */
#include "interp/interp.h"
#include "check.h"

#include <stdio.h>

static void test_views(void) {
    int64_t shape[2] = {3, 4};
    numc_array *a = check_arange_f64(2, shape);
    numc_params pr = {.n = 2, .i = {1, 0}};
    const numc_array *in[1] = {a};
    numc_array *t = numc_bind1(NUMC_PRIM_TRANSPOSE, 1, in, &pr);
    CHECK(t && t->buffer == a->buffer);
    CHECK(t->shape[0] == 4 && t->shape[1] == 3 && !(t->flags & NUMC_AF_CONTIG));
    CHECK(check_at(t, 1) == 4.0 && check_at(t, 5) == 9.0);

    /* slice [1:3, ::2] */
    numc_params sl = {.n = 6, .i = {1, 0, 3, 4, 1, 2}};
    numc_array *s = numc_bind1(NUMC_PRIM_SLICE, 1, in, &sl);
    CHECK(s && s->buffer == a->buffer && s->shape[0] == 2 && s->shape[1] == 2);
    CHECK(check_at(s, 0) == 4.0 && check_at(s, 1) == 6.0 && check_at(s, 3) == 10.0);

    /* rev axis 1 */
    numc_params rv = {.n = 1, .i = {1}};
    numc_array *r = numc_bind1(NUMC_PRIM_REV, 1, in, &rv);
    CHECK(r && r->buffer == a->buffer && check_at(r, 0) == 3.0 && check_at(r, 4) == 7.0);

    /* broadcast (3,4) -> (2,3,4) */
    numc_params bc = {.n = 1 + 3 + 2, .i = {3, 2, 3, 4, 1, 2}};
    numc_array *b = numc_bind1(NUMC_PRIM_BROADCAST_IN_DIM, 1, in, &bc);
    CHECK(b && b->buffer == a->buffer && b->strides[0] == 0 && check_at(b, 12 + 5) == 5.0);

    /* reshape of a contiguous array is a view; of a transpose, a copy
     * unless strides allow */
    numc_params rs = {.n = 3, .i = {2, 2, 3}};
    numc_array *re = numc_bind1(NUMC_PRIM_RESHAPE, 1, in, &rs);
    CHECK(re && re->buffer == a->buffer && check_at(re, 7) == 7.0);
    /* a[:, ::2] is (3,2) with strides (4,2): reshape to (6,) needs a copy */
    numc_params sl2 = {.n = 6, .i = {0, 0, 3, 4, 1, 2}};
    numc_array *s2 = numc_bind1(NUMC_PRIM_SLICE, 1, in, &sl2);
    numc_params rs2 = {.n = 2, .i = {3, 2}};
    const numc_array *in2[1] = {s2};
    numc_array *same = numc_bind1(NUMC_PRIM_RESHAPE, 1, in2, &rs2);
    CHECK(same && same->buffer == a->buffer);
    /* (3,4)[1:3] reshaped (8,) stays a view: rows are contiguous */
    numc_params sl3 = {.n = 6, .i = {1, 0, 3, 4, 1, 1}};
    numc_array *s3 = numc_bind1(NUMC_PRIM_SLICE, 1, in, &sl3);
    numc_params rs3 = {.n = 1, .i = {8}};
    const numc_array *in3[1] = {s3};
    numc_array *flat = numc_bind1(NUMC_PRIM_RESHAPE, 1, in3, &rs3);
    CHECK(flat && flat->buffer == a->buffer && check_at(flat, 0) == 4.0 &&
          check_at(flat, 7) == 11.0);

    /* errors: bad axis, bad reshape */
    numc_params bad = {.n = 2, .i = {0, 2}};
    CHECK(numc_bind1(NUMC_PRIM_TRANSPOSE, 1, in, &bad) == NULL &&
          numc_error_kind() == NUMC_ERR_AXIS);
    numc_params badr = {.n = 1, .i = {5}};
    CHECK(numc_bind1(NUMC_PRIM_RESHAPE, 1, in, &badr) == NULL &&
          numc_error_kind() == NUMC_ERR_VALUE &&
          strcmp(numc_error_message(), "cannot reshape array of size 12 into shape (5,)") == 0);

    numc_array *all[] = {t, s, r, b, re, s2, same, s3, flat, a};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        numc_array_release(all[i]);
}

static int64_t hits[100000];
static void mark(void *ctx, int64_t b, int64_t e) {
    (void)ctx;
    for (int64_t i = b; i < e; i++)
        hits[i]++;
}

static void test_threadpool(void) {
    numc_parallel_for(100000, 1 << 10, mark, NULL);
    numc_parallel_for(7, 1, mark, NULL);
    bool ok = true;
    for (int64_t i = 0; i < 100000; i++)
        ok &= hits[i] == (i < 7 ? 2 : 1);
    CHECK(ok);
}

static void test_stack(void) {
    CHECK(numc_interp_current() == numc_interp_eager());
    numc_interp it = {numc_interp_eager()->vt, NULL, 0, NULL};
    numc_interp_push(&it);
    CHECK(numc_interp_current() == &it && it.level == 1);
    numc_interp_pop(&it);
    CHECK(numc_interp_current() == numc_interp_eager());
}

int main(void) {
    int64_t live = numc_live_arrays();
    test_views();
    test_threadpool();
    test_stack();
    CHECK(numc_live_arrays() == live);
    return CHECK_DONE();
}
