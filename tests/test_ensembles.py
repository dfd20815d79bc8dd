"""Ensemble perturbations, forecasts, huge ensembles and perturbation growth."""

import json
import math

import numpy as np
import pytest
from scipy.linalg import expm
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.analysis import lyapunov_vectors, tangent_propagator
from chaoslab.cli.main import app
from chaoslab.ensembles import (bred_perturbations, gaussian_perturbations, lyapunov_perturbations,
                                parameter_ensemble, perturb, singular_perturbations)
from chaoslab.ensembles.forecast import ensemble_forecast, learned_ensemble
from chaoslab.ensembles.growth import error_growth
from chaoslab.ensembles.huge import huge_ensemble
from chaoslab.metrics import probabilistic as pm

LAMBDA_LORENZ = 0.906


@pytest.fixture(scope="module")
def x_lorenz():
    return cl.trajectory("Lorenz", 2, transient=20.0).x[-1]


def test_bred_vectors_turn_toward_the_leading_lyapunov_vector(x_lorenz):
    # breeding amplifies the leading direction by exp((l1 - l2) interval) per cycle relative to
    # the others: from random directions the angle to the leading backward Lyapunov vector shrinks
    b = bred_perturbations("Lorenz", x_lorenz, 8, 1e-3, cycles=30, track=True, seed=1)
    angles = np.degrees(b.history["angle"])  # (cycles + 1, 4 bred vectors)
    assert np.median(angles[0]) > 15 and np.median(angles[-1]) < 5, angles[[0, -1]]
    assert angles[-5:].mean() < angles[:5].mean() / 3
    # the members: control +- bred vectors of norm amplitude
    assert b.x0.shape == (8, 3) and np.allclose(np.linalg.norm(b.perturbations, axis=1), 1e-3)
    np.testing.assert_allclose(b.perturbations[:4], -b.perturbations[4:])


def test_lyapunov_vectors_and_singular_vectors_of_linear_systems():
    # a linear map x -> A x: the backward Lyapunov vectors are the Gram-Schmidt vectors of A's
    # eigenvectors ordered by |eigenvalue|, the exponents log|eigenvalues| (up to the 1/time
    # transient of the random start: time 300 iterations)
    rng = np.random.default_rng(0)
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0] + 0.3 * rng.standard_normal((3, 3))
    A = V @ np.diag([2.0, 0.9, 0.5]) @ np.linalg.inv(V)

    @cl.map_system(params=dict(), ic=[1.0, 1.0, 1.0])
    def LinearMap(x, t):
        return cl.stack(*(sum(A[i, j] * x[j] for j in range(3)) for i in range(3)))

    lv = lyapunov_vectors(LinearMap, k=3, time=300)
    np.testing.assert_allclose(lv.exponents, np.log([2.0, 0.9, 0.5]), atol=0.02)
    v1 = V[:, 0] / np.linalg.norm(V[:, 0])
    assert abs(abs(lv.Q[:, 0] @ v1) - 1) < 1e-10
    np.testing.assert_allclose(lv.Q.T @ lv.Q, np.eye(3), atol=1e-12)
    # a linear flow x' = B x: the tangent propagator over tau is expm(B tau) (to the solver's 1e-9)
    B = np.array([[-0.1, 1.0, 0.0], [-1.0, -0.1, 0.0], [0.0, 0.0, 0.3]])

    @cl.flow(params=dict(), ic=[1.0, 0.0, 0.5])
    def LinearFlow(x, t):
        return cl.stack(*(sum(B[i, j] * x[j] for j in range(3)) for i in range(3)))

    x1, M = tangent_propagator(LinearFlow, np.array([1.0, 0.0, 0.5]), 2.0)
    np.testing.assert_allclose(M, expm(2.0 * B), atol=1e-7)
    np.testing.assert_allclose(x1, expm(2.0 * B) @ [1.0, 0.0, 0.5], atol=1e-7)
    # the leading singular vector grows by the largest singular value of expm(B tau): the
    # unstable z direction, e^{0.3 tau}
    sv = singular_perturbations(LinearFlow, np.array([1.0, 0.0, 0.5]), 4, 1e-3, k=1, optimization_time=2.0)
    assert sv.history["growth"][0] == pytest.approx(math.exp(0.6), rel=1e-7)
    assert np.allclose(np.abs(sv.history["vectors"][:, 0]), [0, 0, 1], atol=1e-7)


