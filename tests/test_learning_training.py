"""Training maps (chaoslab.learning.training): exact results for gradient descent on quadratics,
the SGD stability bound of Wu & Su, the sharpness bound of GD on f(a, b) = (ab - 1)^2 / 2, and the
optimisers against optax run by hand."""

from types import SimpleNamespace

import chaoslab  # noqa: F401  (float64)
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from chaoslab.learning import data, models
from chaoslab.learning.curvature import batch_sharpness_along, sharpness_along
from chaoslab.learning.training import train, training_lyapunov, training_map


def test_gd_on_a_quadratic_has_exponent_log_one_minus_lr_a_and_diverges_iff_lr_above_2_over_a():
    a = 3.0
    tm = training_map(jnp.array([1.0]), loss=lambda th: 0.5 * a * th[0] ** 2, lr=0.1)
    for lr in (0.1, 0.5, 0.6, 0.7):  # contracting, oscillating, and (0.7 > 2/3) expanding
        r = training_lyapunov(tm, 60, lr=lr)  # 1.1^60 stays inside the escape bound (1e3 x scale)
        # one dimension: every step multiplies the tangent by 1 - lr a exactly
        np.testing.assert_allclose(r.exponents[0, 0], np.log(abs(1 - lr * a)), rtol=1e-12, atol=0)
    # |1 - lr a| = 1.02 grows past the bound (1e8) in 3000 steps, 0.98 decays
    run = train(tm, 3000, lr=[2 / a * 0.99, 2 / a * 1.01])
    assert run.diverged.tolist() == [False, True]
    assert np.isnan(run.loss[1, -1]) and run.loss[0, -1] < 1e-20
    # the state after n steps is (1 - lr a)^n exactly (up to rounding)
    np.testing.assert_allclose(run.states[0, 100, 0], (1 - 2 / a * 0.99 * a) ** 100, rtol=1e-12)


def test_gd_spectrum_on_a_d_dimensional_quadratic_is_log_one_minus_lr_lambda():
    rng = np.random.default_rng(1)
    lam = np.array([4.0, 2.5, 1.0, 0.2])
    V = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    H = V @ np.diag(lam) @ V.T
    lr = 0.45  # |1 - lr lambda| = 0.8, 0.125, 0.55, 0.91: distinct, sorted 0.91, 0.8, 0.55, 0.125
    tm = training_map(jnp.ones(4), loss=lambda th: 0.5 * th @ jnp.asarray(H) @ th, lr=lr)
    steps = 4000
    r = training_lyapunov(tm, steps, k=4)
    expected = np.sort(np.log(np.abs(1 - lr * lam)))[::-1]
    # QR exponents of a constant Jacobian err by log|det| of the initial frame's projections on
    # the eigenvectors, divided by the number of steps (a few units / 4000)
    np.testing.assert_allclose(r.exponents[0], expected, atol=10 / steps)


def _linear(w0):
    import equinox as eqx

    model = eqx.nn.Linear(len(w0), 1, use_bias=False, key=jax.random.PRNGKey(0))
    return eqx.tree_at(lambda m: m.weight, model, jnp.asarray(w0, dtype=jnp.float64).reshape(1, -1))


def test_sgd_on_interpolating_least_squares_is_stable_iff_lr_below_2_over_trace_of_h():
    # x_i = sqrt(c) e_i, n = d: H = (c/d) I; GD is stable iff lr < 2d/c, SGD with batch 1 iff
    # lr < 2/c = 2/tr(H) (Wu & Su 2023): each step scales one coordinate by 1 - lr c
    d, c = 4, 1.0
    data = SimpleNamespace(x=np.sqrt(c) * np.eye(d), y=np.zeros((d, 1)), kind="regression")
    w0 = np.array([1.0, -0.5, 0.25, 2.0])
    sgd = training_map(_linear(w0), data, loss="mse", lr=0.1, batch_size=1, seed=3)
    gd = training_map(_linear(w0), data, loss="mse", lr=0.1)
    epochs = 2000
    assert sgd.steps_per_epoch == d
    s = train(sgd, epochs * d, lr=[1.9, 2.1], every=d)
    g = train(gd, epochs, lr=[1.9, 2.1, 7.9, 8.1])
    assert s.diverged.tolist() == [False, True]
    assert g.diverged.tolist() == [False, False, False, True]
    # after e epochs every coordinate has been scaled e times by 1 - lr c
    np.testing.assert_allclose(s.states[0, 10, :d], (1 - 1.9 * c) ** 10 * w0, rtol=1e-12)
    # the batches of an epoch partition the samples, the same for the same seed
    for epoch in range(3):
        seen = np.concatenate([sgd.batch(epoch * d + j) for j in range(d)])
        assert sorted(seen.tolist()) == list(range(d))
    again = train(sgd, 40, lr=1.5)
    np.testing.assert_array_equal(again.states, train(sgd, 40, lr=1.5).states)


