/* ndarray.c — the numc.ndarray type: the handle object (with a freelist),
 * attributes, methods (most forward to the spec table in functions.def),
 * conversion dunders, repr/str, iteration, the read-only buffer protocol,
 * __array__ (a zero-copy read-only NumPy view), DLPack export/import. The
 * number protocol and comparisons live in operators.c, indexing in index.c. */
#include "pynumc.h"

#include <dlpack/dlpack.h>

#include "backend/device.h"
#include "core/core-impl.h"

#define kDLBool_ 6 /* DLPack >= 0.8; the installed header is older */

/* ---- allocation ---- */

#define FREELIST_MAX 512
static void *freelist[FREELIST_MAX];
static int nfree;

/* Arrays reaching Python are never weak: `x = numc.asarray(1.0)` is a
 * float64 array, not a Python float. */
static numc_array *strengthen(numc_array *a) {
    if (NUMC_LIKELY(!(a->flags & NUMC_AF_WEAK))) return a;
    if (atomic_load(&a->refcount) == 1 || !a->buffer) {
        a->flags &= ~NUMC_AF_WEAK;
        return a;
    }
    numc_array *v = numc_array_view(a, a->ndim, a->shape, a->strides, a->offset);
    if (!v) return a;
    v->flags &= ~NUMC_AF_WEAK;
    numc_array_release(a);
    return v;
}

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
    o->arr = strengthen(a);
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
    o->arr = strengthen(a);
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

#define ARR(self) (((NumcArrayObject *)(self))->arr)

/* ---- tracers ----
 * A tracer (a value of numc.function's trace, of vmap, ...) has no buffer and
 * so no value to read. Python control flow on a live tracer must fail with a
 * TypeError naming numc.cond / while_loop / fori_loop / scan, and a leaked
 * tracer must say it leaked (numc_tracer_check words both). Every slot or
 * method that reads the value tests `buffer == NULL` first: one load on the
 * concrete fast path. */
#define TRACER_GUARD(a, what, fail)                                                                \
    do {                                                                                           \
        if (NUMC_UNLIKELY(!(a)->buffer)) {                                                         \
            tracer_error(a, what);                                                                 \
            return fail;                                                                           \
        }                                                                                          \
    } while (0)

__attribute__((cold, noinline)) static void tracer_error(const numc_array *a, const char *what) {
    if (numc_tracer_check(a, what) == NUMC_OK)
        numc_error_set(NUMC_ERR_TYPE, "%s() needs a concrete value", what);
    pynumc_raise();
}

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
    if (a->buffer && a->buffer->device && a->buffer->device->name)
        return PyUnicode_FromString(a->buffer->device->name);
    return PyUnicode_FromString("cpu:0");
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

/* ---- methods forwarding to the spec table ---- */

/* method name, spec function name */
#define PYNUMC_SPEC_METHODS(X)                                                                     \
    X(sum, "sum")                                                                                  \
    X(prod, "prod") X(max, "max") X(min, "min") X(mean, "mean") X(var, "var") X(std, "std")        \
        X(any, "any") X(all, "all") X(argmax, "argmax") X(argmin, "argmin") X(cumsum, "cumsum")    \
            X(cumprod, "cumprod") X(ptp, "ptp") X(clip, "clip") X(round, "round")                  \
                X(conj, "conjugate") X(conjugate, "conjugate") X(dot, "dot") X(astype, "astype")   \
                    X(squeeze, "squeeze") X(swapaxes, "swapaxes") X(nonzero, "nonzero")            \
                        X(repeat, "repeat") X(take, "take") X(sort, "_sort_method")                \
                            X(argsort, "argsort") X(diagonal, "diagonal") X(trace, "trace")        \
                                X(searchsorted, "searchsorted") X(compress, "compress")            \
                                    X(choose, "choose") X(cumulative_sum, "cumulative_sum")

