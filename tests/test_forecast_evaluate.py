"""Scoring forecasts: evaluate(), divergence is scored not crashed, the forecast CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.cli.main import app
from chaoslab.forecast import Forecaster, Task, make_task_data
from chaoslab.forecast.evaluate import evaluate


@pytest.fixture(scope="module")
def lorenz():
    return make_task_data(Task("Lorenz", train_periods=20, n_val=1, n_test=4, seed=2))


class Oracle(Forecaster):
    """The true equations integrated from the last context point (a perfect model)."""

    def fit(self, train, val=None, *, dt=1.0):
        self.dt_ = dt
        return self

    def predict(self, context, horizon):
        ens = cl.ensemble("Lorenz", horizon + 1, x0=context[:, -1], dt=self.dt_)
        return ens.x[:, 1:]


class Exploding(Forecaster):
    """Multiplies the last value by 100 every step: overflows to inf after ~155 steps."""

    def fit(self, train, val=None, *, dt=1.0):
        return self

    def predict(self, context, horizon):
        with np.errstate(over="ignore"):
            return context[:, -1:] * 100.0 ** np.arange(1, horizon + 1)[None, :, None]


def test_a_perfect_model_is_valid_over_the_whole_horizon(lorenz):
    # the windows were integrated by the same solver to 1e-9; the error grows like
    # 1e-9 e^{lambda t} ~ 1e-3 over 13.6 Lyapunov times, far below 0.4 attractor scales
    ev = evaluate(Oracle().fit(lorenz.train, dt=lorenz.dt), lorenz, dynamics=False)
    horizon_time = lorenz.task.horizon * lorenz.dt
    np.testing.assert_allclose(ev.table.query("metric == 'vpt'").value, horizon_time)
    assert ev.summary["median_vpt_lyapunov"] == pytest.approx(horizon_time / lorenz.lyapunov_time)
    assert ev.summary["median_r2_score"] > 0.999
    assert set(ev.table.columns) == {"system", "model", "seed", "window", "metric", "value"}


def test_a_diverging_model_is_scored_not_crashed(lorenz):
    ev = evaluate(Exploding(), lorenz)
    # the first step already has |x| ~ 100 |x_last|: e > 0.4, so nothing is valid; the windows
    # overflow to inf, count as diverged, and are failures: sMAPE 200, errors inf, r2 -inf
    assert ev.summary["median_vpt_lyapunov"] == 0.0
    assert ev.summary["diverged_windows"] == len(lorenz.test) and ev.summary["diverged_fraction"] == 1.0
    for metric, worst in (("smape", 200.0), ("rmse", np.inf), ("r2_score", -np.inf), ("pearson", 0.0)):
        values = ev.table.query("metric == @metric").value
        assert len(values) == len(lorenz.test) and (values == worst).all(), metric
    assert ev.summary["median_smape"] == 200.0 and ev.summary["median_rmse"] == np.inf


class HalfExploding(Forecaster):
    """The oracle on even windows, the exploding model on odd ones."""

    def fit(self, train, val=None, *, dt=1.0):
        self.good, self.bad = Oracle().fit(train, dt=dt), Exploding()
        return self

    def predict(self, context, horizon):
        out = self.good.predict(context, horizon)
        out[1::2] = self.bad.predict(context[1::2], horizon)
        return out


def test_diverged_windows_count_in_the_medians_as_failures(lorenz):
    ev = evaluate(HalfExploding().fit(lorenz.train, dt=lorenz.dt), lorenz, dynamics=False)
    smape = ev.table.query("metric == 'smape'").sort_values("window").value.to_numpy()
    assert ev.summary["diverged_windows"] == 2 and smape[1] == smape[3] == 200.0 and np.all(smape[::2] < 5)
    # four windows, two failed: the median is the mean of the worse good one and 200, not a
    # median of the surviving two
    assert ev.summary["median_smape"] == pytest.approx((smape[::2].max() + 200.0) / 2)
    vpt = ev.table.query("metric == 'vpt_lyapunov'").sort_values("window").value.to_numpy()
    assert vpt[1] == vpt[3] == 0.0 and np.all(vpt[::2] > 5)


def test_forecast_cli(tmp_path):
    run = CliRunner().invoke
    r = run(app, ["forecast", "models", "--json"])
    listed = {m["name"]: m["probabilistic"] for m in json.loads(r.stdout)}
    assert r.exit_code == 0 and {"naive", "nvar", "esn"} <= set(listed) and listed["nvar"] and not listed["naive"]
    out = tmp_path / "nvar.parquet"
    r = run(app, ["forecast", "fit", "nvar", "--system", "Lorenz", "--train-periods", "30", "--n-test", "3",
                  "--n-val", "1", "--no-dynamics", "--json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["model"] == "nvar" and summary["windows"] == 3 and summary["median_vpt_lyapunov"] > 0
    table = pd.read_parquet(out)
    assert set(table.metric) >= {"vpt", "vpt_lyapunov", "rmse", "smape"} and set(table.window) == {0, 1, 2}
    r = run(app, ["forecast", "plot", "linear", "--system", "Lorenz", "--train-periods", "20",
                  "--out", str(tmp_path / "f.png")])
    assert r.exit_code == 0 and (tmp_path / "f.png").stat().st_size > 10_000


@pytest.mark.parametrize("args, message", [
    (["forecast", "fit", "nvr", "--system", "Lorenz"], "error: unknown model 'nvr'; did you mean 'nvar'?"),
    (["forecast", "fit", "nvar", "--system", "Lorenz", "--horizon", "0"], "error: horizon must be an integer >= 1"),
    (["forecast", "fit", "nvar", "--system", "Lorenz", "--context", "5000"], "error: context (5000 points) must be"),
    (["forecast", "fit", "nvar", "--system", "Lornz"], "error: unknown system 'Lornz'; did you mean 'Lorenz'?"),
    (["forecast", "fit", "esn", "--system", "Lorenz", "--hp", "leak=2"], "error: size >= 2, degree >= 1, 0 < leak <= 1"),
])
def test_forecast_cli_bad_input(args, message):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and r.output.strip().startswith(message) and len(r.output.strip().splitlines()) == 1, r.output


def test_forecast_cli_reads_names_in_any_case():
    r = CliRunner().invoke(app, ["forecast", "fit", "NAIVE", "--system", "lorenz", "--train-periods", "10",
                                 "--n-test", "1", "--n-val", "1", "--horizon", "20", "--no-dynamics", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["model"] == "naive" and s["system"] == "Lorenz"


def test_measurement_noise_is_seeded_on_what_the_model_sees_and_the_truth_stays_clean():
    from chaoslab.analysis import attractor_statistics

    kw = dict(train_periods=20, n_val=2, n_test=3, seed=1)
    clean = make_task_data(Task("Lorenz", **kw))
    noisy = make_task_data(Task("Lorenz", noise=0.05, **kw))
    again = make_task_data(Task("Lorenz", noise=0.05, **kw))
    # noise 0 is the noise-free task bit for bit; the same seed gives the same noise
    np.testing.assert_array_equal(make_task_data(Task("Lorenz", noise=0.0, **kw)).train, clean.train)
    np.testing.assert_array_equal(noisy.train, again.train)
    # scored against the clean truth; the contexts, training data and validation windows are noisy
    np.testing.assert_array_equal(noisy.test.target, clean.test.target)
    sd = 0.05 * attractor_statistics("Lorenz").std
    for seen, truth in ((noisy.train, clean.train), (noisy.test.context, clean.test.context),
                        (noisy.val.target, clean.val.target)):
        z = ((seen - truth) / sd).reshape(-1, 3)
        # unit standard deviation per coordinate within 5 standard errors (1/sqrt(2N))
        assert np.all(np.abs(z.std(axis=0) - 1) < 5 / np.sqrt(2 * len(z))), z.std(axis=0)
        assert np.all(np.abs(z.mean(axis=0)) < 5 / np.sqrt(len(z)))
    with pytest.raises(ValueError, match="noise must be a number >= 0"):
        Task("Lorenz", noise=-0.1)


def test_bench_results_and_the_leaderboard_count_a_diverged_window_at_smape_200(tmp_path):
    from chaoslab.bench import leaderboard, load_suite
    from chaoslab.bench.tasks import build_data, run_task
    from chaoslab.forecast.base import _MODELS, register

    register("half-exploding-test", overwrite=True)(HalfExploding)
    try:
        p = tmp_path / "s.toml"
        p.write_text('name = "s"\n[systems]\nnames = ["Lorenz"]\n[task]\ntrain_periods = 20\nn_val = 1\nn_test = 4\n'
                     '[evaluation]\ndynamics = false\n[[models]]\nname = "half-exploding-test"\n')
        spec = load_suite(p).tasks()[0]
        r = run_task(spec, build_data(spec["data_spec"]))
        assert r.status == "done", r.error
        smape = sorted((row["window"], row["value"]) for row in r.rows if row["metric"] == "smape")
        assert [w for w, v in smape if v == 200.0] == [1, 3] and not any(np.isnan(v) for _, v in smape)
        import pandas as pd

        table = pd.DataFrame(r.rows).assign(suite="s")
        board = leaderboard(table, n_boot=50)
        good = [v for _, v in smape if v < 200]
        assert board["median_smape"].iloc[0] == pytest.approx((max(good) + 200.0) / 2)
    finally:
        _MODELS.pop("half-exploding-test", None)
