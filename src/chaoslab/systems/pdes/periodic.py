"""Shared machinery for PDEs on periodic domains [0, L)^d, pseudo-spectral in space.

A PDE is an ordinary ``System`` whose state is a flat vector: the C channels of the field on
an N^d grid, in C order (channel, then x, then y). ``Grid`` knows the shape; ``pde_system``
wraps field-shaped functions into the flat-state ``fn`` (the semi-discretised right-hand side,
for any ODE solver) and ``stepper`` (the exponential time-differencing stepper used by the
default method, ``etdrk``). Everything that works on ODE systems — trajectories, ensembles,
noise, divergence detection, Lyapunov spectra, datasets — works on the flat state unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")
import numpy as np

from ..base import System


def check_grid(L, N) -> tuple[float, int]:
    """(L, N) as (float, int), or a one-line ValueError saying what is allowed."""
    if isinstance(L, bool) or not (isinstance(L, (int, float, np.integer, np.floating)) and math.isfinite(L) and L > 0):
        raise ValueError(f"domain length L must be a positive number, got {L!r}")
    if isinstance(N, bool) or not (isinstance(N, (int, np.integer)) and N >= 8 and (N & (N - 1)) == 0):
        raise ValueError(f"N must be a power of two >= 8, got {N!r}")
    return float(L), int(N)


def _finite_number(value) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_real(name: str, value) -> float:
    """A finite real coefficient, or a one-line ValueError."""
    if not _finite_number(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """A finite coefficient that must be > 0 (or >= 0), or a one-line ValueError."""
    if not (_finite_number(value) and (value >= 0 if allow_zero else value > 0)):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return float(value)


def check_step(h, limit: float, name: str, rule: str) -> float:
    """h as a float, or a one-line ValueError unless 0 < h <= limit (``rule`` names the limit)."""
    number = isinstance(h, (int, float, np.integer, np.floating)) and not isinstance(h, bool)
    if number and 0 < h <= limit:
        return float(h)
    allowed = f"allowed: 0 < h <= {limit:.3g}"
    if number and h > limit:
        raise ValueError(f"time step h = {h:g} exceeds the stable limit {limit:.3g} for {name} ({rule}); {allowed}")
    raise ValueError(f"time step h must be a positive number, got {h!r} for {name}; {allowed}")


def wavenumbers(L: float, N: int):
    """(k, dealias mask) for rfft coefficients: k = 2 pi m / L, mask keeps |m| <= N/3 (2/3 rule)."""
    m = np.fft.rfftfreq(N, d=1.0 / N)
    return 2 * np.pi / L * m, np.abs(m) <= N / 3


@dataclass(frozen=True)
class Grid:
    """A periodic grid of ``points`` per side on [0, extent)^dims carrying ``channels`` fields."""

    extent: float
    points: int
    dims: int = 1
    channels: int = 1

    def __post_init__(self):
        check_grid(self.extent, self.points)
        if self.dims not in (1, 2):
            raise ValueError(f"dims must be 1 or 2, got {self.dims!r}")

    @property
    def shape(self) -> tuple[int, ...]:
        """Field shape (channels, N[, N])."""
        return (self.channels,) + (self.points,) * self.dims

    @property
    def size(self) -> int:
        return self.channels * self.points**self.dims

    @property
    def spacing(self) -> float:
        return self.extent / self.points

    def coords(self) -> np.ndarray:
        """Grid points along one axis, 0, L/N, ..., L - L/N."""
        return np.arange(self.points) * self.spacing

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinates of every grid point, one (N,)*dims array per axis (indexing 'ij')."""
        x = self.coords()
        return tuple(np.meshgrid(*([x] * self.dims), indexing="ij"))

    def wavenumbers(self, real: bool = True) -> tuple[np.ndarray, ...]:
        """Angular wavenumbers broadcastable to the Fourier array (rfftn along the last axis when
        ``real``, full fftn otherwise), one per axis."""
        full = 2 * np.pi / self.extent * np.fft.fftfreq(self.points, d=1.0 / self.points)
        last = 2 * np.pi / self.extent * np.fft.rfftfreq(self.points, d=1.0 / self.points) if real else full
        axes = [full] * (self.dims - 1) + [last]
        out = []
        for i, k in enumerate(axes):
            shape = [1] * self.dims
            shape[i] = k.size
            out.append(k.reshape(shape))
        return tuple(out)

    def dealias_mask(self, real: bool = True) -> np.ndarray:
        """True for modes kept by the 2/3 rule (every |m_i| <= N/3) on the Fourier array."""
        kmax = 2 * np.pi / self.extent * self.points / 3
        keep = np.ones([1] * self.dims, dtype=bool)
        for k in self.wavenumbers(real):
            keep = keep & (np.abs(k) <= kmax + 1e-12)
        return keep

    def field(self, u):
        """Flat state -> field (channels, N[, N]); batch axes in front are kept."""
        return u.reshape(u.shape[:-1] + self.shape)

    def flat(self, f):
        """Field (..., channels, N[, N]) -> flat state."""
        return f.reshape(f.shape[: f.ndim - 1 - self.dims] + (self.size,))

    def as_dict(self, variables: Sequence[str]) -> dict[str, Any]:
        return {"extent": self.extent, "points": self.points, "dims": self.dims, "channels": self.channels,
                "variables": tuple(variables)}


