"""Graph mode: numc.function / numc.jit, the graph passes, control flow
(cond, switch, while_loop, fori_loop, scan) and how they compose with the
other transforms. Eager numc is the oracle: a traced function must give
bit-identical results (same kernels), and the control-flow functions must
agree with plain Python loops."""
import math

import numpy as np
import pytest

import optable as T


# ---------------------------------------------------------------------------
# helpers

def same(got, exp):
    """Bit-identical: dtype, shape and values (NaNs in the same places)."""
    assert str(got.dtype) == str(exp.dtype), (got.dtype, exp.dtype)
    assert tuple(got.shape) == tuple(exp.shape), (got.shape, exp.shape)
    g, e = T.to_np(got), T.to_np(exp)
    if g.dtype.kind in "fc" or g.dtype == T.BF16:
        if np.ascontiguousarray(g).tobytes() != np.ascontiguousarray(e).tobytes():
            # -0.0 vs 0.0 and NaN payloads must also match: compare bytes
            raise AssertionError(f"values differ:\n{g}\n{e}")
    else:
        np.testing.assert_array_equal(g, e)


def same_tree(got, exp):
    if isinstance(exp, (tuple, list)):
        assert type(got) is type(exp) and len(got) == len(exp)
        for a, b in zip(got, exp):
            same_tree(a, b)
    elif isinstance(exp, dict):
        assert set(got) == set(exp)
        for k in exp:
            same_tree(got[k], exp[k])
    else:
        same(got, exp)


def eager_vs_traced(nc, fn, *args):
    """Runs fn eagerly and under numc.function; both must agree exactly (or
    raise the same exception type)."""
    try:
        exp = fn(*args)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            nc.function(fn)(*args)
        return
    got = nc.function(fn)(*args)
    if isinstance(exp, (tuple, list)):
        exp = tuple(exp)
        got = tuple(got)
        assert len(got) == len(exp)
        for a, b in zip(got, exp):
            same(a, b)
    else:
        same(got, exp)


# ---------------------------------------------------------------------------
# function vs eager over the op table

EW_DTYPES = ["bool", "int8", "int32", "uint16", "int64", "float16", "bfloat16", "float32",
             "float64", "complex128"]


@pytest.mark.parametrize("row", T.ELEMENTWISE, ids=repr)
def test_elementwise_traced_equals_eager(nc, row):
    for dt in EW_DTYPES:
        if dt not in row.dtypes:
            continue
        rng = T.rng_for("fn", row.name, dt)
        xs = []
        for k, dom in enumerate(row.domains[:row.arity]):
            case = T.SHAPES["3x4"] if k == 0 else T.Case("4", (4,))
            xs.append(T.make_input(nc, rng, case, dt, dom)[1])
        with T.quiet():
            eager_vs_traced(nc, lambda *a: row.call(nc, *a), *xs)


@pytest.mark.parametrize("row", T.REDUCTIONS, ids=repr)
def test_reductions_traced_equal_eager(nc, row):
    for dt in ["int32", "float32", "float64", "bool"]:
        if dt not in row.dtypes:
            continue
        rng = T.rng_for("fnred", row.name, dt)
        x = T.make_input(nc, rng, T.SHAPES["2x3x4"], dt, row.domain)[1]
        for kw in row.variants(3):
            with T.quiet():
                eager_vs_traced(nc, lambda a, kw=kw: row.fn(nc, a, **kw), x)


# output shapes that depend on the data: eager only (a clear error under trace)
DATA_DEPENDENT = {"nonzero", "argwhere", "flatnonzero", "unique", "extract", "compress"}


@pytest.mark.parametrize("row", T.MANIP + T.LINALG, ids=repr)
def test_shaped_traced_equal_eager(nc, row):
    for dt in ["int32", "float64", "complex64"]:
        if dt not in row.dtypes:
            continue
        for view in (False, True):
            _, xs = T.shaped_inputs(nc, row, dt, view)
            if row.api in DATA_DEPENDENT:
                with pytest.raises((TypeError, NotImplementedError, ValueError)):
                    nc.function(lambda *a: row.fn(nc, *a))(*xs)
                continue
            eager_vs_traced(nc, lambda *a: row.fn(nc, *a), *xs)


def test_composite_mlp_equals_eager(nc):
    rng = np.random.default_rng(0)
    w1 = nc.asarray(rng.standard_normal((8, 16)).astype(np.float32))
    b1 = nc.asarray(rng.standard_normal(16).astype(np.float32))
    w2 = nc.asarray(rng.standard_normal((16, 3)).astype(np.float32))
    x = nc.asarray(rng.standard_normal((5, 8)).astype(np.float32))

    def mlp(params, x):
        w1, b1, w2 = params
        h = nc.maximum(x @ w1 + b1, 0.0)
        logits = h @ w2
        m = logits.max(axis=1, keepdims=True)
        p = nc.exp(logits - m)
        return p / p.sum(axis=1, keepdims=True), nc.tanh(h).mean()

    exp = mlp((w1, b1, w2), x)
    got = nc.function(mlp)((w1, b1, w2), x)
    same_tree(tuple(got), tuple(exp))


def test_indexing_and_update_traced(nc):
    x = nc.arange(12.0).reshape(3, 4)

    def f(x):
        y = x[1:, ::2] * 2
        z = x.T[0]
        x = x.copy()
        x[0, 1] = 7.0
        return y, z, x, x[nc.asarray([2, 0])]

    exp = f(x)
    got = nc.function(f)(x)
    same_tree(tuple(got), tuple(exp))


# ---------------------------------------------------------------------------
# caching and retracing

