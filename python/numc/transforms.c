/* transforms.c — JAX's function transforms in reverse mode over pytrees:
 * grad, value_and_grad, jacobian (jacrev, jacfwd), hessian, vjp, and
 * stop_gradient. Each differentiated leaf gets a fresh handle (a
 * differentiable identity), so an array passed twice is two inputs. */
#include "autodiff.h"

/* ------------------------------------------------- function transforms */

enum { K_GRAD, K_VALUE_AND_GRAD, K_JACOBIAN };

typedef struct {
    PyObject_HEAD int kind;
    PyObject *fun;
    PyObject *argnums; /* tuple of ints */
    int argnums_int;   /* argnums was given as an int */
    int has_aux, holomorphic, allow_int;
    PyObject *weakreflist;
} XformObject;

static PyTypeObject Xform_Type;

/* The differentiated arguments of one call. */
typedef struct {
    PyObject *args; /* tuple: the call's arguments with fresh leaves */
    Py_ssize_t nsel;
    PyObject *defs;         /* list: one treedef per selected argument */
    PyObject *leaves;       /* list: the fresh leaf handles (ndarray, or None) */
    const numc_array **src; /* borrowed from leaves; NULL for non-differentiable */
    Py_ssize_t nsrc;
} diffargs;

static void diffargs_free(diffargs *d) {
    Py_XDECREF(d->args);
    Py_XDECREF(d->defs);
    Py_XDECREF(d->leaves);
    PyMem_Free(d->src);
    memset(d, 0, sizeof *d);
}

/* A differentiated leaf: an inexact array (Python numbers become float
 * arrays of the default float type). NULL with an exception. */
static numc_array *diff_leaf(PyObject *o, const char *fn, int allow_int, int *skip) {
    *skip = 0;
    numc_array *a;
    if (NumcArray_Check(o)) {
        a = numc_array_retain(NumcArray_ARR(o));
    } else if (PyBool_Check(o) || PyLong_Check(o) || PyFloat_Check(o)) {
        a = pynumc_asarray(o, numc_default_float());
    } else {
        a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    }
    if (!a) return NULL;
    if (!pynumc_ad_is_inexact(numc_array_dtype(a))) {
        if (allow_int) {
            *skip = 1;
            return a;
        }
        PyErr_Format(PyExc_TypeError,
                     "%s requires real- or complex-valued inputs (input dtype that is a sub-dtype "
                     "of np.inexact), but got %s. If you want to use Boolean- or integer-valued "
                     "inputs, use vjp or set allow_int to True.",
                     fn, numc_dtype_name(numc_array_dtype(a)));
        numc_array_release(a);
        return NULL;
    }
    return a;
}

/* argnums (tuple of ints) against nargs: normalised indices in idx. */
static int resolve_argnums(PyObject *argnums, Py_ssize_t nargs, Py_ssize_t *idx, Py_ssize_t nsel) {
    for (Py_ssize_t k = 0; k < nsel; k++) {
        Py_ssize_t a = PyLong_AsSsize_t(PyTuple_GET_ITEM(argnums, k));
        if (a == -1 && PyErr_Occurred()) return -1;
        if (a < 0) a += nargs;
        if (a < 0 || a >= nargs) {
            PyErr_Format(PyExc_TypeError,
                         "differentiating with respect to argnums=%R requires at least %zd "
                         "positional arguments to be passed by the caller, but got only %zd "
                         "positional arguments.",
                         argnums, (a < 0 ? -a : a + 1), nargs);
            return -1;
        }
        idx[k] = a;
    }
    return 0;
}

