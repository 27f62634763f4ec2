"""numc.vmap / numc.vectorized_map against a Python loop over the examples.

The oracle for every mapped computation is the same function applied by a
Python loop to each example (numc eager), stacked with NumPy: the op table
(optable.py) drives the elementwise, reduction, manipulation and linear
algebra rows, mapped over axis 0 and over a later axis of stacked inputs,
with unbatched operands mixed in. Then in_axes/out_axes forms (None,
negative, pytrees, kwargs), nested vmap, matmul with an unbatched operand,
indexing and functional updates, the loop-and-stack fallback against the
batching rules, composition with grad, and the errors."""
import numpy as np
import pytest

import optable as T

B = 3   # batch size used throughout


def stack_at(xs, axis):
    return np.stack(xs, axis=axis)


def take(x, i, axis):
    return np.take(x, i, axis=axis)


def mapped_inputs(rng, row_domains, dt, shapes, axes, n=B):
    """NumPy inputs: arg k has per-example shape shapes[k], stacked along
    axes[k] (None: one unbatched value)."""
    out = []
    for dom, shp, ax in zip(row_domains, shapes, axes):
        if ax is None:
            out.append(dom.gen(rng, dt, shp))
        else:
            full = list(shp)
            a = ax if ax >= 0 else len(shp) + 1 + ax
            full.insert(a, n)
            out.append(dom.gen(rng, dt, full))
    return out


def loop_reference(nc, f, np_args, axes, out_axis=0, n=B):
    """Python loop: f on each example (numc eager), results stacked (NumPy)."""
    results = []
    for i in range(n):
        ex = [T.to_nc(nc, a if ax is None else take(a, i, ax)) for a, ax in zip(np_args, axes)]
        results.append(T.call_nc(f, *ex))
    first = results[0]
    if isinstance(first, (tuple, list)):
        return tuple(stack_at([T.to_np(r[k]) for r in results], out_axis)
                     for k in range(len(first)))
    return stack_at([T.to_np(r) for r in results], out_axis)


def check_vmap(nc, f, np_args, axes, ctx, rtol=None, out_axis=0, n=B):
    try:
        exp = loop_reference(nc, f, np_args, axes, out_axis, n)
    except Exception as e:  # noqa: BLE001 — the loop cannot run: nothing to compare
        pytest.skip(f"the per-example loop raises {type(e).__name__}: {e}")
    nc_args = [T.to_nc(nc, a) for a in np_args]
    got = T.call_nc(nc.vmap(f, in_axes=tuple(axes), out_axes=out_axis), *nc_args)
    if isinstance(got, list):
        got = tuple(got)
    T.check(got, exp, rtol=rtol, ctx=ctx)


def pick_dtypes(dtypes, want=("float64", "float32", "int32", "bool", "complex128")):
    return [d for d in want if d in dtypes][:3]


# ---------------------------------------------------------------------------
# the op table


EW_GRID = [(r, d, ax) for r in T.ELEMENTWISE for d in pick_dtypes(r.dtypes) for ax in (0, 1)]


@pytest.mark.parametrize("row,dt,ax", EW_GRID, ids=[f"{r.name}-{d}-ax{a}" for r, d, a in EW_GRID])
def test_elementwise(nc, row, dt, ax):
    rng = T.rng_for("vmap", row.name, dt, ax)
    shapes = [(3, 4)] * row.arity
    np_args = mapped_inputs(rng, row.domains, dt, shapes, [ax] * row.arity)
    check_vmap(nc, lambda *xs: row.fn(nc, *xs), np_args, [ax] * row.arity,
               f"{row.name}[{dt}] in_axes={ax}", rtol=row.rtol(dt))


EW_MIXED = [(r, d) for r in T.ELEMENTWISE if r.arity >= 2 for d in pick_dtypes(r.dtypes)[:1]]


