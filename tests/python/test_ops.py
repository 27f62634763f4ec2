"""Elementwise functions against NumPy, driven by optable.ELEMENTWISE.

Grid: every row x every dtype x a few shapes (0-d, a large odd 2-D block, a
broadcast / strided case), and every row x a few dtypes x every shape case
(empty, 1, 5, 2-D, 3-D, huge, and non-contiguous views made by numc's own
indexing/transpose). Also: dtypes a row does not support raise TypeError like
NumPy, nan/inf/-0.0 inputs, integer wrapping at the dtype limits, Python
scalar (weak) operands, and a check that every binding listed in
numc._numc._spec has a row.
"""
import importlib
import operator
import os

import numpy as np
import pytest

import optable as T
from optable import ELEMENTWISE, PAIRS, SHAPES, TRIPLES

# ---------------------------------------------------------------------------
# the parameter grid

FULL_DTYPE_CASES = {1: ["0d", "big", "neg"], 2: ["0d", "big", "col_row"], 3: ["0d", "bc"]}
ALIAS_CASES = {1: ["3x4"], 2: ["col_row"], 3: ["3x4"]}
SWEEP_PREF = ["float64", "float32", "int32", "uint8", "bool"]


def cases_for(arity):
    return {1: SHAPES, 2: PAIRS, 3: TRIPLES}[arity]


def case_tuple(arity, cid):
    c = cases_for(arity)[cid]
    return (c,) if arity == 1 else c


def sweep_dtypes(row):
    out = [d for d in SWEEP_PREF if d in row.dtypes][:3]
    if "complex128" in row.dtypes:
        out.append("complex128")
    return out


def grid():
    for row in ELEMENTWISE:
        if row.alias_of:
            for dt in row.dtypes:
                for cid in ALIAS_CASES[row.arity]:
                    yield row, dt, cid
            continue
        full = FULL_DTYPE_CASES[row.arity]
        for dt in row.dtypes:
            for cid in full:
                yield row, dt, cid
        for dt in sweep_dtypes(row):
            for cid in cases_for(row.arity):
                if cid not in full:
                    yield row, dt, cid


GRID = list(grid())

# every dtype once through the parallel (multi-threaded) kernels, on a large
# contiguous case and a large strided one
PARALLEL_CASES = {1: ["huge", "hugeT"], 2: ["huge", "hugeT_bc"], 3: ["big"]}
PARALLEL = [(r, d, c) for r in ELEMENTWISE if not r.alias_of and r.arity < 3
            for d in r.dtypes if d not in sweep_dtypes(r) for c in PARALLEL_CASES[r.arity]]


def run_row(nc, row, dt, cid, tol=None):
    row.nc_fn(nc)  # AttributeError names the missing function
    cases = case_tuple(row.arity, cid)
    rng = T.rng_for(row.name, dt, cid)
    pairs = [T.make_input(nc, rng, c, dt, d) for c, d in zip(cases, row.domains)]
    np_in = [p[0] for p in pairs]
    nc_in = [p[1] for p in pairs]
    exp = T.reference(row.fn, *np_in, bf16_native=row.bf16_native)
    ctx = f"{row.name}[{dt}, {cid}]"
    return exp, T.expect(exp, lambda: row.fn(nc, *nc_in), tol or row.tol, None, ctx)


@pytest.mark.parametrize("row,dt,cid", GRID, ids=[f"{r.name}-{d}-{c}" for r, d, c in GRID])
def test_elementwise(nc, row, dt, cid):
    exp, _ = run_row(nc, row, dt, cid)
    assert not isinstance(exp, T.Raised), \
        f"optable lists {dt} for {row.name}, but NumPy raises {exp!r}: fix the table"


@pytest.mark.parametrize("row,dt,cid", PARALLEL, ids=[f"{r.name}-{d}-{c}" for r, d, c in PARALLEL])
def test_elementwise_parallel(nc, row, dt, cid):
    run_row(nc, row, dt, cid)


UNSUPPORTED = [(r, d) for r in ELEMENTWISE if not r.alias_of
               for d in T.DTYPES if d not in r.dtypes]


@pytest.mark.parametrize("row,dt", UNSUPPORTED, ids=[f"{r.name}-{d}" for r, d in UNSUPPORTED])
def test_unsupported_dtype_raises(nc, row, dt):
    exp, _ = run_row(nc, row, dt, FULL_DTYPE_CASES[row.arity][0])
    assert isinstance(exp, T.Raised), \
        f"optable omits {dt} for {row.name}, but NumPy accepts it: fix the table"


