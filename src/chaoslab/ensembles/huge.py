"""Huge ensembles: 10^4–10^6 members in compiled chunks, reduced on the fly.

``huge_ensemble`` integrates the members in blocks of ``chunk_members`` (each block one compiled,
vmapped call per ``chunk_time`` output steps; every block has the same shape, the last one
padded, so one program serves them all) and never holds more than one block of one time chunk.
What it keeps, per output time and variable, is exact where it can be: the member count, mean,
standard deviation, minimum and maximum (Chan et al.'s pairwise merge of block moments), and the
probability of exceeding the climatological mean ± k standard deviations (k = 2, 3, 4: the tails
that huge ensembles exist to sample). Quantiles come from a histogram of ``bins`` bins over
the climatological mean ± 8 standard deviations (resolution 16 sd / bins; values outside are
clipped into the end bins). Diverged members are counted and left out.
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..integrate.api import as_system, output_dt, stream
from .perturbations import _check_amplitude, check_members

__all__ = ["HugeEnsemble", "huge_ensemble"]

TAIL_SIGMAS = (2.0, 3.0, 4.0)


@dataclass
class HugeEnsemble:
    system: str
    members: int
    t: np.ndarray  # (n,)
    count: np.ndarray  # (n,) valid members at each time
    mean: np.ndarray  # (n, d)
    std: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    exceedance: dict[float, np.ndarray]  # k -> (n, d): P(|x - clim_mean| > k clim_std)
    bin_edges: np.ndarray  # (d, bins + 1)
    histogram: np.ndarray  # (n, d, bins) counts
    clim_mean: np.ndarray
    clim_std: np.ndarray
    diverged: int
    seconds: float
    member_steps_per_second: float
    peak_rss_mb: float
    chunk_members: int
    info: dict[str, Any] = field(default_factory=dict)

    def quantile(self, q: float) -> np.ndarray:
        """(n, d) quantile q of the members from the histogram (linear within a bin)."""
        if not 0 < q < 1:
            raise ValueError(f"q must be in (0, 1), got {q}")
        cum = np.cumsum(self.histogram, axis=-1)
        total = cum[..., -1:]
        target = q * total
        i = np.argmax(cum >= target, axis=-1)  # (n, d)
        prev = np.take_along_axis(np.concatenate([np.zeros_like(cum[..., :1]), cum], axis=-1), i[..., None], -1)[..., 0]
        here = np.take_along_axis(self.histogram, i[..., None], -1)[..., 0]
        frac = np.where(here > 0, (target[..., 0] - prev) / np.maximum(here, 1), 0.5)
        lo = np.take_along_axis(np.broadcast_to(self.bin_edges[None], (len(i), *self.bin_edges.shape)), i[..., None], -1)[..., 0]
        width = (self.bin_edges[:, 1] - self.bin_edges[:, 0])[None]
        return lo + frac * width


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def huge_ensemble(system, members: int, n: int, *, x0=None, amplitude: float | None = None, seed: int = 0,
                  dt: float | None = None, pts_per_period: float | None = None, params: Mapping[str, Any] | None = None,
                  chunk_members: int | None = None, chunk_time: int = 50, bins: int = 200, method: str = "auto",
                  substeps: int | None = None, progress: Callable[[int, int], None] | None = None) -> HugeEnsemble:
    """``members`` members around ``x0`` (default: a point on the attractor), each perturbed by
    an isotropic Gaussian of RMS norm ``amplitude`` (default 1 % of the attractor's spread),
    integrated for ``n`` output steps; see the module docstring. ``progress(done, total)``
    counts member-steps."""
    from ..data import sample_initial_conditions
    from .forecast import climatology

    system = as_system(system)
    members = check_members(members)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if bins < 10:
        raise ValueError(f"bins must be >= 10, got {bins}")
    d = system.dim
    mu, sd = climatology(system, params, seed=seed)
    sd = np.where(sd > 0, sd, 1.0)
    amplitude = 0.01 * float(np.sqrt(np.sum(sd ** 2))) if amplitude is None else _check_amplitude(amplitude)
    center = sample_initial_conditions(system, 1, seed=seed, params=params)[0] if x0 is None else np.asarray(x0, float)
    if center.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {center.shape}")
    chunk_time = max(1, min(int(chunk_time), n))
    if chunk_members is None:  # ~64 MB of output per compiled call
        chunk_members = int(max(1, min(members, 2**23 // (d * chunk_time))))
    chunk_members = int(min(chunk_members, members))
    lo_edge, hi_edge = mu - 8 * sd, mu + 8 * sd
    edges = np.linspace(lo_edge, hi_edge, bins + 1, axis=-1)  # (d, bins + 1)
    width = (hi_edge - lo_edge) / bins
    count = np.zeros(n)
    mean = np.zeros((n, d))
    m2 = np.zeros((n, d))
    mn = np.full((n, d), np.inf)
    mx = np.full((n, d), -np.inf)
    exceed = {k: np.zeros((n, d)) for k in TAIL_SIGMAS}
    hist = np.zeros((n, d, bins), dtype=np.int64)
    diverged = 0
    rng = np.random.default_rng(seed)
    t_axis = None
    step_dt = output_dt(system, dt, pts_per_period, system.resolve_params(params))
    t0 = time.perf_counter()
    done = 0
    for start in range(0, members, chunk_members):
        m = min(chunk_members, members - start)
        X = center + amplitude / math.sqrt(d) * rng.standard_normal((chunk_members, d))  # padded to a fixed shape
        pos = 0
        ok_members = np.ones(chunk_members, dtype=bool)
        for t, x, valid in stream(system, n, x0=X, dt=step_dt, params=params, chunk=chunk_time, method=method,
                                  substeps=substeps):
            c = x.shape[1]
            if t_axis is None:
                t_axis = np.empty(n)
            t_axis[pos:pos + c] = t
            ok_members &= valid
            use = ok_members[:m]
            xs = x[:m][use]  # (k, c, d) the real, still valid members
            k = len(xs)
            sl = slice(pos, pos + c)
            if k:
                bm = xs.mean(axis=0)
                bm2 = ((xs - bm) ** 2).sum(axis=0)
                na = count[sl][:, None]
                tot = na + k
                delta = bm - mean[sl]
                mean[sl] = mean[sl] + delta * k / tot
                m2[sl] = m2[sl] + bm2 + delta ** 2 * na * k / tot
                count[sl] += k
                mn[sl] = np.minimum(mn[sl], xs.min(axis=0))
                mx[sl] = np.maximum(mx[sl], xs.max(axis=0))
                z = np.abs(xs - mu) / sd
                for kk in TAIL_SIGMAS:
                    exceed[kk][sl] += (z > kk).sum(axis=0)
                idx = np.clip(((xs - lo_edge) / width).astype(np.int64), 0, bins - 1)  # (k, c, d)
                flat = (np.arange(c)[None, :, None] * d + np.arange(d)[None, None, :]) * bins + idx
                hist[sl] += np.bincount(flat.ravel(), minlength=c * d * bins).reshape(c, d, bins)
            pos += c
            done += m * c
            if progress is not None:
                progress(done, members * n)
        diverged += int((~ok_members[:m]).sum())
    seconds = time.perf_counter() - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(m2 / np.maximum(count[:, None] - 1, 1))
        probs = {k: v / np.maximum(count[:, None], 1) for k, v in exceed.items()}
    return HugeEnsemble(system.name, members, t_axis, count, mean, std, mn, mx, probs, edges, hist, mu, sd, diverged,
                        seconds, members * n / seconds, _peak_rss_mb(), chunk_members,
                        {"amplitude": amplitude, "center": center, "dt": step_dt, "method": method})
