"""The Forecaster interface and the model registry.

A forecaster learns from training trajectories and forecasts from a context window::

    model = get_model("nvar").fit(train, val, dt=dt)      # train: (n_traj, T, d), or one trajectory (T, d)
    pred = model.predict(context, horizon)                 # context: (W, c, d) -> (W, horizon, d)
    one = model.predict(context[0], horizon)               # one context (c, d) -> (horizon, d)

``fit`` may use the validation windows for early stopping or hyper-parameter choice; ``predict``
is deterministic; ``sample(context, horizon, n, seed)`` draws n forecasts (W, n, horizon, d)
(or (n, horizon, d) from one context) where the model has a noise model: climatology draws from
the training states, the autoregressive readouts (linear, NVAR, ESN) add Gaussian innovations
with the covariance of their one-step training residuals. ``dt`` is the time between samples;
models whose results are in time units (``needs_dt``: DMD's and EDMD's continuous-time
eigenvalues, SINDy's equations) refuse to fit without it. Ensembles of learned models (several
seeds) are built by ``chaoslab.ensembles``. Models register by name with ``@register("name")``;
a user's model is a subclass with ``fit`` and ``predict`` (see README)::

    @register("mean-reverting")
    class MeanReverting(Forecaster):
        def fit(self, train, val=None, *, dt=1.0):
            self.mean_ = train.reshape(-1, train.shape[-1]).mean(0)
            return self

        def predict(self, context, horizon):
            return np.broadcast_to(self.mean_, (len(context), horizon, self.mean_.size)).copy()

Every subclass's ``fit``, ``predict`` and ``sample`` are wrapped once, when the class is
defined (``Forecaster.__init_subclass__``), by the one check of their arguments: the
implementation always receives finite float64 training data (n_traj, T > ``memory``, d), validation
``Windows`` of (W, c, d) and (W, H, d), contexts (W, c, d) of the training dimension with at
least ``memory`` points, and a valid horizon (and n, seed); a single trajectory, window or
context is given the leading axis and a single context's forecast loses it again.

The same wrapper applies the one divergence rule (``chaoslab.metrics.diverged_states``) to every
forecast and sample of a fitted model: from the first state farther than
``DIVERGENCE_SCALES`` (100) attractor scales from the training data's mean (``train_mean_``,
``train_scale_``, set before the model's own ``fit`` runs), or not finite, the forecast is NaN.
A diverged forecast is so scored as a failure, never raised.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from ..metrics import attractor_scale, nan_from_divergence
from ..systems.base import UnknownModelError, resolve_name, suggest_name  # noqa: F401 (UnknownModelError: public here too)

__all__ = ["Forecaster", "Windows", "register", "get_model", "list_models", "UnknownModelError", "check_finite",
           "innovation_factor", "check_sample_args", "check_hyper_parameters", "MissingExtraError", "require_extra",
           "EXTRAS", "stability_check", "validation_vpt", "choose_stable", "StableChoice", "input_length",
           "half_the_training",
           "DEFAULT_INPUT_LENGTH"]


@dataclass
class Windows:
    """Forecast windows: ``context`` (W, c, d) followed by ``target`` (W, H, d); ``t0`` (W,) the
    time of each target's first point on its trajectory."""

    context: np.ndarray
    target: np.ndarray
    t0: np.ndarray

    def __len__(self) -> int:
        return len(self.context)


