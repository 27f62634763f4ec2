"""manip2 (branch manip): pad and more manipulation/creation functions. The
table rows (optable.MANIP2, part of MANIP) run against NumPy over every dtype
and on views, and under function, vmap and grad through the shared tests;
here: argument forms, dtypes and NumPy's errors."""
import numpy as np
import pytest

import optable as T

# the names these tests (and the optable.MANIP2 rows) cover
COVERS = ["pad", "fliplr", "flipud", "rot90", "roll", "tile", "repeat", "tri", "tril", "triu",
          "diag", "diagflat", "diagonal", "trace", "atleast_1d", "atleast_2d", "atleast_3d",
          "column_stack", "dstack", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
          "isclose", "allclose", "array_equal", "array_equiv", "iscomplexobj", "isrealobj",
          "isscalar", "nan_to_num", "asarray_chkfinite", "tril_indices", "triu_indices",
          "tril_indices_from", "triu_indices_from", "diag_indices", "diag_indices_from",
          "indices", "meshgrid", "take_along_axis", "put_along_axis", "fill_diagonal", "append",
          "resize", "vander", "logspace", "unravel_index", "ravel_multi_index", "select",
          "compress", "delete", "trim_zeros", "ix_", "geomspace", "block", "insert"]


def same(got, exp, ctx=""):
    T.check(got, exp, ctx=ctx)


def both(nc, fn, *np_args, ctx=""):
    exp = T.reference(fn, *np_args)
    T.expect(exp, lambda: fn(nc, *[T.to_nc(nc, a) for a in np_args]), ctx=ctx)
    return exp


# ---------------------------------------------------------------- pad

PAD_MODES = ["constant", "edge", "linear_ramp", "maximum", "mean", "minimum", "reflect",
             "symmetric", "wrap"]


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("pw", [0, 1, 4, (0, 5), ((3, 0),), ((1, 2), (3, 4)), [[2], [3]],
                                ((7, 11), (0, 1)), np.array([[1, 2], [3, 4]], dtype=np.int8)])
def test_pad_width_forms(nc, mode, pw):
    x = np.arange(1, 13, dtype=np.float64).reshape(3, 4) ** 1.5
    if np.asarray(pw).shape == (1, 2):
        x = x[0]
    both(nc, lambda m, a: m.pad(a, pw, mode), x, ctx=f"{mode} {pw}")


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("rt", [None, "even", "odd"])
def test_pad_large_widths(nc, mode, n, rt):
    kw = {} if rt is None or mode == "wrap" else {"reflect_type": rt}
    x = np.array([3, -1, 4, 10, 5][:n], dtype=np.int64)
    for pw in [(0, 1), (1, 0), (n, n), (2 * n + 1, 3 * n + 2), (13, 6)]:
        both(nc, lambda m, a: m.pad(a, pw, mode, **kw), x, ctx=f"{mode} n={n} {pw} {kw}")


@pytest.mark.parametrize("dt", T.DTYPES)
def test_pad_constant_values_cast(nc, dt):
    x = np.ones((2, 3), dtype=T.np_dtype(dt))
    for cv in [7, 2.75, True, ((1, 2), (3, 4))]:
        both(nc, lambda m, a: m.pad(a, 1, constant_values=cv), x, ctx=f"{dt} {cv}")


def test_pad_int_mean_rounds_half_even(nc):
    x = np.array([[1, 2], [2, 3], [0, 0]], dtype=np.int32)
    both(nc, lambda m, a: m.pad(a, 2, "mean"), x)
    both(nc, lambda m, a: m.pad(a, 1, "mean", stat_length=1), x)
    both(nc, lambda m, a: m.pad(a, 3, "linear_ramp", end_values=7), x)
    both(nc, lambda m, a: m.pad(a, 3, "linear_ramp", end_values=(-3, 9)), x)


def test_pad_empty_mode(nc):
    x = np.arange(6.0).reshape(2, 3)
    r = nc.pad(nc.asarray(x), ((1, 2), (0, 1)), "empty")
    assert r.shape == (5, 4) and r.dtype == nc.float64
    same(r[1:3, 0:3], x)
    r = nc.pad(nc.asarray(np.zeros((0, 2))), 1, "empty")
    assert r.shape == (2, 4)


def test_pad_empty_axes(nc):
    both(nc, lambda m, a: m.pad(a, ((0, 0), (1, 1)), "edge"), np.zeros((0, 3)))
    both(nc, lambda m, a: m.pad(a, ((1, 0), (0, 0)), "wrap"), np.zeros((0, 3)))
    both(nc, lambda m, a: m.pad(a, 2), np.zeros((0, 3), np.int16))


