/* test_sort.c — the sort primitive and the sorting/searching/set functions
 * built on it: kernel values (NaN last, -0.0 ties, stability, a carried
 * operand of another dtype, a large row on the radix path), the VJP against
 * central finite differences, the batching rule against a loop over
 * examples, and the NumPy-level functions' values and errors. */
#include "interp/batch.h"
#include "check.h"

static numc_array *f64(int nd, const int64_t *shape, const double *v) {
    return numc_array_from_data(NUMC_FLOAT64, nd, shape, v);
}

static void test_sort_values(void) {
    int64_t n = 8;
    double x[] = {3, NAN, -0.0, 1, 0.0, -INFINITY, 1, 2};
    numc_array *a = f64(1, &n, x);
    double want[] = {-INFINITY, -0.0, 0.0, 1, 1, 2, 3, NAN};
    CHECK(numc_sort(a, NULL), NUMC_FLOAT64, 1, &n, want, 0);
    double perm[] = {5, 2, 4, 3, 6, 7, 0, 1};
    CHECK(numc_argsort(a, NULL), NUMC_INT64, 1, &n, perm, 0);
    int64_t ax = 2;
    CHECK_ERROR(numc_sort(a, &ax), NUMC_ERR_AXIS,
                "axis 2 is out of bounds for array of dimension 1");
    numc_array_release(a);
}

/* keys (2, 3) float32 sorted along axis 0, carrying int8 values */
static void test_kernel_carried_operand(void) {
    int64_t sh[2] = {2, 3};
    float k[] = {2, 1, 5, 1, 1, 4};
    int8_t v[] = {10, 11, 12, 13, 14, 15};
    numc_array *K = numc_array_from_data(NUMC_FLOAT32, 2, sh, k);
    numc_array *V = numc_array_from_data(NUMC_INT8, 2, sh, v);
    numc_params pr = {.n = 1, .i = {0}};
    numc_array *out[2] = {NULL, NULL};
    CHECK(numc_bind(NUMC_PRIM_SORT, 2, (const numc_array *const[]){K, V}, &pr, out) == NUMC_OK);
    double ks[] = {1, 1, 4, 2, 1, 5}, vs[] = {13, 11, 15, 10, 14, 12};
    CHECK(out[0], NUMC_FLOAT32, 2, sh, ks, 0);
    CHECK(out[1], NUMC_INT8, 2, sh, vs, 0);
    numc_array_release(K);
    numc_array_release(V);
}

/* a long row with many ties on the radix path, int64 keys */
static void test_radix_row(void) {
    enum { N = 5000 };
    static int64_t k[N];
    static double want[N];
    uint64_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        k[i] = (int64_t)((s >> 40) % 7) - 3;
    }
    /* stable: each key's positions in input order */
    int pos = 0;
    for (int64_t key = -3; key <= 3; key++)
        for (int i = 0; i < N; i++)
            if (k[i] == key) want[pos++] = i;
    int64_t n = N;
    numc_array *a = numc_array_from_data(NUMC_INT64, 1, &n, k);
    CHECK(numc_argsort(a, NULL), NUMC_INT64, 1, &n, want, 0);
    numc_array_release(a);
}

/* L(x) = sum(sort(x, axis 1) * w): the VJP against central differences */
static void test_vjp_fd(void) {
    int64_t sh[2] = {3, 4};
    double x[12], w[12];
    uint64_t st = 99;
    for (int i = 0; i < 12; i++) {
        x[i] = check_urand(&st, -2, 2);
        w[i] = check_urand(&st, -1, 1);
    }
    numc_array *X = f64(2, sh, x), *W = f64(2, sh, w);
    int64_t one = 1;
    numc_array *y = numc_sort(X, &one);
    numc_array *g = NULL;
    numc_vjp_rule rule = numc_prim_vjp(NUMC_PRIM_SORT);
    CHECK(rule != NULL);
    /* the primitive's own VJP: keys X, values (an iota, not differentiable) */
    numc_params pr = {.n = 1, .i = {1}};
    numc_params ip = {.n = 5, .i = {NUMC_INT64, 1, 2, 3, 4}};
    numc_array *I = numc_bind1(NUMC_PRIM_IOTA, 0, NULL, &ip);
    numc_array *out[2] = {NULL, NULL}, *ct_in[2] = {NULL, NULL};
    CHECK(numc_bind(NUMC_PRIM_SORT, 2, (const numc_array *const[]){X, I}, &pr, out) == NUMC_OK);
    CHECK(rule(&pr, 2, (const numc_array *const[]){X, I}, 2,
               (const numc_array *const[]){out[0], out[1]}, (const numc_array *const[]){W, NULL},
               ct_in) == NUMC_OK);
    CHECK(ct_in[1] == NULL);
    g = ct_in[0];
    double gh[12], fd[12], eps = 1e-6;
    CHECK(g && numc_array_to_host(g, gh) == NUMC_OK);
    for (int i = 0; i < 12; i++) {
        double xp[12], l[2];
        for (int s = 0; s < 2; s++) {
            memcpy(xp, x, sizeof x);
            xp[i] += s ? -eps : eps;
            numc_array *Xp = f64(2, sh, xp), *Yp = numc_sort(Xp, &one);
            double yh[12];
            numc_array_to_host(Yp, yh);
            l[s] = 0;
            for (int k = 0; k < 12; k++)
                l[s] += yh[k] * w[k];
            numc_array_release(Xp);
            numc_array_release(Yp);
        }
        fd[i] = (l[0] - l[1]) / (2 * eps);
    }
    CHECK(g, NUMC_FLOAT64, 2, sh, fd, 1e-6);
    numc_array_release(out[0]);
    numc_array_release(out[1]);
    numc_array_release(I);
    numc_array_release(X);
    numc_array_release(W);
    numc_array_release(y);
}