def test_gd_on_ab_minus_one_converges_only_to_minima_with_sharpness_below_2_over_lr():
    # f(a, b) = (ab - 1)^2 / 2: at a minimum (ab = 1) the Hessian is (b, a)(b, a)^T, sharpness
    # a^2 + b^2; a minimum sharper than 2/lr is linearly unstable, so GD cannot converge to it
    tm = training_map(jnp.array([1.0, 1.0]), loss=lambda th: 0.5 * (th[0] * th[1] - 1) ** 2, lr=0.1)
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(0.2, 4.0, 40), rng.uniform(-0.5, 0.5, 40)])
    lrs = np.repeat([0.1, 0.2, 0.35], len(starts))
    x0 = np.tile(starts, (3, 1))
    run = train(tm, 4000, lr=lrs, x0=x0, every=4000)
    a, b = run.states[:, -1, 0], run.states[:, -1, 1]
    converged = ~run.diverged & (run.loss[:, -1] < 1e-24)
    assert converged.sum() > 30
    sharp = a ** 2 + b ** 2
    assert np.all(sharp[converged] <= 2 / lrs[converged] * (1 + 1e-9))
    # the bound bites: some runs started where the nearest minimum (balanced a = b... or a = 1/b
    # with the start's a) would have been too sharp, and GD went to a flatter one
    start_sharp = x0[:, 0] ** 2 + 1 / x0[:, 0] ** 2
    assert np.any(converged & (start_sharp > 2 / lrs))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_the_training_map_is_the_optax_optimiser_run_by_hand(optimizer):
    rng = np.random.default_rng(0)
    X, w_true = rng.standard_normal((32, 3)), rng.standard_normal(3)
    data = SimpleNamespace(x=X, y=(X @ w_true)[:, None] + 0.1, kind="regression")
    model = _linear(np.zeros(3))
    lr, steps = 0.05, 25
    tm = training_map(model, data, loss="mse", optimizer=optimizer, lr=lr, batch_size=8, seed=5)
    run = train(tm, steps)
    tx = {"gd": optax.sgd(lr), "momentum": optax.sgd(lr, momentum=0.9), "adam": optax.adam(lr)}[optimizer]
    theta = jnp.zeros(3)
    state = tx.init(theta)
    grad = jax.grad(lambda th, idx: 0.5 * jnp.mean((X[idx] @ th - data.y[idx, 0]) ** 2))
    for n in range(steps):
        u, state = tx.update(grad(theta, tm.batch(n)), state, theta)
        theta = optax.apply_updates(theta, u)
    np.testing.assert_allclose(run.states[0, -1, :3], np.asarray(theta), rtol=1e-12, atol=1e-14)
    assert run.loss[0, -1] < run.loss[0, 0]


def test_full_batch_gd_on_cohens_smallest_case_trains_at_the_edge_of_stability():
    # Cohen et al. 2021: one hidden tanh layer of 100, 20 points labelled by T_4, full-batch GD on
    # MSE. The sharpness starts below 2/lr, rises (progressive sharpening), reaches 2/lr and then
    # hovers there (it oscillates about it by a few per cent: self-stabilisation) while the loss
    # keeps decreasing, not monotonically
    lr = 0.07
    tm = training_map(models.mlp(1, [100], 1, activation="tanh", seed=0), data.chebyshev(20, degree=4), loss="mse",
                      lr=lr)
    run = train(tm, 40000, every=200)
    assert not run.diverged[0]
    edge = 2 / lr
    sharp = sharpness_along(tm, run)[0, :, 0]
    assert sharp[0] < 0.9 * edge
    first = int(np.argmax(sharp > edge))
    assert 0 < first < len(sharp) // 4
    above = sharp[first:] / edge - 1
    assert np.all(np.abs(above) < 0.15)
    assert -0.01 < np.median(above) < 0.15
    loss = run.loss[0]
    assert loss[-1] < loss[first] / 10
    assert np.any(np.diff(loss[first:]) > 0)  # not monotone: GD is not in its stable regime


def test_batch_sharpness_of_sgd_is_the_mean_directional_curvature_of_the_next_batches():
    d = data.synthetic_regression(64, 3, seed=1)
    tm = training_map(models.mlp(3, [8], 1, seed=0), d, loss="mse", lr=0.05, batch_size=16, seed=2)
    run = train(tm, 8, every=4)
    got = batch_sharpness_along(tm, run)
    theta = run.states[0, 1, : tm.n_params]
    step = int(run.steps[1])
    curv = []
    for i in range(tm.steps_per_epoch):
        idx = tm.batch(step + i)
        g = jax.grad(tm.batch_loss)(jnp.asarray(theta), idx)
        Hg = jax.jvp(jax.grad(lambda th: tm.batch_loss(th, idx)), (jnp.asarray(theta),), (g,))[1]
        curv.append(float(g @ Hg / (g @ g)))
    np.testing.assert_allclose(got[0, 1], np.mean(curv), rtol=1e-10)
    with pytest.raises(ValueError, match="batch sharpness needs a training map with a batch_size"):
        batch_sharpness_along(training_map(models.mlp(3, [8], 1), d, loss="mse"), run)


def test_bad_input_is_refused_with_a_one_line_message():
    tm = training_map(jnp.ones(2), loss=lambda th: jnp.sum(th ** 2))
    with pytest.raises(ValueError, match="optimizer must be one of gd, momentum, adam.*batch_size"):
        training_map(jnp.ones(2), loss=lambda th: jnp.sum(th ** 2), optimizer="sgd")
    with pytest.raises(ValueError, match="lr must be a positive"):
        training_map(jnp.ones(2), loss=lambda th: jnp.sum(th ** 2), lr=-1.0)
    with pytest.raises(ValueError, match="without data, loss must be a function"):
        training_map(jnp.ones(2), loss="mse")
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train(tm, 0)
    with pytest.raises(ValueError, match="lr must be a positive number or a 1-D array"):
        train(tm, 5, lr=[0.1, np.nan])
