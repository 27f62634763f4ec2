"""Interop with NumPy's protocols (issue 10): NumPy ufuncs and functions on
numc arrays (__array_ufunc__, __array_function__). NumPy is the oracle."""
import numpy as np
import pytest

import numc


def same(got, want, rtol=1e-12):
    assert isinstance(got, numc.ndarray), type(got)
    g = np.asarray(got)
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    assert g.shape == want.shape, (g.shape, want.shape)
    np.testing.assert_allclose(g, want, rtol=rtol, equal_nan=True)


X = np.arange(1.0, 7.0).reshape(2, 3)
I = np.arange(-3, 9, dtype=np.int32).reshape(3, 4)


# ---- __array_ufunc__: ufunc calls run numc's function ----

@pytest.mark.parametrize("call", [
    lambda m, x: m.add(x, 1),
    lambda m, x: m.add(1, x),
    lambda m, x: m.sin(x),
    lambda m, x: m.exp(x),
    lambda m, x: m.sqrt(x),
    lambda m, x: m.negative(x),
    lambda m, x: m.absolute(-x),
    lambda m, x: m.multiply(x, x),
    lambda m, x: m.true_divide(x, 4),
    lambda m, x: m.power(x, 2),
    lambda m, x: m.maximum(x, 3.5),
    lambda m, x: m.greater(x, 3),
    lambda m, x: m.arctan2(x, x + 1),
    lambda m, x: m.matmul(x, x.T),
    lambda m, x: m.add(x, x.astype(np.float32) if m is np else x.astype(numc.float32)),
], ids=lambda f: None)
def test_ufunc_call(call):
    got = call(np, numc.asarray(X))
    same(got, call(np, X))


def test_ufunc_mixed_operands():
    # a NumPy array and a numc array: numc's function, a numc result
    same(np.add(X, numc.asarray(X)), X + X)
    same(np.multiply(numc.asarray(X), X), X * X)
    same(np.add(numc.asarray(I), np.int8(3)), I + np.int8(3))
    same(np.float32(2) * numc.asarray(X.astype(np.float32)), np.float32(2) * X.astype(np.float32))


def test_ufunc_dtype_kwarg():
    same(np.add(numc.asarray(I), 1, dtype=np.float64), np.add(I, 1, dtype=np.float64))


@pytest.mark.parametrize("ufunc,axis", [
    (np.add, None), (np.add, 0), (np.add, 1), (np.multiply, None), (np.multiply, 1),
    (np.maximum, None), (np.maximum, 0), (np.minimum, 1),
])
def test_ufunc_reduce(ufunc, axis):
    kw = {} if axis is None else {"axis": axis}  # absent: NumPy's default axis 0
    same(ufunc.reduce(numc.asarray(X), **kw), ufunc.reduce(X, **kw))
    same(ufunc.reduce(numc.asarray(I), **kw), ufunc.reduce(I, **kw))


def test_ufunc_reduce_positional_and_keepdims():
    same(np.add.reduce(numc.asarray(X), 1), np.add.reduce(X, 1))
    same(np.add.reduce(numc.asarray(X), axis=(0, 1), keepdims=True),
         np.add.reduce(X, axis=(0, 1), keepdims=True))
    same(np.add.reduce(numc.asarray(X), axis=None), np.add.reduce(X, axis=None))
    b = X > 3
    same(np.logical_and.reduce(numc.asarray(b)), np.logical_and.reduce(b))
    same(np.logical_or.reduce(numc.asarray(b), axis=1), np.logical_or.reduce(b, axis=1))


@pytest.mark.parametrize("ufunc", [np.add, np.multiply])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_ufunc_accumulate(ufunc, axis):
    kw = {} if axis is None else {"axis": axis}
    same(ufunc.accumulate(numc.asarray(X), **kw), ufunc.accumulate(X, **kw))


@pytest.mark.parametrize("ufunc", [np.add, np.multiply, np.subtract, np.maximum, np.greater])
def test_ufunc_outer(ufunc):
    a, b = np.arange(3.0), np.arange(8.0).reshape(2, 4)
    same(ufunc.outer(numc.asarray(a), numc.asarray(b)), ufunc.outer(a, b))
    same(ufunc.outer(numc.asarray(a), b), ufunc.outer(a, b))


def test_ufunc_out_numc():
    x = numc.asarray(X)
    out = numc.zeros((2, 3))
    r = np.add(x, 1, out=out)
    assert r is out
    same(out, X + 1)
    y = numc.asarray(X)
    np.multiply(y, 2, out=y)
    same(y, X * 2)


