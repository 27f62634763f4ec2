/* errors.c — the bottom of the extension: the _numc module object, the
 * numc-error to Python exception mapping (AxisError from NumPy when it is
 * importable) and lazy access to NumPy and ml_dtypes (interop only; numc
 * itself never needs them). Every other file may call it; it calls none. */
#include "pynumc.h"

PyObject *numc_module;
PyObject *pynumc_AxisError;
PyObject *pynumc_LinAlgError;

static PyObject *numpy_mod;
static PyObject *bfloat16_type;

PyObject *pynumc_numpy(void) {
    if (!numpy_mod) numpy_mod = PyImport_ImportModule("numpy");
    return numpy_mod;
}

PyObject *pynumc_bfloat16_type(void) {
    if (!bfloat16_type) {
        PyObject *m = PyImport_ImportModule("ml_dtypes");
        if (!m) return NULL;
        bfloat16_type = PyObject_GetAttrString(m, "bfloat16");
        Py_DECREF(m);
    }
    return bfloat16_type;
}

PyObject *pynumc_raise(void) {
    if (PyErr_Occurred()) return NULL;
    PyObject *exc;
    switch (numc_error_kind()) {
    case NUMC_ERR_VALUE:
        exc = PyExc_ValueError;
        break;
    case NUMC_ERR_TYPE:
        exc = PyExc_TypeError;
        break;
    case NUMC_ERR_INDEX:
        exc = PyExc_IndexError;
        break;
    case NUMC_ERR_AXIS:
        exc = pynumc_AxisError;
        break;
    case NUMC_ERR_MEMORY:
        exc = PyExc_MemoryError;
        break;
    case NUMC_ERR_OVERFLOW:
        exc = PyExc_OverflowError;
        break;
    case NUMC_ERR_ZERO_DIVISION:
        exc = PyExc_ZeroDivisionError;
        break;
    case NUMC_ERR_NOT_IMPLEMENTED:
        exc = PyExc_NotImplementedError;
        break;
    case NUMC_ERR_LINALG:
        exc = pynumc_LinAlgError;
        break;
    case NUMC_OK:
        PyErr_SetString(PyExc_RuntimeError, "numc: operation failed without an error message");
        return NULL;
    default:
        exc = PyExc_RuntimeError;
        break;
    }
    const char *msg = numc_error_message();
    PyErr_SetString(exc, msg && *msg ? msg : "numc error");
    numc_error_clear();
    return NULL;
}

/* AxisError comes from NumPy so `except np.exceptions.AxisError` works; a
 * local ValueError+IndexError subclass stands in when NumPy is absent. */
int pynumc_init_errors(PyObject *m) {
    PyObject *exc_mod = PyImport_ImportModule("numpy.exceptions");
    if (exc_mod) {
        pynumc_AxisError = PyObject_GetAttrString(exc_mod, "AxisError");
        Py_DECREF(exc_mod);
    }
    if (!pynumc_AxisError) {
        PyErr_Clear();
        PyObject *bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_IndexError);
        if (!bases) return -1;
        pynumc_AxisError = PyErr_NewException("numc.AxisError", bases, NULL);
        Py_DECREF(bases);
        if (!pynumc_AxisError) return -1;
    }
    pynumc_LinAlgError = PyErr_NewException("numc.linalg.LinAlgError", PyExc_ValueError, NULL);
    if (!pynumc_LinAlgError) return -1;
    if (PyModule_AddObjectRef(m, "AxisError", pynumc_AxisError) < 0) return -1;
    if (PyModule_AddObjectRef(m, "LinAlgError", pynumc_LinAlgError) < 0) return -1;
    return 0;
}
