"""The attractor's statistics and its Lyapunov time: the one reference every module scores against.

``attractor_statistics(system, params)`` is the climatology: one long on-attractor run from the
system's reference initial condition (20 000 points at 20 points per characteristic period, i.e.
1 000 periods, after a transient of 20 periods; maps: 20 000 iterates after 100), with its mean and
standard deviation per coordinate, its attractor scale s = √(Σᵢ Var xᵢ)
(:func:`chaoslab.metrics.attractor_scale`) and the samples themselves. Ensemble forecasts
(tail events, reliability thresholds, perturbation amplitudes), error growth, assimilation,
huge ensembles and ``ensemble_statistics`` (histogram centre and scale) and the forecasting
protocol (the attractor's mean and scale behind VPT and the divergence rule, and the reference
distribution) all read it. It is computed once per system value and parameters (cached).

``leading_exponent(system, params)`` is λ₁ at those parameters: the shipped invariants table's at
the defaults, else a spectrum to 2 % precision (orbits that escape are left out). Its Lyapunov
time is :func:`chaoslab.analysis.lyapunov_time` of it (1/λ₁, infinite unless λ₁ > 0).

Two sizes of a state are in use and are not the same thing: the attractor scale above (the
forecast rule: a state more than ``metrics.DIVERGENCE_SCALES`` = 100 attractor scales from the
mean has diverged) and ``System.scale`` (the largest shipped |mean|, std or reference-IC
coordinate), which only sizes the integrator's safety guard (a coordinate beyond 1e8 · scale
stops the integration, ``integrate.default_bound``) and the Lyapunov code's escape test: cheap,
known before any run, and far outside any attractor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

__all__ = ["AttractorStatistics", "attractor_statistics", "leading_exponent"]

#: the climatology's length and spacing (flows: points per characteristic period) and transient
CLIMATOLOGY_POINTS = 20_000
CLIMATOLOGY_PTS_PER_PERIOD = 20
CLIMATOLOGY_TRANSIENT_PERIODS = 20
CLIMATOLOGY_TRANSIENT_ITERATES = 100


@dataclass(frozen=True)
class AttractorStatistics:
    """A long on-attractor run's ``mean`` (d,), ``std`` (d,), attractor ``scale`` (a number) and
    ``samples`` (points, d) spaced ``dt`` apart (arrays read-only: one cached copy is shared)."""

    mean: np.ndarray
    std: np.ndarray
    scale: float
    samples: np.ndarray
    dt: float

    def observed(self, coordinates) -> "AttractorStatistics":
        """The statistics of some coordinates only (e.g. the one observed coordinate of a
        univariate forecast): mean, std and samples restricted, the scale recomputed."""
        from ..metrics import attractor_scale

        pick = list(np.atleast_1d(coordinates))
        x = self.samples[:, pick]
        return AttractorStatistics(self.mean[pick], self.std[pick], attractor_scale(x), x, self.dt)


def attractor_statistics(system, params: Mapping[str, Any] | None = None) -> AttractorStatistics:
    """The climatology of ``system`` at ``params`` (module docstring); a one-line error if the
    run leaves the attractor or does not move."""
    from ..integrate.api import as_system

    system = as_system(system)
    return _statistics(system.with_params(**params) if params else system)


@lru_cache(maxsize=128)
def _statistics(system) -> AttractorStatistics:
    from ..integrate.api import output_dt, trajectory
    from ..metrics import attractor_scale

    if system.discrete:
        tr = trajectory(system, CLIMATOLOGY_POINTS, transient=CLIMATOLOGY_TRANSIENT_ITERATES)
    else:
        dt = output_dt(system, None, CLIMATOLOGY_PTS_PER_PERIOD)
        tr = trajectory(system, CLIMATOLOGY_POINTS, dt=dt,
                        transient=CLIMATOLOGY_TRANSIENT_PERIODS * CLIMATOLOGY_PTS_PER_PERIOD * dt)
    x = np.array(tr.x, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    for a in (x, mean, std):
        a.flags.writeable = False
    dt = float(tr.t[1] - tr.t[0]) if len(tr.t) > 1 else 1.0
    return AttractorStatistics(mean, std, attractor_scale(x), x, dt)


def leading_exponent(system, params: Mapping[str, Any] | None = None) -> float:
    """λ₁ of the system at these parameters: the shipped table's at the defaults, else a spectrum
    to 2 % (precise enough for a unit of time; orbits that escape are left out)."""
    from ..integrate.api import as_system

    system = as_system(system)
    inv = system.invariants if not params else None
    if inv and inv.get("lyapunov_spectrum"):
        return float(inv["lyapunov_spectrum"][0])
    return _computed_exponent(system.with_params(**params) if params else system)


@lru_cache(maxsize=128)
def _computed_exponent(system) -> float:
    from .lyapunov import lyapunov_spectrum

    return float(lyapunov_spectrum(system, k=1, precision=0.02, escaped="exclude").exponents[0])
