"""Reductions and scans against NumPy (optable.REDUCTIONS): axis as int, tuple
and None, keepdims, dtype=, ddof=, empty inputs, NaN propagation, ties
(argmax/argmin return the first), strided views, function and method forms."""
import math

import numpy as np
import pytest

import optable as T
from optable import REDUCTIONS, SHAPES

COVERS = sorted({r.name for r in REDUCTIONS} - {"all_zeros"})

C = T.Case
RED_SHAPES = {
    "3d": C("3d", (2, 3, 4)),
    "1d": C("1d", (5,)),
    "0d": SHAPES["0d"],
    "empty_rows": C("empty_rows", (0, 3)),
    "empty": SHAPES["empty"],
    "big": SHAPES["big"],
    "perm3d": SHAPES["perm3d"],
    "neg": SHAPES["neg"],
    "bigT": SHAPES["bigT"],
}
FULL_VARIANTS = [{}, {"axis": 1}, {"axis": (0, 2), "keepdims": True}]
SWEEP_DTYPES = ["float64", "float32", "int32"]


def tolerance(row, x, edt):
    """(rtol, atol) for a reduction over x with result dtype edt."""
    rt = T.TOL.get(edt, 0.0)
    if rt == 0.0 or row.accum == "exact":
        return None, None
    n = max(1, x.size)
    with T.quiet():
        ax = np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
    mx = float(ax.max()) if ax.size else 0.0
    rt_n = rt * max(1.0, math.sqrt(n) / 8)
    if row.accum == "sum":
        return rt_n, rt * max(1.0, float(ax.sum()) / 4)
    if row.accum == "mean":
        return rt_n, rt_n * max(1.0, mx)
    if row.accum == "var":
        return rt_n, rt_n * max(1.0, mx * mx)
    if row.accum == "std":
        return rt_n, rt_n * max(1.0, mx)
    return rt_n, rt_n * 1e-3  # prod


def kw_id(kw):
    return ",".join(f"{k}={v}" for k, v in kw.items()) or "default"


def grid():
    for row in REDUCTIONS:
        for dt in row.dtypes:
            variants = FULL_VARIANTS if row.axes == "tuple" else \
                [{}, {"axis": 1}, {"axis": -1} if not row.keepdims else {"axis": -1, "keepdims": True}]
            for kw in variants:
                yield row, dt, "3d", kw, False
                if row.method:
                    yield row, dt, "3d", kw, True
        for dt in SWEEP_DTYPES:
            for sid, case in RED_SHAPES.items():
                ndim = len(case.view(np.zeros(case.base)).shape) if case.view else len(case.base)
                variants = row.variants(ndim)
                if sid not in ("3d", "1d", "0d"):
                    keep = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, ndim - 1)}]
                    variants = [v for v in variants if v in keep]
                for kw in variants:
                    if sid == "3d" and kw in FULL_VARIANTS:
                        continue
                    yield row, dt, sid, kw, False


GRID = list(grid())


def run(nc, row, dt, sid, kw, method, x=None, ctx=""):
    case = RED_SHAPES.get(sid)
    if x is None:
        rng = T.rng_for(row.name, dt, sid, repr(kw))
        x, X = T.make_input(nc, rng, case, dt, row.domain)
    else:
        X = T.to_nc(nc, x)
    api = {"all_zeros": "all"}.get(row.name, row.name)
    if method:
        fn = lambda m, a: getattr(a, api)(**kw)  # noqa: E731
    else:
        getattr(nc, api)  # AttributeError names the missing function
        fn = lambda m, a: row.fn(m, a, **kw)  # noqa: E731
    exp = T.reference(fn, x)
    edt = T.dtype_name(exp.dtype) if not isinstance(exp, T.Raised) else ""
    rtol, atol = tolerance(row, x, edt)
    T.expect(exp, lambda: fn(nc, X), rtol, atol,
             ctx or f"{'x.' if method else 'numc.'}{row.name}({dt}, {sid}, {kw_id(kw)})")
    return exp


