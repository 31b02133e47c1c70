"""The ``relreg`` command line: a thin click layer over the library.

Each command parses its options, calls one library function and prints the result.
Every ``RelregError`` becomes ``error: <message>`` on stderr and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import display, ops
from .catalog import Catalog
from .environment import actor, now
from .errors import RelregError, ValidationFailed
from .query import Filters, describe
from .session import Session
from .tags import KINDS

F = TypeVar("F", bound=Callable[..., Any])


class RelregGroup(click.Group):
    """A group that turns library errors into ``error: …`` and exit 1, never a traceback."""

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
    from .gitops import preflight

    preflight(session.root, git_push)
    return actor(None, session.root, None)


def _finish(change: ops.Change, who: str, git_commit: bool, git_push: bool) -> None:
    """Report a write and, when asked, commit and push it."""
    for path in change.written:
        click.echo(f"wrote {path}")
    for path in change.removed:
        click.echo(f"removed {path}")
    if git_commit or git_push:
        from .gitops import commit_change

        sha = commit_change(_session().root, change, who, push=git_push)
        click.echo(f"committed {sha[:12]}: {change.message}" + (" (pushed)" if git_push else ""))


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
    session = _session()
    session.writable("milestone create")
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
    session = _session()
    session.writable("release create")
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
    filters = _filters(kw)
    items = _catalog().releases(filters)
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
    session = _session()
    session.writable("release update")
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
    session = _session()
    session.writable("release reject")
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
    session = _session()
    session.writable("approve")
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
    session = _session()
    session.writable("revoke")
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
def validate(base: str | None, fmt: str, strict: bool, check_authors: bool) -> None:
    """Check the registry against every rule; exit 1 on errors (or warnings with --strict).

    \b
    Example:
      relreg validate --base origin/main --format github
    """
    from .checks import run_validate

    session = _session()
    session.writable("validate")  # reads the work tree; --at/--feed make no sense here
    report = run_validate(session.root, base=base, check_authors=check_authors)
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
    from .history import release_history

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


# --- publishing -------------------------------------------------------------------------


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="site",
    show_default=True,
    help="Output folder; replaced as a whole when the build succeeds.",
)
@click.option("--base-url", metavar="URL", help="Public URL of the site, for absolute feed links.")
@templates_option
def build(out: Path, base_url: str | None, templates: Path | None) -> None:
    """Build the static site and the JSON feed (api/v1) into a folder.

    \b
    Example:
      relreg build --out site --base-url https://releases.example.org/
    """
    from .site.build import build_site

    session = _session()
    session.writable("build")
    if sys.stdout.isatty():
        with click.progressbar(length=1, label="building") as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(1)

            result = build_site(session.root, out, base_url, templates, progress)
    else:
        result = build_site(session.root, out, base_url, templates)
    click.echo(result.summary(str(out)))


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Build into this folder (default: a temporary folder, removed on exit).",
)
@templates_option
def serve(port: int, out: Path | None, templates: Path | None) -> None:
    """Build the site, serve it on 127.0.0.1 and rebuild when the registry changes.

    \b
    Example:
      relreg serve --port 8000    # then open http://127.0.0.1:8000/
    """
    import shutil
    import tempfile

    from .site.serve import SiteServer

    session = _session()
    session.writable("serve")
    scratch = None if out is not None else Path(tempfile.mkdtemp(prefix="relreg-serve-"))
    target = out if out is not None else Path(scratch or ".") / "site"
    try:
        server = SiteServer(session.root, target, port, templates=templates, report=click.echo)
        click.echo(server.result.summary(str(target)))
        click.echo(f"serving {server.url} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


# --- notifications ----------------------------------------------------------------------


@main.command()
@click.option("--from", "from_rev", metavar="REV", help="The commit before the change.")
@click.option(
    "--to", "to_rev", metavar="REV", default="HEAD", show_default=True, help="The commit after it."
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="relreg-notify.jsonl",
    show_default=True,
    help="Append every attempt to this JSON-lines file.",
)
@click.option("--dry-run", is_flag=True, help="Print the events and target URLs; send nothing.")
@click.option(
    "--retry",
    "retry_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Re-send the failed deliveries recorded in this log instead.",
)
@click.option("--delivery", metavar="ID", help="With --retry: only this delivery.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per attempt.")
@click.option("--attempts", default=3, show_default=True, help="Attempts per delivery and run.")
def notify(
    from_rev: str | None,
    to_rev: str,
    log_file: Path,
    dry_run: bool,
    retry_file: Path | None,
    delivery: str | None,
    timeout: float,
    attempts: int,
) -> None:
    """POST the events between two commits to the registry's webhooks.

    \b
    Example:
      relreg notify --from "$BEFORE" --to "$AFTER" --log notify-log.jsonl
      relreg notify --retry notify-log.jsonl
    """
    from . import notify as notifier

    session = _session()
    session.writable("notify")
    if retry_file is not None:
        if from_rev is not None or dry_run:
            raise click.UsageError("--retry cannot be combined with --from or --dry-run")
        options = notifier.Options.from_env(timeout, attempts)
        outcome = notifier.retry(retry_file, delivery, options, click.echo)
        log_file = retry_file
    else:
        if from_rev is None:
            raise click.UsageError("give --from REV (or --retry FILE)")
        if delivery is not None:
            raise click.UsageError("--delivery only works with --retry")
        if dry_run:
            notifier.dry_run(session.root, from_rev, to_rev, click.echo)
            return
        options = notifier.Options.from_env(timeout, attempts)
        outcome = notifier.notify(session.root, from_rev, to_rev, log_file, options, click.echo)
    if outcome.failed:
        _fail(f"{outcome.failed} deliveries failed; retry with relreg notify --retry {log_file}")


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
    from . import codeowners as owners

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
    from .migrate import migrate as run_migration

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
    from .importer import import_stackrox as run_import

    session = _session()
    session.writable("import stackrox")
    mapping = {}
    for key, value in ops.parse_meta(people).items():
        mapping[key] = value
    if rejected_by is None:
        try:
            rejected_by = actor(None, session.root, "--rejected-by")
        except RelregError:
            rejected_by = None
    report = run_import(session.root, list(files), mapping, rejected_by)
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
    problems = [f for f in report.findings if f.severity == "error"]
    warnings = len(report.findings) - len(problems)
    if not report.ok:
        _fail(
            f"the registry does not validate after the import ({len(problems)} errors); "
            "fix them and run relreg validate",
            [str(f) for f in problems],
        )
    click.echo(f"relreg validate: 0 errors, {warnings} warnings")
