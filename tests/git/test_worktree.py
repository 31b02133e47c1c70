"""``validate --base`` finds changed files through a private index: never a different answer.

Every check compares the fast answer (``git status`` on relreg's private copy of the index,
with Git's untracked cache) with the plain one (``git diff BASE`` + ``git ls-files
--others``) after changing the work tree, the index and HEAD behind the copy's back.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gitkit import (  # noqa: F401 (fixtures are used by name)
    MAINT,
    Repo,
    git_env_fixture,
    make_repo_fixture,
    registry_repo_fixture,
    relreg_fixture,
)

from registry_lib import worktree
from registry_lib.errors import GitError

APPROVAL = (
    "milestone: Nightly passed\ntag: {tag}\napprover: qa@example.org\n"
    "approved_at: 2024-05-01T10:00:00Z\nmetadata:\n  BuildURL: https://ci.example.org/9\n"
    '  NumberOfCIFailures: "0"\n'
)
REL = "data/releases/4.0/4.0.0"


@pytest.fixture(name="cache")
def cache_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "relreg-cache"
    monkeypatch.setenv("RELREG_CACHE_DIR", str(folder))
    return folder


def fast(repo: Repo, base: str = "HEAD", prefix: str = "data", need: bool = False) -> list[str]:
    """The answer through the private index, failing on any error (the plain one on the
    first run in a repository, unless ``need``)."""
    scan = worktree.start_scan(repo.path)
    if scan is None:
        assert not need, "the private index did not answer"
        return plain(repo, base, prefix)
    return scan.changed_paths(prefix, repo.head(base))


def fallback(repo: Repo, base: str = "HEAD", prefix: str = "data") -> list[str]:
    """The answer as ``validate --base`` gets it: the plain one when the private one fails."""
    scan = worktree.start_scan(repo.path)
    return worktree.changed_paths(repo.path, prefix, repo.head(base), scan)


def plain(repo: Repo, base: str = "HEAD", prefix: str = "data") -> list[str]:
    return worktree.plain_changed_paths(repo.path, prefix, repo.head(base))


def same(repo: Repo, base: str = "HEAD", prefix: str = "data") -> list[str]:
    """The plain answer, and the fast one three times (an index seen for the first time,
    the copy being made, the copy used); they must agree."""
    expected = plain(repo, base, prefix)
    for run in range(3):
        assert fast(repo, base, prefix, need=run == 2) == expected
    return expected


def copies(cache: Path) -> list[Path]:
    return sorted((cache / "git-index").glob("*.index"))


def test_untracked_edited_and_deleted_files_behind_the_copy(
    registry_repo: Repo, cache: Path
) -> None:
    repo = registry_repo
    assert same(repo) == []
    assert len(copies(cache)) == 1
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    # A new release folder, two levels of new folders at once.
    repo.write("data/releases/5.0/5.0.0/release.yaml", "tag: 5.0.0\n")
    repo.write("data/releases/5.0/5.0.0/approvals/x.yaml", "x: 1\n")
    assert "releases/5.0/5.0.0/approvals/x.yaml" in same(repo)
    # An edit in place that keeps the size, and one that keeps the size and the mtime.
    release = repo.path / REL / "release.yaml"
    text = release.read_text()
    stat = release.stat()
    release.write_text(text.replace("4.0.0", "4.0.1", 1))
    assert "releases/4.0/4.0.0/release.yaml" in same(repo)
    release.write_text(text.replace("4.0.0", "4.0.2", 1))
    os.utime(release, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "releases/4.0/4.0.0/release.yaml" in same(repo)
    release.write_text(text)  # back to the committed content: no longer a change
    assert "releases/4.0/4.0.0/release.yaml" not in same(repo)
    (repo.path / REL / "approvals" / "build-green.yaml").unlink()
    assert "releases/4.0/4.0.0/approvals/build-green.yaml" in same(repo)
    (repo.path / "data/releases/5.0/5.0.0/approvals/x.yaml").unlink()
    assert "releases/5.0/5.0.0/approvals/x.yaml" not in same(repo)


def test_gitignore_rules_and_their_changes(registry_repo: Repo, cache: Path) -> None:
    repo = registry_repo
    repo.write(f"{REL}/notes.txt", "draft\n")
    repo.write(f"{REL}/approvals/scratch.yaml", "x: 1\n")
    assert same(repo) == [
        "releases/4.0/4.0.0/approvals/scratch.yaml",
        "releases/4.0/4.0.0/notes.txt",
    ]
    repo.write("data/.gitignore", "*.txt\n")  # ignores an untracked file the copy has seen
    assert same(repo) == [".gitignore", "releases/4.0/4.0.0/approvals/scratch.yaml"]
    repo.write(".git/info/exclude", "scratch.yaml\n")
    assert same(repo) == [".gitignore"]
    (repo.path / "data/.gitignore").unlink()
    assert same(repo) == ["releases/4.0/4.0.0/notes.txt"]
    # A tracked file that an ignore rule matches still counts when it changes.
    repo.write(".git/info/exclude", "*.yaml\n")
    release = repo.path / REL / "release.yaml"
    release.write_text(release.read_text() + "# note\n")
    assert same(repo) == ["releases/4.0/4.0.0/notes.txt", "releases/4.0/4.0.0/release.yaml"]


def test_staged_changes(registry_repo: Repo, cache: Path) -> None:
    repo = registry_repo
    assert same(repo) == []
    before = copies(cache)
    approval = f"{REL}/approvals/nightly-passed.yaml"
    repo.write(approval, APPROVAL.format(tag="4.0.0"))
    repo.git("add", approval)
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    assert copies(cache) == before  # the private index holds HEAD, not what is staged
    (repo.path / approval).unlink()  # staged, then deleted: not in the work tree
    assert same(repo) == []
    repo.write(approval, APPROVAL.format(tag="4.0.0"))
    # Forced past an ignore rule: tracked, so it counts; removed from the index again,
    # ignored, so it does not.
    repo.write(".git/info/exclude", "nightly-passed.yaml\n")
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    repo.git("rm", "-q", "--cached", approval)
    assert same(repo) == []
    repo.git("add", "-f", approval)
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    # A committed file removed from the index but left on disk, unignored then ignored.
    repo.git("rm", "-q", "--cached", f"{REL}/release.yaml")
    assert "releases/4.0/4.0.0/release.yaml" in same(repo)
    repo.write(".git/info/exclude", "release.yaml\n")
    assert "releases/4.0/4.0.0/release.yaml" in same(repo)  # deleted from the index
    repo.git("add", "-f", f"{REL}/release.yaml")
    # Staged as new but ignored, then marked as intended to add only.
    repo.write(f"{REL}/approvals/late.yaml", "x: 1\n")
    repo.write(".git/info/exclude", "late.yaml\n")
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    repo.git("add", "-f", "-N", f"{REL}/approvals/late.yaml")
    assert same(repo) == [
        "releases/4.0/4.0.0/approvals/late.yaml",
        "releases/4.0/4.0.0/approvals/nightly-passed.yaml",
    ]
    # Told to assume a file unchanged: the plain answer trusts that, and so must this.
    release = repo.path / REL / "release.yaml"
    repo.git("update-index", "--assume-unchanged", str(release))
    release.write_text(release.read_text() + "# hidden\n")
    assert "releases/4.0/4.0.0/release.yaml" not in same(repo)


def held(repo: Repo, index: Path) -> list[str]:
    """The files an index holds, as ``git ls-tree -r`` lists a commit's."""
    env = {**os.environ, **repo.env, "GIT_INDEX_FILE": str(index)}
    out = subprocess.run(
        ["git", "ls-files", "-s", "-z"], cwd=repo.path, env=env, capture_output=True, check=True
    ).stdout.decode()
    lines = []
    for item in filter(None, out.split("\0")):
        info, path = item.split("\t", 1)
        mode, blob, _stage = info.split(" ")
        lines.append(f"{mode} blob {blob}\t{path}")
    return lines


