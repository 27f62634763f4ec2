/* indextricks.c — NumPy's index-trick objects, driven by the Python objects
 * in their keys: r_ and c_ (AxisConcatenator: slices with real or complex
 * steps, directive strings, scalars and arrays), mgrid and ogrid (nd_grid).
 * They compose the module's own functions (arange, linspace, indices,
 * array, concatenate, result_type), so every rule stays in C below. */
#include "pynumc.h"

static bool is_complex_step(PyObject *o) {
    if (PyComplex_Check(o)) return true;
    if (!pynumc_is_numpy_object(o)) return false;
    PyObject *np = pynumc_numpy();
    PyObject *cf = np ? PyObject_GetAttrString(np, "complexfloating") : NULL;
    int r = cf ? PyObject_IsInstance(o, cf) : 0;
    Py_XDECREF(cf);
    PyErr_Clear();
    return r > 0;
}

/* type(item) in numpy.ScalarType: Python numbers and NumPy scalars (a NumPy
 * array, even 0-d, has __len__). */
static bool is_scalar_item(PyObject *o) {
    if (PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyComplex_CheckExact(o) || PyBool_Check(o))
        return true;
    return pynumc_is_numpy_object(o) && !PyObject_HasAttrString(o, "__len__");
}

/* array(obj, copy=None, ndmin=ndmin[, dtype=dt]) */
static PyObject *as_ndmin(PyObject *obj, int ndmin, PyObject *dtype) {
    PyObject *kw = Py_BuildValue("{s:O,s:i}", "copy", Py_None, "ndmin", ndmin);
    if (!kw) return NULL;
    if (dtype && PyDict_SetItemString(kw, "dtype", dtype) < 0) {
        Py_DECREF(kw);
        return NULL;
    }
    PyObject *r = pynumc_call_module("array", PyTuple_Pack(1, obj), kw);
    Py_DECREF(kw);
    return r;
}

/* ---- r_ / c_ ---- */

typedef struct {
    PyObject_HEAD int axis, ndmin, trans1d;
} Concat;

static PyObject *slice_field(PyObject *v, PyObject *dflt) {
    return Py_NewRef(v == Py_None ? dflt : v);
}

