/* fft.c — the numc.fft submodule (issue 9): numpy.fft's 18 functions.
 * Argument parsing (n, axis/axes, s, norm strings, out=), NumPy's Python-level
 * errors and warnings, and wrapping only; the transforms and their rules are
 * numc_fft_* (src/np/fft.c). Operations layer: uses conversion and the
 * out= helper of operators.c, nothing above. */
#include "pyops.h"

#include <string.h>

/* norm=: None or "backward" / "ortho" / "forward". NumPy words the error
 * without a space after the first comma in forward transforms. */
static int parse_norm(PyObject *o, bool inverse, numc_fft_norm *out) {
    *out = NUMC_FFT_NORM_BACKWARD;
    if (!o || o == Py_None) return 0;
    if (PyUnicode_Check(o)) {
        const char *s = PyUnicode_AsUTF8(o);
        if (!s) return -1;
        if (!strcmp(s, "backward")) return 0;
        if (!strcmp(s, "ortho")) {
            *out = NUMC_FFT_NORM_ORTHO;
            return 0;
        }
        if (!strcmp(s, "forward")) {
            *out = NUMC_FFT_NORM_FORWARD;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 inverse
                     ? "Invalid norm value %S; should be \"backward\", \"ortho\" or \"forward\"."
                     : "Invalid norm value %S; should be \"backward\",\"ortho\" or \"forward\".",
                 o);
    return -1;
}

/* n= : None or an integer */
static int parse_n(PyObject *o, int64_t *n) {
    *n = NUMC_FFT_DEFAULT;
    if (!o || o == Py_None) return 0;
    return pynumc_parse_int(o, n);
}

/* out=: a numc array of the result's shape, written with same_kind casting */
static PyObject *finish(numc_array *r, PyObject *out, const char *name) {
    if (!r) return pynumc_raise();
    if (!out || out == Py_None) return pynumc_wrap(r);
    if (NumcArray_Check(out)) {
        const numc_array *o = NumcArray_ARR(out);
        int nd = numc_array_ndim(r);
        bool same = numc_array_ndim(o) == nd;
        for (int d = 0; same && d < nd; d++)
            same = numc_array_shape(o)[d] == numc_array_shape(r)[d];
        if (!same) {
            numc_array_release(r);
            PyErr_SetString(PyExc_ValueError, "output array has wrong shape.");
            return NULL;
        }
    }
    return pynumc_assign_out(out, r, name);
}

typedef numc_array *(*fft1_fn)(const numc_array *, int64_t, int64_t, numc_fft_norm);

static PyObject *call1(PyObject *args, PyObject *kw, fft1_fn fn, const char *name, bool inverse) {
    static char *kwlist[] = {"a", "n", "axis", "norm", "out", NULL};
    PyObject *ao, *no = NULL, *axo = NULL, *normo = NULL, *out = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOO", kwlist, &ao, &no, &axo, &normo, &out))
        return NULL;
    int64_t n, axis = -1;
    numc_fft_norm norm;
    if (parse_n(no, &n) < 0 || (axo && pynumc_parse_int(axo, &axis) < 0) ||
        parse_norm(normo, inverse, &norm) < 0)
        return NULL;
    numc_array *a = pynumc_asarray(ao, NUMC_DTYPE_NONE);
    if (!a) return NULL;
    numc_array *r;
    PYNUMC_CALL(numc_array_size(a) >= PYNUMC_NOGIL_ELEMENTS, r, fn(a, n, axis, norm));
    numc_array_release(a);
    return finish(r, out, name);
}

#define FFT1(name, inverse)                                                                        \
    static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kw) {                     \
        (void)self;                                                                                \
        return call1(args, kw, numc_fft_##name, #name, inverse);                                   \
    }
FFT1(fft, false)
FFT1(ifft, true)
FFT1(rfft, false)
FFT1(irfft, true)
FFT1(hfft, true)
FFT1(ihfft, true)
#undef FFT1

typedef numc_array *(*fftn_fn)(const numc_array *, const int64_t *, int, const int64_t *, int,
                               numc_fft_norm);

/* s=: a sequence of ints; None entries (deprecated in NumPy 2) keep the
 * 1-d default, with NumPy's DeprecationWarning */
static int parse_s(PyObject *o, int64_t *s, int *ns) {
    PyObject *seq = PySequence_Fast(o, "s must be a sequence of integers");
    if (!seq) return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    if (len > NUMC_MAX_DIMS) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "s: too many dimensions");
        return -1;
    }
    bool warned = false;
    for (Py_ssize_t k = 0; k < len; k++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, k);
        if (v == Py_None) {
            s[k] = NUMC_FFT_DEFAULT;
            if (!warned &&
                PyErr_WarnEx(PyExc_DeprecationWarning,
                             "Passing an array containing `None` values to `s` is deprecated in "
                             "NumPy 2.0 and will raise an error in a future version of NumPy. To "
                             "use the default behaviour of the corresponding 1-D transform, pass "
                             "the value matching the default for its `n` parameter. To use the "
                             "default behaviour for every axis, the `s` argument can be omitted.",
                             1) < 0) {
                Py_DECREF(seq);
                return -1;
            }
            warned = true;
        } else if (pynumc_parse_int(v, &s[k]) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    *ns = (int)len;
    Py_DECREF(seq);
    return 0;
}

