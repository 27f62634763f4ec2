/* autodiff.c — the Python autodiff API on the tape interpreter (src/interp/tape.c):
 *
 *   GradientTape   TF's tape: watch, gradient, jacobian, watched_variables,
 *                  stop_recording, reset; persistent or one-shot.
 *   grad, value_and_grad, vjp, jacobian (jacrev, jacfwd), hessian
 *                  JAX's function transforms (reverse mode), over pytrees.
 *   stop_gradient  binds the STOP_GRADIENT primitive.
 *   custom_vjp     JAX's decorator (defvjp(fwd, bwd)), as a custom tape record.
 *   Variable       TF's mutable, automatically watched ndarray subclass.
 *
 * Identity. A tape watches values by identity (the numc_array a handle holds
 * when it is watched). Values are immutable and the Python ndarray is a handle
 * that mutation syntax rebinds, so after `tape.watch(x); x += 1` the handle
 * holds a new value (recorded, hence connected to the watched one), and
 * gradient(y, x) differentiates with respect to the value x holds *then*.
 * The function transforms give every differentiated leaf a fresh handle (a
 * differentiable identity), so an array passed twice, or also captured by the
 * function, is two independent inputs, as in JAX.
 *
 * Variables. A Variable is an ndarray (a subclass), so every operator and
 * function takes it and reads its current value. A tape with
 * watch_accessed_variables=True watches, when it is entered, the current value
 * of every live trainable Variable, and of every trainable Variable created
 * while it is active. assign / assign_add / assign_sub are not differentiable
 * (as in TF): the new value is a fresh leaf that every active tape tracking
 * the Variable watches. gradient(target, var) is the sum of the gradients with
 * respect to every value the Variable held while the tape tracked it, which is
 * TF's "sum over all reads". In-place operators and item assignment on a
 * Variable rebind it like any ndarray (a differentiable update, connected to
 * the old value). Under numc.function (function.c) Variables are state: from
 * the registry (_live_variables) the values a traced function reads become
 * inputs of every call, and its assigns are written back with assign's
 * semantics (pynumc_variable_assign). A call that assigns a Variable some
 * active tape tracks runs its Python function as it is (eagerly), so that
 * what it computes from the new value is differentiated with respect to it
 * (pynumc_variables_tracked).
 *
 * custom_vjp. Calling the decorated function while some tape watches one of
 * its array inputs runs fwd with the innermost such tape paused (outer tapes
 * record fwd's operations, so residuals stay differentiable for higher
 * order), then appends one custom record to that tape whose backward calls
 * bwd(residuals, cotangent). With no tape watching, the function itself runs.
 */
#include "pynumc.h"
#include "function.h"
#include "pytree.h"

#include "core/core-impl.h"
#include "interp/tape.h"
#include "interp/interp.h"

/* ------------------------------------------------------------------ helpers */

static PyObject *wrap_or_none(numc_array *a) {
    if (!a) Py_RETURN_NONE;
    return pynumc_wrap(a);
}

/* leaves of tree (a new list); *def receives the treedef. */
static PyObject *flatten(PyObject *tree, PyObject **def) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    *def = pynumc_tree_flatten(tree, leaves);
    if (!*def) {
        Py_DECREF(leaves);
        return NULL;
    }
    return leaves;
}

static PyObject *unflatten(PyObject *def, PyObject *leaves) {
    Py_ssize_t pos = 0;
    return pynumc_tree_unflatten(def, leaves, &pos);
}

/* Any leaf as a new numc reference (arrays by identity). */
static numc_array *as_array(PyObject *o) {
    if (NumcArray_Check(o)) return numc_array_retain(NumcArray_ARR(o));
    return pynumc_asarray(o, NUMC_DTYPE_NONE);
}

static void shape_repr(const numc_array *a, char *buf, size_t n) {
    size_t p = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < a->ndim && p < n; i++)
        p += (size_t)snprintf(buf + p, n - p, i ? ", %lld" : "%lld", (long long)a->shape[i]);
    if (p < n) snprintf(buf + p, n - p, a->ndim == 1 ? ",)" : ")");
}

/* A new handle for the same value through a differentiable identity
 * (reshape to its own shape): outer tapes record it, and a tape that
 * watches the result watches nothing else. */
