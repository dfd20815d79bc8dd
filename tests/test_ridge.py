"""The one ridge solver, chaoslab.forecast.linalg.ridge: min ‖F W − Y‖² + alpha ‖W‖², alpha
absolute (scikit-learn's convention), by the SVD of F.

Tolerances: the SVD solution is backward stable, so its relative error is a small multiple of
cond(F) · eps; the references (scikit-learn's Ridge, the normal equations, lstsq) err by at most
cond(F)² · eps. The random problems below have cond(F) < 10, so both are below 1e-13 and 1e-10
leaves a wide margin while still catching any wrong convention (a factor n in alpha changes W
by ~1e-3 here)."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from chaoslab.forecast.linalg import ridge

REL = 1e-10


def problem(n=200, p=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, p))
    Y = F @ rng.normal(size=(p, k)) + 0.1 * rng.normal(size=(n, k))
    assert np.linalg.cond(F) < 10
    return F, Y


def close(a, b, rel=REL):
    return np.linalg.norm(a - b) <= rel * np.linalg.norm(b)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 50.0])
def test_equals_scikit_learn_ridge_and_the_closed_form(alpha):
    F, Y = problem()
    W = ridge(F, Y, alpha)
    sk = Ridge(alpha=alpha, fit_intercept=False).fit(F, Y).coef_.T
    closed = np.linalg.solve(F.T @ F + alpha * np.eye(F.shape[1]), F.T @ Y)
    assert W.shape == (8, 3) and close(W, sk) and close(W, closed)
    # the convention is absolute: the penalty alpha * n of a per-row convention is another W
    assert not close(ridge(F, Y, alpha * len(F)), closed, rel=1e-6)


def test_alpha_zero_on_full_rank_data_is_least_squares():
    F, Y = problem(seed=1)
    assert close(ridge(F, Y, 0.0), np.linalg.lstsq(F, Y, rcond=None)[0])


def test_multiple_right_hand_sides_are_independent_fits():
    F, Y = problem(seed=2)
    W = ridge(F, Y, 0.3)
    for j in range(Y.shape[1]):
        w = ridge(F, Y[:, j], 0.3)
        assert w.shape == (8,) and close(w, W[:, j])


def test_a_rank_deficient_matrix_gives_the_minimum_norm_solution_without_raising():
    # duplicated and zero columns: F has rank 3 of 5. The minimum-norm solution splits a
    # duplicated column's coefficient equally and gives a zero column 0. For alpha > 0 each
    # resolved component s / (s² + alpha) differs from 1 / s by alpha / (s (s² + alpha)), so
    # ‖W(alpha) − W⁺‖ <= alpha / s_min² ‖W⁺‖ (s_min the smallest non-zero singular value)
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 100))
    F = np.stack([a, b, a, np.zeros(100), c], axis=1)
    Y = np.stack([2 * a - b + 0.5 * c, a + 0.01 * rng.normal(size=100)], axis=1)
    pinv = np.linalg.pinv(F) @ Y
    W0 = ridge(F, Y, 0.0)
    assert np.all(np.isfinite(W0)) and close(W0, pinv, rel=1e-12)
    np.testing.assert_allclose(W0[0], W0[2], rtol=1e-12)
    assert np.all(W0[3] == 0.0)
    s = np.linalg.svd(F, compute_uv=False)
    s_min = s[s > 1e-8 * s[0]].min()
    for alpha in (1e-2, 1e-6, 1e-10):
        W = ridge(F, Y, alpha)
        assert np.all(np.isfinite(W))
        assert np.linalg.norm(W - pinv) <= alpha / s_min**2 * np.linalg.norm(pinv) + 1e-12 * np.linalg.norm(pinv)


def test_an_underdetermined_problem_is_the_dual_closed_form():
    # n < p: W = Fᵀ (F Fᵀ + alpha I)⁻¹ Y, and alpha = 0 the minimum-norm interpolant
    rng = np.random.default_rng(4)
    F, Y = rng.normal(size=(5, 12)), rng.normal(size=(5, 2))
    assert close(ridge(F, Y, 0.7), F.T @ np.linalg.solve(F @ F.T + 0.7 * np.eye(5), Y))
    assert close(ridge(F, Y, 0.0), np.linalg.pinv(F) @ Y)


def test_huge_and_tiny_scales_do_not_overflow():
    # ridge(c F, Y, 0) = ridge(F, Y, 0) / c; s² would overflow at c = 1e200 in s / (s² + alpha)
    F, Y = problem(seed=5)
    W = ridge(F, Y, 0.0)
    for c in (1e200, 1e-200):
        assert close(ridge(c * F, Y, 0.0) * c, W, rel=1e-12)


def test_jax_arrays_are_accepted():
    import jax.numpy as jnp

    F, Y = problem(seed=6)
    W = ridge(jnp.asarray(F), jnp.asarray(Y), 0.1)
    assert isinstance(W, np.ndarray) and close(W, ridge(F, Y, 0.1), rel=1e-15)


@pytest.mark.parametrize("args, message", [
    ((np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2), 0.1), r"F contains NaN or inf \(first at index \(0, 1\)\)"),
    ((np.eye(2), np.array([1.0, np.inf]), 0.1), r"Y contains NaN or inf \(first at index \(1,\)\)"),
    ((np.eye(2), np.ones(2), -1.0), "alpha must be a finite number >= 0"),
    ((np.eye(2), np.ones(2), np.inf), "alpha must be a finite number >= 0"),
    ((np.eye(2), np.ones(2), True), "alpha must be a finite number >= 0"),
    ((np.eye(2), np.ones(3), 0.1), r"Y must have shape \(2,\) or \(2, k\)"),
    ((np.ones(3), np.ones(3), 0.1), "F must be a non-empty matrix"),
])
def test_bad_input_is_refused_in_one_line(args, message):
    with pytest.raises(ValueError, match=message) as e:
        ridge(*args)
    assert "\n" not in str(e.value)


def test_every_ridge_model_uses_the_one_solver():
    # the models' readouts are ridge() with their own penalty, in the convention above
    from chaoslab.forecast import get_model

    rng = np.random.default_rng(7)
    x = np.cumsum(rng.normal(size=(2, 300, 2)), axis=1) * 0.1 + np.sin(np.arange(300) / 10)[None, :, None]
    lin = get_model("linear", k=2, ridge=0.5).fit(x)
    z = (x - lin.mu_) / lin.sigma_
    F = np.concatenate([np.ones((2, 298, 1)), z[:, 1:-1], z[:, :-2]], axis=-1).reshape(-1, 5)
    Y = (z[:, 2:] - z[:, 1:-1]).reshape(-1, 2)
    # the penalty in effect: 0.5, or raised where the random walk's rollouts leave the data
    assert lin.ridge_ in (0.5, 50.0, 5000.0) and close(lin.W_, ridge(F, Y, lin.ridge_))
    edmd = get_model("edmd", degree=2, alpha=0.5).fit(x, dt=0.1)
    n = 1 + len(edmd.combos_)  # the dictionary kept (one degree less where the free runs blew up)
    assert close(edmd.K_, ridge(edmd.psi(x[:, :-1]).reshape(-1, n), edmd.psi(x[:, 1:]).reshape(-1, n), edmd.alpha_))
