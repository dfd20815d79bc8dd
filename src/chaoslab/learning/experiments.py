"""Learning experiments by name: the one entry point of ``chaoslab learning`` and of suites'
``[[learning]]`` tables.

:func:`run_experiment` ``(kind, **settings)`` trains a named setup (:mod:`.setups`) and returns
an :class:`Experiment`: a JSON-able ``summary``, scalar ``metrics`` (the rows of a suite's results
table), the ``arrays`` a figure needs (a suite's artifacts), and :func:`experiment_figure`
draws the figure from those arrays alone (so a report can draw it from stored results).

Kinds and their settings (besides the training map's ``setup``, ``width``, ``optimizer``,
``lr``, ``batch_size``, ``seed``):

- ``sharpness``: ``steps``, ``every``, ``k`` — the top Hessian eigenvalues along training
  against 2/lr (and the batch sharpness with mini-batches; for classifiers the share of samples
  in softmax collapse at the end, in float32 and float64);
- ``lyapunov``: ``steps``, ``k``, ``phases`` — the training map's exponents and finite-time
  exponents per phase;
- ``butterfly``: ``epochs``, ``at`` (epochs), ``sigma`` — twin runs;
- ``sweep``: ``lr_min``, ``lr_max``, ``points``, ``log``, ``steps``, ``keep`` — a learning-rate
  sweep (``lr`` is not used), with the catapulted learning rates;
- ``jacobian``: ``steps``, ``tol``, ``chunk`` — the training Jacobian's singular values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

EXPERIMENTS = ("sharpness", "lyapunov", "butterfly", "sweep", "jacobian")
CLASSIFIERS = ("digits", "digits-cnn", "modular")  # setups trained with cross-entropy

_COMMON = dict(setup="chebyshev", width=None, optimizer="gd", lr=0.07, batch_size=None, seed=0)
DEFAULTS: dict[str, dict[str, Any]] = {
    "sharpness": _COMMON | dict(steps=40000, every=400, k=1),
    "lyapunov": _COMMON | dict(steps=2000, k=3, phases=4),
    "butterfly": _COMMON | dict(setup="digits", lr=0.1, batch_size=32, epochs=10, at=(0, 1, 5),
                                sigma=(1e-8, 1e-6, 1e-4, 1e-2, 1.0)),
    "sweep": _COMMON | dict(setup="double-well", lr_min=0.5, lr_max=2.1, points=161, log=False, steps=20000,
                            keep=64),
    "jacobian": _COMMON | dict(steps=100, tol=1e-3, chunk=256),
}


@dataclass
class Experiment:
    """What :func:`run_experiment` returns (module docstring)."""

    kind: str
    settings: dict[str, Any]
    summary: dict[str, Any]
    metrics: dict[str, float]
    arrays: dict[str, np.ndarray] = field(repr=False)

    def figure(self):
        return experiment_figure(self.kind, self.arrays)


def experiment_settings(kind: str, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings of ``kind`` with ``settings`` over its defaults; an unknown kind or name is a
    one-line ValueError (the values are checked when the experiment runs)."""
    from ..systems.base import resolve_name

    kind = resolve_name(kind, EXPERIMENTS, "learning experiment")
    given = dict(settings or {})
    unknown = sorted(set(given) - set(DEFAULTS[kind]))
    if unknown:
        raise ValueError(f"unknown setting '{unknown[0]}' of the {kind} experiment; allowed: "
                         f"{', '.join(DEFAULTS[kind])}")
    return dict(DEFAULTS[kind]) | given


def _positive(name: str, v) -> int:
    from .training import _check_positive

    _check_positive(name, v, integer=True)
    return int(v)


def run_experiment(kind: str, **settings) -> Experiment:
    """Run the learning experiment ``kind`` with ``settings`` (module docstring)."""
    from .setups import setup_map

    s = experiment_settings(kind, settings)
    kind = next(k for k in EXPERIMENTS if k.lower() == kind.lower())
    lr = s["lr"] if kind != "sweep" else (s["lr_min"] if s["lr_min"] > 0 else s["lr"])
    tm = setup_map(s["setup"], width=s["width"], seed=s["seed"], optimizer=s["optimizer"], lr=lr,
                   batch_size=s["batch_size"] or None)
    head = dict(experiment=kind, setup=s["setup"], optimizer=s["optimizer"], batch_size=s["batch_size"],
                parameters=tm.n_params)
    summary, metrics, arrays = globals()[f"_{kind}"](tm, s)
    return Experiment(kind, s, head | summary, metrics, arrays)


