"""Integration API: single trajectories, ensembles, streaming in chunks, and noise.

All functions take a System (or a catalog name). Output lies on a uniform grid of spacing
``dt``; by default ``dt = period / pts_per_period`` (granularity, 100 points per period).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..systems.base import DivergenceError, System, resolve_name  # noqa: F401 (DivergenceError: public here too)
from .core import as_system, default_bound, spread_batch  # noqa: F401 (public here too)
from .solvers import SolverConfig, delay_history, delay_steps, fixed_substeps, get_solver, resolve_method

__all__ = [
    "DivergenceError",
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
    return dominant_period(x, dt)


def output_dt(system: System, dt: float | None, pts_per_period: float | None, params=None) -> float:
    if dt is not None:
        if not (dt > 0 and math.isfinite(dt)):
            raise ValueError(f"dt must be a positive number, got {dt}")
        return float(dt)
    if system.discrete:
        return 1.0
    ppp = 100 if pts_per_period is None else pts_per_period
    if not ppp > 0:
        raise ValueError(f"pts_per_period must be positive, got {ppp}")
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


@partial(jax.jit, static_argnums=(3,))
def _chunk_badness(ys, c, lim, keep: tuple):
    """On device, for ys (members, chunk, dim): which members turn bad among the first c points,
    and the index of their first bad point (non-finite, or a bounded coordinate beyond lim)."""
    bad = ~jnp.all(jnp.isfinite(ys), axis=-1)
    if keep:
        bad |= jnp.any(jnp.abs(ys[..., list(keep)]) > lim, axis=-1)
    bad &= jnp.arange(ys.shape[1]) < c
    return bad.any(axis=1), jnp.argmax(bad, axis=1)


def trajectory(
    system: System | str,
    n: int = 1000,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    dt: float | None = None,
    pts_per_period: float | None = None,
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
    system = as_system(system)
    p, axes, n_batch = split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters given to trajectory(); use ensemble()")
    dt = output_dt(system, dt, pts_per_period, p)
    if transient < 0:
        raise ValueError(f"transient must be >= 0, got {transient}")
    cfg = solver_config(system, method, int(n), dt, rtol, atol, substeps, p)
    state = initial_state(system, x0, cfg, dt, p, None)
    solve = get_solver(system, cfg)
    ys, _ = solve(state, t0, t0 + transient, dt, p)
    x = np.asarray(ys)
    t = t0 + transient + dt * np.arange(cfg.n)
    bad = _bad_mask(system, x, bound or default_bound(system))
    if bad.any():
        k = int(np.argmax(bad))
        row = x[k]
        raise DivergenceError(system.name, 0, float(t[k]), float(np.max(np.abs(row))) if np.all(np.isfinite(row)) else None)
    return Trajectory(system.name, t, x, dt, {k: np.asarray(v).tolist() for k, v in p.items()}, cfg.method)


def _stream(
    system: System | str,
    n: int,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    members: int | None = None,
    dt: float | None = None,
    pts_per_period: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    chunk: int = 1000,
    bound: float | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Integrate an ensemble in time chunks; yields ``(t, x, valid)`` per chunk with x of shape
    (members, c, dim). One compiled call per chunk; memory is bounded by the chunk.

    ``x0`` is (members, dim); or give ``members`` to start them all from the reference
    initial condition (with batched ``params``, the members follow the parameter batch).
    """
    system = as_system(system)
    p, axes, n_batch = split_params(system, params)
    dt = output_dt(system, dt, pts_per_period, {k: (v[0] if axes[k] == 0 else v) for k, v in p.items()})
    if x0 is not None:
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
    chunk = max(1, min(int(chunk), int(n)))
    cfg = solver_config(system, method, chunk, dt, rtol, atol, substeps, p)
    state = initial_state(system, x0, cfg, dt, p, members)
    # members over every local device: padded (repeating the last) to a multiple of the count
    state, p, _ = spread_batch(state, p, {k for k, a in axes.items() if a == 0}, members)
    solve = get_solver(system, cfg, batched=True, p_axes=axes)
    lim = bound or default_bound(system)
    keep = tuple(i for i in range(system.dim) if i not in system.unbounded)
    valid = np.ones(members, dtype=bool)
    first_bad = np.full(members, np.nan)
    done, t_start, first = 0, t0 + transient, True
    while done < n:
        ys, state = solve(state, t0 if first else t_start, t_start, dt, p)
        first = False
        c = min(chunk, n - done)
        went_bad, idx = (np.asarray(a)[:members] for a in _chunk_badness(ys, c, lim, keep))
        new = went_bad & valid
        first_bad[new] = t_start + dt * idx[new]
        valid &= ~went_bad
        yield t_start + dt * np.arange(c), np.asarray(ys)[:members, :c], valid.copy(), first_bad.copy()
        done += c
        t_start = t_start + dt * chunk


