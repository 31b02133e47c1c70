"""A large build checks the registry's rules in a forked process while it prepares pages.

The example registry is below the size where that pays, so these tests lower the
threshold; a wrapper around ``os.fork`` proves the fork really happened.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from feedkit import copy_registry, record_forks, tree

from registry_lib import forked
from registry_lib.errors import RelregError
from registry_lib.site import build
from registry_lib.site.build import build_site

# A rule's error, not a file's: the approval names a milestone nobody defined.
UNKNOWN_MILESTONE = (
    "milestone: Not defined anywhere\ntag: 4.0.0\napprover: qa@example.com\n"
    "approved_at: 2023-06-01T00:00:00Z\n"
)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Check in a forked process on small registries; record each real fork's child pid."""
    monkeypatch.setattr(build, "FORK_CHECK_MIN", 0)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    return record_forks(monkeypatch)


def test_a_site_checked_in_a_second_process_is_the_same(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = copy_registry(tmp_path / "data")
    build_site(registry, tmp_path / "forked", history=False)
    assert len(forks) == 1
    monkeypatch.setattr(build, "FORK_CHECK_MIN", 10**9)
    build_site(registry, tmp_path / "inline", history=False)
    assert len(forks) == 1
    assert tree(tmp_path / "forked") == tree(tmp_path / "inline")


def test_a_rule_error_found_by_the_child_stops_the_build_before_any_write(
    tmp_path: Path, forks: list[int]
) -> None:
    registry = copy_registry(tmp_path / "data")
    out = tmp_path / "site"
    build_site(registry, out, history=False)
    before = tree(out)
    (registry / "releases/4.0/4.0.0/approvals/not-defined.yaml").write_text(UNKNOWN_MILESTONE)
    with pytest.raises(RelregError, match=r"\d+ validation errors?; run `relreg validate`"):
        build_site(registry, out, history=False)
    assert len(forks) == 2
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]


def test_an_invalid_registry_explains_a_failure_while_preparing(
    tmp_path: Path, forks: list[int]
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
    assert len(forks) == 2


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