@pytest.mark.parametrize("row,dt", EW_MIXED, ids=[f"{r.name}-{d}" for r, d in EW_MIXED])
def test_elementwise_unbatched_and_broadcast(nc, row, dt):
    """One operand unbatched, another broadcast per example ((4,) vs (3, 4)),
    batch axes at different positions."""
    rng = T.rng_for("vmap-mixed", row.name, dt)
    shapes = [(3, 4)] + [(4,)] * (row.arity - 1)
    axes = [1, None] + [0] * (row.arity - 2)
    np_args = mapped_inputs(rng, row.domains, dt, shapes, axes)
    check_vmap(nc, lambda *xs: row.fn(nc, *xs), np_args, axes,
               f"{row.name}[{dt}] mixed", rtol=row.rtol(dt))
    axes = [None] + [-1] * (row.arity - 1)
    np_args = mapped_inputs(rng, row.domains, dt, shapes, axes)
    check_vmap(nc, lambda *xs: row.fn(nc, *xs), np_args, axes,
               f"{row.name}[{dt}] unbatched first", rtol=row.rtol(dt))


RED_GRID = [(r, d, ax, i) for r in T.REDUCTIONS for d in pick_dtypes(r.dtypes, ("float64", "int64", "bool"))
            for ax in (0, 2) for i in range(len(r.variants(2)))]


@pytest.mark.parametrize("row,dt,ax,vi", RED_GRID,
                         ids=[f"{r.name}-{d}-ax{a}-v{i}" for r, d, a, i in RED_GRID])
def test_reductions(nc, row, dt, ax, vi):
    kw = row.variants(2)[vi]
    rng = T.rng_for("vmap-red", row.name, dt, ax, vi)
    np_args = mapped_inputs(rng, [row.domain], dt, [(3, 4)], [ax])
    rtol = T.TOL.get(str(kw.get("dtype", dt)), 1e-12) * 10
    check_vmap(nc, lambda x: row.fn(nc, x, **kw), np_args, [ax], f"{row.name}{kw}[{dt}]",
               rtol=rtol)


SKIP_SHAPED = {"nonzero", "nonzero_1d"}   # data-dependent shapes: eager only
SHAPED = [r for r in T.MANIP + T.LINALG if r.id not in SKIP_SHAPED]
SH_GRID = [(r, mode) for r in SHAPED for mode in ("all0", "last", "first_only")]


@pytest.mark.parametrize("row,mode", SH_GRID, ids=[f"{r.id}-{m}" for r, m in SH_GRID])
def test_shaped(nc, row, mode):
    dt = "float64"
    rng = T.rng_for("vmap-shaped", row.id, mode)
    k = len(row.shapes)
    if mode == "all0":
        axes = [0] * k
    elif mode == "last":
        axes = [-1] * k
    else:
        axes = [0] + [None] * (k - 1)
    np_args = mapped_inputs(rng, [row.domain] * k, dt, row.shapes, axes)
    check_vmap(nc, lambda *xs: row.fn(nc, *xs), np_args, axes, f"{row.id} {mode}", rtol=1e-12)


# ---------------------------------------------------------------------------
# in_axes / out_axes


def test_basic_shapes_inside(nc):
    seen = []

    def f(x):
        seen.append((x.shape, x.ndim))
        return x * 2

    xs = nc.asarray(np.arange(12.0).reshape(3, 4))
    T.check(nc.vmap(f)(xs), np.arange(12.0).reshape(3, 4) * 2)
    assert seen == [((4,), 1)]
    seen.clear()
    T.check(nc.vmap(f, in_axes=1)(xs), (np.arange(12.0).reshape(3, 4) * 2).T)
    assert seen == [((3,), 1)]


def test_in_axes_none_and_negative(nc):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(3, 5))
    f = nc.vmap(lambda a, b, c: a * b + c, in_axes=(0, -1, None))
    c = rng.normal(size=3)
    want = np.stack([x[i] * y[:, i] + c for i in range(5)])
    T.check(f(nc.asarray(x), nc.asarray(y), nc.asarray(c)), want, rtol=1e-12)
    # a top-level list is a tuple (JAX)
    f = nc.vmap(lambda a, b, c: a * b + c, in_axes=[0, -1, None])
    T.check(f(nc.asarray(x), nc.asarray(y), nc.asarray(c)), want, rtol=1e-12)
    # non-array unbatched arguments pass through untouched
    g = nc.vmap(lambda a, k, s: a * k + len(s), in_axes=(0, None, None))
    T.check(g(nc.asarray(x), 2.0, "abc"), x * 2.0 + 3, rtol=1e-12)


