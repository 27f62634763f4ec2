/* module.c — the top of the extension: the _numc module object's
 * configuration functions and PyInit__numc, which initialises every layer
 * from the bottom up (each file registers its types and functions; upper
 * files install their slots and methods into the ndarray type). */
#include "pynumc.h"
#include "pyinit.h"

static PyObject *py_set_default_float(PyObject *self, PyObject *arg) {
    numc_dtype dt;
    if (pynumc_parse_dtype(arg, &dt) < 0) return NULL;
    if (dt != NUMC_FLOAT32 && dt != NUMC_FLOAT64) {
        PyErr_SetString(PyExc_ValueError, "set_default_float: dtype must be float32 or float64");
        return NULL;
    }
    numc_set_default_float(dt);
    Py_RETURN_NONE;
}

static PyObject *py_default_float(PyObject *self, PyObject *unused) {
    return Py_NewRef(pynumc_dtype_object(numc_default_float()));
}

static PyObject *py_allow_float64(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"allow", NULL};
    PyObject *allow = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:allow_float64", kwlist, &allow)) return NULL;
    if (allow) {
        int v = PyObject_IsTrue(allow);
        if (v < 0) return NULL;
        numc_set_allow_float64(v);
    }
    return PyBool_FromLong(numc_allow_float64());
}

static PyObject *py_enable_numpy_behavior(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"prefer_float32", "dtype_conversion_mode", NULL};
    int prefer = 0;
    PyObject *mode = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|pO:experimental_enable_numpy_behavior", kwlist,
                                     &prefer, &mode))
        return NULL;
    numc_enable_numpy_behavior(prefer != 0);
    Py_RETURN_NONE;
}

static PyObject *py_num_threads(PyObject *self, PyObject *args) {
    int n = -1;
    if (!PyArg_ParseTuple(args, "|i:num_threads", &n)) return NULL;
    if (n > 0) numc_set_num_threads(n);
    return PyLong_FromLong(numc_num_threads());
}

static PyObject *py_live_arrays(PyObject *self, PyObject *unused) {
    return PyLong_FromLongLong(numc_live_arrays());
}

static PyObject *py_allocator_stats(PyObject *self, PyObject *unused) {
    numc_alloc_stats s;
    numc_allocator_stats(&s);
    return Py_BuildValue("{s:n,s:n,s:n,s:K,s:K,s:K,s:K}", "bytes_in_use",
                         (Py_ssize_t)s.bytes_in_use, "bytes_cached", (Py_ssize_t)s.bytes_cached,
                         "peak_bytes_in_use", (Py_ssize_t)s.peak_bytes_in_use, "n_allocs",
                         (unsigned long long)s.n_allocs, "n_cache_hits",
                         (unsigned long long)s.n_cache_hits, "n_system_allocs",
                         (unsigned long long)s.n_system_allocs, "n_live_buffers",
                         (unsigned long long)s.n_live_buffers);
}

static PyObject *py_allocator_trim(PyObject *self, PyObject *unused) {
    numc_allocator_trim();
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_default_float", py_set_default_float, METH_O,
     "set_default_float(dtype): the dtype Python floats and int->float promotions become."},
    {"default_float", py_default_float, METH_NOARGS, "The current default float dtype."},
    {"allow_float64", (PyCFunction)(void (*)(void))py_allow_float64, METH_VARARGS | METH_KEYWORDS,
     "allow_float64(allow=None): query or set whether float64 requests are honoured."},
    {"experimental_enable_numpy_behavior", (PyCFunction)(void (*)(void))py_enable_numpy_behavior,
     METH_VARARGS | METH_KEYWORDS,
     "experimental_enable_numpy_behavior(prefer_float32=False): TF-compatible switch."},
    {"num_threads", py_num_threads, METH_VARARGS, "num_threads(n=None): query or set."},
    {"_live_arrays", py_live_arrays, METH_NOARGS, "Live numc array handles (leak checks)."},
    {"_allocator_stats", py_allocator_stats, METH_NOARGS, "CPU allocator counters."},
    {"_allocator_trim", py_allocator_trim, METH_NOARGS, "Release the allocator cache."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "numc._numc",
    "numc: NumPy's API on an immutable-tensor engine.",
    -1,
    module_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Bottom first; the ndarray type is readied once every layer installed its
 * slots, and methods that need the ready type (or the compiled spec table)
 * come after. */
PyMODINIT_FUNC PyInit__numc(void) {
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    numc_module = m;
    if (pynumc_init_errors(m) < 0 || pynumc_init_dtypes(m) < 0 || pynumc_init_ndarray(m) < 0 ||
        pynumc_init_export(m) < 0 || pynumc_init_arrayslots(m) < 0 ||
        pynumc_init_printopts(m) < 0 || pynumc_array_type_ready(m) < 0 ||
        pynumc_init_export_methods() < 0 || pynumc_init_functions(m) < 0 ||
        pynumc_init_spec_methods() < 0 || pynumc_init_pytree(m) < 0 ||
        pynumc_init_variable(m) < 0 || pynumc_init_tape(m) < 0 || pynumc_init_transforms(m) < 0 ||
        pynumc_init_custom_vjp(m) < 0 || pynumc_init_function(m) < 0 ||
        pynumc_init_control(m) < 0 || pynumc_init_vmap(m) < 0 || pynumc_init_random(m) < 0 ||
        pynumc_init_fpstate(m) < 0 || pynumc_init_indextricks(m) < 0 || pynumc_init_nsinfo(m) < 0 ||
        pynumc_init_vectorize(m) < 0 || pynumc_init_fft(m) < 0 ||
        pynumc_init_breadth2(m) < 0 || pynumc_init_protocols() < 0) {
        Py_DECREF(m);
        numc_module = NULL;
        return NULL;
    }
    return m;
}
