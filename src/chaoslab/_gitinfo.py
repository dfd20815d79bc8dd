"""The git commit of a source checkout (no imports beyond the standard library: setup.py loads
this file to record the commit chaoslab is built from)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def checkout_commit(root: str | Path) -> str:
    """HEAD of the git checkout at ``root``, with -dirty if tracked files changed; "unknown"
    when ``root`` is not a checkout or git is missing."""
    root = Path(root)
    if not (root / ".git").exists():
        return "unknown"
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + ("-dirty" if dirty else "")) if head else "unknown"
