r"""Early-warning indicators of a critical transition, computed on a series before it.

Conventions (those of the early-warning literature — Dakos et al. 2012, PLoS ONE 7, e41010 —
and of ``ewstools``, so that results compare):

* Detrending removes the slow trend before the statistics: ``gaussian`` — a Gaussian kernel
  smoother whose ``bandwidth`` (a fraction of the series, or a number of points if > 1) puts the
  kernel's quartiles at ±bandwidth/4, i.e. σ = (0.25 / 0.675) × bandwidth points (the convention
  of R's ``ksmooth``), with reflection at the ends; ``lowess`` — locally weighted regression over
  a ``span`` (a fraction of the series; statsmodels); ``linear`` — a least-squares line;
  ``none``. The residuals carry the indicators (the coefficient of variation divides by the
  rolling mean of the state itself).
* Rolling windows hold w = ⌊window × N⌋ points for a fraction ``window`` in (0, 1) (N the
  series length), or w = ``window`` points for a whole number >= 8 and < N (as ``ewstools``'
  ``rolling_window``), and end at the time they are reported at: the first w − 1 times have no
  value (NaN).
* In each window: variance (ddof = 1); lag-k autocorrelation, the Pearson correlation of
  (x_1 … x_{w−k}) with (x_{1+k} … x_w); skewness G1 and excess kurtosis G2 (the bias-corrected
  sample estimators); coefficient of variation sd(residuals) / mean(state); and the spectral
  ratio — the power of the window's periodogram in the lowest eighth of the frequencies over
  that in the upper half (slowing down reddens the spectrum: Kleinen et al. 2003; Biggs et al.
  2009).
* Trend: Kendall's τ between time and the indicator (``scipy.stats.kendalltau``). Its
  significance is tested against ``surrogates`` of the series — ``phase`` (the Fourier
  amplitudes kept, the phases drawn at random: same spectrum, no trend in it; Theiler et al.
  1992) or ``ar1`` (an AR(1) process with the series' lag-1 autocorrelation and variance) —
  each run through the same detrending and indicators: p = (1 + #{τ_surrogate ≥ τ}) / (1 + n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, stats

from ..systems.base import resolve_name

__all__ = ["INDICATORS", "DETRENDING", "EarlyWarnings", "detrend", "check_window", "rolling_window",
           "rolling_indicators", "early_warnings_figure", "kendall_trend", "surrogates", "early_warnings", "check_series"]

INDICATORS = ("variance", "ac1", "skewness", "kurtosis", "cv", "spectral_ratio")
DETRENDING = ("gaussian", "lowess", "linear", "none")
MIN_WINDOW = 8


def check_series(x, name: str = "series") -> np.ndarray:
    """x as a finite 1-D float array, or a one-line ValueError."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    bad = ~np.isfinite(a)
    if bad.any():
        raise ValueError(f"{name} contains NaN or inf (first at index {int(np.argmax(bad))}); allowed: finite values")
    return a


WINDOW_FORMS = f"a fraction of the series in (0, 1) or a number of points (an integer >= {MIN_WINDOW})"


def check_window(window: float | int) -> float | int:
    """A rolling window's size as given: a fraction of the series in (0, 1) (returned as a float)
    or a number of points (a whole number >= MIN_WINDOW, returned as an int: ``2500.0`` from the
    command line is 2500 points), or a one-line ValueError naming both forms."""
    if (isinstance(window, bool) or not isinstance(window, (int, float, np.integer, np.floating))
            or not math.isfinite(window) or window <= 0
            or (window >= 1 and not (float(window).is_integer() and window >= MIN_WINDOW))):
        raise ValueError(f"window must be {WINDOW_FORMS}, got {window!r}")
    return float(window) if window < 1 else int(window)


