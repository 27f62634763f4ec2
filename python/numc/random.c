/* random.c — the numc.random submodule: RandomState's legacy functions on a
 * module-level MT19937 (seed, get_state/set_state with NumPy's tuples) and
 * Generator on PCG64 (default_rng). Argument parsing, NumPy's argument errors
 * and wrapping only; the streams and transforms are src/np/random.c. Middle
 * layer: it uses the bottom layer (conversion, the handle) and nothing above. */
#include "pynumc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static numc_rng *legacy_rng; /* the global RandomState */
#define LEG numc_rng_bitgen(legacy_rng)

typedef struct {
    PyObject_HEAD numc_rng *r;
} GeneratorObject;

static PyTypeObject Generator_Type;

/* ---- arguments ---- */

/* size= : None (a scalar result) or an int / tuple shape; returns 0/-1 */
typedef struct {
    int ndim;
    int64_t shape[NUMC_MAX_DIMS];
    bool scalar;
} size_arg;

static int parse_size(PyObject *size, size_arg *out) {
    out->scalar = size == NULL || size == Py_None;
    out->ndim = 0;
    if (out->scalar) return 0;
    if (pynumc_parse_shape(size, out->shape, &out->ndim) < 0) return -1;
    for (int i = 0; i < out->ndim; i++)
        if (out->shape[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "negative dimensions are not allowed");
            return -1;
        }
    return 0;
}

static int64_t size_count(const size_arg *s) {
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= s->shape[i];
    return n;
}

/* a draw of shape s: an array, or for size=None the Python scalar */
static PyObject *result(numc_array *a, const size_arg *s) {
    if (!a) return pynumc_raise();
    /* a traced draw (numc.function, vmap) stays an array */
    if (!s->scalar || !numc_array_is_concrete(a)) return pynumc_wrap(a);
    PyObject *r = pynumc_item(a, 0);
    numc_array_release(a);
    return r;
}

static int parse_double(PyObject *o, double dflt, double *out) {
    if (!o) {
        *out = dflt;
        return 0;
    }
    if (!PyFloat_Check(o) && !PyLong_Check(o) && !PyIndex_Check(o) &&
        !(NumcArray_Check(o) && numc_array_ndim(NumcArray_ARR(o)) == 0) &&
        !(pynumc_is_numpy_object(o) && PyNumber_Check(o) &&
          !PyObject_HasAttrString(o, "__len__"))) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "numc.random: array-valued distribution parameters are not supported");
        return -1;
    }
    *out = PyFloat_AsDouble(o);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* a seed or entropy as 32-bit words, little-endian, as NumPy splits ints */
static int int_words(PyObject *v, uint32_t **words, int64_t *n, int64_t *cap) {
    PyObject *x = PyNumber_Index(v);
    if (!x) return -1;
    PyObject *zero = PyLong_FromLong(0);
    int neg = zero ? PyObject_RichCompareBool(x, zero, Py_LT) : -1;
    Py_XDECREF(zero);
    if (neg) {
        Py_DECREF(x);
        if (neg < 0) return -1;
        PyErr_SetString(PyExc_ValueError, "expected non-negative integer");
        return -1;
    }
    PyObject *mask = PyLong_FromUnsignedLong(0xffffffffu), *sh = PyLong_FromLong(32);
    int rc = 0;
    do {
        PyObject *lo = PyNumber_And(x, mask);
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 8;
            uint32_t *w = realloc(*words, (size_t)*cap * sizeof(uint32_t));
            if (!w) {
                Py_XDECREF(lo);
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            *words = w;
        }
        if (!lo) {
            rc = -1;
            break;
        }
        (*words)[(*n)++] = (uint32_t)PyLong_AsUnsignedLong(lo);
        Py_DECREF(lo);
        PyObject *next = PyNumber_Rshift(x, sh);
        Py_DECREF(x);
        x = next;
        if (!x) {
            rc = -1;
            break;
        }
    } while (PyObject_IsTrue(x));
    Py_XDECREF(x);
    Py_DECREF(mask);
    Py_DECREF(sh);
    return rc;
}

/* OS entropy (4 words), as SeedSequence(None) and RandomState() take it */
static void os_entropy(uint32_t w[4]) {
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(w, sizeof(uint32_t), 4, f) != 4) {
        w[0] = (uint32_t)time(NULL);
        w[1] = (uint32_t)getpid();
        w[2] = (uint32_t)clock();
        w[3] = (uint32_t)(uintptr_t)w;
    }
    if (f) fclose(f);
}

/* ---- shared draws (the bit generator is the legacy one or a Generator's) ---- */

static PyObject *draw_random(numc_rng *g, PyObject *size, numc_dtype dt) {
    size_arg s;
    if (parse_size(size, &s) < 0) return NULL;
    return result(numc_rng_random(g, dt, s.ndim, s.shape), &s);
}

static PyObject *draw_uniform(numc_rng *g, PyObject *lo, PyObject *hi, PyObject *size) {
    double low, high;
    size_arg s;
    if (parse_double(lo, 0.0, &low) < 0 || parse_double(hi, 1.0, &high) < 0 ||
        parse_size(size, &s) < 0)
        return NULL;
    return result(numc_rng_uniform(g, low, high, s.ndim, s.shape), &s);
}

/* NumPy's bounded integers: the Python-int bounds checked against the dtype,
 * then off = low and rng = high - low handed to the C fill */
