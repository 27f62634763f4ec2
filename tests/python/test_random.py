"""numc.random produces the numbers numpy.random produces for the same seed.

Legacy functions (after seed(s), on MT19937) and Generator methods (after
default_rng(s), on PCG64 through SeedSequence) are compared with NumPy for
several seeds and sizes: exact equality of values, dtypes and shapes, the
state tuples in both directions, and NumPy's errors for bad input.
"""
import numpy as np
import pytest

import numc
import numc.random as ncr

SEEDS = [0, 1, 42, 12345, 2**32 - 1, [1, 2, 3], [0], np.array([7, 2**32 - 1]), True,
         np.array(9), np.uint32(5)]
INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


def same(a, b):
    """b (numc result) equals a (NumPy result): value, dtype, shape, or scalar."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, numc.ndarray), type(b)
        b = np.asarray(b)
        assert b.dtype == a.dtype and b.shape == a.shape, (a.dtype, a.shape, b.dtype, b.shape)
        np.testing.assert_array_equal(b, a, strict=True)
    else:
        assert not isinstance(b, numc.ndarray), type(b)
        assert b == a and type(b) in (int, float, bool), (a, b, type(b))


def both(seed, f):
    """f(module) run after seeding NumPy and numc alike."""
    np.random.seed(seed)
    ncr.seed(seed)
    same(f(np.random), f(ncr))


LEGACY = {
    "random_sample": lambda m: m.random_sample((3, 4)),
    "random_sample_scalar": lambda m: m.random_sample(),
    "random": lambda m: m.random(7),
    "rand": lambda m: m.rand(2, 3, 2),
    "rand_scalar": lambda m: m.rand(),
    "randn": lambda m: m.randn(5, 3),
    "randn_scalar": lambda m: m.randn(),
    "standard_normal": lambda m: m.standard_normal((9,)),
    "normal": lambda m: m.normal(2.5, 0.5, size=11),
    "normal_scalar": lambda m: m.normal(-1.0, 3.0),
    "uniform": lambda m: m.uniform(-2, 5, size=(2, 5)),
    "uniform_scalar": lambda m: m.uniform(),
    "exponential": lambda m: m.exponential(2.0, 13),
    "exponential_scalar": lambda m: m.exponential(),
    "randint": lambda m: m.randint(10, size=20),
    "randint_scalar": lambda m: m.randint(-5, 5),
    "randint_big": lambda m: m.randint(-2**62, 2**62, size=9),
    "randint_full": lambda m: m.randint(-2**63, 2**63 - 1, size=5),
    "randint_empty": lambda m: m.randint(0, 3, size=(2, 0)),
    "choice_int": lambda m: m.choice(10, 6),
    "choice_array": lambda m: m.choice(np.array([1.5, 2.5, 3.5]), (2, 2)),
    "choice_scalar": lambda m: m.choice(7),
    "choice_noreplace": lambda m: m.choice(10, 4, replace=False),
    "choice_noreplace_shape": lambda m: m.choice(9, (2, 3), replace=False),
    "choice_p": lambda m: m.choice(5, 30, p=[0.1, 0.0, 0.4, 0.3, 0.2]),
    "choice_p_scalar": lambda m: m.choice(3, p=[0.2, 0.5, 0.3]),
    "choice_p_noreplace": lambda m: m.choice(6, 4, replace=False, p=[0.3, 0.0, 0.1, 0.2, 0.3, 0.1]),
    "choice_p_noreplace_all": lambda m: m.choice(4, (2, 2), replace=False, p=[0.1, 0.2, 0.3, 0.4]),
    "permutation": lambda m: m.permutation(12),
    "permutation_array": lambda m: m.permutation(np.arange(12.0).reshape(4, 3)),
    "after_gauss": lambda m: (m.standard_normal(), m.random_sample(3))[1],
}


@pytest.mark.parametrize("seed", SEEDS, ids=str)
@pytest.mark.parametrize("name", LEGACY)
def test_legacy_same_numbers(name, seed):
    both(seed, LEGACY[name])


@pytest.mark.parametrize("seed", [0, 3, 2**31])
@pytest.mark.parametrize("dtype", INT_DTYPES + [bool])
def test_legacy_randint_dtypes(dtype, seed):
    if dtype is bool:
        bounds = [(0, 2), (0, 1), (1, 2)]
    else:
        info = np.iinfo(dtype)
        bounds = [(0, 2), (info.min, info.max), (info.min, info.max + 1), (3, 100), (5, 6)]
    for lo, hi in bounds:
        both(seed, lambda m: m.randint(lo, hi, size=(4, 5), dtype=dtype))


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_legacy_shuffle(seed):
    np.random.seed(seed)
    ncr.seed(seed)
    x = np.arange(20.0).reshape(10, 2)
    y = numc.asarray(x)
    np.random.shuffle(x)
    ncr.shuffle(y)
    same(x, y)
    lx, ly = list(range(9)), list(range(9))
    np.random.shuffle(lx)
    ncr.shuffle(ly)
    assert lx == ly
    same(np.random.random_sample(4), ncr.random_sample(4))


def test_state_round_trips():
    ncr.seed(5)
    ncr.standard_normal()  # leaves a cached gaussian in the state
    st = ncr.get_state()
    assert st[0] == "MT19937" and st[3] == 1
    keys = np.asarray(st[1])
    assert keys.dtype == np.uint32 and keys.shape == (624,)
    np.random.set_state(st)
    same(np.random.standard_normal(3), ncr.standard_normal(3))
    np.random.seed(9)
    np.random.random_sample(700)  # a position inside the key
    ncr.set_state(np.random.get_state())
    same(np.random.randn(5), ncr.randn(5))
    np.random.seed(11)
    ncr.set_state(np.random.get_state(legacy=False))
    same(np.random.randint(0, 1000, 6), ncr.randint(0, 1000, 6))
    d = ncr.get_state(legacy=False)
    assert d["bit_generator"] == "MT19937" and d["state"]["pos"] == np.random.get_state()[2]
    st = ncr.get_state()
    a = ncr.random_sample(5)
    ncr.set_state(st)
    same(np.asarray(a), ncr.random_sample(5))


LEGACY_ERRORS = [
    (lambda m: m.seed(-1), ValueError, "Seed must be between 0 and 2**32 - 1"),
    (lambda m: m.seed(2**32), ValueError, "Seed must be between 0 and 2**32 - 1"),
    (lambda m: m.seed(np.array(-3)), ValueError, "Seed must be between 0 and 2**32 - 1"),
    (lambda m: m.seed(2**70), ValueError, "Seed must be between 0 and 2**32 - 1"),
    (lambda m: m.seed([]), ValueError, "Seed must be non-empty"),
    (lambda m: m.seed([[1, 2]]), ValueError, "Seed array must be 1-d"),
    (lambda m: m.seed([1, -2]), ValueError, "Seed must be between 0 and 2**32 - 1"),
    (lambda m: m.randint(5, 3), ValueError, "low >= high"),
    (lambda m: m.randint(5, 5), ValueError, "low >= high"),
    (lambda m: m.randint(-1, 3, dtype=np.uint8), ValueError, "low is out of bounds for uint8"),
    (lambda m: m.randint(0, 300, dtype=np.uint8), ValueError, "high is out of bounds for uint8"),
    (lambda m: m.randint(0, 3, dtype=bool), ValueError, "high is out of bounds for bool"),
    (lambda m: m.randint(0, 3, dtype=np.float64), TypeError,
     "Unsupported dtype dtype('float64') for randint"),
    (lambda m: m.normal(0, -1), ValueError, "scale < 0"),
    (lambda m: m.exponential(-2.0), ValueError, "scale < 0"),
    (lambda m: m.uniform(0, np.inf), OverflowError, "Range exceeds valid bounds"),
    (lambda m: m.random_sample(-1), ValueError, "negative dimensions are not allowed"),
    (lambda m: m.choice(0, 3), ValueError, "a must be greater than 0 unless no samples are taken"),
    (lambda m: m.choice([], 3), ValueError, "'a' cannot be empty unless no samples are taken"),
    (lambda m: m.choice([[1]], 3), ValueError, "a must be 1-dimensional"),
    (lambda m: m.choice(3.5), ValueError, "a must be 1-dimensional or an integer"),
    (lambda m: m.choice(3, 3, p=[[0.5, 0.5]]), ValueError, "'p' must be 1-dimensional"),
    (lambda m: m.choice(3, 3, p=[0.5, 0.5]), ValueError, "'a' and 'p' must have same size"),
    (lambda m: m.choice(2, 3, p=[0.5, 0.6]), ValueError, "probabilities do not sum to 1"),
    (lambda m: m.choice(2, 3, p=[-0.5, 1.5]), ValueError, "probabilities are not non-negative"),
    (lambda m: m.choice(2, 3, p=[np.nan, 1.0]), ValueError, "probabilities contain NaN"),
    (lambda m: m.choice(2, 3, replace=False), ValueError,
     "Cannot take a larger sample than population when 'replace=False'"),
    (lambda m: m.choice(3, 3, replace=False, p=[0.5, 0.5, 0.0]), ValueError,
     "Fewer non-zero entries in p than size"),
    (lambda m: m.permutation(np.array(3.0)), IndexError,
     "x must be an integer or at least 1-dimensional"),
    (lambda m: m.set_state(("PCG64",)), ValueError,
     "set_state can only be used with legacy MT19937 state instances."),
    (lambda m: m.set_state(5), TypeError, "state must be a dict or a tuple."),
]


@pytest.mark.parametrize("case", range(len(LEGACY_ERRORS)))
def test_legacy_errors(case):
    f, exc, msg = LEGACY_ERRORS[case]
    for m in (np.random, ncr):
        with pytest.raises(exc) as e:
            f(m)
        assert str(e.value) == msg, (m.__name__, str(e.value))


def test_shuffle_errors():
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        ncr.shuffle(numc.asarray(3.0))
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        np.random.shuffle(np.array(3.0))


GEN_SEEDS = [0, 1, 42, 2**40 + 3, 2**128 + 5, [1, 2], [2**33, 5, 7, 9, 11]]

GENERATOR = {
    "random": lambda g: g.random(10),
    "random_shape": lambda g: g.random((3, 2)),
    "random_scalar": lambda g: g.random(),
    "random_float32": lambda g: g.random(9, dtype=np.float32),
    "integers": lambda g: g.integers(0, 10, size=25),
    "integers_endpoint": lambda g: g.integers(-3, 3, size=25, endpoint=True),
    "integers_big": lambda g: g.integers(-2**62, 2**62, size=7),
    "integers_full": lambda g: g.integers(-2**63, 2**63 - 1, size=7, endpoint=True),
    "integers_empty": lambda g: g.integers(5, size=0),
    "uniform": lambda g: g.uniform(1.0, 3.0, size=(2, 4)),
    "uniform_scalar": lambda g: g.uniform(),
    "permutation": lambda g: g.permutation(30),
    "permutation_array": lambda g: g.permutation(np.arange(10.0).reshape(5, 2)),
    "mixed": lambda g: (g.integers(7, size=3), g.random(2))[1],
    "choice": lambda g: g.choice(10, 6),
    "choice_scalar": lambda g: g.choice(5),
    "choice_array": lambda g: g.choice(np.array([1.5, 2.5, 3.5]), (2, 2)),
    "choice_rows": lambda g: g.choice(np.arange(12).reshape(4, 3), 2),
    "choice_row": lambda g: g.choice(np.arange(12).reshape(4, 3)),
    "choice_p": lambda g: g.choice(4, 9, p=[0.1, 0.2, 0.3, 0.4]),
    "choice_p_noreplace": lambda g: g.choice(np.arange(10.0), 5, replace=False,
                                            p=np.arange(10) / 45),
    "choice_floyd": lambda g: g.choice(100, (2, 3), replace=False),
    "choice_floyd_unshuffled": lambda g: g.choice(1000, 20, replace=False, shuffle=False),
    "choice_tail": lambda g: g.choice(20000, 500, replace=False),
    "choice_all": lambda g: g.choice(10001, 10001, replace=False),
}


@pytest.mark.parametrize("seed", GEN_SEEDS, ids=str)
@pytest.mark.parametrize("name", GENERATOR)
def test_generator_same_numbers(name, seed):
    f = GENERATOR[name]
    a, b = f(np.random.default_rng(seed)), f(ncr.default_rng(seed))
    same(a, b)


@pytest.mark.parametrize("seed", [0, 99])
@pytest.mark.parametrize("dtype", INT_DTYPES + [bool])
def test_generator_integers_dtypes(dtype, seed):
    if dtype is bool:
        cases = [(0, 2, False), (0, 1, False), (0, 1, True), (1, 1, True)]
    else:
        info = np.iinfo(dtype)
        cases = [(0, 2, False), (info.min, info.max, False), (info.min, info.max, True),
                 (3, 77, False), (0, 1, False)]
    g, h = np.random.default_rng(seed), ncr.default_rng(seed)
    for lo, hi, ep in cases:
        same(g.integers(lo, hi, size=(3, 5), dtype=dtype, endpoint=ep),
             h.integers(lo, hi, size=(3, 5), dtype=dtype, endpoint=ep))
    assert int(g.integers(0, 100, dtype=dtype if dtype is not bool else np.int64)) == \
        h.integers(0, 100, dtype=dtype if dtype is not bool else np.int64)


@pytest.mark.parametrize("seed", [0, 5])
def test_generator_shuffle(seed):
    g, h = np.random.default_rng(seed), ncr.default_rng(seed)
    x = np.arange(24).reshape(12, 2)
    y = numc.asarray(x)
    g.shuffle(x)
    h.shuffle(y)
    same(x, y)
    same(g.random(3), h.random(3))


GEN_ERRORS = [
    (lambda r: r.default_rng(-1), ValueError, "expected non-negative integer"),
    (lambda r: r.default_rng(0).integers(5, 3), ValueError, "low >= high"),
    (lambda r: r.default_rng(0).integers(5, 4, endpoint=True), ValueError, "low > high"),
    (lambda r: r.default_rng(0).integers(0, 3, dtype=np.float64), TypeError,
     "Unsupported dtype dtype('float64') for integers"),
    (lambda r: r.default_rng(0).random(dtype=np.int32), TypeError,
     "Unsupported dtype dtype('int32') for random"),
    (lambda r: r.default_rng(0).choice(0, 3), ValueError,
     "a must be a positive integer unless no samples are taken"),
    (lambda r: r.default_rng(0).choice([], 3), ValueError,
     "a cannot be empty unless no samples are taken"),
    (lambda r: r.default_rng(0).choice(2, 3, replace=False), ValueError,
     "Cannot take a larger sample than population when replace is False"),
    (lambda r: r.default_rng(0).choice(3, p=[0.5, 0.5]), ValueError,
     "a and p must have same size"),
    (lambda r: r.default_rng(0).choice(3, p=[[0.5, 0.5]]), ValueError,
     "p must be 1-dimensional"),
    (lambda r: r.default_rng(0).choice(2, p=[0.5, 0.6]), ValueError,
     "Probabilities do not sum to 1. See Notes section of docstring for more information."),
    (lambda r: r.default_rng(0).choice(2, p=[np.nan, 1.0]), ValueError,
     "Probabilities contain NaN"),
    (lambda r: r.default_rng(0).choice(2, p=[-0.5, 1.5]), ValueError,
     "Probabilities are not non-negative"),
    (lambda r: r.default_rng(0).choice(3.5), ValueError,
     "a must be a sequence or an integer, not <class 'float'>"),
    (lambda r: r.default_rng(0).uniform(0, np.inf), OverflowError,
     "high - low range exceeds valid bounds"),
]


@pytest.mark.parametrize("case", range(len(GEN_ERRORS)))
def test_generator_errors(case):
    f, exc, msg = GEN_ERRORS[case]
    for m in (np.random, ncr):
        with pytest.raises(exc) as e:
            f(m)
        assert str(e.value) == msg, (m.__name__, str(e.value))


def test_module_and_generator():
    import importlib
    assert importlib.import_module("numc.random") is ncr is numc.random
    g = ncr.default_rng(3)
    assert ncr.default_rng(g) is g and isinstance(g, ncr.Generator)
    a, b = ncr.default_rng(), ncr.default_rng()  # OS entropy: different streams
    assert not np.array_equal(np.asarray(a.random(4)), np.asarray(b.random(4)))


# ---- the distributions of numc.h's NUMC_RANDOM_DIST_LIST: same numbers as NumPy ----

DISTS = [
    ("normal", (1.5, 2.0)), ("normal", ()), ("standard_normal", ()), ("exponential", (2.5,)),
    ("standard_exponential", ()), ("standard_gamma", (0.4,)), ("standard_gamma", (1.0,)),
    ("standard_gamma", (3.5,)), ("gamma", (2.0, 3.0)), ("gamma", (0.7,)), ("beta", (0.5, 0.7)),
    ("beta", (2.0, 5.0)), ("chisquare", (3.0,)), ("f", (3.0, 5.0)), ("standard_cauchy", ()),
    ("standard_t", (4.0,)), ("lognormal", (0.5, 0.3)), ("laplace", (1.0, 2.0)),
    ("gumbel", (1.0, 2.0)), ("logistic", (1.0, 2.0)), ("rayleigh", (2.0,)), ("weibull", (1.5,)),
    ("weibull", (0.0,)), ("pareto", (3.0,)), ("power", (3.0,)), ("triangular", (0.0, 1.0, 3.0)),
    ("poisson", (0.5,)), ("poisson", (7.0,)), ("poisson", (15.0,)), ("poisson", (1e5,)),
    ("poisson", ()), ("geometric", (0.5,)), ("geometric", (0.05,)), ("binomial", (10, 0.3)),
    ("binomial", (1000, 0.3)), ("binomial", (1000, 0.8)), ("binomial", (100000, 0.01)),
    ("binomial", (5, 0.9)), ("binomial", (0, 0.5)),
]
# Generator.wald's transform rounds differently from NumPy's in a few ULPs
CLOSE = {("gen", "wald")}


def _same(x, y, close=False):
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype and x.shape == y.shape
    if close:
        np.testing.assert_allclose(y, x, rtol=1e-14)
    else:
        np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("name,args", DISTS + [("wald", (1.0, 2.0))])
@pytest.mark.parametrize("kind", ["gen", "legacy"])
def test_distributions_same_numbers(name, args, kind):
    for seed in (0, 12345):
        if kind == "gen":
            a, b = np.random.default_rng(seed), ncr.default_rng(seed)
        else:
            np.random.seed(seed)
            ncr.seed(seed)
            a, b = np.random, ncr
        x = getattr(a, name)(*args, size=(50, 40))
        y = getattr(b, name)(*args, size=(50, 40))
        _same(x, y, (kind, name) in CLOSE)
        # the stream stays in step: a scalar draw after the block
        x1, y1 = getattr(a, name)(*args), getattr(b, name)(*args)
        assert type(x1) is type(y1) or (isinstance(x1, float) and isinstance(y1, float))
        if (kind, name) in CLOSE:
            assert abs(x1 - y1) <= 1e-14 * abs(x1)
        else:
            assert x1 == y1


def test_generator_ziggurat_long_run():
    # every ziggurat layer, the tails and the wedges: 2e6 draws bit for bit
    for name in ("standard_normal", "standard_exponential"):
        x = getattr(np.random.default_rng(5), name)(size=2_000_000)
        y = getattr(ncr.default_rng(5), name)(size=2_000_000)
        _same(x, y)
    x = np.random.default_rng(5).standard_normal(500_000, dtype=np.float32)
    y = ncr.default_rng(5).standard_normal(500_000, dtype=np.float32)
    _same(x, y)
    # float32 exponentials: NumPy's float widths differ from the rounded
    # edges in a few layers (documented): within two float ULPs
    x = np.random.default_rng(5).standard_exponential(100_000, dtype=np.float32)
    y = np.asarray(ncr.default_rng(5).standard_exponential(100_000, dtype=np.float32))
    assert y.dtype == np.float32
    assert np.all(np.abs(x - y) <= 2 * np.spacing(x))


@pytest.mark.parametrize("kind", ["gen", "legacy"])
def test_distribution_array_parameters(kind):
    loc = np.linspace(-1, 1, 6).reshape(2, 3)
    scale = np.array([0.5, 1.0, 2.0])
    lam = np.array([[0.5], [20.0]])
    for name, args, size in [("normal", (loc, scale), None), ("normal", (0.0, scale), (4, 3)),
                             ("poisson", (lam,), None), ("gamma", (scale, loc + 2), None),
                             ("binomial", (np.array([10, 100, 1000]), 0.4), (2, 3)),
                             ("triangular", (loc - 2, loc, loc + 1), None)]:
        if kind == "gen":
            a, b = np.random.default_rng(3), ncr.default_rng(3)
        else:
            np.random.seed(3)
            ncr.seed(3)
            a, b = np.random, ncr
        x = getattr(a, name)(*args, size=size)
        y = getattr(b, name)(*args, size=size)
        _same(x, y)
    # 0-d arrays count as scalars: a Python float back
    g = ncr.default_rng(1)
    assert isinstance(g.normal(np.float64(0.0), np.array(1.0)), float)
    assert isinstance(g.poisson(3.0), int)


BAD = [
    ("normal", (0.0, -1.0)), ("exponential", (-0.0,)), ("standard_gamma", (-1.0,)),
    ("gamma", (1.0, -2.0)), ("beta", (0.0, 1.0)), ("beta", (1.0, -1.0)), ("chisquare", (0.0,)),
    ("f", (1.0, -1.0)), ("standard_t", (0.0,)), ("lognormal", (0.0, -1.0)),
    ("laplace", (0.0, -1.0)), ("rayleigh", (-1.0,)), ("weibull", (-1.0,)), ("pareto", (0.0,)),
    ("power", (-1.0,)), ("wald", (0.0, 1.0)), ("triangular", (1.0, 0.0, 2.0)),
    ("triangular", (0.0, 3.0, 2.0)), ("triangular", (1.0, 1.0, 1.0)), ("poisson", (-1.0,)),
    ("poisson", (np.nan,)), ("poisson", (1e19,)), ("geometric", (0.0,)), ("geometric", (1.5,)),
    ("binomial", (-1, 0.5)), ("binomial", (10, 1.5)), ("binomial", (10, np.nan)),
    ("normal", (np.zeros(3), np.array([1.0, -1.0, 1.0]))),
]


@pytest.mark.parametrize("name,args", BAD)
@pytest.mark.parametrize("kind", ["gen", "legacy"])
def test_distribution_errors(name, args, kind):
    a = np.random.default_rng(0) if kind == "gen" else np.random
    b = ncr.default_rng(0) if kind == "gen" else ncr
    with pytest.raises(Exception) as e_np:
        getattr(a, name)(*args, size=3)
    with pytest.raises(type(e_np.value), match=None) as e_nc:
        getattr(b, name)(*args, size=3)
    assert str(e_nc.value) == str(e_np.value)


def test_distribution_shape_mismatch_and_missing():
    g = ncr.default_rng(0)
    with pytest.raises(ValueError):
        g.normal(np.zeros(3), 1.0, size=(2, 2))
    with pytest.raises(TypeError):
        g.gamma()
    with pytest.raises(TypeError):
        g.standard_gamma(1.0, dtype=np.float32)
    with pytest.raises(NotImplementedError):
        g.standard_normal(out=numc.zeros(3))
    with pytest.raises(ValueError):
        g.standard_exponential(method="bad")


# ---- stateful draws under numc.function and vmap (src/np/random-rng.c) ----

def test_stateful_draws_under_function_advance_like_eager():
    g, h = ncr.default_rng(11), np.random.default_rng(11)
    f = numc.function(lambda x: x + g.normal(size=3) + g.poisson(4.0, size=3) + g.random(3))
    for _ in range(3):  # every call draws anew, in the eager order
        want = h.normal(size=3) + h.poisson(4.0, size=3) + h.random(3)
        np.testing.assert_array_equal(np.asarray(f(numc.zeros(3))), want)
    ncr.seed(5)
    np.random.seed(5)
    f2 = numc.function(lambda x: x * ncr.rand(2) + ncr.randint(0, 10, size=2)
                       + ncr.standard_normal(2) + ncr.uniform(1.0, 2.0, 2))
    for _ in range(2):
        want = (np.random.rand(2) + np.random.randint(0, 10, size=2)
                + np.random.standard_normal(2) + np.random.uniform(1.0, 2.0, 2))
        np.testing.assert_array_equal(np.asarray(f2(numc.ones(2))), want)
    # traced parameters, and a draw whose result is unused still advances
    g, h = ncr.default_rng(3), np.random.default_rng(3)
    f3 = numc.function(lambda m: (g.exponential(size=4), g.normal(m, 2.0))[1])
    out = np.asarray(f3(numc.asarray([1.0, 5.0])))
    h.exponential(size=4)
    np.testing.assert_array_equal(out, h.normal([1.0, 5.0], 2.0))
    assert f3.trace_count == 1


def test_stateful_draws_under_vmap():
    g, h = ncr.default_rng(8), np.random.default_rng(8)
    # unbatched parameters: one draw shared by the batch
    shared = np.asarray(numc.vmap(lambda x: x + g.normal())(numc.zeros(4)))
    assert np.all(shared == h.normal())
    # batched parameters: drawn example by example, as a loop would
    got = np.asarray(numc.vmap(lambda m: g.normal(m))(numc.asarray([0.0, 10.0, 20.0])))
    np.testing.assert_array_equal(got, [h.normal(m) for m in (0.0, 10.0, 20.0)])


def test_draws_that_cannot_be_deferred_raise_under_function():
    g = ncr.default_rng(0)
    for fn in (lambda x: g.choice(3), lambda x: g.permutation(3), lambda x: ncr.choice(3)):
        with pytest.raises(NotImplementedError, match="numc.function"):
            numc.function(fn)(numc.zeros(1))
