"""The JSON objects of feed.md, shared by the CLI's --json and the feed. Pure."""

from __future__ import annotations

from typing import Any

from .model import MilestoneDefinition, normalize_timestamp
from .registry import Registry, ReleaseEntry


def release_object(reg: Registry, entry: ReleaseEntry) -> dict[str, Any]:
    """The release object: fields, derived kind and channel, rejection, milestones."""
    rec = entry.record
    assert rec is not None, "only valid releases have objects"
    milestones = []
    for approval in entry.valid_approvals():
        a = approval.record
        assert a is not None
        slug = reg.resolve_milestone(a.milestone)
        definition = reg.definition(slug) if slug else None
        milestones.append(
            {
                "name": definition.name if definition else a.milestone,
                "slug": slug or approval.path.rsplit("/", 1)[-1][: -len(".yaml")],
                "approver": a.approver,
                "approved_at": normalize_timestamp(a.approved_at),
                "metadata": dict(a.metadata),
                "break_glass": a.break_glass,
            }
        )
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
        "metadata": dict(rec.metadata),
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
