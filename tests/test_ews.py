"""Early-warning signals: indicators against direct computation and ewstools, scenarios and
their evaluation, the CLI and its errors."""

import json
import math

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from chaoslab.cli.main import app
from chaoslab.ews import (SCENARIOS, detrend, early_warnings, get_scenario, kendall_trend, rolling_indicators,
                          simulate, surrogates)
from chaoslab.ews.evaluation import auc, evaluate_runs, roc_curve


def _ar1(phi, n, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi[i] * x[i - 1] + rng.standard_normal() if np.ndim(phi) else phi * x[i - 1] + rng.standard_normal()
    return x


def test_rolling_indicators_equal_direct_computation():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal(300)) * 0.1 + rng.standard_normal(300) + 5.0
    w = int(0.3 * 300)
    ind = rolling_indicators(x, x, window=0.3)
    for end in (w - 1, 150, 299):  # the window ending at ``end``
        win = x[end - w + 1 : end + 1]
        assert ind["variance"][end] == pytest.approx(np.var(win, ddof=1), rel=1e-12)
        assert ind["ac1"][end] == pytest.approx(np.corrcoef(win[:-1], win[1:])[0, 1], rel=1e-10)
        assert ind["skewness"][end] == pytest.approx(stats.skew(win, bias=False), rel=1e-10)
        assert ind["kurtosis"][end] == pytest.approx(stats.kurtosis(win, bias=False), rel=1e-10)
        assert ind["cv"][end] == pytest.approx(np.std(win, ddof=1) / np.mean(win), rel=1e-12)
        P = np.abs(np.fft.rfft(win - win.mean()))[1:] ** 2
        m = len(P)
        assert ind["spectral_ratio"][end] == pytest.approx(P[: m // 8].sum() / P[m // 2:].sum(), rel=1e-10)
    assert np.isnan(ind["variance"][: w - 1]).all() and not np.isnan(ind["variance"][w - 1:]).any()


def test_lag1_autocorrelation_of_an_ar1_process_is_its_coefficient():
    # for AR(1) with coefficient phi the sample lag-1 autocorrelation of w points has standard
    # error sqrt((1 - phi^2) / w): 0.008 for w = 10000
    phi = 0.6
    x = _ar1(phi, 20000, seed=2)
    ac = rolling_indicators(x, window=0.5, indicators=["ac1"])["ac1"]
    se = math.sqrt((1 - phi**2) / 10000)
    assert abs(ac[-1] - phi) < 4 * se and abs(ac[10000] - phi) < 4 * se
    # and it rises when phi does (critical slowing down): tau of the rolling ac1 near 1
    rising = _ar1(np.linspace(0.1, 0.9, 4000), 4000, seed=3)
    ew = early_warnings(rising, window=0.5, detrending="none", indicators=["ac1", "variance"])
    assert ew.tau["ac1"] > 0.8 and ew.tau["variance"] > 0.5


def test_kendall_tau_matches_scipy():
    rng = np.random.default_rng(4)
    v = np.cumsum(rng.standard_normal(200))
    v[:20] = np.nan  # the rolling window's empty start is skipped
    t = np.linspace(0, 10, 200)
    tau, p = kendall_trend(v, t)
    ref = stats.kendalltau(t[20:], v[20:])
    assert tau == pytest.approx(ref.statistic, abs=1e-15) and p == pytest.approx(ref.pvalue, rel=1e-12)


def test_variance_and_autocorrelation_agree_with_ewstools():
    import ewstools  # a test dependency (pip install '.[test]'): missing, the test fails
    # a fold run's pre-transition series, Gaussian detrending (bandwidth 0.2), rolling window 0.25
    sim = simulate("fold", 1, null_runs=0, seed=5)
    x = sim.x[0, : sim.tipping_index[0] - 20]
    ts = ewstools.TimeSeries(x)
    ts.detrend(method="Gaussian", bandwidth=0.2)
    ts.compute_var(rolling_window=0.25)
    ts.compute_auto(rolling_window=0.25, lag=1)
    ts.compute_skew(rolling_window=0.25)
    ts.compute_kurt(rolling_window=0.25)
    trend, res = detrend(x, "gaussian", bandwidth=0.2)
    np.testing.assert_allclose(res, ts.state["residuals"].to_numpy(), atol=1e-12)
    ours = rolling_indicators(res, x, window=0.25)
    np.testing.assert_allclose(ours["variance"], ts.ews["variance"].to_numpy(), atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(ours["ac1"], ts.ews["ac1"].to_numpy(), atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(ours["skewness"], ts.ews["skew"].to_numpy(), atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(ours["kurtosis"], ts.ews["kurtosis"].to_numpy(), atol=1e-6, equal_nan=True)
    # LOWESS detrending: the same smoother (statsmodels) and span
    ts2 = ewstools.TimeSeries(x)
    ts2.detrend(method="Lowess", span=0.2)
    np.testing.assert_allclose(detrend(x, "lowess", span=0.2)[1], ts2.state["residuals"].to_numpy(), atol=1e-9)


def test_surrogates_keep_what_they_should():
    x = _ar1(0.8, 1000, seed=6) + 3.0
    ph = surrogates(x, 20, method="phase", seed=0)
    # the same Fourier amplitudes (power spectrum) and mean, different series
    amp = np.abs(np.fft.rfft(x - x.mean()))
    np.testing.assert_allclose(np.abs(np.fft.rfft(ph - x.mean(), axis=1)), np.broadcast_to(amp, (20, len(amp))),
                               atol=1e-8)
    assert not np.allclose(ph[0], x)
    ar = surrogates(x, 200, method="ar1", seed=0)
    phis = [np.corrcoef(s[:-1], s[1:])[0, 1] for s in ar]
    target = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(np.mean(phis) - target) < 5 * np.std(phis) / math.sqrt(200) + 0.01  # + the O(1/n) bias
    assert np.array_equal(surrogates(x, 3, seed=7), surrogates(x, 3, seed=7))


def test_scenarios_tip_near_their_bifurcation_and_null_runs_do_not():
    for name in ("fold", "harvest", "thermohaline", "hopf"):
        sc = get_scenario(name)
        sim = simulate(name, 8, seed=1)
        tip = sim.tipping[sim.forced]
        assert np.isfinite(tip).all() and np.isnan(sim.tipping[~sim.forced]).all(), name
        # a slow ramp tips a little after the deterministic bifurcation (the passage delay), and
        # noise can tip it a little before: within [-5 %, +15 %] of the run around it
        dev = (np.median(tip) - sc.critical_time) / sc.duration
        assert -0.05 < dev < 0.15, (name, dev)


def test_fold_scenario_auc_of_lag1_autocorrelation():
    # 30 forced and 30 null fold runs: lag-1 autocorrelation separates them, AUC 0.98 measured
    # (variance 1.00); chance is 0.5, and a clearly informative indicator is above 0.8
    sim = simulate("fold", 30, seed=0)
    res = evaluate_runs(sim, window=0.5)
    assert res.auc["ac1"] > 0.8 and res.auc["variance"] > 0.8, res.auc
    assert res.detection_rate["ac1"] > 0.5 and res.lead_time["ac1"] > 0


def test_roc_and_auc_by_hand():
    assert auc([3, 4], [1, 2]) == 1.0 and auc([1, 2], [3, 4]) == 0.0
    assert auc([1, 3], [2, 2]) == 0.5 and auc([2], [2]) == 0.5
    fpr, tpr = roc_curve([3, 4], [1, 2])
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: early_warnings(np.arange(10.0), window=0.5), "the series has 10 points: a rolling window of 0.5"),
    (lambda: early_warnings(np.r_[np.ones(50), np.nan], window=0.5), "series contains NaN or inf (first at index 50)"),
    (lambda: early_warnings(np.ones(100), window=1.0),
     "window must be a fraction of the series in (0, 1) or a number of points (an integer >= 8), got 1.0"),
    (lambda: early_warnings(np.ones(100), window=0), "window must be a fraction of the series in (0, 1) or a number"),
    (lambda: early_warnings(np.ones(100), window=12.5), "window must be a fraction of the series in (0, 1) or a number"),
    (lambda: early_warnings(np.ones(100), window=100),
     "a rolling window of 100 points needs a longer series than 100 points; window must be a fraction of the series "
     "in (0, 1) or fewer points (< 100)"),
    (lambda: early_warnings(np.ones(100), detrending="spline"),
     "unknown detrending 'spline'; did you mean 'linear'? (allowed: gaussian, lowess, linear, none)"),
    (lambda: get_scenario("flod"), "unknown scenario 'flod'; did you mean 'fold'?"),
])
def test_bad_input_is_one_line(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_ews_cli(tmp_path):
    x = _ar1(np.linspace(0.2, 0.9, 600), 600, seed=8)
    csv = tmp_path / "s.csv"
    csv.write_text("t,x,label\n" + "\n".join(f"{i},{v},a" for i, v in enumerate(x)) + "\n")
    run = CliRunner().invoke
    r = run(app, ["ews", "analyze", str(csv), "--column", "x", "--time-column", "t", "--surrogates", "19", "--json",
                  "--plot", str(tmp_path / "f.png")])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["indicators"]["ac1"]["kendall_tau"] > 0.5 and s["indicators"]["ac1"]["p_value"] == pytest.approx(0.05)
    assert (tmp_path / "f.png").stat().st_size > 10_000
    for args, message in (
        (["--column", "label"], "error: column 'label' is not numeric: row 1 holds 'a'"),
        (["--column", "y"], "error: 's.csv' has no column 'y'; columns: t, x, label"),
        (["--column", "x", "--window", "1.2"], "error: window must be a fraction of the series in (0, 1) or a number "
                                                "of points (an integer >= 8), got 1.2"),
        (["--column", "x", "--window", "600"], "error: a rolling window of 600 points needs a longer series than 600"),
        (["--column", "x", "--transition", "8"], "error: the series has 9 points: a rolling window of 0.5"),
    ):
        r = run(app, ["ews", "analyze", str(csv), *args])
        assert r.exit_code == 2 and r.output.startswith(message) and len(r.output.strip().splitlines()) == 1, r.output
    csv.write_text("x,y\n1,2\n,3\n" + "\n".join("1,2" for _ in range(40)))
    r = run(app, ["ews", "analyze", str(csv), "--column", "x"])
    assert r.exit_code == 2 and r.output.startswith("error: column 'x' has a missing value (NaN) at row 2")
    r = run(app, ["ews", "scenario", "fold", "--runs", "6", "--json"])
    assert r.exit_code == 0 and set(json.loads(r.stdout)["indicators"]) == {"variance", "ac1", "skewness", "kurtosis",
                                                                           "cv", "spectral_ratio"}
    r = run(app, ["ews", "scenario", "fold", "--window", "0"])
    assert r.exit_code == 2 and "window must be a fraction of the series in (0, 1) or a number of points" in r.output
    assert {"fold", "transcritical", "pitchfork", "hopf", "harvest", "predator_prey", "thermohaline"} == set(SCENARIOS)


def test_a_window_is_a_fraction_or_a_number_of_points(tmp_path):
    # as in ewstools: window=300 on 600 points is window=0.5; the CLI's --window takes both forms
    x = _ar1(np.linspace(0.2, 0.9, 600), 600, seed=8)
    a, b = early_warnings(x, window=0.5), early_warnings(x, window=300)
    for k in a.indicators:
        np.testing.assert_array_equal(a.indicators[k], b.indicators[k])
    assert b.window == 300 and b.summary()["window_points"] == 300 and a.summary()["window_points"] == 300
    assert early_warnings(x, window=300.0).window == 300 and isinstance(early_warnings(x, window=300.0).window, int)
    assert np.isnan(b.indicators["ac1"][:299]).all() and np.isfinite(b.indicators["ac1"][299:]).all()
    csv = tmp_path / "s.csv"
    csv.write_text("x\n" + "\n".join(str(v) for v in x) + "\n")
    r = CliRunner().invoke(app, ["ews", "analyze", str(csv), "--column", "x", "--window", "300", "--detrend", "None",
                                 "--surrogates", "0", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["window"] == 300 and s["window_points"] == 300 and s["detrending"] == "none"
    assert s["indicators"]["ac1"]["kendall_tau"] == pytest.approx(early_warnings(x, window=0.5, detrending="none").tau["ac1"])
    r = CliRunner().invoke(app, ["ews", "analyze", str(csv), "--column", "x", "--window", "300", "--surrogates", "0"])
    assert r.exit_code == 0 and "rolling window 300 points" in r.output, r.output


def test_names_are_read_in_any_case():
    x = _ar1(np.linspace(0.2, 0.9, 400), 400, seed=3)
    a = early_warnings(x, detrending="Linear", indicators=["AC1", "Variance"])
    b = early_warnings(x, detrending="linear", indicators=["ac1", "variance"])
    assert a.detrending == "linear" and list(a.tau) == ["ac1", "variance"] and a.tau == b.tau
    assert get_scenario("FOLD") is get_scenario("fold")
    res = evaluate_runs(simulate("fold", 3, seed=0), window=0.5, detrending="Gaussian", indicators=["AC1"])
    assert list(res.auc) == ["ac1"] and res.info["detrending"] == "gaussian"
