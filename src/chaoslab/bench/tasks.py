"""What a worker runs: build a task's data, fit and score a model, or compute a spectrum.

Every function here is a pure function of its task specification (``Suite.tasks()``) and
returns plain data — a ``TaskResult`` with the tidy rows, small arrays for the report
(artifacts) and run metadata — so it can run in any process of a Dask cluster. A task that
raises returns ``status = "failed"`` with the error instead: one bad model or system never
stops a suite.
"""

from __future__ import annotations

import os
import platform
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .._cache import release_compiled_programs

__all__ = ["TaskResult", "build_data", "run_task", "environment", "compile_seconds"]

ROW_COLUMNS = ["suite", "task", "kind", "system", "model", "seed", "granularity", "train_periods", "horizon",
               "context", "noise", "window", "metric", "value"]
N_PLOT_WINDOWS = 3  # forecasts kept per task for the report's forecast-vs-truth figures
N_MEASURE_POINTS = 4000  # rollout and reference points kept for the invariant-measure figures


@dataclass
class TaskResult:
    """One finished task: ``rows`` (list of dicts, columns ``ROW_COLUMNS`` minus suite),
    ``artifacts`` (name -> array), ``meta`` (wall and compile seconds, versions, machine)."""

    id: str
    status: str  # "done" or "failed"
    rows: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


# --------------------------------------------------------------------------- compile time
_COMPILE = {"seconds": 0.0, "listening": False}
_COMPILE_EVENTS = ("/jax/core/compile/jaxpr_trace_duration", "/jax/core/compile/jaxpr_to_mlir_module_duration",
                   "/jax/core/compile/backend_compile_duration")


def _listen() -> None:
    if _COMPILE["listening"]:
        return
    from jax import monitoring

    def on_event(name, seconds, **kw):
        if name in _COMPILE_EVENTS:
            _COMPILE["seconds"] += seconds

    monitoring.register_event_duration_secs_listener(on_event)
    _COMPILE["listening"] = True


def compile_seconds() -> float:
    """Seconds this process has spent tracing, lowering and compiling JAX programs so far."""
    _listen()
    return _COMPILE["seconds"]