static PyObject *draw_integers(numc_rng *g, PyObject *low, PyObject *high, PyObject *size,
                               PyObject *dtype, bool closed, bool masked, const char *what) {
    numc_dtype dt = NUMC_INT64;
    if (dtype && dtype != Py_None && pynumc_parse_dtype(dtype, &dt) < 0) return NULL;
    if (dt == NUMC_DTYPE_NONE) dt = NUMC_INT64;
    numc_iinfo_t info = {0};
    if (dt == NUMC_BOOL) {
        info.min = 0;
        info.max = 1;
    } else if (numc_iinfo(dt, &info) != NUMC_OK) {
        numc_error_clear();
        PyErr_Format(PyExc_TypeError, "Unsupported dtype %s for %s", pynumc_dtype_repr(dt), what);
        return NULL;
    }
    size_arg s;
    if (parse_size(size, &s) < 0) return NULL;
    if (!high || high == Py_None) {
        high = low;
        low = NULL;
    }
    if (!s.scalar && size_count(&s) == 0)
        return pynumc_wrap(numc_array_from_data(dt, s.ndim, s.shape, NULL));
    for (int k = 0; k < 2; k++) {
        PyObject *o = k ? high : low;
        if (o && (PySequence_Check(o) ||
                  (NumcArray_Check(o) && numc_array_ndim(NumcArray_ARR(o)) > 0))) {
            PyErr_Format(PyExc_NotImplementedError,
                         "numc.random.%s: array-valued low/high are not supported", what);
            return NULL;
        }
    }
    PyObject *lo = low ? PyNumber_Long(low) : PyLong_FromLong(0);
    PyObject *hi = lo ? PyNumber_Long(high) : NULL;
    PyObject *one = PyLong_FromLong(1), *lob = PyLong_FromLongLong(info.min),
             *hib = PyLong_FromUnsignedLongLong(info.max);
    PyObject *ret = NULL, *rng = NULL;
    if (!hi) goto done;
    if (!closed) {
        PyObject *t = PyNumber_Subtract(hi, one);
        Py_SETREF(hi, t);
        if (!hi) goto done;
    }
    const char *name = dt == NUMC_BOOL ? "bool" : numc_dtype_name(dt);
    if (PyObject_RichCompareBool(lo, lob, Py_LT)) {
        PyErr_Format(PyExc_ValueError, "low is out of bounds for %s", name);
        goto done;
    }
    if (PyObject_RichCompareBool(hi, hib, Py_GT)) {
        PyErr_Format(PyExc_ValueError, "high is out of bounds for %s", name);
        goto done;
    }
    if (PyObject_RichCompareBool(lo, hi, Py_GT)) {
        PyErr_SetString(PyExc_ValueError, closed ? "low > high" : "low >= high");
        goto done;
    }
    rng = PyNumber_Subtract(hi, lo);
    if (!rng) goto done;
    uint64_t off = PyLong_AsUnsignedLongLongMask(lo), r = PyLong_AsUnsignedLongLongMask(rng);
    ret = result(numc_rng_bounded(g, dt, off, r, masked, s.ndim, s.shape), &s);
done:
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    Py_XDECREF(rng);
    Py_DECREF(one);
    Py_DECREF(lob);
    Py_DECREF(hib);
    return ret;
}

/* an int-like x (not an array): *n set, 1; otherwise 0 */
static int as_count(PyObject *x, int64_t *n) {
    if (PyBool_Check(x) || PyFloat_Check(x) || !PyIndex_Check(x)) return 0;
    if (NumcArray_Check(x) && numc_array_ndim(NumcArray_ARR(x)) > 0) return 0;
    if (pynumc_is_numpy_object(x) && PyObject_HasAttrString(x, "__len__")) return 0;
    return pynumc_parse_int(x, n) < 0 ? -1 : 1;
}

static PyObject *draw_permutation(numc_bitgen *g, PyObject *x) {
    if (numc_rng_require_eager("permutation") != NUMC_OK) return pynumc_raise();
    int64_t n;
    int c = as_count(x, &n);
    if (c < 0) return NULL;
    if (c) return pynumc_wrap(numc_random_permutation_index(g, n < 0 ? 0 : n));
    numc_array *a = pynumc_asarray(x, NUMC_DTYPE_NONE);
    if (!a) return NULL;
    if (numc_array_ndim(a) == 0) {
        numc_array_release(a);
        PyErr_SetString(PyExc_IndexError, "x must be an integer or at least 1-dimensional");
        return NULL;
    }
    numc_array *p = numc_random_permutation_index(g, numc_array_shape(a)[0]);
    int64_t axis = 0;
    numc_array *r = p ? numc_take(a, p, &axis) : NULL;
    numc_array_release(a);
    if (p) numc_array_release(p);
    return pynumc_wrap(r);
}

/* In place: a numc array's handle is rebound to the shuffled value (as index
 * assignment does); a list is permuted element by element. */
