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
/* NumPy's dtype names: the canonical names, the C-type aliases, the one-letter
 * codes and array-interface type strings ("<f8", "|b1", "i4"). */
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
        {"long", NUMC_INT64},
        {"longlong", NUMC_INT64},
        {"uint", NUMC_UINT64},
        {"uintp", NUMC_UINT64},
        {"ulong", NUMC_UINT64},
        {"ulonglong", NUMC_UINT64},
        {"intc", NUMC_INT32},
        {"uintc", NUMC_UINT32},
        {"short", NUMC_INT16},
        {"ushort", NUMC_UINT16},
        {"byte", NUMC_INT8},
        {"ubyte", NUMC_UINT8},
        {"float", NUMC_FLOAT64},
        {"double", NUMC_FLOAT64},
        {"float_", NUMC_FLOAT64},
        {"single", NUMC_FLOAT32},
        {"half", NUMC_FLOAT16},
        {"complex", NUMC_COMPLEX128},
        {"complex_", NUMC_COMPLEX128},
        {"cdouble", NUMC_COMPLEX128},
        {"csingle", NUMC_COMPLEX64},
        {"?", NUMC_BOOL},
        {"b", NUMC_INT8},
        {"h", NUMC_INT16},
        {"i", NUMC_INT32},
        {"l", NUMC_INT64},
        {"q", NUMC_INT64},
        {"p", NUMC_INT64},
        {"B", NUMC_UINT8},
        {"H", NUMC_UINT16},
        {"I", NUMC_UINT32},
        {"L", NUMC_UINT64},
        {"Q", NUMC_UINT64},
        {"P", NUMC_UINT64},
        {"e", NUMC_FLOAT16},
        {"E", NUMC_BFLOAT16},
        {"f", NUMC_FLOAT32},
        {"d", NUMC_FLOAT64},
        {"F", NUMC_COMPLEX64},
        {"D", NUMC_COMPLEX128},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0) return aliases[i].dt;
    /* type strings: optional byte order, kind letter, byte count */
    const char *p = name;
    if (*p == '<' || *p == '=' || *p == '|') p++;
    if (!*p || !p[1]) return NUMC_DTYPE_NONE;
    char kind = *p++;
    char *end;
    long n = strtol(p, &end, 10);
    if (*end) return NUMC_DTYPE_NONE;
    if (kind == 'V' && n == 2) return NUMC_DTYPE_NONE; /* void is not bfloat16 */
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++) {
        if (i == NUMC_BFLOAT16) continue;
        if (numc_dtype_info[i].kind == kind && (long)numc_dtype_info[i].itemsize == n)
            return (numc_dtype)i;
    }
    return NUMC_DTYPE_NONE;
}

numc_status numc_dtype_parse(const char *name, numc_dtype *out) {
    *out = numc_dtype_from_name(name);
    if (*out != NUMC_DTYPE_NONE) return NUMC_OK;
    /* quoted as Python's repr of the name, as NumPy's message shows it */
    const char *q = name && strchr(name, '\'') && !strchr(name, '"') ? "\"" : "'";
    return numc_error_set(NUMC_ERR_TYPE, "data type %s%s%s not understood", q, name ? name : "", q);
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
