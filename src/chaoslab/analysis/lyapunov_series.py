"""The largest Lyapunov exponent from a time series alone.

Rosenstein, Collins & De Luca (1993), Physica D 65, 117: for every embedded point its nearest
neighbour (more than a Theiler window away in time); the mean log distance of the pairs after k
steps, y(k), grows with slope lambda_1 in its linear region.
Kantz (1994), Phys. Lett. A 185, 77: the same with the log of the mean distance to all
neighbours within epsilon, which averages out the noise of single pairs.

Automatic linear region: y(k) rises from y(0) to a saturation plateau. Between 10% and 80% of
that rise (after the first alignment with the unstable direction, before saturation at the
attractor's size), the stretch of at least a third of that range whose step-to-step slopes vary
least (relative standard deviation) is fitted by least squares; the uncertainty is the standard
error of that slope (it does not include the choice of the region).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..systems.base import resolve_name
from .embedding import as_points, as_series, embed, theiler_window

__all__ = ["largest_lyapunov_from_series", "SeriesLyapunov"]


@dataclass
class SeriesLyapunov:
    exponent: float
    uncertainty: float
    fit_range: tuple[float, float]
    times: np.ndarray
    divergence: np.ndarray
    dim: int
    delay: int
    method: str


def _fit(times, y):
    """Least-squares slope over the most linear stretch of the rise (see the module doc)."""
    y0, y1 = y[0], np.nanmax(y)
    rise = y1 - y0
    if not rise > 0:
        return 0.0, 0.0, (float(times[0]), float(times[-1]))
    lo = int(np.argmax(y >= y0 + 0.1 * rise))
    hi = int(np.argmax(y >= y0 + 0.8 * rise))
    if hi - lo < 6:
        lo, hi = 0, max(hi, 6)
    slopes = np.diff(y[lo:hi + 1])
    L = max(5, (hi - lo) // 3)
    best = None
    for a in range(0, slopes.size - L + 1):
        for b in range(a + L, slopes.size + 1):
            sd = float(np.std(slopes[a:b])) / max(abs(float(np.mean(slopes[a:b]))), 1e-300)
            if best is None or sd < best[0] - 1e-12 or (abs(sd - best[0]) <= 1e-12 and b - a > best[2] - best[1]):
                best = (sd, a, b)
    a, b = lo + best[1], lo + best[2]
    t, v = times[a:b + 1], y[a:b + 1]
    A = np.vstack([t, np.ones_like(t)]).T
    coef, res, *_ = np.linalg.lstsq(A, v, rcond=None)
    dof = max(t.size - 2, 1)
    sigma2 = float(res[0]) / dof if res.size else 0.0
    se = float(np.sqrt(sigma2 / np.sum((t - t.mean()) ** 2)))
    return float(coef[0]), se, (float(t[0]), float(t[-1]))


def largest_lyapunov_from_series(x, dt: float = 1.0, *, method: str = "rosenstein", dim: int | str = "fnn",
                                 delay: int | str = "mi", theiler: int | None = None, max_steps: int | None = None,
                                 max_reference: int = 2000, seed: int = 0) -> SeriesLyapunov:
    """lambda_1 (per time unit) from a scalar series (embedded: ``delay`` "mi"/"acf"/int, ``dim``
    "fnn"/"cao"/int) or a multivariate series (n, d) used as is. ``dt`` is the sampling step."""
    if not (isinstance(dt, (int, float)) and dt > 0):
        raise ValueError(f"dt must be a positive number, got {dt!r}")
    method = resolve_name(method, ("rosenstein", "kantz"), "method")
    a = np.asarray(x, dtype=float)
    if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
        e = embed(as_series(a, min_length=100), delay=delay, dim=dim)
        Y, m, tau = e.points, e.dim, e.delay
    elif a.ndim == 2:
        Y, m, tau = as_points(a, "series"), a.shape[1], 1
    else:
        raise ValueError(f"x must be (n,) or (n, d), got shape {a.shape}")
    n = Y.shape[0]
    w = theiler_window(Y) if theiler is None else int(theiler)
    max_steps = int(max_steps or min(n // 10, 500))
    if n < max_steps + 2 * w + 50:
        raise ValueError(f"series of {n} embedded points is too short for max_steps={max_steps} and a Theiler "
                         f"window of {w}: need at least {max_steps + 2 * w + 50}")
    usable = n - max_steps
    rng = np.random.default_rng(seed)
    refs = np.sort(rng.choice(usable, size=min(max_reference, usable), replace=False))
    tree = cKDTree(Y[:usable])
    steps = np.arange(max_steps + 1)
    if method == "rosenstein":
        k = min(usable, 2 * w + 3)
        dist, idx = tree.query(Y[refs], k=k)
        far = (np.abs(idx - refs[:, None]) > w) & (dist > 0) & np.isfinite(dist)
        first = np.argmax(far, axis=1)
        ok = far[np.arange(refs.size), first]
        if not ok.any():
            raise ValueError("no neighbours found: the series is too short, constant or too regular for Rosenstein's method")
        i, j = refs[ok], idx[np.arange(refs.size), first][ok]
        d = np.linalg.norm(Y[i[:, None] + steps] - Y[j[:, None] + steps], axis=-1)
        with np.errstate(divide="ignore"):
            logd = np.log(d)
        logd[~np.isfinite(logd)] = np.nan
        y = np.nanmean(logd, axis=0)
    else:
        # epsilon: the median distance to the (2w + 6)-th neighbour (temporal ones included), so
        # neighbourhoods hold a few points from other passes of the orbit
        kd, _ = tree.query(Y[refs], k=min(usable, 2 * w + 6))
        eps = float(np.median(kd[:, -1]))
        neigh = tree.query_ball_point(Y[refs], r=eps)
        acc, cnt = np.zeros(max_steps + 1), 0
        for r, js in zip(refs, neigh):
            js = np.asarray([j for j in js if abs(j - r) > w], dtype=int)
            if js.size == 0:
                continue
            dd = np.abs(Y[r + steps][None, :, 0] - Y[js[:, None] + steps][:, :, 0]) if m == 1 else \
                np.linalg.norm(Y[r + steps][None] - Y[js[:, None] + steps], axis=-1)
            mean = dd.mean(axis=0)
            if np.all(mean > 0):
                acc += np.log(mean)
                cnt += 1
        if cnt == 0:
            raise ValueError("no neighbourhoods found: the series is too short or too regular for Kantz's method")
        y = acc / cnt
    times = steps * dt
    lam, se, rng_fit = _fit(times, y)
    return SeriesLyapunov(lam, se, rng_fit, times, y, m, tau, method)