static numc_array *fresh_handle(const numc_array *a) {
    numc_params p = {.n = a->ndim};
    memcpy(p.i, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    const numc_array *in[1] = {a};
    return numc_bind1(NUMC_PRIM_RESHAPE, 1, in, &p);
}

/* A new handle cut from every tape (assign, Variable initial values). */
static numc_array *cut_handle(const numc_array *a) {
    const numc_array *in[1] = {a};
    return numc_bind1(NUMC_PRIM_STOP_GRADIENT, 1, in, NULL);
}

/* ones/zeros-free one-hot seeds: float64, converted by gradient(). */
static numc_array *one_hot(const numc_array *like, double *buf, int64_t e) {
    buf[e] = 1.0;
    numc_array *s = numc_array_from_data(NUMC_FLOAT64, like->ndim, like->shape, buf);
    buf[e] = 0.0;
    return s;
}

static numc_array *zeros_of(int ndim, const int64_t *shape, numc_dtype dt) {
    return numc_zeros(ndim, shape, dt);
}

/* The jacobian of target with respect to src[0..ns) on a (persistent) tape:
 * jac[s] has shape target.shape + src[s].shape, or is NULL when src[s] is
 * unconnected (or not inexact) and !zero. 0 or -1 with an exception. */
static int tape_jacobian(numc_tape *t, const numc_array *target, int ns,
                         const numc_array *const *src, int zero, numc_array **jac) {
    int64_t n = target->size;
    for (int s = 0; s < ns; s++)
        jac[s] = NULL;
    numc_array **rows = calloc((size_t)(n * ns + 1), sizeof *rows);
    numc_array **g = calloc((size_t)ns + 1, sizeof *g);
    double *buf = calloc((size_t)n + 1, sizeof(double));
    int rc = -1;
    if (!rows || !g || !buf) {
        PyErr_NoMemory();
        goto done;
    }
    for (int64_t e = 0; e < n; e++) {
        numc_array *seed = one_hot(target, buf, e);
        if (!seed) {
            pynumc_raise();
            goto done;
        }
        const numc_array *tg[1] = {target}, *og[1] = {seed};
        numc_status st = numc_tape_gradient_n(t, 1, tg, og, ns, src, false, g);
        numc_array_release(seed);
        if (st) {
            if (PyErr_Occurred()) numc_error_clear(); /* a custom bwd raised */
            pynumc_raise();
            goto done;
        }
        for (int s = 0; s < ns; s++)
            rows[e * ns + s] = g[s];
    }
    for (int s = 0; s < ns; s++) {
        const numc_array *x = src[s];
        if (!x) continue;
        int nd = target->ndim + x->ndim;
        if (nd > NUMC_MAX_DIMS) {
            PyErr_SetString(PyExc_ValueError, "jacobian: the result has too many dimensions");
            goto done;
        }
        int64_t shape[NUMC_MAX_DIMS];
        memcpy(shape, target->shape, sizeof(int64_t) * (size_t)target->ndim);
        memcpy(shape + target->ndim, x->shape, sizeof(int64_t) * (size_t)x->ndim);
        bool any = false;
        for (int64_t e = 0; e < n; e++)
            any |= rows[e * ns + s] != NULL;
        if (!numc_dt_is_inexact(x->dtype) || (!any && !zero)) continue;
        if (!any || n == 0) {
            jac[s] = zeros_of(nd, shape, x->dtype);
            if (!jac[s]) {
                pynumc_raise();
                goto done;
            }
            continue;
        }
        const numc_array **col = malloc(sizeof(*col) * (size_t)n);
        numc_array *zero_row = NULL;
        if (!col) {
            PyErr_NoMemory();
            goto done;
        }
        for (int64_t e = 0; e < n && col; e++) {
            col[e] = rows[e * ns + s];
            if (!col[e]) {
                if (!zero_row && !(zero_row = zeros_of(x->ndim, x->shape, x->dtype))) break;
                col[e] = zero_row;
            }
        }
        numc_array *st = NULL;
        bool ok = true;
        for (int64_t e = 0; e < n; e++)
            ok &= col[e] != NULL;
        if (ok) st = numc_stack((int)n, col, 0);
        free(col);
        numc_array_release(zero_row);
        if (!st) {
            pynumc_raise();
            goto done;
        }
        jac[s] = numc_reshape(st, nd, shape);
        numc_array_release(st);
        if (!jac[s]) {
            pynumc_raise();
            goto done;
        }
    }
    rc = 0;
done:
    if (rows)
        for (int64_t k = 0; k < n * ns; k++)
            numc_array_release(rows[k]);
    free(rows);
    free(g);
    free(buf);
    if (rc < 0)
        for (int s = 0; s < ns; s++) {
            numc_array_release(jac[s]);
            jac[s] = NULL;
        }
    return rc;
}

/* "none" / "zero" (strings, or TF's enum: anything with a string .value). */
static int parse_unconnected(PyObject *o, int *zero) {
    *zero = 0;
    if (!o || o == Py_None) return 0;
    PyObject *v = PyUnicode_Check(o) ? Py_NewRef(o) : PyObject_GetAttrString(o, "value");
    if (!v) {
        PyErr_Clear();
        v = NULL;
    }
    int ok = v && PyUnicode_Check(v);
    if (ok && !PyUnicode_CompareWithASCIIString(v, "zero"))
        *zero = 1;
    else if (!(ok && !PyUnicode_CompareWithASCIIString(v, "none")))
        ok = 0;
    Py_XDECREF(v);
    if (!ok) {
        PyErr_Format(PyExc_ValueError,
                     "Unknown value for unconnected_gradients: %R (use 'none' or 'zero')", o);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- Variables */

typedef struct VarObject {
    NumcArrayObject base;
    int trainable;
    int validate_shape;
    PyObject *name;
    struct VarObject *prev, *next; /* the live registry */
} VarObject;

static PyTypeObject Var_Type;
static VarObject *var_head;

#define Var_Check(o) PyObject_TypeCheck((o), &Var_Type)

/* ------------------------------------------------------------ GradientTape */

typedef struct {
    PyObject_HEAD numc_tape *tape; /* NULL before the first __enter__ */
    int persistent, watch_accessed, used;
    PyObject *vars; /* id(var) -> [var, explicitly_watched, value, value, ...] */
    unsigned long thread;
    int listed; /* in the active list */
    PyObject *weakreflist;
} TapeObject;

static PyTypeObject Tape_Type;
static TapeObject **active_tapes;
static Py_ssize_t nactive, capactive;

static int active_add(TapeObject *t) {
    if (nactive == capactive) {
        Py_ssize_t nc = capactive ? capactive * 2 : 8;
        TapeObject **a = PyMem_Realloc(active_tapes, sizeof(*a) * (size_t)nc);
        if (!a) {
            PyErr_NoMemory();
            return -1;
        }
        active_tapes = a;
        capactive = nc;
    }
    active_tapes[nactive++] = t;
    t->listed = 1;
    return 0;
}

static void active_remove(TapeObject *t) {
    if (!t->listed) return;
    for (Py_ssize_t i = 0; i < nactive; i++)
        if (active_tapes[i] == t) {
            memmove(active_tapes + i, active_tapes + i + 1,
                    sizeof(*active_tapes) * (size_t)(nactive - i - 1));
            nactive--;
            break;
        }
    t->listed = 0;
}

/* Tracks var's current value in tape t (watches it; records it under var). */
static int track_var(TapeObject *t, VarObject *var, int explicit_watch) {
    if (!t->tape) return 0;
    PyObject *key = PyLong_FromVoidPtr(var);
    if (!key) return -1;
    PyObject *entry = PyDict_GetItemWithError(t->vars, key);
    if (!entry) {
        if (PyErr_Occurred()) {
            Py_DECREF(key);
            return -1;
        }
        entry = Py_BuildValue("[OO]", (PyObject *)var, explicit_watch ? Py_True : Py_False);
        if (!entry || PyDict_SetItem(t->vars, key, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(key);
            return -1;
        }
        Py_DECREF(entry); /* the dict holds it */
    } else if (explicit_watch) {
        if (PyList_SetItem(entry, 1, Py_NewRef(Py_True)) < 0) {
            Py_DECREF(key);
            return -1;
        }
    }
    Py_DECREF(key);
    numc_array *cur = var->base.arr;
    Py_ssize_t n = PyList_GET_SIZE(entry);
    if (n > 2 && NumcArray_ARR(PyList_GET_ITEM(entry, n - 1)) == cur) return 0;
    PyObject *v = pynumc_wrap(numc_array_retain(cur));
    if (!v) return -1;
    int rc = PyList_Append(entry, v);
    Py_DECREF(v);
    if (rc < 0) return -1;
    if (numc_tape_watch(t->tape, cur)) return pynumc_raise(), -1;
    return 0;
}

/* The active tapes of this thread that track var (after its creation or an
 * assign) watch its current value. */
static int notify_tapes(VarObject *var, int created) {
    unsigned long me = PyThread_get_thread_ident();
    for (Py_ssize_t i = 0; i < nactive; i++) {
        TapeObject *t = active_tapes[i];
        if (t->thread != me || !t->tape) continue;
        int tracked = 0;
        if (!created) {
            PyObject *key = PyLong_FromVoidPtr(var);
            if (!key) return -1;
            tracked = PyDict_Contains(t->vars, key);
            Py_DECREF(key);
            if (tracked < 0) return -1;
        }
        if (tracked || (t->watch_accessed && var->trainable))
            if (track_var(t, var, 0) < 0) return -1;
    }
    return 0;
}

static PyObject *tape_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"persistent", "watch_accessed_variables", NULL};
    int persistent = 0, watch = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|pp:GradientTape", kwlist, &persistent, &watch))
        return NULL;
    TapeObject *t = (TapeObject *)tp->tp_alloc(tp, 0);
    if (!t) return NULL;
    t->persistent = persistent;
    t->watch_accessed = watch;
    t->vars = PyDict_New();
    if (!t->vars) {
        Py_DECREF(t);
        return NULL;
    }
    return (PyObject *)t;
}

static void tape_dealloc(PyObject *self) {
    TapeObject *t = (TapeObject *)self;
    if (t->weakreflist) PyObject_ClearWeakRefs(self);
    active_remove(t);
    numc_tape_free(t->tape); /* stops (unlinks) it first */
    Py_XDECREF(t->vars);
    Py_TYPE(self)->tp_free(self);
}

static int watch_all_variables(TapeObject *t) {
    if (!t->watch_accessed) return 0;
    for (VarObject *v = var_head; v; v = v->next)
        if (v->trainable && track_var(t, v, 0) < 0) return -1;
    return 0;
}

static PyObject *tape_enter(PyObject *self, PyObject *unused) {
    TapeObject *t = (TapeObject *)self;
    if (!t->tape) {
        /* the C tape is always persistent; one-shot use is enforced here */
        t->tape = numc_tape_new(true);
        if (!t->tape) return pynumc_raise();
    } else if (numc_tape_resume(t->tape)) {
        return pynumc_raise();
    }
    numc_tape_set_recording(t->tape, !(t->used && !t->persistent));
    t->thread = PyThread_get_thread_ident();
    if (active_add(t) < 0 || watch_all_variables(t) < 0) {
        active_remove(t);
        numc_tape_stop(t->tape);
        return NULL;
    }
    return Py_NewRef(self);
}

/* Marks the tracked Variables whose values some record used (entry[1]), so
 * watched_variables() answers after the records are gone. */
static void mark_accessed(TapeObject *t) {
    PyObject *key, *entry;
    Py_ssize_t pos = 0;
    while (t->tape && PyDict_Next(t->vars, &pos, &key, &entry)) {
        int use = PyList_GET_ITEM(entry, 1) == Py_True;
        for (Py_ssize_t k = 2; !use && k < PyList_GET_SIZE(entry); k++)
            use = numc_tape_accessed(t->tape, NumcArray_ARR(PyList_GET_ITEM(entry, k)));
        if (use) PyList_SetItem(entry, 1, Py_NewRef(Py_True));
    }
}

/* A consumed one-shot tape drops its records. */
static void consume(TapeObject *t) {
    if (t->persistent) return;
    t->used = 1;
    if (!t->tape) return;
    mark_accessed(t);
    if (numc_tape_is_active(t->tape)) {
        numc_tape_clear(t->tape);
        numc_tape_set_recording(t->tape, false);
    } else {
        numc_tape_free(t->tape);
        t->tape = NULL;
    }
}

static PyObject *tape_exit(PyObject *self, PyObject *args) {
    TapeObject *t = (TapeObject *)self;
    active_remove(t);
    if (t->tape) {
        numc_tape_stop(t->tape);
        if (t->used && !t->persistent) {
            numc_tape_free(t->tape);
            t->tape = NULL;
        }
    }
    Py_RETURN_FALSE;
}

static int need_tape(TapeObject *t, const char *what) {
    if (t->used && !t->persistent) {
        PyErr_SetString(PyExc_RuntimeError,
                        "A non-persistent GradientTape can only be used to compute one set of "
                        "gradients (or jacobians)");
        return -1;
    }
    if (!t->tape) {
        if (!strcmp(what, "watch")) {
            PyErr_SetString(PyExc_RuntimeError,
                            "GradientTape.watch: the tape has not been entered (use it as "
                            "`with numc.GradientTape() as tape:`)");
            return -1;
        }
        /* never entered: an empty tape answers (everything unconnected) */
        t->tape = numc_tape_new(true);
        if (!t->tape) return pynumc_raise(), -1;
        numc_tape_stop(t->tape);
    }
    return 0;
}

static PyObject *tape_watch(PyObject *self, PyObject *tensor) {
    TapeObject *t = (TapeObject *)self;
    if (need_tape(t, "watch") < 0) return NULL;
    PyObject *def, *leaves = flatten(tensor, &def);
    if (!leaves) return NULL;
    Py_DECREF(def);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(leaves); i++) {
        PyObject *o = PyList_GET_ITEM(leaves, i);
        int rc = 0;
        if (Var_Check(o))
            rc = track_var(t, (VarObject *)o, 1);
        else if (NumcArray_Check(o))
            rc = numc_tape_watch(t->tape, NumcArray_ARR(o)) ? (pynumc_raise(), -1) : 0;
        else {
            PyErr_Format(PyExc_ValueError,
                         "Passed in object of type %.200s, not a numc array or Variable; only "
                         "arrays can be watched",
                         Py_TYPE(o)->tp_name);
            rc = -1;
        }
        if (rc < 0) {
            Py_DECREF(leaves);
            return NULL;
        }
    }
    Py_DECREF(leaves);
    Py_RETURN_NONE;
}

/* Expands source leaves into arrays: a Variable stands for every value the
 * tape tracked for it (or its current value). first[i], count[i] index src. */
typedef struct {
    Py_ssize_t nleaves, nsrc;
    Py_ssize_t *first, *count;
    const numc_array **src;
    numc_array **owned; /* converted non-array leaves (none are allowed today) */
} srcset;

static void srcset_free(srcset *s) {
    PyMem_Free(s->first);
    PyMem_Free(s->count);
    PyMem_Free(s->src);
    memset(s, 0, sizeof *s);
}

static int srcset_build(TapeObject *t, PyObject *leaves, srcset *s) {
    memset(s, 0, sizeof *s);
    Py_ssize_t n = PyList_GET_SIZE(leaves), total = 0;
    s->nleaves = n;
    s->first = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    s->count = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    if (!s->first || !s->count) {
        srcset_free(s);
        PyErr_NoMemory();
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *o = PyList_GET_ITEM(leaves, i);
            PyObject *entry = NULL;
            if (Var_Check(o)) {
                PyObject *key = PyLong_FromVoidPtr(o);
                if (!key) goto fail;
                entry = PyDict_GetItemWithError(t->vars, key);
                Py_DECREF(key);
                if (!entry && PyErr_Occurred()) goto fail;
            } else if (!NumcArray_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             "gradient: sources must be numc arrays or Variables, got %.200s",
                             Py_TYPE(o)->tp_name);
                goto fail;
            }
            Py_ssize_t c = entry ? PyList_GET_SIZE(entry) - 2 : 1;
            if (entry && c == 0) c = 1, entry = NULL;
            if (pass == 1) {
                s->first[i] = total;
                s->count[i] = c;
                for (Py_ssize_t k = 0; k < c; k++)
                    s->src[total + k] =
                        entry ? NumcArray_ARR(PyList_GET_ITEM(entry, 2 + k)) : NumcArray_ARR(o);
            }
            total += c;
        }
        if (pass == 0) {
            s->src = PyMem_Calloc((size_t)total + 1, sizeof(*s->src));
            if (!s->src) {
                PyErr_NoMemory();
                goto fail;
            }
        }
    }
    s->nsrc = total;
    return 0;
