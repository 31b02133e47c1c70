"""The registry rules of registry.md (RR2xx-RR4xx) over a loaded registry. Pure: no I/O.

Syntax and schema findings (RR1xx and per-field RR2xx) come from loading; this module
adds the rules that need more than one file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .definitionrules import check_definitions, milestone_name
from .findings import Finding, Severity
from .model import Approval, MilestoneDefinition
from .registry import Loaded, Registry, ReleaseEntry
from .tags import parse_tag
from .values import format_timestamp, normalize_timestamp, parse_soak, parse_timestamp, slugify


def validate(reg: Registry, legacy: frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding for a registry: loading's, then the rules'.

    ``legacy`` names approval files that existed before the change under review; their
    expected-key mismatches are warnings (definitions' new keys apply to new approvals).
    """
    out = list(reg.findings)
    out.extend(check_definitions(reg))
    out.extend(check_duplicate_tags(reg))
    for entry in reg.releases.values():
        out.extend(check_release(reg, entry, legacy))
    return sorted(out, key=Finding.sort_key)


def _domain_ok(reg: Registry, email: str) -> bool:
    rec = reg.config.record if reg.config else None
    if rec is None or not rec.allowed_email_domains:
        return True
    domain = email.rsplit("@", 1)[-1].lower()
    return any(domain == d.lower().lstrip("@") for d in rec.allowed_email_domains)


def _domain_finding(reg: Registry, loaded: Loaded[Any], key: str, email: str) -> list[Finding]:
    if _domain_ok(reg, email):
        return []
    rec = reg.config.record if reg.config else None
    allowed = ", ".join(rec.allowed_email_domains) if rec else ""
    return [
        Finding(
            loaded.path,
            loaded.line(key),
            "RR204",
            f"{email} is outside the allowed email domains ({allowed}); use an address there",
        )
    ]


def check_duplicate_tags(reg: Registry) -> list[Finding]:
    """The same tag in two channel folders."""
    return duplicate_tags((folder, entry.tag) for folder, entry in reg.releases.items())


def duplicate_tags(folders: Iterable[tuple[str, str]]) -> list[Finding]:
    """RR207 for every (folder, tag) whose tag an earlier folder (by path) already has."""
    seen: dict[str, str] = {}
    out = []
    for folder, tag in sorted(folders):
        if tag in seen:
            out.append(
                Finding(
                    f"{folder}/release.yaml",
                    None,
                    "RR207",
                    f"tag {tag} is already recorded in {seen[tag]}; remove one",
                )
            )
        else:
            seen[tag] = folder
    return out


def check_release(reg: Registry, entry: ReleaseEntry, legacy: frozenset[str]) -> list[Finding]:
    """One release folder: the release file and every approval in it."""
    out: list[Finding] = []
    rel = entry.release
    if rel is None:
        for a in entry.approvals.values():
            out.append(
                Finding(
                    a.path,
                    a.line("tag"),
                    "RR300",
                    f"approval for unknown release {entry.tag}: {entry.folder}/release.yaml "
                    "does not exist; create the release first",
                )
            )
        return out
    rec = rel.record
    if rec is not None:
        out.extend(_release_identity(reg, entry, rel))
    reached: dict[str, Loaded[Approval]] = {}
    for slug in sorted(entry.approvals):
        approval = entry.approvals[slug]
        if approval.record is None:
            continue
        out.extend(_approval(reg, entry, slug, approval, legacy, reached))
    return out


def _release_identity(reg: Registry, entry: ReleaseEntry, rel: Loaded[Any]) -> list[Finding]:
    rec = entry.record
    assert rec is not None
    out: list[Finding] = []
    info = parse_tag(rec.tag)
    if rec.tag != entry.tag:
        out.append(
            Finding(
                rel.path,
                rel.line("tag"),
                "RR206",
                f"tag {rec.tag} does not match its folder {entry.tag}; move the file to "
                f"releases/{info.channel if info else '<channel>'}/{rec.tag}/release.yaml",
            )
        )
    elif info is not None and info.channel != entry.channel:
        out.append(
            Finding(
                rel.path,
                rel.line("tag"),
                "RR206",
                f"release {rec.tag} belongs to channel {info.channel}, not {entry.channel}; "
                f"move it to releases/{info.channel}/{rec.tag}/",
            )
        )
    out.extend(_domain_finding(reg, rel, "creator", rec.creator))
    if rec.rejection is not None:
        out.extend(_domain_finding(reg, rel, "rejection", rec.rejection.by))
        if normalize_timestamp(rec.rejection.at) < entry.created_at:
            out.append(
                Finding(
                    rel.path,
                    rel.line("rejection.at", "rejection"),
                    "RR308",
                    "rejection.at is earlier than created_at; check the timestamps",
                    "warning",
                )
            )
    return out


