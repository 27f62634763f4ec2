/* ndarray.c — the ndarray type's own behaviour: construction, attributes,
 * hand-written methods, conversion dunders, repr/str, len and `in`. Sits
 * above conversion and dtypes; what needs upper layers (indexing, operators,
 * spec-table methods, memory export) is installed into the type by
 * arrayslots.c and export.c. */
#include "pynumc.h"

#define ARR(self) NumcArray_ARR(self)
#define TRACER_GUARD PYNUMC_TRACER_GUARD
#define tracer_error pynumc_tracer_error

static PyObject *array_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"shape", "dtype", "buffer", "offset", "strides", "order", NULL};
    PyObject *shape_obj, *dtype_obj = Py_None, *buffer = Py_None, *offset = NULL,
                         *strides = Py_None, *order = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOOO:ndarray", kwlist, &shape_obj, &dtype_obj,
                                     &buffer, &offset, &strides, &order))
        return NULL;
    if (buffer != Py_None || strides != Py_None) {
        PyErr_SetString(
            PyExc_NotImplementedError,
            "numc.ndarray(buffer=..., strides=...) is not supported: values are immutable");
        return NULL;
    }
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt;
    if (pynumc_parse_shape(shape_obj, shape, &nd) < 0 || pynumc_parse_dtype(dtype_obj, &dt) < 0)
        return NULL;
    return pynumc_wrap_type(
        tp, numc_zeros(nd, shape, dt == NUMC_DTYPE_NONE ? numc_default_float() : dt));
}

/* ---- attributes ---- */

/* ---- tracers ----
 * A tracer (a value of numc.function's trace, of vmap, ...) has no buffer and
 * so no value to read. Python control flow on a live tracer must fail with a
 * TypeError naming numc.cond / while_loop / fori_loop / scan, and a leaked
 * tracer must say it leaked (numc_tracer_check words both). Every slot or
 * method that reads the value tests `buffer == NULL` first: one load on the
 * concrete fast path. */
/* repr/str of a live trace tracer describes it (printing inside a traced
 * function is a common debugging step); a leaked one raises; other
 * transforms' values format as usual. NULL without an exception: not a
 * live tracer, format normally. */
__attribute__((cold, noinline)) static PyObject *tracer_repr(const numc_array *a) {
    numc_tracer_kind k = numc_tracer_kind_of(a);
    if (k == NUMC_TRACER_NONE || k == NUMC_TRACER_OTHER) return NULL;
    if (k == NUMC_TRACER_LEAKED) {
        tracer_error(a, "repr");
        return NULL;
    }
    char buf[512];
    int w = snprintf(buf, sizeof buf, "Traced<%s[", numc_dtype_name(numc_array_dtype(a)));
    for (int d = 0; d < numc_array_ndim(a) && w < 400; d++)
        w += snprintf(buf + w, sizeof buf - (size_t)w, d ? ",%lld" : "%lld",
                      (long long)numc_array_shape(a)[d]);
    snprintf(buf + w, sizeof buf - (size_t)w, "]%s>", numc_array_is_weak(a) ? " weak" : "");
    return PyUnicode_FromString(buf);
}

