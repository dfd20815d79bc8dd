"""The published benchmark's model families through darts (the optional extra
``pip install 'chaoslab[darts]'``), behind the ``Forecaster`` interface.

The study this follows (W. Gilpin, "Chaos as an interpretable benchmark for forecasting and
data-driven modelling", NeurIPS 2021; "Model scale versus domain knowledge in statistical
forecasting of chaotic systems", Phys. Rev. Research 5, 043252, 2023) ran most of its models from
darts. They are registered here as ``darts-<family>``; darts itself is imported only when a model
is fitted, and a missing extra is a one-line error saying what to install
(:class:`chaoslab.forecast.MissingExtraError`).

How each kind of darts model meets our protocol (a training set, then forecasts from contexts
anywhere on the attractor):

- **Global models** — the neural networks (NBEATS, NHiTS, TCN, Transformer, RNN/LSTM, BlockRNN,
  DLinear, NLinear, TiDE) and the regression models (random forest, LightGBM gradient-boosted
  trees) — are trained once on the training trajectories (all coordinates together, standardised
  by the training mean and standard deviation) and forecast each context directly
  (``predict(n, series=context)``), autoregressively beyond ``output_chunk_length``.
- **Transferable local models** (Kalman, ARIMA, AutoARIMA) are fitted on the first training
  trajectory and applied with their fitted parameters to each context; ARIMA and AutoARIMA are
  univariate and get one model per coordinate.
- **Local models** (Theta, FourTheta, FFT, exponential smoothing, the naive family) have nothing
  to learn from other series: they are fitted on each context window, coordinate by coordinate
  where univariate, as such models are used.

No silent blow-ups: a torch model whose free runs leave the attractor (the one rule,
``chaoslab.forecast.base.choose_stable``: validation and training contexts, five validation
horizons) is trained again with a 20-step output chunk, then with half and a quarter of the lags,
and the first that stays bounded is kept (``chosen_["stability"]`` says which); the retraining is
paid only where the model before it diverged. The tree models need no check: their forecasts take
finitely many values (leaf values of a finite ensemble) whatever their input. Transferable models
whose fit fails fall back to simpler orders (``_fallbacks``), and ARIMA also where its free runs
leave the attractor (p halved: ARIMA(12, 1, 0) diverged on every window of SprottG, multivariate);
a forecast that blows up inside darts is a diverged window (NaN), scored as a failure.

``lags`` (the input length of global models) defaults to the validation windows' context length
(so a forecast sees the whole context) or 60 without validation windows, at most half the
training length (data-limited protocols); ``chosen_`` says which.
Every model is seeded (``seed``: torch's and the trees' random state); torch models train on a GPU
when one is present and on the CPU otherwise (``accelerator="auto"``; ``"cpu"`` or ``"gpu"`` to choose). Hyper-parameters not declared here
pass through to the darts constructor (``--hp num_stacks=10``).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from typing import Any, ClassVar

import numpy as np

from ..base import DEFAULT_INPUT_LENGTH, Forecaster, choose_stable, input_length, register

__all__ = ["DartsForecaster"]

#: what a forecast's numbers blowing up raises inside darts and the libraries under it
NUMERICAL = (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError)


@contextlib.contextmanager
def _quiet():
    """darts, Lightning, torch and statsmodels report to loggers and warnings what a forecast run
    does not need on its terminal (device banners, tips, convergence chatter): silenced while a
    darts model fits or forecasts."""
    _quiet_loggers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _quiet_loggers() -> None:
    prefixes = ("darts", "pytorch_lightning", "lightning", "lightning_fabric", "statsforecast")
    for name in list(logging.root.manager.loggerDict) + list(prefixes):
        if name.startswith(prefixes):
            logging.getLogger(name).setLevel(logging.ERROR)


def _series(values: np.ndarray):
    from darts import TimeSeries

    return TimeSeries.from_values(np.asarray(values, dtype=np.float64))


class DartsForecaster(Forecaster):
    """A darts model behind the Forecaster interface (see the module docstring). Subclasses
    name the darts class (``darts_class``), its kind ("global", "transferable" or "local"),
    whether it takes several coordinates at once, and the keyword arguments they build it with."""

    extra: ClassVar[str] = "darts"
    darts_class: ClassVar[str] = ""
    kind: ClassVar[str] = "global"
    multivariate: ClassVar[bool] = True
    torch: ClassVar[bool] = False
    #: a transferable model that also falls back (``_fallbacks``) where its free runs leave the
    #: attractor, not only where a fit fails
    choose_bounded: ClassVar[bool] = False

    def __init__(self, seed: int = 0, **options):
        super().__init__(seed=seed, **options)

    # ---------------------------------------------------------------- what subclasses define
    def _options(self, lags: int) -> dict[str, Any]:
        """Keyword arguments of the darts class (lags: the chosen input length)."""
        return {}

    # ---------------------------------------------------------------- the interface
    @property
    def memory(self) -> int:
        return getattr(self, "lags_", 1)

    def _build(self, lags: int, overrides: dict | None = None):
        import darts.models

        if self.torch:
            import pytorch_lightning  # noqa: F401  (its import sets its loggers' levels: quieted after)
        _quiet_loggers()  # again: importing darts and Lightning made their loggers

        own = inspect.signature(type(self).__init__).parameters
        passed = {k: v for k, v in self.hyper_parameters().items() if k not in own}
        kw = self._options(lags) | passed | (overrides or {})
        if self.torch:
            import torch

            acc = getattr(self, "accelerator", "auto")
            if acc == "auto":
                acc = "gpu" if torch.cuda.is_available() else "cpu"
            kw.setdefault("random_state", self.seed)
            kw.setdefault("pl_trainer_kwargs", {"accelerator": acc, "enable_progress_bar": False,
                                                "enable_model_summary": False, "logger": False,
                                                "enable_checkpointing": False})
        return getattr(darts.models, self.darts_class)(**kw)

    def fit(self, train, val=None, *, dt=1.0):
        with _quiet():
            return self._fit(train, val, dt)

    def predict(self, context, horizon):
        with _quiet():
            return self._predict(context, horizon)

    def _fit(self, train, val, dt):
        lags = getattr(self, "lags", None)
        self.chosen_ = {}
        if self.kind == "global":
            try:
                lags, why = input_length(lags, train, val, self._output_length())
            except ValueError as e:
                raise ValueError(f"{self.name}: {e} (output_chunk_length = {self._output_length()})") from None
            if why is not None:
                self.chosen_["lags"] = f"{lags} ({why})"
        self.lags_ = int(lags) if self.kind == "global" else self._local_memory()
        self.mu_ = train.reshape(-1, train.shape[-1]).mean(0)
        self.sigma_ = train.reshape(-1, train.shape[-1]).std(0) + 1e-12
        z = (train - self.mu_) / self.sigma_
        if self.kind == "global" and self.torch:
            self._fit_stable(train, val, z, dt)
        elif self.kind == "global":
            self.model_ = self._build(self.lags_)
            self.model_.fit([_series(t) for t in z])
        elif self.kind == "transferable":
            self._fit_transferable_stable(train, val, z, dt)
        return self

    def _fit_stable(self, train, val, z, dt) -> None:
        """Train a torch model, choosing a configuration whose free runs stay bounded (the one
        rule, ``chaoslab.forecast.base.choose_stable``): the asked-for one; where its runs leave
        the attractor, the fallbacks of ``_stability_fallbacks`` in turn, each trained anew (a
        cost paid only when the one before diverged). ``chosen_["stability"]`` says what was kept."""
        series = [_series(t) for t in z]
        candidates = [(self.lags_, {})] + self._stability_fallbacks(self.lags_, train.shape[1])
        fitted = {}

        def build(k):
            lags, overrides = candidates[k]
            if k not in fitted:
                m = self._build(lags, overrides)
                m.fit(series, verbose=False)
                fitted[k] = m
            self.lags_, self.model_ = lags, fitted[k]
            return self._predict

        scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
        c = choose_stable([[k] for k in range(len(candidates))], build, train, val, candidates[0][0],
                          self.train_mean_, scale, dt)
        build(c.key)
        lags, overrides = candidates[c.key]
        self._note_stability(c, ", ".join(f"{k}={v}" for k, v in ({"lags": lags} | overrides).items()))

    def _note_stability(self, c, what: str) -> None:
        """``chosen_["stability"]`` when ``choose_stable`` kept other than the asked-for candidate
        (``what`` names it) or nothing stayed bounded."""
        if c.key or not c.bounded:
            self.chosen_["stability"] = (
                f"{what}: the asked-for model's free runs left the attractor" if c.bounded else
                f"{what}: no configuration stays bounded; {c.diverged} of {c.runs} free runs leave the attractor")

    def _stability_fallbacks(self, lags: int, length: int) -> list[tuple[int, dict]]:
        """(lags, constructor overrides) to train in turn when a torch model's free runs diverge."""
        return []

    def _fit_transferable_stable(self, train, val, z, dt) -> None:
        """Fit a transferable model (one per column where univariate) on the first training
        trajectory. Where ``choose_bounded`` (ARIMA), choose as the torch models do
        (``choose_stable``) among the asked-for options and the simpler ones of ``_fallbacks``:
        where the free runs of one leave the attractor, the next is fitted, and the first bounded
        one is kept (``chosen_["stability"]`` says which). Not the Kalman forecaster: its free runs
        of five horizons fail in darts from an overflowing forecast covariance even where the mean
        stays exact (the 4-state model of a 2-d linear system), and fewer states lose that
        exactness. Each candidate degrades column by column where a fit fails (``_fit_column``)."""
        cols = [slice(None)] if self.multivariate else [slice(j, j + 1) for j in range(z.shape[-1])]
        options = [{}] + self._fallbacks()
        fitted = {}

        def build(k):
            if k not in fitted:
                fitted[k] = [self._fit_column(z[0][:, c], j, options[k:]) for j, c in enumerate(cols)]
            self.models_ = [m for m, _ in fitted[k]]
            return self._predict

        if len(options) == 1 or not self.choose_bounded:  # no choice to make
            build(0)
            key = 0
        else:
            have_val = val is not None and len(val) > 0
            memory = val.context.shape[1] if have_val else min(train.shape[1] - 1, DEFAULT_INPUT_LENGTH)
            scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
            c = choose_stable([[k] for k in range(len(options))], build, train, val, max(memory, self._local_memory()),
                              self.train_mean_, scale, dt)
            build(c.key)
            key = c.key
            self._note_stability(c, str(options[c.key] or "as asked"))
        for j, (_, note) in enumerate(fitted[key]):
            if note:
                self.chosen_[f"column {j}"] = note

    def _fit_column(self, series: np.ndarray, j: int, options: list[dict]):
        """(model, note) of one column, degrading gracefully: where the fit's linear algebra fails
        (an ill-conditioned likelihood), the next of ``options`` in turn (the note says which was
        kept); a one-line ValueError if every one fails."""
        error = None
        for i, opts in enumerate(options):
            m = self._build(self.lags_)
            if opts:
                m = type(m)(**(m.model_params | opts))
            try:
                m.fit(_series(series))
            except NUMERICAL as e:
                error = e
                continue
            return m, (f"{opts}: the asked-for model's fit failed ({error})" if i else None)
        raise ValueError(f"{self.name}: no fit of column {j} succeeded ({type(error).__name__}: {error})")

    def _fallbacks(self) -> list[dict]:
        """Simpler constructor options to try, in turn, when a transferable model's fit fails or
        its free runs leave the attractor."""
        return []

    def _predict(self, context, horizon):
        z = (context - self.mu_) / self.sigma_
        n = int(horizon)
        if self.kind == "global":
            kw = {"verbose": False} if self.torch else {}
            try:
                out = self.model_.predict(n=n, series=[_series(c) for c in z], **kw)
                y = np.stack([s.values() for s in out])
            except NUMERICAL:  # one window's run blew up: the others are forecast on their own
                y = np.stack([self._guarded(lambda: self.model_.predict(n=n, series=_series(c), **kw).values(), n,
                                            z.shape[-1]) for c in z])
        else:
            y = np.empty((len(z), n, z.shape[-1]))
            for i, w in enumerate(z):
                for j, c in enumerate(self._columns(z.shape[-1])):
                    y[i, :, c] = self._guarded(lambda: self._local_forecast(j, w[:, c], n), n, y[i, :, c].shape[-1])
        return y * self.sigma_ + self.mu_

    def _local_forecast(self, j: int, w: np.ndarray, n: int) -> np.ndarray:
        """A transferable model's (column j) or a local model's forecast of n points after w."""
        if self.kind == "transferable":
            return self.models_[j].predict(n=n, series=_series(w)).values()
        m = self._build(self.lags_)
        m.fit(_series(w))
        return m.predict(n=n).values()

    @staticmethod
    def _guarded(forecast, n: int, d: int) -> np.ndarray:
        """``forecast()``, or NaN where its numbers blew up inside darts (an overflowing Kalman
        covariance, an SVD of non-finite numbers): a diverged forecast, scored as a failure."""
        with np.errstate(all="ignore"):
            try:
                return np.asarray(forecast(), dtype=np.float64).reshape(n, d)
            except NUMERICAL:
                return np.full((n, d), np.nan)

    # ---------------------------------------------------------------- helpers
    def _columns(self, d: int) -> list[slice]:
        return [slice(None)] if self.multivariate else [slice(j, j + 1) for j in range(d)]

    def _output_length(self) -> int:
        return int(getattr(self, "output_chunk_length", 1)) if self.kind == "global" else 0

    def _local_memory(self) -> int:
        """Context points a transferable or local model needs at least."""
        return 4

