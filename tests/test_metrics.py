"""chaoslab.metrics: hand-computed values on tiny arrays, VPT conventions, long-run distances."""

import math

import numpy as np
import pytest

from chaoslab.metrics import (
    METRICS,
    attractor_scale,
    divergence_fraction,
    histogram_kl,
    in_lyapunov_times,
    in_periods,
    metrics_by_step,
    normalised_error,
    pointwise_metrics,
    power_spectrum_distance,
    running_smape,
    sliced_wasserstein,
    sliced_wasserstein_shift,
    smape_vpt,
    valid_prediction_time,
)

# --------------------------------------------------------------------------- pointwise
# x = [1, 2, 3, 4], x̂ = [1, 3, 2, 6]  (H = 4, d = 1)
# e = x̂ − x = [0, 1, −1, 2], |e| = [0, 1, 1, 2], e² = [0, 1, 1, 4]
TRUE, PRED = np.array([1.0, 2, 3, 4]), np.array([1.0, 3, 2, 6])
TRAIN = np.array([0.0, 2, 1, 3, 5])
LOG43, LOG75 = math.log(4 / 3), math.log(7 / 5)
HAND = {
    "mse": 6 / 4,  # (0 + 1 + 1 + 4) / 4
    "mae": 4 / 4,  # (0 + 1 + 1 + 2) / 4
    "rmse": math.sqrt(1.5),
    # Var x = mean of (−1.5, −.5, .5, 1.5)² = 5/4; √(mse / Var x) = √(1.5 / 1.25)
    "nrmse": math.sqrt(1.2),
    # 100 (0/1 + 1/2 + 1/3 + 2/4) / 4 = 100 (4/3) / 4
    "mape": 100 / 3,
    # 200 (0/2 + 1/5 + 1/5 + 2/10) / 4 = 50 × 0.6
    "smape": 30.0,
    # 100 Σ|e| / Σ|x| = 100 × 4 / 10
    "wape": 40.0,
    # 100 mae / (4 − 1)
    "marre": 100 / 3,
    # naive lag-1 errors of TRAIN: |2|, |−1|, |2|, |2| → 7/4; mae / (7/4)
    "mase": 4 / 7,
    # 100 |Σe| / |Σx| = 100 × 2 / 10
    "ope": 20.0,
    # 1 − Σe² / Σ(x − x̄)² = 1 − 6 / 5
    "r2_score": -0.2,
    # 100 rmse / x̄ = 100 √1.5 / 2.5
    "coefficient_of_variation": 40 * math.sqrt(1.5),
    # all values >= 0: no shift; log(1 + x̂) − log(1 + x) = [0, log 4/3, −log 4/3, log 7/5]
    "rmsle": math.sqrt((2 * LOG43**2 + LOG75**2) / 4),
    # x − x̄ = [−1.5, −.5, .5, 1.5], x̂ − x̂̄ = [−2, 0, −1, 3]: Σ products 7, Σ squares 5 and 14
    "pearson": 7 / math.sqrt(70),
    # ranks of x̂ = [1, 3, 2, 4]: Σ d² = 2, ρ = 1 − 6 × 2 / (4 × 15)
    "spearman": 0.8,
    # pairs: only (1, 2) discordant (x rises, x̂ falls): (5 − 1) / 6
    "kendall": 2 / 3,
}