static PyObject *concat_getitem(Concat *self, PyObject *key) {
    if (PyUnicode_Check(key)) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "r_/c_ with a matrix-builder string: numc has no matrix type");
        return NULL;
    }
    PyObject *tup = PyTuple_Check(key) ? Py_NewRef(key) : PyTuple_Pack(1, key);
    if (!tup) return NULL;
    int axis = self->axis, ndmin = self->ndmin, trans1d = self->trans1d;
    PyObject *objs = PyList_New(0), *rto = PyList_New(0), *zero = PyLong_FromLong(0),
             *one = PyLong_FromLong(1);
    PyObject *res = NULL;
    if (!objs || !rto || !zero || !one) goto done;
    Py_ssize_t n = PyTuple_GET_SIZE(tup);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *item = PyTuple_GET_ITEM(tup, k), *newobj = NULL;
        bool scalar = false;
        if (PySlice_Check(item)) {
            PySliceObject *sl = (PySliceObject *)item;
            PyObject *start = slice_field(sl->start, zero), *stop = Py_NewRef(sl->stop),
                     *step = slice_field(sl->step, one);
            if (is_complex_step(step)) {
                PyObject *a = PyNumber_Absolute(step);
                PyObject *size = a ? PyNumber_Long(a) : NULL;
                Py_XDECREF(a);
                PyObject *kw = size ? Py_BuildValue("{s:O}", "num", size) : NULL;
                newobj =
                    kw ? pynumc_call_module("linspace", PyTuple_Pack(2, start, stop), kw) : NULL;
                Py_XDECREF(kw);
                Py_XDECREF(size);
            } else {
                newobj = pynumc_call_module("arange", PyTuple_Pack(3, start, stop, step), NULL);
            }
            Py_DECREF(start);
            Py_DECREF(stop);
            Py_DECREF(step);
            if (newobj && ndmin > 1) {
                Py_SETREF(newobj, as_ndmin(newobj, ndmin, NULL));
                if (newobj && trans1d != -1)
                    Py_SETREF(newobj, PyObject_CallMethod(newobj, "swapaxes", "ii", -1, trans1d));
            }
        } else if (PyUnicode_Check(item)) {
            if (k != 0) {
                PyErr_SetString(PyExc_ValueError, "special directives must be the first entry.");
                goto done;
            }
            const char *s = PyUnicode_AsUTF8(item);
            if (!s) goto done;
            if (!strcmp(s, "r") || !strcmp(s, "c")) {
                PyErr_SetString(PyExc_NotImplementedError,
                                "r_/c_ directive 'r'/'c' builds a matrix: numc has no matrix type");
                goto done;
            }
            if (strchr(s, ',')) {
                int v[3], nv = 0;
                bool ok = true;
                const char *p = s;
                while (ok) {
                    char *end;
                    long x = strtol(p, &end, 10);
                    while (*end == ' ')
                        end++;
                    ok = end != p && (*end == ',' || *end == 0) && nv < 3;
                    if (ok) v[nv++] = (int)x;
                    if (!ok || *end == 0) break;
                    p = end + 1;
                }
                if (!ok || nv < 2) {
                    PyErr_Format(PyExc_ValueError, "unknown special directive %R", item);
                    goto done;
                }
                axis = v[0], ndmin = v[1];
                if (nv == 3) trans1d = v[2];
                continue;
            }
            char *end;
            long x = strtol(s, &end, 10);
            while (*end == ' ')
                end++;
            if (end == s || *end) {
                PyErr_SetString(PyExc_ValueError, "unknown special directive");
                goto done;
            }
            axis = (int)x;
            continue;
        } else if (is_scalar_item(item)) {
            scalar = true;
            newobj = Py_NewRef(item);
        } else {
            numc_array *probe = pynumc_asarray(item, NUMC_DTYPE_NONE);
            if (!probe) goto done;
            int item_ndim = numc_array_ndim(probe);
            newobj = pynumc_wrap(probe);
            if (newobj) Py_SETREF(newobj, as_ndmin(newobj, ndmin, NULL));
            if (newobj && trans1d != -1 && item_ndim < ndmin) {
                int k2 = ndmin - item_ndim, k1 = trans1d;
                if (k1 < 0) k1 += k2 + 1;
                PyObject *axes = PyTuple_New(ndmin);
                int j = 0;
                for (int i = 0; axes && i < k1; i++)
                    PyTuple_SET_ITEM(axes, j++, PyLong_FromLong(i));
                for (int i = k2; axes && i < ndmin; i++)
                    PyTuple_SET_ITEM(axes, j++, PyLong_FromLong(i));
                for (int i = k1; axes && i < k2; i++)
                    PyTuple_SET_ITEM(axes, j++, PyLong_FromLong(i));
                Py_SETREF(newobj,
                          axes ? PyObject_CallMethod(newobj, "transpose", "(O)", axes) : NULL);
                Py_XDECREF(axes);
            }
        }
        if (!newobj) goto done;
        int r = PyList_Append(objs, newobj);
        if (r == 0) {
            PyObject *dt = scalar ? Py_NewRef(item) : PyObject_GetAttrString(newobj, "dtype");
            r = dt ? PyList_Append(rto, dt) : -1;
            Py_XDECREF(dt);
        }
        Py_DECREF(newobj);
        if (r < 0) goto done;
    }
    if (PyList_GET_SIZE(rto)) {
        PyObject *dt = pynumc_call_module("result_type", PyList_AsTuple(rto), NULL);
        if (!dt) goto done;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(objs); i++) {
            PyObject *o = as_ndmin(PyList_GET_ITEM(objs, i), ndmin, dt);
            if (!o) {
                Py_DECREF(dt);
                goto done;
            }
            PyList_SetItem(objs, i, o);
        }
        Py_DECREF(dt);
    }
    PyObject *kw = Py_BuildValue("{s:i}", "axis", axis);
    if (kw) res = pynumc_call_module("concatenate", Py_BuildValue("(O)", objs), kw);
    Py_XDECREF(kw);
done:
    Py_DECREF(tup);
    Py_XDECREF(objs);
    Py_XDECREF(rto);
    Py_XDECREF(zero);
    Py_XDECREF(one);
    return res;
}

static Py_ssize_t concat_len(PyObject *self) {
    return 0;
}

static PyMappingMethods concat_mapping = {concat_len, (binaryfunc)concat_getitem, NULL};

static PyTypeObject Concat_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.AxisConcatenator",
    .tp_basicsize = sizeof(Concat),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_as_mapping = &concat_mapping,
    .tp_doc = "Translates slice objects to concatenation along an axis (numc.r_, numc.c_).",
};

/* ---- mgrid / ogrid ---- */

typedef struct {
    PyObject_HEAD bool sparse;
} Grid;

/* One slice's start, stop, step (defaults filled) and whether the step is
 * complex (a point count). */
