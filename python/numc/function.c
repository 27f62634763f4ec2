/* function.c — graph mode for Python: numc.function (alias numc.jit).
 *
 * The traced-function cache is the C one (numc_function_*, src/interp): it
 * keys by each array leaf's dtype, shape and weak flag (Python scalars are
 * weak inputs, as in JAX), traces, optimises, caches and runs. This file adds
 * only what is Python: the pytree of the arguments and static values (interned
 * as a number, the C key's extra bytes), the Python body as the traced
 * function, Variables as state inputs, the output structure, input_signature,
 * NUMC_LOG_RETRACE and errors from the body. Called with tracers of another
 * trace or under a transform, the cached graph runs as ONE `call` primitive.
 *
 * The control-flow functions (numc.cond, switch, while_loop, fori_loop,
 * scan) are in control.c; the array/pytree helpers both use are declared in
 * function.h. */
#include "autodiff.h"
#include "function.h"
#include "pyops.h"
#include "pytree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (is_py_scalar(o))
        a = pynumc_from_object(o, NUMC_DTYPE_NONE);
    else if (pynumc_is_numpy_object(o))
        a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    else
        return NULL;
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
PyObject *pynumc_wrap_traced(numc_array *a) {
    bool weak = numc_array_is_weak(a);
    PyObject *o = pynumc_wrap(numc_array_retain(a));
    if (o && weak) numc_trace_mark_weak(NumcArray_ARR(o), true);
    return o;
}

void pynumc_release_arrays(numc_array **a, Py_ssize_t n) {
    if (!a) return;
    for (Py_ssize_t k = 0; k < n; k++)
        numc_array_release(a[k]);
}

/* Converts a list of leaves (flattened results) to new array references. */
numc_array **pynumc_leaves_to_arrays(PyObject *leaves, const char *who) {
    Py_ssize_t n = PyList_GET_SIZE(leaves);
    numc_array **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) return (numc_array **)PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = out_array(PyList_GET_ITEM(leaves, k), who);
        if (!out[k]) {
            pynumc_release_arrays(out, k);
            free(out);
            return NULL;
        }
    }
    return out;
}

