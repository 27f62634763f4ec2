"""Shape manipulation against NumPy (optable.MANIP): every row x every dtype,
on C-contiguous inputs and on non-contiguous views of the same shapes; plus
the errors NumPy raises for bad shapes and axes."""
import pytest

import optable as T
from optable import MANIP

COVERS = sorted({r.api for r in MANIP})

GRID = [(r, d, v) for r in MANIP for d in r.dtypes for v in (False, True)
        if not (v and all(len(s) == 0 for s in r.shapes))]


@pytest.mark.parametrize("row,dt,view", GRID,
                         ids=[f"{r.id}-{d}{'-view' if v else ''}" for r, d, v in GRID])
def test_manip(nc, row, dt, view):
    getattr(nc, row.api)
    np_in, nc_in = T.shaped_inputs(nc, row, dt, view)
    exp = T.reference(row.fn, *np_in)
    assert not isinstance(exp, T.Raised), f"NumPy raised {exp!r}: fix the row"
    T.expect(exp, lambda: row.fn(nc, *nc_in), None, None, f"{row.id}[{dt}{', view' if view else ''}]")


def test_views_match_numpy(nc):
    """The views the table uses (numc indexing / transpose) hold NumPy's values."""
    rng = T.rng_for("views")
    for case in list(T.SHAPES.values()) + [T.as_view_case(s) for s in [(5,), (2, 3, 4), (3, 4)]]:
        if case.view is None:
            continue
        base = rng.normal(size=case.base)
        T.check(case.view(nc.asarray(base)), case.view(base), ctx=f"view {case.id}")


def run_err(nc, fn):
    exp = T.reference(fn)
    assert isinstance(exp, T.Raised), "NumPy accepts this case; fix the test"
    T.expect(exp, lambda: fn(nc), ctx="")
    return exp


A = lambda m, *s: m.ones(s)  # noqa: E731

ERRORS = {
    "reshape_size": lambda m: m.reshape(A(m, 2, 3), (4, 2)),
    "reshape_two_minus1": lambda m: m.reshape(A(m, 2, 3), (-1, -1)),
    "reshape_neg": lambda m: m.reshape(A(m, 2, 3), (-2, -3)),
    "transpose_perm_len": lambda m: m.transpose(A(m, 2, 3), (0,)),
    "transpose_perm_dup": lambda m: m.transpose(A(m, 2, 3), (0, 0)),
    "transpose_axis": lambda m: m.transpose(A(m, 2, 3), (0, 2)),
    "swapaxes_axis": lambda m: m.swapaxes(A(m, 2, 3), 0, 2),
    "moveaxis_axis": lambda m: m.moveaxis(A(m, 2, 3), 0, 5),
    "moveaxis_len": lambda m: m.moveaxis(A(m, 2, 3), (0, 1), (1,)),
    "expand_dims_axis": lambda m: m.expand_dims(A(m, 2, 3), 4),
    "expand_dims_dup": lambda m: m.expand_dims(A(m, 2, 3), (0, 0)),
    "squeeze_not_one": lambda m: m.squeeze(A(m, 2, 1), axis=0),
    "squeeze_axis": lambda m: m.squeeze(A(m, 2, 1), axis=3),
    "broadcast_to_bad": lambda m: m.broadcast_to(A(m, 3), (4,)),
    "broadcast_to_fewer_dims": lambda m: m.broadcast_to(A(m, 2, 3), (3,)),
    "broadcast_to_neg": lambda m: m.broadcast_to(A(m, 3), (-1, 3)),
    "broadcast_arrays_bad": lambda m: m.broadcast_arrays(A(m, 3), A(m, 4)),
    "concatenate_shape": lambda m: m.concatenate([A(m, 2, 3), A(m, 2, 4)]),
    "concatenate_ndim": lambda m: m.concatenate([A(m, 3), A(m, 3, 3)]),
    "concatenate_axis": lambda m: m.concatenate([A(m, 3), A(m, 3)], axis=1),
    "concatenate_empty_list": lambda m: m.concatenate([]),
    "concatenate_0d": lambda m: m.concatenate([A(m), A(m)]),
    "stack_shape": lambda m: m.stack([A(m, 3), A(m, 4)]),
    "stack_axis": lambda m: m.stack([A(m, 3), A(m, 3)], axis=3),
    "stack_empty": lambda m: m.stack([]),
    "vstack_shape": lambda m: m.vstack([A(m, 3), A(m, 4)]),
    "hstack_shape": lambda m: m.hstack([A(m, 2, 3), A(m, 3, 3)]),
    "split_uneven": lambda m: m.split(A(m, 6), 4),
    "split_axis": lambda m: m.split(A(m, 6), 2, axis=1),
    "split_zero": lambda m: m.split(A(m, 6), 0),
    "flip_axis": lambda m: m.flip(A(m, 2, 3), 2),
    "matrix_transpose_1d": lambda m: m.matrix_transpose(A(m, 3)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_manip_errors(nc, name):
    exp = run_err(nc, ERRORS[name])
    if T.builtin_base(type(exp.exc)) is ValueError and type(exp.exc).__name__ == "AxisError":
        try:
            ERRORS[name](nc)
        except Exception as e:  # noqa: BLE001
            assert isinstance(e, ValueError) and isinstance(e, IndexError), \
                f"{name}: NumPy raises AxisError; numc's {type(e).__name__} must subclass " \
                "both ValueError and IndexError"
