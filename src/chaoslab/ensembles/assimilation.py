r"""Ensemble data assimilation: the stochastic EnKF and the ETKF (LETKF when localised), with
multiplicative inflation and Gaspari–Cohn localisation, in twin experiments.

A twin experiment (``assimilate``): a truth run of the system from a point on its attractor is
observed every ``obs_every`` time units through a linear operator H (p × d: all variables, every
other one, chosen indices, or a matrix) with independent Gaussian noise of standard deviation
``obs_sigma``. An ensemble of ``members`` states drawn from the attractor (climatology) is
carried by the model between observations and updated at each:

* inflation: forecast anomalies are multiplied by ``inflation`` (ρ ≥ 1) before the update;
* ``enkf`` — stochastic EnKF (Burgers, van Leeuwen & Evensen 1998): each member assimilates
  y + ε_i, ε_i ~ N(0, R), with K = P H^T (H P H^T + R)^{-1}, P the ensemble covariance —
  localised as P ∘ C with C the Gaspari–Cohn correlation of the grid distance (B-localisation);
* ``etkf`` — ensemble transform Kalman filter in the form of Hunt, Kostelich & Szunyogh (2007):
  in the space of the N members, P̃ = [(N − 1) I + Y^T R^{-1} Y]^{-1} (Y = H X' the observed
  anomalies), mean weights w̄ = P̃ Y^T R^{-1} (y − H x̄), perturbation weights
  W = [(N − 1) P̃]^{1/2} (symmetric square root). Localised (LETKF), every grid point does its
  own update with R^{-1} weighted by Gaspari–Cohn of its distance to each observation
  (R-localisation) and keeps its own row.

Gaspari & Cohn (1999), Q. J. R. Meteorol. Soc. 125, 723, eq. (4.10): the compactly supported
fifth-order piecewise rational correlation with half-width c (zero beyond 2c); distances are
grid steps on a periodic ring (Lorenz-96, 1-D fields). Localisation applies to systems with a
1-D grid.

Without localisation and with ρ = 1, one ETKF update reproduces the Kalman filter's update of
the ensemble's own mean and covariance exactly (up to round-off); the stochastic EnKF does on
average. A filter whose analysis error runs away (RMSE above ``divergence_factor`` (1) times the
climatological spread, averaged over 20 cycles: the filter knows less than climatology) or whose
members turn non-finite is stopped and reported as diverged — never a NaN score.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..integrate.api import as_system, solver_config
from ..integrate.solvers import get_solver
from ..systems.base import System, resolve_name
from .perturbations import check_members

__all__ = ["AssimilationResult", "assimilate", "gaspari_cohn", "etkf_update", "enkf_update", "observation_operator",
           "FILTERS"]

FILTERS = ("etkf", "enkf")
DIVERGENCE_WINDOW = 20  # cycles over which a lost filter is recognised


# --------------------------------------------------------------------------- pieces
def gaspari_cohn(r, c: float) -> np.ndarray:
    """Gaspari–Cohn correlation at distance r for half-width c (1 at 0, 0 beyond 2c)."""
    if not c > 0:
        raise ValueError(f"the localisation half-width must be > 0, got {c!r}")
    z = np.abs(np.asarray(r, dtype=float)) / c
    out = np.zeros_like(z)
    a = z <= 1
    za = z[a]
    out[a] = -0.25 * za**5 + 0.5 * za**4 + 0.625 * za**3 - 5 / 3 * za**2 + 1
    b = (z > 1) & (z < 2)
    zb = z[b]
    out[b] = zb**5 / 12 - 0.5 * zb**4 + 0.625 * zb**3 + 5 / 3 * zb**2 - 5 * zb + 4 - 2 / (3 * zb)
    return out


def observation_operator(d: int, observed="all") -> np.ndarray:
    """H (p, d): ``"all"``, ``"every_other"`` (variables 0, 2, 4, ...), a list of indices, or a
    matrix of shape (p, d)."""
    if isinstance(observed, str):
        observed = resolve_name(observed, ("all", "every_other"), "observed",
                                hint=f"allowed: all, every_other, a list of indices or a (p, {d}) matrix")
        return np.eye(d) if observed == "all" else np.eye(d)[::2]
    a = np.asarray(observed)
    if a.ndim == 1:
        if a.size == 0 or not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() >= d or len(set(a.tolist())) != a.size:
            raise ValueError(f"observed indices must be distinct integers in 0..{d - 1}, got {observed!r}")
        return np.eye(d)[a]
    if a.ndim != 2 or a.shape[1] != d or a.shape[0] < 1:
        raise ValueError(f"the observation operator must have shape (p, {d}) with p >= 1, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("the observation operator contains NaN or inf")
    return a.astype(float)


def _sqrtm_sym(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0, None))[..., None, :]) @ np.swapaxes(V, -1, -2)


def etkf_update(X: np.ndarray, y: np.ndarray, H: np.ndarray, sigma: np.ndarray,
                obs_weights: np.ndarray | None = None) -> np.ndarray:
    """The ETKF analysis of the forecast ensemble X (N, d) given y (p,), H (p, d) and the
    observation standard deviations ``sigma`` (p,). ``obs_weights`` (d, p), the Gaspari–Cohn
    weight of each observation for each state variable, makes it the LETKF."""
    N = X.shape[0]
    xm = X.mean(axis=0)
    A = X - xm  # (N, d)
    Yb = A @ H.T  # (N, p)
    innov = y - H @ xm
    rinv = 1.0 / sigma**2
    if obs_weights is None:
        C = Yb * rinv  # (N, p) = (Y^T R^{-1})^T rows per member
        Pt = np.linalg.inv((N - 1) * np.eye(N) + C @ Yb.T)
        Pt = 0.5 * (Pt + Pt.T)
        w = Pt @ (C @ innov)
        W = _sqrtm_sym((N - 1) * Pt)
        return xm + (w[:, None] + W).T @ A  # rows: member i = xm + sum_j (w_j + W_ji) A_j
    # LETKF: one analysis per state variable, with its own weighted R^{-1}
    R_loc = obs_weights * rinv[None, :]  # (d, p)
    M = (N - 1) * np.eye(N)[None] + np.einsum("ip,kp,jp->kij", Yb, R_loc, Yb)  # (d, N, N)
    Pt = np.linalg.inv(M)
    Pt = 0.5 * (Pt + np.swapaxes(Pt, -1, -2))
    w = np.einsum("kij,jp,kp,p->ki", Pt, Yb, R_loc, innov)  # (d, N)
    W = _sqrtm_sym((N - 1) * Pt)  # (d, N, N)
    T = w[:, :, None] + W  # (d, N, N): T[k, j, i] weight of anomaly j in member i at variable k
    return xm[None, :] + np.einsum("kji,jk->ik", T, A)


def enkf_update(X: np.ndarray, y: np.ndarray, H: np.ndarray, sigma: np.ndarray, rng: np.random.Generator,
                localisation: np.ndarray | None = None) -> np.ndarray:
    """The stochastic EnKF analysis with perturbed observations; ``localisation`` (d, d) is the
    Schur-product correlation applied to the ensemble covariance."""
    N = X.shape[0]
    xm = X.mean(axis=0)
    A = X - xm
    P = A.T @ A / (N - 1)
    if localisation is not None:
        P = P * localisation
    R = np.diag(sigma**2)
    S = H @ P @ H.T + R
    K = np.linalg.solve(S, H @ P).T  # P H^T S^{-1} (S symmetric)
    eps = rng.standard_normal((N, len(y))) * sigma
    eps -= eps.mean(axis=0)  # centred perturbations: the analysis mean is the Kalman mean of the ensemble
    return X + (y[None, :] + eps - X @ H.T) @ K.T


# --------------------------------------------------------------------------- the experiment
@dataclass
class AssimilationResult:
    system: str
    filter: str
    members: int
    t: np.ndarray  # (K,) analysis times
    truth: np.ndarray  # (K, d)
    analysis_mean: np.ndarray  # (K, d)
    analysis_rmse: np.ndarray  # (K,)
    forecast_rmse: np.ndarray  # (K,)
    analysis_spread: np.ndarray  # (K,) sqrt of the mean ensemble variance
    obs_sigma: float
    n_observed: int
    inflation: float
    localisation: float | None
    spinup: int
    seconds: float
    diverged: bool = False
    diverged_at: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def cycles(self) -> int:
        return len(self.t)

    @property
    def seconds_per_cycle(self) -> float:
        return self.seconds / max(self.cycles, 1)

    @property
    def time_mean_rmse(self) -> float:
        """Time mean of the analysis RMSE after the spin-up (NaN if the filter diverged)."""
        if self.diverged or self.cycles <= self.spinup:
            return float("nan")
        return float(np.mean(self.analysis_rmse[self.spinup:]))

    @property
    def time_mean_spread(self) -> float:
        if self.diverged or self.cycles <= self.spinup:
            return float("nan")
        return float(np.mean(self.analysis_spread[self.spinup:]))

    def summary(self) -> dict[str, Any]:
        s = dict(system=self.system, filter=self.filter, members=self.members, cycles=self.cycles,
                 obs_every=self.info.get("obs_every"), obs_sigma=self.obs_sigma, observed=self.n_observed,
                 inflation=self.inflation, localisation=self.localisation, spinup_cycles=self.spinup,
                 diverged=self.diverged, seconds=self.seconds, seconds_per_cycle=self.seconds_per_cycle)
        if self.diverged:
            s["diverged_at"] = self.diverged_at
        else:
            s.update(time_mean_analysis_rmse=self.time_mean_rmse, time_mean_spread=self.time_mean_spread,
                     time_mean_forecast_rmse=float(np.mean(self.forecast_rmse[self.spinup:])))
        return s

    def figure(self):
        """Analysis and forecast RMSE and the ensemble spread over time, the observation error."""
        from ..plotting import subplots

        fig, ax = subplots(figsize=(8.0, 3.4))
        n = self.cycles
        ax.semilogy(self.t[:n], self.forecast_rmse[:n], color="0.6", lw=0.8, label="forecast RMSE")
        ax.semilogy(self.t[:n], self.analysis_rmse[:n], color="C0", lw=1.0, label="analysis RMSE")
        ax.semilogy(self.t[:n], self.analysis_spread[:n], color="C1", lw=0.8, ls="--", label="analysis spread")
        ax.axhline(self.obs_sigma, color="C3", lw=0.8, ls=":", label=f"observation error σ = {self.obs_sigma:g}")
        if self.spinup and self.spinup < n:
            ax.axvline(self.t[self.spinup], color="0.3", lw=0.6)
        title = (f"{self.system}: {self.filter.upper()}, {self.members} members, inflation {self.inflation:g}"
                 + (f", localisation {self.localisation:g}" if self.localisation else ""))
        if not self.diverged:
            title += f" — time-mean analysis RMSE {self.time_mean_rmse:.3f}"
        else:
            title += f" — diverged at t = {self.diverged_at:.3g}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("time")
        ax.legend(fontsize=7, ncol=4, loc="upper right")
        fig.tight_layout()
        return fig


def _propagator(system: System, interval: float, p, method: str):
    """A jitted (X (N, d), t) -> X(t + interval) for the whole ensemble."""
    step_dt = 1.0 if system.discrete else float(interval)
    n_iter = int(round(interval)) if system.discrete else 1
    cfg = solver_config(system, method, n_iter, step_dt, 1e-8, 1e-8, None, p)
    solve = get_solver(system, cfg, batched=True, p_axes={k: None for k in p})

    def prop(X, t):
        ys, last = solve(X, t, t, step_dt, p)
        return np.asarray(last)

    return prop


def _ring_distance(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    d = np.abs(a[:, None] - b[None, :])
    return np.minimum(d, n - d)


def assimilate(system, *, filter: str = "etkf", members: int = 20, obs_every: float = 0.05,
               obs_sigma: float = 1.0, observed="all", cycles: int = 1000, spinup: int | None = None,
               inflation: float = 1.02, localisation: float | None = None, seed: int = 0, x0=None,
               method: str = "auto", divergence_factor: float = 1.0, params: Mapping[str, Any] | None = None,
               progress: Callable[[int, int], None] | None = None) -> AssimilationResult:
    """A twin experiment (module docstring). ``filter``: ``etkf`` or ``enkf`` (``FILTERS``);
    ``method``: the integrator between observations, as everywhere; ``localisation``: the
    Gaspari–Cohn half-width in grid steps (1-D grids only); ``spinup``: cycles left out of the time
    means (default 20 %)."""
    from ..data import sample_initial_conditions
    from ..analysis.attractor import attractor_statistics

    system = as_system(system)
    kind = resolve_name(filter, FILTERS, "filter")
    members = check_members(members)
    if system.delay:
        raise ValueError("data assimilation here takes flows, maps and fields, not delay equations")
    for name, v in (("obs_every", obs_every), ("obs_sigma", obs_sigma)):
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a number > 0, got {v!r}")
    if system.discrete and (obs_every != int(obs_every)):
        raise ValueError(f"{system.name} is a map: obs_every counts iterations and must be a whole number")
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or cycles < 1:
        raise ValueError(f"cycles must be an integer >= 1, got {cycles!r}")
    if not (inflation >= 1.0 and math.isfinite(inflation)):
        raise ValueError(f"inflation must be a number >= 1 (multiplying the forecast anomalies), got {inflation!r}")
    spinup = int(0.2 * cycles) if spinup is None else int(spinup)
    if not 0 <= spinup < cycles:
        raise ValueError(f"spinup must be in 0..{cycles - 1} cycles, got {spinup}")
    d = system.dim
    H = observation_operator(d, observed)
    p_obs = H.shape[0]
    sigma = np.full(p_obs, float(obs_sigma))
    loc_B, loc_R = None, None
    if localisation is not None:
        if not (localisation > 0 and math.isfinite(localisation)):
            raise ValueError(f"localisation must be a half-width > 0 in grid steps, got {localisation!r}")
        grid = system.grid
        if not grid or grid.get("dims") != 1 or grid.get("channels", 1) != 1:
            raise ValueError(f"localisation needs a 1-D grid (Lorenz-96, 1-D fields); {system.name} has none")
        if not np.all(np.sum(H != 0, axis=1) == 1):
            raise ValueError("localisation needs each observation to see one grid point (a selection operator)")
        obs_pos = np.argmax(H != 0, axis=1)
        sites = np.arange(d)
        loc_B = gaspari_cohn(_ring_distance(sites, sites, d), localisation)
        loc_R = gaspari_cohn(_ring_distance(sites, obs_pos, d), localisation)  # (d, p)
    p = system.resolve_params(params)
    rng = np.random.default_rng(seed)
    starts = sample_initial_conditions(system, members + 1, seed=seed, params=params)
    truth = np.asarray(starts[0] if x0 is None else x0, dtype=float)
    if truth.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {truth.shape}")
    X = np.array(starts[1:], dtype=float)  # a climatological initial ensemble
    X_initial = X.copy()
    observations = []
    clim_sd = attractor_statistics(system, params).std
    clim_rms = float(np.sqrt(np.mean(clim_sd**2)))
    prop = _propagator(system, obs_every, p, method)
    t = 0.0
    ts, tru, am, ar, fr, sp = [], [], [], [], [], []
    diverged_at = None
    t0 = time.perf_counter()
    for k in range(cycles):
        truth = prop(truth[None], t)[0]
        X = prop(X, t)
        t += float(obs_every)
        if not (np.all(np.isfinite(truth))):
            raise ValueError(f"{system.name}: the truth run diverged at t = {t:.4g}")
        if not np.all(np.isfinite(X)):
            diverged_at = t
            break
        y = H @ truth + sigma * rng.standard_normal(p_obs)
        observations.append(y)
        fmean = X.mean(axis=0)
        if inflation != 1.0:
            X = fmean + inflation * (X - fmean)
        if kind == "etkf":
            X = etkf_update(X, y, H, sigma, loc_R)
        else:
            X = enkf_update(X, y, H, sigma, rng, loc_B)
        amean = X.mean(axis=0)
        rmse = float(np.sqrt(np.mean((amean - truth) ** 2)))
        ts.append(t)
        tru.append(truth)
        am.append(amean)
        ar.append(rmse)
        fr.append(float(np.sqrt(np.mean((fmean - truth) ** 2))))
        sp.append(float(np.sqrt(np.mean(X.var(axis=0, ddof=1)))))
        if not math.isfinite(rmse) or (k >= DIVERGENCE_WINDOW
                                       and np.mean(ar[-DIVERGENCE_WINDOW:]) > divergence_factor * clim_rms):
            diverged_at = t
            break
        if progress is not None:
            progress(k + 1, cycles)
    seconds = time.perf_counter() - t0
    arr = lambda v, shape: np.array(v) if v else np.zeros(shape)
    return AssimilationResult(system.name, kind, members, arr(ts, (0,)), arr(tru, (0, d)), arr(am, (0, d)),
                              arr(ar, (0,)), arr(fr, (0,)), arr(sp, (0,)), float(obs_sigma), p_obs, float(inflation),
                              None if localisation is None else float(localisation), spinup, seconds,
                              diverged_at is not None, diverged_at,
                              {"obs_every": float(obs_every), "climatological_rms": clim_rms, "H": H,
                               "initial_ensemble": X_initial, "observations": np.array(observations),
                               "truth0": np.asarray(starts[0] if x0 is None else x0, dtype=float)})
