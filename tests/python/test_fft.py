"""numc.fft against numpy.fft: values, dtypes and shapes of all 18 functions
over n/axis/axes/s/norm, NumPy's errors for bad input, an accuracy sweep
against a long-double DFT, and the transforms: grad against finite
differences, vmap against a loop, numc.function against eager.
"""
import warnings

import numpy as np
import pytest

import numc
import numc.fft as ncf

NORMS = [None, "backward", "ortho", "forward"]


def rand(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.kind in "iub":
        return rng.integers(-5, 6, shape).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def check(got, want, tol=None):
    assert isinstance(got, numc.ndarray), type(got)
    g = np.asarray(got)
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    assert g.shape == want.shape, (g.shape, want.shape)
    if tol is None:
        tol = 1e-5 if want.dtype in (np.complex64, np.float32, np.float16) else 1e-12
    if want.dtype == np.float16:
        tol = 1e-2
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(g, want, rtol=tol, atol=tol * scale)


# ---- table: (name, args builder, kwargs) run on NumPy and numc alike ----

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
REAL_IN = {"rfft", "ihfft", "rfftn", "rfft2"}

CASES_1D = [
    ((8,), {}),
    ((7,), {}),
    ((1,), {}),
    ((2,), {}),
    ((3, 10), {}),
    ((3, 10), {"axis": 0}),
    ((4, 5, 6), {"axis": 1}),
    ((4, 5, 6), {"axis": -3}),
    ((12,), {"n": 5}),
    ((12,), {"n": 20}),
    ((5, 9), {"n": 16, "axis": 0}),
    ((5, 9), {"n": 3, "axis": -1}),
    ((97,), {}),
    ((0, 6), {}),
]


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("shape,kw", CASES_1D, ids=lambda v: str(v))
@pytest.mark.parametrize("norm", NORMS)
def test_one_d(name, shape, kw, norm):
    dtype = np.float64 if name in REAL_IN else np.complex128
    if name in ("irfft", "hfft") and kw.get("n") is None:
        ax = kw.get("axis", -1)
        if shape[ax] < 2:
            pytest.skip("default n = 2(m-1) < 1: an error case, tested below")
    x = rand(shape, dtype)
    want = getattr(np.fft, name)(x, norm=norm, **kw)
    check(getattr(ncf, name)(numc.asarray(x), norm=norm, **kw), want)


CASES_ND = [
    ((4, 6), {}),
    ((3, 5), {}),
    ((2, 3, 4), {}),
    ((2, 3, 4), {"axes": (0, 2)}),
    ((2, 3, 4), {"axes": (2, 0)}),
    ((4, 6), {"s": (3, 8), "axes": (0, 1)}),
    ((4, 6), {"s": (5, -1), "axes": (0, 1)}),
    ((2, 3, 8), {"s": (4, 10), "axes": (-1, -2)}),
    ((5, 7), {"axes": (0, 0)}),
    ((5, 7), {"axes": (1,)}),
    ((3, 4, 5), {"axes": (1, 2, 0)}),
]


@pytest.mark.parametrize("name", N_D)
@pytest.mark.parametrize("shape,kw", CASES_ND, ids=lambda v: str(v))
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_n_d(name, shape, kw, norm):
    if name.endswith("2") and len(kw.get("axes", (0, 1))) != 2:
        pytest.skip("2-d functions take two axes")
    dtype = np.float64 if name in REAL_IN else np.complex128
    x = rand(shape, dtype, seed=1)
    want = getattr(np.fft, name)(x, norm=norm, **kw)
    check(getattr(ncf, name)(numc.asarray(x), norm=norm, **kw), want)


@pytest.mark.parametrize("name", ONE_D + N_D)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128",
                                   "int8", "int64", "uint16", "bool"])
