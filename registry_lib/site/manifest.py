"""The manifest a build writes last into its output folder, and how it is read back.

``.relreg-manifest.json`` lists every file of the site with its SHA-256 (``files``, for
deploy tools), its size and its input fingerprint. The next build trusts it only when it
is whole: any doubt (unreadable, malformed, another version, the "incomplete" marker an
interrupted in-place build leaves, a path outside the folder, a path that is also a folder
of another) means a full build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RelregError
from ..regularfile import read_regular
from .index import _STR, dumps_indented

MANIFEST = ".relreg-manifest.json"
MANIFEST_VERSION = 1
# Written over the manifest before an in-place build changes any file: an interrupted
# build leaves it, and a build that finds it is a full build (read_manifest says None).
INCOMPLETE = (json.dumps({"version": MANIFEST_VERSION, "incomplete": True}) + "\n").encode()


@dataclass(frozen=True)
class Manifest:
    """What a build wrote: per file its SHA-256, size and input fingerprint."""

    mtime: int | None
    sha256: dict[str, str]
    sizes: dict[str, int]
    inputs: dict[str, str]
    digest: str = ""  # the SHA-256 of the manifest file read (names its stat record)

    def dump(self) -> bytes:
        """The manifest file: ``files`` (path -> SHA-256) first, for deploy tools."""
        return b"".join(self.chunks())

    def chunks(self) -> Iterator[bytes]:
        """The manifest file in pieces of at most ``CHUNK`` entries, for writing as made.

        At 100,000 releases the manifest names 200,000 files three times; made whole, its
        text and the strings it is joined from took ~250 MB at the build's very end.
        The text is ``dumps_indented`` of the document, piece by piece.
        """
        yield f'{{\n  "version": {MANIFEST_VERSION},\n'.encode()
        for name, mapping in (("files", self.sha256), ("sizes", self.sizes)):
            yield from _section(name, mapping)
            yield b",\n"
        yield from _section("inputs", self.inputs)
        yield f',\n  "mtime": {dumps_indented(self.mtime)}\n}}\n'.encode()


CHUNK = 4096  # entries a piece


def _value(value: str | int) -> str:
    return _STR(value) if type(value) is str else dumps_indented(value)


def _section(name: str, mapping: Mapping[str, str | int]) -> Iterator[bytes]:
    """``"name": {...}`` of the manifest, keys sorted, as ``dumps_indented`` writes it."""
    if not mapping:
        yield f'  "{name}": {{}}'.encode()
        return
    keys = sorted(mapping)
    yield f'  "{name}": {{\n    '.encode()
    for start in range(0, len(keys), CHUNK):
        piece = ",\n    ".join(
            [_STR(k) + ": " + _value(mapping[k]) for k in keys[start : start + CHUNK]]
        )
        yield (piece if start == 0 else ",\n    " + piece).encode("utf-8")
    yield b"\n  }"


def read_manifest(out: Path) -> Manifest | None:
    """The previous build's manifest, or None when it is missing or not trustworthy."""
    try:
        blob = read_regular(out / MANIFEST)
        doc = json.loads(blob)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION:
        return None
    if doc.get("incomplete") is not None:
        return None  # an in-place build was interrupted: some files are new, some old
    files, sizes, inputs, mtime = (doc.get(k) for k in ("files", "sizes", "inputs", "mtime"))
    if not (_str_map(files, str) and _str_map(sizes, int) and _str_map(inputs, str)):
        return None
    if mtime is not None and (not isinstance(mtime, int) or isinstance(mtime, bool)):
        return None
    for relpath in files:  # type: ignore[union-attr]
        try:
            safe_relpath(out, relpath)
        except RelregError:
            return None  # an incremental build deletes files the manifest names
    if not _folders(files).isdisjoint(files):  # type: ignore[arg-type]
        # a path named as a file and as a folder of others: no build writes both, and an
        # in-place build would delete the folder, the files it keeps inside with it
        return None
    digest = hashlib.sha256(blob).hexdigest()
    return Manifest(mtime, dict(files), dict(sizes), dict(inputs), digest)  # type: ignore[arg-type]


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder above the paths (each distinct folder is visited once)."""
    found: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _str_map(value: Any, kind: type) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, kind) and not isinstance(v, bool)
        for k, v in value.items()
    )


def safe_relpath(folder: Path, relpath: str) -> str:
    """``relpath`` when it names a file strictly inside ``folder``; RelregError otherwise."""
    parts = relpath.split("/")
    if relpath.startswith("/") or "\\" in relpath or "\0" in relpath:
        parts = [".."]
    if any(p in ("", ".", "..") for p in parts):
        raise RelregError(f"refusing to write {relpath}: it is outside {folder}")
    return relpath
