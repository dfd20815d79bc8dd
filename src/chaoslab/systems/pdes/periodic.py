"""Shared machinery for 1-D PDEs u_t = L u + N(u) on a periodic grid of N points on [0, L)."""

from __future__ import annotations

import math
from typing import Callable

import jax.numpy as jnp
import numpy as np

from ..base import System


def check_grid(L, N) -> tuple[float, int]:
    if not (isinstance(L, (int, float)) and math.isfinite(L) and L > 0):
        raise ValueError(f"domain length L must be a positive number, got {L!r}")
    if not (isinstance(N, (int, np.integer)) and N >= 8 and (N & (N - 1)) == 0):
        raise ValueError(f"N must be a power of two >= 8, got {N!r}")
    return float(L), int(N)


def wavenumbers(L: float, N: int):
    """(k, dealias mask) for rfft coefficients: k = 2 pi m / L, mask keeps |m| <= N/3 (2/3 rule)."""
    m = np.fft.rfftfreq(N, d=1.0 / N)
    return 2 * np.pi / L * m, np.abs(m) <= N / 3


def periodic_1d_system(*, name: str, L: float, N: int, linear: Callable, convection: float, stepper: Callable,
                       ic: np.ndarray, dt: float, description: str, citation: str, equations: str,
                       hamiltonian: bool = False) -> System:
    """A System for u_t = lin(k) u_hat - convection * (u^2 / 2)_x, pseudo-spectral and 2/3
    dealiased; ``linear(k)`` is the Fourier symbol of the linear part, ``stepper(h)`` the ETD
    stepper of the same equation."""
    k, keep = wavenumbers(L, N)
    lin = jnp.asarray(linear(k))
    ik = jnp.asarray(1j * k)
    mask = jnp.asarray(keep)

    def fn(u, t):
        uh = jnp.fft.rfft(u)
        nl = -0.5 * convection * ik * jnp.where(mask, jnp.fft.rfft(u * u), 0.0)
        return jnp.fft.irfft(lin * uh + nl, n=N)

    return System(
        name=name, dim=N, fn=fn, params={}, reference_ic=tuple(np.asarray(ic, dtype=float)),
        period=None, dt=dt, stepper=stepper, grid={"extent": L, "points": N, "dims": 1},
        description=description, citation=citation, equations=equations, field_="pde", hamiltonian=hamiltonian,
    )
