/* batch.h — the batch interpreter's (vmap) interface to the batching rules:
 * the context a rule sees, and the machinery rules call down into (unpacking
 * this interpreter's tracers, setting outputs, the loop-and-stack fallback).
 * The rules themselves live in src/rules/batch.c and are registered in each
 * primitive's rule record.
 *
 * A rule sees the operands' underlying values, each with its batch axis (or
 * NUMC_NOT_MAPPED), and the batch size. It computes the batched outputs by
 * binding primitives with numc_bind (never touching buffers), so the rules
 * compose with every other interpreter: vmap of vmap, vmap of grad, grad of
 * vmap, and graph tracing. It reports each output's batch axis. */
#ifndef NUMC_BATCH_H
#define NUMC_BATCH_H

#include "interp.h"

typedef struct numc_batch_ctx {
    numc_prim prim;
    numc_interp *self;             /* the batch interpreter */
    const numc_array *const *orig; /* the operands as bound (tracers where batched) */
    const numc_params *pr;
    int nin, nout;
    const numc_array *const *in; /* values; a batched one carries the batch axis */
    const int *bdim;             /* each value's batch axis, or NUMC_NOT_MAPPED */
    const numc_aval *out_aval;   /* the outputs' per-example avals (inference) */
    int64_t size;                /* the batch size */
    numc_array **out;            /* the rule sets nout new references ... */
    int *out_bdim;               /* ... and their batch axes */
    numc_scope tmp;              /* temporaries released when the rule returns */
} numc_batch_ctx;

/* If a is one of self's tracers: its value (borrowed) and batch axis. */
bool numc_batch_unpack(const numc_interp *self, const numc_array *a, const numc_array **val,
                       int *bdim);
/* Sets output k to v (retained) with batch axis bdim; v NULL means a helper
 * failed (its error is set, or a generic one is). */
numc_status numc_batch_put(numc_batch_ctx *c, int k, const numc_array *v, int bdim);
/* The loop-and-stack fallback: slices every example, binds the primitive on
 * it and stacks the results (batch axis 0). Correct for every primitive;
 * slow (one bind per example). Used for primitives without a batching rule,
 * by rules that cannot decide (a value not concrete), and under
 * numc_batch_force_fallback. */
numc_status numc_batch_fallback(numc_batch_ctx *c);

#endif
