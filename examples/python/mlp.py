"""Trains a small MLP classifier with numc: value_and_grad inside
numc.function, plain SGD. Uses scikit-learn's bundled handwritten digits when
scikit-learn is installed, generated 10-class data otherwise. Prints a
progress bar with the loss, the test accuracy, and the time per training step
for NumPy with hand-written gradients, numc eager and numc.function.

Run: PYTHONPATH=python .venv/bin/python examples/python/mlp.py  (or `make demo`)
"""
import sys
import time

import numpy
import numc as np

HIDDEN, CLASSES, LR, EPOCHS, BATCH = 64, 10, 0.1, 30, 128


def load_data(rng):
    try:
        from sklearn.datasets import load_digits

        d = load_digits()
        x, y, source = d.data / 16.0, d.target, "scikit-learn digits"
    except ImportError:
        centers = rng.normal(size=(CLASSES, 64))
        y = rng.integers(0, CLASSES, size=1800)
        x = centers[y] + 2.0 * rng.normal(size=(1800, 64))
        source = "generated data (scikit-learn not installed)"
    order = rng.permutation(len(y))
    x, y = x[order].astype(numpy.float32), y[order]
    n_test = len(y) // 5
    return x[n_test:], y[n_test:], x[:n_test], y[:n_test], source


def init_params(rng, n_in):
    w1 = (rng.normal(size=(n_in, HIDDEN)) / numpy.sqrt(n_in)).astype(numpy.float32)
    w2 = (rng.normal(size=(HIDDEN, CLASSES)) / numpy.sqrt(HIDDEN)).astype(numpy.float32)
    return [w1, numpy.zeros(HIDDEN, numpy.float32), w2, numpy.zeros(CLASSES, numpy.float32)]


def loss_fn(params, x, onehot):
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True)) + m
    return -np.mean(np.sum(onehot * (logits - lse), axis=1))


def sgd_step(params, x, onehot):
    loss, grads = np.value_and_grad(loss_fn)(params, x, onehot)
    return [p - LR * g for p, g in zip(params, grads)], loss


compiled_step = np.function(sgd_step)


def numpy_step(params, x, onehot):
    """The same step in NumPy with the gradients written by hand."""
    w1, b1, w2, b2 = params
    h = numpy.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    z = logits - logits.max(axis=1, keepdims=True)
    p = numpy.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -numpy.mean(numpy.sum(onehot * numpy.log(p), axis=1))
    d_logits = (p - onehot) / x.shape[0]
    d_h = (d_logits @ w2.T) * (1 - h * h)
    grads = [x.T @ d_h, d_h.sum(0), h.T @ d_logits, d_logits.sum(0)]
    return [q - LR * g for q, g in zip(params, grads)], loss


def time_step(step, params, x, onehot, reps=30):
    params, _ = step(params, x, onehot)  # warm up (traces once for numc.function)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        params, loss = step(params, x, onehot)
        float(loss)  # wait for the value
        best = min(best, time.perf_counter() - t)
    return best


def main():
    rng = numpy.random.default_rng(0)
    xtr, ytr, xte, yte, source = load_data(rng)
    eye = numpy.eye(CLASSES, dtype=numpy.float32)
    print(f"data: {source}; {len(ytr)} train / {len(yte)} test examples, {xtr.shape[1]} features")
    params = [np.asarray(p) for p in init_params(rng, xtr.shape[1])]
    batches = [(np.asarray(xtr[i:i + BATCH]), np.asarray(eye[ytr[i:i + BATCH]]))
               for i in range(0, len(ytr) - BATCH + 1, BATCH)]
    for epoch in range(EPOCHS):
        total = 0.0
        for xb, yb in batches:
            params, loss = compiled_step(params, xb, yb)
            total += float(loss)
        done = (epoch + 1) * 30 // EPOCHS
        bar = "#" * done + "." * (30 - done)
        sys.stdout.write(f"\rtraining [{bar}] epoch {epoch + 1:2d}/{EPOCHS} "
                         f"loss {total / len(batches):.4f}")
        sys.stdout.flush()
    print()
    w1, b1, w2, b2 = params
    pred = np.argmax(np.tanh(np.asarray(xte) @ w1 + b1) @ w2 + b2, axis=1)
    acc = float(np.mean(pred == np.asarray(yte)))
    print(f"test accuracy: {acc:.3f}  (numc.function traced {compiled_step.trace_count} time(s))")

    xb, yb = xtr[:BATCH], eye[ytr[:BATCH]]
    p_np = init_params(numpy.random.default_rng(1), xtr.shape[1])
    p_nc = [np.asarray(p) for p in p_np]
    t_np = time_step(numpy_step, p_np, xb, yb)
    t_eager = time_step(sgd_step, p_nc, np.asarray(xb), np.asarray(yb))
    t_fn = time_step(compiled_step, p_nc, np.asarray(xb), np.asarray(yb))
    print(f"time per step (batch {BATCH}, 64-{HIDDEN}-{CLASSES} MLP): "
          f"NumPy hand-written {t_np * 1e6:.0f} us | numc eager {t_eager * 1e6:.0f} us | "
          f"numc.function {t_fn * 1e6:.0f} us")
    if acc < 0.8:
        sys.exit(f"test accuracy {acc:.3f} is too low: training is broken")


if __name__ == "__main__":
    main()