#define X(m, s)                                                                                    \
    static int midx_##m = -1;                                                                      \
    static PyObject *meth_##m(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) { \
        return pynumc_call_spec(midx_##m, self, args, n, kw);                                      \
    }
PYNUMC_SPEC_METHODS(X)
#undef X

/* ---- hand-written methods ---- */

static int shape_from_varargs(PyObject *const *args, Py_ssize_t n, int64_t *shape, int *nd) {
    if (n == 1) return pynumc_parse_shape(args[0], shape, nd);
    if (n > NUMC_MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "maximum supported dimension for an ndarray is %d",
                     NUMC_MAX_DIMS);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (pynumc_parse_int(args[i], &shape[i]) < 0) return -1;
    *nd = (int)n;
    return 0;
}

static int check_order(PyObject *order) {
    if (!order || order == Py_None) return 0;
    if (PyUnicode_Check(order)) {
        const char *s = PyUnicode_AsUTF8(order);
        if (s && (!strcmp(s, "C") || !strcmp(s, "K") || !strcmp(s, "A"))) return 0;
        if (s && !strcmp(s, "F")) {
            PyErr_SetString(PyExc_NotImplementedError,
                            "numc arrays are C-ordered: order='F' is not supported");
            return -1;
        }
    }
    PyErr_SetString(PyExc_ValueError, "order must be one of 'C', 'F', 'A', or 'K'");
    return -1;
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
    return check_order(*order);
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
    int64_t size = numc_array_size(a);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n == 0) {
        if (size != 1) {
            PyErr_SetString(PyExc_ValueError,
                            "can only convert an array of size 1 to a Python scalar");
            return NULL;
        }
        return pynumc_item(a, 0);
    }
    int64_t flat;
    if (n == 1) {
        PyObject *arg = PyTuple_GET_ITEM(args, 0);
        if (PyTuple_Check(arg)) return meth_item(self, arg);
        if (pynumc_parse_int(arg, &flat) < 0) return NULL;
        if (flat < 0) flat += size;
        if (flat < 0 || flat >= size) {
            PyErr_SetString(PyExc_IndexError, "index out of bounds");
            return NULL;
        }
        return pynumc_item(a, flat);
    }
    int nd = numc_array_ndim(a);
    if (n != nd) {
        PyErr_SetString(PyExc_ValueError, "incorrect number of indices for array");
        return NULL;
    }
    const int64_t *shape = numc_array_shape(a);
    flat = 0;
    for (int i = 0; i < nd; i++) {
        int64_t v;
        if (pynumc_parse_int(PyTuple_GET_ITEM(args, i), &v) < 0) return NULL;
        if (v < 0) v += shape[i];
        if (v < 0 || v >= shape[i]) {
            PyErr_SetString(PyExc_IndexError, "index out of bounds");
            return NULL;
        }
        flat = flat * shape[i] + v;
    }
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

static int parse_device(PyObject *device) {
    if (device == Py_None) return 0;
    const char *s = PyUnicode_Check(device) ? PyUnicode_AsUTF8(device) : NULL;
    if (s && (!strcmp(s, "cpu") || !strcmp(s, "cpu:0"))) return 0;
    PyObject *r = PyObject_Str(device);
    if (!r) return -1;
    PyErr_Format(PyExc_ValueError,
                 "numc: unsupported device %R (this build places arrays on cpu:0)", r);
    Py_DECREF(r);
    return -1;
}