def check_finite(name: str, x: np.ndarray) -> np.ndarray:
    """x as float64, or a one-line ValueError naming where it is not finite."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {where}); allowed: finite values")
    return x


def innovation_factor(residuals: np.ndarray) -> np.ndarray:
    """A lower-triangular L with L L^T the covariance of one-step residuals (n, d): Gaussian
    innovations ``L @ standard_normal(d)`` have the residuals' covariance. A tiny jitter keeps a
    noiseless fit (exactly learned dynamics) factorisable."""
    r = np.asarray(residuals, dtype=np.float64).reshape(-1, residuals.shape[-1])
    cov = np.atleast_2d(np.cov(r, rowvar=False))
    jitter = 1e-14 * max(float(np.trace(cov)) / len(cov), 1e-300)
    return np.linalg.cholesky(cov + jitter * np.eye(len(cov)))


DEFAULT_INPUT_LENGTH = 60  # a window model's input length without validation windows (the protocol's default context)


def half_the_training(length: int, train: np.ndarray, output: int = 1) -> int:
    """``length`` at most half of what the training trajectories (n, T, d) leave after ``output``
    steps, ``(T - output) // 2``: the cap a model puts on a default length it reads or drops from
    each trajectory (a window model's input, a reservoir's washout), so that data-limited protocols
    (as few as 100 training points) still leave data to fit."""
    return min(int(length), (np.shape(train)[1] - output) // 2)


def input_length(lags: int | None, train: np.ndarray, val, output: int = 1) -> tuple[int, str | None]:
    """The input length (lags) of a window model that reads a fixed-length past and predicts
    ``output`` steps, and why it was chosen (None when ``lags`` was given): ``lags`` if given,
    else the validation windows' context length (so a forecast reads the whole context), else
    ``DEFAULT_INPUT_LENGTH``, at most half of what the training trajectories (n, T, d) leave
    after one output (``half_the_training``). A given ``lags`` that the training trajectories
    cannot hold with one output is a one-line ValueError."""
    T = np.shape(train)[1]
    if lags is None:
        have_val = val is not None and len(val) > 0
        lags = val.context.shape[1] if have_val else DEFAULT_INPUT_LENGTH
        why = "the validation windows' context length" if have_val else "the default"
        capped = half_the_training(lags, train, output)
        if capped < lags:
            lags, why = max(capped, 1), "half the training length"
        return int(lags), why
    if T <= lags + output:
        raise ValueError(f"training trajectories have {T} points; lags={lags} needs more than lags + output "
                         f"steps = {lags + output}")
    return int(lags), None


STABILITY_HORIZONS = 5  # the stability check's free runs: this many validation horizons (200 steps without)
STABILITY_STARTS = 8  # ... from this many points of the training series, besides the validation contexts


def stability_check(predict: Callable[[np.ndarray, int], np.ndarray], train: np.ndarray, val, memory: int,
                    mean, scale: float) -> tuple[int, int]:
    """(diverged, total): how many free runs of a fitted model leave the attractor — the one
    no-silent-blow-up rule models use to choose a configuration. ``predict(contexts, steps)``
    runs STABILITY_HORIZONS validation horizons (200 steps without validation windows) from the
    validation contexts and STABILITY_STARTS points of the first training series (each with its
    last ``memory`` points of context); a run diverges by ``chaoslab.metrics.diverged_states``
    with the training data's ``mean`` and ``scale``."""
    from ..metrics import diverged_states

    series = train[0] if np.ndim(train) == 3 else np.asarray(train)
    starts = np.linspace(memory, len(series) - 1, STABILITY_STARTS).astype(int)
    contexts = np.stack([series[t - memory:t] for t in starts])
    horizon = val.target.shape[1] if val is not None and len(val) > 0 else 200
    if val is not None and len(val) > 0:
        contexts = np.concatenate([val.context[:, -memory:], contexts])
    with np.errstate(all="ignore"):
        runs = np.asarray(predict(contexts, STABILITY_HORIZONS * horizon), dtype=np.float64)
    scale = scale if np.isfinite(scale) else np.inf
    gone = ~np.all(np.isfinite(runs), axis=(-2, -1)) | diverged_states(np.nan_to_num(runs, nan=np.inf), mean,
                                                                         scale).any(axis=-1)
    return int(gone.sum()), len(contexts)


def validation_vpt(predict: Callable[[np.ndarray, int], np.ndarray], val, dt: float, scale: float) -> float:
    """Median valid prediction time (time units; ``chaoslab.metrics.valid_prediction_time``) of
    ``predict(contexts, steps)`` over the validation windows, 0 without them: how models rank
    the configurations whose free runs stay bounded (``stability_check``)."""
    from ..metrics import valid_prediction_time

    if val is None or not len(val):
        return 0.0
    with np.errstate(all="ignore"):
        pred = np.asarray(predict(val.context, val.target.shape[1]), dtype=np.float64)
    return float(np.median(valid_prediction_time(val.target, pred, dt, scale=scale)))


