"""Transform benchmarks (`make bench`): an MLP training step eager vs
numc.function (and NumPy with hand-written gradients), the overhead of grad
over the forward pass, trace time, and per-example gradients of a small MLP
over 128 examples with vmap vs a Python loop. Prints times and ratios; never
asserts on them (shared machines are noisy)."""
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples", "python"))
import numc as np  # noqa: E402
import mlp  # noqa: E402


def best(fn, reps=20):
    fn()
    t_best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main():
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=(128, 64)).astype(numpy.float32)
    onehot = numpy.eye(10, dtype=numpy.float32)[rng.integers(0, 10, 128)]
    p_np = mlp.init_params(rng, 64)
    p_nc = [np.asarray(p) for p in p_np]
    xn, yn = np.asarray(x), np.asarray(onehot)

    t_numpy = best(lambda: mlp.numpy_step(p_np, x, onehot))
    t_eager = best(lambda: float(mlp.sgd_step(p_nc, xn, yn)[1]))
    t_func = best(lambda: float(mlp.compiled_step(p_nc, xn, yn)[1]))
    print("MLP training step (batch 128, 64-64-10, float32)")
    print(f"  NumPy hand-written gradients {t_numpy * 1e6:8.1f} us")
    print(f"  numc eager                   {t_eager * 1e6:8.1f} us  ({t_eager / t_numpy:.2f}x NumPy)")
    print(f"  numc.function                {t_func * 1e6:8.1f} us  ({t_func / t_numpy:.2f}x NumPy, "
          f"{t_func / t_eager:.2f}x eager)")

    fwd = lambda: float(mlp.loss_fn(p_nc, xn, yn))  # noqa: E731
    vg = np.value_and_grad(mlp.loss_fn)
    t_fwd, t_vg = best(fwd), best(lambda: float(vg(p_nc, xn, yn)[0]))
    print(f"grad overhead: forward {t_fwd * 1e6:.1f} us, value_and_grad {t_vg * 1e6:.1f} us "
          f"({t_vg / t_fwd:.2f}x the forward pass)")

    def trace_once():
        f = np.function(lambda p, a, b: mlp.sgd_step(p, a, b))  # a new function: no cache
        f(p_nc, xn, yn)

    t_trace = best(trace_once, reps=5)
    print(f"trace + optimise + first run of the MLP step: {t_trace * 1e3:.2f} ms")

    def example_loss(params, xi, yi):
        return mlp.loss_fn(params, xi[None, :], yi[None, :])

    g = np.grad(example_loss)
    per_example = np.vmap(g, in_axes=(None, 0, 0))
    # eager results are complete when returned: no reduction needed to wait
    t_vmap = best(lambda: per_example(p_nc, xn, yn), reps=10)
    t_loop = best(lambda: [g(p_nc, xn[i], yn[i]) for i in range(128)], reps=5)
    print(f"per-example gradients, 128 examples, 64-64-10 MLP: vmap {t_vmap * 1e3:.2f} ms, "
          f"Python loop {t_loop * 1e3:.2f} ms ({t_loop / t_vmap:.1f}x faster with vmap)")

    small = [np.asarray(rng.normal(size=s).astype(numpy.float32) * 0.3)
             for s in [(16, 16), (16,), (16, 10), (10,)]]
    xs = np.asarray(rng.normal(size=(128, 16)).astype(numpy.float32))
    t_vmap = best(lambda: per_example(small, xs, yn), reps=10)
    t_loop = best(lambda: [g(small, xs[i], yn[i]) for i in range(128)], reps=5)
    print(f"per-example gradients, 128 examples, 16-16-10 MLP: vmap {t_vmap * 1e3:.2f} ms, "
          f"Python loop {t_loop * 1e3:.2f} ms ({t_loop / t_vmap:.1f}x faster with vmap)")


if __name__ == "__main__":
    main()
