"""Large registries are parsed mostly in a forked process (loader.load_files), and
``relreg build`` reads the registry ahead while it imports (prefetch): the same records,
line maps and findings as one process, and a dead worker is an error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.generate import generate
from registry_lib import loader, prefetch, recordcache, sources
from registry_lib.cli import main
from registry_lib.errors import RelregError
from registry_lib.forked import Streamed
from registry_lib.loader import DirectorySource, load_directory, load_registry
from registry_lib.recordcache import RecordCache
from registry_lib.registry import Registry
from registry_lib.site.build import build_site


def _broken(root: Path) -> None:
    """Bad files of every kind the loader reports, spread through the registry."""
    folders = sorted((root / "releases").glob("*/*"))
    (folders[3] / "release.yaml").write_text("tag: [unclosed\n")
    (folders[40] / "release.yaml").write_text("tag: 9.9.9\ncommit: nothex\n")
    (folders[77] / "approvals" / "extra.yaml").write_text("- a list\n")
    (folders[150] / "approvals" / "notes.md").write_text("a stray file\n")
    (folders[-1] / "release.yaml").write_bytes(b"\xff\xfe not utf-8")


def _summary(reg: Registry) -> list[Any]:
    out: list[Any] = [sorted(reg.findings, key=repr)]
    for folder, entry in sorted(reg.releases.items()):
        loaded = [entry.release, *(entry.approvals[k] for k in sorted(entry.approvals))]
        for item in loaded:
            if item is None:
                out.append((folder, None))
                continue
            record = item.record.model_dump() if item.record is not None else None
            out.append((folder, item.path, record, item.lines))
    return out


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel") / "reg"
    generate(root, 300)
    _broken(root)
    return root


def test_parallel_load_equals_one_process(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = load_registry(DirectorySource(registry), parallel=False)
    monkeypatch.setattr(loader, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(loader, "PARSE_CHUNK", 5)  # many chunks, taken by both processes
    workers: list[Streamed] = []

    class Recorded(Streamed):
        def __init__(self, fn: Any) -> None:
            super().__init__(fn)
            workers.append(self)

    monkeypatch.setattr(loader, "Streamed", Recorded)
    two = load_registry(DirectorySource(registry))
    assert workers and workers[0].pid is None, "no worker process was started and reaped"
    assert _summary(two) == _summary(one)
    assert len(one.findings) >= 5


def test_a_worker_that_dies_fails_the_load(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "PARALLEL_THRESHOLD", 1)
    parent = os.getpid()
    real_parse = sources.parse_file

    def parse_file(source: Any, path: str) -> Any:
        if os.getpid() != parent:
            os._exit(1)  # the worker dies mid-way
        return real_parse(source, path)

    monkeypatch.setattr(sources, "parse_file", parse_file)  # the worker's parser
    with pytest.raises(RelregError, match="a worker process died"):
        load_registry(DirectorySource(registry))


def test_a_registry_read_ahead_loads_the_same(registry: Path) -> None:
    one = load_registry(DirectorySource(registry), parallel=False)
    early = prefetch.start(registry)
    assert early is not None
    ahead = load_directory(registry, prefetched=early)
    assert _summary(ahead) == _summary(one)
    assert early.child.pid is None  # the child has ended and was reaped


def test_a_rebuild_takes_the_walk_read_ahead_and_the_rest_from_its_cache(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    # files written just now would be "racy" and not cached: as if cached a minute later
    monkeypatch.setattr(recordcache, "RACY_SECONDS", -60)
    one = load_registry(DirectorySource(registry), parallel=False)
    load_directory(registry, cached=True)  # fills the record cache
    early = prefetch.start(registry)
    assert early is not None
    hits: list[str] = []
    real_get = RecordCache.get

    def get(self: RecordCache, path: str, *args: Any) -> Any:
        found = real_get(self, path, *args)
        if found is not None:
            hits.append(path)
        return found

    monkeypatch.setattr(RecordCache, "get", get)
    again = load_directory(registry, cached=True, prefetched=early)
    assert _summary(again) == _summary(one)
    assert len(hits) > 400  # from the cache, not from the read-ahead
    assert early.child.pid is None


def test_a_read_ahead_not_needed_is_stopped(registry: Path, tmp_path: Path) -> None:
    early = prefetch.start(registry)
    assert early is not None
    elsewhere = tmp_path / "copy"
    shutil.copytree(registry, elsewhere)
    (elsewhere / "releases" / "extra.txt").write_text("only in the copy\n")
    reg = load_directory(elsewhere, prefetched=early)  # another folder: read it here
    assert any(f.path == "releases/extra.txt" for f in reg.findings)
    assert early.child.pid is None


def test_a_read_ahead_child_that_dies_fails_the_load(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parse_file(source: Any, path: str) -> Any:
        os._exit(1)

    monkeypatch.setattr(sources, "parse_file", parse_file)
    early = prefetch.start(registry)
    with pytest.raises(RelregError, match="a worker process died"):
        load_directory(registry, prefetched=early)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_relreg_build_reads_the_registry_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "reg"
    generate(root, 80)
    started: list[prefetch.Prefetch] = []
    real_start = prefetch.start

    def start(at: Path) -> prefetch.Prefetch | None:
        early = real_start(at)
        assert early is not None
        started.append(early)
        return early

    monkeypatch.setattr(prefetch, "start", start)
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    result = CliRunner().invoke(
        main, ["--registry", str(root), "build", "--out", str(tmp_path / "ahead")]
    )
    assert result.exit_code == 0, result.output
    assert started and started[0].root == root and started[0].child.pid is None
    build_site(root, tmp_path / "plain")
    assert _tree(tmp_path / "ahead") == _tree(tmp_path / "plain")
