/* fpstate.c — NumPy's floating-point error state for Python: seterr, geterr,
 * seterrcall, geterrcall and errstate (a context manager and decorator).
 * The modes are numc's per-thread state (numc_seterr); the handler
 * registered here turns a raised flag into NumPy's RuntimeWarning,
 * FloatingPointError, callback call, print or log write. */
#include "pynumc.h"

#include <stdio.h>

static PyObject *errcall_var; /* contextvars.ContextVar("numc.errcall"), default None */

static const char *const mode_names[] = {"ignore", "warn", "raise", "call", "print", "log"};

static PyObject *current_call(void) {
    PyObject *v = NULL;
    if (PyContextVar_Get(errcall_var, Py_None, &v) < 0) return NULL;
    return v;
}

static numc_status fp_handler(numc_fp_mode mode, const char *errtype, const char *op, int status) {
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = 0;
    switch (mode) {
    case NUMC_FPMODE_WARN:
        rc = PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "%s encountered in %s", errtype, op);
        break;
    case NUMC_FPMODE_RAISE:
        PyErr_Format(PyExc_FloatingPointError, "%s encountered in %s", errtype, op);
        rc = -1;
        break;
    case NUMC_FPMODE_PRINT:
        fprintf(stderr, "Warning: %s encountered in %s\n", errtype, op);
        break;
    case NUMC_FPMODE_CALL:
    case NUMC_FPMODE_LOG: {
        PyObject *cb = current_call();
        if (!cb) {
            rc = -1;
            break;
        }
        PyObject *r = NULL;
        if (mode == NUMC_FPMODE_CALL) {
            if (cb == Py_None)
                PyErr_Format(PyExc_NameError,
                             "python callback specified for %s (in  %s) but no function found.",
                             errtype, op);
            else
                r = PyObject_CallFunction(cb, "si", errtype, status);
        } else {
            if (cb == Py_None)
                PyErr_Format(PyExc_NameError,
                             "log specified for %s (in %s) but no object with write method found.",
                             errtype, op);
            else
                r = PyObject_CallMethod(
                    cb, "write", "N",
                    PyUnicode_FromFormat("Warning: %s encountered in %s\n", errtype, op));
        }
        Py_DECREF(cb);
        if (!r) rc = -1;
        Py_XDECREF(r);
        break;
    }
    default:
        break;
    }
    PyGILState_Release(g);
    if (rc < 0) return numc_error_set(NUMC_ERR_RUNTIME, "%s encountered in %s", errtype, op);
    return NUMC_OK;
}

static PyObject *state_dict(const numc_fp_errstate *s) {
    return Py_BuildValue("{s:s,s:s,s:s,s:s}", "divide", mode_names[s->divide], "over",
                         mode_names[s->over], "under", mode_names[s->under], "invalid",
                         mode_names[s->invalid]);
}

static int parse_mode(PyObject *o, numc_fp_mode *m) {
    if (!o || o == Py_None) return 0;
    if (PyUnicode_Check(o))
        for (int i = 0; i < 6; i++)
            if (PyUnicode_CompareWithASCIIString(o, mode_names[i]) == 0) {
                *m = (numc_fp_mode)i;
                return 0;
            }
    PyErr_Format(PyExc_ValueError, "invalid error mode %R", o);
    return -1;
}

/* The state after applying all=/divide=/over=/under=/invalid= to *s. */
static int apply_modes(numc_fp_errstate *s, PyObject *all, PyObject *div, PyObject *over,
                       PyObject *under, PyObject *inv) {
    numc_fp_mode a = NUMC_FPMODE_IGNORE;
    bool has_all = all && all != Py_None;
    if (parse_mode(all, &a) < 0) return -1;
    if (has_all) s->divide = s->over = s->under = s->invalid = a;
    return parse_mode(div, &s->divide) < 0 || parse_mode(over, &s->over) < 0 ||
                   parse_mode(under, &s->under) < 0 || parse_mode(inv, &s->invalid) < 0
               ? -1
               : 0;
}

static PyObject *py_seterr(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"all", "divide", "over", "under", "invalid", NULL};
    PyObject *all = NULL, *div = NULL, *over = NULL, *under = NULL, *inv = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOO:seterr", kwlist, &all, &div, &over, &under,
                                     &inv))
        return NULL;
    numc_fp_errstate old, s;
    numc_geterr(&old);
    s = old;
    if (apply_modes(&s, all, div, over, under, inv) < 0) return NULL;
    numc_seterr(&s);
    return state_dict(&old);
}

