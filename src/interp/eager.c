/* eager.c — the eager interpreter: infer, then either build an O(1) view
 * (layout primitives on a shared immutable buffer) or allocate the outputs on
 * the operands' device and run the device kernel now. A primitive whose rule
 * record has an eager rule (control flow) runs that instead. */
#include "../backend/device.h"
#include "interp.h"

/* A view for reshape without copying, when the strides allow it (NumPy's
 * rule: each run of merged input dims must be contiguous within itself). */
static bool reshape_strides(const numc_array *x, int nd, const int64_t *shape, int64_t *strides) {
    if (x->flags & NUMC_AF_CONTIG) {
        numc_contig_strides(nd, shape, strides);
        return true;
    }
    /* drop unit dims of the input */
    int64_t os[NUMC_MAX_DIMS], ost[NUMC_MAX_DIMS];
    int on = 0;
    for (int i = 0; i < x->ndim; i++)
        if (x->shape[i] != 1) os[on] = x->shape[i], ost[on++] = x->strides[i];
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < nd && oi < on) {
        int64_t np_ = shape[ni], op = os[oi];
        while (np_ != op) {
            if (np_ < op)
                np_ *= shape[nj++];
            else
                op *= os[oj++];
        }
        for (int ok = oi; ok < oj - 1; ok++)
            if (ost[ok] != os[ok + 1] * ost[ok + 1]) return false;
        strides[nj - 1] = ost[oj - 1];
        for (int nk = nj - 1; nk > ni; nk--)
            strides[nk - 1] = strides[nk] * shape[nk];
        ni = nj++;
        oi = oj++;
    }
    for (int k = ni; k < nd; k++)
        strides[k] = 1; /* trailing unit dims */
    return true;
}

/* Returns true (and sets *out) when the primitive's result is a view. */
static bool try_view(numc_prim p, const numc_array *x, const numc_params *pr, const numc_aval *av,
                     numc_array **out) {
    int64_t st[NUMC_MAX_DIMS];
    int64_t off = x->offset;
    switch (p) {
    case NUMC_PRIM_STOP_GRADIENT: /* a new handle, so a tape never sees it as its input */
        *out = numc_array_view(x, x->ndim, x->shape, x->strides, x->offset);
        return true;
    case NUMC_PRIM_CONVERT:
        if (av->dtype != x->dtype) return false;
        *out = numc_array_retain((numc_array *)x);
        if ((x->flags & NUMC_AF_WEAK) == 0) return true;
        numc_array_release(*out); /* a weak scalar must not stay weak */
        *out = numc_array_view(x, x->ndim, x->shape, x->strides, x->offset);
        return true;
    case NUMC_PRIM_RESHAPE:
        if (av->ndim > 0 && x->size > 0 && !reshape_strides(x, av->ndim, av->shape, st))
            return false;
        if (x->size == 0 || av->ndim == 0) numc_contig_strides(av->ndim, av->shape, st);
        break;
    case NUMC_PRIM_BROADCAST_IN_DIM: {
        const int64_t *dims = pr->i + 1 + av->ndim;
        for (int i = 0; i < av->ndim; i++)
            st[i] = 0;
        for (int i = 0; i < x->ndim; i++)
            st[dims[i]] = x->shape[i] == 1 ? 0 : x->strides[i];
        break;
    }
    case NUMC_PRIM_TRANSPOSE:
        for (int i = 0; i < av->ndim; i++)
            st[i] = x->strides[pr->i[i]];
        break;
    case NUMC_PRIM_SLICE:
        for (int i = 0; i < av->ndim; i++) {
            off += pr->i[i] * x->strides[i];
            st[i] = x->strides[i] * pr->i[2 * x->ndim + i];
        }
        break;
    case NUMC_PRIM_REV:
        memcpy(st, x->strides, sizeof(int64_t) * (size_t)x->ndim);
        for (int k = 0; k < pr->n; k++) {
            int a = (int)pr->i[k];
            if (x->shape[a] > 0) off += (x->shape[a] - 1) * x->strides[a];
            st[a] = -st[a];
        }
        break;
    default:
        return false;
    }
    *out = numc_array_view(x, av->ndim, av->shape, st, off);
    return true;
}

