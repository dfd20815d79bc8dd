"""Lorenz-96 at any size: the one-scale model and the two-scale model (Lorenz 1996, "Predictability
— a problem partly solved", ECMWF Seminar on Predictability).

One scale (N variables, cyclic):  X_k' = (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F.
Two scales (K slow X_k, J fast Y_{j,k} per slow variable, Y cyclic over all K J):
    X_k'     = (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F - (h c / b) sum_j Y_{j,k}
    Y_{j,k}' = -c b Y_{j+1,k} (Y_{j+2,k} - Y_{j-1,k}) - c Y_{j,k} + (h c / b) X_k
The catalog's ``Lorenz96`` is the 4-variable reference system; these factories give the sizes
used in data assimilation and ensemble work (N = 40, F = 8 is the standard testbed).
"""

from __future__ import annotations

import numpy as np
from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")

from ..base import System


def _check(name, v, lo=1):
    if not (isinstance(v, (int, np.integer)) and v >= lo):
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")


def lorenz96(N: int = 40, F: float = 8.0, *, seed: int = 0, name: str | None = None,
             period: float | None = None) -> System:
    """One-scale Lorenz-96 with N >= 4 variables on a ring (a ``lattice``: its ``grid`` is the
    ring of N sites, so datasets and figures treat it as a 1-D field); IC: F plus a small seeded
    perturbation."""
    _check("N", N, 4)

    def fn(x, t, F):
        return (jnp.roll(x, -1) - jnp.roll(x, 2)) * jnp.roll(x, 1) - x + F

    ic = F + 0.01 * np.random.default_rng(seed).standard_normal(N)
    return System(name=name or f"Lorenz96(N={N})", dim=N, fn=fn, params={"F": float(F)}, reference_ic=tuple(ic),
                  period=period, dt=0.01, field_="atmosphere", variables=tuple(f"X{i + 1}" for i in range(N)),
                  grid={"extent": float(N), "points": N, "dims": 1, "channels": 1, "variables": ("X",)},
                  description="Lorenz-96: advection, damping and forcing on a ring of N sites.",
                  citation="Lorenz (1996), Predictability - a problem partly solved, ECMWF",
                  equations="X_k' = (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F (cyclic)")


def lorenz96_two_scale(K: int = 36, J: int = 10, F: float = 10.0, h: float = 1.0, b: float = 10.0, c: float = 10.0,
                       *, seed: int = 0) -> System:
    """Two-scale Lorenz-96 (state: K slow X, then K J fast Y ordered Y_{1,1..J}, Y_{2,1..J}, ...)."""
    _check("K", K, 4)
    _check("J", J, 1)

    def fn(z, t, F, h, b, c):
        X, Y = z[:K], z[K:]
        coupling = (h * c / b) * Y.reshape(K, J).sum(axis=1)
        dX = (jnp.roll(X, -1) - jnp.roll(X, 2)) * jnp.roll(X, 1) - X + F - coupling
        dY = -c * b * jnp.roll(Y, -1) * (jnp.roll(Y, -2) - jnp.roll(Y, 1)) - c * Y + (h * c / b) * jnp.repeat(X, J)
        return jnp.concatenate([dX, dY])

    rng = np.random.default_rng(seed)
    ic = np.concatenate([F + rng.standard_normal(K), 0.1 * rng.standard_normal(K * J)])
    return System(name=f"Lorenz96TwoScale(K={K},J={J})", dim=K + K * J, fn=fn,
                  params={"F": float(F), "h": float(h), "b": float(b), "c": float(c)}, reference_ic=tuple(ic),
                  period=None, dt=0.005, field_="atmosphere",
                  description="Two-scale Lorenz-96: slow X coupled to fast Y, the standard multiscale testbed.",
                  citation="Lorenz (1996), Predictability - a problem partly solved, ECMWF",
                  equations="X_k' = (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F - (h c/b) sum_j Y_{j,k}; "
                            "Y_{j,k}' = -c b Y_{j+1,k} (Y_{j+2,k} - Y_{j-1,k}) - c Y_{j,k} + (h c/b) X_k")
