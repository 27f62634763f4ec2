/* vmap.c — numc.vmap and numc.vectorized_map: the Python face of the batch
 * interpreter (src/interp/batch.c).
 *
 * vmap(f, in_axes=0, out_axes=0, axis_size=None) returns a callable that
 * flattens its arguments (pytrees: tuples, lists, dicts, namedtuples), pairs
 * each leaf with its mapped axis (in_axes is an int or None, or a tree prefix
 * of the positional arguments whose leaves are ints or None, as in JAX;
 * keyword arguments are mapped along axis 0), wraps the mapped leaves as
 * batched values, calls f once, and stacks each output leaf along its
 * out_axes entry (outputs with no batched dependence are broadcast).
 * vectorized_map(fn, elems) is vmap(fn)(elems) (TensorFlow's signature). */
#include "pynumc.h"
#include "pytree.h"

#include <structmember.h>

typedef struct {
    PyObject_HEAD PyObject *fn;
    PyObject *in_axes; /* normalised: int, None or a container (top list -> tuple) */
    PyObject *out_axes;
    Py_ssize_t axis_size; /* -1 when not given */
    PyObject *dict;       /* __name__, __doc__, __wrapped__ (update_wrapper) */
    vectorcallfunc vectorcall;
} VmapObject;

static PyTypeObject Vmap_Type;

/* ---- axes specifications ---- */
static int is_axis_leaf(PyObject *o) {
    return o == Py_None || (PyLong_Check(o) && !PyBool_Check(o));
}

static int is_namedtuple(PyObject *o) {
    return PyTuple_Check(o) && !PyTuple_CheckExact(o) && PyObject_HasAttrString(o, "_fields");
}

/* Checks that an axes specification has only ints and None as leaves. */
static int check_spec(PyObject *spec, const char *what) {
    if (is_axis_leaf(spec)) return 0;
    PyObject *items = NULL;
    if (PyTuple_Check(spec) || PyList_Check(spec))
        items = PySequence_Tuple(spec);
    else if (PyDict_Check(spec))
        items = PyDict_Values(spec);
    if (!items) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError,
                         "vmap %s must be an int, None, or (nested) container with those types "
                         "as leaves, but got %R",
                         what, spec);
        return -1;
    }
    int r = 0;
    Py_ssize_t n = PySequence_Size(items);
    for (Py_ssize_t i = 0; i < n && !r; i++)
        r = check_spec(PySequence_Fast_GET_ITEM(items, i), what);
    Py_DECREF(items);
    if (r && PyErr_ExceptionMatches(PyExc_TypeError) && what) {
        /* re-raise naming the whole specification */
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "vmap %s must be an int, None, or (nested) container with those types as "
                     "leaves, but got %R",
                     what, spec);
    }
    return r;
}

/* Appends to `axes` the axis of each leaf of `tree` (in tree_flatten order)
 * given the specification `spec`, a tree prefix of `tree`. */
static int prefix_axes(PyObject *spec, PyObject *tree, PyObject *axes, const char *what) {
    if (is_axis_leaf(spec)) {
        PyObject *leaves = PyList_New(0);
        if (!leaves) return -1;
        PyObject *def = pynumc_tree_flatten(tree, leaves);
        Py_ssize_t n = PyList_GET_SIZE(leaves);
        Py_DECREF(leaves);
        if (!def) return -1;
        Py_DECREF(def);
        for (Py_ssize_t i = 0; i < n; i++)
            if (PyList_Append(axes, spec) < 0) return -1;
        return 0;
    }
    int ok = 0;
    PyObject *sv = NULL, *tv = NULL;
    if (PyDict_Check(spec)) {
        if (PyDict_Check(tree) && PyDict_Size(tree) == PyDict_Size(spec)) {
            PyObject *keys = PyDict_Keys(tree);
            if (!keys || PyList_Sort(keys) < 0) {
                Py_XDECREF(keys);
                return -1;
            }
            Py_ssize_t n = PyList_GET_SIZE(keys);
            sv = PyTuple_New(n);
            tv = PyTuple_New(n);
            ok = sv && tv;
            for (Py_ssize_t i = 0; ok && i < n; i++) {
                PyObject *k = PyList_GET_ITEM(keys, i);
                PyObject *s = PyDict_GetItemWithError(spec, k);
                if (!s) {
                    ok = 0;
                    break;
                }
                PyTuple_SET_ITEM(sv, i, Py_NewRef(s));
                PyTuple_SET_ITEM(tv, i, Py_NewRef(PyDict_GetItem(tree, k)));
            }
            Py_DECREF(keys);
            if (PyErr_Occurred()) {
                Py_XDECREF(sv);
                Py_XDECREF(tv);
                return -1;
            }
        }
    } else if ((PyTuple_Check(spec) || PyList_Check(spec)) &&
               (PyTuple_Check(tree) || PyList_Check(tree)) &&
               is_namedtuple(spec) == is_namedtuple(tree) &&
               PySequence_Size(spec) == PySequence_Size(tree)) {
        sv = PySequence_Tuple(spec);
        tv = PySequence_Tuple(tree);
        if (!sv || !tv) {
            Py_XDECREF(sv);
            Py_XDECREF(tv);
            return -1;
        }
        ok = 1;
    }
    if (!ok) {
        Py_XDECREF(sv);
        Py_XDECREF(tv);
        PyErr_Format(PyExc_ValueError,
                     "vmap %s specification must be a tree prefix of the corresponding value, "
                     "got specification %R for value tree of type %s",
                     what, spec, Py_TYPE(tree)->tp_name);
        return -1;
    }
    int r = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(sv) && !r; i++)
        r = prefix_axes(PyTuple_GET_ITEM(sv, i), PyTuple_GET_ITEM(tv, i), axes, what);
    Py_DECREF(sv);
    Py_DECREF(tv);
    return r;
}

