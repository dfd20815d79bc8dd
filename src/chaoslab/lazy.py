"""Deferred imports: ``jnp = lazy_module("jax.numpy")`` binds a name now and imports the module
on first attribute access. chaoslab's catalog, CLI and top-level namespace use it so that
``import chaoslab`` and ``chaoslab systems list`` do not pay for importing JAX (about a second).

(Python's ``importlib.util.LazyLoader`` cannot defer a submodule such as ``jax.numpy``: finding
its spec imports the parent package.)
"""

from __future__ import annotations

import importlib
import types


class LazyModule(types.ModuleType):
    """A stand-in for the module ``name``: attribute access imports it and forwards."""

    def __init__(self, name: str):
        super().__init__(name)

    def __getattr__(self, attr: str):
        module = importlib.import_module(self.__name__)  # cached in sys.modules after the first call
        value = getattr(module, attr)
        if not isinstance(value, types.ModuleType) or attr in module.__dict__:
            self.__dict__[attr] = value  # later lookups skip __getattr__
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__name__!r}>"


def lazy_module(name: str) -> LazyModule:
    """A module object for ``name`` that is imported when first used."""
    return LazyModule(name)