@dataclass
class StableChoice:
    """What :func:`choose_stable` kept: the candidate's key, whether its free runs stayed bounded,
    how many of how many stability runs diverged, and its median validation VPT (0 without
    validation windows; NaN when nothing stayed bounded)."""

    key: Any
    bounded: bool
    diverged: int
    runs: int
    vpt: float


def choose_stable(tiers, build: Callable[[Any], Callable[[np.ndarray, int], np.ndarray]], train, val, memory: int,
                  mean, scale: float, dt: float) -> StableChoice:
    """The one way models choose a configuration that does not blow up. ``tiers`` lists candidate
    keys in order of preference (e.g. the asked-for penalty, then stronger ones), each tier a
    list; ``build(key)`` fits the candidate and returns its ``predict(contexts, steps)`` (a
    ValueError skips it: its least squares could not be solved). The first tier with a candidate
    whose free runs stay bounded (:func:`stability_check`) wins, and within it the candidate with
    the longest median validation forecast (:func:`validation_vpt`; the earliest on ties, so the
    first bounded one without validation windows). If none stays bounded anywhere: the candidate
    with the fewest diverged runs. A one-line ValueError if no candidate could be fitted."""
    fewest, error = None, None
    for tier in tiers:
        best = None
        for key in tier:
            try:
                predict = build(key)
            except ValueError as e:
                error = e
                continue
            gone, n = stability_check(predict, train, val, memory, mean, scale)
            if not gone:
                vpt = validation_vpt(predict, val, dt, scale)
                if best is None or vpt > best.vpt:
                    best = StableChoice(key, True, 0, n, vpt)
            if fewest is None or gone < fewest.diverged:
                fewest = StableChoice(key, False, gone, n, float("nan"))
        if best is not None:
            return best
    if fewest is None:
        raise ValueError(f"no candidate configuration could be fitted: {str(error).splitlines()[0]}")
    return fewest


def _check_integer(name: str, v, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def check_sample_args(horizon, n, seed) -> None:
    """One-line errors for sample()'s integer arguments."""
    for name, v, lo in (("horizon", horizon, 1), ("n", n, 1), ("seed", seed, 0)):
        _check_integer(name, v, lo)


def _trajectories(train) -> np.ndarray:
    """Training data as (n_traj, T, d) float64: one trajectory (T, d) gets the leading axis."""
    shape = np.shape(train)
    x = check_finite("training data", train)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError(f"training data must have shape (time, dim) for one trajectory or (trajectories, time, "
                         f"dim), got {shape}")
    return x


def _windows(val, d: int, memory: int, name: str) -> Windows:
    """Validation windows of (W, c, d) and (W, H, d); a single window (c, d), (H, d) gets the leading axis."""
    if not isinstance(val, Windows):
        raise ValueError(f"validation data must be Windows(context, target, t0), got {type(val).__name__}")
    ctx = check_finite("validation context", val.context)
    tgt = check_finite("validation target", val.target)
    one = ctx.ndim == 2 and tgt.ndim == 2
    if one:
        ctx, tgt = ctx[None], tgt[None]
    if ctx.ndim != 3 or tgt.ndim != 3 or ctx.shape[-1] != d or tgt.shape[-1] != d or len(ctx) != len(tgt):
        raise ValueError(f"validation windows must have context (windows, points, {d}) and target (windows, horizon, "
                         f"{d}) (or (points, {d}) and (horizon, {d}) for one window), got {np.shape(val.context)} "
                         f"and {np.shape(val.target)}")
    if len(ctx) and ctx.shape[1] < memory:
        raise ValueError(f"validation context has {ctx.shape[1]} points; {name} needs at least {memory}")
    t0 = np.atleast_1d(np.asarray(val.t0, dtype=np.float64)).ravel()
    if len(t0) not in (1, len(ctx)):
        raise ValueError(f"validation t0 must have one time per window ({len(ctx)}), got {len(t0)}")
    return Windows(ctx, tgt, np.broadcast_to(t0, (len(ctx),)).copy())


class MissingExtraError(ImportError, ValueError):
    """A model needs an optional extra that is not installed (the message says what to install)."""


#: optional extras -> the modules they bring (pyproject's [project.optional-dependencies])
EXTRAS = {"darts": ("darts", "torch", "lightgbm", "statsforecast")}


def require_extra(cls: type["Forecaster"]) -> None:
    """Nothing if ``cls`` needs no optional extra or it is installed (checked without importing
    it); else a one-line MissingExtraError saying what to install."""
    import importlib.util

    extra = getattr(cls, "extra", "")
    if not extra:
        return
    missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"model '{cls.name}' needs the optional {extra} extra ({', '.join(missing)} missing): "
                                f"pip install 'chaoslab[{extra}]'")


