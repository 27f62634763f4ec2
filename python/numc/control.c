/* control.c — the structured control-flow functions numc.cond, numc.switch,
 * numc.while_loop, numc.fori_loop and numc.scan.
 *
 * On concrete values they run plain Python (so tapes and vmap see every
 * operation); under a trace (numc.function, or a value that is a tracer) their
 * bodies are traced into subgraphs held by cond / while / scan_loop nodes
 * (numc_cond, numc_while_loop, numc_scan). numc.function itself lives in
 * function.c. */
#include "function.h"
#include "pytree.h"

#include <stdlib.h>

static numc_status py_failed(void) {
    /* the Python exception stays set; the status only unwinds the C side */
    return NUMC_ERR_RUNTIME;
}

enum { B_COND, B_WCOND, B_WBODY, B_SCAN, B_FORI_SCAN, B_FORI_WCOND, B_FORI_WBODY };

typedef struct {
    int mode;
    PyObject *fn;
    PyObject *in_treedef;  /* operands (cond) or carry */
    PyObject *x_treedef;   /* scan */
    Py_ssize_t ncarry;     /* leaves of the carry */
    PyObject *out_treedef; /* cond: the first branch's; scan: ys' */
    const char *what;
} body_t;

static PyObject *take_tree(PyObject *def, PyObject *list, Py_ssize_t *pos) {
    return pynumc_tree_unflatten(def, list, pos);
}

static int same_tree(PyObject *a, PyObject *b, const char *what) {
    int eq = PyObject_RichCompareBool(a, b, Py_EQ);
    if (eq < 0) return -1;
    if (!eq) {
        PyErr_Format(
            PyExc_TypeError,
            "%s: the output must have the same pytree structure as %s (got %R, expected %R)", what,
            "the input carry / the other branch", a, b);
        return -1;
    }
    return 0;
}

/* Flattens r into leaves appended to `leaves`; checks against *def (or sets it). */
static int flatten_check(PyObject *r, PyObject *leaves, PyObject **def, const char *what) {
    PyObject *d = pynumc_tree_flatten(r, leaves);
    if (!d) return -1;
    if (*def) {
        int rc = same_tree(d, *def, what);
        Py_DECREF(d);
        return rc;
    }
    *def = d;
    return 0;
}

