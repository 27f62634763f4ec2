"""optable — the one operation table that drives numc's Python conformance tests.

NumPy is the oracle. Each row says how to call an operation on a module
(`fn(m, *xs)` with m = numpy or numc), which dtypes it supports, how to draw
valid inputs per argument (the *domain*), and how close a float result must
be. The tests build the NumPy inputs first, convert them with `to_nc`, call
both libraries on identical inputs, and compare value, dtype and shape
(`check`). Adding an operation means adding a row here.

bfloat16: NumPy has no bfloat16, so the reference for bfloat16 inputs is
computed with the bfloat16 operands widened to float32 (exactly), and the
expected dtype is NumPy's result dtype with the bfloat16 operands replaced by
float16 (a float16 result becomes bfloat16; bfloat16 with float16 gives
float32, as in JAX and ml_dtypes). `reference` implements that rule.
"""
import contextlib
import dataclasses
import math
import os
import warnings
import zlib
from typing import Any, Callable, Optional, Sequence

import ml_dtypes
import numpy as np

# ---------------------------------------------------------------------------
# dtypes

BF16 = np.dtype(ml_dtypes.bfloat16)
BOOL = ["bool"]
SINT = ["int8", "int16", "int32", "int64"]
UINT = ["uint8", "uint16", "uint32", "uint64"]
INT = SINT + UINT
FLOAT = ["float16", "bfloat16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
DTYPES = BOOL + INT + FLOAT + COMPLEX
NUMERIC = INT + FLOAT + COMPLEX           # everything but bool
REAL = BOOL + INT + FLOAT                 # everything but complex
INTEGRAL = BOOL + INT                     # bitwise ops


def np_dtype(name):
    """NumPy dtype for a numc dtype name (bfloat16 -> ml_dtypes.bfloat16)."""
    return BF16 if name == "bfloat16" else np.dtype(name)


def dtype_name(dt):
    """numc dtype name of a NumPy dtype, or str(x.dtype) of anything with a dtype."""
    if hasattr(dt, "dtype") and not isinstance(dt, (np.dtype, type)):
        dt = dt.dtype
    if isinstance(dt, np.dtype) and dt == BF16:
        return "bfloat16"
    if isinstance(dt, np.dtype):
        return dt.name
    return str(dt)


def module_dtype(m, name):
    """The dtype argument to pass to module m for dtype `name`: NumPy gets a
    NumPy dtype (ml_dtypes for bfloat16), numc the string name."""
    if m is np:
        return np_dtype(name)
    return name


def kind(name):
    return np_dtype(name).kind if name != "bfloat16" else "f"


def is_float(name):
    return name in FLOAT


def is_complex(name):
    return name in COMPLEX


# Relative (and absolute) tolerance per result dtype. SLEEF transcendentals
# are within 1 ULP; float16/bfloat16 compute in float32 and round on store.
TOL = {
    "float16": 1e-2, "bfloat16": 1e-2, "float32": 1e-5, "float64": 1e-12,
    "complex64": 1e-5, "complex128": 1e-12,
}


def rng_for(*key):
    """A deterministic RNG per test case."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# ---------------------------------------------------------------------------
# input domains


@dataclasses.dataclass(frozen=True)
class Domain:
    """How to draw one argument of an operation.

    lo, hi     float range (uniform), also used for ints unless ilo/ihi given
    ilo, ihi   integer range (clipped to the dtype's range; None = from lo/hi)
    grid       floats are drawn on a grid of this step (ties, equal pairs)
    nonzero    no zeros (divisors): ints avoid 0, floats |x| >= 0.25,
               bools are all True
    zeros      force about a quarter of the values to 0
    full_int   draw ints from the whole range of the dtype (bitwise ops)
    clo, chi   range of the real and imaginary parts of complex values
    czero      a quarter of complex values get a zero imaginary part
    dtype      fixed dtype for this argument regardless of the row's dtype
    """
    lo: float = -5.0
    hi: float = 5.0
    ilo: Optional[int] = None
    ihi: Optional[int] = None
    grid: Optional[float] = None
    nonzero: bool = False
    zeros: bool = False
    full_int: bool = False
    clo: float = -2.0
    chi: float = 2.0
    czero: bool = False
    dtype: Optional[str] = None

    def gen(self, rng, dt, shape):
        dt = self.dtype or dt
        shape = tuple(shape)
        n = int(np.prod(shape, dtype=np.int64))
        k = kind(dt)
        if k == "b":
            v = rng.random(n) < 0.5
            if self.nonzero:
                v[:] = True
            return v.reshape(shape)
        if k in "iu":
            info = np.iinfo(dt)
            if self.full_int:
                lo, hi = int(info.min), int(info.max)
            else:
                lo = self.ilo if self.ilo is not None else math.ceil(self.lo)
                hi = self.ihi if self.ihi is not None else math.floor(self.hi)
                lo, hi = max(lo, int(info.min)), min(hi, int(info.max))
                if hi < lo:
                    hi = lo
            v = rng.integers(lo, hi, size=n, endpoint=True, dtype=dt)
            if self.nonzero:
                v[v == 0] = 1 if hi >= 1 else -1
        elif k == "f":
            if self.grid:
                steps = int(round((self.hi - self.lo) / self.grid))
                v = self.lo + self.grid * rng.integers(0, steps, size=n, endpoint=True)
            else:
                v = rng.uniform(self.lo, self.hi, size=n)
            if self.nonzero:
                small = np.abs(v) < 0.25
                v[small] = v[small] + np.where(v[small] < 0, -0.25, 0.25)
            v = v.astype(np_dtype(dt))
        else:  # complex
            re = rng.uniform(self.clo, self.chi, size=n)
            im = rng.uniform(self.clo, self.chi, size=n)
            if self.czero:
                im[rng.random(n) < 0.25] = 0.0
            v = (re + 1j * im).astype(dt)
            if self.nonzero:
                v[np.abs(v) < 0.25] = 1 + 1j
        if self.zeros and n:
            v[rng.random(n) < 0.25] = 0
        return v.reshape(shape)


D = Domain
ANY = D()
HALVES = D(grid=0.5)                       # rounding ties, equal pairs
SMALLGRID = D(lo=-3, hi=3, grid=0.5)
NONZERO = D(nonzero=True)
POSITIVE = D(lo=0.05, hi=20, ilo=1, ihi=20, clo=-3, chi=3)
WITH_ZEROS = D(lo=-3, hi=3, grid=0.5, zeros=True)
UNIT = D(lo=-1, hi=1, ilo=-1, ihi=1, clo=-1, chi=1)
BITS = D(full_int=True)


# ---------------------------------------------------------------------------
# the table


@dataclasses.dataclass
class Op:
    name: str                       # numc (and NumPy) attribute name
    fn: Callable[..., Any]          # fn(m, *xs): the call on module m
    arity: int
    dtypes: Sequence[str]           # dtypes the row supports (NumPy accepts)
    domains: Sequence[Domain]       # one per argument
    tol: dict = dataclasses.field(default_factory=dict)   # dtype -> rtol override
    alias_of: Optional[str] = None  # another name for `alias_of`
    specials: bool = False          # also run on nan/inf/-0.0 inputs (floats)
    kind: str = "elementwise"
    nout: int = 1
    api: Optional[str] = None       # numc attribute when the row name is a variant id
    bf16_native: bool = False       # bfloat16 reference from ml_dtypes, not float32

    @property
    def api_name(self):
        return self.api or self.name

    def np_fn(self, *xs):
        return self.fn(np, *xs)

    def nc_fn(self, nc):
        """The numc function (getter): raises AttributeError naming it when missing."""
        return getattr(nc, self.api_name)

    def call(self, m, *xs):
        return self.fn(m, *xs)

    def rtol(self, dt):
        return self.tol.get(dt, TOL.get(dt, 0.0))

    def __repr__(self):
        return self.name


def _ufunc(name, npname=None):
    npname = npname or name

    def fn(m, *xs):
        return getattr(m, name if m is not np else npname)(*xs)
    fn.__name__ = name
    return fn


ELEMENTWISE = []


def unary(name, dtypes, domain=ANY, alias=(), **kw):
    row = Op(name, _ufunc(name), 1, list(dtypes), [domain], **kw)
    ELEMENTWISE.append(row)
    for a in alias:
        ELEMENTWISE.append(dataclasses.replace(row, name=a, fn=_ufunc(a), alias_of=name))


def binary(name, dtypes, d1=ANY, d2=None, alias=(), **kw):
    row = Op(name, _ufunc(name), 2, list(dtypes), [d1, d2 or d1], **kw)
    ELEMENTWISE.append(row)
    for a in alias:
        ELEMENTWISE.append(dataclasses.replace(row, name=a, fn=_ufunc(a), alias_of=name))


NOBOOL = NUMERIC
FLOATISH = DTYPES                     # ops that promote ints/bool to float

# ---- unary
unary("negative", NUMERIC, HALVES, specials=True)
unary("positive", NUMERIC, HALVES)
unary("absolute", DTYPES, HALVES, alias=("abs",), specials=True)
unary("fabs", REAL, HALVES, specials=True)
unary("sign", NUMERIC, WITH_ZEROS, specials=True)
unary("floor", REAL, HALVES, specials=True)
unary("ceil", REAL, HALVES, specials=True)
unary("rint", DTYPES, D(lo=-4, hi=4, grid=0.25), specials=True)
unary("trunc", REAL, D(lo=-4, hi=4, grid=0.25), specials=True)
unary("fix", REAL, D(lo=-4, hi=4, grid=0.25), specials=True)
unary("exp", FLOATISH, D(lo=-5, hi=5), specials=True)
unary("exp2", FLOATISH, D(lo=-5, hi=5), specials=True)
unary("expm1", FLOATISH, D(lo=-2, hi=2, ilo=-2, ihi=2), specials=True)
unary("log", FLOATISH, POSITIVE, specials=True)
unary("log2", FLOATISH, POSITIVE, specials=True)
unary("log10", FLOATISH, POSITIVE, specials=True)
unary("log1p", FLOATISH, D(lo=-0.9, hi=5, ilo=0, ihi=5), specials=True)
unary("sqrt", FLOATISH, D(lo=0, hi=20, ilo=0, ihi=20), specials=True)
unary("square", DTYPES, ANY, specials=True)
unary("cbrt", REAL, D(lo=-20, hi=20), specials=True)
unary("reciprocal", DTYPES, NONZERO, specials=True)
unary("sin", FLOATISH, D(lo=-6, hi=6), specials=True)
unary("cos", FLOATISH, D(lo=-6, hi=6), specials=True)
unary("tan", FLOATISH, D(lo=-1.4, hi=1.4, ilo=-1, ihi=1), specials=True)
unary("arcsin", FLOATISH, UNIT, alias=("asin",), specials=True)
unary("arccos", FLOATISH, UNIT, alias=("acos",), specials=True)
unary("arctan", FLOATISH, ANY, alias=("atan",), specials=True)
unary("sinh", FLOATISH, D(lo=-4, hi=4), specials=True)
unary("cosh", FLOATISH, D(lo=-4, hi=4), specials=True)
unary("tanh", FLOATISH, D(lo=-4, hi=4), specials=True)
unary("arcsinh", FLOATISH, ANY, alias=("asinh",), specials=True)
unary("arccosh", FLOATISH, D(lo=1, hi=6, ilo=1, ihi=6), alias=("acosh",), specials=True)
unary("arctanh", FLOATISH, D(lo=-0.99, hi=0.99, ilo=0, ihi=0, clo=-1, chi=1),
      alias=("atanh",), specials=True)
unary("deg2rad", REAL, D(lo=-360, hi=360, ilo=-100, ihi=100), specials=True)
unary("rad2deg", REAL, D(lo=-7, hi=7), specials=True)
unary("isnan", DTYPES, ANY, specials=True)
unary("isinf", DTYPES, ANY, specials=True)
unary("isfinite", DTYPES, ANY, specials=True)
unary("isposinf", REAL, ANY, specials=True)
unary("isneginf", REAL, ANY, specials=True)
unary("signbit", REAL, WITH_ZEROS, specials=True)
unary("logical_not", DTYPES, WITH_ZEROS, specials=True)
unary("invert", INTEGRAL, BITS, alias=("bitwise_not", "bitwise_invert"))
unary("bitwise_count", INTEGRAL, BITS)
unary("real", DTYPES, ANY)
unary("imag", DTYPES, ANY)
unary("conjugate", DTYPES, ANY, alias=("conj",))
unary("angle", DTYPES, WITH_ZEROS, specials=True)
unary("sinc", DTYPES, D(lo=-4, hi=4, zeros=True), specials=True)
unary("iscomplex", DTYPES, D(czero=True))
unary("isreal", DTYPES, D(czero=True))

# ---- binary
DIVISOR = D(lo=-5, hi=5, nonzero=True)
POW_BASE = D(lo=0.1, hi=3, ilo=-3, ihi=3)
POW_EXP = D(lo=-3, hi=3, ilo=0, ihi=4)
SHIFT_VAL = D(ilo=-8, ihi=8)
SHIFT_AMT = D(ilo=0, ihi=3)
CMP = D(lo=-3, hi=3, grid=0.5)

binary("add", DTYPES, D(lo=-10, hi=10), specials=True)
binary("subtract", NUMERIC, D(lo=-10, hi=10), specials=True)
binary("multiply", DTYPES, D(lo=-10, hi=10), specials=True)
binary("divide", DTYPES, ANY, DIVISOR, alias=("true_divide",), specials=True)
binary("floor_divide", REAL, ANY, DIVISOR, specials=True)
binary("remainder", REAL, ANY, DIVISOR, alias=("mod",), specials=True)
binary("fmod", REAL, ANY, DIVISOR, specials=True)
binary("power", DTYPES, POW_BASE, POW_EXP, alias=("pow",), specials=True,
       tol={"complex64": 1e-4, "complex128": 1e-10})
binary("float_power", DTYPES, POW_BASE, POW_EXP, specials=True,
       tol={"complex128": 1e-10})
binary("maximum", DTYPES, CMP, specials=True)
binary("minimum", DTYPES, CMP, specials=True)
binary("fmax", DTYPES, CMP, specials=True)
binary("fmin", DTYPES, CMP, specials=True)
binary("arctan2", REAL, ANY, alias=("atan2",), specials=True)
binary("hypot", REAL, ANY, specials=True)
binary("nextafter", REAL, CMP, specials=True, bf16_native=True)
binary("copysign", REAL, WITH_ZEROS, specials=True)
binary("equal", DTYPES, CMP, specials=True)
binary("not_equal", DTYPES, CMP, specials=True)
binary("less", DTYPES, CMP, specials=True)
binary("less_equal", DTYPES, CMP, specials=True)
binary("greater", DTYPES, CMP, specials=True)
binary("greater_equal", DTYPES, CMP, specials=True)
binary("logical_and", DTYPES, WITH_ZEROS, specials=True)
binary("logical_or", DTYPES, WITH_ZEROS, specials=True)
binary("logical_xor", DTYPES, WITH_ZEROS, specials=True)
binary("bitwise_and", INTEGRAL, BITS)
binary("bitwise_or", INTEGRAL, BITS)
binary("bitwise_xor", INTEGRAL, BITS)
binary("left_shift", INTEGRAL, SHIFT_VAL, SHIFT_AMT, alias=("bitwise_left_shift",))
binary("right_shift", INTEGRAL, SHIFT_VAL, SHIFT_AMT, alias=("bitwise_right_shift",))
binary("heaviside", REAL, WITH_ZEROS, HALVES, specials=True)
binary("logaddexp", REAL, ANY, specials=True)
binary("logaddexp2", REAL, ANY, specials=True)
binary("ldexp", REAL, ANY, D(ilo=-5, ihi=5, dtype="int32"), specials=True)

# ---- the other elementwise functions (several outputs, several operands, kwargs)
ELEMENTWISE += [
    Op("divmod", lambda m, a, b: m.divmod(a, b), 2, REAL, [ANY, DIVISOR], nout=2),
    Op("modf", lambda m, a: m.modf(a), 1, REAL, [D(lo=-4, hi=4, grid=0.25)], nout=2,
       specials=True),
    Op("where", lambda m, c, a, b: m.where(c, a, b), 3, DTYPES,
       [D(dtype="bool"), ANY, HALVES]),
    Op("where_nonbool_cond", lambda m, c, a, b: m.where(c, a, b), 3, DTYPES,
       [WITH_ZEROS, ANY, HALVES], api="where"),
    Op("clip", lambda m, a, lo, hi: m.clip(a, lo, hi), 3, DTYPES,
       [D(lo=-6, hi=6, grid=0.5), D(lo=-3, hi=0, grid=0.5), D(lo=0, hi=3, grid=0.5)]),
    Op("clip_scalar", lambda m, a: m.clip(a, -2, 3), 1, DTYPES, [D(lo=-6, hi=6, grid=0.5)],
       api="clip"),
    Op("clip_none", lambda m, a: m.clip(a, None, 2), 1, DTYPES, [D(lo=-6, hi=6, grid=0.5)],
       api="clip"),
    Op("round", lambda m, a: m.round(a), 1, DTYPES, [D(lo=-4, hi=4, grid=0.25)]),
    # round(x, d) is x * 10**d, rint, / 10**d in the storage dtype (as NumPy does
    # for float16), so bfloat16's reference is ml_dtypes' own
    Op("round_1", lambda m, a: m.round(a, 1), 1, NUMERIC, [D(lo=-4, hi=4, grid=0.05)],
       api="round", bf16_native=True),
    Op("round_m1", lambda m, a: m.round(a, decimals=-1), 1, NUMERIC,
       [D(lo=-40, hi=40, grid=5.0)], api="round", bf16_native=True),
    Op("around", lambda m, a: m.around(a, 2), 1, NUMERIC, [ANY], bf16_native=True),
]
ROWS = {r.name: r for r in ELEMENTWISE}


def api_name(row):
    """The numc attribute a row exercises."""
    return row.api_name


# ---------------------------------------------------------------------------
# shape cases: (base shape, view) where view is applied to both the NumPy and
# the numc base array (numc views come from numc's own indexing / transpose).


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    base: tuple
    view: Optional[Callable[[Any], Any]] = None

    def __repr__(self):
        return self.id


C = Case
SHAPES = {
    "0d": C("0d", ()),
    "empty": C("empty", (0,)),
    "n1": C("n1", (1,)),
    "n5": C("n5", (5,)),
    "3x4": C("3x4", (3, 4)),
    "2x3x4": C("2x3x4", (2, 3, 4)),
    "empty2d": C("empty2d", (0, 3)),
    "big": C("big", (37, 70)),                  # odd sizes: SIMD tails
    "huge": C("huge", (200003,)),               # large enough to go parallel
    "T": C("T", (4, 3), lambda x: x.T),
    "step": C("step", (11,), lambda x: x[::2]),
    "neg": C("neg", (3, 5), lambda x: x[::-1, ::-2]),
    "perm3d": C("perm3d", (3, 4, 5), lambda x: x.transpose(2, 0, 1)[:, 1:, ::2]),
    "bigT": C("bigT", (300, 171), lambda x: x.T[::-1]),
    "hugeT": C("hugeT", (257, 300), lambda x: x.T[:, ::-1]),   # strided and parallel
    "idx": C("idx", (4, 5), lambda x: x[2]),
}

# binary shape pairs (each side a Case)
PAIRS = {
    "0d": (SHAPES["0d"], SHAPES["0d"]),
    "n5": (SHAPES["n5"], SHAPES["n5"]),
    "3x4": (SHAPES["3x4"], SHAPES["3x4"]),
    "2x3x4": (SHAPES["2x3x4"], SHAPES["2x3x4"]),
    "empty": (SHAPES["empty"], SHAPES["empty"]),
    "empty_bc": (C("0x1", (0, 1)), C("1x3", (1, 3))),
    "col_row": (C("3x1", (3, 1)), C("1x4", (1, 4))),
    "vec_mat": (C("4", (4,)), SHAPES["3x4"]),
    "mat_vec": (SHAPES["3x4"], C("4", (4,))),
    "0d_mat": (SHAPES["0d"], C("2x3", (2, 3))),
    "mat_0d": (C("2x3", (2, 3)), SHAPES["0d"]),
    "bc3d": (C("2x1x4", (2, 1, 4)), C("3x1", (3, 1))),
    "T_contig": (SHAPES["T"], SHAPES["3x4"]),
    "neg_step": (SHAPES["neg"], C("3", (3,))),
    "step_step": (SHAPES["step"], C("step6", (12,), lambda x: x[1::2][::-1])),
    "big": (SHAPES["big"], SHAPES["big"]),
    "big_bc": (SHAPES["big"], C("70", (70,))),
    "huge": (SHAPES["huge"], SHAPES["huge"]),
    "bigT_bc": (SHAPES["bigT"], C("1x300", (1, 300))),
    "hugeT_bc": (SHAPES["hugeT"], C("257", (257,))),
}
# ternary (where, clip): all three operands share one case, or broadcast
TRIPLES = {
    "0d": (SHAPES["0d"],) * 3,
    "3x4": (SHAPES["3x4"],) * 3,
    "bc": (C("3x1", (3, 1)), C("4", (4,)), SHAPES["0d"]),
    "views": (SHAPES["T"], SHAPES["3x4"], C("neg4", (4,), lambda x: x[::-1])),
    "big": (SHAPES["big"],) * 3,
    "empty": (SHAPES["empty"],) * 3,
}


# ---------------------------------------------------------------------------
# conversion and the oracle


def to_nc(nc, x):
    """numc array holding exactly the values of NumPy array x (python scalars
    pass through). bfloat16 goes through float32 + astype, so these tests do
    not depend on asarray's ml_dtypes support (test_creation checks that)."""
    if isinstance(x, np.ndarray):
        if x.dtype == BF16:
            return nc.asarray(x.astype(np.float32)).astype("bfloat16")
        return nc.asarray(x)
    return x


def to_np(r):
    """NumPy copy of a numc result (bfloat16 comes back via float32)."""
    if str(getattr(r, "dtype", "")) == "bfloat16":
        return np.asarray(r.astype("float32")).astype(BF16)
    return np.asarray(r)


def make_input(nc, rng, case, dt, domain):
    """(numpy input, numc input) for a shape case."""
    base = domain.gen(rng, dt, case.base)
    ncb = to_nc(nc, base)
    if case.view is None:
        return base, ncb
    return case.view(base), case.view(ncb)


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


class Raised:
    """What the oracle raised: the exception type tests expect (a builtin
    base: NumPy's UFuncTypeError -> TypeError, AxisError -> ValueError)."""

    def __init__(self, exc):
        self.exc = exc
        self.type = builtin_base(type(exc))

    def __repr__(self):
        return f"Raised({type(self.exc).__name__}: {self.exc})"


def builtin_base(t):
    for c in t.__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def _is_bf16(x):
    return isinstance(x, np.ndarray) and x.dtype == BF16


def _is_f16(x):
    return isinstance(x, np.ndarray) and x.dtype == np.float16


def _tuple(r):
    return r if isinstance(r, tuple) else (r,)


def call_np(fn, *xs, **kw):
    with quiet():
        try:
            return fn(*xs, **kw)
        except Exception as e:      # noqa: BLE001 — the oracle's error is data
            return Raised(e)


def reference(fn, *xs, bf16_native=False):
    """NumPy's answer for fn(np, *xs): a result (array / tuple of arrays) or a
    Raised. Inputs may contain bfloat16 arrays (see the module docstring);
    bf16_native=True asks ml_dtypes instead (nextafter: one bfloat16 ULP)."""
    f = lambda *a: fn(np, *a)   # noqa: E731
    if bf16_native or not any(_is_bf16(x) for x in xs):
        return call_np(f, *xs)
    has_f16 = any(_is_f16(x) for x in xs)
    # dtypes: bfloat16 -> float16 stand-in (values irrelevant, keep them small)
    sub16 = [np.zeros(x.shape, np.float16) + np.float16(0.5) if _is_bf16(x) else x for x in xs]
    r16 = call_np(f, *sub16)
    if isinstance(r16, Raised):
        return r16
    sub32 = [x.astype(np.float32) if _is_bf16(x) else x for x in xs]
    r32 = call_np(f, *sub32)
    if isinstance(r32, Raised):
        return r32
    out = []
    for a16, a32 in zip(_tuple(r16), _tuple(r32)):
        d16 = np.asarray(a16).dtype
        if d16 == np.float16:
            want = np.dtype(np.float32) if has_f16 else BF16
        else:
            want = d16
        with quiet():
            out.append(np.asarray(a32).astype(want))
    return tuple(out) if isinstance(r16, tuple) else out[0]


def call_nc(fn, *xs, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*xs, **kw)


# ---------------------------------------------------------------------------
# comparison


def _fmt(a, limit=6):
    a = np.asarray(a).ravel()
    s = np.array2string(a[:limit], threshold=limit)
    return s + (" ..." if a.size > limit else "")


# Self-test of this suite with NumPy standing in for numc (a shim package on
# PYTHONPATH): NUMC_TEST_ALLOW_NUMPY=1 accepts NumPy objects as results.
_ALLOW_NUMPY = bool(os.environ.get("NUMC_TEST_ALLOW_NUMPY"))


def compare(got, exp, rtol=None, atol=None, where=""):
    """List of mismatch messages between a numc result and NumPy's (empty = ok).
    Checks: numc type (not a NumPy object), shape, dtype name, values (exact for
    bool/int, rtol/atol for float/complex with NaN positions matching)."""
    errs = []
    if isinstance(exp, tuple):
        if not isinstance(got, tuple) or len(got) != len(exp):
            return [f"{where}expected a tuple of {len(exp)} arrays, got {type(got).__name__}"]
        for i, (g, e) in enumerate(zip(got, exp)):
            errs += compare(g, e, rtol, atol, where=f"{where}[{i}] ")
        return errs
    if isinstance(got, (np.ndarray, np.generic)) and not _ALLOW_NUMPY:
        errs.append(f"{where}result is a NumPy object ({type(got).__name__}), not a numc array")
    if not hasattr(got, "dtype") or not hasattr(got, "shape"):
        return errs + [f"{where}result {type(got).__name__} has no dtype/shape"]
    exp = np.asarray(exp)
    gdt, edt = str(got.dtype), dtype_name(exp.dtype)
    if gdt != edt:
        errs.append(f"{where}dtype {gdt} != NumPy's {edt}")
    if tuple(got.shape) != exp.shape:
        return errs + [f"{where}shape {tuple(got.shape)} != NumPy's {exp.shape}"]
    try:
        g = to_np(got)
    except Exception as e:  # noqa: BLE001
        return errs + [f"{where}cannot convert result to NumPy: {type(e).__name__}: {e}"]
    if g.shape != exp.shape:
        return errs + [f"{where}np.asarray(result).shape {g.shape} != {exp.shape}"]
    errs += compare_values(g, exp, edt, rtol, atol, where)
    return errs


def compare_values(g, exp, edt=None, rtol=None, atol=None, where=""):
    edt = edt or dtype_name(exp.dtype)
    if exp.size == 0:
        return []
    if exp.dtype.kind in "biu":
        if g.dtype.kind in "biu" and g.dtype.kind != "b" and exp.dtype.kind != "b":
            ok = np.array_equal(g.astype(object), exp.astype(object))
        else:
            with quiet():
                ok = np.array_equal(g.astype(exp.dtype) if g.dtype.kind in "biuf" else g, exp)
        if not ok:
            bad = np.argwhere(np.asarray(g != exp))[:5] if g.shape == exp.shape else []
            return [f"{where}values differ (exact {edt}): got {_fmt(g)} expected {_fmt(exp)}"
                    f"; first mismatches at {bad.tolist() if len(bad) else '?'}"]
        return []
    wide = np.complex128 if exp.dtype.kind == "c" or g.dtype.kind == "c" else np.float64
    with quiet():
        gw = g.astype(wide)
        ew = exp.astype(wide)
    rt = resolve_tol(rtol, edt)
    at = rt if atol is None else atol
    with quiet():
        gn, en = np.isnan(gw), np.isnan(ew)
        if not np.array_equal(gn, en):
            idx = np.argwhere(gn != en)[:5].tolist()
            return [f"{where}NaN positions differ at {idx}: got {_fmt(g)} expected {_fmt(exp)}"]
        m = ~en
        at = np.broadcast_to(np.asarray(at, dtype=np.float64), ew.shape)[m]
        gi, ei = gw[m], ew[m]
        inf = np.isinf(ei) | np.isinf(gi)
        if not np.array_equal(gi[inf], ei[inf]):
            return [f"{where}inf values differ: got {_fmt(gi[inf])} expected {_fmt(ei[inf])}"]
        fin = ~inf
        diff = np.abs(gi[fin] - ei[fin])
        lim = at[fin] + rt * np.abs(ei[fin])
        if np.any(diff > lim):
            k = int(np.argmax(diff - lim))
            return [f"{where}values differ beyond rtol={rt:g}: got {gi[fin][k]!r} expected "
                    f"{ei[fin][k]!r} (worst at finite index {k}); got {_fmt(g)} "
                    f"expected {_fmt(exp)}"]
    return []


def resolve_tol(tol, edt):
    """tol: None (TOL by result dtype), a float, or a dict dtype -> rtol."""
    if tol is None:
        return TOL.get(edt, 1e-12)
    if isinstance(tol, dict):
        return tol.get(edt, TOL.get(edt, 1e-12))
    return float(tol)


def check(got, exp, rtol=None, atol=None, ctx=""):
    errs = compare(got, exp, rtol, atol)
    if errs:
        raise AssertionError((ctx + ": " if ctx else "") + "; ".join(errs))


def run_both(nc, fn, np_args, nc_args, rtol=None, atol=None, ctx=""):
    """Call fn(np, *np_args) (oracle) and fn(nc, *nc_args); assert they agree,
    including raising the same kind of exception."""
    exp = reference(fn, *np_args)
    return expect(exp, lambda: fn(nc, *nc_args), rtol, atol, ctx)


def expect(exp, thunk, rtol=None, atol=None, ctx=""):
    if isinstance(exp, Raised):
        try:
            got = call_nc(thunk)
        except exp.type:
            return None
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{ctx}: NumPy raises {exp!r}; numc raised "
                                 f"{type(e).__name__}: {e}") from e
        raise AssertionError(f"{ctx}: NumPy raises {exp!r}; numc returned "
                             f"{type(got).__name__} {getattr(got, 'dtype', '')}"
                             f" {getattr(got, 'shape', '')}")
    try:
        got = call_nc(thunk)
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"{ctx}: NumPy returns {_describe(exp)}; numc raised "
                             f"{type(e).__name__}: {e}") from e
    check(got, exp, rtol, atol, ctx)
    return got


