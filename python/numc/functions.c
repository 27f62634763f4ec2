/* functions.c — binds the spec table (functions.def) to Python: compiles
 * each row's signature at import (parser.c), and calls the row's C function
 * through the invoker its KIND names; also the `_spec` export. */
#include "breadth2.h"
#include "parser.h"
#include "pyops.h"

#define PYNUMC_KINDS(K)                                                                            \
    K(UNARY)                                                                                       \
    K(BINARY)                                                                                      \
    K(ALIAS) K(DIVMOD) K(MODF) K(WHERE) K(CLIP) K(ROUND) K(TENSORDOT) K(REDUCE) K(VARSTD)          \
        K(COUNT_NONZERO) K(ARGRED) K(CUMUL) K(CUMULATIVE) K(ARRAY) K(ASARRAY) K(CREATE) K(FULL)    \
            K(LIKE) K(FULL_LIKE) K(ARANGE) K(LINSPACE) K(EYE) K(IDENTITY) K(COPY) K(ASTYPE)        \
                K(RESHAPE) K(RAVEL) K(TRANSPOSE) K(SWAPAXES) K(MOVEAXIS) K(EXPAND_DIMS) K(SQUEEZE) \
                    K(BROADCAST_TO) K(BROADCAST_ARRAYS) K(CONCAT) K(STACK) K(SEQ) K(SPLIT) K(FLIP) \
                        K(TAKE) K(NONZERO) K(RESULT_TYPE) K(PROMOTE_TYPES) K(CAN_CAST) K(SHAPE)    \
                            K(NDIM) K(SIZE) K(SORT) K(SORTING)
/* manip2 (branch manip): the kinds of its rows, invoked by invoke_manip2 */
#define PYNUMC_KINDS_MANIP2(K)                                                                     \
    K(PAD) K(A1) K(AI) K(ROT90) K(ROLL) K(TILE) K(REPEAT) K(TRI) K(DIAGONAL) K(TRACE) K(ATLEAST)     \
        K(ASPLIT) K(HSPLIT) K(UNSTACK) K(ISCLOSE) K(ALLCLOSE) K(ARRAY_EQUAL) K(ARRAY_EQUIV)        \
            K(DTYPE_PRED) K(ISSCALAR) K(NAN_TO_NUM) K(CHKFINITE) K(TRI_INDICES)                  \
                K(TRI_INDICES_FROM) K(DIAG_INDICES) K(DIAG_INDICES_FROM) K(INDICES) K(MESHGRID)    \
                    K(TAKE_ALONG) K(PUT_ALONG) K(FILL_DIAGONAL) K(APPEND) K(RESIZE) K(VANDER)    \
                        K(LOGSPACE) K(UNRAVEL) K(RAVEL_MULTI) K(SELECT) K(COMPRESS) K(DELETE)      \
                            K(TRIM_ZEROS) K(IX) K(GEOMSPACE) K(BLOCK) K(INSERT)
/* breadth2 (issue 8): rows whose C function parses its own frame (breadth2.c) */
#define PYNUMC_KINDS_BREADTH2(K) K(FRAMEFN)

/* breadth3 (issue 8): argwhere/flatnonzero with JAX's size=/fill_value= */
#define PYNUMC_KINDS_BREADTH3(K) K(SIZED)

enum {
#define K(n) KIND_##n,
    PYNUMC_KINDS(K) PYNUMC_KINDS_MANIP2(K) PYNUMC_KINDS_BREADTH2(K) PYNUMC_KINDS_BREADTH3(K)
#undef K
        KIND_COUNT
};
static const char *const kind_names[] = {
#define K(n) #n,
    PYNUMC_KINDS(K) PYNUMC_KINDS_MANIP2(K) PYNUMC_KINDS_BREADTH2(K) PYNUMC_KINDS_BREADTH3(K)
#undef K
};

typedef struct {
    const char *name;
    int kind;
    anyfn cfunc;
    const char *cname;
    const char *sig;
} row_t;

static const row_t rows[] = {
#define PYFN(name, kind, cfn, sig) {#name, KIND_##kind, (anyfn)(cfn), #cfn, sig},
#include "functions.def"
#undef PYFN
};
#define NROWS ((int)(sizeof rows / sizeof *rows))

static spec_t specs[NROWS];
static int nspecs;

/* ---- invokers ---- */

typedef numc_array *(*fn1)(const numc_array *);
typedef numc_array *(*fn2)(const numc_array *, const numc_array *);
typedef numc_array *(*fnred)(const numc_array *, const int64_t *, int, bool, numc_dtype);
typedef numc_array *(*fnvar)(const numc_array *, const int64_t *, int, bool, numc_dtype, double);
typedef numc_array *(*fnarg)(const numc_array *, const int64_t *, bool);
typedef numc_array *(*fncum)(const numc_array *, const int64_t *, numc_dtype);
typedef numc_array *(*fncumi)(const numc_array *, const int64_t *, numc_dtype, bool);
typedef numc_array *(*fnsort)(const numc_array *, const int64_t *);
typedef numc_array *(*fncreate)(int, const int64_t *, numc_dtype);
typedef numc_array *(*fnlike)(const numc_array *, numc_dtype);
typedef numc_array *(*fnseq)(int, const numc_array *const *);

#define OPT(f, slot)                                                                               \
    ((f)->s->pos_of[SLOT_##slot] >= 0 ? &(f)->v[(f)->s->pos_of[SLOT_##slot]] : NULL)

static numc_dtype opt_dtype(frame_t *f) {
    pval *p = OPT(f, dtype);
    return p ? p->dt : NUMC_DTYPE_NONE;
}

static int opt_bool(frame_t *f, int slot, int dflt) {
    signed char j = f->s->pos_of[slot];
    return j >= 0 ? (int)f->v[j].i : dflt;
}

/* Wraps a result, or assigns it to out= when given. */
static PyObject *finish(frame_t *f, numc_array *r) {
    if (!r) return pynumc_raise();
    pval *out = OPT(f, out);
    if (out && out->obj && out->obj != Py_None) return pynumc_assign_out(out->obj, r, f->s->name);
    return pynumc_wrap(r);
}

static int check_device(frame_t *f) {
    pval *p = OPT(f, device);
    if (!p || !p->obj || p->obj == Py_None) return 0;
    return pynumc_check_device(p->obj, numc_default_device());
}

static PyObject *pair(numc_array *a, numc_array *b) {
    PyObject *x = pynumc_wrap(a), *y = x ? pynumc_wrap(b) : NULL;
    if (!x) {
        if (b) numc_array_release(b);
        return NULL;
    }
    if (!y) {
        Py_DECREF(x);
        return NULL;
    }
    PyObject *t = PyTuple_Pack(2, x, y);
    Py_DECREF(x);
    Py_DECREF(y);
    return t;
}

static PyObject *tuple_of(numc_array **arrs, int n) {
    PyObject *t = PyTuple_New(n);
    for (int i = 0; i < n; i++) {
        PyObject *o = t ? pynumc_wrap(arrs[i]) : NULL;
        if (!o) {
            if (!t) numc_array_release(arrs[i]);
            for (int j = i + 1; j < n; j++)
                numc_array_release(arrs[j]);
            Py_XDECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, o);
    }
    return t;
}

static double scalar_double(PyObject *o, int *is_int, int *ok) {
    if (PyLong_Check(o) && !PyBool_Check(o)) {
        *is_int &= 1;
    } else if (NumcArray_Check(o)) {
        char k = numc_dtype_kind(numc_array_dtype(NumcArray_ARR(o)));
        if (k != 'i' && k != 'u' && k != 'b') *is_int = 0;
    } else if (PyIndex_Check(o) && !PyFloat_Check(o)) {
        *is_int &= 1;
    } else {
        *is_int = 0;
    }
    if (PyComplex_Check(o)) {
        PyErr_SetString(PyExc_NotImplementedError, "numc.arange does not support complex bounds");
        *ok = 0;
        return 0;
    }
    double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) *ok = 0;
    return d;
}

static PyObject *do_arange(frame_t *f) {
    PyObject *a = f->v[0].obj, *b = OPT(f, stop)->obj, *c = OPT(f, step)->obj;
    int is_int = 1, ok = 1;
    double start = 0, stop, step = 1;
    if (a == Py_None && (!b || b == Py_None)) {
        PyErr_SetString(PyExc_TypeError, "arange() requires stop to be specified.");
        return NULL;
    }
    if (a == Py_None) {
        stop = scalar_double(b, &is_int, &ok);
    } else if (!b || b == Py_None) {
        stop = scalar_double(a, &is_int, &ok);
    } else {
        start = scalar_double(a, &is_int, &ok);
        stop = scalar_double(b, &is_int, &ok);
    }
    if (c && c != Py_None) step = scalar_double(c, &is_int, &ok);
    if (!ok) return NULL;
    numc_dtype dt = opt_dtype(f);
    if (dt == NUMC_DTYPE_NONE) dt = is_int ? NUMC_INT64 : numc_default_float();
    return pynumc_wrap(numc_arange(start, stop, step, dt));
}

static PyObject *do_linspace(frame_t *f) {
    int is_int = 1, ok = 1;
    double start = scalar_double(f->v[0].obj, &is_int, &ok);
    double stop = scalar_double(f->v[1].obj, &is_int, &ok);
    if (!ok) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_NotImplementedError,
                            "numc.linspace supports scalar start and stop only");
        }
        return NULL;
    }
    int64_t num = OPT(f, num)->i;
    int endpoint = (int)OPT(f, endpoint)->i;
    numc_dtype dt = opt_dtype(f);
    numc_array *r = numc_linspace(start, stop, num, endpoint, dt);
    if (!OPT(f, retstep)->i) return pynumc_wrap(r);
    int64_t div = endpoint ? num - 1 : num;
    double step = div > 0 ? (stop - start) / (double)div : NAN;
    PyObject *arr = pynumc_wrap(r);
    if (!arr) return NULL;
    return Py_BuildValue("(Nd)", arr, step);
}

