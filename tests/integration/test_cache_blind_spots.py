"""Changes Git does not name, or names in a way easy to misread, still reach the cached
answers: each case here once made a cached ``validate`` differ from an uncached one."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from cachekit import DATA, commit, git

from registry_lib import gitutil, snapshot, worktree
from registry_lib.findings import Finding
from registry_lib.loader import load_directory
from registry_lib.rules import validate
from registry_lib.snapshot import analyze

RunLine = Callable[..., tuple[int, str, str]]
APPROVALS = "releases/3.74/3.74.1/approvals"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled (not changed just before the run)."""
    monkeypatch.setattr(snapshot, "RACY_NS", -60_000_000_000)


def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str = "data") -> Path:
    """``data/`` committed in a new repository as ``folder``; caches in ``tmp_path``."""
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    top = tmp_path / "repo"
    shutil.copytree(DATA, top / folder)
    git(top, "init", "-q")
    commit(top, "init")
    return top / folder


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None) -> Path:
    return make_repo(tmp_path, monkeypatch)


def same_as_uncached(registry: Path) -> list[Finding]:
    """The cached findings, checked equal to a load without any cache."""
    expected = sorted(validate(load_directory(registry)), key=lambda f: f.sort_key())
    found = analyze(registry).findings
    assert found == expected
    return found


def codes(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.path, f.code) for f in findings}


@pytest.mark.parametrize("kind", ["named pipe", "socket"])
def test_a_named_pipe_or_socket_git_never_names(
    repo: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_as_uncached(repo)  # fills the cache
    target = repo / APPROVALS / "cloud-validated.yaml"
    if kind == "named pipe":
        os.mkfifo(target)
    else:
        monkeypatch.chdir(target.parent)  # a socket's path is limited to ~100 bytes
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(target.name)
    found = same_as_uncached(repo)
    assert (f"{APPROVALS}/cloud-validated.yaml", "RR100") in codes(found)


@pytest.mark.parametrize(
    "where", ["releases/3.74/3.74.0/.git", "releases/3.74/3.74.1/.git/config", "releases/3.74/.git"]
)
def test_entries_named_dot_git_that_git_skips(repo: Path, where: str) -> None:
    same_as_uncached(repo)
    (repo / where).parent.mkdir(parents=True, exist_ok=True)
    (repo / where).write_text("[core]\n", encoding="utf-8")
    found = same_as_uncached(repo)
    assert (where, "RR110") in codes(found)


def test_a_folder_name_that_is_not_utf8(repo: Path) -> None:
    same_as_uncached(repo)
    folder = os.path.join(os.fsencode(repo), b"releases/3.74/3.74.9\xff")
    os.mkdir(folder)
    release = (repo / "releases/3.74/3.74.1/release.yaml").read_bytes()
    with open(os.path.join(folder, b"release.yaml"), "wb") as fh:
        fh.write(release.replace(b"3.74.1", b"3.74.9"))
    found = same_as_uncached(repo)
    assert {f.code for f in found} >= {"RR201", "RR206"}


@pytest.mark.parametrize("change", ["symlink", "plain file", "ignored"])
def test_the_releases_folder_itself(repo: Path, tmp_path: Path, change: str) -> None:
    same_as_uncached(repo)
    releases = repo / "releases"
    if change == "symlink":
        shutil.move(releases, tmp_path / "moved")
        releases.symlink_to(tmp_path / "moved")
        expected = ("releases", "RR109")
    elif change == "plain file":
        shutil.rmtree(releases)
        releases.write_text("not a folder\n", encoding="utf-8")
        expected = ("releases", "RR110")
    else:
        git(repo.parent, "rm", "-r", "-q", "--cached", "data/releases")
        (repo.parent / ".gitignore").write_text("data/releases/\n", encoding="utf-8")
        commit(repo.parent, "releases are not tracked")
        same_as_uncached(repo)  # a cache for the new tree
        (repo / APPROVALS / "cloud-validated.yaml").write_text("milestone: [\n", "utf-8")
        expected = (f"{APPROVALS}/cloud-validated.yaml", "RR100")
    found = same_as_uncached(repo)
    assert expected in codes(found)


def test_a_registry_folder_named_like_pathspec_magic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None, run_line: RunLine
) -> None:
    """Git reads ":registry" as magic unless told paths are literal: the full check and
    ``validate --base`` (plain scan and private index) must see inside the real folder."""
    registry = make_repo(tmp_path, monkeypatch, ":registry")
    monkeypatch.setattr(worktree, "SAVE_AFTER_SECONDS", -1)  # the private index at once
    same_as_uncached(registry)
    bad = registry / APPROVALS / "cloud-validated.yaml"
    bad.write_text("milestone: [\n", encoding="utf-8")
    found = same_as_uncached(registry)
    assert (f"{APPROVALS}/cloud-validated.yaml", "RR100") in codes(found)
    args = ["--registry", str(registry), "validate", "--base", "HEAD"]
    uncached = run_line(args, env={"RELREG_NO_CACHE": "1"})
    assert uncached[0] == 1 and "RR100" in uncached[1] + uncached[2]
    for _ in range(3):  # the plain scan first, then the private index
        assert run_line(args, env={"RELREG_CACHE_DIR": str(tmp_path / "cache")}) == uncached


