/* arrayslots.c — installs what the ndarray type takes from the middle layer:
 * the number protocol and comparisons (operators.c), a[key], a[key] = v,
 * sequence item access and iteration (index.c), and the methods that
 * forward to the spec table (functions.c: a.sum(...) is numc.sum(a, ...)).
 * Registration keeps the type's own files below the layers they use. */
#include "pynumc.h"
#include "pyops.h"

/* ---- methods forwarding to the spec table ---- */

/* method name, spec function name */
#define PYNUMC_SPEC_METHODS(X)                                                                     \
    X(sum, "sum")                                                                                  \
    X(prod, "prod")                                                                                \
    X(max, "max") X(min, "min") X(mean, "mean") X(var, "var") X(std, "std") X(any, "any")          \
        X(all, "all") X(argmax, "argmax") X(argmin, "argmin") X(cumsum, "cumsum")                  \
            X(cumprod, "cumprod") X(ptp, "ptp") X(clip, "clip") X(round, "round")                  \
                X(conj, "conjugate") X(conjugate, "conjugate") X(dot, "dot") X(astype, "astype")   \
                    X(squeeze, "squeeze") X(swapaxes, "swapaxes") X(nonzero, "nonzero")            \
                        X(repeat, "repeat") X(take, "take") X(sort, "_sort_method")                \
                            X(argsort, "argsort") X(diagonal, "diagonal") X(trace, "trace")        \
                                X(searchsorted, "searchsorted") X(compress, "compress")            \
                                    X(choose, "choose") X(cumulative_sum, "cumulative_sum")

#define X(m, s)                                                                                    \
    static int midx_##m = -1;                                                                      \
    static PyObject *meth_##m(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) { \
        return pynumc_call_spec(midx_##m, self, args, n, kw);                                      \
    }
PYNUMC_SPEC_METHODS(X)
#undef X
static PyObject *array_subscript(PyObject *self, PyObject *key) {
    numc_array *r = pynumc_getitem(NumcArray_ARR(self), key);
    if (!r) return NULL;
    return pynumc_wrap(r);
}

static int array_ass_subscript(PyObject *self, PyObject *key, PyObject *value) {
    if (!value) {
        PyErr_SetString(PyExc_ValueError, "cannot delete array elements");
        return -1;
    }
    return pynumc_setitem(&NumcArray_ARR(self), key, value);
}

static PyObject *array_item(PyObject *self, Py_ssize_t i) {
    PyObject *key = PyLong_FromSsize_t(i);
    if (!key) return NULL;
    PyObject *r = array_subscript(self, key);
    Py_DECREF(key);
    return r;
}

/* Iteration walks a snapshot of the value, so rebinding during a loop does
 * not change what the loop sees. */
typedef struct {
    PyObject_HEAD numc_array *arr;
    int64_t i, n;
} IterObject;

static void iter_dealloc(PyObject *self) {
    numc_array_release(((IterObject *)self)->arr);
    PyObject_Free(self);
}

static PyObject *iter_next(PyObject *self) {
    IterObject *it = (IterObject *)self;
    if (it->i >= it->n) return NULL;
    PyObject *key = PyLong_FromLongLong(it->i++);
    if (!key) return NULL;
    numc_array *r = pynumc_getitem(it->arr, key);
    Py_DECREF(key);
    return r ? pynumc_wrap(r) : NULL;
}

static PyObject *iter_length_hint(PyObject *self, PyObject *unused) {
    IterObject *it = (IterObject *)self;
    return PyLong_FromLongLong(it->n - it->i);
}

static PyMethodDef iter_methods[] = {
    {"__length_hint__", iter_length_hint, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Iter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc._numc.ndarray_iterator",
    .tp_basicsize = sizeof(IterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = iter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = iter_next,
    .tp_methods = iter_methods,
};

static PyObject *array_iter(PyObject *self) {
    numc_array *a = NumcArray_ARR(self);
    PYNUMC_TRACER_GUARD(a, "iter", NULL);
    if (numc_array_ndim(a) == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d array");
        return NULL;
    }
    IterObject *it = PyObject_New(IterObject, &Iter_Type);
    if (!it) return NULL;
    it->arr = numc_array_retain(a);
    it->i = 0;
    it->n = numc_array_shape(a)[0];
    return (PyObject *)it;
}

static PyMethodDef spec_methods[] = {
#define X(m, s) {#m, PYNUMC_FN(meth_##m), PYNUMC_FASTKW, NULL},
    PYNUMC_SPEC_METHODS(X)
#undef X
        {NULL, NULL, 0, NULL},
};

static PyMappingMethods array_as_mapping;

int pynumc_init_arrayslots(PyObject *m) {
    /* operators.c owns the number protocol; the conversion dunders are ndarray.c's */
    pynumc_as_number.nb_bool = pynumc_array_dunders.nb_bool;
    pynumc_as_number.nb_int = pynumc_array_dunders.nb_int;
    pynumc_as_number.nb_float = pynumc_array_dunders.nb_float;
    pynumc_as_number.nb_index = pynumc_array_dunders.nb_index;
    NumcArray_Type.tp_as_number = &pynumc_as_number;
    NumcArray_Type.tp_richcompare = pynumc_richcompare;
    array_as_mapping.mp_length = NumcArray_Type.tp_as_sequence->sq_length;
    array_as_mapping.mp_subscript = array_subscript;
    array_as_mapping.mp_ass_subscript = array_ass_subscript;
    NumcArray_Type.tp_as_mapping = &array_as_mapping;
    NumcArray_Type.tp_as_sequence->sq_item = array_item;
    NumcArray_Type.tp_iter = array_iter;
    return PyType_Ready(&Iter_Type);
}

/* Spec methods resolve once the spec table is compiled (functions.c's init)
 * and the type is ready; a row missing from the table drops its method. */
int pynumc_init_spec_methods(void) {
    int k = 0, n = 0; /* compacts the static table in place: n <= k */
#define X(m, s)                                                                                    \
    midx_##m = pynumc_spec_index(s);                                                               \
    if (midx_##m >= 0) spec_methods[n++] = spec_methods[k];                                        \
    k++;
    PYNUMC_SPEC_METHODS(X)
#undef X
    spec_methods[n] = (PyMethodDef){NULL, NULL, 0, NULL};
    return pynumc_array_add_methods(spec_methods);
}
