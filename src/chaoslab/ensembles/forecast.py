"""Ensemble forecasts of the true system and of learned models, and their scores.

``ensemble_forecast`` is the perfect-model experiment: ``cases`` truths start from their own
points on the attractor (seeded); each gets an ensemble of ``members`` from the chosen
perturbation (``perturbations.py``) plus a common analysis error — an isotropic Gaussian draw of
the same amplitude that shifts the whole ensemble off the truth, as a real analysis is off the
truth — so that, for Gaussian perturbations, the truth is statistically one more member.
Optionally each member also gets its own parameters (``param_spread``: a model perturbation).
All cases and members run in one compiled, vmapped call.

``learned_ensemble`` does the same for fitted ``Forecaster``s: several models (seeds,
checkpoints), each forecasting from contexts with observation-like Gaussian noise, or drawing
from ``sample`` where the model has one.

``score_ensemble`` turns members (cases, M, H, d) and truths (cases, H, d) into scores per lead
time (CRPS, energy score, ensemble-mean RMSE, spread, spread–skill ratio) and summaries (rank
histogram with its flatness test over lead times a Lyapunov time apart, reliability of the event "above the climatological mean +
one standard deviation" for each variable, tail-event coverage). Members that diverged are
left out and counted, never scored as NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..analysis.attractor import attractor_statistics, leading_exponent
from ..analysis.lyapunov import lyapunov_time
from ..integrate.api import as_system, ensemble, output_dt
from ..metrics import probabilistic as pm
from ..systems.base import resolve_name
from .perturbations import PERTURBATIONS, _check_amplitude, check_members, parameter_ensemble, perturb

__all__ = ["EnsembleForecast", "EnsembleScores", "ensemble_forecast", "learned_ensemble", "score_ensemble"]


@dataclass
class EnsembleScores:
    """Per lead time (arrays of length H) and summaries; see the module docstring."""

    t: np.ndarray
    crps: np.ndarray  # mean over cases and variables
    energy: np.ndarray  # mean over cases
    rmse: np.ndarray  # of the ensemble mean, over cases and variables
    spread: np.ndarray  # sqrt of the mean unbiased ensemble variance
    spread_skill: np.ndarray
    rank_histogram: pm.RankHistogram
    reliability: list[pm.Reliability]
    tail: pm.TailCoverage
    valid_members: int
    diverged_members: int
    cases_scored: int

    def summary(self, lyapunov_time: float | None = None) -> dict[str, Any]:
        """JSON-ready: scores at a few lead times, the whole-horizon spread–skill and tests."""
        H = len(self.t)
        picks = sorted({0, H // 4, H // 2, (3 * H) // 4, H - 1})
        lead = lambda i: float(self.t[i]) / lyapunov_time if lyapunov_time and math.isfinite(lyapunov_time) else float(self.t[i])
        return {
            "lead_unit": "Lyapunov times" if lyapunov_time and math.isfinite(lyapunov_time) else "time",
            "leads": [lead(i) for i in picks],
            "crps": [float(self.crps[i]) for i in picks],
            "energy_score": [float(self.energy[i]) for i in picks],
            "rmse_of_mean": [float(self.rmse[i]) for i in picks],
            "spread": [float(self.spread[i]) for i in picks],
            "spread_skill": [float(self.spread_skill[i]) for i in picks],
            "mean_crps": float(np.mean(self.crps)),
            "rank_histogram": self.rank_histogram.counts.tolist(),
            "rank_histogram_p_value": self.rank_histogram.p_value,
            "brier_score": [r.brier_score for r in self.reliability],
            "tail_events": self.tail.events,  # with no tail event there is no coverage to report (None)
            "tail_covered": self.tail.covered if self.tail.events else None,
            "tail_anticipated": self.tail.anticipated if self.tail.events else None,
            "valid_members": self.valid_members, "diverged_members": self.diverged_members,
            "cases_scored": self.cases_scored,
        }


def score_ensemble(members, truth, dt: float, clim_mean, clim_std, *, valid=None, seed: int = 0,
                   rank_stride: int | None = None) -> EnsembleScores:
    """Scores of members (C, M, H, d) against truth (C, H, d); ``valid`` (C, M) marks members to
    use (default: those that stayed finite). Cases with fewer than 2 valid members are skipped.
    The rank histogram takes the lead times ``rank_stride`` steps apart, counted back from the
    last (default: five of them)."""
    X = np.asarray(members, dtype=float)
    Y = np.asarray(truth, dtype=float)
    if X.ndim != 4 or Y.shape != (X.shape[0], *X.shape[2:]):
        raise ValueError(f"members must be (cases, M, H, d) and truth (cases, H, d); got {X.shape} and {Y.shape}")
    finite = np.all(np.isfinite(X), axis=(2, 3))
    valid = finite if valid is None else (np.asarray(valid, dtype=bool) & finite)
    cases = [c for c in range(X.shape[0]) if valid[c].sum() >= 2 and np.all(np.isfinite(Y[c]))]
    if not cases:
        raise ValueError("no case has 2 or more members that stayed finite: nothing to score")
    H, d = X.shape[2], X.shape[3]
    crps_c, es_c, err2, var_c = [], [], [], []
    ranks_y, ranks_x = [], []
    # for the rank histogram all cases need the same member count: use the smallest valid count
    m_rank = int(min(valid[c].sum() for c in cases))
    for c in cases:
        e = X[c, valid[c]]  # (m, H, d)
        crps_c.append(pm.crps(Y[c], e).mean(axis=-1))
        es_c.append(pm.energy_score(Y[c], e))
        err2.append(((e.mean(axis=0) - Y[c]) ** 2).mean(axis=-1))
        var_c.append(e.var(axis=0, ddof=1).mean(axis=-1))
        ranks_y.append(Y[c])
        ranks_x.append(e[:m_rank])
    m_eff = np.array([valid[c].sum() for c in cases], dtype=float)
    mse, var = np.mean(err2, axis=0), np.mean(var_c, axis=0)
    corr = np.mean((m_eff + 1) / m_eff)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mse > 0, np.sqrt(corr * var / mse), np.nan)
    Yr, Xr = np.stack(ranks_y), np.stack(ranks_x, axis=1)  # (C, H, d), (m, C, H, d)
    # ranks at lead times ``rank_stride`` apart only: neighbouring lead times of one case are
    # nearly the same sample, and the flatness test assumes independent ones
    stride = max(1, int(rank_stride)) if rank_stride else max(1, H // 5)
    leads = np.arange(H - 1, -1, -stride)[::-1]
    rh = pm.rank_histogram(Yr[:, leads], Xr[:, :, leads], seed=seed)
    mu, sd = np.asarray(clim_mean, dtype=float), np.asarray(clim_std, dtype=float)
    rel = [pm.reliability(Yr[..., j], Xr[..., j], float(mu[j] + sd[j])) for j in range(d)]
    tail = pm.tail_coverage(Yr, Xr, mu, sd)
    return EnsembleScores(np.arange(1, H + 1) * dt, np.mean(crps_c, axis=0), np.mean(es_c, axis=0), np.sqrt(mse),
                          np.sqrt(var), ratio, rh, rel, tail, int(valid[cases].sum()),
                          int((~valid).sum()), len(cases))


@dataclass
class EnsembleForecast:
    """Members (cases, M, H, d) and truths (cases, H, d) at lead times ``t`` (H,)."""

    system: str
    kind: str
    amplitude: float
    t: np.ndarray
    members: np.ndarray
    truth: np.ndarray
    valid: np.ndarray
    dt: float
    lyapunov_time: float
    clim_mean: np.ndarray
    clim_std: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def scores(self, seed: int = 0) -> EnsembleScores:
        """Scores; the rank histogram over lead times one Lyapunov time apart (decorrelated)."""
        stride = int(round(self.lyapunov_time / self.dt)) if math.isfinite(self.lyapunov_time) else None
        return score_ensemble(self.members, self.truth, self.dt, self.clim_mean, self.clim_std, valid=self.valid,
                              seed=seed, rank_stride=stride)


def ensemble_forecast(system, members: int = 20, *, perturbation: str = "gaussian", amplitude: float | None = None,
                      cases: int = 10, lyapunov_times: float = 5.0, granularity: float = 20.0, seed: int = 0,
                      params: Mapping[str, Any] | None = None, param_spread: float | None = None,
                      param_names: Sequence[str] | None = None, analysis_error: bool = True,
                      relative_amplitude: float = 0.01, **options) -> EnsembleForecast:
    """The perfect-model ensemble experiment of the module docstring. ``amplitude`` defaults to
    ``relative_amplitude`` (1 %) of the attractor's spread (RMS norm); ``lyapunov_times`` is the lead time in Lyapunov
    times (periods if the system is not chaotic); ``options`` go to the perturbation (cycles, interval, k, ...)."""
    from ..data import sample_initial_conditions

    system = as_system(system)
    kind = resolve_name(perturbation, PERTURBATIONS, "perturbation")
    members = check_members(members)
    if isinstance(cases, bool) or not isinstance(cases, (int, np.integer)) or cases < 1:
        raise ValueError(f"cases must be an integer >= 1, got {cases!r}")
    if isinstance(lyapunov_times, bool) or not (isinstance(lyapunov_times, (int, float)) and 0 < lyapunov_times < math.inf):
        raise ValueError(f"lyapunov_times must be a number > 0 (the lead time in Lyapunov times), got {lyapunov_times!r}")
    clim = attractor_statistics(system, params)
    mu, sd = clim.mean, clim.std
    amplitude = _check_amplitude(relative_amplitude) * clim.scale if amplitude is None else _check_amplitude(amplitude)
    lt = lyapunov_time(leading_exponent(system, params))
    p = system.resolve_params(params)
    dt = 1.0 if system.discrete else output_dt(system, None, granularity, p)
    unit = lt if math.isfinite(lt) else (1.0 if system.discrete else dt * granularity)
    H = max(1, int(math.ceil(lyapunov_times * unit / dt)))
    truths0 = sample_initial_conditions(system, cases, seed=seed, params=params)
    rng = np.random.default_rng([seed, 1])
    starts, truth_starts, t1, info = [], [], 0.0, {}
    for c in range(cases):
        ie = perturb(system, truths0[c], members, kind, amplitude, seed=seed * 100_003 + c, params=params, **options)
        err = amplitude / math.sqrt(system.dim) * rng.standard_normal(system.dim) if analysis_error else 0.0
        starts.append(ie.x0 + err)
        truth_starts.append(ie.control)
        t1 = ie.t0
        if c == 0:
            info = {k: v for k, v in ie.history.items() if k in ("exponents", "growth")}
    X0 = np.concatenate([np.stack(truth_starts), np.concatenate(starts)])  # truths first
    batch = None
    if param_spread is not None:
        drawn = parameter_ensemble(system, cases * members, param_spread, names=param_names, seed=seed)
        batch = {k: np.concatenate([np.full(cases, float(p[k])), v]) for k, v in drawn.items()}
        if params:
            batch.update({k: np.full(len(X0), float(v)) for k, v in params.items() if k not in batch})
    run = ensemble(system, H + 1, x0=X0, dt=None if system.discrete else dt, t0=t1,
                   params=batch if batch is not None else params)
    x = run.x[:, 1:]
    truth = x[:cases]
    mem = x[cases:].reshape(cases, members, H, system.dim)
    valid = run.valid[cases:].reshape(cases, members)
    if not run.valid[:cases].all():
        raise ValueError(f"{system.name}: a truth trajectory diverged; the system or its parameters are unstable")
    return EnsembleForecast(system.name, kind, amplitude, np.arange(1, H + 1) * dt, mem, truth, valid, dt, lt, mu, sd,
                            info | {"scale": clim.scale})


def learned_ensemble(models, context, horizon: int, *, noise: float = 0.0, per_model: int = 1, seed: int = 0,
                     sample: bool = False) -> np.ndarray:
    """Members (W, K * per_model, horizon, d) from K fitted Forecasters: each forecasts every
    context window (W, c, d) ``per_model`` times, from the context plus independent Gaussian noise
    of standard deviation ``noise`` on every point (initial-condition perturbation), or — with
    ``sample=True`` — by drawing ``per_model`` samples from a probabilistic model. Seeded."""
    models = list(models)
    if not models:
        raise ValueError("learned_ensemble needs at least one fitted model")
    ctx = np.asarray(context, dtype=float)
    if ctx.ndim != 3:
        raise ValueError(f"context must be (windows, time, dim), got {ctx.shape}")
    if noise < 0 or not math.isfinite(noise):
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    if isinstance(per_model, bool) or not isinstance(per_model, (int, np.integer)) or per_model < 1:
        raise ValueError(f"per_model must be an integer >= 1, got {per_model!r}")
    if len(models) * per_model < 2:
        raise ValueError("an ensemble needs at least 2 members: give several models or per_model >= 2")
    rng = np.random.default_rng(seed)
    out = []
    for i, m in enumerate(models):
        if sample:
            if not m.probabilistic():
                raise ValueError(f"model '{m.name}' has no sample(); use noise= for initial-condition perturbations")
            out.append(m.sample(ctx, horizon, per_model, seed=seed * 1009 + i))
            continue
        reps = []
        for _ in range(per_model):
            c = ctx + noise * rng.standard_normal(ctx.shape) if noise > 0 else ctx
            with np.errstate(all="ignore"):
                reps.append(np.asarray(m.predict(c, horizon), dtype=float))
        out.append(np.stack(reps, axis=1))
    return np.concatenate(out, axis=1)