@pytest.mark.parametrize("kind", ["named pipe", "folder"])
def test_entries_directly_in_releases_change_kind(repo: Path, kind: str) -> None:
    """A name in ``releases/`` (or a channel folder) that turns from a file into a folder
    or back is read again, with what the folder holds."""
    odd = repo / "releases" / "odd"
    if kind == "named pipe":
        os.mkfifo(odd)
    else:
        odd.mkdir()
    same_as_uncached(repo)
    if kind == "named pipe":
        odd.unlink()
        (odd / "1.0.0").mkdir(parents=True)
        os.mkfifo(odd / "1.0.0" / "release.yaml")
        expected = ("releases/odd/1.0.0/release.yaml", "RR100")
    else:
        odd.rmdir()
        os.mkfifo(odd)
        expected = ("releases/odd", "RR110")
    assert expected in codes(same_as_uncached(repo))


@pytest.mark.parametrize("what", ["releases/3.74", "releases"])
def test_a_folder_above_the_releases_becomes_a_link(repo: Path, what: str) -> None:
    """Cached folders below a folder now reached through a link are not trusted: the
    registry is read again (a named pipe no Git command names is inside)."""
    hidden = repo / "releases/3.74/9.9.9"
    hidden.mkdir()
    os.mkfifo(hidden / "release.yaml")
    same_as_uncached(repo)
    folder = repo / what
    folder.rename(folder.with_name(folder.name + ".real"))
    folder.symlink_to(folder.name + ".real")
    assert (what, "RR109") in codes(same_as_uncached(repo))


def test_releases_gone_or_arriving_with_what_git_does_not_name(repo: Path) -> None:
    os.mkfifo(repo / "releases" / "odd")
    same_as_uncached(repo)
    shutil.rmtree(repo / "releases")
    assert same_as_uncached(repo) == []  # the cached RR110 of releases/odd is gone too
    git(repo.parent, "add", "-A")
    commit(repo.parent, "no releases")
    same_as_uncached(repo)  # a cache for a registry without releases/
    (repo / "releases/1/1.0.0").mkdir(parents=True)
    os.mkfifo(repo / "releases/1/1.0.0/release.yaml")
    assert ("releases/1/1.0.0/release.yaml", "RR100") in codes(same_as_uncached(repo))


@pytest.mark.parametrize("kind", ["symlink", "file"])
def test_a_committed_releases_that_is_not_a_folder(repo: Path, kind: str) -> None:
    shutil.rmtree(repo / "releases")
    if kind == "symlink":
        (repo / "releases").symlink_to("milestones")
    else:
        (repo / "releases").write_text("x\n", encoding="utf-8")
    git(repo.parent, "add", "-A")
    commit(repo.parent, "releases is not a folder")
    same_as_uncached(repo)
    assert ("releases", "RR109" if kind == "symlink" else "RR110") in codes(same_as_uncached(repo))


def test_git_blocked_by_a_named_pipe_is_not_waited_for(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git status opens every .gitignore it meets: a named pipe there blocks it for good.
    relreg stops waiting after gitutil.GIT_TIMEOUT and reads the registry itself."""
    monkeypatch.setattr(gitutil, "GIT_TIMEOUT", 1.0)
    same_as_uncached(repo)
    os.mkfifo(repo / "releases/3.74/.gitignore")
    assert ("releases/3.74/.gitignore", "RR111") in codes(same_as_uncached(repo))


@pytest.mark.parametrize("cached", [True, False])
def test_validate_base_blocked_by_a_named_pipe_says_so(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_line: RunLine, cached: bool
) -> None:
    """``validate --base`` needs Git's answer: when Git blocks on a named pipe it reads,
    relreg stops after gitutil.GIT_TIMEOUT with an error naming the cause."""
    monkeypatch.setattr(gitutil, "GIT_TIMEOUT", 1.0)
    monkeypatch.setattr(worktree, "SAVE_AFTER_SECONDS", -1)
    os.mkfifo(repo / "releases/3.74/.gitignore")
    env = {"RELREG_CACHE_DIR": str(tmp_path / "cache")} if cached else {"RELREG_NO_CACHE": "1"}
    for _ in range(2 if cached else 1):  # the plain scan, then the private index
        code, out, err = run_line(["--registry", str(repo), "validate", "--base", "HEAD"], env=env)
        assert code == 1
        assert "gave no answer within 1 s" in err and ".gitignore" in err
        assert "Traceback" not in out + err
