"""Integration — the functional core ``solve`` (pure JAX: jit, vmap, grad) and numpy conveniences: fixed-step RK4, adaptive Runge–Kutta (diffrax), stiff, maps, delay equations,
ensembles streamed in chunks, noise, and divergence detection."""

from .api import (  # noqa: F401
    DivergenceError,
    Ensemble,
    EnsembleStatistics,
    Trajectory,
    characteristic_period,
    check_x0,
    ensemble,
    ensemble_statistics,
    output_dt,
    sde_ensemble,
    sde_trajectory,
    stream,
    trajectory,
)
from .core import (Solution, Stepper, as_system, default_bound, member_sharding, program_sizes, solve,  # noqa: F401
                   spread_batch, spread_members, stepper)
from .solvers import METHODS, SolverConfig, get_solver  # noqa: F401
