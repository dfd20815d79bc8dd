"""Integration — the functional core ``solve`` (pure JAX: jit, vmap, grad) and numpy conveniences: fixed-step RK4, adaptive Runge–Kutta (diffrax), stiff, maps, delay equations,
ensembles streamed in chunks, noise, and divergence detection."""

from .api import (  # noqa: F401
    DivergenceError,
    Ensemble,
    Trajectory,
    characteristic_period,
    check_x0,
    ensemble,
    output_dt,
    sde_ensemble,
    sde_trajectory,
    stream,
    trajectory,
)
from .core import Solution, as_system, default_bound, member_sharding, solve, spread_batch, spread_members  # noqa: F401
from .solvers import METHODS, SolverConfig, get_solver  # noqa: F401
