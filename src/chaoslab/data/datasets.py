"""Datasets: trajectories from initial conditions sampled on the attractor, as xarray → Zarr.

Flows and maps: one variable ``x`` with dims ``(trajectory, time, dim)``. PDEs and lattices: one
variable per field channel (``u``; ``u, v``; ``omega``; ...) with dims ``(trajectory, time, x)``
or ``(trajectory, time, x, y)`` and the grid's coordinates in physical units. Every dataset has a
``split`` label per trajectory (``train``/``val``/``test`` when splits are asked for, else
``all``) and attrs ``system, kind, parameters, dt, granularity, seed, chaoslab_version, method,
splits`` (and ``grid`` for fields). ``state_array`` gives any of them as (trajectory, time, dim).

Zarr chunks are (1 trajectory, a block of time, the whole grid), the block sized to ~8 MB, and
``write`` integrates and stores one block at a time, so a dataset may exceed memory. A finished
store's metadata is consolidated, so ``xr.open_zarr(path)`` reads it in one go (and does not
warn that opening without it "is typically much slower").

Initial conditions of flows and maps are points of one long on-attractor run (reached after a
transient of at least 10 periods), at random times drawn without replacement from slots at least
``spacing_periods`` apart, so no two trajectories — and no two splits — share a start. Fields
start from seeded perturbations of the reference field carried through the same transient.
The same seed gives bit-identical data.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ..files import atomic_write
from .. import __version__
from ..integrate.api import DivergenceError, as_system, ensemble, output_dt, stream, trajectory
from ..integrate.solvers import resolve_method
from ..systems.base import System

__all__ = ["sample_initial_conditions", "generate", "write", "save_dataset", "load_dataset", "parse_split",
           "state_array"]


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


def _spatial(system: System) -> bool:
    return system.grid is not None and system.kind in ("pde", "lattice")


def _sample_spatial(system: System, k: int, rng, params, transient_periods: float, method: str) -> np.ndarray:
    """k states of a field: the reference field plus a seeded smooth random perturbation (the
    lowest Fourier modes, 10% of the field's spread), each carried through a transient of
    ``transient_periods`` periods in one ensemble call; a chaotic field forgets its start, so the
    members are distinct points of the attractor."""
    g = system.grid
    shape = (k, g["channels"]) + (g["points"],) * g["dims"]
    noise = rng.standard_normal(shape)
    axes = tuple(range(2, 2 + g["dims"]))
    spec = np.fft.fftn(noise, axes=axes)
    m = np.meshgrid(*([np.fft.fftfreq(g["points"], 1.0 / g["points"])] * g["dims"]), indexing="ij")
    low = (np.sqrt(sum(mi**2 for mi in m)) <= 4)
    smooth = np.real(np.fft.ifftn(spec * low, axes=axes))
    smooth /= smooth.reshape(k, -1).std(axis=1).reshape((k,) + (1,) * (smooth.ndim - 1)) + 1e-300
    ic = np.asarray(system.ic, dtype=np.float64)
    spread = float(ic.std()) or 1.0
    x0 = ic[None] + 0.1 * spread * smooth.reshape(k, -1)
    period = output_dt(system, None, 1.0, system.resolve_params(params))
    ens = ensemble(system, 1, x0=x0, params=params, dt=period, transient=max(10.0, transient_periods) * period,
                   method=method)
    if not ens.valid.all():
        bad = int(np.argmin(ens.valid))
        raise DivergenceError(system.name, bad, float(ens.diverged_at[bad]))
    return ens.x[:, 0].copy()


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
    """k distinct points on the attractor, (k, dim); for delay equations (k, 50) histories.

    Flows and maps: points of one long on-attractor run at random slots at least
    ``spacing_periods`` apart. PDEs and lattices: seeded perturbations of the reference field,
    each run through the transient (see ``_sample_spatial``).
    """
    system = as_system(system)
    if k < 1:
        raise ValueError(f"the number of initial conditions must be >= 1, got {k}")
    rng = np.random.default_rng(seed)
    if _spatial(system):
        return _sample_spatial(system, k, rng, params, transient_periods, method)
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


def _time_block(system: System, length: int) -> int:
    """Time points per Zarr chunk (and per compiled integration call): ~8 MB per trajectory."""
    return int(max(1, min(length, 2**23 // (8 * system.dim))))


def _block_dataset(system: System, t: np.ndarray, x: np.ndarray) -> xr.Dataset:
    """One time block (members, c, dim) as an xarray Dataset: variable ``x`` with dims
    (trajectory, time, dim) for flows and maps; one variable per field channel with dims
    (trajectory, time, x[, y]) for PDEs and lattices."""
    if not _spatial(system):
        return xr.Dataset({"x": (("trajectory", "time", "dim"), x)}, coords={"time": t})
    g = system.grid
    axes = ("x", "y")[: g["dims"]]
    f = x.reshape(x.shape[:2] + (g["channels"],) + (g["points"],) * g["dims"])
    return xr.Dataset({v: (("trajectory", "time") + axes, f[:, :, i]) for i, v in enumerate(g["variables"])},
                      coords={"time": t})


def _dataset_blocks(system, n_traj, length, *, granularity, dt, seed, split, params, method, rtol, atol, block):
    """(head, blocks): the coordinates and attributes of the dataset, and an iterator over its
    time blocks as Datasets (integrated block by block: memory is bounded by one block)."""
    system = as_system(system)
    if n_traj < 1:
        raise ValueError(f"n_traj must be >= 1, got {n_traj}")
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    splits = parse_split(split, n_traj)
    p = system.resolve_params(params)
    dt_out = output_dt(system, dt, granularity, p)
    x0 = sample_initial_conditions(system, n_traj, seed=seed, params=params, method=method)
    if block is not None and not (isinstance(block, (int, np.integer)) and block >= 1):
        raise ValueError(f"block (time points per chunk) must be an integer >= 1, got {block!r}")
    block = min(int(block), length) if block else _time_block(system, length)
    labels = np.concatenate([[name] * c for name, c in splits])
    coords = {"trajectory": np.arange(n_traj), "split": ("trajectory", np.array(labels, dtype=object))}
    attrs = {
        "system": system.name,
        "kind": system.kind,
        "parameters": json.dumps({k: np.asarray(v).tolist() for k, v in p.items()}),
        "dt": float(dt_out),
        "granularity": float(system.period / dt_out) if system.period else float(granularity),
        "seed": int(seed),
        "chaoslab_version": __version__,
        "method": resolve_method(system, method),
        "splits": json.dumps(dict(splits)),
    }
    if _spatial(system):
        g = system.grid
        attrs["grid"] = json.dumps({k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()})
        x = np.arange(g["points"]) * g["extent"] / g["points"]
        coords.update({a: x for a in ("x", "y")[: g["dims"]]})
    else:
        variables = list(system.variables) if len(system.variables) == system.dim else [f"x{i}" for i in range(system.dim)]
        coords["dim"] = np.array(variables, dtype=object)

    def blocks():
        t_first = None
        for t, x, valid, first_bad in stream(system, length, diverged_at=True, x0=x0, params=params, dt=dt_out,
                                             method=method, rtol=rtol, atol=atol, chunk=block):
            if not valid.all():
                m = int(np.argmin(valid))
                raise DivergenceError(system.name, m, float(first_bad[m]))
            t_first = t[0] if t_first is None else t_first
            yield _block_dataset(system, t - t_first, x)

    return (coords, attrs, block), blocks()


def _chunk_encoding(ds: xr.Dataset, block: int) -> dict:
    """Zarr chunks: one trajectory, ``block`` time points, the whole of every other axis."""
    enc = {}
    for name, var in ds.data_vars.items():
        enc[name] = {"chunks": tuple(1 if d == "trajectory" else block if d == "time" else n
                                     for d, n in zip(var.dims, var.shape))}
    return enc


def generate(
    system: System | str,
    n_traj: int = 1,
    length: int = 1000,
    *,
    granularity: float = 100,
    dt: float | None = None,
    seed: int = 0,
    split: str | Sequence[float] | None = None,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    block: int | None = None,
) -> xr.Dataset:
    """Generate ``n_traj`` trajectories of ``length`` points in memory (see module docstring);
    ``write`` streams the same dataset to Zarr block by block. ``block``: time points per Zarr
    chunk and per compiled integration call (default ~8 MB per trajectory)."""
    (coords, attrs, block), blocks = _dataset_blocks(system, n_traj, length, granularity=granularity, dt=dt,
                                                     seed=seed, split=split, params=params, method=method,
                                                     rtol=rtol, atol=atol, block=block)
    ds = xr.concat(list(blocks), dim="time") if length > block else next(blocks)
    ds = ds.assign_coords(coords)
    ds.attrs.update(attrs)
    for name, enc in _chunk_encoding(ds, block).items():
        ds[name].encoding.update(enc)
    return ds


def write(
    system: System | str,
    path: str | os.PathLike,
    n_traj: int = 1,
    length: int = 1000,
    *,
    overwrite: bool = False,
    progress=None,
    **kw,
) -> Path:
    """Generate the dataset of ``generate(system, n_traj, length, **kw)`` straight into Zarr at
    ``path``, one time block at a time (a field dataset larger than memory is fine), into a
    temporary sibling renamed into place when complete: an interrupted run leaves nothing."""
    path = Path(path)
    _check_writable(path, overwrite)
    (coords, attrs, block), blocks = _dataset_blocks(system, n_traj, length, **{
        "granularity": 100, "dt": None, "seed": 0, "split": None, "params": None, "method": "auto",
        "rtol": 1e-9, "atol": 1e-9, "block": None, **kw})

    def store(tmp):
        done = 0
        for i, ds in enumerate(blocks):
            ds.attrs.update(attrs)  # an append rewrites the attributes too
            if i == 0:
                ds = ds.assign_coords(coords)
                ds.to_zarr(tmp, mode="w", consolidated=False, encoding=_chunk_encoding(ds, block))
            else:
                ds.to_zarr(tmp, append_dim="time", consolidated=False)
            done += ds.sizes["time"]
            if progress is not None:
                progress(done, length)
        _consolidate(tmp)

    return atomic_write(path, store)


def _check_writable(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(f"output '{path}' already exists; pass overwrite=True (CLI: --overwrite) to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise FileNotFoundError(f"output directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"output directory '{parent}' is not writable")


def _consolidate(store) -> None:
    """Consolidate a finished Zarr store's metadata (one read opens it). Zarr format 3 does not
    yet specify consolidated metadata; zarr-python writes it and warns that other readers may not
    use it, which costs them nothing (they read each array's own metadata), so that warning is
    silenced here."""
    import zarr

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part", category=UserWarning)
        zarr.consolidate_metadata(str(store))


def save_dataset(ds: xr.Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``ds`` to Zarr atomically: into a temporary sibling, then renamed into place."""
    path = Path(path)
    _check_writable(path, overwrite)
    def store(tmp):
        ds.to_zarr(tmp, mode="w", consolidated=False)
        _consolidate(tmp)

    return atomic_write(path, store)


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


def state_array(ds: xr.Dataset) -> np.ndarray:
    """The states of a dataset as one array (trajectory, time, dim) in the System's flat state
    order, for flows, maps, PDEs and lattices alike."""
    if "grid" not in ds.attrs:
        if "dim" not in ds["x"].dims:
            raise ValueError("not a chaoslab dataset: no 'grid' attribute and no variable x(trajectory, time, dim)")
        return ds["x"].values
    g = json.loads(ds.attrs["grid"])
    fields = np.stack([ds[v].values for v in g["variables"]], axis=2)  # (traj, time, channel, x[, y])
    return fields.reshape(fields.shape[:2] + (-1,))
