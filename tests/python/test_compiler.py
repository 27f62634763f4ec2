"""The compiler behind numc.function (issue 11): fusion of elementwise work
into tiled programs, the arena memory plan and the controls (jit_compile=,
NUMC_JIT, f.lower().as_text()). Eager numc is the oracle: fused results must
be bit-identical to eager for elementwise work, because the fused executor
runs eager's own inner loops."""
import os
import subprocess
import sys

import numpy as np
import pytest

import optable as T
from test_function import same


def fused(nc, fn):
    return nc.function(fn, jit_compile=True)


def same_out(got, exp):
    if isinstance(exp, (tuple, list)):
        assert len(got) == len(exp)
        for a, b in zip(got, exp):
            same(a, b)
    else:
        same(got, exp)


def epilogue(nc, r):
    """More elementwise work after a row's result, so the row's primitives
    and this epilogue land in one fused group."""
    if isinstance(r, tuple):
        return tuple(epilogue(nc, x) for x in r)
    return r * r + r


# ---------------------------------------------------------------------------
# every op-table row through the fused path, bit-identical to eager

EW_DTYPES = ["bool", "int8", "int32", "uint16", "int64", "float16", "bfloat16", "float32",
             "float64", "complex64", "complex128"]
# (first operand case, other operands case): broadcasting, strided views
# (gathered per tile), and sizes spanning many tiles and threads
UNARY_CASES = [T.SHAPES["3x4"], T.SHAPES["perm3d"], T.SHAPES["hugeT"]]
BINARY_CASES = [T.PAIRS["mat_vec"], T.PAIRS["bigT_bc"], T.PAIRS["huge"]]
BIG = {"hugeT", "huge"}


@pytest.mark.parametrize("row", T.ELEMENTWISE, ids=repr)
def test_optable_rows_fused_equal_eager(nc, row):
    for dt in EW_DTYPES:
        if dt not in row.dtypes:
            continue
        rng = T.rng_for("fuse", row.name, dt)
        cases = UNARY_CASES if row.arity == 1 else BINARY_CASES
        for case in cases:
            pair = case if isinstance(case, tuple) else (case,)
            if pair[0].id in BIG and dt not in ("float32", "int32", "float16"):
                continue
            xs = []
            for k, dom in enumerate(row.domains[:row.arity]):
                c = pair[min(k, len(pair) - 1)]
                xs.append(T.make_input(nc, rng, c, dt, dom)[1])

            def f(*a):
                return epilogue(nc, row.call(nc, *a))
            with T.quiet():
                try:
                    exp = f(*xs)
                except Exception as e:  # noqa: BLE001
                    with pytest.raises(type(e)):
                        fused(nc, f)(*xs)
                    continue
                same_out(fused(nc, f)(*xs), exp)


# ---------------------------------------------------------------------------
# random elementwise graphs (hypothesis): shapes, broadcasting, dtypes, views

try:
    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
    HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover
    HAVE_HYPOTHESIS = False

BINOPS = ["add", "subtract", "multiply", "maximum", "minimum", "where_greater", "scalar_mul"]
UNOPS = ["negative", "absolute", "square", "exp", "sin", "to_float64", "to_int32", "sum_back"]


def apply_op(nc, op, a, b):
    if op == "where_greater":
        return nc.where(a > b, a, b)
    if op == "scalar_mul":
        return a * 2.5
    if op == "square":
        return a * a
    if op == "to_float64":
        return a.astype("float64")
    if op == "to_int32":
        return a.astype("int32")
    if op == "sum_back":
        # a reduction reading a fused value, broadcast back into later work
        if a.ndim == 0:
            return a + a
        return a - nc.sum(a, axis=-1, keepdims=True)
    if op in UNOPS:
        return getattr(nc, op)(a)
    return getattr(nc, op)(a, b)


if HAVE_HYPOTHESIS:
    @given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                    min_side=1, max_side=40),
           dt=st.sampled_from(["float32", "float64", "int32", "int16", "float16", "bfloat16",
                               "complex64", "uint8"]),
           prog=st.lists(st.tuples(st.sampled_from(BINOPS + UNOPS), st.integers(0, 20),
                                   st.integers(0, 20)), min_size=1, max_size=10),
           nout=st.integers(1, 3),
           transpose=st.booleans())
    def test_random_graphs_fused_equal_eager(nc, shapes, dt, prog, nout, transpose):
        rng = np.random.default_rng(len(prog) * 7 + nout)
        xs = []
        for shp in shapes.input_shapes:
            if transpose and len(shp) >= 2:
                base = T.ANY.gen(rng, dt, shp[::-1])
                xs.append(T.to_nc(nc, base).T)
            else:
                xs.append(T.to_nc(nc, T.ANY.gen(rng, dt, shp)))

        def f(*ins):
            vals = list(ins)
            for op, i, j in prog:
                vals.append(apply_op(nc, op, vals[i % len(vals)], vals[j % len(vals)]))
            return tuple(vals[-nout:])
        with T.quiet():
            try:
                exp = f(*xs)
            except Exception as e:  # noqa: BLE001
                with pytest.raises(type(e)):
                    fused(nc, f)(*xs)
                return
            fn = fused(nc, f)
            same_out(fn(*xs), exp)
            same_out(fn(*xs), exp)   # again: the arena is reused


