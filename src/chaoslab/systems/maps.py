"""The catalog's discrete maps."""

from functools import partial

import jax.numpy as jnp

from .base import map_system, stack

builtin = partial(map_system, register=True, field_="maps")
