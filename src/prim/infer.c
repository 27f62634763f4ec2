/* infer.c — shape and dtype inference for every primitive, shared by all
 * interpreters so shape/dtype errors surface at bind time in every mode. The
 * NumPy layer has already promoted and broadcast; errors here are mostly
 * internal-consistency checks, phrased the way NumPy would phrase them.
 * Primitives with a rule-record inference override (control flow) go there. */
#include "prim.h"

static void aval_of(const numc_array *a, numc_aval *out) {
    out->dtype = a->dtype;
    out->ndim = a->ndim;
    memcpy(out->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
}

static numc_status bad(numc_prim p, const char *what) {
    return numc_error_set(NUMC_ERR_VALUE, "%s: %s", numc_prim_info[p].name, what);
}

static bool same_shape(const numc_array *a, const numc_array *b) {
    if (a->ndim != b->ndim) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return false;
    return true;
}

static numc_status check_axis(numc_prim p, int64_t axis, int ndim) {
    if (axis < 0 || axis >= ndim)
        return numc_error_set(NUMC_ERR_AXIS, "axis %lld is out of bounds for array of dimension %d",
                              (long long)axis, ndim);
    (void)p;
    return NUMC_OK;
}

static numc_status infer_elementwise(numc_prim p, int nin, const numc_array *const *in,
                                     const numc_params *pr, numc_aval *out) {
    const numc_array *x = in[p == NUMC_PRIM_SELECT ? 1 : 0];
    for (int i = 0; i < nin; i++) {
        if (!same_shape(in[i], x)) return bad(p, "operands must have one shape");
        if (p == NUMC_PRIM_SELECT && i == 0) {
            if (in[0]->dtype != NUMC_BOOL) return bad(p, "the predicate must be bool");
            continue;
        }
        if (in[i]->dtype != x->dtype) return bad(p, "operands must share one dtype");
    }
    aval_of(x, out);
    int flags = numc_prim_info[p].flags;
    if (flags & PF_BOOL_OUT) out->dtype = NUMC_BOOL;
    switch (p) {
    case NUMC_PRIM_ABS:
    case NUMC_PRIM_REAL:
    case NUMC_PRIM_IMAG:
        out->dtype = numc_dt_real_of(x->dtype);
        break;
    case NUMC_PRIM_COMPLEX:
        if (!numc_dt_is_float(x->dtype)) return bad(p, "operands must be floating point");
        out->dtype = x->dtype == NUMC_FLOAT64 ? NUMC_COMPLEX128 : NUMC_COMPLEX64;
        break;
    case NUMC_PRIM_CONVERT:
    case NUMC_PRIM_BITCAST:
        if (pr->n < 1 || pr->i[0] < 0 || pr->i[0] >= NUMC_DTYPE_COUNT)
            return bad(p, "invalid target dtype");
        out->dtype = (numc_dtype)pr->i[0];
        if (p == NUMC_PRIM_BITCAST &&
            numc_dtype_info[out->dtype].itemsize != numc_dtype_info[x->dtype].itemsize)
            return bad(p, "bitcast needs dtypes of one itemsize");
        break;
    default:
        break;
    }
    return NUMC_OK;
}

static numc_status infer_layout(numc_prim p, int nin, const numc_array *const *in,
                                const numc_params *pr, numc_aval *out) {
    const numc_array *x = in[0];
    out->dtype = x->dtype;
    switch (p) {
    case NUMC_PRIM_RESHAPE: {
        int64_t size;
        if (numc_shape_size("reshape", pr->n, pr->i, &size)) return numc_error_kind();
        if (size != x->size) {
            char buf[256];
            int k = snprintf(buf, sizeof buf, "(");
            for (int i = 0; i < pr->n && k < 200; i++)
                k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ", %lld" : "%lld",
                              (long long)pr->i[i]);
            snprintf(buf + k, sizeof buf - (size_t)k, pr->n == 1 ? ",)" : ")");
            return numc_error_set(NUMC_ERR_VALUE, "cannot reshape array of size %lld into shape %s",
                                  (long long)x->size, buf);
        }
        out->ndim = pr->n;
        memcpy(out->shape, pr->i, sizeof(int64_t) * (size_t)pr->n);
        return NUMC_OK;
    }
    case NUMC_PRIM_BROADCAST_IN_DIM: {
        int nd = (int)pr->i[0];
        if (nd < x->ndim || nd > NUMC_MAX_DIMS || pr->n != 1 + nd + x->ndim)
            return bad(p, "bad parameters");
        out->ndim = nd;
        memcpy(out->shape, pr->i + 1, sizeof(int64_t) * (size_t)nd);
        const int64_t *dims = pr->i + 1 + nd;
        for (int i = 0; i < x->ndim; i++) {
            if (dims[i] < 0 || dims[i] >= nd || (i && dims[i] <= dims[i - 1]))
                return bad(p, "dimensions must be increasing and in range");
            if (x->shape[i] != 1 && x->shape[i] != out->shape[dims[i]])
                return numc_error_set(NUMC_ERR_VALUE,
                                      "operands could not be broadcast together: input dimension "
                                      "%d has size %lld, target %lld",
                                      i, (long long)x->shape[i], (long long)out->shape[dims[i]]);
        }
        for (int i = 0; i < nd; i++)
            if (out->shape[i] < 0)
                return numc_error_set(NUMC_ERR_VALUE, "negative dimensions are not allowed");
        return NUMC_OK;
    }
    case NUMC_PRIM_TRANSPOSE: {
        if (pr->n != x->ndim) return numc_error_set(NUMC_ERR_VALUE, "axes don't match array");
        int seen[NUMC_MAX_DIMS] = {0};
        out->ndim = x->ndim;
        for (int i = 0; i < x->ndim; i++) {
            int64_t a = pr->i[i];
            if (check_axis(p, a, x->ndim)) return numc_error_kind();
            if (seen[a]++) return numc_error_set(NUMC_ERR_VALUE, "repeated axis in transpose");
            out->shape[i] = x->shape[a];
        }
        return NUMC_OK;
    }
    case NUMC_PRIM_SLICE: {
        if (pr->n != 3 * x->ndim) return bad(p, "bad parameters");
        out->ndim = x->ndim;
        for (int i = 0; i < x->ndim; i++) {
            int64_t s = pr->i[i], l = pr->i[x->ndim + i], st = pr->i[2 * x->ndim + i];
            if (st <= 0 || s < 0 || s > x->shape[i] || l > x->shape[i])
                return bad(p, "slice out of range");
            out->shape[i] = l > s ? (l - s + st - 1) / st : 0;
        }
        return NUMC_OK;
    }
    case NUMC_PRIM_REV:
        aval_of(x, out);
        for (int i = 0; i < pr->n; i++)
            if (check_axis(p, pr->i[i], x->ndim)) return numc_error_kind();
        return NUMC_OK;
    case NUMC_PRIM_PAD: {
        if (pr->n != 3 * x->ndim || in[1]->ndim != 0 || in[1]->dtype != x->dtype)
            return bad(p, "bad parameters");
        out->ndim = x->ndim;
        for (int i = 0; i < x->ndim; i++) {
            int64_t d = x->shape[i], lo = pr->i[i], hi = pr->i[x->ndim + i],
                    in_ = pr->i[2 * x->ndim + i];
            if (in_ < 0) return bad(p, "interior padding must be non-negative");
            int64_t n = lo + hi + d + (d > 0 ? in_ * (d - 1) : 0);
            if (n < 0) return bad(p, "padding crops more than the dimension");
            out->shape[i] = n;
        }
        return NUMC_OK;
    }
    case NUMC_PRIM_CONCATENATE: {
        if (nin < 1)
            return numc_error_set(NUMC_ERR_VALUE, "need at least one array to concatenate");
        int64_t axis = pr->i[0];
        if (check_axis(p, axis, x->ndim)) return numc_error_kind();
        aval_of(x, out);
        for (int k = 1; k < nin; k++) {
            const numc_array *y = in[k];
            if (y->dtype != x->dtype) return bad(p, "operands must share one dtype");
            if (y->ndim != x->ndim)
                return numc_error_set(NUMC_ERR_VALUE,
                                      "all the input array dimensions except for the concatenation "
                                      "axis must match exactly");
            for (int i = 0; i < x->ndim; i++) {
                if (i == axis) continue;
                if (y->shape[i] != x->shape[i])
                    return numc_error_set(
                        NUMC_ERR_VALUE,
                        "all the input array dimensions except for the concatenation axis must "
                        "match exactly, but along dimension %d, the array at index 0 has size %lld "
                        "and the array at index %d has size %lld",
                        i, (long long)x->shape[i], k, (long long)y->shape[i]);
            }
            out->shape[axis] += y->shape[axis];
        }
        return NUMC_OK;
    }
    default:
        return bad(p, "not a layout primitive");
    }
}

