/* consumer.c — a program outside numc's tree, built against the INSTALLED
 * library (scripts/test-consumer.sh builds it with pkg-config and with
 * CMake's find_package(numc), shared and static). It exercises each part a
 * packaging mistake could lose: BLAS (matmul), SLEEF (exp), the autodiff
 * rules registered by a constructor (a tape's gradient) and the DLPack
 * header. Prints "consumer: ok" and exits 0 when every value is right. */
#include <numc-dlpack.h>
#include <numc.h>

#include <math.h>
#include <stdio.h>

static int failures;

static void expect(const char *what, const numc_array *a, int64_t i, double want) {
    double re = NAN, im = 0;
    if (!a || numc_array_get_f64(a, i, &re, &im) != NUMC_OK || fabs(re - want) > 1e-12) {
        fprintf(stderr, "consumer: %s[%lld] = %g, want %g (%s)\n", what, (long long)i, re, want,
                a ? "" : numc_error_message());
        failures++;
    }
}

int main(void) {
    int64_t shape[2] = {2, 2};
    numc_array *a = numc_array_from_data(NUMC_FLOAT64, 2, shape, (double[]){1, 2, 3, 4});
    numc_array *p = numc_matmul(a, a); /* [[7, 10], [15, 22]] */
    expect("matmul", p, 3, 22);
    numc_array *e = numc_exp(a);
    expect("exp", e, 1, exp(2.0));

    /* d/da sum(a * a) = 2a through the tape and the registered VJP rules */
    numc_tape *t = numc_tape_new(false);
    numc_tape_watch(t, a);
    numc_array *sq = numc_multiply(a, a);
    numc_array *s = numc_sum(sq, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_tape_stop(t);
    numc_array *g = NULL;
    const numc_array *src[1] = {a};
    if (numc_tape_gradient(t, s, 1, src, NULL, false, &g) != NUMC_OK) g = NULL;
    expect("gradient", g, 2, 6);
    numc_tape_free(t);

    /* DLPack export: a read-only view of numc's memory */
    DLManagedTensorVersioned *d = numc_to_dlpack(p, true, NUMC_DLPACK_COPY_IF_NEEDED);
    if (!d || !(d->flags & DLPACK_FLAG_BITMASK_READ_ONLY) ||
        ((double *)d->dl_tensor.data)[1] != 10) {
        fprintf(stderr, "consumer: DLPack export failed\n");
        failures++;
    }
    if (d) d->deleter(d);

    numc_array *all[] = {a, p, e, sq, s, g};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        numc_array_release(all[i]);
    puts(failures ? "consumer: FAILED" : "consumer: ok");
    return failures != 0;
}
