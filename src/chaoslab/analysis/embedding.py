"""Delay embedding of a scalar series: the delay, the dimension, the embedded points.

- delay: first zero of the autocorrelation, or the first local minimum of the time-delayed
  mutual information (Fraser & Swinney 1986, Phys. Rev. A 33, 1134);
- dimension: false nearest neighbours (Kennel, Brown & Abarbanel 1992, Phys. Rev. A 45, 3403)
  or Cao's averaged false-neighbour ratio E1 (Cao 1997, Physica D 110, 43).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..systems.base import resolve_name

__all__ = ["delay_embed", "autocorrelation_delay", "mutual_information_delay", "false_nearest_neighbors",
           "cao_dimension", "embed", "EmbeddingResult", "as_series", "as_points", "theiler_window"]


# Distances between points come from squared differences: in float64 (range ~1e-308..1e308) a
# spread of the data beyond 1e-150..1e150 would underflow or overflow them.
SPREAD = (1e-150, 1e150)


def _floats(x, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers") from None


def _check_values(a: np.ndarray, name: str) -> np.ndarray:
    """Finite values whose spread distances can be computed from (see SPREAD)."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values; clean or interpolate them first")
    with np.errstate(over="ignore"):
        spread = float(np.max(a) - np.min(a)) if a.size else 0.0
    if spread > SPREAD[1] or 0 < spread < SPREAD[0]:
        raise ValueError(f"{name} spans {spread:.3g}: distances between its points would over- or underflow; rescale it "
                         f"(allowed: a spread between {SPREAD[0]:g} and {SPREAD[1]:g})")
    return a


def as_series(x, name: str = "series", min_length: int = 10) -> np.ndarray:
    """A finite 1-D float array, or a one-line ValueError."""
    a = _floats(x, name)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if a.size < min_length:
        raise ValueError(f"{name} of {a.size} points is too short: need at least {min_length}")
    return _check_values(a, name)


def as_points(x, name: str = "points") -> np.ndarray:
    """A finite point set (n, d), d >= 1, as a float array, or a one-line ValueError."""
    a = _floats(x, name)
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must be a point set of shape (n, d) with d >= 1, got shape {a.shape}")
    return _check_values(a, name)


def _check_int(name: str, v, lo: int = 1):
    if not (isinstance(v, (int, np.integer)) and v >= lo):
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")


def delay_embed(x, dim: int, delay: int) -> np.ndarray:
    """Rows (x_i, x_{i+delay}, ..., x_{i+(dim-1) delay}), shape (n - (dim-1) delay, dim)."""
    _check_int("dim", dim)
    _check_int("delay", delay)
    a = as_series(x, min_length=1)
    n = a.size - (dim - 1) * delay
    if n < 2:
        raise ValueError(f"series of {a.size} points is too short for dim={dim}, delay={delay}: "
                         f"need at least {(dim - 1) * delay + 2}")
    idx = np.arange(n)[:, None] + delay * np.arange(dim)[None, :]
    return a[idx]


