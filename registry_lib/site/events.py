"""The registry's events (release created, milestone reached, release rejected). Pure.

Events come from the data alone (the records' own timestamps), so the feed, the Atom
feed and the site agree, and a build is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, overload

from ..query import Filters, list_releases
from ..registry import Registry, ReleaseEntry
from ..values import normalize_timestamp

Event = dict[str, Any]

# Same-second events sort in the order they can happen: ranks 0, 1, 2 in ``event_rows``.
CREATED, REACHED, REJECTED = "release.created", "milestone.reached", "release.rejected"


def events(reg: Registry, entries: list[ReleaseEntry] | None = None) -> list[Event]:
    """Every event of the valid releases, rejected ones included, oldest first.

    Each event is ``{"type", "time", "tag", "milestone", "actor"}``; ``milestone`` is the
    definition slug for ``milestone.reached`` and None otherwise. Ties in time are broken
    by type, then by the version order of the tag, then by milestone slug. ``entries``, when
    given, is ``list_releases(reg, Filters(include_rejected=True))`` computed already.
    """
    return [event(row) for row in event_rows(reg, entries)]


# (time, type's rank, tag's position, milestone slug or "", type, tag, milestone, actor):
# sorted as they are; less than half a dict's size (~190,000 events at 100k releases).
Row = tuple[str, int, int, str, str, str, str | None, str]


def event_rows(reg: Registry, entries: list[ReleaseEntry] | None = None) -> list[Row]:
    """``events`` as rows, oldest first (``event`` makes each an event)."""
    if entries is None:
        entries = list_releases(reg, Filters(include_rejected=True))
    out: list[Row] = []
    for position, entry in enumerate(entries):
        rec = entry.record
        assert rec is not None
        tag = rec.tag
        out.append((entry.created_at, 0, position, "", CREATED, tag, None, rec.creator))
        for slug, loaded in reg.reached(entry).items():
            a = loaded.record
            assert a is not None
            time = normalize_timestamp(a.approved_at)
            out.append((time, 1, position, slug, REACHED, tag, slug, a.approver))
        if rec.rejection is not None:
            time = normalize_timestamp(rec.rejection.at)
            out.append((time, 2, position, "", REJECTED, tag, None, rec.rejection.by))
    out.sort()
    return out


def object_rows(reg: Registry, objects: Iterable[dict[str, Any]]) -> list[Row]:
    """``event_rows`` from the release objects in version order, for a registry without
    errors (the only kind a site is built from): a build's pages hold the objects, not the
    records. ``reg`` needs only the definitions."""
    out: list[Row] = []
    for position, obj in enumerate(objects):
        tag = obj["tag"]
        out.append((obj["created_at"], 0, position, "", CREATED, tag, None, obj["creator"]))
        seen = set()
        for m in obj["quality_milestones"]:  # valid approvals, as ``reg.reached`` sees them
            slug = m["slug"]
            definition = reg.definition(slug)
            # (an approval naming no definition shows its file's name as its slug)
            if definition is None or definition.name != m["name"] or slug in seen:
                continue
            seen.add(slug)
            out.append((m["approved_at"], 1, position, slug, REACHED, tag, slug, m["approver"]))
        rejection = obj["rejection"]
        if rejection is not None:
            out.append((rejection["at"], 2, position, "", REJECTED, tag, None, rejection["by"]))
    out.sort()
    return out


def event(row: Row) -> Event:
    """The event of a row of ``event_rows``."""
    return {"type": row[4], "time": row[0], "tag": row[5], "milestone": row[6], "actor": row[7]}


class EventList(Sequence[Event]):
    """Events held as rows (``event_rows``), each made an event when read: a third of the
    memory of holding the events (~35 MB less at 100,000 releases, in every process of a
    build that makes pages)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, i: slice) -> list[Event]: ...
    def __getitem__(self, i: int | slice) -> Event | list[Event]:
        if isinstance(i, slice):
            return [event(row) for row in self.rows[i]]
        return event(self.rows[i])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventList) and other.rows == self.rows

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def newest_time(self) -> str | None:
        """The newest event's time, or None."""
        return max((row[0] for row in self.rows if row[0]), default=None)


def newest_time(reg: Registry, found: EventList | None = None) -> str | None:
    """The newest timestamp in the data (creation, approval, rejection), or None."""
    return (found if found is not None else EventList(event_rows(reg))).newest_time()
