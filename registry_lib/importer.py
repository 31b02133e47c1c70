"""``relreg import stackrox``: move in from the StackRox release registry's API (docs/import.md).

Reads the JSON of ``GET /v1/qualitymilestonedefinition`` and ``GET /v1/release?preload=true``
(``stackroxjson``). Each record is built and checked with the same
rules as ``relreg approve`` before it is written; what cannot be carried over, or is
changed on the way, becomes a note of the report. Existing files are never overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rules
from .errors import RelregError, ValidationFailed
from .findings import Finding, errors
from .loader import load_directory
from .model import Approval, MilestoneDefinition, Record, Release
from .ops import Change, build, to_yaml
from .registry import Loaded, Registry, ReleaseEntry
from .stackroxjson import KNOWN, camel_keys, get_field, meta_time, read_files
from .tags import parse_tag

NO_REASON = "imported from StackRox without a reason"
KINDS = {
    "RELEASE_KIND_RELEASE": "release",
    "RELEASE_KIND_RC": "rc",
    "RELEASE_KIND_NIGHTLY": "nightly",
    "RELEASE_KIND_DEVELOPMENT": "development",
}
_HEX40 = re.compile(r"^[0-9a-fA-F]{40}\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclass
class ImportReport:
    """What an import wrote, what it left out or changed, and the registry's findings after."""

    change: Change
    definitions: int = 0
    releases: int = 0
    approvals: int = 0
    rejected: int = 0
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the registry validates (no errors) after the import."""
        return not errors(self.findings)

    def note(self, text: str) -> None:
        """Record something not carried over, once."""
        if text not in self.notes:
            self.notes.append(text)


def _pairs(value: Any, where: str, report: ImportReport) -> dict[str, Any]:
    """StackRox metadata (a list of {key, value}; a plain object is accepted too)."""
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    for item in value or []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            report.note(f"{where}: metadata entry {item!r} has no key; not carried over")
            continue
        if item["key"] in out:
            report.note(f"{where}: metadata key {item['key']!r} appears twice; the last value kept")
        out[item["key"]] = item.get("value", "")
    return out


def _unknown(obj: Mapping[str, Any], kind: str, report: ImportReport) -> None:
    for key in sorted(camel_keys(obj) - KNOWN[kind]):
        report.note(f"field {key!r} of StackRox {kind}s is not carried over")
    meta = get_field(obj, "meta")
    if isinstance(meta, dict) and "id" in meta:
        report.note(
            "StackRox ids (meta.id) are not carried over; records are keyed by tag and name"
        )


class _Importer:
    def __init__(self, root: Path, people: Mapping[str, str], rejected_by: str | None) -> None:
        self.root = root
        self.reg: Registry = load_directory(root)
        if self.reg.config is None:
            raise RelregError(
                f"no registry.yaml in {root}; create the registry with `relreg init` first"
            )
        self.people = dict(people)
        self.rejected_by = rejected_by
        self.report = ImportReport(Change("Import from StackRox"))
        self.unmapped: dict[tuple[str, str], int] = {}

    def person(self, who: Any, role: str) -> str | None:
        if isinstance(who, str) and who in self.people:
            return self.people[who]
        if isinstance(who, str) and _EMAIL.match(who):
            return who
        key = (role, str(who))
        self.unmapped[key] = self.unmapped.get(key, 0) + 1
        return None

    def write(self, path: str, record: Record) -> None:
        self.report.change.write(self.root, path, to_yaml(record))

    def definition(self, raw: dict[str, Any]) -> None:
        _unknown(raw, "definition", self.report)
        name, keys = get_field(raw, "name"), get_field(raw, "expectedMetadataKeys") or []
        try:
            rec = build(
                MilestoneDefinition, {"name": name, "expected_metadata_keys": keys}, "milestones/"
            )
        except ValidationFailed as exc:
            self.report.note(f"milestone {name!r}: {exc}; skipped")
            return
        path = f"milestones/{rec.slug}.yaml"
        existing = self.reg.resolve_milestone(rec.name)
        if existing is not None or (self.root / path).exists():
            have = self.reg.definition(existing or rec.slug)
            same = have is not None and list(have.expected_metadata_keys) == list(
                rec.expected_metadata_keys
            )
            differ = "" if same else " (its expected keys differ from StackRox's)"
            self.report.note(
                f"milestone {rec.name!r}: milestones/{existing or rec.slug}.yaml exists; "
                f"kept as it is{differ}"
            )
            return
        self.reg.milestones[rec.slug] = Loaded(path, rec)
        self.reg.__dict__.pop("milestone_index", None)
        self.write(path, rec)
        self.report.definitions += 1

    def release(self, raw: dict[str, Any]) -> None:
        _unknown(raw, "release", self.report)
        tag = get_field(raw, "tag")
        info = parse_tag(tag) if isinstance(tag, str) else None
        approvals = [a for a in get_field(raw, "qualityMilestones") or [] if isinstance(a, dict)]
        count = len(approvals)
        lost = f" with its {count} approval{'s' if count != 1 else ''}" if count else ""
        if info is None:
            self.report.note(
                f"release {tag!r}: not a tag relreg knows (versions.md); skipped{lost}"
            )
            return
        kind = get_field(raw, "kind")
        if isinstance(kind, str) and KINDS.get(kind.upper(), kind.lower()) != info.kind:
            self.report.note(
                f"release {tag}: StackRox kind {kind} disagrees with the tag, which makes it "
                f"{info.kind}; relreg derives the kind from the tag"
            )
        entry = self.reg.find_release(tag)
        if entry is None or entry.release is None:
            entry = self.new_release(raw, tag, info.channel, lost)
            if entry is None:
                return
        else:
            self.report.note(f"release {tag}: {entry.folder}/release.yaml exists; kept as it is")
            if entry.record is None:
                return
        for approval in sorted(approvals, key=lambda a: meta_time(a, "createdAt") or ""):
            self.approval(entry, approval)

    def new_release(
        self, raw: dict[str, Any], tag: str, channel: str, lost: str
    ) -> ReleaseEntry | None:
        commit = get_field(raw, "commit")
        if not isinstance(commit, str) or not _HEX40.match(commit):
            self.report.note(f"release {tag}: commit {commit!r} is not a 40-hex SHA; skipped{lost}")
            return None
        if commit != commit.lower():
            self.report.note(f"release {tag}: commit written in lowercase ({commit.lower()})")
        created = meta_time(raw, "createdAt")
        creator = self.person(get_field(raw, "creator"), "creator")
        if created is None or creator is None:
            why = (
                "no meta.createdAt timestamp"
                if created is None
                else (f"creator {get_field(raw, 'creator')!r} is not an email address")
            )
            self.report.note(f"release {tag}: {why}; skipped{lost}")
            return None
        data: dict[str, Any] = {
            "tag": tag,
            "commit": commit.lower(),
            "creator": creator,
            "created_at": created,
            "metadata": _pairs(get_field(raw, "metadata"), f"release {tag}", self.report),
        }
        if get_field(raw, "rejected") is True:
            if self.rejected_by is None:
                self.report.note(
                    f"release {tag}: rejected, but no --rejected-by EMAIL to record; skipped{lost}"
                )
                return None
            reason = get_field(raw, "rejectionReason")
            if not isinstance(reason, str) or not reason.strip():
                reason = NO_REASON
                self.report.note(
                    f"release {tag}: rejected without a reason; reason set to {NO_REASON!r}"
                )
            updated = meta_time(raw, "updatedAt")
            data["rejection"] = {
                "by": self.rejected_by,
                "at": max(updated or created, created),
                "reason": reason,
            }
            self.report.note(
                "rejections: StackRox records neither who rejected nor when; by is "
                f"{self.rejected_by}, at is the release's meta.updatedAt"
            )
        path = f"releases/{channel}/{tag}/release.yaml"
        try:
            rec = build(Release, data, path)
        except ValidationFailed as exc:
            self.report.note(f"release {tag}: {exc}; skipped{lost}")
            return None
        entry = ReleaseEntry(channel=channel, tag=tag, release=Loaded(path, rec))
        problems = errors(rules.check_release(self.reg, entry, frozenset()))
        if problems or (self.root / path).exists():
            why = "; ".join(f.message for f in problems) or f"{path} exists"
            self.report.note(f"release {tag}: {why}; skipped{lost}")
            return None
        self.reg.releases[entry.folder] = entry
        self.reg.__dict__.pop("by_tag", None)
        self.write(path, rec)
        self.report.releases += 1
        self.report.rejected += rec.rejection is not None
        return entry

    def approval(self, entry: ReleaseEntry, raw: dict[str, Any]) -> None:
        _unknown(raw, "approval", self.report)
        nested = get_field(raw, "qualityMilestoneDefinition")
        name = get_field(raw, "name") or get_field(raw, "qualityMilestoneDefinitionName")
        if not name and isinstance(nested, dict):
            name = nested.get("name")
        where = f"release {entry.tag}, milestone {name!r}"
        slug = self.reg.resolve_milestone(name) if isinstance(name, str) and name else None
        definition = self.reg.definition(slug) if slug else None
        if definition is None:
            self.report.note(f"{where}: no such milestone definition; approval skipped")
            return
        approver = self.person(get_field(raw, "approver"), "approver")
        at = meta_time(raw, "createdAt")
        if approver is None or at is None:
            why = (
                "no meta.createdAt timestamp"
                if at is None
                else (f"approver {get_field(raw, 'approver')!r} is not an email address")
            )
            self.report.note(f"{where}: {why}; approval skipped")
            return
        path = f"{entry.folder}/approvals/{definition.slug}.yaml"
        if definition.slug in self.reg.reached(entry) or (self.root / path).exists():
            self.report.note(f"{where}: {path} exists; kept as it is")
            return
        data = {
            "milestone": definition.name,
            "tag": entry.tag,
            "approver": approver,
            "approved_at": at,
            "metadata": _pairs(get_field(raw, "metadata"), where, self.report),
        }
        try:
            rec = build(Approval, data, path)
        except ValidationFailed as exc:
            self.report.note(f"{where}: {exc}; approval skipped")
            return
        before = {
            (f.path, f.code, f.message) for f in rules.check_release(self.reg, entry, frozenset())
        }
        entry.approvals[definition.slug] = Loaded(path, rec)
        new = [
            f
            for f in errors(rules.check_release(self.reg, entry, frozenset()))
            if (f.path, f.code, f.message) not in before
        ]
        if new:
            del entry.approvals[definition.slug]
            self.report.note(f"{where}: {'; '.join(f.message for f in new)}; approval skipped")
            return
        self.write(path, rec)
        self.report.approvals += 1

    def finish(self) -> ImportReport:
        for who in sorted({who for _, who in self.unmapped}):
            self.report.note(
                f"to carry over the records of {who!r}, re-run with --person {who}=EMAIL"
            )
        self.report.findings = rules.validate(load_directory(self.root))
        return self.report


def import_stackrox(
    root: Path,
    files: Sequence[Path],
    people: Mapping[str, str] | None = None,
    rejected_by: str | None = None,
) -> ImportReport:
    """Import StackRox JSON files into the registry at ``root``; see docs/import.md.

    A registry with validation errors is refused before anything is written; when the
    imported files would leave errors, every file is put back as it was and the report
    (``ok`` False) names them.
    """
    definitions, releases = read_files(files)
    run = _Importer(root, people or {}, rejected_by)
    found = errors(rules.validate(run.reg))  # the registry as loaded, before any import
    if found:
        raise ValidationFailed(
            f"the registry has {len(found)} validation error{'s' if len(found) != 1 else ''} "
            "before the import; fix them first (see `relreg validate`)",
            [*found],
        )
    try:
        for d in definitions:
            run.definition(d)
        for r in sorted(
            releases, key=lambda r: (meta_time(r, "createdAt") or "", str(get_field(r, "tag")))
        ):
            run.release(r)
        report = run.finish()
    except BaseException:
        run.report.change.restore(root)
        raise
    if not report.ok:
        report.change.restore(root)
    return report
