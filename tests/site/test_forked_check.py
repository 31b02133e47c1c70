"""A build loads the registry in a forked process, which sends the site index and checks
the rules in a process of its own (a large registry's) while it makes the index.

The example registry is below the size where the check's fork pays, so these tests lower
the threshold; a wrapper around ``os.fork`` that logs every fork to a file, from any
process, proves the forks really happened and which process made them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from feedkit import copy_registry, tree

from registry_lib import forked
from registry_lib.errors import RelregError
from registry_lib.loader import load_directory
from registry_lib.site import build
from registry_lib.site.build import build_site
from registry_lib.site.index import SiteIndex, build_index

# A rule's error, not a file's: the approval names a milestone nobody defined.
UNKNOWN_MILESTONE = (
    "milestone: Not defined anywhere\ntag: 4.0.0\napprover: qa@example.com\n"
    "approved_at: 2023-06-01T00:00:00Z\n"
)


ForkLog = Callable[[], list[tuple[int, int]]]


@pytest.fixture
def fork_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ForkLog:
    """Check in a forked process on small registries; log every fork as (parent, child)."""
    monkeypatch.setattr(build, "FORK_CHECK_MIN", 0)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    log = tmp_path / "forks.log"
    real_fork = os.fork

    def fork() -> int:
        parent = os.getpid()
        pid = real_fork()
        if pid:
            with log.open("a") as f:
                f.write(f"{parent} {pid}\n")
        return pid

    monkeypatch.setattr(os, "fork", fork)

    def read() -> list[tuple[int, int]]:
        lines = log.read_text().split() if log.exists() else []
        return [(int(a), int(b)) for a, b in zip(lines[::2], lines[1::2], strict=True)]

    return read


@pytest.fixture
def forks(fork_log: ForkLog) -> Callable[[], list[int]]:
    """The children forked by this process (the builds' loaders)."""
    return lambda: [child for parent, child in fork_log() if parent == os.getpid()]


def test_a_site_checked_in_a_second_process_is_the_same(
    tmp_path: Path,
    fork_log: ForkLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = copy_registry(tmp_path / "data")
    build_site(registry, tmp_path / "forked", history=False)
    (loader, checker) = fork_log()
    assert loader[0] == os.getpid()  # this process forked the loader
    assert checker[0] == loader[1]  # which forked the checker
    monkeypatch.setattr(build, "FORK_CHECK_MIN", 10**9)
    build_site(registry, tmp_path / "inline", history=False)
    assert [parent for parent, _ in fork_log()[2:]] == [os.getpid()]  # the loader alone
    assert tree(tmp_path / "forked") == tree(tmp_path / "inline")


def test_a_site_loaded_in_this_process_is_the_same(
    tmp_path: Path, forks: Callable[[], list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = copy_registry(tmp_path / "data")
    held: list[object] = []
    build_site(registry, tmp_path / "forked", history=False, keep=held)
    assert len(forks()) == 1
    (received,) = [item for item in held if isinstance(item, SiteIndex)]
    # what the writing processes hold: the definitions, not one release folder
    assert received.reg.releases == {}
    assert sorted(received.reg.milestones) == ["build-green", "cloud-validated", "nightly-passed"]
    whole = build_index(load_directory(registry))
    assert [(e.channel, e.tag) for e in received.everything] == [
        (e.channel, e.tag) for e in whole.everything
    ]
    assert received.objects == whole.objects
    assert list(received.objects) == list(whole.objects)
    assert received.reached == whole.reached
    assert received.events == whole.events
    assert (received.slugs, received.channels) == (whole.slugs, whole.channels)
    assert received._digests == {tag: whole.digest(tag) for tag in whole.objects}
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    build_site(registry, tmp_path / "inline", history=False)
    assert len(forks()) == 1
    assert tree(tmp_path / "forked") == tree(tmp_path / "inline")


def test_an_error_while_loading_keeps_its_message(
    tmp_path: Path, forks: Callable[[], list[int]]
) -> None:
    with pytest.raises(RelregError, match=r"^no registry at .*missing: pass --registry DIR"):
        build_site(tmp_path / "missing", tmp_path / "site", history=False)
    assert len(forks()) == 1
    assert not (tmp_path / "site").exists()


def test_a_rule_error_found_by_the_child_stops_the_build_before_any_write(
    tmp_path: Path, fork_log: ForkLog
) -> None:
    registry = copy_registry(tmp_path / "data")
    out = tmp_path / "site"
    build_site(registry, out, history=False)
    before = tree(out)
    (registry / "releases/4.0/4.0.0/approvals/not-defined.yaml").write_text(UNKNOWN_MILESTONE)
    with pytest.raises(RelregError, match=r"\d+ validation errors?; run `relreg validate`"):
        build_site(registry, out, history=False)
    assert len(fork_log()) == 4  # each build's loader and checker
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]


def test_an_invalid_registry_explains_a_failure_while_preparing(
    tmp_path: Path, fork_log: ForkLog
) -> None:
    """Both wrong: the output folder is refused and a rule fails; the rule is reported."""
    registry = copy_registry(tmp_path / "data")
    (registry / "releases/4.0/4.0.0/approvals/not-defined.yaml").write_text(UNKNOWN_MILESTONE)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("not a site")
    with pytest.raises(RelregError, match="validation error"):
        build_site(registry, taken, history=False)
    (registry / "releases/4.0/4.0.0/approvals/not-defined.yaml").unlink()
    with pytest.raises(RelregError, match="not empty and was not written by"):
        build_site(registry, taken, history=False)
    assert len(fork_log()) == 4


def test_a_crash_in_the_child_is_an_error_not_a_hang() -> None:
    worker = forked.Forked(lambda: 1 // 0)
    with pytest.raises(RelregError, match="internal error in a worker process: Zero"):
        worker.result()


def test_a_relreg_error_in_the_child_keeps_its_message() -> None:
    def refuse() -> None:
        raise RelregError("the registry is gone; restore it")

    with pytest.raises(RelregError, match=r"^the registry is gone; restore it$"):
        forked.Forked(refuse).result()


def test_cancel_stops_and_reaps_the_child() -> None:
    worker = forked.Forked(lambda: time.sleep(60))
    pid = worker.pid
    assert pid is not None
    started = time.monotonic()
    worker.cancel()
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind
    worker.cancel()  # a second cancel is harmless


def test_results_cross_the_pipe_as_plain_data() -> None:
    value = {"errors": 3, "paths": ["a", "b"], "big": "x" * 1_000_000}
    assert forked.Forked(lambda: value).result() == value
    assert forked.start(lambda: value, worth_it=False).result() == value
