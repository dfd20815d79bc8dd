"""The integrators' building blocks (the RK4 step, Dormand–Prince 5(4), the delay step, step
sizing) and ``get_solver``: ``solve(state, t0, t_first, dt, p) -> (ys, state)`` over the
steppers of :mod:`chaoslab.integrate.core` (for the analysis code's fixed-length runs).

Every solver returns ``n`` states on the uniform grid ``t_first + k*dt`` (k = 0..n-1), having
started from ``state`` at time ``t0 <= t_first`` (the span ``t_first - t0`` is a transient that is
integrated and discarded). The returned ``state`` continues the run, so long runs stream in
chunks. Solvers are pure and traceable: ``jax.vmap`` over states and parameters makes ensembles.

Methods:
- ``rk4``: classical fixed-step Runge–Kutta, ``substeps`` internal steps per output interval.
- ``dopri5`` (the default for non-stiff flows): our own Dormand–Prince 5(4) with FSAL and an
  error-per-step controller, stepping exactly onto each output time. Written by hand because
  compilation dominates a first call: on Lorenz (10,000 points, rtol 1e-10) diffrax's Dopri5
  takes 1.45 s for the first call (trace + compile) and 0.047 s compiled, ours about 0.3 s and
  a similar compiled time (``benchmarks/bench_vs_dysts.py`` prints both).
- ``tsit5``, ``dopri8``: adaptive embedded Runge–Kutta from diffrax with a PID step-size
  controller and dense output on the grid (Dopri8 for very tight tolerances).
- ``kvaerno5``: an L-stable ESDIRK method (diffrax) for stiff systems.
- ``map``: iteration of a discrete map (``dt`` is 1).
- ``delay``: method of steps for x'(t) = f(x(t), x(t - tau)): RK4 on a fixed step, the delayed
  values read from a ring buffer of past states and derivatives by cubic Hermite interpolation
  (local error O(h^4), matching RK4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import diffrax as dfx
import jax
import jax.numpy as jnp
from jax import lax

from ..systems.base import System, resolve_name

ADAPTIVE = {"tsit5": dfx.Tsit5, "dopri8": dfx.Dopri8, "kvaerno5": dfx.Kvaerno5}
METHODS = ("auto", "rk4", "dopri5", *ADAPTIVE, "map", "delay", "etdrk")


@dataclass(frozen=True)
class SolverConfig:
    """Static (compile-time) settings of a solver."""

    method: str
    n: int
    rtol: float = 1e-9
    atol: float = 1e-9
    substeps: int = 1
    max_steps: int = 4_000_000
    buffer: int = 0  # delay: ring-buffer length in steps
    h: float = 0.0  # etdrk: the (fixed) internal step


def resolve_method(system: System, method: str) -> str:
    """The integrator ``method`` (one of METHODS, in any case) that applies to ``system``."""
    method = resolve_name(method, METHODS, "method")
    if system.discrete:
        if method not in ("auto", "map"):
            raise ValueError(f"{system.name} is a map: method must be 'map' or 'auto', got {method!r}")
        return "map"
    if system.delay:
        if method not in ("auto", "delay", "rk4"):
            raise ValueError(f"{system.name} is a delay equation: method must be 'delay' or 'auto', got {method!r}")
        return "delay"
    if system.stepper is not None and method in ("auto", "etdrk"):
        return "etdrk"
    if method in ("map", "delay", "etdrk"):
        raise ValueError(f"{system.name} is an ordinary flow: method {method!r} does not apply")
    if method == "auto":
        return "kvaerno5" if system.stiff else "dopri5"
    return method


def fixed_substeps(system: System, method: str, dt: float, substeps: int | None = None) -> int:
    """Fixed steps per output interval dt for rk4 and etdrk (``substeps`` if given): rk4 steps
    at most period/500 (and 10x the system's suggested dt), etdrk at most the system's dt."""
    if substeps is not None:
        return int(substeps)
    if method == "etdrk":
        h_max = float(system.dt or dt)
    else:
        h_max = (system.period or dt * 100) / 500.0
        if system.dt is not None:
            h_max = min(h_max, 10 * system.dt)
    return max(1, math.ceil(dt / h_max - 1e-9)) if dt > 0 else 1


# ----------------------------------------------------------------------------- ODE: RK4
def _rk4_step(f, x, t, h, p):
    k1 = f(x, t, p)
    k2 = f(x + 0.5 * h * k1, t + 0.5 * h, p)
    k3 = f(x + 0.5 * h * k2, t + 0.5 * h, p)
    k4 = f(x + h * k3, t + h, p)
    return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


# ----------------------------------------------------------------------------- ODE: Dormand–Prince 5(4)
# Butcher tableau of Dormand & Prince (1980), J. Comput. Appl. Math. 6, 19-26.
_DP_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_DP_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
# 5th-order weights are the last row of A (FSAL); error = 5th - 4th order solution
_DP_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def _dp_norm(v, y, yn, rtol, atol):
    sc = atol + rtol * jnp.maximum(jnp.abs(y), jnp.abs(yn))
    return jnp.sqrt(jnp.mean((v / sc) ** 2))


def _dp_step(f, y, k1, t, h, p, rtol, atol):
    """One Dormand–Prince step: (5th-order state, derivative there (FSAL), error norm)."""
    ks = [k1]
    for i in range(1, 7):
        yi = y + h * sum(a * k for a, k in zip(_DP_A[i], ks) if a != 0.0)
        ks.append(f(yi, t + _DP_C[i] * h, p))
    yn = y + h * sum(a * k for a, k in zip(_DP_A[6], ks) if a != 0.0)
    err = h * sum(e * k for e, k in zip(_DP_E, ks) if e != 0.0)
    return yn, ks[6], _dp_norm(err, y, yn, rtol, atol)


def dopri5_start(f, x0, t0, h_max, p, rtol, atol):
    """The carry ``(y, k1, t, h, steps, failed)`` of :func:`dopri5_advance` at (x0, t0): the
    initial step of Hairer, Norsett & Wanner (Solving ODEs I, II.4), at most ``h_max``."""
    t0 = jnp.asarray(t0, dtype=x0.dtype)
    k1 = f(x0, t0, p)
    d0 = _dp_norm(x0, x0, x0, rtol, atol)
    d1 = _dp_norm(k1, x0, x0, rtol, atol)
    h0 = jnp.where((d0 > 1e-5) & (d1 > 1e-5), 0.01 * d0 / d1, 1e-6)
    return (x0, k1, t0, jnp.minimum(h0, h_max), jnp.asarray(0, jnp.int32), jnp.asarray(False))


def dopri5_advance(f, carry, t_end, p, rtol, atol, max_steps):
    """Adaptive Dormand–Prince 5(4) steps from the carry's time to exactly ``t_end`` (an
    error-per-step controller; tolerances may be traced values). ``failed`` is set when
    ``max_steps`` steps were taken in all or the step size collapsed. A ``lax.while_loop``:
    jit, vmap and forward-mode differentiation, not reverse mode."""

    def cond(c):
        return (c[2] < t_end) & ~c[5]

    def body(c):
        y, k1, t, h, steps, failed = c
        clipped = t + h >= t_end
        h_try = jnp.where(clipped, t_end - t, h)
        yn, k7, err = _dp_step(f, y, k1, t, h_try, p, rtol, atol)
        finite = jnp.isfinite(err) & jnp.all(jnp.isfinite(yn))
        ok = finite & (err <= 1.0)
        fac = jnp.where(finite, 0.9 * jnp.where(err > 0, err, 1e-10) ** -0.2, 0.2)
        fac = jnp.clip(fac, 0.2, jnp.where(ok, 10.0, 1.0))
        h_new = h_try * fac
        h_new = jnp.where(ok & clipped, jnp.maximum(h_new, h), h_new)  # a clipped step is no evidence to shrink
        t_new = jnp.where(ok, jnp.where(clipped, t_end, t + h_try), t)
        steps = steps + 1
        failed = (steps >= max_steps) | (h_new <= 1e-14 * jnp.maximum(jnp.abs(t), 1.0))
        return (jnp.where(ok, yn, y), jnp.where(ok, k7, k1), t_new, h_new, steps, failed)

    return lax.while_loop(cond, body, carry)


STAGES = {"rk4": 4, "dopri5": 6, "tsit5": 6, "dopri8": 12, "kvaerno5": 15, "etdrk": 4, "delay": 4, "map": 1}
"""Right-hand-side evaluations per step of each method (kvaerno5: its 5 implicit stages at about
three Newton iterations each): the unit of solver work in which long analyses count a budget."""


def adaptive_segment(system: System, method: str, rtol: float, atol: float, max_steps: int = 1_000_000):
    """``(x, t0, t1, p) -> (x(t1), steps)``: one adaptive integration (dopri5, tsit5, dopri8,
    kvaerno5) from t0 to t1 and the steps it took (accepted and rejected) — the work of a
    variable-step segment. The state is NaN where the solver failed. Traceable (jit, vmap,
    forward-mode differentiation)."""
    if method == "dopri5":
        f = system.rhs

        def run(x, t0, t1, p):
            c = dopri5_start(f, x, t0, t1 - t0, p, rtol, atol)
            c = dopri5_advance(f, c, t1, p, rtol, atol, max_steps)
            return jnp.where(c[5], jnp.nan, c[0]), c[4]

        return run
    if method not in ADAPTIVE:
        raise ValueError(f"method {method!r} is not adaptive; allowed: dopri5, {', '.join(ADAPTIVE)}")
    term = dfx.ODETerm(lambda t, y, p: system.rhs(y, t, p))
    solver = ADAPTIVE[method]()
    controller = dfx.PIDController(rtol=rtol, atol=atol)

    def run(x, t0, t1, p):
        sol = dfx.diffeqsolve(term, solver, t0, t1, None, x, args=p, saveat=dfx.SaveAt(t1=True),
                              stepsize_controller=controller, max_steps=max_steps, throw=False)
        ok = sol.result == dfx.RESULTS.successful
        return jnp.where(ok, sol.ys[-1], jnp.nan), sol.stats["num_steps"]

    return run


# ----------------------------------------------------------------------------- ODE: diffrax
def _make_adaptive(system: System, cfg: SolverConfig):
    term = dfx.ODETerm(lambda t, y, p: system.rhs(y, t, p))
    solver = ADAPTIVE[cfg.method]()
    controller = dfx.PIDController(rtol=cfg.rtol, atol=cfg.atol)

    def solve(x0, t0, t_first, dt, p):
        ts = t_first + dt * jnp.arange(cfg.n)
        t1 = ts[-1] + dt  # the returned state is at t1, where the next chunk starts
        ts_all = jnp.concatenate([ts, t1[None]])
        sol = dfx.diffeqsolve(
            term, solver, t0, t1, None, x0, args=p,
            saveat=dfx.SaveAt(ts=ts_all), stepsize_controller=controller,
            max_steps=cfg.max_steps, throw=False,
        )
        ys = sol.ys
        # diffrax fills unreached save points with inf after a failure; make that explicit
        ok = sol.result == dfx.RESULTS.successful
        ys = jnp.where(ok, ys, jnp.where(jnp.isfinite(ys), ys, jnp.nan))
        return ys[:-1], ys[-1]

    return solve


# ----------------------------------------------------------------------------- delay equations
def _hermite(x0, x1, f0, f1, h, u):
    """Cubic Hermite interpolant at fraction u in [0, 1] of a step of length h."""
    h00 = (1 + 2 * u) * (1 - u) ** 2
    h10 = u * (1 - u) ** 2
    h01 = u**2 * (3 - 2 * u)
    h11 = u**2 * (u - 1)
    return h00 * x0 + h10 * h * f0 + h01 * x1 + h11 * h * f1


def delay_step(system: System, M: int):
    """One RK4 step of the method of steps: ``step(carry, t, h, p) -> carry`` with the carry
    (x, xs, fs, i, f0) — ring buffers of the last ``M`` states and derivatives (slot ``i % M``
    holds the current time; absolute index ``M - 1`` is t = 0), and f0, the history's
    derivative at t = 0 from the left. The solution's derivative jumps at t = 0, so
    interpolating on [-h, 0] must use f0, not the right derivative f(x(0), x(-tau)). The step
    h must be the one the buffer was built with (the delayed values are read lag = tau / h
    slots back)."""
    tau_name = system.delay_param

    def step(carry, t, h, p):
        x, xs, fs, i, f0 = carry
        lag = p[tau_name] / h  # steps back

        def delayed(fs, s):
            # value at t_i + s*h - tau, i.e. (s - lag) steps from the current slot
            pos = s - lag
            j = jnp.floor(pos)
            u = pos - j
            j = j.astype(jnp.int32)
            a = (i + j) % M
            b = (i + j + 1) % M
            fb = jnp.where(i + j + 1 == M - 1, f0, fs[b])
            return _hermite(xs[a], xs[b], fs[a], fb, h, u)

        f = lambda y, yd, tt: system.rhs_delay(y, yd, tt, p)
        k1 = f(x, delayed(fs, 0.0), t)
        fs = fs.at[i % M].set(k1)  # derivative at the current point, read by the stages
        d_half = delayed(fs, 0.5)
        d_full = delayed(fs, 1.0)
        k2 = f(x + 0.5 * h * k1, d_half, t + 0.5 * h)
        k3 = f(x + 0.5 * h * k2, d_half, t + 0.5 * h)
        k4 = f(x + h * k3, d_full, t + h)
        xn = x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
        i1 = i + 1
        xs = xs.at[i1 % M].set(xn)
        return (xn, xs, fs, i1, f0)

    return step


def delay_history(system: System, history, h: float, M: int, p):
    """Initial ring buffer from history samples on [-tau, 0] (oldest first)."""
    import numpy as np

    tau = float(np.max(np.asarray(p[system.delay_param])))
    hist = np.atleast_1d(np.asarray(history, dtype=np.float64))
    s = np.linspace(-tau, 0.0, hist.size) if hist.size > 1 else np.array([0.0])
    grid = -h * np.arange(M - 1, -1, -1)  # times of slots, oldest first, last = 0
    xs = np.interp(grid, s, hist) if hist.size > 1 else np.full(M, hist[0])
    fs = np.gradient(xs, h) if M > 1 else np.zeros(M)
    # slot i % M holds time 0 with i = M - 1
    return (jnp.asarray(xs[-1:]), jnp.asarray(xs[:, None]), jnp.asarray(fs[:, None]),
            jnp.asarray(M - 1, dtype=jnp.int32), jnp.asarray(fs[-1:]))


MAX_DELAY_STEPS = 10**7  # steps per output interval, and steps of history: beyond, a run neither ends nor fits


def delay_steps(system: System, dt: float, p, h_max: float | None = None, substeps: int | None = None) -> tuple[int, int]:
    """(substeps per output interval, ring-buffer length) for a delay equation; a one-line
    ValueError when either would exceed MAX_DELAY_STEPS (a delay tiny or huge against dt)."""
    import numpy as np

    tau = float(np.max(np.asarray(p[system.delay_param])))
    tau_min = float(np.min(np.asarray(p[system.delay_param])))
    if tau_min <= 0:
        raise ValueError(f"delay {system.delay_param} of {system.name} must be > 0, got {tau_min}")
    if h_max is None:
        h_max = min(tau_min / 20.0, (system.period or tau) / 200.0)
    per_output = substeps or (dt / h_max if h_max > 0 else math.inf)
    if not per_output <= MAX_DELAY_STEPS:
        raise ValueError(f"delay {system.delay_param} = {tau_min:.3g} of {system.name} needs {per_output:.3g} steps per "
                         f"output interval dt = {dt:.3g}; allowed: at most {MAX_DELAY_STEPS:.0e} (a larger delay or a smaller dt)")
    m = substeps or max(1, math.ceil(dt / h_max - 1e-9))
    h = dt / m
    if h > tau_min:
        if substeps:
            raise ValueError(f"step dt/substeps = {h:.3g} exceeds the delay {tau_min:.3g}; use more substeps")
        m = math.ceil(dt / tau_min) + 1
        h = dt / m
    span = tau / h
    if not span <= MAX_DELAY_STEPS:
        raise ValueError(f"delay {system.delay_param} = {tau:.3g} of {system.name} spans {span:.3g} steps of {h:.3g}; "
                         f"allowed: at most {MAX_DELAY_STEPS:.0e}, the history held in memory (a smaller delay or a larger dt)")
    return m, int(math.ceil(span)) + 3


def _from_stepper(system: System, cfg: SolverConfig):
    """``solve(state, t0, t_first, dt, p) -> (ys, state)`` over the core's stepper (the one
    implementation of rk4, dopri5, map, etdrk and delay): the transient from t0 to t_first,
    then n outputs; dopri5's returned state is the solution (NaN where it failed)."""
    from .core import stepper

    static = {"rk4": (cfg.substeps,), "dopri5": (cfg.max_steps,), "map": (1,), "etdrk": (cfg.substeps, cfg.h),
              "delay": (cfg.substeps, cfg.buffer)}[cfg.method]
    st = stepper(system, cfg.method, static)
    rtol, atol = cfg.rtol, cfg.atol

    def solve(x0, t0, t_first, dt, p):
        s = st.init(x0, t0, dt, p, rtol, atol)
        s = st.skip(s, t0, t_first - t0, dt, p, rtol, atol)

        def out(s, k):
            ta = t_first + k * dt
            return st.advance(s, ta, ta + dt, p, rtol, atol), st.read(s)

        last, ys = lax.scan(out, s, jnp.arange(cfg.n))
        return ys, (st.read(last) if cfg.method == "dopri5" else last)

    return solve


@lru_cache(maxsize=512)
def _compiled(system: System, cfg: SolverConfig, batched: bool, p_axes: tuple | None):
    solve = _make_adaptive(system, cfg) if cfg.method in ADAPTIVE else _from_stepper(system, cfg)
    if batched:
        solve = jax.vmap(solve, in_axes=(0, None, None, None, dict(p_axes)))
    return jax.jit(solve)


def get_solver(system: System, cfg: SolverConfig, batched: bool = False, p_axes: dict | None = None):
    """A jitted ``solve(state, t0, t_first, dt, p) -> (ys, state)`` for ``n`` outputs on the
    grid t_first + k dt after a transient from t0 (cached per system and configuration); the
    steppers of :mod:`chaoslab.integrate.core` inside."""
    key = tuple(sorted(p_axes.items())) if p_axes is not None else None
    return _compiled(system, cfg, batched, key)
