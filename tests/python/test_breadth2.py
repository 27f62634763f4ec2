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
        return np.asarray(rng.integers(0, 2, shape)).astype(bool)
    if T.kind(dt) in "iu":
        return np.asarray(rng.integers(0, 4, shape)).astype(T.np_dtype(dt))
    x = rng.uniform(-2, 2, shape)
    if T.kind(dt) == "c":
        x = x + 1j * rng.uniform(-2, 2, shape)
    return np.asarray(x).astype(T.np_dtype(dt))


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
    ("ij,j", [(2, 1), (3,)]),
    ("ij,ij->", [(2, 1), (1, 3)]),
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
    both(nc, lambda m, x, y: m.einsum(x, np.array([0, 1]), y, [np.int64(1), 27]), a, b)
    both(nc, lambda m, x: m.einsum(x, [0, 52]), a)


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
    ("ii", [(1, 3)]),
    ("ii", [(2, 3)]),
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


# ---------------------------------------------------------------- save / load

IO_SHAPES = [(), (0,), (5,), (2, 3), (2, 0, 3), (3, 1, 2, 2)]


def nc_from_np(nc, x):
    return T.to_nc(nc, np.array(x, order="C"))


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("shape", IO_SHAPES, ids=str)
def test_save_numc_load_numpy(nc, dt, shape):
    x = rand(shape, dt)
    buf = io.BytesIO()
    nc.save(buf, nc_from_np(nc, x))
    buf.seek(0)
    y = np.load(buf)
    assert y.shape == x.shape
    if dt == "bfloat16":   # ml_dtypes saves bfloat16 as '<V2'; NumPy reads raw bytes back
        assert y.dtype == np.dtype("V2")
        assert y.tobytes() == x.tobytes()
    else:
        assert y.dtype == x.dtype
        np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("dt", T.DTYPES)
@pytest.mark.parametrize("shape", IO_SHAPES, ids=str)
def test_save_numpy_load_numc(nc, dt, shape):
    x = rand(shape, dt)
    buf = io.BytesIO()
    np.save(buf, x)
    buf.seek(0)
    T.check(nc.load(buf), x)


