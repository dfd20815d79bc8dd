"""Figures of the analysis: convergence of the exponents, FTLE histograms, correlation sums.

Each function returns a matplotlib Figure (made without pyplot: ``chaoslab.plotting``); save it with
``chaoslab.cli.common.atomic_savefig`` or ``fig.savefig``.
"""

from __future__ import annotations

import numpy as np

from ..plotting import subplots
from .lyapunov import LyapunovSpectrum


def convergence_figure(res: LyapunovSpectrum, reference=None):
    """Running estimate of each exponent against time, with the final value ± 2 standard errors
    as a band (and reference values, if given, dashed)."""
    hist = res.history if res.members is None else res.history.mean(axis=0)
    lam = res.mean
    se = res.uncertainty
    k = lam.size
    fig, axes = subplots(k, 1, figsize=(6.5, 1.7 * k + 0.6), sharex=True, squeeze=False)
    for i, ax in enumerate(axes[:, 0]):
        ax.plot(res.history_t, hist[:, i], color=f"C{i}", lw=1)
        ax.axhspan(lam[i] - 2 * se[i], lam[i] + 2 * se[i], color=f"C{i}", alpha=0.15, lw=0)
        if reference is not None and i < len(reference):
            ax.axhline(reference[i], color="k", ls="--", lw=0.8)
        ax.set_ylabel(f"$\\lambda_{i + 1}$")
        tail = hist[len(hist) // 5:, i]
        lo, hi = float(np.min(tail)), float(np.max(tail))
        pad = max(hi - lo, 4 * se[i], 1e-3)
        ax.set_ylim(lo - pad, hi + pad)
    axes[-1, 0].set_xlabel("time")
    axes[0, 0].set_title(f"{res.system}: Lyapunov exponents, running estimate (band: ±2 s.e.)")
    fig.tight_layout()
    return fig


def ftle_histogram_figure(values, time: float, system: str = "", lyapunov: float | None = None, bins: int = 40):
    """Histogram of finite-time exponents (members,) or (members, k) — the first column."""
    v = np.asarray(values, dtype=float)
    v = v[:, 0] if v.ndim == 2 else v
    fig, ax = subplots(figsize=(6, 3.6))
    ax.hist(v, bins=bins, density=True, color="C0", alpha=0.8)
    ax.axvline(v.mean(), color="C1", lw=1.5, label=f"mean {v.mean():.3g}")
    if lyapunov is not None:
        ax.axvline(lyapunov, color="k", ls="--", lw=1, label=f"$\\lambda_1$ = {lyapunov:.3g}")
    ax.set_xlabel(f"finite-time exponent over {time:g} time units")
    ax.set_ylabel("density")
    ax.set_title(f"{system}: FTLE distribution ({v.size} members)")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def correlation_sum_figure(cd, system: str = ""):
    """log C(r) against log r with the fitted scaling region, and the local slopes below."""
    log_r, log_c = np.asarray(cd.log_r), np.asarray(cd.log_C)
    lo, hi = (np.log(v) for v in cd.fit_range)
    fig, (a, b) = subplots(2, 1, figsize=(6, 5.4), sharex=True)
    a.plot(log_r, log_c, ".-", color="C0", lw=0.8, ms=3)
    sel = (log_r >= lo) & (log_r <= hi)
    a.plot(log_r[sel], log_c[sel], "-", color="C1", lw=2.5, label=f"fit: D2 = {cd.dimension:.3f} ± {cd.uncertainty:.2g}")
    a.set_ylabel("log C(r)")
    a.legend(frameon=False)
    a.set_title(f"{system}: correlation sum (Grassberger–Procaccia)")
    slopes = np.asarray(cd.local_slopes)
    b.plot(log_r[: slopes.size], slopes, ".-", color="C0", lw=0.8, ms=3)
    b.axhline(cd.dimension, color="C1", lw=1)
    b.axvspan(lo, hi, color="C1", alpha=0.12, lw=0)
    b.set_xlabel("log r")
    b.set_ylabel("local slope")
    fig.tight_layout()
    return fig