/* ---- the call ---- */

/* "float64[3,2]" */
static PyObject *type_str(const numc_array *a) {
    char buf[256];
    int k = snprintf(buf, sizeof buf, "%s[", numc_dtype_name(numc_array_dtype(a)));
    for (int i = 0; i < numc_array_ndim(a) && k < 200; i++)
        k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ",%lld" : "%lld",
                      (long long)numc_array_shape(a)[i]);
    snprintf(buf + k, sizeof buf - (size_t)k, "]");
    return PyUnicode_FromString(buf);
}

static PyObject *inconsistent_sizes(PyObject *leaves, PyObject *axes, numc_array **arrs,
                                    Py_ssize_t axis_size) {
    PyObject *msg =
        PyUnicode_FromString("vmap got inconsistent sizes for array axes to be mapped:");
    if (axis_size >= 0 && msg)
        PyUnicode_AppendAndDel(&msg, PyUnicode_FromFormat("\n  * axis_size is %zd", axis_size));
    Py_ssize_t n = PyList_GET_SIZE(leaves);
    for (Py_ssize_t i = 0; i < n && msg; i++) {
        if (!arrs[i]) continue;
        long ax = PyLong_AsLong(PyList_GET_ITEM(axes, i));
        int nd = numc_array_ndim(arrs[i]);
        long a = ax < 0 ? ax + nd : ax;
        PyObject *t = type_str(arrs[i]);
        if (!t) {
            Py_CLEAR(msg);
            break;
        }
        PyUnicode_AppendAndDel(
            &msg, PyUnicode_FromFormat("\n  * argument leaf %zd of type %U has size %lld "
                                       "along axis %ld",
                                       i, t, (long long)numc_array_shape(arrs[i])[a], ax));
        Py_DECREF(t);
    }
    if (msg) {
        PyErr_SetObject(PyExc_ValueError, msg);
        Py_DECREF(msg);
    }
    return NULL;
}

