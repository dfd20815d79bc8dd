"""The demo behind the README's first Quick start line."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

DEMO_SYSTEMS = ("Lorenz", "Rossler", "Aizawa", "Duffing", "MackeyGlass", "Henon", "Ikeda", "KuramotoSivashinsky")


def run_demo(out_dir: Path, quiet: bool = False, systems=DEMO_SYSTEMS):
    """Generate an 8-member dataset per system (saved as Zarr), print a summary table and
    write a figure of the attractors. Returns (rows, figure path)."""
    from . import get_system, trajectory
    from .cli.common import atomic_savefig, out
    from .data import generate, save_dataset, state_array
    from .plotting import attractor_figure

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, items = [], []
    for name in systems:
        s = get_system(name)
        t0 = time.perf_counter()
        ds = generate(s, n_traj=8, length=2000, pts_per_period=50, seed=0, split="6:1:1")
        save_dataset(ds, out_dir / f"{name}.zarr", overwrite=True)
        secs = time.perf_counter() - t0
        x = state_array(ds)
        x = x.reshape(-1, x.shape[2])
        keep = [i for i in range(x.shape[1]) if i not in s.unbounded]
        ref = s.stats.get("std")
        rel = None
        if ref is not None and not s.delay and len(ref) == x.shape[1]:
            rel = float(np.max(np.abs(x[:, keep].std(0) - np.asarray(ref)[keep]) / np.asarray(ref)[keep]))
        std = x[:, keep].std(0) if s.grid is None else np.array([x.std()])  # a field: its spread over the grid
        rows.append(dict(system=name, kind=s.kind, dim=s.dim, points=int(np.prod(ds.sizes["trajectory"] * ds.sizes["time"])),
                         dt=ds.attrs["dt"], std=std.round(3).tolist(), std_vs_reference=rel, seconds=round(secs, 2)))
        tr = trajectory(s, 20000 if not s.discrete else 5000, pts_per_period=100, transient=20 * (s.period or 50))
        items.append((s, tr.x, tr.dt))
    fig_path = atomic_savefig(attractor_figure(items), out_dir / "attractors.png")
    if not quiet:
        from rich.table import Table

        table = Table(title="chaoslab demo: 8 trajectories x 2000 points per system (Zarr datasets)")
        for col in ("system", "kind", "dim", "dt", "attractor std", "max rel. diff. vs reference std", "seconds"):
            table.add_column(col)
        for r in rows:
            rel = "-" if r["std_vs_reference"] is None else f"{100 * r['std_vs_reference']:.1f}%"
            table.add_row(r["system"], r["kind"], str(r["dim"]), f"{r['dt']:.4g}", str(r["std"]), rel, f"{r['seconds']:.1f}")
        out.print(table)
        out.print(f"datasets: {out_dir}/<system>.zarr   figure: {fig_path}")
    return rows, fig_path
