"""The one divergence rule of forecasts (chaoslab.metrics.diverged_states): a state has diverged
when it is not finite or farther than DIVERGENCE_SCALES attractor scales from the mean. The
numpy and the compiled (jax.numpy) forms agree, and every model family's forecast is NaN from
exactly the step where the rule says its planted blow-up leaves the ball."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaoslab.forecast import get_model
from chaoslab.metrics import (
    DIVERGENCE_SCALES,
    attractor_scale,
    divergence_fraction,
    divergence_mask,
    diverged_states,
    nan_from_divergence,
)


def states_around_the_boundary(mean, scale, n=2000, seed=0):
    """States at distances 100 s (1 ± r) from the mean, 1e-8 <= r <= 0.5, on both sides (far
    from the boundary compared with rounding, ~1e-16), plus non-finite ones."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, len(mean)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = 10 ** rng.uniform(-8, np.log10(0.5), n) * rng.choice([-1, 1], n)
    x = mean + u * (DIVERGENCE_SCALES * scale * (1 + r))[:, None]
    x[::50, 1], x[1::50, 0] = np.nan, -np.inf
    return x, (r > 0) | ~np.all(np.isfinite(x), axis=1)


def test_the_rule_in_numpy_and_in_compiled_code_agree():
    mean, scale = np.array([3.0, -1.0, 0.5]), 2.5
    x, want = states_around_the_boundary(mean, scale)
    assert np.array_equal(diverged_states(x, mean, scale), want)
    compiled = jax.jit(lambda x: diverged_states(x, jnp.asarray(mean), scale, xp=jnp))
    assert np.array_equal(np.asarray(compiled(jnp.asarray(x))), want)
    # the neural models' form: standardised z with x - mean = sigma z and span = sigma / s
    from chaoslab.forecast.models.neural import diverged

    sigma = np.array([0.5, 2.0, 1.0])
    z = (x - mean) / sigma
    assert np.array_equal(np.asarray(jax.jit(diverged)(jnp.asarray(z), jnp.asarray(sigma / scale))), want)


def test_masks_fractions_and_nan_from_the_first_diverged_state():
    mean, scale = np.zeros(2), 1.0
    t = np.arange(10.0)
    walk = np.stack([np.stack([20 * t, 0 * t], -1), np.stack([0 * t, 0 * t], -1), np.stack([t, t], -1)])
    walk[2, 4, 1] = np.nan  # the third turns non-finite at step 4 and back
    assert np.array_equal(divergence_mask(walk, mean, scale), [True, False, True])
    assert divergence_fraction(walk, mean, scale) == pytest.approx(2 / 3)
    out = nan_from_divergence(walk, mean, scale)
    # 20 t > 100 from t = 6 on; the NaN at step 4 makes everything after it NaN too
    assert np.isnan(out[0, 6:]).all() and np.array_equal(out[0, :6], walk[0, :6])
    assert np.array_equal(out[1], walk[1]) and np.isnan(out[2, 4:]).all() and np.array_equal(out[2, :4], walk[2, :4])
    stacked = nan_from_divergence(walk[:, None].repeat(3, axis=1), mean, scale)  # (W, n, T, d), as sample()
    np.testing.assert_array_equal(stacked[:, 1], out)
    assert not divergence_mask(walk[:1] * 1e300, mean, np.inf)  # inf: only non-finite states count


@pytest.mark.parametrize("call, message", [
    (lambda: diverged_states(np.zeros((2, 3)), np.zeros(2), 1.0), r"mean must be a finite number or have shape \(3,\)"),
    (lambda: diverged_states(np.zeros((2, 3)), np.zeros(3), 0.0), "scale must be a positive number"),
    (lambda: diverged_states(np.zeros((2, 3)), np.zeros(3), np.nan), "scale must be a positive number"),
    (lambda: divergence_mask(np.zeros(3), 0.0, 1.0), r"rollouts must have shape \(T, d\) or \(N, T, d\)"),
    (lambda: nan_from_divergence(np.zeros(3), 0.0, 1.0), r"rollouts must have shape \(..., T, d\)"),
])
def test_bad_input_is_refused_in_one_line(call, message):
    with pytest.raises(ValueError, match=message) as e:
        call()
    assert "\n" not in str(e.value)


# ----------------------------------------------------------------------------- every family
DT, H = 0.1, 120


