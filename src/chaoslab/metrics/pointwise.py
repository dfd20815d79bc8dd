r"""Pointwise forecast metrics: the 17 of the chaos forecasting benchmark (Gilpin 2021, 2023).

A forecast ``pred`` x̂ and the truth ``true`` x have shape (H, d) (H horizon steps, d coordinates),
a batch (W, H, d) of W windows, or (H,) for a single coordinate. Every metric is computed per
window; ``pointwise_metrics`` returns floats for one window and arrays of shape (W,) for a batch.
Below e = x̂ − x, means run over the H steps of a window (and over its d coordinates where
written ⟨·⟩_{t,i}), "per coordinate, averaged" means the metric is computed for each coordinate
i from its H values and the d results are averaged (darts' component mean).

====================  ==========================================================================
mse                   ⟨e²⟩_{t,i}
mae                   ⟨|e|⟩_{t,i}
rmse                  √mse
nrmse                 √⟨e_{ti}² / σ_i²⟩_{t,i}, σ_i² the variance of x_i over the window (dysts)
mape                  100 ⟨|e| / |x|⟩_{t,i}
smape                 200 ⟨|e| / (|x̂| + |x|)⟩_{t,i}  (= 200/H Σ_t …, averaged over coordinates)
wape                  100 Σ|e| / Σ|x|   (sums over t and i)
marre                 100 ⟨|e_i|⟩_t / (max_t x_i − min_t x_i), per coordinate, averaged
mase                  ⟨|e_i|⟩_t / ⟨|y_i(s) − y_i(s − m)|⟩_{s ≥ m} with y = ``train`` (in-sample
                      naive lag-m MAE), per coordinate, averaged; nan without ``train``
ope                   100 |Σ_t e_i| / |Σ_t x_i|, per coordinate, averaged (darts' overall
                      percentage error)
r2_score              1 − Σ_t e_i² / Σ_t (x_i − x̄_i)², per coordinate, averaged
coefficient_of_variation
                      100 √⟨e_i²⟩_t / x̄_i, per coordinate, averaged (darts: RMSE over the mean
                      of the truth; signed like x̄_i)
rmsle                 √⟨(log(1 + x̂' ) − log(1 + x'))²⟩_{t,i}, x' = x − c_i, x̂' = x̂ − c_i,
                      c_i = min(0, min_t x_i, min_t x̂_i): one common shift per coordinate makes
                      both series non-negative (no shift for non-negative data, where this is
                      darts' RMSLE; unlike dysts, which shifts each series by its own minimum and
                      so hides a constant offset)
pearson               Pearson r of (x_i, x̂_i) over t, per coordinate, averaged
spearman              Pearson r of the ranks (average ranks for ties), per coordinate, averaged
kendall               Kendall τ_b over t, per coordinate, averaged
mutual_information    Kraskov–Stögbauer–Grassberger estimate (algorithm 1, k = 3 neighbours,
                      max-norm, each variable scaled to unit variance, clipped at 0, in nats) of
                      I(x_i; x̂_i) over the H pairs, per coordinate, averaged (dysts uses the same
                      estimator through scikit-learn's ``mutual_info_regression``)
====================  ==========================================================================

Division by zero gives nan, never an epsilon: mape when some x = 0; wape when Σ|x| = 0; marre
when a coordinate's range is 0; mase when the naive error of ``train`` is 0; ope when Σ_t x_i = 0;
r2_score, nrmse, the correlations and the mutual information when a coordinate of the truth (or,
for correlations and MI, of the forecast) is constant over the window; coefficient_of_variation
when x̄_i = 0. A coordinate giving nan makes the average nan. The one 0/0 defined is the sMAPE
term with x̂ = x = 0, taken as 0 (a perfect forecast). No warnings are emitted.

Inputs must be finite: a NaN or inf in ``pred`` or ``true`` raises a one-line ValueError naming
its position. A diverged rollout is scored by ``chaoslab.metrics.horizon`` (its non-finite steps
end the valid prediction time) and counted by ``chaoslab.metrics.dynamical.divergence_fraction``.
A diverged forecast window is a failure, scored with ``DIVERGED_VALUES`` (never dropped, never a
NaN): sMAPE 200 (its limit as |x̂| grows without bound), the error metrics +inf, r2_score −inf,
the correlations and the mutual information 0 (no skill); ``chaoslab.forecast.evaluate`` applies
them.

``metrics_by_step`` gives the error-type metrics as functions of the horizon step (mse, mae, rmse,
nrmse, mape, smape, wape, marre, mase, rmsle: the same formulas with the mean over t dropped,
using the window's σ_i, range, naive error and shift); the other seven need variation over time
and have no per-step value.

References: W. Gilpin, "Chaos as an interpretable benchmark for forecasting and data-driven
modelling", NeurIPS Datasets and Benchmarks (2021), metrics from darts (Herzen et al., JMLR 23,
2022); W. Gilpin, "Model scale versus domain knowledge in statistical forecasting of chaotic
systems", Phys. Rev. Research 5, 043252 (2023), metrics from ``dysts.metrics.compute_metrics``;
Hyndman & Koehler, Int. J. Forecast. 22, 679 (2006) (MASE); Kraskov, Stögbauer & Grassberger,
Phys. Rev. E 69, 066138 (2004) (mutual information).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import special, stats
from scipy.spatial import cKDTree

__all__ = ["METRICS", "STEP_METRICS", "DIVERGED_VALUES", "pointwise_metrics", "metrics_by_step"]

METRICS = ("mse", "mae", "rmse", "nrmse", "mape", "smape", "wape", "marre", "mase", "ope", "r2_score",
           "coefficient_of_variation", "rmsle", "pearson", "spearman", "kendall", "mutual_information")
STEP_METRICS = ("mse", "mae", "rmse", "nrmse", "mape", "smape", "wape", "marre", "mase", "rmsle")
# the score of a window whose forecast diverged (module docstring): the worst value of each metric
DIVERGED_VALUES = {m: np.inf for m in METRICS} | dict(smape=200.0, r2_score=-np.inf, pearson=0.0, spearman=0.0,
                                                     kendall=0.0, mutual_information=0.0)
_MI_NEIGHBOURS = 3


# ---------------------------------------------------------------------------- input checks
def _check_positive(value, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number ({what}), got {value!r}")
    return float(value)


def _where(a: np.ndarray, bad: np.ndarray) -> str:
    """'window w, step k, dim i' of the first True of ``bad`` in a (W, H, d) or (H, d) array."""
    idx = tuple(int(j) for j in np.argwhere(bad)[0])
    names = {1: ("step",), 2: ("step", "dim"), 3: ("window", "step", "dim")}.get(a.ndim)
    names = names or [f"axis {j}" for j in range(a.ndim)]
    return ", ".join(f"{n} {j}" for n, j in zip(names, idx))


def _check_finite(a: np.ndarray, name: str, hint: str = "") -> None:
    if not np.all(np.isfinite(a)):
        kind = "NaN" if np.isnan(a).any() else "inf"
        bad = np.isnan(a) if kind == "NaN" else np.isinf(a)
        raise ValueError(f"{name} contains {kind} at {_where(a, bad)}; allowed: finite values{hint}")


def _as_array(x, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}") from None


def _pair(true, pred, *, finite_pred: bool = True):
    """(true, pred) as float arrays (W, H, d) and whether the input was a batch. Raises a one-line
    ValueError on a shape mismatch, a bad rank, or non-finite truth (and pred, if ``finite_pred``)."""
    t, p = _as_array(true, "true"), _as_array(pred, "pred")
    if t.shape != p.shape:
        raise ValueError(f"true and pred must have the same shape, got {t.shape} and {p.shape}")
    if t.ndim not in (1, 2, 3) or t.size == 0:
        raise ValueError(f"true and pred must have shape (H,), (H, d) or (W, H, d) with H, d >= 1, got {t.shape}")
    _check_finite(t, "true")
    if finite_pred:
        _check_finite(p, "pred", " (for a diverged rollout use chaoslab.metrics.horizon)")
    batched = t.ndim == 3
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    if t.ndim == 2:
        t, p = t[None], p[None]
    return t, p, batched


def _naive_scale(train, m, d: int, W: int) -> np.ndarray:
    """In-sample naive lag-m MAE of ``train`` per window and coordinate, shape (W, 1, d)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a positive integer (the naive-forecast lag), got {m!r}")
    y = _as_array(train, "train")
    y = y[:, None] if y.ndim == 1 else y
    if y.ndim not in (2, 3) or y.shape[-1] != d or (y.ndim == 3 and y.shape[0] != W):
        raise ValueError(f"train must have shape (T, {d}) or ({W}, T, {d}), got {np.shape(train)}")
    if y.shape[-2] <= m:
        raise ValueError(f"train of {y.shape[-2]} points is too short for a lag-{m} naive forecast: need more than {m}")
    _check_finite(y, "train")
    s = np.mean(np.abs(y[..., m:, :] - y[..., :-m, :]), axis=-2)
    return np.broadcast_to(s, (W, d))[:, None, :]


