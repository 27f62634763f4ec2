/* test_batch.c — the batch interpreter (vmap) and the batching rules of
 * src/rules/batch.c: every rule family against a loop over the
 * examples (eager binds of the primitive on each slice), for several batch
 * axes of each operand and unbatched operands; the loop-and-stack fallback
 * against the same loop; nested vmap; composition with the tape (per-example
 * gradients and gradients of a mapped function); the public C API
 * (numc_vmap, wrap/unwrap, out axes, errors, leaked tracers, leaks). */
#include "interp/interp.h"
#include "check.h"

#include <stdio.h>

#define NM NUMC_NOT_MAPPED

/* ---- host values ---- */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static double urand(double lo, double hi) {
    return check_urand(&rng_state, lo, hi);
}

static numc_array *rnd(numc_dtype dt, int nd, const int64_t *shape, double lo, double hi) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    double *v = malloc(sizeof(double) * (size_t)(n + 1));
    for (int64_t k = 0; k < n; k++) {
        v[k] = urand(lo, hi);
        if (numc_dtype_kind(dt) != 'f') v[k] = floor(v[k]);
    }
    numc_array *f = numc_array_from_data(NUMC_FLOAT64, nd, shape, v);
    free(v);
    numc_array *a = numc_astype(f, dt);
    numc_array_release(f);
    return a;
}

#define SH(...) ((const int64_t[]){__VA_ARGS__})
#define R(dt, nd, shape) rnd(dt, nd, shape, -3, 3)

static bool same(const numc_array *a, const numc_array *b, double tol, const char *what) {
    if (!a || !b) {
        fprintf(stderr, "%s: missing result (%s)\n", what, numc_error_message());
        return false;
    }
    if (numc_array_dtype(a) != numc_array_dtype(b) || numc_array_ndim(a) != numc_array_ndim(b) ||
        memcmp(numc_array_shape(a), numc_array_shape(b),
               sizeof(int64_t) * (size_t)numc_array_ndim(a))) {
        fprintf(stderr, "%s: dtype/shape differ (%s ndim %d vs %s ndim %d)\n", what,
                numc_dtype_name(numc_array_dtype(a)), numc_array_ndim(a),
                numc_dtype_name(numc_array_dtype(b)), numc_array_ndim(b));
        return false;
    }
    for (int64_t k = 0; k < numc_array_size(a); k++) {
        double ar, ai, br, bi;
        numc_array_get_f64(a, k, &ar, &ai);
        numc_array_get_f64(b, k, &br, &bi);
        bool ok = (isnan(ar) && isnan(br)) ||
                  (fabs(ar - br) <= tol * (1 + fabs(br)) && fabs(ai - bi) <= tol * (1 + fabs(bi)));
        if (!ok) {
            fprintf(stderr, "%s: element %lld: %.17g%+.17gi vs %.17g%+.17gi\n", what, (long long)k,
                    ar, ai, br, bi);
            return false;
        }
    }
    return true;
}

/* Example e of x along axis (a take of one index: the axis dropped). */
static numc_array *example(const numc_array *x, int axis, int64_t e) {
    numc_array *i = numc_scalar_i64(e);
    int64_t ax = axis;
    numc_array *r = numc_take(x, i, &ax);
    numc_array_release(i);
    return r;
}

/* ---- one case: a primitive, its per-example params, stacked operands ---- */
#define MAXIN 8
typedef struct {
    const char *name;
    numc_prim p;
    numc_params pr;
    int nin;
    numc_array *in[MAXIN]; /* stacked along bdim[i] (or plain when NM) */
    int bdim[MAXIN];
    int64_t n;
    double tol;
} bcase;

/* vmap result of the case: output stacked along axis 0. */
static numc_array *run_vmap(const bcase *c) {
    numc_batch *b = numc_batch_begin(c->n);
    numc_array *in[MAXIN];
    for (int i = 0; i < c->nin; i++)
        in[i] = c->bdim[i] == NM ? numc_array_retain(c->in[i])
                                 : numc_batch_wrap(b, c->in[i], c->bdim[i]);
    numc_array *y = numc_bind1(c->p, c->nin, (const numc_array *const *)in, &c->pr);
    numc_array *r = y ? numc_batch_unwrap(b, y, 0) : NULL;
    numc_array_release(y);
    for (int i = 0; i < c->nin; i++)
        numc_array_release(in[i]);
    numc_batch_end(b);
    return r;
}

