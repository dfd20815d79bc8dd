"""chaoslab: a laboratory for the predictability and stability of dynamical systems.

Importing chaoslab enables JAX's float64 mode (``jax_enable_x64``): every array is double
precision unless you ask otherwise.
"""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from .systems.base import (  # noqa: E402,F401
    ParameterError,
    System,
    UnknownNameError,
    UnknownSystemError,
    delay_flow,
    flow,
    get_system,
    list_systems,
    map_system,
    resolve_name,
    stack,
)
from .integrate import (  # noqa: E402,F401
    DivergenceError,
    Ensemble,
    Trajectory,
    ensemble,
    sde_ensemble,
    sde_trajectory,
    stream,
    trajectory,
)