static numc_status body_cb(void *payload, int nin, numc_array *const *in, int *nout,
                           numc_array ***out) {
    body_t *b = payload;
    *nout = 0;
    *out = NULL;
    PyObject *list = PyList_New(nin), *res = NULL, *leaves = PyList_New(0);
    if (!list || !leaves) goto fail;
    for (int k = 0; k < nin; k++) {
        PyObject *o = pynumc_wrap_traced(in[k]);
        if (!o) goto fail;
        PyList_SET_ITEM(list, k, o);
    }
    Py_ssize_t pos = 0;
    switch (b->mode) {
    case B_COND: {
        PyObject *ops = take_tree(b->in_treedef, list, &pos);
        if (!ops) goto fail;
        res = PyObject_CallObject(b->fn, ops);
        Py_DECREF(ops);
        if (!res || flatten_check(res, leaves, &b->out_treedef, b->what) < 0) goto fail;
        break;
    }
    case B_WCOND:
    case B_WBODY: {
        PyObject *carry = take_tree(b->in_treedef, list, &pos);
        if (!carry) goto fail;
        res = PyObject_CallOneArg(b->fn, carry);
        Py_DECREF(carry);
        if (!res) goto fail;
        if (b->mode == B_WCOND) {
            if (PyList_Append(leaves, res) < 0) goto fail;
        } else {
            PyObject *def = Py_NewRef(b->in_treedef);
            int rc = flatten_check(res, leaves, &def, b->what);
            Py_DECREF(def);
            if (rc < 0) goto fail;
        }
        break;
    }
    case B_SCAN: {
        PyObject *carry = take_tree(b->in_treedef, list, &pos);
        PyObject *x = carry ? take_tree(b->x_treedef, list, &pos) : NULL;
        if (!x) {
            Py_XDECREF(carry);
            goto fail;
        }
        res = PyObject_CallFunctionObjArgs(b->fn, carry, x, NULL);
        Py_DECREF(carry);
        Py_DECREF(x);
        if (!res) goto fail;
        if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
            PyErr_SetString(PyExc_TypeError, "scan: the function must return a pair (carry, y)");
            goto fail;
        }
        PyObject *def = Py_NewRef(b->in_treedef);
        int rc = flatten_check(PyTuple_GET_ITEM(res, 0), leaves, &def, "scan carry");
        Py_DECREF(def);
        if (rc < 0 ||
            flatten_check(PyTuple_GET_ITEM(res, 1), leaves, &b->out_treedef, "scan ys") < 0)
            goto fail;
        break;
    }
    case B_FORI_SCAN:
    case B_FORI_WBODY:
    case B_FORI_WCOND: {
        PyObject *i = PyList_GET_ITEM(list, 0);
        pos = b->mode == B_FORI_SCAN ? 1 : 2;
        if (b->mode == B_FORI_WCOND) {
            res = PyObject_RichCompare(i, PyList_GET_ITEM(list, 1), Py_LT);
            if (!res || PyList_Append(leaves, res) < 0) goto fail;
            break;
        }
        PyObject *val = take_tree(b->in_treedef, list, &pos);
        if (!val) goto fail;
        res = PyObject_CallFunctionObjArgs(b->fn, i, val, NULL);
        Py_DECREF(val);
        if (!res) goto fail;
        PyObject *one = PyLong_FromLong(1);
        PyObject *inext = one ? PyNumber_Add(i, one) : NULL;
        Py_XDECREF(one);
        if (!inext) goto fail;
        int rc = PyList_Append(leaves, inext);
        Py_DECREF(inext);
        if (rc < 0) goto fail;
        if (b->mode == B_FORI_WBODY && PyList_Append(leaves, PyList_GET_ITEM(list, 1)) < 0)
            goto fail;
        PyObject *def = Py_NewRef(b->in_treedef);
        rc = flatten_check(res, leaves, &def, "fori_loop body_fun");
        Py_DECREF(def);
        if (rc < 0) goto fail;
        break;
    }
    }
    numc_array **arr = pynumc_leaves_to_arrays(leaves, b->what);
    if (!arr) goto fail;
    *nout = (int)PyList_GET_SIZE(leaves);
    *out = arr;
    Py_XDECREF(list);
    Py_XDECREF(res);
    Py_XDECREF(leaves);
    return NUMC_OK;
fail:
    Py_XDECREF(list);
    Py_XDECREF(res);
    Py_XDECREF(leaves);
    return py_failed();
}

/* Flattens a tree of array-likes: new array references in *arr (malloc'ed). */
static PyObject *flatten_arrays(PyObject *tree, numc_array ***arr, Py_ssize_t *n,
                                const char *what) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    PyObject *def = pynumc_tree_flatten(tree, leaves);
    if (!def) {
        Py_DECREF(leaves);
        return NULL;
    }
    *arr = pynumc_leaves_to_arrays(leaves, what);
    *n = PyList_GET_SIZE(leaves);
    Py_DECREF(leaves);
    if (!*arr) {
        Py_DECREF(def);
        return NULL;
    }
    return def;
}

static void free_arrays(numc_array **a, Py_ssize_t n) {
    pynumc_release_arrays(a, n);
    free(a);
}

/* A concrete 0-d predicate's truth: 1/0, or -1 with an exception, or 2 when
 * the value is not concrete (traced). */
static int concrete_truth(numc_array *p, const char *what) {
    if (numc_tracer_kind_of(p) != NUMC_TRACER_NONE) {
        if (numc_tracer_kind_of(p) == NUMC_TRACER_LEAKED) {
            numc_tracer_check(p, what);
            pynumc_raise();
            return -1;
        }
        return 2;
    }
    if (numc_array_ndim(p) != 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s: the predicate must be a scalar (0-d array or Python scalar), got an "
                     "array of dimension %d",
                     what, numc_array_ndim(p));
        return -1;
    }
    double re = 0, im = 0;
    if (numc_array_get_f64(p, 0, &re, &im)) {
        pynumc_raise();
        return -1;
    }
    return re != 0 || im != 0;
}

