/* pyinit.h — each file's registration hook, called in layer order (bottom
 * first) by PyInit__numc in module.c; no other file includes this. */
#ifndef PYNUMC_PYINIT_H
#define PYNUMC_PYINIT_H

#include "pynumc.h"

int pynumc_init_errors(PyObject *m);     /* errors.c */
int pynumc_init_dtypes(PyObject *m);     /* dtypes.c */
int pynumc_init_ndarray(PyObject *m);    /* ndarray.c: the type's own slots */
int pynumc_init_export(PyObject *m);     /* export.c: buffer slots, from_dlpack */
int pynumc_init_arrayslots(PyObject *m); /* arrayslots.c: operator and index slots */
int pynumc_init_export_methods(void);    /* export.c, once the type is ready */
int pynumc_init_functions(PyObject *m);  /* functions.c: compiles the spec table */
int pynumc_init_spec_methods(void);      /* arrayslots.c, after functions */
int pynumc_init_pytree(PyObject *m);     /* pytree.c */
int pynumc_init_tape(PyObject *m);       /* tape.c */
int pynumc_init_variable(PyObject *m);   /* variable.c */
int pynumc_init_transforms(PyObject *m); /* transforms.c */
int pynumc_init_custom_vjp(PyObject *m); /* custom_vjp.c */
int pynumc_init_function(PyObject *m);   /* function.c */
int pynumc_init_control(PyObject *m);    /* control.c */
int pynumc_init_vmap(PyObject *m);       /* vmap.c */
int pynumc_init_random(PyObject *m);     /* random.c: the numc.random submodule */
/* ---- fft (issue 9) ---- */
int pynumc_init_fft(PyObject *m); /* fft.c: the numc.fft submodule */
int pynumc_init_breadth2(PyObject *m);   /* breadth2.c: savez, fromfunction, NpzFile (issue 8) */
/* ---- issue 8, breadth3 ---- */
int pynumc_init_printopts(PyObject *m);   /* printopts.c: before the type is ready */
int pynumc_init_fpstate(PyObject *m);     /* fpstate.c: seterr, errstate */
int pynumc_init_indextricks(PyObject *m); /* indextricks.c: r_, c_, mgrid, ogrid */
int pynumc_init_nsinfo(PyObject *m);      /* nsinfo.c: __array_namespace_info__ */
int pynumc_init_vectorize(PyObject *m);   /* vectorize.c: vectorize, apply_*, piecewise */
int pynumc_init_protocols(void);         /* protocols.c: __array_ufunc__, __array_function__ */

#endif
