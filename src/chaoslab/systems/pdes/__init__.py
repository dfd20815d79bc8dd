"""Partial differential equations on periodic domains, pseudo-spectral in space.

Each PDE is a ``System`` whose state is the field on the grid; ``stepper`` advances it with
exponential time differencing (ETDRK4 with contour-integral coefficients and 2/3 dealiasing,
from ``exponax``), and ``fn`` is the same semi-discretised right-hand side for ODE solvers.
"""

from .burgers import burgers
from .kuramoto_sivashinsky import kuramoto_sivashinsky
from .lorenz96 import lorenz96, lorenz96_two_scale

__all__ = ["burgers", "kuramoto_sivashinsky", "lorenz96", "lorenz96_two_scale"]
