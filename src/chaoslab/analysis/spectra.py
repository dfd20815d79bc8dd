"""Power spectra and the dominant period of a series."""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = ["power_spectrum", "dominant_period"]


def _as_matrix(x) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2:
        raise ValueError(f"x must be (n,) or (n, d), got shape {np.shape(x)}")
    if a.shape[0] < 16:
        raise ValueError(f"series of {a.shape[0]} points is too short for a spectrum: need at least 16")
    if not np.all(np.isfinite(a)):
        raise ValueError("series contains NaN or infinite values")
    return a


def power_spectrum(x, dt: float, *, method: str = "periodogram"):
    """(frequencies, power) summed over coordinates; Hann-windowed periodogram of the whole
    series (finest resolution) or Welch's average (``method="welch"``, smoother)."""
    if not (isinstance(dt, (int, float)) and dt > 0):
        raise ValueError(f"dt must be a positive number, got {dt!r}")
    a = _as_matrix(x)
    a = a - a.mean(axis=0)
    if method == "welch":
        f, P = signal.welch(a, fs=1 / dt, axis=0, nperseg=min(a.shape[0], 4096))
    elif method == "periodogram":
        f, P = signal.periodogram(a, fs=1 / dt, window="hann", axis=0)
    else:
        raise ValueError(f"method must be 'periodogram' or 'welch', got {method!r}")
    return f, P.sum(axis=1)


def dominant_period(x, dt: float) -> float:
    """1 / f of the highest spectral peak, ignoring frequencies below 2 / (n dt) (trends, the
    mean), refined by a parabola through the log-power of the peak and its two neighbours."""
    f, P = power_spectrum(x, dt)
    n = np.asarray(x).shape[0]
    ok = f >= 2.0 / (n * dt)
    if not ok.any() or not np.any(P[ok] > 0):
        raise ValueError("no spectral peak: the series is constant or too short")
    k = int(np.nonzero(ok)[0][np.argmax(P[ok])])
    fk = f[k]
    if 0 < k < f.size - 1 and np.all(P[k - 1:k + 2] > 0):
        a, b, c = np.log(P[k - 1:k + 2])
        den = a - 2 * b + c
        if den < 0:
            fk = f[k] + 0.5 * (a - c) / den * (f[1] - f[0])
    return float(1.0 / fk)