static numc_status infer_reduce(numc_prim p, const numc_array *x, const numc_params *pr,
                                numc_aval *out) {
    bool drop[NUMC_MAX_DIMS] = {0};
    out->dtype = x->dtype;
    if (p == NUMC_PRIM_ARGMAX || p == NUMC_PRIM_ARGMIN) {
        if (pr->n != 2) return bad(p, "bad parameters");
        if (check_axis(p, pr->i[0], x->ndim)) return numc_error_kind();
        if (x->shape[pr->i[0]] == 0)
            return numc_error_set(NUMC_ERR_VALUE, "attempt to get %s of an empty sequence",
                                  p == NUMC_PRIM_ARGMAX ? "argmax" : "argmin");
        drop[pr->i[0]] = true;
        out->dtype = (numc_dtype)pr->i[1];
    } else {
        for (int i = 0; i < pr->n; i++) {
            if (check_axis(p, pr->i[i], x->ndim)) return numc_error_kind();
            if (drop[pr->i[i]]) return numc_error_set(NUMC_ERR_VALUE, "duplicate value in 'axis'");
            drop[pr->i[i]] = true;
        }
        if ((p == NUMC_PRIM_REDUCE_AND || p == NUMC_PRIM_REDUCE_OR) && x->dtype != NUMC_BOOL)
            return bad(p, "operand must be bool");
        if (p == NUMC_PRIM_REDUCE_MAX || p == NUMC_PRIM_REDUCE_MIN)
            for (int i = 0; i < x->ndim; i++)
                if (drop[i] && x->shape[i] == 0)
                    return numc_error_set(NUMC_ERR_VALUE,
                                          "zero-size array to reduction operation %s which has "
                                          "no identity",
                                          p == NUMC_PRIM_REDUCE_MAX ? "maximum" : "minimum");
    }
    out->ndim = 0;
    for (int i = 0; i < x->ndim; i++)
        if (!drop[i]) out->shape[out->ndim++] = x->shape[i];
    return NUMC_OK;
}

