/* dtypes.c — the Python face of numc dtypes: `numc.dtype` instances (printed
 * as NumPy prints them), the scalar-type classes (numc.float32 ...) and the
 * abstract hierarchy (generic > number > integer ...) used by issubdtype,
 * dtype-argument parsing, finfo/iinfo, and the promotion queries. */
#include "pynumc.h"

#include <math.h>
#include <string.h>

/* NumPy's one-letter codes and array-interface type strings, in dtype order. */
static const char dtype_chars[NUMC_DTYPE_COUNT] = {'?', 'b', 'h', 'i', 'l', 'B', 'H', 'I',
                                                   'L', 'e', 'E', 'f', 'd', 'F', 'D'};
static const char *const dtype_strs[NUMC_DTYPE_COUNT] = {"|b1", "|i1", "<i2", "<i4", "<i8",
                                                         "|u1", "<u2", "<u4", "<u8", "<f2",
                                                         "<V2", "<f4", "<f8", "<c8", "<c16"};

static PyObject *dtype_objects[NUMC_DTYPE_COUNT];
static PyTypeObject *scalar_types[NUMC_DTYPE_COUNT];
static char dtype_reprs[NUMC_DTYPE_COUNT][32];

/* The abstract classes, in creation order (each row: name, parent index or -1
 * for `generic`). Concrete types hang off these by kind. */
enum {
    AB_GENERIC,
    AB_NUMBER,
    AB_INTEGER,
    AB_SIGNED,
    AB_UNSIGNED,
    AB_INEXACT,
    AB_FLOATING,
    AB_COMPLEX,
    AB_COUNT
};
static const struct {
    const char *name;
    int parent;
} abstract_rows[AB_COUNT] = {
    {"generic", -1},
    {"number", AB_GENERIC},
    {"integer", AB_NUMBER},
    {"signedinteger", AB_INTEGER},
    {"unsignedinteger", AB_INTEGER},
    {"inexact", AB_NUMBER},
    {"floating", AB_INEXACT},
    {"complexfloating", AB_INEXACT},
};
static PyTypeObject *abstract_types[AB_COUNT];

PyObject *pynumc_dtype_object(numc_dtype dt) {
    if ((int)dt < 0 || dt >= NUMC_DTYPE_COUNT) return Py_None;
    return dtype_objects[dt];
}

const char *pynumc_dtype_repr(numc_dtype dt) {
    if ((int)dt < 0 || dt >= NUMC_DTYPE_COUNT) return "dtype(None)";
    return dtype_reprs[dt];
}

/* ---- string and type parsing ---- */

static int not_understood(PyObject *obj) {
    if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError) ||
        PyErr_ExceptionMatches(PyExc_AttributeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        PyObject *r = PyObject_Repr(obj);
        if (!r) return -1;
        PyErr_Format(PyExc_TypeError, "data type %U not understood", r);
        Py_DECREF(r);
    }
    return -1;
}