@pytest.fixture(scope="module")
def data():
    """Two bounded 3-d trajectories; contexts whose last step moves by the planted velocity v
    (|v| = 2.03 s, along (1, 1, 1)), so a drift x_k = x_c + (k + 1) v crosses 100 s near k = 50."""
    t = DT * np.arange(200)
    train = np.stack([np.stack([np.sin(t + p), np.cos(t + p), np.sin(2 * t + p)], -1) for p in (0.0, 1.0)])
    s = attractor_scale(train)
    v = 2.03 * s * np.ones(3) / np.sqrt(3)
    ctx = train[:, 100:110].copy()
    ctx[:, -1] = ctx[:, -2] + v
    drift = ctx[:, -1, None] + np.arange(1, H + 1)[:, None] * v
    return train, ctx, v, drift


def plant(name, m, v, d=3):
    """Set the fitted model's parameters so that its forecast is the drift x_c + (k + 1) v."""
    c = v / m.sigma_ if hasattr(m, "sigma_") else None  # v in standardised units
    if name in ("linear", "nvar"):
        m.W_ = np.zeros_like(m.W_)
        m.W_[0] = c  # the constant feature -> the increment
    elif name == "sindy":
        m.coef_ = np.zeros_like(m.coef_)
        m.coef_[0] = v / DT  # x' = v / dt
    elif name == "dmd":
        eye = np.eye(d)
        m.operator_ = np.block([[2 * eye, -eye], [eye, 0 * eye]])  # x_{t+1} = 2 x_t - x_{t-1}
    elif name == "edmd":
        K = np.zeros_like(m.K_)
        K[0, 0], K[0, 1 : d + 1], K[1 : d + 1, 1 : d + 1] = 1.0, c, np.eye(d)  # z <- z + c
        m.K_ = K
    else:  # the networks: a last linear layer with zero weights and bias c / inc (an increment c)
        last = {"mlp": lambda n: n.mlp.layers[-1], "gru": lambda n: n.out, "transformer": lambda n: n.out,
                "node": lambda n: n.field.layers[-1]}[name]
        m.net_ = eqx.tree_at(lambda n: (last(n).weight, last(n).bias), m.net_,
                             (0 * last(m.net_).weight, jnp.asarray(c) / m.net_.inc))


FAMILIES = {"linear": dict(k=1), "nvar": dict(k=1, degree=2), "sindy": dict(refine=False), "dmd": dict(delays=2),
            "edmd": dict(degree=2), "mlp": dict(lags=2, width=8, epochs=1), "gru": dict(lags=2, hidden=8, epochs=1),
            "transformer": dict(lags=2, d_model=8, epochs=1), "node": dict(width=8, epochs=1)}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_flags_the_same_blow_up_at_the_step_the_rule_names(data, name):
    train, ctx, v, drift = data
    m = get_model(name, **FAMILIES[name]).fit(train, dt=DT)
    assert np.array_equal(m.train_mean_, train.reshape(-1, 3).mean(0)) and m.train_scale_ == attractor_scale(train)
    plant(name, m, v)
    bad = diverged_states(drift, m.train_mean_, m.train_scale_)
    first = bad.argmax(axis=1)
    assert bad.any(axis=1).all() and (np.abs(first - 48) <= 3).all()
    # no tie: the crossing step is well outside the ball, the one before well inside
    dist = np.linalg.norm(drift - m.train_mean_, axis=-1) / (DIVERGENCE_SCALES * m.train_scale_)
    assert (dist[[0, 1], first] > 1 + 1e-3).all() and (dist[[0, 1], first - 1] < 1 - 1e-3).all()
    pred = m.predict(ctx, H)
    gone = np.isnan(pred).all(axis=-1)
    assert np.array_equal(gone, np.logical_or.accumulate(bad, axis=1)) and not np.isnan(pred[~gone]).any()
    # before it, the forecast is the planted drift (to rounding: ~k eps of |x|, or the integrators'
    # exactness on a constant field)
    np.testing.assert_allclose(pred[~gone], drift[~gone], rtol=0, atol=1e-9 * DIVERGENCE_SCALES * m.train_scale_)


def test_the_echo_state_network_output_is_flagged_by_the_same_rule(data):
    # an ESN's output is bounded by its readout (tanh units), so it cannot drift; plant a constant
    # output 150 attractor scales from the mean (NaN from the first step) and one at 50 (never)
    train, ctx, v, _ = data
    m = get_model("esn", size=20, washout=10).fit(train)
    u = v / np.linalg.norm(v)
    for k, expect in ((150.0, True), (50.0, False)):
        W = np.zeros(m.W_out_.shape)
        W[:, 0] = k * m.train_scale_ * u / m.sigma_
        m.W_out_ = jnp.asarray(W)
        pred = m.predict(ctx, 20)
        assert np.isnan(pred).all() if expect else np.isfinite(pred).all()
        assert diverged_states(m.train_mean_ + k * m.train_scale_ * u, m.train_mean_, m.train_scale_) == expect
