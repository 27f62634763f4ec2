/* fused.c — the CPU's tier-1 executor of fused elementwise programs
 * (../fused.h): runs a program's whole op list over one tile of the
 * iteration space at a time, each op through the same inner loop eager mode
 * uses (numc_cpu_ew_loop), intermediates in per-tile scratch that stays in L1.
 * Inputs laid out like the output (or a single broadcast value) are read in
 * place; any other layout (broadcast rows, transposes, reversed or strided
 * views) is gathered into scratch per tile. Large programs split their tiles
 * across the thread pool. */
#include "ew-impl.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Elements per tile: 1024 float32 intermediates are 4 KiB each, so a
 * program's scratch stays in L1 while every op runs over the tile. */
#define FUSED_TILE 1024
#define FUSED_ALIGN 64
#define FUSED_STACK_SCRATCH 16384

enum { IN_DIRECT, IN_SCALAR, IN_GATHER };

typedef struct {
    const numc_fused_prog *p;
    numc_ew_loop loop[64]; /* per op */
    int64_t tile, slot_bytes, nblocks;
    /* per input */
    char *in_base[64];
    int in_mode[64];
    int64_t in_str[64][NUMC_MAX_DIMS]; /* byte strides over the program's dims */
    char *out_base[16];
    char *scratch; /* per worker: scratch_bytes each */
    size_t scratch_bytes;
    _Atomic int64_t next;
    _Atomic int worker;
} fjob;

/* Copies flat elements [b, b + m) (C order over the program's dims) of a
 * strided operand into dst. */
static void gather(const numc_fused_prog *p, const char *base, const int64_t *str, size_t isz,
                   int64_t b, int64_t m, char *dst) {
    const int nd = p->ndim, last = nd - 1;
    int64_t idx[NUMC_MAX_DIMS], rem = b;
    const char *src = base;
    for (int d = last; d >= 0; d--) {
        idx[d] = rem % p->shape[d];
        rem /= p->shape[d];
        src += idx[d] * str[d];
    }
    const int64_t s = str[last];
    for (int64_t done = 0; done < m;) {
        int64_t cnt = p->shape[last] - idx[last];
        if (cnt > m - done) cnt = m - done;
        switch (isz) {
#define GATHER_RUN(T)                                                                              \
    for (int64_t j = 0; j < cnt; j++)                                                              \
        ((T *)(void *)dst)[done + j] = *(const T *)(const void *)(src + j * s);                    \
    break;
        case 1:
            GATHER_RUN(uint8_t)
        case 2:
            GATHER_RUN(uint16_t)
        case 4:
            GATHER_RUN(uint32_t)
        case 8:
            GATHER_RUN(uint64_t)
        default:
            for (int64_t j = 0; j < cnt; j++)
                memcpy(dst + (done + j) * (int64_t)isz, src + j * s, isz);
        }
#undef GATHER_RUN
        done += cnt;
        if (done >= m) break;
        src += cnt * s;
        idx[last] += cnt;
        for (int d = last; d > 0 && idx[d] == p->shape[d]; d--) {
            src += str[d - 1] - p->shape[d] * str[d];
            idx[d] = 0;
            idx[d - 1]++;
        }
    }
}

/* Runs tile [b, b + m) with scratch (nslots * slot_bytes, aligned). */
static void run_tile(const fjob *j, int64_t b, int64_t m, char *scratch) {
    const numc_fused_prog *p = j->p;
    char *ptr[64]; /* per register: where this tile's values are */
    int64_t step[64];
    for (int r = 0; r < p->nregs; r++) {
        ptr[r] = p->slot[r] >= 0 ? scratch + p->slot[r] * j->slot_bytes : NULL;
        step[r] = (int64_t)numc_dtype_info[p->dtype[r]].itemsize;
    }
    for (int k = 0; k < p->nin; k++) {
        const int r = p->in[k].reg;
        const size_t isz = numc_dtype_info[p->dtype[r]].itemsize;
        switch (j->in_mode[k]) {
        case IN_DIRECT:
            ptr[r] = j->in_base[k] + b * (int64_t)isz;
            break;
        case IN_SCALAR:
            ptr[r] = j->in_base[k];
            step[r] = 0;
            break;
        default:
            gather(p, j->in_base[k], j->in_str[k], isz, b, m, ptr[r]);
        }
    }
    for (int k = 0; k < p->nout; k++) {
        const int r = p->out[k];
        ptr[r] = j->out_base[k] + b * (int64_t)numc_dtype_info[p->dtype[r]].itemsize;
    }
    for (int i = 0; i < p->nops; i++) {
        const numc_fused_op *op = &p->ops[i];
        char *args[NUMC_FUSED_MAX_OPERANDS + 1];
        int64_t steps[NUMC_FUSED_MAX_OPERANDS + 1];
        for (int a = 0; a < op->nin; a++) {
            args[a] = ptr[op->in[a]];
            steps[a] = step[op->in[a]];
        }
        args[op->nin] = ptr[op->out];
        steps[op->nin] = step[op->out];
        j->loop[i](args, steps, m, &op->params);
    }
}

static char *align_up(char *q) {
    return (char *)(((uintptr_t)q + FUSED_ALIGN - 1) & ~(uintptr_t)(FUSED_ALIGN - 1));
}

