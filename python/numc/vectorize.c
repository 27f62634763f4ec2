/* vectorize.c — functions driven by the user's Python callables:
 * numc.vectorize (a class whose __call__ broadcasts the inputs and loops in
 * C over the elements, or over the core slices of a gufunc-like
 * signature=), apply_along_axis, apply_over_axes and piecewise. Results are
 * numc arrays built with the module's own functions (array, stack,
 * transpose, zeros_like, index assignment). */
#include "pynumc.h"

/* module.array(obj, dtype=dt) or asarray when dt is NULL */
static PyObject *as_array(PyObject *obj, PyObject *dt) {
    PyObject *kw = dt ? Py_BuildValue("{s:O}", "dtype", dt) : NULL;
    if (dt && !kw) return NULL;
    PyObject *r = pynumc_call_module("asarray", PyTuple_Pack(1, obj), kw);
    Py_XDECREF(kw);
    return r;
}

static PyObject *shape_tuple(int nd, const int64_t *shape) {
    PyObject *t = PyTuple_New(nd);
    for (int i = 0; t && i < nd; i++) {
        PyObject *v = PyLong_FromLongLong(shape[i]);
        if (!v) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

/* Stacks the arrays of `items` (a list of numc arrays of one shape) into
 * lead_shape + their shape, with dtype dt. */
static PyObject *stack_into(PyObject *items, int nlead, const int64_t *lead, PyObject *dt) {
    PyObject *st = pynumc_call_module("stack", PyTuple_Pack(1, items), NULL);
    if (!st) return NULL;
    numc_array *a = NumcArray_ARR(st);
    int nd = numc_array_ndim(a);
    int64_t shape[NUMC_MAX_DIMS];
    memcpy(shape, lead, sizeof(int64_t) * (size_t)nlead);
    memcpy(shape + nlead, numc_array_shape(a) + 1, sizeof(int64_t) * (size_t)(nd - 1));
    PyObject *r = pynumc_wrap(numc_reshape(a, nlead + nd - 1, shape));
    Py_DECREF(st);
    if (r && dt) Py_SETREF(r, as_array(r, dt));
    return r;
}

/* ---- vectorize ---- */

typedef struct {
    PyObject_HEAD PyObject *pyfunc;
    PyObject *otypes;   /* tuple of dtype objects, or NULL */
    PyObject *excluded; /* set of ints and strs */
    bool cache;
    PyObject *signature;          /* str or NULL */
    PyObject *in_core, *out_core; /* tuples of tuples of dimension names */
    PyObject *dict;
} Vectorize;

static void vz_dealloc(Vectorize *self) {
    Py_XDECREF(self->pyfunc);
    Py_XDECREF(self->otypes);
    Py_XDECREF(self->excluded);
    Py_XDECREF(self->signature);
    Py_XDECREF(self->in_core);
    Py_XDECREF(self->out_core);
    Py_XDECREF(self->dict);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* "(i,j),(j)->(i)" -> ((("i","j"),("j",)), (("i",),)); NumPy's ValueError
 * for anything else. */
static int parse_signature(PyObject *sig, PyObject **in, PyObject **out) {
    const char *s = PyUnicode_Check(sig) ? PyUnicode_AsUTF8(sig) : NULL;
    if (!s) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "signature must be a string");
        return -1;
    }
    char buf[512];
    size_t n = 0;
    for (const char *p = s; *p && n + 1 < sizeof buf; p++)
        if (!(*p == ' ' || *p == '\t' || *p == '\n')) buf[n++] = *p;
    buf[n] = 0;
    PyObject *sides[2] = {PyList_New(0), PyList_New(0)};
    int side = 0;
    const char *p = buf;
    bool ok = sides[0] && sides[1];
    while (ok) {
        if (*p != '(') {
            ok = false;
            break;
        }
        p++;
        PyObject *dims = PyList_New(0);
        if (!dims) {
            ok = false;
            break;
        }
        while (ok && *p != ')') {
            const char *b = p;
            while (*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= 'A' && *p <= 'Z'))
                p++;
            if (p == b) {
                ok = false;
                break;
            }
            PyObject *name = PyUnicode_FromStringAndSize(b, p - b);
            ok = name && PyList_Append(dims, name) == 0;
            Py_XDECREF(name);
            if (*p == ',' && p[1] != ')')
                p++;
            else if (*p != ')')
                ok = false;
        }
        if (ok) {
            PyObject *t = PyList_AsTuple(dims);
            ok = t && PyList_Append(sides[side], t) == 0;
            Py_XDECREF(t);
            p++;
        }
        Py_DECREF(dims);
        if (!ok) break;
        if (*p == ',') {
            p++;
        } else if (*p == '-' && p[1] == '>' && side == 0) {
            p += 2;
            side = 1;
        } else if (*p == 0 && side == 1) {
            break;
        } else {
            ok = false;
        }
    }
    if (ok) {
        *in = PyList_AsTuple(sides[0]);
        *out = PyList_AsTuple(sides[1]);
        ok = *in && *out;
    } else if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_ValueError, "not a valid gufunc signature: %s", buf);
    }
    Py_XDECREF(sides[0]);
    Py_XDECREF(sides[1]);
    return ok ? 0 : -1;
}