@pytest.mark.parametrize("row,dt,sid,kw,method", GRID,
                         ids=[f"{r.name}-{d}-{s}-{kw_id(k)}{'-method' if m else ''}"
                              for r, d, s, k, m in GRID])
def test_reduction(nc, row, dt, sid, kw, method):
    run(nc, row, dt, sid, kw, method)


# ---------------------------------------------------------------------------
# NaN and inf propagation, ties, signed zeros

NAN_ROWS = ["sum", "prod", "max", "min", "argmax", "argmin", "mean", "var", "std", "any",
            "all", "cumsum", "ptp", "count_nonzero"]


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", NAN_ROWS)
def test_reduction_specials(nc, name, dt):
    row = T.REDUCTION_ROWS[name]
    x = np.array([[1.0, np.nan, 3.0, -np.inf],
                  [2.0, 5.0, -1.0, 0.0],
                  [np.inf, -0.0, np.nan, 4.0]]).astype(T.np_dtype(dt))
    for kw in [{}, {"axis": 0}, {"axis": 1}]:
        run(nc, row, dt, None, kw, False, x=x, ctx=f"{name}({dt} specials, {kw_id(kw)})")


@pytest.mark.parametrize("dt", ["int8", "float32", "complex128", "bool", "uint16"])
@pytest.mark.parametrize("name", ["argmax", "argmin", "max", "min"])
def test_ties_pick_first(nc, name, dt):
    x = np.array([[1, 3, 3, 0], [2, 2, 0, 0], [0, 0, 0, 0]]).astype(dt)
    for kw in [{}, {"axis": 0}, {"axis": 1}, {"axis": 1, "keepdims": True}]:
        run(nc, T.REDUCTION_ROWS[name], dt, None, kw, False, x=x, ctx=f"{name}({dt} ties)")


def test_complex_max_is_lexicographic(nc):
    x = np.array([1 + 5j, 2 + 0j, 2 - 1j, 1 + 9j])
    for name in ["max", "min", "argmax", "argmin"]:
        run(nc, T.REDUCTION_ROWS[name], "complex128", None, {}, False, x=x)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_huge_sum_is_accurate(nc, dt):
    """1e6 float32 values of 0.1: NumPy's pairwise sum is accurate; numc's must
    be comparably accurate (a naive float32 loop is off by ~1%)."""
    x = np.full(10**6, 0.1, dtype=dt)
    got = float(np.asarray(nc.sum(nc.asarray(x))))
    assert abs(got - 1e5) / 1e5 < 1e-4, got
    got = float(np.asarray(nc.mean(nc.asarray(x))))
    assert abs(got - 0.1) / 0.1 < 1e-4, got


@pytest.mark.parametrize("name", ["sum", "mean", "max", "argmax", "cumsum", "var", "any"])
def test_bad_axis_raises_axis_error(nc, name):
    x = nc.asarray(np.ones((2, 3)))
    for ax in (2, -3, (0, 5)):
        if isinstance(ax, tuple) and T.REDUCTION_ROWS[name].axes == "int":
            continue
        with pytest.raises((ValueError, IndexError)) as e:
            getattr(nc, name)(x, axis=ax)
        assert isinstance(e.value, ValueError) and isinstance(e.value, IndexError), \
            f"{name}(axis={ax}) raised {type(e.value).__name__}, not an AxisError-like " \
            "subclass of both ValueError and IndexError"


def test_duplicate_axis_raises(nc):
    x = nc.asarray(np.ones((2, 3)))
    with pytest.raises(ValueError):
        nc.sum(x, axis=(0, 0))
    with pytest.raises(ValueError):
        nc.sum(x, axis=(1, -1))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "amax", "ptp"])
def test_empty_reduction_without_identity_raises(nc, name):
    x = nc.asarray(np.ones((0, 3)))
    with pytest.raises(ValueError):
        getattr(nc, name)(x)
    with pytest.raises(ValueError):
        getattr(nc, name)(x, axis=0)
    r = getattr(nc, name)(x, axis=1)      # fine: reduces length-3 axis... of 0 rows
    assert tuple(r.shape) == (0,)
