"""Echo-state network (Jaeger 2001, GMD Report 148; Pathak, Hunt, Girvan, Lu & Ott 2018, Phys. Rev.
Lett. 120, 024102): a fixed random recurrent reservoir driven by the (standardised) state,
with a ridge-regression readout of the next state.

    r_{t+1} = (1 - a) r_t + a tanh(A r_t + W_in u_t + b),    u_{t+1} = W_out [1, r~_{t+1}]

A is sparse (``degree`` non-zeros per row) and scaled to ``spectral_radius``; r~ squares every
other unit (Pathak et al.'s symmetry-breaking trick, which lets a tanh reservoir represent even
functions). Training drives the reservoir with each training trajectory, drops ``washout``
steps and fits W_out; forecasting drives it with the context, then feeds its own output back.
Reservoir runs are compiled JAX scans, vmapped over trajectories and windows. ``sample`` adds
Gaussian innovations (the covariance of the readout's training residuals) to each output before
it is fed back.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import Forecaster, innovation_factor, register


@register("esn")
class EchoStateNetwork(Forecaster):
    """Echo-state network with a ridge readout (see the module docstring)."""

    description = "echo-state network (random sparse reservoir, ridge readout)"
    search_space = {"spectral_radius": [0.4, 0.8, 1.1], "input_scaling": [0.1, 0.5], "ridge": [1e-8, 1e-6]}

    def __init__(self, size: int = 500, spectral_radius: float = 0.8, degree: int = 3, input_scaling: float = 0.5,
                 bias_scaling: float = 0.5, leak: float = 1.0, ridge: float = 1e-7, washout: int = 100,
                 seed: int = 0):
        super().__init__(seed=seed, size=int(size), spectral_radius=float(spectral_radius), degree=int(degree),
                         input_scaling=float(input_scaling), bias_scaling=float(bias_scaling), leak=float(leak),
                         ridge=float(ridge), washout=int(washout))
        if self.size < 2 or self.degree < 1 or not (0 < self.leak <= 1) or self.spectral_radius <= 0:
            raise ValueError("size >= 2, degree >= 1, 0 < leak <= 1 and spectral_radius > 0 are required")

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

    def _step(self, r, u):
        return (1 - self.leak) * r + self.leak * jnp.tanh(self.A_ @ r + self.W_in_ @ u + self.b_)

    @staticmethod
    def _features(r):
        sq = r.at[..., ::2].set(r[..., ::2] ** 2)
        return jnp.concatenate([jnp.ones(r.shape[:-1] + (1,)), sq], axis=-1)

    def _drive(self, us):
        """Reservoir states after each input of ``us`` (T, d), from r = 0."""
        def body(r, u):
            r = self._step(r, u)
            return r, r

        _, rs = lax.scan(body, jnp.zeros(self.size), us)
        return rs

    def fit(self, train, val=None, *, dt=1.0):
        if train.shape[1] <= self.washout + 1:
            raise ValueError(f"training trajectories have {train.shape[1]} points; esn needs more than washout + 1 = "
                             f"{self.washout + 1}")
        d = train.shape[-1]
        self._build(d)
        self.mu_ = train.reshape(-1, d).mean(0)
        self.sigma_ = train.reshape(-1, d).std(0) + 1e-12
        z = jnp.asarray((train - self.mu_) / self.sigma_)
        rs = jax.jit(jax.vmap(self._drive))(z[:, :-1])  # r_{t+1} after input u_t
        F = self._features(rs[:, self.washout :]).reshape(-1, self.size + 1)
        Y = z[:, self.washout + 1 :].reshape(-1, d)
        G = F.T @ F + self.ridge * jnp.eye(F.shape[1])
        self.W_out_ = jnp.linalg.solve(G, F.T @ Y).T
        self.innovation_ = jnp.asarray(innovation_factor(np.asarray(Y - F @ self.W_out_.T)))
        self._forecast = None
        self._sampler = None
        return self

    def _free_run(self, r, horizon, noise=None):
        """Outputs of ``horizon`` free-running steps from reservoir state r; ``noise`` (horizon, d)
        standard normals become innovations added to each output before it is fed back."""
        def body(r, eps):
            u = self.W_out_ @ self._features(r)
            if eps is not None:
                u = u + self.innovation_ @ eps
            return self._step(r, u), u

        return lax.scan(body, r, noise, length=horizon)[1]

    def _make_forecast(self, horizon: int):
        return jax.jit(jax.vmap(lambda ctx: self._free_run(self._drive(ctx)[-1], horizon)))

    def _make_sampler(self, horizon: int, n: int):
        def one(ctx, key):
            r = self._drive(ctx)[-1]
            eps = jax.random.normal(key, (n, horizon, ctx.shape[-1]))
            return jax.vmap(lambda e: self._free_run(r, horizon, e))(eps)

        return jax.jit(jax.vmap(one))

    def as_map(self, context):
        def step(r):
            return self._step(r, self.W_out_ @ self._features(r))

        z = jnp.asarray((np.asarray(context) - self.mu_) / self.sigma_)
        return step, np.asarray(self._drive(z)[-1])

    def predict(self, context, horizon):
        z = jnp.asarray((context - self.mu_) / self.sigma_)
        if self._forecast is None or self._forecast[0] != horizon:
            self._forecast = (horizon, self._make_forecast(horizon))
        return np.asarray(self._forecast[1](z)) * self.sigma_ + self.mu_

    def sample(self, context, horizon, n, seed):
        z = jnp.asarray((context - self.mu_) / self.sigma_)
        if self._sampler is None or self._sampler[0] != (horizon, n):
            self._sampler = ((horizon, n), self._make_sampler(horizon, n))
        keys = jax.random.split(jax.random.key(seed), len(z))
        return np.asarray(self._sampler[1](z, keys)) * self.sigma_ + self.mu_