static void check_case(bcase *c) {
    if (!c->tol) c->tol = 1e-12;
    for (int i = 0; i < c->nin; i++)
        if (!c->in[i]) {
            fprintf(stderr, "%s: input %d missing (%s)\n", c->name, i, numc_error_message());
            failures++;
            return;
        }
    for (int fb = 0; fb < 2; fb++) {
        numc_batch_force_fallback(fb);
        numc_array *v = run_vmap(c);
        numc_batch_force_fallback(false);
        checks++;
        if (!v) {
            fprintf(stderr, "%s%s: vmap failed: %s\n", c->name, fb ? " (fallback)" : "",
                    numc_error_message());
            failures++;
            continue;
        }
        bool ok = numc_array_shape(v)[0] == c->n;
        for (int64_t e = 0; e < c->n && ok; e++) {
            numc_array *xs[MAXIN];
            for (int i = 0; i < c->nin; i++)
                xs[i] = c->bdim[i] == NM ? numc_array_retain(c->in[i])
                                         : example(c->in[i], c->bdim[i], e);
            numc_array *want = numc_bind1(c->p, c->nin, (const numc_array *const *)xs, &c->pr);
            numc_array *got = example(v, 0, e);
            char what[160];
            snprintf(what, sizeof what, "%s%s example %lld", c->name, fb ? " (fallback)" : "",
                     (long long)e);
            ok = same(got, want, c->tol, what);
            numc_array_release(want);
            numc_array_release(got);
            for (int i = 0; i < c->nin; i++)
                numc_array_release(xs[i]);
        }
        if (!ok) failures++;
        numc_array_release(v);
    }
    for (int i = 0; i < c->nin; i++)
        numc_array_release(c->in[i]);
}

/* Stacks a fresh random operand with per-example shape `shape` along bdim. */
static numc_array *stacked(numc_dtype dt, int64_t n, int bdim, int nd, const int64_t *shape,
                           double lo, double hi) {
    int64_t s[NUMC_MAX_DIMS];
    if (bdim == NM) return rnd(dt, nd, shape, lo, hi);
    for (int i = 0, j = 0; i < nd + 1; i++)
        s[i] = i == bdim ? n : shape[j++];
    return rnd(dt, nd + 1, s, lo, hi);
}

#define CASE(nm, prim) bcase c = {.name = (nm), .p = (prim), .n = 3}

static void param_ints(numc_params *pr, int n, const int64_t *v) {
    pr->n = n;
    memcpy(pr->i, v, sizeof(int64_t) * (size_t)n);
}

/* ---- elementwise ---- */
static void elementwise_cases(void) {
    int bds[][3] = {{0, 0, 0}, {1, 0, NM}, {NM, 2, 0}, {2, 1, 1}};
    for (size_t k = 0; k < sizeof bds / sizeof *bds; k++) {
        {
            CASE("exp", NUMC_PRIM_EXP);
            c.nin = 1;
            c.bdim[0] = bds[k][0] == NM ? 0 : bds[k][0];
            c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(2, 4), -2, 2);
            check_case(&c);
        }
        {
            CASE("add", NUMC_PRIM_ADD);
            c.nin = 2;
            for (int i = 0; i < 2; i++) {
                c.bdim[i] = bds[k][i];
                c.in[i] = stacked(NUMC_FLOAT64, 3, c.bdim[i], 2, SH(2, 4), -2, 2);
            }
            if (c.bdim[0] == NM && c.bdim[1] == NM) c.bdim[0] = 0;
            check_case(&c);
        }
        {
            CASE("select", NUMC_PRIM_SELECT);
            c.nin = 3;
            for (int i = 0; i < 3; i++) {
                c.bdim[i] = bds[k][i];
                c.in[i] = stacked(i ? NUMC_FLOAT32 : NUMC_BOOL, 3, c.bdim[i], 2, SH(2, 4),
                                  i ? -2 : 0, i ? 2 : 2);
            }
            check_case(&c);
        }
    }
    {
        CASE("convert", NUMC_PRIM_CONVERT);
        c.nin = 1;
        c.bdim[0] = 1;
        c.in[0] = stacked(NUMC_FLOAT64, 3, 1, 2, SH(2, 4), -5, 5);
        c.pr = (numc_params){.n = 1, .i = {NUMC_INT32}};
        check_case(&c);
    }
    {
        CASE("lt_int", NUMC_PRIM_LT);
        c.nin = 2;
        c.bdim[0] = 0, c.bdim[1] = NM;
        c.in[0] = stacked(NUMC_INT64, 3, 0, 1, SH(5), -5, 5);
        c.in[1] = stacked(NUMC_INT64, 3, NM, 1, SH(5), -5, 5);
        check_case(&c);
    }
    {
        CASE("complex", NUMC_PRIM_COMPLEX);
        c.nin = 2;
        c.bdim[0] = 0, c.bdim[1] = 1;
        c.in[0] = stacked(NUMC_FLOAT64, 3, 0, 1, SH(5), -5, 5);
        c.in[1] = stacked(NUMC_FLOAT64, 3, 1, 1, SH(5), -5, 5);
        check_case(&c);
    }
    {
        CASE("stop_gradient", NUMC_PRIM_STOP_GRADIENT);
        c.nin = 1;
        c.bdim[0] = 1;
        c.in[0] = stacked(NUMC_FLOAT64, 3, 1, 2, SH(2, 2), -5, 5);
        check_case(&c);
    }
    {
        CASE("exp_0d", NUMC_PRIM_EXP);
        c.nin = 1;
        c.in[0] = stacked(NUMC_FLOAT64, 3, 0, 0, SH(0), -1, 1);
        check_case(&c);
    }
}

