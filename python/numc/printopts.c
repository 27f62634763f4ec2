/* printopts.c — NumPy's print options for Python: set_printoptions,
 * get_printoptions, the printoptions context manager, array2string,
 * array_repr, array_str, and the ndarray's repr/str honouring them. The
 * options live in a context variable (as NumPy 2's format_options) holding a
 * dict with NumPy's keys; formatting itself is numc_format_* in C, which
 * calls back here for a user's formatter. */
#include "pynumc.h"

static PyObject *fmt_var;      /* contextvars.ContextVar("numc.format_options") */
static PyObject *fmt_defaults; /* the default dict */
static reprfunc base_repr, base_str;

static const char *const floatmodes[] = {"maxprec", "fixed", "unique", "maxprec_equal"};

static PyObject *current_options(void) {
    PyObject *v = NULL;
    if (PyContextVar_Get(fmt_var, fmt_defaults, &v) < 0) return NULL;
    return v; /* new reference */
}

/* _make_options_dict: the non-None arguments, validated and converted. */
static PyObject *make_options(PyObject *precision, PyObject *threshold, PyObject *edgeitems,
                              PyObject *linewidth, PyObject *suppress, PyObject *nanstr,
                              PyObject *infstr, PyObject *sign, PyObject *formatter,
                              PyObject *floatmode, PyObject *legacy) {
    PyObject *d = PyDict_New();
    if (!d) return NULL;
#define PUT(key, v)                                                                                \
    if ((v) && (v) != Py_None && PyDict_SetItemString(d, key, v) < 0) goto fail
    PUT("precision", precision);
    PUT("threshold", threshold);
    PUT("edgeitems", edgeitems);
    PUT("linewidth", linewidth);
    PUT("nanstr", nanstr);
    PUT("infstr", infstr);
    PUT("sign", sign);
    PUT("formatter", formatter);
    PUT("floatmode", floatmode);
#undef PUT
    if (suppress && suppress != Py_None) {
        int t = PyObject_IsTrue(suppress);
        if (t < 0 || PyDict_SetItemString(d, "suppress", t ? Py_True : Py_False) < 0) goto fail;
    }
    if (floatmode && floatmode != Py_None) {
        bool ok = false;
        for (int i = 0; i < 4 && !ok; i++)
            ok = PyUnicode_Check(floatmode) &&
                 PyUnicode_CompareWithASCIIString(floatmode, floatmodes[i]) == 0;
        if (!ok) {
            PyErr_SetString(PyExc_ValueError, "floatmode option must be one of \"fixed\", "
                                              "\"unique\", \"maxprec\", \"maxprec_equal\"");
            goto fail;
        }
    }
    if (sign && sign != Py_None) {
        bool ok = PyUnicode_Check(sign) && (PyUnicode_CompareWithASCIIString(sign, "-") == 0 ||
                                            PyUnicode_CompareWithASCIIString(sign, "+") == 0 ||
                                            PyUnicode_CompareWithASCIIString(sign, " ") == 0);
        if (!ok) {
            PyErr_SetString(PyExc_ValueError, "sign option must be one of ' ', '+', or '-'");
            goto fail;
        }
    }
    if (legacy && legacy != Py_None) {
        static const struct {
            const char *s;
            long v;
        } modes[] = {{"1.13", 113}, {"1.21", 121}, {"1.25", 125}, {"2.1", 201}, {"2.2", 202}};
        long v = -1;
        if (legacy == Py_False) {
            v = NUMC_PRINT_LEGACY_NONE;
        } else if (PyUnicode_Check(legacy)) {
            for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
                if (PyUnicode_CompareWithASCIIString(legacy, modes[i].s) == 0) v = modes[i].v;
        } else {
            int eq = PyObject_RichCompareBool(legacy, Py_False, Py_EQ);
            if (eq < 0) goto fail;
            if (eq) {
                if (PyErr_WarnFormat(PyExc_FutureWarning, 2, "Passing `legacy=%R` is deprecated.",
                                     legacy) < 0)
                    goto fail;
                v = NUMC_PRINT_LEGACY_NONE;
            }
        }
        if (v < 0) {
            if (PyErr_WarnEx(PyExc_UserWarning,
                             "legacy printing option can currently only be '1.13', '1.21', "
                             "'1.25', '2.1', '2.2' or `False`",
                             2) < 0)
                goto fail;
        } else {
            PyObject *o = PyLong_FromLong(v);
            if (!o || PyDict_SetItemString(d, "legacy", o) < 0) {
                Py_XDECREF(o);
                goto fail;
            }
            Py_DECREF(o);
        }
    }
    if (threshold && threshold != Py_None) {
        if (!PyLong_Check(threshold) && !PyFloat_Check(threshold) && !PyComplex_Check(threshold) &&
            !pynumc_is_numpy_object(threshold)) {
            PyErr_SetString(PyExc_TypeError, "threshold must be numeric");
            goto fail;
        }
        if (PyFloat_Check(threshold) && isnan(PyFloat_AS_DOUBLE(threshold))) {
            PyErr_SetString(PyExc_ValueError, "threshold must be non-NAN, try sys.maxsize for "
                                              "untruncated representation");
            goto fail;
        }
    }
    if (precision && precision != Py_None) {
        PyObject *i = PyNumber_Index(precision);
        if (!i) {
            PyErr_SetString(PyExc_TypeError, "precision must be an integer");
            goto fail;
        }
        int r = PyDict_SetItemString(d, "precision", i);
        Py_DECREF(i);
        if (r < 0) goto fail;
    }
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

static char *setopt_kw[] = {"precision", "threshold",     "edgeitems", "linewidth", "suppress",
                            "nanstr",    "infstr",        "formatter", "sign",      "floatmode",
                            "legacy",    "override_repr", NULL};

/* _set_printoptions: returns the context variable's token. */
static PyObject *set_options(PyObject *args, PyObject *kw) {
    PyObject *a[12] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOOOOOO$OO:set_printoptions", setopt_kw, &a[0],
                                     &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &a[7], &a[8], &a[9],
                                     &a[10], &a[11]))
        return NULL;
    PyObject *upd = make_options(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[8], a[7], a[9], a[10]);
    if (!upd) return NULL;
    /* formatter and override_repr are always reset */
    if (PyDict_SetItemString(upd, "formatter", a[7] ? a[7] : Py_None) < 0 ||
        PyDict_SetItemString(upd, "override_repr", a[11] ? a[11] : Py_None) < 0) {
        Py_DECREF(upd);
        return NULL;
    }
    PyObject *cur = current_options();
    PyObject *nd = cur ? PyDict_Copy(cur) : NULL;
    Py_XDECREF(cur);
    if (!nd || PyDict_Update(nd, upd) < 0) {
        Py_XDECREF(nd);
        Py_DECREF(upd);
        return NULL;
    }
    Py_DECREF(upd);
    PyObject *leg = PyDict_GetItemString(nd, "legacy");
    if (leg && PyLong_Check(leg) && PyLong_AsLong(leg) == 113) {
        PyObject *m = PyUnicode_FromString("-");
        if (!m || PyDict_SetItemString(nd, "sign", m) < 0) {
            Py_XDECREF(m);
            Py_DECREF(nd);
            return NULL;
        }
        Py_DECREF(m);
    }
    PyObject *tok = PyContextVar_Set(fmt_var, nd);
    Py_DECREF(nd);
    return tok;
}