def _describe(exp):
    if isinstance(exp, tuple):
        return "(" + ", ".join(_describe(e) for e in exp) + ")"
    e = np.asarray(exp)
    return f"{dtype_name(e.dtype)}{list(e.shape)}"


# ---------------------------------------------------------------------------
# special values

FLOAT_SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0]


def special_inputs(dt, arity):
    """Arrays holding every combination of special values (floats)."""
    v = np.array(FLOAT_SPECIALS, dtype=np.float64)
    if arity == 1:
        return [v.astype(np_dtype(dt))]
    a, b = np.meshgrid(v, v, indexing="ij")
    return [a.astype(np_dtype(dt)), b.astype(np_dtype(dt))]


# ---------------------------------------------------------------------------
# names tested elsewhere (so the _spec coverage check knows them)

def elementwise_names():
    return {api_name(r) for r in ELEMENTWISE}


# ---------------------------------------------------------------------------
# reductions: fn(m, x, **kw); `variants` chooses the keyword sets per ndim.


@dataclasses.dataclass
class Reduction:
    name: str
    fn: Callable[..., Any]          # fn(m, x, **kw)
    dtypes: Sequence[str]
    domain: Domain
    axes: str = "tuple"             # "tuple": int/tuple/None; "int": int/None only
    keepdims: bool = True
    extra: Sequence[dict] = ()      # further keyword sets (dtype=, ddof=)
    accum: str = "exact"            # tolerance model: exact sum mean var std prod
    method: bool = True             # also an ndarray method (NumPy has it too)

    def __repr__(self):
        return self.name

    def variants(self, ndim):
        v = [{}]
        if ndim == 0:
            v += [{"axis": None}]
            if self.axes == "tuple":
                v += [{"axis": ()}]
            if self.keepdims:
                v += [{"axis": None, "keepdims": True}]
        else:
            for ax in range(-1, ndim):
                v.append({"axis": ax})
            if self.axes == "tuple" and ndim >= 2:
                v += [{"axis": (0, ndim - 1)}, {"axis": tuple(range(ndim))[::-1]}, {"axis": ()}]
            if self.axes == "tuple" and ndim == 1:
                v += [{"axis": (0,)}]
            if self.keepdims:
                v += [{"axis": ndim - 1, "keepdims": True}, {"axis": None, "keepdims": True}]
                if self.axes == "tuple" and ndim >= 2:
                    v += [{"axis": (0, ndim - 1), "keepdims": True}]
        v += [dict(e) for e in self.extra if ndim > 0 or "axis" not in e]
        return v


