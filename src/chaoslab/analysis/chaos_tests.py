r"""Binary tests for chaos: the 0-1 test (from a series) and GALI (from the equations).

The 0-1 test
============
Gottwald & Melbourne, "A new test for chaos in deterministic systems", Proc. R. Soc. Lond. A
460, 603 (2004); in the improved form of Gottwald & Melbourne, "On the implementation of the 0-1
test for chaos", SIAM J. Appl. Dyn. Syst. 8, 129 (2009).

For an observable phi(j), j = 0..N-1, and a frequency c in (pi/5, 4 pi/5), the translation
variables are

    p_c(n) = sum_{j=0}^{n} phi(j) cos(j c),      q_c(n) = sum_{j=0}^{n} phi(j) sin(j c).

Regular dynamics keeps (p_c, q_c) bounded; chaotic dynamics makes it diffuse like a random walk.
The mean-square displacement, averaged over the same L = N - n_cut starting points for every n,

    M_c(n) = (1/L) sum_{j=0}^{L-1} [p_c(j+n) - p_c(j)]^2 + [q_c(j+n) - q_c(j)]^2,

is freed from its bounded oscillatory part (2009 paper, eq. 3.3)

    V_osc(c, n) = <phi>^2 (1 - cos n c) / (1 - cos c),      D_c(n) = M_c(n) - V_osc(c, n),

and its growth rate is measured for n = 1..n_cut, n_cut = N/10, by

    correlation method (default, 2009 paper):  K_c = corr(n, D_c(n))   (Pearson coefficient)
    regression method (2004 paper):  K_c = slope of log D~_c(n) against log n,
                                     D~_c(n) = D_c(n) - min_n D_c(n)  (the minimum point dropped).

The result is K = median of K_c over ``n_c`` frequencies c drawn uniformly from (pi/5, 4 pi/5)
(avoiding the resonances at c = 0 and pi); the median discards the isolated resonant c at which
a regular signal also gives K_c ~ 1. ``chaotic = K > threshold`` with threshold 0.5 by default.

Honest limits: K -> 1 (chaos) or K -> 0 (regular) only as N -> infinity. Finite series give
intermediate values (weak chaos, long transients, intermittency, slowly decorrelating
observables); strongly oversampled flows look regular because successive samples are nearly
equal, so the phases j c sweep through many samples of one smooth oscillation. Subsample so
that consecutive points are roughly decorrelated: about the first minimum (or first zero) of
the autocorrelation function, or about a quarter of the dominant period (e.g. Lorenz sampled
at period/20: ``subsample=5``). Noise also pushes K towards 1 (the test detects diffusion,
whatever its origin). The correlation method converges faster than the regression method.

Implementation: M_c(n) is computed exactly, without FFTs and without a loop over c. Writing
psi = phi - <phi> and A = p + i q for psi, |A(j+n) - A(j)|^2 expands into
sum_m cos(m c) sum_l psi(l+m) psi(l) over the window, so

    M_c[psi](n) = (1/L) [T(n, 0) + 2 sum_{m=1}^{n-1} cos(m c) T(n, m)],

where T(n, m) = sum_j sum_{l=j+1}^{j+n-m} psi(l+m) psi(l) does not depend on c and follows from a
double cumulative sum of psi(l+m) psi(l) (one pass per lag m < n_cut). The mean <phi> adds
exactly V_osc plus a cross term 2 <phi> X_c(n), X_c(n) = (1/L) sum_j Re[(A(j+n) - A(j)) conj(B_j)]
with B_j = sum_{k=j+1}^{j+n} exp(i k c) in closed form, which reduces to cumulative sums too.
Hence D_c(n) = M_c[psi](n) + 2 <phi> X_c(n) equals the paper's definition identically, and the
large mean of an offset observable never cancels numerically. Cost: O(N n_cut + n_c n_cut^2);
N = 5000 with 100 values of c takes a few tens of milliseconds.
"""

from __future__ import annotations

from functools import lru_cache

from dataclasses import dataclass

import numpy as np

from ..systems.base import resolve_name
from .embedding import as_series

__all__ = ["zero_one_test", "ZeroOneResult", "gali", "GaliResult"]

_METHODS = ("correlation", "regression")


@dataclass
class ZeroOneResult:
    """Outcome of :func:`zero_one_test`.

    K: median over c of K_c (about 0 regular, about 1 chaotic; asymptotically in N).
    chaotic: K > threshold.   threshold: the decision level used (0.5 by default).
    K_c: the growth rate for each frequency, shape (n_c,).   c: the frequencies, shape (n_c,).
    """

    K: float
    chaotic: bool
    threshold: float
    K_c: np.ndarray
    c: np.ndarray


