"""Findings (what validation reports) and the catalog of their stable codes. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# One line per code; docs/rules.md is generated from this table and a test keeps them equal.
CODES: dict[str, str] = {
    "RR100": "The file is not valid YAML, or cannot be read (e.g. a named pipe, never read).",
    "RR101": "The file is not UTF-8.",
    "RR102": "A mapping has the same key twice.",
    "RR103": "The file uses a YAML anchor, alias or explicit tag (such as !!python/object).",
    "RR104": "The file is larger than 1 MiB.",
    "RR105": "A value has the wrong type or form (a list where a string belongs, a bad soak).",
    "RR106": "A field is not part of the file kind (a typo, or a field of another kind).",
    "RR107": "A required field is missing.",
    "RR108": "The file is empty or its top level is not a mapping.",
    "RR109": "The path is a symbolic link; registry files must be regular files.",
    "RR110": "A file or folder sits outside the registry layout (error when it looks like data).",
    "RR111": "A harmless file sits inside the layout (README, .gitkeep): a warning.",
    "RR112": "registry.yaml is missing.",
    "RR113": "registry.yaml has a schema_version newer than this relreg supports; upgrade relreg.",
    "RR200": "The tag is not one of the four kinds (release, rc, nightly, development).",
    "RR201": "The tag or a path has characters outside [0-9A-Za-z._+-].",
    "RR202": "The commit is not a full 40-character lowercase hex SHA.",
    "RR203": "An email address (or team handle) is malformed.",
    "RR204": "An email address is outside registry.yaml's allowed_email_domains.",
    "RR205": "A timestamp is not RFC 3339 (2023-03-23T04:12:00Z).",
    "RR206": "The file's path disagrees with its content (tag, channel or milestone slug).",
    "RR207": "Two releases have the same tag.",
    "RR208": "Two milestone definitions share a name or alias (case-insensitively).",
    "RR209": "A release has two approvals for the same milestone (under its name and an alias).",
    "RR300": "An approval belongs to a release that does not exist.",
    "RR301": "An approval names a milestone that no definition has as name or alias.",
    "RR302": "A rejected release was approved after its rejection.",
    "RR303": "An approval was made before a milestone its definition requires was reached.",
    "RR304": "An approval was made before the required milestone's soak time elapsed.",
    "RR305": "The approver is not among the milestone's approvers.",
    "RR306": "Milestone definitions require each other in a cycle.",
    "RR307": "A definition requires a milestone that does not exist.",
    "RR308": "A timestamp is earlier than the one it follows (approved before created).",
    "RR400": "An approval lacks an expected metadata key or carries an unexpected one.",
    "RR500": "A change edits a release field that must stay (tag, commit, creator, created_at).",
    "RR501": "A change edits an existing approval.",
    "RR502": "A change removes or edits a rejection.",
    "RR503": "A change deletes a release.",
    "RR504": "A change renames a milestone without keeping the old name as an alias.",
    "RR505": "A change deletes a milestone definition that approvals use.",
    "RR510": "With --check-authors: the commit adding an approval is not authored by its approver.",
    "RR511": "With --check-authors: the approval's author is not among the milestone's approvers.",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: where, a stable code, and a sentence a reviewer can act on."""

    path: str
    line: int | None
    code: str
    message: str
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order findings by file, line and code."""
        return (self.path, self.line or 0, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        """The finding as a JSON object."""
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }

    @property
    def shown_path(self) -> str:
        """The path with control characters written as ``\\xNN``: a folder name holding a
        line break must not split the finding's line in two."""
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", self.path)

    def __str__(self) -> str:
        where = f"{self.shown_path}:{self.line}" if self.line else self.shown_path
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {self.code}: {prefix}{self.message}"


def errors(findings: list[Finding]) -> list[Finding]:
    """Return the findings that are errors."""
    return [f for f in findings if f.severity == "error"]