@pytest.mark.parametrize("dt", ["int16", "int32", "uint64", "float16", "float32", "float64",
                                "complex64", "complex128", "bool", "uint8"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("endian", ["<", ">"])
def test_load_orders_and_endianness(nc, dt, order, endian):
    x = rand((3, 4, 2), dt)
    y = np.asarray(x, dtype=np.dtype(T.np_dtype(dt)).newbyteorder(endian), order=order)
    buf = io.BytesIO()
    np.save(buf, y)
    buf.seek(0)
    r = nc.load(buf)
    assert r.dtype == T.module_dtype(nc, dt)
    T.check(r, x)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_load_format_versions(nc, version):
    x = rand((4, 3))
    buf = io.BytesIO()
    np.lib.format.write_array(buf, x, version=version)
    buf.seek(0)
    T.check(nc.load(buf), x)


def test_save_writes_version_2_for_huge_headers(nc):
    x = nc.zeros((1,) * 32)
    buf = io.BytesIO()
    nc.save(buf, x)
    raw = buf.getvalue()
    assert raw[6:8] in (b"\x01\x00", b"\x02\x00")
    assert (len(raw) - 8) % 64 == 0
    buf.seek(0)
    assert np.load(buf).shape == (1,) * 32


def test_save_noncontiguous_and_views(nc):
    x = rand((4, 6))
    v = nc.asarray(x)[::2, ::-1].T
    buf = io.BytesIO()
    nc.save(buf, v)
    buf.seek(0)
    np.testing.assert_array_equal(np.load(buf), x[::2, ::-1].T)


def test_save_load_paths(nc, tmp_path):
    x = nc.arange(6.0).reshape(2, 3)
    nc.save(str(tmp_path / "a"), x)                   # str name: '.npy' appended
    assert (tmp_path / "a.npy").exists()
    T.check(nc.load(str(tmp_path / "a.npy")), np.arange(6.0).reshape(2, 3))
    nc.save(tmp_path / "b.npy", x)                    # pathlib
    T.check(nc.load(tmp_path / "b.npy"), np.arange(6.0).reshape(2, 3))
    np.save(tmp_path / "c.npy", np.arange(4))
    T.check(nc.load(pathlib.Path(tmp_path / "c.npy")), np.arange(4))
    with open(tmp_path / "d.npy", "wb") as f:         # several arrays in one stream
        nc.save(f, x)
        nc.save(f, nc.ones(3, dtype="int8"))
        np.save(f, np.arange(3))
    with open(tmp_path / "d.npy", "rb") as f:
        T.check(nc.load(f), np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(np.load(f), np.ones(3, np.int8))
        T.check(nc.load(f), np.arange(3))
        with pytest.raises(EOFError):
            nc.load(f)
    with pytest.raises(FileNotFoundError):
        nc.load(tmp_path / "missing.npy")
    with pytest.raises(NotImplementedError, match="mmap_mode"):
        nc.load(tmp_path / "b.npy", mmap_mode="r")
    nc.save(str(tmp_path / "e.npy"), [1, 2, 3])       # array-likes are converted
    T.check(nc.load(tmp_path / "e.npy"), np.array([1, 2, 3]))


def test_save_under_a_trace_is_refused(nc, tmp_path):
    def f(x):
        nc.save(io.BytesIO(), x)
        return x

    with pytest.raises(TypeError):
        nc.function(f)(nc.ones(3))


def npy_bytes(x, **kw):
    buf = io.BytesIO()
    np.save(buf, x, **kw)
    return buf.getvalue()


def test_load_refuses_object_arrays(nc):
    raw = npy_bytes(np.array([1, None], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle=False"):
        nc.load(io.BytesIO(raw))
    with pytest.raises(ValueError, match="allow_pickle=False"):
        np.load(io.BytesIO(raw))
    with pytest.raises(TypeError, match="numeric"):
        nc.load(io.BytesIO(raw), allow_pickle=True)
    with pytest.raises(TypeError, match="numeric"):
        nc.load(io.BytesIO(npy_bytes(np.array(["ab", "c"]))))
    # a pickle that is not .npy at all
    import pickle
    with pytest.raises(ValueError, match="pickled"):
        nc.load(io.BytesIO(pickle.dumps([1, 2])))


def header_file(header, data=b"", version=1):
    h = header.encode("latin1")
    if version == 1:
        pre = b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little")
    else:
        pre = b"\x93NUMPY" + bytes([version, 0]) + len(h).to_bytes(4, "little")
    return pre + h + data


HOSTILE = [
    b"",                                                     # empty: EOFError
    b"\x93NUM",                                              # magic truncated
    b"\x93NUMPY\x09\x00\x10\x00",                           # unknown version
    b"\x93NUMPY\x01\x00\xff\xff{'descr'",                   # header longer than the file
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", b"\0" * 16),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (10**12,), }"),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999,"
                " 99999999999), }"),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"),
    header_file("{'descr': '<f8', 'fortran_order': False}"),
    header_file("{'descr': '<f8', 'fortran_order': 3, 'shape': (), }", b"\0" * 8),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (), 'x': 1}", b"\0" * 8),
    header_file("{'descr': '<q9', 'fortran_order': False, 'shape': (), }", b"\0" * 8),
    header_file("['descr', '<f8']"),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", b"\0" * 8),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1," * 40 + "), }",
                b"\0" * 8),
    header_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", b"\0" * 16,
                version=2),
    b"\x93NUMPY\x02\x00\xff\xff\xff\x7f{",                  # v2 length far past the end
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_load_hostile_npy(nc, raw):
    exp = T.reference(lambda m, r: m.load(io.BytesIO(r)), raw)
    with pytest.raises((ValueError, EOFError, TypeError)) as info:
        nc.load(io.BytesIO(raw))
    if isinstance(exp, T.Raised) and exp.type in (EOFError,):
        assert info.type is EOFError


def test_load_fuzzed_files_never_crash(nc):
    rng = np.random.default_rng(1)
    good = [npy_bytes(rand((3, 4), "float32")), npy_bytes(rand((2, 2), "complex128")),
            npy_bytes(np.asfortranarray(rand((3, 5), "int16")))]
    zb = io.BytesIO()
    np.savez_compressed(zb, a=rand((10,)), b=np.arange(7))
    zs = io.BytesIO()
    np.savez(zs, a=rand((4,)), b=np.arange(3))
    good += [zb.getvalue(), zs.getvalue()]
    for trial in range(600):
        raw = bytearray(good[trial % len(good)])
        op = rng.integers(3)
        if op == 0:
            raw = raw[:rng.integers(len(raw))]
        else:
            for _ in range(rng.integers(1, 6)):
                raw[rng.integers(len(raw))] = rng.integers(256)
        try:
            r = nc.load(io.BytesIO(bytes(raw)))
            if isinstance(r, nc.NpzFile):
                for k in r.files:
                    try:
                        r[k]
                    except (ValueError, TypeError):
                        pass
        except (ValueError, TypeError, EOFError, OSError):
            pass


# ---------------------------------------------------------------- savez / npz

@pytest.mark.parametrize("compressed", [False, True])
def test_savez_numc_to_numpy(nc, compressed):
    save = nc.savez_compressed if compressed else nc.savez
    arrays = {dt: rand((3, 2), dt) for dt in T.DTYPES if dt != "bfloat16"}
    buf = io.BytesIO()
    save(buf, nc.arange(5), nc.ones((2, 2)), **{k: nc_from_np(nc, v) for k, v in arrays.items()})
    buf.seek(0)
    with zipfile.ZipFile(buf) as zf:
        want = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
        assert all(i.compress_type == want for i in zf.infolist())
        assert zf.testzip() is None
    buf.seek(0)
    z = np.load(buf)
    assert z.files == list(arrays) + ["arr_0", "arr_1"]
    np.testing.assert_array_equal(z["arr_0"], np.arange(5))
    np.testing.assert_array_equal(z["arr_1"], np.ones((2, 2)))
    for k, v in arrays.items():
        assert z[k].dtype == v.dtype
        np.testing.assert_array_equal(z[k], v)


@pytest.mark.parametrize("compressed", [False, True])
def test_savez_numpy_to_numc(nc, compressed, tmp_path):
    save = np.savez_compressed if compressed else np.savez
    arrays = {dt: rand((2, 3), dt) for dt in T.DTYPES if dt != "bfloat16"}
    path = tmp_path / "x.npz"
    save(path, np.arange(4), **arrays)
    with nc.load(path) as z:
        assert isinstance(z, nc.NpzFile)
        assert list(z.files) == list(arrays) + ["arr_0"]
        assert set(z.keys()) == set(z.files) and len(z) == len(z.files)
        assert "int8" in z and "nope" not in z
        assert list(iter(z)) == list(z.files)
        for k, v in arrays.items():
            T.check(z[k], v, ctx=k)
        T.check(z["arr_0"], np.arange(4))
        T.check(z.get("arr_0"), np.arange(4))
        assert z.get("nope") is None
        assert len(z.items()) == len(z.values()) == len(z.files)
        with pytest.raises(KeyError, match="not a file in the archive"):
            z["nope"]
    with pytest.raises(ValueError):
        z["arr_0"]                    # closed
    from collections.abc import Mapping
    assert isinstance(z, Mapping)


def test_savez_names_and_files(nc, tmp_path):
    nc.savez(str(tmp_path / "a"), x=nc.ones(2))               # '.npz' appended
    assert (tmp_path / "a.npz").exists()
    nc.savez_compressed(tmp_path / "b.npz", nc.zeros(3))       # pathlib
    np.testing.assert_array_equal(np.load(tmp_path / "b.npz")["arr_0"], np.zeros(3))
    with pytest.raises(ValueError, match="Cannot use un-named variables and keyword arr_0"):
        nc.savez(io.BytesIO(), nc.ones(2), arr_0=nc.ones(3))
    with pytest.raises(ValueError, match="Cannot use un-named variables"):
        np.savez(io.BytesIO(), np.ones(2), arr_0=np.ones(3))
    buf = io.BytesIO()
    nc.savez(buf)                                              # an empty archive
    buf.seek(0)
    assert np.load(buf).files == []
    buf.seek(0)
    assert list(nc.load(buf).files) == []
    # a member that is not .npy comes back as bytes, as in NumPy
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", b"hello")
        zf.writestr("x.npy", npy_bytes(np.arange(3)))
    buf.seek(0)
    z = nc.load(buf)
    assert z["notes.txt"] == b"hello"
    T.check(z["x"], np.arange(3))


def test_npz_hostile(nc):
    zb = io.BytesIO()
    np.savez_compressed(zb, a=np.arange(100.0))
    raw = bytearray(zb.getvalue())
    # bad CRC: flip a byte of the deflated data
    bad = bytearray(raw)
    bad[60] ^= 0xFF
    with pytest.raises(ValueError):
        z = nc.load(io.BytesIO(bytes(bad)))
        z["a"]
    for cut in (10, 40, len(raw) - 30, len(raw) - 5):
        with pytest.raises(ValueError):
            z = nc.load(io.BytesIO(bytes(raw[:cut])))
            z["a"]


# ---------------------------------------------------------------- frombuffer / fromiter / fromfunction

FROMBUFFER = [
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {"dtype": "uint8"}),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {"dtype": "int16"}),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {"dtype": "int16", "count": 2, "offset": 2}),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {"dtype": "float32", "offset": 4}),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {"dtype": "int32", "offset": 1, "count": 1}),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08", {}),
    (np.arange(6.0).tobytes(), {}),
    (np.arange(6.0).tobytes(), {"count": 0}),
    (np.arange(4, dtype=np.complex64).tobytes(), {"dtype": "complex64"}),
    (bytearray(b"\x00\x01\x00\x01"), {"dtype": "bool"}),
    (memoryview(np.arange(4, dtype=np.int64).tobytes()), {"dtype": "int64", "count": -1}),
    # errors
    (b"\x01\x02\x03", {"dtype": "int16"}),
    (b"\x01\x02\x03\x04", {"dtype": "int16", "count": 3}),
    (b"\x01\x02\x03\x04", {"dtype": "int16", "offset": 5}),
    (b"\x01\x02\x03\x04", {"dtype": "int16", "offset": -1}),
    (b"", {"dtype": "int16"}),
]