def _red(name):
    def fn(m, x, **kw):
        return getattr(m, name)(x, **kw)
    return fn


def _count_nonzero(m, x, **kw):
    # NumPy returns a Python int for axis=None; compare through asarray
    return m.asarray(m.count_nonzero(x, **kw))


SUMDOM = D(lo=-5, hi=5, ilo=-5, ihi=5)
PRODDOM = D(lo=0.8, hi=1.25, ilo=-2, ihi=2, clo=-0.8, chi=0.8)
TIES = D(lo=-3, hi=3, grid=1.0, clo=-1, chi=1)
DT_KW = [{"dtype": "float64"}, {"axis": 0, "dtype": "float32"}]

REDUCTIONS = [
    Reduction("sum", _red("sum"), DTYPES, SUMDOM, extra=DT_KW + [{"dtype": "int64"}],
              accum="sum"),
    Reduction("prod", _red("prod"), DTYPES, PRODDOM, extra=DT_KW, accum="prod"),
    Reduction("max", _red("max"), DTYPES, TIES),
    Reduction("min", _red("min"), DTYPES, TIES),
    Reduction("amax", _red("amax"), DTYPES, TIES, method=False),
    Reduction("amin", _red("amin"), DTYPES, TIES, method=False),
    Reduction("argmax", _red("argmax"), DTYPES, TIES, axes="int"),
    Reduction("argmin", _red("argmin"), DTYPES, TIES, axes="int"),
    Reduction("mean", _red("mean"), DTYPES, SUMDOM, extra=DT_KW, accum="mean"),
    Reduction("var", _red("var"), DTYPES, SUMDOM,
              extra=[{"ddof": 1}, {"axis": 0, "ddof": 1}, {"ddof": 0.5}, {"dtype": "float64"}],
              accum="var"),
    Reduction("std", _red("std"), DTYPES, SUMDOM,
              extra=[{"ddof": 1}, {"axis": -1, "ddof": 1, "keepdims": True}], accum="std"),
    Reduction("any", _red("any"), DTYPES, WITH_ZEROS),
    Reduction("all", _red("all"), DTYPES, D(lo=-3, hi=3, grid=0.5, nonzero=True)),
    Reduction("all_zeros", _red("all"), DTYPES, WITH_ZEROS),
    Reduction("cumsum", _red("cumsum"), DTYPES, SUMDOM, axes="int", keepdims=False,
              extra=[{"axis": 0, "dtype": "float64"}, {"dtype": "int64"}], accum="sum"),
    Reduction("cumprod", _red("cumprod"), DTYPES, PRODDOM, axes="int", keepdims=False,
              extra=[{"axis": 0, "dtype": "float64"}], accum="prod"),
    Reduction("cumulative_sum", _red("cumulative_sum"), DTYPES, SUMDOM, axes="int",
              keepdims=False, extra=[{"axis": 0, "include_initial": True},
                                     {"axis": -1, "dtype": "float64"}],
              accum="sum", method=False),
    Reduction("cumulative_prod", _red("cumulative_prod"), DTYPES, PRODDOM, axes="int",
              keepdims=False, extra=[{"axis": 0, "include_initial": True}], accum="prod",
              method=False),
    Reduction("count_nonzero", _count_nonzero, DTYPES, WITH_ZEROS, method=False),
    Reduction("ptp", _red("ptp"), DTYPES, TIES, method=False),
]
REDUCTION_ROWS = {r.name: r for r in REDUCTIONS}