def _check_fit(impl):
    @functools.wraps(impl)
    def fit(self, train, val=None, *, dt=None):
        require_extra(type(self))
        train = _trajectories(train)
        if train.shape[1] <= self.memory:
            raise ValueError(f"training trajectories have {train.shape[1]} points; {self.name} needs more than "
                             f"{self.memory}")
        if val is not None:
            val = _windows(val, train.shape[-1], self.memory, self.name)
        if dt is None:
            if self.needs_dt:
                raise ValueError(f"{self.name} needs dt, the time between training samples in time units: "
                                 f"{self.needs_dt} depend on it; pass fit(train, dt=...)")
            kw = {}  # the implementation's own default applies: nothing it reports is in time units
        else:
            if isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating)) or not (
                    np.isfinite(dt) and dt > 0):
                raise ValueError(f"dt must be a positive number (the time between training samples), got {dt!r}")
            kw = {"dt": float(dt)}
        self.train_mean_, self.train_scale_ = _divergence_reference(train)
        fitted = impl(self, train, val, **kw)
        self.dim_ = train.shape[-1]
        return fitted

    fit._checked = True
    return fit


def _divergence_reference(train: np.ndarray) -> tuple[np.ndarray, float]:
    """The training data's mean and ``attractor_scale`` (inf for data that do not move: then only
    non-finite forecasts count as diverged)."""
    flat = train.reshape(-1, train.shape[-1])
    moves = bool(np.any(flat != flat[0]))
    return flat.mean(axis=0), attractor_scale(train) if moves else float("inf")


def _diverged_to_nan(self, out):
    """``out`` (..., horizon, d) with NaN from each forecast's divergence on (fitted models only)."""
    if getattr(self, "train_scale_", None) is None:
        return out
    if np.shape(out)[-1:] != np.shape(self.train_mean_):
        raise ValueError(f"{self.name} returned forecasts of shape {np.shape(out)}; their last axis must be the "
                         f"training dimension {np.size(self.train_mean_)}")
    return nan_from_divergence(out, self.train_mean_, self.train_scale_)


def _check_predict(impl):
    @functools.wraps(impl)
    def predict(self, context, horizon):
        ctx, one = self._contexts(context)
        out = _diverged_to_nan(self, impl(self, ctx, _check_integer("horizon", horizon, 1)))
        return out[0] if one else out

    predict._checked = True
    return predict


def _check_sample(impl):
    @functools.wraps(impl)
    def sample(self, context, horizon, n, seed):
        check_sample_args(horizon, n, seed)
        ctx, one = self._contexts(context)
        out = _diverged_to_nan(self, impl(self, ctx, int(horizon), int(n), int(seed)))
        return out[0] if one else out

    sample._checked = True
    return sample


