"""The Kuramoto–Sivashinsky equation (fluid form) on [0, L) with periodic boundaries:

    u_t + u u_x + u_xx + u_xxxx = 0.

Kuramoto & Tsuzuki (1976), Prog. Theor. Phys. 55, 356; Sivashinsky (1977), Acta Astronaut. 4,
1177. The size L is the only parameter; the dynamics are chaotic from L ~ 22 on (Cvitanović,
Davidchack & Siminos 2010, SIAM J. Appl. Dyn. Syst. 9, 1: L = 22 has lambda_1 ~ 0.048).
Time stepping: ``exponax.stepper.KuramotoSivashinskyConservative`` with ``order=4`` (ETDRK4,
Cox & Matthews 2002 with the contour-integral coefficients of Kassam & Trefethen 2005) and 2/3
dealiasing.
"""

from __future__ import annotations

import numpy as np

from ..base import System
from .periodic import check_grid, periodic_1d_system

STABLE_DT = 0.25  # ETDRK4 step: local error ~1e-5 at N = 64, L = 22 (tests/test_pdes.py)


def kuramoto_sivashinsky(L: float = 22.0, N: int = 64, *, name: str | None = None,
                         period: float | None = None) -> System:
    """A KS System on N grid points of [0, L); the reference IC is the smooth field
    cos(2 pi x / L)(1 + sin(2 pi x / L)) + 0.1 cos(6 pi x / L)."""
    L, N = check_grid(L, N)

    def stepper(h: float):
        import exponax as ex

        st = ex.stepper.KuramotoSivashinskyConservative(1, L, N, float(h), order=4)
        return st

    x = np.arange(N) * L / N
    ic = np.cos(2 * np.pi * x / L) * (1 + np.sin(2 * np.pi * x / L)) + 0.1 * np.cos(6 * np.pi * x / L)
    return periodic_1d_system(
        name=name or f"KuramotoSivashinsky(L={L:g},N={N})", L=L, N=N, linear=lambda k: k**2 - k**4,
        convection=1.0, stepper=stepper, ic=ic, dt=STABLE_DT, period=period,
        description="Kuramoto-Sivashinsky equation u_t + u u_x + u_xx + u_xxxx = 0 on a periodic domain.",
        citation="Kuramoto & Tsuzuki (1976), Prog. Theor. Phys. 55, 356; Sivashinsky (1977), Acta Astronaut. 4, 1177",
        equations="u_t + u u_x + u_xx + u_xxxx = 0, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
    )