def test_retrace_counting(nc):
    calls = []

    @nc.function
    def f(x, y):
        calls.append(1)
        return x * y + 1

    a = nc.ones((2, 3))
    b = nc.ones((2, 3), dtype="float32")
    f(a, a)
    f(a * 2, a)
    assert f.trace_count == 1 and len(calls) == 1
    f(nc.ones((3, 3)), nc.ones((3, 3)))           # new shape
    assert f.trace_count == 2
    f(b, b)                                        # new dtype
    assert f.trace_count == 3
    f(a, 2.0)                                      # a weak Python scalar
    assert f.trace_count == 4
    f(a, 5.0)                                      # same signature: no retrace
    assert f.trace_count == 4
    f(a, 5)                                        # weak int is another signature
    assert f.trace_count == 5
    f(a, a)
    assert f.trace_count == 5 and len(calls) == 5
    assert f.experimental_get_tracing_count() == 5


def test_static_args(nc):
    @nc.function(static_argnums=1, static_argnames="mode")
    def f(x, n, mode="add"):
        for _ in range(n):                         # Python control flow on a static arg
            x = x + 1 if mode == "add" else x * 2
        return x

    x = nc.zeros(3)
    same(f(x, 3), nc.full(3, 3.0))
    assert f.trace_count == 1
    same(f(x + 5, 3), nc.full(3, 8.0))
    assert f.trace_count == 1
    same(f(x, 2), nc.full(3, 2.0))
    assert f.trace_count == 2
    same(f(x + 1, 2, mode="mul"), nc.full(3, 4.0))
    assert f.trace_count == 3
    same(f(x + 1, 2, mode="mul"), nc.full(3, 4.0))
    assert f.trace_count == 3


def test_unhashable_static_arg(nc):
    f = nc.function(lambda x, s: x, static_argnums=1)
    with pytest.raises(TypeError, match="hashable"):
        f(nc.ones(2), [1, 2])


def test_retrace_log(nc, monkeypatch, capfd):
    monkeypatch.setenv("NUMC_LOG_RETRACE", "1")

    def named_fn(x):
        return x + 1
    f = nc.function(named_fn)
    f(nc.ones(2))
    f(nc.ones(3))
    err = capfd.readouterr().err
    assert "retracing" in err and "named_fn" in err
    assert "float64[2]" in err and "float64[3]" in err


def test_weak_scalar_promotion_matches_eager(nc):
    x = nc.ones(3, dtype="float32")
    f = nc.function(lambda x, s: x * s)
    same(f(x, 2.5), x * 2.5)
    assert str(f(x, 2.5).dtype) == "float32"
    i = nc.ones(3, dtype="int8")
    same(f(i, 3), i * 3)
    assert str(f(i, 3).dtype) == "int8"


# ---------------------------------------------------------------------------
# pytrees, closures, nesting

def test_pytree_args_and_results(nc):
    @nc.function
    def f(params, x, *, scale=1.0):
        return {"y": params["w"] * x * scale, "pair": (params["b"] + 1, [x.sum()])}

    p = {"w": nc.arange(3.0), "b": nc.ones(3)}
    x = nc.full(3, 2.0)
    r = f(p, x, scale=3.0)
    same(r["y"], p["w"] * x * 3.0)
    same(r["pair"][0], p["b"] + 1)
    assert isinstance(r["pair"], tuple) and isinstance(r["pair"][1], list)
    same(r["pair"][1][0], x.sum())
    f(p, x, scale=4.0)
    assert f.trace_count == 1
    f({"w": nc.arange(3.0), "b": nc.ones(3), "c": nc.ones(1)}, x, scale=4.0)
    assert f.trace_count == 2


def test_numpy_and_none_args(nc):
    f = nc.function(lambda a, b, c: a + b if c is None else a)
    r = f(np.arange(3.0), nc.ones(3), None)
    same(r, nc.arange(3.0) + 1)


def test_closure_over_outer_array(nc):
    w = nc.arange(4.0)
    f = nc.function(lambda x: x * w + nc.sin(w))
    x = nc.ones(4)
    same(f(x), x * w + nc.sin(w))
    assert f.graph_stats(x)["inputs"] == 1


def test_nested_functions(nc):
    inner = nc.function(lambda x: nc.exp(x) - 1)
    outer = nc.function(lambda x: inner(x) * 2 + inner(x + 1))
    x = nc.linspace(0, 1, 5)
    same(outer(x), (nc.exp(x) - 1) * 2 + (nc.exp(x + 1) - 1))
    # traced once on its own (both calls share a signature): each call is one
    # `call` node of the outer graph
    assert inner.trace_count == 1
    assert outer.graph_dump(x).count("call(") == 2
    same(inner(x), nc.exp(x) - 1)
    assert inner.trace_count == 1


def test_constant_output_and_passthrough(nc):
    f = nc.function(lambda x: (x, nc.ones(2), 3.0))
    x = nc.arange(2.0)
    a, b, c = f(x)
    same(a, x)
    same(b, nc.ones(2))
    assert float(c) == 3.0


def test_method_decoration(nc):
    class M:
        def __init__(self, k):
            self.k = k

        @nc.function
        def apply(self, x):
            return x * self.k

        def __hash__(self):
            return hash(self.k)

        def __eq__(self, other):
            return isinstance(other, M) and other.k == self.k

    same(M(2).apply(nc.ones(2)), nc.full(2, 2.0))
    same(M(3).apply(nc.ones(2)), nc.full(2, 3.0))


def test_shape_error_at_trace_time(nc):
    f = nc.function(lambda a, b: a + b)
    with pytest.raises(ValueError):
        f(nc.ones(3), nc.ones(4))


# ---------------------------------------------------------------------------
# graph passes (observable through graph_stats / graph_dump)

def test_dce(nc):
    def f(x):
        unused = nc.exp(x) * 3            # dead
        return x + 1
    g = nc.function(f)
    x = nc.ones(5)
    s = g.graph_stats(x)
    assert s["dce_removed"] >= 2 and s["nodes"] == 1
    same(g(x), x + 1)
    assert "exp" not in g.graph_dump(x)


def test_cse(nc):
    def f(x):
        return nc.sin(x) * nc.sin(x) + nc.sin(x)
    g = nc.function(f)
    x = nc.linspace(0, 1, 7)
    s = g.graph_stats(x)
    assert s["cse_merged"] >= 2
    assert g.graph_dump(x).count("sin(") == 1
    same(g(x), f(x))


