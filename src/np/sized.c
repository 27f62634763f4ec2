/* sized.c — data-dependent functions with a static result size, as JAX's
 * size=/fill_value= give them (issue 8, breadth3): nonzero and what is built
 * on it (argwhere, flatnonzero, where with one argument). Composed of
 * primitives whose shapes depend only on `size`, so they trace under
 * numc.function and batch under vmap. */
#include "np-impl.h"

numc_status numc_nonzero_sized(const numc_array *a, int64_t size, const numc_array *fill_value,
                               numc_array **out) {
    if (a->ndim == 0)
        return numc_error_set(NUMC_ERR_VALUE, "Calling nonzero on 0d arrays is not allowed. Use "
                                              "np.atleast_1d(scalar).nonzero() instead.");
    if (size < 0)
        return numc_error_set(NUMC_ERR_VALUE, "nonzero: size must be >= 0, got %lld",
                              (long long)size);
    if (fill_value && fill_value->ndim != 0)
        return numc_error_set(NUMC_ERR_VALUE, "nonzero: fill_value must be a scalar");
    bool fp = numc_fp_pause(); /* an empty axis divides by zero where nothing is kept */
    np_scope s;
    np_scope_init(&s);
    int64_t n = a->size, np1 = size + 1;
    /* the k-th nonzero (C order) goes to slot k; the rest, and those past
     * size, to a spill slot that is cut off */
    numc_array *mask = np_cvt(&s, np_ravel(&s, a), NUMC_BOOL);
    numc_array *mi = np_cvt(&s, mask, NUMC_INT64);
    numc_params cs = {.n = 2, .i = {0, 0}};
    numc_array *pos =
        mi ? np_binc(&s, NUMC_PRIM_SUB, np_bind(&s, NUMC_PRIM_CUMSUM, 1, NP_ARRAY_OF(mi), &cs), 1)
           : NULL;
    numc_array *keep =
        np_bin(&s, NUMC_PRIM_AND, mask, np_binc(&s, NUMC_PRIM_LT, pos, (double)size));
    numc_array *dest = np_sel(&s, keep, pos, np_fill(&s, NUMC_INT64, (double)size, 1, &n));
    numc_array *iota = np_keep(&s, numc_arange(0, (double)n, 1, NUMC_INT64));
    numc_array *slots = np_fill(&s, NUMC_INT64, 0, 1, &np1);
    numc_params sc = {.n = 2, .i = {0, 0}};
    slots = slots && dest && iota
                ? np_bind(&s, NUMC_PRIM_SCATTER, 3, NP_ARRAY_OF(slots, dest, iota), &sc)
                : NULL;
    numc_params sl = {.n = 3, .i = {0, size, 1}};
    numc_array *flat = slots ? np_bind(&s, NUMC_PRIM_SLICE, 1, NP_ARRAY_OF(slots), &sl) : NULL;
    /* slots past the count of nonzeros hold fill_value */
    numc_array *count =
        mi ? np_reduce(&s, NUMC_PRIM_REDUCE_SUM, mi, (const int64_t[]){0}, 1) : NULL;
    numc_array *valid =
        np_bin(&s, NUMC_PRIM_LT, np_keep(&s, numc_arange(0, (double)size, 1, NUMC_INT64)), count);
    numc_array *fill =
        fill_value ? np_cvt(&s, fill_value, NUMC_INT64) : np_const(&s, NUMC_INT64, 0, 0);
    int64_t stride = 1;
    int k;
    for (k = a->ndim - 1; k >= 0; k--) {
        numc_array *c = np_binc(&s, NUMC_PRIM_DIV, flat, (double)stride);
        c = np_binc(&s, NUMC_PRIM_REM, c, (double)a->shape[k]);
        out[k] = np_new_ref(np_sel(&s, valid, c, fill));
        if (!out[k]) break;
        stride *= a->shape[k];
    }
    np_scope_end(&s);
    numc_fp_resume(fp);
    if (k >= 0) {
        for (int j = k + 1; j < a->ndim; j++) {
            numc_array_release(out[j]);
            out[j] = NULL;
        }
        return numc_error_kind();
    }
    return NUMC_OK;
}
