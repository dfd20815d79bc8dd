"""Viscous Burgers equation on [0, L) with periodic boundaries (Burgers 1948):
u_t + u u_x = nu u_xx, stepped by exponax.stepper.Burgers (ETDRK4).

(Korteweg-de Vries is not here yet: exponax's KdV stepper with the hyper-viscosity off lost
0.3-1.3% of the energy per time unit at h = 2.5e-4..1e-3 on a two-soliton state, converging
only ~linearly in h, while the semi-discrete equations conserve it to 1e-11 — to be resolved
before it ships.)
"""

from __future__ import annotations

import numpy as np

from ..base import System
from .periodic import check_grid, periodic_1d_system


def burgers(L: float = 2 * np.pi, N: int = 128, nu: float = 0.05, *, name: str | None = None,
                         period: float | None = None) -> System:
    """Viscous Burgers; the reference IC is sin(2 pi x / L)."""
    L, N = check_grid(L, N)
    if not (np.isfinite(nu) and nu > 0):
        raise ValueError(f"viscosity nu must be > 0, got {nu!r}")
    nu = float(nu)

    def stepper(h: float):
        import exponax as ex

        st = ex.stepper.Burgers(1, L, N, float(h), diffusivity=nu, order=4)
        return st

    x = np.arange(N) * L / N
    return periodic_1d_system(
        name=name or f"Burgers(L={L:g},N={N},nu={nu:g})", L=L, N=N, linear=lambda k: -nu * k**2, convection=1.0,
        stepper=stepper, ic=np.sin(2 * np.pi * x / L), dt=0.01, period=period,
        description="Viscous Burgers equation: steepening into smooth shocks that decay.",
        citation="Burgers (1948), Adv. Appl. Mech. 1, 171",
        equations="u_t + u u_x = nu u_xx, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
    )
