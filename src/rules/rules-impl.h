/* rules-impl.h — internals shared by the rule files of src/rules: the tables
 * each file builds from prims.def (gathered into the rule records by
 * registry.c), the control-flow rules, and helpers the control-flow files
 * share. Layer: above interp (rules call down into bind, the executor, the
 * tape and the batch interpreter's machinery); nothing below includes it. */
#ifndef NUMC_RULES_IMPL_H
#define NUMC_RULES_IMPL_H

#include "../interp/batch.h"
#include "../interp/tape.h"

/* ---- per-primitive tables (one row per prims.def row) ---- */
extern const numc_vjp_rule numc_rules_vjp[NUMC_PRIM_COUNT];     /* vjp.c */
extern const numc_batch_rule numc_rules_batch[NUMC_PRIM_COUNT]; /* batch.c */

/* ---- control flow (control.c): the rules of PF_BODIES primitives ---- */
numc_status numc_control_infer(numc_prim p, int nin, const numc_array *const *in,
                               const numc_params *params, numc_aval *out);
/* Number of outputs: from the bodies. */
int numc_control_nout(numc_prim p, const numc_params *params);
/* Runs a control primitive on concrete values, computing directly. */
numc_status numc_control_eager(numc_prim p, int nin, const numc_array *const *in,
                               const numc_params *params, numc_array **out);
/* Binds a control primitive the best way for the active transforms: eagerly
 * with nothing active; as a node when a trace is on top; otherwise inlined
 * (its bodies bound op by op, so a tape or vmap sees them), lowering cond with
 * a non-concrete predicate to select. */
numc_status numc_control_bind(numc_prim p, int nin, const numc_array *const *in,
                              const numc_params *params, numc_array **out);

/* ---- the VJP rule of call (call_vjp.c) ---- */
numc_status numc_call_vjp(const numc_params *params, int nin, const numc_array *const *in, int nout,
                          const numc_array *const *out, const numc_array *const *ct_out,
                          numc_array **ct_in);

/* ---- helpers shared by the control-flow files (control.c) ---- */
static inline numc_status numc_ctl_oom(void) {
    return numc_error_set(NUMC_ERR_MEMORY, "control flow: out of memory");
}
static inline bool aval_eq(const numc_aval *a, const numc_aval *b) {
    return a->dtype == b->dtype && a->ndim == b->ndim &&
           memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim) == 0;
}
static inline bool aval_is(const numc_aval *a, const numc_array *x) {
    return a->dtype == x->dtype && a->ndim == x->ndim &&
           memcmp(a->shape, x->shape, sizeof(int64_t) * (size_t)a->ndim) == 0;
}
static inline const numc_aval *in_aval(const numc_graph *g, int k) {
    return &g->values[g->inputs[k]].aval;
}
static inline const numc_aval *out_aval(const numc_graph *g, int k) {
    return &g->values[g->outputs[k]].aval;
}
static inline void release_all(numc_array **a, int n) {
    for (int k = 0; k < n; k++) {
        numc_array_release(a[k]);
        a[k] = NULL;
    }
}
/* "float64[2,3]" */
void numc_ctl_aval_str(char *buf, size_t n, const numc_aval *av);
/* x[t] (drops axis 0); a view when eager and x concrete. */
numc_array *numc_ctl_take_row(const numc_array *x, int64_t t, bool eager);
/* Stacks rows[0..length) (each of aval y) along a new axis 0. */
numc_array *numc_ctl_stack_rows(numc_array **rows, int64_t length, const numc_aval *y, bool eager);
/* A concrete 0-d index clamped to [0, n) (XLA's rule). */
numc_status numc_ctl_read_index(const numc_array *idx, int n, int *branch);
numc_status numc_ctl_read_bool(const numc_array *p, bool *v);
/* A 0-d constant of dtype dt, bound (a literal in traces). */
numc_array *numc_ctl_const(numc_dtype dt, double v);
/* x (0-d) broadcast to (nd, shape), bound; NULL x passes through. */
numc_array *numc_ctl_bcast_to(const numc_array *x, int nd, const int64_t *shape);

/* ---- fft (issue 9): the fft primitive's rules (fft.c) ---- */
numc_status numc_rules_fft_vjp(const numc_params *params, int nin, const numc_array *const *in,
                               int nout, const numc_array *const *out,
                               const numc_array *const *ct_out, numc_array **ct_in);
numc_status numc_rules_fft_batch(numc_batch_ctx *c);

#endif
