"""The functional core: ``solve(system, x0, ts, ...)`` -> :class:`Solution`, pure JAX.

``solve`` integrates a System from ``x0`` (the state at ``ts[0]``; any leading batch shape) with
parameters (each batched over the same leading shape, or not) and returns JAX arrays: the states
on the output times ``ts``, and a validity mask with each member's first bad index (a non-finite
state, or a bounded coordinate beyond ``bound``) computed inside the program. It composes with
``jax.jit``, ``jax.vmap``, ``jax.jvp`` and ``jax.grad``:

================  ====================================  ===============================================
method            traced ``ts`` / tolerances            reverse mode (``jax.grad``)
================  ====================================  ===============================================
``rk4``           yes (give ``substeps`` if traced)      yes: each output interval is checkpointed
``dopri5``        yes                                   forward mode only; give ``adjoint=`` for reverse
``tsit5``,        yes                                   yes: diffrax's adjoint (default
``dopri8``,                                             ``diffrax.RecursiveCheckpointAdjoint()``)
``kvaerno5``
``etdrk`` (PDE)   ``ts`` concrete and uniform           yes: each output interval is checkpointed
``map``           ``ts`` concrete, uniform integers     yes
``delay``         ``ts`` and the delay concrete         yes
================  ====================================  ===============================================

``dopri5`` is chaoslab's own Dormand–Prince 5(4) (compiles in a fraction of diffrax's time);
with ``adjoint=`` (a diffrax adjoint) the same tableau runs through diffrax instead, so reverse
mode works for every adaptive method. Nothing here converts to numpy or checks values on the
host: wrap it in ``jax.jit`` freely. ``trajectory``, ``ensemble`` and ``stream`` are numpy
conveniences with transients, chunking and divergence errors.

Example — the sensitivity of a Lorenz trajectory to rho, by reverse mode::

    import jax, jax.numpy as jnp
    from chaoslab.integrate import solve

    ts = jnp.linspace(0.0, 5.0, 1001)
    loss = lambda rho: jnp.mean(solve("Lorenz", jnp.array([1.0, 1.0, 1.0]), ts,
                                      params={"rho": rho}, method="rk4", substeps=1).ys[:, 2])
    jax.grad(loss)(28.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache, partial
from typing import Any

import diffrax as dfx
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..systems.base import System, get_system
from .solvers import ADAPTIVE, _rk4_step, delay_steps, dopri5_advance, dopri5_start, fixed_substeps, resolve_method

MAX_STEPS = 4_000_000  # adaptive steps per member and solve, by default


class Solution(eqx.Module):
    """What :func:`solve` returns (a PyTree: it passes through ``jit`` and ``vmap``).

    Attributes:
        ts: the output times, shape (n,).
        ys: the states, shape (*batch, n, dim) (a delay equation: its current state x(t)).
        valid: (*batch,) bool — the member stayed finite and within the bound at every output time.
        first_bad: (*batch,) int — the index of the first output that is not finite or is beyond
            the bound in a bounded coordinate; n where none is.
    """

    ts: jax.Array
    ys: jax.Array
    valid: jax.Array
    first_bad: jax.Array


def as_system(system: System | str) -> System:
    """A System as given, or the catalog's by name (anything else: get_system's one-line error)."""
    return system if isinstance(system, System) else get_system(system)


def default_bound(system: System) -> float:
    """The bound beyond which a state counts as diverged: 1e8 times the attractor's scale."""
    return 1e8 * system.scale


def _is_traced(*xs) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(xs))


def member_sharding(n: int):
    """A sharding that splits a leading axis of ``n`` members evenly over every local device
    (None with one device or when n is not a multiple of the device count). On CPU chaoslab
    makes one device per core (``XLA_FLAGS=--xla_force_host_platform_device_count``, set before
    JAX starts; ``CHAOSLAB_HOST_DEVICES=N`` chooses N); on GPUs, every GPU."""
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    devices = jax.local_devices()
    if len(devices) < 2 or n < len(devices) or n % len(devices):
        return None
    return NamedSharding(Mesh(np.array(devices), ("members",)), PartitionSpec("members"))


