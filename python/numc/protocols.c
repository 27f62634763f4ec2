/* protocols.c — NumPy's dispatch protocols on numc.ndarray.
 *
 * __array_ufunc__: a NumPy ufunc called on numc arrays runs numc's function
 * of the same name and returns numc arrays (as CuPy does); `reduce`,
 * `accumulate` and `outer` map to numc's reductions, scans and a broadcast
 * call. A ufunc numc lacks returns NotImplemented, so NumPy raises its usual
 * TypeError. With an `out=` that is not a numc array the ufunc runs in NumPy
 * on NumPy views of the numc operands and writes into that array.
 *
 * __array_function__: a NumPy function numc implements under the same name
 * (numpy.X -> numc.X, numpy.linalg.X -> numc.linalg.X) runs numc's; any other
 * converts numc arrays in the arguments (also inside lists, tuples and dicts)
 * to NumPy through __array__ and returns NumPy's result. */
#include "pynumc.h"

/* ufunc.reduce / ufunc.accumulate -> the numc function that does the same */
static const char *const reduce_map[][2] = {
    {"add", "sum"},     {"multiply", "prod"},   {"maximum", "max"},
    {"minimum", "min"}, {"logical_and", "all"}, {"logical_or", "any"},
    {"fmax", "nanmax"}, {"fmin", "nanmin"},     {NULL, NULL},
};
static const char *const accumulate_map[][2] = {
    {"add", "cumsum"},
    {"multiply", "cumprod"},
    {NULL, NULL},
};

static PyObject *numc_package(void) {
    static PyObject *pkg;
    if (!pkg) pkg = PyImport_ImportModule("numc");
    return pkg;
}

/* numc's callable `name` in module `mod` (borrowed module), or NULL without
 * an exception when numc has none. */
static PyObject *lookup_callable(PyObject *mod, PyObject *name) {
    PyObject *f = PyObject_GetAttr(mod, name);
    if (!f) {
        PyErr_Clear();
        return NULL;
    }
    if (!PyCallable_Check(f) || PyType_Check(f)) {
        Py_DECREF(f);
        return NULL;
    }
    return f;
}

static PyObject *mapped(const char *const map[][2], const char *name) {
    for (int i = 0; map[i][0]; i++)
        if (!strcmp(map[i][0], name)) return PyUnicode_FromString(map[i][1]);
    return NULL;
}

/* x itself, or a NumPy view of x when it is a numc array (new reference). */
static PyObject *to_numpy(PyObject *x) {
    if (!NumcArray_Check(x)) return Py_NewRef(x);
    PyObject *np = pynumc_numpy();
    return np ? PyObject_CallMethod(np, "asarray", "O", x) : NULL;
}

/* Converts numc arrays to NumPy inside lists, tuples and dict values. */
static PyObject *to_numpy_deep(PyObject *x) {
    if (PyList_CheckExact(x) || PyTuple_CheckExact(x)) {
        int is_list = PyList_CheckExact(x);
        Py_ssize_t n = is_list ? PyList_GET_SIZE(x) : PyTuple_GET_SIZE(x);
        PyObject *r = is_list ? PyList_New(n) : PyTuple_New(n);
        for (Py_ssize_t i = 0; r && i < n; i++) {
            PyObject *v = to_numpy_deep(is_list ? PyList_GET_ITEM(x, i) : PyTuple_GET_ITEM(x, i));
            if (!v) {
                Py_CLEAR(r);
                break;
            }
            if (is_list)
                PyList_SET_ITEM(r, i, v);
            else
                PyTuple_SET_ITEM(r, i, v);
        }
        return r;
    }
    if (PyDict_CheckExact(x)) {
        PyObject *r = PyDict_New(), *k, *v;
        Py_ssize_t pos = 0;
        while (r && PyDict_Next(x, &pos, &k, &v)) {
            PyObject *c = to_numpy_deep(v);
            if (!c || PyDict_SetItem(r, k, c) < 0) Py_CLEAR(r);
            Py_XDECREF(c);
        }
        return r;
    }
    return to_numpy(x);
}

/* True when every object in `out` (a tuple) is a numc array. */
static int out_all_numc(PyObject *out) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(out); i++)
        if (!NumcArray_Check(PyTuple_GET_ITEM(out, i))) return 0;
    return 1;
}

/* An operand we cannot take: another library's array that overrides ufuncs. */
static int foreign_override(PyObject *x) {
    if (NumcArray_Check(x) || pynumc_is_numpy_object(x)) return 0;
    PyObject *f = PyObject_GetAttrString((PyObject *)Py_TYPE(x), "__array_ufunc__");
    if (!f) {
        PyErr_Clear();
        return 0;
    }
    Py_DECREF(f);
    return 1;
}