fail:
    srcset_free(s);
    return -1;
}

/* Sums the grads of leaf i's values (consumes them); NULL = unconnected. */
static numc_array *srcset_combine(const srcset *s, Py_ssize_t i, numc_array **g, int *err) {
    numc_array *acc = NULL;
    *err = 0;
    for (Py_ssize_t k = s->first[i]; k < s->first[i] + s->count[i]; k++) {
        if (!g[k]) continue;
        if (!acc) {
            acc = g[k];
        } else if (!*err) {
            numc_array *sum = numc_add(acc, g[k]);
            numc_array_release(acc);
            numc_array_release(g[k]);
            acc = sum;
            if (!sum) *err = 1;
        } else {
            numc_array_release(g[k]);
        }
        g[k] = NULL;
    }
    return acc;
}

/* Flattens like pytree, but None is a leaf (output_gradients entries). */
static int flatten_none_leaves(PyObject *tree, PyObject *leaves) {
    if (PyTuple_CheckExact(tree) || PyList_Check(tree)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(tree);
        for (Py_ssize_t i = 0; i < n; i++)
            if (flatten_none_leaves(PySequence_Fast_GET_ITEM(tree, i), leaves) < 0) return -1;
        return 0;
    }
    if (PyDict_Check(tree)) {
        PyObject *keys = PyDict_Keys(tree);
        if (!keys || PyList_Sort(keys) < 0) {
            Py_XDECREF(keys);
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++)
            if (flatten_none_leaves(PyDict_GetItem(tree, PyList_GET_ITEM(keys, i)), leaves) < 0) {
                Py_DECREF(keys);
                return -1;
            }
        Py_DECREF(keys);
        return 0;
    }
    return PyList_Append(leaves, tree);
}