static int diffargs_build(diffargs *d, PyObject *args, const Py_ssize_t *idx, Py_ssize_t nsel,
                          const char *fn, int allow_int) {
    memset(d, 0, sizeof *d);
    PyObject *list = PySequence_List(args);
    if (!list) return -1;
    d->nsel = nsel;
    d->defs = PyList_New(0);
    d->leaves = PyList_New(0);
    if (!d->defs || !d->leaves) goto fail;
    for (Py_ssize_t k = 0; k < nsel; k++) {
        PyObject *def, *lv = pynumc_ad_flatten(PyList_GET_ITEM(list, idx[k]), &def);
        if (!lv) goto fail;
        int rc = PyList_Append(d->defs, def);
        Py_DECREF(def);
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(lv); i++) {
            int skip;
            numc_array *a = diff_leaf(PyList_GET_ITEM(lv, i), fn, allow_int, &skip);
            numc_array *f = a && !skip ? numc_array_fresh_handle(a) : NULL;
            if (a && !skip && !f) pynumc_raise();
            PyObject *o = NULL;
            if (f)
                o = pynumc_wrap(f);
            else if (a && skip)
                o = pynumc_wrap(numc_array_retain(a));
            numc_array_release(a);
            rc = o ? 0 : -1;
            if (o) {
                rc = PyList_SetItem(lv, i, Py_NewRef(o));
                if (rc == 0) rc = PyList_Append(d->leaves, skip ? Py_None : o);
                Py_DECREF(o);
            }
        }
        PyObject *tree = rc == 0 ? pynumc_ad_unflatten(PyList_GET_ITEM(d->defs, k), lv) : NULL;
        Py_DECREF(lv);
        if (!tree) goto fail;
        PyList_SetItem(list, idx[k], tree);
    }
    d->args = PyList_AsTuple(list);
    Py_CLEAR(list);
    if (!d->args) goto fail;
    d->nsrc = PyList_GET_SIZE(d->leaves);
    d->src = PyMem_Calloc((size_t)d->nsrc + 1, sizeof *d->src);
    if (!d->src) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < d->nsrc; i++) {
        PyObject *o = PyList_GET_ITEM(d->leaves, i);
        d->src[i] = o == Py_None ? NULL : NumcArray_ARR(o);
    }
    return 0;
fail:
    Py_XDECREF(list);
    diffargs_free(d);
    return -1;
}

/* Builds the per-argnum result trees from per-leaf objects (stolen list). */
static PyObject *diffargs_result(diffargs *d, PyObject *objs, int argnums_int) {
    Py_ssize_t pos = 0;
    PyObject *out = PyTuple_New(d->nsel);
    for (Py_ssize_t k = 0; out && k < d->nsel; k++) {
        PyObject *tree = pynumc_tree_unflatten(PyList_GET_ITEM(d->defs, k), objs, &pos);
        if (!tree)
            Py_CLEAR(out);
        else
            PyTuple_SET_ITEM(out, k, tree);
    }
    Py_DECREF(objs);
    if (out && argnums_int) {
        PyObject *one = Py_NewRef(PyTuple_GET_ITEM(out, 0));
        Py_DECREF(out);
        return one;
    }
    return out;
}

/* Gradient arrays (consumed; NULL -> None) as ndarray objects in a list. */
static PyObject *grads_to_list(numc_array **g, Py_ssize_t n) {
    PyObject *l = PyList_New(n);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = l ? pynumc_ad_wrap_or_none(g[i]) : NULL;
        g[i] = NULL;
        if (!o) {
            for (Py_ssize_t j = i + 1; j < n; j++) {
                numc_array_release(g[j]);
                g[j] = NULL;
            }
            Py_XDECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, o);
    }
    return l;
}

/* Runs fun(*d->args, **kw) on a new tape that watches d's leaves. */
static PyObject *call_on_tape(PyObject *fun, diffargs *d, PyObject *kw, numc_tape **tape) {
    numc_tape *t = numc_tape_new(true);
    if (!t) return pynumc_raise();
    for (Py_ssize_t i = 0; i < d->nsrc; i++)
        if (d->src[i] && numc_tape_watch(t, d->src[i])) {
            numc_tape_free(t);
            return pynumc_raise();
        }
    PyObject *r = PyObject_Call(fun, d->args, kw);
    numc_tape_stop(t);
    if (!r) {
        numc_tape_free(t);
        return NULL;
    }
    *tape = t;
    return r;
}

static int split_aux(PyObject *r, int has_aux, const char *fn, PyObject **out, PyObject **aux) {
    *aux = NULL;
    if (!has_aux) {
        *out = r;
        return 0;
    }
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 2) {
        PyErr_Format(PyExc_TypeError,
                     "%s with has_aux=True requires the function to return a pair (tuple of "
                     "length 2) (output, auxiliary data), but it returned %.200s",
                     fn, Py_TYPE(r)->tp_name);
        return -1;
    }
    *out = PyTuple_GET_ITEM(r, 0);
    *aux = PyTuple_GET_ITEM(r, 1);
    return 0;
}

