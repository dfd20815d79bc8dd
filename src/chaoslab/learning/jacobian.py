"""The training Jacobian: how the parameters after T optimiser steps depend on the initial ones.

For a :class:`~chaoslab.learning.training.TrainingMap` whose state is x = (theta, s) (the flat
parameters, then the optimiser's float state), T steps x_T = F_{T-1} o ... o F_0 (x_0) give the
*training Jacobian*

    J = d theta_T / d theta_0        (n_params x n_params),

the initial optimiser state s_0 held fixed (it is a constant of the optimiser, not of the
initialisation: zeros for momentum and Adam). By the chain rule J is the parameter block of the
product of the one-step Jacobians dF_t/dx along the training trajectory, so its singular values
are the finite-time stretching factors of training seen as a dynamical system (the logs, divided
by T, are finite-time Lyapunov exponents of the parameter block).

Belrose & Scherlis (2024), "Understanding Gradient Descent through the Training Jacobian"
(arXiv:2412.07003), compute J for small MLPs by forward-mode differentiation and find that its
singular values fall into three groups: a *chaotic* region of values (orders of magnitude)
greater than one, a large *bulk* of values extremely close to one (perturbations of the
initialisation along those directions are carried through training almost unchanged: the left
and right singular vectors nearly coincide), and a *stable* region of values below one.
:func:`jacobian_spectrum` makes that grouping with an explicit tolerance around one (see there).

:func:`training_jacobian` computes J column by column in forward mode: the tangents of a chunk
of basis vectors e_i of the parameters (zero on the optimiser state) are pushed through a
``lax.scan`` of the map's steps by JVPs of ``tm.system.fn``, vmapped over the chunk. Nothing is
stored per step (no reverse-mode tape), so memory does not grow with the number of steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

DEFAULT_CHUNK = 256
BLOCK = 32  # tangents vmapped together (a chunk is a whole number of blocks)
DEFAULT_BULK_TOL = 1e-3


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@lru_cache(maxsize=32)
def _columns_program(fn, n_params: int, dim: int, steps: int, blocks: int):
    """A compiled f(state0, tangents (blocks, BLOCK, n_params), params, blocks) -> those columns of
    J as rows (blocks, BLOCK, n_params), and the final parameters. Each step linearises the map
    once and applies the linear map to the blocks one after another, each block of
    BLOCK tangents vmapped: every array operation on tangents has the same shape whatever the
    number of blocks, so the bits of a column do not depend on the chunk it was computed in."""
    import jax
    import jax.numpy as jnp

    def columns(state0, tangents, params, count):
        # the optimiser state's tangent is zero; one spare block, never computed, keeps the block
        # index a genuine dynamic slice (with a single block XLA would fold the slicing away
        # and fuse differently, changing the last bits)
        t0 = jnp.zeros((blocks + 1, BLOCK, dim), dtype=state0.dtype).at[:blocks, :, :n_params].set(tangents)

        def body(carry, t):
            x, tx = carry
            x_new, lin = jax.linearize(lambda y: fn(y, t, **params), x)

            def block(i, out):
                new = jax.vmap(lin)(jax.lax.dynamic_index_in_dim(tx, i, keepdims=False))
                return jax.lax.dynamic_update_index_in_dim(out, new, i, 0)

            # a loop with a run-time trip count (``count`` = blocks): XLA cannot unroll or fuse
            # it with the primal step, so one block computes the same bits as many
            return (x_new, jax.lax.fori_loop(0, count, block, jnp.zeros_like(tx))), None

        ts = jnp.arange(steps, dtype=state0.dtype)  # the step index picks SGD batches, Adam counters
        (x_t, tx_t), _ = jax.lax.scan(body, (state0, t0), ts)
        return tx_t[:blocks, :, :n_params], x_t[:n_params]

    return jax.jit(columns)


def training_jacobian(tm, steps: int, *, x0=None, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
    """The training Jacobian J = d theta_steps / d theta_0 of ``steps`` optimiser steps of the
    :class:`~chaoslab.learning.training.TrainingMap` ``tm``, an (n_params, n_params) float64
    array: ``J[i, j]`` is the derivative of parameter i after training by initial parameter j.

    ``x0``: the initial state (``tm.system.dim``,) or just the parameters (``tm.n_params``,),
    completed with ``tm.x0``'s optimiser state; default ``tm.x0``. The optimiser state's
    initial value is held fixed. Step t of the map, t = 0 .. steps - 1, is the map's step index
    (it picks SGD batches and sets Adam's counters), as in :func:`~chaoslab.learning.training.train`
    from ``t0=0``; the map's default parameters (``tm.system.params``: ``lr``, ``seed``, data)
    apply.

    Method: forward mode. The tangents of ``chunk`` basis vectors of the parameters at a time
    (rounded up to a multiple of ``BLOCK`` = 32; the last chunk padded with zero tangents, so
    every chunk runs one compiled program) are pushed through a ``lax.scan`` of the steps: at
    each state ``jax.linearize`` of ``tm.system.fn`` once, then its linear map applied to the
    chunk's blocks of 32 tangents in turn (``jax.vmap`` within a block). Every operation on
    tangents has one shape whatever ``chunk``, so the chunk size does not change the bits of J
    (checked on CPU). Cost: ceil(n_params / chunk) passes over the trajectory, each the primal
    step plus ``chunk`` JVPs of it per step (a JVP of a gradient step costs a few gradient
    evaluations); larger chunks share the primal and its linearisation among more columns.

    Memory (float64, 8 bytes a number), independent of ``steps`` (nothing is stored per step):
    the result, n_params^2 numbers (4810 parameters: 185 MB); the carried tangents and their
    update, 2 x (chunk + 32) x dim; the linearisation of one step (about the intermediates of
    one gradient evaluation); and the forward-mode intermediates of one block of 32 tangents
    (32 x a few x (n_params + batch x the sum of the layer widths)). Measured for
    ``models.mlp(64, [64], 10)`` on the 1797 digits (4810 parameters, SGD batches of 32, 625
    steps, chunk 256) on a 2-core CPU: 128 s, peak resident memory 0.79 GB, of which 0.35 GB is
    the process before the call (JAX, data) and 0.19 GB the result.

    Raises ValueError for bad arguments and FloatingPointError if training or its tangents turn
    non-finite."""
    import jax.numpy as jnp

    steps = _positive_int("steps", steps)
    chunk = _positive_int("chunk", chunk)
    n, dim = int(tm.n_params), int(tm.system.dim)
    base = np.asarray(tm.x0, dtype=np.float64)
    if x0 is None:
        state0 = base
    else:
        x = np.asarray(x0, dtype=np.float64)
        if x.shape == (dim,):
            state0 = x
        elif x.shape == (n,):
            state0 = np.concatenate([x, base[n:]])
        else:
            raise ValueError(f"x0 must have shape ({dim},) (a state) or ({n},) (the parameters), got {x.shape}")
    if not np.all(np.isfinite(state0)):
        raise ValueError("x0 must be finite")
    blocks = -(-min(chunk, n) // BLOCK)
    width = blocks * BLOCK
    program = _columns_program(tm.system.fn, n, dim, steps, blocks)
    params = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in tm.system.params.items()}
    s0 = jnp.asarray(state0)
    J = np.empty((n, n))
    for start in range(0, n, width):
        stop = min(start + width, n)
        tangents = np.zeros((width, n))
        tangents[np.arange(stop - start), np.arange(start, stop)] = 1.0
        cols, _ = program(s0, jnp.asarray(tangents.reshape(blocks, BLOCK, n)), params, jnp.int32(blocks))
        J[:, start:stop] = np.asarray(cols).reshape(width, n)[: stop - start].T
    if not np.all(np.isfinite(J)):
        raise FloatingPointError(f"the training Jacobian of {steps} steps is not finite (training or its "
                                 "tangents overflowed)")
    return J


@dataclass(frozen=True)
class JacobianSpectrum:
    """The singular values of a training Jacobian and their three groups (Belrose & Scherlis 2024).

    ``singular_values`` (n,): descending; ``log_singular_values``: their natural logs (-inf for
    an exact zero). ``tol``: the half-width of the bulk around one. The groups are contiguous
    in the descending order: ``chaotic`` sigma > 1 + tol, indices ``chaotic_range`` = (0, n_c);
    ``bulk`` |sigma - 1| <= tol, (n_c, n_c + n_b); ``stable`` sigma < 1 - tol, (n_c + n_b, n).
    ``u``, ``vt``: the singular vectors (J = u diag(sigma) vt) when asked for, else None;
    ``alignment``: then u[:, i] . vt[i], the cosine between the left and right singular vectors
    of each value (near 1 across the bulk, where a perturbation of the initialisation comes out
    of training as itself)."""

    singular_values: np.ndarray
    log_singular_values: np.ndarray
    tol: float
    chaotic: int
    bulk: int
    stable: int
    u: np.ndarray | None = None
    vt: np.ndarray | None = None

    @property
    def chaotic_range(self) -> tuple[int, int]:
        return (0, self.chaotic)

    @property
    def bulk_range(self) -> tuple[int, int]:
        return (self.chaotic, self.chaotic + self.bulk)

    @property
    def stable_range(self) -> tuple[int, int]:
        return (self.chaotic + self.bulk, self.chaotic + self.bulk + self.stable)

    @property
    def counts(self) -> dict[str, int]:
        return {"chaotic": self.chaotic, "bulk": self.bulk, "stable": self.stable}

    @property
    def alignment(self) -> np.ndarray | None:
        if self.u is None:
            return None
        return np.einsum("ij,ji->j", self.u, self.vt)

    @property
    def log_abs_det(self) -> float:
        """log |det J| = the sum of the log singular values."""
        return float(np.sum(self.log_singular_values))


def jacobian_spectrum(J, *, tol: float = DEFAULT_BULK_TOL, vectors: bool = False) -> JacobianSpectrum:
    """The :class:`JacobianSpectrum` of a square matrix ``J`` (a training Jacobian): its singular
    values, descending, grouped as Belrose & Scherlis (2024, arXiv:2412.07003) describe them:

    - chaotic: sigma > 1 + tol (perturbations of the initialisation amplified by training);
    - bulk: |sigma - 1| <= tol (carried through training unchanged);
    - stable: sigma < 1 - tol (damped: training forgets them).

    The paper names the three regions by where the values sit relative to one (orders of
    magnitude above it; "extremely close to one"; below it) and draws them from the plot of
    sigma_i and of |sigma_i - 1| on a log scale; we found no numeric cut-off in the text we could
    read, and the authors' released code (EleutherAI/training-jacobian) selects bulk directions
    by ranking |sigma_i - 1|. The tolerance ``tol`` (default 1e-3) makes that rule explicit:
    choose it from the gap in |sigma - 1| of your spectrum (``np.abs(singular_values - 1)``).

    ``vectors=True`` also keeps the singular vectors (``u``, ``vt``, and their ``alignment``)."""
    a = np.asarray(J, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError(f"J must be a non-empty square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("J must be finite")
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not (0 <= tol < 1):
        raise ValueError(f"tol must be a number in [0, 1), got {tol!r}")
    if vectors:
        u, s, vt = np.linalg.svd(a)
    else:
        u, vt = None, None
        s = np.linalg.svd(a, compute_uv=False)
    with np.errstate(divide="ignore"):
        logs = np.log(s)
    chaotic = int(np.sum(s > 1 + tol))
    stable = int(np.sum(s < 1 - tol))
    return JacobianSpectrum(singular_values=s, log_singular_values=logs, tol=float(tol), chaotic=chaotic,
                            bulk=int(s.size - chaotic - stable), stable=stable, u=u, vt=vt)


def jacobian_figure(singular_values, chaotic: int, bulk: int, stable: int):
    """The singular values of a training Jacobian (descending, log scale) with the chaotic,
    bulk and stable groups of :func:`jacobian_spectrum` shaded. A Figure (no pyplot)."""
    from ..plotting import subplots

    fig, ax = subplots(figsize=(7, 4))
    ax.semilogy(np.asarray(singular_values), lw=1)
    c, b = chaotic, bulk
    for (lo, hi), name in (((0, c), "chaotic"), ((c, c + b), "bulk"), ((c + b, c + b + stable), "stable")):
        if hi > lo:
            ax.axvspan(lo, hi - 1, alpha=0.15, label=f"{name} ({hi - lo})")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xlabel("index")
    ax.set_ylabel("singular value of the training Jacobian")
    ax.legend()
    fig.tight_layout()
    return fig