def test_pointwise_metrics_hand_values():
    r = pointwise_metrics(TRUE, PRED, train=TRAIN)
    assert set(r) == set(METRICS) and len(METRICS) == 17
    for name, value in HAND.items():
        assert r[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    assert isinstance(r["mse"], float)


def test_mase_seasonal_lag_and_missing_train():
    # lag 2 naive errors of TRAIN: |1 − 0|, |3 − 2|, |5 − 1| → mean 2; mase = 1 / 2
    assert pointwise_metrics(TRUE, PRED, train=TRAIN, m=2)["mase"] == pytest.approx(0.5)
    assert math.isnan(pointwise_metrics(TRUE, PRED)["mase"])
    assert metrics_by_step(TRUE, PRED, train=TRAIN)["mase"] == pytest.approx([0, 4 / 7, 4 / 7, 8 / 7])


def test_mutual_information_hand_and_gaussian():
    # x = [0, 1, 2, 3], x̂ = [0, 1, 3, 2] (equal spreads, so the unit-variance scaling keeps the
    # max-norm geometry); k = 1: every point's nearest joint neighbour is at distance 1 and no
    # other point is strictly closer than 1 in x or in x̂: n_x = n_y = 0 for all four points.
    # I = ψ(1) + ψ(4) − ⟨ψ(1) + ψ(1)⟩ = ψ(4) − ψ(1) = 1 + 1/2 + 1/3
    r = pointwise_metrics([0.0, 1, 2, 3], [0.0, 1, 3, 2], mi_neighbours=1)
    assert r["mutual_information"] == pytest.approx(11 / 6)
    # bivariate Gaussian, ρ = 0.8: I = −½ log(1 − ρ²) = 0.5108; KSG error at n = 2000 is ~0.02
    rng = np.random.default_rng(0)
    x = rng.standard_normal(2000)
    y = 0.8 * x + 0.6 * rng.standard_normal(2000)
    assert pointwise_metrics(x, y)["mutual_information"] == pytest.approx(-0.5 * math.log(0.36), abs=0.06)


def test_coordinate_averaging():
    # d = 2: x = [[1, 10], [3, 10], [5, 14]], x̂ = [[2, 10], [3, 12], [5, 14]]
    # coordinate 0: e = [1, 0, 0]; coordinate 1: e = [0, 2, 0]
    t = np.array([[1.0, 10], [3, 10], [5, 14]])
    p = np.array([[2.0, 10], [3, 12], [5, 14]])
    r = pointwise_metrics(t, p)
    assert r["mse"] == pytest.approx(5 / 6)  # (1 + 4) / 6 entries
    # marre per coordinate: 100 (1/3) / 4 and 100 (2/3) / 4 → mean 100 / 8
    assert r["marre"] == pytest.approx(12.5)
    # ope: 100 |1| / 9 and 100 |2| / 34 → mean
    assert r["ope"] == pytest.approx(0.5 * (100 / 9 + 200 / 34))
    # r2: Σ(x − x̄)² = 8 and 32/3; 1 − 1/8 and 1 − 4 / (32/3) = 5/8 → mean
    assert r["r2_score"] == pytest.approx(0.5 * (7 / 8 + 5 / 8))
    # smape = 200 × mean over the 6 entries: 1/3 and 2/22 are the only non-zero terms
    assert r["smape"] == pytest.approx(200 / 6 * (1 / 3 + 2 / 22))


def test_batch_equals_single_windows():
    rng = np.random.default_rng(1)
    t, p = rng.normal(3, 1, (4, 12, 3)), rng.normal(3, 1, (4, 12, 3))
    train = rng.normal(3, 1, (50, 3))
    rb, sb = pointwise_metrics(t, p, train=train), metrics_by_step(t, p, train=train)
    for w in range(4):
        r1, s1 = pointwise_metrics(t[w], p[w], train=train), metrics_by_step(t[w], p[w], train=train)
        for k in METRICS:
            assert rb[k].shape == (4,) and rb[k][w] == pytest.approx(r1[k], rel=1e-12), k
        for k in s1:
            assert sb[k].shape == (4, 12) and sb[k][w] == pytest.approx(s1[k], rel=1e-12), k


def test_metrics_by_step_hand_values():
    # x = [[1, 2], [2, 4]], x̂ = [[2, 2], [2, 1]]: step 0 e = [1, 0], step 1 e = [0, −3]
    r = metrics_by_step(np.array([[1.0, 2], [2, 4]]), np.array([[2.0, 2], [2, 1]]))
    assert r["mse"] == pytest.approx([0.5, 4.5])
    assert r["mae"] == pytest.approx([0.5, 1.5])
    # step 0: 200/2 (1/3 + 0); step 1: 200/2 (0 + 3/5)
    assert r["smape"] == pytest.approx([100 / 3, 60.0])
    # variances over the window: 1/4 and 1; step 0: √((4 + 0)/2), step 1: √((0 + 9)/2)
    assert r["nrmse"] == pytest.approx([math.sqrt(2), math.sqrt(4.5)])
    # ranges 1 and 2: step 0: 100 (1/1 + 0)/2, step 1: 100 (0 + 3/2)/2
    assert r["marre"] == pytest.approx([50.0, 75.0])
    assert r["wape"] == pytest.approx([100 / 3, 50.0])  # 100 × 1/3, 100 × 3/6


def test_zero_denominators_and_negative_rmsle():
    r = pointwise_metrics([0.0, 1, 2], [0.0, 1, 3])
    assert math.isnan(r["mape"])  # x = 0 at step 0
    # the sMAPE term 0/0 (x̂ = x = 0) counts 0: 200 (0 + 0 + 1/5) / 3
    assert r["smape"] == pytest.approx(200 / 15)
    flat = pointwise_metrics([2.0, 2, 2], [1.0, 2, 3])
    for name in ("r2_score", "nrmse", "marre", "pearson", "spearman", "kendall", "mutual_information"):
        assert math.isnan(flat[name]), name
    # negative data: c = min(0, −1, 0) = −1 shifts both: x' = [0, 1], x̂' = [1, 1]
    # log-differences [log 2, 0] → rmsle = log 2 / √2
    assert pointwise_metrics([-1.0, 0], [0.0, 0])["rmsle"] == pytest.approx(math.log(2) / math.sqrt(2))


def _with_nan(shape, where):
    a = np.ones(shape)
    a[where] = np.nan
    return a


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pointwise_metrics(np.ones((4, 2)), np.ones((4, 3))), "same shape"),
        (lambda: pointwise_metrics([1.0, np.nan, 2], [1.0, 2, 3]), "true contains NaN at step 1"),
        (lambda: pointwise_metrics(np.ones((2, 3, 2)), _with_nan((2, 3, 2), (1, 2, 0))),
         "pred contains NaN at window 1, step 2, dim 0; allowed: finite values"),
        (lambda: metrics_by_step([1.0, 2], [np.inf, 2]), "pred contains inf at step 0"),
        (lambda: pointwise_metrics(TRUE, PRED, train=np.ones((5, 2))), "train must have shape"),
        (lambda: pointwise_metrics(TRUE, PRED, train=TRAIN, m=0), "m must be a positive integer"),
        (lambda: valid_prediction_time(np.ones((3, 2)), np.ones((3, 2)), 0.1, scale=1.0, eps=0), "eps must be"),
        (lambda: valid_prediction_time(np.ones((3, 2)), np.ones((3, 2)), -1, scale=1.0), "dt must be"),
        (lambda: normalised_error(np.ones((3, 2)), np.ones((3, 2)), 0.0), "scale must be"),
        (lambda: valid_prediction_time([[np.nan]], [[1.0]], 0.1, scale=1.0), "true contains NaN"),
        (lambda: in_lyapunov_times(1.0, -0.5), "lyapunov_exponent must be"),
        (lambda: sliced_wasserstein(np.ones((5, 2)), np.full((5, 2), np.nan)), "pred contains NaN"),
        (lambda: histogram_kl(np.ones((5, 2)), np.ones((5, 3))), "same number of coordinates"),
    ],
)
def test_bad_input_one_line_errors(call, match):
    with pytest.raises(ValueError, match=match) as err:
        call()
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- horizon
def test_attractor_scale_and_normalised_error():
    # mean (0, 0); squared norms 1, 1, 4, 4 → √2.5
    x = np.array([[1.0, 0], [-1, 0], [0, 2], [0, -2]])
    assert attractor_scale(x) == pytest.approx(math.sqrt(2.5))
    assert attractor_scale(np.stack([x, x])) == pytest.approx(math.sqrt(2.5))  # pooled batch
    # ‖(3, 4)‖ / 5 = 1, then 0, then a NaN step → inf
    e = normalised_error([[0.0, 0], [1, 0], [1, 1]], [[3.0, 4], [1, 0], [np.nan, 1]], 5.0)
    assert e.tolist() == [1.0, 0.0, math.inf]


