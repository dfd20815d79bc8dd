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
from typing import Any, NamedTuple

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


# ----------------------------------------------------------------------------- steppers
class Stepper(NamedTuple):
    """One member's integrator as pure functions (each traceable; vmap makes ensembles):

    - ``init(x0, t0, dt, p, rtol, atol) -> state`` (dt: the output spacing, an initial step bound);
    - ``advance(state, ta, tb, p, rtol, atol) -> state``: from ta to tb (one output interval);
    - ``read(state) -> x``: the current state (NaN where the solver failed);
    - ``skip(state, t0, T, dt, p, rtol, atol) -> state``: a transient of length T from t0
      (fixed-step methods take round(T / h) steps of their step h = dt / substeps, maps round(T)
      iterations, dopri5 integrates to t0 + T);
    - ``blank(x)``: a state of init's structure holding x (numpy; any batch shape), which a
      program initialises where it starts (None where the state is x itself).
    """

    init: Any
    advance: Any
    read: Any
    skip: Any
    blank: Any = None  # x (numpy, any leading batch) -> a state of init's structure holding x, for init in a program


def _fixed(step, m: int):
    """init/read/skip of a fixed-step method whose state is x: ``step(x, t, h, p)``, ``m`` steps
    per output interval; an output interval of length dt takes steps h = dt / m."""

    def advance(x, ta, tb, p, rtol, atol):
        h = (tb - ta) / m
        if m == 1:  # no inner loop (a loop of one trip still costs a loop per step)
            return step(x, ta, h, p)
        return lax.fori_loop(0, m, lambda i, y: step(y, ta + i * h, h, p), x)

    def skip(x, t0, T, h, p):
        k = jnp.maximum(jnp.round(T / h), 0).astype(jnp.int32)
        return lax.fori_loop(0, k, lambda i, y: step(y, t0 + i * h, h, p), x)

    return advance, skip


def stepper(system: System, method: str, static: tuple) -> Stepper:
    """The :class:`Stepper` of ``method`` (rk4, dopri5, map, etdrk, delay) with its static
    sizes: rk4 (substeps,), dopri5 (max_steps,), map (iterations per output,), etdrk
    (substeps, h), delay (substeps, buffer length). The building block of :func:`solve` and of
    the chunked programs behind ``trajectory``, ``ensemble``, ``stream`` and
    ``ensemble_statistics``."""
    f = system.rhs
    ident = lambda x0, t0, dt, p, rtol, atol: x0
    same = lambda x: x
    if method == "rk4":
        (m,) = static
        advance, skip = _fixed(lambda x, t, h, p: _rk4_step(f, x, t, h, p), m)
        return Stepper(ident, advance, same, lambda x, t0, T, dt, p, rtol, atol: skip(x, t0, T, dt / m, p))
    if method == "dopri5":
        (max_steps,) = static

        def init(x0, t0, dt, p, rtol, atol):
            return dopri5_start(f, x0, t0, dt, p, rtol, atol)

        def advance(c, ta, tb, p, rtol, atol):
            return dopri5_advance(f, c, tb, p, rtol, atol, max_steps)

        def skip(c, t0, T, dt, p, rtol, atol):
            return dopri5_advance(f, c, t0 + T, p, rtol, atol, max_steps)

        def blank(x):
            b = x.shape[:-1]
            return (x, np.zeros_like(x), np.zeros(b, x.dtype), np.zeros(b, x.dtype), np.zeros(b, np.int32),
                    np.zeros(b, bool))

        return Stepper(init, advance, lambda c: jnp.where(c[5], jnp.nan, c[0]), skip, blank)
    if method == "map":
        (s,) = static

        def advance(x, ta, tb, p, rtol, atol):
            return f(x, ta, p) if s == 1 else lax.fori_loop(0, s, lambda i, y: f(y, ta + i, p), x)

        def skip(x, t0, T, dt, p, rtol, atol):
            k = jnp.maximum(jnp.round(T), 0).astype(jnp.int32)
            return lax.fori_loop(0, k, lambda i, y: f(y, t0 + i, p), x)

        return Stepper(ident, advance, same, skip)
    if method == "etdrk":
        m, h = static
        one = system.stepper(h)
        advance, skip = _fixed(lambda x, t, hh, p: one(x), m)
        return Stepper(ident, advance, same, lambda x, t0, T, dt, p, rtol, atol: skip(x, t0, T, h, p))
    if method == "delay":
        from .solvers import delay_step

        m, M = static
        step = delay_step(system, M)
        advance, skip = _fixed(step, m)
        return Stepper(ident, advance, lambda c: c[0], lambda c, t0, T, dt, p, rtol, atol: skip(c, t0, T, dt / m, p))
    raise ValueError(f"method {method!r} has no stepper (diffrax's methods run whole grids)")