def test_pad_errors(nc):
    x = np.arange(6.0).reshape(2, 3)
    for fn in [lambda m: m.pad(m.asarray(x), 1, "bogus"),
               lambda m: m.pad(m.asarray(x), 1.5),
               lambda m: m.pad(m.asarray(x), np.array([1], np.uint8)),
               lambda m: m.pad(m.asarray(x), -1),
               lambda m: m.pad(m.asarray(x), ((1, -2), (0, 0))),
               lambda m: m.pad(m.asarray(x), (1, 2, 3)),
               lambda m: m.pad(m.asarray(x), 1, "edge", constant_values=3),
               lambda m: m.pad(m.asarray(x), 1, "constant", reflect_type="odd"),
               lambda m: m.pad(m.asarray(x), 1, "wrap", stat_length=2),
               lambda m: m.pad(m.asarray(x), 1, "maximum", stat_length=0),
               lambda m: m.pad(m.asarray(x), 1, "mean", end_values=0)]:
        exp = T.reference(fn)
        assert isinstance(exp, T.Raised), "NumPy accepts this case"
        with pytest.raises(type(exp.exc)):
            fn(nc)
    with pytest.raises(ValueError, match="can't extend empty axis 0"):
        nc.pad(nc.zeros((0, 2)), 1, "edge")
    with pytest.raises(ValueError, match="mode 'bogus' is not supported"):
        nc.pad(nc.asarray(x), 1, "bogus")
    with pytest.raises(TypeError, match="`pad_width` must be of integral type."):
        nc.pad(nc.asarray(x), 1.0)
    with pytest.raises(NotImplementedError):
        nc.pad(nc.asarray(x), 1, "median")


def test_pad_grad_constant_values(nc):
    """The constant is differentiable too (its cotangent sums the pad area)."""
    x = nc.asarray(np.arange(6.0).reshape(2, 3))
    g = nc.grad(lambda c: nc.sum(nc.pad(x, ((1, 0), (2, 1)), constant_values=c) ** 2))(
        nc.asarray(1.5))
    # pad area: 3*6 - 6 = 12 elements of value c
    same(g, np.float64(2 * 1.5 * 12))


# ------------------------------------------- flips, rolls, tiles, triangles

def check_raises(nc, fn, match=None):
    """NumPy raises for fn(np); numc raises the same type (and message when
    `match` is given)."""
    exp = T.reference(fn)
    assert isinstance(exp, T.Raised), "NumPy accepts this case"
    with pytest.raises(type(exp.exc), match=match):
        fn(nc)


def test_layout_errors(nc):
    x2 = np.ones((2, 3))
    x1 = np.ones(3)
    check_raises(nc, lambda m: m.fliplr(m.asarray(x1)), "Input must be >= 2-d.")
    check_raises(nc, lambda m: m.flipud(m.asarray(np.float64(1))), "Input must be >= 1-d.")
    check_raises(nc, lambda m: m.rot90(m.asarray(x2), axes=(0,)), r"len\(axes\) must be 2.")
    check_raises(nc, lambda m: m.rot90(m.asarray(x2), axes=(1, 1)), "Axes must be different.")
    check_raises(nc, lambda m: m.rot90(m.asarray(x2), axes=(0, -2)), "Axes must be different.")
    check_raises(nc, lambda m: m.rot90(m.asarray(x2), axes=(0, 3)),
                 r"Axes=\(0, 3\) out of range for array of ndim=2.")
    check_raises(nc, lambda m: m.roll(m.asarray(x2), 1, axis=2))
    check_raises(nc, lambda m: m.roll(m.asarray(x2), (1, 2, 3), axis=(0, 1)))
    check_raises(nc, lambda m: m.tile(m.asarray(x2), -1))
    check_raises(nc, lambda m: m.repeat(m.asarray(x2), -1), "repeats may not contain negative")
    check_raises(nc, lambda m: m.repeat(m.asarray(x2), [1, 2], axis=1))
    check_raises(nc, lambda m: m.repeat(m.asarray(x2), m.asarray(1.5)),
                 r"Cannot cast scalar from dtype\('float64'\) to dtype\('int64'\)")
    check_raises(nc, lambda m: m.repeat(m.asarray(x2), m.asarray([1.5, 1, 1]), axis=1),
                 r"Cannot cast array data from dtype\('float64'\)")
    check_raises(nc, lambda m: m.repeat(m.asarray(x2), 1, axis=2))
    check_raises(nc, lambda m: m.tril(m.asarray(np.float64(2))))
    check_raises(nc, lambda m: m.diag(m.asarray(np.ones((2, 2, 2)))), "Input must be 1- or 2-d.")
    check_raises(nc, lambda m: m.diagonal(m.asarray(x1)),
                 "diag requires an array of at least two dimensions")
    check_raises(nc, lambda m: m.diagonal(m.asarray(x2), 0, 1, 1),
                 "axis1 and axis2 cannot be the same")
    check_raises(nc, lambda m: m.diagonal(m.asarray(x2), 0, 0, 5))
    check_raises(nc, lambda m: m.trace(m.asarray(x1)))


