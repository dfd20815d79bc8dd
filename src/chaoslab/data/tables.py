"""Files written atomically (a temporary sibling, then a rename): tidy result tables in Parquet
and anything else a writer function produces."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it into place: nothing
    half-written is ever left at ``path`` (and the temporary is removed if ``write`` fails)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_parquet_atomic(df, path: str | os.PathLike) -> Path:
    """Write the DataFrame ``df`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
