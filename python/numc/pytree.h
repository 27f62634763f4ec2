/* pytree.h — nested Python containers of arrays (pytrees) for the transforms:
 * flatten a structure of tuples, lists, dicts (sorted keys), namedtuples and
 * None into its leaves plus a hashable tree definition, and rebuild it. */
#ifndef PYNUMC_PYTREE_H
#define PYNUMC_PYTREE_H

#include "pynumc.h"

/* Appends the leaves of `tree` to the list `leaves` and returns the treedef
 * (a new reference: a hashable, comparable object), or NULL. None is an empty
 * node (no leaf), as in JAX. */
PyObject *pynumc_tree_flatten(PyObject *tree, PyObject *leaves);
/* Rebuilds a structure from treedef, taking leaves from the sequence `leaves`
 * starting at *pos (advanced). New reference or NULL. */
PyObject *pynumc_tree_unflatten(PyObject *treedef, PyObject *leaves, Py_ssize_t *pos);
/* Number of leaves a treedef holds. */
Py_ssize_t pynumc_tree_num_leaves(PyObject *treedef);

int pynumc_init_pytree(PyObject *m);

#endif