/* vmap(fn, in_axes, out_axes)(*args, **kwargs); args is a tuple. */
static PyObject *vmap_call(PyObject *fn, PyObject *in_axes, PyObject *out_axes,
                           Py_ssize_t axis_size, PyObject *args, PyObject *kwargs) {
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    PyObject *leaves = NULL, *axes = NULL, *def = NULL, *tree = NULL, *wrapped = NULL;
    PyObject *call_args = NULL, *call_kwargs = NULL, *res = NULL, *out_leaves = NULL;
    PyObject *out_axes_l = NULL, *out_def = NULL, *results = NULL, *ret = NULL;
    numc_array **arrs = NULL;
    numc_batch *b = NULL;
    int have_kw = kwargs && PyDict_GET_SIZE(kwargs) > 0;

    if (PyTuple_Check(in_axes) && PyTuple_GET_SIZE(in_axes) != nargs) {
        PyErr_Format(PyExc_ValueError,
                     "vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                     "the positional arguments passed to the function, but got "
                     "len(in_axes)=%zd, len(args)=%zd",
                     PyTuple_GET_SIZE(in_axes), nargs);
        return NULL;
    }
    /* the tree (args, kwargs) and each leaf's axis */
    tree = Py_BuildValue("(OO)", args, have_kw ? kwargs : Py_None);
    leaves = PyList_New(0);
    axes = PyList_New(0);
    if (!tree || !leaves || !axes) goto done;
    def = pynumc_tree_flatten(tree, leaves);
    if (!def) goto done;
    if (PyTuple_Check(in_axes)) {
        for (Py_ssize_t i = 0; i < nargs; i++)
            if (prefix_axes(PyTuple_GET_ITEM(in_axes, i), PyTuple_GET_ITEM(args, i), axes,
                            "in_axes") < 0)
                goto done;
    } else if (prefix_axes(in_axes, args, axes, "in_axes") < 0) {
        goto done;
    }
    if (have_kw) {
        PyObject *zero = PyLong_FromLong(0);
        int r = zero ? prefix_axes(zero, kwargs, axes, "in_axes") : -1;
        Py_XDECREF(zero);
        if (r < 0) goto done;
    }
    Py_ssize_t n = PyList_GET_SIZE(leaves);
    if (PyList_GET_SIZE(axes) != n) {
        PyErr_SetString(PyExc_RuntimeError, "vmap: internal error pairing in_axes with leaves");
        goto done;
    }
    /* the mapped leaves as arrays; the batch size */
    arrs = PyMem_Calloc((size_t)(n ? n : 1), sizeof *arrs);
    if (!arrs) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t size = axis_size;
    int consistent = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *axo = PyList_GET_ITEM(axes, i), *leaf = PyList_GET_ITEM(leaves, i);
        if (axo == Py_None) continue;
        long ax = PyLong_AsLong(axo);
        if (ax == -1 && PyErr_Occurred()) goto done;
        arrs[i] = NumcArray_Check(leaf) ? numc_array_retain(NumcArray_ARR(leaf))
                                        : pynumc_asarray(leaf, NUMC_DTYPE_NONE);
        if (!arrs[i]) goto done;
        int nd = numc_array_ndim(arrs[i]);
        if (ax < -nd || ax >= nd) {
            PyObject *t = type_str(arrs[i]);
            if (t)
                PyErr_Format(PyExc_ValueError,
                             "vmap was requested to map its argument along axis %ld, which "
                             "implies that its rank should be at least %ld, but is only %d (its "
                             "type is %U)",
                             ax, ax < 0 ? -ax : ax + 1, nd, t);
            Py_XDECREF(t);
            goto done;
        }
        int64_t s = numc_array_shape(arrs[i])[ax < 0 ? ax + nd : ax];
        if (size >= 0 && s != size) consistent = 0;
        if (size < 0) size = s;
    }
    if (!consistent) {
        inconsistent_sizes(leaves, axes, arrs, axis_size);
        goto done;
    }
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "vmap must have at least one non-None value in in_axes");
        goto done;
    }
    /* batched values for the mapped leaves; call f */
    b = numc_batch_begin(size);
    if (!b) {
        pynumc_raise();
        goto done;
    }
    wrapped = PyList_New(n);
    if (!wrapped) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *w;
        if (!arrs[i]) {
            w = Py_NewRef(PyList_GET_ITEM(leaves, i));
        } else {
            w = pynumc_wrap(
                numc_batch_wrap(b, arrs[i], (int)PyLong_AsLong(PyList_GET_ITEM(axes, i))));
            if (!w) goto done;
        }
        PyList_SET_ITEM(wrapped, i, w);
    }
    Py_ssize_t pos = 0;
    PyObject *rebuilt = pynumc_tree_unflatten(def, wrapped, &pos);
    if (!rebuilt) goto done;
    call_args = Py_NewRef(PyTuple_GET_ITEM(rebuilt, 0));
    call_kwargs = have_kw ? Py_NewRef(PyTuple_GET_ITEM(rebuilt, 1)) : NULL;
    Py_DECREF(rebuilt);
    Py_CLEAR(wrapped);
    res = PyObject_Call(fn, call_args, call_kwargs);
    if (!res) goto done;
    /* stack the outputs */
    out_leaves = PyList_New(0);
    out_axes_l = PyList_New(0);
    if (!out_leaves || !out_axes_l) goto done;
    out_def = pynumc_tree_flatten(res, out_leaves);
    if (!out_def || prefix_axes(out_axes, res, out_axes_l, "out_axes") < 0) goto done;
    Py_ssize_t nout = PyList_GET_SIZE(out_leaves);
    results = PyList_New(nout);
    if (!results) goto done;
    for (Py_ssize_t i = 0; i < nout; i++) {
        PyObject *leaf = PyList_GET_ITEM(out_leaves, i), *axo = PyList_GET_ITEM(out_axes_l, i);
        numc_array *y = NumcArray_Check(leaf) ? numc_array_retain(NumcArray_ARR(leaf))
                                              : pynumc_asarray(leaf, NUMC_DTYPE_NONE);
        if (!y) goto done;
        int oax = axo == Py_None ? NUMC_NOT_MAPPED : (int)PyLong_AsLong(axo);
        numc_array *v = numc_batch_unwrap(b, y, oax);
        numc_array_release(y);
        PyObject *o = pynumc_wrap(v);
        if (!o) goto done;
        PyList_SET_ITEM(results, i, o);
    }
    pos = 0;
    ret = pynumc_tree_unflatten(out_def, results, &pos);