static void release_all(numc_array **a, Py_ssize_t n) {
    if (!a) return;
    for (Py_ssize_t i = 0; i < n; i++)
        numc_array_release(a[i]);
}

static PyObject *tape_gradient(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"target", "sources", "output_gradients", "unconnected_gradients",
                             NULL};
    PyObject *target, *sources, *og = Py_None, *unc = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OO:gradient", kwlist, &target, &sources, &og,
                                     &unc))
        return NULL;
    TapeObject *t = (TapeObject *)self;
    int zero;
    if (parse_unconnected(unc, &zero) < 0 || need_tape(t, "gradient") < 0) return NULL;
    PyObject *tdef = NULL, *sdef = NULL, *tleaves = NULL, *sleaves = NULL, *oleaves = NULL,
             *res = NULL, *outl = NULL;
    numc_array **targ = NULL, **ogs = NULL, **g = NULL;
    Py_ssize_t nt = 0;
    srcset ss = {0};
    if (!(tleaves = flatten(target, &tdef))) goto done;
    nt = PyList_GET_SIZE(tleaves);
    targ = PyMem_Calloc((size_t)nt + 1, sizeof *targ);
    ogs = PyMem_Calloc((size_t)nt + 1, sizeof *ogs);
    if (!targ || !ogs) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nt; i++)
        if (!(targ[i] = as_array(PyList_GET_ITEM(tleaves, i)))) goto done;
    if (og != Py_None) {
        if (!(oleaves = PyList_New(0)) || flatten_none_leaves(og, oleaves) < 0) goto done;
        if (PyList_GET_SIZE(oleaves) != nt) {
            PyErr_Format(PyExc_ValueError,
                         "gradient: output_gradients has %zd entries but target has %zd",
                         PyList_GET_SIZE(oleaves), nt);
            goto done;
        }
        for (Py_ssize_t i = 0; i < nt; i++) {
            PyObject *o = PyList_GET_ITEM(oleaves, i);
            if (o != Py_None && !(ogs[i] = as_array(o))) goto done;
        }
    }
    if (!(sleaves = flatten(sources, &sdef)) || srcset_build(t, sleaves, &ss) < 0) goto done;
    g = PyMem_Calloc((size_t)ss.nsrc + 1, sizeof *g);
    if (!g) {
        PyErr_NoMemory();
        goto done;
    }
    if (numc_tape_gradient_n(t->tape, (int)nt, (const numc_array *const *)targ,
                             (const numc_array *const *)ogs, (int)ss.nsrc, ss.src, zero, g)) {
        if (PyErr_Occurred()) numc_error_clear();
        pynumc_raise();
        goto done;
    }
    consume(t);
    if (!(outl = PyList_New(ss.nleaves))) goto done;
    for (Py_ssize_t i = 0; i < ss.nleaves; i++) {
        int err;
        numc_array *a = srcset_combine(&ss, i, g, &err);
        if (err) {
            pynumc_raise();
            goto done;
        }
        PyObject *o = wrap_or_none(a);
        if (!o) goto done;
        PyList_SET_ITEM(outl, i, o);
    }
    res = unflatten(sdef, outl);
done:
    release_all(targ, nt);
    release_all(ogs, nt);
    release_all(g, ss.nsrc);
    PyMem_Free(targ);
    PyMem_Free(ogs);
    PyMem_Free(g);
    srcset_free(&ss);
    Py_XDECREF(tdef);
    Py_XDECREF(sdef);
    Py_XDECREF(tleaves);
    Py_XDECREF(sleaves);
    Py_XDECREF(oleaves);
    Py_XDECREF(outl);
    return res;
}

