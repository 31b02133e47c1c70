"""Validated release and approval records, remembered by each file's stat; safe to delete.

A build reads every file of the registry, although between two builds one approval may
have changed. This cache keeps, for every valid ``release.yaml`` and approval file, the
record it validated to, its line map and the file's signature: size, modification and
change times in nanoseconds, and inode. A file whose signature is unchanged is taken
from the cache without being read, parsed or validated; any other file is loaded as
usual. Files with findings are never cached, so every finding comes from a fresh read.

Editing a file changes its change time (``ctime``), which no tool can set back, so an
edit behind relreg's back is seen even when the size and modification time are kept.
Like Git's index, a file modified within ``RACY_SECONDS`` of the moment the cache is
written is not cached: a second edit in the same clock tick could keep every stat field.
The cache file is checksummed and tagged with relreg's code version (``cache.read_file``);
a damaged or foreign one is ignored and rewritten. It lives in relreg's cache folder, one
file per registry folder; ``RELREG_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .cache import enabled, read_file, registry_file, small_change, write_file
from .model import Approval, Record, Rejection, Release, shared_fields_set
from .registry import shared_lines

FORMAT = 1
RACY_SECONDS = 2
Signature = tuple[int, int, int, int]
# path -> (signature, kind, field values, fields set, line map); kind "r" or "a"
Entry = tuple[Signature, str, dict[str, Any], list[str], dict[str, int]]
_KINDS: dict[type[Record], str] = {Release: "r", Approval: "a"}
_FIELDS: dict[type[Record], list[str]] = {
    model: list(model.model_fields) for model in (Release, Approval, Rejection)
}
_set = object.__setattr__


def signature(path: str) -> Signature | None:
    """The stat fields that change whenever the file's content does; None when unreadable."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _file(root: Path) -> Path:
    return registry_file(root, "records", FORMAT)


class RecordCache:
    """The records of one registry folder, as the previous load left them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = _file(root)
        payload = read_file(self.file)
        entries = payload.get("entries") if payload else None
        self.old: dict[str, Entry] = entries if isinstance(entries, dict) else {}
        self.new: dict[str, Entry] = {}
        self.hits = 0

    @classmethod
    def open(cls, root: Path) -> RecordCache | None:
        """The cache of ``root``, or None when caching is turned off."""
        return cls(root) if enabled() else None

    @staticmethod
    def exists(root: Path) -> bool:
        """True when ``root`` has a cache file (valid or not)."""
        return enabled() and _file(root).is_file()

    def get(self, path: str, model: type[Record], sig: Signature | None) -> Any | None:
        """``(record, lines)`` for an unchanged valid file, else None."""
        kind = _KINDS.get(model)
        found = self.old.get(path)
        if kind is None or sig is None or found is None:
            return None
        old_sig, old_kind, values, fields_set, lines = found
        if tuple(old_sig) != sig or old_kind != kind or not isinstance(lines, dict):
            return None
        try:
            record = _construct(model, values, fields_set)
        except (TypeError, ValueError, KeyError):
            return None  # not what this code writes: load the file instead
        self.new[path] = found
        self.hits += 1
        return record, shared_lines(lines)

    def put(self, path: str, sig: Signature | None, record: Record, lines: dict[str, int]) -> None:
        """Remember a record that loaded without findings."""
        kind = _KINDS.get(type(record))
        if kind is None or sig is None:
            return
        self.new[path] = (sig, kind, _values(record), sorted(record.model_fields_set), lines)

    def save(self) -> None:
        """Write the cache when it changed enough; racily modified files are left out.

        Rewriting it costs more than the few files it would spare the next load (0.06 s
        at 10,000 releases, for one new approval that loads in 0.1 ms), so a change of a
        few files is left for the next loads to read again, until they add up.
        """
        missed = len(self.new) - self.hits  # files loaded now (new, or changed)
        dropped = len(self.old) - self.hits  # entries of files changed or gone
        if missed + dropped <= small_change(len(self.old)):
            return  # the file as it is still answers for every entry it holds
        racy = time.time_ns() - RACY_SECONDS * 1_000_000_000
        fresh = {p: e for p, e in self.new.items() if e[0][1] < racy and e[0][2] < racy}
        write_file(self.file, {"format": FORMAT, "entries": fresh})


def _values(record: Record) -> dict[str, Any]:
    values = dict(record.__dict__)
    rejection = values.get("rejection")
    if isinstance(rejection, Rejection):
        values["rejection"] = (dict(rejection.__dict__), sorted(rejection.model_fields_set))
    return values


def _construct(model: type[Record], values: dict[str, Any], fields_set: list[str]) -> Record:
    """The record ``model_validate`` made, rebuilt from its validated field values."""
    values = dict(values)
    if list(values) != _FIELDS[model]:
        raise KeyError("fields differ")
    rejection = values.get("rejection")
    if rejection is not None:
        inner, inner_set = rejection
        if list(inner) != _FIELDS[Rejection]:
            raise KeyError("fields differ")
        values["rejection"] = _model(Rejection, dict(inner), inner_set)
    return _model(model, values, fields_set)


def _model(model: type[Record], values: dict[str, Any], fields_set: list[str]) -> Record:
    """``model.model_construct(fields_set, **values)`` for every field of a plain model, in
    order: what it sets, without its loop over the fields (4.9 -> 1.3 µs a record, 190,000
    records at 100,000 releases). tests/unit/test_record_construct.py holds it equal."""
    if not _PLAIN[model]:
        return model.model_construct(shared_fields_set(fields_set), **values)
    record = model.__new__(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", shared_fields_set(fields_set))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


# No extra fields kept, no private attributes, no post-init hook, not a root model:
# model_construct then sets exactly the four attributes above.
_PLAIN: dict[type[Record], bool] = {
    model: model.model_config.get("extra") != "allow"
    and not model.__private_attributes__
    and not model.__pydantic_post_init__
    and not model.__pydantic_root_model__
    for model in _FIELDS
}
