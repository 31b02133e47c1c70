"""Each output file's stat signature after the last build; safe to delete.

A build keeps a previous file unmade when its inputs did not change, and must then know
that the file is still what the manifest says. Hashing every kept file costs about as
much as writing it; comparing size and modification time alone misses an edit that
keeps the size and sets the time back. This record holds, per file, what ``lstat`` said
right after the build wrote, linked or kept it: size, modification and change times in
nanoseconds, and inode. Any write, rename, link or ``touch`` moves the change time,
which no tool can set back, so a file whose signature still matches is the file the
build left. A file that does not match, or a build without this record (a deleted
cache, ``RELREG_NO_CACHE=1``, a copied folder), is hashed and compared with the
manifest instead: never trusted on size and time alone.

The record belongs to one manifest (by its SHA-256): a record left by another build of
the folder is ignored. Like Git's index, files changed within ``racy_window`` of the
moment the record is written are left out, since an edit in the same clock tick could
keep every field. The file is checksummed and tagged with relreg's code version
(``cache.read_file``); it lives in relreg's cache folder, one file per output folder.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..cache import STAT, enabled, read_file, registry_file, stat_signature, write_file

FORMAT = 1
# Packed, not a tuple: 65 bytes a file instead of about 200 (200,000 files at 100k releases).
Signature = bytes
signature = stat_signature  # of an os.stat_result
FINE_RACY_NS = 100_000_000  # file systems with sub-second times: ample for any clock tick
COARSE_RACY_NS = 2_000_000_000  # file systems with whole-second (or two-second) times


def change_time(sig: Signature) -> int:
    """The change time (nanoseconds) recorded in a signature."""
    return int(STAT.unpack(sig)[2])


def _file(out: Path) -> Path:
    return registry_file(out, "outputs", FORMAT)


def load(out: Path, manifest: str) -> dict[str, Signature] | None:
    """The signatures recorded with the manifest whose SHA-256 is ``manifest``, or None."""
    if not enabled():
        return None
    payload = read_file(_file(out))
    if not payload or payload.get("manifest") != manifest:
        return None
    files = payload.get("files")
    return files if isinstance(files, dict) else None


def racy_window(signatures: dict[str, Signature]) -> int:
    """How recent a change time must be to count as racy, in nanoseconds."""
    fine = any(change_time(sig) % 1_000_000_000 for sig in signatures.values())
    return FINE_RACY_NS if fine else COARSE_RACY_NS


def save(out: Path, manifest: str, signatures: dict[str, Signature]) -> None:
    """Record the signatures of the build whose manifest has SHA-256 ``manifest``."""
    if not enabled():
        return
    racy = time.time_ns() - racy_window(signatures)
    files = {path: sig for path, sig in signatures.items() if change_time(sig) < racy}
    write_file(_file(out), {"format": FORMAT, "manifest": manifest, "files": files})
