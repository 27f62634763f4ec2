/* test_random.c — numpy.random's streams through the C API (src/np/random.c):
 * values NumPy 2 prints for the same seeds (MT19937 seeded by int and by
 * array, the cached Box-Muller gaussian, SeedSequence words, PCG64 doubles
 * and Lemire-bounded uint8), state copies replaying a stream, and NumPy's
 * errors for bad parameters. */
#include "check.h"
#include "numc.h"

#define V(...) ((const double[]){__VA_ARGS__})

static numc_array *scalar(double v) {
    return numc_array_from_data(NUMC_FLOAT64, 0, NULL, &v);
}

int main(void) {
    static numc_bitgen g, saved;
    int64_t n3 = 3, n5 = 5, n2 = 2;

    /* np.random.seed(0); random_sample(3) */
    numc_mt19937_seed(&g, 0);
    CHECK(numc_random_random(&g, NUMC_FLOAT64, 1, &n3), NUMC_FLOAT64, 1, &n3,
          V(0.5488135039273248, 0.7151893663724195, 0.6027633760716439), 0);

    /* np.random.seed([1, 2, 3]); randint(0, 1000, 5) */
    const uint32_t key[] = {1, 2, 3};
    numc_mt19937_seed_array(&g, key, 3);
    CHECK(numc_random_bounded(&g, NUMC_INT64, 0, 999, true, 1, &n5), NUMC_INT64, 1, &n5,
          V(606, 153, 963, 93, 69), 0);

    /* np.random.seed(7); standard_normal(3) leaves the pair's other half cached */
    numc_mt19937_seed(&g, 7);
    numc_array *loc = scalar(0.0), *one = scalar(1.0), *neg1 = scalar(-1.0), *negz = scalar(-0.0);
    const numc_array *nrm[2] = {loc, one}, *bad[2] = {loc, neg1};
    CHECK(numc_random_draw(&g, NUMC_RANDOM_NORMAL, nrm, true, 1, &n3), NUMC_FLOAT64, 1, &n3,
          V(1.690525703800356, -0.4659373705408328, 0.0328201636785844), 0);
    CHECK(g.has_gauss == 1 && g.gauss == 0.40751628299650783);

    /* a copied state replays the stream */
    saved = g;
    numc_array *a = numc_random_random(&g, NUMC_FLOAT64, 1, &n5);
    double first[5];
    CHECK(a && numc_array_to_host(a, first) == NUMC_OK);
    numc_array_release(a);
    g = saved;
    CHECK(numc_random_random(&g, NUMC_FLOAT64, 1, &n5), NUMC_FLOAT64, 1, &n5, first, 0);

    /* np.random.seed(3); permutation(6) */
    numc_mt19937_seed(&g, 3);
    int64_t n6 = 6;
    CHECK(numc_random_permutation_index(&g, 6), NUMC_INT64, 1, &n6, V(3, 5, 4, 1, 0, 2), 0);

    /* np.random.seed(0); choice(5, 4, p=p) and choice(5, 3, replace=False, p=p) */
    const double p5[] = {0.1, 0.2, 0.3, 0.2, 0.2};
    int64_t n4 = 4;
    numc_mt19937_seed(&g, 0);
    CHECK(numc_random_choice_cdf(&g, p5, 5, 1, &n4), NUMC_INT64, 1, &n4, V(2, 3, 3, 2), 0);
    numc_mt19937_seed(&g, 0);
    CHECK(numc_random_choice_unique(&g, p5, 5, 1, &n3), NUMC_INT64, 1, &n3, V(2, 3, 1), 0);
    const double p_two[] = {0.5, 0.5, 0.0};
    CHECK_ERROR(numc_random_choice_unique(&g, p_two, 3, 1, &n3), NUMC_ERR_VALUE,
                "Fewer non-zero entries in p than size");

    /* SeedSequence(12345).generate_state(4); SeedSequence([2**33 + 1, 5]) */
    uint32_t w[4];
    const uint32_t e1[] = {12345};
    numc_seed_sequence_generate(e1, 1, w, 4);
    CHECK(w[0] == 2688385916u && w[1] == 3048105090u && w[2] == 4196366895u && w[3] == 3152189807u);
    const uint32_t e2[] = {1, 2, 5}; /* 2**33 + 1 splits into the words 1, 2 */
    numc_seed_sequence_generate(e2, 3, w, 3);
    CHECK(w[0] == 1886301330u && w[1] == 4021463312u && w[2] == 4176571959u);

    /* default_rng(0): random(2), then integers(0, 10, 5, dtype=uint8) */
    const uint32_t zero[] = {0};
    numc_pcg64_seed(&g, zero, 1);
    CHECK(numc_random_random(&g, NUMC_FLOAT64, 1, &n2), NUMC_FLOAT64, 1, &n2,
          V(0.6369616873214543, 0.2697867137638703), 0);
    CHECK(numc_random_bounded(&g, NUMC_UINT8, 0, 9, false, 1, &n5), NUMC_UINT8, 1, &n5,
          V(7, 9, 3, 6, 2), 0);

    /* a zero range gives off without drawing */
    saved = g;
    CHECK(numc_random_bounded(&g, NUMC_INT16, (uint64_t)-4, 0, false, 1, &n2), NUMC_INT16, 1, &n2,
          V(-4, -4), 0);
    CHECK(g.pcg_state[0] == saved.pcg_state[0] && g.pcg_state[1] == saved.pcg_state[1]);

    /* bad parameters: NumPy's kinds and texts */
    CHECK_ERROR(numc_random_draw(&g, NUMC_RANDOM_NORMAL, bad, true, 1, &n2), NUMC_ERR_VALUE,
                "scale < 0");
    const numc_array *bexp[1] = {negz};
    CHECK_ERROR(numc_random_draw(&g, NUMC_RANDOM_EXPONENTIAL, bexp, true, 1, &n2), NUMC_ERR_VALUE,
                "scale < 0");
    numc_array_release(loc);
    numc_array_release(one);
    numc_array_release(neg1);
    numc_array_release(negz);
    CHECK_ERROR(numc_random_uniform(&g, 0.0, INFINITY, 1, &n2), NUMC_ERR_OVERFLOW,
                "high - low range exceeds valid bounds");
    numc_mt19937_seed(&g, 1);
    CHECK_ERROR(numc_random_uniform(&g, -INFINITY, 0.0, 1, &n2), NUMC_ERR_OVERFLOW,
                "Range exceeds valid bounds");
    int64_t neg = -1;
    CHECK_ERROR(numc_random_random(&g, NUMC_FLOAT64, 1, &neg), NUMC_ERR_VALUE,
                "negative dimensions are not allowed");
    CHECK_ERROR(numc_random_random(&g, NUMC_INT32, 1, &n2), NUMC_ERR_TYPE,
                "Unsupported dtype dtype('int32') for random");
    const double p_bad[] = {0.5, 0.6}, p_nan[] = {NAN, 1.0}, p_neg[] = {-0.5, 1.5};
    CHECK_ERROR(numc_random_check_p(&g, p_bad, 2, 2) == NUMC_OK ? numc_scalar_bool(true) : NULL,
                NUMC_ERR_VALUE, "probabilities do not sum to 1");
    CHECK_ERROR(numc_random_check_p(&g, p_nan, 2, 2) == NUMC_OK ? numc_scalar_bool(true) : NULL,
                NUMC_ERR_VALUE, "probabilities contain NaN");
    CHECK_ERROR(numc_random_check_p(&g, p_neg, 2, 2) == NUMC_OK ? numc_scalar_bool(true) : NULL,
                NUMC_ERR_VALUE, "probabilities are not non-negative");
    CHECK_ERROR(numc_random_check_p(&g, p_bad, 2, 3) == NUMC_OK ? numc_scalar_bool(true) : NULL,
                NUMC_ERR_VALUE, "'a' and 'p' must have same size");
    numc_pcg64_seed(&g, zero, 1);
    CHECK_ERROR(numc_random_check_p(&g, p_bad, 2, 2) == NUMC_OK ? numc_scalar_bool(true) : NULL,
                NUMC_ERR_VALUE,
                "Probabilities do not sum to 1. See Notes section of docstring for more "
                "information.");

    /* default_rng(0).choice(10, 5, replace=False): Floyd's algorithm, shuffled */
    CHECK(numc_random_sample_indices(&g, 10, 5, true), NUMC_INT64, 1, &n5, V(4, 7, 2, 3, 5), 0);
    CHECK_ERROR(numc_random_sample_indices(&g, 2, 3, true), NUMC_ERR_VALUE,
                "Cannot take a larger sample than population when replace is False");
    return CHECK_DONE();
}
