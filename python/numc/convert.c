/* convert.c — Python objects to numc arrays and back: Python scalars (weak for
 * operands, strong for asarray), nested lists/tuples with NumPy's dtype
 * inference and ragged-shape errors, the buffer protocol (NumPy arrays and
 * scalars, memoryview, array.array), bfloat16 through ml_dtypes, and element
 * reads (item, tolist). The scalar and small-list paths create no Python
 * objects: they are benchmarked against NumPy. */
#include "pynumc.h"

#include <math.h>
#include <string.h>

/* Leaf kinds in promotion order; OTHER means "not a plain Python scalar". */
enum { K_NONE = -1, K_BOOL = 0, K_INT, K_FLOAT, K_COMPLEX, K_OTHER };

static inline int leaf_kind(PyObject *o) {
    if (PyFloat_CheckExact(o)) return K_FLOAT;
    if (PyLong_CheckExact(o)) return K_INT;
    if (PyBool_Check(o)) return K_BOOL;
    if (PyComplex_CheckExact(o)) return K_COMPLEX;
    return K_OTHER;
}

int pynumc_is_numpy_object(PyObject *obj) {
    const char *n = Py_TYPE(obj)->tp_name;
    return !strncmp(n, "numpy.", 6) || !strncmp(n, "ml_dtypes.", 10);
}

/* ---- storing one Python value into a dtype's storage (the engine's codec
 * casts; the checks NumPy makes on Python values stay here) ---- */

static int out_of_bounds(PyObject *v, numc_dtype dt) {
    PyErr_Format(PyExc_OverflowError, "Python integer %R out of bounds for %s", v,
                 numc_dtype_name(dt));
    return -1;
}

/* Whether i fits the integer dtype dt: the range follows from kind and width. */
static bool int_fits(numc_dtype dt, long long i) {
    int bits = 8 * (int)numc_dtype_itemsize(dt);
    if (numc_dtype_kind(dt) == 'u') return i >= 0 && (bits >= 64 || !((unsigned long long)i >> bits));
    return bits >= 64 || (i >= -(1LL << (bits - 1)) && i < (1LL << (bits - 1)));
}

static int store_int(numc_dtype dt, void *dst, PyObject *v) {
    char kind = numc_dtype_kind(dt);
    int overflow;
    long long i = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (i == -1 && PyErr_Occurred()) return -1;
    if (overflow) {
        if (overflow > 0 && dt == NUMC_UINT64) {
            unsigned long long u = PyLong_AsUnsignedLongLong(v);
            if (u == (unsigned long long)-1 && PyErr_Occurred()) {
                PyErr_Clear();
                return out_of_bounds(v, dt);
            }
            numc_value_store(dt, dst, (numc_value){.kind = 'u', .u = u});
            return 0;
        }
        if (kind == 'i' || kind == 'u') return out_of_bounds(v, dt);
        /* beyond int64 into an inexact type: through double, as NumPy does */
        double d = PyLong_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        numc_value_store(dt, dst, (numc_value){.kind = 'f', .re = d});
        return 0;
    }
    if ((kind == 'i' || kind == 'u') && !int_fits(dt, i)) return out_of_bounds(v, dt);
    numc_value_store(dt, dst, (numc_value){.kind = 'i', .i = i});
    return 0;
}

static int store_double(numc_dtype dt, void *dst, double d, double im) {
    char kind = numc_dtype_kind(dt);
    if (kind != 'i' && kind != 'u') {
        numc_value_store(dt, dst, (numc_value){.kind = 'c', .re = d, .im = im});
        return 0;
    }
    /* float to integer: truncation, as np.array([1.5], dtype=int) does */
    if (isnan(d)) {
        PyErr_SetString(PyExc_ValueError, "cannot convert float NaN to integer");
        return -1;
    }
    if (isinf(d)) {
        PyErr_SetString(PyExc_OverflowError, "cannot convert float infinity to integer");
        return -1;
    }
    /* NumPy takes the truncated value as a Python int and range-checks it:
     * beyond int64 only uint32/uint64 read it (as unsigned long), and a value
     * outside the dtype's range raises instead of wrapping */
    if (d >= 0x1p63 || d < -0x1p63) {
        if (kind != 'u' || numc_dtype_itemsize(dt) < 4 || d < 0 || d >= 0x1p64) {
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
            return -1;
        }
        uint64_t u = (uint64_t)d;
        if (numc_dtype_itemsize(dt) == 4) {
            PyErr_Format(PyExc_OverflowError, "Python integer %llu out of bounds for %s",
                         (unsigned long long)u, numc_dtype_name(dt));
            return -1;
        }
        numc_value_store(dt, dst, (numc_value){.kind = 'u', .u = u});
        return 0;
    }
    long long i = (long long)d;
    if (!int_fits(dt, i)) {
        PyErr_Format(PyExc_OverflowError, "Python integer %lld out of bounds for %s", i,
                     numc_dtype_name(dt));
        return -1;
    }
    numc_value_store(dt, dst, (numc_value){.kind = 'i', .i = i});
    return 0;
}

