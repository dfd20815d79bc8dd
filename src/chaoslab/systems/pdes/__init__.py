"""Partial differential equations on periodic domains, pseudo-spectral in space.

Each PDE is a ``System`` whose state is the field on the grid; ``stepper`` advances it with
exponential time differencing (ETDRK4 with contour-integral coefficients and 2/3 dealiasing,
from ``exponax``), and ``fn`` is the same semi-discretised right-hand side for ODE solvers.
"""

from .burgers import burgers
from .kuramoto_sivashinsky import kuramoto_sivashinsky

__all__ = ["burgers", "kuramoto_sivashinsky"]