int pynumc_parse_dtype(PyObject *obj, numc_dtype *out) {
    if (obj == Py_None) {
        *out = NUMC_DTYPE_NONE;
        return 0;
    }
    if (Py_IS_TYPE(obj, &PyNumcDType_Type)) {
        *out = ((PyNumcDTypeObject *)obj)->dt;
        return 0;
    }
    if (PyType_Check(obj)) {
        for (int i = 0; i < NUMC_DTYPE_COUNT; i++)
            if ((PyObject *)scalar_types[i] == obj) {
                *out = (numc_dtype)i;
                return 0;
            }
        if (obj == (PyObject *)&PyFloat_Type)
            *out = NUMC_FLOAT64;
        else if (obj == (PyObject *)&PyLong_Type)
            *out = NUMC_INT64;
        else if (obj == (PyObject *)&PyBool_Type)
            *out = NUMC_BOOL;
        else if (obj == (PyObject *)&PyComplex_Type)
            *out = NUMC_COMPLEX128;
        else {
            /* NumPy scalar types and ml_dtypes.bfloat16: ask NumPy for the name */
            PyObject *np = pynumc_numpy();
            if (!np) return not_understood(obj);
            PyObject *d = PyObject_CallMethod(np, "dtype", "O", obj);
            if (!d) return not_understood(obj);
            int r = pynumc_parse_dtype(d, out);
            Py_DECREF(d);
            return r;
        }
        return 0;
    }
    if (PyUnicode_Check(obj)) {
        const char *s = PyUnicode_AsUTF8(obj);
        if (!s) return -1;
        if (numc_dtype_parse(s, out) != NUMC_OK) return pynumc_raise(), -1;
        return 0;
    }
    /* NumPy dtype instances (and anything with a dtype-like `name`) */
    PyObject *tp_mod = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__module__");
    int from_numpy = 0;
    if (tp_mod) {
        from_numpy = PyUnicode_Check(tp_mod) &&
                     PyUnicode_CompareWithASCIIString(tp_mod, "numpy.dtypes") == 0;
        if (!from_numpy && PyUnicode_Check(tp_mod)) {
            const char *mn = PyUnicode_AsUTF8(tp_mod);
            from_numpy = mn && (!strncmp(mn, "numpy", 5) || !strncmp(mn, "ml_dtypes", 9));
        }
        Py_DECREF(tp_mod);
    } else {
        PyErr_Clear();
    }
    if (from_numpy && PyObject_HasAttrString(obj, "kind") && PyObject_HasAttrString(obj, "name")) {
        PyObject *name = PyObject_GetAttrString(obj, "name");
        if (!name) return not_understood(obj);
        int r = PyUnicode_Check(name) ? pynumc_parse_dtype(name, out) : not_understood(obj);
        Py_DECREF(name);
        return r;
    }
    /* arrays (numc or NumPy) passed as a dtype: use their dtype */
    if (NumcArray_Check(obj)) {
        *out = numc_array_dtype(NumcArray_ARR(obj));
        return 0;
    }
    PyObject *d = PyObject_GetAttrString(obj, "dtype");
    if (d) {
        int r = (d != obj) ? pynumc_parse_dtype(d, out) : not_understood(obj);
        Py_DECREF(d);
        return r;
    }
    return not_understood(obj);
}

/* ---- the dtype type ---- */

static PyObject *dtype_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    PyObject *obj;
    PyObject *align = NULL, *copy = NULL, *meta = NULL;
    static char *kwlist[] = {"dtype", "align", "copy", "metadata", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO:dtype", kwlist, &obj, &align, &copy, &meta))
        return NULL;
    numc_dtype dt;
    if (obj == Py_None)
        dt = numc_default_float();
    else if (pynumc_parse_dtype(obj, &dt) < 0)
        return NULL;
    return Py_NewRef(dtype_objects[dt]);
}

static PyObject *dtype_repr(PyObject *self) {
    return PyUnicode_FromString(dtype_reprs[((PyNumcDTypeObject *)self)->dt]);
}

static PyObject *dtype_str(PyObject *self) {
    return PyUnicode_FromString(numc_dtype_name(((PyNumcDTypeObject *)self)->dt));
}

static Py_hash_t dtype_hash(PyObject *self) {
    PyObject *s = dtype_str(self);
    if (!s) return -1;
    Py_hash_t h = PyObject_Hash(s);
    Py_DECREF(s);
    return h;
}

static PyObject *dtype_richcompare(PyObject *self, PyObject *other, int op) {
    if (op != Py_EQ && op != Py_NE) Py_RETURN_NOTIMPLEMENTED;
    numc_dtype a = ((PyNumcDTypeObject *)self)->dt, b;
    if (other == Py_None || pynumc_parse_dtype(other, &b) < 0) {
        PyErr_Clear();
        return PyBool_FromLong(op == Py_NE);
    }
    return PyBool_FromLong((a == b) == (op == Py_EQ));
}