/* numc.switch / numc.cond on a traced index */
static PyObject *staged_cond(numc_array *index, PyObject *branches, PyObject *operands,
                             const char *what) {
    Py_ssize_t nb = PySequence_Fast_GET_SIZE(branches);
    numc_array **ops = NULL;
    Py_ssize_t nops = 0;
    PyObject *opdef = flatten_arrays(operands, &ops, &nops, what);
    if (!opdef) return NULL;
    body_t *bs = calloc((size_t)nb, sizeof *bs);
    numc_traced_fn *fns = calloc((size_t)nb, sizeof *fns);
    void **pl = calloc((size_t)nb, sizeof *pl);
    PyObject *r = NULL;
    if (!bs || !fns || !pl) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nb; k++) {
        bs[k].mode = B_COND;
        bs[k].fn = PySequence_Fast_GET_ITEM(branches, k);
        bs[k].in_treedef = opdef;
        bs[k].what = what;
        fns[k] = body_cb;
        pl[k] = &bs[k];
    }
    /* every branch checks its result structure against the first one's */
    int nout = 0;
    numc_array **out = NULL;
    numc_status st =
        numc_cond(index, (int)nb, fns, pl, (int)nops, (const numc_array *const *)ops, &nout, &out);
    for (Py_ssize_t k = 1; k < nb; k++)
        Py_XDECREF(bs[k].out_treedef);
    if (st) {
        pynumc_raise();
    } else {
        r = pynumc_unflatten_arrays(bs[0].out_treedef, out, nout);
        free(out);
    }
    Py_XDECREF(bs[0].out_treedef);
done:
    free(bs);
    free(fns);
    free(pl);
    free_arrays(ops, nops);
    Py_DECREF(opdef);
    return r;
}

static PyObject *py_cond(PyObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 3) {
        PyErr_SetString(PyExc_TypeError,
                        "cond(pred, true_fun, false_fun, *operands) takes at least 3 arguments");
        return NULL;
    }
    numc_array *p = pynumc_from_object(args[0], NUMC_DTYPE_NONE);
    if (!p) return NULL;
    PyObject *operands = PyTuple_New(nargs - 3);
    if (!operands) {
        numc_array_release(p);
        return NULL;
    }
    for (Py_ssize_t k = 3; k < nargs; k++)
        PyTuple_SET_ITEM(operands, k - 3, Py_NewRef(args[k]));
    PyObject *r = NULL;
    int truth = concrete_truth(p, "cond");
    if (truth == 0 || truth == 1) {
        r = PyObject_CallObject(args[truth ? 1 : 2], operands);
    } else if (truth == 2) {
        numc_dtype dt = numc_array_dtype(p);
        if (numc_array_ndim(p) != 0) {
            PyErr_Format(PyExc_TypeError,
                         "cond: the predicate must be a scalar, got an array of dimension %d",
                         numc_array_ndim(p));
        } else {
            numc_array *idx = p;
            if (dt != NUMC_BOOL) {
                /* a number: nonzero is true */
                numc_array *z = numc_scalar_of(dt, 0, 0);
                idx = z ? numc_not_equal(p, z) : NULL;
                numc_array_release(z);
            } else {
                numc_array_retain(idx);
            }
            if (!idx) {
                pynumc_raise();
            } else {
                PyObject *br = PyTuple_Pack(2, args[2], args[1]);
                PyObject *fast = br ? PySequence_Fast(br, "") : NULL;
                if (fast) r = staged_cond(idx, fast, operands, "cond");
                Py_XDECREF(fast);
                Py_XDECREF(br);
                numc_array_release(idx);
            }
        }
    }
    Py_DECREF(operands);
    numc_array_release(p);
    return r;
}

