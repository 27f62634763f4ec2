/* arraytype.c — the ndarray handle at the bottom of the extension: the type
 * object (bare: upper files install their slots and methods into it at init,
 * then pynumc_array_type_ready readies it), wrapping numc values into handles
 * through a freelist, and the error a tracer raises where a value is read. */
#include "pynumc.h"

/* ---- allocation ---- */

#define FREELIST_MAX 512
static void *freelist[FREELIST_MAX];
static int nfree;

/* Arrays reaching Python are never weak: `x = numc.asarray(1.0)` is a
 * float64 array, not a Python float. */
PyObject *pynumc_wrap(numc_array *a) {
    if (NUMC_UNLIKELY(!a)) return pynumc_raise();
    NumcArrayObject *o;
    if (nfree) {
        o = freelist[--nfree];
    } else {
        o = PyObject_Malloc(sizeof *o);
        if (!o) {
            numc_array_release(a);
            return PyErr_NoMemory();
        }
    }
    PyObject_Init((PyObject *)o, &NumcArray_Type);
    o->arr = NUMC_LIKELY(!numc_array_head_is_weak(a)) ? a : numc_array_strengthen(a);
    o->weakreflist = NULL;
    o->exports = 0;
    return (PyObject *)o;
}

PyObject *pynumc_wrap_type(PyTypeObject *tp, numc_array *a) {
    if (tp == &NumcArray_Type) return pynumc_wrap(a);
    if (!a) return pynumc_raise();
    NumcArrayObject *o = (NumcArrayObject *)tp->tp_alloc(tp, 0);
    if (!o) {
        numc_array_release(a);
        return NULL;
    }
    o->arr = numc_array_strengthen(a);
    return (PyObject *)o;
}

static void array_dealloc(PyObject *self) {
    NumcArrayObject *o = (NumcArrayObject *)self;
    if (o->weakreflist) PyObject_ClearWeakRefs(self);
    if (o->arr) numc_array_release(o->arr);
    if (Py_IS_TYPE(self, &NumcArray_Type)) {
        if (nfree < FREELIST_MAX)
            freelist[nfree++] = o;
        else
            PyObject_Free(o);
        return;
    }
    /* a Python subclass: subtype_dealloc drops the type reference */
    Py_TYPE(self)->tp_free(self);
}

/* ---- tracers ---- */

__attribute__((cold, noinline)) void pynumc_tracer_error(const numc_array *a, const char *what) {
    if (numc_tracer_check(a, what) == NUMC_OK)
        numc_error_set(NUMC_ERR_TYPE, "%s() needs a concrete value", what);
    pynumc_raise();
}

/* ---- the type ---- */

PyTypeObject NumcArray_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.ndarray",
    .tp_basicsize = sizeof(NumcArrayObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "ndarray(shape, dtype=float): an immutable numc value behind a mutable handle.",
    .tp_dealloc = array_dealloc,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_weaklistoffset = offsetof(NumcArrayObject, weakreflist),
};

int pynumc_array_type_ready(PyObject *m) {
    if (PyType_Ready(&NumcArray_Type) < 0) return -1;
    /* NumPy defers binary operators to us (np_array + numc_array -> numc);
     * protocols.c installs __array_ufunc__ */
    PyObject *prio = PyFloat_FromDouble(1000.0);
    if (!prio || PyDict_SetItemString(NumcArray_Type.tp_dict, "__array_priority__", prio) < 0) {
        Py_XDECREF(prio);
        return -1;
    }
    Py_DECREF(prio);
    PyType_Modified(&NumcArray_Type);
    return PyModule_AddObjectRef(m, "ndarray", (PyObject *)&NumcArray_Type);
}

int pynumc_array_add_methods(PyMethodDef *defs) {
    for (PyMethodDef *d = defs; d->ml_name; d++) {
        PyObject *descr = PyDescr_NewMethod(&NumcArray_Type, d);
        if (!descr) return -1;
        int r = PyDict_SetItemString(NumcArray_Type.tp_dict, d->ml_name, descr);
        Py_DECREF(descr);
        if (r < 0) return -1;
    }
    PyType_Modified(&NumcArray_Type);
    return 0;
}
