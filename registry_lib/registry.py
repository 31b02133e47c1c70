"""The in-memory registry: loaded records with their paths and lines, and lookups. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

from .findings import Finding
from .model import Approval, MilestoneDefinition, RegistryConfig, Release
from .tags import Kind, parse_tag
from .values import normalize_timestamp, slugify

R = TypeVar("R")


_LINE_MAPS: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}


def shared_lines(lines: dict[str, int]) -> dict[str, int]:
    """One line map per distinct map (same keys, lines and order), for loaded files to share.

    Files of one layout have the same map (3 distinct maps among the 19,000 files of a
    10,000-release registry; 272 bytes each, ~50 MB at 100,000 releases). Line maps are
    only read once a file is loaded.
    """
    key = tuple(lines.items())
    found = _LINE_MAPS.get(key)
    if found is None:
        found = _LINE_MAPS[key] = lines
    return found


@dataclass(slots=True)  # slots: ~200,000 of them at 100,000 releases
class Loaded(Generic[R]):
    """A record with the file it came from; ``record`` is None when the file is invalid."""

    path: str
    record: R | None
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, *keys: str) -> int | None:
        """Line of the first known key, else of the document start."""
        for key in keys:
            if key in self.lines:
                return self.lines[key]
        return self.lines.get("", 1 if self.lines else None)


@dataclass(slots=True)
class ReleaseEntry:
    """One release folder: its release.yaml and its approvals, keyed by file slug."""

    channel: str
    tag: str
    release: Loaded[Release] | None = None
    approvals: dict[str, Loaded[Approval]] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        """Path of the folder, relative to the registry."""
        return f"releases/{self.channel}/{self.tag}"

    @property
    def record(self) -> Release | None:
        """The release record, when release.yaml exists and is valid."""
        return self.release.record if self.release else None

    @property
    def created_at(self) -> str:
        """Normalized creation time, or "" when unknown (``normalize_timestamp`` keeps it)."""
        rec = self.record
        if rec is None:
            return ""
        try:
            return normalize_timestamp(rec.created_at)
        except ValueError:
            return ""

    @property
    def in_own_channel(self) -> bool:
        """True when the folder's tag is valid and belongs to the folder's channel."""
        info = parse_tag(self.tag)
        return info is not None and info.channel == self.channel

    @property
    def kind(self) -> Kind | None:
        """Kind derived from the tag."""
        info = parse_tag(self.tag)
        return info.kind if info else None

    @property
    def rejected(self) -> bool:
        """True when the release carries a rejection."""
        rec = self.record
        return rec is not None and rec.rejection is not None

    def valid_approvals(self) -> list[Loaded[Approval]]:
        """Approvals whose files are valid, in approval-time order."""
        found = [a for a in self.approvals.values() if a.record is not None]
        if len(found) > 1:  # most releases have one approval or none: nothing to sort
            found.sort(key=lambda a: (_time(a.record.approved_at), a.path))  # type: ignore[union-attr]
        return found


def _time(value: str) -> str:
    try:
        return normalize_timestamp(value)
    except ValueError:
        return value


@dataclass
class Registry:
    """Everything a registry holds, as loaded, plus the findings of loading it."""

    config: Loaded[RegistryConfig] | None = None
    milestones: dict[str, Loaded[MilestoneDefinition]] = field(default_factory=dict)
    releases: dict[str, ReleaseEntry] = field(default_factory=dict)  # keyed by folder
    findings: list[Finding] = field(default_factory=list)

    @cached_property
    def milestone_index(self) -> dict[str, str]:
        """Lowercased name, alias or slug -> the definition's file slug."""
        index: dict[str, str] = {}
        for slug, loaded in sorted(self.milestones.items()):
            index.setdefault(slug, slug)
            rec = loaded.record
            if rec is None:
                continue
            for name in (rec.name, *rec.aliases):
                index.setdefault(name.lower(), slug)
                index.setdefault(slugify(name), slug)
        return index

    def resolve_milestone(self, name: str) -> str | None:
        """Return the file slug of the definition a name, alias or slug refers to."""
        index = self.milestone_index
        return index.get(name.lower()) or index.get(slugify(name))

    def definition(self, slug: str) -> MilestoneDefinition | None:
        """The valid definition with this file slug."""
        loaded = self.milestones.get(slug)
        return loaded.record if loaded else None

    def definition_named(self, name: str) -> MilestoneDefinition | None:
        """The valid definition a name, alias or slug refers to."""
        slug = self.resolve_milestone(name)
        return self.definition(slug) if slug else None

    def shown_name(self, name: str) -> str:
        """How a milestone named ``name`` is shown: its definition's name, or ``name``
        itself when no valid definition has it."""
        definition = self.definition_named(name)
        return definition.name if definition else name

    def reached(self, entry: ReleaseEntry) -> dict[str, Loaded[Approval]]:
        """Definition slug -> approval, for the milestones a release reached."""
        out: dict[str, Loaded[Approval]] = {}
        for approval in entry.valid_approvals():
            assert approval.record is not None
            slug = self.resolve_milestone(approval.record.milestone)
            if slug is not None:
                out.setdefault(slug, approval)
        return out

    @property
    def name(self) -> str:
        """The registry's display name."""
        rec = self.config.record if self.config else None
        return rec.name if rec else "relreg"

    @cached_property
    def by_tag(self) -> dict[str, ReleaseEntry]:
        """Tag -> release folder: where the tag belongs (``releases/<its channel>/<tag>``)
        when that folder exists, else the first by path.

        Where a tag is duplicated (RR207) the copy in its own channel is the release, as
        ``release list`` and ``latest`` see it: copies elsewhere are misplaced (RR206)
        and never listed, whatever their folders' order.
        """
        index: dict[str, ReleaseEntry] = {}
        for folder in sorted(self.releases):
            entry = self.releases[folder]
            if entry.tag not in index or entry.in_own_channel:
                index[entry.tag] = entry
        return index

    def find_release(self, tag: str) -> ReleaseEntry | None:
        """The release folder of a tag, valid or not."""
        return self.by_tag.get(tag)
