"""Reference forecasts without learning: the last value, and the attractor mean."""

from __future__ import annotations

import numpy as np

from ..base import Forecaster, register


@register("naive")
class Naive(Forecaster):
    """Persistence: the last context value held over the horizon."""

    description = "persistence: repeat the last observed value"

    def __init__(self, seed: int = 0):  # no hyper-parameters (so an unknown one is refused)
        super().__init__(seed=seed)

    def fit(self, train, val=None, *, dt=1.0):
        return self

    def predict(self, context, horizon):
        context = np.asarray(context, dtype=np.float64)
        return np.repeat(context[:, -1:], horizon, axis=1)


@register("climatology")
class Climatology(Forecaster):
    """The mean of the training data (the attractor mean): the best constant forecast in mean
    square once the initial condition is forgotten. Its samples are the climatological
    distribution: independent draws, at every step, from the training states (at most
    ``max_states`` of them, evenly spaced, are kept)."""

    description = "the attractor mean of the training data; samples draw from the training states"

    def __init__(self, max_states: int = 100_000, seed: int = 0):
        super().__init__(seed=seed, max_states=int(max_states))
        if self.max_states < 1:
            raise ValueError(f"max_states must be >= 1, got {max_states}")

    def fit(self, train, val=None, *, dt=1.0):
        train = np.asarray(train, dtype=np.float64)
        states = train.reshape(-1, train.shape[-1])
        self.mean_ = states.mean(axis=0)
        keep = np.unique(np.linspace(0, len(states) - 1, min(self.max_states, len(states))).astype(int))
        self.states_ = states[keep]
        return self

    def predict(self, context, horizon):
        return np.broadcast_to(self.mean_, (len(context), horizon, self.mean_.size)).copy()

    def sample(self, context, horizon, n, seed):
        idx = np.random.default_rng(seed).integers(0, len(self.states_), size=(len(context), n, horizon))
        return self.states_[idx]