def test_in_axes_pytrees(nc):
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(4, 2)), rng.normal(size=(2, 4)), rng.normal(size=(2,))

    def f(d, t):
        return d["a"] * d["b"] + t[0] * t[1][0]

    d = {"a": nc.asarray(a), "b": nc.asarray(b)}
    t = (nc.asarray(c), [nc.asarray(a)])
    out = nc.vmap(f, in_axes=({"a": 0, "b": 1}, (None, [0])))(d, t)
    want = np.stack([a[i] * b[:, i] + c * a[i] for i in range(4)])
    T.check(out, want, rtol=1e-12)
    # a subtree given one axis
    out = nc.vmap(f, in_axes=({"a": 0, "b": 1}, 0))({"a": d["a"], "b": d["b"]},
                                                   (nc.asarray(a), [nc.asarray(a)]))
    want = np.stack([a[i] * b[:, i] + a[i] * a[i] for i in range(4)])
    T.check(out, want, rtol=1e-12)


def test_kwargs_mapped_on_axis0(nc):
    x = np.arange(6.0).reshape(3, 2)
    f = nc.vmap(lambda a, scale: a * scale, in_axes=(1,))
    out = f(nc.asarray(x.T.copy()), scale=nc.asarray(np.array([1.0, 2.0, 3.0])))
    T.check(out, x * np.array([1.0, 2.0, 3.0])[:, None])


def test_out_axes(nc):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 2, 3))
    xs = nc.asarray(x)
    T.check(nc.vmap(lambda v: v + 1, out_axes=1)(xs), np.moveaxis(x + 1, 0, 1))
    T.check(nc.vmap(lambda v: v + 1, out_axes=-1)(xs), np.moveaxis(x + 1, 0, -1))
    T.check(nc.vmap(lambda v: v + 1, out_axes=2)(xs), np.moveaxis(x + 1, 0, 2))
    # a pytree of out_axes
    a, b = nc.vmap(lambda v: (v, v.sum()), out_axes=(1, 0))(xs)
    T.check(a, np.moveaxis(x, 0, 1))
    T.check(b, x.sum(axis=(1, 2)), rtol=1e-12)
    d = nc.vmap(lambda v: {"s": v.sum(), "m": v * 2}, out_axes={"s": 0, "m": -1})(xs)
    T.check(d["s"], x.sum(axis=(1, 2)), rtol=1e-12)
    T.check(d["m"], np.moveaxis(x * 2, 0, -1))
    # out_axes None for an output without batched dependence
    w = nc.asarray(np.ones(3))
    u, v = nc.vmap(lambda v: (w * 2, v), out_axes=(None, 0))(xs)
    T.check(u, np.ones(3) * 2)
    T.check(v, x)


def test_unbatched_outputs_broadcast(nc):
    xs = nc.asarray(np.arange(6.0).reshape(3, 2))
    out = nc.vmap(lambda v: nc.ones(4))(xs)
    T.check(out, np.ones((3, 4)))
    out = nc.vmap(lambda v: nc.arange(2.0), out_axes=1)(xs)
    T.check(out, np.broadcast_to(np.arange(2.0)[:, None], (2, 3)))
    out = nc.vmap(lambda v: 1.5)(xs)
    T.check(out, np.full(3, 1.5))
    # iota / constants mixed with batched values
    out = nc.vmap(lambda v: v + nc.arange(2.0))(xs)
    T.check(out, np.arange(6.0).reshape(3, 2) + np.arange(2.0))


def test_axis_size(nc):
    out = nc.vmap(lambda a: a * 2, in_axes=None, axis_size=3)(nc.asarray(np.arange(2.0)))
    T.check(out, np.broadcast_to(np.arange(2.0) * 2, (3, 2)))
    out = nc.vmap(lambda a: a * 2, axis_size=2)(nc.asarray(np.ones((2, 4))))
    T.check(out, np.full((2, 4), 2.0))


