/* elementwise.c — the CPU elementwise entry points: numc_cpu_ew_loop (which
 * inner loop runs a primitive on a dtype) and the nd driver behind
 * numc_cpu_elementwise and numc_cpu_copy (dimension coalescing, the flat fast
 * path, splitting big work across the thread pool). The loops themselves are
 * in ew-arith.c, ew-math.c and ew-convert.c. */
#include "ew-impl.h"

numc_ew_loop numc_cpu_ew_loop(numc_prim p, numc_dtype in_dt, const numc_params *params) {
    if ((unsigned)p >= NUMC_PRIM_COUNT || (unsigned)in_dt >= NUMC_DTYPE_COUNT) return NULL;
    switch (p) {
    case NUMC_PRIM_CONVERT:
        return params ? numc_ew_convert_loop(in_dt, (numc_dtype)params->i[0]) : NULL;
    case NUMC_PRIM_BITCAST:
        return params ? numc_ew_bitcast_loop(in_dt, (numc_dtype)params->i[0]) : NULL;
    case NUMC_PRIM_SELECT:
        return numc_ew_select_loop(in_dt);
    default: {
        numc_ew_loop f = numc_ew_arith_loops[p][in_dt];
        return f ? f : numc_ew_math_loops[p][in_dt];
    }
    }
}

/* Rough time per element relative to a float32 add, to decide when threads
 * pay: SLEEF's float32 functions run near memory speed, float64 ones and
 * integer division several times slower, complex libm calls far slower. */
int64_t numc_cpu_ew_cost(numc_prim p, numc_dtype dt) {
    const bool cplx = numc_dt_is_complex(dt), f64 = dt == NUMC_FLOAT64;
    switch (p) {
    case NUMC_PRIM_EXP:
    case NUMC_PRIM_EXP2:
    case NUMC_PRIM_EXPM1:
    case NUMC_PRIM_LOG:
    case NUMC_PRIM_LOG2:
    case NUMC_PRIM_LOG10:
    case NUMC_PRIM_LOG1P:
    case NUMC_PRIM_CBRT:
    case NUMC_PRIM_SIN:
    case NUMC_PRIM_COS:
    case NUMC_PRIM_TAN:
    case NUMC_PRIM_ASIN:
    case NUMC_PRIM_ACOS:
    case NUMC_PRIM_ATAN:
    case NUMC_PRIM_SINH:
    case NUMC_PRIM_COSH:
    case NUMC_PRIM_TANH:
    case NUMC_PRIM_ASINH:
    case NUMC_PRIM_ACOSH:
    case NUMC_PRIM_ATANH:
    case NUMC_PRIM_ATAN2:
    case NUMC_PRIM_POW:
        return cplx ? 64 : numc_dt_is_int(dt) ? 4 : f64 ? 8 : 3;
    case NUMC_PRIM_HYPOT:
    case NUMC_PRIM_NEXTAFTER:
        return 8;
    case NUMC_PRIM_DIV:
    case NUMC_PRIM_REM:
        return cplx || numc_dt_is_int(dt) ? 6 : 1;
    case NUMC_PRIM_SQRT:
    case NUMC_PRIM_RSQRT:
        return cplx ? 32 : 1;
    default:
        return cplx ? 2 : 1;
    }
}

/* Threads claim whole blocks of this many elements (keeps SIMD runs long). */
#define EW_PAR_BLOCK 4096
#define EW_MAX_ARGS 4

typedef struct {
    numc_ew_loop loop;
    const numc_params *params;
    int nargs, ndim;
    int64_t size;
    char *base[EW_MAX_ARGS];
    int64_t shape[NUMC_MAX_DIMS];
    int64_t strides[EW_MAX_ARGS][NUMC_MAX_DIMS]; /* bytes */
} ew_job;