@pytest.mark.parametrize("buf,kw", FROMBUFFER, ids=range(len(FROMBUFFER)))
def test_frombuffer(nc, buf, kw):
    exp = T.reference(lambda m: m.frombuffer(buf, **kw))
    T.expect(exp, lambda: nc.frombuffer(buf, **kw), ctx=str(kw))


def test_frombuffer_keeps_the_exporter_alive(nc):
    data = np.arange(512, dtype=np.float64).tobytes()
    a = nc.frombuffer(data, dtype="float64")
    del data
    b = a[10:20] * 2
    T.check(b, np.arange(10, 20, dtype=np.float64) * 2)
    # a writable source is copied: changing it later leaves the value alone
    ba = bytearray(np.arange(4, dtype=np.int32).tobytes())
    c = nc.frombuffer(ba, dtype="int32")
    ba[0] = 99
    T.check(c, np.arange(4, dtype=np.int32))


FROMITER = [
    (lambda: range(5), {"dtype": "int64"}),
    (lambda: (x * 0.5 for x in range(4)), {"dtype": "float32"}),
    (lambda: iter([1, 0, 2]), {"dtype": "bool"}),
    (lambda: iter([1 + 2j, 3]), {"dtype": "complex128"}),
    (lambda: range(10), {"dtype": "int16", "count": 4}),
    (lambda: iter([]), {"dtype": "float64"}),
    (lambda: range(3), {"dtype": "float64", "count": 5}),
    (lambda: [(1, 2), (3, 4)], {"dtype": "float64"}),
]