def test_constant_folding(nc):
    def f(x):
        c = nc.arange(4.0) * 2 + nc.cos(nc.ones(4))   # all constant
        return x + c
    g = nc.function(f)
    x = nc.ones(4)
    s = g.graph_stats(x)
    assert s["folded"] >= 3
    assert s["nodes"] == 1
    same(g(x), f(x))


def test_no_folding_of_big_iota(nc):
    g = nc.function(lambda x: x + nc.arange(200000.0))
    x = nc.zeros(200000)
    dump = g.graph_dump(x)
    assert "iota" in dump
    same(g(x), nc.arange(200000.0))


# ---------------------------------------------------------------------------
# Python control flow on tracers, leaked tracers

@pytest.mark.parametrize("op", ["bool", "if", "int", "float", "index", "len", "iter"])
def test_python_control_flow_on_tracer_raises(nc, op):
    def f(x):
        s = x.sum()
        if op == "bool":
            bool(s)
        elif op == "if":
            if s > 0:
                return x
        elif op == "int":
            int(s)
        elif op == "float":
            float(s)
        elif op == "index":
            import operator
            operator.index(s.astype("int64"))
        elif op == "len":
            len(x)
        elif op == "iter":
            for _ in x:
                pass
        return x
    with pytest.raises(TypeError) as e:
        nc.function(f)(nc.ones(3))
    msg = str(e.value)
    for name in ("numc.cond", "numc.while_loop", "numc.fori_loop", "numc.scan"):
        assert name in msg


def test_repr_of_live_tracer(nc):
    seen = []

    @nc.function
    def f(x):
        seen.append(repr(x))
        return x
    f(nc.ones((2, 3), dtype="float32"))
    assert seen[0] == "Traced<float32[2,3]>"


def test_value_reads_of_live_tracer_raise(nc):
    """Every ndarray method that needs the value names the control-flow
    functions; str/format without a spec describe the tracer."""
    import operator
    seen = []

    @nc.function
    def f(x):
        s = x.sum()
        for use in (lambda: x.item(), lambda: x.tolist(), lambda: np.asarray(x),
                    lambda: complex(s), lambda: memoryview(x), lambda: 1.0 in x,
                    lambda: f"{s:.3f}", lambda: operator.index(s.astype("int64"))):
            with pytest.raises(TypeError, match="numc.while_loop"):
                use()
        seen.extend([str(x), f"{s}"])
        return x
    f(nc.ones((2, 3), dtype="float32"))
    assert seen == ["Traced<float32[2,3]>", "Traced<float32[]>"]


def test_leaked_tracer(nc):
    leak = []

    @nc.function
    def f(x):
        leak.append(x * 2)
        return x
    f(nc.ones(3))
    t = leak[0]
    assert nc._numc._tracer_kind(t) == "leaked"
    for use in (lambda: t + 1, lambda: repr(t), lambda: float(t[0]), lambda: bool(t[0]),
                lambda: len(t), lambda: nc.sum(t), lambda: np.asarray(t), lambda: str(t),
                lambda: t.tolist(), lambda: nc.function(lambda a: a)(t)):
        with pytest.raises((ValueError, TypeError), match="leak|trac"):
            use()


# ---------------------------------------------------------------------------
# control flow: eager and traced vs Python

def py_while(c, b, v):
    while c(v):
        v = b(v)
    return v


def test_cond_eager_and_traced(nc):
    def f(x):
        return nc.cond(x.sum() > 0, lambda a, b: a * b, lambda a, b: a - b, x, 2.0)
    for x in (nc.arange(3.0), -nc.arange(1.0, 4.0)):
        exp = x * 2.0 if float(x.sum()) > 0 else x - 2.0
        same(f(x), exp)
        same(nc.function(f)(x), exp)
    g = nc.function(f)
    g(nc.arange(3.0))
    g(-nc.arange(3.0))
    assert g.trace_count == 1
    assert "cond(" in g.graph_dump(nc.arange(3.0))


def test_cond_pytrees_and_closures(nc):
    w = nc.full(2, 10.0)

    @nc.function
    def f(p, x):
        return nc.cond(p, lambda d: {"a": d["a"] + w, "b": (d["b"],)},
                       lambda d: {"a": d["a"] * 0, "b": (d["b"] * w,)}, {"a": x, "b": x + 1})
    x = nc.ones(2)
    r = f(True, x)
    same(r["a"], x + w)
    same(r["b"][0], x + 1)
    r = f(False, x)
    same(r["a"], x * 0)
    same(r["b"][0], (x + 1) * w)
    assert f.trace_count == 1


def test_cond_branch_mismatch(nc):
    f = nc.function(lambda x: nc.cond(x.sum() > 0, lambda a: a, lambda a: a.sum(), x))
    with pytest.raises(TypeError):
        f(nc.ones(3))


def test_switch(nc):
    branches = [lambda a: a + 1, lambda a: a * 10, lambda a: -a]
    f = nc.function(lambda i, x: nc.switch(i, branches, x))
    x = nc.arange(3.0)
    for i in (-1, 0, 1, 2, 5):
        k = min(max(i, 0), 2)
        same(nc.switch(i, branches, x), branches[k](x))
        same(f(nc.asarray(i), x), branches[k](x))
    assert f.trace_count == 1


def test_while_loop(nc):
    cond = lambda v: v[0] < 10                        # noqa: E731
    body = lambda v: (v[0] + 1, v[1] * 1.5 + v[0])    # noqa: E731
    x = nc.arange(3.0)
    exp = py_while(cond, body, (0, x))
    got = nc.while_loop(cond, body, (0, x))
    assert got[0] == 10
    same(got[1], exp[1])
    tr = nc.function(lambda x: nc.while_loop(cond, body, (0, x)))(x)
    assert int(tr[0]) == 10
    same(tr[1], exp[1])
    # a trip count that depends on the data
    f = nc.function(lambda x: nc.while_loop(lambda v: v.sum() < 100, lambda v: v * 2, x))
    for x in (nc.ones(2), nc.full(2, 7.0)):
        same(f(x), py_while(lambda v: float(v.sum()) < 100, lambda v: v * 2, x))
    assert f.trace_count == 1


