"""Linear (Koopman) models: dynamic mode decomposition and its extension to a dictionary.

DMD (Schmid 2010, J. Fluid Mech. 656, 5; exact DMD, Tu, Rowley, Luchtenburg, Brunton & Kutz
2014, J. Comput. Dyn. 1, 391): snapshot matrices X = [z_0 ... z_{m-1}], Y = [z_1 ... z_m] of
the state z, or with ``delays`` = q > 1 of the delay vector z_t = (x_t, x_{t-1}, ..., x_{t-q+1})
(Hankel DMD: a scalar signal that is a sum of r sinusoids needs q = 2r). With the SVD
X = U S V* truncated to ``rank`` r, A~ = U* Y V S^-1 (r x r); its eigenvalues are the
discrete-time DMD eigenvalues, mu / dt their continuous-time logs, and Phi = Y V S^-1 W the
exact DMD modes. Forecasts iterate the exact DMD operator A = Y V S^-1 U* on the last delay vector.
No silent blow-ups (DMD): where its free runs leave the attractor
(``chaoslab.forecast.base.choose_stable``), the eigenvalues of A~ outside the unit circle are
pulled onto it and forecasts iterate the projected operator U A~' U* (its growing modes made
neutral: bounded); ``eigenvalues_`` are then the moved ones and ``chosen_["stability"]`` says so.

EDMD (Williams, Kevrekidis & Rowley 2015, J. Nonlinear Sci. 25, 1307): a dictionary
psi(x) = (1, x, monomials of degree 2..``degree``) of the standardised state (or, with
``dictionary="rff"``, random Fourier features sqrt(2/n) cos(w.x + b), or with "rbf" Gaussian
bumps at training states; both seeded). K = (G + alpha I)^-1 A with G = Psi_X* Psi_X,
A = Psi_X* Psi_Y (their eq. 11 times the number of snapshot pairs m, ridge-regularised): the ridge
regression ``chaoslab.forecast.linalg.ridge(Psi_X, Psi_Y, alpha)``, alpha absolute (the default
3e-7 is the former per-snapshot 1e-10 times the ~3000 pairs of a default task; alpha = 0 is the
minimum-norm least-squares K), so psi(x_{t+1}) ~ psi(x_t) K. The
eigenvalues of K approximate Koopman eigenvalues, exactly so on an invariant subspace of the
dictionary. Forecasts iterate psi <- psi K and read the state from the linear part of psi.
Standardising the state is an affine change of variables: for the polynomial dictionary it
spans the same functions, so the eigenvalues of K do not change.

No silent blow-ups (EDMD): a K whose free runs leave the attractor
(``chaoslab.forecast.base.choose_stable``) is refitted with alpha 1e2, 1e4, 1e6 times larger, then
(polynomial dictionary) one degree less, and last with the eigenvalues of K that lie outside the
unit circle pulled onto it (its growing modes made neutral: iterating K stays bounded);
``degree_``, ``alpha_`` and ``chosen_["stability"]`` say what was kept.
"""

from __future__ import annotations

import numpy as np

from ...systems.base import resolve_name
from ..base import Forecaster, choose_stable, register
from ..dynamics import ModelStep
from ..linalg import ridge
from .sindy import monomials

ALPHA_STEPS = (1e2, 1e4, 1e6)  # EDMD's stronger penalties, times alpha, for a fit whose free runs blow up


def _left_multiply(z, w):
    """DMD's step z -> A z as a pure map of z and the weights {"A": A} (``as_map``)."""
    return w["A"] @ z


def _right_multiply(p, w):
    """EDMD's step psi -> psi K as a pure map of psi and the weights {"K": K} (``as_map``)."""
    return p @ w["K"]


def _pulled_in(mu: np.ndarray) -> np.ndarray:
    """Eigenvalues with every |mu| > 1 scaled onto the unit circle (growing modes made neutral)."""
    return mu / np.maximum(np.abs(mu), 1.0)


def _inside_unit_circle(K: np.ndarray) -> np.ndarray:
    """K = V diag(mu) V^-1 with every |mu| > 1 scaled to 1 (the modes that grow are kept as
    neutral ones): iterating it stays bounded. A ValueError (so not a candidate) when K is too
    far from diagonalisable for its eigenvectors to be trusted."""
    mu, V = np.linalg.eig(K)
    if np.all(np.abs(mu) <= 1.0):
        return K
    if not np.isfinite(np.linalg.cond(V)) or np.linalg.cond(V) > 1e8:
        raise ValueError("the Koopman matrix is too far from diagonalisable to move its eigenvalues")
    return np.real(V @ np.diag(_pulled_in(mu)) @ np.linalg.inv(V))