@pytest.mark.parametrize("dt", [None, "int32", "bool", "complex64"])
def test_tri(nc, dt):
    for args in [(3,), (3, 5), (4, 2, 1), (3, 4, -2), (0, 3), (3, 0, 9), (-1,), (3, -2)]:
        kw = {} if dt is None else {"dtype": dt}
        both(nc, lambda m: m.tri(*args, **kw), ctx=f"tri{args} {kw}")
    both(nc, lambda m: m.tri(3, M=4, k=1), ctx="keywords")


def test_trace_dtypes(nc):
    for dt in ["int8", "uint16", "int32", "bool", "float32", "complex64"]:
        x = np.arange(12).reshape(3, 4).astype(dt)
        both(nc, lambda m, a: m.trace(a), x, ctx=dt)
        both(nc, lambda m, a: m.trace(a, dtype=m.float32), x, ctx=dt)


def test_repeat_list_and_weak_scalar(nc):
    both(nc, lambda m: m.repeat([[1, 2], [3, 4]], [2, 1], axis=0))
    both(nc, lambda m: m.repeat(3, 4))
    both(nc, lambda m: m.repeat([1, 2], 2.7))
    both(nc, lambda m: m.repeat([[1, 2], [3, 4]], [1.0, 2.9], axis=1))
    both(nc, lambda m: m.repeat(2.5, np.array([3], np.uint8)))
    both(nc, lambda m: m.repeat(np.ones((2, 0)), 3, axis=1))


def test_roll_tile_lists(nc):
    both(nc, lambda m: m.roll([1, 2, 3, 4], [1, 2]))
    both(nc, lambda m: m.roll([[1, 2], [3, 4]], 1, axis=(0, 1)))
    both(nc, lambda m: m.tile([1, 2], ()))
    both(nc, lambda m: m.diag([1.5, 2.5], -3))
    both(nc, lambda m: m.rot90([[1, 2], [3, 4]], k=7))


# ------------------------------------------------ stacking and splitting

def test_split_family_errors(nc):
    x1, x2 = np.arange(6.0), np.arange(6.0).reshape(2, 3)
    check_raises(nc, lambda m: m.array_split(m.asarray(x1), 0), "number sections must be larger")
    check_raises(nc, lambda m: m.array_split(m.asarray(x1), 2, axis=1))
    check_raises(nc, lambda m: m.hsplit(m.asarray(np.float64(1)), 1),
                 "hsplit only works on arrays of 1 or more dimensions")
    check_raises(nc, lambda m: m.vsplit(m.asarray(x1), 2),
                 "vsplit only works on arrays of 2 or more dimensions")
    check_raises(nc, lambda m: m.dsplit(m.asarray(x2), 2),
                 "dsplit only works on arrays of 3 or more dimensions")
    check_raises(nc, lambda m: m.hsplit(m.asarray(x2), 2), "array split does not result in an")
    check_raises(nc, lambda m: m.unstack(m.asarray(np.float64(1))),
                 "Input array must be at least 1-d.")
    check_raises(nc, lambda m: m.unstack(m.asarray(x2), axis=2))
    check_raises(nc, lambda m: m.column_stack([]), "need at least one array to concatenate")
    check_raises(nc, lambda m: m.dstack([]), "need at least one array to concatenate")
    check_raises(nc, lambda m: m.column_stack([m.asarray(x1), m.asarray(x2)]))


def test_split_family_results(nc):
    x = np.arange(10.0)
    for k in [1, 3, 4, 10, 13]:
        exp = np.array_split(x, k)
        got = nc.array_split(nc.asarray(x), k)
        assert isinstance(got, list) and len(got) == len(exp)
        for g, e in zip(got, exp):
            same(g, e)
    got = nc.array_split(nc.asarray(x), [3, -2, 20])
    for g, e in zip(got, np.array_split(x, [3, -2, 20])):
        same(g, e)
    assert isinstance(nc.unstack(nc.asarray(x)), tuple)
    assert nc.atleast_1d() == ()
    r = nc.atleast_1d(1, [2, 3])
    assert isinstance(r, tuple) and len(r) == 2
    same(r[0], np.atleast_1d(1))
    both(nc, lambda m: m.column_stack(([1, 2], [3, 4])))
    both(nc, lambda m: m.dstack((1, [2])))


# --------------------------------------------------- whole-array tests

def test_isclose_forms(nc):
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1e-9, 100.0, 0.0])
    b = np.array([1.0 + 1e-6, np.nan, np.inf, np.inf, 0.0, 100.1, -0.0])
    for kw in [{}, {"equal_nan": True}, {"rtol": 1e-3}, {"atol": 0.0}]:
        both(nc, lambda m, x, y: m.isclose(x, y, **kw), a, b, ctx=str(kw))
        assert nc.allclose(a, b, **kw) is np.allclose(a, b, **kw), kw
    for x, y in [(1, 1.000001), (np.int8(3), 3), ([1, 2], [1, 2.5]),
                 (np.array([1, 2], np.int16), np.float32(2)),
                 (np.array([1 + 1j, 2], np.complex64), 1 + 1j), (True, 1.0)]:
        both(nc, lambda m: m.isclose(x, y), ctx=f"{x!r} {y!r}")
        assert nc.allclose(x, y) is np.allclose(x, y), (x, y)
    r = nc.allclose([1.0], [1.0])
    assert r is True
    with pytest.raises(ValueError):
        nc.isclose(nc.ones(3), nc.ones(4))


