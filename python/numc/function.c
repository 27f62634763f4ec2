/* function.c — graph mode for Python: numc.function (alias numc.jit) and the
 * control-flow functions numc.cond, numc.switch, numc.while_loop,
 * numc.fori_loop and numc.scan.
 *
 * numc.function(f) traces f once per call signature — the pytree structure
 * of the arguments, each array leaf's dtype, shape and weak flag (Python
 * scalars are weak inputs, as in JAX), the values of static arguments and of
 * non-array leaves — into a graph (numc_trace_*), optimises it (DCE, CSE,
 * constant folding) and caches it in a dict keyed by that signature. A cached
 * call builds the key in C and runs the graph: no Python-level wrapper.
 * Called while a trace is active (inside another numc.function or a
 * control-flow body) it simply calls f, so the outer trace records it.
 *
 * Control flow runs plain Python on concrete values (so tapes and vmap see
 * every operation); under a trace its bodies are traced into subgraphs held
 * by cond / while / scan_loop nodes (numc_cond, numc_while_loop, numc_scan). */
#include "pynumc.h"
#include "pytree.h"

#include <stdio.h>
#include <stdlib.h>

static PyObject *partial_fn; /* functools.partial */

/* ---- leaves ---- */
static int is_py_scalar(PyObject *o) {
    return (PyBool_Check(o) || PyLong_Check(o) || PyFloat_Check(o) || PyComplex_Check(o)) &&
           !pynumc_is_numpy_object(o);
}

/* An array for a leaf: arrays as they are, Python scalars weak, NumPy values
 * strong. NULL without an exception: not an array-like (a static leaf). */
static numc_array *leaf_array(PyObject *o, int *err) {
    *err = 0;
    numc_array *a = NULL;
    if (NumcArray_Check(o)) return numc_array_retain(NumcArray_ARR(o));
    if (is_py_scalar(o)) a = pynumc_from_object(o, NUMC_DTYPE_NONE);
    else if (pynumc_is_numpy_object(o)) a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    else return NULL;
    if (!a) *err = 1;
    return a;
}

/* For results: every leaf must become an array. */
static numc_array *out_array(PyObject *o, const char *who) {
    int err;
    numc_array *a = leaf_array(o, &err);
    if (!a && !err)
        PyErr_Format(PyExc_TypeError,
                     "%s: the function returned a value of type %.100s; only arrays, Python "
                     "scalars and (nested) tuples, lists and dicts of them can be returned",
                     who, Py_TYPE(o)->tp_name);
    return a;
}

/* A traced input as a Python ndarray (keeps the weak flag of Python-scalar
 * inputs, which wrapping would drop). Borrows a. */
static PyObject *wrap_in(numc_array *a) {
    bool weak = numc_array_is_weak(a);
    PyObject *o = pynumc_wrap(numc_array_retain(a));
    if (o && weak) numc_trace_mark_weak(NumcArray_ARR(o), true);
    return o;
}

static void release_arrays(numc_array **a, Py_ssize_t n) {
    if (!a) return;
    for (Py_ssize_t k = 0; k < n; k++) numc_array_release(a[k]);
}

/* Converts a list of leaves (flattened results) to new array references. */
static numc_array **leaves_to_arrays(PyObject *leaves, const char *who) {
    Py_ssize_t n = PyList_GET_SIZE(leaves);
    numc_array **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) return (numc_array **)PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = out_array(PyList_GET_ITEM(leaves, k), who);
        if (!out[k]) {
            release_arrays(out, k);
            free(out);
            return NULL;
        }
    }
    return out;
}

/* Wraps n arrays (stealing them) and rebuilds treedef's structure. */
static PyObject *unflatten_arrays(PyObject *treedef, numc_array **a, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    if (!list) {
        release_arrays(a, n);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *o = pynumc_wrap(a[k]);
        a[k] = NULL;
        if (!o) {
            release_arrays(a + k + 1, n - k - 1);
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, o);
    }
    Py_ssize_t pos = 0;
    PyObject *r = pynumc_tree_unflatten(treedef, list, &pos);
    Py_DECREF(list);
    return r;
}

/* Raises the numc error unless a Python exception is already set. */
static PyObject *raise_status(void) { return pynumc_raise(); }

static numc_status py_failed(void) {
    /* the Python exception stays set; the status only unwinds the C side */
    return NUMC_ERR_RUNTIME;
}

/* ===================================================================== */
/* numc.function                                                          */
/* ===================================================================== */

typedef struct {
    numc_graph *g;
    PyObject *out_treedef;
    Py_ssize_t nout;          /* outputs of f (the graph may have more: Variable updates) */
    int64_t work;
    PyObject *vars_in;        /* Variables whose current values are extra inputs */
    PyObject *vars_out;       /* Variables assigned inside: the last outputs */
} entry_t;

static void entry_destroy(PyObject *cap) {
    entry_t *e = PyCapsule_GetPointer(cap, "numc.function.entry");
    if (!e) return;
    numc_graph_unref(e->g);
    Py_XDECREF(e->out_treedef);
    Py_XDECREF(e->vars_in);
    Py_XDECREF(e->vars_out);
    free(e);
}

/* Variables (autodiff.c) are mutable state: a traced function reads their
 * values at every call (not the value at trace time) and an assign inside it
 * updates them. The live ones come from _numc._live_variables() when that
 * hook exists; without it Variables read inside are constants of the trace. */
static PyObject *live_variables(void) {
    PyObject *fn = PyObject_GetAttrString(numc_module, "_live_variables");
    if (!fn) {
        PyErr_Clear();
        return PyList_New(0);
    }
    PyObject *all = PyObject_CallNoArgs(fn);
    Py_DECREF(fn);
    PyObject *seq = all ? PySequence_Fast(all, "_live_variables must return a sequence") : NULL;
    Py_XDECREF(all);
    if (!seq) return NULL;
    /* concrete values only, each array once */
    PyObject *r = PyList_New(0);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t k = 0; r && k < n; k++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, k);
        if (!NumcArray_Check(v)) continue;
        numc_array *a = NumcArray_ARR(v);
        if (numc_tracer_kind_of(a) != NUMC_TRACER_NONE) continue;
        bool dup = false;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(r) && !dup; j++)
            dup = NumcArray_ARR(PyList_GET_ITEM(r, j)) == a;
        if (!dup && PyList_Append(r, v) < 0) Py_CLEAR(r);
    }
    Py_DECREF(seq);
    return r;
}

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *fn;
    PyObject *static_argnums;   /* tuple of ints */
    PyObject *static_argnames;  /* frozenset of str */
    PyObject *input_signature;  /* None or a sequence of specs */
    PyObject *cache;            /* dict: key -> entry capsule */
    PyObject *last_desc;        /* signature text of the last trace (retrace logs) */
    PyObject *last_treedef, *last_statics;
    PyObject *dict;
    PyObject *weakreflist;
    Py_ssize_t trace_count;
} FunctionObject;

static PyTypeObject Function_Type;

/* The parts of one call. */
typedef struct {
    Py_ssize_t n;             /* leaves */
    PyObject *leaves;         /* list of leaf objects (tree path) or NULL (fast path) */
    numc_array **arr;         /* per leaf: the array, or NULL for a static leaf */
    Py_ssize_t ndyn;          /* array leaves */
    numc_array **dyn;         /* the array leaves, in order (borrowed from arr) */
    PyObject *treedef;        /* tree path */
    PyObject *statics;        /* tree path: tuple of static argument values */
    PyObject *key;
    bool nested;              /* a leaf is a live tracer: call f directly */
    numc_array *inl_arr[8];
    numc_array *inl_dyn[8];
} call_t;

static void call_clear(call_t *c) {
    if (c->arr) {
        release_arrays(c->arr, c->n);
        if (c->arr != c->inl_arr) free(c->arr);
    }
    if (c->dyn && c->dyn != c->inl_dyn) free(c->dyn);
    Py_XDECREF(c->leaves);
    Py_XDECREF(c->treedef);
    Py_XDECREF(c->statics);
    Py_XDECREF(c->key);
    memset(c, 0, sizeof *c);
}

static int is_static_argnum(FunctionObject *f, Py_ssize_t i, Py_ssize_t nargs) {
    Py_ssize_t n = PyTuple_GET_SIZE(f->static_argnums);
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t s = PyLong_AsSsize_t(PyTuple_GET_ITEM(f->static_argnums, k));
        if (s < 0) s += nargs;
        if (s == i) return 1;
    }
    return 0;
}

/* Fills arr/dyn from the leaves; builds the signature bytes. */
static PyObject *signature_bytes(call_t *c) {
    char buf[512];
    size_t cap = sizeof buf, len = 0;
    char *b = buf;
    for (Py_ssize_t k = 0; k < c->n; k++) {
        numc_array *a = c->arr[k];
        size_t need = a ? 4 + 8 * (size_t)numc_array_ndim(a) : 1;
        if (len + need > cap) {
            size_t nc = cap * 2 + need;
            char *nb = b == buf ? malloc(nc) : realloc(b, nc);
            if (!nb) {
                if (b != buf) free(b);
                return PyErr_NoMemory();
            }
            if (b == buf) memcpy(nb, buf, len);
            b = nb;
            cap = nc;
        }
        if (!a) {
            b[len++] = (char)0xff;
            continue;
        }
        int nd = numc_array_ndim(a);
        b[len++] = (char)numc_array_dtype(a);
        b[len++] = (char)numc_array_is_weak(a);
        b[len++] = (char)nd;
        b[len++] = (char)numc_tracer_kind_of(a);
        memcpy(b + len, numc_array_shape(a), 8 * (size_t)nd);
        len += 8 * (size_t)nd;
    }
    PyObject *r = len ? PyBytes_FromStringAndSize(b, (Py_ssize_t)len) : PyBytes_FromString("");
    if (b != buf) free(b);
    return r;
}

