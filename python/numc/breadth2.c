/* breadth2.c — the Python side of issue 8's second batch: argument handling
 * for einsum (string and interleaved forms, optimize=), einsum_path, vecdot,
 * put, place, shares_memory; save/load/savez through file names, path-like
 * objects or file objects (bytes move through the object's read/write, the
 * format is src/np/npyio.c), the lazy NpzFile mapping; and the functions
 * driven by Python callables or iterators (fromfunction, fromiter) or by the
 * buffer protocol (frombuffer). */
#include "breadth2.h"
#include "pyops.h"

#include <stdlib.h>
#include <string.h>
#include <structmember.h>

#define OPTARG(f, name)                                                                            \
    ((f)->s->pos_of[SLOT_##name] >= 0 ? &(f)->v[(f)->s->pos_of[SLOT_##name]] : NULL)

static PyObject *wrap_or_out(frame_t *f, numc_array *r, const char *name) {
    if (!r) return pynumc_raise();
    pval *out = OPTARG(f, out);
    if (out && out->obj && out->obj != Py_None) return pynumc_assign_out(out->obj, r, name);
    return pynumc_wrap(r);
}

static const char *utf8_or_null(PyObject *o) {
    return PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
}

/* ---- einsum ---- */

typedef struct {
    PyObject *subs; /* str */
    int n;
    numc_array *ops[64];
} ein_args;

static void ein_release(ein_args *e) {
    Py_XDECREF(e->subs);
    for (int i = 0; i < e->n; i++)
        numc_array_release(e->ops[i]);
}

/* sublist [0, 1, Ellipsis] -> "AB..." (NumPy: 0..25 'A'..'Z', 26..51 'a'..'z') */
static int append_sublist(PyObject *list, PyObject *acc) {
    PyObject *seq = PySequence_Fast(list, "einsum: each subscript list must be a sequence");
    if (!seq) return -1;
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(seq); k++) {
        PyObject *it = PySequence_Fast_GET_ITEM(seq, k);
        char buf[4] = {0};
        if (it == Py_Ellipsis) {
            strcpy(buf, "...");
        } else {
            PyObject *ix = PyIndex_Check(it) ? PyNumber_Index(it) : NULL;
            long v = ix ? PyLong_AsLong(ix) : -1;
            Py_XDECREF(ix);
            if (v < 0 || v >= 52) {
                PyErr_Clear();
                Py_DECREF(seq);
                PyErr_SetString(PyExc_ValueError,
                                "subscript is not within the valid range [0, 52)");
                return -1;
            }
            buf[0] = (char)(v < 26 ? 'A' + v : 'a' + v - 26);
        }
        PyObject *s = PyUnicode_FromString(buf);
        int r = s ? PyList_Append(acc, s) : -1;
        Py_XDECREF(s);
        if (r < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static int ein_parse(frame_t *f, ein_args *e, const char *fname) {
    memset(e, 0, sizeof *e);
    Py_ssize_t nv = f->nvar;
    if (nv == 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): must specify the einstein sum subscripts string "
                     "and at least one operand",
                     fname);
        return -1;
    }
    PyObject *const *v = f->var;
    if (PyUnicode_Check(v[0])) {
        if (nv - 1 > 64) {
            PyErr_Format(PyExc_ValueError, "%s(): too many operands", fname);
            return -1;
        }
        e->subs = Py_NewRef(v[0]);
        for (Py_ssize_t i = 1; i < nv; i++) {
            if (!(e->ops[e->n] = pynumc_operand(v[i]))) {
                if (!PyErr_Occurred()) e->ops[e->n] = pynumc_asarray(v[i], NUMC_DTYPE_NONE);
                if (!e->ops[e->n]) return -1;
            }
            e->n++;
        }
        return 0;
    }
    /* interleaved: op0, sublist0, op1, sublist1, ..., [sublist_out] */
    PyObject *parts = PyList_New(0), *empty = NULL;
    if (!parts) return -1;
    Py_ssize_t i = 0;
    for (; i + 1 < nv; i += 2) {
        if (e->n >= 64) {
            PyErr_Format(PyExc_ValueError, "%s(): too many operands", fname);
            goto fail;
        }
        if (!(e->ops[e->n] = pynumc_asarray(v[i], NUMC_DTYPE_NONE))) goto fail;
        e->n++;
        if (i && PyList_Append(parts, PyUnicode_FromString(",")) < 0) goto fail;
        if (append_sublist(v[i + 1], parts) < 0) goto fail;
    }
    if (i < nv) {
        PyObject *arrow = PyUnicode_FromString("->");
        if (!arrow || PyList_Append(parts, arrow) < 0) {
            Py_XDECREF(arrow);
            goto fail;
        }
        Py_DECREF(arrow);
        if (append_sublist(v[i], parts) < 0) goto fail;
    }
    empty = PyUnicode_FromString("");
    e->subs = empty ? PyUnicode_Join(empty, parts) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(parts);
    return e->subs ? 0 : -1;
fail:
    Py_DECREF(parts);
    return -1;
}

/* optimize= -> mode 0 (False), 1 (greedy), 2 (an explicit path in *path) */
static int ein_optimize(PyObject *o, int64_t **path, int *plen) {
    *path = NULL;
    *plen = 0;
    if (o == Py_False || o == Py_None) return 0;
    if (o == Py_True) return 1;
    const char *s = utf8_or_null(o);
    if (s) {
        if (!strcmp(s, "greedy") || !strcmp(s, "optimal")) return 1;
        PyErr_Format(PyExc_TypeError, "Did not understand the path: %s", s);
        return -1;
    }
    if (PyList_Check(o) || PyTuple_Check(o)) {
        Py_ssize_t n = PySequence_Size(o);
        PyObject *first = n > 0 ? PySequence_GetItem(o, 0) : NULL;
        const char *fs = first ? utf8_or_null(first) : NULL;
        bool ok = fs && !strcmp(fs, "einsum_path");
        Py_XDECREF(first);
        if (!ok) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "Did not understand the path: the list must start "
                                             "with 'einsum_path'");
            return -1;
        }
        int64_t *p = malloc(sizeof(int64_t) * (size_t)(64 * 2 + 2) * (size_t)(n + 1));
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        int k = 0;
        for (Py_ssize_t i = 1; i < n; i++) {
            PyObject *t = PySequence_GetItem(o, i);
            PyObject *seq = t ? PySequence_Fast(t, "einsum: each path step must be a tuple") : NULL;
            Py_XDECREF(t);
            if (!seq || PySequence_Fast_GET_SIZE(seq) > 64) {
                Py_XDECREF(seq);
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "einsum: invalid contraction path");
                free(p);
                return -1;
            }
            p[k++] = PySequence_Fast_GET_SIZE(seq);
            for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(seq); j++) {
                long long x = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, j));
                if (x == -1 && PyErr_Occurred()) {
                    Py_DECREF(seq);
                    free(p);
                    return -1;
                }
                p[k++] = x;
            }
            Py_DECREF(seq);
        }
        *path = p;
        *plen = k;
        return 2;
    }
    PyErr_SetString(PyExc_TypeError, "Did not understand the path (optimize=)");
    return -1;
}