static numc_status infer_dot_general(const numc_array *a, const numc_array *b,
                                     const numc_params *pr, numc_aval *out) {
    numc_prim p = NUMC_PRIM_DOT_GENERAL;
    if (a->dtype != b->dtype) return bad(p, "operands must share one dtype");
    int nc = (int)pr->i[0];
    const int64_t *lc = pr->i + 1, *rc = pr->i + 1 + nc;
    int nb = (int)pr->i[1 + 2 * nc];
    const int64_t *lb = pr->i + 2 + 2 * nc, *rb = pr->i + 2 + 2 * nc + nb;
    if (pr->n != 3 + 2 * nc + 2 * nb) return bad(p, "bad parameters");
    bool lused[NUMC_MAX_DIMS] = {0}, rused[NUMC_MAX_DIMS] = {0};
    out->ndim = 0;
    for (int i = 0; i < nb; i++) {
        if (check_axis(p, lb[i], a->ndim) || check_axis(p, rb[i], b->ndim))
            return numc_error_kind();
        if (a->shape[lb[i]] != b->shape[rb[i]]) return bad(p, "batch dimensions differ");
        lused[lb[i]] = rused[rb[i]] = true;
        out->shape[out->ndim++] = a->shape[lb[i]];
    }
    for (int i = 0; i < nc; i++) {
        if (check_axis(p, lc[i], a->ndim) || check_axis(p, rc[i], b->ndim))
            return numc_error_kind();
        if (a->shape[lc[i]] != b->shape[rc[i]])
            return numc_error_set(NUMC_ERR_VALUE,
                                  "shapes not aligned: dimension %lld of the first operand (%lld) "
                                  "!= dimension %lld of the second (%lld)",
                                  (long long)lc[i], (long long)a->shape[lc[i]], (long long)rc[i],
                                  (long long)b->shape[rc[i]]);
        if (lused[lc[i]] || rused[rc[i]]) return bad(p, "a dimension is used twice");
        lused[lc[i]] = rused[rc[i]] = true;
    }
    for (int i = 0; i < a->ndim; i++)
        if (!lused[i]) out->shape[out->ndim++] = a->shape[i];
    for (int i = 0; i < b->ndim; i++)
        if (!rused[i]) out->shape[out->ndim++] = b->shape[i];
    if (out->ndim > NUMC_MAX_DIMS) return bad(p, "too many dimensions");
    out->dtype = (numc_dtype)pr->i[pr->n - 1];
    return NUMC_OK;
}