static PyObject *draw_shuffle(numc_bitgen *g, PyObject *x) {
    if (numc_rng_require_eager("shuffle") != NUMC_OK) return pynumc_raise();
    if (NumcArray_Check(x)) {
        numc_array *a = NumcArray_ARR(x);
        if (numc_array_ndim(a) == 0) {
            PyErr_SetString(PyExc_TypeError, "len() of unsized object");
            return NULL;
        }
        numc_array *p = numc_random_permutation_index(g, numc_array_shape(a)[0]);
        int64_t axis = 0;
        numc_array *r = p ? numc_take(a, p, &axis) : NULL;
        if (p) numc_array_release(p);
        if (!r) return pynumc_raise();
        NumcArray_ARR(x) = r;
        numc_array_release(a);
        Py_RETURN_NONE;
    }
    if (!PyList_Check(x)) {
        PyErr_SetString(PyExc_TypeError, "numc.random.shuffle: x must be a numc array or a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(x);
    numc_array *p = numc_random_permutation_index(g, n);
    if (!p) return pynumc_raise();
    const int64_t *idx = numc_array_data(p);
    PyObject *old = PyList_GetSlice(x, 0, n);
    if (old) {
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *v = PyList_GET_ITEM(old, idx[i]);
            Py_INCREF(v);
            PyList_SetItem(x, i, v);
        }
        Py_DECREF(old);
    }
    numc_array_release(p);
    if (!old) return NULL;
    Py_RETURN_NONE;
}

/* RandomState.choice (gen false) and Generator.choice (axis 0): the same
 * steps, with Generator's draws and wording */
static PyObject *draw_choice(numc_bitgen *g, bool gen, PyObject *a, PyObject *size, int replace,
                             PyObject *p, bool shuffle) {
    if (numc_rng_require_eager("choice") != NUMC_OK) return pynumc_raise();
    size_arg s;
    if (parse_size(size, &s) < 0) return NULL;
    int64_t count = s.scalar ? 1 : size_count(&s), pop;
    numc_array *arr = NULL, *idx = NULL;
    double *pv = NULL;
    PyObject *ret = NULL;
    int c = as_count(a, &pop);
    if (c < 0) return NULL;
    if (c) {
        if (pop <= 0 && count != 0) {
            PyErr_Format(PyExc_ValueError, "a must be %s unless no samples are taken",
                         gen ? "a positive integer" : "greater than 0");
            return NULL;
        }
    } else {
        if (gen && PyFloat_Check(a)) {
            PyErr_Format(PyExc_ValueError, "a must be a sequence or an integer, not %R",
                         (PyObject *)Py_TYPE(a));
            return NULL;
        }
        arr = pynumc_asarray(a, NUMC_DTYPE_NONE);
        if (!arr) return NULL;
        int nd = numc_array_ndim(arr);
        if (nd == 0 || (!gen && nd != 1)) {
            PyErr_SetString(PyExc_ValueError, nd == 0 ? "a must be 1-dimensional or an integer"
                                                      : "a must be 1-dimensional");
            goto done;
        }
        pop = numc_array_shape(arr)[0];
        if (pop == 0 && count != 0) {
            PyErr_Format(PyExc_ValueError, "%s cannot be empty unless no samples are taken",
                         gen ? "a" : "'a'");
            goto done;
        }
    }
    if (p && p != Py_None) {
        numc_array *pa = pynumc_asarray(p, NUMC_FLOAT64);
        if (!pa) goto done;
        int pnd = numc_array_ndim(pa);
        int64_t pn = numc_array_size(pa);
        pv = pnd == 1 ? pynumc_host_copy(pa) : NULL;
        numc_array_release(pa);
        if (pnd != 1) {
            PyErr_Format(PyExc_ValueError, "%s must be 1-dimensional", gen ? "p" : "'p'");
            goto done;
        }
        if (!pv) goto done;
        if (numc_random_check_p(g, pv, pn, pop) != NUMC_OK) {
            pynumc_raise();
            goto done;
        }
        if (!replace && count > pop) {
            PyErr_Format(PyExc_ValueError, "Cannot take a larger sample than population when %s",
                         gen ? "replace is False" : "'replace=False'");
            goto done;
        }
        idx = replace ? numc_random_choice_cdf(g, pv, pn, s.ndim, s.shape)
                      : numc_random_choice_unique(g, pv, pn, s.ndim, s.shape);
    } else if (replace) {
        idx = numc_random_bounded(g, NUMC_INT64, 0, (uint64_t)pop - 1, !gen, s.ndim, s.shape);
    } else {
        if (count > pop) {
            PyErr_Format(PyExc_ValueError, "Cannot take a larger sample than population when %s",
                         gen ? "replace is False" : "'replace=False'");
            goto done;
        }
        numc_array *perm = gen ? numc_random_sample_indices(g, pop, count, shuffle)
                               : numc_random_permutation_index(g, pop);
        if (perm) {
            idx = numc_array_from_data(NUMC_INT64, s.ndim, s.shape, numc_array_data(perm));
            numc_array_release(perm);
        }
    }
    if (!idx) {
        pynumc_raise();
        goto done;
    }
    if (arr) {
        int64_t axis = 0;
        bool rows = numc_array_ndim(arr) > 1;
        numc_array *r = numc_take(arr, idx, &axis);
        numc_array_release(idx);
        idx = r;
        if (!idx) {
            pynumc_raise();
            goto done;
        }
        if (rows && s.scalar) { /* one row of a 2-d or higher a */
            ret = pynumc_wrap(idx);
            idx = NULL;
            goto done;
        }
    }
    ret = result(idx, &s);
    idx = NULL;
done:
    free(pv);
    if (arr) numc_array_release(arr);
    if (idx) numc_array_release(idx);
    return ret;
}

/* ---- the legacy module functions ---- */

static PyObject *py_seed(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"seed", NULL};
    PyObject *seed = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:seed", kwlist, &seed)) return NULL;
    if (seed == Py_None) {
        uint32_t w[4];
        os_entropy(w);
        numc_mt19937_seed_array(LEG, w, 4);
        Py_RETURN_NONE;
    }
    int64_t v;
    int c = PyBool_Check(seed) ? (v = seed == Py_True, 1) : as_count(seed, &v);
    numc_array *a = NULL;
    if (c == 0) { /* a 0-d integer array seeds as its value (NumPy squeezes) */
        a = pynumc_asarray(seed, NUMC_DTYPE_NONE);
        if (!a) return NULL;
        numc_dtype adt = numc_array_dtype(a);
        if (numc_array_ndim(a) == 0 && adt >= NUMC_BOOL && adt <= NUMC_UINT64) {
            PyObject *item = pynumc_item(a, 0);
            numc_array_release(a);
            a = NULL;
            if (!item) return NULL;
            c = pynumc_parse_int(item, &v) < 0 ? -1 : 1;
            Py_DECREF(item);
        }
    }
    if (c < 0) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return NULL;
        PyErr_Clear();
        v = -1;
        c = 1;
    }
    if (c) {
        if (v < 0 || v > 0xffffffffll) {
            PyErr_SetString(PyExc_ValueError, "Seed must be between 0 and 2**32 - 1");
            return NULL;
        }
        numc_mt19937_seed(LEG, (uint32_t)v);
        Py_RETURN_NONE;
    }
    PyObject *ret = NULL;
    int64_t n = numc_array_size(a);
    numc_dtype dt = numc_array_dtype(a);
    int64_t *k = NULL;
    uint32_t *w = NULL;
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "Seed must be non-empty");
    } else if (dt != NUMC_BOOL && !(dt >= NUMC_INT8 && dt <= NUMC_UINT32) && dt != NUMC_INT64) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot cast array data from %s to dtype('int64') according to the rule "
                     "'safe'",
                     pynumc_dtype_repr(dt));
    } else if (numc_array_ndim(a) != 1) {
        PyErr_SetString(PyExc_ValueError, "Seed array must be 1-d");
    } else {
        numc_array *c64 = numc_astype(a, NUMC_INT64);
        k = c64 ? pynumc_host_copy(c64) : NULL;
        if (c64) numc_array_release(c64);
        w = k ? malloc((size_t)n * sizeof(uint32_t)) : NULL;
        if (!c64)
            pynumc_raise();
        else if (k && !w)
            PyErr_NoMemory();
        for (int64_t i = 0; w && i < n; i++) {
            if (k[i] < 0 || k[i] > 0xffffffffll) {
                PyErr_SetString(PyExc_ValueError, "Seed must be between 0 and 2**32 - 1");
                break;
            }
            w[i] = (uint32_t)k[i];
        }
        if (w && !PyErr_Occurred()) {
            numc_mt19937_seed_array(LEG, w, n);
            ret = Py_NewRef(Py_None);
        }
    }
    free(k);
    free(w);
    numc_array_release(a);
    return ret;
}

