"""``--git-commit`` and ``--git-push`` on real repositories and bare remotes (cli.md, "Git")."""

from __future__ import annotations

import json
import shutil
import stat
import time
from pathlib import Path

import pytest
from gitkit import (  # noqa: F401 (fixtures are used by name)
    ACTOR,
    SHA_A,
    Remote,
    Repo,
    Result,
    git_env_fixture,
    make_repo_fixture,
    registry_repo_fixture,
    relreg_fixture,
    relreg_proc_fixture,
    remote_fixture,
)

from registry_lib import gitops

APPROVAL = "data/releases/4.1/4.1.0-rc.1/approvals/build-green.yaml"
NEW_RELEASE = "data/releases/4.2/4.2.0/release.yaml"
R400 = "data/releases/4.0/4.0.0"


def assert_ok(result: Result) -> None:
    assert result.code == 0, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"


def assert_error(result: Result, *fragments: str) -> None:
    assert result.code == 1, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
    assert result.err.startswith("error: "), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


# --- --git-commit ------------------------------------------------------------------------


def test_commit_takes_only_the_touched_file_and_leaves_other_work_alone(
    registry_repo: Repo, relreg
) -> None:
    repo = registry_repo
    repo.write("notes.txt", "v1\n")
    repo.write("staged.txt", "v1\n")
    repo.commit("Add notes")
    repo.write("notes.txt", "v2, not committed\n")  # a dirty tracked file
    repo.write("staged.txt", "v2, staged\n")
    repo.git("add", "staged.txt")  # a staged change
    repo.write("scratch/untracked.txt", "untracked\n")  # an untracked file
    repo.write("data/releases/4.0/4.0.0/approvals/README.md", "hand notes\n")  # untracked in data/
    before = repo.head()

    result = relreg(
        repo,
        "approve",
        "4.1.0-rc.1",
        "Build green",
        "--meta",
        "BuildURL=https://ci.example.org/2",
        "--git-commit",
        env={"RELREG_ACTOR": "alice@example.org"},
    )

    assert_ok(result)
    assert repo.head("HEAD~1") == before
    assert repo.show_files() == [APPROVAL]
    assert repo.log("%an|%ae|%B", "-1")[0] == (
        "alice|alice@example.org|Approve 4.1.0-rc.1 for Build green"
    )
    assert repo.git("log", "-1", "--format=%B").strip().count("\n") == 0  # one line
    assert f"committed {repo.head()[:12]}: Approve 4.1.0-rc.1 for Build green" in result.out
    status = repo.status().splitlines()
    assert sorted(status) == sorted(
        [
            " M notes.txt",
            "M  staged.txt",
            "?? data/releases/4.0/4.0.0/approvals/README.md",
            "?? scratch/untracked.txt",
        ]
    )
    assert (repo.path / "notes.txt").read_text() == "v2, not committed\n"
    assert (repo.path / "staged.txt").read_text() == "v2, staged\n"
    assert repo.git("diff", "--cached", "--name-only").split() == ["staged.txt"]


@pytest.mark.parametrize(
    ("args", "message", "files"),
    [
        (
            ["release", "create", "4.2.0", "--commit", SHA_A],
            "Create release 4.2.0",
            [("A", NEW_RELEASE)],
        ),
        (
            ["release", "reject", "4.1.0-rc.1", "--reason", "CVE-2024-1"],
            "Reject 4.1.0-rc.1: CVE-2024-1",
            [("M", "data/releases/4.1/4.1.0-rc.1/release.yaml")],
        ),
        (
            ["revoke", "4.0.0", "Build green"],
            "Revoke Build green from 4.0.0",
            [("D", "data/releases/4.0/4.0.0/approvals/build-green.yaml")],
        ),
        (
            ["release", "update", "4.0.0", "--meta", "Notes=https://example.org/n"],
            "Update 4.0.0 metadata (Notes)",
            [("M", "data/releases/4.0/4.0.0/release.yaml")],
        ),
        (
            ["milestone", "create", "Soak done", "--expect", "Hours"],
            "Define milestone Soak done",
            [("A", "data/milestones/soak-done.yaml")],
        ),
    ],
    ids=["create", "reject", "revoke", "update", "milestone"],
)
def test_each_write_commits_its_file_with_a_one_line_message(
    registry_repo: Repo, relreg, args: list[str], message: str, files: list[tuple[str, str]]
) -> None:
    repo = registry_repo
    assert_ok(relreg(repo, *args, "--git-commit", env={"RELREG_ACTOR": "carol@example.org"}))
    assert repo.log("%an <%ae>|%B", "-1")[0] == f"carol <carol@example.org>|{message}"
    changed = repo.git("show", "--name-status", "--format=", "HEAD").split("\n")
    assert [tuple(line.split("\t")) for line in changed if line] == files
    assert repo.status() == ""