def _continuous(eig: np.ndarray, dt: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(eig.astype(complex)) / dt


@register("dmd")
class DMD(Forecaster):
    """Exact DMD, optionally on delay vectors (Hankel DMD); see the module docstring."""

    description = "dynamic mode decomposition (exact DMD, optional delay embedding)"
    search_space = {"delays": [1, 4, 16, 32], "rank": [None, 10, 30]}
    needs_dt = "its continuous-time eigenvalues (log(mu) / dt)"

    def __init__(self, rank: int | None = None, delays: int = 1, seed: int = 0):
        super().__init__(seed=seed, rank=None if rank is None else int(rank), delays=int(delays))
        if self.delays < 1 or (self.rank is not None and self.rank < 1):
            raise ValueError(f"delays and rank must be >= 1, got delays={delays}, rank={rank}")

    @property
    def memory(self) -> int:
        """Context points a forecast needs: one delay vector."""
        return self.delays

    def _embed(self, x: np.ndarray) -> np.ndarray:
        """(n, T, d) -> delay vectors (n, T - q + 1, q d), newest first."""
        q, T = self.delays, x.shape[1]
        return np.concatenate([x[:, q - 1 - j : T - j] for j in range(q)], axis=-1)

    def fit(self, train, val=None, *, dt):
        self.dt_ = float(dt)
        z = self._embed(train)
        X = z[:, :-1].reshape(-1, z.shape[-1]).T
        Y = z[:, 1:].reshape(-1, z.shape[-1]).T
        U, s, Vh = np.linalg.svd(X, full_matrices=False)
        r = int(np.sum(s > s[0] * max(X.shape) * np.finfo(float).eps)) if s[0] > 0 else 1
        r = min(r, self.rank) if self.rank is not None else r
        U, s, V = U[:, :r], s[:r], Vh[:r].conj().T
        YVS = Y @ V / s
        self.A_tilde_ = U.conj().T @ YVS
        self.eigenvalues_, W = np.linalg.eig(self.A_tilde_)
        self.modes_ = YVS @ W  # exact DMD modes
        exact = YVS @ U.conj().T  # the exact DMD operator on delay vectors

        def build(neutral):  # the exact operator, or the projected one with its growing modes made neutral
            self.operator_ = U @ _inside_unit_circle(self.A_tilde_) @ U.conj().T if neutral else exact
            return self.predict

        scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
        c = choose_stable([[False], [True]], build, train, val, self.delays, self.train_mean_, scale, self.dt_)
        build(c.key)
        self.chosen_ = {}
        if c.key:
            self.eigenvalues_ = _pulled_in(self.eigenvalues_)
            self.chosen_["stability"] = ("eigenvalues pulled inside the unit circle: the exact operator's free runs "
                                         "left the attractor" if c.bounded else "no candidate stays bounded: kept "
                                         f"the eigenvalues pulled inside the unit circle, {c.diverged} of {c.runs} "
                                         "free runs leave the attractor")
        elif not c.bounded:
            self.chosen_["stability"] = (f"no candidate stays bounded: kept the exact operator, {c.diverged} of "
                                         f"{c.runs} free runs leave the attractor")
        return self

    @property
    def continuous_eigenvalues_(self) -> np.ndarray:
        """log(mu) / dt: growth rates (real part) and angular frequencies (imaginary part)."""
        return _continuous(self.eigenvalues_, self.dt_)

    def as_map(self, context):
        import jax.numpy as jnp

        A = jnp.asarray(np.real_if_close(self.operator_, tol=1e6).real)
        return ModelStep(_left_multiply, {"A": A}), self._embed(np.asarray(context)[None, -self.delays :])[0, 0]

    def predict(self, context, horizon):
        z = self._embed(context[:, -self.delays :])[:, 0]
        d = context.shape[-1]
        out = np.empty((len(context), horizon, d))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging rollout is scored, not crashed
            for h in range(horizon):
                z = z @ self.operator_.T
                out[:, h] = z[:, :d]
        return out


@register("edmd")
class EDMD(Forecaster):
    """Extended DMD: a Koopman matrix on a dictionary of observables; see the module docstring."""

    description = "extended DMD (Koopman matrix on polynomial or random-feature observables)"
    search_space = {"degree": [2, 3, 4], "alpha": [3e-7, 3e-3, 3.0]}
    needs_dt = "its continuous-time eigenvalues (log(lambda) / dt)"

    def __init__(self, degree: int = 3, alpha: float = 3e-7, dictionary: str = "poly", n_features: int = 200,
                 bandwidth: float = 1.0, seed: int = 0):
        super().__init__(seed=seed, degree=int(degree), alpha=float(alpha),
                         dictionary=resolve_name(dictionary, ("poly", "rff", "rbf"), "dictionary"),
                         n_features=int(n_features), bandwidth=float(bandwidth))
        if self.degree < 1:
            raise ValueError(f"degree must be >= 1, got {degree}")
        if not (0 <= self.alpha < np.inf and self.n_features >= 1 and self.bandwidth > 0):
            raise ValueError("a finite alpha >= 0, n_features >= 1 and bandwidth > 0 are required")

    def psi(self, x: np.ndarray) -> np.ndarray:
        """The dictionary at states x (..., d): (..., n_obs); columns 1..d are the standardised state."""
        z = (np.asarray(x, dtype=np.float64) - self.mu_) / self.sigma_
        parts = [np.ones(z.shape[:-1] + (1,)), z]
        if self.dictionary == "poly":
            parts += [np.prod(z[..., c], axis=-1, keepdims=True) for c in self.combos_ if len(c) > 1]
        elif self.dictionary == "rff":
            parts.append(np.sqrt(2.0 / self.n_features) * np.cos(z @ self.omega_ + self.phase_))
        else:
            parts.append(np.exp(-np.sum((z[..., None, :] - self.centres_) ** 2, -1) / (2 * self.bandwidth**2)))
        return np.concatenate(parts, axis=-1)

    def fit(self, train, val=None, *, dt):
        d = train.shape[-1]
        flat = train.reshape(-1, d)
        self.dt_ = float(dt)
        self.mu_, self.sigma_ = flat.mean(0), flat.std(0) + 1e-300
        rng = np.random.default_rng(self.seed)
        if self.dictionary == "poly":
            self.combos_ = monomials(d, self.degree)
        elif self.dictionary == "rff":
            self.omega_ = rng.normal(0.0, 1.0 / self.bandwidth, (d, self.n_features))
            self.phase_ = rng.uniform(0.0, 2 * np.pi, self.n_features)
        else:
            pick = rng.choice(len(flat), size=min(self.n_features, len(flat)), replace=False)
            self.centres_ = (flat[pick] - self.mu_) / self.sigma_
        all_combos = self.combos_ if self.dictionary == "poly" else None

        def build(key):
            degree, alpha, clip = key
            if all_combos is not None:
                self.combos_ = [c for c in all_combos if len(c) <= degree]
            PX = self.psi(train[:, :-1]).reshape(-1, self._n_obs(d))
            PY = self.psi(train[:, 1:]).reshape(-1, self._n_obs(d))
            K = ridge(PX, PY, alpha)
            self.K_, self.degree_, self.alpha_ = (_inside_unit_circle(K) if clip else K), degree, alpha
            return self.predict

        # no silent blow-ups: the asked-for penalty, then 1e2, 1e4, 1e6 times it, then one degree
        # less; last, K with its eigenvalues pulled inside the unit circle (a bounded linear map)
        base = self.alpha if self.alpha > 0 else 1e-8
        alphas = [self.alpha] + [base * f for f in ALPHA_STEPS]
        degrees = [self.degree] + ([self.degree - 1] if self.dictionary == "poly" and self.degree > 1 else [])
        tiers = [[(p, a, False)] for p in degrees for a in alphas] + [[(p, self.alpha, True) for p in degrees]]
        scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
        c = choose_stable(tiers, build, train, val, 1, self.train_mean_, scale, self.dt_)
        build(c.key)
        self.chosen_ = {}
        if c.key != (self.degree, self.alpha, False):
            what = f"degree {c.key[0]}, alpha {c.key[1]:.3g}" + (", eigenvalues pulled inside the unit circle"
                                                                  if c.key[2] else "")
            self.chosen_["stability"] = (f"kept {what}: at the asked-for degree and alpha its free runs left the "
                                         "attractor" if c.bounded else f"no candidate stays bounded: kept {what}, "
                                         f"{c.diverged} of {c.runs} free runs leave the attractor")
        self.eigenvalues_ = np.linalg.eigvals(self.K_)
        return self

    def _n_obs(self, d: int) -> int:
        return 1 + d + (len(self.combos_) - d if self.dictionary == "poly" else self.n_features
                        if self.dictionary == "rff" else len(self.centres_))

    @property
    def continuous_eigenvalues_(self) -> np.ndarray:
        """log(lambda) / dt of the Koopman eigenvalues."""
        return _continuous(self.eigenvalues_, self.dt_)

    def as_map(self, context):
        import jax.numpy as jnp

        return ModelStep(_right_multiply, {"K": jnp.asarray(self.K_)}), self.psi(np.asarray(context)[-1:])[0]

    def predict(self, context, horizon):
        d = context.shape[-1]
        p = self.psi(context[:, -1])
        out = np.empty((len(context), horizon, d))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging rollout is scored, not crashed
            for h in range(horizon):
                p = p @ self.K_
                out[:, h] = p[:, 1 : d + 1]
        return out * self.sigma_ + self.mu_