def _sharpness(tm, s):
    from .curvature import batch_sharpness_along, sharpness_along
    from .training import train

    steps, every, k = _positive("steps", s["steps"]), _positive("every", s["every"]), _positive("k", s["k"])
    run = train(tm, steps, every=every)
    sharp = sharpness_along(tm, run, k=k)[0]
    batch = batch_sharpness_along(tm, run)[0] if tm.batch_size is not None else None
    edge = 2.0 / tm.lr
    crossed = np.flatnonzero(sharp[:, 0] > edge)
    first = int(run.steps[crossed[0]]) if crossed.size else None
    after = sharp[crossed[0]:, 0] / edge - 1 if crossed.size else np.array([np.nan])
    rows = [dict(step=int(st), loss=float(run.loss[0, i]), sharpness=[float(v) for v in sharp[i]])
            | ({} if batch is None else dict(batch_sharpness=float(batch[i]))) for i, st in enumerate(run.steps)]
    summary = dict(lr=tm.lr, edge=edge, diverged=bool(run.diverged[0]),
                   diverged_at=int(run.diverged_at[0]) if run.diverged[0] else None, first_above_edge=first,
                   rows=rows)
    metrics = dict(edge=edge, initial_sharpness=float(sharp[0, 0]), final_sharpness=float(sharp[-1, 0]),
                   first_above_edge=np.nan if first is None else float(first),
                   median_above_edge=float(np.median(after)), final_loss=float(run.loss[0, -1]),
                   diverged=float(run.diverged[0]))
    if s["setup"] in CLASSIFIERS and not run.diverged[0]:
        # softmax collapse (Prieto et al. 2025) where training ended, in float32 and float64
        from .numerics import training_collapse

        for dt in ("float32", "float64"):
            c = training_collapse(tm, run.states[0, -1], dtype=dt)
            metrics[f"softmax_collapse_{dt}"] = float(c.fraction)
            summary[f"softmax_collapse_{dt}"] = float(c.fraction)
    arrays = dict(steps=run.steps, loss=run.loss[0], sharpness=sharp, lr=np.array([tm.lr]))
    if batch is not None:
        arrays["batch_sharpness"] = batch
    return summary, metrics, arrays


def _lyapunov(tm, s):
    from .training import phase_exponents, training_lyapunov

    steps, k, phases = _positive("steps", s["steps"]), _positive("k", s["k"]), _positive("phases", s["phases"])
    if phases > steps:
        raise ValueError(f"phases must be at most steps ({steps}), got {phases}")
    r = training_lyapunov(tm, steps, k=k, seed=s["seed"])
    bounds, per_phase = phase_exponents(r, phases)
    summary = dict(lr=tm.lr, steps=steps, exponents=[float(v) for v in r.exponents[0]],
                   phases=[dict(start=int(a), end=int(b), exponents=[float(v) for v in e])
                           for (a, b), e in zip(bounds, per_phase)])
    metrics = {f"exponent_{i + 1}": float(v) for i, v in enumerate(r.exponents[0])}
    metrics |= {f"phase_{j + 1}_exponent_1": float(e[0]) for j, e in enumerate(per_phase)}
    return summary, metrics, dict(local_rates=np.asarray(r.local_rates)[0])


def _epochs(v) -> list[int]:
    at = [v] if isinstance(v, (int, np.integer)) else list(v)
    if not at or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 0 for a in at):
        raise ValueError(f"at must be a list of epochs (integers >= 0), got {v!r}")
    return [int(a) for a in at]


