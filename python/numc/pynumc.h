/* pynumc.h — shared declarations of the numc CPython extension (_numc). */
#ifndef PYNUMC_H
#define PYNUMC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "numc.h"

/* The Python ndarray: a mutable handle to an immutable numc value. Mutation
 * syntax (a[i] = v, a += b) computes the functional update and rebinds `arr`. */
typedef struct {
    PyObject_HEAD
    numc_array *arr;
    PyObject *weakreflist;
    Py_ssize_t exports;     /* live buffer-protocol views */
} NumcArrayObject;

extern PyTypeObject NumcArray_Type;
extern PyObject *numc_module;   /* the _numc module object */

#define NumcArray_Check(o) PyObject_TypeCheck((o), &NumcArray_Type)

/* Steals the reference to a (NULL propagates the numc error as a Python one). */
PyObject *pynumc_wrap(numc_array *a);
/* Raises the Python exception matching numc_error_kind(); returns NULL. */
PyObject *pynumc_raise(void);
/* Any array-like (numc array, NumPy array, buffer, list/tuple, Python scalar,
 * NumPy scalar) to a new numc reference; dtype NONE infers it. Python scalars
 * become weak 0-d arrays. NULL with a Python exception set on failure. */
numc_array *pynumc_from_object(PyObject *obj, numc_dtype dtype);
/* dtype argument (None, numc/NumPy dtype, type object, string) to numc_dtype;
 * returns 0 on success, -1 with TypeError set. None gives NUMC_DTYPE_NONE. */
int pynumc_parse_dtype(PyObject *obj, numc_dtype *out);
/* The Python dtype object for dt (a borrowed reference). */
PyObject *pynumc_dtype_object(numc_dtype dt);
/* axis argument (None, int, tuple of ints) to an axis list; *naxes = -1 for None. */
int pynumc_parse_axes(PyObject *obj, int64_t *axes, int *naxes);
/* shape argument (int or sequence of ints) */
int pynumc_parse_shape(PyObject *obj, int64_t *shape, int *ndim);

/* Module-level exception classes (AxisError from NumPy when importable). */
extern PyObject *pynumc_AxisError;
extern PyObject *pynumc_LinAlgError;

/* Each source file registers its parts into the module at import. */
int pynumc_init_ndarray(PyObject *m);
int pynumc_init_dtypes(PyObject *m);
int pynumc_init_functions(PyObject *m);

#endif
