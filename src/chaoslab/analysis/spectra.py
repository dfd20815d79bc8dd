r"""Power spectra and the dominant period of a sampled series.

``power_spectrum`` estimates the one-sided power spectral density (units of x^2 per unit
frequency, frequencies in cycles per time unit) with ``scipy.signal``:

* ``method="welch"`` (default): Welch's method (Welch 1967, IEEE Trans. Audio Electroacoust.
  15, 70): Hann-windowed segments of ``nperseg`` points overlapping by half, their periodograms
  averaged. The variance falls roughly as 1 / (number of segments) at the price of a coarser
  resolution 1 / (nperseg dt).
* ``method="periodogram"``: one Hann-windowed periodogram of the whole series, resolution
  1 / (n dt) but a variance as large as the estimate itself (Press et al., Numerical Recipes,
  section 13.4).

The mean of each segment is removed (``detrend="constant"``), so the zero-frequency bin holds
no power of the mean. A multivariate series (n, d) gives the sum of the d coordinate spectra,
i.e. the spectrum of the whole state vector (the trace of the cross-spectral matrix).

``dominant_period`` is 1 / f* with f* the highest peak of the spectrum, found in two steps.
*Which* peak: the highest local maximum of the Welch spectrum (``power_spectrum``'s default: ~15
averaged half-overlapping segments of n / 8 points) among the frequencies f >= ``min_frequency``
(default 2 / T_seg, T_seg = the segment duration, so the period found fits at least twice into a
segment; this also excludes the zero-frequency bin, slow trends and the leakage of the mean;
requiring a local maximum rejects the flank that a strong component just below the cutoff leaks
across it). A single periodogram cannot choose: its value in every bin is the spectrum times an
exponential random variable (relative standard deviation 1; Press et al., section 13.4), so over
thousands of bins the highest spike of a broadband chaotic spectrum is noise (Arneodo, periodogram
alone: 474 time units, against a visible oscillation of 2.7); averaging K segments brings the
scatter to ~1 / sqrt(K). *Where* exactly: the highest local maximum of the whole-series periodogram
within one Welch bin of that peak (resolution 1 / T, T = n dt the duration), refined below the bin
width df = 1 / T by fitting a parabola through the logarithm of the power at the peak bin and its
two neighbours (Gaussian interpolation; exact for a Gaussian-shaped peak and accurate to a few
hundredths of a bin for the Hann main lobe, cf. Gasior & Gonzalez 2004, CERN-AB-2004-023):

    delta = (1/2) (a - c) / (a - 2 b + c),   a, b, c = log P(k-1), log P(k), log P(k+1),
    f* = f_k + delta df,   |delta| <= 1/2.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import signal

from ..systems.base import resolve_name

__all__ = ["power_spectrum", "dominant_period"]

_MIN_POINTS = 16
_METHODS = ("welch", "periodogram")


def _check_dt(dt) -> float:
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive number (the sampling interval), got {dt!r}")
    return float(dt)


def _as_matrix(x) -> np.ndarray:
    """x as a finite float array of shape (n, d), n >= 16, or a one-line ValueError."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"series must be a numeric array of shape (n,) or (n, d), got {type(x).__name__}") from None
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2:
        raise ValueError(f"series must have shape (n,) or (n, d), got shape {np.shape(x)}")
    if a.shape[0] < _MIN_POINTS:
        raise ValueError(f"series of {a.shape[0]} points is too short for a spectrum: need at least {_MIN_POINTS}")
    if not np.all(np.isfinite(a)):
        raise ValueError("series contains NaN or infinite values; clean or interpolate them first")
    return a


