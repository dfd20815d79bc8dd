"""Read a results directory: one consolidated tidy table, the failures, the run records; and the
published reference numbers a suite can be compared with (``published_reference``,
``reference_rows``)."""

from __future__ import annotations

import copy
import json
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Results", "load_results", "leaderboard", "bootstrap_median_ci", "SMAPE_DIVERGED", "published_reference",
           "reference_names", "reference_rows"]

from ..metrics import DIVERGED_VALUES

SMAPE_DIVERGED = DIVERGED_VALUES["smape"]  # sMAPE of a forecast that grew without bound: 200/H sum |x^ - x| / (|x^| + |x|) -> 200


@dataclass
class Results:
    suite: dict[str, Any]  # name, digest, description, text, tasks (ids)
    table: Any  # pandas.DataFrame: suite, task, kind, system, model, seed, ..., window, metric, value, metadata
    failures: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    out_dir: Path

    @property
    def missing(self) -> list[str]:
        """Task ids of the suite with no result yet (neither finished nor failed)."""
        have = set(self.table["task"].unique()) | {f["id"] for f in self.failures}
        return [t for t in self.suite["tasks"] if t not in have]

    @property
    def reference(self) -> str | None:
        """The published setting the suite is compared with (its ``reference`` key), if any."""
        return self.suite.get("reference")

    @property
    def labels(self) -> dict[str, str]:
        """Registered model name -> its label in the results, read from the recorded suite text
        (the first label of a model named twice; the name itself when the text is unreadable)."""
        try:
            models = tomllib.loads(self.suite.get("text", "")).get("models", [])
        except tomllib.TOMLDecodeError:
            return {}
        out: dict[str, str] = {}
        for m in models if isinstance(models, list) else []:
            if isinstance(m, dict) and isinstance(m.get("name"), str):
                out.setdefault(m["name"].lower(), str(m.get("label", m["name"])))
        return out

    def artifacts(self, task_id: str) -> dict[str, np.ndarray] | None:
        p = self.out_dir / "artifacts" / f"{task_id}.npz"
        if not p.is_file():
            return None
        with np.load(p) as z:
            return {k: z[k] for k in z.files}


def load_results(out_dir: str | Path) -> Results:
    """Consolidate DIR/tasks/*.parquet into one table (see ``chaoslab.bench.runner``)."""
    import pandas as pd

    out_dir = Path(out_dir)
    record = out_dir / "suite.json"
    if not record.is_file():
        raise FileNotFoundError(f"'{out_dir}' holds no benchmark results (no suite.json); run chaoslab bench run first")
    suite = json.loads(record.read_text())
    files = sorted((out_dir / "tasks").glob("*.parquet"))
    if files:
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    else:
        from .runner import META_COLUMNS
        from .tasks import ROW_COLUMNS

        table = pd.DataFrame(columns=ROW_COLUMNS + META_COLUMNS)
    failures = [json.loads(p.read_text()) for p in sorted((out_dir / "failed").glob("*.json"))]
    runs = [json.loads(p.read_text()) for p in sorted((out_dir / "runs").glob("*.json"))]
    return Results(suite, table, failures, runs, out_dir)


def bootstrap_median_ci(values: np.ndarray, groups: np.ndarray | None = None, *, n_boot: int = 2000,
                        level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """(median, low, high): the median of ``values`` and a percentile bootstrap interval. With
    ``groups`` (e.g. the system of each value) whole groups are resampled (a cluster
    bootstrap): windows of one system are not independent evidence about a model. NaNs are
    dropped; an empty input gives NaNs."""
    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values)
    values = values[ok]
    if len(values) == 0:
        return (np.nan, np.nan, np.nan)
    med = float(np.median(values))
    rng = np.random.default_rng(seed)
    if groups is not None:
        groups = np.asarray(groups)[ok]
        labels = np.unique(groups)
    if groups is None or len(labels) < 2:
        idx = rng.integers(0, len(values), size=(n_boot, len(values)))
        boots = np.median(values[idx], axis=1)
    else:
        members = [values[groups == g] for g in labels]
        picks = rng.integers(0, len(labels), size=(n_boot, len(labels)))
        boots = np.array([np.median(np.concatenate([members[i] for i in row])) for row in picks])
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return med, float(lo), float(hi)


