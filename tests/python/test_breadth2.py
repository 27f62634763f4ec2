"""NumPy breadth part 2 (issue 8): einsum, einsum_path, vecdot; save, load,
savez, savez_compressed (.npy/.npz both ways with NumPy, hostile files);
frombuffer, fromfunction, fromiter, put, place, shares_memory,
may_share_memory. Table-driven against NumPy: values, dtypes, shapes and
the exception class of bad input; einsum and vecdot also under grad, vmap
and function."""
import io
import pathlib
import zipfile

import numpy as np
import pytest

import optable as T

COVERS = ["einsum", "einsum_path", "vecdot", "save", "load", "savez", "savez_compressed",
          "frombuffer", "fromfunction", "fromiter", "put", "place", "shares_memory",
          "may_share_memory"]


def both(nc, fn, *np_args, ctx="", rtol=None, atol=None):
    exp = T.reference(fn, *np_args)
    T.expect(exp, lambda: fn(nc, *[T.to_nc(nc, a) for a in np_args]), rtol=rtol, atol=atol,
             ctx=ctx)
    return exp


def rand(shape, dt="float64", seed=0):
    rng = np.random.default_rng(seed)
    if T.kind(dt) == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if T.kind(dt) in "iu":
        return rng.integers(0, 4, shape).astype(T.np_dtype(dt))
    x = rng.uniform(-2, 2, shape)
    if T.kind(dt) == "c":
        x = x + 1j * rng.uniform(-2, 2, shape)
    return x.astype(T.np_dtype(dt))


# ---------------------------------------------------------------- einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl", [(5, 3), (3, 4), (4, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("ijji->ij", [(2, 3, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ijk->", [(2, 3, 4)]),
    ("ijk->kj", [(2, 3, 4)]),
    ("i,i", [(5,), (5,)]),
    ("i,i->i", [(5,), (5,)]),
    ("i,j", [(3,), (4,)]),
    ("i,j->ji", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("...j,jk->...k", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(3, 2, 4)]),
    ("...", [(2, 3)]),
    ("...,...", [(2, 3), (3,)]),
    (",ij->ij", [(), (2, 3)]),
    ("i,", [(4,), ()]),
    ("", [()]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("ijk,jil->kl", [(3, 4, 5), (4, 3, 2)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("aB,Bc->ac", [(2, 3), (3, 2)]),
    (" ij , jk -> ik ", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]),
]


@pytest.mark.parametrize("sub,shapes", EINSUM_CASES, ids=[c[0] or "empty" for c in EINSUM_CASES])
@pytest.mark.parametrize("optimize", [False, True, "greedy", "optimal"])
def test_einsum_forms(nc, sub, shapes, optimize):
    ops = [rand(s, seed=i) for i, s in enumerate(shapes)]
    both(nc, lambda m, *a: m.einsum(sub, *a, optimize=optimize), *ops, ctx=sub)


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("sub,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
                                        ("ij->", [(2, 3)]), ("i,i", [(4,), (4,)]),
                                        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)])])
def test_einsum_dtypes(nc, dt, sub, shapes):
    ops = [rand(s, dt, seed=i) for i, s in enumerate(shapes)]
    both(nc, lambda m, *a: m.einsum(sub, *a), *ops, ctx=f"{sub} {dt}")


def test_einsum_mixed_dtypes_and_dtype_arg(nc):
    a, b = rand((2, 3), "int8"), rand((3, 2), "float32")
    both(nc, lambda m, x, y: m.einsum("ij,jk", x, y), a, b)
    both(nc, lambda m, x, y: m.einsum("ij,jk", x, y, dtype="float64"), a, b)
    both(nc, lambda m, x: m.einsum("ij->i", x, dtype="int64"), a)
    # casting='safe' (the default) refuses float -> int
    both(nc, lambda m, x: m.einsum("ij->i", x, dtype="int32"), b)
    both(nc, lambda m, x: m.einsum("ij->i", x, dtype="int32", casting="unsafe"), b)


def test_einsum_noncontiguous_views(nc):
    a = rand((4, 6))
    b = rand((6, 5), seed=1)
    both(nc, lambda m, x, y: m.einsum("ij,jk->ik", x[::2, ::-1], y[::-1, 1:]), a, b)
    both(nc, lambda m, x: m.einsum("ij->j", x.T), a)