def _butterfly(tm, s):
    from .twins import twin_runs

    epochs, at = _positive("epochs", s["epochs"]), _epochs(s["at"])
    E = tm.steps_per_epoch
    t0 = time.perf_counter()
    r = twin_runs(tm, epochs * E, sigma=s["sigma"], at=[a * E for a in at], every=E, seed=s["seed"])
    grid = [dict(at_epoch=int(a // E), sigma=float(sg), final_distance=float(r.final_distance[i, j]),
                 barrier=float(r.barrier[i, j]), aligned_distance=float(r.aligned_distance[i, j]),
                 aligned_barrier=float(r.aligned_barrier[i, j]), diverged=bool(r.diverged[i, j + 1]))
            for i, a in enumerate(r.at) for j, sg in enumerate(r.sigma)]
    summary = dict(lr=tm.lr, steps_per_epoch=E, epochs=epochs, seconds=time.perf_counter() - t0,
                   final_loss=float(r.final_loss[0, 0]), grid=grid)
    metrics = {}
    for i, a in enumerate(r.at):
        start = np.flatnonzero(r.steps == a)[0]
        for j, sg in enumerate(r.sigma):
            tag = f"epoch_{a // E}_sigma_{sg:.0e}"
            metrics[f"barrier_{tag}"] = float(r.aligned_barrier[i, j] if np.isfinite(r.aligned_barrier[i, j])
                                              else r.barrier[i, j])
            d0 = r.distance[i, j, start]
            metrics[f"amplification_{tag}"] = float(r.final_distance[i, j] / d0) if d0 > 0 else np.nan
    arrays = dict(sigma=r.sigma, at=r.at, steps=r.steps, distance=r.distance, barrier=r.barrier,
                  aligned_barrier=r.aligned_barrier)
    return summary, metrics, arrays


def _sweep(tm, s):
    from .sweeps import catapults, lr_sweep

    points, steps = _positive("points", s["points"]), _positive("steps", s["steps"])
    lo, hi = float(s["lr_min"]), float(s["lr_max"])
    if not (0 < lo < hi):
        raise ValueError(f"lr_min and lr_max must satisfy 0 < lr_min < lr_max, got {lo} and {hi}")
    lrs = np.geomspace(lo, hi, points) if s["log"] else np.linspace(lo, hi, points)
    sw = lr_sweep(tm, lrs, steps=steps, keep=min(_positive("keep", s["keep"]), steps))
    cat = catapults(tm, sw)
    fin = lambda v: None if not np.isfinite(v) else float(v)
    rows = [dict(lr=float(a), period=int(p), exponent=fin(e), final_loss=fin(f), diverged=bool(d),
                 final_sharpness=fin(fs), catapult=bool(c))
            for a, p, e, f, d, fs, c in zip(sw.lr, sw.period, sw.exponent, sw.final_loss, sw.diverged,
                                            cat.final_sharpness, cat.catapult)]
    sens = float(sw.lr_sensitivity())
    chaotic = sw.lr[np.isfinite(sw.exponent) & (sw.exponent > 0)]
    metrics = dict(lr_sensitivity=sens, first_diverged_lr=float(sw.lr[sw.diverged][0]) if sw.diverged.any() else np.nan,
                   first_chaotic_lr=float(chaotic[0]) if chaotic.size else np.nan,
                   first_period_2_lr=float(sw.lr[sw.period == 2][0]) if np.any(sw.period == 2) else np.nan,
                   initial_sharpness=cat.initial_sharpness, catapults=float(cat.catapult.sum()),
                   first_catapult_lr=float(sw.lr[cat.catapult][0]) if cat.catapult.any() else np.nan)
    summary = dict(steps=steps, lr_sensitivity=sens, initial_sharpness=cat.initial_sharpness, rows=rows)
    arrays = dict(lr=sw.lr, orbit=sw.orbit[:, :, :1], exponent=sw.exponent, diverged=sw.diverged,
                  period=sw.period, final_loss=sw.final_loss, initial_loss=sw.initial_loss,
                  sizes=np.array([sw.steps, sw.keep, sw.window]))
    return summary, metrics, arrays


def _jacobian(tm, s):
    from .jacobian import jacobian_spectrum, training_jacobian

    steps, chunk = _positive("steps", s["steps"]), _positive("chunk", s["chunk"])
    t0 = time.perf_counter()
    J = training_jacobian(tm, steps, chunk=chunk)
    seconds = time.perf_counter() - t0
    spec = jacobian_spectrum(J, tol=s["tol"])
    sv = spec.singular_values
    summary = dict(lr=tm.lr, steps=steps, seconds=seconds, tol=s["tol"], chaotic=int(spec.chaotic), bulk=int(spec.bulk),
                   stable=int(spec.stable), largest=float(sv[0]), smallest=float(sv[-1]),
                   log_abs_det=float(spec.log_abs_det), singular_values=[float(v) for v in sv])
    metrics = dict(chaotic=float(spec.chaotic), bulk=float(spec.bulk), stable=float(spec.stable),
                   largest_singular_value=float(sv[0]), log_abs_det=float(spec.log_abs_det))
    return summary, metrics, dict(singular_values=sv, groups=np.array([spec.chaotic, spec.bulk, spec.stable]),
                                  tol=np.array([s["tol"]]))


def experiment_figure(kind: str, arrays: dict[str, np.ndarray]):
    """The figure of an experiment ``kind`` drawn from its ``arrays`` (:class:`Experiment`)."""
    a = arrays
    if kind == "sharpness":
        from .curvature import sharpness_figure

        run = SimpleNamespace(steps=a["steps"], loss=a["loss"][None], lr=a["lr"])
        return sharpness_figure(run, a["sharpness"], a.get("batch_sharpness"))
    if kind == "lyapunov":
        from .training import lyapunov_figure

        return lyapunov_figure(SimpleNamespace(local_rates=a["local_rates"][None]))
    if kind == "butterfly":
        from .twins import butterfly_figure

        return butterfly_figure(SimpleNamespace(**{k: a[k] for k in ("sigma", "at", "steps", "distance", "barrier",
                                                                       "aligned_barrier")}))
    if kind == "sweep":
        from .sweeps import LRSweep, bifurcation_figure

        steps, keep, window = (int(v) for v in a["sizes"])
        sweep = LRSweep(lr=a["lr"], orbit=a["orbit"], final_loss=a["final_loss"], diverged=a["diverged"],
                        exponent=a["exponent"], period=a["period"], initial_loss=a["initial_loss"], steps=steps,
                        keep=keep, window=window)
        return bifurcation_figure(sweep)
    if kind == "jacobian":
        from .jacobian import jacobian_figure

        return jacobian_figure(a["singular_values"], *(int(v) for v in a["groups"]))
    raise ValueError(f"unknown learning experiment {kind!r}; allowed: {', '.join(EXPERIMENTS)}")