def _lag_table(psi: np.ndarray, n_cut: int, L: int) -> np.ndarray:
    """T[n-1, m] = sum_{j=0}^{L-1} sum_{l=j+1}^{j+n-m} psi(l+m) psi(l) for 1 <= n <= n_cut, m < n
    (zero for m >= n). With S(i) = sum_{l<i} g(l), g(l) = psi(l+m) psi(l), and U(i) = sum_{i'<i}
    S(i'), the inner sum is S(j+k+1) - S(j+1) (k = n - m) and the sum over j is
    U(L+k+1) - U(k+1) - U(L+1) + U(1)."""
    N = psi.size
    T = np.zeros((n_cut, n_cut))
    for m in range(n_cut):
        g = psi[m:] * psi[:N - m]
        S = np.zeros(g.size + 1)
        np.cumsum(g, out=S[1:])
        U = np.zeros(g.size + 2)
        np.cumsum(S, out=U[1:])
        k = np.arange(1, n_cut - m + 1)
        T[k + m - 1, m] = U[L + k + 1] - U[k + 1] - (U[L + 1] - U[1])
    return T


def _cross_term(psi: np.ndarray, c: np.ndarray, n: np.ndarray, L: int) -> np.ndarray:
    """X_c(n) = (1/L) sum_{j=0}^{L-1} Re[(A(j+n) - A(j)) conj(B_j)], shape (n_c, n_cut), where
    A(i) = sum_{k<=i} psi(k) e^{ikc} and B_j = sum_{k=j+1}^{j+n} e^{ikc} = e^{i(j+1)c} beta_n,
    beta_n = (1 - e^{inc}) / (1 - e^{ic}). With Q(i) = sum_{i'<=i} A(i') e^{-i(i'+1)c}:
    sum_j A(j+n) e^{-i(j+1)c} = e^{inc} [Q(L-1+n) - Q(n-1)] and sum_j A(j) e^{-i(j+1)c} = Q(L-1)."""
    N = psi.size
    e = np.exp(1j * np.outer(c, np.arange(N)))               # e^{ikc}, k = 0..N-1
    A = np.cumsum(psi * e, axis=1)
    Q = np.zeros((c.size, N + 1), dtype=complex)             # Q[:, i + 1] = Q(i), Q(-1) = 0
    np.cumsum(A * np.conj(e) * np.exp(-1j * c)[:, None], axis=1, out=Q[:, 1:])
    einc = np.exp(1j * np.outer(c, n))
    beta = (1 - einc) / (1 - np.exp(1j * c))[:, None]
    s = einc * (Q[:, L + n] - Q[:, n]) - Q[:, [L]]
    return np.real(np.conj(beta) * s) / L


