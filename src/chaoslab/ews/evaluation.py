"""How reliable are the indicators? ROC curves, AUC and lead times over forced and null runs.

``evaluate_scenario`` simulates ``runs`` forced and as many null runs. Each forced run is cut
before its detected tipping time (``buffer``, a fraction of the run, is dropped before it); null
run i is cut at the same length as forced run i, so both kinds are scored on series of equal
length. On each piece the indicators are computed (``early_warnings``) and summarised by the
Kendall τ of their trend. Variance, lag-1 autocorrelation and the spectral ratio should rise
before a transition, so their score is τ; skewness, kurtosis and the coefficient of variation
may move either way (depending on the side of the potential the state leaves from), so theirs
is |τ|.

* ROC: forced runs are the positives, null runs the negatives; a threshold on the score classifies
  them; AUC = P(score of a forced run > score of a null run) (ties count ½), the Mann–Whitney
  statistic. 0.5 is chance.
* Lead time at a fixed false-alarm rate: the score is recomputed on growing prefixes of each
  series (``checkpoints`` equally spaced, the first holding a ``checkpoints``-th of the
  indicator values and at least 10). The alarm
  threshold is the (1 − ``false_alarm_rate``) quantile of the null runs' highest score over
  their checkpoints — so that this fraction of null runs ever alarms. A forced run's lead time
  is its tipping time minus the time of its first checkpoint above the threshold; runs that never
  alarm are missed (``detection_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..systems.base import resolve_name
from .indicators import DETRENDING, INDICATORS, check_window, early_warnings, kendall_trend, rolling_window
from .scenarios import ScenarioRuns, get_scenario, simulate

__all__ = ["EvaluationResult", "evaluate_scenario", "evaluate_runs", "roc_curve", "auc", "SIGNED",
           "evaluation_figure"]

SIGNED = {"variance": True, "ac1": True, "spectral_ratio": True, "skewness": False, "kurtosis": False, "cv": False}


def auc(pos, neg) -> float:
    """P(pos > neg) + ½ P(pos = neg): the area under the ROC curve."""
    p, n = np.asarray(pos, dtype=float), np.asarray(neg, dtype=float)
    p, n = p[np.isfinite(p)], n[np.isfinite(n)]
    if not len(p) or not len(n):
        return float("nan")
    greater = (p[:, None] > n[None, :]).mean()
    ties = (p[:, None] == n[None, :]).mean()
    return float(greater + 0.5 * ties)


def roc_curve(pos, neg) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rates, true-positive rates) over every threshold, from (0, 0) to (1, 1)."""
    p, n = np.asarray(pos, dtype=float), np.asarray(neg, dtype=float)
    p, n = p[np.isfinite(p)], n[np.isfinite(n)]
    thresholds = np.unique(np.concatenate([p, n]))[::-1]
    fpr = np.array([0.0] + [(n >= th).mean() for th in thresholds])
    tpr = np.array([0.0] + [(p >= th).mean() for th in thresholds])
    return fpr, tpr


@dataclass
class EvaluationResult:
    scenario: str
    runs: int
    window: float | int  # a fraction of each series in (0, 1), or a number of points
    scores: dict[str, dict[str, np.ndarray]]  # indicator -> {"forced": (R,), "null": (R,)}
    auc: dict[str, float]
    lead_time: dict[str, float]  # median over detected forced runs (time units)
    detection_rate: dict[str, float]
    false_alarm_rate: float
    tipping: np.ndarray  # (runs,) detected tipping times of the forced runs
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        t = self.tipping[np.isfinite(self.tipping)]
        return dict(scenario=self.scenario, runs=self.runs, window=self.window, false_alarm_rate=self.false_alarm_rate,
                    tipped=int(len(t)), median_tipping_time=float(np.median(t)) if len(t) else None,
                    indicators={k: dict(auc=self.auc[k], lead_time=self.lead_time[k],
                                        detection_rate=self.detection_rate[k]) for k in self.auc},
                    **self.info)


def _score(name: str, tau: float) -> float:
    return tau if SIGNED[name] else abs(tau)


