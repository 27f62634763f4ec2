"""Creation functions and astype against NumPy: array asarray zeros ones full
empty *_like arange linspace eye identity; every dtype, given as a string,
a numc dtype object and a NumPy dtype; round trips through NumPy
(ml_dtypes.bfloat16 for bfloat16)."""
import numpy as np
import pytest

import optable as T

COVERS = ["array", "asarray", "asanyarray", "ascontiguousarray", "copy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
          "empty_like", "full_like", "arange", "linspace", "eye", "identity", "astype"]


def direct(fn):
    """NumPy's answer to fn(np) (bfloat16 handled natively by ml_dtypes)."""
    return T.call_np(fn, np)


def same(nc, fn, ctx="", tol=None):
    """fn(np) vs fn(nc), comparing value, dtype and shape (or the exception)."""
    T.expect(direct(fn), lambda: fn(nc), tol, None, ctx or getattr(fn, "__name__", ""))


DT = T.module_dtype

# ---------------------------------------------------------------------------
# asarray / array

PY_VALUES = {
    "int": 3, "neg_int": -7, "float": 2.5, "bool": True, "complex": 1 + 2j,
    "list_int": [1, 2, 3], "list_float": [1.0, 2.5], "list_mixed": [1, 2.5],
    "list_bool": [True, False], "list_bool_int": [True, 2], "list_complex": [1, 1j],
    "nested": [[1, 2, 3], [4, 5, 6]], "nested3": [[[1.5], [2]], [[3], [4]]],
    "tuple": (1, 2), "empty": [], "empty2": [[], []], "uint64_big": [2**63, 1],
    "int64_min": [-2**63], "np_scalars": [np.float32(1), np.float32(2)],
    "np_scalar_f32": np.float32(1.5), "np_scalar_i8": np.int8(-3),
    "np_scalar_u64": np.uint64(2**64 - 1), "np_bool": np.bool_(True),
    "list_of_0d": [np.asarray(1.5), np.asarray(2.5)], "big_float": [1e308, -1e-308],
}


@pytest.mark.parametrize("fname", ["asarray", "array"])
@pytest.mark.parametrize("name", list(PY_VALUES))
def test_from_python(nc, fname, name):
    v = PY_VALUES[name]
    same(nc, lambda m: getattr(m, fname)(v), f"{fname}({name})")


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("name", ["int", "list_int", "nested", "list_bool", "float"])
def test_asarray_with_dtype(nc, name, dt):
    v = PY_VALUES[name]
    same(nc, lambda m: m.asarray(v, dtype=DT(m, dt)), f"asarray({name}, dtype={dt})")


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("layout", ["contig", "0d", "T", "neg", "step", "empty"])
def test_from_numpy(nc, dt, layout):
    """numpy -> numc keeps dtype, shape and values for every dtype and layout
    (bfloat16 through ml_dtypes); numc -> numpy via __array__ gives the same."""
    rng = T.rng_for("from_numpy", dt, layout)
    a = T.ANY.gen(rng, dt, (3, 4))
    a = {"contig": a, "0d": a[1, 2], "T": a.T, "neg": a[::-1, ::-2], "step": a[:, ::3],
         "empty": a[:0]}[layout]
    if layout == "0d":
        a = np.asarray(a)
    r = nc.asarray(a)
    T.check(r, a, ctx=f"asarray(numpy {dt} {layout})")
    back = np.asarray(r)
    assert back.dtype == T.np_dtype(dt), f"np.asarray(numc {dt}) gave dtype {back.dtype}"
    assert back.shape == a.shape
    assert T.compare_values(back, a, rtol=0.0) == [], "np.asarray(numc array) changed values"


@pytest.mark.parametrize("dt", ["float64", "int32", "bfloat16", "complex64"])
def test_asarray_numc_input(nc, dt):
    a = T.to_nc(nc, T.ANY.gen(T.rng_for("anc", dt), dt, (2, 3)))
    b = nc.asarray(a)
    T.check(b, T.to_np(a), ctx="asarray(numc array)")
    c = nc.asarray(a, dtype="float32")
    T.check(c, T.to_np(a).astype(np.float32), ctx="asarray(numc, dtype=float32)")
    d = nc.array(a)
    T.check(d, T.to_np(a), ctx="array(numc array)")


