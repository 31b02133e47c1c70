"""The ``relreg`` command line: a thin click layer over the library.

Each command parses its options, calls one library function and prints the result.
Every ``RelregError`` becomes ``error: <message>`` on stderr and exit code 1. The group
and shared helpers live in ``base``; each module registers its commands on it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from . import admin, base, checking, publishing, records  # noqa: F401 (they register commands)
from .base import main

__all__ = ["main", "run"]


def run() -> NoReturn:
    """The ``relreg`` program: run the command, then end the process at once.

    A build or validate of a large registry leaves hundreds of thousands of objects that
    Python would free one by one on the way out (0.1 s at 10,000 releases, ~0.6 s at
    100,000); the operating system takes the memory back whole instead. Everything is
    written and closed by then; only the standard streams are buffered, and are flushed
    here. Commands put what they loaded in ``base.HELD_TO_EXIT`` so that it is not freed
    on their return either. ``main`` itself (click's group, used by tests and other
    programs) exits normally.
    """
    code = 0
    base.HELD_TO_EXIT = []
    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("text"): Python prints the text and exits 1
            print(exc.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        # a reader gone early (`relreg release list | head -1`) must not turn into an error
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