def power_spectrum(x, dt: float, method: str = "welch", *, nperseg: int | None = None, window: str = "hann"):
    """(f, P): frequencies (cycles per time unit, from 0 to the Nyquist frequency 1 / (2 dt)) and
    the one-sided power spectral density, summed over coordinates for an (n, d) series.

    x: (n,) or (n, d) finite series sampled every ``dt`` (> 0), n >= 16.
    method: "welch" (averaged, smooth; default) or "periodogram" (whole series, finest
        resolution 1 / (n dt)).
    nperseg: Welch segment length, default min(n, max(256, n // 8)): with half-overlapping
        segments about 15 are averaged for long series; ignored by "periodogram".
    window: any window name ``scipy.signal.get_window`` accepts (default Hann).
    """
    dt = _check_dt(dt)
    method = resolve_name(method, _METHODS, "method")
    a = _as_matrix(x)
    n = a.shape[0]
    if method == "welch":
        if nperseg is None:
            nperseg = min(n, max(256, n // 8))
        elif not (isinstance(nperseg, (int, np.integer)) and _MIN_POINTS <= nperseg <= n):
            raise ValueError(f"nperseg must be an integer between {_MIN_POINTS} and the series length {n}, got {nperseg!r}")
        f, P = signal.welch(a, fs=1.0 / dt, window=window, nperseg=int(nperseg), detrend="constant", axis=0)
    else:
        f, P = signal.periodogram(a, fs=1.0 / dt, window=window, detrend="constant", axis=0)
    return f, P.sum(axis=1)


def _peaks(P: np.ndarray) -> np.ndarray:
    """Boolean mask of the strict-left / weak-right local maxima of a positive spectrum."""
    peak = np.zeros(P.shape, bool)
    peak[1:-1] = (P[1:-1] > P[:-2]) & (P[1:-1] >= P[2:]) & (P[1:-1] > 0)
    return peak


def dominant_period(x, dt: float, *, min_frequency: float | None = None, nperseg: int | None = None) -> float:
    """Period 1 / f* of the highest peak of the spectrum of ``x`` (summed over coordinates): the
    highest local maximum of the Welch spectrum (segments of ``nperseg`` points, default
    ``power_spectrum``'s n / 8) among frequencies f >= ``min_frequency`` (default 2 / (nperseg dt):
    at least two periods in a segment; the zero-frequency bin is always excluded), located within
    one Welch bin on the whole-series Hann periodogram and refined by a parabola through the
    log-power of the peak bin and its neighbours (module docstring). If the Welch spectrum above
    the cutoff has no local maximum, its highest bin there is used.

    The accuracy for a clean periodic signal is a small fraction of the bin width 1 / (n dt);
    for a chaotic flow the peak has a width of its own (phase diffusion), and the period is that
    of the strongest oscillation, which may differ from a mean return time.
    """
    dt = _check_dt(dt)
    a = _as_matrix(x)
    n = a.shape[0]
    nperseg = min(n, max(256, n // 8)) if nperseg is None else nperseg
    fw, Pw = power_spectrum(a, dt, nperseg=nperseg)  # checks nperseg
    f_lo = 2.0 / (nperseg * dt) if min_frequency is None else min_frequency
    if isinstance(f_lo, bool) or not isinstance(f_lo, numbers.Real) or not (np.isfinite(f_lo) and 0 <= f_lo < 0.5 / dt):
        raise ValueError(f"min_frequency must be a number in [0, the Nyquist frequency {0.5 / dt:g}), got {min_frequency!r}")
    ok = (fw >= f_lo) & (fw > 0)
    if not ok.any() or not np.any(Pw[ok] > 0):
        raise ValueError("no spectral peak above min_frequency: the series is constant or too short for it")
    # local maxima only: the main lobe of a component below the cutoff leaks a decreasing flank
    # (the Hann lobe is 2 bins wide each side) across the cutoff, which is no peak
    cand = np.flatnonzero(ok & _peaks(Pw))
    kw = int(cand[np.argmax(Pw[cand])]) if cand.size else int(np.flatnonzero(ok)[np.argmax(Pw[ok])])
    f, P = power_spectrum(a, dt, method="periodogram")
    dfw = fw[1] - fw[0]
    near = (f >= max(fw[kw] - dfw, f_lo)) & (f <= fw[kw] + dfw) & (f > 0)
    cand = np.flatnonzero(near & _peaks(P))
    if cand.size == 0:  # no periodogram maximum near the Welch peak (monotone there): take the Welch bin
        return float(1.0 / fw[kw])
    k = int(cand[np.argmax(P[cand])])
    fk = f[k]
    if np.all(P[k - 1:k + 2] > 0):
        lo, mid, hi = np.log(P[k - 1:k + 2])
        den = lo - 2.0 * mid + hi
        if den < 0:  # a local maximum: |shift| <= 1/2 bin
            fk = f[k] + 0.5 * (lo - hi) / den * (f[1] - f[0])
    return float(1.0 / fk)
