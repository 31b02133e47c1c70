"""The record cache is invisible: a load with it equals a load without it, always.

Real folders and files; the cache is edited, damaged and outrun behind relreg's back.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from registry_lib import recordcache
from registry_lib.cache import write_file
from registry_lib.loader import DirectorySource, load_directory, load_registry
from registry_lib.recordcache import RecordCache
from registry_lib.registry import Registry
from registry_lib.site.build import build_site

DATA = Path(__file__).resolve().parents[2] / "data"
APPROVAL = "releases/3.74/3.74.0/approvals/nightly-passed.yaml"


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    # files written just now would be "racy" and not cached: pretend the cache is written
    # a minute later (test_racy_files_are_not_cached checks the real rule)
    monkeypatch.setattr(recordcache, "RACY_SECONDS", -60)
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def snapshot(reg: Registry) -> list[Any]:
    """Everything a load produced, in order: entries, records, line maps, findings."""
    out: list[Any] = [reg.config, sorted(reg.milestones.items()), reg.findings]
    for folder, entry in reg.releases.items():
        out.append((folder, entry.channel, entry.tag, entry.release))
        out.append([(k, a.path, a.record, a.lines) for k, a in entry.approvals.items()])
        if entry.release is not None:
            out.append(entry.release.lines)
    return out


def cached_load(root: Path) -> tuple[Registry, RecordCache]:
    cache = RecordCache(root)
    return load_registry(DirectorySource(root), cache=cache), cache


def release_files(root: Path) -> int:
    return len(list(root.glob("releases/*/*/release.yaml"))) + len(
        list(root.glob("releases/*/*/approvals/*.yaml"))
    )


def test_a_warm_load_reads_no_file_and_equals_a_plain_load(registry: Path) -> None:
    plain = snapshot(load_directory(registry))
    first, cache = cached_load(registry)
    assert cache.hits == 0
    second, cache = cached_load(registry)
    assert cache.hits == release_files(registry) > 40
    assert snapshot(first) == snapshot(second) == plain


def test_an_edit_that_keeps_size_and_time_is_seen(registry: Path) -> None:
    cached_load(registry)
    target = registry / APPROVAL
    before = target.stat()
    text = target.read_text()
    edited = text.replace("runs/4303078786", "runs/4303078787")
    assert len(edited) == len(text) and edited != text
    target.write_text(edited)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    reg, cache = cached_load(registry)
    assert cache.hits == release_files(registry) - 1
    assert snapshot(reg) == snapshot(load_directory(registry))
    assert "runs/4303078787" in str(snapshot(reg))


def test_added_and_removed_files_are_seen(registry: Path) -> None:
    cached_load(registry)
    (registry / APPROVAL).unlink()
    shutil.rmtree(registry / "releases/4.0/4.0.0")
    reg, _ = cached_load(registry)
    assert snapshot(reg) == snapshot(load_directory(registry))
    assert "releases/4.0/4.0.0" not in reg.releases


def test_files_with_findings_are_never_cached(registry: Path) -> None:
    target = registry / APPROVAL
    target.write_text(target.read_text().replace("approver:", "approved_by:"))
    for _ in range(2):
        reg, cache = cached_load(registry)
        assert cache.hits in (0, release_files(registry) - 1)
        assert any(f.path == APPROVAL for f in reg.findings)
        assert snapshot(reg) == snapshot(load_directory(registry))
    assert APPROVAL not in RecordCache(registry).old


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:100],
        lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:],
        lambda b: b"garbage",
        lambda b: b"",
    ],
    ids=["truncated", "one-bit", "garbage", "empty"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(registry: Path, damage: Any) -> None:
    cached_load(registry)
    cache_file = RecordCache(registry).file
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    reg, cache = cached_load(registry)
    assert cache.hits == 0
    assert snapshot(reg) == snapshot(load_directory(registry))
    assert cached_load(registry)[1].hits == release_files(registry)


def test_entries_of_the_wrong_shape_are_loaded_from_the_files(registry: Path) -> None:
    """A well-formed cache file whose entries this code did not write (e.g. edited)."""
    cached_load(registry)
    cache = RecordCache(registry)
    path, (sig, kind, values, fields, lines) = next(iter(cache.old.items()))
    wrong = {**cache.old, path: (sig, kind, {**values, "surprise": 1}, fields, lines)}
    write_file(cache.file, {"format": recordcache.FORMAT, "entries": wrong})
    reg, again = cached_load(registry)
    assert again.hits == release_files(registry) - 1
    assert snapshot(reg) == snapshot(load_directory(registry))


def test_racy_files_are_not_cached(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recordcache, "RACY_SECONDS", 2)
    target = registry / APPROVAL
    now = time.time_ns()
    old = now - 3_600 * 1_000_000_000
    for path in registry.rglob("*.yaml"):
        os.utime(path, ns=(old, old))
    target.write_text(target.read_text())  # modified just now
    cached_load(registry)
    assert APPROVAL not in RecordCache(registry).old
    # ctime is "now" for every file touched by utime, so nothing else is cached either
    assert cached_load(registry)[1].hits == 0


def test_no_cache_variable_turns_it_off(
    registry: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    assert RecordCache.open(registry) is None
    assert not RecordCache.exists(registry)
    build_site(registry, tmp_path / "site", history=False)
    build_site(registry, tmp_path / "site", history=False)
    assert not (tmp_path / "cache").exists()


def test_builds_use_it_only_where_builds_repeat(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_site(registry, tmp_path / "a", history=False)
    assert not RecordCache.exists(registry)  # a first build into a new folder
    build_site(registry, tmp_path / "a", history=False)  # a rebuild fills it
    assert RecordCache.exists(registry)
    target = registry / APPROVAL
    target.write_text(target.read_text().replace("runs/4303078786", "runs/1"))
    build_site(registry, tmp_path / "a", history=False)  # from the cache, plus one file
    fresh = build_site(registry, tmp_path / "b", history=False)  # a new folder, with cache
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    plain = build_site(registry, tmp_path / "c", history=False)
    assert first.files == fresh.files == plain.files
    for folder in ("a", "b"):
        for path in sorted((tmp_path / "c").rglob("*")):
            if path.is_file() and path.name != ".relreg-manifest.json":
                other = tmp_path / folder / path.relative_to(tmp_path / "c")
                assert other.read_bytes() == path.read_bytes(), (folder, path)


def test_a_small_change_is_read_again_until_changes_add_up(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One changed file does not rewrite the whole cache: the next loads read it again."""
    cached_load(registry)
    cache_file = RecordCache(registry).file
    before = cache_file.read_bytes()
    target = registry / APPROVAL
    target.write_text(target.read_text().replace("runs/4303078786", "runs/1"))
    for _ in range(2):
        reg, cache = cached_load(registry)
        assert cache.hits == release_files(registry) - 1
        assert snapshot(reg) == snapshot(load_directory(registry))
        assert cache_file.read_bytes() == before
    monkeypatch.setattr(recordcache, "small_change", lambda entries: 1)
    (registry / "releases/4.0/4.0.0/release.yaml").unlink()  # a second change: 1 + 2 > 1
    reg, _ = cached_load(registry)
    assert cache_file.read_bytes() != before
    again, cache = cached_load(registry)
    assert cache.hits == release_files(registry)
    assert snapshot(again) == snapshot(reg) == snapshot(load_directory(registry))
