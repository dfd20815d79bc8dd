"""The published benchmark's model families through darts (the optional extra, which the test
setup installs), behind our Forecaster interface."""

import numpy as np
import pytest

from chaoslab.forecast import MissingExtraError, Windows, get_model, list_models

# a linear system: the harmonic oscillator sampled every dt, x_{t+1} = 2 cos(w dt) x_t - x_{t-1}
DT, W = 0.05, 1.3
_t = np.arange(2000) * DT
X = np.stack([np.sin(W * _t), np.cos(W * _t)], -1)
TRAIN = X[:1200]
CTX = np.stack([X[1300:1360], X[1500:1560]])
TGT = np.stack([X[1360:1460], X[1560:1660]])
VAL = Windows(CTX, TGT, np.zeros(2))


def _rmse(p):
    return float(np.sqrt(np.mean((p - TGT) ** 2)))


def test_every_published_family_is_registered():
    names = set(list_models())
    families = {"nbeats", "nhits", "tcn", "transformer", "rnn", "lstm", "blockrnn", "dlinear", "nlinear", "tide", "rf",
                "lightgbm", "kalman", "arima", "autoarima", "theta", "fourtheta", "fft", "exp-smoothing", "naive-mean",
                "naive-seasonal", "naive-drift"}
    assert {f"darts-{f}" for f in families} <= names


def test_kalman_forecasts_a_linear_system_exactly():
    # a 2-d linear system is a linear state-space model: N4SID (here with room to spare, 4 states)
    # identifies it from noise-free data, and its forecast is exact to rounding
    m = get_model("darts-kalman").fit(TRAIN, dt=DT)
    p = m.predict(CTX, 100)
    assert p.shape == (2, 100, 2) and _rmse(p) < 1e-6
    one = m.predict(CTX[0], 100)  # a single context gives a single forecast
    np.testing.assert_allclose(one, p[0], atol=1e-12)


def test_a_torch_model_fits_the_linear_system_and_is_seeded():
    # DLinear is linear in its inputs, so it can represent the recurrence exactly; a few epochs
    # bring it far below the climatology (the error of always forecasting the mean, ~0.7 here)
    kw = dict(n_epochs=3, accelerator="cpu")
    a = get_model("darts-dlinear", **kw).fit(TRAIN, VAL, dt=DT)
    assert a.chosen_["lags"].startswith("60") and a.memory == 60  # the validation context length
    pa = a.predict(CTX, 100)
    clim = _rmse(np.broadcast_to(TRAIN.mean(0), TGT.shape))
    assert np.isfinite(pa).all() and _rmse(pa) < 0.1 * clim
    pb = get_model("darts-dlinear", **kw).fit(TRAIN, VAL, dt=DT).predict(CTX, 100)
    np.testing.assert_array_equal(pa, pb)  # same seed, same bits
    with pytest.raises(ValueError, match="context has 30 points; darts-dlinear needs at least 60"):
        a.predict(CTX[:, :30], 10)


def test_a_tree_model_and_local_models_through_the_interface():
    rf = get_model("darts-rf", lags=4, n_estimators=20).fit(TRAIN, dt=DT)
    assert rf.predict(CTX, 50).shape == (2, 50, 2)
    # local models are fitted on each context: the naive family is exact by construction
    last = get_model("darts-naive-seasonal").fit(TRAIN, dt=DT).predict(CTX, 7)
    np.testing.assert_allclose(last, np.repeat(CTX[:, -1:], 7, axis=1), rtol=0, atol=1e-12)
    drift = get_model("darts-naive-drift").fit(TRAIN, dt=DT).predict(CTX, 3)
    slope = (CTX[:, -1] - CTX[:, 0]) / (CTX.shape[1] - 1)
    np.testing.assert_allclose(drift, CTX[:, -1:] + slope[:, None] * np.arange(1, 4)[None, :, None], atol=1e-12)


