"""Invariants chaoslab computed itself for the catalog (``analyze --all``), shipped with the
package as ``invariants.parquet`` next to this file. Read lazily; absent file -> no values."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("invariants.parquet")
KEYS = ("lyapunov_spectrum", "lyapunov_uncertainty", "converged", "precision", "orbits", "escaped",
        "kaplan_yorke_dimension", "kaplan_yorke_uncertainty", "ks_entropy", "ks_entropy_uncertainty", "lyapunov_time",
        "lyapunov_time_uncertainty", "correlation_dimension", "correlation_dimension_uncertainty",
        "correlation_dimension_statistical", "correlation_dimension_scaling", "period", "reference_period",
        "spectrum_time", "transient", "chaoslab_version", "notes")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    if not TABLE.exists():
        return {}
    import pandas as pd

    rows = {}
    for r in pd.read_parquet(TABLE).to_dict("records"):
        if r.get("error"):
            continue
        rows[r["system"]] = {k: _plain(r.get(k)) for k in KEYS}
    return rows


def _plain(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    if isinstance(v, float) and math.isnan(v):  # a value not determined (see the row's notes)
        return None
    return v


def computed_invariants(name: str) -> dict[str, Any] | None:
    """The shipped invariants of a catalog system at its default parameters, or None."""
    return _table().get(name)
