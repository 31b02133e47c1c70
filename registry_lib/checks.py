"""``relreg validate``: the whole-registry rules, and with a base revision the change too."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import reporters
from .findings import Finding


@dataclass
class Report:
    """The findings of one check and, with ``--base``, what the change does in words."""

    findings: list[Finding]
    summary: list[str] = field(default_factory=list)
    prefix: str = ""  # the registry's path inside the repository, for annotations

    def failed(self, strict: bool = False) -> bool:
        """True when there are errors, or any finding with ``strict``."""
        return any(f.severity == "error" or strict for f in self.findings)

    def render(self, fmt: str) -> str:
        """The report in one of the reporters' formats."""
        if fmt == "github":
            return reporters.github(self.findings, self.summary, self.prefix)
        return reporters.REPORTERS[fmt](self.findings, self.summary)

    def write_step_summary(self) -> None:
        """Append a Markdown summary to ``$GITHUB_STEP_SUMMARY`` when it is set."""
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if not target:
            return
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(reporters.markdown(self.findings, self.summary, self.prefix) + "\n")


def run_validate(
    root: Path, base: str | None = None, check_authors: bool = False, committed: bool = False
) -> Report:
    """Validate the registry at ``root``; with ``base``, also the change since that revision.

    ``committed`` (with ``base``) checks the commits up to HEAD, not the work tree.
    """
    if base is None:
        from .errors import RelregError

        if check_authors:
            raise RelregError("--check-authors needs --base REV: authors come from the new commits")
        if committed:
            raise RelregError("--committed needs --base REV: it checks the commits since REV")
        from .gcpause import paused_gc
        from .snapshot import analyze

        with paused_gc():
            findings = analyze(root).findings
        return Report(findings, prefix=_prefix(root))
    from .changes import check_change

    return check_change(root, base, check_authors, committed)


def _prefix(root: Path) -> str:
    """The registry's folder inside its repository ("data/"), or "" outside Git."""
    from .gitutil import repo_root

    top = repo_root(root) if root.is_dir() else None
    if top is None:
        return ""
    rel = root.resolve().relative_to(top.resolve()).as_posix()
    return "" if rel == "." else f"{rel}/"
