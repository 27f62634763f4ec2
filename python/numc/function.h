/* function.h — shared by function.c (numc.function) and control.c (numc.cond,
 * switch, while_loop, fori_loop, scan), which sits above it: moving values
 * between traced arrays and pytrees of Python objects. */
#ifndef PYNUMC_FUNCTION_H
#define PYNUMC_FUNCTION_H

#include "pynumc.h"

/* A traced input as a Python ndarray; keeps the weak flag of Python-scalar
 * inputs, which wrapping would drop. Borrows a. */
PyObject *pynumc_wrap_traced(numc_array *a);
/* Releases a[0..n) (a may be NULL); does not free the array of pointers. */
void pynumc_release_arrays(numc_array **a, Py_ssize_t n);
/* The list `leaves` (flattened results) as a calloc'ed array of new
 * references; every leaf must be an array, a Python scalar or a NumPy value
 * (TypeError naming `who` otherwise). NULL with an exception. */
numc_array **pynumc_leaves_to_arrays(PyObject *leaves, const char *who);
/* Wraps n arrays (stealing them, even on failure) and rebuilds treedef's
 * structure (pytree.h). New reference or NULL. */
PyObject *pynumc_unflatten_arrays(PyObject *treedef, numc_array **a, Py_ssize_t n);

#endif