static PyObject *py_get_state(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"legacy", NULL};
    int as_tuple = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:get_state", kwlist, &as_tuple)) return NULL;
    int64_t n = 624;
    PyObject *key = pynumc_wrap(numc_array_from_data(NUMC_UINT32, 1, &n, LEG->mt));
    if (!key) return NULL;
    if (as_tuple)
        return Py_BuildValue("(sNiid)", "MT19937", key, LEG->mt_pos, LEG->has_gauss,
                             LEG->gauss);
    return Py_BuildValue("{s:s,s:{s:N,s:i},s:i,s:d}", "bit_generator", "MT19937", "state", "key",
                         key, "pos", LEG->mt_pos, "has_gauss", LEG->has_gauss, "gauss",
                         LEG->gauss);
}

static PyObject *py_set_state(PyObject *self, PyObject *state) {
    PyObject *name, *key, *pos, *has_gauss = NULL, *gauss = NULL;
    if (PyDict_Check(state)) {
        name = PyDict_GetItemString(state, "bit_generator");
        PyObject *st = PyDict_GetItemString(state, "state");
        key = st && PyDict_Check(st) ? PyDict_GetItemString(st, "key") : NULL;
        pos = st && PyDict_Check(st) ? PyDict_GetItemString(st, "pos") : NULL;
        has_gauss = PyDict_GetItemString(state, "has_gauss");
        gauss = PyDict_GetItemString(state, "gauss");
        if (!name || !key || !pos) {
            PyErr_SetString(PyExc_ValueError, "state dictionary is not valid.");
            return NULL;
        }
    } else if (PyTuple_Check(state) || PyList_Check(state)) {
        Py_ssize_t n = PySequence_Size(state);
        if (n < 1) {
            PyErr_SetString(PyExc_IndexError, "tuple index out of range");
            return NULL;
        }
        name = PySequence_Fast_GET_ITEM(state, 0);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, "MT19937")) {
            PyErr_SetString(PyExc_ValueError,
                            "set_state can only be used with legacy MT19937 state instances.");
            return NULL;
        }
        if (n < 3 || n == 4) {
            PyErr_SetString(PyExc_IndexError, "tuple index out of range");
            return NULL;
        }
        key = PySequence_Fast_GET_ITEM(state, 1);
        pos = PySequence_Fast_GET_ITEM(state, 2);
        if (n > 3) {
            has_gauss = PySequence_Fast_GET_ITEM(state, 3);
            gauss = PySequence_Fast_GET_ITEM(state, 4);
        }
    } else {
        PyErr_SetString(PyExc_TypeError, "state must be a dict or a tuple.");
        return NULL;
    }
    if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, "MT19937")) {
        PyErr_SetString(PyExc_ValueError, "state must be for a MT19937 PRNG");
        return NULL;
    }
    numc_array *k = pynumc_asarray(key, NUMC_UINT32);
    if (!k) return NULL;
    if (numc_array_ndim(k) != 1 || numc_array_size(k) != 624) {
        numc_array_release(k);
        PyErr_SetString(PyExc_ValueError, "state must be 624 32-bit integers");
        return NULL;
    }
    uint32_t *kv = pynumc_host_copy(k);
    numc_array_release(k);
    if (!kv) return NULL;
    int64_t p, hg = 0;
    double gv = 0.0;
    if (pynumc_parse_int(pos, &p) < 0 || (has_gauss && pynumc_parse_int(has_gauss, &hg) < 0) ||
        (gauss && parse_double(gauss, 0.0, &gv) < 0)) {
        free(kv);
        return NULL;
    }
    LEG->kind = NUMC_BITGEN_MT19937;
    memcpy(LEG->mt, kv, sizeof LEG->mt);
    free(kv);
    LEG->mt_pos = (int)p;
    LEG->has_gauss = (int)hg;
    LEG->gauss = gv;
    Py_RETURN_NONE;
}

static PyObject *py_random_sample(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"size", NULL};
    PyObject *size = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:random_sample", kwlist, &size)) return NULL;
    return draw_random(legacy_rng, size, NUMC_FLOAT64);
}

/* rand(d0, d1, ...) and randn(...): dimensions as arguments */
static PyObject *dims_size(PyObject *args) {
    return PyTuple_GET_SIZE(args) ? Py_NewRef(args) : Py_NewRef(Py_None);
}

static PyObject *py_rand(PyObject *self, PyObject *args) {
    PyObject *size = dims_size(args);
    PyObject *r = draw_random(legacy_rng, size, NUMC_FLOAT64);
    Py_DECREF(size);
    return r;
}

static PyObject *draw_dist(numc_rng *g, numc_random_dist d, PyObject *args, PyObject *kw,
                           bool gen);

static PyObject *py_uniform(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"low", "high", "size", NULL};
    PyObject *lo = NULL, *hi = NULL, *size = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO:uniform", kwlist, &lo, &hi, &size))
        return NULL;
    return draw_uniform(legacy_rng, lo, hi, size);
}

static PyObject *py_randn(PyObject *self, PyObject *args) {
    if (!PyTuple_GET_SIZE(args))
        return draw_dist(legacy_rng, NUMC_RANDOM_STANDARD_NORMAL, NULL, NULL, false);
    PyObject *a = PyTuple_Pack(1, args);
    PyObject *r = a ? draw_dist(legacy_rng, NUMC_RANDOM_STANDARD_NORMAL, a, NULL, false) : NULL;
    Py_XDECREF(a);
    return r;
}