def _rowwise_corr(x: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Pearson correlation of the vector x with each row of Y (0 for a constant row)."""
    xc = x - x.mean()
    Yc = Y - Y.mean(axis=1, keepdims=True)
    den = np.sqrt((Yc**2).sum(axis=1) * (xc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (Yc @ xc) / den
    return np.where(den > 0, r, 0.0)


def _rowwise_loglog_slope(n: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Least-squares slope of log(D - min D) against log n per row, the minimum point dropped."""
    Dt = D - D.min(axis=1, keepdims=True)
    w = Dt > 1e-12 * np.maximum(Dt.max(axis=1, keepdims=True), 1e-300)
    x = np.broadcast_to(np.log(n), D.shape)
    y = np.log(np.where(w, Dt, 1.0))
    cnt = w.sum(axis=1)
    xm = (w * x).sum(axis=1) / np.maximum(cnt, 1)
    ym = (w * y).sum(axis=1) / np.maximum(cnt, 1)
    sxy = (w * (x - xm[:, None]) * (y - ym[:, None])).sum(axis=1)
    sxx = (w * (x - xm[:, None]) ** 2).sum(axis=1)
    return np.where((cnt >= 2) & (sxx > 0), sxy / np.where(sxx > 0, sxx, 1.0), 0.0)


def zero_one_test(x, *, n_c: int = 100, subsample: int = 1, threshold: float = 0.5, seed: int = 0,
                  method: str = "correlation", n_cut: int | None = None) -> ZeroOneResult:
    """The 0-1 test for chaos on a scalar series (see the module docstring for the formulas).

    x: 1-D observable (an (n, 1) column is accepted), finite values, at least 100 points after
        subsampling.
    n_c: number of frequencies c, drawn uniformly from (pi/5, 4 pi/5) by
        ``numpy.random.default_rng(seed)``: the same seed gives bit-identical results.
    subsample: keep every ``subsample``-th value. For flows sampled finely, choose it so the
        step is about the first minimum of the autocorrelation or a quarter of the dominant
        period; oversampled data look regular (K too small).
    threshold: ``chaotic = K > threshold`` (default 0.5, midway between the limits 0 and 1).
    method: "correlation" (K_c = corr(n, D_c(n)), Gottwald & Melbourne 2009; recommended) or
        "regression" (slope of log D~_c(n) against log n, Gottwald & Melbourne 2004).
    n_cut: largest displacement n (default N // 10, with N the subsampled length).
    """
    if not (isinstance(subsample, (int, np.integer)) and subsample >= 1):
        raise ValueError(f"subsample must be an integer >= 1, got {subsample!r}")
    if not (isinstance(n_c, (int, np.integer)) and n_c >= 1):
        raise ValueError(f"n_c must be an integer >= 1, got {n_c!r}")
    method = resolve_name(method, _METHODS, "method")
    if not (isinstance(threshold, (int, float, np.number)) and np.isfinite(threshold)):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    phi = as_series(x, min_length=100 * subsample)[::subsample]
    N = phi.size
    if n_cut is None:
        n_cut = N // 10
    elif not (isinstance(n_cut, (int, np.integer)) and 3 <= n_cut <= N // 2):
        raise ValueError(f"n_cut must be an integer between 3 and N/2 = {N // 2}, got {n_cut!r}")
    n_cut = int(n_cut)
    L = N - n_cut
    rng = np.random.default_rng(seed)
    c = rng.uniform(np.pi / 5, 4 * np.pi / 5, size=int(n_c))
    n = np.arange(1, n_cut + 1)

    mu = phi.mean()
    psi = phi - mu
    T = _lag_table(psi, n_cut, L)                               # (n_cut, n_cut), c-independent
    W = 2.0 * np.cos(np.outer(c, np.arange(n_cut)))
    W[:, 0] = 1.0
    D = (W @ T.T) / L                                           # M_c[psi](n), shape (n_c, n_cut)
    if mu != 0.0:
        D += 2.0 * mu * _cross_term(psi, c, n, L)                # = M_c[phi](n) - V_osc(c, n)

    K_c = _rowwise_corr(n.astype(float), D) if method == "correlation" else _rowwise_loglog_slope(n, D)
    K = float(np.median(K_c))
    return ZeroOneResult(K, bool(K > threshold), float(threshold), K_c, c)


def _zero_one_direct(x, c, n_cut: int | None = None):
    """D_c(n) straight from the definition (cumulative p_c, q_c and a loop over n); slow, for tests."""
    phi = np.asarray(x, dtype=float)
    N = phi.size
    n_cut = N // 10 if n_cut is None else n_cut
    L = N - n_cut
    c = np.atleast_1d(np.asarray(c, dtype=float))
    j = np.arange(N)
    p = np.cumsum(phi * np.cos(np.outer(c, j)), axis=1)
    q = np.cumsum(phi * np.sin(np.outer(c, j)), axis=1)
    n = np.arange(1, n_cut + 1)
    M = np.empty((c.size, n_cut))
    for i, lag in enumerate(n):
        M[:, i] = ((p[:, lag:lag + L] - p[:, :L]) ** 2 + (q[:, lag:lag + L] - q[:, :L]) ** 2).mean(axis=1)
    return M - phi.mean() ** 2 * (1 - np.cos(np.outer(c, n))) / (1 - np.cos(c))[:, None]


# ----------------------------------------------------------------------------- GALI
@dataclass
class GaliResult:
    t: np.ndarray
    gali: np.ndarray
    k: int
    chaotic: bool
    threshold: float
    decay_rate: float


@lru_cache(maxsize=64)
def _gali_program(key, n: int):
    """GALI_k along n intervals for a tangent-runner key, jitted once per configuration and
    length: (x0, V0, p) -> GALI at the end of each interval."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    from .lyapunov import _advance_of

    advance, interval = _advance_of(key), key[3]

    def run(x, V, p):
        def body(c, i):
            x, V = c
            x1, W = advance(x, V, i * interval, p)
            W = W / jnp.linalg.norm(W, axis=0)
            g = jnp.prod(jnp.linalg.svd(W, compute_uv=False))
            return (x1, W), g

        return lax.scan(body, (x, V), jnp.arange(n))[1]

    return jax.jit(run)


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

    from ..integrate.api import as_system, split_params
    from ..integrate.solvers import resolve_method

    system = as_system(system)
    if system.delay:
        raise ValueError("GALI is computed for flows and maps, not delay equations")
    if not (isinstance(k, (int, np.integer)) and 2 <= k <= system.dim):
        raise ValueError(f"k must be an integer between 2 and {system.dim}, got {k!r}")
    p, _, n_batch = split_params(system, params)
    if n_batch is not None:
        raise ValueError("batched parameters are not supported here; loop over parameter sets")
    period = float(system.period or 1.0)
    if system.discrete:
        interval = int(interval or 1)
        time = float(time or 10_000)
        key = ("map", system, k, interval)
    else:
        interval = float(interval or period / 10)
        time = float(time or 200 * period)
        key = ("flow", system, k, interval, resolve_method(system, method), float(rtol), float(atol), None)
    for name, v in (("time", time), ("interval", interval)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    n = max(int(round(time / interval)), 2)
    x0 = jnp.asarray(np.asarray(system.ic if x0 is None else x0, dtype=float))
    V0 = jax.random.normal(jax.random.key(int(seed)), (system.dim, k))
    V0 = V0 / jnp.linalg.norm(V0, axis=0)

    g = np.asarray(_gali_program(key, n)(x0, V0, p))
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
