r"""Long-run (climate) metrics: does a free-running model reproduce the attractor?

They compare a long free-running rollout ``pred`` with a long true trajectory ``true`` (no
pointwise alignment): each is (T, d) or a batch (N, T, d) whose states are pooled (the lengths of
``true`` and ``pred`` may differ; d must agree).

* ``histogram_kl``: D_KL(P ‖ Q) = Σ_j p_j log(p_j / q_j) (nats) between histograms of the true
  (P) and predicted (Q) invariant measures, averaged over the d marginals (``kind="marginal"``)
  or over the d(d−1)/2 two-dimensional projections (``kind="joint2d"``, bins × bins cells).
  The grid spans the range of the truth padded by ``pad`` of its width on each side; one extra
  overflow cell collects the predicted states outside it (and non-finite ones), so mass that
  leaves the attractor counts. Empty cells are smoothed by adding ``alpha`` (default 1/2, the
  Krichevsky–Trofimov / Jeffreys pseudo-count) to every cell of both histograms before
  normalising: p_j = (n_j + α) / (N + α B). The plug-in estimate is biased upwards by about
  (B − 1) / (2 N) for two samples of the same measure; compare models at equal sample sizes.
* ``sliced_wasserstein``: SW_p = (E_θ W_p^p(θ·X, θ·Y))^{1/p}, θ uniform on the unit sphere
  (``n_projections`` seeded Gaussian directions, normalised), W_p the exact 1-D Wasserstein
  distance between the empirical projected distributions (quantile functions: sorted samples,
  merged over the union of the quantile levels i/n and j/m when n ≠ m). For a pure shift δ,
  W_1(θ) = |θ·δ| and SW_1 = |δ| E|θ₁| = |δ| Γ(d/2) / (√π Γ((d+1)/2)) (1, 2/π, 1/2 for d = 1, 2, 3).
* ``power_spectrum_distance``: the Hellinger distance H(p, q) = √(1 − Σ_f √(p_f q_f))
  = √(½ Σ_f (√p_f − √q_f)²) ∈ [0, 1]
  between the Welch spectra (``chaoslab.analysis.spectra.power_spectrum``, common segment length,
  averaged over the N trajectories) of each coordinate, normalised to unit sum, averaged over
  coordinates. Normalising compares where the power sits (the frequencies of the dynamics),
  not how much there is (the amplitude, which the histograms measure). Hellinger rather than a
  log-spectral distance or KL because it is bounded, symmetric, a metric, and finite when one
  spectrum has (numerically) no power where the other has some; a log-spectral distance is
  dominated by the noise floor at frequencies above the dynamics' band. A coordinate with no power in one
  series counts 1 (both: 0).
* The one divergence rule of forecasts (``diverged_states``): a state has diverged when it is not
  finite or ‖x − mean‖₂ > ``DIVERGENCE_SCALES`` (100) × scale, with ``mean`` and ``scale``
  (``attractor_scale``) those of the attractor, or of the training data. A rollout has diverged
  from its first such state on: ``divergence_mask`` / ``divergence_fraction`` flag rollouts that
  have one, ``nan_from_divergence`` sets every state from it on to NaN (how every Forecaster's
  ``predict`` and ``sample`` report a blow-up). ``xp=jax.numpy`` gives the same rule inside
  compiled code.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np
from scipy import special

from ..analysis.spectra import power_spectrum
from ..systems.base import resolve_name
from .pointwise import _as_array, _check_finite, _check_positive

__all__ = ["histogram_kl", "sliced_wasserstein", "power_spectrum_distance", "DIVERGENCE_SCALES", "diverged_states",
           "divergence_mask", "divergence_fraction", "nan_from_divergence", "sliced_wasserstein_shift"]

#: the one divergence rule's radius: a state farther than this many attractor scales from the
#: attractor's mean (‖x − mean‖₂ > DIVERGENCE_SCALES × scale), or not finite, has diverged
DIVERGENCE_SCALES = 100.0

_HINT = " (a diverged rollout: count it with divergence_fraction)"


def _samples(x, name: str, d: int | None = None, finite: bool = True) -> np.ndarray:
    a = _as_array(x, name)
    if a.ndim not in (2, 3) or a.shape[-2] < 2 or a.shape[-1] < 1:
        raise ValueError(f"{name} must be a trajectory (T, d) or a batch (N, T, d) with T >= 2, got shape {a.shape}")
    if d is not None and a.shape[-1] != d:
        raise ValueError(f"true and pred must have the same number of coordinates, got {d} and {a.shape[-1]}")
    if finite:
        _check_finite(a, name, "" if name == "true" else _HINT)
    return a


def _kl(nt: np.ndarray, npred: np.ndarray, alpha: float) -> float:
    p = (nt + alpha) / (nt.sum() + alpha * nt.size)
    q = (npred + alpha) / (npred.sum() + alpha * npred.size)
    return float(np.sum(special.rel_entr(p, q)))


def histogram_kl(true, pred, bins: int = 32, *, kind: str = "marginal", alpha: float = 0.5, pad: float = 0.1) -> float:
    """D_KL(true ‖ pred) of smoothed histograms (module docstring), in nats: the mean over the d
    marginals (``kind="marginal"``) or over the 2-D projections (``kind="joint2d"``, d >= 2)."""
    t = _samples(true, "true")
    d = t.shape[-1]
    p = _samples(pred, "pred", d, finite=False).reshape(-1, d)
    t = t.reshape(-1, d)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    alpha = _check_positive(alpha, "alpha", "the pseudo-count added to every cell")
    if not (np.isfinite(pad) and pad >= 0):
        raise ValueError(f"pad must be a non-negative number (fraction of the range), got {pad!r}")
    lo, hi = t.min(axis=0), t.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    edges = [np.linspace(lo[i] - pad * span[i], hi[i] + pad * span[i], bins + 1) for i in range(d)]
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(p) & (p >= [e[0] for e in edges]) & (p <= [e[-1] for e in edges])
    kind = resolve_name(kind, ("marginal", "joint2d"), "kind")
    if kind == "marginal":
        groups = [(i,) for i in range(d)]
    else:
        if d < 2:
            raise ValueError("kind='joint2d' needs at least 2 coordinates; use kind='marginal'")
        groups = list(itertools.combinations(range(d), 2))
    out = []
    for g in groups:
        g = list(g)
        ok = inside[:, g].all(axis=1)
        ht = np.histogramdd(t[:, g], bins=[edges[i] for i in g])[0].ravel()
        hp = np.histogramdd(p[ok][:, g], bins=[edges[i] for i in g])[0].ravel()
        out.append(_kl(np.append(ht, 0.0), np.append(hp, np.count_nonzero(~ok)), alpha))
    return float(np.mean(out))


def _wasserstein_pp(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """W_p^p between the columns of a (n, P) and b (m, P), exact for empirical distributions."""
    a, b = np.sort(a, axis=0), np.sort(b, axis=0)
    n, m = a.shape[0], b.shape[0]
    if n == m:
        return np.mean(np.abs(a - b) ** p, axis=0)
    # quantile levels i/n and j/m on the common denominator n m; on (u_{k-1}, u_k] the quantile
    # functions are a[ceil(u_k n) - 1] and b[ceil(u_k m) - 1]
    u = np.union1d(np.arange(1, n + 1, dtype=np.int64) * m, np.arange(1, m + 1, dtype=np.int64) * n)
    w = np.diff(u, prepend=0) / (n * m)
    ia, ib = (u + m - 1) // m - 1, (u + n - 1) // n - 1
    return np.sum(w[:, None] * np.abs(a[ia] - b[ib]) ** p, axis=0)


def sliced_wasserstein(true, pred, n_projections: int = 256, seed: int = 0, *, p: float = 1.0) -> float:
    """SW_p = (mean over θ of W_p^p(θ·true, θ·pred))^(1/p) over ``n_projections`` random unit
    directions drawn with ``numpy.random.default_rng(seed)`` (module docstring)."""
    t = _samples(true, "true")
    d = t.shape[-1]
    q = _samples(pred, "pred", d).reshape(-1, d)
    t = t.reshape(-1, d)
    if isinstance(n_projections, bool) or not isinstance(n_projections, (int, np.integer)) or n_projections < 1:
        raise ValueError(f"n_projections must be a positive integer, got {n_projections!r}")
    p = _check_positive(p, "p", "the Wasserstein order, e.g. 1 or 2")
    theta = np.random.default_rng(seed).standard_normal((d, int(n_projections)))
    theta /= np.linalg.norm(theta, axis=0)
    return float(np.mean(_wasserstein_pp(t @ theta, q @ theta, p)) ** (1.0 / p))


def sliced_wasserstein_shift(shift) -> float:
    """E_θ |θ·δ| = |δ| Γ(d/2) / (√π Γ((d+1)/2)): the SW_1 of two copies of one distribution
    shifted by δ (d = len(δ)), the limit of ``sliced_wasserstein`` for many samples and
    projections; a reference value for tests and reports."""
    s = np.atleast_1d(np.asarray(shift, dtype=float))
    d = s.size
    return float(np.linalg.norm(s) * np.exp(special.gammaln(d / 2) - special.gammaln((d + 1) / 2)) / np.sqrt(np.pi))


def _mean_spectra(a: np.ndarray, dt: float, nperseg: int):
    """Welch spectrum of each coordinate, averaged over trajectories: (f, P (n_f, d))."""
    a = a[None] if a.ndim == 2 else a
    P = [np.stack([power_spectrum(tr[:, i], dt, nperseg=nperseg)[1] for i in range(a.shape[2])], axis=1) for tr in a]
    return np.mean(P, axis=0)


def power_spectrum_distance(true, pred, dt: float, *, nperseg: int | None = None) -> float:
    """Hellinger distance between normalised Welch spectra, averaged over coordinates (module
    docstring): 0 for identical spectra, 1 for spectra with disjoint support.

    nperseg: Welch segment length, common to both; default min(n, max(256, n // 8)) with n the
        shorter trajectory length (``power_spectrum``'s rule), so the frequency grids agree."""
    dt = _check_positive(dt, "dt", "the sampling interval")
    t = _samples(true, "true")
    d = t.shape[-1]
    q = _samples(pred, "pred", d)
    n = min(t.shape[-2], q.shape[-2])
    if nperseg is None:
        nperseg = min(n, max(256, n // 8))
    Pt, Pq = _mean_spectra(t, dt, nperseg), _mean_spectra(q, dt, nperseg)
    st, sq = Pt.sum(axis=0), Pq.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # 1 - Σ√(pq) = ½ Σ (√p - √q)², exact 0 for p = q
        h = np.sqrt(0.5 * np.sum((np.sqrt(Pt / st) - np.sqrt(Pq / sq)) ** 2, axis=0))
    h = np.where((st > 0) & (sq > 0), h, np.where((st > 0) | (sq > 0), 1.0, 0.0))
    return float(np.mean(h))


def diverged_states(x, mean, scale, xp=np):
    """bool (...): which states x (..., d) have diverged: not finite, or ‖x − ``mean``‖₂ >
    ``DIVERGENCE_SCALES`` × ``scale`` (``attractor_scale``; inf flags only non-finite states).
    ``mean`` is a number or (d,). ``xp=jax.numpy``: the same rule in compiled code, unchecked."""
    if xp is np:
        x, mean, scale = _reference(x, mean, scale)
    with np.errstate(over="ignore", invalid="ignore"):
        dev = xp.where(xp.isfinite(x), x - mean, 0.0)
        return ~xp.all(xp.isfinite(x), axis=-1) | (xp.sqrt(xp.sum(dev * dev, axis=-1)) > DIVERGENCE_SCALES * scale)


def _reference(x, mean, scale):
    a = _as_array(x, "x")
    if a.ndim < 1 or a.shape[-1] < 1:
        raise ValueError(f"states must have shape (..., d) with d >= 1, got {a.shape}")
    m = _as_array(mean, "mean")
    if m.shape not in ((), (a.shape[-1],)) or not np.all(np.isfinite(m)):
        raise ValueError(f"mean must be a finite number or have shape ({a.shape[-1]},), got {np.shape(mean)}")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not scale > 0:
        raise ValueError(f"scale must be a positive number (an attractor scale; inf allowed), got {scale!r}")
    return a, m, float(scale)


def _rollouts(rollouts) -> np.ndarray:
    a = _as_array(rollouts, "rollouts")
    if a.ndim not in (2, 3) or a.size == 0:
        raise ValueError(f"rollouts must have shape (T, d) or (N, T, d), got {a.shape}")
    return a[None] if a.ndim == 2 else a


def divergence_mask(rollouts, mean, scale) -> np.ndarray:
    """(N,) bool: which rollouts of a batch (N, T, d) (or one, (T, d)) have a diverged state
    (``diverged_states``: not finite, or farther than ``DIVERGENCE_SCALES`` × ``scale`` from ``mean``)."""
    return np.any(diverged_states(_rollouts(rollouts), mean, scale), axis=1)


def divergence_fraction(rollouts, mean, scale) -> float:
    """Fraction of rollouts with a diverged state (``divergence_mask``)."""
    return float(np.mean(divergence_mask(rollouts, mean, scale)))


def nan_from_divergence(rollouts, mean, scale) -> np.ndarray:
    """A float64 copy of ``rollouts`` (..., T, d) (time on axis -2) with every state from each
    rollout's first diverged state (``diverged_states``) on set to NaN."""
    a = _as_array(rollouts, "rollouts")
    if a.ndim < 2:
        raise ValueError(f"rollouts must have shape (..., T, d), got {a.shape}")
    gone = np.logical_or.accumulate(diverged_states(a, mean, scale), axis=-1)
    return np.where(gone[..., None], np.nan, a)