@pytest.mark.parametrize("equal_nan", [False, True])
def test_array_equal(nc, equal_nan):
    cases = [([1, 2], [1, 2]), ([1, 2], [1, 3]), ([1, 2], [[1, 2]]), ([1.0, np.nan], [1.0, np.nan]),
             ([np.nan, 1.0], [1.0, np.nan]), (np.array([1 + np.nan * 1j]), np.array([np.nan + 0j])),
             (np.zeros((2, 0)), np.zeros((2, 0))), (3, 3.0), (np.int8(1), True)]
    for x, y in cases:
        exp = np.array_equal(x, y, equal_nan=equal_nan)
        got = nc.array_equal(x, y, equal_nan=equal_nan)
        assert got is exp, (x, y)


def test_array_equiv(nc):
    for x, y in [([1, 2], [[1, 2], [1, 2]]), ([1, 2], [[1, 2], [1, 3]]), ([1, 2], [1, 2, 3]),
                 ([1, 2], [[1], [1]]), (np.nan, np.nan), (np.ones((2, 3)), 1)]:
        assert nc.array_equiv(x, y) is np.array_equiv(x, y), (x, y)


def test_dtype_object_queries(nc):
    objs = [1, 1.5, 1j, True, [1, 2], [1j], np.complex64(1), np.float32(1),
            np.ones(2, np.complex128), np.ones(2, np.int8)]
    for o in objs:
        assert nc.iscomplexobj(o) is np.iscomplexobj(o), o
        assert nc.isrealobj(o) is np.isrealobj(o), o
    assert nc.iscomplexobj(nc.ones(2, dtype=nc.complex64)) is True
    assert nc.isrealobj(nc.ones(2)) is True
    import fractions
    for o in [1, 1.5, 1j, True, "s", b"b", np.float32(1), np.int64(2), fractions.Fraction(1, 3),
              [1], (1,), None, np.array(1), np.ones(2)]:
        assert nc.isscalar(o) is np.isscalar(o), o
    assert nc.isscalar(nc.asarray(1.0)) is False


# (bfloat16 is left out: NumPy does not see ml_dtypes' bfloat16 as inexact and
# returns it unchanged; numc replaces its non-finite values like float16's)
@pytest.mark.parametrize("dt", ["float16", "float32", "float64", "complex64", "complex128",
                                "int32", "bool"])
def test_nan_to_num(nc, dt):
    vals = [0, 1.5, np.nan, np.inf, -np.inf, -2]
    if T.is_complex(dt):
        vals += [complex(np.nan, np.inf), complex(-np.inf, 1)]
    x = np.array(vals).astype(T.np_dtype(dt)) if dt not in ("int32", "bool") else \
        np.array([0, 1, -2, 3]).astype(dt)
    both(nc, lambda m, a: m.nan_to_num(a), x, ctx=dt)
    both(nc, lambda m, a: m.nan_to_num(a, nan=-1.0, posinf=7, neginf=-8.5), x, ctx=dt)
    both(nc, lambda m, a: m.nan_to_num(a, copy=False, posinf=1e3), x, ctx=dt)


def test_nan_to_num_bfloat16(nc):
    x = nc.asarray(np.array([np.nan, np.inf, -np.inf, 2.0], np.float32)).astype(nc.bfloat16)
    r = nc.nan_to_num(x)
    assert r.dtype == nc.bfloat16
    same(r.astype(nc.float32), np.array([0.0, 3.3895314e38, -3.3895314e38, 2.0], np.float32))


def test_asarray_chkfinite(nc):
    both(nc, lambda m: m.asarray_chkfinite([1, 2, 3]))
    both(nc, lambda m: m.asarray_chkfinite([1, 2], dtype=m.float32))
    both(nc, lambda m: m.asarray_chkfinite(np.array([1.0, 2.0])))
    check_raises(nc, lambda m: m.asarray_chkfinite([1.0, np.nan]),
                 "array must not contain infs or NaNs")
    check_raises(nc, lambda m: m.asarray_chkfinite(np.array([1, np.inf * 1j])),
                 "array must not contain infs or NaNs")


# ------------------------------------------------------ index arrays

def tuple_same(got, exp, ctx=""):
    assert isinstance(got, tuple) and len(got) == len(exp), ctx
    for g, e in zip(got, exp):
        same(g, e, ctx=ctx)


