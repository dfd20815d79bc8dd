"""Curvature of a loss at a point of parameter space: Hessian-vector products, the top Hessian
eigenvalues (sharpness), the Hessian trace and the mini-batch sharpness of SGD.

A loss is a JAX function ``loss(theta) -> scalar`` of a flat float64 parameter vector ``theta``
of shape (n,). Everything is matrix-free except :func:`hessian` and ``method="dense"``, which form
the (n, n) Hessian and are meant for small models and as the reference.

For gradient descent with learning rate ``lr`` on a quadratic, the step is stable along an
eigenvector of the Hessian exactly when its eigenvalue is below ``2 / lr``; in the "edge of
stability" regime of full-batch training the sharpness (the top eigenvalue,
``top_eigenvalues(loss, theta)[0]``) hovers at ``2 / lr`` (Cohen et al., ICLR 2021). For
mini-batch SGD the quantity that hovers there is the batch sharpness, :func:`batch_sharpness`.

The jitted functions built for a loss are kept (for the 32 losses used last), so that calling
these functions again at a new ``theta`` of the same shape does not compile again; a loss that
is a fresh closure at every call is compiled at every call.
"""

from __future__ import annotations

import functools
import numbers

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse.linalg as spla

__all__ = ["hvp", "hessian", "top_eigenvalues", "hutchinson_trace", "batch_sharpness", "sharpness_along",
           "batch_sharpness_along", "sharpness_figure"]

METHODS = ("lanczos", "dense")
HESSIAN_BLOCK = 64  # Hessian columns computed together by hessian()


# --------------------------------------------------------------------------- compiled programs


def _build_hvp(loss):
    grad = jax.grad(loss)

    def hv(theta, v):
        return jax.jvp(grad, (theta,), (v,))[1]

    return hv


class _Programs:
    """The jitted functions for one loss, built when first asked for."""

    def __init__(self, loss):
        self.loss = loss
        self._hv = _build_hvp(loss)
        self.hvp = jax.jit(self._hv)

    @functools.cached_property
    def hessian(self):
        """theta -> H, column blocks of HESSIAN_BLOCK Hessian-vector products at a time (memory:
        one block's forward-over-reverse passes, not n of them as jax.hessian's vmap would)."""
        hv = self._hv
        return jax.jit(lambda theta: jax.lax.map(lambda e: hv(theta, e), jnp.eye(theta.size, dtype=theta.dtype),
                                                 batch_size=HESSIAN_BLOCK))

    @functools.cached_property
    def quadratic_forms(self):
        """(theta, V) -> (v_i^T H v_i)_i for the rows v_i of V."""
        hv = jax.vmap(self._hv, in_axes=(None, 0))
        return jax.jit(lambda theta, vs: jnp.sum(vs * hv(theta, vs), axis=1))


class _BatchPrograms:
    """The jitted per-batch directional curvature for one batch loss."""

    def __init__(self, batch_loss):
        grad = jax.grad(batch_loss)

        def curvature(theta, batch):
            g = grad(theta, batch)
            hg = jax.jvp(lambda t: grad(t, batch), (theta,), (g,))[1]
            return jnp.vdot(g, hg) / jnp.vdot(g, g)

        self.curvatures = jax.jit(jax.vmap(curvature, in_axes=(None, 0)))


@functools.lru_cache(maxsize=32)
def _cached(kind, fn):
    return kind(fn)


def _programs(kind, fn):
    try:
        return _cached(kind, fn)
    except TypeError:  # an unhashable callable: build afresh
        return kind(fn)


# --------------------------------------------------------------------------- input checks


def _check_theta(theta) -> np.ndarray:
    try:
        t = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"theta must be a 1-D array of real numbers; got {type(theta).__name__}") from None
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"theta must be a flat 1-D parameter vector of shape (n,), n >= 1; got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        bad = int(np.size(t) - np.count_nonzero(np.isfinite(t)))
        raise ValueError(f"theta must be finite; it has {bad} NaN or infinite entries")
    return t