static PyObject *py_randint(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"low", "high", "size", "dtype", NULL};
    PyObject *lo, *hi = Py_None, *size = Py_None, *dtype = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO:randint", kwlist, &lo, &hi, &size, &dtype))
        return NULL;
    return draw_integers(legacy_rng, lo, hi, size, dtype, false, true, "randint");
}

static PyObject *py_choice(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "size", "replace", "p", NULL};
    PyObject *a, *size = Py_None, *p = Py_None;
    int replace = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OpO:choice", kwlist, &a, &size, &replace, &p))
        return NULL;
    return draw_choice(LEG, false, a, size, replace, p, true);
}

static PyObject *py_permutation(PyObject *self, PyObject *x) {
    return draw_permutation(LEG, x);
}
static PyObject *py_shuffle(PyObject *self, PyObject *x) {
    return draw_shuffle(LEG, x);
}

/* ---- Generator (PCG64) ---- */

static PyObject *py_default_rng(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"seed", NULL};
    PyObject *seed = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:default_rng", kwlist, &seed)) return NULL;
    if (PyObject_TypeCheck(seed, &Generator_Type)) return Py_NewRef(seed);
    uint32_t *w = NULL;
    int64_t n = 0, cap = 0;
    if (seed == Py_None) {
        cap = n = 4;
        w = malloc(4 * sizeof(uint32_t));
        if (!w) return PyErr_NoMemory();
        os_entropy(w);
    } else if (PyLong_Check(seed) || (PyIndex_Check(seed) && !PySequence_Check(seed))) {
        if (int_words(seed, &w, &n, &cap) < 0) goto fail;
    } else if (PySequence_Check(seed) && !PyUnicode_Check(seed)) {
        PyObject *seq = PySequence_Fast(seed, "seed must be a sequence of integers");
        if (!seq) goto fail;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++)
            if (int_words(PySequence_Fast_GET_ITEM(seq, i), &w, &n, &cap) < 0) {
                Py_DECREF(seq);
                goto fail;
            }
        Py_DECREF(seq);
    } else {
        PyErr_SetString(PyExc_TypeError, "SeedSequence expects int or sequence of ints for "
                                         "entropy not ");
        goto fail;
    }
    numc_rng *rng = numc_rng_new();
    if (!rng) {
        pynumc_raise();
        goto fail;
    }
    GeneratorObject *g = PyObject_New(GeneratorObject, &Generator_Type);
    if (!g) {
        numc_rng_release(rng);
        goto fail;
    }
    g->r = rng;
    numc_pcg64_seed(numc_rng_bitgen(rng), w, n);
    free(w);
    return (PyObject *)g;
fail:
    free(w);
    return NULL;
}

#define RNG(o) (((GeneratorObject *)(o))->r)
#define GEN(o) numc_rng_bitgen(RNG(o))

static PyObject *gen_random(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"size", "dtype", "out", NULL};
    PyObject *size = Py_None, *dtype = Py_None, *out = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO:random", kwlist, &size, &dtype, &out))
        return NULL;
    numc_dtype dt = NUMC_FLOAT64;
    if (dtype != Py_None && pynumc_parse_dtype(dtype, &dt) < 0) return NULL;
    if (out != Py_None) {
        PyErr_SetString(PyExc_NotImplementedError, "Generator.random: out= is not supported");
        return NULL;
    }
    return draw_random(RNG(self), size, dt);
}

static PyObject *gen_integers(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"low", "high", "size", "dtype", "endpoint", NULL};
    PyObject *lo, *hi = Py_None, *size = Py_None, *dtype = NULL;
    int endpoint = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOp:integers", kwlist, &lo, &hi, &size, &dtype,
                                     &endpoint))
        return NULL;
    return draw_integers(RNG(self), lo, hi, size, dtype, endpoint != 0, false, "integers");
}

static PyObject *gen_uniform(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"low", "high", "size", NULL};
    PyObject *lo = NULL, *hi = NULL, *size = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO:uniform", kwlist, &lo, &hi, &size))
        return NULL;
    return draw_uniform(RNG(self), lo, hi, size);
}

static int axis_zero(PyObject *axis, const char *what);

static PyObject *gen_choice(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "size", "replace", "p", "axis", "shuffle", NULL};
    PyObject *a, *size = Py_None, *p = Py_None, *axis = NULL;
    int replace = 1, shuffle = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OpOOp:choice", kwlist, &a, &size, &replace, &p,
                                     &axis, &shuffle) ||
        axis_zero(axis, "choice") < 0)
        return NULL;
    return draw_choice(GEN(self), true, a, size, replace, p, shuffle != 0);
}

static int axis_zero(PyObject *axis, const char *what) {
    int64_t a = 0;
    if (axis && pynumc_parse_int(axis, &a) < 0) return -1;
    if (a != 0) {
        PyErr_Format(PyExc_NotImplementedError, "Generator.%s: only axis=0 is supported", what);
        return -1;
    }
    return 0;
}

static PyObject *gen_permutation(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"x", "axis", NULL};
    PyObject *x, *axis = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:permutation", kwlist, &x, &axis) ||
        axis_zero(axis, "permutation") < 0)
        return NULL;
    return draw_permutation(GEN(self), x);
}

static PyObject *gen_shuffle(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"x", "axis", NULL};
    PyObject *x, *axis = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:shuffle", kwlist, &x, &axis) ||
        axis_zero(axis, "shuffle") < 0)
        return NULL;
    return draw_shuffle(GEN(self), x);
}

/* ---- NumPy's distributions, one binding per row of numc.h's list ---- */

/* The row's parameters by position or name, then size=; Generator's
 * standard_normal / standard_exponential / standard_gamma also take dtype=
 * (float32 through the float ziggurats), method= and out=. Parameters may be
 * arrays: C broadcasts them against each other and size=. */
