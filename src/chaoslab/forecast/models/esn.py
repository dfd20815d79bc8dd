"""Echo-state network (Jaeger 2001, GMD Report 148; Pathak, Hunt, Girvan, Lu & Ott 2018, Phys. Rev.
Lett. 120, 024102): a fixed random recurrent reservoir driven by the (standardised) state,
with a ridge-regression readout of the next state (``chaoslab.forecast.linalg.ridge``, penalty
``ridge``, absolute).

    r_{t+1} = (1 - a) r_t + a tanh(A r_t + W_in u_t + b),    u_{t+1} = W_out [1, r~_{t+1}]

A is sparse (``degree`` non-zeros per row) and scaled to ``spectral_radius``; r~ squares every
other unit (Pathak et al.'s symmetry-breaking trick, which lets a tanh reservoir represent even
functions). Training drives the reservoir with each training trajectory, drops ``washout``
steps (by default ``DEFAULT_WASHOUT``, at most half the training length,
``chaoslab.forecast.base.half_the_training``; ``washout_`` is what was used) and fits W_out; forecasting drives
it with the context, then feeds its own output back.
Reservoir runs are compiled JAX scans, vmapped over trajectories and windows. ``sample`` adds
Gaussian innovations (the covariance of the readout's training residuals) to each output before
it is fed back.

No silent blow-ups: a readout whose free runs leave the attractor
(``chaoslab.forecast.base.choose_stable``: validation and training contexts, five validation
horizons) is refitted with the penalty 1e2, 1e4, 1e6 times larger; ``ridge_`` and
``chosen_["stability"]`` say what was kept.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import Forecaster, choose_stable, half_the_training, innovation_factor, register
from ..dynamics import ModelStep
from ..linalg import ridge

DEFAULT_WASHOUT = 100  # reservoir steps dropped before the readout is fitted, when washout is not given
RIDGE_STEPS = (1e2, 1e4, 1e6)  # stronger readout penalties, times ridge, for a fit whose free runs blow up


# The reservoir as pure functions of its weights w = (A, W_in, b, leak) and readout (W_out,
# innovation): compiled once per shape, whatever the model instance, its seed or hyper-parameters.
def _step(w, r, u):
    A, W_in, b, leak = w
    return (1 - leak) * r + leak * jnp.tanh(A @ r + W_in @ u + b)


def _features(r):
    sq = r.at[..., ::2].set(r[..., ::2] ** 2)
    return jnp.concatenate([jnp.ones(r.shape[:-1] + (1,)), sq], axis=-1)


def _drive(w, us):
    """Reservoir states after each input of ``us`` (T, d), from r = 0."""
    def body(r, u):
        r = _step(w, r, u)
        return r, r

    return lax.scan(body, jnp.zeros(w[0].shape[0]), us)[1]


def _free_run(w, out, r, horizon, noise=None):
    """Outputs of ``horizon`` free-running steps from reservoir state r; ``noise`` (horizon, d)
    standard normals become innovations added to each output before it is fed back."""
    W_out, innovation = out

    def body(r, eps):
        u = W_out @ _features(r)
        if eps is not None:
            u = u + innovation @ eps
        return _step(w, r, u), u

    return lax.scan(body, r, noise, length=horizon)[1]


def _map_step(r, w):
    """The free-running reservoir as a pure map of its state r and the weights w (``as_map``)."""
    return _step((w["A"], w["W_in"], w["b"], w["leak"]), r, w["W_out"] @ _features(r))


_drive_all = jax.jit(jax.vmap(_drive, in_axes=(None, 0)))


@partial(jax.jit, static_argnums=3)
def _forecast_all(w, out, contexts, horizon: int):
    return jax.vmap(lambda ctx: _free_run(w, out, _drive(w, ctx)[-1], horizon))(contexts)


@partial(jax.jit, static_argnums=(3, 4))
def _sample_all(w, out, contexts, horizon: int, n: int, keys):
    def one(ctx, key):
        r = _drive(w, ctx)[-1]
        eps = jax.random.normal(key, (n, horizon, ctx.shape[-1]))
        return jax.vmap(lambda e: _free_run(w, out, r, horizon, e))(eps)

    return jax.vmap(one)(contexts, keys)


@register("esn")
class EchoStateNetwork(Forecaster):
    """Echo-state network with a ridge readout (see the module docstring)."""

    description = "echo-state network (random sparse reservoir, ridge readout)"
    search_space = {"spectral_radius": [0.4, 0.8, 1.1], "input_scaling": [0.1, 0.5], "ridge": [1e-8, 1e-6]}

    def __init__(self, size: int = 500, spectral_radius: float = 0.8, degree: int = 3, input_scaling: float = 0.5,
                 bias_scaling: float = 0.5, leak: float = 1.0, ridge: float = 1e-7, washout: int | None = None,
                 seed: int = 0):
        super().__init__(seed=seed, size=int(size), spectral_radius=float(spectral_radius), degree=int(degree),
                         input_scaling=float(input_scaling), bias_scaling=float(bias_scaling), leak=float(leak),
                         ridge=float(ridge), washout=None if washout is None else int(washout))
        if self.size < 2 or self.degree < 1 or not (0 < self.leak <= 1) or self.spectral_radius <= 0:
            raise ValueError("size >= 2, degree >= 1, 0 < leak <= 1 and spectral_radius > 0 are required")
        if not 0 <= self.ridge < float("inf"):
            raise ValueError(f"ridge must be a finite number >= 0, got {ridge}")
        if self.washout is not None and self.washout < 0:
            raise ValueError(f"washout must be an integer >= 0 (or None: the default), got {washout}")

    def _build(self, d: int):
        rng = np.random.default_rng(self.seed)
        n = self.size
        A = np.zeros((n, n))
        for i in range(n):
            cols = rng.choice(n, size=min(self.degree, n), replace=False)
            A[i, cols] = rng.uniform(-1, 1, size=cols.size)
        rho = np.max(np.abs(np.linalg.eigvals(A)))
        A *= self.spectral_radius / (rho if rho > 0 else 1.0)
        W_in = self.input_scaling * rng.uniform(-1, 1, size=(n, d))
        b = self.bias_scaling * rng.uniform(-1, 1, size=n)
        self.A_, self.W_in_, self.b_ = jnp.asarray(A), jnp.asarray(W_in), jnp.asarray(b)

    @property
    def _w(self):
        return (self.A_, self.W_in_, self.b_, jnp.asarray(self.leak))

    def fit(self, train, val=None, *, dt=1.0):
        T = train.shape[1]
        washout = half_the_training(DEFAULT_WASHOUT, train) if self.washout is None else self.washout
        if T <= washout + 1:
            raise ValueError(f"training trajectories have {T} points; esn needs more than washout + 1 = {washout + 1}")
        self.washout_ = washout
        d = train.shape[-1]
        self._build(d)
        self.mu_ = train.reshape(-1, d).mean(0)
        self.sigma_ = train.reshape(-1, d).std(0) + 1e-12
        z = jnp.asarray((train - self.mu_) / self.sigma_)
        rs = _drive_all(self._w, z[:, :-1])  # r_{t+1} after input u_t
        F = _features(rs[:, washout:]).reshape(-1, self.size + 1)
        Y = z[:, washout + 1 :].reshape(-1, d)
        F, Y = np.asarray(F), np.asarray(Y)

        def build(penalty):
            W = ridge(F, Y, penalty)
            self.W_out_, self.ridge_ = jnp.asarray(W.T), penalty
            self.innovation_ = jnp.asarray(innovation_factor(Y - F @ W))
            return self.predict

        # no silent blow-ups: the asked-for penalty, then 1e2, 1e4, 1e6 times it; the free runs
        # start from contexts as long as the washout (a reservoir forgets its start in about that)
        base = self.ridge if self.ridge > 0 else 1e-8
        scale = self.train_scale_ if np.isfinite(self.train_scale_) else np.inf
        memory = min(washout, T - 1) if val is None or not len(val) else val.context.shape[1]
        c = choose_stable([[self.ridge]] + [[base * f] for f in RIDGE_STEPS], build, train, val, memory,
                          self.train_mean_, scale, dt)
        build(c.key)
        self.chosen_ = {}
        if self.washout is None and washout < DEFAULT_WASHOUT:
            self.chosen_["washout"] = f"{washout} (half the training length; the default is {DEFAULT_WASHOUT})"
        if c.key != self.ridge:
            self.chosen_["stability"] = (f"ridge raised to {c.key:.3g}: at {self.ridge:.3g} its free runs left the "
                                         "attractor" if c.bounded else f"no penalty stays bounded: kept ridge "
                                         f"{c.key:.3g}, {c.diverged} of {c.runs} free runs leave the attractor")
        return self

    def as_map(self, context):
        A, W_in, b, leak = self._w
        step = ModelStep(_map_step, {"A": A, "W_in": W_in, "b": b, "leak": leak, "W_out": self.W_out_})
        z = jnp.asarray((np.asarray(context) - self.mu_) / self.sigma_)
        return step, np.asarray(_drive_all(self._w, z[None])[0, -1])  # compiled once per shape

    def predict(self, context, horizon):
        z = jnp.asarray((context - self.mu_) / self.sigma_)
        y = _forecast_all(self._w, (self.W_out_, self.innovation_), z, int(horizon))
        return np.asarray(y) * self.sigma_ + self.mu_

    def sample(self, context, horizon, n, seed):
        z = jnp.asarray((context - self.mu_) / self.sigma_)
        keys = jax.random.split(jax.random.key(seed), len(z))
        y = _sample_all(self._w, (self.W_out_, self.innovation_), z, int(horizon), int(n), keys)
        return np.asarray(y) * self.sigma_ + self.mu_
