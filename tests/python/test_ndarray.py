"""The ndarray protocol against NumPy: attributes, conversion dunders, the
buffer/__array__/DLPack exports, operators (reflected, NumPy on the left,
in-place with same_kind casting), indexing and assignment, conversion from
Python and NumPy objects, dtype objects, and the exception types.

Documented differences from NumPy that these tests encode:
- indexing returns 0-d numc arrays where NumPy returns scalars (values match);
- a view taken before an assignment does not see the assignment;
- exported buffers and __array__ views are read-only.
"""
import copy
import operator
import pickle

import ml_dtypes
import numpy as np
import pytest


def nparr(x):
    return np.asarray(x)


def same(got, want):
    """Value, dtype and shape equality of a numc result with a NumPy one."""
    want = np.asarray(want)
    got_np = np.asarray(got)
    assert got_np.shape == want.shape, (got_np.shape, want.shape)
    assert got_np.dtype == want.dtype, (got_np.dtype, want.dtype)
    np.testing.assert_array_equal(got_np, want)


# ---------------------------------------------------------------------------
# conversion from Python and NumPy objects

CONVERT = [
    [1.0, 2.0, 3.0],
    [1, 2, 3],
    [True, False],
    [True, 2, 3.5],
    [1 + 2j, 2],
    [[1, 2], [3, 4]],
    ((1, 2), (3, 4)),
    [],
    [[], []],
    [[[1.5]]],
    3,
    2.5,
    True,
    1 - 1j,
    2**63,
]


@pytest.mark.parametrize("obj", CONVERT, ids=repr)
def test_asarray_python(nc, obj):
    same(nc.asarray(obj), np.asarray(obj))


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "float16", "float32", "complex64", "bool"])
def test_asarray_dtype(nc, dtype):
    obj = [0, 1, 2, 3]
    same(nc.asarray(obj, dtype=dtype), np.asarray(obj, dtype=dtype))
    same(nc.asarray(1.5, dtype=dtype), np.asarray(1.5, dtype=dtype))


def test_asarray_float_to_int_truncates(nc):
    same(nc.asarray([1.5, -2.5], dtype="int64"), np.asarray([1.5, -2.5], dtype="int64"))


@pytest.mark.parametrize("obj", [[[1], [2, 3]], [1, [2, 3]], [[1, 2], [3]]], ids=repr)
def test_ragged(nc, obj):
    with pytest.raises(ValueError) as e:
        nc.asarray(obj)
    assert "inhomogeneous shape after 1 dimensions" in str(e.value)
    assert "The detected shape was (2,) + inhomogeneous part." in str(e.value)


def test_overflow(nc):
    with pytest.raises(OverflowError, match="out of bounds for int8"):
        nc.asarray([300], dtype=nc.int8)
    with pytest.raises(OverflowError):
        nc.asarray(2**64)
    with pytest.raises(OverflowError):
        nc.asarray([1]) + 2**64


@pytest.mark.parametrize("obj", [None, "abc", b"abc", object(), {1: 2}], ids=repr)
def test_unsupported_objects(nc, obj):
    with pytest.raises(TypeError):
        nc.asarray(obj)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
def test_from_numpy(nc, dtype):
    x = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)
    same(nc.asarray(x), x)
    same(nc.asarray(x[:, ::-1, ::2]), x[:, ::-1, ::2])
    same(nc.asarray(x.transpose(2, 0, 1)), x.transpose(2, 0, 1))
    same(nc.asarray(x[1, 2, 3]), x[1, 2, 3])  # NumPy scalar: strong dtype


def test_numpy_scalars_are_strong(nc):
    assert nc.asarray(np.float32(1)).dtype == nc.float32
    assert (nc.asarray([1, 2], dtype=nc.float32) + np.float64(1)).dtype == nc.float64
    assert (nc.asarray([1, 2], dtype=nc.float32) + 1.0).dtype == nc.float32
    assert nc.asarray([np.float32(1), np.float32(2)]).dtype == nc.float32


