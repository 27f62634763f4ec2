"""matmul / @, dot, tensordot, vdot, inner, outer against NumPy
(optable.LINALG): every row x every dtype, contiguous and transposed /
strided inputs; shape errors."""
import numpy as np
import pytest

import optable as T
from optable import LINALG

COVERS = sorted({r.api for r in LINALG})

SWEEP = ["float32", "float64", "complex128", "int32"]
GRID = [(r, d, v) for r in LINALG for d in r.dtypes for v in (False, True)
        if not v or d in SWEEP]


def bound(row, np_in):
    """Elementwise error scale: the same contraction of |a| and |b| in float64."""
    with T.quiet():
        ab = [np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
              for x in np_in]
        return np.asarray(row.fn(np, *ab), dtype=np.float64)


@pytest.mark.parametrize("row,dt,view", GRID,
                         ids=[f"{r.id}-{d}{'-view' if v else ''}" for r, d, v in GRID])
def test_linalg(nc, row, dt, view):
    getattr(nc, row.api)
    np_in, nc_in = T.shaped_inputs(nc, row, dt, view)
    exp = T.reference(row.fn, *np_in)
    assert not isinstance(exp, T.Raised), f"NumPy raised {exp!r}: fix the row"
    edt = T.dtype_name(exp.dtype)
    rt = T.TOL.get(edt, 0.0)
    atol = rt * np.maximum(bound(row, np_in), 1.0) if rt else None
    T.expect(exp, lambda: row.fn(nc, *nc_in), rt or None, atol,
             f"{row.id}[{dt}{', view' if view else ''}]")


@pytest.mark.parametrize("a,b", [("float32", "float64"), ("int8", "float32"),
                                 ("int32", "complex64"), ("bool", "int16"),
                                 ("uint8", "int8"), ("float16", "float32")])
def test_matmul_mixed_dtypes(nc, a, b):
    rng = T.rng_for("mm_mixed", a, b)
    x = T.LINALG_DOM.gen(rng, a, (3, 4))
    y = T.LINALG_DOM.gen(rng, b, (4, 2))
    T.run_both(nc, lambda m, p, q: m.matmul(p, q), [x, y], [T.to_nc(nc, x), T.to_nc(nc, y)],
               {"float32": 1e-5, "float16": 1e-2}, 1e-4, f"matmul({a}, {b})")


def test_matmul_large_blas(nc):
    """A BLAS-sized float32 product, checked against NumPy in float64."""
    rng = T.rng_for("mm_large")
    a = rng.standard_normal((256, 300)).astype(np.float32)
    b = rng.standard_normal((300, 200)).astype(np.float32)
    got = np.asarray(nc.matmul(nc.asarray(a), nc.asarray(b)))
    assert str(nc.matmul(nc.asarray(a), nc.asarray(b)).dtype) == "float32"
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert np.max(np.abs(got - ref)) < 1e-3


ERRORS = {
    "matmul_mismatch": lambda m: m.matmul(m.ones((3, 4)), m.ones((5, 6))),
    "matmul_0d": lambda m: m.matmul(m.ones(()), m.ones((3,))),
    "matmul_batch_mismatch": lambda m: m.matmul(m.ones((2, 3, 4)), m.ones((3, 4, 5))),
    "matmul_vec_mismatch": lambda m: m.matmul(m.ones(3), m.ones(4)),
    "dot_mismatch": lambda m: m.dot(m.ones((3, 4)), m.ones((3, 4))),
    "tensordot_mismatch": lambda m: m.tensordot(m.ones((3, 4)), m.ones((5, 4)), axes=([0], [0])),
    "inner_mismatch": lambda m: m.inner(m.ones((2, 3)), m.ones((2, 4))),
    "vdot_size": lambda m: m.vdot(m.ones(3), m.ones(4)),
    "matmul_op_mismatch": lambda m: m.ones((2, 3)) @ m.ones((2, 3)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_linalg_errors(nc, name):
    exp = T.reference(ERRORS[name])
    assert isinstance(exp, T.Raised), "NumPy accepts this case; fix the test"
    T.expect(exp, lambda: ERRORS[name](nc), ctx=name)