def leaderboard(table, *, n_boot: int = 2000, seed: int = 0):
    """One row per model: median VPT (Lyapunov times) and sMAPE over every test window of every
    system and seed, with 95 % cluster-bootstrap intervals (systems resampled), the median fit
    time, the fraction of diverged long rollouts, and the number of systems; sorted by VPT.

    A window whose forecast diverged is scored with sMAPE 200, the limit of sMAPE as the forecast
    grows without bound (``chaoslab.metrics.DIVERGED_VALUES``, applied by ``evaluate``; results
    written before that have NaN there, read the same way), so that diverging models are not
    ranked on their surviving windows only."""
    import pandas as pd

    fc = table[table["kind"] == "forecast"]
    rows = []
    for model, g in fc.groupby("model", sort=True):
        def metric(name, windows=True):
            sel = g[(g["metric"] == name) & ((g["window"] >= 0) if windows else (g["window"] < 0))]
            return sel["value"].to_numpy(dtype=float), sel["system"].to_numpy()

        vpt, vs = metric("vpt_lyapunov")
        sm, ss = metric("smape")
        sm = np.where(np.isnan(sm), SMAPE_DIVERGED, sm)
        fit, _ = metric("fit_seconds", windows=False)
        div, _ = metric("diverged_fraction", windows=False)
        m, lo, hi = bootstrap_median_ci(vpt, vs, n_boot=n_boot, seed=seed)
        sm_m, sm_lo, sm_hi = bootstrap_median_ci(sm, ss, n_boot=n_boot, seed=seed)
        rows.append(dict(model=model, median_vpt_lyapunov=m, vpt_ci_low=lo, vpt_ci_high=hi, median_smape=sm_m,
                         smape_ci_low=sm_lo, smape_ci_high=sm_hi,
                         median_fit_seconds=float(np.median(fit)) if len(fit) else np.nan,
                         diverged_fraction=float(np.mean(div)) if len(div) else np.nan,
                         systems=int(g["system"].nunique()), windows=int(len(vpt))))
    board = pd.DataFrame(rows, columns=["model", "median_vpt_lyapunov", "vpt_ci_low", "vpt_ci_high", "median_smape",
                                        "smape_ci_low", "smape_ci_high", "median_fit_seconds", "diverged_fraction",
                                        "systems", "windows"])
    if len(board):
        board = board.sort_values(["median_vpt_lyapunov", "median_smape"], ascending=[False, True], na_position="last")
    return board.reset_index(drop=True)


# --------------------------------------------------------------------------- published reference
@lru_cache(maxsize=1)
def _published() -> dict[str, Any]:
    from importlib import resources

    return json.loads((resources.files("chaoslab.bench") / "reference" / "published.json").read_text())


def reference_names() -> list[str]:
    """The published settings a suite's ``reference`` may name."""
    return [s["name"] for s in _published()["settings"]]


def published_reference(name: str) -> dict[str, Any]:
    """One published setting (``chaoslab/bench/reference/published.json``, written by
    ``tools/published_reference.py`` from the study's own result files): its ``description`` of
    the protocol, ``models`` (per model: ``study_model``, chaoslab's ``counterpart`` or None, the
    ``median_smape`` over ``systems``, and the number of systems ``missing`` a score), the number
    of ``systems`` and the study's ``citation``. An unknown name is a ValueError naming the known
    ones."""
    data = _published()
    for s in data["settings"]:
        if s["name"] == name:
            return copy.deepcopy(s) | {"citation": copy.deepcopy(data["citation"]), "statistic": data["statistic"]}
    raise ValueError(f"unknown published reference {name!r}; known: {', '.join(reference_names())}")


def reference_rows(board, name: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The published setting ``name`` beside a ``leaderboard``: one row per published model with
    ``study_model``, ``published_smape`` (the study's median over systems), ``published_systems``,
    ``missing`` (systems without a published score), ``counterpart`` (chaoslab's model, or None),
    ``model`` (its label in ``board``, or None when it was not run), ``our_smape`` (its
    leaderboard median sMAPE, NaN when not run), ``our_systems`` and ``difference`` (ours minus
    the published median; NaN when either is missing). ``labels`` maps registered names to the
    labels of the results (``Results.labels``; by default a model's label is its name)."""
    labels = labels or {}
    ours = {r["model"]: r for r in board.to_dict("records")} if len(board) else {}
    rows = []
    for m in published_reference(name)["models"]:
        c = m["counterpart"]
        label = labels.get(c, c) if c else None
        r = ours.get(label) if label is not None else None
        pub = float(m["median_smape"]) if m["median_smape"] is not None else math.nan
        our = float(r["median_smape"]) if r is not None else math.nan
        rows.append(dict(study_model=m["study_model"], published_smape=pub, published_systems=int(m["systems"]),
                         missing=int(m["missing"]), counterpart=c, model=label if r is not None else None,
                         our_smape=our, our_systems=int(r["systems"]) if r is not None else 0,
                         difference=our - pub if math.isfinite(our) and math.isfinite(pub) else math.nan))
    return rows
