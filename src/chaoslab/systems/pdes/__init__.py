"""Partial differential equations on periodic domains, pseudo-spectral in space, and lattices.

Each PDE is a ``System`` whose state is the field on the grid, flattened (``periodic.Grid``);
``stepper`` advances it with exponential time differencing — ETDRK4 with contour-integral
coefficients and 2/3 dealiasing — and ``fn`` is the same semi-discretised right-hand side for ODE
solvers. Steppers come from ``exponax`` where its ETDRK coefficients are right (real linear
symbols: Kuramoto-Sivashinsky, Burgers, Gray-Scott, Navier-Stokes) and from our own ``etdrk``
where they are not (complex symbols: Korteweg-de Vries, complex Ginzburg-Landau).
"""

from .burgers import burgers
from .kdv import korteweg_de_vries
from .kuramoto_sivashinsky import kuramoto_sivashinsky
from .lorenz96 import lorenz96, lorenz96_two_scale
from .navier_stokes import double_shear_layer, euler_2d, kolmogorov_flow, navier_stokes_2d
from .periodic import Grid, pde_system
from .reaction_diffusion import complex_ginzburg_landau, gray_scott

__all__ = ["Grid", "burgers", "complex_ginzburg_landau", "double_shear_layer", "euler_2d", "gray_scott",
           "kolmogorov_flow", "korteweg_de_vries", "kuramoto_sivashinsky", "lorenz96", "lorenz96_two_scale", "navier_stokes_2d",
           "pde_system"]
