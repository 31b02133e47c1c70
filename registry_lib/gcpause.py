"""Pause Python's cyclic garbage collector while a command builds what it keeps."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored afterwards).

    Loading a registry allocates hundreds of thousands of small objects that live until
    the command ends; the collector would scan them again and again (0.07 s of a 0.96 s
    validate at 10,000 releases, 0.6-0.8 s of a 2.6 s incremental build, 4.2 s of a
    `release list --json` at 100,000). Nearly all of them are freed by reference
    counting, so peak memory stays the same. A forked worker inherits the pause.

    On the way out, what was made during the pause joins the collector's oldest
    generation (``gc.freeze`` then ``gc.unfreeze``, which move lists, not objects)
    instead of its youngest: otherwise the first collection afterwards walks every one
    of them only to find them alive (0.85 s at the end of a build at 100,000 releases).
    Cycles among them are collected by the next full collection, as for any long-lived
    object. Where something else froze objects (``gc.get_freeze_count``), unfreezing
    would undo that, and the objects are left where they are.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()