static PyObject *meth_to_device(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "to_device() missing required argument 'device'");
        return NULL;
    }
    if (parse_device(args[0]) < 0) return NULL;
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
        (a->buffer || !PyUnicode_Check(spec) || PyUnicode_GET_LENGTH(spec) != 0)) {
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

static PyObject *meth_reduce(PyObject *self, PyObject *unused) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "pickle", NULL);
    void *host = pynumc_host_copy(a);
    if (!host) return NULL;
    PyObject *bytes = PyBytes_FromStringAndSize(
        host, numc_array_size(a) * (Py_ssize_t)numc_dtype_itemsize(numc_array_dtype(a)));
    free(host);
    PyObject *shape = shape_tuple(a);
    PyObject *fn = PyObject_GetAttrString(numc_module, "_reconstruct");
    PyObject *r = NULL;
    if (bytes && shape && fn)
        r = Py_BuildValue("O(OsO)", fn, bytes, numc_dtype_name(numc_array_dtype(a)), shape);
    Py_XDECREF(bytes);
    Py_XDECREF(shape);
    Py_XDECREF(fn);
    return r;
}

static PyObject *py_reconstruct(PyObject *m, PyObject *args) {
    Py_buffer data;
    const char *dtname;
    PyObject *shape_obj;
    if (!PyArg_ParseTuple(args, "y*sO:_reconstruct", &data, &dtname, &shape_obj)) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt = numc_dtype_from_name(dtname);
    PyObject *r = NULL;
    if (dt == NUMC_DTYPE_NONE)
        PyErr_Format(PyExc_ValueError, "unknown dtype %s", dtname);
    else if (pynumc_parse_shape(shape_obj, shape, &nd) == 0)
        r = pynumc_wrap(numc_array_from_data(dt, nd, shape, data.buf));
    PyBuffer_Release(&data);
    return r;
}

/* ---- exporting memory: buffer protocol, __array__, DLPack ---- */

/* What an export keeps alive: the value and, when the value is not a plain
 * host array in the needed layout, a host copy. */
typedef struct {
    numc_array *arr;
    void *host; /* malloc'ed C-order copy, or NULL */
    Py_ssize_t shape[NUMC_MAX_DIMS];
    Py_ssize_t strides[NUMC_MAX_DIMS];
    int64_t dl_shape[NUMC_MAX_DIMS];
    int64_t dl_strides[NUMC_MAX_DIMS];
    DLManagedTensor dl;
} export_rec;

static void export_free(export_rec *e) {
    if (!e) return;
    numc_array_release(e->arr);
    free(e->host);
    PyMem_RawFree(e);
}

static const char *buffer_format(numc_dtype dt, int raw_bf16) {
    switch (dt) {
    case NUMC_BOOL:
        return "?";
    case NUMC_INT8:
        return "b";
    case NUMC_INT16:
        return "h";
    case NUMC_INT32:
        return "i";
    case NUMC_INT64:
        return "q";
    case NUMC_UINT8:
        return "B";
    case NUMC_UINT16:
        return "H";
    case NUMC_UINT32:
        return "I";
    case NUMC_UINT64:
        return "Q";
    case NUMC_FLOAT16:
        return "e";
    case NUMC_BFLOAT16:
        return raw_bf16 ? "H" : NULL;
    case NUMC_FLOAT32:
        return "f";
    case NUMC_FLOAT64:
        return "d";
    case NUMC_COMPLEX64:
        return "Zf";
    case NUMC_COMPLEX128:
        return "Zd";
    default:
        return NULL;
    }
}

static export_rec *export_new(numc_array *a) {
    export_rec *e = PyMem_RawCalloc(1, sizeof *e);
    if (!e) return (export_rec *)PyErr_NoMemory();
    e->arr = numc_array_retain(a);
    return e;
}

/* Host layout of an export: a pointer plus element strides; makes a C-order
 * host copy when the value is not on the host or `contig` is asked for and
 * the layout is not C-contiguous. Direct exports mark the buffer exported. */
static const char *export_layout(export_rec *e, int contig, int64_t *elem_strides) {
    numc_array *a = e->arr;
    int nd = numc_array_ndim(a);
    const char *data = numc_array_data(a);
    if (!data || (contig && !numc_array_is_contiguous(a))) {
        e->host = pynumc_host_copy(a);
        if (!e->host) return NULL;
        numc_contig_strides(nd, numc_array_shape(a), elem_strides);
        return e->host;
    }
    memcpy(elem_strides, numc_array_strides(a), (size_t)nd * sizeof(int64_t));
    numc_array_mark_exported(a);
    return data;
}