static PyObject *calln(PyObject *args, PyObject *kw, fftn_fn fn, const char *name, bool inverse,
                       bool two) {
    static char *kwlist[] = {"a", "s", "axes", "norm", "out", NULL};
    PyObject *ao, *so = NULL, *axo = NULL, *normo = NULL, *out = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOO", kwlist, &ao, &so, &axo, &normo, &out))
        return NULL;
    int64_t s[NUMC_MAX_DIMS], axes[NUMC_MAX_DIMS];
    int ns = 0, naxes = -1;
    bool has_s = so && so != Py_None;
    if (has_s && parse_s(so, s, &ns) < 0) return NULL;
    if (axo && axo != Py_None && pynumc_parse_axes(axo, axes, &naxes) < 0) return NULL;
    if (has_s && naxes < 0 && !two &&
        PyErr_WarnEx(PyExc_DeprecationWarning,
                     "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy "
                     "2.0). In a future version of NumPy, this will raise an error and `s[i]` "
                     "will correspond to the size along the transformed axis specified by "
                     "`axes[i]`. To retain current behaviour, pass a sequence [0, ..., k-1] to "
                     "`axes` for an array of dimension k.",
                     1) < 0)
        return NULL;
    numc_fft_norm norm;
    if (parse_norm(normo, inverse, &norm) < 0) return NULL;
    numc_array *a = pynumc_asarray(ao, NUMC_DTYPE_NONE);
    if (!a) return NULL;
    numc_array *r;
    PYNUMC_CALL(numc_array_size(a) >= PYNUMC_NOGIL_ELEMENTS, r,
                fn(a, has_s ? s : NULL, ns, naxes >= 0 ? axes : NULL, naxes, norm));
    numc_array_release(a);
    return finish(r, out, name);
}

#define FFTN(name, inverse, two)                                                                   \
    static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kw) {                     \
        (void)self;                                                                                \
        return calln(args, kw, numc_fft_##name, #name, inverse, two);                              \
    }
FFTN(fftn, false, false)
FFTN(ifftn, true, false)
FFTN(rfftn, false, false)
FFTN(irfftn, true, false)
FFTN(fft2, false, true)
FFTN(ifft2, true, true)
FFTN(rfft2, false, true)
FFTN(irfft2, true, true)
#undef FFTN

static PyObject *freq(PyObject *args, PyObject *kw, bool full) {
    static char *kwlist[] = {"n", "d", "device", NULL};
    PyObject *no, *dev = NULL;
    double d = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|dO", kwlist, &no, &d, &dev)) return NULL;
    if (!PyIndex_Check(no)) {
        PyErr_SetString(PyExc_ValueError, "n should be an integer");
        return NULL;
    }
    int64_t n;
    if (pynumc_parse_int(no, &n) < 0) return NULL;
    if (dev && dev != Py_None && pynumc_check_device(dev, numc_default_device()) < 0) return NULL;
    return pynumc_wrap(full ? numc_fft_fftfreq(n, d) : numc_fft_rfftfreq(n, d));
}

static PyObject *py_fftfreq(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    return freq(args, kw, true);
}
static PyObject *py_rfftfreq(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    return freq(args, kw, false);
}

static PyObject *shift(PyObject *args, PyObject *kw, bool inverse) {
    static char *kwlist[] = {"x", "axes", NULL};
    PyObject *xo, *axo = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &xo, &axo)) return NULL;
    int64_t axes[NUMC_MAX_DIMS];
    int naxes = -1;
    if (axo && axo != Py_None && pynumc_parse_axes(axo, axes, &naxes) < 0) return NULL;
    numc_array *x = pynumc_asarray(xo, NUMC_DTYPE_NONE);
    if (!x) return NULL;
    const int64_t *ap = naxes >= 0 ? axes : NULL;
    numc_array *r = inverse ? numc_fft_ifftshift(x, ap, naxes) : numc_fft_fftshift(x, ap, naxes);
    numc_array_release(x);
    return pynumc_wrap(r);
}

