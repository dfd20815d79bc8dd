"""A fitted model as a dynamical system: its own largest Lyapunov exponent.

``model_lyapunov_exponent`` wraps the model's free-running step (``Forecaster.as_map``) as a
discrete map ``System`` and hands it to the analysis module's ``lyapunov_spectrum`` (tangent
dynamics by automatic differentiation of the step, QR re-orthonormalisation), then converts the
exponent per step into one per time unit. A model that reproduces the dynamics should match the
system's exponent; a model that damps to a fixed point or a cycle has lambda_1 <= 0, and one that
is too expansive overshoots.
"""

from __future__ import annotations

import numpy as np

from ..systems.base import System
from .base import Forecaster

__all__ = ["model_lyapunov_exponent"]

ORBITS = 8


def model_lyapunov_exponent(model: Forecaster, context: np.ndarray, dt: float, *, steps: int = 20_000,
                            transient: int = 1000, seed: int = 0) -> tuple[float, float]:
    """(lambda_1, standard error) of the fitted ``model`` per time unit, from its step read in
    from ``context`` (c, d) and iterated ``transient`` + ``steps`` times; ``dt`` is the time of
    one step. Raises DivergenceError if the model's own orbit blows up."""
    from ..analysis import lyapunov_spectrum

    step, state0 = model.as_map(np.asarray(context, dtype=np.float64))
    state0 = np.asarray(state0, dtype=np.float64).reshape(-1)
    system = System(name=f"{model.name}-model", dim=state0.size, fn=lambda x, t: step(x), discrete=True,
                    reference_ic=tuple(state0), period=1.0, dt=1.0, description=f"the fitted {model.name} model's step")
    # ORBITS orbits from offsets of the read-in state share the steps (the standard error comes
    # from their spread; each discards the transient first)
    r = lyapunov_spectrum(system, k=1, time=float(max(steps // ORBITS, 1)), transient=float(transient), x0=state0,
                          orbits=ORBITS, seed=seed)
    return float(r.exponents[0]) / dt, float(r.uncertainty[0]) / dt