numc_status numc_prim_infer(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *pr, numc_aval *out) {
    const numc_prim_info_t *info = &numc_prim_info[p];
    if (info->nin >= 0 && nin != info->nin)
        return numc_error_set(NUMC_ERR_VALUE, "%s takes %d operands, got %d", info->name, info->nin,
                              nin);
    if (info->flags & PF_EW) return infer_elementwise(p, nin, in, pr, out);
    if (info->flags & PF_LAYOUT) return infer_layout(p, nin, in, pr, out);
    if (info->flags & PF_REDUCE) return infer_reduce(p, in[0], pr, out);
    const numc_array *x = nin ? in[0] : NULL;
    switch (p) {
    case NUMC_PRIM_CUMSUM:
    case NUMC_PRIM_CUMPROD:
    case NUMC_PRIM_CUMMAX:
    case NUMC_PRIM_CUMMIN:
        if (pr->n != 2) return bad(p, "bad parameters");
        if (check_axis(p, pr->i[0], x->ndim)) return numc_error_kind();
        aval_of(x, out);
        return NUMC_OK;
    case NUMC_PRIM_STOP_GRADIENT:
        aval_of(x, out);
        return NUMC_OK;
    case NUMC_PRIM_SORT:
        if (pr->n != 1) return bad(p, "bad parameters");
        if (!same_shape(in[0], in[1])) return bad(p, "keys and values must have one shape");
        if (check_axis(p, pr->i[0], x->ndim)) return numc_error_kind();
        aval_of(in[0], &out[0]);
        aval_of(in[1], &out[1]);
        return NUMC_OK;
    case NUMC_PRIM_HOST_CALL: {
        int nd = pr ? (int)pr->i[1] : -1;
        if (!pr || !pr->ptr || nd < 0 || nd > NUMC_MAX_DIMS || pr->n != 2 + nd ||
            pr->i[0] < 0 || pr->i[0] >= NUMC_DTYPE_COUNT)
            return bad(p, "bad parameters");
        out->dtype = (numc_dtype)pr->i[0];
        out->ndim = nd;
        for (int d = 0; d < nd; d++)
            out->shape[d] = pr->i[2 + d];
        return NUMC_OK;
    }
    case NUMC_PRIM_THREEFRY2X32:
        for (int k = 0; k < 4; k++) {
            if (in[k]->dtype != NUMC_UINT32) return bad(p, "operands must be uint32");
            if (!same_shape(in[0], in[k])) return bad(p, "operands must have one shape");
        }
        aval_of(in[0], &out[0]);
        aval_of(in[0], &out[1]);
        return NUMC_OK;
    case NUMC_PRIM_CONSTANT:
        if (!pr || !pr->ptr) return bad(p, "missing value");
        aval_of((const numc_array *)pr->ptr, out);
        return NUMC_OK;
    case NUMC_PRIM_IOTA: {
        int nd = (int)pr->i[2];
        if (nd < 0 || nd > NUMC_MAX_DIMS || pr->n != 3 + nd) return bad(p, "bad parameters");
        int64_t size;
        if (numc_shape_size("iota", nd, pr->i + 3, &size)) return numc_error_kind();
        if (nd && check_axis(p, pr->i[1], nd)) return numc_error_kind();
        out->dtype = (numc_dtype)pr->i[0];
        out->ndim = nd;
        memcpy(out->shape, pr->i + 3, sizeof(int64_t) * (size_t)nd);
        return NUMC_OK;
    }
    case NUMC_PRIM_DOT_GENERAL:
        return infer_dot_general(in[0], in[1], pr, out);
    case NUMC_PRIM_GATHER: {
        const numc_array *idx = in[1];
        int64_t axis = pr->i[0];
        if (check_axis(p, axis, x->ndim)) return numc_error_kind();
        if (pr->n >= 2 && (pr->i[1] < 0 || pr->i[1] > 1)) return bad(p, "wrap must be 0 or 1");
        if (!numc_dt_is_int(idx->dtype)) return bad(p, "indices must be integers");
        if (x->ndim - 1 + idx->ndim > NUMC_MAX_DIMS) return bad(p, "too many dimensions");
        out->dtype = x->dtype;
        out->ndim = 0;
        for (int i = 0; i < axis; i++)
            out->shape[out->ndim++] = x->shape[i];
        for (int i = 0; i < idx->ndim; i++)
            out->shape[out->ndim++] = idx->shape[i];
        for (int i = (int)axis + 1; i < x->ndim; i++)
            out->shape[out->ndim++] = x->shape[i];
        if (x->shape[axis] == 0 && idx->size > 0)
            return numc_error_set(NUMC_ERR_INDEX, "cannot do a non-empty take from an empty axes.");
        return NUMC_OK;
    }
    case NUMC_PRIM_SCATTER:
        if (in[2]->dtype != x->dtype) return bad(p, "updates must have the operand's dtype");
        aval_of(x, out);
        return NUMC_OK;
    case NUMC_PRIM_DYNAMIC_SLICE:
        if (nin != 1 + x->ndim || pr->n != x->ndim) return bad(p, "bad parameters");
        aval_of(x, out);
        for (int i = 0; i < x->ndim; i++) {
            if (pr->i[i] < 0 || pr->i[i] > x->shape[i]) return bad(p, "slice size out of range");
            out->shape[i] = pr->i[i];
        }
        return NUMC_OK;
    case NUMC_PRIM_DYNAMIC_UPDATE_SLICE:
        if (nin != 2 + x->ndim || in[1]->ndim != x->ndim || in[1]->dtype != x->dtype)
            return bad(p, "bad operands");
        for (int i = 0; i < x->ndim; i++)
            if (in[1]->shape[i] > x->shape[i]) return bad(p, "update larger than operand");
        aval_of(x, out);
        return NUMC_OK;
    /* ---- fft (issue 9) ---- */
    case NUMC_PRIM_FFT:
        return numc_prim_infer_fft(x, pr, out);
    default:
        /* primitives whose inference needs more than their operands (their
         * bodies) register it in their rule record */
        if (numc_prim_rules[p].infer) return numc_prim_rules[p].infer(p, nin, in, pr, out);
        return bad(p, "no inference rule");
    }
}
