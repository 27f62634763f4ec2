/* pynumc.h — the bottom layer of the numc CPython extension (_numc), which
 * every file may include: module state and errors (errors.c), the ndarray
 * handle (arraytype.c), dtypes (dtypes.c), conversion (convert.c), argument
 * helpers (args.c) and the ndarray type's own behaviour (ndarray.c). Upper
 * layers declare their interfaces in pyops.h (parser, functions, operators,
 * indexing), pytree.h, transforms.h, function.h and pyinit.h. The extension
 * sees the engine only through numc.h and numc-ext.h. */
#ifndef PYNUMC_H
#define PYNUMC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "numc-ext.h"

/* The Python ndarray: a mutable handle to an immutable numc value. Mutation
 * syntax (a[i] = v, a += b) computes the functional update and rebinds `arr`. */
typedef struct {
    PyObject_HEAD numc_array *arr;
    PyObject *weakreflist;
    Py_ssize_t exports; /* live buffer-protocol views */
} NumcArrayObject;

/* ---- module state and errors (errors.c) ---- */
extern PyObject *numc_module; /* the _numc module object */
/* Module-level exception classes (AxisError from NumPy when importable). */
extern PyObject *pynumc_AxisError;
extern PyObject *pynumc_LinAlgError;
/* Raises the Python exception matching numc_error_kind(); returns NULL. An
 * already-set Python exception is left alone. */
PyObject *pynumc_raise(void);
/* The NumPy module (imported on first use); borrowed, NULL with an exception. */
PyObject *pynumc_numpy(void);
/* ml_dtypes.bfloat16 (imported on first use); borrowed, NULL with an exception. */
PyObject *pynumc_bfloat16_type(void);

#define PYNUMC_FASTKW (METH_FASTCALL | METH_KEYWORDS)
#define PYNUMC_FN(f) ((PyCFunction)(void (*)(void))(f))

/* ---- the handle (arraytype.c) ---- */
/* The type object is bare until the layers above install their slots. */
extern PyTypeObject NumcArray_Type;

#define NumcArray_Check(o) PyObject_TypeCheck((o), &NumcArray_Type)
#define NumcArray_ARR(o) (((NumcArrayObject *)(o))->arr)

/* Steals the reference to a (NULL propagates the numc error as a Python one).
 * Arrays handed to Python are never weak: a weak result is made strong. */
PyObject *pynumc_wrap(numc_array *a);
/* Wraps into a given (possibly subclass) type. */
PyObject *pynumc_wrap_type(PyTypeObject *tp, numc_array *a);
/* Raises the error for reading the value of tracer a in `what` (TypeError
 * naming numc.cond & co., or the leaked-tracer error). */
void pynumc_tracer_error(const numc_array *a, const char *what);
/* Slots and methods that read the value test for a tracer first: one call
 * on the concrete fast path. */
#define PYNUMC_TRACER_GUARD(a, what, fail)                                                         \
    do {                                                                                           \
        if (NUMC_UNLIKELY(!numc_array_is_concrete(a))) {                                           \
            pynumc_tracer_error(a, what);                                                          \
            return fail;                                                                           \
        }                                                                                          \
    } while (0)
/* PyType_Ready for the ndarray type once every layer installed its slots,
 * and adds it to the module. */
int pynumc_array_type_ready(PyObject *m);
/* Adds methods to the readied type (upper layers' methods). */
int pynumc_array_add_methods(PyMethodDef *defs);

/* ---- conversion (convert.c) ---- */
/* Any array-like (numc array, NumPy array, buffer, list/tuple, Python scalar,
 * NumPy scalar) to a new numc reference; dtype NONE infers it. Python scalars
 * become weak 0-d arrays when dtype is NONE (operands of operators and ufuncs).
 * NULL with a Python exception set on failure. */
numc_array *pynumc_from_object(PyObject *obj, numc_dtype dtype);
/* Like pynumc_from_object, but Python scalars give strong arrays (np.asarray). */
numc_array *pynumc_asarray(PyObject *obj, numc_dtype dtype);
/* Like pynumc_asarray, but never a view of the object's memory (asarray and
 * pynumc_asarray view read-only buffers without copying; array copies). */
