"""Interop and the thread budget (issue 10): NumPy understands numc's dtypes,
asarray/array from NumPy arrays, buffers and array.array (contiguous,
strided, byte-swapped), BLAS products split over numc's pool at any thread
count, and threadpoolctl sees and limits that pool. NumPy is the oracle."""
import array

import numpy as np
import pytest

import numc

ml_dtypes = pytest.importorskip("ml_dtypes")

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]


def np_dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


# ---- NumPy understands numc's dtypes ----

@pytest.mark.parametrize("name", DTYPES)
def test_numpy_dtype_of_numc_types(name):
    scalar_type = getattr(numc, "bool_" if name == "bool" else name)
    want = np_dtype(name)
    assert np.dtype(scalar_type) == want
    assert np.dtype(numc.dtype(name)) == want
    assert scalar_type.dtype == want
    assert numc.dtype(name).dtype == want
    z = np.zeros(2, dtype=scalar_type)
    assert z.dtype == want and z.shape == (2,)
    assert np.array([1, 0, 1]).astype(scalar_type).dtype == want


def test_numpy_dtype_examples():
    x = np.arange(4, dtype=np.int32)
    y = x.astype(numc.float64)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [0.0, 1.0, 2.0, 3.0])
    b = np.zeros(2, dtype=numc.bfloat16)
    assert b.dtype == ml_dtypes.bfloat16
    assert np.dtype(numc.float32) == np.float32
    assert np.empty((2, 3), dtype=numc.dtype("complex64")).dtype == np.complex64
    # numc's own parsing of its types is unchanged
    assert numc.zeros(2, dtype=numc.float32).dtype == numc.float32
    assert numc.dtype(numc.int16) == numc.int16


# ---- asarray / array from NumPy arrays, buffers, array.array ----

@pytest.mark.parametrize("name", ["bool", "int8", "int32", "uint64", "float16", "float32",
                                  "float64", "complex64", "complex128"])
@pytest.mark.parametrize("n", [0, 1, 1000, 100_003])
def test_asarray_contiguous(name, n):
    x = (np.arange(n) % 7).astype(name)
    for make in (numc.asarray, numc.array):
        a = make(x)
        assert str(a.dtype) == name and a.shape == x.shape
        np.testing.assert_array_equal(np.asarray(a), x)


def test_asarray_bfloat16():
    x = np.arange(10, dtype=np.float32).astype(ml_dtypes.bfloat16).reshape(2, 5)
    a = numc.asarray(x)
    assert a.dtype == numc.bfloat16 and a.shape == (2, 5)
    np.testing.assert_array_equal(np.asarray(a).astype(np.float32), x.astype(np.float32))


def strided_views(x):
    return [x, x[:, ::2], x[::-1, 1::3], x.T, x[1:, :-1], x[:, 3]]


@pytest.mark.parametrize("name", ["int16", "float32", "float64", "complex128"])
def test_asarray_noncontiguous(name):
    x = (np.arange(60).reshape(6, 10) * 1.25).astype(name)
    for v in strided_views(x):
        a = numc.asarray(v)
        assert a.shape == v.shape and str(a.dtype) == name
        np.testing.assert_array_equal(np.asarray(a), v)


@pytest.mark.parametrize("code", [">f4", ">f8", ">i2", ">i8", ">u4", ">c8", ">c16", ">f2"])
def test_asarray_byteswapped(code):
    x = (np.arange(60).reshape(6, 10) * 1.5 - 20)
    if code[1] in "iu":
        x = np.abs(x).astype(np.int64)
    x = x.astype(code)
    if code[1] == "c":
        x = x + 1j * x[::-1]
        x = x.astype(code)
    for v in strided_views(x):
        a = numc.asarray(v)
        want = v.astype(v.dtype.newbyteorder("="))
        assert str(a.dtype) == want.dtype.name and a.shape == v.shape
        np.testing.assert_array_equal(np.asarray(a), want)