def test_while_loop_carry_type_errors(nc):
    f = nc.function(lambda x: nc.while_loop(lambda v: v.sum() < 3, lambda v: v[:1], x))
    with pytest.raises(TypeError):
        f(nc.ones(2))
    f = nc.function(lambda x: nc.while_loop(lambda v: v, lambda v: v, x))
    with pytest.raises(TypeError):
        f(nc.ones(2))


def test_fori_loop(nc):
    body = lambda i, v: v * 2 + i                      # noqa: E731
    x = nc.arange(4.0, dtype="float32")
    exp = x
    for i in range(1, 6):
        exp = body(i, exp)
    same(nc.fori_loop(1, 6, body, x), exp)
    f = nc.function(lambda x: nc.fori_loop(1, 6, body, x))
    same(f(x), exp)
    assert "scan_loop" in f.graph_dump(x)
    # traced bounds: a while loop
    g = nc.function(lambda n, x: nc.fori_loop(1, n, body, x))
    same(g(nc.asarray(6), x), exp)
    same(g(nc.asarray(1), x), x)
    assert "while(" in g.graph_dump(nc.asarray(6), x)


def test_fori_loop_indexing(nc):
    def f(x):
        return nc.fori_loop(0, 4, lambda i, acc: acc + nc.take(x, i) * i, nc.zeros(()))
    x = nc.arange(4.0) + 1
    exp = sum(float(x[i]) * i for i in range(4))
    assert float(f(x)) == exp
    assert float(nc.function(f)(x)) == exp


# a traced 0-d integer index (the fori_loop counter, a traced argument, a
# vmapped index) is a gather on its axis: same values as the eager int index
TRACED_INDEX_KEYS = {
    "i": lambda x, i: x[i],
    "i,1:": lambda x, i: x[i, 1:],
    ":,i": lambda x, i: x[:, i],
    "i,::-1": lambda x, i: x[i, ::-1],
    "...,i": lambda x, i: x[..., i],
    "None,i": lambda x, i: x[None, i],
    "i,i": lambda x, i: x[i, i],
    "i,-1": lambda x, i: x[i, -1],
    "i,[0,2]": lambda x, i: x[i, [0, 2]],
    "[2,0],:,i": lambda x, i: x.reshape(3, 2, 2)[[2, 0], :, i],
}


@pytest.mark.parametrize("key", sorted(TRACED_INDEX_KEYS))
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_traced_integer_index(nc, key, dtype):
    fn = TRACED_INDEX_KEYS[key]
    x = nc.arange(12.0).reshape(3, 4)
    f = nc.function(fn)
    for i in (0, 1, -1, -2):
        exp = fn(x, i)
        same(f(x, nc.asarray(i, dtype=dtype)), exp)
        same(nc.function(lambda i: fn(x, i))(nc.asarray(i, dtype=dtype)), exp)  # closure
    same(nc.function(fn)(x, -1), fn(x, -1))  # a weak Python-int argument
    assert f.trace_count == 1


@pytest.mark.parametrize("key", ["i", "i,1:", ":,i", "i,[0,2]"])
def test_traced_integer_index_vmap(nc, key):
    fn = TRACED_INDEX_KEYS[key]
    x = nc.arange(12.0).reshape(3, 4)
    idx = nc.asarray([0, -1, 2, 1])
    exp = nc.stack([fn(x, i) for i in (0, -1, 2, 1)])
    same(nc.vmap(lambda i: fn(x, i))(idx), exp)
    same(nc.function(nc.vmap(lambda i: fn(x, i)))(idx), exp)
    same(nc.vmap(nc.function(lambda i: fn(x, i)))(idx), exp)
    # the array batched too, the index shared or batched
    xs = nc.stack([x, x * 2])
    same(nc.vmap(lambda a: fn(a, nc.asarray(-1)), in_axes=0)(xs),
         nc.stack([fn(x, -1), fn(x * 2, -1)]))
    same(nc.vmap(fn)(xs, nc.asarray([1, -2])), nc.stack([fn(x, 1), fn(x * 2, -2)]))


@pytest.mark.parametrize("key", ["i", "i,1:", ":,i", "i,i"])
def test_traced_integer_index_gradients(nc, key):
    fn = TRACED_INDEX_KEYS[key]
    x = nc.arange(12.0).reshape(3, 4)

    def loss(a, i):
        return (fn(a, i) ** 2).sum()
    exp = nc.grad(loss)(x, -1)                      # eager: a concrete int
    i = nc.asarray(-1)
    same(nc.grad(nc.function(loss))(x, i), exp)
    same(nc.function(nc.grad(loss))(x, i), exp)
    with nc.GradientTape() as t:
        t.watch(x)
        y = nc.function(loss)(x, i)
    same(t.gradient(y, x), exp)


def test_fori_loop_counter_indexes(nc):
    """x[i] on the fori_loop counter: plain Python eagerly, a scan (concrete
    bounds) or a while loop (traced bounds) under numc.function."""
    def body(i, c):
        return c + x[i, 1:] * i + x[:, -i - 1]
    x = nc.arange(12.0).reshape(3, 4)
    exp = nc.fori_loop(0, 3, body, nc.zeros(3))
    py = nc.zeros(3)
    for i in range(3):
        py = body(i, py)
    same(exp, py)
    same(nc.function(lambda: nc.fori_loop(0, 3, body, nc.zeros(3)))(), exp)
    same(nc.function(lambda n: nc.fori_loop(0, n, body, nc.zeros(3)))(nc.asarray(3)), exp)

    def loss(a):
        return (nc.fori_loop(0, 3, lambda i, c: c + a[i, 1:] * a[-i - 1, 0], nc.zeros(3)) ** 2).sum()
    g = nc.grad(loss)(x)
    same(nc.grad(nc.function(loss))(x), g)
    same(nc.function(nc.grad(loss))(x), g)
    # while_loop / scan counters index too
    w = nc.function(lambda a: nc.while_loop(lambda c: c[0] < 3,
                                            lambda c: (c[0] + 1, c[1] + a[c[0]]), (0, nc.zeros(4))))
    same(w(x)[1], x.sum(axis=0))
    s = nc.function(lambda a: nc.scan(lambda c, i: (c + a[i], a[:, i]), nc.zeros(4), nc.arange(3)))
    c, ys = s(x)
    same(c, x.sum(axis=0))
    same(ys, x[:, :3].T)


