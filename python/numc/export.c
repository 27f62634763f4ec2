/* export.c — lending an ndarray's memory to other libraries: the read-only
 * buffer protocol, __array__ (a zero-copy read-only NumPy view through an
 * owner object) and DLPack export and import (from_dlpack). Installed into
 * the ndarray type at init (the buffer slots before the type is readied,
 * the methods after), pickling (__reduce_ex__ with protocol 5's out-of-band
 * buffers). The DLPack structures and rules are numc.h's
 * numc_to_dlpack / numc_from_dlpack; this file wraps them in capsules. */
#include "pynumc.h"

#include "numc-dlpack.h"

/* What an export keeps alive: the value and, when the value is not a plain
 * host array in the needed layout, a host copy. */
typedef struct {
    numc_array *arr;
    void *host; /* malloc'ed C-order copy, or NULL */
    Py_ssize_t shape[NUMC_MAX_DIMS];
    Py_ssize_t strides[NUMC_MAX_DIMS];
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
    PYNUMC_TRACER_GUARD(NumcArray_ARR(self), "memoryview", -1);
    if (fill_buffer(self, NumcArray_ARR(self), view, flags, 0) < 0) {
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
    int c_order; /* export a C-order (host) copy when the value is strided */
} ExportObject;

static void export_dealloc(PyObject *self) {
    numc_array_release(((ExportObject *)self)->arr);
    PyObject_Free(self);
}

static int export_getbuffer(PyObject *self, Py_buffer *view, int flags) {
    ExportObject *o = (ExportObject *)self;
    if (o->c_order) flags |= PyBUF_C_CONTIGUOUS;
    if (fill_buffer(self, o->arr, view, flags, 1) < 0) {
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
    numc_array *a = NumcArray_ARR(self);
    PYNUMC_TRACER_GUARD(a, "__array__", NULL);
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
    owner->c_order = 0;
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

/* ---- pickle ----
 * (numc._numc._reconstruct, (data, dtype name, shape)): protocol 5 passes the
 * C-order bytes as a PickleBuffer over an export object (so a pickler with a
 * buffer_callback sends them out of band, and an in-band pickle is written
 * straight from numc's memory); older protocols pass bytes. Unpickling views
 * read-only data (bytes, read-only out-of-band buffers) without a copy. */
static PyObject *reduce_value(numc_array *a, int protocol) {
    PYNUMC_TRACER_GUARD(a, "pickle", NULL);
    PyObject *data = NULL;
    if (protocol >= 5) {
        ExportObject *owner = PyObject_New(ExportObject, &Export_Type);
        if (!owner) return NULL;
        owner->arr = numc_array_retain(a);
        owner->c_order = 1;
        data = PyPickleBuffer_FromObject((PyObject *)owner);
        Py_DECREF(owner);
    } else {
        void *host = pynumc_host_copy(a);
        if (!host) return NULL;
        data = PyBytes_FromStringAndSize(
            host, numc_array_size(a) * (Py_ssize_t)numc_dtype_itemsize(numc_array_dtype(a)));
        free(host);
    }
    int nd = numc_array_ndim(a);
    PyObject *shape = data ? PyTuple_New(nd) : NULL;
    for (int i = 0; shape && i < nd; i++) {
        PyObject *d = PyLong_FromLongLong(numc_array_shape(a)[i]);
        if (!d)
            Py_CLEAR(shape);
        else
            PyTuple_SET_ITEM(shape, i, d);
    }
    PyObject *fn = shape ? PyObject_GetAttrString(numc_module, "_reconstruct") : NULL;
    PyObject *r = NULL;
    if (fn) r = Py_BuildValue("O(OsO)", fn, data, numc_dtype_name(numc_array_dtype(a)), shape);
    Py_XDECREF(data);
    Py_XDECREF(shape);
    Py_XDECREF(fn);
    return r;
}

static PyObject *meth_reduce(PyObject *self, PyObject *unused) {
    return reduce_value(NumcArray_ARR(self), 2);
}

static PyObject *meth_reduce_ex(PyObject *self, PyObject *protocol) {
    long p = PyLong_AsLong(protocol);
    if (p == -1 && PyErr_Occurred()) return NULL;
    return reduce_value(NumcArray_ARR(self), p > INT_MAX ? INT_MAX : (int)p);
}

/* Whether obj's buffer is memory nobody can write: bytes, or a numc value
 * (its export object or handle), also behind a memoryview or PickleBuffer.
 * A read-only memoryview alone proves nothing (pickle hands out-of-band
 * buffers to _reconstruct as read-only views of whatever the user passed). */
static int immutable_memory(PyObject *obj) {
    for (int depth = 0; depth < 4; depth++) {
        if (PyBytes_CheckExact(obj) || Py_IS_TYPE(obj, &Export_Type) || NumcArray_Check(obj))
            return 1;
        if (PyMemoryView_Check(obj)) {
            obj = PyMemoryView_GET_BUFFER(obj)->obj;
        } else if (PyObject_TypeCheck(obj, &PyPickleBuffer_Type)) {
            const Py_buffer *b = PyPickleBuffer_GetBuffer(obj);
            obj = b ? b->obj : NULL;
        } else {
            return 0;
        }
        if (!obj) return 0;
    }
    return 0;
}

static PyObject *py_reconstruct(PyObject *m, PyObject *args) {
    PyObject *data, *shape_obj;
    const char *dtname;
    if (!PyArg_ParseTuple(args, "OsO:_reconstruct", &data, &dtname, &shape_obj)) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt = numc_dtype_from_name(dtname);
    if (dt == NUMC_DTYPE_NONE) {
        PyErr_Format(PyExc_ValueError, "_reconstruct: unknown dtype %s", dtname);
        return NULL;
    }
    if (pynumc_parse_shape(shape_obj, shape, &nd) < 0) return NULL;
    numc_array *a = pynumc_from_raw(data, dt, nd, shape, immutable_memory(data));
    return a ? pynumc_wrap(a) : NULL;
}

/* DLPack (numc_to_dlpack, numc_from_dlpack in src/np): a capsule owns the
 * managed tensor until a consumer renames it "used_..." and takes it. */
static void dl_capsule_legacy(PyObject *cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
        DLManagedTensor *t = PyCapsule_GetPointer(cap, "dltensor");
        if (t && t->deleter) t->deleter(t);
    }
}

static void dl_capsule_versioned(PyObject *cap) {
    if (PyCapsule_IsValid(cap, "dltensor_versioned")) {
        DLManagedTensorVersioned *t = PyCapsule_GetPointer(cap, "dltensor_versioned");
        if (t && t->deleter) t->deleter(t);
    }
}

/* copy= (None, True, False) as numc_dlpack_copy; -2 with TypeError. */
static int parse_copy(PyObject *copy, const char *fn) {
    if (copy == Py_None) return NUMC_DLPACK_COPY_IF_NEEDED;
    if (copy == Py_True) return NUMC_DLPACK_COPY;
    if (copy == Py_False) return NUMC_DLPACK_NO_COPY;
    PyErr_Format(PyExc_TypeError, "%s: copy must be None, True or False", fn);
    return -2;
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
    int c = parse_copy(copy, "__dlpack__");
    if (c == -2) return NULL;
    long major = 0;
    if (maxv != Py_None) {
        if (!PyTuple_Check(maxv) || PyTuple_GET_SIZE(maxv) != 2) {
            PyErr_SetString(PyExc_TypeError,
                            "__dlpack__: max_version must be a (major, minor) tuple");
            return NULL;
        }
        major = PyLong_AsLong(PyTuple_GET_ITEM(maxv, 0));
        if (major == -1 && PyErr_Occurred()) return NULL;
    }
    if (dev != Py_None) {
        long type = -1, id = -1;
        if (PyTuple_Check(dev) && PyTuple_GET_SIZE(dev) == 2) {
            type = PyLong_AsLong(PyTuple_GET_ITEM(dev, 0));
            id = PyLong_AsLong(PyTuple_GET_ITEM(dev, 1));
            if (PyErr_Occurred()) return NULL;
        }
        if (type != kDLCPU || id != 0) {
            PyErr_Format(PyExc_BufferError,
                         "__dlpack__: cannot export to dl_device %R (the array is on the CPU, "
                         "(1, 0))",
                         dev);
            return NULL;
        }
    }
    PYNUMC_TRACER_GUARD(NumcArray_ARR(self), "__dlpack__", NULL);
    int versioned = major >= 1;
    void *t = numc_to_dlpack(NumcArray_ARR(self), versioned, (numc_dlpack_copy)c);
    if (!t) return pynumc_raise();
    PyObject *cap = versioned ? PyCapsule_New(t, "dltensor_versioned", dl_capsule_versioned)
                              : PyCapsule_New(t, "dltensor", dl_capsule_legacy);
    if (!cap) {
        if (versioned)
            ((DLManagedTensorVersioned *)t)->deleter(t);
        else
            ((DLManagedTensor *)t)->deleter(t);
    }
    return cap;
}

static PyObject *meth_dlpack_device(PyObject *self, PyObject *unused) {
    return Py_BuildValue("(ii)", kDLCPU, 0);
}

static PyObject *py_from_dlpack(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"x", "device", "copy", NULL};
    PyObject *x, *device = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$OO:from_dlpack", kwlist, &x, &device, &copy))
        return NULL;
    int c = parse_copy(copy, "from_dlpack");
    if (c == -2 || pynumc_check_device(device, numc_default_device()) < 0) return NULL;
    /* a numc value is immutable: copying it would change nothing observable */
    if (NumcArray_Check(x)) return pynumc_wrap(numc_array_retain(NumcArray_ARR(x)));
    return pynumc_wrap(pynumc_from_dlpack(x, (numc_dlpack_copy)c));
}

static PyMethodDef export_methods[] = {
    {"__array__", PYNUMC_FN(meth_array), PYNUMC_FASTKW, "A read-only NumPy view of the array."},
    {"__dlpack__", PYNUMC_FN(meth_dlpack), METH_VARARGS | METH_KEYWORDS, NULL},
    {"__dlpack_device__", meth_dlpack_device, METH_NOARGS, NULL},
    {"__reduce__", meth_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", meth_reduce_ex, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef export_module_functions[] = {
    {"from_dlpack", PYNUMC_FN(py_from_dlpack), METH_VARARGS | METH_KEYWORDS,
     "from_dlpack(x, /, *, device=None, copy=None): a numc array from a DLPack producer."},
    {"_reconstruct", py_reconstruct, METH_VARARGS, "Unpickling helper."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_export(PyObject *m) {
    NumcArray_Type.tp_as_buffer = &array_as_buffer;
    if (PyType_Ready(&Export_Type) < 0) return -1;
    return PyModule_AddFunctions(m, export_module_functions);
}

int pynumc_init_export_methods(void) {
    return pynumc_array_add_methods(export_methods);
}