def test_einsum_interleaved(nc):
    a, b = rand((2, 3)), rand((3, 4), seed=1)
    both(nc, lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    both(nc, lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2]), a, b)
    c = rand((5, 2, 3), seed=2)
    both(nc, lambda m, x: m.einsum(x, [Ellipsis, 1], [1]), c)
    both(nc, lambda m, x: m.einsum(x, [0, 0]), rand((3, 3)))


def test_einsum_out(nc):
    a, b = rand((2, 3)), rand((3, 4), seed=1)
    out = nc.zeros((2, 4))
    r = nc.einsum("ij,jk->ik", nc.asarray(a), nc.asarray(b), out=out)
    assert r is out
    T.check(out, np.einsum("ij,jk->ik", a, b))


EINSUM_ERRORS = [
    ("ij,jk", [(2, 3)]),
    ("ij", [(2, 3), (3, 4)]),
    ("i", [(2, 3)]),
    ("ijk", [(2, 3)]),
    ("i1", [(2, 3)]),
    ("ij->x", [(2, 3)]),
    ("ij->ii", [(2, 3)]),
    ("ij,jk->ik", [(2, 3), (4, 4)]),
    ("ij-", [(2, 3)]),
    ("ij->i->j", [(2, 3)]),
    ("...i->i", [(2, 3)]),
    ("i.j", [(2, 3)]),
]


@pytest.mark.parametrize("sub,shapes", EINSUM_ERRORS, ids=[c[0] for c in EINSUM_ERRORS])
def test_einsum_errors(nc, sub, shapes):
    ops = [rand(s, seed=i) for i, s in enumerate(shapes)]
    both(nc, lambda m, *a: m.einsum(sub, *a), *ops, ctx=sub)


def test_einsum_error_messages(nc):
    a = nc.ones((2, 3))
    with pytest.raises(ValueError, match="more operands provided to einstein sum"):
        nc.einsum("ij", a, a)
    with pytest.raises(ValueError, match="fewer operands provided to einstein sum"):
        nc.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="invalid subscript '1'"):
        nc.einsum("i1", a)
    with pytest.raises(ValueError, match="output subscript 'x' which never appeared"):
        nc.einsum("ij->x", a)
    with pytest.raises(ValueError, match="Size of label 'j'"):
        nc.einsum("ij,jk", a, nc.ones((4, 4)))
    with pytest.raises(TypeError, match="Did not understand the path"):
        nc.einsum("ij", a, optimize="fastest")
    with pytest.raises(TypeError, match="Cannot cast array data"):
        nc.einsum("ij", a, dtype="int32")


def test_einsum_explicit_path(nc):
    a, b, c = rand((2, 3)), rand((3, 4), seed=1), rand((4, 5), seed=2)
    exp = np.einsum("ij,jk,kl->il", a, b, c)
    for path in (["einsum_path", (0, 1), (0, 1)], ["einsum_path", (1, 2), (0, 1)],
                 ["einsum_path", (0, 2), (0, 1)], ["einsum_path", (0, 1, 2)]):
        got = nc.einsum("ij,jk,kl->il", *[nc.asarray(x) for x in (a, b, c)], optimize=path)
        T.check(got, exp, ctx=str(path))
        T.check(nc.asarray(np.einsum("ij,jk,kl->il", a, b, c, optimize=path)), exp)
    with pytest.raises(ValueError):
        nc.einsum("ij,jk,kl->il", *[nc.asarray(x) for x in (a, b, c)],
                  optimize=["einsum_path", (0, 5)])
    with pytest.raises(ValueError):
        nc.einsum("ij,jk,kl->il", *[nc.asarray(x) for x in (a, b, c)],
                  optimize=["einsum_path", (0, 1)])


PATH_CASES = [
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij->i", [(2, 3)]),
    ("ea,fb,abcd,gc,hd->efgh", [(10, 10)] * 2 + [(10, 10, 10, 10)] + [(10, 10)] * 2),
    ("i,j,k", [(2,), (3,), (4,)]),
]


