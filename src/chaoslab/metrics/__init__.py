"""Forecast metrics: pointwise errors over a horizon (the 17 of the chaos forecasting benchmark),
how long a forecast stays valid (normalised-error and sMAPE valid prediction times), and long-run
comparisons of free-running rollouts with the attractor (histogram KL, sliced Wasserstein,
spectral distance, divergence). Pure numpy / scipy; see docs/metrics.md."""

from .dynamical import (
    DIVERGENCE_SCALES,
    divergence_fraction,
    divergence_mask,
    diverged_states,
    histogram_kl,
    nan_from_divergence,
    power_spectrum_distance,
    sliced_wasserstein,
    sliced_wasserstein_shift,
)
from .horizon import (
    attractor_scale,
    in_lyapunov_times,
    in_periods,
    normalised_error,
    running_smape,
    smape_vpt,
    valid_prediction_time,
)
from .pointwise import DIVERGED_VALUES, METRICS, STEP_METRICS, metrics_by_step, pointwise_metrics

__all__ = [
    "DIVERGED_VALUES",
    "DIVERGENCE_SCALES",
    "METRICS",
    "STEP_METRICS",
    "attractor_scale",
    "divergence_fraction",
    "divergence_mask",
    "diverged_states",
    "histogram_kl",
    "in_lyapunov_times",
    "in_periods",
    "metrics_by_step",
    "nan_from_divergence",
    "normalised_error",
    "pointwise_metrics",
    "power_spectrum_distance",
    "running_smape",
    "sliced_wasserstein",
    "sliced_wasserstein_shift",
    "smape_vpt",
    "valid_prediction_time",
]