static int alloc_leaves(call_t *c, Py_ssize_t n) {
    c->n = n;
    c->arr = n <= 8 ? c->inl_arr : calloc((size_t)n, sizeof *c->arr);
    c->dyn = n <= 8 ? c->inl_dyn : calloc((size_t)n, sizeof *c->dyn);
    if (!c->arr || !c->dyn) {
        PyErr_NoMemory();
        return -1;
    }
    memset(c->arr, 0, sizeof *c->arr * (size_t)n);
    return 0;
}

static int take_leaf(call_t *c, Py_ssize_t k, PyObject *o) {
    int err;
    numc_array *a = leaf_array(o, &err);
    if (err) return -1;
    c->arr[k] = a;
    if (!a) return 0;
    numc_tracer_kind kind = numc_tracer_kind_of(a);
    if (kind == NUMC_TRACER_LIVE) c->nested = true;
    else if (kind == NUMC_TRACER_LEAKED) {
        numc_tracer_check(a, "numc.function argument");
        pynumc_raise();
        return -1;
    }
    c->dyn[c->ndyn++] = a;
    return 0;
}

static int prepare(FunctionObject *f, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                   call_t *c) {
    memset(c, 0, sizeof *c);
    bool fast = kwnames == NULL && PyTuple_GET_SIZE(f->static_argnums) == 0;
    for (Py_ssize_t i = 0; fast && i < nargs; i++) fast = NumcArray_Check(args[i]);
    if (fast) {
        if (alloc_leaves(c, nargs) < 0) return -1;
        for (Py_ssize_t i = 0; i < nargs; i++)
            if (take_leaf(c, i, args[i]) < 0) return -1;
        c->key = signature_bytes(c);
        return c->key ? 0 : -1;
    }
    /* tree path: dynamic (args, kwargs) as one pytree; statics aside */
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *dargs = PyList_New(0), *dkw = PyDict_New(), *stat = PyList_New(0);
    PyObject *tree = NULL;
    int rc = -1;
    if (!dargs || !dkw || !stat) goto done;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (is_static_argnum(f, i, nargs)) {
            PyObject *t = Py_BuildValue("(nO)", i, args[i]);
            if (!t || PyList_Append(stat, t) < 0) {
                Py_XDECREF(t);
                goto done;
            }
            Py_DECREF(t);
        } else if (PyList_Append(dargs, args[i]) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k), *v = args[nargs + k];
        int s = PySet_Contains(f->static_argnames, name);
        if (s < 0) goto done;
        if (s) {
            PyObject *t = PyTuple_Pack(2, name, v);
            if (!t || PyList_Append(stat, t) < 0) {
                Py_XDECREF(t);
                goto done;
            }
            Py_DECREF(t);
        } else if (PyDict_SetItem(dkw, name, v) < 0) {
            goto done;
        }
    }
    {
        PyObject *targs = PyList_AsTuple(dargs);
        if (!targs) goto done;
        tree = PyTuple_Pack(2, targs, dkw);
        Py_DECREF(targs);
        if (!tree) goto done;
    }
    c->leaves = PyList_New(0);
    if (!c->leaves) goto done;
    c->treedef = pynumc_tree_flatten(tree, c->leaves);
    if (!c->treedef) goto done;
    if (alloc_leaves(c, PyList_GET_SIZE(c->leaves)) < 0) goto done;
    for (Py_ssize_t k = 0; k < c->n; k++) {
        PyObject *o = PyList_GET_ITEM(c->leaves, k);
        if (take_leaf(c, k, o) < 0) goto done;
        if (!c->arr[k]) {
            /* a non-array leaf is static: it goes into the key by value */
            PyObject *t = Py_BuildValue("(sOn)", "leaf", o, k);
            if (!t || PyList_Append(stat, t) < 0) {
                Py_XDECREF(t);
                goto done;
            }
            Py_DECREF(t);
        }
    }
    c->statics = PyList_AsTuple(stat);
    if (!c->statics) goto done;
    {
        PyObject *sig = signature_bytes(c);
        if (!sig) goto done;
        c->key = PyTuple_Pack(3, c->treedef, c->statics, sig);
        Py_DECREF(sig);
        if (!c->key) goto done;
        if (PyObject_Hash(c->key) == -1) {
            if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_TypeError,
                                "numc.function: static arguments (static_argnums / "
                                "static_argnames) and non-array arguments must be hashable");
            }
            goto done;
        }
    }
    rc = 0;
done:
    Py_XDECREF(dargs);
    Py_XDECREF(dkw);
    Py_XDECREF(stat);
    Py_XDECREF(tree);
    return rc;
}

/* The positional args and kwargs of f's call, with tracers for the array
 * leaves (tobjs: one object per leaf). */
static int rebuild_call(FunctionObject *f, call_t *c, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames, PyObject *tobjs, PyObject **pos_out, PyObject **kw_out) {
    *pos_out = *kw_out = NULL;
    if (!c->treedef) {
        *pos_out = PyList_AsTuple(tobjs);
        return *pos_out ? 0 : -1;
    }
    Py_ssize_t p = 0;
    PyObject *tree = pynumc_tree_unflatten(c->treedef, tobjs, &p);
    if (!tree) return -1;
    PyObject *dargs = PyTuple_GET_ITEM(tree, 0), *dkw = PyTuple_GET_ITEM(tree, 1);
    PyObject *pos = PyTuple_New(nargs);
    PyObject *kw = kwnames ? PyDict_New() : NULL;
    Py_ssize_t di = 0;
    int rc = pos && (!kwnames || kw) ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < nargs; i++) {
        PyObject *v = is_static_argnum(f, i, nargs) ? args[i] : PyTuple_GET_ITEM(dargs, di++);
        PyTuple_SET_ITEM(pos, i, Py_NewRef(v));
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; rc == 0 && k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        PyObject *v = PyDict_GetItem(dkw, name);
        if (!v) v = args[nargs + k];
        if (PyDict_SetItem(kw, name, v) < 0) rc = -1;
    }
    Py_DECREF(tree);
    if (rc < 0) {
        Py_XDECREF(pos);
        Py_XDECREF(kw);
        return -1;
    }
    *pos_out = pos;
    *kw_out = kw;
    return 0;
}

