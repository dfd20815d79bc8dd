"""The one ridge solver of the forecasting models (linear AR, NVAR, ESN, SINDy, EDMD).

``ridge(F, Y, alpha)`` minimises ‖F W − Y‖² + alpha ‖W‖² (Frobenius norms). ``alpha`` is
absolute, as in scikit-learn's ``Ridge(alpha, fit_intercept=False)``: it does not grow with the
number of rows, so for the same penalty per row pass ``alpha * n``. It is solved by the SVD
F = U diag(s) Vᵀ, W = V diag(s / (s² + alpha)) Uᵀ Y, not by the normal equations, which square
F's condition number. Singular values at or below ``rcond`` · s_max (default max(n, p) · eps, the
rule of ``numpy.linalg.lstsq``) are rounding noise and count as zero, so W is finite for any
finite F (rank-deficient, duplicated columns), and alpha = 0 gives the minimum-norm
least-squares solution, the limit alpha → 0.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["ridge"]


def ridge(F, Y, alpha: float, *, rcond: float | None = None) -> np.ndarray:
    """W (p,) or (p, k) minimising ‖F W − Y‖² + ``alpha`` ‖W‖² for F (n, p) and Y (n,) or (n, k);
    ``alpha`` >= 0 is absolute (scikit-learn's convention; see the module docstring). numpy or
    jax arrays in, numpy float64 out; non-finite or ill-shaped input is a one-line ValueError."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (0 <= alpha < np.inf):
        raise ValueError(f"alpha must be a finite number >= 0 (absolute ridge penalty), got {alpha!r}")
    F, Y = np.asarray(F, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if F.ndim != 2 or 0 in F.shape:
        raise ValueError(f"F must be a non-empty matrix (rows, features), got shape {F.shape}")
    if Y.ndim not in (1, 2) or Y.shape[0] != F.shape[0] or Y.size == 0:
        raise ValueError(f"Y must have shape ({F.shape[0]},) or ({F.shape[0]}, k) to match F {F.shape}, got {Y.shape}")
    for name, a in (("F", F), ("Y", Y)):
        if not np.all(np.isfinite(a)):
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
            raise ValueError(f"ridge: {name} contains NaN or inf (first at index {where}); allowed: finite values")
    if rcond is None:
        rcond = max(F.shape) * np.finfo(np.float64).eps
    elif isinstance(rcond, bool) or not isinstance(rcond, numbers.Real) or not (0 <= rcond < 1):
        raise ValueError(f"rcond must be a number in [0, 1) or None, got {rcond!r}")
    # huge entries (a high-degree library of large values) are scaled by exact powers of two,
    # so nothing inside LAPACK overflows: W(F / cF, Y / cY, alpha / cF²) = W(F, Y, alpha) cF / cY
    cF, cY = _power_of_two(F), _power_of_two(Y)
    F, Y, alpha = F / cF, Y / cY, alpha / cF / cF
    U, s, Vt = _svd(F)
    keep = s > rcond * s[0]
    d = np.zeros_like(s)
    d[keep] = 1.0 / (s[keep] + alpha / s[keep])  # = s / (s² + alpha), without overflowing s²
    W = Vt.T @ (d[:, None] * (U.T @ Y.reshape(len(Y), -1)))
    if cF != 1.0 or cY != 1.0:
        W = W * (cY / cF)
    return W if Y.ndim == 2 else W[:, 0]


HUGE = 2.0**400  # entries beyond this are scaled before the SVD (squares of them would overflow)


def _power_of_two(a: np.ndarray) -> float:
    """1, or the power of two that brings the largest |entry| of a beyond HUGE to about 1."""
    m = float(np.max(np.abs(a)))
    return 1.0 if m <= HUGE else float(2.0 ** np.ceil(np.log2(m)))


def _svd(F: np.ndarray):
    """Thin SVD; LAPACK's slower, more robust driver if the divide-and-conquer one fails, and a
    one-line ValueError (never LAPACK's LinAlgError) if that fails too."""
    try:
        return np.linalg.svd(F, full_matrices=False)
    except np.linalg.LinAlgError:
        from scipy.linalg import svd

        try:
            return svd(F, full_matrices=False, lapack_driver="gesvd")
        except (np.linalg.LinAlgError, ValueError) as e:
            raise ValueError(f"ridge: the SVD of F {F.shape} did not converge ({str(e).splitlines()[0]}); "
                             "its columns are too ill-conditioned for double precision") from None
