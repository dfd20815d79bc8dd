"""Reference forecasts without learning: the last value, and the attractor mean."""

from __future__ import annotations

import numpy as np

from ..base import Forecaster, register


@register("naive")
class Naive(Forecaster):
    """Persistence: the last context value held over the horizon."""

    description = "persistence: repeat the last observed value"

    def fit(self, train, val=None, *, dt=1.0):
        return self

    def predict(self, context, horizon):
        context = np.asarray(context, dtype=np.float64)
        return np.repeat(context[:, -1:], horizon, axis=1)


@register("climatology")
class Climatology(Forecaster):
    """The mean of the training data (the attractor mean): the best constant forecast in mean
    square once the initial condition is forgotten."""

    description = "the attractor mean of the training data"

    def fit(self, train, val=None, *, dt=1.0):
        train = np.asarray(train, dtype=np.float64)
        self.mean_ = train.reshape(-1, train.shape[-1]).mean(axis=0)
        return self

    def predict(self, context, horizon):
        return np.broadcast_to(self.mean_, (len(context), horizon, self.mean_.size)).copy()
