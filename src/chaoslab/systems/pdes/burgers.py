"""Viscous Burgers equation on [0, L) with periodic boundaries (Burgers 1948):
u_t + u u_x = nu u_xx, stepped by exponax.stepper.Burgers (ETDRK4).

Stable step: the advective CFL h <= CFL dx / U, U = max|u(0)| (the maximum principle keeps
|u| below it). Measured from u = sin x (L = 2 pi, 20 time units): the largest stable h was
between 2.0 and 2.5 dx/U at nu = 0.005 (N = 128 and 256), 2.5-3 at nu = 0.01, 4-6 at nu = 0.02
and above 16 at nu = 0.05 (N = 128, 256; 8-12 at N = 64) — viscosity damps the fastest modes
inside the exponential. CFL = 1, a safety factor 2 below the smallest threshold. (Inviscid
classical RK4 would allow h U k_max <= 2.83, k_max = 2 pi / (3 dx): CFL 1.35.)
"""

from __future__ import annotations

import numpy as np

from ..base import System
from .periodic import check_grid, check_step, periodic_1d_system

CFL = 1.0  # stable limit h <= CFL dx / max|u(0)|, see the module notes


def burgers(L: float = 2 * np.pi, N: int = 128, nu: float = 0.05, *, name: str | None = None,
                         period: float | None = None) -> System:
    """Viscous Burgers; the reference IC is sin(2 pi x / L)."""
    L, N = check_grid(L, N)
    if not (np.isfinite(nu) and nu > 0):
        raise ValueError(f"viscosity nu must be > 0, got {nu!r}")
    nu = float(nu)
    name = name or f"Burgers(L={L:g},N={N},nu={nu:g})"
    x = np.arange(N) * L / N
    ic = np.sin(2 * np.pi * x / L)
    limit = CFL * (L / N) / np.abs(ic).max()

    def stepper(h: float):
        import exponax as ex

        h = check_step(h, limit, name, f"advective CFL h <= {CFL:g} dx / max|u0|")
        st = ex.stepper.Burgers(1, L, N, h, diffusivity=nu, order=4)
        return st

    return periodic_1d_system(
        name=name, L=L, N=N, linear=lambda k: -nu * k**2, convection=1.0,
        stepper=stepper, ic=ic, dt=min(0.01, limit), period=period,
        description="Viscous Burgers equation: steepening into smooth shocks that decay.",
        citation="Burgers (1948), Adv. Appl. Mech. 1, 171",
        equations="u_t + u u_x = nu u_xx, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
    )