typedef numc_status (*fnsplit)(const numc_array *, int64_t, const int64_t *, int, int64_t,
                               numc_array ***, int *);
typedef numc_status (*fnsplit_noaxis)(const numc_array *, int64_t, const int64_t *, int,
                                      numc_array ***, int *);

/* np.split and its relatives: `fn` takes an axis, `fn2` (when fn is NULL)
 * picks its own */
static PyObject *do_split_ex(frame_t *f, fnsplit fn, fnsplit_noaxis fn2) {
    PyObject *ios = OPT(f, indices_or_sections)->obj;
    int64_t axis = fn ? OPT(f, axis)->i : 0, sections = 0;
    int64_t idx[1024];
    int nidx = -1; /* -1: sections form */
    if (PyLong_Check(ios) || (PyIndex_Check(ios) && !PySequence_Check(ios))) {
        if (pynumc_parse_int(ios, &sections) < 0) return NULL;
    } else {
        PyObject *seq = PySequence_Fast(ios, "indices_or_sections must be an int or a sequence");
        if (!seq) return NULL;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n > (Py_ssize_t)(sizeof idx / sizeof *idx)) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "too many split indices");
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            if (pynumc_parse_int(PySequence_Fast_GET_ITEM(seq, i), &idx[i]) < 0) {
                Py_DECREF(seq);
                return NULL;
            }
        nidx = (int)n;
        Py_DECREF(seq);
    }
    numc_array **parts = NULL;
    int nparts = 0;
    const int64_t *indices = nidx >= 0 ? idx : NULL;
    numc_status st =
        fn ? fn(f->v[0].arr, sections, indices, nidx < 0 ? 0 : nidx, axis, &parts, &nparts)
           : fn2(f->v[0].arr, sections, indices, nidx < 0 ? 0 : nidx, &parts, &nparts);
    if (st != NUMC_OK) return pynumc_raise();
    PyObject *list = PyList_New(nparts);
    for (int i = 0; i < nparts; i++) {
        PyObject *o = list ? pynumc_wrap(parts[i]) : NULL;
        if (!o) {
            if (!list) numc_array_release(parts[i]);
            for (int j = i + 1; j < nparts; j++)
                numc_array_release(parts[j]);
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, o);
    }
    free(parts);
    return list;
}

static PyObject *do_split(frame_t *f) {
    return do_split_ex(f, numc_split, NULL);
}

static PyObject *do_tensordot(frame_t *f) {
    PyObject *axes = f->v[2].obj;
    int64_t aa[NUMC_MAX_DIMS], bb[NUMC_MAX_DIMS];
    int na = 0, nb = 0;
    if (PyLong_Check(axes) || (PyIndex_Check(axes) && !PySequence_Check(axes))) {
        int64_t k;
        if (pynumc_parse_int(axes, &k) < 0) return NULL;
        return pynumc_wrap(numc_tensordot(f->v[0].arr, f->v[1].arr, NULL, NULL, (int)k));
    }
    PyObject *seq = PySequence_Fast(axes, "axes must be an int or a pair of axis sequences");
    if (!seq) return NULL;
    if (PySequence_Fast_GET_SIZE(seq) != 2) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "axes must consist of two sequences");
        return NULL;
    }
    int r = pynumc_parse_axes(PySequence_Fast_GET_ITEM(seq, 0), aa, &na);
    if (r == 0) r = pynumc_parse_axes(PySequence_Fast_GET_ITEM(seq, 1), bb, &nb);
    Py_DECREF(seq);
    if (r < 0) return NULL;
    if (na != nb) {
        PyErr_SetString(PyExc_ValueError, "shape-mismatch for sum");
        return NULL;
    }
    return pynumc_wrap(numc_tensordot(f->v[0].arr, f->v[1].arr, aa, bb, na));
}

/* result_type's arguments: dtypes are strong, Python scalars weak. */
static PyObject *do_result_type(frame_t *f) {
    numc_array *arrs[64];
    int n = 0;
    PyObject *res = NULL;
    if (f->nvar > 64) {
        PyErr_SetString(PyExc_ValueError, "too many arguments");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < f->nvar; i++) {
        PyObject *o = f->var[i];
        numc_array *a = NULL;
        if (PyType_Check(o) || PyUnicode_Check(o) || Py_IS_TYPE(o, &PyNumcDType_Type) ||
            (pynumc_is_numpy_object(o) && PyObject_HasAttrString(o, "kind") &&
             !PyObject_HasAttrString(o, "shape"))) {
            numc_dtype dt;
            if (pynumc_parse_dtype(o, &dt) < 0) goto done;
            static const int64_t noshape[1];
            a = numc_zeros(0, noshape, dt == NUMC_DTYPE_NONE ? numc_default_float() : dt);
            if (!a) {
                pynumc_raise();
                goto done;
            }
        } else {
            a = pynumc_from_object(o, NUMC_DTYPE_NONE);
            if (!a) goto done;
        }
        arrs[n++] = a;
    }
    numc_dtype dt = numc_result_type(n, (const numc_array *const *)arrs);
    if ((int)dt < 0)
        pynumc_raise();
    else
        res = Py_NewRef(pynumc_dtype_object(dt));
done:
    for (int i = 0; i < n; i++)
        numc_array_release(arrs[i]);
    return res;
}

static PyObject *do_array(frame_t *f, int is_asarray) {
    PyObject *o = f->v[0].obj;
    numc_dtype dt = opt_dtype(f);
    pval *cp = OPT(f, copy);
    int copy = cp ? (int)cp->i : -1;
    if (check_device(f) < 0) return NULL;
    if (NumcArray_Check(o)) {
        numc_array *a = NumcArray_ARR(o);
        int same = dt == NUMC_DTYPE_NONE || numc_array_dtype(a) == dt;
        if (!same && copy == 0) {
            PyErr_SetString(PyExc_ValueError,
                            "Unable to avoid copy while creating an array as requested.");
            return NULL;
        }
        pval *nm = OPT(f, ndmin);
        if (is_asarray && same && copy != 1) return Py_NewRef(o);
        numc_array *r = same ? numc_array_retain(a) : numc_astype(a, dt);
        if (r && nm && nm->i > numc_array_ndim(r)) {
            int64_t shape[NUMC_MAX_DIMS];
            int nd = numc_array_ndim(r), add = (int)nm->i - nd;
            for (int i = 0; i < add; i++)
                shape[i] = 1;
            memcpy(shape + add, numc_array_shape(r), (size_t)nd * sizeof(int64_t));
            numc_array *s = numc_reshape(r, (int)nm->i, shape);
            numc_array_release(r);
            r = s;
        }
        return pynumc_wrap(r);
    }
    if (copy == 0 && !pynumc_is_numpy_object(o) && !PyObject_CheckBuffer(o)) {
        PyErr_SetString(PyExc_ValueError,
                        "Unable to avoid copy while creating an array as requested.");
        return NULL;
    }
    /* NumPy's copy rules: asarray may view a read-only buffer; array copies
     * unless copy=False, as does copy=True */
    int share = is_asarray ? copy != 1 : copy == 0;
    numc_array *r = share ? pynumc_asarray(o, dt) : pynumc_array_copy(o, dt);
    if (!r) return NULL;
    pval *nm = OPT(f, ndmin);
    if (nm && nm->i > numc_array_ndim(r)) {
        int64_t shape[NUMC_MAX_DIMS];
        int nd = numc_array_ndim(r), add = (int)nm->i - nd;
        for (int i = 0; i < add; i++)
            shape[i] = 1;
        memcpy(shape + add, numc_array_shape(r), (size_t)nd * sizeof(int64_t));
        numc_array *s = numc_reshape(r, (int)nm->i, shape);
        numc_array_release(r);
        r = s;
    }
    return pynumc_wrap(r);
}

static PyObject *do_cumulative(frame_t *f) {
    pval *ax = OPT(f, axis);
    return finish(f, ((fncumi)f->s->cfunc)(f->v[0].arr, ax->n == 1 ? ax->ax : NULL, opt_dtype(f),
                                           opt_bool(f, SLOT_include_initial, 0)));
}

/* ---- sorting, searching, sets (issue 8, branch sort): one invoker, keyed
 * by the row's name; operands and flags are read by position ---- */

