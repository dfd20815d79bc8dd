"""The Korteweg-de Vries equation on [0, L) with periodic boundaries:

    u_t + 6 u u_x + u_xxx = 0.

Korteweg & de Vries (1895), Phil. Mag. (5) 39, 422; Zabusky & Kruskal (1965), Phys. Rev. Lett.
15, 240 (solitons, recurrence). A soliton of speed c is u = c/2 sech^2(sqrt(c)/2 (x - c t - a));
solitons pass through each other, shifted but unchanged. Conserved (Miura, Gardner & Kruskal
1968, J. Math. Phys. 9, 1204): mass int u, energy int u^2 and the Hamiltonian
H = int (u_x^2/2 - u^3) dx, of which the equation is the flow u_t = d/dx (dH/du).

Discretisation: pseudo-spectral, 2/3 dealiased; the symbol of -u_xxx is i k^3 and the
nonlinearity -3 (u^2)_x. The semi-discrete equations are u_t = D P dH/du (D the spectral
derivative, antisymmetric; P the band projector, orthogonal, commuting with D), so for a state
in the dealiased band they conserve mass, energy and the grid H exactly; only time stepping
moves them.

Why our own stepper (``etdrk.etdrk4_step``): exponax 0.2's ETDRK coefficients keep only the real
part of the contour mean, wrong for the imaginary symbol i k^3, which makes its
``KortewegDeVries`` stepper (order 4, hyper-viscosity off, convection_scale 6) first order.
Measured on the reference two-soliton state over one time unit, exponax changes the energy by
-0.24%, -0.12%, -0.061% (and H by +0.44%, +0.22%, +0.11%) at h = 1e-3, 5e-4, 2.5e-4, halving
with h; a single soliton is off by 4e-3 after 2 time units at h = 1e-3. This stepper changes the
energy by -1.6e-6, -4.9e-8, -1.5e-9 at h = 0.02, 0.01, 0.005 over one time unit, by -7e-7
over the 20-unit collision at h = DT, and converges at order 4 (4.04-4.24 measured).

Reference state: solitons of speed 2 and 0.5 (amplitudes 1 and 0.25) at L/4 and 3L/4, L/2 apart
(overlap ~ sech^2(sqrt(0.5) L/4) ~ 3e-6 at L = 40); at N = 128 the band drops 5e-6 of the fast
soliton (sup norm), so the state is resolved to ~1e-5. The fast soliton overtakes the slow one
at t ~ 13. Preset period L / 2 = 20: the time the fast soliton takes to cross the domain.

Step: DT = 0.01 (ETDRK4 error 1.5e-5 in L2 over the 20-unit period, energy kept to 1e-6).
Stable limit: the advective CFL h <= CFL dx / (6 max|u0|). Measured over 400 time units from the
reference state plus band-limited noise of rms 1e-3 and 1e-2: first blow-up at CFL = 0.8
(N = 128, L = 40), 1.2 (N = 128, L = 20), > 1.4 (N = 256); classical RK4 on advection alone gives
2.83 / (6 max|u| k_max), k_max = 2 pi / (3 dx), i.e. CFL 1.35. CFL = 0.5: a safety factor 1.6
below the smallest threshold (h <= 0.026 for the preset). Under-resolved states (noise of rms
0.1, energy piling up at the cutoff) blew up even below it: the limit is for resolved fields.
"""

from __future__ import annotations

from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")
import numpy as np

from ..base import System
from .etdrk import etdrk4_step
from .periodic import check_grid, check_step, periodic_1d_system, wavenumbers

SPEEDS = (2.0, 0.5)  # reference two-soliton: speeds c (amplitudes c/2) ...
CENTRES = (0.25, 0.75)  # ... centred at these fractions of L (L/2 apart: overlap ~ sech^2(sqrt(0.5) L/4))
DT = 0.01  # ETDRK4 step of the preset, see the module notes
CFL = 0.5  # stable limit h <= CFL dx / (6 max|u|), see ``stable_limit``


