"""Shared CLI plumbing: error handling, JSON output, progress bars, parameter parsing."""

from __future__ import annotations

import functools
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

import typer
from rich.console import Console

from ..systems.base import DivergenceError, ParameterError, UnknownModelError, UnknownSystemError

err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

BAD_INPUT = (UnknownSystemError, UnknownModelError, ParameterError, ValueError, FileExistsError, FileNotFoundError, PermissionError,
             NotADirectoryError, IsADirectoryError, TypeError)


def fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def handle_errors(fn: Callable) -> Callable:
    """One-line ``error:`` messages: exit 2 for bad input, 1 for a failed run."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except DivergenceError as e:
            fail(str(e), 1)
        except BAD_INPUT as e:
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            fail(msg, 2)

    return wrapper


def print_json(obj: Any) -> None:
    """One JSON document on stdout. A NaN or infinite number (an undefined statistic, e.g. a
    p-value without surrogates) is written as null: JSON has no NaN (RFC 8259)."""
    sys.stdout.write(json.dumps(_finite(obj), indent=1, default=_default) + "\n")


def _finite(o):
    import math

    import numpy as np

    if isinstance(o, np.ndarray):
        o = o.tolist()
    elif isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


def _default(o):
    import numpy as np

    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")


def parse_params(items: Iterable[str] | None) -> dict[str, float]:
    params: dict[str, float] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--param must look like name=value, got {item!r}")
        k, v = item.split("=", 1)
        try:
            params[k.strip()] = float(v)
        except ValueError:
            raise ParameterError(f"value of parameter '{k.strip()}' must be a number, got {v!r}") from None
    return params


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_bar(description: str, total: int, quiet: bool = False):
    """A rich progress bar on stderr (a no-op when stderr is not a terminal or quiet)."""
    if not show_progress(quiet):
        yield lambda advance=1, **kw: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as prog:
        task = prog.add_task(description, total=total)
        yield lambda advance=1, **kw: prog.update(task, advance=advance, **kw)


FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_figure_path(path: str | os.PathLike, option: str | None = None) -> Path:
    """A figure path that can be written: a .png/.pdf/.svg name in an existing, writable
    directory, or a one-line error naming the command-line ``option``. Called before any work."""
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        if option is None:
            raise ValueError(f"figure path must end in one of {sorted(FIGURE_SUFFIXES)}, got '{path.name}'")
        raise ValueError(f"{option} must end in .png, .pdf or .svg, got '{path.name}'")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"output directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"output directory '{parent}' is not writable")
    return path


def atomic_savefig(fig, path: str | os.PathLike) -> Path:
    """Save a matplotlib figure atomically (:func:`chaoslab.files.atomic_write`)."""
    from ..files import atomic_write

    return atomic_write(check_figure_path(path), lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight"))