def test_unknown_hyper_parameters_pass_to_darts_and_bad_ones_are_one_line():
    with pytest.raises(ValueError, match="lags, output_chunk_length, n_epochs and batch_size must be integers >= 1"):
        get_model("darts-nbeats", n_epochs=0)
    with pytest.raises(ValueError, match="hyper-parameter n_epochs of darts-nbeats must be an integer"):
        get_model("darts-nbeats", n_epochs="many")
    m = get_model("darts-nhits", num_stacks=2, n_epochs=1, lags=8, accelerator="cpu").fit(TRAIN, dt=DT)
    assert m.model_.model_params["num_stacks"] == 2  # passed through to the darts constructor


def test_a_missing_extra_is_one_line_saying_what_to_install(monkeypatch):
    from chaoslab.forecast import base

    monkeypatch.setitem(base.EXTRAS, "darts", ("chaoslab_no_such_module",))
    m = get_model("darts-theta")  # listing and building a model needs nothing
    with pytest.raises(MissingExtraError, match=r"model 'darts-theta' needs the optional darts extra .*"
                                                r"pip install 'chaoslab\[darts\]'"):
        m.fit(TRAIN, dt=DT)
    assert isinstance(MissingExtraError("x"), ValueError)  # the CLI reports it as bad input (exit 2)


def test_numbers_blowing_up_inside_darts_are_a_diverged_forecast_not_an_exception(monkeypatch):
    # e.g. a Kalman model identified on a chaotic flow, run far beyond the data: its covariance
    # overflows and nfoursid's pinv raises LinAlgError; that window is a diverged forecast (NaN,
    # scored as a failure by evaluate), the others are forecast as usual
    m = get_model("darts-kalman").fit(TRAIN, dt=DT)
    real = m.models_[0].predict
    calls = []

    def flaky(n, series):
        calls.append(1)
        if len(calls) == 1:
            raise np.linalg.LinAlgError("SVD did not converge")
        return real(n=n, series=series)

    monkeypatch.setattr(m.models_[0], "predict", flaky)
    p = m.predict(CTX, 100)
    assert np.isnan(p[0]).all() and np.isfinite(p[1]).all() and np.abs(p[1] - TGT[1]).max() < 1e-6


def test_a_transferable_model_whose_fit_fails_degrades_gracefully(monkeypatch):
    # statsmodels' ARIMA(12, 1, 0) likelihood can be singular (LinAlgError, seen on Rossler's
    # first coordinate): the fit tries p = 6, 3, 1 in turn and says which it kept
    import darts.models

    real = darts.models.ARIMA.fit

    def fragile(self, series, *a, **k):
        if self.model_params["p"] > 3:
            raise np.linalg.LinAlgError("LU decomposition error.")
        return real(self, series, *a, **k)

    monkeypatch.setattr(darts.models.ARIMA, "fit", fragile)
    m = get_model("darts-arima").fit(TRAIN, dt=DT)
    assert [x.model_params["p"] for x in m.models_] == [3, 3] and "{'p': 3}" in m.chosen_["column 0"]
    assert np.isfinite(m.predict(CTX, 20)).all()
    monkeypatch.setattr(darts.models.ARIMA, "fit", lambda self, *a, **k: (_ for _ in ()).throw(
        np.linalg.LinAlgError("LU decomposition error.")))
    with pytest.raises(ValueError, match="darts-arima: no fit of column 0 succeeded"):
        get_model("darts-arima").fit(TRAIN, dt=DT)