/* "(float32[3,4], float64[] weak, static 'relu')" */
static PyObject *describe(call_t *c) {
    PyObject *parts = PyList_New(0);
    if (!parts) return NULL;
    for (Py_ssize_t k = 0; k < c->n; k++) {
        numc_array *a = c->arr[k];
        PyObject *s;
        if (a) {
            char buf[512];
            int w = snprintf(buf, sizeof buf, "%s[", numc_dtype_name(numc_array_dtype(a)));
            for (int d = 0; d < numc_array_ndim(a) && w < 400; d++)
                w += snprintf(buf + w, sizeof buf - (size_t)w, d ? ",%lld" : "%lld",
                              (long long)numc_array_shape(a)[d]);
            snprintf(buf + w, sizeof buf - (size_t)w, "]%s", numc_array_is_weak(a) ? " weak" : "");
            s = PyUnicode_FromString(buf);
        } else {
            s = PyUnicode_FromFormat("static %R", PyList_GET_ITEM(c->leaves, k));
        }
        if (!s || PyList_Append(parts, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(s);
    }
    if (c->statics) {
        Py_ssize_t ns = PyTuple_GET_SIZE(c->statics);
        for (Py_ssize_t k = 0; k < ns; k++) {
            PyObject *t = PyTuple_GET_ITEM(c->statics, k);
            if (PyTuple_GET_SIZE(t) == 3) continue; /* a static leaf, listed above */
            PyObject *s = PyUnicode_FromFormat("static %S=%R", PyTuple_GET_ITEM(t, 0),
                                               PyTuple_GET_ITEM(t, 1));
            if (!s || PyList_Append(parts, s) < 0) {
                Py_XDECREF(s);
                Py_DECREF(parts);
                return NULL;
            }
            Py_DECREF(s);
        }
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    if (!joined) return NULL;
    PyObject *r = PyUnicode_FromFormat("(%U)", joined);
    Py_DECREF(joined);
    return r;
}

static void log_retrace(FunctionObject *f, call_t *c) {
    PyObject *desc = describe(c);
    if (!desc) {
        PyErr_Clear();
        return;
    }
    const char *env = getenv("NUMC_LOG_RETRACE");
    if (env && *env && strcmp(env, "0") != 0 && f->trace_count > 0) {
        const char *why = "an argument's shape, dtype or weak type changed";
        if (!c->treedef || !f->last_treedef) {
            if (!!c->treedef != !!f->last_treedef) why = "the argument structure changed";
        } else {
            int same = PyObject_RichCompareBool(c->treedef, f->last_treedef, Py_EQ);
            if (same == 0) why = "the argument structure (pytree) changed";
            else if (same > 0 && f->last_statics &&
                     PyObject_RichCompareBool(c->statics, f->last_statics, Py_EQ) == 0)
                why = "a static argument changed";
            PyErr_Clear();
        }
        PyObject *name = PyObject_GetAttrString(f->fn, "__qualname__");
        if (!name) {
            PyErr_Clear();
            name = PyObject_Repr(f->fn);
        }
        fprintf(stderr, "numc.function %s: retracing (trace #%zd) because %s: %s -> %s\n",
                name ? PyUnicode_AsUTF8(name) : "?", f->trace_count + 1, why,
                f->last_desc ? PyUnicode_AsUTF8(f->last_desc) : "?", PyUnicode_AsUTF8(desc));
        Py_XDECREF(name);
        PyErr_Clear();
    }
    Py_XSETREF(f->last_desc, desc);
    Py_XSETREF(f->last_treedef, Py_XNewRef(c->treedef));
    Py_XSETREF(f->last_statics, Py_XNewRef(c->statics));
}

static int check_signature(FunctionObject *f, call_t *c) {
    if (f->input_signature == Py_None) return 0;
    PyObject *seq = PySequence_Fast(f->input_signature, "input_signature must be a sequence");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int rc = 0;
    if (n != c->ndyn) {
        PyErr_Format(PyExc_TypeError,
                     "numc.function: the call has %zd array arguments but input_signature "
                     "describes %zd",
                     c->ndyn, n);
        rc = -1;
    }
    for (Py_ssize_t k = 0; rc == 0 && k < n; k++) {
        PyObject *spec = PySequence_Fast_GET_ITEM(seq, k);
        numc_array *a = c->dyn[k];
        PyObject *shape = PyObject_GetAttrString(spec, "shape");
        PyObject *dtype = PyObject_GetAttrString(spec, "dtype");
        if (!shape || !dtype) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError,
                            "numc.function: input_signature entries need .shape and .dtype");
            rc = -1;
        }
        numc_dtype dt = NUMC_DTYPE_NONE;
        if (rc == 0 && dtype != Py_None && pynumc_parse_dtype(dtype, &dt) < 0) rc = -1;
        if (rc == 0 && dt != NUMC_DTYPE_NONE && dt != numc_array_dtype(a)) {
            PyErr_Format(PyExc_TypeError,
                         "numc.function: argument %zd has dtype %s, but input_signature says %s", k,
                         numc_dtype_name(numc_array_dtype(a)), numc_dtype_name(dt));
            rc = -1;
        }
        if (rc == 0 && shape != Py_None) {
            PyObject *sq = PySequence_Fast(shape, "shape must be a sequence");
            if (!sq) rc = -1;
            else {
                Py_ssize_t nd = PySequence_Fast_GET_SIZE(sq);
                bool ok = nd == numc_array_ndim(a);
                for (Py_ssize_t d = 0; ok && d < nd; d++) {
                    PyObject *e = PySequence_Fast_GET_ITEM(sq, d);
                    if (e == Py_None) continue;
                    ok = PyLong_AsLongLong(e) == numc_array_shape(a)[d];
                }
                Py_DECREF(sq);
                if (!ok) {
                    PyErr_Format(PyExc_ValueError,
                                 "numc.function: argument %zd does not match the shape %R of "
                                 "input_signature",
                                 k, shape);
                    rc = -1;
                }
            }
        }
        Py_XDECREF(shape);
        Py_XDECREF(dtype);
    }
    Py_DECREF(seq);
    return rc;
}

/* Traces f for this call. Returns a new reference to the entry capsule; with
 * captured values (tracers of an outer vmap closed over) ncap and cap are set
 * and the entry is not cached. */
static PyObject *trace_call(FunctionObject *f, call_t *c, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames, int *ncap, numc_array ***cap) {
    *ncap = 0;
    *cap = NULL;
    log_retrace(f, c);
    PyObject *vars = live_variables();
    if (!vars) return NULL;
    Py_ssize_t nvars = PyList_GET_SIZE(vars), nupd = 0;
    numc_array **vold = calloc((size_t)nvars + 1, sizeof *vold);
    PyObject *tobjs = NULL, *pos = NULL, *kw = NULL, *res = NULL, *outl = NULL, *outdef = NULL,
             *capsule = NULL, *vin = NULL, *vout = NULL;
    numc_array **outs = NULL;
    Py_ssize_t nout = 0;
    bool *kept = NULL;
    numc_trace *t = NULL;
    if (!vold) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < nvars; k++)
        vold[k] = numc_array_retain(NumcArray_ARR(PyList_GET_ITEM(vars, k)));
    t = numc_trace_begin();
    if (!t) {
        raise_status();
        goto fail;
    }
    tobjs = PyList_New(c->n);
    if (!tobjs) goto fail;
    for (Py_ssize_t k = 0; k < c->n; k++) {
        PyObject *o;
        numc_array *a = c->arr[k];
        if (a) {
            numc_array *tr = numc_trace_input(t, numc_array_dtype(a), numc_array_ndim(a),
                                              numc_array_shape(a), numc_array_is_weak(a));
            if (!tr) {
                raise_status();
                goto fail;
            }
            o = wrap_in(tr);
            numc_array_release(tr);
        } else {
            o = Py_NewRef(PyList_GET_ITEM(c->leaves, k));
        }
        if (!o) goto fail;
        PyList_SET_ITEM(tobjs, k, o);
    }
    /* the Variables' values: inputs after the arguments */
    for (Py_ssize_t k = 0; k < nvars; k++)
        if (numc_trace_input_for(t, vold[k]) < 0) {
            raise_status();
            goto fail;
        }
    if (rebuild_call(f, c, args, nargs, kwnames, tobjs, &pos, &kw) < 0) goto fail;
    res = PyObject_Call(f->fn, pos, kw);
    /* Variables assigned inside: their new values become extra outputs and
     * they get their old values back (a tracer must not stay in them) */
    vout = PyList_New(0);
    if (!vout) goto fail;
    for (Py_ssize_t k = 0; k < nvars; k++) {
        PyObject *v = PyList_GET_ITEM(vars, k);
        numc_array *cur = NumcArray_ARR(v);
        if (cur == vold[k]) continue;
        if (res && PyList_Append(vout, v) < 0) Py_CLEAR(res);
        if (res && PyList_Append(vout, Py_None) < 0) Py_CLEAR(res); /* placeholder */
        NumcArray_ARR(v) = numc_array_retain(vold[k]);
        PyObject *holder = pynumc_wrap(cur); /* keeps the new value for the outputs */
        if (!holder || PyList_SetItem(vout, PyList_GET_SIZE(vout) - 1, holder) < 0) Py_CLEAR(res);
        nupd++;
    }
    if (!res) goto fail;
    outl = PyList_New(0);
    if (!outl) goto fail;
    outdef = pynumc_tree_flatten(res, outl);
    if (!outdef) goto fail;
    nout = PyList_GET_SIZE(outl);
    for (Py_ssize_t k = 0; k < nupd; k++)
        if (PyList_Append(outl, PyList_GET_ITEM(vout, 2 * k + 1)) < 0) goto fail;
    outs = leaves_to_arrays(outl, "numc.function");
    if (!outs) goto fail;
    numc_graph *g = numc_trace_end(t, (int)(nout + nupd), (const numc_array *const *)outs, ncap, cap);
    t = NULL;
    if (!g || numc_graph_optimise(g)) {
        numc_graph_unref(g);
        raise_status();
        goto fail;
    }
    /* only the Variables actually read stay inputs */
    kept = calloc((size_t)nvars + 1, sizeof *kept);
    vin = PyList_New(0);
    if (!kept || !vin || numc_graph_prune_inputs(g, (int)c->ndyn, (int)nvars, kept)) {
        numc_graph_unref(g);
        if (!PyErr_Occurred()) kept ? raise_status() : PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < nvars; k++)
        if (kept[k] && PyList_Append(vin, PyList_GET_ITEM(vars, k)) < 0) {
            numc_graph_unref(g);
            goto fail;
        }
    if (numc_graph_optimise(g)) {
        numc_graph_unref(g);
        raise_status();
        goto fail;
    }
    entry_t *e = malloc(sizeof *e);
    if (!e) {
        numc_graph_unref(g);
        PyErr_NoMemory();
        goto fail;
    }
    e->g = g;
    e->out_treedef = Py_NewRef(outdef);
    e->nout = nout;
    e->vars_in = PyList_AsTuple(vin);
    e->vars_out = PyTuple_New(nupd);
    for (Py_ssize_t k = 0; e->vars_out && k < nupd; k++)
        PyTuple_SET_ITEM(e->vars_out, k, Py_NewRef(PyList_GET_ITEM(vout, 2 * k)));
    if (!e->vars_in || !e->vars_out) {
        Py_XDECREF(e->vars_in);
        Py_XDECREF(e->vars_out);
        Py_DECREF(e->out_treedef);
        numc_graph_unref(g);
        free(e);
        goto fail;
    }
    numc_graph_stats st;
    numc_graph_get_stats(g, &st);
    e->work = 0;
    for (int k = 0; k < numc_graph_num_outputs(g); k++) {
        int nd;
        const int64_t *shape;
        numc_graph_output_info(g, k, NULL, &nd, &shape);
        int64_t s = 1;
        for (int d = 0; d < nd; d++) s *= shape[d];
        e->work += s;
    }
    e->work *= st.nodes > 0 ? st.nodes : 1;
    capsule = PyCapsule_New(e, "numc.function.entry", entry_destroy);
    if (!capsule) {
        numc_graph_unref(g);
        Py_DECREF(e->out_treedef);
        Py_DECREF(e->vars_in);
        Py_DECREF(e->vars_out);
        free(e);
        goto fail;
    }
    f->trace_count++;
    if (*ncap == 0 && PyDict_SetItem(f->cache, c->key, capsule) < 0) Py_CLEAR(capsule);
    goto done;
fail:
    if (t) numc_trace_abort(t);
    if (*cap) {
        release_arrays(*cap, *ncap);
        free(*cap);
        *cap = NULL;
        *ncap = 0;
    }
done:
    if (outs) {
        release_arrays(outs, nout + nupd);
        free(outs);
    }
    if (vold) {
        release_arrays(vold, nvars);
        free(vold);
    }
    free(kept);
    Py_XDECREF(vars);
    Py_XDECREF(vin);
    Py_XDECREF(vout);
    Py_XDECREF(tobjs);
    Py_XDECREF(pos);
    Py_XDECREF(kw);
    Py_XDECREF(res);
    Py_XDECREF(outl);
    Py_XDECREF(outdef);
    return capsule;
}

/* Looks the call up (tracing on a miss); returns a borrowed-or-new entry
 * capsule as a new reference. */
