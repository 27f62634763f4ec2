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