static PyObject *shape_tuple(const numc_array *a) {
    int nd = numc_array_ndim(a);
    const int64_t *s = numc_array_shape(a);
    PyObject *t = PyTuple_New(nd);
    if (!t) return NULL;
    for (int i = 0; i < nd; i++) {
        PyObject *v = PyLong_FromLongLong(s[i]);
        if (!v) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static PyObject *get_shape(PyObject *self, void *c) {
    return shape_tuple(ARR(self));
}

static int set_shape(PyObject *self, PyObject *value, void *c) {
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete array shape");
        return -1;
    }
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    if (pynumc_parse_shape(value, shape, &nd) < 0) return -1;
    numc_array *r = numc_reshape(ARR(self), nd, shape);
    if (!r) return pynumc_raise(), -1;
    numc_array_release(ARR(self));
    ARR(self) = r;
    return 0;
}

static PyObject *get_dtype(PyObject *self, void *c) {
    return Py_NewRef(pynumc_dtype_object(numc_array_dtype(ARR(self))));
}
static PyObject *get_ndim(PyObject *self, void *c) {
    return PyLong_FromLong(numc_array_ndim(ARR(self)));
}
static PyObject *get_size(PyObject *self, void *c) {
    return PyLong_FromLongLong(numc_array_size(ARR(self)));
}
static PyObject *get_itemsize(PyObject *self, void *c) {
    return PyLong_FromSize_t(numc_dtype_itemsize(numc_array_dtype(ARR(self))));
}
static PyObject *get_nbytes(PyObject *self, void *c) {
    return PyLong_FromLongLong(numc_array_size(ARR(self)) *
                               (int64_t)numc_dtype_itemsize(numc_array_dtype(ARR(self))));
}
static PyObject *get_T(PyObject *self, void *c) {
    return pynumc_wrap(numc_transpose(ARR(self), NULL, 0));
}
static PyObject *get_mT(PyObject *self, void *c) {
    return pynumc_wrap(numc_matrix_transpose(ARR(self)));
}
static PyObject *get_real(PyObject *self, void *c) {
    return pynumc_wrap(numc_real(ARR(self)));
}
static PyObject *get_imag(PyObject *self, void *c) {
    return pynumc_wrap(numc_imag(ARR(self)));
}
static PyObject *get_flat(PyObject *self, void *c) {
    return pynumc_wrap(numc_ravel(ARR(self)));
}
static PyObject *get_device(PyObject *self, void *c) {
    numc_array *a = ARR(self);
    return PyUnicode_FromString(numc_array_device(a));
}
static PyObject *get_base(PyObject *self, void *c) {
    Py_RETURN_NONE;
}
/* The C-order byte strides of the logical shape: users never see layout. */
static PyObject *get_strides(PyObject *self, void *c) {
    numc_array *a = ARR(self);
    int nd = numc_array_ndim(a);
    int64_t s[NUMC_MAX_DIMS];
    numc_contig_strides(nd, numc_array_shape(a), s);
    int64_t isz = (int64_t)numc_dtype_itemsize(numc_array_dtype(a));
    PyObject *t = PyTuple_New(nd);
    for (int i = 0; t && i < nd; i++)
        PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(s[i] * isz));
    return t;
}

static PyGetSetDef array_getset[] = {
    {"shape", get_shape, set_shape, "Tuple of array dimensions.", NULL},
    {"dtype", get_dtype, NULL, "Data type of the array's elements.", NULL},
    {"ndim", get_ndim, NULL, "Number of array dimensions.", NULL},
    {"size", get_size, NULL, "Number of elements.", NULL},
    {"itemsize", get_itemsize, NULL, "Bytes per element.", NULL},
    {"nbytes", get_nbytes, NULL, "Bytes of all elements.", NULL},
    {"T", get_T, NULL, "The transposed array.", NULL},
    {"mT", get_mT, NULL, "Transpose of the last two axes.", NULL},
    {"real", get_real, NULL, "Real part.", NULL},
    {"imag", get_imag, NULL, "Imaginary part.", NULL},
    {"flat", get_flat, NULL, "The flattened array (a copy-free ravel).", NULL},
    {"device", get_device, NULL, "The device holding the array.", NULL},
    {"base", get_base, NULL, "Always None: numc exposes no views API.", NULL},
    {"strides", get_strides, NULL, "C-order byte strides of the shape.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- hand-written methods ---- */

static int shape_from_varargs(PyObject *const *args, Py_ssize_t n, int64_t *shape, int *nd) {
    if (n == 1) return pynumc_parse_shape(args[0], shape, nd);
    if (numc_check_ndim(n) != NUMC_OK) return pynumc_raise(), -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (pynumc_parse_int(args[i], &shape[i]) < 0) return -1;
    *nd = (int)n;
    return 0;
}

/* Extracts `order`, `copy` and (for reshape) `shape` keywords; rejects others. */
static int method_kwargs(const char *fn, PyObject *const *args, Py_ssize_t nargs, PyObject *kw,
                         PyObject **order, PyObject **shape) {
    if (!kw) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kw); i++) {
        PyObject *k = PyTuple_GET_ITEM(kw, i), *v = args[nargs + i];
        if (!PyUnicode_CompareWithASCIIString(k, "order"))
            *order = v;
        else if (shape && !PyUnicode_CompareWithASCIIString(k, "shape"))
            *shape = v;
        else if (!PyUnicode_CompareWithASCIIString(k, "copy"))
            continue;
        else {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fn, k);
            return -1;
        }
    }
    return pynumc_check_order(*order);
}

