/* custom_vjp.c — JAX's custom_vjp decorator (defvjp(fwd, bwd)) as a custom
 * tape record: with a tape watching an array input, fwd runs with the
 * innermost such tape paused (outer tapes record it, so residuals stay
 * differentiable) and one record whose backward calls bwd is appended;
 * with none watching, the function itself runs. */
#include "autodiff.h"

/* ------------------------------------------------------------ custom_vjp */

typedef struct {
    PyObject_HEAD PyObject *fun, *fwd, *bwd;
    PyObject *nondiff; /* tuple of ints */
    PyObject *dict;
    PyObject *weakreflist;
} CvjpObject;

static PyTypeObject Cvjp_Type;

/* The payload of a custom record: what the backward needs. */
typedef struct {
    PyObject *bwd, *residuals, *nondiff_vals; /* nondiff_vals: tuple */
    PyObject *out_def;
    Py_ssize_t ndiff;    /* differentiated arguments */
    Py_ssize_t *nleaves; /* per differentiated argument */
    Py_ssize_t *recpos;  /* per leaf: record input index, or -1 */
    Py_ssize_t totleaves;
} cvjp_payload;

static void cvjp_payload_free(void *p) {
    cvjp_payload *c = p;
    if (!c) return;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_XDECREF(c->bwd);
    Py_XDECREF(c->residuals);
    Py_XDECREF(c->nondiff_vals);
    Py_XDECREF(c->out_def);
    PyGILState_Release(g);
    free(c->nleaves);
    free(c->recpos);
    free(c);
}

static numc_status cvjp_fail(void) {
    return numc_error_set(NUMC_ERR_RUNTIME, "custom_vjp: the bwd rule raised an exception");
}

static numc_status cvjp_backward(void *payload, int nin, const numc_array *const *in, int nout,
                                 const numc_array *const *out, const numc_array *const *ct_out,
                                 numc_array **ct_in) {
    cvjp_payload *c = payload;
    PyGILState_STATE gs = PyGILState_Ensure();
    numc_status st = NUMC_OK;
    PyObject *cts = PyList_New(nout), *ctree = NULL, *callargs = NULL, *r = NULL, *rt = NULL;
    for (int k = 0; cts && k < nout; k++) {
        numc_array *a = ct_out[k] ? numc_array_retain((numc_array *)ct_out[k])
                                  : numc_zeros(numc_array_ndim(out[k]), numc_array_shape(out[k]),
                                               numc_array_dtype(out[k]));
        PyObject *o = pynumc_wrap(a);
        if (!o) goto fail;
        PyList_SET_ITEM(cts, k, o);
    }
    if (!cts || !(ctree = pynumc_ad_unflatten(c->out_def, cts))) goto fail;
    Py_ssize_t nnd = PyTuple_GET_SIZE(c->nondiff_vals);
    if (!(callargs = PyTuple_New(nnd + 2))) goto fail;
    for (Py_ssize_t i = 0; i < nnd; i++)
        PyTuple_SET_ITEM(callargs, i, Py_NewRef(PyTuple_GET_ITEM(c->nondiff_vals, i)));
    PyTuple_SET_ITEM(callargs, nnd, Py_NewRef(c->residuals));
    PyTuple_SET_ITEM(callargs, nnd + 1, Py_NewRef(ctree));
    if (!(r = PyObject_Call(c->bwd, callargs, NULL))) goto fail;
    if (PyTuple_Check(r))
        rt = Py_NewRef(r);
    else if (c->ndiff == 1 && (PyList_Check(r) || !PySequence_Check(r)))
        rt = PyTuple_Pack(1, r);
    if (!rt || PyTuple_GET_SIZE(rt) != c->ndiff) {
        Py_XDECREF(rt);
        rt = NULL;
        PyErr_Format(PyExc_TypeError,
                     "Custom VJP bwd rule must produce a tuple of length equal to the number of "
                     "differentiated arguments of the primal function (%zd), but got %.200R",
                     c->ndiff, r);
        goto fail;
    }
    Py_ssize_t leaf0 = 0;
    for (Py_ssize_t a = 0; a < c->ndiff; a++) {
        PyObject *ca = PyTuple_GET_ITEM(rt, a);
        Py_ssize_t nl = c->nleaves[a];
        if (ca != Py_None) {
            PyObject *def, *lv = pynumc_ad_flatten(ca, &def);
            if (!lv) goto fail;
            Py_DECREF(def);
            if (PyList_GET_SIZE(lv) != nl) {
                PyErr_Format(PyExc_ValueError,
                             "Custom VJP bwd rule: the cotangent for argument %zd has %zd leaves "
                             "but the argument has %zd",
                             a, PyList_GET_SIZE(lv), nl);
                Py_DECREF(lv);
                goto fail;
            }
            for (Py_ssize_t i = 0; i < nl; i++) {
                Py_ssize_t p = c->recpos[leaf0 + i];
                PyObject *o = PyList_GET_ITEM(lv, i);
                if (p < 0 || o == Py_None) continue;
                numc_array *g = pynumc_ad_as_array(o);
                if (!g) {
                    Py_DECREF(lv);
                    goto fail;
                }
                const numc_array *x = in[p];
                if (numc_array_ndim(g) != numc_array_ndim(x) ||
                    memcmp(numc_array_shape(g), numc_array_shape(x),
                           sizeof(int64_t) * (size_t)numc_array_ndim(x))) {
                    numc_array *b = numc_broadcast_to(g, numc_array_ndim(x), numc_array_shape(x));
                    if (!b || numc_array_ndim(g) > numc_array_ndim(x)) {
                        char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
                        pynumc_ad_shape_repr(g, s1, sizeof s1);
                        pynumc_ad_shape_repr(x, s2, sizeof s2);
                        numc_error_clear();
                        numc_array_release(b);
                        numc_array_release(g);
                        Py_DECREF(lv);
                        PyErr_Format(PyExc_ValueError,
                                     "Custom VJP bwd rule produced a cotangent of shape %s for an "
                                     "input of shape %s",
                                     s1, s2);
                        goto fail;
                    }
                    numc_array_release(g);
                    g = b;
                }
                if (numc_array_dtype(g) != numc_array_dtype(x)) {
                    numc_array *cv = numc_astype(g, numc_array_dtype(x));
                    numc_array_release(g);
                    if (!(g = cv)) {
                        Py_DECREF(lv);
                        pynumc_raise();
                        goto fail;
                    }
                }
                numc_array_release(ct_in[p]);
                ct_in[p] = g;
            }
            Py_DECREF(lv);
        }
        leaf0 += nl;
    }
    goto done;
fail:
    for (int i = 0; i < nin; i++) {
        numc_array_release(ct_in[i]);
        ct_in[i] = NULL;
    }
    st = cvjp_fail();
done:
    Py_XDECREF(cts);
    Py_XDECREF(ctree);
    Py_XDECREF(callargs);
    Py_XDECREF(r);
    Py_XDECREF(rt);
    PyGILState_Release(gs);
    return st;
}