def test_ufunc_out_numpy_writes_numpy():
    x = numc.asarray(X)
    out = np.zeros((2, 3))
    r = np.add(x, 1, out=out)
    assert r is out
    np.testing.assert_array_equal(out, X + 1)
    z = X.copy()
    z += numc.asarray(X)
    assert isinstance(z, np.ndarray)
    np.testing.assert_array_equal(z, 2 * X)


def test_ufunc_numc_lacks_raises_numpy_typeerror():
    x = numc.asarray(X)
    with pytest.raises(TypeError, match="NotImplemented|not supported"):
        np.subtract.reduce(x)
    with pytest.raises(TypeError, match="NotImplemented|not supported"):
        np.add.reduceat(x, [0, 1])
    with pytest.raises(TypeError, match="NotImplemented|not supported"):
        np.add.at(x, [0], 1)
    with pytest.raises(TypeError, match="NotImplemented|not supported"):
        np.isnat(numc.asarray([1, 2]))


def test_ufunc_errors_are_numc_errors():
    with pytest.raises(ValueError):
        np.add(numc.asarray(X), numc.zeros(4))


def test_operators_with_numpy_unchanged():
    x = numc.asarray(X)
    same(X + x, X + X)
    same(x + X, X + X)
    same(X @ x.T, X @ X.T)
    same(X == x, X == X)
    same(X < x, X < X)
    same(X ** numc.asarray(2.0), X ** 2.0)


# ---- __array_function__ ----

def test_function_numc_implements():
    x = numc.asarray(X)
    same(np.concatenate([x, x]), np.concatenate([X, X]))
    same(np.concatenate([x, X], axis=1), np.concatenate([X, X], axis=1))
    same(np.stack((x, x)), np.stack((X, X)))
    same(np.sum(x), np.sum(X))
    same(np.mean(x, axis=0), np.mean(X, axis=0))
    same(np.reshape(x, (3, 2)), np.reshape(X, (3, 2)))
    same(np.transpose(x), np.transpose(X))
    same(np.where(x > 3, x, 0.0), np.where(X > 3, X, 0.0))
    same(np.cumsum(x, axis=1), np.cumsum(X, axis=1))
    same(np.sort(-x, axis=1), np.sort(-X, axis=1))
    same(np.clip(x, 2, 4), np.clip(X, 2, 4))


FALLBACK_CANDIDATES = [  # (name, call) of NumPy functions numc may still lack
    ("ediff1d", lambda m, x: m.ediff1d(x)),
    ("unwrap", lambda m, x: m.unwrap(x)),
    ("i0", lambda m, x: m.i0(x)),
    ("correlate", lambda m, x: m.correlate(x.ravel(), x.ravel(), "full")),
    ("piecewise", lambda m, x: m.piecewise(x, [x > 3, x < 2], [0.0, lambda v: v * 2, 7.0])),
    ("polyval", lambda m, x: m.polyval([x[0, 0], 2.0, 1.0], x)),
    ("histogram2d", lambda m, x: m.histogram2d(x.ravel(), x.ravel(), bins=3)[0]),
]


def test_function_fallback_to_numpy():
    # numc has no such function: NumPy's implementation runs on NumPy views
    # of the numc arrays (also inside lists) and its result is NumPy's
    x = numc.asarray(X)
    missing = [(n, f) for n, f in FALLBACK_CANDIDATES if not hasattr(numc, n)]
    if not missing:
        pytest.skip("numc implements every candidate")
    for name, call in missing:
        r = call(np, x)
        assert type(r) is np.ndarray, name
        np.testing.assert_array_equal(r, call(np, X))


def test_function_foreign_type_not_implemented():
    class Other:
        def __array_function__(self, func, types, args, kwargs):
            return NotImplemented

    with pytest.raises(TypeError):
        np.concatenate([numc.asarray(X), Other()])


def test_asarray_stays_zero_copy_readonly():
    x = numc.asarray(np.arange(1000.0))
    v = np.asarray(x)
    assert type(v) is np.ndarray and not v.flags.writeable
    assert np.shares_memory(v, np.asarray(x))


# ---- DLPack (array API 2024.12) ----

import ctypes  # noqa: E402
import gc  # noqa: E402
import weakref  # noqa: E402

ml_dtypes = pytest.importorskip("ml_dtypes")

# the dtypes NumPy's DLPack carries; bfloat16 goes numc <-> numc (code 4)
DL_NUMPY_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                   "uint64", "float16", "float32", "float64", "complex64", "complex128"]
DL_CODES = {"b": 6, "i": 0, "u": 1, "f": 2, "c": 5}


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


def capsule_struct(cap, name, struct):
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return struct.from_address(get(cap, name.encode()))