/* Runs flat elements [begin, end) of the job (C order over its dims). */
static void ew_run_range(const ew_job *j, int64_t begin, int64_t end) {
    const int nd = j->ndim, na = j->nargs, last = nd - 1;
    char *ptr[EW_MAX_ARGS];
    int64_t idx[NUMC_MAX_DIMS], steps[EW_MAX_ARGS];
    int64_t rem = begin;
    for (int d = last; d >= 0; d--) {
        idx[d] = rem % j->shape[d];
        rem /= j->shape[d];
    }
    for (int a = 0; a < na; a++) {
        ptr[a] = j->base[a];
        for (int d = 0; d < nd; d++)
            ptr[a] += idx[d] * j->strides[a][d];
        steps[a] = j->strides[a][last];
    }
    for (int64_t pos = begin; pos < end;) {
        int64_t cnt = j->shape[last] - idx[last];
        if (cnt > end - pos) cnt = end - pos;
        j->loop(ptr, steps, cnt, j->params);
        pos += cnt;
        if (pos >= end) break;
        idx[last] += cnt;
        for (int a = 0; a < na; a++)
            ptr[a] += cnt * steps[a];
        for (int d = last; d > 0 && idx[d] == j->shape[d]; d--) {
            idx[d] = 0;
            idx[d - 1]++;
            for (int a = 0; a < na; a++)
                ptr[a] += j->strides[a][d - 1] - j->shape[d] * j->strides[a][d];
        }
    }
}

/* Threads claim blocks from a shared counter rather than taking fixed
 * halves: a worker that starts late (a busy machine) then finds less or no
 * work left instead of holding everyone up with its share. */
typedef struct {
    const ew_job *job;
    int64_t nblocks;
    _Atomic int64_t next;
} ew_shared;

static void ew_run_claimed(void *ctx, int64_t b, int64_t e) {
    (void)b;
    (void)e;
    ew_shared *s = ctx;
    const ew_job *j = s->job;
    for (;;) {
        int64_t k = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
        if (k >= s->nblocks) break;
        int64_t end = (k + 1) * EW_PAR_BLOCK;
        ew_run_range(j, k * EW_PAR_BLOCK, end < j->size ? end : j->size);
    }
}

static void ew_run(const ew_job *j, int64_t cost) {
    int nt = numc_num_threads();
    if (j->size * cost < EW_PAR_MIN_WORK || nt < 2) {
        ew_run_range(j, 0, j->size);
        return;
    }
    ew_shared s = {.job = j, .nblocks = (j->size + EW_PAR_BLOCK - 1) / EW_PAR_BLOCK};
    atomic_init(&s.next, 0);
    if (nt > s.nblocks) nt = (int)s.nblocks;
    /* one task per thread; the pool's own threshold must not run it inline */
    numc_parallel_for(nt, NUMC_PARALLEL_THRESHOLD, ew_run_claimed, &s);
}

numc_status numc_ew_drive(numc_ew_loop loop, int nin, const numc_array *const *in, numc_array *out,
                          const numc_params *params, int64_t cost) {
    const int64_t size = out->size;
    const int ndim = out->ndim, nargs = nin + 1;
    if (size == 0) return NUMC_OK;
    if (nargs > EW_MAX_ARGS)
        return numc_error_set(NUMC_ERR_RUNTIME, "elementwise: too many operands (%d)", nin);

    ew_job j;
    j.loop = loop;
    j.params = params;
    j.nargs = nargs;
    j.size = size;

    /* Fast path: every input is either laid out like the (C-contiguous)
     * output or a single broadcast value, so one flat loop covers it. */
    bool flat = true;
    int64_t flat_steps[EW_MAX_ARGS];
    for (int a = 0; a < nin && flat; a++) {
        const numc_array *x = in[a];
        const int64_t isz = (int64_t)numc_dtype_info[x->dtype].itemsize;
        if (x->flags & NUMC_AF_CONTIG) {
            flat_steps[a] = isz;
            continue;
        }
        bool contig = true, bcast = true;
        int64_t expect = 1;
        for (int d = ndim - 1; d >= 0; d--) {
            if (out->shape[d] == 1) continue;
            if (x->strides[d] != expect) contig = false;
            if (x->strides[d] != 0) bcast = false;
            expect *= out->shape[d];
        }
        if (contig)
            flat_steps[a] = isz;
        else if (bcast)
            flat_steps[a] = 0;
        else
            flat = false;
    }
    for (int a = 0; a < nin; a++)
        j.base[a] = numc_array_ptr(in[a]);
    j.base[nin] = numc_array_ptr(out);
    if (flat) {
        flat_steps[nin] = (int64_t)numc_dtype_info[out->dtype].itemsize;
        if (size * cost < EW_PAR_MIN_WORK) {
            loop(j.base, flat_steps, size, params);
            return NUMC_OK;
        }
        j.ndim = 1;
        j.shape[0] = size;
        for (int a = 0; a < nargs; a++)
            j.strides[a][0] = flat_steps[a];
        ew_run(&j, cost);
        return NUMC_OK;
    }

    /* General path: drop length-1 dims, merge dims that are contiguous with
     * their inner neighbour in every operand, loop over the rest. */
    int64_t ostr[NUMC_MAX_DIMS];
    {
        int64_t s = (int64_t)numc_dtype_info[out->dtype].itemsize;
        for (int d = ndim - 1; d >= 0; d--) {
            ostr[d] = s;
            s *= out->shape[d];
        }
    }
    int nd = 0;
    for (int d = 0; d < ndim; d++) {
        if (out->shape[d] == 1) continue;
        int64_t st[EW_MAX_ARGS];
        for (int a = 0; a < nin; a++)
            st[a] = in[a]->strides[d] * (int64_t)numc_dtype_info[in[a]->dtype].itemsize;
        st[nin] = ostr[d];
        bool merge = nd > 0;
        for (int a = 0; a < nargs && merge; a++)
            merge = j.strides[a][nd - 1] == st[a] * out->shape[d];
        if (merge) {
            j.shape[nd - 1] *= out->shape[d];
            for (int a = 0; a < nargs; a++)
                j.strides[a][nd - 1] = st[a];
        } else {
            j.shape[nd] = out->shape[d];
            for (int a = 0; a < nargs; a++)
                j.strides[a][nd] = st[a];
            nd++;
        }
    }
    if (nd == 0) { /* unreachable: a single element always takes the flat path */
        j.shape[nd] = 1;
        for (int a = 0; a < nargs; a++)
            j.strides[a][nd] = 0;
        nd = 1;
    }
    j.ndim = nd;
    ew_run(&j, cost);
    return NUMC_OK;
}

