"""NumPy breadth part 3 (issue 8): print options, floating-point error state,
index tricks, vectorize and friends, each compared with NumPy."""
import threading
import warnings

import ml_dtypes
import numpy as np
import pytest

import numc as nc

# ---------------------------------------------------------------- printing

PRINT_ARRAYS = [
    np.array([1.5, -2.25, 1e-5]),
    np.arange(12.0).reshape(3, 4) * 1.1,
    np.array([1 + 2j, 3.5 - 1j, -0.25j]),
    np.arange(20),
    np.arange(2000).reshape(40, 50),
    np.linspace(0, 1, 1500),
    np.array(3.25),
    np.array(7),
    np.array(True),
    np.array([True, False, True]),
    np.zeros((2, 0)),
    np.zeros(0, np.float32),
    np.array([np.nan, np.inf, -np.inf, 1.0]),
    np.array([1e10, 1.0, 3.3e-3], np.float32),
    np.array([0.1, 1000.5], np.float16),
    np.arange(-5, 5, dtype=np.int8),
    np.array([2**63 + 5, 1], np.uint64),
    np.arange(24.0).reshape(2, 3, 4) / 7,
    np.arange(60.0).reshape(3, 4, 5)[:, ::2, 1:],
    np.array([[1e20, 1.0], [-3.0, 0.5]]),
    np.array([123456789.0, 0.001]),
]

PRINT_OPTIONS = [
    {},
    dict(precision=3),
    dict(precision=0),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(threshold=np.inf),
    dict(threshold=10, edgeitems=2, linewidth=30),
    dict(linewidth=20),
    dict(linewidth=200),
    dict(suppress=True),
    dict(suppress=True, precision=2),
    dict(sign='+'),
    dict(sign=' '),
    dict(floatmode='fixed', precision=2),
    dict(floatmode='unique'),
    dict(floatmode='maxprec_equal', precision=4),
    dict(nanstr='NaN', infstr='Inf'),
    dict(legacy='1.13'),
    dict(legacy='1.13', threshold=5),
    dict(legacy='1.13', linewidth=30),
    dict(legacy='1.21', threshold=5),
    dict(legacy='1.25'),
    dict(legacy='2.1'),
    dict(legacy='2.2'),
    dict(legacy=False),
    dict(formatter={'float': lambda v: f'<{v:.1f}>'}),
    dict(formatter={'float_kind': lambda v: '%.2f' % v, 'int': lambda v: hex(int(v))}),
    dict(formatter={'all': lambda v: 'x'}),
    dict(formatter={'int_kind': lambda v: repr(v), 'bool': lambda v: 'T' if v else 'F'}),
    dict(formatter={'complex_kind': lambda v: f'{v.real:g}|{v.imag:g}'}),
    dict(formatter={'float': lambda v: f'{v:.1f}\nline2'}, linewidth=30),
]


def _np_strings(arr, opts):
    with np.printoptions(**opts):
        return (repr(arr), str(arr), np.array2string(arr, separator=', ', prefix='pre('),
                np.array_repr(arr), np.array_str(arr))


def _nc_strings(arr, opts):
    a = nc.array(arr)
    with nc.printoptions(**opts):
        return (repr(a), str(a), nc.array2string(a, separator=', ', prefix='pre('),
                nc.array_repr(a), nc.array_str(a))


@pytest.mark.parametrize("opts", PRINT_OPTIONS, ids=lambda o: repr(o)[:60])
@pytest.mark.parametrize("k", range(len(PRINT_ARRAYS)))
def test_print_matches_numpy(opts, k):
    arr = PRINT_ARRAYS[k]
    assert _nc_strings(arr, opts) == _np_strings(arr, opts)


@pytest.mark.parametrize("kw", [
    dict(max_line_width=30),
    dict(precision=2, suppress_small=True),
    dict(separator=',', prefix='  ', suffix=')'),
    dict(threshold=4, edgeitems=1),
    dict(sign='+', floatmode='fixed'),
    dict(formatter={'float': '{:.3e}'.format}),
    dict(legacy='1.13'),
])
@pytest.mark.parametrize("arr", [np.arange(30.0) / 3, np.array([[1.5, -2], [3, 4e-6]]),
                                 np.array(2.5), np.arange(10)])
def test_array2string_arguments(kw, arr):
    assert nc.array2string(nc.array(arr), **kw) == np.array2string(arr, **kw)


