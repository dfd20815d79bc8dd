"""Files and directories written atomically: the one mechanism every writer in chaoslab uses
(tables, datasets, figures, animations, reports). Nothing half-written is ever left at the
destination, and concurrent writers never share a temporary name."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Callable


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists() or p.is_symlink():
        p.unlink()


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``path`` (a unique name that keeps the
    suffix, so writers that choose a format by extension still do), then move it into place.

    ``write`` may make a file or a directory (a Zarr store, a report). An existing directory at
    ``path`` is replaced as a whole: moved aside, the new one moved in, the old one removed. The
    temporary is removed if ``write`` fails."""
    path = Path(path)
    tag = uuid.uuid4().hex[:8]
    tmp = path.with_name(f".{path.stem}.tmp-{tag}{path.suffix}")
    try:
        write(tmp)
        if path.is_dir() and not path.is_symlink():
            old = path.with_name(f".{path.name}.old-{tag}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists() or tmp.is_symlink():
            _remove(tmp)
    return path
