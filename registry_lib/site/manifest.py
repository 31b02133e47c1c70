"""The manifest a build writes last into its output folder, and how it is read back.

``.relreg-manifest.json`` lists every file of the site with its SHA-256 (``files``, for
deploy tools), its size and its input fingerprint. The next build trusts it only when it
is whole: any doubt (unreadable, malformed, another version, the "incomplete" marker an
interrupted in-place build leaves, a path outside the folder) means a full build.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RelregError
from .index import dumps_indented

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
        doc = {
            "version": MANIFEST_VERSION,
            "files": dict(sorted(self.sha256.items())),
            "sizes": dict(sorted(self.sizes.items())),
            "inputs": dict(sorted(self.inputs.items())),
            "mtime": self.mtime,
        }
        return (dumps_indented(doc) + "\n").encode("utf-8")


def read_manifest(out: Path) -> Manifest | None:
    """The previous build's manifest, or None when it is missing or not trustworthy."""
    try:
        blob = (out / MANIFEST).read_bytes()
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
    digest = hashlib.sha256(blob).hexdigest()
    return Manifest(mtime, dict(files), dict(sizes), dict(inputs), digest)  # type: ignore[arg-type]


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