/* ---- layout ---- */
static void layout_cases(void) {
    for (int b = 0; b < 3; b++) {
        {
            CASE("reshape", NUMC_PRIM_RESHAPE);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(2, 6), -1, 1);
            param_ints(&c.pr, 3, SH(3, 2, 2));
            check_case(&c);
        }
        {
            CASE("transpose", NUMC_PRIM_TRANSPOSE);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(2, 5), -1, 1);
            param_ints(&c.pr, 2, SH(1, 0));
            check_case(&c);
        }
        {
            CASE("slice", NUMC_PRIM_SLICE);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(5, 7), -1, 1);
            param_ints(&c.pr, 6, SH(1, 0, 4, 7, 2, 3));
            check_case(&c);
        }
        {
            CASE("rev", NUMC_PRIM_REV);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(3, 4), -1, 1);
            param_ints(&c.pr, 1, SH(1));
            check_case(&c);
        }
        {
            CASE("pad", NUMC_PRIM_PAD);
            c.nin = 2, c.bdim[0] = b, c.bdim[1] = NM;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(3, 4), -1, 1);
            c.in[1] = numc_scalar_of(NUMC_FLOAT64, 7, 0);
            param_ints(&c.pr, 6, SH(1, -1, 0, 2, 1, 0));
            check_case(&c);
        }
        {
            CASE("pad_batched_value", NUMC_PRIM_PAD);
            c.nin = 2, c.bdim[0] = b == 2 ? NM : b, c.bdim[1] = 0;
            c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(3, 4), -1, 1);
            c.in[1] = stacked(NUMC_FLOAT64, 3, 0, 0, SH(0), 5, 9);
            param_ints(&c.pr, 6, SH(1, 0, 2, -1, 0, 1));
            check_case(&c);
        }
        {
            CASE("concatenate", NUMC_PRIM_CONCATENATE);
            c.nin = 3, c.bdim[0] = b, c.bdim[1] = NM, c.bdim[2] = (b + 1) % 3;
            c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(2, 3), -1, 1);
            c.in[1] = stacked(NUMC_FLOAT64, 3, c.bdim[1], 2, SH(2, 1), -1, 1);
            c.in[2] = stacked(NUMC_FLOAT64, 3, c.bdim[2], 2, SH(2, 2), -1, 1);
            param_ints(&c.pr, 1, SH(1));
            check_case(&c);
        }
    }
    /* broadcast_in_dim: (3,) -> (2, 3, 4) on dim 1; (3, 1) -> (3, 5) */
    for (int b = 0; b < 2; b++) {
        CASE("broadcast_in_dim", NUMC_PRIM_BROADCAST_IN_DIM);
        c.nin = 1, c.bdim[0] = b;
        c.in[0] = stacked(NUMC_FLOAT64, 3, b, 1, SH(3), -1, 1);
        param_ints(&c.pr, 5, SH(3, 2, 3, 4, 1));
        check_case(&c);
    }
    for (int b = 0; b < 3; b++) {
        CASE("broadcast_in_dim_2", NUMC_PRIM_BROADCAST_IN_DIM);
        c.nin = 1, c.bdim[0] = b;
        c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(3, 1), -1, 1);
        param_ints(&c.pr, 6, SH(3, 3, 2, 5, 0, 2));
        check_case(&c);
    }
    {
        CASE("broadcast_in_dim_0d", NUMC_PRIM_BROADCAST_IN_DIM);
        c.nin = 1, c.bdim[0] = 0;
        c.in[0] = stacked(NUMC_FLOAT64, 3, 0, 0, SH(0), -1, 1);
        param_ints(&c.pr, 3, SH(2, 2, 3));
        check_case(&c);
    }
}

