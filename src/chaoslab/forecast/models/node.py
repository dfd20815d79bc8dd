"""Neural ODE (Chen, Rubanova, Bettencourt & Duvenaud 2018, NeurIPS): dz/dt = f(z), f an MLP
of the standardised state z, integrated with diffrax (Tsit5, fixed step = the data's dt).

Time is measured in steps of the data (the vector field is scaled by the std of the training
increments, so the MLP's outputs are O(1)). Training is multiple shooting: every segment of
``segment`` steps of the training trajectories starts from its own data point and the loss is
the mean squared error of the integrated segment (in units of the increments' std), back-
propagated through the solver (diffrax's default checkpointed adjoint); minibatches, Adam,
clipping and early stopping on the validation rollout are the shared loop of ``neural.py``.
A forecast integrates from the last context point and is NaN from its divergence on (the rule
of ``neural.py``).
"""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import register
from .neural import _ACTIVATIONS, NeuralForecaster, diverged, net_step

__all__ = ["NeuralODEForecaster"]


class _ODENet(eqx.Module):
    field: eqx.nn.MLP
    inc: jax.Array  # the training increments' std: the time unit's scale, not trained

    def __init__(self, d, inc, width, depth, activation, key):
        self.inc = inc
        self.field = eqx.nn.MLP(d, d, width, depth, activation=_ACTIVATIONS[activation], key=key)

    def vector_field(self, t, z, args):
        return lax.stop_gradient(self.inc) * self.field(z)

    def solve(self, z0, n: int, forward_mode: bool = False):
        """States after 1..n steps from z0 (n, d); ``forward_mode`` makes the solve
        differentiable by jvp (the model's Lyapunov exponent) instead of by reverse mode."""
        extra = {"adjoint": diffrax.ForwardMode()} if forward_mode else {}
        sol = diffrax.diffeqsolve(diffrax.ODETerm(self.vector_field), diffrax.Tsit5(), 0.0, float(n), 1.0, z0,
                                  saveat=diffrax.SaveAt(steps=True), max_steps=n, throw=False, **extra)
        return sol.ys

    def loss(self, seg, training):
        """Mean squared error of the segments (``residuals``)."""
        return jnp.mean(self.residuals(seg, training) ** 2)

    def residuals(self, seg, training):
        """Multiple shooting: the errors (segments, steps, d), in units of ``inc``, of each
        segment solved from its first (noisy by ``training.input_noise``) state."""
        start = seg[:, 0] + training.input_noise * jax.random.normal(training.key, seg[:, 0].shape, seg.dtype)
        pred = jax.vmap(lambda s: self.solve(s, seg.shape[1] - 1))(start)
        return (pred - seg[:, 1:]) / lax.stop_gradient(self.inc)

    def rollout(self, ctx, horizon: int, span):
        """``horizon`` states from the last of ``ctx``; NaN from the first diverged one (``neural.diverged``)."""
        zs = self.solve(ctx[-1], horizon)
        return jnp.where(jnp.cumsum(diverged(zs, span))[:, None] > 0, jnp.nan, zs)


def _solve_step(net, z):
    """One step of the data (a unit of time) of the neural ODE from z, differentiable by jvp."""
    return net.solve(z, 1, forward_mode=True)[0]


@register("node")
class NeuralODEForecaster(NeuralForecaster):
    """Neural ODE trained by multiple shooting on ``segment``-step segments (see the module
    docstring).

    search_space: the MLP width, the segment length and the learning rate."""

    description = "neural ODE dx/dt = MLP(x) (diffrax Tsit5), multiple-shooting training"
    search_space = {"width": [64, 128], "segment": [5, 10, 20], "learning_rate": [1e-3, 3e-3]}
    memory = 1

    def __init__(self, width: int = 64, depth: int = 2, activation: str = "gelu", segment: int = 5,
                 epochs: int = 40, batch_size: int = 64, learning_rate: float = 5e-3, patience: int = 20,
                 val_horizon: int = 20, clip: float = 1.0, polish: int = 0, polish_method: str = "auto",
                 seed: int = 0):
        super().__init__(seed=seed, width=int(width), depth=int(depth), activation=activation, segment=int(segment),
                         epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                         val_horizon=val_horizon, clip=clip, polish=polish, polish_method=polish_method)
        if self.width < 1 or self.depth < 1 or self.segment < 1 or activation not in _ACTIVATIONS:
            raise ValueError(f"width, depth, segment >= 1 and activation in {sorted(_ACTIVATIONS)} are required")

    def _network(self, d, inc, key):
        return _ODENet(d, inc, self.width, self.depth, self.activation, key)

    def as_map(self, context):
        z0 = np.asarray(self._standardise("context", np.asarray(context)[None]))[0, -1]
        return net_step(_solve_step, self.net_), z0

    def _samples(self, z):
        """Every segment of ``segment`` steps (segment + 1 points) of the trajectories."""
        s = self.segment
        if z.shape[1] <= s:
            raise ValueError(f"training trajectories have {z.shape[1]} points; node needs more than segment = {s}")
        return jnp.asarray(np.concatenate([np.stack([zi[t : t + s + 1] for t in range(zi.shape[0] - s)]) for zi in z]))