def test_approve_message_names_the_milestone(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    assert_ok(relreg(repo, "release", "create", "4.1.0", "--commit", SHA_A, "--git-commit"))
    result = relreg(
        repo,
        "approve",
        "4.1.0",
        "nightly-passed",  # a slug resolves to the definition's name in the message
        "--meta",
        "BuildURL=u",
        "--meta",
        "NumberOfCIFailures=0",
        "--git-commit",
    )
    assert_ok(result)
    assert repo.log("%s", "-1") == ["Approve 4.1.0 for Nightly passed"]
    assert repo.log("%ae", "-2") == [ACTOR, ACTOR]


def test_author_is_the_actor_and_committer_the_configured_user(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    repo.git("config", "user.name", "CI Bot")
    repo.git("config", "user.email", "bot@example.org")
    result = relreg(repo, "release", "create", "4.2.0", "--commit", SHA_A, "--git-commit")
    assert_ok(result)
    assert repo.log("%an <%ae>|%cn <%ce>", "-1") == [f"ci <{ACTOR}>|CI Bot <bot@example.org>"]


def test_actor_defaults_to_the_repository_user_email(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    repo.git("config", "user.email", "dana@example.org")
    result = relreg(
        repo,
        "release",
        "create",
        "4.2.0",
        "--commit",
        SHA_A,
        "--git-commit",
        env={"RELREG_ACTOR": ""},
    )
    assert_ok(result)
    assert repo.log("%ae", "-1") == ["dana@example.org"]
    assert "creator: dana@example.org" in (repo.path / NEW_RELEASE).read_text()


def test_refused_write_makes_no_commit(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    before = repo.head()
    result = relreg(
        repo, "approve", "4.1.0-rc.1", "Nightly passed", "--meta", "BuildURL=u", "--git-commit"
    )
    assert_error(result, "NumberOfCIFailures")
    result = relreg(repo, "release", "create", "4.2.0", "--commit", "nothex", "--git-push")
    assert_error(result)
    result = relreg(
        repo, "approve", "4.1.0-rc.2", "Build green", "--meta", "BuildURL=u", "--git-commit"
    )
    assert_error(result, "rejected")
    assert repo.head() == before
    assert repo.status() == ""


def test_git_commit_outside_a_repository_says_how_to_fix_it(tmp_path: Path, relreg) -> None:
    root = tmp_path / "plain" / "data"
    result = relreg(None, "init", str(root), "--git-commit")
    assert_error(result, "git init")
    assert not (root / "registry.yaml").exists()


# --- --git-push --------------------------------------------------------------------------


def test_push_lands_on_the_bare_remote(remote: Remote, relreg) -> None:
    clone = remote.clone()
    result = relreg(clone, "release", "create", "4.2.0", "--commit", SHA_A, "--git-push")
    assert_ok(result)
    assert "(pushed)" in result.out
    assert remote.bare.head("main") == clone.head()
    assert remote.bare.log("%ae|%s", "main")[0] == f"{ACTOR}|Create release 4.2.0"
    assert clone.status() == ""


def test_push_rebases_onto_a_remote_that_moved(remote: Remote, relreg) -> None:
    ours, theirs = remote.clone("ours"), remote.clone("theirs")
    ours.write("notes.txt", "v1\n")
    ours.commit("Add notes")
    ours.git("push", "-q")
    theirs.git("pull", "-q")
    theirs.write("notes.txt", "v1\n")  # unchanged; a tracked file both clones have
    # Another writer lands first.
    assert_ok(relreg(theirs, "release", "create", "4.3.0", "--commit", SHA_A, "--git-push"))
    their_head = theirs.head()
    # Ours is stale and has unrelated uncommitted work, which must survive the rebase.
    ours.write("notes.txt", "local edit\n")
    result = relreg(ours, "release", "create", "4.2.0", "--commit", SHA_A, "--git-push")
    assert_ok(result)
    assert ours.head("HEAD~1") == their_head
    assert remote.bare.head("main") == ours.head()
    assert remote.bare.log("%s", "main")[:2] == ["Create release 4.2.0", "Create release 4.3.0"]
    assert (ours.path / "notes.txt").read_text() == "local edit\n"
    assert ours.status() == " M notes.txt\n"


def _assert_untouched(repo: Repo, before: str) -> None:
    assert repo.head() == before, "a stray commit was left behind"
    assert repo.status() == "", "the work tree was left dirty"
    assert not (repo.path / ".git" / "rebase-merge").exists()
    assert not (repo.path / ".git" / "rebase-apply").exists()


def test_push_without_upstream_fails_before_writing(registry_repo: Repo, relreg) -> None:
    repo = registry_repo  # no remote at all
    before = repo.head()
    result = relreg(repo, "release", "create", "4.2.0", "--commit", SHA_A, "--git-push")
    assert_error(result, "upstream", "git push -u")
    _assert_untouched(repo, before)
    assert not (repo.path / NEW_RELEASE).exists()


@pytest.mark.parametrize(
    ("args", "path", "existed"),
    [
        (["release", "create", "4.2.0", "--commit", SHA_A], NEW_RELEASE, False),
        (["revoke", "4.0.0", "Build green"], f"{R400}/approvals/build-green.yaml", True),
        (["release", "update", "4.0.0", "--meta", "Image=q"], f"{R400}/release.yaml", True),
    ],
    ids=["create", "revoke", "update"],
)
def test_push_to_a_vanished_remote_undoes_the_commit_and_the_file(
    remote: Remote, relreg, args: list[str], path: str, existed: bool
) -> None:
    clone = remote.clone()
    old = (clone.path / path).read_bytes() if existed else None
    before = clone.head()
    shutil.rmtree(remote.bare.path)
    result = relreg(clone, *args, "--git-push")
    assert_error(result, "git ")
    _assert_untouched(clone, before)
    if existed:
        assert (clone.path / path).read_bytes() == old
    else:
        assert not (clone.path / path).exists()


def test_conflicting_push_fails_cleanly(remote: Remote, relreg) -> None:
    first, second = remote.clone("first"), remote.clone("second")
    assert_ok(relreg(first, "release", "create", "4.2.0", "--commit", SHA_A, "--git-push"))
    before = second.head()
    # Same tag, another commit: the file both add differs, so the rebase cannot apply.
    result = relreg(second, "release", "create", "4.2.0", "--commit", "d" * 40, "--git-push")
    assert_error(result, "the remote changed the same files")
    _assert_untouched(second, before)
    assert not (second.path / NEW_RELEASE).exists()


def test_push_the_remote_keeps_refusing_leaves_head_where_it_was(
    remote: Remote, relreg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remote moved (so we rebased) and then refuses every push: undo all of it."""
    monkeypatch.setattr(gitops, "PUSH_ATTEMPTS", 2)
    ours, theirs = remote.clone("ours"), remote.clone("theirs")
    assert_ok(relreg(theirs, "release", "create", "4.3.0", "--commit", SHA_A, "--git-push"))
    hook = remote.bare.path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    before = ours.head()
    result = relreg(ours, "release", "create", "4.2.0", "--commit", SHA_A, "--git-push")
    assert_error(result, "push failed after 2 attempts")
    _assert_untouched(ours, before)
    assert not (ours.path / NEW_RELEASE).exists()
    assert remote.bare.head("main") == theirs.head()


# --- concurrent writers ------------------------------------------------------------------


def _race(relreg_proc, clones: list[Repo], commands: list[list[str]]) -> list[Result]:
    procs = [
        relreg_proc(clone, *cmd, "--git-push", wait=False)
        for clone, cmd in zip(clones, commands, strict=True)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        results.append(Result(proc.returncode, out, err))
    return results


def test_six_concurrent_release_creates_all_land(remote: Remote, relreg_proc, relreg) -> None:
    clones = [remote.clone() for _ in range(6)]
    tags = [f"5.0.{i}" for i in range(6)]
    start = time.monotonic()
    results = _race(
        relreg_proc,
        clones,
        [["release", "create", tag, "--commit", f"{i:x}" * 40] for i, tag in enumerate(tags)],
    )
    for result in results:
        assert_ok(result)
    assert time.monotonic() - start < 45
    fresh = remote.clone("fresh")
    for tag in tags:
        assert (fresh.path / f"data/releases/5.0/{tag}/release.yaml").is_file()
    subjects = fresh.log("%s")
    assert sorted(s for s in subjects if s.startswith("Create release 5.")) == [
        f"Create release {tag}" for tag in tags
    ]
    assert_ok(relreg(fresh, "validate"))
    listed = relreg(fresh, "release", "list", "--prefix", "5.0", "--json")
    assert_ok(listed)
    for tag in tags:
        assert f'"{tag}"' in listed.out
    for clone in clones:
        assert clone.status() == ""


def test_four_concurrent_approvals_all_land(remote: Remote, relreg_proc, relreg) -> None:
    seed = remote.clone("seed")
    for tag, sha in (("4.0.1", "1" * 40), ("4.0.2", "2" * 40)):
        assert_ok(relreg(seed, "release", "create", tag, "--commit", sha, "--git-push"))
    clones = [remote.clone() for _ in range(4)]
    targets = ["4.0.0", "4.0.1", "4.0.2", "4.1.0-rc.1"]
    approvers = [f"r{i}@example.org" for i in range(4)]
    procs = [
        relreg_proc(
            clone,
            "approve",
            tag,
            "Nightly passed",
            "--meta",
            f"BuildURL=https://ci.example.org/{tag}",
            "--meta",
            "NumberOfCIFailures=0",
            "--git-push",
            env={"RELREG_ACTOR": who},
            wait=False,
        )
        for clone, tag, who in zip(clones, targets, approvers, strict=True)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert_ok(Result(proc.returncode, out, err))
    fresh = remote.clone("fresh")
    for tag in targets:
        channel = "4.1" if "-" in tag else "4.0"
        approval = fresh.path / f"data/releases/{channel}/{tag}/approvals/nightly-passed.yaml"
        assert approval.is_file()
    authors = {line for line in fresh.log("%ae|%s") if line.endswith("for Nightly passed")}
    pairs = zip(targets, approvers, strict=True)
    assert authors == {f"{who}|Approve {tag} for Nightly passed" for tag, who in pairs}
    assert_ok(relreg(fresh, "validate"))
    listed = relreg(fresh, "release", "list", "--milestone", "Nightly passed", "--json")
    assert_ok(listed)
    for tag in targets:
        assert f'"{tag}"' in listed.out


def test_a_registry_folder_named_like_pathspec_magic(registry_repo: Repo, relreg) -> None:
    """Git reads ":data" as magic unless told paths are literal: commits take the file,
    and the history and the site's history find the release's commits."""
    repo = registry_repo
    repo.git("mv", "data", ":data")
    repo.git("commit", "-qm", "Move the registry", author=ACTOR)
    registry = repo.path / ":data"
    assert_ok(relreg(registry, "release", "create", "4.1.0", "--commit", SHA_A, "--git-commit"))
    changed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert changed == [":data/releases/4.1/4.1.0/release.yaml"]
    assert repo.status() == ""
    result = relreg(registry, "history", "4.1.0", "--json")
    assert_ok(result)
    actions = [e["action"] for e in json.loads(result.out)["history"]]
    assert actions == ["created"]
    site = repo.path.parent / "site"
    assert_ok(relreg(registry, "build", "--out", str(site)))
    page = (site / "releases/4.1.0/index.html").read_text(encoding="utf-8")
    assert repo.git("rev-parse", "HEAD").strip()[:10] in page  # its history section