/* ---- reductions and scans ---- */
static void reduce_cases(void) {
    numc_prim ps[] = {NUMC_PRIM_REDUCE_SUM, NUMC_PRIM_REDUCE_MAX, NUMC_PRIM_REDUCE_PROD};
    for (int b = 0; b < 4; b++)
        for (size_t k = 0; k < 3; k++) {
            CASE("reduce", ps[k]);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 3, SH(2, 3, 4), -1, 1);
            if (k == 0)
                param_ints(&c.pr, 2, SH(0, 2));
            else if (k == 1)
                param_ints(&c.pr, 1, SH(1));
            else
                param_ints(&c.pr, 3, SH(0, 1, 2));
            check_case(&c);
        }
    for (int b = 0; b < 4; b++) {
        /* unit axes only: a reshape */
        CASE("reduce_unit", NUMC_PRIM_REDUCE_SUM);
        c.nin = 1, c.bdim[0] = b;
        c.in[0] = stacked(NUMC_FLOAT32, 3, b, 3, SH(1, 3, 1), -1, 1);
        param_ints(&c.pr, 2, SH(0, 2));
        c.tol = 1e-6;
        check_case(&c);
    }
    for (int b = 0; b < 3; b++)
        for (int a = 0; a < 2; a++) {
            CASE("argmax", NUMC_PRIM_ARGMAX);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(3, 4), -1, 1);
            param_ints(&c.pr, 2, SH(a, NUMC_INT64));
            check_case(&c);
        }
    {
        CASE("reduce_or", NUMC_PRIM_REDUCE_OR);
        c.nin = 1, c.bdim[0] = 1;
        c.in[0] = stacked(NUMC_BOOL, 3, 1, 2, SH(3, 4), 0, 1.3);
        param_ints(&c.pr, 1, SH(1));
        check_case(&c);
    }
    for (int b = 0; b < 3; b++)
        for (int rev = 0; rev < 2; rev++) {
            CASE("cumsum", NUMC_PRIM_CUMSUM);
            c.nin = 1, c.bdim[0] = b;
            c.in[0] = stacked(NUMC_FLOAT64, 3, b, 2, SH(3, 4), -1, 1);
            param_ints(&c.pr, 2, SH(1, rev));
            check_case(&c);
        }
}

/* ---- dot_general ---- */
static void dot_cases(void) {
    /* matmul (2,3)x(3,4): nc=1 lc=1 rc=0 nb=0 */
    int bds[][2] = {{0, 0}, {1, 2}, {0, NM}, {2, NM}, {NM, 0}, {NM, 1}, {1, 0}};
    for (size_t k = 0; k < sizeof bds / sizeof *bds; k++) {
        CASE("dot_matmul", NUMC_PRIM_DOT_GENERAL);
        c.nin = 2, c.bdim[0] = bds[k][0], c.bdim[1] = bds[k][1];
        c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(2, 3), -1, 1);
        c.in[1] = stacked(NUMC_FLOAT64, 3, c.bdim[1], 2, SH(3, 4), -1, 1);
        param_ints(&c.pr, 5, SH(1, 1, 0, 0, NUMC_FLOAT64));
        check_case(&c);
    }
    /* batched matmul (5,2,3)x(5,3,4): batch dims 0/0 */
    for (size_t k = 0; k < sizeof bds / sizeof *bds; k++) {
        CASE("dot_batch", NUMC_PRIM_DOT_GENERAL);
        c.nin = 2, c.bdim[0] = bds[k][0], c.bdim[1] = bds[k][1];
        c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 3, SH(5, 2, 3), -1, 1);
        c.in[1] = stacked(NUMC_FLOAT64, 3, c.bdim[1], 3, SH(5, 3, 4), -1, 1);
        param_ints(&c.pr, 7, SH(1, 2, 1, 1, 0, 0, NUMC_FLOAT64));
        check_case(&c);
    }
    /* contraction over two dims with transposed layout: (3,4,2) . (4,3) over (0,1)/(1,0) */
    for (size_t k = 0; k < sizeof bds / sizeof *bds; k++) {
        CASE("dot_2contract", NUMC_PRIM_DOT_GENERAL);
        c.nin = 2, c.bdim[0] = bds[k][0], c.bdim[1] = bds[k][1];
        c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 3, SH(3, 4, 2), -1, 1);
        c.in[1] = stacked(NUMC_FLOAT64, 3, c.bdim[1], 2, SH(4, 3), -1, 1);
        param_ints(&c.pr, 7, SH(2, 0, 1, 1, 0, 0, NUMC_FLOAT64));
        check_case(&c);
    }
    {
        /* vector dot vector: () output */
        CASE("dot_vv", NUMC_PRIM_DOT_GENERAL);
        c.nin = 2, c.bdim[0] = 1, c.bdim[1] = 0;
        c.in[0] = stacked(NUMC_FLOAT32, 3, 1, 1, SH(6), -1, 1);
        c.in[1] = stacked(NUMC_FLOAT32, 3, 0, 1, SH(6), -1, 1);
        param_ints(&c.pr, 4, SH(1, 0, 0, 0));
        c.pr.i[c.pr.n++] = NUMC_FLOAT32;
        c.tol = 1e-5;
        check_case(&c);
    }
}