static PyObject *meth_reshape(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    PyObject *order = NULL, *shape_kw = NULL;
    if (method_kwargs("reshape", args, n, kw, &order, &shape_kw) < 0) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    if (shape_kw && n == 0) {
        if (pynumc_parse_shape(shape_kw, shape, &nd) < 0) return NULL;
    } else if (n == 0) {
        PyErr_SetString(PyExc_TypeError, "reshape() missing required argument 'shape' (pos 1)");
        return NULL;
    } else if (shape_from_varargs(args, n, shape, &nd) < 0) {
        return NULL;
    }
    return pynumc_wrap(numc_reshape(ARR(self), nd, shape));
}

static PyObject *meth_transpose(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    if (kw && PyTuple_GET_SIZE(kw)) {
        PyErr_SetString(PyExc_TypeError, "transpose() takes no keyword arguments");
        return NULL;
    }
    if (n == 0 || (n == 1 && args[0] == Py_None))
        return pynumc_wrap(numc_transpose(ARR(self), NULL, 0));
    int64_t perm[NUMC_MAX_DIMS];
    int np;
    if (shape_from_varargs(args, n, perm, &np) < 0) return NULL;
    return pynumc_wrap(numc_transpose(ARR(self), perm, np));
}

static PyObject *meth_ravel(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    PyObject *order = n ? args[0] : NULL;
    if (n > 1) {
        PyErr_SetString(PyExc_TypeError, "ravel() takes at most 1 argument");
        return NULL;
    }
    if (method_kwargs("ravel", args, n, kw, &order, NULL) < 0) return NULL;
    return pynumc_wrap(numc_ravel(ARR(self)));
}

static PyObject *meth_copy(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    PyObject *order = n ? args[0] : NULL;
    if (method_kwargs("copy", args, n, kw, &order, NULL) < 0) return NULL;
    return pynumc_wrap(numc_copy(ARR(self)));
}

static PyObject *meth_flatten(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    PyObject *order = n ? args[0] : NULL;
    if (method_kwargs("flatten", args, n, kw, &order, NULL) < 0) return NULL;
    return pynumc_wrap(numc_ravel(ARR(self)));
}

static PyObject *meth_tolist(PyObject *self, PyObject *unused) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "tolist", NULL);
    if (numc_array_ndim(a) == 0) return pynumc_item(a, 0);
    return pynumc_tolist(a);
}

static PyObject *meth_item(PyObject *self, PyObject *args) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "item", NULL);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n == 1 && PyTuple_Check(PyTuple_GET_ITEM(args, 0)))
        return meth_item(self, PyTuple_GET_ITEM(args, 0));
    int64_t idx[NUMC_MAX_DIMS], flat;
    for (Py_ssize_t i = 0; i < n && i < NUMC_MAX_DIMS; i++)
        if (pynumc_parse_int(PyTuple_GET_ITEM(args, i), &idx[i]) < 0) return NULL;
    if (numc_item_index(a, (int)n, idx, &flat) != NUMC_OK) return pynumc_raise();
    return pynumc_item(a, flat);
}

static PyObject *meth_fill(PyObject *self, PyObject *value) {
    numc_array *a = ARR(self);
    numc_array *v = pynumc_asarray(value, numc_array_dtype(a));
    if (!v) return NULL;
    numc_array *r = numc_full_like(a, v, numc_array_dtype(a));
    numc_array_release(v);
    if (!r) return pynumc_raise();
    numc_array_release(a);
    ARR(self) = r;
    Py_RETURN_NONE;
}

static PyObject *meth_to_device(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "to_device() missing required argument 'device'");
        return NULL;
    }
    if (pynumc_check_device(args[0], numc_array_device(ARR(self))) < 0) return NULL;
    return Py_NewRef(self);
}