@pytest.mark.parametrize("make,kw", FROMITER, ids=range(len(FROMITER)))
def test_fromiter(nc, make, kw):
    exp = T.reference(lambda m: m.fromiter(make(), **kw))
    T.expect(exp, lambda: nc.fromiter(make(), **kw), ctx=str(kw))


def test_fromiter_messages(nc):
    with pytest.raises(ValueError, match="iterator too short: Expected 5 but iterator had only "
                                         "3 items"):
        nc.fromiter(range(3), dtype="int64", count=5)
    it = iter(range(10))
    nc.fromiter(it, dtype="int64", count=3)
    assert next(it) == 3                     # reads only count items


FROMFUNCTION = [
    (lambda i, j: i + 10 * j, (3, 4), {}),
    (lambda i, j: i == j, (3, 3), {"dtype": "int64"}),
    (lambda i: i * 2, (5,), {"dtype": "int32"}),
    (lambda i, j, k: i * j - k, (2, 3, 4), {"dtype": "float32"}),
    (lambda: 7.0, (), {}),
    (lambda i, j: i + j, (0, 3), {}),
]


@pytest.mark.parametrize("fn,shape,kw", FROMFUNCTION, ids=range(len(FROMFUNCTION)))
def test_fromfunction(nc, fn, shape, kw):
    exp = T.reference(lambda m: m.fromfunction(fn, shape, **kw))
    if isinstance(exp, float):
        assert nc.fromfunction(fn, shape, **kw) == exp
        return
    T.expect(exp, lambda: nc.fromfunction(fn, shape, **kw), ctx=str(shape))


