"""Offline datasets of chaoslab.learning.data: shapes, exact closed forms, determinism, errors."""

import numpy as np
import pytest

from chaoslab.learning import data as D


# ------------------------------------------------------------------------------------ Dataset


def test_dataset_container():
    ds = D.Dataset(x=np.zeros((3, 2)), y=np.array([0, 2, 1]), kind="classification")
    assert len(ds) == 3 and ds.n_classes == 3 and ds.out_size == 3
    assert ds.x.dtype == np.float64 and ds.y.dtype == np.int64
    with pytest.raises(ValueError):  # read-only arrays
        ds.x[0, 0] = 1.0
    with pytest.raises(AttributeError):  # frozen
        ds.kind = "regression"
    reg = D.Dataset(x=np.zeros((4, 1)), y=np.ones((4, 2)), kind="regression", name="r")
    assert reg.out_size == 2 and reg.n_classes is None and "r" in repr(reg)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.zeros((3, 1)), y=np.zeros((3, 1)), kind="ranking"), "kind must be one of"),
    (dict(x=np.zeros((3, 1)), y=np.zeros((2, 1)), kind="regression"), "same number of samples"),
    (dict(x=np.zeros((3, 1)), y=np.zeros(3), kind="regression"), "2-D"),
    (dict(x=np.zeros((3, 1)), y=np.array([0, 1, 5]), kind="classification", n_classes=3), r"\[0, n_classes"),
    (dict(x=np.zeros((3, 1)), y=np.array([0.5, 1, 2]), kind="classification"), "integers"),
    (dict(x=np.zeros((3, 1)), y=np.zeros((3, 1)), kind="regression", n_classes=2), "classification only"),
])
def test_dataset_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.Dataset(**kwargs)


# ------------------------------------------------------------------------------------- digits


def test_digits_full():
    ds = D.digits()
    assert ds.x.shape == (1797, 64) and ds.y.shape == (1797,)
    assert ds.x.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.kind == "classification" and ds.n_classes == 10
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    np.testing.assert_array_equal(ds.x * 16, np.round(ds.x * 16))  # pixels k/16, k = 0..16
    np.testing.assert_array_equal(np.unique(ds.y), np.arange(10))
    assert np.all(np.bincount(ds.y) > 170)  # ~180 images per digit


def test_digits_subsample_is_seeded_subset():
    full = D.digits()
    a, b, c = D.digits(100, seed=3), D.digits(100, seed=3), D.digits(100, seed=4)
    assert len(a) == 100
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    rows = {r.tobytes(): lab for r, lab in zip(full.x, full.y)}  # every sampled row is an original
    assert all(r.tobytes() in rows for r in a.x)
    dup = {r.tobytes() for r in full.x}
    if len(dup) == len(full.x):  # rows unique: labels must match too
        assert all(rows[r.tobytes()] == lab for r, lab in zip(a.x, a.y))
    assert len(D.digits(1797)) == 1797


@pytest.mark.parametrize("n", [0, 1798, 2.5, True])
def test_digits_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must be"):
        D.digits(n)


# ---------------------------------------------------------------------------------- chebyshev


def test_chebyshev_matches_cohen_definition():
    ds = D.chebyshev()  # 20 evenly spaced points on [-1, 1], T_4
    assert ds.x.shape == (20, 1) and ds.y.shape == (20, 1) and ds.kind == "regression"
    x = ds.x[:, 0]
    np.testing.assert_array_equal(x, np.linspace(-1, 1, 20))
    np.testing.assert_allclose(np.diff(x), 2 / 19, rtol=1e-13)
    np.testing.assert_allclose(ds.y[:, 0], 8 * x**4 - 8 * x**2 + 1, atol=1e-14)
    assert ds.y[0, 0] == 1.0 and ds.y[-1, 0] == 1.0  # T_k(+-1) = (+-1)^k


@pytest.mark.parametrize("k, closed", [(3, lambda x: 4 * x**3 - 3 * x), (5, lambda x: 16 * x**5 - 20 * x**3 + 5 * x),
                                       (0, lambda x: np.ones_like(x)), (1, lambda x: x)])
def test_chebyshev_degrees(k, closed):
    ds = D.chebyshev(20, degree=k)
    x = ds.x[:, 0]
    np.testing.assert_allclose(ds.y[:, 0], closed(x), atol=1e-13)
    np.testing.assert_allclose(ds.y[:, 0], np.cos(k * np.arccos(x)), atol=1e-12)


def test_chebyshev_nodes_option():
    ds = D.chebyshev(7, degree=3, nodes="chebyshev")
    x = ds.x[:, 0]
    assert np.all(np.diff(x) > 0)
    np.testing.assert_allclose(np.polynomial.chebyshev.chebval(x, [0] * 7 + [1]), 0, atol=1e-14)  # roots of T_7
    np.testing.assert_allclose(ds.y[:, 0], 4 * x**3 - 3 * x, atol=1e-14)


@pytest.mark.parametrize("kwargs, match", [(dict(n_points=1), "n_points"), (dict(degree=-1), "degree"),
                                           (dict(degree=2.0), "degree"), (dict(nodes="gauss"), "nodes")])
def test_chebyshev_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.chebyshev(**kwargs)