# ---------------------------------------------------------------------------
# special values: nan, +-inf, +-0.0 (every combination for binary ops)

SPECIAL = [(r, d) for r in ELEMENTWISE if r.specials and not r.alias_of
           for d in T.FLOAT if d in r.dtypes]


@pytest.mark.parametrize("row,dt", SPECIAL, ids=[f"{r.name}-{d}" for r, d in SPECIAL])
def test_special_values(nc, row, dt):
    row.nc_fn(nc)
    xs = T.special_inputs(dt, row.arity)
    for i, dom in enumerate(row.domains):
        if dom.dtype:  # e.g. ldexp's integer exponent
            xs[i] = (np.arange(xs[i].size) % 7 - 3).reshape(xs[i].shape).astype(dom.dtype)
    exp = T.reference(row.fn, *xs, bf16_native=row.bf16_native)
    T.expect(exp, lambda: row.fn(nc, *[T.to_nc(nc, x) for x in xs]), row.tol, None,
             f"{row.name}[{dt}, specials]")


COMPLEX_SPECIAL_OPS = ["isnan", "isinf", "isfinite", "real", "imag", "conjugate", "negative",
                       "iscomplex", "isreal", "logical_not", "equal", "not_equal", "add",
                       "multiply", "absolute"]


@pytest.mark.parametrize("name", COMPLEX_SPECIAL_OPS)
@pytest.mark.parametrize("dt", T.COMPLEX)
def test_complex_special_values(nc, name, dt):
    row = T.ROWS[name]
    v = np.array(T.FLOAT_SPECIALS)
    re, im = np.meshgrid(v, v, indexing="ij")
    z = (re + 1j * im).astype(dt).ravel()
    xs = [z] if row.arity == 1 else [z, z[::-1].copy()]
    T.run_both(nc, row.fn, xs, [T.to_nc(nc, x) for x in xs], row.tol, None,
               f"{name}[{dt}, complex specials]")


# ---------------------------------------------------------------------------
# integers at their limits: NumPy wraps (and numc must, without C UB)

WRAP_UNARY = ["negative", "absolute", "square", "invert", "sign", "positive"]
WRAP_BINARY = ["add", "subtract", "multiply", "maximum", "minimum", "equal", "less",
               "bitwise_and", "bitwise_xor"]


def int_edges(dt):
    info = np.iinfo(dt)
    v = [info.min, info.min + 1, -1, 0, 1, 2, info.max - 1, info.max]
    return np.array([x for x in v if info.min <= x <= info.max], dtype=dt)


@pytest.mark.parametrize("dt", T.INT)
@pytest.mark.parametrize("name", WRAP_UNARY + WRAP_BINARY)
def test_int_limits(nc, name, dt):
    row = T.ROWS[name]
    v = int_edges(dt)
    if row.arity == 1:
        xs = [v]
    else:
        a, b = np.meshgrid(v, v, indexing="ij")
        xs = [a, b]
    T.run_both(nc, row.fn, xs, [T.to_nc(nc, x) for x in xs], None, None, f"{name}[{dt}, limits]")


@pytest.mark.parametrize("dt", T.INT)
@pytest.mark.parametrize("name", ["left_shift", "right_shift"])
def test_shift_limits(nc, name, dt):
    """Shift counts >= the bit width give 0 (or -1 for negative >>), as NumPy."""
    bits = np.dtype(dt).itemsize * 8
    v = int_edges(dt)
    s = np.array([0, 1, bits - 1, bits, bits + 1, 2 * bits + 3], dtype=dt)
    if np.iinfo(dt).max < 2 * bits + 3:
        s = s[s <= np.iinfo(dt).max]
    a, b = np.meshgrid(v, s, indexing="ij")
    T.run_both(nc, T.ROWS[name].fn, [a, b], [T.to_nc(nc, a), T.to_nc(nc, b)], None, None,
               f"{name}[{dt}, limits]")


@pytest.mark.parametrize("dt", ["int8", "uint8", "int32", "int64", "uint64"])
def test_int_power_wraps(nc, dt):
    a = np.array([0, 1, 2, 3, 5, 7, 11], dtype=dt)
    b = np.array([0, 1, 5, 9, 13, 31, 63], dtype=dt)
    A, B = np.meshgrid(a, b, indexing="ij")
    T.run_both(nc, T.ROWS["power"].fn, [A, B], [T.to_nc(nc, A), T.to_nc(nc, B)], None, None,
               f"power[{dt}, wrapping]")


# ---------------------------------------------------------------------------
# Python scalars are weak (NEP 50), through operators and through functions

OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "==": operator.eq,
    "!=": operator.ne, "<": operator.lt, ">=": operator.ge, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
}
SCALARS = [2, -3, 2.5, 1j, True, 300]


def scalar_operand(rng, dt):
    if dt == "bool":
        return np.ones((3, 4), dtype=bool)  # nonzero: 3 // arr must not divide by 0
    dom = T.D(lo=-5, hi=5, ilo=-5, ihi=5, nonzero=True, grid=0.5)
    return dom.gen(rng, dt, (3, 4))


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("op", list(OPERATORS))
def test_python_scalar_operator(nc, op, dt, scalar):
    f = OPERATORS[op]
    a = scalar_operand(T.rng_for("scalar", op, dt), dt)
    A = T.to_nc(nc, a)
    tol = {"complex128": 1e-10, "complex64": 1e-4} if op == "**" else None
    if op in ("<<", ">>") and not isinstance(scalar, complex):
        # keep shift counts in range so the operands are the interesting part
        a = np.abs(a) % 4 if a.dtype.kind in "iu" else a
        A = T.to_nc(nc, a)
    T.run_both(nc, lambda m, x: f(x, scalar), [a], [A], tol, None, f"arr {op} {scalar!r} [{dt}]")
    T.run_both(nc, lambda m, x: f(scalar, x), [a], [A], tol, None, f"{scalar!r} {op} arr [{dt}]")


FUNC_SCALAR_CASES = [
    ("add", lambda m, x: m.add(x, 1)),
    ("add_r", lambda m, x: m.add(2.5, x)),
    ("multiply", lambda m, x: m.multiply(x, 2.5)),
    ("subtract_r", lambda m, x: m.subtract(3, x)),
    ("maximum", lambda m, x: m.maximum(x, 0)),
    ("power", lambda m, x: m.power(x, 2)),
    ("divide", lambda m, x: m.divide(x, 4)),
    ("arctan2", lambda m, x: m.arctan2(x, 1.0)),
    ("ldexp", lambda m, x: m.ldexp(x, 2)),
    ("where", lambda m, x: m.where(x > 0, x, 0)),
    ("where_f", lambda m, x: m.where(x > 0, 1.5, x)),
    ("clip", lambda m, x: m.clip(x, 1, 3)),
    ("equal_300", lambda m, x: m.equal(x, 300)),
    ("add_300", lambda m, x: m.add(x, 300)),
    ("add_neg", lambda m, x: m.add(x, -1)),
    ("copysign", lambda m, x: m.copysign(x, -1.0)),
]


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("name,fn", FUNC_SCALAR_CASES, ids=[c[0] for c in FUNC_SCALAR_CASES])
def test_python_scalar_function(nc, name, fn, dt):
    a = scalar_operand(T.rng_for("fscalar", name, dt), dt)
    T.run_both(nc, fn, [a], [T.to_nc(nc, a)], None, None, f"{name}[{dt}]")


@pytest.mark.parametrize("dt,scalar", [("uint8", 300), ("uint8", -1), ("int8", 200),
                                       ("int16", 2**16), ("uint64", -1), ("int64", 2**63)])
def test_out_of_range_python_int_overflows(nc, dt, scalar):
    """NumPy 2: uint8_arr + 300 raises OverflowError (the scalar does not fit)."""
    a = nc.asarray(np.ones(3, dtype=dt))
    with pytest.raises(OverflowError):
        a + scalar
    with pytest.raises(OverflowError):
        nc.add(a, scalar)


# ---------------------------------------------------------------------------
# broadcasting: random mutually broadcastable shapes (hypothesis, derandomized)

try:
    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
    HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover
    HAVE_HYPOTHESIS = False

if HAVE_HYPOTHESIS:
    @given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    min_side=0, max_side=4),
           name=st.sampled_from(["add", "multiply", "maximum", "less", "arctan2", "subtract"]),
           dt=st.sampled_from(["float64", "int32", "float32", "uint8", "complex64"]),
           transpose=st.booleans())
    def test_broadcasting_property(nc, shapes, name, dt, transpose):
        row = T.ROWS[name]
        if dt not in row.dtypes:
            return
        rng = T.rng_for("hyp", shapes, name, dt)
        xs, ncs = [], []
        for shp, dom in zip(shapes.input_shapes, row.domains):
            if transpose and len(shp) >= 2:   # a transposed numc view of the same shape
                base = dom.gen(rng, dt, shp[::-1])
                xs.append(base.T)
                ncs.append(T.to_nc(nc, base).T)
            else:
                x = dom.gen(rng, dt, shp)
                xs.append(x)
                ncs.append(T.to_nc(nc, x))
        exp = T.reference(row.fn, *xs)
        T.expect(exp, lambda: row.fn(nc, *ncs), row.tol, None, f"{name}({dt}, {shapes})")


