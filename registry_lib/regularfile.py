"""Opening files to read only when they are regular files: registry files, and the files
relreg keeps for itself (caches, the private index, a site's manifest).

Someone may put anything under those names: a named pipe there would block a plain
``open`` forever, waiting for a writer. These open without blocking and refuse anything
but a regular file: the loader reports it (RR100), other callers treat it like a missing
or damaged file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

# Opening a named pipe with it returns at once; no effect on a regular file's reads.
# (Systems without it, such as Windows, have no named pipes among files either.)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def open_regular_fd(path: Path | str) -> int:
    """A descriptor open for reading on a regular file; OSError (EINVAL) for anything else."""
    fd = os.open(path, os.O_RDONLY | NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (e.g. a named pipe); put a file there")
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: Path | str) -> BinaryIO:
    """``open(path, "rb")`` for a regular file; OSError for anything else."""
    return os.fdopen(open_regular_fd(path), "rb")


def read_regular(path: Path | str) -> bytes:
    """The bytes of a regular file; OSError for anything else."""
    with open_regular(path) as fh:
        return fh.read()
