"""Correlation dimension (Grassberger & Procaccia 1983, Physica D 9, 189) with an automatic
scaling-region fit, and the Kaplan–Yorke dimension (re-exported from ``lyapunov``).

C(r) = fraction of pairs (i, j), |i - j| > w (Theiler window), closer than r; D2 is the slope
of log C against log r in the scaling region. Pairs are formed between ``max_reference``
reference points (drawn with a seeded RNG) and all points, which keeps the cost at
O(max_reference x n) and changes C(r) only by sampling noise.

Automatic scaling region: among all windows of consecutive radii that span at least
``min_decades`` of r, inside the range where C holds at least 1000 pairs and C < 0.1 (below
saturation), the window whose local slopes vary least (smallest standard deviation); D2 is the
least-squares slope over that window.

Uncertainty, two parts added in quadrature: ``statistical``, the standard error from the finite
sample — a jackknife over 10 groups of reference points, each group a contiguous stretch of the
orbit (so that time correlations stay inside a group), the slope refitted over the same range
without each group — and ``scaling``, the standard deviation of the local slopes over the fit
range: how far C(r) is from a power law there, a systematic error of the fit that more data does
not remove. A finite sample can still underestimate the dimension of an attractor whose fine
structure lies below the radii it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import as_points, as_series, embed, theiler_window
from .lyapunov import kaplan_yorke_dimension

__all__ = ["correlation_sum", "correlation_dimension", "CorrelationDimension", "kaplan_yorke_dimension"]

JACKKNIFE_GROUPS = 10


def _points(x) -> np.ndarray:
    if np.ndim(x) == 1:
        return embed(as_series(x)).points
    if np.ndim(x) != 2:
        raise ValueError(f"points must be a series (n,) or a point set (n, d), got shape {np.shape(x)}")
    return as_points(x)


def _pair_counts(X: np.ndarray, radii: np.ndarray, w: int, refs: np.ndarray, groups: int):
    """Pairs (reference, any point) beyond the Theiler window closer than each radius, per group
    of consecutive reference points: counts (groups, radii) and pair totals (groups,)."""
    n = X.shape[0]
    counts = np.zeros((groups, radii.size))
    totals = np.zeros(groups)
    for g, part in enumerate(np.array_split(refs, groups)):
        for start in range(0, part.size, 64):
            r_idx = part[start:start + 64]
            d = np.sqrt(((X[r_idx, None, :] - X[None, :, :]) ** 2).sum(-1))
            mask = np.abs(r_idx[:, None] - np.arange(n)[None, :]) > w
            dv = d[mask]
            totals[g] += dv.size
            counts[g] += np.searchsorted(np.sort(dv), radii, side="left")
    return counts, totals


def _reference_points(X: np.ndarray, w: int, max_reference: int, seed: int) -> np.ndarray:
    n = X.shape[0]
    if n < 2 * w + 20:
        raise ValueError(f"{n} points are too few for a Theiler window of {w}: need at least {2 * w + 20}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(max_reference, n), replace=False))


def correlation_sum(points, radii, *, theiler: int | None = None, max_reference: int = 1000, seed: int = 0):
    """C(r) for each r in ``radii`` (increasing); returns (C, n_pairs)."""
    X = _points(points)
    w = theiler_window(X) if theiler is None else int(theiler)
    refs = _reference_points(X, w, max_reference, seed)
    counts, totals = _pair_counts(X, np.asarray(radii, dtype=float), w, refs, 1)
    return counts[0] / totals[0], int(totals[0])


@dataclass
class CorrelationDimension:
    """D2 with its uncertainty (``statistical`` and ``scaling`` in quadrature; module docstring)."""

    dimension: float
    uncertainty: float
    fit_range: tuple[float, float]
    log_r: np.ndarray
    log_C: np.ndarray
    local_slopes: np.ndarray
    theiler: int
    statistical: float = float("nan")
    scaling: float = float("nan")


def correlation_dimension(points, *, n_radii: int = 40, theiler: int | None = None, max_reference: int = 1000,
                          min_decades: float = 1.0, seed: int = 0) -> CorrelationDimension:
    """D2 of a point set (n, d) or, embedded automatically, of a scalar series (n,)."""
    X = _points(points)
    if X.shape[0] < 200:
        raise ValueError(f"{X.shape[0]} points are too few for a correlation dimension: need at least 200")
    w = theiler_window(X) if theiler is None else int(theiler)
    # radii from the small-distance tail to the attractor's size
    rng = np.random.default_rng(seed + 1)
    sample = X[rng.choice(X.shape[0], size=min(2000, X.shape[0]), replace=False)]
    dist = np.sqrt(((sample[:, None, :] - sample[None, :, :]) ** 2).sum(-1))
    dist = dist[np.triu_indices_from(dist, 1)]
    dist = dist[dist > 0]
    if dist.size == 0:
        raise ValueError("all points coincide (a constant series): there is no correlation dimension")
    r_lo, r_hi = np.quantile(dist, 1e-4), np.quantile(dist, 0.5)
    radii = np.exp(np.linspace(np.log(r_lo), np.log(r_hi), n_radii))
    refs = _reference_points(X, w, max_reference, seed)
    counts, totals = _pair_counts(X, radii, w, refs, JACKKNIFE_GROUPS)
    total = totals.sum()
    C = counts.sum(axis=0) / total
    ok = (C * total >= 1000) & (C < 0.1) & (C > 0)  # >= 1000 pairs: C to ~3%
    log_r, log_c = np.log(radii), np.log(np.where(C > 0, C, np.nan))
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.diff(log_c) / np.diff(log_r)
    idx = np.nonzero(ok)[0]
    best = None
    span_needed = min_decades * np.log(10)
    for _ in range(2):
        for a in idx:
            for b in idx[idx > a + 2]:
                if not np.all(ok[a:b + 1]) or log_r[b] - log_r[a] < span_needed:
                    continue
                s = slopes[a:b]
                score = float(np.std(s))
                if best is None or score < best[0] - 1e-12 or (abs(score - best[0]) <= 1e-12 and b - a > best[2] - best[1]):
                    best = (score, a, b)
        if best is not None:
            break
        span_needed /= 2  # short data: accept half the span, and say so in the fit range
    if best is None:
        raise ValueError("no scaling region found: too few points or no power-law range in C(r)")
    _, a, b = best
    sl = slice(a, b + 1)
    coef = np.polyfit(log_r[sl], log_c[sl], 1)
    # jackknife over the groups of reference points, the fit range held fixed
    loo = (counts.sum(axis=0)[None] - counts)[:, sl] / (total - totals)[:, None]
    with np.errstate(divide="ignore"):
        fits = np.array([np.polyfit(log_r[sl], np.log(c), 1)[0] if np.all(c > 0) else np.nan for c in loo])
    g = fits.size
    statistical = float(np.sqrt((g - 1) / g * np.sum((fits - fits.mean()) ** 2)))
    scaling = float(np.std(slopes[a:b]))
    return CorrelationDimension(float(coef[0]), float(np.hypot(statistical, scaling)), (float(radii[a]), float(radii[b])),
                                log_r, log_c, slopes, w, statistical, scaling)
