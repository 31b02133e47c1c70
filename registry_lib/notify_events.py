"""The events between two registries and the deliveries they make (``relreg notify``). Pure.

This code does no I/O: it compares two loaded registries, routes each event to the webhooks
that want it and serializes each delivery's body once, so the bytes signed are the bytes sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import Approval, Webhook
from .objects import approval_object, definition_object, release_object
from .registry import Loaded, Registry, ReleaseEntry
from .values import normalize_timestamp

CREATED = "release.created"
REACHED = "milestone.reached"
REVOKED = "milestone.revoked"
REJECTED = "release.rejected"
EVENT_TYPES = (CREATED, REACHED, REVOKED, REJECTED)
_RANK = {name: i for i, name in enumerate(EVENT_TYPES)}


@dataclass(frozen=True)
class Event:
    """Something that happened to a release between two commits."""

    type: str
    tag: str
    time: str  # the record's own timestamp (created_at, approved_at, rejection.at), UTC
    slug: str  # the milestone's slug, "" for release events
    release: dict[str, Any]
    milestone: dict[str, Any] | None
    approval: dict[str, Any] | None
    hooks: tuple[Webhook, ...]  # the milestone's own webhooks (reached/revoked only)

    def sort_key(self) -> tuple[str, str, int, str]:
        """Record time, then tag, then event type, then milestone."""
        return (self.time, self.tag, _RANK[self.type], self.slug)

    def describe(self) -> str:
        """One line for people: ``milestone.reached 4.1.0 Nightly passed``."""
        name = f" {self.milestone['name']}" if self.milestone else ""
        return f"{self.type} {self.tag}{name}"


@dataclass(frozen=True)
class Delivery:
    """One event for one webhook: the id, the exact body bytes and where to send them."""

    id: str
    event: str
    url: str
    secret_env: str | None
    body: bytes


def delivery_id(event_type: str, tag: str, slug: str, time: str, url: str) -> str:
    """The stable id of an event for one URL: the first 32 hex digits of a SHA-256.

    The same event sent to the same URL always gets the same id, in every run, so a
    receiver can drop duplicates.
    """
    key = "\n".join((event_type, tag, slug, time, url))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def serialize(payload: dict[str, Any]) -> bytes:
    """The body bytes: compact, keys in insertion order, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_events(
    old: Registry, new: Registry, changed: Iterable[str] | None = None
) -> tuple[list[Event], list[str]]:
    """The events from ``old`` to ``new``, in a stable order, and notes on what was skipped.

    The difference is net: an approval added and deleted within the range sends nothing.
    ``break_glass`` approvals send nothing, neither when added nor when deleted. Only a
    release folder whose files differ has events; ``changed`` names those folders when
    known, and the others are not looked at (nor noted when invalid).
    """
    events: list[Event] = []
    notes: list[str] = []
    everywhere = set(old.releases) | set(new.releases)
    folders = sorted(everywhere if changed is None else everywhere.intersection(changed))
    for folder in folders:
        before = old.releases.get(folder)
        after = new.releases.get(folder)
        _release_events(new, before, after, events, notes)
        _approval_events(old, new, folder, before, after, events, notes)
    events.sort(key=Event.sort_key)
    return events, notes


def _release_events(
    new: Registry,
    before: ReleaseEntry | None,
    after: ReleaseEntry | None,
    events: list[Event],
    notes: list[str],
) -> None:
    if after is None or after.release is None:
        return
    rec = after.record
    if rec is None:
        notes.append(f"{after.folder}/release.yaml is invalid at --to; its events are skipped")
        return
    was = before.record if before is not None else None
    obj = release_object(new, after)
    if before is None or before.release is None:
        events.append(Event(CREATED, rec.tag, after.created_at, "", obj, None, None, ()))
    if rec.rejection is not None and (was is None or was.rejection is None):
        at = normalize_timestamp(rec.rejection.at)
        events.append(Event(REJECTED, rec.tag, at, "", obj, None, None, ()))


def _approval_events(
    old: Registry,
    new: Registry,
    folder: str,
    before: ReleaseEntry | None,
    after: ReleaseEntry | None,
    events: list[Event],
    notes: list[str],
) -> None:
    gone = dict(before.approvals) if before is not None else {}
    added = dict(after.approvals) if after is not None else {}
    for slug in sorted(set(gone) & set(added)):
        if gone[slug].record == added[slug].record:
            del gone[slug], added[slug]
    # The release object always shows the state at --to; a release missing there (which
    # validation forbids) falls back to its state at --from.
    holder = after if after is not None and after.record is not None else before
    holder_reg = new if holder is after else old
    if holder is None or holder.record is None:
        if gone or added:
            notes.append(f"{folder}/release.yaml is invalid; its approvals' events are skipped")
        return
    obj = release_object(holder_reg, holder)
    for _, approval in sorted(gone.items()):
        _approval_event(REVOKED, old, new, approval, obj, holder.tag, events, notes)
    for _, approval in sorted(added.items()):
        _approval_event(REACHED, new, new, approval, obj, holder.tag, events, notes)


def _approval_event(
    kind: str,
    source: Registry,
    new: Registry,
    approval: Loaded[Approval],
    release: dict[str, Any],
    tag: str,
    events: list[Event],
    notes: list[str],
) -> None:
    a = approval.record
    if a is None:
        notes.append(f"{approval.path} is invalid; its {kind} event is skipped")
        return
    if a.break_glass:
        return  # break-glass approvals are silent both ways (registry.md)
    definition = new.definition_named(a.milestone) or source.definition_named(a.milestone)
    item = approval_object(source, approval)
    events.append(
        Event(
            kind,
            tag,
            item["approved_at"],
            item["slug"],
            release,
            definition_object(definition) if definition else None,
            item,
            tuple(definition.webhooks) if definition else (),
        )
    )


def plan_deliveries(events: list[Event], registry_hooks: list[Webhook]) -> list[Delivery]:
    """Each event for each webhook that wants it, in event order, without duplicates.

    A milestone's own webhooks come first, then registry.yaml's; a URL listed in both gets
    the event once (with the milestone's ``secret_env``).
    """
    out: list[Delivery] = []
    for event in events:
        seen: set[str] = set()
        for hook in (*event.hooks, *registry_hooks):
            did = delivery_id(event.type, event.tag, event.slug, event.time, hook.url)
            if did in seen:
                continue
            seen.add(did)
            payload = {
                "event": event.type,
                "delivery": did,
                "release": event.release,
                "milestone": event.milestone,
                "approval": event.approval,
            }
            out.append(Delivery(did, event.type, hook.url, hook.secret_env, serialize(payload)))
    return out


def hooks_of(reg: Registry) -> list[Webhook]:
    """registry.yaml's webhooks, which get every event."""
    rec = reg.config.record if reg.config else None
    return list(rec.webhooks) if rec else []
