/* creation.c — zeros/ones/empty/full (and *_like), arange, linspace, eye,
 * identity, copy and astype, built from constant, iota, convert and
 * broadcast_in_dim so that they trace like any other operation. */
#include "np-impl.h"

static numc_dtype default_float(void) {
    return numc_dt_canonical(numc_default_float());
}

/* NumPy's checks on a requested shape: negative dimensions, and a byte size
 * beyond what an array can hold */
static numc_status check_shape(int ndim, const int64_t *shape, numc_dtype dt) {
    int64_t size;
    if (numc_shape_size("shape", ndim, shape, &size)) return numc_error_kind();
    size_t isz = dt == NUMC_DTYPE_NONE ? 8 : numc_dtype_itemsize(dt);
    if (size > INT64_MAX / (int64_t)isz)
        return numc_error_set(NUMC_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                              "is larger than the maximum possible size.");
    return NUMC_OK;
}

static numc_array *filled(int ndim, const int64_t *shape, numc_dtype dt, double v) {
    if (dt == NUMC_DTYPE_NONE) dt = default_float();
    if (check_shape(ndim, shape, dt)) return NULL;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_fill(&s, dt, v, ndim, shape));
}

numc_array *numc_zeros(int ndim, const int64_t *shape, numc_dtype dt) {
    return filled(ndim, shape, dt, 0);
}
numc_array *numc_ones(int ndim, const int64_t *shape, numc_dtype dt) {
    return filled(ndim, shape, dt, 1);
}
/* Values are immutable, so "uninitialised" is zeros: no stale memory leaks out. */
numc_array *numc_empty(int ndim, const int64_t *shape, numc_dtype dt) {
    return filled(ndim, shape, dt, 0);
}

numc_array *numc_full(int ndim, const int64_t *shape, const numc_array *fill_value, numc_dtype dt) {
    if (check_shape(ndim, shape, dt == NUMC_DTYPE_NONE ? fill_value->dtype : dt)) return NULL;
    if (dt == NUMC_DTYPE_NONE) {
        dt = fill_value->dtype;
        /* a Python scalar fill takes NumPy's default type of its kind */
        if (np_is_weak(fill_value)) {
            if (numc_dt_is_float(dt))
                dt = default_float();
            else if (numc_dt_is_complex(dt))
                dt = numc_dt_canonical(numc_default_complex());
            else if (numc_dt_is_int(dt))
                dt = numc_default_int();
        }
    }
    /* the fill broadcasts one way, into the requested shape */
    bool ok = fill_value->ndim <= ndim;
    for (int d = 0; ok && d < fill_value->ndim; d++) {
        int64_t f = fill_value->shape[d], o = shape[ndim - fill_value->ndim + d];
        ok = f == o || f == 1;
    }
    if (!ok) {
        char a[400], b[400];
        numc_error_set(NUMC_ERR_VALUE,
                       "could not broadcast input array from shape %s into shape %s",
                       np_shape_str(a, sizeof a, fill_value->ndim, fill_value->shape),
                       np_shape_str(b, sizeof b, ndim, shape));
        return NULL;
    }
    /* np.full copies a Python int into an integer array: it must fit */
    if (np_check_weak_ints(1, &fill_value, dt)) return NULL;
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_bcast(&s, np_cvt(&s, fill_value, dt), ndim, shape));
}

static numc_dtype like_dtype(const numc_array *a, numc_dtype dt) {
    return dt == NUMC_DTYPE_NONE ? a->dtype : dt;
}

numc_array *numc_zeros_like(const numc_array *a, numc_dtype dt) {
    return filled(a->ndim, a->shape, like_dtype(a, dt), 0);
}
numc_array *numc_ones_like(const numc_array *a, numc_dtype dt) {
    return filled(a->ndim, a->shape, like_dtype(a, dt), 1);
}
numc_array *numc_empty_like(const numc_array *a, numc_dtype dt) {
    return filled(a->ndim, a->shape, like_dtype(a, dt), 0);
}
numc_array *numc_full_like(const numc_array *a, const numc_array *fill_value, numc_dtype dt) {
    return numc_full(a->ndim, a->shape, fill_value, like_dtype(a, dt));
}