done:
    if (b) numc_batch_end(b);
    if (arrs)
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(leaves); i++)
            numc_array_release(arrs[i]);
    PyMem_Free(arrs);
    Py_XDECREF(leaves);
    Py_XDECREF(axes);
    Py_XDECREF(def);
    Py_XDECREF(tree);
    Py_XDECREF(wrapped);
    Py_XDECREF(call_args);
    Py_XDECREF(call_kwargs);
    Py_XDECREF(res);
    Py_XDECREF(out_leaves);
    Py_XDECREF(out_axes_l);
    Py_XDECREF(out_def);
    Py_XDECREF(results);
    return ret;
}

/* ---- the vmapped callable ---- */
static PyObject *vmapobj_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                                    PyObject *kwnames) {
    VmapObject *v = (VmapObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *tuple = PyTuple_New(nargs);
    if (!tuple) return NULL;
    for (Py_ssize_t i = 0; i < nargs; i++)
        PyTuple_SET_ITEM(tuple, i, Py_NewRef(args[i]));
    PyObject *kwargs = NULL;
    if (kwnames && PyTuple_GET_SIZE(kwnames)) {
        kwargs = PyDict_New();
        for (Py_ssize_t i = 0; kwargs && i < PyTuple_GET_SIZE(kwnames); i++)
            if (PyDict_SetItem(kwargs, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0)
                Py_CLEAR(kwargs);
        if (!kwargs) {
            Py_DECREF(tuple);
            return NULL;
        }
    }
    PyObject *r = vmap_call(v->fn, v->in_axes, v->out_axes, v->axis_size, tuple, kwargs);
    Py_DECREF(tuple);
    Py_XDECREF(kwargs);
    return r;
}

static void vmapobj_dealloc(PyObject *self) {
    VmapObject *v = (VmapObject *)self;
    PyObject_GC_UnTrack(self);
    Py_CLEAR(v->fn);
    Py_CLEAR(v->in_axes);
    Py_CLEAR(v->out_axes);
    Py_CLEAR(v->dict);
    Py_TYPE(self)->tp_free(self);
}

static int vmapobj_traverse(PyObject *self, visitproc visit, void *arg) {
    VmapObject *v = (VmapObject *)self;
    Py_VISIT(v->fn);
    Py_VISIT(v->in_axes);
    Py_VISIT(v->out_axes);
    Py_VISIT(v->dict);
    return 0;
}

static int vmapobj_clear(PyObject *self) {
    VmapObject *v = (VmapObject *)self;
    Py_CLEAR(v->fn);
    Py_CLEAR(v->in_axes);
    Py_CLEAR(v->out_axes);
    Py_CLEAR(v->dict);
    return 0;
}

static PyObject *vmapobj_repr(PyObject *self) {
    VmapObject *v = (VmapObject *)self;
    return PyUnicode_FromFormat("<numc.vmap of %R, in_axes=%R, out_axes=%R>", v->fn, v->in_axes,
                                v->out_axes);
}

static PyObject *vmapobj_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (obj == NULL || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyMemberDef vmapobj_members[] = {
    {"__wrapped__", T_OBJECT, offsetof(VmapObject, fn), READONLY, "the mapped function"},
    {"in_axes", T_OBJECT, offsetof(VmapObject, in_axes), READONLY, NULL},
    {"out_axes", T_OBJECT, offsetof(VmapObject, out_axes), READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(VmapObject, dict), READONLY, NULL},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(VmapObject, vectorcall), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject Vmap_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.VmappedFunction",
    .tp_basicsize = sizeof(VmapObject),
    .tp_dealloc = vmapobj_dealloc,
    .tp_vectorcall_offset = offsetof(VmapObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = vmapobj_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_traverse = vmapobj_traverse,
    .tp_clear = vmapobj_clear,
    .tp_members = vmapobj_members,
    .tp_descr_get = vmapobj_get,
    .tp_dictoffset = offsetof(VmapObject, dict),
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_setattro = PyObject_GenericSetAttr,
    .tp_doc = "A function mapped over an axis of its arguments by numc.vmap.",
};

/* ---- module functions ---- */
static PyObject *py_vmap(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"fun", "in_axes", "out_axes", "axis_size", NULL};
    PyObject *fn, *in_axes = NULL, *out_axes = NULL, *axis_size = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO:vmap", kwlist, &fn, &in_axes, &out_axes,
                                     &axis_size))
        return NULL;
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "vmap expects a callable, got %R", fn);
        return NULL;
    }
    PyObject *zero = PyLong_FromLong(0);
    if (!zero) return NULL;
    in_axes = in_axes ? Py_NewRef(in_axes) : Py_NewRef(zero);
    out_axes = out_axes ? Py_NewRef(out_axes) : Py_NewRef(zero);
    Py_DECREF(zero);
    if (PyList_Check(in_axes)) { /* JAX: a top-level list means a tuple */
        PyObject *t = PyList_AsTuple(in_axes);
        Py_SETREF(in_axes, t);
        if (!in_axes) {
            Py_DECREF(out_axes);
            return NULL;
        }
    }
    Py_ssize_t asz = -1;
    if (axis_size != Py_None) {
        asz = PyNumber_AsSsize_t(axis_size, PyExc_OverflowError);
        if (asz == -1 && PyErr_Occurred()) goto fail;
        if (asz < 0) {
            PyErr_SetString(PyExc_ValueError, "vmap axis_size must be non-negative");
            goto fail;
        }
    }
    if (check_spec(in_axes, "in_axes") < 0 || check_spec(out_axes, "out_axes") < 0) goto fail;
    VmapObject *v = PyObject_GC_New(VmapObject, &Vmap_Type);
    if (!v) goto fail;
    v->fn = Py_NewRef(fn);
    v->in_axes = in_axes;
    v->out_axes = out_axes;
    v->axis_size = asz;
    v->dict = NULL;
    v->vectorcall = vmapobj_vectorcall;
    PyObject_GC_Track((PyObject *)v);
    /* functools.update_wrapper: __name__, __doc__, __qualname__, __module__ */
    PyObject *ft = PyImport_ImportModule("functools");
    PyObject *r = ft ? PyObject_CallMethod(ft, "update_wrapper", "OO", (PyObject *)v, fn) : NULL;
    Py_XDECREF(ft);
    if (!r) PyErr_Clear(); /* a callable without those attributes is fine */
    Py_XDECREF(r);
    return (PyObject *)v;