def test_traced_index_errors(nc):
    x = nc.arange(12.0).reshape(3, 4)
    with pytest.raises(TypeError, match="numc.cond"):   # x[True] adds an axis: data-dependent
        nc.function(lambda b: x[b])(nc.asarray(True))
    leak = []
    nc.function(lambda a: leak.append(a.sum().astype("int64")) or a)(nc.ones(3))
    with pytest.raises(ValueError, match="leaked"):
        x[leak[0]]


def py_scan(f, init, xs, reverse=False):
    carry, ys = init, []
    n = len(xs)
    order = range(n - 1, -1, -1) if reverse else range(n)
    out = [None] * n
    for i in order:
        carry, y = f(carry, xs[i])
        out[i] = y
    return carry, out


@pytest.mark.parametrize("reverse", [False, True])
def test_scan(nc, reverse):
    def step(c, x):
        c = c * 0.5 + x
        return c, nc.stack([c, x * 2])
    xs = nc.arange(12.0).reshape(6, 2)
    init = nc.zeros(2)
    ec, eys = py_scan(step, init, xs, reverse)
    eys = nc.stack(eys)
    c, ys = nc.scan(step, init, xs, reverse=reverse)
    same(c, ec)
    same(ys, eys)
    f = nc.function(lambda i, x: nc.scan(step, i, x, reverse=reverse))
    c, ys = f(init, xs)
    same(c, ec)
    same(ys, eys)
    assert "scan_loop" in f.graph_dump(init, xs)


def test_scan_pytrees_length_and_none(nc):
    def step(c, x):
        return {"s": c["s"] + x["a"], "n": c["n"] + 1}, None
    xs = {"a": nc.arange(5.0)}
    init = {"s": nc.zeros(()), "n": 0}
    for fn in (nc.scan, lambda *a, **k: nc.function(lambda i, x: nc.scan(step, i, x))(*a[1:])):
        c, ys = fn(step, init, xs)
        assert float(c["s"]) == 10.0 and int(c["n"]) == 5
        assert ys is None
    c, ys = nc.scan(lambda c, _: (c + 1, c * 2), 0.0, None, length=3)
    assert float(c) == 3.0
    same(ys, nc.asarray([0.0, 2.0, 4.0]))
    c, ys = nc.function(lambda: nc.scan(lambda c, _: (c + 1, c * 2), 0.0, None, length=3))()
    same(ys, nc.asarray([0.0, 2.0, 4.0]))
    # length 0
    c, ys = nc.scan(lambda c, x: (c + x, x * 2), nc.zeros(2), nc.zeros((0, 2)))
    same(c, nc.zeros(2))
    assert ys.shape == (0, 2)


def test_scan_errors(nc):
    with pytest.raises(ValueError):
        nc.scan(lambda c, x: (c, x), 0.0, [nc.ones(3), nc.ones(4)])
    with pytest.raises(TypeError):
        nc.function(lambda x: nc.scan(lambda c, x: c, 0.0, x))(nc.ones(3))


def test_nested_control_flow(nc):
    def f(x):
        def body(i, acc):
            return nc.cond(i % 2 == 0, lambda a: a + nc.take(x, i), lambda a: a - nc.take(x, i),
                           acc)
        return nc.fori_loop(0, 4, body, nc.zeros(()))
    x = nc.asarray([1.0, 2.0, 4.0, 8.0])
    assert float(f(x)) == 1 - 2 + 4 - 8
    assert float(nc.function(f)(x)) == 1 - 2 + 4 - 8


# ---------------------------------------------------------------------------
# composition with autodiff and vmap

def _loss(nc):
    def loss(w, x):
        return (nc.tanh(x @ w) ** 2).sum()
    return loss


def test_grad_of_function_and_function_of_grad(nc):
    loss = _loss(nc)
    rng = np.random.default_rng(1)
    w = nc.asarray(rng.standard_normal((3, 2)))
    x = nc.asarray(rng.standard_normal((4, 3)))
    exp = nc.grad(loss)(w, x)
    same(nc.grad(nc.function(loss))(w, x), exp)
    same(nc.function(nc.grad(loss))(w, x), exp)


def test_training_step_under_function(nc):
    loss = _loss(nc)

    def step(w, x):
        l, g = nc.value_and_grad(loss)(w, x)
        return w - 0.1 * g, l
    rng = np.random.default_rng(2)
    w0 = nc.asarray(rng.standard_normal((3, 2)))
    x = nc.asarray(rng.standard_normal((4, 3)))
    f = nc.function(step)
    we, wf = w0, w0
    for _ in range(3):
        we, le = step(we, x)
        wf, lf = f(wf, x)
        same(wf, we)
        same(lf, le)
    assert f.trace_count == 1


