"""Initial-condition and model perturbations for ensemble forecasts.

Every generator returns an ``InitialEnsemble``: the perturbed states ``x0`` (members, d) around
a ``control`` state at time ``t0``. The ``amplitude`` is the root-mean-square Euclidean norm of
a perturbation, in the system's units, for every kind:

* ``gaussian``: isotropic, x0 = control + (amplitude / √d) ξ, ξ ~ N(0, I_d).
* ``bred``: breeding (Toth & Kalnay 1993, 1997): a random perturbation is carried along with the
  control for ``interval``, rescaled to ``amplitude`` and carried again, ``cycles`` times; the
  nonlinear growth selects the fastest-growing directions of the recent past, so bred vectors
  turn toward the leading Lyapunov vector (``history["angle"]`` records the angle of each bred
  vector to it, cycle by cycle, when ``track=True``). The control advances by
  ``cycles x interval``; members are control ± the bred vectors (paired) by default.
* ``lyapunov``: the leading k backward Lyapunov vectors at the control (after a spin-up of the
  tangent dynamics along the control's own past; ``chaoslab.analysis.lyapunov_vectors``);
  perturbations (amplitude / √k) Q_k ζ, ζ ~ N(0, I_k), in ± pairs. By default k is the number of
  positive finite-time exponents (at least 1) of the spin-up, at most 16.
* ``singular``: the leading k right singular vectors of the tangent propagator over
  ``optimization_time`` (the perturbations that grow most over it, Euclidean norm), used like the
  Lyapunov vectors; ``history["growth"]`` holds their growth factors.

``parameter_ensemble`` perturbs the model instead: ``members`` parameter sets with each named
parameter multiplied by (1 + ``spread`` η), η ~ N(0, 1) (or added, for a zero default), to pass
as batched ``params`` to ``chaoslab.ensemble``. Every draw is seeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..integrate.api import as_system, ensemble
from ..systems.base import System, resolve_name

__all__ = ["InitialEnsemble", "PERTURBATIONS", "perturb", "gaussian_perturbations", "bred_perturbations",
           "lyapunov_perturbations", "singular_perturbations", "parameter_ensemble", "check_members"]

PERTURBATIONS = ("gaussian", "bred", "lyapunov", "singular")


@dataclass
class InitialEnsemble:
    """Perturbed initial states around a control (see the module docstring)."""

    kind: str
    x0: np.ndarray  # (members, d)
    control: np.ndarray  # (d,)
    t0: float
    amplitude: float
    history: dict[str, Any] = field(default_factory=dict)

    @property
    def members(self) -> int:
        return len(self.x0)

    @property
    def perturbations(self) -> np.ndarray:
        return self.x0 - self.control


def check_members(members) -> int:
    if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 2:
        raise ValueError(f"an ensemble needs at least 2 members, got {members!r}")
    return int(members)


def _check_amplitude(amplitude) -> float:
    try:
        a = float(amplitude)
    except (TypeError, ValueError):
        raise ValueError(f"amplitude must be a number > 0, got {amplitude!r}") from None
    if not (a > 0 and math.isfinite(a)):
        raise ValueError(f"amplitude must be a number > 0, got {amplitude!r}")
    return a


def _state(system: System, x0) -> np.ndarray:
    x = np.asarray(system.ic if x0 is None else x0, dtype=float)
    if system.delay:
        raise ValueError("ensemble perturbations are defined for flows, maps and fields, not delay equations")
    if x.shape != (system.dim,):
        raise ValueError(f"x0 of {system.name} must have shape ({system.dim},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf; allowed: finite values")
    return x


def _paired(directions: np.ndarray, members: int) -> np.ndarray:
    """± pairs of the rows of ``directions`` (members // 2 + members % 2 rows)."""
    half = members // 2
    out = np.concatenate([directions[:half], -directions[:half]])
    if members % 2:
        out = np.concatenate([out, directions[half:half + 1]])
    return out


def gaussian_perturbations(system: System | str, x0=None, members: int = 20, amplitude: float = 1e-3, *,
                           seed: int = 0, t0: float = 0.0) -> InitialEnsemble:
    system = as_system(system)
    members, a, x = check_members(members), _check_amplitude(amplitude), _state(system, x0)
    xi = np.random.default_rng(seed).standard_normal((members, system.dim))
    return InitialEnsemble("gaussian", x + a / math.sqrt(system.dim) * xi, x, float(t0), a)


def _one_interval(system: System, X: np.ndarray, interval, t0: float, params) -> np.ndarray:
    """The states X (n, d) carried forward by ``interval`` (iterations for maps)."""
    if system.discrete:
        return ensemble(system, int(interval) + 1, x0=X, t0=t0, params=params).x[:, -1]
    return ensemble(system, 2, x0=X, dt=float(interval), t0=t0, params=params).x[:, 1]


def bred_perturbations(system: System | str, x0=None, members: int = 20, amplitude: float = 1e-3, *,
                       cycles: int = 20, interval: float | None = None, paired: bool = True, seed: int = 0,
                       t0: float = 0.0, params: Mapping[str, Any] | None = None,
                       track: bool = False) -> InitialEnsemble:
    """Bred vectors after ``cycles`` breeding cycles of ``interval`` (default a tenth of a period;
    one iteration for maps); see the module docstring."""
    from ..analysis.lyapunov import tangent_step, qr_step

    system = as_system(system)
    members, a, x = check_members(members), _check_amplitude(amplitude), _state(system, x0)
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or cycles < 1:
        raise ValueError(f"cycles must be an integer >= 1, got {cycles!r}")
    interval = (1 if system.discrete else float(system.period or 1.0) / 10) if interval is None else interval
    if not interval > 0:
        raise ValueError(f"interval must be > 0, got {interval!r}")
    n_vec = members // 2 + members % 2 if paired else members
    rng = np.random.default_rng(seed)
    delta = rng.standard_normal((n_vec, system.dim))
    delta *= a / np.linalg.norm(delta, axis=1, keepdims=True)
    t = float(t0)
    history: dict[str, Any] = {"growth": []}
    if track:
        import jax.numpy as jnp

        p = system.resolve_params(params)
        lv = _lyapunov_frame(system, x, t, params, k=1, seed=seed)  # aligned before breeding starts
        x, t, q = lv.x, lv.t, jnp.asarray(lv.Q)
        advance = tangent_step(system, 1, interval)  # compiled once per configuration
        step = lambda x, Q, t: advance(x, Q, t, p)
        history["angle"] = [_angles(delta, np.asarray(q)[:, 0])]
    for _ in range(int(cycles)):
        moved = _one_interval(system, np.concatenate([x[None], x + delta]), interval, t, params)
        if not np.all(np.isfinite(moved)):
            raise ValueError(f"{system.name}: a bred member diverged; use a smaller amplitude or interval")
        if track:
            x_next, M = step(jnp.asarray(x), q, t)
            q, _ = qr_step(M)
            x_next = np.asarray(x_next)
        else:
            x_next = moved[0]
        delta = moved[1:] - moved[0]
        norms = np.linalg.norm(delta, axis=1, keepdims=True)
        history["growth"].append(float(np.mean(np.log(norms / a))) / float(interval))
        delta *= a / np.maximum(norms, 1e-300)
        x, t = x_next, t + float(interval)
        if track:
            history["angle"].append(_angles(delta, np.asarray(q)[:, 0]))
    if track:
        history["angle"] = np.array(history["angle"])  # (cycles + 1, n_vec), radians
    history["growth"] = np.array(history["growth"])  # mean log growth rate per cycle
    pert = _paired(delta, members) if paired else delta
    return InitialEnsemble("bred", x + pert, x, t, a, history)


def _angles(delta: np.ndarray, v: np.ndarray) -> np.ndarray:
    c = np.abs(delta @ v) / (np.linalg.norm(delta, axis=1) * np.linalg.norm(v))
    return np.arccos(np.clip(c, 0.0, 1.0))


def _lyapunov_frame(system, x, t0, params, k, seed, spinup=None):
    from ..analysis import lyapunov_vectors

    return lyapunov_vectors(system, x, k=k, time=spinup, t0=t0, params=params, seed=seed)


def _subspace_members(Q: np.ndarray, members: int, amplitude: float, rng) -> np.ndarray:
    k = Q.shape[1]
    n_vec = members // 2 + members % 2
    zeta = rng.standard_normal((n_vec, k))
    return _paired(amplitude / math.sqrt(k) * zeta @ Q.T, members)


def lyapunov_perturbations(system: System | str, x0=None, members: int = 20, amplitude: float = 1e-3, *,
                           k: int | None = None, spinup: float | None = None, seed: int = 0, t0: float = 0.0,
                           params: Mapping[str, Any] | None = None) -> InitialEnsemble:
    """Perturbations in the span of the leading backward Lyapunov vectors (module docstring);
    the control is x0 carried through the spin-up."""
    system = as_system(system)
    members, a, x = check_members(members), _check_amplitude(amplitude), _state(system, x0)
    kmax = min(system.dim, 16) if k is None else k
    lv = _lyapunov_frame(system, x, t0, params, kmax, seed, spinup)
    if k is None:
        k = max(1, int(np.sum(lv.exponents > 0)))
    Q = lv.Q[:, :k]
    pert = _subspace_members(Q, members, a, np.random.default_rng(seed))
    return InitialEnsemble("lyapunov", lv.x + pert, lv.x, lv.t, a,
                           {"vectors": Q, "exponents": lv.exponents[:k]})


def singular_perturbations(system: System | str, x0=None, members: int = 20, amplitude: float = 1e-3, *,
                           k: int | None = None, optimization_time: float | None = None, seed: int = 0,
                           t0: float = 0.0, params: Mapping[str, Any] | None = None) -> InitialEnsemble:
    """Perturbations in the span of the k leading initial singular vectors of the tangent
    propagator over ``optimization_time`` (default a quarter period; 2 iterations for maps)."""
    from ..analysis import tangent_propagator

    system = as_system(system)
    members, a, x = check_members(members), _check_amplitude(amplitude), _state(system, x0)
    tau = (2 if system.discrete else float(system.period or 1.0) / 4) if optimization_time is None else optimization_time
    _, M = tangent_propagator(system, x, tau, t0=t0, params=params)
    _, S, Vt = np.linalg.svd(M)
    if k is None:
        k = max(1, int(np.sum(S > 1.0)))
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= system.dim):
        raise ValueError(f"k must be an integer between 1 and {system.dim}, got {k!r}")
    V = Vt[:k].T
    pert = _subspace_members(V, members, a, np.random.default_rng(seed))
    return InitialEnsemble("singular", x + pert, x, float(t0), a, {"vectors": V, "growth": S[:k],
                                                                   "optimization_time": float(tau)})