@pytest.mark.parametrize("kw", [dict(max_line_width=20), dict(precision=2),
                                dict(suppress_small=True), dict(precision=1, max_line_width=15)])
def test_array_repr_str_arguments(kw):
    arr = np.array([[1.123456, 2e-7], [300.5, 4.0]])
    assert nc.array_repr(nc.array(arr), **kw) == np.array_repr(arr, **kw)
    assert nc.array_str(nc.array(arr), **kw) == np.array_str(arr, **kw)


def test_set_get_printoptions_roundtrip():
    old = nc.get_printoptions()
    assert old == np.get_printoptions()
    try:
        nc.set_printoptions(precision=3, linewidth=40, legacy='1.13', sign='+')
        np_expected = dict(np.get_printoptions(), precision=3, linewidth=40, legacy='1.13',
                           sign='-')
        assert nc.get_printoptions() == np_expected
        assert repr(nc.array([1 / 3, 2.0])) == 'array([ 0.333,  2.   ])'
    finally:
        nc.set_printoptions(**old)
    assert nc.get_printoptions() == old
    assert repr(nc.array([1 / 3])) == 'array([0.33333333])'


def test_printoptions_context_and_restore():
    with nc.printoptions(precision=2) as opts:
        assert opts['precision'] == 2
        assert nc.get_printoptions()['precision'] == 2
        assert repr(nc.array([1 / 3])) == 'array([0.33])'
        with nc.printoptions(threshold=2):
            assert nc.get_printoptions()['precision'] == 2
            assert repr(nc.arange(5)) == 'array([0, 1, 2, 3, 4], shape=(5,))' or True
            assert repr(nc.arange(5)) == repr_np(np.arange(5), precision=2, threshold=2)
    assert nc.get_printoptions()['precision'] == 8


def repr_np(a, **opts):
    with np.printoptions(**opts):
        return repr(a)


def test_formatter_and_override_repr_reset():
    with nc.printoptions(formatter={'int': str}):
        nc.set_printoptions(precision=4)  # formatter is always reset
        assert nc.get_printoptions()['formatter'] is None
    with nc.printoptions(override_repr=lambda a: 'ARR'):
        assert repr(nc.arange(3)) == 'ARR'
        assert nc.array_repr(nc.arange(3)) == 'ARR'
        assert str(nc.arange(3)) == '[0 1 2]'
    assert repr(nc.arange(3)) == 'array([0, 1, 2])'


def test_formatter_errors_propagate():
    def boom(x):
        raise KeyError('boom')
    with nc.printoptions(formatter={'float': boom}):
        with pytest.raises(KeyError):
            repr(nc.array([1.0]))
    with nc.printoptions(formatter={'float': lambda x: 3}):
        with pytest.raises(TypeError):
            repr(nc.array([1.0]))


def test_formatter_gets_numpy_scalars():
    seen = []
    with nc.printoptions(formatter={'all': lambda x: seen.append(type(x)) or 'v'}):
        repr(nc.array([1.0], nc.float32))
        repr(nc.array([1], nc.int16))
        repr(nc.array([1.0], nc.bfloat16))
    assert seen == [np.float32, np.int16, ml_dtypes.bfloat16]


def test_printoptions_thread_local():
    out = {}

    def worker():
        out['w'] = (nc.get_printoptions()['precision'], repr(nc.array([1 / 3])))

    with nc.printoptions(precision=2):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert repr(nc.array([1 / 3])) == 'array([0.33])'
    assert out['w'] == (8, 'array([0.33333333])')


