/* cast.c — storing a ufunc result into an existing array (`out=`, in-place
 * operators such as `a += b`): NumPy's same_kind casting check and the
 * broadcast of the result to the destination's shape. */
#include "np-impl.h"

numc_array *numc_cast_for_output(const numc_array *r, numc_dtype dt, const char *ufunc) {
    if (r->dtype == dt) return numc_array_retain((numc_array *)r);
    if (!numc_can_cast(r->dtype, dt, "same_kind")) {
        numc_error_set(NUMC_ERR_TYPE,
                       "Cannot cast ufunc '%s' output from dtype('%s') to dtype('%s') with "
                       "casting rule 'same_kind'",
                       ufunc, numc_dtype_name(r->dtype), numc_dtype_name(dt));
        return NULL;
    }
    return numc_astype(r, dt);
}

numc_array *numc_fit_output(const numc_array *r, const numc_array *out, const char *ufunc) {
    if (np_same_shape(r, out)) return numc_cast_for_output(r, out->dtype, ufunc);
    numc_array *b = numc_broadcast_to(r, out->ndim, out->shape);
    if (!b) {
        char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
        numc_error_set(NUMC_ERR_VALUE,
                       "non-broadcastable output operand with shape %s doesn't match the "
                       "broadcast shape %s",
                       np_shape_str(s1, sizeof s1, out->ndim, out->shape),
                       np_shape_str(s2, sizeof s2, r->ndim, r->shape));
        return NULL;
    }
    numc_array *c = numc_cast_for_output(b, out->dtype, ufunc);
    numc_array_release(b);
    return c;
}
