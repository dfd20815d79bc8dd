"""Floating-point limits of training: softmax collapse.

Prieto, Barsbey, Mediano & Birdal (2025), "Grokking at the Edge of Numerical Stability" (ICLR 2025,
arXiv:2501.04697), name *Softmax Collapse* (SC) the floating-point failure of the softmax that
stops learning once a classifier's logits have been scaled up far enough: in the max-subtracted
softmax

    softmax(z)_k = exp(z_k - m) / sum_j exp(z_j - m),     m = max_j z_j,

every term of the denominator but the top class's exp(0) = 1 is *absorbed* in the floating-point
sum (adding a number smaller than half a unit in the last place of 1 to 1 gives 1 back), so the
sum is exactly 1, the top class's probability exactly 1 and, for a sample whose label is that
class, the cross-entropy exactly 0 and its gradient along the label, p_y - 1, exactly 0. The
authors' released code (LucasPrietoAl/grokking-at-the-edge-of-numerical-stability) measures SC
as the fraction of training samples whose sum of max-subtracted exponentials, computed in the
chosen precision, equals 1.

:func:`softmax_collapse` applies that definition at float16, float32 or float64. The exact
condition: with p the precision's significand bits (11, 24, 53) and round-to-nearest-even,

    fl(1 + r) == 1   iff   r <= 2^-p     (half an ulp of 1; r = 2^-p is a tie, rounded to the
                                          even neighbour, 1),

so a sample collapses iff R = sum over the other classes of fl(exp(fl(z_j - m))) is at most 2^-p.
For one competitor at a gap g below the top, that is exp(-g) <= 2^-p, g >= p ln 2:
7.62 (float16), 16.64 (float32), 36.74 (float64) — so a gap of 20 collapses in float32 but not
in float64, and a gap of 40 (or 120) collapses in both. R is accumulated in float64 and compared
with 2^-p, i.e. the denominator is rounded once, as a correctly rounded sum would be; a
sequential sum that starts from the top term absorbs each small term separately and can call a
few more samples collapsed when many classes sit just below the threshold (the authors'
``torch.sum`` leaves the order to the library).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DTYPES = ("float16", "float32", "float64")


def half_ulp_of_one(dtype: str) -> float:
    """2^-p, half the spacing of the floating-point numbers just above 1 in ``dtype`` (p the
    significand bits, the implicit one included): the largest r with fl(1 + r) == 1."""
    return float(np.finfo(_dtype(dtype)).eps) / 2.0


def collapse_gap(dtype: str) -> float:
    """p ln 2: the logit gap beyond which a single competitor is absorbed, exp(-gap) <= 2^-p
    (7.62 for float16, 16.64 for float32, 36.74 for float64)."""
    return -math.log(half_ulp_of_one(dtype))


def _dtype(dtype) -> np.dtype:
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return np.dtype(dtype)


@dataclass(frozen=True)
class SoftmaxCollapse:
    """Softmax collapse of a batch at one precision (:func:`softmax_collapse`).

    ``mask`` (samples,): the samples in collapse (the top class's floating-point probability is
    exactly 1); ``fraction``: their share. ``gap`` (samples,): the top logit minus the runner-up
    (float64; inf with a single class). ``dtype``: the precision. With labels: ``correct``: the
    label is the top class (ties: not unique, so not correct); ``zero_loss``: collapsed and
    correct, the samples whose cross-entropy is exactly 0 in that precision (their gradient along
    the label is exactly 0); ``zero_loss_fraction``: their share. A collapsed sample whose label
    is not the top class still has a loss (about the gap) and a gradient."""

    fraction: float
    mask: np.ndarray
    gap: np.ndarray
    dtype: str
    correct: np.ndarray | None = None
    zero_loss: np.ndarray | None = None
    zero_loss_fraction: float | None = None


def softmax_collapse(logits, labels=None, *, dtype: str = "float32") -> SoftmaxCollapse:
    """Which samples of ``logits`` (samples..., classes) are in softmax collapse at ``dtype``
    ("float16", "float32" or "float64"), after Prieto et al. (2025): the logits are rounded to
    ``dtype``, the top logit m subtracted and exponentiated in ``dtype``, and a sample collapses
    when the other classes' exponentials sum to at most half an ulp of 1 (2^-p), so that the
    softmax denominator is exactly 1 (see the module docstring for the exact thresholds).

    ``labels`` (samples...,) integers in [0, classes): also report which collapsed samples
    have exactly zero cross-entropy (label = top class). Returns a :class:`SoftmaxCollapse`.
    Raises ValueError for a bad dtype, logits that are not at least one-dimensional with a class
    axis, logits that are not finite in ``dtype`` (overflow included), or bad labels."""
    dt = _dtype(dtype)
    z64 = np.asarray(logits, dtype=np.float64)
    if z64.ndim < 1 or z64.shape[-1] < 1:
        raise ValueError(f"logits must have a class axis (shape (..., classes)), got shape {z64.shape}")
    if not np.all(np.isfinite(z64)):
        raise ValueError("logits must be finite")
    with np.errstate(over="ignore"):
        z = z64.astype(dt)
    if not np.all(np.isfinite(z)):
        raise ValueError(f"logits overflow {dtype} (largest finite {float(np.finfo(dt).max):.4g})")
    top = np.argmax(z, axis=-1)
    m = np.take_along_axis(z, top[..., None], axis=-1)
    with np.errstate(under="ignore"):
        e = np.exp(z - m)  # in dtype: the exponentials the softmax adds up
    others = np.ones(z.shape, dtype=bool)
    np.put_along_axis(others, top[..., None], False, axis=-1)
    rest = np.sum(np.where(others, e.astype(np.float64), 0.0), axis=-1)
    mask = rest <= half_ulp_of_one(dtype)
    if z.shape[-1] > 1:
        zs = np.sort(z.astype(np.float64), axis=-1)
        gap = zs[..., -1] - zs[..., -2]
    else:
        gap = np.full(z.shape[:-1], np.inf)
    fraction = float(np.mean(mask)) if mask.size else 0.0
    if labels is None:
        return SoftmaxCollapse(fraction=fraction, mask=mask, gap=gap, dtype=dtype)
    y = np.asarray(labels)
    if y.shape != mask.shape:
        raise ValueError(f"labels must have shape {mask.shape} (one per sample), got {y.shape}")
    if not (np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)))):
        raise ValueError("labels must be integers")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= z.shape[-1]):
        raise ValueError(f"labels must lie in [0, {z.shape[-1]}), got [{y.min()}, {y.max()}]")
    correct = (y == top) & (gap > 0)
    zero = mask & correct
    return SoftmaxCollapse(fraction=fraction, mask=mask, gap=gap, dtype=dtype, correct=correct, zero_loss=zero,
                           zero_loss_fraction=float(np.mean(zero)) if zero.size else 0.0)


def training_collapse(tm, theta, *, dtype: str = "float32") -> SoftmaxCollapse:
    """:func:`softmax_collapse` of a classification training map ``tm``'s logits on all its
    data at flat parameters ``theta`` (the model's float64 logits, then rounded to ``dtype``)."""
    import jax

    params = tm.system.params
    if "inputs" not in params or tm.samples is None:
        raise ValueError("softmax collapse needs a training map with data (a classifier)")
    model = tm.unravel(np.asarray(theta, dtype=np.float64)[: tm.n_params])
    logits = np.asarray(jax.vmap(model)(np.asarray(params["inputs"])))
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"softmax collapse needs class logits (samples, classes >= 2), got shape {logits.shape}")
    labels = np.rint(np.asarray(params["targets"])).astype(np.int64).reshape(-1)
    return softmax_collapse(logits, labels, dtype=dtype)