PyObject *pynumc_einsum(frame_t *f) {
    /* signature: operands:V, out:P, dtype:D, order:R, casting:O, optimize:O */
    pval *v = f->v;
    ein_args e;
    if (ein_parse(f, &e, "einsum") < 0) {
        ein_release(&e);
        return NULL;
    }
    const char *casting = utf8_or_null(v[4].obj);
    if (!casting) {
        ein_release(&e);
        PyErr_SetString(PyExc_TypeError, "einsum(): casting must be a string");
        return NULL;
    }
    int64_t *path;
    int plen;
    int mode = ein_optimize(v[5].obj, &path, &plen);
    numc_array *r = NULL;
    if (mode >= 0)
        r = numc_einsum(PyUnicode_AsUTF8(e.subs), e.n, (const numc_array *const *)e.ops, v[2].dt,
                        casting, path, plen, mode > 0);
    free(path);
    ein_release(&e);
    if (mode < 0) return NULL;
    return wrap_or_out(f, r, "einsum");
}

PyObject *pynumc_einsum_path(frame_t *f) {
    ein_args e;
    if (ein_parse(f, &e, "einsum_path") < 0) {
        ein_release(&e);
        return NULL;
    }
    int64_t *path0;
    int plen0;
    int mode = ein_optimize(f->v[1].obj, &path0, &plen0);
    free(path0);
    if (mode < 0) {
        ein_release(&e);
        return NULL;
    }
    int64_t *path;
    int plen;
    char *report;
    numc_status st = numc_einsum_path(PyUnicode_AsUTF8(e.subs), e.n,
                                      (const numc_array *const *)e.ops, &path, &plen, &report);
    ein_release(&e);
    if (st != NUMC_OK) return pynumc_raise();
    PyObject *lst = PyList_New(0), *res = NULL;
    PyObject *head = PyUnicode_FromString("einsum_path");
    if (!lst || !head || PyList_Append(lst, head) < 0) goto done;
    for (int p = 0; p < plen;) {
        int k = (int)path[p++];
        PyObject *t = PyTuple_New(k);
        if (!t) goto done;
        for (int j = 0; j < k; j++)
            PyTuple_SET_ITEM(t, j, PyLong_FromLongLong(path[p + j]));
        p += k;
        int r = PyList_Append(lst, t);
        Py_DECREF(t);
        if (r < 0) goto done;
    }
    res = Py_BuildValue("(Os)", lst, report);
done:
    Py_XDECREF(head);
    Py_XDECREF(lst);
    free(path);
    free(report);
    return res;
}

