"""Sorting and searching against NumPy: special values (NaN, inf, -0.0,
complex NaNs), ties (numc sorts are stable), every dtype, axes, empty and
large inputs (the radix path), errors; grad vs finite differences, vmap vs a
loop, numc.function vs eager. The optable rows (MANIP) add every-dtype and
view checks."""
import numpy as np
import pytest

import optable as T

COVERS = ["sort", "argsort", "searchsorted", "lexsort", "partition", "argpartition", "argwhere",
          "flatnonzero", "extract", "unique", "unique_all", "unique_counts", "unique_inverse",
          "unique_values", "isin", "intersect1d", "union1d", "setdiff1d", "setxor1d",
          "_sort_method"]

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


def test_sort_method_rebinds(nc):
    """a.sort() sorts in place as NumPy's does; numc rebinds the handle to the
    sorted value (views taken before keep the old values)."""
    x = np.array([[2.0, np.nan, 1.0], [0.0, -1.0, 5.0]])
    a = nc.asarray(x)
    before = a[0]
    assert a.sort(axis=0) is None
    x.sort(axis=0)
    T.check(a, x)
    a.sort()
    x.sort()
    T.check(a, x)
    T.check(before, np.array([2.0, np.nan, 1.0]))
    with pytest.raises(np.exceptions.AxisError):
        a.sort(axis=2)


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


# ---------------------------------------------------------------------------
# searching

@pytest.mark.parametrize("dt", ["int8", "uint64", "float16", "bfloat16", "float32", "float64",
                                "complex128", "bool"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(nc, dt, side):
    rng = T.rng_for("searchsorted", dt, side)
    a = np.sort(special(dt, 40, rng).astype(T.np_dtype(dt)))
    v = special(dt, 30, rng).reshape(5, 6)
    if dt in T.COMPLEX:
        a = np.sort(cplx(special("float64", 40, rng), special("float64", 40, rng), np.complex128))
        v = cplx(special("float64", 30, rng), special("float64", 30, rng), np.complex128)
        v = v.reshape(5, 6)
    ra, rv = (a.astype(np.float32), v.astype(np.float32)) if dt == "bfloat16" else (a, v)
    got = nc.searchsorted(T.to_nc(nc, a), T.to_nc(nc, v), side=side)
    T.check(got, np.searchsorted(ra, rv, side=side), ctx=f"{dt} {side}")
    T.check(nc.searchsorted(T.to_nc(nc, a), T.to_nc(nc, v[0, :1].reshape(())), side),
            np.searchsorted(ra, rv[0, :1].reshape(()), side))


def test_searchsorted_sorter_scalars_promotion(nc):
    rng = T.rng_for("searchsorted-sorter")
    a = rng.integers(0, 10, 20)
    sorter = np.argsort(a, kind="stable")
    v = np.array([-1, 0, 3, 3.5, 9, 10])
    for side in ("left", "right"):
        T.check(nc.searchsorted(nc.asarray(a), nc.asarray(v), side, sorter=nc.asarray(sorter)),
                np.searchsorted(a, v, side, sorter=sorter))
    T.check(nc.searchsorted([1, 2, 3], 2.5), np.searchsorted([1, 2, 3], 2.5))
    T.check(nc.searchsorted(nc.asarray([], dtype="float32"), nc.asarray([1.0, 2.0])),
            np.searchsorted(np.array([], np.float32), [1.0, 2.0]))
    T.check(nc.searchsorted(nc.asarray([1.0, 2.0]), nc.asarray([], dtype="float64")),
            np.searchsorted([1.0, 2.0], np.array([])))
    T.check(nc.asarray([1, 5, 9]).searchsorted(5, side="right"), np.searchsorted([1, 5, 9], 5, "right"))


def test_searchsorted_errors(nc):
    for args, kw in [((nc.ones((2, 2)), 1), {}), ((nc.asarray([1, 2]), 1), {"side": "lft"}),
                     ((nc.asarray([1, 2]), 1), {"sorter": nc.asarray([0])}),
                     ((nc.asarray(1), 1), {})]:
        npargs = tuple(np.asarray(x) if hasattr(x, "dtype") else x for x in args)
        npkw = {k: np.asarray(x) if hasattr(x, "dtype") else x for k, x in kw.items()}
        with pytest.raises(ValueError) as en:
            np.searchsorted(*npargs, **npkw)
        with pytest.raises(ValueError) as e:
            nc.searchsorted(*args, **kw)
        assert str(e.value) == str(en.value)


def test_lexsort(nc):
    rng = T.rng_for("lexsort")
    k1 = rng.integers(0, 3, (4, 30))
    k2 = rng.standard_normal((4, 30)).round(0)
    k2[0, :5] = np.nan
    k3 = rng.integers(0, 2, (4, 30)).astype(bool)
    keys = [k1, k2, k3]
    for ax in (-1, 0, 1):
        T.check(nc.lexsort([nc.asarray(k) for k in keys], axis=ax), np.lexsort(keys, axis=ax))
    T.check(nc.lexsort(nc.asarray(k1)), np.lexsort(k1))   # a 2-d array: its rows are the keys
    T.check(nc.lexsort((nc.asarray(k1[0]),)), np.lexsort((k1[0],)))
    with pytest.raises(TypeError, match="need sequence of keys"):
        nc.lexsort([])
    with pytest.raises(ValueError, match="all keys need to be the same shape"):
        nc.lexsort([nc.asarray([1, 2]), nc.asarray([1, 2, 3])])


def check_partition(got, x, kth, axis, arg):
    """NumPy's contract (not its exact layout): the kth elements are in sorted
    place, nothing greater before them and nothing smaller after."""
    xs = np.sort(x, axis=axis)
    vals = np.take_along_axis(x, got, axis) if arg else got
    if arg:
        assert got.dtype == np.intp
        assert (np.sort(got, axis=axis) == np.arange(x.shape[axis]).reshape(
            [-1 if d == axis % x.ndim else 1 for d in range(x.ndim)])).all()
    else:
        np.testing.assert_array_equal(np.sort(vals, axis=axis), xs)
    v = np.moveaxis(vals, axis, -1)
    s = np.moveaxis(xs, axis, -1)
    for k in np.atleast_1d(kth):
        k = k % x.shape[axis]
        np.testing.assert_array_equal(v[..., k], s[..., k])
        assert (v[..., :k] <= v[..., k:k + 1]).all() and (v[..., k + 1:] >= v[..., k:k + 1]).all()


@pytest.mark.parametrize("arg", [False, True])
def test_partition(nc, arg):
    rng = T.rng_for("partition", arg)
    x = rng.integers(0, 20, (5, 9)).astype(np.float64)
    fn = nc.argpartition if arg else nc.partition
    for kth, axis in [(3, -1), (-1, 0), ([0, 4, 8], 1), (2, 0)]:
        got = np.asarray(fn(nc.asarray(x), kth, axis=axis))
        check_partition(got, x, kth, axis, arg)
    got = np.asarray(fn(nc.asarray(x), 7, axis=None))
    check_partition(got, x.ravel(), 7, 0, arg)
    for bad in (9, -10):
        with pytest.raises(ValueError) as e:
            fn(nc.asarray(x), bad)
        with pytest.raises(ValueError) as en:
            (np.argpartition if arg else np.partition)(x, bad)
        assert str(e.value) == str(en.value)
    with pytest.raises(np.exceptions.AxisError):
        fn(nc.asarray(x), 0, axis=2)


# ---------------------------------------------------------------------------
# data-dependent shapes (eager only)

@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 0, 3)])
def test_argwhere_flatnonzero_extract(nc, shape):
    rng = T.rng_for("argwhere", shape)
    for x in (rng.integers(0, 2, shape), np.zeros(shape), np.ones(shape, bool)):
        a = nc.asarray(x)
        T.check(nc.argwhere(a), np.argwhere(x))
        T.check(nc.flatnonzero(a), np.flatnonzero(x))
        arr = rng.standard_normal(shape)
        T.check(nc.extract(a, nc.asarray(arr)), np.extract(x, arr))


