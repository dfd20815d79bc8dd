"""A fitted model as a dynamical system: its own largest Lyapunov exponent.

``model_lyapunov_exponent`` wraps the model's free-running step (``Forecaster.as_map``) as a
discrete map ``System`` and hands it to the analysis module's ``lyapunov_spectrum`` (tangent
dynamics by automatic differentiation of the step, QR re-orthonormalisation), then converts the
exponent per step into one per time unit. A model that reproduces the dynamics should match the
system's exponent; a model that damps to a fixed point or a cycle has lambda_1 <= 0, and one that
is too expansive overshoots.

Compiled programs are cached by the System's value (equations by identity, default parameters by
value), so a built-in model's ``as_map`` returns a :class:`ModelStep`: a pure function
``fn(state, weights)``, the same object for every fit of one structure (model class and the
hyper-parameters that change shapes or code paths), and the fitted ``weights``. The map System is
made once per structure, with the weights as its parameters (passed to ``lyapunov_spectrum`` as
traced arguments, not constants): a second fit of the same model, on other data or another system
of the same dimension, reuses the compiled program. A plain closure step still works, at the
cost of a compilation per call.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from ..systems.base import System
from .base import Forecaster

__all__ = ["model_lyapunov_exponent", "ModelStep"]

ORBITS = 8


class ModelStep:
    """The step ``as_map`` returns, as ``fn`` (a pure function (state, weights) -> next state,
    one object per model structure) and ``weights`` (name -> array, the fitted values). Calling it
    steps a state, like a closure over the weights: ``step(x) == fn(x, weights)``."""

    __slots__ = ("fn", "weights")

    def __init__(self, fn: Callable[[Any, Mapping[str, Any]], Any], weights: Mapping[str, Any]):
        self.fn, self.weights = fn, dict(weights)

    def __call__(self, x):
        return self.fn(x, self.weights)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(np.shape(v))}" for k, v in self.weights.items())
        return f"ModelStep({getattr(self.fn, '__qualname__', self.fn)!r}, {shapes})"


@lru_cache(maxsize=64)
def _map_system(fn: Callable, name: str, dim: int, shapes: tuple) -> System:
    """The map x -> fn(x, weights) as a System whose parameters are the weights (zeros of their
    shapes by default), one per structure: equal Systems share their compiled programs."""
    return System(name=name, dim=dim, fn=lambda x, t, **w: fn(x, w), params={k: np.zeros(s) for k, s in shapes},
                  discrete=True, period=1.0, dt=1.0, description=f"the fitted {name} step")


def model_lyapunov_exponent(model: Forecaster, context: np.ndarray, dt: float, *, steps: int = 20_000,
                            transient_steps: int = 1000, seed: int = 0) -> tuple[float, float]:
    """(lambda_1, standard error) of the fitted ``model`` per time unit, from its step read in
    from ``context`` (c, d) and iterated ``transient_steps`` + ``steps`` times; ``dt`` is the time of
    one step. Raises DivergenceError if the model's own orbit blows up."""
    from ..analysis import lyapunov_spectrum

    step, state0 = model.as_map(np.asarray(context, dtype=np.float64))
    state0 = np.asarray(state0, dtype=np.float64).reshape(-1)
    name = f"{model.name}-model"
    if isinstance(step, ModelStep):
        shapes = tuple((k, tuple(np.shape(v))) for k, v in sorted(step.weights.items()))
        # the read-in state's size sets the orbits' offsets and divergence bound (System.scale),
        # as a reference IC would; reference statistics are not part of the System's value
        system = replace(_map_system(step.fn, name, state0.size, shapes), stats={"mean": state0})
        params = step.weights
    else:  # a closure: a new System (and compilation) per call
        system = System(name=name, dim=state0.size, fn=lambda x, t: step(x), discrete=True,
                        reference_ic=tuple(state0), period=1.0, dt=1.0,
                        description=f"the fitted {model.name} model's step")
        params = None
    # ORBITS orbits from offsets of the read-in state share the steps (the standard error comes
    # from their spread; each discards the transient first)
    r = lyapunov_spectrum(system, k=1, time=float(max(steps // ORBITS, 1)), transient=float(transient_steps), x0=state0,
                          params=params, orbits=ORBITS, seed=seed)
    return float(r.exponents[0]) / dt, float(r.uncertainty[0]) / dt
