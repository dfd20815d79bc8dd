"""Chemistry flows."""

from ._common import builtin, jnp, stack

builtin = builtin("chemistry")