# ------------------------------------------------------------------------------------ torch
STABLE_OUTPUT = 20  # the output chunk a torch model whose free runs diverge is trained with again


class _Torch(DartsForecaster):
    torch = True

    def __init__(self, lags: int | None = None, output_chunk_length: int = 1, n_epochs: int = 100,
                 batch_size: int = 32, accelerator: str = "auto", seed: int = 0, **options):
        super().__init__(seed=seed, lags=None if lags is None else int(lags), output_chunk_length=int(output_chunk_length),
                         n_epochs=int(n_epochs), batch_size=int(batch_size), accelerator=str(accelerator).lower(),
                         **options)
        if self.lags is not None and self.lags < 1 or self.output_chunk_length < 1 or self.n_epochs < 1 \
                or self.batch_size < 1:
            raise ValueError("lags, output_chunk_length, n_epochs and batch_size must be integers >= 1")
        if self.accelerator not in ("cpu", "gpu", "auto"):
            raise ValueError(f"accelerator must be cpu, gpu or auto, got {accelerator!r}")

    def _options(self, lags):
        return dict(input_chunk_length=lags, output_chunk_length=self.output_chunk_length, n_epochs=self.n_epochs,
                    batch_size=self.batch_size)

    def _stability_fallbacks(self, lags, length):
        """A longer output chunk (``STABLE_OUTPUT`` steps or twice the asked-for, so a forecast
        feeds itself back that many times less often), then that with half and a quarter of the
        input length (fewer weights to extrapolate with). Measured on the univariate short
        protocol: darts NLinear at 100 lags diverged on every window of Lorenz, BurkeShaw, ZhouChen,
        SprottC; with a 20-step output chunk or 50 lags none did."""
        n = max(STABLE_OUTPUT, 2 * self.output_chunk_length)
        chunked = self.darts_class != "RNNModel"  # RNNModel forecasts one step at a time: only its lags change

        def longer(m):  # the longer chunk where the training trajectories hold it beside m lags
            return {"output_chunk_length": n} if chunked and length > m + n else {}

        steps = [(lags, longer(lags))] if longer(lags) else []
        return steps + [(m, longer(m)) for m in (lags // 2, lags // 4) if m >= 1 and length > m + 1]


def _torch_model(name: str, cls: str, description: str, extra: dict | None = None):
    fixed = dict(extra or {})

    class Model(_Torch):
        darts_class = cls

        def _options(self, lags):
            kw = super()._options(lags) | fixed
            if cls == "RNNModel":  # its output is one step; it trains on sequences of training_length
                kw.pop("output_chunk_length")
                kw.setdefault("training_length", lags + 1)
            return kw

    Model.description = description
    Model.__name__ = Model.__qualname__ = "Darts" + cls.replace("Model", "") + fixed.get("model", "")
    return register(name)(Model)


_torch_model("darts-nbeats", "NBEATSModel", "N-BEATS (darts; generic architecture)")
_torch_model("darts-nhits", "NHiTSModel", "N-HiTS (darts)")
_torch_model("darts-tcn", "TCNModel", "temporal convolutional network (darts)")
_torch_model("darts-transformer", "TransformerModel", "encoder-decoder transformer (darts)")
_torch_model("darts-rnn", "RNNModel", "vanilla recurrent network (darts RNNModel)", {"model": "RNN"})
_torch_model("darts-lstm", "RNNModel", "LSTM (darts RNNModel)", {"model": "LSTM"})
_torch_model("darts-blockrnn", "BlockRNNModel", "block LSTM encoder with a dense decoder (darts)", {"model": "LSTM"})
_torch_model("darts-dlinear", "DLinearModel", "DLinear: trend/seasonal decomposition and linear maps (darts)")
_torch_model("darts-nlinear", "NLinearModel", "NLinear: a linear map of the normalised input (darts)")
_torch_model("darts-tide", "TiDEModel", "TiDE: time-series dense encoder (darts)")


# ------------------------------------------------------------------------------------ trees
class _Trees(DartsForecaster):
    def __init__(self, lags: int | None = None, n_estimators: int = 100, seed: int = 0, **options):
        super().__init__(seed=seed, lags=None if lags is None else int(lags), n_estimators=int(n_estimators), **options)
        if self.lags is not None and self.lags < 1 or self.n_estimators < 1:
            raise ValueError("lags and n_estimators must be integers >= 1")

    def _options(self, lags):
        return dict(lags=lags, n_estimators=self.n_estimators, random_state=self.seed)


@register("darts-rf")
class DartsRandomForest(_Trees):
    description = "random forest on lagged values (darts)"
    darts_class = "RandomForestModel"


@register("darts-lightgbm")
class DartsLightGBM(_Trees):
    description = "gradient-boosted trees, LightGBM, on lagged values (darts)"
    darts_class = "LightGBMModel"

    def _options(self, lags):
        return super()._options(lags) | {"verbose": -1}


# ------------------------------------------------------------------------------------ statistical
@register("darts-kalman")
class DartsKalman(DartsForecaster):
    description = "Kalman filter of a linear state-space model identified by N4SID (darts)"
    darts_class = "KalmanForecaster"
    kind = "transferable"

    def __init__(self, dim_x: int = 4, seed: int = 0, **options):
        super().__init__(seed=seed, dim_x=int(dim_x), **options)
        if self.dim_x < 1:
            raise ValueError(f"dim_x must be an integer >= 1, got {dim_x!r}")

    def _options(self, lags):
        return dict(dim_x=self.dim_x, random_state=self.seed)

    def _fallbacks(self) -> list[dict]:
        return [{"dim_x": k} for k in range(self.dim_x - 1, 0, -1)]


@register("darts-arima")
class DartsARIMA(DartsForecaster):
    description = "ARIMA(p, d, q) per coordinate (darts, statsmodels)"
    darts_class = "ARIMA"
    kind = "transferable"
    choose_bounded = True
    multivariate = False

    def __init__(self, p: int = 12, d: int = 1, q: int = 0, seed: int = 0, **options):
        super().__init__(seed=seed, p=int(p), d=int(d), q=int(q), **options)
        if min(self.p, self.d, self.q) < 0:
            raise ValueError("p, d and q must be integers >= 0")

    def _options(self, lags):
        return dict(p=self.p, d=self.d, q=self.q, random_state=self.seed)

    def _local_memory(self) -> int:
        return self.p + self.d + self.q + 1

    def _fallbacks(self) -> list[dict]:
        ps = [p for p in (self.p // 2, self.p // 4, 1) if 0 < p < self.p]
        return [{"p": p} for p in dict.fromkeys(ps)]


@register("darts-autoarima")
class DartsAutoARIMA(DartsForecaster):
    description = "AutoARIMA per coordinate (darts, statsforecast)"
    darts_class = "AutoARIMA"
    kind = "transferable"
    multivariate = False

    def _options(self, lags):
        return dict(random_state=self.seed)

    def _local_memory(self) -> int:
        return 10


def _local_model(name: str, cls: str, description: str, fixed: dict | None = None, multivariate: bool = False):
    fixed = dict(fixed or {})

    class Model(DartsForecaster):
        darts_class = cls
        kind = "local"

        def _options(self, lags):
            import darts.utils.utils as du

            kw = {}
            for k, v in fixed.items():  # enum names as strings: resolved here, where darts is imported
                kw[k] = getattr(du, v[0])(v[1]) if isinstance(v, tuple) else v
            return kw

    Model.multivariate = multivariate
    Model.description = description
    Model.__name__ = Model.__qualname__ = "Darts" + cls
    return register(name)(Model)


_local_model("darts-theta", "Theta", "Theta method, refitted on each context (darts)",
             {"season_mode": ("SeasonalityMode", "additive")})
_local_model("darts-fourtheta", "FourTheta", "4Theta, refitted on each context (darts)",
             {"season_mode": ("SeasonalityMode", "additive"), "normalization": False})
_local_model("darts-fft", "FFT", "FFT extrapolation of the context (darts)")
_local_model("darts-exp-smoothing", "ExponentialSmoothing",
             "exponential smoothing (additive trend, no season), refitted on each context (darts)",
             {"seasonal": ("SeasonalityMode", None)})
_local_model("darts-naive-mean", "NaiveMean", "mean of the context (darts)", multivariate=True)
_local_model("darts-naive-seasonal", "NaiveSeasonal", "last value repeated (darts NaiveSeasonal, K = 1)",
             multivariate=True)
_local_model("darts-naive-drift", "NaiveDrift", "line through the context's first and last values (darts)",
             multivariate=True)
