"""Figures: the one helper that makes them (``subplots``), and figures of attractors.

Every chaoslab figure is a ``matplotlib.figure.Figure`` made without pyplot: no backend is set
for the process (a user's interactive backend stays theirs), nothing is registered in pyplot's
global list of open figures (so figures are garbage collected, and drawing is safe in worker
threads), and ``Figure.savefig`` renders with Agg. Save with ``fig.savefig`` or
``chaoslab.cli.common.atomic_savefig``; in a notebook a returned figure displays as it is.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from .systems.base import System

__all__ = ["subplots", "attractor_figure", "spacetime_figure", "snapshot_figure", "save_animation",
           "draw_attractor"]


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kw):
    """(Figure, axes) like ``pyplot.subplots`` (``sharex``, ``squeeze``, ``subplot_kw``, ...), without
    pyplot (module docstring)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kw)


def _coords(system: System, x: np.ndarray) -> np.ndarray:
    keep = [i for i in range(x.shape[1]) if i not in system.unbounded] or list(range(x.shape[1]))
    return x[:, keep]


def draw_attractor(fig, slot, system: System, x: np.ndarray, dt: float):
    """Draw one attractor into subplot position ``slot`` of ``fig``; returns the axes.

    3-D projection for three or more coordinates, a phase portrait for two, and for scalar
    series (delay equations) the delay embedding x(t) against x(t - tau).
    """
    title = system.name
    if system.grid is not None and system.kind in ("pde", "lattice"):
        return _draw_field(fig, slot, system, x, dt)
    y = _coords(system, x)
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


def _draw_field(fig, slot, system: System, x: np.ndarray, dt: float, rows: int = 1000, periods: float = 40.0):
    """A field in one panel: the space-time diagram of the last ``periods`` periods (at most
    ``rows`` rows; 1-D), or the last snapshot (2-D)."""
    name, f = _fields(system, x, None)
    ax = fig.add_subplot(*slot)
    L = system.grid["extent"]
    if f.ndim == 2:
        span = min(len(f), max(2, int(round(periods * (system.period or dt * rows) / dt))))
        stride = max(1, span // rows)
        f = f[len(f) - span :: stride]
        vmin, vmax, cmap = _limits(f)
        ax.imshow(f, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                  extent=(0.0, L, 0.0, dt * (span - 1)))
        ax.set_xlabel("x", fontsize=8), ax.set_ylabel("t", fontsize=8)
    else:
        vmin, vmax, cmap = _limits(f[-1])
        ax.imshow(f[-1].T, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, extent=(0.0, L, 0.0, L))
        ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(f"{system.name}: {name}", fontsize=9)
    return ax


def attractor_figure(items: Sequence[tuple[System, np.ndarray, float]], ncols: int | None = None):
    """A grid of attractors from (system, x, dt) triples."""
    n = len(items)
    ncols = ncols or min(n, 4)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.0 * nrows))
    for i, (system, x, dt) in enumerate(items):
        draw_attractor(fig, (nrows, ncols, i + 1), system, x, dt)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- fields (PDEs, lattices)
def _fields(system: System, x: np.ndarray, variable: str | None):
    """(name, (time, N[, N]) array) of one channel of a field trajectory (time, dim)."""
    g = system.grid
    names = list(g["variables"])
    if variable is None:
        variable = names[0]
    if variable not in names:
        raise ValueError(f"{system.name} has no field '{variable}'; allowed: {', '.join(names)}")
    f = x.reshape((x.shape[0], g["channels"]) + (g["points"],) * g["dims"])
    return variable, f[:, names.index(variable)]


def _limits(f: np.ndarray):
    """Colour limits: symmetric about 0 for a field of both signs, else its range."""
    lo, hi = float(np.min(f)), float(np.max(f))
    if lo < 0 < hi:
        m = max(-lo, hi)
        return -m, m, "RdBu_r"
    return lo, hi, "viridis"


def spacetime_figure(system: System, t: np.ndarray, x: np.ndarray, variable: str | None = None):
    """Space-time diagram of a 1-D field: position across, time upwards."""
    name, f = _fields(system, x, variable)
    L = system.grid["extent"]
    vmin, vmax, cmap = _limits(f)
    fig, ax = subplots(figsize=(6.0, 4.5))
    im = ax.imshow(f, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest",
                   extent=(0.0, L, float(t[0]), float(t[-1])))
    ax.set_xlabel("x" if system.kind == "pde" else "site")
    ax.set_ylabel("t")
    ax.set_title(f"{system.name}: {name}(x, t)", fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.85)
    fig.tight_layout()
    return fig


def snapshot_figure(system: System, t: np.ndarray, x: np.ndarray, variable: str | None = None, ncols: int = 3):
    """A grid of snapshots of a 2-D field at the given times (one colour scale for all)."""
    name, f = _fields(system, x, variable)
    L = system.grid["extent"]
    vmin, vmax, cmap = _limits(f)
    n = f.shape[0]
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(3.0 * ncols, 3.0 * nrows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_xticks([]), ax.set_yticks([])
        if i >= n:
            ax.set_axis_off()
            continue
        im = ax.imshow(f[i].T, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, extent=(0.0, L, 0.0, L))
        ax.set_title(f"t = {t[i]:.4g}", fontsize=9)
    fig.suptitle(f"{system.name}: {name}(x, y)", fontsize=10)
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)
    return fig


def save_animation(system: System, t: np.ndarray, x: np.ndarray, path, variable: str | None = None,
                   fps: int = 12):
    """An animated GIF of a field (2-D: the field; 1-D: the profile u(x)), written to a
    temporary sibling and renamed into place."""
    from pathlib import Path

    from matplotlib.animation import FuncAnimation, PillowWriter

    path = Path(path)
    name, f = _fields(system, x, variable)
    L = system.grid["extent"]
    vmin, vmax, cmap = _limits(f)
    fig, ax = subplots(figsize=(4.2, 4.0))
    if f.ndim == 3:
        art = ax.imshow(f[0].T, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, extent=(0.0, L, 0.0, L))
        ax.set_xticks([]), ax.set_yticks([])
        update = lambda i: art.set_data(f[i].T)
    else:
        xs = np.arange(f.shape[1]) * L / f.shape[1]
        (art,) = ax.plot(xs, f[0], color="C0")
        pad = 0.05 * (vmax - vmin or 1.0)
        ax.set_ylim(vmin - pad, vmax + pad)
        ax.set_xlabel("x")
        update = lambda i: art.set_ydata(f[i])
    title = ax.set_title("", fontsize=9)

    def frame(i):
        update(i)
        title.set_text(f"{system.name}: {name}, t = {t[i]:.4g}")
        return art, title

    anim = FuncAnimation(fig, frame, frames=f.shape[0], blit=False)
    from .files import atomic_write

    return atomic_write(path, lambda tmp: anim.save(tmp, writer=PillowWriter(fps=fps)))
