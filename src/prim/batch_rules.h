/* batch_rules.h — batching rules (vmap) of the primitives: the interface
 * between the batch interpreter (src/interp/batch.c) and the per-primitive
 * rules (batch_rules.c, one table built from prims.def).
 *
 * A rule sees the operands' underlying values, each with its batch axis (or
 * NUMC_NOT_MAPPED), and the batch size. It computes the batched outputs by
 * binding primitives with numc_bind (never touching buffers), so the rules
 * compose with every other interpreter: vmap of vmap, vmap of grad, grad of
 * vmap, and graph tracing. It reports each output's batch axis. */
#ifndef NUMC_BATCH_RULES_H
#define NUMC_BATCH_RULES_H

#include "prim.h"

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

typedef numc_status (*numc_batch_rule)(numc_batch_ctx *c);

/* If a is one of self's tracers: its value (borrowed) and batch axis. */
bool numc_batch_unpack(const numc_interp *self, const numc_array *a, const numc_array **val,
                       int *bdim);

/* The primitive's rule (never NULL for a primitive with operands). */
numc_batch_rule numc_prim_batch_rule(numc_prim p);
/* The loop-and-stack fallback: slices every example, binds the primitive on
 * it and stacks the results (batch axis 0). Correct for every primitive;
 * slow (one bind per example). */
numc_status numc_batch_fallback(numc_batch_ctx *c);
/* Runs a rule with the context's temporaries set up and released; on failure
 * the outputs are NULL. */
numc_status numc_batch_apply(numc_batch_rule rule, numc_batch_ctx *c);

#endif
