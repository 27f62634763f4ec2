/* parser.c — the spec-table argument parser (see parser.h): compiling a
 * row's signature once at import, and parsing vectorcall arguments against
 * it into C values with NumPy's error messages for bad calls. */
#include "parser.h"

static const char *const slot_names[] = {
#define S(n) #n,
    PYNUMC_SLOTS(S)
#undef S
};
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

int pynumc_compile_sig(spec_t *s) {
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

void pynumc_frame_own(frame_t *f, numc_array *a) {
    f->owned[f->nowned++] = a;
}

void pynumc_frame_release(frame_t *f) {
    for (int i = 0; i < f->nowned; i++)
        numc_array_release(f->owned[i]);
    for (int i = 0; i < f->nlists; i++) {
        for (int j = 0; j < f->lists[i].n; j++)
            numc_array_release(f->lists[i].v[j]);
        PyMem_Free(f->lists[i].v);
    }
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
        pynumc_frame_own(f, v->arr);
        return 0;
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
        return pynumc_check_order(o);
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

int pynumc_parse_call(const spec_t *s, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
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