static PyObject *cvjp_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"fun", "nondiff_argnums", NULL};
    PyObject *fun, *nd = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:custom_vjp", kwlist, &fun, &nd)) return NULL;
    if (!PyCallable_Check(fun)) {
        PyErr_Format(PyExc_TypeError, "Expected a callable value, got %.200R", fun);
        return NULL;
    }
    PyObject *ndt = nd ? PySequence_Tuple(nd) : PyTuple_New(0);
    if (!ndt) return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(ndt); i++)
        if (!PyLong_Check(PyTuple_GET_ITEM(ndt, i))) {
            PyErr_SetString(PyExc_TypeError, "nondiff_argnums must be a tuple of ints");
            Py_DECREF(ndt);
            return NULL;
        }
    CvjpObject *c = (CvjpObject *)tp->tp_alloc(tp, 0);
    if (!c) {
        Py_DECREF(ndt);
        return NULL;
    }
    c->fun = Py_NewRef(fun);
    c->nondiff = ndt;
    PyObject *dict = PyObject_GetAttrString(fun, "__dict__");
    if (dict && PyDict_Check(dict))
        c->dict = PyDict_Copy(dict);
    else
        PyErr_Clear();
    Py_XDECREF(dict);
    if (!c->dict) c->dict = PyDict_New();
    if (!c->dict) {
        Py_DECREF(c);
        return NULL;
    }
    PyObject *names[] = {PyUnicode_FromString("__name__"), PyUnicode_FromString("__qualname__"),
                         PyUnicode_FromString("__doc__"), PyUnicode_FromString("__module__")};
    for (int i = 0; i < 4; i++) {
        if (!names[i]) continue;
        PyObject *v = PyObject_GetAttr(fun, names[i]);
        if (v)
            PyDict_SetItem(c->dict, names[i], v);
        else
            PyErr_Clear();
        Py_XDECREF(v);
        Py_DECREF(names[i]);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(c);
        return NULL;
    }
    PyDict_SetItemString(c->dict, "__wrapped__", fun);
    return (PyObject *)c;
}

static void cvjp_dealloc(PyObject *self) {
    CvjpObject *c = (CvjpObject *)self;
    PyObject_GC_UnTrack(self);
    if (c->weakreflist) PyObject_ClearWeakRefs(self);
    Py_XDECREF(c->fun);
    Py_XDECREF(c->fwd);
    Py_XDECREF(c->bwd);
    Py_XDECREF(c->nondiff);
    Py_XDECREF(c->dict);
    Py_TYPE(self)->tp_free(self);
}

