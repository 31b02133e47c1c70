"""What the HTML pages show, gathered from a registry: the same objects as the feed. Pure.

Release facts come from ``objects.release_object`` and definitions from
``objects.definition_object``; lists come from ``query.list_releases``, so a page never
says something the JSON feed does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..model import MilestoneDefinition
from ..objects import definition_object
from ..registry import Registry
from ..tags import KINDS
from .index import SiteIndex, build_index

EventKind = Literal["created", "reached", "rejected"]
_EVENT_KINDS: dict[str, EventKind] = {
    "release.created": "created",
    "milestone.reached": "reached",
    "release.rejected": "rejected",
}


@dataclass(frozen=True)
class ReleaseView:
    """One release: its feed object, and the milestones it reached by slug."""

    obj: dict[str, Any]
    reached: dict[str, dict[str, Any]]

    @property
    def tag(self) -> str:
        """The release's tag."""
        return str(self.obj["tag"])

    @property
    def channel(self) -> str:
        """The release's channel."""
        return str(self.obj["channel"])

    @property
    def kind(self) -> str:
        """release, rc, nightly or development."""
        return str(self.obj["kind"])

    @property
    def rejected(self) -> bool:
        """True when rejected."""
        return bool(self.obj["rejected"])

    @property
    def search_text(self) -> str:
        """Lowercased text the filter box matches: tag, kind, channel, people, metadata."""
        o = self.obj
        parts = [o["tag"], o["kind"], o["channel"], o["creator"], o["commit"]]
        parts += [f"{k} {v}" for k, v in o["metadata"].items()]
        parts += [m["name"] for m in o["quality_milestones"]]
        if o["rejected"]:
            parts.append("rejected")
        return " ".join(str(p) for p in parts).lower()


@dataclass(frozen=True)
class Requirement:
    """A milestone that must be reached first; ``slug`` is None when it is not defined."""

    name: str
    slug: str | None
    soak: str | None


@dataclass(frozen=True)
class MilestoneView:
    """A definition, its latest release and the releases that reached it (newest first)."""

    slug: str
    obj: dict[str, Any]
    requires: list[Requirement]
    required_by: list[tuple[str, str]]
    releases: list[ReleaseView]

    @property
    def name(self) -> str:
        """The milestone's name."""
        return str(self.obj["name"])

    @property
    def latest(self) -> ReleaseView | None:
        """The latest non-rejected release that reached it."""
        return self.releases[0] if self.releases else None


@dataclass(frozen=True)
class MilestoneRef:
    """A definition without its releases, for pages about one release."""

    slug: str
    obj: dict[str, Any]
    requires: list[Requirement]
    required_by: list[tuple[str, str]]

    @property
    def name(self) -> str:
        """The milestone's name."""
        return str(self.obj["name"])


@dataclass(frozen=True)
class ChannelView:
    """A channel: every release newest first (rejected included) and its latest per milestone."""

    name: str
    releases: list[ReleaseView]
    latest: ReleaseView | None
    count: int
    latest_by_milestone: dict[str, ReleaseView]


@dataclass(frozen=True)
class Event:
    """Something that happened: a release created, a milestone reached, a release rejected."""

    time: str
    kind: EventKind
    tag: str
    who: str
    milestone: str | None = None
    slug: str | None = None
    break_glass: bool = False
    reason: str | None = None
    rejected: bool = False  # the release is rejected (now)


@dataclass(frozen=True)
class SiteData:
    """Everything the pages show, gathered once."""

    name: str
    repository_url: str | None
    releases: list[ReleaseView]  # newest first, rejected included
    milestones: list[MilestoneView]  # requirements before the milestones that need them
    channels: list[ChannelView]  # newest channel first
    events: list[Event]  # newest first; only the newest ``recent`` when gather had a limit
    kinds: list[str]  # kinds that occur, in KINDS order

    def release(self, tag: str) -> ReleaseView | None:
        """The release with this tag."""
        return next((r for r in self.releases if r.tag == tag), None)


def _ordered_slugs(reg: Registry) -> list[str]:
    """Defined milestones with requirements first, otherwise by name (cycles tolerated)."""
    defs = {s: d for s in reg.milestones if (d := reg.definition(s)) is not None}
    out: list[str] = []
    seen: set[str] = set()
    for slug in sorted(defs, key=lambda s: (defs[s].name.lower(), s)):
        _visit(reg, defs, slug, seen, out)
    return out