/* One Python scalar (kind known) into dst. */
static inline int store_leaf(numc_dtype dt, void *dst, PyObject *v, int kind) {
    switch (kind) {
    case K_FLOAT:
        if (dt == NUMC_FLOAT64) {
            *(double *)dst = PyFloat_AS_DOUBLE(v);
            return 0;
        }
        return store_double(dt, dst, PyFloat_AS_DOUBLE(v), 0);
    case K_INT:
        return store_int(dt, dst, v);
    case K_BOOL:
        return store_int(dt, dst, v == Py_True ? Py_True : Py_False);
    case K_COMPLEX: {
        Py_complex c = PyComplex_AsCComplex(v);
        if (numc_dtype_kind(dt) != 'c') {
            PyErr_SetString(PyExc_TypeError,
                            "float() argument must be a string or a real number, not 'complex'");
            return -1;
        }
        return store_double(dt, dst, c.real, c.imag);
    }
    default:
        break;
    }
    PyErr_SetString(PyExc_TypeError, "unsupported value");
    return -1;
}

/* ---- Python scalars ---- */

static numc_array *scalar_strong(PyObject *obj, int kind, numc_dtype dt) {
    if (dt == NUMC_DTYPE_NONE) {
        switch (kind) {
        case K_BOOL:
            dt = NUMC_BOOL;
            break;
        case K_INT: {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
            if (v == -1 && PyErr_Occurred()) return NULL;
            dt = overflow > 0 ? NUMC_UINT64 : NUMC_INT64;
            if (overflow < 0) {
                PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
                return NULL;
            }
            break;
        }
        case K_FLOAT:
            dt = numc_default_float();
            break;
        default:
            dt = numc_default_complex();
            break;
        }
    }
    _Alignas(16) unsigned char buf[16];
    if (store_leaf(dt, buf, obj, kind) < 0) {
        if (kind == K_INT && dt == NUMC_UINT64 && PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
        }
        return NULL;
    }
    static const int64_t noshape[1];
    numc_array *a = numc_array_from_data(dt, 0, noshape, buf);
    if (!a) pynumc_raise();
    return a;
}

/* `a * 2.0` in a loop: one weak scalar per kind is reused while nothing but
 * this cache refers to it or its buffer (so no value can observe the write). */
static numc_array *weak_cache[K_COMPLEX + 1];

static numc_array *weak_cached(int kind, const void *val, size_t n) {
    numc_array *c = weak_cache[kind];
    if (c && numc_array_overwrite_scalar(c, val, n)) return numc_array_retain(c);
    return NULL;
}

static numc_array *weak_remember(int kind, numc_array *a) {
    if (a && numc_array_is_plain(a) && numc_array_is_weak(a)) {
        if (weak_cache[kind]) numc_array_release(weak_cache[kind]);
        weak_cache[kind] = numc_array_retain(a);
    }
    return a;
}

static numc_array *scalar_weak(PyObject *obj, int kind) {
    numc_array *a;
    switch (kind) {
    case K_FLOAT: {
        double v = PyFloat_AS_DOUBLE(obj);
        a = weak_cached(kind, &v, sizeof v);
        if (!a) a = weak_remember(kind, numc_scalar_f64(v));
        break;
    }
    case K_INT: {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (v == -1 && PyErr_Occurred()) return NULL;
        if (overflow) {
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
            return NULL;
        }
        int64_t i = v;
        a = weak_cached(kind, &i, sizeof i);
        if (!a) a = weak_remember(kind, numc_scalar_i64(i));
        break;
    }
    case K_BOOL:
        a = numc_scalar_bool(obj == Py_True);
        break;
    default: {
        Py_complex c = PyComplex_AsCComplex(obj);
        double v[2] = {c.real, c.imag};
        a = weak_cached(kind, v, sizeof v);
        if (!a) a = weak_remember(kind, numc_scalar_c128(c.real, c.imag));
        break;
    }
    }
    if (!a) pynumc_raise();
    return a;
}

