"""The 0-1 test for chaos (Gottwald & Melbourne 2004, Proc. R. Soc. A 460, 603; in the
modified form of Gottwald & Melbourne 2009, SIAM J. Appl. Dyn. Syst. 8, 129).

For an observable phi(j), j = 1..N, and a frequency c in (pi/5, 4 pi/5):
    p_c(n) = sum_{j<=n} phi(j) cos(j c),   q_c(n) = sum_{j<=n} phi(j) sin(j c),
    M_c(n) = <(p_c(j+n) - p_c(j))^2 + (q_c(j+n) - q_c(j))^2>_j,
    D_c(n) = M_c(n) - <phi>^2 (1 - cos n c) / (1 - cos c)      (oscillatory term removed),
    K_c = corr(n, D_c(n)) for n = 1..N/10,    K = median over c.
K is near 1 for chaotic dynamics (the translation variables diffuse) and near 0 for regular
ones (they stay bounded) — asymptotically in N; finite series give intermediate values. The
sampling should not be much finer than the dynamics' own time scale: oversampled flows look
regular. Subsample to roughly the first minimum of the autocorrelation or a tenth of a period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import as_series

__all__ = ["zero_one_test", "ZeroOneResult"]


@dataclass
class ZeroOneResult:
    K: float
    chaotic: bool
    threshold: float
    K_c: np.ndarray
    c: np.ndarray


def zero_one_test(x, *, n_c: int = 100, subsample: int = 1, threshold: float = 0.5, seed: int = 0) -> ZeroOneResult:
    """K for the series ``x`` (1-D), taking every ``subsample``-th value; ``chaotic = K > threshold``."""
    if not (isinstance(subsample, (int, np.integer)) and subsample >= 1):
        raise ValueError(f"subsample must be an integer >= 1, got {subsample!r}")
    if not (isinstance(n_c, (int, np.integer)) and n_c >= 1):
        raise ValueError(f"n_c must be an integer >= 1, got {n_c!r}")
    phi = as_series(x, min_length=100 * subsample)[::subsample]
    N = phi.size
    n_cut = N // 10
    rng = np.random.default_rng(seed)
    c = rng.uniform(np.pi / 5, 4 * np.pi / 5, size=n_c)
    j = np.arange(1, N + 1)
    p = np.cumsum(phi[None, :] * np.cos(np.outer(c, j)), axis=1)
    q = np.cumsum(phi[None, :] * np.sin(np.outer(c, j)), axis=1)
    L = N - n_cut  # average over j = 1..N - n_cut so every lag uses the same number of terms
    n = np.arange(1, n_cut + 1)
    M = np.empty((n_c, n_cut))
    for k, lag in enumerate(n):
        dp = p[:, lag:lag + L] - p[:, :L]
        dq = q[:, lag:lag + L] - q[:, :L]
        M[:, k] = (dp**2 + dq**2).mean(axis=1)
    osc = phi.mean() ** 2 * (1 - np.cos(np.outer(c, n))) / (1 - np.cos(c))[:, None]
    D = M - osc
    nc = n - n.mean()
    Dc = D - D.mean(axis=1, keepdims=True)
    K_c = (Dc @ nc) / np.sqrt((Dc**2).sum(axis=1) * (nc**2).sum())
    K = float(np.median(K_c))
    return ZeroOneResult(K, bool(K > threshold), threshold, K_c, c)