static int check_output_dtype(const numc_array *a, const char *fn, int holomorphic) {
    if (numc_dtype_kind(numc_array_dtype(a)) == 'f' ||
        (holomorphic && numc_dtype_kind(numc_array_dtype(a)) == 'c'))
        return 0;
    PyErr_Format(PyExc_TypeError,
                 "%s requires real-valued outputs (output dtype that is a sub-dtype of "
                 "np.floating), but got %s. For holomorphic differentiation, pass "
                 "holomorphic=True. For differentiation of non-holomorphic functions involving "
                 "complex outputs, use numc.vjp directly.",
                 fn, numc_dtype_name(numc_array_dtype(a)));
    return -1;
}

static PyObject *xform_grad(XformObject *x, diffargs *d, PyObject *kw) {
    const char *fn = x->kind == K_GRAD ? "grad" : "value_and_grad";
    numc_tape *t = NULL;
    PyObject *r = call_on_tape(x->fun, d, kw, &t);
    if (!r) return NULL;
    PyObject *out, *aux, *value = NULL, *res = NULL;
    numc_array *y = NULL, **g = NULL;
    if (split_aux(r, x->has_aux, fn, &out, &aux) < 0) goto done;
    if (!(y = pynumc_ad_as_array(out))) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                         "Gradient only defined for scalar-output functions. Output was %.200R.",
                         out);
        }
        goto done;
    }
    if (numc_array_ndim(y) != 0) {
        char sh[NUMC_MAX_DIMS * 24];
        pynumc_ad_shape_repr(y, sh, sizeof sh);
        PyErr_Format(PyExc_ValueError,
                     "Gradient only defined for scalar-output functions. Output had shape: %s.",
                     sh);
        goto done;
    }
    if (check_output_dtype(y, fn, x->holomorphic) < 0) goto done;
    g = PyMem_Calloc((size_t)d->nsrc + 1, sizeof *g);
    if (!g) {
        PyErr_NoMemory();
        goto done;
    }
    {
        const numc_array *tg[1] = {y};
        numc_status st = numc_tape_gradient_n(t, 1, tg, NULL, (int)d->nsrc, d->src, true, g);
        /* a NULL source (allow_int) gives NULL */
        if (st) {
            if (PyErr_Occurred()) numc_error_clear();
            pynumc_raise();
            goto done;
        }
    }
    PyObject *gl = grads_to_list(g, d->nsrc);
    PyObject *gt = gl ? diffargs_result(d, gl, x->argnums_int) : NULL;
    if (!gt) goto done;
    if (x->kind == K_GRAD) {
        res = x->has_aux ? Py_BuildValue("(NO)", gt, aux) : gt;
    } else {
        value = NumcArray_Check(out) ? Py_NewRef(out) : pynumc_wrap(numc_array_retain(y));
        if (!value) {
            Py_DECREF(gt);
            goto done;
        }
        res = x->has_aux ? Py_BuildValue("((NO)N)", value, aux, gt)
                         : Py_BuildValue("(NN)", value, gt);
    }
done:
    if (g) pynumc_ad_release_all(g, d->nsrc);
    PyMem_Free(g);
    numc_array_release(y);
    numc_tape_free(t);
    Py_DECREF(r);
    return res;
}

static PyObject *xform_jacobian(XformObject *x, diffargs *d, PyObject *kw) {
    numc_tape *t = NULL;
    PyObject *r = call_on_tape(x->fun, d, kw, &t);
    if (!r) return NULL;
    PyObject *out, *aux, *odef = NULL, *oleaves = NULL, *blocks = NULL, *res = NULL;
    numc_array **jac = NULL;
    if (split_aux(r, x->has_aux, "jacobian", &out, &aux) < 0) goto done;
    if (!(oleaves = pynumc_ad_flatten(out, &odef))) goto done;
    jac = PyMem_Calloc((size_t)d->nsrc + 1, sizeof *jac);
    if (!jac || !(blocks = PyList_New(PyList_GET_SIZE(oleaves)))) {
        if (!jac) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(oleaves); j++) {
        numc_array *y = pynumc_ad_as_array(PyList_GET_ITEM(oleaves, j));
        if (!y) goto done;
        if (check_output_dtype(y, "jacobian", x->holomorphic) < 0 ||
            pynumc_ad_tape_jacobian(t, y, (int)d->nsrc, d->src, 1, jac) < 0) {
            numc_array_release(y);
            goto done;
        }
        numc_array_release(y);
        PyObject *gl = grads_to_list(jac, d->nsrc);
        PyObject *tree = gl ? diffargs_result(d, gl, x->argnums_int) : NULL;
        if (!tree) goto done;
        PyList_SET_ITEM(blocks, j, tree);
    }
    {
        PyObject *jt = pynumc_ad_unflatten(odef, blocks);
        if (!jt) goto done;
        res = x->has_aux ? Py_BuildValue("(NO)", jt, aux) : jt;
    }
done:
    if (jac) pynumc_ad_release_all(jac, d->nsrc);
    PyMem_Free(jac);
    Py_XDECREF(odef);
    Py_XDECREF(oleaves);
    Py_XDECREF(blocks);
    numc_tape_free(t);
    Py_DECREF(r);
    return res;
}