class Forecaster:
    """Base class: subclasses implement ``fit`` and ``predict`` (and ``sample`` if probabilistic).

    Hyper-parameters are keyword arguments of ``__init__`` stored as attributes (scikit-learn
    style); learned state ends in an underscore. ``seed`` makes every random choice reproducible.
    A hyper-parameter that the fit chooses (e.g. NVAR's ``degree=None``) is reported, with why, in
    ``chosen_`` (name -> "value and reason"), which the repr shows in place of its value.
    The arguments of ``fit``, ``predict`` and ``sample`` are checked once for every model (see
    the module docstring).
    """

    name: ClassVar[str] = "forecaster"
    description: ClassVar[str] = ""
    #: the documented small hyper-parameter search: name -> candidate values
    search_space: ClassVar[dict[str, list[Any]]] = {}
    #: what in the fitted model is in time units (so ``fit`` requires ``dt``); empty if nothing
    needs_dt: ClassVar[str] = ""
    #: context points a forecast needs (the shortest context ``predict`` accepts)
    memory: int = 1
    #: the optional extra the model needs (``pip install 'chaoslab[<extra>]'``); empty if none
    extra: ClassVar[str] = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name, check in (("fit", _check_fit), ("predict", _check_predict), ("sample", _check_sample)):
            impl = cls.__dict__.get(name)
            if callable(impl) and not getattr(impl, "_checked", False):
                setattr(cls, name, check(impl))

    def __init__(self, seed: int = 0, **hyper):
        self.seed = int(seed)
        for k, v in hyper.items():
            setattr(self, k, v)

    # -- the interface
    def fit(self, train: np.ndarray, val: Windows | None = None, *, dt: float | None = None) -> "Forecaster":
        raise NotImplementedError

    def predict(self, context: np.ndarray, horizon: int) -> np.ndarray:
        raise NotImplementedError

    def sample(self, context: np.ndarray, horizon: int, n: int, seed: int) -> np.ndarray:
        """n forecasts of each context window, (W, n, horizon, d); the same seed gives the same bits."""
        raise NotImplementedError(f"model '{self.name}' is deterministic: it has no sample()")

    def as_map(self, context: np.ndarray):
        """(step, state0): the fitted model's free-running step as a pure JAX function of its own
        internal state (one output interval per call), and that state after reading ``context``
        (c, d). Lets the analysis module differentiate the model (``model_lyapunov_exponent``).
        Built-in models return the step as a ``forecast.dynamics.ModelStep`` (a pure function of
        the state and the fitted weights, one per model structure), so a new fit reuses the
        compiled program; a plain closure also works, at one compilation per call."""
        raise NotImplementedError(f"model '{self.name}' does not expose its step as a map")

    @classmethod
    def probabilistic(cls) -> bool:
        """Whether the model draws samples (implements ``sample``)."""
        return cls.sample is not Forecaster.sample

    # -- helpers for subclasses
    def hyper_parameters(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    def _contexts(self, context) -> tuple[np.ndarray, bool]:
        """(contexts (W, c, d), whether one context (c, d) was given), or a one-line error. d is
        the training data's dimension once the model is fitted (a model that needs no fit takes
        any d)."""
        shape = np.shape(context)
        x = check_finite("context", context)
        d, m = getattr(self, "dim_", x.shape[-1] if x.ndim else "d"), self.memory
        if x.ndim not in (2, 3) or x.shape[-1] != d:
            raise ValueError(f"context must have shape (points, {d}) for one window or (windows, points, {d}), "
                             f"got {shape}")
        if x.shape[-2] < m:
            raise ValueError(f"context has {x.shape[-2]} points; {self.name} needs at least {m} (shape (points >= {m}, "
                             f"{d}) or (windows, points >= {m}, {d}))")
        return (x[None], True) if x.ndim == 2 else (x, False)

    def __repr__(self) -> str:
        chosen = getattr(self, "chosen_", {})
        args = ", ".join(f"{k}={chosen[k]}" if k in chosen else f"{k}={v!r}"
                         for k, v in self.hyper_parameters().items())
        return f"{type(self).__name__}({args})"


_MODELS: dict[str, type[Forecaster]] = {}


def register(name: str, *, overwrite: bool = False) -> Callable[[type[Forecaster]], type[Forecaster]]:
    """Class decorator: make a Forecaster available as ``get_model(name)``."""

    def wrap(cls: type[Forecaster]) -> type[Forecaster]:
        if name in _MODELS and not overwrite:
            raise ValueError(f"a model named {name!r} is already registered")
        cls.name = name
        _MODELS[name] = cls
        return cls

    return wrap


def _load_zoo() -> None:
    from . import models  # noqa: F401  (imports register the built-in models)


# what a hyper-parameter declared with each type accepts, in error messages
_ACCEPTS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


@functools.lru_cache(maxsize=None)
def _declared_hyper_parameters(cls: type[Forecaster]) -> tuple[dict[str, tuple[tuple[type, ...], bool] | None], bool]:
    """A model's hyper-parameters as its ``__init__`` declares them: name -> (accepted types,
    whether None is accepted), or None where the annotation is not one this check understands
    (missing, or not built from int, float, bool, str and None); and whether ``__init__`` also
    takes arbitrary keywords (``**hyper``)."""
    try:
        sig = inspect.signature(cls.__init__, eval_str=True)
    except Exception:  # annotations that cannot be evaluated: check names only
        sig = inspect.signature(cls.__init__)
    declared: dict[str, tuple[tuple[type, ...], bool] | None] = {}
    open_ = False
    for i, (k, p) in enumerate(sig.parameters.items()):
        if i == 0 and k == "self":
            continue
        if p.kind is p.VAR_KEYWORD:
            open_ = True
            continue
        if p.kind is p.VAR_POSITIONAL:
            continue
        ann = p.annotation
        parts = typing.get_args(ann) if typing.get_origin(ann) in (typing.Union, types.UnionType) else (ann,)
        kinds = tuple(t for t in parts if t is not type(None))
        declared[k] = (kinds, len(kinds) < len(parts)) if kinds and all(t in _ACCEPTS for t in kinds) else None
    return declared, open_


def _accept(value: Any, kind: type) -> tuple[bool, Any]:
    """(whether ``value`` is a ``kind``, the value as one). Integers are not booleans; a float
    with an integral value is an integer; an integer is a number."""
    if isinstance(value, np.generic):
        value = value.item()
    if kind is bool:
        return isinstance(value, bool), value
    if isinstance(value, bool):
        return False, value
    if kind is int:
        if isinstance(value, int):
            return True, value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # exactly an integer
            return True, int(value)
        return False, value
    if kind is float:
        return isinstance(value, (int, float)), float(value) if isinstance(value, (int, float)) else value
    return isinstance(value, kind), value


def check_hyper_parameters(cls: type[Forecaster], hyper: dict[str, Any]) -> dict[str, Any]:
    """``hyper`` checked against the hyper-parameters ``cls.__init__`` declares (their names and
    type annotations: int, float, bool, str, optionally ``| None``), with integral floats given
    for integers made integers; or a one-line ValueError naming the hyper-parameter, the model
    and what it accepts. Ranges (``>= 1`` ...) are the model constructor's to check."""
    declared, open_ = _declared_hyper_parameters(cls)
    out = {}
    for k, v in hyper.items():
        if k not in declared:
            if open_:
                out[k] = v
                continue
            names = sorted(declared)
            close = suggest_name(k, names)
            hint = f"; did you mean '{close}'?" if close else f"; its hyper-parameters: {', '.join(names)}"
            raise ValueError(f"model '{cls.name}' has no hyper-parameter '{k}'{hint}")
        spec = declared[k]
        if spec is None:
            out[k] = v
            continue
        kinds, optional = spec
        if v is None and optional:
            out[k] = None
            continue
        for kind in kinds:
            ok, value = _accept(v, kind)
            if ok:
                out[k] = value
                break
        else:
            accepts = " or ".join([_ACCEPTS[t] for t in kinds] + (["none"] if optional else []))
            shown = v.item() if isinstance(v, np.generic) else v
            raise ValueError(f"hyper-parameter {k} of {cls.name} must be {accepts}, got {shown!r}")
    return out


def get_model(name: str, **hyper) -> Forecaster:
    """A new, unfitted model ``name`` (in any case: ``"NVAR"``) with its default hyper-parameters
    updated by ``hyper``.

    Names and types are checked first against the model's declared hyper-parameters (the
    annotated keyword arguments of its ``__init__``): an unknown name or a value of the wrong
    type is a one-line ValueError naming it (``hyper-parameter degree of nvar must be an
    integer or none, got 'abc'``); the constructor then checks ranges."""
    _load_zoo()
    cls = _MODELS[resolve_name(name, sorted(_MODELS), error=UnknownModelError)]
    return cls(**check_hyper_parameters(cls, hyper))


def list_models() -> dict[str, str]:
    """Registered model names -> one-line descriptions."""
    _load_zoo()
    return {k: _MODELS[k].description for k in sorted(_MODELS)}
