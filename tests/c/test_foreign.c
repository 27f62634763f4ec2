/* test_foreign.c — arrays over foreign host memory (numc_array_from_foreign,
 * what the Python binding uses to view read-only buffers without a copy):
 * values through positive, negative and zero strides, the release callback
 * running once when the last array (views included) goes, refusal of odd
 * strides and misaligned data, and index assignment never writing into the
 * foreign memory. */
#include "check.h"

static int released;
static void on_release(void *owner) {
    released += *(int *)owner;
}

int main(void) {
    double data[12];
    for (int i = 0; i < 12; i++)
        data[i] = i;
    int one = 1;

    /* C order */
    int64_t shape[2] = {3, 4};
    numc_array *a = numc_array_from_foreign(NUMC_FLOAT64, 2, shape, NULL, data, on_release, &one);
    CHECK(a && numc_array_is_contiguous(a) && numc_array_data(a) == data);
    numc_array *s = numc_add(a, a);
    CHECK(s, NUMC_FLOAT64, 2, shape, ((double[]){0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22}), 0);
    /* a view outlives a: the memory is released with the last of them */
    numc_array *t = numc_transpose(a, NULL, 0);
    numc_array_release(a);
    CHECK(released == 0);
    int64_t tshape[2] = {4, 3};
    CHECK(numc_array_retain(t), NUMC_FLOAT64, 2, tshape,
          ((double[]){0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}), 0);
    numc_array_release(t);
    CHECK(released == 1);

    /* rows reversed, every other column (negative and positive strides) */
    int64_t shape2[2] = {3, 2}, rev[2] = {-32, 16};
    numc_array *r =
        numc_array_from_foreign(NUMC_FLOAT64, 2, shape2, rev, data + 8, on_release, &one);
    CHECK(r && !numc_array_is_contiguous(r));
    CHECK(numc_multiply(r, r), NUMC_FLOAT64, 2, shape2, ((double[]){64, 100, 16, 36, 0, 4}), 0);
    numc_array *sum = numc_sum(r, NULL, 0, false, NUMC_DTYPE_NONE);
    CHECK(sum, NUMC_FLOAT64, 0, NULL, ((double[]){30}), 0);

    /* index assignment builds a new value: the foreign memory stays */
    numc_index idx[2] = {{.kind = NUMC_INDEX_INT, .i = 0}, {.kind = NUMC_INDEX_INT, .i = 1}};
    numc_array *v = numc_scalar_f64(-1);
    CHECK(numc_setitem(&r, 2, idx, v) == NUMC_OK);
    CHECK(numc_array_retain(r), NUMC_FLOAT64, 2, shape2, ((double[]){8, -1, 4, 6, 0, 2}), 0);
    CHECK(data[10] == 10.0);
    numc_array_release(v);
    numc_array_release(r);
    CHECK(released == 2);

    /* a zero stride (a broadcast source) */
    int64_t bshape[2] = {2, 3}, bstr[2] = {0, 8};
    numc_array *b = numc_array_from_foreign(NUMC_FLOAT64, 2, bshape, bstr, data, on_release, &one);
    CHECK(b, NUMC_FLOAT64, 2, bshape, ((double[]){0, 1, 2, 0, 1, 2}), 0);
    CHECK(released == 3);

    /* strides or addresses the engine cannot express: no array, no release */
    int64_t odd[2] = {32, 4};
    CHECK_ERROR(numc_array_from_foreign(NUMC_FLOAT64, 2, shape, odd, data, on_release, &one),
                NUMC_ERR_VALUE, "numc_array_from_foreign: stride not a multiple of the itemsize");
    CHECK_ERROR(
        numc_array_from_foreign(NUMC_FLOAT64, 2, shape, NULL, (char *)data + 4, on_release, &one),
        NUMC_ERR_VALUE, "numc_array_from_foreign: misaligned data");
    CHECK(released == 3);
    return CHECK_DONE();
}