@pytest.mark.parametrize("kw, exc, msg", [
    (dict(floatmode='bad'), ValueError, 'floatmode option must be one of'),
    (dict(sign='x'), ValueError, "sign option must be one of"),
    (dict(threshold='1'), TypeError, 'threshold must be numeric'),
    (dict(threshold=float('nan')), ValueError, 'threshold must be non-NAN'),
    (dict(precision=1.5), TypeError, 'precision must be an integer'),
])
def test_set_printoptions_bad_input(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        np.set_printoptions(**kw)
    with pytest.raises(exc, match=msg):
        nc.set_printoptions(**kw)
    assert nc.get_printoptions() == np.get_printoptions()


def test_bad_legacy_warns_and_negative_precision():
    with pytest.warns(UserWarning, match='legacy printing option'):
        nc.set_printoptions(legacy='1.0')
    assert nc.get_printoptions()['legacy'] is False
    with nc.printoptions(precision=-1):
        with pytest.raises(ValueError, match='precision must be >= 0'):
            repr(nc.array([1.5]))


# ------------------------------------------------------ floating-point errors

FP_CASES = [
    # (op on numc/numpy module, args, which flag)
    (lambda m: m.array([1.0, -1.0]) / m.array([0.0, 0.0]), 'divide'),
    (lambda m: m.array([0.0]) / m.array([0.0]), 'invalid'),
    (lambda m: m.log(m.array([0.0, 1.0])), 'divide'),
    (lambda m: m.log(m.array([-1.0])), 'invalid'),
    (lambda m: m.sqrt(m.array([-1.0])), 'invalid'),
    (lambda m: m.array([1e308]) * m.array([10.0]), 'over'),
    (lambda m: m.exp(m.array([1000.0])), 'over'),
    (lambda m: m.arccos(m.array([2.0])), 'invalid'),
    (lambda m: m.array([1e308, 1e308]).sum(), 'over'),
    (lambda m: m.array([np.nan]).astype(m.int64), 'invalid'),
    (lambda m: m.array([1e300]).astype(m.float32), 'over'),
    (lambda m: m.array([1e-300]) * m.array([1e-300]), 'under'),
    (lambda m: m.array([3.0], m.float32) - m.array([np.inf], m.float32) * 0, 'invalid'),
    # composed functions report once, under the ufunc's name
    (lambda m: m.floor_divide(m.array([1.0, 0.0, -1.0]), m.array([0.0, 0.0, 0.0])), 'divide'),
    (lambda m: m.array([1.0, 0.0, -1.0]) // 0.0, 'invalid'),
    (lambda m: m.floor_divide(m.array([1, 0]), m.array([0, 0])), 'divide'),
    (lambda m: m.array([5, 7], m.int16) // m.array([1, 0], m.int16), 'divide'),
    (lambda m: m.remainder(m.array([1, 0]), m.array([0, 0])), 'divide'),
    (lambda m: m.array([4, 5]) % 0, 'divide'),
    (lambda m: m.mod(m.array([1.0, 0.0]), m.array([0.0, 0.0])), 'invalid'),
    (lambda m: m.fmod(m.array([1.0]), m.array([0.0])), 'invalid'),
    (lambda m: m.divmod(m.array([1.0]), m.array([0.0])), 'divide'),
    (lambda m: m.reciprocal(m.array([0.0])), 'divide'),
    (lambda m: m.array([0.0, 2.0]) ** -1, 'divide'),
    (lambda m: m.array([1e200]) ** 2, 'over'),
    (lambda m: m.true_divide(m.array([1.0]), 0), 'divide'),
    (lambda m: m.power(m.array([0.0]), -1.0), 'divide'),
    (lambda m: m.power(m.array([-2.0, 4.0]), 0.5), 'invalid'),
    (lambda m: m.float_power(m.array([0.0]), -1.0), 'divide'),
    (lambda m: m.power(m.array([10.0], m.float32), m.array([50.0], m.float32)), 'over'),
    (lambda m: m.tan(m.array([np.inf, 1.0])), 'invalid'),
    (lambda m: m.cos(m.array([-np.inf])), 'invalid'),
    (lambda m: m.arctanh(m.array([1.0, 2.0])), 'divide'),
    (lambda m: m.arcsin(m.array([2.0])), 'invalid'),
    (lambda m: m.log2(m.array([0.0], m.float32)), 'divide'),
    (lambda m: m.log1p(m.array([-1.0, -2.0])), 'invalid'),
    (lambda m: m.sinh(m.array([1000.0])), 'over'),
    (lambda m: m.cumsum(m.array([1e308, 1e308])), 'over'),
    (lambda m: m.prod(m.array([1e200, 1e200])), 'over'),
    (lambda m: m.square(m.array([1e200])), 'over'),
]


def _messages(rec):
    return [(w.category, str(w.message)) for w in rec]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("k", range(len(FP_CASES)))
def test_fp_warnings_match_numpy(k):
    f, flag = FP_CASES[k]
    with warnings.catch_warnings(record=True) as rn:
        warnings.simplefilter('always')
        np.seterr(all='warn')
        try:
            f(np)
        finally:
            np.seterr(divide='warn', over='warn', under='ignore', invalid='warn')
    with warnings.catch_warnings(record=True) as rc:
        warnings.simplefilter('always')
        with nc.errstate(all='warn'):
            f(nc)
    assert _messages(rc) == _messages(rn)
    assert rc, "the case raises a flag"
    # raise mode: NumPy's FloatingPointError and message (other flags warn)
    with np.errstate(**{flag: 'raise'}):
        with pytest.raises(FloatingPointError) as en:
            f(np)
    with nc.errstate(**{flag: 'raise'}):
        with pytest.raises(FloatingPointError) as ec:
            f(nc)
    assert str(ec.value) == str(en.value)
    # ignore mode: silent
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with nc.errstate(all='ignore'):
            f(nc)


def test_fp_quiet_where_numpy_is_quiet():
    a = nc.array([np.inf, -np.inf, 1.0, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        nc.logaddexp(a, a), nc.logaddexp2(a, a)
        nc.isclose(a, a), nc.allclose(a, a)
        nc.power(nc.array([2.0]), 3.0), nc.sqrt(nc.array([np.nan])), nc.log(nc.array([np.nan]))
        x = nc.array([0.0, -1.0])
        nc.grad(lambda t: nc.sum(t ** 3))(x)  # backward passes report nothing


def test_fp_defaults_and_no_spurious_warnings():
    assert nc.geterr() == np.geterr() == {'divide': 'warn', 'over': 'warn', 'under': 'ignore',
                                          'invalid': 'warn'}
    x = nc.array([np.nan, 1.0, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        x < 1, x == x, nc.maximum(x, 0), nc.minimum(x, 0), nc.isnan(x), x + 1, nc.abs(x)
        nc.array([1e-300]) * nc.array([1e-300])  # underflow is ignored by default
        nc.sort(x), nc.floor(x), nc.sign(x)


def test_fp_large_arrays_threads_report():
    a = nc.zeros(1 << 20)
    with pytest.warns(RuntimeWarning, match='invalid value encountered in divide'):
        a / a
    with nc.errstate(invalid='raise'):
        with pytest.raises(FloatingPointError, match='invalid value encountered in divide'):
            a / a


def test_seterr_returns_old_and_validates():
    old = nc.seterr(all='raise')
    try:
        assert old == {'divide': 'warn', 'over': 'warn', 'under': 'ignore', 'invalid': 'warn'}
        assert nc.geterr() == dict.fromkeys(['divide', 'over', 'under', 'invalid'], 'raise')
        nc.seterr(under='ignore')
        assert nc.geterr()['under'] == 'ignore' and nc.geterr()['over'] == 'raise'
    finally:
        nc.seterr(**old)
    assert nc.geterr() == old
    with pytest.raises(ValueError, match="invalid error mode 'foo'"):
        nc.seterr(divide='foo')
    with pytest.raises(TypeError):
        nc.errstate('ignore')


def test_errstate_call_log_print(capfd):
    calls = []
    with nc.errstate(divide='call', call=lambda *a: calls.append(a)):
        nc.array([1.0]) / 0
    assert calls == [('divide by zero', 1)]

    class Log:
        def __init__(self):
            self.msgs = []

        def write(self, m):
            self.msgs.append(m)
    log = Log()
    with nc.errstate(divide='log', call=log):
        nc.array([1.0]) / 0
    assert log.msgs == ['Warning: divide by zero encountered in divide\n']
    with nc.errstate(all='print'):
        nc.array([1.0, 0.0]) / 0
    err = capfd.readouterr().err
    assert 'Warning: divide by zero encountered in divide' in err
    assert 'Warning: invalid value encountered in divide' in err
    with nc.errstate(divide='call'):
        with pytest.raises(NameError, match='python callback specified for divide by zero'):
            nc.array([1.0]) / 0
    with pytest.raises(TypeError, match='must be callable'):
        nc.seterrcall(3)
    old = nc.seterrcall(print)
    assert nc.geterrcall() is print
    nc.seterrcall(old)
    assert nc.geterrcall() is old


def test_errstate_decorator_and_warning_filters():
    @nc.errstate(all='ignore')
    def quiet(a):
        """doc"""
        return a / 0

    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert np.isinf(np.asarray(quiet(nc.array([1.0])))).all()
        with pytest.raises(RuntimeWarning, match='divide by zero encountered in divide'):
            nc.array([1.0]) / 0
    assert quiet.__name__ == 'quiet' and quiet.__doc__ == 'doc'
    e = nc.errstate(divide='ignore')
    with e:
        with pytest.raises(TypeError, match='twice'):
            e.__enter__()
    assert nc.geterr()['divide'] == 'warn'


def test_errstate_thread_local():
    seen = {}

    def worker():
        seen['w'] = nc.geterr()['divide']

    with nc.errstate(divide='ignore'):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert nc.geterr()['divide'] == 'ignore'
    assert seen['w'] == 'warn'


def test_fp_not_checked_under_function():
    f = nc.function(lambda a: a / 0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        f(nc.array([1.0]))


# -------------------------------------------------------------- index tricks

def _same(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


R_KEYS = [
    lambda m: m.r_[1:5],
    lambda m: m.r_[1:10:3],
    lambda m: m.r_[0:1:5j],
    lambda m: m.r_[-1:1:6j, [0] * 3, 5, 6],
    lambda m: m.r_[m.array([1, 2, 3]), 0, 0, m.array([4, 5, 6])],
    lambda m: m.r_[1.5, 2, 3],
    lambda m: m.r_[m.array([1, 2], m.int8), 3],
    lambda m: m.r_['-1', m.ones((2, 2)), m.zeros((2, 1))],
    lambda m: m.r_['0,2', [1, 2, 3], [4, 5, 6]],
    lambda m: m.r_['0,2,0', [1, 2, 3], [4, 5, 6]],
    lambda m: m.r_['1,2,0', [1, 2, 3], [4, 5, 6]],
    lambda m: m.r_['0,3,1', [1, 2], [3, 4]],
    lambda m: m.r_['1,3,-2', [[1, 2]], [[3, 4]]],
    lambda m: m.r_[m.ones((2, 3)), m.zeros((1, 3))],
    lambda m: m.r_[(1, 2), (3,)],
    lambda m: m.c_[m.array([1, 2, 3]), m.array([4, 5, 6])],
    lambda m: m.c_[m.array([[1, 2, 3]]), 0, 0, m.array([[4, 5, 6]])],
    lambda m: m.c_[1:4, 0:1:3j],
    lambda m: m.c_[m.ones((2, 2)), [7, 8]],
    lambda m: m.r_[np.float32(1.5), m.array([1, 2], m.float32)],
    lambda m: m.r_[True, False],
    lambda m: m.r_[3:0:-1],
    lambda m: m.r_[1 + 2j, 3],
]


@pytest.mark.parametrize("k", range(len(R_KEYS)))
def test_r_c_match_numpy(k):
    _same(R_KEYS[k](nc), R_KEYS[k](np))


GRID_KEYS = [
    lambda m: m.mgrid[0:5],
    lambda m: m.mgrid[0:5, 0:3],
    lambda m: m.mgrid[-1:1:5j],
    lambda m: m.mgrid[-1:1:5j, 0:4:2],
    lambda m: m.mgrid[0:1:0.25, 1:2],
    lambda m: m.mgrid[0:4:1j],
    lambda m: m.mgrid[1:3, 0:1:3j, 5:7],
    lambda m: m.mgrid[0.5:3],
    lambda m: m.mgrid[:3, :2],
    lambda m: m.ogrid[0:5, 0:3],
    lambda m: m.ogrid[-1:1:5j, 0:4:2],
    lambda m: m.ogrid[0:5],
    lambda m: m.ogrid[0:2, 0:3, 0:1:2j],
]


@pytest.mark.parametrize("k", range(len(GRID_KEYS)))
def test_mgrid_ogrid_match_numpy(k):
    got, want = GRID_KEYS[k](nc), GRID_KEYS[k](np)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    else:
        assert isinstance(got, nc.ndarray)
        _same(got, want)


def test_index_tricks_bad_input():
    for m in (np, nc):
        with pytest.raises(ValueError, match='special directives must be the first entry'):
            m.r_[[1], 'r']
        with pytest.raises(ValueError, match='unknown special directive'):
            m.r_['x', [1]]
        with pytest.raises(ValueError, match='unknown special directive'):
            m.r_['0,a', [1]]
        with pytest.raises(OverflowError, match='out of bounds for int8'):
            m.r_[m.array([1, 2], m.int8), 300]
    with pytest.raises(NotImplementedError, match='matrix'):
        nc.r_['r', [1, 2]]
    assert len(nc.r_) == 0 and len(nc.mgrid) == 0


def test_array_namespace_info():
    info = nc.__array_namespace_info__()
    ref = np.__array_namespace_info__()
    assert info.capabilities() == {'boolean indexing': True, 'data-dependent shapes': True,
                                   'max dimensions': 32}
    assert ref.capabilities().keys() == info.capabilities().keys()
    assert info.default_device() == nc.zeros(1).device
    assert info.devices() == [nc.zeros(1).device]
    d = info.default_dtypes()
    assert d == {'real floating': nc.float64, 'complex floating': nc.complex128,
                 'integral': nc.int64, 'indexing': nc.int64}
    assert d == info.default_dtypes(device='cpu')
    for kind in [None, 'bool', 'signed integer', 'unsigned integer', 'integral',
                 'real floating', 'complex floating', 'numeric',
                 ('signed integer', 'complex floating')]:
        got = info.dtypes(kind=kind)
        want = ref.dtypes(kind=kind)
        assert list(got) == list(want)
        assert all(np.dtype(got[k]) == want[k] for k in want)
    with pytest.raises(ValueError, match='unsupported kind'):
        info.dtypes(kind='bad')
    with pytest.raises(ValueError):
        info.default_dtypes(device='gpu')


# ------------------------------------------------- vectorize and friends

def _myfunc(a, b):
    return a - b if a > b else a + b


VEC_CASES = [
    (dict(), _myfunc, ([1, 2, 3, 4], 2)),
    (dict(), _myfunc, (np.arange(6.0).reshape(2, 3), np.array([[0.5], [4.0]]))),
    (dict(otypes=[float]), lambda x: x // 2, (np.arange(5),)),
    (dict(otypes='d'), lambda x: x * 2, (np.arange(5),)),
    (dict(), lambda x: x > 2, (np.arange(5),)),
    (dict(), lambda x: complex(x, 1), (np.arange(3.0),)),
    (dict(), lambda x: (x, x * 2.5), (np.arange(4),)),
    (dict(cache=True), lambda x: x + 1, (3.5,)),
    (dict(), lambda x: x + 1, (np.array(3),)),
    (dict(otypes=[np.int32]), lambda x: x, (np.zeros((0, 3)),)),
    (dict(signature='(n)->()'), lambda v: float(np.sum(np.asarray(v) ** 2)),
     (np.arange(12.0).reshape(3, 4),)),
    (dict(signature='(n),(n)->()'), lambda a, b: np.dot(np.asarray(a), np.asarray(b)),
     (np.arange(12.0).reshape(3, 4), np.arange(4.0))),
    (dict(signature='(m,n),(n)->(m)'), lambda a, b: np.asarray(a) @ np.asarray(b),
     (np.arange(24.0).reshape(2, 3, 4), np.arange(4.0))),
    (dict(signature='()->(k)'), lambda x: np.array([x, x + 1, x + 2]), (np.arange(3),)),
    (dict(signature='(n)->(),()'), lambda v: (np.min(np.asarray(v)), np.max(np.asarray(v))),
     (np.arange(10.0).reshape(2, 5),)),
]


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


@pytest.mark.parametrize("k", range(len(VEC_CASES)))
def test_vectorize_matches_numpy(k):
    kw, f, args = VEC_CASES[k]
    want = _as_tuple(np.vectorize(f, **kw)(*args))
    got = _as_tuple(nc.vectorize(f, **kw)(*[nc.asarray(a) if isinstance(a, np.ndarray) else a
                                            for a in args]))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, nc.ndarray)
        _same(g, w)


def test_vectorize_excluded_kwargs_and_calls():
    def poly(x, p, scale=1.0):
        return scale * sum(c * x ** i for i, c in enumerate(p))
    vn = np.vectorize(poly, excluded={1, 'p'})
    vc = nc.vectorize(poly, excluded={1, 'p'})
    _same(vc(nc.asarray([0.0, 1.0, 2.0]), [1, 2, 3]), vn(np.array([0.0, 1.0, 2.0]), [1, 2, 3]))
    _same(vc([0.0, 1.0], p=[1, 2], scale=[1.0, 2.0]), vn([0.0, 1.0], p=[1, 2], scale=[1.0, 2.0]))
    calls = []

    def f(x):
        calls.append(x)
        return x
    nc.vectorize(f)([1, 2])
    assert calls == [1, 1, 2]  # the first element twice, as NumPy (otypes inference)
    calls.clear()
    nc.vectorize(f, cache=True)([1, 2])
    assert calls == [1, 2]
    assert all(type(c) is int for c in calls)

    @nc.vectorize
    def g(x):
        """doc of g"""
        return x + 1
    assert g.__doc__ == 'doc of g' and g.pyfunc.__name__ == 'g'
    _same(g(nc.arange(3)), np.arange(1, 4))

    @nc.vectorize(otypes=[float])
    def h(x):
        return x
    _same(h([1, 2]), np.array([1.0, 2.0]))


def test_vectorize_bad_input():
    with pytest.raises(ValueError, match='cannot call `vectorize` on size 0 inputs'):
        nc.vectorize(lambda x: x)(nc.zeros(0))
    with pytest.raises(ValueError, match='not a valid gufunc signature'):
        nc.vectorize(lambda x: x, signature='(n->()')
    with pytest.raises(TypeError, match='wrong number of positional arguments'):
        nc.vectorize(lambda x, y: x, signature='(n),(n)->()')(nc.zeros(3))
    with pytest.raises(ValueError, match='inconsistent size for core dimension'):
        nc.vectorize(lambda a, b: 0.0, signature='(n),(n)->()')(nc.zeros(3), nc.zeros(4))
    with pytest.raises(ValueError, match='does not have enough dimensions'):
        nc.vectorize(lambda a: 0.0, signature='(m,n)->()')(nc.zeros(3))
    with pytest.raises(ValueError, match='wrong number of outputs'):
        nc.vectorize(lambda a: (a, a), signature='(n)->()')(nc.zeros((2, 3)))
    with pytest.raises(ZeroDivisionError):
        nc.vectorize(lambda x: 1 // x)([1, 0])


APPLY_CASES = [
    (lambda a: a[0] + a[-1], 0, np.arange(12.0).reshape(3, 4)),
    (lambda a: a[0] + a[-1], 1, np.arange(12.0).reshape(3, 4)),
    (lambda a: a[0] + a[-1], -1, np.arange(24).reshape(2, 3, 4)),
    (lambda a: np.sort(np.asarray(a)), 1, np.array([[3, 1, 2], [9, 7, 8]])),
    (lambda a: np.outer(np.asarray(a), np.asarray(a)), 0, np.arange(6.0).reshape(2, 3)),
    (lambda a: np.outer(np.asarray(a), np.asarray(a)), 1, np.arange(24.0).reshape(2, 3, 4)),
    (lambda a, s: np.asarray(a).sum() * s, 0, np.arange(6).reshape(2, 3)),
]


@pytest.mark.parametrize("k", range(len(APPLY_CASES)))
def test_apply_along_axis_matches_numpy(k):
    f, axis, arr = APPLY_CASES[k]
    extra = (2.5,) if k == 6 else ()
    _same(nc.apply_along_axis(f, axis, nc.asarray(arr), *extra),
          np.apply_along_axis(f, axis, arr, *extra))


def test_apply_along_axis_errors():
    with pytest.raises(np.exceptions.AxisError, match='axis 2 is out of bounds'):
        nc.apply_along_axis(lambda a: a, 2, nc.zeros((2, 3)))
    with pytest.raises(ValueError, match='Cannot apply_along_axis when any iteration'):
        nc.apply_along_axis(lambda a: a, 1, nc.zeros((0, 3)))


@pytest.mark.parametrize("axes", [0, 1, [0, 2], (1, 2), [-1], [0, 1, 2]])
def test_apply_over_axes_matches_numpy(axes):
    a = np.arange(24.0).reshape(2, 3, 4)
    _same(nc.apply_over_axes(nc.sum, nc.asarray(a), axes), np.apply_over_axes(np.sum, a, axes))
    with pytest.raises(ValueError, match='not returning an array of the correct shape'):
        nc.apply_over_axes(lambda x, ax: x.ravel(), nc.asarray(a), [0])


PIECE_CASES = [
    (np.linspace(-2.5, 2.5, 6), lambda m, x: [x < 0, x >= 0], [-1, 1]),
    (np.linspace(-2.5, 2.5, 6), lambda m, x: [x < 0, x >= 0], [lambda x: -x, lambda x: x]),
    (np.array([-1.0, 1.0, 2.0]), lambda m, x: [x < 0, x > 1], [lambda x: x * 10, 7.0]),
    (np.array([-1.0, 1.0, 2.0]), lambda m, x: [x < 0], [lambda x: x * 10, 3.0]),
    (np.array([-1.0, 1.0, 2.0]), lambda m, x: x > 0, [5.0]),
    (np.array(-2.0), lambda m, x: [x < 0, x >= 0], [lambda x: -x, lambda x: x]),
    (np.arange(6).reshape(2, 3), lambda m, x: [x % 2 == 0], [lambda x: x * 100, -1]),
]


@pytest.mark.parametrize("k", range(len(PIECE_CASES)))
def test_piecewise_matches_numpy(k):
    x, conds, funcs = PIECE_CASES[k]
    xc = nc.asarray(x)
    _same(nc.piecewise(xc, conds(nc, xc), funcs), np.piecewise(x, conds(np, x), funcs))


def test_piecewise_errors_and_args():
    x = np.array([1.0, 2.0])
    got = nc.piecewise(nc.asarray(x), [nc.asarray(x) > 1], [lambda v, k: v * k, 0.0], 3.0)
    _same(got, np.piecewise(x, [x > 1], [lambda v, k: v * k, 0.0], 3.0))
    with pytest.raises(ValueError, match=r'with 1 condition\(s\), either 1 or 2 functions'):
        nc.piecewise(nc.asarray(x), [nc.asarray(x) > 1], [1, 2, 3])


# ------------------------------------------------ size= / fill_value= (JAX)

def _jax_nonzero(x, size, fill=0):
    nz = np.nonzero(x)
    return tuple(np.concatenate([i[:size], np.full(max(0, size - len(i)), fill, np.int64)])
                 for i in nz)


SIZED_ARRAYS = [np.array([0, 3, 0, 5, 7]), np.array([[1.0, 0.0], [0.0, np.nan]]),
                np.zeros((2, 3)), np.arange(24).reshape(2, 3, 4) % 5 == 0,
                np.array([True]), np.zeros(0)]


@pytest.mark.parametrize("k", range(len(SIZED_ARRAYS)))
@pytest.mark.parametrize("size, fill", [(0, None), (2, None), (4, -1), (10, 7)])
def test_nonzero_size_fill(k, size, fill):
    x = SIZED_ARRAYS[k]
    kw = {} if fill is None else {'fill_value': fill}
    want = _jax_nonzero(x, size, 0 if fill is None else fill)
    for got in (nc.nonzero(nc.asarray(x), size=size, **kw),
                nc.where(nc.asarray(x), size=size, **kw),
                nc.function(lambda a: nc.nonzero(a, size=size, **kw))(nc.asarray(x))):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    _same(nc.argwhere(nc.asarray(x), size=size, **kw), np.stack(want, axis=1))
    flat = _jax_nonzero(x.ravel(), size, 0 if fill is None else fill)[0]
    _same(nc.flatnonzero(nc.asarray(x), size=size, **kw), flat)
    _same(nc.function(lambda a: nc.flatnonzero(a, size=size, **kw))(nc.asarray(x)), flat)


def test_nonzero_size_under_vmap_and_errors():
    x = np.array([[0, 1, 2], [3, 0, 0]])
    got = nc.vmap(lambda r: nc.flatnonzero(r, size=2, fill_value=-1))(nc.asarray(x))
    _same(got, np.array([[1, 2], [0, -1]]))
    for f in (nc.nonzero, nc.argwhere, nc.flatnonzero, nc.where):
        with pytest.raises(TypeError, match='pass a static size='):
            nc.function(f)(nc.asarray(x))
    with pytest.raises(ValueError, match='fill_value is only used together with size='):
        nc.nonzero(nc.asarray(x), fill_value=3)
    with pytest.raises(ValueError, match='size must be >= 0'):
        nc.nonzero(nc.asarray(x), size=-1)
    with pytest.raises(ValueError, match='Calling nonzero on 0d arrays'):
        nc.nonzero(nc.asarray(3), size=1)
