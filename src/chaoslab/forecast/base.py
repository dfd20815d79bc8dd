"""The Forecaster interface and the model registry.

A forecaster learns from training trajectories and forecasts from a context window::

    model = get_model("nvar").fit(train, val, dt=dt)      # train: (n_traj, T, d)
    pred = model.predict(context, horizon)                 # context: (W, c, d) -> (W, horizon, d)

``fit`` may use the validation windows for early stopping or hyper-parameter choice; ``predict``
is deterministic; ``sample(context, horizon, n, seed)`` draws n forecasts (W, n, horizon, d)
where the model has a noise model: climatology draws from the training states, the
autoregressive readouts (linear, NVAR, ESN) add Gaussian innovations with the covariance of
their one-step training residuals. Ensembles of learned models (several seeds) are built by
``chaoslab.ensembles``. Models register by name with ``@register("name")``; a user's model is a subclass
with ``fit`` and ``predict`` (see README)::

    @register("mean-reverting")
    class MeanReverting(Forecaster):
        def fit(self, train, val=None, *, dt=1.0):
            self.mean_ = train.reshape(-1, train.shape[-1]).mean(0)
            return self

        def predict(self, context, horizon):
            return np.broadcast_to(self.mean_, (len(context), horizon, self.mean_.size)).copy()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from ..systems.base import _suggest

__all__ = ["Forecaster", "Windows", "register", "get_model", "list_models", "UnknownModelError", "check_finite",
           "innovation_factor", "check_sample_args"]


@dataclass
class Windows:
    """Forecast windows: ``context`` (W, c, d) followed by ``target`` (W, H, d); ``t0`` (W,) the
    time of each target's first point on its trajectory."""

    context: np.ndarray
    target: np.ndarray
    t0: np.ndarray

    def __len__(self) -> int:
        return len(self.context)


class UnknownModelError(KeyError):
    """An unknown model name (with the closest registered name suggested)."""

    def __init__(self, name: str, known):
        close = _suggest(name, list(known))
        hint = f"; did you mean '{close}'?" if close else f"; registered: {', '.join(sorted(known))}"
        self.message = f"unknown model '{name}'{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


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


def check_sample_args(horizon, n, seed) -> None:
    """One-line errors for sample()'s integer arguments."""
    for name, v, lo in (("horizon", horizon, 1), ("n", n, 1), ("seed", seed, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")


class Forecaster:
    """Base class: subclasses implement ``fit`` and ``predict`` (and ``sample`` if probabilistic).

    Hyper-parameters are keyword arguments of ``__init__`` stored as attributes (scikit-learn
    style); learned state ends in an underscore. ``seed`` makes every random choice reproducible.
    """

    name: ClassVar[str] = "forecaster"
    description: ClassVar[str] = ""
    #: the documented small hyper-parameter search: name -> candidate values
    search_space: ClassVar[dict[str, list[Any]]] = {}

    def __init__(self, seed: int = 0, **hyper):
        self.seed = int(seed)
        for k, v in hyper.items():
            setattr(self, k, v)

    # -- the interface
    def fit(self, train: np.ndarray, val: Windows | None = None, *, dt: float = 1.0) -> "Forecaster":
        raise NotImplementedError

    def predict(self, context: np.ndarray, horizon: int) -> np.ndarray:
        raise NotImplementedError

    def sample(self, context: np.ndarray, horizon: int, n: int, seed: int) -> np.ndarray:
        """n forecasts of each context window, (W, n, horizon, d); the same seed gives the same bits."""
        raise NotImplementedError(f"model '{self.name}' is deterministic: it has no sample()")

    def as_map(self, context: np.ndarray):
        """(step, state0): the fitted model's free-running step as a pure JAX function of its own
        internal state (one output interval per call), and that state after reading ``context``
        (c, d). Lets the analysis module differentiate the model (``model_lyapunov_exponent``)."""
        raise NotImplementedError(f"model '{self.name}' does not expose its step as a map")

    @classmethod
    def probabilistic(cls) -> bool:
        """Whether the model draws samples (implements ``sample``)."""
        return cls.sample is not Forecaster.sample

    # -- helpers for subclasses
    def hyper_parameters(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper_parameters().items())
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


def get_model(name: str, **hyper) -> Forecaster:
    """A new, unfitted model ``name`` with its default hyper-parameters updated by ``hyper``."""
    _load_zoo()
    if name not in _MODELS:
        raise UnknownModelError(name, _MODELS)
    return _MODELS[name](**hyper)


def list_models() -> dict[str, str]:
    """Registered model names -> one-line descriptions."""
    _load_zoo()
    return {k: _MODELS[k].description for k in sorted(_MODELS)}
