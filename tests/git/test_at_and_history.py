"""``--at REV`` (read the registry at a revision) and ``relreg history`` from real Git logs."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gitkit import (  # noqa: F401 (fixtures are used by name)
    ACTOR,
    MAINT,
    SHA_A,
    SHA_B,
    Repo,
    Result,
    git_env_fixture,
    make_repo_fixture,
    registry_repo_fixture,
    relreg_fixture,
    relreg_proc_fixture,
    remote_fixture,
)

from registry_lib.cache import read_file, registry_file, write_file
from registry_lib.errors import GitError
from registry_lib.gitutil import PendingGit
from registry_lib.history import HISTORY_FORMAT, collect, start_collect

R400 = "data/releases/4.0/4.0.0"


def ok(result: Result) -> Result:
    assert result.code == 0, f"exit {result.code}\n{result.out}\n{result.err}"
    return result


def snapshot(repo: Repo) -> tuple[str, str, dict[str, str]]:
    """HEAD, ``git status`` and a hash of every work-tree file outside .git."""
    files = {
        str(p.relative_to(repo.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo.path).parts
    }
    return repo.head(), repo.status(), files


# --- --at REV ----------------------------------------------------------------------------


@pytest.fixture
def moved_on(registry_repo: Repo, relreg) -> tuple[Repo, str]:
    """The seeded registry (its HEAD returned as the old revision), then newer work:
    committed (release 4.2.0, an approval of 4.1.0-rc.1, a new milestone) and
    uncommitted (release 4.3.0 untracked, 4.0.0's metadata edited)."""
    repo = registry_repo
    old = repo.head()
    ok(relreg(repo, "release", "create", "4.2.0", "--commit", SHA_A))
    ok(relreg(repo, "approve", "4.1.0-rc.1", "Build green", "--meta", "BuildURL=u"))
    ok(relreg(repo, "milestone", "create", "Soak done", "--expect", "Hours"))
    repo.commit("Newer work", MAINT)
    ok(relreg(repo, "release", "create", "4.3.0", "--commit", SHA_B))
    ok(relreg(repo, "release", "update", "4.0.0", "--meta", "Notes=work-tree"))
    assert repo.status() != ""
    return repo, old


def test_latest_at_an_old_revision(moved_on: tuple[Repo, str], relreg) -> None:
    repo, old = moved_on
    before = snapshot(repo)
    assert ok(relreg(repo, "latest")).out == "4.3.0\n"
    assert ok(relreg(repo, "--at", "HEAD", "latest")).out == "4.2.0\n"
    assert ok(relreg(repo, "--at", old, "latest")).out == "4.1.0-rc.1\n"
    assert ok(relreg(repo, "--at", "main~1", "latest")).out == "4.1.0-rc.1\n"
    assert ok(relreg(repo, "--at", old, "latest", "--milestone", "Build green")).out == "4.0.0\n"
    assert ok(relreg(repo, "latest", "--milestone", "Build green")).out == "4.1.0-rc.1\n"
    assert snapshot(repo) == before


def test_release_list_and_show_at_an_old_revision(moved_on: tuple[Repo, str], relreg) -> None:
    repo, old = moved_on
    repo.git("tag", "v-old", old)
    before = snapshot(repo)
    listed = json.loads(ok(relreg(repo, "--at", "v-old", "release", "list", "--json")).out)
    assert [r["tag"] for r in listed["releases"]] == ["4.0.0", "4.1.0-rc.1"]
    now = json.loads(ok(relreg(repo, "release", "list", "--json")).out)
    assert [r["tag"] for r in now["releases"]] == ["4.0.0", "4.1.0-rc.1", "4.2.0", "4.3.0"]
    text = ok(relreg(repo, "--at", old, "release", "list")).out
    assert "4.0.0" in text and "4.2.0" not in text
    shown = json.loads(ok(relreg(repo, "--at", old, "release", "show", "4.0.0", "--json")).out)
    assert shown["metadata"] == {"Image": "quay.io/x:4.0.0"}
    current = json.loads(ok(relreg(repo, "release", "show", "4.0.0", "--json")).out)
    assert current["metadata"]["Notes"] == "work-tree"
    missing = relreg(repo, "--at", old, "release", "show", "4.2.0")
    assert missing.code == 1 and missing.err.startswith("error: ")
    rejected = ok(relreg(repo, "--at", old, "release", "show", "4.1.0-rc.2"))
    assert "broken upgrade" in rejected.out
    assert snapshot(repo) == before


def test_milestone_list_at_an_old_revision(moved_on: tuple[Repo, str], relreg) -> None:
    repo, old = moved_on
    before = snapshot(repo)
    at_old = json.loads(ok(relreg(repo, "--at", old, "milestone", "list", "--json")).out)
    assert [m["name"] for m in at_old["milestones"]] == ["Build green", "Nightly passed"]
    first = repo.shas["build-green"]
    early = json.loads(ok(relreg(repo, "--at", first, "milestone", "list", "--json")).out)
    assert [m["name"] for m in early["milestones"]] == ["Build green"]
    now = json.loads(ok(relreg(repo, "milestone", "list", "--json")).out)
    assert [m["name"] for m in now["milestones"]] == ["Build green", "Nightly passed", "Soak done"]
    assert snapshot(repo) == before


def test_at_with_a_relative_registry_from_a_subfolder(
    moved_on: tuple[Repo, str], relreg, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, old = moved_on
    monkeypatch.chdir(repo.data / "releases")
    result = relreg(None, "--registry", "..", "--at", old, "latest")
    assert ok(result).out == "4.1.0-rc.1\n"


@pytest.mark.parametrize(
    "args",
    [
        ["release", "create", "4.9.0", "--commit", SHA_A],
        ["release", "update", "4.0.0", "--meta", "A=b"],
        ["release", "reject", "4.0.0", "--reason", "r"],
        ["approve", "4.1.0-rc.1", "Build green", "--meta", "BuildURL=u"],
        ["revoke", "4.0.0", "Build green"],
        ["milestone", "create", "X", "--expect", "K"],
        ["validate"],
        ["history", "4.0.0"],
    ],
    ids=lambda a: "-".join(a[:2]),
)
def test_at_is_refused_on_write_commands(moved_on: tuple[Repo, str], relreg, args) -> None:
    repo, old = moved_on
    before = snapshot(repo)
    result = relreg(repo, "--at", old, *args)
    assert result.code == 1
    assert result.err.startswith("error: --at only works with read commands")
    assert snapshot(repo) == before


def test_at_unknown_revision_is_an_error(registry_repo: Repo, relreg) -> None:
    result = relreg(registry_repo, "--at", "nope~3", "latest")
    assert result.code == 1
    assert result.err.startswith("error: unknown revision 'nope~3'")


def test_at_outside_git_is_an_error(tmp_path: Path, relreg) -> None:
    root = tmp_path / "data"
    ok(relreg(None, "init", str(root)))
    result = relreg(root, "--at", "HEAD", "latest")
    assert result.code == 1
    assert result.err.startswith("error: ") and "Git" in result.err


def test_at_a_revision_before_the_registry_existed(make_repo, relreg) -> None:
    repo = make_repo("late")
    repo.write("README.md", "hello\n")
    empty = repo.commit("Start")
    ok(relreg(repo, "init", str(repo.data)))
    ok(relreg(repo, "release", "create", "1.0.0", "--commit", SHA_A))
    repo.commit("Registry")
    result = relreg(repo, "--at", empty, "latest")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err


# --- history -----------------------------------------------------------------------------


@pytest.fixture
def storied(registry_repo: Repo, relreg) -> Repo:
    """4.0.0 gets a life: metadata update, revocation, a pull request merged with a merge
    commit, a rejection in a commit that also updates another release's metadata."""
    repo = registry_repo

    def step(message: str, author: str, *args: str) -> None:
        ok(relreg(repo, *args, env={"RELREG_ACTOR": author}))
        repo.commit(message, author)

    step("Update 4.0.0 metadata (Notes)", ACTOR, "release", "update", "4.0.0", "--meta", "N=1")
    step(
        "Revoke Build green from 4.0.0 (#12)", "alice@example.org", "revoke", "4.0.0", "Build green"
    )
    repo.git("checkout", "-q", "-b", "carol/nightly")
    step(
        "Approve 4.0.0 for Nightly passed",
        "carol@example.org",
        "approve",
        "4.0.0",
        "Nightly passed",
        "--meta",
        "BuildURL=u",
        "--meta",
        "NumberOfCIFailures=0",
    )
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #34 from carol/nightly\n\nApprove nightly",
        "carol/nightly",
        author="github@example.org",
    )
    later = {"RELREG_NOW": "2024-05-02T10:00:00Z"}
    ok(
        relreg(
            repo, "release", "reject", "4.0.0", "--reason", "CVE", "--by", "bob@x.org", env=later
        )
    )
    ok(relreg(repo, "release", "update", "4.1.0-rc.1", "--meta", "Image=q"))
    repo.commit("Reject 4.0.0 and note rc.1's image", "bob@example.org")
    return repo


def test_history_lists_every_action_in_order(storied: Repo, relreg) -> None:
    data = json.loads(ok(relreg(storied, "history", "4.0.0", "--json")).out)
    assert data["tag"] == "4.0.0"
    rows = [(e["action"], e["milestone"], e["email"], e["pull_request"]) for e in data["history"]]
    assert rows == [
        ("created", None, ACTOR, None),
        ("approved", "build-green", "alice@example.org", 7),
        ("updated", None, ACTOR, None),
        ("revoked", "build-green", "alice@example.org", 12),
        ("approved", "nightly-passed", "carol@example.org", 34),
        ("rejected", None, "bob@example.org", None),
    ]
    first = data["history"][0]
    assert list(first) == [  # in this order, whatever the process's string hashing
        "commit",
        "author",
        "email",
        "time",
        "action",
        "milestone",
        "message",
        "pull_request",
    ]
    assert first["commit"] == storied.shas["release-4.0.0"]
    assert first["message"] == "Create release 4.0.0"
    assert first["author"] == "ci"
    assert first["time"].endswith("Z")


def test_a_commit_rejecting_one_release_only_updates_another(storied: Repo, relreg) -> None:
    data = json.loads(ok(relreg(storied, "history", "4.1.0-rc.1", "--json")).out)
    assert [e["action"] for e in data["history"]] == ["created", "updated"]
    rc2 = json.loads(ok(relreg(storied, "history", "4.1.0-rc.2", "--json")).out)
    assert [e["action"] for e in rc2["history"]] == ["created", "rejected"]
    # The library's one-pass history of every release tells them apart too.
    every = collect(storied.data)
    assert [e["action"] for e in every["4.1.0-rc.1"]] == ["created", "updated"]
    assert [e["action"] for e in every["4.0.0"]][-1] == "rejected"
    assert every["4.0.0"][-2]["pull_request"] == 34


def test_history_text_table(storied: Repo, relreg) -> None:
    out = ok(relreg(storied, "history", "4.0.0")).out.splitlines()
    assert out[0].split() == ["TIME", "COMMIT", "AUTHOR", "ACTION", "PR", "MESSAGE"]
    assert len(out) >= 7
    assert any("approved nightly-passed" in line and "#34" in line for line in out)
    assert any("revoked build-green" in line and "#12" in line for line in out)


def test_history_of_a_prefix_tag_does_not_mix_in_longer_tags(storied: Repo, relreg) -> None:
    ok(relreg(storied, "release", "create", "4.0.0-rc.1", "--commit", SHA_B))
    storied.commit("Create release 4.0.0-rc.1")
    data = json.loads(ok(relreg(storied, "history", "4.0.0", "--json")).out)
    assert all("4.0.0-rc.1" not in e["message"] for e in data["history"])


def test_history_of_an_unknown_or_uncommitted_tag_is_an_error(storied: Repo, relreg) -> None:
    result = relreg(storied, "history", "9.9.9")
    assert result.code == 1
    assert result.err.startswith("error: Git has no history for release 9.9.9")
    ok(relreg(storied, "release", "create", "4.5.0", "--commit", SHA_A))  # not committed
    assert relreg(storied, "history", "4.5.0").code == 1


def test_history_through_the_cli_process(storied: Repo, relreg_proc) -> None:
    result = relreg_proc(storied, "history", "4.0.0", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["history"][-1]["action"] == "rejected"


def test_history_started_early_equals_history_collected_now(storied: Repo) -> None:
    """A build starts the log commands before loading; the answer must not change."""
    pending = start_collect(storied.data)
    (storied.data / "registry.yaml").read_bytes()  # other work meanwhile
    assert pending.result() == collect(storied.data)


def test_a_cancelled_history_leaves_no_git_running(storied: Repo) -> None:
    pending = start_collect(storied.data)
    assert pending.pending is not None
    procs = list(pending.pending.procs)
    pending.cancel()
    assert all(proc.poll() is not None for proc in procs)
    assert pending.pending.procs == []


def test_a_failing_background_git_command_is_a_git_error(storied: Repo) -> None:
    pending = PendingGit(storied.path, [["log", "--oneline"], ["log", "--no-such-option"]])
    with pytest.raises(GitError, match=r"git log failed: .*no-such-option"):
        pending.result()


# --- the remembered history of a commit ----------------------------------------------------


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Caches on; records each start of the git log commands (they still run)."""
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    seen: list[object] = []
    real = PendingGit.__init__

    def spy(self: PendingGit, *args: Any, **kwargs: Any) -> None:
        seen.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(PendingGit, "__init__", spy)
    return seen


def test_a_commits_history_is_read_once_and_only_for_that_commit(
    storied: Repo, relreg, started: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = collect(storied.data)
    assert len(started) == 1
    assert collect(storied.data) == first
    assert len(started) == 1  # remembered: no git log
    ok(relreg(storied, "release", "update", "4.1.0-rc.1", "--meta", "Image=r"))
    storied.commit("Note rc.1's new image", MAINT)
    moved = collect(storied.data)
    assert len(started) == 2  # HEAD moved: read again
    assert moved["4.1.0-rc.1"][-1]["message"] == "Note rc.1's new image"
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    assert collect(storied.data) == moved


def test_remembered_rows_that_are_not_entries_are_read_again(
    storied: Repo, started: list[object]
) -> None:
    """The cache holds each entry as a row of its fields; a row of another shape (an
    earlier relreg's, or a bug's) is not an answer: Git is asked again."""
    first = collect(storied.data)
    target = registry_file(storied.data, "history", HISTORY_FORMAT)
    payload = read_file(target)
    assert payload is not None
    rows = payload["history"]
    assert rows["4.0.0"][0] == tuple(first["4.0.0"][0].values())  # stored as rows
    rows["4.0.0"][0] = rows["4.0.0"][0][:7]  # one field short
    write_file(target, {k: v for k, v in payload.items() if k != "version"})
    assert collect(storied.data) == first
    assert len(started) == 2


def test_a_history_entry_reads_like_the_dict_it_stands_for(storied: Repo) -> None:
    entry = collect(storied.data)["4.0.0"][0]
    as_dict = dict(entry)
    assert list(as_dict) == list(entry) == list(entry.keys())
    assert {k: entry[k] for k in entry} == as_dict and len(entry) == 8
    assert entry.get("nope") is None and "nope" not in entry and "commit" in entry
    with pytest.raises(KeyError):
        entry["__class__"]  # only the fields are keys
    assert repr(entry).startswith("HistoryEntry(commit=")  # page fingerprints hash it


def test_a_deepened_shallow_clone_is_read_again(
    storied: Repo, tmp_path: Path, git_env: dict[str, str], started: list[object]
) -> None:
    """Deepening a shallow clone keeps HEAD but adds history (.git/shallow changes)."""
    clone = tmp_path / "clone"
    url = f"file://{storied.path}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(clone)], check=True, env=git_env)
    shallow = collect(clone / "data")
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True, env=git_env)
    deep = collect(clone / "data")
    assert deep != shallow
    assert deep == collect(storied.data)