def test_a_torch_model_whose_free_runs_blow_up_is_trained_again_bounded(monkeypatch):
    # the stability rule (choose_stable): a torch model whose free runs leave the attractor is
    # trained again with a 20-step output chunk, then with half and a quarter of the lags. Here
    # every model with a 1-step chunk is made to blow up (its forecast grows 1.1x a step), and the
    # 20-step one is kept: the same bits as asking for it directly
    import darts.models

    real = darts.models.DLinearModel.predict

    def growing(self, n, *a, **k):
        out = real(self, n, *a, **k)
        if self.output_chunk_length > 1:
            return out
        return [s.with_values(s.values() * 1.1 ** np.arange(1, n + 1)[:, None]) for s in out]

    monkeypatch.setattr(darts.models.DLinearModel, "predict", growing)
    kw = dict(n_epochs=2, accelerator="cpu")
    m = get_model("darts-dlinear", **kw).fit(TRAIN, VAL, dt=DT)
    assert m.chosen_["stability"] == "lags=60, output_chunk_length=20: the asked-for model's free runs left the attractor"
    direct = get_model("darts-dlinear", output_chunk_length=20, **kw).fit(TRAIN, VAL, dt=DT)
    assert "stability" not in direct.chosen_
    np.testing.assert_array_equal(m.predict(CTX, 100), direct.predict(CTX, 100))
    monkeypatch.undo()  # fitted again where the asked-for model stays bounded: no stale note
    assert "stability" not in m.fit(TRAIN, VAL, dt=DT).chosen_ and m.model_.output_chunk_length == 1

    # nothing bounded: the fewest diverged runs, and chosen_ says how many
    monkeypatch.setattr(darts.models.DLinearModel, "predict", lambda self, n, *a, **k: [
        s.with_values(s.values() * 1.1 ** np.arange(1, n + 1)[:, None]) for s in real(self, n, *a, **k)])
    m = get_model("darts-dlinear", **kw).fit(TRAIN, VAL, dt=DT)
    assert "no configuration stays bounded; 10 of 10 free runs leave the attractor" in m.chosen_["stability"]


def test_the_stability_fallbacks_fit_the_training_length():
    nl = get_model("darts-nlinear")
    assert nl._stability_fallbacks(100, 1000) == [(100, {"output_chunk_length": 20}), (50, {"output_chunk_length": 20}),
                                                   (25, {"output_chunk_length": 20})]
    assert get_model("darts-nlinear", output_chunk_length=15)._stability_fallbacks(100, 1000)[0] == (
        100, {"output_chunk_length": 30})
    # short training sets: where the longer chunk does not fit beside the lags, the lags alone change
    assert nl._stability_fallbacks(100, 110) == [(50, {"output_chunk_length": 20}), (25, {"output_chunk_length": 20})]
    assert nl._stability_fallbacks(30, 32) == [(15, {}), (7, {"output_chunk_length": 20})]
    # RNNModel forecasts one step at a time: only the lags (its training length) change
    assert get_model("darts-lstm")._stability_fallbacks(8, 1000) == [(4, {}), (2, {})]


def test_darts_nlinear_on_lorenz_stays_bounded():
    # measured: darts NLinear at 100 lags and a 1-step chunk, trained on Lorenz's x (the published
    # univariate short protocol), leaves the attractor on every free run and every test window;
    # the model chaoslab keeps stays bounded on all of them
    from chaoslab.forecast.base import stability_check
    from chaoslab.forecast.protocol import Task, make_task_data

    d = make_task_data(Task("Lorenz", granularity=100, train_periods=10, horizon=200, context=100, n_val=2,
                            n_test=5, observed=0))
    m = get_model("darts-nlinear", accelerator="cpu").fit(d.train, d.val, dt=d.dt)
    assert stability_check(m.predict, d.train, d.val, m.memory, m.train_mean_, m.train_scale_) == (0, 10)
    assert np.isfinite(m.predict(d.test.context, 200)).all()


def test_a_transferable_model_whose_free_runs_blow_up_is_fitted_simpler(monkeypatch):
    # ARIMA(12, 1, 0) per coordinate diverged on every window of SprottG (multivariate short
    # protocol): the same rule picks the first of p = 6, 3, 1 whose free runs stay bounded. Here
    # the p = 12 model's forecasts are made to grow 1.1x a step
    import darts.models

    real = darts.models.ARIMA.predict

    def growing(self, n, *a, **k):
        out = real(self, n, *a, **k)
        return out.with_values(out.values() * 1.1 ** np.arange(1, n + 1)[:, None]) if self.model_params["p"] > 6 else out

    monkeypatch.setattr(darts.models.ARIMA, "predict", growing)
    m = get_model("darts-arima").fit(TRAIN, VAL, dt=DT)
    assert [x.model_params["p"] for x in m.models_] == [6, 6]
    assert m.chosen_["stability"] == "{'p': 6}: the asked-for model's free runs left the attractor"
    assert np.isfinite(m.predict(CTX, 100)).all()
    direct = get_model("darts-arima", p=6).fit(TRAIN, VAL, dt=DT)
    np.testing.assert_array_equal(m.predict(CTX, 100), direct.predict(CTX, 100))