def test_namedtuple_and_none_leaves(nc):
    import collections
    P = collections.namedtuple("P", "w b")
    p = P(nc.asarray(np.ones((3, 2))), nc.asarray(np.arange(3.0)))
    out = nc.vmap(lambda q, z: P(q.w * 2, q.b + 1) if z is None else None,
                  in_axes=(P(0, 0), None))(p, None)
    assert isinstance(out, P)
    T.check(out.w, np.ones((3, 2)) * 2)
    T.check(out.b, np.arange(3.0) + 1)


def test_vectorized_map(nc):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5,))
    out = nc.vectorized_map(lambda e: e[0] * e[1], (nc.asarray(x), nc.asarray(y)))
    T.check(out, x * y[:, None], rtol=1e-12)
    out = nc.vectorized_map(lambda d: nc.sum(d["x"]) + d["y"], {"x": nc.asarray(x),
                                                               "y": nc.asarray(y)})
    T.check(out, x.sum(axis=1) + y, rtol=1e-12)
    out = nc.vectorized_map(lambda v: v * 2, nc.asarray(x), fallback_to_while_loop=False)
    T.check(out, x * 2)
    # NumPy inputs are converted
    out = nc.vectorized_map(lambda v: v * 2, x)
    T.check(out, x * 2)


def test_decorator_and_wrapping(nc):
    @nc.vmap
    def double(x):
        """doc"""
        return x * 2

    assert double.__name__ == "double" and double.__doc__ == "doc"
    assert double.__wrapped__ is not None
    T.check(double(nc.asarray(np.arange(3.0))), np.arange(3.0) * 2)
    assert "vmap" in repr(double)


# ---------------------------------------------------------------------------
# nesting, linear algebra, indexing


def test_nested_vmap_pairwise(nc):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))

    def dist(u, v):
        d = u - v
        return nc.sqrt(nc.sum(d * d))

    f = nc.vmap(nc.vmap(dist, in_axes=(None, 0)), in_axes=(0, None))
    want = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    T.check(f(nc.asarray(a), nc.asarray(b)), want, rtol=1e-12)
    # inner over the outer's batched axis order swapped
    g = nc.vmap(nc.vmap(dist, in_axes=(0, None)), in_axes=(None, 0), out_axes=1)
    T.check(g(nc.asarray(a), nc.asarray(b)), want, rtol=1e-12)
    # three levels
    x = rng.normal(size=(2, 3, 4))
    h = nc.vmap(nc.vmap(nc.vmap(lambda s: s * s + 1)))
    T.check(h(nc.asarray(x)), x * x + 1, rtol=1e-12)
    h = nc.vmap(nc.vmap(lambda r: nc.sum(r), in_axes=1), in_axes=2)
    T.check(h(nc.asarray(x)), x.sum(axis=0).T, rtol=1e-12)


def test_matmul_one_unbatched(nc):
    rng = np.random.default_rng(5)
    W, xs, Ws = rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=(6, 4, 3))
    T.check(nc.vmap(lambda x: nc.asarray(W) @ x)(nc.asarray(xs)), xs @ W.T, rtol=1e-12)
    T.check(nc.vmap(lambda x: x @ nc.asarray(W.T))(nc.asarray(xs)), xs @ W.T, rtol=1e-12)
    x0 = rng.normal(size=3)
    T.check(nc.vmap(lambda w: w @ nc.asarray(x0))(nc.asarray(Ws)), Ws @ x0, rtol=1e-12)
    T.check(nc.vmap(lambda w, x: w @ x)(nc.asarray(Ws), nc.asarray(xs)),
            np.einsum("bij,bj->bi", Ws, xs), rtol=1e-12)
    R = rng.normal(size=(4, 2))
    T.check(nc.vmap(lambda w, r: w @ r, in_axes=(2, None))(nc.asarray(Ws), nc.asarray(R)),
            np.stack([Ws[:, :, k] @ R for k in range(3)]), rtol=1e-12)
    M, N = rng.normal(size=(6, 3, 5)), rng.normal(size=(5, 2))
    T.check(nc.vmap(nc.tensordot, in_axes=(0, None, None))(nc.asarray(M), nc.asarray(N), 1),
            np.stack([np.tensordot(M[i], N, 1) for i in range(6)]), rtol=1e-12)