def _visit(
    reg: Registry, defs: dict[str, MilestoneDefinition], slug: str, seen: set[str], out: list[str]
) -> None:
    # A module function, not a closure: a recursive closure refers to itself, and that
    # cycle would keep the whole registry (through ``reg``) for the cyclic collector.
    if slug in seen:
        return
    seen.add(slug)
    for req in defs[slug].requirements():
        dep = reg.resolve_milestone(req.milestone)
        if dep in defs:
            _visit(reg, defs, dep, seen, out)
    out.append(slug)


def _channel_key(name: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in name.split("."))


def gather(reg: Registry, index: SiteIndex | None = None, recent: int | None = None) -> SiteData:
    """Collect the pages' data from the registry (or from the build's index of it).

    ``recent`` limits the events to the newest ones, which is all the pages show.
    """
    index = build_index(reg) if index is None else index
    views = []
    for entry in index.everything:
        obj = index.obj(entry)
        reached: dict[str, dict[str, Any]] = {}
        for m in obj["quality_milestones"]:
            reached.setdefault(m["slug"], m)
        views.append(ReleaseView(obj=obj, reached=reached))
    views.reverse()
    accepted = [v for v in views if not v.rejected]

    slugs = _ordered_slugs(reg)
    milestones = []
    for slug in slugs:
        definition = reg.definition(slug)
        assert definition is not None
        requires = []
        for req in definition.requirements():
            dep = reg.resolve_milestone(req.milestone)
            requires.append(Requirement(req.milestone, dep if dep in slugs else None, req.soak))
        required_by = [
            (d.name, other)
            for other in slugs
            if (d := reg.definition(other)) is not None
            and any(reg.resolve_milestone(r.milestone) == slug for r in d.requirements())
        ]
        milestones.append(
            MilestoneView(
                slug=slug,
                obj=definition_object(definition),
                requires=requires,
                required_by=required_by,
                releases=[v for v in accepted if slug in v.reached],
            )
        )

    channels = []
    by_channel: dict[str, list[ReleaseView]] = {}
    for v in views:  # one pass, not one per channel; each list keeps the views' order
        by_channel.setdefault(v.channel, []).append(v)
    for name in sorted(by_channel, key=_channel_key, reverse=True):
        in_channel = by_channel[name]
        ok = [v for v in in_channel if not v.rejected]
        by_milestone = {}
        for slug in slugs:
            found = next((v for v in ok if slug in v.reached), None)
            if found is not None:
                by_milestone[slug] = found
        channels.append(ChannelView(name, in_channel, ok[0] if ok else None, len(ok), by_milestone))

    present = {v.kind for v in views}
    return SiteData(
        name=reg.name,
        repository_url=_repository_url(reg),
        releases=views,
        milestones=milestones,
        channels=channels,
        events=_events(reg, views, index.events, recent),
        kinds=[k for k in KINDS if k in present],
    )


def _repository_url(reg: Registry) -> str | None:
    rec = reg.config.record if reg.config else None
    return rec.repository_url if rec else None


def _events(
    reg: Registry, views: list[ReleaseView], found: Sequence[dict[str, Any]], recent: int | None
) -> list[Event]:
    """The feed's events (``site.events``), newest first, with names and details added."""
    by_tag = {v.tag: v for v in views}
    out: list[Event] = []
    for e in reversed(found):
        if recent is not None and len(out) >= recent:
            break
        view = by_tag.get(e["tag"])
        if view is None:
            continue
        kind = _EVENT_KINDS.get(e["type"])
        if kind is None:
            continue
        slug = e.get("milestone")
        approval = view.reached.get(slug) if slug else None
        definition = reg.definition(slug) if slug else None
        rejection = view.obj["rejection"]
        out.append(
            Event(
                time=e["time"],
                kind=kind,
                tag=e["tag"],
                who=e["actor"],
                milestone=definition.name if definition else slug,
                slug=slug if definition else None,
                break_glass=bool(approval and approval["break_glass"]),
                reason=rejection["reason"] if kind == "rejected" and rejection else None,
                rejected=view.rejected,
            )
        )
    return out