/* ---- indexing ---- */
static void index_cases(void) {
    int bds[][3] = {{0, NM, 0}, {1, NM, NM}, {NM, 0, 0},  {NM, 1, 1}, {0, 0, 0},
                    {2, 1, 0},  {NM, 0, NM}, {NM, NM, 1}, {1, 2, 2}};
    for (size_t k = 0; k < sizeof bds / sizeof *bds; k++)
        for (int axis = 0; axis < 2; axis++) {
            if (bds[k][0] == NM && bds[k][1] == NM) continue;
            CASE("gather", NUMC_PRIM_GATHER);
            c.nin = 2, c.bdim[0] = bds[k][0], c.bdim[1] = bds[k][1];
            int64_t dim = axis ? 5 : 4;
            c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(4, 5), -1, 1);
            c.in[1] = stacked(NUMC_INT64, 3, c.bdim[1], 2, SH(2, 3), 0, (double)dim - 0.01);
            param_ints(&c.pr, 1, SH(axis));
            check_case(&c);
        }
    int sbd[][3] = {{0, NM, 0}, {1, NM, NM}, {NM, 0, 0},  {NM, 1, 1}, {0, 0, 0},
                    {2, 1, 0},  {NM, 0, NM}, {NM, NM, 1}, {1, 1, 2}};
    for (int mode = 0; mode < 2; mode++)
        for (size_t k = 0; k < sizeof sbd / sizeof *sbd; k++)
            for (int axis = 0; axis < 2; axis++) {
                CASE(mode ? "scatter_add" : "scatter_set", NUMC_PRIM_SCATTER);
                c.nin = 3;
                memcpy(c.bdim, sbd[k], sizeof sbd[k]);
                int64_t dim = axis ? 5 : 4;
                c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(4, 5), -1, 1);
                /* distinct indices within each example ("set" has no ties to resolve) */
                if (c.bdim[1] == NM) {
                    int64_t v[2] = {dim - 1, 1};
                    c.in[1] = numc_array_from_data(NUMC_INT64, 1, SH(2), v);
                } else if (c.bdim[1] == 0) {
                    int64_t v[6] = {0, 2, 3, 1, 2, 0};
                    c.in[1] = numc_array_from_data(NUMC_INT64, 2, SH(3, 2), v);
                } else {
                    int64_t v[6] = {0, 2, 3, 1, 3, 0};
                    c.in[1] = numc_array_from_data(NUMC_INT64, 2, SH(2, 3), v);
                }
                int64_t ushape[2] = {axis ? 4 : 2, axis ? 2 : 5};
                c.in[2] = stacked(NUMC_FLOAT64, 3, c.bdim[2], 2, ushape, -1, 1);
                param_ints(&c.pr, 2, SH(axis, mode));
                check_case(&c);
            }
    /* dynamic_slice: starts unbatched / batched (out of range ones clamp) */
    int sb[][3] = {{0, NM, NM}, {1, NM, NM}, {0, 0, NM}, {NM, 0, 0}, {2, NM, 0}, {1, 0, 0}};
    for (size_t k = 0; k < sizeof sb / sizeof *sb; k++) {
        CASE("dynamic_slice", NUMC_PRIM_DYNAMIC_SLICE);
        c.nin = 3;
        memcpy(c.bdim, sb[k], sizeof sb[k]);
        c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(5, 6), -1, 1);
        c.in[1] = stacked(NUMC_INT64, 3, c.bdim[1], 0, SH(0), -2, 6);
        c.in[2] = stacked(NUMC_INT32, 3, c.bdim[2], 0, SH(0), -2, 7);
        param_ints(&c.pr, 2, SH(2, 3));
        check_case(&c);
    }
    int ub[][4] = {{0, 0, NM, NM}, {1, NM, NM, NM}, {NM, 0, NM, NM}, {0, 0, 0, NM},
                   {NM, NM, 0, 0}, {2, 1, NM, 0},   {0, NM, 0, 0}};
    for (size_t k = 0; k < sizeof ub / sizeof *ub; k++) {
        CASE("dynamic_update_slice", NUMC_PRIM_DYNAMIC_UPDATE_SLICE);
        c.nin = 4;
        memcpy(c.bdim, ub[k], sizeof ub[k]);
        c.in[0] = stacked(NUMC_FLOAT64, 3, c.bdim[0], 2, SH(5, 6), -1, 1);
        c.in[1] = stacked(NUMC_FLOAT64, 3, c.bdim[1], 2, SH(2, 3), 5, 9);
        c.in[2] = stacked(NUMC_INT64, 3, c.bdim[2], 0, SH(0), -2, 6);
        c.in[3] = stacked(NUMC_INT64, 3, c.bdim[3], 0, SH(0), -2, 7);
        check_case(&c);
    }
}

