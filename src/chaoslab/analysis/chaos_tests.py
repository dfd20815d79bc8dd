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

__all__ = ["zero_one_test", "ZeroOneResult", "gali", "GaliResult"]


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


# ----------------------------------------------------------------------------- GALI
@dataclass
class GaliResult:
    t: np.ndarray
    gali: np.ndarray
    k: int
    chaotic: bool
    threshold: float
    decay_rate: float


def gali(system, *, k: int = 2, time: float | None = None, interval: float | None = None, x0=None, params=None,
         threshold: float = 1e-8, seed: int = 0, method: str = "auto", rtol: float = 1e-10,
         atol: float = 1e-10) -> GaliResult:
    """The Generalized Alignment Index GALI_k (Skokos, Bountis & Antonopoulos 2007, Physica D
    231, 30): the volume spanned by k unit deviation vectors, each renormalised (not
    orthogonalised) every ``interval``. On a chaotic orbit the vectors align with the most
    unstable directions and GALI_k ~ exp(-[(l1 - l2) + ... + (l1 - lk)] t) falls exponentially;
    on a regular (quasi-periodic) orbit of a Hamiltonian system it stays of order 1 (k <= torus
    dimension) or decays as a power law. ``chaotic`` = GALI_k drops below ``threshold`` (1e-8,
    the authors' practice) within ``time`` (default 200 periods); ``decay_rate`` is the slope of
    log GALI_k against t over the run (about sum_i (l1 - li) when chaotic, ~0 when regular).
    Mainly meaningful for conservative systems: in dissipative ones volumes contract anyway.
    """
    import jax
    import jax.numpy as jnp
    from jax import lax

    from ..integrate.api import _as_system, _split_params
    from ..integrate.solvers import resolve_method
    from .lyapunov import _flow_advance, _map_advance

    system = _as_system(system)
    if system.delay:
        raise ValueError("GALI is computed for flows and maps, not delay equations")
    if not (isinstance(k, (int, np.integer)) and 2 <= k <= system.dim):
        raise ValueError(f"k must be an integer between 2 and {system.dim}, got {k!r}")
    p, _, n_batch = _split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here; loop over parameter sets")
    period = float(system.period or 1.0)
    if system.discrete:
        interval = int(interval or 1)
        time = float(time or 10_000)
        advance = _map_advance(system, interval)
    else:
        interval = float(interval or period / 10)
        time = float(time or 200 * period)
        advance = _flow_advance(system, k, interval, resolve_method(system, method), rtol, atol, None)
    for name, v in (("time", time), ("interval", interval)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    n = max(int(round(time / interval)), 2)
    x0 = jnp.asarray(np.asarray(system.ic if x0 is None else x0, dtype=float))
    V0 = jax.random.normal(jax.random.key(int(seed)), (system.dim, k))
    V0 = V0 / jnp.linalg.norm(V0, axis=0)

    def run(x, V, p):
        def body(c, i):
            x, V = c
            x1, W = advance(x, V, i * interval, p)
            W = W / jnp.linalg.norm(W, axis=0)
            g = jnp.prod(jnp.linalg.svd(W, compute_uv=False))
            return (x1, W), g

        return lax.scan(body, (x, V), jnp.arange(n))[1]

    g = np.asarray(jax.jit(run)(x0, V0, p))
    if not np.all(np.isfinite(g)):
        from ..integrate.api import DivergenceError

        raise DivergenceError(system.name, 0, float("nan"), None)
    t = interval * np.arange(1, n + 1)
    # decay rate: slope of log GALI before it reaches the round-off floor (~1e-14)
    above = g > 1e-12
    stop = int(np.argmin(above)) if not above.all() else g.size
    stop = max(stop, 2)
    rate = float(-np.polyfit(t[:stop], np.log(np.maximum(g[:stop], 1e-300)), 1)[0])
    return GaliResult(t, g, int(k), bool(g.min() < threshold), threshold, rate)