def example(name, shape=(3, 4)):
    n = int(np.prod(shape))
    x = (np.arange(n) % 7 - 3).reshape(shape)
    if name == "bool":
        return (x > 0)
    if name.startswith("complex"):
        return (x + 1j * x[::-1]).astype(name) if x.ndim == 1 else (x - 2j).astype(name)
    return x.astype(np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else name)


def host_pointer(a):
    return np.asarray(a).__array_interface__["data"][0]


@pytest.mark.parametrize("name", DL_NUMPY_DTYPES)
def test_dlpack_to_numpy_zero_copy(name):
    x = example(name)
    a = numc.asarray(x)
    b = np.from_dlpack(a)
    assert b.dtype == x.dtype and b.shape == x.shape
    np.testing.assert_array_equal(b, x)
    assert not b.flags.writeable  # numc values are immutable
    assert host_pointer(b) == host_pointer(a)


@pytest.mark.parametrize("name", DL_NUMPY_DTYPES)
def test_dlpack_from_numpy(name):
    x = example(name)
    x.flags.writeable = False
    c = numc.from_dlpack(x)
    same_exact(c, x)
    assert host_pointer(c) == x.__array_interface__["data"][0]  # read-only: shared
    w = example(name)
    c = numc.from_dlpack(w)
    same_exact(c, w)
    assert host_pointer(c) != w.__array_interface__["data"][0]  # writable: copied
    w[0, 0] = w[1, 1]
    same_exact(c, example(name))


def same_exact(got, want):
    assert isinstance(got, numc.ndarray)
    g = np.asarray(got)
    assert g.dtype == want.dtype and g.shape == want.shape
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("view", [
    lambda x: x.T, lambda x: x[::-1], lambda x: x[:, ::2], lambda x: x[1:, ::-3],
    lambda x: x[1, 2, ...], lambda x: x[:0], lambda x: x[:, :0].T, lambda x: x[None, :, 1:2],
], ids=["T", "rev", "step", "negstep", "0d", "empty", "emptyT", "newaxis"])
def test_dlpack_layouts_both_ways(view):
    x = np.arange(24.0).reshape(4, 6)
    a = numc.asarray(x)
    same_exact(numc.asarray(np.from_dlpack(view(a))), view(x))
    xs = view(x)
    same_exact(numc.from_dlpack(xs), xs)
    r = x.copy()
    r.flags.writeable = False
    same_exact(numc.from_dlpack(view(r)), view(x))


def test_dlpack_capsules_and_flags():
    a = numc.asarray(np.arange(6, dtype=np.int16).reshape(2, 3))[:, ::-1]
    assert a.__dlpack_device__() == (1, 0)
    assert "dltensor" in repr(a.__dlpack__()) and "versioned" not in repr(a.__dlpack__())
    cap = a.__dlpack__(max_version=(1, 0))
    assert '"dltensor_versioned"' in repr(cap)
    t = capsule_struct(cap, "dltensor_versioned", DLManagedTensorVersioned)
    assert (t.major, t.minor) >= (1, 0)
    assert t.flags & 1 and not t.flags & 2  # READ_ONLY, not IS_COPIED
    d = t.dl_tensor
    assert (d.device.device_type, d.device.device_id, d.ndim) == (1, 0, 2)
    assert (d.dtype.code, d.dtype.bits, d.dtype.lanes) == (0, 16, 1)
    assert [d.shape[i] for i in range(2)] == [2, 3]
    assert [d.strides[i] for i in range(2)] == [3, -1]  # element strides, numc's layout
    cap = a.__dlpack__(max_version=(1, 1), copy=True)
    t = capsule_struct(cap, "dltensor_versioned", DLManagedTensorVersioned)
    assert t.flags & 2 and not t.flags & 1  # IS_COPIED, writable
    assert [t.dl_tensor.strides[i] for i in range(2)] == [3, 1]
    cp = np.from_dlpack(a, copy=True)
    assert cp.flags.writeable
    np.testing.assert_array_equal(cp, np.arange(6).reshape(2, 3)[:, ::-1])
    assert a.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=False) is not None
    del cap, t  # an unconsumed capsule releases its tensor


def test_dlpack_bfloat16_code_4():
    x = example("bfloat16")
    a = numc.asarray(x)
    t = capsule_struct(a.__dlpack__(max_version=(1, 0)), "dltensor_versioned",
                       DLManagedTensorVersioned)
    assert (t.dl_tensor.dtype.code, t.dl_tensor.dtype.bits) == (4, 16)

    class Producer:  # a library other than numc speaking DLPack
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    b = numc.from_dlpack(Producer(a[::-1]))
    assert b.dtype == numc.bfloat16
    np.testing.assert_array_equal(np.asarray(b), x[::-1])
    assert host_pointer(b) == host_pointer(a[::-1])  # read-only flag: shared


