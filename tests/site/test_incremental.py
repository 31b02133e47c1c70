"""Incremental builds: a rebuild over a previous site equals a full build, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from feedkit import copy_registry, tree

from registry_lib.loader import load_directory
from registry_lib.query import Filters, list_releases
from registry_lib.site.build import MANIFEST, build_site
from registry_lib.site.index import build_index

NIGHTLY = "releases/4.0/4.0.x-nightly-20230520"
APPROVAL = """\
milestone: Build green
tag: 4.0.x-nightly-20230520
approver: roxbot@redhat.com
approved_at: 2023-05-20T06:00:00Z
metadata:
  BuildURL: https://ci.example.org/runs/1
"""


def new_approval(reg: Path) -> None:
    (reg / NIGHTLY / "approvals").mkdir(exist_ok=True)
    (reg / NIGHTLY / "approvals/build-green.yaml").write_text(APPROVAL)


def new_release(reg: Path) -> None:
    folder = reg / "releases/4.0/4.0.x-nightly-20230521"
    folder.mkdir()
    text = (reg / NIGHTLY / "release.yaml").read_text()
    (folder / "release.yaml").write_text(text.replace("20230520", "20230521"))


def rejection(reg: Path) -> None:
    release = reg / "releases/4.0/4.0.0/release.yaml"
    release.write_text(
        release.read_text()
        + "rejection:\n  reason: Data loss\n  by: roxbot@redhat.com\n  at: 2023-06-01T00:00:00Z\n"
    )


def definition_change(reg: Path) -> None:
    path = reg / "milestones/build-green.yaml"
    path.write_text(path.read_text() + "description: Every build job passed.\n")


def deleted_approval(reg: Path) -> None:
    (reg / "releases/4.0/4.0.x-nightly-20230404/approvals/build-green.yaml").unlink()


CHANGES: dict[str, Callable[[Path], None]] = {
    "new approval": new_approval,
    "new release": new_release,
    "rejection": rejection,
    "definition change": definition_change,
    "deleted approval": deleted_approval,
}


@pytest.fixture(params=["data time", "SOURCE_DATE_EPOCH"])
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build times from the data (they move with the change) or fixed."""
    if request.param == "SOURCE_DATE_EPOCH":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    else:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): int(p.stat().st_mtime)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_equals_full(change: str, tmp_path: Path, clock: None) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    first = build_site(reg, site)
    assert first.made == first.files  # nothing to reuse the first time
    CHANGES[change](reg)

    again = build_site(reg, site)
    full = build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")
    assert mtimes(site) == mtimes(tmp_path / "full")
    assert full.made == full.files
    if change != "definition change":  # release pages show every definition: all change
        assert again.files - again.made >= 24, "unchanged release pages must not be rendered"
        assert again.written < again.files / 2, "unchanged files must be linked, not written"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]


def test_nothing_changed_renders_no_release_page(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    build_site(reg, tmp_path / "site")
    before = tree(tmp_path / "site")
    result = build_site(reg, tmp_path / "site")
    assert tree(tmp_path / "site") == before
    assert result.written == 0
    assert result.files - result.made == 27 + 3 + 3  # release, channel and milestone pages


@pytest.mark.parametrize(
    "damage",
    ["garbage", "not an object", "wrong version", "wrong types", "missing"],
)
def test_a_bad_manifest_means_a_full_build(damage: str, tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    (site / "index.html").write_text("stale")  # a manifest that is not trusted is not used
    os.utime(site / "index.html", (1704067200, 1704067200))
    manifest = site / MANIFEST
    doc = json.loads(manifest.read_text())
    if damage == "garbage":
        manifest.write_bytes(b"\x00{not json")
    elif damage == "not an object":
        manifest.write_text("[]")
    elif damage == "wrong version":
        manifest.write_text(json.dumps({**doc, "version": 99}))
    elif damage == "wrong types":
        manifest.write_text(json.dumps({**doc, "sizes": {"index.html": "12"}}))
    else:
        shutil.rmtree(site)
        site.mkdir()
    result = build_site(reg, site)
    assert result.made == result.files
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")


def test_files_edited_behind_the_tools_back_are_rebuilt(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    build_site(reg, tmp_path / "full")
    page = site / "releases/4.0.0/index.html"
    page.write_text("defaced")  # a new size and a new time
    feed = site / "api/v1/releases/4.0.0.json"
    feed.unlink()
    feed.mkdir()  # not even a file
    link = site / "releases/3.73.3/index.html"
    link.unlink()
    link.symlink_to(tmp_path / "full/releases/3.73.3/index.html")
    build_site(reg, site)
    assert tree(site) == tree(tmp_path / "full")
    assert not (site / "releases/3.73.3/index.html").is_symlink()


def test_verify_catches_an_edit_that_keeps_size_and_time(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    page = site / "releases/4.0.0/index.html"
    stat = page.stat()
    data = page.read_bytes()
    page.write_bytes(data.replace(b"4.0.0", b"6.6.6", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    build_site(reg, site)  # size and time match: trusted (documented trade-off)
    assert b"6.6.6" in page.read_bytes()
    build_site(reg, site, verify=True)
    assert page.read_bytes() == data


def test_the_index_lists_equal_list_releases(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    rejection(reg)
    loaded = load_directory(reg)
    index = build_index(loaded)

    def tags(entries: list) -> list[str]:  # type: ignore[type-arg]
        return [e.tag for e in entries]

    assert tags(index.live) == tags(list_releases(loaded))
    for slug in index.slugs:
        assert tags(index.select(milestone=slug)) == tags(
            list_releases(loaded, Filters(milestone=slug))
        )
    for channel in index.channels:
        expected = list_releases(loaded, Filters(channel=channel))
        assert tags(index.select(channel=channel)) == tags(expected)
        for slug in index.slugs:
            assert tags(index.select(channel=channel, milestone=slug)) == tags(
                list_releases(loaded, Filters(channel=channel, milestone=slug))
            )
