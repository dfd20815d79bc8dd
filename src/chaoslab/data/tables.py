"""Files written atomically (a temporary sibling, then a rename): tidy result tables in Parquet
and anything else a writer function produces."""

from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_write  # noqa: F401 (the one atomic writer; public here too)


def write_parquet_atomic(df, path: str | os.PathLike) -> Path:
    """Write the DataFrame ``df`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
