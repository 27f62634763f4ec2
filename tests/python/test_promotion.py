"""Type promotion as NumPy 2 (NEP 50): promote_types, result_type, can_cast,
finfo, iinfo, mixed-dtype binary ops over every dtype pair, Python scalars
weak, NumPy scalars and 0-d arrays strong.

bfloat16 has no NumPy promotion rules; numc's are float16's with one change:
bfloat16 with float16 gives float32 (as JAX and ml_dtypes' ufuncs do).
"""
import itertools

import ml_dtypes
import numpy as np
import pytest

import optable as T

COVERS = ["promote_types", "result_type", "can_cast", "finfo", "iinfo"]

PAIRS = list(itertools.product(T.DTYPES, T.DTYPES))


def expected_promote(a, b):
    if a == b:
        return a
    if "bfloat16" in (a, b):
        other = b if a == "bfloat16" else a
        if other == "float16":
            return "float32"
        r = np.promote_types("float16", other).name
        return "bfloat16" if r == "float16" else r
    return np.promote_types(a, b).name


def expected_can_cast(a, b, casting):
    if a == b:
        return True
    if "bfloat16" in (a, b):
        if {a, b} == {"bfloat16", "float16"}:
            return casting in ("same_kind", "unsafe")
        a16 = "float16" if a == "bfloat16" else a
        b16 = "float16" if b == "bfloat16" else b
        return bool(np.can_cast(a16, b16, casting))
    return bool(np.can_cast(a, b, casting))


@pytest.mark.parametrize("a", T.DTYPES)
def test_promote_types(nc, a):
    bad = []
    for b in T.DTYPES:
        got = str(nc.promote_types(a, b))
        if got != expected_promote(a, b):
            bad.append(f"promote_types({a}, {b}) = {got}, expected {expected_promote(a, b)}")
    assert not bad, "; ".join(bad)


def test_promote_types_accepts_dtype_objects(nc):
    assert str(nc.promote_types(np.int8, np.uint8)) == "int16"
    assert str(nc.promote_types(np.dtype("float32"), "int16")) == "float32"
    assert str(nc.promote_types(nc.zeros(1, dtype="int32").dtype, "float16")) == "float64"
    assert str(nc.promote_types(T.BF16, "int8")) == "bfloat16"


@pytest.mark.parametrize("casting", ["no", "equiv", "safe", "same_kind", "unsafe"])
def test_can_cast(nc, casting):
    bad = []
    for a, b in PAIRS:
        got = nc.can_cast(a, b, casting=casting)
        if bool(got) != expected_can_cast(a, b, casting):
            bad.append(f"can_cast({a}, {b}, {casting}) = {got}")
    assert not bad, "; ".join(bad[:20]) + (f" (+{len(bad) - 20})" if len(bad) > 20 else "")


def test_can_cast_default_and_array(nc):
    assert nc.can_cast("int8", "int16") is True or nc.can_cast("int8", "int16") == True  # noqa
    assert not nc.can_cast("float64", "float32")
    assert nc.can_cast(nc.zeros(2, dtype="int8"), "float32")
    assert not nc.can_cast(nc.zeros(2, dtype="float64"), "int64")


RT_CASES = {
    "i8_u8": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "int8")),
                                     m.ones(2, dtype=T.module_dtype(m, "uint8"))),
    "i8_int": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "int8")), 1),
    "i8_float": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "int8")), 1.0),
    "f32_float": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "float32")), 1.0),
    "f16_complex": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "float16")), 1j),
    "u8_neg_int": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "uint8")), -1),
    "bool_int": lambda m: m.result_type(m.ones(2, dtype=bool), 1),
    "bool_bool": lambda m: m.result_type(m.ones(2, dtype=bool), True),
    "int_float": lambda m: m.result_type(1, 2.0),
    "int": lambda m: m.result_type(1),
    "float": lambda m: m.result_type(1.0),
    "complex": lambda m: m.result_type(1j),
    "strs": lambda m: m.result_type("int8", "uint8"),
    "three": lambda m: m.result_type("int8", "uint16", "float16"),
    "dtype_and_scalar": lambda m: m.result_type("float16", 2.5),
    "i16_f16": lambda m: m.result_type("int16", "float16"),
    "u64_i64": lambda m: m.result_type("uint64", "int64"),
    "c64_f64": lambda m: m.result_type("complex64", "float64"),
    "0d_strong": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "int8")),
                                         m.asarray(3)),
    "np_scalar_strong": lambda m: m.result_type(m.ones(2, dtype=T.module_dtype(m, "int8")),
                                                np.int64(3)),
}


@pytest.mark.parametrize("name", list(RT_CASES))
def test_result_type(nc, name):
    fn = RT_CASES[name]
    exp = T.call_np(fn, np)
    got = fn(nc)
    assert str(got) == str(exp), f"result_type[{name}] = {got}, NumPy gives {exp}"


@pytest.mark.parametrize("b", T.DTYPES)
def test_result_type_bfloat16(nc, b):
    got = nc.result_type(nc.ones(2, dtype="bfloat16"), nc.ones(2, dtype=b))
    assert str(got) == expected_promote("bfloat16", b)
    got = nc.result_type(nc.ones(2, dtype="bfloat16"), 2.5)
    assert str(got) == "bfloat16"
    got = nc.result_type(nc.ones(2, dtype="bfloat16"), 1j)
    assert str(got) == "complex64"


# ---------------------------------------------------------------------------
# mixed-dtype binary ops: dtype and values for every pair

