"""chaoslab: a laboratory for the predictability and stability of dynamical systems.

chaoslab runs JAX in float64 mode (``jax_enable_x64``): every array is double precision unless
you ask otherwise. Importing chaoslab does not import JAX (it takes about a second); it sets
``JAX_ENABLE_X64`` for the JAX you import later (or switches the option on if JAX is already
imported). The integration functions below are imported on first use.

Compiled programs persist in JAX's compilation cache under the user cache dir
(``$XDG_CACHE_HOME/chaoslab/jax``, default ``~/.cache/chaoslab/jax``), so a second run of the
same work does not compile again; ``JAX_COMPILATION_CACHE_DIR`` chooses another place and
``CHAOSLAB_COMPILE_CACHE=0`` turns it off.

JAX's CPU backend is given one device per core (``XLA_FLAGS=--xla_force_host_platform_device_count``,
unless XLA_FLAGS already sets it; ``CHAOSLAB_HOST_DEVICES=N`` for N, 1 for a single device), and
batches of members are spread over all local devices (CPU cores, or GPUs).
"""

import os as _os
import sys as _sys

if "jax" in _sys.modules:
    _sys.modules["jax"].config.update("jax_enable_x64", True)
else:
    _os.environ["JAX_ENABLE_X64"] = "1"
    # one XLA CPU device per core, so that ensembles spread over every core (set before JAX
    # starts; a device count already in XLA_FLAGS is kept; CHAOSLAB_HOST_DEVICES=N chooses N)
    _flags = _os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in _flags:
        try:
            _cores = len(_os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            _cores = _os.cpu_count() or 1
        _n = _os.environ.get("CHAOSLAB_HOST_DEVICES", str(_cores))
        if _n.isdigit() and int(_n) > 1:
            _os.environ["XLA_FLAGS"] = f"{_flags} --xla_force_host_platform_device_count={int(_n)}".strip()

if _os.environ.get("CHAOSLAB_COMPILE_CACHE", "1") != "0":  # opt out with CHAOSLAB_COMPILE_CACHE=0
    from ._cache import enable_compile_cache as _enable_compile_cache

    _enable_compile_cache()

__version__ = "0.1.0"

from .systems.base import (  # noqa: E402,F401
    DivergenceError,
    ParameterError,
    System,
    UnknownNameError,
    UnknownSystemError,
    delay_flow,
    flow,
    get_system,
    list_systems,
    map_system,
    resolve_name,
    stack,
)

_INTEGRATE = ("Ensemble", "EnsembleStatistics", "Trajectory", "ensemble", "ensemble_statistics", "sde_ensemble", "sde_trajectory", "stream",
              "trajectory", "solve", "Solution")


def __getattr__(name: str):
    if name in _INTEGRATE:
        from . import integrate

        value = getattr(integrate, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chaoslab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_INTEGRATE))
