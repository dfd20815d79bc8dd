"""Training as a map: one optimiser step on a model and a loss is a discrete System.

:func:`training_map` turns (parameters or an equinox model, a loss, data, an optimiser, a
learning rate) into a :class:`TrainingMap`, whose ``system`` maps the state — the parameters,
flat, then the optimiser's own state — to the state after one step. Everything chaoslab does
with a map applies: :func:`train` runs it through the engine (``chaoslab.ensemble``: the same
program for one run or a batch of learning rates, divergence flagged where it happens),
:func:`training_lyapunov` gives the training map's Lyapunov exponents (tangent dynamics by JVPs of
the update, through :func:`chaoslab.analysis.lyapunov_spectrum`).

Optimisers (``optimizer``), all from optax, with the learning rate ``lr`` a parameter of the
System (a sweep over learning rates reuses one compiled program):

- ``"gd"``: theta <- theta - lr g;
- ``"momentum"``: heavy ball, v <- momentum v + g, theta <- theta - lr v;
- ``"adam"``: Adam (Kingma & Ba 2015) with ``betas`` and ``eps``.

``batch_size=None`` takes the gradient of the whole data set (full batch); an integer makes it
stochastic: every epoch draws a permutation of the samples from ``seed`` and the epoch number,
and step n uses batch n mod (samples // batch_size) of it (the remainder of a permutation is
not used). The batch of a step depends only on (seed, step), so twin runs see identical batches.
Integer counters of the optimiser's state (Adam's bias correction) are the step number, not
part of the state vector (they have no tangent).

Without ``data``, ``loss(params)`` is an objective of the parameters themselves (a quadratic, a
double well); with ``data``, ``loss`` is ``"mse"``, ``"cross_entropy"`` or ``f(predictions,
targets)`` and ``params`` an equinox model applied to one example (``jax.vmap`` over the batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np

OPTIMIZERS = ("gd", "momentum", "adam")
LOSSES = ("mse", "cross_entropy")


@dataclass(frozen=True)
class TrainingMap:
    """A training map and where it starts.

    ``system``: the map state -> state after one optimiser step (parameters ``lr``, ``seed``
    and, with data, ``inputs`` and ``targets``: its defaults are this map's). ``x0``: the initial
    state, the ``n_params`` parameters (flat, :func:`jax.flatten_util.ravel_pytree` order)
    then the optimiser's float state. ``loss(theta)``: the loss on all the data (or the
    objective) of flat parameters; ``batch_loss(theta, indices)``: on the samples ``indices``.
    ``unravel(theta)``: the parameters as the model (or pytree) they came from. ``weights``
    (n_params,) bool: the entries of weight matrices and kernels (arrays of two or more
    dimensions; not biases or norms), every entry for an objective."""

    system: Any
    x0: np.ndarray
    n_params: int
    optimizer: str
    lr: float
    batch_size: int | None
    samples: int | None
    seed: int
    loss: Callable = field(repr=False)
    batch_loss: Callable = field(repr=False)
    unravel: Callable = field(repr=False)
    weights: np.ndarray = field(repr=False, default=None)

    @property
    def steps_per_epoch(self) -> int:
        """Steps per pass over the data (1 for full batch or without data)."""
        if self.batch_size is None or self.samples is None:
            return 1
        return self.samples // self.batch_size

    def parameters(self, state) -> np.ndarray:
        """The flat parameters of a state (or states, leading axes kept)."""
        return np.asarray(state)[..., : self.n_params]

    def batch(self, step: int) -> np.ndarray | None:
        """The sample indices step ``step`` uses (None for full batch)."""
        if self.batch_size is None:
            return None
        import jax.numpy as jnp

        return np.asarray(_batch_indices(jnp.asarray(float(step)), jnp.asarray(float(self.seed)),
                                         self.samples, self.batch_size))


def _check_positive(name: str, v, integer: bool = False):
    ok = isinstance(v, (int, np.integer)) and not isinstance(v, bool) if integer else (
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    if not ok or not (v > 0 and math.isfinite(v)):
        kind = "a positive integer" if integer else "a positive finite number"
        raise ValueError(f"{name} must be {kind}, got {v!r}")


def _batch_indices(step, seed, samples: int, batch_size: int):
    """The ``batch_size`` sample indices of ``step`` (traced): batch step mod (samples //
    batch_size) of the permutation of epoch step // (samples // batch_size), from ``seed``."""
    import jax
    import jax.numpy as jnp

    per_epoch = samples // batch_size
    n = jnp.round(step).astype(jnp.int32)
    epoch, j = n // per_epoch, n % per_epoch
    key = jax.random.fold_in(jax.random.PRNGKey(jnp.round(seed).astype(jnp.uint32)), epoch)
    perm = jax.random.permutation(key, samples)
    return jax.lax.dynamic_slice(perm, (j * batch_size,), (batch_size,))