PyObject *pynumc_vecdot(frame_t *f) {
    /* x1:A, x2:A, /, out:P, *, axis:I, dtype:D, ... */
    pval *v = f->v;
    numc_array *x1 = v[0].arr, *x2 = v[1].arr, *c1 = NULL, *c2 = NULL;
    numc_dtype dt = v[4].dt;
    if (dt != NUMC_DTYPE_NONE) {
        c1 = numc_astype(x1, dt);
        c2 = c1 ? numc_astype(x2, dt) : NULL;
        if (!c2) {
            if (c1) numc_array_release(c1);
            return pynumc_raise();
        }
        x1 = c1;
        x2 = c2;
    }
    numc_array *r = numc_vecdot(x1, x2, v[3].i);
    if (c1) numc_array_release(c1);
    if (c2) numc_array_release(c2);
    return wrap_or_out(f, r, "vecdot");
}

/* ---- in-place writers and memory ---- */

static numc_array **handle(PyObject *o, const char *fname) {
    if (NumcArray_Check(o)) return &NumcArray_ARR(o);
    PyErr_Format(PyExc_TypeError, "%s: argument 1 must be numc.ndarray, not %s", fname,
                 Py_TYPE(o)->tp_name);
    return NULL;
}

PyObject *pynumc_put(frame_t *f) {
    pval *v = f->v;
    numc_array **h = handle(v[0].obj, "put");
    const char *mode = utf8_or_null(v[3].obj);
    if (!h) return NULL;
    if (!mode) {
        PyErr_SetString(PyExc_TypeError, "put: mode must be a string");
        return NULL;
    }
    if (numc_put(h, v[1].arr, v[2].arr, mode) != NUMC_OK) return pynumc_raise();
    Py_RETURN_NONE;
}

PyObject *pynumc_place(frame_t *f) {
    pval *v = f->v;
    numc_array **h = handle(v[0].obj, "place");
    if (!h) return NULL;
    if (numc_place(h, v[1].arr, v[2].arr) != NUMC_OK) return pynumc_raise();
    Py_RETURN_NONE;
}

/* max_work: None -> dflt_exact; -1 (MAY_SHARE_BOUNDS) bounds; >= 0 exact */
static PyObject *share(frame_t *f, bool dflt_exact) {
    pval *v = f->v;
    bool exact = v[2].none ? dflt_exact : v[2].i != -1;
    if (!v[2].none && v[2].i < -1) {
        PyErr_SetString(PyExc_ValueError, "Invalid value for max_work");
        return NULL;
    }
    numc_array *a = pynumc_asarray(v[0].obj, NUMC_DTYPE_NONE);
    numc_array *b = a ? pynumc_asarray(v[1].obj, NUMC_DTYPE_NONE) : NULL;
    bool out = false;
    numc_status st = b ? numc_shares_memory(a, b, exact, &out) : NUMC_ERR_VALUE;
    if (a) numc_array_release(a);
    if (b) numc_array_release(b);
    if (st != NUMC_OK) return PyErr_Occurred() ? NULL : pynumc_raise();
    return PyBool_FromLong(out);
}

PyObject *pynumc_shares_memory(frame_t *f) {
    return share(f, true);
}

PyObject *pynumc_may_share_memory(frame_t *f) {
    return share(f, false);
}

/* ---- creation from buffers, iterators and functions ---- */

typedef struct {
    Py_buffer view;
} held_buffer;

static void release_held(void *p) {
    held_buffer *h = p;
    PyGILState_STATE g = PyGILState_Ensure();
    PyBuffer_Release(&h->view);
    PyGILState_Release(g);
    free(h);
}