def soliton(x, c: float, a: float, t: float = 0.0, L: float | None = None):
    """The exact soliton c/2 sech^2(sqrt(c)/2 (x - c t - a)); on a period L, the nearest image."""
    s = np.asarray(x, dtype=float) - c * t - a
    if L is not None:
        s = (s + L / 2) % L - L / 2
    return c / 2 / np.cosh(np.sqrt(c) / 2 * s) ** 2


def project(u, N: int):
    """u restricted to the 2/3-dealiased band (|m| <= N/3), on the same grid."""
    _, keep = wavenumbers(1.0, N)
    return np.fft.irfft(np.where(keep, np.fft.rfft(u), 0.0), n=N)


def two_soliton(L: float, N: int) -> np.ndarray:
    """The reference IC: two well-separated solitons, projected onto the dealiased band."""
    x = np.arange(N) * L / N
    return project(sum(soliton(x, c, f * L, L=L) for c, f in zip(SPEEDS, CENTRES)), N)


def stable_limit(L: float, N: int, umax: float) -> float:
    """Largest allowed ETDRK4 step: the advective CFL h <= CFL dx / (6 max|u|), 6 u being the
    advection speed (see the module notes for the measurement behind CFL)."""
    return CFL * (L / N) / (6 * umax)


def korteweg_de_vries(L: float = 40.0, N: int = 128, *, name: str | None = None,
                      period: float | None = None) -> System:
    """A KdV System on N grid points of [0, L); the reference IC is the two-soliton state
    ``two_soliton(L, N)`` (speeds 2 and 0.5 at L/4 and 3L/4)."""
    L, N = check_grid(L, N)
    name = name or f"KortewegDeVries(L={L:g},N={N})"
    ic = two_soliton(L, N)
    k, keep = wavenumbers(L, N)
    lin = 1j * k**3
    nl_factor = np.asarray(np.where(keep, -3j * k, 0.0))
    limit = stable_limit(L, N, float(np.abs(ic).max()))

    def nonlinear(v):
        u = jnp.fft.irfft(v, n=N)
        return nl_factor * jnp.fft.rfft(u * u)

    def stepper(h: float):
        h = check_step(h, limit, name, f"advective CFL h <= {CFL:g} dx / (6 max|u0|)")
        step = etdrk4_step(lin[None], nonlinear, h)
        return lambda f: jnp.fft.irfft(step(jnp.fft.rfft(f)), n=N)

    return periodic_1d_system(
        name=name, L=L, N=N, linear=lambda k: 1j * k**3, convection=6.0, stepper=stepper, ic=ic,
        dt=min(DT, limit), period=period, hamiltonian=True,
        description="Korteweg-de Vries equation u_t + 6 u u_x + u_xxx = 0: solitons on a periodic domain.",
        citation="Korteweg & de Vries (1895), Phil. Mag. 39, 422; Zabusky & Kruskal (1965), Phys. Rev. Lett. 15, 240",
        equations="u_t + 6 u u_x + u_xxx = 0, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
    )


def invariants(u, L: float) -> tuple[float, float, float]:
    """(mass int u, energy int u^2, Hamiltonian int (u_x^2/2 - u^3)) of fields (..., N), spectrally."""
    u = np.asarray(u, dtype=float)
    N = u.shape[-1]
    k, _ = wavenumbers(L, N)
    ux = np.fft.irfft(1j * k * np.fft.rfft(u, axis=-1), n=N, axis=-1)
    dx = L / N
    return u.sum(-1) * dx, (u * u).sum(-1) * dx, (ux * ux / 2 - u**3).sum(-1) * dx


def presets() -> list[System]:
    """The named preset ``KortewegDeVries``: L = 40, N = 128, period L / 2 = 20, the time the
    faster soliton (speed 2) takes to cross the domain."""
    return [korteweg_de_vries(40.0, 128, name="KortewegDeVries", period=40.0 / SPEEDS[0])]
