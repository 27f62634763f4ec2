/* info.c — numc_finfo and numc_iinfo: machine limits of the float and integer
 * dtypes with the values NumPy (and ml_dtypes for bfloat16) report. */
#include "np-impl.h"

#include <float.h>

/* a value rounded to dt, as NumPy stores finfo fields in the dtype itself */
static double in_dtype(numc_dtype dt, double v) {
    switch (dt) {
    case NUMC_FLOAT16:
        return (double)numc_f16_to_f32(numc_f64_to_f16(v));
    case NUMC_BFLOAT16:
        return (double)numc_bf16_to_f32(numc_f64_to_bf16(v));
    case NUMC_FLOAT32:
        return (double)(float)v;
    default:
        return v;
    }
}

numc_status numc_finfo(numc_dtype dt, numc_finfo_t *out) {
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT || !numc_dt_is_inexact(dt))
        return numc_error_set(NUMC_ERR_VALUE, "data type <class 'numpy.%s'> not inexact",
                              dt < 0 || dt >= NUMC_DTYPE_COUNT ? "object" : numc_dtype_name(dt));
    numc_dtype r = numc_dt_real_of(dt);
    /* bits, mantissa bits, exponent bits, decimal precision */
    int nmant, nexp, precision;
    switch (r) {
    case NUMC_FLOAT16:
        nmant = 10;
        nexp = 5;
        precision = 3;
        break;
    case NUMC_BFLOAT16:
        nmant = 7;
        nexp = 8;
        precision = 2;
        break;
    case NUMC_FLOAT32:
        nmant = 23;
        nexp = 8;
        precision = 6;
        break;
    default:
        nmant = 52;
        nexp = 11;
        precision = 15;
        break;
    }
    int maxexp = 1 << (nexp - 1), minexp = 2 - maxexp;
    memset(out, 0, sizeof *out);
    out->bits = (int)numc_dtype_itemsize(r) * 8;
    out->eps = ldexp(1.0, -nmant);
    out->epsneg = ldexp(1.0, -nmant - 1);
    out->max = ldexp(2.0 - ldexp(1.0, -nmant), maxexp - 1);
    out->min = -out->max;
    out->tiny = out->smallest_normal = ldexp(1.0, minexp);
    out->smallest_subnormal = ldexp(1.0, minexp - nmant);
    out->resolution = in_dtype(r, pow(10.0, -precision));
    out->precision = precision;
    out->maxexp = maxexp;
    out->minexp = minexp;
    out->nmant = nmant;
    out->nexp = out->iexp = nexp;
    out->dtype = r;
    return NUMC_OK;
}

numc_status numc_iinfo(numc_dtype dt, numc_iinfo_t *out) {
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT || !numc_dt_is_int(dt))
        return numc_error_set(NUMC_ERR_VALUE, "Invalid integer data type '%c'.",
                              dt < 0 || dt >= NUMC_DTYPE_COUNT ? 'O' : numc_dtype_kind(dt));
    int bits = (int)numc_dtype_itemsize(dt) * 8;
    out->bits = bits;
    out->dtype = dt;
    if (numc_dt_is_signed(dt)) {
        out->max = bits == 64 ? (uint64_t)INT64_MAX : (UINT64_C(1) << (bits - 1)) - 1;
        out->min = -(int64_t)out->max - 1;
    } else {
        out->max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        out->min = 0;
    }
    return NUMC_OK;
}