static int fill_buffer(PyObject *owner, numc_array *a, Py_buffer *view, int flags, int raw_bf16) {
    if (flags & PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError,
                        "numc arrays are immutable values: only read-only buffers can be exported");
        return -1;
    }
    numc_dtype dt = numc_array_dtype(a);
    const char *fmt = buffer_format(dt, raw_bf16);
    if (!fmt) {
        PyErr_SetString(PyExc_BufferError,
                        "bfloat16 has no buffer-protocol format; use numpy.asarray(a) (ml_dtypes)");
        return -1;
    }
    int want_strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES;
    int need_contig = !want_strides || (flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS ||
                      (flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS ||
                      (flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS;
    int nd = numc_array_ndim(a);
    if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && nd > 1) {
        int trivial = 0;
        for (int i = 0; i < nd; i++)
            trivial += numc_array_shape(a)[i] > 1;
        if (trivial > 1) {
            PyErr_SetString(PyExc_BufferError, "numc arrays are C-ordered");
            return -1;
        }
    }
    export_rec *e = export_new(a);
    if (!e) return -1;
    int64_t es[NUMC_MAX_DIMS];
    const char *data = export_layout(e, need_contig, es);
    if (!data) {
        export_free(e);
        return -1;
    }
    Py_ssize_t isz = (Py_ssize_t)numc_dtype_itemsize(dt);
    for (int i = 0; i < nd; i++) {
        e->shape[i] = (Py_ssize_t)numc_array_shape(a)[i];
        e->strides[i] = (Py_ssize_t)es[i] * isz;
    }
    view->buf = (void *)data;
    view->obj = Py_NewRef(owner);
    view->len = (Py_ssize_t)numc_array_size(a) * isz;
    view->readonly = 1;
    view->itemsize = isz;
    view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ? (char *)fmt : NULL;
    view->ndim = nd;
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? e->shape : NULL;
    view->strides = want_strides ? e->strides : NULL;
    view->suboffsets = NULL;
    view->internal = e;
    return 0;
}

static int array_getbuffer(PyObject *self, Py_buffer *view, int flags) {
    view->obj = NULL;
    TRACER_GUARD(ARR(self), "memoryview", -1);
    if (fill_buffer(self, ARR(self), view, flags, 0) < 0) {
        view->obj = NULL;
        return -1;
    }
    ((NumcArrayObject *)self)->exports++;
    return 0;
}

static void array_releasebuffer(PyObject *self, Py_buffer *view) {
    export_free(view->internal);
    ((NumcArrayObject *)self)->exports--;
}

static PyBufferProcs array_as_buffer = {array_getbuffer, array_releasebuffer};

/* The owner object behind __array__: holds one value and exports it, with
 * bfloat16 as raw uint16 so NumPy can view it as ml_dtypes.bfloat16. */
typedef struct {
    PyObject_HEAD numc_array *arr;
} ExportObject;

static void export_dealloc(PyObject *self) {
    numc_array_release(((ExportObject *)self)->arr);
    PyObject_Free(self);
}

static int export_getbuffer(PyObject *self, Py_buffer *view, int flags) {
    if (fill_buffer(self, ((ExportObject *)self)->arr, view, flags, 1) < 0) {
        view->obj = NULL;
        return -1;
    }
    return 0;
}

static void export_releasebuffer(PyObject *self, Py_buffer *view) {
    export_free(view->internal);
}

static PyBufferProcs export_as_buffer = {export_getbuffer, export_releasebuffer};

static PyTypeObject Export_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc._Export",
    .tp_basicsize = sizeof(ExportObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keeps a numc value alive under a NumPy view of it.",
    .tp_dealloc = export_dealloc,
    .tp_as_buffer = &export_as_buffer,
};

static PyObject *meth_array(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) {
    PyObject *dtype = n > 0 ? args[0] : Py_None, *copy = n > 1 ? args[1] : Py_None;
    if (kw) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kw); i++) {
            PyObject *k = PyTuple_GET_ITEM(kw, i);
            if (!PyUnicode_CompareWithASCIIString(k, "dtype"))
                dtype = args[n + i];
            else if (!PyUnicode_CompareWithASCIIString(k, "copy"))
                copy = args[n + i];
            else {
                PyErr_Format(PyExc_TypeError, "__array__() got an unexpected keyword argument '%U'",
                             k);
                return NULL;
            }
        }
    }
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "__array__", NULL);
    PyObject *np = pynumc_numpy();
    if (!np) return NULL;
    numc_dtype dt = numc_array_dtype(a);
    if (copy == Py_False && !numc_array_data(a)) {
        PyErr_SetString(PyExc_ValueError,
                        "Unable to avoid copy while creating an array as requested.");
        return NULL;
    }
    ExportObject *owner = PyObject_New(ExportObject, &Export_Type);
    if (!owner) return NULL;
    owner->arr = numc_array_retain(a);
    PyObject *res = PyObject_CallMethod(np, "asarray", "O", (PyObject *)owner);
    Py_DECREF(owner);
    if (res && dt == NUMC_BFLOAT16) {
        PyObject *bf = pynumc_bfloat16_type();
        PyObject *v = bf ? PyObject_CallMethod(res, "view", "O", bf) : NULL;
        Py_DECREF(res);
        res = v;
    }
    if (res && dtype != Py_None) {
        PyObject *v = PyObject_CallMethod(res, "astype", "O", dtype);
        Py_DECREF(res);
        res = v;
    } else if (res && copy == Py_True) {
        PyObject *v = PyObject_CallMethod(res, "copy", NULL);
        Py_DECREF(res);
        res = v;
    }
    return res;
}