@pytest.mark.parametrize("fname", ["asanyarray", "ascontiguousarray", "copy", "array"])
def test_asarray_variants(nc, fname):
    a = T.ANY.gen(T.rng_for("variants", fname), "float32", (3, 4))
    for x in (a, a.T, a[::-1, 1:]):
        T.check(getattr(nc, fname)(x), x.copy(), ctx=f"{fname}(numpy view)")
        T.check(getattr(nc, fname)(nc.asarray(x).T), x.T.copy(), ctx=f"{fname}(numc view)")
    same(nc, lambda m: getattr(m, fname)([[1, 2], [3, 4]]), f"{fname}(list)")
    if fname != "copy":
        same(nc, lambda m: getattr(m, fname)([1, 2], dtype=DT(m, "int16")), f"{fname}(dtype)")


def test_array_ndmin_and_copy_flags(nc):
    same(nc, lambda m: m.array([1, 2], ndmin=3), "array(ndmin=3)")
    same(nc, lambda m: m.array(5, ndmin=2), "array(5, ndmin=2)")
    same(nc, lambda m: m.asarray([1.5, 2.5], copy=True), "asarray(copy=True)")
    a = nc.asarray(np.arange(3.0))
    T.check(nc.asarray(a, copy=False), np.arange(3.0), ctx="asarray(numc, copy=False)")


def test_numpy_scalar_dtypes(nc):
    for v in [np.float16(1.5), np.int16(-2), np.uint32(7), np.complex64(1 + 1j),
              np.float64(2.25), np.bool_(False)]:
        same(nc, lambda m: m.asarray(v), f"asarray({type(v).__name__})")


def test_dtype_objects(nc):
    """numc exposes dtype objects; str() is the NumPy name; they work as dtype=."""
    for dt in T.DTYPES:
        obj = getattr(nc, dt if dt != "bool" else "bool_", None) or getattr(nc, dt, None)
        assert obj is not None, f"numc.{dt} is missing"
        z = nc.zeros(2, dtype=obj)
        assert str(z.dtype) == dt
        assert z.dtype == dt or str(z.dtype) == dt
        z = nc.zeros(2, dtype=np.dtype(T.np_dtype(dt)))
        assert str(z.dtype) == dt, f"dtype=np.dtype({dt}) gave {z.dtype}"
    for pytype, name in [(float, "float64"), (int, "int64"), (bool, "bool"),
                         (complex, "complex128")]:
        assert str(nc.zeros(1, dtype=pytype).dtype) == name
    for t, name in [(np.float32, "float32"), (np.int8, "int8"), (np.uint16, "uint16")]:
        assert str(nc.zeros(1, dtype=t).dtype) == name
    assert str(nc.zeros(1, dtype=T.BF16).dtype) == "bfloat16"


# ---------------------------------------------------------------------------
# zeros ones empty full and *_like

SHAPES = [(), 0, 3, (0,), (2, 3), (2, 0, 3), (1, 1, 1, 1), [2, 2]]


@pytest.mark.parametrize("dt", [None] + T.DTYPES)
@pytest.mark.parametrize("fname", ["zeros", "ones"])
def test_zeros_ones(nc, fname, dt):
    for s in SHAPES:
        if dt is None:
            same(nc, lambda m: getattr(m, fname)(s), f"{fname}({s})")
        else:
            same(nc, lambda m: getattr(m, fname)(s, dtype=DT(m, dt)), f"{fname}({s}, {dt})")


@pytest.mark.parametrize("dt", [None] + T.DTYPES)
def test_empty(nc, dt):
    for s in SHAPES:
        r = nc.empty(s) if dt is None else nc.empty(s, dtype=dt)
        e = np.empty(s) if dt is None else np.empty(s, dtype=T.np_dtype(dt))
        assert tuple(r.shape) == e.shape and str(r.dtype) == T.dtype_name(e.dtype)


FILLS = [7, -1, 2.5, True, 1 + 2j, 0, 300]


@pytest.mark.parametrize("dt", [None] + T.DTYPES)
@pytest.mark.parametrize("fill", FILLS, ids=repr)
def test_full(nc, fill, dt):
    if dt is None:
        same(nc, lambda m: m.full((2, 3), fill), f"full({fill!r})")
    else:
        same(nc, lambda m: m.full((2, 3), fill, dtype=DT(m, dt)), f"full({fill!r}, {dt})")


