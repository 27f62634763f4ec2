/* test_breadth2.c — issue 8's second batch through the C API: einsum values
 * and NumPy's errors, an einsum gradient on a tape, einsum_path's greedy
 * order, .npy/.npz round trips, every truncation of a valid image refused
 * with a ValueError, put/place updating the caller's reference, and memory
 * overlap. */
#include "check.h"
#include "numc.h"

#define V(...) ((const double[]){__VA_ARGS__})
#define S(...) ((const int64_t[]){__VA_ARGS__})

#define arr check_arr

static void test_einsum(void) {
    numc_array *a = arr(NUMC_FLOAT64, 2, S(2, 3), V(1, 2, 3, 4, 5, 6));
    numc_array *b = arr(NUMC_FLOAT64, 2, S(3, 2), V(1, 0, 0, 1, 1, 1));
    numc_array *m = arr(NUMC_INT32, 2, S(3, 3), V(1, 2, 3, 4, 5, 6, 7, 8, 9));
    const numc_array *ab[] = {a, b};
    CHECK(numc_einsum("ij,jk->ik", 2, ab, NUMC_DTYPE_NONE, NULL, NULL, 0, false), NUMC_FLOAT64, 2,
          S(2, 2), V(4, 5, 10, 11), 0);
    CHECK(numc_einsum("ij,jk", 2, ab, NUMC_FLOAT32, "same_kind", NULL, 0, false), NUMC_FLOAT32, 2,
          S(2, 2), V(4, 5, 10, 11), 0);
    CHECK(numc_einsum("ii", 1, (const numc_array *[]){m}, NUMC_DTYPE_NONE, NULL, NULL, 0, false),
          NUMC_INT32, 0, S(0), V(15), 0);
    CHECK(numc_einsum("ii->i", 1, (const numc_array *[]){m}, NUMC_DTYPE_NONE, NULL, NULL, 0, false),
          NUMC_INT32, 1, S(3), V(1, 5, 9), 0);
    CHECK(numc_einsum("ij->j", 1, (const numc_array *[]){a}, NUMC_DTYPE_NONE, NULL, NULL, 0, false),
          NUMC_FLOAT64, 1, S(3), V(5, 7, 9), 0);
    CHECK_ERROR(numc_einsum("ij,jk", 1, ab, NUMC_DTYPE_NONE, NULL, NULL, 0, false), NUMC_ERR_VALUE,
                "fewer operands provided to einstein sum function than specified in the "
                "subscripts string");
    CHECK_ERROR(numc_einsum("ij->ii", 1, ab, NUMC_DTYPE_NONE, NULL, NULL, 0, false), NUMC_ERR_VALUE,
                "einstein sum subscripts string includes output subscript 'i' multiple times");
    CHECK_ERROR(numc_einsum("ij", 1, ab, NUMC_INT64, NULL, NULL, 0, false), NUMC_ERR_TYPE,
                "Cannot cast array data from dtype('float64') to dtype('int64') according to "
                "the rule 'safe'");
    /* an explicit path: [2, 0, 1] contracts operands 0 and 1 */
    CHECK(numc_einsum("ij,jk->ik", 2, ab, NUMC_DTYPE_NONE, NULL, S(2, 0, 1), 3, false),
          NUMC_FLOAT64, 2, S(2, 2), V(4, 5, 10, 11), 0);
    CHECK_ERROR(numc_einsum("ij,jk->ik", 2, ab, NUMC_DTYPE_NONE, NULL, S(1, 0), 2, false),
                NUMC_ERR_VALUE, "einsum: the contraction path leaves 2 operands uncontracted");

    /* d/da sum(einsum('ij,jk->ik', a, b)) = row sums of b, per row of a */
    numc_tape *t = numc_tape_new(false);
    CHECK(numc_tape_watch(t, a) == NUMC_OK);
    numc_array *e = numc_einsum("ij,jk->ik", 2, ab, NUMC_DTYPE_NONE, NULL, NULL, 0, false);
    numc_array *s = e ? numc_sum(e, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_tape_stop(t);
    numc_array *g = NULL;
    CHECK(s &&
          numc_tape_gradient(t, s, 1, (const numc_array *const[]){a}, NULL, false, &g) == NUMC_OK);
    if (g) CHECK(g, NUMC_FLOAT64, 2, S(2, 3), V(1, 1, 2, 1, 1, 2), 0);
    numc_tape_free(t);
    numc_array_release(s);
    numc_array_release(e);

    /* greedy: (0, 1) removes the most elements (6 + 6 - 4), then the last pair */
    numc_array *c = numc_ones(2, S(2, 5), NUMC_FLOAT64);
    int64_t *path = NULL;
    int plen = 0;
    char *report = NULL;
    CHECK(numc_einsum_path("ij,jk,kl->il", 3, (const numc_array *[]){a, b, c}, &path, &plen,
                           &report) == NUMC_OK);
    CHECK(plen == 6 && path[0] == 2 && path[1] == 0 && path[2] == 1 && path[3] == 2 &&
          path[4] == 0 && path[5] == 1);
    CHECK(report && strstr(report, "Complete contraction:  ij,jk,kl->il"));
    free(path);
    free(report);
    CHECK(numc_vecdot(a, a, -1), NUMC_FLOAT64, 1, S(2), V(14, 77), 0);
    numc_array_release(c);
    numc_array_release(m);
    numc_array_release(b);
    numc_array_release(a);
}

static void test_npy(void) {
    numc_array *a = arr(NUMC_INT16, 2, S(2, 3), V(1, -2, 3, 4, 5, -6));
    void *buf = NULL;
    size_t len = 0;
    CHECK(numc_npy_encode(a, &buf, &len) == NUMC_OK);
    CHECK(len == 128 + 12 && !memcmp(buf, "\x93NUMPY\x01\x00", 8));
    numc_array *r = NULL;
    CHECK(numc_npy_decode(buf, len, &r) == NUMC_OK);
    CHECK(r, NUMC_INT16, 2, S(2, 3), V(1, -2, 3, 4, 5, -6), 0);
    size_t hl, total;
    CHECK(numc_npy_sizes(buf, 12, &hl, &total) == NUMC_OK && hl == 128 && total == 0);
    CHECK(numc_npy_sizes(buf, len, &hl, &total) == NUMC_OK && total == len);
    /* every truncation is a ValueError and leaves *out NULL */
    for (size_t cut = 0; cut < len; cut++) {
        numc_array *x = (numc_array *)1;
        numc_status st = numc_npy_decode(buf, cut, &x);
        CHECK(st == NUMC_ERR_VALUE && x == NULL);
    }
    free(buf);

    /* .npz: two members, stored and deflated */
    numc_array *b = numc_ones(1, S(4), NUMC_COMPLEX64);
    for (int z = 0; z < 2; z++) {
        CHECK(numc_npz_encode(2, (const char *[]){"a", "b"}, (const numc_array *[]){a, b}, z, &buf,
                              &len) == NUMC_OK);
        numc_npz *arc = numc_npz_open_memory(buf, len);
        CHECK(arc && numc_npz_count(arc) == 2 && !strcmp(numc_npz_name(arc, 1), "b.npy"));
        if (arc) {
            CHECK(numc_npz_get(arc, "a"), NUMC_INT16, 2, S(2, 3), V(1, -2, 3, 4, 5, -6), 0);
            CHECK(numc_npz_get(arc, "b.npy"), NUMC_COMPLEX64, 1, S(4), V(1, 0, 1, 0, 1, 0, 1, 0),
                  0);
            CHECK_ERROR(numc_npz_get(arc, "c"), NUMC_ERR_INDEX, "c is not a file in the archive");
            numc_npz_close(arc);
        }
        for (size_t cut = 0; cut < len; cut += 7) {
            numc_npz *t = numc_npz_open_memory(buf, cut);
            if (t) { /* the directory survived: the member must fail or decode */
                numc_array *x = numc_npz_get(t, "a");
                if (x) numc_array_release(x);
                numc_npz_close(t);
            } else {
                CHECK(numc_error_kind() == NUMC_ERR_VALUE);
            }
        }
        free(buf);
    }
    numc_array_release(b);
    numc_array_release(a);
}

static void test_put_place_memory(void) {
    numc_array *a = arr(NUMC_FLOAT64, 2, S(2, 3), V(0, 1, 2, 3, 4, 5));
    numc_array *keep = numc_array_retain(a);
    numc_array *ind = arr(NUMC_INT64, 1, S(2), V(-1, 7));
    numc_array *val = arr(NUMC_FLOAT64, 1, S(1), V(9));
    CHECK(numc_put(&a, ind, val, "wrap") == NUMC_OK);
    CHECK(numc_array_retain(a), NUMC_FLOAT64, 2, S(2, 3), V(0, 9, 2, 3, 4, 9), 0);
    CHECK(numc_array_retain(keep), NUMC_FLOAT64, 2, S(2, 3), V(0, 1, 2, 3, 4, 5), 0);
    CHECK(numc_put(&a, ind, val, "raise") == NUMC_ERR_INDEX);
    CHECK(!strcmp(numc_error_message(), "index 7 is out of bounds for axis 0 with size 6"));
    numc_array *mask = arr(NUMC_BOOL, 2, S(2, 3), V(1, 0, 0, 0, 0, 1));
    numc_array *vals = arr(NUMC_FLOAT64, 1, S(2), V(-1, -2));
    CHECK(numc_place(&a, mask, vals) == NUMC_OK);
    CHECK(numc_array_retain(a), NUMC_FLOAT64, 2, S(2, 3), V(-1, 9, 2, 3, 4, -2), 0);
    bool sh = true;
    numc_array *row0 = numc_getitem(a, 1, &(numc_index){.kind = NUMC_INDEX_INT, .i = 0});
    numc_array *row1 = numc_getitem(a, 1, &(numc_index){.kind = NUMC_INDEX_INT, .i = 1});
    CHECK(numc_shares_memory(row0, row1, true, &sh) == NUMC_OK && !sh);
    CHECK(numc_shares_memory(row0, a, true, &sh) == NUMC_OK && sh);
    numc_array_release(row0);
    numc_array_release(row1);
    numc_array_release(vals);
    numc_array_release(mask);
    numc_array_release(val);
    numc_array_release(ind);
    numc_array_release(keep);
    numc_array_release(a);
}

/* random byte changes of valid images: each decodes or fails cleanly (run
 * under `make test-asan` this is the fuzz harness's smoke test) */
static void test_mutations(void) {
    numc_array *a = arr(NUMC_FLOAT32, 2, S(3, 4), V(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    void *img[3];
    size_t len[3];
    CHECK(numc_npy_encode(a, &img[0], &len[0]) == NUMC_OK);
    CHECK(numc_npz_encode(1, (const char *[]){"a"}, (const numc_array *[]){a}, false, &img[1],
                          &len[1]) == NUMC_OK);
    CHECK(numc_npz_encode(1, (const char *[]){"a"}, (const numc_array *[]){a}, true, &img[2],
                          &len[2]) == NUMC_OK);
    uint64_t state = 88172645463325252u;
    int decoded = 0, refused = 0;
    for (int trial = 0; trial < 3000; trial++) {
        int k = trial % 3;
        unsigned char *m = malloc(len[k]);
        memcpy(m, img[k], len[k]);
        for (int f = 0; f < 1 + trial % 4; f++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            m[state % len[k]] = (unsigned char)(state >> 32);
        }
        size_t n = trial % 5 == 0 ? (size_t)(state >> 40) % len[k] : len[k];
        if (k == 0) {
            numc_array *x = NULL;
            if (numc_npy_decode(m, n, &x) == NUMC_OK)
                decoded++, numc_array_release(x);
            else
                refused++;
        } else {
            numc_npz *z = numc_npz_open_memory(m, n);
            numc_array *x = z ? numc_npz_get(z, "a") : NULL;
            if (x)
                decoded++, numc_array_release(x);
            else
                refused++;
            numc_npz_close(z);
        }
        free(m);
    }
    CHECK(decoded > 0 && refused > 0);
    for (int k = 0; k < 3; k++)
        free(img[k]);
    numc_array_release(a);
}

int main(void) {
    test_einsum();
    test_npy();
    test_put_place_memory();
    test_mutations();
    return CHECK_DONE();
}
