"""The JSON objects of feed.md, shared by the CLI's --json and the feed. Pure."""

from __future__ import annotations

from typing import Any

from .model import Approval, MilestoneDefinition
from .registry import Loaded, Registry, ReleaseEntry
from .values import normalize_timestamp


def approval_object(
    reg: Registry, approval: Loaded[Approval], *, shared: bool = False
) -> dict[str, Any]:
    """An approval as the release object's ``quality_milestones`` items show it;
    ``shared``: see ``release_object``."""
    a = approval.record
    assert a is not None, "only valid approvals have objects"
    slug = reg.resolve_milestone(a.milestone)
    definition = reg.definition(slug) if slug else None
    return {
        "name": definition.name if definition else a.milestone,
        "slug": slug or approval.path.rsplit("/", 1)[-1][: -len(".yaml")],
        "approver": a.approver,
        "approved_at": normalize_timestamp(a.approved_at),
        "metadata": a.metadata if shared else dict(a.metadata),
        "break_glass": a.break_glass,
    }


def release_object(reg: Registry, entry: ReleaseEntry, *, shared: bool = False) -> dict[str, Any]:
    """The release object: fields, derived kind and channel, rejection, milestones.

    ``shared`` puts the records' own metadata dicts in the object instead of copies, for a
    caller that changes neither (the site's index: ~190,000 dicts at 100,000 releases).
    """
    rec = entry.record
    assert rec is not None, "only valid releases have objects"
    milestones = [approval_object(reg, a, shared=shared) for a in entry.valid_approvals()]
    rejection = None
    if rec.rejection is not None:
        rejection = {
            "by": rec.rejection.by,
            "at": normalize_timestamp(rec.rejection.at),
            "reason": rec.rejection.reason,
        }
    return {
        "tag": rec.tag,
        "commit": rec.commit,
        "creator": rec.creator,
        "created_at": entry.created_at,
        "kind": entry.kind,
        "channel": entry.channel,
        "metadata": rec.metadata if shared else dict(rec.metadata),
        "rejected": rejection is not None,
        "rejection": rejection,
        "quality_milestones": milestones,
    }


def definition_object(definition: MilestoneDefinition) -> dict[str, Any]:
    """The definition object; webhook URLs and secrets are never published."""
    return {
        "name": definition.name,
        "slug": definition.slug,
        "description": definition.description,
        "expected_metadata_keys": list(definition.expected_metadata_keys),
        "requires": [{"milestone": r.milestone, "soak": r.soak} for r in definition.requirements()],
        "aliases": list(definition.aliases),
        "approvers": list(definition.approvers),
    }
