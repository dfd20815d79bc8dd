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

import math

import jax.numpy as jnp
import numpy as np

from ..base import System

STABLE_DT = 0.25  # ETDRK4 step: accurate to ~1e-6 per unit time at N = 64, L = 22 (tested)


def _check(L, N):
    if not (isinstance(L, (int, float)) and math.isfinite(L) and L > 0):
        raise ValueError(f"domain length L must be a positive number, got {L!r}")
    if not (isinstance(N, (int, np.integer)) and N >= 8 and (N & (N - 1)) == 0):
        raise ValueError(f"N must be a power of two >= 8, got {N!r}")


def kuramoto_sivashinsky(L: float = 22.0, N: int = 64, *, name: str | None = None) -> System:
    """A KS System on N grid points of [0, L); the reference IC is a smooth seeded field."""
    _check(L, N)
    L, N = float(L), int(N)
    k = 2 * np.pi / L * np.fft.rfftfreq(N, d=1.0 / N)
    keep = np.abs(np.fft.rfftfreq(N, d=1.0 / N)) <= N / 3  # 2/3 dealiasing of the quadratic term
    lin = jnp.asarray(k**2 - k**4)
    ik = jnp.asarray(1j * k)
    mask = jnp.asarray(keep)

    def fn(u, t):
        uh = jnp.fft.rfft(u)
        nl = -0.5 * ik * jnp.where(mask, jnp.fft.rfft(u * u), 0.0)
        return jnp.fft.irfft(lin * uh + nl, n=N)

    def stepper(h: float):
        import exponax as ex

        st = ex.stepper.KuramotoSivashinskyConservative(1, L, N, float(h), order=4)
        return lambda u: st(u[None])[0]

    x = np.arange(N) * L / N
    ic = np.cos(2 * np.pi * x / L) * (1 + np.sin(2 * np.pi * x / L)) + 0.1 * np.cos(6 * np.pi * x / L)
    return System(
        name=name or f"KuramotoSivashinsky(L={L:g},N={N})",
        dim=N,
        fn=fn,
        params={},
        reference_ic=tuple(ic),
        period=None,  # measured from the power spectrum when needed (it depends on L)
        dt=STABLE_DT,
        stepper=stepper,
        grid={"extent": L, "points": N, "dims": 1},
        description="Kuramoto-Sivashinsky equation u_t + u u_x + u_xx + u_xxxx = 0 on a periodic domain.",
        citation="Kuramoto & Tsuzuki (1976), Prog. Theor. Phys. 55, 356; Sivashinsky (1977), Acta Astronaut. 4, 1177",
        equations="u_t + u u_x + u_xx + u_xxxx = 0, x in [0, L) periodic; pseudo-spectral, 2/3 dealiased",
        field_="pde",
    )