@pytest.mark.parametrize("mode", ["eager", "grad_of_function", "function_of_grad"])
def test_grad_through_control_flow(nc, mode):
    def fc(x):
        return nc.cond(x.sum() > 3, lambda a: (a * a).sum(), lambda a: a.sum(), x)

    def fs(x):
        c, ys = nc.scan(lambda c, xi: (c * xi, c), 1.0, x)
        return c + ys.sum()

    def ff(x):
        return nc.fori_loop(0, 3, lambda i, v: v * v + i, x).sum()
    x = nc.arange(1.0, 5.0)
    for fn, exp in ((fc, 2 * x), (fs, None), (ff, None)):
        if exp is None:
            exp = nc.grad(fn)(x)
        if mode == "grad_of_function":
            got = nc.grad(nc.function(fn))(x)
        elif mode == "function_of_grad":
            got = nc.function(nc.grad(fn))(x)
        else:
            got = nc.grad(fn)(x)
        np.testing.assert_allclose(np.asarray(got), np.asarray(exp), rtol=1e-12)
    # scan gradient against finite differences
    g = np.asarray(nc.grad(fs)(x))
    eps = 1e-6
    for i in range(4):
        d = np.zeros(4)
        d[i] = eps
        num = (float(fs(x + nc.asarray(d))) - float(fs(x - nc.asarray(d)))) / (2 * eps)
        assert abs(g[i] - num) < 1e-4 * max(1, abs(num))


def test_while_loop_grad(nc):
    def fw(x):
        return nc.while_loop(lambda c: c.sum() < 100, lambda c: c * 2, x).sum()
    x = nc.arange(1.0, 4.0)
    # concrete trip count: plain Python under a tape, differentiable
    same(nc.grad(fw)(x), nc.full(3, 32.0))
    same(nc.grad(nc.function(fw))(x), nc.full(3, 32.0))
    # traced trip count under a tape: refused clearly
    with pytest.raises(NotImplementedError, match="while_loop"):
        nc.function(nc.grad(fw))(x)


def test_vmap_composition(nc):
    def f(v):
        return nc.cond(v.sum() > 5, lambda a: a * 2, lambda a: a - 1, v)
    xs = nc.arange(12.0).reshape(4, 3)
    exp = nc.stack([f(xs[i]) for i in range(4)])
    same(nc.vmap(nc.function(f))(xs), exp)
    same(nc.function(nc.vmap(f))(xs), exp)
    same(nc.vmap(f)(xs), exp)

    def g(v):
        c, ys = nc.scan(lambda c, x: (c + x, c * x), 0.0, v)
        return c + ys.sum()
    exp = nc.stack([g(xs[i]) for i in range(4)])
    same(nc.vmap(g)(xs), exp)
    same(nc.vmap(nc.function(g))(xs), exp)


def test_jit_alias(nc):
    assert nc.jit is nc.function
    f = nc.jit(lambda x: x + 1)
    same(f(nc.ones(2)), nc.full(2, 2.0))


# ---------------------------------------------------------------------------
# Variables: read at every call, assigned inside

def test_live_variables_registry(nc):
    import gc
    before = len(nc._numc._live_variables())
    v = nc.Variable(nc.zeros(3))
    live = nc._numc._live_variables()
    assert live[0] is v and all(isinstance(x, nc.Variable) for x in live)
    del v, live
    gc.collect()
    assert len(nc._numc._live_variables()) == before


def test_variables_inside_function(nc):
    v = nc.Variable(nc.zeros(3))
    w = nc.Variable(nc.ones(3))

    @nc.function
    def step(x):
        v.assign_add(x * w)
        return v.sum()

    assert float(step(nc.ones(3))) == 3.0
    same(nc.asarray(v), nc.ones(3))
    assert float(step(nc.ones(3))) == 6.0
    same(nc.asarray(v), nc.full(3, 2.0))
    w.assign(nc.full(3, 2.0))                  # read at call time, not baked in
    assert float(step(nc.ones(3))) == 12.0
    same(nc.asarray(v), nc.full(3, 4.0))
    assert step.trace_count == 1
    assert nc._numc._tracer_kind(v) == "none"


def _regression_data(nc):
    rng = np.random.default_rng(3)
    return (nc.asarray(rng.standard_normal((8, 3))), nc.asarray(rng.standard_normal((8, 2))),
            rng.standard_normal((3, 2)))


def test_variables_training_loop_tape(nc):
    """A Keras/TF-style step: the tape, the gradient and the update all inside
    numc.function; the Variables change across calls exactly as eagerly."""
    x, y, w0 = _regression_data(nc)
    lr = 0.1

    def make():
        w = nc.Variable(nc.asarray(w0), name="w")
        b = nc.Variable(nc.zeros(2), name="b")

        def step(x, y):
            with nc.GradientTape() as t:
                loss = (((x @ w + b) - y) ** 2).mean()
            gw, gb = t.gradient(loss, [w, b])
            w.assign_sub(lr * gw)
            b.assign_sub(lr * gb)
            return loss
        return w, b, step
    we, be, eager_step = make()
    wf, bf, traced_step = make()
    traced_step = nc.function(traced_step)
    losses = []
    for _ in range(5):
        le, lf = eager_step(x, y), traced_step(x, y)
        same(lf, le)
        same(nc.asarray(wf), nc.asarray(we))
        same(nc.asarray(bf), nc.asarray(be))
        losses.append(float(lf))
    assert losses == sorted(losses, reverse=True)     # it trains
    assert traced_step.trace_count == 1
    assert nc._numc._tracer_kind(wf) == "none" and nc._numc._tracer_kind(bf) == "none"


def test_variables_training_loop_no_args(nc):
    """@numc.function def step(): w.assign_sub(lr * grad) -- no arguments at
    all: the Variable is the only input and the only output."""
    x, y, w0 = _regression_data(nc)
    lr = 0.05

    def loss(w):
        return ((x @ w - y) ** 2).mean()
    we = nc.Variable(nc.asarray(w0))
    wf = nc.Variable(nc.asarray(w0))

    def eager_step():
        we.assign_sub(lr * nc.grad(loss)(we))

    @nc.function
    def step():
        wf.assign_sub(lr * nc.grad(loss)(wf))
    for _ in range(4):
        eager_step()
        assert step() is None
        same(nc.asarray(wf), nc.asarray(we))
    assert step.trace_count == 1
    # the graph reads the Variable and writes it back: nothing baked in
    wf.assign(nc.asarray(w0))
    step()
    same(nc.asarray(wf), nc.asarray(w0) - lr * nc.grad(loss)(nc.asarray(w0)))
    assert step.trace_count == 1