static PyObject *py_switch(PyObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 2) {
        PyErr_SetString(PyExc_TypeError,
                        "switch(index, branches, *operands) takes at least 2 arguments");
        return NULL;
    }
    PyObject *branches =
        PySequence_Fast(args[1], "switch: branches must be a sequence of callables");
    if (!branches) return NULL;
    Py_ssize_t nb = PySequence_Fast_GET_SIZE(branches);
    if (nb < 1) {
        Py_DECREF(branches);
        PyErr_SetString(PyExc_ValueError, "switch: needs at least one branch");
        return NULL;
    }
    numc_array *idx = pynumc_from_object(args[0], NUMC_DTYPE_NONE);
    PyObject *operands = PyTuple_New(nargs - 2), *r = NULL;
    if (!idx || !operands) goto done;
    for (Py_ssize_t k = 2; k < nargs; k++)
        PyTuple_SET_ITEM(operands, k - 2, Py_NewRef(args[k]));
    char kind = numc_dtype_kind(numc_array_dtype(idx));
    if (numc_array_ndim(idx) != 0 || !(kind == 'b' || kind == 'i' || kind == 'u')) {
        PyErr_SetString(PyExc_TypeError, "switch: the index must be a scalar integer");
        goto done;
    }
    if (numc_tracer_kind_of(idx) == NUMC_TRACER_NONE) {
        double re = 0, im = 0;
        numc_array_get_f64(idx, 0, &re, &im);
        Py_ssize_t k = (Py_ssize_t)re;
        if (k < 0) k = 0;
        if (k >= nb) k = nb - 1;
        r = PyObject_CallObject(PySequence_Fast_GET_ITEM(branches, k), operands);
    } else {
        r = staged_cond(idx, branches, operands, "switch");
    }
done:
    Py_XDECREF(operands);
    numc_array_release(idx);
    Py_DECREF(branches);
    return r;
}

static PyObject *staged_while(PyObject *cond_fun, PyObject *body_fun, PyObject *carry,
                              int cond_mode, int body_mode, Py_ssize_t skip) {
    numc_array **init = NULL;
    Py_ssize_t n = 0;
    PyObject *def = flatten_arrays(carry, &init, &n, "while_loop");
    if (!def) return NULL;
    /* fori's while form carries (i, upper, val): the treedef is val's */
    PyObject *valdef = def;
    if (skip) {
        valdef = PyTuple_GET_ITEM(PyTuple_GET_ITEM(def, 2), 2);
    }
    body_t bc = {
        .mode = cond_mode, .fn = cond_fun, .in_treedef = valdef, .what = "while_loop cond_fun"};
    body_t bb = {
        .mode = body_mode, .fn = body_fun, .in_treedef = valdef, .what = "while_loop body_fun"};
    numc_array **out = calloc((size_t)n + 1, sizeof *out);
    PyObject *r = NULL;
    if (!out) {
        PyErr_NoMemory();
    } else if (numc_while_loop(body_cb, &bc, body_cb, &bb, (int)n, (const numc_array *const *)init,
                               out)) {
        pynumc_raise();
        free(out);
    } else {
        r = pynumc_unflatten_arrays(def, out, n);
        free(out);
    }
    free_arrays(init, n);
    Py_DECREF(def);
    return r;
}

static PyObject *py_while_loop(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"cond_fun", "body_fun", "init_val", NULL};
    PyObject *cf, *bf, *init;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:while_loop", kwlist, &cf, &bf, &init))
        return NULL;
    if (numc_trace_active()) return staged_while(cf, bf, init, B_WCOND, B_WBODY, 0);
    /* plain Python while the predicate is concrete */
    PyObject *carry = Py_NewRef(init);
    for (;;) {
        PyObject *pv = PyObject_CallOneArg(cf, carry);
        if (!pv) break;
        numc_array *p = pynumc_from_object(pv, NUMC_DTYPE_NONE);
        Py_DECREF(pv);
        if (!p) break;
        int t = concrete_truth(p, "while_loop");
        numc_array_release(p);
        if (t < 0) break;
        if (t == 2) {
            PyObject *r = staged_while(cf, bf, carry, B_WCOND, B_WBODY, 0);
            Py_DECREF(carry);
            return r;
        }
        if (!t) return carry;
        PyObject *next = PyObject_CallOneArg(bf, carry);
        Py_DECREF(carry);
        if (!next) return NULL;
        carry = next;
    }
    Py_DECREF(carry);
    return NULL;
}

