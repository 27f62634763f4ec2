/* fused.h — a fused elementwise program: the data the fusion pass
 * (graph/fuse.c) builds for a group of elementwise nodes, and the entry that
 * runs one on a device (the CPU's tiled executor is cpu/fused.c).
 *
 * A program computes over one iteration space (the group's shape). Its
 * values are registers: inputs load from arrays (a folded broadcast_in_dim
 * maps the operand's dims into the space, so the broadcast is index
 * arithmetic instead of an array), ops apply one elementwise primitive each,
 * outputs are written to fresh C-contiguous arrays. Everything else lives in
 * per-tile scratch only: the executor runs the whole op list over one tile of
 * the space (a few KiB, so it stays in L1) before moving to the next, calling
 * the same inner loops eager mode runs, so results are bit-identical. */
#ifndef NUMC_FUSED_H
#define NUMC_FUSED_H

#include "../prim/prim.h"

#define NUMC_FUSED_MAX_OPERANDS 3

typedef struct {
    numc_prim prim;
    int nin;
    int in[NUMC_FUSED_MAX_OPERANDS]; /* registers */
    int out;                         /* register */
    numc_params params;
} numc_fused_op;

typedef struct {
    int reg;
    /* -1: the array has the program's shape. Otherwise a folded
     * broadcast_in_dim: the array has `ndim` dims and dims[i] is the
     * program dim of its dim i (dims of size 1 broadcast). */
    int ndim;
    int8_t dims[NUMC_MAX_DIMS];
} numc_fused_in;

typedef struct numc_fused_prog {
    int ndim;
    int64_t shape[NUMC_MAX_DIMS];
    int64_t size;
    int nregs, nin, nops, nout;
    numc_dtype *dtype;  /* per register */
    int *slot;          /* per register: its scratch slot, or -1 (outputs) */
    int nslots;         /* scratch slots a tile needs (liveness-shared) */
    numc_fused_in *in;  /* nin */
    numc_fused_op *ops; /* nops, in execution order */
    int *out;           /* nout registers, materialised in this order */
} numc_fused_prog;

/* A program with room for the given counts (one allocation); the caller
 * fills it. Free with free(). */
numc_fused_prog *numc_fused_prog_new(int nregs, int nin, int nops, int nout);

/* Runs p: in[k] feeds p->in[k] (dtype and shape as the program says), out[k]
 * is a C-contiguous array of the program's shape and p->dtype[p->out[k]]
 * whose buffer the caller allocated. NUMC_ERR_NOT_IMPLEMENTED (and no
 * error message worth showing) when the device or a dtype has no fused
 * kernel: the caller then runs the group node by node. */
numc_status numc_fused_run(const numc_fused_prog *p, const numc_array *const *in,
                           numc_array *const *out);

#endif