@pytest.mark.parametrize(
    "stage",
    [
        "nothing",
        "new approval",
        "edited release",
        "deleted release",
        "intent to add",
    ],
)
def test_a_copy_made_while_the_users_index_stages_changes_holds_head(
    registry_repo: Repo, cache: Path, stage: str
) -> None:
    """The private index is made from the user's: with nothing staged it is HEAD already
    (no ``read-tree``); with anything staged, intent to add included, it is reset to HEAD."""
    repo = registry_repo
    approval = f"{REL}/approvals/nightly-passed.yaml"
    release = repo.path / REL / "release.yaml"
    if stage == "new approval":
        repo.write(approval, APPROVAL.format(tag="4.0.0"))
        repo.git("add", approval)
    elif stage == "edited release":
        release.write_text(release.read_text() + "# staged\n")
        repo.git("add", str(release))
    elif stage == "deleted release":
        repo.git("rm", "-q", "--cached", str(release))
    elif stage == "intent to add":
        repo.write(approval, APPROVAL.format(tag="4.0.0"))
        repo.git("add", "-N", approval)
    expected = plain(repo)
    assert (expected == []) is (stage == "nothing")
    assert same(repo) == expected  # the second run makes the copy from the user's index
    [copy] = copies(cache)
    assert held(repo, copy) == repo.git("ls-tree", "-r", "--full-tree", "HEAD").splitlines()


