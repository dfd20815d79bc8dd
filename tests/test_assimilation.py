"""Data assimilation: the Kalman filter as the known answer, Lorenz-96 and Kuramoto-Sivashinsky
twin experiments, divergence reported, bad input refused."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.cli.main import app
from chaoslab.ensembles.assimilation import assimilate, enkf_update, etkf_update, gaspari_cohn, observation_operator

A1, A2 = 0.3, 0.3 * math.sqrt(2)  # two incommensurate rotations: a bounded, neutral linear map


@cl.map_system(params=dict(), ic=[1.0, 0.0, 0.6, -0.3])
def TwoRotations(x, t):
    c1, s1, c2, s2 = math.cos(A1), math.sin(A1), math.cos(A2), math.sin(A2)
    return cl.stack(c1 * x[0] - s1 * x[1], s1 * x[0] + c1 * x[1], c2 * x[2] - s2 * x[3], s2 * x[2] + c2 * x[3])


def _rotation_matrix():
    R = lambda a: np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    M = np.zeros((4, 4))
    M[:2, :2], M[2:, 2:] = R(A1), R(A2)
    return M


def _kalman(x, P, A, H, R, observations):
    means, covs = [], []
    for y in observations:
        x, P = A @ x, A @ P @ A.T
        K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
        x, P = x + K @ (y - H @ x), (np.eye(len(x)) - K @ H) @ P
        means.append(x)
        covs.append(P)
    return np.array(means), np.array(covs)


def test_one_etkf_update_is_the_kalman_update_of_the_ensemble():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5)) @ rng.standard_normal((5, 5))
    H, sigma, y = np.eye(5)[[0, 2, 3]], np.array([0.5, 1.0, 0.7]), rng.standard_normal(3)
    Xa = etkf_update(X, y, H, sigma)
    xm, P, R = X.mean(0), np.cov(X.T), np.diag(sigma**2)
    K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
    np.testing.assert_allclose(Xa.mean(0), xm + K @ (y - H @ xm), atol=1e-12)
    np.testing.assert_allclose(np.cov(Xa.T), (np.eye(5) - K @ H) @ P, atol=1e-12)
    # localisation weights that are all 1 make the LETKF the ETKF
    np.testing.assert_allclose(etkf_update(X, y, H, sigma, np.ones((5, 3))), Xa, atol=1e-12)
    # the stochastic EnKF with centred perturbed observations has the Kalman mean exactly
    np.testing.assert_allclose(enkf_update(X, y, H, sigma, np.random.default_rng(1)).mean(0), xm + K @ (y - H @ xm),
                               atol=1e-12)


def test_gaspari_cohn_known_values():
    # eq. (4.10) of Gaspari & Cohn (1999): 1 at 0, 5/24 at c (z = 1), 0 from 2c on, continuous
    np.testing.assert_allclose(gaspari_cohn([0.0, 2.0, 4.0, 5.0], 2.0), [1.0, 5 / 24, 0.0, 0.0], atol=1e-15)
    z = np.array([1 - 1e-9, 1 + 1e-9])
    assert abs(np.diff(gaspari_cohn(z, 1.0))[0]) < 1e-8


def test_etkf_on_a_linear_gaussian_system_is_the_kalman_filter():
    # with more members than dimensions, no inflation and no localisation, the ETKF of a linear
    # model carries the ensemble's mean and covariance exactly as the Kalman filter does: the
    # analysis means agree to round-off at every one of 60 cycles
    r = assimilate(TwoRotations, filter="etkf", members=8, obs_every=1, obs_sigma=0.3, observed=[0, 2],
                   inflation=1.0, cycles=60, spinup=0, seed=3)
    X0, H, obs = r.info["initial_ensemble"], r.info["H"], r.info["observations"]
    means, covs = _kalman(X0.mean(0), np.cov(X0.T), _rotation_matrix(), H, 0.09 * np.eye(2), obs)
    np.testing.assert_allclose(r.analysis_mean, means, atol=1e-9)
    # the stochastic EnKF agrees on average: with 4000 members its mean is within a few sampling
    # standard errors sqrt(P / N) of the Kalman mean (over 10 cycles)
    e = assimilate(TwoRotations, filter="enkf", members=4000, obs_every=1, obs_sigma=0.3, observed=[0, 2],
                   inflation=1.0, cycles=10, spinup=0, seed=3)
    X0 = e.info["initial_ensemble"]
    means, covs = _kalman(X0.mean(0), np.cov(X0.T), _rotation_matrix(), e.info["H"], 0.09 * np.eye(2),
                          e.info["observations"])
    se = np.sqrt(np.einsum("kii->ki", covs) / 4000)
    assert np.all(np.abs(e.analysis_mean - means) < 6 * se + 1e-12)


def test_etkf_on_lorenz96_beats_the_observations():
    # Lorenz-96, N = 40, F = 8, every variable observed every 0.05 with sigma = 1: the time-mean
    # analysis RMSE of a well-tuned ensemble filter is ~0.2 (Ott et al. 2004; Sakov & Oke 2008);
    # we measure 0.175 (40 members, inflation 1.02, 1000 cycles). Asserted: well below sigma.
    r = assimilate("Lorenz96N40", filter="etkf", members=40, inflation=1.02, cycles=500, seed=0)
    assert not r.diverged and r.time_mean_rmse < 0.3, r.summary()
    assert 0.5 < r.time_mean_spread / r.time_mean_rmse < 2.0  # the spread tracks the error
    # localised: the LETKF with 20 members (fewer than the 40 dimensions) and the stochastic EnKF
    loc = assimilate("Lorenz96N40", filter="etkf", members=20, inflation=1.02, localisation=4.0, cycles=300, seed=1)
    assert not loc.diverged and loc.time_mean_rmse < 0.35, loc.summary()
    enkf = assimilate("Lorenz96N40", filter="enkf", members=40, inflation=1.05, localisation=6.0, cycles=300, seed=1)
    assert not enkf.diverged and enkf.time_mean_rmse < 0.35, enkf.summary()


def test_letkf_on_kuramoto_sivashinsky():
    # every other grid point observed every time unit with sigma = 0.1 (the field's spread is 1.2)
    r = assimilate("KuramotoSivashinsky", filter="etkf", members=20, obs_every=1.0, obs_sigma=0.1,
                   observed="every_other", inflation=1.05, localisation=4.0, cycles=200, seed=0)
    assert not r.diverged and r.time_mean_rmse < 0.05, r.summary()


def test_a_diverging_filter_is_reported_not_scored():
    # 5 members, no inflation, half the variables observed: the filter loses the truth
    r = assimilate("Lorenz96N40", filter="etkf", members=5, inflation=1.0, observed="every_other", cycles=300)
    assert r.diverged and r.diverged_at is not None
    s = r.summary()
    assert "time_mean_analysis_rmse" not in s and all(not (isinstance(v, float) and math.isnan(v)) for v in s.values())
    out = CliRunner().invoke(app, ["assimilate", "Lorenz96N40", "--members", "5", "--inflation", "1.0", "--observed",
                                   "every_other", "--cycles", "300", "--json"])
    assert out.exit_code == 1 and json.loads(out.stdout)["diverged"] is True


@pytest.mark.parametrize("kwargs, message", [
    (dict(members=1), "an ensemble needs at least 2 members, got 1"),
    (dict(filter="etfk"), "unknown filter 'etfk'; did you mean 'etkf'?"),
    (dict(observed=np.ones((3, 7))), "the observation operator must have shape (p, 40) with p >= 1, got (3, 7)"),
    (dict(observed=[0, 40]), "observed indices must be distinct integers in 0..39"),
    (dict(inflation=0.9), "inflation must be a number >= 1"),
    (dict(obs_sigma=0.0), "obs_sigma must be a number > 0"),
    (dict(localisation=-1.0), "localisation must be a half-width > 0"),
])
def test_bad_input_is_one_line(kwargs, message):
    with pytest.raises(ValueError) as e:
        assimilate("Lorenz96N40", **({"cycles": 5} | kwargs))
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_localisation_needs_a_grid_and_the_cli_says_so():
    with pytest.raises(ValueError, match="localisation needs a 1-D grid"):
        assimilate("Lorenz", localisation=2.0, cycles=5)
    assert observation_operator(4, "every_other").shape == (2, 4)
    r = CliRunner().invoke(app, ["assimilate", "Lorenz96N40", "--members", "1"])
    assert r.exit_code == 2 and r.output.strip() == "error: an ensemble needs at least 2 members, got 1"
    r = CliRunner().invoke(app, ["assimilate", "Lorenz96N40", "--observed", "0,x"])
    assert r.exit_code == 2 and "--observed must be all, every_other or comma-separated indices" in r.output


def test_filter_and_system_names_are_read_in_any_case():
    # filter="ETKF" is the ETKF, in the API and the CLI (names of systems too)
    a = assimilate("Lorenz96N40", filter="ETKF", members=5, cycles=5, observed="Every_Other")
    b = assimilate("Lorenz96N40", filter="etkf", members=5, cycles=5, observed="every_other")
    assert a.filter == b.filter == "etkf" and a.time_mean_rmse == b.time_mean_rmse
    r = CliRunner().invoke(app, ["assimilate", "lorenz96n40", "--filter", "EnKF", "--members", "5", "--cycles", "5",
                                 "--observed", "ALL", "--json"])
    assert r.exit_code in (0, 1) and json.loads(r.stdout)["filter"] == "enkf", r.output