/* ---- the C API ---- */
static numc_status f_matvec(void *payload, int nargs, numc_array *const *args,
                            numc_array **result) {
    (void)payload, (void)nargs;
    numc_array *y = numc_matmul(args[0], args[1]);
    numc_array *z = y ? numc_tanh(y) : NULL;
    numc_array_release(y);
    *result = z;
    return z ? NUMC_OK : numc_error_kind();
}

static void api_cases(void) {
    int64_t live = numc_live_arrays();
    /* numc_vmap against a loop; unbatched second operand; out axis 1 */
    numc_array *W = R(NUMC_FLOAT64, 2, SH(4, 3)), *xs = R(NUMC_FLOAT64, 2, SH(5, 3));
    numc_array *args[2] = {W, xs}, *y = NULL;
    int in_axes[2] = {NM, 0};
    CHECK(numc_vmap(f_matvec, NULL, 2, args, in_axes, 1, &y) == NUMC_OK);
    CHECK(y && numc_array_ndim(y) == 2 && numc_array_shape(y)[0] == 4 &&
          numc_array_shape(y)[1] == 5);
    for (int64_t e = 0; y && e < 5; e++) {
        numc_array *x = example(xs, 0, e), *want = NULL;
        numc_array *a2[2] = {W, x};
        f_matvec(NULL, 2, a2, &want);
        numc_array *got = example(y, 1, e);
        CHECK(same(got, want, 1e-12, "numc_vmap matvec"));
        numc_array_release(x);
        numc_array_release(want);
        numc_array_release(got);
    }
    numc_array_release(y);
    /* out axes: unbatched output broadcast; NOT_MAPPED */
    numc_batch *b = numc_batch_begin(4);
    numc_array *t = numc_batch_wrap(b, W, 0); /* W: (4, 3) -> (3,) */
    CHECK(t && numc_array_ndim(t) == 1 && numc_array_shape(t)[0] == 3);
    CHECK(numc_batch_is_batched(b, t) && !numc_batch_is_batched(b, W));
    numc_array *u = numc_batch_unwrap(b, W, -1); /* (4, 3) broadcast -> (4, 3, 4) */
    CHECK(u && numc_array_ndim(u) == 3 && numc_array_shape(u)[2] == 4);
    numc_array_release(u);
    u = numc_batch_unwrap(b, t, NM);
    CHECK(!u && numc_error_kind() == NUMC_ERR_VALUE);
    numc_error_clear();
    u = numc_batch_unwrap(b, t, 1);
    CHECK(u && numc_array_shape(u)[0] == 3 && numc_array_shape(u)[1] == 4);
    numc_array *WT = numc_transpose(W, NULL, 0);
    CHECK(same(u, WT, 0, "unwrap axis 1"));
    numc_array_release(WT);
    numc_array_release(u);
    u = numc_batch_unwrap(b, W, NM);
    CHECK(u == W);
    numc_array_release(u);
    numc_array *bad = numc_batch_wrap(b, xs, 0); /* size 5 != 4 */
    CHECK(!bad && numc_error_kind() == NUMC_ERR_VALUE &&
          strstr(numc_error_message(), "inconsistent sizes"));
    numc_error_clear();
    /* a per-example error is reported in per-example terms */
    int64_t axis = 1;
    numc_array *s = numc_sum(t, &axis, 1, false, NUMC_DTYPE_NONE);
    CHECK(!s && numc_error_kind() == NUMC_ERR_AXIS);
    numc_error_clear();
    numc_batch_end(b);
    /* a leaked tracer is an error, not a crash */
    numc_array *e = numc_exp(t);
    CHECK(!e && strstr(numc_error_message(), "leaked"));
    numc_error_clear();
    numc_array_release(t);
    /* inconsistent sizes through numc_vmap */
    y = NULL;
    CHECK(numc_vmap(f_matvec, NULL, 2, (numc_array *const[]){W, xs}, NULL, 0, &y) ==
          NUMC_ERR_VALUE);
    numc_error_clear();
    CHECK(numc_vmap(f_matvec, NULL, 2, (numc_array *const[]){W, xs}, (const int[]){NM, NM}, 0,
                    &y) == NUMC_ERR_VALUE);
    numc_error_clear();
    numc_array_release(W);
    numc_array_release(xs);
    CHECK(numc_live_arrays() == live);
}