static PyObject *py_geterr(PyObject *self, PyObject *unused) {
    numc_fp_errstate s;
    numc_geterr(&s);
    return state_dict(&s);
}

static int check_callable(PyObject *f) {
    if (f == Py_None || PyCallable_Check(f)) return 0;
    PyObject *w = PyObject_GetAttrString(f, "write");
    int ok = w && PyCallable_Check(w);
    Py_XDECREF(w);
    PyErr_Clear();
    if (ok) return 0;
    PyErr_SetString(PyExc_TypeError,
                    "python object must be callable or have a callable write method");
    return -1;
}

static PyObject *py_seterrcall(PyObject *self, PyObject *func) {
    if (check_callable(func) < 0) return NULL;
    PyObject *old = current_call();
    if (!old) return NULL;
    PyObject *tok = PyContextVar_Set(errcall_var, func);
    if (!tok) {
        Py_DECREF(old);
        return NULL;
    }
    Py_DECREF(tok);
    return old;
}

static PyObject *py_geterrcall(PyObject *self, PyObject *unused) {
    return current_call();
}

/* ---- errstate ---- */

typedef struct {
    PyObject_HEAD PyObject *call; /* NULL: unspecified */
    PyObject *all, *divide, *over, *under, *invalid;
    bool entered;
    numc_fp_errstate saved;
    PyObject *token; /* of the call context variable */
} ErrState;

static PyTypeObject ErrState_Type;

static void es_dealloc(ErrState *self) {
    Py_XDECREF(self->call);
    Py_XDECREF(self->all);
    Py_XDECREF(self->divide);
    Py_XDECREF(self->over);
    Py_XDECREF(self->under);
    Py_XDECREF(self->invalid);
    Py_XDECREF(self->token);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *es_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"call", "all", "divide", "over", "under", "invalid", NULL};
    PyObject *call = NULL, *all = NULL, *div = NULL, *over = NULL, *under = NULL, *inv = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOOOO:errstate", kwlist, &call, &all, &div,
                                     &over, &under, &inv))
        return NULL;
    ErrState *e = (ErrState *)tp->tp_alloc(tp, 0);
    if (!e) return NULL;
    e->call = Py_XNewRef(call);
    e->all = Py_XNewRef(all);
    e->divide = Py_XNewRef(div);
    e->over = Py_XNewRef(over);
    e->under = Py_XNewRef(under);
    e->invalid = Py_XNewRef(inv);
    return (PyObject *)e;
}

static int es_enter_state(ErrState *self) {
    if (self->entered) {
        PyErr_SetString(PyExc_TypeError, "Cannot enter `np.errstate` twice.");
        return -1;
    }
    numc_fp_errstate s;
    numc_geterr(&self->saved);
    s = self->saved;
    if (apply_modes(&s, self->all, self->divide, self->over, self->under, self->invalid) < 0)
        return -1;
    if (self->call) {
        if (check_callable(self->call) < 0) return -1;
        PyObject *tok = PyContextVar_Set(errcall_var, self->call);
        if (!tok) return -1;
        Py_XSETREF(self->token, tok);
    }
    numc_seterr(&s);
    self->entered = true;
    return 0;
}

static int es_exit_state(ErrState *self) {
    if (!self->entered) {
        PyErr_SetString(PyExc_ValueError, "errstate: exited without being entered");
        return -1;
    }
    self->entered = false;
    numc_seterr(&self->saved);
    if (self->token) {
        PyObject *tok = self->token;
        self->token = NULL;
        int r = PyContextVar_Reset(errcall_var, tok);
        Py_DECREF(tok);
        if (r < 0) return -1;
    }
    return 0;
}

