"""Scenarios of critical transitions: a bifurcation parameter ramped slowly through its critical
value, with noise, and null runs that hold it fixed.

Each scenario is a ``System`` whose right-hand side reads the ramped parameter
p(t) = p0 + (p1 − p0) min(t / T, 1); a forced run has p1 beyond the bifurcation, a null run
p1 = p0 (the same system, noise and length, no transition). ``simulate`` integrates both kinds
as one seeded stochastic ensemble (Euler–Maruyama; ``chaoslab.sde_ensemble``) and detects each
run's tipping time from the run itself: the first time a smoothed observable (the state, its
magnitude, or its oscillation amplitude) crosses the scenario's threshold.

Normal forms (x observed):
  fold          dx = (−x³ + x + μ) dt + σ dW, μ: 1 → −1; the upper branch folds at
                μ_c = −2/(3√3) ≈ −0.385 and x falls to the lower one (cusp normal form).
  transcritical dx = (μx − x²) dt + σ dW, μ: −1 → 0.5; x = 0 exchanges stability with x = μ at 0
                (after it, a kick below 0 runs away to −∞: that, too, is the transition).
  pitchfork     dx = (μx − x³) dt + σ dW, μ: −1 → 1; x = 0 splits into ±√μ at 0 (supercritical).
  hopf          dz = ((μ + i) z − |z|² z) dt + σ dW (x = Re z, y = Im z), μ: −1 → 1; a limit
                cycle of radius √μ is born at 0 (supercritical).
Ecology and climate:
  harvest       May (1977), Nature 269, 471: a logistic resource grazed with a Holling type-III
                response and environmental (multiplicative) noise, dx = (x(1 − x/K) − h x²/(1 + x²)) dt
                + σx dW, K = 10, h: 1 → 3; the well-stocked state folds at h ≈ 2.604 and the
                resource collapses.
  predator_prey Rosenzweig & MacArthur (1963), the paradox of enrichment (Rosenzweig 1971):
                dx = (x(1 − x/K) − xy/(1 + x)) dt, dy = (βxy/(1 + x) − δy) dt, β = 0.6, δ = 0.2,
                with demographic (multiplicative) noise σx dW; enrichment K: 1.2 → 3 destabilises
                the coexistence state in a Hopf bifurcation at K = 1 + 2δ/(β − δ) = 2.
  thermohaline  Stommel's (1961) two-box ocean in Cessi's (1994) reduction, J. Phys. Oceanogr.
                24, 1911: dy = (p − y[1 + μ²(1 − y)²]) dt + σ dW with μ² = 6.2, freshwater
                forcing p: 0.5 → 1.6; the thermally driven circulation folds at p ≈ 1.296 and the
                salinity difference jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import jax.numpy as jnp
import numpy as np

from ..systems.base import System, resolve_name

__all__ = ["Scenario", "ScenarioRuns", "SCENARIOS", "get_scenario", "list_scenarios", "simulate"]


@dataclass(frozen=True)
class Scenario:
    name: str
    bifurcation: str  # fold, transcritical, pitchfork, hopf
    description: str
    system: System
    ramp: str  # the name of the bifurcation parameter
    start: float
    end: float
    critical: float  # its value at the bifurcation (deterministic, infinitely slow ramp)
    x0: tuple[float, ...]
    noise: float
    duration: float
    dt: float
    detect: str  # "below", "above", "magnitude" or "amplitude"
    threshold: float
    smooth: float  # time units of the moving average (or of the amplitude window)
    multiplicative: bool = False
    observed: int = 0

    def ramp_value(self, t) -> np.ndarray:
        return self.start + (self.end - self.start) * np.minimum(np.asarray(t) / self.duration, 1.0)

    @property
    def critical_time(self) -> float:
        """When the ramp crosses the critical value."""
        return self.duration * (self.critical - self.start) / (self.end - self.start)


def _ramp(t, p0, p1, T):
    return p0 + (p1 - p0) * jnp.minimum(t / T, 1.0)


def _system(name: str, dim: int, rhs: Callable, params: dict, ic) -> System:
    def fn(x, t, p0, p1, T, **fixed):
        return rhs(x, _ramp(t, p0, p1, T), **fixed)

    return System(name=f"ews-{name}", dim=dim, fn=fn, params=params, reference_ic=tuple(ic), field_="ews")


def _fold(x, mu):
    return jnp.stack([-x[0] ** 3 + x[0] + mu])


def _transcritical(x, mu):
    return jnp.stack([mu * x[0] - x[0] ** 2])


def _pitchfork(x, mu):
    return jnp.stack([mu * x[0] - x[0] ** 3])


def _hopf(x, mu):
    r2 = x[0] ** 2 + x[1] ** 2
    return jnp.stack([mu * x[0] - x[1] - x[0] * r2, x[0] + mu * x[1] - x[1] * r2])


def _harvest(x, h, K):
    return jnp.stack([x[0] * (1 - x[0] / K) - h * x[0] ** 2 / (1 + x[0] ** 2)])


def _predator_prey(x, K, beta, delta):
    g = x[0] * x[1] / (1 + x[0])
    return jnp.stack([x[0] * (1 - x[0] / K) - g, beta * g - delta * x[1]])


def _thermohaline(x, p, mu2):
    return jnp.stack([p - x[0] * (1 + mu2 * (1 - x[0]) ** 2)])


def _make(name, bif, description, rhs, dim, ramp, start, end, critical, x0, noise, duration, dt, detect, threshold,
          smooth, fixed=None, multiplicative=False):
    params = dict(p0=float(start), p1=float(end), T=float(duration)) | (fixed or {})
    return Scenario(name, bif, description, _system(name, dim, rhs, params, x0), ramp, float(start), float(end),
                    float(critical), tuple(float(v) for v in x0), float(noise), float(duration), float(dt), detect,
                    float(threshold), float(smooth), multiplicative)


_FOLD_C = -2 / (3 * math.sqrt(3))
SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    _make("fold", "fold", "cusp normal form: the upper branch folds, x drops to the lower one", _fold, 1, "mu",
          1.0, -1.0, _FOLD_C, (1.3247,), 0.1, 500.0, 0.5, "below", 0.0, 5.0),
    _make("transcritical", "transcritical", "transcritical normal form: x = 0 loses stability to x = mu",
          _transcritical, 1, "mu", -1.0, 0.5, 0.0, (0.0,), 0.02, 500.0, 0.5, "magnitude", 0.2, 5.0),
    _make("pitchfork", "pitchfork", "supercritical pitchfork normal form: x = 0 splits into +-sqrt(mu)", _pitchfork, 1,
          "mu", -1.0, 1.0, 0.0, (0.0,), 0.05, 500.0, 0.5, "magnitude", 0.5, 5.0),
    _make("hopf", "hopf", "supercritical Hopf normal form: a limit cycle of radius sqrt(mu) is born", _hopf, 2, "mu",
          -1.0, 1.0, 0.0, (0.0, 0.0), 0.05, 500.0, 0.5, "amplitude", 0.4, 15.0),
    _make("harvest", "fold", "May's harvested resource collapses (Holling III grazing)", _harvest, 1, "h", 1.0, 3.0,
          2.604, (8.889,), 0.02, 500.0, 0.5, "below", 3.0, 5.0, fixed={"K": 10.0}, multiplicative=True),
    _make("predator_prey", "hopf", "Rosenzweig-MacArthur paradox of enrichment: predator-prey cycles appear",
          _predator_prey, 2, "K", 1.2, 3.0, 2.0, (0.5, 0.875), 0.01, 2000.0, 2.0, "amplitude", 0.3, 60.0,
          fixed={"beta": 0.6, "delta": 0.2}, multiplicative=True),
    _make("thermohaline", "fold", "Stommel-Cessi ocean box model: the thermally driven circulation collapses",
          _thermohaline, 1, "p", 0.5, 1.6, 1.296, (0.0800,), 0.02, 500.0, 0.5, "above", 0.7, 5.0,
          fixed={"mu2": 6.2}),
)}


def list_scenarios() -> dict[str, str]:
    return {k: f"{v.bifurcation}: {v.description}" for k, v in SCENARIOS.items()}


def get_scenario(name: str) -> Scenario:
    if isinstance(name, Scenario):
        return name
    return SCENARIOS[resolve_name(name, SCENARIOS, "scenario")]


@dataclass
class ScenarioRuns:
    scenario: str
    t: np.ndarray  # (n,)
    x: np.ndarray  # (runs, n) the observed coordinate
    forced: np.ndarray  # (runs,) bool
    tipping: np.ndarray  # (runs,) time of the detected transition, NaN if none
    states: np.ndarray | None = None  # (runs, n, d) all coordinates

    @property
    def tipping_index(self) -> np.ndarray:
        idx = np.full(len(self.tipping), -1)
        ok = np.isfinite(self.tipping)
        idx[ok] = np.searchsorted(self.t, self.tipping[ok])
        return idx


def _moving(a: np.ndarray, k: int, kind: str) -> np.ndarray:
    """Trailing moving average (or standard deviation) over k samples along the last axis."""
    from numpy.lib.stride_tricks import sliding_window_view

    k = max(1, min(k, a.shape[-1]))
    W = sliding_window_view(a, k, axis=-1)
    v = W.mean(axis=-1) if kind == "mean" else W.std(axis=-1)
    pad = np.full(a.shape[:-1] + (k - 1,), np.nan)
    return np.concatenate([pad, v], axis=-1)


def detect_tipping(sc: Scenario, t: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Tipping times (runs,) from the states (runs, n, d): the first time the smoothed
    observable crosses the threshold (NaN if it never does); a run that blew up tips at its
    first non-finite value."""
    k = max(1, int(round(sc.smooth / sc.dt)))
    x = states[..., sc.observed]
    if sc.detect == "amplitude":  # the oscillation amplitude: sqrt(2) x the moving std
        obs = math.sqrt(2) * _moving(np.nan_to_num(x, nan=1e6, posinf=1e6, neginf=-1e6), k, "std")
        crossed = obs > sc.threshold
    else:
        m = _moving(np.nan_to_num(x, nan=1e6, posinf=1e6, neginf=-1e6), k, "mean")
        crossed = {"below": m < sc.threshold, "above": m > sc.threshold,
                   "magnitude": np.abs(m) > sc.threshold}[sc.detect]
    crossed |= ~np.all(np.isfinite(states), axis=-1)
    hit = crossed.any(axis=1)
    first = np.argmax(crossed, axis=1)
    return np.where(hit, t[first], np.nan)


