"""Commands that administer a registry: codeowners, migrate and import."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import RelregError
from .base import (
    _fail,
    _finish,
    _preflight,
    _session,
    git_options,
    main,
)

# --- roles, moving in, migration --------------------------------------------------------


@main.command()
@click.option(
    "--check", is_flag=True, help="Only check: exit 1 when the file is missing or out of date."
)
def codeowners(check: bool) -> None:
    """Write .github/CODEOWNERS from registry.yaml's roles and the milestones' approvers.

    The file goes to the top of the Git repository holding the registry (outside Git:
    into the registry folder). See docs/roles.md.

    \b
    Example:
      relreg codeowners            # then commit .github/CODEOWNERS
      relreg codeowners --check    # in CI
    """
    from .. import codeowners as owners

    session = _session()
    session.writable("codeowners")
    if check:
        if not owners.is_current(session.root):
            _fail(f"{owners.RELPATH} is out of date; run relreg codeowners")
        click.echo(f"{owners.RELPATH} is up to date")
        return
    path = owners.write(session.root)
    click.echo(f"wrote {os.path.relpath(path)}")


@main.command()
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@git_options
def migrate(dry_run: bool, git_commit: bool, git_push: bool) -> None:
    """Bring the registry to the format this relreg writes (registry.yaml schema_version).

    \b
    Example:
      relreg migrate --dry-run && relreg migrate --git-commit
    """
    from ..migrate import migrate as run_migration

    session = _session()
    session.writable("migrate")
    who = "" if dry_run else _preflight(session, git_commit, git_push)
    result = run_migration(session.root, dry_run=dry_run)
    if not result.needed or result.change is None:
        click.echo(f"already at schema version {result.to_version}")
        return
    for step in result.steps:
        click.echo(step)
    if dry_run:
        for path in result.change.written:
            click.echo(f"would write {path}")
        click.echo(
            f"dry run: schema version {result.from_version} -> {result.to_version}, nothing written"
        )
        return
    _finish(result.change, who, git_commit, git_push)
    click.echo(f"migrated from schema version {result.from_version} to {result.to_version}")


@main.group("import")
def import_group() -> None:
    """Move in from another release registry (see docs/import.md).

    \b
    Example:
      relreg import stackrox definitions.json releases.json
    """


@import_group.command("stackrox")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--person",
    "people",
    multiple=True,
    metavar="NAME=EMAIL",
    help="Record StackRox creator/approver NAME as EMAIL.",
)
@click.option(
    "--rejected-by",
    metavar="EMAIL",
    help="Who rejections are recorded as (StackRox does not say; default: the actor).",
)
def import_stackrox(
    files: tuple[Path, ...], people: tuple[str, ...], rejected_by: str | None
) -> None:
    """Import JSON from the StackRox release registry's API; report what is not carried over.

    FILE is the saved output of GET /v1/qualitymilestonedefinition or
    GET /v1/release?preload=true (any order; see docs/import.md).

    \b
    Example:
      curl -s "$RR/v1/qualitymilestonedefinition" > definitions.json
      curl -s "$RR/v1/release?preload=true&includeRejected=true" > releases.json
      relreg import stackrox definitions.json releases.json --person roxbot=roxbot@redhat.com
    """
    from .. import ops
    from ..environment import actor
    from ..importer import import_stackrox as run_import

    session = _session()
    session.writes("import stackrox")
    mapping = {}
    for key, value in ops.parse_meta(people).items():
        mapping[key] = value
    if rejected_by is None:
        try:
            rejected_by = actor(None, session.root, "--rejected-by")
        except RelregError:
            rejected_by = None
    report = run_import(session.root, list(files), mapping, rejected_by)
    problems = [f for f in report.findings if f.severity == "error"]
    warnings = len(report.findings) - len(problems)
    if not report.ok:  # the import put every file back
        _fail(
            f"the imported files would not validate ({len(problems)} "
            f"error{'s' if len(problems) != 1 else ''}); nothing was written",
            [str(f) for f in problems],
        )
    for path in report.change.written:
        click.echo(f"wrote {path}")
    click.echo(
        f"imported {report.definitions} milestone definitions, {report.releases} releases "
        f"({report.rejected} rejected), {report.approvals} approvals"
    )
    if report.notes:
        click.echo(f"not carried over or changed ({len(report.notes)}):")
        for note in report.notes:
            click.echo(f"  - {note}")
    click.echo(f"relreg validate: 0 errors, {warnings} warnings")