def spread_members(tree, n: int):
    """``tree`` (arrays with a leading axis of n members) placed across every local device
    (:func:`member_sharding`); unchanged when that does not apply."""
    sharding = member_sharding(n)
    if sharding is None:
        return tree
    return jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), tree)


def spread_batch(x, p: Mapping[str, Any], batched: set, n: int):
    """Members over every local device: ``x`` (a PyTree with a leading axis of n members, or
    None) and the parameters named in ``batched`` (leading axis n) padded, by repeating the last
    member, to a multiple of the device count and placed across the devices; returns
    (x, p, padding). Unchanged with one device or fewer than two members per device."""
    n_dev = len(jax.local_devices())
    if n_dev < 2 or n < 2 * n_dev:
        return x, dict(p), 0
    pad = (-n) % n_dev
    grow = lambda a: jnp.concatenate([a, jnp.repeat(a[-1:], pad, axis=0)]) if pad else a
    if x is not None:
        x = spread_members(jax.tree_util.tree_map(grow, x), n + pad)
    p = {k: spread_members(grow(v), n + pad) if k in batched else v for k, v in p.items()}
    return x, p, pad


def _params(system: System, params: Mapping[str, Any] | None, dtype) -> dict[str, jax.Array]:
    """Defaults updated by ``params`` (names checked; values checked when concrete)."""
    return {k: jnp.asarray(v, dtype) for k, v in system.resolve_params(params).items()}


def _uniform_step(ts, what: str) -> float:
    """The spacing of a concrete, uniform grid ts (a one-line error otherwise)."""
    if _is_traced(ts):
        raise ValueError(f"{what} needs concrete output times ts (a uniform grid), not traced values")
    t = np.asarray(ts, dtype=np.float64)
    if t.size < 2:
        return 1.0
    d = np.diff(t)
    if not (np.all(d > 0) and np.allclose(d, d[0], rtol=1e-9, atol=0.0)):
        raise ValueError(f"{what} needs uniformly spaced, increasing output times ts")
    return float(d[0])


def _substeps_rk4(system: System, ts, substeps: int | None) -> int:
    if substeps is not None:
        if isinstance(substeps, bool) or not isinstance(substeps, (int, np.integer)) or substeps < 1:
            raise ValueError(f"substeps must be a positive integer, got {substeps!r}")
        return int(substeps)
    if _is_traced(ts):
        raise ValueError("rk4 with traced output times needs substeps= (fixed steps per output interval)")
    t = np.asarray(ts, dtype=np.float64)
    return fixed_substeps(system, "rk4", float(np.max(np.diff(t))) if t.size > 1 else 0.0)


# ----------------------------------------------------------------------------- one member's program
def _next_times(ts):
    """The end of each output interval; the last one is empty (the scans below emit the state at
    the start of each interval, so n outputs take n - 1 intervals and one empty one)."""
    return jnp.concatenate([ts[1:], ts[-1:]])