@pytest.mark.parametrize("mark", ["assume-unchanged", "skip-worktree"])
def test_a_mark_cleared_after_the_copy_was_made(
    registry_repo: Repo, cache: Path, mark: str
) -> None:
    """Git does not stat a marked file; the copy must not keep a mark the user clears."""
    repo = registry_repo
    files = [repo.path / REL / "release.yaml", repo.path / REL / "approvals/build-green.yaml"]
    repo.git("update-index", f"--{mark}", *map(str, files))
    assert same(repo) == []  # the copy is made while the files are marked
    for path in files:
        path.write_text(path.read_text() + "# hidden\n")
    assert same(repo) == []  # marked: the plain answer trusts the marks, and so must this
    repo.git("update-index", f"--no-{mark}", *map(str, files))
    assert same(repo) == [
        "releases/4.0/4.0.0/approvals/build-green.yaml",
        "releases/4.0/4.0.0/release.yaml",
    ]


def test_a_copy_by_an_earlier_relreg_is_only_a_source(registry_repo: Repo, cache: Path) -> None:
    """Private indexes of an earlier format (whose copies kept the user's marks) are made
    into a new one, never used as they are."""
    repo = registry_repo
    release = repo.path / REL / "release.yaml"
    repo.git("update-index", "--assume-unchanged", str(release))
    assert same(repo) == []
    [copy] = copies(cache)
    old = copy.with_name(copy.name.replace("-2.index", ".index"))
    old.write_bytes((repo.path / ".git" / "index").read_bytes())  # as it was: marked
    copy.unlink()
    repo.git("update-index", "--no-assume-unchanged", str(release))
    release.write_text(release.read_text() + "# edited\n")
    assert fast(repo, need=True) == ["releases/4.0/4.0.0/release.yaml"]
    assert copies(cache) == [copy]  # made again from the old one, which is gone


def test_moved_head_and_other_bases(registry_repo: Repo, cache: Path) -> None:
    repo = registry_repo
    approval = f"{REL}/approvals/nightly-passed.yaml"
    repo.write(approval, APPROVAL.format(tag="4.0.0"))
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    repo.commit("Approve 4.0.0 for Nightly passed")
    assert same(repo) == []
    assert same(repo, "HEAD~1") == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    first = repo.shas["init"]
    assert same(repo, first) == plain(repo, first) != []
    # Committed since the base, then changed back in the work tree: not a change.
    (repo.path / approval).unlink()
    assert same(repo, "HEAD~1") == []
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    # A change staged, then undone in the work tree only.
    repo.git("checkout", "-q", "--", approval)
    release = repo.path / REL / "release.yaml"
    text = release.read_text()
    release.write_text(text + "# staged\n")
    repo.git("add", str(release))
    release.write_text(text)
    assert same(repo) == []
    assert same(repo, "HEAD~1") == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    repo.git("reset", "-q", "--hard", "HEAD~1")
    assert same(repo) == []


def test_registry_at_the_repository_top_and_other_folders(
    make_repo: Callable[[str], Repo], cache: Path
) -> None:
    repo = make_repo("top")
    repo.write("registry.yaml", "name: Top\n")
    repo.write("README.md", "hello\n")
    repo.commit("Create")
    repo.write("releases/1.0/1.0.0/release.yaml", "tag: 1.0.0\n")
    repo.write("README.md", "changed\n")
    assert same(repo, prefix="") == ["README.md", "releases/1.0/1.0.0/release.yaml"]
    repo.write("other/file.txt", "x\n")
    repo.write("data/registry.yaml", "name: Sub\n")
    assert same(repo, prefix="data") == ["registry.yaml"]
    repo.commit("More")
    repo.write("releases/1.0/1.0.1/release.yaml", "tag: 1.0.1\n")
    assert same(repo, "HEAD~1", prefix="") == [
        "README.md",
        "data/registry.yaml",
        "other/file.txt",
        "releases/1.0/1.0.0/release.yaml",
        "releases/1.0/1.0.1/release.yaml",
    ]
    assert same(repo, "HEAD~1", prefix="data") == ["registry.yaml"]


