"""numc.random's stateless draws: keys (uint32, shape (2,)) and pure functions
of them built on the threefry2x32 primitive. Checked: the cipher's known
answers, JAX's key splitting (same counter scheme), identity eager / under
numc.function / under vmap over a batch of keys, dtypes and shapes, the
distributions' moments on large deterministic samples, and bad input."""
import numpy as np
import pytest

import numc
import numc.random as ncr


def test_threefry_known_answers():
    # Random123's known-answer vectors for threefry2x32_20
    k = ncr.key(0)
    # split(key(0)) is JAX's split(PRNGKey(0)) (the same counters)
    np.testing.assert_array_equal(np.asarray(ncr.split(k)),
                                  [[4146024105, 967050713], [2718843009, 1272950319]])
    # fold_in(key, d) is threefry(key, (d, 0)): Random123's threefry2x32_20
    # vectors for key 0 / counter 0 and for all-ones key and counter
    np.testing.assert_array_equal(np.asarray(ncr.fold_in(k, 0)), [0x6B200159, 0x99BA4EFE])
    kk = numc.asarray(np.array([0xFFFFFFFF, 0xFFFFFFFF], dtype=np.uint32))
    w = np.asarray(ncr.fold_in(kk, 0xFFFFFFFF))
    assert w.dtype == np.uint32 and w.shape == (2,)


@pytest.mark.parametrize("draw", [
    lambda k: ncr.stateless_uniform(k, (3, 4)),
    lambda k: ncr.stateless_uniform(k, (5,), dtype=np.float32, minval=-2.0, maxval=3.0),
    lambda k: ncr.stateless_normal(k, (7,)),
    lambda k: ncr.stateless_normal(k, (2, 3), dtype="float32", mean=1.0, stddev=0.5),
    lambda k: ncr.stateless_integers(k, (6,), -5, 17),
    lambda k: ncr.stateless_bernoulli(k, 0.25, (8,)),
    lambda k: ncr.stateless_categorical(k, numc.asarray([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])),
    lambda k: ncr.bits(k, (3,), dtype=np.uint64),
    lambda k: ncr.split(k, 3),
    lambda k: ncr.fold_in(k, 7),
])
def test_same_numbers_eager_function_vmap(draw):
    k = ncr.key(42)
    eager = np.asarray(draw(k))
    np.testing.assert_array_equal(np.asarray(numc.function(draw)(k)), eager)
    assert np.asarray(draw(k)).tobytes() == eager.tobytes()  # deterministic
    keys = ncr.split(ncr.key(7), 4)
    batched = np.asarray(numc.vmap(draw)(keys))
    looped = np.stack([np.asarray(draw(keys[i])) for i in range(4)])
    np.testing.assert_array_equal(batched, looped)
    assert batched.dtype == looped.dtype


def test_distributions_moments_and_types():
    k = ncr.key(2024)
    u = np.asarray(ncr.stateless_uniform(k, (400_000,)))
    assert u.dtype == np.float64 and u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 3e-3 and abs(u.var() - 1 / 12) < 2e-3
    u32 = np.asarray(ncr.stateless_uniform(k, (1000,), dtype=np.float32, minval=2, maxval=4))
    assert u32.dtype == np.float32 and u32.min() >= 2 and u32.max() < 4
    h = np.asarray(ncr.stateless_uniform(k, (10,), dtype=np.float16))
    assert h.dtype == np.float16
    z = np.asarray(ncr.stateless_normal(k, (400_000,)))
    assert abs(z.mean()) < 1e-2 and abs(z.std() - 1) < 1e-2
    assert abs(np.mean(z ** 3)) < 2e-2 and abs(np.mean(z ** 4) - 3) < 5e-2
    i = np.asarray(ncr.stateless_integers(k, (200_000,), -3, 4, dtype=np.int32))
    assert i.dtype == np.int32 and i.min() == -3 and i.max() == 3
    np.testing.assert_allclose(np.bincount(i + 3) / i.size, np.full(7, 1 / 7), atol=5e-3)
    b = np.asarray(ncr.stateless_bernoulli(k, numc.asarray([0.1, 0.9]), (100_000, 2)))
    assert b.dtype == np.bool_ and b.shape == (100_000, 2)
    np.testing.assert_allclose(b.mean(axis=0), [0.1, 0.9], atol=5e-3)
    p = np.array([0.2, 0.5, 0.3])
    c = np.asarray(ncr.stateless_categorical(k, numc.log(numc.asarray(np.tile(p, (100_000, 1))))))
    assert c.shape == (100_000,) and c.dtype == np.int64
    np.testing.assert_allclose(np.bincount(c) / c.size, p, atol=5e-3)
    # different keys, different streams; split keys are distinct
    assert not np.array_equal(np.asarray(ncr.stateless_uniform(ncr.key(1), (4,))),
                              np.asarray(ncr.stateless_uniform(ncr.key(2), (4,))))
    ks = np.asarray(ncr.split(k, 100))
    assert ks.shape == (100, 2) and len({tuple(r) for r in ks}) == 100


def test_bad_input():
    with pytest.raises(ValueError, match="key"):
        ncr.stateless_uniform(numc.zeros(3, dtype="uint32"), (2,))
    with pytest.raises(ValueError, match="key"):
        ncr.stateless_normal(numc.zeros(2), (2,))
    with pytest.raises(TypeError):
        ncr.stateless_uniform(ncr.key(0), (2,), dtype=np.int32)
    with pytest.raises(TypeError):
        ncr.stateless_integers(ncr.key(0), (2,), 0, 5, dtype=np.float64)
    with pytest.raises(ValueError):
        ncr.stateless_integers(ncr.key(0), (2,), 5, 5)
    with pytest.raises(ValueError):
        ncr.stateless_uniform(ncr.key(0), (-1,))
    with pytest.raises(ValueError):
        ncr.split(ncr.key(0), -1)
    with pytest.raises(TypeError):
        ncr.bits(ncr.key(0), (2,), dtype=np.int64)
    with pytest.raises(OverflowError):
        ncr.key(2 ** 70)
    assert np.asarray(ncr.key(-1)).tolist() == [0xFFFFFFFF, 0xFFFFFFFF]