def test_bfloat16_roundtrip(nc):
    x = np.array([1, 2.5, -3], dtype=ml_dtypes.bfloat16)
    a = nc.asarray(x)
    assert a.dtype == nc.bfloat16
    back = np.asarray(a)
    assert back.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(back.astype(np.float32), x.astype(np.float32))


def test_buffer_objects(nc):
    import array
    same(nc.asarray(array.array("d", [1, 2, 3])), np.array([1.0, 2, 3]))
    same(nc.asarray(memoryview(np.arange(6, dtype=np.int32).reshape(2, 3))),
         np.arange(6, dtype=np.int32).reshape(2, 3))


def test_asarray_identity_and_copy(nc):
    a = nc.asarray([1, 2, 3])
    assert nc.asarray(a) is a
    assert nc.array(a) is not a
    same(nc.array(a), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        nc.asarray([1, 2], copy=False)
    assert nc.array([1, 2], ndmin=3).shape == (1, 1, 2)


# ---------------------------------------------------------------------------
# attributes and conversion dunders

def test_attributes(nc):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a = nc.asarray(x)
    assert a.shape == x.shape and a.ndim == x.ndim and a.size == x.size
    assert a.itemsize == x.itemsize and a.nbytes == x.nbytes
    assert a.dtype == x.dtype and a.dtype == nc.float32 and a.dtype == "float32"
    same(a.T, x.T)
    same(a.mT, np.swapaxes(x, -1, -2))
    assert len(a) == 2
    assert isinstance(a, nc.ndarray)
    assert "cpu" in str(a.device)
    c = nc.asarray([1 + 2j, 3 - 4j])
    same(c.real, np.array([1.0, 3.0]))
    same(c.imag, np.array([2.0, -4.0]))


def test_scalar_conversions(nc):
    assert int(nc.asarray(3.7)) == 3
    assert float(nc.asarray(2)) == 2.0
    assert complex(nc.asarray(1 + 2j)) == 1 + 2j
    assert operator.index(nc.asarray(5)) == 5
    assert [10, 20, 30][nc.asarray(1)] == 20
    assert bool(nc.asarray([0.0])) is False and bool(nc.asarray(2)) is True
    with pytest.raises(TypeError, match="only integer scalar arrays"):
        operator.index(nc.asarray(1.5))
    with pytest.raises(TypeError, match="only 0-dimensional arrays"):
        int(nc.asarray([1, 2]))
    with pytest.raises(ValueError, match="truth value of an array with more than one element"):
        bool(nc.asarray([1, 2]))
    with pytest.raises(ValueError, match="empty array is ambiguous"):
        bool(nc.asarray([]))


def test_len_iter_hash(nc):
    x = np.arange(6).reshape(3, 2)
    a = nc.asarray(x)
    rows = list(a)
    assert len(rows) == 3
    for r, xr in zip(rows, x):
        same(r, xr)
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        len(nc.asarray(1))
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(nc.asarray(1))
    with pytest.raises(TypeError):
        hash(a)
    assert 3 in a and 7 not in a


def test_tolist_item(nc):
    x = np.arange(6, dtype=np.int16).reshape(2, 3)
    a = nc.asarray(x)
    assert a.tolist() == x.tolist()
    assert a.item(4) == x.item(4) and a.item(1, 2) == x.item(1, 2)
    assert type(a.item(0)) is int
    assert nc.asarray(2.5).tolist() == 2.5
    assert nc.asarray([True]).tolist() == [True]
    with pytest.raises(ValueError, match="size 1"):
        a.item()


def test_repr_str(nc):
    for x in [np.arange(3.0), np.array(1.5), np.zeros((2, 2), dtype=np.int32), np.array([True])]:
        assert repr(nc.asarray(x)) == repr(x)
        assert str(nc.asarray(x)) == str(x)
    assert f"{nc.asarray(2.5):.3f}" == "2.500"


def test_copy_pickle(nc):
    a = nc.asarray([[1.0, 2.0], [3.0, 4.0]])
    for b in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a)), a.copy()):
        assert b is not a
        same(b, np.array([[1.0, 2.0], [3.0, 4.0]]))