def _approval(
    reg: Registry,
    entry: ReleaseEntry,
    file_slug: str,
    approval: Loaded[Approval],
    legacy: frozenset[str],
    reached: dict[str, Loaded[Approval]],
) -> Iterable[Finding]:
    rec = approval.record
    release = entry.record
    assert rec is not None
    path = approval.path
    if rec.tag != entry.tag:
        yield Finding(
            path,
            approval.line("tag"),
            "RR206",
            f"approval names tag {rec.tag} but sits in the folder of {entry.tag}; fix the tag",
        )
    if slugify(rec.milestone) != file_slug:
        yield Finding(
            path,
            approval.line("milestone"),
            "RR206",
            f"an approval for {rec.milestone!r} must be named "
            f"approvals/{slugify(rec.milestone)}.yaml",
        )
    yield from _domain_finding(reg, approval, "approver", rec.approver)
    approved_at = normalize_timestamp(rec.approved_at)
    if release is not None and approved_at < entry.created_at:
        yield Finding(
            path,
            approval.line("approved_at"),
            "RR308",
            f"approved_at {rec.approved_at} is before the release was created "
            f"({release.created_at}); check the timestamp",
            "warning",
        )
    rejection = release.rejection if release is not None else None
    if rejection is not None and approved_at >= normalize_timestamp(rejection.at):
        yield Finding(
            path,
            approval.line("approved_at"),
            "RR302",
            f"release {entry.tag} was rejected at {rejection.at} "
            f"({rejection.reason}); a rejected release cannot be approved",
        )
    slug = reg.resolve_milestone(rec.milestone)
    if slug is None:
        known = ", ".join(sorted(milestone_name(reg, s) for s in reg.milestones)) or "none defined"
        yield Finding(
            path,
            approval.line("milestone"),
            "RR301",
            f"unknown milestone {rec.milestone!r} (known: {known}); fix the name or define it",
        )
        return
    if slug in reached:
        yield Finding(
            path,
            approval.line("milestone"),
            "RR209",
            f"release {entry.tag} already has an approval for {milestone_name(reg, slug)} in "
            f"{reached[slug].path}; keep one",
        )
    reached[slug] = approval
    definition = reg.definition(slug)
    if definition is None:
        return
    yield from check_requires(reg, entry, approval, definition)
    yield from check_approver(approval, definition)
    severity: Severity = "warning" if path in legacy else "error"
    yield from check_expected_keys(approval, definition, severity)


def check_requires(
    reg: Registry, entry: ReleaseEntry, approval: Loaded[Approval], definition: MilestoneDefinition
) -> Iterable[Finding]:
    """The milestones a definition requires were reached first, soak included."""
    rec = approval.record
    assert rec is not None
    if rec.break_glass:
        return
    at = normalize_timestamp(rec.approved_at)
    reached = reg.reached(entry)
    for req in definition.requirements():
        req_slug = reg.resolve_milestone(req.milestone)
        if req_slug is None:
            continue  # reported on the definition (RR307)
        prior = reached.get(req_slug)
        name = milestone_name(reg, req_slug)
        if prior is None or prior.record is None:
            yield Finding(
                approval.path,
                approval.line("milestone"),
                "RR303",
                f"{definition.name} requires {name} first, and {entry.tag} has not reached it; "
                f"approve {name} first (or set break_glass: true for an emergency)",
            )
            continue
        prior_at = normalize_timestamp(prior.record.approved_at)
        if prior_at > at:
            yield Finding(
                approval.path,
                approval.line("approved_at"),
                "RR303",
                f"{definition.name} requires {name} first, but {name} was approved later "
                f"({prior.record.approved_at}); fix the order",
            )
        elif req.soak is not None:
            soak = parse_soak(req.soak)
            elapsed = _seconds_between(prior_at, at)
            if elapsed < soak.total_seconds():
                yield Finding(
                    approval.path,
                    approval.line("approved_at"),
                    "RR304",
                    f"{definition.name} needs {name} to soak for {req.soak}, but only "
                    f"{_human(elapsed)} passed since {prior.record.approved_at}; wait "
                    f"{_human(soak.total_seconds() - elapsed, up=True)} more, until "
                    f"{format_timestamp(parse_timestamp(prior_at) + soak)} "
                    f"(or set break_glass: true)",
                )


def _seconds_between(a: str, b: str) -> float:
    return (parse_timestamp(b) - parse_timestamp(a)).total_seconds()


def _human(seconds: float, up: bool = False) -> str:
    """Hours and minutes; ``up`` rounds a part of a minute up (time still to wait: 30 s
    left is "0h01m", never "0h00m")."""
    minutes = math.ceil(seconds / 60) if up else int(seconds) // 60
    hours, rem = divmod(minutes, 60)
    return f"{hours}h{rem:02d}m"


def check_approver(
    approval: Loaded[Approval], definition: MilestoneDefinition
) -> Iterable[Finding]:
    """The approver is listed, where the definition lists approvers.

    Team handles (@org/team) cannot be checked here: their membership is the Git host's to
    enforce (CODEOWNERS), so a definition with a team accepts any approver.
    """
    rec = approval.record
    assert rec is not None
    if not definition.approvers or any(a.startswith("@") for a in definition.approvers):
        return
    if rec.approver.lower() in {a.lower() for a in definition.approvers}:
        return
    yield Finding(
        approval.path,
        approval.line("approver"),
        "RR305",
        f"{rec.approver} may not approve {definition.name}; its approvers are "
        f"{', '.join(definition.approvers)}",
    )


def check_expected_keys(
    approval: Loaded[Approval], definition: MilestoneDefinition, severity: Severity = "error"
) -> Iterable[Finding]:
    """One finding naming every missing and every unexpected metadata key."""
    rec = approval.record
    assert rec is not None
    expected = list(definition.expected_metadata_keys)
    missing = [k for k in expected if k not in rec.metadata]
    unexpected = [k for k in rec.metadata if k not in expected]
    if not missing and not unexpected:
        return
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if unexpected:
        parts.append("unexpected " + ", ".join(unexpected))
    hint = f"{definition.name} expects exactly: {', '.join(expected) or 'no keys'}"
    if severity == "warning":
        hint += " (the definition changed after this approval; kept as a warning)"
    yield Finding(
        approval.path,
        approval.line("metadata"),
        "RR400",
        f"metadata {'; '.join(parts)}; {hint}",
        severity,
    )
