/* functions.c — binds the spec table (functions.def) to Python: compiles each
 * row's signature once at import (interned keyword names, converted
 * defaults), parses vectorcall arguments generically, and calls the row's C
 * function through the invoker its KIND names. Also the shared argument
 * helpers (axes, shape, int) and the `_spec` export. */
#include "pynumc.h"

#include "core/core-impl.h"

#define MAXP 16

#define PYNUMC_KINDS(K)                                                                            \
    K(UNARY)                                                                                       \
    K(BINARY) K(ALIAS) K(DIVMOD) K(MODF) K(WHERE) K(CLIP) K(ROUND) K(TENSORDOT) K(REDUCE)          \
        K(VARSTD) K(COUNT_NONZERO) K(ARGRED) K(CUMUL) K(CUMULATIVE) K(ARRAY) K(ASARRAY) K(CREATE)  \
            K(FULL) K(LIKE) K(FULL_LIKE) K(ARANGE) K(LINSPACE) K(EYE) K(IDENTITY) K(COPY)          \
                K(ASTYPE) K(RESHAPE) K(RAVEL) K(TRANSPOSE) K(SWAPAXES) K(MOVEAXIS) K(EXPAND_DIMS)  \
                    K(SQUEEZE) K(BROADCAST_TO) K(BROADCAST_ARRAYS) K(CONCAT) K(STACK) K(SEQ)       \
                        K(SPLIT) K(FLIP) K(TAKE) K(NONZERO) K(RESULT_TYPE) K(PROMOTE_TYPES)        \
                            K(CAN_CAST) K(SHAPE) K(NDIM) K(SIZE)

enum {
#define K(n) KIND_##n,
    PYNUMC_KINDS(K)
#undef K
        KIND_COUNT
};
static const char *const kind_names[] = {
#define K(n) #n,
    PYNUMC_KINDS(K)
#undef K
};

/* Keyword parameters the invokers look up by name (operands are read by
 * position: v[0], v[1], ...). */
#define PYNUMC_SLOTS(S)                                                                            \
    S(axis)                                                                                        \
    S(dtype) S(out) S(keepdims) S(ddof) S(correction) S(decimals) S(copy) S(ndmin) S(device)       \
        S(shape) S(num) S(endpoint) S(retstep) S(M) S(k) S(axes) S(axis1) S(axis2) S(source)       \
            S(destination) S(include_initial) S(fill_value) S(stop) S(step) S(a_min) S(a_max)      \
                S(min) S(max) S(indices_or_sections) S(newshape) S(casting) S(x) S(y) S(to)

enum {
#define S(n) SLOT_##n,
    PYNUMC_SLOTS(S)
#undef S
        SLOT_COUNT
};
static const char *const slot_names[] = {
#define S(n) #n,
    PYNUMC_SLOTS(S)
#undef S
};

typedef void (*anyfn)(void);
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

/* A parsed argument. */
typedef struct {
    int none;          /* None given (optional types) */
    numc_array *arr;   /* A, a */
    numc_dtype dt;     /* D */
    int64_t i;         /* I, C (-1 None), B */
    double d;          /* F */
    int n;             /* X/S/x count (-1 None for X), L count */
    int64_t *ax;       /* X, S, x */
    numc_array **list; /* L */
    PyObject *obj;     /* the object (borrowed) for O, P, and all others */
} pval;

typedef struct {
    PyObject *name; /* interned */
    char type;
    char opt, kwonly, posonly, required;
    PyObject *dflt;
    pval dval; /* the default, converted once */
    int64_t dbuf[1];
} param_t;

typedef struct {
    const char *name;
    int kind;
    anyfn cfunc;
    const char *cname;
    const char *sig;
    int np, npos, var; /* params, how many take positionals, the V param or -1 */
    param_t p[MAXP];
    signed char pos_of[SLOT_COUNT];
    PyMethodDef def;
} spec_t;

static spec_t specs[NROWS];
static int nspecs;

typedef struct {
    const spec_t *s;
    pval v[MAXP];
    int64_t axbuf[MAXP][NUMC_MAX_DIMS];
    numc_array *owned[MAXP * 2];
    int nowned;
    struct {
        numc_array **v;
        int n;
    } lists[MAXP]; /* L arguments: members are owned through the list */
    int nlists;
    PyObject *const *var;
    Py_ssize_t nvar;
} frame_t;

/* ---- shared argument helpers ---- */