static int grid_fields(PyObject *sl, PyObject **start, PyObject **stop, PyObject **step,
                       bool *cplx) {
    if (!PySlice_Check(sl)) {
        PyErr_SetString(PyExc_TypeError, "mgrid/ogrid keys must be slices");
        return -1;
    }
    PySliceObject *s = (PySliceObject *)sl;
    *start = s->start == Py_None ? PyLong_FromLong(0) : Py_NewRef(s->start);
    *step = s->step == Py_None ? PyLong_FromLong(1) : Py_NewRef(s->step);
    *stop = Py_NewRef(s->stop);
    *cplx = is_complex_step(*step);
    return *start && *step ? 0 : -1;
}

/* The step to scale an index by: the real step, or (stop - start) /
 * (count - 1) for a complex count other than 1. */
static PyObject *grid_scale(PyObject *start, PyObject *stop, PyObject *step, bool cplx) {
    if (!cplx) return Py_NewRef(step);
    PyObject *a = PyNumber_Absolute(step);
    PyObject *cnt = a ? PyNumber_Long(a) : NULL;
    Py_XDECREF(a);
    if (!cnt) return NULL;
    long c = PyLong_AsLong(cnt);
    if (c == 1) return cnt;
    Py_DECREF(cnt);
    PyObject *diff = PyNumber_Subtract(stop, start);
    PyObject *den = PyFloat_FromDouble((double)(c - 1));
    PyObject *r = diff && den ? PyNumber_TrueDivide(diff, den) : NULL;
    Py_XDECREF(diff);
    Py_XDECREF(den);
    return r;
}

static PyObject *grid_one(PyObject *key) {
    PyObject *start, *stop, *step, *res = NULL;
    bool cplx;
    if (grid_fields(key, &start, &stop, &step, &cplx) < 0) return NULL;
    if (cplx) {
        PyObject *sf = PyNumber_Absolute(step);
        PyObject *len = sf ? PyNumber_Long(sf) : NULL;
        PyObject *scale = len ? grid_scale(start, stop, step, true) : NULL;
        PyObject *typ =
            scale ? pynumc_call_module("result_type", PyTuple_Pack(3, start, stop, sf), NULL)
                  : NULL;
        PyObject *kw = typ ? Py_BuildValue("{s:O}", "dtype", typ) : NULL;
        PyObject *ar =
            kw ? pynumc_call_module("arange", Py_BuildValue("(iOi)", 0, len, 1), kw) : NULL;
        PyObject *m = ar ? PyNumber_Multiply(ar, scale) : NULL;
        res = m ? PyNumber_Add(m, start) : NULL;
        Py_XDECREF(sf);
        Py_XDECREF(len);
        Py_XDECREF(scale);
        Py_XDECREF(typ);
        Py_XDECREF(kw);
        Py_XDECREF(ar);
        Py_XDECREF(m);
    } else {
        res = pynumc_call_module("arange", PyTuple_Pack(3, start, stop, step), NULL);
    }
    Py_DECREF(start);
    Py_DECREF(stop);
    Py_DECREF(step);
    return res;
}

