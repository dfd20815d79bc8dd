"""Figures of forecasts: truth and forecast per coordinate, lead time in Lyapunov times, the
valid prediction time marked."""

from __future__ import annotations

import numpy as np

from ..plotting import subplots
from ..metrics import valid_prediction_time
from .base import Forecaster
from .protocol import TaskData


def forecast_figure(model: Forecaster, data: TaskData, window: int = 0, eps: float = 0.4):
    """Context, truth and ``model``'s forecast of test window ``window``, one panel a coordinate."""
    if not 0 <= window < len(data.test):
        raise ValueError(f"window must be in 0..{len(data.test) - 1}, got {window}")
    ctx, truth = data.test.context[window], data.test.target[window]
    with np.errstate(all="ignore"):
        pred = np.asarray(model.predict(ctx[None], len(truth)))[0]
    vpt = valid_prediction_time(truth, pred, data.dt, scale=data.scale, eps=eps)
    unit = data.lyapunov_time if np.isfinite(data.lyapunov_time) else data.period
    label = "Lyapunov times" if np.isfinite(data.lyapunov_time) else "periods"
    t_ctx = (np.arange(len(ctx)) - len(ctx) + 1) * data.dt / unit
    t = np.arange(1, len(truth) + 1) * data.dt / unit
    d = truth.shape[1]
    fig, axes = subplots(d, 1, figsize=(8.0, 1.9 * d + 0.6), sharex=True, squeeze=False)
    for i, ax in enumerate(axes[:, 0]):
        ax.plot(t_ctx, ctx[:, i], color="0.5", lw=1.0, label="context" if i == 0 else None)
        ax.plot(t, truth[:, i], color="k", lw=1.0, label="truth" if i == 0 else None)
        ax.plot(t, pred[:, i], color="C3", lw=1.0, ls="--", label=model.name if i == 0 else None)
        ax.axvline(vpt / unit, color="C0", lw=1.0)
        ax.set_ylabel(data.variables[i] if i < len(data.variables) else f"x{i}")
    axes[0, 0].legend(loc="upper right", fontsize=8, ncol=3)
    axes[0, 0].set_title(f"{data.task.system}: {model.name}, valid for {vpt / unit:.2f} {label} "
                         f"(e > {eps:g} after the blue line)", fontsize=10)
    axes[-1, 0].set_xlabel(f"lead time ({label})")
    fig.tight_layout()
    return fig