/* iota of dtype dt along `dim` of the given shape */
static numc_array *iota(np_scope *s, numc_dtype dt, int dim, int ndim, const int64_t *shape) {
    numc_params pr = {.n = 3 + ndim, .i = {dt, dim, ndim}};
    for (int d = 0; d < ndim; d++)
        pr.i[3 + d] = shape[d];
    return np_bind(s, NUMC_PRIM_IOTA, 0, NULL, &pr);
}

/* v as NumPy stores a Python float into an integer array (truncation, then
 * wrap-around into the type's width) */
static int64_t int_store(double v, numc_dtype dt) {
    int64_t x = dt == NUMC_UINT64 && v >= 9223372036854775808.0 ? (int64_t)(uint64_t)v : (int64_t)v;
    int bits = (int)numc_dtype_itemsize(dt) * 8;
    if (bits == 64) return x;
    uint64_t m = (UINT64_C(1) << bits) - 1, u = (uint64_t)x & m;
    if (numc_dt_is_signed(dt) && (u >> (bits - 1))) u |= ~m;
    return (int64_t)u;
}

numc_array *numc_arange(double start, double stop, double step, numc_dtype dt) {
    if (dt == NUMC_DTYPE_NONE)
        dt = start == floor(start) && stop == floor(stop) && step == floor(step)
                 ? numc_default_int()
                 : default_float();
    if (step == 0) {
        numc_error_set(NUMC_ERR_ZERO_DIVISION, "division by zero");
        return NULL;
    }
    /* NumPy's length rule: ceil((stop - start) / step) */
    double len_d = ceil((stop - start) / step);
    if (isnan(len_d)) {
        numc_error_set(NUMC_ERR_VALUE, "arange: cannot compute length");
        return NULL;
    }
    if (len_d > 9.2e18) {
        numc_error_set(NUMC_ERR_VALUE, "Maximum allowed size exceeded");
        return NULL;
    }
    int64_t n = len_d > 0 ? (int64_t)len_d : 0;
    if (check_shape(1, &n, dt)) return NULL;
    if (dt == NUMC_BOOL && n > 2) {
        numc_error_set(NUMC_ERR_TYPE, "arange() is only supported for booleans when the result "
                                      "has at most length 2.");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    numc_array *r;
    /* NumPy stores start and start + step, then fills a[i] = a[0] + i * delta
     * with delta = a[1] - a[0], all in the array's type (float32 for half). */
    if (numc_dt_is_int(dt) || dt == NUMC_BOOL) {
        numc_dtype st = dt == NUMC_BOOL ? NUMC_INT64 : dt;
        int64_t first = int_store(start, st), second = int_store(start + step, st);
        int64_t delta = (int64_t)((uint64_t)second - (uint64_t)first);
        if (st != NUMC_INT64 && st != NUMC_UINT64) delta = int_store((double)delta, st);
        numc_array *i = iota(&s, NUMC_INT64, 0, 1, &n);
        r = np_binc(&s, NUMC_PRIM_ADD, np_binc(&s, NUMC_PRIM_MUL, i, (double)delta), (double)first);
        r = np_cvt(&s, r, dt);
    } else {
        numc_dtype real = numc_dt_real_of(dt), w = numc_dt_is_half(real) ? NUMC_FLOAT32 : real;
        double first, second;
        if (real == NUMC_FLOAT64) {
            first = start;
            second = start + step;
        } else if (real == NUMC_FLOAT32) {
            first = (float)start;
            second = (float)(start + step);
        } else if (real == NUMC_FLOAT16) {
            first = numc_f16_to_f32(numc_f64_to_f16(start));
            second = numc_f16_to_f32(numc_f64_to_f16(start + step));
        } else {
            first = numc_bf16_to_f32(numc_f64_to_bf16(start));
            second = numc_bf16_to_f32(numc_f64_to_bf16(start + step));
        }
        double delta = w == NUMC_FLOAT32 ? (double)((float)second - (float)first) : second - first;
        numc_array *i = iota(&s, w, 0, 1, &n);
        r = np_binc(&s, NUMC_PRIM_ADD, np_binc(&s, NUMC_PRIM_MUL, i, delta), first);
        /* the first two values are stored, not computed (start + 1 * delta
         * need not round back to start + step, and 0 * inf is NaN) */
        numc_array *i64 = iota(&s, NUMC_INT64, 0, 1, &n);
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, i64, 1), np_fill_like(&s, r, second), r);
        r = np_sel(&s, np_binc(&s, NUMC_PRIM_EQ, i64, 0), np_fill_like(&s, r, first), r);
        r = np_cvt(&s, np_cvt(&s, r, real), dt);
    }
    return np_ret(&s, r);
}

