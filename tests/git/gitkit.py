"""Helpers and fixtures for the Git workflow tests: real repositories, never mocks.

Not a conftest.py: pytest imports every conftest.py outside a package as the one module
``conftest``, so a second one would shadow tests/conftest.py for ``from conftest import …``.
Test modules import the fixtures they use from here (the whole chain: pytest resolves a
fixture's own fixtures by name in the test module).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry_lib.cli import main

SHA_A = "a" * 40
SHA_B = "b" * 40
SHA_C = "c" * 40
ACTOR = "ci@example.org"
NOW = "2024-05-01T10:00:00Z"
MAINT = "maint@example.org"


@dataclass(frozen=True)
class Result:
    """What one relreg run returned."""

    code: int
    out: str
    err: str


@dataclass
class Repo:
    """A Git work tree (or a bare repository) on disk, driven through the git binary."""

    path: Path
    env: dict[str, str] = field(repr=False, default_factory=dict)
    shas: dict[str, str] = field(repr=False, default_factory=dict)  # seeding step -> commit

    @property
    def data(self) -> Path:
        """The registry folder inside the repository."""
        return self.path / "data"

    def git(self, *args: str, author: str | None = None, check: bool = True) -> str:
        """Run git here; ``author`` sets author and committer to that email."""
        env = dict(self.env)
        if author is not None:
            name = author.split("@", 1)[0]
            env.update(
                GIT_AUTHOR_NAME=name,
                GIT_AUTHOR_EMAIL=author,
                GIT_COMMITTER_NAME=name,
                GIT_COMMITTER_EMAIL=author,
            )
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def commit(self, message: str, author: str = MAINT, *paths: str) -> str:
        """Stage everything (or ``paths``) and commit it; returns the new HEAD."""
        self.git("add", "-A", "--", *(paths or ["."]))
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author)
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        """The commit SHA of ``rev``."""
        return self.git("rev-parse", rev).strip()

    def status(self) -> str:
        """``git status --porcelain`` (untracked files included)."""
        return self.git("status", "--porcelain", "--untracked-files=all")

    def log(self, fmt: str = "%ae|%s", rev: str = "HEAD") -> list[str]:
        """One line per commit, newest first."""
        return self.git("log", f"--format={fmt}", rev).splitlines()

    def show_files(self, rev: str = "HEAD") -> list[str]:
        """The paths the commit ``rev`` touched."""
        out = self.git("show", "--name-only", "--format=", rev)
        return [line for line in out.splitlines() if line]

    def write(self, rel: str, text: str) -> Path:
        """Write a file in the work tree (creating folders)."""
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target


@dataclass
class Remote:
    """A bare repository and a way to clone it with ``main`` tracking ``origin/main``."""

    bare: Repo
    root: Path
    counter: list[int] = field(default_factory=lambda: [0])

    def clone(self, name: str | None = None) -> Repo:
        """A fresh clone of the bare remote."""
        self.counter[0] += 1
        target = self.root / (name or f"clone{self.counter[0]}")
        self.bare.git("clone", "-q", str(self.bare.path), str(target))
        return Repo(target, self.bare.env)


@pytest.fixture(name="git_env")
def git_env_fixture(
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


@pytest.fixture(name="make_repo")
def make_repo_fixture(tmp_path: Path, git_env: dict[str, str]) -> Callable[[str], Repo]:
    """``make_repo(name)``: an empty repository on branch ``main`` in ``tmp_path/name``."""

    def make(name: str) -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path, git_env)
        repo.git("init", "-q", "-b", "main")
        return repo

    return make


RelregRun = Callable[..., Result]


@pytest.fixture(name="relreg")
def relreg_fixture(git_env: dict[str, str]) -> RelregRun:
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


@pytest.fixture(name="relreg_proc")
def relreg_proc_fixture(git_env: dict[str, str]) -> Callable[..., Any]:
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


@pytest.fixture(name="registry_repo")
def registry_repo_fixture(make_repo: Callable[[str], Repo], relreg: RelregRun) -> Repo:
    """A repository with a ``data/`` registry built commit by commit on ``main``.

    Milestones: Build green (BuildURL), Nightly passed (BuildURL, NumberOfCIFailures).
    Releases: 4.0.0 (approved for Build green by alice), 4.1.0-rc.1, 4.1.0-rc.2 (rejected).
    ``repo.shas`` maps each step to its commit.
    """
    repo = make_repo("work")
    repo.shas = seed_registry(relreg, repo)
    return repo


@pytest.fixture(name="remote")
def remote_fixture(tmp_path: Path, registry_repo: Repo) -> Remote:
    """A bare remote holding ``registry_repo``'s ``main``; ``registry_repo`` tracks it."""
    bare = Repo(tmp_path / "remote.git", registry_repo.env)
    registry_repo.git("init", "-q", "--bare", "-b", "main", str(bare.path))
    registry_repo.git("remote", "add", "origin", str(bare.path))
    registry_repo.git("push", "-q", "-u", "origin", "main")
    clones = tmp_path / "clones"
    clones.mkdir()
    return Remote(bare, clones)