PyObject *pynumc_frombuffer(frame_t *f) {
    /* buffer:O, dtype:D?, count:I, offset:I */
    pval *v = f->v;
    numc_dtype dt = v[1].none || v[1].dt == NUMC_DTYPE_NONE ? NUMC_FLOAT64 : v[1].dt;
    int64_t count = v[2].i, offset = v[3].i;
    held_buffer *h = malloc(sizeof *h);
    if (!h) return PyErr_NoMemory();
    if (PyObject_GetBuffer(v[0].obj, &h->view, PyBUF_SIMPLE) < 0) {
        free(h);
        return NULL;
    }
    Py_ssize_t len = h->view.len;
    int64_t isz = (int64_t)numc_dtype_itemsize(dt);
    const char *err = NULL;
    if (offset < 0 || offset > len)
        err = "offset must be non-negative and no greater than buffer length (%zd)";
    int64_t avail = len - offset;
    if (!err && count < 0 && avail % isz) err = "buffer size must be a multiple of element size";
    if (!err && count >= 0 && count > avail / isz) err = "buffer is smaller than requested size";
    if (err) {
        PyErr_Format(PyExc_ValueError, err, len);
        PyBuffer_Release(&h->view);
        free(h);
        return NULL;
    }
    int64_t n = count < 0 ? avail / isz : count;
    const char *data = (const char *)h->view.buf + offset;
    numc_array *a;
    /* a writable exporter could change under the value: copy it (numc values
     * are immutable); a read-only one is viewed in place, held until the
     * last view goes */
    if (h->view.readonly && (uintptr_t)data % (uintptr_t)isz == 0) {
        a = numc_array_from_foreign(dt, 1, &n, NULL, data, release_held, h);
        if (!a) {
            PyBuffer_Release(&h->view);
            free(h);
        }
    } else {
        a = numc_array_from_data(dt, 1, &n, data);
        PyBuffer_Release(&h->view);
        free(h);
    }
    return pynumc_wrap(a);
}

PyObject *pynumc_fromiter(frame_t *f) {
    /* iter:O, dtype:D, count:I */
    pval *v = f->v;
    int64_t count = v[2].i;
    PyObject *it = PyObject_GetIter(v[0].obj);
    if (!it) return NULL;
    PyObject *items = PyList_New(0);
    while (items && (count < 0 || PyList_GET_SIZE(items) < count)) {
        PyObject *x = PyIter_Next(it);
        if (!x) break;
        int r = PyList_Append(items, x);
        Py_DECREF(x);
        if (r < 0) Py_CLEAR(items);
    }
    Py_DECREF(it);
    if (!items || PyErr_Occurred()) {
        Py_XDECREF(items);
        return NULL;
    }
    Py_ssize_t got = PyList_GET_SIZE(items);
    if (count >= 0 && got < count) {
        Py_DECREF(items);
        PyErr_Format(PyExc_ValueError,
                     "iterator too short: Expected %lld but iterator had only %zd items.",
                     (long long)count, got);
        return NULL;
    }
    numc_dtype dt = v[1].dt == NUMC_DTYPE_NONE ? NUMC_FLOAT64 : v[1].dt;
    numc_array *a;
    if (got == 0) {
        int64_t z = 0;
        a = numc_zeros(1, &z, dt);
    } else {
        a = pynumc_array_copy(items, dt);
    }
    Py_DECREF(items);
    if (a && numc_array_ndim(a) != 1) {
        numc_array_release(a);
        PyErr_SetString(PyExc_ValueError, "setting an array element with a sequence.");
        return NULL;
    }
    return pynumc_wrap(a);
}

static PyObject *fromfunction(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    (void)self;
    PyObject *fn = nargs > 0 ? args[0] : NULL, *shape = nargs > 1 ? args[1] : NULL;
    PyObject *dtype = NULL, *kw = NULL;
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "fromfunction() takes 2 positional arguments but %zd were "
                     "given",
                     nargs);
        return NULL;
    }
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nk; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k), *val = args[nargs + k];
        const char *ks = PyUnicode_AsUTF8(key);
        if (!ks) goto fail;
        if (!strcmp(ks, "function") && !fn) {
            fn = val;
        } else if (!strcmp(ks, "shape") && !shape) {
            shape = val;
        } else if (!strcmp(ks, "dtype")) {
            dtype = val;
        } else if (!strcmp(ks, "like")) {
            if (val != Py_None) {
                PyErr_SetString(PyExc_NotImplementedError, "fromfunction: like= is not supported");
                goto fail;
            }
        } else {
            if (!kw && !(kw = PyDict_New())) goto fail;
            if (PyDict_SetItem(kw, key, val) < 0) goto fail;
        }
    }
    if (!fn || !shape) {
        PyErr_SetString(PyExc_TypeError,
                        "fromfunction() missing required argument 'function' or 'shape'");
        goto fail;
    }
    numc_dtype dt = NUMC_FLOAT64;
    if (dtype && dtype != Py_None && pynumc_parse_dtype(dtype, &dt) < 0) goto fail;
    int64_t dims[NUMC_MAX_DIMS];
    int nd;
    if (pynumc_parse_shape(shape, dims, &nd) < 0) goto fail;
    numc_array *grids[NUMC_MAX_DIMS];
    if (numc_indices(nd, dims, dt, true, grids) != NUMC_OK) {
        pynumc_raise();
        goto fail;
    }
    PyObject *targs = PyTuple_New(nd);
    for (int d = 0; d < nd; d++) {
        numc_array *g = numc_broadcast_to(grids[d], nd, dims);
        numc_array_release(grids[d]);
        PyObject *o = targs && g ? pynumc_wrap(g) : NULL;
        if (!o && g && !targs) numc_array_release(g);
        if (!o) {
            for (int e = d + 1; e < nd; e++)
                numc_array_release(grids[e]);
            Py_XDECREF(targs);
            if (!PyErr_Occurred()) pynumc_raise();
            goto fail;
        }
        PyTuple_SET_ITEM(targs, d, o);
    }
    if (!targs) goto fail;
    PyObject *r = PyObject_Call(fn, targs, kw);
    Py_DECREF(targs);
    Py_XDECREF(kw);
    return r;
