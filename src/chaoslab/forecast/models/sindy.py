"""Sparse identification of nonlinear dynamics (SINDy; Brunton, Proctor & Kutz 2016, PNAS 113,
3932): x' = Theta(x) Xi with a sparse coefficient matrix Xi.

Derivatives: a central finite difference of order ``fd_order`` (default 8; no smoothing: the
data are taken as clean) on each training trajectory, sampled at ``dt``; its error is
O(dt^fd_order) times the (fd_order + 1)-th time derivative. The fd_order / 2 end points of each
trajectory, where the stencil does not fit, are not used. On Lorenz at dt = 0.005 the largest
relative coefficient error is 8e-8 (order 8), but at granularity 30 (dt = 0.05) it is 26%, 9.7%,
4.7%, 2.5% for orders 4, 6, 8, 10 (the unit y-coefficient of y'), and forecasts last only 2-3
Lyapunov times. So by default (``refine``) the thresholded fit is then refined by Gauss-Newton on
its non-zero coefficients to match the one-step flow map of the data (the function ``refine``): the
bias drops to O((dt / substeps)^4) — 7e-6 with 8 RK4 substeps, 5e-7 with 16 (the default) — and
the median valid time on Lorenz reaches the 13.6 Lyapunov-time horizon of the forecast test.

Library Theta(x): 1, every monomial of the state of degree 1..``poly_degree`` and, with ``trig``,
sin x_i and cos x_i. Regression: sequentially thresholded least squares (STLSQ, Brunton et
al.'s algorithm): a ridge fit, then, until the support stops changing (at most ``max_iter``
times), zero every coefficient with |Xi_ij| < ``threshold`` and refit the survivors. The
threshold applies to Xi in the original units (so ``equations()`` prints what was
thresholded); every fit is ``chaoslab.forecast.linalg.ridge`` with the absolute penalty
``alpha`` on the library columns scaled to unit root mean square (column scaling changes
nothing else in the fit). The default 3e-7 is the former relative 1e-10 times the ~3000 rows
of a default task's training data.

No silent blow-ups: a fit whose free runs leave the attractor (``chaoslab.forecast.base.
stability_check``: five validation horizons from the validation and training contexts, the one
divergence rule) is replaced by the bounded one of these that forecasts the validation windows
longest (median valid prediction time; the first bounded one without validation windows): the
fit before refinement, the thresholds 10 and 100 times larger (sparser models, refined), one
polynomial degree less. An alternative whose least squares cannot be solved is skipped; if none
stays bounded, the one with the fewest diverged runs is kept. ``chosen_["stability"]`` says which.
No fit raises from LAPACK: an ill-conditioned library is a one-line error naming what to change.

Forecasts integrate the discovered ODE from the last context point with chaoslab's integrator
(``chaoslab.ensemble``, Dormand-Prince); a rollout that diverges by the one rule of
``chaoslab.metrics.diverged_states`` (not finite, or farther than ``DIVERGENCE_SCALES``
attractor scales from the training mean) is NaN from that point (scored, not crashed).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations_with_replacement

import numpy as np

from ...integrate.api import ensemble
from ...metrics import DIVERGENCE_SCALES
from ...systems.base import System
from ..base import Forecaster, choose_stable, register
from ..dynamics import ModelStep
from ..linalg import ridge


def central_difference(x: np.ndarray, dt: float, order: int) -> np.ndarray:
    """dx/dt at the interior points of x (..., T, d) by the central difference of even ``order``
    (stencil -m..m, m = order / 2; weights solve sum_j w_j j^k = [k == 1], k = 0..2m) -> (..., T - 2m, d)."""
    m = order // 2
    j = np.arange(-m, m + 1)
    w = np.linalg.solve(np.vander(j, increasing=True).T.astype(float), np.eye(2 * m + 1)[1])
    T = x.shape[-2]
    return sum(wk * x[..., m + k : T - m + k, :] for k, wk in zip(j, w) if wk != 0) / dt


def monomials(d: int, degree: int) -> list[np.ndarray]:
    """Index tuples of every monomial of d variables, degree 1..degree (graded, lexicographic)."""
    return [np.array(c) for p in range(1, degree + 1) for c in combinations_with_replacement(range(d), p)]


def library(x, combos, trig: bool, xp=np):
    """Theta(x) (..., n_terms): 1, the monomials ``combos``, then sin x_i, cos x_i with ``trig``."""
    parts = [xp.ones(x.shape[:-1] + (1,))]
    by_degree: dict[int, list] = {}
    for c in combos:
        by_degree.setdefault(len(c), []).append(c)
    for p in sorted(by_degree):
        parts.append(xp.prod(x[..., np.stack(by_degree[p])], axis=-1))
    if trig:
        parts += [xp.sin(x), xp.cos(x)]
    return xp.concatenate(parts, axis=-1)


@lru_cache(maxsize=32)
def _ode(d: int, degree: int, trig: bool) -> System:
    """x' = Theta(x) xi as a chaoslab System (one per library, so compiled solvers are reused)."""
    import jax.numpy as jnp

    combos = monomials(d, degree)
    n = 1 + len(combos) + (2 * d if trig else 0)
    return System(name=f"SINDy(d={d}, degree={degree}, trig={trig})", dim=d,
                  fn=lambda x, t, xi: library(x, combos, trig, jnp) @ xi, params={"xi": np.zeros((n, d))})