MIXED_OPS = ["add", "subtract", "multiply", "divide", "maximum", "equal", "less",
             "floor_divide", "power", "arctan2", "bitwise_and", "logical_and", "copysign",
             "where"]
MIXED_DOM = T.D(lo=-3, hi=3, ilo=1, ihi=3, grid=0.5, nonzero=True, clo=0.5, chi=2)


def _mixed_fn(name):
    if name == "where":
        return lambda m, a, b: m.where(a == a, a, b)
    return T.ROWS[name].fn


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("name", MIXED_OPS)
def test_mixed_dtype_binary(nc, name, a, b):
    rng = T.rng_for("mixed", name, a, b)
    x = MIXED_DOM.gen(rng, a, (2, 3))
    y = MIXED_DOM.gen(rng, b, (3,))
    fn = _mixed_fn(name)
    exp = T.reference(fn, x, y)
    tol = {"float16": 1e-2, "bfloat16": 1e-2, "complex64": 1e-4, "complex128": 1e-10}
    T.expect(exp, lambda: fn(nc, T.to_nc(nc, x), T.to_nc(nc, y)), tol, None,
             f"{name}({a}, {b})")


# NumPy scalars and 0-d arrays are strongly typed; Python scalars are weak.
STRONG_CASES = {
    "i8+np.float32": lambda m, a: a + np.float32(2),
    "f16+np.float64": lambda m, a: a + np.float64(1.5),
    "u8+np.int64": lambda m, a: a + np.int64(3),
    "i8*np.int8": lambda m, a: a * np.int8(2),
    "f32+np.complex64": lambda m, a: a + np.complex64(1j),
    "i8+0d_int64": lambda m, a: a + m.asarray(3),
    "i8+0d_float": lambda m, a: a + m.asarray(2.5),
    "f32+0d_float64": lambda m, a: m.add(a, m.asarray(1.5)),
    "np.float32+arr": lambda m, a: np.float32(2) + a if m is np else m.add(np.float32(2), a),
    "py_int_py_float": lambda m, a: m.add(m.multiply(a, 2), 0.5),
}


@pytest.mark.parametrize("dt", ["int8", "uint8", "float16", "float32", "bool", "bfloat16"])
@pytest.mark.parametrize("name", list(STRONG_CASES))
def test_numpy_scalars_and_0d_are_strong(nc, name, dt):
    rng = T.rng_for("strong", name, dt)
    a = T.D(lo=-3, hi=3, ilo=0, ihi=3).gen(rng, dt, (4,))
    fn = STRONG_CASES[name]
    T.run_both(nc, fn, [a], [T.to_nc(nc, a)], None, None, f"{name}[{dt}]")


def test_weak_scalar_does_not_upcast(nc):
    a = nc.ones(3, dtype="float32")
    assert str((a * 2.5).dtype) == "float32"
    assert str((a + 1).dtype) == "float32"
    assert str((2 ** a).dtype) == "float32"
    b = nc.ones(3, dtype="int8")
    assert str((b + 1).dtype) == "int8"
    assert str((b + 1.5).dtype) == "float64"
    assert str((b * 1j).dtype) == "complex128"
    h = nc.ones(3, dtype="bfloat16")
    assert str((h * 2.5).dtype) == "bfloat16"
    assert str((h + 1).dtype) == "bfloat16"
    assert str((h + 1j).dtype) == "complex64"
    assert str((nc.ones(3, dtype="float16") + 1j).dtype) == "complex64"
    assert str((nc.ones(3, dtype=bool) + 1).dtype) == "int64"
    assert str((nc.ones(3, dtype=bool) & True).dtype) == "bool"


# ---------------------------------------------------------------------------
# finfo / iinfo


@pytest.mark.parametrize("dt", T.FLOAT + T.COMPLEX)
def test_finfo(nc, dt):
    ref = ml_dtypes.finfo(T.BF16) if dt == "bfloat16" else np.finfo(dt)
    for arg in (dt, T.np_dtype(dt) if dt != "bfloat16" else "bfloat16"):
        f = nc.finfo(arg)
        assert f.bits == ref.bits, (dt, "bits")
        for attr in ["eps", "max", "min", "tiny", "smallest_normal", "resolution", "epsneg"]:
            assert float(getattr(f, attr)) == float(getattr(ref, attr)), (dt, attr)
        assert str(f.dtype) == T.dtype_name(ref.dtype), (dt, "dtype")
        for attr in ["precision", "maxexp", "minexp", "nmant", "nexp", "iexp"]:
            if hasattr(f, attr):
                assert int(getattr(f, attr)) == int(getattr(ref, attr)), (dt, attr)


def test_finfo_of_array(nc):
    """Array API: finfo/iinfo also take an array."""
    assert nc.finfo(nc.ones(2, dtype="float32")).bits == 32
    assert nc.iinfo(nc.ones(2, dtype="int16")).max == 32767


@pytest.mark.parametrize("dt", T.INT)
def test_iinfo(nc, dt):
    ref = np.iinfo(dt)
    for arg in (dt, np.dtype(dt)):
        i = nc.iinfo(arg)
        assert (i.bits, int(i.min), int(i.max)) == (ref.bits, int(ref.min), int(ref.max)), dt
        assert str(i.dtype) == dt


@pytest.mark.parametrize("fn,arg", [("finfo", "int32"), ("finfo", "bool"), ("iinfo", "float32"),
                                    ("iinfo", "complex64"), ("iinfo", "bool")])
def test_info_wrong_kind_raises(nc, fn, arg):
    with pytest.raises(ValueError):
        getattr(np, fn)(arg)
    with pytest.raises(ValueError):
        getattr(nc, fn)(arg)
