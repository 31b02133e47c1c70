"""Every list the site shows, computed once per build from one ``list_releases``. Pure.

``query.list_releases`` sorts the whole registry on each call; a site at 10,000 releases
needs a list per channel, per milestone and per channel and milestone, so the site sorts
once and partitions. Filtering a list sorted by a stable sort keeps the order the same
sort gives the subset, so every list here equals ``list_releases`` with that filter
(``tests/site/test_index.py`` checks it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..objects import release_object
from ..query import Filters, list_releases
from ..registry import Registry, ReleaseEntry
from .events import events as registry_events

Entries = list[ReleaseEntry]


def channel_key(channel: str) -> tuple[tuple[int, int | str], ...]:
    """Order channels numerically part by part ("3.9" before "3.74" before "4.0")."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in channel.split("."))


@dataclass
class SiteIndex:
    """The registry's releases in version order, their objects and every filtered list."""

    reg: Registry
    everything: Entries  # valid releases, rejected included, oldest first
    objects: dict[str, dict[str, Any]]  # tag -> release object (objects.release_object)
    reached: dict[str, frozenset[str]]  # tag -> definition slugs its valid approvals name
    slugs: list[str]  # valid definitions, in file-name order
    channels: list[str]  # channels of ``everything``, in channel order
    events: list[dict[str, Any]]  # the feed's events, oldest first
    _texts: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def live(self) -> Entries:
        """Non-rejected releases (``Filters()``)."""
        return [e for e in self.everything if not self.rejected(e)]

    def rejected(self, entry: ReleaseEntry) -> bool:
        """True when the release is rejected."""
        return bool(self.objects[entry.tag]["rejected"])

    def select(self, *, channel: str | None = None, milestone: str | None = None) -> Entries:
        """Non-rejected releases of a channel and/or that reached a milestone (by slug)."""
        return [
            e
            for e in self.everything
            if not self.rejected(e)
            and (channel is None or e.channel == channel)
            and (milestone is None or milestone in self.reached[e.tag])
        ]

    def obj(self, entry: ReleaseEntry) -> dict[str, Any]:
        """The release object of an entry."""
        return self.objects[entry.tag]

    def text(self, entry: ReleaseEntry) -> str:
        """The release object as 2-space indented JSON without a final newline, cached."""
        found = self._texts.get(entry.tag)
        if found is None:
            found = json.dumps(self.objects[entry.tag], indent=2, ensure_ascii=False)
            self._texts[entry.tag] = found
        return found


def build_index(reg: Registry) -> SiteIndex:
    """Sort once, compute each release object once."""
    everything = list_releases(reg, Filters(include_rejected=True))
    reached = {}
    for entry in everything:
        names = {a.record.milestone for a in entry.valid_approvals() if a.record}
        reached[entry.tag] = frozenset(s for n in names if (s := reg.resolve_milestone(n)))
    return SiteIndex(
        reg=reg,
        everything=everything,
        objects={e.tag: release_object(reg, e) for e in everything},
        reached=reached,
        slugs=[s for s in sorted(reg.milestones) if reg.definition(s) is not None],
        channels=sorted({e.channel for e in everything}, key=channel_key),
        events=registry_events(reg, everything),
    )
