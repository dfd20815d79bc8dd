"""Shared helpers for writing built-in flows."""

from functools import partial

from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")

from ..base import flow, stack

__all__ = ["builtin", "stack", "jnp"]


def builtin(field: str):
    """A ``flow`` decorator that registers the system in the catalog under ``field``."""
    return partial(flow, register=True, field_=field)