def test_full_array_fill(nc):
    same(nc, lambda m: m.full((2, 3), m.asarray(np.float32(1.5))), "full(0-d float32)")
    same(nc, lambda m: m.full((2, 3), m.asarray([1, 2, 3], dtype=DT(m, "int8"))),
         "full(row fill)")
    same(nc, lambda m: m.full(3, np.float32(1.5)), "full(np.float32)")


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("fname", ["zeros_like", "ones_like", "full_like", "empty_like"])
def test_like(nc, fname, dt):
    a = T.ANY.gen(T.rng_for("like", dt), dt, (2, 3))
    A = T.to_nc(nc, a)
    args = (2,) if fname == "full_like" else ()

    def call(m, x, **kw):
        return getattr(m, fname)(x, *args, **kw)
    for kw in [{}, {"dtype": "float32"}, {"dtype": "int8"}]:
        exp = T.reference(lambda m, x: call(m, x, **kw), a)
        got = call(nc, A, **kw)
        if fname == "empty_like":
            assert tuple(got.shape) == exp.shape and str(got.dtype) == T.dtype_name(exp.dtype)
        else:
            T.check(got, exp, ctx=f"{fname}({dt}, {kw})")
    # the 0-d and the view case keep their shape
    T.check(nc.zeros_like(A.T), np.zeros_like(a.T), ctx="zeros_like(view)")
    if fname == "full_like":
        same(nc, lambda m: m.full_like(m.asarray(np.arange(3)), 2.5), "full_like(int, 2.5)")


# ---------------------------------------------------------------------------
# arange linspace eye identity

ARANGE = [
    (5,), (0,), (-3,), (2, 10), (10, 2), (0, 1, 0.1), (10, 0, -3), (-3, 3, 0.5), (1.5,),
    (0.5, 4), (1, 2, 0.3), (0, 10, 3), (5, 5), (0, -5, -1), (2**40, 2**40 + 3),
    (0.0, 1.0, 1e-1), (1e-3, 2e-3, 1e-4),
]


@pytest.mark.parametrize("args", ARANGE, ids=repr)
def test_arange(nc, args):
    same(nc, lambda m: m.arange(*args), f"arange{args}")


@pytest.mark.parametrize("dt", T.DTYPES)
def test_arange_dtype(nc, dt):
    if dt == "bool":
        same(nc, lambda m: m.arange(2, dtype=DT(m, dt)), "arange(2, bool)")
        return
    same(nc, lambda m: m.arange(0, 6, 2, dtype=DT(m, dt)), f"arange(0, 6, 2, {dt})")
    same(nc, lambda m: m.arange(5, dtype=DT(m, dt)), f"arange(5, {dt})")


def test_arange_keywords(nc):
    same(nc, lambda m: m.arange(start=1, stop=7, step=2), "arange(start=, stop=, step=)")
    same(nc, lambda m: m.arange(stop=4), "arange(stop=4)")
    same(nc, lambda m: m.arange(3.0, dtype=DT(m, "float32")), "arange(3.0, float32)")


LINSPACE = [
    dict(start=0, stop=1, num=5), dict(start=0, stop=1, num=5, endpoint=False),
    dict(start=1, stop=0, num=7), dict(start=0, stop=1, num=0), dict(start=0, stop=1, num=1),
    dict(start=-2.5, stop=2.5, num=11), dict(start=0, stop=10, num=7, dtype="int32"),
    dict(start=0, stop=1, num=4, dtype="float32"), dict(start=3, stop=3, num=3),
    dict(start=0, stop=1), dict(start=-5, stop=5, num=4, dtype="int64", endpoint=False),
    dict(start=1e-3, stop=1e3, num=9),
]


