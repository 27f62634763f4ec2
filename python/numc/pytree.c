/* pytree.c — flattening and rebuilding nested containers for the transforms.
 * A treedef is a tuple: LEAF is the string "*"; a node is
 * (kind, aux, children-tuple, nleaves) with kind in "tuple", "list", "dict"
 * (aux = sorted keys), "namedtuple" (aux = its type), "none". Tuples hash and
 * compare by value, so treedefs serve directly as cache keys. */
#include "pytree.h"

static PyObject *LEAF;

static PyObject *node(const char *kind, PyObject *aux, PyObject *children, Py_ssize_t n) {
    return Py_BuildValue("(sONn)", kind, aux ? aux : Py_None, children, n);
}

static int valid_node(PyObject *def) {
    return PyTuple_Check(def) && PyTuple_GET_SIZE(def) == 4 &&
           PyUnicode_Check(PyTuple_GET_ITEM(def, 0)) && PyTuple_Check(PyTuple_GET_ITEM(def, 2)) &&
           PyLong_Check(PyTuple_GET_ITEM(def, 3));
}

static Py_ssize_t leaves_of(PyObject *def) {
    if (PyUnicode_Check(def)) return 1;
    if (!valid_node(def)) return -1;
    return PyLong_AsSsize_t(PyTuple_GET_ITEM(def, 3));
}

Py_ssize_t pynumc_tree_num_leaves(PyObject *treedef) {
    return leaves_of(treedef);
}

static int is_namedtuple(PyObject *o) {
    return PyTuple_Check(o) && !PyTuple_CheckExact(o) && PyObject_HasAttrString(o, "_fields");
}

PyObject *pynumc_tree_flatten(PyObject *tree, PyObject *leaves) {
    if (tree == Py_None) return node("none", NULL, PyTuple_New(0), 0);
    PyObject *items = NULL, *aux = NULL;
    const char *kind;
    if (PyTuple_CheckExact(tree) || is_namedtuple(tree)) {
        kind = PyTuple_CheckExact(tree) ? "tuple" : "namedtuple";
        if (!PyTuple_CheckExact(tree)) aux = (PyObject *)Py_TYPE(tree);
        items = Py_NewRef(tree);
    } else if (PyList_Check(tree)) {
        kind = "list";
        items = PyList_AsTuple(tree);
    } else if (PyDict_Check(tree)) {
        kind = "dict";
        PyObject *keys = PyDict_Keys(tree);
        if (!keys || PyList_Sort(keys) < 0) {
            Py_XDECREF(keys);
            return NULL;
        }
        Py_ssize_t n = PyList_GET_SIZE(keys);
        items = PyTuple_New(n);
        for (Py_ssize_t i = 0; items && i < n; i++)
            PyTuple_SET_ITEM(items, i, Py_NewRef(PyDict_GetItem(tree, PyList_GET_ITEM(keys, i))));
        aux = PyList_AsTuple(keys);
        Py_DECREF(keys);
        if (!aux) {
            Py_XDECREF(items);
            return NULL;
        }
    } else {
        if (PyList_Append(leaves, tree) < 0) return NULL;
        return Py_NewRef(LEAF);
    }
    if (!items) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(items), total = 0;
    PyObject *children = PyTuple_New(n);
    for (Py_ssize_t i = 0; children && i < n; i++) {
        PyObject *c = pynumc_tree_flatten(PyTuple_GET_ITEM(items, i), leaves);
        if (!c) {
            Py_CLEAR(children);
            break;
        }
        total += leaves_of(c);
        PyTuple_SET_ITEM(children, i, c);
    }
    Py_DECREF(items);
    PyObject *r = children ? node(kind, aux, children, total) : NULL;
    if (PyDict_Check(tree)) Py_DECREF(aux);
    return r;
}

