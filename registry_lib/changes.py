"""``validate --base REV``: the pull-request check (workflow.md).

The whole-registry rules run on the work tree, with approvals that already existed at the
base treated as legacy (definitions' new keys warn there). The RR5xx history rules compare
the base with the work tree, and a plain-words summary says what the change does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import Report
from .findings import Finding
from .gitsource import GitTreeSource, locate, resolve_rev
from .gitutil import git
from .worktree import committed_paths, start

if TYPE_CHECKING:
    from .model import MilestoneDefinition
    from .registry import Loaded, Registry


def _scope(changed: list[str], twins: Callable[[str], list[str]]) -> list[str] | None:
    """The registry paths to load for an incremental check, or None for a full one.

    A change to registry.yaml or a definition can affect every approval, so it needs the
    whole registry. Otherwise only the release folders the change touches are read, plus
    any other folder holding one of their tags (``twins``, for duplicate tags).
    """
    from .sources import release_folder  # imported with the loader, after Git started

    if any(p == "registry.yaml" or p.startswith("milestones/") for p in changed):
        return None
    scope: set[str] = set()
    for path in changed:
        folder = release_folder(path)
        if folder is not None:
            scope.add(folder)
            scope.update(twins(folder.rsplit("/", 1)[1]))
        else:
            scope.add(path)
    return sorted(scope)


def _commit_twins(top: Path, prefix: str, commit: str) -> Callable[[str], list[str]]:
    """Folders that could hold a tag at ``commit``: one per channel (missing ones are
    simply not listed when loaded)."""
    releases = f"{prefix}/releases/" if prefix else "releases/"
    listing = git(top, "--literal-pathspecs", "ls-tree", "-d", "--name-only", commit, releases)
    channels = [line.rsplit("/", 1)[-1] for line in listing.splitlines() if line]

    def twins(tag: str) -> list[str]:
        return [f"releases/{channel}/{tag}" for channel in channels]

    return twins


def check_change(
    root: Path, base: str, check_authors: bool = False, committed: bool = False
) -> Report:
    """Check the registry at ``root`` and its change since ``base``.

    Files unchanged since the base are not read again: the base passed this check when it
    was merged. A change to registry.yaml or to a definition checks everything.
    ``committed`` checks the commits from ``base`` to HEAD only, read from Git: the work
    tree is not looked at, which spares scanning it (a fresh CI checkout is HEAD).
    """
    top, prefix = locate(root)
    base_sha = resolve_rev(top, base)
    head_sha = resolve_rev(top, "HEAD") if committed else None
    # Git looks at the work tree while Python imports
    pending = None if committed else start(top, prefix, base_sha)
    try:
        from .loader import SubsetSource, load_directory, load_registry, tag_folders
        from .rules import validate
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    if head_sha is not None:
        changed = committed_paths(top, prefix, base_sha, head_sha)
        scope = _scope(changed, _commit_twins(top, prefix, head_sha))
    else:
        assert pending is not None
        scope = _scope(pending.result(), partial(tag_folders, root))
    old_scope = None if scope is None else ["registry.yaml", "milestones", *scope]
    old = load_registry(GitTreeSource(top, base_sha, prefix, old_scope))
    if head_sha is not None:
        new = load_registry(GitTreeSource(top, head_sha, prefix, old_scope))
    elif scope is None:
        new = load_directory(root)
    else:
        new = load_registry(SubsetSource(root, scope))
    legacy = frozenset(a.path for entry in old.releases.values() for a in entry.approvals.values())
    findings = validate(new, legacy)
    history, summary = compare(old, new)
    findings.extend(history)
    if check_authors:
        from .authors import check_authors as authors_check

        found, notes = authors_check(top, prefix, base_sha, old, new)
        findings.extend(found)
        summary.extend(notes)
    findings.sort(key=Finding.sort_key)
    return Report(findings, summary, prefix=f"{prefix}/" if prefix else "")


def compare(old: Registry, new: Registry) -> tuple[list[Finding], list[str]]:
    """RR5xx findings and the summary of what changed between two registries."""
    out: list[Finding] = []
    said: list[str] = []
    _definitions(old, new, out, said)
    for folder, before in sorted(old.releases.items()):
        after = new.releases.get(folder)
        tag = before.tag
        if after is None or after.release is None:
            if before.release is not None:
                out.append(
                    Finding(
                        f"{folder}/release.yaml",
                        None,
                        "RR503",
                        f"deletes release {tag}; releases stay forever — reject it instead "
                        f"(`relreg release reject {tag} --reason …`)",
                    )
                )
            continue
        b, a = before.record, after.record
        if b is not None and a is not None:
            rel = after.release
            for name in ("tag", "commit", "creator", "created_at"):
                if getattr(b, name) != getattr(a, name):
                    out.append(
                        Finding(
                            rel.path,
                            rel.line(name),
                            "RR500",
                            f"changes {name} of release {tag} from {getattr(b, name)!r} to "
                            f"{getattr(a, name)!r}; a release's {name} never changes",
                        )
                    )
            if b.rejection is not None and a.rejection != b.rejection:
                what = "removes" if a.rejection is None else "edits"
                out.append(
                    Finding(
                        rel.path,
                        rel.line("rejection"),
                        "RR502",
                        f"{what} the rejection of {tag}; a rejection is permanent",
                    )
                )
            if b.rejection is None and a.rejection is not None:
                said.append(f"rejects {tag} ({a.rejection.reason})")
            if b.metadata != a.metadata:
                said.append(f"updates metadata of {tag}")
        for slug, approval in sorted(before.approvals.items()):
            now = after.approvals.get(slug)
            if now is None:
                said.append(f"revokes {_milestone(old, approval.record, slug)} from {tag}")
            elif approval.record is not None and now.record != approval.record:
                out.append(
                    Finding(
                        now.path,
                        now.line("metadata"),
                        "RR501",
                        "edits an existing approval; approvals never change — revoke it "
                        "(delete the file) and add a new one in a separate change",
                    )
                )
    for folder, after in sorted(new.releases.items()):
        prior = old.releases.get(folder)
        if (prior is None or prior.release is None) and after.release is not None:
            said.append(f"adds release {after.tag}")
        for slug, approval in sorted(after.approvals.items()):
            if prior is None or slug not in prior.approvals:
                said.append(f"approves {after.tag} for {_milestone(new, approval.record, slug)}")
    return out, said


def _milestone(reg: Registry, record: object, slug: str) -> str:
    return reg.shown_name(getattr(record, "milestone", None) or slug)


def _definitions(old: Registry, new: Registry, out: list[Finding], said: list[str]) -> None:
    for slug, before in sorted(old.milestones.items()):
        b = before.record
        if b is None:
            continue
        after = new.milestones.get(slug)
        a = after.record if after else None
        if a is not None and a.name == b.name:
            if a != b:
                said.append(f"changes milestone {a.name}{_key_change(b, a)}")
            continue
        # The definition was renamed, moved or deleted: its old name must still resolve.
        target = new.resolve_milestone(b.name)
        renamed = new.definition(target) if target else None
        # A renamed definition moves to its new slug's file; one that the change adds with
        # the same content apart from name, aliases and description is that rename.
        moved = after if after is not None else _look_alike(old, new, b)
        if renamed is not None and b.name.lower() in {x.lower() for x in renamed.aliases}:
            said.append(f"renames milestone {b.name} to {renamed.name} (old name kept as alias)")
        elif renamed is not None and renamed.name.lower() == b.name.lower():
            said.append(f"changes milestone {renamed.name}")
        elif moved is not None or renamed is not None:
            where = moved.path if moved is not None else before.path
            out.append(
                Finding(
                    where,
                    moved.line("name") if moved is not None else None,
                    "RR504",
                    f"renames milestone {b.name!r} without keeping it as an alias; add "
                    f"`aliases: [{b.name}]` so existing approvals and queries still resolve",
                )
            )
        elif _used(new, b.name):
            out.append(
                Finding(
                    before.path,
                    None,
                    "RR505",
                    f"deletes milestone {b.name!r}, which approvals still use; keep it, or "
                    "rename it with the old name as an alias",
                )
            )
        else:
            said.append(f"removes unused milestone {b.name}")
    for slug, after in sorted(new.milestones.items()):
        if (
            slug not in old.milestones
            and after.record is not None
            and old.resolve_milestone(after.record.name) is None
        ):
            said.append(f"adds milestone {after.record.name}")


def _look_alike(
    old: Registry, new: Registry, before: MilestoneDefinition
) -> Loaded[MilestoneDefinition] | None:
    """A definition the change adds that equals ``before`` but for name, aliases, description."""
    same = {"name", "aliases", "description"}
    want = before.model_dump(exclude=same)
    for slug, loaded in sorted(new.milestones.items()):
        rec = loaded.record
        if slug not in old.milestones and rec is not None and rec.model_dump(exclude=same) == want:
            return loaded
    return None


def _used(reg: Registry, name: str) -> bool:
    low = name.lower()
    return any(
        a.record is not None and a.record.milestone.lower() == low
        for entry in reg.releases.values()
        for a in entry.approvals.values()
    )


def _key_change(before: object, after: object) -> str:
    old_keys = list(getattr(before, "expected_metadata_keys", []))
    new_keys = list(getattr(after, "expected_metadata_keys", []))
    added = [k for k in new_keys if k not in old_keys]
    gone = [k for k in old_keys if k not in new_keys]
    parts = [f"+{k}" for k in added] + [f"-{k}" for k in gone]
    return f" (expected keys {' '.join(parts)})" if parts else ""
