"""The persistent JAX compilation cache in the user cache dir (design.md: caches live there,
never inside the package)."""

from __future__ import annotations

import os


def cache_dir(*parts: str) -> str:
    """``$XDG_CACHE_HOME/chaoslab/...`` (default ``~/.cache/chaoslab/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "chaoslab", *parts)


def enable_compile_cache() -> None:
    """Persist compiled XLA programs in the user cache dir (faster repeated runs and workers).
    ``JAX_COMPILATION_CACHE_DIR`` set in the environment (even empty) takes precedence. Before
    JAX is imported this only sets the environment (JAX reads it when it starts; worker
    processes inherit it), so a command that never compiles does not pay for importing JAX."""
    import sys

    if "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return
    path = cache_dir("jax")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:  # a read-only home: run without the cache
        return
    if "jax" not in sys.modules:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = path
        # every program, not only slow ones: the many small programs of a suite are most of its
        # compile time (the demo's second run: 27 % compiling with 0, 50 % with 0.5 s)
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        return
    jax = sys.modules["jax"]
    try:
        jax.config.update("jax_compilation_cache_dir", path)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except Exception:  # a cache the running JAX refuses: run without it
        pass


def mapping_share() -> float | None:
    """The share of the kernel's per-process limit on memory mappings (Linux ``vm.max_map_count``)
    this process has used, or None where there is no ``/proc`` to read it from."""
    try:
        with open("/proc/sys/vm/max_map_count") as f:
            limit = int(f.read())
        with open("/proc/self/maps", "rb") as f:
            used = sum(1 for _ in f)
    except (OSError, ValueError):
        return None
    return used / limit if limit > 0 else None


def release_compiled_programs(share: float = 0.5) -> bool:
    """Drop JAX's in-memory compiled programs (``jax.clear_caches``) once this process uses more
    than ``share`` of its memory-mapping limit; True when it did. Each program XLA compiles for
    the CPU links its machine code into mappings of its own, held while the program is cached,
    so a long-lived worker that compiles for system after system (a suite's hundreds of tasks)
    reaches the kernel's limit (65,530 by default): LLVM then fails with "Cannot allocate
    memory" and the worker dies. Clearing unmaps them; with the persistent cache
    (``enable_compile_cache``) the next use of a dropped program is a disk read, not a compile."""
    used = mapping_share()
    if used is None or used <= share:
        return False
    import gc
    import sys

    jax = sys.modules.get("jax")
    if jax is None:
        return False
    jax.clear_caches()
    gc.collect()
    return True