/* the array-API unique_* results are named tuples, as NumPy's */
static PyTypeObject *unique_types[3];

static PyObject *named(int which, numc_array **arrs, int n) {
    static PyStructSequence_Field fields[3][5] = {
        {{"values", NULL}, {"indices", NULL}, {"inverse_indices", NULL}, {"counts", NULL}, {0}},
        {{"values", NULL}, {"counts", NULL}, {0}},
        {{"values", NULL}, {"inverse_indices", NULL}, {0}},
    };
    static const char *names[3] = {"numc.UniqueAllResult", "numc.UniqueCountsResult",
                                   "numc.UniqueInverseResult"};
    static PyStructSequence_Desc desc[3];
    PyObject *t = tuple_of(arrs, n);
    if (!t) return NULL;
    if (!unique_types[which]) {
        desc[which] = (PyStructSequence_Desc){names[which], NULL, fields[which], n};
        unique_types[which] = PyStructSequence_NewType(&desc[which]);
        if (!unique_types[which]) {
            Py_DECREF(t);
            return NULL;
        }
    }
    PyObject *r = PyStructSequence_New(unique_types[which]);
    for (int i = 0; r && i < n; i++)
        PyStructSequence_SET_ITEM(r, i, Py_NewRef(PyTuple_GET_ITEM(t, i)));
    Py_DECREF(t);
    return r;
}

static PyObject *do_sorting(frame_t *f) {
    pval *v = f->v;
    const char *name = f->s->name;
    if (!strcmp(name, "searchsorted")) {
        PyObject *side = v[2].obj;
        int right =
            side && PyUnicode_Check(side) && !PyUnicode_CompareWithASCIIString(side, "right");
        if (side && !right &&
            !(PyUnicode_Check(side) && !PyUnicode_CompareWithASCIIString(side, "left"))) {
            PyErr_SetString(PyExc_ValueError, "search side must be one of 'left' or 'right'");
            return NULL;
        }
        return pynumc_wrap(
            numc_searchsorted(v[0].arr, v[1].arr, right, v[3].none ? NULL : v[3].arr));
    }
    if (!strcmp(name, "_sort_method")) {
        /* a.sort(): numc values are immutable, so the handle is rebound to
         * the sorted value (as a[...] = v does when it cannot write in
         * place); views taken from a before keep the old values */
        PyObject *self = v[0].obj;
        pval *ax = OPT(f, axis);
        if (!self || !NumcArray_Check(self)) {
            PyErr_SetString(PyExc_TypeError, "sort() needs a numc ndarray");
            return NULL;
        }
        numc_array *r = numc_sort(v[0].arr, ax->n ? ax->ax : NULL);
        if (!r) return pynumc_raise();
        numc_array *old = NumcArray_ARR(self);
        NumcArray_ARR(self) = r;
        numc_array_release(old);
        Py_RETURN_NONE;
    }
    if (!strcmp(name, "lexsort"))
        return pynumc_wrap(numc_lexsort(v[0].n, (const numc_array *const *)v[0].list, v[1].i));
    if (!strcmp(name, "partition") || !strcmp(name, "argpartition")) {
        pval *ax = OPT(f, axis);
        anyfn fn = f->s->cfunc;
        numc_array *(*pf)(const numc_array *, const int64_t *, int, const int64_t *) =
            (numc_array * (*)(const numc_array *, const int64_t *, int, const int64_t *)) fn;
        return pynumc_wrap(pf(v[0].arr, v[1].ax, v[1].n < 0 ? 0 : v[1].n, ax->n ? ax->ax : NULL));
    }
    if (!strcmp(name, "isin")) return pynumc_wrap(numc_isin(v[0].arr, v[1].arr, v[3].i != 0));
    if (!strcmp(name, "setdiff1d") || !strcmp(name, "setxor1d")) {
        numc_array *(*sf)(const numc_array *, const numc_array *, bool) =
            (numc_array * (*)(const numc_array *, const numc_array *, bool)) f->s->cfunc;
        return pynumc_wrap(sf(v[0].arr, v[1].arr, v[2].i != 0));
    }
    numc_array *out[4];
    if (!strcmp(name, "intersect1d")) {
        if (numc_intersect1d(v[0].arr, v[1].arr, v[2].i != 0, out)) return pynumc_raise();
        if (v[3].i) return tuple_of(out, 3);
        numc_array_release(out[1]);
        numc_array_release(out[2]);
        return pynumc_wrap(out[0]);
    }
    /* unique and the array-API unique_* */
    bool api = name[6] == '_';
    pval *ax = api ? NULL : OPT(f, axis);
    bool equal_nan = api ? false : v[5].i != 0;
    if (numc_unique(v[0].arr, ax && ax->n ? ax->ax : NULL, equal_nan, out)) return pynumc_raise();
    int want[4] = {1, 0, 0, 0}, which = -1;
    if (!api) {
        want[1] = v[1].i != 0;
        want[2] = v[2].i != 0;
        want[3] = v[3].i != 0;
    } else if (!strcmp(name, "unique_all")) {
        want[1] = want[2] = want[3] = 1;
        which = 0;
    } else if (!strcmp(name, "unique_counts")) {
        want[3] = 1;
        which = 1;
    } else if (!strcmp(name, "unique_inverse")) {
        want[2] = 1;
        which = 2;
    }
    numc_array *res[4];
    int n = 0;
    for (int i = 0; i < 4; i++) {
        if (want[i])
            res[n++] = out[i];
        else
            numc_array_release(out[i]);
    }
    if (which >= 0) return named(which, res, n);
    return n == 1 ? pynumc_wrap(res[0]) : tuple_of(res, n);
}

/* ---- manip2 invokers (branch manip) ---- */

/* a str argument, or NULL with TypeError naming it */
static const char *str_arg(PyObject *o, const char *fname, const char *what) {
    if (o && PyUnicode_Check(o)) return PyUnicode_AsUTF8(o);
    if (o && PyCallable_Check(o))
        PyErr_Format(PyExc_NotImplementedError, "numc.%s: a callable %s is not supported", fname,
                     what);
    else
        PyErr_Format(PyExc_TypeError, "numc.%s: %s must be a string", fname, what);
    return NULL;
}

typedef numc_array *(*fnai)(const numc_array *, int64_t);
typedef bool (*fnpred)(const numc_array *);

static PyObject *bool_result(numc_status st, bool b) {
    if (st != NUMC_OK) return pynumc_raise();
    return PyBool_FromLong(b);
}

