"""Answers to the read commands as feed objects, from a registry on disk.

The CLI's read commands only talk to a ``Catalog``; the published-feed client implements
the same protocol, so ``--feed`` gives the same answers as the files.
"""

from __future__ import annotations

from typing import Any, Protocol

from .objects import definition_object, release_object
from .query import Filters, get_release, latest, list_releases, milestone_slug
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