def test_perturbations_are_seeded_with_the_right_size(x_lorenz):
    g = gaussian_perturbations("Lorenz", x_lorenz, 4000, 0.5, seed=3)
    # E|delta|^2 = amplitude^2: the mean over 4000 draws within 5 standard errors (chi^2_3 / 3 has sd sqrt(2/3))
    assert abs(np.mean(np.sum(g.perturbations**2, axis=1)) / 0.25 - 1) < 5 * math.sqrt(2 / 3 / 4000)
    assert np.array_equal(g.x0, gaussian_perturbations("Lorenz", x_lorenz, 4000, 0.5, seed=3).x0)
    lv = lyapunov_perturbations("Lorenz", x_lorenz, 6, 1e-2)
    assert lv.history["vectors"].shape == (3, 1)  # one positive exponent in Lorenz
    # every perturbation lies along the leading vector
    cos = np.abs(lv.perturbations @ lv.history["vectors"][:, 0]) / np.linalg.norm(lv.perturbations, axis=1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-12)
    p = parameter_ensemble("Lorenz", 4000, 0.1, names=["rho"], seed=0)
    assert set(p) == {"rho"} and abs(np.std(p["rho"]) / 28.0 - 0.1) < 5 * 0.1 / math.sqrt(2 * 4000)
    with pytest.raises(ValueError, match="an ensemble needs at least 2 members, got 1"):
        perturb("Lorenz", x_lorenz, 1)
    with pytest.raises(ValueError, match="amplitude must be a number > 0, got 0"):
        perturb("Lorenz", x_lorenz, 4, "bred", 0)
    with pytest.raises(ValueError, match="unknown perturbation 'bread'; did you mean 'bred'"):
        perturb("Lorenz", x_lorenz, 4, "bread")
    # perturbation kinds in any case
    assert np.array_equal(perturb("lorenz", x_lorenz, 4, "Gaussian", 0.1, seed=1).x0,
                          perturb("Lorenz", x_lorenz, 4, "gaussian", 0.1, seed=1).x0)


def test_a_perfect_ensemble_forecast_is_calibrated():
    # Gaussian perturbations and an analysis error drawn from the same distribution: the truth
    # is one more member. Over 200 cases the spread-skill ratio is 1 within its sampling error
    # (cluster bootstrap over cases) and the rank histogram at a fixed lead time is flat.
    ef = ensemble_forecast("Lorenz", 10, cases=200, lyapunov_times=3.0, seed=0)
    s = ef.scores()
    assert s.diverged_members == 0 and s.cases_scored == 200
    X, Y = ef.members, ef.truth  # (C, M, H, d), (C, H, d)
    rng = np.random.default_rng(0)

    def ratio(idx):
        e = X[idx]
        var = e.var(axis=1, ddof=1).mean()
        mse = ((e.mean(axis=1) - Y[idx]) ** 2).mean()
        return math.sqrt(11 / 10 * var / mse)

    r = ratio(np.arange(200))
    boots = [ratio(rng.integers(0, 200, 200)) for _ in range(300)]
    assert abs(r - 1) < 4 * np.std(boots), (r, np.std(boots))
    mid = X.shape[2] // 2
    rh = pm.rank_histogram(Y[:, mid, 0], X[:, :, mid, 0].T)
    assert rh.p_value > 1e-3, rh.counts
    # a model perturbation widens the ensemble
    wide = ensemble_forecast("Lorenz", 10, cases=20, lyapunov_times=1.0, seed=1, param_spread=0.05)
    narrow = ensemble_forecast("Lorenz", 10, cases=20, lyapunov_times=1.0, seed=1)
    assert wide.scores().spread[-1] > 1.5 * narrow.scores().spread[-1]