static PyObject *dtype_get_name(PyObject *self, void *c) {
    return dtype_str(self);
}
static PyObject *dtype_get_itemsize(PyObject *self, void *c) {
    return PyLong_FromSize_t(numc_dtype_itemsize(((PyNumcDTypeObject *)self)->dt));
}
static PyObject *dtype_get_kind(PyObject *self, void *c) {
    numc_dtype dt = ((PyNumcDTypeObject *)self)->dt;
    char k = numc_dtype_kind(dt); /* bfloat16 reports 'f' (ml_dtypes says 'V') */
    return PyUnicode_FromStringAndSize(&k, 1);
}
static PyObject *dtype_get_char(PyObject *self, void *c) {
    return PyUnicode_FromStringAndSize(&dtype_chars[((PyNumcDTypeObject *)self)->dt], 1);
}
static PyObject *dtype_get_str(PyObject *self, void *c) {
    return PyUnicode_FromString(dtype_strs[((PyNumcDTypeObject *)self)->dt]);
}
static PyObject *dtype_get_type(PyObject *self, void *c) {
    return Py_NewRef((PyObject *)scalar_types[((PyNumcDTypeObject *)self)->dt]);
}
static PyObject *dtype_get_byteorder(PyObject *self, void *c) {
    return PyUnicode_FromString(numc_dtype_itemsize(((PyNumcDTypeObject *)self)->dt) == 1 ? "|"
                                                                                          : "=");
}
static PyObject *dtype_get_num(PyObject *self, void *c) {
    return PyLong_FromLong((long)((PyNumcDTypeObject *)self)->dt);
}
static PyObject *dtype_get_shape(PyObject *self, void *c) {
    return PyTuple_New(0);
}
static PyObject *dtype_get_ndim(PyObject *self, void *c) {
    return PyLong_FromLong(0);
}
static PyObject *dtype_get_self(PyObject *self, void *c) {
    return Py_NewRef(self);
}
static PyObject *dtype_get_none(PyObject *self, void *c) {
    Py_RETURN_NONE;
}
static PyObject *dtype_get_true(PyObject *self, void *c) {
    Py_RETURN_TRUE;
}
static PyObject *dtype_get_false(PyObject *self, void *c) {
    Py_RETURN_FALSE;
}
static PyObject *dtype_get_descr(PyObject *self, void *c) {
    return Py_BuildValue("[(ss)]", "", dtype_strs[((PyNumcDTypeObject *)self)->dt]);
}

/* ---- NumPy's view of numc's dtypes: NumPy asks any object it is given as a
 * dtype for a `dtype` attribute, so numpy.dtype(numc.float32),
 * x.astype(numc.float64) and numpy.zeros(2, dtype=numc.bfloat16) give the
 * real NumPy dtype (bfloat16 through ml_dtypes) instead of `object`. ---- */

static PyObject *numpy_dtypes[NUMC_DTYPE_COUNT];

/* A new reference to the NumPy dtype of dt, made once. */
static PyObject *numpy_dtype_of(numc_dtype dt) {
    if (!numpy_dtypes[dt]) {
        PyObject *np = pynumc_numpy();
        if (!np) return NULL;
        PyObject *spec = dt == NUMC_BFLOAT16 ? pynumc_bfloat16_type() : NULL;
        if (dt == NUMC_BFLOAT16 && !spec) return NULL;
        numpy_dtypes[dt] = spec ? PyObject_CallMethod(np, "dtype", "O", spec)
                                : PyObject_CallMethod(np, "dtype", "s", numc_dtype_name(dt));
        if (!numpy_dtypes[dt]) return NULL;
    }
    return Py_NewRef(numpy_dtypes[dt]);
}

static PyObject *dtype_get_numpy(PyObject *self, void *c) {
    return numpy_dtype_of(((PyNumcDTypeObject *)self)->dt);
}

/* `numc.float32.dtype`: a descriptor in each scalar class's dict, so that the
 * class itself (NumPy is handed the class) answers. */
typedef struct {
    PyObject_HEAD numc_dtype dt;
} NumpyDTypeDescr;

static PyObject *numpy_descr_get(PyObject *self, PyObject *instance, PyObject *owner) {
    return numpy_dtype_of(((NumpyDTypeDescr *)self)->dt);
}

static PyTypeObject NumpyDTypeDescr_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numpy_dtype",
    .tp_basicsize = sizeof(NumpyDTypeDescr),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The NumPy dtype of a numc scalar type.",
    .tp_descr_get = numpy_descr_get,
};

