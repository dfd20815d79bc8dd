"""Correlation dimension (Grassberger & Procaccia 1983, Physica D 9, 189) with an automatic
scaling-region fit, and the Kaplan–Yorke dimension (re-exported from ``lyapunov``).

C(r) = fraction of pairs (i, j), |i - j| > w (Theiler window), closer than r; D2 is the slope
of log C against log r in the scaling region. Pairs are formed between ``max_reference``
reference points (drawn with a seeded RNG) and all points, which keeps the cost at
O(max_reference x n) and changes C(r) only by sampling noise.

Automatic scaling region: among all windows of consecutive radii that span at least
``min_decades`` of r, inside the range where C holds at least 50 pairs per reference
point in total and C < 0.1 (below saturation), the window whose local slopes vary least
(smallest standard deviation); D2 is the least-squares slope over that window and its
uncertainty the standard deviation of the local slopes there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import as_series, embed, theiler_window
from .lyapunov import kaplan_yorke_dimension

__all__ = ["correlation_sum", "correlation_dimension", "CorrelationDimension", "kaplan_yorke_dimension"]


def _points(x) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        return embed(as_series(a)).points
    if a.ndim != 2:
        raise ValueError(f"points must be a series (n,) or a point set (n, d), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("points contain NaN or infinite values")
    return a


def correlation_sum(points, radii, *, theiler: int | None = None, max_reference: int = 1000, seed: int = 0):
    """C(r) for each r in ``radii`` (increasing); returns (C, n_pairs)."""
    X = _points(points)
    n = X.shape[0]
    w = theiler_window(X) if theiler is None else int(theiler)
    if n < 2 * w + 20:
        raise ValueError(f"{n} points are too few for a Theiler window of {w}: need at least {2 * w + 20}")
    rng = np.random.default_rng(seed)
    refs = np.sort(rng.choice(n, size=min(max_reference, n), replace=False))
    radii = np.asarray(radii, dtype=float)
    counts = np.zeros(radii.size)
    total = 0
    for start in range(0, refs.size, 64):
        r_idx = refs[start:start + 64]
        d = np.sqrt(((X[r_idx, None, :] - X[None, :, :]) ** 2).sum(-1))
        mask = np.abs(r_idx[:, None] - np.arange(n)[None, :]) > w
        dv = d[mask]
        total += dv.size
        counts += np.searchsorted(np.sort(dv), radii, side="left")
    return counts / total, total


@dataclass
class CorrelationDimension:
    dimension: float
    uncertainty: float
    fit_range: tuple[float, float]
    log_r: np.ndarray
    log_C: np.ndarray
    local_slopes: np.ndarray
    theiler: int


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
    r_lo, r_hi = np.quantile(dist, 1e-4), np.quantile(dist, 0.5)
    radii = np.exp(np.linspace(np.log(r_lo), np.log(r_hi), n_radii))
    C, total = correlation_sum(X, radii, theiler=w, max_reference=max_reference, seed=seed)
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
    coef = np.polyfit(log_r[a:b + 1], log_c[a:b + 1], 1)
    return CorrelationDimension(float(coef[0]), float(np.std(slopes[a:b])), (float(radii[a]), float(radii[b])),
                                log_r, log_c, slopes, w)