static PyObject *tape_jacobian_method(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"target",
                             "sources",
                             "unconnected_gradients",
                             "parallel_iterations",
                             "experimental_use_pfor",
                             NULL};
    PyObject *target, *sources, *unc = NULL, *pi = NULL, *pfor = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOO:jacobian", kwlist, &target, &sources, &unc,
                                     &pi, &pfor))
        return NULL;
    TapeObject *t = (TapeObject *)self;
    int zero;
    if (parse_unconnected(unc, &zero) < 0 || need_tape(t, "jacobian") < 0) return NULL;
    numc_array *tg = as_array(target);
    if (!tg) return NULL;
    PyObject *sdef = NULL, *sleaves = NULL, *res = NULL, *outl = NULL;
    numc_array **jac = NULL;
    srcset ss = {0};
    if (!(sleaves = flatten(sources, &sdef)) || srcset_build(t, sleaves, &ss) < 0) goto done;
    jac = PyMem_Calloc((size_t)ss.nsrc + 1, sizeof *jac);
    if (!jac) {
        PyErr_NoMemory();
        goto done;
    }
    if (tape_jacobian(t->tape, tg, (int)ss.nsrc, ss.src, zero, jac) < 0) goto done;
    consume(t);
    if (!(outl = PyList_New(ss.nleaves))) goto done;
    for (Py_ssize_t i = 0; i < ss.nleaves; i++) {
        int err;
        numc_array *a = srcset_combine(&ss, i, jac, &err);
        if (err) {
            pynumc_raise();
            goto done;
        }
        PyObject *o = wrap_or_none(a);
        if (!o) goto done;
        PyList_SET_ITEM(outl, i, o);
    }
    res = unflatten(sdef, outl);
done:
    numc_array_release(tg);
    release_all(jac, ss.nsrc);
    PyMem_Free(jac);
    srcset_free(&ss);
    Py_XDECREF(sdef);
    Py_XDECREF(sleaves);
    Py_XDECREF(outl);
    return res;
}

