"""Imports every built-in system module so that each registers its systems."""

from .flows import (  # noqa: F401
    algebraic,
    atmosphere,
    biology,
    chemistry,
    circuits,
    fluids,
    hyperchaos,
    mechanics,
    sprott,
)
from . import delay, maps  # noqa: F401
from .pdes import catalog as _spatial  # noqa: F401,E402  (named PDE and lattice presets)