/* DLPack: the capsule owns an export record until a consumer takes it. */
static void dl_deleter(DLManagedTensor *t) {
    export_free(t->manager_ctx);
}

static void dl_capsule_destructor(PyObject *cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
        DLManagedTensor *t = PyCapsule_GetPointer(cap, "dltensor");
        if (t && t->deleter) t->deleter(t);
    }
}

static DLDataType dl_dtype(numc_dtype dt) {
    DLDataType d;
    d.lanes = 1;
    d.bits = (uint8_t)(numc_dtype_itemsize(dt) * 8);
    switch (numc_dtype_kind(dt)) {
    case 'b':
        d.code = kDLBool_;
        break;
    case 'i':
        d.code = kDLInt;
        break;
    case 'u':
        d.code = kDLUInt;
        break;
    case 'c':
        d.code = kDLComplex;
        break;
    default:
        d.code = dt == NUMC_BFLOAT16 ? kDLBfloat : kDLFloat;
        break;
    }
    return d;
}

static PyObject *meth_dlpack(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *stream = Py_None, *maxv = Py_None, *dev = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOO:__dlpack__", kwlist, &stream, &maxv, &dev,
                                     &copy))
        return NULL;
    if (stream != Py_None) {
        PyErr_SetString(PyExc_ValueError, "stream must be None for CPU arrays");
        return NULL;
    }
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "__dlpack__", NULL);
    export_rec *e = export_new(a);
    if (!e) return NULL;
    int64_t es[NUMC_MAX_DIMS];
    const char *data = export_layout(e, copy == Py_True, es);
    if (!data) {
        export_free(e);
        return NULL;
    }
    if (copy == Py_True && !e->host) {
        e->host = pynumc_host_copy(a);
        if (!e->host) {
            export_free(e);
            return NULL;
        }
        data = e->host;
        numc_contig_strides(numc_array_ndim(a), numc_array_shape(a), es);
    }
    int nd = numc_array_ndim(a);
    for (int i = 0; i < nd; i++) {
        e->dl_shape[i] = numc_array_shape(a)[i];
        e->dl_strides[i] = es[i];
    }
    DLTensor *t = &e->dl.dl_tensor;
    t->data = (void *)data;
    t->device.device_type = kDLCPU;
    t->device.device_id = 0;
    t->ndim = nd;
    t->dtype = dl_dtype(numc_array_dtype(a));
    t->shape = e->dl_shape;
    t->strides = e->dl_strides;
    t->byte_offset = 0;
    e->dl.manager_ctx = e;
    e->dl.deleter = dl_deleter;
    PyObject *cap = PyCapsule_New(&e->dl, "dltensor", dl_capsule_destructor);
    if (!cap) export_free(e);
    return cap;
}

