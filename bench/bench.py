#!/usr/bin/env python3
"""numc benchmarks: time ratios against NumPy (and JAX, TensorFlow-NumPy,
PyTorch when importable). `make bench`. Never part of pass/fail.

Small ops (per-call overhead) on 1-, 8- and 100-element float64 and float32
arrays, and large kernels on 1e7 float32 elements and a 1024x1024 float32
matmul. Each time is the minimum over repeats of timeit's per-call average.
Then the thread-budget table (float32 matmul 64...1024, numc and NumPy
alternating in one process) and the asarray sweep (1e3...1e7 elements
against NumPy's own copy).

Usage: bench.py [--quick] [--only SUBSTRING]
"""
import argparse
import os
import platform
import sys
import timeit

import numpy as np

SMALL_SIZES = (1, 8, 100)
SMALL_DTYPES = ("float64", "float32")
LIST8 = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]


# ---------------------------------------------------------------------------
# libraries: each adapter turns a NumPy array into its own array and says how
# to wait for a result (JAX dispatches asynchronously).


class Lib:
    def __init__(self, name, xp, conv, sync=lambda r: r, dtype=lambda d: d,
                 asarray=None, matmul=None):
        self.name, self.xp, self.conv, self.sync, self.dtype = name, xp, conv, sync, dtype
        self.asarray = asarray or (lambda lst, dt: xp.asarray(lst, dtype=self.dtype(dt)))
        self.matmul = matmul or (lambda a, b: xp.matmul(a, b))


def load_libs():
    import numc
    libs = [Lib("numpy", np, lambda x: x), Lib("numc", numc, numc.asarray)]
    notes = []
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        libs.append(Lib("jax", jnp, jnp.asarray, sync=lambda r: r.block_until_ready()))
    except Exception as e:  # noqa: BLE001
        notes.append(f"jax: not available ({type(e).__name__})")
    try:
        import tensorflow.experimental.numpy as tnp
        tnp.experimental_enable_numpy_behavior()
        libs.append(Lib("tf-numpy", tnp, tnp.asarray))
    except Exception as e:  # noqa: BLE001
        notes.append(f"tensorflow: not available ({type(e).__name__})")
    try:
        import torch
        libs.append(Lib("torch", torch, torch.from_numpy, dtype=lambda d: getattr(torch, d),
                        asarray=lambda lst, dt: torch.tensor(lst, dtype=getattr(torch, dt)),
                        matmul=torch.matmul))
    except Exception as e:  # noqa: BLE001
        notes.append(f"torch: not available ({type(e).__name__})")
    return libs, notes


# ---------------------------------------------------------------------------
# the cases: name -> make(lib, inputs) returning a zero-argument callable


def small_cases(n, dt):
    rng = np.random.default_rng(0)
    a = (rng.random(n) + 0.5).astype(dt)
    b = (rng.random(n) + 0.5).astype(dt)
    i = 1 if n > 1 else 0
    cases = [
        ("a + b", lambda L, A, B: (lambda: A + B)),
        ("a * 2.0", lambda L, A, B: (lambda: A * 2.0)),
        ("sin(a)", lambda L, A, B: (lambda: L.xp.sin(A))),
        ("a.sum()", lambda L, A, B: (lambda: A.sum())),
        (f"a[{i}]", lambda L, A, B: (lambda: A[i])),
    ]
    return [(f"{name:<10s} n={n:<4d}{dt}", make, (a, b)) for name, make in cases]


def large_cases(quick):
    n = 10**6 if quick else 10**7
    rng = np.random.default_rng(1)
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    m = 512 if quick else 1024
    x = rng.random((m, m), dtype=np.float32)
    y = rng.random((m, m), dtype=np.float32)
    tag = "1e6" if quick else "1e7"
    return [
        (f"add        {tag} float32", lambda L, A, B: (lambda: L.xp.add(A, B)), (a, b)),
        (f"exp        {tag} float32", lambda L, A, B: (lambda: L.xp.exp(A)), (a, b)),
        (f"sum        {tag} float32", lambda L, A, B: (lambda: L.xp.sum(A)), (a, b)),
    ]