def _checker(keep: tuple):
    """bad(x, bound): not finite, or a coordinate of ``keep`` beyond the bound (last axis)."""

    def check(x, bound):
        b = ~jnp.all(jnp.isfinite(x), axis=-1)
        if keep:
            b = b | jnp.any(jnp.abs(x[..., list(keep)]) > bound, axis=-1)
        return b

    return check


def _diffrax_member(system: System, method: str, max_steps: int, adjoint):
    """One member on a whole grid through diffrax: (x0, ts, p, rtol, atol) -> ys (n, d)."""
    solver = dfx.Dopri5() if method == "dopri5" else ADAPTIVE[method]()
    term = dfx.ODETerm(lambda t, y, p: system.rhs(y, t, p))
    adj = dfx.RecursiveCheckpointAdjoint() if adjoint is None else adjoint

    def run(x0, ts, p, rtol, atol):
        sol = dfx.diffeqsolve(term, solver, ts[0], ts[-1], None, x0, args=p, saveat=dfx.SaveAt(ts=ts),
                              stepsize_controller=dfx.PIDController(rtol=rtol, atol=atol),
                              max_steps=max_steps, throw=False, adjoint=adj)
        ok = sol.result == dfx.RESULTS.successful
        return jnp.where(ok, sol.ys, jnp.where(jnp.isfinite(sol.ys), sol.ys, jnp.nan))

    return run


def _vm(fn, batched: bool, state_axis, p_axes: dict, n_args: int):
    """``fn(state, *args, p, rtol, atol)`` vmapped over members: the state (axis 0 when batched)
    and the parameters named in p_axes; ``n_args`` unbatched arguments sit between them."""
    if not batched:
        return fn
    return jax.vmap(fn, in_axes=(state_axis, *([None] * n_args), p_axes, None, None))


def uses_stepper(method: str, adjoint=None) -> bool:
    """Whether ``method`` runs on a :func:`stepper` (diffrax's methods, and dopri5 with an
    adjoint, run whole grids through diffrax)."""
    return method in ("rk4", "map", "etdrk", "delay") or (method == "dopri5" and adjoint is None)