static PyObject *meth_dlpack_device(PyObject *self, PyObject *unused) {
    return Py_BuildValue("(ii)", kDLCPU, 0);
}

static numc_dtype dtype_from_dl(DLDataType d) {
    if (d.lanes != 1) return NUMC_DTYPE_NONE;
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++) {
        DLDataType o = dl_dtype((numc_dtype)i);
        if (o.code == d.code && o.bits == d.bits) return (numc_dtype)i;
    }
    if (d.code == kDLUInt && d.bits == 8) return NUMC_UINT8;
    return NUMC_DTYPE_NONE;
}

static PyObject *py_from_dlpack(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"x", "device", "copy", NULL};
    PyObject *x, *device = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$OO:from_dlpack", kwlist, &x, &device, &copy))
        return NULL;
    if (NumcArray_Check(x)) return pynumc_wrap(numc_array_retain(ARR(x)));
    PyObject *cap = PyObject_CallMethod(x, "__dlpack__", NULL);
    if (!cap) return NULL;
    DLManagedTensor *t = PyCapsule_GetPointer(cap, "dltensor");
    if (!t) {
        Py_DECREF(cap);
        return NULL;
    }
    DLTensor *dl = &t->dl_tensor;
    PyObject *res = NULL;
    numc_dtype dt = dtype_from_dl(dl->dtype);
    if (dl->device.device_type != kDLCPU && dl->device.device_type != kDLCUDAHost) {
        PyErr_SetString(PyExc_BufferError, "from_dlpack: only CPU tensors can be imported");
    } else if (dt == NUMC_DTYPE_NONE) {
        PyErr_SetString(PyExc_BufferError, "from_dlpack: unsupported dtype");
    } else if (dl->ndim > NUMC_MAX_DIMS) {
        PyErr_SetString(PyExc_BufferError, "from_dlpack: too many dimensions");
    } else {
        int64_t bs[NUMC_MAX_DIMS], cs[NUMC_MAX_DIMS];
        int64_t isz = (int64_t)numc_dtype_itemsize(dt);
        numc_contig_strides(dl->ndim, dl->shape, cs);
        for (int i = 0; i < dl->ndim; i++)
            bs[i] = (dl->strides ? dl->strides[i] : cs[i]) * isz;
        /* values are immutable: the foreign memory is copied once */
        res = pynumc_wrap(numc_array_from_strided(dt, dl->ndim, dl->shape, bs,
                                                  (const char *)dl->data + dl->byte_offset));
    }
    if (t->deleter) t->deleter(t);
    PyCapsule_SetName(cap, "used_dltensor");
    Py_DECREF(cap);
    return res;
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
    if (NUMC_UNLIKELY(!ARR(self)->buffer)) {
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
    if (NUMC_UNLIKELY(!ARR(self)->buffer)) {
        PyObject *t = tracer_repr(ARR(self));
        if (t || PyErr_Occurred()) return t;
    }
    char *s = numc_array_str(ARR(self));
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

/* ---- sequence / mapping ---- */

static Py_ssize_t array_len(PyObject *self) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "len", -1);
    if (numc_array_ndim(a) == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of unsized object");
        return -1;
    }
    return (Py_ssize_t)numc_array_shape(a)[0];
}

