"""Sorting and searching against NumPy: special values (NaN, inf, -0.0,
complex NaNs), ties (numc sorts are stable), every dtype, axes, empty and
large inputs (the radix path), errors; grad vs finite differences, vmap vs a
loop, numc.function vs eager. The optable rows (MANIP) add every-dtype and
view checks."""
import numpy as np
import pytest

import optable as T

COVERS = ["sort", "argsort"]

ALL = T.DTYPES


def special(dt, n, rng):
    """n values of dt with many ties and, for floats, NaN/inf/-0.0."""
    npd = T.np_dtype(dt)
    if dt == "bool":
        return rng.integers(0, 2, n).astype(bool)
    if dt in T.INT:
        info = np.iinfo(npd)
        pool = np.array([info.min, info.max, 0, 1, 2, 3, info.max - 1], dtype=npd)
        small = rng.integers(0, 5, n).astype(npd)
        return np.where(rng.random(n) < 0.3, pool[rng.integers(0, len(pool), n)], small)
    pool = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0])
    vals = np.where(rng.random(n) < 0.5, pool[rng.integers(0, len(pool), n)],
                    rng.integers(-3, 4, n).astype(np.float64))
    if dt in T.COMPLEX:
        im = np.where(rng.random(n) < 0.5, pool[rng.integers(0, len(pool), n)],
                      rng.integers(-2, 3, n).astype(np.float64))
        return cplx(vals, im, npd)
    return vals.astype(npd)


def cplx(re, im, dt):
    out = np.empty(len(re), dtype=dt)
    out.real, out.imag = re, im
    return out


@pytest.mark.parametrize("dt", ALL)
@pytest.mark.parametrize("n", [1, 7, 300])
def test_special_values_every_dtype(nc, dt, n):
    rng = T.rng_for("sort-special", dt, n)
    x = special(dt, n, rng)
    if dt in T.COMPLEX:  # real + 1j*imag would turn (inf, nan) pairs into NaN parts
        x = cplx(special("float64", n, rng), special("float64", n, rng), x.dtype)
    ref = x.astype(np.float32) if dt == "bfloat16" else x
    a = T.to_nc(nc, x)
    order = np.argsort(ref, kind="stable")
    T.check(nc.argsort(a), order, ctx=f"argsort[{dt}]")
    got = T.to_np(nc.sort(a))
    exp = x[order]
    assert got.dtype == exp.dtype
    # bitwise identical: the permutation is the stable one, so even -0.0/0.0
    # ties and NaN payloads keep their input order
    assert got.tobytes() == exp.tobytes(), (dt, got, exp)


def test_complex_nan_order(nc):
    nan, inf = np.nan, np.inf
    z = cplx([nan, 1, nan, 1, 1, -inf, 0, nan, 1],
             [nan, nan, 1, 2, 1, 0, nan, -inf, -inf], np.complex128)
    for dt in ("complex64", "complex128"):
        x = z.astype(dt)
        T.check(nc.argsort(nc.asarray(x)), np.argsort(x, kind="stable"), ctx=dt)
        assert np.asarray(nc.sort(nc.asarray(x))).tobytes() == np.sort(x, kind="stable").tobytes()


@pytest.mark.parametrize("dt", ["int8", "uint16", "int32", "uint32", "int64", "uint64",
                                "float16", "float32", "float64", "complex64"])
def test_large_rows_radix(nc, dt):
    rng = T.rng_for("sort-large", dt)
    npd = np.dtype(dt)
    if npd.kind in "iu":
        info = np.iinfo(npd)
        x = rng.integers(info.min, info.max, (3, 5000), dtype=npd, endpoint=True)
        x[:, ::7] = x[0, 0]  # ties
    elif npd.kind == "c":
        x = (rng.integers(-50, 50, (3, 5000)) + 1j * rng.integers(-50, 50, (3, 5000))).astype(npd)
    else:
        x = (rng.standard_normal((3, 5000)) * 1e3).astype(npd)
        x[:, ::11] = np.nan
        x[:, ::13] = -0.0
    a = nc.asarray(x)
    for ax in (0, 1, -1):
        T.check(nc.argsort(a, axis=ax), np.argsort(x, axis=ax, kind="stable"), ctx=f"{dt} ax{ax}")
        assert np.asarray(nc.sort(a, axis=ax)).tobytes() == \
            np.take_along_axis(x, np.argsort(x, axis=ax, kind="stable"), ax).tobytes()


def test_axes_and_views(nc):
    rng = T.rng_for("sort-axes")
    x = rng.integers(0, 4, (3, 4, 5)).astype(np.float32)
    a = nc.asarray(x)
    for ax in (None, 0, 1, 2, -1, -2, -3):
        T.check(nc.sort(a, axis=ax), np.sort(x, axis=ax), ctx=f"axis={ax}")
        T.check(nc.argsort(a, axis=ax), np.argsort(x, axis=ax, kind="stable"), ctx=f"axis={ax}")
    v = a.transpose(2, 0, 1)[::-1, :, ::2]
    xv = x.transpose(2, 0, 1)[::-1, :, ::2]
    for ax in (0, 1, 2):
        T.check(nc.argsort(v, axis=ax), np.argsort(xv, axis=ax, kind="stable"))
        T.check(nc.sort(v, axis=ax), np.sort(xv, axis=ax))