fail:
    Py_DECREF(in_axes);
    Py_DECREF(out_axes);
    return NULL;
}

static PyObject *py_vectorized_map(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"fn", "elems", "fallback_to_while_loop", "warn", NULL};
    PyObject *fn, *elems, *fb = NULL, *warn = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OO:vectorized_map", kwlist, &fn, &elems, &fb,
                                     &warn))
        return NULL;
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "vectorized_map expects a callable, got %R", fn);
        return NULL;
    }
    PyObject *zero = PyLong_FromLong(0), *t = PyTuple_Pack(1, elems);
    PyObject *r = zero && t ? vmap_call(fn, zero, zero, -1, t, NULL) : NULL;
    Py_XDECREF(zero);
    Py_XDECREF(t);
    return r;
}

static PyObject *py_force_fallback(PyObject *self, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    return PyBool_FromLong(numc_batch_force_fallback(on != 0));
}

static PyMethodDef vmap_methods[] = {
    {"vmap", (PyCFunction)(void (*)(void))py_vmap, METH_VARARGS | METH_KEYWORDS,
     "vmap(fun, in_axes=0, out_axes=0, axis_size=None): a function mapped over an axis of its "
     "arguments.\n\nin_axes: an int, None, or a tree prefix of the positional arguments with "
     "ints/None as leaves (None: not mapped; negative axes count from the end). Keyword "
     "arguments are mapped along axis 0. out_axes: the same for the outputs; an output with no "
     "batched dependence is broadcast along its axis. Composes with grad, GradientTape and "
     "itself."},
    {"vectorized_map", (PyCFunction)(void (*)(void))py_vectorized_map, METH_VARARGS | METH_KEYWORDS,
     "vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True): fn mapped over axis 0 "
     "of every leaf of elems (TensorFlow's signature; vmap(fn)(elems))."},
    {"_vmap_force_fallback", py_force_fallback, METH_O,
     "_vmap_force_fallback(on) -> previous: debug switch, every primitive takes the "
     "loop-and-stack fallback instead of its batching rule."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_vmap(PyObject *m) {
    if (PyType_Ready(&Vmap_Type) < 0) return -1;
    return PyModule_AddFunctions(m, vmap_methods);
}