def test_huge_ensemble_statistics_match_a_direct_run():
    # 500 members in chunks of 128 (the last padded) against one direct ensemble of the same
    # members: identical moments; the histogram quantile within a bin width of the exact one
    h = huge_ensemble("Lorenz", 500, 60, granularity=20, chunk_members=128, chunk_time=25, seed=4)
    rng = np.random.default_rng(4)
    center, a = h.info["center"], h.info["amplitude"]
    X = np.concatenate([(center + a / math.sqrt(3) * rng.standard_normal((128, 3)))[: min(128, 500 - s)]
                        for s in range(0, 500, 128)])
    ens = cl.ensemble("Lorenz", 60, x0=X, dt=h.info["dt"]).x  # (500, 60, 3)
    np.testing.assert_allclose(h.mean, ens.mean(axis=0), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(h.std, ens.std(axis=0, ddof=1), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(h.maximum, ens.max(axis=0), atol=1e-8)
    assert (h.count == 500).all() and h.diverged == 0
    width = h.bin_edges[:, 1] - h.bin_edges[:, 0]
    assert np.all(np.abs(h.quantile(0.5)[-1] - np.median(ens[:, -1], axis=0)) <= width)
    z = np.abs(ens - h.clim_mean) / h.clim_std
    np.testing.assert_allclose(h.exceedance[2.0], (z > 2).mean(axis=0))


def test_error_growth_follows_the_leading_exponent():
    # in the linear regime a 100 times smaller error takes ln(100)/lambda_1 longer to reach the
    # tolerance (5.08 time units on Lorenz), and doubles every ln 2 / lambda_1 (0.765): finite-time
    # averages over 40 cases of a few Lyapunov times scatter by ~5 %; asserted within 15 %
    # the smallest error needs ln(0.5 sat / 1e-7) / lambda_1 ~ 20.4 time units (18.5 Lyapunov times)
    # plus the alignment with the unstable direction (1-2 Lyapunov times): run 25
    eg = error_growth("Lorenz", sizes=[1e-7, 1e-5, 1e-3], cases=40, lyapunov_times=25.0, seed=2)
    gaps = np.diff(eg.predictability_time)
    np.testing.assert_allclose(-gaps, math.log(100) / LAMBDA_LORENZ, rtol=0.15)
    np.testing.assert_allclose(eg.doubling_time, math.log(2) / LAMBDA_LORENZ, rtol=0.15)
    assert eg.saturation == pytest.approx(math.sqrt(2) * math.sqrt(np.sum(cl.trajectory(
        "Lorenz", 20000, granularity=20, transient=30.0).x.var(axis=0))), rel=0.05)


def test_learned_model_ensembles(x_lorenz):
    from chaoslab.forecast import Task, get_model, make_task_data

    data = make_task_data(Task("Lorenz", train_periods=20, n_val=2, n_test=3, seed=0))
    seeds = [get_model("esn", size=100, seed=s).fit(data.train) for s in range(3)]
    ens = learned_ensemble(seeds, data.test.context, 40, noise=0.01, per_model=2, seed=0)
    assert ens.shape == (3, 6, 40, 3)
    assert np.array_equal(ens, learned_ensemble(seeds, data.test.context, 40, noise=0.01, per_model=2, seed=0))
    nvar = get_model("nvar").fit(data.train, data.val, dt=data.dt)
    assert learned_ensemble([nvar], data.test.context, 10, per_model=5, sample=True).shape == (3, 5, 10, 3)
    with pytest.raises(ValueError, match="model 'naive' has no sample"):
        learned_ensemble([get_model("naive").fit(data.train)], data.test.context, 5, per_model=2, sample=True)
    # a neural model keeps its best validation checkpoints: a snapshot ensemble
    mlp = get_model("mlp", epochs=8, patience=8, width=16).fit(data.train, data.val, dt=data.dt)
    snaps = mlp.checkpoint_models()
    assert 2 <= len(snaps) <= 5 and snaps[0].epoch_ == mlp.history_["best_epoch"]
    scores = [mlp.history_["score"][m.epoch_] for m in snaps]
    assert scores == sorted(scores)
    assert learned_ensemble(snaps, data.test.context, 10).shape == (3, len(snaps), 10, 3)


def test_ensemble_cli():
    r = CliRunner().invoke(app, ["ensemble", "run", "Lorenz", "--members", "6", "--cases", "3", "--lyapunov-times", "1",
                                 "--perturbation", "lyapunov", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["perturbation"] == "lyapunov" and s["valid_members"] == 18 and len(s["crps"]) == len(s["leads"])
    r = CliRunner().invoke(app, ["ensemble", "run", "Lorenz", "--members", "1"])
    assert r.exit_code == 2 and r.output.strip() == "error: an ensemble needs at least 2 members, got 1"
    r = CliRunner().invoke(app, ["ensemble", "run", "Lorenz", "--amplitude", "0"])
    assert r.exit_code == 2 and r.output.strip() == "error: amplitude must be a number > 0, got 0.0"
    r = CliRunner().invoke(app, ["ensemble", "huge", "Lorenz", "--members", "300", "--time", "1", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["members"] == 300