def perturb(system: System | str, x0=None, members: int = 20, perturbation: str = "gaussian", amplitude: float = 1e-3,
            *, seed: int = 0, t0: float = 0.0, params: Mapping[str, Any] | None = None, **options) -> InitialEnsemble:
    """Dispatch on ``perturbation`` (one of ``PERTURBATIONS``, in any case)."""
    kind = resolve_name(perturbation, PERTURBATIONS, "perturbation")
    if kind == "gaussian":  # the draw does not depend on the parameters
        return gaussian_perturbations(system, x0, members, amplitude, seed=seed, t0=t0, **options)
    if kind == "bred":
        return bred_perturbations(system, x0, members, amplitude, seed=seed, t0=t0, params=params, **options)
    if kind == "lyapunov":
        return lyapunov_perturbations(system, x0, members, amplitude, seed=seed, t0=t0, params=params, **options)
    return singular_perturbations(system, x0, members, amplitude, seed=seed, t0=t0, params=params, **options)


def parameter_ensemble(system: System | str, members: int, spread: float, *, names: Sequence[str] | None = None,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """``members`` perturbed parameter sets (batched ``params`` for ``chaoslab.ensemble``): each
    parameter in ``names`` (default all scalar parameters) times (1 + spread η), η ~ N(0, 1); a
    parameter whose default is 0 gets spread η added instead."""
    system = as_system(system)
    members, s = check_members(members), float(spread)
    if not (s > 0 and math.isfinite(s)):
        raise ValueError(f"spread must be a number > 0, got {spread!r}")
    scalar = [k for k, v in system.params.items() if np.ndim(v) == 0]
    names = list(scalar if names is None else names)
    for n in names:
        if n not in system.params:
            raise ValueError(f"system '{system.name}' has no parameter '{n}'; allowed: {', '.join(system.params) or 'none'}")
        if np.ndim(system.params[n]) != 0:
            raise ValueError(f"parameter '{n}' of '{system.name}' is an array; perturb scalar parameters")
    if not names:
        raise ValueError(f"system '{system.name}' has no scalar parameter to perturb")
    rng = np.random.default_rng(seed)
    out = {}
    for n in names:
        base = float(system.params[n])
        eta = rng.standard_normal(members)
        out[n] = base * (1 + s * eta) if base != 0 else s * eta
    return out