static PyObject *es_enter(ErrState *self, PyObject *unused) {
    if (es_enter_state(self) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *es_exit(ErrState *self, PyObject *args) {
    if (es_exit_state(self) < 0) return NULL;
    Py_RETURN_FALSE;
}

/* errstate(...)(func): a function running func inside a fresh copy of the
 * errstate (so recursion and threads each enter their own). */
typedef struct {
    PyObject_HEAD ErrState *proto;
    PyObject *func;
    PyObject *dict;
} ErrStateFunc;

static void esf_dealloc(ErrStateFunc *self) {
    Py_XDECREF(self->proto);
    Py_XDECREF(self->func);
    Py_XDECREF(self->dict);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *esf_call(ErrStateFunc *self, PyObject *args, PyObject *kw) {
    ErrState *p = self->proto;
    ErrState *e = (ErrState *)ErrState_Type.tp_alloc(&ErrState_Type, 0);
    if (!e) return NULL;
    e->call = Py_XNewRef(p->call);
    e->all = Py_XNewRef(p->all);
    e->divide = Py_XNewRef(p->divide);
    e->over = Py_XNewRef(p->over);
    e->under = Py_XNewRef(p->under);
    e->invalid = Py_XNewRef(p->invalid);
    PyObject *r = NULL;
    if (es_enter_state(e) == 0) {
        r = PyObject_Call(self->func, args, kw);
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        if (es_exit_state(e) < 0) {
            Py_CLEAR(r);
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(tb);
        } else {
            PyErr_Restore(et, ev, tb);
        }
    }
    Py_DECREF(e);
    return r;
}

static PyObject *esf_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (!obj || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyObject *esf_getattro(ErrStateFunc *self, PyObject *name) {
    PyObject *r = PyObject_GenericGetAttr((PyObject *)self, name);
    if (r || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
    PyErr_Clear();
    return PyObject_GetAttr(self->func, name); /* __name__, __doc__, ... as functools.wraps */
}

static PyTypeObject ErrStateFunc_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._errstate_function",
    .tp_basicsize = sizeof(ErrStateFunc),
    .tp_dealloc = (destructor)esf_dealloc,
    .tp_call = (ternaryfunc)esf_call,
    .tp_descr_get = esf_get,
    .tp_getattro = (getattrofunc)esf_getattro,
    .tp_dictoffset = offsetof(ErrStateFunc, dict),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A function decorated with numc.errstate(...).",
};

static PyObject *es_call(ErrState *self, PyObject *args, PyObject *kw) {
    PyObject *func;
    if (kw && PyDict_GET_SIZE(kw)) {
        PyErr_SetString(PyExc_TypeError, "errstate(...) decorates one function");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O:errstate", &func)) return NULL;
    ErrStateFunc *f = PyObject_New(ErrStateFunc, &ErrStateFunc_Type);
    if (!f) return NULL;
    f->proto = (ErrState *)Py_NewRef(self);
    f->func = Py_NewRef(func);
    f->dict = PyDict_New();
    if (!f->dict || PyDict_SetItemString(f->dict, "__wrapped__", func) < 0) {
        Py_DECREF(f);
        return NULL;
    }
    /* functools.wraps: the decorated function's name and doc */
    static const char *const attrs[] = {"__module__", "__name__", "__qualname__", "__doc__"};
    for (int i = 0; i < 4; i++) {
        PyObject *v = PyObject_GetAttrString(func, attrs[i]);
        if (!v) {
            PyErr_Clear();
            continue;
        }
        int r = PyDict_SetItemString(f->dict, attrs[i], v);
        Py_DECREF(v);
        if (r < 0) {
            Py_DECREF(f);
            return NULL;
        }
    }
    return (PyObject *)f;
}

static PyMethodDef es_methods[] = {
    {"__enter__", (PyCFunction)es_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)es_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ErrState_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.errstate",
    .tp_basicsize = sizeof(ErrState),
    .tp_dealloc = (destructor)es_dealloc,
    .tp_call = (ternaryfunc)es_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "errstate(*, call=..., all=None, divide=None, over=None, under=None, invalid=None): "
              "floating-point error handling for a `with` block or a decorated function.",
    .tp_methods = es_methods,
    .tp_new = es_new,
};

static PyMethodDef fpstate_methods[] = {
    {"seterr", PYNUMC_FN(py_seterr), METH_VARARGS | METH_KEYWORDS,
     "seterr(all=None, divide=None, over=None, under=None, invalid=None): set the "
     "floating-point error handling; returns the old settings."},
    {"geterr", py_geterr, METH_NOARGS, "geterr(): the current floating-point error handling."},
    {"seterrcall", py_seterrcall, METH_O,
     "seterrcall(func): the callback (or object with .write) for 'call'/'log' modes."},
    {"geterrcall", py_geterrcall, METH_NOARGS, "geterrcall(): the current error callback."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_fpstate(PyObject *m) {
    errcall_var = PyContextVar_New("numc.errcall", NULL);
    if (!errcall_var || PyType_Ready(&ErrState_Type) < 0 || PyType_Ready(&ErrStateFunc_Type) < 0)
        return -1;
    if (PyModule_AddObjectRef(m, "errstate", (PyObject *)&ErrState_Type) < 0) return -1;
    numc_set_fp_handler(fp_handler);
    return PyModule_AddFunctions(m, fpstate_methods);
}