def test_dlpack_errors():
    a = numc.asarray([1.0, 2.0])
    with pytest.raises(BufferError, match="dl_device"):
        a.__dlpack__(max_version=(1, 0), dl_device=(2, 0))
    with pytest.raises(ValueError, match="stream"):
        a.__dlpack__(stream=1)
    with pytest.raises(TypeError, match="copy"):
        a.__dlpack__(copy="yes")
    with pytest.raises(TypeError, match="copy"):
        numc.from_dlpack(np.zeros(2), copy=1)
    with pytest.raises(AttributeError):
        numc.from_dlpack([1, 2])
    # NumPy's own limits: it has no bfloat16 DLPack type
    with pytest.raises((BufferError, RuntimeError)):
        np.from_dlpack(numc.asarray(example("bfloat16")))


def test_from_dlpack_copy_argument():
    w = np.arange(1000.0)
    assert host_pointer(numc.from_dlpack(w)) != host_pointer(w)
    shared = numc.from_dlpack(w, copy=False)  # the caller's promise: w stays unchanged
    assert host_pointer(shared) == host_pointer(w)
    r = w.copy()
    r.flags.writeable = False
    assert host_pointer(numc.from_dlpack(r, copy=True)) != host_pointer(r)
    assert host_pointer(numc.from_dlpack(r, device="cpu")) == host_pointer(r)
    a = numc.asarray([1.0])
    assert numc.from_dlpack(a) is not a
    same_exact(numc.from_dlpack(a, copy=True), np.array([1.0]))


def test_dlpack_import_holds_producer():
    x = np.arange(4096.0)
    x.flags.writeable = False
    ref = weakref.ref(x)
    c = numc.from_dlpack(x)
    v = c[10:20]  # a view keeps the memory too
    del x, c
    gc.collect()
    assert ref() is not None
    same_exact(v, np.arange(10.0, 20.0))
    del v
    gc.collect()
    assert ref() is None  # numc called the producer's deleter


def test_dlpack_export_holds_value():
    a = numc.asarray(np.arange(4096.0))
    b = np.from_dlpack(a)
    a += 1  # rebinds the handle; the exported value stays
    del a
    gc.collect()
    np.testing.assert_array_equal(b, np.arange(4096.0))


class DLOnly:
    """An array-like that speaks only DLPack (as tf/jax/torch tensors do)."""

    def __init__(self, x, legacy=False):
        self.x, self.legacy = x, legacy

    def __dlpack__(self, *args, **kw):
        if self.legacy and (args or kw):
            raise TypeError("__dlpack__() takes no arguments")
        return self.x.__dlpack__(*args, **kw)

    def __dlpack_device__(self):
        return self.x.__dlpack_device__()


@pytest.mark.parametrize("legacy", [False, True])
def test_numc_functions_accept_dlpack_objects(legacy):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    d = DLOnly(x, legacy)
    same_exact(numc.asarray(d), x)
    same_exact(numc.add(d, 1), x + 1)
    same_exact(numc.sum(d, axis=0), x.sum(axis=0))
    same_exact(numc.concatenate([d, d]), np.concatenate([x, x]))
    same_exact(numc.from_dlpack(d), x)
    same_exact(numc.asarray(d, dtype=numc.float64), x.astype(np.float64))
    r = np.arange(1000.0)
    r.flags.writeable = False
    if not legacy:  # read-only NumPy memory is viewed, not copied
        assert host_pointer(numc.asarray(DLOnly(r))) == host_pointer(r)
        assert host_pointer(numc.array(DLOnly(r))) != host_pointer(r)
    else:  # NumPy's legacy export cannot say read-only and refuses
        with pytest.raises(BufferError):
            numc.asarray(DLOnly(r, legacy))


# ---- other libraries (skipped where not installed) ----

def test_dlpack_torch():
    torch = pytest.importorskip("torch")
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    c = numc.from_dlpack(t)
    same_exact(c, t.numpy())
    same_exact(numc.add(t, 1), t.numpy() + 1)
    back = torch.from_dlpack(numc.asarray(np.arange(6.0)))
    assert back.tolist() == list(np.arange(6.0))
    for dt in (torch.bool, torch.int8, torch.int64, torch.uint8, torch.float16,
               torch.bfloat16, torch.float64, torch.complex64):
        t = (torch.arange(6) % 3).to(dt)
        r = torch.from_dlpack(numc.from_dlpack(t))
        assert r.dtype == dt and torch.equal(r, t)