static PyObject *py_set_printoptions(PyObject *self, PyObject *args, PyObject *kw) {
    PyObject *tok = set_options(args, kw);
    if (!tok) return NULL;
    Py_DECREF(tok);
    Py_RETURN_NONE;
}

static PyObject *py_get_printoptions(PyObject *self, PyObject *unused) {
    PyObject *cur = current_options();
    if (!cur) return NULL;
    PyObject *d = PyDict_Copy(cur);
    Py_DECREF(cur);
    if (!d) return NULL;
    PyObject *leg = PyDict_GetItemString(d, "legacy");
    long v = leg ? PyLong_AsLong(leg) : NUMC_PRINT_LEGACY_NONE;
    PyObject *o;
    switch (v) {
    case 113:
        o = PyUnicode_FromString("1.13");
        break;
    case 121:
        o = PyUnicode_FromString("1.21");
        break;
    case 125:
        o = PyUnicode_FromString("1.25");
        break;
    case 201:
        o = PyUnicode_FromString("2.1");
        break;
    case 202:
        o = PyUnicode_FromString("2.2");
        break;
    default:
        o = Py_NewRef(Py_False);
    }
    if (!o || PyDict_SetItemString(d, "legacy", o) < 0) {
        Py_XDECREF(o);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(o);
    return d;
}

/* ---- the printoptions context manager ---- */

typedef struct {
    PyObject_HEAD PyObject *args, *kw, *token;
} PrintOptionsCM;

static void pocm_dealloc(PrintOptionsCM *self) {
    Py_XDECREF(self->args);
    Py_XDECREF(self->kw);
    Py_XDECREF(self->token);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *pocm_enter(PrintOptionsCM *self, PyObject *unused) {
    PyObject *tok = set_options(self->args, self->kw);
    if (!tok) return NULL;
    Py_XSETREF(self->token, tok);
    return py_get_printoptions(NULL, NULL);
}

static PyObject *pocm_exit(PrintOptionsCM *self, PyObject *args) {
    if (self->token) {
        PyObject *tok = self->token;
        self->token = NULL;
        int r = PyContextVar_Reset(fmt_var, tok);
        Py_DECREF(tok);
        if (r < 0) return NULL;
    }
    Py_RETURN_FALSE;
}

static PyMethodDef pocm_methods[] = {
    {"__enter__", (PyCFunction)pocm_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)pocm_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PrintOptionsCM_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.printoptions",
    .tp_basicsize = sizeof(PrintOptionsCM),
    .tp_dealloc = (destructor)pocm_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "printoptions(*args, **kwargs): set print options for a `with` block.",
    .tp_methods = pocm_methods,
};

static PyObject *py_printoptions(PyObject *self, PyObject *args, PyObject *kw) {
    PrintOptionsCM *cm = PyObject_New(PrintOptionsCM, &PrintOptionsCM_Type);
    if (!cm) return NULL;
    cm->args = Py_NewRef(args);
    cm->kw = kw ? PyDict_Copy(kw) : NULL;
    cm->token = NULL;
    if (kw && !cm->kw) {
        Py_DECREF(cm);
        return NULL;
    }
    return (PyObject *)cm;
}

/* ---- options dict -> numc_print_options ---- */

typedef struct {
    PyObject *fn;      /* the user's formatter for this dtype */
    PyObject *frombuf; /* numpy.frombuffer */
    PyObject *dtype;   /* the element's NumPy dtype */
} fmt_ctx;

/* Calls the user's formatter with the element as a NumPy scalar. */
static char *call_formatter(void *c, numc_dtype dt, const void *elem) {
    fmt_ctx *f = c;
    PyObject *b = PyBytes_FromStringAndSize(elem, (Py_ssize_t)numc_dtype_itemsize(dt));
    PyObject *arr = b ? PyObject_CallFunctionObjArgs(f->frombuf, b, f->dtype, NULL) : NULL;
    Py_XDECREF(b);
    PyObject *x = arr ? PySequence_GetItem(arr, 0) : NULL;
    Py_XDECREF(arr);
    PyObject *r = x ? PyObject_CallOneArg(f->fn, x) : NULL;
    Py_XDECREF(x);
    if (r && !PyUnicode_Check(r)) {
        PyErr_Format(PyExc_TypeError, "can only concatenate str (not \"%.200s\") to str",
                     Py_TYPE(r)->tp_name);
        Py_CLEAR(r);
    }
    const char *u = r ? PyUnicode_AsUTF8(r) : NULL;
    char *s = u ? strdup(u) : NULL;
    Py_XDECREF(r);
    if (!s) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        numc_error_set(NUMC_ERR_VALUE, "array2string: the formatter failed");
    }
    return s;
}

/* _get_formatdict + _get_format_function: the formatter entry that applies
 * to dtype dt (borrowed; NULL for none). */
static PyObject *formatter_for(PyObject *formatter, numc_dtype dt) {
    if (!formatter || formatter == Py_None || !PyDict_Check(formatter)) return NULL;
    const char *key, *kind = NULL;
    if (dt == NUMC_BOOL)
        key = "bool";
    else if (dt == NUMC_BFLOAT16)
        key = "numpystr", kind = "str_kind";
    else if (dt == NUMC_FLOAT16 || dt == NUMC_FLOAT32 || dt == NUMC_FLOAT64)
        key = "float", kind = "float_kind";
    else if (dt == NUMC_COMPLEX64 || dt == NUMC_COMPLEX128)
        key = "complexfloat", kind = "complex_kind";
    else
        key = "int", kind = "int_kind";
    PyObject *f = PyDict_GetItemString(formatter, key);
    if (f && f != Py_None) return f;
    f = kind ? PyDict_GetItemString(formatter, kind) : NULL;
    if (f && f != Py_None) return f;
    f = PyDict_GetItemString(formatter, "all");
    return f && f != Py_None ? f : NULL;
}

static int opt_int64(PyObject *d, const char *key, int64_t *out) {
    PyObject *v = PyDict_GetItemString(d, key);
    if (!v) return 0;
    if (PyFloat_Check(v)) {
        double x = PyFloat_AS_DOUBLE(v);
        *out = x >= 9.2e18 ? INT64_MAX : x <= -9.2e18 ? INT64_MIN : (int64_t)floor(x);
        return 0;
    }
    PyObject *i = PyNumber_Index(v);
    if (!i) return -1;
    int ovf = 0;
    long long x = PyLong_AsLongLongAndOverflow(i, &ovf);
    Py_DECREF(i);
    if (x == -1 && PyErr_Occurred()) return -1;
    *out = ovf > 0 ? INT64_MAX : ovf < 0 ? INT64_MIN : x;
    return 0;
}

static int opt_str(PyObject *d, const char *key, char *out) {
    PyObject *v = PyDict_GetItemString(d, key);
    if (!v) return 0;
    PyObject *s = PyObject_Str(v);
    const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
    if (!u) {
        Py_XDECREF(s);
        return -1;
    }
    if (strlen(u) >= NUMC_PRINT_STRMAX) {
        PyErr_Format(PyExc_ValueError, "%s must be shorter than %d bytes", key, NUMC_PRINT_STRMAX);
        Py_DECREF(s);
        return -1;
    }
    strcpy(out, u);
    Py_DECREF(s);
    return 0;
}

/* Fills o from the options dict d for an array of dtype dt; f receives the
 * formatter context (release with fmt_ctx_clear). */
static int options_from_dict(PyObject *d, numc_dtype dt, numc_print_options *o, fmt_ctx *f) {
    numc_print_options_default(o);
    memset(f, 0, sizeof *f);
    int64_t prec = o->precision, leg = o->legacy;
    if (opt_int64(d, "precision", &prec) < 0 || opt_int64(d, "threshold", &o->threshold) < 0 ||
        opt_int64(d, "edgeitems", &o->edgeitems) < 0 ||
        opt_int64(d, "linewidth", &o->linewidth) < 0 || opt_int64(d, "legacy", &leg) < 0 ||
        opt_str(d, "nanstr", o->nanstr) < 0 || opt_str(d, "infstr", o->infstr) < 0)
        return -1;
    PyObject *fm = PyDict_GetItemString(d, "floatmode");
    if (fm && PyUnicode_Check(fm))
        for (int i = 0; i < 4; i++)
            if (PyUnicode_CompareWithASCIIString(fm, floatmodes[i]) == 0) o->floatmode = i;
    if (o->floatmode != NUMC_FLOATMODE_UNIQUE && prec < 0) {
        PyErr_SetString(PyExc_ValueError, "precision must be >= 0");
        return -1;
    }
    o->precision = prec > 100000 ? 100000 : (int)prec;
    o->legacy = leg > NUMC_PRINT_LEGACY_NONE ? NUMC_PRINT_LEGACY_NONE : (int)leg;
    PyObject *sign = PyDict_GetItemString(d, "sign");
    if (sign && PyUnicode_Check(sign) && PyUnicode_GetLength(sign) == 1)
        o->sign = (char)PyUnicode_ReadChar(sign, 0);
    PyObject *sup = PyDict_GetItemString(d, "suppress");
    if (sup) {
        int t = PyObject_IsTrue(sup);
        if (t < 0) return -1;
        o->suppress = t;
    }
    PyObject *fn = formatter_for(PyDict_GetItemString(d, "formatter"), dt);
    if (fn) {
        PyObject *np = pynumc_numpy();
        if (!np) return -1;
        f->frombuf = PyObject_GetAttrString(np, "frombuffer");
        PyObject *dtf = PyObject_GetAttrString(np, "dtype");
        PyObject *tobj = pynumc_dtype_object(dt);
        f->dtype = dtf && tobj ? PyObject_CallOneArg(dtf, tobj) : NULL;
        Py_XDECREF(dtf);
        if (!f->frombuf || !f->dtype) {
            Py_CLEAR(f->frombuf);
            Py_CLEAR(f->dtype);
            return -1;
        }
        f->fn = Py_NewRef(fn);
        o->formatter = call_formatter;
        o->formatter_ctx = f;
    }
    return 0;
}

static void fmt_ctx_clear(fmt_ctx *f) {
    Py_CLEAR(f->fn);
    Py_CLEAR(f->frombuf);
    Py_CLEAR(f->dtype);
}

/* Merges array2string-style overrides into a copy of the current options. */
static PyObject *options_with(PyObject *overrides) {
    PyObject *cur = current_options();
    if (!cur) return NULL;
    PyObject *d = PyDict_Copy(cur);
    Py_DECREF(cur);
    if (d && overrides && PyDict_Update(d, overrides) < 0) Py_CLEAR(d);
    return d;
}

enum { FMT_REPR, FMT_STR, FMT_A2S };

/* Formats a with the options dict d. */
static PyObject *format_with(numc_array *a, PyObject *d, int what, const char *sep,
                             const char *prefix, const char *suffix) {
    PYNUMC_TRACER_GUARD(a, "repr", NULL);
    numc_print_options o;
    fmt_ctx f;
    if (options_from_dict(d, numc_array_dtype(a), &o, &f) < 0) return NULL;
    char *s = what == FMT_REPR  ? numc_format_repr(a, &o)
              : what == FMT_STR ? numc_format_str(a, &o)
                                : numc_format_array2string(a, &o, sep, prefix, suffix);
    fmt_ctx_clear(&f);
    if (!s) return pynumc_raise();
    PyObject *r = PyUnicode_FromString(s);
    free(s);
    return r;
}

static PyObject *py_array2string(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a",         "max_line_width",
                             "precision", "suppress_small",
                             "separator", "prefix",
                             "formatter", "threshold",
                             "edgeitems", "sign",
                             "floatmode", "suffix",
                             "legacy",    NULL};
    PyObject *aobj, *mlw = NULL, *prec = NULL, *sup = NULL, *fmtr = NULL, *thr = NULL, *edge = NULL,
                    *sign = NULL, *fm = NULL, *leg = NULL;
    const char *sep = " ", *prefix = "", *suffix = "";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOss$OOOOOsO:array2string", kwlist, &aobj, &mlw,
                                     &prec, &sup, &sep, &prefix, &fmtr, &thr, &edge, &sign, &fm,
                                     &suffix, &leg))
        return NULL;
    PyObject *ov = make_options(prec, thr, edge, mlw, sup, NULL, NULL, sign, fmtr, fm, leg);
    PyObject *d = ov ? options_with(ov) : NULL;
    Py_XDECREF(ov);
    if (!d) return NULL;
    numc_array *a = pynumc_asarray(aobj, NUMC_DTYPE_NONE);
    PyObject *r = a ? format_with(a, d, FMT_A2S, sep, prefix, suffix) : NULL;
    if (a) numc_array_release(a);
    Py_DECREF(d);
    return r;
}

