/* variable.c — numc.Variable: TF's mutable, automatically watched ndarray
 * subclass, and the live registry numc.function reads (see autodiff.h).
 * Tapes are above: tape.c installs pynumc_var_notify, through which an
 * assign or a creation reaches the active tapes. */
#include "autodiff.h"

VarObject *pynumc_var_head;
int (*pynumc_var_notify)(VarObject *var, int created);

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
    numc_array *c = numc_stop_gradient(a); /* a Variable starts as its own leaf */
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
    v->next = pynumc_var_head;
    if (pynumc_var_head) pynumc_var_head->prev = v;
    pynumc_var_head = v;
    if (!v->name || pynumc_var_notify(v, 1) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    return (PyObject *)v;
}

static void var_dealloc(PyObject *self) {
    VarObject *v = (VarObject *)self;
    if (v->prev)
        v->prev->next = v->next;
    else if (pynumc_var_head == v)
        pynumc_var_head = v->next;
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
    if (v->validate_shape && (numc_array_ndim(r) != numc_array_ndim(old) ||
                              memcmp(numc_array_shape(r), numc_array_shape(old),
                                     sizeof(int64_t) * (size_t)numc_array_ndim(old)))) {
        numc_array *b = numc_broadcast_to(r, numc_array_ndim(old), numc_array_shape(old));
        if (!b) {
            char s1[NUMC_MAX_DIMS * 24], s2[NUMC_MAX_DIMS * 24];
            pynumc_ad_shape_repr(old, s1, sizeof s1);
            pynumc_ad_shape_repr(r, s2, sizeof s2);
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
    numc_array *c = numc_stop_gradient(r);
    numc_array_release(r);
    if (!c) return pynumc_raise(), -1;
    v->base.arr = c;
    numc_array_release(old);
    return pynumc_var_notify(v, 0);
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
    } else if (numc_array_is_weak(x)) {
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
    for (VarObject *v = pynumc_var_head; r && v; v = v->next)
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
    char *s = numc_array_ndim(a) == 0 ? numc_array_str(a) : numc_array_repr(a);
    if (!s) return pynumc_raise();
    char sh[NUMC_MAX_DIMS * 24];
    pynumc_ad_shape_repr(a, sh, sizeof sh);
    PyObject *r = PyUnicode_FromFormat("<numc.Variable '%U' shape=%s dtype=%s, numpy=%s>", v->name,
                                       sh, numc_dtype_name(numc_array_dtype(a)), s);
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

static PyMethodDef var_methods[] = {
    {"assign", PYNUMC_FN(var_assign), PYNUMC_FASTKW,
     "assign(value, read_value=True): rebinds the Variable (not differentiable); returns it."},
    {"assign_add", PYNUMC_FN(var_assign_add), PYNUMC_FASTKW,
     "assign_add(delta): assign(self + delta)."},
    {"assign_sub", PYNUMC_FN(var_assign_sub), PYNUMC_FASTKW,
     "assign_sub(delta): assign(self - delta)."},
    {"value", var_value, METH_NOARGS, "The current value, as an ndarray."},
    {"read_value", var_value, METH_NOARGS, "The current value, as an ndarray."},
    {"numpy", var_numpy, METH_NOARGS, "A NumPy copy of the current value."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject pynumc_Var_Type = {
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

static PyMethodDef variable_functions[] = {
    {"_live_variables", py_live_variables, METH_NOARGS,
     "_live_variables(): the live Variable objects, newest first (numc.function reads and "
     "updates them)."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_variable(PyObject *m) {
    pynumc_Var_Type.tp_base = &NumcArray_Type;
    if (PyType_Ready(&pynumc_Var_Type) < 0 ||
        PyModule_AddObjectRef(m, "Variable", (PyObject *)&pynumc_Var_Type) < 0)
        return -1;
    return PyModule_AddFunctions(m, variable_functions);
}