static PyObject *draw_dist(numc_rng *g, numc_random_dist d, PyObject *args, PyObject *kw,
                           bool gen) {
    const numc_random_dist_info *info = numc_random_dist_params(d);
    int np = info->nparams, nk = 0;
    bool std = gen && (d == NUMC_RANDOM_STANDARD_NORMAL || d == NUMC_RANDOM_STANDARD_EXPONENTIAL ||
                       d == NUMC_RANDOM_STANDARD_GAMMA);
    char *kwlist[8];
    PyObject *v[8] = {0};
    char fmt[32] = "|";
    for (int j = 0; j < np; j++)
        kwlist[nk++] = (char *)info->param[j];
    int isize = nk, idtype = -1, imethod = -1, iout = -1;
    kwlist[nk++] = "size";
    if (std) {
        idtype = nk;
        kwlist[nk++] = "dtype";
        if (d == NUMC_RANDOM_STANDARD_EXPONENTIAL) {
            imethod = nk;
            kwlist[nk++] = "method";
        }
        iout = nk;
        kwlist[nk++] = "out";
    }
    kwlist[nk] = NULL;
    for (int j = 0; j < nk; j++)
        strcat(fmt, "O");
    snprintf(fmt + strlen(fmt), sizeof fmt - strlen(fmt), ":%s", info->name);
    PyObject *empty = NULL;
    if (!args) args = empty = PyTuple_New(0);
    if (!args ||
        !PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &v[0], &v[1], &v[2], &v[3], &v[4],
                                     &v[5], &v[6], &v[7])) {
        Py_XDECREF(empty);
        return NULL;
    }
    Py_XDECREF(empty);
    if (iout >= 0 && v[iout] && v[iout] != Py_None) {
        PyErr_Format(PyExc_NotImplementedError, "Generator.%s: out= is not supported",
                     info->name);
        return NULL;
    }
    if (imethod >= 0 && v[imethod]) {
        const char *m = PyUnicode_Check(v[imethod]) ? PyUnicode_AsUTF8(v[imethod]) : NULL;
        if (!m || strcmp(m, "zig") != 0) {
            if (m && strcmp(m, "inv") == 0)
                PyErr_SetString(PyExc_NotImplementedError,
                                "Generator.standard_exponential: method='inv' is not supported");
            else
                PyErr_SetString(PyExc_ValueError, "method must be either 'inv' or 'zig'");
            return NULL;
        }
    }
    numc_dtype dt = NUMC_FLOAT64;
    if (idtype >= 0 && v[idtype] && v[idtype] != Py_None &&
        pynumc_parse_dtype(v[idtype], &dt) < 0)
        return NULL;
    if (dt != NUMC_FLOAT64 && (dt != NUMC_FLOAT32 || d == NUMC_RANDOM_STANDARD_GAMMA)) {
        PyErr_Format(PyExc_TypeError, "Unsupported dtype dtype('%s') for %s",
                     numc_dtype_name(dt), info->name);
        return NULL;
    }
    size_arg s;
    if (parse_size(v[isize], &s) < 0) return NULL;
    numc_array *pa[3] = {0};
    numc_array *r = NULL;
    for (int j = 0; j < np; j++) {
        if (!v[j] && isnan(info->dflt[j])) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)",
                         info->name, info->param[j], j + 1);
            goto done;
        }
        double dv = info->dflt[j];
        pa[j] = v[j] ? pynumc_asarray(v[j], NUMC_DTYPE_NONE)
                     : numc_array_from_data(NUMC_FLOAT64, 0, NULL, &dv);
        if (!pa[j]) {
            if (!PyErr_Occurred()) pynumc_raise();
            goto done;
        }
        if (numc_array_ndim(pa[j]) > 0) s.scalar = false;
    }
    bool sized = v[isize] && v[isize] != Py_None;
    r = dt == NUMC_FLOAT32
            ? numc_rng_draw_f32(g, d, s.ndim, s.shape)
            : numc_rng_draw(g, d, (const numc_array *const *)pa, sized, s.ndim, s.shape);
done:
    for (int j = 0; j < np; j++)
        if (pa[j]) numc_array_release(pa[j]);
    if (!r) return PyErr_Occurred() ? NULL : pynumc_raise();
    if (s.scalar && numc_array_ndim(r) != 0) s.scalar = false;
    return result(r, &s);
}

#define PYNUMC_RD_FNS_(id, name, np, isint)                                                        \
    static PyObject *leg_##name(PyObject *self, PyObject *args, PyObject *kw) {                   \
        return draw_dist(legacy_rng, NUMC_RANDOM_##id, args, kw, false);                              \
    }                                                                                              \
    static PyObject *gen_##name(PyObject *self, PyObject *args, PyObject *kw) {                   \
        return draw_dist(RNG(self), NUMC_RANDOM_##id, args, kw, true);                             \
    }