def test_unique_basic(nc):
    rng = T.rng_for("unique")
    for dt in ("int8", "uint64", "float16", "float32", "float64", "bool", "complex64"):
        x = special(dt, 50, rng)
        if dt == "complex64":
            x = cplx(special("float64", 50, rng), special("float64", 50, rng), np.complex64)
        x = x.reshape(5, 10)
        for eq in (True, False):
            got = nc.unique(nc.asarray(x), True, True, True, equal_nan=eq)
            exp = np.unique(x, True, True, True, equal_nan=eq)
            T.check(tuple(got), tuple(exp), ctx=f"{dt} equal_nan={eq}")
        T.check(nc.unique(nc.asarray(x)), np.unique(x))
        T.check(nc.unique(nc.asarray(x), return_counts=True),
                np.unique(x, return_counts=True))


def test_unique_axis_and_empty(nc):
    rng = T.rng_for("unique-axis")
    x = rng.integers(0, 2, (6, 3, 2))
    for ax in (0, 1, 2, -1):
        T.check(tuple(nc.unique(nc.asarray(x), True, True, True, axis=ax)),
                tuple(np.unique(x, True, True, True, axis=ax)), ctx=f"axis={ax}")
    e = np.zeros((0,), np.float32)
    T.check(tuple(nc.unique(nc.asarray(e), True, True, True)), tuple(np.unique(e, True, True, True)))
    T.check(nc.unique(nc.asarray(3)), np.unique(3))
    with pytest.raises(np.exceptions.AxisError):
        nc.unique(nc.asarray(x), axis=3)


def test_unique_array_api(nc):
    x = np.array([[3.0, np.nan, 1.0], [3.0, np.nan, 0.0]])
    a = nc.asarray(x)
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, exp = getattr(nc, name)(a), getattr(np, name)(x)
        assert type(got).__name__ == type(exp).__name__
        T.check(tuple(got), tuple(exp), ctx=name)
        for field in exp._fields:
            T.check(getattr(got, field), getattr(exp, field), ctx=f"{name}.{field}")
    T.check(nc.unique_values(a), np.unique_values(x))
    assert nc.unique_all(a).counts.dtype == nc.int64


