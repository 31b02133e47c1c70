"""Answers to the read commands as feed objects, from a registry on disk.

The CLI's read commands only talk to a ``Catalog``; the published-feed client implements
the same protocol, so ``--feed`` gives the same answers as the files.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .errors import NotFoundError
from .loader import SubsetSource, load_directory, load_registry
from .objects import definition_object, release_object
from .query import (
    Filters,
    channel_order,
    describe,
    get_release,
    latest,
    list_releases,
    milestone_slug,
    select,
)
from .registry import Registry

Obj = dict[str, Any]


class Catalog(Protocol):
    """The read side of relreg, whatever the source."""

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        ...  # pragma: no cover

    def latest(self, filters: Filters) -> Obj:
        """The latest release object matching the filters."""
        ...  # pragma: no cover

    def release(self, tag: str) -> Obj:
        """One release object, rejected ones included."""
        ...  # pragma: no cover

    def milestones(self) -> list[Obj]:
        """Definition objects in file-name order."""
        ...  # pragma: no cover

    def milestone(self, name: str) -> Obj:
        """One definition object by name, alias or slug."""
        ...  # pragma: no cover


class RegistryCatalog:
    """A catalog over a loaded registry."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        return [release_object(self.reg, e) for e in list_releases(self.reg, filters)]

    def latest(self, filters: Filters) -> Obj:
        """The latest release object matching the filters."""
        return release_object(self.reg, latest(self.reg, filters))

    def release(self, tag: str) -> Obj:
        """One release object, rejected ones included."""
        return release_object(self.reg, get_release(self.reg, tag))

    def milestones(self) -> list[Obj]:
        """Definition objects in file-name order."""
        return [
            definition_object(rec)
            for slug in sorted(self.reg.milestones)
            if (rec := self.reg.definition(slug)) is not None
        ]

    def milestone(self, name: str) -> Obj:
        """One definition object by name, alias or slug."""
        rec = self.reg.definition(milestone_slug(self.reg, name))
        assert rec is not None
        return definition_object(rec)


class IndexedCatalog(RegistryCatalog):
    """A catalog over a registry directory that reads only what each question needs.

    ``release show`` reads one folder, ``milestone`` commands only the definitions, a
    ``--prefix`` only the channels it can match; whole-registry questions use the facts of
    ``snapshot.analyze`` (cached by Git tree) and then read just the folders they print.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._defs: Registry | None = None

    @property
    def reg(self) -> Registry:  # type: ignore[override]
        """The definitions (and settings) of the registry."""
        if self._defs is None:
            self._defs = load_registry(SubsetSource(self.root, []))
        return self._defs

    def _folders(self, folders: Iterable[str]) -> Registry:
        return load_registry(SubsetSource(self.root, folders))

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        if filters.prefix:
            channels = _channels_for_prefix(self.root, filters.prefix)
            part = self._folders(f"releases/{c}" for c in channels)
            return RegistryCatalog(part).releases(filters)
        from .snapshot import analyze_cached

        snap = analyze_cached(self.root)
        if snap is None:  # no cache to narrow the reading: read every folder once
            return RegistryCatalog(load_directory(self.root)).releases(filters)
        chosen = select(snap.definitions, snap.facts, filters)
        part = self._folders(f.folder for f in chosen)
        return [release_object(part, part.releases[f.folder]) for f in chosen]

    def latest(self, filters: Filters) -> Obj:
        """The latest release object matching the filters.

        Version cores compare before anything else and a channel is the start of its
        cores, so the latest match lies in the greatest channel that has one: channels are
        read one at a time from the top, and usually only the first is needed.
        """
        select(self.reg, [], filters)  # refuse an unknown milestone or kind first
        channels = _channels_for_prefix(self.root, filters.prefix or "")
        for channel in sorted(channels, key=channel_order, reverse=True):
            part = self._folders([f"releases/{channel}"])
            found = list_releases(part, filters)
            if found:
                return release_object(part, found[-1])
        raise NotFoundError(f"no release matches {describe(filters)}")

    def release(self, tag: str) -> Obj:
        """One release object, rejected ones included."""
        twins = sorted((self.root / "releases").glob(f"*/{glob.escape(tag)}"))
        part = self._folders(f"releases/{p.parent.name}/{p.name}" for p in twins)
        return RegistryCatalog(part).release(tag)


def _channels_for_prefix(root: Path, prefix: str) -> list[str]:
    """Channel folders that can hold a tag starting with ``prefix``.

    A channel is a leading part of its tags, so a tag starting with the prefix lives in a
    channel that starts with the prefix, or that the prefix starts with.
    """
    base = root / "releases"
    if not base.is_dir():
        return []
    return sorted(
        c.name for c in base.iterdir() if c.name.startswith(prefix) or prefix.startswith(c.name)
    )
