"""``--feed URL``: the read commands over a published feed answer exactly as the files do."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedkit import DATA, REJECTED_TAG, RunLine, served, stub_page_files

import registry_lib.site.pages as pages
from registry_lib.site.build import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("published") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pages, "page_files", stub_page_files)
        build_site(DATA, out)
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, list[str]]]:
    with served(site) as (url, agents):
        yield url, agents


def same(run_line: RunLine, feed: str, *args: str) -> tuple[int, str, str]:
    """Run a command locally and over the feed; both must print the same and exit alike."""
    local = run_line(["--registry", str(DATA), *args])
    remote = run_line(["--feed", feed, *args])
    assert remote == local, args
    return local


COMMANDS = [
    ["release", "list", "--json"],
    ["release", "list"],
    ["release", "list", "--json", "--include-rejected"],
    ["release", "list", "--json", "--prefix", "4.0", "--include-rejected"],
    ["release", "list", "--json", "--milestone", "Nightly passed"],
    ["release", "list", "--json", "--milestone", "cloud validation passed", "--kind", "rc"],
    ["release", "list", "--json", "--kind", "nightly", "--kind", "development"],
    ["release", "list", "--json", "--ignore-kind", "nightly", "--prefix", "3.74"],
    [
        "release",
        "list",
        "--json",
        "--milestone",
        "build-green",
        "--ignore-kind",
        "release",
        "--include-rejected",
    ],
    ["release", "list", "--json", "--prefix", "9"],
    ["latest", "--json"],
    ["latest"],
    ["latest", "--prefix", "3.74", "--milestone", "Nightly passed"],
    ["latest", "--json", "--kind", "nightly", "--include-rejected"],
    ["latest", "--kind", "development", "--prefix", "3.73"],
    ["release", "show", REJECTED_TAG, "--json"],
    ["release", "show", REJECTED_TAG],
    ["release", "show", "3.74.0", "--json"],
    ["milestone", "list", "--json"],
    ["milestone", "list"],
    ["milestone", "show", "Cloud validation passed", "--json"],
    ["milestone", "show", "NIGHTLY-PASSED"],
    ["milestone", "show", "no such thing"],
    ["latest", "--milestone", "no such thing"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_feed_answers_equal_local_ones(
    run_line: RunLine, server: tuple[str, list[str]], args: list[str]
) -> None:
    url, _ = server
    code, out, err = same(run_line, url + "/api/v1", *args)
    assert out or err
    if "--json" in args and code == 0:
        json.loads(out)


def test_the_site_root_and_a_folder_work_too(
    run_line: RunLine, server: tuple[str, list[str]], site: Path
) -> None:
    url, _ = server
    args = ["release", "list", "--json", "--include-rejected", "--milestone", "nightly-passed"]
    code, out, _ = same(run_line, url, *args)
    assert code == 0 and len(json.loads(out)["releases"]) > 5
    same(run_line, url + "/", "latest", "--json")
    same(run_line, str(site), *args)
    same(run_line, str(site / "api" / "v1"), "release", "show", REJECTED_TAG, "--json")


def test_requests_carry_a_user_agent(run_line: RunLine, server: tuple[str, list[str]]) -> None:
    url, agents = server
    code, _, _ = run_line(["--feed", url + "/api/v1", "latest"])
    assert code == 0
    assert agents and all(a.startswith("relreg/") for a in agents)


def test_a_missing_release_is_not_found(run_line: RunLine, server: tuple[str, list[str]]) -> None:
    url, _ = server
    for tag in ("9.9.9", "../index"):
        code, out, err = run_line(["--feed", url + "/api/v1", "release", "show", tag])
        assert (code, out) == (1, "")
        assert err == f"error: no release {tag} in the feed; see `relreg --feed URL release list`\n"


def error_of(run_line: RunLine, feed: str, *args: str) -> str:
    code, out, err = run_line(["--feed", feed, *(args or ("latest",))])
    assert (code, out) == (1, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_unreachable_host(run_line: RunLine) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = error_of(run_line, f"http://127.0.0.1:{port}/api/v1")
    assert f"cannot reach the feed at http://127.0.0.1:{port}/api/v1" in err
    assert "refused" in err.lower()


def test_no_feed_there(run_line: RunLine, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with served(tmp_path / "empty") as (url, _):
        err = error_of(run_line, url)
    assert "no relreg feed at" in err and "api/v1" in err
    err = error_of(run_line, str(tmp_path / "missing"))
    assert "no feed folder at" in err


def test_http_errors(run_line: RunLine, tmp_path: Path) -> None:
    with served(tmp_path) as (url, _):
        err = error_of(run_line, url + "/broken/api/v1")
    assert "HTTP 500" in err


@pytest.mark.parametrize(
    "index, releases, expected",
    [
        ("{not json", None, "index.json is not valid JSON"),
        ('{"api_version": "1"}', "[1, 2", "releases.json is not valid JSON"),
        ('{"hello": "world"}', None, "is not a relreg v1 feed index"),
        ('["a list"]', None, "is not a relreg v1 feed index"),
        ('{"api_version": "2"}', None, "API version '2'; this relreg reads version 1"),
        ('{"api_version": "1"}', '{"releases": [{"tag": 1}]}', "not a relreg v1 releases list"),
        ('{"api_version": "1"}', '{"items": []}', "not a relreg v1 releases list"),
    ],
)
def test_bad_feeds(
    run_line: RunLine, tmp_path: Path, site: Path, index: str, releases: str | None, expected: str
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(site, bad)
    (bad / "api/v1/index.json").write_text(index)
    if releases is not None:
        (bad / "api/v1/releases.json").write_text(releases)
    with served(bad) as (url, _):
        assert expected in error_of(run_line, url + "/api/v1")
    assert expected in error_of(run_line, str(bad / "api/v1"))


def test_a_feed_without_rejected_json(run_line: RunLine, tmp_path: Path, site: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(site, old)
    (old / "api/v1/rejected.json").unlink()
    same(run_line, str(old), "release", "list", "--json")
    err = error_of(run_line, str(old), "release", "list", "--include-rejected")
    assert "the feed has no rejected.json" in err


def test_write_commands_refuse_a_feed(run_line: RunLine, server: tuple[str, list[str]]) -> None:
    url, _ = server
    code, _, err = run_line(["--feed", url, "revoke", "4.0.0", "Nightly passed"])
    assert code == 1 and "--feed only works with read commands" in err
