"""Ensemble scores against closed forms, hand-computed small cases and sampling theory."""

import math

import numpy as np
import pytest

from chaoslab.metrics.probabilistic import (crps, energy_score, ensemble_mean_rmse, gaussian_crps, rank_histogram,
                                            reliability, spread_skill, tail_coverage)


def test_gaussian_crps_closed_form():
    # CRPS(N(0,1), 0) = 2 phi(0) - 1/sqrt(pi); and the scale/shift law CRPS(N(m,s), y) = s CRPS(N(0,1), (y-m)/s)
    assert gaussian_crps(0.0, 0.0, 1.0) == pytest.approx(2 / math.sqrt(2 * math.pi) - 1 / math.sqrt(math.pi), rel=1e-12)
    z = 0.7
    phi, Phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(z / math.sqrt(2)))
    by_hand = 2.0 * (z * (2 * Phi - 1) + 2 * phi - 1 / math.sqrt(math.pi))
    assert gaussian_crps(1.0 + 2.0 * z, 1.0, 2.0) == pytest.approx(by_hand, rel=1e-12)


def test_ensemble_crps_hand_computed_and_against_the_gaussian_closed_form():
    # members {0, 1}, y = 0.5: E|X-y| = 0.5, E|X-X'| = 0.5 -> 0.25; the fair estimator's second
    # term uses the M(M-1) distinct pairs: |0-1| = 1 -> 0.5 - 0.5 = 0
    assert crps(0.5, np.array([0.0, 1.0])) == pytest.approx(0.25)
    assert crps(0.5, np.array([0.0, 1.0]), fair=True) == pytest.approx(0.0)
    # a large N(0, 1) ensemble approaches the closed form; the estimator's sampling error at
    # M = 20000 is ~ 0.6 / sqrt(M) = 0.004
    rng = np.random.default_rng(0)
    ens = rng.standard_normal((20000, 5))
    y = np.array([-2.0, -0.5, 0.0, 0.3, 1.5])
    np.testing.assert_allclose(crps(y, ens, fair=True), gaussian_crps(y, 0.0, 1.0), atol=0.02)


def test_energy_score_hand_computed_and_reduces_to_crps():
    ens = np.array([[0.0, 0.0], [3.0, 4.0]])  # members x variables
    # E||X - y|| = (0 + 5)/2; E||X - X'|| = (0 + 5 + 5 + 0)/4 -> 2.5 - 1.25
    assert energy_score(np.zeros(2), ens) == pytest.approx(1.25)
    rng = np.random.default_rng(1)
    e1 = rng.standard_normal((7, 4, 1))
    y1 = rng.standard_normal((4, 1))
    np.testing.assert_allclose(energy_score(y1, e1), crps(y1[:, 0], e1[:, :, 0]), rtol=1e-12)