def test_dtypes(name, dtype):
    if name in REAL_IN and dtype.startswith("complex"):
        pytest.skip("complex input is a TypeError there (tested below)")
    x = rand((4, 6), dtype, seed=2)
    want = getattr(np.fft, name)(x)
    # NumPy scales float16 input by a float16 factor (1/n rounded to 11 bits)
    check(getattr(ncf, name)(numc.asarray(x)), want, tol=2e-3 if dtype == "float16" else None)


def test_list_input_and_scalars():
    check(ncf.fft([1, 2, 3]), np.fft.fft([1, 2, 3]))
    check(ncf.rfft([1.0, 2.0, 0.5, 4.0]), np.fft.rfft([1.0, 2.0, 0.5, 4.0]))
    # no axes: NumPy hands the input back unchanged
    got = ncf.fftn(numc.asarray(2.5))
    assert np.asarray(got).dtype == np.float64 and float(got) == 2.5
    got = ncf.fftn(numc.ones((2, 3)), axes=())
    assert np.asarray(got).dtype == np.float64


def test_roundtrips():
    x = rand((6, 10), np.complex128, seed=3)
    check(ncf.ifft(ncf.fft(numc.asarray(x))), x)
    check(ncf.ifftn(ncf.fftn(numc.asarray(x))), x)
    r = rand((6, 10), np.float64, seed=4)
    check(ncf.irfft(ncf.rfft(numc.asarray(r))), r)
    check(ncf.irfftn(ncf.rfftn(numc.asarray(r)), s=r.shape, axes=(0, 1)), r)
    check(ncf.hfft(ncf.ihfft(numc.asarray(r)), n=10), r)


def test_s_deprecations_match_numpy():
    x = rand((4, 6), np.complex128)
    with pytest.warns(DeprecationWarning):
        want = np.fft.fftn(x, s=(3, 5))
    with pytest.warns(DeprecationWarning):
        got = ncf.fftn(numc.asarray(x), s=(3, 5))
    check(got, want)
    with pytest.warns(DeprecationWarning):
        want = np.fft.irfftn(x, s=(3, None), axes=(0, 1))
    with pytest.warns(DeprecationWarning):
        got = ncf.irfftn(numc.asarray(x), s=(3, None), axes=(0, 1))
    check(got, want)


def test_out():
    x = rand((3, 8), np.complex128)
    out = numc.zeros((3, 8), dtype=numc.complex128)
    r = ncf.fft(numc.asarray(x), out=out)
    assert r is out
    check(out, np.fft.fft(x))
    with pytest.raises(ValueError, match="output array has wrong shape."):
        ncf.fft(numc.asarray(x), out=numc.zeros((3, 7), dtype=numc.complex128))


# ---- frequencies and shifts ----

@pytest.mark.parametrize("n", [1, 2, 5, 8, 11])
@pytest.mark.parametrize("d", [1.0, 0.1, 2])
def test_freqs(n, d):
    check(ncf.fftfreq(n, d), np.fft.fftfreq(n, d), tol=0)
    check(ncf.rfftfreq(n, d), np.fft.rfftfreq(n, d), tol=0)
    check(ncf.fftfreq(n), np.fft.fftfreq(n), tol=0)


@pytest.mark.parametrize("shape,axes", [((5,), None), ((4, 7), None), ((4, 7), 0),
                                        ((4, 7), (1,)), ((3, 4, 5), (0, 2)), ((4, 7), -1)])
def test_shifts(shape, axes):
    x = np.arange(np.prod(shape)).reshape(shape)
    check(ncf.fftshift(numc.asarray(x), axes=axes), np.fft.fftshift(x, axes=axes), tol=0)
    check(ncf.ifftshift(numc.asarray(x), axes=axes), np.fft.ifftshift(x, axes=axes), tol=0)
    check(ncf.ifftshift(ncf.fftshift(numc.asarray(x), axes), axes), x, tol=0)


# ---- bad input: NumPy's exception classes and messages ----