/* ---- nested sequences ---- */

typedef struct {
    int ndim;      /* dims established so far */
    int leafdepth; /* depth of the scalar leaves, -1 until one is seen */
    int kind;      /* max leaf kind */
    int big_uint;  /* an int above INT64_MAX */
    int small_int; /* an int within int64 */
    int64_t shape[NUMC_MAX_DIMS];
} seqinfo;

static int ragged(seqinfo *s, int depth) {
    char buf[32 * 24], *p = buf;
    p += sprintf(p, "(");
    for (int i = 0; i < depth && i < NUMC_MAX_DIMS; i++)
        p += sprintf(p, i ? ", %lld" : "%lld", (long long)s->shape[i]);
    sprintf(p, depth == 1 ? ",)" : ")");
    PyErr_Format(PyExc_ValueError,
                 "setting an array element with a sequence. The requested array has an "
                 "inhomogeneous shape after %d dimensions. The detected shape was %s + "
                 "inhomogeneous part.",
                 depth, buf);
    return -1;
}

/* Walks a sequence contributing dim d. Returns -1 on error, 1 when a leaf is
 * not a Python scalar (the caller takes the general path), else 0. */
static int discover(PyObject *seq, int d, seqinfo *s) {
    if (d >= NUMC_MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "numc arrays support at most %d dimensions", NUMC_MAX_DIMS);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (d < s->ndim) {
        if (s->shape[d] != n) return ragged(s, d);
    } else {
        s->shape[d] = n;
        s->ndim = d + 1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = items[i];
        int k = leaf_kind(it);
        if (k == K_OTHER) {
            if (PyList_Check(it) || PyTuple_Check(it)) {
                if (s->leafdepth >= 0 && s->leafdepth <= d + 1) return ragged(s, d + 1);
                int r = discover(it, d + 1, s);
                if (r) return r;
                continue;
            }
            return 1;
        }
        if (s->leafdepth < 0) {
            s->leafdepth = d + 1;
            if (s->ndim > d + 1) return ragged(s, d + 1);
        } else if (s->leafdepth != d + 1) {
            return ragged(s, s->leafdepth < d + 1 ? s->leafdepth : d + 1);
        }
        if (k > s->kind) s->kind = k;
        if (k == K_INT) {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(it, &overflow);
            if (v == -1 && PyErr_Occurred()) return -1;
            if (overflow > 0)
                s->big_uint = 1;
            else if (overflow < 0) {
                PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
                return -1;
            } else
                s->small_int = 1;
        }
    }
    return 0;
}

static int fill(PyObject *seq, int d, int ndim, numc_dtype dt, size_t isz, char **dst) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (d + 1 < ndim) {
        for (Py_ssize_t i = 0; i < n; i++)
            if (fill(items[i], d + 1, ndim, dt, isz, dst) < 0) return -1;
        return 0;
    }
    char *p = *dst;
    if (dt == NUMC_FLOAT64) {
        for (Py_ssize_t i = 0; i < n; i++, p += 8) {
            PyObject *it = items[i];
            if (PyFloat_CheckExact(it))
                *(double *)p = PyFloat_AS_DOUBLE(it);
            else if (store_leaf(dt, p, it, leaf_kind(it)) < 0)
                return -1;
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++, p += isz)
            if (store_leaf(dt, p, items[i], leaf_kind(items[i])) < 0) return -1;
    }
    *dst = p;
    return 0;
}

static numc_array *from_sequence_general(PyObject *obj, numc_dtype dt);

static numc_array *from_sequence(PyObject *obj, numc_dtype dt) {
    seqinfo s;
    s.ndim = 0;
    s.leafdepth = -1;
    s.kind = K_NONE;
    s.big_uint = s.small_int = 0;
    int r = discover(obj, 0, &s);
    if (r < 0) return NULL;
    if (r > 0) return from_sequence_general(obj, dt);
    int ndim = s.leafdepth >= 0 ? s.leafdepth : s.ndim;
    if (dt == NUMC_DTYPE_NONE) {
        switch (s.kind) {
        case K_BOOL:
            dt = NUMC_BOOL;
            break;
        case K_INT:
            /* NumPy types each int: big ones uint64, others int64; together float64 */
            dt = !s.big_uint ? NUMC_INT64 : s.small_int ? NUMC_FLOAT64 : NUMC_UINT64;
            break;
        case K_COMPLEX:
            dt = numc_default_complex();
            break;
        default:
            dt = numc_default_float();
            break; /* float leaves or empty */
        }
    }
    size_t isz = numc_dtype_itemsize(dt);
    int64_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= s.shape[i];
    _Alignas(16) char stackbuf[512];
    char *buf = stackbuf;
    if ((size_t)count * isz > sizeof stackbuf) {
        buf = malloc((size_t)count * isz);
        if (!buf) return (numc_array *)PyErr_NoMemory();
    }
    char *p = buf;
    numc_array *a = NULL;
    if (count == 0 || fill(obj, 0, ndim, dt, isz, &p) == 0) {
        a = numc_array_from_data(dt, ndim, s.shape, buf);
        if (!a) pynumc_raise();
    }
    if (buf != stackbuf) free(buf);
    return a;
}