def test_variables_read_inside_function_under_tape(nc):
    """A Variable read inside a function is an input of its call: an outer
    tape differentiates with respect to its value."""
    x = nc.arange(12.0).reshape(3, 4)
    w = nc.Variable(x)
    f = nc.function(lambda i: (w[i, 1:] ** 2).sum())
    with nc.GradientTape() as t:
        r = f(nc.asarray(-1))
    exp = nc.zeros((3, 4))
    exp[-1, 1:] = 2 * x[-1, 1:]
    same(t.gradient(r, w), exp)


def test_variable_shape_change_retraces(nc):
    v = nc.Variable(nc.ones(3), validate_shape=False)
    f = nc.function(lambda x: v.sum() + x)
    assert float(f(1.0)) == 4.0
    v.assign(nc.ones(5))
    assert float(f(1.0)) == 6.0
    assert f.trace_count == 2
    assert float(f(1.0)) == 6.0
    assert f.trace_count == 2


def test_closure_over_vmap_tracer(nc):
    xs = nc.arange(6.0).reshape(3, 2)
    inner = nc.function
    got = nc.vmap(lambda v: inner(lambda a: a * v)(nc.ones(2)))(xs)
    same(got, xs)


def test_input_signature(nc):
    class Spec:
        def __init__(self, shape, dtype):
            self.shape, self.dtype = shape, dtype
    f = nc.function(lambda x: x * 2, input_signature=[Spec((None, 3), "float32")])
    same(f(nc.ones((2, 3), dtype="float32")), nc.full((2, 3), 2.0, dtype="float32"))
    with pytest.raises(TypeError):
        f(nc.ones((2, 3)))
    with pytest.raises(ValueError):
        f(nc.ones((2, 4), dtype="float32"))


# ---------------------------------------------------------------------------
# a numc.function inside grad, vmap or another function is ONE `call`
# primitive; its VJP rule differentiates the body graph (a cached, compiled
# backward graph) and its batching rule runs the body on the batch tracers

def close(got, exp, rtol=1e-12, atol=1e-12):
    if isinstance(exp, (tuple, list)):
        assert len(got) == len(exp)
        for a, b in zip(got, exp):
            close(a, b, rtol, atol)
        return
    assert tuple(got.shape) == tuple(exp.shape), (got.shape, exp.shape)
    assert str(got.dtype) == str(exp.dtype), (got.dtype, exp.dtype)
    np.testing.assert_allclose(T.to_np(got), T.to_np(exp), rtol=rtol, atol=atol)


def _mlp_loss(nc):
    def loss(w1, b1, w2, x, y):
        h = nc.tanh(x @ w1 + b1)
        out = h @ w2
        return nc.mean((out - y) ** 2)
    rng = np.random.default_rng(0)
    args = [nc.asarray(rng.standard_normal(s)) for s in [(3, 5), (5,), (5, 2), (4, 3), (4, 2)]]
    return loss, args


def _call_cases(nc):
    loss, margs = _mlp_loss(nc)
    x = nc.linspace(-1.0, 1.0, 6)
    return [
        ("mlp", loss, margs, (0, 1, 2)),
        ("cond", lambda x: nc.cond(x.sum() > 0, lambda a: nc.sum(nc.sin(a) * a),
                                   lambda a: nc.sum(a ** 3), x), [x], 0),
        ("cond-false", lambda x: nc.cond(x.sum() > 100, lambda a: nc.sum(nc.sin(a) * a),
                                         lambda a: nc.sum(a ** 3), x), [x], 0),
        ("fori", lambda x: nc.sum(nc.fori_loop(0, 3, lambda i, a: nc.sin(a) * 1.5 + i, x)),
         [x], 0),
        ("scan", lambda x: nc.scan(lambda c, v: (c * v + 1.0, c), 1.0, x)[0], [x], 0),
        ("while", lambda x: nc.sum(nc.while_loop(lambda v: nc.sum(v * v) < 50.0,
                                                 lambda v: v * 1.7 + 0.1, x)), [x], 0),
        ("two-args", lambda a, b: nc.sum(nc.exp(a) * b + a / (1 + b * b)), [x, x * 2 + 3],
         (0, 1)),
    ]


@pytest.mark.parametrize("case", range(7))
def test_grad_of_function_matches_grad(nc, case):
    name, f, args, argnums = _call_cases(nc)[case]
    exp = nc.grad(f, argnums=argnums)(*args)
    ff = nc.function(f)
    got = nc.grad(ff, argnums=argnums)(*args)
    close(got, exp)
    # again: the cached backward graph
    close(nc.grad(ff, argnums=argnums)(*args), exp)
    # value_and_grad agrees on the value bit for bit
    v, _ = nc.value_and_grad(ff, argnums=argnums)(*args)
    same(v, f(*args))


def test_tape_records_one_call(nc):
    loss, args = _mlp_loss(nc)
    f = nc.function(loss)
    w1 = args[0]
    with nc.GradientTape() as t:
        t.watch(w1)
        y = f(*args)
    assert t._debug_records() == ("call",)
    close(t.gradient(y, w1), nc.grad(loss)(*args))
    # nothing watched: nothing recorded
    with nc.GradientTape() as t2:
        f(*args)
    assert t2._debug_records() == ()


def test_outer_graph_holds_one_call_node(nc):
    loss, args = _mlp_loss(nc)
    inner = nc.function(loss)
    outer = nc.function(lambda *a: inner(*a) * 2.0 + 1.0)
    same(outer(*args), loss(*args) * 2.0 + 1.0)
    dump = outer.graph_dump(*args)
    top = [ln for ln in dump.splitlines() if ln.startswith("  %")]
    assert sum(" = call(" in ln for ln in top) == 1, dump
    assert not any("tanh(" in ln for ln in top), dump  # the body is not inlined
    assert "tanh(" in dump                              # it is the call's body