numc_status numc_eager_run(numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array **out) {
    numc_aval av[4];
    const numc_prim_info_t *info = &numc_prim_info[p];
    numc_apply_fn own = numc_prim_rules[p].eager; /* e.g. control flow runs its bodies */
    if (NUMC_UNLIKELY(own != NULL)) return own(p, nin, in, params, out);
    for (int i = 0; i < nin; i++)
        if (NUMC_UNLIKELY(!in[i]->buffer))
            return numc_error_set(NUMC_ERR_VALUE,
                                  "%s: an operand is a tracer whose transformation has ended "
                                  "(a leaked tracer)",
                                  info->name);
    numc_status st = numc_prim_infer(p, nin, in, params, av);
    if (NUMC_UNLIKELY(st)) return st;
    if (nin >= 1 &&
        (info->flags & PF_LAYOUT || p == NUMC_PRIM_CONVERT || p == NUMC_PRIM_STOP_GRADIENT)) {
        if (try_view(p, in[0], params, &av[0], &out[0]))
            return out[0] ? NUMC_OK : numc_error_kind();
    }
    numc_device *dev = nin ? in[0]->buffer->device : numc_device_default();
    for (int i = 1; i < nin; i++)
        if (in[i]->buffer->device != dev)
            return numc_error_set(NUMC_ERR_VALUE, "%s: operands are on different devices (%s, %s)",
                                  info->name, dev->name, in[i]->buffer->device->name);
    int nout = info->nout;
    for (int k = 0; k < nout; k++) {
        numc_array *o = numc_array_alloc_header(av[k].dtype, av[k].ndim, av[k].shape);
        if (!o) goto fail;
        int64_t size = 0, nbytes = 0;
        bool bad = numc_shape_size(info->name, o->ndim, o->shape, &size) != NUMC_OK;
        if (!bad &&
            __builtin_mul_overflow(size, (int64_t)numc_dtype_info[o->dtype].itemsize, &nbytes)) {
            numc_error_set(NUMC_ERR_MEMORY,
                           "Unable to allocate an array with %lld elements of "
                           "data type %s",
                           (long long)size, numc_dtype_name(o->dtype));
            bad = true;
        }
        if (bad) {
            out[k] = o;
            nout = k + 1;
            goto fail;
        }
        o->buffer = numc_buffer_new(dev, (size_t)nbytes);
        out[k] = o;
        if (!o->buffer) {
            nout = k + 1;
            goto fail;
        }
    }
    st = dev->exec(dev, p, nin, in, params, out);
    if (st == NUMC_OK) return NUMC_OK;
fail:
    st = numc_error_kind();
    for (int k = 0; k < nout; k++) {
        numc_array_release(out[k]);
        out[k] = NULL;
    }
    return st ? st : NUMC_ERR_MEMORY;
}

/* The NumPy ufunc whose floating-point errors a primitive reports, and
 * which flags (NULL: none; comparisons and min/max raise 'invalid' on NaN
 * operands, which NumPy does not report). SLEEF's kernels raise flags
 * outside a function's mathematics (arccos(2) raises divide by zero too), so
 * each function reports only the flags its mathematics can raise. */
#define FP_ALL (NUMC_FPE_DIVIDEBYZERO | NUMC_FPE_OVERFLOW | NUMC_FPE_UNDERFLOW | NUMC_FPE_INVALID)
#define FP_OU (NUMC_FPE_OVERFLOW | NUMC_FPE_UNDERFLOW)
/* SLEEF's vector logarithms raise nothing at their poles: these functions
 * are judged by their values (a pole gives an infinity from a finite
 * operand, a domain error a NaN from a number). */
