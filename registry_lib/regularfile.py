"""Reading files relreg keeps for itself (caches, the private index, a site's manifest).

Someone may put anything under those names: a named pipe there would block a plain
``open`` forever, waiting for a writer. These open without blocking and refuse anything
but a regular file, which callers treat like a missing or damaged one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

# Opening a named pipe with it returns at once; no effect on a regular file's reads.
# (Systems without it, such as Windows, have no named pipes among files either.)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def open_regular(path: Path | str) -> BinaryIO:
    """``open(path, "rb")`` for a regular file; OSError for anything else."""
    fd = os.open(path, os.O_RDONLY | NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str) -> bytes:
    """The bytes of a regular file; OSError for anything else."""
    with open_regular(path) as fh:
        return fh.read()
