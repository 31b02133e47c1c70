"""``--git-commit`` and ``--git-push``: record a write in Git, and land it on the remote.

A failure part-way leaves neither a stray commit nor a dirty tree: the touched files are
put back as they were before the write.
"""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

from .errors import GitError
from .gitutil import git, repo_root, user_email
from .ops import Change

PUSH_ATTEMPTS = 10


def _author_env(top: Path, who: str) -> dict[str, str]:
    name = who.split("@", 1)[0] or who
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": who}
    if user_email(top) is None:  # a bare CI runner: commit as the actor too
        env.update({"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": who})
    return env


def preflight(root: Path, push: bool) -> Path:
    """Check, before anything is written, that the commit (and push) can happen."""
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    top = repo_root(probe if probe.is_dir() else Path.cwd())
    if top is None:
        raise GitError(
            f"--git-commit needs the registry ({root}) inside a Git repository; run `git init`"
        )
    if push:
        upstream(top)
    return top


def upstream(top: Path) -> tuple[str, str]:
    """The current branch's upstream as (remote, branch)."""
    try:
        ref = git(top, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}").strip()
    except GitError:
        raise GitError(
            "--git-push needs a branch with an upstream; run `git push -u origin <branch>` once"
        ) from None
    remote, _, branch = ref.partition("/")
    return remote, branch


def commit_change(root: Path, change: Change, who: str, push: bool = False) -> str:
    """Commit exactly the touched files as ``who``; with ``push``, land it on the upstream.

    Returns the commit SHA. On any failure the commit is undone and the files restored.
    """
    top = preflight(root, push)
    paths = [str((root / p).resolve().relative_to(top.resolve())) for p in change.paths]
    before = git(top, "rev-parse", "--verify", "--quiet", "HEAD").strip() if _has_head(top) else ""
    committed = False
    try:
        git(top, "--literal-pathspecs", "add", "-A", "--", *paths)
        author = _author_env(top, who)
        git(
            top,
            "--literal-pathspecs",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            change.message,
            "--",
            *paths,
            env=author,
        )
        committed = True
        if push:
            _push_with_retry(top, author)
        return git(top, "rev-parse", "HEAD").strip()
    except GitError:
        _undo(top, root, change, paths, before if committed else None)
        raise


def _has_head(top: Path) -> bool:
    try:
        git(top, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        return False
    return True


def _push_with_retry(top: Path, author: dict[str, str]) -> None:
    remote, branch = upstream(top)
    last = ""
    for attempt in range(PUSH_ATTEMPTS):
        try:
            git(top, "push", "-q", remote, f"HEAD:{branch}")
            return
        except GitError as exc:
            last = str(exc)
        # The remote moved: take its commits, replay ours on top, try again after a
        # random pause so that racing writers spread out.
        time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
        git(top, "fetch", "-q", remote, branch)
        try:
            # The rebase (and its autostash) commits too: without user.email it needs the
            # same committer identity as our commit, or it fails on a bare CI runner.
            git(
                top,
                "-c",
                "rebase.autoStash=true",
                "rebase",
                "-q",
                f"{remote}/{branch}",
                env=author,
            )
        except GitError:
            _abort_rebase(top)
            raise GitError(
                f"the remote changed the same files; fetch {remote}/{branch} and try again"
            ) from None
    raise GitError(f"push failed after {PUSH_ATTEMPTS} attempts: {last}")


def _abort_rebase(top: Path) -> None:
    with contextlib.suppress(GitError):
        git(top, "rebase", "--abort")


def _undo(top: Path, root: Path, change: Change, paths: list[str], before: str | None) -> None:
    """Drop our commit (if made), unstage the paths and put the files back as they were."""
    try:
        if before:  # back to where the branch was, even after a rebase onto the remote
            git(top, "reset", "-q", "--keep", before)
        elif before == "":  # our commit was the first
            git(top, "update-ref", "-d", "HEAD")
        if _has_head(top):
            git(top, "--literal-pathspecs", "reset", "-q", "--", *paths)
        else:
            literal = ["--literal-pathspecs", "rm", "-q", "--cached", "--ignore-unmatch"]
            git(top, *literal, "--", *paths)
    except GitError:
        pass
    change.restore(root)