static int vz_init(Vectorize *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"pyfunc", "otypes", "doc", "excluded", "cache", "signature", NULL};
    PyObject *pyfunc = NULL, *otypes = NULL, *doc = NULL, *excluded = NULL, *sig = NULL;
    int cache = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOpO:vectorize", kwlist, &pyfunc, &otypes, &doc,
                                     &excluded, &cache, &sig))
        return -1;
    if (pyfunc == Py_None) pyfunc = NULL;
    Py_XSETREF(self->pyfunc, Py_XNewRef(pyfunc));
    self->cache = cache;
    if (!self->dict && !(self->dict = PyDict_New())) return -1;
    PyObject *d = doc && doc != Py_None ? doc
                  : pyfunc              ? PyObject_GetAttrString(pyfunc, "__doc__")
                                        : NULL;
    if (!d) PyErr_Clear();
    if (d && d != doc) {
        int r = PyDict_SetItemString(self->dict, "__doc__", d);
        Py_DECREF(d);
        if (r < 0) return -1;
    } else if (d && PyDict_SetItemString(self->dict, "__doc__", d) < 0) {
        return -1;
    }
    if (otypes && otypes != Py_None) {
        /* a string of type codes, or a list of dtypes */
        PyObject *seq = PySequence_Fast(otypes, "otypes must be a string or a list of dtypes");
        if (!seq) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        PyObject *t = PyTuple_New(n);
        for (Py_ssize_t i = 0; t && i < n; i++) {
            numc_dtype dt;
            if (pynumc_parse_dtype(PySequence_Fast_GET_ITEM(seq, i), &dt) < 0 ||
                dt == NUMC_DTYPE_NONE) {
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_ValueError, "Invalid otype specified: %R",
                                 PySequence_Fast_GET_ITEM(seq, i));
                Py_CLEAR(t);
                break;
            }
            PyTuple_SET_ITEM(t, i, Py_NewRef(pynumc_dtype_object(dt)));
        }
        Py_DECREF(seq);
        if (!t) return -1;
        Py_XSETREF(self->otypes, t);
    }
    PyObject *ex = excluded && excluded != Py_None ? PySet_New(excluded) : PySet_New(NULL);
    if (!ex) return -1;
    Py_XSETREF(self->excluded, ex);
    if (sig && sig != Py_None) {
        PyObject *in, *out;
        if (parse_signature(sig, &in, &out) < 0) return -1;
        Py_XSETREF(self->in_core, in);
        Py_XSETREF(self->out_core, out);
        Py_XSETREF(self->signature, Py_NewRef(sig));
    }
    return 0;
}

/* The elementwise loop: inputs broadcast, func called per element with
 * Python scalars, one numc array per output. */
static PyObject *vz_loop(Vectorize *self, PyObject *func, PyObject *inputs) {
    Py_ssize_t nin = PyList_GET_SIZE(inputs);
    numc_array *ins[64] = {NULL}, *bc[64] = {NULL};
    if (nin > 64) {
        PyErr_SetString(PyExc_ValueError, "vectorize: at most 64 vectorized arguments");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nin; i++)
        ins[i] = NumcArray_ARR(PyList_GET_ITEM(inputs, i));
    if (nin && numc_broadcast_arrays((int)nin, (const numc_array *const *)ins, bc))
        return pynumc_raise();
    int nd = nin ? numc_array_ndim(bc[0]) : 0;
    int64_t shape[NUMC_MAX_DIMS];
    if (nin) memcpy(shape, numc_array_shape(bc[0]), sizeof(int64_t) * (size_t)nd);
    int64_t size = nin ? numc_array_size(bc[0]) : 1;
    PyObject *res = NULL, *lists = NULL, *first = NULL, *argt = NULL;
    Py_ssize_t nout = -1;
    if (size == 0 && !self->otypes) {
        PyErr_SetString(PyExc_ValueError,
                        "cannot call `vectorize` on size 0 inputs unless `otypes` is set");
        goto done;
    }
    argt = PyTuple_New(nin);
    if (!argt) goto done;
    for (int64_t e = 0; e < size; e++) {
        PyObject *a = PyTuple_New(nin);
        for (Py_ssize_t i = 0; a && i < nin; i++) {
            PyObject *v = pynumc_item(bc[i], e);
            if (!v)
                Py_CLEAR(a);
            else
                PyTuple_SET_ITEM(a, i, v);
        }
        if (!a) goto done;
        PyObject *r;
        if (e == 0 && !self->otypes) {
            /* NumPy calls the function on the first elements once to learn
             * the outputs, and again in its loop unless cache=True */
            first = PyObject_Call(func, a, NULL);
            r = !first ? NULL : self->cache ? Py_NewRef(first) : PyObject_Call(func, a, NULL);
        } else {
            r = PyObject_Call(func, a, NULL);
        }
        if (!r) {
            Py_DECREF(a);
            goto done;
        }
        Py_ssize_t k = PyTuple_Check(r) ? PyTuple_GET_SIZE(r) : 1;
        if (nout < 0) {
            nout = self->otypes ? PyTuple_GET_SIZE(self->otypes) : k;
            lists = PyList_New(0);
            for (Py_ssize_t j = 0; lists && j < nout; j++) {
                PyObject *l = PyList_New(0);
                if (!l || PyList_Append(lists, l) < 0) Py_CLEAR(lists);
                Py_XDECREF(l);
            }
            if (!lists) {
                Py_DECREF(a);
                Py_DECREF(r);
                goto done;
            }
        }
        int ok = 1;
        if (nout == 1 && !(PyTuple_Check(r) && k == 1 && self->otypes == NULL)) {
            ok = PyList_Append(PyList_GET_ITEM(lists, 0), r) == 0;
        } else if (!PyTuple_Check(r) || k != nout) {
            PyErr_Format(PyExc_ValueError,
                         "wrong number of outputs from pyfunc: expected %zd, got %zd", nout, k);
            ok = 0;
        } else {
            for (Py_ssize_t j = 0; ok && j < nout; j++)
                ok = PyList_Append(PyList_GET_ITEM(lists, j), PyTuple_GET_ITEM(r, j)) == 0;
        }
        Py_DECREF(a);
        Py_DECREF(r);
        if (!ok) goto done;
    }
    if (nout < 0) nout = PyTuple_GET_SIZE(self->otypes);
    res = PyTuple_New(nout);
    for (Py_ssize_t j = 0; res && j < nout; j++) {
        PyObject *vals = lists ? PyList_GET_ITEM(lists, j) : NULL;
        PyObject *dt = self->otypes ? PyTuple_GET_ITEM(self->otypes, j) : NULL;
        PyObject *arr;
        if (!dt) {
            /* the first output's dtype, as NumPy's otypes inference */
            PyObject *a0 = as_array(PyList_GET_ITEM(vals, 0), NULL);
            dt = a0 ? PyObject_GetAttrString(a0, "dtype") : NULL;
            Py_XDECREF(a0);
            arr = dt ? as_array(vals, dt) : NULL;
            Py_XDECREF(dt);
        } else {
            PyObject *empty = vals ? NULL : PyList_New(0);
            arr = as_array(vals ? vals : empty, dt);
            Py_XDECREF(empty);
        }
        PyObject *sh = arr ? shape_tuple(nd, shape) : NULL;
        PyObject *out = sh ? PyObject_CallMethod(arr, "reshape", "(O)", sh) : NULL;
        Py_XDECREF(sh);
        Py_XDECREF(arr);
        if (!out)
            Py_CLEAR(res);
        else
            PyTuple_SET_ITEM(res, j, out);
    }
    if (res && nout == 1) Py_SETREF(res, Py_NewRef(PyTuple_GET_ITEM(res, 0)));
done:
    for (Py_ssize_t i = 0; i < nin; i++)
        numc_array_release(bc[i]);
    Py_XDECREF(lists);
    Py_XDECREF(first);
    Py_XDECREF(argt);
    return res;
}