static PyGetSetDef dtype_getset[] = {
    {"dtype", dtype_get_numpy, NULL, "The equivalent NumPy dtype.", NULL},
    {"name", dtype_get_name, NULL, NULL, NULL},
    {"itemsize", dtype_get_itemsize, NULL, NULL, NULL},
    {"alignment", dtype_get_itemsize, NULL, NULL, NULL},
    {"kind", dtype_get_kind, NULL, NULL, NULL},
    {"char", dtype_get_char, NULL, NULL, NULL},
    {"str", dtype_get_str, NULL, NULL, NULL},
    {"type", dtype_get_type, NULL, NULL, NULL},
    {"byteorder", dtype_get_byteorder, NULL, NULL, NULL},
    {"num", dtype_get_num, NULL, NULL, NULL},
    {"shape", dtype_get_shape, NULL, NULL, NULL},
    {"ndim", dtype_get_ndim, NULL, NULL, NULL},
    {"base", dtype_get_self, NULL, NULL, NULL},
    {"names", dtype_get_none, NULL, NULL, NULL},
    {"fields", dtype_get_none, NULL, NULL, NULL},
    {"subdtype", dtype_get_none, NULL, NULL, NULL},
    {"metadata", dtype_get_none, NULL, NULL, NULL},
    {"isbuiltin", dtype_get_true, NULL, NULL, NULL},
    {"isnative", dtype_get_true, NULL, NULL, NULL},
    {"hasobject", dtype_get_false, NULL, NULL, NULL},
    {"descr", dtype_get_descr, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyObject *dtype_reduce(PyObject *self, PyObject *unused) {
    return Py_BuildValue("O(s)", (PyObject *)&PyNumcDType_Type,
                         numc_dtype_name(((PyNumcDTypeObject *)self)->dt));
}

static PyMethodDef dtype_methods[] = {
    {"__reduce__", dtype_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PyNumcDType_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.dtype",
    .tp_basicsize = sizeof(PyNumcDTypeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "numc.dtype(obj): the dtype described by obj (a name, type or dtype).",
    .tp_new = dtype_new,
    .tp_repr = dtype_repr,
    .tp_str = dtype_str,
    .tp_hash = dtype_hash,
    .tp_richcompare = dtype_richcompare,
    .tp_getset = dtype_getset,
    .tp_methods = dtype_methods,
};

/* ---- scalar types: numc.float32(1.5) makes a 0-d array ---- */

static PyObject *generic_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    int dt = -1;
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++)
        if (scalar_types[i] == tp) dt = i;
    if (dt < 0) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances", tp->tp_name);
        return NULL;
    }
    PyObject *value = NULL;
    if (!PyArg_UnpackTuple(args, tp->tp_name, 0, 1, &value)) return NULL;
    if (kw && PyDict_GET_SIZE(kw)) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", tp->tp_name);
        return NULL;
    }
    numc_array *a;
    static const int64_t noshape[1];
    if (!value)
        a = numc_zeros(0, noshape, (numc_dtype)dt);
    else
        a = pynumc_asarray(value, (numc_dtype)dt);
    if (!a) return PyErr_Occurred() ? NULL : pynumc_raise();
    return pynumc_wrap(a);
}

static PyTypeObject Generic_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.generic",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Base class of numc's scalar types; calling a concrete one makes a 0-d array.",
    .tp_new = generic_new,
};

static PyTypeObject *make_class(PyObject *m, const char *name, PyTypeObject *base) {
    PyObject *dict = Py_BuildValue("{s:s}", "__module__", "numc");
    if (!dict) return NULL;
    PyObject *cls = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O)O", name, base, dict);
    Py_DECREF(dict);
    if (!cls) return NULL;
    if (PyModule_AddObjectRef(m, name, cls) < 0) {
        Py_DECREF(cls);
        return NULL;
    }
    return (PyTypeObject *)cls;
}

static int parent_of(numc_dtype dt) {
    switch (numc_dtype_kind(dt)) {
    case 'b':
        return AB_GENERIC;
    case 'i':
        return AB_SIGNED;
    case 'u':
        return AB_UNSIGNED;
    case 'f':
        return AB_FLOATING;
    default:
        return AB_COMPLEX;
    }
}

/* ---- abstract-class queries ---- */