/* Wraps n arrays (stealing them) and rebuilds treedef's structure. */
PyObject *pynumc_unflatten_arrays(PyObject *treedef, numc_array **a, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    if (!list) {
        pynumc_release_arrays(a, n);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *o = pynumc_wrap(a[k]);
        a[k] = NULL;
        if (!o) {
            pynumc_release_arrays(a + k + 1, n - k - 1);
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

/* ===================================================================== */
/* numc.function                                                          */
/* ===================================================================== */

/* What numc.function keeps per cached signature, beside the C entry (which
 * holds the graph and the Variables' avals): the Python side of a trace. */
typedef struct {
    PyObject *out_treedef;
    Py_ssize_t nout; /* outputs of f (the graph has more: Variable updates) */
    int64_t work;
    PyObject *vars_in;  /* Variables whose current values are the state inputs */
    PyObject *vars_out; /* Variables assigned inside: the last outputs */
} entry_t;

static void entry_free(void *p) {
    entry_t *e = p;
    Py_XDECREF(e->out_treedef);
    Py_XDECREF(e->vars_in);
    Py_XDECREF(e->vars_out);
    free(e);
}

/* Variables (autodiff.c) are mutable state: a traced function reads their
 * values at every call (not the value at trace time) and an assign inside it
 * updates them. Tracing makes the value of every live Variable a candidate
 * state input (numc_function_state_input); the C cache keeps those the graph
 * reads, and those assigned become outputs.
 * Returns the live Variables holding concrete values, each value once. */
static PyObject *live_variables(void) {
    PyObject *all = pynumc_live_variables();
    PyObject *seen = all ? PySet_New(NULL) : NULL;
    PyObject *r = seen ? PyList_New(0) : NULL;
    for (Py_ssize_t k = 0; r && k < PyList_GET_SIZE(all); k++) {
        PyObject *v = PyList_GET_ITEM(all, k);
        numc_array *a = NumcArray_ARR(v);
        if (numc_tracer_kind_of(a) != NUMC_TRACER_NONE) continue;
        PyObject *key = PyLong_FromVoidPtr(a);
        int dup = key ? PySet_Contains(seen, key) : -1;
        if (dup == 0 && (PySet_Add(seen, key) < 0 || PyList_Append(r, v) < 0)) dup = -1;
        Py_XDECREF(key);
        if (dup < 0) Py_CLEAR(r);
    }
    Py_XDECREF(seen);
    Py_XDECREF(all);
    return r;
}

typedef struct {
    PyObject_HEAD vectorcallfunc vectorcall;
    PyObject *fn;
    PyObject *static_argnums;  /* tuple of ints */
    PyObject *static_argnames; /* frozenset of str */
    PyObject *input_signature; /* None or a sequence of specs */
    numc_function *cf;         /* the trace cache (src/interp/function.c) */
    PyObject *keys;            /* dict: (treedef, statics) -> its number, the C key */
    struct pending *pending;   /* the call being traced (trace_body reads it) */
    PyObject *last_desc;       /* signature text of the last trace (retrace logs) */
    PyObject *last_treedef, *last_statics;
    PyObject *dict;
    PyObject *weakreflist;
} FunctionObject;
static PyTypeObject Function_Type;

/* The parts of one call. */
typedef struct {
    Py_ssize_t n;      /* leaves */
    PyObject *leaves;  /* list of leaf objects (tree path) or NULL (fast path) */
    numc_array **arr;  /* per leaf: the array, or NULL for a static leaf */
    Py_ssize_t ndyn;   /* array leaves */
    numc_array **dyn;  /* the array leaves, in order (borrowed from arr) */
    PyObject *treedef; /* tree path */
    PyObject *statics; /* tree path: tuple of static argument values */
    PyObject *key;
    bool nested; /* a leaf is a live tracer: call f directly */
    numc_array *inl_arr[8];
    numc_array *inl_dyn[8];
} call_t;

static void call_clear(call_t *c) {
    if (c->arr) {
        pynumc_release_arrays(c->arr, c->n);
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
    if (kind == NUMC_TRACER_LIVE)
        c->nested = true;
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
    for (Py_ssize_t i = 0; fast && i < nargs; i++)
        fast = NumcArray_Check(args[i]);
    if (fast) {
        if (alloc_leaves(c, nargs) < 0) return -1;
        for (Py_ssize_t i = 0; i < nargs; i++)
            if (take_leaf(c, i, args[i]) < 0) return -1;
        return 0;
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
        c->key = PyTuple_Pack(2, c->treedef, c->statics);
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
    if (env && *env && strcmp(env, "0") != 0 && numc_function_trace_count(f->cf) > 0) {
        const char *why = "an argument's shape, dtype or weak type changed";
        if (!c->treedef || !f->last_treedef) {
            if (!!c->treedef != !!f->last_treedef) why = "the argument structure changed";
        } else {
            int same = PyObject_RichCompareBool(c->treedef, f->last_treedef, Py_EQ);
            if (same == 0)
                why = "the argument structure (pytree) changed";
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
        fprintf(stderr, "numc.function %s: retracing (trace #%lld) because %s: %s -> %s\n",
                name ? PyUnicode_AsUTF8(name) : "?",
                (long long)numc_function_trace_count(f->cf) + 1, why,
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
            if (!sq)
                rc = -1;
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

/* The call being traced, for trace_body; what the trace found, for the
 * entry's data. */
typedef struct pending {
    call_t *c;
    PyObject *const *args;
    Py_ssize_t nargs;
    PyObject *kwnames;
    PyObject *vars;   /* live Variables offered as state, by state number */
    PyObject *vout;   /* Variables assigned inside, and their new values */
    PyObject *outdef; /* f's result structure */
    Py_ssize_t nout;
} pending_t;

static void pending_clear(pending_t *p) {
    Py_CLEAR(p->vars);
    Py_CLEAR(p->vout);
    Py_CLEAR(p->outdef);
}

/* The numc_traced_fn of the C cache: runs the Python body on the tracers in
 * (one per array leaf) with the Variables' values as state inputs. A Python
 * error stays set; the status only says that there was one. */
static numc_status trace_body(void *payload, int nin, numc_array *const *in, int *nout_p,
                              numc_array ***out_p) {
    FunctionObject *f = payload;
    pending_t *p = f->pending;
    call_t *c = p->c;
    if (check_signature(f, c) < 0) return NUMC_ERR_TYPE;
    log_retrace(f, c);
    PyObject *vars = live_variables();
    if (!vars) return NUMC_ERR_RUNTIME;
    Py_ssize_t nvars = PyList_GET_SIZE(vars), nupd = 0;
    numc_array **vold = calloc((size_t)nvars + 1, sizeof *vold);
    PyObject *tobjs = NULL, *pos = NULL, *kw = NULL, *res = NULL, *outl = NULL, *outdef = NULL,
             *vout = NULL;
    numc_array **outs = NULL;
    numc_status st = NUMC_ERR_RUNTIME;
    if (!vold) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nvars; k++)
        vold[k] = numc_array_retain(NumcArray_ARR(PyList_GET_ITEM(vars, k)));
    tobjs = PyList_New(c->n);
    if (!tobjs) goto done;
    for (Py_ssize_t k = 0, j = 0; k < c->n; k++) {
        PyObject *o = c->arr[k] && j < nin ? pynumc_wrap_traced(in[j++])
                                           : Py_NewRef(PyList_GET_ITEM(c->leaves, k));
        if (!o) goto done;
        PyList_SET_ITEM(tobjs, k, o);
    }
    /* the Variables' values: state inputs after the arguments */
    for (Py_ssize_t k = 0; k < nvars; k++)
        if (numc_function_state_input(f->cf, vold[k]) < 0) {
            pynumc_raise();
            goto done;
        }
    if (rebuild_call(f, c, p->args, p->nargs, p->kwnames, tobjs, &pos, &kw) < 0) goto done;
    res = PyObject_Call(f->fn, pos, kw);
    /* Variables assigned inside: their new values become extra outputs and
     * they get their old values back (a tracer must not stay in them) */
    vout = PyList_New(0);
    if (!vout) goto done;
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
    if (!res) goto done;
    outl = PyList_New(0);
    if (!outl) goto done;
    outdef = pynumc_tree_flatten(res, outl);
    if (!outdef) goto done;
    Py_ssize_t nout = PyList_GET_SIZE(outl);
    for (Py_ssize_t k = 0; k < nupd; k++)
        if (PyList_Append(outl, PyList_GET_ITEM(vout, 2 * k + 1)) < 0) goto done;
    outs = pynumc_leaves_to_arrays(outl, "numc.function");
    if (!outs) goto done;
    *out_p = outs;
    *nout_p = (int)(nout + nupd);
    Py_XSETREF(p->vars, Py_NewRef(vars));
    Py_XSETREF(p->vout, Py_NewRef(vout));
    Py_XSETREF(p->outdef, Py_NewRef(outdef));
    p->nout = nout;
    st = NUMC_OK;
done:
    if (vold) {
        pynumc_release_arrays(vold, nvars);
        free(vold);
    }
    Py_XDECREF(vars);
    Py_XDECREF(vout);
    Py_XDECREF(tobjs);
    Py_XDECREF(pos);
    Py_XDECREF(kw);
    Py_XDECREF(res);
    Py_XDECREF(outl);
    Py_XDECREF(outdef);
    return st;
}

/* The entry's data from the trace that made it. */
static int entry_data_from(numc_function_entry *ent, pending_t *p) {
    if (!p->outdef) {
        PyErr_SetString(PyExc_RuntimeError, "numc.function: a cached graph lost its trace data");
        return -1;
    }
    entry_t *e = calloc(1, sizeof *e);
    if (!e) return PyErr_NoMemory(), -1;
    int nstate = numc_function_entry_num_state(ent);
    Py_ssize_t nupd = PyList_GET_SIZE(p->vout) / 2;
    e->out_treedef = Py_NewRef(p->outdef);
    e->nout = p->nout;
    e->vars_in = PyTuple_New(nstate);
    e->vars_out = PyTuple_New(nupd);
    if (!e->vars_in || !e->vars_out) {
        entry_free(e);
        return -1;
    }
    for (int k = 0; k < nstate; k++)
        PyTuple_SET_ITEM(
            e->vars_in, k,
            Py_NewRef(PyList_GET_ITEM(p->vars, numc_function_entry_state_index(ent, k))));
    for (Py_ssize_t k = 0; k < nupd; k++)
        PyTuple_SET_ITEM(e->vars_out, k, Py_NewRef(PyList_GET_ITEM(p->vout, 2 * k)));
    /* the work of one run: releasing the GIL pays off above a threshold */
    numc_graph *g = numc_function_entry_graph(ent);
    numc_graph_stats st;
    numc_graph_get_stats(g, &st);
    for (int k = 0; k < numc_graph_num_outputs(g); k++) {
        int nd;
        const int64_t *shape;
        numc_graph_output_info(g, k, NULL, &nd, &shape);
        int64_t s = 1;
        for (int d = 0; d < nd; d++)
            s *= shape[d];
        e->work += s;
    }
    e->work *= st.nodes > 0 ? st.nodes : 1;
    numc_function_entry_set_data(ent, e, entry_free);
    return 0;
}

/* The current values of the entry's Variables, in buf (room for 16) or a
 * malloc'ed array. */
static const numc_array **state_values(const entry_t *e, const numc_array **buf) {
    Py_ssize_t n = PyTuple_GET_SIZE(e->vars_in);
    const numc_array **s = n <= 16 ? buf : malloc(sizeof *s * (size_t)n);
    if (!s) return (const numc_array **)PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n; k++)
        s[k] = NumcArray_ARR(PyTuple_GET_ITEM(e->vars_in, k));
    return s;
}

/* Looks the call up in the C cache (tracing on a miss). Returns a new
 * reference, or NULL with an exception. */
static numc_function_entry *get_entry(FunctionObject *f, call_t *c, PyObject *const *args,
                                      Py_ssize_t nargs, PyObject *kwnames) {
    /* the argument structure and static values, as a number: the key bytes */
    int64_t id = 0;
    if (c->key) {
        PyObject *n = PyDict_GetItemWithError(f->keys, c->key);
        if (!n && PyErr_Occurred()) return NULL;
        if (!n) {
            PyObject *nn = PyLong_FromSsize_t(PyDict_GET_SIZE(f->keys));
            int bad = !nn || PyDict_SetItem(f->keys, c->key, nn) < 0;
            Py_XDECREF(nn);
            if (bad) return NULL;
            id = PyDict_GET_SIZE(f->keys) - 1;
        } else {
            id = PyLong_AsLongLong(n);
        }
    }
    for (int attempt = 0;; attempt++) {
        pending_t p = {.c = c, .args = args, .nargs = nargs, .kwnames = kwnames};
        pending_t *outer = f->pending;
        f->pending = &p;
        numc_function_entry *ent;
        bool traced;
        numc_status st = numc_function_lookup(f->cf, &id, c->key ? sizeof id : 0, (int)c->ndyn,
                                              (const numc_array *const *)c->dyn, &ent, &traced);
        f->pending = outer;
        if (st) {
            pending_clear(&p);
            if (PyErr_Occurred())
                numc_error_clear();
            else
                pynumc_raise();
            return NULL;
        }
        int rc = numc_function_entry_data(ent) ? 0 : entry_data_from(ent, &p);
        pending_clear(&p);
        if (rc < 0) {
            numc_function_entry_release(ent);
            return NULL;
        }
        if (traced || attempt) return ent;
        /* a Variable with validate_shape=False may have changed: retrace */
        const numc_array *buf[16], **s = state_values(numc_function_entry_data(ent), buf);
        bool ok = s && numc_function_entry_state_matches(ent, s);
        if (s != buf) free(s);
        if (ok) return ent;
        numc_function_forget(f->cf, ent);
        numc_function_entry_release(ent);
        if (PyErr_Occurred()) return NULL;
    }
}

static PyObject *run_entry(numc_function_entry *ent, call_t *c) {
    entry_t *e = numc_function_entry_data(ent);
    Py_ssize_t nvout = PyTuple_GET_SIZE(e->vars_out), ntot = e->nout + nvout;
    const numc_array *sbuf[16], **state = state_values(e, sbuf);
    numc_array *outl[16];
    numc_array **out = ntot <= 16 ? outl : calloc((size_t)ntot, sizeof *out);
    if (!state || !out) {
        if (state && state != sbuf) free(state);
        if (out && out != outl) free(out);
        return state ? PyErr_NoMemory() : NULL;
    }
    numc_status st;
    bool big = e->work >= PYNUMC_NOGIL_ELEMENTS && c->ndyn > 0 && pynumc_is_eager(c->dyn[0]);
    PYNUMC_CALL(
        big, st,
        numc_function_entry_run(ent, (int)c->ndyn, (const numc_array *const *)c->dyn, state, out));
    PyObject *r = NULL;
    if (st == NUMC_OK) {
        /* the Variables assigned inside get their new values as assign gives
         * them (cut from the tapes, watched by those tracking the Variable) */
        int bad = 0;
        for (Py_ssize_t k = 0; k < nvout; k++) {
            numc_array *nv = out[e->nout + k];
            if (bad)
                numc_array_release(nv);
            else
                bad = pynumc_variable_assign(PyTuple_GET_ITEM(e->vars_out, k), nv) < 0;
        }
        if (bad)
            pynumc_release_arrays(out, e->nout);
        else
            r = pynumc_unflatten_arrays(e->out_treedef, out, e->nout);
    } else {
        pynumc_raise();
    }
    if (state != sbuf) free(state);
    if (out != outl) free(out);
    return r;
}

static PyObject *function_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                                     PyObject *kwnames) {
    FunctionObject *f = (FunctionObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    /* Inside another trace (or with its tracers as arguments) f is traced on
     * its own, cached like any call, and the C cache runs it as ONE `call`
     * primitive: one node of the outer graph. */
    call_t c;
    if (prepare(f, args, nargs, kwnames, &c) < 0) {
        call_clear(&c);
        return NULL;
    }
    numc_function_entry *ent = get_entry(f, &c, args, nargs, kwnames);
    PyObject *r = NULL;
    if (ent) {
        entry_t *e = numc_function_entry_data(ent);
        /* An assign is not differentiable: the tapes tracking the Variable
         * watch its new value, and what f computes from it afterwards is
         * differentiated with respect to that value. One `call` record cannot
         * say that (inside the graph the new value is cut from the inputs and
         * is no input itself), so under such a tape f runs as it is. */
        int eager = PyTuple_GET_SIZE(e->vars_out) ? pynumc_variables_tracked(e->vars_out) : 0;
        if (eager > 0)
            r = PyObject_Vectorcall(f->fn, args, nargsf, kwnames);
        else if (eager == 0)
            r = run_entry(ent, &c);
        numc_function_entry_release(ent);
    }
    call_clear(&c);
    return r;
}

/* f.graph_stats(*args, **kw) / f.graph_dump(*args, **kw): the optimised
 * graph for these arguments (traced if needed; it is cached like a call). */
static numc_graph *graph_for(FunctionObject *f, PyObject *args, PyObject *kw,
                             numc_function_entry **keep) {
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
    for (Py_ssize_t i = 0; i < nargs; i++)
        vec[i] = PyTuple_GET_ITEM(args, i);
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
            numc_function_entry *ent = get_entry(f, &c, vec, nargs, kwnames);
            if (ent) {
                g = numc_function_entry_graph(ent);
                *keep = ent;
            }
        }
    }
    call_clear(&c);
    free(vec);
    Py_XDECREF(kwnames);
    return g;
}

static PyObject *meth_graph_stats(PyObject *self, PyObject *args, PyObject *kw) {
    numc_function_entry *keep;
    numc_graph *g = graph_for((FunctionObject *)self, args, kw, &keep);
    if (!g) return NULL;
    numc_graph_stats s;
    numc_graph_get_stats(g, &s);
    numc_function_entry_release(keep);
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "traced_nodes", s.traced_nodes,
                         "cse_merged", s.cse_merged, "folded", s.folded, "dce_removed",
                         s.dce_removed, "nodes", s.nodes, "constants", s.constants, "inputs",
                         s.inputs, "outputs", s.outputs);
}

static PyObject *meth_graph_dump(PyObject *self, PyObject *args, PyObject *kw) {
    numc_function_entry *keep;
    numc_graph *g = graph_for((FunctionObject *)self, args, kw, &keep);
    if (!g) return NULL;
    char *s = numc_graph_dump(g);
    numc_function_entry_release(keep);
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

/* f.lower(*args, **kw): the compiled form of f for these arguments, as JAX's
 * jit(f).lower(...): .as_text() shows the optimised graph with its fusion
 * groups and memory plan, .fusion_stats() the compiler's counts (live: the
 * arena allocations grow with calls that could not reuse it). */
typedef struct {
    PyObject_HEAD numc_function_entry *ent;
} LoweredObject;

static void lowered_dealloc(PyObject *self) {
    numc_function_entry_release(((LoweredObject *)self)->ent);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *lowered_as_text(PyObject *self, PyObject *unused) {
    char *s = numc_graph_lower_text(numc_function_entry_graph(((LoweredObject *)self)->ent));
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

static PyObject *lowered_stats(PyObject *self, PyObject *unused) {
    numc_fusion_stats s;
    numc_graph_fusion_stats(numc_function_entry_graph(((LoweredObject *)self)->ent), &s);
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:L,s:L}", "groups", s.groups, "fused_ops",
                         s.fused_ops, "arena_values", s.arena_values, "arena_inplace",
                         s.arena_inplace, "arena_bytes", (long long)s.arena_bytes, "arena_allocs",
                         (long long)s.arena_allocs);
}

static PyMethodDef lowered_methods[] = {
    {"as_text", lowered_as_text, METH_NOARGS,
     "as_text(): the optimised graph with its fusion groups and memory plan."},
    {"fusion_stats", lowered_stats, METH_NOARGS,
     "fusion_stats(): groups, fused_ops, arena_values, arena_inplace, arena_bytes, "
     "arena_allocs."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Lowered_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.Lowered",
    .tp_basicsize = sizeof(LoweredObject),
    .tp_dealloc = lowered_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled form of a numc.function for one argument signature (f.lower).",
    .tp_methods = lowered_methods,
};

static PyObject *meth_lower(PyObject *self, PyObject *args, PyObject *kw) {
    numc_function_entry *keep;
    numc_graph *g = graph_for((FunctionObject *)self, args, kw, &keep);
    if (!g) return NULL;
    LoweredObject *o = PyObject_New(LoweredObject, &Lowered_Type);
    if (!o) {
        numc_function_entry_release(keep);
        return NULL;
    }
    o->ent = keep;
    return (PyObject *)o;
}

static PyObject *meth_tracing_count(PyObject *self, PyObject *unused) {
    return PyLong_FromLongLong(numc_function_trace_count(((FunctionObject *)self)->cf));
}

static PyObject *meth_clear_cache(PyObject *self, PyObject *unused) {
    FunctionObject *f = (FunctionObject *)self;
    numc_function_clear(f->cf);
    PyDict_Clear(f->keys);
    Py_RETURN_NONE;
}

static PyObject *get_trace_count(PyObject *self, void *c) {
    return PyLong_FromLongLong(numc_function_trace_count(((FunctionObject *)self)->cf));
}
static PyObject *get_fn(PyObject *self, void *c) {
    return Py_NewRef(((FunctionObject *)self)->fn);
}
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
            PyErr_Format(PyExc_TypeError, "numc.function: %s must be %s",
                         names ? "static_argnames" : "static_argnums",
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
    static char *kwlist[] = {"func",
                             "input_signature",
                             "static_argnums",
                             "static_argnames",
                             "autograph",
                             "jit_compile",
                             "reduce_retracing",
                             "experimental_implements",
                             "experimental_autograph_options",
                             "experimental_attributes",
                             "experimental_relax_shapes",
                             "experimental_compile",
                             "experimental_follow_type_hints",
                             "donate_argnums",
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
    f->cf = numc_function_new(trace_body, f, NULL);
    f->keys = PyDict_New();
    PyObject *jit = ign[1];
    if (f->cf && jit && jit != Py_None) {
        int on = PyObject_IsTrue(jit);
        if (on < 0) {
            Py_DECREF(f);
            return NULL;
        }
        numc_function_set_jit(f->cf, on ? NUMC_JIT_ALL : NUMC_JIT_OFF);
    }
    f->dict = PyDict_New();
    if (!f->cf) {
        Py_DECREF(f);
        return pynumc_raise();
    }
    if (!f->keys || !f->dict || parse_static(sa, &f->static_argnums, 0) < 0 ||
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
    Py_VISIT(f->keys);
    Py_VISIT(f->dict);
    Py_VISIT(f->input_signature);
    return 0;
}

static int function_clear(PyObject *self) {
    FunctionObject *f = (FunctionObject *)self;
    Py_CLEAR(f->fn);
    numc_function_free(f->cf); /* the entries' data hold Python references */
    f->cf = NULL;
    Py_CLEAR(f->keys);
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
    {"lower", (PyCFunction)(void (*)(void))meth_lower, METH_VARARGS | METH_KEYWORDS,
     "lower(*args, **kwargs): the compiled form for these arguments (numc.Lowered: "
     "as_text(), fusion_stats())."},
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
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.function",
    .tp_basicsize = sizeof(FunctionObject),
    .tp_dealloc = function_dealloc,
    .tp_vectorcall_offset = offsetof(FunctionObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = function_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "function(func=None, input_signature=None, static_argnums=(), static_argnames=(), "
              "jit_compile=None)\n"
              "--\n\n"
              "Graph mode: traces func once per argument signature (pytree structure, array "
              "shapes, dtypes and weak types, static argument values), optimises the graph and "
              "runs it on later calls. Also available as numc.jit. Python control flow on traced "
              "values raises TypeError: use numc.cond, numc.while_loop, numc.fori_loop or "
              "numc.scan. jit_compile=False runs the graph node by node; True or None (the "
              "default, set by NUMC_JIT=0|1|2) fuse elementwise work into tiled programs. "
              "f.lower(*args).as_text() shows the fusion groups.",
    .tp_traverse = function_traverse,
    .tp_clear = function_clear,
    .tp_weaklistoffset = offsetof(FunctionObject, weakreflist),
    .tp_dictoffset = offsetof(FunctionObject, dict),
    .tp_methods = function_methods,
    .tp_getset = function_getset,
    .tp_descr_get = function_descr_get,
    .tp_new = function_new,
};

static PyObject *py_tracer_kind(PyObject *m, PyObject *x) {
    if (!NumcArray_Check(x)) return PyUnicode_FromString("none");
    static const char *names[] = {"none", "live", "leaked", "other"};
    return PyUnicode_FromString(names[numc_tracer_kind_of(NumcArray_ARR(x))]);
}

static PyMethodDef function_module_methods[] = {
    {"_tracer_kind", py_tracer_kind, METH_O,
     "_tracer_kind(x): 'none' (concrete), 'live' (a tracer of an active trace), 'leaked' or "
     "'other' (debugging)."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_function(PyObject *m) {
    if (PyType_Ready(&Function_Type) < 0 || PyType_Ready(&Lowered_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "function", (PyObject *)&Function_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "jit", (PyObject *)&Function_Type) < 0) return -1;
    if (PyModule_AddFunctions(m, function_module_methods) < 0) return -1;
    return 0;
}