static PyObject *tape_watched_variables(PyObject *self, PyObject *unused) {
    TapeObject *t = (TapeObject *)self;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    PyObject *key, *entry;
    Py_ssize_t pos = 0;
    while (PyDict_Next(t->vars, &pos, &key, &entry)) {
        int use = PyList_GET_ITEM(entry, 1) == Py_True;
        for (Py_ssize_t k = 2; !use && t->tape && k < PyList_GET_SIZE(entry); k++)
            use = numc_tape_accessed(t->tape, NumcArray_ARR(PyList_GET_ITEM(entry, k)));
        if (use && PyList_Append(out, PyList_GET_ITEM(entry, 0)) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    PyObject *r = PyList_AsTuple(out);
    Py_DECREF(out);
    return r;
}

/* t._debug_records(): the primitive name of each record, in order (tests). */
static PyObject *tape_debug_records(PyObject *self, PyObject *unused) {
    TapeObject *t = (TapeObject *)self;
    size_t n = t->tape ? numc_tape_num_records(t->tape) : 0;
    PyObject *r = PyTuple_New((Py_ssize_t)n);
    for (size_t k = 0; r && k < n; k++) {
        PyObject *s = PyUnicode_FromString(numc_tape_record_name(t->tape, k));
        if (!s)
            Py_CLEAR(r);
        else
            PyTuple_SET_ITEM(r, (Py_ssize_t)k, s);
    }
    return r;
}

static PyObject *tape_reset(PyObject *self, PyObject *unused) {
    TapeObject *t = (TapeObject *)self;
    int was_active = t->tape && numc_tape_is_active(t->tape);
    numc_tape_free(t->tape);
    t->tape = NULL;
    t->used = 0;
    PyDict_Clear(t->vars);
    if (was_active) {
        t->tape = numc_tape_new(true);
        if (!t->tape) return pynumc_raise();
        if (watch_all_variables(t) < 0) return NULL;
    }
    Py_RETURN_NONE;
}

/* stop_recording(): a context manager that pauses the tape. */
typedef struct {
    PyObject_HEAD TapeObject *tape;
} StopRecObject;

static PyTypeObject StopRec_Type;

static PyObject *tape_stop_recording(PyObject *self, PyObject *unused) {
    StopRecObject *s = PyObject_New(StopRecObject, &StopRec_Type);
    if (!s) return NULL;
    s->tape = (TapeObject *)Py_NewRef(self);
    return (PyObject *)s;
}

static void stoprec_dealloc(PyObject *self) {
    Py_XDECREF(((StopRecObject *)self)->tape);
    PyObject_Free(self);
}

static PyObject *stoprec_enter(PyObject *self, PyObject *unused) {
    TapeObject *t = ((StopRecObject *)self)->tape;
    if (!t->tape || !numc_tape_is_recording(t->tape)) {
        PyErr_SetString(PyExc_RuntimeError, "Tape is not recording.");
        return NULL;
    }
    numc_tape_set_recording(t->tape, false);
    Py_RETURN_NONE;
}

static PyObject *stoprec_exit(PyObject *self, PyObject *args) {
    TapeObject *t = ((StopRecObject *)self)->tape;
    if (t->tape && !(t->used && !t->persistent)) numc_tape_set_recording(t->tape, true);
    Py_RETURN_FALSE;
}

static PyMethodDef stoprec_methods[] = {
    {"__enter__", stoprec_enter, METH_NOARGS, NULL},
    {"__exit__", stoprec_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StopRec_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc._StopRecording",
    .tp_basicsize = sizeof(StopRecObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = stoprec_dealloc,
    .tp_methods = stoprec_methods,
};

static PyObject *tape_get_persistent(PyObject *self, void *c) {
    return PyBool_FromLong(((TapeObject *)self)->persistent);
}

static PyGetSetDef tape_getset[] = {
    {"persistent", tape_get_persistent, NULL, "Whether gradient() may be called repeatedly.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef tape_methods[] = {
    {"__enter__", tape_enter, METH_NOARGS, NULL},
    {"__exit__", tape_exit, METH_VARARGS, NULL},
    {"watch", tape_watch, METH_O,
     "watch(tensor): watch the arrays (by value identity) and Variables of a pytree."},
    {"gradient", (PyCFunction)(void (*)(void))tape_gradient, METH_VARARGS | METH_KEYWORDS,
     "gradient(target, sources, output_gradients=None, unconnected_gradients='none'):\n"
     "the gradient of sum(target * output_gradients) (ones by default; a sum over the\n"
     "target's leaves) with respect to each source; the result mirrors sources. None\n"
     "for unconnected or integer sources (zeros with unconnected_gradients='zero')."},
    {"jacobian", (PyCFunction)(void (*)(void))tape_jacobian_method, METH_VARARGS | METH_KEYWORDS,
     "jacobian(target, sources, unconnected_gradients='none'): for each source an array\n"
     "of shape target.shape + source.shape (one backward pass per target element)."},
    {"watched_variables", tape_watched_variables, METH_NOARGS,
     "The Variables watched explicitly, or watched automatically and used."},
    {"stop_recording", tape_stop_recording, METH_NOARGS,
     "A context manager inside which the tape records nothing."},
    {"reset", tape_reset, METH_NOARGS, "Clears everything the tape recorded and watched."},
    {"_debug_records", tape_debug_records, METH_NOARGS,
     "Debugging: the primitive name of each record the tape holds, in order."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Tape_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.GradientTape",
    .tp_basicsize = sizeof(TapeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "GradientTape(persistent=False, watch_accessed_variables=True): records the\n"
              "operations on watched arrays while active, for reverse-mode gradients.\n"
              "Arrays are watched by value: rebinding a watched handle (x += 1) makes it\n"
              "hold a new (recorded) value, and gradients are taken with respect to the\n"
              "value a handle holds when gradient() is called. Trainable Variables are\n"
              "watched automatically.",
    .tp_new = tape_new,
    .tp_dealloc = tape_dealloc,
    .tp_methods = tape_methods,
    .tp_getset = tape_getset,
    .tp_weaklistoffset = offsetof(TapeObject, weakreflist),
};

/* --------------------------------------------------------- Variable type */

static PyObject *var_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"initial_value",  "trainable", "dtype", "name",
                             "validate_shape", "shape",     NULL};
    PyObject *init = Py_None, *trainable = Py_None, *dtype = Py_None, *name = Py_None,
             *validate = Py_True, *shape = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOO:Variable", kwlist, &init, &trainable,
                                     &dtype, &name, &validate, &shape))
        return NULL;
    if (init == Py_None) {
        PyErr_SetString(PyExc_ValueError, "initial_value must be specified.");
        return NULL;
    }
    numc_dtype dt;
    if (pynumc_parse_dtype(dtype, &dt) < 0) return NULL;
    if (name != Py_None && !PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "Variable: name must be a string");
        return NULL;
    }
    int tr = trainable == Py_None ? 1 : PyObject_IsTrue(trainable);
    int vs = PyObject_IsTrue(validate);
    if (tr < 0 || vs < 0) return NULL;
    PyObject *val = PyCallable_Check(init) ? PyObject_CallNoArgs(init) : Py_NewRef(init);
    if (!val) return NULL;
    numc_array *a = pynumc_asarray(val, dt);
    Py_DECREF(val);
    if (!a) return NULL;
    numc_array *c = cut_handle(a); /* a Variable starts as its own leaf */
    numc_array_release(a);
    if (!c) return pynumc_raise();
    VarObject *v = (VarObject *)tp->tp_alloc(tp, 0);
    if (!v) {
        numc_array_release(c);
        return NULL;
    }
    /* never weak: Python scalars become strong arrays through asarray */
    v->base.arr = c;
    v->trainable = tr;
    v->validate_shape = vs;
    v->name = name == Py_None ? PyUnicode_FromString("Variable") : Py_NewRef(name);
    v->next = var_head;
    if (var_head) var_head->prev = v;
    var_head = v;
    if (!v->name || notify_tapes(v, 1) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    return (PyObject *)v;
}

static void var_dealloc(PyObject *self) {
    VarObject *v = (VarObject *)self;
    if (v->prev)
        v->prev->next = v->next;
    else if (var_head == v)
        var_head = v->next;
    if (v->next) v->next->prev = v->prev;
    if (v->base.weakreflist) PyObject_ClearWeakRefs(self);
    numc_array_release(v->base.arr);
    Py_XDECREF(v->name);
    Py_TYPE(self)->tp_free(self);
}

/* Rebinds var to value (cast and, with validate_shape, broadcast to its
 * shape), cut from every tape; tapes tracking var watch the new value. */
static int var_set(VarObject *v, numc_array *value /* stolen */, const char *what) {
    numc_array *old = v->base.arr;
    numc_array *r = value;
    if (numc_array_dtype(r) != numc_array_dtype(old)) {
        if (!numc_can_cast(numc_array_dtype(r), numc_array_dtype(old), "same_kind")) {
            PyErr_Format(PyExc_TypeError, "%s: cannot cast %s to the Variable's dtype %s", what,
                         numc_dtype_name(numc_array_dtype(r)),
                         numc_dtype_name(numc_array_dtype(old)));
            numc_array_release(r);
            return -1;
        }
        numc_array *c = numc_astype(r, numc_array_dtype(old));
        numc_array_release(r);
        if (!(r = c)) return pynumc_raise(), -1;
    }
    if (v->validate_shape && (r->ndim != old->ndim ||
                              memcmp(r->shape, old->shape, sizeof(int64_t) * (size_t)old->ndim))) {
        numc_array *b = numc_broadcast_to(r, old->ndim, old->shape);
        if (!b) {
            char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
            shape_repr(old, s1, sizeof s1);
            shape_repr(r, s2, sizeof s2);
            numc_error_clear();
            PyErr_Format(PyExc_ValueError,
                         "Cannot assign value to variable '%U': Shape mismatch. The variable shape "
                         "%s, and the assigned value shape %s are incompatible.",
                         v->name, s1, s2);
            numc_array_release(r);
            return -1;
        }
        numc_array_release(r);
        r = b;
    }
    numc_array *c = cut_handle(r);
    numc_array_release(r);
    if (!c) return pynumc_raise(), -1;
    v->base.arr = c;
    numc_array_release(old);
    return notify_tapes(v, 0);
}

static PyObject *var_assign_impl(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw,
                                 int op, const char *what) {
    if (n < 1) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument 'value'", what);
        return NULL;
    }
    int read_value = 1;
    for (Py_ssize_t i = 0; kw && i < PyTuple_GET_SIZE(kw); i++)
        if (!PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kw, i), "read_value")) {
            read_value = PyObject_IsTrue(args[n + i]);
            if (read_value < 0) return NULL;
        }
    VarObject *v = (VarObject *)self;
    numc_array *x = pynumc_from_object(args[0], NUMC_DTYPE_NONE);
    if (!x) return NULL;
    numc_array *r = x;
    if (op) {
        r = op > 0 ? numc_add(v->base.arr, x) : numc_subtract(v->base.arr, x);
        numc_array_release(x);
        if (!r) return pynumc_raise();
    } else if (x->flags & NUMC_AF_WEAK) {
        r = numc_astype(x, numc_array_dtype(v->base.arr));
        numc_array_release(x);
        if (!r) return pynumc_raise();
    }
    if (var_set(v, r, what) < 0) return NULL;
    if (!read_value) Py_RETURN_NONE;
    return Py_NewRef(self);
}

/* numc.function (function.c) treats Variables as state: the values of those
 * its traced code reads are extra inputs, read at every call, and those it
 * assigns get the graph's extra outputs, written back as assign does. */
PyObject *pynumc_live_variables(void) {
    PyObject *r = PyList_New(0);
    for (VarObject *v = var_head; r && v; v = v->next)
        if (PyList_Append(r, (PyObject *)v) < 0) Py_CLEAR(r);
    return r;
}