static PyObject *xform_call(PyObject *self, PyObject *args, PyObject *kw) {
    XformObject *x = (XformObject *)self;
    Py_ssize_t nsel = PyTuple_GET_SIZE(x->argnums);
    Py_ssize_t *idx = PyMem_Calloc((size_t)nsel + 1, sizeof *idx);
    if (!idx) return PyErr_NoMemory();
    const char *fn = x->kind == K_GRAD       ? "grad"
                     : x->kind == K_JACOBIAN ? "jacobian"
                                             : "value_and_grad";
    diffargs d;
    PyObject *res = NULL;
    if (resolve_argnums(x->argnums, PyTuple_GET_SIZE(args), idx, nsel) == 0 &&
        diffargs_build(&d, args, idx, nsel, fn, x->allow_int) == 0) {
        res = x->kind == K_JACOBIAN ? xform_jacobian(x, &d, kw) : xform_grad(x, &d, kw);
        diffargs_free(&d);
    }
    PyMem_Free(idx);
    return res;
}

static void xform_dealloc(PyObject *self) {
    XformObject *x = (XformObject *)self;
    if (x->weakreflist) PyObject_ClearWeakRefs(self);
    PyObject_GC_UnTrack(self);
    Py_XDECREF(x->fun);
    Py_XDECREF(x->argnums);
    PyObject_GC_Del(self);
}

static int xform_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(((XformObject *)self)->fun);
    return 0;
}

static int xform_clear(PyObject *self) {
    Py_CLEAR(((XformObject *)self)->fun);
    return 0;
}

