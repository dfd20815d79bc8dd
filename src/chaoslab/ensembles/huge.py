"""Huge ensembles: 10^4–10^6 members reduced inside the compiled program.

``huge_ensemble`` perturbs a point on the attractor into ``members`` members and integrates
them in blocks of ``chunk_members`` (by default all of them: only the current states are held),
each through :func:`chaoslab.integrate.ensemble_statistics`: at every output time the program
accumulates the count, mean and spread (per group of members, merged by Chan et al.'s pairwise
update), minimum and maximum, the number of members beyond the climatological mean ± k standard
deviations (k = 2, 3, 4: the tails that huge ensembles exist to sample) and a histogram of
``bins`` bins over the climatological mean ± 8 standard deviations (resolution 16 sd / bins;
values outside go to the end bins), from which quantiles follow. Only those reach the host. A
member that diverges counts until its last good output and is no longer integrated.
Members are spread over every local device.
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..integrate.api import EnsembleStatistics, as_system, ensemble_statistics, output_dt
from .perturbations import _check_amplitude, check_members

__all__ = ["HugeEnsemble", "huge_ensemble"]

TAIL_SIGMAS = (2.0, 3.0, 4.0)


@dataclass
class HugeEnsemble:
    """The statistics (``stats``: :class:`chaoslab.integrate.EnsembleStatistics`) and the run."""

    stats: EnsembleStatistics
    seconds: float
    member_steps_per_second: float
    peak_rss_mb: float
    chunk_members: int
    info: dict[str, Any] = field(default_factory=dict)

    system = property(lambda self: self.stats.system)
    members = property(lambda self: self.stats.members)
    t = property(lambda self: self.stats.t)
    count = property(lambda self: self.stats.count)
    mean = property(lambda self: self.stats.mean)
    std = property(lambda self: self.stats.std)
    minimum = property(lambda self: self.stats.minimum)
    maximum = property(lambda self: self.stats.maximum)
    exceedance = property(lambda self: self.stats.exceedance)
    bin_edges = property(lambda self: self.stats.edges)
    histogram = property(lambda self: self.stats.histogram)
    clim_mean = property(lambda self: self.stats.center)
    clim_std = property(lambda self: self.stats.scale)
    diverged = property(lambda self: self.stats.diverged)

    def quantile(self, q: float) -> np.ndarray:
        """(n, d) quantile q of the members from the histogram (linear within a bin)."""
        return self.stats.quantile(q)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def huge_ensemble(system, members: int, n: int, *, x0=None, amplitude: float | None = None, seed: int = 0,
                  dt: float | None = None, granularity: float | None = None, params: Mapping[str, Any] | None = None,
                  chunk_members: int | None = None, chunk_time: int = 256, bins: int = 200, method: str = "auto",
                  substeps: int | None = None, dtype=None,
                  progress: Callable[[int, int], None] | None = None) -> HugeEnsemble:
    """``members`` members around ``x0`` (default: a point on the attractor), each perturbed by
    an isotropic Gaussian of RMS norm ``amplitude`` (default 1 % of the attractor's spread),
    integrated for ``n`` output steps; see the module docstring. ``chunk_time`` output steps
    per compiled call; ``dtype`` float64 (default) or float32. ``progress(done, total)`` counts
    member-steps."""
    from ..data import sample_initial_conditions
    from ..analysis.attractor import attractor_statistics

    system = as_system(system)
    members = check_members(members)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if bins < 10:
        raise ValueError(f"bins must be >= 10, got {bins}")
    d = system.dim
    clim = attractor_statistics(system, params)
    mu, sd = clim.mean, np.where(clim.std > 0, clim.std, 1.0)
    amplitude = 0.01 * clim.scale if amplitude is None else _check_amplitude(amplitude)
    center = sample_initial_conditions(system, 1, seed=seed, params=params)[0] if x0 is None else np.asarray(x0, float)
    if center.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {center.shape}")
    if chunk_members is None:  # the states of every member fit easily: one block of up to ~4e6 numbers
        chunk_members = max(1, 2**22 // d)
    chunk_members = int(min(chunk_members, members))
    rng = np.random.default_rng(seed)
    step_dt = output_dt(system, dt, granularity, system.resolve_params(params))
    t0 = time.perf_counter()
    stats = None
    for start in range(0, members, chunk_members):
        m = min(chunk_members, members - start)
        X = center + amplitude / math.sqrt(d) * rng.standard_normal((chunk_members, d))
        report = None if progress is None else (lambda i, total, s=start, m=m: progress(s * n + m * i, members * n))
        part = ensemble_statistics(system, n, x0=X[:m], dt=step_dt, params=params, method=method, substeps=substeps,
                                   dtype=dtype,
                                   center=mu, scale=sd, levels=TAIL_SIGMAS, bins=bins, span=8.0,
                                   chunk=chunk_time, progress=report)
        stats = part if stats is None else stats.merge(part)
    seconds = time.perf_counter() - t0
    return HugeEnsemble(stats, seconds, members * n / seconds, _peak_rss_mb(), chunk_members,
                        {"amplitude": amplitude, "center": center, "dt": step_dt, "method": method,
                         "dtype": str(np.dtype(dtype or float))})