/* nested vmap: a vmap inside a vmap, against a double loop */
static numc_status f_rowdot(void *payload, int nargs, numc_array *const *args,
                            numc_array **result) {
    (void)payload, (void)nargs;
    *result = numc_matmul(args[0], args[1]); /* (3,) @ (3,) -> () */
    return *result ? NUMC_OK : numc_error_kind();
}

static numc_status f_rows(void *payload, int nargs, numc_array *const *args, numc_array **result) {
    /* args[0]: (m, 3) per outer example, args[1]: (3,) -> (m,) */
    return numc_vmap(f_rowdot, payload, nargs, args, (const int[]){0, NM}, 0, result);
}

static void nested_cases(void) {
    int64_t live = numc_live_arrays();
    numc_array *A = R(NUMC_FLOAT64, 3, SH(4, 3, 2)), *v = R(NUMC_FLOAT64, 2, SH(2, 3));
    /* outer maps A along its last axis (-> (4, 3)) and v along 0 (-> (3,)) */
    numc_array *y = NULL;
    for (int fb = 0; fb < 2; fb++) {
        numc_batch_force_fallback(fb);
        CHECK(numc_vmap(f_rows, NULL, 2, (numc_array *const[]){A, v}, (const int[]){-1, 0}, 1,
                        &y) == NUMC_OK);
        numc_batch_force_fallback(false);
        CHECK(y && numc_array_ndim(y) == 2 && numc_array_shape(y)[0] == 4 &&
              numc_array_shape(y)[1] == 2);
        for (int64_t e = 0; y && e < 2; e++)
            for (int64_t r = 0; r < 4; r++) {
                numc_array *Ae = example(A, 2, e), *row = example(Ae, 0, r), *ve = example(v, 0, e);
                numc_array *want = numc_matmul(row, ve);
                numc_array *ye = example(y, 1, e), *got = example(ye, 0, r);
                CHECK(same(got, want, 1e-12, "nested vmap"));
                numc_array *tmp[] = {Ae, row, ve, want, ye, got};
                for (int k = 0; k < 6; k++)
                    numc_array_release(tmp[k]);
            }
        numc_array_release(y);
        y = NULL;
    }
    numc_array_release(A);
    numc_array_release(v);
    CHECK(numc_live_arrays() == live);
}

/* ---- composition with the tape ---- */
typedef struct {
    numc_array *W;
} mlp;

/* loss(x) = sum(tanh(W x)^2), a scalar */
static numc_status f_loss_x(void *payload, int nargs, numc_array *const *args,
                            numc_array **result) {
    (void)nargs;
    mlp *m = payload;
    numc_array *h = numc_matmul(m->W, args[0]);
    numc_array *t = h ? numc_tanh(h) : NULL;
    numc_array *sq = t ? numc_multiply(t, t) : NULL;
    *result = sq ? numc_sum(sq, NULL, 0, false, NUMC_DTYPE_NONE) : NULL;
    numc_array_release(h);
    numc_array_release(t);
    numc_array_release(sq);
    return *result ? NUMC_OK : numc_error_kind();
}

/* per-example gradient: d loss / d x */
static numc_status f_grad_x(void *payload, int nargs, numc_array *const *args,
                            numc_array **result) {
    numc_array *value = NULL;
    numc_status st =
        numc_value_and_grad(f_loss_x, payload, nargs, args, 1, (const int[]){0}, &value, result);
    numc_array_release(value);
    return st;
}

/* loss over W of a batch: sum over examples of vmap(loss_x)(xs) */
typedef struct {
    numc_array *xs;
} wdata;

