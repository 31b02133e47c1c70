"""Questions about a registry: list releases with filters, find the latest. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .errors import NotFoundError, RelregError
from .registry import Registry, ReleaseEntry
from .tags import KINDS, matches_prefix, parse_tag, sort_by_version


@dataclass(frozen=True)
class Filters:
    """The filters of ``release list`` and ``latest``."""

    prefix: str | None = None
    milestone: str | None = None
    kinds: Sequence[str] = field(default_factory=tuple)
    ignore_kinds: Sequence[str] = field(default_factory=tuple)
    include_rejected: bool = False
    channel: str | None = None


def check_kinds(kinds: Iterable[str]) -> None:
    """Refuse a kind that does not exist, naming the four that do."""
    for kind in kinds:
        if kind not in KINDS:
            raise RelregError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")


def milestone_slug(reg: Registry, name: str) -> str:
    """The definition a name, alias or slug refers to; NotFoundError names the known ones."""
    slug = reg.resolve_milestone(name)
    if slug is None or reg.definition(slug) is None:
        known = ", ".join(
            rec.name for s in sorted(reg.milestones) if (rec := reg.definition(s)) is not None
        )
        raise NotFoundError(
            f"no milestone named {name!r}; known milestones: {known or 'none'} "
            "(see `relreg milestone list`)"
        )
    return slug


@dataclass(frozen=True, slots=True)
class Facts:
    """What the filters and the order need to know of one release folder."""

    folder: str
    tag: str
    channel: str
    created_at: str
    listed: bool  # a valid release.yaml whose tag is its folder's and a known kind
    rejected: bool
    milestones: tuple[str, ...]  # the milestone names of its valid approvals

    @property
    def kind(self) -> str | None:
        """Kind derived from the tag."""
        info = parse_tag(self.tag)
        return info.kind if info else None


def channel_order(name: str) -> tuple[int, tuple[int, ...]]:
    """Sort key of a channel folder name: by version core, invalid names first."""
    parts = []
    for part in name.split("."):
        if part == "x":
            parts.append(1 << 62)
        elif part.isdigit():
            parts.append(int(part))
        else:
            return (0, ())
    return (1, tuple(parts))


def facts_of(entry: ReleaseEntry) -> Facts:
    """The facts of one loaded release folder."""
    rec = entry.record
    return Facts(
        folder=entry.folder,
        tag=entry.tag,
        channel=entry.channel,
        created_at=entry.created_at,
        # A release in the wrong folder is an error (RR206) and never listed.
        listed=rec is not None and rec.tag == entry.tag and entry.in_own_channel,
        rejected=rec is not None and rec.rejection is not None,
        milestones=tuple(a.record.milestone for a in entry.valid_approvals() if a.record),
    )


def select(reg: Registry, facts: Iterable[Facts], filters: Filters) -> list[Facts]:
    """The facts matching ``filters``, oldest to newest; ``reg`` supplies the definitions."""
    check_kinds([*filters.kinds, *filters.ignore_kinds])
    slug = milestone_slug(reg, filters.milestone) if filters.milestone else None
    chosen = []
    # A listed release sits in releases/<its channel>/<tag>: one folder per tag, so a
    # duplicated tag (RR207) is listed once, from there, and its misplaced copies never.
    for f in sorted(facts, key=lambda f: f.folder):
        if not f.listed:
            continue
        if not filters.include_rejected and f.rejected:
            continue
        if not matches_prefix(f.tag, filters.prefix):
            continue
        if filters.channel is not None and f.channel != filters.channel:
            continue
        kind = f.kind
        if filters.kinds and kind not in filters.kinds:
            continue
        if kind in filters.ignore_kinds:
            continue
        if slug is not None and slug not in {reg.resolve_milestone(m) for m in f.milestones}:
            continue
        chosen.append(f)
    return sort_by_version(chosen, lambda f: f.tag, lambda f: f.created_at)


def list_releases(reg: Registry, filters: Filters = Filters()) -> list[ReleaseEntry]:
    """Valid releases matching ``filters``, oldest to newest in the version order."""
    facts = [facts_of(e) for e in reg.releases.values()]
    return [reg.releases[f.folder] for f in select(reg, facts, filters)]


def latest(reg: Registry, filters: Filters = Filters()) -> ReleaseEntry:
    """The greatest release matching ``filters``; NotFoundError when none does."""
    found = list_releases(reg, filters)
    if not found:
        raise NotFoundError(f"no release matches {describe(filters)}")
    return found[-1]


def describe(filters: Filters) -> str:
    """The filters in words, for "nothing matched" messages."""
    parts = []
    if filters.prefix:
        parts.append(f"prefix {filters.prefix!r}")
    if filters.channel:
        parts.append(f"channel {filters.channel}")
    if filters.milestone:
        parts.append(f"milestone {filters.milestone!r}")
    if filters.kinds:
        parts.append("kind " + "/".join(filters.kinds))
    if filters.ignore_kinds:
        parts.append("not kind " + "/".join(filters.ignore_kinds))
    if not filters.include_rejected:
        parts.append("not rejected")
    return ", ".join(parts) if parts else "the registry (it has no valid releases)"


def get_release(reg: Registry, tag: str) -> ReleaseEntry:
    """The release with this tag, rejected or not; NotFoundError when it does not exist."""
    entry = reg.find_release(tag)
    if entry is None or entry.record is None:
        hint = "" if entry is None else f" ({entry.folder}/release.yaml is missing or invalid)"
        raise NotFoundError(f"no release {tag}{hint}; see `relreg release list`")
    return entry
