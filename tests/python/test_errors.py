"""Bad input raises NumPy's exception type, and nothing crashes.

- ERRORS: calls NumPy rejects; numc must raise the same builtin type
  (NumPy's AxisError -> an exception that is both ValueError and IndexError).
- UNSUPPORTED: inputs NumPy accepts but numc does not support (object and
  string dtypes): TypeError.
- Integer division by zero and INT_MIN // -1 (a hardware trap in C) and the
  argument fuzzer run in a subprocess, so a crash is a failed test, not a
  dead test run.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import optable as T

COVERS = []
HERE = os.path.dirname(os.path.abspath(__file__))


def O(m, *s, dtype=None):  # noqa: E743
    return m.ones(s) if dtype is None else m.ones(s, dtype=T.module_dtype(m, dtype))


ERRORS = {
    # shapes that do not broadcast -> ValueError
    "add_shapes": lambda m: m.add(O(m, 3), O(m, 4)),
    "op_shapes": lambda m: O(m, 2, 3) * O(m, 3, 2),
    "compare_shapes": lambda m: O(m, 3) < O(m, 2),
    "where_shapes": lambda m: m.where(O(m, 3) > 0, O(m, 4), 1),
    "clip_shapes": lambda m: m.clip(O(m, 3), O(m, 4), 2),
    "arctan2_shapes": lambda m: m.arctan2(O(m, 2, 2), O(m, 3)),
    "reshape_size": lambda m: m.reshape(O(m, 6), (2, 4)),
    "method_reshape_size": lambda m: O(m, 6).reshape(5),
    # axes -> AxisError
    "sum_axis": lambda m: m.sum(O(m, 2, 3), axis=2),
    "sum_neg_axis": lambda m: m.sum(O(m, 2, 3), axis=-3),
    "mean_axis_tuple": lambda m: m.mean(O(m, 2, 3), axis=(0, 2)),
    "argmax_axis": lambda m: m.argmax(O(m, 3), axis=1),
    "cumsum_axis": lambda m: m.cumsum(O(m, 3), axis=1),
    "any_axis": lambda m: m.any(O(m, 3), axis=4),
    "concatenate_axis": lambda m: m.concatenate([O(m, 3), O(m, 3)], axis=1),
    "expand_dims_axis": lambda m: m.expand_dims(O(m, 3), 3),
    "swapaxes_axis": lambda m: m.swapaxes(O(m, 3), 0, 1),
    "flip_axis": lambda m: m.flip(O(m, 3), 1),
    "method_sum_axis": lambda m: O(m, 3).sum(axis=1),
    # shapes: negative or too big -> ValueError
    "zeros_neg": lambda m: m.zeros(-1),
    "zeros_neg2": lambda m: m.zeros((2, -3)),
    "ones_too_big": lambda m: m.ones((2**40, 2**40)),
    "empty_too_big": lambda m: m.empty(2**62),
    "empty_overflow": lambda m: m.empty((2**32, 2**32, 2**32)),
    "full_neg": lambda m: m.full((-1,), 1.0),
    "reshape_neg": lambda m: m.reshape(O(m, 6), (-2, -3)),
    "broadcast_to_neg": lambda m: m.broadcast_to(O(m, 3), (-1, 3)),
    "eye_neg": lambda m: m.eye(-1),
    "linspace_neg": lambda m: m.linspace(0, 1, -1),
    "arange_nan": lambda m: m.arange(np.nan),
    "arange_inf": lambda m: m.arange(np.inf),
    "arange_zero_step": lambda m: m.arange(0, 1, 0),
    # shape arguments of the wrong type -> TypeError
    "zeros_float_shape": lambda m: m.zeros(2.5),
    "zeros_str_shape": lambda m: m.zeros((2, "a")),
    "linspace_float_num": lambda m: m.linspace(0, 1, 2.5),
    "eye_float": lambda m: m.eye(2.5),
    "sum_float_axis": lambda m: m.sum(O(m, 3), axis=1.5),
    # dtypes: unknown names, unsupported operand types -> TypeError
    "zeros_bad_dtype": lambda m: m.zeros(3, dtype="foo"),
    "astype_bad_dtype": lambda m: O(m, 3).astype("foo"),
    "add_str": lambda m: m.add(O(m, 3), "a"),
    "bitwise_float": lambda m: O(m, 3) & 1,
    "shift_float": lambda m: O(m, 3, dtype="int8") << 2.5,
    "invert_float": lambda m: m.invert(O(m, 3)),
    "subtract_bool": lambda m: m.subtract(O(m, 3, dtype="bool"), O(m, 3, dtype="bool")),
    "negative_bool": lambda m: m.negative(O(m, 3, dtype="bool")),
    "floor_complex": lambda m: m.floor(O(m, 3, dtype="complex64")),
    "bitwise_count_float": lambda m: m.bitwise_count(O(m, 2, dtype="float32")),
    "arctan2_complex": lambda m: m.arctan2(O(m, 2, dtype="complex128"), O(m, 2)),
    # Python ints that do not fit the array's dtype -> OverflowError
    "uint8_plus_300": lambda m: O(m, 3, dtype="uint8") + 300,
    "int8_times_200": lambda m: m.multiply(O(m, 3, dtype="int8"), 200),
    "uint8_minus1": lambda m: m.add(O(m, 2, dtype="uint8"), -1),
    "full_overflow": lambda m: m.full(3, 300, dtype=T.module_dtype(m, "uint8")),
    "int_neg_power": lambda m: m.power(m.arange(3), -1),
    # indices -> IndexError
    "index_oob": lambda m: O(m, 3)[5],
    "index_neg_oob": lambda m: O(m, 3)[-4],
    "index_too_many": lambda m: O(m, 3)[0, 0],
    "index_0d": lambda m: O(m)[0],
    "index_float": lambda m: O(m, 3)[1.5],
    "index_str": lambda m: O(m, 3)["x"],
    "index_axis1_oob": lambda m: O(m, 2, 3)[:, 5],
    "index_newaxis_oob": lambda m: O(m, 3)[None, 5],
    # ragged input -> ValueError
    "ragged": lambda m: m.asarray([[1, 2], [3]]),
    "ragged_deep": lambda m: m.asarray([1, [2]]),
    "empty_reduce_max": lambda m: m.max(m.zeros((0,))),
    "empty_argmin": lambda m: m.argmin(m.zeros((0, 2))),
    # call signature -> TypeError
    "add_one_arg": lambda m: m.add(O(m, 2)),
    "sin_no_arg": lambda m: m.sin(),
    "sum_bad_kw": lambda m: m.sum(O(m, 2), foo=1),
    "zeros_bad_kw": lambda m: m.zeros(2, bogus=1),
    # conversion of non-scalars
    "int_of_array": lambda m: int(O(m, 3)),
    "float_of_array": lambda m: float(O(m, 2)),
    "bool_of_array": lambda m: bool(O(m, 3)),
    "len_of_0d": lambda m: len(O(m)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_type_matches_numpy(nc, name):
    fn = ERRORS[name]
    exp = T.reference(fn)
    assert isinstance(exp, T.Raised), f"NumPy accepts {name}; fix the test"
    T.expect(exp, lambda: fn(nc), ctx=name)
    if type(exp.exc).__name__ == "AxisError":
        try:
            fn(nc)
        except Exception as e:  # noqa: BLE001
            assert isinstance(e, ValueError) and isinstance(e, IndexError), \
                f"{name}: NumPy raises AxisError; numc raised {type(e).__name__}, which must " \
                "subclass both ValueError and IndexError"


def test_axis_error_class(nc):
    """numc's AxisError: a subclass of ValueError and IndexError named AxisError
    (NumPy's own numpy.exceptions.AxisError is fine too)."""
    with pytest.raises(Exception) as e:
        nc.sum(nc.ones((2, 3)), axis=5)
    assert isinstance(e.value, ValueError) and isinstance(e.value, IndexError)
    assert type(e.value).__name__ == "AxisError", type(e.value)
    ax = getattr(nc, "AxisError", None) or getattr(getattr(nc, "exceptions", None),
                                                   "AxisError", None)
    assert ax is not None, "numc.AxisError / numc.exceptions.AxisError is not exposed"
    assert isinstance(e.value, ax)


UNSUPPORTED = {
    "asarray_object": lambda m: m.asarray(object()),
    "asarray_none": lambda m: m.asarray(None),
    "asarray_strs": lambda m: m.asarray(["a", "b"]),
    "asarray_mixed_str": lambda m: m.asarray([1, "a"]),
    "asarray_dict": lambda m: m.asarray({1: 2}),
    "asarray_np_str": lambda m: m.asarray(np.array(["a"])),
    "asarray_np_object": lambda m: m.asarray(np.array([1, None], dtype=object)),
    "asarray_np_datetime": lambda m: m.asarray(np.array(["2020-01-01"], dtype="datetime64[D]")),
    "asarray_np_longdouble": lambda m: m.asarray(np.ones(2, dtype=np.longdouble)),
    "zeros_object": lambda m: m.zeros(3, dtype=object),
    "zeros_str": lambda m: m.zeros(3, dtype="U5"),
    "zeros_bytes": lambda m: m.zeros(3, dtype="S2"),
    "astype_str": lambda m: m.ones(3).astype("U"),
    "astype_object": lambda m: m.ones(3).astype(object),
    "add_object": lambda m: m.add(m.ones(3), object()),
    "sin_str": lambda m: m.sin("abc"),
    "op_object": lambda m: m.ones(3) + object(),
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_unsupported_input_is_type_error(nc, name):
    with pytest.raises(TypeError):
        T.call_nc(UNSUPPORTED[name], nc)


# ---------------------------------------------------------------------------
# crash safety: run in a subprocess


def run_script(nc, script, timeout=240):
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(nc.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([pkg_parent, HERE, env.get("PYTHONPATH", "")])
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env,
                       capture_output=True, text=True, timeout=timeout, cwd=HERE,
                       preexec_fn=_die_with_parent)
    return p


def _die_with_parent():
    """The child gets SIGKILL when the test process dies (Linux prctl)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001
        pass


INT_DIV_SCRIPT = r"""
import faulthandler, json, warnings
faulthandler.dump_traceback_later(200, exit=True)
import numpy as np
import numc as nc
import optable as T
warnings.simplefilter("ignore")
np.seterr(all="ignore")
bad = []
ops = {
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "divmod": lambda m, a, b: m.divmod(a, b),
    "//": lambda m, a, b: a // b,
    "%": lambda m, a, b: a % b,
    "divide": lambda m, a, b: m.divide(a, b),
    "reciprocal0": lambda m, a, b: m.reciprocal(b),
}
for dt in T.INT + ["bool"]:
    if dt == "bool":
        a = np.array([True, False, True]); b = np.array([False, False, True])
    else:
        info = np.iinfo(dt)
        vals = [info.min, -1, 0, 1, info.max]
        vals = np.array([v for v in vals if info.min <= v <= info.max], dtype=dt)
        a, b = [x.ravel() for x in np.meshgrid(vals, vals, indexing="ij")]
    for name, f in ops.items():
        exp = T.reference(f, a, b)
        try:
            got = f(nc, nc.asarray(a), nc.asarray(b))
            if isinstance(got, list):
                got = tuple(got)
            errs = [] if isinstance(exp, T.Raised) else T.compare(got, exp)
        except Exception as e:
            errs = [] if isinstance(exp, T.Raised) else [f"raised {type(e).__name__}: {e}"]
        if errs:
            bad.append(f"{name}[{dt}]: " + "; ".join(errs))
# float -> int casts of nan/inf/huge: any value, but no crash
for dt in T.INT:
    nc.asarray(np.array([np.nan, np.inf, -np.inf, 1e30, -1e30])).astype(dt)
    nc.asarray(np.array([np.nan, np.inf, 1e30], dtype=np.float32)).astype(dt)
print(json.dumps(bad))
"""


def test_int_division_edge_cases_no_crash(nc):
    """x // 0, x % 0 give 0 and INT_MIN // -1 wraps, as NumPy (with warnings
    suppressed) - and no SIGFPE."""
    p = run_script(nc, INT_DIV_SCRIPT)
    assert p.returncode == 0, f"subprocess died (rc={p.returncode}):\n{p.stderr[-3000:]}"
    bad = json.loads(p.stdout.strip().splitlines()[-1])
    assert not bad, "\n".join(bad[:30])


FUZZ_SCRIPT = r"""
import faulthandler, os, sys, tempfile, warnings
faulthandler.enable()                               # a crash prints the Python stack
faulthandler.dump_traceback_later(200, exit=True)   # never outlive a hung call
import numpy as np
import numc as nc
warnings.simplefilter("ignore")
progress = sys.argv[1] if len(sys.argv) > 1 else None
pfd = os.open(progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if progress else None


def note(text):
    if pfd is not None:
        b = text.encode("utf-8", "replace")[:400].ljust(400)
        os.pwrite(pfd, b, 0)


os.chdir(tempfile.mkdtemp())
A = nc.ones((2, 3)); V = nc.asarray(np.arange(6.0)); Z = nc.zeros(()); E = nc.zeros((0,))
I = nc.asarray(np.arange(6, dtype="int8").reshape(2, 3)); H = nc.ones(3, dtype="bfloat16")
C = nc.ones(3, dtype="complex64"); Bo = nc.ones((3, 1), dtype="bool")
ARGS = [(), (None,), ("abc",), (object(),), ([[1, 2], [3]],), (A,), (Z,), (E,), (I,), (H,),
        (C,), (Bo,), (A.T,), (A, None), (A, "x"), (A, A), (A, V), (I, A), (A, 2**70),
        (A, -2**70), (A, -100), (A, 100), (A, 1.5), (A, (0, 0)), (A, (5,)), (A, [0, 5]),
        (A, A, A), (A, A, A, A, A), (E, E), (Z, Z), (Z, E), (-1,), (2**62,), (2**70,),
        ((2**31, 2**31),), ((2**62, 4),), (-5, 3), (3, -5), (float("nan"),),
        (float("inf"),), ([],), ((),), ([A, V],), ([A, I],), ([], 0), (H, C), (Bo, I),
        (1, 2, 3), (np.ones((2, 2), dtype=np.float16),), (np.array(["a"]),)]
KWARGS = [{"axis": 99}, {"axis": -99}, {"dtype": "foo"}, {"dtype": object},
          {"keepdims": "x"}, {"axis": (0, 0)}, {"bogus": 1}, {"axis": None}, {"dtype": None}]
names = sorted(n for n in dir(nc) if not n.startswith("_"))
count = 0
for name in names:
    f = getattr(nc, name)
    if not callable(f) or str(getattr(f, "__module__", "")).startswith(("numpy", "ml_dtypes")):
        continue  # foreign objects (NumPy, ml_dtypes) are not numc's to test
    calls = [(a, {}) for a in ARGS] + [((A,), k) for k in KWARGS] + [((E,), k) for k in KWARGS[:2]]
    for args, kw in calls:
        note(f"{name}{args!r:.200}{kw}")
        try:
            r = f(*args, **kw)
            if hasattr(r, "shape"):
                repr(r); np.asarray(r) if getattr(r, "size", 0) < 10**6 else None
        except (Exception, SystemExit):
            pass
        count += 1
# methods of ndarray too
for name in sorted(n for n in dir(A) if not n.startswith("__")):
    f = getattr(A, name)
    if not callable(f):
        continue
    for args, kw in [(a, {}) for a in ARGS if len(a) <= 2] + [((), k) for k in KWARGS]:
        note(f"ndarray.{name}{args!r:.200}{kw}")
        try:
            f(*args, **kw)
        except (Exception, SystemExit):
            pass
        count += 1
print("calls", count)
"""


def test_fuzz_public_functions_no_crash(nc, tmp_path):
    """Every public numc callable and ndarray method, called with odd arguments,
    raises Python exceptions or returns - never crashes or hangs."""
    progress = tmp_path / "progress.txt"
    script = FUZZ_SCRIPT.replace("progress = sys.argv[1] if len(sys.argv) > 1 else None",
                                 f"progress = {str(progress)!r}")
    try:
        p = run_script(nc, script, timeout=240)
    except subprocess.TimeoutExpired:
        last = progress.read_text().strip() if progress.exists() else "?"
        pytest.fail(f"fuzzer hung; last call: {last}")
    last = progress.read_text().strip() if progress.exists() else "?"
    assert p.returncode == 0, \
        f"subprocess died (rc={p.returncode}) during {last}:\n{p.stderr[-3000:]}"