/* A class for issubdtype: ours, a NumPy abstract class mapped by name, or the
 * scalar type of any dtype-like. Returns a borrowed reference. */
static PyObject *as_scalar_class(PyObject *obj) {
    if (PyType_Check(obj)) {
        if (PyType_IsSubtype((PyTypeObject *)obj, &Generic_Type)) return obj;
        PyObject *name = PyObject_GetAttrString(obj, "__name__");
        if (name) {
            for (int i = 0; i < AB_COUNT; i++)
                if (PyUnicode_Check(name) &&
                    PyUnicode_CompareWithASCIIString(name, abstract_rows[i].name) == 0) {
                    Py_DECREF(name);
                    return (PyObject *)abstract_types[i];
                }
            Py_DECREF(name);
        } else {
            PyErr_Clear();
        }
    }
    numc_dtype dt;
    if (pynumc_parse_dtype(obj, &dt) < 0) return NULL;
    if (dt == NUMC_DTYPE_NONE) dt = numc_default_float();
    return (PyObject *)scalar_types[dt];
}

static PyObject *py_issubdtype(PyObject *self, PyObject *args) {
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "OO:issubdtype", &a, &b)) return NULL;
    PyObject *ca = as_scalar_class(a);
    if (!ca) return NULL;
    PyObject *cb = as_scalar_class(b);
    if (!cb) return NULL;
    return PyBool_FromLong(PyType_IsSubtype((PyTypeObject *)ca, (PyTypeObject *)cb));
}

static int isdtype_one(numc_dtype dt, PyObject *kind) {
    if (PyUnicode_Check(kind)) {
        const char *k = PyUnicode_AsUTF8(kind);
        bool r;
        if (!k) return -1;
        if (numc_isdtype(dt, k, &r) != NUMC_OK) return pynumc_raise(), -1;
        return r;
    }
    if (PyTuple_Check(kind)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kind); i++) {
            int r = isdtype_one(dt, PyTuple_GET_ITEM(kind, i));
            if (r) return r;
        }
        return 0;
    }
    numc_dtype other;
    if (pynumc_parse_dtype(kind, &other) < 0) return -1;
    return other == dt;
}