def test_many_candidates_are_checked_against_the_base_all_at_once(
    registry_repo: Repo, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = registry_repo
    monkeypatch.setattr(worktree, "MAX_PATHSPECS", 1)
    (repo.path / REL / "approvals" / "build-green.yaml").unlink()
    release = repo.path / REL / "release.yaml"
    release.write_text(release.read_text() + "# note\n")
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    assert same(repo, repo.shas["release-4.0.0"]) == [
        "releases/4.0/4.0.0/approvals/nightly-passed.yaml",
        "releases/4.0/4.0.0/release.yaml",
        "releases/4.1/4.1.0-rc.1/release.yaml",
        "releases/4.1/4.1.0-rc.2/release.yaml",
    ]


def test_damaged_or_unusable_copy_falls_back_to_the_plain_scan(
    registry_repo: Repo, cache: Path
) -> None:
    repo = registry_repo
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    expected = same(repo)
    (copy,) = copies(cache)
    copy.write_bytes(copy.read_bytes()[:100] + b"garbage" + copy.read_bytes()[107:])
    with pytest.raises(GitError, match="damaged"):
        fast(repo)
    assert fallback(repo) == expected
    assert not copy.exists()  # deleted, so the next run makes a new one
    assert same(repo) == expected
    (copy,) = copies(cache)
    copy.write_bytes(b"")
    assert fallback(repo) == expected
    os.environ["RELREG_NO_CACHE"] = "1"
    try:
        assert worktree.start_scan(repo.path) is None
    finally:
        del os.environ["RELREG_NO_CACHE"]


def scan_now(repo: Repo) -> bool:
    """Whether the private index answers this run."""
    scan = worktree.start_scan(repo.path)
    if scan is not None:
        scan.cancel()
    return scan is not None


def test_the_private_index_is_made_on_the_second_run_and_follows_head(
    registry_repo: Repo, cache: Path
) -> None:
    repo = registry_repo
    assert not scan_now(repo)  # a one-off run (CI) pays no more than before
    assert copies(cache) == []
    assert scan_now(repo)
    (first,) = copies(cache)
    assert scan_now(repo)
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    repo.git("add", "-A")
    assert scan_now(repo) and copies(cache) == [first]  # staging changes nothing here
    repo.commit("Approve")
    assert scan_now(repo)  # brought to the new HEAD from the previous one
    (second,) = copies(cache)
    assert second != first and repo.head() in second.name
    assert same(repo) == []
    assert same(repo, "HEAD~1") == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]


def test_the_users_index_is_never_touched(registry_repo: Repo, cache: Path, relreg) -> None:
    repo = registry_repo
    index = repo.path / ".git" / "index"
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    for _ in range(2):  # the plain scan, then the one that makes the copy
        assert relreg(repo, "validate", "--base", "HEAD").code == 0
    assert len(copies(cache)) == 1
    (repo.path / REL / "release.yaml").touch()  # stale stat data Git would like to refresh
    before = index.read_bytes(), index.stat().st_mtime_ns, index.stat().st_ino
    for _ in range(2):
        result = relreg(repo, "validate", "--base", "HEAD")
        assert result.code == 0, result.err
        assert "approves 4.0.0 for Nightly passed" in result.out
    assert (index.read_bytes(), index.stat().st_mtime_ns, index.stat().st_ino) == before
    assert not (repo.path / ".git" / "index.lock").exists()
    assert len(copies(cache)) == 1


def test_validate_base_reports_the_same_with_and_without_the_copy(
    registry_repo: Repo, cache: Path, relreg
) -> None:
    repo = registry_repo
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.1"))
    repo.write("data/releases/4.1/4.1.0-rc.1/stray.yml", "x: 1\n")
    (repo.path / "data/releases/4.1/4.1.0-rc.2/release.yaml").unlink()
    plain_run = relreg(repo, "validate", "--base", "HEAD", env={"RELREG_NO_CACHE": "1"})
    assert plain_run.code == 1
    for _ in range(3):
        run = relreg(repo, "validate", "--base", "HEAD")
        assert (run.code, run.out, run.err) == (plain_run.code, plain_run.out, plain_run.err)
    assert len(copies(cache)) == 1


def test_a_lock_left_by_a_killed_run_is_cleared(registry_repo: Repo, cache: Path) -> None:
    repo = registry_repo
    assert same(repo) == []
    (copy,) = copies(cache)
    lock = copy.with_name(copy.name + ".lock")
    lock.write_bytes(b"")
    assert same(repo) == []
    assert lock.exists()  # recent: another relreg may be saving the copy right now
    os.utime(lock, (0, 0))
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    assert not lock.exists()


