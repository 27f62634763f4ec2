/* nsinfo.c — the array API inspection namespace, numc.__array_namespace_info__():
 * capabilities, default_device, devices, default_dtypes and dtypes(kind=),
 * answered from numc's device registry and dtype defaults. */
#include "pynumc.h"

typedef struct {
    PyObject_HEAD
} NsInfo;

static PyObject *ni_capabilities(PyObject *self, PyObject *unused) {
    return Py_BuildValue("{s:O,s:O,s:i}", "boolean indexing", Py_True, "data-dependent shapes",
                         Py_True, "max dimensions", NUMC_MAX_DIMS);
}

static PyObject *ni_default_device(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(numc_default_device());
}

static PyObject *ni_devices(PyObject *self, PyObject *unused) {
    int n = numc_device_count();
    PyObject *l = PyList_New(n);
    for (int i = 0; l && i < n; i++) {
        PyObject *s = PyUnicode_FromString(numc_device_name(i));
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, s);
    }
    return l;
}

/* device=None or a registered device (the registry's ValueError otherwise). */
static int check_device(PyObject *device) {
    return device && device != Py_None ? pynumc_check_device(device, numc_default_device()) : 0;
}

static PyObject *ni_default_dtypes(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"device", NULL};
    PyObject *device = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$O:default_dtypes", kwlist, &device)) return NULL;
    if (check_device(device) < 0) return NULL;
    numc_dtype f = numc_default_float();
    numc_dtype c = f == NUMC_FLOAT32 ? NUMC_COMPLEX64 : NUMC_COMPLEX128;
    return Py_BuildValue("{s:O,s:O,s:O,s:O}", "real floating", pynumc_dtype_object(f),
                         "complex floating", pynumc_dtype_object(c), "integral",
                         pynumc_dtype_object(NUMC_INT64), "indexing",
                         pynumc_dtype_object(NUMC_INT64));
}

static const struct {
    const char *kind;
    numc_dtype dts[9];
    int n;
} kinds[] = {
    {"bool", {NUMC_BOOL}, 1},
    {"signed integer", {NUMC_INT8, NUMC_INT16, NUMC_INT32, NUMC_INT64}, 4},
    {"unsigned integer", {NUMC_UINT8, NUMC_UINT16, NUMC_UINT32, NUMC_UINT64}, 4},
    {"integral",
     {NUMC_INT8, NUMC_INT16, NUMC_INT32, NUMC_INT64, NUMC_UINT8, NUMC_UINT16, NUMC_UINT32,
      NUMC_UINT64},
     8},
    {"real floating", {NUMC_FLOAT32, NUMC_FLOAT64}, 2},
    {"complex floating", {NUMC_COMPLEX64, NUMC_COMPLEX128}, 2},
};

static int add_kind(PyObject *d, PyObject *kind) {
    if (PyUnicode_Check(kind)) {
        if (PyUnicode_CompareWithASCIIString(kind, "numeric") == 0) {
            for (size_t i = 3; i < 6; i++) {
                PyObject *k = PyUnicode_FromString(kinds[i].kind);
                int r = k ? add_kind(d, k) : -1;
                Py_XDECREF(k);
                if (r < 0) return -1;
            }
            return 0;
        }
        for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
            if (PyUnicode_CompareWithASCIIString(kind, kinds[i].kind)) continue;
            for (int j = 0; j < kinds[i].n; j++)
                if (PyDict_SetItemString(d, numc_dtype_name(kinds[i].dts[j]),
                                         pynumc_dtype_object(kinds[i].dts[j])) < 0)
                    return -1;
            return 0;
        }
    } else if (PyTuple_Check(kind)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kind); i++)
            if (add_kind(d, PyTuple_GET_ITEM(kind, i)) < 0) return -1;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "unsupported kind: %R", kind);
    return -1;
}

static PyObject *ni_dtypes(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"device", "kind", NULL};
    PyObject *device = NULL, *kind = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OO:dtypes", kwlist, &device, &kind)) return NULL;
    if (check_device(device) < 0) return NULL;
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    int r = 0;
    if (!kind || kind == Py_None) {
        static const char *const all[] = {"bool", "integral", "real floating", "complex floating"};
        for (int i = 0; i < 4 && r == 0; i++) {
            PyObject *k = PyUnicode_FromString(all[i]);
            r = k ? add_kind(d, k) : -1;
            Py_XDECREF(k);
        }
    } else {
        r = add_kind(d, kind);
    }
    if (r < 0) Py_CLEAR(d);
    return d;
}

static PyMethodDef ni_methods[] = {
    {"capabilities", ni_capabilities, METH_NOARGS, "The array API capabilities numc supports."},
    {"default_device", ni_default_device, METH_NOARGS, "The device new arrays go to."},
    {"devices", ni_devices, METH_NOARGS, "The devices numc knows."},
    {"default_dtypes", PYNUMC_FN(ni_default_dtypes), METH_VARARGS | METH_KEYWORDS,
     "default_dtypes(*, device=None): the default real, complex, integral and index dtypes."},
    {"dtypes", PYNUMC_FN(ni_dtypes), METH_VARARGS | METH_KEYWORDS,
     "dtypes(*, device=None, kind=None): the array API dtypes of a kind, by name."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject NsInfo_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.__array_namespace_info__",
    .tp_basicsize = sizeof(NsInfo),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "__array_namespace_info__(): the array API inspection namespace of numc.",
    .tp_methods = ni_methods,
    .tp_new = PyType_GenericNew,
};

int pynumc_init_nsinfo(PyObject *m) {
    if (PyType_Ready(&NsInfo_Type) < 0) return -1;
    return PyModule_AddObjectRef(m, "__array_namespace_info__", (PyObject *)&NsInfo_Type);
}
