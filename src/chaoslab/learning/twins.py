"""Twin runs: how sensitive is a training trajectory to a perturbation of its state?

Following Kwok, Altıntaş, Raffel & Rolnick (2025), "The Butterfly Effect: Neural Network Training
Trajectories Are Highly Sensitive to Initial Conditions" (ICML 2025, arXiv:2506.13234): train to
step ``t``, copy the network, perturb the copy's parameters by ``sigma`` times a random direction
scaled to the network's initialisation, and train both with identical batches (a training map's
batches depend only on its seed and the step). The perturbation is Gaussian noise on the weights
(arrays of two or more dimensions; biases and norms are left alone, as in the paper), normalised
so that ``||sigma eps|| = sigma ||theta_0 (weights)||``: ``sigma = 1`` is a perturbation the size
of the initialisation itself. Measured between the twins:

- the L2 distance of their parameters over training;
- the loss barrier on the linear path between their final parameters (11 points):
  max over alpha of L((1 - alpha) a + alpha b) - ((1 - alpha) L(a) + alpha L(b)) (Frankle et al.
  2020, "Linear Mode Connectivity and the Lottery Ticket Hypothesis");
- both again after aligning the copy's hidden units to the original's (a permutation per hidden
  layer of an :class:`chaoslab.learning.models.MLP`, chosen by weight matching with
  :func:`scipy.optimize.linear_sum_assignment`, Ainsworth, Hayase & Srinivasa 2023, "Git
  Re-Basin"), which removes the differences that are only a relabelling of units.

The paper's finding, reproduced by ``benchmarks/bench_learning.py``: perturbations early in
training make the twins end in different basins (a barrier) even at tiny ``sigma``; perturbations
applied later do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGMAS = tuple(10.0 ** np.arange(-8, 1))  # 1e-8 ... 1
PATH_POINTS = 11


@dataclass
class TwinRuns:
    """Twin runs over a grid of perturbation sizes ``sigma`` (S,) and steps ``at`` (A,).

    ``steps`` (points,): the steps kept; ``distance`` (A, S, points): the twins' parameter
    distance at those steps (NaN before the perturbation). ``barrier``, ``aligned_distance``,
    ``aligned_barrier`` (A, S): at the end (aligned: NaN for models without hidden units to
    permute). ``final_loss`` (A, S + 1): the original's loss, then each copy's. ``diverged``
    (A, S + 1): a run that diverged (its numbers are NaN, never dropped)."""

    sigma: np.ndarray
    at: np.ndarray
    steps: np.ndarray
    distance: np.ndarray
    final_distance: np.ndarray
    barrier: np.ndarray
    aligned_distance: np.ndarray
    aligned_barrier: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray


def perturbation(tm, sigma: float, *, seed: int = 0) -> np.ndarray:
    """The state offset (dim,) of a perturbation of size ``sigma`` (module docstring): Gaussian
    on the weights, ``||offset|| = sigma ||theta_0 (weights)||``; zero on everything else."""
    rng = np.random.default_rng(seed)
    w = tm.weights
    eps = np.where(w, rng.standard_normal(tm.n_params), 0.0)
    norm = np.linalg.norm(eps)
    scale = np.linalg.norm(np.where(w, tm.x0[: tm.n_params], 0.0))
    out = np.zeros(tm.system.dim)
    if norm > 0:
        out[: tm.n_params] = sigma * scale / norm * eps
    return out


def loss_barrier(tm, a: np.ndarray, b: np.ndarray, points: int = PATH_POINTS) -> float:
    """The loss barrier between flat parameters ``a`` and ``b`` of ``tm`` on the straight path
    (``points`` evenly spaced, ends included); NaN if either end is not finite."""
    from .training import losses

    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("nan")
    alpha = np.linspace(0.0, 1.0, points)
    path = (1 - alpha)[:, None] * a[None] + alpha[:, None] * b[None]
    values = losses(tm, path)  # the map's one compiled loss program (not an eager vmap per call)
    return float(np.max(values - ((1 - alpha) * values[0] + alpha * values[-1])))


def align_hidden_units(tm, reference: np.ndarray, other: np.ndarray, *, sweeps: int = 5) -> np.ndarray | None:
    """``other`` (flat parameters of an :class:`~chaoslab.learning.models.MLP` training map) with
    its hidden units permuted to match ``reference`` (weight matching: each hidden layer's
    permutation maximises the inner product of the weights into and out of its units given the
    others, by :func:`scipy.optimize.linear_sum_assignment`, ``sweeps`` rounds over the layers).
    The network computes the same function. None for a model that is not an MLP with hidden
    layers."""
    import equinox as eqx
    from jax.flatten_util import ravel_pytree
    from scipy.optimize import linear_sum_assignment

    from .models import MLP

    ma, mb = tm.unravel(np.asarray(reference)), tm.unravel(np.asarray(other))
    if not isinstance(ma, MLP) or len(ma.layers) < 2:
        return None
    Wa = [np.asarray(layer.weight) for layer in ma.layers]
    Wb = [np.asarray(layer.weight) for layer in mb.layers]
    ba = [None if layer.bias is None else np.asarray(layer.bias) for layer in ma.layers]
    bb = [None if layer.bias is None else np.asarray(layer.bias) for layer in mb.layers]
    hidden = len(Wa) - 1
    perms = [np.arange(Wa[i].shape[0]) for i in range(hidden)]

    def permuted(i):
        """Layer i of b with its outputs (hidden units i) and inputs (units i - 1) permuted."""
        W = Wb[i]
        if i < hidden:
            W = W[perms[i]]
        if i > 0:
            W = W[:, perms[i - 1]]
        b = bb[i]
        if b is not None and i < hidden:
            b = b[perms[i]]
        return W, b

    for _ in range(sweeps):
        changed = False
        for i in range(hidden):
            # units i: rows of layer i (inputs already permuted), columns of layer i + 1
            W_in = Wb[i] if i == 0 else Wb[i][:, perms[i - 1]]
            cost = Wa[i] @ W_in.T
            if ba[i] is not None:
                cost = cost + np.outer(ba[i], bb[i])
            W_out = Wb[i + 1] if i + 1 == hidden else Wb[i + 1][perms[i + 1]]
            cost = cost + Wa[i + 1].T @ W_out
            _, col = linear_sum_assignment(cost, maximize=True)
            if not np.array_equal(col, perms[i]):
                perms[i], changed = col, True
        if not changed:
            break
    layers = []
    for i, layer in enumerate(mb.layers):
        W, b = permuted(i)
        layer = eqx.tree_at(lambda m: m.weight, layer, W)
        if b is not None:
            layer = eqx.tree_at(lambda m: m.bias, layer, b)
        layers.append(layer)
    aligned = eqx.tree_at(lambda m: m.layers, mb, tuple(layers))
    return np.asarray(ravel_pytree(eqx.filter(aligned, eqx.is_inexact_array))[0])


def twin_runs(tm, steps: int, *, sigma=SIGMAS, at=(0,), every: int | None = None, seed: int = 0,
              align: bool = True) -> TwinRuns:
    """Train ``tm`` for ``steps`` steps and, for each step in ``at`` and size in ``sigma``, a copy
    perturbed there (module docstring); all copies of one ``at`` and the original run together
    (one compiled program). ``every``: the steps between kept distances (default steps / 100;
    the steps in ``at`` must be multiples of it).""" 
    from .training import _check_positive, train

    _check_positive("steps", steps, integer=True)
    sig = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if sig.ndim != 1 or sig.size == 0 or not np.all(np.isfinite(sig) & (sig >= 0)):
        raise ValueError(f"sigma must be a non-empty list of numbers >= 0, got {sigma!r}")
    ats = np.atleast_1d(np.asarray(at))
    if ats.ndim != 1 or ats.size == 0 or not np.issubdtype(ats.dtype, np.integer) or np.any(ats < 0) \
            or np.any(ats >= steps) or len(np.unique(ats)) != ats.size:
        raise ValueError(f"at must be distinct integer steps in [0, steps = {steps}), got {at!r}")
    ats = np.sort(ats)
    every = max(1, steps // 100) if every is None else every
    _check_positive("every", every, integer=True)
    if np.any(ats % every):
        raise ValueError(f"at must be multiples of every = {every} (the steps kept), got {at!r}")
    kept = np.arange(0, steps + 1, every)
    if kept[-1] != steps:
        kept = np.append(kept, steps)
    A, S, P = len(ats), len(sig), tm.n_params
    distance = np.full((A, S, len(kept)), np.nan)
    final = np.full((A, S), np.nan)
    barrier, aligned_d, aligned_b = (np.full((A, S), np.nan) for _ in range(3))
    final_loss = np.full((A, S + 1), np.nan)
    diverged = np.zeros((A, S + 1), bool)
    offset = perturbation(tm, 1.0, seed=seed)
    x, done = np.asarray(tm.x0), 0
    for i, a in enumerate(ats):
        if a > done:  # the original, carried to the step of this perturbation
            x = train(tm, int(a - done), x0=x, t0=done, every=int(a - done)).states[0, -1]
            done = int(a)
            if not np.all(np.isfinite(x)):
                diverged[i:] = True
                break
        X = np.concatenate([x[None], x[None] + sig[:, None] * offset[None]])
        run = train(tm, int(steps - a), x0=X, t0=int(a), every=every)
        theta = run.states[..., :P]
        diverged[i] = run.diverged
        final_loss[i] = run.loss[:, -1]
        distance[i][:, kept >= a] = np.linalg.norm(theta[1:] - theta[:1], axis=-1)
        end = theta[:, -1]
        final[i] = np.linalg.norm(end[1:] - end[0], axis=-1)
        for j in range(S):
            if diverged[i, 0] or diverged[i, j + 1]:
                continue
            barrier[i, j] = loss_barrier(tm, end[0], end[j + 1])
            if align:
                b = align_hidden_units(tm, end[0], end[j + 1])
                if b is not None:
                    aligned_d[i, j] = np.linalg.norm(b - end[0])
                    aligned_b[i, j] = loss_barrier(tm, end[0], b)
    return TwinRuns(sigma=sig, at=ats, steps=kept, distance=distance, final_distance=final, barrier=barrier,
                    aligned_distance=aligned_d, aligned_barrier=aligned_b, final_loss=final_loss, diverged=diverged)


def butterfly_figure(result: TwinRuns):
    """Left: the final loss barrier (after alignment where there is one) against sigma, one line
    per perturbation step; right: the twins' distance over training for the earliest step, one
    line per sigma. A :class:`matplotlib.figure.Figure` (no pyplot)."""
    from ..plotting import subplots

    fig, (left, right) = subplots(1, 2, figsize=(10, 4))
    use = result.aligned_barrier if np.any(np.isfinite(result.aligned_barrier)) else result.barrier
    what = "aligned loss barrier" if use is result.aligned_barrier else "loss barrier"
    for i, a in enumerate(result.at):
        left.plot(result.sigma, use[i], marker="o", label=f"perturbed at step {a}")
    left.set_xscale("log")
    left.set_xlabel("perturbation size sigma (1 = the initialisation's scale)")
    left.set_ylabel(f"final {what}")
    left.legend()
    for j, s in enumerate(result.sigma):
        right.plot(result.steps, result.distance[0, j], label=f"sigma = {s:.0e}")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("parameter distance between twins")
    right.set_title(f"perturbed at step {result.at[0]}")
    right.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
