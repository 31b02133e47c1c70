"""The command group, its global options, error handling and the helpers commands share."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ..errors import RelregError, ValidationFailed
from ..gcpause import paused_gc
from ..session import Session
from ..tags import KINDS

if TYPE_CHECKING:
    # Imported where used: they pull in pydantic, which commands such as
    # ``validate --base`` load only once Git is already scanning the work tree.
    from .. import ops
    from ..catalog import Catalog
    from ..query import Filters

F = TypeVar("F", bound=Callable[..., Any])

# What commands loaded, left for the operating system to take back whole: a list only in
# the ``relreg`` program, which ends its process right after the command (``run``); None
# where ``main`` is called as a function (tests), which must free what it made.
HELD_TO_EXIT: list[object] | None = None


class RelregCommand(click.Command):
    """A command run with the cyclic garbage collector paused (``gcpause``): commands
    load registries, hundreds of thousands of objects that live until they end."""

    def invoke(self, ctx: click.Context) -> Any:
        with paused_gc():
            return super().invoke(ctx)


class ServingCommand(click.Command):
    """A command that runs until stopped (``serve``): it keeps the collector running."""


class RelregGroup(click.Group):
    """A group that turns library errors into ``error: …`` and exit 1, never a traceback."""

    command_class = RelregCommand
    group_class = type  # subgroups are RelregGroups, so their commands are RelregCommands

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except ValidationFailed as exc:
            _fail(str(exc), [str(f) for f in exc.findings])
        except RelregError as exc:
            _fail(str(exc))
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            _fail(f"{exc.strerror or exc}{where}")
        except Exception as exc:
            if os.environ.get("RELREG_DEBUG"):
                raise
            _fail(
                f"unexpected failure ({type(exc).__name__}: {exc}); "
                "run again with RELREG_DEBUG=1 for details and report it"
            )


def _fail(message: str, details: list[str] | None = None) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    for line in details or []:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def json_option(f: F) -> F:
    """``--json``: print the feed's object instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print the feed's JSON object.")(f)


def git_options(f: F) -> F:
    """``--git-commit`` and ``--git-push`` for write commands."""
    f = click.option(
        "--git-push",
        is_flag=True,
        help="Commit, then push to the upstream (fetch, rebase and retry if it moved).",
    )(f)
    return click.option(
        "--git-commit",
        is_flag=True,
        help="Commit exactly the touched files, authored by the actor.",
    )(f)


def templates_option(f: F) -> F:
    """``--templates DIR`` for the commands that build the site."""
    return click.option(
        "--templates",
        type=click.Path(file_okay=False, path_type=Path),
        help="A folder of Jinja2 templates overriding the built-in ones by file name.",
    )(f)


def filter_options(f: F) -> F:
    """The filters shared by ``release list`` and ``latest``."""
    for decorator in reversed(
        [
            click.option("--prefix", metavar="P", help="Only tags starting with P (e.g. 3.74)."),
            click.option("--milestone", metavar="NAME", help="Only releases that reached NAME."),
            click.option(
                "--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind."
            ),
            click.option(
                "--ignore-kind",
                "ignore_kinds",
                multiple=True,
                type=click.Choice(KINDS),
                help="Leave out this kind.",
            ),
            click.option("--include-rejected", is_flag=True, help="Include rejected releases."),
        ]
    ):
        f = decorator(f)
    return f


def _filters(kw: dict[str, Any]) -> Filters:
    from ..query import Filters

    return Filters(
        prefix=kw.pop("prefix"),
        milestone=kw.pop("milestone"),
        kinds=tuple(kw.pop("kinds")),
        ignore_kinds=tuple(kw.pop("ignore_kinds")),
        include_rejected=kw.pop("include_rejected"),
    )


@click.group(cls=RelregGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="RELREG_REGISTRY",
    default="data",
    show_default=True,
    help="The registry directory (env RELREG_REGISTRY).",
)
@click.option(
    "--at", "at_rev", metavar="REV", help="Read the registry as it was at a Git revision."
)
@click.option("--feed", metavar="URL", help="Read from a published feed (…/api/v1, URL or folder).")
@click.version_option(package_name="relreg")
@click.pass_context
def main(ctx: click.Context, registry: Path, at_rev: str | None, feed: str | None) -> None:
    """relreg: a Git-backed release registry.

    \b
    Example:
      relreg release list --prefix 3.74 --milestone "Nightly passed"
    """
    ctx.obj = Session(root=registry, at=at_rev, feed=feed)


def _session() -> Session:
    obj = click.get_current_context().find_object(Session)
    assert obj is not None
    return obj


def _catalog() -> Catalog:
    return _session().catalog()


def _preflight(session: Session, git_commit: bool, git_push: bool) -> str:
    """Check Git can record the change before anything is written; return the committer."""
    if not (git_commit or git_push):
        return ""
    from ..environment import actor
    from ..gitops import preflight

    preflight(session.root, git_push)
    return actor(None, session.root, None)


def _finish(change: ops.Change, who: str, git_commit: bool, git_push: bool) -> None:
    """Report a write and, when asked, commit and push it."""
    for path in change.written:
        click.echo(f"wrote {path}")
    for path in change.removed:
        click.echo(f"removed {path}")
    if git_commit or git_push:
        from ..gitops import commit_change

        sha = commit_change(_session().root, change, who, push=git_push)
        click.echo(f"committed {sha[:12]}: {change.message}" + (" (pushed)" if git_push else ""))
