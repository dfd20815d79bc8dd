"""Ridge regression on a delay embedding: linear autoregression (degree 1) and next-generation
reservoir computing (NVAR, degree 2; Gauthier, Bollt, Griffith & Barbosa 2021, Nat. Commun. 12,
5564).

Features of the time t: a constant, the k delayed states x_t, x_{t-s}, ..., x_{t-(k-1)s}
(standardised by the training mean and std) and, for NVAR, every unique monomial of those up to
``degree``; the target is the standardised increment x_{t+1} - x_t (as in Gauthier et al.). The
readout is ``chaoslab.forecast.linalg.ridge`` with penalty ``ridge`` (absolute, scikit-learn's
convention); forecasts iterate it from the last (k-1)s + 1 context states.

``degree=None`` (NVAR's default) chooses it: Gauthier et al. use 2 at a fine step, but at
granularity 30 the one-step map needs more (below), while degree 4 makes some systems' rollouts
leave the training range and blow up. Given validation windows, each degree from 2 to
``auto_degree`` is fitted and the one with the longest median valid time on them kept (ties: the
lower); without them, ``auto_degree``. The fit says which and why, in the repr
(``NVAR(..., degree=4 chosen by median validation VPT among 2..4, ...)``, from ``chosen_``) and
in an INFO record of the ``chaoslab.forecast.models.delay_regression`` logger.
No silent blow-ups: the configuration fitted is one whose free-running rollouts stay bounded.
Every candidate (each degree when it is chosen, and the ridge penalty ``ridge``, then 100 and
10^4 times it) is checked by ``chaoslab.forecast.base.stability_check`` (free runs of five
validation horizons from the validation and training contexts, under the one divergence rule).
The best bounded candidate is kept (by median validation VPT; ties: lower degree, smaller
penalty); the last resort is the linear part alone (degree 1; the linear autoregression's only
degree) at the same penalties and then at 10^6 to 10^12 times ``ridge``, which shrink the
increment's readout toward zero and the model toward persistence (x_{t+1} = x_t, bounded): a
model fitted on too little of the attractor degrades to a forecast that stays put rather than
one that leaves. If none stays bounded, the one with the fewest diverged rollouts, and
``chosen_["stability"]`` says so.
``sample`` iterates it with Gaussian innovations whose covariance is that of the one-step
training residuals (a linear model with them is the classical Gaussian vector autoregression).
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache
from itertools import combinations_with_replacement

import jax
import jax.numpy as jnp
import numpy as np

from ..base import Forecaster, choose_stable, innovation_factor, register
from ..dynamics import ModelStep
from ..linalg import ridge

log = logging.getLogger(__name__)

RIDGE_STEPS = (1.0, 1e2, 1e4)  # the penalties tried: ridge times these
PERSISTENCE_STEPS = (1e6, 1e8, 1e10, 1e12)  # the linear last resort's further penalties, toward persistence


class DelayRegression(Forecaster):

    def __init__(self, k: int = 2, skip: int = 1, ridge: float = 1e-6, degree: int | None = 1, seed: int = 0):
        super().__init__(seed=seed, k=int(k), skip=int(skip), ridge=float(ridge), degree=degree)
        if self.k < 1 or self.skip < 1 or (degree is not None and int(degree) < 1):
            raise ValueError(f"k, skip and degree must be >= 1, got k={k}, skip={skip}, degree={degree}")
        if not 0 <= self.ridge < math.inf:
            raise ValueError(f"ridge must be a finite number >= 0, got {ridge}")

    @property
    def memory(self) -> int:
        """Context points a forecast needs."""
        return (self.k - 1) * self.skip + 1

    def _features(self, hist: np.ndarray) -> np.ndarray:
        """hist (..., memory, d) standardised -> features (..., n_features)."""
        return _delay_features(hist, self.k, self.skip, self.degree_)

    def fit(self, train, val=None, *, dt=1.0):
        self.chosen_ = {}
        degrees = [self.degree] if self.degree is not None else list(range(2, auto_degree(self.k * train.shape[-1]) + 1))
        has_val = val is not None and len(val) > 0
        if self.degree is None and not has_val:
            degrees = degrees[-1:]  # the largest (at most 500 features): nothing to choose by
        degree, penalty, note = self._choose(train, val if has_val else None, dt, degrees)
        self.ridge_ = penalty
        if self.degree is None:
            why = (f" chosen by median validation VPT among 2..{degrees[-1]}" if has_val else
                   ", the largest (at most 500 features); no validation windows to choose by")
            if degree not in degrees:
                why = f": the linear part alone, the polynomial degrees 2..{degrees[-1]} left the attractor"
            self.chosen_["degree"] = f"{degree}{why}"
            log.info("%s: degree=%d%s", self.name, degree, why)
        if note:
            self.chosen_["stability"] = note
            log.info("%s: %s", self.name, note)
        return self._fit_one(train, degree, penalty)

    def _fit_one(self, train, degree: int, penalty: float):
        """The ridge readout for one degree and penalty (the fit proper)."""
        m = self.memory
        self.degree_ = degree
        self.mu_ = train.reshape(-1, train.shape[-1]).mean(0)
        self.sigma_ = train.reshape(-1, train.shape[-1]).std(0) + 1e-12
        z = (train - self.mu_) / self.sigma_
        T = z.shape[1]
        idx = np.arange(m - 1, T - 1)  # times t with a full history and a next point
        hist = np.stack([z[:, t - m + 1 : t + 1] for t in idx], axis=1)  # (n, samples, m, d)
        F = self._features(hist)
        F = F.reshape(-1, F.shape[-1])
        Y = (z[:, idx + 1] - z[:, idx]).reshape(-1, z.shape[-1])
        self.W_ = ridge(F, Y, penalty)
        self.innovation_ = innovation_factor(Y - F @ self.W_)
        return self

    def _choose(self, train, val, dt, degrees) -> tuple[int, float, str]:
        """(degree, penalty, note): the best candidate whose stability-check rollouts stay
        bounded (module docstring; ``chaoslab.forecast.base.choose_stable``); ``note`` says when
        the penalty was raised or nothing was."""
        scale = self.train_scale_ if math.isfinite(self.train_scale_) else np.inf
        base = self.ridge if self.ridge > 0 else 1e-8
        penalties = [self.ridge] + [base * f for f in RIDGE_STEPS[1:]]

        def build(key):
            trial = self._fit_one(train, *key)
            return lambda c, k: trial._rollout(trial._history(c), k)

        tiers = [[(p, penalty) for p in degrees] for penalty in penalties] if min(degrees) > 1 else []
        # the last resort: the linear part alone (degree 1, a linear autoregression), its penalty
        # raised on toward persistence (the readout shrinks to 0: x_{t+1} = x_t)
        tiers += [[(1, penalty)] for penalty in penalties + [base * f for f in PERSISTENCE_STEPS]]
        c = choose_stable(tiers, build, train, val, self.memory, self.train_mean_, scale, dt)
        (degree, penalty) = c.key
        if c.bounded:
            note = "" if penalty == self.ridge else (f"ridge raised to {penalty:.3g}: at {self.ridge:.3g} every "
                                                     "candidate's rollouts left the attractor")
            if degree not in degrees:
                note = (f"degree {degree} (the linear part alone), ridge {penalty:.3g}: every polynomial candidate's "
                        "rollouts left the attractor")
            return degree, penalty, note
        return degree, penalty, (f"no candidate stays bounded: {c.diverged} of {c.runs} stability rollouts of the "
                                 f"kept one (degree {degree}, ridge {penalty:.3g}) leave the attractor")

    def _history(self, context):
        return (context[:, -self.memory :] - self.mu_) / self.sigma_

    def _rollout(self, hist, horizon, rng=None):
        out = np.empty((len(hist), horizon, hist.shape[-1]))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging rollout turns inf/NaN: scored, not crashed
            for h in range(horizon):
                nxt = hist[:, -1] + self._features(hist) @ self.W_
                if rng is not None:
                    nxt = nxt + rng.standard_normal(nxt.shape) @ self.innovation_.T
                out[:, h] = nxt
                hist = np.concatenate([hist[:, 1:], nxt[:, None]], axis=1)
        return out * self.sigma_ + self.mu_

    def predict(self, context, horizon):
        return self._rollout(self._history(context), horizon)

    def sample(self, context, horizon, n, seed):
        hist = self._history(context)
        out = self._rollout(np.repeat(hist, n, axis=0), horizon, np.random.default_rng(seed))
        return out.reshape(len(hist), n, horizon, hist.shape[-1])

    def as_map(self, context):
        m = self.memory
        step = ModelStep(_map_step(self.k, self.skip, self.degree_), {"W": jnp.asarray(self.W_)})
        return step, ((np.asarray(context)[-m:] - self.mu_) / self.sigma_).reshape(-1)


def _delay_features(hist, k: int, skip: int, degree: int):
    """hist (..., memory, d) standardised -> features (..., n_features): 1, the k delayed states
    x_t, x_{t-s}, ... and their monomials of degree 2..degree."""
    lin = hist[..., ::-1, :][..., :: skip, :][..., : k, :]  # x_t, x_{t-s}, ...
    lin = lin.reshape(*lin.shape[:-2], -1)
    xp = jnp if isinstance(lin, jax.Array) else np  # numpy to fit, jax.numpy inside as_map
    parts = [xp.ones(lin.shape[:-1] + (1,)), lin]
    for p in range(2, degree + 1):  # every unique monomial of degree p
        combos = np.array(list(combinations_with_replacement(range(lin.shape[-1]), p)))
        parts.append(xp.prod(lin[..., combos], axis=-1))
    return xp.concatenate(parts, axis=-1)


@lru_cache(maxsize=32)
def _map_step(k: int, skip: int, degree: int):
    """The free-running model as a pure map (h, {"W": readout}) -> next h of the flattened
    standardised history h ((k - 1) skip + 1 states), one function per structure (``as_map``)."""
    m = (k - 1) * skip + 1

    def step(h, w):
        hist = h.reshape(m, -1)
        nxt = hist[-1] + _delay_features(hist, k, skip, degree) @ w["W"]
        return jnp.concatenate([hist[1:], nxt[None]]).reshape(-1)

    return step


def auto_degree(n_linear: int) -> int:
    """The largest polynomial degree (<= 4) whose monomials of ``n_linear`` linear features number
    at most 500. On Lorenz at granularity 30 (dt = 0.05) the flow map over one step is far from
    quadratic — its Taylor series in dt has terms of every degree — and NVAR's median VPT over 20
    test windows went 0.09, 2.5, 9.7 Lyapunov times for degree 2, 3, 4 (k = 2)."""
    for p in (4, 3, 2):
        if math.comb(n_linear + p, p) <= 500:
            return p
    return 2


@register("linear")
class LinearAR(DelayRegression):
    """Linear autoregression: ridge regression of the increment on k delayed states."""

    description = "linear autoregression (ridge on a delay embedding)"
    search_space = {"k": [1, 2, 4, 8], "ridge": [1e-8, 1e-6, 1e-4]}

    def __init__(self, k: int = 4, skip: int = 1, ridge: float = 1e-6, seed: int = 0):
        super().__init__(k=k, skip=skip, ridge=ridge, degree=1, seed=seed)


@register("nvar")
class NVAR(DelayRegression):
    """Next-generation reservoir computing: linear and quadratic delay features, ridge readout."""

    description = "next-generation reservoir computing (polynomial delay features, ridge)"
    search_space = {"k": [2, 3], "degree": [2, 3], "ridge": [1e-8, 1e-6, 1e-4]}

    def __init__(self, k: int = 2, skip: int = 1, ridge: float = 1e-6, degree: int | None = None, seed: int = 0):
        super().__init__(k=k, skip=skip, ridge=ridge, degree=degree, seed=seed)