@lru_cache(maxsize=32)
def _map_step(d: int, degree: int, trig: bool, substeps: int):
    """One output step of the discovered ODE (``substeps`` RK4 steps of size h) as a pure map
    (x, {"xi": coefficients, "h": step}) -> next x, one function per library (``as_map``)."""
    import jax.numpy as jnp
    from jax import lax

    combos = monomials(d, degree)

    def step(x, w):
        xi, h = w["xi"], w["h"]
        f = lambda x: library(x, combos, trig, jnp) @ xi

        def rk4(x, _):
            k1 = f(x)
            k2 = f(x + h / 2 * k1)
            k3 = f(x + h / 2 * k2)
            k4 = f(x + h * k3)
            return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), None

        return lax.scan(rk4, x, None, length=substeps)[0]

    return step


def stlsq(theta: np.ndarray, dxdt: np.ndarray, threshold: float, alpha: float, max_iter: int = 20) -> np.ndarray:
    """Sequentially thresholded (ridge) least squares: Xi (n_terms, d) with theta @ Xi ~ dxdt;
    each fit is ``ridge`` with the absolute penalty ``alpha`` on unit-RMS library columns."""
    big = np.max(np.abs(theta), axis=0) + 1e-300  # the root mean square without overflowing the squares
    scale = big * np.sqrt(np.mean((theta / big) ** 2, axis=0)) + 1e-300
    A = theta / scale

    def fit(cols, y):
        return ridge(A[:, cols], y, alpha) / scale[cols]

    xi = np.zeros((theta.shape[1], dxdt.shape[1]))
    keep = np.ones_like(xi, dtype=bool)
    for _ in range(max_iter):
        for k in range(xi.shape[1]):
            xi[:, k] = 0.0
            if keep[:, k].any():
                xi[keep[:, k], k] = fit(keep[:, k], dxdt[:, k])
        new = keep & (np.abs(xi) >= threshold)
        if (new == keep).all():
            break
        keep = new
    return np.where(keep, xi, 0.0)


@lru_cache(maxsize=32)
def _misfit(d: int, degree: int, trig: bool, substeps: int):
    """Compiled (xi, x0, x1, w, h, tangents) -> (r, J): the weighted one-step residual of the
    model's flow map (``substeps`` RK4 steps of size h) and its derivatives along ``tangents``
    (P, *xi.shape), forward mode (P is small: the non-zero coefficients)."""
    import jax
    import jax.numpy as jnp

    combos = monomials(d, degree)

    def residual(xi, x0, x1, w, h):
        f = lambda x: library(x, combos, trig, jnp) @ xi

        def rk4(_, x):
            k1 = f(x)
            k2 = f(x + 0.5 * h * k1)
            k3 = f(x + 0.5 * h * k2)
            k4 = f(x + h * k3)
            return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

        return ((jax.lax.fori_loop(0, substeps, rk4, x0) - x1) * w).ravel()

    def value_and_jac(xi, x0, x1, w, h, tangents):
        r = lambda c: residual(c, x0, x1, w, h)
        return r(xi), jax.vmap(lambda t: jax.jvp(r, (xi,), (t,))[1], out_axes=1)(tangents)

    return jax.jit(value_and_jac)