static PyObject *array_subscript(PyObject *self, PyObject *key) {
    numc_array *r = pynumc_getitem(ARR(self), key);
    if (!r) return NULL;
    return pynumc_wrap(r);
}

static int array_ass_subscript(PyObject *self, PyObject *key, PyObject *value) {
    if (!value) {
        PyErr_SetString(PyExc_ValueError, "cannot delete array elements");
        return -1;
    }
    return pynumc_setitem(&ARR(self), key, value);
}

static PyObject *array_item(PyObject *self, Py_ssize_t i) {
    PyObject *key = PyLong_FromSsize_t(i);
    if (!key) return NULL;
    PyObject *r = array_subscript(self, key);
    Py_DECREF(key);
    return r;
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
    if (NUMC_UNLIKELY(!any->buffer)) {
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

static PyMappingMethods array_as_mapping = {array_len, array_subscript, array_ass_subscript};
static PySequenceMethods array_as_sequence = {
    .sq_length = array_len,
    .sq_item = array_item,
    .sq_contains = array_contains,
};

/* Iteration walks a snapshot of the value, so rebinding during a loop does
 * not change what the loop sees. */
typedef struct {
    PyObject_HEAD numc_array *arr;
    int64_t i, n;
} IterObject;

static void iter_dealloc(PyObject *self) {
    numc_array_release(((IterObject *)self)->arr);
    PyObject_Free(self);
}

static PyObject *iter_next(PyObject *self) {
    IterObject *it = (IterObject *)self;
    if (it->i >= it->n) return NULL;
    PyObject *key = PyLong_FromLongLong(it->i++);
    if (!key) return NULL;
    numc_array *r = pynumc_getitem(it->arr, key);
    Py_DECREF(key);
    return r ? pynumc_wrap(r) : NULL;
}

static PyObject *iter_length_hint(PyObject *self, PyObject *unused) {
    IterObject *it = (IterObject *)self;
    return PyLong_FromLongLong(it->n - it->i);
}

static PyMethodDef iter_methods[] = {
    {"__length_hint__", iter_length_hint, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Iter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc.ndarray_iterator",
    .tp_basicsize = sizeof(IterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = iter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = iter_next,
    .tp_methods = iter_methods,
};

static PyObject *array_iter(PyObject *self) {
    numc_array *a = ARR(self);
    TRACER_GUARD(a, "iter", NULL);
    if (numc_array_ndim(a) == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d array");
        return NULL;
    }
    IterObject *it = PyObject_New(IterObject, &Iter_Type);
    if (!it) return NULL;
    it->arr = numc_array_retain(a);
    it->i = 0;
    it->n = numc_array_shape(a)[0];
    return (PyObject *)it;
}

/* ---- the type ---- */

#define FASTKW (METH_FASTCALL | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef array_methods[] = {
#define X(m, s) {#m, FN(meth_##m), FASTKW, NULL},
    PYNUMC_SPEC_METHODS(X)
#undef X
        {"reshape", FN(meth_reshape), FASTKW, "a.reshape(shape, order='C')"},
    {"transpose", FN(meth_transpose), FASTKW, "a.transpose(*axes)"},
    {"ravel", FN(meth_ravel), FASTKW, "a.ravel(order='C')"},
    {"flatten", FN(meth_flatten), FASTKW, "a.flatten(order='C')"},
    {"copy", FN(meth_copy), FASTKW, "a.copy(order='C')"},
    {"tolist", meth_tolist, METH_NOARGS, "The array as nested lists of Python scalars."},
    {"item", meth_item, METH_VARARGS, "a.item(*args): one element as a Python scalar."},
    {"fill", meth_fill, METH_O, "a.fill(value): rebinds a to an array full of value."},
    {"to_device", FN(meth_to_device), FASTKW, "a.to_device(device, /, *, stream=None)"},
    {"__array__", FN(meth_array), FASTKW, "A read-only NumPy view of the array."},
    {"__array_namespace__", FN(meth_array_namespace), METH_VARARGS | METH_KEYWORDS, NULL},
    {"__dlpack__", FN(meth_dlpack), METH_VARARGS | METH_KEYWORDS, NULL},
    {"__dlpack_device__", meth_dlpack_device, METH_NOARGS, NULL},
    {"__complex__", meth_complex, METH_NOARGS, NULL},
    {"__copy__", meth_copy_self, METH_NOARGS, NULL},
    {"__deepcopy__", meth_copy_self, METH_O, NULL},
    {"__format__", meth_format, METH_O, NULL},
    {"__reduce__", meth_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

extern PyNumberMethods pynumc_as_number;
PyObject *pynumc_richcompare(PyObject *a, PyObject *b, int op);

PyTypeObject NumcArray_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.ndarray",
    .tp_basicsize = sizeof(NumcArrayObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "ndarray(shape, dtype=float): an immutable numc value behind a mutable handle.",
    .tp_new = array_new,
    .tp_dealloc = array_dealloc,
    .tp_repr = array_repr,
    .tp_str = array_str,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_as_number = &pynumc_as_number,
    .tp_as_sequence = &array_as_sequence,
    .tp_as_mapping = &array_as_mapping,
    .tp_as_buffer = &array_as_buffer,
    .tp_richcompare = pynumc_richcompare,
    .tp_iter = array_iter,
    .tp_weaklistoffset = offsetof(NumcArrayObject, weakreflist),
    .tp_methods = array_methods,
    .tp_getset = array_getset,
};

static PyMethodDef ndarray_module_functions[] = {
    {"from_dlpack", FN(py_from_dlpack), METH_VARARGS | METH_KEYWORDS,
     "from_dlpack(x, /, *, device=None, copy=None): a numc array from a DLPack producer."},
    {"_reconstruct", py_reconstruct, METH_VARARGS, "Unpickling helper."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_ndarray(PyObject *m) {
    NumcArray_Type.tp_as_number->nb_bool = array_bool;
    NumcArray_Type.tp_as_number->nb_int = array_int;
    NumcArray_Type.tp_as_number->nb_float = array_float;
    NumcArray_Type.tp_as_number->nb_index = array_index;
    if (PyType_Ready(&NumcArray_Type) < 0 || PyType_Ready(&Iter_Type) < 0 ||
        PyType_Ready(&Export_Type) < 0)
        return -1;
    /* NumPy defers binary operators to us (np_array + numc_array -> numc) */
    PyObject *prio = PyFloat_FromDouble(1000.0);
    if (!prio || PyDict_SetItemString(NumcArray_Type.tp_dict, "__array_priority__", prio) < 0 ||
        PyDict_SetItemString(NumcArray_Type.tp_dict, "__array_ufunc__", Py_None) < 0) {
        Py_XDECREF(prio);
        return -1;
    }
    Py_DECREF(prio);
    PyType_Modified(&NumcArray_Type);
    if (PyModule_AddObjectRef(m, "ndarray", (PyObject *)&NumcArray_Type) < 0) return -1;
    if (PyModule_AddFunctions(m, ndarray_module_functions) < 0) return -1;
    return 0;
}

/* Method indices are resolved once the spec table is compiled. */
int pynumc_init_ndarray_methods(void) {
    int removed = 0;
#define X(m, s)                                                                                    \
    midx_##m = pynumc_spec_index(s);                                                               \
    if (midx_##m < 0) {                                                                            \
        if (PyDict_DelItemString(NumcArray_Type.tp_dict, #m) < 0) return -1;                       \
        removed = 1;                                                                               \
    }
    PYNUMC_SPEC_METHODS(X)
#undef X
    if (removed) PyType_Modified(&NumcArray_Type);
    return 0;
}
