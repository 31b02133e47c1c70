"""Commands that read and write records: init, milestone, release, approve, revoke, latest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import display
from .base import (
    _catalog,
    _emit_json,
    _fail,
    _filters,
    _finish,
    _preflight,
    _session,
    filter_options,
    git_options,
    json_option,
    main,
)

# --- setting up -------------------------------------------------------------------------


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Release registry", show_default=True, help="Shown on the site.")
@git_options
def init(directory: Path | None, name: str, git_commit: bool, git_push: bool) -> None:
    """Create an empty registry (registry.yaml and folders); never overwrites.

    \b
    Example:
      relreg init data --name "StackRox releases"
    """
    from .. import ops

    session = _session()
    session.writable("init")
    if directory is not None:
        session.root = directory
    who = _preflight(session, git_commit, git_push)
    change = ops.init(session.root, name)
    _finish(change, who, git_commit, git_push)


# --- milestones -------------------------------------------------------------------------


@main.group()
def milestone() -> None:
    """Quality milestone definitions.

    \b
    Example:
      relreg milestone create "Nightly passed" --expect BuildURL
    """


@milestone.command("create")
@click.argument("name")
@click.option("--expect", "expect", multiple=True, metavar="KEY", help="An expected metadata key.")
@click.option("--description", metavar="TEXT", help="What reaching the milestone means.")
@click.option(
    "--requires",
    multiple=True,
    metavar="NAME[@SOAK]",
    help="A milestone to reach first; @48h adds a soak time.",
)
@click.option("--alias", "aliases", multiple=True, metavar="NAME", help="A former name.")
@click.option("--approver", "approvers", multiple=True, metavar="WHO", help="Who may approve.")
@git_options
def milestone_create(
    name: str,
    expect: tuple[str, ...],
    description: str | None,
    requires: tuple[str, ...],
    aliases: tuple[str, ...],
    approvers: tuple[str, ...],
    git_commit: bool,
    git_push: bool,
) -> None:
    """Define a quality milestone and the metadata keys its approvals must carry.

    \b
    Example:
      relreg milestone create "Nightly passed" --expect BuildURL --expect NumberOfCIFailures
    """
    from .. import ops

    session = _session()
    session.writes("milestone create")
    who = _preflight(session, git_commit, git_push)
    change = ops.create_milestone(
        session.root, name, expect, description, requires, aliases, approvers
    )
    _finish(change, who, git_commit, git_push)


@milestone.command("list")
@json_option
def milestone_list(as_json: bool) -> None:
    """List milestone definitions in file-name order.

    \b
    Example:
      relreg milestone list --json
    """
    items = _catalog().milestones()
    if as_json:
        _emit_json({"milestones": items})
    elif items:
        click.echo(display.milestone_table(items))
    else:
        click.echo("no milestones defined; add one with `relreg milestone create`")


@milestone.command("show")
@click.argument("name")
@json_option
def milestone_show(name: str, as_json: bool) -> None:
    """Show one definition; NAME may be its name, an alias or its slug.

    \b
    Example:
      relreg milestone show nightly-passed
    """
    item = _catalog().milestone(name)
    if as_json:
        _emit_json(item)
    else:
        click.echo(display.milestone_detail(item))


# --- releases ---------------------------------------------------------------------------


@main.group()
def release() -> None:
    """Releases: create, show, list, update, reject.

    \b
    Example:
      relreg release list --prefix 3.74
    """


@release.command("create")
@click.argument("tag")
@click.option("--commit", required=True, metavar="SHA", help="The full 40-hex commit SHA.")
@click.option("--creator", metavar="EMAIL", help="Who records it (default: the actor).")
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Release metadata.")
@git_options
def release_create(
    tag: str,
    commit: str,
    creator: str | None,
    meta: tuple[str, ...],
    git_commit: bool,
    git_push: bool,
) -> None:
    """Record a new release.

    \b
    Example:
      relreg release create 4.1.0 --commit 78057dba490233f41b4602f2b2e88775ab7fd4c9 \\
        --meta Image=quay.io/rhacs-eng/main:4.1.0 --git-push
    """
    from .. import ops
    from ..environment import actor, now

    session = _session()
    session.writes("release create")
    _preflight(session, git_commit, git_push)
    who = actor(creator, session.root, "--creator")
    change = ops.create_release(session.root, tag, commit, who, now(), ops.parse_meta(meta))
    _finish(change, who, git_commit, git_push)


@release.command("show")
@click.argument("tag")
@json_option
def release_show(tag: str, as_json: bool) -> None:
    """Show one release, rejected ones included.

    \b
    Example:
      relreg release show 3.74.x-nightly-20230323 --json
    """
    item = _catalog().release(tag)
    if as_json:
        _emit_json(item)
    else:
        click.echo(display.release_detail(item))


@release.command("list")
@filter_options
@json_option
def release_list(as_json: bool, **kw: Any) -> None:
    """List releases oldest to newest in the version order (the last line is the latest).

    \b
    Example:
      relreg release list --prefix 3.74 --milestone "Nightly passed" --kind nightly
    """
    from ..query import describe

    filters = _filters(kw)
    catalog = _catalog()
    items = catalog.releases(filters) if as_json else catalog.summaries(filters)
    if as_json:
        _emit_json({"releases": items})
    elif items:
        click.echo(display.release_table(items))
    if not items:  # "nothing matched" is a failed request (exit 1), with --json too
        _fail(f"no release matches {describe(filters)}")


@release.command("update")
@click.argument("tag")
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Add or replace a key.")
@click.option("--unset", multiple=True, metavar="KEY", help="Remove a key.")
@git_options
def release_update(
    tag: str, meta: tuple[str, ...], unset: tuple[str, ...], git_commit: bool, git_push: bool
) -> None:
    """Add, replace or remove release metadata.

    \b
    Example:
      relreg release update 4.1.0 --meta Notes=https://example.org/notes --unset Draft
    """
    from .. import ops

    session = _session()
    session.writes("release update")
    who = _preflight(session, git_commit, git_push)
    change = ops.update_release(session.root, tag, ops.parse_meta(meta), unset)
    _finish(change, who, git_commit, git_push)


@release.command("reject")
@click.argument("tag")
@click.option("--reason", required=True, metavar="TEXT", help="Why, for people reading the site.")
@click.option("--by", metavar="EMAIL", help="Who rejects it (default: the actor).")
@git_options
def release_reject(tag: str, reason: str, by: str | None, git_commit: bool, git_push: bool) -> None:
    """Reject a release: it disappears from lists and "latest", `release show` still finds it.

    \b
    Example:
      relreg release reject 4.0.x-nightly-20230422 --reason "Data loss bug ROX-1234"
    """
    from .. import ops
    from ..environment import actor, now

    session = _session()
    session.writes("release reject")
    _preflight(session, git_commit, git_push)
    who = actor(by, session.root, "--by")
    change = ops.reject_release(session.root, tag, reason, who, now())
    _finish(change, who, git_commit, git_push)


# --- approvals --------------------------------------------------------------------------


@main.command()
@click.argument("tag")
@click.argument("milestone_name", metavar="MILESTONE")
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Metadata the milestone expects.")
@click.option("--approver", metavar="EMAIL", help="Who approves (default: the actor).")
@click.option(
    "--break-glass", is_flag=True, help="Skip `requires` and webhooks (flagged on the site)."
)
@git_options
def approve(
    tag: str,
    milestone_name: str,
    meta: tuple[str, ...],
    approver: str | None,
    break_glass: bool,
    git_commit: bool,
    git_push: bool,
) -> None:
    """Record that TAG reached MILESTONE, after every check `validate` makes.

    \b
    Example:
      relreg approve 3.74.x-nightly-20230323 "Nightly passed" \\
        --meta BuildURL=https://ci.example.org/run/1 --meta NumberOfCIFailures=0
    """
    from .. import ops
    from ..environment import actor, now

    session = _session()
    session.writes("approve")
    _preflight(session, git_commit, git_push)
    who = actor(approver, session.root, "--approver")
    change = ops.approve(
        session.root, tag, milestone_name, who, now(), ops.parse_meta(meta), break_glass
    )
    _finish(change, who, git_commit, git_push)


@main.command()
@click.argument("tag")
@click.argument("milestone_name", metavar="MILESTONE")
@git_options
def revoke(tag: str, milestone_name: str, git_commit: bool, git_push: bool) -> None:
    """Delete an approval, moving the release back before that milestone.

    \b
    Example:
      relreg revoke 3.74.x-nightly-20230323 "Nightly passed"
    """
    from .. import ops

    session = _session()
    session.writes("revoke")
    who = _preflight(session, git_commit, git_push)
    change = ops.revoke(session.root, tag, milestone_name)
    _finish(change, who, git_commit, git_push)


# --- finding the latest -----------------------------------------------------------------


@main.command()
@filter_options
@json_option
def latest(as_json: bool, **kw: Any) -> None:
    """Print the latest release matching the filters; exit 1 when none does.

    \b
    Example:
      relreg latest --prefix 3.74 --milestone "Nightly passed"
    """
    item = _catalog().latest(_filters(kw))
    if as_json:
        _emit_json(item)
    else:
        click.echo(item["tag"])