def test_dlpack_jax():
    jnp = pytest.importorskip("jax.numpy")
    import jax
    x = jnp.arange(12.0, dtype=jnp.float32).reshape(3, 4)
    c = numc.from_dlpack(x)
    same_exact(c, np.asarray(x))
    back = jax.dlpack.from_dlpack(numc.asarray(np.arange(6.0, dtype=np.float32)))
    np.testing.assert_array_equal(np.asarray(back), np.arange(6.0, dtype=np.float32))
    same_exact(numc.multiply(x, 2), np.asarray(x) * 2)


def test_dlpack_tensorflow():
    tf = pytest.importorskip("tensorflow")
    t = tf.reshape(tf.range(12, dtype=tf.float32), (3, 4))
    c = numc.from_dlpack(tf.experimental.dlpack.to_dlpack(t)) if not hasattr(t, "__dlpack__") \
        else numc.from_dlpack(t)
    same_exact(c, t.numpy())
    back = tf.experimental.dlpack.from_dlpack(numc.asarray(np.arange(6.0)).__dlpack__())
    np.testing.assert_array_equal(back.numpy(), np.arange(6.0))


# ---- pickle, copy, multiprocessing ----

import copy  # noqa: E402
import multiprocessing  # noqa: E402
import pickle  # noqa: E402

PICKLE_DTYPES = DL_NUMPY_DTYPES + ["bfloat16"]


@pytest.mark.parametrize("name", PICKLE_DTYPES)
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_every_dtype(name, protocol):
    x = example(name, (5, 7))
    a = numc.asarray(x)
    for v, want in ((a, x), (a.T, x.T), (a[::2, 1:], x[::2, 1:]), (a[2, 3], x[2, 3, ...]),
                    (a[:0], x[:0])):
        b = pickle.loads(pickle.dumps(v, protocol=protocol))
        assert type(b) is numc.ndarray and b.dtype == v.dtype
        same_exact(b, want)


def test_pickle5_out_of_band():
    x = np.arange(10000.0).reshape(100, 100)
    a = numc.asarray(x)
    buffers = []
    data = pickle.dumps(a, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and len(data) < 1000  # the 80 kB went out of band
    raw = buffers[0].raw()
    assert raw.readonly and raw.nbytes == x.nbytes
    assert host_pointer(raw) == host_pointer(a)  # not copied on the way out
    b = pickle.loads(data, buffers=buffers)
    same_exact(b, x)
    assert host_pointer(b) == host_pointer(a)  # nor on the way in (read-only)
    # writable out-of-band buffers are copied: numc values never change
    w = bytearray(buffers[0].raw())
    b = pickle.loads(data, buffers=[w])
    w[:8] = b"\xff" * 8
    same_exact(b, x)
    # in-band protocol 5: one copy into the pickle, the loaded bytes viewed
    b = pickle.loads(pickle.dumps(a[:, ::2], protocol=5))
    same_exact(b, x[:, ::2])


def test_pickle_compat_and_errors():
    # pickles made before protocol 5 support (bytes payload) still load
    old = (numc._numc._reconstruct, (np.arange(3.0).tobytes(), "float64", (3,)))
    same_exact(old[0](*old[1]), np.arange(3.0))
    with pytest.raises(ValueError, match="_reconstruct"):
        numc._numc._reconstruct(b"\0" * 7, "float64", (1,))
    with pytest.raises(ValueError, match="unknown dtype"):
        numc._numc._reconstruct(b"", "float128", (0,))


def test_copy_and_deepcopy():
    a = numc.asarray(np.arange(6.0).reshape(2, 3))
    for b in (copy.copy(a), copy.deepcopy(a), copy.deepcopy([a, {"k": a}])[1]["k"]):
        assert b is not a
        same_exact(b, np.arange(6.0).reshape(2, 3))
    b = copy.deepcopy(a)
    b += 1  # the copy is its own handle
    same_exact(a, np.arange(6.0).reshape(2, 3))


def _mp_square(a):
    return a * a


def test_multiprocessing():
    # spawn: a fresh interpreter unpickles the arrays (fork would copy them)
    ctx = multiprocessing.get_context("spawn")
    xs = [numc.asarray(np.arange(3000.0) + k) for k in range(3)]
    xs.append(numc.asarray(example("bfloat16")))
    with ctx.Pool(2) as pool:
        out = pool.map(_mp_square, xs)
    for x, r in zip(xs, out):
        assert type(r) is numc.ndarray and r.dtype == x.dtype
        same_exact(r, np.asarray(x * x))