static PyObject *py_isdtype(PyObject *self, PyObject *args) {
    PyObject *d, *kind;
    if (!PyArg_ParseTuple(args, "OO:isdtype", &d, &kind)) return NULL;
    if (!Py_IS_TYPE(d, &PyNumcDType_Type) && !PyType_Check(d)) {
        PyErr_Format(PyExc_TypeError, "dtype argument must be a NumPy dtype, but it is a %s.",
                     Py_TYPE(d)->tp_name);
        return NULL;
    }
    numc_dtype dt;
    if (pynumc_parse_dtype(d, &dt) < 0) return NULL;
    int r = isdtype_one(dt, kind);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

/* ---- finfo / iinfo ---- */

typedef struct {
    PyObject_HEAD PyObject *dict;
} InfoObject;

static void info_dealloc(PyObject *self) {
    Py_XDECREF(((InfoObject *)self)->dict);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *info_getattro(PyObject *self, PyObject *name) {
    PyObject *v = PyDict_GetItemWithError(((InfoObject *)self)->dict, name);
    if (v) return Py_NewRef(v);
    if (PyErr_Occurred()) return NULL;
    return PyObject_GenericGetAttr(self, name);
}

static numc_dtype info_dtype_arg(PyObject *arg) {
    numc_dtype dt;
    if (NumcArray_Check(arg)) return numc_array_dtype(NumcArray_ARR(arg));
    if (PyFloat_Check(arg) && !PyType_Check(arg)) return NUMC_FLOAT64;
    if (PyLong_Check(arg) && !PyType_Check(arg)) return NUMC_INT64;
    if (pynumc_parse_dtype(arg, &dt) < 0) return NUMC_DTYPE_NONE;
    if (dt == NUMC_DTYPE_NONE) dt = numc_default_float();
    return dt;
}

static PyTypeObject FInfo_Type, IInfo_Type;

static PyObject *finfo_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    PyObject *arg;
    if (!PyArg_ParseTuple(args, "O:finfo", &arg)) return NULL;
    numc_dtype dt = info_dtype_arg(arg);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    if (numc_dtype_kind(dt) == 'c') dt = dt == NUMC_COMPLEX64 ? NUMC_FLOAT32 : NUMC_FLOAT64;
    numc_finfo_t f;
    if (numc_finfo(dt, &f) != NUMC_OK) return pynumc_raise();
    InfoObject *self = (InfoObject *)tp->tp_alloc(tp, 0);
    if (!self) return NULL;
    self->dict = Py_BuildValue(
        "{s:i,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:i,s:i,s:i,s:i,s:i,s:i,s:O,s:i,s:i}", "bits", f.bits,
        "eps", f.eps, "max", f.max, "min", f.min, "tiny", f.tiny, "smallest_normal",
        f.smallest_normal, "smallest_subnormal", f.smallest_subnormal, "resolution", f.resolution,
        "epsneg", f.epsneg, "precision", f.precision, "maxexp", f.maxexp, "minexp", f.minexp,
        "nmant", f.nmant, "nexp", f.nexp, "iexp", f.iexp, "dtype", dtype_objects[dt], "machep",
        -f.nmant, "negep", -f.nmant - 1);
    if (!self->dict) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* Shortest digits that read back to the same value in the info's dtype. */
static PyObject *short_repr(PyObject *v, numc_dtype dt) {
    double d = PyFloat_AsDouble(v);
    if (dt == NUMC_FLOAT64) return PyObject_Repr(v);
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        double back = strtod(buf, NULL);
        if ((dt == NUMC_FLOAT32 && (float)back == (float)d) || back == d ||
            (dt != NUMC_FLOAT32 && prec >= 5 && fabs(back - d) <= fabs(d) * 1e-3))
            break;
    }
    return PyUnicode_FromString(buf);
}

static PyObject *finfo_repr(PyObject *self) {
    PyObject *d = ((InfoObject *)self)->dict;
    PyObject *dt = PyDict_GetItemString(d, "dtype");
    numc_dtype t = ((PyNumcDTypeObject *)dt)->dt;
    PyObject *res = short_repr(PyDict_GetItemString(d, "resolution"), t);
    PyObject *mn = short_repr(PyDict_GetItemString(d, "min"), t);
    PyObject *mx = short_repr(PyDict_GetItemString(d, "max"), t);
    PyObject *r = NULL;
    if (res && mn && mx)
        r = PyUnicode_FromFormat("finfo(resolution=%U, min=%U, max=%U, dtype=%S)", res, mn, mx, dt);
    Py_XDECREF(res);
    Py_XDECREF(mn);
    Py_XDECREF(mx);
    return r;
}

static PyObject *iinfo_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    PyObject *arg;
    if (!PyArg_ParseTuple(args, "O:iinfo", &arg)) return NULL;
    numc_dtype dt = info_dtype_arg(arg);
    if (dt == NUMC_DTYPE_NONE) return NULL;
    numc_iinfo_t f;
    if (numc_iinfo(dt, &f) != NUMC_OK) return pynumc_raise();
    InfoObject *self = (InfoObject *)tp->tp_alloc(tp, 0);
    if (!self) return NULL;
    char kind = numc_dtype_kind(dt);
    self->dict = Py_BuildValue("{s:i,s:L,s:K,s:O,s:s#}", "bits", f.bits, "min", (long long)f.min,
                               "max", (unsigned long long)f.max, "dtype", dtype_objects[dt], "kind",
                               &kind, (Py_ssize_t)1);
    if (!self->dict) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *iinfo_repr(PyObject *self) {
    PyObject *d = ((InfoObject *)self)->dict;
    return PyUnicode_FromFormat("iinfo(min=%S, max=%S, dtype=%S)", PyDict_GetItemString(d, "min"),
                                PyDict_GetItemString(d, "max"), PyDict_GetItemString(d, "dtype"));
}

static PyTypeObject FInfo_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.finfo",
    .tp_basicsize = sizeof(InfoObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "finfo(dtype): machine limits for floating point types.",
    .tp_new = finfo_new,
    .tp_dealloc = info_dealloc,
    .tp_getattro = info_getattro,
    .tp_repr = finfo_repr,
};

static PyTypeObject IInfo_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.iinfo",
    .tp_basicsize = sizeof(InfoObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "iinfo(dtype): machine limits for integer types.",
    .tp_new = iinfo_new,
    .tp_dealloc = info_dealloc,
    .tp_getattro = info_getattro,
    .tp_repr = iinfo_repr,
};

static PyMethodDef dtype_functions[] = {
    {"issubdtype", py_issubdtype, METH_VARARGS,
     "issubdtype(arg1, arg2): whether arg1 is lower in the type hierarchy than arg2."},
    {"isdtype", py_isdtype, METH_VARARGS, "isdtype(dtype, kind): the array API kind query."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_dtypes(PyObject *m) {
    if (PyType_Ready(&PyNumcDType_Type) < 0 || PyType_Ready(&Generic_Type) < 0 ||
        PyType_Ready(&FInfo_Type) < 0 || PyType_Ready(&IInfo_Type) < 0 ||
        PyType_Ready(&NumpyDTypeDescr_Type) < 0)
        return -1;
    if (PyModule_AddObjectRef(m, "dtype", (PyObject *)&PyNumcDType_Type) < 0 ||
        PyModule_AddObjectRef(m, "generic", (PyObject *)&Generic_Type) < 0 ||
        PyModule_AddObjectRef(m, "finfo", (PyObject *)&FInfo_Type) < 0 ||
        PyModule_AddObjectRef(m, "iinfo", (PyObject *)&IInfo_Type) < 0)
        return -1;
    abstract_types[AB_GENERIC] = &Generic_Type;
    for (int i = 1; i < AB_COUNT; i++) {
        abstract_types[i] =
            make_class(m, abstract_rows[i].name, abstract_types[abstract_rows[i].parent]);
        if (!abstract_types[i]) return -1;
    }
    for (int i = 0; i < NUMC_DTYPE_COUNT; i++) {
        numc_dtype dt = (numc_dtype)i;
        PyNumcDTypeObject *d = PyObject_New(PyNumcDTypeObject, &PyNumcDType_Type);
        if (!d) return -1;
        d->dt = dt;
        dtype_objects[i] = (PyObject *)d;
        snprintf(dtype_reprs[i], sizeof dtype_reprs[i], "dtype('%s')", numc_dtype_name(dt));
        scalar_types[i] = make_class(m, numc_dtype_name(dt), abstract_types[parent_of(dt)]);
        if (!scalar_types[i]) return -1;
        NumpyDTypeDescr *nd = PyObject_New(NumpyDTypeDescr, &NumpyDTypeDescr_Type);
        if (!nd) return -1;
        nd->dt = dt;
        int r = PyObject_SetAttrString((PyObject *)scalar_types[i], "dtype", (PyObject *)nd);
        Py_DECREF(nd);
        if (r < 0) return -1;
    }
    /* NumPy's aliases */
    static const struct {
        const char *alias;
        numc_dtype dt;
    } aliases[] = {
        {"bool_", NUMC_BOOL},         {"int_", NUMC_INT64},        {"intp", NUMC_INT64},
        {"uintp", NUMC_UINT64},       {"float_", NUMC_FLOAT64},    {"complex_", NUMC_COMPLEX128},
        {"double", NUMC_FLOAT64},     {"single", NUMC_FLOAT32},    {"half", NUMC_FLOAT16},
        {"cdouble", NUMC_COMPLEX128}, {"csingle", NUMC_COMPLEX64}, {"byte", NUMC_INT8},
        {"ubyte", NUMC_UINT8},        {"short", NUMC_INT16},       {"ushort", NUMC_UINT16},
        {"intc", NUMC_INT32},         {"uintc", NUMC_UINT32},      {"long", NUMC_INT64},
        {"ulong", NUMC_UINT64},       {"longlong", NUMC_INT64},    {"ulonglong", NUMC_UINT64},
        {"uint", NUMC_UINT64},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (PyModule_AddObjectRef(m, aliases[i].alias, (PyObject *)scalar_types[aliases[i].dt]) < 0)
            return -1;
    return PyModule_AddFunctions(m, dtype_functions);
}