# --------------------------------------------------------------------------- modular addition


def test_modular_addition_split_and_labels():
    p = 13
    train, test = D.modular_addition(p, train_fraction=0.3, seed=1)
    assert len(train) == round(0.3 * p * p) and len(train) + len(test) == p * p
    for ds in (train, test):
        assert ds.x.dtype == np.int64 and ds.y.dtype == np.int64 and ds.x.shape[1] == 2
        assert ds.n_classes == p and ds.kind == "classification"
        np.testing.assert_array_equal(ds.y, (ds.x[:, 0] + ds.x[:, 1]) % p)
    pairs = {tuple(r) for r in train.x} | {tuple(r) for r in test.x}
    assert pairs == {(a, b) for a in range(p) for b in range(p)}  # disjoint and complete
    again, _ = D.modular_addition(p, train_fraction=0.3, seed=1)
    other, _ = D.modular_addition(p, train_fraction=0.3, seed=2)
    np.testing.assert_array_equal(train.x, again.x)
    assert not np.array_equal(train.x, other.x)
    assert len(D.modular_addition()[0]) == round(0.3 * 97 * 97)


@pytest.mark.parametrize("kwargs, match", [(dict(p=1), "p must be"), (dict(p=5.0), "p must be"),
                                           (dict(train_fraction=0), "train_fraction"),
                                           (dict(train_fraction=1.0), "train_fraction"),
                                           (dict(p=2, train_fraction=0.01), "empty"),
                                           (dict(seed=-1), "seed")])
def test_modular_addition_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.modular_addition(**kwargs)


# ---------------------------------------------------------------------- synthetic regression


def test_synthetic_regression_linear_teacher():
    ds = D.synthetic_regression(50, 6, out=2, seed=5)
    assert ds.x.shape == (50, 6) and ds.y.shape == (50, 2) and ds.kind == "regression"
    w, res, rank, _ = np.linalg.lstsq(ds.x, ds.y, rcond=None)  # noiseless: exactly linear
    np.testing.assert_allclose(ds.x @ w, ds.y, atol=1e-12)
    noisy = D.synthetic_regression(50, 6, out=2, seed=5, noise=0.1)
    np.testing.assert_array_equal(noisy.x, ds.x)  # same inputs and teacher
    resid = noisy.y - ds.y
    assert 0.05 < resid.std() < 0.2
    np.testing.assert_array_equal(D.synthetic_regression(50, 6, out=2, seed=5).y, ds.y)
    assert not np.array_equal(D.synthetic_regression(50, 6, out=2, seed=6).x, ds.x)


@pytest.mark.parametrize("kwargs, match", [(dict(n=0), "n must be"), (dict(d=0), "d must be"),
                                           (dict(noise=-1.0), "noise"), (dict(noise=float("nan")), "noise"),
                                           (dict(out=0), "out must be")])
def test_synthetic_regression_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.synthetic_regression(**kwargs)


# --------------------------------------------------------------- interpolating least squares


@pytest.mark.parametrize("d, c", [(8, 4.0), (4, 2.25), (16, 0.25)])  # exact: sqrt(c)^2 = c, d a power of 2
def test_interpolating_design_hessian_is_c_over_d_identity(d, c):
    import jax
    import jax.numpy as jnp

    from chaoslab.learning.models import mse

    ds = D.interpolating_least_squares(d, c)
    np.testing.assert_array_equal(ds.x, np.sqrt(c) * np.eye(d))
    np.testing.assert_array_equal(ds.y, np.zeros((d, 1)))
    x, y = jnp.asarray(ds.x), jnp.asarray(ds.y)

    def loss(w):
        return mse(x @ w, y)

    h = jax.jit(jax.hessian(loss))(jnp.asarray(np.random.default_rng(0).standard_normal((d, 1))))
    np.testing.assert_array_equal(np.asarray(h).reshape(d, d), (c / d) * np.eye(d))  # exact (sqrt(c)^2 = c)


def test_interpolating_design_general_c_and_random_targets():
    import jax
    import jax.numpy as jnp

    from chaoslab.learning.models import mse

    d, c = 6, 3.0
    ds = D.interpolating_least_squares(d, c, targets="random", seed=2, out=1)
    x, y = jnp.asarray(ds.x), jnp.asarray(ds.y)
    h = jax.jit(jax.hessian(lambda w: mse(x @ w, y)))(jnp.zeros((d, 1))).reshape(d, d)
    np.testing.assert_allclose(np.asarray(h), (c / d) * np.eye(d), rtol=4e-16, atol=0)  # to an ulp
    w_star = ds.y / np.sqrt(c)  # the interpolating minimum
    assert float(mse(x @ w_star, y)) < 1e-30
    np.testing.assert_array_equal(ds.y, D.interpolating_least_squares(d, c, targets="random", seed=2).y)


@pytest.mark.parametrize("args, kwargs, match", [((0, 1.0), {}, "d must be"), ((3, 0.0), {}, "c must be"),
                                                 ((3, -1.0), {}, "c must be"), ((3, float("inf")), {}, "c must be"),
                                                 ((3, 1.0), dict(targets="ones"), "targets")])
def test_interpolating_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.interpolating_least_squares(*args, **kwargs)
