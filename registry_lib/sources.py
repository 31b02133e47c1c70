"""Where registry files come from, and how one is read and parsed. No pydantic here.

A directory on disk (``DirectorySource``), part of one (``SubsetSource``), or a Git tree
(``gitsource``) all give files by registry path; ``parse_file`` turns one into plain data
and line numbers, which ``loader`` validates into records. Reading and parsing need no
pydantic, so they live apart from the models.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .regularfile import open_regular_fd
from .yamlio import MAX_BYTES, parse

if TYPE_CHECKING:
    from .forked import Chunks


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file of a registry: its path relative to the root, and whether it is a symlink."""

    path: str
    symlink: bool = False


class FileSource(Protocol):
    """Where registry files come from."""

    def files(self) -> Iterator[SourceFile]:
        """Every file under the registry root (recursively), paths with '/'."""
        ...  # pragma: no cover

    def read(self, path: str) -> bytes:
        """The bytes of one file."""
        ...  # pragma: no cover


# One read takes nearly every registry file whole. Asking for the whole size limit at
# once (1 MiB) made Python allocate and shrink a 1 MiB buffer per file: 20 us a file
# instead of 5, a third of the time a full validate spends reading.
CHUNK = 64 * 1024


def read_limited(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes from ``fd``, until end of file, in ``CHUNK``-sized reads."""
    parts = []
    size = 0
    while size < limit:
        data = os.read(fd, min(CHUNK, limit - size))
        if not data:
            break
        parts.append(data)
        size += len(data)
    return parts[0] if len(parts) == 1 else b"".join(parts)


Place = tuple[str, ...]


def place_of(path: str) -> Place | None:
    """What a registry file holds, by its path: ``("config",)``, ``("milestone", slug)``,
    ``("release", channel, tag)`` or ``("approval", channel, tag, slug)``; None for a
    file the layout does not name."""
    parts = path.split("/")
    if path == "registry.yaml":
        return ("config",)
    if parts[0] == "milestones" and len(parts) == 2 and parts[1].endswith(".yaml"):
        return ("milestone", parts[1][: -len(".yaml")])
    if parts[0] == "releases" and len(parts) == 4 and parts[3] == "release.yaml":
        return ("release", parts[1], parts[2])
    if (
        parts[0] == "releases"
        and len(parts) == 5
        and parts[3] == "approvals"
        and parts[4].endswith(".yaml")
    ):
        return ("approval", parts[1], parts[2], parts[4][: -len(".yaml")])
    return None


def release_folder(path: str) -> str | None:
    """The release folder (``releases/<channel>/<tag>``) a registry path lies inside; None
    for any other path (a channel or release folder itself, the settings, definitions)."""
    parts = path.split("/", 3)
    return "/".join(parts[:3]) if len(parts) == 4 and parts[0] == "releases" else None


class DirectorySource:
    """A registry directory on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = os.path.join(str(root), "")
        self.folders: list[str] | None = None  # when a list, each folder walked is added

    def files(self) -> Iterator[SourceFile]:
        """Walk the registry: every entry, hidden ones too (a stray ``.git`` is a finding)."""
        yield from self._tops(("registry.yaml", "milestones", "releases"))

    def _tops(self, names: Iterable[str]) -> Iterator[SourceFile]:
        for sub in names:
            top = self.root / sub
            if top.is_symlink():
                yield SourceFile(sub, symlink=True)
            elif top.is_file():
                yield SourceFile(sub)
            elif top.is_dir():
                yield from self._walk(top, sub)

    def _walk(self, folder: str | Path, rel: str) -> Iterator[SourceFile]:
        if self.folders is not None:
            self.folders.append(rel)
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            path = f"{rel}/{entry.name}"
            if entry.is_symlink():
                yield SourceFile(path, symlink=True)
            elif entry.is_dir():
                yield from self._walk(entry.path, path)
            else:
                yield SourceFile(path)

    def path_of(self, path: str) -> str:
        """The file system path of a registry path."""
        return self._prefix + path

    def read(self, path: str) -> bytes:
        """Read a file, refusing anything over the size limit without reading it all, and
        anything but a regular file (a named pipe would block the read forever)."""
        fd = open_regular_fd(self._prefix + path)
        try:
            return read_limited(fd, MAX_BYTES + 1)
        finally:
            os.close(fd)


class SubsetSource(DirectorySource):
    """Part of a registry directory: the settings, the definitions and the given paths."""

    def __init__(self, root: Path, only: Iterable[str]) -> None:
        super().__init__(root)
        wanted = set(only)
        # a path inside another given path is walked with it, never twice
        self.only = sorted(
            rel
            for rel in wanted
            if not any("/".join(rel.split("/")[:n]) in wanted for n in range(1, rel.count("/") + 1))
        )

    def files(self) -> Iterator[SourceFile]:
        """registry.yaml, milestones/ and every file under the given paths (``releases``
        itself included), as ``DirectorySource.files`` names them."""
        yield from self._tops(("registry.yaml", "milestones"))
        links: dict[str, bool] = {}  # folder above a given path -> it is a symbolic link
        named: set[str] = set()
        for rel in self.only:
            if rel != "releases" and not rel.startswith("releases/"):
                continue
            # The whole walk names a linked folder (RR109) and never goes through it: a
            # channel folder that is a link must not lend its releases to a part either.
            above = self._link_above(rel, links)
            if above is not None:
                if above not in named:
                    named.add(above)
                    yield SourceFile(above, symlink=True)
                continue
            full = self.root / rel
            if full.is_symlink():
                yield SourceFile(rel, symlink=True)
            elif full.is_dir():
                yield from self._walk(full, rel)
            elif os.path.lexists(full):  # a file, or a named pipe or socket (read: RR100)
                yield SourceFile(rel)

    def _link_above(self, rel: str, links: dict[str, bool]) -> str | None:
        """The first folder above ``rel`` (``releases`` included) that is a symbolic link."""
        parts = rel.split("/")
        for n in range(1, len(parts)):
            folder = "/".join(parts[:n])
            linked = links.get(folder)
            if linked is None:
                linked = links[folder] = os.path.islink(self.path_of(folder))
            if linked:
                return folder
        return None


Parsed = tuple[Any, dict[str, int], list[tuple[str, str, int | None]]]


def parse_file(source: FileSource, path: str) -> Parsed:
    """Read and parse one file: (data, lines, problems as (code, message, line))."""
    try:
        raw = source.read(path)
    except OSError as exc:
        return None, {}, [("RR100", f"cannot read the file: {exc.strerror}", None)]
    doc = parse(raw)
    return doc.data, doc.lines, [(p.code, p.message, p.line) for p in doc.problems]


PARSE_CHUNK = 64  # files a process parses at a time when two share the parsing


def parse_chunks(
    source: FileSource, paths: list[str], chunks: Chunks, send: Callable[[Any], None]
) -> None:
    """A parsing worker: parse each chunk of ``paths`` it takes from ``chunks`` and send
    (index of the first, parsed files)."""
    while (taken := chunks.take()) is not None:
        send((taken.start, [parse_file(source, paths[i]) for i in taken]))