static int cvjp_traverse(PyObject *self, visitproc visit, void *arg) {
    CvjpObject *c = (CvjpObject *)self;
    Py_VISIT(c->fun);
    Py_VISIT(c->fwd);
    Py_VISIT(c->bwd);
    Py_VISIT(c->dict);
    return 0;
}

static int cvjp_clear(PyObject *self) {
    CvjpObject *c = (CvjpObject *)self;
    Py_CLEAR(c->fun);
    Py_CLEAR(c->fwd);
    Py_CLEAR(c->bwd);
    Py_CLEAR(c->dict);
    return 0;
}

static PyObject *cvjp_defvjp(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"fwd", "bwd", "symbolic_zeros", NULL};
    PyObject *fwd, *bwd, *sz = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:defvjp", kwlist, &fwd, &bwd, &sz)) return NULL;
    if (!PyCallable_Check(fwd) || !PyCallable_Check(bwd)) {
        PyErr_SetString(PyExc_TypeError, "defvjp: fwd and bwd must be callable");
        return NULL;
    }
    CvjpObject *c = (CvjpObject *)self;
    Py_XSETREF(c->fwd, Py_NewRef(fwd));
    Py_XSETREF(c->bwd, Py_NewRef(bwd));
    Py_RETURN_NONE;
}

static int is_nondiff(CvjpObject *c, Py_ssize_t i, Py_ssize_t nargs) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(c->nondiff); k++) {
        Py_ssize_t a = PyLong_AsSsize_t(PyTuple_GET_ITEM(c->nondiff, k));
        if (a < 0) a += nargs;
        if (a == i) return 1;
    }
    return 0;
}

static PyObject *cvjp_call(PyObject *self, PyObject *args, PyObject *kw) {
    CvjpObject *c = (CvjpObject *)self;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    PyObject *leaves = PyList_New(0), *ndv = PyList_New(0), *res = NULL, *fr = NULL, *odef = NULL,
             *oleaves = NULL;
    Py_ssize_t ndiff = 0, *nleaves = NULL, *recpos = NULL;
    const numc_array **ins = NULL;
    numc_array **outs = NULL;
    Py_ssize_t nin = 0, nout = 0;
    numc_tape *t = NULL;
    cvjp_payload *pl = NULL;
    if (!leaves || !ndv) goto done;
    nleaves = calloc((size_t)nargs + 1, sizeof *nleaves);
    if (!nleaves) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyObject *a = PyTuple_GET_ITEM(args, i);
        if (is_nondiff(c, i, nargs)) {
            if (PyList_Append(ndv, a) < 0) goto done;
            continue;
        }
        Py_ssize_t before = PyList_GET_SIZE(leaves);
        PyObject *def = pynumc_tree_flatten(a, leaves);
        if (!def) goto done;
        Py_DECREF(def);
        nleaves[ndiff++] = PyList_GET_SIZE(leaves) - before;
    }
    Py_ssize_t nl = PyList_GET_SIZE(leaves);
    recpos = calloc((size_t)nl + 1, sizeof *recpos);
    ins = calloc((size_t)nl + 1, sizeof *ins);
    if (!recpos || !ins) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nl; i++) {
        PyObject *o = PyList_GET_ITEM(leaves, i);
        recpos[i] = -1;
        if (NumcArray_Check(o)) {
            recpos[i] = nin;
            ins[nin++] = NumcArray_ARR(o);
        }
    }
    t = numc_tape_innermost((int)nin, ins);
    if (!t) {
        res = PyObject_Call(c->fun, args, kw);
        goto done;
    }
    if (!c->fwd) {
        PyErr_Format(PyExc_AttributeError,
                     "No VJP defined for custom_vjp function %R using defvjp.", c->fun);
        goto done;
    }
    numc_tape_set_recording(t, false);
    fr = PyObject_Call(c->fwd, args, kw);
    if (fr && (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) != 2)) {
        PyErr_Format(PyExc_TypeError,
                     "Custom VJP fwd rule must produce a pair (list or tuple of length two) "
                     "representing primal outputs and residuals, but got %.200R",
                     fr);
        Py_CLEAR(fr);
    }
    if (fr && (oleaves = pynumc_ad_flatten(PyTuple_GET_ITEM(fr, 0), &odef))) {
        nout = PyList_GET_SIZE(oleaves);
        outs = calloc((size_t)nout + 1, sizeof *outs);
        if (!outs) PyErr_NoMemory();
        for (Py_ssize_t k = 0; outs && k < nout; k++) {
            numc_array *a = pynumc_ad_as_array(PyList_GET_ITEM(oleaves, k));
            if (!a) break;
            outs[k] = numc_array_fresh_handle(a); /* outer tapes record it; t is paused */
            numc_array_release(a);
            if (!outs[k]) {
                pynumc_raise();
                break;
            }
        }
    }
    numc_tape_set_recording(t, true);
    if (PyErr_Occurred()) goto done;
    pl = calloc(1, sizeof *pl);
    if (!pl) {
        PyErr_NoMemory();
        goto done;
    }
    pl->bwd = Py_NewRef(c->bwd);
    pl->residuals = Py_NewRef(PyTuple_GET_ITEM(fr, 1));
    pl->nondiff_vals = PyList_AsTuple(ndv);
    pl->out_def = Py_NewRef(odef);
    pl->ndiff = ndiff;
    pl->nleaves = nleaves;
    pl->recpos = recpos;
    pl->totleaves = nl;
    nleaves = recpos = NULL;
    if (!pl->nondiff_vals) {
        cvjp_payload_free(pl);
        goto done;
    }
    if (numc_tape_record_custom(t, (int)nin, ins, (int)nout, outs, cvjp_backward, pl,
                                cvjp_payload_free)) {
        pynumc_raise();
        goto done;
    }
    {
        PyObject *ol = PyList_New(nout);
        for (Py_ssize_t k = 0; ol && k < nout; k++) {
            PyObject *o = pynumc_wrap(outs[k]);
            outs[k] = NULL;
            if (!o) {
                Py_CLEAR(ol);
                break;
            }
            PyList_SET_ITEM(ol, k, o);
        }
        if (ol) res = pynumc_ad_unflatten(odef, ol);
        Py_XDECREF(ol);
    }