def _transform(optimizer: str, momentum: float, betas: tuple[float, float], eps: float):
    """The optax transformation of unit learning rate (the step is lr times its update)."""
    import optax

    if optimizer == "gd":
        return optax.sgd(1.0)
    if optimizer == "momentum":
        return optax.sgd(1.0, momentum=momentum)
    return optax.adam(1.0, b1=betas[0], b2=betas[1], eps=eps)


class _OptState:
    """The optimiser's state as a flat float vector plus integer counters set from the step."""

    def __init__(self, tx, n_params: int):
        import jax
        import jax.numpy as jnp

        state = tx.init(jnp.zeros(n_params))
        leaves, self.treedef = jax.tree_util.tree_flatten(state)
        self.specs = [(np.shape(a), jnp.asarray(a).dtype) for a in leaves]
        self.floats = [jnp.issubdtype(dt, jnp.inexact) for _, dt in self.specs]
        self.size = int(sum(math.prod(s) for (s, _), f in zip(self.specs, self.floats) if f))

    def flatten(self, state):
        import jax
        import jax.numpy as jnp

        leaves = jax.tree_util.tree_leaves(state)
        parts = [jnp.ravel(a) for a, f in zip(leaves, self.floats) if f]
        return jnp.concatenate(parts) if parts else jnp.zeros(0)

    def unflatten(self, flat, step):
        import jax
        import jax.numpy as jnp

        leaves, i = [], 0
        for (shape, dt), f in zip(self.specs, self.floats):
            if f:
                m = math.prod(shape)
                leaves.append(flat[i:i + m].reshape(shape).astype(dt))
                i += m
            else:  # counters: the number of steps taken
                leaves.append(jnp.broadcast_to(jnp.round(step).astype(dt), shape))
        return jax.tree_util.tree_unflatten(self.treedef, leaves)


def _loss_of(loss):
    from . import models

    if callable(loss):
        return loss
    if loss == "mse":
        return models.mse
    if loss == "cross_entropy":
        return models.cross_entropy
    raise ValueError(f"loss must be one of {', '.join(LOSSES)} or a function (predictions, targets) -> scalar, "
                     f"got {loss!r}")


@lru_cache(maxsize=64)
def _step_fn(static, unravel_key, loss, optimizer: str, momentum: float, betas: tuple, eps: float,
             batch: tuple | None, classification: bool):
    """The map fn(state, step, lr, seed[, inputs, targets]) for one structure (cached: equal
    structures give equal Systems, which share compiled programs)."""
    import jax
    import jax.numpy as jnp

    unravel, n_params = unravel_key.unravel, unravel_key.n_params
    tx = _transform(optimizer, momentum, betas, eps)
    opt = _OptState(tx, n_params)
    with_data = static is not _NO_MODEL

    def batch_loss(theta, idx, p):
        params = unravel(theta)
        if not with_data:
            return loss(params)
        import equinox as eqx

        model = eqx.combine(params, static)
        x, y = jnp.asarray(p["inputs"]), jnp.asarray(p["targets"])
        if idx is not None:
            x, y = x[idx], y[idx]
        if classification:
            y = jnp.round(y).astype(jnp.int32)
        return loss(jax.vmap(model)(x), y)

    def fn(state, t, lr, seed, **data):
        theta, rest = state[:n_params], state[n_params:]
        idx = None if batch is None else _batch_indices(t, seed, *batch)
        g = jax.grad(batch_loss)(theta, idx, data)
        u, new = tx.update(g, opt.unflatten(rest, t), theta)
        return jnp.concatenate([theta + lr * u, opt.flatten(new)])

    return fn, batch_loss, opt