/* np.isscalar: Python and NumPy scalars and numbers.Number instances */
static PyObject *is_scalar(PyObject *o) {
    if (PyLong_Check(o) || PyFloat_Check(o) || PyComplex_Check(o) || PyBytes_Check(o) ||
        PyUnicode_Check(o) || PyMemoryView_Check(o))
        Py_RETURN_TRUE;
    if (NumcArray_Check(o)) Py_RETURN_FALSE;
    const char *mods[2][2] = {{"numpy", "generic"}, {"numbers", "Number"}};
    for (int i = 0; i < 2; i++) {
        PyObject *m = PyImport_ImportModule(mods[i][0]);
        PyObject *c = m ? PyObject_GetAttrString(m, mods[i][1]) : NULL;
        Py_XDECREF(m);
        if (!c) return NULL;
        int r = PyObject_IsInstance(o, c);
        Py_DECREF(c);
        if (r < 0) return NULL;
        if (r) Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyObject *split_result(numc_status st, numc_array **parts, int n) {
    if (st != NUMC_OK) return pynumc_raise();
    PyObject *t = tuple_of(parts, n);
    free(parts);
    return t;
}

typedef numc_status (*fntri)(int64_t, int64_t, int64_t, numc_array **);
typedef numc_status (*fntrifrom)(const numc_array *, int64_t, numc_array **);

/* the numc.ndarray whose handle an in-place NumPy function rebinds */
static numc_array **handle_of(PyObject *o, const char *fname) {
    if (NumcArray_Check(o)) return &NumcArray_ARR(o);
    PyErr_Format(PyExc_TypeError,
                 "numc.%s: the array must be a numc.ndarray (it is updated in place)", fname);
    return NULL;
}

/* order= of unravel_index / ravel_multi_index: 1 for 'F', 0 for 'C', -1 */
static int order_f(PyObject *o) {
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (s && (!strcmp(s, "C") || !strcmp(s, "F"))) return s[0] == 'F';
    PyErr_SetString(PyExc_ValueError, "only 'C' or 'F' order is permitted");
    return -1;
}

/* np.delete's obj: a slice becomes the positions it selects along the axis */
static numc_array *delete_obj(PyObject *o, const numc_array *arr, const int64_t *axis) {
    if (!PySlice_Check(o)) return pynumc_asarray(o, NUMC_DTYPE_NONE);
    int64_t n = numc_array_size(arr);
    if (axis) {
        int64_t ax;
        if (numc_normalize_axis(*axis, numc_array_ndim(arr), &ax) != NUMC_OK)
            return pynumc_raise(), NULL;
        n = numc_array_shape(arr)[ax];
    }
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(o, &start, &stop, &step) < 0) return NULL;
    Py_ssize_t cnt = PySlice_AdjustIndices((Py_ssize_t)n, &start, &stop, step);
    int64_t *pos = PyMem_Malloc(sizeof(int64_t) * (size_t)(cnt + 1));
    if (!pos) return PyErr_NoMemory(), NULL;
    for (Py_ssize_t i = 0; i < cnt; i++)
        pos[i] = start + i * step;
    int64_t len = cnt;
    numc_array *r = numc_array_from_data(NUMC_INT64, 1, &len, pos);
    PyMem_Free(pos);
    if (!r) pynumc_raise();
    return r;
}

/* ---- np.block: the nesting of lists is the argument's structure; the
 * blocks are joined with numc_reshape / numc_concatenate ---- */

/* "arrays[0][1]" */
static PyObject *block_index(const int *idx, int n) {
    PyObject *s = PyUnicode_FromString("arrays");
    for (int i = 0; s && i < n; i++)
        Py_SETREF(s, PyUnicode_FromFormat("%U[%d]", s, idx[i]));
    return s;
}

/* NumPy's _block_check_depths_match: the index path of the first element
 * (or of the empty list it bottoms out on, none = 1; its depth counts one
 * more level) goes to path / *plen / *none */
typedef struct {
    int path[NUMC_MAX_DIMS + 1];
    int len, none;
} block_first;

static int block_check(PyObject *o, int *cur, int level, block_first *first, int *maxnd) {
    if (level >= NUMC_MAX_DIMS) {
        PyErr_SetString(PyExc_ValueError, "numc.block: lists nested too deeply");
        return -1;
    }
    if (PyTuple_CheckExact(o)) {
        PyObject *s = block_index(cur, level);
        if (s)
            PyErr_Format(PyExc_TypeError,
                         "%U is a tuple. Only lists can be used to arrange blocks, and np.block "
                         "does not allow implicit conversion from tuple to ndarray.",
                         s);
        Py_XDECREF(s);
        return -1;
    }
    Py_ssize_t n = PyList_CheckExact(o) ? PyList_GET_SIZE(o) : -1;
    if (n <= 0) {
        if (n < 0) {
            numc_array *a = pynumc_asarray(o, NUMC_DTYPE_NONE);
            if (!a) return -1;
            if (numc_array_ndim(a) > *maxnd) *maxnd = numc_array_ndim(a);
            numc_array_release(a);
        }
        memcpy(first->path, cur, sizeof(int) * (size_t)level);
        first->none = n == 0;
        first->len = level + first->none;
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        block_first c;
        cur[level] = (int)i;
        if (block_check(PyList_GET_ITEM(o, i), cur, level + 1, &c, maxnd) < 0) return -1;
        if (i > 0 && c.len != first->len) {
            PyObject *s = block_index(c.path, c.len - c.none);
            if (s)
                PyErr_Format(PyExc_ValueError,
                             "List depths are mismatched. First element was at depth %d, but "
                             "there is an element at depth %d (%U)",
                             first->len, c.len, s);
            Py_XDECREF(s);
            return -1;
        }
        if (i == 0 || c.none) *first = c;
    }
    return 0;
}

static numc_array *block_build(PyObject *o, int level, int depth, int nd) {
    if (level == depth) {
        numc_array *a = pynumc_asarray(o, NUMC_DTYPE_NONE);
        if (!a) return NULL;
        int an = numc_array_ndim(a);
        int64_t sh[NUMC_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            sh[d] = d < nd - an ? 1 : numc_array_shape(a)[d - (nd - an)];
        numc_array *r = numc_reshape(a, nd, sh);
        numc_array_release(a);
        if (!r) pynumc_raise();
        return r;
    }
    Py_ssize_t n = PyList_GET_SIZE(o);
    numc_array **parts = PyMem_Calloc((size_t)n, sizeof(numc_array *));
    if (!parts) return PyErr_NoMemory(), NULL;
    numc_array *r = NULL;
    Py_ssize_t got = 0;
    for (; got < n; got++)
        if (!(parts[got] = block_build(PyList_GET_ITEM(o, got), level + 1, depth, nd))) break;
    if (got == n) {
        int64_t axis = (int64_t)nd - (depth - level);
        r = numc_concatenate((int)n, (const numc_array *const *)parts, &axis);
        if (!r) pynumc_raise();
    }
    for (Py_ssize_t i = 0; i < got; i++)
        numc_array_release(parts[i]);
    PyMem_Free(parts);
    return r;
}

static PyObject *do_block(PyObject *arrays) {
    int cur[NUMC_MAX_DIMS] = {0}, maxnd = 0;
    block_first first;
    if (block_check(arrays, cur, 0, &first, &maxnd) < 0) return NULL;
    int depth = first.len;
    if (first.none) {
        PyObject *s = block_index(first.path, first.len - 1);
        if (s) PyErr_Format(PyExc_ValueError, "List at %U cannot be empty", s);
        Py_XDECREF(s);
        return NULL;
    }
    int nd = depth > maxnd ? depth : maxnd;
    if (nd > NUMC_MAX_DIMS) {
        PyErr_SetString(PyExc_ValueError, "numc.block: too many dimensions");
        return NULL;
    }
    numc_array *r = block_build(arrays, 0, depth, nd);
    if (!r) return NULL;
    if (depth == 0) {
        /* a single block comes back as a copy */
        numc_array *c = numc_copy(r);
        numc_array_release(r);
        if (!c) return pynumc_raise();
        r = c;
    }
    return pynumc_wrap(r);
}

static PyObject *invoke_manip2(frame_t *f) {
    pval *v = f->v;
    switch (f->s->kind) {
    case KIND_PAD: {
        const char *mode = str_arg(v[2].obj, "pad", "mode"), *rt = NULL;
        if (!mode) return NULL;
        if (v[6].obj != Py_None && !(rt = str_arg(v[6].obj, "pad", "reflect_type"))) return NULL;
        return pynumc_wrap(numc_pad(v[0].arr, v[1].arr, mode, v[4].arr, v[5].arr, v[3].arr, rt));
    }
    case KIND_A1:
        return pynumc_wrap(((fn1)f->s->cfunc)(v[0].arr));
    case KIND_AI:
        return pynumc_wrap(((fnai)f->s->cfunc)(v[0].arr, v[1].i));
    case KIND_ROT90:
        /* axes=None stands for NumPy's default (0, 1) */
        return pynumc_wrap(v[2].n < 0 ? numc_rot90(v[0].arr, v[1].i, (int64_t[]){0, 1}, 2)
                                      : numc_rot90(v[0].arr, v[1].i, v[2].ax, v[2].n));
    case KIND_ROLL:
        return pynumc_wrap(
            numc_roll(v[0].arr, v[1].ax, v[1].n, v[2].n < 0 ? NULL : v[2].ax, v[2].n));
    case KIND_TILE:
        return pynumc_wrap(numc_tile(v[0].arr, v[1].ax, v[1].n < 0 ? 0 : v[1].n));
    case KIND_REPEAT: {
        /* NumPy converts Python scalars and lists of repeats unsafely (2.7
         * repeats twice) but arrays only under 'safe' casting */
        PyObject *o = v[1].obj;
        if (PyFloat_Check(o) || PyList_Check(o) || PyTuple_Check(o)) {
            numc_array *r = numc_astype(v[1].arr, NUMC_INT64);
            if (!r) return pynumc_raise();
            numc_array *res = numc_repeat(v[0].arr, r, v[2].n ? v[2].ax : NULL);
            numc_array_release(r);
            return pynumc_wrap(res);
        }
        return pynumc_wrap(numc_repeat(v[0].arr, v[1].arr, v[2].n ? v[2].ax : NULL));
    }
    case KIND_TRI:
        return pynumc_wrap(numc_tri(v[0].i, v[1].none ? v[0].i : v[1].i, v[2].i, v[3].dt));
    case KIND_DIAGONAL:
        return pynumc_wrap(numc_diagonal(v[0].arr, v[1].i, v[2].i, v[3].i));
    case KIND_TRACE:
        return finish(f, numc_diagonal_sum(v[0].arr, v[1].i, v[2].i, v[3].i, v[4].dt));
    case KIND_ATLEAST: {
        PyObject *t = PyTuple_New(f->nvar);
        for (Py_ssize_t i = 0; t && i < f->nvar; i++) {
            numc_array *a = pynumc_asarray(f->var[i], NUMC_DTYPE_NONE), *r = NULL;
            if (a) {
                r = ((fn1)f->s->cfunc)(a);
                numc_array_release(a);
                if (!r) pynumc_raise();
            }
            PyObject *o = r ? pynumc_wrap(r) : NULL;
            if (!o) Py_CLEAR(t);
            else PyTuple_SET_ITEM(t, i, o);
        }
        if (t && f->nvar == 1) {
            PyObject *o = Py_NewRef(PyTuple_GET_ITEM(t, 0));
            Py_DECREF(t);
            return o;
        }
        return t;
    }
    case KIND_ASPLIT:
        return do_split_ex(f, numc_array_split, NULL);
    case KIND_HSPLIT:
        return do_split_ex(f, NULL, (fnsplit_noaxis)f->s->cfunc);
    case KIND_UNSTACK: {
        numc_array **parts = NULL;
        int n = 0;
        numc_status st = numc_unstack(v[0].arr, v[1].i, &parts, &n);
        return split_result(st, parts, n);
    }
    case KIND_ISCLOSE:
        return pynumc_wrap(numc_isclose(v[0].arr, v[1].arr, v[2].d, v[3].d, v[4].i));
    case KIND_ALLCLOSE: {
        bool b = false;
        numc_status st = numc_allclose(v[0].arr, v[1].arr, v[2].d, v[3].d, v[4].i, &b);
        return bool_result(st, b);
    }
    case KIND_ARRAY_EQUAL: {
        bool b = false;
        numc_status st = numc_array_equal(v[0].arr, v[1].arr, v[2].i, &b);
        return bool_result(st, b);
    }
    case KIND_ARRAY_EQUIV: {
        bool b = false;
        numc_status st = numc_array_equiv(v[0].arr, v[1].arr, &b);
        return bool_result(st, b);
    }
    case KIND_DTYPE_PRED:
        return PyBool_FromLong(((fnpred)f->s->cfunc)(v[0].arr));
    case KIND_ISSCALAR:
        return is_scalar(v[0].obj);
    case KIND_NAN_TO_NUM:
        return pynumc_wrap(numc_nan_to_num(v[0].arr, v[2].d, v[3].none ? NULL : &v[3].d,
                                           v[4].none ? NULL : &v[4].d));
    case KIND_CHKFINITE:
        return pynumc_wrap(numc_asarray_chkfinite(v[0].arr, v[1].dt));
    case KIND_TRI_INDICES: {
        numc_array *out[2];
        if (((fntri)f->s->cfunc)(v[0].i, v[1].i, v[2].none ? v[0].i : v[2].i, out) != NUMC_OK)
            return pynumc_raise();
        return tuple_of(out, 2);
    }
    case KIND_TRI_INDICES_FROM: {
        numc_array *out[2];
        if (((fntrifrom)f->s->cfunc)(v[0].arr, v[1].i, out) != NUMC_OK) return pynumc_raise();
        return tuple_of(out, 2);
    }
    case KIND_DIAG_INDICES: {
        numc_array *out[NUMC_MAX_DIMS];
        if (v[1].i < 0 || v[1].i > NUMC_MAX_DIMS) {
            PyErr_SetString(PyExc_ValueError, "numc.diag_indices: ndim out of range");
            return NULL;
        }
        if (numc_diag_indices(v[0].i, (int)v[1].i, out) != NUMC_OK) return pynumc_raise();
        return tuple_of(out, (int)v[1].i);
    }
    case KIND_DIAG_INDICES_FROM: {
        numc_array *out[NUMC_MAX_DIMS];
        if (numc_diag_indices_from(v[0].arr, out) != NUMC_OK) return pynumc_raise();
        return tuple_of(out, numc_array_ndim(v[0].arr));
    }
    case KIND_INDICES: {
        numc_array *out[NUMC_MAX_DIMS];
        if (numc_indices(v[0].n, v[0].ax, v[1].dt, v[2].i, out) != NUMC_OK) return pynumc_raise();
        return v[2].i ? tuple_of(out, v[0].n) : pynumc_wrap(out[0]);
    }
    case KIND_MESHGRID: {
        const char *ix = str_arg(v[3].obj, "meshgrid", "indexing");
        if (!ix) return NULL;
        if (strcmp(ix, "xy") && strcmp(ix, "ij")) {
            PyErr_SetString(PyExc_ValueError, "Valid values for `indexing` are 'xy' and 'ij'.");
            return NULL;
        }
        int n = (int)f->nvar;
        if (n > NUMC_MAX_DIMS) {
            PyErr_SetString(PyExc_ValueError, "numc.meshgrid: too many arrays");
            return NULL;
        }
        numc_array *in[NUMC_MAX_DIMS], *out[NUMC_MAX_DIMS];
        int ok = 1;
        for (int i = 0; i < n; i++)
            if (ok && !(in[i] = pynumc_asarray(f->var[i], NUMC_DTYPE_NONE))) ok = 0, n = i;
        PyObject *res = NULL;
        if (ok) {
            if (numc_meshgrid(n, (const numc_array *const *)in, v[2].i, ix[0] == 'x', out) !=
                NUMC_OK)
                pynumc_raise();
            else
                res = tuple_of(out, n);
        }
        for (int i = 0; i < n; i++)
            numc_array_release(in[i]);
        return res;
    }
    case KIND_TAKE_ALONG:
        return pynumc_wrap(numc_take_along_axis(v[0].arr, v[1].arr, v[2].n ? v[2].ax : NULL));
    case KIND_PUT_ALONG: {
        numc_array **h = handle_of(v[0].obj, "put_along_axis");
        if (!h) return NULL;
        if (numc_put_along_axis(h, v[1].arr, v[2].arr, v[3].n ? v[3].ax : NULL) != NUMC_OK)
            return pynumc_raise();
        Py_RETURN_NONE;
    }
    case KIND_APPEND:
        return pynumc_wrap(numc_append(v[0].arr, v[1].arr, v[2].n ? v[2].ax : NULL));
    case KIND_RESIZE:
        return pynumc_wrap(numc_resize(v[0].arr, v[1].n, v[1].ax));
    case KIND_VANDER:
        return pynumc_wrap(numc_vander(v[0].arr, v[1].none ? -1 : v[1].i, v[2].i));
    case KIND_LOGSPACE:
        if (v[6].i != 0 && v[6].i != -1) {
            PyErr_Format(pynumc_AxisError, "axis %lld is out of bounds for array of dimension 1",
                         (long long)v[6].i);
            return NULL;
        }
        return pynumc_wrap(numc_logspace(v[0].d, v[1].d, v[2].i, v[3].i, v[4].d, v[5].dt));
    case KIND_UNRAVEL: {
        int fo = order_f(v[2].obj);
        numc_array *out[NUMC_MAX_DIMS];
        if (fo < 0) return NULL;
        if (numc_unravel_index(v[0].arr, v[1].n, v[1].ax, fo, out) != NUMC_OK)
            return pynumc_raise();
        return tuple_of(out, v[1].n);
    }
    case KIND_RAVEL_MULTI: {
        int fo = order_f(v[3].obj);
        const char *mode = fo < 0 ? NULL : str_arg(v[2].obj, "ravel_multi_index", "mode");
        if (!mode) return NULL;
        return pynumc_wrap(numc_ravel_multi_index(v[0].n, (const numc_array *const *)v[0].list,
                                                  v[1].n, v[1].ax, mode, fo));
    }
    case KIND_SELECT: {
        PyObject *seq = PySequence_Fast(v[1].obj, "choicelist must be a sequence");
        if (!seq) return NULL;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n != v[0].n) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError,
                            "list of cases must be same length as list of conditions");
            return NULL;
        }
        numc_array **ch = PyMem_Calloc((size_t)(n ? n : 1), sizeof(numc_array *));
        PyObject *res = NULL;
        int ok = ch != NULL;
        for (Py_ssize_t i = 0; ok && i < n; i++)
            ok = (ch[i] = pynumc_from_object(PySequence_Fast_GET_ITEM(seq, i), NUMC_DTYPE_NONE)) !=
                 NULL;
        /* default=None stands for NumPy's default 0 (a Python int) */
        numc_array *zero = v[2].none ? numc_scalar_i64(0) : NULL;
        if (ok && (zero || !v[2].none))
            res = pynumc_wrap(numc_select((int)n, (const numc_array *const *)v[0].list,
                                          (const numc_array *const *)ch, zero ? zero : v[2].arr));
        else if (ok)
            pynumc_raise();
        if (zero) numc_array_release(zero);
        else if (!ch)
            PyErr_NoMemory();
        for (Py_ssize_t i = 0; ch && i < n; i++)
            if (ch[i]) numc_array_release(ch[i]);
        PyMem_Free(ch);
        Py_DECREF(seq);
        return res;
    }
    case KIND_COMPRESS:
        return finish(f, numc_compress(v[0].arr, v[1].arr, v[2].n ? v[2].ax : NULL));
    case KIND_DELETE: {
        const int64_t *ax = v[2].n ? v[2].ax : NULL;
        numc_array *obj = delete_obj(v[1].obj, v[0].arr, ax);
        if (!obj) return NULL;
        numc_array *r = numc_delete(v[0].arr, obj, ax);
        numc_array_release(obj);
        return pynumc_wrap(r);
    }
    case KIND_TRIM_ZEROS: {
        const char *trim = str_arg(v[1].obj, "trim_zeros", "trim");
        if (!trim) return NULL;
        numc_array *a = pynumc_asarray(v[0].obj, NUMC_DTYPE_NONE);
        if (!a) return NULL;
        numc_array *r = numc_trim_zeros(a, trim, v[2].n < 0 ? NULL : v[2].ax, v[2].n < 0 ? 0 : v[2].n);
        int nd = numc_array_ndim(a);
        numc_array_release(a);
        if (!r) return pynumc_raise();
        PyObject *o = pynumc_wrap(r);
        /* NumPy slices a 1-d list or tuple itself: list in, list out */
        if (o && nd == 1 && (PyList_Check(v[0].obj) || PyTuple_Check(v[0].obj))) {
            PyObject *l = PyObject_CallMethod(o, "tolist", NULL);
            Py_DECREF(o);
            if (l && PyTuple_Check(v[0].obj)) Py_SETREF(l, PySequence_Tuple(l));
            return l;
        }
        return o;
    }
    case KIND_IX: {
        int n = (int)f->nvar;
        if (n > NUMC_MAX_DIMS) {
            PyErr_SetString(PyExc_ValueError, "numc.ix_: too many arguments");
            return NULL;
        }
        numc_array *in[NUMC_MAX_DIMS], *out[NUMC_MAX_DIMS];
        int got = 0;
        for (; got < n; got++) {
            PyObject *o = f->var[got];
            /* NumPy types an empty list as intp, not float */
            int empty_seq = (PyList_Check(o) || PyTuple_Check(o)) && PySequence_Size(o) == 0;
            in[got] = pynumc_asarray(o, empty_seq ? NUMC_INT64 : NUMC_DTYPE_NONE);
            if (!in[got]) break;
        }
        PyObject *res = NULL;
        if (got == n) {
            if (numc_ix(n, (const numc_array *const *)in, out) != NUMC_OK)
                pynumc_raise();
            else
                res = tuple_of(out, n);
        }
        for (int i = 0; i < got; i++)
            numc_array_release(in[i]);
        return res;
    }
    case KIND_GEOMSPACE:
        if (v[5].i != 0 && v[5].i != -1) {
            PyErr_Format(pynumc_AxisError, "axis %lld is out of bounds for array of dimension 1",
                         (long long)v[5].i);
            return NULL;
        }
        return pynumc_wrap(numc_geomspace(v[0].d, v[1].d, v[2].i, v[3].i, v[4].dt));
    case KIND_INSERT: {
        const int64_t *ax = v[3].n ? v[3].ax : NULL;
        numc_array *flat = ax || numc_array_ndim(v[0].arr) == 1 ? NULL : numc_ravel(v[0].arr);
        numc_array *obj = delete_obj(v[1].obj, flat ? flat : v[0].arr, ax);
        if (flat) numc_array_release(flat);
        if (!obj) return NULL;
        numc_array *r = numc_insert(v[0].arr, obj, v[2].arr, ax);
        numc_array_release(obj);
        return pynumc_wrap(r);
    }
    case KIND_BLOCK:
        return do_block(v[0].obj);
    case KIND_FILL_DIAGONAL: {
        numc_array **h = handle_of(v[0].obj, "fill_diagonal");
        if (!h) return NULL;
        if (numc_fill_diagonal(h, v[1].arr, v[2].i) != NUMC_OK) return pynumc_raise();
        Py_RETURN_NONE;
    }
    default:
        break;
    }
    PyErr_Format(PyExc_SystemError, "numc: no invoker for %s", f->s->name);
    return NULL;
}

