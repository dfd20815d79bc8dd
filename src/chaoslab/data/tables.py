"""Tidy result tables in Parquet, written atomically (temporary sibling, then rename)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_parquet_atomic(df, path: str | os.PathLike) -> Path:
    """Write the DataFrame ``df`` to ``path``: nothing half-written is ever left there."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