/* Records the core dimension sizes of arr (its last len(dims) axes). */
static int update_dim_sizes(PyObject *sizes, numc_array *a, PyObject *dims) {
    Py_ssize_t nc = PyTuple_GET_SIZE(dims);
    int nd = numc_array_ndim(a);
    if (nd < nc) {
        PyErr_Format(PyExc_ValueError,
                     "%d-dimensional argument does not have enough dimensions for all core "
                     "dimensions %R",
                     nd, dims);
        return -1;
    }
    const int64_t *sh = numc_array_shape(a);
    for (Py_ssize_t i = 0; i < nc; i++) {
        PyObject *name = PyTuple_GET_ITEM(dims, i);
        int64_t size = sh[nd - nc + i];
        PyObject *old = PyDict_GetItem(sizes, name);
        if (old) {
            long long o = PyLong_AsLongLong(old);
            if (o != size) {
                PyErr_Format(PyExc_ValueError,
                             "inconsistent size for core dimension %R: %lld vs %lld", name,
                             (long long)size, o);
                return -1;
            }
            continue;
        }
        PyObject *v = PyLong_FromLongLong(size);
        int r = v ? PyDict_SetItem(sizes, name, v) : -1;
        Py_XDECREF(v);
        if (r < 0) return -1;
    }
    return 0;
}

/* The core shape of dims from the recorded sizes. */
static int core_shape(PyObject *sizes, PyObject *dims, int64_t *out) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(dims); i++) {
        PyObject *v = PyDict_GetItem(sizes, PyTuple_GET_ITEM(dims, i));
        if (!v) {
            PyErr_SetString(PyExc_ValueError, "cannot call `vectorize` with a signature including "
                                              "new output dimensions on size 0 inputs");
            return -1;
        }
        out[i] = PyLong_AsLongLong(v);
    }
    return 0;
}

