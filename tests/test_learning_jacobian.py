"""The training Jacobian (chaoslab.learning.jacobian): exact products for gradient descent on a
quadratic, one and a few steps against jax.jacfwd of the map, the determinant of full-batch GD on
a tanh MLP as the product over steps of det(I - lr H_t), chunk-independent bits, and the
chaotic / bulk / stable grouping of Belrose & Scherlis (2024)."""

import chaoslab  # noqa: F401  (float64)
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaoslab.learning import data, models
from chaoslab.learning.jacobian import jacobian_spectrum, training_jacobian
from chaoslab.learning.training import train, training_map


def _quadratic(lam, lr, seed=1):
    rng = np.random.default_rng(seed)
    V = np.linalg.qr(rng.standard_normal((len(lam), len(lam))))[0]
    H = V @ np.diag(lam) @ V.T
    return H, training_map(jnp.ones(len(lam)), loss=lambda th: 0.5 * th @ jnp.asarray(H) @ th, lr=lr)


def test_gd_on_a_quadratic_has_the_jacobian_i_minus_lr_h_to_the_steps():
    # theta <- (I - lr H) theta exactly, so d theta_T / d theta_0 = (I - lr H)^T
    lam = np.array([25.0, 5.0, 2.0, 1.0, 0.0, -1e-5])
    lr, steps = 0.1, 20
    H, tm = _quadratic(lam, lr)
    J = training_jacobian(tm, steps)
    expected = np.linalg.matrix_power(np.eye(len(lam)) - lr * H, steps)
    assert np.max(np.abs(J - expected)) <= 1e-12 * np.max(np.abs(expected))
    # singular values |1 - lr lambda|^T: 1.5^20 (chaotic), 1 and (1 + 1e-6)^20 (bulk, |s - 1| =
    # 2e-5 <= 1e-3), and 0.5^20, 0.8^20, 0.9^20 (stable)
    sp = jacobian_spectrum(J)
    expected_s = np.sort(np.abs(1 - lr * lam) ** steps)[::-1]
    # an SVD resolves each value to about eps x the largest (3325)
    np.testing.assert_allclose(sp.singular_values, expected_s, rtol=1e-12, atol=1e-14 * expected_s[0])
    assert sp.counts == {"chaotic": 1, "bulk": 2, "stable": 3}
    assert (sp.chaotic_range, sp.bulk_range, sp.stable_range) == ((0, 1), (1, 3), (3, 6))
    np.testing.assert_allclose(sp.log_singular_values, np.log(sp.singular_values), rtol=1e-15)
    # a tolerance below 2e-5 moves the slightly expanding direction to the chaotic group
    assert jacobian_spectrum(J, tol=1e-6).counts == {"chaotic": 2, "bulk": 1, "stable": 3}
    # H symmetric: J symmetric, left and right singular vectors agree up to sign
    assert np.all(np.abs(np.abs(jacobian_spectrum(J, vectors=True).alignment) - 1) < 1e-9)


def _mlp_map(optimizer, batch_size=8, lr=0.05):
    d = data.synthetic_regression(32, 3, seed=1)
    return training_map(models.mlp(3, [4], 2, seed=0), data.Dataset(x=d.x, y=np.hstack([d.y, np.sin(d.y)]),
                                                                     kind="regression"),
                        loss="mse", optimizer=optimizer, lr=lr, batch_size=batch_size, seed=3)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_one_and_three_steps_are_jax_jacfwd_of_the_map(optimizer):
    tm = _mlp_map(optimizer)
    n, p = tm.n_params, tm.system.params
    x0 = jnp.asarray(tm.x0)

    def steps(k):
        def run(theta):
            x = jnp.concatenate([theta, x0[n:]])
            for t in range(k):  # the step index picks the SGD batch and Adam's counter
                x = tm.system.fn(x, float(t), **p)
            return x[:n]
        return run

    for k in (1, 3):
        expected = np.asarray(jax.jacfwd(steps(k))(x0[:n]))
        got = training_jacobian(tm, k)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14 * np.max(np.abs(expected)))
    # the initial state can be given as the parameters alone (the optimiser state then from tm.x0)
    theta = np.asarray(tm.x0[:n]) * 1.1
    np.testing.assert_array_equal(training_jacobian(tm, 2, x0=theta),
                                  training_jacobian(tm, 2, x0=np.concatenate([theta, tm.x0[n:]])))