static PyObject *xform_descr_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (!obj || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyObject *xform_getattr_fun(PyObject *self, void *name) {
    return PyObject_GetAttrString(((XformObject *)self)->fun, (const char *)name);
}

static PyObject *xform_wrapped(PyObject *self, void *c) {
    return Py_NewRef(((XformObject *)self)->fun);
}

static PyObject *xform_repr(PyObject *self) {
    XformObject *x = (XformObject *)self;
    static const char *names[] = {"grad", "value_and_grad", "jacobian"};
    return PyUnicode_FromFormat("<numc.%s of %R>", names[x->kind], x->fun);
}

static PyGetSetDef xform_getset[] = {
    {"__name__", xform_getattr_fun, NULL, NULL, "__name__"},
    {"__qualname__", xform_getattr_fun, NULL, NULL, "__qualname__"},
    {"__doc__", xform_getattr_fun, NULL, NULL, "__doc__"},
    {"__module__", xform_getattr_fun, NULL, NULL, "__module__"},
    {"__wrapped__", xform_wrapped, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Xform_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc._Transformed",
    .tp_basicsize = sizeof(XformObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = xform_dealloc,
    .tp_traverse = xform_traverse,
    .tp_clear = xform_clear,
    .tp_call = xform_call,
    .tp_descr_get = xform_descr_get,
    .tp_repr = xform_repr,
    .tp_getset = xform_getset,
    .tp_weaklistoffset = offsetof(XformObject, weakreflist),
};

static PyObject *make_xform(int kind, PyObject *fun, PyObject *argnums, int has_aux,
                            int holomorphic, int allow_int) {
    if (!PyCallable_Check(fun)) {
        PyErr_Format(PyExc_TypeError, "Expected a callable value, got %.200R", fun);
        return NULL;
    }
    PyObject *tup;
    int is_int = 0;
    if (!argnums) argnums = Py_None;
    if (PyLong_Check(argnums)) {
        tup = PyTuple_Pack(1, argnums);
        is_int = 1;
    } else if (PyTuple_Check(argnums) || PyList_Check(argnums)) {
        tup = PySequence_Tuple(argnums);
        for (Py_ssize_t i = 0; tup && i < PyTuple_GET_SIZE(tup); i++)
            if (!PyLong_Check(PyTuple_GET_ITEM(tup, i))) {
                PyErr_SetString(PyExc_TypeError, "argnums must be an int or a tuple of ints");
                Py_CLEAR(tup);
            }
        if (tup && PyTuple_GET_SIZE(tup) == 0) {
            PyErr_SetString(PyExc_ValueError, "argnums must not be an empty tuple");
            Py_CLEAR(tup);
        }
    } else {
        PyErr_Format(PyExc_TypeError, "argnums must be an int or a tuple of ints, got %.200R",
                     argnums);
        return NULL;
    }
    if (!tup) return NULL;
    XformObject *x = PyObject_GC_New(XformObject, &Xform_Type);
    if (!x) {
        Py_DECREF(tup);
        return NULL;
    }
    x->kind = kind;
    x->fun = Py_NewRef(fun);
    x->argnums = tup;
    x->argnums_int = is_int;
    x->has_aux = has_aux;
    x->holomorphic = holomorphic;
    x->allow_int = allow_int;
    x->weakreflist = NULL;
    PyObject_GC_Track((PyObject *)x);
    return (PyObject *)x;
}

static PyObject *parse_xform(int kind, PyObject *args, PyObject *kw, const char *name) {
    static char *kwlist[] = {"fun",       "argnums",     "has_aux", "holomorphic",
                             "allow_int", "reduce_axes", NULL};
    PyObject *fun, *argnums = NULL, *reduce_axes = NULL;
    int has_aux = 0, holomorphic = 0, allow_int = 0;
    char fmt[64];
    snprintf(fmt, sizeof fmt, "O|OpppO:%s", name);
    if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &fun, &argnums, &has_aux, &holomorphic,
                                     &allow_int, &reduce_axes))
        return NULL;
    PyObject *zero = NULL;
    if (!argnums) argnums = zero = PyLong_FromLong(0);
    PyObject *r = argnums ? make_xform(kind, fun, argnums, has_aux, holomorphic, allow_int) : NULL;
    Py_XDECREF(zero);
    return r;
}

static PyObject *py_grad(PyObject *m, PyObject *args, PyObject *kw) {
    return parse_xform(K_GRAD, args, kw, "grad");
}
static PyObject *py_value_and_grad(PyObject *m, PyObject *args, PyObject *kw) {
    return parse_xform(K_VALUE_AND_GRAD, args, kw, "value_and_grad");
}
static PyObject *py_jacobian(PyObject *m, PyObject *args, PyObject *kw) {
    return parse_xform(K_JACOBIAN, args, kw, "jacobian");
}

static PyObject *py_hessian(PyObject *m, PyObject *args, PyObject *kw) {
    PyObject *inner = parse_xform(K_JACOBIAN, args, kw, "hessian");
    if (!inner) return NULL;
    XformObject *x = (XformObject *)inner;
    PyObject *outer =
        make_xform(K_JACOBIAN, inner, x->argnums_int ? PyTuple_GET_ITEM(x->argnums, 0) : x->argnums,
                   x->has_aux, x->holomorphic, x->allow_int);
    Py_DECREF(inner);
    return outer;
}

/* ------------------------------------------------------------------- vjp */

typedef struct {
    PyObject_HEAD numc_tape *tape;
    PyObject *out_def;    /* treedef of the output */
    PyObject *out_leaves; /* list of ndarray: the output leaves (targets) */
    diffargs d;
} VjpFunObject;

static PyTypeObject VjpFun_Type;

static void vjpfun_dealloc(PyObject *self) {
    VjpFunObject *v = (VjpFunObject *)self;
    numc_tape_free(v->tape);
    Py_XDECREF(v->out_def);
    Py_XDECREF(v->out_leaves);
    diffargs_free(&v->d);
    PyObject_Free(self);
}

static PyObject *vjpfun_call(PyObject *self, PyObject *args, PyObject *kw) {
    VjpFunObject *v = (VjpFunObject *)self;
    if ((kw && PyDict_GET_SIZE(kw)) || PyTuple_GET_SIZE(args) != 1) {
        PyErr_SetString(PyExc_TypeError,
                        "The function returned by numc.vjp takes exactly one argument: a "
                        "cotangent with the structure of the primal output");
        return NULL;
    }
    PyObject *cdef, *cleaves = pynumc_ad_flatten(PyTuple_GET_ITEM(args, 0), &cdef);
    if (!cleaves) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(v->out_leaves);
    PyObject *res = NULL;
    numc_array **tg = NULL, **og = NULL, **g = NULL;
    int eq = PyObject_RichCompareBool(cdef, v->out_def, Py_EQ);
    if (eq < 0) goto done;
    if (!eq || PyList_GET_SIZE(cleaves) != n) {
        PyErr_Format(PyExc_ValueError,
                     "Tree structure of cotangent input %R does not match the structure of the "
                     "primal output %R",
                     cdef, v->out_def);
        goto done;
    }
    tg = PyMem_Calloc((size_t)n + 1, sizeof *tg);
    og = PyMem_Calloc((size_t)n + 1, sizeof *og);
    g = PyMem_Calloc((size_t)v->d.nsrc + 1, sizeof *g);
    if (!tg || !og || !g) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        tg[i] = NumcArray_ARR(PyList_GET_ITEM(v->out_leaves, i));
        if (!(og[i] = pynumc_ad_as_array(PyList_GET_ITEM(cleaves, i)))) goto done;
        if (numc_array_ndim(og[i]) != numc_array_ndim(tg[i]) ||
            memcmp(numc_array_shape(og[i]), numc_array_shape(tg[i]),
                   sizeof(int64_t) * (size_t)numc_array_ndim(tg[i]))) {
            char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
            pynumc_ad_shape_repr(og[i], s1, sizeof s1);
            pynumc_ad_shape_repr(tg[i], s2, sizeof s2);
            PyErr_Format(PyExc_ValueError,
                         "vjp: the cotangent has shape %s but the primal output has shape %s", s1,
                         s2);
            goto done;
        }
    }
    if (numc_tape_gradient_n(v->tape, (int)n, (const numc_array *const *)tg,
                             (const numc_array *const *)og, (int)v->d.nsrc, v->d.src, true, g)) {
        if (PyErr_Occurred()) numc_error_clear();
        pynumc_raise();
        goto done;
    }
    {
        PyObject *gl = grads_to_list(g, v->d.nsrc);
        PyObject *gt = gl ? diffargs_result(&v->d, gl, 0) : NULL;
        res = gt;
    }
done:
    if (og) pynumc_ad_release_all(og, n);
    if (g) pynumc_ad_release_all(g, v->d.nsrc);
    PyMem_Free(tg);
    PyMem_Free(og);
    PyMem_Free(g);
    Py_DECREF(cdef);
    Py_DECREF(cleaves);
    return res;
}