def stream(system: System | str, n: int, *, diverged_at: bool = False, **kw) -> Iterator[tuple[np.ndarray, ...]]:
    """Integrate an ensemble in time chunks; yields ``(t, x, valid)`` per chunk with x of shape
    (members, c, dim). One compiled call per chunk; memory is bounded by the chunk. With
    ``diverged_at``, also the time each member first left its bound (NaN while valid).

    Keywords as for :func:`ensemble` (x0, params, members, dt, pts_per_period, transient, t0,
    method, rtol, atol, substeps, bound) plus ``chunk`` (time points per call, default 1000).
    ``x0`` is (members, dim); or give ``members`` to start them all from the reference initial
    condition (with batched ``params``, the members follow the parameter batch).
    """
    for t, x, valid, first_bad in _stream(system, n, **kw):
        yield (t, x, valid, first_bad) if diverged_at else (t, x, valid)


def ensemble(
    system: System | str,
    n: int,
    *,
    x0=None,
    params: Mapping[str, Any] | None = None,
    members: int | None = None,
    dt: float | None = None,
    pts_per_period: float | None = None,
    transient: float = 0.0,
    t0: float = 0.0,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    chunk: int | None = None,
    bound: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Ensemble:
    """N initial conditions and/or N parameter sets in compiled, vmapped calls.

    Never raises on divergence: ``valid`` marks members that stayed finite and bounded.
    ``chunk`` (time points per compiled call) defaults to keeping each call under ~256 MB.
    """
    system = as_system(system)
    n = int(n)
    if x0 is not None:
        x0 = check_x0(system, x0)
    n_members = members or (x0.shape[0] if x0 is not None and x0.ndim else None)
    if chunk is None:
        per_step = 8 * system.dim * max(1, n_members or 1)
        chunk = int(max(1, min(n, 2**28 // per_step)))
    t_all, x_all = [], None
    valid = None
    kw = dict(x0=x0, params=params, members=members, dt=dt, pts_per_period=pts_per_period, transient=transient,
              t0=t0, method=method, rtol=rtol, atol=atol, substeps=substeps, chunk=chunk, bound=bound)
    pos = 0
    for t, x, valid, first_bad in _stream(system, n, **kw):
        if x_all is None:
            x_all = np.empty((x.shape[0], n, x.shape[2]))
        x_all[:, pos : pos + x.shape[1]] = x
        t_all.append(t)
        pos += x.shape[1]
        if progress is not None:
            progress(pos, n)
    t = np.concatenate(t_all)
    dt_used = float(t[1] - t[0]) if len(t) > 1 else float(output_dt(system, dt, pts_per_period))
    return Ensemble(system.name, t, x_all, valid, first_bad, dt_used, resolve_method(system, method))


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
    pts_per_period: float | None = None,
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
    dt = output_dt(system, dt, pts_per_period, {k: (v[0] if axes[k] == 0 else v) for k, v in p.items()})
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
