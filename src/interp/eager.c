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