def pde_system(*, name: str, grid: Grid, rhs: Callable, stepper: Callable, ic: np.ndarray, dt: float,
               description: str, citation: str, equations: str, variables: Sequence[str] = ("u",),
               period: float | None = None, hamiltonian: bool = False, stats: dict | None = None,
               params: dict | None = None) -> System:
    """A System for a PDE given on fields: ``rhs(field, t) -> d field/dt`` (pseudo-spectral,
    dealiased) and ``stepper(h) -> step(field) -> field(t + h)``; ``ic`` is a field of shape
    ``grid.shape`` (or a flat state)."""
    variables = tuple(variables)
    if len(variables) != grid.channels:
        raise ValueError(f"{name}: {grid.channels} channels but variables {variables}")

    def fn(u, t, **p):
        return grid.flat(rhs(grid.field(u), t))

    def flat_stepper(h: float):
        step = stepper(float(h))
        return lambda u: grid.flat(step(grid.field(u)))

    ic = np.asarray(ic, dtype=np.float64).reshape(-1)
    if ic.size != grid.size:
        raise ValueError(f"{name}: initial condition has {ic.size} values, the grid {grid.size}")
    return System(
        name=name, dim=grid.size, fn=fn, params=params or {}, reference_ic=tuple(ic), period=period, dt=dt,
        stepper=flat_stepper, grid=grid.as_dict(variables), variables=variables, description=description,
        citation=citation, equations=equations, field_="pde", hamiltonian=hamiltonian, stats=stats or {},
    )


def periodic_1d_system(*, name: str, L: float, N: int, linear: Callable, convection: float, stepper: Callable,
                       ic: np.ndarray, dt: float, description: str, citation: str, equations: str,
                       hamiltonian: bool = False, period: float | None = None) -> System:
    """A System for u_t = lin(k) u_hat - convection * (u^2 / 2)_x, pseudo-spectral and 2/3
    dealiased; ``linear(k)`` is the Fourier symbol of the linear part, ``stepper(h)`` an ETD
    stepper of the same equation acting on (1, N) fields."""
    grid = Grid(L, N, 1, 1)
    k, keep = wavenumbers(L, N)
    lin = np.asarray(linear(k))
    ik = np.asarray(1j * k)
    mask = np.asarray(keep)

    def rhs(f, t):
        u = f[0]
        uh = jnp.fft.rfft(u)
        nl = -0.5 * convection * ik * jnp.where(mask, jnp.fft.rfft(u * u), 0.0)
        return jnp.fft.irfft(lin * uh + nl, n=N)[None]

    return pde_system(name=name, grid=grid, rhs=rhs, stepper=stepper, ic=ic, dt=dt, description=description,
                      citation=citation, equations=equations, hamiltonian=hamiltonian, period=period)