# ---------------------------------------------------------------------------
# exports: __array__, buffer protocol, DLPack

def test_array_export_is_readonly_view(nc):
    a = nc.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v = np.asarray(a)
    assert not v.flags.writeable
    with pytest.raises(ValueError):
        v[0, 0] = 9
    t = np.asarray(a.T)
    same(t, np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]))
    assert a.__array__().dtype == np.float64
    assert a.__array__(dtype=np.float32).dtype == np.float32
    assert a.__array__(copy=True).flags.writeable


def test_export_survives_rebinding(nc):
    a = nc.asarray([1.0, 2.0, 3.0])
    v = np.asarray(a)
    a += 1
    np.testing.assert_array_equal(v, [1.0, 2.0, 3.0])
    same(a, np.array([2.0, 3.0, 4.0]))


def test_buffer_protocol(nc):
    a = nc.asarray(np.arange(12, dtype=np.int32).reshape(3, 4))
    m = memoryview(a)
    assert m.readonly and m.format in ("i", "=i", "<i") and m.shape == (3, 4)
    assert m.tolist() == np.arange(12).reshape(3, 4).tolist()
    assert memoryview(a[:, ::2]).tolist() == np.arange(12).reshape(3, 4)[:, ::2].tolist()
    assert memoryview(nc.asarray([1 + 2j])).format.endswith("Zd")
    import ctypes
    with pytest.raises((BufferError, TypeError)):
        ctypes.c_char.from_buffer(a)  # asks for a writable buffer


def test_dlpack(nc):
    a = nc.asarray(np.arange(6.0).reshape(2, 3))
    assert a.__dlpack_device__() == (1, 0)
    same(np.from_dlpack(a), np.arange(6.0).reshape(2, 3))
    same(np.from_dlpack(a[:, ::2]), np.arange(6.0).reshape(2, 3)[:, ::2])
    same(nc.from_dlpack(np.arange(4, dtype=np.int16)), np.arange(4, dtype=np.int16))


def test_array_namespace(nc):
    a = nc.asarray([1, 2])
    assert a.__array_namespace__() is nc
    assert nc.__array_api_version__ == "2024.12"


# ---------------------------------------------------------------------------
# operators

BINOPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow, operator.lt, operator.le, operator.eq, operator.ne,
          operator.gt, operator.ge]
INTOPS = [operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift]