def test_indexing(nc):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 5, 6))
    xs = nc.asarray(x)
    T.check(nc.vmap(lambda v: v[1:4:2])(xs), x[:, 1:4:2])
    T.check(nc.vmap(lambda v: v[::-1, 2])(xs), x[:, ::-1, 2])
    T.check(nc.vmap(lambda v: v[:, None, 0])(xs), x[:, :, None, 0])
    T.check(nc.vmap(lambda v: v[..., -1])(xs), x[..., -1])
    idx = np.array([4, 0, -1])
    T.check(nc.vmap(lambda v: v[nc.asarray(idx)])(xs), x[:, idx])
    T.check(nc.vmap(lambda v: v[:, [1, 2]])(xs), x[:, :, [1, 2]])
    # batched indices
    ii = np.array([0, 3, 4, 1])
    T.check(nc.vmap(lambda v, i: nc.take(v, i, axis=0))(xs, nc.asarray(ii)),
            x[np.arange(4), ii])
    T.check(nc.vmap(lambda v, i: v[i[None]])(xs, nc.asarray(ii)), x[np.arange(4), ii][:, None])
    jj = rng.integers(0, 6, size=(4, 2, 2))
    T.check(nc.vmap(lambda v, j: v[:, j])(xs, nc.asarray(jj)),
            np.stack([x[k][:, jj[k]] for k in range(4)]))
    T.check(nc.vmap(lambda v, i, j: v[i, j])(xs, nc.asarray(ii[:, None]),
                                              nc.asarray(jj[:, 0, :1])),
            x[np.arange(4), ii, jj[:, 0, 0]][:, None])
    # batched indices into an unbatched array
    T.check(nc.vmap(lambda i: nc.asarray(x[0])[i], in_axes=0)(nc.asarray(ii[:, None])),
            x[0][ii][:, None])
    T.check(nc.vmap(lambda j: nc.take(nc.asarray(x[0]), j, axis=1))(nc.asarray(jj)),
            np.stack([np.take(x[0], jj[k], axis=1) for k in range(4)]))


def test_scalar_traced_index(nc):
    x = np.arange(60.0).reshape(4, 5, 3)
    ii, jj = np.array([0, 3, 4, 1]), np.array([2, 0, 1, 2])
    T.check(nc.vmap(lambda v, i: v[i])(nc.asarray(x), nc.asarray(ii)), x[np.arange(4), ii])
    T.check(nc.vmap(lambda v, i, j: v[i, j])(nc.asarray(x), nc.asarray(ii), nc.asarray(jj)),
            x[np.arange(4), ii, jj])
    T.check(nc.vmap(lambda v, j: v[:, j])(nc.asarray(x), nc.asarray(jj)), x[np.arange(4), :, jj])
    T.check(nc.vmap(lambda i: nc.asarray(x[0])[i])(nc.asarray(ii)), x[0][ii])


def test_functional_updates(nc):
    rng = np.random.default_rng(7)
    x, v = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 5))

    def f(a, b):
        a = a.copy()
        a[1] = b
        a[2:, ::2] = 0.0
        return a

    want = x.copy()
    want[:, 1] = v
    want[:, 2:, ::2] = 0
    T.check(nc.vmap(f)(nc.asarray(x), nc.asarray(v)), want)
    # the update unbatched, the operand batched, and the other way round
    T.check(nc.vmap(f, in_axes=(0, None))(nc.asarray(x), nc.asarray(v[0])),
            np.stack([f_np(x[i], v[0]) for i in range(3)]))
    T.check(nc.vmap(f, in_axes=(None, 0))(nc.asarray(x[0]), nc.asarray(v)),
            np.stack([f_np(x[0], v[i]) for i in range(3)]))


def f_np(a, b):
    a = a.copy()
    a[1] = b
    a[2:, ::2] = 0.0
    return a


