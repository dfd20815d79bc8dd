"""Learning-rate sweeps: the bifurcation diagram of a training map.

A training map (:func:`chaoslab.learning.training.training_map`) is a family of maps with the
learning rate as its parameter. Sweeping it is a bifurcation study:

- :func:`lr_sweep` trains at many learning rates at once (each part of the run one
  :func:`~chaoslab.learning.training.train` call over all of them: one compiled program, the
  learning rates a parameter batch) and returns, per learning rate, the orbit of the parameters
  over the last ``keep`` steps (the bifurcation diagram's points), the final loss, the detected
  period, the leading Lyapunov exponent along the run's last ``window`` steps, and whether the
  run diverged (flagged, its values NaN, never dropped);
- :func:`period_of` is the period of an orbit (0 when it has none: chaotic or not converged);
- :func:`bifurcation_point` locates the onset of a period by bisection on the learning rate;
- :func:`lr_sensitivity` is the learning-rate sensitivity of Wortsman et al. (2023);
- :func:`catapults` marks the learning rates at which GD was catapulted (Lewkowycz et al. 2020):
  it started where the sharpness exceeds 2/lr, did not diverge, and ended where it is below;
- :func:`bifurcation_figure` draws the diagram and the exponent against the learning rate.

The exponent is the growth rate, per step, of one tangent vector carried along the run's own
stored states by the Jacobian of the update (a JVP of ``tm.system.fn``, through
:func:`chaoslab.analysis.lyapunov.tangent_step`) and renormalised every step
(:func:`chaoslab.analysis.lyapunov.qr_step`; Benettin et al. 1980, Meccanica 15, 9): the average
of log |J(x_n) q_n| over the window, all runs in one vmapped program. At a stable fixed point x*
of a one-parameter map it is log |g'(x*)| exactly; on a stable period-p orbit it is
(1/p) log |(g^p)'|; it crosses zero at a period doubling and is positive on a chaotic attractor.

Example (gradient descent on the double well f(x) = (x^2 - 1)^2 / 4, whose map
x <- x - lr x (x^2 - 1) period-doubles from lr = 1 and is chaotic near lr = 1.3)::

    tm = training_map(jnp.array([0.5]), loss=lambda th: (th[0] ** 2 - 1) ** 2 / 4, lr=0.1)
    sweep = lr_sweep(tm, np.linspace(0.8, 2.05, 400), steps=20_000)
    bifurcation_figure(sweep)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .training import TrainingMap, train


@dataclass
class LRSweep:
    """Training at ``lr`` (m,), one run each, for ``steps`` steps.

    ``orbit`` (m, keep, n_params): the parameters at steps steps - keep + 1, ..., steps (the
    bifurcation diagram's points); ``final_loss`` (m,): the loss at step ``steps``;
    ``initial_loss`` (m,): at step 0; ``diverged`` (m,) bool: the run left the divergence bound
    of :func:`~chaoslab.learning.training.train` (its orbit, final loss, exponent are NaN and
    its period 0; never dropped); ``exponent`` (m,): the leading Lyapunov exponent per step
    along the last ``window`` steps (NaN where diverged or not computed); ``period`` (m,): the
    orbit's period (:func:`period_of`; 0 when none)."""

    lr: np.ndarray
    orbit: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray
    exponent: np.ndarray
    period: np.ndarray
    initial_loss: np.ndarray
    steps: int
    keep: int
    window: int
    rtol: float = field(default=1e-6)

    def lr_sensitivity(self) -> float:
        """:func:`lr_sensitivity` of this sweep (its runs' common initial loss as l0)."""
        return lr_sensitivity(self.final_loss, self.lr, initial_loss=self.initial_loss)


# ----------------------------------------------------------------------------- checks
def _brief(v) -> str:
    """A one-line description of an argument for an error message."""
    if np.ndim(v) == 0 and not isinstance(v, np.ndarray):
        return " ".join(repr(v).split())
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        return type(v).__name__
    if a.size <= 6:
        return np.array2string(a, separator=", ", max_line_width=10**6).replace("\n", "")
    bad = a[~(np.isfinite(a) & (a > 0))]
    return f"shape {a.shape}" + (f" with {bad.size} entries like {bad.flat[0]!r} not > 0 and finite" if bad.size else "")


def _positive_int(name: str, v, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_brief(v)}")
    return int(v)


def _positive_float(name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not (
            math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number, got {_brief(v)}")
    return float(v)


def _learning_rates(lrs) -> np.ndarray:
    try:
        a = np.asarray(lrs, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"lrs must be a 1-D array of positive finite learning rates, got {_brief(lrs)}") from None
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"lrs must be a non-empty 1-D array of positive finite learning rates, got {_brief(lrs)}")
    return a


# ----------------------------------------------------------------------------- periods
def period_of(orbit, *, rtol: float = 1e-6, scale: float | None = None) -> int:
    """The period of an orbit: the smallest p (1 <= p <= len(orbit) // 2) such that the orbit
    repeats with period p across the whole window, |orbit[i] - orbit[j]| <= rtol * scale for
    every coordinate whenever i = j (mod p) (in particular orbit[i + p] = orbit[i] for all i);
    0 when there is none (a chaotic orbit, a period longer than half the window, or an orbit
    that has not converged to its cycle yet, and any orbit with a non-finite entry).

    ``orbit``: (n,) or (n, d) points in time order. ``scale``: default the largest |entry| of
    the orbit (1 if the orbit is all zeros). Comparing every point of a residue class, not only
    neighbours p apart, keeps a slowly drifting orbit (near a bifurcation, where it approaches
    its cycle at a rate close to zero) from passing for periodic: its drift adds up over the
    window."""
    rtol = _positive_float("rtol", rtol)
    try:
        x = np.asarray(orbit, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"orbit must be an array of shape (n,) or (n, d), got {_brief(orbit)}") from None
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"orbit must have shape (n,) or (n, d) with n >= 2, got {np.shape(orbit)}")
    if scale is not None:
        scale = _positive_float("scale", scale)
    if not np.all(np.isfinite(x)):
        return 0
    s = scale if scale is not None else (float(np.max(np.abs(x))) or 1.0)
    tol = rtol * s
    n, d = x.shape
    for p in range(1, n // 2 + 1):
        k = -(-n // p)  # residue classes as columns, the last row padded with NaN
        blocks = np.concatenate([x, np.full((k * p - n, d), np.nan)]).reshape(k, p, d)
        spread = np.nanmax(blocks, axis=0) - np.nanmin(blocks, axis=0)
        if np.all(spread <= tol):
            return p
    return 0


# ----------------------------------------------------------------------------- exponents
@lru_cache(maxsize=32)
def _exponent_program(system):
    """jit((states (m, W, dim), t (W,), lr (m,), q0 (dim, 1), params) -> (m,) mean log growth),
    one program per System, the learning rates a batch of its parameter ``lr`` and its other
    parameters (data) arguments, not constants."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    from ..analysis.lyapunov import qr_step, tangent_step

    advance = tangent_step(system, 1, 1)  # (x, Q, n, p) -> (x_{n+1}, J(x_n) Q), a JVP of fn

    def one(xs, ts, lr, q0, common):
        p = dict(common, lr=lr)

        def body(q, inp):
            x, t = inp
            _, M = advance(x, q, t, p)
            q1, logs = qr_step(M)  # renormalise; log |J q|
            return q1, logs[0]

        _, logs = lax.scan(body, q0, (xs, ts))
        return jnp.mean(logs)

    return jax.jit(jax.vmap(one, in_axes=(0, None, 0, None, None)))


def _exponents(tm: TrainingMap, states: np.ndarray, t_first: int, lrs: np.ndarray) -> np.ndarray:
    """Mean log growth per step of a unit tangent carried along each run's stored ``states``
    (m, W + 1, dim) (steps t_first ... t_first + W): the tangent at state n is mapped by the
    Jacobian at state n, for n < W (non-finite states read as 0; the caller masks those runs)."""
    import jax
    import jax.numpy as jnp

    xs = np.nan_to_num(states[:, :-1], nan=0.0, posinf=0.0, neginf=0.0)
    ts = jnp.asarray(t_first + np.arange(xs.shape[1]), dtype=jnp.float64)
    q0 = jax.random.normal(jax.random.PRNGKey(0), (tm.system.dim, 1), dtype=jnp.float64)
    q0 = q0 / jnp.linalg.norm(q0)
    common = {k: jnp.asarray(v) for k, v in tm.system.params.items() if k != "lr"}
    return np.asarray(_exponent_program(tm.system)(jnp.asarray(xs), ts, jnp.asarray(lrs), q0, common))


# ----------------------------------------------------------------------------- sweeps
def lr_sweep(tm: TrainingMap, lrs, *, steps: int, keep: int = 64, x0=None, lyapunov: bool = True,
             window: int | None = None, rtol: float = 1e-6) -> LRSweep:
    """Train ``tm`` at every learning rate of ``lrs`` (m,) for ``steps`` steps from ``x0``
    (default ``tm.x0``; (dim,) or (m, dim)) and return the :class:`LRSweep`.

    Two :func:`~chaoslab.learning.training.train` calls, each over all the learning rates at
    once (one compiled program): the first ``steps - window`` steps keeping only their end,
    then the last ``window`` steps (default ``max(keep, min(steps, 1000))``) kept at every
    step. ``orbit`` is the last ``keep`` of them, ``period`` its :func:`period_of` (with
    ``rtol``, on the scale of the larger of the orbit's and the start's largest parameter), and
    ``exponent`` (``lyapunov=True``) the leading Lyapunov exponent per step along the
    ``window`` stored steps (see the module docstring). A run that diverges in either part is
    flagged in ``diverged`` with NaN orbit, final loss and exponent, and period 0."""
    if not isinstance(tm, TrainingMap):
        raise ValueError(f"tm must be a TrainingMap (chaoslab.learning.training.training_map), got {type(tm).__name__}")
    lr = _learning_rates(lrs)
    m = lr.size
    steps = _positive_int("steps", steps)
    keep = _positive_int("keep", keep, minimum=2)
    if keep > steps:
        raise ValueError(f"keep must be at most steps ({steps}), got {keep}")
    if window is None:
        window = max(keep, min(steps, 1000))
    window = _positive_int("window", window)
    if not keep <= window <= steps:
        raise ValueError(f"window must be between keep ({keep}) and steps ({steps}), got {window}")
    rtol = _positive_float("rtol", rtol)
    if not isinstance(lyapunov, (bool, np.bool_)):
        raise ValueError(f"lyapunov must be True or False, got {_brief(lyapunov)}")
    dim = tm.system.dim
    start = np.asarray(tm.x0 if x0 is None else x0, dtype=np.float64)
    if start.shape not in ((dim,), (m, dim)) or not np.all(np.isfinite(start)):
        raise ValueError(f"x0 must be finite with shape ({dim},) or ({m}, {dim}), got shape {start.shape}")
    start = np.broadcast_to(start.reshape(-1, dim), (m, dim)).copy()

    n0 = steps - window
    diverged = np.zeros(m, bool)
    if n0 > 0:
        head = train(tm, n0, lr=lr, x0=start, every=n0)
        diverged |= head.diverged
        initial_loss = head.loss[:, 0]
        mid = head.states[:, -1].copy()
        mid[diverged] = start[diverged]  # a stand-in (train wants finite starts); masked below
    else:
        initial_loss, mid = None, start
    tail = train(tm, window, lr=lr, x0=mid, t0=n0, every=1)
    diverged |= tail.diverged
    if initial_loss is None:
        initial_loss = tail.loss[:, 0]
    states = tail.states.copy()
    states[diverged] = np.nan
    orbit = tm.parameters(states[:, -keep:])
    final_loss = np.where(diverged, np.nan, tail.loss[:, -1])
    ref = np.max(np.abs(tm.parameters(start)), axis=1)
    period = np.zeros(m, dtype=int)
    for i in range(m):
        if not diverged[i]:
            s = max(float(np.max(np.abs(orbit[i]))), float(ref[i])) or 1.0
            period[i] = period_of(orbit[i], rtol=rtol, scale=s)
    exponent = np.full(m, np.nan)
    if lyapunov:
        exponent = np.where(diverged, np.nan, _exponents(tm, states, n0, lr))
    return LRSweep(lr=lr, orbit=orbit, final_loss=final_loss, diverged=diverged, exponent=exponent,
                   period=period, initial_loss=np.asarray(initial_loss, dtype=np.float64), steps=steps,
                   keep=keep, window=window, rtol=rtol)


def bifurcation_point(tm: TrainingMap, lo: float, hi: float, *, from_period: int, to_period: int, steps: int,
                      tol: float = 1e-7, x0=None, points: int = 7, keep: int = 256, rtol: float = 1e-6) -> float:
    """The learning rate in [``lo``, ``hi``] at which the period of training ``tm`` (from
    ``x0``, ``steps`` steps) changes from ``from_period`` (the period at ``lo``) to
    ``to_period`` (at ``hi``), to within ``tol``.

    Multisection: every round is one :func:`lr_sweep` (``lyapunov=False``) of ``points``
    learning rates evenly inside the bracket; the bracket becomes [the last of them with
    ``from_period`` before the first with ``to_period``, that first one], shrinking it by a
    factor up to ``points + 1`` per round (plain bisection is ``points=1``). Runs with any
    other period (not converged, or a window of the bracket) stay inside the bracket. Returns
    the bracket's midpoint. Raises ValueError when the periods at ``lo`` and ``hi`` are not
    ``from_period`` and ``to_period``, RuntimeError when a round makes no progress.

    Convergence. Near a period doubling the cycle's multiplier tends to -1, so the orbit
    approaches its cycle at a rate that vanishes at the bifurcation: a distance delta below it
    the deviation from the cycle decays like exp(-c delta n) after n steps (c = the rate at
    which the multiplier moves with the learning rate, divided by the period). Until it falls
    below ``rtol`` the run does not read as ``from_period`` and (its period-doubled deviation
    changing slowly) may read as ``to_period``: the result is biased towards ``lo`` by about
    log(deviation / rtol) / (c ``steps``). ``steps`` must therefore be large — millions of
    steps for 1e-6 on a period doubling of a one-parameter map — and ``tol`` below that bias is
    not meaningful. The first ``steps - keep`` steps of each run keep no states (memory
    ``points`` x ``keep``)."""
    lo, hi = _positive_float("lo", lo), _positive_float("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo must be below hi, got lo={lo!r}, hi={hi!r}")
    from_period = _positive_int("from_period", from_period)
    to_period = _positive_int("to_period", to_period)
    if from_period == to_period:
        raise ValueError(f"to_period must differ from from_period, both are {from_period}")
    steps = _positive_int("steps", steps)
    tol = _positive_float("tol", tol)
    points = _positive_int("points", points)
    keep = _positive_int("keep", keep, minimum=2)
    if 2 * max(from_period, to_period) > keep:
        raise ValueError(f"keep must be at least twice the larger period ({2 * max(from_period, to_period)}), got {keep}")

    def periods(lrs):
        s = lr_sweep(tm, lrs, steps=steps, keep=keep, x0=x0, lyapunov=False, window=keep, rtol=rtol)
        return s.period

    ends = periods(np.array([lo, hi]))
    if ends[0] != from_period:
        raise ValueError(f"lo: the period at lr={lo} is {ends[0]}, not from_period={from_period} (0: none detected; "
                         "move lo or increase steps)")
    if ends[1] != to_period:
        raise ValueError(f"hi: the period at lr={hi} is {ends[1]}, not to_period={to_period} (0: none detected; "
                         "move hi or increase steps)")
    while hi - lo > tol:
        lrs = np.linspace(lo, hi, points + 2)[1:-1]
        per = periods(lrs)
        hit = np.flatnonzero(per == to_period)
        j = int(hit[0]) if hit.size else points
        new_hi = float(lrs[j]) if j < points else hi
        below = np.flatnonzero(per[:j] == from_period)
        new_lo = float(lrs[below[-1]]) if below.size else lo
        if new_lo == lo and new_hi == hi:
            raise RuntimeError(f"no progress in [{lo}, {hi}]: periods {per.tolist()} at {lrs.tolist()}; increase steps")
        lo, hi = new_lo, new_hi
    return 0.5 * (lo + hi)


# ----------------------------------------------------------------------------- sensitivity
def lr_sensitivity(final_losses, lrs, *, initial_loss) -> float:
    """The learning-rate sensitivity of Wortsman et al. (2023), "Small-scale proxies for
    large-scale Transformer training instabilities" (arXiv:2309.14322, section 2.2):

        E_eta [ min(l(A(eta)), l0) - l* ],    l* = min_eta l(A(eta)),

    with l(A(eta)) the final loss of the run at learning rate eta, l0 the loss at
    initialisation, and the minimum and the expectation over the swept learning rates ``lrs``
    (the paper sweeps {3e-4, 1e-3, ..., 3e-1}, even in log lr, and averages over that grid: here
    the plain mean over the given grid). A diverged run (NaN or +inf final loss) counts as
    l0 through the min, and not in l*. ``initial_loss``: l0, a number, or one per run (m,) when
    the runs start from different points (each run capped at its own). Returns NaN when no run
    has a finite final loss (l* undefined)."""
    lr = _learning_rates(lrs)
    try:
        loss = np.asarray(final_losses, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"final_losses must be a 1-D array of losses, got {_brief(final_losses)}") from None
    if loss.shape != lr.shape:
        raise ValueError(f"final_losses must have one loss per learning rate ({lr.size}), got shape {loss.shape}")
    if np.any(loss == -np.inf):
        raise ValueError("final_losses must not contain -inf")
    try:
        l0 = np.broadcast_to(np.asarray(initial_loss, dtype=np.float64), lr.shape)
    except (TypeError, ValueError):
        raise ValueError(f"initial_loss must be a finite number or one per learning rate, got {_brief(initial_loss)}") from None
    if not np.all(np.isfinite(l0)):
        raise ValueError(f"initial_loss must be finite, got {_brief(initial_loss)}")
    finite = np.isfinite(loss)
    if not finite.any():
        return float("nan")
    best = float(np.min(loss[finite]))
    capped = np.where(finite, np.minimum(loss, l0), l0)
    return float(np.mean(capped - best))


# ----------------------------------------------------------------------------- figure
@dataclass
class Catapults:
    """Per learning rate of a sweep: ``initial_sharpness`` (one value: every run starts at the
    same point), ``final_sharpness`` (m,) at the last step (NaN where diverged), ``catapult``
    (m,) bool (module docstring)."""

    lr: np.ndarray
    initial_sharpness: float
    final_sharpness: np.ndarray
    catapult: np.ndarray


def catapults(tm: TrainingMap, sweep: LRSweep, *, x0=None) -> Catapults:
    """Which runs of ``sweep`` (from ``x0``, default ``tm.x0``, as the sweep) were catapulted:
    the sharpness (:func:`~chaoslab.learning.curvature.top_eigenvalues` of ``tm.loss``) at the
    start exceeds 2/lr — the start is linearly unstable at that learning rate — yet the run did
    not diverge, and the sharpness where it ended is below 2/lr: training left the region too
    sharp for its learning rate for a flatter one (Lewkowycz et al. 2020, "The large learning rate
    phase of deep learning: the catapult mechanism")."""
    from .curvature import top_eigenvalues

    if not isinstance(sweep, LRSweep):
        raise ValueError(f"sweep must be an LRSweep (from lr_sweep), got {type(sweep).__name__}")
    start = np.asarray(tm.x0 if x0 is None else x0, dtype=np.float64)[: tm.n_params]
    method = "dense" if tm.n_params <= 64 else "lanczos"  # Lanczos needs more than one dimension
    s0 = float(top_eigenvalues(tm.loss, start, method=method)[0])
    final = np.full(sweep.lr.shape, np.nan)
    for i in np.flatnonzero(~sweep.diverged):
        theta = sweep.orbit[i, -1]
        if np.all(np.isfinite(theta)):
            final[i] = top_eigenvalues(tm.loss, theta, method=method)[0]
    edge = 2.0 / sweep.lr
    hit = ~sweep.diverged & (s0 > edge) & np.isfinite(final) & (final < edge)
    return Catapults(lr=sweep.lr, initial_sharpness=s0, final_sharpness=final, catapult=hit)


def bifurcation_figure(sweep: LRSweep, *, coordinate: int = 0, figsize=(7.0, 6.0)):
    """The bifurcation diagram of ``sweep`` (a matplotlib Figure): the orbit's parameter
    ``coordinate`` at each learning rate (top) and the leading Lyapunov exponent per step with
    0 marked (bottom), the learning rates whose runs diverged shaded in both."""
    from ..plotting import subplots

    if not isinstance(sweep, LRSweep):
        raise ValueError(f"sweep must be an LRSweep (from lr_sweep), got {type(sweep).__name__}")
    n_params = sweep.orbit.shape[-1]
    if isinstance(coordinate, bool) or not isinstance(coordinate, (int, np.integer)) or not (
            0 <= coordinate < n_params):
        raise ValueError(f"coordinate must be an integer in [0, {n_params}), got {_brief(coordinate)}")
    fig, (top, bottom) = subplots(2, 1, figsize=figsize, sharex=True)
    order = np.argsort(sweep.lr)
    lr = sweep.lr[order]
    pts = sweep.orbit[order, :, coordinate]
    top.plot(np.repeat(lr, pts.shape[1]), pts.reshape(-1), ",", color="k", alpha=0.6)
    top.set_ylabel(f"parameter {coordinate}")
    top.set_title(f"{sweep.orbit.shape[1]} last of {sweep.steps} steps")
    ok = np.isfinite(sweep.exponent[order])
    bottom.plot(lr[ok], sweep.exponent[order][ok], ".-", lw=0.6, ms=2, color="C0")
    bottom.axhline(0.0, color="0.4", lw=0.8, ls="--")
    bottom.set_ylabel("Lyapunov exponent / step")
    bottom.set_xlabel("learning rate")
    # shade runs of diverged learning rates, each to halfway to its neighbours
    div = sweep.diverged[order]
    edges = np.concatenate([[lr[0]], 0.5 * (lr[1:] + lr[:-1]), [lr[-1]]])
    i = 0
    while i < len(lr):
        if div[i]:
            j = i
            while j + 1 < len(lr) and div[j + 1]:
                j += 1
            for ax in (top, bottom):
                ax.axvspan(edges[i], edges[j + 1], color="C3", alpha=0.15, lw=0,
                           label="diverged" if (ax is top and i == np.argmax(div)) else None)
            i = j + 1
        else:
            i += 1
    if div.any():
        top.legend(loc="best", fontsize="small")
    return fig