def _member_program(system: System, method: str, static: tuple, adjoint, keep: tuple):
    """f(x0, ts, p, rtol, atol, bound) -> (ys (n, ...), bad (n,)) for one member (pure,
    traceable); ``bad`` marks outputs that are not finite or beyond the bound in a coordinate of
    ``keep``, computed as each output is made (the outputs are not read a second time)."""

    def check(x, bound):
        b = ~jnp.all(jnp.isfinite(x), axis=-1)
        if keep:
            b = b | jnp.any(jnp.abs(x[..., list(keep)]) > bound, axis=-1)
        return b

    def checked(run):  # for programs whose outputs come from elsewhere (diffrax, delay)
        def run_checked(x0, ts, p, rtol, atol, bound):
            ys = run(x0, ts, p, rtol, atol)
            return ys, check(ys, bound)

        return run_checked
    if method == "rk4":
        (m,) = static
        f = system.rhs

        @partial(jax.checkpoint, prevent_cse=False)  # inside scan: no CSE barrier needed
        def interval(x, tt, p):
            ta, tb = tt
            h = (tb - ta) / m
            if m == 1:  # no inner loop (a loop of one trip still costs a loop per step)
                return _rk4_step(f, x, ta, h, p)
            return lax.fori_loop(0, m, lambda i, y: _rk4_step(f, y, ta + i * h, h, p), x)

        def run(x0, ts, p, rtol, atol, bound):
            def body(x, tt):  # emits the state at the start of the interval (no copy of the output)
                return interval(x, tt, p), (x, check(x, bound))

            return lax.scan(body, x0, (ts, _next_times(ts)))[1]

        return run

    if method == "dopri5" and adjoint is None:
        (max_steps,) = static
        f = system.rhs

        def run(x0, ts, p, rtol, atol, bound):
            carry = dopri5_start(f, x0, ts[0], jnp.max(jnp.diff(ts), initial=1.0), p, rtol, atol)

            def body(c, t_end):
                y = jnp.where(c[5], jnp.nan, c[0])
                return dopri5_advance(f, c, t_end, p, rtol, atol, max_steps), (y, check(y, bound))

            return lax.scan(body, carry, _next_times(ts))[1]

        return run

    if method in ADAPTIVE or method == "dopri5":
        (max_steps,) = static
        solver = dfx.Dopri5() if method == "dopri5" else ADAPTIVE[method]()
        term = dfx.ODETerm(lambda t, y, p: system.rhs(y, t, p))
        adj = dfx.RecursiveCheckpointAdjoint() if adjoint is None else adjoint

        def run(x0, ts, p, rtol, atol):
            sol = dfx.diffeqsolve(term, solver, ts[0], ts[-1], None, x0, args=p, saveat=dfx.SaveAt(ts=ts),
                                  stepsize_controller=dfx.PIDController(rtol=rtol, atol=atol),
                                  max_steps=max_steps, throw=False, adjoint=adj)
            ok = sol.result == dfx.RESULTS.successful
            return jnp.where(ok, sol.ys, jnp.where(jnp.isfinite(sol.ys), sol.ys, jnp.nan))

        return checked(run)

    if method == "map":
        (s,) = static
        f = system.rhs

        def run(x0, ts, p, rtol, atol, bound):
            def body(x, t):
                return lax.fori_loop(0, s, lambda i, y: f(y, t + i, p), x), (x, check(x, bound))

            return lax.scan(body, x0, ts)[1]

        return run

    if method == "etdrk":
        m, h = static
        step = system.stepper(h)

        @partial(jax.checkpoint, prevent_cse=False)  # inside scan: no CSE barrier needed
        def steps(x):
            return step(x) if m == 1 else lax.fori_loop(0, m, lambda i, y: step(y), x)

        def run(x0, ts, p, rtol, atol, bound):
            return lax.scan(lambda x, _: (steps(x), (x, check(x, bound))), x0, ts)[1]

        return run

    if method == "delay":
        from .solvers import SolverConfig, _make_delay

        m, M = static

        def run(state, ts, p, rtol, atol):
            dt = ts[1] - ts[0] if ts.shape[0] > 1 else 1.0
            cfg = SolverConfig("delay", int(ts.shape[0]), substeps=m, buffer=M)
            ys, _ = _make_delay(system, cfg)(state, ts[0], ts[0], dt, p)
            return ys

        return checked(run)
    raise ValueError(f"method {method!r} is not one of the integrators")  # resolve_method prevents this


