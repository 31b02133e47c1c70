"""The ``relreg`` command line: a thin click layer over the library.

Each command parses its options, calls one library function and prints the result.
Every ``RelregError`` becomes ``error: <message>`` on stderr and exit code 1. The group
and shared helpers live in ``base``; each module registers its commands on it.
"""

from . import admin, checking, publishing, records  # noqa: F401 (they register commands)
from .base import main

__all__ = ["main"]
