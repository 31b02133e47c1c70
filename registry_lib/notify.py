"""``relreg notify``: POST the events between two commits to webhooks, and log every attempt.

The events come from ``notify_events`` (pure); this module reads the two registries from
Git, sends each delivery with retries, appends each attempt to a JSON-lines log and re-sends
the failed deliveries of a log (``--retry``). See docs/webhooks.md.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import RelregError
from .gitsource import GitTreeSource, locate, resolve_rev
from .loader import load_registry
from .model import Webhook
from .notify_events import Delivery, Event, compute_events, hooks_of, plan_deliveries
from .sources import release_folder
from .values import format_timestamp
from .webhook_http import Attempt, post
from .worktree import committed_paths

__all__ = ["DeliveryLog", "Options", "Outcome", "notify", "retry", "send"]

Report = Callable[[str], None]

DEFAULT_LOG = "relreg-notify.jsonl"
BACKOFF_ENV = "RELREG_NOTIFY_BACKOFF"


@dataclass
class Options:
    """How deliveries are sent."""

    timeout: float = 10.0  # seconds, per attempt
    attempts: int = 3  # per delivery and run
    backoff: float = 0.5  # first wait; doubled after each further failure
    retry_after_cap: float = 60.0  # longest wait a Retry-After header can ask for

    @classmethod
    def from_env(cls, timeout: float = 10.0, attempts: int = 3) -> Options:
        """Options with the first backoff wait from RELREG_NOTIFY_BACKOFF (seconds)."""
        raw = os.environ.get(BACKOFF_ENV, "").strip()
        backoff = 0.5
        if raw:
            try:
                backoff = float(raw)
            except ValueError:
                backoff = -1.0
            if not backoff >= 0:
                raise RelregError(f"{BACKOFF_ENV}={raw!r} is not a number of seconds like 0.5")
        if attempts < 1:
            raise RelregError("--attempts must be at least 1")
        if not timeout > 0:
            raise RelregError("--timeout must be a positive number of seconds")
        return cls(timeout=timeout, attempts=attempts, backoff=backoff)


@dataclass
class Outcome:
    """What one run sent."""

    delivered: int = 0
    failed: int = 0
    skipped: int = 0  # already delivered according to the log
    failed_ids: list[str] = field(default_factory=list)


class DeliveryLog:
    """The JSON-lines log: one line per attempt, appended, never rewritten."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first; a clear error on a line that is not a record."""
        if not self.path.exists():
            return []
        out = []
        text = self.path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict) or not isinstance(record.get("delivery"), str):
                raise RelregError(f"{self.path}:{number}: not a line of a relreg notify log")
            out.append(record)
        return out

    def latest(self) -> dict[str, dict[str, Any]]:
        """Delivery id -> its latest record."""
        return {r["delivery"]: r for r in self.records()}

    def check_writable(self) -> None:
        """Fail before anything is sent when the log cannot be written."""
        with self.path.open("a", encoding="utf-8"):
            pass

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line."""
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def send(
    d: Delivery, options: Options, log: DeliveryLog | None, first_attempt: int = 1
) -> tuple[bool, int, str | None]:
    """Send one delivery with retries; log each attempt. Returns (ok, attempts, last error)."""
    secret: str | None = None
    if d.secret_env:
        secret = os.environ.get(d.secret_env) or None
    wait = options.backoff
    for n in range(options.attempts):
        if d.secret_env and secret is None:
            # Never send unsigned: the receiver would have to reject it or, worse, trust it.
            result = Attempt(
                None,
                f"environment variable {d.secret_env} is not set; set it to "
                "the webhook's secret (nothing was sent unsigned)",
                False,
            )
        else:
            result = post(d, secret, options.timeout)
        final = result.ok or not result.retry or n + 1 == options.attempts
        if log is not None:
            log.append(
                {
                    "delivery": d.id,
                    "event": d.event,
                    "url": d.url,
                    "attempt": first_attempt + n,
                    "status": result.status,
                    "error": result.error,
                    "time": _now(),
                    "ok": result.ok,
                    "final": final,
                    "body": d.body.decode("utf-8"),
                    "secret_env": d.secret_env,
                }
            )
        if final:
            return result.ok, n + 1, result.error
        pause = wait
        if result.retry_after is not None:
            pause = max(pause, min(result.retry_after, options.retry_after_cap))
        time.sleep(pause)
        wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def label(d: Delivery) -> str:
    """``milestone.reached 4.1.0 Nightly passed``, read back from the body."""
    try:
        body = json.loads(d.body)
        tag = body["release"]["tag"]
        milestone = body.get("milestone") or {}
    except (ValueError, KeyError, TypeError):
        return d.event
    name = f" {milestone['name']}" if isinstance(milestone, dict) and "name" in milestone else ""
    return f"{d.event} {tag}{name}"


def _deliver_all(
    deliveries: list[Delivery], options: Options, log: DeliveryLog, report: Report
) -> Outcome:
    latest = log.latest()
    attempts_so_far: dict[str, int] = {}
    for record in log.records():
        n = record.get("attempt")
        if isinstance(n, int):
            attempts_so_far[record["delivery"]] = max(attempts_so_far.get(record["delivery"], 0), n)
    outcome = Outcome()
    for d in deliveries:
        what = f"{label(d)} -> {d.url} (delivery {d.id}"
        if latest.get(d.id, {}).get("ok"):
            outcome.skipped += 1
            report(f"already delivered {what})")
            continue
        ok, tries, error = send(d, options, log, attempts_so_far.get(d.id, 0) + 1)
        plural = "attempt" if tries == 1 else "attempts"
        if ok:
            outcome.delivered += 1
            report(f"delivered {what}, {tries} {plural})")
        else:
            outcome.failed += 1
            outcome.failed_ids.append(d.id)
            report(f"FAILED {what}, {tries} {plural}): {error}")
    return outcome


def plan(root: Path, from_rev: str, to_rev: str) -> tuple[list[Event], list[Webhook], list[str]]:
    """The events from ``from_rev`` to ``to_rev``, registry.yaml's webhooks (at ``to_rev``),
    and notes on what was skipped.

    An event comes from a release folder whose files differ between the two commits, so
    only those folders are read (with the settings and the definitions), at both commits:
    the change is a tree-to-tree diff, and a push costs what it changed, not what the
    registry holds.
    """
    top, prefix = locate(root)
    old_sha, new_sha = resolve_rev(top, from_rev), resolve_rev(top, to_rev)
    folders = changed_folders(top, prefix, old_sha, new_sha)
    # Many folders are read whole: Git takes each as a pathspec on its command line.
    scope = ["registry.yaml", "milestones", *folders] if len(folders) <= SCOPED_MAX else None
    old = load_registry(GitTreeSource(top, old_sha, prefix, scope))
    new = load_registry(GitTreeSource(top, new_sha, prefix, scope))
    events, notes = compute_events(old, new, folders)
    return events, hooks_of(new), notes


SCOPED_MAX = 2000  # changed release folders read by path; more, and both trees are read whole


def changed_folders(top: Path, prefix: str, old_sha: str, new_sha: str) -> list[str]:
    """The release folders (``releases/<channel>/<tag>``) with a file that differs."""
    paths = committed_paths(top, prefix, old_sha, new_sha)
    return sorted({folder for path in paths if (folder := release_folder(path))})


def dry_run(root: Path, from_rev: str, to_rev: str, report: Report) -> None:
    """Print the events and where each would go; send nothing, write nothing."""
    events, hooks, notes = plan(root, from_rev, to_rev)
    for note in notes:
        report(f"warning: {note}")
    total = 0
    for event in events:
        report(event.describe())
        deliveries = plan_deliveries([event], hooks)
        total += len(deliveries)
        for d in deliveries:
            signed = ""
            if d.secret_env:
                missing = "" if os.environ.get(d.secret_env) else ", NOT SET"
                signed = f", signed with ${d.secret_env}{missing}"
            report(f"  -> {d.url} (delivery {d.id}{signed})")
        if not deliveries:
            report("  -> no webhook wants it")
    report(f"{len(events)} events, {total} deliveries (dry run: nothing sent)")


def notify(
    root: Path, from_rev: str, to_rev: str, log_path: Path, options: Options, report: Report
) -> Outcome:
    """Send the events between two commits; deliveries the log shows as done are skipped."""
    events, hooks, notes = plan(root, from_rev, to_rev)
    for note in notes:
        report(f"warning: {note}")
    deliveries = plan_deliveries(events, hooks)
    count = len(events)
    log = DeliveryLog(log_path)
    if deliveries:
        log.check_writable()
    outcome = _deliver_all(deliveries, options, log, report)
    report(f"{count} events, {len(deliveries)} deliveries: {_summary(outcome)}")
    return outcome


def retry(log_path: Path, delivery: str | None, options: Options, report: Report) -> Outcome:
    """Re-send the deliveries of a log whose latest attempt failed (all, or one)."""
    if not log_path.exists():
        raise RelregError(f"no notify log at {log_path}; pass the file given to --log")
    log = DeliveryLog(log_path)
    latest = log.latest()
    if delivery is not None and delivery not in latest:
        raise RelregError(f'no delivery {delivery!r} in {log_path}; see its "delivery" fields')
    if delivery is not None:
        chosen = [delivery]
    else:
        chosen = [did for did, record in latest.items() if not record.get("ok")]
    pending = []
    for did in chosen:
        record = latest[did]
        url, body, event = record.get("url"), record.get("body"), record.get("event")
        secret_env = record.get("secret_env")
        if not (isinstance(url, str) and isinstance(body, str) and isinstance(event, str)):
            raise RelregError(f"{log_path}: delivery {did} has no url, event or body to re-send")
        env = secret_env if isinstance(secret_env, str) and secret_env else None
        pending.append(Delivery(did, event, url, env, body.encode("utf-8")))
    outcome = _deliver_all(pending, options, log, report)
    report(f"retry: {_summary(outcome)}")
    return outcome


def _summary(outcome: Outcome) -> str:
    return (
        f"{outcome.delivered} delivered, {outcome.failed} failed, "
        f"{outcome.skipped} already delivered"
    )