numc_array *pynumc_array_copy(PyObject *obj, numc_dtype dtype);
/* Operand of a binary operator: a new reference, or NULL without an exception
 * when the object is of a type the operator should decline (NotImplemented). */
numc_array *pynumc_operand(PyObject *obj);
/* x.__dlpack__() as a numc array (the array API's from_dlpack; copy as
 * numc_from_dlpack's): asks for a versioned capsule, falls back to a legacy
 * producer, BufferError when DLPack cannot carry x. NULL with an exception. */
numc_array *pynumc_from_dlpack(PyObject *x, numc_dlpack_copy copy);
/* The raw C-order bytes of a buffer object as an array of dtype dt and this
 * shape (unpickling): viewed without a copy when `share` (the caller knows
 * nobody writes that memory; the view holds obj until the last array over it
 * goes), else copied. */
numc_array *pynumc_from_raw(PyObject *obj, numc_dtype dt, int ndim, const int64_t *shape,
                            int share);
/* Element `flat` (C order) of a as a Python scalar (bool/int/float/complex). */
PyObject *pynumc_item(numc_array *a, int64_t flat);
/* The whole array as nested lists of Python scalars. */
PyObject *pynumc_tolist(numc_array *a);
/* Host copy in C order (malloc'ed; free with free()); NULL with an exception. */
void *pynumc_host_copy(const numc_array *a);
/* True for NumPy arrays and NumPy scalars (by type name, without importing). */
int pynumc_is_numpy_object(PyObject *obj);

/* ---- dtypes (dtypes.c) ---- */
/* dtype argument (None, numc/NumPy dtype, type object, string) to numc_dtype;
 * returns 0 on success, -1 with TypeError set. None gives NUMC_DTYPE_NONE. */
int pynumc_parse_dtype(PyObject *obj, numc_dtype *out);
/* The Python dtype object for dt (a borrowed reference). */
PyObject *pynumc_dtype_object(numc_dtype dt);
/* NumPy's repr of a dtype: "dtype('float64')" (static storage). */
const char *pynumc_dtype_repr(numc_dtype dt);
extern PyTypeObject PyNumcDType_Type;
typedef struct {
    PyObject_HEAD numc_dtype dt;
} PyNumcDTypeObject;

/* ---- argument helpers (args.c) ---- */
/* axis argument (None, int, tuple of ints) to an axis list; *naxes = -1 for None. */
int pynumc_parse_axes(PyObject *obj, int64_t *axes, int *naxes);
/* shape argument (int or sequence of ints) */
int pynumc_parse_shape(PyObject *obj, int64_t *shape, int *ndim);
/* A Python integer (or __index__ object) to int64; -1 with an exception. */
int pynumc_parse_int(PyObject *obj, int64_t *out);
/* Checks a device argument (None, or an object whose str() names a device)
 * against the registry (its ValueError for unknown names) and against
 * `current`, the device the array is or will be on. 0 or -1. */
int pynumc_check_device(PyObject *obj, const char *current);
/* Checks an order argument (None or a string) with numc_check_order; 0 or -1. */
int pynumc_check_order(PyObject *obj);
/* The _numc module function `name` called with args (a tuple, stolen; NULL
 * propagates) and kw (borrowed, may be NULL): the Python-object-driven
 * helpers (r_, mgrid, vectorize, ...) compose the module's own functions. */
PyObject *pynumc_call_module(const char *name, PyObject *args, PyObject *kw);

/* Large kernels run without the GIL (the engine's per-thread state is
 * thread-local); small ones keep it, as releasing costs more than they do. */
#define PYNUMC_NOGIL_ELEMENTS ((int64_t)1 << 16)
#define PYNUMC_CALL(big, lhs, expr)                                                                \
    do {                                                                                           \
        if (big) {                                                                                 \
            Py_BEGIN_ALLOW_THREADS lhs = (expr);                                                   \
            Py_END_ALLOW_THREADS                                                                   \
        } else {                                                                                   \
            lhs = (expr);                                                                          \
        }                                                                                          \
    } while (0)

/* ---- the ndarray type's own behaviour (ndarray.c) ---- */
/* Conversion dunders (bool, int, float, index) for the number protocol. */
extern PyNumberMethods pynumc_array_dunders;

#endif