static PyObject *get_entry(FunctionObject *f, call_t *c, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames, int *ncap, numc_array ***cap) {
    *ncap = 0;
    *cap = NULL;
    PyObject *cap_obj = PyDict_GetItemWithError(f->cache, c->key);
    if (cap_obj) return Py_NewRef(cap_obj);
    if (PyErr_Occurred()) return NULL;
    if (check_signature(f, c) < 0) return NULL;
    return trace_call(f, c, args, nargs, kwnames, ncap, cap);
}

static PyObject *run_entry(entry_t *e, call_t *c, int ncap, numc_array **cap) {
    Py_ssize_t nvin = PyTuple_GET_SIZE(e->vars_in), nvout = PyTuple_GET_SIZE(e->vars_out);
    Py_ssize_t nin = c->ndyn + nvin + ncap, ntot = e->nout + nvout;
    const numc_array *inl[16];
    const numc_array **in = nin <= 16 ? inl : malloc(sizeof *in * (size_t)nin);
    numc_array *outl[16];
    numc_array **out = ntot <= 16 ? outl : calloc((size_t)ntot, sizeof *out);
    if (!in || !out) {
        if (in != inl) free(in);
        if (out != outl) free(out);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t k = 0; k < c->ndyn; k++) in[k] = c->dyn[k];
    for (Py_ssize_t k = 0; k < nvin; k++) in[c->ndyn + k] = NumcArray_ARR(PyTuple_GET_ITEM(e->vars_in, k));
    for (int k = 0; k < ncap; k++) in[c->ndyn + nvin + k] = cap[k];
    numc_status st;
    bool big = e->work >= PYNUMC_NOGIL_ELEMENTS && c->ndyn > 0 && pynumc_is_eager(c->dyn[0]);
    PYNUMC_CALL(big, st, numc_graph_execute(e->g, (int)nin, in, out));
    PyObject *r = NULL;
    if (st == NUMC_OK) {
        for (Py_ssize_t k = 0; k < nvout; k++) {
            PyObject *v = PyTuple_GET_ITEM(e->vars_out, k);
            numc_array_release(NumcArray_ARR(v));
            NumcArray_ARR(v) = out[e->nout + k];
        }
        r = unflatten_arrays(e->out_treedef, out, e->nout);
    } else {
        raise_status();
    }
    if (in != inl) free(in);
    if (out != outl) free(out);
    return r;
}

static PyObject *function_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                                     PyObject *kwnames) {
    FunctionObject *f = (FunctionObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (numc_trace_active()) return PyObject_Vectorcall(f->fn, args, nargsf, kwnames);
    call_t c;
    if (prepare(f, args, nargs, kwnames, &c) < 0) {
        call_clear(&c);
        return NULL;
    }
    if (c.nested) {
        call_clear(&c);
        return PyObject_Vectorcall(f->fn, args, nargsf, kwnames);
    }
    int ncap;
    numc_array **cap;
    PyObject *ent = get_entry(f, &c, args, nargs, kwnames, &ncap, &cap);
    PyObject *r = NULL;
    if (ent) {
        r = run_entry(PyCapsule_GetPointer(ent, "numc.function.entry"), &c, ncap, cap);
        Py_DECREF(ent);
    }
    if (cap) {
        release_arrays(cap, ncap);
        free(cap);
    }
    call_clear(&c);
    return r;
}

/* f.graph_stats(*args, **kw) / f.graph_dump(*args, **kw): the optimised
 * graph for these arguments (traced if needed; it is cached like a call). */
static numc_graph *graph_for(FunctionObject *f, PyObject *args, PyObject *kw, PyObject **keep) {
    *keep = NULL;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args), nkw = kw ? PyDict_GET_SIZE(kw) : 0;
    PyObject **vec = malloc(sizeof *vec * (size_t)(nargs + nkw + 1));
    PyObject *kwnames = nkw ? PyTuple_New(nkw) : NULL;
    if (!vec || (nkw && !kwnames)) {
        free(vec);
        Py_XDECREF(kwnames);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) vec[i] = PyTuple_GET_ITEM(args, i);
    Py_ssize_t pos = 0, j = 0;
    PyObject *k, *v;
    while (kw && PyDict_Next(kw, &pos, &k, &v)) {
        PyTuple_SET_ITEM(kwnames, j, Py_NewRef(k));
        vec[nargs + j++] = v;
    }
    call_t c;
    numc_graph *g = NULL;
    if (prepare(f, vec, nargs, kwnames, &c) == 0) {
        if (c.nested) {
            PyErr_SetString(PyExc_ValueError, "graph_stats/graph_dump: called inside a trace");
        } else {
            int ncap;
            numc_array **cap;
            PyObject *ent = get_entry(f, &c, vec, nargs, kwnames, &ncap, &cap);
            if (ent) {
                g = ((entry_t *)PyCapsule_GetPointer(ent, "numc.function.entry"))->g;
                *keep = ent;
            }
            if (cap) {
                release_arrays(cap, ncap);
                free(cap);
            }
        }
    }
    call_clear(&c);
    free(vec);
    Py_XDECREF(kwnames);
    return g;
}

static PyObject *meth_graph_stats(PyObject *self, PyObject *args, PyObject *kw) {
    PyObject *keep;
    numc_graph *g = graph_for((FunctionObject *)self, args, kw, &keep);
    if (!g) return NULL;
    numc_graph_stats s;
    numc_graph_get_stats(g, &s);
    Py_DECREF(keep);
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "traced_nodes", s.traced_nodes,
                         "cse_merged", s.cse_merged, "folded", s.folded, "dce_removed",
                         s.dce_removed, "nodes", s.nodes, "constants", s.constants, "inputs",
                         s.inputs, "outputs", s.outputs);
}

static PyObject *meth_graph_dump(PyObject *self, PyObject *args, PyObject *kw) {
    PyObject *keep;
    numc_graph *g = graph_for((FunctionObject *)self, args, kw, &keep);
    if (!g) return NULL;
    char *s = numc_graph_dump(g);
    Py_DECREF(keep);
    if (!s) return raise_status();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

static PyObject *meth_tracing_count(PyObject *self, PyObject *unused) {
    return PyLong_FromSsize_t(((FunctionObject *)self)->trace_count);
}

static PyObject *meth_clear_cache(PyObject *self, PyObject *unused) {
    PyDict_Clear(((FunctionObject *)self)->cache);
    Py_RETURN_NONE;
}

static PyObject *get_trace_count(PyObject *self, void *c) {
    return PyLong_FromSsize_t(((FunctionObject *)self)->trace_count);
}
static PyObject *get_fn(PyObject *self, void *c) { return Py_NewRef(((FunctionObject *)self)->fn); }
static PyObject *get_sig(PyObject *self, void *c) {
    return Py_NewRef(((FunctionObject *)self)->input_signature);
}

static int parse_static(PyObject *obj, PyObject **out, int names) {
    if (!obj || obj == Py_None) {
        *out = names ? PyFrozenSet_New(NULL) : PyTuple_New(0);
        return *out ? 0 : -1;
    }
    PyObject *seq;
    if ((names && PyUnicode_Check(obj)) || (!names && PyLong_Check(obj)))
        seq = PyTuple_Pack(1, obj);
    else
        seq = PySequence_Tuple(obj);
    if (!seq) return -1;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(seq); k++) {
        PyObject *e = PyTuple_GET_ITEM(seq, k);
        if (names ? !PyUnicode_Check(e) : !PyLong_Check(e)) {
            PyErr_Format(PyExc_TypeError, "numc.function: %s must be %s", names ? "static_argnames" : "static_argnums",
                         names ? "strings" : "integers");
            Py_DECREF(seq);
            return -1;
        }
    }
    if (names) {
        *out = PyFrozenSet_New(seq);
        Py_DECREF(seq);
        return *out ? 0 : -1;
    }
    *out = seq;
    return 0;
}

static PyObject *function_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"func", "input_signature", "static_argnums", "static_argnames",
                             "autograph", "jit_compile", "reduce_retracing",
                             "experimental_implements", "experimental_autograph_options",
                             "experimental_attributes", "experimental_relax_shapes",
                             "experimental_compile", "experimental_follow_type_hints", "donate_argnums",
                             NULL};
    PyObject *fn = NULL, *sig = Py_None, *sa = NULL, *sn = NULL, *ign[10] = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOOOOOOOOOO:function", kwlist, &fn, &sig, &sa,
                                     &sn, &ign[0], &ign[1], &ign[2], &ign[3], &ign[4], &ign[5],
                                     &ign[6], &ign[7], &ign[8], &ign[9]))
        return NULL;
    if (!fn || fn == Py_None) {
        /* decorator with arguments: numc.function(static_argnums=0)(f) */
        if (!partial_fn) {
            PyObject *ft = PyImport_ImportModule("functools");
            if (!ft) return NULL;
            partial_fn = PyObject_GetAttrString(ft, "partial");
            Py_DECREF(ft);
            if (!partial_fn) return NULL;
        }
        PyObject *pargs = PyTuple_Pack(1, (PyObject *)tp);
        if (!pargs) return NULL;
        PyObject *kw2 = kw ? PyDict_Copy(kw) : PyDict_New();
        if (kw2 && PyDict_DelItemString(kw2, "func") < 0) PyErr_Clear();
        PyObject *r = kw2 ? PyObject_Call(partial_fn, pargs, kw2) : NULL;
        Py_DECREF(pargs);
        Py_XDECREF(kw2);
        return r;
    }
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "numc.function: expected a callable, got %.100s",
                     Py_TYPE(fn)->tp_name);
        return NULL;
    }
    FunctionObject *f = (FunctionObject *)tp->tp_alloc(tp, 0);
    if (!f) return NULL;
    f->vectorcall = function_vectorcall;
    f->fn = Py_NewRef(fn);
    f->input_signature = Py_NewRef(sig);
    f->cache = PyDict_New();
    f->dict = PyDict_New();
    if (!f->cache || !f->dict || parse_static(sa, &f->static_argnums, 0) < 0 ||
        parse_static(sn, &f->static_argnames, 1) < 0) {
        Py_DECREF(f);
        return NULL;
    }
    static const char *copied[] = {"__name__", "__qualname__", "__doc__", "__module__"};
    for (size_t k = 0; k < sizeof copied / sizeof *copied; k++) {
        PyObject *v = PyObject_GetAttrString(fn, copied[k]);
        if (!v) {
            PyErr_Clear();
            continue;
        }
        PyDict_SetItemString(f->dict, copied[k], v);
        Py_DECREF(v);
    }
    PyDict_SetItemString(f->dict, "__wrapped__", fn);
    return (PyObject *)f;
}