class _Unravel:
    """An unravel function hashable by the structure it rebuilds (for :func:`_step_fn`'s cache)."""

    def __init__(self, unravel, treedef, shapes, n_params):
        self.unravel, self.treedef, self.shapes, self.n_params = unravel, treedef, shapes, n_params

    def __hash__(self):
        return hash((self.treedef, self.shapes))

    def __eq__(self, other):
        return isinstance(other, _Unravel) and (self.treedef, self.shapes) == (other.treedef, other.shapes)


_NO_MODEL = object()


def training_map(params, data=None, *, loss="mse", optimizer: str = "gd", lr: float = 0.01,
                 batch_size: int | None = None, seed: int = 0, momentum: float = 0.9,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> TrainingMap:
    """The :class:`TrainingMap` of training ``params`` (an equinox model with ``data``, or a
    pytree of arrays / a flat array with an objective ``loss(params)``) with ``optimizer`` at
    learning rate ``lr`` (see the module docstring). ``data``: a
    :class:`chaoslab.learning.data.Dataset` (or an object with ``x``, ``y`` and ``kind``)."""
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    from ..systems.base import System

    if optimizer not in OPTIMIZERS:
        hint = " (stochastic gradient descent is 'gd' with a batch_size)" if optimizer == "sgd" else ""
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}{hint}")
    _check_positive("lr", lr)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    if not (0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if data is None:
        if not callable(loss):
            raise ValueError("without data, loss must be a function of the parameters (an objective), "
                             f"got {loss!r}")
        if batch_size is not None:
            raise ValueError("batch_size needs data (an objective has no samples to batch)")
        static, trainable, loss_fn, classification = _NO_MODEL, params, loss, False
        samples, arrays = None, {}
    else:
        import equinox as eqx

        loss_fn = _loss_of(loss)
        x, y = np.asarray(data.x), np.asarray(data.y)
        if x.shape[0] != y.shape[0] or x.shape[0] < 1:
            raise ValueError(f"data must hold as many targets as inputs (at least one), got {x.shape[0]} inputs "
                             f"and {y.shape[0]} targets")
        classification = getattr(data, "kind", "regression") == "classification"
        samples = int(x.shape[0])
        if batch_size is not None:
            _check_positive("batch_size", batch_size, integer=True)
            if batch_size > samples:
                raise ValueError(f"batch_size must be at most the number of samples ({samples}), got {batch_size}")
        trainable, static = eqx.partition(params, eqx.is_inexact_array)
        arrays = {"inputs": x.astype(np.float64), "targets": y.astype(np.float64)}
    theta0, unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), trainable))
    n_params = int(theta0.size)
    if n_params < 1:
        raise ValueError("params must hold at least one floating-point array")
    leaves = jax.tree_util.tree_leaves(trainable)
    weights = np.ones(n_params, bool) if data is None else np.concatenate(
        [np.full(np.size(a), np.ndim(a) >= 2) for a in leaves])
    key = _Unravel(unravel, jax.tree_util.tree_structure(trainable), tuple(np.shape(a) for a in leaves), n_params)
    batch = None if batch_size is None else (samples, int(batch_size))
    spec = (static, key, loss_fn, optimizer, float(momentum), tuple(float(b) for b in betas), float(eps), batch,
            classification)
    try:
        fn, batch_loss, opt = _step_fn(*spec)
    except TypeError:  # a model or loss that cannot be hashed: this map's own program
        fn, batch_loss, opt = _step_fn.__wrapped__(*spec)
    tx = _transform(optimizer, momentum, betas, eps)
    x0 = np.asarray(jnp.concatenate([theta0, opt.flatten(tx.init(theta0))]))
    defaults = {"lr": float(lr), "seed": float(seed)} | arrays
    what = "full batch" if batch is None else f"batches of {batch_size}"
    # the starting state sets the divergence bound (System.scale) through stats, which, unlike
    # a reference IC, is not part of the System's value: maps of one structure and data share
    # their compiled programs whatever they start from
    system = System(name=f"training-{optimizer}", dim=int(x0.size), fn=fn, params=defaults, discrete=True,
                    nonautonomous=batch is not None or optimizer == "adam",
                    period=1.0, dt=1.0, stats={"mean": x0},
                    description=f"one {optimizer} step ({what}) on {n_params} parameters")
    return TrainingMap(system=system, x0=x0, n_params=n_params, optimizer=optimizer, lr=float(lr),
                       batch_size=None if batch is None else int(batch_size), samples=samples, seed=int(seed),
                       loss=lambda theta: batch_loss(theta, None, arrays),
                       batch_loss=lambda theta, idx: batch_loss(theta, idx, arrays),
                       unravel=lambda theta: _rebuild(unravel(theta), static), weights=weights)