/* Concrete integer bound: 1 with *v set, 0 when traced, -1 on error. */
static int concrete_int(PyObject *o, int64_t *v) {
    if (PyLong_Check(o) && !PyBool_Check(o)) {
        *v = PyLong_AsLongLong(o);
        return PyErr_Occurred() ? -1 : 1;
    }
    numc_array *a = pynumc_from_object(o, NUMC_DTYPE_NONE);
    if (!a) return -1;
    int rc;
    char k = numc_dtype_kind(numc_array_dtype(a));
    if (numc_array_ndim(a) != 0 || !(k == 'i' || k == 'u' || k == 'b')) {
        PyErr_SetString(PyExc_TypeError, "fori_loop: lower and upper must be scalar integers");
        rc = -1;
    } else if (numc_tracer_kind_of(a) != NUMC_TRACER_NONE) {
        rc = 0;
    } else {
        double re = 0, im = 0;
        numc_array_get_f64(a, 0, &re, &im);
        *v = (int64_t)re;
        rc = 1;
    }
    numc_array_release(a);
    return rc;
}

static PyObject *py_fori_loop(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"lower", "upper", "body_fun", "init_val", "unroll", NULL};
    PyObject *lo, *hi, *bf, *init, *unroll = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|O:fori_loop", kwlist, &lo, &hi, &bf, &init,
                                     &unroll))
        return NULL;
    int64_t l = 0, u = 0;
    int cl = concrete_int(lo, &l), cu = cl < 0 ? -1 : concrete_int(hi, &u);
    if (cl < 0 || cu < 0) return NULL;
    bool staged = numc_trace_active();
    if (cl && cu && !staged) {
        PyObject *val = Py_NewRef(init);
        for (int64_t i = l; i < u; i++) {
            PyObject *io = PyLong_FromLongLong(i);
            PyObject *nv = io ? PyObject_CallFunctionObjArgs(bf, io, val, NULL) : NULL;
            Py_XDECREF(io);
            Py_DECREF(val);
            if (!nv) return NULL;
            val = nv;
        }
        return val;
    }
    if (cl && cu) {
        /* concrete trip count under a trace: a scan over (i, val), so it stays
         * differentiable */
        numc_array **vals = NULL;
        Py_ssize_t n = 0;
        PyObject *def = flatten_arrays(init, &vals, &n, "fori_loop");
        if (!def) return NULL;
        numc_array **carry = calloc((size_t)n + 2, sizeof *carry);
        numc_array **out = calloc((size_t)n + 2, sizeof *out);
        PyObject *r = NULL;
        if (!carry || !out) {
            PyErr_NoMemory();
        } else {
            carry[0] = pynumc_from_object(lo, NUMC_DTYPE_NONE);
            if (carry[0]) {
                for (Py_ssize_t k = 0; k < n; k++)
                    carry[1 + k] = vals[k];
                body_t b = {.mode = B_FORI_SCAN, .fn = bf, .in_treedef = def, .what = "fori_loop"};
                int nys;
                numc_array **ys;
                numc_status st =
                    numc_scan(body_cb, &b, (int)n + 1, (const numc_array *const *)carry, 0, NULL,
                              u > l ? u - l : 0, false, out, &nys, &ys);
                Py_XDECREF(b.out_treedef);
                if (st) {
                    pynumc_raise();
                } else {
                    free_arrays(ys, nys);
                    numc_array_release(out[0]);
                    r = pynumc_unflatten_arrays(def, out + 1, n);
                }
                numc_array_release(carry[0]);
            }
        }
        free(carry);
        free(out);
        free_arrays(vals, n);
        Py_DECREF(def);
        return r;
    }
    /* traced bounds: a while loop over (i, upper, val) */
    PyObject *lo_arr = lo, *hi_arr = hi;
    PyObject *t = PyTuple_Pack(3, lo_arr, hi_arr, init);
    if (!t) return NULL;
    PyObject *r = staged_while(NULL, bf, t, B_FORI_WCOND, B_FORI_WBODY, 2);
    Py_DECREF(t);
    if (!r) return NULL;
    PyObject *val = Py_NewRef(PyTuple_GET_ITEM(r, 2));
    Py_DECREF(r);
    return val;
}