def test_empty_batch(nc):
    out = nc.vmap(lambda v: nc.sum(v * 2))(nc.asarray(np.zeros((0, 3))))
    T.check(out, np.zeros(0))
    out = nc.vmap(lambda v: v @ nc.asarray(np.ones((3, 2))))(nc.asarray(np.zeros((0, 3))))
    T.check(out, np.zeros((0, 2)))


# ---------------------------------------------------------------------------
# control flow and graph mode under vmap


def _cf_cond(nc):
    return lambda v: nc.cond(nc.sum(v) > 0, lambda a: a * 2, lambda a: a - 1, v)


def _cf_cond_unbatched(nc):
    return lambda v: nc.cond(True, lambda a: a * 2, lambda a: a - 1, v)


def _cf_while(nc):
    return lambda v: nc.while_loop(lambda c: nc.sum(c[0]) < 20,
                                   lambda c: (c[0] * 2, c[1] + 1), (nc.abs(v) + 0.5, 0))


def _cf_while_unbatched_pred(nc):
    return lambda v: nc.while_loop(lambda c: c[1] < 3, lambda c: (c[0] * 2, c[1] + 1), (v, 0))


def _cf_fori(nc):
    return lambda v: nc.fori_loop(0, 3, lambda i, c: c * 2 + i, v)


def _cf_scan(nc):
    return lambda v: nc.scan(lambda c, e: (c + e, c * e), 0.0, v)


def _cf_scan_rev(nc):
    return lambda v: nc.scan(lambda c, e: (c * 0.5 + e, (c, e + 1)), v[0], v, reverse=True)


CONTROL = {"cond": _cf_cond, "cond_unbatched": _cf_cond_unbatched, "while": _cf_while,
           "while_unbatched_pred": _cf_while_unbatched_pred, "fori": _cf_fori,
           "scan": _cf_scan, "scan_reverse": _cf_scan_rev}
CF_GRID = [(k, mode) for k in sorted(CONTROL) for mode in ("eager", "function", "fallback")]


def _flat(r):
    if isinstance(r, (tuple, list)):
        out = []
        for e in r:
            out += _flat(e)
        return out
    return [r]


@pytest.mark.parametrize("name,mode", CF_GRID, ids=[f"{k}-{m}" for k, m in CF_GRID])
def test_control_flow(nc, name, mode):
    for attr in ("cond", "while_loop", "fori_loop", "scan", "function"):
        if not hasattr(nc, attr):
            pytest.skip(f"numc.{attr} is not available yet")
    f = CONTROL[name](nc)
    x = np.array([[1.0, 2.0, 0.5], [-3.0, 4.0, 1.0], [5.0, -6.0, 2.0], [0.1, 0.2, 0.3]])
    want = [_flat(f(nc.asarray(r))) for r in x]
    g = nc.function(f) if mode == "function" else f
    prev = nc._numc._vmap_force_fallback(mode == "fallback")
    try:
        got = _flat(nc.vmap(g)(nc.asarray(x)))
    finally:
        nc._numc._vmap_force_fallback(prev)
    assert len(got) == len(want[0])
    for k, leaf in enumerate(got):
        T.check(leaf, np.stack([T.to_np(w[k]) for w in want]), rtol=1e-12, ctx=f"{name} leaf {k}")


def test_vmap_inside_function(nc):
    if not hasattr(nc, "function"):
        pytest.skip("numc.function is not available yet")
    x = np.array([[1.0, 2.0], [-3.0, 4.0], [5.0, -6.0]])
    for name in ("cond", "while", "scan"):
        f = CONTROL[name](nc)
        want = _flat(nc.vmap(f)(nc.asarray(x)))
        got = _flat(nc.function(nc.vmap(f))(nc.asarray(x)))
        for g, w in zip(got, want):
            T.check(g, T.to_np(w), rtol=1e-12, ctx=name)
    h = nc.function(nc.vmap(lambda a, b: nc.sum(a * b) + nc.tanh(a), in_axes=(0, None)))
    a, b = np.random.default_rng(11).normal(size=(2, 5, 3))
    T.check(h(nc.asarray(a), nc.asarray(b[0])),
            np.stack([np.sum(a[i] * b[0]) + np.tanh(a[i]) for i in range(5)]), rtol=1e-12)


