"""The registry's events (release created, milestone reached, release rejected). Pure.

Events come from the data alone (the records' own timestamps), so the feed, the Atom
feed and the site agree, and a build is reproducible.
"""

from __future__ import annotations

from typing import Any

from ..query import Filters, list_releases
from ..registry import Registry, ReleaseEntry
from ..values import normalize_timestamp

Event = dict[str, Any]

# Same-second events sort in the order they can happen.
_TYPE_RANK = {"release.created": 0, "milestone.reached": 1, "release.rejected": 2}


def events(reg: Registry, entries: list[ReleaseEntry] | None = None) -> list[Event]:
    """Every event of the valid releases, rejected ones included, oldest first.

    Each event is ``{"type", "time", "tag", "milestone", "actor"}``; ``milestone`` is the
    definition slug for ``milestone.reached`` and None otherwise. Ties in time are broken
    by type, then by the version order of the tag, then by milestone slug. ``entries``, when
    given, is ``list_releases(reg, Filters(include_rejected=True))`` computed already.
    """
    if entries is None:
        entries = list_releases(reg, Filters(include_rejected=True))
    position = {e.tag: i for i, e in enumerate(entries)}
    out: list[Event] = []
    for entry in entries:
        rec = entry.record
        assert rec is not None
        out.append(_event("release.created", entry.created_at, rec.tag, None, rec.creator))
        for slug, loaded in reg.reached(entry).items():
            a = loaded.record
            assert a is not None
            time = normalize_timestamp(a.approved_at)
            out.append(_event("milestone.reached", time, rec.tag, slug, a.approver))
        if rec.rejection is not None:
            out.append(
                _event(
                    "release.rejected",
                    normalize_timestamp(rec.rejection.at),
                    rec.tag,
                    None,
                    rec.rejection.by,
                )
            )
    out.sort(
        key=lambda e: (e["time"], _TYPE_RANK[e["type"]], position[e["tag"]], e["milestone"] or "")
    )
    return out


def _event(kind: str, time: str, tag: str, milestone: str | None, actor: str) -> Event:
    return {"type": kind, "time": time, "tag": tag, "milestone": milestone, "actor": actor}


def newest_time(reg: Registry, found: list[Event] | None = None) -> str | None:
    """The newest timestamp in the data (creation, approval, rejection), or None."""
    times = [e["time"] for e in (events(reg) if found is None else found) if e["time"]]
    return max(times) if times else None
