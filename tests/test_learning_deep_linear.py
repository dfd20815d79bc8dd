"""Deep linear networks (chaoslab.learning.models.deep_linear trained by chaoslab's training map)
against the exact solution of Saxe, McClelland & Ganguli (2014), "Exact solutions to the
nonlinear dynamics of learning in deep linear neural networks" (ICLR 2014, arXiv:1312.6120).

A two-layer linear network y = W2 W1 x trained on whitened inputs (Sigma_xx = E[x x^T] = I) by
gradient flow on the square loss, tau dW/dt = -dL/dW with L = 1/2 E||y - W2 W1 x||^2, sees only
the input-output correlation Sigma_yx = E[y x^T] = sum_a s_a u_a v_a^T. From a decoupled
initialisation W1 = sum_a a_a r_a v_a^T, W2 = sum_a b_a u_a r_a^T (orthonormal hidden
directions r_a) the modes evolve independently, tau da/dt = b (s - a b), tau db/dt = a (s - a b),
and when balanced (a = b) the mode strength u = a b obeys tau du/dt = 2 u (s - u), whose
solution is the sigmoid

    u(t) = s e^{2 s t / tau} / (e^{2 s t / tau} - 1 + s / u0),

and the time to learn the mode from u0 to u_f is

    t(u_f) = tau / (2 s) ln( u_f (s - u0) / (u0 (s - u_f)) )

(integrate dt = tau du / (2 u (s - u)) with 1 / (u (s - u)) = (1/u + 1/(s - u)) / s)."""

import chaoslab  # noqa: F401  (float64)
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from chaoslab.learning import data, models
from chaoslab.learning.training import train, training_map


def saxe_mode_strength(t, s, u0, tau=1.0):
    e = np.exp(2 * s * t / tau)
    return s * e / (e - 1 + s / u0)


def saxe_learning_time(s, u0, uf, tau=1.0):
    return tau / (2 * s) * np.log(uf * (s - u0) / (u0 * (s - uf)))


def test_each_mode_is_learned_at_the_time_of_saxe_et_al_closed_form():
    rng = np.random.default_rng(0)
    n, d_in, d_hidden, d_out = 16, 4, 3, 3
    s = np.array([2.0, 1.0])  # the target's singular values: two modes
    U = np.linalg.qr(rng.standard_normal((d_out, 2)))[0]
    V = np.linalg.qr(rng.standard_normal((d_in, 2)))[0]
    R = np.linalg.qr(rng.standard_normal((d_hidden, 2)))[0]
    M = U @ np.diag(s) @ V.T
    # whitened inputs, exactly: X = sqrt(n) Q with Q^T Q = I, so Sigma_xx = X^T X / n = I; and
    # y = M x, so Sigma_yx = Y^T X / n = M (the loss models.mse, 1/(2n) sum ||W x - y||^2, is
    # 1/2 ||W2 W1 - M||_F^2: Saxe's objective with tau = 1)
    X = np.sqrt(n) * np.linalg.qr(rng.standard_normal((n, d_in)))[0]
    Y = X @ M.T
    np.testing.assert_allclose(X.T @ X / n, np.eye(d_in), atol=1e-14)
    np.testing.assert_allclose(Y.T @ X / n, M, atol=1e-14)
    # small, balanced, decoupled initialisation: a = b = a0 in both modes, u0 = a0^2 = 1e-6.
    # (models.deep_linear's own iid N(0, scale^2) start is neither balanced nor aligned with the
    # modes: it follows the sigmoid only after a transient, not the closed form exactly)
    a0 = 1e-3
    u0 = a0 ** 2
    net = models.deep_linear(d_in, [d_hidden], d_out, scale=a0, seed=0)
    net = eqx.tree_at(lambda m: m.weights, net, (jnp.asarray(a0 * R @ V.T), jnp.asarray(a0 * U @ R.T)))
    # gradient descent W <- W - lr dL/dW is the Euler discretisation of the flow (tau = 1) with
    # t = lr x steps. While a mode is small it grows by (1 + lr s)^2 a step against the flow's
    # e^{2 lr s}: its rate is short by ln(1 + lr s) / (lr s) - 1 ~ -lr s / 2, so GD's learning
    # time exceeds the flow's by a fraction about lr s / 2, and less once the mode saturates.
    # lr = 1e-3 makes that at most 1e-3 (s = 2): ten times below the 1 % tolerance
    lr = 1e-3
    tm = training_map(net, data.Dataset(x=X, y=Y, kind="regression"), loss="mse", lr=lr)
    steps = int(np.ceil(saxe_learning_time(s.min(), u0, 0.95 * s.min()) / lr))
    run = train(tm, steps)
    assert not run.diverged[0]
    theta = jnp.asarray(run.states[0, :, : tm.n_params])
    W = np.asarray(jax.vmap(lambda th: (lambda m: m.weights[1] @ m.weights[0])(tm.unravel(th)))(theta))
    t = lr * np.arange(steps + 1)
    for a in range(2):
        u = np.einsum("i,kij,j->k", U[:, a], W, V[:, a])  # the mode strength u_a^T W2 W1 v_a
        np.testing.assert_allclose(u[0], u0, rtol=1e-12)
        for fraction in (0.1, 0.5, 0.9):
            uf = fraction * s[a]
            k = int(np.argmax(u >= uf))
            assert k > 0
            crossing = lr * (k - 1 + (uf - u[k - 1]) / (u[k] - u[k - 1]))  # linear between steps
            expected = saxe_learning_time(s[a], u0, uf)
            err = crossing / expected - 1
            assert abs(err) < 0.01  # the requirement
            assert 0 < err < lr * s[a] / 2 * 1.05  # and the discretisation error is as estimated
        # the whole sigmoid, not only its crossing times
        assert np.max(np.abs(u - saxe_mode_strength(t, s[a], u0))) / s[a] < 0.005
    # plateaus and sharp transitions: the stronger mode is learned first, and by its own
    # learning time the weaker one has barely moved
    t_strong = saxe_learning_time(s[0], u0, 0.5 * s[0])
    u_weak = np.einsum("i,kij,j->k", U[:, 1], W, V[:, 1])
    assert u_weak[int(round(t_strong / lr))] < 0.01 * s[1]