/* Sequences holding arrays or NumPy scalars: convert the elements, check they
 * agree in shape, and stack them. */
static numc_array *from_sequence_general(PyObject *obj, numc_dtype dt) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
    PyObject **items = PySequence_Fast_ITEMS(obj);
    if (n == 0) {
        int64_t zero = 0;
        return numc_zeros(1, &zero, dt == NUMC_DTYPE_NONE ? numc_default_float() : dt);
    }
    numc_array **parts = PyMem_Calloc((size_t)n, sizeof *parts);
    if (!parts) return (numc_array *)PyErr_NoMemory();
    numc_array *res = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        parts[i] = pynumc_asarray(items[i], dt);
        if (!parts[i]) goto done;
        const numc_array *p0 = parts[0], *pi = parts[i];
        int nd = numc_array_ndim(pi);
        if (nd != numc_array_ndim(p0) ||
            memcmp(numc_array_shape(pi), numc_array_shape(p0), (size_t)nd * sizeof(int64_t))) {
            seqinfo s;
            s.shape[0] = n;
            ragged(&s, 1);
            goto done;
        }
    }
    if (dt == NUMC_DTYPE_NONE) dt = numc_result_type((int)n, (const numc_array *const *)parts);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (numc_array_dtype(parts[i]) != dt) {
            numc_array *c = numc_astype(parts[i], dt);
            if (!c) {
                pynumc_raise();
                goto done;
            }
            numc_array_release(parts[i]);
            parts[i] = c;
        }
    }
    res = numc_stack((int)n, (const numc_array *const *)parts, 0);
    if (!res) pynumc_raise();
done:
    for (Py_ssize_t i = 0; i < n; i++)
        if (parts[i]) numc_array_release(parts[i]);
    PyMem_Free(parts);
    return res;
}

/* ---- the buffer protocol ---- */

/* The dtype of a buffer format; *swapped says its bytes are in the other
 * order than this machine's. */
static numc_dtype format_dtype(const char *f, Py_ssize_t itemsize, int *swapped) {
    *swapped = 0;
    if (!f) return NUMC_UINT8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (*f == '>' || *f == '!') *swapped = 1;
    if (*f == '@' || *f == '=' || *f == '<' || *f == '|' || *f == '>' || *f == '!') f++;
#else
    if (*f == '<') *swapped = 1;
    if (*f == '@' || *f == '=' || *f == '>' || *f == '!' || *f == '|' || *f == '<') f++;
#endif
    numc_dtype dt = NUMC_DTYPE_NONE;
    if (f[0] == 'Z' && f[1] && !f[2]) {
        if (f[1] == 'f')
            dt = NUMC_COMPLEX64;
        else if (f[1] == 'd')
            dt = NUMC_COMPLEX128;
    } else if (f[0] && !f[1]) {
        switch (f[0]) {
        case '?':
            dt = NUMC_BOOL;
            break;
        case 'b':
            dt = NUMC_INT8;
            break;
        case 'B':
        case 'c':
            dt = NUMC_UINT8;
            break;
        case 'e':
            dt = NUMC_FLOAT16;
            break;
        case 'f':
            dt = NUMC_FLOAT32;
            break;
        case 'd':
            dt = NUMC_FLOAT64;
            break;
        case 'h':
        case 'i':
        case 'l':
        case 'q':
        case 'n':
            dt = itemsize == 1   ? NUMC_INT8
                 : itemsize == 2 ? NUMC_INT16
                 : itemsize == 4 ? NUMC_INT32
                 : itemsize == 8 ? NUMC_INT64
                                 : NUMC_DTYPE_NONE;
            break;
        case 'H':
        case 'I':
        case 'L':
        case 'Q':
        case 'N':
            dt = itemsize == 1   ? NUMC_UINT8
                 : itemsize == 2 ? NUMC_UINT16
                 : itemsize == 4 ? NUMC_UINT32
                 : itemsize == 8 ? NUMC_UINT64
                                 : NUMC_DTYPE_NONE;
            break;
        default:
            break;
        }
    }
    if (dt != NUMC_DTYPE_NONE && (Py_ssize_t)numc_dtype_itemsize(dt) != itemsize)
        dt = NUMC_DTYPE_NONE;
    return dt;
}