static PyTypeObject VjpFun_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc._VJPFunction",
    .tp_basicsize = sizeof(VjpFunObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "vjp_fn(cotangent) -> a tuple of cotangents, one per primal.",
    .tp_dealloc = vjpfun_dealloc,
    .tp_call = vjpfun_call,
};

static PyObject *py_vjp(PyObject *m, PyObject *args, PyObject *kw) {
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "vjp() missing required argument 'fun'");
        return NULL;
    }
    int has_aux = 0;
    if (kw) {
        PyObject *k, *val;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kw, &pos, &k, &val)) {
            if (PyUnicode_Check(k) && !PyUnicode_CompareWithASCIIString(k, "has_aux")) {
                if ((has_aux = PyObject_IsTrue(val)) < 0) return NULL;
            } else {
                PyErr_Format(PyExc_TypeError, "vjp() got an unexpected keyword argument %R", k);
                return NULL;
            }
        }
    }
    PyObject *fun = PyTuple_GET_ITEM(args, 0);
    if (!PyCallable_Check(fun)) {
        PyErr_Format(PyExc_TypeError, "Expected a callable value, got %.200R", fun);
        return NULL;
    }
    PyObject *primals = PyTuple_GetSlice(args, 1, nargs);
    if (!primals) return NULL;
    Py_ssize_t np = nargs - 1;
    Py_ssize_t *idx = PyMem_Calloc((size_t)np + 1, sizeof *idx);
    VjpFunObject *v = PyObject_New(VjpFunObject, &VjpFun_Type);
    PyObject *res = NULL, *r = NULL;
    if (!idx || !v) {
        if (!idx) PyErr_NoMemory();
        if (v) PyObject_Free(v);
        Py_DECREF(primals);
        PyMem_Free(idx);
        return NULL;
    }
    v->tape = NULL;
    v->out_def = v->out_leaves = NULL;
    memset(&v->d, 0, sizeof v->d);
    for (Py_ssize_t i = 0; i < np; i++)
        idx[i] = i;
    if (diffargs_build(&v->d, primals, idx, np, "vjp", 1) < 0) goto done;
    if (!(r = call_on_tape(fun, &v->d, NULL, &v->tape))) goto done;
    PyObject *out, *aux;
    if (split_aux(r, has_aux, "vjp", &out, &aux) < 0) goto done;
    PyObject *lv = pynumc_ad_flatten(out, &v->out_def);
    if (!lv) goto done;
    v->out_leaves = lv;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lv); i++) {
        PyObject *o = PyList_GET_ITEM(lv, i);
        if (!NumcArray_Check(o)) {
            numc_array *a = pynumc_ad_as_array(o);
            PyObject *w = a ? pynumc_wrap(a) : NULL;
            if (!w) goto done;
            PyList_SetItem(lv, i, w);
        }
    }
    res = has_aux ? Py_BuildValue("(OOO)", out, (PyObject *)v, aux)
                  : Py_BuildValue("(OO)", out, (PyObject *)v);
