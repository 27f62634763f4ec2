/* index.c — ndarray.__getitem__ / __setitem__: translates a Python key
 * (integers, slices, Ellipsis, None, booleans, integer and boolean
 * array-likes) into numc_index items for numc_getitem / numc_setitem, where
 * NumPy's indexing rules, their error messages and the in-place-when-unaliased
 * decision live. Only errors about Python objects that are no index at all
 * are raised here. */
#include "pyops.h"

#include "numc-ext.h"

int pynumc_is_eager(const numc_array *a) {
    return numc_array_is_eager(a);
}

typedef struct {
    int n;
    numc_index it[NUMC_MAX_INDICES];
    numc_array *owned[NUMC_MAX_INDICES]; /* arrays converted from Python objects */
    int nowned;
} pykey;

static void key_free(pykey *k) {
    for (int i = 0; i < k->nowned; i++)
        numc_array_release(k->owned[i]);
}

/* Replaces the pending Python exception by the numc error. */
static void raise_numc_instead(void) {
    PyErr_Clear();
    pynumc_raise();
}

static int bad_index(void) {
    PyErr_SetString(PyExc_IndexError,
                    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                    "integer or boolean arrays are valid indices");
    return -1;
}

/* One slice field as Python's PySlice_Unpack reads it (clamped to int64). */
static int slice_field(PyObject *v, int64_t *out, uint8_t *has) {
    *has = v != Py_None;
    if (!*has) return 0;
    if (!PyIndex_Check(v)) {
        PyErr_SetString(PyExc_TypeError,
                        "slice indices must be integers or None or have an __index__ method");
        return -1;
    }
    Py_ssize_t x = PyNumber_AsSsize_t(v, NULL);
    if (x == -1 && PyErr_Occurred()) return -1;
    *out = x;
    return 0;
}

/* One key entry; k (which owns converted arrays) may be NULL for a slice. */
static int parse_item(PyObject *o, numc_index *it, pykey *k) {
    if (PyLong_CheckExact(o)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_IndexError, "cannot fit 'int' into an index-sized integer");
            return -1;
        }
        it->kind = NUMC_INDEX_INT;
        it->i = v;
        return 0;
    }
    if (PySlice_Check(o)) {
        PySliceObject *s = (PySliceObject *)o;
        it->kind = NUMC_INDEX_SLICE;
        return slice_field(s->start, &it->start, &it->has_start) < 0 ||
                       slice_field(s->stop, &it->stop, &it->has_stop) < 0 ||
                       slice_field(s->step, &it->step, &it->has_step) < 0
                   ? -1
                   : 0;
    }
    if (o == Py_None) {
        it->kind = NUMC_INDEX_NEWAXIS;
        return 0;
    }
    if (o == Py_Ellipsis) {
        it->kind = NUMC_INDEX_ELLIPSIS;
        return 0;
    }
    if (PyBool_Check(o)) {
        it->kind = NUMC_INDEX_BOOL;
        it->i = o == Py_True;
        return 0;
    }
    int is_arraylike =
        NumcArray_Check(o) || PyList_Check(o) || PyTuple_Check(o) || pynumc_is_numpy_object(o);
    if (!is_arraylike) {
        if (PyIndex_Check(o) && !PyFloat_Check(o)) {
            Py_ssize_t v = PyNumber_AsSsize_t(o, PyExc_IndexError);
            if (v == -1 && PyErr_Occurred()) return -1;
            it->kind = NUMC_INDEX_INT;
            it->i = v;
            return 0;
        }
        return bad_index();
    }
    numc_array *a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    if (!a) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            return bad_index();
        }
        return -1;
    }
    if (numc_dtype_kind(numc_array_dtype(a)) == 'f' && numc_array_size(a) == 0 &&
        !NumcArray_Check(o) && (PyList_Check(o) || PyTuple_Check(o))) {
        numc_array *c = numc_astype(a, NUMC_INT64); /* [] indexes like an empty intp array */
        numc_array_release(a);
        if (!c) return pynumc_raise(), -1;
        a = c;
    }
    k->owned[k->nowned++] = a;
    it->kind = NUMC_INDEX_ARRAY;
    it->array = a;
    return 0;
}

/* The key as numc_index items; a key longer than numc accepts is left to
 * numc_getitem/numc_setitem to refuse (they read none of it then). */
static int parse_key(PyObject *key, pykey *k) {
    k->n = 0;
    k->nowned = 0;
    PyObject *const *items = &key;
    Py_ssize_t n = 1;
    if (PyTuple_Check(key)) {
        items = &PyTuple_GET_ITEM(key, 0);
        n = PyTuple_GET_SIZE(key);
    }
    if (n > NUMC_MAX_INDICES) {
        k->n = n > INT_MAX ? INT_MAX : (int)n;
        k->it[0] = (numc_index){0};
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        numc_index *it = &k->it[k->n];
        *it = (numc_index){0};
        if (parse_item(items[i], it, k) < 0) {
            key_free(k);
            return -1;
        }
        k->n++;
    }
    return 0;
}

numc_array *pynumc_getitem(numc_array *a, PyObject *key) {
    /* a[i]: the hot path */
    if (PyLong_CheckExact(key)) {
        int overflow;
        numc_index ix = {.kind = NUMC_INDEX_INT};
        ix.i = PyLong_AsLongLongAndOverflow(key, &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_IndexError, "cannot fit 'int' into an index-sized integer");
            return NULL;
        }
        numc_array *r = numc_getitem(a, 1, &ix);
        if (!r) pynumc_raise();
        return r;
    }
    if (PySlice_Check(key)) { /* a[start:stop:step]: no key to own */
        numc_index ix = {.kind = NUMC_INDEX_SLICE};
        if (parse_item(key, &ix, NULL) < 0) return NULL;
        numc_array *r = numc_getitem(a, 1, &ix);
        if (!r) pynumc_raise();
        return r;
    }
    pykey k;
    if (parse_key(key, &k) < 0) return NULL;
    numc_array *r = numc_getitem(a, k.n, k.it);
    key_free(&k);
    if (!r) pynumc_raise();
    return r;
}

int pynumc_setitem(numc_array **target, PyObject *key, PyObject *value) {
    pykey k;
    if (parse_key(key, &k) < 0) return -1;
    numc_array *v = pynumc_asarray(value, numc_array_dtype(*target));
    if (!v) {
        /* NumPy reports a bad key before a bad value: probe the key */
        numc_array *probe = numc_getitem(*target, k.n, k.it);
        if (probe)
            numc_array_release(probe);
        else
            raise_numc_instead();
    }
    int rc = -1;
    if (v) {
        rc = numc_setitem(target, k.n, k.it, v) == NUMC_OK ? 0 : -1;
        numc_array_release(v);
        if (rc < 0) pynumc_raise();
    }
    key_free(&k);
    return rc;
}

int pynumc_nonzero(numc_array *a, numc_array **out) {
    if (numc_nonzero(a, out) != NUMC_OK) return pynumc_raise(), -1;
    return 0;
}