# ---------------------------------------------------------------------------
# the plan: groups, arena, controls

def test_lower_as_text_shows_groups(nc):
    f = nc.function(lambda a, b, c, d: a * b + c * d)
    xs = [nc.asarray(np.arange(10, dtype=np.float32) + k) for k in range(4)]
    text = f.lower(*xs).as_text()
    assert "fusion group 0: 3 ops" in text
    assert "ops mul mul add" in text
    assert "(runs here)" in text
    s = f.lower(*xs).fusion_stats()
    assert s["groups"] == 1 and s["fused_ops"] == 3 and s["arena_values"] == 0
    assert f.trace_count == 1


def test_arena_reused_across_calls(nc):
    def f(a, b):
        t = a * b + a                       # read by a reduction: materialised
        s = nc.sum(t, axis=1)
        return s * s + 1.0
    a = nc.asarray(np.linspace(-1, 1, 64 * 300).reshape(64, 300).astype(np.float32))
    b = nc.asarray(np.linspace(2, 3, 64 * 300).reshape(64, 300).astype(np.float32))
    fn = fused(nc, f)
    low = fn.lower(a, b)
    s = low.fusion_stats()
    assert s["groups"] == 2 and s["arena_values"] == 1
    assert s["arena_bytes"] >= 64 * 300 * 4
    for _ in range(4):
        same(fn(a, b), f(a, b))
    assert low.fusion_stats()["arena_allocs"] == 1
    assert "arena+0" in low.as_text()


def test_results_viewing_an_intermediate_survive_the_next_call(nc):
    def f(a):
        t = a * 2.0 + 1.0
        return t.reshape(-1), nc.sum(t)
    fn = fused(nc, f)
    a = nc.asarray(np.arange(12.0).reshape(3, 4))
    r1, _ = fn(a)
    keep = np.asarray(r1).copy()
    fn(a + 100.0)
    np.testing.assert_array_equal(np.asarray(r1), keep)
    assert fn.lower(a).fusion_stats()["arena_values"] == 0


def test_jit_compile_false_runs_node_by_node(nc):
    def f(x, y):
        return nc.exp(x * y) - y
    x = nc.asarray(np.linspace(0, 1, 50))
    off = nc.function(f, jit_compile=False)
    on = nc.function(f, jit_compile=True)
    same(off(x, x), on(x, x))
    same(off(x, x), f(x, x))
    assert off.lower(x, x).fusion_stats()["groups"] == 0
    assert "fusion group" not in off.lower(x, x).as_text()
    assert on.lower(x, x).fusion_stats()["groups"] == 1


@pytest.mark.parametrize("mode,groups", [("0", 0), ("1", 1), ("2", 1)])
def test_numc_jit_environment(mode, groups):
    code = ("import numc as nc, numpy as np\n"
            "f = nc.function(lambda a: a * a + 1.0)\n"
            "print(f.lower(nc.asarray(np.ones(4))).fusion_stats()['groups'])\n")
    env = dict(os.environ, NUMC_JIT=mode)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == str(groups)


def test_transforms_see_every_node(nc):
    def f(x):
        return nc.sum(nc.tanh(x * 3.0) * x + 1.0)
    x = nc.asarray(np.linspace(-1, 1, 20))
    g_fused = nc.grad(fused(nc, f))(x)
    g_plain = nc.grad(f)(x)
    np.testing.assert_allclose(np.asarray(g_fused), np.asarray(g_plain), rtol=1e-12)
    v = nc.vmap(fused(nc, lambda r: r * r + r))(x.reshape(4, 5))
    same(v, x.reshape(4, 5) * x.reshape(4, 5) + x.reshape(4, 5))


def test_mlp_step_matches_eager(nc):
    rng = np.random.default_rng(0)
    x = nc.asarray(rng.standard_normal((32, 16)).astype(np.float32))
    w = nc.asarray(rng.standard_normal((16, 8)).astype(np.float32) * 0.1)
    b = nc.asarray(np.zeros(8, np.float32))

    def step(w, b, x):
        h = nc.maximum(x @ w + b, 0.0)
        z = h - nc.max(h, axis=1, keepdims=True)
        return z - nc.log(nc.sum(nc.exp(z), axis=1, keepdims=True))
    fn = fused(nc, step)
    same(fn(w, b, x), step(w, b, x))
    assert fn.lower(w, b, x).fusion_stats()["groups"] >= 1
