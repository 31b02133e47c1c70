"""``relreg build`` and ``relreg serve``: reproducible trees, safe swaps, refused folders."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from functools import partial
from pathlib import Path

import pytest
from feedkit import STUB_PAGE, RunLine, copy_registry, load, stub_page_files, tree

import registry_lib.site.pages as pages
from registry_lib.errors import RelregError
from registry_lib.registry import Registry
from registry_lib.site.build import MANIFEST, build_site
from registry_lib.site.context import SiteOptions
from registry_lib.site.index import SiteIndex
from registry_lib.site.pages import Job
from registry_lib.site.serve import SiteServer

REAL_PAGE_JOBS = pages.page_jobs


def stub_page_jobs(reg: Registry, options: SiteOptions, index: object = None) -> dict[str, Job]:
    """``stub_page_files`` as the build's jobs."""
    return {p: Job(None, partial(bytes, d)) for p, d in stub_page_files(reg, options).items()}


@pytest.fixture(autouse=True)
def stub_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the build pipeline; the HTML pages have their own tests."""
    monkeypatch.setattr(pages, "page_jobs", stub_page_jobs)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return copy_registry(tmp_path / "data")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".new-" in p.name or ".old-" in p.name)


def test_two_builds_are_byte_identical(registry: Path, tmp_path: Path) -> None:
    first = build_site(registry, tmp_path / "a")
    time.sleep(1.1)  # a clock leaking into the output would show now
    build_site(registry, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert first.build_time == "2023-05-24T08:45:00Z"  # the newest timestamp in data/
    mtimes = {p.stat().st_mtime for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert mtimes == {1684917900.0}


def test_source_date_epoch(registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = build_site(registry, tmp_path / "plain")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one = build_site(registry, tmp_path / "one")
    build_site(registry, tmp_path / "two")
    assert one.build_time == "2023-11-14T22:13:20Z" != plain.build_time
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert {p.stat().st_mtime for p in (tmp_path / "one").rglob("*") if p.is_file()} == {
        1700000000.0
    }
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(RelregError, match="SOURCE_DATE_EPOCH"):
        build_site(registry, tmp_path / "three")


def test_manifest_lists_every_file(registry: Path, tmp_path: Path) -> None:
    result = build_site(registry, tmp_path / "site")
    files = tree(tmp_path / "site")
    manifest = json.loads(files.pop(MANIFEST))
    assert manifest["version"] == 1
    assert set(manifest["files"]) == set(files)
    assert result.files == len(files)
    assert files["index.html"] == STUB_PAGE
    import hashlib

    for path, data in files.items():
        assert manifest["files"][path] == hashlib.sha256(data).hexdigest()


def test_a_failed_build_leaves_the_previous_site(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    build_site(registry, out)
    before = tree(out)
    (registry / "releases/4.0/4.0.0/release.yaml").write_text("tag: [oops\n")
    with pytest.raises(RelregError, match=r"1 validation error; run `relreg validate`"):
        build_site(registry, out)
    assert tree(out) == before

    copy_registry(tmp_path / "fresh")

    def broken(reg: object, options: object, index: object = None) -> dict[str, Job]:
        return {"index.html": Job(None, lambda: b"x"), "../escaped.html": Job(None, lambda: b"x")}

    monkeypatch.setattr(pages, "page_jobs", broken)
    with pytest.raises(RelregError, match="outside"):
        build_site(tmp_path / "fresh", out)
    assert tree(out) == before
    assert not (tmp_path / "escaped.html").exists()
    assert leftovers(tmp_path) == []


def test_a_rebuild_replaces_the_whole_tree(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(registry, out)
    tag = "4.0.x-nightly-20230520"
    assert (out / f"api/v1/releases/{tag}.json").is_file()
    for f in (registry / f"releases/4.0/{tag}").rglob("*"):
        f.unlink()
    (registry / f"releases/4.0/{tag}").rmdir()
    build_site(registry, out)
    assert not (out / f"api/v1/releases/{tag}.json").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "where, message",
    [
        ("registry", "it holds the registry"),
        ("parent", "it holds the registry"),
        ("root", "choose a folder of its own"),
        ("home", "choose a folder of its own"),
        ("releases", "inside the registry's releases/"),
        ("foreign", "not empty and was not written by `relreg build`"),
        ("file", "it is a file"),
    ],
)
def test_refuses_dangerous_output_folders(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "thesis.tex").write_text("precious")
    (tmp_path / "file").write_text("precious")
    out = {
        "registry": registry,
        "parent": tmp_path,
        "root": Path("/"),
        "home": tmp_path / "home",
        "releases": registry / "releases" / "site",
        "foreign": tmp_path / "foreign",
        "file": tmp_path / "file",
    }[where]
    before = tree(tmp_path)
    with pytest.raises(RelregError, match=re.escape(message)):
        build_site(registry, out)
    assert tree(tmp_path) == before


def test_source_commit_comes_from_git(registry: Path, tmp_path: Path, isolated_env: None) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.email=t@example.org", "-c", "user.name=T", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    build_site(registry, tmp_path / "site")
    assert load((tmp_path / "site/api/v1/index.json").read_bytes())["source_commit"] is None
    git("init", "-q")
    (tmp_path / "README.md").write_text("x")
    git("add", "README.md")
    git("commit", "-q", "-m", "readme only")
    build_site(registry, tmp_path / "site")  # the registry is not tracked yet
    assert load((tmp_path / "site/api/v1/index.json").read_bytes())["source_commit"] is None
    git("add", "data")
    git("commit", "-q", "-m", "registry")
    build_site(registry, tmp_path / "site")
    index = load((tmp_path / "site/api/v1/index.json").read_bytes())
    assert index["source_commit"] == git("rev-parse", "HEAD")


def test_cli_prints_one_summary_line(registry: Path, tmp_path: Path, run_line: RunLine) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_line(["--registry", registry, "build", "--out", out])
    assert code == 0, stderr
    files = len(tree(out)) - 1
    assert stdout == f"built {files} files into {out}/ (27 releases, 3 milestones, 3 channels)\n"
    code, stdout, stderr = run_line(
        ["--registry", registry, "build", "--out", out, "--base-url", "https://r.example.org"]
    )
    assert code == 0, stderr
    index = load((out / "api/v1/index.json").read_bytes())
    assert index["links"]["latest"] == "https://r.example.org/api/v1/latest.json"


def test_cli_errors_are_one_line(registry: Path, tmp_path: Path, run_line: RunLine) -> None:
    code, _, stderr = run_line(["--registry", registry, "build", "--out", registry])
    assert code == 1
    assert stderr.startswith("error: refusing to build into") and "Traceback" not in stderr
    code, _, stderr = run_line(["--registry", registry, "build", "--base-url", "ftp://x"])
    assert code == 1 and "must be an http(s) URL" in stderr
    code, _, stderr = run_line(["--registry", registry, "--feed", "x", "build"])
    assert code == 1 and "--feed only works with read commands" in stderr


def test_build_with_the_real_pages(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "page_jobs", REAL_PAGE_JOBS)
    try:
        build_site(registry, tmp_path / "a")
    except RelregError as exc:
        if "template" in str(exc) and "not found" in str(exc):
            pytest.skip(f"the HTML templates are not complete yet: {exc}")
        raise
    build_site(registry, tmp_path / "b")
    files = tree(tmp_path / "a")
    assert files == tree(tmp_path / "b")
    assert "index.html" in files and "api/v1/index.json" in files and "feed.atom" in files


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def test_serve_rebuilds_on_change(registry: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    server = SiteServer(registry, tmp_path / "site", port=0, report=messages.append, interval=0.1)
    server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        latest = load(_get(server.url + "api/v1/latest.json"))
        release = registry / "releases/4.1/4.1.0/release.yaml"
        release.parent.mkdir(parents=True)
        text = (registry / "releases/4.0/4.0.0/release.yaml").read_text()
        release.write_text(text.replace("4.0.0", "4.1.0").replace("2023-05-23", "2023-06-01"))
        deadline = time.monotonic() + 10
        while server.builds < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert load(_get(server.url + "api/v1/latest.json"))["tag"] == "4.1.0" != latest["tag"]
        assert messages and messages[-1].startswith("built ")
        # a broken change keeps the last good site online
        release.write_text("tag: [oops\n")
        assert server.check() is False
        assert "validation error" in messages[-1] and "still serving" in messages[-1]
        assert load(_get(server.url + "api/v1/latest.json"))["tag"] == "4.1.0"
        assert server.check() is False  # nothing changed since
    finally:
        server.stop()
    assert os.listdir(tmp_path / "site")


def test_serve_command_stops_cleanly_on_ctrl_c(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registry_lib",
            "--registry",
            registry,
            "serve",
            "--port",
            "0",
            "--out",
            out,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        summary, serving = proc.stdout.readline(), proc.stdout.readline()
        assert summary.startswith("built ") and "(27 releases" in summary
        url = re.search(r"http://127\.0\.0\.1:\d+/", serving)
        assert url, serving
        assert load(_get(url.group(0) + "api/v1/index.json"))["api_version"] == "1"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert stdout == "stopped\n" and "Traceback" not in stderr
    assert (out / "api/v1/index.json").is_file()


def test_the_garbage_collector_is_paused_only_during_a_build(
    registry: Path, tmp_path: Path
) -> None:
    import gc

    assert gc.isenabled()
    build_site(registry, tmp_path / "site")
    assert gc.isenabled()
    (registry / "releases/4.0/4.0.0/release.yaml").write_text("tag: [oops\n")
    with pytest.raises(RelregError):
        build_site(registry, tmp_path / "site")
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(RelregError):
            build_site(registry, tmp_path / "site")
        assert not gc.isenabled(), "a caller's choice is kept"
    finally:
        gc.enable()


def test_a_build_hands_what_it_loaded_to_keep(registry: Path, tmp_path: Path) -> None:
    held: list[object] = []
    first = build_site(registry, tmp_path / "a", keep=held)
    assert any(isinstance(item, SiteIndex) for item in held)
    second = build_site(registry, tmp_path / "b")  # without ``keep``: freed on return
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert first.files == second.files


def test_only_the_relreg_program_holds_what_a_build_loaded(
    registry: Path, tmp_path: Path, run_line: RunLine
) -> None:
    from registry_lib.cli import base

    code, _, stderr = run_line(["--registry", registry, "build", "--out", tmp_path / "out"])
    assert code == 0, stderr
    assert base.HELD_TO_EXIT is None  # ``main`` called as a function frees it
    program = subprocess.run(
        [sys.executable, "-m", "registry_lib", "--registry", registry, "build", "--out", "s"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert program.returncode == 0, program.stderr
    assert program.stdout.startswith("built ") and (tmp_path / "s" / MANIFEST).is_file()
