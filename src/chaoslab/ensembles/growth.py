"""Perturbation growth: error-growth curves, doubling times and the predictability horizon as a
function of the initial error.

``error_growth`` starts ``cases`` truths on the attractor and, for each initial size δ, a twin
displaced by δ along a random direction (the same directions for every size, so the curves
differ only by the size). The error E(t) = ‖x_twin − x_truth‖ is summarised by the mean of
log E over cases (the typical error; its slope in the linear regime is the largest Lyapunov
exponent) and by the RMS error. The saturation level is √2 times the attractor's spread s (the
RMS distance of two independent points on the attractor).

* doubling time: ln 2 / (slope of mean log E) fitted where 10 δ < E_typical < 0.1 × saturation;
* predictability horizon: the first time the typical error reaches ``tolerance`` × saturation.
  In the linear regime T(δ) ≈ (1/λ₁) ln(tolerance × saturation / δ): ten times smaller errors buy
  ln 10 / λ₁ more time, and no more (Lorenz 1969).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..integrate.api import as_system, ensemble, output_dt
from ..analysis.attractor import attractor_statistics, leading_exponent
from ..analysis.lyapunov import lyapunov_time

__all__ = ["ErrorGrowth", "error_growth", "growth_figure"]


@dataclass
class ErrorGrowth:
    system: str
    t: np.ndarray  # (n,) time after the perturbation
    sizes: np.ndarray  # (S,)
    mean_log_error: np.ndarray  # (S, n)
    rms_error: np.ndarray  # (S, n)
    saturation: float
    tolerance: float
    doubling_time: np.ndarray  # (S,) NaN where no exponential phase was resolved
    predictability_time: np.ndarray  # (S,) NaN where the tolerance was not reached
    lyapunov_time: float

    def summary(self) -> dict[str, Any]:
        return dict(system=self.system, sizes=self.sizes.tolist(), doubling_time=self.doubling_time.tolist(),
                    predictability_time=self.predictability_time.tolist(), saturation=self.saturation,
                    tolerance=self.tolerance, lyapunov_time=self.lyapunov_time,
                    predictability_lyapunov_times=(self.predictability_time / self.lyapunov_time).tolist()
                    if math.isfinite(self.lyapunov_time) else None)


def error_growth(system, sizes: Sequence[float] | None = None, *, cases: int = 50, lyapunov_times: float = 25.0,
                 tolerance: float = 0.5, granularity: float = 20.0, seed: int = 0,
                 params: Mapping[str, Any] | None = None) -> ErrorGrowth:
    """Error growth for each initial size in ``sizes`` (default 10^-8 ... 10^-2 of the attractor's
    spread) over ``lyapunov_times`` Lyapunov times (periods if not chaotic); see the module docstring."""
    from ..data import sample_initial_conditions

    system = as_system(system)
    if isinstance(cases, bool) or not isinstance(cases, (int, np.integer)) or cases < 2:
        raise ValueError(f"cases must be an integer >= 2, got {cases!r}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be in (0, 1) (a fraction of the saturated error), got {tolerance!r}")
    if isinstance(lyapunov_times, bool) or not (isinstance(lyapunov_times, (int, float)) and 0 < lyapunov_times < math.inf):
        raise ValueError(f"lyapunov_times must be a number > 0 (the run's length in Lyapunov times), got {lyapunov_times!r}")
    s = attractor_statistics(system, params).scale
    sizes = np.asarray(s * np.logspace(-8, -2, 4) if sizes is None else sizes, dtype=float)
    if sizes.ndim != 1 or len(sizes) == 0 or not np.all((sizes > 0) & np.isfinite(sizes)):
        raise ValueError("sizes must be a non-empty list of numbers > 0")
    lt = lyapunov_time(leading_exponent(system, params))
    p = system.resolve_params(params)
    dt = 1.0 if system.discrete else output_dt(system, None, granularity, p)
    unit = lt if math.isfinite(lt) else (1.0 if system.discrete else dt * granularity)
    n = max(2, int(math.ceil(lyapunov_times * unit / dt)) + 1)
    x0 = sample_initial_conditions(system, cases, seed=seed, params=params)
    u = np.random.default_rng(seed).standard_normal((cases, system.dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    twins = np.concatenate([x0 + size * u for size in sizes])
    run = ensemble(system, n, x0=np.concatenate([x0, twins]), dt=None if system.discrete else dt, params=params)
    if not run.valid.all():
        raise ValueError(f"{system.name}: a trajectory diverged during the growth experiment")
    truth = run.x[:cases]
    err = np.linalg.norm(run.x[cases:].reshape(len(sizes), cases, n, system.dim) - truth[None], axis=-1)
    err = np.maximum(err, 1e-300)
    mean_log = np.log(err).mean(axis=1)
    rms = np.sqrt((err ** 2).mean(axis=1))
    t = run.t - run.t[0]
    sat = math.sqrt(2.0) * s
    doubling, hor = np.full(len(sizes), np.nan), np.full(len(sizes), np.nan)
    for i, size in enumerate(sizes):
        typical = np.exp(mean_log[i])
        fit = (typical > 10 * size) & (typical < 0.1 * sat)
        if fit.sum() >= 3:
            slope = np.polyfit(t[fit], mean_log[i][fit], 1)[0]
            doubling[i] = math.log(2) / slope if slope > 0 else np.nan
        reached = np.nonzero(typical >= tolerance * sat)[0]
        if len(reached):
            j = reached[0]
            if j == 0:
                hor[i] = 0.0
            else:  # interpolate log error linearly between the samples around the crossing
                a, b = mean_log[i][j - 1], mean_log[i][j]
                target = math.log(tolerance * sat)
                hor[i] = t[j - 1] + (target - a) / (b - a) * (t[j] - t[j - 1])
    return ErrorGrowth(system.name, t, sizes, mean_log, rms, sat, tolerance, doubling, hor, lt)


def growth_figure(eg: ErrorGrowth):
    """Left: the typical error against time (Lyapunov times) for each size, with the saturation
    level; right: the predictability horizon against the initial size, with (1/λ₁) ln(...)."""
    from ..plotting import subplots

    unit = eg.lyapunov_time if math.isfinite(eg.lyapunov_time) else 1.0
    label = "Lyapunov times" if math.isfinite(eg.lyapunov_time) else "time"
    fig, (a, b) = subplots(1, 2, figsize=(10.0, 3.8))
    for i, size in enumerate(eg.sizes):
        a.semilogy(eg.t / unit, np.exp(eg.mean_log_error[i]), color=f"C{i}", label=f"δ = {size:.1e}")
    a.axhline(eg.saturation, color="0.5", ls="--", lw=0.8)
    a.axhline(eg.tolerance * eg.saturation, color="0.5", ls=":", lw=0.8)
    a.set_xlabel(f"time ({label})")
    a.set_ylabel("typical error exp⟨log E⟩")
    a.set_title(f"{eg.system}: error growth", fontsize=10)
    a.legend(fontsize=7)
    ok = np.isfinite(eg.predictability_time)
    b.semilogx(eg.sizes[ok], eg.predictability_time[ok] / unit, "o", color="k", label="measured")
    if math.isfinite(eg.lyapunov_time):
        grid = np.geomspace(eg.sizes.min(), eg.sizes.max(), 50)
        b.semilogx(grid, np.log(eg.tolerance * eg.saturation / grid), color="C3", lw=1,
                   label="ln(tolerance · saturation / δ) / λ₁")
    b.set_xlabel("initial error δ")
    b.set_ylabel(f"predictability horizon ({label})")
    b.set_title(f"error reaches {eg.tolerance:g} of saturation", fontsize=10)
    b.legend(fontsize=7)
    fig.tight_layout()
    return fig
