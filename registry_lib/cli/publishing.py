"""Commands that publish: build, serve and notify."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import base
from .base import (
    ServingCommand,
    _fail,
    _session,
    main,
    templates_option,
)

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
    from ..prefetch import start

    session = _session()
    session.writable("build")
    early = start(session.root)  # reads the registry while the site's modules import
    from ..site.build import build_site

    held = base.HELD_TO_EXIT  # a list when the process ends right after the command
    if sys.stdout.isatty():
        with click.progressbar(length=1, label="building") as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)  # files done so far (the writers take chunks)

            result = build_site(
                session.root, out, base_url, templates, progress, prefetched=early, keep=held
            )
    else:
        result = build_site(session.root, out, base_url, templates, prefetched=early, keep=held)
    click.echo(result.summary(str(out)))


@main.command(cls=ServingCommand)
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

    from ..site.serve import SiteServer

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
    from .. import notify as notifier

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