/* Copies a strided region of n elements in C order, reversing the bytes of
 * each unit (a whole element, or each half of a complex one). */
static void copy_swapped(char *dst, const char *src, int nd, const int64_t *shape,
                         const int64_t *strides, size_t isz, size_t unit) {
    int64_t idx[NUMC_MAX_DIMS] = {0}, n = 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    for (int64_t k = 0; k < n; k++, dst += isz) {
        for (size_t u = 0; u < isz; u += unit)
            for (size_t b = 0; b < unit; b++)
                dst[u + b] = src[u + unit - 1 - b];
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                src += strides[d];
                break;
            }
            src -= strides[d] * (shape[d] - 1);
            idx[d] = 0;
        }
    }
}

/* Smaller read-only buffers (NumPy scalars as operands, short arrays) are
 * copied: that costs less than holding the exporter and taking the GIL to
 * release it. */
#define SHARE_MIN_BYTES 1024

/* Ends a zero-copy view: the last numc array over a read-only buffer went
 * (on any thread), so the exporter may go too. */
static void release_view(void *p) {
    Py_buffer *view = p;
#if PY_VERSION_HEX >= 0x030D0000
    if (Py_IsFinalizing()) return; /* the exporter goes with the interpreter */
#else
    if (_Py_IsFinalizing()) return;
#endif
    PyGILState_STATE g = PyGILState_Ensure();
    PyBuffer_Release(view);
    PyGILState_Release(g);
    free(view);
}

/* 1: converted, 0: the object has no usable buffer (no exception), -1: error.
 * share: a read-only buffer may be viewed without a copy (the view holds the
 * exporter until the last array over it goes). */
static int from_buffer(PyObject *obj, numc_dtype as_dt, int share, numc_array **out) {
    if (!PyObject_CheckBuffer(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj) ||
        PyUnicode_Check(obj))
        return 0;
    /* on the heap: a shared view lives as long as the arrays over it */
    Py_buffer *held = malloc(sizeof *held);
    if (!held) {
        PyErr_NoMemory();
        return -1;
    }
    if (PyObject_GetBuffer(obj, held, PyBUF_RECORDS_RO) < 0) {
        free(held);
        PyErr_Clear();
        return 0;
    }
    Py_buffer view = *held;
    int swapped = 0;
    numc_dtype dt = format_dtype(view.format, view.itemsize, &swapped);
    if (as_dt != NUMC_DTYPE_NONE) dt = as_dt;
    int r = -1;
    if (dt == NUMC_DTYPE_NONE) {
        PyErr_Format(PyExc_TypeError, "numc: unsupported buffer format '%s'",
                     view.format ? view.format : "B");
    } else if (view.ndim > NUMC_MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "numc arrays support at most %d dimensions", NUMC_MAX_DIMS);
    } else {
        int64_t shape[NUMC_MAX_DIMS], strides[NUMC_MAX_DIMS];
        for (int i = 0; i < view.ndim; i++) {
            shape[i] = view.shape ? view.shape[i] : view.len / view.itemsize;
            strides[i] = view.strides ? view.strides[i] : view.itemsize;
        }
        size_t isz = numc_dtype_itemsize(dt);
        *out = NULL;
        if (share && view.readonly && !(swapped && isz > 1) && view.len >= SHARE_MIN_BYTES) {
            *out = numc_array_from_foreign(dt, view.ndim, shape, strides, view.buf, release_view,
                                           held);
            if (*out) return 1; /* held is released with the array */
            numc_error_clear(); /* odd strides or alignment: copy instead */
        }
        if (swapped && isz > 1) {
            int64_t n = 1;
            for (int i = 0; i < view.ndim; i++)
                n *= shape[i];
            char *tmp = malloc(n ? (size_t)n * isz : 1);
            if (tmp) {
                copy_swapped(tmp, view.buf, view.ndim, shape, strides, isz,
                             numc_dtype_kind(dt) == 'c' ? isz / 2 : isz);
                *out = numc_array_from_data(dt, view.ndim, shape, tmp);
                free(tmp);
            } else {
                PyErr_NoMemory();
            }
        } else {
            /* C-contiguous sources (the common case) are one memcpy */
            int contig = PyBuffer_IsContiguous(&view, 'C');
            *out = numc_array_from_strided(dt, view.ndim, shape, contig ? NULL : strides, view.buf);
        }
        if (*out)
            r = 1;
        else
            pynumc_raise();
    }
    PyBuffer_Release(held);
    free(held);
    return r;
}