int pynumc_variable_assign(PyObject *var, numc_array *value) {
    if (!Var_Check(var)) {
        numc_array_release(value);
        PyErr_SetString(PyExc_TypeError, "expected a numc.Variable");
        return -1;
    }
    return var_set((VarObject *)var, value, "assign");
}

/* Whether an active tape of this thread tracks one of vars (a tuple of
 * Variables): an assign to it would be watched there. 1, 0, or -1 with an
 * exception. */
int pynumc_variables_tracked(PyObject *vars) {
    unsigned long me = PyThread_get_thread_ident();
    for (Py_ssize_t i = 0; i < nactive; i++) {
        TapeObject *t = active_tapes[i];
        if (t->thread != me || !t->tape) continue;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(vars); k++) {
            PyObject *o = PyTuple_GET_ITEM(vars, k);
            if (!Var_Check(o)) continue;
            if (t->watch_accessed && ((VarObject *)o)->trainable) return 1;
            PyObject *key = PyLong_FromVoidPtr(o);
            if (!key) return -1;
            int tracked = PyDict_Contains(t->vars, key);
            Py_DECREF(key);
            if (tracked) return tracked;
        }
    }
    return 0;
}

static PyObject *py_live_variables(PyObject *m, PyObject *unused) {
    return pynumc_live_variables();
}

static PyObject *var_assign(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *kw) {
    return var_assign_impl(self, a, n, kw, 0, "assign");
}
static PyObject *var_assign_add(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *kw) {
    return var_assign_impl(self, a, n, kw, 1, "assign_add");
}
static PyObject *var_assign_sub(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *kw) {
    return var_assign_impl(self, a, n, kw, -1, "assign_sub");
}

static PyObject *var_value(PyObject *self, PyObject *unused) {
    return pynumc_wrap(numc_array_retain(NumcArray_ARR(self)));
}

static PyObject *var_numpy(PyObject *self, PyObject *unused) {
    PyObject *np = pynumc_numpy();
    if (!np) return NULL;
    PyObject *val = var_value(self, NULL);
    if (!val) return NULL;
    PyObject *r = PyObject_CallMethod(np, "array", "O", val);
    Py_DECREF(val);
    return r;
}

static PyObject *var_repr(PyObject *self) {
    VarObject *v = (VarObject *)self;
    numc_array *a = v->base.arr;
    char *s = a->ndim == 0 ? numc_array_str(a) : numc_array_repr(a);
    if (!s) return pynumc_raise();
    char sh[NUMC_MAX_DIMS * 24];
    shape_repr(a, sh, sizeof sh);
    PyObject *r = PyUnicode_FromFormat("<numc.Variable '%U' shape=%s dtype=%s, numpy=%s>", v->name,
                                       sh, numc_dtype_name(a->dtype), s);
    free(s);
    return r;
}

static PyObject *var_get_trainable(PyObject *self, void *c) {
    return PyBool_FromLong(((VarObject *)self)->trainable);
}
static PyObject *var_get_name(PyObject *self, void *c) {
    return Py_NewRef(((VarObject *)self)->name);
}