PyObject *pynumc_tree_unflatten(PyObject *def, PyObject *leaves, Py_ssize_t *pos) {
    if (!PySequence_Check(leaves)) {
        PyErr_SetString(PyExc_TypeError, "tree_unflatten: leaves must be a sequence");
        return NULL;
    }
    if (!PyUnicode_Check(def) && !valid_node(def)) {
        PyErr_SetString(PyExc_TypeError, "tree_unflatten: not a treedef made by tree_flatten");
        return NULL;
    }
    if (PyUnicode_Check(def)) {
        if (*pos >= PySequence_Size(leaves)) {
            PyErr_SetString(PyExc_ValueError, "tree_unflatten: too few leaves");
            return NULL;
        }
        return PySequence_GetItem(leaves, (*pos)++);
    }
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(def, 0));
    PyObject *aux = PyTuple_GET_ITEM(def, 1), *ch = PyTuple_GET_ITEM(def, 2);
    if (!kind) return NULL;
    if (strcmp(kind, "none") == 0) Py_RETURN_NONE;
    Py_ssize_t n = PyTuple_GET_SIZE(ch);
    PyObject *vals = PyTuple_New(n);
    for (Py_ssize_t i = 0; vals && i < n; i++) {
        PyObject *v = pynumc_tree_unflatten(PyTuple_GET_ITEM(ch, i), leaves, pos);
        if (!v) {
            Py_CLEAR(vals);
            break;
        }
        PyTuple_SET_ITEM(vals, i, v);
    }
    if (!vals) return NULL;
    if (strcmp(kind, "tuple") == 0) return vals;
    PyObject *r = NULL;
    if (strcmp(kind, "list") == 0) {
        r = PySequence_List(vals);
    } else if (strcmp(kind, "namedtuple") == 0) {
        r = PyObject_Call(aux, vals, NULL);
    } else if (strcmp(kind, "dict") == 0) {
        if (!PyTuple_Check(aux) || PyTuple_GET_SIZE(aux) != n) {
            Py_DECREF(vals);
            PyErr_SetString(PyExc_TypeError, "tree_unflatten: not a treedef made by tree_flatten");
            return NULL;
        }
        r = PyDict_New();
        for (Py_ssize_t i = 0; r && i < n; i++)
            if (PyDict_SetItem(r, PyTuple_GET_ITEM(aux, i), PyTuple_GET_ITEM(vals, i)) < 0)
                Py_CLEAR(r);
    } else {
        PyErr_Format(PyExc_ValueError, "tree_unflatten: unknown node kind %s", kind);
    }
    Py_DECREF(vals);
    return r;
}

static PyObject *py_tree_flatten(PyObject *self, PyObject *tree) {
    PyObject *leaves = PyList_New(0);
    if (!leaves) return NULL;
    PyObject *def = pynumc_tree_flatten(tree, leaves);
    if (!def) {
        Py_DECREF(leaves);
        return NULL;
    }
    return Py_BuildValue("(NN)", leaves, def);
}

static PyObject *py_tree_unflatten(PyObject *self, PyObject *args) {
    PyObject *def, *leaves;
    if (!PyArg_ParseTuple(args, "OO:tree_unflatten", &def, &leaves)) return NULL;
    Py_ssize_t pos = 0;
    PyObject *r = pynumc_tree_unflatten(def, leaves, &pos);
    if (r && pos != PySequence_Size(leaves)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_ValueError, "tree_unflatten: too many leaves");
        return NULL;
    }
    return r;
}

static PyMethodDef tree_methods[] = {
    {"tree_flatten", py_tree_flatten, METH_O,
     "tree_flatten(tree) -> (leaves, treedef): tuples, lists, dicts, namedtuples and None are "
     "nodes; everything else is a leaf."},
    {"tree_unflatten", py_tree_unflatten, METH_VARARGS,
     "tree_unflatten(treedef, leaves) rebuilds the structure."},
    {NULL, NULL, 0, NULL},
};

int pynumc_init_pytree(PyObject *m) {
    LEAF = PyUnicode_InternFromString("*");
    if (!LEAF) return -1;
    return PyModule_AddFunctions(m, tree_methods);
}