def test_vpt_perfect_departing_and_diverged():
    dt, H = 0.05, 40
    rng = np.random.default_rng(2)
    true = rng.standard_normal((H, 3))
    assert valid_prediction_time(true, true, dt, scale=1.0) == pytest.approx(H * dt)  # whole horizon
    # error 0.1 (valid) up to step 16, then 1.0 > 0.4 from step 17 on: k* = 17, VPT = 17 dt
    pred = true.copy()
    pred[:, 0] += np.where(np.arange(H) < 17, 0.1, 1.0)
    assert valid_prediction_time(true, pred, dt, scale=1.0) == pytest.approx(17 * dt)
    # the same error with scale 4 stays below 0.4: valid throughout
    assert valid_prediction_time(true, pred, dt, scale=4.0) == pytest.approx(H * dt)
    # a perfect forecast that turns NaN (or inf) at step 9 ends there; batch of four windows
    nan_pred, inf_pred, early = true.copy(), true.copy(), true.copy()
    nan_pred[9:] = np.nan
    inf_pred[9, 2] = np.inf
    early[0, 1] += 10.0  # invalid at the first step: VPT 0
    batch = valid_prediction_time(np.stack([true] * 4), np.stack([true, nan_pred, inf_pred, early]), dt, scale=1.0)
    assert batch == pytest.approx([H * dt, 9 * dt, 9 * dt, 0.0])