# ---------------------------------------------------------------------------
# the fallback against the rules


FALLBACK_FUNCS = {
    "ew": (lambda a, b: nc_mod().sin(a) * b + 1, [(3, 4), (4,)], (1, None)),
    "reduce": (lambda a, b: nc_mod().sum(a, axis=1) + nc_mod().max(b), [(3, 4), (2,)], (0, 0)),
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)], (1, 0)),
    "matmul_unb": (lambda a, b: a @ b, [(3, 4), (4, 2)], (None, 2)),
    "layout": (lambda a, b: nc_mod().concatenate([a.T[::-1], b.reshape(4, 1)], axis=1),
               [(3, 4), (2, 2)], (2, 0)),
    "cumsum": (lambda a, b: nc_mod().cumsum(a, axis=0) * b, [(3, 4), (3, 4)], (0, 1)),
    "take": (lambda a, b: nc_mod().take(a, nc_mod().argmax(b, axis=0), axis=1),
             [(3, 4), (2, 5)], (0, 1)),
    "setitem": (lambda a, b: _setitem(a, b), [(3, 4), (4,)], (1, 0)),
    "where": (lambda a, b: nc_mod().where(a > 0, a, b), [(3, 4), (3, 4)], (0, None)),
}


def nc_mod():
    import numc
    return numc


def _setitem(a, b):
    a = a.copy()
    a[1] = b
    return a


@pytest.mark.parametrize("name", sorted(FALLBACK_FUNCS))
def test_fallback_matches_rules(nc, name):
    f, shapes, axes = FALLBACK_FUNCS[name]
    rng = T.rng_for("fallback", name)
    np_args = mapped_inputs(rng, [T.ANY] * len(shapes), "float64", shapes, axes)
    args = [nc.asarray(a) for a in np_args]
    rules = nc.vmap(f, in_axes=axes)(*args)
    prev = nc._numc._vmap_force_fallback(True)
    try:
        fallback = nc.vmap(f, in_axes=axes)(*args)
    finally:
        nc._numc._vmap_force_fallback(prev)
    T.check(fallback, T.to_np(rules), rtol=1e-12, ctx=name)
    check_vmap(nc, f, np_args, list(axes), name, rtol=1e-12)


def test_fallback_switch(nc):
    assert nc._numc._vmap_force_fallback(True) is False
    assert nc._numc._vmap_force_fallback(False) is True


# ---------------------------------------------------------------------------
# composition with autodiff


def _grad(nc):
    if not hasattr(nc, "grad"):
        pytest.skip("numc.grad is not available yet")
    return nc.grad


def test_vmap_of_grad(nc):
    grad = _grad(nc)
    rng = np.random.default_rng(8)
    W, xs = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    Wn = nc.asarray(W)

    def loss(x):
        return nc.sum(nc.tanh(Wn @ x) ** 2)

    per = nc.vmap(grad(loss))(nc.asarray(xs))
    want = np.stack([T.to_np(grad(loss)(nc.asarray(xs[i]))) for i in range(5)])
    T.check(per, want, rtol=1e-12)


def test_grad_of_vmap(nc):
    grad = _grad(nc)
    rng = np.random.default_rng(9)
    W, xs = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    X = nc.asarray(xs)

    def total(w):
        return nc.sum(nc.vmap(lambda x: nc.sum(nc.tanh(w @ x) ** 2))(X))

    g = grad(total)(nc.asarray(W))
    want = sum(T.to_np(grad(lambda w, x=x: nc.sum(nc.tanh(w @ nc.asarray(x)) ** 2))(
        nc.asarray(W))) for x in xs)
    T.check(g, want, rtol=1e-10)