@pytest.mark.parametrize("kw", LINSPACE, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
def test_linspace(nc, kw):
    same(nc, lambda m: m.linspace(**kw), f"linspace({kw})",
         tol={"float64": 4e-16 * 4, "float32": 1e-6})


def test_linspace_bfloat16(nc):
    same(nc, lambda m: m.linspace(0, 1, 5, dtype=DT(m, "bfloat16")), "linspace(bfloat16)")


EYE = [(3,), (3, 4), (4, 3), (3, 4, 1), (3, 4, -2), (3, 3, 5), (0,), (1,), (3, None, -1)]


@pytest.mark.parametrize("args", EYE, ids=repr)
def test_eye(nc, args):
    same(nc, lambda m: m.eye(*args), f"eye{args}")


@pytest.mark.parametrize("dt", T.DTYPES)
def test_eye_identity_dtype(nc, dt):
    same(nc, lambda m: m.eye(3, 4, k=1, dtype=DT(m, dt)), f"eye(3, 4, k=1, {dt})")
    same(nc, lambda m: m.identity(3, dtype=DT(m, dt)), f"identity(3, {dt})")
    same(nc, lambda m: m.eye(2, M=3, dtype=DT(m, dt)), f"eye(2, M=3, {dt})")


def test_identity(nc):
    same(nc, lambda m: m.identity(4), "identity(4)")
    same(nc, lambda m: m.identity(0), "identity(0)")


# ---------------------------------------------------------------------------
# astype: every pair of dtypes, on values both can represent


def cast_values(src, dst):
    v = [0, 1, 2, 3, 7, 100]
    ks, kd = T.kind(src), T.kind(dst)
    if ks == "b":
        return [0, 1, 1, 0, 1, 0]
    if ks == "i" and kd in "ifcb":
        v += [-1, -3, -100]
    if ks == "i" and kd == "u":
        v += [-1, -2]                        # modular, as NumPy
    if ks in "fc":
        v += [0.5, 2.5, 2.75, 99.25]
        if kd in "ifcb":
            v += [-2.75, -0.5]
        if kd in "fcb":
            v += [1e5, -1e5, 3.14159]
    if ks in "iu" and np.iinfo(src).bits >= 16 and kd in "iu":
        v += [300, 1000]                     # wraps into narrower ints
    if ks in "iu" and np.iinfo(src).bits >= 32 and kd in "iu":
        v += [70000]
    return v


@pytest.mark.parametrize("dst", T.DTYPES)
@pytest.mark.parametrize("src", T.DTYPES)
def test_astype(nc, src, dst):
    v = cast_values(src, dst)
    with T.quiet():
        a = np.array(v, dtype=np.float64).astype(T.np_dtype(src)) if T.kind(src) in "fc" \
            else np.array(v).astype(T.np_dtype(src))
        if T.kind(src) == "c":
            a = a + (1j * np.arange(len(v)) * 0.5).astype(a.dtype)
        exp = a.astype(T.np_dtype(dst))
    A = T.to_nc(nc, a)
    with T.quiet():
        got = A.astype(dst)
        got2 = nc.astype(A, dst)
    T.check(got, exp, rtol=0.0, ctx=f"{src}.astype({dst})")
    T.check(got2, exp, rtol=0.0, ctx=f"numc.astype({src}, {dst})")


@pytest.mark.parametrize("dst", ["float16", "bfloat16", "float32"])
def test_astype_rounds_to_nearest_even(nc, dst):
    """float64 -> narrow floats round to nearest, ties to even (also overflow
    to inf, subnormals)."""
    rng = T.rng_for("rne", dst)
    a = np.concatenate([rng.standard_normal(2000) * 10.0 ** rng.integers(-8, 8, 2000),
                        [1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8, 65520.0,
                         65519.0, 3.4e38, 1e39, -1e39, 6e-8, 1e-45, 1e-40, 0.0, -0.0]])
    a32 = a.astype(np.float32)
    with T.quiet():
        exp64 = a.astype(T.np_dtype(dst))
        exp32 = a32.astype(T.np_dtype(dst))
    if dst != "float32":
        T.check(nc.asarray(a32).astype(dst), exp32, rtol=0.0, ctx=f"float32->{dst}")
    got = nc.asarray(a).astype(dst)
    T.check(got, exp64, rtol=0.0, ctx=f"float64->{dst}")


def test_astype_copy_and_method_kw(nc):
    a = nc.asarray(np.arange(6).reshape(2, 3))
    T.check(a.astype("float32", copy=True), np.arange(6).reshape(2, 3).astype(np.float32))
    T.check(a.astype(dtype="int8"), np.arange(6).reshape(2, 3).astype(np.int8))


# Python floats into integer dtypes: NumPy truncates, then range-checks the
# integer; out of range raises OverflowError (never wraps), with NumPy's text.
@pytest.mark.parametrize("dt", ["int8", "int16", "int32", "int64",
                                "uint8", "uint16", "uint32", "uint64"])
@pytest.mark.parametrize("v", [1e19, 1e20, -1e19, 300.0, -1.0, 3e9, -3e9,
                               70000.0, 2.5, -2.7, 9.2e18])
@pytest.mark.parametrize("as_list", [False, True])
def test_float_into_int_dtype_range(nc, dt, v, as_list):
    obj = [v, 1.0] if as_list else v

    def run(m):
        try:
            return "ok", m.array(obj, dtype=dt).tolist()
        except (OverflowError, ValueError) as e:
            return type(e).__name__, str(e)

    assert run(nc) == run(np)
