r"""How long a forecast stays valid: normalised error, valid prediction time (VPT), sMAPE VPT.

Step convention: a forecast ``pred[k]`` (k = 0 … H−1) is the state at lead time t_k = (k + 1) dt
after the last observed state. Both VPTs are

    k* = the first k at which the forecast is invalid (H if it never is),
    VPT = k* dt   (= t_{k*−1}, the lead time of the last valid step; 0 if the first step is
                   already invalid; H dt, the whole horizon, for a forecast valid throughout).

* ``valid_prediction_time``: step k is invalid when e(t_k) > ε (ε = 0.4 by default), with the
  normalised error (design notes, "Definitions used everywhere")

      e(t) = ‖x̂(t) − x(t)‖₂ / s,   s = √⟨‖x − ⟨x⟩‖²⟩ (``attractor_scale`` of a long trajectory:
                                     the root-mean-square distance of the attractor from its mean).

* ``smape_vpt``: step k is invalid when the running sMAPE of the steps 0 … k exceeds 30, the
  convention of the chaos forecasting benchmark (Gilpin 2023; ``vpt_smape`` of the dysts tools,
  which thresholds the sMAPE of growing prefixes of the forecast at 30). ``running=False``
  thresholds the sMAPE of step k alone instead.

A non-finite prediction (NaN or inf: a diverged rollout) is invalid at that step in both, so a
diverged rollout's VPT ends at its divergence; ``normalised_error`` reports it as +inf. The truth
must be finite. Times convert to Lyapunov times (t λ₁) and periods (t / T) with
``in_lyapunov_times`` and ``in_periods``.
"""

from __future__ import annotations

import numpy as np

from .pointwise import _as_array, _check_finite, _check_positive, _pair

__all__ = ["attractor_scale", "normalised_error", "valid_prediction_time", "running_smape", "smape_vpt",
           "in_lyapunov_times", "in_periods"]


def attractor_scale(x) -> float:
    """s = √⟨‖x − ⟨x⟩‖²⟩ = √(Σ_i Var x_i) of a long trajectory (T, d), or of a batch (N, T, d) of
    trajectories on the same attractor, pooled (one mean over all N T states)."""
    a = _as_array(x, "x")
    if a.ndim not in (2, 3) or a.shape[-2] < 2:
        raise ValueError(f"x must be a trajectory (T, d) or a batch (N, T, d) with T >= 2, got shape {a.shape}")
    _check_finite(a, "x")
    a = a.reshape(-1, a.shape[-1])
    s = float(np.sqrt(np.sum(a.var(axis=0))))
    if s == 0:
        raise ValueError("x does not move (a fixed point): its attractor scale is 0, so no normalised error")
    return s


def _scale(scale, W: int) -> np.ndarray:
    s = np.asarray(scale, dtype=float) if not isinstance(scale, bool) else np.array(np.nan)
    if s.ndim > 1 or (s.ndim == 1 and s.shape != (W,)) or not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"scale must be a positive number (or one per window, shape ({W},)), got {scale!r}")
    return s.reshape(-1, 1) if s.ndim == 1 else s


def normalised_error(true, pred, scale) -> np.ndarray:
    """e(t_k) = ‖x̂ − x‖₂ / scale per step: shape (H,) for (H, d) input, (W, H) for (W, H, d).
    ``scale`` (``attractor_scale`` of a long true trajectory) is a positive number or one per
    window. Steps where the prediction is not finite give +inf."""
    t, p, batched = _pair(true, pred, finite_pred=False)
    bad = ~np.all(np.isfinite(p), axis=2)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.linalg.norm(np.where(np.isfinite(p), p, 0.0) - t, axis=2) / _scale(scale, t.shape[0])
    e = np.where(bad, np.inf, e)
    return e if batched else e[0]


def _first_invalid(invalid: np.ndarray) -> np.ndarray:
    """k*: index of the first True along axis 1 of (W, H), H where none."""
    return np.where(invalid.any(axis=1), np.argmax(invalid, axis=1), invalid.shape[1])


def valid_prediction_time(true, pred, dt: float, *, scale, eps: float = 0.4):
    """VPT = k* dt with k* the first step where e(t_k) > ``eps`` or the prediction is not finite
    (module docstring): H dt for a forecast valid throughout. A float for one window (H, d),
    an array (W,) for a batch (W, H, d)."""
    dt = _check_positive(dt, "dt", "the time step between forecast steps")
    eps = _check_positive(eps, "eps", "the normalised-error threshold, e.g. 0.4")
    e = normalised_error(true, pred, scale)
    k = _first_invalid(np.atleast_2d(e) > eps) * dt
    return k if e.ndim == 2 else float(k[0])


def running_smape(true, pred) -> np.ndarray:
    """sMAPE of the growing prefixes: r_k = 200 / ((k + 1) d) Σ_{j≤k} Σ_i |x̂ − x| / (|x̂| + |x|)
    (a 0/0 term counts 0), shape (H,) or (W, H); inf from the first non-finite prediction on."""
    t, p, batched = _pair(true, pred, finite_pred=False)
    r = _smape_steps(t, p)
    r = np.cumsum(r, axis=1) / np.arange(1, r.shape[1] + 1)
    r = np.where(np.cumsum(~np.all(np.isfinite(p), axis=2), axis=1) > 0, np.inf, r)
    return r if batched else r[0]


def _smape_steps(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-step sMAPE averaged over coordinates, (W, H); non-finite predictions give 200."""
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.abs(p - t) / (np.abs(p) + np.abs(t))
    q = np.where(np.isfinite(p), np.nan_to_num(q, nan=0.0), 1.0)
    return 200.0 * q.mean(axis=2)


def smape_vpt(true, pred, dt: float, threshold: float = 30.0, *, running: bool = True):
    """VPT = k* dt with k* the first step where the sMAPE exceeds ``threshold`` (default 30), or
    the prediction is not finite: the running sMAPE of steps 0 … k (Gilpin 2023, default) or, with
    ``running=False``, the sMAPE of step k alone. A float for (H, d), an array (W,) for (W, H, d)."""
    dt = _check_positive(dt, "dt", "the time step between forecast steps")
    threshold = _check_positive(threshold, "threshold", "an sMAPE in percent, 0 to 200")
    t, p, batched = _pair(true, pred, finite_pred=False)
    s = _smape_steps(t, p)
    if running:
        s = np.cumsum(s, axis=1) / np.arange(1, s.shape[1] + 1)
    k = _first_invalid((s > threshold) | ~np.all(np.isfinite(p), axis=2)) * dt
    return k if batched else float(k[0])


def in_lyapunov_times(t, lyapunov_exponent: float):
    """t λ₁: a time (or array of times) in Lyapunov times τ_λ = 1 / λ₁, λ₁ > 0."""
    lam = _check_positive(lyapunov_exponent, "lyapunov_exponent", "the largest exponent λ₁ > 0 of a chaotic system")
    return np.asarray(t, dtype=float) * lam if np.ndim(t) else float(t) * lam


def in_periods(t, period: float):
    """t / T: a time (or array of times) in characteristic periods T > 0."""
    T = _check_positive(period, "period", "the characteristic period")
    return np.asarray(t, dtype=float) / T if np.ndim(t) else float(t) / T
