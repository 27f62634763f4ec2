/* pynumc.h — shared declarations of the numc CPython extension (_numc): the
 * ndarray handle, conversions, the dtype objects, the argument parser driven by
 * the spec table (functions.def) and the per-file init hooks. */
#ifndef PYNUMC_H
#define PYNUMC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "numc.h"

/* The Python ndarray: a mutable handle to an immutable numc value. Mutation
 * syntax (a[i] = v, a += b) computes the functional update and rebinds `arr`. */
typedef struct {
    PyObject_HEAD numc_array *arr;
    PyObject *weakreflist;
    Py_ssize_t exports; /* live buffer-protocol views */
} NumcArrayObject;

extern PyTypeObject NumcArray_Type;
extern PyObject *numc_module; /* the _numc module object */

#define NumcArray_Check(o) PyObject_TypeCheck((o), &NumcArray_Type)
#define NumcArray_ARR(o) (((NumcArrayObject *)(o))->arr)

/* Steals the reference to a (NULL propagates the numc error as a Python one).
 * Arrays handed to Python are never weak: a weak result is made strong. */
PyObject *pynumc_wrap(numc_array *a);
/* Wraps into a given (possibly subclass) type. */
PyObject *pynumc_wrap_type(PyTypeObject *tp, numc_array *a);
/* Raises the Python exception matching numc_error_kind(); returns NULL. An
 * already-set Python exception is left alone. */
PyObject *pynumc_raise(void);

/* ---- conversion (convert.c) ---- */
/* Any array-like (numc array, NumPy array, buffer, list/tuple, Python scalar,
 * NumPy scalar) to a new numc reference; dtype NONE infers it. Python scalars
 * become weak 0-d arrays when dtype is NONE (operands of operators and ufuncs).
 * NULL with a Python exception set on failure. */
numc_array *pynumc_from_object(PyObject *obj, numc_dtype dtype);
/* Like pynumc_from_object, but Python scalars give strong arrays (np.asarray). */
numc_array *pynumc_asarray(PyObject *obj, numc_dtype dtype);
/* Operand of a binary operator: a new reference, or NULL without an exception
 * when the object is of a type the operator should decline (NotImplemented). */
numc_array *pynumc_operand(PyObject *obj);
/* Element `flat` (C order) of a as a Python scalar (bool/int/float/complex). */
PyObject *pynumc_item(numc_array *a, int64_t flat);
/* The whole array as nested lists of Python scalars. */
PyObject *pynumc_tolist(numc_array *a);
/* Host copy in C order (malloc'ed; free with free()); NULL with an exception. */
void *pynumc_host_copy(const numc_array *a);
/* True for NumPy arrays and NumPy scalars (by type name, without importing). */
int pynumc_is_numpy_object(PyObject *obj);
/* The NumPy module (imported on first use); borrowed, NULL with an exception. */
PyObject *pynumc_numpy(void);
/* ml_dtypes.bfloat16 (imported on first use); borrowed, NULL with an exception. */
PyObject *pynumc_bfloat16_type(void);

/* ---- dtypes (dtypes.c) ---- */
/* dtype argument (None, numc/NumPy dtype, type object, string) to numc_dtype;
 * returns 0 on success, -1 with TypeError set. None gives NUMC_DTYPE_NONE. */
int pynumc_parse_dtype(PyObject *obj, numc_dtype *out);
/* The Python dtype object for dt (a borrowed reference). */
PyObject *pynumc_dtype_object(numc_dtype dt);
/* NumPy's repr of a dtype: "dtype('float64')" (static storage). */
const char *pynumc_dtype_repr(numc_dtype dt);
extern PyTypeObject PyNumcDType_Type;
typedef struct {
    PyObject_HEAD numc_dtype dt;
} PyNumcDTypeObject;

/* ---- argument helpers ---- */
/* axis argument (None, int, tuple of ints) to an axis list; *naxes = -1 for None. */
int pynumc_parse_axes(PyObject *obj, int64_t *axes, int *naxes);
/* shape argument (int or sequence of ints) */
int pynumc_parse_shape(PyObject *obj, int64_t *shape, int *ndim);
/* A Python integer (or __index__ object) to int64; -1 with an exception. */
int pynumc_parse_int(PyObject *obj, int64_t *out);

/* Large kernels run without the GIL (the engine's per-thread state is
 * thread-local); small ones keep it, as releasing costs more than they do. */
#define PYNUMC_NOGIL_ELEMENTS ((int64_t)1 << 16)
#define PYNUMC_CALL(big, lhs, expr)                                                                \
    do {                                                                                           \
        if (big) {                                                                                 \
            Py_BEGIN_ALLOW_THREADS lhs = (expr);                                                   \
            Py_END_ALLOW_THREADS                                                                   \
        } else {                                                                                   \
            lhs = (expr);                                                                          \
        }                                                                                          \
    } while (0)

/* Module-level exception classes (AxisError from NumPy when importable). */
extern PyObject *pynumc_AxisError;
extern PyObject *pynumc_LinAlgError;

/* ---- shared ndarray helpers ---- */
/* Applies a ufunc-style result to an `out=` argument: casts with same_kind
 * (ufunc named `ufunc` in the message), broadcasts to out's shape and rebinds
 * out. Steals r; returns a new reference to out. */
PyObject *pynumc_assign_out(PyObject *out, numc_array *r, const char *ufunc);
/* Casts r to dt under same_kind for an in-place operator; steals r. */
numc_array *pynumc_cast_inplace(numc_array *r, numc_dtype dt, const char *ufunc);
/* a[key] on a value (index.c). */
numc_array *pynumc_getitem(numc_array *a, PyObject *key);
/* a[key] = value: *target (the handle's reference) is updated in place or
 * replaced by the functional update (numc_setitem). 0, or -1 with an
 * exception (*target unchanged). */
int pynumc_setitem(numc_array **target, PyObject *key, PyObject *value);
/* Eager (concrete, no transform active) values may take C fast paths that skip
 * numc_bind; traced or taped values must go through the public API. */
int pynumc_is_eager(const numc_array *a);
/* nonzero of a concrete array: ndim int64 arrays in *out (new references). */
int pynumc_nonzero(numc_array *a, numc_array **out);
/* Calls a spec-table function by name with self prepended (ndarray methods). */
PyObject *pynumc_call_spec(int spec_index, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames);
int pynumc_spec_index(const char *name);

/* Each source file registers its parts into the module at import. */
int pynumc_init_ndarray(PyObject *m);
int pynumc_init_dtypes(PyObject *m);
int pynumc_init_functions(PyObject *m);
int pynumc_init_convert(PyObject *m);
/* Resolves ndarray methods against the compiled spec table (drops missing ones). */
int pynumc_init_ndarray_methods(void);

#endif
