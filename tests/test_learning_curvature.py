"""Curvature of a loss: Hessian eigenvalues (Lanczos vs dense), Hutchinson trace, batch sharpness.

Tolerances come from the mathematics: the eigenvalues of a symmetric matrix are computed to a few
ulps of its norm, a Hutchinson estimate is exact for a diagonal matrix and otherwise has per-probe
variance 2 sum_{i != j} A_ij^2, and batch sharpness of a quadratic is a Rayleigh quotient.
"""

# chaoslab first: importing it switches JAX to float64
from chaoslab.learning.curvature import batch_sharpness, hessian, hutchinson_trace, hvp, top_eigenvalues

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

N = 30


def _symmetric(kind, n=N, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    if kind == "spd":
        return m @ m.T / n + 0.1 * np.eye(n)
    return 0.5 * (m + m.T)


def _quadratic(a):
    aj = jnp.asarray(a)
    return lambda theta: 0.5 * theta @ (aj @ theta)


# A 1-hidden-layer tanh MLP, MSE on random data: d*h + h + h + 1 = 401 parameters.
D_IN, HIDDEN, N_DATA = 8, 40, 64
N_PARAMS = D_IN * HIDDEN + 2 * HIDDEN + 1


def _mlp_data():
    rng = np.random.default_rng(42)
    x = rng.standard_normal((N_DATA, D_IN))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2]
    theta = 0.5 * rng.standard_normal(N_PARAMS)
    return jnp.asarray(x), jnp.asarray(y), theta


def _mlp_predict(theta, x):
    w1 = theta[:D_IN * HIDDEN].reshape(D_IN, HIDDEN)
    b1 = theta[D_IN * HIDDEN:D_IN * HIDDEN + HIDDEN]
    w2 = theta[D_IN * HIDDEN + HIDDEN:D_IN * HIDDEN + 2 * HIDDEN]
    b2 = theta[-1]
    return jnp.tanh(x @ w1 + b1) @ w2 + b2


@pytest.fixture(scope="module")
def mlp():
    x, y, theta = _mlp_data()

    def loss(th):
        return jnp.mean((_mlp_predict(th, x) - y) ** 2)

    def batch_loss(th, idx):
        return jnp.mean((_mlp_predict(th, x[idx]) - y[idx]) ** 2)

    return loss, batch_loss, theta


# --------------------------------------------------------------------------- hvp and hessian


def test_hvp_and_hessian_of_quadratic():
    a = _symmetric("indefinite")
    loss = _quadratic(a)
    rng = np.random.default_rng(1)
    theta, v = rng.standard_normal(N), rng.standard_normal(N)
    f = hvp(loss)
    np.testing.assert_allclose(np.asarray(f(theta, v)), a @ v, rtol=0, atol=1e-12 * np.abs(a).sum())
    assert hvp(loss) is f  # built once per loss
    h = hessian(loss, theta)
    assert h.shape == (N, N) and np.array_equal(h, h.T)
    np.testing.assert_allclose(h, a, rtol=0, atol=1e-14 * np.abs(a).max())


# --------------------------------------------------------------------------- top eigenvalues