static int function_traverse(PyObject *self, visitproc visit, void *arg) {
    FunctionObject *f = (FunctionObject *)self;
    Py_VISIT(f->fn);
    Py_VISIT(f->cache);
    Py_VISIT(f->dict);
    Py_VISIT(f->input_signature);
    return 0;
}

static int function_clear(PyObject *self) {
    FunctionObject *f = (FunctionObject *)self;
    Py_CLEAR(f->fn);
    Py_CLEAR(f->cache);
    Py_CLEAR(f->dict);
    Py_CLEAR(f->input_signature);
    Py_CLEAR(f->static_argnums);
    Py_CLEAR(f->static_argnames);
    Py_CLEAR(f->last_desc);
    Py_CLEAR(f->last_treedef);
    Py_CLEAR(f->last_statics);
    return 0;
}

static void function_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    if (((FunctionObject *)self)->weakreflist) PyObject_ClearWeakRefs(self);
    function_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *function_descr_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (!obj || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyObject *function_repr(PyObject *self) {
    return PyUnicode_FromFormat("<numc.function %R>", ((FunctionObject *)self)->fn);
}

static PyMethodDef function_methods[] = {
    {"graph_stats", (PyCFunction)(void (*)(void))meth_graph_stats, METH_VARARGS | METH_KEYWORDS,
     "graph_stats(*args, **kwargs): node counts of the optimised graph for these arguments "
     "(traced_nodes, cse_merged, folded, dce_removed, nodes, constants, inputs, outputs)."},
    {"graph_dump", (PyCFunction)(void (*)(void))meth_graph_dump, METH_VARARGS | METH_KEYWORDS,
     "graph_dump(*args, **kwargs): the optimised graph for these arguments, as text."},
    {"experimental_get_tracing_count", meth_tracing_count, METH_NOARGS,
     "The number of times the function was traced (TensorFlow's name)."},
    {"clear_cache", meth_clear_cache, METH_NOARGS, "Drops every cached graph."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef function_getset[] = {
    {"trace_count", get_trace_count, NULL, "How many times the function was traced.", NULL},
    {"python_function", get_fn, NULL, "The wrapped Python function.", NULL},
    {"input_signature", get_sig, NULL, "The input_signature given, or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Function_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "numc.function",
    .tp_basicsize = sizeof(FunctionObject),
    .tp_dealloc = function_dealloc,
    .tp_vectorcall_offset = offsetof(FunctionObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = function_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "function(func=None, input_signature=None, static_argnums=(), static_argnames=())\n"
              "--\n\n"
              "Graph mode: traces func once per argument signature (pytree structure, array "
              "shapes, dtypes and weak types, static argument values), optimises the graph and "
              "runs it on later calls. Also available as numc.jit. Python control flow on traced "
              "values raises TypeError: use numc.cond, numc.while_loop, numc.fori_loop or "
              "numc.scan.",
    .tp_traverse = function_traverse,
    .tp_clear = function_clear,
    .tp_weaklistoffset = offsetof(FunctionObject, weakreflist),
    .tp_dictoffset = offsetof(FunctionObject, dict),
    .tp_methods = function_methods,
    .tp_getset = function_getset,
    .tp_descr_get = function_descr_get,
    .tp_new = function_new,
};

/* ===================================================================== */
/* control flow                                                           */
/* ===================================================================== */

enum { B_COND, B_WCOND, B_WBODY, B_SCAN, B_FORI_SCAN, B_FORI_WCOND, B_FORI_WBODY };

typedef struct {
    int mode;
    PyObject *fn;
    PyObject *in_treedef;    /* operands (cond) or carry */
    PyObject *x_treedef;     /* scan */
    Py_ssize_t ncarry;       /* leaves of the carry */
    PyObject *out_treedef;   /* cond: the first branch's; scan: ys' */
    const char *what;
} body_t;

static PyObject *take_tree(PyObject *def, PyObject *list, Py_ssize_t *pos) {
    return pynumc_tree_unflatten(def, list, pos);
}

static int same_tree(PyObject *a, PyObject *b, const char *what) {
    int eq = PyObject_RichCompareBool(a, b, Py_EQ);
    if (eq < 0) return -1;
    if (!eq) {
        PyErr_Format(PyExc_TypeError,
                     "%s: the output must have the same pytree structure as %s (got %R, expected %R)",
                     what, "the input carry / the other branch", a, b);
        return -1;
    }
    return 0;
}

/* Flattens r into leaves appended to `leaves`; checks against *def (or sets it). */
static int flatten_check(PyObject *r, PyObject *leaves, PyObject **def, const char *what) {
    PyObject *d = pynumc_tree_flatten(r, leaves);
    if (!d) return -1;
    if (*def) {
        int rc = same_tree(d, *def, what);
        Py_DECREF(d);
        return rc;
    }
    *def = d;
    return 0;
}

static numc_status body_cb(void *payload, int nin, numc_array *const *in, int *nout,
                           numc_array ***out) {
    body_t *b = payload;
    *nout = 0;
    *out = NULL;
    PyObject *list = PyList_New(nin), *res = NULL, *leaves = PyList_New(0);
    if (!list || !leaves) goto fail;
    for (int k = 0; k < nin; k++) {
        PyObject *o = wrap_in(in[k]);
        if (!o) goto fail;
        PyList_SET_ITEM(list, k, o);
    }
    Py_ssize_t pos = 0;
    switch (b->mode) {
    case B_COND: {
        PyObject *ops = take_tree(b->in_treedef, list, &pos);
        if (!ops) goto fail;
        res = PyObject_CallObject(b->fn, ops);
        Py_DECREF(ops);
        if (!res || flatten_check(res, leaves, &b->out_treedef, b->what) < 0) goto fail;
        break;
    }
    case B_WCOND:
    case B_WBODY: {
        PyObject *carry = take_tree(b->in_treedef, list, &pos);
        if (!carry) goto fail;
        res = PyObject_CallOneArg(b->fn, carry);
        Py_DECREF(carry);
        if (!res) goto fail;
        if (b->mode == B_WCOND) {
            if (PyList_Append(leaves, res) < 0) goto fail;
        } else {
            PyObject *def = Py_NewRef(b->in_treedef);
            int rc = flatten_check(res, leaves, &def, b->what);
            Py_DECREF(def);
            if (rc < 0) goto fail;
        }
        break;
    }
    case B_SCAN: {
        PyObject *carry = take_tree(b->in_treedef, list, &pos);
        PyObject *x = carry ? take_tree(b->x_treedef, list, &pos) : NULL;
        if (!x) {
            Py_XDECREF(carry);
            goto fail;
        }
        res = PyObject_CallFunctionObjArgs(b->fn, carry, x, NULL);
        Py_DECREF(carry);
        Py_DECREF(x);
        if (!res) goto fail;
        if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
            PyErr_SetString(PyExc_TypeError,
                            "scan: the function must return a pair (carry, y)");
            goto fail;
        }
        PyObject *def = Py_NewRef(b->in_treedef);
        int rc = flatten_check(PyTuple_GET_ITEM(res, 0), leaves, &def, "scan carry");
        Py_DECREF(def);
        if (rc < 0 || flatten_check(PyTuple_GET_ITEM(res, 1), leaves, &b->out_treedef, "scan ys") < 0)
            goto fail;
        break;
    }
    case B_FORI_SCAN:
    case B_FORI_WBODY:
    case B_FORI_WCOND: {
        PyObject *i = PyList_GET_ITEM(list, 0);
        pos = b->mode == B_FORI_SCAN ? 1 : 2;
        if (b->mode == B_FORI_WCOND) {
            res = PyObject_RichCompare(i, PyList_GET_ITEM(list, 1), Py_LT);
            if (!res || PyList_Append(leaves, res) < 0) goto fail;
            break;
        }
        PyObject *val = take_tree(b->in_treedef, list, &pos);
        if (!val) goto fail;
        res = PyObject_CallFunctionObjArgs(b->fn, i, val, NULL);
        Py_DECREF(val);
        if (!res) goto fail;
        PyObject *one = PyLong_FromLong(1);
        PyObject *inext = one ? PyNumber_Add(i, one) : NULL;
        Py_XDECREF(one);
        if (!inext) goto fail;
        int rc = PyList_Append(leaves, inext);
        Py_DECREF(inext);
        if (rc < 0) goto fail;
        if (b->mode == B_FORI_WBODY && PyList_Append(leaves, PyList_GET_ITEM(list, 1)) < 0) goto fail;
        PyObject *def = Py_NewRef(b->in_treedef);
        rc = flatten_check(res, leaves, &def, "fori_loop body_fun");
        Py_DECREF(def);
        if (rc < 0) goto fail;
        break;
    }
    }
    numc_array **arr = leaves_to_arrays(leaves, b->what);
    if (!arr) goto fail;
    *nout = (int)PyList_GET_SIZE(leaves);
    *out = arr;
    Py_XDECREF(list);
    Py_XDECREF(res);
    Py_XDECREF(leaves);
    return NUMC_OK;
fail:
    Py_XDECREF(list);
    Py_XDECREF(res);
    Py_XDECREF(leaves);
    return py_failed();
}

/* Flattens a tree of array-likes: new array references in *arr (malloc'ed). */
static PyObject *flatten_arrays(PyObject *tree, numc_array ***arr, Py_ssize_t *n, const char *what) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    PyObject *def = pynumc_tree_flatten(tree, leaves);
    if (!def) {
        Py_DECREF(leaves);
        return NULL;
    }
    *arr = leaves_to_arrays(leaves, what);
    *n = PyList_GET_SIZE(leaves);
    Py_DECREF(leaves);
    if (!*arr) {
        Py_DECREF(def);
        return NULL;
    }
    return def;
}

static void free_arrays(numc_array **a, Py_ssize_t n) {
    release_arrays(a, n);
    free(a);
}

/* A concrete 0-d predicate's truth: 1/0, or -1 with an exception, or 2 when
 * the value is not concrete (traced). */
static int concrete_truth(numc_array *p, const char *what) {
    if (numc_tracer_kind_of(p) != NUMC_TRACER_NONE) {
        if (numc_tracer_kind_of(p) == NUMC_TRACER_LEAKED) {
            numc_tracer_check(p, what);
            pynumc_raise();
            return -1;
        }
        return 2;
    }
    if (numc_array_ndim(p) != 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s: the predicate must be a scalar (0-d array or Python scalar), got an "
                     "array of dimension %d",
                     what, numc_array_ndim(p));
        return -1;
    }
    double re = 0, im = 0;
    if (numc_array_get_f64(p, 0, &re, &im)) {
        pynumc_raise();
        return -1;
    }
    return re != 0 || im != 0;
}

/* numc.switch / numc.cond on a traced index */
static PyObject *staged_cond(numc_array *index, PyObject *branches, PyObject *operands,
                             const char *what) {
    Py_ssize_t nb = PySequence_Fast_GET_SIZE(branches);
    numc_array **ops = NULL;
    Py_ssize_t nops = 0;
    PyObject *opdef = flatten_arrays(operands, &ops, &nops, what);
    if (!opdef) return NULL;
    body_t *bs = calloc((size_t)nb, sizeof *bs);
    numc_traced_fn *fns = calloc((size_t)nb, sizeof *fns);
    void **pl = calloc((size_t)nb, sizeof *pl);
    PyObject *r = NULL;
    if (!bs || !fns || !pl) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nb; k++) {
        bs[k].mode = B_COND;
        bs[k].fn = PySequence_Fast_GET_ITEM(branches, k);
        bs[k].in_treedef = opdef;
        bs[k].what = what;
        fns[k] = body_cb;
        pl[k] = &bs[k];
    }
    /* every branch checks its result structure against the first one's */
    int nout = 0;
    numc_array **out = NULL;
    numc_status st = numc_cond(index, (int)nb, fns, pl, (int)nops, (const numc_array *const *)ops,
                               &nout, &out);
    for (Py_ssize_t k = 1; k < nb; k++) Py_XDECREF(bs[k].out_treedef);
    if (st) {
        raise_status();
    } else {
        r = unflatten_arrays(bs[0].out_treedef, out, nout);
        free(out);
    }
    Py_XDECREF(bs[0].out_treedef);
done:
    free(bs);
    free(fns);
    free(pl);
    free_arrays(ops, nops);
    Py_DECREF(opdef);
    return r;
}

static PyObject *py_cond(PyObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 3) {
        PyErr_SetString(PyExc_TypeError,
                        "cond(pred, true_fun, false_fun, *operands) takes at least 3 arguments");
        return NULL;
    }
    numc_array *p = pynumc_from_object(args[0], NUMC_DTYPE_NONE);
    if (!p) return NULL;
    PyObject *operands = PyTuple_New(nargs - 3);
    if (!operands) {
        numc_array_release(p);
        return NULL;
    }
    for (Py_ssize_t k = 3; k < nargs; k++) PyTuple_SET_ITEM(operands, k - 3, Py_NewRef(args[k]));
    PyObject *r = NULL;
    int truth = concrete_truth(p, "cond");
    if (truth == 0 || truth == 1) {
        r = PyObject_CallObject(args[truth ? 1 : 2], operands);
    } else if (truth == 2) {
        numc_dtype dt = numc_array_dtype(p);
        if (numc_array_ndim(p) != 0) {
            PyErr_Format(PyExc_TypeError, "cond: the predicate must be a scalar, got an array of dimension %d",
                         numc_array_ndim(p));
        } else {
            numc_array *idx = p;
            if (dt != NUMC_BOOL) {
                /* a number: nonzero is true */
                numc_array *z = numc_scalar_of(dt, 0, 0);
                idx = z ? numc_not_equal(p, z) : NULL;
                numc_array_release(z);
            } else {
                numc_array_retain(idx);
            }
            if (!idx) {
                raise_status();
            } else {
                PyObject *br = PyTuple_Pack(2, args[2], args[1]);
                PyObject *fast = br ? PySequence_Fast(br, "") : NULL;
                if (fast) r = staged_cond(idx, fast, operands, "cond");
                Py_XDECREF(fast);
                Py_XDECREF(br);
                numc_array_release(idx);
            }
        }
    }
    Py_DECREF(operands);
    numc_array_release(p);
    return r;
}

