"""Libraries that take array-likes, fed numc arrays (issue 10): pandas,
matplotlib, Dask (threaded and a two-process LocalCluster) and
array-api-compat. Each test skips when its library is not installed
(requirements-consumers.txt lists them). NumPy is the oracle."""
import numpy as np
import pytest

import numc


def rng_array(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- pandas ----

def test_pandas_dataframe_and_series():
    pd = pytest.importorskip("pandas")
    x = rng_array((5, 3))
    df = pd.DataFrame(numc.asarray(x), columns=["a", "b", "c"])
    assert df.shape == (5, 3) and all(df.dtypes == np.float64)
    np.testing.assert_array_equal(df.to_numpy(), x)
    s = pd.Series(numc.asarray(x[:, 0]))
    np.testing.assert_array_equal(s.to_numpy(), x[:, 0])
    i = pd.Series(numc.arange(4, dtype=numc.int32))
    assert i.dtype == np.int32 and i.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(df.mean().to_numpy(), x.mean(axis=0))


# ---- matplotlib (Agg): the figure drawn from numc arrays is the NumPy one ----

def render(draw, *arrays):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    draw(ax, *arrays)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    return pixels


@pytest.mark.parametrize("draw,make", [
    (lambda ax, x, y: ax.plot(x, y), lambda: (np.linspace(0, 1, 20), np.sin(np.arange(20.0)))),
    (lambda ax, z: ax.imshow(z), lambda: (rng_array((8, 6)),)),
    (lambda ax, v: ax.hist(v, bins=7), lambda: (rng_array(200),)),
], ids=["plot", "imshow", "hist"])
def test_matplotlib_renders_numc_like_numpy(draw, make):
    arrays = make()
    want = render(draw, *arrays)
    got = render(draw, *[numc.asarray(a) for a in arrays])
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


# ---- Dask: numc chunks ----

def dask_example(da):
    x = rng_array((6, 8), seed=1)
    dx = da.from_array(numc.asarray(x), chunks=(3, 4), asarray=False)
    return x, dx


def check_dask(da, compute):
    x, dx = dask_example(da)
    got = compute(dx.map_blocks(lambda b: b * 2 + 1))
    assert isinstance(got, numc.ndarray)
    np.testing.assert_allclose(np.asarray(got), x * 2 + 1)
    total = compute(dx.sum(axis=0))
    assert isinstance(total, numc.ndarray)
    np.testing.assert_allclose(np.asarray(total), x.sum(axis=0))
    np.testing.assert_allclose(float(compute(dx.mean())), x.mean())
    prod = compute(dx @ dx.T)
    assert isinstance(prod, numc.ndarray)
    np.testing.assert_allclose(np.asarray(prod), x @ x.T, rtol=1e-12)


def test_dask_threaded():
    da = pytest.importorskip("dask.array")
    check_dask(da, lambda d: d.compute(scheduler="threads"))


def test_dask_distributed_two_processes():
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        check_dask(da, lambda d: client.compute(d).result())


# ---- array-api-compat ----

def test_array_api_compat_namespace():
    compat = pytest.importorskip("array_api_compat")
    x = numc.asarray([1.0, 2.0])
    assert compat.array_namespace(x) is numc
    assert compat.array_namespace(x, numc.zeros(3)) is numc
