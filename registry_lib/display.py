"""Human-readable text for feed objects: tables and detail views. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Obj = dict[str, Any]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned table; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def summary_of(release: Obj) -> Obj:
    """What ``release list`` prints of a release object: tag, kind, channel, creation
    time, rejected or not, and the names of the milestones it reached."""
    return {
        "tag": release["tag"],
        "kind": release["kind"],
        "channel": release["channel"],
        "created_at": release["created_at"],
        "rejected": release["rejected"],
        "milestones": [m["name"] for m in release["quality_milestones"]],
    }


def release_table(releases: Sequence[Obj]) -> str:
    """One line per release (``summary_of`` its object), oldest first, so the
    last line is the latest."""
    rows = []
    for r in releases:
        milestones = ", ".join(r["milestones"]) or "-"
        tag = r["tag"] + (" (rejected)" if r["rejected"] else "")
        rows.append([tag, r["kind"], r["channel"], r["created_at"], milestones])
    return table(["TAG", "KIND", "CHANNEL", "CREATED", "MILESTONES"], rows)


def _meta_lines(metadata: dict[str, Any], indent: str) -> list[str]:
    return [f"{indent}{k}: {_scalar(v)}" for k, v in metadata.items()]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def release_detail(r: Obj) -> str:
    """Every field of a release, its approvals in approval order, and any rejection."""
    lines = []
    if r["rejected"]:
        rej = r["rejection"]
        lines.append(f"REJECTED by {rej['by']} at {rej['at']}: {rej['reason']}")
    lines += [
        f"tag:        {r['tag']}",
        f"kind:       {r['kind']}",
        f"channel:    {r['channel']}",
        f"commit:     {r['commit']}",
        f"creator:    {r['creator']}",
        f"created_at: {r['created_at']}",
    ]
    if r["metadata"]:
        lines.append("metadata:")
        lines += _meta_lines(r["metadata"], "  ")
    if r["quality_milestones"]:
        lines.append("quality milestones (in approval order):")
        for m in r["quality_milestones"]:
            flag = "  [break glass]" if m["break_glass"] else ""
            lines.append(f"  {m['name']}: approved by {m['approver']} at {m['approved_at']}{flag}")
            lines += _meta_lines(m["metadata"], "    ")
    else:
        lines.append("quality milestones: none")
    return "\n".join(lines)


def milestone_table(milestones: Sequence[Obj]) -> str:
    """One line per definition."""
    rows = []
    for m in milestones:
        requires = ", ".join(
            r["milestone"] + (f" (soak {r['soak']})" if r["soak"] else "") for r in m["requires"]
        )
        rows.append(
            [m["name"], m["slug"], ", ".join(m["expected_metadata_keys"]) or "-", requires or "-"]
        )
    return table(["NAME", "SLUG", "EXPECTED KEYS", "REQUIRES"], rows)


def milestone_detail(m: Obj) -> str:
    """Every field of a definition."""
    requires = [
        r["milestone"] + (f" (soak {r['soak']})" if r["soak"] else "") for r in m["requires"]
    ]
    lines = [
        f"name:          {m['name']}",
        f"slug:          {m['slug']}",
        f"description:   {m['description'] or '-'}",
        f"expected keys: {', '.join(m['expected_metadata_keys']) or '-'}",
        f"requires:      {', '.join(requires) or '-'}",
        f"aliases:       {', '.join(m['aliases']) or '-'}",
        f"approvers:     {', '.join(m['approvers']) or 'anyone'}",
    ]
    return "\n".join(lines)
