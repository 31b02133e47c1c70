"""Answers to the read commands as feed objects, from a registry on disk.

The CLI's read commands only talk to a ``Catalog``; the published-feed client implements
the same protocol, so ``--feed`` gives the same answers as the files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .display import summary_of
from .errors import NotFoundError
from .loader import SubsetSource, load_definitions, load_directory, load_registry, load_tag
from .objects import definition_object, release_object
from .query import (
    Facts,
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
from .tags import parse_tag

Obj = dict[str, Any]


class Catalog(Protocol):
    """The read side of relreg, whatever the source."""

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        ...  # pragma: no cover

    def summaries(self, filters: Filters) -> list[Obj]:
        """What ``release list`` prints of the releases matching the filters
        (``display.summary_of`` each release object), oldest to newest."""
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


def _summary(defs: Registry, facts: Facts) -> Obj:
    """``display.summary_of`` a listed release's object, made from its facts and the
    definitions (which name its milestones, as in ``objects.approval_object``)."""
    return {
        "tag": facts.tag,
        "kind": facts.kind,
        "channel": facts.channel,
        "created_at": facts.created_at,
        "rejected": facts.rejected,
        "milestones": [defs.shown_name(name) for name in facts.milestones],
    }


class RegistryCatalog:
    """A catalog over a loaded registry."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        return [release_object(self.reg, e) for e in list_releases(self.reg, filters)]

    def summaries(self, filters: Filters) -> list[Obj]:
        """What ``release list`` prints of the releases matching the filters."""
        return [summary_of(r) for r in self.releases(filters)]

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
            self._defs = load_definitions(self.root)
        return self._defs

    def _folders(self, folders: Iterable[str]) -> Registry:
        return load_registry(SubsetSource(self.root, folders))

    def _cached_choice(self, filters: Filters) -> tuple[Registry, list[Facts]] | None:
        """The definitions and the facts matching ``filters``, from the cache of
        ``snapshot.analyze``; None when there is none to answer from."""
        from .snapshot import analyze_cached

        snap = analyze_cached(self.root)
        if snap is None:
            return None
        return snap.definitions, select(snap.definitions, snap.facts, filters)

    def _whole(self) -> RegistryCatalog:
        """Every folder, read once: where no cache narrows the reading."""
        return RegistryCatalog(load_directory(self.root))

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        if filters.prefix:
            channels = _channels_for_prefix(self.root, filters.prefix)
            part = self._folders(f"releases/{c}" for c in channels)
            return RegistryCatalog(part).releases(filters)
        cached = self._cached_choice(filters)
        if cached is None:
            return self._whole().releases(filters)
        _, chosen = cached
        part = self._folders(f.folder for f in chosen)
        return [release_object(part, part.releases[f.folder]) for f in chosen]

    def summaries(self, filters: Filters) -> list[Obj]:
        """What ``release list`` prints of the releases matching the filters: from the
        facts of ``snapshot.analyze`` when cached, without reading a release folder."""
        if filters.prefix:
            return super().summaries(filters)  # the channels the prefix can match
        cached = self._cached_choice(filters)
        if cached is None:
            return self._whole().summaries(filters)
        definitions, chosen = cached
        return [_summary(definitions, f) for f in chosen]

    def latest(self, filters: Filters) -> Obj:
        """The latest release object matching the filters.

        Version cores compare before anything else, and a listed release's folder is
        named after its tag, so the latest match has the greatest core that has one:
        folders are read one core at a time from the top (channels, the start of their
        cores, in order), and usually only the first core is needed. All nightlies and
        development builds of a channel share its top core (``3.74.x``), ordered among
        themselves by creation time, which only their files tell.
        """
        select(self.reg, [], filters)  # refuse an unknown milestone or kind first
        channels = _channels_for_prefix(self.root, filters.prefix or "")
        for channel in sorted(channels, key=channel_order, reverse=True):
            for folders in _core_groups(self.root / "releases" / channel):
                part = self._folders(f"releases/{channel}/{tag}" for tag in folders)
                found = list_releases(part, filters)
                if found:
                    return release_object(part, found[-1])
        raise NotFoundError(f"no release matches {describe(filters)}")

    def release(self, tag: str) -> Obj:
        """One release object, rejected ones included."""
        return RegistryCatalog(load_tag(self.root, tag)).release(tag)


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


def _core_groups(channel: Path) -> list[list[str]]:
    """The release folders of a channel grouped by their tags' version core, greatest first.

    A folder whose name is not a valid tag is never listed (its release must carry the
    folder's tag), so it is left out.
    """
    groups: dict[tuple[float, ...], list[str]] = {}
    try:
        names = [entry.name for entry in os.scandir(channel) if entry.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    for name in names:
        info = parse_tag(name)
        if info is not None:
            groups.setdefault(info.core, []).append(name)
    return [sorted(groups[core]) for core in sorted(groups, reverse=True)]