def test_smape_vpt_running_and_per_step():
    dt = 0.1
    true = np.ones((6, 1))
    pred = np.array([1.0, 1, 1, 2, 2, 2])[:, None]
    # per-step sMAPE: 0, 0, 0, 200 × 1/3 = 66.7, 66.7, 66.7
    # running: 0, 0, 0, 66.7/4 = 16.7, 133.3/5 = 26.7, 200/6 = 33.3 > 30 at step 5
    assert running_smape(true, pred) == pytest.approx([0, 0, 0, 200 / 12, 400 / 15, 200 / 6])
    assert smape_vpt(true, pred, dt) == pytest.approx(5 * dt)
    assert smape_vpt(true, pred, dt, running=False) == pytest.approx(3 * dt)
    assert smape_vpt(true, true, dt) == pytest.approx(6 * dt)
    bad = true.copy()
    bad[2] = np.nan  # a NaN at step 2 ends it even though the running sMAPE would stay small
    assert smape_vpt(true, bad, dt) == pytest.approx(2 * dt)
    assert smape_vpt(np.stack([true, true]), np.stack([pred, bad]), dt) == pytest.approx([5 * dt, 2 * dt])


def test_time_units():
    assert in_lyapunov_times(2.0, 0.9056) == pytest.approx(1.8112)
    assert in_periods(np.array([1.5, 3.0]), 1.5) == pytest.approx([1.0, 2.0])


# --------------------------------------------------------------------------- dynamical
def test_histogram_kl_hand_identical_and_shifted():
    # bins = 2, pad = 0 on x ∈ [0, 1]: true counts [1, 1 | overflow 0], pred [0, 5]: [1, 0 | 1]
    # α = 1/2: p = [1.5, 1.5, .5] / 3.5, q = [1.5, .5, 1.5] / 3.5
    # KL = (1.5 log 1 + 1.5 log 3 + .5 log 1/3) / 3.5 = log 3 / 3.5
    kl = histogram_kl([[0.0], [1.0]], [[0.0], [5.0]], bins=2, pad=0.0)
    assert kl == pytest.approx(math.log(3) / 3.5)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((20000, 3)), rng.standard_normal((20000, 3))
    assert histogram_kl(x, x) == 0.0
    same = histogram_kl(x, y)
    assert same < 0.005  # plug-in bias ≈ (B − 1) / 2N ≈ 1e-3
    shifted = histogram_kl(x, y + 0.5)
    assert shifted > 0.1 > same  # KL of N(0,1) ‖ N(.5,1) is .125
    assert histogram_kl(x, y + 0.5, kind="joint2d") > histogram_kl(x, y, kind="joint2d")
    gone = y.copy()
    gone[::2] = np.inf  # half the rollout left the attractor
    assert histogram_kl(x, gone) > 0.5


