/* interp.h — numc_bind, the one dispatch point every operation goes through,
 * the interpreter stack (eager, tape, trace, batch), scopes of temporaries,
 * and the graph executor. Layer: above prim, backend and graph; below rules. */
#ifndef NUMC_INTERP_H
#define NUMC_INTERP_H

#include "../graph/graph.h"

/* THE dispatch point. in: nin borrowed arrays; out: nout new references. */
numc_status numc_bind(numc_prim p, int nin, const numc_array *const *in, const numc_params *params,
                      numc_array **out);
/* Single-output shorthand: returns a new reference or NULL. */
numc_array *numc_bind1(numc_prim p, int nin, const numc_array *const *in,
                       const numc_params *params);
/* Binds p the way its rule record asks (its bind strategy, e.g. control flow
 * inlined under a tape), or with numc_bind when it has none. */
numc_status numc_bind_staged(numc_prim p, int nin, const numc_array *const *in,
                             const numc_params *params, numc_array **out);

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
/* x reshaped to (nd, shape); x itself when it has that shape already. */
numc_array *numc_scope_reshape(numc_scope *s, const numc_array *x, int nd, const int64_t *shape);
/* x with its dims permuted (perm[i] = input dim of output dim i); x itself
 * for the identity. */
numc_array *numc_scope_transpose(numc_scope *s, const numc_array *x, const int64_t *perm);
/* A constant v of dtype dt and shape (nd, shape): one 0-d literal broadcast. */
numc_array *numc_scope_full(numc_scope *s, numc_dtype dt, double v, int nd, const int64_t *shape);

/* ---- interpreters ---- */
typedef struct numc_interp numc_interp;
typedef struct {
    const char *name; /* for messages only: interpreters are told apart by vtable identity */
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
 * compute; the graph executor runs nodes; constant folding evaluates): runs
 * prim on concrete values (a device kernel, or the rule record's eager rule). */
numc_status numc_eager_run(numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array **out);
/* numc_eager_run for a bound primitive: also reports the IEEE flags its
 * kernel raised as np.seterr says (the graph executor does not). */
numc_status numc_eager_bind(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array **out);

/* ---- trace interpreter internals (trace.c) ---- */
bool numc_trace_is_current(void);
/* Whether it is a trace interpreter. */
bool numc_interp_is_trace(const numc_interp *it);
/* True if a is a tracer made by a trace interpreter (live or not). */
bool numc_is_trace_tracer(const numc_array *a);

/* ---- the graph executor (exec.c) ---- */
/* Runs g on inputs (borrowed); out receives noutputs new references. With no
 * transform active it computes directly (numc_eager_run); otherwise each node
 * is bound with numc_bind_staged so the active transforms see it (the graph
 * is inlined into them). */
numc_status numc_graph_run(numc_graph *g, int nin, const numc_array *const *in, numc_array **out);
/* Forces the direct (eager) path, whatever is active: control primitives
 * reached by the eager interpreter. */
numc_status numc_graph_run_eager(numc_graph *g, int nin, const numc_array *const *in,
                                 numc_array **out);
/* Runs g as ONE `call` primitive: directly with nothing active, otherwise
 * numc_bind(call) so a tape records one record, a trace adds one node and
 * vmap applies call's batching rule (numc_graph_execute). */
numc_status numc_graph_call(numc_graph *g, int nin, const numc_array *const *in, numc_array **out);

#endif