numc_array *pynumc_from_raw(PyObject *obj, numc_dtype dt, int ndim, const int64_t *shape,
                            int share) {
    Py_buffer *held = malloc(sizeof *held);
    if (!held) return (numc_array *)PyErr_NoMemory();
    if (PyObject_GetBuffer(obj, held, PyBUF_C_CONTIGUOUS) < 0) {
        free(held);
        return NULL;
    }
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    numc_array *r = NULL;
    if (held->len != n * (int64_t)numc_dtype_itemsize(dt)) {
        PyErr_Format(PyExc_ValueError, "_reconstruct: %zd bytes do not hold %lld %s elements",
                     held->len, (long long)n, numc_dtype_name(dt));
    } else {
        if (share && held->len >= SHARE_MIN_BYTES) {
            r = numc_array_from_foreign(dt, ndim, shape, NULL, held->buf, release_view, held);
            if (r) return r;    /* held is released with the array */
            numc_error_clear(); /* misaligned: copy instead */
        }
        r = numc_array_from_data(dt, ndim, shape, held->buf);
        if (!r) pynumc_raise();
    }
    PyBuffer_Release(held);
    free(held);
    return r;
}

/* a (stolen) converted to dt unless dt is NONE; NULL with an exception. */
static numc_array *cast_to(numc_array *a, numc_dtype dt) {
    if (dt == NUMC_DTYPE_NONE || numc_array_dtype(a) == dt) return a;
    numc_array *c = numc_astype(a, dt);
    numc_array_release(a);
    if (!c) pynumc_raise();
    return c;
}

/* NumPy objects the buffer protocol cannot carry (bfloat16) or objects that
 * only speak __array__: let NumPy make an array, view bfloat16 as uint16. */
static numc_array *from_numpy_fallback(PyObject *obj, numc_dtype dt, int share) {
    PyObject *np = pynumc_numpy();
    if (!np) return NULL;
    PyObject *arr = PyObject_CallMethod(np, "asarray", "O", obj);
    if (!arr) return NULL;
    numc_array *res = NULL;
    PyObject *adt = PyObject_GetAttrString(arr, "dtype");
    PyObject *name = adt ? PyObject_GetAttrString(adt, "name") : NULL;
    Py_XDECREF(adt);
    if (!name) goto done;
    int is_bf16 = PyUnicode_Check(name) && !PyUnicode_CompareWithASCIIString(name, "bfloat16");
    Py_DECREF(name);
    numc_array *raw = NULL;
    if (is_bf16) {
        PyObject *u = PyObject_CallMethod(arr, "view", "s", "uint16");
        if (!u) goto done;
        int r = from_buffer(u, NUMC_BFLOAT16, share, &raw);
        Py_DECREF(u);
        if (r <= 0) goto fail_msg;
    } else {
        int r = from_buffer(arr, NUMC_DTYPE_NONE, share, &raw);
        if (r <= 0) goto fail_msg;
    }
    res = cast_to(raw, dt);
    goto done;
fail_msg:
    if (!PyErr_Occurred())
        PyErr_Format(PyExc_TypeError, "cannot convert %.200s to a numc array",
                     Py_TYPE(obj)->tp_name);
done:
    Py_DECREF(arr);
    return res;
}

/* ---- DLPack consumer (the array API's from_dlpack) ---- */

/* A capsule's DLPack kind: 1 versioned, 0 legacy, -1 not an unused one. */
static int capsule_kind(PyObject *cap) {
    if (PyCapsule_IsValid(cap, "dltensor_versioned")) return 1;
    if (PyCapsule_IsValid(cap, "dltensor")) return 0;
    return -1;
}

