/* np-impl.h — shared helpers of the NumPy layer (src/np/): a scope that owns
 * temporaries, NULL-propagating wrappers around numc_bind for composing
 * primitives, broadcasting, axis normalisation and the ufunc dtype rules.
 *
 * The NumPy layer never touches kernels or buffers: everything below either
 * looks at metadata (shape, ndim, dtype, the weak flag) or binds primitives,
 * so compositions work unchanged under every interpreter. */
#ifndef NUMC_NP_IMPL_H
#define NUMC_NP_IMPL_H

#include "../interp/interp.h"

/* ---- scope: temporaries released together (numc_scope, interp/interp.h) ----
 * Every np_* helper that returns an array registers it in the scope, and
 * returns NULL (with the error already set) when any operand is NULL, so a
 * composition checks for failure once, at the end. */
typedef numc_scope np_scope;

static inline void np_scope_init(np_scope *s) {
    numc_scope_init(s);
}
static inline void np_scope_end(np_scope *s) {
    numc_scope_end(s);
}
/* Registers a new reference (NULL passes through). */
static inline numc_array *np_keep(np_scope *s, numc_array *a) {
    return numc_scope_keep(s, a);
}
/* Ends the scope and returns a new reference to r (NULL on failure). A weak
 * r (an input returned unchanged) comes back strong: results of NumPy
 * functions are never Python scalars. */
numc_array *np_ret(np_scope *s, const numc_array *r);
/* A new, strong reference to r (NULL passes through). */
numc_array *np_new_ref(const numc_array *r);

/* ---- binding ---- */
numc_array *np_bind(np_scope *s, numc_prim p, int nin, const numc_array *const *in,
                    const numc_params *pr);
numc_array *np_un(np_scope *s, numc_prim p, const numc_array *x);
/* Binary primitive; broadcasts x and y to their common shape (same dtype required). */
numc_array *np_bin(np_scope *s, numc_prim p, const numc_array *x, const numc_array *y);
/* select(c, x, y) with broadcasting; c is converted to bool. */
numc_array *np_sel(np_scope *s, const numc_array *c, const numc_array *x, const numc_array *y);
/* Retains x (in the scope) when it already has dtype dt. */
numc_array *np_cvt(np_scope *s, const numc_array *x, numc_dtype dt);
/* NumPy broadcast of x to shape (right-aligned); retains x when unchanged.
 * The caller has checked compatibility. */
numc_array *np_bcast(np_scope *s, const numc_array *x, int ndim, const int64_t *shape);
numc_array *np_reshape(np_scope *s, const numc_array *x, int ndim, const int64_t *shape);
numc_array *np_transpose(np_scope *s, const numc_array *x, const int64_t *perm);
/* reduce_* over the given (sorted, unique) axes. */
numc_array *np_reduce(np_scope *s, numc_prim p, const numc_array *x, const int64_t *axes,
                      int naxes);
/* A 0-d constant of dtype dt. */
numc_array *np_const(np_scope *s, numc_dtype dt, double re, double im);
/* A constant broadcast to a shape / to x's shape with x's dtype. */
numc_array *np_fill(np_scope *s, numc_dtype dt, double v, int ndim, const int64_t *shape);
numc_array *np_fill_like(np_scope *s, const numc_array *x, double v);
/* x <op> scalar, the scalar taken in x's dtype. */
numc_array *np_binc(np_scope *s, numc_prim p, const numc_array *x, double v);
numc_array *np_ravel(np_scope *s, const numc_array *x);

/* ---- shapes and axes ---- */
/* "(2,3)" into buf (NumPy's shape formatting in error messages). */
const char *np_shape_str(char *buf, size_t n, int ndim, const int64_t *shape);
/* Python tuple formatting "(2, 3)" (used by a few Python-level messages). */
const char *np_tuple_str(char *buf, size_t n, int ndim, const int64_t *shape);
/* Common broadcast shape of n arrays, or ValueError as NumPy's ufuncs say it. */
numc_status np_broadcast_shapes(int n, const numc_array *const *in, int *ndim, int64_t *shape);
/* axis in [-ndim, ndim) -> [0, ndim), else AxisError; prefix as NumPy's
 * ("axis1: ") or NULL. */
numc_status np_norm_axis(int64_t axis, int ndim, int64_t *out, const char *prefix);
/* Axis list (NULL = all) -> sorted unique axes; duplicate -> ValueError. */
numc_status np_norm_axes(const int64_t *axes, int naxes, int ndim, int64_t *out, int *nout);
bool np_same_shape(const numc_array *a, const numc_array *b);

/* ---- dtype rules ---- */
static inline bool np_is_weak(const numc_array *a) {
    return (a->flags & NUMC_AF_WEAK) != 0;
}
/* The float type NumPy's legacy ufunc loops pick for an int/bool input:
 * bool/int8/uint8 -> float16, int16/uint16 -> float32, wider -> default float. */
numc_dtype np_ufunc_float(numc_dtype d);
/* The float loop of an inexact ufunc over these operands (weak scalars as
 * Python scalars); complex stays complex unless the caller rejects it. */
numc_dtype np_inexact_loop(int n, const numc_array *const *in);
/* NumPy's "ufunc 'name' not supported for the input types ..." TypeError. */
numc_status np_err_ufunc_types(const char *ufunc);
/* NEP 50: a weak Python int converted to an integer loop must fit. */
numc_status np_check_weak_ints(int n, const numc_array *const *in, numc_dtype loop);
/* Converts every operand to dt and broadcasts them to one shape. out[i] are
 * scope references. */
numc_status np_prepare(np_scope *s, int n, const numc_array *const *in, numc_dtype dt,
                       numc_array **out);
/* The value of a concrete array's element (NaN when it is a tracer). */
bool np_concrete(const numc_array *a);
double np_scalar_value(const numc_array *a);

#define NP_ARRAY_OF(...) ((const numc_array *const[]){__VA_ARGS__})

/* Releases arrs[0..n) and sets them to NULL (a partly built result list). */
void np_release_n(numc_array **arrs, int64_t n);

/* ---- along one axis ---- */
/* a[lo:hi] along axis ax (0 <= lo <= hi <= dim); a itself (kept) when whole. */
numc_array *np_axis_slice(np_scope *s, const numc_array *a, int ax, int64_t lo, int64_t hi);
/* a reversed along ax. */
numc_array *np_axis_rev(np_scope *s, const numc_array *a, int ax);
/* The non-NULL pieces that are not empty along ax (mid always), concatenated
 * along ax; mid itself when it is alone. */
numc_array *np_axis_cat3(np_scope *s, const numc_array *l, const numc_array *mid,
                         const numc_array *r, int ax);

/* dot_general of x and y (same dtype) contracting lc[k] with rc[k] over the
 * batch dims lb[k] / rb[k]; output dims: batch, lhs free, rhs free (linalg.c) */
numc_array *np_dot_general(np_scope *s, const numc_array *x, const numc_array *y, int nc,
                           const int64_t *lc, const int64_t *rc, int nb, const int64_t *lb,
                           const int64_t *rb);

#endif