def test_tri_diag_indices(nc):
    for args in [(3,), (4, 1), (4, -1, 6), (3, 0, 2), (0,), (3, 10)]:
        tuple_same(nc.tril_indices(*args), np.tril_indices(*args), f"tril {args}")
        tuple_same(nc.triu_indices(*args), np.triu_indices(*args), f"triu {args}")
    tuple_same(nc.tril_indices(4, k=1, m=2), np.tril_indices(4, k=1, m=2))
    a = np.ones((3, 5))
    for k in [-1, 0, 2]:
        tuple_same(nc.tril_indices_from(nc.asarray(a), k), np.tril_indices_from(a, k))
        tuple_same(nc.triu_indices_from(nc.asarray(a), k=k), np.triu_indices_from(a, k=k))
    tuple_same(nc.diag_indices(4), np.diag_indices(4))
    tuple_same(nc.diag_indices(3, 3), np.diag_indices(3, 3))
    tuple_same(nc.diag_indices_from(nc.ones((2, 2, 2))), np.diag_indices_from(np.ones((2, 2, 2))))
    check_raises(nc, lambda m: m.tril_indices_from(m.ones(3)), "input array must be 2-d")
    check_raises(nc, lambda m: m.diag_indices_from(m.ones(3)), "input array must be at least 2-d")
    check_raises(nc, lambda m: m.diag_indices_from(m.ones((2, 3))),
                 "All dimensions of input must be of equal length")
    # the indices index like NumPy's
    x = np.arange(16.0).reshape(4, 4)
    same(nc.asarray(x)[nc.triu_indices(4, 1)], x[np.triu_indices(4, 1)])


def test_indices(nc):
    for dims in [(2, 3), (4,), (), (2, 0, 3)]:
        both(nc, lambda m: m.indices(dims), ctx=str(dims))
        tuple_same(nc.indices(dims, sparse=True), np.indices(dims, sparse=True), str(dims))
    both(nc, lambda m: m.indices((2, 3), dtype=m.float32))
    both(nc, lambda m: m.indices((2, 3), m.int8))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(nc, indexing, sparse):
    xs = [np.arange(3.0), np.array([1, 5], np.int8), np.array([[1.5, 2.5], [3, 4]]),
          np.array([7.0])]
    for n in range(0, 5):
        exp = np.meshgrid(*xs[:n], sparse=sparse, indexing=indexing)
        got = nc.meshgrid(*[nc.asarray(x) for x in xs[:n]], sparse=sparse, indexing=indexing)
        tuple_same(got, tuple(exp), f"{n} {indexing} {sparse}")
    with pytest.raises(ValueError, match="Valid values for `indexing` are 'xy' and 'ij'."):
        nc.meshgrid(nc.ones(2), indexing="yx")


def test_meshgrid_grad_vmap(nc):
    x, y = nc.asarray(np.arange(3.0)), nc.asarray(np.arange(2.0) + 1)
    gx, gy = nc.grad(lambda a, b: nc.sum(nc.meshgrid(a, b)[0] * nc.meshgrid(a, b)[1]),
                     argnums=(0, 1))(x, y)
    same(gx, np.full(3, 3.0))
    same(gy, np.full(2, 3.0))


@pytest.mark.parametrize("dt", ["int64", "int8", "uint16"])
def test_take_along_axis(nc, dt):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 4, 5))
    for axis in [0, 1, 2, -1]:
        shape = list(a.shape)
        shape[axis] = 6
        idx = rng.integers(0, a.shape[axis], size=shape).astype(dt)
        both(nc, lambda m, x, i: m.take_along_axis(x, i, axis=axis), a, idx, ctx=f"{axis}")
        both(nc, lambda m, x, i: m.take_along_axis(x, i[..., :1], axis), a, idx)
    idx = np.array([3, 0, -1, 5])
    both(nc, lambda m, x, i: m.take_along_axis(x, i, axis=None), a, idx)
    srt = np.argsort(a, axis=1)
    both(nc, lambda m, x, i: m.take_along_axis(x, i, 1), a, srt)
    check_raises(nc, lambda m: m.take_along_axis(m.asarray(a), m.asarray(idx[None]), axis=None),
                 "when axis=None, `indices` must have a single dimension.")
    check_raises(nc, lambda m: m.take_along_axis(m.asarray(a), m.asarray(idx), axis=0),
                 "`indices` and `arr` must have the same number of dimensions")
    check_raises(nc, lambda m: m.take_along_axis(m.asarray(a), m.asarray(a), axis=0),
                 "`indices` must be an integer array")
    check_raises(nc, lambda m: m.take_along_axis(m.asarray(a), m.asarray(srt), axis=3))
    check_raises(nc, lambda m: m.take_along_axis(m.asarray(a), m.asarray(srt + 9), axis=1))


def test_take_along_axis_grad_vmap_function(nc):
    a = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    g = nc.grad(lambda x: nc.sum(nc.take_along_axis(x, nc.asarray(idx), 1) ** 2))(nc.asarray(a))
    exp = np.zeros_like(a)
    np.add.at(exp, (np.arange(3)[:, None], idx), 2 * a[np.arange(3)[:, None], idx])
    same(g, exp)
    f = nc.function(lambda x, i: nc.take_along_axis(x, i, axis=1))
    same(f(nc.asarray(a), nc.asarray(idx)), np.take_along_axis(a, idx, 1))
    v = nc.vmap(lambda x, i: nc.take_along_axis(x, i, axis=0))(nc.asarray(a), nc.asarray(idx))
    same(v, np.stack([np.take_along_axis(a[k], idx[k], 0) for k in range(3)]))


