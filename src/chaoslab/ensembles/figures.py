"""Figures of ensemble forecasts: the plume of one case, skill and spread against lead time,
the rank histogram and the reliability diagram."""

from __future__ import annotations

import math

import numpy as np

from .forecast import EnsembleForecast, EnsembleScores


def ensemble_figure(ef: EnsembleForecast, scores: EnsembleScores | None = None, variable: int = 0):
    from ..plotting import subplots

    scores = scores or ef.scores()
    unit = ef.lyapunov_time if math.isfinite(ef.lyapunov_time) else 1.0
    label = "Lyapunov times" if math.isfinite(ef.lyapunov_time) else "time"
    t = ef.t / unit
    fig, ax = subplots(2, 2, figsize=(10.0, 6.4))
    a = ax[0, 0]
    ok = ef.valid[0]
    a.plot(t, ef.members[0, ok, :, variable].T, color="C0", lw=0.5, alpha=0.35)
    a.plot(t, ef.truth[0, :, variable], color="k", lw=1.2, label="truth")
    a.plot(t, ef.members[0, ok, :, variable].mean(axis=0), color="C3", lw=1.0, ls="--", label="ensemble mean")
    a.set_title(f"{ef.system}: {ef.kind} ensemble of {ef.members.shape[1]}, amplitude {ef.amplitude:.2g} (case 0)",
                fontsize=9)
    a.set_xlabel(f"lead time ({label})")
    a.set_ylabel(f"x{variable}")
    a.legend(fontsize=7)
    a = ax[0, 1]
    a.plot(t, scores.rmse, color="k", label="RMSE of the mean")
    a.plot(t, scores.spread, color="C0", ls="--", label="spread")
    a.plot(t, scores.crps, color="C2", label="CRPS")
    a.set_yscale("log")
    a.set_xlabel(f"lead time ({label})")
    a.set_title("skill and spread (mean over cases)", fontsize=9)
    a.legend(fontsize=7)
    a = ax[1, 0]
    rh = scores.rank_histogram
    a.bar(np.arange(len(rh.counts)), rh.frequencies, color="0.6")
    a.axhline(1 / len(rh.counts), color="C3", lw=0.8)
    a.set_xlabel("rank of the truth among the members")
    a.set_title(f"rank histogram (χ² flatness p = {rh.p_value:.2g})", fontsize=9)
    a = ax[1, 1]
    r = scores.reliability[variable]
    ok = r.counts > 0
    a.plot([0, 1], [0, 1], color="0.6", lw=0.8)
    a.plot(r.forecast_probability[ok], r.observed_frequency[ok], "o-", color="C0")
    a.set_xlabel("forecast probability")
    a.set_ylabel("observed frequency")
    a.set_title(f"reliability of x{variable} > mean + 1 sd (Brier {r.brier_score:.3f})", fontsize=9)
    fig.tight_layout()
    return fig
