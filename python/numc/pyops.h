/* pyops.h — the middle layer of the extension, above pynumc.h: indexing
 * (index.c), operators (operators.c), the spec-table functions (functions.c)
 * and the installer of their ndarray slots and methods (arrayslots.c). The
 * spec-table parser has its own header, parser.h. */
#ifndef PYNUMC_PYOPS_H
#define PYNUMC_PYOPS_H

#include "pynumc.h"

/* ---- operators (operators.c) ---- */
/* The number protocol of ndarray and its comparisons. */
extern PyNumberMethods pynumc_as_number;
PyObject *pynumc_richcompare(PyObject *a, PyObject *b, int op);
/* Applies a ufunc-style result to an `out=` argument: casts with same_kind
 * (ufunc named `ufunc` in the message), broadcasts to out's shape and rebinds
 * out. Steals r; returns a new reference to out. */
PyObject *pynumc_assign_out(PyObject *out, numc_array *r, const char *ufunc);

/* ---- indexing (index.c) ---- */
/* a[key] on a value. */
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

/* ---- the spec table (functions.c) ---- */
/* Calls a spec-table function by index with self prepended (ndarray methods). */
PyObject *pynumc_call_spec(int spec_index, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames);
/* The index of a spec-table function by name, or -1. */
int pynumc_spec_index(const char *name);

#endif