/* ---- issue 8, breadth3 ---- */
/* nonzero (what 0), argwhere (1) and flatnonzero (2), with JAX's size= and
 * fill_value=: a static result size, so they trace under numc.function. */
static PyObject *nonzero_sized(numc_array *a, pval *size, pval *fill, int what) {
    numc_array *nz[NUMC_MAX_DIMS], *flat = NULL;
    if (size->none) {
        if (!fill->none) {
            PyErr_SetString(PyExc_ValueError, "fill_value is only used together with size=");
            return NULL;
        }
        if (!numc_array_is_concrete(a)) {
            PyErr_Format(PyExc_TypeError,
                         "%s: the shape of its result depends on the values of its input, which "
                         "a traced array (numc.function, vmap) does not have; pass a static "
                         "size= (and fill_value=) as in JAX, or call it eagerly",
                         what == 1   ? "argwhere"
                         : what == 2 ? "flatnonzero"
                                     : "nonzero");
            return NULL;
        }
        if (what == 1) return pynumc_wrap(numc_argwhere(a));
        if (what == 2) return pynumc_wrap(numc_flatnonzero(a));
        if (pynumc_nonzero(a, nz) < 0) return NULL;
        return tuple_of(nz, numc_array_ndim(a));
    }
    if (what == 2 || (what == 1 && numc_array_ndim(a) == 0)) {
        flat = what == 2 ? numc_ravel(a) : numc_reshape(a, 1, (const int64_t[]){1});
        if (!flat) return pynumc_raise();
        a = flat;
    }
    numc_status st = numc_nonzero_sized(a, size->i, fill->none ? NULL : fill->arr, nz);
    int nd = numc_array_ndim(a);
    if (flat) numc_array_release(flat);
    if (st != NUMC_OK) return pynumc_raise();
    if (what == 2) return pynumc_wrap(nz[0]);
    if (what == 0) return tuple_of(nz, nd);
    numc_array *r = numc_stack(nd, (const numc_array *const *)nz, 1);
    for (int i = 0; i < nd; i++)
        numc_array_release(nz[i]);
    return pynumc_wrap(r);
}