static PyObject *meth_array_namespace(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"api_version", NULL};
    PyObject *ver = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$O:__array_namespace__", kwlist, &ver))
        return NULL;
    if (ver != Py_None) {
        const char *v = PyUnicode_Check(ver) ? PyUnicode_AsUTF8(ver) : NULL;
        if (!v || (strcmp(v, "2021.12") && strcmp(v, "2022.12") && strcmp(v, "2023.12") &&
                   strcmp(v, "2024.12"))) {
            PyErr_Format(PyExc_ValueError, "Unrecognized array API version: %R", ver);
            return NULL;
        }
    }
    return PyImport_ImportModule("numc");
}

static PyObject *meth_copy_self(PyObject *self, PyObject *args) {
    return pynumc_wrap(numc_array_retain(ARR(self)));
}

static PyObject *meth_format(PyObject *self, PyObject *spec) {
    numc_array *a = ARR(self);
    if (numc_array_ndim(a) == 0 &&
        (numc_array_is_concrete(a) || !PyUnicode_Check(spec) || PyUnicode_GET_LENGTH(spec) != 0)) {
        TRACER_GUARD(a, "format", NULL);
        PyObject *v = pynumc_item(a, 0);
        if (!v) return NULL;
        PyObject *r = PyObject_Format(v, spec);
        Py_DECREF(v);
        return r;
    }
    if (PyUnicode_Check(spec) && PyUnicode_GET_LENGTH(spec) == 0) return PyObject_Str(self);
    PyErr_SetString(PyExc_TypeError, "unsupported format string passed to numc.ndarray.__format__");
    return NULL;
}

/* ---- conversion dunders ---- */

static int need_0d(numc_array *a) {
    if (numc_array_ndim(a) != 0) {
        PyErr_SetString(PyExc_TypeError,
                        "only 0-dimensional arrays can be converted to Python scalars");
        return -1;
    }
    return 0;
}

static PyObject *array_int(PyObject *self) {
    TRACER_GUARD(ARR(self), "int", NULL);
    if (need_0d(ARR(self)) < 0) return NULL;
    PyObject *v = pynumc_item(ARR(self), 0);
    if (!v) return NULL;
    PyObject *r = PyNumber_Long(v);
    Py_DECREF(v);
    return r;
}

static PyObject *array_float(PyObject *self) {
    TRACER_GUARD(ARR(self), "float", NULL);
    if (need_0d(ARR(self)) < 0) return NULL;
    PyObject *v = pynumc_item(ARR(self), 0);
    if (!v) return NULL;
    PyObject *r = PyNumber_Float(v);
    Py_DECREF(v);
    return r;
}

static PyObject *array_index(PyObject *self) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "operator.index", NULL);
    char k = numc_dtype_kind(numc_array_dtype(a));
    if (numc_array_ndim(a) != 0 || (k != 'i' && k != 'u')) {
        PyErr_SetString(PyExc_TypeError,
                        "only integer scalar arrays can be converted to a scalar index");
        return NULL;
    }
    return pynumc_item(a, 0);
}

static PyObject *meth_complex(PyObject *self, PyObject *unused) {
    TRACER_GUARD(ARR(self), "__complex__", NULL);
    if (need_0d(ARR(self)) < 0) return NULL;
    PyObject *v = pynumc_item(ARR(self), 0);
    if (!v) return NULL;
    Py_complex c;
    if (PyComplex_Check(v))
        c = PyComplex_AsCComplex(v);
    else {
        c.real = PyFloat_AsDouble(v);
        c.imag = 0;
    }
    Py_DECREF(v);
    if (PyErr_Occurred()) return NULL;
    return PyComplex_FromCComplex(c);
}

static int array_bool(PyObject *self) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "bool", -1);
    int64_t n = numc_array_size(a);
    if (n != 1) {
        PyErr_SetString(
            PyExc_ValueError,
            n == 0 ? "The truth value of an empty array is ambiguous. Use `array.size > 0` "
                     "to check that an array is not empty."
                   : "The truth value of an array with more than one element is "
                     "ambiguous. Use a.any() or a.all()");
        return -1;
    }
    PyObject *v = pynumc_item(a, 0);
    if (!v) return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

