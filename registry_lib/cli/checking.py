"""Commands that check and explain: validate and history."""

from __future__ import annotations

import sys

import click

from .. import display
from .base import (
    _emit_json,
    _session,
    json_option,
    main,
)

# --- checking ---------------------------------------------------------------------------


@main.command()
@click.option("--base", metavar="REV", help="Also check the change since REV (pull requests).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--check-authors",
    is_flag=True,
    help="With --base: approvals must be committed by their approver.",
)
@click.option(
    "--committed",
    is_flag=True,
    help="With --base: check the commits up to HEAD only, read from Git; the work tree is "
    "not scanned (for CI checkouts, where it is HEAD).",
)
def validate(
    base: str | None, fmt: str, strict: bool, check_authors: bool, committed: bool
) -> None:
    """Check the registry against every rule; exit 1 on errors (or warnings with --strict).

    \b
    Example:
      relreg validate --base origin/main --format github
    """
    from ..checks import run_validate

    session = _session()
    session.writable("validate")  # reads the work tree; --at/--feed make no sense here
    report = run_validate(session.root, base=base, check_authors=check_authors, committed=committed)
    click.echo(report.render(fmt))
    if fmt == "github":
        report.write_step_summary()
    if report.failed(strict):
        sys.exit(1)


# --- Git --------------------------------------------------------------------------------


@main.command()
@click.argument("tag")
@json_option
def history(tag: str, as_json: bool) -> None:
    """Show the commits that created, updated, approved, revoked or rejected a release.

    \b
    Example:
      relreg history 4.0.0-rc.6 --json
    """
    from ..history import release_history

    session = _session()
    session.writable("history")
    entries = release_history(session.root, tag)
    if as_json:
        _emit_json({"tag": tag, "history": entries})
        return
    rows = []
    for e in entries:
        what = e["action"] + (f" {e['milestone']}" if e["milestone"] else "")
        pr = f"#{e['pull_request']}" if e["pull_request"] else "-"
        rows.append([e["time"], e["commit"][:10], e["email"], what, pr, e["message"]])
    click.echo(display.table(["TIME", "COMMIT", "AUTHOR", "ACTION", "PR", "MESSAGE"], rows))