def test_per_example_mlp_gradients(nc):
    grad = _grad(nc)
    rng = np.random.default_rng(10)
    params = {"W1": nc.asarray(rng.normal(size=(8, 4)) * 0.5), "b1": nc.asarray(np.zeros(8)),
              "W2": nc.asarray(rng.normal(size=(1, 8)) * 0.5)}
    xs, ys = rng.normal(size=(16, 4)), rng.normal(size=(16,))

    def loss(p, x, y):
        h = nc.tanh(p["W1"] @ x + p["b1"])
        return nc.sum((p["W2"] @ h - y) ** 2)

    g = nc.vmap(grad(loss), in_axes=(None, 0, 0))(params, nc.asarray(xs), nc.asarray(ys))
    for i in (0, 7, 15):
        gi = grad(loss)(params, nc.asarray(xs[i]), nc.asarray(ys[i]))
        for k in params:
            T.check(g[k][i], T.to_np(gi[k]), rtol=1e-12, ctx=k)


# ---------------------------------------------------------------------------
# errors


def test_inconsistent_sizes(nc):
    f = nc.vmap(lambda a, b: a + b)
    with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be mapped"):
        f(nc.ones((3, 2)), nc.ones((4, 2)))
    with pytest.raises(ValueError, match="inconsistent sizes"):
        nc.vmap(lambda a: a, axis_size=5)(nc.ones((3, 2)))
    with pytest.raises(ValueError, match="inconsistent sizes"):
        nc.vectorized_map(lambda e: e[0], (nc.ones(3), nc.ones(4)))


def test_axis_errors(nc):
    with pytest.raises(ValueError, match="rank should be at least 3"):
        nc.vmap(lambda a: a, in_axes=2)(nc.ones((3, 2)))
    with pytest.raises(ValueError, match="rank should be at least"):
        nc.vmap(lambda a: a)(1.0)
    with pytest.raises(ValueError, match="len\\(in_axes\\)=2, len\\(args\\)=1"):
        nc.vmap(lambda a: a, in_axes=(0, 0))(nc.ones(3))
    with pytest.raises(ValueError, match="at least one non-None"):
        nc.vmap(lambda a: a, in_axes=None)(nc.ones(3))
    with pytest.raises(TypeError, match="in_axes must be an int, None, or"):
        nc.vmap(lambda a: a, in_axes=1.5)
    with pytest.raises(TypeError, match="in_axes must be an int, None, or"):
        nc.vmap(lambda a: a, in_axes=("x",))
    with pytest.raises(TypeError, match="callable"):
        nc.vmap(3)
    with pytest.raises(ValueError, match="tree prefix"):
        nc.vmap(lambda d: d, in_axes=({"a": 0},))({"b": nc.ones(3)})
    with pytest.raises(ValueError, match="out_axes is None"):
        nc.vmap(lambda a: a, out_axes=None)(nc.ones(3))
    with pytest.raises(ValueError):
        nc.vmap(lambda a: a, out_axes=3)(nc.ones((3, 2)))


def test_per_example_errors(nc):
    # shape errors are raised in per-example terms
    with pytest.raises(np.exceptions.AxisError):
        nc.vmap(lambda a: nc.sum(a, axis=1))(nc.ones((3, 2)))
    with pytest.raises(ValueError):
        nc.vmap(lambda a, b: a @ b)(nc.ones((3, 2)), nc.ones((3, 3)))


def test_exception_in_function_ends_the_batch(nc):
    def boom(a):
        raise KeyError("x")

    with pytest.raises(KeyError):
        nc.vmap(boom)(nc.ones(3))
    # the interpreter stack is clean: eager computation works
    T.check(nc.ones(2) + 1, np.full(2, 2.0))


def test_leaked_tracer(nc):
    leaked = []
    nc.vmap(lambda a: leaked.append(a) or a)(nc.ones((3, 2)))
    with pytest.raises(Exception, match="leaked"):
        leaked[0] + 1


def test_no_leaks(nc):
    x = nc.asarray(np.ones((4, 3)))
    f = nc.vmap(lambda a, b: nc.sum(a * b) + a[0], in_axes=(0, None))
    f(x, x[0])
    before = nc._numc._live_arrays()
    for _ in range(3):
        f(x, x[0])
    assert nc._numc._live_arrays() == before