/* The dtype a loop writes for primitive p on input dtype dt (see prims.def). */
numc_dtype numc_cpu_ew_out_dtype(numc_prim p, numc_dtype dt, const numc_params *params) {
    if (numc_prim_info[p].flags & PF_BOOL_OUT) return NUMC_BOOL;
    switch (p) {
    case NUMC_PRIM_ABS:
    case NUMC_PRIM_REAL:
    case NUMC_PRIM_IMAG:
        return numc_dt_is_complex(dt) ? numc_dt_real_of(dt) : dt;
    case NUMC_PRIM_COMPLEX:
        return dt == NUMC_FLOAT64 ? NUMC_COMPLEX128 : NUMC_COMPLEX64;
    case NUMC_PRIM_CONVERT:
    case NUMC_PRIM_BITCAST:
        return (numc_dtype)params->i[0];
    default:
        return dt;
    }
}

numc_status numc_cpu_elementwise(numc_prim p, int nin, const numc_array *const *in,
                                 const numc_params *params, numc_array *const *out) {
    const bool sel = p == NUMC_PRIM_SELECT;
    const numc_dtype dt = in[sel ? 1 : 0]->dtype;
    numc_ew_loop loop = numc_cpu_ew_loop(p, dt, params);
    if (NUMC_UNLIKELY(!loop)) {
        const char *name = (unsigned)p < NUMC_PRIM_COUNT ? numc_prim_info[p].name : "?";
        return numc_error_set(NUMC_ERR_TYPE,
                              "ufunc '%s' not supported for the input types, and the "
                              "inputs could not be safely coerced to any supported types "
                              "according to the casting rule ''safe'' (dtype %s)",
                              name, numc_dtype_info[dt].name);
    }
    /* The loops trust these; a mismatch would read or write out of bounds. */
    bool ok = nin == numc_prim_info[p].nin && out[0]->dtype == numc_cpu_ew_out_dtype(p, dt, params);
    for (int a = 0; a < nin && ok; a++) {
        ok = in[a]->dtype == (sel && a == 0 ? NUMC_BOOL : dt) && in[a]->ndim == out[0]->ndim;
        for (int d = 0; d < out[0]->ndim && ok; d++)
            ok = in[a]->shape[d] == out[0]->shape[d];
    }
    if (NUMC_UNLIKELY(!ok))
        return numc_error_set(NUMC_ERR_RUNTIME,
                              "elementwise '%s': operands do not match "
                              "the primitive's dtypes or shape",
                              numc_prim_info[p].name);
    return numc_ew_drive(loop, nin, in, out[0], params, numc_cpu_ew_cost(p, dt));
}
