/* prim.h — the primitive enum, parameters, shape/dtype inference and numc_bind,
 * the one dispatch point every operation goes through. */
#ifndef NUMC_PRIM_H
#define NUMC_PRIM_H

#include "../core/core-impl.h"

enum {
    PF_EW = 1,       /* elementwise */
    PF_BOOL_OUT = 2, /* elementwise with a bool result */
    PF_LAYOUT = 4,
    PF_REDUCE = 8,
    PF_SCAN = 16,
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

/* THE dispatch point. in: nin borrowed arrays; out: nout new references. */
numc_status numc_bind(numc_prim p, int nin, const numc_array *const *in, const numc_params *params,
                      numc_array **out);
/* Single-output shorthand: returns a new reference or NULL. */
numc_array *numc_bind1(numc_prim p, int nin, const numc_array *const *in,
                       const numc_params *params);

/* ---- scope (scope.c): temporaries released together ----
 * Compositions of primitives (the NumPy layer, VJP and batching rules)
 * register each intermediate result in a scope and release them all at once.
 * Keeping NULL passes it through (the error is already set), so a chain of
 * helpers checks for failure once, at the end. */
#define NUMC_SCOPE_INLINE 48
typedef struct numc_scope {
    int n, cap;
    numc_array **a; /* inl until it outgrows it */
    numc_array *inl[NUMC_SCOPE_INLINE];
} numc_scope;

void numc_scope_init(numc_scope *s);
/* Registers a new reference and returns it; on allocation failure releases
 * it, sets the error and returns NULL. */
numc_array *numc_scope_keep(numc_scope *s, numc_array *a);
/* Releases the temporaries registered after the first `mark` (newest first). */
void numc_scope_release_to(numc_scope *s, int mark);
/* Releases every temporary and leaves the scope empty (initialised). */
void numc_scope_end(numc_scope *s);

/* Builders shared by the NumPy layer and the VJP and batching rules: each
 * binds a primitive, keeps the result in the scope, and passes NULL operands
 * through. */
numc_array *numc_scope_bind(numc_scope *s, numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *pr);
/* A 0-d CONSTANT node of dtype dt (a literal in traces). */
numc_array *numc_scope_const(numc_scope *s, numc_dtype dt, double re, double im);
/* x itself when it already has dtype dt. */
numc_array *numc_scope_convert(numc_scope *s, const numc_array *x, numc_dtype dt);
/* broadcast_in_dim to (nd, shape); dims[i] is the output dim of x's dim i. */
numc_array *numc_scope_broadcast_in_dim(numc_scope *s, const numc_array *x, int nd,
                                        const int64_t *shape, const int64_t *dims);

/* ---- VJP rules (vjp.c) ----
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
/* NULL when the primitive has no rule (it is then not differentiable). */
numc_vjp_rule numc_prim_vjp(numc_prim p);

/* ---- interpreters ---- */
typedef struct numc_interp numc_interp;
typedef struct {
    const char *name;
    numc_status (*process)(numc_interp *self, numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array **out);
} numc_interp_vtable;

struct numc_interp {
    const numc_interp_vtable *vt;
    numc_interp *parent;
    int level; /* depth in the stack: the eager base is 0 */
    void *state;
};

numc_interp *numc_interp_current(void);
numc_interp *numc_interp_eager(void);
void numc_interp_push(numc_interp *it); /* sets it->parent and level */
void numc_interp_pop(numc_interp *it);
/* Hands a primitive to self's parent (the next interpreter down the stack). */
numc_status numc_interp_forward(numc_interp *self, numc_prim p, int nin,
                                const numc_array *const *in, const numc_params *params,
                                numc_array **out);

/* The eager interpreter's work, callable by others (tape lets its parent
 * compute; the graph executor runs nodes): runs prim on concrete values. */
numc_status numc_eager_run(numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array **out);

#endif