done:
    Py_XDECREF(r);
    Py_DECREF(primals);
    PyMem_Free(idx);
    Py_DECREF(v);
    return res;
}

/* --------------------------------------------------------- stop_gradient */

static PyObject *py_stop_gradient(PyObject *m, PyObject *x) {
    PyObject *def, *leaves = pynumc_ad_flatten(x, &def);
    if (!leaves) return NULL;
    PyObject *res = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(leaves); i++) {
        numc_array *a = pynumc_ad_as_array(PyList_GET_ITEM(leaves, i));
        if (!a) goto done;
        numc_array *s = numc_stop_gradient(a);
        numc_array_release(a);
        PyObject *o = pynumc_wrap(s);
        if (!o) goto done;
        PyList_SetItem(leaves, i, o);
    }
    res = pynumc_ad_unflatten(def, leaves);
done:
    Py_DECREF(def);
    Py_DECREF(leaves);
    return res;
}

static PyMethodDef transform_functions[] = {
    {"grad", PYNUMC_FN(py_grad), METH_VARARGS | METH_KEYWORDS,
     "grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False): a function\n"
     "computing the gradient of the scalar fun with respect to the arguments argnums\n"
     "(pytrees of arrays; Python numbers become float arrays). Reverse mode, on a tape."},
    {"value_and_grad", PYNUMC_FN(py_value_and_grad), METH_VARARGS | METH_KEYWORDS,
     "value_and_grad(fun, argnums=0, has_aux=False): a function returning (fun(...), grad)."},
    {"jacobian", PYNUMC_FN(py_jacobian), METH_VARARGS | METH_KEYWORDS,
     "jacobian(fun, argnums=0, has_aux=False): a function returning the Jacobian of fun\n"
     "(output shape + input shape per output and input leaf), one backward pass per output\n"
     "element."},
    {"jacrev", PYNUMC_FN(py_jacobian), METH_VARARGS | METH_KEYWORDS,
     "jacrev: the same as jacobian."},
    {"jacfwd", PYNUMC_FN(py_jacobian), METH_VARARGS | METH_KEYWORDS,
     "jacfwd: the same Jacobian as jacobian (computed in reverse mode)."},
    {"hessian", PYNUMC_FN(py_hessian), METH_VARARGS | METH_KEYWORDS,
     "hessian(fun, argnums=0, has_aux=False): jacobian(jacobian(fun)) (nested tapes)."},
    {"vjp", PYNUMC_FN(py_vjp), METH_VARARGS | METH_KEYWORDS,
     "vjp(fun, *primals, has_aux=False) -> (out, vjp_fn[, aux]); vjp_fn(cotangent) returns\n"
     "a tuple with one cotangent per primal (None for integer leaves). vjp_fn may be called\n"
     "repeatedly."},
    {"stop_gradient", py_stop_gradient, METH_O,
     "stop_gradient(x): the same values, with zero derivative (a pytree of arrays)."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_transforms(PyObject *m) {
    if (PyType_Ready(&Xform_Type) < 0 || PyType_Ready(&VjpFun_Type) < 0) return -1;
    return PyModule_AddFunctions(m, transform_functions);
}