def test_put_along_axis(nc):
    a = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    for axis, vals in [(1, 99.0), (1, np.array([[1.0, 2.0], [3, 4], [5, 6]])), (-1, [7, 8])]:
        e = a.copy()
        np.put_along_axis(e, idx, vals, axis)
        g = nc.asarray(a)
        keep = g
        assert nc.put_along_axis(g, nc.asarray(idx), vals, axis) is None
        same(g, e)
    e = a.copy()
    np.put_along_axis(e, np.array([0, 11, -2]), 5.5, None)
    g = nc.asarray(a)
    nc.put_along_axis(g, nc.asarray([0, 11, -2]), 5.5, None)
    same(g, e)
    view = g
    nc.put_along_axis(g, nc.asarray([0]), -1.0, None)   # another handle sees the update
    same(view, g)
    del keep
    with pytest.raises(TypeError, match="numc.ndarray"):
        nc.put_along_axis(np.ones(3), nc.asarray([0]), 1.0, 0)


def test_fill_diagonal(nc):
    cases = [((3, 3), 5.0, False), ((5, 3), 7, False), ((5, 3), 7, True), ((3, 5), [1, 2], False),
             ((3, 3, 3), -1, False), ((2, 2), np.array([[1.5, 2.5]]), False), ((7, 2), 3, True)]
    for shape, val, wrap in cases:
        e = np.zeros(shape, np.int32)
        np.fill_diagonal(e, val, wrap=wrap)
        g = nc.zeros(shape, dtype=nc.int32)
        assert nc.fill_diagonal(g, val, wrap=wrap) is None
        same(g, e, ctx=f"{shape} {val} {wrap}")
    with pytest.raises(ValueError, match="array must be at least 2-d"):
        nc.fill_diagonal(nc.zeros(3), 1)
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        nc.fill_diagonal(nc.zeros((2, 2, 3)), 1)


# ------------------------------------------ appending, resizing, selecting

def test_append_resize(nc):
    both(nc, lambda m: m.append([1, 2], [[3, 4], [5, 6]]))
    both(nc, lambda m: m.append(np.ones((2, 3), np.float32), np.zeros((1, 3), np.int64), axis=0))
    both(nc, lambda m: m.append(np.ones((2, 3), np.int8), 5))
    check_raises(nc, lambda m: m.append(np.ones((2, 3)), np.ones(3), axis=0))
    for shape in [(3, 4), 7, (2,), (0, 3), (2, 2, 2)]:
        both(nc, lambda m: m.resize(np.arange(5.0), shape), ctx=str(shape))
    both(nc, lambda m: m.resize(np.zeros((0,), np.int32), (2, 3)))
    check_raises(nc, lambda m: m.resize(np.arange(5.0), (-1, 2)),
                 "all elements of `new_shape` must be non-negative")


@pytest.mark.parametrize("dt", ["int8", "uint8", "int64", "float32", "float64", "complex64", "bool"])
def test_vander(nc, dt):
    x = np.array([1, 2, 3, 0]).astype(dt) if dt != "bool" else np.array([True, False])
    for kw in [{}, {"N": 3}, {"N": 0}, {"N": 1}, {"increasing": True}, {"N": 6, "increasing": True}]:
        both(nc, lambda m, a: m.vander(a, **kw), x, ctx=f"{dt} {kw}")
    check_raises(nc, lambda m: m.vander(np.ones((2, 2))),
                 "x must be a one-dimensional array or sequence.")


def test_vander_grad(nc):
    x = nc.asarray(np.array([0.5, -1.5, 2.0]))
    g = nc.grad(lambda a: nc.sum(nc.vander(a, 4)))(x)
    xs = np.array([0.5, -1.5, 2.0])
    same(g, 1 + 2 * xs + 3 * xs ** 2)


def test_logspace(nc):
    for args, kw in [((0, 3), {}), ((1, 2, 5), {}), ((2, 1, 4), {"endpoint": False}),
                     ((0, 1, 3), {"base": 2.0}), ((0, 4, 5), {"dtype": nc.int32}), ((0, 1, 0), {}),
                     ((-1, 1.5, 7), {"base": 3})]:
        npkw = dict(kw)
        if "dtype" in npkw:
            npkw["dtype"] = np.int32
        exp = np.logspace(*args, **npkw)
        got = nc.logspace(*args, **kw)
        assert np.dtype(str(got.dtype)) == exp.dtype
        np.testing.assert_allclose(np.asarray(got), exp, rtol=1e-13)