static PyObject *array_repr(PyObject *self) {
    if (NUMC_UNLIKELY(!numc_array_is_concrete(ARR(self)))) {
        PyObject *t = tracer_repr(ARR(self));
        if (t || PyErr_Occurred()) return t;
    }
    char *s = numc_array_repr(ARR(self));
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

static PyObject *array_str(PyObject *self) {
    if (NUMC_UNLIKELY(!numc_array_is_concrete(ARR(self)))) {
        PyObject *t = tracer_repr(ARR(self));
        if (t || PyErr_Occurred()) return t;
    }
    char *s = numc_array_str(ARR(self));
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

/* ---- len, in ---- */

static Py_ssize_t array_len(PyObject *self) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "len", -1);
    if (numc_array_ndim(a) == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of unsized object");
        return -1;
    }
    return (Py_ssize_t)numc_array_shape(a)[0];
}

static int array_contains(PyObject *self, PyObject *value) {
    numc_array *v = pynumc_from_object(value, NUMC_DTYPE_NONE);
    if (!v) return -1;
    numc_array *eq = numc_equal(ARR(self), v);
    numc_array_release(v);
    if (!eq) return pynumc_raise(), -1;
    numc_array *any = numc_any(eq, NULL, 0, false, NUMC_DTYPE_NONE);
    numc_array_release(eq);
    if (!any) return pynumc_raise(), -1;
    if (NUMC_UNLIKELY(!numc_array_is_concrete(any))) {
        tracer_error(any, "bool");
        numc_array_release(any);
        return -1;
    }
    PyObject *r = pynumc_item(any, 0);
    numc_array_release(any);
    if (!r) return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

static PySequenceMethods array_as_sequence = {
    .sq_length = array_len,
    .sq_contains = array_contains,
};
/* ---- the type ---- */

static PyMethodDef array_methods[] = {
    {"reshape", PYNUMC_FN(meth_reshape), PYNUMC_FASTKW, "a.reshape(shape, order='C')"},
    {"transpose", PYNUMC_FN(meth_transpose), PYNUMC_FASTKW, "a.transpose(*axes)"},
    {"ravel", PYNUMC_FN(meth_ravel), PYNUMC_FASTKW, "a.ravel(order='C')"},
    {"flatten", PYNUMC_FN(meth_flatten), PYNUMC_FASTKW, "a.flatten(order='C')"},
    {"copy", PYNUMC_FN(meth_copy), PYNUMC_FASTKW, "a.copy(order='C')"},
    {"tolist", meth_tolist, METH_NOARGS, "The array as nested lists of Python scalars."},
    {"item", meth_item, METH_VARARGS, "a.item(*args): one element as a Python scalar."},
    {"fill", meth_fill, METH_O, "a.fill(value): rebinds a to an array full of value."},
    {"to_device", PYNUMC_FN(meth_to_device), PYNUMC_FASTKW,
     "a.to_device(device, /, *, stream=None)"},
    {"__array_namespace__", PYNUMC_FN(meth_array_namespace), METH_VARARGS | METH_KEYWORDS, NULL},
    {"__complex__", meth_complex, METH_NOARGS, NULL},
    {"__copy__", meth_copy_self, METH_NOARGS, NULL},
    {"__deepcopy__", meth_copy_self, METH_O, NULL},
    {"__format__", meth_format, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

/* Conversion dunders for the number protocol, which operators.c owns;
 * arrayslots.c merges them in. */
PyNumberMethods pynumc_array_dunders = {
    .nb_bool = array_bool,
    .nb_int = array_int,
    .nb_float = array_float,
    .nb_index = array_index,
};

int pynumc_init_ndarray(PyObject *m) {
    NumcArray_Type.tp_new = array_new;
    NumcArray_Type.tp_repr = array_repr;
    NumcArray_Type.tp_str = array_str;
    NumcArray_Type.tp_as_sequence = &array_as_sequence;
    NumcArray_Type.tp_methods = array_methods;
    NumcArray_Type.tp_getset = array_getset;
    return 0;
}
