"""Helpers for the feed, build and feed-client tests: registries, trees, schemas, servers."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry as SchemaRegistry
from referencing import Resource

from registry_lib.registry import Registry
from registry_lib.site.context import SiteOptions

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SCHEMAS = ROOT / "schemas" / "feed"
REJECTED_TAG = "4.0.x-nightly-20230422"
STUB_PAGE = b"<!doctype html><title>stub</title>\n"

# The type of the run_line fixture (tests/conftest.py); not imported from there because
# another conftest module of the same name would shadow it.
RunLine = Callable[..., tuple[int, str, str]]


def stub_page_files(reg: Registry, options: SiteOptions) -> dict[str, bytes]:
    """Stands in for the HTML pages, so these tests exercise the feed and the build only."""
    return {"index.html": STUB_PAGE}


def record_forks(monkeypatch: Any) -> list[int]:
    """Wrap ``os.fork`` (for this test) to record each real fork's child pid."""
    children: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return children


def copy_registry(dst: Path) -> Path:
    """A copy of the example registry ``data/`` that a test may change."""
    shutil.copytree(DATA, dst)
    return dst


def tree(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def schema_name(relpath: str) -> str:
    """The schema file that describes a feed file (path relative to api/v1)."""
    parts = relpath.split("/")
    if relpath in ("releases.json", "rejected.json") or parts[-1] == "releases.json":
        return "releases.schema.json"
    if relpath == "latest.json" or parts[-1] == "latest.json" or parts[0] == "releases":
        return "release.schema.json"
    if parts[0] == "milestones" and len(parts) == 2:
        return "milestone.schema.json"
    return {
        "index.json": "index.schema.json",
        "milestones.json": "milestones.schema.json",
        "channels.json": "channels.schema.json",
        "events.json": "events.schema.json",
    }[relpath]


def _schema_registry() -> SchemaRegistry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return SchemaRegistry().with_resources(resources)


def validator(name: str) -> Draft202012Validator:
    """A strict validator for one feed schema, with the others resolvable by $ref."""
    doc = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(doc, registry=_schema_registry(), format_checker=FormatChecker())


def schema_errors(api: dict[str, bytes]) -> list[str]:
    """Every schema violation of the feed files, keyed by their path under api/v1."""
    errors = []
    cache: dict[str, Draft202012Validator] = {}
    for relpath, data in api.items():
        name = schema_name(relpath)
        check = cache.setdefault(name, validator(name))
        for err in check.iter_errors(json.loads(data)):
            errors.append(f"{relpath}: {'/'.join(map(str, err.absolute_path))}: {err.message}")
    return errors


def api_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The api/v1 part of a site, keyed by path under api/v1."""
    prefix = "api/v1/"
    return {p[len(prefix) :]: d for p, d in files.items() if p.startswith(prefix)}


def load(data: bytes) -> Any:
    """Parse a feed document."""
    return json.loads(data.decode("utf-8"))


class RecordingHandler(SimpleHTTPRequestHandler):
    """Serves a folder quietly, remembering each request's User-Agent; /broken/ gives 500."""

    user_agents: list[str]

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path.startswith("/broken/"):
            self.send_error(500, "Internal Server Error")
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder`` on 127.0.0.1 in a thread; yield its URL and the User-Agents seen."""
    agents: list[str] = []
    handler = type("Handler", (RecordingHandler,), {"user_agents": agents})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", agents
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()