def test_a_perfect_ensemble_is_flat_and_has_spread_skill_one():
    # truth and M members drawn from the same distribution: every rank equally likely and
    # E[(mean - y)^2] = (M+1)/M E[s^2]; with 20000 independent cases the ratio's sampling error
    # is ~ 1/sqrt(2 * 20000) = 0.005
    rng = np.random.default_rng(2)
    M, n = 10, 20000
    scale = rng.uniform(0.5, 3.0, size=n)  # cases differ; each case's members share its spread
    y = scale * rng.standard_normal(n)
    ens = scale * rng.standard_normal((M, n))
    assert spread_skill(y, ens) == pytest.approx(1.0, abs=0.03)
    rh = rank_histogram(y, ens)
    assert rh.counts.sum() == n and len(rh.counts) == M + 1 and rh.p_value > 1e-3
    np.testing.assert_allclose(rh.frequencies, 1 / (M + 1), atol=5 * math.sqrt((1 / 11) * (10 / 11) / n))
    # an under-dispersed ensemble (spread halved): ratio ~ 0.5 sqrt(11/10)/sqrt(1 + 1/40) and U-shaped ranks
    narrow = 0.5 * scale * rng.standard_normal((M, n))
    assert spread_skill(y, narrow) == pytest.approx(0.5 * math.sqrt(1.1) / math.sqrt(1 + 0.25 / M), abs=0.03)
    rh = rank_histogram(y, narrow)
    assert rh.p_value < 1e-6 and rh.counts[0] > 2 * rh.counts[M // 2] and rh.counts[-1] > 2 * rh.counts[M // 2]


def test_ensemble_mean_rmse_and_ties_in_ranks():
    ens = np.array([[1.0, 2.0], [3.0, 2.0]])
    assert ensemble_mean_rmse(np.array([2.0, 4.0]), ens) == pytest.approx(math.sqrt((0 + 4) / 2))
    # y equal to both members: its rank is uniform over 0..2 (seeded)
    rh = rank_histogram(np.full(3000, 2.0), np.full((2, 3000), 2.0), seed=0)
    np.testing.assert_allclose(rh.frequencies, 1 / 3, atol=5 * math.sqrt(2 / 9 / 3000))


def test_reliability_of_a_calibrated_probability_forecast():
    # forecast probabilities p ~ U(0, 1) made exact by the ensemble (round(p M) members above the
    # threshold), events drawn with probability p: each bin's observed frequency matches its mean
    # forecast probability within binomial error
    rng = np.random.default_rng(3)
    M, n = 20, 40000
    k = rng.integers(0, M + 1, size=n)
    ens = np.where(np.arange(M)[:, None] < k[None], 1.0, -1.0)
    y = np.where(rng.random(n) < k / M, 1.0, -1.0)
    r = reliability(y, ens, 0.0, bins=5)
    assert r.counts.sum() == n
    se = np.sqrt(r.observed_frequency * (1 - r.observed_frequency) / r.counts) + 1e-12
    assert np.all(np.abs(r.observed_frequency - r.forecast_probability) < 5 * se + 1e-9)
    # Brier score of a reliable forecast: E[p(1 - p)] over the forecast probabilities
    p = k / M
    assert r.brier_score == pytest.approx(np.mean(p * (1 - p)), abs=5 * 0.5 / math.sqrt(n))
    # hand case: two cases, probabilities 1 and 0.5, events yes and no -> ((0)^2 + 0.5^2) / 2
    r = reliability(np.array([1.0, -1.0]), np.array([[1.0, 1.0], [1.0, -1.0]]), 0.0, bins=2)
    assert r.brier_score == pytest.approx(0.125) and list(r.counts) == [0, 2]


def test_tail_coverage_hand_case():
    y = np.array([0.0, 4.0, -5.0, 3.5])  # clim N(0, 1): three tail events (|z| > 3)
    ens = np.array([[0.0, 3.0, -1.0, 2.0],
                    [1.0, 5.0, 1.0, 3.2]])
    tc = tail_coverage(y, ens, 0.0, 1.0, k=3)
    # event 4.0: inside [3, 5], a member beyond +3 -> covered, anticipated
    # event -5.0: outside [-1, 1], no member below -3 -> neither; 3.5: outside [2, 3.2], a member at 3.2 > 3
    assert tc.events == 3 and tc.covered == pytest.approx(1 / 3) and tc.anticipated == pytest.approx(2 / 3)
    assert math.isnan(tail_coverage(np.zeros(3), np.zeros((2, 3)), 0.0, 1.0).covered)


@pytest.mark.parametrize("call, message", [
    (lambda: crps(np.zeros(3), np.zeros((1, 3))), "an ensemble needs at least 2 members, got 1"),
    (lambda: crps(np.zeros(3), np.zeros((4, 2))), "must match obs (3,)"),
    (lambda: spread_skill(np.zeros(2), np.array([[0.0, np.nan], [1.0, 1.0]])), "ensemble contains NaN or inf"),
    (lambda: gaussian_crps(0.0, 0.0, 0.0), "sigma must be > 0"),
])
def test_bad_input_is_one_line(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value) and "\n" not in str(e.value)