static numc_status f_loss_w(void *payload, int nargs, numc_array *const *args,
                            numc_array **result) {
    (void)nargs;
    wdata *d = payload;
    mlp m = {args[0]};
    numc_array *per = NULL;
    numc_status st = numc_vmap(f_loss_x, &m, 1, (numc_array *const[]){d->xs}, NULL, 0, &per);
    if (st) return st;
    *result = numc_sum(per, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array_release(per);
    return *result ? NUMC_OK : numc_error_kind();
}

/* loss(W) for one fixed x (the payload): the reference of grad(vmap) */
static numc_status f_loss_wx(void *payload, int nargs, numc_array *const *args,
                             numc_array **result) {
    mlp m = {args[0]};
    return f_loss_x(&m, nargs, (numc_array *const[]){payload}, result);
}

static void tape_cases(void) {
    int64_t live = numc_live_arrays();
    mlp m = {R(NUMC_FLOAT64, 2, SH(4, 3))};
    numc_array *xs = R(NUMC_FLOAT64, 2, SH(6, 3));
    /* vmap(grad) */
    for (int fb = 0; fb < 2; fb++) {
        numc_batch_force_fallback(fb);
        numc_array *g = NULL;
        CHECK(numc_vmap(f_grad_x, &m, 1, (numc_array *const[]){xs}, NULL, 0, &g) == NUMC_OK);
        numc_batch_force_fallback(false);
        for (int64_t e = 0; g && e < 6; e++) {
            numc_array *x = example(xs, 0, e), *want = NULL, *got = example(g, 0, e);
            f_grad_x(&m, 1, (numc_array *const[]){x}, &want);
            CHECK(same(got, want, 1e-12, "vmap(grad)"));
            numc_array_release(x);
            numc_array_release(want);
            numc_array_release(got);
        }
        numc_array_release(g);
    }
    /* grad(vmap): d/dW sum_e loss(W, x_e) against the sum of per-example grads */
    wdata d = {xs};
    numc_array *value = NULL, *gW = NULL;
    CHECK(numc_value_and_grad(f_loss_w, &d, 1, (numc_array *const[]){m.W}, 1, (const int[]){0},
                              &value, &gW) == NUMC_OK);
    numc_array *acc = NULL;
    for (int64_t e = 0; e < 6; e++) {
        numc_array *x = example(xs, 0, e), *v = NULL, *gw = NULL;
        CHECK(numc_value_and_grad(f_loss_wx, x, 1, (numc_array *const[]){m.W}, 1, (const int[]){0},
                                  &v, &gw) == NUMC_OK);
        numc_array *na = acc ? numc_add(acc, gw) : numc_array_retain(gw);
        numc_array_release(acc);
        acc = na;
        numc_array_release(x);
        numc_array_release(v);
        numc_array_release(gw);
    }
    CHECK(same(gW, acc, 1e-12, "grad(vmap)"));
    numc_array_release(acc);
    numc_array_release(value);
    numc_array_release(gW);
    numc_array_release(m.W);
    numc_array_release(xs);
    CHECK(numc_live_arrays() == live);
}

/* The fallback with an empty batch still produces the right shapes. */
static void empty_batch_cases(void) {
    for (int fb = 0; fb < 2; fb++) {
        numc_batch_force_fallback(fb);
        numc_array *x = R(NUMC_FLOAT64, 2, SH(0, 3)), *W = R(NUMC_FLOAT64, 2, SH(4, 3));
        numc_array *y = NULL;
        CHECK(numc_vmap(f_matvec, NULL, 2, (numc_array *const[]){W, x}, (const int[]){NM, 0}, 0,
                        &y) == NUMC_OK);
        CHECK(y && numc_array_ndim(y) == 2 && numc_array_shape(y)[0] == 0 &&
              numc_array_shape(y)[1] == 4);
        numc_batch_force_fallback(false);
        numc_array_release(y);
        numc_array_release(x);
        numc_array_release(W);
    }
}

/* ---- fft (issue 9): the batch axis anywhere, the transform axes shift past it ---- */
static void fft_cases(void) {
    /* kind, inverse, norm, naxes, axes, lengths; per-example shape (3, 4) */
    static const int64_t params[][8] = {
        {0, 0, 0, 1, 1, 4},       /* c2c along axis 1 */
        {0, 1, 1, 2, 1, 0, 4, 3}, /* c2c inverse, both axes */
        {1, 0, 2, 2, 0, 1, 3, 4}, /* r2c, real axis last */
        {2, 1, 0, 1, 0, 4},       /* c2r along axis 0: operand length 3 = 4/2+1 */
    };
    for (int k = 0; k < 4; k++)
        for (int b = 0; b < 3; b++) {
            CASE("fft", NUMC_PRIM_FFT);
            c.nin = 1, c.bdim[0] = b;
            numc_dtype dt = params[k][0] == 1 ? NUMC_FLOAT64 : NUMC_COMPLEX128;
            c.in[0] = stacked(dt, 3, b, 2, SH(3, 4), -1, 1);
            param_ints(&c.pr, 4 + 2 * (int)params[k][3], params[k]);
            check_case(&c);
        }
}

int main(void) {
    int64_t live = numc_live_arrays();
    elementwise_cases();
    layout_cases();
    reduce_cases();
    dot_cases();
    index_cases();
    api_cases();
    nested_cases();
    tape_cases();
    empty_batch_cases();
    fft_cases(); /* ---- fft (issue 9) ---- */
    CHECK(numc_live_arrays() == live);
    return CHECK_DONE();
}
