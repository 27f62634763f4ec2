/* adutil.c — helpers shared by the autodiff files (tape.c, variable.c,
 * transforms.c, custom_vjp.c): pytree flattening of arrays, shape text for
 * messages, and the Python errors of numc_tape_jacobian. */
#include "autodiff.h"

PyObject *pynumc_ad_wrap_or_none(numc_array *a) {
    if (!a) Py_RETURN_NONE;
    return pynumc_wrap(a);
}

/* leaves of tree (a new list); *def receives the treedef. */
PyObject *pynumc_ad_flatten(PyObject *tree, PyObject **def) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    *def = pynumc_tree_flatten(tree, leaves);
    if (!*def) {
        Py_DECREF(leaves);
        return NULL;
    }
    return leaves;
}

PyObject *pynumc_ad_unflatten(PyObject *def, PyObject *leaves) {
    Py_ssize_t pos = 0;
    return pynumc_tree_unflatten(def, leaves, &pos);
}

/* Any leaf as a new numc reference (arrays by identity). */
numc_array *pynumc_ad_as_array(PyObject *o) {
    if (NumcArray_Check(o)) return numc_array_retain(NumcArray_ARR(o));
    return pynumc_asarray(o, NUMC_DTYPE_NONE);
}

void pynumc_ad_shape_repr(const numc_array *a, char *buf, size_t n) {
    size_t p = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < numc_array_ndim(a) && p < n; i++)
        p += (size_t)snprintf(buf + p, n - p, i ? ", %lld" : "%lld",
                              (long long)numc_array_shape(a)[i]);
    if (p < n) snprintf(buf + p, n - p, numc_array_ndim(a) == 1 ? ",)" : ")");
}

/* numc_tape_jacobian with Python's errors: a custom_vjp bwd that raised
 * leaves its exception, which wins over the engine's. */
int pynumc_ad_tape_jacobian(numc_tape *t, const numc_array *target, int ns,
                            const numc_array *const *src, int zero, numc_array **jac) {
    if (numc_tape_jacobian(t, target, ns, src, zero != 0, jac) == NUMC_OK) return 0;
    if (PyErr_Occurred())
        numc_error_clear();
    else
        pynumc_raise();
    return -1;
}

/* "none" / "zero" (strings, or TF's enum: anything with a string .value). */
int pynumc_ad_parse_unconnected(PyObject *o, int *zero) {
    *zero = 0;
    if (!o || o == Py_None) return 0;
    PyObject *v = PyUnicode_Check(o) ? Py_NewRef(o) : PyObject_GetAttrString(o, "value");
    if (!v) {
        PyErr_Clear();
        v = NULL;
    }
    int ok = v && PyUnicode_Check(v);
    if (ok && !PyUnicode_CompareWithASCIIString(v, "zero"))
        *zero = 1;
    else if (!(ok && !PyUnicode_CompareWithASCIIString(v, "none")))
        ok = 0;
    Py_XDECREF(v);
    if (!ok) {
        PyErr_Format(PyExc_ValueError,
                     "Unknown value for unconnected_gradients: %R (use 'none' or 'zero')", o);
        return -1;
    }
    return 0;
}

void pynumc_ad_release_all(numc_array **a, Py_ssize_t n) {
    if (!a) return;
    for (Py_ssize_t i = 0; i < n; i++)
        numc_array_release(a[i]);
}