/* vmap of sort along axis 0 of each (4,) example of a (3, 4) batch (batch
 * axis 1 of a (4, 3) value) against a loop */
static void test_batch_rule(void) {
    int64_t sh[2] = {4, 3}, n4 = 4;
    double x[12] = {3, 0, 5, 1, 2, -1, 2, 2, 7, 0, 9, 6};
    numc_array *X = f64(2, sh, x);
    numc_batch *b = numc_batch_begin(3);
    numc_array *t = numc_batch_wrap(b, X, 1);
    int64_t z = 0;
    numc_array *y = t ? numc_argsort(t, &z) : NULL;
    numc_array *r = y ? numc_batch_unwrap(b, y, 0) : NULL;
    numc_array_release(y);
    numc_array_release(t);
    numc_batch_end(b);
    double want[12];
    for (int e = 0; e < 3; e++) {
        double col[4];
        for (int i = 0; i < 4; i++)
            col[i] = x[i * 3 + e];
        numc_array *c = f64(1, &n4, col), *p = numc_argsort(c, &z);
        int64_t ph[4] = {0};
        CHECK(numc_array_to_host(p, ph) == NUMC_OK);
        for (int i = 0; i < 4; i++)
            want[4 * e + i] = (double)ph[i];
        numc_array_release(c);
        numc_array_release(p);
    }
    int64_t rs[2] = {3, 4};
    CHECK(r, NUMC_INT64, 2, rs, want, 0);
    numc_array_release(X);
}

static void test_functions(void) {
    int64_t n5 = 5, n3 = 3;
    double a[] = {1, 2, 2, 3, 5}, v[] = {2, 0, 6};
    numc_array *A = f64(1, &n5, a), *V = f64(1, &n3, v);
    double left[] = {1, 0, 5}, right[] = {3, 0, 5};
    CHECK(numc_searchsorted(A, V, false, NULL), NUMC_INT64, 1, &n3, left, 0);
    CHECK(numc_searchsorted(A, V, true, NULL), NUMC_INT64, 1, &n3, right, 0);
    numc_array *o[4];
    CHECK(numc_unique(A, NULL, true, o) == NUMC_OK);
    int64_t n4 = 4;
    double uv[] = {1, 2, 3, 5}, ui[] = {0, 1, 3, 4}, uinv[] = {0, 1, 1, 2, 3}, uc[] = {1, 2, 1, 1};
    CHECK(o[0], NUMC_FLOAT64, 1, &n4, uv, 0);
    CHECK(o[1], NUMC_INT64, 1, &n4, ui, 0);
    CHECK(o[2], NUMC_INT64, 1, &n5, uinv, 0);
    CHECK(o[3], NUMC_INT64, 1, &n4, uc, 0);
    double in[] = {1, 0, 0};
    CHECK(numc_isin(V, A, false), NUMC_BOOL, 1, &n3, in, 0);
    int64_t kth = 5;
    CHECK_ERROR(numc_partition(A, &kth, 1, NULL), NUMC_ERR_VALUE, "kth(=5) out of bounds (5)");
    CHECK_ERROR(numc_lexsort(0, NULL, -1), NUMC_ERR_TYPE,
                "need sequence of keys with len > 0 in lexsort");
    numc_array_release(A);
    numc_array_release(V);
}

int main(void) {
    test_sort_values();
    test_kernel_carried_operand();
    test_radix_row();
    test_vjp_fd();
    test_batch_rule();
    test_functions();
    return CHECK_DONE();
}
