"""numc demo: a NumPy-style program with `import numc as np`.

1. a numerically stable softmax over the rows of a matrix
2. a least-squares line fit through the normal equations (X^T X) w = X^T y
3. a timing line against NumPy

Run: PYTHONPATH=python .venv/bin/python examples/python/demo.py  (or `make demo`)
"""
import time

import numpy
import numc as np


def softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def fit_line(x, y):
    """Least squares y ~ w0 + w1 * x via the 2x2 normal equations."""
    X = np.stack([np.ones_like(x), x], axis=1)          # (n, 2) design matrix
    A = np.matmul(X.T, X)                                 # X^T X, 2x2
    b = X.T @ y                                           # X^T y
    a00, a01, a10, a11 = float(A[0, 0]), float(A[0, 1]), float(A[1, 0]), float(A[1, 1])
    det = a00 * a11 - a01 * a10
    w0 = (a11 * float(b[0]) - a01 * float(b[1])) / det
    w1 = (a00 * float(b[1]) - a10 * float(b[0])) / det
    residual = y - (w0 + w1 * x)
    return w0, w1, float(np.sqrt(np.mean(residual * residual)))


def main():
    logits = np.asarray([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0], [-5.0, 0.0, 5.0]])
    p = softmax(logits)
    print("softmax rows:")
    print(p)
    print("row sums:", np.sum(p, axis=1))

    # y = 3 + 2x plus deterministic "noise"
    x = np.linspace(0.0, 10.0, 101)
    noise = 0.1 * np.sin(37.0 * x)
    y = 3.0 + 2.0 * x + noise
    w0, w1, rms = fit_line(x, y)
    print(f"fit: y = {w0:.4f} + {w1:.4f} x   (rms residual {rms:.4f})")
    ref = numpy.polyfit(numpy.asarray(x), numpy.asarray(y), 1)
    print(f"NumPy polyfit: y = {ref[1]:.4f} + {ref[0]:.4f} x")

    big = numpy.random.default_rng(0).standard_normal((500, 500))
    nb = np.asarray(big)

    def numpy_softmax(x):
        z = x - x.max(axis=-1, keepdims=True)
        e = numpy.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def best_of(f, x, reps=10):
        f(x)  # warm up
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            f(x)
            best = min(best, time.perf_counter() - t0)
        return best

    t_numc = best_of(softmax, nb)
    t_np = best_of(numpy_softmax, big)
    print(f"softmax 500x500 float64: numc {t_numc * 1e3:.2f} ms, NumPy {t_np * 1e3:.2f} ms "
          f"(ratio {t_numc / t_np:.2f})")


if __name__ == "__main__":
    main()
