/* args.c — argument helpers shared by every layer: a Python integer (or
 * __index__ object), an axis argument (None, int, tuple of ints) and a shape
 * argument (int or sequence of ints) to C, a device argument checked against
 * the engine's registry. */
#include "pynumc.h"

int pynumc_parse_int(PyObject *obj, int64_t *out) {
    if (PyLong_CheckExact(obj)) {
        long long v = PyLong_AsLongLong(obj);
        if (v == -1 && PyErr_Occurred()) return -1;
        *out = v;
        return 0;
    }
    if (PyFloat_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyObject *i = PyNumber_Index(obj);
    if (!i) return -1;
    long long v = PyLong_AsLongLong(i);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = v;
    return 0;
}

static int parse_int_seq(PyObject *obj, int64_t *out, int *n, const char *what) {
    PyObject *seq = PySequence_Fast(obj, what);
    if (!seq) return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    if (numc_check_ndim(len) != NUMC_OK) {
        Py_DECREF(seq);
        return pynumc_raise(), -1;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        if (pynumc_parse_int(PySequence_Fast_GET_ITEM(seq, i), &out[i]) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    *n = (int)len;
    Py_DECREF(seq);
    return 0;
}

int pynumc_parse_axes(PyObject *obj, int64_t *axes, int *naxes) {
    if (obj == Py_None) {
        *naxes = -1;
        return 0;
    }
    if (PyLong_Check(obj) ||
        (PyIndex_Check(obj) && !PyFloat_Check(obj) && !PySequence_Check(obj))) {
        *naxes = 1;
        return pynumc_parse_int(obj, axes);
    }
    if (NumcArray_Check(obj) && numc_array_ndim(NumcArray_ARR(obj)) == 0) {
        *naxes = 1;
        return pynumc_parse_int(obj, axes);
    }
    if (!PyTuple_Check(obj) && !PyList_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return parse_int_seq(obj, axes, naxes, "axis must be an int or a tuple of ints");
}

int pynumc_parse_shape(PyObject *obj, int64_t *shape, int *ndim) {
    if (PyLong_Check(obj) || (PyIndex_Check(obj) && !PyFloat_Check(obj) &&
                              !(NumcArray_Check(obj) && numc_array_ndim(NumcArray_ARR(obj)) > 0))) {
        *ndim = 1;
        return pynumc_parse_int(obj, shape);
    }
    if (NumcArray_Check(obj) || pynumc_is_numpy_object(obj)) {
        PyObject *l = PyObject_CallMethod(obj, "tolist", NULL);
        if (!l) return -1;
        int r = pynumc_parse_shape(l, shape, ndim);
        Py_DECREF(l);
        return r;
    }
    if (!PySequence_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return parse_int_seq(obj, shape, ndim, "shape must be an int or a sequence of ints");
}

int pynumc_check_device(PyObject *obj, const char *current) {
    if (obj == Py_None) return 0;
    PyObject *str = PyObject_Str(obj);
    if (!str) return -1;
    const char *name = PyUnicode_AsUTF8(str);
    int i = name ? numc_device_find(name) : -1;
    Py_DECREF(str);
    if (i < 0) {
        if (name) pynumc_raise();
        return -1;
    }
    /* no transfer between devices exists yet: only the current one is valid */
    if (strcmp(numc_device_name(i), current) != 0) {
        PyErr_Format(PyExc_NotImplementedError, "numc cannot place this array on %s (it is on %s)",
                     numc_device_name(i), current);
        return -1;
    }
    return 0;
}

int pynumc_check_order(PyObject *obj) {
    if (!obj || obj == Py_None) return 0;
    const char *s = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : "";
    if (!s) return -1;
    return numc_check_order(s) == NUMC_OK ? 0 : (pynumc_raise(), -1);
}

/* ---- issue 8, breadth3 ---- */
PyObject *pynumc_call_module(const char *name, PyObject *args, PyObject *kw) {
    if (!args) return NULL;
    PyObject *f = PyObject_GetAttrString(numc_module, name);
    PyObject *r = f ? PyObject_Call(f, args, kw) : NULL;
    Py_XDECREF(f);
    Py_DECREF(args);
    return r;
}