static PyObject *py_scan(PyObject *m, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"f", "init", "xs", "length", "reverse", "unroll", NULL};
    PyObject *f, *init, *xs = Py_None, *length = Py_None, *unroll = NULL;
    int reverse = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOpO:scan", kwlist, &f, &init, &xs, &length,
                                     &reverse, &unroll))
        return NULL;
    int64_t len = -1;
    if (length != Py_None && pynumc_parse_int(length, &len) < 0) return NULL;
    numc_array **xa = NULL, **ca = NULL;
    Py_ssize_t nx = 0, nc = 0;
    PyObject *xdef = flatten_arrays(xs, &xa, &nx, "scan"), *cdef = NULL, *r = NULL;
    if (!xdef) return NULL;
    for (Py_ssize_t k = 0; k < nx; k++) {
        if (numc_array_ndim(xa[k]) < 1) {
            PyErr_SetString(PyExc_ValueError, "scan: every leaf of xs needs a leading axis");
            goto done;
        }
        int64_t l = numc_array_shape(xa[k])[0];
        if (len >= 0 && l != len) {
            PyErr_Format(PyExc_ValueError,
                         "scan got `length` argument of %lld which disagrees with leading axis "
                         "sizes %lld",
                         (long long)len, (long long)l);
            goto done;
        }
        len = l;
    }
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "scan: length must be given when xs is None or empty");
        goto done;
    }
    if (!numc_trace_active() && len > 0) {
        /* plain Python: slice, call, stack */
        PyObject *carry = Py_NewRef(init), *ydef = NULL;
        numc_array **rows = NULL;
        Py_ssize_t ny = -1;
        bool ok = true;
        for (int64_t it = 0; it < len && ok; it++) {
            int64_t t = reverse ? len - 1 - it : it;
            PyObject *xl = PyList_New(nx);
            ok = xl != NULL;
            for (Py_ssize_t k = 0; ok && k < nx; k++) {
                PyObject *xo = pynumc_wrap(numc_array_retain(xa[k]));
                PyObject *ti = PyLong_FromLongLong(t);
                PyObject *row = xo && ti ? PyObject_GetItem(xo, ti) : NULL;
                Py_XDECREF(xo);
                Py_XDECREF(ti);
                if (!row)
                    ok = false;
                else
                    PyList_SET_ITEM(xl, k, row);
            }
            Py_ssize_t p = 0;
            PyObject *x = ok ? pynumc_tree_unflatten(xdef, xl, &p) : NULL;
            Py_XDECREF(xl);
            PyObject *res = x ? PyObject_CallFunctionObjArgs(f, carry, x, NULL) : NULL;
            Py_XDECREF(x);
            if (!res) {
                ok = false;
                break;
            }
            if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
                PyErr_SetString(PyExc_TypeError,
                                "scan: the function must return a pair (carry, y)");
                Py_DECREF(res);
                ok = false;
                break;
            }
            Py_SETREF(carry, Py_NewRef(PyTuple_GET_ITEM(res, 0)));
            numc_array **ya = NULL;
            Py_ssize_t n = 0;
            PyObject *d = flatten_arrays(PyTuple_GET_ITEM(res, 1), &ya, &n, "scan");
            Py_DECREF(res);
            if (!d) {
                ok = false;
                break;
            }
            if (!ydef) {
                ydef = d;
                ny = n;
                rows = calloc((size_t)(ny * len) + 1, sizeof *rows);
                if (!rows) {
                    PyErr_NoMemory();
                    ok = false;
                }
            } else {
                if (same_tree(d, ydef, "scan ys") < 0) ok = false;
                Py_DECREF(d);
            }
            for (Py_ssize_t k = 0; ok && k < n; k++) {
                rows[k * len + t] = ya[k];
                ya[k] = NULL;
            }
            free_arrays(ya, n);
        }
        numc_array **ys = ok ? calloc((size_t)ny + 1, sizeof *ys) : NULL;
        if (ok && !ys) {
            PyErr_NoMemory();
            ok = false;
        }
        for (Py_ssize_t k = 0; ok && k < ny; k++) {
            ys[k] = numc_stack((int)len, (const numc_array *const *)(rows + k * len), 0);
            if (!ys[k]) {
                pynumc_raise();
                ok = false;
                pynumc_release_arrays(ys, k);
            }
        }
        if (rows) free_arrays(rows, ny * len);
        if (ok) {
            PyObject *yt = pynumc_unflatten_arrays(ydef, ys, ny);
            r = yt ? PyTuple_Pack(2, carry, yt) : NULL;
            Py_XDECREF(yt);
        }
        free(ys);
        Py_XDECREF(ydef);
        Py_DECREF(carry);
        goto done;
    }
    /* staged (or length 0: the body's output types come from tracing it) */
    cdef = flatten_arrays(init, &ca, &nc, "scan");
    if (!cdef) goto done;
    {
        body_t b = {.mode = B_SCAN, .fn = f, .in_treedef = cdef, .x_treedef = xdef, .what = "scan"};
        numc_array **cout = calloc((size_t)nc + 1, sizeof *cout);
        int nys = 0;
        numc_array **ys = NULL;
        if (!cout) {
            PyErr_NoMemory();
        } else if (numc_scan(body_cb, &b, (int)nc, (const numc_array *const *)ca, (int)nx,
                             (const numc_array *const *)xa, len, reverse != 0, cout, &nys, &ys)) {
            pynumc_raise();
        } else {
            PyObject *ct = pynumc_unflatten_arrays(cdef, cout, nc);
            PyObject *ydef = b.out_treedef ? b.out_treedef : Py_None;
            PyObject *yt = NULL;
            if (ct) {
                if (b.out_treedef)
                    yt = pynumc_unflatten_arrays(ydef, ys, nys);
                else
                    yt = Py_NewRef(Py_None);
            } else {
                pynumc_release_arrays(ys, nys);
            }
            r = ct && yt ? PyTuple_Pack(2, ct, yt) : NULL;
            Py_XDECREF(ct);
            Py_XDECREF(yt);
            free(ys);
        }
        free(cout);
        Py_XDECREF(b.out_treedef);
    }
