/* tape.c — numc.GradientTape: TF's tape over the engine's tape interpreter
 * (watch, gradient, jacobian, watched_variables, stop_recording, reset;
 * persistent or one-shot), which tracks the Variables below it (variable.c)
 * and installs the hook through which Variables notify active tapes. */
#include "autodiff.h"

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
    for (VarObject *v = pynumc_var_head; v; v = v->next)
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
    PyObject *def, *leaves = pynumc_ad_flatten(tensor, &def);
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

/* The sources' results g (one per distinct source) as the sources' pytree:
 * a new list of leaves in *outl (the caller releases it), the tree returned. */
static PyObject *srcset_unflatten(const srcset *ss, numc_array **g, PyObject *sdef,
                                  PyObject **outl) {
    if (!(*outl = PyList_New(ss->nleaves))) return NULL;
    for (Py_ssize_t i = 0; i < ss->nleaves; i++) {
        int err;
        numc_array *a = srcset_combine(ss, i, g, &err);
        if (err) return pynumc_raise();
        PyObject *o = pynumc_ad_wrap_or_none(a);
        if (!o) return NULL;
        PyList_SET_ITEM(*outl, i, o);
    }
    return pynumc_ad_unflatten(sdef, *outl);
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

static PyObject *tape_gradient(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"target", "sources", "output_gradients", "unconnected_gradients",
                             NULL};
    PyObject *target, *sources, *og = Py_None, *unc = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OO:gradient", kwlist, &target, &sources, &og,
                                     &unc))
        return NULL;
    TapeObject *t = (TapeObject *)self;
    int zero;
    if (pynumc_ad_parse_unconnected(unc, &zero) < 0 || need_tape(t, "gradient") < 0) return NULL;
    PyObject *tdef = NULL, *sdef = NULL, *tleaves = NULL, *sleaves = NULL, *oleaves = NULL,
             *res = NULL, *outl = NULL;
    numc_array **targ = NULL, **ogs = NULL, **g = NULL;
    Py_ssize_t nt = 0;
    srcset ss = {0};
    if (!(tleaves = pynumc_ad_flatten(target, &tdef))) goto done;
    nt = PyList_GET_SIZE(tleaves);
    targ = PyMem_Calloc((size_t)nt + 1, sizeof *targ);
    ogs = PyMem_Calloc((size_t)nt + 1, sizeof *ogs);
    if (!targ || !ogs) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nt; i++)
        if (!(targ[i] = pynumc_ad_as_array(PyList_GET_ITEM(tleaves, i)))) goto done;
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
            if (o != Py_None && !(ogs[i] = pynumc_ad_as_array(o))) goto done;
        }
    }
    if (!(sleaves = pynumc_ad_flatten(sources, &sdef)) || srcset_build(t, sleaves, &ss) < 0)
        goto done;
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
    res = srcset_unflatten(&ss, g, sdef, &outl);
done:
    pynumc_ad_release_all(targ, nt);
    pynumc_ad_release_all(ogs, nt);
    pynumc_ad_release_all(g, ss.nsrc);
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
    if (pynumc_ad_parse_unconnected(unc, &zero) < 0 || need_tape(t, "jacobian") < 0) return NULL;
    numc_array *tg = pynumc_ad_as_array(target);
    if (!tg) return NULL;
    PyObject *sdef = NULL, *sleaves = NULL, *res = NULL, *outl = NULL;
    numc_array **jac = NULL;
    srcset ss = {0};
    if (!(sleaves = pynumc_ad_flatten(sources, &sdef)) || srcset_build(t, sleaves, &ss) < 0)
        goto done;
    jac = PyMem_Calloc((size_t)ss.nsrc + 1, sizeof *jac);
    if (!jac) {
        PyErr_NoMemory();
        goto done;
    }
    if (pynumc_ad_tape_jacobian(t->tape, tg, (int)ss.nsrc, ss.src, zero, jac) < 0) goto done;
    consume(t);
    res = srcset_unflatten(&ss, jac, sdef, &outl);
done:
    numc_array_release(tg);
    pynumc_ad_release_all(jac, ss.nsrc);
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

int pynumc_init_tape(PyObject *m) {
    pynumc_var_notify = notify_tapes;
    if (PyType_Ready(&Tape_Type) < 0 || PyType_Ready(&StopRec_Type) < 0) return -1;
    return PyModule_AddObjectRef(m, "GradientTape", (PyObject *)&Tape_Type);
}