def test_an_index_chosen_with_git_index_file_is_the_one_mirrored(
    registry_repo: Repo, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = registry_repo
    approval = f"{REL}/approvals/nightly-passed.yaml"
    repo.write(approval, APPROVAL.format(tag="4.0.0"))
    repo.write(".git/info/exclude", "nightly-passed.yaml\n")
    assert same(repo) == []
    other = repo.path / ".git" / "other-index"
    other.write_bytes((repo.path / ".git" / "index").read_bytes())
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    repo.env = {**repo.env, "GIT_INDEX_FILE": str(other)}
    repo.git("add", "-f", approval)  # staged in the other index only
    assert same(repo) == ["releases/4.0/4.0.0/approvals/nightly-passed.yaml"]
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert same(repo) == []


def test_pending_answers_plainly_then_from_the_private_index(
    registry_repo: Repo, cache: Path
) -> None:
    repo = registry_repo
    repo.write(f"{REL}/approvals/nightly-passed.yaml", APPROVAL.format(tag="4.0.0"))
    expected = plain(repo)
    used = []
    for _ in range(3):
        pending = worktree.start(repo.path, "data", repo.head())
        used.append(pending.plain is None)
        assert pending.result() == expected
    assert used == [False, True, True]
    worktree.start(repo.path, "data", repo.head()).cancel()
    os.environ["RELREG_NO_CACHE"] = "1"
    try:
        pending = worktree.start(repo.path, "data", repo.head())
        assert pending.plain is not None
        pending.cancel()
    finally:
        del os.environ["RELREG_NO_CACHE"]


def _start_of_a_second() -> float:
    """Sleep until just after the clock's next whole second; that second."""
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.01)
    return math.floor(time.time())


def test_a_folder_changed_in_the_second_git_read_it_is_read_again(
    make_repo: Callable[[str], Repo], cache: Path
) -> None:
    """Git trusts a folder whose stat (to the second) did not change, unless that second
    is not older than the index file's time ("racily clean"). Made by copying, a private
    index keeps its source's time: a file added in the second Git last read its folder,
    then a new HEAD, must still be found (a copy with a new time hid it)."""
    repo = make_repo("racy")
    repo.write("registry.yaml", "name: Racy\n")
    repo.write("releases/1.0/1.0.0/release.yaml", "tag: 1.0.0\n")
    repo.commit("Create")
    same(repo, prefix="")  # from here on, each new HEAD's private index is made by copying
    for attempt in range(5):
        repo.write(f"notes/{attempt}.txt", "x\n")
        second = _start_of_a_second()
        repo.commit(f"Note {attempt}", MAINT, "notes")  # a new HEAD: a new private index
        (repo.path / "releases/1.0/gone").touch()
        (repo.path / "releases/1.0/gone").unlink()  # releases/1.0 changed: Git reads it
        assert fast(repo, prefix="", need=True) == []  # and saves what it read
        new = repo.write(f"releases/1.0/1.0.{attempt + 1}/release.yaml", "tag: x\n")
        if math.floor(time.time()) == second:
            break  # Git's read and the new file fell in one second, as wanted
        new.unlink()  # a slow machine: try again
        new.parent.rmdir()
    else:
        pytest.fail("could not read and change a folder within one second in five tries")
    repo.write("notes/last.txt", "x\n")
    _start_of_a_second()
    repo.commit("Last note", MAINT, "notes")  # the next private index is a copy, made later
    expected = [f"releases/1.0/1.0.{attempt + 1}/release.yaml"]
    assert plain(repo, prefix="") == expected
    assert fast(repo, prefix="", need=True) == expected


@pytest.mark.parametrize("note", [b"\xff\xfe", b"", b"12:34"])
def test_a_damaged_checked_note_means_the_checksum_is_checked(
    registry_repo: Repo, cache: Path, note: bytes
) -> None:
    """The ``.ok`` note beside a private index says its checksum passed; a note that is
    not what relreg wrote (even undecodable) only means checking again."""
    repo = registry_repo
    (repo.path / REL / "approvals" / "build-green.yaml").unlink()
    expected = same(repo)
    notes = sorted((cache / "git-index").glob("*.ok"))
    assert notes
    for path in notes:
        path.write_bytes(note)
    assert fast(repo, need=True) == expected
