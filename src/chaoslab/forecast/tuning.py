"""The documented small hyper-parameter search of each model family.

Every Forecaster class lists ``search_space`` (name -> candidate values). ``tune`` fits one model
per point of that grid (or of a grid you pass) on the task's training data and keeps the one with
the longest median valid prediction time on the validation windows — the test windows are never
looked at. Ties go to the earlier grid point, so the search is deterministic for a fixed seed.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Mapping, Sequence

import numpy as np

from ..metrics import valid_prediction_time
from .base import Forecaster, _MODELS, get_model
from .protocol import TaskData

__all__ = ["tune"]


def tune(name: str, data: TaskData, *, space: Mapping[str, Sequence[Any]] | None = None, seed: int = 0,
         **fixed) -> tuple[Forecaster, list[dict[str, Any]]]:
    """(best fitted model, one record per grid point: hyper-parameters, median validation VPT in
    Lyapunov times, fit seconds). ``fixed`` hyper-parameters are held at the given values."""
    get_model(name)  # unknown names fail here, with a suggestion
    space = dict(_MODELS[name].search_space if space is None else space)
    if len(data.val) == 0:
        raise ValueError("tuning needs validation windows (Task(n_val=...) >= 1)")
    for k in fixed:
        space.pop(k, None)
    keys = list(space)
    records, best, best_score = [], None, -np.inf
    for values in itertools.product(*(space[k] for k in keys)) if keys else [()]:
        hyper = dict(zip(keys, values)) | fixed
        model = get_model(name, seed=seed, **hyper)
        t0 = time.perf_counter()
        model.fit(data.train, data.val, dt=data.dt)
        seconds = time.perf_counter() - t0
        with np.errstate(all="ignore"):
            pred = model.predict(data.val.context, data.val.target.shape[1])
        vpt = valid_prediction_time(data.val.target, pred, data.dt, scale=data.scale)
        score = float(np.median(vpt)) / data.lyapunov_time
        records.append({**hyper, "median_val_vpt_lyapunov": score, "fit_seconds": seconds})
        if score > best_score:
            best, best_score = model, score
    return best, records