/* _vectorize_call_with_signature */
static PyObject *vz_signature(Vectorize *self, PyObject *func, PyObject *inputs) {
    Py_ssize_t nin = PyList_GET_SIZE(inputs);
    PyObject *in_core = self->in_core, *out_core = self->out_core;
    if (nin != PyTuple_GET_SIZE(in_core)) {
        PyErr_Format(PyExc_TypeError, "wrong number of positional arguments: expected %zd, got %zd",
                     PyTuple_GET_SIZE(in_core), nin);
        return NULL;
    }
    PyObject *sizes = PyDict_New(), *res = NULL, *outs = NULL, *args = NULL;
    if (!sizes) return NULL;
    /* loop shape: the broadcast of the non-core shapes */
    int bnd = 0;
    int64_t bshape[NUMC_MAX_DIMS];
    for (Py_ssize_t i = 0; i < nin; i++) {
        numc_array *a = NumcArray_ARR(PyList_GET_ITEM(inputs, i));
        PyObject *dims = PyTuple_GET_ITEM(in_core, i);
        if (update_dim_sizes(sizes, a, dims) < 0) goto done;
        int nd = numc_array_ndim(a) - (int)PyTuple_GET_SIZE(dims);
        const int64_t *sh = numc_array_shape(a);
        if (nd > bnd) {
            memmove(bshape + nd - bnd, bshape, sizeof(int64_t) * (size_t)bnd);
            for (int k = 0; k < nd - bnd; k++)
                bshape[k] = 1;
            bnd = nd;
        }
        for (int k = 0; k < nd; k++) {
            int64_t *b = &bshape[bnd - nd + k];
            if (*b == 1) {
                *b = sh[k];
            } else if (sh[k] != 1 && sh[k] != *b) {
                PyErr_SetString(PyExc_ValueError,
                                "shape mismatch: objects cannot be broadcast to a single shape");
                goto done;
            }
        }
    }
    args = PyList_New(nin);
    for (Py_ssize_t i = 0; args && i < nin; i++) {
        numc_array *a = NumcArray_ARR(PyList_GET_ITEM(inputs, i));
        PyObject *dims = PyTuple_GET_ITEM(in_core, i);
        int nc = (int)PyTuple_GET_SIZE(dims);
        int64_t shape[NUMC_MAX_DIMS];
        memcpy(shape, bshape, sizeof(int64_t) * (size_t)bnd);
        if (core_shape(sizes, dims, shape + bnd) < 0) goto done;
        PyObject *b = pynumc_wrap(numc_broadcast_to(a, bnd + nc, shape));
        if (!b) goto done;
        PyList_SET_ITEM(args, i, b);
    }
    if (!args) goto done;
    int64_t count = 1;
    for (int k = 0; k < bnd; k++)
        count *= bshape[k];
    Py_ssize_t nout = PyTuple_GET_SIZE(out_core);
    outs = PyList_New(nout);
    for (Py_ssize_t j = 0; outs && j < nout; j++)
        PyList_SET_ITEM(outs, j, PyList_New(0));
    if (!outs) goto done;
    for (int64_t e = 0; e < count; e++) {
        PyObject *idx = PyTuple_New(bnd);
        for (int k = bnd - 1, rem = 0; idx && k >= 0; k--) {
            (void)rem;
            int64_t stride = 1;
            for (int q = k + 1; q < bnd; q++)
                stride *= bshape[q];
            PyTuple_SET_ITEM(idx, k, PyLong_FromLongLong((e / stride) % bshape[k]));
        }
        PyObject *a = idx ? PyTuple_New(nin) : NULL;
        for (Py_ssize_t i = 0; a && i < nin; i++) {
            PyObject *v = PyObject_GetItem(PyList_GET_ITEM(args, i), idx);
            if (!v)
                Py_CLEAR(a);
            else
                PyTuple_SET_ITEM(a, i, v);
        }
        Py_XDECREF(idx);
        PyObject *r = a ? PyObject_Call(func, a, NULL) : NULL;
        Py_XDECREF(a);
        if (!r) goto done;
        Py_ssize_t k = PyTuple_Check(r) ? PyTuple_GET_SIZE(r) : 1;
        if (k != nout) {
            PyErr_Format(PyExc_ValueError,
                         "wrong number of outputs from pyfunc: expected %zd, got %zd", nout, k);
            Py_DECREF(r);
            goto done;
        }
        int ok = 1;
        for (Py_ssize_t j = 0; ok && j < nout; j++) {
            PyObject *rj = nout == 1 ? r : PyTuple_GET_ITEM(r, j);
            PyObject *dims = PyTuple_GET_ITEM(out_core, j);
            PyObject *arr = as_array(rj, NULL);
            ok = arr != NULL;
            if (ok && e == 0) ok = update_dim_sizes(sizes, NumcArray_ARR(arr), dims) == 0;
            int64_t cs[NUMC_MAX_DIMS];
            if (ok) ok = core_shape(sizes, dims, cs) == 0;
            if (ok) {
                Py_SETREF(arr, pynumc_wrap(numc_broadcast_to(NumcArray_ARR(arr),
                                                             (int)PyTuple_GET_SIZE(dims), cs)));
                ok = arr && PyList_Append(PyList_GET_ITEM(outs, j), arr) == 0;
            }
            Py_XDECREF(arr);
        }
        Py_DECREF(r);
        if (!ok) goto done;
    }
    res = PyTuple_New(nout);
    for (Py_ssize_t j = 0; res && j < nout; j++) {
        PyObject *items = PyList_GET_ITEM(outs, j), *out;
        PyObject *dt = self->otypes ? PyTuple_GET_ITEM(self->otypes, j) : NULL;
        if (count > 0) {
            PyObject *dt0 =
                dt ? Py_NewRef(dt) : PyObject_GetAttrString(PyList_GET_ITEM(items, 0), "dtype");
            out = dt0 ? stack_into(items, bnd, bshape, dt0) : NULL;
            Py_XDECREF(dt0);
        } else {
            if (!dt) {
                PyErr_SetString(PyExc_ValueError,
                                "cannot call `vectorize` on size 0 inputs unless `otypes` is set");
                Py_CLEAR(res);
                break;
            }
            PyObject *dims = PyTuple_GET_ITEM(out_core, j);
            int64_t shape[NUMC_MAX_DIMS];
            memcpy(shape, bshape, sizeof(int64_t) * (size_t)bnd);
            out = core_shape(sizes, dims, shape + bnd) < 0
                      ? NULL
                      : pynumc_call_module(
                            "zeros",
                            Py_BuildValue(
                                "(NO)", shape_tuple(bnd + (int)PyTuple_GET_SIZE(dims), shape), dt),
                            NULL);
        }
        if (!out)
            Py_CLEAR(res);
        else
            PyTuple_SET_ITEM(res, j, out);
    }
    if (res && nout == 1) Py_SETREF(res, Py_NewRef(PyTuple_GET_ITEM(res, 0)));
done:
    Py_XDECREF(sizes);
    Py_XDECREF(outs);
    Py_XDECREF(args);
    return res;
}