def rolling_window(n: int, window: float | int) -> int:
    """Points in a rolling window over a series of n points: ``window`` is a fraction of the
    series in (0, 1), or a number of points (a whole number >= MIN_WINDOW and < n)."""
    window = check_window(window)
    if isinstance(window, float):
        w = int(window * n)
        if w < MIN_WINDOW:
            raise ValueError(f"the series has {n} points: a rolling window of {window:g} of it holds {w} points, "
                             f"fewer than {MIN_WINDOW}; give a longer series (at least "
                             f"{math.ceil(MIN_WINDOW / window)} points) or a larger window ({WINDOW_FORMS})")
        return w
    if window >= n:
        raise ValueError(f"a rolling window of {window} points needs a longer series than {n} points; window must be "
                         f"a fraction of the series in (0, 1) or fewer points (< {n})")
    return window


def detrend(x, method: str = "gaussian", *, bandwidth: float = 0.2, span: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(trend, residuals) of the series (module docstring)."""
    x = check_series(x)
    n = len(x)
    method = resolve_name(method, DETRENDING, "detrending")
    if method == "gaussian":
        if not bandwidth > 0:
            raise ValueError(f"bandwidth must be > 0, got {bandwidth!r}")
        bw = bandwidth * n if bandwidth <= 1 else float(bandwidth)
        trend = ndimage.gaussian_filter(x, sigma=(0.25 / 0.675) * bw, mode="reflect")
    elif method == "lowess":
        from statsmodels.nonparametric.smoothers_lowess import lowess

        frac = span if 0 < span <= 1 else span / n
        if not 0 < frac <= 1:
            raise ValueError(f"span must be in (0, 1] (a fraction) or a number of points <= {n}, got {span!r}")
        trend = lowess(x, np.arange(n, dtype=float), frac=frac, return_sorted=False)
    elif method == "linear":
        t = np.arange(n, dtype=float)
        trend = np.polyval(np.polyfit(t, x, 1), t)
    else:
        trend = np.zeros(n)
    return trend, x - trend


def _pad(values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[n - len(values):] = values
    return out


def _spectral_ratio(W: np.ndarray) -> np.ndarray:
    """Low- over high-frequency periodogram power of each window (rows)."""
    Z = W - W.mean(axis=1, keepdims=True)
    P = np.abs(np.fft.rfft(Z, axis=1)[:, 1:]) ** 2  # without the mean
    m = P.shape[1]
    low, high = P[:, : max(1, m // 8)].sum(axis=1), P[:, m // 2:].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return low / high


def rolling_indicators(residuals, state=None, *, window: float = 0.5, lag: int = 1,
                       indicators: Sequence[str] = INDICATORS) -> dict[str, np.ndarray]:
    """Each indicator over rolling windows of the residuals (arrays of the series' length, NaN
    before the first full window); ``state`` (default the residuals) supplies the mean of the CV."""
    r = check_series(residuals, "residuals")
    n = len(r)
    w = rolling_window(n, window)
    indicators = [resolve_name(k, INDICATORS, "indicator") for k in indicators]
    if not (isinstance(lag, (int, np.integer)) and 1 <= lag < w - 1):
        raise ValueError(f"lag must be an integer in 1..{w - 2} for a window of {w} points, got {lag!r}")
    W = sliding_window_view(r, w)
    out: dict[str, np.ndarray] = {}
    mean = W.mean(axis=1)
    dev = W - mean[:, None]
    m2 = (dev**2).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if "variance" in indicators:
            out["variance"] = _pad(m2 * w / (w - 1), n)
        if "ac1" in indicators:
            a, b = W[:, :-lag], W[:, lag:]
            da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
            out["ac1"] = _pad((da * db).sum(axis=1) / np.sqrt((da**2).sum(axis=1) * (db**2).sum(axis=1)), n)
        if "skewness" in indicators:
            g1 = (dev**3).mean(axis=1) / m2**1.5
            out["skewness"] = _pad(g1 * math.sqrt(w * (w - 1)) / (w - 2), n)
        if "kurtosis" in indicators:
            g2 = (dev**4).mean(axis=1) / m2**2 - 3.0
            out["kurtosis"] = _pad((w - 1) / ((w - 2) * (w - 3)) * ((w + 1) * g2 + 6), n)
        if "cv" in indicators:
            s = check_series(state, "state") if state is not None else r
            if len(s) != n:
                raise ValueError(f"state has {len(s)} points, residuals {n}")
            out["cv"] = _pad(np.sqrt(m2 * w / (w - 1)) / sliding_window_view(s, w).mean(axis=1), n)
        if "spectral_ratio" in indicators:
            out["spectral_ratio"] = _pad(_spectral_ratio(W), n)
    return {k: out[k] for k in indicators}


def kendall_trend(values, times=None) -> tuple[float, float]:
    """(Kendall's τ of the values against time, its two-sided p-value under independence),
    over the finite values; NaN if fewer than 3."""
    v = np.asarray(values, dtype=float)
    t = np.arange(len(v), dtype=float) if times is None else np.asarray(times, dtype=float)
    ok = np.isfinite(v)
    if ok.sum() < 3:
        return float("nan"), float("nan")
    res = stats.kendalltau(t[ok], v[ok])
    return float(res.statistic), float(res.pvalue)


def surrogates(x, n: int, *, method: str = "phase", seed: int = 0) -> np.ndarray:
    """n surrogate series (n, N) of x (module docstring)."""
    x = check_series(x)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of surrogates must be an integer >= 1, got {n!r}")
    method = resolve_name(method, ("phase", "ar1"), "surrogate method")
    rng = np.random.default_rng(seed)
    N = len(x)
    if method == "phase":
        F = np.fft.rfft(x - x.mean())
        phases = rng.uniform(0, 2 * np.pi, size=(n, len(F)))
        phases[:, 0] = 0.0
        if N % 2 == 0:
            phases[:, -1] = 0.0  # the Nyquist term stays real
        return x.mean() + np.fft.irfft(np.abs(F) * np.exp(1j * phases), n=N, axis=1)
    else:
        xm = x - x.mean()
        phi = float(np.sum(xm[:-1] * xm[1:]) / np.sum(xm**2))
        phi = min(max(phi, -0.999), 0.999)
        sd = float(xm.std())
        eps = rng.standard_normal((n, N)) * sd * math.sqrt(1 - phi**2)
        out = np.empty((n, N))
        out[:, 0] = sd * rng.standard_normal(n)
        for i in range(1, N):
            out[:, i] = phi * out[:, i - 1] + eps[:, i]
        return x.mean() + out


@dataclass
class EarlyWarnings:
    """The indicators of one series and their trends."""

    time: np.ndarray
    state: np.ndarray
    trend: np.ndarray
    residuals: np.ndarray
    indicators: dict[str, np.ndarray]
    tau: dict[str, float]
    p_value: dict[str, float]  # from surrogates (NaN if none were drawn)
    window: float | int  # a fraction of the series in (0, 1), or a number of points
    detrending: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def window_points(self) -> int:
        return rolling_window(len(self.state), self.window)

    def table(self):
        import pandas as pd

        df = pd.DataFrame({"time": self.time, "state": self.state, "trend": self.trend, "residuals": self.residuals})
        for k, v in self.indicators.items():
            df[k] = v
        return df

    def summary(self) -> dict[str, Any]:
        return dict(points=len(self.state), window=self.window, window_points=self.window_points,
                    detrending=self.detrending, **self.settings,
                    indicators={k: dict(kendall_tau=self.tau[k], p_value=self.p_value[k]) for k in self.tau})


def early_warnings(series, time=None, *, window: float | int = 0.5, detrending: str = "gaussian",
                   bandwidth: float = 0.2, span: float = 0.2, lag: int = 1, indicators: Sequence[str] = INDICATORS,
                   n_surrogates: int = 0, surrogate_method: str = "phase", seed: int = 0) -> EarlyWarnings:
    """Detrend the series, compute the rolling indicators and their Kendall τ trends, and (with
    ``n_surrogates``) the significance of each trend; see the module docstring. ``window``: a
    fraction of the series in (0, 1) or a number of points (``window=2500``)."""
    x = check_series(series)
    n = len(x)
    window = check_window(window)
    rolling_window(n, window)  # checks the window before any work
    detrending = resolve_name(detrending, DETRENDING, "detrending")
    surrogate_method = resolve_name(surrogate_method, ("phase", "ar1"), "surrogate method")
    t = np.arange(n, dtype=float) if time is None else check_series(time, "time")
    if len(t) != n:
        raise ValueError(f"time has {len(t)} points, the series {n}")
    if np.ptp(x) == 0:  # detrending would leave rounding noise, and indicators of that
        raise ValueError(f"the series is constant ({x[0]:g} throughout): early-warning indicators need a varying series")
    trend, res = detrend(x, detrending, bandwidth=bandwidth, span=span)
    with np.errstate(under="ignore"):
        if not np.any(res * res > 0):
            raise ValueError(f"nothing varies after {detrending} detrending (residuals below ~1e-154 square to zero): "
                             "rescale the series or detrend less")
    ind = rolling_indicators(res, x, window=window, lag=lag, indicators=indicators)
    tau = {k: kendall_trend(v, t)[0] for k, v in ind.items()}
    pval = {k: float("nan") for k in ind}
    if n_surrogates:
        sur = surrogates(x, n_surrogates, method=surrogate_method, seed=seed)
        counts = {k: 0 for k in ind}
        for s in sur:
            _, rs = detrend(s, detrending, bandwidth=bandwidth, span=span)
            si = rolling_indicators(rs, s, window=window, lag=lag, indicators=indicators)
            for k, v in si.items():
                ts_ = kendall_trend(v, t)[0]
                counts[k] += int(np.isfinite(ts_) and ts_ >= tau[k])
        pval = {k: (1 + counts[k]) / (1 + n_surrogates) for k in ind}
    settings = dict(bandwidth=bandwidth if detrending == "gaussian" else None,
                    span=span if detrending == "lowess" else None, lag=lag, surrogates=n_surrogates,
                    surrogate_method=surrogate_method if n_surrogates else None)
    return EarlyWarnings(t, x, trend, res, ind, tau, pval, window, detrending, settings)


def early_warnings_figure(ew: EarlyWarnings, title: str = ""):
    """The series with its trend, the residuals, and each indicator with its Kendall τ."""
    from ..plotting import subplots

    names = list(ew.indicators)
    rows = 2 + len(names)
    fig, ax = subplots(rows, 1, figsize=(8.0, 1.45 * rows + 0.5), sharex=True)
    ax[0].plot(ew.time, ew.state, color="k", lw=0.7, label="series")
    ax[0].plot(ew.time, ew.trend, color="C3", lw=1.0, label=f"trend ({ew.detrending})")
    ax[0].legend(fontsize=7, loc="best")
    w = ew.window_points
    size = f"{ew.window:g} of the series" if ew.window < 1 else f"of {w} points"
    ax[0].set_title(title or f"early-warning indicators, rolling window {size}", fontsize=9)
    ax[1].plot(ew.time, ew.residuals, color="0.4", lw=0.6)
    ax[1].set_ylabel("residuals", fontsize=8)
    for a, k in zip(ax[2:], names):
        a.plot(ew.time, ew.indicators[k], color="C0", lw=1.0)
        p = ew.p_value[k]
        extra = f", surrogate p = {p:.3g}" if np.isfinite(p) else ""
        a.set_ylabel(k, fontsize=8)
        a.text(0.01, 0.85, f"Kendall τ = {ew.tau[k]:.3f}{extra}", transform=a.transAxes, fontsize=7)
    for a in ax:
        a.tick_params(labelsize=7)
    ax[1].axvspan(ew.time[0], ew.time[min(w, len(ew.time)) - 1], color="0.9", lw=0)
    ax[-1].set_xlabel("time")
    fig.tight_layout()
    return fig
