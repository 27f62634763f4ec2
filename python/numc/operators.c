/* operators.c — the ndarray number protocol and rich comparisons: NumPy's
 * reflected-operand rules (unknown operands give NotImplemented), in-place
 * operators as "compute with the original dtype under same_kind casting, then
 * rebind the handle", and the shared `out=` assignment used by the function
 * table (the casting and broadcast rules are numc_fit_output's). This is the
 * `a + b` / `a * 2.0` hot path: no Python-level work. */
#include "pyops.h"

typedef numc_array *(*binfn)(const numc_array *, const numc_array *);

numc_array *pynumc_cast_inplace(numc_array *r, numc_dtype dt, const char *ufunc) {
    numc_array *c = numc_cast_for_output(r, dt, ufunc);
    numc_array_release(r);
    if (!c) pynumc_raise();
    return c;
}

/* Fits r to the target handle's value (dtype, shape). Steals r. */
static numc_array *fit_to(numc_array *r, const numc_array *target, const char *ufunc) {
    numc_array *c = numc_fit_output(r, target, ufunc);
    numc_array_release(r);
    if (!c) pynumc_raise();
    return c;
}

PyObject *pynumc_assign_out(PyObject *out, numc_array *r, const char *ufunc) {
    if (PyTuple_Check(out)) {
        if (PyTuple_GET_SIZE(out) != 1) {
            numc_array_release(r);
            PyErr_SetString(PyExc_ValueError, "The 'out' tuple must have exactly one entry");
            return NULL;
        }
        out = PyTuple_GET_ITEM(out, 0);
    }
    if (!NumcArray_Check(out)) {
        numc_array_release(r);
        PyErr_SetString(PyExc_TypeError, "return arrays must be of numc.ndarray type");
        return NULL;
    }
    r = fit_to(r, NumcArray_ARR(out), ufunc);
    if (!r) return NULL;
    numc_array_release(NumcArray_ARR(out));
    NumcArray_ARR(out) = r;
    return Py_NewRef(out);
}

/* ---- binary operators ---- */

/* Floating-point errors are reported under the ufunc's name (NULL: none). */
static inline numc_array *call2(binfn fn, numc_array *x, numc_array *y, const char *ufunc) {
    int fp = numc_fp_scope_begin(ufunc);
    numc_array *r;
    if (__builtin_expect(numc_array_size(x) + numc_array_size(y) < PYNUMC_NOGIL_ELEMENTS, 1)) {
        r = fn(x, y);
    } else {
        /* another thread may rebind the handles meanwhile: hold the values */
        numc_array_retain(x);
        numc_array_retain(y);
        Py_BEGIN_ALLOW_THREADS r = fn(x, y);
        Py_END_ALLOW_THREADS numc_array_release(x);
        numc_array_release(y);
    }
    if (numc_fp_scope_end(fp) != NUMC_OK && r) {
        numc_array_release(r);
        r = NULL;
    }
    return r;
}

static inline PyObject *binop(PyObject *a, PyObject *b, binfn fn, const char *ufunc) {
    numc_array *x, *y, *conv;
    if (NumcArray_Check(a)) {
        x = NumcArray_ARR(a);
        if (NumcArray_Check(b)) {
            return pynumc_wrap(call2(fn, x, NumcArray_ARR(b), ufunc));
        }
        conv = y = pynumc_operand(b);
    } else {
        y = NumcArray_ARR(b);
        conv = x = pynumc_operand(a);
    }
    if (!conv) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    numc_array *r = call2(fn, x, y, ufunc);
    numc_array_release(conv);
    return pynumc_wrap(r);
}

static PyObject *inplace(PyObject *a, PyObject *b, binfn fn, const char *ufunc) {
    if (!NumcArray_Check(a)) Py_RETURN_NOTIMPLEMENTED;
    numc_array *y = pynumc_operand(b);
    if (!y) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    numc_array *self = NumcArray_ARR(a);
    numc_array *r = call2(fn, self, y, ufunc);
    numc_array_release(y);
    if (!r) return pynumc_raise();
    r = fit_to(r, self, ufunc);
    if (!r) return NULL;
    numc_array_release(NumcArray_ARR(a));
    NumcArray_ARR(a) = r;
    return Py_NewRef(a);
}

#define PYNUMC_BINOPS(X)                                                                           \
    X(add, numc_add, "add")                                                                        \
    X(subtract, numc_subtract, "subtract")                                                         \
    X(multiply, numc_multiply, "multiply")                                                         \
    X(remainder, numc_remainder, "remainder")                                                      \
    X(lshift, numc_left_shift, "left_shift")                                                       \
    X(rshift, numc_right_shift, "right_shift")                                                     \
    X(and, numc_bitwise_and, "bitwise_and")                                                        \
    X(xor, numc_bitwise_xor, "bitwise_xor")                                                        \
    X(or, numc_bitwise_or, "bitwise_or")                                                           \
    X(floor_divide, numc_floor_divide, "floor_divide")                                             \
    X(true_divide, numc_divide, "divide")                                                          \
    X(matrix_multiply, numc_matmul, "matmul")

#define X(slot, fn, name)                                                                          \
    static PyObject *op_##slot(PyObject *a, PyObject *b) {                                         \
        return binop(a, b, fn, name);                                                              \
    }                                                                                              \
    static PyObject *op_inplace_##slot(PyObject *a, PyObject *b) {                                 \
        return inplace(a, b, fn, name);                                                            \
    }
PYNUMC_BINOPS(X)
#undef X

/* NumPy's fast scalar power: `a ** 2` is square(a) for every numeric dtype
 * (so bool ** 2 is int8), and for inexact a, `a ** -1` is reciprocal(a) and
 * `a ** 0.5` is sqrt(a). Returns NULL when no shortcut applies. */