static PyGetSetDef var_getset[] = {
    {"trainable", var_get_trainable, NULL, "Whether tapes watch this Variable automatically.",
     NULL},
    {"name", var_get_name, NULL, "The Variable's name.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

#define FASTKW (METH_FASTCALL | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef var_methods[] = {
    {"assign", FN(var_assign), FASTKW,
     "assign(value, read_value=True): rebinds the Variable (not differentiable); returns it."},
    {"assign_add", FN(var_assign_add), FASTKW, "assign_add(delta): assign(self + delta)."},
    {"assign_sub", FN(var_assign_sub), FASTKW, "assign_sub(delta): assign(self - delta)."},
    {"value", var_value, METH_NOARGS, "The current value, as an ndarray."},
    {"read_value", var_value, METH_NOARGS, "The current value, as an ndarray."},
    {"numpy", var_numpy, METH_NOARGS, "A NumPy copy of the current value."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Var_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.Variable",
    .tp_basicsize = sizeof(VarObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Variable(initial_value, trainable=True, dtype=None, name=None): a mutable,\n"
              "named ndarray that GradientTapes watch automatically when trainable.\n"
              "assign/assign_add/assign_sub rebind it (not differentiable, as in TF).",
    .tp_new = var_new,
    .tp_dealloc = var_dealloc,
    .tp_repr = var_repr,
    .tp_str = var_repr,
    .tp_methods = var_methods,
    .tp_getset = var_getset,
};

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
    if (!numc_dt_is_inexact(a->dtype)) {
        if (allow_int) {
            *skip = 1;
            return a;
        }
        PyErr_Format(PyExc_TypeError,
                     "%s requires real- or complex-valued inputs (input dtype that is a sub-dtype "
                     "of np.inexact), but got %s. If you want to use Boolean- or integer-valued "
                     "inputs, use vjp or set allow_int to True.",
                     fn, numc_dtype_name(a->dtype));
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
        PyObject *def, *lv = flatten(PyList_GET_ITEM(list, idx[k]), &def);
        if (!lv) goto fail;
        int rc = PyList_Append(d->defs, def);
        Py_DECREF(def);
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(lv); i++) {
            int skip;
            numc_array *a = diff_leaf(PyList_GET_ITEM(lv, i), fn, allow_int, &skip);
            numc_array *f = a && !skip ? fresh_handle(a) : NULL;
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
        PyObject *tree = rc == 0 ? unflatten(PyList_GET_ITEM(d->defs, k), lv) : NULL;
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
        PyObject *o = l ? wrap_or_none(g[i]) : NULL;
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
    if (numc_dt_is_float(a->dtype) || (holomorphic && numc_dt_is_complex(a->dtype))) return 0;
    PyErr_Format(PyExc_TypeError,
                 "%s requires real-valued outputs (output dtype that is a sub-dtype of "
                 "np.floating), but got %s. For holomorphic differentiation, pass "
                 "holomorphic=True. For differentiation of non-holomorphic functions involving "
                 "complex outputs, use numc.vjp directly.",
                 fn, numc_dtype_name(a->dtype));
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
    if (!(y = as_array(out))) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                         "Gradient only defined for scalar-output functions. Output was %.200R.",
                         out);
        }
        goto done;
    }
    if (y->ndim != 0) {
        char sh[NUMC_MAX_DIMS * 24];
        shape_repr(y, sh, sizeof sh);
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
    if (g) release_all(g, d->nsrc);
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
    if (!(oleaves = flatten(out, &odef))) goto done;
    jac = PyMem_Calloc((size_t)d->nsrc + 1, sizeof *jac);
    if (!jac || !(blocks = PyList_New(PyList_GET_SIZE(oleaves)))) {
        if (!jac) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(oleaves); j++) {
        numc_array *y = as_array(PyList_GET_ITEM(oleaves, j));
        if (!y) goto done;
        if (check_output_dtype(y, "jacobian", x->holomorphic) < 0 ||
            tape_jacobian(t, y, (int)d->nsrc, d->src, 1, jac) < 0) {
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
        PyObject *jt = unflatten(odef, blocks);
        if (!jt) goto done;
        res = x->has_aux ? Py_BuildValue("(NO)", jt, aux) : jt;
    }
done:
    if (jac) release_all(jac, d->nsrc);
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
    PyObject *cdef, *cleaves = flatten(PyTuple_GET_ITEM(args, 0), &cdef);
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
        if (!(og[i] = as_array(PyList_GET_ITEM(cleaves, i)))) goto done;
        if (og[i]->ndim != tg[i]->ndim ||
            memcmp(og[i]->shape, tg[i]->shape, sizeof(int64_t) * (size_t)tg[i]->ndim)) {
            char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
            shape_repr(og[i], s1, sizeof s1);
            shape_repr(tg[i], s2, sizeof s2);
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
    if (og) release_all(og, n);
    if (g) release_all(g, v->d.nsrc);
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
    PyObject *lv = flatten(out, &v->out_def);
    if (!lv) goto done;
    v->out_leaves = lv;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lv); i++) {
        PyObject *o = PyList_GET_ITEM(lv, i);
        if (!NumcArray_Check(o)) {
            numc_array *a = as_array(o);
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
    PyObject *def, *leaves = flatten(x, &def);
    if (!leaves) return NULL;
    PyObject *res = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(leaves); i++) {
        numc_array *a = as_array(PyList_GET_ITEM(leaves, i));
        if (!a) goto done;
        numc_array *s = cut_handle(a);
        numc_array_release(a);
        PyObject *o = pynumc_wrap(s);
        if (!o) goto done;
        PyList_SetItem(leaves, i, o);
    }
    res = unflatten(def, leaves);
done:
    Py_DECREF(def);
    Py_DECREF(leaves);
    return res;
}

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
                                  : numc_zeros(out[k]->ndim, out[k]->shape, out[k]->dtype);
        PyObject *o = pynumc_wrap(a);
        if (!o) goto fail;
        PyList_SET_ITEM(cts, k, o);
    }
    if (!cts || !(ctree = unflatten(c->out_def, cts))) goto fail;
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
            PyObject *def, *lv = flatten(ca, &def);
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
                numc_array *g = as_array(o);
                if (!g) {
                    Py_DECREF(lv);
                    goto fail;
                }
                const numc_array *x = in[p];
                if (g->ndim != x->ndim ||
                    memcmp(g->shape, x->shape, sizeof(int64_t) * (size_t)x->ndim)) {
                    numc_array *b = numc_broadcast_to(g, x->ndim, x->shape);
                    if (!b || g->ndim > x->ndim) {
                        char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
                        shape_repr(g, s1, sizeof s1);
                        shape_repr(x, s2, sizeof s2);
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
                if (g->dtype != x->dtype) {
                    numc_array *cv = numc_astype(g, x->dtype);
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
    if (fr && (oleaves = flatten(PyTuple_GET_ITEM(fr, 0), &odef))) {
        nout = PyList_GET_SIZE(oleaves);
        outs = calloc((size_t)nout + 1, sizeof *outs);
        if (!outs) PyErr_NoMemory();
        for (Py_ssize_t k = 0; outs && k < nout; k++) {
            numc_array *a = as_array(PyList_GET_ITEM(oleaves, k));
            if (!a) break;
            outs[k] = fresh_handle(a); /* outer tapes record it; t is paused */
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
        if (ol) res = unflatten(odef, ol);
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

/* ---------------------------------------------------------------- module */

static PyMethodDef autodiff_functions[] = {
    {"grad", FN(py_grad), METH_VARARGS | METH_KEYWORDS,
     "grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False): a function\n"
     "computing the gradient of the scalar fun with respect to the arguments argnums\n"
     "(pytrees of arrays; Python numbers become float arrays). Reverse mode, on a tape."},
    {"value_and_grad", FN(py_value_and_grad), METH_VARARGS | METH_KEYWORDS,
     "value_and_grad(fun, argnums=0, has_aux=False): a function returning (fun(...), grad)."},
    {"jacobian", FN(py_jacobian), METH_VARARGS | METH_KEYWORDS,
     "jacobian(fun, argnums=0, has_aux=False): a function returning the Jacobian of fun\n"
     "(output shape + input shape per output and input leaf), one backward pass per output\n"
     "element."},
    {"jacrev", FN(py_jacobian), METH_VARARGS | METH_KEYWORDS, "jacrev: the same as jacobian."},
    {"jacfwd", FN(py_jacobian), METH_VARARGS | METH_KEYWORDS,
     "jacfwd: the same Jacobian as jacobian (computed in reverse mode)."},
    {"hessian", FN(py_hessian), METH_VARARGS | METH_KEYWORDS,
     "hessian(fun, argnums=0, has_aux=False): jacobian(jacobian(fun)) (nested tapes)."},
    {"vjp", FN(py_vjp), METH_VARARGS | METH_KEYWORDS,
     "vjp(fun, *primals, has_aux=False) -> (out, vjp_fn[, aux]); vjp_fn(cotangent) returns\n"
     "a tuple with one cotangent per primal (None for integer leaves). vjp_fn may be called\n"
     "repeatedly."},
    {"stop_gradient", py_stop_gradient, METH_O,
     "stop_gradient(x): the same values, with zero derivative (a pytree of arrays)."},
    {"_live_variables", py_live_variables, METH_NOARGS,
     "_live_variables(): the live Variable objects, newest first (numc.function reads and "
     "updates them)."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_autodiff(PyObject *m) {
    Var_Type.tp_base = &NumcArray_Type;
    if (PyType_Ready(&Tape_Type) < 0 || PyType_Ready(&StopRec_Type) < 0 ||
        PyType_Ready(&Var_Type) < 0 || PyType_Ready(&Xform_Type) < 0 ||
        PyType_Ready(&VjpFun_Type) < 0 || PyType_Ready(&Cvjp_Type) < 0)
        return -1;
    if (PyModule_AddObjectRef(m, "GradientTape", (PyObject *)&Tape_Type) < 0 ||
        PyModule_AddObjectRef(m, "Variable", (PyObject *)&Var_Type) < 0 ||
        PyModule_AddObjectRef(m, "custom_vjp", (PyObject *)&Cvjp_Type) < 0)
        return -1;
    return PyModule_AddFunctions(m, autodiff_functions);
}