int pynumc_parse_int(PyObject *obj, int64_t *out) {
    if (PyLong_CheckExact(obj)) {
        long long v = PyLong_AsLongLong(obj);
        if (v == -1 && PyErr_Occurred()) return -1;
        *out = v;
        return 0;
    }
    if (PyFloat_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyObject *i = PyNumber_Index(obj);
    if (!i) return -1;
    long long v = PyLong_AsLongLong(i);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = v;
    return 0;
}

static int parse_int_seq(PyObject *obj, int64_t *out, int *n, const char *what) {
    PyObject *seq = PySequence_Fast(obj, what);
    if (!seq) return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    if (len > NUMC_MAX_DIMS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError,
                     "maximum supported dimension for an ndarray is %d, found %zd", NUMC_MAX_DIMS,
                     len);
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        if (pynumc_parse_int(PySequence_Fast_GET_ITEM(seq, i), &out[i]) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    *n = (int)len;
    Py_DECREF(seq);
    return 0;
}

int pynumc_parse_axes(PyObject *obj, int64_t *axes, int *naxes) {
    if (obj == Py_None) {
        *naxes = -1;
        return 0;
    }
    if (PyLong_Check(obj) ||
        (PyIndex_Check(obj) && !PyFloat_Check(obj) && !PySequence_Check(obj))) {
        *naxes = 1;
        return pynumc_parse_int(obj, axes);
    }
    if (NumcArray_Check(obj) && numc_array_ndim(NumcArray_ARR(obj)) == 0) {
        *naxes = 1;
        return pynumc_parse_int(obj, axes);
    }
    if (!PyTuple_Check(obj) && !PyList_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return parse_int_seq(obj, axes, naxes, "axis must be an int or a tuple of ints");
}

int pynumc_parse_shape(PyObject *obj, int64_t *shape, int *ndim) {
    if (PyLong_Check(obj) || (PyIndex_Check(obj) && !PyFloat_Check(obj) &&
                              !(NumcArray_Check(obj) && numc_array_ndim(NumcArray_ARR(obj)) > 0))) {
        *ndim = 1;
        return pynumc_parse_int(obj, shape);
    }
    if (NumcArray_Check(obj) || pynumc_is_numpy_object(obj)) {
        PyObject *l = PyObject_CallMethod(obj, "tolist", NULL);
        if (!l) return -1;
        int r = pynumc_parse_shape(l, shape, ndim);
        Py_DECREF(l);
        return r;
    }
    if (!PySequence_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "'%.200s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return parse_int_seq(obj, shape, ndim, "shape must be an int or a sequence of ints");
}

/* ---- compiling signatures ---- */

static PyObject *parse_literal(const char *s, size_t n) {
    char buf[64];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (!strcmp(buf, "None")) return Py_NewRef(Py_None);
    if (!strcmp(buf, "True")) return Py_NewRef(Py_True);
    if (!strcmp(buf, "False")) return Py_NewRef(Py_False);
    if (buf[0] == '\'') {
        buf[n - 1] = 0;
        return PyUnicode_InternFromString(buf + 1);
    }
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (!*end) return PyLong_FromLongLong(v);
    return PyFloat_FromDouble(strtod(buf, NULL));
}

static int convert_param(const spec_t *s, const param_t *p, PyObject *o, pval *v, frame_t *f,
                         int64_t *axbuf);

static int compile_sig(spec_t *s) {
    const char *c = s->sig;
    int kwonly = 0;
    s->np = 0;
    s->var = -1;
    memset(s->pos_of, -1, sizeof s->pos_of);
    while (*c) {
        while (*c == ' ' || *c == ',')
            c++;
        if (!*c) break;
        const char *tok = c;
        while (*c && *c != ',')
            c++;
        size_t len = (size_t)(c - tok);
        while (len && tok[len - 1] == ' ')
            len--;
        if (len == 1 && tok[0] == '/') {
            for (int i = 0; i < s->np; i++)
                s->p[i].posonly = 1;
            continue;
        }
        if (len == 1 && tok[0] == '*') {
            kwonly = 1;
            continue;
        }
        if (s->np >= MAXP) goto bad;
        param_t *p = &s->p[s->np];
        memset(p, 0, sizeof *p);
        const char *colon = memchr(tok, ':', len);
        if (!colon) goto bad;
        char name[64];
        size_t nl = (size_t)(colon - tok);
        if (nl >= sizeof name) goto bad;
        memcpy(name, tok, nl);
        name[nl] = 0;
        p->name = PyUnicode_InternFromString(name);
        if (!p->name) return -1;
        p->type = colon[1];
        const char *rest = colon + 2;
        if (*rest == '?') {
            p->opt = 1;
            rest++;
        }
        p->kwonly = (char)kwonly;
        if (rest < tok + len && *rest == '=') {
            p->dflt = parse_literal(rest + 1, (size_t)(tok + len - rest - 1));
            if (!p->dflt) return -1;
            if (p->dflt == Py_None) p->opt = 1;
        } else if (p->type != 'V') {
            p->required = 1;
        }
        if (p->type == 'V') {
            s->var = s->np;
            kwonly = 1;
        }
        for (int sl = 0; sl < SLOT_COUNT; sl++)
            if (!strcmp(slot_names[sl], name)) s->pos_of[sl] = (signed char)s->np;
        s->np++;
    }
    s->npos = 0;
    for (int i = 0; i < s->np; i++)
        if (!s->p[i].kwonly && s->p[i].type != 'V') s->npos = i + 1;
    /* defaults are converted once; they may not own arrays */
    for (int i = 0; i < s->np; i++) {
        param_t *p = &s->p[i];
        memset(&p->dval, 0, sizeof p->dval);
        if (!p->dflt) continue;
        if (convert_param(s, p, p->dflt, &p->dval, NULL, p->dbuf) < 0) return -1;
        p->dval.obj = p->dflt;
    }
    return 0;
bad:
    PyErr_Format(PyExc_SystemError, "numc: bad signature for %s: %s", s->name, s->sig);
    return -1;
}

/* ---- parsing a call ---- */

static int own(frame_t *f, numc_array *a) {
    f->owned[f->nowned++] = a;
    return 0;
}

static void frame_release(frame_t *f) {
    for (int i = 0; i < f->nowned; i++)
        numc_array_release(f->owned[i]);
    for (int i = 0; i < f->nlists; i++) {
        for (int j = 0; j < f->lists[i].n; j++)
            numc_array_release(f->lists[i].v[j]);
        PyMem_Free(f->lists[i].v);
    }
}

static int check_order_arg(PyObject *o) {
    if (o == Py_None) return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (s && (!strcmp(s, "C") || !strcmp(s, "K") || !strcmp(s, "A"))) return 0;
    if (s && !strcmp(s, "F")) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "numc arrays are C-ordered: order='F' is not supported");
        return -1;
    }
    PyErr_SetString(PyExc_ValueError, "order must be one of 'C', 'F', 'A', or 'K'");
    return -1;
}

static int convert_param(const spec_t *s, const param_t *p, PyObject *o, pval *v, frame_t *f,
                         int64_t *axbuf) {
    v->obj = o;
    v->none = o == Py_None;
    if (v->none && p->opt && p->type != 'X' && p->type != 'D' && p->type != 'x' && p->type != 'C') {
        v->arr = NULL;
        v->n = -1;
        return 0;
    }
    switch (p->type) {
    case 'A':
    case 'a':
        v->arr = p->type == 'A' ? pynumc_from_object(o, NUMC_DTYPE_NONE)
                                : pynumc_asarray(o, NUMC_DTYPE_NONE);
        if (!v->arr) return -1;
        return own(f, v->arr);
    case 'D':
        return pynumc_parse_dtype(o, &v->dt);
    case 'X':
        v->ax = axbuf;
        return pynumc_parse_axes(o, axbuf, &v->n);
    case 'x':
        v->ax = axbuf;
        if (o == Py_None) {
            v->n = 0;
            return 0;
        }
        v->n = 1;
        return pynumc_parse_int(o, axbuf);
    case 'I':
        return pynumc_parse_int(o, &v->i);
    case 'F':
        v->d = PyFloat_AsDouble(o);
        return (v->d == -1.0 && PyErr_Occurred()) ? -1 : 0;
    case 'B': {
        int t = PyObject_IsTrue(o);
        if (t < 0) return -1;
        v->i = t;
        return 0;
    }
    case 'C':
        if (o == Py_None)
            v->i = -1;
        else {
            int t = PyObject_IsTrue(o);
            if (t < 0) return -1;
            v->i = t;
        }
        return 0;
    case 'S':
        v->ax = axbuf;
        return pynumc_parse_shape(o, axbuf, &v->n);
    case 'L': {
        /* an array is a sequence of its rows */
        PyObject *seq = NumcArray_Check(o) ? PySequence_List(o)
                                           : PySequence_Fast(o, "expected a sequence of arrays");
        if (!seq) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        numc_array **list = PyMem_Calloc((size_t)(n ? n : 1), sizeof(numc_array *));
        if (!list) {
            Py_DECREF(seq);
            return PyErr_NoMemory(), -1;
        }
        int k = f->nlists++;
        f->lists[k].v = list;
        f->lists[k].n = 0;
        v->list = list;
        v->n = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            numc_array *a = pynumc_asarray(PySequence_Fast_GET_ITEM(seq, i), NUMC_DTYPE_NONE);
            if (!a) {
                Py_DECREF(seq);
                return -1;
            }
            list[i] = a;
            f->lists[k].n = v->n = (int)i + 1;
        }
        Py_DECREF(seq);
        return 0;
    }
    case 'R':
        return check_order_arg(o);
    case 'U':
        if (p->dflt && o != p->dflt) {
            int eq = PyObject_RichCompareBool(o, p->dflt, Py_EQ);
            if (eq < 0) return -1;
            if (!eq) {
                PyErr_Format(PyExc_NotImplementedError, "numc.%s: argument '%U' is not supported",
                             s->name, p->name);
                return -1;
            }
        }
        return 0;
    case 'P':
        if (o != Py_None && !NumcArray_Check(o) &&
            !(PyTuple_Check(o) && PyTuple_GET_SIZE(o) == 1 &&
              NumcArray_Check(PyTuple_GET_ITEM(o, 0)))) {
            PyErr_SetString(PyExc_TypeError, "return arrays must be of numc.ndarray type");
            return -1;
        }
        return 0;
    default:
        return 0; /* O */
    }
}

static int parse_call(const spec_t *s, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames, frame_t *f) {
    PyObject *objs[MAXP] = {0};
    int pi = 0;
    f->s = s;
    f->nowned = f->nlists = 0;
    f->var = NULL;
    f->nvar = 0;
    if (self) objs[pi++] = self;
    Py_ssize_t i = 0;
    for (; i < nargs; i++) {
        if (pi == s->var) {
            f->var = args + i;
            f->nvar = nargs - i;
            i = nargs;
            break;
        }
        if (pi >= s->npos) {
            PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)",
                         s->name, s->npos - (self != NULL), nargs);
            return -1;
        }
        objs[pi++] = args[i];
    }
    if (kwnames) {
        Py_ssize_t nk = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; k < nk; k++) {
            PyObject *key = PyTuple_GET_ITEM(kwnames, k);
            int j = -1;
            for (int q = 0; q < s->np; q++)
                if (s->p[q].name == key) {
                    j = q;
                    break;
                }
            if (j < 0)
                for (int q = 0; q < s->np; q++)
                    if (PyUnicode_Compare(s->p[q].name, key) == 0) {
                        j = q;
                        break;
                    }
            if (j < 0 || s->p[j].type == 'V') {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'",
                             s->name, key);
                return -1;
            }
            if (s->p[j].posonly) {
                PyErr_Format(PyExc_TypeError,
                             "%s() got some positional-only arguments passed as keyword "
                             "arguments: '%U'",
                             s->name, key);
                return -1;
            }
            if (objs[j]) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", s->name,
                             key);
                return -1;
            }
            objs[j] = args[nargs + k];
        }
    }
    for (int j = 0; j < s->np; j++) {
        const param_t *p = &s->p[j];
        if (p->type == 'V') continue;
        if (!objs[j]) {
            if (p->required) {
                PyErr_Format(PyExc_TypeError, "%s() missing required argument '%U' (pos %d)",
                             s->name, p->name, j + 1 - (self != NULL));
                return -1;
            }
            f->v[j] = p->dval;
            continue;
        }
        if (convert_param(s, p, objs[j], &f->v[j], f, f->axbuf[j]) < 0) return -1;
    }
    return 0;
}