typedef numc_array *(*unfn)(const numc_array *);
static unfn fast_power(PyObject *a, PyObject *b) {
    if (!NumcArray_Check(a)) return NULL;
    bool inexact = strchr("fc", numc_dtype_kind(numc_array_dtype(NumcArray_ARR(a)))) != NULL;
    if (PyLong_CheckExact(b)) {
        int overflow = 0;
        long e = PyLong_AsLongAndOverflow(b, &overflow);
        if (overflow || (e == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return NULL;
        }
        if (e == 2) return numc_square;
        if (e == -1 && inexact) return numc_reciprocal;
    } else if (PyFloat_CheckExact(b) && inexact && PyFloat_AS_DOUBLE(b) == 0.5) {
        return numc_sqrt;
    }
    return NULL;
}

/* The shortcut under its ufunc's name for floating-point errors. */
static numc_array *call_fast(unfn fast, numc_array *x) {
    int fp = numc_fp_scope_begin(fast == numc_square       ? "square"
                                 : fast == numc_reciprocal ? "reciprocal"
                                                           : "sqrt");
    numc_array *r = fast(x);
    if (numc_fp_scope_end(fp) != NUMC_OK && r) {
        numc_array_release(r);
        r = NULL;
    }
    return r;
}

static PyObject *op_power(PyObject *a, PyObject *b, PyObject *mod) {
    if (mod != Py_None) {
        PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported for numc arrays");
        return NULL;
    }
    unfn fast = fast_power(a, b);
    if (fast) return pynumc_wrap(call_fast(fast, NumcArray_ARR(a)));
    return binop(a, b, numc_power, "power");
}

static PyObject *op_inplace_power(PyObject *a, PyObject *b, PyObject *mod) {
    if (mod != Py_None) {
        PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported for numc arrays");
        return NULL;
    }
    unfn fast = fast_power(a, b);
    if (fast) {
        numc_array *r = call_fast(fast, NumcArray_ARR(a));
        if (!r) return pynumc_raise();
        r = pynumc_cast_inplace(r, numc_array_dtype(NumcArray_ARR(a)), "power");
        if (!r) return NULL;
        numc_array_release(NumcArray_ARR(a));
        NumcArray_ARR(a) = r;
        return Py_NewRef(a);
    }
    return inplace(a, b, numc_power, "power");
}

static PyObject *op_divmod(PyObject *a, PyObject *b) {
    numc_array *x, *y, *conv;
    if (NumcArray_Check(a)) {
        x = NumcArray_ARR(a);
        conv = y = pynumc_operand(b);
    } else {
        y = NumcArray_ARR(b);
        conv = x = pynumc_operand(a);
    }
    if (!conv) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    numc_array *out[2];
    numc_status st = numc_divmod(x, y, out);
    numc_array_release(conv);
    if (st != NUMC_OK) return pynumc_raise();
    PyObject *q = pynumc_wrap(out[0]);
    PyObject *r = pynumc_wrap(out[1]);
    if (!q || !r) {
        Py_XDECREF(q);
        Py_XDECREF(r);
        return NULL;
    }
    PyObject *t = PyTuple_Pack(2, q, r);
    Py_DECREF(q);
    Py_DECREF(r);
    return t;
}

static PyObject *op_negative(PyObject *a) {
    return pynumc_wrap(numc_negative(NumcArray_ARR(a)));
}
static PyObject *op_positive(PyObject *a) {
    return pynumc_wrap(numc_positive(NumcArray_ARR(a)));
}
static PyObject *op_absolute(PyObject *a) {
    return pynumc_wrap(numc_absolute(NumcArray_ARR(a)));
}
static PyObject *op_invert(PyObject *a) {
    return pynumc_wrap(numc_invert(NumcArray_ARR(a)));
}

PyNumberMethods pynumc_as_number = {
    .nb_add = op_add,
    .nb_subtract = op_subtract,
    .nb_multiply = op_multiply,
    .nb_remainder = op_remainder,
    .nb_divmod = op_divmod,
    .nb_power = op_power,
    .nb_negative = op_negative,
    .nb_positive = op_positive,
    .nb_absolute = op_absolute,
    .nb_invert = op_invert,
    .nb_lshift = op_lshift,
    .nb_rshift = op_rshift,
    .nb_and = op_and,
    .nb_xor = op_xor,
    .nb_or = op_or,
    .nb_inplace_add = op_inplace_add,
    .nb_inplace_subtract = op_inplace_subtract,
    .nb_inplace_multiply = op_inplace_multiply,
    .nb_inplace_remainder = op_inplace_remainder,
    .nb_inplace_power = op_inplace_power,
    .nb_inplace_lshift = op_inplace_lshift,
    .nb_inplace_rshift = op_inplace_rshift,
    .nb_inplace_and = op_inplace_and,
    .nb_inplace_xor = op_inplace_xor,
    .nb_inplace_or = op_inplace_or,
    .nb_floor_divide = op_floor_divide,
    .nb_true_divide = op_true_divide,
    .nb_inplace_floor_divide = op_inplace_floor_divide,
    .nb_inplace_true_divide = op_inplace_true_divide,
    .nb_matrix_multiply = op_matrix_multiply,
    .nb_inplace_matrix_multiply = op_inplace_matrix_multiply,
};

PyObject *pynumc_richcompare(PyObject *a, PyObject *b, int op) {
    static const binfn fns[] = {
        [Py_LT] = numc_less,      [Py_LE] = numc_less_equal, [Py_EQ] = numc_equal,
        [Py_NE] = numc_not_equal, [Py_GT] = numc_greater,    [Py_GE] = numc_greater_equal,
    };
    return binop(a, b, fns[op], NULL);
}