static PyObject *grid_getitem(Grid *self, PyObject *key) {
    if (!PyTuple_Check(key)) return grid_one(key);
    Py_ssize_t n = PyTuple_GET_SIZE(key);
    PyObject *sizes = PyTuple_New(n), *nums = PyList_New(1), *res = NULL, *nn = NULL;
    if (!sizes || !nums) goto done;
    PyList_SET_ITEM(nums, 0, PyLong_FromLong(0));
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *start, *stop, *step, *size = NULL;
        bool cplx;
        if (grid_fields(PyTuple_GET_ITEM(key, k), &start, &stop, &step, &cplx) < 0) goto done;
        if (cplx) {
            PyObject *a = PyNumber_Absolute(step);
            size = a ? PyNumber_Long(a) : NULL;
            Py_SETREF(step, a ? a : Py_NewRef(Py_None)); /* the count enters result_type */
        } else {
            PyObject *d = PyNumber_Subtract(stop, start);
            PyObject *q = d ? PyNumber_TrueDivide(d, step) : NULL;
            Py_XDECREF(d);
            if (q) {
                double x = PyFloat_AsDouble(q);
                size = PyErr_Occurred() ? NULL : PyLong_FromDouble(ceil(x));
            }
            Py_XDECREF(q);
        }
        int r = size ? 0 : -1;
        if (size) PyTuple_SET_ITEM(sizes, k, size);
        if (!r)
            r = PyList_Append(nums, start) | PyList_Append(nums, stop) | PyList_Append(nums, step);
        Py_DECREF(start);
        Py_DECREF(stop);
        Py_DECREF(step);
        if (r < 0) goto done;
    }
    PyObject *typ = pynumc_call_module("result_type", PyList_AsTuple(nums), NULL);
    if (!typ) goto done;
    PyObject *kw = Py_BuildValue("{s:O}", "dtype", typ);
    if (self->sparse) {
        nn = PyList_New(n);
        for (Py_ssize_t k = 0; nn && kw && k < n; k++) {
            PyObject *a =
                pynumc_call_module("arange", PyTuple_Pack(1, PyTuple_GET_ITEM(sizes, k)), kw);
            if (!a)
                Py_CLEAR(nn);
            else
                PyList_SET_ITEM(nn, k, a);
        }
    } else if (kw) {
        nn = pynumc_call_module("indices", PyTuple_Pack(2, sizes, typ), NULL);
    }
    Py_DECREF(typ);
    Py_XDECREF(kw);
    if (!nn) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *start, *stop, *step;
        bool cplx;
        if (grid_fields(PyTuple_GET_ITEM(key, k), &start, &stop, &step, &cplx) < 0) goto done;
        PyObject *scale = grid_scale(start, stop, step, cplx);
        PyObject *idx = PyLong_FromSsize_t(k);
        PyObject *cur = idx ? PyObject_GetItem(nn, idx) : NULL;
        PyObject *m = cur && scale ? PyNumber_Multiply(cur, scale) : NULL;
        PyObject *v = m ? PyNumber_Add(m, start) : NULL;
        int r = v ? PyObject_SetItem(nn, idx, v) : -1;
        Py_XDECREF(scale);
        Py_XDECREF(idx);
        Py_XDECREF(cur);
        Py_XDECREF(m);
        Py_XDECREF(v);
        Py_DECREF(start);
        Py_DECREF(stop);
        Py_DECREF(step);
        if (r < 0) goto done;
    }
    if (!self->sparse) {
        res = Py_NewRef(nn);
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        /* the k-th vector along axis k of an n-d grid */
        PyObject *sl = PyTuple_New(n);
        for (Py_ssize_t j = 0; sl && j < n; j++)
            PyTuple_SET_ITEM(sl, j, j == k ? PySlice_New(NULL, NULL, NULL) : Py_NewRef(Py_None));
        PyObject *v = sl ? PyObject_GetItem(PyList_GET_ITEM(nn, k), sl) : NULL;
        Py_XDECREF(sl);
        if (!v) goto done;
        PyList_SetItem(nn, k, v);
    }
    res = PyList_AsTuple(nn);
done:
    Py_XDECREF(sizes);
    Py_XDECREF(nums);
    Py_XDECREF(nn);
    return res;
}

static Py_ssize_t grid_len(PyObject *self) {
    return 0;
}

static PyMappingMethods grid_mapping = {grid_len, (binaryfunc)grid_getitem, NULL};

static PyTypeObject Grid_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.nd_grid",
    .tp_basicsize = sizeof(Grid),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_as_mapping = &grid_mapping,
    .tp_doc = "Dense (numc.mgrid) or open (numc.ogrid) multi-dimensional meshgrids.",
};

static int add_obj(PyObject *m, const char *name, PyObject *o) {
    if (!o) return -1;
    int r = PyModule_AddObjectRef(m, name, o);
    Py_DECREF(o);
    return r;
}

int pynumc_init_indextricks(PyObject *m) {
    if (PyType_Ready(&Concat_Type) < 0 || PyType_Ready(&Grid_Type) < 0) return -1;
    Concat *r = PyObject_New(Concat, &Concat_Type);
    if (r) r->axis = 0, r->ndmin = 1, r->trans1d = -1;
    if (add_obj(m, "r_", (PyObject *)r) < 0) return -1;
    Concat *c = PyObject_New(Concat, &Concat_Type);
    if (c) c->axis = -1, c->ndmin = 2, c->trans1d = 0;
    if (add_obj(m, "c_", (PyObject *)c) < 0) return -1;
    Grid *g = PyObject_New(Grid, &Grid_Type);
    if (g) g->sparse = false;
    if (add_obj(m, "mgrid", (PyObject *)g) < 0) return -1;
    Grid *o = PyObject_New(Grid, &Grid_Type);
    if (o) o->sparse = true;
    return add_obj(m, "ogrid", (PyObject *)o);
}
