"""The Kuramoto–Sivashinsky equation (fluid form) on [0, L) with periodic boundaries:

    u_t + u u_x + u_xx + u_xxxx = 0.

Kuramoto & Tsuzuki (1976), Prog. Theor. Phys. 55, 356; Sivashinsky (1977), Acta Astronaut. 4,
1177. The size L is the only parameter; the dynamics are chaotic from L ~ 22 on (Cvitanović,
Davidchack & Siminos 2010, SIAM J. Appl. Dyn. Syst. 9, 1: L = 22 has lambda_1 ~ 0.048).
Time stepping: ``exponax.stepper.KuramotoSivashinskyConservative`` with ``order=4`` (ETDRK4,
Cox & Matthews 2002 with the contour-integral coefficients of Kassam & Trefethen 2005) and 2/3
dealiasing.

Stable step: h <= H_MAX = C l / U with U = 3 the velocity scale (|u| <= 3.1 on the attractor at
L = 22, 2.7 at L = 64, 3.4 at L = 100, measured over 1000 time units) and l = 1 the length on
which u_xx and u_xxxx balance. Not the grid spacing: the hyper-diffusion damps every mode with
k^4 h >> 1 inside the exponential, so the limit does not shrink with dx. Measured over 1000
time units from an attractor state: stable at every h <= 3 for L = 22 (N = 32, 64, 128) and
L = 64; blown up at h = 3.5 for L = 22 and at h = 2.75 for L = 100 (N = 256; stable at 2.5).
With a safety factor 2.5: C = 3, H_MAX = 1.
"""

from __future__ import annotations

import numpy as np

from ..base import System
from .periodic import check_grid, check_step, periodic_1d_system

STABLE_DT = 0.25  # ETDRK4 step: local error ~1e-5 at N = 64, L = 22 (tests/test_pdes.py)
VELOCITY = 3.0  # |u| on the attractor
H_MAX = 3.0 * 1.0 / VELOCITY  # stable limit C l / U, see the module notes


def kuramoto_sivashinsky(L: float = 22.0, N: int = 64, *, name: str | None = None,
                         period: float | None = None) -> System:
    """A KS System on N grid points of [0, L); the reference IC is the smooth field
    cos(2 pi x / L)(1 + sin(2 pi x / L)) + 0.1 cos(6 pi x / L)."""
    L, N = check_grid(L, N)
    name = name or f"KuramotoSivashinsky(L={L:g},N={N})"

    def stepper(h: float):
        import exponax as ex

        h = check_step(h, H_MAX, name, "advective CFL h <= 3 l / U, l = 1, U = 3")
        st = ex.stepper.KuramotoSivashinskyConservative(1, L, N, h, order=4)
        return st

    x = np.arange(N) * L / N
    ic = np.cos(2 * np.pi * x / L) * (1 + np.sin(2 * np.pi * x / L)) + 0.1 * np.cos(6 * np.pi * x / L)
    return periodic_1d_system(
        name=name, L=L, N=N, linear=lambda k: k**2 - k**4,
        convection=1.0, stepper=stepper, ic=ic, dt=STABLE_DT, period=period,
        description="Kuramoto-Sivashinsky equation u_t + u u_x + u_xx + u_xxxx = 0 on a periodic domain.",
        citation="Kuramoto & Tsuzuki (1976), Prog. Theor. Phys. 55, 356; Sivashinsky (1977), Acta Astronaut. 4, 1177",
        equations="u_t + u u_x + u_xx + u_xxxx = 0, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
    )
