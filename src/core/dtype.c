/* dtype.c — the dtype table (from NUMC_DTYPE_LIST), names, and the dtype maps
 * used by promotion (real/complex counterparts, default float for ints). */
#include "core-impl.h"

const numc_dtype_info_t numc_dtype_info[NUMC_DTYPE_COUNT] = {
#define X(E, n, t, s, k, K) {#n, s, k},
    NUMC_DTYPE_LIST(X)
#undef X
};

const char *numc_dtype_name(numc_dtype dt) {
    return (dt >= 0 && dt < NUMC_DTYPE_COUNT) ? numc_dtype_info[dt].name : "none";
}
size_t numc_dtype_itemsize(numc_dtype dt) {
    return (dt >= 0 && dt < NUMC_DTYPE_COUNT) ? numc_dtype_info[dt].itemsize : 0;
}
char numc_dtype_kind(numc_dtype dt) {
    return (dt >= 0 && dt < NUMC_DTYPE_COUNT) ? numc_dtype_info[dt].kind : '?';
}
numc_dtype numc_dtype_from_name(const char *name) {
    if (!name) return NUMC_DTYPE_NONE;
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++)
        if (strcmp(name, numc_dtype_info[i].name) == 0) return (numc_dtype)i;
    static const struct {
        const char *alias;
        numc_dtype dt;
    } aliases[] = {
        {"bool_", NUMC_BOOL},
        {"int", NUMC_INT64},
        {"int_", NUMC_INT64},
        {"intp", NUMC_INT64},
        {"uint", NUMC_UINT64},
        {"uintp", NUMC_UINT64},
        {"float", NUMC_FLOAT64},
        {"double", NUMC_FLOAT64},
        {"single", NUMC_FLOAT32},
        {"half", NUMC_FLOAT16},
        {"complex", NUMC_COMPLEX128},
        {"cdouble", NUMC_COMPLEX128},
        {"csingle", NUMC_COMPLEX64},
        {"?", NUMC_BOOL},
        {"b", NUMC_INT8},
        {"h", NUMC_INT16},
        {"i", NUMC_INT32},
        {"l", NUMC_INT64},
        {"q", NUMC_INT64},
        {"B", NUMC_UINT8},
        {"H", NUMC_UINT16},
        {"I", NUMC_UINT32},
        {"L", NUMC_UINT64},
        {"Q", NUMC_UINT64},
        {"e", NUMC_FLOAT16},
        {"f", NUMC_FLOAT32},
        {"d", NUMC_FLOAT64},
        {"F", NUMC_COMPLEX64},
        {"D", NUMC_COMPLEX128},
        {"i1", NUMC_INT8},
        {"i2", NUMC_INT16},
        {"i4", NUMC_INT32},
        {"i8", NUMC_INT64},
        {"u1", NUMC_UINT8},
        {"u2", NUMC_UINT16},
        {"u4", NUMC_UINT32},
        {"u8", NUMC_UINT64},
        {"f2", NUMC_FLOAT16},
        {"f4", NUMC_FLOAT32},
        {"f8", NUMC_FLOAT64},
        {"c8", NUMC_COMPLEX64},
        {"c16", NUMC_COMPLEX128},
        {"b1", NUMC_BOOL},
        {"<f4", NUMC_FLOAT32},
        {"<f8", NUMC_FLOAT64},
        {"<i4", NUMC_INT32},
        {"<i8", NUMC_INT64},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0) return aliases[i].dt;
    return NUMC_DTYPE_NONE;
}

numc_dtype numc_dt_real_of(numc_dtype d) {
    if (d == NUMC_COMPLEX64) return NUMC_FLOAT32;
    if (d == NUMC_COMPLEX128) return NUMC_FLOAT64;
    return d;
}

numc_dtype numc_dt_complex_of(numc_dtype d) {
    switch (d) {
    case NUMC_FLOAT16:
    case NUMC_BFLOAT16:
    case NUMC_FLOAT32:
    case NUMC_COMPLEX64:
        return NUMC_COMPLEX64;
    case NUMC_FLOAT64:
    case NUMC_COMPLEX128:
        return numc_dt_canonical(NUMC_COMPLEX128);
    default:
        return numc_default_complex();
    }
}

/* NumPy picks the smallest float that represents every value of the integer
 * type safely: (u)int8 -> float16, (u)int16 -> float32, wider -> float64.
 * bool behaves like int8. */
numc_dtype numc_dt_float_for(numc_dtype d) {
    switch (d) {
    case NUMC_BOOL:
    case NUMC_INT8:
    case NUMC_UINT8:
        return NUMC_FLOAT16;
    case NUMC_INT16:
    case NUMC_UINT16:
        return NUMC_FLOAT32;
    case NUMC_INT32:
    case NUMC_UINT32:
    case NUMC_INT64:
    case NUMC_UINT64:
        return numc_default_float();
    default:
        return numc_dt_canonical(d);
    }
}

numc_dtype numc_dt_canonical(numc_dtype d) {
    if (!numc_allow_float64()) {
        if (d == NUMC_FLOAT64) return NUMC_FLOAT32;
        if (d == NUMC_COMPLEX128) return NUMC_COMPLEX64;
    }
    return d;
}

/* Rounds a double to bfloat16 with one rounding step (NumPy/ml_dtypes do this
 * via float32 first; ml_dtypes converts double -> float -> bfloat16, so we
 * match that double rounding exactly). */
uint16_t numc_f64_to_bf16(double d) {
    return numc_f32_to_bf16((float)d);
}
