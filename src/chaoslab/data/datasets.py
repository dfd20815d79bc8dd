"""Datasets: trajectories from initial conditions sampled on the attractor, as xarray → Zarr.

A dataset has one variable ``x`` with dims ``(trajectory, time, dim)``, a ``split`` label per
trajectory (``train``/``val``/``test`` when splits are asked for, else ``all``), and attrs
``system, parameters, dt, granularity, seed, chaoslab_version, method, transient``.

Initial conditions are points of one long on-attractor run (reached after a transient of at
least 10 periods), at random times drawn without replacement from slots at least
``spacing_periods`` apart, so no two trajectories — and no two splits — share a start.
The same seed gives bit-identical data.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from .. import __version__
from ..integrate.api import DivergenceError, _as_system, ensemble, output_dt, trajectory
from ..systems.base import System

__all__ = ["sample_initial_conditions", "generate", "save_dataset", "load_dataset", "parse_split"]


def parse_split(split: str | Sequence[float] | None, n_traj: int) -> list[tuple[str, int]]:
    """``"8:1:1"`` → [("train", 8k/10), ("val", ...), ("test", ...)] summing to n_traj."""
    if split is None:
        return [("all", n_traj)]
    parts = [float(v) for v in split.split(":")] if isinstance(split, str) else [float(v) for v in split]
    if len(parts) != 3 or any(v < 0 for v in parts) or sum(parts) <= 0:
        raise ValueError(f"split must be three non-negative weights 'train:val:test' (e.g. 8:1:1), got {split!r}")
    w = np.asarray(parts) / sum(parts)
    counts = np.floor(w * n_traj).astype(int)
    for i in np.argsort(-(w * n_traj - counts))[: n_traj - counts.sum()]:
        counts[i] += 1
    if any(c == 0 for c, v in zip(counts, parts) if v > 0):
        raise ValueError(f"split {split!r} leaves a split empty with only {n_traj} trajectories; use more trajectories")
    return [(name, int(c)) for name, c in zip(("train", "val", "test"), counts)]


def sample_initial_conditions(
    system: System | str,
    k: int,
    *,
    seed: int,
    params: Mapping[str, Any] | None = None,
    transient_periods: float = 10.0,
    spacing_periods: float = 2.0,
    method: str = "auto",
) -> np.ndarray:
    """k distinct points on the attractor, (k, dim); for delay equations (k, 50) histories."""
    system = _as_system(system)
    if k < 1:
        raise ValueError(f"the number of initial conditions must be >= 1, got {k}")
    rng = np.random.default_rng(seed)
    period = 1.0 if system.discrete else output_dt(system, None, 1.0, system.resolve_params(params))
    spacing = max(1.0, spacing_periods) if not system.discrete else 10.0
    transient = max(10.0, transient_periods) * (period if not system.discrete else 100.0)
    n_slots = 2 * k
    slots = np.sort(rng.choice(n_slots, size=k, replace=False))
    if system.delay:
        p = system.resolve_params(params)
        tau = float(np.max(np.asarray(p[system.delay_param])))
        hist = 50
        dt = tau / (hist - 1)
        per_slot = max(hist, int(np.ceil(spacing * period / dt)))
        tr = trajectory(system, n_slots * per_slot + hist, params=params, dt=dt, transient=transient, method=method)
        offs = rng.integers(0, per_slot - hist + 1, size=k) if per_slot > hist else np.zeros(k, int)
        starts = slots * per_slot + offs
        return np.stack([tr.x[s : s + hist, 0] for s in starts])
    pts = 20 if not system.discrete else 1
    dt = period / pts
    per_slot = int(np.ceil(spacing * pts))
    tr = trajectory(system, n_slots * per_slot, params=params, dt=dt, transient=transient, method=method)
    idx = slots * per_slot + rng.integers(0, per_slot, size=k)
    return tr.x[idx].copy()


def generate(
    system: System | str,
    n_traj: int = 1,
    length: int = 1000,
    *,
    pts_per_period: float = 100,
    dt: float | None = None,
    seed: int = 0,
    split: str | Sequence[float] | None = None,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
) -> xr.Dataset:
    """Generate ``n_traj`` trajectories of ``length`` points (see module docstring)."""
    system = _as_system(system)
    if n_traj < 1:
        raise ValueError(f"n_traj must be >= 1, got {n_traj}")
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    splits = parse_split(split, n_traj)
    p = system.resolve_params(params)
    dt_out = output_dt(system, dt, pts_per_period, p)
    x0 = sample_initial_conditions(system, n_traj, seed=seed, params=params, method=method)
    ens = ensemble(system, length, x0=x0, params=params, dt=dt_out, method=method, rtol=rtol, atol=atol)
    if not ens.valid.all():
        m = int(np.argmin(ens.valid))
        raise DivergenceError(system.name, m, float(ens.diverged_at[m]))
    labels = np.concatenate([[name] * c for name, c in splits])
    variables = list(system.variables) if len(system.variables) == ens.x.shape[2] else [f"x{i}" for i in range(ens.x.shape[2])]
    ds = xr.Dataset(
        {"x": (("trajectory", "time", "dim"), ens.x)},
        coords={
            "trajectory": np.arange(n_traj),
            "time": ens.t - ens.t[0],
            "dim": np.array(variables, dtype=object),
            "split": ("trajectory", np.array(labels, dtype=object)),
        },
        attrs={
            "system": system.name,
            "parameters": json.dumps({k: np.asarray(v).tolist() for k, v in p.items()}),
            "dt": float(dt_out),
            "granularity": float(system.period / dt_out) if system.period else float(pts_per_period),
            "seed": int(seed),
            "chaoslab_version": __version__,
            "method": ens.method,
            "splits": json.dumps(dict(splits)),
        },
    )
    return ds


def _check_writable(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(f"output '{path}' already exists; pass overwrite=True (CLI: --overwrite) to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise FileNotFoundError(f"output directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"output directory '{parent}' is not writable")


def save_dataset(ds: xr.Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``ds`` to Zarr atomically: into a temporary sibling, then renamed into place."""
    path = Path(path)
    _check_writable(path, overwrite)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        ds.to_zarr(tmp, mode="w", consolidated=False)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a dataset written by ``save_dataset`` and load it into memory."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no dataset at '{path}'")
    ds = xr.open_zarr(path, consolidated=False).load()
    for name in ("dim", "split"):  # variable-length strings come back as StringDType
        if name in ds.coords:
            ds = ds.assign_coords({name: (ds[name].dims, np.array([str(v) for v in ds[name].values.ravel()]))})
    return ds