numc_array *pynumc_from_dlpack(PyObject *x, numc_dlpack_copy copy) {
    int on_host = 1;
    PyObject *dev = PyObject_CallMethod(x, "__dlpack_device__", NULL);
    if (dev) {
        long type = PyTuple_Check(dev) && PyTuple_GET_SIZE(dev) == 2
                        ? PyLong_AsLong(PyTuple_GET_ITEM(dev, 0))
                        : 1;
        Py_DECREF(dev);
        if (type == -1 && PyErr_Occurred()) return NULL;
        on_host = type == 1 || type == 3; /* kDLCPU, kDLCUDAHost */
    } else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear(); /* a producer without __dlpack_device__: host memory */
    } else {
        return NULL;
    }
    if (!on_host && copy == NUMC_DLPACK_NO_COPY) {
        PyErr_SetString(PyExc_ValueError, "from_dlpack: the array is not in host memory and "
                                          "copy=False forbids copying it to the CPU");
        return NULL;
    }
    PyObject *meth = PyObject_GetAttrString(x, "__dlpack__");
    if (!meth) return NULL;
    PyObject *kw = Py_BuildValue("{s(ii)}", "max_version", 1, 1);
    if (kw && copy != NUMC_DLPACK_COPY_IF_NEEDED &&
        PyDict_SetItemString(kw, "copy", copy == NUMC_DLPACK_COPY ? Py_True : Py_False) < 0)
        Py_CLEAR(kw);
    if (kw && !on_host) {
        PyObject *cpu = Py_BuildValue("(ii)", 1, 0);
        if (!cpu || PyDict_SetItemString(kw, "dl_device", cpu) < 0) Py_CLEAR(kw);
        Py_XDECREF(cpu);
    }
    PyObject *empty = kw ? PyTuple_New(0) : NULL;
    PyObject *cap = empty ? PyObject_Call(meth, empty, kw) : NULL;
    if (!cap && on_host && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear(); /* a producer older than DLPack 1.0 takes no keywords */
        cap = PyObject_CallNoArgs(meth);
    }
    Py_XDECREF(empty);
    Py_XDECREF(kw);
    Py_DECREF(meth);
    if (!cap) return NULL;
    int kind = capsule_kind(cap);
    numc_array *r = NULL;
    if (kind < 0) {
        PyErr_SetString(PyExc_BufferError,
                        "from_dlpack: __dlpack__ did not return an unused DLPack capsule");
    } else {
        void *t = PyCapsule_GetPointer(cap, kind ? "dltensor_versioned" : "dltensor");
        r = t ? numc_from_dlpack(t, kind == 1, copy) : NULL;
        if (r) {
            /* numc owns the tensor now: the capsule must not delete it */
            PyCapsule_SetName(cap, kind ? "used_dltensor_versioned" : "used_dltensor");
        } else if (t && numc_error_kind() == NUMC_ERR_VALUE) {
            PyErr_SetString(PyExc_BufferError, numc_error_message());
        } else if (t) {
            pynumc_raise();
        }
    }
    Py_DECREF(cap);
    return r;
}

static numc_array *convert(PyObject *obj, numc_dtype dt, int weak, int share) {
    if (NumcArray_Check(obj)) {
        numc_array *a = NumcArray_ARR(obj);
        if (dt == NUMC_DTYPE_NONE || numc_array_dtype(a) == dt) return numc_array_retain(a);
        a = numc_astype(a, dt);
        if (!a) pynumc_raise();
        return a;
    }
    int k = leaf_kind(obj);
    if (k != K_OTHER)
        return (weak && dt == NUMC_DTYPE_NONE) ? scalar_weak(obj, k) : scalar_strong(obj, k, dt);
    if (PyList_Check(obj) || PyTuple_Check(obj)) return from_sequence(obj, dt);
    numc_array *a = NULL;
    int r = from_buffer(obj, NUMC_DTYPE_NONE, share, &a);
    if (r < 0) return NULL;
    if (r > 0) return cast_to(a, dt);
    /* Python scalar subclasses that are not NumPy's (IntEnum, ...) */
    if (!pynumc_is_numpy_object(obj)) {
        if (PyBool_Check(obj)) return convert(obj == Py_True ? Py_True : Py_False, dt, weak, share);
        if (PyLong_Check(obj) || PyFloat_Check(obj) || PyComplex_Check(obj)) {
            PyObject *base = PyLong_Check(obj) ? PyNumber_Long(obj)
                             : PyFloat_Check(obj)
                                 ? PyNumber_Float(obj)
                                 : PyComplex_FromCComplex(PyComplex_AsCComplex(obj));
            if (!base) return NULL;
            a = convert(base, dt, weak, share);
            Py_DECREF(base);
            return a;
        }
    }
    int is_np = pynumc_is_numpy_object(obj);
    int has_array = !is_np && PyObject_HasAttrString(obj, "__array__");
    if (!is_np && PyObject_HasAttrString(obj, "__dlpack__")) {
        /* other libraries' tensors (torch, jax, tf): zero-copy when read-only */
        a = pynumc_from_dlpack(obj, share ? NUMC_DLPACK_COPY_IF_NEEDED : NUMC_DLPACK_COPY);
        if (a) return cast_to(a, dt);
        /* a tensor DLPack cannot carry (device, dtype) may still have __array__ */
        if (!has_array || !PyErr_ExceptionMatches(PyExc_BufferError)) return NULL;
        PyErr_Clear();
    }
    if (is_np || has_array || PyObject_HasAttrString(obj, "__array_interface__"))
        return from_numpy_fallback(obj, dt, share);
    if (obj == Py_None)
        PyErr_SetString(PyExc_TypeError, "numc cannot make an array from None");
    else
        PyErr_Format(PyExc_TypeError, "numc cannot make an array from an object of type '%.200s'",
                     Py_TYPE(obj)->tp_name);
    return NULL;
}

