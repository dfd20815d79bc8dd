"""Every module's ``__all__`` names only things the module has, so ``from chaoslab.x import *``
and documentation tools that read ``__all__`` work for every public module."""

import importlib
import pkgutil

import chaoslab


def _modules():
    yield chaoslab.__name__
    for info in pkgutil.walk_packages(chaoslab.__path__, prefix="chaoslab."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            yield info.name


def test_every_name_in_all_exists():
    missing = []
    checked = 0
    for name in _modules():
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        checked += 1
        missing += [f"{name}.{n}" for n in names if not hasattr(module, n)]
    assert checked > 10, "the walk found too few modules with __all__"
    assert missing == [], f"names in __all__ that the module does not define: {missing}"
