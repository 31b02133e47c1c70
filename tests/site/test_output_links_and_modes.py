"""An output folder changed behind relreg's back in ways a byte comparison does not show:
folders replaced by symbolic links, and modes a web server cannot read. A rebuild must
give what a new build gives, and never read, write or delete through a link."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from feedkit import copy_registry, tree

from registry_lib.site import build
from registry_lib.site.build import build_site
from registry_lib.site.output import fresh_modes

CHANNEL = "api/v1/channels/4.0"


def built(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A registry, its site built twice (so the second build's record is trusted) and a
    new build of it elsewhere, for comparison."""
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site, history=False)
    build_site(reg, site, history=False)
    build_site(reg, tmp_path / "full", history=False)
    return reg, site, tmp_path / "full"


def modes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): stat.S_IMODE(p.lstat().st_mode)
        for p in [folder, *folder.rglob("*")]
        if p.name != ".relreg-manifest.json"
    }


def test_a_folder_moved_behind_a_link_is_made_again(tmp_path: Path) -> None:
    """Its files pass ``lstat`` through the link, yet the site would hold a link out."""
    reg, site, full = built(tmp_path)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(site / CHANNEL, moved / "4.0")
    (site / CHANNEL).symlink_to(moved / "4.0", target_is_directory=True)
    before = tree(moved)
    result = build_site(reg, site, history=False)
    assert not (site / CHANNEL).is_symlink()
    assert tree(site) == tree(full)
    assert tree(moved) == before  # nothing written or deleted out there
    assert 0 < result.written < result.files / 2  # in place: only that folder's files


def test_a_deleted_release_behind_a_link_deletes_nothing_outside(tmp_path: Path) -> None:
    reg, site, _ = built(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "index.html").write_text("precious")
    shutil.rmtree(site / "releases/4.0.0")
    (site / "releases/4.0.0").symlink_to(victim, target_is_directory=True)
    shutil.rmtree(reg / "releases/4.0/4.0.0")
    build_site(reg, site, history=False)
    build_site(reg, tmp_path / "new", history=False)
    assert (victim / "index.html").read_text() == "precious"
    assert not (site / "releases/4.0.0").exists()
    assert tree(site) == tree(tmp_path / "new")


def test_a_link_planted_as_a_temp_file_is_not_written_through(tmp_path: Path) -> None:
    reg, site, full = built(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    (site / ".relreg-manifest.json.relreg-tmp").symlink_to(outside)
    (site / "releases/4.0.0/index.html.relreg-tmp").symlink_to(outside)
    release = reg / "releases/4.0/4.0.0/release.yaml"
    release.write_text(release.read_text().replace("Link: https:", "Link: http:", 1))
    build_site(reg, site, history=False)  # rewrites that page and the manifest in place
    build_site(reg, full, history=False)
    assert outside.read_text() == "precious"
    assert tree(site) == tree(full)


def test_modes_a_web_server_cannot_read_are_repaired(tmp_path: Path) -> None:
    reg, site, full = built(tmp_path)
    file_mode, dir_mode = fresh_modes()
    assert modes(site) == modes(full)
    assert modes(full)["index.html"] == file_mode and modes(full)["releases"] == dir_mode
    (site / "index.html").chmod(0)
    (site / "feed.atom").chmod(0o600)
    (site / "releases").chmod(0o700)
    site.chmod(0o700)
    result = build_site(reg, site, history=False)
    assert modes(site) == modes(full)
    assert tree(site) == tree(full)
    assert result.written == 0  # set back with chmod, not written again


def test_a_build_made_aside_sets_the_mode_of_a_file_it_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hard links share the mode: a file kept by linking gets a new file's mode."""
    monkeypatch.setattr(build, "IN_PLACE_MIN", 0)  # data/ is small
    reg, site, full = built(tmp_path)
    (site / "releases/4.0.0/index.html").chmod(0o600)
    definition = reg / "milestones/build-green.yaml"
    definition.write_text(definition.read_text() + "description: Every build job passed.\n")
    inode = site.stat().st_ino
    result = build_site(reg, site, history=False)  # most pages change: made aside
    assert site.stat().st_ino != inode
    assert result.written < result.files  # unchanged files were linked
    build_site(reg, full, history=False)
    assert modes(site) == modes(full)
    assert tree(site) == tree(full)