BAD = [
    ("fft", (np.ones(3),), {"n": 0}),
    ("fft", (np.ones(3),), {"n": -2}),
    ("fft", (np.ones(0),), {}),
    ("irfft", (np.ones(1),), {}),
    ("hfft", (np.ones(1),), {}),
    ("fft", (np.ones(3),), {"axis": 2}),
    ("fft", (np.ones(3),), {"n": 4, "axis": 2}),
    ("fft", (np.ones(3),), {"n": 4, "axis": -2}),
    ("fft", (np.float64(3.0),), {}),
    ("fft", (np.ones(3),), {"norm": "x"}),
    ("ifft", (np.ones(3),), {"norm": "x"}),
    ("rfft", (np.ones(3) + 1j,), {}),
    ("rfft", (np.ones(4) + 1j,), {}),
    ("fft2", (np.ones(3),), {}),
    ("fftn", (np.ones((3, 3)),), {"s": (2,), "axes": (0, 1)}),
    ("fftn", (np.ones((2, 3)),), {"axes": (0, 5)}),
    ("fftn", (np.ones((2, 3)),), {"s": (2, 2), "axes": (0, 5)}),
    ("fftn", (np.ones((2, 3)),), {"s": (0, 2), "axes": (0, 1)}),
    ("rfftn", (np.ones((2, 3)),), {"axes": ()}),
    ("fft", (np.ones((2, 3)),), {"n": 3.0}),
    ("fftfreq", (0,), {}),
    ("fftfreq", (4,), {"d": 0}),
    ("fftfreq", (4.0,), {}),
    ("fftshift", (np.arange(5),), {"axes": 3}),
]


@pytest.mark.parametrize("name,args,kw", BAD, ids=lambda v: str(v))
def test_errors(name, args, kw):
    with pytest.raises(Exception) as want:
        getattr(np.fft, name)(*args, **kw)
    nargs = tuple(numc.asarray(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in args)
    with pytest.raises(want.type) as got:
        getattr(ncf, name)(*nargs, **kw)
    assert str(got.value) == str(want.value)


# ---- accuracy against a long-double DFT (the C test sweeps more lengths) ----

def dft_longdouble(x, sign):
    n = len(x)
    k = np.arange(n, dtype=np.int64)
    jk = np.outer(k, k) % n
    ang = np.longdouble(2) * np.pi * jk.astype(np.longdouble) / np.longdouble(n)
    c, s = np.cos(ang), np.sin(ang) * sign
    xr = x.real.astype(np.longdouble)
    xi = x.imag.astype(np.longdouble)
    return c @ xr - s @ xi, c @ xi + s @ xr


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 97, 100, 128, 243, 1000, 1009])
def test_accuracy_long_double(n):
    x = rand((n,), np.complex128, seed=n)
    got = np.asarray(ncf.fft(numc.asarray(x)))
    re, im = dft_longdouble(x, -1)
    err = np.sqrt(np.sum((got.real - re) ** 2 + (got.imag - im) ** 2) / np.sum(re**2 + im**2))
    assert float(err) < 6e-16, float(err)
    ref = np.fft.fft(x)
    err_np = np.sqrt(np.sum((ref.real - re) ** 2 + (ref.imag - im) ** 2) / np.sum(re**2 + im**2))
    assert float(err) <= 2 * float(err_np) + 1e-17


@pytest.mark.parametrize("n", [4096, 65537, 1000000])
def test_large_lengths_vs_numpy(n):
    x = rand((n,), np.float64, seed=1)
    check(ncf.rfft(numc.asarray(x)), np.fft.rfft(x), tol=1e-12)
    z = rand((n,), np.complex64, seed=2)
    check(ncf.fft(numc.asarray(z)), np.fft.fft(z), tol=2e-5)


# ---- transforms: grad, vmap, function ----

EPS = 1e-6

