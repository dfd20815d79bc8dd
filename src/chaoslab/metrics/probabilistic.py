r"""Scores of ensemble (probabilistic) forecasts.

Convention: ``obs`` has any shape S (e.g. (H, d) or (W, H, d)); ``ens`` has the members on
``member_axis`` (default 0) and S otherwise, e.g. (M, H, d). Every score is returned per
element of S unless it is a summary (ratios, histograms, tests). Non-finite members or
observations are refused with a one-line error (a diverged member must be removed or reported,
never silently scored).

* CRPS (``crps``): CRPS(F, y) = E|X − y| − ½ E|X − X'| for the ensemble's empirical
  distribution (``scoringrules.crps_ensemble``, computed from the sorted members); ``fair=True`` uses the fair
  estimator, 1/(M(M−1)) in the second term (Ferro 2014), unbiased for the distribution the
  members are drawn from. ``gaussian_crps`` is the closed form for N(μ, σ²):
  σ [z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ (Gneiting & Raftery 2007).
* Energy score (``energy_score``): ES = E‖X − y‖ − ½ E‖X − X'‖ over a variable axis, the
  multivariate CRPS (Gneiting et al. 2008). Its second term needs all M² member pairs: memory
  grows as M² times the number of cases.
* Spread–skill (``spread_skill``): the ratio √((M+1)/M · ⟨s²⟩) / RMSE(ensemble mean), with s²
  the unbiased ensemble variance. For a perfect ensemble (truth and members exchangeable)
  E[(x̄ − y)²] = (M+1)/M · E[s²], so the ratio is 1 (Fortin et al. 2014); < 1 under-dispersed.
* Rank histogram (``rank_histogram``): the rank of y among the M members (0 … M; ties broken at
  random, seeded) counted over all elements, and a χ² test of flatness (M+1 equally likely ranks
  for exchangeable members). Serially correlated samples make the test anti-conservative; pass
  independent cases (e.g. one lead time, many start dates) when the p-value matters.
* Reliability (``reliability``): for the event y > threshold, the forecast probability (fraction
  of members above it) binned, against the observed frequency per bin; plus the Brier score.
* Tail events (``tail_coverage``): observations more than k climatological standard deviations
  from the climatological mean; the fraction of them the ensemble covered (y inside the members'
  range) and the fraction it gave a non-zero probability (some member beyond the same k σ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .pointwise import _as_array

__all__ = ["crps", "gaussian_crps", "energy_score", "ensemble_mean_rmse", "spread_skill", "rank_histogram",
           "RankHistogram", "reliability", "Reliability", "tail_coverage", "TailCoverage"]


def _ens(obs, ens, member_axis: int, min_members: int = 2):
    y = _as_array(obs, "obs")
    x = _as_array(ens, "ensemble")
    if x.ndim < 1:
        raise ValueError("ensemble must have a member axis")
    x = np.moveaxis(x, member_axis, 0)
    if x.shape[1:] != y.shape:
        raise ValueError(f"ensemble (members on axis {member_axis}) must match obs {y.shape}, got {x.shape[1:]} per member")
    if x.shape[0] < min_members:
        raise ValueError(f"an ensemble needs at least {min_members} members, got {x.shape[0]}")
    for name, a in (("obs", y), ("ensemble", x)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf; allowed: finite values (remove or report diverged members)")
    return y, x


def crps(obs, ens, *, member_axis: int = 0, fair: bool = False) -> np.ndarray:
    """CRPS of the ensemble against ``obs``, per element (see the module docstring)."""
    import scoringrules as sr

    y, x = _ens(obs, ens, member_axis)
    # "qd" and "pwm" are the sorting forms (O(M log M) memory-light) of the energy ("nrg") and
    # fair estimators: the same numbers without the M x M matrix of member differences
    return np.asarray(sr.crps_ensemble(y, x, m_axis=0, estimator="pwm" if fair else "qd"), dtype=float)


def gaussian_crps(obs, mu, sigma) -> np.ndarray:
    """CRPS of the normal distribution N(mu, sigma^2) against ``obs`` (closed form)."""
    import scoringrules as sr

    sigma = _as_array(sigma, "sigma")
    if not np.all(sigma > 0):
        raise ValueError("sigma must be > 0")
    return np.asarray(sr.crps_normal(_as_array(obs, "obs"), _as_array(mu, "mu"), sigma), dtype=float)


def energy_score(obs, ens, *, member_axis: int = 0, variable_axis: int = -1) -> np.ndarray:
    """Energy score over ``variable_axis`` (an axis of ``obs``), per remaining element."""
    import scoringrules as sr

    y, x = _ens(obs, ens, member_axis)
    v = variable_axis % y.ndim
    # scoringrules: members on m_axis, variables on v_axis of the forecast array
    return np.asarray(sr.es_ensemble(np.moveaxis(y, v, -1), np.moveaxis(x, v + 1, -1), m_axis=0, v_axis=-1),
                      dtype=float)


def ensemble_mean_rmse(obs, ens, *, member_axis: int = 0, axis=None) -> np.ndarray | float:
    """RMSE of the ensemble mean, over ``axis`` of obs (all by default)."""
    y, x = _ens(obs, ens, member_axis)
    return np.sqrt(np.mean((x.mean(axis=0) - y) ** 2, axis=axis))


def spread_skill(obs, ens, *, member_axis: int = 0, axis=None) -> np.ndarray | float:
    """√((M+1)/M ⟨s²⟩) / RMSE of the mean, over ``axis`` of obs (all by default): 1 for a
    perfect ensemble."""
    y, x = _ens(obs, ens, member_axis)
    M = x.shape[0]
    spread2 = np.mean(x.var(axis=0, ddof=1), axis=axis)
    mse = np.mean((x.mean(axis=0) - y) ** 2, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((M + 1) / M * spread2 / mse)


@dataclass
class RankHistogram:
    counts: np.ndarray  # (M + 1,)
    chi2: float
    p_value: float  # of the chi-square test of flatness

    @property
    def frequencies(self) -> np.ndarray:
        return self.counts / self.counts.sum()


def rank_histogram(obs, ens, *, member_axis: int = 0, seed: int = 0) -> RankHistogram:
    """Ranks of ``obs`` among the members over every element, with a chi-square flatness test."""
    y, x = _ens(obs, ens, member_axis)
    M = x.shape[0]
    below = np.sum(x < y, axis=0).ravel()
    ties = np.sum(x == y, axis=0).ravel()
    rng = np.random.default_rng(seed)
    rank = below + np.floor(rng.random(below.shape) * (ties + 1)).astype(int)
    counts = np.bincount(rank, minlength=M + 1)
    chi2, p = stats.chisquare(counts)
    return RankHistogram(counts, float(chi2), float(p))


@dataclass
class Reliability:
    threshold: float
    bin_edges: np.ndarray
    forecast_probability: np.ndarray  # mean forecast probability per bin (NaN where empty)
    observed_frequency: np.ndarray  # frequency of the event per bin (NaN where empty)
    counts: np.ndarray
    brier_score: float
    climatological_frequency: float


def reliability(obs, ens, threshold: float, *, member_axis: int = 0, bins: int = 10) -> Reliability:
    """The reliability diagram of the event ``obs > threshold`` (see the module docstring)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    y, x = _ens(obs, ens, member_axis)
    prob = np.mean(x > threshold, axis=0).ravel()
    event = (y > threshold).ravel().astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    counts = np.bincount(idx, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        fp = np.bincount(idx, weights=prob, minlength=bins) / counts
        of = np.bincount(idx, weights=event, minlength=bins) / counts
    return Reliability(float(threshold), edges, fp, of, counts, float(np.mean((prob - event) ** 2)), float(event.mean()))


@dataclass
class TailCoverage:
    events: int  # observations beyond k climatological standard deviations
    covered: float  # fraction of them inside the ensemble's range (NaN if no event)
    anticipated: float  # fraction of them with some member beyond k sigma on the same side
    k: float


def tail_coverage(obs, ens, clim_mean, clim_std, *, k: float = 3.0, member_axis: int = 0) -> TailCoverage:
    """How the ensemble did on tail events (module docstring); ``clim_mean``/``clim_std``
    broadcast against obs (e.g. one value per variable)."""
    y, x = _ens(obs, ens, member_axis)
    mu = np.broadcast_to(_as_array(clim_mean, "clim_mean"), y.shape)
    sd = np.broadcast_to(_as_array(clim_std, "clim_std"), y.shape)
    if not np.all(sd > 0):
        raise ValueError("clim_std must be > 0")
    z = (y - mu) / sd
    tail = np.abs(z) > k
    n = int(tail.sum())
    if n == 0:
        return TailCoverage(0, float("nan"), float("nan"), float(k))
    inside = (x.min(axis=0) <= y) & (y <= x.max(axis=0))
    zx = (x - mu) / sd
    same_side = np.where(z > 0, np.any(zx > k, axis=0), np.any(zx < -k, axis=0))
    return TailCoverage(n, float(inside[tail].mean()), float(same_side[tail].mean()), float(k))
