"""Large registries are parsed mostly in a forked process (loader.load_files): the same
records, line maps and findings as one process, and a dead worker is an error."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from registry_lib import loader
from registry_lib.errors import RelregError
from registry_lib.loader import DirectorySource, load_registry
from registry_lib.registry import Registry


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
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    two = load_registry(DirectorySource(registry))
    assert forks, "the worker process was not started"
    assert _summary(two) == _summary(one)
    assert len(one.findings) >= 5


def test_a_worker_that_dies_fails_the_load(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "PARALLEL_THRESHOLD", 1)
    parent = os.getpid()
    real_parse = loader.parse_file

    def parse_file(source: Any, path: str) -> Any:
        if os.getpid() != parent:
            os._exit(1)  # the worker dies mid-way
        return real_parse(source, path)

    monkeypatch.setattr(loader, "parse_file", parse_file)
    with pytest.raises(RelregError, match="a worker process died"):
        load_registry(DirectorySource(registry))
