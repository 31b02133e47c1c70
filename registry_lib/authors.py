"""``validate --base REV --check-authors``: approvals are committed by their approvers."""

from __future__ import annotations

from pathlib import Path

from .findings import Finding
from .gitutil import git
from .registry import Registry


def added_by(top: Path, prefix: str, base: str) -> dict[str, str]:
    """Registry path -> author email of the commit (since ``base``) that added it."""
    where = f"{prefix}/releases" if prefix else "releases"
    log = git(
        top,
        "--literal-pathspecs",
        "log",
        "--reverse",
        "--no-renames",
        "--diff-filter=A",
        "--name-only",
        "--format=%x00%ae",
        f"{base}..HEAD",
        "--",
        where,
    )
    authors: dict[str, str] = {}
    cut = len(prefix) + 1 if prefix else 0
    for block in log.split("\x00")[1:]:
        lines = block.strip("\n").splitlines()
        if not lines:
            continue
        email, files = lines[0].strip(), lines[1:]
        for f in files:
            if f.strip():
                authors[f.strip()[cut:]] = email
    return authors


def check_authors(
    top: Path, prefix: str, base: str, old: Registry, new: Registry
) -> tuple[list[Finding], list[str]]:
    """Findings for approvals not committed by their approver, and notes for the summary."""
    authors = added_by(top, prefix, base)
    out: list[Finding] = []
    notes: list[str] = []
    for folder, entry in sorted(new.releases.items()):
        before = old.releases.get(folder)
        for slug, approval in sorted(entry.approvals.items()):
            if before is not None and slug in before.approvals:
                continue
            rec = approval.record
            if rec is None:
                continue
            author = authors.get(approval.path)
            if author is None:
                out.append(
                    Finding(
                        approval.path,
                        None,
                        "RR510",
                        "the approval is not committed yet; commit it so its author can be checked",
                    )
                )
                continue
            if author.lower() != rec.approver.lower():
                out.append(
                    Finding(
                        approval.path,
                        approval.line("approver"),
                        "RR510",
                        f"approver is {rec.approver} but the commit adding it is authored by "
                        f"{author}; approvers commit their own approvals",
                    )
                )
            slug_def = new.resolve_milestone(rec.milestone)
            definition = new.definition(slug_def) if slug_def else None
            if slug_def is None or definition is None or not definition.approvers:
                continue
            listed = {a.lower() for a in definition.approvers}
            teams = [a for a in definition.approvers if a.startswith("@")]
            if author.lower() in listed:
                continue
            if teams:
                notes.append(
                    f"{author} approved {entry.tag} for {definition.name} and is not listed by "
                    f"email; membership of {', '.join(teams)} is the Git host's to enforce "
                    "(CODEOWNERS and branch protection)"
                )
                continue
            out.append(
                Finding(
                    approval.path,
                    approval.line("approver"),
                    "RR511",
                    f"{author} is not among the approvers of {definition.name} "
                    f"({', '.join(definition.approvers)}); ask one of them to approve, or "
                    f"add {author} to `approvers` in {new.milestones[slug_def].path}",
                )
            )
    return out, notes
