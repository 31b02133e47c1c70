"""Write operations of the CLI as library functions.

Each builds the new record, checks the registry as it would be after the write with the
same rules as ``validate``, and only then writes, atomically. A refused write leaves the
registry untouched. Each returns a ``Change`` naming the files it touched.

Those rules look at one release folder, the definitions and the copies of a tag, so a
write reads just these (``loader.load_tag``, ``loader.load_definitions``): its cost
follows the release, not the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from . import rules, yamlio
from .definitionrules import check_definitions
from .errors import NotFoundError, RelregError, ValidationFailed
from .fieldfindings import validation_findings
from .findings import Finding, errors
from .loader import load_definitions, load_tag
from .model import (
    SCHEMA_VERSION,
    Approval,
    MilestoneDefinition,
    Record,
    RegistryConfig,
    Release,
    Requirement,
)
from .query import get_release, milestone_slug
from .registry import Loaded, Registry, ReleaseEntry
from .tags import ACCEPTED_FORMS, parse_tag
from .values import slugify
from .writer import remove, write_bytes, write_text

R = TypeVar("R", bound=Record)


@dataclass
class Change:
    """What a write did: files written or removed (relative to the registry), and a summary."""

    message: str
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    previous: dict[str, bytes | None] = field(default_factory=dict)  # path -> old content

    def write(self, root: Path, path: str, text: str) -> None:
        """Write one file atomically, remembering what was there."""
        self._remember(root, path)
        write_text(root, path, text)
        self.written.append(path)

    def remove(self, root: Path, path: str) -> None:
        """Delete one file, remembering what was there."""
        self._remember(root, path)
        remove(root, path)
        self.removed.append(path)

    def _remember(self, root: Path, path: str) -> None:
        target = root / path
        self.previous[path] = target.read_bytes() if target.is_file() else None

    def restore(self, root: Path) -> None:
        """Put every touched file back as it was before the change."""
        for path, old in self.previous.items():
            if old is None:
                if (root / path).exists():
                    remove(root, path)
            else:
                write_bytes(root, path, old)

    @property
    def paths(self) -> list[str]:
        """Every touched path."""
        return [*self.written, *self.removed]


def parse_meta(pairs: Sequence[str]) -> dict[str, str]:
    """Turn ``KEY=VALUE`` arguments into a mapping; values may be empty."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RelregError(
                f"--meta {pair!r} is not KEY=VALUE; write it like --meta BuildURL=https://…"
            )
        out[key.strip()] = value
    return out


def to_yaml(record: Record) -> str:
    """Canonical YAML of a record: field order of the model, defaults and empties left out."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    return yamlio.dump(_drop_empty(data))


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, list) and key == "requires":
            value = [r["milestone"] if set(r) == {"milestone"} else r for r in value]
        if value in ([], None):
            continue
        out[key] = value
    return out


def build(model: type[R], data: Mapping[str, Any], path: str) -> R:
    """Validate ``data`` as ``model``; raise ValidationFailed with findings when invalid."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        found = validation_findings(path, yamlio.Document(), exc)
        raise ValidationFailed(_summary(found), [*found]) from None


def _summary(found: list[Finding]) -> str:
    return "; ".join(f.message for f in found)


def _refuse_new_errors(before: list[Finding], after: list[Finding]) -> None:
    old = {(f.path, f.code, f.message) for f in before}
    new = [f for f in errors(after) if (f.path, f.code, f.message) not in old]
    if new:
        raise ValidationFailed(_summary(new), [*new])


