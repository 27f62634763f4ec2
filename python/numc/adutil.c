/* adutil.c — helpers shared by the autodiff files (tape.c, variable.c,
 * transforms.c, custom_vjp.c): pytree flattening of arrays, shape text for
 * messages, and a tape's Jacobian by one backward pass per output element. */
#include "autodiff.h"

PyObject *pynumc_ad_wrap_or_none(numc_array *a) {
    if (!a) Py_RETURN_NONE;
    return pynumc_wrap(a);
}

/* leaves of tree (a new list); *def receives the treedef. */
PyObject *pynumc_ad_flatten(PyObject *tree, PyObject **def) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    *def = pynumc_tree_flatten(tree, leaves);
    if (!*def) {
        Py_DECREF(leaves);
        return NULL;
    }
    return leaves;
}

PyObject *pynumc_ad_unflatten(PyObject *def, PyObject *leaves) {
    Py_ssize_t pos = 0;
    return pynumc_tree_unflatten(def, leaves, &pos);
}

/* Any leaf as a new numc reference (arrays by identity). */
numc_array *pynumc_ad_as_array(PyObject *o) {
    if (NumcArray_Check(o)) return numc_array_retain(NumcArray_ARR(o));
    return pynumc_asarray(o, NUMC_DTYPE_NONE);
}

void pynumc_ad_shape_repr(const numc_array *a, char *buf, size_t n) {
    size_t p = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < numc_array_ndim(a) && p < n; i++)
        p += (size_t)snprintf(buf + p, n - p, i ? ", %lld" : "%lld",
                              (long long)numc_array_shape(a)[i]);
    if (p < n) snprintf(buf + p, n - p, numc_array_ndim(a) == 1 ? ",)" : ")");
}

/* ones/zeros-free one-hot seeds: float64, converted by gradient(). */
static numc_array *one_hot(const numc_array *like, double *buf, int64_t e) {
    buf[e] = 1.0;
    numc_array *s =
        numc_array_from_data(NUMC_FLOAT64, numc_array_ndim(like), numc_array_shape(like), buf);
    buf[e] = 0.0;
    return s;
}

static numc_array *zeros_of(int ndim, const int64_t *shape, numc_dtype dt) {
    return numc_zeros(ndim, shape, dt);
}

/* The jacobian of target with respect to src[0..ns) on a (persistent) tape:
 * jac[s] has shape target.shape + src[s].shape, or is NULL when src[s] is
 * unconnected (or not inexact) and !zero. 0 or -1 with an exception. */
int pynumc_ad_tape_jacobian(numc_tape *t, const numc_array *target, int ns,
                            const numc_array *const *src, int zero, numc_array **jac) {
    int64_t n = numc_array_size(target);
    for (int s = 0; s < ns; s++)
        jac[s] = NULL;
    numc_array **rows = calloc((size_t)(n * ns + 1), sizeof *rows);
    numc_array **g = calloc((size_t)ns + 1, sizeof *g);
    double *buf = calloc((size_t)n + 1, sizeof(double));
    int rc = -1;
    if (!rows || !g || !buf) {
        PyErr_NoMemory();
        goto done;
    }
    for (int64_t e = 0; e < n; e++) {
        numc_array *seed = one_hot(target, buf, e);
        if (!seed) {
            pynumc_raise();
            goto done;
        }
        const numc_array *tg[1] = {target}, *og[1] = {seed};
        numc_status st = numc_tape_gradient_n(t, 1, tg, og, ns, src, false, g);
        numc_array_release(seed);
        if (st) {
            if (PyErr_Occurred()) numc_error_clear(); /* a custom bwd raised */
            pynumc_raise();
            goto done;
        }
        for (int s = 0; s < ns; s++)
            rows[e * ns + s] = g[s];
    }
    for (int s = 0; s < ns; s++) {
        const numc_array *x = src[s];
        if (!x) continue;
        int nd = numc_array_ndim(target) + numc_array_ndim(x);
        if (nd > NUMC_MAX_DIMS) {
            PyErr_SetString(PyExc_ValueError, "jacobian: the result has too many dimensions");
            goto done;
        }
        int64_t shape[NUMC_MAX_DIMS];
        memcpy(shape, numc_array_shape(target), sizeof(int64_t) * (size_t)numc_array_ndim(target));
        memcpy(shape + numc_array_ndim(target), numc_array_shape(x),
               sizeof(int64_t) * (size_t)numc_array_ndim(x));
        bool any = false;
        for (int64_t e = 0; e < n; e++)
            any |= rows[e * ns + s] != NULL;
        if (!pynumc_ad_is_inexact(numc_array_dtype(x)) || (!any && !zero)) continue;
        if (!any || n == 0) {
            jac[s] = zeros_of(nd, shape, numc_array_dtype(x));
            if (!jac[s]) {
                pynumc_raise();
                goto done;
            }
            continue;
        }
        const numc_array **col = malloc(sizeof(*col) * (size_t)n);
        numc_array *zero_row = NULL;
        if (!col) {
            PyErr_NoMemory();
            goto done;
        }
        for (int64_t e = 0; e < n && col; e++) {
            col[e] = rows[e * ns + s];
            if (!col[e]) {
                if (!zero_row && !(zero_row = zeros_of(numc_array_ndim(x), numc_array_shape(x),
                                                       numc_array_dtype(x))))
                    break;
                col[e] = zero_row;
            }
        }
        numc_array *st = NULL;
        bool ok = true;
        for (int64_t e = 0; e < n; e++)
            ok &= col[e] != NULL;
        if (ok) st = numc_stack((int)n, col, 0);
        free(col);
        numc_array_release(zero_row);
        if (!st) {
            pynumc_raise();
            goto done;
        }
        jac[s] = numc_reshape(st, nd, shape);
        numc_array_release(st);
        if (!jac[s]) {
            pynumc_raise();
            goto done;
        }
    }
    rc = 0;
done:
    if (rows)
        for (int64_t k = 0; k < n * ns; k++)
            numc_array_release(rows[k]);
    free(rows);
    free(g);
    free(buf);
    if (rc < 0)
        for (int s = 0; s < ns; s++) {
            numc_array_release(jac[s]);
            jac[s] = NULL;
        }
    return rc;
}

/* "none" / "zero" (strings, or TF's enum: anything with a string .value). */
int pynumc_ad_parse_unconnected(PyObject *o, int *zero) {
    *zero = 0;
    if (!o || o == Py_None) return 0;
    PyObject *v = PyUnicode_Check(o) ? Py_NewRef(o) : PyObject_GetAttrString(o, "value");
    if (!v) {
        PyErr_Clear();
        v = NULL;
    }
    int ok = v && PyUnicode_Check(v);
    if (ok && !PyUnicode_CompareWithASCIIString(v, "zero"))
        *zero = 1;
    else if (!(ok && !PyUnicode_CompareWithASCIIString(v, "none")))
        ok = 0;
    Py_XDECREF(v);
    if (!ok) {
        PyErr_Format(PyExc_ValueError,
                     "Unknown value for unconnected_gradients: %R (use 'none' or 'zero')", o);
        return -1;
    }
    return 0;
}

void pynumc_ad_release_all(numc_array **a, Py_ssize_t n) {
    if (!a) return;
    for (Py_ssize_t i = 0; i < n; i++)
        numc_array_release(a[i]);
}