def evaluate_runs(sim: ScenarioRuns, *, window: float | int = 0.5, detrending: str = "gaussian", bandwidth: float = 0.2,
                  buffer: float = 0.02, indicators: Sequence[str] = INDICATORS, false_alarm_rate: float = 0.1,
                  checkpoints: int = 10) -> EvaluationResult:
    """The evaluation of simulated runs (see the module docstring). ``window``: a fraction of each
    run's pre-transition series in (0, 1), or a number of points."""
    window = check_window(window)
    detrending = resolve_name(detrending, DETRENDING, "detrending")
    indicators = [resolve_name(k, INDICATORS, "indicator") for k in indicators]
    if not 0 < false_alarm_rate < 1:
        raise ValueError(f"false_alarm_rate must be in (0, 1), got {false_alarm_rate!r}")
    forced = np.nonzero(sim.forced)[0]
    null = np.nonzero(~sim.forced)[0]
    if not len(forced) or not len(null):
        raise ValueError("the evaluation needs forced and null runs")
    n = len(sim.t)
    drop = int(round(buffer * n))
    tip_idx = sim.tipping_index
    scores = {k: {"forced": np.full(len(forced), np.nan), "null": np.full(len(null), np.nan)} for k in indicators}
    running = {k: {"forced": [], "null": []} for k in indicators}
    ends = {}
    for j, i in enumerate(forced):
        stop = (tip_idx[i] if tip_idx[i] >= 0 else n) - drop
        ends[("forced", j)] = stop
    for j, i in enumerate(null):
        ends[("null", j)] = ends[("forced", j % len(forced))]
    for kind, idx in (("forced", forced), ("null", null)):
        for j, i in enumerate(idx):
            stop = ends[(kind, j)]
            x = sim.x[i, :stop]
            if stop < 20 or not np.all(np.isfinite(x)):
                for k in indicators:
                    running[k][kind].append((np.array([]), np.array([])))
                continue
            ew = early_warnings(x, sim.t[:stop], window=window, detrending=detrending, bandwidth=bandwidth,
                                indicators=indicators)
            w = rolling_window(stop, window)
            span = stop - w + 1  # indicator values in the whole piece
            first = w - 1 + max(10, span // checkpoints)  # a prefix holds at least 10 values
            cps = np.unique(np.linspace(min(first, stop), stop, checkpoints).astype(int))
            for k in indicators:
                scores[k][kind][j] = _score(k, ew.tau[k])
                vals = ew.indicators[k]
                rs = np.array([_score(k, kendall_trend(vals[:c], sim.t[:c])[0]) for c in cps])
                running[k][kind].append((sim.t[cps - 1], rs))
    aucs, leads, rates = {}, {}, {}
    for k in indicators:
        aucs[k] = auc(scores[k]["forced"], scores[k]["null"])
        null_max = np.array([np.nanmax(r) if len(r) and np.isfinite(r).any() else -np.inf for _, r in running[k]["null"]])
        threshold = float(np.quantile(null_max, 1 - false_alarm_rate))
        lt = []
        for j, (times, r) in enumerate(running[k]["forced"]):
            tip = sim.tipping[forced[j]]
            above = np.nonzero(r > threshold)[0] if len(r) else []
            if np.isfinite(tip) and len(above):
                lt.append(tip - times[above[0]])
        leads[k] = float(np.median(lt)) if lt else float("nan")
        rates[k] = len(lt) / len(forced)
    return EvaluationResult(sim.scenario, len(forced), window, scores, aucs, leads, rates, float(false_alarm_rate),
                            sim.tipping[forced], {"detrending": detrending, "bandwidth": bandwidth, "buffer": buffer})


def evaluate_scenario(scenario, runs: int = 50, *, seed: int = 0, window: float | int = 0.5, **kw) -> EvaluationResult:
    """Simulate ``runs`` forced and ``runs`` null runs of a scenario and evaluate the indicators."""
    sc = get_scenario(scenario)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 2:
        raise ValueError(f"runs must be an integer >= 2, got {runs!r}")
    sim = simulate(sc, runs, seed=seed)
    res = evaluate_runs(sim, window=window, **kw)
    res.info.update(bifurcation=sc.bifurcation, critical_time=sc.critical_time, seed=seed)
    return res


def evaluation_figure(res: EvaluationResult, sim: ScenarioRuns | None = None):
    """ROC curves of every indicator, and the lead times at the fixed false-alarm rate."""
    from ..plotting import subplots

    ncol = 3 if sim is not None else 2
    fig, ax = subplots(1, ncol, figsize=(4.2 * ncol, 3.8))
    if sim is not None:
        a = ax[0]
        for i in np.nonzero(sim.forced)[0][:5]:
            a.plot(sim.t, sim.x[i], lw=0.6, color="C3", alpha=0.7)
        for i in np.nonzero(~sim.forced)[0][:5]:
            a.plot(sim.t, sim.x[i], lw=0.6, color="0.5", alpha=0.7)
        for tip in res.tipping[:5]:
            if np.isfinite(tip):
                a.axvline(tip, color="C3", lw=0.5, ls=":")
        a.set_title(f"{res.scenario}: forced (red) and null (grey) runs", fontsize=9)
        a.set_xlabel("time")
        ax = ax[1:]
    for j, k in enumerate(res.auc):
        fpr, tpr = roc_curve(res.scores[k]["forced"], res.scores[k]["null"])
        ax[0].plot(fpr, tpr, color=f"C{j}", label=f"{k} (AUC {res.auc[k]:.2f})")
    ax[0].plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--")
    ax[0].set_xlabel("false-positive rate")
    ax[0].set_ylabel("true-positive rate")
    ax[0].set_title(f"ROC over {res.runs} forced and {res.runs} null runs", fontsize=9)
    ax[0].legend(fontsize=7, loc="lower right")
    names = list(res.auc)
    ax[1].bar(range(len(names)), [res.lead_time[k] if np.isfinite(res.lead_time[k]) else 0 for k in names],
              color=[f"C{j}" for j in range(len(names))])
    for j, k in enumerate(names):
        ax[1].text(j, 0, f"{100 * res.detection_rate[k]:.0f}%", ha="center", va="bottom", fontsize=7)
    ax[1].set_xticks(range(len(names)), names, rotation=30, fontsize=7)
    ax[1].set_ylabel("median lead time (time units)")
    ax[1].set_title(f"lead time at {100 * res.false_alarm_rate:.0f}% false alarms (detected runs in %)", fontsize=9)
    fig.tight_layout()
    return fig
