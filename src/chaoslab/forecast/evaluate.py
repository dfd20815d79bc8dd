"""Score a fitted model on a task's windows: how long it stays valid, how large its errors are,
and whether its free-running dynamics has the system's invariant measure, spectrum, stability
and Lyapunov exponent.

``evaluate`` returns an ``Evaluation``: a tidy table (one row per window and metric: columns
system, model, seed, window, metric, value) and a summary. Horizon metrics are in time units,
Lyapunov times and periods (design.md). A diverging forecast is scored, never raised: its
valid time ends at the divergence, its pointwise metrics are the failure values
``chaoslab.metrics.DIVERGED_VALUES`` (sMAPE 200, errors +inf, r2 -inf, correlations 0: the window
counts in every median, never dropped) and it counts in ``diverged_windows`` (and, for the long free runs, ``diverged_fraction``). Divergence is the one
rule of ``chaoslab.metrics.diverged_states``: not finite, or farther than ``DIVERGENCE_SCALES``
attractor scales from the attractor's mean (here the reference run's ``mean`` and ``scale``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..metrics import (
    DIVERGED_VALUES,
    divergence_mask,
    histogram_kl,
    pointwise_metrics,
    power_spectrum_distance,
    sliced_wasserstein,
    smape_vpt,
    valid_prediction_time,
)
from ..systems.base import resolve_name
from .base import Forecaster
from .protocol import TaskData

__all__ = ["Evaluation", "evaluate", "HORIZON_METRICS", "DYNAMICS_METRICS"]

#: per-window horizon metrics of ``evaluate``'s table
HORIZON_METRICS = ("vpt", "vpt_lyapunov", "vpt_periods", "vpt_smape_lyapunov")
#: whole-model metrics of the long free runs (in the summary, where the model allows them)
DYNAMICS_METRICS = ("diverged_fraction", "histogram_kl", "sliced_wasserstein", "spectrum_distance",
                    "model_lyapunov_exponent", "model_lyapunov_uncertainty")


@dataclass
class Evaluation:
    """Per-window rows (``table``: system, model, seed, window, metric, value) and ``summary``."""

    table: Any  # pandas.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    predictions: np.ndarray | None = None
    rollouts: np.ndarray | None = None  # the long free runs (n, steps, d), when dynamics were scored


def _rollouts(model: Forecaster, data: TaskData, n: int, steps: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(model.predict(data.test.context[:n], steps), dtype=np.float64)


def evaluate(model: Forecaster, data: TaskData, *, windows: str = "test", eps: float = 0.4,
             rollout_lyapunov_times: float = 100.0, n_rollouts: int = 4, dynamics: bool = True,
             fit_seconds: float | None = None) -> Evaluation:
    """Score ``model`` (already fitted) on ``data``'s test (or val) windows; see the module
    docstring. ``dynamics``: also run ``n_rollouts`` free rollouts of ``rollout_lyapunov_times``
    Lyapunov times and compare them with the reference run (KL divergence of the marginal
    histograms, sliced Wasserstein distance, spectral distance, diverged fraction) and compute the
    model's own largest Lyapunov exponent where the model exposes its step."""
    import pandas as pd

    windows = resolve_name(windows, ("test", "val"), "windows")
    w = data.test if windows == "test" else data.val
    if len(w) == 0:
        raise ValueError(f"the task has no {windows} windows")
    horizon = w.target.shape[1]
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        pred = np.asarray(model.predict(w.context, horizon), dtype=np.float64)
    predict_seconds = time.perf_counter() - t0
    lam, T = data.lyapunov_exponent, data.period
    vpt = valid_prediction_time(w.target, pred, data.dt, scale=data.scale, eps=eps)
    vpt_s = smape_vpt(w.target, pred, data.dt)
    per_window: dict[str, np.ndarray] = {
        "vpt": vpt,
        "vpt_lyapunov": vpt * lam if lam > 0 else np.full_like(vpt, np.nan),
        "vpt_periods": vpt / T,
        "vpt_smape_lyapunov": vpt_s * lam if lam > 0 else np.full_like(vpt_s, np.nan),
    }
    ok = ~divergence_mask(pred, data.mean, data.scale)
    # a diverged window is a failure with each metric's worst value (sMAPE 200), never dropped
    per_window.update({k: np.full(len(w), v, dtype=np.float64) for k, v in DIVERGED_VALUES.items()})
    if ok.any():
        for k, v in pointwise_metrics(w.target[ok], pred[ok], train=data.train[0]).items():
            per_window[k][ok] = v
    rows = [(data.task.system, model.name, data.task.seed, i, k, float(v[i]))
            for k, v in per_window.items() for i in range(len(w))]
    table = pd.DataFrame(rows, columns=["system", "model", "seed", "window", "metric", "value"])
    summary: dict[str, Any] = {
        "system": data.task.system, "model": model.name, "windows": len(w), "horizon": horizon,
        "dt": data.dt, "lyapunov_time": data.lyapunov_time, "period": T,
        "median_vpt_lyapunov": float(np.median(per_window["vpt_lyapunov"])),
        "median_vpt_periods": float(np.median(per_window["vpt_periods"])),
        "median_vpt_smape_lyapunov": float(np.median(per_window["vpt_smape_lyapunov"])),
        "diverged_windows": int((~ok).sum()),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
    }
    # medians over every window, the diverged ones at their failure values (a metric that is
    # undefined on a window, e.g. r2 of a constant truth, is NaN there and left out)
    summary.update({f"median_{k}": float(np.nanmedian(per_window[k])) for k in ("rmse", "smape", "mae", "r2_score")})
    roll = None
    if dynamics:
        dyn, roll = _dynamics(model, data, rollout_lyapunov_times, n_rollouts)
        summary.update(dyn)
    return Evaluation(table, summary, pred, roll)


def _dynamics(model: Forecaster, data: TaskData, lyapunov_times: float, n: int) -> tuple[dict[str, Any], np.ndarray]:
    """Long free-running rollouts against the reference run, and the model's own exponent."""
    steps = int(math.ceil(lyapunov_times * data.lyapunov_time / data.dt)) if data.lyapunov_exponent > 0 else 2000
    n = min(n, len(data.test))
    roll = _rollouts(model, data, n, steps)
    bad = divergence_mask(roll, data.mean, data.scale)
    out: dict[str, Any] = {"rollout_steps": steps, "diverged_fraction": float(bad.mean())}
    ok = roll[~bad]
    if len(ok):
        burn = steps // 10  # compare the long-run state, not the departure from the context
        sample = ok[:, burn:].reshape(-1, roll.shape[-1])
        ref = data.reference
        out["histogram_kl"] = histogram_kl(ref, sample)
        out["sliced_wasserstein"] = sliced_wasserstein(ref, sample, seed=data.task.seed) / data.scale
        out["spectrum_distance"] = float(np.mean([power_spectrum_distance(ref, r[burn:], data.dt) for r in ok]))
    try:
        from .dynamics import model_lyapunov_exponent

        lam, se = model_lyapunov_exponent(model, data.test.context[0], data.dt, steps=min(20_000, 20 * steps))
        out.update(model_lyapunov_exponent=lam, model_lyapunov_uncertainty=se,
                   system_lyapunov_exponent=data.lyapunov_exponent)
    except NotImplementedError:
        pass
    except Exception as e:  # the model's own orbit blew up: that is a finding, not a crash
        out["model_lyapunov_exponent_error"] = f"{type(e).__name__}: {e}"
    return out, roll