numc_array *pynumc_from_object(PyObject *obj, numc_dtype dtype) {
    return convert(obj, dtype, 1, 1);
}
numc_array *pynumc_asarray(PyObject *obj, numc_dtype dtype) {
    return convert(obj, dtype, 0, 1);
}
numc_array *pynumc_array_copy(PyObject *obj, numc_dtype dtype) {
    return convert(obj, dtype, 0, 0);
}

numc_array *pynumc_operand(PyObject *obj) {
    if (NumcArray_Check(obj)) return numc_array_retain(NumcArray_ARR(obj));
    int k = leaf_kind(obj);
    if (k != K_OTHER) return scalar_weak(obj, k);
    if (PyList_Check(obj) || PyTuple_Check(obj) || pynumc_is_numpy_object(obj) ||
        PyLong_Check(obj) || PyFloat_Check(obj) || PyComplex_Check(obj) ||
        (PyObject_CheckBuffer(obj) && !PyBytes_Check(obj) && !PyByteArray_Check(obj)))
        return convert(obj, NUMC_DTYPE_NONE, 1, 1);
    return NULL;
}

/* ---- reading elements ---- */

static PyObject *value_to_py(numc_value v) {
    switch (v.kind) {
    case 'b':
        return PyBool_FromLong(v.i != 0);
    case 'i':
        return PyLong_FromLongLong(v.i);
    case 'u':
        return PyLong_FromUnsignedLongLong(v.u);
    case 'f':
        return PyFloat_FromDouble(v.re);
    default:
        return PyComplex_FromDoubles(v.re, v.im);
    }
}

void *pynumc_host_copy(const numc_array *a) {
    size_t n = (size_t)numc_array_size(a) * numc_dtype_itemsize(numc_array_dtype(a));
    void *buf = malloc(n ? n : 1);
    if (!buf) return PyErr_NoMemory();
    if (numc_array_to_host(a, buf) != NUMC_OK) {
        free(buf);
        pynumc_raise();
        return NULL;
    }
    return buf;
}

PyObject *pynumc_item(numc_array *a, int64_t flat) {
    numc_value v;
    if (numc_array_item(a, flat, &v) != NUMC_OK) return pynumc_raise();
    return value_to_py(v);
}

static PyObject *build_list(numc_dtype dt, size_t isz, int d, int nd, const int64_t *shape,
                            const char **p) {
    if (d == nd) {
        PyObject *r = value_to_py(numc_value_load(dt, *p));
        *p += isz;
        return r;
    }
    PyObject *list = PyList_New(shape[d]);
    if (!list) return NULL;
    for (int64_t i = 0; i < shape[d]; i++) {
        PyObject *e = build_list(dt, isz, d + 1, nd, shape, p);
        if (!e) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, e);
    }
    return list;
}

PyObject *pynumc_tolist(numc_array *a) {
    char *host = pynumc_host_copy(a);
    if (!host) return NULL;
    const char *p = host;
    numc_dtype dt = numc_array_dtype(a);
    PyObject *r =
        build_list(dt, numc_dtype_itemsize(dt), 0, numc_array_ndim(a), numc_array_shape(a), &p);
    free(host);
    return r;
}
