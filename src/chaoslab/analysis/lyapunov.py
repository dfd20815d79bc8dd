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

Uncertainty (a single estimate). The spectrum is averaged over ``orbits`` independent orbits
(default 32), integrated side by side in one compiled program. They start at distinct points of
one long on-attractor run (``data.sample_initial_conditions``; or all at ``x0``), each moved by
a seeded offset of 1e-3 (relative to each coordinate for sampled points, so positive variables
stay positive; of the attractor's scale for copies of ``x0``) and given its own random tangent frame, so
that different seeds give independent estimates and the orbits do not retrace each other. The estimate is the mean of
the orbits' time averages and its standard error the orbits' standard deviation / sqrt(orbits).
Independent orbits give a calibrated error bar where batch means over one orbit do not: the
local growth rates of a flow carry a large bounded ("coboundary") part — the rate depends on
where on the attractor the orbit is — whose contribution to a block's mean falls like
1/block length, so blocks of one orbit overstate the error (Lorenz: by 30 % for blocks of 100
time units), and the block count limits the error bar's own precision. Over independent orbits
both effects are part of the variance the error bar measures. At the start of every orbit the
run discards the transient, then as long as the orbits need to forget that they started close
together (ln(1e3) / lambda_1), then any further initial stretch in which the orbits' mean
local rate of lambda_1 still drifts (MSER truncation on blocks of ``CHUNK`` intervals; White
1997, Simulation 69, 323).

Precision. Without ``time``, the orbits run in blocks until the standard error of every
exponent with |lambda| > 10 % of the scale is below ``precision`` x the scale (the scale is
|lambda_1|, or max |lambda_i| when lambda_1 is zero within its error: a regular orbit), or
until the budget is spent (``max_time``, by default also bounded in solver work, so that no
system runs for hours); ``converged`` says which. Exponents near zero (the
direction of the flow, symmetries) converge like 1/time and are not waited for.

With ``members`` (or several states in ``x0``) every member is its own finite-time estimate
(one orbit each, no offsets); ``uncertainty`` is then the standard error of their mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.custom_batching import custom_vmap

from ..integrate.api import DivergenceError, as_system, initial_state, split_params, check_x0
from ..integrate.core import Blocks, blocks_program, member_blocks, place_blocks
from ..integrate.solvers import STAGES, SolverConfig, adaptive_segment, delay_steps, get_solver, resolve_method
from ..systems.base import System, resolve_name

__all__ = ["LyapunovSpectrum", "lyapunov_spectrum", "finite_time_lyapunov", "kaplan_yorke_dimension",
           "ks_entropy", "lyapunov_time", "CovariantVectors", "covariant_lyapunov_vectors", "LyapunovVectors",
           "lyapunov_vectors", "tangent_propagator", "tangent_advance", "tangent_step", "qr_step", "DEFAULT_PRECISION",
           "DEFAULT_ORBITS"]

MAX_HISTORY = 2000
DEFAULT_PRECISION = 0.005  # target standard error, relative to |lambda_1|
DEFAULT_ORBITS = 32  # independent orbits behind one estimate
ORBIT_OFFSET = 1e-3  # the orbits start this far apart, relative to their coordinates (or the scale)
ZERO_FLOOR = 0.1  # exponents with |lambda| <= ZERO_FLOOR x scale are not waited for
BUDGET_LYAPUNOV_TIMES = 2e5  # default budget, all orbits together ...
BUDGET_PERIODS_REGULAR = 2e4  # ... or this many periods when lambda_1 is not positive ...
BUDGET_WORK = 5e10  # ... and at most this much solver work: right-hand-side evaluations x (k + 1) x tangent dimension
MAP_QR_WORK = 32  # a map's re-orthonormalisation (every iterate) counts as this many evaluations of the map: a tiny
# batched QR costs far more than one iterate (2-D maps ran ~30x fewer work units per second than flows without it)
STRETCH_GROWTH = 5.0  # a QR interval is joined from shorter ones up to a growth ratio e^5 ...
MAX_STRETCH = 32  # ... at most this many ...
MIN_STRETCH = 4  # ... and only when at least this many (a second compiled program)
MIN_CHUNKS = 10  # averaging blocks per orbit before a precision target can be declared met
MSER_MIN_CHUNKS = 20  # blocks per orbit before the drift truncation is tried
MAX_INTERVALS = 1e9  # re-orthonormalisation intervals per orbit, at most
ORBIT_BLOCKS = 16  # the orbits (or members) run in about this many blocks, split over the local devices
ESCAPE_SCALES = 1e3  # an orbit beyond this many attractor scales has left the attractor: it escaped


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
    """Exponents (descending) with their standard error, and how they were obtained.

    A single estimate: ``exponents`` (k,) is the mean over ``orbits`` independent orbits,
    ``orbit_exponents`` (orbits, k) each orbit's own time average, ``uncertainty`` (k,) the
    standard error (their standard deviation / sqrt(orbits)). Quantities derived from the
    spectrum (Kaplan–Yorke dimension, Lyapunov time, KS entropy) carry jackknife standard errors
    over the orbits (``derived_uncertainty``). ``time`` is each orbit's averaging time (so the
    spectrum rests on ``orbits`` x ``time``), ``transient`` what each orbit discarded first.

    With members: ``exponents`` is (members, k), one finite-time estimate per member;
    ``uncertainty`` (k,) is the standard error of their mean, ``spread`` their standard deviation.

    ``escaped``: orbits that left the attractor (beyond 1e3 x its scale) and were excluded (``escaped="exclude"``);
    ``orbits`` counts those that stayed.
    """

    system: str
    exponents: np.ndarray
    uncertainty: np.ndarray
    orbit_exponents: np.ndarray
    history_t: np.ndarray
    history: np.ndarray
    time: float
    transient: float
    interval: float
    method: str
    seed: int
    members: int | None = None
    converged: bool | None = None
    precision: float | None = None
    target: float | None = None
    max_time: float | None = None
    escaped: int = 0
    local_rates: np.ndarray | None = field(default=None, repr=False)

    @property
    def orbits(self) -> int:
        return int(self.orbit_exponents.shape[0])

    @property
    def mean(self) -> np.ndarray:
        return self.exponents if self.members is None else self.exponents.mean(axis=0)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over members (ensembles) or orbits: the finite-time variability."""
        x = self.orbit_exponents
        return x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros_like(self.mean)

    @property
    def lyapunov_time(self) -> float:
        return lyapunov_time(self.mean)

    @property
    def kaplan_yorke_dimension(self) -> float:
        return kaplan_yorke_dimension(self.mean)

    def _positive(self, lam) -> float:
        """Sum of the exponents positive beyond 3 standard errors (a zero exponent estimated at
        +1e-4 is not an expanding direction)."""
        return ks_entropy(np.where(lam > 3 * np.nan_to_num(self.uncertainty, nan=0.0), lam, 0.0))

    @property
    def ks_entropy(self) -> float:
        return self._positive(self.mean)

    def derived_uncertainty(self, statistic: Callable[[np.ndarray], float]) -> float:
        """Jackknife standard error over the orbits (members) of ``statistic(exponents)``, a
        function of the mean spectrum: sqrt((n - 1) / n x sum (theta_(i) - theta_(.))^2), theta_(i)
        computed without orbit i. NaN with fewer than two orbits or a non-finite statistic."""
        x = self.orbit_exponents
        n = x.shape[0]
        if n < 2:
            return math.nan
        loo = (x.sum(axis=0)[None] - x) / (n - 1)
        vals = np.array([statistic(row) for row in loo], dtype=float)
        if not np.all(np.isfinite(vals)):
            return math.nan
        return float(math.sqrt((n - 1) / n * ((vals - vals.mean()) ** 2).sum()))

    def to_dict(self) -> dict[str, Any]:
        unc = lambda f: (lambda v: None if not math.isfinite(v) else v)(self.derived_uncertainty(f))
        return {
            "system": self.system,
            "lyapunov_spectrum": self.mean.tolist(),
            "lyapunov_uncertainty": self.uncertainty.tolist(),
            "kaplan_yorke_dimension": self.kaplan_yorke_dimension,
            "kaplan_yorke_uncertainty": unc(kaplan_yorke_dimension),
            "ks_entropy": self.ks_entropy,
            "ks_entropy_uncertainty": unc(self._positive),
            "lyapunov_time": self.lyapunov_time,
            "lyapunov_time_uncertainty": unc(lyapunov_time),
            "spectrum_time": self.time,
            "orbits": self.orbits if self.members is None else None,
            "converged": self.converged,
            "escaped": self.escaped,
            "precision": self.precision,
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


def qr_step(M):
    """Re-orthonormalise M = Q R with diag(R) > 0; returns (Q, log|diag R|)."""
    Q, R = jnp.linalg.qr(M)
    d = jnp.diagonal(R)
    s = jnp.where(d < 0, -1.0, 1.0)
    return Q * s, jnp.log(jnp.abs(d))


@custom_vmap
def _qr_in_turn(M):
    """:func:`qr_step`, vmapped as a loop over the matrices (one LAPACK call each): jaxlib 0.10's
    CPU LAPACK kernels hand a batch to XLA's intra-op threads and wait for them, which
    deadlocks when the programs of several devices make such calls at once (seen with two host
    devices on two cores). Each matrix's factorisation is the same either way."""
    return qr_step(M)


@_qr_in_turn.def_vmap
def _qr_in_turn_vmap(axis_size, in_batched, M):
    if not in_batched[0]:
        return _qr_in_turn(M), (False, False)
    return lax.map(_qr_in_turn, M), (True, True)


def _flow_advance(system: System, k: int, interval: float, method: str, rtol: float, atol: float,
                  substeps: int | None, counted: bool = False):
    """(x, Q, t, p) -> (x(t + interval), Phi Q): one interval of the variational equation; with
    ``counted``, also the right-hand-side evaluations it took (adaptive methods: steps x stages)."""
    var = _variational_system(system, k)
    d = system.dim
    if method == "rk4":
        m = substeps or max(1, math.ceil(interval / ((system.period or interval) / 200)))
        solve = get_solver(var, SolverConfig("rk4", 1, substeps=m))
        segment = lambda z, t, p: (solve(z, t, t, interval, p)[1], m)
    else:
        run = adaptive_segment(var, method, rtol, atol)
        segment = lambda z, t, p: run(z, t, t + interval, p)

    def advance(x, Q, t, p):
        z, steps = segment(jnp.concatenate([x, Q.reshape(-1)]), t, p)
        out = (z[:d], z[d:].reshape(d, k))
        return out + (STAGES[method] * steps,) if counted else out

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


def _pde_substeps(system: System, interval: float) -> int:
    """Steps of the field's own stepper per interval (at most its dt each)."""
    return max(1, math.ceil(interval / float(system.dt) - 1e-9))


def _pde_advance(system: System, interval: float):
    """(u, Q, t, p) -> (u(t + interval), Phi Q) through the PDE's own (ETDRK) stepper: the
    tangent of the discretised PDE, by jvp through the steps."""
    m = _pde_substeps(system, interval)
    step = system.stepper(interval / m)

    def steps(u):
        return lax.fori_loop(0, m, lambda i, v: step(v), u)

    def advance(x, Q, t, p):
        x1 = steps(x)
        M = jax.vmap(lambda q: jax.jvp(steps, (x,), (q,))[1], in_axes=1, out_axes=1)(Q)
        return x1, M

    return advance




def _delay_advance(system: System, interval: float, cfg: SolverConfig):
    """Tangent copies of the whole method-of-steps state through the linearised solver:
    (state, Q, t, p) -> (state(t + interval), Phi Q), and the flattening of a state."""
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

    def advance(state, Q, t, p):
        step = lambda s: solve(s, t, t, interval, p)[1]

        def push(v):
            zero_i = np.zeros((), dtype=jax.dtypes.float0)
            tang = unflat(v, state)
            tang = (tang[0], tang[1], tang[2], zero_i, tang[4])
            return flat(jax.jvp(step, (state,), (tang,))[1])

        return step(state), jax.vmap(push, in_axes=1, out_axes=1)(Q)

    return advance, flat


def _advance_of(key):
    """The (state, Q, t, p) -> (state', Phi Q) step of a runner key."""
    kind, system = key[0], key[1]
    if kind == "flow":
        _, _, k, interval, meth, rtol, atol, substeps = key
        return _flow_advance(system, k, interval, meth, rtol, atol, substeps)
    if kind == "map":
        return _map_advance(system, key[3])
    if kind == "pde":
        return _pde_advance(system, key[3])
    return _delay_advance(system, key[3], key[4])[0]


def _counted_advance_of(key):
    """The step of a runner key that also returns its right-hand-side evaluations (the solver
    work, :data:`chaoslab.integrate.solvers.STAGES` per step): counted by adaptive flows, fixed
    for the others."""
    kind = key[0]
    if kind == "flow":
        _, system, k, interval, meth, rtol, atol, substeps = key
        return _flow_advance(system, k, interval, meth, rtol, atol, substeps, counted=True)
    base = _advance_of(key)
    if kind == "map":
        evals = key[3] + MAP_QR_WORK
    elif kind == "pde":
        evals = STAGES["etdrk"] * _pde_substeps(key[1], key[3])
    else:
        evals = STAGES["delay"] * key[4].substeps
    return lambda s, Q, t, p: base(s, Q, t, p) + (evals,)


@lru_cache(maxsize=128)
def _chunk_runner(key, n_chunk: int, keep_local: bool, blocks):
    """One jitted, orbit-vmapped block of ``n_chunk`` QR intervals per configuration:
    (state, Q, t0, p, n_valid) -> (state, Q, sum of log|R_ii|, bad, first bad interval, right-hand-side
    evaluations[, logs]).
    The orbits (``blocks.padded``) lie in blocks (:func:`chaoslab.integrate.core.member_blocks`)
    split over the devices under ``shard_map`` (every device integrates and re-orthonormalises
    its own orbits), each computing on arrays of shape (its blocks, block, ...).
    Only the first ``n_valid`` intervals count (a traced number: any length reuses the program);
    an orbit that turns non-finite or goes beyond ``bound`` (ESCAPE_SCALES x the attractor's scale) is
    frozen and flagged, in the program (not the integrators' 1e8 x scale: an orbit that leaves a leaky
    attractor slowly would otherwise stall every orbit of its block, its tangent stiffening as it
    goes)."""
    kind, system, interval = key[0], key[1], key[3]
    advance = _counted_advance_of(key)
    qr = _qr_in_turn if blocks.devices > 1 else qr_step
    pos = (lambda s: s[0]) if kind == "delay" else (lambda s: s)
    keep = [i for i in range(system.dim) if i not in system.unbounded]

    def run(state, Q, t0, p, n_valid, bound):
        def body(carry, i):
            s, Q, total, bad, first, work = carry
            s1, M, evals = advance(s, Q, t0 + i * interval, p)
            work = work + jnp.where(i < n_valid, evals, 0).astype(work.dtype)
            Q1, logs = qr(M)
            x1 = pos(s1)
            broken = ~(jnp.all(jnp.isfinite(x1)) & jnp.all(jnp.isfinite(logs)))
            if keep:
                broken |= jnp.any(jnp.abs(x1.reshape(-1, system.dim)[:, jnp.asarray(keep)]) > bound)
            active = i < n_valid
            first = jnp.where(active & broken & ~bad, i, first)
            bad = bad | (active & broken)
            take = active & ~bad
            s = jax.tree_util.tree_map(lambda a, b: jnp.where(take, a, b), s1, s)
            Q = jnp.where(take, Q1, Q)
            logs = jnp.where(take, logs, 0.0)
            return (s, Q, total + logs, bad, first, work), (logs if keep_local else None)

        k = Q.shape[-1]
        init = (state, Q, jnp.zeros(k), jnp.asarray(False), jnp.asarray(-1), jnp.asarray(0.0))
        (s, Q, total, bad, first, work), logs = lax.scan(body, init, jnp.arange(n_chunk))
        return (s, Q, total, bad, first, work) + ((logs,) if keep_local else ())

    per = jax.vmap(run, in_axes=(0, 0, None, None, None, None))
    per = jax.vmap(per, in_axes=(0, 0, None, None, None, None))  # (blocks, block, ...)

    def shard(state, Q, t0, p, n_valid, bound):
        cut = lambda a: a.reshape((a.shape[0] // blocks.block, blocks.block) + a.shape[1:])
        out = per(jax.tree_util.tree_map(cut, state), cut(Q), t0, p, n_valid, bound)
        return jax.tree_util.tree_map(lambda a: a.reshape((-1,) + a.shape[2:]), out)

    from jax.sharding import PartitionSpec as P

    return blocks_program(shard, blocks, in_specs=(P("members"),) * 2 + (P(),) * 4, out_specs=P("members"),
                          key=("lyapunov", key, n_chunk, keep_local))


class _Orbits:
    """Runs the orbits block by block and keeps, per block, the sum of log|R_ii| of every orbit."""

    def __init__(self, system: System, key, n_chunk: int, state, Q, p, interval: float, keep_local: bool,
                 exclude_escaped: bool = False):
        self.system, self.interval, self.n_chunk = system, interval, n_chunk
        self.exclude_escaped = exclude_escaped
        self.t_start = 0.0  # the orbits' time at this run's first interval
        self.alive = np.ones(np.shape(Q)[0], dtype=bool)  # orbits that never left the bound
        n = self.n = np.shape(Q)[0]
        # a delay equation's orbits stay together on one device: XLA compiles their tangent
        # program (ring buffers, nested loops) differently for different numbers of orbits per
        # device, and the bits would depend on the device count
        self.blocks = Blocks(n, n, 1, 1) if system.delay else member_blocks(n, least=1, target=ORBIT_BLOCKS)
        self.run = _chunk_runner(key, n_chunk, keep_local, self.blocks)
        # padded to whole blocks by repeating the last orbit (dropped from every result), and
        # placed across the devices
        grow = lambda a: jnp.concatenate([a, jnp.repeat(a[-1:], self.blocks.padded - n, axis=0)])
        self.state, self.Q = place_blocks(jax.tree_util.tree_map(grow, (state, jnp.asarray(Q))), self.blocks)
        self.p = p
        # beyond ESCAPE_SCALES x the attractor's scale (or the starting states' size, if larger)
        keep = [i for i in range(system.dim) if i not in system.unbounded]
        x = np.asarray(state[0] if isinstance(state, tuple) else state).reshape(-1, system.dim)[:, keep]
        start = float(np.max(np.abs(x))) if x.size and np.all(np.isfinite(x)) else 0.0
        self.bound = ESCAPE_SCALES * max(system.scale, start)
        self.sums: list[np.ndarray] = []  # (orbits, k) per block
        self.counts: list[int] = []  # intervals per block
        self.logs: list[np.ndarray] = []  # (orbits, n, k) per block, with keep_local
        self.keep_local = keep_local
        self.done = 0  # intervals run
        self.work = 0.0  # right-hand-side evaluations x (k + 1) x tangent dimension, all orbits together
        self.work_here = 0.0  # ... of this run's intervals (not those of a run it continues)
        self.cost = float(np.shape(Q)[1] * (np.shape(Q)[2] + 1))

    @classmethod
    def continued(cls, prev: "_Orbits", key, interval: float) -> "_Orbits":
        """The orbits of ``prev`` carried on from where they are, with another runner key and QR
        interval (its escapes, bound and work carried over; its blocks are not)."""
        n = prev.n
        state = jax.tree_util.tree_map(lambda a: a[:n], prev.state)
        run = cls(prev.system, key, prev.n_chunk, state, prev.Q[:n], prev.p, interval, prev.keep_local,
                  prev.exclude_escaped)
        run.t_start, run.alive, run.bound, run.work = prev.elapsed, prev.alive.copy(), prev.bound, prev.work
        return run

    @property
    def elapsed(self) -> float:
        """Time each orbit has integrated since its start (earlier runs included)."""
        return self.t_start + self.done * self.interval

    def advance(self, n: int) -> None:
        while n > 0:
            m = min(self.n_chunk, n)
            out = self.run(self.state, self.Q, self.t_start + self.done * self.interval, self.p, m, self.bound)
            self.state, self.Q = out[0], out[1]
            out = out[:2] + tuple(np.asarray(a)[:self.n] for a in out[2:])  # the orbits, not the padding
            bad = np.asarray(out[3]) & self.alive
            # an escaped orbit is excluded from every estimate from its escape on
            self.alive &= ~bad
            if bad.any() and (not self.exclude_escaped or self.alive.sum() < max(2, self.alive.size / 2)):
                i = int(np.argmax(bad))
                hint = ("its orbits are not all confined at these parameters (an escape, or a singularity the "
                        "integrator cannot pass); escaped='exclude' (--exclude-escaped) averages the orbits that stay"
                        if not self.exclude_escaped else
                        f"{int((~self.alive).sum())} of {self.alive.size} orbits escaped: too few stay for an estimate")
                raise DivergenceError(
                    self.system.name, i, float(self.t_start + (self.done + int(out[4][i]) + 1) * self.interval),
                    what=f"(of {len(bad)}) left the attractor (|x| > {self.bound:.3g}, 1e3 x its scale) or "
                         "turned non-finite", hint=hint)
            if bad.any():
                # an excluded orbit carries on from a copy of a surviving orbit's state and frame
                # (its numbers stay excluded): left at its escape point, a stiff or singular
                # place, its integration would set the pace of every orbit of the block
                dead = np.concatenate([~self.alive, np.repeat(~self.alive[-1:], self.blocks.padded - self.n)])
                dead = jnp.asarray(dead)  # the padding follows the last orbit
                donor = int(np.argmax(self.alive))
                self.state = jax.tree_util.tree_map(
                    lambda a: jnp.where(dead.reshape((-1,) + (1,) * (a.ndim - 1)), a[donor], a), self.state)
                self.Q = jnp.where(dead[:, None, None], self.Q[donor], self.Q)
            self.sums.append(np.asarray(out[2]))
            self.counts.append(m)
            # solver work: evaluations of f and its k tangent products, at the tangent dimension
            w = float(np.sum(out[5])) * self.cost
            self.work += w
            self.work_here += w
            if self.keep_local:
                self.logs.append(np.asarray(out[6])[:, :m])
            self.done += m
            n -= m

    def edges(self) -> np.ndarray:
        """Interval index at which each block starts, and the end."""
        return np.concatenate([[0], np.cumsum(self.counts)])

    def first_block_at(self, n: int) -> int:
        """The first block starting at or after interval n (len(blocks) if none)."""
        return int(np.searchsorted(self.edges()[:-1], n, side="left"))

    def estimate(self, b: int) -> tuple[np.ndarray, int]:
        """Each orbit's exponents (orbits, k) over blocks b.., and their interval count."""
        n = int(sum(self.counts[b:]))
        if n == 0:
            return np.full(self.sums[0][self.alive].shape, np.nan), 0
        return np.sum(self.sums[b:], axis=0)[self.alive] / (n * self.interval), n

    def history(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Running estimate (orbits, blocks, k) over blocks b.., and the orbit time at each block end."""
        s = np.cumsum(np.stack(self.sums[b:], axis=1)[self.alive], axis=1)
        n = np.cumsum(self.counts[b:])
        return s / (n[None, :, None] * self.interval), self.t_start + (self.edges()[b] + n) * self.interval

    def local(self, b: int) -> np.ndarray:
        return np.concatenate(self.logs[b:], axis=1)[self.alive] / self.interval


def _mser(y: np.ndarray) -> int:
    """MSER truncation point of a series (White 1997): the d <= len/2 that minimises the squared
    standard error of the mean of y[d:], sum (y - mean)^2 / (n - d)^2."""
    n = y.size
    d = np.arange(n // 2 + 1)
    s1 = np.cumsum(y[::-1])[::-1][d]
    s2 = np.cumsum((y**2)[::-1])[::-1][d]
    m = n - d
    return int(np.argmin((s2 - s1**2 / m) / m**2))


def _scale_and_target(est: np.ndarray, se: np.ndarray, precision: float) -> tuple[float, float]:
    """The scale the precision refers to: |lambda_1| when it is resolved from zero (> 5 s.e.),
    else the largest |lambda_i| resolved from zero (a regular orbit has lambda_1 = 0); NaN when
    none is (every exponent zero within its error: no relative precision can be reached);
    returns (scale, target)."""
    ok = np.isfinite(est) & np.isfinite(se)
    resolved = ok & (np.abs(est) > 5 * se)
    if resolved[0]:
        scale = abs(float(est[0]))
    else:
        scale = float(np.max(np.abs(est[resolved]))) if resolved.any() else math.nan
    return scale, precision * scale


# ----------------------------------------------------------------------------- the public function
def _check_positive(name: str, value, allow_none=True):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.integer, np.floating))
                                       and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def _chunk_length(system: System) -> int:
    """QR intervals per compiled block: a map's iteration is cheap, a flow's interval is not."""
    return 200 if system.discrete else 20


def lyapunov_spectrum(
    system: System | str,
    *,
    k: int | None = None,
    time: float | None = None,
    precision: float | None = None,
    max_time: float | None = None,
    orbits: int | None = None,
    transient: float | None = None,
    interval: float | None = None,
    x0=None,
    members: int | None = None,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    seed: int = 0,
    keep_local: bool = False,
    escaped: str = "error",
    progress: Callable[[float], None] | None = None,
) -> LyapunovSpectrum:
    """The k leading Lyapunov exponents of a flow, map, field or delay equation, with a
    calibrated standard error (see the module docstring).

    Args:
        k: number of exponents (default: all for flows and maps, 10 for fields, 3 for delay
            equations).
        time: a fixed averaging time for each orbit (time units; iterations for maps). Default:
            none — run until ``precision`` is reached.
        precision: the target standard error relative to |lambda_1| (default 0.005); every
            exponent with |lambda| > 10 % of |lambda_1| must reach it.
        max_time: the budget of a precision run: the time each orbit integrates in all,
            transient and discards included (default: 2e5 Lyapunov times for all orbits
            together, 2e4 periods while lambda_1 is not above zero by 2 standard errors, and at
            most BUDGET_WORK = 5e10 of solver work: right-hand-side evaluations x (k + 1) x the
            tangent dimension, all orbits together, with a map's QR step counted as MAP_QR_WORK
            = 32 evaluations: a few minutes on two cores whatever the system); ``converged`` is
            False if it ran out first.
        orbits: independent orbits behind the estimate (default 32, at least 2).
        transient: discarded first by every orbit (default 20 periods; 1000 iterations for maps);
            more is discarded when the orbits have not yet forgotten their common start or the
            estimate still drifts (``result.transient`` is what was discarded).
        interval: time between re-orthonormalisations (default period/10; 10 steps of a field; 1
            iteration). Unless given, a flow's or field's interval is lengthened after the
            transient, up to 32-fold, where the measured exponents let the tangent columns
            separate by no more than e^5 between re-orthonormalisations (slow systems: fewer
            restarts of the integrator, QR steps and host trips for the same arithmetic).
        x0: initial state (d,) of the orbits, or states (members, d); default the reference IC.
        members: an ensemble of this many copies of ``x0`` / the reference IC, each its own
            estimate with its own random tangent frame (use ``x0`` of shape (members, d) for
            different states). ``time`` is required with members.
        method: the integrator of the variational equation ("auto", "dopri5", "kvaerno5",
            "tsit5", "dopri8", "rk4"); delay equations use their method-of-steps integrator.
        seed: seeds the orbits' offsets and random initial tangent frames (same seed -> same bits).
        keep_local: also return the local growth rates log|R_ii| / interval of every interval
            after the transient, (orbits or members, intervals, k).
        escaped: what an orbit that leaves the system's bound does to a single estimate: "error"
            (default) stops the run; "exclude" drops that orbit from the estimate and counts it in
            ``result.escaped`` — the exponents of the orbits that stay, which for a leaky attractor
            (transient chaos) are its chaotic saddle's; at least half the orbits must stay.
            Members always stop the run.
        progress: called with the fraction done (0..1) after every block of a long run.

    Raises DivergenceError if an orbit leaves every bound (the orbit or member is named).
    """
    system = as_system(system)
    p, axes, n_batch = split_params(system, params)
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
    k = int(k)
    for name, v in (("time", time), ("interval", interval), ("precision", precision), ("max_time", max_time)):
        _check_positive(name, v)
    if transient is not None and not (isinstance(transient, (int, float, np.integer, np.floating))
                                      and math.isfinite(transient) and transient >= 0):
        raise ValueError(f"transient must be >= 0, got {transient!r}")
    if time is not None and (precision is not None or max_time is not None):
        raise ValueError("give time (a fixed averaging time) or precision/max_time (a target), not both")
    batched = members is not None or (x0 is not None and np.ndim(x0) == 2)
    if batched and (precision is not None or max_time is not None or orbits is not None):
        raise ValueError("precision, max_time and orbits make one estimate from several orbits; "
                         "with members every member is its own estimate (give time instead)")
    if batched and time is None:
        raise ValueError("members need a fixed averaging time: give time")
    if members is not None and (isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 1):
        raise ValueError(f"members must be a positive integer, got {members!r}")
    if orbits is not None and not (isinstance(orbits, (int, np.integer)) and orbits >= 2):
        raise ValueError(f"orbits must be an integer >= 2 (the error bar comes from their spread), got {orbits!r}")
    if precision is not None and precision >= 1:
        raise ValueError(f"precision is relative to |lambda_1| and must be in (0, 1), got {precision!r}")
    escaped = resolve_name(escaped, ("error", "exclude"), "escaped")

    period = float(system.period or 1.0)
    if system.stepper is not None and system.period is None:
        from ..integrate.api import characteristic_period

        period = characteristic_period(system)
    stretchable = interval is None and not (system.discrete or system.delay)
    if system.discrete:
        interval = int(interval or 1)
        transient = float(1000 if transient is None else transient)
    elif system.stepper is not None:  # field: QR every 10 steps
        interval = float(interval or 10 * float(system.dt))
        transient = float(20 * period if transient is None else transient)
    else:
        interval = float(interval or period / 10)
        transient = float(20 * period if transient is None else transient)
    for name, v in (("time", time), ("max_time", max_time), ("transient", transient)):
        if v is not None and v / interval > MAX_INTERVALS:
            raise ValueError(f"{name} = {v:g} needs more than {MAX_INTERVALS:.0e} re-orthonormalisation intervals "
                             f"of {interval:g} per orbit")
    n_tr = int(round(transient / interval))

    # starting states: members as given; one estimate: the base state and seeded offsets of it
    if batched:
        xb = check_x0(system, system.ic if x0 is None else x0)
        if xb.ndim <= 1:  # one state (a delay equation's history) copied for every member
            xb = np.broadcast_to(xb, (members, *xb.shape))
        elif members is not None and xb.shape[0] != members:
            raise ValueError(f"x0 holds {xb.shape[0]} states but members={members}")
        if xb.shape[0] < 1:
            raise ValueError(f"x0 must hold at least one state, got shape {xb.shape}")
    else:
        n_orb = DEFAULT_ORBITS if orbits is None else int(orbits)
        if x0 is None:  # distinct points of one long on-attractor run: a stationary start
            from ..data.datasets import sample_initial_conditions

            base = sample_initial_conditions(system, n_orb, seed=seed, params=params)
        else:
            base = check_x0(system, x0)[None]
        offsets = ORBIT_OFFSET * np.random.default_rng(seed).standard_normal((n_orb, *np.shape(base)[1:]))
        # sampled points move by a relative offset: every coordinate keeps its sign, so orbits of
        # positive (population, concentration) variables stay in their domain; all copies of one
        # given x0 move by a fraction of the attractor's scale
        xb = base * (1.0 + offsets) if x0 is None else base + system.scale * offsets
    n_mem = xb.shape[0]

    if system.delay:
        m, M = delay_steps(system, interval, p, substeps=substeps)
        cfg = SolverConfig("delay", 1, substeps=m, buffer=M)
        state = initial_state(system, xb, cfg, interval, p, n_mem)
        dim_tangent = int(sum(np.size(a[0]) for a in (state[0], state[1], state[2])))
        meth = "delay"
        key = ("delay", system, k, float(interval), cfg)
    else:
        if xb.shape[1:] != (system.dim,):
            raise ValueError(f"x0 of {system.name} must have shape ({system.dim},) or (members, {system.dim}), "
                             f"got {np.shape(x0)}")
        state = jnp.asarray(xb)
        dim_tangent = system.dim
        if system.stepper is not None:
            meth = "etdrk"
            key = ("pde", system, k, float(interval))
        elif system.discrete:
            meth = "map"
            key = ("map", system, k, int(interval))
        else:
            meth = resolve_method(system, method)
            if meth not in ("dopri5", "tsit5", "dopri8", "kvaerno5", "rk4"):
                raise ValueError(f"method {method!r} does not apply to the variational equation of a flow")
            key = ("flow", system, k, float(interval), meth, float(rtol), float(atol), substeps)
    if k > dim_tangent:
        raise ValueError(f"k must be <= {dim_tangent} (the tangent dimension), got {k}")

    # random orthonormal initial frames, one per orbit (seeded)
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(int(seed)), i))(jnp.arange(n_mem))
    Q0 = jax.vmap(lambda kk: jnp.linalg.qr(jax.random.normal(kk, (dim_tangent, k)))[0])(keys)
    n_fixed = None if time is None else max(int(round(time / interval)), 1)
    n_chunk = _chunk_length(system)
    if batched:
        n_chunk = min(n_chunk, n_tr + n_fixed)
    run = _Orbits(system, key, n_chunk, state, Q0, p, interval, keep_local,
                  exclude_escaped=escaped == "exclude" and not batched)
    run.advance(n_tr)  # ends a block exactly at the transient

    if batched:
        common = dict(system=system.name, interval=float(interval), method=meth, seed=int(seed))
        run.advance(n_fixed)
        b = run.first_block_at(n_tr)
        est, n = run.estimate(b)
        hist, hist_t = _thin(*run.history(b))
        se = est.std(axis=0, ddof=1) / math.sqrt(n_mem) if n_mem > 1 else np.full(k, np.nan)
        return LyapunovSpectrum(exponents=est, uncertainty=se, orbit_exponents=est, history_t=hist_t, history=hist,
                                time=n * interval, transient=n_tr * interval, members=n_mem,
                                local_rates=run.local(b) if keep_local else None, **common)

    # the transient told how fast the tangent columns separate: where they separate slowly, a
    # longer QR interval does the same arithmetic with fewer restarts, QR steps and host trips
    stretch = _stretch(run, interval) if stretchable and n_tr > 0 else 1
    if stretch > 1:
        interval = interval * stretch
        key = (key[0], key[1], key[2], float(interval)) + key[4:]
        run = _Orbits.continued(run, key, interval)
        n_tr = 0  # the transient is behind the continued run
        n_fixed = None if time is None else max(int(round(time / interval)), 1)
    common = dict(system=system.name, interval=float(interval), method=meth, seed=int(seed))

    target_p = DEFAULT_PRECISION if (precision is None and n_fixed is None) else precision
    run.advance(n_fixed if n_fixed is not None else MIN_CHUNKS * n_chunk)
    n_dec_log = math.log(1.0 / ORBIT_OFFSET)
    t_tr = run.t_start + n_tr * interval  # the transient's end, in the orbits' time
    while True:
        # discard: the transient, the orbits' common start (ln(1/offset) / lambda_1 when lambda_1
        # is resolved from zero; at most half of what follows the transient), then drift (MSER)
        b = run.first_block_at(n_tr)
        est_r, n = run.estimate(b)
        if n and est_r.shape[0] > 1:
            m1, s1 = float(np.mean(est_r[:, 0])), float(np.std(est_r[:, 0], ddof=1)) / math.sqrt(est_r.shape[0])
            if math.isfinite(m1) and m1 > 5 * s1:
                t_dec = min(n_dec_log / m1, t_tr + (run.elapsed - t_tr) / 2)
                b = max(b, run.first_block_at(int(math.ceil((t_dec - run.t_start) / interval))))
        n_blocks = len(run.counts) - b
        if n_blocks >= MSER_MIN_CHUNKS:
            rates = np.stack(run.sums[b:])[:, run.alive, 0].mean(axis=1) / (np.asarray(run.counts[b:]) * interval)
            b += _mser(rates)
        if n_fixed is not None:
            n = int(sum(run.counts[b:]))
            if n < n_fixed:
                # the shortfall twice over where the run is long enough (the discards take at most
                # half of what is added), else the shortfall: a few steps, not a creep
                short = n_fixed - n
                run.advance(max(short, min(2 * short, run.done)))
                continue
            # each orbit averages the last blocks that hold at least the time asked for
            edges = run.edges()
            while b + 1 < len(run.counts) and edges[-1] - edges[b + 1] >= n_fixed:
                b += 1
        est_r, n = run.estimate(b)
        est = est_r.mean(axis=0)
        se = est_r.std(axis=0, ddof=1) / math.sqrt(est_r.shape[0])  # over the orbits that stayed
        done_time = n * interval
        if n_fixed is not None:
            converged, target, budget = None, None, None
            break
        # lambda_1 plausibly positive (> 2 s.e.): the chaotic budget, so that a slowly converging
        # lambda_1 gets the run it needs to be resolved; else the regular one
        lam1_positive = float(est[0]) if np.isfinite(est[0]) and est[0] > 2 * se[0] else math.nan
        scale, target = _scale_and_target(est, se, target_p)
        counted = np.isfinite(est) & (np.abs(est) > ZERO_FLOOR * scale)
        ratio = float(np.max(se[counted] / target)) if counted.any() and math.isfinite(target) else math.inf
        if not math.isfinite(ratio):
            ratio = math.inf
        converged = bool(ratio < 1.0 and len(run.counts) - b >= MIN_CHUNKS)
        # the budget counts every interval integrated (transient and discards too): a time per
        # orbit, and by default also the solver work of all orbits together
        budget = max_time if max_time is not None else _default_budget(lam1_positive, period, n_mem)
        spent = run.elapsed
        work_left = math.inf if max_time is not None else BUDGET_WORK - run.work
        if work_left <= 0:
            budget = spent  # the time the work budget allowed
        if progress is not None:
            used = max(spent / budget, 0.0 if max_time is not None else run.work / BUDGET_WORK)
            progress(min(1.0, max(used, 1.0 / ratio**2 if ratio > 0 else 1.0)))
        if converged or spent >= budget:
            break
        # the standard error falls like 1/sqrt(time): go to the predicted need rather than creep
        # up on the target, so that the error bar reported is not selected by many looks at it (a
        # stopping rule biases it low); at most 3x the run so far (short orbits overstate the need:
        # their bounded part of the local rates adds variance ~ 1/time^2), within the budget
        need = n * ratio**2 - n if math.isfinite(ratio) else run.done
        per_interval = run.work_here / max(run.done, 1)  # work of one interval, all orbits
        left = min((budget - spent) / interval, work_left / per_interval if per_interval > 0 else math.inf)
        more = min(max(need, n_chunk), 3 * run.done, max(left, 1))
        run.advance(int(math.ceil(more / n_chunk)) * n_chunk)
    hist, hist_t = _thin(*run.history(b))
    return LyapunovSpectrum(exponents=est, uncertainty=se, orbit_exponents=est_r, history_t=hist_t,
                            history=hist.mean(axis=0), time=done_time,
                            transient=float(run.t_start + run.edges()[b] * interval),
                            converged=converged, precision=target_p, target=target,
                            max_time=None if budget is None else float(budget), escaped=int((~run.alive).sum()),
                            local_rates=run.local(b) if keep_local else None, **common)


def _stretch(run: "_Orbits", interval: float) -> int:
    """How many QR intervals to join into one (1: none), from the spectrum the transient
    measured: the tangent columns may separate, and the leading one grow or shrink, by up to
    e^STRETCH_GROWTH between re-orthonormalisations (well within what double precision and the
    integrator's tolerances resolve), at most MAX_STRETCH intervals and only if worth a second
    compiled program (at least MIN_STRETCH)."""
    est, _ = run.estimate(0)
    lam = est.mean(axis=0) if est.size else np.array([np.nan])
    if not np.all(np.isfinite(lam)):
        return 1
    rate = max(float(lam[0] - lam[-1]), abs(float(lam[0])), abs(float(lam[-1])))
    m = MAX_STRETCH if rate <= 0 else int(min(MAX_STRETCH, STRETCH_GROWTH // (rate * interval)))
    return m if m >= MIN_STRETCH else 1


def _default_budget(lam1: float, period: float, orbits: int) -> float:
    """Each orbit's share of the default time budget (see ``lyapunov_spectrum``): a number of
    Lyapunov times — the system's own clock, whatever its nominal period — or, while lambda_1
    (NaN: not above zero by 2 s.e.) is not positive, a number of periods. The solver work
    (BUDGET_WORK) bounds either."""
    if math.isfinite(lam1) and lam1 > 0:
        total = BUDGET_LYAPUNOV_TIMES / lam1
    else:
        total = BUDGET_PERIODS_REGULAR * period
    return total / orbits


def _thin(hist: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_HISTORY points of a running estimate (the last one kept)."""
    stride = max(1, math.ceil(t.size / MAX_HISTORY))
    idx = np.arange(t.size)[::-1][::stride][::-1]
    return hist[:, idx], t[idx]


def finite_time_lyapunov(system: System | str, time: float, *, members: int = 1000, k: int = 1,
                         params: Mapping[str, Any] | None = None, seed: int = 0, interval: float | None = None,
                         align: float | None = None, method: str = "auto") -> np.ndarray:
    """Finite-time Lyapunov exponents: the k leading exponents over ``time`` time units
    (iterations for maps) from ``members`` initial conditions sampled on the attractor (seeded).

    Before that time starts, each member's tangent frame is aligned with the leading
    (backward) Lyapunov directions by running the tangent dynamics for ``align`` (default 5
    periods; 50 iterations for maps), so the result is the growth rate of the leading
    directions, not of a random vector. Returns (members, k): the distribution, not only its mean.
    """
    from ..data.datasets import sample_initial_conditions

    system = as_system(system)
    _check_positive("time", time, allow_none=False)
    if not (isinstance(members, (int, np.integer)) and members >= 1):
        raise ValueError(f"members must be a positive integer, got {members!r}")
    x0 = sample_initial_conditions(system, members, seed=seed, params=params)
    period = float(system.period or 1.0)
    if interval is None:
        interval = 1 if system.discrete else min(period / 10, time)
    if align is None:
        align = 50 if system.discrete else 5 * period
    res = lyapunov_spectrum(system, k=k, time=time, transient=align, interval=interval, x0=x0, params=params,
                            seed=seed, method=method)
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


@lru_cache(maxsize=64)
def _clv_program(key, n_tr: int, n_win: int, n_bw: int):
    """Ginelli's forward (QR) and backward (R^-1) sweeps for a runner key, jitted once per
    configuration and window: (x0, p, key_frame, key_coefficients) -> (xs, CLVs, exponents)."""
    from jax.scipy.linalg import solve_triangular

    advance = _advance_of(key)
    d, interval = key[2], key[3]

    def run(x, p, k1, k2):
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

    return jax.jit(run)


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
    system = as_system(system)
    if system.delay:
        raise ValueError("covariant Lyapunov vectors are computed for flows and maps, not delay equations")
    p, _, n_batch = split_params(system, params)
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
    else:
        interval = float(interval or period / 10)
        transient = float(20 * period if transient is None else transient)
        backward = float(20 * period if backward is None else backward)
        meth = resolve_method(system, method)
    for name, v in (("transient", transient), ("backward", backward)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0, got {v!r}")
    n_tr, n_win, n_bw = (max(int(round(v / interval)), 0) for v in (transient, time, backward))
    n_win = max(n_win, 1)
    x0 = np.asarray(system.ic if x0 is None else x0, dtype=float)
    if x0.shape != (d,):
        raise ValueError(f"x0 of {system.name} must have shape ({d},), got {x0.shape}")
    k1, k2 = jax.random.split(jax.random.key(int(seed)))
    key = ("map", system, d, interval) if system.discrete else ("flow", system, d, interval, meth, float(rtol),
                                                                   float(atol), None)
    xs, V, lam = _clv_program(key, n_tr, n_win, n_bw)(jnp.asarray(x0), p, k1, k2)
    xs, V = np.asarray(xs), np.asarray(V)
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(V))):
        raise DivergenceError(system.name, 0, float("nan"), None)
    t = transient + interval * np.arange(n_win)
    return CovariantVectors(system.name, t, xs, V, np.asarray(lam))


# ----------------------------------------------------------------------------- vectors at a state
def tangent_advance(system: System, k: int, interval, method: str = "auto", rtol: float = 1e-9, atol: float = 1e-9):
    """The (x, Q, t, p) -> (x(t + interval), Phi Q) step of a flow, map or field."""
    if system.delay:
        raise ValueError("tangent vectors at a state are computed for flows, maps and fields, not delay equations")
    if system.discrete:
        return _map_advance(system, int(interval))
    if system.stepper is not None:
        return _pde_advance(system, float(interval))
    return _flow_advance(system, k, float(interval), resolve_method(system, method), rtol, atol, None)


@lru_cache(maxsize=64)
def tangent_step(system: System, k: int, interval, method: str = "auto", rtol: float = 1e-9, atol: float = 1e-9):
    """:func:`tangent_advance`, jitted once per configuration (cached): (x, Q, t, p) -> (x', Phi Q)."""
    return jax.jit(tangent_advance(system, k, interval, method, rtol, atol))


@lru_cache(maxsize=64)
def _vectors_runner(system: System, k: int, n_int: int, interval, method: str):
    """One jitted tangent-QR run per configuration, so repeated calls (an ensemble's cases) reuse
    the compiled program: (x, Q, t0, p) -> (x, Q, finite-time exponents)."""
    advance = tangent_advance(system, k, interval, method)

    def run(x, Q, t0, p):
        def body(c, i):
            x, Q, s = c
            x1, M = advance(x, Q, t0 + i * interval, p)
            Q1, logs = qr_step(M)
            return (x1, Q1, s + logs), None

        (x, Q, s), _ = lax.scan(body, (x, Q, jnp.zeros(k)), jnp.arange(n_int))
        return x, Q, s / (n_int * interval)

    return jax.jit(run)


@lru_cache(maxsize=64)
def _propagator_runner(system: System, span, method: str):
    """One jitted (x, t0, p) -> (x(t0 + span), d x(t0 + span) / d x(t0)) per configuration."""
    d = system.dim
    advance = tangent_advance(system, d, span, method)
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
    system = as_system(system)
    p, _, n_batch = split_params(system, params)
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
    system = as_system(system)
    p, _, n_batch = split_params(system, params)
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