/* array_repr / array_str: (arr, max_line_width=None, precision=None,
 * suppress_small=None). */
static PyObject *repr_or_str(PyObject *args, PyObject *kw, int what) {
    static char *kwlist[] = {"arr", "max_line_width", "precision", "suppress_small", NULL};
    PyObject *aobj, *mlw = NULL, *prec = NULL, *sup = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw,
                                     what == FMT_REPR ? "O|OOO:array_repr" : "O|OOO:array_str",
                                     kwlist, &aobj, &mlw, &prec, &sup))
        return NULL;
    if (what == FMT_REPR) {
        PyObject *cur = current_options();
        if (!cur) return NULL;
        PyObject *ovr = PyDict_GetItemString(cur, "override_repr");
        if (ovr && ovr != Py_None) {
            PyObject *r = PyObject_CallOneArg(ovr, aobj);
            Py_DECREF(cur);
            return r;
        }
        Py_DECREF(cur);
    }
    PyObject *ov = make_options(prec, NULL, NULL, mlw, sup, NULL, NULL, NULL, NULL, NULL, NULL);
    PyObject *d = ov ? options_with(ov) : NULL;
    Py_XDECREF(ov);
    if (!d) return NULL;
    numc_array *a = pynumc_asarray(aobj, NUMC_DTYPE_NONE);
    PyObject *r = a ? format_with(a, d, what, " ", "", "") : NULL;
    if (a) numc_array_release(a);
    Py_DECREF(d);
    return r;
}