fail:
    Py_XDECREF(kw);
    return NULL;
}

/* ---- files ---- */

/* file -> (an open file object, whether we opened it); str names get the
 * suffix appended as NumPy does */
static PyObject *open_target(PyObject *file, const char *mode, const char *suffix, int *own) {
    *own = 0;
    const char *meth = mode[0] == 'w' ? "write" : "read";
    if (PyObject_HasAttrString(file, meth) && !PyUnicode_Check(file)) return Py_NewRef(file);
    PyObject *path = PyOS_FSPath(file);
    if (!path) return NULL;
    if (suffix && PyUnicode_Check(path)) {
        PyObject *suf = PyUnicode_FromString(suffix);
        int ends = suf ? PyUnicode_Tailmatch(path, suf, 0, PY_SSIZE_T_MAX, 1) : -1;
        if (ends == 0) {
            PyObject *p2 = PyUnicode_Concat(path, suf);
            Py_SETREF(path, p2);
        }
        Py_XDECREF(suf);
        if (ends < 0 || !path) {
            Py_XDECREF(path);
            return NULL;
        }
    }
    PyObject *io = PyImport_ImportModule("io");
    PyObject *fo = io ? PyObject_CallMethod(io, "open", "Os", path, mode) : NULL;
    Py_XDECREF(io);
    Py_DECREF(path);
    if (fo) *own = 1;
    return fo;
}

static int close_file(PyObject *fo, int own, int ok) {
    if (!own) return ok;
    PyObject *et = NULL, *ev = NULL, *tb = NULL;
    if (!ok) PyErr_Fetch(&et, &ev, &tb);
    PyObject *r = PyObject_CallMethod(fo, "close", NULL);
    if (!ok) {
        Py_XDECREF(r);
        PyErr_Restore(et, ev, tb);
        return 0;
    }
    Py_XDECREF(r);
    return r != NULL;
}

