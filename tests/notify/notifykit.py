"""Helpers and fixtures for the `relreg notify` tests: HTTP receivers on 127.0.0.1, Git registries.

Not a conftest.py: the tests import ``from conftest import …`` and a second conftest module
would shadow the top one. Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RunLine = Callable[..., tuple[int, str, str]]  # the run_line fixture of tests/conftest.py

SECRET = "s3cr3t-value-never-logged"
SECRET_ENV = "RELREG_TEST_HOOK_SECRET"
BASE_ENV = {
    "RELREG_ACTOR": "alice@example.com",
    "RELREG_NOTIFY_BACKOFF": "0.01",
}
COMMIT = "78057dba490233f41b4602f2b2e88775ab7fd4c9"


@dataclass
class Request:
    """One POST a receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A webhook receiver answering each POST with the next scripted action.

    An action is a status code, ``(status, headers)``, or ``"hang"`` (never answer). The
    last action repeats once the script is used up.
    """

    script: list[Any]
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)

    def next_action(self) -> Any:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        return self.script[index]

    def ids(self) -> list[str]:
        """The X-Relreg-Delivery of each request, in arrival order."""
        return [r.headers["X-Relreg-Delivery"] for r in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(
                Request(self.path, dict(self.headers.items()), body, time.monotonic())
            )
            action = receiver.next_action()
            if action == "hang":
                receiver.release.wait(10)
                return
            status, headers = action if isinstance(action, tuple) else (action, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Any]:
    """A factory of receivers: ``receiver([500, 500, 200])``; all stopped after the test."""
    servers: list[tuple[ThreadingHTTPServer, Receiver]] = []

    def start(script: list[Any] | None = None) -> Receiver:
        rec = Receiver(list(script or [200]))
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
        server.daemon_threads = True
        rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, rec))
        return rec

    yield start
    for server, rec in servers:
        rec.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True, name="no_proxy")
def no_proxy_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to 127.0.0.1 must not go through a proxy from the environment."""
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(SECRET_ENV, raising=False)


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a fixed identity; fail the test on a non-zero exit."""
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


@dataclass
class Repo:
    """A Git repository with a registry in ``data/``, driven through the CLI."""

    top: Path
    run_line: RunLine

    @property
    def data(self) -> Path:
        return self.top / "data"

    def relreg(self, *args: str, now: str | None = None, **env: str) -> tuple[int, str, str]:
        """Run ``relreg --registry data ARGS`` with the test's actor and clock."""
        full = {**BASE_ENV, **env}
        if now is not None:
            full["RELREG_NOW"] = now
        return self.run_line(["--registry", str(self.data), *args], env=full)

    def write(self, *args: str, now: str) -> None:
        """A write command, committed with --git-commit."""
        code, out, err = self.relreg(*args, "--git-commit", now=now)
        assert code == 0, out + err

    def head(self) -> str:
        return git(self.top, "rev-parse", "HEAD")

    def add_hooks(self, path: str, hooks: list[tuple[str, str | None]]) -> None:
        """Append a ``webhooks`` list to a registry file and commit it."""
        lines = ["webhooks:"]
        for url, secret_env in hooks:
            lines.append(f"  - url: {url}")
            if secret_env:
                lines.append(f"    secret_env: {secret_env}")
        target = self.data / path
        target.write_text(target.read_text(encoding="utf-8") + "\n".join(lines) + "\n")
        git(self.top, "add", str(target))
        git(self.top, "commit", "-q", "-m", f"Add webhooks to {path}")


@pytest.fixture(name="repo")
def repo_fixture(tmp_path: Path, run_line: RunLine) -> Repo:
    """A registry with the milestones "Nightly passed" and "QA passed", and no releases."""
    top = tmp_path / "repo"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    r = Repo(top, run_line)
    r.write("init", str(r.data), "--name", "Hooks", now="2024-01-01T00:00:00Z")
    r.write(
        "milestone", "create", "Nightly passed", "--expect", "BuildURL", now="2024-01-01T00:00:00Z"
    )
    r.write("milestone", "create", "QA passed", now="2024-01-01T00:00:00Z")
    return r
