"""Validation reporters, chosen by name: ``text``, ``github`` and ``json``."""

from __future__ import annotations

import json
from collections.abc import Callable

from .findings import Finding


def _counts(findings: list[Finding]) -> tuple[int, int]:
    errs = sum(1 for f in findings if f.severity == "error")
    return errs, len(findings) - errs


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def count_line(findings: list[Finding]) -> str:
    """The closing line: counts of errors and warnings."""
    errs, warns = _counts(findings)
    return f"{_plural(errs, 'error')}, {_plural(warns, 'warning')}"


def text(findings: list[Finding], summary: list[str]) -> str:
    """``path:line: CODE: message`` lines, the change summary, then the counts."""
    lines = [str(f) for f in findings]
    if summary:
        lines.append("change: " + "; ".join(summary))
    lines.append(count_line(findings))
    return "\n".join(lines)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding], summary: list[str], prefix: str = "") -> str:
    """GitHub workflow commands, one annotation per finding, on the file and line."""
    lines = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        props = [f"file={_escape_prop(prefix + f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_prop(f.code)}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(f.message)}")
    if summary:
        lines.append("change: " + "; ".join(summary))
    lines.append(count_line(findings))
    return "\n".join(lines)


def markdown(findings: list[Finding], summary: list[str], prefix: str = "") -> str:
    """A Markdown step summary: what the change does, then a table of findings."""
    errs, _warns = _counts(findings)
    verdict = "❌ failed" if errs else "✅ passed"
    out = [f"## relreg validate: {verdict}", "", f"{count_line(findings)}.", ""]
    if summary:
        out += ["**This change:**", ""] + [f"- {s}" for s in summary] + [""]
    if findings:
        out += ["| severity | file | code | message |", "| --- | --- | --- | --- |"]
        for f in findings:
            where = f"{prefix}{f.shown_path}:{f.line}" if f.line else prefix + f.shown_path
            msg = f.message.replace("|", "\\|")
            out.append(f"| {f.severity} | `{where}` | {f.code} | {msg} |")
        out.append("")
    return "\n".join(out)


def json_report(findings: list[Finding], summary: list[str]) -> str:
    """A JSON list of findings."""
    return json.dumps([f.to_dict() for f in findings], indent=2)


REPORTERS: dict[str, Callable[[list[Finding], list[str]], str]] = {
    "text": text,
    "github": github,
    "json": json_report,
}