/* A function of the vectorized arguments only: excluded positionals and
 * keywords are bound in. */
typedef struct {
    PyObject_HEAD PyObject *func;
    PyObject *template_args; /* tuple: None where a vectorized argument goes */
    PyObject *positions;     /* tuple of ints: where the vectorized ones go */
    PyObject *kwnames;       /* tuple of vectorized keyword names (after the positionals) */
    PyObject *fixed_kw;      /* dict of excluded keywords */
} Bound;

static void bound_dealloc(Bound *self) {
    Py_XDECREF(self->func);
    Py_XDECREF(self->template_args);
    Py_XDECREF(self->positions);
    Py_XDECREF(self->kwnames);
    Py_XDECREF(self->fixed_kw);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *bound_call(Bound *self, PyObject *args, PyObject *kw) {
    PyObject *a = PyTuple_New(PyTuple_GET_SIZE(self->template_args));
    PyObject *k = PyDict_Copy(self->fixed_kw);
    if (!a || !k) goto fail;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(a); i++)
        PyTuple_SET_ITEM(a, i, Py_NewRef(PyTuple_GET_ITEM(self->template_args, i)));
    Py_ssize_t npos = PyTuple_GET_SIZE(self->positions);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++) {
        PyObject *v = PyTuple_GET_ITEM(args, i);
        if (i < npos) {
            Py_ssize_t at = PyLong_AsSsize_t(PyTuple_GET_ITEM(self->positions, i));
            Py_SETREF(PyTuple_GET_ITEM(a, at), Py_NewRef(v));
        } else if (PyDict_SetItem(k, PyTuple_GET_ITEM(self->kwnames, i - npos), v) < 0) {
            goto fail;
        }
    }
    PyObject *r = PyObject_Call(self->func, a, k);
    Py_DECREF(a);
    Py_DECREF(k);
    return r;
fail:
    Py_XDECREF(a);
    Py_XDECREF(k);
    return NULL;
}

static PyTypeObject Bound_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._vectorize_bound",
    .tp_basicsize = sizeof(Bound),
    .tp_dealloc = (destructor)bound_dealloc,
    .tp_call = (ternaryfunc)bound_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

static PyObject *vz_call(Vectorize *self, PyObject *args, PyObject *kw) {
    if (!self->pyfunc) {
        /* @vectorize(otypes=...) used as a decorator factory */
        if (PyTuple_GET_SIZE(args) != 1 || (kw && PyDict_GET_SIZE(kw))) {
            PyErr_SetString(PyExc_TypeError, "vectorize: no function to call");
            return NULL;
        }
        self->pyfunc = Py_NewRef(PyTuple_GET_ITEM(args, 0));
        return Py_NewRef(self);
    }
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    PyObject *inputs = PyList_New(0), *func = NULL, *res = NULL;
    Bound *b = NULL;
    if (!inputs) return NULL;
    bool any_excluded = false;
    for (Py_ssize_t i = 0; i < nargs && !any_excluded; i++) {
        PyObject *ix = PyLong_FromSsize_t(i);
        any_excluded = ix && PySet_Contains(self->excluded, ix) > 0;
        Py_XDECREF(ix);
    }
    if (!any_excluded && !(kw && PyDict_GET_SIZE(kw))) {
        func = Py_NewRef(self->pyfunc);
        for (Py_ssize_t i = 0; i < nargs; i++) {
            numc_array *a = pynumc_asarray(PyTuple_GET_ITEM(args, i), NUMC_DTYPE_NONE);
            PyObject *w = a ? pynumc_wrap(a) : NULL;
            if (!w || PyList_Append(inputs, w) < 0) {
                Py_XDECREF(w);
                goto done;
            }
            Py_DECREF(w);
        }
    } else {
        b = PyObject_New(Bound, &Bound_Type);
        if (!b) goto done;
        b->func = Py_NewRef(self->pyfunc);
        b->template_args = PyTuple_New(nargs);
        b->fixed_kw = PyDict_New();
        PyObject *pos = PyList_New(0), *names = PyList_New(0);
        b->positions = b->kwnames = NULL;
        bool ok = b->template_args && b->fixed_kw && pos && names;
        for (Py_ssize_t i = 0; ok && i < nargs; i++) {
            PyObject *v = PyTuple_GET_ITEM(args, i), *ix = PyLong_FromSsize_t(i);
            int ex = ix ? PySet_Contains(self->excluded, ix) : -1;
            ok = ex >= 0;
            if (ok && ex) {
                PyTuple_SET_ITEM(b->template_args, i, Py_NewRef(v));
            } else if (ok) {
                PyTuple_SET_ITEM(b->template_args, i, Py_NewRef(Py_None));
                ok = PyList_Append(pos, ix) == 0 && PyList_Append(inputs, v) == 0;
            }
            Py_XDECREF(ix);
        }
        PyObject *key, *val;
        Py_ssize_t p = 0;
        while (ok && kw && PyDict_Next(kw, &p, &key, &val)) {
            int ex = PySet_Contains(self->excluded, key);
            ok = ex >= 0;
            if (ok && ex)
                ok = PyDict_SetItem(b->fixed_kw, key, val) == 0;
            else if (ok)
                ok = PyList_Append(names, key) == 0 && PyList_Append(inputs, val) == 0;
        }
        if (ok) {
            b->positions = PyList_AsTuple(pos);
            b->kwnames = PyList_AsTuple(names);
            ok = b->positions && b->kwnames;
        }
        Py_XDECREF(pos);
        Py_XDECREF(names);
        if (!ok) goto done;
        func = Py_NewRef(b);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(inputs); i++) {
            numc_array *a = pynumc_asarray(PyList_GET_ITEM(inputs, i), NUMC_DTYPE_NONE);
            PyObject *w = a ? pynumc_wrap(a) : NULL;
            if (!w) goto done;
            PyList_SetItem(inputs, i, w);
        }
    }
    res = self->in_core ? vz_signature(self, func, inputs) : vz_loop(self, func, inputs);
