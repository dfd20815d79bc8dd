"""The model zoo: importing this package registers every built-in model."""

from . import baselines, darts_models, delay_regression, esn, koopman, nbeats, neural, node, sindy  # noqa: F401