static PyObject *py_switch(PyObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 2) {
        PyErr_SetString(PyExc_TypeError, "switch(index, branches, *operands) takes at least 2 arguments");
        return NULL;
    }
    PyObject *branches = PySequence_Fast(args[1], "switch: branches must be a sequence of callables");
    if (!branches) return NULL;
    Py_ssize_t nb = PySequence_Fast_GET_SIZE(branches);
    if (nb < 1) {
        Py_DECREF(branches);
        PyErr_SetString(PyExc_ValueError, "switch: needs at least one branch");
        return NULL;
    }
    numc_array *idx = pynumc_from_object(args[0], NUMC_DTYPE_NONE);
    PyObject *operands = PyTuple_New(nargs - 2), *r = NULL;
    if (!idx || !operands) goto done;
    for (Py_ssize_t k = 2; k < nargs; k++) PyTuple_SET_ITEM(operands, k - 2, Py_NewRef(args[k]));
    char kind = numc_dtype_kind(numc_array_dtype(idx));
    if (numc_array_ndim(idx) != 0 || !(kind == 'b' || kind == 'i' || kind == 'u')) {
        PyErr_SetString(PyExc_TypeError, "switch: the index must be a scalar integer");
        goto done;
    }
    if (numc_tracer_kind_of(idx) == NUMC_TRACER_NONE) {
        double re = 0, im = 0;
        numc_array_get_f64(idx, 0, &re, &im);
        Py_ssize_t k = (Py_ssize_t)re;
        if (k < 0) k = 0;
        if (k >= nb) k = nb - 1;
        r = PyObject_CallObject(PySequence_Fast_GET_ITEM(branches, k), operands);
    } else {
        r = staged_cond(idx, branches, operands, "switch");
    }
done:
    Py_XDECREF(operands);
    numc_array_release(idx);
    Py_DECREF(branches);
    return r;
}

static PyObject *staged_while(PyObject *cond_fun, PyObject *body_fun, PyObject *carry,
                              int cond_mode, int body_mode, Py_ssize_t skip) {
    numc_array **init = NULL;
    Py_ssize_t n = 0;
    PyObject *def = flatten_arrays(carry, &init, &n, "while_loop");
    if (!def) return NULL;
    /* fori's while form carries (i, upper, val): the treedef is val's */
    PyObject *valdef = def;
    if (skip) {
        valdef = PyTuple_GET_ITEM(PyTuple_GET_ITEM(def, 2), 2);
    }
    body_t bc = {.mode = cond_mode, .fn = cond_fun, .in_treedef = valdef, .what = "while_loop cond_fun"};
    body_t bb = {.mode = body_mode, .fn = body_fun, .in_treedef = valdef, .what = "while_loop body_fun"};
    numc_array **out = calloc((size_t)n + 1, sizeof *out);
    PyObject *r = NULL;
    if (!out) {
        PyErr_NoMemory();
    } else if (numc_while_loop(body_cb, &bc, body_cb, &bb, (int)n, (const numc_array *const *)init, out)) {
        raise_status();
        free(out);
    } else {
        r = unflatten_arrays(def, out, n);
        free(out);
    }
    free_arrays(init, n);
    Py_DECREF(def);
    return r;
}

static PyObject *py_while_loop(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"cond_fun", "body_fun", "init_val", NULL};
    PyObject *cf, *bf, *init;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:while_loop", kwlist, &cf, &bf, &init)) return NULL;
    if (numc_trace_active()) return staged_while(cf, bf, init, B_WCOND, B_WBODY, 0);
    /* plain Python while the predicate is concrete */
    PyObject *carry = Py_NewRef(init);
    for (;;) {
        PyObject *pv = PyObject_CallOneArg(cf, carry);
        if (!pv) break;
        numc_array *p = pynumc_from_object(pv, NUMC_DTYPE_NONE);
        Py_DECREF(pv);
        if (!p) break;
        int t = concrete_truth(p, "while_loop");
        numc_array_release(p);
        if (t < 0) break;
        if (t == 2) {
            PyObject *r = staged_while(cf, bf, carry, B_WCOND, B_WBODY, 0);
            Py_DECREF(carry);
            return r;
        }
        if (!t) return carry;
        PyObject *next = PyObject_CallOneArg(bf, carry);
        Py_DECREF(carry);
        if (!next) return NULL;
        carry = next;
    }
    Py_DECREF(carry);
    return NULL;
}