done:
    Py_XDECREF(b);
    Py_XDECREF(func);
    Py_DECREF(inputs);
    return res;
}

static PyObject *vz_get_pyfunc(Vectorize *self, void *c) {
    return Py_NewRef(self->pyfunc ? self->pyfunc : Py_None);
}
static PyObject *vz_get_otypes(Vectorize *self, void *c) {
    if (!self->otypes) Py_RETURN_NONE;
    PyObject *s = PyUnicode_FromString("");
    for (Py_ssize_t i = 0; s && i < PyTuple_GET_SIZE(self->otypes); i++) {
        PyObject *ch = PyObject_GetAttrString(PyTuple_GET_ITEM(self->otypes, i), "char");
        if (!ch) {
            PyErr_Clear();
            ch = PyObject_Str(PyTuple_GET_ITEM(self->otypes, i));
        }
        Py_SETREF(s, ch ? PyUnicode_Concat(s, ch) : NULL);
        Py_XDECREF(ch);
    }
    return s;
}
static PyObject *vz_get_excluded(Vectorize *self, void *c) {
    return Py_NewRef(self->excluded ? self->excluded : Py_None);
}
static PyObject *vz_get_cache(Vectorize *self, void *c) {
    return PyBool_FromLong(self->cache);
}
static PyObject *vz_get_signature(Vectorize *self, void *c) {
    return Py_NewRef(self->signature ? self->signature : Py_None);
}