def _check_int(name, value, minimum) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


# --------------------------------------------------------------------------- public functions


def hvp(loss):
    """Hessian-vector product of a loss, forward-over-reverse.

    Parameters
    ----------
    loss : callable
        ``loss(theta) -> scalar``, a JAX function of a flat parameter vector ``theta`` (n,).

    Returns
    -------
    callable
        Jitted ``(theta, v) -> H(theta) v``, with ``H`` the Hessian of ``loss`` at ``theta``;
        ``theta`` and ``v`` are (n,) arrays. Computed as
        ``jax.jvp(jax.grad(loss), (theta,), (v,))[1]`` without forming ``H``; a new ``theta``
        of the same shape and dtype does not compile again.
    """
    return _programs(_Programs, loss).hvp


def hessian(loss, theta) -> np.ndarray:
    """Dense Hessian of a loss, symmetrised: for small models and as a reference.

    Parameters
    ----------
    loss : callable
        ``loss(theta) -> scalar``.
    theta : array_like, shape (n,)
        The point, finite.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        ``(H + H.T) / 2`` with H's columns the Hessian-vector products with the unit vectors,
        HESSIAN_BLOCK at a time, float64.
    """
    t = _check_theta(theta)
    h = np.asarray(_programs(_Programs, loss).hessian(jnp.asarray(t)), dtype=np.float64)
    return 0.5 * (h + h.T)