/* ---- invokers ---- */

typedef numc_array *(*fn1)(const numc_array *);
typedef numc_array *(*fn2)(const numc_array *, const numc_array *);
typedef numc_array *(*fnred)(const numc_array *, const int64_t *, int, bool, numc_dtype);
typedef numc_array *(*fnvar)(const numc_array *, const int64_t *, int, bool, numc_dtype, double);
typedef numc_array *(*fnarg)(const numc_array *, const int64_t *, bool);
typedef numc_array *(*fncum)(const numc_array *, const int64_t *, numc_dtype);
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

static const numc_array *cast_input(frame_t *f, const numc_array *a, numc_dtype dt) {
    if (dt == NUMC_DTYPE_NONE || numc_array_dtype(a) == dt) return a;
    numc_array *c = numc_astype(a, dt);
    if (c) own(f, c);
    return c;
}

static int check_device(frame_t *f) {
    pval *p = OPT(f, device);
    if (!p || !p->obj || p->obj == Py_None) return 0;
    const char *s = PyUnicode_Check(p->obj) ? PyUnicode_AsUTF8(p->obj) : NULL;
    if (s && (!strcmp(s, "cpu") || !strcmp(s, "cpu:0"))) return 0;
    PyErr_Format(PyExc_ValueError,
                 "numc: unsupported device %R (this build places arrays on cpu:0)", p->obj);
    return -1;
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
    if (step == 0) {
        PyErr_SetString(PyExc_ZeroDivisionError, "division by zero");
        return NULL;
    }
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
    if (num < 0) {
        PyErr_Format(PyExc_ValueError, "Number of samples, %lld, must be non-negative.",
                     (long long)num);
        return NULL;
    }
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

static PyObject *do_split(frame_t *f) {
    PyObject *ios = OPT(f, indices_or_sections)->obj;
    int64_t axis = OPT(f, axis)->i, sections = 0;
    int64_t idx[1024];
    int nidx = 0;
    if (PyLong_Check(ios) || (PyIndex_Check(ios) && !PySequence_Check(ios))) {
        if (pynumc_parse_int(ios, &sections) < 0) return NULL;
        if (sections == 0) {
            PyErr_SetString(PyExc_ZeroDivisionError, "integer modulo by zero");
            return NULL;
        }
        if (sections < 0) {
            PyErr_SetString(PyExc_ValueError, "number sections must be larger than 0.");
            return NULL;
        }
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
    if (numc_split(f->v[0].arr, sections, nidx ? idx : NULL, nidx, axis, &parts, &nparts) !=
        NUMC_OK)
        return pynumc_raise();
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
    if (f->nvar == 0) {
        PyErr_SetString(PyExc_ValueError, "at least one array or dtype is required");
        return NULL;
    }
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
    numc_array *r = pynumc_asarray(o, dt);
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
    const numc_array *x = f->v[0].arr;
    pval *ax = OPT(f, axis);
    int nd = numc_array_ndim(x);
    int64_t axis = 0;
    if (ax->n == 1)
        axis = ax->ax[0];
    else if (nd > 1) {
        PyErr_SetString(PyExc_ValueError, "For arrays which have more than one dimension ``axis`` "
                                          "argument is required.");
        return NULL;
    }
    if (nd == 0) {
        /* a 0-d input scans as one element */
        int64_t one = 1;
        numc_array *r1 = numc_reshape(x, 1, &one);
        if (!r1) return pynumc_raise();
        own(f, r1);
        x = r1;
        nd = 1;
    }
    numc_array *r = ((fncum)f->s->cfunc)(x, &axis, opt_dtype(f));
    if (!r) return pynumc_raise();
    if (opt_bool(f, SLOT_include_initial, 0)) {
        int64_t shape[NUMC_MAX_DIMS];
        int64_t a = axis < 0 ? axis + nd : axis;
        memcpy(shape, numc_array_shape(r), (size_t)nd * sizeof(int64_t));
        if (a >= 0 && a < nd) shape[a] = 1;
        numc_array *init = f->s->cfunc == (anyfn)numc_cumsum
                               ? numc_zeros(nd, shape, numc_array_dtype(r))
                               : numc_ones(nd, shape, numc_array_dtype(r));
        if (!init) {
            numc_array_release(r);
            return pynumc_raise();
        }
        const numc_array *parts[2] = {init, r};
        numc_array *c = numc_concatenate(2, parts, &a);
        numc_array_release(init);
        numc_array_release(r);
        r = c;
    }
    return finish(f, r);
}

static PyObject *invoke(frame_t *f) {
    const spec_t *s = f->s;
    pval *v = f->v;
    anyfn fn = s->cfunc;
    switch (s->kind) {
    case KIND_UNARY: {
        numc_dtype dt = opt_dtype(f);
        const numc_array *x = cast_input(f, v[0].arr, dt);
        if (!x) return pynumc_raise();
        numc_array *r;
        PYNUMC_CALL(numc_array_size(x) >= PYNUMC_NOGIL_ELEMENTS, r, ((fn1)fn)(x));
        if (r && dt != NUMC_DTYPE_NONE && numc_array_dtype(r) != dt &&
            numc_dtype_kind(numc_array_dtype(r)) != 'b') {
            numc_array *c = numc_astype(r, dt);
            numc_array_release(r);
            r = c;
        }
        return finish(f, r);
    }
    case KIND_BINARY: {
        numc_dtype dt = opt_dtype(f);
        const numc_array *x = cast_input(f, v[0].arr, dt),
                         *y = x ? cast_input(f, v[1].arr, dt) : NULL;
        if (!y) return pynumc_raise();
        numc_array *r;
        PYNUMC_CALL(numc_array_size(x) + numc_array_size(y) >= PYNUMC_NOGIL_ELEMENTS, r,
                    ((fn2)fn)(x, y));
        if (r && dt != NUMC_DTYPE_NONE && numc_array_dtype(r) != dt &&
            numc_dtype_kind(numc_array_dtype(r)) != 'b') {
            numc_array *c = numc_astype(r, dt);
            numc_array_release(r);
            r = c;
        }
        return finish(f, r);
    }
    case KIND_DIVMOD: {
        numc_dtype dt = opt_dtype(f);
        const numc_array *x = cast_input(f, v[0].arr, dt),
                         *y = x ? cast_input(f, v[1].arr, dt) : NULL;
        if (!y) return pynumc_raise();
        numc_array *out[2];
        if (numc_divmod(x, y, out) != NUMC_OK) return pynumc_raise();
        return pair(out[0], out[1]);
    }
    case KIND_MODF: {
        numc_array *out[2];
        if (numc_modf(v[0].arr, out) != NUMC_OK) return pynumc_raise();
        return pair(out[0], out[1]);
    }
    case KIND_WHERE: {
        if (v[1].none && v[2].none) {
            numc_array *nz[NUMC_MAX_DIMS];
            if (pynumc_nonzero(v[0].arr, nz) < 0) return NULL;
            return tuple_of(nz, numc_array_ndim(v[0].arr) ? numc_array_ndim(v[0].arr) : 1);
        }
        if (v[1].none || v[2].none) {
            PyErr_SetString(PyExc_ValueError, "either both or neither of x and y should be given");
            return NULL;
        }
        return pynumc_wrap(numc_where(v[0].arr, v[1].arr, v[2].arr));
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
    case KIND_NONZERO: {
        numc_array *nz[NUMC_MAX_DIMS];
        if (numc_array_ndim(v[0].arr) == 0) {
            PyErr_SetString(PyExc_ValueError, "Calling nonzero on 0d arrays is not allowed. Use "
                                              "np.atleast_1d(scalar).nonzero() instead.");
            return NULL;
        }
        if (pynumc_nonzero(v[0].arr, nz) < 0) return NULL;
        return tuple_of(nz, numc_array_ndim(v[0].arr));
    }
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
        if (!casting ||
            (strcmp(casting, "no") && strcmp(casting, "equiv") && strcmp(casting, "safe") &&
             strcmp(casting, "same_kind") && strcmp(casting, "unsafe"))) {
            PyErr_SetString(
                PyExc_ValueError,
                "casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe'");
            return NULL;
        }
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
        int nd = numc_array_ndim(a);
        int64_t k = ax->i < 0 ? ax->i + nd : ax->i;
        if (k < 0 || k >= nd) {
            PyErr_Format(pynumc_AxisError, "axis %lld is out of bounds for array of dimension %d",
                         (long long)ax->i, nd);
            return NULL;
        }
        return PyLong_FromLongLong(numc_array_shape(a)[k]);
    }
    default:
        break;
    }
    PyErr_Format(PyExc_SystemError, "numc: no invoker for %s", s->name);
    return NULL;
}

/* ---- entry points ---- */

static PyObject *call_spec(const spec_t *s, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames) {
    frame_t f;
    PyObject *r = NULL;
    if (parse_call(s, self, args, nargs, kwnames, &f) == 0) r = invoke(&f);
    frame_release(&f);
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
        if (compile_sig(s) < 0) goto fail;
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
    return pynumc_init_ndarray_methods();
fail:
    Py_DECREF(spec_list);
    return -1;
}
