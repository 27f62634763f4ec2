"""The Python autodiff API: GradientTape, grad / value_and_grad / vjp /
jacobian / hessian, stop_gradient, custom_vjp and Variable.

Gradients are checked against central finite differences in float64. The
table-driven tests walk the float rows of optable (elementwise, reductions,
manipulation, linear algebra): for L(x) = sum_k sum(f(x)_k * w_k) with fixed
random weights, the directional derivative along random directions v must
equal <grad L, v>. Finite differences run through numc's own forward pass
(validated against NumPy by the other suites).
"""
import collections
import dataclasses
import gc
import math

import numpy as np
import pytest

import optable as ot

EPS = 1e-6


def close(a, b, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                               rtol=rtol, atol=atol)


def _tuple(r):
    return r if isinstance(r, tuple) else (r,)


def weighted_loss(nc, fn, ws):
    """L(*xs) = sum over the inexact outputs of sum(out * w)."""
    def loss(*xs):
        total = None
        for o, w in zip(_tuple(fn(*xs)), ws):
            if o.dtype.kind not in "fc":
                continue
            t = (o * nc.asarray(w)).sum()
            total = t if total is None else total + t
        return nc.asarray(0.0) if total is None else total
    return loss


def check_directional(nc, fn, np_inputs, trials=2, rtol=1e-6, seed=0):
    """grad of L against central differences along random directions."""
    rng = np.random.default_rng(seed)
    xs = [nc.asarray(a) for a in np_inputs]
    ws = [rng.standard_normal(np.shape(o)) for o in _tuple(fn(*xs))]
    loss = weighted_loss(nc, fn, ws)
    fidx = tuple(i for i, a in enumerate(np_inputs) if a.dtype.kind == "f")
    grads = nc.grad(loss, argnums=fidx)(*xs)
    assert len(grads) == len(fidx)
    for i, g in zip(fidx, grads):
        assert g.shape == np_inputs[i].shape and g.dtype == nc.float64

    def lval(arrs):
        return float(loss(*[nc.asarray(a) for a in arrs]))
    for _ in range(trials):
        vs = [rng.standard_normal(np.shape(np_inputs[i])) for i in fidx]
        plus, minus = list(np_inputs), list(np_inputs)
        for i, v in zip(fidx, vs):
            plus[i] = np_inputs[i] + EPS * v
            minus[i] = np_inputs[i] - EPS * v
        fd = (lval(plus) - lval(minus)) / (2 * EPS)
        an = sum(float(np.sum(np.asarray(g) * v)) for g, v in zip(grads, vs))
        assert abs(fd - an) <= rtol * (1 + abs(fd)), (fd, an)