@pytest.mark.parametrize("dt", ["int16", "float32", "float64", "complex128", "bool"])
def test_set_operations(nc, dt):
    rng = T.rng_for("sets", dt)
    a = special(dt, 20, rng).reshape(4, 5)
    b = special(dt, 15, rng)
    if dt == "complex128":
        a = cplx(rng.integers(-2, 3, 20), rng.integers(-1, 2, 20), np.complex128).reshape(4, 5)
        b = cplx(rng.integers(-2, 3, 15), rng.integers(-1, 2, 15), np.complex128)
    A, B = nc.asarray(a), nc.asarray(b)
    T.check(nc.isin(A, B), np.isin(a, b))
    T.check(nc.isin(A, B, invert=True), np.isin(a, b, invert=True))
    T.check(nc.isin(A, nc.asarray(b[:0])), np.isin(a, b[:0]))
    T.check(nc.union1d(A, B), np.union1d(a, b))
    T.check(nc.setdiff1d(A, B), np.setdiff1d(a, b))
    T.check(nc.setxor1d(A, B), np.setxor1d(a, b))
    T.check(nc.intersect1d(A, B), np.intersect1d(a, b))
    T.check(tuple(nc.intersect1d(A, B, return_indices=True)),
            tuple(np.intersect1d(a, b, return_indices=True)))
    ua, ub = np.unique(a), np.unique(b)
    for fn in ("setdiff1d", "setxor1d", "intersect1d"):
        T.check(getattr(nc, fn)(nc.asarray(ua), nc.asarray(ub), assume_unique=True),
                getattr(np, fn)(ua, ub, assume_unique=True), ctx=fn)
    T.check(tuple(nc.intersect1d(nc.asarray(ua), nc.asarray(ub), True, True)),
            tuple(np.intersect1d(ua, ub, True, True)))


def test_isin_scalar_and_promotion(nc):
    T.check(nc.isin(2, nc.asarray([1.0, 2.0])), np.isin(2, [1.0, 2.0]))
    T.check(nc.isin(nc.asarray([1, 2, 3], dtype="uint8"), nc.asarray([2.5, 3.0])),
            np.isin(np.array([1, 2, 3], np.uint8), [2.5, 3.0]))


# ---------------------------------------------------------------------------
# under transforms: the static-shape ones trace and batch; the others are
# eager only and say so

def test_static_shape_functions_trace_and_vmap(nc):
    rng = T.rng_for("sort-trace")
    a = np.sort(rng.integers(0, 10, 12)).astype(np.float64)
    v = rng.integers(-1, 11, (3, 4)).astype(np.float64)
    x = rng.integers(0, 5, (3, 7)).astype(np.float64)
    f = nc.function(lambda a, v, x: (nc.searchsorted(a, v, side="right"), nc.isin(v, a),
                                     nc.lexsort([x[0], x[1]]), nc.partition(x, 2, axis=1),
                                     nc.argpartition(x, 2, axis=0)))
    got = f(nc.asarray(a), nc.asarray(v), nc.asarray(x))
    exp = (nc.searchsorted(nc.asarray(a), nc.asarray(v), side="right"),
           nc.isin(nc.asarray(v), nc.asarray(a)), nc.lexsort([nc.asarray(x[0]), nc.asarray(x[1])]),
           nc.partition(nc.asarray(x), 2, axis=1), nc.argpartition(nc.asarray(x), 2, axis=0))
    T.check(tuple(got), tuple(np.asarray(e) for e in exp))
    T.check(nc.vmap(lambda vv: nc.searchsorted(nc.asarray(a), vv))(nc.asarray(v)),
            np.stack([np.searchsorted(a, r) for r in v]))
    T.check(nc.vmap(lambda aa: nc.searchsorted(aa, nc.asarray(v)))(nc.asarray(np.stack([a, a[::-1] * 0 + a]))),
            np.stack([np.searchsorted(a, v)] * 2))
    T.check(nc.vmap(lambda r: nc.isin(r, nc.asarray(a)))(nc.asarray(v)), np.isin(v, a))
    T.check(nc.vmap(lambda r: nc.lexsort([r, -r]))(nc.asarray(x)),
            np.stack([np.lexsort([r, -r]) for r in x]))


@pytest.mark.parametrize("call", [
    lambda nc, x: nc.unique(x), lambda nc, x: nc.argwhere(x), lambda nc, x: nc.flatnonzero(x),
    lambda nc, x: nc.extract(x > 0, x), lambda nc, x: nc.unique_values(x),
    lambda nc, x: nc.setdiff1d(x, x), lambda nc, x: nc.union1d(x, x),
    lambda nc, x: nc.intersect1d(x, x)])
def test_data_dependent_raise_under_trace(nc, call):
    x = nc.asarray([1.0, 0.0, 2.0])
    with pytest.raises(TypeError, match="size=|traced"):
        nc.function(lambda v: call(nc, v))(x)
    with pytest.raises(TypeError):
        nc.vmap(lambda v: call(nc, v))(nc.stack([x, x]))