def _rebuild(trainable, static):
    if static is _NO_MODEL:
        return trainable
    import equinox as eqx

    return eqx.combine(trainable, static)

@dataclass
class TrainingRun:
    """Training runs of one map: ``states`` (runs, points, dim) at ``steps`` (points,), their
    ``loss`` (runs, points) on all the data, ``lr`` (runs,), ``diverged_at`` (runs,): the first
    step whose state left the System's bound or turned non-finite (-1 for a run that did not;
    its states and losses from there on are NaN, never dropped)."""

    steps: np.ndarray
    states: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    diverged_at: np.ndarray

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


def train(tm: TrainingMap, steps: int, *, lr=None, x0=None, every: int = 1, t0: int = 0) -> TrainingRun:
    """``steps`` optimiser steps of ``tm`` from ``x0`` (default ``tm.x0``; (dim,) or (runs, dim)),
    the state kept every ``every`` steps (and after the last), at one learning rate or a batch of
    them (``lr`` (runs,): one compiled program for all). ``t0``: the step number of ``x0`` (it
    sets the batches and Adam's counters). Memory: the kept states, and the loss evaluated on
    LOSS_CHUNK states at a time. A run's divergence is seen at the kept steps: ``diverged_at``
    is the first kept step at which it had left the bound."""
    from ..integrate import ensemble

    _check_positive("steps", steps, integer=True)
    _check_positive("every", every, integer=True)
    if isinstance(t0, bool) or not isinstance(t0, (int, np.integer)) or t0 < 0:
        raise ValueError(f"t0 must be an integer >= 0, got {t0!r}")
    lrs = np.atleast_1d(np.asarray(tm.lr if lr is None else lr, dtype=np.float64))
    if lrs.ndim != 1 or not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError(f"lr must be a positive number or a 1-D array of them, got {lr!r}")
    x = np.asarray(tm.x0 if x0 is None else x0, dtype=np.float64)
    if x.shape[-1] != tm.system.dim or x.ndim > 2:
        raise ValueError(f"x0 must have shape ({tm.system.dim},) or (runs, {tm.system.dim}), got {x.shape}")
    runs = max(len(lrs), 1 if x.ndim == 1 else x.shape[0])
    if len(lrs) not in (1, runs) or (x.ndim == 2 and x.shape[0] not in (1, runs)):
        raise ValueError(f"lr ({len(lrs)}) and x0 ({1 if x.ndim == 1 else x.shape[0]}) must give one run each or "
                         "the same number of runs")
    x = np.broadcast_to(x.reshape(-1, x.shape[-1]), (runs, x.shape[-1]))
    params = {"lr": lrs if len(lrs) == runs and runs > 1 else float(lrs[0])}
    whole, rest = divmod(int(steps), int(every))
    parts, valid, first = [], np.ones(runs, bool), np.full(runs, -1)
    for n, dt, start in ((whole + 1, every, t0), (2, rest, t0 + whole * every)):
        if dt == 0 or (start > t0 and n < 2):
            continue
        e = ensemble(tm.system, n, x0=x, params=params, t0=float(start), dt=float(dt))
        part = e.x if not parts else e.x[:, 1:]
        parts.append(part)
        went = valid & ~e.valid
        first[went] = np.round(e.diverged_at[went]).astype(int)
        valid &= e.valid
        x = e.x[:, -1]
    states = np.concatenate(parts, axis=1)
    kept = t0 + np.append(np.arange(whole + 1) * every, [steps] if rest else [])
    return TrainingRun(steps=kept.astype(int), states=states, loss=losses(tm, states),
                       lr=np.broadcast_to(lrs, (runs,)).copy(), diverged_at=first)


