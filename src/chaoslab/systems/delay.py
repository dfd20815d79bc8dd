"""The catalog's delay differential equations x'(t) = f(x(t), x(t - tau))."""

from functools import partial

import jax.numpy as jnp

from .base import delay_flow

builtin = partial(delay_flow, register=True, field_="delay")