MATMUL_SNIPPET = """
import sys, timeit, numpy as np
m = int(sys.argv[1])
rng = np.random.default_rng(1)
x = rng.random((m, m), dtype=np.float32)
y = rng.random((m, m), dtype=np.float32)
if sys.argv[2] == 'numc':
    import numc as xp
    x, y = xp.asarray(x), xp.asarray(y)
else:
    xp = np
xp.matmul(x, y)
print(min(timeit.repeat(lambda: xp.matmul(x, y), number=3, repeat=7)) / 3)
"""


def isolated_matmul(m, lib):
    """matmul timed in its own process: two OpenBLAS builds in one process keep
    each other's idle threads spinning and distort both timings."""
    import subprocess
    r = subprocess.run([sys.executable, "-c", MATMUL_SNIPPET, str(m), lib],
                       capture_output=True, text=True, timeout=600)
    return float(r.stdout.strip()) if r.returncode == 0 else None


def time_calls(calls, quick, large):
    """Per-call seconds for each {lib: thunk}: the libraries are measured in
    interleaved rounds (so background load hits them alike), min per library."""
    timers, numbers = {}, {}
    for name, call in calls.items():
        call()  # warm up (and fail early)
        t = timeit.Timer(call)
        timers[name] = t
        if large:
            numbers[name] = 1
        else:
            n, _ = t.autorange()        # enough calls for >= 0.2 s
            numbers[name] = max(1, n // (8 if quick else 2))
    rounds = (3 if quick else 7) if large else (3 if quick else 9)
    best = {name: float("inf") for name in calls}
    for _ in range(rounds):
        for name, t in timers.items():
            best[name] = min(best[name], t.timeit(numbers[name]) / numbers[name])
    return best


def matmul_alternating(quick):
    """One thread budget: numc and NumPy matmuls (float32) alternate call by
    call in this one process, so each runs right after the other library
    (and its BLAS threads) did. Median per-call time of each."""
    import time
    import numc
    rng = np.random.default_rng(2)
    sizes = (64, 128, 256, 512) if quick else (64, 128, 256, 512, 1024)
    shapes = [((256, 64), (64, 128))] + [((m, m), (m, m)) for m in sizes]
    print()
    print("matmul float32, numc and NumPy alternating in one process (median per call; "
          f"numc pool {numc.num_threads()} threads)")
    head = f"{'shapes':<26s}{'numpy':>11s}{'numc':>11s}{'ratio':>8s}"
    print(head)
    print("-" * len(head))
    pc = time.perf_counter
    for sa, sb in shapes:
        x = rng.random(sa, dtype=np.float32)
        y = rng.random(sb, dtype=np.float32)
        cx, cy = numc.asarray(x), numc.asarray(y)
        np.matmul(x, y)
        numc.matmul(cx, cy)
        work = sa[0] * sa[1] * sb[1]
        reps = int(min(300, max(5, 2e9 / work / (40 if quick else 10))))
        tn, tc = [], []
        for _ in range(reps):
            t0 = pc()
            np.matmul(x, y)
            t1 = pc()
            numc.matmul(cx, cy)
            t2 = pc()
            tn.append(t1 - t0)
            tc.append(t2 - t1)
        mn, mc = sorted(tn)[reps // 2], sorted(tc)[reps // 2]
        name = f"{sa[0]}x{sa[1]} @ {sb[0]}x{sb[1]}"
        print(f"{name:<26s}{fmt_time(mn):>11s}{fmt_time(mc):>11s}{mc / mn:7.2f}x", flush=True)


def asarray_sweep(quick):
    """numc.asarray of a NumPy array (and of array.array / memoryview) against
    NumPy's own copy; speed = numpy .copy() time / numc time (>= 0.9 wanted)."""
    import array
    import numc
    sizes = (10**3, 10**4, 10**5, 10**6) if quick else (10**3, 10**4, 10**5, 10**6, 10**7)
    print()
    print("asarray float32: numc.asarray(x) against x.copy() (speed = copy time / numc time)")
    head = (f"{'elements':<10s}{'x.copy()':>11s}{'ndarray':>11s}{'speed':>7s}"
            f"{'array.array':>13s}{'speed':>7s}{'memoryview':>12s}{'speed':>7s}")
    print(head)
    print("-" * len(head))
    rng = np.random.default_rng(3)
    for n in sizes:
        x = rng.random(n, dtype=np.float32)
        aa = array.array("f", x.tobytes())
        mv = memoryview(x)
        calls = {"copy": x.copy, "nd": lambda: numc.asarray(x),
                 "aa": lambda: numc.asarray(aa), "mv": lambda: numc.asarray(mv)}
        t = time_calls(calls, quick, n >= 10**6)
        row = f"{n:<10d}{fmt_time(t['copy']):>11s}"
        for k, w in (("nd", 11), ("aa", 13), ("mv", 12)):
            row += f"{fmt_time(t[k]):>{w}s}{t['copy'] / t[k]:6.2f}x"
        print(row, flush=True)


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller large cases")
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    args = ap.parse_args()

    libs, notes = load_libs()
    import numc
    print("numc benchmark: time per call (min over repeats), ratio = lib / NumPy (lower is "
          "better)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numc "
          f"{getattr(numc, '__version__', '?')}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} (may be set "
          "on this machine; it pins OpenBLAS kernels for NumPy and numc alike), "
          f"OMP/OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    for n in notes:
        print("  " + n)
    others = [L for L in libs if L.name != "numpy"]
    head = f"{'case':<34s}{'numpy':>11s}" + "".join(f"{L.name:>11s}{'ratio':>7s}" for L in others)
    print(head)
    print("-" * len(head))

    cases = []
    for dt in SMALL_DTYPES:
        for n in SMALL_SIZES:
            cases += small_cases(n, dt)
        cases.append((f"asarray(list_of_8) {dt}",
                      lambda L, A, B, dt=dt: (lambda: L.asarray(LIST8, dt)), (None, None)))
    large = large_cases(args.quick)
    for name, make, inputs in cases + large:
        if args.only and args.only not in name:
            continue
        is_large = any(name is c[0] for c in large)
        calls = {}
        for L in libs:
            try:
                A, B = (None if x is None else L.conv(x) for x in inputs)
                fn = make(L, A, B)
                calls[L.name] = (lambda fn=fn, sync=L.sync: sync(fn()))
                calls[L.name]()
            except Exception as e:  # noqa: BLE001
                calls.pop(L.name, None)
                if L.name == "numc":
                    print(f"  (numc failed on {name.strip()}: {type(e).__name__}: {e})")
        times = time_calls(calls, args.quick, is_large)
        base = times.get("numpy")
        row = f"{name:<34s}{fmt_time(base):>11s}"
        for L in others:
            t = times.get(L.name)
            ratio = f"{t / base:6.2f}x" if t and base else "     -"
            row += f"{fmt_time(t):>11s}{ratio:>7s}"
        print(row, flush=True)
    m = 512 if args.quick else 1024
    name = f"matmul     {m}x{m} float32"
    if not args.only or args.only in name:
        base, t = isolated_matmul(m, "numpy"), isolated_matmul(m, "numc")
        ratio = f"{t / base:6.2f}x" if t and base else "     -"
        print(f"{name:<34s}{fmt_time(base):>11s}{fmt_time(t):>11s}{ratio:>7s}"
              "  (each in its own process)", flush=True)
    if not args.only or args.only in "matmul-alternating":
        matmul_alternating(args.quick)
    if not args.only or args.only in "asarray-sweep":
        asarray_sweep(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