# ---------------------------------------------------------------------------
# ufunc keywords: dtype= and out=

DTYPE_KW_CASES = [
    ("sin", "int8", "float32"), ("sin", "float32", "float64"), ("add", "int8", "int32"),
    ("add", "float64", "float32"), ("multiply", "uint8", "float64"), ("sqrt", "int32", "float32"),
    ("exp", "float16", "float32"), ("negative", "int16", "int64"), ("divide", "int8", "float32"),
    ("add", "float32", "bfloat16"),
]


@pytest.mark.parametrize("name,src,dst", DTYPE_KW_CASES, ids=["-".join(c) for c in DTYPE_KW_CASES])
def test_ufunc_dtype_keyword(nc, name, src, dst):
    row = T.ROWS[name]
    rng = T.rng_for("dtype_kw", name, src, dst)
    xs = [T.D(lo=0.5, hi=4, ilo=1, ihi=4).gen(rng, src, (3, 4)) for _ in range(row.arity)]
    fn = lambda m, *a: getattr(m, name)(*a, dtype=T.module_dtype(m, dst))  # noqa: E731
    if dst == "bfloat16":
        with T.quiet():
            exp = getattr(np, name)(*[x.astype(np.float32) for x in xs]).astype(T.BF16)
    else:
        exp = T.reference(fn, *xs)
    T.expect(exp, lambda: fn(nc, *[T.to_nc(nc, x) for x in xs]), None, None,
             f"{name}({src}, dtype={dst})")


@pytest.mark.parametrize("name", ["add", "sin", "multiply", "maximum", "sqrt"])
def test_out_keyword(nc, name):
    """out= writes into the given array (its handle is rebound) and returns it."""
    row = T.ROWS[name]
    rng = T.rng_for("out", name)
    xs = [T.D(lo=0.5, hi=4).gen(rng, "float64", (3, 4)) for _ in range(row.arity)]
    exp = T.reference(row.fn, *xs)
    out = nc.zeros((3, 4))
    r = getattr(nc, name)(*[T.to_nc(nc, x) for x in xs], out=out)
    T.check(out, exp, ctx=f"{name}(out=): the out array")
    T.check(r, exp, ctx=f"{name}(out=): the return value")
    assert r is out, "ufunc(out=o) must return o itself"


def test_out_keyword_casts(nc):
    out = nc.zeros(3, dtype="float32")
    nc.add(nc.asarray(np.arange(3)), 1, out=out)
    T.check(out, np.arange(1, 4).astype(np.float32), ctx="add(int64 -> float32 out)")
    with pytest.raises(TypeError):
        nc.add(nc.asarray(np.ones(3)), 1.5, out=nc.zeros(3, dtype="int64"))  # same_kind
    with pytest.raises(ValueError):
        nc.add(nc.ones(3), nc.ones(3), out=nc.zeros(4))


# ---------------------------------------------------------------------------
# every binding has a row


def covered_names():
    """Names with a test: the elementwise table plus the COVERS list that each
    test module in this directory declares (other suites can add theirs)."""
    names = set(T.elementwise_names())
    here = os.path.dirname(os.path.abspath(__file__))
    for fn in sorted(os.listdir(here)):
        if fn.startswith("test_") and fn.endswith(".py"):
            try:
                mod = importlib.import_module(fn[:-3])
            except Exception:  # noqa: BLE001 — a broken module fails on its own
                continue
            names |= set(getattr(mod, "COVERS", ()))
    return names


def spec_rows(nc):
    spec = getattr(getattr(nc, "_numc", None), "_spec", None)
    if spec is None:
        pytest.skip("numc._numc._spec is not present")
    rows = []
    for r in spec:
        if isinstance(r, (tuple, list)):
            rows.append((r[0], r[1] if len(r) > 1 else ""))
        elif isinstance(r, str):
            rows.append((r, ""))
        else:
            rows.append((getattr(r, "name", str(r)), getattr(r, "kind", "")))
    return rows


def test_every_spec_binding_has_a_row(nc):
    covered = covered_names()
    missing = sorted({name for name, kind in spec_rows(nc)
                      if name not in covered and not str(kind).startswith(("method", "attr"))})
    assert not missing, f"bindings in numc._numc._spec with no test row: {missing}"


def test_table_names_exist(nc):
    missing = sorted(n for n in covered_names() if not hasattr(nc, n))
    assert not missing, f"numc lacks: {missing}"