def full_fd_grad(f, x):
    """Central-difference gradient of scalar f at NumPy x, element by element."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += EPS
        xm[idx] -= EPS
        g[idx] = (float(f(xp)) - float(f(xm))) / (2 * EPS)
    return g


def smooth(d):
    """A domain without grids or forced zeros: random points avoid the kinks
    and jumps of abs, floor, maximum, remainder, ... almost surely."""
    return dataclasses.replace(d, grid=None, zeros=False, czero=False)


# ---------------------------------------------------------------------------
# table-driven gradient checks

NO_GRAD = {"nextafter"}   # its VJP is declared zero (see the report in vjp.c)
EW_ROWS = [r for r in ot.ELEMENTWISE if "float64" in r.dtypes and r.name not in NO_GRAD]


@pytest.mark.parametrize("row", EW_ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("shape", [(), (3, 4)], ids=["0d", "3x4"])
def test_elementwise_grad(nc, row, shape):
    rng = ot.rng_for("autodiff", row.name, shape)
    ins = [smooth(d).gen(rng, "float64", shape) for d in row.domains]
    check_directional(nc, lambda *xs: row.call(nc, *xs), ins)


def test_elementwise_broadcast_grad(nc):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2, (3, 1)), rng.uniform(0.5, 2, (4,))
    for f in [nc.add, nc.multiply, nc.divide, nc.power, nc.arctan2, nc.hypot, nc.maximum]:
        check_directional(nc, f, [a, b])
    check_directional(nc, lambda x: x * 2.5 + 1.0 / x - x ** 2, [a])


RED_ROWS = [r for r in ot.REDUCTIONS if "float64" in r.dtypes and r.name not in
            {"argmax", "argmin", "any", "all", "all_zeros", "count_nonzero"}]


def _red_cases():
    for row in RED_ROWS:
        for shape in [(), (5,), (3, 4), (2, 3, 4)]:
            for kw in row.variants(len(shape)):
                if kw.get("dtype") not in (None, "float64"):
                    continue
                if row.name.startswith("cumulative") and len(shape) > 1 and "axis" not in kw:
                    continue          # NumPy requires axis there
                if row.name in ("std", "var") and (shape == () or kw.get("axis") == ()):
                    continue          # zero variance: sqrt'(0), nan as in JAX
                yield pytest.param(row, shape, kw, id=f"{row.name}-{shape}-{kw}")


@pytest.mark.parametrize("row,shape,kw", list(_red_cases()))
def test_reduction_grad(nc, row, shape, kw):
    rng = ot.rng_for("autodiff-red", row.name, shape, repr(kw))
    x = smooth(row.domain).gen(rng, "float64", shape)
    check_directional(nc, lambda a: row.fn(nc, a, **kw), [x])


SHAPED = [r for r in ot.MANIP + ot.LINALG if "float64" in r.dtypes and r.api not in
          {"nonzero", "shape", "ndim", "size"}]


@pytest.mark.parametrize("row", SHAPED, ids=lambda r: r.id)
def test_shaped_grad(nc, row):
    rng = ot.rng_for("autodiff-shaped", row.id)
    ins = [smooth(row.domain).gen(rng, "float64", s) for s in row.shapes]
    check_directional(nc, lambda *xs: row.fn(nc, *xs), ins)


def test_indexing_grad(nc):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5))
    check_directional(nc, lambda a: a[1:3, ::2], [x])
    check_directional(nc, lambda a: a[::-1, 2], [x])
    check_directional(nc, lambda a: a[nc.asarray([0, 2, 2, 3])], [x])
    check_directional(nc, lambda a: a[:, None, 1:], [x])


def test_full_fd_gradient(nc):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.2, 1.5, (2, 3))

    def f(a):
        a = nc.asarray(a)
        return (nc.tanh(a) * nc.log(a) + nc.sqrt(a) @ nc.ones((3, 3))).sum()
    close(nc.grad(f)(nc.asarray(x)), full_fd_grad(f, x), rtol=1e-6)


# ---------------------------------------------------------------------------
# GradientTape


def test_tape_basic(nc):
    x = nc.asarray([1.0, 2.0, 3.0])
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = (x * x).sum()
    g = tape.gradient(y, x)
    close(g, [2, 4, 6])
    assert isinstance(g, nc.ndarray) and g.dtype == nc.float64


def test_tape_non_scalar_target_sums(nc):
    x = nc.asarray([0.5, -1.0])
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = nc.sin(x) * 3
    close(tape.gradient(y, x), 3 * np.cos([0.5, -1.0]))


def test_tape_output_gradients(nc):
    x = nc.asarray([0.5, -1.0, 2.0])
    w = nc.asarray([1.0, 10.0, -2.0])
    with nc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = nc.exp(x)
        z = x * 2
    close(tape.gradient(y, x, output_gradients=w), np.asarray(w) * np.exp(np.asarray(x)))
    # several targets: the gradients add up; None in output_gradients means ones
    close(tape.gradient([y, z], x, output_gradients=[w, None]),
          np.asarray(w) * np.exp(np.asarray(x)) + 2)
    with pytest.raises(ValueError):
        tape.gradient(y, x, output_gradients=nc.ones(2))


def test_tape_sources_pytree(nc):
    a = nc.asarray(2.0)
    b = nc.asarray([1.0, 3.0])
    with nc.GradientTape() as tape:
        tape.watch({"a": a, "b": b})
        y = a * a * b.sum()
    g = tape.gradient(y, {"a": a, "pair": (b, [a])})
    assert set(g) == {"a", "pair"}
    close(g["a"], 2 * 2.0 * 4.0)
    close(g["pair"][0], [4.0, 4.0])
    close(g["pair"][1][0], 16.0)


def test_tape_unconnected(nc):
    x = nc.asarray([1.0, 2.0])
    u = nc.asarray([5.0])
    with nc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.watch(u)
        y = (x * 3).sum()
    gx, gu = tape.gradient(y, [x, u])
    close(gx, [3, 3])
    assert gu is None
    gx, gu = tape.gradient(y, [x, u], unconnected_gradients="zero")
    close(gu, [0.0])
    assert gu.shape == (1,)
    # an unwatched source is unconnected too
    other = nc.asarray([1.0])
    assert tape.gradient(y, other) is None
    with pytest.raises(ValueError):
        tape.gradient(y, x, unconnected_gradients="bogus")


def test_tape_integer_sources(nc):
    i = nc.asarray([1, 2, 3])
    x = nc.asarray([1.0, 2.0, 3.0])
    with nc.GradientTape() as tape:
        tape.watch(i)                      # ignored, as in TF
        tape.watch(x)
        y = (x * i).sum()
    gx, gi = tape.gradient(y, [x, i])
    close(gx, [1, 2, 3])
    assert gi is None


def test_tape_watch_rejects_non_arrays(nc):
    with nc.GradientTape() as tape:
        with pytest.raises(ValueError):
            tape.watch(1.0)


def test_tape_non_persistent_reuse(nc):
    x = nc.asarray(3.0)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    close(tape.gradient(y, x), 6.0)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError):
        tape.jacobian(y, x)


def test_tape_persistent(nc):
    x = nc.asarray([1.0, 2.0])
    with nc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = nc.sin(x)
    assert tape.persistent
    for _ in range(3):
        close(tape.gradient(y, x), [2, 4])
        close(tape.gradient(z, x), np.cos([1.0, 2.0]))
    # re-entering a persistent tape continues recording
    with tape:
        w = y * x
    close(tape.gradient(w, x), 3 * np.asarray([1.0, 2.0]) ** 2)
    with tape:
        with pytest.raises(RuntimeError):
            tape.__enter__()


def test_tape_gradient_inside_context(nc):
    x = nc.asarray(2.0)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = x ** 3
        g = tape.gradient(y, x)
    close(g, 12.0)


def test_tape_rebinding_starts_new_value(nc):
    # watching is by value: `x += 1` rebinds x to a new, recorded value
    x = nc.asarray([1.0, 2.0])
    x0 = x.copy()
    with nc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        old = nc.asarray(x)               # the watched value, by another handle
        x += 1                            # x now holds old + 1
        y = (x * x).sum()
    close(tape.gradient(y, x), 2 * (np.asarray(x0) + 1))     # w.r.t. the new value
    close(tape.gradient(y, old), 2 * (np.asarray(x0) + 1))   # and through it the old


def test_tape_setitem_is_differentiable(nc):
    x = nc.asarray([1.0, 2.0, 3.0])
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = x * 1.0
        y[1] = 0.0
        y[2] = y[2] * 5
        s = y.sum()
    close(tape.gradient(s, x), [1, 0, 5])


def test_nested_tapes_second_order(nc):
    x = nc.asarray([0.3, -1.2, 2.0])
    xs = np.asarray(x)
    with nc.GradientTape() as t2:
        t2.watch(x)
        with nc.GradientTape() as t1:
            t1.watch(x)
            y = (nc.sin(x) * x * x).sum()
        dy = t1.gradient(y, x)
    d2y = t2.gradient(dy, x)
    close(dy, np.cos(xs) * xs ** 2 + 2 * xs * np.sin(xs))
    close(d2y, -np.sin(xs) * xs ** 2 + 4 * xs * np.cos(xs) + 2 * np.sin(xs))


def test_nested_tapes_third_order(nc):
    x = nc.asarray(0.7)
    with nc.GradientTape() as t3:
        t3.watch(x)
        with nc.GradientTape() as t2:
            t2.watch(x)
            with nc.GradientTape() as t1:
                t1.watch(x)
                y = nc.exp(2 * x)
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    g3 = t3.gradient(g2, x)
    close(g3, 8 * math.exp(1.4))


def test_tape_exited_out_of_order(nc):
    x = nc.asarray(2.0)
    a = nc.GradientTape(persistent=True)
    b = nc.GradientTape(persistent=True)
    a.__enter__()
    b.__enter__()
    a.watch(x)
    b.watch(x)
    a.__exit__(None, None, None)      # a is below b: unlinked
    y = x * x                         # recorded by b only
    b.__exit__(None, None, None)
    assert a.gradient(y, x) is None
    close(b.gradient(y, x), 4.0)
    z = x * x                         # no tape is active any more
    assert b.gradient(z, x) is None


def test_tape_jacobian(nc):
    x = nc.asarray([0.5, 1.0, -2.0])
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = nc.sin(x)[:2] * x[1:]
    j = tape.jacobian(y, x)
    xs = np.asarray(x)
    expect = np.zeros((2, 3))
    expect[0, 0] = np.cos(xs[0]) * xs[1]
    expect[0, 1] = np.sin(xs[0])
    expect[1, 1] = np.cos(xs[1]) * xs[2]
    expect[1, 2] = np.sin(xs[1])
    close(j, expect)
    with pytest.raises(RuntimeError):
        tape.jacobian(y, x)


def test_tape_jacobian_shapes_and_unconnected(nc):
    x = nc.asarray(np.arange(6.0).reshape(2, 3) / 7)
    u = nc.asarray([1.0])
    with nc.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = nc.tanh(x).T
    jx, ju = tape.jacobian(y, [x, u])
    assert jx.shape == (3, 2, 2, 3) and ju is None
    expect = np.zeros((3, 2, 2, 3))
    for i in range(3):
        for k in range(2):
            expect[i, k, k, i] = 1 - np.tanh(np.asarray(x)[k, i]) ** 2
    close(jx, expect)
    ju = tape.jacobian(y, u, unconnected_gradients="zero")
    assert ju.shape == (3, 2, 1)
    close(ju, 0)


def test_tape_stop_recording(nc):
    x = nc.asarray(3.0)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = x * 100          # not recorded
        w = y + z
    close(tape.gradient(w, x), 6.0)
    with pytest.raises(RuntimeError):
        with tape.stop_recording():
            pass


def test_tape_reset(nc):
    x = nc.asarray(3.0)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5
    assert tape.gradient([y, z], x) is not None
    # only z was recorded after the reset
    x2 = nc.asarray(1.0)
    with nc.GradientTape(persistent=True) as t2:
        t2.watch(x2)
        a = x2 * x2
        t2.reset()
    assert t2.gradient(a, x2) is None


def test_tape_never_entered(nc):
    tape = nc.GradientTape()
    x = nc.asarray(1.0)
    assert tape.gradient(x * 2, x) is None
    with pytest.raises(RuntimeError):
        nc.GradientTape().watch(x)


# ---------------------------------------------------------------------------
# grad, value_and_grad, jacobian, hessian, vjp


def test_grad_basic(nc):
    f = lambda x: (nc.sin(x) * x).sum()         # noqa: E731
    x = nc.asarray([0.1, 0.5, 2.0])
    xs = np.asarray(x)
    close(nc.grad(f)(x), np.cos(xs) * xs + np.sin(xs))


def test_grad_argnums(nc):
    f = lambda x, y, z: (x * y * y).sum() + z   # noqa: E731
    x, y = nc.asarray([1.0, 2.0]), nc.asarray([3.0, -1.0])
    gy = nc.grad(f, argnums=1)(x, y, 4.0)
    close(gy, 2 * np.asarray(x) * np.asarray(y))
    gx, gz = nc.grad(f, argnums=(0, 2))(x, y, 4.0)
    close(gx, np.asarray(y) ** 2)
    close(gz, 1.0)
    gz = nc.grad(f, argnums=-1)(x, y, 4.0)
    close(gz, 1.0)


def test_grad_python_scalars(nc):
    g = nc.grad(lambda x: x * x * x)(2.0)
    assert isinstance(g, nc.ndarray) and g.dtype == nc.float64 and g.shape == ()
    close(g, 12.0)
    close(nc.grad(lambda x: x * x)(3), 6.0)     # Python ints become floats too


def test_grad_same_array_twice_is_independent(nc):
    a = nc.asarray([2.0, 3.0])
    g = nc.grad(lambda x, y: (x * y).sum())(a, a)
    close(g, [2.0, 3.0])
    # a captured array is a constant
    g = nc.grad(lambda x: (x * a).sum())(a)
    close(g, [2.0, 3.0])


def test_grad_pytree_args(nc):
    Point = collections.namedtuple("Point", "x y")

    def f(params, p):
        return (params["w"] * p.x).sum() + (params["b"][0] ** 2) * p.y

    params = {"w": nc.asarray([1.0, 2.0]), "b": [nc.asarray(3.0)]}
    p = Point(nc.asarray([4.0, 5.0]), nc.asarray(0.5))
    g = nc.grad(f)(params, p)
    assert set(g) == {"w", "b"} and isinstance(g["b"], list)
    close(g["w"], [4, 5])
    close(g["b"][0], 3.0)
    gp, gq = nc.grad(f, argnums=(0, 1))(params, p)
    assert isinstance(gq, Point)
    close(gq.x, [1, 2])
    close(gq.y, 9.0)


def test_value_and_grad(nc):
    f = lambda x: (x ** 2).sum()               # noqa: E731
    x = nc.asarray([1.0, -2.0])
    v, g = nc.value_and_grad(f)(x)
    close(v, 5.0)
    close(g, [2, -4])


def test_value_and_grad_has_aux_pytrees(nc):
    def f(params, data):
        pred = data["x"] @ params["w"] + params["b"]
        loss = ((pred - data["y"]) ** 2).mean()
        return loss, {"pred": pred, "n": 3}

    params = {"w": nc.asarray([0.5, -1.0]), "b": nc.asarray(0.1)}
    data = {"x": nc.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "y": nc.asarray([1.0, 2.0, 3.0])}
    (loss, aux), g = nc.value_and_grad(f, has_aux=True)(params, data)
    assert aux["n"] == 3 and aux["pred"].shape == (3,)
    X, Y = np.asarray(data["x"]), np.asarray(data["y"])
    w, b = np.asarray(params["w"]), float(params["b"])
    r = X @ w + b - Y
    close(loss, (r ** 2).mean())
    close(g["w"], 2 * X.T @ r / 3)
    close(g["b"], 2 * r.mean())
    g2, aux2 = nc.grad(f, has_aux=True)(params, data)
    close(g2["w"], g["w"])
    assert aux2["n"] == 3


def test_grad_errors(nc):
    with pytest.raises(ValueError, match="scalar-output"):
        nc.grad(lambda x: x * 2)(nc.asarray([1.0, 2.0]))
    with pytest.raises(TypeError, match="inexact"):
        nc.grad(lambda x: (x * 2.0).sum())(nc.asarray([1, 2]))
    with pytest.raises(TypeError, match="real-valued outputs"):
        nc.grad(lambda x: (x > 0).sum())(nc.asarray([1.0]))
    with pytest.raises(TypeError, match="pair"):
        nc.grad(lambda x: x * 2, has_aux=True)(nc.asarray(1.0))
    with pytest.raises(TypeError, match="argnums"):
        nc.grad(lambda x: x, argnums=3)(nc.asarray(1.0))
    with pytest.raises(TypeError):
        nc.grad(3)
    with pytest.raises(ZeroDivisionError):
        nc.grad(lambda x: 1 / 0)(nc.asarray(1.0))
    # allow_int: integer inputs get None
    g = nc.grad(lambda x, i: (x * i).sum(), argnums=(0, 1), allow_int=True)(
        nc.asarray([1.0]), nc.asarray([2]))
    close(g[0], [2.0])
    assert g[1] is None


def test_grad_unconnected_is_zero(nc):
    g = nc.grad(lambda x, y: (x * 2).sum(), argnums=1)(nc.asarray(1.0), nc.asarray([1.0, 2.0]))
    close(g, [0, 0])
    assert g.shape == (2,)


def test_grad_of_grad(nc):
    f = lambda x: nc.sin(x) * x ** 3           # noqa: E731
    x = nc.asarray(0.8)
    d1 = nc.grad(f)
    d2 = nc.grad(d1)
    d3 = nc.grad(d2)
    c, s, xv = math.cos(0.8), math.sin(0.8), 0.8
    close(d1(x), c * xv ** 3 + 3 * s * xv ** 2)
    close(d2(x), -s * xv ** 3 + 6 * c * xv ** 2 + 6 * s * xv)
    close(d3(x), -c * xv ** 3 - 9 * s * xv ** 2 + 18 * c * xv + 6 * s, rtol=1e-10)


def test_tape_around_grad(nc):
    # a GradientTape differentiates numc.grad's result (mixed nesting)
    x = nc.asarray([0.5, 1.5])
    with nc.GradientTape() as tape:
        tape.watch(x)
        g = nc.grad(lambda a: (a ** 4).sum())(x)     # 4 a^3
        s = g.sum()
    close(tape.gradient(s, x), 12 * np.asarray(x) ** 2)


def test_jacobian(nc):
    def f(x):
        return nc.stack([x[0] * x[1], nc.sin(x[2]), x.sum()])
    x = nc.asarray([1.0, 2.0, 3.0])
    j = nc.jacobian(f)(x)
    close(j, [[2, 1, 0], [0, 0, math.cos(3.0)], [1, 1, 1]])
    assert nc.jacrev is not None and nc.jacfwd is not None


def test_jacobian_vs_fd(nc):
    rng = np.random.default_rng(5)
    xn = rng.uniform(0.5, 1.5, (2, 3))

    def f(a):
        a = nc.asarray(a)
        return nc.log(a) @ nc.asarray([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]]) * a[:, :2]
    j = nc.jacobian(f)(nc.asarray(xn))
    assert j.shape == (2, 2, 2, 3)
    fd = np.zeros((2, 2, 2, 3))
    for idx in np.ndindex(2, 3):
        xp, xm = xn.copy(), xn.copy()
        xp[idx] += EPS
        xm[idx] -= EPS
        fd[(...,) + idx] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * EPS)
    close(j, fd, rtol=1e-6, atol=1e-8)


def test_jacobian_pytrees_and_argnums(nc):
    def f(x, y):
        return {"a": x * y, "b": (x ** 2).sum()}
    x, y = nc.asarray([1.0, 2.0]), nc.asarray(3.0)
    j = nc.jacobian(f, argnums=(0, 1))(x, y)
    assert set(j) == {"a", "b"}
    jax_, jay = j["a"]
    close(jax_, [[3, 0], [0, 3]])
    close(jay, [1, 2])
    jbx, jby = j["b"]
    close(jbx, [2, 4])
    close(jby, 0)
    j0 = nc.jacobian(f)(x, y)
    close(j0["a"], [[3, 0], [0, 3]])


def test_hessian(nc):
    def f(x):
        return (x[0] ** 2) * x[1] + nc.exp(x[1]) * x[2] + (x ** 3).sum()
    x = nc.asarray([1.0, 0.5, -2.0])
    h = nc.hessian(f)(x)
    a, b, c = 1.0, 0.5, -2.0
    expect = np.array([[2 * b + 6 * a, 2 * a, 0],
                       [2 * a, math.exp(b) * c + 6 * b, math.exp(b)],
                       [0, math.exp(b), 6 * c]])
    close(h, expect)


def test_hessian_vs_fd(nc):
    rng = np.random.default_rng(6)
    xn = rng.uniform(-1, 1, (4,))
    A = rng.standard_normal((4, 4))

    def f(x):
        x = nc.asarray(x)
        return nc.tanh(x @ nc.asarray(A) @ x) + (nc.sin(x) * x).sum()
    h = nc.hessian(f)(nc.asarray(xn))
    gf = nc.grad(f)
    fd = np.zeros((4, 4))
    for i in range(4):
        xp, xm = xn.copy(), xn.copy()
        xp[i] += EPS
        xm[i] -= EPS
        fd[:, i] = (np.asarray(gf(nc.asarray(xp))) - np.asarray(gf(nc.asarray(xm)))) / (2 * EPS)
    close(h, fd, rtol=1e-6, atol=1e-7)
    close(h, np.asarray(h).T, rtol=1e-10, atol=1e-12)


def test_hessian_argnums_tuple(nc):
    f = lambda x, y: (x * x * y).sum()        # noqa: E731
    x, y = nc.asarray([1.0, 2.0]), nc.asarray(3.0)
    (hxx, hxy), (hyx, hyy) = nc.hessian(f, argnums=(0, 1))(x, y)
    close(hxx, [[6, 0], [0, 6]])
    close(hxy, [2, 4])
    close(hyx, [2, 4])
    close(hyy, 0)


def test_vjp(nc):
    def f(x, y):
        return nc.sin(x) * y, x.sum()
    x, y = nc.asarray([0.5, 1.0]), nc.asarray([2.0, 3.0])
    (out1, out2), vjp_fn = nc.vjp(f, x, y)
    close(out1, np.sin([0.5, 1.0]) * [2, 3])
    ct = (nc.asarray([1.0, -1.0]), nc.asarray(10.0))
    for _ in range(2):                   # vjp_fn may be called repeatedly
        gx, gy = vjp_fn(ct)
        close(gx, np.cos([0.5, 1.0]) * [2, 3] * [1, -1] + 10)
        close(gy, np.sin([0.5, 1.0]) * [1, -1])
    with pytest.raises(ValueError):
        vjp_fn(nc.asarray([1.0, 2.0]))           # wrong structure
    with pytest.raises(ValueError):
        vjp_fn((nc.asarray([1.0]), nc.asarray(1.0)))   # wrong shape


def test_vjp_has_aux_and_ints(nc):
    def f(x, i):
        return x * i, "aux"
    out, vjp_fn, aux = nc.vjp(f, nc.asarray([1.0, 2.0]), nc.asarray([3, 4]), has_aux=True)
    assert aux == "aux"
    gx, gi = vjp_fn(nc.ones(2))
    close(gx, [3, 4])
    assert gi is None


# ---------------------------------------------------------------------------
# stop_gradient and custom_vjp


def test_stop_gradient(nc):
    f = lambda x: (x * nc.stop_gradient(x)).sum()    # noqa: E731
    x = nc.asarray([1.0, 2.0])
    close(nc.grad(f)(x), [1, 2])
    tree = nc.stop_gradient({"a": x, "b": [1.0]})
    close(tree["a"], [1, 2])
    assert isinstance(tree["b"][0], nc.ndarray)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = nc.stop_gradient(x * 3).sum()
    assert tape.gradient(y, x) is None


def test_custom_vjp(nc):
    calls = []

    @nc.custom_vjp
    def f(x, y):
        return nc.sin(x) * y

    def f_fwd(x, y):
        calls.append("fwd")
        return f(x, y), (nc.cos(x), nc.sin(x), y)

    def f_bwd(res, g):
        calls.append("bwd")
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    x, y = nc.asarray([0.5, 1.0]), nc.asarray([2.0, -1.0])
    close(f(x, y), np.sin([0.5, 1.0]) * [2, -1])
    assert calls == []                              # no tape: plain call
    gx, gy = nc.grad(lambda a, b: f(a, b).sum(), argnums=(0, 1))(x, y)
    assert calls == ["fwd", "bwd"]
    close(gx, np.cos([0.5, 1.0]) * [2, -1])
    close(gy, np.sin([0.5, 1.0]))
    assert f.__name__ == "f"


def test_custom_vjp_overrides_gradient(nc):
    @nc.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (nc.clip(g, -1.0, 1.0),))
    x = nc.asarray([1.0, 2.0])
    g = nc.grad(lambda a: (clip_gradient(a) * nc.asarray([0.5, 7.0])).sum())(x)
    close(g, [0.5, 1.0])
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = (clip_gradient(x * 3) * 10).sum()
    close(tape.gradient(y, x), [3, 3])


def test_custom_vjp_numerically_stable(nc):
    @nc.custom_vjp
    def log1pexp(x):
        return nc.log1p(nc.exp(x))

    log1pexp.defvjp(lambda x: (log1pexp(x), x),
                    lambda x, g: (g * (1 - 1 / (1 + nc.exp(x))),))
    g = nc.grad(lambda x: log1pexp(x))(nc.asarray(100.0))
    close(g, 1.0)


def test_custom_vjp_pytrees_and_nondiff(nc):
    def apply(fn_name, params, x):
        return getattr(nc, fn_name)(params["a"] * x) + params["b"]

    f = nc.custom_vjp(apply, nondiff_argnums=(0,))

    def fwd(fn_name, params, x):
        return apply(fn_name, params, x), (params, x)

    def bwd(fn_name, res, g):
        params, x = res
        assert fn_name == "sin"
        d = nc.cos(params["a"] * x) * g
        return ({"a": (d * x).sum(), "b": g.sum()}, d * params["a"])

    f.defvjp(fwd, bwd)
    params = {"a": nc.asarray(2.0), "b": nc.asarray(0.5)}
    x = nc.asarray([0.1, 0.2])
    gp, gx = nc.grad(lambda p, x: f("sin", p, x).sum(), argnums=(0, 1))(params, x)
    xs = np.asarray(x)
    close(gp["a"], (np.cos(2 * xs) * xs).sum())
    close(gp["b"], 2.0)
    close(gx, 2 * np.cos(2 * xs))


def test_custom_vjp_none_cotangent_and_errors(nc):
    @nc.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g * res[1], None))
    gx, gy = nc.grad(lambda x, y: f(x, y), argnums=(0, 1))(nc.asarray(2.0), nc.asarray(3.0))
    close(gx, 3.0)
    close(gy, 0.0)

    @nc.custom_vjp
    def h(x):
        return x

    with pytest.raises(AttributeError, match="defvjp"):
        nc.grad(lambda x: h(x))(nc.asarray(1.0))
    h.defvjp(lambda x: x, lambda r, g: (g,))
    with pytest.raises(TypeError, match="pair"):
        nc.grad(lambda x: h(x))(nc.asarray(1.0))
    h.defvjp(lambda x: (x, None), lambda r, g: (g, g))
    with pytest.raises(TypeError, match="tuple of length"):
        nc.grad(lambda x: h(x))(nc.asarray(1.0))
    h.defvjp(lambda x: (x, None), lambda r, g: (nc.ones(3),))
    with pytest.raises(ValueError, match="shape"):
        nc.grad(lambda x: h(x).sum())(nc.asarray([1.0, 2.0]))

    def boom(r, g):
        raise KeyError("from bwd")
    h.defvjp(lambda x: (x, None), boom)
    with pytest.raises(KeyError, match="from bwd"):
        nc.grad(lambda x: h(x))(nc.asarray(1.0))


def test_custom_vjp_higher_order(nc):
    # the outer derivative goes through fwd's operations and bwd's (JAX's rule)
    @nc.custom_vjp
    def f(x):
        return x ** 3

    f.defvjp(lambda x: (x ** 3, x), lambda x, g: (3 * x ** 2 * g,))
    x = nc.asarray(1.5)
    close(nc.grad(nc.grad(f))(x), 6 * 1.5)
    close(nc.hessian(lambda a: f(a).sum())(nc.asarray([1.0, 2.0])), [[6, 0], [0, 12]])


# ---------------------------------------------------------------------------
# Variables


def test_variable_basics(nc):
    v = nc.Variable([1.0, 2.0], name="w")
    assert isinstance(v, nc.ndarray) and isinstance(v, nc.Variable)
    assert v.name == "w" and v.trainable and v.shape == (2,) and v.dtype == nc.float64
    assert repr(v) == "<numc.Variable 'w' shape=(2,) dtype=float64, numpy=array([1., 2.])>"
    s = nc.Variable(3.0)
    assert repr(s) == "<numc.Variable 'Variable' shape=() dtype=float64, numpy=3.0>"
    f = nc.Variable([1, 2], dtype="float32", trainable=False)
    assert f.dtype == nc.float32 and not f.trainable
    # usable wherever an array is
    close(v + 1, [2, 3])
    close(nc.sin(v), np.sin([1.0, 2.0]))
    close(v[1], 2.0)
    close(v @ v, 5.0)
    assert type(v * 2) is nc.ndarray
    n = v.numpy()
    assert isinstance(n, np.ndarray) and n.tolist() == [1.0, 2.0]
    n[0] = 7                                   # a copy
    close(v, [1, 2])
    assert type(v.value()) is nc.ndarray and type(v.read_value()) is nc.ndarray
    close(np.asarray(v), [1, 2])
    assert nc.Variable(lambda: nc.zeros(3)).shape == (3,)


def test_variable_assign(nc):
    v = nc.Variable([1.0, 2.0])
    r = v.assign([3.0, 4.0])
    assert r is v
    close(v, [3, 4])
    assert v.assign_add([1.0, 1.0]) is v
    close(v, [4, 5])
    v.assign_sub(2)
    close(v, [2, 3])
    v.assign(0)                                # broadcasts
    close(v, [0, 0])
    assert v.assign([1.0, 1.0], read_value=False) is None
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])
    i = nc.Variable([1, 2])
    with pytest.raises(TypeError):
        i.assign([1.5, 2.5])                   # float into int: not same_kind
    assert i.dtype == nc.int64
    # a Variable copies its initial value's identity: watching one is not the other
    x = nc.asarray([1.0, 2.0])
    w = nc.Variable(x)
    with nc.GradientTape() as tape:
        tape.watch(x)
        y = (w * 3).sum() + x.sum()
    close(tape.gradient(y, x), [1, 1])


def test_variable_auto_watch(nc):
    v = nc.Variable([1.0, 2.0])
    frozen = nc.Variable([5.0], trainable=False)
    with nc.GradientTape() as tape:
        y = (v * v).sum() + frozen.sum()
    gv, gf = tape.gradient(y, [v, frozen])
    close(gv, [2, 4])
    assert gf is None
    assert tape.watched_variables() == (v,)


def test_variable_watch_accessed_false(nc):
    v = nc.Variable(2.0)
    frozen = nc.Variable(3.0, trainable=False)
    with nc.GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        y = v * v * frozen
    assert tape.gradient(y, v) is None
    with nc.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([v, frozen])
        y = v * v * frozen
    gv, gf = tape.gradient(y, [v, frozen])
    close(gv, 12.0)
    close(gf, 4.0)
    assert set(map(id, tape.watched_variables())) == {id(v), id(frozen)}


def test_variable_created_inside_tape(nc):
    with nc.GradientTape() as tape:
        v = nc.Variable(3.0)
        y = v * v
    close(tape.gradient(y, v), 6.0)


def test_variable_assign_inside_tape(nc):
    # TF: assign is not differentiable; the gradient sums over all reads
    v = nc.Variable(1.0)
    with nc.GradientTape() as tape:
        y = v * 2
        v.assign_add(1.0)
        z = y + v * 3
    close(tape.gradient(z, v), 5.0)
    close(v, 2.0)
    # assign from a watched computation: cut, the new value is a fresh leaf
    w = nc.Variable(2.0)
    with nc.GradientTape() as tape:
        w.assign(w * w)
        y = w * 10
    close(tape.gradient(y, w), 10.0)


def test_variable_assign_outside_tape(nc):
    v = nc.Variable([1.0, 2.0])
    with nc.GradientTape(persistent=True) as tape:
        y = (v * v).sum()
    v.assign([10.0, 20.0])                 # after the tape: not tracked
    close(tape.gradient(y, v), [2, 4])
    with nc.GradientTape() as tape:        # a new tape sees the new value
        y = (v * v).sum()
    close(tape.gradient(y, v), [20, 40])


def test_variable_inplace_operator_is_differentiable(nc):
    v = nc.Variable([1.0, 2.0])
    with nc.GradientTape() as tape:
        v += v                              # rebinds like an ndarray: v = 2 v0
        y = (v * v).sum()                   # 4 v0^2
    close(tape.gradient(y, v), [8, 16])
    assert isinstance(v, nc.Variable)


def test_variable_training_loop(nc):
    rng = np.random.default_rng(7)
    X = nc.asarray(rng.standard_normal((32, 3)))
    true_w = np.array([1.0, -2.0, 0.5])
    Y = X @ nc.asarray(true_w)
    w = nc.Variable(nc.zeros(3))
    for _ in range(200):
        with nc.GradientTape() as tape:
            loss = ((X @ w - Y) ** 2).mean()
        w.assign_sub(0.1 * tape.gradient(loss, w))
    close(w, true_w, rtol=1e-4, atol=1e-4)


def test_variable_in_grad_args(nc):
    v = nc.Variable([1.0, 3.0])
    close(nc.grad(lambda a: (a * a).sum())(v), [2, 6])


def test_variable_subclass(nc):
    class MyVar(nc.Variable):
        pass
    for _ in range(50):
        m = MyVar([1.0])
        assert isinstance(m, nc.Variable)
        del m
    gc.collect()


# ---------------------------------------------------------------------------
# resources


def test_no_leaks(nc):
    x = nc.asarray(np.linspace(0.1, 1, 5))

    def work():
        nc.grad(lambda a: (nc.sin(a) * a).sum())(x)
        nc.hessian(lambda a: (a ** 3).sum())(x)
        with nc.GradientTape(persistent=True) as t:
            t.watch(x)
            y = nc.exp(x)
        t.gradient(y, x)
        t.jacobian(y, x)
        del t
        out, f = nc.vjp(nc.tanh, x)
        f(nc.ones(5))
        del f
        v = nc.Variable([1.0])
        with nc.GradientTape() as t2:
            l2 = v * v
            v.assign_add(1.0)
        t2.gradient(l2, v)

    work()
    gc.collect()
    before = nc._numc._live_arrays()
    for _ in range(5):
        work()
    gc.collect()
    assert nc._numc._live_arrays() == before