static int write_bytes(PyObject *fo, void *buf, size_t len) {
    PyObject *b = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
    free(buf);
    PyObject *r = b ? PyObject_CallMethod(fo, "write", "O", b) : NULL;
    Py_XDECREF(b);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static numc_array *concrete_operand(PyObject *o, const char *what) {
    numc_array *a = pynumc_asarray(o, NUMC_DTYPE_NONE);
    if (a && !numc_array_is_concrete(a)) {
        pynumc_tracer_error(a, what);
        numc_array_release(a);
        return NULL;
    }
    return a;
}

PyObject *pynumc_save(frame_t *f) {
    /* file:O, arr:O, allow_pickle:B, fix_imports:O */
    numc_array *a = concrete_operand(f->v[1].obj, "numc.save");
    if (!a) return NULL;
    void *buf;
    size_t len;
    numc_status st = numc_npy_encode(a, &buf, &len);
    numc_array_release(a);
    if (st != NUMC_OK) return pynumc_raise();
    int own;
    PyObject *fo = open_target(f->v[0].obj, "wb", ".npy", &own);
    if (!fo) {
        free(buf);
        return NULL;
    }
    int ok = write_bytes(fo, buf, len) == 0;
    ok = close_file(fo, own, ok);
    Py_DECREF(fo);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* reads n bytes (fewer at the end of the file; n < 0: all the rest)
 * appended to *acc, in chunks, so a hostile length allocates nothing */
static int read_more(PyObject *fo, Py_ssize_t n, PyObject **acc) {
    while (n != 0) {
        Py_ssize_t want = n < 0 || n > (1 << 24) ? (1 << 24) : n;
        PyObject *b = PyObject_CallMethod(fo, "read", "n", want);
        if (!b) return -1;
        if (!PyBytes_Check(b)) {
            Py_DECREF(b);
            PyErr_SetString(PyExc_TypeError, "load: the file's read() must return bytes");
            return -1;
        }
        Py_ssize_t got = PyBytes_GET_SIZE(b);
        if (!*acc) {
            *acc = b;
        } else {
            PyBytes_ConcatAndDel(acc, b);
            if (!*acc) return -1;
        }
        if (got == 0) break;
        if (n > 0) n -= got;
    }
    if (!*acc) *acc = PyBytes_FromStringAndSize(NULL, 0);
    return *acc ? 0 : -1;
}

/* the load error: an object array is a TypeError when pickles are allowed
 * (numc arrays hold numbers), NumPy's ValueError otherwise */
static void raise_load(int allow_pickle) {
    if (allow_pickle && numc_error_kind() == NUMC_ERR_VALUE &&
        !strncmp(numc_error_message(), "Object arrays", 13))
        PyErr_SetString(PyExc_TypeError,
                        "numc.load: numc arrays are numeric; the file holds an object array");
    else
        pynumc_raise();
}

static PyObject *npz_new(numc_npz *z);

PyObject *pynumc_load(frame_t *f) {
    /* file:O, mmap_mode:O, allow_pickle:B, fix_imports:O, encoding:O, *, max_header_size:I */
    pval *v = f->v;
    if (v[1].obj != Py_None) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "numc.load: mmap_mode is not supported (numc arrays are immutable "
                        "values); use mmap_mode=None");
        return NULL;
    }
    int own;
    PyObject *fo = open_target(v[0].obj, "rb", NULL, &own), *acc = NULL, *res = NULL;
    if (!fo) return NULL;
    if (read_more(fo, 6, &acc) < 0) goto done;
    const char *b = PyBytes_AS_STRING(acc);
    Py_ssize_t n = PyBytes_GET_SIZE(acc);
    if (n == 0) {
        PyErr_SetString(PyExc_EOFError, "No data left in file");
        goto done;
    }
    if (n >= 4 && (!memcmp(b, "PK\x03\x04", 4) || !memcmp(b, "PK\x05\x06", 4))) {
        if (read_more(fo, -1, &acc) < 0) goto done;
        numc_npz *z = numc_npz_open_memory(PyBytes_AS_STRING(acc), (size_t)PyBytes_GET_SIZE(acc));
        res = z ? npz_new(z) : pynumc_raise();
        goto done;
    }
    if (n < 6 || memcmp(b, "\x93NUMPY", 6)) {
        PyErr_SetString(PyExc_ValueError,
                        v[2].i ? "numc.load: the file is neither .npy nor .npz (numc does not "
                                 "load pickled data)"
                               : "Cannot load file containing pickled data when "
                                 "allow_pickle=False");
        goto done;
    }
    size_t hl, total;
    if (read_more(fo, 6, &acc) < 0) goto done;
    if (numc_npy_sizes(PyBytes_AS_STRING(acc), (size_t)PyBytes_GET_SIZE(acc), &hl, &total) !=
        NUMC_OK) {
        raise_load((int)v[2].i);
        goto done;
    }
    if (!v[5].none && (int64_t)hl > v[5].i + 12 && !v[2].i) {
        PyErr_Format(PyExc_ValueError,
                     "Header info length (%zu) is large and may not be safe to load securely. "
                     "To allow loading, adjust `max_header_size` or fully trust the `.npy` file "
                     "using `allow_pickle=True`.",
                     hl);
        goto done;
    }
    if (read_more(fo, (Py_ssize_t)hl - PyBytes_GET_SIZE(acc), &acc) < 0) goto done;
    if (numc_npy_sizes(PyBytes_AS_STRING(acc), (size_t)PyBytes_GET_SIZE(acc), &hl, &total) !=
        NUMC_OK) {
        raise_load((int)v[2].i);
        goto done;
    }
    if (total > (size_t)PY_SSIZE_T_MAX) total = (size_t)PY_SSIZE_T_MAX;
    if (read_more(fo, (Py_ssize_t)total - PyBytes_GET_SIZE(acc), &acc) < 0) goto done;
    numc_array *a;
    if (numc_npy_decode(PyBytes_AS_STRING(acc), (size_t)PyBytes_GET_SIZE(acc), &a) != NUMC_OK) {
        raise_load((int)v[2].i);
        goto done;
    }
    res = pynumc_wrap(a);
done:
    Py_XDECREF(acc);
    if (!close_file(fo, own, res != NULL)) Py_CLEAR(res);
    Py_DECREF(fo);
    return res;
}