LOSS_CHUNK = 16  # states whose loss is evaluated together


def losses(tm: TrainingMap, states) -> np.ndarray:
    """``tm.loss`` of the parameters of ``states`` (..., dim), LOSS_CHUNK at a time (one compiled
    program for any number); NaN for a state that is not finite."""
    import jax.numpy as jnp

    s = np.asarray(states, dtype=np.float64)
    flat = s.reshape(-1, s.shape[-1])[:, : tm.n_params]
    ok = np.isfinite(flat).all(axis=1)
    out = np.full(len(flat), np.nan)
    program = _loss_program(tm)
    for i in range(0, len(flat), LOSS_CHUNK):
        block = np.where(ok[i:i + LOSS_CHUNK, None], flat[i:i + LOSS_CHUNK], 0.0)
        m = len(block)
        block = np.concatenate([block, np.zeros((LOSS_CHUNK - m, block.shape[1]))]) if m < LOSS_CHUNK else block
        out[i:i + m] = np.asarray(program(jnp.asarray(block)))[:m]
    out[~ok] = np.nan
    return out.reshape(s.shape[:-1])


def _loss_program(tm: TrainingMap):
    import jax

    program = getattr(tm, "_losses", None)
    if program is None:
        program = jax.jit(jax.vmap(tm.loss))
        object.__setattr__(tm, "_losses", program)
    return program


def training_lyapunov(tm: TrainingMap, steps: int, *, k: int = 1, x0=None, lr: float | None = None,
                      seed: int = 0):
    """The ``k`` leading Lyapunov exponents (per step) of training ``tm`` for ``steps`` steps
    from ``x0`` (default ``tm.x0``, at step 0): the growth of perturbations of the whole state through the
    optimiser's Jacobian (JVPs of the update), re-orthonormalised every step along this one
    training trajectory (no transient: training is not stationary). Returns the
    :class:`chaoslab.analysis.LyapunovSpectrum`; its ``local_rates`` (1, steps, k) are the
    one-step rates, whose averages over a phase of training are that phase's finite-time
    exponents. Raises DivergenceError if training diverges."""
    from ..analysis import lyapunov_spectrum

    _check_positive("steps", steps, integer=True)
    x = np.asarray(tm.x0 if x0 is None else x0, dtype=np.float64).reshape(-1)
    params = None if lr is None else {"lr": float(lr)}
    return lyapunov_spectrum(tm.system, k=k, time=float(steps), transient=0.0, x0=x, members=1, params=params,
                             seed=seed, keep_local=True)


def phase_exponents(result, phases: int):
    """Finite-time exponents of :func:`training_lyapunov`'s ``result`` over ``phases`` equal
    stretches of training: ((start, end) steps per phase, (phases, k) mean one-step rates)."""
    rates = np.asarray(result.local_rates)[0]  # (steps, k)
    _check_positive("phases", phases, integer=True)
    edges = np.linspace(0, len(rates), phases + 1).round().astype(int)
    bounds = list(zip(edges[:-1], edges[1:]))
    return bounds, np.array([rates[a:b].mean(axis=0) for a, b in bounds])


def lyapunov_figure(result):
    """The one-step growth rates of :func:`training_lyapunov`'s ``result`` over training, with
    their running means (the finite-time exponents). A Figure (no pyplot)."""
    from ..plotting import subplots

    rates = np.asarray(result.local_rates)[0]
    steps = np.arange(1, len(rates) + 1)
    fig, ax = subplots(figsize=(7, 4))
    for j in range(rates.shape[1]):
        line, = ax.plot(steps, rates[:, j], alpha=0.3, lw=0.5)
        ax.plot(steps, np.cumsum(rates[:, j]) / steps, color=line.get_color(), label=f"exponent {j + 1} (running mean)")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("growth rate per step")
    ax.legend()
    fig.tight_layout()
    return fig