# ---------------------------------------------------------------------------
# manipulation and linear algebra: fn(m, *xs) on inputs of fixed shapes.
# Sequence results (split, broadcast_arrays) are normalised to tuples.


@dataclasses.dataclass
class Shaped:
    id: str
    api: str                        # the numc function exercised
    fn: Callable[..., Any]
    shapes: Sequence[tuple]         # one per input
    dtypes: Sequence[str] = tuple(DTYPES)
    domain: Domain = ANY
    views: bool = True              # also run on non-contiguous views of the same shapes

    def __repr__(self):
        return self.id


def as_view_case(shape):
    """A Case whose view has `shape` but is not C-contiguous (numc transpose /
    negative-step slicing)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return Case("0d", ())
    if len(shape) == 1:
        return Case(f"v{shape}", (2 * shape[0] + 1,), lambda x: x[::-2][:shape[0]] if shape[0]
                    else x[:0])
    base = shape[::-1]
    return Case(f"v{shape}", base, lambda x: x.transpose(tuple(range(len(shape)))[::-1]))


def _flatten(m, x):
    return x.flatten() if m is np else m.flatten(x)


def _tup(r):
    return tuple(r)


S = Shaped
MANIP = [
    S("reshape", "reshape", lambda m, x: m.reshape(x, (4, 6)), [(2, 3, 4)]),
    S("reshape_-1", "reshape", lambda m, x: m.reshape(x, (3, -1)), [(2, 3, 4)]),
    S("reshape_flat", "reshape", lambda m, x: m.reshape(x, -1), [(2, 3, 4)]),
    S("reshape_0d", "reshape", lambda m, x: m.reshape(x, (1, 1)), [()]),
    S("reshape_to_0d", "reshape", lambda m, x: m.reshape(x, ()), [(1, 1)]),
    S("reshape_empty", "reshape", lambda m, x: m.reshape(x, (3, 0, 2)), [(0, 3)]),
    S("reshape_method", "reshape", lambda m, x: x.reshape(6, 4), [(2, 3, 4)]),
    S("reshape_method_tuple", "reshape", lambda m, x: x.reshape((2, -1)), [(2, 3, 4)]),
    S("ravel", "ravel", lambda m, x: m.ravel(x), [(2, 3, 4)]),
    S("ravel_0d", "ravel", lambda m, x: m.ravel(x), [()]),
    S("ravel_method", "ravel", lambda m, x: x.ravel(), [(3, 4)]),
    S("flatten", "flatten", _flatten, [(2, 3, 4)]),
    S("flatten_method", "flatten", lambda m, x: x.flatten(), [(3, 4)]),
    S("transpose", "transpose", lambda m, x: m.transpose(x), [(2, 3, 4)]),
    S("transpose_perm", "transpose", lambda m, x: m.transpose(x, (1, 0, 2)), [(2, 3, 4)]),
    S("transpose_neg", "transpose", lambda m, x: m.transpose(x, (-1, 0, 1)), [(2, 3, 4)]),
    S("transpose_method", "transpose", lambda m, x: x.transpose(2, 0, 1), [(2, 3, 4)]),
    S("T", "transpose", lambda m, x: x.T, [(3, 4)]),
    S("T_1d", "transpose", lambda m, x: x.T, [(5,)]),
    S("swapaxes", "swapaxes", lambda m, x: m.swapaxes(x, 0, 2), [(2, 3, 4)]),
    S("swapaxes_neg", "swapaxes", lambda m, x: m.swapaxes(x, -1, 0), [(3, 4)]),
    S("moveaxis", "moveaxis", lambda m, x: m.moveaxis(x, 0, -1), [(2, 3, 4)]),
    S("moveaxis_multi", "moveaxis", lambda m, x: m.moveaxis(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    S("permute_dims", "permute_dims", lambda m, x: m.permute_dims(x, (2, 0, 1)), [(2, 3, 4)]),
    S("matrix_transpose", "matrix_transpose", lambda m, x: m.matrix_transpose(x), [(2, 3, 4)]),
    S("matrix_transpose_2d", "matrix_transpose", lambda m, x: m.matrix_transpose(x), [(3, 4)]),
    S("mT", "matrix_transpose", lambda m, x: x.mT, [(2, 3, 4)]),
    S("expand_dims", "expand_dims", lambda m, x: m.expand_dims(x, 0), [(3, 4)]),
    S("expand_dims_neg", "expand_dims", lambda m, x: m.expand_dims(x, -1), [(3, 4)]),
    S("expand_dims_tuple", "expand_dims", lambda m, x: m.expand_dims(x, (0, 2)), [(3, 4)]),
    S("expand_dims_0d", "expand_dims", lambda m, x: m.expand_dims(x, 0), [()]),
    S("squeeze", "squeeze", lambda m, x: m.squeeze(x), [(1, 3, 1, 4)]),
    S("squeeze_axis", "squeeze", lambda m, x: m.squeeze(x, axis=2), [(1, 3, 1, 4)]),
    S("squeeze_tuple", "squeeze", lambda m, x: m.squeeze(x, axis=(0, -2)), [(1, 3, 1, 4)]),
    S("squeeze_0d", "squeeze", lambda m, x: m.squeeze(x), [()]),
    S("squeeze_all", "squeeze", lambda m, x: m.squeeze(x), [(1, 1)]),
    S("broadcast_to", "broadcast_to", lambda m, x: m.broadcast_to(x, (3, 4)), [(4,)]),
    S("broadcast_to_3d", "broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 5)), [(3, 1)]),
    S("broadcast_to_0d", "broadcast_to", lambda m, x: m.broadcast_to(x, (2, 2)), [()]),
    S("broadcast_to_empty", "broadcast_to", lambda m, x: m.broadcast_to(x, (0,)), [(1,)]),
    S("broadcast_arrays", "broadcast_arrays",
      lambda m, a, b: _tup(m.broadcast_arrays(a, b)), [(3, 1), (4,)]),
    S("broadcast_arrays_3", "broadcast_arrays",
      lambda m, a, b, c: _tup(m.broadcast_arrays(a, b, c)), [(2, 1, 1), (3, 1), ()]),
    S("concatenate", "concatenate",
      lambda m, a, b, c: m.concatenate([a, b, c]), [(2, 3), (1, 3), (4, 3)]),
    S("concatenate_axis1", "concatenate",
      lambda m, a, b: m.concatenate((a, b), axis=1), [(2, 3), (2, 1)]),
    S("concatenate_neg", "concatenate",
      lambda m, a, b: m.concatenate([a, b], axis=-1), [(2, 2, 3), (2, 2, 2)]),
    S("concatenate_none", "concatenate",
      lambda m, a, b: m.concatenate([a, b], axis=None), [(2, 3), (4,)]),
    S("concatenate_empty", "concatenate",
      lambda m, a, b: m.concatenate([a, b]), [(0, 3), (2, 3)]),
    S("concatenate_one", "concatenate", lambda m, a: m.concatenate([a]), [(2, 3)]),
    S("concat", "concat", lambda m, a, b: m.concat([a, b], axis=1), [(2, 3), (2, 2)]),
    S("stack", "stack", lambda m, a, b: m.stack([a, b]), [(3, 4), (3, 4)]),
    S("stack_axis1", "stack", lambda m, a, b, c: m.stack((a, b, c), axis=1), [(3, 4)] * 3),
    S("stack_neg", "stack", lambda m, a, b: m.stack([a, b], axis=-1), [(3, 4), (3, 4)]),
    S("stack_0d", "stack", lambda m, a, b: m.stack([a, b]), [(), ()]),
    S("hstack", "hstack", lambda m, a, b: m.hstack([a, b]), [(3,), (2,)]),
    S("hstack_2d", "hstack", lambda m, a, b: m.hstack((a, b)), [(2, 3), (2, 1)]),
    S("hstack_0d", "hstack", lambda m, a, b: m.hstack([a, b]), [(), ()]),
    S("vstack", "vstack", lambda m, a, b: m.vstack([a, b]), [(3,), (3,)]),
    S("vstack_2d", "vstack", lambda m, a, b: m.vstack((a, b)), [(2, 3), (1, 3)]),
    S("split", "split", lambda m, x: _tup(m.split(x, 3)), [(6, 4)]),
    S("split_indices", "split", lambda m, x: _tup(m.split(x, [1, 4])), [(6, 4)]),
    S("split_axis1", "split", lambda m, x: _tup(m.split(x, 2, axis=1)), [(6, 4)]),
    S("split_beyond", "split", lambda m, x: _tup(m.split(x, [0, 2, 10])), [(6,)]),
    S("row_stack", "row_stack", lambda m, a, b: m.row_stack([a, b]), [(3,), (3,)]),
    S("take", "take", lambda m, x: m.take(x, m.asarray([0, 2, -1]), axis=1), [(3, 4)]),
    S("take_flat", "take", lambda m, x: m.take(x, m.asarray([[0, 5], [11, 3]])), [(3, 4)]),
    S("take_list", "take", lambda m, x: m.take(x, [1, 0, 1], axis=0), [(3, 4)]),
    S("take_scalar", "take", lambda m, x: m.take(x, 2), [(5,)]),
    S("nonzero", "nonzero", lambda m, x: _tup(m.nonzero(x)), [(3, 4)], domain=WITH_ZEROS),
    S("nonzero_1d", "nonzero", lambda m, x: _tup(m.nonzero(x)), [(7,)], domain=WITH_ZEROS),
    S("shape", "shape", lambda m, x: m.asarray(m.shape(x), dtype=m.int64), [(2, 3, 4)]),
    S("ndim", "ndim", lambda m, x: m.asarray(m.ndim(x)), [(2, 3, 4)]),
    S("size", "size", lambda m, x: m.asarray(m.size(x)), [(2, 3, 4)]),
    S("size_axis", "size", lambda m, x: m.asarray(m.size(x, 1)), [(2, 3, 4)]),
    S("copy", "copy", lambda m, x: m.copy(x), [(2, 3)]),
    S("flip", "flip", lambda m, x: m.flip(x), [(2, 3, 4)]),
    S("flip_axis", "flip", lambda m, x: m.flip(x, 0), [(2, 3, 4)]),
    S("flip_tuple", "flip", lambda m, x: m.flip(x, axis=(0, 2)), [(2, 3, 4)]),
    S("flip_neg", "flip", lambda m, x: m.flip(x, -1), [(3, 4)]),
    S("flip_0d", "flip", lambda m, x: m.flip(x), [()]),
]

LINALG_DOM = D(lo=-2, hi=2, ilo=-3, ihi=3)
LINALG = [
    S("matmul", "matmul", lambda m, a, b: m.matmul(a, b), [(3, 4), (4, 5)], domain=LINALG_DOM),
    S("matmul_op", "matmul", lambda m, a, b: a @ b, [(3, 4), (4, 5)], domain=LINALG_DOM),
    S("matmul_vec_mat", "matmul", lambda m, a, b: m.matmul(a, b), [(4,), (4, 5)],
      domain=LINALG_DOM),
    S("matmul_mat_vec", "matmul", lambda m, a, b: m.matmul(a, b), [(3, 4), (4,)],
      domain=LINALG_DOM),
    S("matmul_vec_vec", "matmul", lambda m, a, b: m.matmul(a, b), [(4,), (4,)],
      domain=LINALG_DOM),
    S("matmul_batch", "matmul", lambda m, a, b: m.matmul(a, b), [(2, 3, 4), (4, 5)],
      domain=LINALG_DOM),
    S("matmul_bcast_batch", "matmul", lambda m, a, b: m.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)],
      domain=LINALG_DOM),
    S("matmul_empty", "matmul", lambda m, a, b: m.matmul(a, b), [(0, 4), (4, 5)],
      domain=LINALG_DOM),
    S("matmul_k0", "matmul", lambda m, a, b: m.matmul(a, b), [(3, 0), (0, 5)],
      domain=LINALG_DOM),
    S("matmul_1x1", "matmul", lambda m, a, b: m.matmul(a, b), [(1, 1), (1, 1)],
      domain=LINALG_DOM),
    S("matmul_big", "matmul", lambda m, a, b: m.matmul(a, b), [(65, 97), (97, 33)],
      domain=LINALG_DOM),
    S("dot_1d", "dot", lambda m, a, b: m.dot(a, b), [(5,), (5,)], domain=LINALG_DOM),
    S("dot_2d", "dot", lambda m, a, b: m.dot(a, b), [(3, 4), (4, 2)], domain=LINALG_DOM),
    S("dot_2d_1d", "dot", lambda m, a, b: m.dot(a, b), [(3, 4), (4,)], domain=LINALG_DOM),
    S("dot_0d", "dot", lambda m, a, b: m.dot(a, b), [(), (3, 4)], domain=LINALG_DOM),
    S("dot_nd", "dot", lambda m, a, b: m.dot(a, b), [(2, 3, 4), (3, 4, 2)], domain=LINALG_DOM),
    S("tensordot", "tensordot", lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)],
      domain=LINALG_DOM),
    S("tensordot_1", "tensordot", lambda m, a, b: m.tensordot(a, b, axes=1),
      [(2, 3), (3, 4)], domain=LINALG_DOM),
    S("tensordot_0", "tensordot", lambda m, a, b: m.tensordot(a, b, 0), [(2, 3), (4,)],
      domain=LINALG_DOM),
    S("tensordot_axes", "tensordot",
      lambda m, a, b: m.tensordot(a, b, axes=([1, 0], [0, 1])), [(3, 4, 5), (4, 3, 2)],
      domain=LINALG_DOM),
    S("vdot", "vdot", lambda m, a, b: m.vdot(a, b), [(5,), (5,)], domain=LINALG_DOM),
    S("vdot_2d", "vdot", lambda m, a, b: m.vdot(a, b), [(2, 3), (3, 2)], domain=LINALG_DOM),
    S("inner", "inner", lambda m, a, b: m.inner(a, b), [(5,), (5,)], domain=LINALG_DOM),
    S("inner_2d", "inner", lambda m, a, b: m.inner(a, b), [(2, 4), (3, 4)], domain=LINALG_DOM),
    S("inner_0d", "inner", lambda m, a, b: m.inner(a, b), [(), (3,)], domain=LINALG_DOM),
    S("outer", "outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)], domain=LINALG_DOM),
    S("outer_2d", "outer", lambda m, a, b: m.outer(a, b), [(2, 2), (3,)], domain=LINALG_DOM),
]

# ---- sorting, searching, sets (issue 8, branch sort): these rows also drive
# the function/vmap/grad checks; argsort asks NumPy for kind="stable" (numc's
# sorts are all stable) ----
MANIP += [
    S("sort", "sort", lambda m, x: m.sort(x), [(3, 5)]),
    S("sort_axis0", "sort", lambda m, x: m.sort(x, axis=0), [(4, 3)]),
    S("sort_3d_axis1", "sort", lambda m, x: m.sort(x, axis=-2), [(2, 5, 3)]),
    S("sort_flat", "sort", lambda m, x: m.sort(x, axis=None), [(3, 4)]),
    S("sort_long", "sort", lambda m, x: m.sort(x), [(2, 70)]),
    S("sort_empty", "sort", lambda m, x: m.sort(x, axis=0), [(0, 3)]),
    S("argsort", "argsort", lambda m, x: m.argsort(x, kind="stable"), [(3, 5)]),
    S("argsort_axis0", "argsort", lambda m, x: m.argsort(x, axis=0, kind="stable"), [(4, 3)]),
    S("argsort_flat", "argsort", lambda m, x: m.argsort(x, axis=None, kind="stable"), [(3, 4)]),
    S("argsort_long", "argsort", lambda m, x: m.argsort(x, axis=0, kind="stable"), [(70, 2)]),
    S("argsort_method", "argsort", lambda m, x: x.argsort(kind="stable"), [(2, 6)]),
]
# ---- end sorting, searching, sets ----


def shaped_inputs(nc, row, dt, view):
    rng = rng_for(row.id, dt, view)
    np_in, nc_in = [], []
    for shp in row.shapes:
        case = as_view_case(shp) if view else Case("c", tuple(shp))
        a, b = make_input(nc, rng, case, dt, row.domain)
        np_in.append(a)
        nc_in.append(b)
    return np_in, nc_in


# ---- manip2 (branch manip): pad and more manipulation/creation ----
def _pad(mode, pw, **kw):
    return lambda m, x: m.pad(x, pw, mode, **kw)


# 2 * edge - x cancels: the bfloat16 reference (computed in float32) is not
# what rounding every step to bfloat16 gives
NO_BF16 = [d for d in DTYPES if d != "bfloat16"]
MANIP2 = [
    S("pad_const", "pad", _pad("constant", ((1, 2), (0, 3))), [(3, 4)]),
    S("pad_const_values", "pad", _pad("constant", 2, constant_values=((1, 2), (3, 4))), [(3, 4)]),
    S("pad_const_0d", "pad", _pad("constant", 0, constant_values=5), [()]),
    S("pad_const_empty", "pad", _pad("constant", (1, 2)), [(0, 3)]),
    S("pad_edge", "pad", _pad("edge", ((2, 1), (3, 0))), [(3, 4)]),
    S("pad_reflect", "pad", _pad("reflect", ((2, 3), (1, 7))), [(3, 4)]),
    S("pad_reflect_big", "pad", _pad("reflect", 9), [(3,)]),
    S("pad_reflect_odd", "pad", _pad("reflect", ((2, 5), (1, 7)), reflect_type="odd"), [(3, 4)],
      dtypes=NO_BF16),
    S("pad_reflect_1", "pad", _pad("reflect", 2), [(1, 3)]),
    S("pad_symmetric", "pad", _pad("symmetric", ((2, 3), (1, 9))), [(3, 4)]),
    S("pad_symmetric_odd", "pad", _pad("symmetric", ((4, 5), (1, 2)), reflect_type="odd"),
      [(3, 4)], dtypes=NO_BF16),
    S("pad_wrap", "pad", _pad("wrap", ((2, 7), (5, 1))), [(3, 4)]),
    S("pad_wrap_3d", "pad", _pad("wrap", 1), [(2, 3, 2)]),
    S("pad_maximum", "pad", _pad("maximum", ((1, 2), (3, 0))), [(3, 4)]),
    S("pad_minimum", "pad", _pad("minimum", 2, stat_length=((1, 2), (3, 2))), [(3, 4)]),
    S("pad_mean", "pad", _pad("mean", ((1, 2), (2, 1))), [(3, 4)], domain=HALVES),
    S("pad_mean_stat", "pad", _pad("mean", 2, stat_length=2), [(3, 4)], domain=HALVES),
    S("pad_linear_ramp", "pad", _pad("linear_ramp", ((1, 2), (3, 0))), [(3, 4)],
      dtypes=SINT + ["float32", "float64", "complex128"]),
    S("pad_linear_ramp_end", "pad", _pad("linear_ramp", 3, end_values=((1, -2), (5, 4))), [(3, 4)],
      dtypes=SINT + ["float64", "complex128"]),
]
MANIP2 += [
    S("fliplr", "fliplr", lambda m, x: m.fliplr(x), [(3, 4, 2)]),
    S("flipud", "flipud", lambda m, x: m.flipud(x), [(3, 4)]),
    S("rot90", "rot90", lambda m, x: m.rot90(x), [(3, 4)]),
    S("rot90_k2", "rot90", lambda m, x: m.rot90(x, 2, axes=(1, 2)), [(2, 3, 4)]),
    S("rot90_k3", "rot90", lambda m, x: m.rot90(x, -1, axes=(2, 0)), [(2, 3, 4)]),
    S("rot90_k4", "rot90", lambda m, x: m.rot90(x, 4), [(2, 3)]),
    S("roll", "roll", lambda m, x: m.roll(x, 5), [(3, 4)]),
    S("roll_axis", "roll", lambda m, x: m.roll(x, -2, axis=1), [(3, 4)]),
    S("roll_multi", "roll", lambda m, x: m.roll(x, (1, -7, 2), axis=(0, 1, 0)), [(3, 4)]),
    S("roll_empty", "roll", lambda m, x: m.roll(x, 3, axis=0), [(0, 4)]),
    S("tile", "tile", lambda m, x: m.tile(x, 3), [(2, 3)]),
    S("tile_more", "tile", lambda m, x: m.tile(x, (2, 1, 3)), [(2, 3)]),
    S("tile_fewer", "tile", lambda m, x: m.tile(x, (2,)), [(2, 2, 3)]),
    S("tile_0d", "tile", lambda m, x: m.tile(x, (2, 2)), [()]),
    S("tile_0", "tile", lambda m, x: m.tile(x, (0, 2)), [(2, 3)]),
    S("repeat", "repeat", lambda m, x: m.repeat(x, 2), [(2, 3)]),
    S("repeat_axis", "repeat", lambda m, x: m.repeat(x, 3, axis=1), [(2, 3)]),
    S("repeat_counts", "repeat", lambda m, x: m.repeat(x, [1, 0, 3], axis=-1), [(2, 3)]),
    S("repeat_0d", "repeat", lambda m, x: m.repeat(x, 4), [()]),
    S("tril", "tril", lambda m, x: m.tril(x), [(4, 5)]),
    S("tril_k", "tril", lambda m, x: m.tril(x, -1), [(2, 4, 3)]),
    S("tril_1d", "tril", lambda m, x: m.tril(x, 1), [(4,)]),
    S("triu", "triu", lambda m, x: m.triu(x), [(4, 5)]),
    S("triu_k", "triu", lambda m, x: m.triu(x, 2), [(2, 3, 5)]),
    S("diag_1d", "diag", lambda m, x: m.diag(x), [(4,)]),
    S("diag_1d_k", "diag", lambda m, x: m.diag(x, 2), [(3,)]),
    S("diag_1d_negk", "diag", lambda m, x: m.diag(x, -1), [(3,)]),
    S("diag_2d", "diag", lambda m, x: m.diag(x, 1), [(3, 5)]),
    S("diag_2d_negk", "diag", lambda m, x: m.diag(x, -2), [(4, 3)]),
    S("diag_far", "diag", lambda m, x: m.diag(x, 9), [(4, 3)]),
    S("diagflat", "diagflat", lambda m, x: m.diagflat(x, -1), [(2, 2)]),
    S("diagonal", "diagonal", lambda m, x: m.diagonal(x), [(3, 4)]),
    S("diagonal_3d", "diagonal", lambda m, x: m.diagonal(x, 1, 2, 0), [(3, 4, 5)]),
    S("diagonal_neg", "diagonal", lambda m, x: m.diagonal(x, -2, axis1=-1, axis2=-2),
      [(2, 3, 4)]),
    S("trace", "trace", lambda m, x: m.trace(x), [(3, 4)]),
    S("trace_3d", "trace", lambda m, x: m.trace(x, -1, 1, 2), [(2, 3, 4)]),
    S("trace_empty", "trace", lambda m, x: m.trace(x, 5), [(3, 4)]),
    S("atleast_1d", "atleast_1d", lambda m, x: m.atleast_1d(x), [()]),
    S("atleast_2d", "atleast_2d", lambda m, x: m.atleast_2d(x), [(3,)]),
    S("atleast_3d", "atleast_3d", lambda m, x: m.atleast_3d(x), [(3,)]),
    S("atleast_3d_2d", "atleast_3d", lambda m, x: m.atleast_3d(x), [(2, 3)]),
    S("atleast_multi", "atleast_2d", lambda m, x, y: m.atleast_2d(x, y), [(), (2, 3, 1)]),
    S("column_stack", "column_stack", lambda m, x, y, z: m.column_stack((x, y, z)),
      [(3,), (3, 2), (3,)]),
    S("dstack", "dstack", lambda m, x, y: m.dstack([x, y]), [(3,), (1, 3, 2)]),
    S("array_split", "array_split", lambda m, x: _tup(m.array_split(x, 3)), [(7, 2)]),
    S("array_split_axis", "array_split", lambda m, x: _tup(m.array_split(x, [1, 5, 3], axis=1)),
      [(2, 7)]),
    S("array_split_many", "array_split", lambda m, x: _tup(m.array_split(x, 6)), [(4,)]),
    S("hsplit", "hsplit", lambda m, x: _tup(m.hsplit(x, 2)), [(3, 4)]),
    S("hsplit_1d", "hsplit", lambda m, x: _tup(m.hsplit(x, [1, 3])), [(5,)]),
    S("vsplit", "vsplit", lambda m, x: _tup(m.vsplit(x, [2])), [(3, 4)]),
    S("dsplit", "dsplit", lambda m, x: _tup(m.dsplit(x, 2)), [(2, 1, 4)]),
    S("unstack", "unstack", lambda m, x: _tup(m.unstack(x)), [(3, 2)]),
    S("unstack_axis", "unstack", lambda m, x: _tup(m.unstack(x, axis=-1)), [(2, 3, 2)]),
    S("isclose", "isclose", lambda m, x, y: m.isclose(x, y), [(3, 4), (3, 4)], domain=HALVES),
    S("isclose_bcast", "isclose", lambda m, x, y: m.isclose(x, y, rtol=0.5, atol=0.25),
      [(3, 4), (4,)], domain=HALVES),
    S("nan_to_num", "nan_to_num", lambda m, x: m.nan_to_num(x), [(3, 4)]),
]
MANIP += MANIP2