def test_second_order_through_function(nc):
    f = lambda x: nc.sum(nc.sin(x) ** 3 + x * nc.exp(x / 3))
    ff = nc.function(f)
    x = nc.linspace(0.1, 1.0, 5)
    g2 = lambda h: nc.grad(lambda x: nc.sum(nc.grad(h)(x) * nc.cos(x)))
    close(g2(ff)(x), g2(f)(x))
    # third order on a scalar
    s = lambda h: nc.grad(nc.grad(nc.grad(lambda t: nc.sum(h(t * nc.ones(5))))))
    close(s(ff)(nc.asarray(0.7)), s(f)(nc.asarray(0.7)))
    # a while loop (the inline fallback) differentiated twice
    w = lambda x: nc.sum(nc.while_loop(lambda v: nc.sum(v) < 20.0, lambda v: v * v + 1.0, x))
    close(g2(nc.function(w))(x), g2(w)(x))


def test_function_of_grad_of_function(nc):
    loss, args = _mlp_loss(nc)
    inner = nc.function(loss)
    gf = nc.function(nc.grad(inner, argnums=(0, 2)))
    close(gf(*args), nc.grad(loss, argnums=(0, 2))(*args))
    dump = gf.graph_dump(*args)
    top = [ln for ln in dump.splitlines() if ln.startswith("  %")]
    # one call of the backward graph (which recomputes the forward); the
    # forward call itself is dead, since grad needs no value
    assert sum(" = call(" in ln for ln in top) == 1, dump
    assert not any("tanh(" in ln for ln in top), dump
    # and a function of a hessian through it
    x = nc.linspace(0.1, 1.0, 4)
    f = lambda x: nc.sum(nc.sin(x) * x ** 2)
    hf = nc.function(lambda x: nc.grad(lambda y: nc.sum(nc.grad(nc.function(f))(y) ** 2))(x))
    close(hf(x), nc.grad(lambda y: nc.sum(nc.grad(f)(y) ** 2))(x))


def test_vmap_and_function_compose(nc):
    f = lambda x, w: nc.tanh(x @ w).sum(axis=-1)
    rng = np.random.default_rng(1)
    xs = nc.asarray(rng.standard_normal((4, 3, 5)))
    w = nc.asarray(rng.standard_normal((5, 2)))
    exp = nc.stack([f(xs[i], w) for i in range(4)])
    close(nc.vmap(nc.function(f), in_axes=(0, None))(xs, w), exp)
    close(nc.function(nc.vmap(f, in_axes=(0, None)))(xs, w), exp)
    close(nc.function(nc.vmap(nc.function(f), in_axes=(0, None)))(xs, w), exp)
    # gradients under vmap, and vmap under grad
    s = lambda x, w: nc.sum(f(x, w) ** 2)
    ge = nc.stack([nc.grad(s)(xs[i], w) for i in range(4)])
    close(nc.vmap(nc.grad(nc.function(s)), in_axes=(0, None))(xs, w), ge)
    vs = lambda w: nc.sum(nc.vmap(nc.function(s), in_axes=(0, None))(xs, w))
    close(nc.grad(vs)(w), nc.grad(lambda w: sum(s(xs[i], w) for i in range(4)))(w))


def test_call_outputs_aliasing_inputs_and_each_other(nc):
    # an output that is the input itself, a duplicated output and an integer one
    f = nc.function(lambda x, n: (x, nc.sin(x), nc.sin(x), n + 1))
    x = nc.linspace(0.0, 1.0, 3)
    n = nc.arange(3)

    def loss(x):
        a, b, c, k = f(x, n)
        return nc.sum(a * 3.0 + b * 5.0 + c * 7.0) + nc.sum(k) * 0.0

    close(nc.grad(loss)(x), 3.0 + 12.0 * nc.cos(x))
    # the same array passed twice
    g = nc.function(lambda a, b: nc.sum(a * b * b))
    close(nc.grad(lambda x: g(x, x))(x), 3.0 * x * x)
    close(nc.grad(g, argnums=(0, 1))(x, x), (x * x, 2.0 * x * x))


def _grads_assign_then_read(nc, body, traced, watch_accessed=True):
    """Gradients w.r.t. x and the Variable of body(v, x) under an outer tape."""
    v = nc.Variable(nc.asarray(3.0))
    f = nc.function(lambda x: body(v, x)) if traced else (lambda x: body(v, x))
    out = []
    for _ in range(2):                     # the second call hits the cache
        with nc.GradientTape(persistent=True,
                             watch_accessed_variables=watch_accessed) as t:
            if not watch_accessed:
                t.watch(v)
            x = nc.asarray(1.5)
            t.watch(x)
            y = f(x)
        gx, gv = t.gradient(y, x), t.gradient(y, v)
        out.append((float(y), float(nc.asarray(v)),
                    None if gx is None else float(gx), None if gv is None else float(gv)))
    return out


@pytest.mark.parametrize("watch_accessed", [True, False])
@pytest.mark.parametrize("body", [
    lambda v, x: (v.assign(x * 2.0), v * v)[1],                  # reads the assigned value
    lambda v, x: (v.assign(x * 2.0), v * x)[1],
    lambda v, x: (v.assign_add(x), v * v)[1],                    # old value + x, then read
    lambda v, x: (lambda a: (v.assign(x), a * v)[1])(v * x),     # read, assign, read
    lambda v, x: (v.assign(x * 2.0), x * 3.0)[1],                # assigned, never read
])
def test_variable_assigned_then_read_under_outer_tape(nc, body, watch_accessed):
    """An assign inside a function is not differentiable and the tapes
    tracking the Variable watch its new value: gradients through a call that
    assigns and then reads a Variable are those of the same body run eagerly."""
    assert (_grads_assign_then_read(nc, body, True, watch_accessed)
            == _grads_assign_then_read(nc, body, False, watch_accessed))