static PyGetSetDef vz_getset[] = {
    {"pyfunc", (getter)vz_get_pyfunc, NULL, NULL, NULL},
    {"otypes", (getter)vz_get_otypes, NULL, NULL, NULL},
    {"excluded", (getter)vz_get_excluded, NULL, NULL, NULL},
    {"cache", (getter)vz_get_cache, NULL, NULL, NULL},
    {"signature", (getter)vz_get_signature, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Vectorize_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.vectorize",
    .tp_basicsize = sizeof(Vectorize),
    .tp_dealloc = (destructor)vz_dealloc,
    .tp_call = (ternaryfunc)vz_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "vectorize(pyfunc=None, otypes=None, doc=None, excluded=None, cache=False, "
              "signature=None): a function looping pyfunc over broadcast numc arrays.",
    .tp_getset = vz_getset,
    .tp_dictoffset = offsetof(Vectorize, dict),
    .tp_init = (initproc)vz_init,
    .tp_new = PyType_GenericNew,
};

/* ---- apply_along_axis, apply_over_axes, piecewise ---- */

static int norm_axis(int64_t axis, int nd, int64_t *out) {
    if (axis < -nd || axis >= nd) {
        PyErr_Format(pynumc_AxisError, "axis %lld is out of bounds for array of dimension %d",
                     (long long)axis, nd);
        return -1;
    }
    *out = axis < 0 ? axis + nd : axis;
    return 0;
}

static PyObject *py_apply_along_axis(PyObject *m, PyObject *args, PyObject *kw) {
    if (PyTuple_GET_SIZE(args) < 3) {
        PyErr_SetString(PyExc_TypeError,
                        "apply_along_axis() missing required arguments: 'func1d', 'axis', 'arr'");
        return NULL;
    }
    PyObject *func = PyTuple_GET_ITEM(args, 0), *extra = PyTuple_GetSlice(args, 3, PY_SSIZE_T_MAX);
    int64_t axis;
    if (!extra || pynumc_parse_int(PyTuple_GET_ITEM(args, 1), &axis) < 0) {
        Py_XDECREF(extra);
        return NULL;
    }
    numc_array *arr = pynumc_asarray(PyTuple_GET_ITEM(args, 2), NUMC_DTYPE_NONE);
    PyObject *res = NULL, *items = PyList_New(0), *view = NULL, *dt = NULL;
    int nd = arr ? numc_array_ndim(arr) : 0;
    int64_t ax;
    if (!arr || !items || norm_axis(axis, nd, &ax) < 0) goto done;
    /* the iteration axes first, the applied axis last */
    int64_t perm[NUMC_MAX_DIMS], lead[NUMC_MAX_DIMS];
    int j = 0;
    for (int i = 0; i < nd; i++)
        if (i != ax) perm[j++] = i;
    perm[j] = ax;
    view = pynumc_wrap(numc_transpose(arr, perm, nd));
    if (!view) goto done;
    const int64_t *vs = numc_array_shape(NumcArray_ARR(view));
    int64_t count = 1;
    for (int i = 0; i < nd - 1; i++)
        lead[i] = vs[i], count *= vs[i];
    if (count == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot apply_along_axis when any iteration dimensions are 0");
        goto done;
    }
    int rnd = 0;
    int64_t rshape[NUMC_MAX_DIMS];
    for (int64_t e = 0; e < count; e++) {
        numc_index idx[NUMC_MAX_DIMS];
        for (int i = nd - 2, rem = 0; i >= 0; i--) {
            (void)rem;
            int64_t stride = 1;
            for (int q = i + 1; q < nd - 1; q++)
                stride *= lead[q];
            idx[i] = (numc_index){.kind = NUMC_INDEX_INT, .i = (e / stride) % lead[i]};
        }
        PyObject *row = pynumc_wrap(numc_getitem(NumcArray_ARR(view), nd - 1, idx));
        PyObject *a = row ? PyTuple_Pack(1, row) : NULL;
        Py_XDECREF(row);
        if (a) Py_SETREF(a, PySequence_Concat(a, extra));
        PyObject *r = a ? PyObject_Call(func, a, kw) : NULL;
        Py_XDECREF(a);
        PyObject *ra = r ? as_array(r, dt) : NULL;
        Py_XDECREF(r);
        if (!ra) goto done;
        numc_array *rv = NumcArray_ARR(ra);
        if (e == 0) {
            dt = PyObject_GetAttrString(ra, "dtype");
            rnd = numc_array_ndim(rv);
            memcpy(rshape, numc_array_shape(rv), sizeof(int64_t) * (size_t)rnd);
        } else {
            Py_SETREF(ra, pynumc_wrap(numc_broadcast_to(rv, rnd, rshape)));
        }
        int rc = ra && dt ? PyList_Append(items, ra) : -1;
        Py_XDECREF(ra);
        if (rc < 0) goto done;
    }
    PyObject *buff = stack_into(items, nd - 1, lead, dt);
    if (!buff) goto done;
    /* buff_dims[0:axis] + the result's dims + buff_dims[axis:nd-1] */
    int bnd = nd - 1 + rnd, k = 0;
    int64_t bperm[NUMC_MAX_DIMS];
    for (int i = 0; i < ax; i++)
        bperm[k++] = i;
    for (int i = nd - 1; i < bnd; i++)
        bperm[k++] = i;
    for (int i = (int)ax; i < nd - 1; i++)
        bperm[k++] = i;
    res = pynumc_wrap(numc_transpose(NumcArray_ARR(buff), bperm, bnd));
    Py_DECREF(buff);
done:
    if (arr) numc_array_release(arr);
    Py_XDECREF(extra);
    Py_XDECREF(items);
    Py_XDECREF(view);
    Py_XDECREF(dt);
    return res;
}

static PyObject *py_apply_over_axes(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"func", "a", "axes", NULL};
    PyObject *func, *aobj, *axes;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:apply_over_axes", kwlist, &func, &aobj, &axes))
        return NULL;
    numc_array *a0 = pynumc_asarray(aobj, NUMC_DTYPE_NONE);
    PyObject *val = a0 ? pynumc_wrap(a0) : NULL;
    if (!val) return NULL;
    int N = numc_array_ndim(NumcArray_ARR(val));
    int64_t ax[NUMC_MAX_DIMS * 2];
    int nax = 0;
    if (pynumc_parse_axes(axes, ax, &nax) < 0) {
        Py_DECREF(val);
        return NULL;
    }
    for (int i = 0; i < nax; i++) {
        int64_t axis = ax[i] < 0 ? ax[i] + N : ax[i];
        PyObject *r = PyObject_CallFunction(func, "OL", val, (long long)axis);
        PyObject *ra = r ? as_array(r, NULL) : NULL;
        Py_XDECREF(r);
        if (!ra) {
            Py_DECREF(val);
            return NULL;
        }
        int vnd = numc_array_ndim(NumcArray_ARR(val));
        if (numc_array_ndim(NumcArray_ARR(ra)) != vnd) {
            Py_SETREF(ra, pynumc_call_module("expand_dims",
                                             Py_BuildValue("(OL)", ra, (long long)axis), NULL));
            if (ra && numc_array_ndim(NumcArray_ARR(ra)) != vnd) {
                PyErr_SetString(PyExc_ValueError,
                                "function is not returning an array of the correct shape");
                Py_CLEAR(ra);
            }
            if (!ra) {
                Py_DECREF(val);
                return NULL;
            }
        }
        Py_SETREF(val, ra);
    }
    return val;
}