done:
    if (xa) free_arrays(xa, nx);
    if (ca) free_arrays(ca, nc);
    Py_XDECREF(xdef);
    Py_XDECREF(cdef);
    return r;
}

static PyMethodDef control_methods[] = {
    {"cond", (PyCFunction)(void (*)(void))py_cond, METH_FASTCALL,
     "cond(pred, true_fun, false_fun, *operands): true_fun(*operands) if pred else "
     "false_fun(*operands). A concrete pred runs one branch as plain Python; a traced one "
     "traces both (their outputs must match in structure, shape and dtype)."},
    {"switch", (PyCFunction)(void (*)(void))py_switch, METH_FASTCALL,
     "switch(index, branches, *operands): branches[clamp(index)](*operands)."},
    {"while_loop", (PyCFunction)(void (*)(void))py_while_loop, METH_VARARGS | METH_KEYWORDS,
     "while_loop(cond_fun, body_fun, init_val): val = init_val; while cond_fun(val): val = "
     "body_fun(val). Not reverse-differentiable under a trace with a dynamic trip count."},
    {"fori_loop", (PyCFunction)(void (*)(void))py_fori_loop, METH_VARARGS | METH_KEYWORDS,
     "fori_loop(lower, upper, body_fun, init_val): for i in range(lower, upper): val = "
     "body_fun(i, val). Concrete bounds lower to scan (differentiable)."},
    {"scan", (PyCFunction)(void (*)(void))py_scan, METH_VARARGS | METH_KEYWORDS,
     "scan(f, init, xs=None, length=None, reverse=False): carry, y = f(carry, x) over the "
     "leading axis of xs; returns (carry, stacked ys)."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_control(PyObject *m) {
    return PyModule_AddFunctions(m, control_methods);
}