def simulate(scenario, runs: int = 50, *, seed: int = 0, null_runs: int | None = None,
             duration: float | None = None) -> ScenarioRuns:
    """``runs`` forced and ``null_runs`` (default as many) null runs of the scenario (one seeded
    stochastic ensemble), with their detected tipping times."""
    from ..integrate.api import sde_ensemble

    sc = get_scenario(scenario)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be an integer >= 1, got {runs!r}")
    null_runs = runs if null_runs is None else int(null_runs)
    if null_runs < 0:
        raise ValueError(f"null_runs must be >= 0, got {null_runs}")
    total = runs + null_runs
    T = sc.duration if duration is None else float(duration)
    n = int(round(T / sc.dt)) + 1
    p1 = np.concatenate([np.full(runs, sc.end), np.full(null_runs, sc.start)])
    noise: Any = sc.noise
    if sc.multiplicative:
        noise = lambda x, t, **p: sc.noise * x  # noqa: E731  (demographic noise)
    ens = sde_ensemble(sc.system, n, noise=noise, seed=seed, x0=np.broadcast_to(sc.x0, (total, len(sc.x0))),
                       params={"p1": p1}, dt=sc.dt, substeps=5)
    states = ens.x
    tip = detect_tipping(sc, ens.t, states)
    forced = np.arange(total) < runs
    return ScenarioRuns(sc.name, ens.t, states[..., sc.observed], forced, tip, states)