static PyObject *py_piecewise(PyObject *m, PyObject *args, PyObject *kw) {
    if (PyTuple_GET_SIZE(args) < 3) {
        PyErr_SetString(PyExc_TypeError,
                        "piecewise() missing required arguments: 'x', 'condlist', 'funclist'");
        return NULL;
    }
    PyObject *extra = PyTuple_GetSlice(args, 3, PY_SSIZE_T_MAX);
    numc_array *x0 = pynumc_asarray(PyTuple_GET_ITEM(args, 0), NUMC_DTYPE_NONE);
    PyObject *x = x0 ? pynumc_wrap(x0) : NULL, *conds = NULL, *y = NULL, *res = NULL;
    PyObject *condlist = PyTuple_GET_ITEM(args, 1), *funclist = PyTuple_GET_ITEM(args, 2);
    PyObject *funcs = PySequence_Fast(funclist, "piecewise: funclist must be a sequence");
    if (!x || !extra || !funcs) goto done;
    Py_ssize_t n2 = PySequence_Fast_GET_SIZE(funcs);
    /* a single condition becomes a list of one */
    bool wrap;
    if (!PySequence_Check(condlist) || PyUnicode_Check(condlist)) {
        wrap = true;
    } else {
        PyObject *c0 = PySequence_GetItem(condlist, 0);
        if (!c0) goto done;
        /* numc's 0-d arrays stand for NumPy's scalars here */
        bool listlike = PyList_Check(c0) ||
                        (NumcArray_Check(c0) && numc_array_ndim(NumcArray_ARR(c0)) > 0) ||
                        (pynumc_is_numpy_object(c0) && PyObject_HasAttrString(c0, "__len__"));
        Py_DECREF(c0);
        wrap = !listlike && numc_array_ndim(NumcArray_ARR(x)) != 0;
    }
    PyObject *cl = wrap ? Py_BuildValue("[O]", condlist) : Py_NewRef(condlist);
    PyObject *bdt = pynumc_dtype_object(NUMC_BOOL);
    conds = cl ? as_array(cl, bdt) : NULL;
    Py_XDECREF(cl);
    if (!conds) goto done;
    Py_ssize_t n = PyObject_Length(conds);
    if (n < 0) goto done;
    if (n == n2 - 1) {
        PyObject *kwk = Py_BuildValue("{s:i,s:O}", "axis", 0, "keepdims", Py_True);
        PyObject *anyc = kwk ? pynumc_call_module("any", PyTuple_Pack(1, conds), kwk) : NULL;
        Py_XDECREF(kwk);
        PyObject *els = anyc ? PyNumber_Invert(anyc) : NULL;
        Py_XDECREF(anyc);
        PyObject *cat =
            els ? pynumc_call_module("concatenate", Py_BuildValue("((OO))", conds, els), NULL)
                : NULL;
        Py_XDECREF(els);
        if (!cat) goto done;
        Py_SETREF(conds, cat);
        n++;
    } else if (n != n2) {
        PyErr_Format(PyExc_ValueError,
                     "with %zd condition(s), either %zd or %zd functions are expected", n, n,
                     n + 1);
        goto done;
    }
    y = pynumc_call_module("zeros_like", PyTuple_Pack(1, x), NULL);
    if (!y) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *cond = PySequence_GetItem(conds, i);
        PyObject *f = PySequence_Fast_GET_ITEM(funcs, i);
        int rc = -1;
        if (cond && !PyCallable_Check(f)) {
            rc = PyObject_SetItem(y, cond, f);
        } else if (cond) {
            PyObject *vals = PyObject_GetItem(x, cond);
            if (vals && numc_array_size(NumcArray_ARR(vals)) > 0) {
                PyObject *a = PyTuple_Pack(1, vals);
                if (a) Py_SETREF(a, PySequence_Concat(a, extra));
                PyObject *r = a ? PyObject_Call(f, a, kw) : NULL;
                Py_XDECREF(a);
                rc = r ? PyObject_SetItem(y, cond, r) : -1;
                Py_XDECREF(r);
            } else if (vals) {
                rc = 0;
            }
            Py_XDECREF(vals);
        }
        Py_XDECREF(cond);
        if (rc < 0) goto done;
    }
    res = Py_NewRef(y);
done:
    Py_XDECREF(x);
    Py_XDECREF(extra);
    Py_XDECREF(funcs);
    Py_XDECREF(conds);
    Py_XDECREF(y);
    return res;
}

static PyMethodDef vectorize_methods[] = {
    {"apply_along_axis", PYNUMC_FN(py_apply_along_axis), METH_VARARGS | METH_KEYWORDS,
     "apply_along_axis(func1d, axis, arr, *args, **kwargs): func1d on 1-D slices along axis."},
    {"apply_over_axes", PYNUMC_FN(py_apply_over_axes), METH_VARARGS | METH_KEYWORDS,
     "apply_over_axes(func, a, axes): func(a, axis) repeatedly, keeping the dimensions."},
    {"piecewise", PYNUMC_FN(py_piecewise), METH_VARARGS | METH_KEYWORDS,
     "piecewise(x, condlist, funclist, *args, **kw): a piecewise-defined function."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_vectorize(PyObject *m) {
    if (PyType_Ready(&Vectorize_Type) < 0 || PyType_Ready(&Bound_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "vectorize", (PyObject *)&Vectorize_Type) < 0) return -1;
    return PyModule_AddFunctions(m, vectorize_methods);
}
