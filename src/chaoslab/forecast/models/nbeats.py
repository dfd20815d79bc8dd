"""N-BEATS (Oreshkin, Carpov, Chapados & Bengio 2020, "N-BEATS: Neural basis expansion analysis
for interpretable time series forecasting", ICLR): the best model of the published chaotic-systems
benchmark (Gilpin 2021, 2023), written in JAX on the shared training loop of ``neural.py``.

The network reads the last ``lags`` standardised states (all coordinates, flattened, as darts
does for several components), less the newest state (the level, added back to the output, as
NLinear does), and outputs the next ``chunk`` states at once. It is a sum of blocks with double
residual stacking: block l reads x_l, its fully connected stack (``layers`` ReLU layers of
``width``) gives expansion coefficients theta_b, theta_f, and it emits a backcast
x^_l = V_b theta_b, subtracted from its input (x_{l+1} = x_l - x^_l), and a partial forecast
y^_l = V_f theta_f; the forecast is the sum of the partial forecasts.

``basis="generic"``: V_b, V_f learned linear maps (``theta`` coefficients), ``blocks`` blocks
with their own weights. ``basis="interpretable"``: a trend stack (polynomials t^i, i <= ``degree``,
t = step / chunk on the forecast and (step - lags) / chunk on the backcast) then a seasonality
stack (a constant and cos/sin(2 pi k t) for k = 1 .. ``harmonics``), each of ``blocks`` blocks
sharing their weights within the stack, as in the paper; the basis applies to each coordinate.

Outputs are in units of the training increments' std (``inc``), like every window model here.
Training: every (window, next ``chunk`` states) pair, mean squared error over the chunk, Adam with
the cosine decay, clipping, early stopping on free rollouts of the validation windows, the
bounded-checkpoint choice and the optional L-BFGS polish of ``train_network``. A forecast longer
than ``chunk`` feeds the network its own outputs, chunk after chunk (darts' autoregression beyond
``output_chunk_length``); it is NaN from the first diverged state (``neural.diverged``). There is
no one-step map (``as_map`` is not available): the network predicts a chunk at a time.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ...systems.base import resolve_name
from ..base import input_length, register
from .neural import NeuralForecaster, diverged

__all__ = ["NBeatsForecaster", "nbeats_basis"]

BASES = ("generic", "interpretable")


def nbeats_basis(kind: str, steps: int, start: int, scale: int, size: int) -> np.ndarray:
    """The fixed basis (steps, size) of an interpretable N-BEATS block over the time steps
    start .. start + steps - 1, measured as t = step / scale: "trend" (t^0 .. t^(size-1)) or
    "seasonality" (1, then cos and sin of 2 pi k t for k = 1 .. (size - 1) // 2)."""
    t = (np.arange(steps) + start) / scale
    if kind == "trend":
        return np.stack([t**i for i in range(size)], axis=1)
    if kind == "seasonality":
        cols = [np.ones(steps)]
        for k in range(1, (size - 1) // 2 + 1):
            cols += [np.cos(2 * np.pi * k * t), np.sin(2 * np.pi * k * t)]
        return np.stack(cols, axis=1)
    raise ValueError(f"kind must be 'trend' or 'seasonality', got {kind!r}")


class _Block(eqx.Module):
    fc: eqx.nn.MLP
    theta_b: eqx.nn.Linear
    theta_f: eqx.nn.Linear
    basis_b: eqx.Module | jax.Array  # generic: a learned Linear; interpretable: a fixed (lags, p) matrix
    basis_f: eqx.Module | jax.Array
    d: int = eqx.field(static=True)

    def __init__(self, d, lags, chunk, width, layers, size, fixed, key):
        """``fixed``: None (generic: ``size`` coefficients and learned bases per block), or the
        pair of fixed bases (backcast (lags, p), forecast (chunk, p)): p coefficients per coordinate."""
        k = jax.random.split(key, 5)
        self.d = d
        self.fc = eqx.nn.MLP(lags * d, width, width, layers - 1, activation=jax.nn.relu,
                             final_activation=jax.nn.relu, key=k[0])
        n = size if fixed is None else fixed[0].shape[1] * d
        self.theta_b = eqx.nn.Linear(width, n, use_bias=False, key=k[1])
        self.theta_f = eqx.nn.Linear(width, n, use_bias=False, key=k[2])
        if fixed is None:
            self.basis_b = eqx.nn.Linear(size, lags * d, key=k[3])
            self.basis_f = eqx.nn.Linear(size, chunk * d, key=k[4])
        else:
            self.basis_b, self.basis_f = (jnp.asarray(b, dtype=float) for b in fixed)

    def __call__(self, x):
        """x (lags * d,) -> backcast (lags * d,), partial forecast (chunk, d)."""
        h = self.fc(x)
        tb, tf = self.theta_b(h), self.theta_f(h)
        if isinstance(self.basis_b, eqx.nn.Linear):
            return self.basis_b(tb), self.basis_f(tf).reshape(-1, self.d)
        Vb, Vf = lax.stop_gradient(self.basis_b), lax.stop_gradient(self.basis_f)
        return (Vb @ tb.reshape(-1, self.d)).reshape(-1), Vf @ tf.reshape(-1, self.d)


class _NBeatsNet(eqx.Module):
    inc: jax.Array  # the training increments' std: the output unit, not trained
    blocks: list
    order: tuple = eqx.field(static=True)  # which block runs at each position (interpretable stacks share weights)
    lags: int = eqx.field(static=True)
    chunk: int = eqx.field(static=True)

    def __init__(self, d, inc, lags, chunk, basis, blocks, width, layers, theta, degree, harmonics, key):
        self.inc, self.lags, self.chunk = inc, lags, chunk
        if basis == "generic":
            self.blocks = [_Block(d, lags, chunk, width, layers, theta, None, k) for k in jax.random.split(key, blocks)]
            self.order = tuple(range(blocks))
        else:
            pair = lambda kind, p: (nbeats_basis(kind, lags, -lags, chunk, p), nbeats_basis(kind, chunk, 0, chunk, p))
            k1, k2 = jax.random.split(key)
            self.blocks = [_Block(d, lags, chunk, width, layers, 0, pair("trend", degree + 1), k1),
                           _Block(d, lags, chunk, width, layers, 0, pair("seasonality", 2 * harmonics + 1), k2)]
            self.order = (0,) * blocks + (1,) * blocks

    def chunk_forecast(self, w):
        """The next ``chunk`` standardised states after the window w (lags, d)."""
        level = w[-1]
        x = ((w - level) / lax.stop_gradient(self.inc)).reshape(-1)
        y = jnp.zeros((self.chunk, w.shape[1]))
        for i in self.order:
            b, f = self.blocks[i](x)
            x, y = x - b, y + f
        return level + lax.stop_gradient(self.inc) * y

    def loss(self, batch, training):
        """Mean squared error over the chunk (``residuals``)."""
        return jnp.mean(self.residuals(batch, training) ** 2)

    def residuals(self, batch, training):
        """The errors (samples, chunk, d) of each window's chunk forecast, in units of ``inc``; the
        inputs carry Gaussian noise of ``training.input_noise``."""
        X, S = batch
        X = X + training.input_noise * jax.random.normal(training.key, X.shape, X.dtype)
        return (jax.vmap(self.chunk_forecast)(X) - S) / lax.stop_gradient(self.inc)

    def rollout(self, ctx, horizon: int, span):
        """``horizon`` free-running standardised states after ``ctx``, chunk after chunk; NaN
        from the first diverged state (``neural.diverged``)."""
        n = -(-horizon // self.chunk)

        def body(w, _):
            y = self.chunk_forecast(w)
            return jnp.concatenate([w, y])[-self.lags :], y

        ys = lax.scan(body, ctx[-self.lags :], None, length=n)[1].reshape(n * self.chunk, -1)[:horizon]
        return jnp.where(jnp.cumsum(diverged(ys, span))[:, None] > 0, jnp.nan, ys)


@register("nbeats")
class NBeatsForecaster(NeuralForecaster):
    """N-BEATS (see the module docstring): a deep stack of fully connected blocks with backcast
    and forecast basis expansions, predicting ``chunk`` states at once from the last ``lags``.
    ``lags=None``: the validation windows' context length (``forecast.base.input_length``).

    search_space: the output chunk, the basis and the width."""

    description = "N-BEATS: stacked fully connected blocks with basis expansions, chunk forecasts (equinox, Adam)"
    search_space = {"chunk": [10, 20, 50], "basis": ["generic", "interpretable"], "width": [128, 256]}

    def __init__(self, lags: int | None = None, chunk: int = 20, basis: str = "generic", blocks: int = 4,
                 width: int = 256, layers: int = 4, theta: int = 32, degree: int = 3, harmonics: int = 8,
                 epochs: int = 100, batch_size: int = 64, learning_rate: float = 1e-3, patience: int = 30,
                 val_horizon: int = 50, clip: float = 1.0, input_noise: float = 0.0, polish: int = 0,
                 polish_method: str = "auto", seed: int = 0):
        super().__init__(seed=seed, lags=None if lags is None else int(lags), chunk=int(chunk),
                         basis=resolve_name(basis, BASES, "basis"), blocks=int(blocks), width=int(width),
                         layers=int(layers), theta=int(theta), degree=int(degree), harmonics=int(harmonics),
                         input_noise=float(input_noise), epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, patience=patience, val_horizon=val_horizon, clip=clip,
                         polish=polish, polish_method=polish_method)
        if self.lags is not None and self.lags < 1:
            raise ValueError(f"lags must be an integer >= 1 or None (the validation context length), got {lags}")
        if min(self.chunk, self.blocks, self.width, self.layers, self.theta, self.degree + 1, self.harmonics) < 1:
            raise ValueError(f"chunk, blocks, width, layers, theta, harmonics >= 1 and degree >= 0 are required, got "
                             f"chunk={chunk}, blocks={blocks}, width={width}, layers={layers}, theta={theta}, "
                             f"degree={degree}, harmonics={harmonics}")
        if not 0.0 <= self.input_noise < np.inf:
            raise ValueError(f"input_noise must be a finite number >= 0, got {input_noise}")

    @property
    def memory(self) -> int:
        return getattr(self, "lags_", self.lags or 1)

    def fit(self, train, val=None, *, dt=1.0):
        lags, why = input_length(self.lags, train, val, self.chunk)
        self.lags_ = lags
        super().fit(train, val, dt=dt)
        if why is not None:
            self.chosen_["lags"] = f"{lags} ({why})"
        return self

    def _targets(self) -> int:
        return self.chunk

    def _network(self, d, inc, key):
        return _NBeatsNet(d, inc, self.lags_, self.chunk, self.basis, self.blocks, self.width, self.layers,
                          self.theta, self.degree, self.harmonics, key)
