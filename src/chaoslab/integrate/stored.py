"""Traced programs kept on disk, so that a second process does not trace and lower them again.

JAX's persistent compilation cache (on by default, see the README) skips XLA's compilation in a
second run, but every process still traces its programs (Python) and lowers them to StableHLO:
for the integrators' chunked programs and the Lyapunov runners that is 0.1-0.6 s per program,
most of what a warm suite spends "compiling". :func:`stored_program` wraps such a program: the
first call with a given argument signature exports it with :mod:`jax.export` (one trace) and
writes the serialized module beside the compilation cache; later processes read it back and run
it without tracing. Every process runs the exported module, so the bits are the same whether it
was just traced or read.

A program is stored only under a key that names everything its trace depends on, stable across
processes: :func:`stable_key` turns the pieces of a program's cache key into text, with a
catalog :class:`~chaoslab.systems.System` (chaoslab's functions, no closures) by its value;
anything else (a user's lambda, a model's closure) makes the key None and the program is traced
as usual. The store is also keyed by the chaoslab source (a digest of its files), the JAX
version, the platform and the argument shapes, dtypes and shardings. It lives in
``<compilation cache dir>-programs`` and is off when the compilation cache is
(``CHAOSLAB_COMPILE_CACHE=0``, or ``JAX_COMPILATION_CACHE_DIR=""``).
"""

from __future__ import annotations

import hashlib
import types
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jax
import numpy as np

from ..files import atomic_write

SUFFIX = ".jaxexport"


@lru_cache(maxsize=1)
def source_digest() -> str:
    """A digest of chaoslab's Python source (a change to any file changes every key)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def store_dir() -> Path | None:
    """Where programs are stored: beside JAX's compilation cache, None when that is off."""
    base = jax.config.jax_compilation_cache_dir
    if not base:
        return None
    return Path(str(base).rstrip("/\\") + "-programs")


def _function_key(fn) -> str | None:
    """A chaoslab function without closure or defaults by where it is defined (its source is
    in the digest): a module-level function, or one defined inside another; not a lambda."""
    if not isinstance(fn, types.FunctionType) or fn.__closure__ or fn.__defaults__ or fn.__kwdefaults__:
        return None
    if not (fn.__module__ or "").startswith("chaoslab.") or "<lambda>" in fn.__qualname__:
        return None
    return f"{fn.__module__}.{fn.__qualname__}:{fn.__code__.co_firstlineno}"


def stable_key(*parts) -> str | None:
    """Text naming ``parts`` alike in every process, or None when one of them cannot be named:
    numbers, strings, None, tuples/lists/dicts of them, numpy arrays by value, chaoslab
    functions by where they are defined (no closure, no defaults, not lambdas), and
    :class:`~chaoslab.systems.System` values whose functions are all such functions."""
    from ..systems.base import System

    out: list[str] = []

    def walk(v) -> bool:
        if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
            out.append(f"{type(v).__name__}:{v!r}")
        elif isinstance(v, np.generic):
            out.append(f"{v.dtype}:{v!r}")
        elif isinstance(v, np.ndarray):
            out.append(f"array{v.shape}{v.dtype}:{hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()}")
        elif isinstance(v, (tuple, list)):
            out.append(f"{type(v).__name__}(")
            if not all(walk(a) for a in v):
                return False
            out.append(")")
        elif isinstance(v, dict):
            out.append("dict(")
            if not all(walk(k) and walk(a) for k, a in sorted(v.items(), key=lambda kv: repr(kv[0]))):
                return False
            out.append(")")
        elif isinstance(v, System):
            out.append("System(")
            if not walk(v.stable_value()):
                return False
            out.append(")")
        elif isinstance(v, types.FunctionType):
            name = _function_key(v)
            if name is None:
                return False
            out.append(f"fn:{name}")
        elif hasattr(v, "_fields") and isinstance(v, tuple):  # a NamedTuple
            return walk(tuple(v))
        else:
            return False
        return True

    return "".join(out) if walk(parts) else None


def _signature(args) -> tuple:
    leaves, tree = jax.tree_util.tree_flatten(args)
    sig = []
    for a in leaves:
        if isinstance(a, jax.Array):
            sig.append((a.shape, str(a.dtype), bool(getattr(a, "weak_type", False)), repr(a.sharding)))
        elif isinstance(a, np.ndarray):
            sig.append((a.shape, str(a.dtype)))
        else:
            sig.append(type(a).__name__)
    return str(tree), tuple(sig)


class StoredProgram:
    """A jitted ``fn`` whose traced module is kept on disk under ``key`` (see the module
    docstring); called like ``fn`` (positional arguments; no static ones)."""

    def __init__(self, fn: Callable, key: str):
        self.fn, self.key = fn, key
        self._programs: dict[tuple, Callable] = {}

    def __call__(self, *args):
        sig = _signature(args)
        prog = self._programs.get(sig)
        if prog is None:
            prog = self._programs[sig] = self._load_or_export(sig, args)
        return prog(*args)

    def _load_or_export(self, sig, args) -> Callable:
        where = store_dir()
        if where is None:
            return self.fn
        devices = jax.local_devices()
        text = repr((self.key, sig, source_digest(), jax.__version__, jax.config.jax_enable_x64,
                     devices[0].platform, devices[0].device_kind, len(devices)))
        path = where / (hashlib.sha256(text.encode()).hexdigest() + SUFFIX)
        from jax import export

        if path.is_file():
            try:
                return jax.jit(export.deserialize(bytearray(path.read_bytes())).call)
            except Exception:  # unreadable (truncated, another JAX): export it again
                pass
        try:
            exported = export.export(self.fn)(*args)
            blob = exported.serialize()
        except Exception:  # a program jax.export cannot carry: run it as it is
            return self.fn
        try:
            where.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda tmp: tmp.write_bytes(blob))
        except OSError:  # a read-only cache: still run the exported module
            pass
        return jax.jit(exported.call)


def stored_program(fn: Callable, *key_parts: Any) -> Callable:
    """``fn`` (a jitted program) as a :class:`StoredProgram` when ``key_parts`` name everything
    its trace depends on (:func:`stable_key`), else ``fn`` itself."""
    key = stable_key(*key_parts)
    return fn if key is None else StoredProgram(fn, key)
