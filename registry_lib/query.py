"""Questions about a registry: list releases with filters, find the latest. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .errors import NotFoundError, RelregError
from .registry import Registry, ReleaseEntry
from .tags import KINDS, matches_prefix, sort_by_version


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


def list_releases(reg: Registry, filters: Filters = Filters()) -> list[ReleaseEntry]:
    """Valid releases matching ``filters``, oldest to newest in the version order."""
    check_kinds([*filters.kinds, *filters.ignore_kinds])
    slug = milestone_slug(reg, filters.milestone) if filters.milestone else None
    chosen = []
    for entry in reg.releases.values():
        rec = entry.record
        if rec is None or rec.tag != entry.tag or entry.kind is None:
            continue
        if reg.by_tag.get(entry.tag) is not entry:
            continue
        if not filters.include_rejected and rec.rejection is not None:
            continue
        if not matches_prefix(entry.tag, filters.prefix):
            continue
        if filters.channel is not None and entry.channel != filters.channel:
            continue
        if filters.kinds and entry.kind not in filters.kinds:
            continue
        if entry.kind in filters.ignore_kinds:
            continue
        if slug is not None and slug not in reg.reached(entry):
            continue
        chosen.append(entry)
    return sort_by_version(chosen, lambda e: e.tag, lambda e: e.created_at)


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
