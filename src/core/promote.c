/* promote.c — NumPy 2 type promotion: promote_types over the 15 dtypes
 * (bfloat16 as ml_dtypes registers it), NEP 50 result_type with weak Python
 * scalars, and can_cast. */
#include "core-impl.h"

/* Size rank among floats; bfloat16 and float16 are incomparable (both go to
 * float32 together). */
static int float_rank(numc_dtype d) {
    switch (d) {
    case NUMC_FLOAT16:
    case NUMC_BFLOAT16:
        return 1;
    case NUMC_FLOAT32:
        return 2;
    case NUMC_FLOAT64:
        return 3;
    default:
        return 0;
    }
}

static numc_dtype float_of_rank(int r) {
    return r <= 2 ? NUMC_FLOAT32 : NUMC_FLOAT64;
}

/* The smallest float that holds every value of an integer (or bool) type. */
static numc_dtype int_float_floor(numc_dtype d, numc_dtype half_kind) {
    switch (d) {
    case NUMC_BOOL:
    case NUMC_INT8:
    case NUMC_UINT8:
        return half_kind;
    case NUMC_INT16:
    case NUMC_UINT16:
        return NUMC_FLOAT32;
    default:
        return NUMC_FLOAT64;
    }
}

static numc_dtype promote_floats(numc_dtype a, numc_dtype b) {
    if (a == b) return a;
    int ra = float_rank(a), rb = float_rank(b);
    if (ra == 1 && rb == 1) return NUMC_FLOAT32; /* float16 with bfloat16 */
    return ra > rb ? a : b;
}

static numc_dtype promote_ints(numc_dtype a, numc_dtype b) {
    size_t sa = numc_dtype_info[a].itemsize, sb = numc_dtype_info[b].itemsize;
    bool ua = numc_dt_is_unsigned(a), ub = numc_dt_is_unsigned(b);
    if (ua == ub) return sa >= sb ? a : b;
    numc_dtype u = ua ? a : b, s = ua ? b : a;
    size_t su = numc_dtype_info[u].itemsize, ss = numc_dtype_info[s].itemsize;
    if (ss > su) return s;
    switch (su) {
    case 1:
        return NUMC_INT16;
    case 2:
        return NUMC_INT32;
    case 4:
        return NUMC_INT64;
    default:
        return NUMC_FLOAT64;
    }
}

static int kind_level(char k) {
    switch (k) {
    case 'b':
        return 0;
    case 'u':
    case 'i':
        return 1;
    case 'f':
        return 2;
    default:
        return 3;
    }
}

numc_dtype numc_promote_types(numc_dtype a, numc_dtype b) {
    if (a == b) return a;
    if (a == NUMC_BOOL) return b;
    if (b == NUMC_BOOL) return a;
    char ka = numc_dtype_info[a].kind, kb = numc_dtype_info[b].kind;
    bool ia = ka == 'i' || ka == 'u', ib = kb == 'i' || kb == 'u';
    if (ia && ib) return promote_ints(a, b);
    if (ka == 'c' || kb == 'c') {
        /* complex with anything: the complex type whose real part holds both */
        numc_dtype ra =
            ka == 'c' ? numc_dt_real_of(a) : (ia ? int_float_floor(a, NUMC_FLOAT32) : a);
        numc_dtype rb =
            kb == 'c' ? numc_dt_real_of(b) : (ib ? int_float_floor(b, NUMC_FLOAT32) : b);
        numc_dtype r = promote_floats(ra, rb);
        return r == NUMC_FLOAT64 ? NUMC_COMPLEX128 : NUMC_COMPLEX64;
    }
    if (ka == 'f' && kb == 'f') return promote_floats(a, b);
    /* one int, one float */
    numc_dtype f = ka == 'f' ? a : b, i = ka == 'f' ? b : a;
    numc_dtype need = int_float_floor(i, f);
    if (need == f) return f;
    if (float_rank(need) == 1) return f; /* int8 fits any half type */
    return float_of_rank(float_rank(need) > float_rank(f) ? float_rank(need) : float_rank(f));
}

/* Promotion of several dtypes is not associative; NumPy promotes the dtypes of
 * the highest category together and then that "main" dtype with each of the
 * others (so int8, uint8, float16 -> float16, not float32). */
static numc_dtype promote_sequence(int n, const numc_dtype *dts) {
    int top = -1;
    for (int i = 0; i < n; i++) {
        int l = kind_level(numc_dtype_info[dts[i]].kind);
        if (l > top) top = l;
    }
    numc_dtype main = NUMC_DTYPE_NONE;
    for (int i = 0; i < n; i++)
        if (kind_level(numc_dtype_info[dts[i]].kind) == top)
            main = main == NUMC_DTYPE_NONE ? dts[i] : numc_promote_types(main, dts[i]);
    numc_dtype r = main;
    for (int i = 0; i < n; i++)
        if (kind_level(numc_dtype_info[dts[i]].kind) != top)
            r = numc_promote_types(r, numc_promote_types(main, dts[i]));
    return r;
}

numc_dtype numc_result_type(int n, const numc_array *const *arrays) {
    if (n <= 0) {
        numc_error_set(NUMC_ERR_VALUE, "at least one array or dtype is required");
        return NUMC_DTYPE_NONE;
    }
    numc_dtype strong = NUMC_DTYPE_NONE;
    numc_dtype seen[NUMC_DTYPE_COUNT];
    int nseen = 0;
    int weak_level = -1;
    for (int i = 0; i < n; i++) {
        const numc_array *a = arrays[i];
        if (!a) continue;
        if (a->flags & NUMC_AF_WEAK) {
            int l = kind_level(numc_dtype_info[a->dtype].kind);
            if (l > weak_level) weak_level = l;
        } else if (strong == NUMC_DTYPE_NONE) {
            strong = seen[nseen++] = a->dtype;
        } else if (a->dtype != strong) {
            bool dup = false;
            for (int k = 0; k < nseen; k++)
                dup |= seen[k] == a->dtype;
            if (!dup) seen[nseen++] = a->dtype;
            strong =
                nseen <= 2 ? numc_promote_types(strong, a->dtype) : promote_sequence(nseen, seen);
        }
    }
    if (weak_level < 0) return strong;
    if (strong == NUMC_DTYPE_NONE) {
        switch (weak_level) {
        case 0:
            return NUMC_BOOL;
        case 1:
            return numc_default_int();
        case 2:
            return numc_default_float();
        default:
            return numc_default_complex();
        }
    }
    int sl = kind_level(numc_dtype_info[strong].kind);
    if (weak_level <= sl) return strong;
    switch (weak_level) {
    case 1:
        return numc_default_int(); /* bool array + Python int */
    case 2:
        return numc_default_float(); /* int/bool array + Python float */
    default:                         /* + Python complex */
        if (sl == 2) return numc_dt_complex_of(strong);
        return numc_default_complex();
    }
}

bool numc_can_cast(numc_dtype from, numc_dtype to, const char *casting) {
    if (!casting || strcmp(casting, "safe") == 0) return numc_promote_types(from, to) == to;
    if (strcmp(casting, "no") == 0 || strcmp(casting, "equiv") == 0) return from == to;
    if (strcmp(casting, "unsafe") == 0) return true;
    /* same_kind: safe, or a cast within one kind or to a higher kind (u -> i ok) */
    if (numc_promote_types(from, to) == to) return true;
    char kf = numc_dtype_info[from].kind, kt = numc_dtype_info[to].kind;
    static const char order[] = "buifc";
    return strchr(order, kf) - order <= strchr(order, kt) - order;
}