def refine(coef: np.ndarray, train: np.ndarray, dt: float, degree: int, trig: bool, substeps: int,
           iters: int = 20) -> np.ndarray:
    """Gauss-Newton on the non-zero coefficients (the support stays): minimise the one-step
    misfit sum_k |(phi_dt(x_k) - x_{k+1}) / std|^2, phi_dt the model's flow map by ``substeps``
    RK4 steps. Finite differences of coarse samples bias Xi by O(dt^fd_order); this removes it.
    Each step is the minimum-norm least-squares solution (``ridge`` with alpha = 0). A ``coef``
    whose flow map is not finite over one step of the data has nothing to refine: it is returned
    as it is (its forecasts then diverge and are scored so)."""
    d = train.shape[-1]
    fn = _misfit(d, degree, trig, substeps)
    args = (train[:, :-1].reshape(-1, d), train[:, 1:].reshape(-1, d),
            1.0 / (train.reshape(-1, d).std(0) + 1e-300), dt / substeps)
    keep = np.flatnonzero(coef)
    tangents = np.zeros((-(-keep.size // 8) * 8, coef.size))  # padded to a multiple of 8: fewer compilations
    tangents[np.arange(keep.size), keep] = 1.0
    tangents = tangents.reshape(-1, *coef.shape)

    def eval_(c):
        r, J = fn(c, *args, tangents)
        return np.asarray(r), np.asarray(J)[:, : keep.size]

    finite = lambda r, J: bool(np.all(np.isfinite(r)) and np.all(np.isfinite(J)))
    with np.errstate(over="ignore", invalid="ignore"):
        r, J = eval_(coef)
    if not finite(r, J):
        return coef
    cost = r @ r
    for _ in range(iters):
        step = np.zeros(coef.size)
        try:
            step[keep] = ridge(J, r, 0.0)
        except ValueError:  # a Jacobian too ill-conditioned to solve: the refinement stops where it is
            break
        for lam in (1.0, 0.5, 0.25, 0.125):  # a step that does not lower the misfit is shortened
            trial = coef - lam * step.reshape(coef.shape)
            with np.errstate(over="ignore", invalid="ignore"):
                r_new, J_new = eval_(trial)
                new = r_new @ r_new
            if finite(r_new, J_new) and new < cost:
                break
        else:
            break
        coef, r, J, done, cost = trial, r_new, J_new, cost - new <= 1e-12 * cost, new
        if done:
            break
    return coef


@register("sindy")
class SINDy(Forecaster):
    """Sparse polynomial (and trigonometric) ODE by STLSQ, integrated to forecast (module docstring)."""

    description = "SINDy: sparse regression of the vector field on a polynomial library, integrated"
    search_space = {"threshold": [0.01, 0.05, 0.1, 0.5], "alpha": [3e-7, 3e-3, 3.0]}
    needs_dt = "its derivatives, equations and forecasts"

    def __init__(self, poly_degree: int = 2, trig: bool = False, threshold: float = 0.1, alpha: float = 3e-7,
                 fd_order: int = 8, max_iter: int = 20, refine: bool = True, substeps: int = 16, seed: int = 0):
        super().__init__(seed=seed, poly_degree=int(poly_degree), trig=bool(trig), threshold=float(threshold),
                         alpha=float(alpha), fd_order=int(fd_order), max_iter=int(max_iter),
                         refine=bool(refine), substeps=int(substeps))
        if self.poly_degree < 1:
            raise ValueError(f"poly_degree must be >= 1, got {poly_degree}")
        if self.fd_order < 4 or self.fd_order % 2:
            raise ValueError(f"fd_order must be an even integer >= 4, got {fd_order}")
        if not (self.threshold >= 0 and 0 <= self.alpha < np.inf):
            raise ValueError(f"threshold must be >= 0 and alpha a finite number >= 0, got threshold={threshold}, "
                             f"alpha={alpha}")

    def fit(self, train, val=None, *, dt):
        if train.shape[1] <= self.fd_order + 1:
            raise ValueError(f"training trajectories have {train.shape[1]} points; sindy needs more than "
                             f"{self.fd_order + 1} (fd_order {self.fd_order})")
        d, m = train.shape[-1], self.fd_order // 2
        self.dt_ = float(dt)
        self.combos_ = monomials(d, self.poly_degree)
        self.degree_ = self.poly_degree  # the library's degree (lowered if that degree's fits blow up)
        dxdt = central_difference(train, dt, self.fd_order).reshape(-1, d)
        with np.errstate(over="ignore", invalid="ignore"):
            theta = library(train[:, m:-m].reshape(-1, d), self.combos_, self.trig)
        if not np.all(np.isfinite(theta)):
            raise ValueError(f"sindy: the degree-{self.poly_degree} library of the training data overflows (values up "
                             f"to {np.abs(train).max():.3g}); rescale the data or lower poly_degree")
        try:
            self.coef_ = stlsq(theta, dxdt, self.threshold, self.alpha, self.max_iter)  # (n_terms, d)
        except ValueError as e:
            raise ValueError(f"sindy: the degree-{self.poly_degree} library of the training data cannot be fitted "
                             f"({e}); lower poly_degree or raise alpha") from None
        self.coef_fd_ = self.coef_.copy()
        if self.refine and self.coef_.any():
            self.coef_ = refine(self.coef_, train, dt, self.poly_degree, self.trig, self.substeps)
        # the integrator stops a member once a coordinate passes this; it lies outside the ball of
        # the one divergence rule, so the rule (applied to every forecast) decides where NaN starts
        self.bound_ = float(np.max(np.abs(self.train_mean_)) + DIVERGENCE_SCALES * self.train_scale_)
        self.chosen_ = {}
        self._keep_bounded(train, val, theta, dxdt)
        return self

    def _keep_bounded(self, train, val, theta, dxdt) -> None:
        """Replace an unbounded fit by the bounded alternative that forecasts the validation
        windows longest (module docstring; ``chaoslab.forecast.base.choose_stable``)."""
        scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
        degree = self.poly_degree

        def fit(threshold, p, refined=True):
            combos = monomials(train.shape[-1], p)
            cols = [0] + [1 + i for i, c in enumerate(self.combos_) if len(c) <= p]
            if self.trig:
                cols += list(range(1 + len(self.combos_), theta.shape[1]))
            coef = stlsq(theta[:, cols], dxdt, threshold, self.alpha, self.max_iter)
            if refined and self.refine and coef.any():
                coef = refine(coef, train, self.dt_, p, self.trig, self.substeps)
            return coef, combos, p

        fitted = {"as fitted": (self.coef_, self.combos_, degree)}
        options = {}
        if self.refine:
            options["before refinement"] = lambda: (self.coef_fd_, fitted["as fitted"][1], degree)
        for f in (10.0, 100.0):
            options[f"threshold {f * self.threshold:.3g}"] = lambda f=f: fit(f * self.threshold, degree)
        if degree > 1:
            options[f"degree {degree - 1}"] = lambda: fit(self.threshold, degree - 1)

        def build(what):
            if what not in fitted:
                with np.errstate(all="ignore"):
                    fitted[what] = options[what]()
            self.coef_, self.combos_, self.degree_ = fitted[what]
            return self.predict

        c = choose_stable([["as fitted"], list(options)], build, train, val, 1, self.train_mean_, scale, self.dt_)
        self.coef_, self.combos_, self.degree_ = fitted[c.key]
        if c.key == "as fitted" and c.bounded:
            return
        self.chosen_["stability"] = (
            f"kept the fit {c.key} (the bounded alternative with the longest validation forecast): the fit as asked "
            "left the attractor in free runs" if c.bounded else
            f"no alternative stays bounded: kept the fit {c.key}, {c.diverged} of {c.runs} free runs leave the attractor")

    def rhs(self, x: np.ndarray) -> np.ndarray:
        """The discovered vector field at states x (..., d)."""
        return library(np.asarray(x, dtype=np.float64), self.combos_, self.trig) @ self.coef_

    def term_names(self, names: list[str] | None = None) -> list[str]:
        names = names or default_names(self.coef_.shape[1])
        mono = [" ".join(names[i] if c.count(i) == 1 else f"{names[i]}^{c.count(i)}" for i in sorted(set(c)))
                for c in (tuple(c) for c in self.combos_)]
        trig = [f"{f}({v})" for f in ("sin", "cos") for v in names] if self.trig else []
        return ["1", *mono, *trig]

    def equations(self, names: list[str] | None = None, precision: int = 3) -> list[str]:
        """The discovered equations, e.g. ``x' = -10.000 x + 10.000 y``."""
        names = names or default_names(self.coef_.shape[1])
        terms = self.term_names(names)
        out = []
        for k, v in enumerate(names):
            s = ""
            for c, t in zip(self.coef_[:, k], terms):
                if c == 0:
                    continue
                num = f"{abs(c):.{precision}f}" + ("" if t == "1" else f" {t}")
                s += (f"-{num}" if c < 0 else num) if not s else (f" - {num}" if c < 0 else f" + {num}")
            out.append(f"{v}' = {s or '0'}")
        return out

    def as_map(self, context):
        import jax.numpy as jnp

        step = _map_step(self.coef_.shape[1], self.degree_, self.trig, self.substeps)
        weights = {"xi": jnp.asarray(self.coef_), "h": jnp.asarray(self.dt_ / self.substeps)}
        return ModelStep(step, weights), np.asarray(context)[-1]

    def predict(self, context, horizon):
        d = context.shape[-1]
        system = _ode(d, self.degree_, self.trig)
        with np.errstate(over="ignore", invalid="ignore"):
            ens = ensemble(system, horizon + 1, x0=context[:, -1], dt=self.dt_, params={"xi": self.coef_},
                           bound=self.bound_)
        x = ens.x[:, 1:].copy()
        for i in np.flatnonzero(~ens.valid):  # NaN from the first bad point on
            x[i, max(int(round((ens.diverged_at[i] - ens.t[0]) / self.dt_)) - 1, 0) :] = np.nan
        return x


def default_names(d: int) -> list[str]:
    return list("xyz")[:d] if d <= 3 else [f"x{i}" for i in range(d)]