/* Concrete integer bound: 1 with *v set, 0 when traced, -1 on error. */
static int concrete_int(PyObject *o, int64_t *v) {
    if (PyLong_Check(o) && !PyBool_Check(o)) {
        *v = PyLong_AsLongLong(o);
        return PyErr_Occurred() ? -1 : 1;
    }
    numc_array *a = pynumc_from_object(o, NUMC_DTYPE_NONE);
    if (!a) return -1;
    int rc;
    char k = numc_dtype_kind(numc_array_dtype(a));
    if (numc_array_ndim(a) != 0 || !(k == 'i' || k == 'u' || k == 'b')) {
        PyErr_SetString(PyExc_TypeError, "fori_loop: lower and upper must be scalar integers");
        rc = -1;
    } else if (numc_tracer_kind_of(a) != NUMC_TRACER_NONE) {
        rc = 0;
    } else {
        double re = 0, im = 0;
        numc_array_get_f64(a, 0, &re, &im);
        *v = (int64_t)re;
        rc = 1;
    }
    numc_array_release(a);
    return rc;
}

static PyObject *py_fori_loop(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"lower", "upper", "body_fun", "init_val", "unroll", NULL};
    PyObject *lo, *hi, *bf, *init, *unroll = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|O:fori_loop", kwlist, &lo, &hi, &bf, &init,
                                     &unroll))
        return NULL;
    int64_t l = 0, u = 0;
    int cl = concrete_int(lo, &l), cu = cl < 0 ? -1 : concrete_int(hi, &u);
    if (cl < 0 || cu < 0) return NULL;
    bool staged = numc_trace_active();
    if (cl && cu && !staged) {
        PyObject *val = Py_NewRef(init);
        for (int64_t i = l; i < u; i++) {
            PyObject *io = PyLong_FromLongLong(i);
            PyObject *nv = io ? PyObject_CallFunctionObjArgs(bf, io, val, NULL) : NULL;
            Py_XDECREF(io);
            Py_DECREF(val);
            if (!nv) return NULL;
            val = nv;
        }
        return val;
    }
    if (cl && cu) {
        /* concrete trip count under a trace: a scan over (i, val), so it stays
         * differentiable */
        numc_array **vals = NULL;
        Py_ssize_t n = 0;
        PyObject *def = flatten_arrays(init, &vals, &n, "fori_loop");
        if (!def) return NULL;
        numc_array **carry = calloc((size_t)n + 2, sizeof *carry);
        numc_array **out = calloc((size_t)n + 2, sizeof *out);
        PyObject *r = NULL;
        if (!carry || !out) {
            PyErr_NoMemory();
        } else {
            carry[0] = pynumc_from_object(lo, NUMC_DTYPE_NONE);
            if (carry[0]) {
                for (Py_ssize_t k = 0; k < n; k++) carry[1 + k] = vals[k];
                body_t b = {.mode = B_FORI_SCAN, .fn = bf, .in_treedef = def, .what = "fori_loop"};
                int nys;
                numc_array **ys;
                numc_status st = numc_scan(body_cb, &b, (int)n + 1, (const numc_array *const *)carry,
                                           0, NULL, u > l ? u - l : 0, false, out, &nys, &ys);
                Py_XDECREF(b.out_treedef);
                if (st) {
                    raise_status();
                } else {
                    free_arrays(ys, nys);
                    numc_array_release(out[0]);
                    r = unflatten_arrays(def, out + 1, n);
                }
                numc_array_release(carry[0]);
            }
        }
        free(carry);
        free(out);
        free_arrays(vals, n);
        Py_DECREF(def);
        return r;
    }
    /* traced bounds: a while loop over (i, upper, val) */
    PyObject *lo_arr = lo, *hi_arr = hi;
    PyObject *t = PyTuple_Pack(3, lo_arr, hi_arr, init);
    if (!t) return NULL;
    PyObject *r = staged_while(NULL, bf, t, B_FORI_WCOND, B_FORI_WBODY, 2);
    Py_DECREF(t);
    if (!r) return NULL;
    PyObject *val = Py_NewRef(PyTuple_GET_ITEM(r, 2));
    Py_DECREF(r);
    return val;
}

static PyObject *py_scan(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"f", "init", "xs", "length", "reverse", "unroll", NULL};
    PyObject *f, *init, *xs = Py_None, *length = Py_None, *unroll = NULL;
    int reverse = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOpO:scan", kwlist, &f, &init, &xs, &length,
                                     &reverse, &unroll))
        return NULL;
    int64_t len = -1;
    if (length != Py_None && pynumc_parse_int(length, &len) < 0) return NULL;
    numc_array **xa = NULL, **ca = NULL;
    Py_ssize_t nx = 0, nc = 0;
    PyObject *xdef = flatten_arrays(xs, &xa, &nx, "scan"), *cdef = NULL, *r = NULL;
    if (!xdef) return NULL;
    for (Py_ssize_t k = 0; k < nx; k++) {
        if (numc_array_ndim(xa[k]) < 1) {
            PyErr_SetString(PyExc_ValueError, "scan: every leaf of xs needs a leading axis");
            goto done;
        }
        int64_t l = numc_array_shape(xa[k])[0];
        if (len >= 0 && l != len) {
            PyErr_Format(PyExc_ValueError,
                         "scan got `length` argument of %lld which disagrees with leading axis "
                         "sizes %lld",
                         (long long)len, (long long)l);
            goto done;
        }
        len = l;
    }
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "scan: length must be given when xs is None or empty");
        goto done;
    }
    if (!numc_trace_active() && len > 0) {
        /* plain Python: slice, call, stack */
        PyObject *carry = Py_NewRef(init), *ydef = NULL;
        numc_array **rows = NULL;
        Py_ssize_t ny = -1;
        bool ok = true;
        for (int64_t it = 0; it < len && ok; it++) {
            int64_t t = reverse ? len - 1 - it : it;
            PyObject *xl = PyList_New(nx);
            ok = xl != NULL;
            for (Py_ssize_t k = 0; ok && k < nx; k++) {
                PyObject *xo = pynumc_wrap(numc_array_retain(xa[k]));
                PyObject *ti = PyLong_FromLongLong(t);
                PyObject *row = xo && ti ? PyObject_GetItem(xo, ti) : NULL;
                Py_XDECREF(xo);
                Py_XDECREF(ti);
                if (!row) ok = false;
                else PyList_SET_ITEM(xl, k, row);
            }
            Py_ssize_t p = 0;
            PyObject *x = ok ? pynumc_tree_unflatten(xdef, xl, &p) : NULL;
            Py_XDECREF(xl);
            PyObject *res = x ? PyObject_CallFunctionObjArgs(f, carry, x, NULL) : NULL;
            Py_XDECREF(x);
            if (!res) {
                ok = false;
                break;
            }
            if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
                PyErr_SetString(PyExc_TypeError, "scan: the function must return a pair (carry, y)");
                Py_DECREF(res);
                ok = false;
                break;
            }
            Py_SETREF(carry, Py_NewRef(PyTuple_GET_ITEM(res, 0)));
            numc_array **ya = NULL;
            Py_ssize_t n = 0;
            PyObject *d = flatten_arrays(PyTuple_GET_ITEM(res, 1), &ya, &n, "scan");
            Py_DECREF(res);
            if (!d) {
                ok = false;
                break;
            }
            if (!ydef) {
                ydef = d;
                ny = n;
                rows = calloc((size_t)(ny * len) + 1, sizeof *rows);
                if (!rows) {
                    PyErr_NoMemory();
                    ok = false;
                }
            } else {
                if (same_tree(d, ydef, "scan ys") < 0) ok = false;
                Py_DECREF(d);
            }
            for (Py_ssize_t k = 0; ok && k < n; k++) {
                rows[k * len + t] = ya[k];
                ya[k] = NULL;
            }
            free_arrays(ya, n);
        }
        numc_array **ys = ok ? calloc((size_t)ny + 1, sizeof *ys) : NULL;
        if (ok && !ys) {
            PyErr_NoMemory();
            ok = false;
        }
        for (Py_ssize_t k = 0; ok && k < ny; k++) {
            ys[k] = numc_stack((int)len, (const numc_array *const *)(rows + k * len), 0);
            if (!ys[k]) {
                raise_status();
                ok = false;
                release_arrays(ys, k);
            }
        }
        if (rows) free_arrays(rows, ny * len);
        if (ok) {
            PyObject *yt = unflatten_arrays(ydef, ys, ny);
            r = yt ? PyTuple_Pack(2, carry, yt) : NULL;
            Py_XDECREF(yt);
        }
        free(ys);
        Py_XDECREF(ydef);
        Py_DECREF(carry);
        goto done;
    }
    /* staged (or length 0: the body's output types come from tracing it) */
    cdef = flatten_arrays(init, &ca, &nc, "scan");
    if (!cdef) goto done;
    {
        body_t b = {.mode = B_SCAN, .fn = f, .in_treedef = cdef, .x_treedef = xdef, .what = "scan"};
        numc_array **cout = calloc((size_t)nc + 1, sizeof *cout);
        int nys = 0;
        numc_array **ys = NULL;
        if (!cout) {
            PyErr_NoMemory();
        } else if (numc_scan(body_cb, &b, (int)nc, (const numc_array *const *)ca, (int)nx,
                             (const numc_array *const *)xa, len, reverse != 0, cout, &nys, &ys)) {
            raise_status();
        } else {
            PyObject *ct = unflatten_arrays(cdef, cout, nc);
            PyObject *ydef = b.out_treedef ? b.out_treedef : Py_None;
            PyObject *yt = NULL;
            if (ct) {
                if (b.out_treedef) yt = unflatten_arrays(ydef, ys, nys);
                else yt = Py_NewRef(Py_None);
            } else {
                release_arrays(ys, nys);
            }
            r = ct && yt ? PyTuple_Pack(2, ct, yt) : NULL;
            Py_XDECREF(ct);
            Py_XDECREF(yt);
            free(ys);
        }
        free(cout);
        Py_XDECREF(b.out_treedef);
    }
