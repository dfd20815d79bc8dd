"""Lyapunov spectra from the equations: tangent dynamics with periodic QR re-orthonormalisation.

Flows. The state x and k tangent vectors Q (d x k) follow the variational equation

    x' = f(x, t),    Q' = J(x, t) Q,    J = df/dx,

integrated together by the same solver as trajectories (adaptive Dormand–Prince by default,
Kvaerno5 for stiff systems, or fixed-step RK4); J Q comes from forward-mode autodiff
(``jax.jvp``, one per column) or from the system's analytic Jacobian. Every ``interval`` time
units Q is re-orthonormalised, Q R = Q (Benettin et al. 1980; Shimada & Nagashima 1979), and
log |R_ii| accumulates the growth of the i-th volume direction; lambda_i is the accumulated
sum over the elapsed time.

Maps. The same with Q <- J(x_n) Q each iteration (``interval`` iterations between QR steps).

Delay equations x' = f(x, x(t - tau)) are infinite-dimensional; what is computed is the
leading k exponents of the discretised history (the ring buffer of the method-of-steps
integrator), by propagating k tangent copies of the integrator's whole state through the
linearised step (``jax.jvp``) and re-orthonormalising them.

Uncertainty. The post-transient run is cut into ``n_blocks`` blocks; each block gives an
estimate and the reported uncertainty is their standard error, sd(blocks) / sqrt(n_blocks).
The running estimate (convergence history) is kept too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..integrate.api import DivergenceError, _as_system, _initial_state, _split_params, default_bound
from ..integrate.solvers import SolverConfig, delay_steps, get_solver, resolve_method
from ..systems.base import System

__all__ = ["LyapunovSpectrum", "lyapunov_spectrum", "finite_time_lyapunov", "kaplan_yorke_dimension",
           "ks_entropy", "lyapunov_time", "CovariantVectors", "covariant_lyapunov_vectors", "LyapunovVectors",
           "lyapunov_vectors", "tangent_propagator"]

MAX_HISTORY = 2000


# ----------------------------------------------------------------------------- derived invariants
def kaplan_yorke_dimension(exponents) -> float:
    """D_KY = j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|, j the largest index whose
    cumulative sum is >= 0 (Kaplan & Yorke 1979). 0 if lambda_1 < 0; the number of exponents if
    the cumulative sum never turns negative."""
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    if lam.size == 0 or lam[0] < 0:
        return 0.0
    c = np.cumsum(lam)
    if np.all(c >= 0):
        return float(lam.size)
    j = int(np.nonzero(c >= 0)[0][-1]) + 1  # number of exponents with non-negative cumulative sum
    return float(j + c[j - 1] / abs(lam[j]))


def ks_entropy(exponents) -> float:
    """Upper bound on the Kolmogorov–Sinai entropy: the sum of the positive exponents
    (Pesin's identity holds with equality for SRB measures)."""
    lam = np.asarray(exponents, dtype=float)
    return float(lam[lam > 0].sum())


def lyapunov_time(exponents) -> float:
    """1 / lambda_1 for lambda_1 > 0; infinity otherwise (no exponential loss of predictability)."""
    l1 = float(np.max(np.asarray(exponents, dtype=float)))
    return 1.0 / l1 if l1 > 0 else math.inf


# ----------------------------------------------------------------------------- result
@dataclass
class LyapunovSpectrum:
    """Exponents (descending) with their standard error over blocks and the convergence history.

    For an ensemble, ``exponents`` is (members, k) and ``uncertainty`` the standard error of each
    member; ``mean``/``spread`` summarise over members.
    """

    system: str
    exponents: np.ndarray
    uncertainty: np.ndarray
    blocks: np.ndarray
    history_t: np.ndarray
    history: np.ndarray
    time: float
    transient: float
    interval: float
    method: str
    seed: int
    members: int | None = None
    local_rates: np.ndarray | None = field(default=None, repr=False)

    @property
    def mean(self) -> np.ndarray:
        return self.exponents if self.members is None else self.exponents.mean(axis=0)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over members (ensembles) — the finite-time variability."""
        return np.zeros_like(self.mean) if self.members is None else self.exponents.std(axis=0, ddof=1)

    @property
    def lyapunov_time(self) -> float:
        return lyapunov_time(self.mean)

    @property
    def kaplan_yorke_dimension(self) -> float:
        return kaplan_yorke_dimension(self.mean)

    @property
    def ks_entropy(self) -> float:
        """Sum of the exponents that are positive beyond 3 standard errors (a zero exponent
        estimated at +1e-4 is not an expanding direction)."""
        se = self.uncertainty if self.members is None else self.uncertainty.mean(axis=0)
        lam = self.mean
        return ks_entropy(np.where(lam > 3 * np.nan_to_num(se, nan=0.0), lam, 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "lyapunov_spectrum": self.mean.tolist(),
            "lyapunov_uncertainty": (self.uncertainty if self.members is None
                                     else np.sqrt((self.uncertainty**2).mean(axis=0) / self.members)).tolist(),
            "kaplan_yorke_dimension": self.kaplan_yorke_dimension,
            "ks_entropy": self.ks_entropy,
            "lyapunov_time": self.lyapunov_time,
            "time": self.time,
            "transient": self.transient,
            "interval": self.interval,
            "method": self.method,
            "seed": self.seed,
            "members": self.members,
        }


# ----------------------------------------------------------------------------- tangent systems
def _tangent_columns(system: System):
    """(x, Q, t, p) -> J(x, t) Q: the analytic Jacobian if given, else one jvp per column."""
    if system.jac_fn is not None:
        return lambda x, Q, t, p: jnp.asarray(system.jac_fn(x, t, **p)) @ Q
    f = system.rhs

    def jq(x, Q, t, p):
        return jax.vmap(lambda q: jax.jvp(lambda y: f(y, t, p), (x,), (q,))[1], in_axes=1, out_axes=1)(Q)

    return jq


@lru_cache(maxsize=256)
def _variational_system(system: System, k: int) -> System:
    """The flow of (x, Q) as one System of dimension d + d k (cached so it compiles once)."""
    d = system.dim
    f = system.rhs
    jq = _tangent_columns(system)

    def fn(z, t, **p):
        x, Q = z[:d], z[d:].reshape(d, k)
        return jnp.concatenate([f(x, t, p), jq(x, Q, t, p).reshape(-1)])

    return System(name=f"{system.name}/variational-{k}", dim=d + d * k, fn=fn, params=system.params,
                  period=system.period, dt=system.dt, nonautonomous=system.nonautonomous, stiff=system.stiff)


def _qr_step(M):
    """Re-orthonormalise M = Q R with diag(R) > 0; returns (Q, log|diag R|)."""
    Q, R = jnp.linalg.qr(M)
    d = jnp.diagonal(R)
    s = jnp.where(d < 0, -1.0, 1.0)
    return Q * s, jnp.log(jnp.abs(d))


def _flow_advance(system: System, k: int, interval: float, method: str, rtol: float, atol: float,
                  substeps: int | None):
    """(x, Q, t, p) -> (x(t + interval), Phi Q): one interval of the variational equation."""
    var = _variational_system(system, k)
    d = system.dim
    if method == "rk4":
        m = substeps or max(1, math.ceil(interval / ((system.period or interval) / 200)))
        cfg = SolverConfig("rk4", 1, substeps=m)
    else:
        cfg = SolverConfig(method, 1, rtol=rtol, atol=atol, max_steps=1_000_000)
    solve = get_solver(var, cfg)

    def advance(x, Q, t, p):
        _, z = solve(jnp.concatenate([x, Q.reshape(-1)]), t, t, interval, p)
        return z[:d], z[d:].reshape(d, k)

    return advance


def _map_advance(system: System, interval: int):
    """(x, Q, n, p) -> (x_{n + interval}, J...J Q) for a map."""
    f = system.rhs
    jq = _tangent_columns(system)

    def advance(x, Q, n0, p):
        def it(j, c):
            y, M = c
            return f(y, n0 + j, p), jq(y, M, n0 + j, p)

        return lax.fori_loop(0, interval, it, (x, Q))

    return advance


def _pde_advance(system: System, interval: float):
    """(u, Q, t, p) -> (u(t + interval), Phi Q) through the PDE's own (ETDRK) stepper: the
    tangent of the discretised PDE, by jvp through the steps."""
    m = max(1, math.ceil(interval / float(system.dt) - 1e-9))
    step = system.stepper(interval / m)

    def steps(u):
        return lax.fori_loop(0, m, lambda i, v: step(v), u)

    def advance(x, Q, t, p):
        x1 = steps(x)
        M = jax.vmap(lambda q: jax.jvp(steps, (x,), (q,))[1], in_axes=1, out_axes=1)(Q)
        return x1, M

    return advance


def _qr_runner(advance, n_int: int, interval):
    """Scan of (advance, QR): per interval the log growths, a finiteness flag and the state."""

    def run(x0, Q0, t0, p):
        def body(carry, i):
            x, Q, ok = carry
            x1, M = advance(x, Q, t0 + i * interval, p)
            Q1, logs = _qr_step(M)
            good = ok & jnp.all(jnp.isfinite(x1)) & jnp.all(jnp.isfinite(logs))
            return (x1, Q1, good), (logs, good, x1)

        _, (logs, good, xs) = lax.scan(body, (x0, Q0, jnp.asarray(True)), jnp.arange(n_int))
        return logs, good, xs

    return run


def _delay_runner(system: System, k: int, n_int: int, interval: float, cfg: SolverConfig):
    """Tangent copies of the whole method-of-steps state through the linearised solver."""
    solve = get_solver(system, SolverConfig("delay", 1, substeps=cfg.substeps, buffer=cfg.buffer))

    # The tangent space is that of the current state and the two ring buffers (states and
    # derivatives). f0, the history's left derivative at t = 0, is a constant of the run that is
    # read only during the first delay: it gets no tangent (else it would add a spurious 0).
    def flat(state):
        x, xs, fs, _, _ = state
        return jnp.concatenate([x.reshape(-1), xs.reshape(-1), fs.reshape(-1)])

    def unflat(v, like):
        x, xs, fs, i, f0 = like
        a, b = x.size, xs.size
        return (v[:a].reshape(x.shape), v[a:a + b].reshape(xs.shape), v[a + b:a + 2 * b].reshape(fs.shape), i,
                jnp.zeros_like(f0))

    def run(state0, Q0, t0, p):
        def advance(state, t):
            return solve(state, t, t, interval, p)[1]

        def body(carry, i):
            state, Q, ok = carry
            t = t0 + i * interval

            def push(v):
                zero_i = np.zeros((), dtype=jax.dtypes.float0)
                tang = unflat(v, state)
                tang = (tang[0], tang[1], tang[2], zero_i, tang[4])
                return flat(jax.jvp(lambda s: advance(s, t), (state,), (tang,))[1])

            new_state = advance(state, t)
            M = jax.vmap(push, in_axes=1, out_axes=1)(Q)
            Q1, logs = _qr_step(M)
            good = ok & jnp.all(jnp.isfinite(new_state[0])) & jnp.all(jnp.isfinite(logs))
            return (new_state, Q1, good), (logs, good, new_state[0])

        (_, _, _), (logs, good, xs) = lax.scan(body, (state0, Q0, jnp.asarray(True)), jnp.arange(n_int))
        return logs, good, xs

    return run, flat


@lru_cache(maxsize=128)
def _compiled_runner(key):
    """One jitted, member-vmapped tangent run per (kind, system, k, intervals, settings)."""
    kind, system = key[0], key[1]
    if kind == "flow":
        _, _, k, n_all, interval, meth, rtol, atol, substeps = key
        run = _qr_runner(_flow_advance(system, k, interval, meth, rtol, atol, substeps), n_all, interval)
    elif kind == "map":
        _, _, k, n_all, interval = key
        run = _qr_runner(_map_advance(system, interval), n_all, interval)
    elif kind == "pde":
        _, _, k, n_all, interval = key
        run = _qr_runner(_pde_advance(system, interval), n_all, interval)
    else:
        _, _, k, n_all, interval, cfg = key
        run, _ = _delay_runner(system, k, n_all, interval, cfg)
    return jax.jit(jax.vmap(run, in_axes=(0, 0, None, None)))


# ----------------------------------------------------------------------------- the public function
def _check_positive(name: str, value, allow_none=True):
    if value is None and allow_none:
        return
    if not (isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def lyapunov_spectrum(
    system: System | str,
    *,
    k: int | None = None,
    time: float | None = None,
    transient: float | None = None,
    interval: float | None = None,
    x0=None,
    members: int | None = None,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    n_blocks: int = 10,
    seed: int = 0,
    keep_local: bool = False,
) -> LyapunovSpectrum:
    """The k leading Lyapunov exponents of a flow, map or delay equation.

    Args:
        k: number of exponents (default: all for flows and maps, 3 for delay equations).
        time: length of the averaging run after the transient (time units; iterations for
            maps). Default 500 periods for flows and delay equations, 20,000 iterations for maps.
        transient: discarded first (default 20 periods; 1000 iterations for maps).
        interval: time between re-orthonormalisations (default period/10; 1 iteration).
        x0: initial state (d,) or states (members, d); default the reference IC.
        members: an ensemble of this many copies of ``x0`` / the reference IC, each with its own
            random initial tangent frame (use ``x0`` of shape (members, d) for different states).
        method: the integrator of the variational equation ("auto", "dopri5", "kvaerno5",
            "tsit5", "dopri8", "rk4"); delay equations use their method-of-steps integrator.
        n_blocks: blocks for the uncertainty (standard error over blocks).
        seed: seeds the random initial tangent frame (same seed -> same bits).
        keep_local: also return the local growth rates log|R_ii| / interval of every interval.

    Raises DivergenceError if the orbit leaves every bound (ensembles: the member is named).
    """
    system = _as_system(system)
    p, axes, n_batch = _split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here; loop over parameter sets")
    d_max = system.dim
    if system.delay:
        k = 3 if k is None else k
    else:
        k = (min(d_max, 10) if system.stepper is not None else d_max) if k is None else k
        if not (isinstance(k, (int, np.integer)) and 1 <= k <= d_max):
            raise ValueError(f"k must be an integer between 1 and {d_max} (the dimension of {system.name}), got {k!r}")
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"k must be a positive integer, got {k!r}")
    for name, v in (("time", time), ("interval", interval)):
        _check_positive(name, v)
    if transient is not None and not (math.isfinite(transient) and transient >= 0):
        raise ValueError(f"transient must be >= 0, got {transient!r}")
    if not (isinstance(n_blocks, (int, np.integer)) and n_blocks >= 1):
        raise ValueError(f"n_blocks must be a positive integer, got {n_blocks!r}")

    period = float(system.period or 1.0)
    if system.stepper is not None and system.period is None:
        from ..integrate.api import characteristic_period

        period = characteristic_period(system)
    if system.discrete:
        interval = int(interval or 1)
        time = float(time or 20_000)
        transient = float(1000 if transient is None else transient)
    elif system.stepper is not None:  # PDE: QR every 10 steps; 20 periods after 1 (defaults)
        interval = float(interval or 10 * float(system.dt))
        time = float(time or 20 * period)
        transient = float(period if transient is None else transient)
    else:
        interval = float(interval or period / 10)
        time = float(time or 500 * period)
        transient = float(20 * period if transient is None else transient)
    n_int = max(int(round(time / interval)), 1)
    time = n_int * interval
    n_blocks = min(n_blocks, n_int)

    # starting states (ensembles: one per member); the transient runs with the tangent frame
    # too, so that the frame has aligned with the leading directions before averaging starts
    batched = members is not None or (x0 is not None and np.ndim(x0) == 2)
    if batched:
        if x0 is None:
            x0 = np.broadcast_to(system.ic, (members, *np.shape(system.ic)))
        elif members is not None and np.shape(x0)[0] != members:
            raise ValueError(f"x0 holds {np.shape(x0)[0]} states but members={members}")
    else:
        x0 = system.ic if x0 is None else x0
    xb = np.asarray(x0, dtype=float)[None] if not batched else np.asarray(x0, dtype=float)
    n_mem = xb.shape[0]
    n_tr = int(round(transient / interval))
    transient = n_tr * interval
    n_all = n_tr + n_int

    if system.delay:
        m, M = delay_steps(system, interval, p, substeps=substeps)
        cfg = SolverConfig("delay", 1, substeps=m, buffer=M)
        state = _initial_state(system, xb, cfg, interval, p, n_mem)
        dim_tangent = int(sum(np.size(a[0]) for a in (state[0], state[1], state[2])))
        meth = "delay"
        key = ("delay", system, k, n_all, float(interval), cfg)
    else:
        state = jnp.asarray(xb)
        if xb.shape[1:] != (system.dim,):
            raise ValueError(f"x0 of {system.name} must have shape ({system.dim},) or (members, {system.dim}), "
                             f"got {np.shape(x0)}")
        dim_tangent = system.dim
        if system.stepper is not None:
            meth = "etdrk"
            key = ("pde", system, k, n_all, float(interval))
        elif system.discrete:
            meth = "map"
            key = ("map", system, k, n_all, int(interval))
        else:
            meth = resolve_method(system, method)
            if meth not in ("dopri5", "tsit5", "dopri8", "kvaerno5", "rk4"):
                raise ValueError(f"method {method!r} does not apply to the variational equation of a flow")
            key = ("flow", system, k, n_all, float(interval), meth, float(rtol), float(atol), substeps)
    if k > dim_tangent:
        raise ValueError(f"k must be <= {dim_tangent} (the tangent dimension), got {k}")

    # random orthonormal initial frames, one per member (seeded)
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(int(seed)), i))(jnp.arange(n_mem))
    Q0 = jax.vmap(lambda key: jnp.linalg.qr(jax.random.normal(key, (dim_tangent, k)))[0])(keys)
    logs, good, xs = _compiled_runner(key)(state, Q0, 0.0, p)
    logs, good, xs = np.asarray(logs), np.asarray(good), np.asarray(xs)

    # divergence: non-finite anywhere, or the orbit beyond its bound
    keep = [i for i in range(xs.shape[-1]) if i not in system.unbounded] if not system.delay else [0]
    bound = default_bound(system)
    bad = ~good | np.any(np.abs(xs[..., keep]) > bound, axis=-1)
    if bad.any():
        i = int(np.argmax(bad.any(axis=1)))
        j = int(np.argmax(bad[i]))
        raise DivergenceError(system.name, i, float((j + 1) * interval), None)

    logs = logs[:, n_tr:]
    t0 = transient
    # estimates: total, blocks, running history
    total = logs.sum(axis=1) / time  # (members, k)
    nb = n_int // n_blocks
    blocks = logs[:, : nb * n_blocks].reshape(n_mem, n_blocks, nb, k).sum(axis=2) / (nb * interval)
    # standard error over blocks (undefined, NaN, with a single block: the exponents never are)
    se = blocks.std(axis=1, ddof=1) / math.sqrt(n_blocks) if n_blocks > 1 else np.full((n_mem, k), np.nan)
    stride = max(1, n_int // MAX_HISTORY)
    csum = np.cumsum(logs, axis=1)[:, stride - 1 :: stride]
    hist_t = interval * np.arange(1, n_int + 1)[stride - 1 :: stride]
    history = csum / hist_t[None, :, None]
    order = np.argsort(-total.mean(axis=0))  # QR already orders them; keep it explicit
    sel = (lambda a: a[..., order])
    squeeze = (lambda a: a[0]) if not batched else (lambda a: a)
    return LyapunovSpectrum(
        system=system.name,
        exponents=squeeze(sel(total)),
        uncertainty=squeeze(sel(se)),
        blocks=squeeze(sel(blocks)),
        history_t=t0 + hist_t,
        history=squeeze(sel(history)),
        time=time,
        transient=transient,
        interval=float(interval),
        method=meth,
        seed=int(seed),
        members=n_mem if batched else None,
        local_rates=squeeze(sel(logs / interval)) if keep_local else None,
    )


def finite_time_lyapunov(system: System | str, horizon: float, *, members: int = 1000, k: int = 1,
                         params: Mapping[str, Any] | None = None, seed: int = 0, interval: float | None = None,
                         align: float | None = None, method: str = "auto") -> np.ndarray:
    """Finite-time Lyapunov exponents: the k leading exponents over ``horizon`` time units
    (iterations for maps) from ``members`` initial conditions sampled on the attractor (seeded).

    Before the horizon starts, each member's tangent frame is aligned with the leading
    (backward) Lyapunov directions by running the tangent dynamics for ``align`` (default 5
    periods; 50 iterations for maps), so the result is the growth rate of the leading
    directions, not of a random vector. Returns (members, k): the distribution, not only its mean.
    """
    from ..data.datasets import sample_initial_conditions

    system = _as_system(system)
    _check_positive("horizon", horizon, allow_none=False)
    if not (isinstance(members, (int, np.integer)) and members >= 1):
        raise ValueError(f"members must be a positive integer, got {members!r}")
    x0 = sample_initial_conditions(system, members, seed=seed, params=params)
    period = float(system.period or 1.0)
    if interval is None:
        interval = 1 if system.discrete else min(period / 10, horizon)
    if align is None:
        align = 50 if system.discrete else 5 * period
    res = lyapunov_spectrum(system, k=k, time=horizon, transient=align, interval=interval, x0=x0, params=params,
                            seed=seed, method=method, n_blocks=1)
    return res.exponents


# ----------------------------------------------------------------------------- covariant vectors
@dataclass
class CovariantVectors:
    """Covariant Lyapunov vectors along an orbit: ``vectors[n][:, i]`` is the unit i-th CLV at
    ``t[n]`` (state ``x[n]``), ordered like the exponents (descending)."""

    system: str
    t: np.ndarray
    x: np.ndarray
    vectors: np.ndarray
    exponents: np.ndarray

    def angle(self, i: int, j: int) -> np.ndarray:
        """Angle (radians, in [0, pi/2]) between CLVs i and j at every time: near-tangencies
        (small angles) signal non-hyperbolicity."""
        c = np.abs(np.einsum("nd,nd->n", self.vectors[:, :, i], self.vectors[:, :, j]))
        return np.arccos(np.clip(c, 0.0, 1.0))


def covariant_lyapunov_vectors(
    system: System | str,
    *,
    time: float,
    transient: float | None = None,
    backward: float | None = None,
    interval: float | None = None,
    x0=None,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    seed: int = 0,
) -> CovariantVectors:
    """Covariant Lyapunov vectors by Ginelli et al. (2007), Phys. Rev. Lett. 99, 130601.

    Forward: the Gram–Schmidt (QR) frame Q_n and the triangular factors R_n along the orbit,
    after ``transient`` (default 20 periods) to align the frame. Backward: from a random upper
    triangular C at the end, C_{n-1} = R_n^{-1} C_n with columns renormalised; after
    ``backward`` (default 20 periods) of convergence, CLV_n = Q_n C_n for the ``time`` window.
    Flows and maps (not delay equations); memory is 2 d^2 numbers per interval of the window.
    """
    from jax.scipy.linalg import solve_triangular

    system = _as_system(system)
    if system.delay:
        raise ValueError("covariant Lyapunov vectors are computed for flows and maps, not delay equations")
    p, _, n_batch = _split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here; loop over parameter sets")
    _check_positive("time", time, allow_none=False)
    _check_positive("interval", interval)
    period = float(system.period or 1.0)
    d = system.dim
    if system.discrete:
        interval = int(interval or 1)
        transient = float(200 if transient is None else transient)
        backward = float(200 if backward is None else backward)
        advance = _map_advance(system, interval)
    else:
        interval = float(interval or period / 10)
        transient = float(20 * period if transient is None else transient)
        backward = float(20 * period if backward is None else backward)
        meth = resolve_method(system, method)
        advance = _flow_advance(system, d, interval, meth, rtol, atol, None)
    for name, v in (("transient", transient), ("backward", backward)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0, got {v!r}")
    n_tr, n_win, n_bw = (max(int(round(v / interval)), 0) for v in (transient, time, backward))
    n_win = max(n_win, 1)
    x0 = np.asarray(system.ic if x0 is None else x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {x0.shape}")
    key = jax.random.key(int(seed))
    k1, k2 = jax.random.split(key)

    def run(x, p):
        Q = jnp.linalg.qr(jax.random.normal(k1, (d, d)))[0]

        def fwd(carry, i):
            x, Q = carry
            x1, M = advance(x, Q, i * interval, p)
            Q1, R = jnp.linalg.qr(M)
            s = jnp.where(jnp.diagonal(R) < 0, -1.0, 1.0)
            Q1, R = Q1 * s, R * s[:, None]
            return (x1, Q1), (x, Q, R)

        (_, _), (xs, Qs, Rs) = lax.scan(fwd, (x, Q), jnp.arange(n_tr + n_win + n_bw))
        xs, Qs, Rs = xs[n_tr:], Qs[n_tr:], Rs[n_tr:]  # Q_n at t_n; R_n maps frame n to n + 1
        logs = jnp.log(jnp.abs(jnp.diagonal(Rs[:n_win], axis1=1, axis2=2)))
        C = jnp.triu(jax.random.uniform(k2, (d, d), minval=0.5, maxval=1.5))
        C = C / jnp.linalg.norm(C, axis=0)

        def bwd(C, R):
            C0 = solve_triangular(R, C, lower=False)
            return C0 / jnp.linalg.norm(C0, axis=0), C0 / jnp.linalg.norm(C0, axis=0)

        _, Cs = lax.scan(bwd, C, Rs, reverse=True)  # Cs[n]: coefficients at t_n
        V = jnp.einsum("nij,njk->nik", Qs[:n_win], Cs[:n_win])
        return xs[:n_win], V, logs.sum(axis=0) / (n_win * interval)

    xs, V, lam = jax.jit(run)(jnp.asarray(x0), p)
    xs, V = np.asarray(xs), np.asarray(V)
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(V))):
        raise DivergenceError(system.name, 0, float("nan"), None)
    t = transient + interval * np.arange(n_win)
    return CovariantVectors(system.name, t, xs, V, np.asarray(lam))


# ----------------------------------------------------------------------------- vectors at a state
def _advance_for(system: System, k: int, interval, method: str = "auto", rtol: float = 1e-9, atol: float = 1e-9):
    """The (x, Q, t, p) -> (x(t + interval), Phi Q) step of a flow, map or field."""
    if system.delay:
        raise ValueError("tangent vectors at a state are computed for flows, maps and fields, not delay equations")
    if system.discrete:
        return _map_advance(system, int(interval))
    if system.stepper is not None:
        return _pde_advance(system, float(interval))
    return _flow_advance(system, k, float(interval), resolve_method(system, method), rtol, atol, None)


@lru_cache(maxsize=64)
def _vectors_runner(system: System, k: int, n_int: int, interval, method: str):
    """One jitted tangent-QR run per configuration, so repeated calls (an ensemble's cases) reuse
    the compiled program: (x, Q, t0, p) -> (x, Q, finite-time exponents)."""
    advance = _advance_for(system, k, interval, method)

    def run(x, Q, t0, p):
        def body(c, i):
            x, Q, s = c
            x1, M = advance(x, Q, t0 + i * interval, p)
            Q1, logs = _qr_step(M)
            return (x1, Q1, s + logs), None

        (x, Q, s), _ = lax.scan(body, (x, Q, jnp.zeros(k)), jnp.arange(n_int))
        return x, Q, s / (n_int * interval)

    return jax.jit(run)


@lru_cache(maxsize=64)
def _propagator_runner(system: System, span, method: str):
    """One jitted (x, t0, p) -> (x(t0 + span), d x(t0 + span) / d x(t0)) per configuration."""
    d = system.dim
    advance = _advance_for(system, d, span, method)
    return jax.jit(lambda x, t0, p: advance(x, jnp.eye(d), t0, p))


@dataclass
class LyapunovVectors:
    """Backward (Gram–Schmidt) Lyapunov vectors ``Q[:, :k]`` at the state ``x`` reached at time
    ``t``: the first j columns span the j directions in which perturbations grown since the past
    are largest. ``exponents`` are the finite-time growth rates over the run (estimates)."""

    system: str
    x: np.ndarray
    t: float
    Q: np.ndarray
    exponents: np.ndarray


def lyapunov_vectors(system: System | str, x0=None, *, k: int | None = None, time: float | None = None,
                     interval: float | None = None, t0: float = 0.0, params: Mapping[str, Any] | None = None,
                     method: str = "auto", seed: int = 0) -> LyapunovVectors:
    """The k leading backward Lyapunov vectors at the end of a run of ``time`` (default 20
    periods; 200 iterations for maps) from ``x0``: a random orthonormal frame carried along by
    the tangent dynamics with QR every ``interval`` aligns with them (exponentially fast, at the
    rate of the gaps between exponents). The state moves: the vectors belong to ``result.x``."""
    system = _as_system(system)
    p, _, n_batch = _split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here; loop over parameter sets")
    d = system.dim
    k = min(d, 10) if k is None else k
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= d):
        raise ValueError(f"k must be an integer between 1 and {d}, got {k!r}")
    period = float(system.period or 1.0)
    if system.discrete:
        interval, time = int(interval or 1), float(200 if time is None else time)
    elif system.stepper is not None:
        interval, time = float(interval or 10 * float(system.dt)), float(20 * period if time is None else time)
    else:
        interval, time = float(interval or period / 10), float(20 * period if time is None else time)
    _check_positive("time", time, allow_none=False)
    n_int = max(int(round(time / interval)), 1)
    x0 = np.asarray(system.ic if x0 is None else x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {x0.shape}")
    Q0 = jnp.linalg.qr(jax.random.normal(jax.random.key(int(seed)), (d, k)))[0]
    run = _vectors_runner(system, k, n_int, interval, method)
    x, Q, lam = (np.asarray(a) for a in run(jnp.asarray(x0), Q0, float(t0), p))
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(Q))):
        raise DivergenceError(system.name, 0, float("nan"), None)
    return LyapunovVectors(system.name, x, float(t0 + n_int * interval), Q, lam)


def tangent_propagator(system: System | str, x0, time: float, *, t0: float = 0.0,
                       params: Mapping[str, Any] | None = None, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """(x(t0 + time), M): the state after ``time`` and the d x d matrix M = d x(t0 + time) / d x(t0)
    of the linearised flow (map, field). Its singular vectors are the optimal perturbations over
    ``time``: ``np.linalg.svd(M)`` gives U S V^T with V's columns the initial and U's the final
    singular vectors, S the growth factors."""
    system = _as_system(system)
    p, _, n_batch = _split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here")
    _check_positive("time", time, allow_none=False)
    d = system.dim
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {x0.shape}")
    span = int(round(time)) if system.discrete else float(time)
    x, M = _propagator_runner(system, span, method)(jnp.asarray(x0), float(t0), p)
    x, M = np.asarray(x), np.asarray(M)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(M))):
        raise DivergenceError(system.name, 0, float(t0 + time), None)
    return x, M