def test_fromfunction_kwargs(nc):
    def f(i, j, scale=1.0, *, shift=0):
        return (i * 3 + j) * scale + shift

    exp = np.fromfunction(f, (2, 3), scale=2.0, shift=5)
    T.check(nc.fromfunction(f, (2, 3), scale=2.0, shift=5), exp)
    T.check(nc.fromfunction(function=f, shape=(2, 3), dtype="int64"),
            np.fromfunction(f, (2, 3), dtype=np.int64))


# ---------------------------------------------------------------- put / place

PUT = [
    ((5,), [0, 2], [10, 20], "raise"),
    ((5,), [-1, -5], [7], "raise"),
    ((2, 3), [0, 5, 3], [1, 2, 3], "raise"),
    ((2, 3), [1, 4], [9, 8, 7, 6], "raise"),
    ((2, 3), [7, -8, 2], [1, 2, 3], "wrap"),
    ((2, 3), [7, -8, 2], [1, 2, 3], "clip"),
    ((2, 3), 4, 5.5, "raise"),
    ((2, 3), [[0, 1], [2, 3]], [[1, 2], [3, 4]], "raise"),
    ((4,), [1, 1, 1], [1, 2, 3], "raise"),
    ((4,), [], [1], "raise"),
    ((4,), [0], [], "raise"),
    ((), [0], [3], "raise"),
    ((5,), [5], [1], "raise"),
    ((2, 3), [-7], [1], "raise"),
    ((5,), [1], [1], "bogus"),
    ((5,), [1.5], [1], "raise"),
]


@pytest.mark.parametrize("dt", ["int32", "float64", "bool", "complex64", "uint8"])
@pytest.mark.parametrize("shape,ind,v,mode", PUT, ids=range(len(PUT)))
def test_put(nc, dt, shape, ind, v, mode):
    base = rand(shape, dt)

    def run(m, a):
        r = m.put(a, ind, v, mode=mode)
        assert r is None
        return a

    exp = T.reference(lambda m, a: run(m, a.copy()), base)
    T.expect(exp, lambda: run(nc, nc_from_np(nc, base)), ctx=f"{shape} {ind} {mode}")


