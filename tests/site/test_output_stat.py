"""A rebuild never keeps an output file edited behind relreg's back (outputstat.py).

An edit that keeps the file's size and sets its modification time back is the hard
case: the change time still moves, so the recorded signature no longer matches and the
file is hashed; without a record every kept file is hashed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feedkit import copy_registry, record_forks, tree

from registry_lib import forked
from registry_lib.site import output, outputstat
from registry_lib.site.build import build_site

PAGE = "releases/4.0.0/index.html"


def sneaky_edit(page: Path) -> bytes:
    """Change one word of ``page`` keeping its size and times; the bytes before."""
    stat = page.stat()
    data = page.read_bytes()
    page.write_bytes(data.replace(b"4.0.0", b"6.6.6", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert page.stat().st_size == stat.st_size
    return data


def first_build(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example registry and its site, built once."""
    reg = copy_registry(tmp_path / "data")
    build_site(reg, tmp_path / "site")
    return reg, tmp_path / "site"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of kept files the writer hashed (it hashes through hashlib.file_digest)."""
    seen: list[str] = []
    real: Callable[..., Any] = hashlib.file_digest

    def spy(fh: Any, digest: str) -> Any:
        seen.append(fh.name)
        return real(fh, digest)

    monkeypatch.setattr(output.hashlib, "file_digest", spy)
    return seen


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record every file, however recent (tests build faster than any clock tick matters)."""
    monkeypatch.setattr(outputstat, "FINE_RACY_NS", 0)
    monkeypatch.setattr(outputstat, "COARSE_RACY_NS", 0)


@pytest.mark.parametrize("cache", ["with record", "without cache"])
def test_an_edit_keeping_size_and_time_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    if cache == "without cache":
        monkeypatch.setenv("RELREG_NO_CACHE", "1")
    reg, site = first_build(tmp_path)
    page = site / PAGE
    original = sneaky_edit(page)
    build_site(reg, site)
    assert page.read_bytes() == original
    build_site(reg, tmp_path / "full")
    assert tree(site) == tree(tmp_path / "full")


def test_files_matching_their_record_are_not_read(
    tmp_path: Path, hashed: list[str], no_racy_window: None
) -> None:
    reg, site = first_build(tmp_path)
    again = build_site(reg, site)
    assert again.written == 0
    assert hashed == []  # every kept file matched its signature
    sneaky_edit(site / PAGE)
    build_site(reg, site)
    assert hashed == [str(site / PAGE)]


def test_without_a_record_every_kept_file_is_hashed(
    tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    reg, site = first_build(tmp_path)
    again = build_site(reg, site)
    assert again.written == 0
    assert len(hashed) == again.files  # made or not, each kept file was read


def test_files_changed_just_before_the_record_are_hashed_next_time(
    tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a window wider than the whole build: every file is racy, however slow the machine
    # (with the real 0.1 s window, a slow build's first files would be recorded)
    monkeypatch.setattr(outputstat, "FINE_RACY_NS", 600 * 10**9)
    monkeypatch.setattr(outputstat, "COARSE_RACY_NS", 600 * 10**9)
    reg, site = first_build(tmp_path)  # all written within the racy window: none recorded
    again = build_site(reg, site)
    assert len(hashed) == again.files  # made or not, each kept file was read


def test_a_record_of_another_manifest_is_ignored(
    tmp_path: Path, hashed: list[str], no_racy_window: None
) -> None:
    reg, site = first_build(tmp_path)
    manifest = site / ".relreg-manifest.json"
    text = manifest.read_bytes()
    manifest.write_bytes(text.replace(b'"version": 1', b'"version":  1', 1))
    again = build_site(reg, site)
    assert again.written == 0
    assert len(hashed) == again.files  # made or not, each kept file was read


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_record_is_ignored(
    tmp_path: Path, hashed: list[str], no_racy_window: None, damage: str
) -> None:
    reg, site = first_build(tmp_path)
    record = outputstat._file(site)
    blob = record.read_bytes()
    record.write_bytes(
        {"garbage": os.urandom(len(blob)), "truncated": blob[: len(blob) // 2], "empty": b""}[
            damage
        ]
    )
    original = sneaky_edit(site / PAGE)
    build_site(reg, site)
    assert (site / PAGE).read_bytes() == original
    assert len(hashed) > 1  # nothing was trusted on its signature


def test_both_forked_writers_record_their_files(
    tmp_path: Path, hashed: list[str], no_racy_window: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)
    monkeypatch.setattr(output, "can_fork", lambda: True)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    forks = record_forks(monkeypatch)
    reg = copy_registry(tmp_path / "data")
    site = tmp_path / "site"
    build_site(reg, site, history=False)
    assert len(forks) == 3  # the registry's loader and the two writers
    build_site(reg, site, history=False)
    assert hashed == []