def test_kind_and_stable_accepted(nc):
    x = np.array([3, 1, 3, 1, 2], dtype=np.int16)
    for kind in (None, "quicksort", "mergesort", "heapsort", "stable"):
        T.check(nc.sort(nc.asarray(x), kind=kind), np.sort(x))
        T.check(nc.argsort(nc.asarray(x), kind=kind), np.argsort(x, kind="stable"))
    T.check(nc.argsort(nc.asarray(x), stable=True), np.argsort(x, stable=True))


def test_scalars_and_0d(nc):
    T.check(nc.argsort(nc.asarray(5.0)), np.argsort(np.array(5.0)))
    T.check(nc.sort(nc.asarray(5.0), axis=None), np.sort(np.array(5.0), axis=None))
    T.check(nc.sort([3, 1, 2]), np.sort([3, 1, 2]))
    T.check(nc.sort(3.5, axis=None), np.sort(3.5, axis=None))
    with pytest.raises(np.exceptions.AxisError):
        nc.sort(nc.asarray(5.0))


@pytest.mark.parametrize("fn", ["sort", "argsort"])
def test_axis_errors(nc, fn):
    a = nc.zeros((2, 3))
    for ax in (2, -3):
        with pytest.raises(np.exceptions.AxisError) as e:
            getattr(nc, fn)(a, axis=ax)
        with pytest.raises(np.exceptions.AxisError) as en:
            getattr(np, fn)(np.zeros((2, 3)), axis=ax)
        assert str(e.value) == str(en.value)
    with pytest.raises(TypeError):
        getattr(nc, fn)(a, axis=1.5)


def test_argsort_method(nc):
    x = np.array([[2.0, 1.0, 2.0], [0.0, -1.0, 5.0]])
    T.check(nc.asarray(x).argsort(axis=0), np.argsort(x, axis=0, kind="stable"))
    T.check(nc.asarray(x).argsort(), np.argsort(x, kind="stable"))


# ---------------------------------------------------------------------------
# transforms

def _fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("axis", [0, 1, None])
def test_sort_grad_vs_finite_differences(nc, axis):
    rng = T.rng_for("sort-grad", axis)
    x = rng.standard_normal((4, 5))
    w = rng.standard_normal(np.sort(x, axis=axis).shape)

    def loss_np(v):
        return float(np.sum(np.sort(v, axis=axis) * w))

    g = nc.grad(lambda v: (nc.sort(v, axis=axis) * nc.asarray(w)).sum())(nc.asarray(x))
    assert g.dtype == nc.float64 and g.shape == x.shape
    np.testing.assert_allclose(np.asarray(g), _fd_grad(loss_np, x), rtol=1e-6, atol=1e-8)
    # the VJP is a permutation: grad of the sorted values is w scattered back
    exp = np.empty_like(x)
    if axis is None:
        exp.reshape(-1)[np.argsort(x, axis=None, kind="stable")] = w
    else:
        np.put_along_axis(exp, np.argsort(x, axis=axis, kind="stable"), w, axis)
    np.testing.assert_array_equal(np.asarray(g), exp)


def test_sort_second_order_and_complex_grad(nc):
    x = np.array([0.3, -1.2, 2.0, 0.7])
    # d/dx sum(sort(x)**3) = 3 x**2; its second derivative is 6 x (diagonal)
    h = nc.grad(lambda v: nc.grad(lambda u: (nc.sort(u) ** 3).sum())(v).sum())(nc.asarray(x))
    np.testing.assert_allclose(np.asarray(h), 6 * x, rtol=1e-12)
    z = np.array([1 + 2j, -1 + 0j, 0.5 - 1j])
    g = nc.grad(lambda v: nc.real(nc.sort(v) * nc.asarray([1.0, 2.0, 3.0])).sum())(nc.asarray(z))
    order = np.argsort(z, kind="stable")
    exp = np.empty(3, complex)
    exp[order] = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(np.asarray(g), exp)


@pytest.mark.parametrize("fn", ["sort", "argsort"])
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_vs_loop(nc, fn, in_axis):
    rng = T.rng_for("sort-vmap", fn, in_axis)
    x = rng.integers(-3, 4, (3, 4, 5)).astype(np.float64)
    x[0, 0, 0] = np.nan
    f = getattr(nc, fn)
    for ax in (0, -1, None):
        got = nc.vmap(lambda v: f(v, axis=ax), in_axes=in_axis)(nc.asarray(x))
        exp = np.stack([np.asarray(f(nc.asarray(np.take(x, i, axis=in_axis)), axis=ax))
                        for i in range(x.shape[in_axis])])
        T.check(got, exp, ctx=f"{fn} in_axis={in_axis} axis={ax}")


def test_vmap_of_grad_and_function(nc):
    rng = T.rng_for("sort-vmap-grad")
    x = rng.standard_normal((3, 6))
    w = nc.asarray(np.arange(6.0))
    gf = nc.grad(lambda v: (nc.sort(v) * w).sum())
    got = nc.vmap(gf)(nc.asarray(x))
    exp = np.stack([np.asarray(gf(nc.asarray(r))) for r in x])
    T.check(got, exp)
    fn = nc.function(lambda v: (nc.sort(v, axis=0), nc.argsort(v, axis=None)))
    s, p = fn(nc.asarray(x))
    T.check(s, np.sort(x, axis=0))
    T.check(p, np.argsort(x, axis=None, kind="stable"))
    gfn = nc.function(gf)
    T.check(gfn(nc.asarray(x[0])), np.asarray(gf(nc.asarray(x[0]))))
