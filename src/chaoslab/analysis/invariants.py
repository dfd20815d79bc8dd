"""The invariants of a system in one call, and the catalog-wide table.

``compute_invariants`` gives the Lyapunov spectrum (to 0.5 % of |lambda_1| by default, with its
calibrated standard error and whether the target was reached within the budget), the
Kaplan–Yorke dimension, the Kolmogorov–Sinai entropy bound and the Lyapunov time (each with a
jackknife standard error over the spectrum's orbits), the correlation dimension of the attractor
(Grassberger–Procaccia on a long trajectory, with its statistical and scaling-range errors) and
the dominant period of the power spectrum. ``catalog_invariants`` runs it over the catalog into a Parquet file, resumably: a
re-run skips systems already in the file; each finished system is written atomically.

The table shipped with chaoslab (``systems/invariants.parquet``) was made by
``chaoslab analyze --all --out src/chaoslab/systems/invariants.parquet``; ``System.invariants``
reads it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..data.tables import write_parquet_atomic
from ..systems.base import System

__all__ = ["invariants_sample", "compute_invariants", "catalog_invariants", "read_invariants"]

COLUMNS = ["system", "lyapunov_spectrum", "lyapunov_uncertainty", "converged", "precision", "orbits", "escaped",
           "kaplan_yorke_dimension", "kaplan_yorke_uncertainty", "ks_entropy", "ks_entropy_uncertainty",
           "lyapunov_time", "lyapunov_time_uncertainty", "correlation_dimension", "correlation_dimension_uncertainty",
           "correlation_dimension_statistical", "correlation_dimension_scaling", "period", "reference_period",
           "spectrum_time", "transient", "seconds", "chaoslab_version", "error", "notes"]


def compute_invariants(system: System | str, *, params: Mapping[str, Any] | None = None, time: float | None = None,
                       precision: float | None = None, max_time: float | None = None, k: int | None = None,
                       seed: int = 0, points: int = 20_000, details: bool = False, escaped: str = "error",
                       progress: Callable[[float], None] | None = None):
    """All invariants of one system (see the module docstring); JSON-serialisable values. The
    spectrum runs to ``precision`` (default 0.5 % of |lambda_1|) within ``max_time`` unless a
    fixed ``time`` is given (see ``lyapunov_spectrum``, also for ``escaped``). With ``details``, returns (values,
    LyapunovSpectrum, CorrelationDimension) for figures."""
    import chaoslab as cl

    from .dimensions import correlation_dimension
    from .lyapunov import lyapunov_spectrum
    from .spectra import dominant_period

    system = cl.get_system(system) if isinstance(system, str) else system
    t_start = time_now()
    spec = lyapunov_spectrum(system, params=params, time=time, precision=precision, max_time=max_time, k=k,
                             seed=seed, escaped=escaped, progress=progress)
    notes = []
    if spec.escaped:
        notes.append(f"Lyapunov spectrum: {spec.escaped} of {spec.escaped + spec.orbits} orbits left the attractor "
                     "(beyond 1e3 x its scale) and were excluded (a leaky attractor or a singular flow): the exponents are those of the orbits "
                     "that stayed")
    if spec.converged is False:
        worst = float(np.nanmax(spec.uncertainty / max(abs(float(spec.exponents[0])), 1e-300)))
        notes.append(f"Lyapunov spectrum: the budget ({spec.max_time:.4g} time units per orbit) ran out before the "
                     f"target precision {spec.precision:g}, reaching {worst:.2g} of |lambda_1|")
    ky = spec.kaplan_yorke_dimension
    truncated = system.delay or spec.exponents.size < system.dim
    if truncated and np.all(np.cumsum(np.sort(spec.exponents)[::-1]) >= 0):
        ky = None  # the partial sums of the k leading exponents never turn negative: D_KY > k, unknown
        notes.append(f"Kaplan-Yorke dimension: exceeds {spec.exponents.size}, the number of exponents computed "
                     "(their sum is still positive); ask for more (--k)")
    if system.kind in ("pde", "lattice"):
        # a field's state has hundreds to tens of thousands of coordinates: a correlation sum there
        # needs far more samples than one run gives, and its broadband spectrum has no peak period
        notes.append("correlation dimension and spectral period: not computed for spatially extended systems")
        values = _values(system, spec, ky, None, system.period, t_start, notes)
        return (values, spec, None) if details else values
    # period: the highest peak of the power spectrum (summed over bounded coordinates), which
    # can differ from the reference period (e.g. Lorenz: 0.76, the rotation about a lobe)
    x, dt = invariants_sample(system, params=params, points=points)
    try:
        cd = correlation_dimension(x, seed=seed)
    except ValueError as e:  # e.g. a periodic orbit: a finite point set has no scaling range
        cd = None
        notes.append(f"correlation dimension: {e}")
    per = 1.0 if system.discrete else dominant_period(x, dt)
    values = _values(system, spec, ky, cd, per, t_start, notes)
    return (values, spec, cd) if details else values


def invariants_sample(system: System | str, *, params: Mapping[str, Any] | None = None,
                     points: int = 20_000) -> tuple[np.ndarray, float]:
    """The attractor sample ``compute_invariants`` takes its correlation dimension and spectral
    period from: ``points`` points of one trajectory past a transient (flows: 50 points per
    reference period after 20 periods; maps: every iterate after 1000), its bounded coordinates
    only (an angle or other unbounded coordinate has no attractor extent). Returns (x, dt).
    Denser and shorter than the climatology (``analysis.attractor``: 20 points per period over
    1 000 periods), which scores forecasts; this one is what the table's columns were made from.
    """
    import chaoslab as cl

    system = cl.get_system(system) if isinstance(system, str) else system
    if system.discrete:
        tr = cl.trajectory(system, points, params=params, transient=1000)
        dt = 1.0
    else:
        period = float(system.period or 1.0)
        tr = cl.trajectory(system, points, params=params, granularity=50, transient=20 * period)
        dt = tr.dt
    keep = [i for i in range(tr.x.shape[1]) if i not in system.unbounded] or [0]
    return tr.x[:, keep], dt


def _values(system: System, spec, ky, cd, period, t_start: float, notes: list[str]) -> dict[str, Any]:
    import chaoslab as cl

    d = spec.to_dict()
    return {
        "system": system.name,
        "lyapunov_spectrum": [float(v) for v in spec.exponents],
        "lyapunov_uncertainty": [float(v) for v in spec.uncertainty],
        "converged": spec.converged,
        "precision": spec.precision,
        "orbits": spec.orbits,
        "escaped": spec.escaped,
        "kaplan_yorke_dimension": ky,
        "kaplan_yorke_uncertainty": d["kaplan_yorke_uncertainty"] if ky is not None else None,
        "ks_entropy": spec.ks_entropy,
        "ks_entropy_uncertainty": d["ks_entropy_uncertainty"],
        "lyapunov_time": spec.lyapunov_time,
        "lyapunov_time_uncertainty": d["lyapunov_time_uncertainty"],
        "correlation_dimension": float(cd.dimension) if cd is not None else None,
        "correlation_dimension_uncertainty": float(cd.uncertainty) if cd is not None else None,
        "correlation_dimension_statistical": float(cd.statistical) if cd is not None else None,
        "correlation_dimension_scaling": float(cd.scaling) if cd is not None else None,
        "period": float(period) if period is not None else None,
        "reference_period": float(system.period) if system.period is not None else None,
        "spectrum_time": spec.time,
        "transient": spec.transient,
        "seconds": time_now() - t_start,
        "chaoslab_version": cl.__version__,
        "error": "",
        "notes": "; ".join(notes),
    }


def time_now() -> float:
    return time.perf_counter()


def read_invariants(path: str | os.PathLike):
    """The table at ``path`` as a pandas DataFrame (empty, with the columns, if absent)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    return pd.read_parquet(path)


