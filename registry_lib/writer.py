"""The only place that writes files: atomically, and never outside a given root."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import RelregError


def inside(root: Path, relpath: str) -> Path:
    """``root/relpath``, refusing any path that would leave ``root``."""
    target = (root / relpath).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise RelregError(f"refusing to write {relpath}: it is outside {root}")
    return target


def write_text(root: Path, relpath: str, text: str) -> Path:
    """Write ``text`` to ``root/relpath`` atomically (temp file, fsync, rename)."""
    return write_bytes(root, relpath, text.encode("utf-8"))


def write_bytes(root: Path, relpath: str, data: bytes) -> Path:
    """Write ``data`` to ``root/relpath`` atomically; readers see the old or the new file."""
    target = inside(root, relpath)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove(root: Path, relpath: str) -> None:
    """Delete ``root/relpath`` and any folders it leaves empty below ``root``."""
    target = inside(root, relpath)
    target.unlink()
    parent = target.parent
    base = root.resolve()
    while parent != base and base in parent.parents and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