static PyObject *py_array_repr(PyObject *self, PyObject *args, PyObject *kw) {
    return repr_or_str(args, kw, FMT_REPR);
}
static PyObject *py_array_str(PyObject *self, PyObject *args, PyObject *kw) {
    return repr_or_str(args, kw, FMT_STR);
}

/* The ndarray's repr/str: the base slots (tracers, default options) unless
 * options were set in this context. */
static PyObject *nd_format(PyObject *self, int what) {
    numc_array *a = NumcArray_ARR(self);
    PyObject *cur = current_options();
    if (!cur) return NULL;
    if (cur == fmt_defaults || !numc_array_is_concrete(a)) {
        Py_DECREF(cur);
        return what == FMT_REPR ? base_repr(self) : base_str(self);
    }
    PyObject *r;
    PyObject *ovr = what == FMT_REPR ? PyDict_GetItemString(cur, "override_repr") : NULL;
    if (ovr && ovr != Py_None)
        r = PyObject_CallOneArg(ovr, self);
    else
        r = format_with(a, cur, what, " ", "", "");
    Py_DECREF(cur);
    return r;
}
static PyObject *nd_repr(PyObject *self) {
    return nd_format(self, FMT_REPR);
}
static PyObject *nd_str(PyObject *self) {
    return nd_format(self, FMT_STR);
}