def test_sliced_wasserstein_exact_and_gaussian_shifts():
    # 1-D, unequal sizes, a = [0, 1], b = [0, 0, 3]: |F − G| = 1/6 on [0, 1), 1/3 on [1, 3)
    # W1 = 1/6 + 2/3 = 5/6 (a 1-D projection is ±x, so SW1 = W1)
    assert sliced_wasserstein([[0.0], [1.0]], [[0.0], [0.0], [3.0]]) == pytest.approx(5 / 6)
    rng = np.random.default_rng(4)
    n = 20000
    # 1-D Gaussians: W1(N(0,1), N(.7,1)) = .7; sampling error of W1 at n = 20000 is ~0.01
    a, b = rng.standard_normal((n, 1)), rng.standard_normal((n, 1)) + 0.7
    assert sliced_wasserstein(a, b) == pytest.approx(0.7, abs=0.03)
    # d = 3, shift δ = (1, 2, 2): the projections differ by the shift θ·δ only, W1(θ) = |θ·δ|;
    # E_θ|θ·δ| = |δ| E|θ₁| = 3 × 1/2 (on the 2-sphere θ₁ is uniform on [−1, 1]).
    # Errors: projections 3 √(E θ₁² − (E|θ₁|)²) / √P = 3 √(1/3 − 1/4) / √1000 ≈ 0.027, samples
    # ~√(2/n) ≈ 0.014 (measured spread over seeds 0.023): tolerance 0.08 ≈ 3.5 σ
    assert sliced_wasserstein_shift([1.0, 2, 2]) == pytest.approx(1.5)
    assert sliced_wasserstein_shift([0.0, 1]) == pytest.approx(2 / math.pi)
    x, y = rng.standard_normal((10000, 3)), rng.standard_normal((10000, 3)) + [1.0, 2, 2]
    assert sliced_wasserstein(x, y, n_projections=1000) == pytest.approx(1.5, abs=0.08)
    assert sliced_wasserstein(x, y, n_projections=64, seed=5) == sliced_wasserstein(x, y, n_projections=64, seed=5)


def test_power_spectrum_distance():
    dt = 0.01
    t = np.arange(8192)[:, None] * dt

    def wave(f):
        return np.hstack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)])

    base = wave(1.0)
    assert power_spectrum_distance(base, base, dt) == pytest.approx(0.0, abs=1e-12)
    assert power_spectrum_distance(base, 3 * base + 1, dt) == pytest.approx(0.0, abs=1e-12)  # shape only
    near, far = power_spectrum_distance(base, wave(1.2), dt), power_spectrum_distance(base, wave(3.0), dt)
    assert 0.3 < near <= far <= 1.0 and far > 0.99


def test_divergence_fraction():
    # the one rule: not finite, or ‖x − mean‖₂ > 100 scales; ‖(30, 40)‖ = 50 (exact in binary)
    mean = np.array([1.0, -2.0])
    ok = np.tile(mean, (10, 1))
    nan, inf, big = ok.copy(), ok.copy(), ok.copy()
    nan[5, 0], inf[3, 1], big[7] = np.nan, -np.inf, mean + [30.0, 40.0]
    rollouts = np.stack([ok, nan, inf, big])
    assert divergence_fraction(rollouts, mean, 0.5) == pytest.approx(0.5)  # radius 50: on it is inside
    assert divergence_fraction(rollouts, mean, 0.49) == pytest.approx(0.75)
    assert divergence_fraction(big, mean, np.inf) == 0.0  # inf: only non-finite states count