@pytest.mark.parametrize("sub,shapes", PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_einsum_path(nc, sub, shapes):
    ops = [rand(s, seed=i) for i, s in enumerate(shapes)]
    path, report = nc.einsum_path(sub, *[nc.asarray(o) for o in ops])
    assert path[0] == "einsum_path"
    assert all(isinstance(t, tuple) for t in path[1:])
    n = len(ops)
    for t in path[1:]:               # a valid path: indices into the current list
        assert all(0 <= i < n for i in t) and len(set(t)) == len(t)
        n -= len(t) - 1
    assert n == 1
    assert "Complete contraction:" in report and "scaling" in report
    # NumPy runs the path numc found, to the same value
    T.check(nc.asarray(np.einsum(sub, *ops, optimize=path)), np.einsum(sub, *ops))
    # and for these NumPy's greedy picks the same path
    np_path, np_report = np.einsum_path(sub, *ops, optimize="greedy")
    if len(np_path) == len(path) and all(len(t) == 2 for t in np_path[1:]):
        assert path == np_path
        assert report.splitlines()[0] == np_report.splitlines()[0]


def test_einsum_transforms(nc):
    a, b = rand((2, 3)), rand((3, 4), seed=1)
    x, y = nc.asarray(a), nc.asarray(b)
    # grad of sum(einsum) with respect to x: row sums of y broadcast
    g = nc.grad(lambda u: nc.einsum("ij,jk->", u, y))(x)
    T.check(g, np.broadcast_to(b.sum(1), (2, 3)))
    g = nc.grad(lambda u: nc.einsum("ii->", u))(nc.asarray(rand((3, 3))))
    T.check(g, np.eye(3))
    g = nc.grad(lambda u: (nc.einsum("ij,ij->i", u, u) ** 2).sum())(x)
    T.check(g, 4 * (a * a).sum(1, keepdims=True) * a)
    # finite differences through a three-operand contraction with a diagonal
    c = rand((4, 4), seed=2)

    def f(u):
        return nc.einsum("ij,jk,kk->i", u, y, nc.asarray(c)).sum()

    g = np.asarray(nc.grad(f)(x))
    eps = 1e-6
    for idx in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[idx] = eps
        fd = (np.einsum("ij,jk,kk->i", a + d, b, c).sum() -
              np.einsum("ij,jk,kk->i", a - d, b, c).sum()) / (2 * eps)
        assert abs(g[idx] - fd) < 1e-6
    # vmap over a leading batch = the batched einsum
    xb = rand((5, 2, 3), seed=3)
    r = nc.vmap(lambda u: nc.einsum("ij,jk->ik", u, y))(nc.asarray(xb))
    T.check(r, np.einsum("bij,jk->bik", xb, b))
    r = nc.vmap(lambda u: nc.einsum("ii->i", u))(nc.asarray(rand((4, 3, 3))))
    T.check(r, np.einsum("bii->bi", rand((4, 3, 3))))
    # function: traced once, same values
    fn = nc.function(lambda u, v: nc.einsum("ij,jk->ik", u, v))
    T.check(fn(x, y), a @ b)
    T.check(fn(x, y), a @ b)


# ---------------------------------------------------------------- vecdot

VECDOT_CASES = [((3,), (3,), {}), ((2, 3), (3,), {}), ((2, 3), (4, 1, 3), {}),
                ((3, 2), (3, 2), {"axis": 0}), ((2, 3, 4), (2, 3, 4), {"axis": 1}),
                ((0, 3), (3,), {}), ((3,), (4,), {}), ((), (3,), {}), ((2, 3), (2, 3), {"axis": 2})]


@pytest.mark.parametrize("s1,s2,kw", VECDOT_CASES)
def test_vecdot_shapes(nc, s1, s2, kw):
    both(nc, lambda m, x, y: m.vecdot(x, y, **kw), rand(s1), rand(s2, seed=1), ctx=f"{s1}{s2}")


@pytest.mark.parametrize("dt", T.DTYPES)
def test_vecdot_dtypes(nc, dt):
    both(nc, lambda m, x, y: m.vecdot(x, y), rand((2, 3), dt), rand((2, 3), dt, seed=1))


def test_vecdot_conjugates_first(nc):
    a = rand((3,), "complex128")
    b = rand((3,), "complex128", seed=1)
    T.check(nc.vecdot(nc.asarray(a), nc.asarray(b)), np.vecdot(a, b))
    with pytest.raises(ValueError, match="vecdot"):
        nc.vecdot(nc.ones(3), nc.ones(4))


def test_vecdot_transforms(nc):
    a, b = rand((2, 3)), rand((2, 3), seed=1)
    g = nc.grad(lambda u: nc.vecdot(u, nc.asarray(b)).sum())(nc.asarray(a))
    T.check(g, b)
    r = nc.vmap(lambda u: nc.vecdot(u, nc.asarray(b[0])))(nc.asarray(a))
    T.check(r, np.vecdot(a, b[0]))
    T.check(nc.function(nc.vecdot)(nc.asarray(a), nc.asarray(b)), np.vecdot(a, b))