# --------------------------------------------------------------------------- environment
@lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit chaoslab was built from: recorded at install time (``_commit.txt``), else read
    from the source checkout, else "unknown". A checkout with uncommitted changes ends in -dirty."""
    from .._gitinfo import checkout_commit

    here = Path(__file__).resolve().parents[1]
    recorded = here / "_commit.txt"
    if recorded.is_file():
        return recorded.read_text().strip() or "unknown"
    return checkout_commit(here.parents[1])


@lru_cache(maxsize=1)
def environment() -> dict[str, str]:
    """Where a task ran: chaoslab version and commit, machine, Python and JAX versions."""
    import jax

    import chaoslab

    return dict(chaoslab_version=chaoslab.__version__, git_commit=git_commit(),
                machine=f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores, {platform.system()})",
                python=platform.python_version(), jax_version=jax.__version__)


def _prepare_worker() -> None:
    """Once per process: float64 (importing chaoslab), the persistent compile cache."""
    import chaoslab  # noqa: F401  (enables float64 in this worker process)
    from .._cache import enable_compile_cache

    enable_compile_cache()
    _listen()


# --------------------------------------------------------------------------- tasks
def build_data(data_spec: dict[str, Any]):
    """(TaskData, meta) of a forecast task — the data shared by every model of the same system,
    seed and setting, and the wall and compile seconds its integration took."""
    _prepare_worker()
    from ..forecast import Task, make_task_data

    t0, c0 = time.perf_counter(), compile_seconds()
    s = dict(data_spec)
    data = make_task_data(Task(s.pop("system"), seed=s.pop("seed"), **s))
    release_compiled_programs()
    return data, dict(data_seconds=time.perf_counter() - t0, data_compile_seconds=compile_seconds() - c0)


def run_task(spec: dict[str, Any], data=None) -> TaskResult:
    """Run one task (a forecast, given its data, or a Lyapunov spectrum); never raises."""
    _prepare_worker()
    t0, c0 = time.perf_counter(), compile_seconds()
    data_meta = {}
    try:
        if spec["kind"] == "forecast":
            data, data_meta = data
            rows, artifacts = _forecast(spec, data)
        elif spec["kind"] == "lyapunov":
            rows, artifacts = _lyapunov(spec)
        elif spec["kind"] == "ensemble":
            rows, artifacts = _ensemble(spec)
        elif spec["kind"] == "learning":
            rows, artifacts = _learning(spec)
        else:
            raise ValueError(f"unknown task kind {spec['kind']!r}")
        status, error = "done", None
    except Exception as e:  # recorded, and the suite goes on
        rows, artifacts = [], {}
        status = "failed"
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}\n" + traceback.format_exc(limit=8)
    meta = dict(environment(), wall_seconds=time.perf_counter() - t0, compile_seconds=compile_seconds() - c0,
                worker_pid=os.getpid(), **data_meta)
    release_compiled_programs()  # a worker lives for hundreds of tasks: keep it under the mapping limit
    return TaskResult(spec["id"], status, rows, artifacts, meta, error)


def _base(spec: dict[str, Any]) -> dict[str, Any]:
    s = spec.get("setting", {})
    return dict(task=spec["id"], kind=spec["kind"], system=spec["system"], model=spec.get("label", ""),
                seed=int(spec.get("seed", 0)), granularity=float(s.get("granularity", np.nan)),
                train_periods=float(s.get("train_periods", np.nan)), horizon=int(s.get("horizon", 0)),
                context=int(s.get("context", 0)), noise=float(s.get("noise", 0.0)))


def _forecast(spec, data):
    from ..forecast import get_model
    from ..forecast.evaluate import DYNAMICS_METRICS, evaluate
    from ..forecast.tuning import tune
    from ..metrics import diverged_states

    ev_opts = spec["evaluation"]
    t0 = time.perf_counter()
    if spec.get("tune"):
        model, _ = tune(spec["model"], data, seed=spec["seed"], **spec["hp"])
    else:
        model = get_model(spec["model"], seed=spec["seed"], **spec["hp"]).fit(data.train, data.val, dt=data.dt)
    fit_seconds = time.perf_counter() - t0
    ev = evaluate(model, data, eps=ev_opts["eps"], dynamics=ev_opts["dynamics"],
                  rollout_lyapunov_times=ev_opts["rollout_lyapunov_times"], n_rollouts=ev_opts["n_rollouts"],
                  fit_seconds=fit_seconds)
    keep = None if ev_opts["metrics"] == "all" else set(ev_opts["metrics"])
    base = _base(spec)
    rows = [base | dict(window=int(r.window), metric=r.metric, value=float(r.value))
            for r in ev.table.itertuples() if keep is None or r.metric in keep]
    scalar = {k: v for k, v in ev.summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    for k in DYNAMICS_METRICS:
        if k in scalar and (keep is None or k in keep):
            rows.append(base | dict(window=-1, metric=k, value=float(scalar[k])))
    # the protocol's own numbers, always kept: the report needs them
    for k, v in (("fit_seconds", fit_seconds), ("predict_seconds", ev.summary["predict_seconds"]),
                 ("system_lyapunov_exponent", data.lyapunov_exponent), ("lyapunov_time", data.lyapunov_time),
                 ("dt", data.dt), ("diverged_windows", ev.summary["diverged_windows"])):
        rows.append(base | dict(window=-1, metric=k, value=float(v)))
    if spec.get("samples"):
        rows += _sample_scores(model, data, int(spec["samples"]), int(spec["seed"]), base)
    n = min(N_PLOT_WINDOWS, len(data.test))
    artifacts = dict(context=data.test.context[:n], target=data.test.target[:n], prediction=ev.predictions[:n],
                     dt=np.array(data.dt), scale=np.array(data.scale), lyapunov_time=np.array(data.lyapunov_time),
                     variables=np.array(data.variables))
    rng = np.random.default_rng(spec["seed"])
    ref = data.reference
    artifacts["reference"] = ref[np.sort(rng.choice(len(ref), min(N_MEASURE_POINTS, len(ref)), replace=False))]
    if ev.rollouts is not None:
        roll = ev.rollouts[:, len(ev.rollouts[0]) // 10 :].reshape(-1, ev.rollouts.shape[-1])
        roll = roll[~diverged_states(roll, data.mean, data.scale)]  # the one divergence rule
        if len(roll):
            artifacts["rollout"] = roll[np.sort(rng.choice(len(roll), min(N_MEASURE_POINTS, len(roll)), replace=False))]
    return rows, artifacts


def _sample_scores(model, data, n: int, seed: int, base: dict) -> list[dict]:
    """CRPS (per window: mean over lead times and variables, in attractor scales) and the
    spread-skill ratio of ``n`` samples per test window."""
    from ..metrics import probabilistic as pm

    with np.errstate(all="ignore"):
        s = model.sample(data.test.context, data.test.target.shape[1], n, seed)  # (W, n, H, d)
    rows = []
    for w in range(len(s)):
        ok = np.all(np.isfinite(s[w]), axis=(1, 2))
        if ok.sum() < 2:
            rows.append(base | dict(window=w, metric="sample_diverged", value=float((~ok).sum())))
            continue
        e, y = s[w][ok], data.test.target[w]
        rows.append(base | dict(window=w, metric="crps", value=float(pm.crps(y, e).mean()) / data.scale))
        rows.append(base | dict(window=w, metric="spread_skill", value=float(pm.spread_skill(y, e))))
        rows.append(base | dict(window=w, metric="sample_diverged", value=float((~ok).sum())))
    return rows


def _ensemble(spec):
    from ..ensembles.forecast import ensemble_forecast

    e = spec["ensemble"]
    ef = ensemble_forecast(spec["system"], e["members"], perturbation=e["perturbation"], relative_amplitude=e["relative_amplitude"],
                           cases=e["cases"], lyapunov_times=e["lyapunov_times"], seed=spec["seed"], param_spread=e.get("param_spread"))
    sc = ef.scores(seed=spec["seed"])
    base = _base(spec)
    scale = ef.info["scale"]
    rows = []
    for k, v in (("mean_crps", float(np.mean(sc.crps)) / scale), ("mean_energy_score", float(np.mean(sc.energy)) / scale),
                 ("mean_rmse_of_mean", float(np.mean(sc.rmse)) / scale), ("mean_spread", float(np.mean(sc.spread)) / scale),
                 ("spread_skill", float(np.nanmean(sc.spread_skill))),
                 ("rank_histogram_p_value", sc.rank_histogram.p_value),
                 ("brier_score", float(np.mean([r.brier_score for r in sc.reliability]))),
                 ("tail_events", float(sc.tail.events)), ("tail_covered", sc.tail.covered),
                 ("valid_members", float(sc.valid_members)), ("diverged_members", float(sc.diverged_members)),
                 ("lyapunov_time", ef.lyapunov_time), ("amplitude", ef.amplitude)):
        rows.append(base | dict(window=-1, metric=k, value=float(v)))
    ok = ef.valid[0]
    rel = sc.reliability[0]
    artifacts = dict(t=ef.t, crps=sc.crps, rmse=sc.rmse, spread=sc.spread, spread_skill=sc.spread_skill,
                     rank_counts=sc.rank_histogram.counts, plume=ef.members[0, ok, :, 0], plume_truth=ef.truth[0, :, 0],
                     reliability_p=rel.forecast_probability, reliability_f=rel.observed_frequency,
                     lyapunov_time=np.array(ef.lyapunov_time), scale=np.array(scale))
    return rows, artifacts


def _learning(spec):
    from ..learning.experiments import run_experiment

    exp = run_experiment(spec["experiment"], **(spec["settings"] | {"seed": spec["seed"]}))
    base = _base(spec)
    rows = [base | dict(window=-1, metric=k, value=float(v)) for k, v in exp.metrics.items()]
    return rows, {k: np.asarray(v) for k, v in exp.arrays.items()} | {"experiment": np.array(exp.kind)}


def _lyapunov(spec):
    import chaoslab as cl
    from ..analysis import lyapunov_spectrum

    r = lyapunov_spectrum(spec["system"], time=spec.get("time"), precision=spec.get("precision"),
                          seed=spec.get("seed", 0))
    base = _base(spec)
    rows = []
    for i, (lam, se) in enumerate(zip(np.atleast_1d(r.exponents), np.atleast_1d(r.uncertainty)), 1):
        rows.append(base | dict(window=-1, metric=f"lyapunov_exponent_{i}", value=float(lam)))
        rows.append(base | dict(window=-1, metric=f"lyapunov_uncertainty_{i}", value=float(se)))
    for k, v in (("kaplan_yorke_dimension", r.kaplan_yorke_dimension), ("lyapunov_time", r.lyapunov_time),
                 ("ks_entropy", r.ks_entropy)):
        rows.append(base | dict(window=-1, metric=k, value=float(v) if v is not None else np.nan))
    from ..integrate.api import output_dt

    system = cl.get_system(spec["system"])
    attractor = cl.trajectory(system, 5000, granularity=50, transient=50 * output_dt(system, None, 1.0)).x
    return rows, dict(exponents=np.atleast_1d(r.exponents), history_t=r.history_t, history=r.history,
                      attractor=attractor)