NUMC_RANDOM_DIST_LIST(PYNUMC_RD_FNS_)
#undef PYNUMC_RD_FNS_
#define PYNUMC_RD_LEG_(id, name, np, isint)                                                        \
    {#name, PYNUMC_FN(leg_##name), METH_VARARGS | METH_KEYWORDS,                                   \
     "RandomState." #name ": numpy.random." #name "'s numbers for the same seed."},
#define PYNUMC_RD_GEN_(id, name, np, isint)                                                        \
    {#name, PYNUMC_FN(gen_##name), METH_VARARGS | METH_KEYWORDS,                                   \
     "Generator." #name ": numpy's Generator." #name " numbers for the same seed."},

static PyMethodDef gen_methods[] = {
    {"random", PYNUMC_FN(gen_random), METH_VARARGS | METH_KEYWORDS,
     "random(size=None, dtype=float64): floats in [0, 1)."},
    {"integers", PYNUMC_FN(gen_integers), METH_VARARGS | METH_KEYWORDS,
     "integers(low, high=None, size=None, dtype=int64, endpoint=False)."},
    {"uniform", PYNUMC_FN(gen_uniform), METH_VARARGS | METH_KEYWORDS,
     "uniform(low=0.0, high=1.0, size=None)."},
    {"choice", PYNUMC_FN(gen_choice), METH_VARARGS | METH_KEYWORDS,
     "choice(a, size=None, replace=True, p=None, axis=0, shuffle=True)."},
    {"permutation", PYNUMC_FN(gen_permutation), METH_VARARGS | METH_KEYWORDS,
     "permutation(x, axis=0)."},
    {"shuffle", PYNUMC_FN(gen_shuffle), METH_VARARGS | METH_KEYWORDS,
     "shuffle(x, axis=0): in place (the handle is rebound)."},
    NUMC_RANDOM_DIST_LIST(PYNUMC_RD_GEN_){NULL, NULL, 0, NULL},
};

static void gen_dealloc(PyObject *self) {
    numc_rng_release(RNG(self));
    PyObject_Free(self);
}

static PyObject *gen_repr(PyObject *self) {
    return PyUnicode_FromString("Generator(PCG64)");
}

static PyTypeObject Generator_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.random.Generator",
    .tp_basicsize = sizeof(GeneratorObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "numpy.random.Generator on PCG64: the same numbers for the same seed.",
    .tp_methods = gen_methods,
    .tp_repr = gen_repr,
    .tp_dealloc = gen_dealloc,
};

/* ---- stateless draws: keys and pure functions of them (src/np/random-stateless.c) ---- */

static numc_array *key_arg(PyObject *o) {
    numc_array *k = pynumc_asarray(o, NUMC_DTYPE_NONE);
    if (!k && !PyErr_Occurred()) pynumc_raise();
    return k;
}

static int shape_arg(PyObject *o, int64_t *shape, int *ndim) {
    *ndim = 0;
    return !o || o == Py_None ? 0 : pynumc_parse_shape(o, shape, ndim);
}

static PyObject *keyed(numc_array *key, numc_array *r) {
    if (key) numc_array_release(key);
    return r ? pynumc_wrap(r) : pynumc_raise();
}

static PyObject *py_key(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"seed", NULL};
    PyObject *seed;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O:key", kwlist, &seed)) return NULL;
    PyObject *ix = PyNumber_Index(seed);
    if (!ix) return NULL;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(ix, &overflow);
    uint64_t u;
    if (overflow > 0 || (overflow == 0 && v >= 0)) {
        u = PyLong_AsUnsignedLongLong(ix);
        if (u == (uint64_t)-1 && PyErr_Occurred()) {
            Py_DECREF(ix);
            return NULL;
        }
    } else if (overflow == 0) {
        u = (uint64_t)v; /* negative seeds wrap modulo 2**64, as JAX's */
    } else {
        Py_DECREF(ix);
        PyErr_SetString(PyExc_OverflowError, "key: seed must fit in 64 bits");
        return NULL;
    }
    Py_DECREF(ix);
    return keyed(NULL, numc_random_key(u));
}

static PyObject *py_split(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "num", NULL};
    PyObject *ko;
    Py_ssize_t num = 2;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n:split", kwlist, &ko, &num)) return NULL;
    numc_array *k = key_arg(ko);
    return k ? keyed(k, numc_random_split(k, num)) : NULL;
}

static PyObject *py_fold_in(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "data", NULL};
    PyObject *ko;
    unsigned long long data;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OK:fold_in", kwlist, &ko, &data)) return NULL;
    numc_array *k = key_arg(ko);
    return k ? keyed(k, numc_random_fold_in(k, (uint32_t)data)) : NULL;
}

/* (key, shape=(), dtype=...) shared by bits / uniform / normal / integers */
static int keyed_args(PyObject *ko, PyObject *sh, PyObject *dto, numc_dtype dflt, numc_array **k,
                      int64_t *shape, int *ndim, numc_dtype *dt) {
    *dt = dflt;
    if (shape_arg(sh, shape, ndim) < 0) return -1;
    if (dto && dto != Py_None && pynumc_parse_dtype(dto, dt) < 0) return -1;
    *k = key_arg(ko);
    return *k ? 0 : -1;
}

static PyObject *py_bits(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "shape", "dtype", NULL};
    PyObject *ko, *sh = NULL, *dto = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:bits", kwlist, &ko, &sh, &dto)) return NULL;
    numc_array *k;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt;
    if (keyed_args(ko, sh, dto, NUMC_UINT32, &k, shape, &nd, &dt) < 0) return NULL;
    return keyed(k, numc_random_bits(k, nd, shape, dt));
}

/* stateless_uniform / stateless_normal: (key, shape=(), dtype=float64, a, b) */
typedef numc_array *(*stateless_2f)(const numc_array *, int, const int64_t *, numc_dtype, double,
                                    double);

static PyObject *stateless_two(PyObject *args, PyObject *kw, const char *fmt, char **kwlist,
                               double a, double b, stateless_2f fn) {
    PyObject *ko, *sh = NULL, *dto = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &ko, &sh, &dto, &a, &b)) return NULL;
    numc_array *k;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt;
    if (keyed_args(ko, sh, dto, NUMC_FLOAT64, &k, shape, &nd, &dt) < 0) return NULL;
    return keyed(k, fn(k, nd, shape, dt, a, b));
}

static PyObject *py_stateless_uniform(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "shape", "dtype", "minval", "maxval", NULL};
    return stateless_two(args, kw, "O|OOdd:stateless_uniform", kwlist, 0.0, 1.0,
                         numc_random_stateless_uniform);
}

static PyObject *py_stateless_normal(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "shape", "dtype", "mean", "stddev", NULL};
    return stateless_two(args, kw, "O|OOdd:stateless_normal", kwlist, 0.0, 1.0,
                         numc_random_stateless_normal);
}

static PyObject *py_stateless_integers(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "shape", "minval", "maxval", "dtype", NULL};
    PyObject *ko, *sh, *dto = NULL;
    long long lo, hi;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOLL|O:stateless_integers", kwlist, &ko, &sh, &lo,
                                     &hi, &dto))
        return NULL;
    numc_array *k;
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    numc_dtype dt;
    if (keyed_args(ko, sh, dto, NUMC_INT64, &k, shape, &nd, &dt) < 0) return NULL;
    return keyed(k, numc_random_stateless_integers(k, nd, shape, lo, hi, dt));
}

