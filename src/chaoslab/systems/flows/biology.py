"""Biology flows."""

from ._common import builtin, jnp, stack

builtin = builtin("biology")