#define FP_BY_VALUE 0x100
static double ld(numc_dtype dt, const char *p) {
    if (dt == NUMC_FLOAT32) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    double d;
    memcpy(&d, p, 8);
    return d;
}
/* Integer division by zero raises no IEEE flag; NumPy reports it. */
static int int_divisor_zero(const numc_array *y) {
    const char *yp = numc_array_data(y);
    if (!yp) return 0;
    size_t isz = numc_dtype_info[y->dtype].itemsize;
    static const char zero[8] = {0};
    if (y->flags & NUMC_AF_CONTIG) {
        for (int64_t i = 0; i < y->size; i++)
            if (!memcmp(yp + (y->offset + i) * (int64_t)isz, zero, isz))
                return NUMC_FPE_DIVIDEBYZERO;
        return 0;
    }
    for (int64_t i = 0; i < y->size; i++) {
        int64_t off = 0, rem = i;
        for (int d = y->ndim - 1; d >= 0; d--) {
            off += (rem % y->shape[d]) * y->strides[d];
            rem /= y->shape[d];
        }
        if (!memcmp(yp + off * (int64_t)isz, zero, isz)) return NUMC_FPE_DIVIDEBYZERO;
    }
    return 0;
}

static int flags_by_value(const numc_array *x, const numc_array *y) {
    numc_dtype dt = y->dtype;
    if ((dt != NUMC_FLOAT32 && dt != NUMC_FLOAT64) || x->dtype != dt || x->size != y->size)
        return 0;
    const char *xp = numc_array_data(x), *yp = numc_array_data(y);
    if (!xp || !yp) return 0;
    size_t isz = numc_dtype_info[dt].itemsize;
    int flags = 0;
    for (int64_t i = 0; i < y->size; i++) {
        double v = ld(dt, yp + (size_t)i * isz);
        if (isfinite(v)) continue;
        int64_t off = 0, rem = i;
        for (int d = x->ndim - 1; d >= 0; d--) {
            off += (rem % x->shape[d]) * x->strides[d];
            rem /= x->shape[d];
        }
        double u = ld(dt, xp + off * (int64_t)isz);
        if (isnan(v) && !isnan(u)) flags |= NUMC_FPE_INVALID;
        if (isinf(v) && isfinite(u)) flags |= NUMC_FPE_DIVIDEBYZERO;
    }
    return flags;
}

/* power's reports by value too: SLEEF's pow raises overflow at 0 ** -1
 * (NumPy: divide by zero) and nothing at (-2) ** 0.5 (NumPy: invalid). */
