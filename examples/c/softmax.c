/* softmax.c — row-wise softmax of a small matrix with numc's public C API,
 * printed as NumPy prints it. Subtracting the row maximum first keeps exp()
 * from overflowing on large inputs (the 1000 in the second row).
 *
 * Expected output (identical to NumPy's print()):
 *   [[0.09003057 0.24472847 0.66524096]
 *    [0.         0.         1.        ]
 *    [0.33333333 0.33333333 0.33333333]]
 */
#include <numc.h>

#include <stdio.h>

int main(void) {
    int64_t shape[2] = {3, 3};
    double data[9] = {1, 2, 3, -1, 0, 1000, 0.5, 0.5, 0.5};
    int64_t axis = 1;
    int status = 1;
    numc_array *x = numc_array_from_data(NUMC_FLOAT64, 2, shape, data);
    numc_array *m = NULL, *shifted = NULL, *e = NULL, *s = NULL, *y = NULL;

    /* Each step borrows its inputs and returns a new reference (or NULL with
     * numc_error_message() saying why), so every result is released below. */
    if (!x) goto done;
    if (!(m = numc_max(x, &axis, 1, true, NUMC_DTYPE_NONE))) goto done; /* (3, 1) */
    if (!(shifted = numc_subtract(x, m))) goto done;                    /* broadcasts */
    if (!(e = numc_exp(shifted))) goto done;
    if (!(s = numc_sum(e, &axis, 1, true, NUMC_DTYPE_NONE))) goto done;
    if (!(y = numc_divide(e, s))) goto done;

    numc_array_print(y, stdout);
    status = 0;

done:
    if (status) fprintf(stderr, "softmax: %s\n", numc_error_message());
    numc_array_release(y);
    numc_array_release(s);
    numc_array_release(e);
    numc_array_release(shifted);
    numc_array_release(m);
    numc_array_release(x);
    return status;
}