@lru_cache(maxsize=256)
def _program(system: System, method: str, static: tuple, adjoint, p_axes: tuple, x_batched: bool, keep: tuple):
    """The jitted program of :func:`solve` (cached per system and static structure):
    (x0, ts, p, rtol, atol, bound) -> (ys, first_bad), ys time-major (n, B, d) when batched.
    Steppers run time-major (a scan over time of the member-vmapped step: each output is
    written once, contiguously); diffrax's whole-grid solves are vmapped and transposed."""
    axes = dict(p_axes)
    batched = x_batched or any(a == 0 for a in axes.values())
    check = _checker(keep)
    if not uses_stepper(method, adjoint):
        member = _diffrax_member(system, method, static[0], adjoint)

        def run_diffrax(x0, ts, p, rtol, atol, bound):
            f = jax.vmap(member, in_axes=(0 if x_batched else None, None, axes, None, None)) if batched else member
            ys = f(x0, ts, p, rtol, atol)
            ys = jnp.moveaxis(ys, -2, 0) if batched else ys
            bad = check(ys, bound)
            n = ts.shape[0]
            return ys, jnp.where(bad.any(axis=0), jnp.argmax(bad, axis=0), n)

        return jax.jit(run_diffrax)

    st = stepper(system, method, static)
    init = _vm(st.init, batched, 0 if x_batched else None, axes, 2)
    adv = _vm(st.advance, batched, 0, axes, 2)
    read = jax.vmap(st.read) if batched else st.read
    if method in ("rk4", "etdrk"):  # reverse mode keeps one state per output interval
        adv = partial(jax.checkpoint, prevent_cse=False)(adv)  # inside scan: no CSE barrier needed

    def run(x0, ts, p, rtol, atol, bound):
        dt0 = jnp.max(jnp.diff(ts), initial=1.0)
        s0 = init(x0, ts[0], dt0, p, rtol, atol)

        def body(s, tt):  # emits the state at the start of the interval
            y = read(s)
            return adv(s, tt[0], tt[1], p, rtol, atol), (y, check(y, bound))

        ys, bad = lax.scan(body, s0, (ts, jnp.concatenate([ts[1:], ts[-1:]])))[1]
        n = ts.shape[0]
        return ys, jnp.where(bad.any(axis=0), jnp.argmax(bad, axis=0), n)

    return jax.jit(run)


# ----------------------------------------------------------------------------- chunked programs
#: members per group of the chunked programs: an ensemble of more than MIN_GROUP members is cut
#: into about TARGET_GROUPS groups of MIN_GROUP to MAX_GROUP members
MIN_GROUP, MAX_GROUP, TARGET_GROUPS = 64, 2048, 32


class Blocks(NamedTuple):
    """How a chunked program lays out an ensemble, decided by its number of members and the
    platform, never by the device count (so the bits do not depend on it):

    - ``group`` members: the unit of the on-device moments (summed pairwise in the program,
      merged on the host in a fixed order);
    - ``count`` blocks of ``block`` members (whole groups), split evenly over the first
      ``devices`` local devices (under ``shard_map``); a device computes on arrays of shape
      (its blocks, block, ...).

    The members are padded to ``padded`` by repeating the last one. On CPU a block is a group:
    XLA compiles a flat batch's arithmetic for its size (vector code and a remainder that can
    round differently: one member in a thousand differed in the last bit after 270 steps), an
    array of blocks for the block's shape, so with the block fixed a member's bits do not depend
    on how many devices share the blocks. On accelerators a device's members form one block (a
    thread computes each member alike at any batch size)."""

    group: int
    block: int
    count: int
    devices: int

    @property
    def padded(self) -> int:
        return self.block * self.count

    @property
    def groups(self) -> int:
        return self.padded // self.group