static void run_claimed(void *ctx, int64_t b0, int64_t e0) {
    (void)b0;
    (void)e0;
    fjob *j = ctx;
    const numc_fused_prog *p = j->p;
    const int w = atomic_fetch_add_explicit(&j->worker, 1, memory_order_relaxed);
    char *scratch = align_up(j->scratch + (size_t)w * j->scratch_bytes);
    for (;;) {
        int64_t k = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (k >= j->nblocks) break;
        int64_t b = k * j->tile, m = p->size - b < j->tile ? p->size - b : j->tile;
        run_tile(j, b, m, scratch);
    }
}

/* Per-element cost of the program (to decide when threads pay). */
static int64_t prog_cost(const numc_fused_prog *p) {
    int64_t c = 0;
    for (int i = 0; i < p->nops; i++) {
        const numc_fused_op *op = &p->ops[i];
        c += numc_cpu_ew_cost(op->prim, p->dtype[op->in[op->prim == NUMC_PRIM_SELECT ? 1 : 0]]);
    }
    return c ? c : 1;
}

numc_status numc_cpu_fused_run(const numc_fused_prog *p, const numc_array *const *in,
                               numc_array *const *out) {
    if (p->nregs > 64 || p->nin > 64 || p->nops > 64 || p->nout > 16)
        return NUMC_ERR_NOT_IMPLEMENTED;
    fjob j;
    j.p = p;
    for (int i = 0; i < p->nops; i++) {
        const numc_fused_op *op = &p->ops[i];
        const numc_dtype dt = p->dtype[op->in[op->prim == NUMC_PRIM_SELECT ? 1 : 0]];
        if (!(j.loop[i] = numc_cpu_ew_loop(op->prim, dt, &op->params)))
            return NUMC_ERR_NOT_IMPLEMENTED;
        /* the loops trust their dtypes: anything unexpected runs node by
         * node, where eager reports it */
        bool ok = p->dtype[op->out] == numc_cpu_ew_out_dtype(op->prim, dt, &op->params);
        for (int a = 0; a < op->nin && ok; a++)
            ok = p->dtype[op->in[a]] == (op->prim == NUMC_PRIM_SELECT && a == 0 ? NUMC_BOOL : dt);
        if (!ok) return NUMC_ERR_NOT_IMPLEMENTED;
    }
    if (p->size == 0) return NUMC_OK;
    size_t maxisz = 1;
    for (int r = 0; r < p->nregs; r++)
        if (numc_dtype_info[p->dtype[r]].itemsize > maxisz)
            maxisz = numc_dtype_info[p->dtype[r]].itemsize;
    j.tile = p->size < FUSED_TILE ? p->size : FUSED_TILE;
    j.slot_bytes = (j.tile * (int64_t)maxisz + FUSED_ALIGN - 1) / FUSED_ALIGN * FUSED_ALIGN;
    j.nblocks = (p->size + j.tile - 1) / j.tile;
    /* how each input is read */
    for (int k = 0; k < p->nin; k++) {
        const numc_fused_in *fi = &p->in[k];
        const numc_array *x = in[k];
        const int64_t isz = (int64_t)numc_dtype_info[x->dtype].itemsize;
        int64_t *st = j.in_str[k];
        for (int d = 0; d < p->ndim; d++)
            st[d] = 0;
        if (fi->ndim < 0) {
            for (int d = 0; d < p->ndim; d++)
                st[d] = p->shape[d] == 1 ? 0 : x->strides[d] * isz;
        } else {
            for (int i = 0; i < fi->ndim; i++)
                st[fi->dims[i]] = x->shape[i] == 1 ? 0 : x->strides[i] * isz;
        }
        bool direct = true, scalar = true;
        int64_t expect = isz;
        for (int d = p->ndim - 1; d >= 0; d--) {
            if (p->shape[d] == 1) continue;
            direct &= st[d] == expect;
            scalar &= st[d] == 0;
            expect *= p->shape[d];
        }
        j.in_base[k] = numc_array_ptr(x);
        j.in_mode[k] = scalar ? IN_SCALAR : direct ? IN_DIRECT : IN_GATHER;
    }
    for (int k = 0; k < p->nout; k++)
        j.out_base[k] = numc_array_ptr(out[k]);
    j.scratch_bytes = (size_t)(p->nslots * j.slot_bytes) + FUSED_ALIGN;
    int nt = numc_num_threads();
    if (j.nblocks < 2 || nt < 2 || p->size * prog_cost(p) < EW_PAR_MIN_WORK) nt = 1;
    if (nt > j.nblocks) nt = (int)j.nblocks;
    char stackbuf[FUSED_STACK_SCRATCH];
    const size_t total = j.scratch_bytes * (size_t)nt;
    j.scratch = total <= sizeof stackbuf ? stackbuf : malloc(total);
    if (!j.scratch) return numc_error_set(NUMC_ERR_MEMORY, "fused: out of memory");
    if (nt == 1) {
        char *scratch = align_up(j.scratch);
        for (int64_t k = 0; k < j.nblocks; k++) {
            int64_t b = k * j.tile, m = p->size - b < j.tile ? p->size - b : j.tile;
            run_tile(&j, b, m, scratch);
        }
    } else {
        atomic_init(&j.next, 0);
        atomic_init(&j.worker, 0);
        /* one task per thread; the pool's own threshold must not run it inline */
        numc_parallel_for(nt, NUMC_PARALLEL_THRESHOLD, run_claimed, &j);
    }
    if (j.scratch != stackbuf) free(j.scratch);
    return NUMC_OK;
}