@pytest.mark.parametrize("kind", ["spd", "indefinite"])
@pytest.mark.parametrize("method", ["lanczos", "dense"])
def test_top_eigenvalues_of_quadratic(kind, method):
    a = _symmetric(kind)
    ref = np.linalg.eigvalsh(a)[::-1][:3]
    theta = np.random.default_rng(2).standard_normal(N)  # the Hessian of a quadratic is A anywhere
    w, u = top_eigenvalues(_quadratic(a), theta, k=3, method=method, vectors=True)
    assert w.shape == (3,) and u.shape == (N, 3)
    assert np.all(np.diff(w) <= 0)
    np.testing.assert_allclose(w, ref, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(u, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(a @ u - u * w, 0.0, atol=1e-8)
    np.testing.assert_array_equal(top_eigenvalues(_quadratic(a), theta, k=3, method=method), w)


def test_lanczos_matches_dense_on_mlp(mlp):
    loss, _, theta = mlp
    dense = np.linalg.eigvalsh(hessian(loss, theta))[::-1]
    w = top_eigenvalues(loss, theta, k=1)
    assert w.shape == (1,)
    np.testing.assert_allclose(w[0], dense[0], rtol=1e-8)
    np.testing.assert_allclose(top_eigenvalues(loss, theta, k=1, method="dense"), dense[:1], rtol=1e-12)
    # the Lanczos eigenvector is one of the Hessian's: H u = lambda u
    w2, u = top_eigenvalues(loss, theta, k=2, vectors=True)
    np.testing.assert_allclose(w2, dense[:2], rtol=1e-8)
    hu = np.stack([np.asarray(hvp(loss)(theta, u[:, i])) for i in range(2)], axis=1)
    np.testing.assert_allclose(hu, u * w2, atol=1e-8 * abs(dense[0]))


def test_lanczos_seeds(mlp):
    loss, _, theta = mlp
    first = top_eigenvalues(loss, theta, k=2, seed=7)
    again = top_eigenvalues(loss, theta, k=2, seed=7)
    assert first.tobytes() == again.tobytes()
    other = top_eigenvalues(loss, theta, k=2, seed=8)
    np.testing.assert_allclose(other, first, rtol=1e-8)


def test_lanczos_dense_full_spectrum_edge():
    a = _symmetric("indefinite", n=5)
    theta = np.zeros(5)
    np.testing.assert_allclose(top_eigenvalues(_quadratic(a), theta, k=5, method="dense"),
                               np.linalg.eigvalsh(a)[::-1], rtol=1e-12)
    np.testing.assert_allclose(top_eigenvalues(_quadratic(a), theta, k=4),
                               np.linalg.eigvalsh(a)[::-1][:4], rtol=1e-10)
    with pytest.raises(ValueError, match=r"k must be < n = 5.*method='dense'"):
        top_eigenvalues(_quadratic(a), theta, k=5)


# --------------------------------------------------------------------------- Hutchinson


def test_hutchinson_exact_for_diagonal():
    diag = np.random.default_rng(3).standard_normal(N) * 3.0
    est, se = hutchinson_trace(_quadratic(np.diag(diag)), np.ones(N), samples=50, batch=16)
    assert abs(est - diag.sum()) <= 1e-12 * np.abs(diag).sum()
    assert se < 1e-12


def test_hutchinson_statistics():
    a = _symmetric("indefinite", seed=4)
    samples = 2000
    off = a - np.diag(np.diag(a))
    theory_se = np.sqrt(2.0 * np.sum(off ** 2) / samples)
    est, se = hutchinson_trace(_quadratic(a), np.zeros(N), samples=samples, batch=256)
    assert abs(est - np.trace(a)) < 5 * theory_se
    assert abs(se / theory_se - 1) < 0.15


def test_hutchinson_seeds_and_batch():
    a = _symmetric("spd", seed=5)
    loss, theta = _quadratic(a), np.zeros(N)
    first = hutchinson_trace(loss, theta, samples=200, seed=11)
    again = hutchinson_trace(loss, theta, samples=200, seed=11)
    assert np.array(first).tobytes() == np.array(again).tobytes()
    # the probes do not depend on the batch size (only the rounding of the products might)
    np.testing.assert_allclose(hutchinson_trace(loss, theta, samples=200, seed=11, batch=7), first, rtol=1e-12)
    other = hutchinson_trace(loss, theta, samples=200, seed=12)
    assert abs(other[0] - first[0]) < 5 * np.hypot(first[1], other[1])


# --------------------------------------------------------------------------- batch sharpness


def test_batch_sharpness_of_quadratic_is_mean_rayleigh_quotient():
    a = _symmetric("indefinite", seed=6)
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((100, N))
    cj, aj = jnp.asarray(centres), jnp.asarray(a)

    def batch_loss(theta, idx):  # the same Hessian A on every batch, a different gradient
        r = theta - jnp.mean(cj[idx], axis=0)
        return 0.5 * r @ (aj @ r)

    theta = rng.standard_normal(N)
    batches = rng.permutation(100).reshape(10, 10)
    g = (theta - centres[batches].mean(axis=1)) @ a  # row B: g_B = A (theta - mu_B), A symmetric
    direct = np.mean(np.einsum("bi,ij,bj->b", g, a, g) / np.einsum("bi,bi->b", g, g))
    np.testing.assert_allclose(batch_sharpness(batch_loss, theta, batches), direct, rtol=1e-12)
    one = batch_sharpness(batch_loss, theta, batches[:1])
    np.testing.assert_allclose(one, g[0] @ a @ g[0] / (g[0] @ g[0]), rtol=1e-12)


def test_batch_sharpness_full_batch_is_directional_curvature(mlp):
    loss, batch_loss, theta = mlp
    g = np.asarray(jax.grad(loss)(jnp.asarray(theta)))
    h = hessian(loss, theta)
    full = g @ h @ g / (g @ g)
    value = batch_sharpness(batch_loss, theta, np.arange(N_DATA)[None, :])
    np.testing.assert_allclose(value, full, rtol=1e-10)
    # bounded by the extreme eigenvalues of H
    w = np.linalg.eigvalsh(h)
    assert w[0] - 1e-10 <= value <= w[-1] + 1e-10


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, match", [
    ({"k": 0}, "k must be an integer >= 1"),
    ({"k": 1.5}, "k must be an integer"),
    ({"k": True}, "k must be an integer"),
    ({"method": "arnoldi"}, "method must be one of"),
    ({"tol": -1.0}, "tol must be"),
    ({"k": 7, "method": "dense"}, r"k must be <= n = 6"),
])
def test_top_eigenvalues_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        top_eigenvalues(_quadratic(np.eye(6)), np.zeros(6), **kwargs)


@pytest.mark.parametrize("theta, match", [
    (np.zeros((2, 3)), "theta must be a flat 1-D"),
    (np.zeros(0), "theta must be a flat 1-D"),
    (np.array([0.0, np.nan, 1.0]), "theta must be finite"),
    (np.array([np.inf, 0.0, 1.0]), "theta must be finite"),
])
def test_bad_theta(theta, match):
    loss = _quadratic(np.eye(3))
    with pytest.raises(ValueError, match=match):
        top_eigenvalues(loss, theta)
    with pytest.raises(ValueError, match=match):
        hutchinson_trace(loss, theta)
    with pytest.raises(ValueError, match=match):
        hessian(loss, theta)


def test_hutchinson_and_batch_sharpness_bad_arguments():
    loss = _quadratic(np.eye(3))
    with pytest.raises(ValueError, match="samples must be an integer >= 2"):
        hutchinson_trace(loss, np.zeros(3), samples=1)
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        hutchinson_trace(loss, np.zeros(3), batch=0)

    def batch_loss(theta, idx):
        return jnp.sum(theta ** 2) * idx.shape[0]

    with pytest.raises(ValueError, match=r"batches must be a 2-D integer array"):
        batch_sharpness(batch_loss, np.ones(3), np.arange(4))
    with pytest.raises(ValueError, match="batches must be an integer index array"):
        batch_sharpness(batch_loss, np.ones(3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="theta must be finite"):
        batch_sharpness(batch_loss, np.array([1.0, np.nan, 0.0]), np.zeros((1, 2), dtype=int))