/* numpy_ufunc.method(*inputs, **kw) on NumPy views of the numc operands. */
static PyObject *ufunc_in_numpy(PyObject *ufunc, PyObject *method, PyObject *inputs, PyObject *kw) {
    PyObject *f = PyObject_GetAttr(ufunc, method);
    PyObject *in = f ? to_numpy_deep(inputs) : NULL;
    PyObject *r = in ? PyObject_Call(f, in, kw) : NULL;
    Py_XDECREF(f);
    Py_XDECREF(in);
    return r;
}

/* a[..., newaxis * b.ndim] for ufunc.outer */
static PyObject *outer_left(PyObject *x, PyObject *y) {
    numc_array *a = pynumc_asarray(x, NUMC_DTYPE_NONE);
    if (!a) return NULL;
    numc_array *b = pynumc_asarray(y, NUMC_DTYPE_NONE);
    if (!b) {
        numc_array_release(a);
        return NULL;
    }
    int na = numc_array_ndim(a), nb = numc_array_ndim(b);
    numc_array *r = NULL;
    if (na + nb > NUMC_MAX_DIMS) {
        PyErr_SetString(PyExc_ValueError, "outer: too many dimensions in the result");
    } else {
        int64_t shape[NUMC_MAX_DIMS];
        for (int i = 0; i < na; i++)
            shape[i] = numc_array_shape(a)[i];
        for (int i = 0; i < nb; i++)
            shape[na + i] = 1;
        r = numc_reshape(a, na + nb, shape);
    }
    numc_array_release(a);
    numc_array_release(b);
    return r ? pynumc_wrap(r) : (PyErr_Occurred() ? NULL : pynumc_raise());
}

/* (fn, args) to call for ufunc.method(*inputs): new references, or fn NULL
 * without an exception for NotImplemented. `kw` may gain a default axis. */
static int ufunc_target(PyObject *name, const char *method, PyObject *inputs, PyObject *kw,
                        PyObject **fn, PyObject **args) {
    *fn = NULL;
    *args = NULL;
    const char *cname = PyUnicode_AsUTF8(name);
    if (!cname) return -1;
    Py_ssize_t nin = PyTuple_GET_SIZE(inputs);
    if (!strcmp(method, "__call__")) {
        *fn = lookup_callable(numc_module, name);
        *args = Py_NewRef(inputs);
        return 0;
    }
    int is_reduce = !strcmp(method, "reduce"), is_acc = !strcmp(method, "accumulate");
    if ((is_reduce || is_acc) && nin == 1) {
        PyObject *target = mapped(is_reduce ? reduce_map : accumulate_map, cname);
        if (!target) return 0;
        *fn = lookup_callable(numc_module, target);
        Py_DECREF(target);
        if (!*fn) return 0;
        /* NumPy's reduce/accumulate default to axis 0, numc's to all axes */
        PyObject *zero = PyLong_FromLong(0);
        PyObject *key = zero ? PyUnicode_FromString("axis") : NULL;
        int ok = key && PyDict_SetDefault(kw, key, zero) != NULL;
        Py_XDECREF(zero);
        Py_XDECREF(key);
        if (!ok) {
            Py_CLEAR(*fn);
            return -1;
        }
        *args = Py_NewRef(inputs);
        return 0;
    }
    if (!strcmp(method, "outer") && nin == 2) {
        *fn = lookup_callable(numc_module, name);
        if (!*fn) return 0;
        PyObject *left = outer_left(PyTuple_GET_ITEM(inputs, 0), PyTuple_GET_ITEM(inputs, 1));
        *args = left ? PyTuple_Pack(2, left, PyTuple_GET_ITEM(inputs, 1)) : NULL;
        Py_XDECREF(left);
        if (!*args) {
            Py_CLEAR(*fn);
            return -1;
        }
        return 0;
    }
    return 0;
}

static PyObject *meth_array_ufunc(PyObject *self, PyObject *args, PyObject *kwargs) {
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n < 2) {
        PyErr_SetString(PyExc_TypeError, "__array_ufunc__(ufunc, method, *inputs, **kwargs)");
        return NULL;
    }
    PyObject *ufunc = PyTuple_GET_ITEM(args, 0), *method = PyTuple_GET_ITEM(args, 1);
    const char *cmethod = PyUnicode_Check(method) ? PyUnicode_AsUTF8(method) : NULL;
    if (!cmethod) return PyErr_Occurred() ? NULL : Py_NewRef(Py_NotImplemented);
    PyObject *inputs = PyTuple_GetSlice(args, 2, n);
    PyObject *kw = kwargs ? PyDict_Copy(kwargs) : PyDict_New();
    PyObject *name = PyObject_GetAttrString(ufunc, "__name__");
    PyObject *fn = NULL, *call_args = NULL, *res = NULL;
    if (!inputs || !kw || !name) goto done;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(inputs); i++)
        if (foreign_override(PyTuple_GET_ITEM(inputs, i))) {
            res = Py_NewRef(Py_NotImplemented);
            goto done;
        }
    PyObject *out = PyDict_GetItemString(kw, "out"); /* borrowed; NumPy passes a tuple */
    if (out && PyTuple_Check(out)) {
        if (!out_all_numc(out)) {
            res = ufunc_in_numpy(ufunc, method, inputs, kw);
            goto done;
        }
        if (PyTuple_GET_SIZE(out) != 1) { /* numc's two-output functions take no out= */
            res = Py_NewRef(Py_NotImplemented);
            goto done;
        }
    }
    if (ufunc_target(name, cmethod, inputs, kw, &fn, &call_args) < 0) goto done;
    if (!fn) {
        res = Py_NewRef(Py_NotImplemented);
        goto done;
    }
    res = PyObject_Call(fn, call_args, PyDict_GET_SIZE(kw) ? kw : NULL);