# ---------------------------------------------------------------------------- helpers
def _div(a, b):
    """a / b with nan wherever b == 0 (no warnings)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))


def _corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r along axis 1 of (W, H, d) arrays: (W, d), nan for a constant series."""
    da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    return _div(np.sum(da * db, axis=1), np.sqrt(np.sum(da**2, axis=1) * np.sum(db**2, axis=1)))


def _kendall(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.full(a.shape[::2], np.nan)
    for w in range(a.shape[0]):
        for i in range(a.shape[2]):
            if np.ptp(a[w, :, i]) > 0 and np.ptp(b[w, :, i]) > 0:
                out[w, i] = stats.kendalltau(a[w, :, i], b[w, :, i]).statistic
    return out


def _ksg(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """KSG estimate (algorithm 1) of I(x; y) in nats for two 1-D samples, clipped at 0."""
    n = x.size
    sx, sy = x.std(), y.std()
    if sx == 0 or sy == 0 or n <= k:
        return np.nan
    x, y = x / sx, y / sy
    eps = cKDTree(np.column_stack([x, y])).query(np.column_stack([x, y]), k=k + 1, p=np.inf)[0][:, -1]
    r = eps * (1.0 - 1e-10)  # strictly closer than the k-th joint neighbour, robust to rounding
    nx = cKDTree(x[:, None]).query_ball_point(x[:, None], r, p=np.inf, return_length=True) - 1
    ny = cKDTree(y[:, None]).query_ball_point(y[:, None], r, p=np.inf, return_length=True) - 1
    mi = special.digamma(k) + special.digamma(n) - np.mean(special.digamma(nx + 1) + special.digamma(ny + 1))
    return max(0.0, float(mi))


def _log_shifted(t: np.ndarray, p: np.ndarray):
    c = np.minimum(0.0, np.minimum(t.min(axis=1, keepdims=True), p.min(axis=1, keepdims=True)))
    return np.log1p(t - c), np.log1p(p - c)


def _out(d: dict, batched: bool) -> dict:
    return {k: (v if batched else (float(v[0]) if v.ndim == 1 else v[0])) for k, v in d.items()}


# ---------------------------------------------------------------------------- entry points
def pointwise_metrics(true, pred, *, train=None, m: int = 1, mi_neighbours: int = _MI_NEIGHBOURS) -> dict:
    """The 17 pointwise metrics (module docstring) of a forecast ``pred`` against ``true``.

    true, pred: finite arrays of the same shape (H,), (H, d) or (W, H, d).
    train: the series the model was fitted on, (T, d) shared by all windows or (W, T, d) one per
        window; only MASE uses it (its scale is the in-sample naive lag-``m`` MAE), nan without it.
    m: the naive-forecast lag of MASE (1: persistence; a seasonal period in steps otherwise).
    mi_neighbours: k of the KSG mutual-information estimator (default 3, as scikit-learn).

    Returns {name: float} for one window, {name: array (W,)} for a batch, keys in ``METRICS``.
    """
    t, p, batched = _pair(true, pred)
    W, H, d = t.shape
    if isinstance(mi_neighbours, bool) or not isinstance(mi_neighbours, (int, np.integer)) or mi_neighbours < 1:
        raise ValueError(f"mi_neighbours must be a positive integer, got {mi_neighbours!r}")
    e, ae = p - t, np.abs(p - t)
    tm = t.mean(axis=1)
    mse_i = np.mean(e**2, axis=1)  # (W, d)
    lt, lp = _log_shifted(t, p)
    r = {
        "mse": mse_i.mean(axis=1),
        "mae": ae.mean(axis=(1, 2)),
        "rmse": np.sqrt(mse_i.mean(axis=1)),
        "nrmse": np.sqrt(np.mean(_div(mse_i, t.var(axis=1)), axis=1)),
        "mape": 100.0 * np.mean(_div(ae, np.abs(t)), axis=(1, 2)),
        "smape": 200.0 * np.mean(np.nan_to_num(_div(ae, np.abs(p) + np.abs(t))), axis=(1, 2)),
        "wape": 100.0 * _div(ae.sum(axis=(1, 2)), np.abs(t).sum(axis=(1, 2))),
        "marre": 100.0 * np.mean(_div(ae.mean(axis=1), np.ptp(t, axis=1)), axis=1),
        "mase": (np.full(W, np.nan) if train is None
                 else np.mean(_div(ae.mean(axis=1), _naive_scale(train, m, d, W)[:, 0]), axis=1)),
        "ope": 100.0 * np.mean(_div(np.abs(e.sum(axis=1)), np.abs(t.sum(axis=1))), axis=1),
        "r2_score": np.mean(1.0 - _div(np.sum(e**2, axis=1), np.sum((t - tm[:, None]) ** 2, axis=1)), axis=1),
        "coefficient_of_variation": 100.0 * np.mean(_div(np.sqrt(mse_i), tm), axis=1),
        "rmsle": np.sqrt(np.mean((lp - lt) ** 2, axis=(1, 2))),
        "pearson": _corr(t, p).mean(axis=1),
        "spearman": _corr(stats.rankdata(t, axis=1), stats.rankdata(p, axis=1)).mean(axis=1),
        "kendall": _kendall(t, p).mean(axis=1),
        "mutual_information": np.array([np.mean([_ksg(t[w, :, i], p[w, :, i], int(mi_neighbours)) for i in range(d)])
                                        for w in range(W)]),
    }
    return _out(r, batched)


def metrics_by_step(true, pred, *, train=None, m: int = 1) -> dict:
    """The error-type metrics as functions of the horizon step (``STEP_METRICS``): at step k the
    module-docstring formulas with the time mean dropped, averaged over the d coordinates (wape:
    sums over coordinates). nrmse, marre and rmsle use the window's σ_i, range and log shift; mase
    uses ``train`` as in ``pointwise_metrics`` (nan without it).

    Returns {name: array (H,)} for one window, {name: array (W, H)} for a batch.
    """
    t, p, batched = _pair(true, pred)
    W, H, d = t.shape
    e2, ae = (p - t) ** 2, np.abs(p - t)
    lt, lp = _log_shifted(t, p)
    r = {
        "mse": e2.mean(axis=2),
        "mae": ae.mean(axis=2),
        "rmse": np.sqrt(e2.mean(axis=2)),
        "nrmse": np.sqrt(np.mean(_div(e2, t.var(axis=1, keepdims=True)), axis=2)),
        "mape": 100.0 * np.mean(_div(ae, np.abs(t)), axis=2),
        "smape": 200.0 * np.mean(np.nan_to_num(_div(ae, np.abs(p) + np.abs(t))), axis=2),
        "wape": 100.0 * _div(ae.sum(axis=2), np.abs(t).sum(axis=2)),
        "marre": 100.0 * np.mean(_div(ae, np.ptp(t, axis=1, keepdims=True)), axis=2),
        "mase": (np.full((W, H), np.nan) if train is None
                 else np.mean(_div(ae, _naive_scale(train, m, d, W)), axis=2)),
        "rmsle": np.sqrt(np.mean((lp - lt) ** 2, axis=2)),
    }
    return _out(r, batched)
