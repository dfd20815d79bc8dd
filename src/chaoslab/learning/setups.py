"""Named training setups: a model, its data and its loss, as the command line and suites name
them (``chaoslab learning ... --setup NAME``).

- ``chebyshev``: Cohen et al. (2021)'s smallest edge-of-stability case, a tanh MLP with one
  hidden layer (``width``, default 100) on chebyshev-4-20, square loss;
- ``digits``: an MLP 64 -> ``width`` (default 64) -> 10 (4,810 parameters at 64) on scikit-learn's
  digits, cross-entropy;
- ``digits-cnn``: the small CNN (1,626 parameters) on digits, cross-entropy;
- ``modular``: a one-layer Transformer (d_model ``width``, default 32) on addition modulo 97
  (30 % of the pairs), cross-entropy (the grokking task);
- ``regression``: an MLP 10 -> ``width`` (default 32) -> 1 on synthetic linear regression, square
  loss;
- ``double-well``: the objective f(x) = (x^2 - 1)^2 / 4 of one parameter from x = 0.5, whose GD map
  x <- x - lr x (x^2 - 1) period-doubles from lr = 1 into chaos near lr = 1.3023 and is bounded
  only for lr <= 2 (tests/test_learning_sweeps.py).
"""

from __future__ import annotations

from dataclasses import dataclass

SETUPS = ("chebyshev", "digits", "digits-cnn", "modular", "regression", "double-well")


@dataclass(frozen=True)
class Setup:
    """A model, its training data and its loss (``training_map(model, data, loss=loss, ...)``);
    an objective has no data and a function of the parameters as its loss."""

    name: str
    model: object
    data: object
    loss: object


def double_well(params):
    """(x^2 - 1)^2 / 4 of the one parameter x."""
    return (params[0] ** 2 - 1.0) ** 2 / 4.0


def get_setup(name: str, *, width: int | None = None, seed: int = 0) -> Setup:
    """The setup ``name`` (module docstring), its model initialised from ``seed``."""
    from ..systems.base import resolve_name
    from . import data, models

    name = resolve_name(name, SETUPS, "setup")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if name == "chebyshev":
        return Setup(name, models.mlp(1, [width or 100], 1, activation="tanh", seed=seed),
                     data.chebyshev(20, degree=4), "mse")
    if name == "digits":
        return Setup(name, models.mlp(64, [width or 64], 10, seed=seed), data.digits(), "cross_entropy")
    if name == "digits-cnn":
        return Setup(name, models.cnn(10, seed=seed), data.digits(), "cross_entropy")
    if name == "modular":
        train, _ = data.modular_addition(97, train_fraction=0.3, seed=seed)
        return Setup(name, models.transformer(97, d_model=width or 32, seed=seed), train, "cross_entropy")
    if name == "regression":
        return Setup(name, models.mlp(10, [width or 32], 1, seed=seed),
                     data.synthetic_regression(256, 10, seed=seed), "mse")
    import jax.numpy as jnp

    return Setup(name, jnp.array([0.5]), None, double_well)


def setup_map(name: str, *, width: int | None = None, seed: int = 0, **training):
    """``training_map`` of the setup ``name``; ``training``: optimizer, lr, batch_size, ... (the
    batch order is seeded by ``seed`` too)."""
    from .training import training_map

    s = get_setup(name, width=width, seed=seed)
    return training_map(s.model, s.data, loss=s.loss, seed=seed, **training)