/* ---- floating-point error names (issue 8, breadth3) ---- */
/* The name NumPy's ufunc reports floating-point errors under: the row's,
 * except for the aliases whose ufunc has another name. */
static const char *ufunc_name(const char *row) {
    static const char *const alias[][2] = {
        {"true_divide", "divide"}, {"mod", "remainder"}, {"asin", "arcsin"},
        {"acos", "arccos"},        {"atan", "arctan"},   {"asinh", "arcsinh"},
        {"acosh", "arccosh"},      {"atanh", "arctanh"}, {"atan2", "arctan2"},
        {"pow", "power"},          {"abs", "absolute"},  {"conj", "conjugate"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
        if (!strcmp(row, alias[i][0])) return alias[i][1];
    return row;
}

/* Ends a floating-point error scope: a raised mode fails the result. */
static numc_array *fp_end(int fp, numc_array *r) {
    if (numc_fp_scope_end(fp) != NUMC_OK && r) {
        numc_array_release(r);
        r = NULL;
    }
    return r;
}

static PyObject *invoke(frame_t *f) {
    const spec_t *s = f->s;
    pval *v = f->v;
    anyfn fn = s->cfunc;
    switch (s->kind) {
    case KIND_UNARY: {
        const numc_array *x = v[0].arr;
        numc_array *r;
        int fp = numc_fp_scope_begin(ufunc_name(s->name));
        PYNUMC_CALL(numc_array_size(x) >= PYNUMC_NOGIL_ELEMENTS, r,
                    numc_ufunc_unary((fn1)fn, x, opt_dtype(f)));
        return finish(f, fp_end(fp, r));
    }
    case KIND_BINARY: {
        const numc_array *x = v[0].arr, *y = v[1].arr;
        numc_array *r;
        int fp = numc_fp_scope_begin(ufunc_name(s->name));
        PYNUMC_CALL(numc_array_size(x) + numc_array_size(y) >= PYNUMC_NOGIL_ELEMENTS, r,
                    numc_ufunc_binary((fn2)fn, x, y, opt_dtype(f)));
        return finish(f, fp_end(fp, r));
    }
    case KIND_DIVMOD: {
        numc_array *out[2];
        int fp = numc_fp_scope_begin("divmod");
        numc_status st = numc_ufunc_divmod(v[0].arr, v[1].arr, opt_dtype(f), out);
        if (numc_fp_scope_end(fp) != NUMC_OK && st == NUMC_OK) {
            numc_array_release(out[0]);
            numc_array_release(out[1]);
            st = NUMC_ERR_RUNTIME;
        }
        if (st != NUMC_OK) return pynumc_raise();
        return pair(out[0], out[1]);
    }
    case KIND_MODF: {
        numc_array *out[2];
        if (numc_modf(v[0].arr, out) != NUMC_OK) return pynumc_raise();
        return pair(out[0], out[1]);
    }
    case KIND_WHERE: {
        if (v[1].none && v[2].none) return nonzero_sized(v[0].arr, &v[3], &v[4], 0);
        return pynumc_wrap(numc_where(v[0].arr, v[1].none ? NULL : v[1].arr,
                                      v[2].none ? NULL : v[2].arr));
    }
    case KIND_CLIP: {
        pval *lo = OPT(f, a_min), *hi = OPT(f, a_max), *lo2 = OPT(f, min), *hi2 = OPT(f, max);
        if ((!lo->none && !lo2->none) || (!hi->none && !hi2->none)) {
            PyErr_SetString(PyExc_TypeError, "clip() passed both a_min/min or a_max/max");
            return NULL;
        }
        const numc_array *l = lo->none ? lo2->arr : lo->arr, *h = hi->none ? hi2->arr : hi->arr;
        return finish(f, numc_clip(v[0].arr, l, h));
    }
    case KIND_ROUND:
        return finish(f, numc_round(v[0].arr, OPT(f, decimals)->i));
    case KIND_TENSORDOT:
        return do_tensordot(f);
    case KIND_REDUCE: {
        pval *ax = OPT(f, axis);
        numc_array *r;
        int keep = opt_bool(f, SLOT_keepdims, 0);
        numc_dtype dt = opt_dtype(f);
        PYNUMC_CALL(
            numc_array_size(v[0].arr) >= PYNUMC_NOGIL_ELEMENTS, r,
            ((fnred)fn)(v[0].arr, ax->n < 0 ? NULL : ax->ax, ax->n < 0 ? 0 : ax->n, keep, dt));
        return finish(f, r);
    }
    case KIND_VARSTD: {
        pval *ax = OPT(f, axis), *corr = OPT(f, correction);
        double ddof = OPT(f, ddof)->d;
        if (!corr->none) {
            if (ddof != 0) {
                PyErr_SetString(PyExc_ValueError,
                                "ddof and correction can't be provided simultaneously.");
                return NULL;
            }
            ddof = corr->d;
        }
        return finish(f, ((fnvar)fn)(v[0].arr, ax->n < 0 ? NULL : ax->ax, ax->n < 0 ? 0 : ax->n,
                                     opt_bool(f, SLOT_keepdims, 0), opt_dtype(f), ddof));
    }
    case KIND_COUNT_NONZERO: {
        pval *ax = OPT(f, axis);
        return pynumc_wrap(numc_count_nonzero(v[0].arr, ax->n < 0 ? NULL : ax->ax,
                                              ax->n < 0 ? 0 : ax->n,
                                              opt_bool(f, SLOT_keepdims, 0)));
    }
    case KIND_ARGRED: {
        pval *ax = OPT(f, axis);
        return finish(f,
                      ((fnarg)fn)(v[0].arr, ax->n ? ax->ax : NULL, opt_bool(f, SLOT_keepdims, 0)));
    }
    case KIND_CUMUL: {
        pval *ax = OPT(f, axis);
        return finish(f, ((fncum)fn)(v[0].arr, ax->n ? ax->ax : NULL, opt_dtype(f)));
    }
    case KIND_CUMULATIVE:
        return do_cumulative(f);
    case KIND_ARRAY:
        return do_array(f, 0);
    case KIND_ASARRAY:
        return do_array(f, 1);
    case KIND_CREATE: {
        if (check_device(f) < 0) return NULL;
        pval *sh = OPT(f, shape);
        return pynumc_wrap(((fncreate)fn)(sh->n, sh->ax, opt_dtype(f)));
    }
    case KIND_FULL: {
        if (check_device(f) < 0) return NULL;
        pval *sh = OPT(f, shape);
        return pynumc_wrap(numc_full(sh->n, sh->ax, OPT(f, fill_value)->arr, opt_dtype(f)));
    }
    case KIND_LIKE:
    case KIND_FULL_LIKE: {
        if (check_device(f) < 0) return NULL;
        pval *sh = OPT(f, shape);
        numc_dtype dt = opt_dtype(f);
        if (!sh->none) {
            if (dt == NUMC_DTYPE_NONE) dt = numc_array_dtype(v[0].arr);
            if (s->kind == KIND_FULL_LIKE)
                return pynumc_wrap(numc_full(sh->n, sh->ax, OPT(f, fill_value)->arr, dt));
            fncreate c = fn == (anyfn)numc_zeros_like  ? numc_zeros
                         : fn == (anyfn)numc_ones_like ? numc_ones
                                                       : numc_empty;
            return pynumc_wrap(c(sh->n, sh->ax, dt));
        }
        if (s->kind == KIND_FULL_LIKE)
            return pynumc_wrap(numc_full_like(v[0].arr, OPT(f, fill_value)->arr, dt));
        return pynumc_wrap(((fnlike)fn)(v[0].arr, dt));
    }
    case KIND_ARANGE:
        if (check_device(f) < 0) return NULL;
        return do_arange(f);
    case KIND_LINSPACE:
        if (check_device(f) < 0) return NULL;
        return do_linspace(f);
    case KIND_EYE: {
        if (check_device(f) < 0) return NULL;
        pval *m = OPT(f, M);
        return pynumc_wrap(numc_eye(v[0].i, m->none ? v[0].i : m->i, OPT(f, k)->i, opt_dtype(f)));
    }
    case KIND_IDENTITY:
        return pynumc_wrap(numc_identity(v[0].i, opt_dtype(f)));
    case KIND_COPY:
        return pynumc_wrap(numc_copy(v[0].arr));
    case KIND_ASTYPE: {
        numc_dtype dt = v[1].dt;
        if (dt == NUMC_DTYPE_NONE) dt = numc_default_float();
        if (check_device(f) < 0) return NULL;
        if (!opt_bool(f, SLOT_copy, 1) && NumcArray_Check(v[0].obj) &&
            numc_array_dtype(v[0].arr) == dt)
            return Py_NewRef(v[0].obj);
        return pynumc_wrap(numc_astype(v[0].arr, dt));
    }
    case KIND_RESHAPE: {
        pval *sh = OPT(f, shape), *ns = OPT(f, newshape);
        if (sh->none && ns->none) {
            PyErr_SetString(PyExc_TypeError,
                            "reshape() missing 1 required positional argument: 'shape'");
            return NULL;
        }
        if (!sh->none && !ns->none) {
            PyErr_SetString(
                PyExc_TypeError,
                "You cannot specify 'newshape' and 'shape' arguments at the same time.");
            return NULL;
        }
        pval *p = sh->none ? ns : sh;
        return pynumc_wrap(numc_reshape(v[0].arr, p->n, p->ax));
    }
    case KIND_RAVEL:
        return pynumc_wrap(numc_ravel(v[0].arr));
    case KIND_TRANSPOSE: {
        pval *ax = OPT(f, axes);
        return pynumc_wrap(
            numc_transpose(v[0].arr, ax->n < 0 ? NULL : ax->ax, ax->n < 0 ? 0 : ax->n));
    }
    case KIND_SWAPAXES:
        return pynumc_wrap(numc_swapaxes(v[0].arr, OPT(f, axis1)->i, OPT(f, axis2)->i));
    case KIND_MOVEAXIS: {
        pval *src = OPT(f, source), *dst = OPT(f, destination);
        if (src->n != dst->n || src->n < 0) {
            PyErr_SetString(PyExc_ValueError, "`source` and `destination` arguments must have the "
                                              "same number of elements");
            return NULL;
        }
        return pynumc_wrap(numc_moveaxis(v[0].arr, src->ax, dst->ax, src->n));
    }
    case KIND_EXPAND_DIMS: {
        pval *ax = OPT(f, axis);
        if (ax->n < 0) {
            PyErr_SetString(PyExc_TypeError,
                            "'NoneType' object cannot be interpreted as an integer");
            return NULL;
        }
        return pynumc_wrap(numc_expand_dims(v[0].arr, ax->ax, ax->n));
    }
    case KIND_SQUEEZE: {
        pval *ax = OPT(f, axis);
        return pynumc_wrap(
            numc_squeeze(v[0].arr, ax->n < 0 ? NULL : ax->ax, ax->n < 0 ? 0 : ax->n));
    }
    case KIND_BROADCAST_TO: {
        pval *sh = OPT(f, shape);
        return pynumc_wrap(numc_broadcast_to(v[0].arr, sh->n, sh->ax));
    }
    case KIND_BROADCAST_ARRAYS: {
        int n = (int)f->nvar;
        numc_array **in = PyMem_Calloc((size_t)(n ? n : 1), sizeof(numc_array *));
        numc_array **out = PyMem_Calloc((size_t)(n ? n : 1), sizeof(numc_array *));
        PyObject *res = NULL;
        if (!in || !out) {
            PyErr_NoMemory();
            goto bdone;
        }
        for (int i = 0; i < n; i++) {
            in[i] = pynumc_asarray(f->var[i], NUMC_DTYPE_NONE);
            if (!in[i]) goto bdone;
        }
        if (numc_broadcast_arrays(n, (const numc_array *const *)in, out) != NUMC_OK)
            pynumc_raise();
        else
            res = tuple_of(out, n);
    bdone:
        for (int i = 0; in && i < n; i++)
            if (in[i]) numc_array_release(in[i]);
        PyMem_Free(in);
        PyMem_Free(out);
        return res;
    }
    case KIND_CONCAT:
    case KIND_STACK:
    case KIND_SEQ: {
        pval *l = &v[0];
        numc_dtype dt = opt_dtype(f);
        if (dt != NUMC_DTYPE_NONE)
            for (int i = 0; i < l->n; i++) {
                if (numc_array_dtype(l->list[i]) == dt) continue;
                numc_array *c = numc_astype(l->list[i], dt);
                if (!c) return pynumc_raise();
                numc_array_release(l->list[i]);
                l->list[i] = c; /* the list owns its members */
            }
        numc_array *r;
        if (s->kind == KIND_CONCAT) {
            pval *ax = OPT(f, axis);
            r = numc_concatenate(l->n, (const numc_array *const *)l->list, ax->n ? ax->ax : NULL);
        } else if (s->kind == KIND_STACK) {
            r = numc_stack(l->n, (const numc_array *const *)l->list, OPT(f, axis)->i);
        } else {
            r = ((fnseq)fn)(l->n, (const numc_array *const *)l->list);
        }
        return finish(f, r);
    }
    case KIND_SPLIT:
        return do_split(f);
    case KIND_FLIP: {
        pval *ax = OPT(f, axis);
        return pynumc_wrap(numc_flip(v[0].arr, ax->n < 0 ? NULL : ax->ax, ax->n < 0 ? 0 : ax->n));
    }
    case KIND_TAKE: {
        pval *ax = OPT(f, axis);
        return finish(f, numc_take(v[0].arr, v[1].arr, ax->n ? ax->ax : NULL));
    }
    case KIND_SORT: {
        pval *ax = OPT(f, axis);
        return finish(f, ((fnsort)fn)(v[0].arr, ax->n ? ax->ax : NULL));
    }
    case KIND_SORTING:
        return do_sorting(f);
    case KIND_NONZERO:
        return nonzero_sized(v[0].arr, &v[1], &v[2], 0);
    case KIND_SIZED:
        return nonzero_sized(v[0].arr, &v[1], &v[2], fn == (anyfn)numc_argwhere ? 1 : 2);
    case KIND_RESULT_TYPE:
        return do_result_type(f);
    case KIND_PROMOTE_TYPES: {
        numc_dtype a = v[0].dt == NUMC_DTYPE_NONE ? numc_default_float() : v[0].dt;
        numc_dtype b = v[1].dt == NUMC_DTYPE_NONE ? numc_default_float() : v[1].dt;
        numc_dtype r = numc_promote_types(a, b);
        if ((int)r < 0) return pynumc_raise();
        return Py_NewRef(pynumc_dtype_object(r));
    }
    case KIND_CAN_CAST: {
        PyObject *from = v[0].obj;
        numc_dtype a;
        if (PyLong_CheckExact(from) || PyFloat_CheckExact(from) || PyComplex_CheckExact(from) ||
            PyBool_Check(from)) {
            PyErr_SetString(PyExc_TypeError,
                            "can_cast() does not support Python ints, floats, and complex because "
                            "the result used to depend on the value.\nThis change was part of "
                            "adopting NEP 50, we may explicitly allow them again in the future.");
            return NULL;
        }
        if (NumcArray_Check(from))
            a = numc_array_dtype(NumcArray_ARR(from));
        else if (pynumc_parse_dtype(from, &a) < 0)
            return NULL;
        if (a == NUMC_DTYPE_NONE) a = numc_default_float();
        numc_dtype b = v[1].dt == NUMC_DTYPE_NONE ? numc_default_float() : v[1].dt;
        PyObject *c = OPT(f, casting)->obj;
        const char *casting = PyUnicode_Check(c) ? PyUnicode_AsUTF8(c) : NULL;
        if (numc_check_casting(casting) != NUMC_OK) return pynumc_raise();
        return PyBool_FromLong(numc_can_cast(a, b, casting));
    }
    case KIND_SHAPE: {
        numc_array *a = v[0].arr;
        int nd = numc_array_ndim(a);
        PyObject *t = PyTuple_New(nd);
        for (int i = 0; t && i < nd; i++)
            PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(numc_array_shape(a)[i]));
        return t;
    }
    case KIND_NDIM:
        return PyLong_FromLong(numc_array_ndim(v[0].arr));
    case KIND_SIZE: {
        pval *ax = OPT(f, axis);
        numc_array *a = v[0].arr;
        if (ax->none) return PyLong_FromLongLong(numc_array_size(a));
        int64_t k;
        if (numc_normalize_axis(ax->i, numc_array_ndim(a), &k) != NUMC_OK) return pynumc_raise();
        return PyLong_FromLongLong(numc_array_shape(a)[k]);
    }
    /* ---- breadth2 (issue 8) ---- */
    case KIND_FRAMEFN:
        return ((pynumc_framefn)fn)(f);
    /* ---- end of breadth2 ---- */
    default:
        return invoke_manip2(f);
    }
    PyErr_Format(PyExc_SystemError, "numc: no invoker for %s", s->name);
    return NULL;
}

/* ---- entry points ---- */

static PyObject *call_spec(const spec_t *s, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames) {
    frame_t f;
    PyObject *r = NULL;
    if (pynumc_parse_call(s, self, args, nargs, kwnames, &f) == 0) r = invoke(&f);
    pynumc_frame_release(&f);
    return r;
}

/* The PyCFunction's self is the spec index (a Python int). */
static PyObject *dispatch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames) {
    return call_spec(&specs[PyLong_AS_LONG(self)], NULL, args, nargs, kwnames);
}

