"""Incremental builds: a rebuild over a previous site equals a full build, byte for byte."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from feedkit import DATA, copy_registry, tree

from registry_lib.errors import RelregError
from registry_lib.loader import load_directory
from registry_lib.query import Filters, list_releases
from registry_lib.site import build, output
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
    # release, channel and milestone pages, every release's JSON, every document made of
    # release objects (lists and latest.json) and every other feed document (events,
    # index, channels, milestones and each definition) are not even made
    keyed = [
        p
        for p in before
        if re.fullmatch(r"(releases|channels|milestones)/[^/]+/index\.html", p)
        or re.fullmatch(r"api/v1/(.+/)?(releases|rejected|latest)\.json|api/v1/releases/.+", p)
        or re.fullmatch(r"api/v1/(events|index|channels|milestones)\.json", p)
        or re.fullmatch(r"api/v1/milestones/[^/]+\.json", p)
    ]
    assert len(keyed) > 27 + 3 + 3 + 27 + 3 + 6 + 6 + 4 + 3
    assert result.files - result.made == len(keyed)


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


def test_page_folders_replaced_behind_the_tools_back_are_folders_again(tmp_path: Path) -> None:
    """A page's folder replaced by a file, or by a link to a folder outside the site: the
    next (in-place) build makes it a folder again and writes nothing through the link."""
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    build_site(reg, tmp_path / "full")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(site / "releases/4.0.0")
    (site / "releases/4.0.0").write_text("not a folder")
    shutil.rmtree(site / "releases/3.73.3")
    (site / "releases/3.73.3").symlink_to(outside, target_is_directory=True)
    result = build_site(reg, site)
    assert result.written < result.files / 2  # in place, not a full build
    assert tree(site) == tree(tmp_path / "full")
    assert not (site / "releases/3.73.3").is_symlink()
    assert list(outside.iterdir()) == []


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


def test_an_incremental_build_changes_only_what_changed_in_place(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    unchanged = site / "releases/4.0.0/index.html"
    changed = site / f"api/v1/{NIGHTLY.replace('releases/4.0/', 'releases/')}.json"
    before = (unchanged.stat().st_ino, changed.stat().st_ino, site.stat().st_ino)
    new_approval(reg)
    result = build_site(reg, site)
    assert 0 < result.written < result.files / 4
    assert unchanged.stat().st_ino == before[0], "an unchanged file is left alone"
    assert changed.stat().st_ino != before[1], "a changed file is replaced atomically"
    assert site.stat().st_ino == before[2], "no new tree is swapped in"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site"]
    assert not [p for p in site.rglob("*") if p.name.endswith(".relreg-tmp")]


def test_a_deleted_release_leaves_no_files_or_folders(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    shutil.rmtree(reg / NIGHTLY)
    build_site(reg, site)
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")
    assert not (site / "releases/4.0.x-nightly-20230520").exists()


def test_a_render_error_in_an_incremental_build_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry_lib.site.pages as pages

    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    before = tree(site)
    new_approval(reg)
    real = pages.render_page

    def broken(env: object, page: pages.Page) -> bytes:
        if page.path == "releases/index.html":
            raise RuntimeError("template blew up")
        return real(env, page)  # type: ignore[arg-type]

    monkeypatch.setattr(pages, "render_page", broken)
    with pytest.raises(RuntimeError, match="blew up"):
        build_site(reg, site)
    assert tree(site) == before
    monkeypatch.undo()
    result = build_site(reg, site)  # the manifest is still trusted: incremental
    assert result.made < result.files
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")


def test_an_interrupted_in_place_build_makes_the_next_build_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    new_approval(reg)
    real = output.write_atomic
    calls = []

    def crash(target: str, data: bytes, mtime: int | None) -> None:
        calls.append(target)
        if len(calls) == 3:  # the "incomplete" marker, one file, then a crash
            raise KeyboardInterrupt
        real(target, data, mtime)

    monkeypatch.setattr(output, "write_atomic", crash)
    with pytest.raises(KeyboardInterrupt):
        build_site(reg, site)
    assert json.loads((site / MANIFEST).read_text()) == {"version": 1, "incomplete": True}
    monkeypatch.undo()
    (site / "index.html").write_text("half-written site")  # an old file is never trusted
    result = build_site(reg, site)
    assert result.made == result.files
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")


def test_a_manifest_naming_files_outside_the_site_is_not_trusted(tmp_path: Path) -> None:
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    (tmp_path / "precious.txt").write_text("keep me")
    manifest = site / MANIFEST
    doc = json.loads(manifest.read_text())
    doc["files"]["../precious.txt"] = "0" * 64
    doc["sizes"]["../precious.txt"] = 7
    manifest.write_text(json.dumps(doc))
    result = build_site(reg, site)
    assert result.made == result.files
    assert (tmp_path / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("named", ["api/v1", "releases", "api"])
def test_a_manifest_naming_a_folder_of_its_files_is_not_trusted(tmp_path: Path, named: str) -> None:
    """Trusted, an in-place build would delete the folder with the files it keeps."""
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    manifest = site / MANIFEST
    doc = json.loads(manifest.read_text())
    doc["files"][named] = "0" * 64
    doc["sizes"][named] = 1
    manifest.write_text(json.dumps(doc))
    deleted_approval(reg)  # a small change: an in-place build, were the manifest trusted
    result = build_site(reg, site)
    assert result.made == result.files
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_mode)
        for p in folder.rglob("*")
    }


@pytest.mark.parametrize("forked", [False, True])
def test_a_failed_build_made_aside_changes_no_file_of_the_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """A build made aside links the unchanged files of the previous site: the links are
    those very files, so their new time and mode must wait until every file is made."""
    if forked:
        monkeypatch.setattr(output, "PARALLEL_MIN", 1)
        monkeypatch.setattr(output, "can_fork", lambda: True)
    monkeypatch.setattr(build, "IN_PLACE_MIN", 0)  # the example's ~100 pages: made aside
    monkeypatch.setattr(build, "IN_PLACE_SHARE", 0.0)
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_site(reg, site, history=False)
    kept = site / "api/v1/milestones.json"  # the same inputs in every build below
    kept.chmod(0o600)  # a mode no build gives: a build that keeps it makes it 0644
    before, content = _stats(site), tree(site)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # the build time moves
    # every page changes (made aside), and one fails
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "release.html").write_text(
        '{% extends "!default/release.html" %}{% block content %}'
        '{% if release.tag == "4.0.0" %}{{ no_such_value.x }}{% endif %}{% endblock %}'
    )
    with pytest.raises(RelregError, match="no_such_value"):
        build_site(reg, site, templates=broken, history=False)
    assert _stats(site) == before
    assert tree(site) == content
    # the same build without the failure gives the kept file the build's time and mode
    (broken / "release.html").write_text('{% extends "!default/release.html" %}')
    result = build_site(reg, site, templates=broken, history=False)
    assert 0 < result.made < result.files  # the feed's documents were kept (linked)
    assert kept.stat().st_mtime == 1800000000
    assert kept.stat().st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_dumps_indented_equals_json_dumps() -> None:
    import random

    from registry_lib.site.index import dumps_indented

    fixed: list[object] = [
        {},
        [],
        {"a": {}, "b": [], "c": [{}], "d": [[]]},
        {"é": 'ü\n\t"\\</script>', "n": None, "t": True, "f": False},
        [0, -1, 10**30, 1.5, -0.0, 1e300, float("nan"), float("inf"), float("-inf")],
        {1: "int key", None: "none key", 2.5: "float key", False: "bool key"},
        {"a": None, "b": 1, 3: "an int key after remembered ones", "c": {"a": None}},
        ("tu", "ple", [("nested",)]),
        "\u2028\x00\x1f",
    ]
    rand = random.Random(7)

    def make(depth: int) -> object:
        roll = rand.random()
        if depth > 3 or roll < 0.4:
            return rand.choice([None, True, False, 0, 7, -3.25, "x", "ä\n", ""])
        if roll < 0.7:
            keys = [rand.choice("abcdé") + str(i) for i in range(rand.randrange(4))]
            return {key: make(depth + 1) for key in keys}
        return [make(depth + 1) for _ in range(rand.randrange(4))]

    for obj in fixed + [make(0) for _ in range(500)]:
        assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False), obj
    loaded = load_directory(DATA)
    index = build_index(loaded)
    for entry in index.everything:
        assert index.text(entry) == json.dumps(index.obj(entry), indent=2, ensure_ascii=False)


def test_when_most_pages_change_the_build_is_made_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new template changes every release page: not held in memory, built aside."""
    from registry_lib.site import build

    monkeypatch.setattr(build, "IN_PLACE_MIN", 0)  # data/ is small
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site)
    inode = site.stat().st_ino
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "release.html").write_text(
        '{% extends "!default/release.html" %}{% block footer %}Mirror{% endblock %}\n'
    )
    result = build_site(reg, site, templates=templates)
    assert site.stat().st_ino != inode, "swapped in, not updated in place"
    assert result.written < result.files, "unchanged files are still linked, not written"
    build_site(reg, tmp_path / "full", templates=templates)
    assert tree(site) == tree(tmp_path / "full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "full", "site", "templates"]
    inode = site.stat().st_ino
    new_approval(reg)
    build_site(reg, site, templates=templates)
    assert site.stat().st_ino == inode, "few changes: in place"
    build_site(reg, tmp_path / "full2", templates=templates)
    assert tree(site) == tree(tmp_path / "full2")


def test_a_template_in_a_linked_folder_counts_in_the_fingerprints(tmp_path: Path) -> None:
    """Jinja follows a linked folder of the templates; so must the pages' fingerprints,
    or an edit there would leave every page as it was (a link back up is read once)."""
    reg = copy_registry(tmp_path / "data")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "foot.html").write_text("Footer v1\n")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "parts").symlink_to(shared, target_is_directory=True)
    (shared / "loop").symlink_to(templates, target_is_directory=True)
    (templates / "release.html").write_text(
        '{% extends "!default/release.html" %}'
        '{% block footer %}{% include "parts/foot.html" %}{% endblock %}\n'
    )
    site = tmp_path / "site"
    build_site(reg, site, templates=templates)
    (shared / "foot.html").write_text("Footer v2\n")
    build_site(reg, site, templates=templates)
    build_site(reg, tmp_path / "full", templates=templates)
    assert tree(site) == tree(tmp_path / "full")
    assert b"Footer v2" in (site / "releases/4.0.0/index.html").read_bytes()


def test_a_build_leaves_nothing_of_the_registry_to_the_cyclic_collector(tmp_path: Path) -> None:
    # A reference cycle through the registry once left the whole of it (83,000 objects at
    # 10,000 releases) for the collector after every build; reference counting frees it.
    import gc

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept, to be looked at
    try:
        build_site(DATA, tmp_path / "site", history=False)
        gc.collect()
        kinds = {type(found).__name__ for found in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kinds, "the collector found nothing at all: the check could not see a cycle"
    assert not kinds & {"Registry", "ReleaseEntry", "Loaded", "Release", "Approval", "SiteIndex"}
