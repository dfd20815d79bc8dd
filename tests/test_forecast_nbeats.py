"""N-BEATS in JAX: it learns a linear flow's chunk map, its interpretable forecasts lie in the span
of their bases, long forecasts feed back its own chunks, diverging forecasts are NaN from the
divergence on, it is seeded, and bad input is one line."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm

from chaoslab.forecast import Windows, get_model
from chaoslab.forecast.models.nbeats import nbeats_basis
from chaoslab.metrics import diverged_states

SMALL = dict(width=64, blocks=2, layers=2, lags=8, chunk=10, val_horizon=20)


@pytest.fixture(scope="module")
def spiral():
    # x' = A x (a damped rotation and a decay), dt = 0.1: the map over a chunk of 10 steps is
    # exactly linear, exp(10 A dt), a rotation by 1 radian. 12 trajectories of 120 steps; 8 train
    A = np.array([[-0.1, -1.0, 0.0], [1.0, -0.1, 0.0], [0.0, 0.0, -0.2]])
    M = expm(0.1 * A)
    x = [np.random.default_rng(7).uniform(-1, 1, size=(12, 3))]
    for _ in range(119):
        x.append(x[-1] @ M.T)
    x = np.stack(x, axis=1)
    return x[:8], x[8:]


def test_learns_a_linear_flow_chunk_by_chunk_and_is_seeded(spiral):
    # Over a chunk the state turns by up to 1 radian, so persistence errs by ~|x|; a network that
    # captures the chunk map to 10% errs by < 0.1 of that. Two chunks, fed back, stay < 0.2 of it.
    train, held = spiral
    val = Windows(held[:2, :8], held[:2, 8:48], np.zeros(2))
    m = get_model("nbeats", seed=3, epochs=150, patience=150, **SMALL).fit(train, val)
    assert m.memory == 8 and "lags" not in m.chosen_
    ctx = np.stack([h[t - 8 : t] for h in held[2:] for t in range(8, 90, 3)])
    truth = np.stack([h[t : t + 20] for h in held[2:] for t in range(8, 90, 3)])
    pred = m.predict(ctx, 20)
    for steps, tol in ((slice(0, 10), 0.1), (slice(10, 20), 0.2)):
        err = np.sqrt(np.mean(np.sum((pred[:, steps] - truth[:, steps]) ** 2, axis=-1)))
        naive = np.sqrt(np.mean(np.sum((ctx[:, -1:] - truth[:, steps]) ** 2, axis=-1)))
        print(f"steps {steps}: RMS error {err:.3e}, persistence {naive:.3e}")
        assert err < tol * naive, (steps, err, naive)
    fast = dict(SMALL, epochs=3, patience=3)
    one, two, other = (get_model("nbeats", seed=s, **fast).fit(train).predict(ctx[:5], 25) for s in (3, 3, 4))
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, other)


def test_interpretable_forecasts_lie_in_the_span_of_the_trend_and_seasonality_bases(spiral):
    # Each block's partial forecast is basis @ coefficients per coordinate, so forecast - level is
    # in the span of the trend (t^0..t^3) and seasonality (1, cos/sin 2 pi k t, k <= 2) columns:
    # an identity of the architecture, true for any weights (here untrained ones).
    train, _ = spiral
    m = get_model("nbeats", basis="interpretable", degree=3, harmonics=2, epochs=1, patience=1,
                  **{k: v for k, v in SMALL.items()}).fit(train)
    w = jnp.asarray(np.random.default_rng(0).normal(size=(8, 3)))
    y = np.asarray(m.net_.chunk_forecast(w)) - np.asarray(w[-1])
    B = np.concatenate([nbeats_basis("trend", 10, 0, 10, 4), nbeats_basis("seasonality", 10, 0, 10, 5)], axis=1)
    coef = np.linalg.lstsq(B, y, rcond=None)[0]
    assert np.max(np.abs(B @ coef - y)) < 1e-10 * np.max(np.abs(y))
    assert np.max(np.abs(y)) > 1e-3  # not trivially zero
    # the bases themselves: t^i at t = step / chunk; the backcast's steps run from -lags
    t = np.arange(-8, 0) / 10
    np.testing.assert_array_equal(nbeats_basis("trend", 8, -8, 10, 3), np.stack([t**0, t, t**2], axis=1))
    S = nbeats_basis("seasonality", 10, 0, 10, 5)  # one whole period: orthogonal columns
    G = S.T @ S
    np.testing.assert_allclose(G - np.diag(np.diag(G)), 0, atol=1e-12)


def test_a_long_forecast_feeds_back_its_own_chunks(spiral):
    # 25 steps = chunk 10 from the context, 10 from the window ending in its first chunk, then 5
    train, held = spiral
    m = get_model("nbeats", epochs=2, patience=2, **SMALL).fit(train)
    z = jnp.asarray((held[0, :8] - m.mu_) / m.sigma_)
    w, ys = z, []
    for _ in range(3):
        y = m.net_.chunk_forecast(w)
        ys.append(y)
        w = jnp.concatenate([w, y])[-8:]
    manual = np.concatenate(ys)[:25] * m.sigma_ + m.mu_
    np.testing.assert_allclose(m.predict(held[0, :8], 25), manual, rtol=1e-12, atol=1e-12)


def test_a_diverging_forecast_is_nan_from_the_divergence_on(spiral):
    train, held = spiral
    m = get_model("nbeats", epochs=1, patience=1, **SMALL).fit(train)
    # a constant drift of 5 standardised units per step in every partial forecast of block 0
    net = m.net_
    bias = net.blocks[0].basis_f.bias
    m.net_ = eqx.tree_at(lambda n: n.blocks[0].basis_f.bias, net, bias + 5.0 / jnp.tile(net.inc, 10))
    pred = m.predict(held[:, :8], 300)
    bad = ~np.isfinite(pred).all(axis=-1)
    assert bad.any(axis=1).all()
    first = bad.argmax(axis=1)
    assert all(bad[i, f:].all() and not bad[i, :f].any() for i, f in enumerate(first))
    # the unclipped run reaches 100 attractor scales exactly where the forecast turns NaN
    free = jax.vmap(lambda c: jax.lax.scan(lambda w, _: (jnp.concatenate([w, m.net_.chunk_forecast(w)])[-8:],
                                                         m.net_.chunk_forecast(w)), c, None, length=30)[1])
    z = np.asarray(free(jnp.asarray((held[:, :8] - m.mu_) / m.sigma_))).reshape(len(held), 300, 3)
    gone = diverged_states(z * m.sigma_ + m.mu_, m.train_mean_, m.train_scale_)
    np.testing.assert_array_equal(first, gone.argmax(axis=1))


def test_the_input_length_follows_the_validation_context_or_the_training_length(spiral):
    train, held = spiral
    val = Windows(held[:, :30], held[:, 30:50], np.zeros(len(held)))
    kw = dict(width=16, blocks=1, layers=1, chunk=10, epochs=1, patience=1)
    m = get_model("nbeats", **kw).fit(train, val)
    assert m.memory == 30 and m.chosen_["lags"].startswith("30 (the validation windows' context length)")
    short = get_model("nbeats", **kw).fit(train[:, :50])
    assert short.memory == 20 and "half the training length" in short.chosen_["lags"]
    with pytest.raises(ValueError, match="context has 10 points; nbeats needs at least 30"):
        m.predict(held[0, :10], 5)


@pytest.mark.parametrize("hp, message", [
    (dict(chunk=0), "chunk, blocks, width, layers, theta, harmonics >= 1 and degree >= 0"),
    (dict(degree=-1), "degree >= 0"),
    (dict(lags=0), "lags must be an integer >= 1 or None"),
    (dict(basis="fourier"), "basis"),
])
def test_bad_hyper_parameters_are_one_line(hp, message):
    with pytest.raises(ValueError, match=message) as e:
        get_model("nbeats", **hp)
    assert "\n" not in str(e.value)


def test_lags_longer_than_the_training_series_allow_are_one_line(spiral):
    train, _ = spiral
    with pytest.raises(ValueError, match="training trajectories have 120 points; lags=115 needs more than"):
        get_model("nbeats", lags=115, chunk=10, epochs=1).fit(train)
