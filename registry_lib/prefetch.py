"""Reading a registry while Python imports the rest of relreg (``relreg build``).

A build imports pydantic, Jinja2 and relreg's models and pages before it can read a
file: ~0.2 s, while the second core sits idle. ``start`` forks before those imports: the
child walks the registry and parses the files the layout names, sending the file list
first and then the parsed files in chunks (``forked.Streamed``); the loader validates the
chunks as they arrive and parses some itself when none is waiting
(``loader.load_registry(prefetched=...)``). The child sends plain
data only and records are made by the parent, so the result is the one reading the files
there would give. This module imports nothing heavy: that is its point.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from .forked import Chunks, Streamed, can_fork
from .sources import PARSE_CHUNK, DirectorySource, SourceFile, parse_chunks, place_of


class Prefetch:
    """A registry folder being walked and parsed by a forked child.

    The child walks the registry, puts the chunks of files to parse in ``chunks``, sends
    the file list, then parses chunk after chunk and sends each (index of the first,
    parsed files). The loader validates them as they arrive and parses a chunk itself
    whenever none is waiting (``loader.load_files``' way, with the walk done ahead).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.chunks = Chunks()
        try:
            self.child = Streamed(partial(_read, root, self.chunks))
        finally:
            self.chunks.let_others_fill()

    def files(self) -> list[SourceFile]:
        """Every file of the registry, as ``DirectorySource.files`` gives them (waiting
        for the walk; call once, before anything else)."""
        listed, items = self.child.next()
        self.chunks.plan(items, PARSE_CHUNK)
        return [SourceFile(path, symlink) for path, symlink in listed]

    def cancel(self) -> None:
        """Stop the child (when the files were not needed, or on an error)."""
        self.child.cancel()
        self.chunks.close()


def start(root: Path) -> Prefetch | None:
    """Start reading the registry at ``root``; None where forking is not possible."""
    if not root.is_dir() or not can_fork():
        return None
    return Prefetch(root)


def _read(root: Path, chunks: Chunks, send: Callable[[Any], None]) -> None:
    source = DirectorySource(root)
    files = list(source.files())
    paths = [f.path for f in files if not f.symlink and place_of(f.path) is not None]
    chunks.fill(len(paths), PARSE_CHUNK)
    send(([(f.path, f.symlink) for f in files], len(paths)))
    parse_chunks(source, paths, chunks, send)