def _autocorrelation(a: np.ndarray, max_lag: int) -> np.ndarray:
    a = a - a.mean()
    n = a.size
    f = np.fft.rfft(a, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[: max_lag + 1]
    return ac / ac[0] if ac[0] > 0 else np.zeros(max_lag + 1)


def autocorrelation_delay(x, max_lag: int | None = None) -> int:
    """First lag where the autocorrelation crosses zero; if it never does within ``max_lag``
    (default n/4), the first lag where it drops below 1/e."""
    a = as_series(x)
    max_lag = int(max_lag or a.size // 4)
    ac = _autocorrelation(a, max_lag)
    below = np.nonzero(ac <= 0)[0]
    if below.size:
        return max(int(below[0]), 1)
    below = np.nonzero(ac < np.exp(-1))[0]
    return max(int(below[0]), 1) if below.size else max_lag


def theiler_window(x) -> int:
    """Temporal neighbours to exclude: the lag where the autocorrelation of (the first column
    of) x falls below 1/e (at least 1)."""
    a = np.asarray(x, dtype=float)
    a = a[:, 0] if a.ndim == 2 else a
    ac = _autocorrelation(a, max(a.size // 4, 1))
    below = np.nonzero(ac < np.exp(-1))[0]
    return max(int(below[0]) if below.size else 1, 1)


def _mutual_information(a: np.ndarray, lag: int, bins: int) -> float:
    h, _, _ = np.histogram2d(a[:-lag] if lag else a, a[lag:], bins=bins)
    p = h / h.sum()
    px, py = p.sum(axis=1), p.sum(axis=0)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / (px[:, None] * py[None, :])[nz])))


def mutual_information_delay(x, max_lag: int | None = None, bins: int | None = None) -> int:
    """First local minimum of the time-delayed mutual information I(tau) (histogram estimate,
    ``bins`` per axis, default Sturges' rule log2(n) + 1); the autocorrelation delay if I(tau)
    has no local minimum before ``max_lag`` (default n/10)."""
    a = as_series(x)
    max_lag = int(max_lag or max(a.size // 10, 3))
    bins = int(bins or np.ceil(np.log2(a.size) + 1))
    mi = np.array([_mutual_information(a, lag, bins) for lag in range(0, max_lag + 1)])
    for t in range(1, max_lag):
        if mi[t] < mi[t - 1] and mi[t] <= mi[t + 1]:
            return t
    return autocorrelation_delay(a)


def _neighbours(points: np.ndarray, w: int):
    """Index and distance of each point's nearest neighbour at least w + 1 samples away in time."""
    tree = cKDTree(points)
    n = points.shape[0]
    k = min(n, 2 * w + 3)
    dist, idx = tree.query(points, k=k)
    far = np.abs(idx - np.arange(n)[:, None]) > w
    far &= np.isfinite(dist)
    first = np.argmax(far, axis=1)
    ok = far[np.arange(n), first]
    return idx[np.arange(n), first], dist[np.arange(n), first], ok


def false_nearest_neighbors(x, delay: int, max_dim: int = 10, rtol: float = 15.0, atol: float = 2.0,
                            threshold: float = 0.01, theiler: int | None = None):
    """Fraction of false nearest neighbours for dims 1..max_dim (Kennel et al. 1992).

    A neighbour in dimension d is false if adding the (d+1)-th coordinate stretches the distance
    by more than ``rtol`` times, or the new distance exceeds ``atol`` times the attractor size.
    Returns (dims, fractions, chosen), chosen the first dim with fraction < ``threshold`` (the
    dimension of the smallest fraction if none is).
    """
    a = as_series(x)
    _check_int("delay", delay)
    _check_int("max_dim", max_dim)
    w = theiler_window(a) if theiler is None else int(theiler)
    ra = a.std()
    dims, fr = [], []
    for d in range(1, max_dim + 1):
        n = a.size - d * delay
        if n < 10:
            break
        Y = delay_embed(a, d, delay)[:n]
        nxt = a[np.arange(n) + d * delay]
        j, dist, ok = _neighbours(Y, w)
        dist = np.where(dist > 0, dist, np.nan)
        extra = np.abs(nxt - nxt[j])
        false = (extra / dist > rtol) | (np.sqrt(dist**2 + extra**2) / ra > atol)
        false &= ok & np.isfinite(dist)
        dims.append(d)
        fr.append(float(false.sum() / max((ok & np.isfinite(dist)).sum(), 1)))
    if not dims:
        raise ValueError(f"series of {a.size} points is too short for delay={delay}: need at least {delay + 10}")
    fr = np.array(fr)
    below = np.nonzero(fr < threshold)[0]
    chosen = dims[int(below[0])] if below.size else dims[int(np.argmin(fr))]
    return np.array(dims), fr, chosen


def cao_dimension(x, delay: int, max_dim: int = 10, theiler: int | None = None, saturation: float = 0.9):
    """Cao's method: E(d) = <|y_i(d+1) - y_n(d+1)| / |y_i(d) - y_n(d)|> (max norm, n the nearest
    neighbour of i in dimension d), E1(d) = E(d+1)/E(d) and E2(d) = E*(d+1)/E*(d) with
    E*(d) = <|x_{i+d tau} - x_{n+d tau}|> (E2 != 1 for some d separates determinism from noise).
    Returns (dims, E1, E2, chosen): chosen is the first d with E1(d) >= ``saturation`` x max E1 —
    E1(d) = E(d+1)/E(d) near its plateau means one more coordinate unfolds nothing more, so d
    coordinates suffice."""
    a = as_series(x)
    _check_int("delay", delay)
    _check_int("max_dim", max_dim)
    w = theiler_window(a) if theiler is None else int(theiler)
    E, Es = [], []
    for d in range(1, max_dim + 2):
        n = a.size - d * delay
        if n < 10:
            break
        Y = delay_embed(a, d, delay)[:n]
        tree = cKDTree(Y)
        k = min(n, 2 * w + 3)
        dist, idx = tree.query(Y, k=k, p=np.inf)
        far = (np.abs(idx - np.arange(n)[:, None]) > w) & (dist > 0) & np.isfinite(dist)
        first = np.argmax(far, axis=1)
        ok = far[np.arange(n), first]
        j = idx[np.arange(n), first][ok]
        i = np.arange(n)[ok]
        dd = dist[np.arange(n), first][ok]
        nxt = np.abs(a[i + d * delay] - a[j + d * delay])
        E.append(float(np.mean(np.maximum(dd, nxt) / dd)))
        Es.append(float(np.mean(nxt)))
    if len(E) < 2:
        raise ValueError(f"series of {a.size} points is too short for Cao's method with delay={delay}")
    E, Es = np.array(E), np.array(Es)
    E1, E2 = E[1:] / E[:-1], Es[1:] / Es[:-1]
    dims = np.arange(1, E1.size + 1)
    sat = np.nonzero(E1 >= saturation * E1.max())[0]
    chosen = int(dims[sat[0]]) if sat.size else int(dims[-1])
    return dims, E1, E2, chosen


@dataclass
class EmbeddingResult:
    points: np.ndarray
    delay: int
    dim: int
    delay_method: str
    dim_method: str


def embed(x, delay: int | str = "mi", dim: int | str = "fnn", max_dim: int = 10) -> EmbeddingResult:
    """Embed a scalar series; ``delay`` "mi" | "acf" | int, ``dim`` "fnn" | "cao" | int."""
    a = as_series(x)
    if isinstance(delay, str):
        delay = resolve_name(delay, ("mi", "acf"), "delay", hint="allowed: mi, acf or a positive integer")
        tau = mutual_information_delay(a) if delay == "mi" else autocorrelation_delay(a)
    else:
        _check_int("delay", delay)
        tau = int(delay)
    if isinstance(dim, str):
        dim = resolve_name(dim, ("fnn", "cao"), "dim", hint="allowed: fnn, cao or a positive integer")
        m = false_nearest_neighbors(a, tau, max_dim)[2] if dim == "fnn" else cao_dimension(a, tau, max_dim)[3]
    else:
        _check_int("dim", dim)
        m = int(dim)
    return EmbeddingResult(delay_embed(a, m, tau), tau, m, delay if isinstance(delay, str) else "given",
                           dim if isinstance(dim, str) else "given")
