/* prim.h — the primitive enum and info table (prims.def), parameters, avals,
 * shape/dtype inference, and the declaration of the per-primitive rule record
 * table that src/rules fills at registration. Pure: nothing here binds,
 * executes or knows the graph IR or the interpreters. */
#ifndef NUMC_PRIM_H
#define NUMC_PRIM_H

#include "../core/core-impl.h"

enum {
    PF_EW = 1,       /* elementwise */
    PF_BOOL_OUT = 2, /* elementwise with a bool result */
    PF_LAYOUT = 4,
    PF_REDUCE = 8,
    PF_SCAN = 16,
    PF_BODIES = 32, /* params.ptr holds the bodies (a numc_subgraphs, refcounted) */
    PF_EFFECT = 64, /* runs for its effect too: never merged, folded or removed */
};

typedef enum {
#define X(E, name, nin, nout, flags) NUMC_PRIM_##E,
#include "prims.def"
#undef X
    NUMC_PRIM_COUNT
} numc_prim;

typedef struct {
    const char *name;
    int nin; /* -1 = variadic */
    int nout;
    int flags;
} numc_prim_info_t;
extern const numc_prim_info_t numc_prim_info[NUMC_PRIM_COUNT];

#define NUMC_MAX_PARAMS (4 * NUMC_MAX_DIMS + 8)
typedef struct numc_params {
    int n; /* ints used in i[] */
    int64_t i[NUMC_MAX_PARAMS];
    double f;
    const void *ptr;
} numc_params;

/* host_call's callee (params.ptr): a reference-counted host function that
 * fills the node's one output from its inputs each time the node runs. The
 * NumPy layer makes them (stateful random draws); graphs retain them. */
typedef struct numc_host_fn numc_host_fn;
struct numc_host_fn {
    int refs; /* atomic */
    numc_status (*run)(numc_host_fn *self, int nin, const numc_array *const *in, numc_array *out);
    void (*destroy)(numc_host_fn *self);
};
static inline void numc_host_fn_retain(numc_host_fn *f) {
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}
static inline void numc_host_fn_release(numc_host_fn *f) {
    if (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) f->destroy(f);
}

/* The abstract value of an operand or result: what inference needs. */
typedef struct {
    numc_dtype dtype;
    int ndim;
    int64_t shape[NUMC_MAX_DIMS];
} numc_aval;

/* Infers the outputs' avals. Checks operands (dtype support, shapes, params)
 * and reports NumPy-style errors; every interpreter calls it. */
numc_status numc_prim_infer(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_aval *out);

/* ---- the rule record ----
 * One per primitive, filled by src/rules at registration (a constructor in
 * rules/registry.c). Every interpreter and pass asks the record instead of
 * special-casing primitives; NULL fields mean the default behaviour. */

/* Runs or binds a primitive (the shape of numc_bind). */
typedef numc_status (*numc_apply_fn)(numc_prim p, int nin, const numc_array *const *in,
                                     const numc_params *params, numc_array **out);

/* ---- VJP rules (rules/vjp.c) ----
 * Given the primal inputs and outputs and the outputs' cotangents (NULL means
 * a symbolic zero), sets ct_in[i] to a new reference holding input i's
 * cotangent, or NULL where it is zero or the input is not differentiable
 * (integer and bool operands). Rules compute with numc_bind only, so an
 * outer tape records them (higher order) and a trace captures them. Complex
 * cotangents follow JAX's convention (no conjugation of the cotangent). */
typedef numc_status (*numc_vjp_rule)(const numc_params *params, int nin,
                                     const numc_array *const *in, int nout,
                                     const numc_array *const *out, const numc_array *const *ct_out,
                                     numc_array **ct_in);
/* Forward-mode rule: tangents of the outputs from those of the inputs (NULL
 * = zero). A slot: no primitive has one yet. */
typedef numc_status (*numc_jvp_rule)(const numc_params *params, int nin,
                                     const numc_array *const *in,
                                     const numc_array *const *tangents_in, int nout,
                                     const numc_array *const *out, numc_array **tangents_out);
/* Batching rule (rules/batch.c); the context is the batch interpreter's
 * (interp/batch.h). */
struct numc_batch_ctx;
typedef numc_status (*numc_batch_rule)(struct numc_batch_ctx *c);

typedef struct numc_prim_rule {
    /* inference override, for primitives whose inference needs their bodies */
    numc_status (*infer)(numc_prim p, int nin, const numc_array *const *in,
                         const numc_params *params, numc_aval *out);
    /* output count of a variable-output primitive (prims.def nout -1); -1
     * with the error set when the params are malformed */
    int (*nout)(numc_prim p, const numc_params *params);
    /* runs on concrete values instead of a device kernel (control flow) */
    numc_apply_fn eager;
    /* how to bind it under active transforms (graph executor, body tracing);
     * NULL: numc_bind */
    numc_apply_fn bind;
    numc_vjp_rule vjp;     /* NULL: not differentiable (or zero derivative) */
    numc_jvp_rule jvp;     /* slot, NULL today */
    numc_batch_rule batch; /* NULL: the batch interpreter's loop-and-stack fallback */
} numc_prim_rule;
extern numc_prim_rule numc_prim_rules[NUMC_PRIM_COUNT];
/* Set by the rules layer once it filled the table. */
extern bool numc_prim_rules_ready;
/* NUMC_OK, or a RuntimeError naming `who` when the rules never registered
 * (a static link that dropped src/rules: the table would read as "no
 * derivative" and give silently wrong gradients). */
numc_status numc_prim_rules_check(const char *who);

/* NULL when the primitive has no rule (it is then not differentiable). */
static inline numc_vjp_rule numc_prim_vjp(numc_prim p) {
    return (unsigned)p < NUMC_PRIM_COUNT ? numc_prim_rules[p].vjp : NULL;
}
/* Number of outputs of a primitive with these params (asks the rule record
 * for variable-output primitives); -1 with the error set if malformed. */
int numc_prim_nout(numc_prim p, const numc_params *params);

/* ---- fft (issue 9): the fft primitive's inference (fft.c) ---- */
numc_status numc_prim_infer_fft(const numc_array *x, const numc_params *pr, numc_aval *out);

#endif