def _row(name: str, time: float | None, seed: int, precision: float | None = None,
         escaped: str = "error", max_time: float | None = None) -> dict[str, Any]:
    """compute_invariants, or a row recording the error (the catalog run goes on)."""
    try:
        return compute_invariants(name, time=time, precision=precision, max_time=max_time, seed=seed, escaped=escaped)
    except Exception as e:
        import chaoslab as cl

        row = {c: None for c in COLUMNS}
        row.update(system=name, chaoslab_version=cl.__version__,
                   error=f"{type(e).__name__}: {e}".splitlines()[0][:500])
        return row


def catalog_invariants(out: str | os.PathLike, names: Iterable[str], *, time: float | None = None,
                       precision: float | None = None, max_time: float | None = None, seed: int = 0,
                       workers: int = 1, escaped: str = "error",
                       progress: Callable[[str, int, int], None] | None = None) -> Any:
    """Compute the invariants of ``names`` into the Parquet file ``out``, skipping systems
    already there without an error (resumable; failures are retried). ``workers`` > 1 runs systems in that many processes (spawned;
    JAX is not fork-safe); the parent alone writes, atomically, after every finished system."""
    import pandas as pd

    out = Path(out)
    df = read_invariants(out)
    if len(df):  # failed systems are tried again
        df = df[~df["error"].fillna("").astype(bool)].reset_index(drop=True)
    done = set(df["system"]) if len(df) else set()
    todo = [n for n in names if n not in done]

    def add(row):
        nonlocal df
        new = pd.DataFrame([row], columns=COLUMNS)
        df = pd.concat([df, new], ignore_index=True) if len(df) else new
        write_parquet_atomic(df, out)

    if workers <= 1 or len(todo) <= 1:
        for i, name in enumerate(todo):
            if progress is not None:
                progress(name, i, len(todo))
            add(_row(name, time, seed, precision, escaped, max_time))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_row, name, time, seed, precision, escaped, max_time): name for name in todo}
            for i, fut in enumerate(as_completed(futures)):
                if progress is not None:
                    progress(futures[fut], i, len(todo))
                add(fut.result())
    if progress is not None:
        progress("", len(todo), len(todo))
    return df