static PyObject *py_stateless_bernoulli(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "p", "shape", NULL};
    PyObject *ko, *po = NULL, *sh = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:stateless_bernoulli", kwlist, &ko, &po, &sh))
        return NULL;
    double half = 0.5;
    numc_array *p = po ? pynumc_asarray(po, NUMC_DTYPE_NONE)
                       : numc_array_from_data(NUMC_FLOAT64, 0, NULL, &half);
    if (!p) return PyErr_Occurred() ? NULL : pynumc_raise();
    int64_t shape[NUMC_MAX_DIMS];
    int nd = 0;
    if (!sh || sh == Py_None) { /* p's shape */
        nd = numc_array_ndim(p);
        memcpy(shape, numc_array_shape(p), sizeof(int64_t) * (size_t)nd);
    } else if (shape_arg(sh, shape, &nd) < 0) {
        numc_array_release(p);
        return NULL;
    }
    numc_array *k = key_arg(ko), *r = k ? numc_random_stateless_bernoulli(k, p, nd, shape) : NULL;
    numc_array_release(p);
    if (!k) return NULL;
    return keyed(k, r);
}

static PyObject *py_stateless_categorical(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "logits", "axis", NULL};
    PyObject *ko, *lo;
    Py_ssize_t axis = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|n:stateless_categorical", kwlist, &ko, &lo,
                                     &axis))
        return NULL;
    numc_array *lg = pynumc_asarray(lo, NUMC_DTYPE_NONE);
    if (!lg) return PyErr_Occurred() ? NULL : pynumc_raise();
    numc_array *k = key_arg(ko), *r = k ? numc_random_stateless_categorical(k, lg, axis) : NULL;
    numc_array_release(lg);
    if (!k) return NULL;
    return keyed(k, r);
}

#define PYNUMC_STATELESS_ROWS_                                                                     \
    {"key", PYNUMC_FN(py_key), METH_VARARGS | METH_KEYWORDS,                                       \
     "key(seed): a key (uint32 array of shape (2,)) for the stateless draws."},                  \
        {"split", PYNUMC_FN(py_split), METH_VARARGS | METH_KEYWORDS,                               \
         "split(key, num=2): num new keys, shape (num, 2)."},                                      \
        {"fold_in", PYNUMC_FN(py_fold_in), METH_VARARGS | METH_KEYWORDS,                           \
         "fold_in(key, data): a new key from a key and a 32-bit integer."},                        \
        {"bits", PYNUMC_FN(py_bits), METH_VARARGS | METH_KEYWORDS,                                 \
         "bits(key, shape=(), dtype=uint32): raw random words."},                                  \
        {"stateless_uniform", PYNUMC_FN(py_stateless_uniform), METH_VARARGS | METH_KEYWORDS,       \
         "stateless_uniform(key, shape=(), dtype=float64, minval=0.0, maxval=1.0)."},              \
        {"stateless_normal", PYNUMC_FN(py_stateless_normal), METH_VARARGS | METH_KEYWORDS,         \
         "stateless_normal(key, shape=(), dtype=float64, mean=0.0, stddev=1.0)."},                 \
        {"stateless_integers", PYNUMC_FN(py_stateless_integers), METH_VARARGS | METH_KEYWORDS,     \
         "stateless_integers(key, shape, minval, maxval, dtype=int64)."},                          \
        {"stateless_bernoulli", PYNUMC_FN(py_stateless_bernoulli), METH_VARARGS | METH_KEYWORDS,   \
         "stateless_bernoulli(key, p=0.5, shape=None): bools, True with probability p."},          \
        {"stateless_categorical", PYNUMC_FN(py_stateless_categorical),                             \
         METH_VARARGS | METH_KEYWORDS,                                                             \
         "stateless_categorical(key, logits, axis=-1): indices drawn from softmax(logits)."},

static PyMethodDef random_methods[] = {
    {"seed", PYNUMC_FN(py_seed), METH_VARARGS | METH_KEYWORDS, "seed(seed=None)."},
    {"get_state", PYNUMC_FN(py_get_state), METH_VARARGS | METH_KEYWORDS,
     "get_state(legacy=True): ('MT19937', keys, pos, has_gauss, cached_gaussian)."},
    {"set_state", py_set_state, METH_O, "set_state(state)."},
    {"random_sample", PYNUMC_FN(py_random_sample), METH_VARARGS | METH_KEYWORDS,
     "random_sample(size=None)."},
    {"random", PYNUMC_FN(py_random_sample), METH_VARARGS | METH_KEYWORDS, "random(size=None)."},
    {"rand", py_rand, METH_VARARGS, "rand(d0, d1, ...)."},
    {"randn", py_randn, METH_VARARGS, "randn(d0, d1, ...)."},
    {"uniform", PYNUMC_FN(py_uniform), METH_VARARGS | METH_KEYWORDS,
     "uniform(low=0.0, high=1.0, size=None)."},
    {"randint", PYNUMC_FN(py_randint), METH_VARARGS | METH_KEYWORDS,
     "randint(low, high=None, size=None, dtype=int)."},
    {"choice", PYNUMC_FN(py_choice), METH_VARARGS | METH_KEYWORDS,
     "choice(a, size=None, replace=True, p=None)."},
    {"permutation", py_permutation, METH_O, "permutation(x)."},
    {"shuffle", py_shuffle, METH_O, "shuffle(x): in place (the handle is rebound)."},
    {"default_rng", PYNUMC_FN(py_default_rng), METH_VARARGS | METH_KEYWORDS,
     "default_rng(seed=None): a Generator on PCG64 seeded through SeedSequence."},
    NUMC_RANDOM_DIST_LIST(PYNUMC_RD_LEG_) PYNUMC_STATELESS_ROWS_{NULL, NULL, 0, NULL},
};

static struct PyModuleDef random_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "numc.random",
    .m_doc = "numpy.random's streams: the same numbers for the same seed.",
    .m_size = -1,
    .m_methods = random_methods,
};

int pynumc_init_random(PyObject *m) {
    uint32_t w[4];
    os_entropy(w);
    if (!(legacy_rng = numc_rng_new())) return pynumc_raise(), -1;
    numc_mt19937_seed_array(LEG, w, 4);
    if (PyType_Ready(&Generator_Type) < 0) return -1;
    PyObject *r = PyModule_Create(&random_def);
    if (!r) return -1;
    if (PyModule_AddObjectRef(r, "Generator", (PyObject *)&Generator_Type) < 0 ||
        PyModule_AddObject(m, "random", r) < 0) {
        Py_DECREF(r);
        return -1;
    }
    return 0;
}