def test_unravel_ravel_index(nc):
    for idx, shape, order in [(22, (7, 6), "C"), ([5, 0, 41], (7, 6), "F"), (np.arange(24), (2, 3, 4), "C"),
                              (np.array([[3, 1]], np.int32), (4,), "C"), (0, (), "C")]:
        exp = np.unravel_index(idx, shape, order=order)
        got = nc.unravel_index(idx, shape, order=order)
        tuple_same(got, exp, f"{idx} {shape}")
        back = nc.ravel_multi_index(got, shape, order=order)
        same(back, np.ravel_multi_index(exp, shape, order=order))
    check_raises(nc, lambda m: m.unravel_index(42, (7, 6)),
                 "index 42 is out of bounds for array with size 42")
    check_raises(nc, lambda m: m.unravel_index(-1, (7, 6)))
    check_raises(nc, lambda m: m.unravel_index(1.0, (7, 6)), "only int indices permitted")
    arr = ([3, 6, 6], [4, 5, 1])
    for mode in ["wrap", "clip", ("clip", "wrap")][:2]:
        same(nc.ravel_multi_index(arr, (4, 6), mode=mode), np.ravel_multi_index(arr, (4, 6), mode=mode))
    same(nc.ravel_multi_index(([-5, 9], [1, 2]), (4, 6), mode="wrap"),
         np.ravel_multi_index(([-5, 9], [1, 2]), (4, 6), mode="wrap"))
    check_raises(nc, lambda m: m.ravel_multi_index(arr, (4, 6)), "invalid entry in coordinates")
    check_raises(nc, lambda m: m.ravel_multi_index(([1], [2]), (4, 6), mode="bogus"))
    check_raises(nc, lambda m: m.ravel_multi_index(([1],), (4, 6)))


def test_select(nc):
    x = np.arange(10.0)
    both(nc, lambda m, a: m.select([a < 3, a > 5], [a, a ** 2], 42), x)
    both(nc, lambda m, a: m.select([a < 3, a < 5], [a, 7], default=-1.5), x)
    both(nc, lambda m, a: m.select([a < 3], [1]), x)
    both(nc, lambda m, a: m.select([a < 3, a > 8], [np.int8(1), 2]), x)
    check_raises(nc, lambda m: m.select([], []), "select with an empty condition list")
    check_raises(nc, lambda m: m.select([m.asarray(x) < 3], [1, 2]),
                 "list of cases must be same length as list of conditions")
    check_raises(nc, lambda m: m.select([m.asarray(x)], [1]),
                 "invalid entry 0 in condlist: should be boolean ndarray")
    g = nc.grad(lambda a: nc.sum(nc.select([a < 3, a > 5], [a, a ** 2], 0.0)))(nc.asarray(x))
    same(g, np.where(x < 3, 1.0, np.where(x > 5, 2 * x, 0.0)))


def test_compress_delete(nc):
    a = np.arange(12.0).reshape(3, 4)
    both(nc, lambda m, x: m.compress([0, 1], x, axis=0), a)
    both(nc, lambda m, x: m.compress([False, True, True, False], x, axis=1), a)
    both(nc, lambda m, x: m.compress([True, False, True], x), a)
    check_raises(nc, lambda m: m.compress([0, 0, 0, 1], m.asarray(a), axis=0))
    for obj, axis in [(1, 0), ([0, 2], 1), (-1, None), (slice(None, None, 2), 1), (slice(1, 3), None),
                      (np.array([True, False, True]), 0), ([], 0), (np.array([0, 0, 3]), 1)]:
        both(nc, lambda m, x: m.delete(x, obj, axis=axis), a, ctx=f"{obj} {axis}")
    check_raises(nc, lambda m: m.delete(m.asarray(a), 5, axis=1))
    check_raises(nc, lambda m: m.delete(m.asarray(a), np.array([True]), axis=0))
    check_raises(nc, lambda m: m.delete(m.asarray(a), 1, axis=3))


def test_trim_zeros(nc):
    a = np.array([0, 0, 0, 1, 2, 3, 0, 2, 1, 0])
    for trim in ["fb", "f", "b", "BF"]:
        both(nc, lambda m, x: m.trim_zeros(x, trim), a, ctx=trim)
    b = np.array([[0, 0, 2, 3, 0, 0], [0, 1, 0, 3, 0, 0], [0, 0, 0, 0, 0, 0]])
    both(nc, lambda m, x: m.trim_zeros(x), b)
    both(nc, lambda m, x: m.trim_zeros(x, axis=-1), b)
    both(nc, lambda m, x: m.trim_zeros(x, "f", axis=0), b)
    both(nc, lambda m, x: m.trim_zeros(x), np.zeros((2, 3)))
    both(nc, lambda m, x: m.trim_zeros(x, "b"), np.zeros(4))
    assert nc.trim_zeros([0, 1, 2, 0]) == [1, 2]
    check_raises(nc, lambda m: m.trim_zeros(m.asarray(a), "x"), "unexpected character")


# ------------------------------------------ open grids, geometric sequences