done:
    if (outs)
        for (Py_ssize_t k = 0; k < nout; k++)
            numc_array_release(outs[k]);
    free(outs);
    free(ins);
    free(nleaves);
    free(recpos);
    Py_XDECREF(leaves);
    Py_XDECREF(ndv);
    Py_XDECREF(fr);
    Py_XDECREF(odef);
    Py_XDECREF(oleaves);
    return res;
}

static PyObject *cvjp_descr_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (!obj || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyObject *cvjp_get_fun(PyObject *self, void *c) {
    return Py_NewRef(((CvjpObject *)self)->fun);
}
static PyObject *cvjp_get_fwd(PyObject *self, void *c) {
    PyObject *f = ((CvjpObject *)self)->fwd;
    return Py_NewRef(f ? f : Py_None);
}
static PyObject *cvjp_get_bwd(PyObject *self, void *c) {
    PyObject *f = ((CvjpObject *)self)->bwd;
    return Py_NewRef(f ? f : Py_None);
}

static PyGetSetDef cvjp_getset[] = {
    {"fun", cvjp_get_fun, NULL, NULL, NULL},
    {"fwd", cvjp_get_fwd, NULL, NULL, NULL},
    {"bwd", cvjp_get_bwd, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef cvjp_methods[] = {
    {"defvjp", (PyCFunction)(void (*)(void))cvjp_defvjp, METH_VARARGS | METH_KEYWORDS,
     "defvjp(fwd, bwd): fwd(*args) -> (out, residuals); bwd(*nondiff_args, residuals, g)\n"
     "-> a tuple with one cotangent (pytree or None) per differentiated argument."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Cvjp_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.custom_vjp",
    .tp_basicsize = sizeof(CvjpObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_doc = "custom_vjp(fun, nondiff_argnums=()): a function with a user-defined reverse-mode\n"
              "derivative, set with .defvjp(fwd, bwd) (JAX's API). Under a tape watching one of\n"
              "its array inputs, fwd runs (unrecorded by that tape) and one custom record calls\n"
              "bwd(*nondiff_args, residuals, g) in the backward pass; otherwise fun runs. Keyword\n"
              "arguments are passed through and not differentiated.",
    .tp_new = cvjp_new,
    .tp_dealloc = cvjp_dealloc,
    .tp_traverse = cvjp_traverse,
    .tp_clear = cvjp_clear,
    .tp_call = cvjp_call,
    .tp_descr_get = cvjp_descr_get,
    .tp_methods = cvjp_methods,
    .tp_getset = cvjp_getset,
    .tp_dictoffset = offsetof(CvjpObject, dict),
    .tp_weaklistoffset = offsetof(CvjpObject, weakreflist),
};

int pynumc_init_custom_vjp(PyObject *m) {
    if (PyType_Ready(&Cvjp_Type) < 0) return -1;
    return PyModule_AddObjectRef(m, "custom_vjp", (PyObject *)&Cvjp_Type);
}