def member_blocks(members: int, *, least: int = MIN_GROUP, target: int = TARGET_GROUPS) -> Blocks:
    """The :class:`Blocks` of an ensemble of ``members`` over the local devices: up to ``least``
    members one group; more, about ``target`` groups of at least ``least`` and at most
    MAX_GROUP members. The groups are padded to a multiple of the devices used (every device,
    or one per group where there are fewer groups)."""
    if members <= least:
        g = members
    else:
        k = min(max(target, -(-members // MAX_GROUP)), -(-members // least))
        g = -(-members // k)
    n = -(-members // g)
    local = jax.local_devices()
    devices = min(len(local), n)
    n += (-n) % devices
    if local[0].platform == "cpu":
        return Blocks(g, g, n, devices)
    return Blocks(g, g * (n // devices), devices, devices)


def member_mesh(devices: int):
    """The 1-D mesh ("members") of the first ``devices`` local devices."""
    from jax.sharding import Mesh

    return Mesh(np.array(jax.local_devices()[:devices]), ("members",))


def blocks_program(fn, blocks: Blocks, in_specs, out_specs, key: tuple = ()):
    """``fn`` (a device's members in, its results out) jitted, and with several devices run on
    each under ``jax.shard_map`` over :func:`member_mesh` (``in_specs``/``out_specs``:
    PartitionSpecs, ``P("members")`` for an axis of members). ``key``: what the trace of ``fn``
    depends on besides ``blocks``, to keep it on disk (:func:`chaoslab.integrate.stored.stored_program`)."""
    from .stored import stored_program

    if blocks.devices < 2:
        prog = jax.jit(fn)
    else:
        prog = jax.jit(jax.shard_map(fn, mesh=member_mesh(blocks.devices), in_specs=in_specs, out_specs=out_specs,
                                     check_vma=False))
    return stored_program(prog, *key, tuple(blocks)) if key else prog


def place_blocks(tree, blocks: Blocks):
    """``tree`` (arrays with a leading axis of ``blocks.padded`` members) split over the
    devices of ``blocks`` (unchanged with one)."""
    if blocks.devices < 2:
        return tree
    from jax.sharding import NamedSharding, PartitionSpec

    sharding = NamedSharding(member_mesh(blocks.devices), PartitionSpec("members"))
    return jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), tree)


def program_sizes(system: System, method: str, dt: float, p, *, substeps: int | None = None,
                  max_steps: int = MAX_STEPS) -> tuple:
    """The static sizes of ``method``'s :func:`stepper` for output spacing ``dt`` and resolved
    parameters ``p`` (one rule for solve and the chunked programs)."""
    if method == "rk4":
        return (fixed_substeps(system, "rk4", dt, substeps),)
    if method == "map":
        if dt != round(dt) or dt < 1:
            raise ValueError(f"a map's output times are spaced by a whole number of iterations, got {dt}")
        return (int(round(dt)),)
    if method == "etdrk":
        m = fixed_substeps(system, "etdrk", dt, substeps)
        return (m, dt / m)
    if method == "delay":
        return tuple(delay_steps(system, dt, p, substeps=substeps))
    if not (isinstance(max_steps, (int, np.integer)) and max_steps >= 1):
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    return (int(max_steps),)


def _pairwise_sum(a):
    """Sum over axis 1 by explicit pairwise halving (zero-padded to a power of two): additions
    of whole arrays in a fixed order, so the bits do not depend on how XLA compiles them for the
    shape at hand (it differs with the number of groups on a device)."""
    g = a.shape[1]
    size = 1 << max(0, (g - 1).bit_length())
    if size > g:
        a = jnp.concatenate([a, jnp.zeros((a.shape[0], size - g, *a.shape[2:]), a.dtype)], axis=1)
    while a.shape[1] > 1:
        half = a.shape[1] // 2
        a = a[:, :half] + a[:, half:]
    return a[:, 0]


def _moments(y, ok, group: int, center, scale, levels, lo, width, bins: int):
    """One output time's reductions over members y (B, d) where ok (B,): per group of ``group``
    members the count, mean and sum of squared deviations; over all, min, max, the counts of
    |y - center| > level * scale (K, d) and the histogram (d, bins) of uniform bins from lo.

    Every result is exact or correctly rounded elementwise arithmetic in a fixed order (pairwise
    sums, one division; the squares are formed apart from the sums, so no multiply-add is fused
    where XLA's vector code would and its remainder would not), so the bits do not depend on B."""
    B, d = y.shape
    yg, okg = y.reshape(B // group, group, d), ok.reshape(B // group, group)
    w = okg[..., None]
    n_g = okg.sum(axis=1, dtype=jnp.int32)
    mean_g = _pairwise_sum(jnp.where(w, yg, 0.0)) / jnp.maximum(n_g, 1)[:, None].astype(y.dtype)
    m2_g = _pairwise_sum(lax.optimization_barrier(jnp.where(w, (yg - mean_g[:, None]) ** 2, 0.0)))
    okc = ok[:, None]
    mn = jnp.where(okc, y, jnp.inf).min(axis=0)
    mx = jnp.where(okc, y, -jnp.inf).max(axis=0)
    z = jnp.abs(jnp.where(okc, y, center) - center) / scale
    exc = ((z[:, None, :] > levels[None, :, None]) & okc[:, None, :]).sum(axis=0, dtype=jnp.int32)
    idx = jnp.clip(jnp.floor((jnp.where(okc, y, lo) - lo) / width), 0, bins - 1).astype(jnp.int32)
    hist = jnp.zeros((d, bins), jnp.int32).at[jnp.arange(d)[None, :], idx].add(okc.astype(jnp.int32))
    return n_g, mean_g, m2_g, mn, mx, exc, hist


def _where_members(ok, a, b):
    """The PyTree ``a`` for members where ok (the leading axes), ``b`` elsewhere."""
    return jax.tree_util.tree_map(lambda u, v: jnp.where(ok.reshape(ok.shape + (1,) * (u.ndim - ok.ndim)), u, v), a, b)


@lru_cache(maxsize=256)
def _segment_program(system: System, method: str, static: tuple, p_axes: tuple, keep: tuple, length: int,
                     bins: int | None, blocks: Blocks):
    """One fixed-size chunk of a member-batched run, compiled once per structure (a new count,
    start time, spacing, tolerance or parameter value does not recompile):

    (state, alive, first, t_start, dt, count, offset, start, p, rtol, atol, bound, red) ->
    (state, alive, first, out)

    The members (``blocks.padded``) lie as ``blocks`` says: each device holds whole blocks and
    computes on arrays of shape (its blocks, block, ...) (the member function vmapped over the
    block, then over the blocks). XLA compiles the arithmetic of such an array for its inner
    shape, the block's, whatever the number of blocks, so a member's bits do not depend on the
    device count (a flat batch of a device's members is compiled for its size: vector code and
    a remainder that can round differently).

    With ``start`` the state is a ``Stepper.blank`` and is initialised at t_start first (one
    program serves the first chunk, the transient and the rest).

    Outputs i < count are the states at t_start + i dt; the state returned is the one at
    t_start + count dt (the next chunk's first output). ``alive`` (B,) marks members finite and
    within the bound at every output so far; ``first`` (B,) the index (offset + i) of a member's
    first bad output. A member that is not alive is no longer advanced. ``out``: the states
    (length, blocks.count, blocks.block, d) (``bins`` None), or with ``bins`` the reductions of
    :func:`_moments` over the alive members at each output time (``red`` = (center, scale,
    levels, lo, width)): the groups' counts (length, groups), means and M2 (length, groups, d),
    and over all members min, max, exceedances and histogram (length, ...)."""
    axes = dict(p_axes)
    check = _checker(keep)
    B, n_dev = blocks.block, blocks.devices
    reduce = (lambda y, ok, red: _moments(y, ok, blocks.group, *red, bins)) if bins is not None else None
    flat = lambda a: a.reshape((-1,) + a.shape[2:])  # (blocks, block, ...) -> (members, ...)

    blockwise = lambda fn, in_axes=0: jax.vmap(jax.vmap(fn, in_axes=in_axes), in_axes=in_axes)  # (blocks, block)

    if uses_stepper(method, None):
        st = stepper(system, method, static)
        adv = blockwise(st.advance, (0, None, 0, axes, None, None))
        read = blockwise(st.read)
        init = blockwise(st.init, (0, None, None, axes, None, None))

        def local(state, alive, first, t_start, dt, count, offset, start, p, rtol, atol, bound, red):
            if st.blank is not None:  # a first chunk initialises the solver where it starts
                state = lax.cond(start, lambda s: init(s[0], t_start, dt, p, rtol, atol), lambda s: s, state)
            if method == "dopri5":  # max_steps counts the steps of one chunk
                state = (*state[:4], jnp.zeros_like(state[4]), state[5])

            def body(carry, i):
                s, alive, first = carry
                y = read(s)
                live = i < count
                ok = alive & ~check(y, bound)
                first = jnp.where(live & alive & ~ok, (offset + i).astype(first.dtype), first)
                ta, tb = t_start + i * dt, t_start + (i + 1) * dt
                # members that left are frozen; their interval ends at -inf (an adaptive solver
                # takes no step: it does not hold the batch up shrinking its steps at a blow-up)
                s = lax.cond(live, lambda s: _where_members(ok, adv(s, ta, jnp.where(ok, tb, -jnp.inf), p, rtol, atol),
                                                            s), lambda s: s, s)
                if reduce is None:
                    out = y
                else:  # outputs past the count are not reduced
                    here = lambda y: reduce(flat(y), flat(ok), red)
                    shapes = jax.eval_shape(here, y)
                    out = lax.cond(live, here,
                                   lambda y: jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), shapes), y)
                return (s, jnp.where(live, ok, alive), first), out

            (s, alive, first), out = lax.scan(body, (state, alive, first), jnp.arange(length))
            return s, alive, first, out
    else:
        member = _diffrax_member(system, method, static[0], None)
        solve_all = blockwise(member, (0, None, axes, None, None))

        def local(state, alive, first, t_start, dt, count, offset, start, p, rtol, atol, bound, red):
            i = jnp.arange(length + 1)
            ts = t_start + jnp.minimum(i, count) * dt  # points past the count repeat the end
            ys = jnp.moveaxis(solve_all(state, ts, p, rtol, atol), 2, 0)  # (length + 1, blocks, block, d)
            live = (i[:-1] < count)[:, None, None]
            ok = jnp.cumprod(~check(ys[:-1], bound) | ~live, axis=0).astype(bool) & alive[None]
            went = live & ~ok & alive[None]
            first = jnp.where(went.any(axis=0), (offset + jnp.argmax(went, axis=0)).astype(first.dtype), first)
            out = ys[:-1] if reduce is None else jax.vmap(lambda y, o: reduce(flat(y), flat(o), red))(ys[:-1], ok)
            return ys[-1], ok[-1], first, out

    def shard(state, alive, first, t_start, dt, count, offset, start, p, rtol, atol, bound, red):
        """A device's members: (members, ...) in and out, (blocks, block, ...) in the program."""
        nb = alive.shape[0] // B
        cut = lambda a: a.reshape((nb, B) + a.shape[1:])
        state, alive, first = jax.tree_util.tree_map(cut, (state, alive, first))
        p = {k: cut(v) if axes[k] == 0 else v for k, v in p.items()}
        s, alive, first, out = local(state, alive, first, t_start, dt, count, offset, start, p, rtol, atol, bound,
                                     red)
        s, alive, first = jax.tree_util.tree_map(flat, (s, alive, first))
        if reduce is None or n_dev < 2:
            return s, alive, first, out
        n_g, mean_g, m2_g, mn, mx, exc, hist = out  # over the devices: extrema and counts, exact in any order
        return s, alive, first, (n_g, mean_g, m2_g, lax.pmin(mn, "members"), lax.pmax(mx, "members"),
                                 lax.psum(exc, "members"), lax.psum(hist, "members"))

    from jax.sharding import PartitionSpec as P

    M, R, T = P("members"), P(), P(None, "members")
    return blocks_program(shard, blocks,
                          in_specs=(M, M, M, R, R, R, R, R, {k: (M if a == 0 else R) for k, a in axes.items()}, R, R,
                                    R, R),
                          out_specs=(M, M, M, T if reduce is None else (T, T, T, R, R, R, R)),
                          key=("segment", system, method, static, p_axes, keep, length, bins))


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
    time_major: bool = False,
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

        time_major: ys of shape (n, *batch, dim), the layout the program computes in (no
            transpose: the fastest for large batches) instead of (*batch, n, dim).

    Returns:
        :class:`Solution` with ``ys`` of shape (*batch, n, dim) (time_major: (n, *batch, dim)).
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
    if batch:  # the program is time-major: (n, B + pad, d)
        ys, first = ys[:, :B], first[:B]
        ys = ys.reshape((ys.shape[0], *batch, *ys.shape[2:]))
        if not time_major:
            ys = jnp.moveaxis(ys, 0, len(batch))
        first = first.reshape(batch)
    n = ts.shape[0]
    return Solution(ts=ts, ys=ys, valid=first == n, first_bad=first)