def top_eigenvalues(loss, theta, k=1, *, method="lanczos", tol=0.0, seed=0, vectors=False):
    """The ``k`` largest (algebraic) eigenvalues of the Hessian of a loss.

    Parameters
    ----------
    loss : callable
        ``loss(theta) -> scalar``.
    theta : array_like, shape (n,)
        The point, finite.
    k : int
        How many eigenvalues, ``1 <= k < n`` for Lanczos, ``1 <= k <= n`` for ``"dense"``.
    method : {"lanczos", "dense"}
        ``"lanczos"``: implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``,
        ``which="LA"``) on Hessian-vector products (:func:`hvp`), never forming the Hessian;
        the starting vector is a standard normal draw from ``np.random.default_rng(seed)``.
        ``"dense"``: ``numpy.linalg.eigh`` of :func:`hessian`.
    tol : float
        Relative accuracy asked of Lanczos (``eigsh``'s ``tol``; 0 means machine precision).
        Ignored by ``"dense"``.
    seed : int
        Seed of the Lanczos starting vector: the same seed gives the same bits.
    vectors : bool
        Also return the eigenvectors.

    Returns
    -------
    eigenvalues : numpy.ndarray, shape (k,)
        In descending order. The sharpness is ``eigenvalues[0]``; gradient descent with learning
        rate ``lr`` is stable on the local quadratic model when it is below ``2 / lr``.
    eigenvectors : numpy.ndarray, shape (n, k)
        Only with ``vectors=True``: unit eigenvectors, column ``i`` for ``eigenvalues[i]``, each
        signed so that its entry of largest magnitude is positive.

    Raises
    ------
    ValueError
        For a bad ``k``, ``method``, ``tol`` or ``theta``.
    scipy.sparse.linalg.ArpackNoConvergence
        When Lanczos does not converge (raise ``tol`` or use ``method="dense"``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    k = _check_int("k", k, 1)
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0 (0: machine precision); got {tol!r}")
    t = _check_theta(theta)
    n = t.size
    if method == "dense":
        if k > n:
            raise ValueError(f"k must be <= n = {n} (the number of parameters); got k = {k}")
        w, u = np.linalg.eigh(hessian(loss, t))
        w, u = w[::-1][:k], u[:, ::-1][:, :k]
    else:
        if k >= n:
            raise ValueError(f"k must be < n = {n} (the number of parameters) for method='lanczos'; got k = {k}; "
                             f"method='dense' gives all n eigenvalues")
        hv = hvp(loss)
        tj = jnp.asarray(t)

        def matvec(v):
            return np.asarray(hv(tj, jnp.asarray(np.reshape(v, -1), dtype=jnp.float64)), dtype=np.float64)

        op = spla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        v0 = np.random.default_rng(seed).standard_normal(n)
        w, u = spla.eigsh(op, k=k, which="LA", tol=float(tol), v0=v0)
        order = np.argsort(w)[::-1]
        w, u = w[order], u[:, order]
    w = np.array(w, dtype=np.float64)
    if not vectors:
        return w
    u = np.array(u, dtype=np.float64)
    u /= np.linalg.norm(u, axis=0)
    big = u[np.argmax(np.abs(u), axis=0), np.arange(k)]
    u *= np.where(big < 0, -1.0, 1.0)
    return w, u


def hutchinson_trace(loss, theta, samples=100, *, seed=0, batch=32):
    """Hutchinson's estimate of the trace of the Hessian of a loss, with its standard error.

    Parameters
    ----------
    loss : callable
        ``loss(theta) -> scalar``.
    theta : array_like, shape (n,)
        The point, finite.
    samples : int
        Number of Rademacher probes ``v`` (entries +-1 with probability 1/2), at least 2.
    seed : int
        Seed of ``np.random.default_rng`` drawing the probes: the same seed gives the same bits.
    batch : int
        Probes evaluated at once (``jax.vmap`` of :func:`hvp`); a memory/speed knob, the probes
        do not depend on it.

    Returns
    -------
    estimate : float
        Mean of ``v^T H v`` over the probes; unbiased, ``E[v^T H v] = tr(H)``.
    standard_error : float
        Sample standard deviation (ddof=1) of ``v^T H v`` divided by ``sqrt(samples)``. The variance
        of one probe is ``2 * sum_{i != j} H_ij**2``: the estimate is exact for a diagonal Hessian.
    """
    samples = _check_int("samples", samples, 2)
    batch = _check_int("batch", batch, 1)
    t = _check_theta(theta)
    n = t.size
    rng = np.random.default_rng(seed)
    signs = rng.integers(0, 2, size=(samples, n), dtype=np.int8)
    b = min(batch, samples)
    forms = _programs(_Programs, loss).quadratic_forms
    tj = jnp.asarray(t)
    q = np.empty(samples)
    for start in range(0, samples, b):
        chunk = 2.0 * signs[start:start + b] - 1.0
        count = chunk.shape[0]
        if count < b:  # pad with zero probes: one compiled shape
            chunk = np.concatenate([chunk, np.zeros((b - count, n))])
        q[start:start + count] = np.asarray(forms(tj, jnp.asarray(chunk)))[:count]
    return float(np.mean(q)), float(np.std(q, ddof=1) / np.sqrt(samples))


def batch_sharpness(batch_loss, theta, batches) -> float:
    """Batch sharpness: the mean curvature of the mini-batch losses along their own gradients.

    For each mini-batch ``B``, with ``g_B`` and ``H_B`` the gradient and Hessian of
    ``batch_loss(theta, B)`` at ``theta``, the directional curvature is
    ``g_B^T H_B g_B / ||g_B||^2``; the batch sharpness is its mean over the given batches, a Monte
    Carlo estimate of its expectation over random batches of that size. This is the quantity that
    Andreyev & Beneventano (2024), "Edge of Stochastic Stability: Revisiting the Edge of Stability
    for SGD", arXiv:2412.20553, call Batch Sharpness and find to stabilise at ``2 / lr`` for
    mini-batch SGD (where the full-batch sharpness stays below it). It is not
    ``E[g^T H g] / E[||g||^2]`` (the expectation inside), a different quantity.

    Parameters
    ----------
    batch_loss : callable
        ``batch_loss(theta, B) -> scalar``: the loss of the mini-batch ``B``, an integer index
        array (b,) into the data (which the function closes over). Indices are used inside
        ``jax.vmap``/``jit``, where JAX clamps out-of-range indices instead of raising.
    theta : array_like, shape (n,)
        The point, finite.
    batches : array_like of int, shape (m, b)
        ``m`` batches of ``b`` indices each, stacked (one batch: ``indices[None, :]``).

    Returns
    -------
    float
        The mean over the ``m`` batches; NaN if some batch has a zero gradient (its directional
        curvature is undefined).
    """
    t = _check_theta(theta)
    idx = np.asarray(batches)
    if idx.ndim != 2 or idx.shape[0] < 1 or idx.shape[1] < 1:
        raise ValueError(f"batches must be a 2-D integer array (m, b) of m >= 1 stacked batches of b >= 1 indices; "
                         f"got shape {idx.shape}")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"batches must be an integer index array of shape (m, b); got dtype {idx.dtype}")
    curv = _programs(_BatchPrograms, batch_loss).curvatures(jnp.asarray(t), jnp.asarray(idx))
    return float(np.mean(np.asarray(curv, dtype=np.float64)))


# --------------------------------------------------------------------------- along training


def sharpness_along(tm, run, *, k=1, method="lanczos", seed=0) -> np.ndarray:
    """The ``k`` top Hessian eigenvalues of the training map ``tm``'s loss on all its data at
    every state ``run`` kept (a :class:`chaoslab.learning.training.TrainingRun`): (runs, points,
    k); NaN where the run had diverged. Compare with ``2 / run.lr`` (the edge of stability)."""
    k = _check_int("k", k, 1)
    out = np.full(run.states.shape[:2] + (k,), np.nan)
    for i, j in np.ndindex(*run.states.shape[:2]):
        s = run.states[i, j]
        if np.all(np.isfinite(s)):
            out[i, j] = top_eigenvalues(tm.loss, s[: tm.n_params], k, method=method, seed=seed)
    return out


def batch_sharpness_along(tm, run, *, batches=None) -> np.ndarray:
    """:func:`batch_sharpness` of a stochastic training map ``tm`` at every state ``run`` kept:
    (runs, points), over the ``batches`` (default: one epoch's) mini-batches that follow that
    state's step; NaN where the run had diverged."""
    if tm.batch_size is None:
        raise ValueError("batch sharpness needs a training map with a batch_size (full-batch maps: sharpness_along)")
    m = tm.steps_per_epoch if batches is None else _check_int("batches", batches, 1)
    out = np.full(run.states.shape[:2], np.nan)
    for j, step in enumerate(run.steps):
        idx = np.stack([tm.batch(int(step) + i) for i in range(m)])
        for i in range(run.states.shape[0]):
            s = run.states[i, j]
            if np.all(np.isfinite(s)):
                out[i, j] = batch_sharpness(tm.batch_loss, s[: tm.n_params], idx)
    return out


def sharpness_figure(run, sharpness, batch=None):
    """Loss (top, log scale) and sharpness (bottom) of the first run of ``run`` against its step,
    with the edge of stability 2/lr drawn; ``sharpness`` (points, k) from :func:`sharpness_along`
    (one run), ``batch`` (points,) the batch sharpness if any. A Figure (no pyplot)."""
    from ..plotting import subplots

    fig, (top, bottom) = subplots(2, 1, figsize=(7, 6), sharex=True)
    top.plot(run.steps, run.loss[0])
    top.set_yscale("log")
    top.set_ylabel("training loss")
    s = np.asarray(sharpness)
    for j in range(s.shape[1]):
        bottom.plot(run.steps, s[:, j], label="sharpness" if j == 0 else f"eigenvalue {j + 1}")
    if batch is not None:
        bottom.plot(run.steps, batch, label="batch sharpness")
    bottom.axhline(2.0 / float(run.lr[0]), color="k", ls="--", label="2 / lr")
    bottom.set_xlabel("step")
    bottom.set_ylabel("Hessian eigenvalue")
    bottom.legend()
    fig.tight_layout()
    return fig
