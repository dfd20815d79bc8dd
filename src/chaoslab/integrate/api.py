"""Integration API: single trajectories, ensembles, streaming in chunks, and noise.

All functions take a System (or a catalog name). Output lies on a uniform grid of spacing
``dt``; by default ``dt = period / granularity`` (``granularity``: points per characteristic period, default 100).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..systems.base import DivergenceError, System, resolve_name  # noqa: F401 (DivergenceError: public here too)
from .core import as_system, default_bound, spread_batch  # noqa: F401 (public here too)
from .solvers import SolverConfig, delay_history, delay_steps, fixed_substeps, resolve_method

__all__ = [
    "DivergenceError",
    "EnsembleStatistics",
    "ensemble_statistics",
    "Trajectory",
    "Ensemble",
    "trajectory",
    "ensemble",
    "stream",
    "sde_trajectory",
    "sde_ensemble",
    "output_dt",
    "characteristic_period",
    "check_x0",
    "as_system",
    "split_params",
    "solver_config",
    "initial_state",
    "default_bound",
]


@dataclass
class Trajectory:
    """A trajectory on a uniform time grid: ``t`` (n,), ``x`` (n, dim)."""

    system: str
    t: np.ndarray
    x: np.ndarray
    dt: float
    params: dict[str, Any] = field(default_factory=dict)
    method: str = ""

    def __len__(self) -> int:
        return len(self.t)


@dataclass
class Ensemble:
    """An ensemble on a uniform grid: ``x`` (members, n, dim); ``valid`` (members,) is False for a
    member that diverged, ``diverged_at`` its first bad time (NaN when valid)."""

    system: str
    t: np.ndarray
    x: np.ndarray
    valid: np.ndarray
    diverged_at: np.ndarray
    dt: float
    method: str = ""


def characteristic_period(system: System, params: Mapping[str, Any] | None = None) -> float:
    """The reference period, or the dominant period of a trajectory (the one estimator,
    :func:`chaoslab.analysis.spectra.dominant_period`, on the bounded coordinates)."""
    if system.period is not None:
        return float(system.period)
    if system.discrete:
        return 1.0
    from ..analysis.spectra import dominant_period

    dt = system.dt or 0.01
    tr = trajectory(system, 8192, dt=dt, transient=2000 * dt, params=params,
                    method="auto" if (system.delay or system.stepper is not None) else "dopri5")
    x = tr.x[:, [i for i in range(system.dim) if i not in system.unbounded] or [0]]
    # one segment (the whole-record periodogram): the record is short (8192 steps), and Welch's
    # default n / 8 segments would hide every period above 1 / 16 of it
    return dominant_period(x, dt, nperseg=x.shape[0])


def output_dt(system: System, dt: float | None, granularity: float | None, params=None) -> float:
    if dt is not None:
        if not (dt > 0 and math.isfinite(dt)):
            raise ValueError(f"dt must be a positive number, got {dt}")
        return float(dt)
    if system.discrete:
        return 1.0
    ppp = 100 if granularity is None else granularity
    if not ppp > 0:
        raise ValueError(f"granularity must be positive, got {ppp}")
    return characteristic_period(system, params) / ppp


def split_params(system: System, params: Mapping[str, Any] | None):
    """Resolve parameters; detect a leading batch axis (one more dim than the default)."""
    p = system.resolve_params(params)
    axes, n_batch = {}, None
    for k, v in p.items():
        base_ndim = np.ndim(system.params[k])
        if v.ndim == base_ndim + 1:
            axes[k] = 0
            if n_batch is not None and v.shape[0] != n_batch:
                raise ValueError(f"batched parameters disagree in length: {k} has {v.shape[0]}, expected {n_batch}")
            n_batch = v.shape[0]
        elif v.ndim == base_ndim:
            axes[k] = None
        else:
            raise ValueError(f"parameter {k!r} has shape {v.shape}; expected {np.shape(system.params[k])} or a batch of those")
    return p, axes, n_batch


def solver_config(system: System, method: str, n: int, dt: float, rtol: float, atol: float, substeps: int | None,
                  p) -> SolverConfig:
    """The compiled solver's configuration for n output points dt apart (method resolved by
    name; delay equations get their method-of-steps sizes from the resolved parameters p)."""
    method = resolve_method(system, method)
    if n < 1:
        raise ValueError(f"the number of points must be >= 1, got {n}")
    if method == "delay":
        m, M = delay_steps(system, dt, p, substeps=substeps)
        return SolverConfig(method, n, substeps=m, buffer=M)
    if method == "etdrk":
        m = fixed_substeps(system, method, dt, substeps)
        return SolverConfig(method, n, substeps=m, h=dt / m)
    if method == "rk4":
        return SolverConfig(method, n, substeps=fixed_substeps(system, method, dt, substeps))
    return SolverConfig(method, n, rtol=rtol, atol=atol, max_steps=max(100_000, 2000 * n))


def check_x0(system: System, x0) -> np.ndarray:
    """x0 as a float64 array of finite real numbers (any shape; the caller checks it), or a
    one-line ValueError: a ragged sequence, booleans, complex numbers, strings, NaN or inf."""
    try:
        a = np.asarray(x0)
    except ValueError:  # numpy refuses ragged nested sequences
        raise ValueError(f"x0 of {system.name} must be an array of real numbers, got a ragged sequence") from None
    if a.dtype.kind not in "iuf":
        raise ValueError(f"x0 of {system.name} must be an array of real numbers, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"x0 of {system.name} contains NaN or inf; allowed: finite values")
    return a


def initial_state(system: System, x0, cfg: SolverConfig, dt: float, p, members: int | None):
    """State(s) to start from: x0, or for delay equations the history ring buffer."""
    if x0 is None:
        x0 = system.ic
        if members is not None:
            x0 = np.broadcast_to(x0, (members, *x0.shape))
    x0 = check_x0(system, x0)
    if system.delay:
        if x0.size == 0 or x0.ndim > (1 if members is None else 2):
            raise ValueError(f"the history x0 of {system.name} must be a number or samples on [-tau, 0] (oldest first)"
                             f"{'' if members is None else ', one row per member'}, got shape {x0.shape}")
        h = dt / cfg.substeps
        if members is None:
            return delay_history(system, x0, h, cfg.buffer, p)
        if x0.ndim < 2:
            x0 = np.broadcast_to(x0, (members, *x0.shape))
        # each member's history spans its own delay (parameters may be batched)
        taus = np.broadcast_to(np.asarray(p[system.delay_param], dtype=float), (x0.shape[0],))
        states = [delay_history(system, x0[i], h, cfg.buffer, {**p, system.delay_param: taus[i]})
                  for i in range(x0.shape[0])]
        return jax.tree_util.tree_map(lambda *a: jnp.stack(a), *states)
    want = (system.dim,) if members is None else (members, system.dim)
    if x0.shape != want:
        raise ValueError(f"initial condition of {system.name} must have shape {want}, got {x0.shape}")
    return jnp.asarray(x0)


def _bad_mask(system: System, x: np.ndarray, bound: float) -> np.ndarray:
    """Boolean (..., n): non-finite anywhere, or a bounded coordinate beyond ``bound``."""
    keep = [i for i in range(x.shape[-1]) if i not in system.unbounded]
    bad = ~np.all(np.isfinite(x), axis=-1)
    if keep:
        bad |= np.any(np.abs(x[..., keep]) > bound, axis=-1)
    return bad


_CHUNK_BYTES = 2**27  # states held per compiled chunk (128 MB), by default


@dataclass
class _Run:
    """A member-batched run, prepared: what the chunked programs need."""

    system: System
    members: int
    padded: int
    state: Any
    p: dict
    axes: dict
    dt: float
    method: str
    static: tuple
    t_first: float
    rtol: float
    atol: float
    bound: float
    dtype: Any = np.float64
    t0: float = 0.0
    transient: float = 0.0
    blocks: Any = None  # core.Blocks: the members' layout over blocks and devices


def _prepare(system: System | str, *, x0, params, members, dt, granularity, transient, t0, method, rtol, atol,
             substeps, bound, dtype=None, single: bool = False) -> _Run:
    """Check the inputs, pad the members (repeating the last) to whole blocks of
    :func:`chaoslab.integrate.core.member_blocks`, and place the blocks across the devices (the transient runs in
    :func:`_chunks`, in the same program as the outputs)."""
    from .core import member_blocks, place_blocks, program_sizes, stepper, uses_stepper

    system = as_system(system)
    try:
        real = np.dtype(np.float64 if dtype is None else dtype)
    except TypeError:
        real = None
    if real not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    p, axes, n_batch = split_params(system, params)
    if single and n_batch is not None:
        raise ValueError("batched parameters given to trajectory(); use ensemble()")
    dt = output_dt(system, dt, granularity, {k: (v[0] if axes[k] == 0 else v) for k, v in p.items()})
    if not (transient >= 0 and math.isfinite(transient)):
        raise ValueError(f"transient must be a finite number >= 0, got {transient}")
    if single:
        members = 1
        if x0 is not None:
            x0 = check_x0(system, x0)[None]
    elif x0 is not None:
        x0 = check_x0(system, x0)
        if x0.ndim != 2 and not (system.delay and x0.ndim == 1):
            raise ValueError(f"x0 of an ensemble must have shape (members, {system.dim}), got {x0.shape}")
        if members is not None and members != x0.shape[0]:
            raise ValueError(f"x0 holds {x0.shape[0]} states but members={members!r}; give one or the other")
        members = x0.shape[0]
    if members is None:
        members = n_batch
    if members is None:
        raise ValueError("give x0 of shape (members, dim), members=, or batched params")
    if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 1:
        raise ValueError(f"an ensemble needs members >= 1 (an integer, or x0 of shape (members, {system.dim})), "
                         f"got {members!r}")
    if n_batch is not None and n_batch != members:
        raise ValueError(f"{members} initial conditions but {n_batch} parameter sets")
    meth = resolve_method(system, method)
    static = program_sizes(system, meth, dt, p, substeps=substeps,
                           max_steps=max(100_000, 2000 * 1024))
    if meth == "delay":
        cfg = SolverConfig("delay", 1, substeps=static[0], buffer=static[1])
        if single:  # one history: checked as such, then given a member axis
            state = jax.tree_util.tree_map(lambda a: a[None], initial_state(system, None if x0 is None else x0[0],
                                                                             cfg, dt, p, None))
        else:
            state = initial_state(system, x0, cfg, dt, p, members)
    else:
        if x0 is None:
            x0 = np.broadcast_to(system.ic, (members, system.dim))
        if x0.shape != (members, system.dim):
            raise ValueError(f"initial condition of {system.name} must have shape "
                             f"{(system.dim,) if single else (members, system.dim)}, got {x0.shape[int(single):]}")
        state = jnp.asarray(x0)
    state = jax.tree_util.tree_map(lambda a: a.astype(real) if jnp.issubdtype(a.dtype, jnp.floating) else a, state)
    blocks = member_blocks(members)
    padded = blocks.padded
    grow = lambda a: jnp.concatenate([a, jnp.repeat(a[-1:], padded - members, axis=0)]) if padded > members else a
    state = jax.tree_util.tree_map(grow, state)
    p = {k: (grow(jnp.asarray(v, real)) if axes[k] == 0 else jnp.asarray(v, real)) for k, v in p.items()}
    state = place_blocks(state, blocks)
    p = {k: (place_blocks(v, blocks) if axes[k] == 0 else v) for k, v in p.items()}
    run = _Run(system, members, padded, state, p, axes, dt, meth, static, t0 + transient, rtol, atol,
               default_bound(system) if bound is None else bound, real)
    run.t0, run.transient, run.blocks = float(t0), float(transient), blocks
    if uses_stepper(meth, None):
        blank = stepper(system, meth, static).blank
        if blank is not None:
            run.state = jax.tree_util.tree_map(jnp.asarray, blank(np.asarray(state)))
            run.state = place_blocks(run.state, blocks)
    return run


def _chunks(run: _Run, n: int, length: int, *, bins: int | None = None, red=None, on_device: bool = False):
    """Run the transient, then ``n`` outputs in chunks of ``length``: yields (index of the first
    output, count, host outputs of the chunk (length, padded, ...), alive (padded,), first
    (padded,)). One compiled program (per structure) does all of it; a member that leaves its
    bound in the transient counts as bad from output 0. ``on_device``: the outputs as the
    program left them, (length, blocks, block, ...) over the devices (:func:`_members_into`)."""
    from .core import _segment_program, place_blocks, uses_stepper

    system = run.system
    keep = tuple(i for i in range(system.dim) if i not in system.unbounded)
    p_axes = tuple(sorted(run.axes.items()))
    prog = _segment_program(system, run.method, run.static, p_axes, keep, length, bins, run.blocks)
    alive = np.zeros(run.padded, bool)
    alive[: run.members] = True  # the padding is not part of any result
    first = np.full(run.padded, n, np.int32)
    alive, first = place_blocks((jnp.asarray(alive), jnp.asarray(first)), run.blocks)
    rtol, atol, bound = (jnp.asarray(v, run.dtype) for v in (run.rtol, run.atol, run.bound))
    state, start = run.state, True
    T = run.transient
    if T > 0:  # the transient: intervals of (at most) dt through the states program, outputs dropped
        if uses_stepper(run.method, None):
            fixed = run.method in ("map", "etdrk", "delay")  # their intervals are dt exactly
            k = max(int(round(T / run.dt)), 0) if fixed else max(1, math.ceil(T / run.dt - 1e-9))
            h = run.dt if fixed else T / k
        else:  # diffrax: one interval
            k, h = 1, T
        tprog = prog if bins is None else _segment_program(system, run.method, run.static, p_axes, keep, length, None,
                                                           run.blocks)
        done = 0
        while done < k:
            c = min(length, k - done)
            state, alive, first, _ = tprog(state, alive, first, run.t0 + done * h, h, c, 0, start, run.p, rtol, atol,
                                           bound, None)
            start = False
            done += c
        first = place_blocks(jnp.asarray(np.where(np.asarray(alive), np.asarray(first), 0).astype(np.int32)),
                             run.blocks)  # bad in the transient: 0
    def host(done, c, out, alive, first):
        if on_device:
            return done, c, out, np.asarray(alive), np.asarray(first)
        out = jax.tree_util.tree_map(np.asarray, out)
        if bins is None:  # (length, blocks, block, ...) -> (length, padded, ...)
            out = out.reshape((length, run.padded) + out.shape[3:])
        return done, c, out, np.asarray(alive), np.asarray(first)

    # one chunk in flight: the next is dispatched (JAX runs it asynchronously) before the
    # caller copies the last one's outputs on the host
    done, pending = 0, None
    while done < n:
        c = min(length, n - done)
        t_start = run.t_first + done * run.dt
        state, alive, first, out = prog(state, alive, first, t_start, run.dt, c, done, start, run.p, rtol, atol,
                                        bound, red)
        start = False
        if pending is not None:
            yield host(*pending)
        pending = (done, c, out, alive, first)
        done += c
    if pending is not None:
        yield host(*pending)


def _members_into(x_all: np.ndarray, i: int, c: int, out) -> None:
    """The first ``c`` outputs of a chunk (length, blocks, block, ...), as the program left them
    over the devices, into ``x_all[:, i:i + c]`` (members, n, ...): each device's part is read in
    place (no gathered copy) and written member-major (the padding is dropped)."""
    m = x_all.shape[0]
    for shard in out.addressable_shards:
        a = np.asarray(shard.data)
        a = a.reshape((a.shape[0], -1) + a.shape[3:])  # (length, its members, ...)
        j0 = (shard.index[1].start or 0) * out.shape[2]
        j1 = min(j0 + a.shape[1], m)
        if j1 > j0:
            x_all[j0:j1, i:i + c] = np.swapaxes(a[:c, :j1 - j0], 0, 1)


def _length(run: _Run, chunk: int | None) -> int:
    """Outputs per compiled chunk: ``chunk``, or as many as fit in _CHUNK_BYTES (at most 1024);
    it does not depend on n, so a new length does not recompile."""
    if chunk is not None:
        if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
            raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
        return int(chunk)
    return int(max(1, min(1024, _CHUNK_BYTES // (8 * run.system.dim * run.padded))))


def trajectory(
    system: System | str,
    n: int = 1000,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    dt: float | None = None,
    granularity: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    bound: float | None = None,
) -> Trajectory:
    """Integrate one trajectory of ``n`` points; raises DivergenceError if it blows up.

    ``transient`` (time units; iterations for maps) is integrated and discarded first.
    For a delay equation ``x0`` is the history on [-tau, 0] (samples, oldest first) or a constant.
    """
    n = _check_n(n)
    run = _prepare(system, x0=x0, params=params, members=None, dt=dt, granularity=granularity,
                   transient=transient, t0=t0, method=method, rtol=rtol, atol=atol, substeps=substeps, bound=bound,
                   single=True)
    system = run.system
    x = np.empty((n, system.dim if not system.delay else 1))
    for i, c, out, alive, first in _chunks(run, n, _length(run, None)):
        x[i:i + c] = out[:c, 0]
        if not alive[0]:
            k = int(first[0])
            t = run.t_first + run.dt * k
            row = x[k]
            raise DivergenceError(system.name, 0, float(t), float(np.max(np.abs(row))) if np.all(np.isfinite(row)) else None)
    t = run.t_first + run.dt * np.arange(n)
    return Trajectory(system.name, t, x, run.dt, {k: np.asarray(v).tolist() for k, v in run.p.items()}, run.method)


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of points must be an integer >= 1, got {n!r}")
    return int(n)


def stream(system: System | str, n: int, *, diverged_at: bool = False, chunk: int = 1000, x0=None,
           params: Mapping[str, Any] | None = None, members: int | None = None, dt: float | None = None,
           granularity: float | None = None, transient: float = 0.0, t0: float = 0.0, method: str = "auto",
           rtol: float = 1e-9, atol: float = 1e-9, substeps: int | None = None,
           bound: float | None = None, dtype=None) -> Iterator[tuple[np.ndarray, ...]]:
    """Integrate an ensemble in time chunks; yields ``(t, x, valid)`` per chunk with x of shape
    (members, c, dim). One compiled call per chunk (the same program for every chunk and every
    n); memory is bounded by the chunk. With ``diverged_at``, also the time each member first
    left its bound (NaN while valid). A member that left is no longer integrated; its states
    from its first bad one on are NaN.

    Keywords as for :func:`ensemble` (x0, params, members, dt, granularity, transient, t0,
    method, rtol, atol, substeps, bound, dtype) plus ``chunk`` (time points per call, default 1000).
    ``x0`` is (members, dim); or give ``members`` to start them all from the reference initial
    condition (with batched ``params``, the members follow the parameter batch).
    """
    n = _check_n(n)
    run = _prepare(system, x0=x0, params=params, members=members, dt=dt, granularity=granularity,
                   transient=transient, t0=t0, method=method, rtol=rtol, atol=atol, substeps=substeps, bound=bound,
                   dtype=dtype)
    m = run.members
    for i, c, out, alive, first in _chunks(run, n, _length(run, chunk)):
        x = np.swapaxes(out[:c, :m], 0, 1).copy()
        idx = np.arange(i, i + c)
        x[idx[None, :] >= first[:m, None]] = np.nan
        t = run.t_first + run.dt * idx
        valid = alive[:m].copy()
        if diverged_at:
            yield t, x, valid, np.where(valid, np.nan, run.t_first + run.dt * first[:m])
        else:
            yield t, x, valid


def ensemble(
    system: System | str,
    n: int,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    members: int | None = None,
    dt: float | None = None,
    granularity: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    chunk: int | None = None,
    bound: float | None = None,
    dtype=None,
    progress: Callable[[int, int], None] | None = None,
) -> Ensemble:
    """N initial conditions and/or N parameter sets in compiled, vmapped calls (members spread
    over every local device).

    Never raises on divergence: ``valid`` marks members that stayed finite and bounded; a
    member that left is no longer integrated and holds NaN from its first bad point on.
    ``chunk`` (time points per compiled call) defaults to keeping each call under ~128 MB; it
    does not depend on ``n`` (a new n does not recompile). ``dtype``: float64 (default) or
    float32 (states, parameters and arithmetic; about twice the throughput, 1e-7 rounding).
    """
    n = _check_n(n)
    run = _prepare(system, x0=x0, params=params, members=members, dt=dt, granularity=granularity,
                   transient=transient, t0=t0, method=method, rtol=rtol, atol=atol, substeps=substeps, bound=bound,
                   dtype=dtype)
    m, system = run.members, run.system
    x_all = np.empty((m, n, system.dim if not system.delay else 1), run.dtype)
    alive = first = None
    for i, c, out, alive, first in _chunks(run, n, _length(run, chunk), on_device=True):
        _members_into(x_all, i, c, out)
        if progress is not None:
            progress(i + c, n)
    valid = alive[:m]
    bad = np.flatnonzero(~valid)
    for j in bad:
        x_all[j, first[j]:] = np.nan
    t = run.t_first + run.dt * np.arange(n)
    diverged = np.where(valid, np.nan, run.t_first + run.dt * first[:m])
    return Ensemble(system.name, t, x_all, valid.copy(), diverged, run.dt, run.method)


@dataclass
class EnsembleStatistics:
    """Statistics of an ensemble at each output time, accumulated inside the compiled program
    (the states never reach the host). Over the members that are still valid at that time (a
    member that diverges counts until its last good output):

    ``count`` (n,), ``mean`` and ``m2`` (sum of squared deviations) (n, d), ``minimum`` and
    ``maximum`` (n, d), ``exceed`` (n, K, d) the number with |x - center| > level * scale for
    each of ``levels``, ``histogram`` (n, d, bins) counts in uniform bins ``edges`` (d, bins + 1)
    over center ± span * scale (values outside go to the end bins). ``diverged_at`` (members,)
    is each member's first bad time (NaN while valid). :meth:`merge` combines two ensembles of the
    same times (Chan et al.'s pairwise update of the moments)."""

    system: str
    t: np.ndarray
    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    levels: np.ndarray
    exceed: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    edges: np.ndarray
    histogram: np.ndarray
    diverged_at: np.ndarray
    dt: float
    method: str = ""

    @property
    def members(self) -> int:
        return len(self.diverged_at)

    @property
    def diverged(self) -> int:
        return int(np.sum(np.isfinite(self.diverged_at)))

    @property
    def std(self) -> np.ndarray:
        """(n, d) sample standard deviation (ddof 1; NaN with fewer than two members)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count[:, None] > 1, np.sqrt(self.m2 / np.maximum(self.count[:, None] - 1, 1)), np.nan)

    @property
    def exceedance(self) -> dict[float, np.ndarray]:
        """level -> (n, d) fraction of the valid members with |x - center| > level * scale."""
        c = np.maximum(self.count, 1)[:, None]
        return {float(k): self.exceed[:, i] / c for i, k in enumerate(self.levels)}

    def quantile(self, q: float) -> np.ndarray:
        """(n, d) quantile q of the members from the histogram (linear within a bin)."""
        if not 0 < q < 1:
            raise ValueError(f"q must be in (0, 1), got {q}")
        cum = np.cumsum(self.histogram, axis=-1)
        target = q * cum[..., -1:]
        i = np.argmax(cum >= target, axis=-1)  # (n, d)
        prev = np.take_along_axis(np.concatenate([np.zeros_like(cum[..., :1]), cum], axis=-1), i[..., None], -1)[..., 0]
        here = np.take_along_axis(self.histogram, i[..., None], -1)[..., 0]
        frac = np.where(here > 0, (target[..., 0] - prev) / np.maximum(here, 1), 0.5)
        lo = np.take_along_axis(np.broadcast_to(self.edges[None], (len(i), *self.edges.shape)), i[..., None], -1)[..., 0]
        return lo + frac * (self.edges[:, 1] - self.edges[:, 0])[None]

    def merge(self, other: "EnsembleStatistics") -> "EnsembleStatistics":
        """Both ensembles' statistics as one (same system, times, levels and bins)."""
        if (other.t.shape != self.t.shape or not np.array_equal(other.edges, self.edges)
                or not np.array_equal(other.levels, self.levels)):
            raise ValueError("only statistics on the same times, levels and bins can be merged")
        count, mean, m2 = _chan(self.count, self.mean, self.m2, other.count, other.mean, other.m2)
        return EnsembleStatistics(self.system, self.t, count, mean, m2, np.fmin(self.minimum, other.minimum),
                                  np.fmax(self.maximum, other.maximum), self.levels, self.exceed + other.exceed,
                                  self.center, self.scale, self.edges, self.histogram + other.histogram,
                                  np.concatenate([self.diverged_at, other.diverged_at]), self.dt, self.method)


def _chan(na, ma, m2a, nb, mb, m2b):
    """Chan, Golub & LeVeque's pairwise update: counts (n,), means and M2 (n, d) of two parts."""
    n = na + nb
    w = np.where(n > 0, nb / np.maximum(n, 1), 0.0)[:, None]
    delta = mb - ma
    mean = ma + delta * w
    m2 = m2a + m2b + delta ** 2 * (na * w[:, 0])[:, None]
    return n, np.where(n[:, None] > 0, mean, 0.0), np.where(n[:, None] > 0, m2, 0.0)


def _merge_groups(n_g, mean_g, m2_g):
    """The groups' counts (c, G), means and M2 (c, G, d) merged into (c,), (c, d), (c, d) by
    :func:`_chan`, pairwise in a fixed order (neighbours first; an odd last group waits a level)."""
    n, mu, m2 = n_g.astype(np.int64), mean_g.astype(np.float64), m2_g.astype(np.float64)
    while n.shape[1] > 1:
        c, h, d = n.shape[0], n.shape[1] // 2, mu.shape[-1]
        pair = lambda a, k: a[:, k:2 * h:2].reshape((c * h,) + a.shape[2:])
        nn, mm, ss = _chan(pair(n, 0), pair(mu, 0), pair(m2, 0), pair(n, 1), pair(mu, 1), pair(m2, 1))
        nn, mm, ss = nn.reshape(c, h), mm.reshape(c, h, d), ss.reshape(c, h, d)
        if n.shape[1] % 2:
            nn, mm, ss = (np.concatenate([a, b[:, -1:]], axis=1) for a, b in ((nn, n), (mm, mu), (ss, m2)))
        n, mu, m2 = nn, mm, ss
    return n[:, 0], mu[:, 0], m2[:, 0]


def ensemble_statistics(
    system: System | str,
    n: int,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    members: int | None = None,
    dt: float | None = None,
    granularity: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    bound: float | None = None,
    dtype=None,
    center=None,
    scale=None,
    levels=(2.0, 3.0, 4.0),
    bins: int = 200,
    span: float = 8.0,
    chunk: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> EnsembleStatistics:
    """An ensemble reduced inside the compiled program to its :class:`EnsembleStatistics` at
    each of ``n`` output times: memory holds the members' current states and ``chunk`` output
    times of statistics, never the trajectories. Members are spread over every local device; the
    bits do not depend on their count (groups of members of a size set by the ensemble alone,
    summed pairwise in the program and merged pairwise in a fixed order on the host).

    Keywords as for :func:`ensemble`, plus ``center`` and ``scale`` (d,) (default: the
    climatological mean and standard deviation, :func:`chaoslab.analysis.attractor_statistics`),
    exceedance ``levels`` (in units of scale), histogram ``bins`` over center ± ``span`` scales,
    and ``chunk`` (output times per compiled call).
    """
    n = _check_n(n)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    if not (span > 0 and math.isfinite(span)):
        raise ValueError(f"span must be a positive number of scales, got {span}")
    lv = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if lv.ndim != 1 or lv.size == 0 or not np.all(np.isfinite(lv) & (lv >= 0)):
        raise ValueError(f"levels must be a non-empty list of numbers >= 0, got {levels!r}")
    run = _prepare(system, x0=x0, params=params, members=members, dt=dt, granularity=granularity,
                   transient=transient, t0=t0, method=method, rtol=rtol, atol=atol, substeps=substeps, bound=bound,
                   dtype=dtype)
    system, d = run.system, (run.system.dim if not run.system.delay else 1)
    if center is None or scale is None:
        from ..analysis.attractor import attractor_statistics

        clim = attractor_statistics(system, None if any(a == 0 for a in run.axes.values()) else params)
        center = clim.mean if center is None else center
        scale = clim.std if scale is None else scale
    center = np.broadcast_to(np.asarray(center, dtype=np.float64), (d,)).copy()
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), (d,)).copy()
    if not (np.all(np.isfinite(center)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise ValueError("center must be finite and scale finite and > 0 (one per variable)")
    lo = center - span * scale
    width = 2 * span * scale / bins
    edges = lo[:, None] + width[:, None] * np.arange(bins + 1)[None, :]
    red = tuple(jnp.asarray(a, run.dtype) for a in (center, scale, lv, lo, width))
    count = np.zeros(n, np.int64)
    mean, m2 = np.zeros((n, d)), np.zeros((n, d))
    mn, mx = np.full((n, d), np.inf), np.full((n, d), -np.inf)
    exceed = np.zeros((n, lv.size, d), np.int64)
    hist = np.zeros((n, d, bins), np.int64)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    length = int(chunk)  # not min(chunk, n): a new n does not recompile (outputs past n are skipped)
    alive = first = None
    held = -(-run.members // run.blocks.group)  # the groups holding members (the rest is padding)
    for i, c, out, alive, first in _chunks(run, n, length, bins=int(bins), red=red):
        n_g, mean_g, m2_g, lo_c, hi_c, exc, h = (a[:c] for a in out)
        sl = slice(i, i + c)
        count[sl], mean[sl], m2[sl] = _merge_groups(n_g[:, :held], mean_g[:, :held], m2_g[:, :held])
        mn[sl], mx[sl], exceed[sl], hist[sl] = lo_c, hi_c, exc, h
        if progress is not None:
            progress(i + c, n)
    m = run.members
    diverged = np.where(alive[:m], np.nan, run.t_first + run.dt * first[:m])
    t = run.t_first + run.dt * np.arange(n)
    return EnsembleStatistics(system.name, t, count, mean, m2, mn, mx, lv, exceed, center, scale, edges, hist,
                              diverged, run.dt, run.method)


# ----------------------------------------------------------------------------- noise
def _noise_fn(system: System, noise) -> tuple[Callable | None, np.ndarray]:
    """(the user's g(x, t, **params) or None, the constant amplitude: scalar or per coordinate)."""
    if callable(noise):
        return noise, np.zeros(())
    amp = np.asarray(noise, dtype=np.float64)
    if amp.ndim > 1 or (amp.ndim == 1 and amp.shape[0] != system.dim):
        raise ValueError(f"noise must be a scalar, a vector of length {system.dim}, or a function g(x, t, **params)")
    if not np.all(amp >= 0):
        raise ValueError("noise amplitudes must be >= 0")
    return None, amp


@lru_cache(maxsize=128)
def _sde_program(system: System, g_user, amp_ndim: int, n: int, substeps: int, scheme: str, h_pde: float,
                 p_axes: tuple):
    """The jitted, member-vmapped noisy solver, compiled once per structure: the amplitude, the
    keys, times and parameter values are arguments (a new noise level does not recompile)."""
    if g_user is not None:
        g = lambda x, t, p, amp: jnp.broadcast_to(g_user(x, t, **p), x.shape)
    else:
        g = lambda x, t, p, amp: jnp.broadcast_to(amp, x.shape)
    solve = _make_sde(system, g, n, substeps, scheme, h_pde)
    return jax.jit(jax.vmap(solve, in_axes=(0, 0, None, None, None, dict(p_axes), None)))


def _make_sde(system: System, g: Callable, n: int, substeps: int, scheme: str, h_pde: float = 0.0):
    f = system.rhs
    pde_step = system.stepper(h_pde) if system.stepper is not None else None

    def solve(x0, key, t0, t_first, dt, p, amp):
        h = dt / substeps
        sq = jnp.sqrt(h)
        gn = lambda x, t: g(x, t, p, amp)

        def step(x, i, t):
            xi = jax.random.normal(jax.random.fold_in(key, i), x.shape, dtype=x.dtype)
            if system.discrete:
                return f(x, t, p) + gn(x, t) * xi
            if pde_step is not None:  # splitting: the exponential (ETDRK) step, then the noise increment
                return pde_step(x) + gn(x, t) * sq * xi
            if scheme == "heun":  # stochastic Heun (Stratonovich for multiplicative noise)
                dw = sq * xi
                xp = x + h * f(x, t, p) + gn(x, t) * dw
                return x + 0.5 * h * (f(x, t, p) + f(xp, t + h, p)) + 0.5 * (gn(x, t) + gn(xp, t + h)) * dw
            return x + h * f(x, t, p) + gn(x, t) * sq * xi  # Euler–Maruyama (Itô)

        n_tr = jnp.maximum(jnp.round((t_first - t0) / h).astype(jnp.int32), 0)
        x = lax.fori_loop(0, n_tr, lambda i, x: step(x, i, t0 + i * h), x0)

        def out(x, k):
            t = t_first + k * dt
            base = n_tr + k * substeps
            y = lax.fori_loop(0, substeps, lambda i, y: step(y, base + i, t + i * h), x)
            return y, x

        _, ys = lax.scan(out, x, jnp.arange(n))
        return ys

    return solve


def sde_ensemble(
    system: System | str,
    n: int,
    *,
    noise,
    seed: int,
    x0=None,
    members: int | None = None,
    params: Mapping[str, Any] | None = None,
    dt: float | None = None,
    granularity: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    substeps: int | None = None,
    scheme: str = "euler_maruyama",
    bound: float | None = None,
) -> Ensemble:
    """dx = f(x, t) dt + g(x, t) dW (diagonal noise), seeded: the same seed gives the same bits.

    ``noise``: a scalar or vector amplitude (additive) or ``g(x, t, **params)`` (state-dependent).
    ``scheme``: ``"euler_maruyama"`` (Itô, strong order 1/2) or ``"heun"`` (Stratonovich).
    For maps, x_{n+1} = f(x_n) + g(x_n) xi_n. For PDEs (noise at every grid value) each step is
    the exponential ETDRK step followed by the increment g sqrt(h) xi (Lie splitting, strong order
    1/2 for additive noise), so the stiff linear part stays stable at the deterministic step.
    Member i uses the key fold_in(seed, i).
    """
    system = as_system(system)
    if system.delay:
        raise ValueError("noise is not supported for delay equations")
    scheme = resolve_name(scheme, ("euler_maruyama", "heun"), "scheme")
    p, axes, n_batch = split_params(system, params)
    dt = output_dt(system, dt, granularity, {k: (v[0] if axes[k] == 0 else v) for k, v in p.items()})
    base = "map" if system.discrete else ("etdrk" if system.stepper is not None else "rk4")
    cfg = solver_config(system, base, int(n), dt, 0, 0, substeps, p)
    if x0 is None:
        m = members or n_batch or 1
        x0 = np.broadcast_to(system.ic, (m, system.dim))
    x0 = check_x0(system, x0)
    if x0.ndim != 2 or x0.shape[1] != system.dim or x0.shape[0] < 1:
        raise ValueError(f"x0 of a noisy ensemble of {system.name} must have shape (members, {system.dim}), got {x0.shape}")
    x0 = jnp.asarray(x0)
    m = x0.shape[0]
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(int(seed)), i))(jnp.arange(m))
    g_user, amp = _noise_fn(system, noise)
    run = _sde_program(system, g_user, amp.ndim, int(n), cfg.substeps, scheme, float(cfg.h),
                       tuple(sorted(axes.items())))
    x = np.asarray(run(x0, keys, t0, t0 + transient, dt, p, jnp.asarray(amp)))
    t = t0 + transient + dt * np.arange(int(n))
    bad = _bad_mask(system, x, bound or default_bound(system))
    first_bad = np.where(bad.any(axis=1), t[np.argmax(bad, axis=1)], np.nan)
    return Ensemble(system.name, t, x, ~bad.any(axis=1), first_bad, dt, f"sde-{scheme}")


def sde_trajectory(system: System | str, n: int, *, noise, seed: int, x0=None, **kw) -> Trajectory:
    """One noisy trajectory (see ``sde_ensemble``); raises DivergenceError if it blows up."""
    system = as_system(system)
    ens = sde_ensemble(system, n, noise=noise, seed=seed, x0=None if x0 is None else np.asarray(x0)[None], **kw)
    if not ens.valid[0]:
        raise DivergenceError(system.name, 0, float(ens.diverged_at[0]))
    return Trajectory(system.name, ens.t, ens.x[0], ens.dt, {}, ens.method)