GRAD_FNS = {
    "fft": lambda m, a: m.fft.fft(a * (1 + 0.5j), n=6),
    "ifft_ortho": lambda m, a: m.fft.ifft(a + 0.25j, norm="ortho"),
    "rfft": lambda m, a: m.fft.rfft(a, n=7),
    "rfft_even": lambda m, a: m.fft.rfft(a),
    "irfft": lambda m, a: m.fft.irfft(a * (1 - 0.3j), n=8),
    "irfft_odd": lambda m, a: m.fft.irfft(a * (1 - 0.3j), n=9),
    "hfft": lambda m, a: m.fft.hfft(a + 0.1j),
    "ihfft": lambda m, a: m.fft.ihfft(a, norm="forward"),
    "fft2": lambda m, a: m.fft.fft2(a + 0j),
    "rfftn": lambda m, a: m.fft.rfftn(a, axes=(0, 1)),
    "irfftn": lambda m, a: m.fft.irfftn(a * (1 + 1j), s=(5, 6), axes=(0, 1)),
}


def loss(m, f, a):
    y = f(m, a)
    w = m.cos(m.arange(y.size).reshape(y.shape) * 0.7)
    if y.dtype.kind == "c":
        return (m.real(y) * w).sum() + (m.imag(y) * w * w).sum()
    return (y * w).sum()


@pytest.mark.parametrize("name", sorted(GRAD_FNS))
def test_grad_vs_finite_differences(name):
    f = GRAD_FNS[name]
    x = rand((4, 6), np.float64, seed=5)
    g = np.asarray(numc.grad(lambda a: loss(numc, f, a))(numc.asarray(x)))
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += EPS
        xm[idx] -= EPS
        fd[idx] = (loss(np, f, xp) - loss(np, f, xm)) / (2 * EPS)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)


VMAP_FNS = {
    "fft": lambda a: ncf.fft(a, n=5),
    "ifft_axis0": lambda a: ncf.ifft(a, axis=0),
    "rfft": lambda a: ncf.rfft(a.real),
    "irfft": lambda a: ncf.irfft(a, n=6, axis=0),
    "fft2": lambda a: ncf.fft2(a, norm="ortho"),
    "rfftn": lambda a: ncf.rfftn(a.real, axes=(1, 0)),
}


@pytest.mark.parametrize("name", sorted(VMAP_FNS))
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_vs_loop(name, in_axis):
    f = VMAP_FNS[name]
    xs = rand((3, 4, 5), np.complex128, seed=6)
    got = numc.vmap(f, in_axes=in_axis)(numc.asarray(xs))
    loop = np.stack([np.asarray(f(numc.asarray(np.take(xs, i, axis=in_axis))))
                     for i in range(xs.shape[in_axis])])
    check(got, loop)


@pytest.mark.parametrize("name", sorted(VMAP_FNS))
def test_function_vs_eager(name):
    f = VMAP_FNS[name]
    x = numc.asarray(rand((4, 5), np.complex128, seed=7))
    check(numc.function(f)(x), np.asarray(f(x)), tol=0)


def test_grad_of_vmap_and_function():
    x = rand((3, 8), np.float64, seed=8)

    def f(a):
        return (numc.abs(ncf.rfft(a)) ** 2).sum()

    g1 = numc.grad(f)(numc.asarray(x))
    g2 = numc.grad(numc.function(f))(numc.asarray(x))
    g3 = numc.vmap(numc.grad(f))(numc.asarray(x))
    # Parseval on rfft's bins: d/dx sum |X_k|^2 weights the doubled bins
    want = np.stack([np.asarray(numc.grad(f)(numc.asarray(r))) for r in x])
    check(g3, want)
    check(g1, np.asarray(g2))


def test_threads_agree():
    x = rand((64, 4096), np.complex128, seed=9)
    want = np.fft.fft(x, axis=0)
    with warnings.catch_warnings():
        got = ncf.fft(numc.asarray(x), axis=0)
    check(got, want)