PyObject *pynumc_call_spec(int idx, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames) {
    if (idx < 0 || idx >= nspecs) {
        PyErr_SetString(PyExc_AttributeError, "numc: this method is not available yet");
        return NULL;
    }
    return call_spec(&specs[idx], self, args, nargs, kwnames);
}

int pynumc_spec_index(const char *name) {
    for (int i = 0; i < nspecs; i++)
        if (!strcmp(specs[i].name, name)) return i;
    return -1;
}

/* "name(sig)\n--\n\n..." so inspect.signature() sees the Python signature. */
static const char *make_doc(const spec_t *s) {
    size_t cap = 256 + 2 * strlen(s->sig) + strlen(s->name) * 2 + strlen(s->cname);
    char *d = PyMem_RawMalloc(cap), *p = d;
    if (!d) return (const char *)PyErr_NoMemory();
    p += sprintf(p, "%s(", s->name);
    int kw_marked = 0;
    for (int i = 0; i < s->np; i++) {
        const param_t *q = &s->p[i];
        if (i) p += sprintf(p, ", ");
        if (q->kwonly && !kw_marked && q->type != 'V' && s->var < 0) {
            p += sprintf(p, "*, ");
            kw_marked = 1;
        }
        if (q->type == 'V') {
            p += sprintf(p, "*%s", PyUnicode_AsUTF8(q->name));
            kw_marked = 1;
            continue;
        }
        p += sprintf(p, "%s", PyUnicode_AsUTF8(q->name));
        if (q->dflt) {
            PyObject *r = PyObject_Repr(q->dflt);
            if (!r) {
                PyMem_RawFree(d);
                return NULL;
            }
            p += snprintf(p, cap - (size_t)(p - d) - 64, "=%s", PyUnicode_AsUTF8(r));
            Py_DECREF(r);
        }
        if (q->posonly && (i + 1 == s->np || !s->p[i + 1].posonly)) p += sprintf(p, ", /");
    }
    sprintf(p, ")\n--\n\nNumPy's %s on numc arrays (C: %s).", s->name, s->cname);
    return d;
}