static int pow_flags_by_value(const numc_array *x, const numc_array *e, const numc_array *y) {
    numc_dtype dt = y->dtype;
    if ((dt != NUMC_FLOAT32 && dt != NUMC_FLOAT64) || x->dtype != dt || e->dtype != dt) return 0;
    const char *xp = numc_array_data(x), *ep = numc_array_data(e), *yp = numc_array_data(y);
    if (!xp || !ep || !yp) return 0;
    size_t isz = numc_dtype_info[dt].itemsize;
    int flags = 0;
    for (int64_t i = 0; i < y->size; i++) {
        double v = ld(dt, yp + (size_t)i * isz);
        if (isfinite(v)) {
            if (v == 0 || fabs(v) >= (dt == NUMC_FLOAT32 ? 1.1754944e-38 : 2.2250738585072014e-308))
                continue;
        }
        int64_t ox = 0, oe = 0, rem = i;
        for (int d = y->ndim - 1; d >= 0; d--) {
            int64_t k = rem % y->shape[d];
            ox += k * x->strides[d];
            oe += k * e->strides[d];
            rem /= y->shape[d];
        }
        double a = ld(dt, xp + ox * (int64_t)isz), b = ld(dt, ep + oe * (int64_t)isz);
        if (isnan(v)) {
            if (!isnan(a) && !isnan(b)) flags |= NUMC_FPE_INVALID;
        } else if (isinf(v)) {
            if (isfinite(a) && isfinite(b))
                flags |= a == 0 ? NUMC_FPE_DIVIDEBYZERO : NUMC_FPE_OVERFLOW;
        } else if (v != 0 && isfinite(a) && isfinite(b)) {
            flags |= NUMC_FPE_UNDERFLOW;
        }
    }
    return flags;
}
static const char *fp_op_name(numc_prim p, int *mask) {
    switch (p) {
    case NUMC_PRIM_ADD:
        *mask = FP_ALL;
        return "add";
    case NUMC_PRIM_SUB:
        *mask = FP_ALL;
        return "subtract";
    case NUMC_PRIM_MUL:
        *mask = FP_ALL;
        return "multiply";
    case NUMC_PRIM_DIV:
        *mask = FP_ALL;
        return "divide";
    case NUMC_PRIM_REM:
        *mask = FP_ALL;
        return "remainder";
    case NUMC_PRIM_POW:
        *mask = FP_BY_VALUE;
        return "power";
    case NUMC_PRIM_EXP:
        *mask = FP_OU;
        return "exp";
    case NUMC_PRIM_EXP2:
        *mask = FP_OU;
        return "exp2";
    case NUMC_PRIM_EXPM1:
        *mask = FP_OU;
        return "expm1";
    case NUMC_PRIM_LOG:
        *mask = FP_BY_VALUE;
        return "log";
    case NUMC_PRIM_LOG2:
        *mask = FP_BY_VALUE;
        return "log2";
    case NUMC_PRIM_LOG10:
        *mask = FP_BY_VALUE;
        return "log10";
    case NUMC_PRIM_LOG1P:
        *mask = FP_BY_VALUE;
        return "log1p";
    case NUMC_PRIM_SQRT:
        *mask = NUMC_FPE_INVALID;
        return "sqrt";
    case NUMC_PRIM_SIN:
        *mask = FP_BY_VALUE;
        return "sin";
    case NUMC_PRIM_COS:
        *mask = FP_BY_VALUE;
        return "cos";
    case NUMC_PRIM_TAN:
        *mask = FP_BY_VALUE;
        return "tan";
    case NUMC_PRIM_ASIN:
        *mask = NUMC_FPE_INVALID;
        return "arcsin";
    case NUMC_PRIM_ACOS:
        *mask = NUMC_FPE_INVALID;
        return "arccos";
    case NUMC_PRIM_SINH:
        *mask = NUMC_FPE_OVERFLOW;
        return "sinh";
    case NUMC_PRIM_COSH:
        *mask = NUMC_FPE_OVERFLOW;
        return "cosh";
    case NUMC_PRIM_ACOSH:
        *mask = NUMC_FPE_INVALID;
        return "arccosh";
    case NUMC_PRIM_ATANH:
        *mask = FP_BY_VALUE;
        return "arctanh";
    case NUMC_PRIM_HYPOT:
        *mask = NUMC_FPE_OVERFLOW;
        return "hypot";
    case NUMC_PRIM_CONVERT:
        *mask = (NUMC_FPE_OVERFLOW | NUMC_FPE_INVALID);
        return "cast";
    case NUMC_PRIM_REDUCE_SUM:
        *mask = FP_ALL;
        return "reduce";
    case NUMC_PRIM_REDUCE_PROD:
        *mask = FP_ALL;
        return "reduce";
    case NUMC_PRIM_CUMSUM:
        *mask = FP_ALL;
        return "accumulate";
    case NUMC_PRIM_CUMPROD:
        *mask = FP_ALL;
        return "accumulate";
    default:
        return NULL;
    }
}

numc_status numc_eager_bind(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array **out) {
    const char *op;
    int mask = 0;
    if (NUMC_LIKELY(!numc_fp_checking) || !(op = fp_op_name(p, &mask)))
        return numc_eager_run(p, nin, in, params, out);
    numc_fpflags_take(); /* flags left over from earlier work */
    numc_status st = numc_eager_run(p, nin, in, params, out);
    int flags = numc_fpflags_take() & mask;
    if (mask == FP_BY_VALUE && st == NUMC_OK)
        flags = p == NUMC_PRIM_POW ? pow_flags_by_value(in[0], in[1], out[0])
                                   : flags_by_value(in[0], out[0]);
    if ((p == NUMC_PRIM_DIV || p == NUMC_PRIM_REM) && st == NUMC_OK && numc_dt_is_int(in[1]->dtype))
        flags = int_divisor_zero(in[1]);
    if (NUMC_LIKELY(!flags) || st) return st;
    st = numc_fp_report(op, flags);
    if (st) {
        for (int k = 0; k < numc_prim_info[p].nout; k++) {
            numc_array_release(out[k]);
            out[k] = NULL;
        }
    }
    return st;
}