static PyObject *py_fftshift(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    return shift(args, kw, false);
}
static PyObject *py_ifftshift(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    return shift(args, kw, true);
}

#define KW (METH_VARARGS | METH_KEYWORDS)
static PyMethodDef fft_methods[] = {
    {"fft", PYNUMC_FN(py_fft), KW, "fft(a, n=None, axis=-1, norm=None, out=None)."},
    {"ifft", PYNUMC_FN(py_ifft), KW, "ifft(a, n=None, axis=-1, norm=None, out=None)."},
    {"rfft", PYNUMC_FN(py_rfft), KW, "rfft(a, n=None, axis=-1, norm=None, out=None)."},
    {"irfft", PYNUMC_FN(py_irfft), KW, "irfft(a, n=None, axis=-1, norm=None, out=None)."},
    {"hfft", PYNUMC_FN(py_hfft), KW, "hfft(a, n=None, axis=-1, norm=None, out=None)."},
    {"ihfft", PYNUMC_FN(py_ihfft), KW, "ihfft(a, n=None, axis=-1, norm=None, out=None)."},
    {"fftn", PYNUMC_FN(py_fftn), KW, "fftn(a, s=None, axes=None, norm=None, out=None)."},
    {"ifftn", PYNUMC_FN(py_ifftn), KW, "ifftn(a, s=None, axes=None, norm=None, out=None)."},
    {"rfftn", PYNUMC_FN(py_rfftn), KW, "rfftn(a, s=None, axes=None, norm=None, out=None)."},
    {"irfftn", PYNUMC_FN(py_irfftn), KW, "irfftn(a, s=None, axes=None, norm=None, out=None)."},
    {"fft2", PYNUMC_FN(py_fft2), KW, "fft2(a, s=None, axes=(-2, -1), norm=None, out=None)."},
    {"ifft2", PYNUMC_FN(py_ifft2), KW, "ifft2(a, s=None, axes=(-2, -1), norm=None, out=None)."},
    {"rfft2", PYNUMC_FN(py_rfft2), KW, "rfft2(a, s=None, axes=(-2, -1), norm=None, out=None)."},
    {"irfft2", PYNUMC_FN(py_irfft2), KW, "irfft2(a, s=None, axes=(-2, -1), norm=None, out=None)."},
    {"fftfreq", PYNUMC_FN(py_fftfreq), KW, "fftfreq(n, d=1.0, device=None)."},
    {"rfftfreq", PYNUMC_FN(py_rfftfreq), KW, "rfftfreq(n, d=1.0, device=None)."},
    {"fftshift", PYNUMC_FN(py_fftshift), KW, "fftshift(x, axes=None)."},
    {"ifftshift", PYNUMC_FN(py_ifftshift), KW, "ifftshift(x, axes=None)."},
    {NULL, NULL, 0, NULL},
};
#undef KW

static struct PyModuleDef fft_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "numc.fft",
    .m_doc = "numpy.fft on numc's own FFT: differentiable, batchable, traceable.",
    .m_size = -1,
    .m_methods = fft_methods,
};

int pynumc_init_fft(PyObject *m) {
    PyObject *r = PyModule_Create(&fft_def);
    if (!r) return -1;
    if (PyModule_AddObject(m, "fft", r) < 0) {
        Py_DECREF(r);
        return -1;
    }
    return 0;
}
