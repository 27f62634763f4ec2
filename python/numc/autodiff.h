/* autodiff.h — private to the autodiff files of the extension, which sit
 * in this order above the middle layer: adutil.c (shared helpers),
 * variable.c (numc.Variable and its live registry), tape.c
 * (numc.GradientTape), transforms.c (grad, value_and_grad, jacobian,
 * hessian, vjp, stop_gradient) and custom_vjp.c.
 *
 *   GradientTape   TF's tape: watch, gradient, jacobian, watched_variables,
 *                  stop_recording, reset; persistent or one-shot.
 *   grad, value_and_grad, vjp, jacobian (jacrev, jacfwd), hessian
 *                  JAX's function transforms (reverse mode), over pytrees.
 *   stop_gradient  cuts values from every tape (numc_stop_gradient).
 *   custom_vjp     JAX's decorator (defvjp(fwd, bwd)), as a custom tape record.
 *   Variable       TF's mutable, automatically watched ndarray subclass.
 *
 * Identity. A tape watches values by identity (the numc_array a handle holds
 * when it is watched). Values are immutable and the Python ndarray is a handle
 * that mutation syntax rebinds, so after `tape.watch(x); x += 1` the handle
 * holds a new value (recorded, hence connected to the watched one), and
 * gradient(y, x) differentiates with respect to the value x holds *then*.
 * The function transforms give every differentiated leaf a fresh handle (a
 * differentiable identity), so an array passed twice, or also captured by the
 * function, is two independent inputs, as in JAX.
 *
 * Variables. A Variable is an ndarray (a subclass), so every operator and
 * function takes it and reads its current value. A tape with
 * watch_accessed_variables=True watches, when it is entered, the current value
 * of every live trainable Variable, and of every trainable Variable created
 * while it is active. assign / assign_add / assign_sub are not differentiable
 * (as in TF): the new value is a fresh leaf that every active tape tracking
 * the Variable watches. gradient(target, var) is the sum of the gradients with
 * respect to every value the Variable held while the tape tracked it, which is
 * TF's "sum over all reads". In-place operators and item assignment on a
 * Variable rebind it like any ndarray (a differentiable update, connected to
 * the old value). Under numc.function (function.c) Variables are state: from
 * the registry (_live_variables) the values a traced function reads become
 * inputs of every call, and its assigns are written back with assign's
 * semantics (pynumc_variable_assign). A call that assigns a Variable some
 * active tape tracks runs its Python function as it is (eagerly), so that
 * what it computes from the new value is differentiated with respect to it
 * (pynumc_variables_tracked).
 *
 * custom_vjp. Calling the decorated function while some tape watches one of
 * its array inputs runs fwd with the innermost such tape paused (outer tapes
 * record fwd's operations, so residuals stay differentiable for higher
 * order), then appends one custom record to that tape whose backward calls
 * bwd(residuals, cotangent). With no tape watching, the function itself runs.
 */
#ifndef PYNUMC_AUTODIFF_H
#define PYNUMC_AUTODIFF_H

#include "pytree.h"
#include "pynumc.h"

/* ---- helpers (adutil.c) ---- */
/* Differentiable dtypes: floating ('f') and complex ('c'). */
static inline int pynumc_ad_is_inexact(numc_dtype dt) {
    char k = numc_dtype_kind(dt);
    return k == 'f' || k == 'c';
}
/* None for NULL, else pynumc_wrap(a) (steals a). */
PyObject *pynumc_ad_wrap_or_none(numc_array *a);
/* The leaves of tree (a new list); *def receives the treedef. */
PyObject *pynumc_ad_flatten(PyObject *tree, PyObject **def);
PyObject *pynumc_ad_unflatten(PyObject *def, PyObject *leaves);
/* Any leaf as a new numc reference (arrays by identity). */
numc_array *pynumc_ad_as_array(PyObject *o);
/* "(2, 3)" as NumPy prints a shape. */
void pynumc_ad_shape_repr(const numc_array *a, char *buf, size_t n);
/* numc_tape_jacobian (the tape's own rules, unconnected sources NULL unless
 * zero): 0, or -1 with an exception. */
int pynumc_ad_tape_jacobian(numc_tape *t, const numc_array *target, int ns,
                            const numc_array *const *src, int zero, numc_array **jac);
/* unconnected_gradients: "none" / "zero" (or TF's enum with a string .value). */
int pynumc_ad_parse_unconnected(PyObject *o, int *zero);
/* Releases a[0..n) (a may be NULL). */
void pynumc_ad_release_all(numc_array **a, Py_ssize_t n);

/* ---- Variables (variable.c) ---- */
typedef struct VarObject {
    NumcArrayObject base;
    int trainable;
    int validate_shape;
    PyObject *name;
    struct VarObject *prev, *next; /* the live registry */
} VarObject;

#define Var_Check(o) PyObject_TypeCheck((o), &pynumc_Var_Type)
extern PyTypeObject pynumc_Var_Type;
/* The live Variables, newest first (a linked list through prev/next). */
extern VarObject *pynumc_var_head;
/* Set by tape.c at init: the active tapes of this thread that track var
 * (after its creation or an assign) watch its current value. */
extern int (*pynumc_var_notify)(VarObject *var, int created);

/* What numc.function (function.c) uses: Variables are its state. */
/* The live Variable objects, newest first (a new list), or NULL. */
PyObject *pynumc_live_variables(void);
/* var.assign(value) (steals value): cast to the Variable's dtype, cut from
 * every tape, watched by the active tapes tracking var. 0, or -1 with an
 * exception. */
int pynumc_variable_assign(PyObject *var, numc_array *value);
/* Whether an active tape of this thread tracks one of the Variables of the
 * tuple vars (it would watch the value an assign gives them). 1, 0, or -1
 * with an exception. */
int pynumc_variables_tracked(PyObject *vars);

#endif