static PyObject *savez_impl(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                            bool compress) {
    const char *fname = compress ? "savez_compressed" : "savez";
    if (nargs < 1) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument 'file' (pos 1)", fname);
        return NULL;
    }
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0, n = nargs - 1 + nk, m = 0;
    PyObject *names = PyList_New(0);
    numc_array **arrs = calloc((size_t)(n ? n : 1), sizeof *arrs);
    const char **cn = calloc((size_t)(n ? n : 1), sizeof *cn);
    PyObject *res = NULL, *fo = NULL;
    int own = 0;
    if (!names || !arrs || !cn) {
        PyErr_NoMemory();
        goto done;
    }
    /* NumPy's order: the keyword arrays, then arr_0, arr_1, ... */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key;
        PyObject *val;
        if (i < nk) {
            key = Py_NewRef(PyTuple_GET_ITEM(kwnames, i));
            val = args[nargs + i];
            const char *ks = PyUnicode_AsUTF8(key);
            if (ks && !strcmp(ks, "allow_pickle")) {
                Py_DECREF(key);
                continue;
            }
        } else {
            key = PyUnicode_FromFormat("arr_%zd", i - nk);
            val = args[1 + i - nk];
            int dup = key ? PySequence_Contains(names, key) : -1;
            if (dup) {
                if (dup > 0)
                    PyErr_Format(PyExc_ValueError, "Cannot use un-named variables and keyword %U",
                                 key);
                Py_XDECREF(key);
                goto done;
            }
        }
        if (!key || PyList_Append(names, key) < 0) {
            Py_XDECREF(key);
            goto done;
        }
        Py_DECREF(key);
        if (!(arrs[m] = concrete_operand(val, fname))) goto done;
        if (!(cn[m] = PyUnicode_AsUTF8(PyList_GET_ITEM(names, m)))) goto done;
        m++;
    }
    void *buf;
    size_t len;
    if (numc_npz_encode((int)m, cn, (const numc_array *const *)arrs, compress, &buf, &len) !=
        NUMC_OK) {
        pynumc_raise();
        goto done;
    }
    fo = open_target(args[0], "wb", ".npz", &own);
    if (!fo) {
        free(buf);
        goto done;
    }
    int ok = write_bytes(fo, buf, len) == 0;
    ok = close_file(fo, own, ok);
    if (ok) res = Py_NewRef(Py_None);
done:
    for (Py_ssize_t i = 0; arrs && i < m; i++)
        numc_array_release(arrs[i]);
    free(arrs);
    free(cn);
    Py_XDECREF(names);
    Py_XDECREF(fo);
    return res;
}

static PyObject *savez(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    (void)self;
    return savez_impl(args, nargs, kwnames, false);
}

static PyObject *savez_compressed(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames) {
    (void)self;
    return savez_impl(args, nargs, kwnames, true);
}

/* ---- NpzFile: the lazy mapping load returns for .npz ---- */

typedef struct {
    PyObject_HEAD numc_npz *z;
    PyObject *files; /* list of keys (member names without .npy) */
} NpzFileObject;

static PyTypeObject NpzFile_Type;

