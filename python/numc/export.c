/* export.c — lending an ndarray's memory to other libraries: the read-only
 * buffer protocol, __array__ (a zero-copy read-only NumPy view through an
 * owner object) and DLPack export and import (from_dlpack). Installed into
 * the ndarray type at init (the buffer slots before the type is readied,
 * the methods after). */
#include "pynumc.h"

#include <dlpack/dlpack.h>

#define kDLBool_ 6 /* DLPack >= 0.8; the installed header is older */

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
    numc_array *a = NumcArray_ARR(self);
    PYNUMC_TRACER_GUARD(a, "__dlpack__", NULL);
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
    if (NumcArray_Check(x)) return pynumc_wrap(numc_array_retain(NumcArray_ARR(x)));
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

static PyMethodDef export_methods[] = {
    {"__array__", PYNUMC_FN(meth_array), PYNUMC_FASTKW, "A read-only NumPy view of the array."},
    {"__dlpack__", PYNUMC_FN(meth_dlpack), METH_VARARGS | METH_KEYWORDS, NULL},
    {"__dlpack_device__", meth_dlpack_device, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef export_module_functions[] = {
    {"from_dlpack", PYNUMC_FN(py_from_dlpack), METH_VARARGS | METH_KEYWORDS,
     "from_dlpack(x, /, *, device=None, copy=None): a numc array from a DLPack producer."},
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