def init(root: Path, name: str) -> Change:
    """Create an empty registry in ``root``; refuse when one is there."""
    if (root / "registry.yaml").exists():
        raise RelregError(f"{root}/registry.yaml already exists; refusing to overwrite it")
    config = build(RegistryConfig, {"name": name}, "registry.yaml")
    for sub in ("milestones", "releases"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    change = Change(f"Create registry {name}")
    text = yamlio.dump({"schema_version": SCHEMA_VERSION, "name": config.name})
    change.write(root, "registry.yaml", text)
    return change


def create_milestone(
    root: Path,
    name: str,
    expect: Sequence[str],
    description: str | None = None,
    requires: Sequence[str] = (),
    aliases: Sequence[str] = (),
    approvers: Sequence[str] = (),
) -> Change:
    """Add a milestone definition."""
    reg = load_definitions(root)
    slug = slugify(name)
    path = f"milestones/{slug}.yaml"
    if not slug:
        raise RelregError(f"milestone name {name!r} needs at least one letter or digit")
    if slug in reg.milestones:
        raise RelregError(f"{path} already exists; milestone names must be unique")
    if (existing := reg.resolve_milestone(name)) is not None:
        raise RelregError(f"{name!r} is already a name or alias of milestones/{existing}.yaml")
    for key in expect:
        if not key.strip():
            raise RelregError("--expect needs a non-empty key name")
    if len(set(expect)) != len(expect):
        raise RelregError("--expect lists a key twice; list each key once")
    data: dict[str, Any] = {"name": name, "expected_metadata_keys": list(expect)}
    if description:
        data["description"] = description
    data["requires"] = [_requirement(r) for r in requires]
    data["aliases"] = list(aliases)
    data["approvers"] = list(approvers)
    definition = build(MilestoneDefinition, data, path)
    before = check_definitions(reg)
    reg.milestones[slug] = Loaded(path, definition)
    reg.__dict__.pop("milestone_index", None)
    _refuse_new_errors(before, check_definitions(reg))
    change = Change(f"Define milestone {name}")
    change.write(root, path, to_yaml(definition))
    return change


def _requirement(text: str) -> str | Requirement:
    """``NAME`` or ``NAME@SOAK`` (e.g. ``Nightly passed@48h``)."""
    name, sep, soak = text.rpartition("@")
    if sep and name.strip():
        return Requirement(milestone=name.strip(), soak=soak.strip())
    return text


def create_release(
    root: Path, tag: str, commit: str, creator: str, created_at: str, meta: Mapping[str, str]
) -> Change:
    """Record a new release."""
    info = parse_tag(tag)
    if info is None:
        raise RelregError(f"{tag!r} is not a valid tag; use one of: {ACCEPTED_FORMS}")
    reg = load_tag(root, tag)
    if (existing := reg.find_release(tag)) is not None:
        raise RelregError(
            f"release {tag} already exists in {existing.folder}; see `relreg release show {tag}`"
        )
    path = f"releases/{info.channel}/{tag}/release.yaml"
    release = build(
        Release,
        {
            "tag": tag,
            "commit": commit,
            "creator": creator,
            "created_at": created_at,
            "metadata": dict(meta),
        },
        path,
    )
    entry = ReleaseEntry(channel=info.channel, tag=tag, release=Loaded(path, release))
    _refuse_new_errors([], rules.check_release(reg, entry, frozenset()))
    change = Change(f"Create release {tag}")
    change.write(root, path, to_yaml(release))
    return change


def _rewrite_release(
    root: Path, reg: Registry, entry: ReleaseEntry, data: dict[str, Any], message: str
) -> Change:
    assert entry.release is not None
    path = entry.release.path
    release = build(Release, data, path)
    before = rules.check_release(reg, entry, frozenset())
    entry.release = Loaded(path, release, entry.release.lines)
    _refuse_new_errors(before, rules.check_release(reg, entry, frozenset()))
    change = Change(message)
    change.write(root, path, to_yaml(release))
    return change


def update_release(root: Path, tag: str, meta: Mapping[str, str], unset: Sequence[str]) -> Change:
    """Add, replace or remove release metadata."""
    if not meta and not unset:
        raise RelregError("nothing to update: pass --meta KEY=VALUE or --unset KEY")
    reg = load_tag(root, tag)
    entry = get_release(reg, tag)
    rec = entry.record
    assert rec is not None
    metadata = dict(rec.metadata)
    for key in unset:
        if key not in metadata:
            raise RelregError(f"release {tag} has no metadata key {key!r} to unset")
        del metadata[key]
    metadata.update(meta)
    data = rec.model_dump(mode="json", exclude_defaults=True)
    data["metadata"] = metadata
    keys = ", ".join([*meta, *unset])
    return _rewrite_release(root, reg, entry, data, f"Update {tag} metadata ({keys})")


def reject_release(root: Path, tag: str, reason: str, by: str, at: str) -> Change:
    """Mark a release rejected; rejecting twice is an error."""
    if not reason.strip():
        raise RelregError("--reason must say why the release is rejected")
    reg = load_tag(root, tag)
    entry = get_release(reg, tag)
    rec = entry.record
    assert rec is not None
    if rec.rejection is not None:
        raise RelregError(
            f"release {tag} is already rejected (by {rec.rejection.by} at {rec.rejection.at}: "
            f"{rec.rejection.reason})"
        )
    data = rec.model_dump(mode="json", exclude_defaults=True)
    data["rejection"] = {"by": by, "at": at, "reason": reason}
    return _rewrite_release(root, reg, entry, data, f"Reject {tag}: {reason}")


def approve(
    root: Path,
    tag: str,
    milestone: str,
    approver: str,
    approved_at: str,
    meta: Mapping[str, str],
    break_glass: bool = False,
) -> Change:
    """Record that a release reached a milestone, after every check ``validate`` makes."""
    reg = load_tag(root, tag)
    entry = get_release(reg, tag)
    slug = milestone_slug(reg, milestone)
    definition = reg.definition(slug)
    assert definition is not None
    rejection = entry.record.rejection if entry.record else None
    if rejection is not None:
        # Refused whatever the clock says: RR302 alone would let RELREG_NOW (or a skewed
        # clock) before the rejection time approve a rejected release.
        raise RelregError(
            f"release {tag} is rejected (by {rejection.by} at {rejection.at}: "
            f"{rejection.reason}); a rejected release cannot be approved"
        )
    existing = reg.reached(entry).get(slug)
    if existing is not None:
        assert existing.record is not None
        raise RelregError(
            f"{tag} is already approved for {definition.name} by {existing.record.approver} "
            f"at {existing.record.approved_at} ({existing.path}); revoke it first to replace it"
        )
    path = f"{entry.folder}/approvals/{definition.slug}.yaml"
    if definition.slug in entry.approvals:
        raise RelregError(f"{path} exists but is invalid; fix or delete it (see `relreg validate`)")
    data: dict[str, Any] = {
        "milestone": definition.name,
        "tag": tag,
        "approver": approver,
        "approved_at": approved_at,
        "metadata": dict(meta),
    }
    if break_glass:
        data["break_glass"] = True
    approval = build(Approval, data, path)
    before = rules.check_release(reg, entry, frozenset())
    entry.approvals[definition.slug] = Loaded(path, approval)
    _refuse_new_errors(before, rules.check_release(reg, entry, frozenset()))
    note = " (break glass)" if break_glass else ""
    change = Change(f"Approve {tag} for {definition.name}{note}")
    change.write(root, path, to_yaml(approval))
    return change


def revoke(root: Path, tag: str, milestone: str) -> Change:
    """Delete an approval, moving the release back before that milestone."""
    reg = load_tag(root, tag)
    entry = get_release(reg, tag)
    slug = milestone_slug(reg, milestone)
    definition = reg.definition(slug)
    assert definition is not None
    approval = reg.reached(entry).get(slug)
    if approval is None:
        raise NotFoundError(f"{tag} has no approval for {definition.name}; nothing to revoke")
    before = rules.check_release(reg, entry, frozenset())
    file_slug = approval.path.rsplit("/", 1)[-1][: -len(".yaml")]
    del entry.approvals[file_slug]
    try:
        _refuse_new_errors(before, rules.check_release(reg, entry, frozenset()))
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"revoking {definition.name} would break approvals that require it ({exc}); "
            "revoke those first",
            exc.findings,
        ) from None
    change = Change(f"Revoke {definition.name} from {tag}")
    change.remove(root, approval.path)
    return change
