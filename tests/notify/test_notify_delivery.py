"""``relreg notify`` against real HTTP receivers: events, bodies, signatures, retries, --retry."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from notifykit import (  # noqa: F401 (the fixtures are used by name)
    COMMIT,
    SECRET,
    SECRET_ENV,
    Receiver,
    Repo,
    git,
    no_proxy_fixture,
    receiver_fixture,
    repo_fixture,
)

from registry_lib.gitsource import GitTreeSource, locate, resolve_rev
from registry_lib.loader import load_registry
from registry_lib.notify import plan
from registry_lib.notify_events import compute_events

T0 = "2024-02-01T10:00:00Z"


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _one_release(repo: Repo, url: str, secret_env: str | None = None) -> str:
    """Registry-wide webhook, then (after the returned base commit) one new release."""
    repo.add_hooks("registry.yaml", [(url, secret_env)])
    base = repo.head()
    repo.write("release", "create", "4.1.0", "--commit", COMMIT, now=T0)
    return base


def test_events_bodies_signatures_and_routing(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    everything: Receiver = receiver()
    nightly: Receiver = receiver()
    repo.add_hooks("registry.yaml", [(everything.url, SECRET_ENV)])
    repo.add_hooks("milestones/nightly-passed.yaml", [(nightly.url, None)])
    base = repo.head()
    repo.write("release", "create", "4.1.0", "--commit", COMMIT, now="2024-02-01T10:00:00Z")
    repo.write(
        "approve", "4.1.0", "Nightly passed", "--meta", "BuildURL=https://ci/1",
        now="2024-02-01T11:00:00Z",
    )  # fmt: skip
    repo.write("release", "create", "4.2.0", "--commit", COMMIT, now="2024-02-01T12:00:00Z")
    repo.write(
        "approve", "4.2.0", "Nightly passed", "--meta", "BuildURL=https://ci/2", "--break-glass",
        now="2024-02-01T13:00:00Z",
    )  # fmt: skip
    repo.write("release", "reject", "4.2.0", "--reason", "bad", now="2024-02-01T14:00:00Z")

    log = tmp_path / "one.jsonl"
    code, out, err = repo.relreg(
        "notify", "--from", base, "--log", str(log), **{SECRET_ENV: SECRET}
    )
    assert code == 0, out + err
    assert SECRET not in out + err + log.read_text()

    # Every event reaches registry.yaml's webhook, in record-time order; break glass is silent.
    bodies = [json.loads(r.body) for r in everything.requests]
    assert [(b["event"], b["release"]["tag"]) for b in bodies] == [
        ("release.created", "4.1.0"),
        ("milestone.reached", "4.1.0"),
        ("release.created", "4.2.0"),
        ("release.rejected", "4.2.0"),
    ]
    # The milestone's own webhook gets only its reached event, unsigned (no secret_env).
    assert [json.loads(r.body)["event"] for r in nightly.requests] == ["milestone.reached"]
    assert "X-Relreg-Signature-256" not in nightly.requests[0].headers

    for request in everything.requests:
        h = request.headers
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert h["X-Relreg-Signature-256"] == f"sha256={expected}"
        assert h["Content-Type"] == "application/json"
        assert h["User-Agent"].startswith("relreg/")
        body = json.loads(request.body)
        assert h["X-Relreg-Event"] == body["event"]
        assert h["X-Relreg-Delivery"] == body["delivery"]
        assert list(body) == ["event", "delivery", "release", "milestone", "approval"]
        # Serialized once, compactly: the signed bytes are exactly what was sent.
        assert request.body == json.dumps(body, separators=(",", ":")).encode()

    reached = bodies[1]
    _, shown, _ = repo.relreg("release", "show", "4.1.0", "--json")
    assert reached["release"] == json.loads(shown)
    _, milestone, _ = repo.relreg("milestone", "show", "Nightly passed", "--json")
    assert reached["milestone"] == json.loads(milestone)
    assert reached["approval"] == {
        "name": "Nightly passed",
        "slug": "nightly-passed",
        "approver": "alice@example.com",
        "approved_at": "2024-02-01T11:00:00Z",
        "metadata": {"BuildURL": "https://ci/1"},
        "break_glass": False,
    }
    assert bodies[0]["milestone"] is None and bodies[0]["approval"] is None
    assert bodies[3]["release"]["rejected"] is True
    assert len(set(everything.ids())) == 4

    # The same events get the same ids in another run (another log); each URL its own id.
    code, out, err = repo.relreg(
        "notify", "--from", base, "--log", str(tmp_path / "two.jsonl"), **{SECRET_ENV: SECRET}
    )
    assert code == 0, out + err
    assert everything.ids()[4:] == everything.ids()[:4]
    assert nightly.ids()[1] == nightly.ids()[0] != everything.ids()[1]

    # With the first log again, nothing is sent twice.
    code, out, _ = repo.relreg("notify", "--from", base, "--log", str(log), **{SECRET_ENV: SECRET})
    assert code == 0
    assert len(everything.requests) == 8 and len(nightly.requests) == 2
    assert "0 delivered, 0 failed, 5 already delivered" in out


def test_revoked_and_break_glass_revoke(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    rec: Receiver = receiver()
    repo.add_hooks("milestones/nightly-passed.yaml", [(rec.url, None)])
    repo.write("release", "create", "4.1.0", "--commit", COMMIT, now=T0)
    repo.write("approve", "4.1.0", "QA passed", "--break-glass", now="2024-02-01T10:30:00Z")
    before_approve = repo.head()
    repo.write(
        "approve", "4.1.0", "Nightly passed", "--meta", "BuildURL=u", now="2024-02-01T11:00:00Z"
    )
    approved = repo.head()
    repo.write("revoke", "4.1.0", "Nightly passed", now="2024-02-01T12:00:00Z")
    repo.write("revoke", "4.1.0", "QA passed", now="2024-02-01T12:00:00Z")
    log = tmp_path / "log.jsonl"

    # Approved and revoked within the range: the net difference is nothing.
    code, out, _ = repo.relreg("notify", "--from", before_approve, "--log", str(log))
    assert code == 0 and rec.requests == []
    assert "0 events" in out

    code, out, err = repo.relreg("notify", "--from", approved, "--log", str(log))
    assert code == 0, out + err
    (request,) = rec.requests  # the break-glass revoke sends nothing
    body = json.loads(request.body)
    assert body["event"] == "milestone.revoked"
    assert body["approval"]["approved_at"] == "2024-02-01T11:00:00Z"
    assert body["milestone"]["slug"] == "nightly-passed"
    assert body["release"]["quality_milestones"] == []  # the release as it is at --to


def test_server_errors_are_retried_until_success(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    rec: Receiver = receiver([500, 500, 200])
    base = _one_release(repo, rec.url)
    log = tmp_path / "log.jsonl"
    code, out, err = repo.relreg("notify", "--from", base, "--log", str(log))
    assert code == 0, out + err
    assert len(rec.requests) == 3
    assert len(set(rec.ids())) == 1 and len({r.body for r in rec.requests}) == 1
    records = _log(log)
    assert [(r["attempt"], r["status"], r["ok"], r["final"]) for r in records] == [
        (1, 500, False, False),
        (2, 500, False, False),
        (3, 200, True, True),
    ]
    first = records[0]
    assert set(first) == {
        "delivery", "event", "url", "attempt", "status", "error", "time", "ok", "final",
        "body", "secret_env",
    }  # fmt: skip
    assert first["error"].startswith("HTTP 500") and records[2]["error"] is None
    assert first["body"].encode() == rec.requests[0].body
    assert first["time"].endswith("Z")


def test_final_failure_then_retry_delivers_exactly_once(
    repo: Repo, receiver: Any, tmp_path: Path
) -> None:
    rec: Receiver = receiver([503])
    base = _one_release(repo, rec.url, SECRET_ENV)
    log = tmp_path / "log.jsonl"
    code, out, err = repo.relreg(
        "notify", "--from", base, "--log", str(log), **{SECRET_ENV: SECRET}
    )
    assert code == 1
    assert f"error: 1 deliveries failed; retry with relreg notify --retry {log}" in err
    assert len(rec.requests) == 3
    last = _log(log)[-1]
    assert (last["ok"], last["final"], last["status"]) == (False, True, 503)
    assert last["secret_env"] == SECRET_ENV and SECRET not in log.read_text()
    delivery = last["delivery"]

    code, _, err = repo.relreg("notify", "--retry", str(log), "--delivery", "nope")
    assert code == 1 and "no delivery 'nope'" in err

    rec.script = [503, 503, 503, 200]  # the receiver is healthy from its next request on
    code, out, err = repo.relreg(
        "notify", "--retry", str(log), "--delivery", delivery, **{SECRET_ENV: SECRET}
    )
    assert code == 0, out + err
    assert rec.ids() == [delivery] * 4
    expected = hmac.new(SECRET.encode(), rec.requests[3].body, hashlib.sha256).hexdigest()
    assert rec.requests[3].headers["X-Relreg-Signature-256"] == f"sha256={expected}"
    assert rec.requests[3].body == rec.requests[0].body
    assert [r["attempt"] for r in _log(log)] == [1, 2, 3, 4]

    code, out, _ = repo.relreg("notify", "--retry", str(log), **{SECRET_ENV: SECRET})
    assert code == 0 and len(rec.requests) == 4
    assert "0 delivered, 0 failed" in out
    code, out, _ = repo.relreg("notify", "--retry", str(log), "--delivery", delivery)
    assert code == 0 and len(rec.requests) == 4
    assert "already delivered" in out


def test_a_hanging_receiver_times_out_each_attempt(
    repo: Repo, receiver: Any, tmp_path: Path
) -> None:
    rec: Receiver = receiver(["hang"])
    base = _one_release(repo, rec.url)
    log = tmp_path / "log.jsonl"
    code, _, _ = repo.relreg("notify", "--from", base, "--log", str(log), "--timeout", "0.3")
    assert code == 1
    records = _log(log)
    assert [(r["attempt"], r["final"]) for r in records] == [(1, False), (2, False), (3, True)]
    assert all(r["status"] is None and "timed out" in r["error"] for r in records)
    assert len(rec.requests) == 3


def test_client_errors_are_final(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    gone: Receiver = receiver([404])
    bad: Receiver = receiver([400])
    repo.add_hooks("registry.yaml", [(gone.url, None), (bad.url, None)])
    base = repo.head()
    repo.write("release", "create", "4.1.0", "--commit", COMMIT, now=T0)
    log = tmp_path / "log.jsonl"
    code, _, err = repo.relreg("notify", "--from", base, "--log", str(log))
    assert code == 1 and "2 deliveries failed" in err
    assert len(gone.requests) == 1 and len(bad.requests) == 1
    assert [(r["status"], r["attempt"], r["final"]) for r in _log(log)] == [
        (404, 1, True),
        (400, 1, True),
    ]


def test_redirects_are_not_followed(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    target: Receiver = receiver()
    moved: Receiver = receiver([(302, {"Location": target.url})])
    base = _one_release(repo, moved.url)
    code, _, _ = repo.relreg("notify", "--from", base, "--log", str(tmp_path / "l.jsonl"))
    assert code == 1 and target.requests == [] and len(moved.requests) == 1


def test_429_waits_for_retry_after(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    rec: Receiver = receiver([(429, {"Retry-After": "1"}), 200])
    base = _one_release(repo, rec.url)
    code, out, err = repo.relreg("notify", "--from", base, "--log", str(tmp_path / "l.jsonl"))
    assert code == 0, out + err
    assert len(rec.requests) == 2
    assert rec.requests[1].at - rec.requests[0].at >= 0.9


def test_missing_secret_never_sends_unsigned(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    rec: Receiver = receiver()
    base = _one_release(repo, rec.url, SECRET_ENV)
    log = tmp_path / "l.jsonl"
    code, out, err = repo.relreg("notify", "--from", base, "--log", str(log))
    assert code == 1
    assert f"environment variable {SECRET_ENV} is not set" in out
    assert rec.requests == []
    (record,) = _log(log)
    assert (record["ok"], record["final"], record["status"]) == (False, True, None)

    code, out, err = repo.relreg("notify", "--retry", str(log), **{SECRET_ENV: SECRET})
    assert code == 0, out + err
    assert len(rec.requests) == 1 and "X-Relreg-Signature-256" in rec.requests[0].headers


def test_dry_run_sends_and_writes_nothing(repo: Repo, receiver: Any, tmp_path: Path) -> None:
    rec: Receiver = receiver()
    base = _one_release(repo, rec.url, SECRET_ENV)
    log = tmp_path / "l.jsonl"
    code, out, _ = repo.relreg("notify", "--from", base, "--dry-run", "--log", str(log))
    assert code == 0
    assert "release.created 4.1.0" in out and rec.url in out
    assert f"${SECRET_ENV}, NOT SET" in out
    assert "1 events, 1 deliveries (dry run: nothing sent)" in out
    assert rec.requests == [] and not log.exists()


def test_usage_errors(repo: Repo, tmp_path: Path) -> None:
    assert repo.relreg("notify")[0] == 2
    assert repo.relreg("notify", "--from", "HEAD", "--retry", "x")[0] == 2
    assert repo.relreg("notify", "--from", "HEAD", "--delivery", "x")[0] == 2
    code, _, err = repo.relreg("notify", "--from", "no-such-rev")
    assert code == 1 and "unknown revision 'no-such-rev'" in err
    code, _, err = repo.relreg("notify", "--retry", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "no notify log" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    code, _, err = repo.relreg("notify", "--retry", str(bad))
    assert code == 1 and "bad.jsonl:1: not a line of a relreg notify log" in err


def test_events_come_from_the_changed_folders_alone(repo: Repo, files_read: list[str]) -> None:
    """notify reads the settings, the definitions and the release folders the commits
    changed, at both ends, and finds the events reading both trees whole would give;
    an unchanged invalid release is not warned about on every push."""
    repo.write("release", "create", "4.1.0", "--commit", COMMIT, now=T0)
    repo.write("release", "create", "4.1.1", "--commit", COMMIT, now=T0)
    repo.write("release", "create", "4.0.0", "--commit", COMMIT, now=T0)
    broken = repo.data / "releases/4.0/4.0.0/release.yaml"
    broken.write_text(broken.read_text().replace(COMMIT, "not-a-sha"))
    git(repo.top, "commit", "-qam", "Break 4.0.0")
    base = repo.head()
    repo.write("approve", "4.1.0", "QA passed", now="2024-02-02T10:00:00Z")
    repo.write("release", "reject", "4.1.1", "--reason", "Broken", now="2024-02-03T10:00:00Z")
    repo.write("release", "create", "4.2.0", "--commit", COMMIT, now="2024-02-04T10:00:00Z")
    files_read.clear()
    events, _, notes = plan(repo.data, base, "HEAD")
    assert {"/".join(p.split("/")[:3]) for p in files_read} == {
        "registry.yaml",
        "milestones/nightly-passed.yaml",
        "milestones/qa-passed.yaml",
        "releases/4.1/4.1.0",
        "releases/4.1/4.1.1",
        "releases/4.2/4.2.0",
    }
    assert [(e.type, e.tag) for e in events] == [
        ("milestone.reached", "4.1.0"),
        ("release.rejected", "4.1.1"),
        ("release.created", "4.2.0"),
    ]
    assert notes == []
    top, prefix = locate(repo.data)
    whole = [load_registry(GitTreeSource(top, resolve_rev(top, r), prefix)) for r in (base, "HEAD")]
    every_events, every_notes = compute_events(*whole)
    assert every_events == events
    assert every_notes == [
        "releases/4.0/4.0.0/release.yaml is invalid at --to; its events are skipped"
    ]
