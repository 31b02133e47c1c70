"""Fixtures for the Git workflow tests: real repositories in ``tmp_path``, never mocks.

Every test runs with a scrubbed environment: ``HOME`` in a temporary folder, no global or
system Git config (so the machine's ``user.email`` cannot leak in), no ``GIT_*`` or
``RELREG_*`` variables except the ones set here, ``RELREG_ACTOR`` and ``RELREG_NOW`` fixed.

- ``git_env``: the environment (also applied to ``os.environ``), as a dict for subprocesses.
- ``make_repo(name)``: ``git init -b main`` in ``tmp_path/name``.
- ``relreg(repo, *args, env=…)``: the CLI in-process through click's ``CliRunner``.
- ``relreg_proc(repo, *args, env=…)``: the CLI as ``python -m registry_lib`` (a real process).
- ``registry_repo``: a repository whose ``data/`` registry has history on ``main``.
- ``remote``: a bare remote seeded with ``registry_repo``'s history, and ``remote.clone()``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gitkit import ACTOR, MAINT, NOW, SHA_A, SHA_B, SHA_C, Remote, Repo, Result

from registry_lib.cli import main


@pytest.fixture
def git_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A scrubbed environment, applied to ``os.environ`` and returned for subprocesses."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(("GIT_", "RELREG_")) or name in ("EMAIL", "GITHUB_STEP_SUMMARY"):
            monkeypatch.delenv(name)
    settings = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "RELREG_ACTOR": ACTOR,
        "RELREG_NOW": NOW,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


@pytest.fixture
def make_repo(tmp_path: Path, git_env: dict[str, str]) -> Callable[[str], Repo]:
    """``make_repo(name)``: an empty repository on branch ``main`` in ``tmp_path/name``."""

    def make(name: str) -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path, git_env)
        repo.git("init", "-q", "-b", "main")
        return repo

    return make


RelregRun = Callable[..., Result]


@pytest.fixture
def relreg(git_env: dict[str, str]) -> RelregRun:
    """Run the CLI in-process on ``repo``'s registry: ``relreg(repo, "latest", env={...})``.

    ``repo`` may be a ``Repo`` (its ``data/`` folder is used) or a registry ``Path``;
    ``None`` passes no ``--registry``. Exceptions are not caught: a traceback fails the test.
    """

    def run(repo: Repo | Path | None, *args: str, env: Mapping[str, str] | None = None) -> Result:
        argv = list(args)
        if repo is not None:
            root = repo.data if isinstance(repo, Repo) else repo
            argv = ["--registry", str(root), *argv]
        result = CliRunner().invoke(main, argv, env=dict(env or {}), catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def relreg_proc(git_env: dict[str, str]) -> Callable[..., Any]:
    """Run ``python -m registry_lib`` in ``repo``'s work tree as a real process.

    ``relreg_proc(repo, *args, env=…, wait=False)`` returns the ``Popen`` so that callers
    can start several at once; with ``wait=True`` (default) it returns a ``Result``.
    """

    def run(repo: Repo, *args: str, env: Mapping[str, str] | None = None, wait: bool = True) -> Any:
        proc = subprocess.Popen(
            [sys.executable, "-m", "registry_lib", "--registry", "data", *args],
            cwd=repo.path,
            env={**git_env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if not wait:
            return proc
        out, err = proc.communicate(timeout=60)
        return Result(proc.returncode, out, err)

    return run


def seed_registry(relreg: RelregRun, repo: Repo) -> dict[str, str]:
    """Build the base registry with one commit per fact; returns name -> commit SHA."""
    shas: dict[str, str] = {}

    def step(name: str, message: str, author: str, *args: str) -> None:
        result = relreg(repo, *args, env={"RELREG_ACTOR": author})
        assert result.code == 0, result.err
        shas[name] = repo.commit(message, author)

    step("init", "Create registry", MAINT, "init", str(repo.data), "--name", "Test releases")
    step(
        "build-green",
        "Define Build green",
        MAINT,
        "milestone",
        "create",
        "Build green",
        "--expect",
        "BuildURL",
    )
    step(
        "nightly",
        "Define Nightly passed",
        MAINT,
        "milestone",
        "create",
        "Nightly passed",
        "--expect",
        "BuildURL",
        "--expect",
        "NumberOfCIFailures",
        "--description",
        "All nightly CI jobs green.",
    )
    step(
        "release-4.0.0",
        "Create release 4.0.0",
        ACTOR,
        "release",
        "create",
        "4.0.0",
        "--commit",
        SHA_A,
        "--meta",
        "Image=quay.io/x:4.0.0",
    )
    step(
        "approve-4.0.0",
        "Approve 4.0.0 for Build green (#7)",
        "alice@example.org",
        "approve",
        "4.0.0",
        "Build green",
        "--meta",
        "BuildURL=https://ci.example.org/1",
    )
    step(
        "release-4.1.0-rc.1",
        "Create release 4.1.0-rc.1",
        ACTOR,
        "release",
        "create",
        "4.1.0-rc.1",
        "--commit",
        SHA_B,
    )
    step(
        "release-4.1.0-rc.2",
        "Create release 4.1.0-rc.2",
        ACTOR,
        "release",
        "create",
        "4.1.0-rc.2",
        "--commit",
        SHA_C,
    )
    step(
        "reject-4.1.0-rc.2",
        "Reject 4.1.0-rc.2: broken upgrade",
        "bob@example.org",
        "release",
        "reject",
        "4.1.0-rc.2",
        "--reason",
        "broken upgrade",
    )
    return shas


@pytest.fixture
def registry_repo(make_repo: Callable[[str], Repo], relreg: RelregRun) -> Repo:
    """A repository with a ``data/`` registry built commit by commit on ``main``.

    Milestones: Build green (BuildURL), Nightly passed (BuildURL, NumberOfCIFailures).
    Releases: 4.0.0 (approved for Build green by alice), 4.1.0-rc.1, 4.1.0-rc.2 (rejected).
    ``repo.shas`` maps each step to its commit.
    """
    repo = make_repo("work")
    repo.shas = seed_registry(relreg, repo)
    return repo


@pytest.fixture
def remote(tmp_path: Path, registry_repo: Repo) -> Remote:
    """A bare remote holding ``registry_repo``'s ``main``; ``registry_repo`` tracks it."""
    bare = Repo(tmp_path / "remote.git", registry_repo.env)
    registry_repo.git("init", "-q", "--bare", "-b", "main", str(bare.path))
    registry_repo.git("remote", "add", "origin", str(bare.path))
    registry_repo.git("push", "-q", "-u", "origin", "main")
    clones = tmp_path / "clones"
    clones.mkdir()
    return Remote(bare, clones)
