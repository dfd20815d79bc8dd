"""Figures of attractors (matplotlib, Agg backend)."""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .systems.base import System  # noqa: E402


def _coords(system: System, x: np.ndarray) -> np.ndarray:
    keep = [i for i in range(x.shape[1]) if i not in system.unbounded] or list(range(x.shape[1]))
    return x[:, keep]


def draw_attractor(fig, slot, system: System, x: np.ndarray, dt: float):
    """Draw one attractor into subplot position ``slot`` of ``fig``; returns the axes.

    3-D projection for three or more coordinates, a phase portrait for two, and for scalar
    series (delay equations) the delay embedding x(t) against x(t - tau).
    """
    y = _coords(system, x)
    title = system.name
    if y.shape[1] >= 3:
        ax = fig.add_subplot(*slot, projection="3d")
        ax.plot(y[:, 0], y[:, 1], y[:, 2], lw=0.35, color="C0")
        ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
    else:
        ax = fig.add_subplot(*slot)
        if y.shape[1] == 2:
            a, b = y[:, 0], y[:, 1]
        else:
            lag = 1
            if system.delay:
                tau = float(np.asarray(system.params[system.delay_param]))
                lag = max(1, int(round(tau / dt)))
            a, b = y[lag:, 0], y[:-lag, 0]
        style = dict(s=0.3, color="C0") if system.discrete else None
        if style:
            ax.scatter(a, b, **style)
        else:
            ax.plot(a, b, lw=0.35, color="C0")
        ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return ax


def attractor_figure(items: Sequence[tuple[System, np.ndarray, float]], ncols: int | None = None):
    """A grid of attractors from (system, x, dt) triples."""
    n = len(items)
    ncols = ncols or min(n, 4)
    nrows = math.ceil(n / ncols)
    fig = plt.figure(figsize=(3.2 * ncols, 3.0 * nrows))
    for i, (system, x, dt) in enumerate(items):
        draw_attractor(fig, (nrows, ncols, i + 1), system, x, dt)
    fig.tight_layout()
    return fig