static PyObject *npz_new(numc_npz *z) {
    NpzFileObject *o = PyObject_New(NpzFileObject, &NpzFile_Type);
    if (!o) {
        numc_npz_close(z);
        return NULL;
    }
    o->z = z;
    o->files = PyList_New(0);
    for (int i = 0; o->files && i < numc_npz_count(z); i++) {
        const char *nm = numc_npz_name(z, i);
        size_t l = strlen(nm);
        PyObject *k = PyUnicode_DecodeUTF8(
            nm, (Py_ssize_t)(l > 4 && !strcmp(nm + l - 4, ".npy") ? l - 4 : l), "replace");
        if (!k || PyList_Append(o->files, k) < 0) Py_CLEAR(o->files);
        Py_XDECREF(k);
    }
    if (!o->files) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

static void npz_dealloc(NpzFileObject *o) {
    numc_npz_close(o->z);
    Py_XDECREF(o->files);
    PyObject_Free(o);
}

static PyObject *npz_getitem(NpzFileObject *o, PyObject *key) {
    if (!o->z) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed NpzFile");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(o->files);
    for (Py_ssize_t i = 0; i < n; i++) {
        int eq = PyObject_RichCompareBool(PyList_GET_ITEM(o->files, i), key, Py_EQ);
        if (eq < 0) return NULL;
        if (!eq) continue;
        void *buf;
        size_t len;
        if (numc_npz_read(o->z, (int)i, &buf, &len) != NUMC_OK) return pynumc_raise();
        PyObject *r;
        if (len >= 6 && !memcmp(buf, "\x93NUMPY", 6)) {
            numc_array *a;
            r = numc_npy_decode(buf, len, &a) == NUMC_OK ? pynumc_wrap(a) : pynumc_raise();
        } else {
            r = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
        }
        free(buf);
        return r;
    }
    PyErr_Format(PyExc_KeyError, "%R is not a file in the archive", key);
    return NULL;
}

static Py_ssize_t npz_len(NpzFileObject *o) {
    return PyList_GET_SIZE(o->files);
}

static int npz_contains(NpzFileObject *o, PyObject *key) {
    return PySequence_Contains(o->files, key);
}

static PyObject *npz_iter(NpzFileObject *o) {
    return PyObject_GetIter(o->files);
}

static PyObject *npz_keys(NpzFileObject *o, PyObject *unused) {
    (void)unused;
    return PyList_AsTuple(o->files);
}

static PyObject *npz_pairs(NpzFileObject *o, int which) {
    Py_ssize_t n = PyList_GET_SIZE(o->files);
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) {
        PyObject *k = PyList_GET_ITEM(o->files, i), *v = npz_getitem(o, k);
        if (!v) {
            Py_CLEAR(t);
            break;
        }
        if (which) {
            PyObject *p = PyTuple_Pack(2, k, v);
            Py_DECREF(v);
            if (!p) {
                Py_CLEAR(t);
                break;
            }
            v = p;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static PyObject *npz_values(NpzFileObject *o, PyObject *unused) {
    (void)unused;
    return npz_pairs(o, 0);
}

static PyObject *npz_items(NpzFileObject *o, PyObject *unused) {
    (void)unused;
    return npz_pairs(o, 1);
}

static PyObject *npz_get(NpzFileObject *o, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get expected 1 or 2 arguments");
        return NULL;
    }
    int has = PySequence_Contains(o->files, args[0]);
    if (has < 0) return NULL;
    if (!has) return Py_NewRef(nargs > 1 ? args[1] : Py_None);
    return npz_getitem(o, args[0]);
}

static PyObject *npz_close(NpzFileObject *o, PyObject *unused) {
    (void)unused;
    numc_npz_close(o->z);
    o->z = NULL;
    Py_RETURN_NONE;
}

static PyObject *npz_enter(PyObject *o, PyObject *unused) {
    (void)unused;
    return Py_NewRef(o);
}

static PyObject *npz_exit(NpzFileObject *o, PyObject *args) {
    (void)args;
    return npz_close(o, NULL);
}

static PyObject *npz_repr(NpzFileObject *o) {
    return PyUnicode_FromFormat("NpzFile with keys: %R", o->files);
}

static PyMethodDef npz_methods[] = {
    {"keys", (PyCFunction)npz_keys, METH_NOARGS, "The array names."},
    {"values", (PyCFunction)npz_values, METH_NOARGS, "The arrays (each read now)."},
    {"items", (PyCFunction)npz_items, METH_NOARGS, "(name, array) pairs."},
    {"get", (PyCFunction)(void (*)(void))npz_get, METH_FASTCALL, "get(key, default=None)"},
    {"close", (PyCFunction)npz_close, METH_NOARGS, "Releases the archive."},
    {"__enter__", npz_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)npz_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef npz_members[] = {
    {"files", T_OBJECT_EX, offsetof(NpzFileObject, files), READONLY, "The array names."},
    {NULL, 0, 0, 0, NULL},
};

static PyMappingMethods npz_mapping = {
    .mp_length = (lenfunc)npz_len,
    .mp_subscript = (binaryfunc)npz_getitem,
};

static PySequenceMethods npz_sequence = {
    .sq_contains = (objobjproc)npz_contains,
};

static PyTypeObject NpzFile_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "numc.lib.npyio.NpzFile",
    .tp_basicsize = sizeof(NpzFileObject),
    .tp_dealloc = (destructor)npz_dealloc,
    .tp_repr = (reprfunc)npz_repr,
    .tp_as_mapping = &npz_mapping,
    .tp_as_sequence = &npz_sequence,
    .tp_iter = (getiterfunc)npz_iter,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The arrays of an .npz archive, decoded when read (numc.load).",
    .tp_methods = npz_methods,
    .tp_members = npz_members,
};

static PyMethodDef breadth2_methods[] = {
    {"savez", PYNUMC_FN(savez), PYNUMC_FASTKW,
     "savez(file, *args, allow_pickle=True, **kwds)\n--\n\nNumPy's savez: the arrays in an "
     "uncompressed .npz archive."},
    {"savez_compressed", PYNUMC_FN(savez_compressed), PYNUMC_FASTKW,
     "savez_compressed(file, *args, allow_pickle=True, **kwds)\n--\n\nNumPy's "
     "savez_compressed: the arrays in a deflated .npz archive."},
    {"fromfunction", PYNUMC_FN(fromfunction), PYNUMC_FASTKW,
     "fromfunction(function, shape, *, dtype=float, like=None, **kwargs)\n--\n\nNumPy's "
     "fromfunction: function called once with the index grids."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_breadth2(PyObject *m) {
    if (PyType_Ready(&NpzFile_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "NpzFile", (PyObject *)&NpzFile_Type) < 0) return -1;
    /* NpzFile is a Mapping as NumPy's is */
    PyObject *abc = PyImport_ImportModule("collections.abc");
    PyObject *mapping = abc ? PyObject_GetAttrString(abc, "Mapping") : NULL;
    PyObject *r =
        mapping ? PyObject_CallMethod(mapping, "register", "O", (PyObject *)&NpzFile_Type) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(mapping);
    Py_XDECREF(abc);
    if (!r) return -1;
    return PyModule_AddFunctions(m, breadth2_methods);
}