def test_put_updates_the_handle_in_place(nc):
    a = nc.arange(6).reshape(2, 3)
    alias = a
    before = a[0]                       # an earlier view keeps its value
    nc.put(a, [0, 4], [-1, -2])
    assert alias is a
    T.check(a, np.array([[-1, 1, 2], [3, -2, 5]]))
    T.check(before, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="numc.ndarray"):
        nc.put([1, 2, 3], [0], [5])
    with pytest.raises(IndexError, match="index 6 is out of bounds for axis 0 with size 6"):
        nc.put(a, [6], [1])


PLACE = [
    ((5,), [1, 0, 1, 0, 1], [10, 20]),
    ((2, 3), [[1, 0, 1], [0, 1, 1]], [7, 8, 9]),
    ((2, 3), [[1, 0, 1], [0, 1, 1]], [7, 8, 9, 10, 11, 12]),
    ((4,), [0, 0, 0, 0], []),
    ((4,), [1, 0, 0, 0], []),
    ((4,), [1, 0, 0], [1]),
    ((2, 2), [1, 0, 0, 1], [3.5]),
]


@pytest.mark.parametrize("dt", ["int64", "float32", "bool", "complex128"])
@pytest.mark.parametrize("shape,mask,vals", PLACE, ids=range(len(PLACE)))
def test_place(nc, dt, shape, mask, vals):
    base = rand(shape, dt)

    def run(m, a):
        assert m.place(a, np.asarray(mask, bool) if m is np else nc.asarray(mask, dtype=bool),
                       vals) is None
        return a

    exp = T.reference(lambda m, a: run(m, a.copy()), base)
    T.expect(exp, lambda: run(nc, nc_from_np(nc, base)), ctx=f"{shape} {mask}")


def test_place_message(nc):
    with pytest.raises(ValueError, match="Cannot insert from an empty array"):
        nc.place(nc.ones(3), nc.asarray([True, False, False]), [])


# ---------------------------------------------------------------- memory overlap

def overlap_cases(m):
    a = m.arange(24).reshape(4, 6)
    b = m.arange(24).reshape(4, 6)
    return [
        (a, a), (a, b), (a[0], a[1]), (a[0], a[0, 2:]), (a[::2], a[1::2]),
        (a[:, ::2], a[:, 1::2]), (a[:, :3], a[:, 3:]), (a[:, :4], a[:, 3:]), (a.T, a),
        (a[1:3, 1:3], a[2]), (a[::-1], a[0]), (a[0, :0], a), (a.reshape(-1)[5:7], a[1]),
    ]


@pytest.mark.parametrize("k", range(13))
@pytest.mark.parametrize("fn", ["shares_memory", "may_share_memory"])
def test_shares_memory(nc, k, fn):
    x, y = overlap_cases(np)[k]
    u, v = overlap_cases(nc)[k]
    assert getattr(nc, fn)(u, v) == getattr(np, fn)(x, y), (k, fn)


def test_shares_memory_max_work(nc):
    a = nc.arange(10)
    assert nc.shares_memory(a[::2], a[1::2]) is False
    assert nc.shares_memory(a[::2], a[1::2], max_work=-1) is True      # bounds only
    assert nc.may_share_memory(a[::2], a[1::2], max_work=0) is False   # exact
    assert nc.shares_memory(a, nc.arange(10)) is False
    assert nc.shares_memory(a, a + 0) is False


def test_put_place_under_grad(nc):
    x = nc.asarray([1.0, 2.0, 3.0, 4.0])

    def f(x):
        y = x * 1.0
        nc.put(y, nc.asarray([0, 7]), x[1] * 3.0, mode="wrap")   # y = [3 x1, x1, x2, 3 x1]
        return y.sum()

    T.check(nc.grad(f)(x), np.array([0.0, 7.0, 1.0, 0.0]))

    def g(x):
        y = x * 1.0
        nc.place(y, nc.asarray([True, False, True, False]), x[1:3])   # [x1, x1, x2, x3]
        return (y * y).sum()

    T.check(nc.grad(g)(x), np.array([0.0, 4 * 2.0, 2 * 3.0, 2 * 4.0]))
