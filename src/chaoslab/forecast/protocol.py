"""The forecasting protocol: a task and the data it defines.

A ``Task`` names a system, a granularity (points per characteristic period; default 30), the
training set (``n_train`` trajectories of ``train_periods`` periods), the validation and test
windows (``n_val``/``n_test`` windows of ``context`` points followed by ``horizon`` points), and
optionally one observed coordinate (univariate mode) and measurement ``noise``.
``make_task_data`` turns it into arrays:
every training trajectory and every window starts from its own point on the attractor (after a
transient of at least 10 periods; ``chaoslab.data.sample_initial_conditions``), so no two share
a start and no split sees another's data. The same seed gives the same bits.

Measurement noise (``noise`` > 0): independent Gaussian noise of standard deviation ``noise``
times each coordinate's attractor standard deviation (the climatology's), drawn from the task's
seed (its own stream), is added to what a forecaster sees: the training trajectories, the
validation windows (context and target: they are data a modeller holds) and the test contexts.
The test targets stay clean: forecasts are scored against the true state. ``noise = 0`` gives
the noise-free data bit for bit.

Time scales come with the data: ``dt``, the ``period``, the largest Lyapunov exponent (the
shipped invariants of a catalog system at its default parameters, else computed) and the
attractor ``scale`` sqrt(<|x - <x>|^2>) (``chaoslab.metrics.attractor_scale``) that normalises errors
and bounds a forecast that has not diverged (design.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..data import sample_initial_conditions
from ..integrate.api import as_system, ensemble, output_dt
from ..analysis.attractor import attractor_statistics, leading_exponent
from .base import Windows

__all__ = ["Task", "TaskData", "make_task_data", "NOISE_STREAM"]

NOISE_STREAM = 0x6E6F697365  # the measurement noise's generator: default_rng((seed, NOISE_STREAM))


@dataclass(frozen=True)
class Task:
    """One forecasting task (see the module docstring); lengths are in points of the output grid."""

    system: str
    granularity: float = 30.0
    train_periods: float = 100.0
    n_train: int = 1
    context: int = 60
    horizon: int = 300
    n_val: int = 5
    n_test: int = 20
    observed: int | None = None
    seed: int = 0
    params: dict[str, float] = field(default_factory=dict)
    noise: float = 0.0

    def __post_init__(self):
        def whole(name, v, lo):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")

        whole("horizon", self.horizon, 1)
        whole("context", self.context, 1)
        whole("n_train", self.n_train, 1)
        whole("n_val", self.n_val, 0)
        whole("n_test", self.n_test, 1)
        if not (self.granularity > 0 and math.isfinite(self.granularity)):
            raise ValueError(f"granularity must be a positive number of points per period, got {self.granularity!r}")
        if not (self.train_periods > 0 and math.isfinite(self.train_periods)):
            raise ValueError(f"train_periods must be > 0, got {self.train_periods!r}")
        if isinstance(self.noise, bool) or not isinstance(self.noise, (int, float, np.integer, np.floating)) or not (
                math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a number >= 0 (a fraction of each coordinate's attractor standard "
                             f"deviation), got {self.noise!r}")
        if self.context >= self.train_length:
            raise ValueError(f"context ({self.context} points) must be shorter than the training trajectories "
                             f"({self.train_length} points = {self.train_periods:g} periods x {self.granularity:g})")

    @property
    def train_length(self) -> int:
        return int(round(self.train_periods * self.granularity))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TaskData:
    """The arrays of a task: ``train`` (n_train, T, d); ``val`` and ``test`` Windows; time scales."""

    task: Task
    train: np.ndarray
    val: Windows
    test: Windows
    dt: float
    period: float
    lyapunov_exponent: float
    scale: float
    mean: np.ndarray
    variables: list[str]
    reference: np.ndarray  # the climatology's samples (analysis.attractor_statistics), independent of the windows

    @property
    def lyapunov_time(self) -> float:
        from ..analysis.lyapunov import lyapunov_time  # the one rule: 1 / lambda_1, inf unless lambda_1 > 0

        return lyapunov_time(self.lyapunov_exponent)


def make_task_data(task: Task) -> TaskData:
    """Integrate the task's training trajectories and windows (seeded; see the module docstring)."""
    system = as_system(task.system)
    params = dict(task.params) or None
    p = system.resolve_params(params)
    if task.observed is not None and not (isinstance(task.observed, (int, np.integer)) and 0 <= task.observed < system.dim):
        raise ValueError(f"observed must be a coordinate index in 0..{system.dim - 1}, got {task.observed!r}")
    dt = output_dt(system, None, task.granularity, p)
    period = dt * task.granularity
    n_win = task.n_val + task.n_test
    x0 = sample_initial_conditions(system, task.n_train + n_win, seed=task.seed, params=params)
    train = ensemble(system, task.train_length, x0=x0[: task.n_train], params=params, dt=dt)
    win = ensemble(system, task.context + task.horizon, x0=x0[task.n_train :], params=params, dt=dt)
    for name, ens in (("training trajectory", train), ("window", win)):
        if not ens.valid.all():
            raise ValueError(f"{system.name}: a {name} diverged at t = {np.nanmin(ens.diverged_at):.4g}")
    # the attractor's mean, scale and distribution: the climatology (an independent long run)
    clim = attractor_statistics(system, params)
    variables = list(system.variables) if len(system.variables) == system.dim else [f"x{i}" for i in range(system.dim)]
    xs, ws = train.x, win.x
    if task.observed is not None:
        pick = [task.observed]
        xs, ws, clim, variables = xs[..., pick], ws[..., pick], clim.observed(pick), [variables[task.observed]]
    c = task.context
    t0 = np.full(n_win, c * dt)
    if task.noise > 0:  # what a forecaster sees is measured with noise; the test targets are the truth
        rng = np.random.default_rng((task.seed, NOISE_STREAM))
        sd = task.noise * np.asarray(clim.std, dtype=np.float64)
        xs = xs + sd * rng.standard_normal(xs.shape)
        seen = ws.copy()
        seen[: task.n_val] += sd * rng.standard_normal(seen[: task.n_val].shape)
        seen[task.n_val:, :c] += sd * rng.standard_normal(seen[task.n_val:, :c].shape)
        ws = np.concatenate([seen[: task.n_val], np.concatenate([seen[task.n_val:, :c], ws[task.n_val:, c:]], axis=1)])
    windows = Windows(ws[:, :c], ws[:, c:], t0)
    val = Windows(windows.context[: task.n_val], windows.target[: task.n_val], t0[: task.n_val])
    test = Windows(windows.context[task.n_val :], windows.target[task.n_val :], t0[task.n_val :])
    return TaskData(task, xs, val, test, float(dt), float(period), leading_exponent(system, params), clim.scale,
                    clim.mean, variables, clim.samples)