done:
    Py_XDECREF(inputs);
    Py_XDECREF(kw);
    Py_XDECREF(name);
    Py_XDECREF(fn);
    Py_XDECREF(call_args);
    return res;
}

/* numc's function for NumPy's `func` (numpy.X or numpy.<sub>.X), or NULL
 * without an exception when numc has none. */
static PyObject *function_target(PyObject *func) {
    PyObject *modname = PyObject_GetAttrString(func, "__module__");
    PyObject *name = modname ? PyObject_GetAttrString(func, "__name__") : NULL;
    PyObject *fn = NULL;
    if (!name || !PyUnicode_Check(modname) || !PyUnicode_Check(name)) goto done;
    const char *m = PyUnicode_AsUTF8(modname);
    if (!m) goto done;
    if (!strcmp(m, "numpy")) {
        fn = lookup_callable(numc_module, name);
    } else if (!strncmp(m, "numpy.", 6) && m[6] != '_' && !strchr(m + 6, '.')) {
        PyObject *pkg = numc_package();
        PyObject *sub = pkg ? PyObject_GetAttrString(pkg, m + 6) : NULL;
        if (sub && PyModule_Check(sub)) fn = lookup_callable(sub, name);
        Py_XDECREF(sub);
    }
done:
    PyErr_Clear();
    Py_XDECREF(modname);
    Py_XDECREF(name);
    return fn;
}

static PyObject *meth_array_function(PyObject *self, PyObject *const *args, Py_ssize_t n) {
    if (n != 4 || !PyTuple_Check(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "__array_function__(func, types, args, kwargs)");
        return NULL;
    }
    PyObject *func = args[0], *types = args[1], *fargs = args[2], *fkw = args[3];
    PyObject *np = pynumc_numpy();
    if (!np) return NULL;
    PyObject *np_ndarray = PyObject_GetAttrString(np, "ndarray");
    if (!np_ndarray) return NULL;
    PyObject *it = PyObject_GetIter(types), *t;
    int foreign = 0;
    while (it && (t = PyIter_Next(it))) {
        if (PyType_Check(t) && !PyType_IsSubtype((PyTypeObject *)t, &NumcArray_Type) &&
            !PyType_IsSubtype((PyTypeObject *)t, (PyTypeObject *)np_ndarray))
            foreign = 1;
        Py_DECREF(t);
    }
    Py_XDECREF(it);
    Py_DECREF(np_ndarray);
    if (PyErr_Occurred()) return NULL;
    if (foreign) return Py_NewRef(Py_NotImplemented);
    PyObject *fn = function_target(func);
    if (fn) {
        PyObject *r = PyObject_Call(fn, fargs, PyDict_GET_SIZE(fkw) ? fkw : NULL);
        Py_DECREF(fn);
        return r;
    }
    /* numc has no such function: NumPy's implementation on NumPy views */
    PyObject *impl = PyObject_GetAttrString(func, "_implementation");
    if (!impl) {
        PyErr_Clear();
        impl = Py_NewRef(func);
    }
    PyObject *a = to_numpy_deep(fargs);
    PyObject *k = a ? to_numpy_deep(fkw) : NULL;
    PyObject *r = k ? PyObject_Call(impl, a, k) : NULL;
    Py_DECREF(impl);
    Py_XDECREF(a);
    Py_XDECREF(k);
    return r;
}

static PyMethodDef protocol_methods[] = {
    {"__array_ufunc__", PYNUMC_FN(meth_array_ufunc), METH_VARARGS | METH_KEYWORDS,
     "NumPy ufuncs on numc arrays run numc's function of the same name."},
    {"__array_function__", PYNUMC_FN(meth_array_function), METH_FASTCALL,
     "NumPy functions numc implements run numc's; others run NumPy's on NumPy views."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_protocols(void) {
    return pynumc_array_add_methods(protocol_methods);
}