@lru_cache(maxsize=256)
def _program(system: System, method: str, static: tuple, adjoint, p_axes: tuple, x_batched: bool, keep: tuple):
    """The jitted, member-vmapped program (cached per system and static structure)."""
    member = _member_program(system, method, static, adjoint, keep)
    axes = dict(p_axes)

    def run(x0, ts, p, rtol, atol, bound):
        f = member
        if x_batched or any(a == 0 for a in axes.values()):
            f = jax.vmap(member, in_axes=(0 if x_batched else None, None, axes, None, None, None))
        ys, bad = f(x0, ts, p, rtol, atol, bound)
        n = ts.shape[0]
        first = jnp.where(bad.any(axis=-1), jnp.argmax(bad, axis=-1), n)
        return ys, first

    return jax.jit(run)


def solve(
    system: System | str,
    x0,
    ts,
    *,
    params: Mapping[str, Any] | None = None,
    method: str = "auto",
    rtol: float = 1e-9,
    atol: float = 1e-9,
    substeps: int | None = None,
    bound: float | None = None,
    adjoint: Any = None,
    max_steps: int = MAX_STEPS,
) -> Solution:
    """Integrate ``system`` from ``x0`` at ``ts[0]`` to every time in ``ts``; pure JAX.

    Args:
        system: a System or a catalog name.
        x0: the state at ``ts[0]``, shape (*batch, dim); a delay equation takes its history on
            [-tau, 0] (a number or samples, oldest first; with a batch, one row per member).
            float32 states integrate in float32.
        ts: increasing output times, shape (n,) (iterations for maps); ``ys[..., 0, :]`` is x0.
        params: overrides of the default parameters; each either of its default shape or with
            the batch shape in front (members then differ in it). An x0 without a batch shape is
            shared by every parameter set.
        method: the integrator (``auto``: the system's default; see the module's table).
        rtol, atol: tolerances of the adaptive methods (may be traced: no recompile).
        substeps: fixed steps per output interval (rk4, etdrk, map iterations are ``ts``'s spacing).
        bound: a state whose bounded coordinate exceeds this counts as diverged (default
            :func:`chaoslab.integrate.default_bound`, 1e8 times the attractor's scale).
        adjoint: a diffrax adjoint for the adaptive methods (e.g.
            ``diffrax.RecursiveCheckpointAdjoint()``); with it ``dopri5`` runs through diffrax,
            which reverse-mode differentiation needs.
        max_steps: adaptive steps per member at most; a member that needs more becomes NaN
            from there on (and invalid).

    Returns:
        :class:`Solution` with ``ys`` of shape (*batch, n, dim).
    """
    system = as_system(system)
    meth = resolve_method(system, method)
    if adjoint is not None and meth not in ("dopri5", *ADAPTIVE):
        raise ValueError(f"adjoint applies to the adaptive methods (dopri5, {', '.join(ADAPTIVE)}), not {meth!r}")
    ts = jnp.asarray(ts, dtype=jnp.result_type(float))
    if ts.ndim != 1 or ts.shape[0] < 1:
        raise ValueError(f"ts must be a 1-D array of output times with at least one entry, got shape {ts.shape}")
    if not _is_traced(ts) and ts.shape[0] > 1 and not np.all(np.diff(np.asarray(ts)) > 0):
        raise ValueError("ts must be strictly increasing")

    # the state and its batch shape
    x = x0 if _is_traced(x0) else np.asarray(x0)
    if not _is_traced(x0) and (x.dtype.kind not in "iuf" or not np.all(np.isfinite(x))):
        raise ValueError(f"x0 of {system.name} must be finite real numbers, got {x0!r}"[:200])
    dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.result_type(float)
    p = _params(system, params, dtype)
    if system.delay:  # the history: a number or samples (oldest first); (members, samples) for a batch
        if np.ndim(x) > 2:
            raise ValueError(f"the history x0 of {system.name} must be a number, samples on [-tau, 0], or "
                             f"(members, samples); got shape {np.shape(x)}")
        x_batch = tuple(np.shape(x)[:1]) if np.ndim(x) == 2 else ()
    else:
        x_batch = tuple(np.shape(x)[:-1])
    if not system.delay and (np.ndim(x) < 1 or np.shape(x)[-1] != system.dim):
        raise ValueError(f"x0 of {system.name} must have shape (..., {system.dim}), got {np.shape(x)}")
    p_batch = {}
    for k, v in p.items():
        extra = v.ndim - np.ndim(system.params[k])
        if extra < 0:
            raise ValueError(f"parameter {k!r} has shape {v.shape}; expected {np.shape(system.params[k])} "
                             "or a batch of those")
        p_batch[k] = tuple(v.shape[:extra])
    batch = x_batch
    for k, s in p_batch.items():
        if s and batch and s != batch:
            raise ValueError(f"parameter {k!r} has batch shape {s}, but the batch is {batch}")
        batch = batch or s
    B = int(np.prod(batch)) if batch else 1

    # static structure of the program
    if meth == "rk4":
        static = (_substeps_rk4(system, ts, substeps),)
    elif meth in ("dopri5", *ADAPTIVE):
        if not (isinstance(max_steps, (int, np.integer)) and max_steps >= 1):
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        static = (int(max_steps),)
    elif meth == "map":
        step = _uniform_step(ts, "a map")
        if step != round(step) or step < 1:
            raise ValueError(f"a map's output times ts must be integers spaced by a whole number of iterations, "
                             f"got spacing {step}")
        static = (int(round(step)),)
    elif meth == "etdrk":
        dt = _uniform_step(ts, "the etdrk stepper")
        m = fixed_substeps(system, "etdrk", dt, substeps)
        static = (m, dt / m)
    else:  # delay
        dt = _uniform_step(ts, "a delay equation")
        if _is_traced(p[system.delay_param]):
            raise ValueError("a delay equation needs a concrete delay (it sizes the history buffer)")
        m, M = delay_steps(system, dt, p, substeps=substeps)
        static = (m, M)

    # flatten the batch; a delay equation's history becomes its ring buffer (concrete)
    flat_p = {k: (v.reshape((B, *v.shape[len(batch):])) if p_batch[k] else v) for k, v in p.items()}
    p_axes = tuple(sorted((k, 0 if p_batch[k] else None) for k in p))
    x_batched = bool(x_batch)
    if system.delay:
        from .solvers import SolverConfig
        from .api import initial_state

        cfg = SolverConfig("delay", 1, substeps=static[0], buffer=static[1])
        hist = np.asarray(x).reshape((B, *np.shape(x)[len(x_batch):])) if x_batched else np.asarray(x)
        ps = {k: np.asarray(v) for k, v in flat_p.items()}
        state = initial_state(system, hist, cfg, _uniform_step(ts, "a delay equation"), ps,
                              B if (x_batched or batch) else None)
        x_batched = bool(batch)
        xin = state
    else:
        xin = jnp.asarray(x, dtype).reshape((B, system.dim)) if x_batched else jnp.asarray(x, dtype)
    keep = tuple(i for i in range(system.dim) if i not in system.unbounded)
    lim = default_bound(system) if bound is None else bound
    prog = _program(system, meth, static, adjoint, p_axes, x_batched, keep)
    ts = ts.astype(dtype)
    pad = 0
    if batch and not _is_traced(xin, flat_p):  # members over every local device
        spread, flat_p, pad = spread_batch(xin if x_batched else None, flat_p, {k for k in p if p_batch[k]}, B)
        xin = spread if x_batched else xin
    ys, first = prog(xin, ts, flat_p, jnp.asarray(rtol, dtype), jnp.asarray(atol, dtype), jnp.asarray(lim, dtype))
    if pad:
        ys, first = ys[:B], first[:B]
    if batch:
        ys = ys.reshape((*batch, *ys.shape[1:]))
        first = first.reshape(batch)
    n = ts.shape[0]
    return Solution(ts=ts, ys=ys, valid=first == n, first_bad=first)