numc_array *numc_linspace(double start, double stop, int64_t num, bool endpoint, numc_dtype dt) {
    if (num < 0) {
        numc_error_set(NUMC_ERR_VALUE, "Number of samples, %lld, must be non-negative.",
                       (long long)num);
        return NULL;
    }
    /* NumPy computes in the float type of (start, stop), then casts */
    numc_dtype ct = default_float();
    if (dt == NUMC_DTYPE_NONE) dt = ct;
    if (check_shape(1, &num, ct)) return NULL;
    int64_t div = endpoint ? num - 1 : num;
    double delta = stop - start;
    if (ct == NUMC_FLOAT32) delta = (float)stop - (float)start;
    np_scope s;
    np_scope_init(&s);
    numc_array *y = iota(&s, ct, 0, 1, &num);
    if (div > 0) {
        double step = delta / (double)div;
        if (ct == NUMC_FLOAT32) step = (float)delta / (float)div;
        if (step == 0)
            y = np_binc(&s, NUMC_PRIM_MUL, np_binc(&s, NUMC_PRIM_DIV, y, (double)div), delta);
        else
            y = np_binc(&s, NUMC_PRIM_MUL, y, step);
    } else {
        y = np_binc(&s, NUMC_PRIM_MUL, y, delta);
    }
    y = np_binc(&s, NUMC_PRIM_ADD, y, start);
    if (endpoint && num > 1) {
        numc_array *last =
            np_binc(&s, NUMC_PRIM_EQ, iota(&s, NUMC_INT64, 0, 1, &num), (double)(num - 1));
        y = np_sel(&s, last, np_fill_like(&s, y, stop), y);
    }
    if (numc_dt_is_int(dt)) y = np_un(&s, NUMC_PRIM_FLOOR, y);
    return np_ret(&s, np_cvt(&s, y, dt));
}

numc_array *numc_eye(int64_t n, int64_t m, int64_t k, numc_dtype dt) {
    if (dt == NUMC_DTYPE_NONE) dt = default_float();
    int64_t shape[2] = {n, m};
    if (check_shape(2, shape, NUMC_INT64)) return NULL;
    np_scope s;
    np_scope_init(&s);
    numc_array *rows = iota(&s, NUMC_INT64, 0, 2, shape), *cols = iota(&s, NUMC_INT64, 1, 2, shape);
    numc_array *diag = np_binc(&s, NUMC_PRIM_EQ, np_bin(&s, NUMC_PRIM_SUB, cols, rows), (double)k);
    return np_ret(&s, np_cvt(&s, diag, dt));
}

numc_array *numc_identity(int64_t n, numc_dtype dt) {
    return numc_eye(n, n, 0, dt);
}

/* Values are immutable: a copy may share the buffer. */
numc_array *numc_copy(const numc_array *a) {
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, a);
}

numc_array *numc_astype(const numc_array *a, numc_dtype dt) {
    if (dt < 0 || dt >= NUMC_DTYPE_COUNT) {
        numc_error_set(NUMC_ERR_TYPE, "data type not understood");
        return NULL;
    }
    np_scope s;
    np_scope_init(&s);
    return np_ret(&s, np_cvt(&s, a, dt));
}