@pytest.mark.parametrize("op", BINOPS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("other", [2, 2.5, True, [1.0, 2.0, 3.0], "np"], ids=repr)
def test_binary_operators(nc, op, other):
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    o = np.array([3.0, 1.0, 2.0]) if other == "np" else other
    a = nc.asarray(x)
    np.testing.assert_allclose(np.asarray(op(a, o)), op(x, o), rtol=1e-6)
    assert op(a, o).dtype == op(x, o).dtype
    np.testing.assert_allclose(np.asarray(op(o, a)), op(o, x), rtol=1e-6)
    assert op(o, a).dtype == op(o, x).dtype


def test_numpy_left_operand_gives_numc(nc):
    a = nc.asarray([1.0, 2.0])
    r = np.array([1.0, 1.0]) + a
    assert isinstance(r, nc.ndarray)
    same(r, np.array([2.0, 3.0]))
    assert isinstance(np.array([1.0, 1.0]) < a, nc.ndarray)


@pytest.mark.parametrize("op", INTOPS, ids=lambda f: f.__name__)
def test_integer_operators(nc, op):
    x = np.array([1, 6, 12], dtype=np.int32)
    a = nc.asarray(x)
    same(op(a, 2), op(x, 2))
    same(op(5, a), op(5, x))


def test_unary_operators(nc):
    x = np.array([-1.5, 0.0, 2.0])
    a = nc.asarray(x)
    same(-a, -x)
    same(+a, +x)
    same(abs(a), abs(x))
    same(~nc.asarray([1, 2]), ~np.array([1, 2]))
    same(~nc.asarray([True, False]), ~np.array([True, False]))


def test_matmul_divmod(nc):
    x = np.arange(6.0).reshape(2, 3)
    y = np.arange(12.0).reshape(3, 4)
    same(nc.asarray(x) @ nc.asarray(y), x @ y)
    q, r = divmod(nc.asarray([7, -7]), 3)
    same(q, np.array([2, -3]))
    same(r, np.array([1, 2]))


def test_unknown_operand_is_notimplemented(nc):
    a = nc.asarray([1, 2])

    class Other:
        def __radd__(self, other):
            return "radd"

    assert a + Other() == "radd"
    with pytest.raises(TypeError):
        a + object()
    assert (a == None) is False  # noqa: E711


def test_inplace_rebinds(nc):
    a = nc.asarray([1, 2, 3])
    b = a
    a += 1
    assert a is b
    same(a, np.array([2, 3, 4]))
    f = nc.asarray([1.0, 2.0], dtype=nc.float32)
    f *= 2.0
    assert f.dtype == nc.float32
    f += np.array([1.0, 1.0])  # float64 operand, same_kind cast back
    same(f, np.array([3.0, 5.0], dtype=np.float32))


def test_inplace_casting_error(nc):
    a = nc.asarray([1, 2, 3])
    with pytest.raises(TypeError) as e:
        a += 1.5
    assert str(e.value) == ("Cannot cast ufunc 'add' output from dtype('float64') to "
                            "dtype('int64') with casting rule 'same_kind'")
    with pytest.raises(TypeError, match="ufunc 'divide'"):
        a /= 2
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        a += nc.ones((2, 3), dtype=nc.int64)


def test_out_argument(nc):
    out = nc.zeros(3)
    r = nc.add(nc.asarray([1.0, 2.0, 3.0]), 1.0, out=out)
    assert r is out
    same(out, np.array([2.0, 3.0, 4.0]))
    iout = nc.zeros(3, dtype=nc.int64)
    with pytest.raises(TypeError, match="same_kind"):
        nc.add(nc.asarray([1.0, 2.0, 3.0]), 1, out=iout)


# ---------------------------------------------------------------------------
# indexing

X = np.arange(60).reshape(3, 4, 5)

KEYS = [
    1, -1, (1, 2), (1, 2, 3), (-1, -2, -3),
    slice(None), slice(1, None), slice(None, None, -1), slice(None, None, 2),
    slice(-2, None, -2), slice(5, 0, -1), (slice(None), 1), (Ellipsis, 2), (1, Ellipsis),
    (None, 1), (Ellipsis, None), (slice(None), None, slice(None, None, -2), 0), (),
    Ellipsis, (1, slice(0, 0)),
    # advanced
    [0, 2], [[0, 1], [2, 0]], (slice(None), [0, 3]), ([0, 2], [1, 3]), ([0, 2], slice(None), [1, 4]),
    (1, slice(None), [0, 2]), (slice(None), [0, 1], [2, 3]), ([[0], [2]], [1, 3]),
    ([0, 2], 1), (Ellipsis, [-1, 0]), (None, [1, 2]), [-3, -1],
    (np.array([0, 2]), np.array([[1], [2]])), [],
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem(nc, key):
    same(nc.asarray(X)[key], X[key])


MASKS = [
    X > 30, (X % 3 == 0)[:, :, 0], np.array([True, False, True]),
    (slice(None), np.array([True, False, False, True])),
    (1, (X % 2 == 0)[0]), (np.array([False, True, True]), slice(None), [0, 4]),
]


@pytest.mark.parametrize("i", range(len(MASKS)))
def test_getitem_mask(nc, i):
    m = MASKS[i]
    same(nc.asarray(X)[m], X[m])
    if isinstance(m, np.ndarray):
        same(nc.asarray(X)[nc.asarray(m)], X[m])


def test_getitem_bool_scalar(nc):
    same(nc.asarray(X)[True], X[True])
    same(nc.asarray(X)[False], X[False])


def test_getitem_numc_index_arrays(nc):
    a = nc.asarray(X)
    same(a[nc.asarray([2, 0])], X[[2, 0]])
    same(a[nc.asarray(1)], X[1])
    same(a[np.int64(2)], X[2])


@pytest.mark.parametrize("key,msg", [
    (5, "index 5 is out of bounds for axis 0 with size 3"),
    ((0, 7), "index 7 is out of bounds for axis 1 with size 4"),
    ((0, 0, 0, 0), "too many indices for array: array is 3-dimensional, but 4 were indexed"),
    (1.0, "only integers, slices"),
    ((Ellipsis, Ellipsis), "an index can only have a single ellipsis"),
    ([0.5], "arrays used as indices must be of integer (or boolean) type"),
    ((np.array([True, False]),), "boolean index did not match indexed array along axis 0"),
])
def test_getitem_errors(nc, key, msg):
    with pytest.raises(IndexError) as e:
        nc.asarray(X)[key]
    assert msg in str(e.value)


SETKEYS = [
    (1, 100), (-1, [1, 2, 3, 4, 5]), ((0, 1), 7), ((slice(None), 1), 9), ((Ellipsis, 0), [1, 2, 3, 4]),
    (slice(None, None, -2), 5), ((slice(1, None), slice(None, None, 2)), 0),
    ((0, slice(None), slice(4, 0, -2)), [[1, 2]]), ((slice(None), 0), [[1], [2], [3]]),
    ([0, 2], -1), (([0, 2], [1, 3]), [[8], [9]]), ((slice(None), [0, 0]), 3),
    ("mask", 0),
]


@pytest.mark.parametrize("key,value", SETKEYS, ids=repr)
def test_setitem(nc, key, value):
    if isinstance(key, str):
        key = X > 40
    x = X.copy()
    a = nc.asarray(x)
    x[key] = value
    a[key] = value
    same(a, x)


def test_setitem_value_casts_and_isolation(nc):
    a = nc.asarray([1, 2, 3])
    view = a[:2]
    alias = a
    a[0] = 7.9  # NumPy truncates on assignment
    same(a, np.array([7, 2, 3]))
    assert alias is a
    same(view, np.array([1, 2]))  # a view taken earlier keeps the old value
    exported = np.asarray(a)
    a[1] = 5
    np.testing.assert_array_equal(exported, [7, 2, 3])
    same(a, np.array([7, 5, 3]))


def test_setitem_loop(nc):
    a = nc.zeros(50)
    for i in range(50):
        a[i] = i
    same(a, np.arange(50.0))


def test_setitem_errors(nc):
    a = nc.zeros((2, 3))
    with pytest.raises(ValueError, match="could not broadcast"):
        a[0] = [1, 2]
    with pytest.raises(IndexError):
        a[2] = 1
    with pytest.raises(ValueError):
        del a[0]


# ---------------------------------------------------------------------------
# methods (spot checks: the function table is tested elsewhere)

def test_methods(nc):
    x = np.arange(12.0).reshape(3, 4)
    a = nc.asarray(x)
    same(a.reshape(4, 3), x.reshape(4, 3))
    same(a.reshape((2, -1)), x.reshape((2, -1)))
    same(a.transpose(), x.transpose())
    same(a.transpose(1, 0), x.transpose(1, 0))
    same(a.flatten(), x.flatten())
    same(a.ravel(), x.ravel())
    same(a.sum(axis=0), x.sum(axis=0))
    same(a.mean(), x.mean())
    same(a.max(axis=1, keepdims=True), x.max(axis=1, keepdims=True))
    same(a.argmax(), x.argmax())
    same(a.cumsum(axis=1), x.cumsum(axis=1))
    same(a.astype(nc.int32), x.astype(np.int32))
    same(a.swapaxes(0, 1), x.swapaxes(0, 1))
    same(a.clip(2, 5), x.clip(2, 5))
    same(a.std(ddof=1), x.std(ddof=1))
    same(a.dot(a.T), x.dot(x.T))
    assert a.to_device("cpu") is a


# ---------------------------------------------------------------------------
# dtype objects

def test_dtype_objects(nc):
    assert repr(nc.dtype("float32")) == "dtype('float32')"
    assert str(nc.dtype("f8")) == "float64"
    d = nc.dtype(nc.int16)
    assert (d.name, d.itemsize, d.kind, d.char) == ("int16", 2, "i", "h")
    assert d == np.int16 and d == np.dtype("int16") and d == "int16" and d == nc.int16
    assert d != "int32" and d != "nonsense"
    assert nc.float32 == nc.dtype("float32")
    assert nc.dtype(float) == nc.float64 and nc.dtype(int) == nc.int64 and nc.dtype(bool) == nc.bool
    assert nc.dtype(np.dtype(ml_dtypes.bfloat16)) == nc.bfloat16
    assert nc.int_ is nc.int64 and nc.intp is nc.int64 and nc.bool_ is nc.bool
    assert nc.float_ is nc.float64 and nc.complex_ is nc.complex128
    with pytest.raises(TypeError, match="not understood"):
        nc.dtype("nonsense")


def test_scalar_types(nc):
    x = nc.float32(1.5)
    assert isinstance(x, nc.ndarray) and x.shape == () and x.dtype == nc.float32
    same(nc.int8([1, 2]), np.int8([1, 2]))
    assert issubclass(nc.float32, nc.floating) and issubclass(nc.uint8, nc.unsignedinteger)
    with pytest.raises(TypeError):
        nc.floating(1)


@pytest.mark.parametrize("a,b", [("float32", "floating"), ("int8", "signedinteger"),
                                 ("uint16", "integer"), ("complex64", "complexfloating"),
                                 ("float64", "number"), ("bool", "generic"),
                                 ("int8", "floating"), ("float16", "integer")])
def test_issubdtype(nc, a, b):
    assert nc.issubdtype(getattr(nc, a), getattr(nc, b)) == np.issubdtype(getattr(np, a), getattr(np, b))
    assert nc.issubdtype(a, getattr(np, b)) == np.issubdtype(a, getattr(np, b))


@pytest.mark.parametrize("dt", ["float16", "float32", "float64"])
def test_finfo(nc, dt):
    f, g = nc.finfo(dt), np.finfo(dt)
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "epsneg",
                 "precision", "maxexp", "minexp", "nmant", "nexp"]:
        assert getattr(f, attr) == getattr(g, attr), attr
    assert f.dtype == g.dtype


@pytest.mark.parametrize("dt", ["int8", "int16", "int32", "int64", "uint8", "uint64"])
def test_iinfo(nc, dt):
    f, g = nc.iinfo(dt), np.iinfo(dt)
    assert (f.bits, f.min, f.max) == (g.bits, g.min, g.max)
    assert repr(f) == repr(g).replace("numpy", "numc")


def test_promotion_queries(nc):
    assert nc.promote_types("int8", "uint8") == np.promote_types("int8", "uint8")
    assert nc.result_type(nc.float32, 1.0) == nc.float32
    assert nc.result_type(nc.asarray([1], dtype=nc.int8), nc.int16) == nc.int16
    assert nc.can_cast(nc.int64, nc.float64) and not nc.can_cast(nc.float64, nc.int8)
    assert nc.can_cast(nc.float64, nc.int8, casting="unsafe")
    with pytest.raises(TypeError):
        nc.can_cast(1, nc.float64)


# ---------------------------------------------------------------------------
# exceptions and the spec table

def test_exception_types(nc):
    with pytest.raises(np.exceptions.AxisError):
        nc.sum(nc.ones((2, 3)), axis=2)
    assert issubclass(nc.LinAlgError, ValueError)
    with pytest.raises(ValueError):
        nc.ones(3) + nc.ones(4)
    with pytest.raises(NotImplementedError):
        nc.sum(nc.ones(3), where=False)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        nc.add(1, 2, bogus=3)
    with pytest.raises(TypeError, match="missing required argument"):
        nc.reshape()


def test_spec_table(nc):
    rows = nc._numc._spec
    names = [r[0] for r in rows]
    assert len(names) == len(set(names))
    for name, kind, cname in rows:
        assert callable(getattr(nc, name)), name
    for name in ["add", "true_divide", "absolute", "abs", "acos", "arccos", "pow", "power",
                 "bitwise_not", "sum", "linspace", "concat", "permute_dims"]:
        assert name in names, name


# ---------------------------------------------------------------------------
# transforms see indexing and assignment; nothing leaks

def test_indexing_under_grad(nc):
    if not hasattr(nc, "grad"):
        pytest.skip("no autodiff in this build")
    x = nc.asarray([1.0, 2.0, 3.0])

    def f(x):
        y = x * 1.0
        y[0] = 5.0                       # basic assignment: functional update
        y[nc.asarray([2])] = x[1] * 3.0  # advanced assignment: where(mask, take(...))
        return (y * x).sum() + x[::-1][0] + x[nc.asarray([0, 1])].sum()

    # y = [5, x1, 3 x1]; f = 5 x0 + x1^2 + 3 x1 x2 + x2 + x0 + x1
    same(nc.grad(f)(x), np.array([6.0, 2 * 2.0 + 3 * 3.0 + 1, 3 * 2.0 + 1]))


def test_no_leaked_arrays(nc):
    import gc

    def work():
        a = nc.asarray(X)
        a[1], a[1, ::-1], a[[0, 2]], a[X > 30], a[:, [0, 1], [2, 3]], a[..., None]
        b = a * 2.0 + 1
        b += 1
        b[0] = 5
        b[[0, 1]] = 7
        b[b > 50] = 0
        c = nc.asarray([[1.0, 2.0], [3.0, 4.0]])
        nc.add(c, c, out=c)
        np.asarray(c), memoryview(c).tolist(), np.from_dlpack(c), list(c), repr(c)
        nc.split(nc.arange(6), 3), nc.broadcast_arrays(c, 1.0), nc.where(c > 2)
        with pytest.raises(IndexError):
            a[10]
        with pytest.raises(TypeError):
            a += 1.5

    work()
    gc.collect()
    before = nc._numc._live_arrays()
    for _ in range(20):
        work()
    gc.collect()
    assert nc._numc._live_arrays() == before


def test_traced_integer_indexing(nc):
    if not hasattr(nc, "fori_loop") or not hasattr(nc, "function"):
        pytest.skip("no graph mode in this build")
    m = nc.asarray(np.arange(12.0).reshape(3, 4))

    def read(m):
        return nc.fori_loop(0, 3, lambda i, acc: acc + m[i, 1:3].sum() + m[-1 - i][i], nc.zeros(()))

    def write(m):
        def body(i, acc):
            acc[i] = acc[i] * 2.0 + m[i, -1]
            acc[:, i] = -1.0
            return acc
        return nc.fori_loop(0, 3, body, m * 1.0)

    x = np.arange(12.0).reshape(3, 4)
    want_read = sum(x[i, 1:3].sum() + x[-1 - i][i] for i in range(3))
    want_write = x.copy()
    for i in range(3):
        want_write[i] = want_write[i] * 2.0 + x[i, -1]
        want_write[:, i] = -1.0
    for f in (lambda g: g, nc.function):
        assert float(f(read)(m)) == want_read
        same(f(write)(m), want_write)