static PyMethodDef printopts_methods[] = {
    {"set_printoptions", PYNUMC_FN(py_set_printoptions), METH_VARARGS | METH_KEYWORDS,
     "set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, "
     "suppress=None, nanstr=None, infstr=None, formatter=None, sign=None, floatmode=None, *, "
     "legacy=None, override_repr=None)"},
    {"get_printoptions", py_get_printoptions, METH_NOARGS,
     "get_printoptions(): the current print options as a dict."},
    {"printoptions", PYNUMC_FN(py_printoptions), METH_VARARGS | METH_KEYWORDS,
     "printoptions(*args, **kwargs): context manager setting print options for its block."},
    {"array2string", PYNUMC_FN(py_array2string), METH_VARARGS | METH_KEYWORDS,
     "array2string(a, max_line_width=None, precision=None, suppress_small=None, separator=' ', "
     "prefix='', *, formatter=None, threshold=None, edgeitems=None, sign=None, floatmode=None, "
     "suffix='', legacy=None)"},
    {"array_repr", PYNUMC_FN(py_array_repr), METH_VARARGS | METH_KEYWORDS,
     "array_repr(arr, max_line_width=None, precision=None, suppress_small=None)"},
    {"array_str", PYNUMC_FN(py_array_str), METH_VARARGS | METH_KEYWORDS,
     "array_str(a, max_line_width=None, precision=None, suppress_small=None)"},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_printopts(PyObject *m) {
    fmt_defaults = Py_BuildValue("{s:i,s:i,s:s,s:i,s:O,s:i,s:s,s:s,s:s,s:O,s:l,s:O}", "edgeitems",
                                 3, "threshold", 1000, "floatmode", "maxprec", "precision", 8,
                                 "suppress", Py_False, "linewidth", 75, "nanstr", "nan", "infstr",
                                 "inf", "sign", "-", "formatter", Py_None, "legacy",
                                 (long)NUMC_PRINT_LEGACY_NONE, "override_repr", Py_None);
    if (!fmt_defaults) return -1;
    fmt_var = PyContextVar_New("numc.format_options", NULL);
    if (!fmt_var || PyType_Ready(&PrintOptionsCM_Type) < 0) return -1;
    base_repr = NumcArray_Type.tp_repr;
    base_str = NumcArray_Type.tp_str;
    NumcArray_Type.tp_repr = nd_repr;
    NumcArray_Type.tp_str = nd_str;
    return PyModule_AddFunctions(m, printopts_methods);
}