def test_asarray_array_array_and_memoryview():
    for code, name in (("d", "float64"), ("f", "float32"), ("h", "int16"), ("B", "uint8"),
                       ("q", "int64")):
        src = array.array(code, range(50))
        a = numc.asarray(src)
        assert str(a.dtype) == name and a.shape == (50,)
        np.testing.assert_array_equal(np.asarray(a), np.arange(50, dtype=name))
        m = numc.asarray(memoryview(src)[::3])
        np.testing.assert_array_equal(np.asarray(m), np.arange(50, dtype=name)[::3])
    # a multi-dimensional memoryview of a NumPy array
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(np.asarray(numc.asarray(memoryview(x))), x)


def test_asarray_is_a_snapshot_of_writable_sources():
    x = np.arange(5.0)
    a = numc.asarray(x)
    x[0] = 100.0
    assert float(a[0]) == 0.0
    src = array.array("d", [1.0, 2.0])
    b = numc.array(src)
    src[1] = 7.0
    np.testing.assert_array_equal(np.asarray(b), [1.0, 2.0])


def readonly(x):
    x = x.copy()
    x.flags.writeable = False
    return x


def test_asarray_zero_copy_of_readonly_sources():
    import gc
    import sys
    # (buffers under 1 KiB are copied: cheaper than holding the exporter)
    x = readonly(np.arange(2000.0).reshape(40, 50))
    base = sys.getrefcount(x)
    a = numc.asarray(x)
    assert np.shares_memory(np.asarray(a), x)
    assert sys.getrefcount(x) == base + 1  # the view holds its exporter
    np.testing.assert_array_equal(np.asarray(a + 1), x + 1)
    for v in (x[::-1, ::2], x.T, x[1:, 1:30]):
        w = numc.asarray(v)
        assert np.shares_memory(np.asarray(w), x)
        np.testing.assert_array_equal(np.asarray(w), v)
        np.testing.assert_array_equal(np.asarray(numc.sum(w, axis=0)), v.sum(axis=0))
    del w, v
    # the source may go: the view keeps its memory alive
    b = numc.asarray(readonly(np.linspace(0, 1, 7, dtype=np.float32)))
    gc.collect()
    np.testing.assert_array_equal(np.asarray(b), np.linspace(0, 1, 7, dtype=np.float32))
    del a
    gc.collect()
    assert sys.getrefcount(x) == base
    # broadcast views (read-only, zero strides) and bytes through memoryview
    y = np.broadcast_to(np.arange(200.0), (4, 200))
    np.testing.assert_array_equal(np.asarray(numc.asarray(y)), y)
    assert np.shares_memory(np.asarray(numc.asarray(y)), y)
    small = readonly(np.arange(5.0))
    assert not np.shares_memory(np.asarray(numc.asarray(small)), small)
    m = numc.asarray(memoryview(np.arange(6, dtype=np.int16).tobytes()).cast("h"))
    np.testing.assert_array_equal(np.asarray(m), np.arange(6, dtype=np.int16))


def test_readonly_sources_copied_when_asked():
    x = readonly(np.arange(200.0))
    for a in (numc.array(x), numc.asarray(x, copy=True), numc.array(x, copy=True)):
        assert not np.shares_memory(np.asarray(a), x)
        np.testing.assert_array_equal(np.asarray(a), x)
    assert np.shares_memory(np.asarray(numc.array(x, copy=False)), x)
    # writable sources are always copied (numc values are immutable)
    w = np.arange(200.0)
    assert not np.shares_memory(np.asarray(numc.asarray(w)), w)


def test_index_assignment_never_writes_into_a_shared_source():
    x = readonly(np.arange(200.0))
    a = numc.asarray(x)
    assert np.shares_memory(np.asarray(a), x)
    a[1] = -5.0
    a += 1
    np.testing.assert_array_equal(x, np.arange(200.0))
    want = np.arange(200.0) + 1
    want[1] = -4.0
    np.testing.assert_array_equal(np.asarray(a), want)