def test_ix(nc):
    for args in [([0, 2], [1, 3, 4]), ([True, False, True], np.array([2, 0])), ([],),
                 (np.arange(3), [1], np.array([0, 1], np.int8))]:
        tuple_same(nc.ix_(*args), np.ix_(*args), str(args))
    a = np.arange(20.0).reshape(4, 5)
    same(nc.asarray(a)[nc.ix_([0, 3], [1, 4])], a[np.ix_([0, 3], [1, 4])])
    check_raises(nc, lambda m: m.ix_(np.ones((2, 2))), "Cross index must be 1 dimensional")


def test_geomspace(nc):
    for args, kw in [((1, 1000, 4), {}), ((1, 256, 9), {"endpoint": False}), ((-1, -1000, 4), {}),
                     ((8, 2, 3), {}), ((1, 1000), {}), ((1, 100, 3), {"dtype": "int32"}),
                     ((2, 2, 1), {}), ((1, 2, 0), {})]:
        exp = np.geomspace(*args, **kw)
        got = nc.geomspace(*args, **kw)
        assert np.dtype(str(got.dtype)) == exp.dtype, (args, kw)
        np.testing.assert_allclose(np.asarray(got), exp, rtol=1e-13)
    check_raises(nc, lambda m: m.geomspace(0, 10), "Geometric sequence cannot include zero")


def test_block(nc):
    A, B = np.eye(2) * 2, np.eye(3) * 3
    cases = [lambda m: m.block([[A, np.zeros((2, 3))], [np.ones((3, 2)), B]]),
             lambda m: m.block([1, 2, np.array([3, 4], np.int8)]),
             lambda m: m.block([[1, 2], [3, 4]]),
             lambda m: m.block([np.ones((2, 2)), np.zeros((2, 1))]),
             lambda m: m.block([[[1.5]], [[2.5]]]),
             lambda m: m.block(np.arange(3)),
             lambda m: m.block(5),
             lambda m: m.block([[np.ones((1, 2, 2))], [np.zeros((1, 2, 2))]])]
    for i, fn in enumerate(cases):
        both(nc, lambda m: fn(m) if m is np else fn(m), ctx=str(i))
    check_raises(nc, lambda m: m.block([[1, 2], 3]), "List depths are mismatched")
    check_raises(nc, lambda m: m.block([1, [2, 3]]), "List depths are mismatched")
    check_raises(nc, lambda m: m.block([[1], []]), r"List at arrays\[1\] cannot be empty")
    check_raises(nc, lambda m: m.block([]), "List at arrays cannot be empty")
    check_raises(nc, lambda m: m.block((1, 2)), "arrays is a tuple")
    check_raises(nc, lambda m: m.block([1, (2, 3)]), r"arrays\[1\] is a tuple")
    check_raises(nc, lambda m: m.block([[1, 2], [3]]))
    # differentiable through the joins
    x = nc.asarray(np.arange(4.0).reshape(2, 2))
    g = nc.grad(lambda a: nc.sum(nc.block([[a, a], [a * 2, a]]) ** 2))(x)
    same(g, 2 * np.arange(4.0).reshape(2, 2) * (1 + 1 + 4 + 1))


def test_insert(nc):
    a = np.arange(6).reshape(3, 2)
    cases = [(1, 5, None), (1, [1, 2, 3], 1), ([1], [[1], [2], [3]], 1), (1, [[1], [2], [3]], 1),
             (slice(2, 4), [5, 6], None), ([2, 2], [7.13, False], None), ([], [], None),
             (-1, 9.7, 0), (3, [[8, 9]], 0), ([0, 3, 1, -1], [10, 20, 30, 40], None),
             (np.array([1, 0]), np.array([[5.5, 6.5]]), 0), (0, 1, 1)]
    for obj, vals, axis in cases:
        both(nc, lambda m, x: m.insert(x, obj, vals, axis=axis), a, ctx=f"{obj} {vals} {axis}")
    both(nc, lambda m: m.insert([1.0, 2.0], 1, [3, 4]))
    check_raises(nc, lambda m: m.insert(m.asarray(a), 7, 1, axis=0))
    check_raises(nc, lambda m: m.insert(m.asarray(a), [[1]], 1, axis=0),
                 "index array argument obj to insert must be one dimensional or scalar")
    check_raises(nc, lambda m: m.insert(m.asarray(a), 1, [1, 2], axis=1))
    both(nc, lambda m, x: m.insert(x, 1, [1, 2, 3], axis=1), a)
    check_raises(nc, lambda m: m.insert(m.asarray(a), 1, 1, axis=2))
    x = nc.asarray(np.array([1.0, 2.0, 3.0]))
    gx, gv = nc.grad(lambda x, v: nc.sum(nc.insert(x, [0, 2], v) ** 2), argnums=(0, 1))(
        x, nc.asarray(np.array([4.0, 5.0])))
    same(gx, np.array([2.0, 4.0, 6.0]))
    same(gv, np.array([8.0, 10.0]))
