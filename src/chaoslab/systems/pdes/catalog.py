"""The named presets of the spatially extended systems (``chaoslab systems list --kind spatial``).

Each preset is a System built by its family's factory with documented parameters; the factories
(``kuramoto_sivashinsky(L, N)``, ``lorenz96(N, F)``, ...) give any other size.

Characteristic time (``period``): a broadband field has no dominant period, so each preset states
the time scale its data are sampled against (granularity = points per this time):
- Kuramoto-Sivashinsky: 10 time units, the lifetime of a cell between splittings/mergers and about
  half the Lyapunov time at L = 22 (1/0.048 ~ 21); the default 100 points per period give dt = 0.1.
- Reaction-diffusion (CGL spirals, breakup, decay; Gray-Scott patterns) and Navier-Stokes
  (Kolmogorov flow, double shear layer): rotation periods, oscillation and decay times, eddy
  turnover times, as documented in ``reaction_diffusion`` and ``navier_stokes``.
- Lorenz-96 (N = 40, F = 8): 1.6 time units, the dominant period of its power spectrum as measured
  by ``characteristic_period`` (a wave travelling around the ring).
"""

from __future__ import annotations

from ..base import register
from .burgers import burgers
from .kuramoto_sivashinsky import kuramoto_sivashinsky
from .lorenz96 import lorenz96
from . import kdv, navier_stokes, reaction_diffusion

KS_PERIOD = 10.0

for _name, _L, _N in (("KuramotoSivashinsky", 22.0, 64), ("KuramotoSivashinskyL64", 64.0, 128),
                      ("KuramotoSivashinskyL100", 100.0, 256)):
    register(kuramoto_sivashinsky(_L, _N, name=_name, period=KS_PERIOD))
register(burgers(name="Burgers", period=1.0))
register(lorenz96(40, 8.0, name="Lorenz96N40", period=1.6))
for _module in (kdv, reaction_diffusion, navier_stokes):  # parameters and sources in each module's docstring
    for _system in _module.presets():
        register(_system)
