"""Pause Python's cyclic garbage collector while a command loads a whole registry."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored afterwards).

    Loading a registry allocates hundreds of thousands of small objects that live until
    the command ends; the collector would scan them again and again (0.07 s of a 0.96 s
    validate at 10,000 releases, 0.6-0.8 s of a 2.6 s incremental build). Nearly all of
    them are freed by reference counting, so peak memory stays the same; cycles left over
    are collected once the collector runs again. A forked worker inherits the pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