static const row_t *find_row(const char *name) {
    for (int i = 0; i < NROWS; i++)
        if (rows[i].kind != KIND_ALIAS && !strcmp(rows[i].name, name)) return &rows[i];
    return NULL;
}

int pynumc_init_functions(PyObject *m) {
    PyObject *spec_list = PyList_New(0);
    if (!spec_list) return -1;
    for (int i = 0; i < NROWS; i++) {
        const row_t *r = &rows[i];
        if (pynumc_spec_index(r->name) >= 0) continue; /* name == alias in the API lists */
        spec_t *s = &specs[nspecs];
        s->name = r->name;
        s->kind = r->kind;
        s->cfunc = r->cfunc;
        s->cname = r->cname;
        s->sig = r->sig;
        if (r->kind == KIND_ALIAS) {
            const row_t *t = find_row(r->sig);
            if (!t) {
                PyErr_Format(PyExc_SystemError, "numc: alias %s of unknown %s", r->name, r->sig);
                goto fail;
            }
            s->kind = t->kind;
            s->sig = t->sig;
        }
        if (pynumc_compile_sig(s) < 0) goto fail;
        s->def.ml_name = s->name;
        s->def.ml_meth = (PyCFunction)(void (*)(void))dispatch;
        s->def.ml_flags = METH_FASTCALL | METH_KEYWORDS;
        s->def.ml_doc = make_doc(s);
        if (!s->def.ml_doc) goto fail;
        PyObject *idx = PyLong_FromLong(nspecs);
        PyObject *modname = PyUnicode_FromString("numc");
        PyObject *fn = idx && modname ? PyCFunction_NewEx(&s->def, idx, modname) : NULL;
        Py_XDECREF(idx);
        Py_XDECREF(modname);
        if (!fn) goto fail;
        nspecs++;
        if (PyModule_AddObject(m, s->name, fn) < 0) {
            Py_DECREF(fn);
            goto fail;
        }
        PyObject *row = Py_BuildValue("(sss)", s->name, kind_names[s->kind], s->cname);
        if (!row || PyList_Append(spec_list, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
    }
    PyObject *t = PyList_AsTuple(spec_list);
    Py_DECREF(spec_list);
    if (!t || PyModule_AddObject(m, "_spec", t) < 0) {
        Py_XDECREF(t);
        return -1;
    }
    return 0;
fail:
    Py_DECREF(spec_list);
    return -1;
}