def test_asarray_with_dtype():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    a = numc.asarray(x, dtype=numc.float32)
    assert a.dtype == numc.float32
    np.testing.assert_array_equal(np.asarray(a), x.astype(np.float32))
    b = numc.asarray(x.astype(">i4"), dtype="float64")
    np.testing.assert_array_equal(np.asarray(b), x.astype(np.float64))


# ---- BLAS products split over numc's pool ----

@pytest.fixture
def threads():
    before = numc.num_threads()
    yield
    numc.num_threads(before)


@pytest.mark.parametrize("nthreads", [1, 2, 3, 5])
def test_matmul_split_over_pool(threads, nthreads):
    assert numc.num_threads(nthreads) == nthreads
    rng = np.random.default_rng(0)
    cases = [
        ((3, 300, 200), (3, 200, 150)),  # batched; row chunks cross batches
        ((7, 257, 130), (7, 130, 129)),
        ((513, 300), (300, 257)),
        ((600, 700), (700,)),            # matrix-vector
        ((700,), (700, 900)),            # vector-matrix
        ((5, 1, 900), (5, 900, 800)),    # batched vector-matrix
    ]
    for sa, sb in cases:
        for dt, tol in (("float32", 2e-4), ("float64", 1e-11), ("complex64", 2e-4)):
            x = rng.standard_normal(sa).astype(dt)
            y = rng.standard_normal(sb).astype(dt)
            want = np.matmul(x.astype(np.complex128), y.astype(np.complex128))
            got = np.asarray(numc.matmul(numc.asarray(x), numc.asarray(y)))
            assert got.dtype == np.dtype(dt) and got.shape == want.shape
            scale = np.sqrt(sa[-1])
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def test_matmul_split_transposed_operands(threads):
    numc.num_threads(3)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 300)).astype(np.float32)
    y = rng.standard_normal((500, 400)).astype(np.float32)
    a, b = numc.asarray(x), numc.asarray(y)
    for got, want in ((a.T @ b.T, x.T @ y.T), (a.T @ a, x.T @ x), (b @ a, y @ x),
                      (numc.matmul(a.T, a[:, ::2]), x.T @ x[:, ::2])):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-3)


def test_num_threads_lowered_and_raised(threads):
    assert numc.num_threads(4) == 4
    assert numc.num_threads(1) == 1
    x = np.arange(3 * 10**6, dtype=np.float64)
    np.testing.assert_allclose(float(numc.sum(numc.asarray(x))), x.sum())
    assert numc.num_threads(2) == 2
    np.testing.assert_allclose(np.asarray(numc.exp(numc.asarray(x[:10**6] * 1e-6))),
                               np.exp(x[:10**6] * 1e-6))


# ---- threadpoolctl sees and limits numc's pool ----

def test_threadpoolctl_controls_numc(threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not hasattr(threadpoolctl, "register"):
        pytest.skip("threadpoolctl < 3.5 has no register()")
    numc.num_threads(3)
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "numc"]
    assert len(info) == 1
    assert info[0]["internal_api"] == "numc" and info[0]["num_threads"] == 3
    assert info[0]["version"] == numc.__version__
    with threadpoolctl.threadpool_limits(limits=1, user_api="numc"):
        assert numc.num_threads() == 1
        x = np.arange(12.0).reshape(3, 4)
        np.testing.assert_array_equal(np.asarray(numc.asarray(x) @ numc.asarray(x.T)), x @ x.T)
    assert numc.num_threads() == 3
    with threadpoolctl.threadpool_limits(limits={"numc": 2}):
        assert numc.num_threads() == 2
    assert numc.num_threads() == 3
    # numc's OpenBLAS stays single-threaded: numc's pool splits the products
    with threadpoolctl.threadpool_limits(limits=2):
        rng = np.random.default_rng(2)
        x = rng.standard_normal((300, 400)).astype(np.float32)
        got = np.asarray(numc.asarray(x) @ numc.asarray(x.T))
        np.testing.assert_allclose(got, x @ x.T, rtol=1e-4, atol=1e-3)