def test_full_batch_gd_on_a_tanh_mlp_has_det_j_the_product_of_det_i_minus_lr_h():
    # full-batch GD: J = prod_t (I - lr H_t), H_t the Hessian of the loss at theta_t, so
    # log|det J| = sum_t sum_i log|1 - lr lambda_i(H_t)| and sign det J = prod of the signs. lr
    # = 1.1 / lambda_max(H_0) puts exactly one factor below zero at each of the 5 steps: det < 0
    d = data.synthetic_regression(40, 3, seed=1)
    tm0 = training_map(models.mlp(3, [6], 1, seed=0), d, loss="mse", lr=0.1)
    hess = jax.jit(jax.hessian(tm0.loss))
    lr = 1.1 / np.linalg.eigvalsh(np.asarray(hess(jnp.asarray(tm0.x0))))[-1]
    tm = training_map(models.mlp(3, [6], 1, seed=0), d, loss="mse", lr=float(lr))
    steps = 5
    run = train(tm, steps)
    log_det, negative = 0.0, 0
    for t in range(steps):
        f = 1 - lr * np.linalg.eigvalsh(np.asarray(hess(jnp.asarray(run.states[0, t, : tm.n_params]))))
        log_det += np.sum(np.log(np.abs(f)))
        negative += int(np.sum(f < 0))
    assert negative == steps
    J = training_jacobian(tm, steps)
    sp = jacobian_spectrum(J)
    assert np.all(sp.singular_values > 0)
    sign, logabs = np.linalg.slogdet(J)
    assert sign == (-1) ** negative == -1
    np.testing.assert_allclose(sp.log_abs_det, log_det, rtol=1e-10)
    np.testing.assert_allclose(logabs, log_det, rtol=1e-10)
    # the exact product of the one-step Jacobians
    prod = np.eye(tm.n_params)
    for t in range(steps):
        prod = (np.eye(tm.n_params) - lr * np.asarray(hess(jnp.asarray(run.states[0, t, : tm.n_params])))) @ prod
    np.testing.assert_allclose(J, prod, rtol=1e-9, atol=1e-12 * np.max(np.abs(prod)))


def test_the_chunk_size_does_not_change_the_bits():
    tm = _mlp_map("momentum")  # 22 parameters, SGD batches of 8
    d = data.synthetic_regression(32, 3, seed=1)
    big = training_map(models.mlp(3, [12], 2, seed=0), data.Dataset(x=d.x, y=np.hstack([d.y, d.y ** 2]),
                                                                    kind="regression"),
                       loss="mse", optimizer="adam", lr=0.01)  # 74 parameters, full batch
    for m in (tm, big):
        ref = training_jacobian(m, 4, chunk=1)
        for chunk in (7, 32, 33, 64, m.n_params, 1000):
            np.testing.assert_array_equal(training_jacobian(m, 4, chunk=chunk), ref)


def test_bad_arguments_raise():
    _, tm = _quadratic(np.array([1.0, 2.0]), 0.1)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="steps"):
            training_jacobian(tm, bad)
        with pytest.raises(ValueError, match="chunk"):
            training_jacobian(tm, 3, chunk=bad)
    with pytest.raises(ValueError, match="x0"):
        training_jacobian(tm, 3, x0=np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        training_jacobian(tm, 3, x0=np.array([np.nan, 1.0]))
    with pytest.raises(FloatingPointError):
        training_jacobian(_quadratic(np.array([1e200, 1.0]), 1.0)[1], 3)  # (1 - 1e200)^3 overflows
    with pytest.raises(ValueError, match="square"):
        jacobian_spectrum(np.ones((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        jacobian_spectrum(np.array([[np.inf]]))
    for tol in (-0.1, 1.0, "a"):
        with pytest.raises(ValueError, match="tol"):
            jacobian_spectrum(np.eye(2), tol=tol)