done:
    if (xa) free_arrays(xa, nx);
    if (ca) free_arrays(ca, nc);
    Py_XDECREF(xdef);
    Py_XDECREF(cdef);
    return r;
}

static PyObject *py_tracer_kind(PyObject *m, PyObject *x) {
    if (!NumcArray_Check(x)) return PyUnicode_FromString("none");
    static const char *names[] = {"none", "live", "leaked", "other"};
    return PyUnicode_FromString(names[numc_tracer_kind_of(NumcArray_ARR(x))]);
}

static PyMethodDef control_methods[] = {
    {"cond", (PyCFunction)(void (*)(void))py_cond, METH_FASTCALL,
     "cond(pred, true_fun, false_fun, *operands): true_fun(*operands) if pred else "
     "false_fun(*operands). A concrete pred runs one branch as plain Python; a traced one "
     "traces both (their outputs must match in structure, shape and dtype)."},
    {"switch", (PyCFunction)(void (*)(void))py_switch, METH_FASTCALL,
     "switch(index, branches, *operands): branches[clamp(index)](*operands)."},
    {"while_loop", (PyCFunction)(void (*)(void))py_while_loop, METH_VARARGS | METH_KEYWORDS,
     "while_loop(cond_fun, body_fun, init_val): val = init_val; while cond_fun(val): val = "
     "body_fun(val). Not reverse-differentiable under a trace with a dynamic trip count."},
    {"fori_loop", (PyCFunction)(void (*)(void))py_fori_loop, METH_VARARGS | METH_KEYWORDS,
     "fori_loop(lower, upper, body_fun, init_val): for i in range(lower, upper): val = "
     "body_fun(i, val). Concrete bounds lower to scan (differentiable)."},
    {"scan", (PyCFunction)(void (*)(void))py_scan, METH_VARARGS | METH_KEYWORDS,
     "scan(f, init, xs=None, length=None, reverse=False): carry, y = f(carry, x) over the "
     "leading axis of xs; returns (carry, stacked ys)."},
    {"_tracer_kind", py_tracer_kind, METH_O,
     "_tracer_kind(x): 'none' (concrete), 'live' (a tracer of an active trace), 'leaked' or "
     "'other' (debugging)."},
    {NULL, NULL, 0, NULL},
};

/* ===================================================================== */
/* tracer guards on ndarray conversions                                   */
/* ===================================================================== */
/* Python control flow on a traced value must fail with a message that names
 * the structured control-flow functions, and a leaked tracer must say it
 * leaked. The ndarray type (ndarray.c) reads values through numc_array_to_host,
 * whose message is generic, and len()/iter() only look at the shape; until it
 * calls numc_tracer_check itself, these wrappers put the check in front of its
 * conversion slots (a concrete array goes straight to the original slot). */
static inquiry orig_bool;
static unaryfunc orig_int, orig_float, orig_index, orig_repr, orig_str;
static lenfunc orig_sq_len, orig_mp_len;
static getiterfunc orig_iter;

static int guard(PyObject *self, const char *what) {
    numc_array *a = NumcArray_ARR(self);
    if (NUMC_TRACER_NONE == numc_tracer_kind_of(a)) return 0;
    numc_tracer_check(a, what);
    pynumc_raise();
    return -1;
}

static int g_bool(PyObject *self) { return guard(self, "bool") < 0 ? -1 : orig_bool(self); }
static PyObject *g_int(PyObject *self) { return guard(self, "int") < 0 ? NULL : orig_int(self); }
static PyObject *g_float(PyObject *self) {
    return guard(self, "float") < 0 ? NULL : orig_float(self);
}
static PyObject *g_index(PyObject *self) {
    return guard(self, "operator.index") < 0 ? NULL : orig_index(self);
}
static Py_ssize_t g_sq_len(PyObject *self) { return guard(self, "len") < 0 ? -1 : orig_sq_len(self); }
static Py_ssize_t g_mp_len(PyObject *self) { return guard(self, "len") < 0 ? -1 : orig_mp_len(self); }
static PyObject *g_iter(PyObject *self) { return guard(self, "iter") < 0 ? NULL : orig_iter(self); }

/* repr of a live tracer describes it (printing inside a traced function is
 * a common debugging step); a leaked one raises. */
static PyObject *traced_repr(PyObject *self, unaryfunc orig) {
    numc_array *a = NumcArray_ARR(self);
    numc_tracer_kind k = numc_tracer_kind_of(a);
    if (k == NUMC_TRACER_NONE || k == NUMC_TRACER_OTHER) return orig(self);
    if (k == NUMC_TRACER_LEAKED) return guard(self, "repr"), NULL;
    char buf[512];
    int w = snprintf(buf, sizeof buf, "Traced<%s[", numc_dtype_name(numc_array_dtype(a)));
    for (int d = 0; d < numc_array_ndim(a) && w < 400; d++)
        w += snprintf(buf + w, sizeof buf - (size_t)w, d ? ",%lld" : "%lld",
                      (long long)numc_array_shape(a)[d]);
    snprintf(buf + w, sizeof buf - (size_t)w, "]%s>", numc_array_is_weak(a) ? " weak" : "");
    return PyUnicode_FromString(buf);
}
static PyObject *g_repr(PyObject *self) { return traced_repr(self, orig_repr); }
static PyObject *g_str(PyObject *self) { return traced_repr(self, orig_str); }

/* __array__ / __complex__ / tolist / item are methods: wrap their descriptors */
static PyObject *orig_meth[4];
static const char *const meth_names[4] = {"__array__", "__complex__", "tolist", "item"};
static PyObject *call_guarded(int k, PyObject *self, PyObject *const *args, Py_ssize_t n,
                              PyObject *kw) {
    if (guard(self, meth_names[k]) < 0) return NULL;
    PyObject *stack[16];
    Py_ssize_t nkw = kw ? PyTuple_GET_SIZE(kw) : 0;
    if (n + nkw + 1 > 16) {
        PyErr_SetString(PyExc_TypeError, "too many arguments");
        return NULL;
    }
    stack[0] = self;
    for (Py_ssize_t i = 0; i < n + nkw; i++) stack[1 + i] = args[i];
    return PyObject_Vectorcall(orig_meth[k], stack, (size_t)(n + 1), kw);
}
#define GUARDED(k)                                                                             \
    static PyObject *g_meth##k(PyObject *self, PyObject *const *args, Py_ssize_t n,            \
                               PyObject *kw) {                                                 \
        return call_guarded(k, self, args, n, kw);                                             \
    }
GUARDED(0)
GUARDED(1)
GUARDED(2)
GUARDED(3)
#undef GUARDED
static PyMethodDef guarded_defs[4] = {
    {"__array__", (PyCFunction)(void (*)(void))g_meth0, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"__complex__", (PyCFunction)(void (*)(void))g_meth1, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"tolist", (PyCFunction)(void (*)(void))g_meth2, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"item", (PyCFunction)(void (*)(void))g_meth3, METH_FASTCALL | METH_KEYWORDS, NULL},
};

static void guard_methods(PyTypeObject *tp) {
    for (int k = 0; k < 4; k++) {
        PyObject *d = PyDict_GetItemString(tp->tp_dict, meth_names[k]);
        if (!d || orig_meth[k]) continue;
        guarded_defs[k].ml_doc = ((PyMethodDescrObject *)d)->d_method->ml_doc;
        PyObject *nd = PyDescr_NewMethod(tp, &guarded_defs[k]);
        if (!nd) {
            PyErr_Clear();
            continue;
        }
        orig_meth[k] = Py_NewRef(d);
        if (PyDict_SetItemString(tp->tp_dict, meth_names[k], nd) < 0) PyErr_Clear();
        Py_DECREF(nd);
    }
    PyType_Modified(tp);
}

static void install_tracer_guards(void) {
    PyTypeObject *tp = &NumcArray_Type;
    guard_methods(tp);
    if (tp->tp_as_number) {
#define WRAP(slot, orig, fn)                                                                   \
    if (tp->tp_as_number->slot && tp->tp_as_number->slot != fn) {                              \
        orig = tp->tp_as_number->slot;                                                         \
        tp->tp_as_number->slot = fn;                                                           \
    }
        WRAP(nb_bool, orig_bool, g_bool)
        WRAP(nb_int, orig_int, g_int)
        WRAP(nb_float, orig_float, g_float)
        WRAP(nb_index, orig_index, g_index)
#undef WRAP
    }
    if (tp->tp_as_sequence && tp->tp_as_sequence->sq_length && tp->tp_as_sequence->sq_length != g_sq_len) {
        orig_sq_len = tp->tp_as_sequence->sq_length;
        tp->tp_as_sequence->sq_length = g_sq_len;
    }
    if (tp->tp_as_mapping && tp->tp_as_mapping->mp_length && tp->tp_as_mapping->mp_length != g_mp_len) {
        orig_mp_len = tp->tp_as_mapping->mp_length;
        tp->tp_as_mapping->mp_length = g_mp_len;
    }
    if (tp->tp_iter && tp->tp_iter != g_iter) {
        orig_iter = tp->tp_iter;
        tp->tp_iter = g_iter;
    }
    if (tp->tp_repr && tp->tp_repr != g_repr) {
        orig_repr = tp->tp_repr;
        tp->tp_repr = g_repr;
    }
    if (tp->tp_str && tp->tp_str != g_str) {
        orig_str = tp->tp_str;
        tp->tp_str = g_str;
    }
}

int pynumc_init_function(PyObject *m) {
    install_tracer_guards();
    if (PyType_Ready(&Function_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "function", (PyObject *)&Function_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "jit", (PyObject *)&Function_Type) < 0) return -1;
    return PyModule_AddFunctions(m, control_methods);
}
